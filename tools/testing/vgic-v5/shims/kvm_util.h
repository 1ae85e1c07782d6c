/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of the KVM selftests' kvm_util.h that the VMM save/restore
 * helper (tools/testing/selftests/kvm/lib/arm64/vgic_v5_save.c) uses: the
 * device attribute ioctls, on a device fd. Here an fd names a harness
 * device (harness_device_fd()); errors are -1 with errno set, as ioctl().
 */
#ifndef __HARNESS_KVM_UTIL_H
#define __HARNESS_KVM_UTIL_H

#include <stdint.h>

struct kvm_device;

/* The "fd" of @dev for the helper, until the VM is destroyed. */
int harness_device_fd(struct kvm_device *dev);

int __kvm_has_device_attr(int dev_fd, uint32_t group, uint64_t attr);
int __kvm_device_attr_get(int dev_fd, uint32_t group, uint64_t attr, void *val);
int __kvm_device_attr_set(int dev_fd, uint32_t group, uint64_t attr, void *val);

#endif
