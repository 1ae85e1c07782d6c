/* SPDX-License-Identifier: GPL-2.0 */
/*
 * custom.h - test-specific behaviour behind kernel names (implemented in
 * custom.c). Everything here is checked or observable by the tests:
 *
 *  - locks are error-checking pthread mutexes with a lockdep-lite: per-thread
 *    held-lock stack, lockdep_assert_held(), lock-class order recording with
 *    inversion detection, and might_sleep()/mutex_lock()/GFP_KERNEL checks
 *    against spinlocks held, "irqs disabled" and preempt/RCU sections;
 *  - WARN*()/BUG*() fail the running test;
 *  - allocations are accounted (leaks fail the test), can be made to fail
 *    (fault_inject_nth_alloc()), and are reported to the weak hooks
 *    harness_mem_added()/harness_mem_removed();
 *  - uaccess works on plain pointers and returns -EFAULT for bad ones;
 *  - MMIO accessors, sysreg accessors and cache maintenance go through the
 *    hooks declared at the bottom (harness_mmio_read(), ...), which hand
 *    what belongs to the host IRS to the model (model_glue.c);
 *  - threads are physical CPUs (smp_processor_id());
 *  - checker findings that do not stop the test are recorded as violations.
 */
#ifndef __HARNESS_CUSTOM_H
#define __HARNESS_CUSTOM_H

#include <pthread.h>

/* ---------------------------------------------------------------- reports */

enum harness_report_kind {
	HR_LOCKDEP,	/* lock order inversion, recursion, bad unlock, not held */
	HR_SLEEP,	/* sleeping in atomic context */
	HR_WARN,	/* WARN_ON() and friends fired */
	HR_BUG,		/* BUG_ON() fired */
	HR_NR_KINDS
};

/*
 * Report a kernel-detected problem. Fails the running test (and aborts it)
 * unless the test armed harness_expect_report(kind): then it is counted.
 */
void harness_report(enum harness_report_kind kind, const char *file, int line,
		    const char *fmt, ...) __printf(4, 5);
void harness_expect_report(enum harness_report_kind kind);
int harness_reports(enum harness_report_kind kind);

/*
 * Violations: something the hardware would reject or leave UNPREDICTABLE,
 * found by the shims (the IRS model keeps its own list). The test goes on
 * and fails at its end unless harness_expect_violation() (harness.h)
 * matches each of them.
 */
void harness_violation(const char *fmt, ...) __printf(1, 2);
int harness_nr_violations(void);
/* The i-th violation, or NULL. */
const char *harness_violation_str(int i);

#define WARN(cond, fmt...) ({						\
	bool __w = !!(cond);						\
	if (unlikely(__w))						\
		harness_report(HR_WARN, __FILE__, __LINE__, "WARN: " fmt); \
	__w; })
#define WARN_ON(cond) ({						\
	bool __w = !!(cond);						\
	if (unlikely(__w))						\
		harness_report(HR_WARN, __FILE__, __LINE__, "WARN_ON(%s)", #cond); \
	__w; })
#define WARN_ONCE(cond, fmt...)	WARN(cond, fmt)
#define WARN_RATELIMIT(cond, fmt...)	WARN(cond, fmt)
#define WARN_ON_ONCE(cond)	WARN_ON(cond)
#define BUG() harness_report(HR_BUG, __FILE__, __LINE__, "BUG()")
#define BUG_ON(cond) do {						\
	if (unlikely(cond))						\
		harness_report(HR_BUG, __FILE__, __LINE__, "BUG_ON(%s)", #cond); \
} while (0)

/* ------------------------------------------------------------------ locks */

struct lock_class_key { char __unused; };

struct harness_lock {
	pthread_mutex_t	m;
	unsigned int	magic;		/* HARNESS_LOCK_MAGIC once initialised */
	bool		spin;		/* spinlock (atomic context while held) */
	const char	*name;
	const struct lock_class_key *key;	/* lock class, as lockdep's */
	pthread_t	owner;
	bool		owned;		/* READ_ONCE(): read without the lock */
	int		word;		/* the lock, with HARNESS_BENCH */
};

#define HARNESS_LOCK_MAGIC 0x10c4d3b5u

#define __HARNESS_LOCK_INIT(_name, _spin) {				\
	.m = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP,			\
	.magic = HARNESS_LOCK_MAGIC, .spin = (_spin), .name = #_name,	\
}

typedef struct raw_spinlock { struct harness_lock hl; } raw_spinlock_t;
typedef struct spinlock { struct harness_lock hl; } spinlock_t;
typedef struct { struct harness_lock hl; } rwlock_t;	/* exclusive */
struct mutex { struct harness_lock hl; };

void harness_lock_init(struct harness_lock *l, bool spin, const char *name,
		       const struct lock_class_key *key);
void harness_lock_acquire(struct harness_lock *l, int subclass, bool nest,
			  const char *file, int line);
bool harness_lock_try(struct harness_lock *l, const char *file, int line);
void harness_lock_release(struct harness_lock *l, const char *file, int line);
bool harness_lock_held(const struct harness_lock *l);
void harness_assert_held(const struct harness_lock *l, const char *what,
			 const char *file, int line);
void harness_assert_not_held(const struct harness_lock *l, const char *what,
			     const char *file, int line);
/* Atomic-context tracking: irqs "disabled", preemption, RCU readers. */
void harness_irq_disable(void);
void harness_irq_enable(void);
bool harness_irqs_disabled(void);
void harness_preempt_disable(void);
void harness_preempt_enable(void);
int harness_preempt_count(void);
void harness_might_sleep(const char *file, int line);

