// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory in the harness: memslots and kvm_read_guest() /
 * kvm_write_guest() (and their _lock variants) with the semantics of
 * virt/kvm/kvm_main.c, as the vgic code sees them.
 */
#include "harness.h"
#include "vt.h"

#define SLOT0_GPA	0x40000000ULL
#define SLOT1_GPA	(SLOT0_GPA + 4 * PAGE_SIZE)

VT_TEST(guest_memory_slots)
{
	struct kvm *kvm = harness_vm_create();

	VT_ASSERT(kvm);
	/* Page multiples only, no overlap, no unknown flag */
	VT_EXPECT_EQ(harness_memslot_add(kvm, 0, SLOT0_GPA + 1, PAGE_SIZE, 0), -EINVAL);
	VT_EXPECT_EQ(harness_memslot_add(kvm, 0, SLOT0_GPA, 100, 0), -EINVAL);
	VT_EXPECT_EQ(harness_memslot_add(kvm, 0, SLOT0_GPA, PAGE_SIZE, 1U << 5), -EINVAL);
	VT_EXPECT_EQ(harness_memslot_add(kvm, HARNESS_NR_MEMSLOTS, SLOT0_GPA, PAGE_SIZE, 0),
		     -EINVAL);
	VT_EXPECT_EQ(harness_memslot_add(kvm, 0, SLOT0_GPA, 4 * PAGE_SIZE, 0), 0);
	VT_EXPECT_EQ(harness_memslot_add(kvm, 0, SLOT1_GPA, PAGE_SIZE, 0), -EEXIST);
	VT_EXPECT_EQ(harness_memslot_add(kvm, 1, SLOT1_GPA - PAGE_SIZE, PAGE_SIZE, 0), -EEXIST);
	VT_EXPECT_EQ(harness_memslot_add(kvm, 1, SLOT1_GPA, PAGE_SIZE,
					 KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY), 0);

	/* Guest RAM starts zeroed; the guest's view ends with its slot */
	VT_ASSERT(harness_guest_mem(kvm, SLOT0_GPA, 4 * PAGE_SIZE));
	VT_EXPECT_EQ(*(u64 *)harness_guest_mem(kvm, SLOT1_GPA - 8, 8), 0);
	VT_EXPECT(!harness_guest_mem(kvm, SLOT1_GPA - 8, 16));
	VT_EXPECT(!harness_guest_mem(kvm, SLOT0_GPA - 8, 8));
	harness_memslot_remove(kvm, 1);
	VT_EXPECT(!harness_guest_mem(kvm, SLOT1_GPA, 8));
	VT_EXPECT_EQ(harness_get_dirty_log(kvm, 1, NULL), -ENOENT);
	/* Slot 0 goes with the VM */
	harness_vm_destroy(kvm);
}

