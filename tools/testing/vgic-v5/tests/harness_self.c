// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the harness itself: the checkers must fire on misuse, or a
 * passing run means nothing. Each misuse runs in the test's own process
 * with the report expected, or in a forked child that must die of it.
 */
#include <pthread.h>
#include <sys/wait.h>

#include "harness.h"
#include "vt.h"

/* Run fn in a child with its output discarded; true if the child failed. */
static bool child_fails(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		fn();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

static struct mutex lock_a, lock_b;

static void take_a_then_b(void)
{
	mutex_lock(&lock_a);
	mutex_lock(&lock_b);
	mutex_unlock(&lock_b);
	mutex_unlock(&lock_a);
}

static void take_b_then_a(void)
{
	mutex_lock(&lock_b);
	mutex_lock(&lock_a);
	mutex_unlock(&lock_a);
	mutex_unlock(&lock_b);
}

static void inversion(void)
{
	take_a_then_b();
	take_b_then_a();
}

VT_TEST(harness_lockdep_detects_inversion)
{
	mutex_init(&lock_a);
	mutex_init(&lock_b);

	/* Unexpected, it kills the process (the kernel would splat) */
	VT_EXPECT(child_fails(inversion));
	/* The same order twice is fine */
	take_a_then_b();
	take_a_then_b();
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 0);

	harness_expect_report(HR_LOCKDEP);
	take_b_then_a();
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 1);
}

/* The kernel takes config_lock then an irq_lock; a test-only inversion. */
VT_TEST(harness_lockdep_detects_inversion_against_vgic)
{
	u64 irs_base = HARNESS_V5_IRS_BASE;
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	struct vgic_irq *irq;
	unsigned long flags;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS, &irs_base), 0);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	/* vgic_v5_finalize_ppi_state(): config_lock -> irq_lock */
	VT_ASSERT_EQ(harness_vcpu_first_run(kvm_get_vcpu(kvm, 0)), 0);
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 0);

	harness_expect_report(HR_LOCKDEP);
	harness_expect_report(HR_SLEEP);
	irq = vgic_get_vcpu_irq(kvm_get_vcpu(kvm, 0), vgic_v5_make_ppi(5));
	raw_spin_lock_irqsave(&irq->irq_lock, flags);
	mutex_lock(&kvm->arch.config_lock);
	mutex_unlock(&kvm->arch.config_lock);
	raw_spin_unlock_irqrestore(&irq->irq_lock, flags);
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 1);
	VT_EXPECT_EQ(harness_reports(HR_SLEEP), 1);
	harness_vm_destroy(kvm);
}

VT_TEST(harness_lockdep_assert_held_fires)
{
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, NULL);
	int reports;

	VT_ASSERT(kvm);
	/* vgic_init() must be called with config_lock held (it asserts it) */
	harness_expect_report(HR_LOCKDEP);
	VT_EXPECT_EQ(vgic_init(kvm), 0);
	reports = harness_reports(HR_LOCKDEP);
	VT_EXPECT(reports >= 1);

	mutex_lock(&kvm->arch.config_lock);
	VT_EXPECT_EQ(vgic_init(kvm), 0);
	mutex_unlock(&kvm->arch.config_lock);
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), reports);
	harness_vm_destroy(kvm);
}

static DEFINE_RAW_SPINLOCK(spin);

static void sleep_under_spinlock(void)
{
	void *p;

	raw_spin_lock(&spin);
	p = kzalloc(16, GFP_KERNEL);
	raw_spin_unlock(&spin);
	kfree(p);
}

VT_TEST(harness_might_sleep_in_atomic_fires)
{
	void *p;

	VT_EXPECT(child_fails(sleep_under_spinlock));
	harness_expect_report(HR_SLEEP);
	sleep_under_spinlock();
	VT_EXPECT_EQ(harness_reports(HR_SLEEP), 1);

	/* GFP_ATOMIC is fine there */
	raw_spin_lock(&spin);
	p = kzalloc(16, GFP_ATOMIC);
	raw_spin_unlock(&spin);
	kfree(p);
	VT_EXPECT_EQ(harness_reports(HR_SLEEP), 1);
}

static void warn(void)
{
	WARN_ON(1);
}

VT_TEST(harness_warn_fails_the_test)
{
	VT_EXPECT(child_fails(warn));
}

VT_TEST(harness_allocations_are_accounted)
{
	unsigned long live = harness_allocs_live();
	unsigned long pages;
	void *p, *q;

	p = kmalloc(100, GFP_KERNEL);
	q = kvcalloc(4, 8, GFP_KERNEL);
	pages = __get_free_pages(GFP_KERNEL | __GFP_ZERO, 1);
	VT_ASSERT(p && q && pages);
	VT_EXPECT_EQ(harness_allocs_live(), live + 3);
	VT_EXPECT_EQ(pages % (2 * PAGE_SIZE), 0);
	kfree(p);
	kvfree(q);
	free_pages(pages, 1);
	VT_EXPECT_EQ(harness_allocs_live(), live);

	fault_inject_nth_alloc(2);
	p = kmalloc(8, GFP_KERNEL);
	q = kmalloc(8, GFP_KERNEL);
	VT_EXPECT(p && !q && fault_injected());
	kfree(p);
}