#define __harness_init_lock(l, spin) do {				\
	static struct lock_class_key __key;				\
	harness_lock_init(&(l)->hl, (spin), #l, &__key);		\
} while (0)

#define SINGLE_DEPTH_NESTING 1
#define DEFINE_MUTEX(n)		struct mutex n = { .hl = __HARNESS_LOCK_INIT(n, false) }
#define DEFINE_SPINLOCK(n)	spinlock_t n = { .hl = __HARNESS_LOCK_INIT(n, true) }
#define DEFINE_RAW_SPINLOCK(n)	raw_spinlock_t n = { .hl = __HARNESS_LOCK_INIT(n, true) }
#define __RAW_SPIN_LOCK_UNLOCKED(n)	{ .hl = __HARNESS_LOCK_INIT(n, true) }
#define __SPIN_LOCK_UNLOCKED(n)		{ .hl = __HARNESS_LOCK_INIT(n, true) }
#define __MUTEX_INITIALIZER(n)		{ .hl = __HARNESS_LOCK_INIT(n, false) }

#define mutex_init(l)		__harness_init_lock(l, false)
#define spin_lock_init(l)	__harness_init_lock(l, true)
#define raw_spin_lock_init(l)	__harness_init_lock(l, true)
#define rwlock_init(l)		__harness_init_lock(l, true)
void mutex_destroy(struct mutex *lock);

#define __HL_ACQ(l, sub, nest)	harness_lock_acquire(&(l)->hl, (sub), (nest), __FILE__, __LINE__)
#define __HL_REL(l)		harness_lock_release(&(l)->hl, __FILE__, __LINE__)
#define __HL_TRY(l)		harness_lock_try(&(l)->hl, __FILE__, __LINE__)

#define mutex_lock(l)			__HL_ACQ(l, 0, false)
#define mutex_lock_nested(l, s)		__HL_ACQ(l, s, false)
#define mutex_lock_nest_lock(l, n)	__HL_ACQ(l, 0, true)
#define mutex_lock_interruptible(l)	({ __HL_ACQ(l, 0, false); 0; })
#define mutex_lock_killable(l)		({ __HL_ACQ(l, 0, false); 0; })
#define mutex_lock_killable_nest_lock(l, n) ({ __HL_ACQ(l, 0, true); 0; })
#define mutex_trylock(l)		__HL_TRY(l)
#define mutex_trylock_nest_lock(l, n)	__HL_TRY(l)
#define mutex_unlock(l)			__HL_REL(l)
#define mutex_is_locked(l)		READ_ONCE((l)->hl.owned)

#define raw_spin_lock(l)		__HL_ACQ(l, 0, false)
#define raw_spin_lock_nested(l, s)	__HL_ACQ(l, s, false)
#define raw_spin_unlock(l)		__HL_REL(l)
#define raw_spin_trylock(l)		__HL_TRY(l)
#define raw_spin_lock_irq(l)		do { harness_irq_disable(); raw_spin_lock(l); } while (0)
#define raw_spin_unlock_irq(l)		do { raw_spin_unlock(l); harness_irq_enable(); } while (0)
#define raw_spin_lock_irqsave(l, f)	do { local_irq_save(f); raw_spin_lock(l); } while (0)
#define raw_spin_unlock_irqrestore(l, f) do { raw_spin_unlock(l); local_irq_restore(f); } while (0)
#define raw_spin_trylock_irqsave(l, f) ({				\
	local_irq_save(f);						\
	raw_spin_trylock(l) ? 1 : (local_irq_restore(f), 0); })
#define raw_spin_is_locked(l)		READ_ONCE((l)->hl.owned)
#define spin_lock(l)			__HL_ACQ(l, 0, false)
#define spin_lock_nested(l, s)		__HL_ACQ(l, s, false)
#define spin_unlock(l)			__HL_REL(l)
#define spin_trylock(l)			__HL_TRY(l)
#define spin_lock_irq(l)		raw_spin_lock_irq(l)
#define spin_unlock_irq(l)		raw_spin_unlock_irq(l)
#define spin_lock_irqsave(l, f)		raw_spin_lock_irqsave(l, f)
#define spin_unlock_irqrestore(l, f)	raw_spin_unlock_irqrestore(l, f)
#define spin_is_locked(l)		READ_ONCE((l)->hl.owned)
#define read_lock(l)			__HL_ACQ(l, 0, false)
#define read_unlock(l)			__HL_REL(l)
#define write_lock(l)			__HL_ACQ(l, 0, false)
#define write_unlock(l)			__HL_REL(l)

#define local_irq_save(f)						\
	do {								\
		(f) = harness_irqs_disabled();				\
		harness_irq_disable();					\
	} while (0)
#define local_irq_restore(f)	do { harness_irq_enable(); (void)(f); } while (0)
#define local_irq_disable()	harness_irq_disable()
#define local_irq_enable()	harness_irq_enable()
#define irqs_disabled()		harness_irqs_disabled()
#define preempt_disable()	harness_preempt_disable()
#define preempt_enable()	harness_preempt_enable()
#define preempt_disable_notrace() harness_preempt_disable()
#define preempt_enable_notrace()  harness_preempt_enable()
#define preemptible()		(!harness_preempt_count() && !harness_irqs_disabled())
#define in_atomic()		(harness_preempt_count() != 0)
#define get_cpu()		({ preempt_disable(); smp_processor_id(); })
#define put_cpu()		preempt_enable()
#define might_sleep()		harness_might_sleep(__FILE__, __LINE__)
#define might_sleep_if(c)	do { if (c) might_sleep(); } while (0)
#define cond_resched()		({ might_sleep(); 0; })
#define rcu_read_lock()		harness_preempt_disable()
#define rcu_read_unlock()	harness_preempt_enable()

