// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_DEV_ARM_VGIC_GRP_CTRL and the attribute groups of the v5 device
 * (vgic_v5_{set,get,has}_attr() in vgic-kvm-device.c).
 */
#include "harness.h"
#include "vt.h"

VT_TEST(vgic_v5_ctrl_init)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(2, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	struct kvm_vcpu *vcpu;
	unsigned long i;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT(vgic_initialized(kvm));
	/* vgic_v5_reset() for every vCPU */
	kvm_for_each_vcpu(i, vcpu, kvm) {
		VT_EXPECT_EQ(vcpu->arch.vgic_cpu.num_id_bits, ICC_IDR0_EL1_ID_BITS_16BITS);
		VT_EXPECT_EQ(vcpu->arch.vgic_cpu.num_pri_bits, 5);
	}
	/* A second CTRL_INIT is a no-op */
	VT_EXPECT_EQ(harness_vgic_init(dev), 0);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_ctrl_init_no_vcpus_enodev)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(0, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	int ret;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
	ret = harness_vgic_init(dev);
	VT_EXPECT(!vgic_initialized(kvm));
	harness_vm_destroy(kvm);
	/* gicv5-facts.md 6.10 */
	VT_EXPECT_EQ(ret, -ENODEV);
}

VT_TEST(vgic_v5_vcpu_create_after_init_ebusy)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT_EQ(harness_vcpu_create(kvm, 1, NULL), -EBUSY);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_ctrl_init_nested_virt_einval)
{
	const struct harness_host host = { .type = GIC_V5, .nested_virt = true };
	struct kvm_device *dev;
	struct kvm *kvm;

	VT_ASSERT_EQ(harness_host_init(&host), 0);
	kvm = harness_vm_with(2, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(kvm);
	/* KVM_ARM_VCPU_INIT with KVM_ARM_VCPU_HAS_EL2 sets the VM feature */
	__set_bit(KVM_ARM_VCPU_HAS_EL2, kvm->arch.vcpu_features);
	VT_EXPECT_EQ(harness_vgic_init(dev), -EINVAL);
	VT_EXPECT(!vgic_initialized(kvm));
	/* Without the feature the same VM initialises */
	__clear_bit(KVM_ARM_VCPU_HAS_EL2, kvm->arch.vcpu_features);
	VT_EXPECT_EQ(harness_vgic_init(dev), 0);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_userspace_ppis_get)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	u64 ppis[2] = { ~0ULL, ~0ULL };

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_ASSERT_EQ(harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_CTRL,
				      KVM_DEV_ARM_VGIC_USERSPACE_PPIS, ppis), 0);
	VT_EXPECT_EQ(ppis[0], BIT_ULL(GICV5_ARCH_PPI_SW_PPI));
	VT_EXPECT_EQ(ppis[1], 0);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_userspace_ppis_set_enxio)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	u64 ppis[2] = { 0, 0 };

	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_CTRL,
				      KVM_DEV_ARM_VGIC_USERSPACE_PPIS, ppis), -ENXIO);
	/* CTRL_INIT has no get */
	VT_EXPECT_EQ(harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_CTRL,
				      KVM_DEV_ARM_VGIC_CTRL_INIT, ppis), -ENXIO);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_userspace_ppis_bad_pointer_efault)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT_EQ(harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_CTRL,
				      KVM_DEV_ARM_VGIC_USERSPACE_PPIS, NULL), -EFAULT);
	VT_EXPECT_EQ(harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_CTRL,
				      KVM_DEV_ARM_VGIC_USERSPACE_PPIS,
				      HARNESS_BAD_UPTR), -EFAULT);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_has_attr)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	static const u32 enxio_groups[] = {
		KVM_DEV_ARM_VGIC_GRP_DIST_REGS, KVM_DEV_ARM_VGIC_GRP_CPU_REGS,
		KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
		KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, KVM_DEV_ARM_VGIC_GRP_ITS_REGS,
		KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ,
	};

	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_CTRL,
				      KVM_DEV_ARM_VGIC_CTRL_INIT), 0);
	VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_CTRL,
				      KVM_DEV_ARM_VGIC_USERSPACE_PPIS), 0);
	VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_CTRL,
				      KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES), -ENXIO);
	for (int i = 0; i < ARRAY_SIZE(enxio_groups); i++)
		VT_EXPECT_EQ(harness_has_attr(dev, enxio_groups[i], 0), -ENXIO);
	/* GRP_ADDR: the IRS only; NR_IRQS (guest_attr.c) */
	VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS), 0);
	VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V3_ADDR_TYPE_DIST), -ENXIO);
	VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0), 0);
	/* has_attr answers what set/get accept: the v2/v3-only attrs are refused */
	VT_EXPECT_EQ(harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V3_ADDR_TYPE_DIST, NULL), -ENXIO);
	VT_EXPECT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ, 0, NULL), -ENXIO);
	harness_vm_destroy(kvm);
}
