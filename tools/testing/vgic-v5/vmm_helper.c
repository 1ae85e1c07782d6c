// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM selftests' VMM save/restore helper, compiled unchanged, with
 * KVM_{HAS,GET,SET}_DEVICE_ATTR on a device fd going to the same kernel
 * entry points as harness_{has,get,set}_attr().
 */
#include <errno.h>

#include "harness.h"
#include "kvm_util.h"

#define HARNESS_FD_BASE	100
#define HARNESS_MAX_FDS	16

static struct kvm_device *fds[HARNESS_MAX_FDS];

int harness_device_fd(struct kvm_device *dev)
{
	int i, free = -1;

	for (i = 0; i < HARNESS_MAX_FDS; i++) {
		if (fds[i] == dev)
			return HARNESS_FD_BASE + i;
		if (free < 0 && !fds[i])
			free = i;
	}
	if (free < 0)
		free = 0;
	fds[free] = dev;
	return HARNESS_FD_BASE + free;
}

static struct kvm_device *fd_device(int fd)
{
	if (fd < HARNESS_FD_BASE || fd >= HARNESS_FD_BASE + HARNESS_MAX_FDS)
		return NULL;
	return fds[fd - HARNESS_FD_BASE];
}

/* ioctl() convention: 0, or -1 with errno */
static int ioctl_ret(int ret)
{
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

int __kvm_has_device_attr(int dev_fd, uint32_t group, uint64_t attr)
{
	struct kvm_device *dev = fd_device(dev_fd);

	return ioctl_ret(dev ? harness_has_attr(dev, group, attr) : -EBADF);
}

int __kvm_device_attr_get(int dev_fd, uint32_t group, uint64_t attr, void *val)
{
	struct kvm_device *dev = fd_device(dev_fd);

	return ioctl_ret(dev ? harness_get_attr(dev, group, attr, val) : -EBADF);
}

int __kvm_device_attr_set(int dev_fd, uint32_t group, uint64_t attr, void *val)
{
	struct kvm_device *dev = fd_device(dev_fd);

	return ioctl_ret(dev ? harness_set_attr(dev, group, attr, val) : -EBADF);
}

#include "../selftests/kvm/lib/arm64/vgic_v5_save.c"