/* Hard interrupt context (the fake irq layer runs handlers in it). */
void harness_hardirq_enter(void);
void harness_hardirq_exit(void);
bool harness_in_hardirq(void);
#define in_hardirq()		harness_in_hardirq()
#define in_irq()		harness_in_hardirq()
#define in_interrupt()		harness_in_hardirq()
#define in_task()		(!harness_in_hardirq())

#define lockdep_assert_held(l)	harness_assert_held(&(l)->hl, #l, __FILE__, __LINE__)
#define lockdep_assert_held_once(l) lockdep_assert_held(l)
#define lockdep_assert_held_write(l) lockdep_assert_held(l)
#define lockdep_assert_not_held(l) harness_assert_not_held(&(l)->hl, #l, __FILE__, __LINE__)
#define lockdep_assert_irqs_disabled() \
	WARN_ON(!harness_irqs_disabled())
#define lockdep_assert_preemption_disabled() \
	WARN_ON(!harness_preempt_count() && !harness_irqs_disabled())
#define lockdep_set_class(l, k)	((l)->hl.key = (k))
#define lockdep_is_held(l)	harness_lock_held(&(l)->hl)

DEFINE_LOCK_GUARD_1(mutex, struct mutex, mutex_lock(_T->lock), mutex_unlock(_T->lock))
DEFINE_LOCK_GUARD_1(raw_spinlock, raw_spinlock_t,
		    raw_spin_lock(_T->lock), raw_spin_unlock(_T->lock))
DEFINE_LOCK_GUARD_1(raw_spinlock_nested, raw_spinlock_t,
		    raw_spin_lock_nested(_T->lock, SINGLE_DEPTH_NESTING),
		    raw_spin_unlock(_T->lock))
DEFINE_LOCK_GUARD_1(raw_spinlock_irq, raw_spinlock_t,
		    raw_spin_lock_irq(_T->lock), raw_spin_unlock_irq(_T->lock))
DEFINE_LOCK_GUARD_1(raw_spinlock_irqsave, raw_spinlock_t,
		    raw_spin_lock_irqsave(_T->lock, _T->flags),
		    raw_spin_unlock_irqrestore(_T->lock, _T->flags),
		    unsigned long flags)
DEFINE_LOCK_GUARD_1(spinlock, spinlock_t, spin_lock(_T->lock), spin_unlock(_T->lock))
DEFINE_LOCK_GUARD_1(spinlock_irq, spinlock_t,
		    spin_lock_irq(_T->lock), spin_unlock_irq(_T->lock))
DEFINE_LOCK_GUARD_1(spinlock_irqsave, spinlock_t,
		    spin_lock_irqsave(_T->lock, _T->flags),
		    spin_unlock_irqrestore(_T->lock, _T->flags),
		    unsigned long flags)
DEFINE_LOCK_GUARD_0(rcu, rcu_read_lock(), rcu_read_unlock())
DEFINE_LOCK_GUARD_0(preempt, preempt_disable(), preempt_enable())
/* asm/daifflags.h: masking every exception, which here is IRQs */
#define local_daif_save()	({ unsigned long __f; local_irq_save(__f); __f; })
#define local_daif_restore(f)	local_irq_restore(f)
DEFINE_LOCK_GUARD_0(irqsave, local_irq_save(_T->flags), local_irq_restore(_T->flags),
		    unsigned long flags)

#define refcount_dec_and_lock_irqsave(r, l, f) ({			\
	typeof(l) __l = (l);						\
	unsigned long *__f = (f);					\
	bool __r = false;						\
	raw_spin_lock_irqsave(__l, *__f);				\
	if (refcount_dec_and_test(r))					\
		__r = true;						\
	else								\
		raw_spin_unlock_irqrestore(__l, *__f);			\
	__r; })

/* ------------------------------------------------------------ allocations */

void *harness_alloc(size_t size, gfp_t gfp, size_t align, const char *kind,
		    const char *file, int line);
void harness_free(const void *p, const char *kind);
size_t harness_alloc_size(const void *p);

#define kmalloc(s, g)		harness_alloc((s), (g), 0, "kmalloc", __FILE__, __LINE__)
#define kzalloc(s, g)		\
	harness_alloc((s), (g) | __GFP_ZERO, 0, "kmalloc", __FILE__, __LINE__)
#define kcalloc(n, s, g)	kzalloc(size_mul((n), (s)), (g))
#define kmalloc_array(n, s, g)	kmalloc(size_mul((n), (s)), (g))
#define kvmalloc(s, g)		harness_alloc((s), (g), 0, "kvmalloc", __FILE__, __LINE__)
#define kvzalloc(s, g)		\
	harness_alloc((s), (g) | __GFP_ZERO, 0, "kvmalloc", __FILE__, __LINE__)
#define kvcalloc(n, s, g)	kvzalloc(size_mul((n), (s)), (g))
#define kvmalloc_array(n, s, g)	kvmalloc(size_mul((n), (s)), (g))
#define vmalloc(s)		harness_alloc((s), GFP_KERNEL, 0, "kvmalloc", __FILE__, __LINE__)
#define vzalloc(s)		\
	harness_alloc((s), GFP_KERNEL | __GFP_ZERO, 0, "kvmalloc", __FILE__, __LINE__)
/*
 * The page allocator hands out naturally aligned blocks of 2^order pages;
 * alloc_pages_exact() takes such a block and frees its tail, so it is
 * aligned to its size rounded up to a power of two. kmalloc() memory is
 * naturally aligned for power-of-two sizes, as the kernel guarantees
 * (harness_alloc() does it for the "kmalloc" kind).
 */
