// SPDX-License-Identifier: GPL-2.0
/*
 * custom.c - the checked and observable behaviour behind custom.h:
 * reports, lockdep-lite, the accounted allocator with fault injection,
 * uaccess, the register/MMIO/cache hooks and the xarray.
 */
#include <linux/kvm_host.h>
#include <linux/irqchip/arm-gic-v3.h>

#include "harness.h"
#include "vt.h"

/* <sanitizer/asan_interface.h> clashes with the kernel's limits.h */
#ifdef __SANITIZE_ADDRESS__
void __asan_poison_memory_region(void const volatile *addr, size_t size);
#define ASAN_POISON_MEMORY_REGION(p, n)	__asan_poison_memory_region((p), (n))
#else
#define ASAN_POISON_MEMORY_REGION(p, n)	((void)(p), (void)(n))
#endif

/* ---------------------------------------------------------------- reports */

static const char *const report_names[HR_NR_KINDS] = {
	[HR_LOCKDEP] = "lockdep", [HR_SLEEP] = "might_sleep",
	[HR_WARN] = "WARN", [HR_BUG] = "BUG",
};

static int reports_expected[HR_NR_KINDS];
static int reports_seen[HR_NR_KINDS];
static pthread_mutex_t report_mutex = PTHREAD_MUTEX_INITIALIZER;

static void dump_held_locks(void);

void harness_expect_report(enum harness_report_kind kind)
{
	reports_expected[kind] = 1;
}

int harness_reports(enum harness_report_kind kind)
{
	return __atomic_load_n(&reports_seen[kind], __ATOMIC_SEQ_CST);
}

/* From the sanitizer runtime; absent in the benchmark build (no sanitizers). */
void __sanitizer_print_stack_trace(void) __attribute__((weak));

void harness_report(enum harness_report_kind kind, const char *file, int line,
		    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&report_mutex);
	__atomic_add_fetch(&reports_seen[kind], 1, __ATOMIC_SEQ_CST);
	if (reports_expected[kind]) {
		if (getenv("HARNESS_VERBOSE"))
			printf("# expected %s report: %s (%s:%d)\n",
			       report_names[kind], msg, file, line);
		pthread_mutex_unlock(&report_mutex);
		return;
	}
	vt_fail(file, line, "%s: %s", report_names[kind], msg);
	dump_held_locks();
	fflush(stdout);
	if (__sanitizer_print_stack_trace)
		__sanitizer_print_stack_trace();
	fflush(stderr);
	/* The kernel would have splatted; the test is over. */
	_exit(1);
}

/* ------------------------------------------------------------- violations */

#define MAX_VIOLATIONS 256
static char *violations[MAX_VIOLATIONS];
static int nr_violations;

void harness_violation(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	pthread_mutex_lock(&report_mutex);
	if (nr_violations < MAX_VIOLATIONS)
		violations[nr_violations++] = s;
	else
		free(s);
	pthread_mutex_unlock(&report_mutex);
	if (getenv("HARNESS_VERBOSE"))
		printf("# violation: %s\n", s ? s : "?");
}

int harness_nr_violations(void)
{
	return __atomic_load_n(&nr_violations, __ATOMIC_SEQ_CST);
}

const char *harness_violation_str(int i)
{
	if (i < 0 || i >= harness_nr_violations())
		return NULL;
	return violations[i] ? violations[i] : "(out of memory)";
}

/* ------------------------------------------------------------ lockdep-lite */

/*
 * The kernel's MAX_LOCK_DEPTH is 48, but its lockdep holds the vCPU mutexes
 * kvm_lock_all_vcpus() takes under kvm->lock (nest_lock) as one: here each
 * is held, and a VM of 64 vCPUs (make bench) takes them all.
 */
#define MAX_HELD 80
#define MAX_DEPS 4096

struct held_lock {
	struct harness_lock *lock;
	int subclass;
	const char *file;
	int line;
	size_t bytes;		/* allocated by this thread while held */
};

/*
 * make bench builds the harness with HARNESS_BENCH: locks are taken as a
 * kernel without lockdep takes them, with an atomic exchange on the lock
 * word (yielding while another thread holds it) and none of the checks
 * below, which the other builds make. Only the number of locks a thread
 * holds, and which lock is held by whom, are kept, as other shims read
 * them.
 */
#ifdef HARNESS_BENCH
#define LOCK_CHECKS	false
#else
#define LOCK_CHECKS	true
#endif

static __thread struct held_lock held[MAX_HELD];
static __thread int nheld, nspin_held, irq_disabled, preempt_depth, hardirq_depth;

/* A dependency "class A (subclass) was held when class B was taken". */
struct lock_dep {
	const void *a, *b;
	int suba, subb;
	const char *namea, *nameb;
	const char *file;
	int line;
};

static struct lock_dep deps[MAX_DEPS];
static int ndeps;
static pthread_mutex_t deps_mutex = PTHREAD_MUTEX_INITIALIZER;

/*
 * deps[] by (a, suba, b, subb): index + 1, 0 for a free slot, open
 * addressing. Lockdep finds a dependency by hash too: a linear walk of
 * deps[] for every held lock made each acquisition cost thousands of
 * instructions, which the figures of make bench then charged to the code
 * that takes the lock.
 */
#define DEPS_HASH_SIZE	(2 * MAX_DEPS)
static unsigned short deps_hash[DEPS_HASH_SIZE];

static unsigned int dep_hash(const void *a, int suba, const void *b, int subb)
{
	unsigned long h = (unsigned long)a * 0x9e3779b97f4a7c15UL;

	h ^= ((unsigned long)b + (unsigned long)suba * 31 + subb) * 0xc2b2ae3d27d4eb4fUL;
	return (h ^ (h >> 29)) & (DEPS_HASH_SIZE - 1);
}

/* The dependency a (suba) -> b (subb), or NULL; deps_mutex held */
static struct lock_dep *dep_find(const void *a, int suba, const void *b, int subb)
{
	unsigned int i = dep_hash(a, suba, b, subb);

	for (; deps_hash[i]; i = (i + 1) & (DEPS_HASH_SIZE - 1)) {
		struct lock_dep *dep = &deps[deps_hash[i] - 1];

		if (dep->a == a && dep->suba == suba && dep->b == b && dep->subb == subb)
			return dep;
	}
	return NULL;
}

/* Record a new dependency; deps_mutex held, ndeps < MAX_DEPS */
static void dep_add(const struct lock_dep *dep)
{
	unsigned int i = dep_hash(dep->a, dep->suba, dep->b, dep->subb);

	while (deps_hash[i])
		i = (i + 1) & (DEPS_HASH_SIZE - 1);
	deps[ndeps++] = *dep;
	deps_hash[i] = ndeps;
}

static const void *lock_class(const struct harness_lock *l)
{
	return l->key ? (const void *)l->key : (const void *)l;
}

static void dump_held_locks(void)
{
	for (int i = 0; i < nheld; i++)
		printf("#   held: %s (subclass %d) taken at %s:%d\n",
		       held[i].lock->name, held[i].subclass, held[i].file,
		       held[i].line);
	if (irq_disabled)
		printf("#   irqs disabled (depth %d)\n", irq_disabled);
	if (preempt_depth)
		printf("#   preempt/RCU depth %d\n", preempt_depth);
}