VT_TEST(harness_uaccess_bad_pointers_efault)
{
	u32 v = 7, w = 0;

	VT_EXPECT_EQ(get_user(w, (u32 __user *)&v), 0);
	VT_EXPECT_EQ(w, 7);
	VT_EXPECT_EQ(get_user(w, (u32 __user *)NULL), -EFAULT);
	VT_EXPECT_EQ(put_user(w, (u32 __user *)HARNESS_BAD_UPTR), -EFAULT);
	VT_EXPECT_EQ(copy_to_user(NULL, &v, sizeof(v)), sizeof(v));
}

/*
 * synchronize_srcu() waits for the readers of its srcu_struct that are in
 * a read-side critical section when it starts, until they leave it, and
 * not for the readers of another; the polled API tells a grace period
 * that has elapsed.
 */
struct srcu_self {
	struct srcu_struct ss, other;
	int stage;		/* 1: in the section, 2: told to leave it */
	int left;		/* the reader left its section */
	int synced;		/* the updater's grace period ended */
	int left_at_sync;	/* what the updater saw of @left then */
};

static void *srcu_self_reader(void *arg)
{
	struct srcu_self *r = arg;
	int idx = srcu_read_lock(&r->ss);

	__atomic_store_n(&r->stage, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&r->stage, __ATOMIC_SEQ_CST) != 2)
		usleep(100);
	__atomic_store_n(&r->left, 1, __ATOMIC_SEQ_CST);
	srcu_read_unlock(&r->ss, idx);
	return NULL;
}

static void *srcu_self_updater(void *arg)
{
	struct srcu_self *r = arg;

	synchronize_srcu(&r->ss);
	__atomic_store_n(&r->left_at_sync, __atomic_load_n(&r->left, __ATOMIC_SEQ_CST),
			 __ATOMIC_SEQ_CST);
	__atomic_store_n(&r->synced, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

VT_TEST(harness_synchronize_srcu_waits_for_readers)
{
	struct srcu_self *r = calloc(1, sizeof(*r));
	pthread_t reader, updater;
	unsigned long gp;
	int idx;

	VT_ASSERT(r);
	VT_ASSERT_EQ(init_srcu_struct(&r->ss), 0);
	/* No reader: no wait, and a grace period elapses */
	gp = get_state_synchronize_srcu(&r->ss);
	VT_EXPECT(!poll_state_synchronize_srcu(&r->ss, gp));
	VT_EXPECT(poll_state_synchronize_srcu(&r->ss, get_completed_synchronize_srcu()));
	synchronize_srcu(&r->ss);
	VT_EXPECT(poll_state_synchronize_srcu(&r->ss, gp));

	VT_ASSERT_EQ(pthread_create(&reader, NULL, srcu_self_reader, r), 0);
	while (!__atomic_load_n(&r->stage, __ATOMIC_SEQ_CST))
		usleep(100);
	/* A reader of another srcu_struct, here, is not waited for */
	idx = srcu_read_lock(&r->other);
	gp = get_state_synchronize_srcu(&r->ss);
	VT_ASSERT_EQ(pthread_create(&updater, NULL, srcu_self_updater, r), 0);
	usleep(20000);
	VT_EXPECT(!__atomic_load_n(&r->synced, __ATOMIC_SEQ_CST));
	VT_EXPECT(!poll_state_synchronize_srcu(&r->ss, gp));
	/* Once the reader leaves, the grace period ends */
	__atomic_store_n(&r->stage, 2, __ATOMIC_SEQ_CST);
	pthread_join(updater, NULL);
	srcu_read_unlock(&r->other, idx);
	pthread_join(reader, NULL);
	VT_EXPECT_EQ(r->left_at_sync, 1);
	VT_EXPECT(poll_state_synchronize_srcu(&r->ss, gp));
	cleanup_srcu_struct(&r->ss);
	cleanup_srcu_struct(&r->other);
	free(r);
}

#ifdef __SANITIZE_ADDRESS__
int __asan_address_is_poisoned(void const volatile *addr);

/*
 * kmalloc() keeps the kernel's alignment by padding the block, but the
 * padding past the requested size is poisoned: ASan catches a read one
 * byte past the end (kmalloc(24) is a 32-byte, 32-aligned block).
 */
static void read_one_past_kmalloc_end(void)
{
	volatile u8 *p = kmalloc(24, GFP_KERNEL);

	(void)p[24];
	kfree((void *)p);
}

VT_TEST(harness_asan_catches_read_past_kmalloc_end)
{
	u8 *p = kmalloc(24, GFP_KERNEL);

	VT_ASSERT(p);
	VT_EXPECT_EQ((uintptr_t)p % 32, 0);
	VT_EXPECT(!__asan_address_is_poisoned(p + 23));
	VT_EXPECT(__asan_address_is_poisoned(p + 24));
	VT_EXPECT(__asan_address_is_poisoned(p + 31));
	kfree(p);
	VT_EXPECT(child_fails(read_one_past_kmalloc_end));
}
#endif
