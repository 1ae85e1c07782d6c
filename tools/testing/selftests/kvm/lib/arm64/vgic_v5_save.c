// SPDX-License-Identifier: GPL-2.0
/*
 * VMM side of GICv5 save/restore: the guest IRS registers
 * (KVM_DEV_ARM_VGIC_GRP_IRS_REGS) and the interrupt state tables
 * (KVM_DEV_ARM_VGIC_GRP_IST).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>
#include <asm/kvm.h>

#include "kvm_util.h"
#include "vgic_v5_save.h"

int vgic_v5_irs_regs_save(int gic_fd, struct vgic_v5_irs_regs *regs)
{
	__u32 off;

	regs->nr = 0;
	for (off = 0; off < VGIC_V5_IRS_CONFIG_FRAME_SIZE; off += 4) {
		if (__kvm_has_device_attr(gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS, off))
			continue;

		regs->failed_offset = off;
		if (regs->nr == VGIC_V5_IRS_REGS_MAX)
			return -ENOSPC;
		if (__kvm_device_attr_get(gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
					  off, &regs->val[regs->nr]))
			return -errno;
		regs->offset[regs->nr++] = off;
	}

	return 0;
}

int vgic_v5_irs_regs_restore(int gic_fd, struct vgic_v5_irs_regs *regs,
			     const unsigned int *order)
{
	unsigned int i, r;

	for (i = 0; i < regs->nr; i++) {
		r = order ? order[i] : i;
		if (r >= regs->nr)
			return -EINVAL;

		regs->failed_offset = regs->offset[r];
		if (__kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
					  regs->offset[r], &regs->val[r]))
			return -errno;
	}

	return 0;
}

/* The LPI image size a save needs first: exact if flat, a header if compact */
static int vgic_v5_ist_lpi_size(int gic_fd, bool compact, __u64 *size)
{
	__u64 baser, cfgr;

	if (__kvm_device_attr_get(gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
				  VGIC_V5_IRS_IST_BASER, &baser) ||
	    __kvm_device_attr_get(gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
				  VGIC_V5_IRS_IST_CFGR, &cfgr))
		return -errno;

	if (!(baser & VGIC_V5_IRS_IST_BASER_VALID))
		*size = 0;
	else if (compact)
		*size = sizeof(struct kvm_vgic_v5_ist_compact);
	else
		*size = sizeof(__u32) << (cfgr & VGIC_V5_IRS_IST_CFGR_LPI_ID_BITS);

	return 0;
}

int vgic_v5_ist_save(int gic_fd, struct vgic_v5_ist_image *img, bool compact)
{
	struct vgic_v5_ist_image new = { .compact = compact };
	__u64 attr = compact ? KVM_DEV_ARM_VGIC_IST_COMPACT :
			       KVM_DEV_ARM_VGIC_IST_FLAT;
	struct kvm_vgic_v5_ist ist;
	unsigned int tries;
	__u32 nr_spis;
	void *lpi;
	int ret;

	if (compact && __kvm_has_device_attr(gic_fd, KVM_DEV_ARM_VGIC_GRP_IST, attr))
		return -EOPNOTSUPP;

	if (__kvm_device_attr_get(gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_spis))
		return -errno;
	ret = vgic_v5_ist_lpi_size(gic_fd, compact, &new.lpi_size);
	if (ret)
		return ret;

	ret = -ENOMEM;
	new.spi_size = (__u64)nr_spis * sizeof(__u32);
	new.spi = calloc(nr_spis, sizeof(__u32));
	if (!new.spi && nr_spis)
		goto err;
	if (new.lpi_size) {
		new.lpi = calloc(1, new.lpi_size);
		if (!new.lpi)
			goto err;
	}

	for (tries = 0;; tries++) {
		ist = (struct kvm_vgic_v5_ist) {
			.spi_ist_addr	= (__u64)(unsigned long)new.spi,
			.spi_ist_size	= new.spi_size,
			.lpi_ist_addr	= (__u64)(unsigned long)new.lpi,
			.lpi_ist_size	= new.lpi_size,
		};
		if (!__kvm_device_attr_get(gic_fd, KVM_DEV_ARM_VGIC_GRP_IST, attr, &ist))
			break;

		/* Compact: KVM wrote back the size the image needs */
		ret = -errno;
		if (ret != -ENOSPC || !compact || tries == VGIC_V5_IST_SAVE_RETRIES ||
		    ist.lpi_ist_size <= new.lpi_size)
			goto err;

		ret = -ENOMEM;
		lpi = realloc(new.lpi, ist.lpi_ist_size);
		if (!lpi)
			goto err;
		new.lpi = lpi;
		new.lpi_size = ist.lpi_ist_size;
	}

	/* Compact: the bytes KVM wrote */
	if (compact)
		new.lpi_size = ist.lpi_ist_size;

	*img = new;
	return 0;
err:
	free(new.spi);
	free(new.lpi);
	return ret;
}

