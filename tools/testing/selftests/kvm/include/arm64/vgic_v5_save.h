/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMM side of GICv5 save/restore: the guest IRS registers
 * (KVM_DEV_ARM_VGIC_GRP_IRS_REGS) and the interrupt state tables
 * (KVM_DEV_ARM_VGIC_GRP_IST).
 *
 * The functions need only libc, the KVM UAPI headers and
 * __kvm_has_device_attr(), __kvm_device_attr_get() and
 * __kvm_device_attr_set() (which return -1 with errno set). They never
 * assert: every failure is returned as -errno.
 */
#ifndef SELFTEST_KVM_VGIC_V5_SAVE_H
#define SELFTEST_KVM_VGIC_V5_SAVE_H

#include <stdbool.h>
#include <linux/types.h>

/* The IRS_CONFIG_FRAME: offsets userspace may probe */
#define VGIC_V5_IRS_CONFIG_FRAME_SIZE	0x10000
#define VGIC_V5_IRS_REGS_MAX		128

/* The registers that size the LPI image (GICV5_IRS_IST_* in arm-gic-v5.h) */
#define VGIC_V5_IRS_IST_BASER		0x0180	/* 64-bit */
#define VGIC_V5_IRS_IST_CFGR		0x0190	/* 32-bit */
#define VGIC_V5_IRS_IST_BASER_VALID	0x1ULL
#define VGIC_V5_IRS_IST_CFGR_LPI_ID_BITS	0x1fULL	/* bits [4:0] */

/* Compact saves retried after -ENOSPC, each with the size KVM asked for */
#define VGIC_V5_IST_SAVE_RETRIES	4

struct vgic_v5_irs_regs {
	unsigned int nr;
	__u32 offset[VGIC_V5_IRS_REGS_MAX];
	__u64 val[VGIC_V5_IRS_REGS_MAX];
	/* Offset of the register a save or restore failed on */
	__u32 failed_offset;
};

/*
 * The images of KVM_DEV_ARM_VGIC_GRP_IST: nr_spis little-endian ISTE
 * words for the SPIs, and the LPI image, flat (KVM_DEV_ARM_VGIC_IST_FLAT,
 * 2^LPI_ID_BITS words) or compact (KVM_DEV_ARM_VGIC_IST_COMPACT, a
 * struct kvm_vgic_v5_ist_compact and its records). lpi is NULL and
 * lpi_size 0 when the guest IST_BASER is invalid. Sizes are in bytes.
 */
struct vgic_v5_ist_image {
	__u32 *spi;
	__u64 spi_size;
	void *lpi;
	__u64 lpi_size;
	bool compact;
};

/*
 * Everything GRP_IRS_REGS and GRP_IST hold for a VM. (The functions are
 * vgic_v5_state_save/restore: vgic_v5_save_state and vgic_v5_restore_state
 * are KVM's own, and harnesses build this file with KVM's headers.)
 */
struct vgic_v5_state {
	struct vgic_v5_irs_regs regs;
	struct vgic_v5_ist_image ist;
};

/*
 * Save every register KVM_HAS_DEVICE_ATTR finds, in offset order.
 * Returns 0, or -errno of the first failing access (-ENOSPC if KVM has
 * more registers than VGIC_V5_IRS_REGS_MAX).
 */
int vgic_v5_irs_regs_save(int gic_fd, struct vgic_v5_irs_regs *regs);

/*
 * Restore the saved registers, in the order of @order (indices into
 * @regs, regs->nr of them), or in saved order if @order is NULL.
 * Returns 0, or -errno of the first failing write.
 */
int vgic_v5_irs_regs_restore(int gic_fd, struct vgic_v5_irs_regs *regs,
			     const unsigned int *order);

