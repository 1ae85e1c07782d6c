/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMM side of GICv5 save/restore: the guest IRS registers
 * (KVM_DEV_ARM_VGIC_GRP_IRS_REGS).
 */
#ifndef SELFTEST_KVM_VGIC_V5_SAVE_H
#define SELFTEST_KVM_VGIC_V5_SAVE_H

#include <linux/types.h>

/* The IRS_CONFIG_FRAME: offsets userspace may probe */
#define VGIC_V5_IRS_CONFIG_FRAME_SIZE	0x10000
#define VGIC_V5_IRS_REGS_MAX		128

struct vgic_v5_irs_regs {
	unsigned int nr;
	__u32 offset[VGIC_V5_IRS_REGS_MAX];
	__u64 val[VGIC_V5_IRS_REGS_MAX];
	/* Offset of the register a save or restore failed on */
	__u32 failed_offset;
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

#endif /* SELFTEST_KVM_VGIC_V5_SAVE_H */