#define __get_free_pages(g, order) ({					\
	size_t __sz = PAGE_SIZE << (order);				\
	(unsigned long)harness_alloc(__sz, (g), __sz, "pages", __FILE__, __LINE__); })
#define __get_free_page(g)	__get_free_pages((g), 0)
#define get_zeroed_page(g)	__get_free_pages((g) | __GFP_ZERO, 0)
#define alloc_pages_exact(s, g) ({					\
	size_t __sz = (s);						\
	harness_alloc(PAGE_ALIGN(__sz), (g), PAGE_SIZE << get_order(__sz), \
		      "pages", __FILE__, __LINE__); })
#define free_pages_exact(p, s)	harness_free((p), "pages")
#define free_pages(a, order)	harness_free((void *)(a), "pages")
#define free_page(a)		free_pages((a), 0)

/*
 * The linear map is the identity: a physical address is the host pointer
 * (what the IRS model dereferences), and a struct page * is the address of
 * its page, so page + n, page_address() and virt_to_page() are arithmetic.
 */
struct page { unsigned char __harness_page[PAGE_SIZE]; };
#define alloc_pages(g, order)	((struct page *)__get_free_pages((g), (order)))
#define alloc_page(g)		alloc_pages((g), 0)
#define alloc_pages_node(nid, g, order)	({ (void)(nid); alloc_pages((g), (order)); })
#define __free_pages(pg, order)	free_pages((unsigned long)page_address(pg), (order))
#define __free_page(pg)		__free_pages((pg), 0)
#define page_address(pg)	((void *)(pg))
#define page_to_virt(pg)	page_address(pg)
#define virt_to_page(v)		((struct page *)((unsigned long)(v) & PAGE_MASK))
#define virt_to_phys(v)		((phys_addr_t)(unsigned long)(v))
#define phys_to_virt(pa)	((void *)(unsigned long)(pa))
#define __pa(v)			virt_to_phys(v)
#define __va(pa)		phys_to_virt(pa)
#define __pa_symbol(v)		virt_to_phys(v)
#define page_to_phys(pg)	virt_to_phys(page_address(pg))
#define phys_to_page(pa)	virt_to_page(phys_to_virt(pa))
#define page_to_pfn(pg)		((unsigned long)(pg) >> PAGE_SHIFT)
#define pfn_to_page(pfn)	((struct page *)((unsigned long)(pfn) << PAGE_SHIFT))
#define virt_to_pfn(v)		((unsigned long)(v) >> PAGE_SHIFT)
#define PFN_PHYS(pfn)		((phys_addr_t)(pfn) << PAGE_SHIFT)
#define PHYS_PFN(pa)		((unsigned long)((pa) >> PAGE_SHIFT))
#define offset_in_page(p)	((unsigned long)(p) & ~PAGE_MASK)
#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)
void kfree(const void *p);
void kvfree(const void *p);
void vfree(const void *p);
#define kfree_rcu(p, f)		kfree(p)
#define kvfree_rcu(p, ...)	kvfree(p)
#define kfree_sensitive(p)	kfree(p)

static inline void *kmemdup_harness(const void *src, size_t len, void *dst)
{
	if (dst)
		memcpy(dst, src, len);
	return dst;
}

#define bitmap_alloc(n, g)	kmalloc_array(BITS_TO_LONGS(n), sizeof(unsigned long), (g))
#define bitmap_zalloc(n, g)	kcalloc(BITS_TO_LONGS(n), sizeof(unsigned long), (g))
#define bitmap_free(p)		kfree(p)

#define kmemdup(src, len, g) ({						\
	size_t __len = (len);						\
	kmemdup_harness((src), __len, kmalloc(__len, (g))); })
#define ksize(p)		harness_alloc_size(p)
DEFINE_FREE(kfree, void *, if (!IS_ERR_OR_NULL(_T)) kfree(_T))
DEFINE_FREE(kvfree, void *, if (!IS_ERR_OR_NULL(_T)) kvfree(_T))

/* Fail the n-th allocation from now (n >= 1); 0 disarms. */
void fault_inject_nth_alloc(unsigned long n);
/* Has the armed failure been injected? */
bool fault_injected(void);
/*
 * Number of allocations done / live in this test. Live ones exclude the
 * host's: those made at host init (harness_allocs_keep_since()) and memory
 * the host IRS model still references (the VM table pages KVM keeps).
 */
unsigned long harness_allocs_total(void);
unsigned long harness_allocs_live(void);
/* Bytes of every live allocation, the host's included (for benchmarks). */
size_t harness_alloc_bytes(void);
/* Allocations made after harness_allocs_total() was seq live with the host. */
void harness_allocs_keep_since(unsigned long seq);
/*
 * The most bytes one thread allocated during one hold of a lock named
 * @lock_name (its initialiser's name, e.g. "v5_irs.lock"), since the test
 * began: what a lock other users wait on is held up by.
 */
size_t harness_alloc_max_under(const char *lock_name);
/* Print the live allocations harness_allocs_live() counts; returns their number. */
unsigned long harness_dump_live_allocs(void);

/* Hand every live allocation to the IRS model again (a new host's model). */
void harness_allocs_announce(void);

/* ------------------------------------------------------------------- SRCU */

/*
 * SRCU read-side sections are counted per thread and per srcu_struct, for
 * srcu_read_lock_held(), which kvm_read/write_guest() check, and per
 * srcu_struct and index, for synchronize_srcu() (a zeroed srcu_struct is
 * ready for use). They may sleep, as the kernel's.
 */
