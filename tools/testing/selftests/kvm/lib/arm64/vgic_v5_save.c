// SPDX-License-Identifier: GPL-2.0
/*
 * VMM side of GICv5 save/restore: the guest IRS registers
 * (KVM_DEV_ARM_VGIC_GRP_IRS_REGS).
 */
#include <errno.h>
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