static void check_initialised(struct harness_lock *l, const char *file, int line)
{
	if (l->magic != HARNESS_LOCK_MAGIC)
		harness_report(HR_LOCKDEP, file, line,
			       "lock %p used without initialisation", l);
}

void harness_lock_init(struct harness_lock *l, bool spin, const char *name,
		       const struct lock_class_key *key)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&l->m, &attr);
	pthread_mutexattr_destroy(&attr);
	l->magic = HARNESS_LOCK_MAGIC;
	l->spin = spin;
	l->name = name;
	l->key = key;
	WRITE_ONCE(l->owned, false);
}

void mutex_destroy(struct mutex *lock)
{
	if (READ_ONCE(lock->hl.owned))
		harness_report(HR_LOCKDEP, __FILE__, __LINE__,
			       "%s() of held %s", __func__, lock->hl.name);
}

void harness_might_sleep(const char *file, int line)
{
	if (nspin_held || irq_disabled || preempt_depth) {
		harness_report(HR_SLEEP, file, line,
			       "sleeping function called from invalid context (spinlocks held %d, irqs disabled %d, preempt/RCU %d)",
			       nspin_held, irq_disabled, preempt_depth);
	}
}

/* Record held -> l for every held lock; report an inversion. */
static void check_order(struct harness_lock *l, int subclass, bool nest,
			const char *file, int line)
{
	const void *cls = lock_class(l);

	for (int i = 0; i < nheld; i++) {
		struct held_lock *h = &held[i];
		const void *hcls = lock_class(h->lock);
		struct lock_dep *dep;

		if (h->lock == l)
			harness_report(HR_LOCKDEP, file, line,
				       "recursive locking of %s (first taken at %s:%d)",
				       l->name, h->file, h->line);
		if (hcls == cls && h->subclass == subclass) {
			if (nest)
				continue;
			harness_report(HR_LOCKDEP, file, line,
				       "possible recursive locking: %s taken while holding %s of the same class (at %s:%d) without nesting annotation",
				       l->name, h->lock->name, h->file, h->line);
		}

		pthread_mutex_lock(&deps_mutex);
		/* deps[] holds each dependency once: one inversion at most */
		dep = dep_find(cls, subclass, hcls, h->subclass);
		if (dep) {
			pthread_mutex_unlock(&deps_mutex);
			harness_report(HR_LOCKDEP, file, line,
				       "lock order inversion: %s -> %s here, but %s -> %s at %s:%d",
				       h->lock->name, l->name, dep->namea,
				       dep->nameb, dep->file, dep->line);
			pthread_mutex_lock(&deps_mutex);
		}
		if (!dep_find(hcls, h->subclass, cls, subclass) && ndeps < MAX_DEPS)
			dep_add(&(struct lock_dep) {
				.a = hcls, .suba = h->subclass, .namea = h->lock->name,
				.b = cls, .subb = subclass, .nameb = l->name,
				.file = file, .line = line,
			});
		pthread_mutex_unlock(&deps_mutex);
	}
}

static void push_held(struct harness_lock *l, int subclass, const char *file, int line)
{
	if (nheld == MAX_HELD)
		harness_report(HR_LOCKDEP, file, line, "too many locks held");
	held[nheld++] = (struct held_lock) { l, subclass, file, line };
	if (l->spin)
		nspin_held++;
	l->owner = pthread_self();
	WRITE_ONCE(l->owned, true);
}

/* HARNESS_BENCH: take @l if it is free, and note who holds it */
static bool bench_lock_try(struct harness_lock *l)
{
	if (__atomic_exchange_n(&l->word, 1, __ATOMIC_ACQUIRE))
		return false;
	nheld++;
	nspin_held += l->spin;
	l->owner = pthread_self();
	WRITE_ONCE(l->owned, true);
	return true;
}

void harness_lock_acquire(struct harness_lock *l, int subclass, bool nest,
			  const char *file, int line)
{
	int ret;

	if (!LOCK_CHECKS) {
		while (!bench_lock_try(l))
			sched_yield();
		return;
	}

	/* Lockdep's work, not the lock's: uncounted, as lockdep is off */
	vt_insn_pause();
	check_initialised(l, file, line);
	if (!l->spin)
		harness_might_sleep(file, line);
	check_order(l, subclass, nest, file, line);
	vt_insn_resume();
	ret = pthread_mutex_lock(&l->m);
	if (ret)
		harness_report(HR_LOCKDEP, file, line, "locking %s failed: %s",
			       l->name, strerror(ret));
	vt_insn_pause();
	push_held(l, subclass, file, line);
	vt_insn_resume();
}

bool harness_lock_try(struct harness_lock *l, const char *file, int line)
{
	if (!LOCK_CHECKS)
		return bench_lock_try(l);
	check_initialised(l, file, line);
	if (pthread_mutex_trylock(&l->m))
		return false;
	push_held(l, 0, file, line);
	return true;
}

/* The most bytes allocated during one hold of a lock, by lock name */
#define MAX_UNDER 64
static struct {
	const char *name;
	size_t max;
} alloc_under[MAX_UNDER];
static pthread_mutex_t alloc_under_mutex = PTHREAD_MUTEX_INITIALIZER;

static void record_alloc_under(const char *name, size_t bytes)
{
	int i;

	if (!bytes || !name)
		return;
	pthread_mutex_lock(&alloc_under_mutex);
	for (i = 0; i < MAX_UNDER && alloc_under[i].name; i++)
		if (!strcmp(alloc_under[i].name, name))
			break;
	if (i < MAX_UNDER) {
		alloc_under[i].name = name;
		if (bytes > alloc_under[i].max)
			alloc_under[i].max = bytes;
	}
	pthread_mutex_unlock(&alloc_under_mutex);
}

size_t harness_alloc_max_under(const char *lock_name)
{
	size_t max = 0;

	pthread_mutex_lock(&alloc_under_mutex);
	for (int i = 0; i < MAX_UNDER && alloc_under[i].name; i++)
		if (!strcmp(alloc_under[i].name, lock_name))
			max = alloc_under[i].max;
	pthread_mutex_unlock(&alloc_under_mutex);
	return max;
}

static void held_locks_alloc(size_t size)
{
	if (!LOCK_CHECKS)
		return;
	for (int i = 0; i < nheld; i++)
		held[i].bytes += size;
}

/* What harness_on_unlock() asked for */
static struct {
	const char *name;
	void (*fn)(void *arg);
	void *arg;
} unlock_hook;

/*
 * Run @fn(@arg) once, in the thread that next releases a lock named @name
 * (as its init names it, e.g. "&its->lock"), just after the release: as
 * if that thread were preempted there and another ran @fn.
 */
void harness_on_unlock(const char *name, void (*fn)(void *arg), void *arg)
{
	unlock_hook.name = name;
	unlock_hook.arg = arg;
	__atomic_store_n(&unlock_hook.fn, fn, __ATOMIC_RELEASE);
}