struct srcu_struct {
	int idx;
	int readers[2];
	unsigned long gp_started, gp_completed;
};

int srcu_read_lock(struct srcu_struct *ssp);
void srcu_read_unlock(struct srcu_struct *ssp, int idx);
bool srcu_read_lock_held(const struct srcu_struct *ssp);
int init_srcu_struct(struct srcu_struct *ssp);
void cleanup_srcu_struct(struct srcu_struct *ssp);
void synchronize_srcu(struct srcu_struct *ssp);
unsigned long get_state_synchronize_srcu(struct srcu_struct *ssp);
bool poll_state_synchronize_srcu(struct srcu_struct *ssp, unsigned long cookie);
#define get_completed_synchronize_srcu()	0UL
DEFINE_LOCK_GUARD_1(srcu, struct srcu_struct,
		    _T->idx = srcu_read_lock(_T->lock),
		    srcu_read_unlock(_T->lock, _T->idx),
		    int idx)

/* ------------------------------------------------------- tasks and mms */

/*
 * The harness is one process: one mm, &harness_mm, that every VM's kvm->mm
 * is and that every thread uses (current->mm), but for the threads that
 * play a kworker (harness_kworker_enter()): they have none, as irqfd's
 * injection work has none, and their guest memory copies fail as
 * copy_from_user() fails there, unless they borrow the mm with
 * kthread_use_mm(). mm_users counts the process (1) and the
 * mmget_not_zero() references; harness_mm_exit() plays the VMM exiting.
 */
struct mm_struct {
	atomic_t mm_users;
};

struct task_struct {
	struct mm_struct	*mm;
	unsigned int		flags;		/* PF_KTHREAD for a kworker */
	/* harness_run.c's scheduler and preempt notifiers */
	unsigned int		__state;
	bool			sigpending;
	bool			sleeping;	/* switched out, waiting */
	int			migrate_to;	/* CPU on the next switch in, or -1 */
	/* The registered preempt notifier (vcpu_load() .. vcpu_put()) */
	struct kvm_vcpu		*notifier_vcpu;
};

extern struct mm_struct harness_mm;
struct task_struct *harness_current(void);
#define current			harness_current()
void harness_kworker_enter(void);
void harness_kworker_exit(void);

#define PF_KTHREAD		0x00200000

bool mmget_not_zero(struct mm_struct *mm);
void mmput(struct mm_struct *mm);
void kthread_use_mm(struct mm_struct *mm);
void kthread_unuse_mm(struct mm_struct *mm);

/* Pages userfaultfd has yet to bring in, as after a post-copy migration */
void harness_uffd_missing(const void *p, size_t n);
void harness_uffd_on_fault(void (*fn)(void *arg), void *arg);
unsigned int harness_uffd_faults(void);
unsigned int harness_uffd_nofaults(void);
bool harness_uffd_fault(const void *p, size_t n);

/* linux/uaccess.h: a user access that would fault fails instead */
void pagefault_disable(void);
void pagefault_enable(void);
bool pagefault_disabled(void);

/* ---------------------------------------------------------------- uaccess */

/* An address a test uses as "a bad user pointer" besides NULL. */
#define HARNESS_BAD_UPTR ((void *)1)
bool harness_uaccess_ok(const void *p, size_t n);
void harness_uaccess_fault(const void *p, size_t n);
void harness_on_unlock(const char *name, void (*fn)(void *arg), void *arg);
void harness_on_xa_load(unsigned long index, void (*fn)(void *arg), void *arg);
void harness_on_copy_to_user(size_t size, unsigned int nth,
			     void (*fn)(void *arg), void *arg);
void harness_on_copy_from_user(size_t size, unsigned int nth,
			       void (*fn)(void *arg), void *arg);
unsigned long harness_copy(void *to, const void *from, unsigned long n, bool to_user);
#define copy_from_user(to, from, n)	harness_copy((to), (from), (n), false)
#define copy_to_user(to, from, n)	harness_copy((to), (from), (n), true)
#define access_ok(p, n)			harness_uaccess_ok((p), (n))
#define get_user(x, ptr) ({						\
	__auto_type __gu_p = (ptr);					\
	typeof(*__gu_p) __gu_v;						\
	int __gu_e = harness_copy(&__gu_v, __gu_p, sizeof(*__gu_p), false) ? -EFAULT : 0; \
	(x) = __gu_e ? (typeof(*__gu_p))0 : __gu_v;			\
	__gu_e; })
#define put_user(x, ptr) ({						\
	__auto_type __pu_p = (ptr);					\
	typeof(*__pu_p) __pu_v = (x);					\
	harness_copy(__pu_p, &__pu_v, sizeof(*__pu_p), true) ? -EFAULT : 0; })

#define u64_to_user_ptr(x)		((void __user *)(uintptr_t)(x))

/* mm/util.c: kvmalloc() and copy_from_user(), an ERR_PTR on failure */
static inline void *vmemdup_user(const void __user *src, size_t len)
{
	void *p = kvmalloc(len, GFP_USER);

	if (!p)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(p, src, len)) {
		kvfree(p);
		return ERR_PTR(-EFAULT);
	}
	return p;
}

/* lib/string.c: the first byte of @start that is not @c, or NULL */
/* lib/string.c's: eight bytes at a time, once @start is aligned for it */
static inline void *memchr_inv(const void *start, int c, size_t bytes)
{
	const u8 *p = start;
	u64 value64 = (u8)c * 0x0101010101010101ULL;

	for (; bytes && ((unsigned long)p % 8); p++, bytes--)
		if (*p != (u8)c)
			return (void *)p;
	for (; bytes >= 8 && *(const u64 *)p == value64; p += 8, bytes -= 8)
		;
	for (; bytes; p++, bytes--)
		if (*p != (u8)c)
			return (void *)p;
	return NULL;
}

