// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CREATE_DEVICE for KVM_DEV_TYPE_ARM_VGIC_V5, and host probing
 * (kvm_vgic_hyp_init() -> vgic_v5_probe()).
 */
#include "harness.h"
#include "vt.h"

VT_TEST(vgic_v5_create_device)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(2, 0, NULL);

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5, &dev), 0);
	VT_EXPECT(irqchip_in_kernel(kvm));
	VT_EXPECT(vgic_is_v5(kvm));
	VT_EXPECT(!vgic_initialized(kvm));
	VT_EXPECT_EQ(kvm->max_vcpus, VGIC_V5_MAX_CPUS);
	/* kvm_vgic_create() allocated the private IRQs of existing vCPUs */
	VT_EXPECT(kvm_get_vcpu(kvm, 1)->arch.vgic_cpu.private_irqs);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_create_device_twice_eexist)
{
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, NULL);

	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5, NULL), -EEXIST);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_create_unregistered_type_enodev)
{
	struct kvm *kvm = harness_vm_with(1, 0, NULL);

	VT_ASSERT(kvm);
	/* A GICv5 host without FEAT_GCIE_LEGACY registers no GICv3 device */
	VT_EXPECT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V3, NULL), -ENODEV);
	VT_EXPECT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V2, NULL), -ENODEV);
	VT_EXPECT_EQ(harness_create_device(kvm, 0, NULL), -ENODEV);
	VT_EXPECT(!irqchip_in_kernel(kvm));
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_legacy_host_registers_v3_too)
{
	const struct harness_host host = { .type = GIC_V5, .gcie_legacy = true };
	struct kvm *kvm;

	VT_ASSERT_EQ(harness_host_init(&host), 0);
	VT_EXPECT(kvm_vgic_global_state.has_gcie_v3_compat);
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V3, NULL);
	VT_ASSERT(kvm);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_protected_host_has_no_v5_device)
{
	const struct harness_host host = { .type = GIC_V5 };
	struct kvm *kvm;

	harness_protected_kvm = true;
	VT_EXPECT_EQ(harness_host_init(&host), -ENODEV);
	harness_protected_kvm = false;
	kvm = harness_vm_with(1, 0, NULL);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5, NULL), -ENODEV);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_create_after_vcpu_ran_ebusy)
{
	struct kvm_vcpu *vcpu;
	struct kvm *kvm = harness_vm_with(0, 0, NULL);

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vcpu_create(kvm, 0, &vcpu), 0);
	VT_ASSERT_EQ(harness_vcpu_first_run(vcpu), 0);
	VT_EXPECT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5, NULL), -EBUSY);
	VT_EXPECT(!irqchip_in_kernel(kvm));
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_create_sets_gcie_idreg)
{
	struct kvm *kvm = harness_vm_with(1, 0, NULL);
	u64 pfr2;

	VT_ASSERT(kvm);
	VT_EXPECT_EQ(FIELD_GET(ID_AA64PFR2_EL1_GCIE,
			       kvm_read_vm_id_reg(kvm, SYS_ID_AA64PFR2_EL1)), 0);
	VT_ASSERT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5, NULL), 0);
	pfr2 = kvm_read_vm_id_reg(kvm, SYS_ID_AA64PFR2_EL1);
	VT_EXPECT_EQ(FIELD_GET(ID_AA64PFR2_EL1_GCIE, pfr2), ID_AA64PFR2_EL1_GCIE_IMP);
	VT_EXPECT_EQ(FIELD_GET(ID_AA64PFR0_EL1_GIC,
			       kvm_read_vm_id_reg(kvm, SYS_ID_AA64PFR0_EL1)), 0);
	VT_EXPECT(kvm_has_gicv5(kvm));
	VT_EXPECT(!kvm_has_gicv3(kvm));
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_private_irqs_are_v5_ppis)
{
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, NULL);
	struct kvm_vcpu *vcpu;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	for (int i = 0; i < VGIC_V5_NR_PRIVATE_IRQS; i++) {
		struct vgic_irq *irq = vgic_get_vcpu_irq(vcpu, vgic_v5_make_ppi(i));

		VT_ASSERT(irq == &vcpu->arch.vgic_cpu.private_irqs[i]);
		VT_EXPECT_EQ(irq->intid, vgic_v5_make_ppi(i));
		VT_EXPECT_EQ(irq->config, i == GICV5_ARCH_PPI_SW_PPI ?
			     VGIC_CONFIG_EDGE : VGIC_CONFIG_LEVEL);
		VT_EXPECT(irq->target_vcpu == vcpu);
		vgic_put_irq(kvm, irq);
	}
	/* PPI 64 and up are not backed */
	VT_EXPECT(!vgic_get_vcpu_irq(vcpu, vgic_v5_make_ppi(64)));
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_vcpu_created_after_device_gets_private_irqs)
{
	struct kvm_vcpu *vcpu;
	struct kvm *kvm = harness_vm_with(0, KVM_DEV_TYPE_ARM_VGIC_V5, NULL);

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vcpu_create(kvm, 7, &vcpu), 0);
	VT_ASSERT(vcpu->arch.vgic_cpu.private_irqs);
	VT_EXPECT_EQ(vcpu->arch.vgic_cpu.private_irqs[3].intid, vgic_v5_make_ppi(3));
	harness_vm_destroy(kvm);
}