static void run_unlock_hook(const struct harness_lock *l)
{
	void (*fn)(void *arg);

	fn = __atomic_load_n(&unlock_hook.fn, __ATOMIC_ACQUIRE);
	if (!fn || strcmp(l->name, unlock_hook.name) ||
	    !__atomic_compare_exchange_n(&unlock_hook.fn, &fn, NULL, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return;
	fn(unlock_hook.arg);
}

void harness_lock_release(struct harness_lock *l, const char *file, int line)
{
	int i, ret;

	if (!LOCK_CHECKS) {
		nheld--;
		nspin_held -= l->spin;
		WRITE_ONCE(l->owned, false);
		__atomic_store_n(&l->word, 0, __ATOMIC_RELEASE);
		return;
	}

	vt_insn_pause();
	check_initialised(l, file, line);
	for (i = nheld - 1; i >= 0; i--)
		if (held[i].lock == l)
			break;
	if (i < 0)
		harness_report(HR_LOCKDEP, file, line,
			       "unlock of %s, which this thread does not hold", l->name);
	else
		record_alloc_under(l->name, held[i].bytes);
	memmove(&held[i], &held[i + 1], (nheld - i - 1) * sizeof(held[0]));
	nheld--;
	if (l->spin)
		nspin_held--;
	WRITE_ONCE(l->owned, false);
	vt_insn_resume();
	ret = pthread_mutex_unlock(&l->m);
	if (ret)
		harness_report(HR_LOCKDEP, file, line, "unlocking %s failed: %s",
			       l->name, strerror(ret));
	run_unlock_hook(l);
}

bool harness_lock_held(const struct harness_lock *l)
{
	if (!LOCK_CHECKS)
		return READ_ONCE(l->owned) && pthread_equal(l->owner, pthread_self());
	for (int i = 0; i < nheld; i++)
		if (held[i].lock == l)
			return true;
	return false;
}

void harness_assert_held(const struct harness_lock *l, const char *what,
			 const char *file, int line)
{
	if (LOCK_CHECKS && !harness_lock_held(l))
		harness_report(HR_LOCKDEP, file, line,
			       "lockdep_assert_held(%s) but %s is not held by this thread",
			       what, l->name ? l->name : "it");
}

void harness_assert_not_held(const struct harness_lock *l, const char *what,
			     const char *file, int line)
{
	if (harness_lock_held(l))
		harness_report(HR_LOCKDEP, file, line,
			       "lockdep_assert_not_held(%s) but it is held", what);
}

void harness_irq_disable(void) { irq_disabled++; }
void harness_irq_enable(void)
{
	if (!irq_disabled)
		harness_report(HR_LOCKDEP, __FILE__, __LINE__, "unbalanced irq enable");
	/* Interrupts that came in meanwhile are taken now. */
	if (!--irq_disabled)
		harness_irq_take_pending();
}

static __thread bool rq_locked;

void harness_rq_lock(void)
{
	harness_irq_disable();
	preempt_depth++;
	rq_locked = true;
}

void harness_rq_unlock(void)
{
	rq_locked = false;
	preempt_depth--;
	harness_irq_enable();
}

bool harness_rq_locked(void)
{
	return rq_locked;
}

/* try_to_wake_up() of a task: a deadlock under this CPU's runqueue lock. */
void harness_check_wake_up(const char *what)
{
	if (rq_locked)
		harness_report(HR_LOCKDEP, __FILE__, __LINE__,
			       "%s wakes a task under the runqueue lock (kvm_sched_out())",
			       what);
}

void harness_hardirq_enter(void)
{
	harness_irq_disable();
	preempt_depth++;
	hardirq_depth++;
}

void harness_hardirq_exit(void)
{
	hardirq_depth--;
	preempt_depth--;
	harness_irq_enable();
}

bool harness_in_hardirq(void) { return hardirq_depth != 0; }

bool harness_irqs_disabled(void) { return irq_disabled != 0; }
void harness_preempt_disable(void) { preempt_depth++; }

void harness_preempt_enable(void)
{
	if (!preempt_depth)
		harness_report(HR_LOCKDEP, __FILE__, __LINE__, "unbalanced preempt enable");
	preempt_depth--;
}

int harness_preempt_count(void) { return preempt_depth; }

int harness_locks_held(void) { return nheld; }

bool harness_atomic_context(void)
{
	return nspin_held || irq_disabled || preempt_depth;
}

/* ------------------------------------------------------------ allocations */

struct alloc_rec {
	void *p;
	size_t size;
	const char *kind, *file;
	int line;
	unsigned long seq;	/* harness_allocs_total() when made */
	bool host;		/* made at host init: lives as long as the host */
	struct alloc_rec *next;
};

#define ALLOC_BUCKETS 4096
static struct alloc_rec *allocs[ALLOC_BUCKETS];
static unsigned long nr_allocs, nr_live, fail_nth;
static bool injected;
static pthread_mutex_t alloc_mutex = PTHREAD_MUTEX_INITIALIZER;

static unsigned int alloc_bucket(const void *p)
{
	return ((unsigned long)p >> 4) % ALLOC_BUCKETS;
}

void fault_inject_nth_alloc(unsigned long n)
{
	pthread_mutex_lock(&alloc_mutex);
	fail_nth = n;
	injected = false;
	pthread_mutex_unlock(&alloc_mutex);
}

bool fault_injected(void)
{
	return injected;
}

unsigned long harness_allocs_total(void) { return nr_allocs; }

void harness_allocs_keep_since(unsigned long seq)
{
	pthread_mutex_lock(&alloc_mutex);
	for (int b = 0; b < ALLOC_BUCKETS; b++)
		for (struct alloc_rec *r = allocs[b]; r; r = r->next)
			if (r->seq > seq)
				r->host = true;
	pthread_mutex_unlock(&alloc_mutex);
}

/*
 * Live allocations that belong to the test: not the host's (made at host
 * init), not memory the host IRS still uses (the VM table pages KVM keeps).
 * print: list them.
 */
static unsigned long allocs_owned(bool print)
{
	struct alloc_rec *list = NULL;
	unsigned long n = 0, i = 0;

	/* Copied first: the model is not called with alloc_mutex held. */
	pthread_mutex_lock(&alloc_mutex);
	list = calloc(nr_live + 1, sizeof(*list));
	for (int b = 0; list && b < ALLOC_BUCKETS; b++)
		for (struct alloc_rec *r = allocs[b]; r; r = r->next)
			if (!r->host)
				list[i++] = *r;
	pthread_mutex_unlock(&alloc_mutex);
	if (!list)
		abort();
	while (i--) {
		if (harness_model_owns(list[i].p, list[i].size))
			continue;
		if (print)
			printf("#   leaked: %s(%zu) = %p at %s:%d\n", list[i].kind,
			       list[i].size, list[i].p, list[i].file, list[i].line);
		n++;
	}
	free(list);
	return n;
}

unsigned long harness_allocs_live(void)
{
	return allocs_owned(false);
}

size_t harness_alloc_bytes(void)
{
	size_t bytes = 0;

	pthread_mutex_lock(&alloc_mutex);
	for (int b = 0; b < ALLOC_BUCKETS; b++)
		for (struct alloc_rec *r = allocs[b]; r; r = r->next)
			bytes += r->size;
	pthread_mutex_unlock(&alloc_mutex);
	return bytes;
}

/*
 * kmalloc() alignment: the kmalloc-96/192 caches are 32/64-byte aligned,
 * every other cache is a power of two and naturally aligned, and sizes
 * above KMALLOC_MAX_CACHE_SIZE come from the page allocator.
 */
static size_t kmalloc_align(size_t size)
{
	if (size > 2 * PAGE_SIZE)
		return PAGE_SIZE << get_order(size);
	if (size > 64 && size <= 96)
		return 32;
	if (size > 128 && size <= 192)
		return 64;
	return roundup_pow_of_two(size);
}

void *harness_alloc(size_t size, gfp_t gfp, size_t align, const char *kind,
		    const char *file, int line)
{
	struct alloc_rec *r;
	void *p;

	/* kmalloc(0) cannot fail: ZERO_SIZE_PTR */
	if (!size)
		return ZERO_SIZE_PTR;

	/*
	 * The checks and records of the harness (might_sleep(), fault
	 * injection, the leak check, the model's view of memory) are a debug
	 * kernel's: uncounted, as a production kernel has none of them. The
	 * allocation and its zeroing are counted.
	 */
	vt_insn_pause();
	if (gfpflags_allow_blocking(gfp))
		harness_might_sleep(file, line);
	pthread_mutex_lock(&alloc_mutex);
	nr_allocs++;
	if (fail_nth && !--fail_nth) {
		injected = true;
		pthread_mutex_unlock(&alloc_mutex);
		if (getenv("HARNESS_VERBOSE"))
			printf("# fault injection: %s(%zu) at %s:%d fails\n",
			       kind, size, file, line);
		vt_insn_resume();
		return NULL;
	}
	pthread_mutex_unlock(&alloc_mutex);
	vt_insn_resume();

	if (!align && !strcmp(kind, "kmalloc"))
		align = kmalloc_align(size);
	if (align < 16)
		align = 16;
	p = aligned_alloc(align, ALIGN(size, align));
	if (!p)
		return NULL;
	/*
	 * The alignment padding past @size is not the caller's: poison it, or
	 * ASan takes a read or write past the end for one inside the block.
	 */
	ASAN_POISON_MEMORY_REGION(p + size, ALIGN(size, align) - size);
	if (gfp & __GFP_ZERO) {
		memset(p, 0, size);
	} else {
		/* Catch use of uninitialised memory: slub debug's, uncounted */
		vt_insn_pause();
		memset(p, 0xa5, size);
		vt_insn_resume();
	}

	vt_insn_pause();
	r = calloc(1, sizeof(*r));
	pthread_mutex_lock(&alloc_mutex);
	*r = (struct alloc_rec) {
		.p = p, .size = size, .kind = kind, .file = file, .line = line,
		.seq = nr_allocs,
	};
	r->next = allocs[alloc_bucket(p)];
	allocs[alloc_bucket(p)] = r;
	nr_live++;
	pthread_mutex_unlock(&alloc_mutex);

	held_locks_alloc(size);
	harness_model_mem(p, size, true);
	vt_insn_resume();
	return p;
}

void harness_allocs_announce(void)
{
	pthread_mutex_lock(&alloc_mutex);
	for (int b = 0; b < ALLOC_BUCKETS; b++)
		for (struct alloc_rec *r = allocs[b]; r; r = r->next)
			harness_model_mem(r->p, r->size, true);
	pthread_mutex_unlock(&alloc_mutex);
}

static struct alloc_rec *find_alloc(const void *p, bool unlink)
{
	struct alloc_rec **pp;

	for (pp = &allocs[alloc_bucket(p)]; *pp; pp = &(*pp)->next) {
		struct alloc_rec *r = *pp;

		if (r->p == p) {
			if (unlink)
				*pp = r->next;
			return r;
		}
	}
	return NULL;
}

size_t harness_alloc_size(const void *p)
{
	struct alloc_rec *r;

	pthread_mutex_lock(&alloc_mutex);
	r = find_alloc(p, false);
	pthread_mutex_unlock(&alloc_mutex);
	return r ? r->size : 0;
}

void harness_free(const void *p, const char *kind)
{
	struct alloc_rec *r;

	if (ZERO_OR_NULL_PTR(p))
		return;
	/* The checks and records, and slub debug's poison: uncounted */
	vt_insn_pause();
	pthread_mutex_lock(&alloc_mutex);
	r = find_alloc(p, true);
	if (r)
		nr_live--;
	pthread_mutex_unlock(&alloc_mutex);
	if (!r) {
		harness_report(HR_BUG, __FILE__, __LINE__,
			       "%s free of %p, which is not a live allocation", kind, p);
		vt_insn_resume();
		return;
	}
	if (strcmp(r->kind, kind))
		harness_report(HR_BUG, __FILE__, __LINE__,
			       "%p allocated by %s (%s:%d) freed by %s's free",
			       p, r->kind, r->file, r->line, kind);
	harness_model_mem((void *)p, r->size, false);
	memset((void *)p, 0x6b, r->size);
	free(r);
	vt_insn_resume();
	free((void *)p);
}

void kfree(const void *p) { harness_free(p, "kmalloc"); }
void vfree(const void *p) { harness_free(p, "kvmalloc"); }

void kvfree(const void *p)
{
	struct alloc_rec *r;

	if (ZERO_OR_NULL_PTR(p))
		return;
	/* is_vmalloc_addr(), as the record tells: uncounted */
	vt_insn_pause();
	pthread_mutex_lock(&alloc_mutex);
	r = find_alloc(p, false);
	pthread_mutex_unlock(&alloc_mutex);
	vt_insn_resume();
	/* kvfree() frees both kmalloc and kvmalloc memory. */
	harness_free(p, r ? r->kind : "kvmalloc");
}

unsigned long harness_dump_live_allocs(void)
{
	return allocs_owned(true);
}

/* ------------------------------------------------------------------- SRCU */

#define MAX_SRCU_HELD 8
static __thread const struct srcu_struct *srcu_held[MAX_SRCU_HELD];
static __thread int nsrcu_held;

/*
 * A reader counts itself in the counter of the index it found (a full
 * barrier), then reads. An updater flips the index and waits until the
 * old one's counter is zero: a reader it did not wait for counted itself
 * after the updater looked, and so reads what the updater wrote before.
 */
int srcu_read_lock(struct srcu_struct *ssp)
{
	int idx = __atomic_load_n(&ssp->idx, __ATOMIC_SEQ_CST) & 1;

	__atomic_add_fetch(&ssp->readers[idx], 1, __ATOMIC_SEQ_CST);
	if (nsrcu_held == MAX_SRCU_HELD)
		harness_report(HR_LOCKDEP, __FILE__, __LINE__,
			       "%s(): too many nested", __func__);
	else
		srcu_held[nsrcu_held++] = ssp;
	return idx;
}

void srcu_read_unlock(struct srcu_struct *ssp, int idx)
{
	for (int i = nsrcu_held - 1; i >= 0; i--) {
		if (srcu_held[i] != ssp)
			continue;
		memmove(&srcu_held[i], &srcu_held[i + 1],
			(nsrcu_held - i - 1) * sizeof(srcu_held[0]));
		nsrcu_held--;
		__atomic_sub_fetch(&ssp->readers[idx & 1], 1, __ATOMIC_SEQ_CST);
		return;
	}
	harness_report(HR_LOCKDEP, __FILE__, __LINE__,
		       "%s() without srcu_read_lock()", __func__);
}

/* Grace periods, one at a time */
static pthread_mutex_t srcu_gp_mutex = PTHREAD_MUTEX_INITIALIZER;

int init_srcu_struct(struct srcu_struct *ssp)
{
	memset(ssp, 0, sizeof(*ssp));
	return 0;
}

void cleanup_srcu_struct(struct srcu_struct *ssp)
{
	WARN_ON(__atomic_load_n(&ssp->readers[0], __ATOMIC_SEQ_CST) ||
		__atomic_load_n(&ssp->readers[1], __ATOMIC_SEQ_CST));
}

/* Wait for the readers of @ssp in a read-side critical section now */
void synchronize_srcu(struct srcu_struct *ssp)
{
	unsigned long gp;
	int old;

	might_sleep();
	if (srcu_read_lock_held(ssp))
		harness_report(HR_LOCKDEP, __FILE__, __LINE__,
			       "%s() in its own read-side critical section", __func__);
	pthread_mutex_lock(&srcu_gp_mutex);
	gp = __atomic_add_fetch(&ssp->gp_started, 1, __ATOMIC_SEQ_CST);
	old = __atomic_fetch_xor(&ssp->idx, 1, __ATOMIC_SEQ_CST) & 1;
	while (__atomic_load_n(&ssp->readers[old], __ATOMIC_SEQ_CST))
		usleep(50);
	__atomic_store_n(&ssp->gp_completed, gp, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&srcu_gp_mutex);
}

/* The cookie of a grace period yet to start: the next one, or later */
unsigned long get_state_synchronize_srcu(struct srcu_struct *ssp)
{
	return __atomic_load_n(&ssp->gp_started, __ATOMIC_SEQ_CST) + 1;
}

bool poll_state_synchronize_srcu(struct srcu_struct *ssp, unsigned long cookie)
{
	return __atomic_load_n(&ssp->gp_completed, __ATOMIC_SEQ_CST) >= cookie;
}

bool srcu_read_lock_held(const struct srcu_struct *ssp)
{
	for (int i = 0; i < nsrcu_held; i++)
		if (srcu_held[i] == ssp)
			return true;
	return false;
}

/* ---------------------------------------------------------------- uaccess */

/*
 * A user pointer is good when the whole range is readable and writable
 * memory of this process. The first page is never mapped, so NULL and
 * HARNESS_BAD_UPTR fail like unmapped user addresses do in the kernel.
 */
bool harness_uaccess_ok(const void *p, size_t n)
{
	unsigned long a = (unsigned long)p;

	if (a < 4096 || a + n < a)
		return false;
	return true;
}

/* The user range harness_uaccess_fault() made fault, as unmapped pages do */
static const void *fault_at;
static size_t fault_len;

/*
 * Make user accesses to [@p, @p + @n) fault from now on, until the next
 * call or the end of the test (@n 0: none do): a buffer that runs into an
 * unmapped page.
 */
void harness_uaccess_fault(const void *p, size_t n)
{
	fault_at = p;
	fault_len = n;
}

/*
 * What harness_uffd_missing() made missing, the faults that filled it,
 * and the accesses that failed on it with page faults disabled
 */
static const void *uffd_at;
static size_t uffd_len;
static unsigned int uffd_faults, uffd_nofaults;
static void (*uffd_hook)(void *arg);
static void *uffd_hook_arg;

/*
 * Make [@p, @p + @n) pages of a userfaultfd range that the VMM has yet to
 * bring in (@n 0: none), as on the destination of a post-copy migration.
 */
void harness_uffd_missing(const void *p, size_t n)
{
	uffd_at = p;
	uffd_len = n;
	uffd_faults = 0;
	uffd_nofaults = 0;
	uffd_hook = NULL;
}

/*
 * Call @fn(@arg) in the next fault on the missing pages, once, before the
 * VMM brings them in: what other threads do while the faulting task waits.
 */
void harness_uffd_on_fault(void (*fn)(void *arg), void *arg)
{
	uffd_hook = fn;
	uffd_hook_arg = arg;
}

/* The faults that waited for the missing pages */
unsigned int harness_uffd_faults(void)
{
	return uffd_faults;
}

/* Accesses that failed on the missing pages with page faults disabled */
unsigned int harness_uffd_nofaults(void)
{
	return uffd_nofaults;
}

static __thread int pagefault_depth;

void pagefault_disable(void)
{
	pagefault_depth++;
}

void pagefault_enable(void)
{
	WARN_ON(pagefault_depth <= 0);
	pagefault_depth--;
}

bool pagefault_disabled(void)
{
	return pagefault_depth;
}

/*
 * A user copy from [@p, @p + @n) by a task with the VMM's mm: a fault on a
 * missing page waits for the VMM to bring the range in, and the copy goes
 * on. (get_user_pages_remote() without a @locked argument could not wait:
 * userfaultfd fails its fault with SIGBUS.) With page faults disabled, the
 * fault is not taken: the copy fails (true), and the page stays missing.
 */
bool harness_uffd_fault(const void *p, size_t n)
{
	void (*fn)(void *arg) = uffd_hook;
	const char *a = p, *m = uffd_at;

	if (!uffd_len || a + n <= m || a >= m + uffd_len)
		return false;
	if (pagefault_depth) {
		uffd_nofaults++;
		return true;
	}
	uffd_faults++;
	uffd_len = 0;
	uffd_hook = NULL;
	if (fn)
		fn(uffd_hook_arg);
	return false;
}

/* The calling thread's task (tasks and mms, below) */
static __thread struct task_struct harness_task;

/* What harness_on_copy_to_user() or harness_on_copy_from_user() asked for */
static struct copy_hook {
	size_t size;
	unsigned int nth;
	bool to_user;
	void (*fn)(void *arg);
	void *arg;
} copy_hook;

/*
 * Call @fn(@arg) in the @nth copy_to_user() of @size bytes from now on,
 * before it copies, once (@fn NULL: none): what another thread does while
 * the kernel copies, or while a page fault on the user buffer sleeps.
 */
void harness_on_copy_to_user(size_t size, unsigned int nth,
			     void (*fn)(void *arg), void *arg)
{
	copy_hook = (struct copy_hook){ size, nth, true, fn, arg };
}

/* The same, in the @nth copy_from_user() of @size bytes */
void harness_on_copy_from_user(size_t size, unsigned int nth,
			       void (*fn)(void *arg), void *arg)
{
	copy_hook = (struct copy_hook){ size, nth, false, fn, arg };
}

/*
 * copy_from_user() and copy_to_user(): what is before a faulting byte is
 * copied, and the rest of a copy from user memory zeroed, as the kernel's
 * do; the bytes not copied are returned.
 */
unsigned long harness_copy(void *to, const void *from, unsigned long n, bool to_user)
{
	const void *u = to_user ? to : from;
	unsigned long done = n;

	/* might_fault() */
	if (!pagefault_depth)
		might_sleep();
	if (copy_hook.fn && to_user == copy_hook.to_user && n == copy_hook.size &&
	    !--copy_hook.nth) {
		void (*fn)(void *arg) = copy_hook.fn;

		copy_hook.fn = NULL;
		fn(copy_hook.arg);
	}
	/*
	 * A kthread without an mm has no user memory; missing pages fault.
	 * (Inline tests: make bench counts this as copy_from_user()'s cost.)
	 */
	if (!harness_uaccess_ok(u, n) || !harness_task.mm ||
	    (uffd_len && harness_uffd_fault(u, n)))
		done = 0;
	else if (fault_len && u < fault_at + fault_len && fault_at < u + n)
		done = u < fault_at ? fault_at - u : 0;
	if (done)
		memcpy(to, from, done);
	if (done < n && !to_user)
		memset(to + done, 0, n - done);
	return n - done;
}

/* ------------------------------------------------------- register hooks */

u64 harness_alt_kvm_patch_ich_vtr_el2;
u64 harness_alt_kvm_compute_ich_hcr_trap_bits;

#define MAX_EVENTS 8192
static struct harness_event events[MAX_EVENTS];
static int nevents;
static pthread_mutex_t event_mutex = PTHREAD_MUTEX_INITIALIZER;

void harness_log(enum harness_event_type type, const char *name, u64 a, u64 b)
{
	pthread_mutex_lock(&event_mutex);
	if (nevents < MAX_EVENTS)
		events[nevents++] = (struct harness_event) { type, name, a, b };
	pthread_mutex_unlock(&event_mutex);
}

int harness_events(enum harness_event_type type, const char *name, u64 a,
		   const struct harness_event **last)
{
	int n = 0;

	pthread_mutex_lock(&event_mutex);
	for (int i = 0; i < nevents; i++) {
		struct harness_event *e = &events[i];

		if (e->type != type)
			continue;
		if (name && strcmp(e->name, name))
			continue;
		if (a && e->a != a)
			continue;
		n++;
		if (last)
			*last = e;
	}
	pthread_mutex_unlock(&event_mutex);
	return n;
}

void harness_events_clear(void)
{
	pthread_mutex_lock(&event_mutex);
	nevents = 0;
	pthread_mutex_unlock(&event_mutex);
}

int harness_vdpends(u64 *xt)
{
	const struct harness_event *e;
	int n = harness_events(HE_SYSREG_WRITE, NULL, GICV5_OP_GIC_VDPEND, &e);

	if (n && xt)
		*xt = e->b;
	harness_events_clear();
	return n;
}

/*
 * Default system register file: what was last written reads back. One
 * copy for all CPUs (threads), under a lock so that concurrent tests do
 * not race on it; but the virtual CPU interface state the hypervisor loads
 * into a CPU for its resident vCPU (ICH_VMCR_EL2, ICH_PPI_*_EL2, and
 * GICv3's ICH_AP0R<n>_EL2, ICH_AP1R<n>_EL2 and ICH_LR<n>_EL2) is the CPU's
 * own.
 */
#define MAX_SYSREGS 256
static struct { u32 enc; int cpu; const char *name; u64 val; } sysregs[MAX_SYSREGS];
static int nsysregs;
static pthread_mutex_t sysreg_mutex = PTHREAD_MUTEX_INITIALIZER;

static bool sysreg_per_cpu(u32 enc)
{
	/*
	 * ICH_PPI_*_EL2: Op0 3, Op1 4, CRn 12, CRm 10 and 14/15; ICH_VMCR_EL2;
	 * GICv3's APRs: CRm 8 and 9, Op2 0 to 3; its LRs: CRm 12 and 13.
	 */
	if (sys_reg_Op0(enc) != 3 || sys_reg_Op1(enc) != 4 || sys_reg_CRn(enc) != 12)
		return false;
	switch (sys_reg_CRm(enc)) {
	case 8 ... 9:
		return sys_reg_Op2(enc) < 4;
	case 10:
	case 12 ... 15:
		return true;
	}
	return enc == SYS_ICH_VMCR_EL2;
}

static int sysreg_slot(u32 enc, const char *name, bool create)
{
	int cpu = enc && sysreg_per_cpu(enc) ? harness_this_cpu() : -1;

	for (int i = 0; i < nsysregs; i++)
		if (enc ? sysregs[i].enc == enc && sysregs[i].cpu == cpu :
			  !strcmp(sysregs[i].name, name))
			return i;
	if (!create || nsysregs == MAX_SYSREGS)
		return -1;
	sysregs[nsysregs].enc = enc;
	sysregs[nsysregs].cpu = cpu;
	sysregs[nsysregs].name = name;
	return nsysregs++;
}

bool harness_icc_sre_rao;

/*
 * The hardware's registers and MMIO (the IRS model or the register file),
 * and the harness's log of them: one instruction each in "make bench"
 * (vt_insn_pause_hw()).
 */
static u64 sysreg_read(u32 enc, const char *name)
{
	u64 val = 0;
	int i;

	if (harness_model_sysreg(enc, false, &val))
		return val;
	pthread_mutex_lock(&sysreg_mutex);
	i = sysreg_slot(enc, name, false);
	if (i >= 0)
		val = sysregs[i].val;
	pthread_mutex_unlock(&sysreg_mutex);
	if (enc == SYS_ICC_SRE_EL1 && harness_icc_sre_rao)
		val |= ICC_SRE_EL1_SRE;
	return val;
}

u64 harness_sysreg_read(u32 enc, const char *name)
{
	u64 val;

	vt_insn_pause_hw();
	val = sysreg_read(enc, name);
	vt_insn_resume();
	return val;
}

void harness_sysreg_write(u32 enc, const char *name, u64 val)
{
	int i;

	vt_insn_pause_hw();
	if (!harness_model_sysreg(enc, true, &val)) {
		pthread_mutex_lock(&sysreg_mutex);
		i = sysreg_slot(enc, name, true);
		if (i >= 0)
			sysregs[i].val = val;
		pthread_mutex_unlock(&sysreg_mutex);
	}
	vt_insn_resume();
}

u64 harness_read_sysreg(u32 enc, const char *name)
{
	u64 val;

	vt_insn_pause_hw();
	val = harness_sysreg_read(enc, name);
	harness_log(HE_SYSREG_READ, name, enc, val);
	vt_insn_resume();
	return val;
}

void harness_write_sysreg(u32 enc, const char *name, u64 val)
{
	vt_insn_pause_hw();
	harness_log(HE_SYSREG_WRITE, name, enc, val);
	harness_sysreg_write(enc, name, val);
	vt_insn_resume();
}

static u64 mmio_read(const void *addr, int size)
{
	u64 val;

	if (harness_model_mmio((const void *)addr, size, false, &val))
		return val;
	switch (size) {
	case 1:
		return *(const volatile u8 *)addr;
	case 2:
		return *(const volatile u16 *)addr;
	case 4:
		return *(const volatile u32 *)addr;
	default:
		return *(const volatile u64 *)addr;
	}
}

u64 harness_mmio_read(const volatile void *addr, int size)
{
	u64 val;

	vt_insn_pause_hw();
	val = mmio_read((const void *)addr, size);
	vt_insn_resume();
	return val;
}

static void mmio_write(void *addr, int size, u64 val)
{
	if (harness_model_mmio((const void *)addr, size, true, &val))
		return;
	switch (size) {
	case 1:
		*(volatile u8 *)addr = val;
		break;
	case 2:
		*(volatile u16 *)addr = val;
		break;
	case 4:
		*(volatile u32 *)addr = val;
		break;
	default:
		*(volatile u64 *)addr = val;
		break;
	}
}

__weak void __iomem *harness_ioremap(phys_addr_t pa, size_t size)
{
	return NULL;
}

void harness_mmio_write(const volatile void *addr, int size, u64 val)
{
	vt_insn_pause_hw();
	mmio_write((void *)addr, size, val);
	vt_insn_resume();
}

void harness_cache_op(const char *op, unsigned long start, unsigned long end)
{
	vt_insn_pause();
	harness_log(HE_CACHE_OP, op, start, end);
	harness_model_cache_op(op, start, end);
	vt_insn_resume();
}

u64 harness_poll_budget(u64 timeout_us, unsigned long delay_us)
{
	if (!timeout_us)
		return HARNESS_POLL_LIMIT;
	return timeout_us / (delay_us ? delay_us : 1);
}

void harness_poll_expired(u64 timeout_us)
{
	if (!timeout_us)
		harness_violation("a poll without timeout did not complete in %d polls",
				  HARNESS_POLL_LIMIT);
}

/* ------------------------------------------------------------- CPUs, SMP */

struct cpumask harness_cpu_bit_mask[HARNESS_MAX_CPUS];
struct cpumask harness_cpu_online_mask;
static int nr_cpus = 1;
static __thread int this_cpu = -1;
/* CPUs of live threads (CPU 0: the main thread); a thread's goes with it. */
static unsigned long cpus_taken = 1;
static pthread_mutex_t cpu_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t cpu_key;

static void release_cpu(void *cpu_plus_one)
{
	pthread_mutex_lock(&cpu_mutex);
	__clear_bit((unsigned long)cpu_plus_one - 1, &cpus_taken);
	pthread_mutex_unlock(&cpu_mutex);
}

__attribute__((constructor)) static void init_cpus(void)
{
	for (int c = 0; c < HARNESS_MAX_CPUS; c++)
		__set_bit(c, harness_cpu_bit_mask[c].bits);
	__set_bit(0, harness_cpu_online_mask.bits);
	pthread_key_create(&cpu_key, release_cpu);
}

int harness_this_cpu(void)
{
	unsigned long cpu = 0;
	bool full;

	if (this_cpu >= 0)
		return this_cpu;
	if (gettid() == getpid()) {
		this_cpu = 0;
		return 0;
	}
	pthread_mutex_lock(&cpu_mutex);
	full = !~cpus_taken;
	if (!full) {
		cpu = ffz(cpus_taken);
		__set_bit(cpu, &cpus_taken);
	}
	pthread_mutex_unlock(&cpu_mutex);
	if (full) {
		vt_fail(__FILE__, __LINE__, "more than %d threads", HARNESS_MAX_CPUS);
		_exit(1);
	}
	pthread_setspecific(cpu_key, (void *)(cpu + 1));
	this_cpu = cpu;
	return cpu;
}

void harness_set_this_cpu(int cpu)
{
	if (cpu < 0 || cpu >= HARNESS_MAX_CPUS) {
		vt_fail(__FILE__, __LINE__, "%s(%d): no such CPU", __func__, cpu);
		_exit(1);
	}
	this_cpu = cpu;
}

int harness_nr_cpus(void)
{
	return nr_cpus;
}

void harness_set_nr_cpus(int nr)
{
	nr_cpus = clamp(nr, 1, HARNESS_MAX_CPUS);
	cpumask_clear(&harness_cpu_online_mask);
	bitmap_set(harness_cpu_online_mask.bits, 0, nr_cpus);
}

/*
 * kvm_call_hyp(): logged for the tests, and counted in "make bench" as the
 * one instruction of the call (a bl with VHE, an hvc otherwise).
 */
__weak void harness_hyp_call(const char *fn)
{
	vt_insn_pause_hw();
	harness_log(HE_HYP_CALL, fn, 0, 0);
	vt_insn_resume();
}

/* ---------------------------------------------------------------- cpucaps */

static DECLARE_BITMAP(cpucaps, ARM64_NCAPS);

bool harness_cpus_have_cap(unsigned int cap)
{
	return cap < ARM64_NCAPS && test_bit(cap, cpucaps);
}

void harness_set_cpu_cap(unsigned int cap, bool on)
{
	assign_bit(cap, cpucaps, on);
}

/* ------------------------------------------------------------------ xarray */

static long xa_pos(const struct xarray *xa, unsigned long index, bool *found)
{
	unsigned long lo = 0, hi = xa->nr;

	while (lo < hi) {
		unsigned long mid = (lo + hi) / 2;

		if (xa->idx[mid] < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < xa->nr && xa->idx[lo] == index;
	return lo;
}

/* ------------------------------------------------------- tasks and mms */

struct mm_struct harness_mm = { .mm_users = ATOMIC_INIT(1) };
static __thread struct task_struct harness_task = {
	.mm = &harness_mm,
	.migrate_to = -1,
};

struct task_struct *harness_current(void)
{
	return &harness_task;
}

void harness_kworker_enter(void)
{
	harness_task.mm = NULL;
	harness_task.flags |= PF_KTHREAD;
}

void harness_kworker_exit(void)
{
	harness_task.mm = &harness_mm;
	harness_task.flags &= ~PF_KTHREAD;
}

/* A kthread without an mm takes one it holds a reference on */
void kthread_use_mm(struct mm_struct *mm)
{
	WARN_ON(!(harness_task.flags & PF_KTHREAD) || harness_task.mm);
	WARN_ON(atomic_read(&mm->mm_users) <= 0);
	harness_task.mm = mm;
}

void kthread_unuse_mm(struct mm_struct *mm)
{
	WARN_ON(harness_task.mm != mm);
	harness_task.mm = NULL;
}

bool mmget_not_zero(struct mm_struct *mm)
{
	return atomic_inc_not_zero(&mm->mm_users);
}

void mmput(struct mm_struct *mm)
{
	might_sleep();
	atomic_dec(&mm->mm_users);
}

/* ------------------------------------------------------------------ xarray */

DEFINE_GUARD(pthread_mutex, pthread_mutex_t *, pthread_mutex_lock(_T), pthread_mutex_unlock(_T))
#define XA_ARRAY(xa)	guard(pthread_mutex)(&(xa)->harness_mu)

/* What harness_on_xa_load() asked for */
static struct {
	unsigned long index;
	void (*fn)(void *arg);
	void *arg;
} xa_load_hook;

/*
 * Run @fn(@arg) once, in the thread that next loads @index from an
 * xarray, just after the load: what other CPUs do before that one uses
 * what it found. (@fn NULL: none.)
 */
void harness_on_xa_load(unsigned long index, void (*fn)(void *arg), void *arg)
{
	xa_load_hook.index = index;
	xa_load_hook.arg = arg;
	__atomic_store_n(&xa_load_hook.fn, fn, __ATOMIC_RELEASE);
}

static void run_xa_load_hook(unsigned long index)
{
	void (*fn)(void *arg);

	fn = __atomic_load_n(&xa_load_hook.fn, __ATOMIC_ACQUIRE);
	if (fn && index == xa_load_hook.index &&
	    __atomic_compare_exchange_n(&xa_load_hook.fn, &fn, NULL, false,
					__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		fn(xa_load_hook.arg);
}

void *xa_load(struct xarray *xa, unsigned long index)
{
	void *entry;
	bool found;
	long i;

	scoped_guard(pthread_mutex, &xa->harness_mu) {
		i = xa_pos(xa, index, &found);
		entry = found && xa->ent[i] != XA_ZERO_ENTRY ? xa->ent[i] : NULL;
	}
	run_xa_load_hook(index);
	return entry;
}

/* A reserved entry is no entry to whoever reads, erases or replaces it */
static void *xa_entry(void *entry)
{
	return entry == XA_ZERO_ENTRY ? NULL : entry;
}

static void *xa_array_erase(struct xarray *xa, unsigned long index)
{
	bool found;
	long i = xa_pos(xa, index, &found);
	void *old;

	if (!found)
		return NULL;
	old = xa->ent[i];
	memmove(&xa->idx[i], &xa->idx[i + 1], (xa->nr - i - 1) * sizeof(xa->idx[0]));
	memmove(&xa->ent[i], &xa->ent[i + 1], (xa->nr - i - 1) * sizeof(xa->ent[0]));
	xa->nr--;
	return xa_entry(old);
}

void *__xa_erase(struct xarray *xa, unsigned long index)
{
	XA_ARRAY(xa);
	return xa_array_erase(xa, index);
}

void *__xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	bool found;
	long i;
	void *old;

	XA_ARRAY(xa);
	if (!entry)
		return xa_array_erase(xa, index);
	i = xa_pos(xa, index, &found);
	if (found) {
		old = xa->ent[i];
		xa->ent[i] = entry;
		return xa_entry(old);
	}
	if (xa->nr == xa->cap) {
		unsigned long cap = xa->cap ? xa->cap * 2 : 8;
		unsigned long *idx = kmalloc(cap * sizeof(*idx), gfp);
		void **ent = kmalloc(cap * sizeof(*ent), gfp);

		if (!idx || !ent) {
			kfree(idx);
			kfree(ent);
			return ERR_PTR(-ENOMEM);
		}
		if (xa->nr) {
			memcpy(idx, xa->idx, xa->nr * sizeof(*idx));
			memcpy(ent, xa->ent, xa->nr * sizeof(*ent));
		}
		kfree(xa->idx);
		kfree(xa->ent);
		xa->idx = idx;
		xa->ent = ent;
		xa->cap = cap;
	}
	memmove(&xa->idx[i + 1], &xa->idx[i], (xa->nr - i) * sizeof(xa->idx[0]));
	memmove(&xa->ent[i + 1], &xa->ent[i], (xa->nr - i) * sizeof(xa->ent[0]));
	xa->idx[i] = index;
	xa->ent[i] = entry;
	xa->nr++;
	return NULL;
}

void *xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	unsigned long flags;
	void *ret;

	/* The kernel drops the lock to allocate; allocate outside it here. */
	if (gfpflags_allow_blocking(gfp))
		might_sleep();
	xa_lock_irqsave(xa, flags);
	ret = __xa_store(xa, index, entry, gfp & ~__GFP_DIRECT_RECLAIM);
	xa_unlock_irqrestore(xa, flags);
	return ret;
}

int xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	void *old;

	if (xa_load(xa, index))
		return -EBUSY;
	old = xa_store(xa, index, entry, gfp);
	return xa_err(old);
}

/* The slot is allocated now, so that a later store cannot fail */
int xa_reserve(struct xarray *xa, unsigned long index, gfp_t gfp)
{
	unsigned long flags;
	void *old = NULL;

	if (gfpflags_allow_blocking(gfp))
		might_sleep();
	xa_lock_irqsave(xa, flags);
	if (!xa_load(xa, index))
		old = __xa_store(xa, index, XA_ZERO_ENTRY, gfp & ~__GFP_DIRECT_RECLAIM);
	xa_unlock_irqrestore(xa, flags);
	return xa_err(old);
}

/* Drops a reservation that was not used (not an entry stored since) */
void xa_release(struct xarray *xa, unsigned long index)
{
	unsigned long flags;
	bool found;
	long i;

	xa_lock_irqsave(xa, flags);
	scoped_guard(pthread_mutex, &xa->harness_mu) {
		i = xa_pos(xa, index, &found);
		if (found && xa->ent[i] == XA_ZERO_ENTRY)
			xa_array_erase(xa, index);
	}
	xa_unlock_irqrestore(xa, flags);
}

void *xa_erase(struct xarray *xa, unsigned long index)
{
	unsigned long flags;
	void *ret;

	xa_lock_irqsave(xa, flags);
	ret = __xa_erase(xa, index);
	xa_unlock_irqrestore(xa, flags);
	return ret;
}

void xa_destroy(struct xarray *xa)
{
	XA_ARRAY(xa);
	kfree(xa->idx);
	kfree(xa->ent);
	xa->idx = NULL;
	xa->ent = NULL;
	xa->nr = 0;
	xa->cap = 0;
}

bool xa_empty(const struct xarray *xa)
{
	return !READ_ONCE(xa->nr);
}

void *xa_find(struct xarray *xa, unsigned long *index, unsigned long max, int filter)
{
	bool found;
	long i;

	XA_ARRAY(xa);
	i = xa_pos(xa, *index, &found);
	while (i < (long)xa->nr && xa->ent[i] == XA_ZERO_ENTRY)
		i++;
	if (i >= (long)xa->nr || xa->idx[i] > max)
		return NULL;
	*index = xa->idx[i];
	return xa->ent[i];
}

void *xa_find_after(struct xarray *xa, unsigned long *index, unsigned long max, int filter)
{
	if (*index == ULONG_MAX)
		return NULL;
	(*index)++;
	return xa_find(xa, index, max, filter);
}

/* ----------------------------------------------------------------- printk */

int harness_printk(const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (getenv("HARNESS_VERBOSE")) {
		printf("# ");
		va_start(ap, fmt);
		n = vprintf(fmt, ap);
		va_end(ap);
		fflush(stdout);
	}
	return n;
}