/* ------------------------------------------------------- MMIO / registers */

/*
 * MMIO: an access inside the host IRS model's CONFIG_FRAME goes to the
 * model; any other address is plain memory, as before the model existed.
 */
u64 harness_mmio_read(const volatile void *addr, int size);
void harness_mmio_write(const volatile void *addr, int size, u64 val);
#define readb_relaxed(a)	((u8)harness_mmio_read((a), 1))
#define readw_relaxed(a)	((u16)harness_mmio_read((a), 2))
#define readl_relaxed(a)	((u32)harness_mmio_read((a), 4))
#define readq_relaxed(a)	((u64)harness_mmio_read((a), 8))
#define writeb_relaxed(v, a)	harness_mmio_write((a), 1, (u8)(v))
#define writew_relaxed(v, a)	harness_mmio_write((a), 2, (u16)(v))
#define writel_relaxed(v, a)	harness_mmio_write((a), 4, (u32)(v))
#define writeq_relaxed(v, a)	harness_mmio_write((a), 8, (u64)(v))
#define readb(a)		readb_relaxed(a)
#define readw(a)		readw_relaxed(a)
#define readl(a)		readl_relaxed(a)
#define readq(a)		readq_relaxed(a)
#define writeb(v, a)		writeb_relaxed(v, a)
#define writew(v, a)		writew_relaxed(v, a)
#define writel(v, a)		writel_relaxed(v, a)
#define writeq(v, a)		writeq_relaxed(v, a)
/* ioremap: the weak hook returns the CPU pointer standing for a physical range. */
void __iomem *harness_ioremap(phys_addr_t pa, size_t size);
#define ioremap(pa, sz)		harness_ioremap((pa), (sz))
#define ioremap_np(pa, sz)	harness_ioremap((pa), (sz))
#define iounmap(p)		((void)(p))

/*
 * linux/iopoll.h in virtual time: nothing sleeps, every poll "takes"
 * delay_us (at least 1 us), so a condition that never comes true ends in
 * -ETIMEDOUT after about timeout_us / delay_us polls, at once. As in the
 * kernel, op and cond are evaluated once more after the timeout expired.
 * timeout_us == 0 would spin for ever: it gives up after HARNESS_POLL_LIMIT
 * polls and records a violation.
 */
#define HARNESS_POLL_LIMIT 100000
u64 harness_poll_budget(u64 timeout_us, unsigned long delay_us);
void harness_poll_expired(u64 timeout_us);
#define poll_timeout_us_atomic(op, cond, delay_us, timeout_us, delay_before_op) \
({									\
	u64 __timeout_us = (timeout_us);				\
	unsigned long __delay_us = (delay_us);				\
	u64 __budget = harness_poll_budget(__timeout_us, __delay_us);	\
	int ___ret;							\
	(void)(delay_before_op);					\
	for (u64 __n = 0;; __n++) {					\
		bool __expired = __n >= __budget;			\
		barrier();						\
		op;							\
		if (cond) {						\
			___ret = 0;					\
			break;						\
		}							\
		if (__expired) {					\
			harness_poll_expired(__timeout_us);		\
			___ret = -ETIMEDOUT;				\
			break;						\
		}							\
	}								\
	___ret;								\
})
/* The same polls; only the sleeping variant may sleep */
#define poll_timeout_us(op, cond, sleep_us, timeout_us, sleep_before_op) \
({									\
	might_sleep_if((sleep_us) != 0);				\
	poll_timeout_us_atomic(op, cond, sleep_us, timeout_us, sleep_before_op); \
})
#define read_poll_timeout(op, val, cond, sleep_us, timeout_us,		\
			  sleep_before_read, args...)			\
	poll_timeout_us((val) = op(args), cond, sleep_us, timeout_us, sleep_before_read)
#define read_poll_timeout_atomic(op, val, cond, delay_us, timeout_us,	\
				 delay_before_read, args...)		\
	poll_timeout_us_atomic((val) = op(args), cond, delay_us, timeout_us, \
			       delay_before_read)
#define readx_poll_timeout(op, addr, val, cond, sleep_us, timeout_us) \
	read_poll_timeout(op, val, cond, sleep_us, timeout_us, false, addr)
#define readx_poll_timeout_atomic(op, addr, val, cond, delay_us, timeout_us) \
	read_poll_timeout_atomic(op, val, cond, delay_us, timeout_us, false, addr)
#define readl_poll_timeout(addr, val, cond, d, t) \
	readx_poll_timeout(readl, addr, val, cond, d, t)
#define readl_poll_timeout_atomic(addr, val, cond, d, t) \
	readx_poll_timeout_atomic(readl, addr, val, cond, d, t)
#define readq_poll_timeout(addr, val, cond, d, t) \
	readx_poll_timeout(readq, addr, val, cond, d, t)
#define readq_poll_timeout_atomic(addr, val, cond, d, t) \
	readx_poll_timeout_atomic(readq, addr, val, cond, d, t)
#define readl_relaxed_poll_timeout(addr, val, cond, d, t) \
	readx_poll_timeout(readl_relaxed, addr, val, cond, d, t)
#define readl_relaxed_poll_timeout_atomic(addr, val, cond, d, t) \
	readx_poll_timeout_atomic(readl_relaxed, addr, val, cond, d, t)
#define readq_relaxed_poll_timeout(addr, val, cond, d, t) \
	readx_poll_timeout(readq_relaxed, addr, val, cond, d, t)