int vgic_v5_ist_restore(int gic_fd, const struct vgic_v5_ist_image *img)
{
	struct kvm_vgic_v5_ist ist = {
		.spi_ist_addr	= (__u64)(unsigned long)img->spi,
		.spi_ist_size	= img->spi_size,
		.lpi_ist_addr	= (__u64)(unsigned long)img->lpi,
		.lpi_ist_size	= img->lpi_size,
	};
	__u64 attr = img->compact ? KVM_DEV_ARM_VGIC_IST_COMPACT :
				    KVM_DEV_ARM_VGIC_IST_FLAT;

	if (img->compact &&
	    __kvm_has_device_attr(gic_fd, KVM_DEV_ARM_VGIC_GRP_IST, attr))
		return -EOPNOTSUPP;

	if (__kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_IST, attr, &ist))
		return -errno;

	return 0;
}

void vgic_v5_ist_free(struct vgic_v5_ist_image *img)
{
	free(img->spi);
	free(img->lpi);
	memset(img, 0, sizeof(*img));
}

int vgic_v5_state_save(int gic_fd, struct vgic_v5_state *s, bool compact)
{
	int ret;

	memset(&s->ist, 0, sizeof(s->ist));

	ret = vgic_v5_irs_regs_save(gic_fd, &s->regs);
	if (ret)
		return ret;

	return vgic_v5_ist_save(gic_fd, &s->ist, compact);
}

int vgic_v5_state_restore(int gic_fd, struct vgic_v5_state *s)
{
	int ret;

	/* Registers first: the IST restore builds on IST_CFGR/IST_BASER */
	ret = vgic_v5_irs_regs_restore(gic_fd, &s->regs, NULL);
	if (ret)
		return ret;

	return vgic_v5_ist_restore(gic_fd, &s->ist);
}

/* Op0 [15:14], Op1 [13:11], CRn [10:7], CRm [6:3], Op2 [2:0] */
const __u16 vgic_v5_cpu_regs_instr[VGIC_V5_CPU_REGS_NR] = {
	0xc654,					/* ICC_ICSR_EL1 */
	0xc656, 0xc657,				/* ICC_PPI_ENABLER0/1_EL1 */
	0xc66a, 0xc66b,				/* ICC_PPI_SACTIVER0/1_EL1 */
	0xc66e, 0xc66f,				/* ICC_PPI_SPENDR0/1_EL1 */
	0xc670, 0xc671, 0xc672, 0xc673,		/* ICC_PPI_PRIORITYR0..15_EL1 */
	0xc674, 0xc675, 0xc676, 0xc677,
	0xc678, 0xc679, 0xc67a, 0xc67b,
	0xc67c, 0xc67d, 0xc67e, 0xc67f,
	0xce00,					/* ICC_APR_EL1 */
	0xce01,					/* ICC_CR0_EL1 */
	0xce02,					/* ICC_PCR_EL1 */
};

/* attr: the MPIDR affinity, Aff3..Aff0 in bits [63:32], and the register */
static __u64 vgic_v5_cpu_reg_attr(__u64 mpidr, __u16 instr)
{
	__u64 aff = ((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff);

	return aff << 32 | instr;
}

/* Get or set every register of @r, in order */
static int vgic_v5_cpu_regs_access(int gic_fd, __u64 mpidr,
				   struct vgic_v5_cpu_regs *r, bool set)
{
	unsigned int i;
	__u64 attr;
	int ret;

	for (i = 0; i < VGIC_V5_CPU_REGS_NR; i++) {
		r->failed_instr = vgic_v5_cpu_regs_instr[i];
		attr = vgic_v5_cpu_reg_attr(mpidr, r->failed_instr);
		if (set)
			ret = __kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
						    attr, &r->val[i]);
		else
			ret = __kvm_device_attr_get(gic_fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
						    attr, &r->val[i]);
		if (ret)
			return -errno;
	}

	return 0;
}

int vgic_v5_cpu_regs_save(int gic_fd, __u64 mpidr, struct vgic_v5_cpu_regs *r)
{
	return vgic_v5_cpu_regs_access(gic_fd, mpidr, r, false);
}

int vgic_v5_cpu_regs_restore(int gic_fd, __u64 mpidr, struct vgic_v5_cpu_regs *r)
{
	return vgic_v5_cpu_regs_access(gic_fd, mpidr, r, true);
}