/*
 * Save the SPI and LPI images into buffers this function allocates (free
 * them with vgic_v5_ist_free()). The image sizes come from NR_IRQS and
 * from the IST_BASER and IST_CFGR the VM has now; @compact asks for the
 * compact LPI image, -EOPNOTSUPP if KVM does not offer it.
 *
 * Order: all vCPUs must be stopped (else -EBUSY). The save order of
 * registers and ISTs is free and saving never touches guest memory, so
 * guest RAM may be copied before or after.
 *
 * Returns 0, or -errno (-ENXIO if IST_BASER was restored valid but the
 * ISTs were not); on error nothing is allocated and @img is unchanged.
 */
int vgic_v5_ist_save(int gic_fd, struct vgic_v5_ist_image *img, bool compact);

/*
 * Restore saved images into a VM that has never run.
 *
 * Order: after CTRL_INIT and after every IRS register, IST_CFGR and
 * IST_BASER in particular, has been restored: the restore creates the
 * LPI IST that the restored IST_CFGR/IST_BASER describe, and IST_CFGR
 * and IST_BASER are read-only from then on. It may be done once; the VM
 * does not run while a valid IST_BASER awaits it (KVM_RUN -EINVAL).
 * Guest RAM is not read, so it may be loaded before or after.
 *
 * Returns 0, or -errno; on error the VM is unchanged.
 */
int vgic_v5_ist_restore(int gic_fd, const struct vgic_v5_ist_image *img);

/* Free the buffers of @img and empty it; an empty @img is fine. */
void vgic_v5_ist_free(struct vgic_v5_ist_image *img);

/*
 * Save the IRS registers, then the ISTs (the order is free on save; the
 * LPI image is sized from the saved IST_BASER/IST_CFGR either way).
 * Free with vgic_v5_ist_free(&s->ist). Same rules as vgic_v5_ist_save().
 *
 * Returns 0, or -errno of the first failure; s->ist is then empty.
 */
int vgic_v5_state_save(int gic_fd, struct vgic_v5_state *s, bool compact);

/*
 * Restore into a VM that has never run and was set up in the contract's
 * order: vCPUs with the same vcpu_ids, IRS address, NR_IRQS, CTRL_INIT.
 * Then all the registers go first, the ISTs last: the IST restore builds
 * the LPI IST from the restored IST_CFGR/IST_BASER and needs the ID
 * registers (IDR1/IDR2) that validate it. Per-vCPU ICC state
 * (GRP_CPU_SYSREGS) is the caller's and may follow.
 *
 * Returns 0, or -errno of the first failure (s->regs.failed_offset says
 * which register if it was a register).
 */
int vgic_v5_state_restore(int gic_fd, struct vgic_v5_state *s);

/*
 * A vCPU's CPU interface state (KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS): the raw
 * values of the 26 ICC registers of vgic_v5_cpu_regs_instr[], in order.
 */
#define VGIC_V5_CPU_REGS_NR	26

struct vgic_v5_cpu_regs {
	__u64 val[VGIC_V5_CPU_REGS_NR];
	/* The instr of the register a save or restore failed on */
	__u16 failed_instr;
};

extern const __u16 vgic_v5_cpu_regs_instr[VGIC_V5_CPU_REGS_NR];

/*
 * Save the ICC state of the vCPU whose MPIDR_EL1 is @mpidr. All vCPUs
 * must be stopped. Returns 0, or -errno of the first failing access.
 */
int vgic_v5_cpu_regs_save(int gic_fd, __u64 mpidr, struct vgic_v5_cpu_regs *r);

/*
 * Restore it into the vCPU with the same MPIDR of a VM that has never
 * run, after CTRL_INIT (before it there is no state to write). Its order
 * against the IRS registers and the ISTs is free. Returns 0, or -errno
 * of the first failing write.
 */
int vgic_v5_cpu_regs_restore(int gic_fd, __u64 mpidr, struct vgic_v5_cpu_regs *r);

#endif /* SELFTEST_KVM_VGIC_V5_SAVE_H */