#define readq_relaxed_poll_timeout_atomic(addr, val, cond, d, t) \
	readx_poll_timeout_atomic(readq_relaxed, addr, val, cond, d, t)
#define udelay(x)	((void)(x))
#define ndelay(x)	((void)(x))
#define mdelay(x)	((void)(x))
#define usleep_range(min, max)	do { might_sleep(); (void)(min); (void)(max); } while (0)
#define msleep(ms)	do { might_sleep(); (void)(ms); } while (0)
#define cpu_relax()	do { } while (0)

/*
 * System registers: encoding is the sys_reg() value for the _s forms (0 for
 * the named forms), name is the register as written in the source. They are
 * logged (harness_events()), then go to harness_sysreg_read/write(): the
 * IRS model for ICH_CONTEXTR_EL2 and GIC VDPEND, a register file otherwise.
 */
u64 harness_read_sysreg(u32 encoding, const char *name);
void harness_write_sysreg(u32 encoding, const char *name, u64 val);

/*
 * Cache maintenance (asm/cacheflush.h): op is the kernel function's name.
 * Logged, and the PoC operations reach the IRS model.
 */
void harness_cache_op(const char *op, unsigned long start, unsigned long end);
#define dcache_clean_inval_poc(s, e)	harness_cache_op("dcache_clean_inval_poc", (s), (e))
#define dcache_inval_poc(s, e)		harness_cache_op("dcache_inval_poc", (s), (e))
#define dcache_clean_poc(s, e)		harness_cache_op("dcache_clean_poc", (s), (e))
#define dcache_clean_pop(s, e)		harness_cache_op("dcache_clean_pop", (s), (e))
#define dcache_clean_pou(s, e)		harness_cache_op("dcache_clean_pou", (s), (e))
#define caches_clean_inval_pou(s, e)	harness_cache_op("caches_clean_inval_pou", (s), (e))
#define icache_inval_pou(s, e)		harness_cache_op("icache_inval_pou", (s), (e))
/* asm/cache.h: the CPU's cache writeback granule, the model's GM_WB_GRANULE */
#define cache_line_size()		128

/* asm/arch_gicv3.h: the CPU interface registers the GICv3 headers touch */
#define gic_read_sre()		read_sysreg_s(SYS_ICC_SRE_EL1)
#define gic_write_sre(v)	write_sysreg_s((v), SYS_ICC_SRE_EL1)
#define gic_write_dir(v)	write_sysreg_s((v), SYS_ICC_DIR_EL1)
/* A GICv3 CPU interface without GICv2 compatibility: ICC_SRE_EL1.SRE is RAO/WI */
extern bool harness_icc_sre_rao;
#define read_gicreg(r)		read_sysreg_s(SYS_ ## r)
#define write_gicreg(v, r)	write_sysreg_s((v), SYS_ ## r)

/*
 * The host IRS model (model_glue.c) behind the hooks above: each returns
 * true if the access was the model's.
 */
bool harness_model_mmio(const void *addr, int size, bool write, u64 *val);
bool harness_model_sysreg(u32 encoding, bool write, u64 *val);
void harness_model_cache_op(const char *op, unsigned long start, unsigned long end);
void harness_model_mem(void *p, size_t len, bool added);
bool harness_model_owns(const void *p, size_t len);

/* arm64 cpucaps (asm/cpufeature.h): tests choose the host's capabilities. */
#include <asm/cpucap-defs.h>
bool harness_cpus_have_cap(unsigned int cap);
void harness_set_cpu_cap(unsigned int cap, bool on);
#define cpus_have_final_cap(c)		harness_cpus_have_cap(c)
#define cpus_have_cap(c)		harness_cpus_have_cap(c)
#define alternative_has_cap_unlikely(c)	harness_cpus_have_cap(c)
#define alternative_has_cap_likely(c)	harness_cpus_have_cap(c)
#define system_capabilities_finalized()	true

/* -------------------------------------------------------------- CPUs, SMP */

/*
 * A harness thread is a physical CPU: the main thread is CPU 0, another
 * thread takes the next number on first use, or the one it sets with
 * harness_set_this_cpu(). The host has harness_nr_cpus() CPUs (the IRS
 * model's CPU interfaces). Per-CPU variables (stubs.h) have one copy.
 */
#define HARNESS_MAX_CPUS	64
int harness_this_cpu(void);
/*
 * The scheduler's runqueue lock (harness_run.c's context switch holds it
 * around kvm_sched_out(), IRQs off): waking a task there is a report.
 */
void harness_rq_lock(void);
void harness_rq_unlock(void);
bool harness_rq_locked(void);
void harness_check_wake_up(const char *what);
void harness_set_this_cpu(int cpu);
int harness_nr_cpus(void);
void harness_set_nr_cpus(int nr);

typedef struct cpumask { DECLARE_BITMAP(bits, HARNESS_MAX_CPUS); } cpumask_t;
extern struct cpumask harness_cpu_bit_mask[HARNESS_MAX_CPUS];
extern struct cpumask harness_cpu_online_mask;
#define cpumask_of(cpu)		((const struct cpumask *)&harness_cpu_bit_mask[(cpu)])
#define cpu_online_mask		((const struct cpumask *)&harness_cpu_online_mask)
#define cpu_possible_mask	cpu_online_mask
#define cpu_present_mask	cpu_online_mask
#define cpumask_bits(m)		((m)->bits)
#define cpumask_first(m)	((unsigned int)find_first_bit(cpumask_bits(m), nr_cpu_ids))
#define cpumask_next(n, m)	\
	((unsigned int)find_next_bit(cpumask_bits(m), nr_cpu_ids, (n) + 1))
