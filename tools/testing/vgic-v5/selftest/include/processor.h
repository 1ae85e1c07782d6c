/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The selftests' arm64 "processor.h" with what emits arm64 instructions
 * (barriers, MMIO accessors, DAIF) turned into calls of the harness
 * backend. It is included first in every file (-include): the stock
 * header, included here by its path, is then what "processor.h" finds,
 * whichever directory asks. Its inline functions that this replaces are
 * renamed out of the way (and never used).
 */
#ifndef __ST_PROCESSOR_H
#define __ST_PROCESSOR_H

#include <linux/types.h>
#include <asm/sysreg.h>
#include "../st_guest.h"

/*
 * Built natively on an x86_64 host with __aarch64__ defined, the headers
 * take their arm64 paths, but kvm_util.h's x86_64 helpers remain: the one
 * x86 UAPI type they take, in the size its ioctl numbers encode.
 */
struct kvm_nested_state {
	__u16 flags;
	__u16 format;
	__u32 size;
};

#define cpu_relax		st_stock_cpu_relax
#define __raw_writel		st_stock_raw_writel
#define __raw_readl		st_stock_raw_readl
#define __raw_writeq		st_stock_raw_writeq
#define __raw_readq		st_stock_raw_readq
#define local_irq_enable	st_stock_local_irq_enable
#define local_irq_disable	st_stock_local_irq_disable
#define local_serror_enable	st_stock_local_serror_enable
#define local_serror_disable	st_stock_local_serror_disable

#include ST_STOCK_PROCESSOR_H

#undef cpu_relax
#undef __raw_writel
#undef __raw_readl
#undef __raw_writeq
#undef __raw_readq
#undef local_irq_enable
#undef local_irq_disable
#undef local_serror_enable
#undef local_serror_disable

static inline void cpu_relax(void)
{
	st_barrier();
}

static inline void local_irq_enable(void)
{
	st_local_irq(1);
}

static inline void local_irq_disable(void)
{
	st_local_irq(0);
}

static inline void local_serror_enable(void)
{
}

static inline void local_serror_disable(void)
{
}

#undef isb
#define isb()			st_barrier()
#undef dsb
#define dsb(opt)		st_barrier()
#undef dmb
#define dmb(opt)		st_barrier()
#undef __iormb
#define __iormb(v)		st_barrier()

#undef writel_relaxed
#define writel_relaxed(v, c)	st_mmio_write((void *)(c), 4, (u32)(v))
#undef readl_relaxed
#define readl_relaxed(c)	((u32)st_mmio_read((const void *)(c), 4))
#undef writeq_relaxed
#define writeq_relaxed(v, c)	st_mmio_write((void *)(c), 8, (u64)(v))
#undef readq_relaxed
#define readq_relaxed(c)	((u64)st_mmio_read((const void *)(c), 8))
#undef writel
#define writel(v, c)		writel_relaxed((v), (c))
#undef readl
#define readl(c)		readl_relaxed(c)
#undef writeq
#define writeq(v, c)		writeq_relaxed((v), (c))
#undef readq
#define readq(c)		readq_relaxed(c)

#endif
