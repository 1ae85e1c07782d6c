/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - what the kernel's generic headers provide to the vgic code,
 * in userland. Every shim header under shims/{linux,asm,...}/ that has no
 * more specific content includes this file (see README.md), the way
 * tools/testing/vma/vma_internal.h stands for the headers mm/vma.c includes.
 *
 *   dup.h     definitions duplicated from kernel headers (same names and
 *             semantics: bitops, bitmaps, atomics, static keys, ...)
 *   custom.h  test-specific behaviour: checked locks (lockdep-lite),
 *             accounted and fault-injectable allocations, uaccess with
 *             -EFAULT, MMIO / sysreg / cache-maintenance hooks, CPUs
 *   custom_irq.h  a small generic irq layer: irq domains (hierarchy),
 *             descriptors, request_irq(), the host LPI domain
 *   stubs.h   do-nothing stand-ins (printk, tracepoints, per-CPU irqs, ...)
 *
 * The KVM-level equivalents (struct kvm, struct kvm_vcpu, ...) are in
 * kvm_internal.h, which needs <kvm/arm_vgic.h> first.
 */
#ifndef __HARNESS_INTERNAL_H
#define __HARNESS_INTERNAL_H

#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/errno.h>
#include <linux/kconfig.h>
#include <linux/compiler.h>
#include <linux/build_bug.h>
#include <linux/stringify.h>
#include <linux/bits.h>
#include <linux/bitfield.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/container_of.h>
#include <linux/list.h>
#include <linux/err.h>
#include <linux/cleanup.h>
#include <linux/sizes.h>
#include <linux/gfp_types.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>
#include <linux/nospec.h>

#include "dup.h"
#include "custom.h"
#include "custom_irq.h"
#include "stubs.h"

#endif