#define cpumask_any(m)		cpumask_first(m)
#define cpumask_test_cpu(c, m)	test_bit((c), cpumask_bits(m))
#define cpumask_set_cpu(c, m)	set_bit((c), cpumask_bits(m))
#define cpumask_clear_cpu(c, m)	clear_bit((c), cpumask_bits(m))
#define cpumask_clear(m)	bitmap_zero(cpumask_bits(m), HARNESS_MAX_CPUS)
#define cpumask_copy(d, s)	bitmap_copy(cpumask_bits(d), cpumask_bits(s), HARNESS_MAX_CPUS)
#define cpumask_empty(m)	bitmap_empty(cpumask_bits(m), nr_cpu_ids)
#define cpumask_weight(m)	bitmap_weight(cpumask_bits(m), nr_cpu_ids)
#define cpumask_equal(a, b)	bitmap_equal(cpumask_bits(a), cpumask_bits(b), nr_cpu_ids)
#define for_each_cpu(cpu, m)	for_each_set_bit(cpu, cpumask_bits(m), nr_cpu_ids)
#define smp_processor_id()	harness_this_cpu()
#define raw_smp_processor_id()	harness_this_cpu()
#define nr_cpu_ids		((unsigned int)harness_nr_cpus())
#define num_online_cpus()	nr_cpu_ids
#define num_possible_cpus()	nr_cpu_ids
#define cpu_online(cpu)		((unsigned int)(cpu) < nr_cpu_ids)
#define cpu_possible(cpu)	cpu_online(cpu)
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)
#define for_each_online_cpu(cpu) for_each_possible_cpu(cpu)
#define for_each_present_cpu(cpu) for_each_possible_cpu(cpu)

/* ------------------------------------------------------------------ xarray */

/*
 * A minimal xarray: a sorted array of (index, entry) pairs, grown with the
 * harness allocator (so xa_store() can fail with -ENOMEM under fault
 * injection, and a missing xa_destroy() is a leak).
 */
struct xarray {
	spinlock_t	xa_lock;	/* taken by xa_lock() and friends */
	/*
	 * The array itself, as RCU keeps the kernel's nodes for xa_load() and
	 * xa_find() without xa_lock: held only inside the functions below.
	 */
	pthread_mutex_t	harness_mu;
	gfp_t		xa_flags;
	unsigned long	nr, cap;
	unsigned long	*idx;
	void		**ent;
};

#define XA_FLAGS_LOCK_IRQ	((gfp_t)1)
#define XA_FLAGS_ALLOC		((gfp_t)4)
#define XA_FLAGS_ALLOC1		((gfp_t)8)
#define XA_FLAGS_ACCOUNT	((gfp_t)16)
#define xa_init_flags(xa, f)						\
	do {								\
		struct xarray *__xa = (xa);				\
		memset(__xa, 0, sizeof(*__xa));				\
		spin_lock_init(&__xa->xa_lock);				\
		__xa->xa_flags = (f);					\
	} while (0)
#define xa_init(xa)		xa_init_flags(xa, 0)
void *xa_load(struct xarray *xa, unsigned long index);
void *__xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
void *xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
int xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
void *__xa_erase(struct xarray *xa, unsigned long index);
void *xa_erase(struct xarray *xa, unsigned long index);
void xa_destroy(struct xarray *xa);
bool xa_empty(const struct xarray *xa);
void *xa_find(struct xarray *xa, unsigned long *index, unsigned long max, int filter);
void *xa_find_after(struct xarray *xa, unsigned long *index, unsigned long max, int filter);
#define XA_PRESENT 0
/*
 * A reserved index (xa_reserve()) holds XA_ZERO_ENTRY: it reads as NULL
 * (xa_load(), xa_for_each(), erase and store return NULL for it) and a
 * store there allocates nothing, so it cannot fail.
 */
#define XA_ZERO_ENTRY		((void *)1030UL)
int xa_reserve(struct xarray *xa, unsigned long index, gfp_t gfp);
#define xa_reserve_irq(xa, index, gfp)	xa_reserve(xa, index, gfp)
void xa_release(struct xarray *xa, unsigned long index);

static inline void *xa_mk_value(unsigned long v)
{
	return (void *)((v << 1) | 1);
}

static inline unsigned long xa_to_value(const void *entry)
{
	return (unsigned long)entry >> 1;
}

static inline int xa_err(void *entry)
{
	return (unsigned long)entry >= (unsigned long)-MAX_ERRNO ? (int)(long)entry : 0;
}

static inline bool xa_is_err(const void *entry)
{
	return (unsigned long)entry >= (unsigned long)-MAX_ERRNO;
}

#define xa_for_each_range(xa, index, entry, start, last)		\
	for (index = start, entry = xa_find(xa, &index, last, XA_PRESENT); \
	     entry;							\
	     entry = xa_find_after(xa, &index, last, XA_PRESENT))
#define xa_for_each_start(xa, index, entry, start) \
	xa_for_each_range(xa, index, entry, start, ULONG_MAX)
#define xa_for_each(xa, index, entry) xa_for_each_start(xa, index, entry, 0)
#define xa_lock(xa)			spin_lock(&(xa)->xa_lock)
#define xa_unlock(xa)			spin_unlock(&(xa)->xa_lock)
#define xa_lock_irq(xa)			spin_lock_irq(&(xa)->xa_lock)
#define xa_unlock_irq(xa)		spin_unlock_irq(&(xa)->xa_lock)
#define xa_lock_irqsave(xa, f)		spin_lock_irqsave(&(xa)->xa_lock, f)
#define xa_unlock_irqrestore(xa, f)	spin_unlock_irqrestore(&(xa)->xa_lock, f)

#endif
