/* SPDX-License-Identifier: GPL-2.0 */
/* dup/stubs: arm64 barriers as host barriers (linux/nospec.h has the generic index mask). */
#ifndef __ASM_BARRIER_H
#define __ASM_BARRIER_H
#include <linux/compiler.h>
#define isb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define dsb(opt)	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define dmb(opt)	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define wmb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_wmb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define dma_rmb()	rmb()
#define dma_wmb()	wmb()
#define __iormb()	rmb()
#define __iowmb()	wmb()
#define smp_mb__before_atomic()	smp_mb()
#define smp_mb__after_atomic()	smp_mb()
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_mb(var, value) do { WRITE_ONCE(var, value); smp_mb(); } while (0)
#define csdb() do { } while (0)
#endif