VT_TEST(guest_memory_read_write)
{
	struct kvm *kvm = harness_vm_create();
	unsigned long dirty[1];
	u8 buf[64], *g0, *g1;
	int idx;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_memslot_add(kvm, 0, SLOT0_GPA, 4 * PAGE_SIZE,
					 KVM_MEM_LOG_DIRTY_PAGES), 0);
	VT_ASSERT_EQ(harness_memslot_add(kvm, 1, SLOT1_GPA, 2 * PAGE_SIZE, 0), 0);
	g0 = harness_guest_mem(kvm, SLOT0_GPA, 4 * PAGE_SIZE);
	g1 = harness_guest_mem(kvm, SLOT1_GPA, 2 * PAGE_SIZE);
	VT_ASSERT(g0 && g1);

	for (int i = 0; i < 64; i++)
		buf[i] = i + 1;
	/* Across a page boundary: both pages written and dirty */
	VT_EXPECT_EQ(kvm_write_guest_lock(kvm, SLOT0_GPA + PAGE_SIZE - 32, buf, 64), 0);
	VT_EXPECT_EQ(g0[PAGE_SIZE - 32], 1);
	VT_EXPECT_EQ(g0[PAGE_SIZE + 31], 64);
	VT_EXPECT_EQ(harness_get_dirty_log(kvm, 0, dirty), 2);
	VT_EXPECT_EQ(dirty[0], 0x3);
	/* The log was cleared */
	VT_EXPECT_EQ(harness_get_dirty_log(kvm, 0, dirty), 0);
	/* A guest CPU write is not KVM's: not in the log */
	g0[3 * PAGE_SIZE] = 0x5a;
	VT_EXPECT_EQ(harness_get_dirty_log(kvm, 0, NULL), 0);

	memset(buf, 0, sizeof(buf));
	VT_EXPECT_EQ(kvm_read_guest_lock(kvm, SLOT0_GPA + PAGE_SIZE - 32, buf, 64), 0);
	VT_EXPECT_EQ(buf[0], 1);
	VT_EXPECT_EQ(buf[63], 64);
	VT_EXPECT_EQ(kvm_read_guest_lock(kvm, SLOT0_GPA + 3 * PAGE_SIZE, buf, 1), 0);
	VT_EXPECT_EQ(buf[0], 0x5a);

	/* From one slot into the next, adjacent one */
	VT_EXPECT_EQ(kvm_write_guest_lock(kvm, SLOT1_GPA - 4, buf, 8), 0);
	VT_EXPECT_EQ(harness_get_dirty_log(kvm, 0, dirty), 1);
	VT_EXPECT_EQ(dirty[0], 0x8);
	VT_EXPECT_EQ(g1[0], buf[4]);

	/* Outside any slot: -EFAULT, in whole or in part */
	VT_EXPECT_EQ(kvm_read_guest_lock(kvm, SLOT0_GPA - 8, buf, 8), -EFAULT);
	VT_EXPECT_EQ(kvm_read_guest_lock(kvm, SLOT1_GPA + 2 * PAGE_SIZE - 4, buf, 8), -EFAULT);
	VT_EXPECT_EQ(kvm_write_guest_lock(kvm, 0, buf, 8), -EFAULT);
	VT_EXPECT_EQ(kvm_write_guest_lock(kvm, ~0ULL & PAGE_MASK, buf, 8), -EFAULT);

	/* The unlocked variants under kvm->srcu, as a vCPU runs */
	idx = srcu_read_lock(&kvm->srcu);
	VT_EXPECT_EQ(kvm_write_guest(kvm, SLOT0_GPA, buf, 4), 0);
	VT_EXPECT_EQ(kvm_read_guest(kvm, SLOT0_GPA, buf + 4, 4), 0);
	srcu_read_unlock(&kvm->srcu, idx);
	VT_EXPECT_EQ(memcmp(buf, buf + 4, 4), 0);
	VT_EXPECT_EQ(harness_get_dirty_log(kvm, 0, dirty), 1);
	VT_EXPECT_EQ(dirty[0], 0x1);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_memory_readonly_slot)
{
	struct kvm *kvm = harness_vm_create();
	u64 val = 0x1234;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_memslot_add(kvm, 2, SLOT0_GPA, PAGE_SIZE,
					 KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES), 0);
	*(u64 *)harness_guest_mem(kvm, SLOT0_GPA, 8) = 7;
	VT_EXPECT_EQ(kvm_write_guest_lock(kvm, SLOT0_GPA, &val, 8), -EFAULT);
	VT_EXPECT_EQ(kvm_read_guest_lock(kvm, SLOT0_GPA, &val, 8), 0);
	VT_EXPECT_EQ(val, 7);
	VT_EXPECT_EQ(harness_get_dirty_log(kvm, 2, NULL), 0);
	harness_vm_destroy(kvm);
}

/* The memslots are only stable under kvm->srcu or slots_lock */
VT_TEST(guest_memory_needs_srcu)
{
	struct kvm *kvm = harness_vm_create();
	u64 val;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_memslot_add(kvm, 0, SLOT0_GPA, PAGE_SIZE, 0), 0);
	harness_expect_report(HR_LOCKDEP);
	VT_EXPECT_EQ(kvm_read_guest(kvm, SLOT0_GPA, &val, 8), 0);
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 1);
	scoped_guard(mutex, &kvm->slots_lock)
		VT_EXPECT_EQ(kvm_write_guest(kvm, SLOT0_GPA, &val, 8), 0);
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 1);
	harness_vm_destroy(kvm);
}

/* Guest memory accesses may fault, i.e. sleep */
VT_TEST(guest_memory_not_in_atomic)
{
	struct kvm *kvm = harness_vm_create();
	unsigned long flags;
	u64 val;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_memslot_add(kvm, 0, SLOT0_GPA, PAGE_SIZE, 0), 0);
	harness_expect_report(HR_SLEEP);
	local_irq_save(flags);
	kvm_read_guest_lock(kvm, SLOT0_GPA, &val, 8);
	local_irq_restore(flags);
	VT_EXPECT_EQ(harness_reports(HR_SLEEP), 1);
	harness_vm_destroy(kvm);
}
