// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures: every allocation of an operation is made to fail in
 * turn (fault_inject_nth_alloc()); the operation must fail cleanly with
 * -ENOMEM, leave nothing allocated, and succeed once nothing fails.
 */
#include "harness.h"
#include "vt.h"

#define MAX_SWEEP 200

VT_TEST(vgic_v5_ctrl_init_alloc_failure_sweep)
{
	int n, ret;

	for (n = 1; n < MAX_SWEEP; n++) {
		unsigned long live = harness_allocs_live();
		struct kvm_device *dev;
		struct kvm *kvm = harness_vm_with(2, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
		bool injected;

		VT_ASSERT(kvm);
		VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
		fault_inject_nth_alloc(n);
		ret = harness_vgic_init(dev);
		injected = fault_injected();
		fault_inject_nth_alloc(0);
		if (injected) {
			VT_EXPECT_EQ(ret, -ENOMEM);
			VT_EXPECT(!vgic_initialized(kvm));
			/* Nothing left in the host IRS */
			VT_EXPECT_EQ(harness_valid_vms(), 0);
			/* Userspace retries */
			VT_EXPECT_EQ(harness_vgic_init(dev), 0);
		} else {
			VT_EXPECT_EQ(ret, 0);
		}
		harness_vm_destroy(kvm);
		VT_ASSERT_EQ(harness_allocs_live(), live);
		VT_ASSERT_EQ(harness_check_violations(), 0);
		if (!injected)
			break;
	}
	/* CTRL_INIT allocates: routing, SPIs, the VM's IRS tables, doorbells */
	VT_EXPECT(n > 10);
	VT_EXPECT(n < MAX_SWEEP);
}

VT_TEST(vgic_v5_create_device_alloc_failure_sweep)
{
	int n, ret;

	for (n = 1; n < MAX_SWEEP; n++) {
		unsigned long live = harness_allocs_live();
		struct kvm *kvm = harness_vm_with(3, 0, NULL);
		struct kvm_vcpu *vcpu;
		unsigned long i;
		bool injected;

		VT_ASSERT(kvm);
		fault_inject_nth_alloc(n);
		ret = harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5, NULL);
		injected = fault_injected();
		fault_inject_nth_alloc(0);
		if (injected) {
			VT_EXPECT_EQ(ret, -ENOMEM);
			VT_EXPECT(!irqchip_in_kernel(kvm));
			kvm_for_each_vcpu(i, vcpu, kvm)
				VT_EXPECT(!vcpu->arch.vgic_cpu.private_irqs);
		} else {
			VT_EXPECT_EQ(ret, 0);
		}
		harness_vm_destroy(kvm);
		VT_ASSERT_EQ(harness_allocs_live(), live);
		if (!injected)
			break;
	}
	VT_EXPECT(n > 3);	/* the device and each vCPU's private IRQs */
	VT_EXPECT(n < MAX_SWEEP);
}

/* The whole life of a v5 VM, failing each allocation in turn. */
VT_TEST(vgic_v5_vm_lifecycle_alloc_failure_sweep)
{
	int n;

	for (n = 1; n < MAX_SWEEP; n++) {
		unsigned long live = harness_allocs_live();
		u64 irs_base = HARNESS_V5_IRS_BASE;
		struct kvm_device *dev = NULL;
		struct kvm *kvm;
		bool injected;
		int ret = 0;

		fault_inject_nth_alloc(n);
		kvm = harness_vm_create();
		if (!kvm) {
			VT_EXPECT(fault_injected());
			fault_inject_nth_alloc(0);
			VT_ASSERT_EQ(harness_allocs_live(), live);
			continue;
		}
		for (int id = 0; id < 2 && !ret; id++)
			ret = harness_vcpu_create(kvm, id, NULL);
		if (!ret)
			ret = harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
		if (!ret)
			ret = harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
					       KVM_VGIC_V5_ADDR_TYPE_IRS, &irs_base);
		if (!ret)
			ret = harness_vgic_init(dev);
		if (!ret)
			ret = harness_vcpu_first_run(kvm_get_vcpu(kvm, 0));
		injected = fault_injected();
		fault_inject_nth_alloc(0);
		VT_EXPECT_EQ(ret, injected ? -ENOMEM : 0);
		harness_vm_destroy(kvm);
		VT_ASSERT_EQ(harness_allocs_live(), live);
		if (!injected)
			break;
	}
	VT_EXPECT(n < MAX_SWEEP);
}
