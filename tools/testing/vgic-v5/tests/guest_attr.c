// SPDX-License-Identifier: GPL-2.0
/*
 * The guest IRS's userspace ABI: KVM_DEV_ARM_VGIC_GRP_ADDR with
 * KVM_VGIC_V5_ADDR_TYPE_IRS, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, and the first
 * run's checks (gicv5-facts.md 6.3, 6.6, 6.10).
 */
#include "harness.h"
#include "vt.h"

#define IRS_BASE	HARNESS_V5_IRS_BASE

static int set_irs_base(struct kvm_device *dev, u64 base)
{
	return harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				KVM_VGIC_V5_ADDR_TYPE_IRS, &base);
}

static u64 get_irs_base(struct kvm_device *dev, int *ret)
{
	u64 base = 0x5a5a5a5a;

	*ret = harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				KVM_VGIC_V5_ADDR_TYPE_IRS, &base);
	return base;
}

static int set_nr_irqs(struct kvm_device *dev, u32 nr)
{
	return harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr);
}

static u32 get_nr_irqs(struct kvm_device *dev, int *ret)
{
	u32 nr = 0xdead;

	*ret = harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr);
	return nr;
}

VT_TEST(guest_irs_addr_get_before_set_is_undef)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	int ret;

	VT_ASSERT(kvm);
	VT_EXPECT_EQ(get_irs_base(dev, &ret), (u64)VGIC_ADDR_UNDEF);
	VT_EXPECT_EQ(ret, 0);
	VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS), 0);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_irs_addr_set_get_and_eexist)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	int ret;

	VT_ASSERT(kvm);
	VT_EXPECT_EQ(set_irs_base(dev, IRS_BASE), 0);
	VT_EXPECT_EQ(get_irs_base(dev, &ret), IRS_BASE);
	VT_EXPECT_EQ(ret, 0);
	/* A second set fails and changes nothing, whatever the value */
	VT_EXPECT_EQ(set_irs_base(dev, IRS_BASE + SZ_1M), -EEXIST);
	VT_EXPECT_EQ(set_irs_base(dev, IRS_BASE), -EEXIST);
	VT_EXPECT_EQ(get_irs_base(dev, &ret), IRS_BASE);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_irs_addr_bad_values)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	u64 ipa_size;
	int ret;

	VT_ASSERT(kvm);
	ipa_size = kvm_phys_size(&kvm->arch.mmu);
	/* 64 KiB alignment */
	VT_EXPECT_EQ(set_irs_base(dev, IRS_BASE + SZ_4K), -EINVAL);
	VT_EXPECT_EQ(set_irs_base(dev, IRS_BASE + SZ_32K), -EINVAL);
	VT_EXPECT_EQ(set_irs_base(dev, 1), -EINVAL);
	/* Wrapping */
	VT_EXPECT_EQ(set_irs_base(dev, ~0ULL << 16), -EINVAL);
	/* 128 KiB must fit in the IPA space */
	VT_EXPECT_EQ(set_irs_base(dev, ipa_size), -E2BIG);
	VT_EXPECT_EQ(set_irs_base(dev, ipa_size - SZ_64K), -E2BIG);
	/* None of that set anything */
	VT_EXPECT_EQ(get_irs_base(dev, &ret), (u64)VGIC_ADDR_UNDEF);
	/* The last 128 KiB of the IPA space is fine */
	VT_EXPECT_EQ(set_irs_base(dev, ipa_size - KVM_VGIC_V5_IRS_SIZE), 0);
	VT_EXPECT_EQ(get_irs_base(dev, &ret), ipa_size - KVM_VGIC_V5_IRS_SIZE);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_irs_addr_other_types_enxio)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	u64 base = IRS_BASE;
	u64 type;

	VT_ASSERT(kvm);
	for (type = KVM_VGIC_V2_ADDR_TYPE_DIST; type <= 16; type++) {
		if (type == KVM_VGIC_V5_ADDR_TYPE_IRS)
			continue;
		VT_EXPECT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR, type, &base),
			     -ENXIO);
		VT_EXPECT_EQ(harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR, type, &base),
			     -ENXIO);
		VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR, type), -ENXIO);
	}
	VT_EXPECT_EQ(base, IRS_BASE);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_irs_addr_efault)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	int ret;

	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS, NULL), -EFAULT);
	VT_EXPECT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS, HARNESS_BAD_UPTR), -EFAULT);
	VT_EXPECT_EQ(harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS, HARNESS_BAD_UPTR), -EFAULT);
	VT_EXPECT_EQ(get_irs_base(dev, &ret), (u64)VGIC_ADDR_UNDEF);
	harness_vm_destroy(kvm);
}

/* A v3 device knows nothing of the IRS */
VT_TEST(guest_irs_addr_on_v3_device_enxio)
{
	const struct harness_host host = { .type = GIC_V5, .gcie_legacy = true };
	struct kvm_device *dev;
	struct kvm *kvm;

	VT_ASSERT_EQ(harness_host_init(&host), 0);
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V3, &dev);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(set_irs_base(dev, IRS_BASE), -ENXIO);
	VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS), -ENXIO);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_irs_run_registers_the_frames)
{
	struct kvm *kvm = harness_v5_vm(2, true);
	struct kvm_vcpu *vcpu;
	u32 val = 0;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	VT_EXPECT(kvm->arch.vgic.ready);
	VT_EXPECT_EQ(harness_io_bus_regions(kvm), 1);
	VT_EXPECT_EQ(kvm->arch.vgic.dist_iodev.iodev_type, IODEV_IRS);
	/* Both 64 KiB frames are on the bus, nothing past them */
	VT_EXPECT_EQ(harness_mmio_guest_read(vcpu, IRS_BASE + GICV5_IRS_IIDR, 4, &val), 0);
	VT_EXPECT_EQ(val, 0x04b0043b);
	VT_EXPECT_EQ(harness_mmio_guest_read(vcpu, IRS_BASE + 0x1fffc, 4, &val), 0);
	VT_EXPECT_EQ(harness_mmio_guest_read(vcpu, IRS_BASE + 0x20000, 4, &val),
		     -EOPNOTSUPP);
	VT_EXPECT_EQ(harness_mmio_guest_read(vcpu, IRS_BASE - 4, 4, &val), -EOPNOTSUPP);
	/* The second vCPU's first run registers nothing more */
	VT_EXPECT_EQ(harness_vcpu_first_run(kvm_get_vcpu(kvm, 1)), 0);
	VT_EXPECT_EQ(harness_io_bus_regions(kvm), 1);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_irs_addr_after_run_eexist)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_device *dev;

	VT_ASSERT(kvm);
	dev = list_first_entry(&kvm->devices, struct kvm_device, vm_node);
	VT_EXPECT_EQ(set_irs_base(dev, IRS_BASE + SZ_1M), -EEXIST);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_nr_irqs_default_and_get)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	int ret;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
	VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0), 0);
	/* Neither set nor initialised: 0 */
	VT_EXPECT_EQ(get_nr_irqs(dev, &ret), 0);
	VT_EXPECT_EQ(ret, 0);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	/* The default, SPIs only */
	VT_EXPECT_EQ(get_nr_irqs(dev, &ret), 32);
	VT_EXPECT_EQ(kvm->arch.vgic.nr_spis, 32);
	/* An init that used the default counts as set */
	VT_EXPECT_EQ(set_nr_irqs(dev, 64), -EBUSY);
	VT_EXPECT_EQ(get_nr_irqs(dev, &ret), 32);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_nr_irqs_set_values)
{
	static const u32 good[] = { 32, 64, 96, 512, 992, 1024 };
	static const u32 bad[] = { 0, 1, 31, 33, 48, 63, 1000, 1023, 1025, 1056, 2048,
				   0x80000020, ~0U };

	for (int i = 0; i < ARRAY_SIZE(good); i++) {
		struct kvm_device *dev;
		struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
		int ret;

		VT_ASSERT(kvm);
		VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
		for (int j = 0; j < ARRAY_SIZE(bad); j++)
			VT_EXPECT_EQ(set_nr_irqs(dev, bad[j]), -EINVAL);
		VT_EXPECT_EQ(get_nr_irqs(dev, &ret), 0);
		VT_EXPECT_EQ(set_nr_irqs(dev, good[i]), 0);
		VT_EXPECT_EQ(get_nr_irqs(dev, &ret), good[i]);
		/* Set twice, even to the same value */
		VT_EXPECT_EQ(set_nr_irqs(dev, good[i]), -EBUSY);
		VT_EXPECT_EQ(set_nr_irqs(dev, 64), -EBUSY);
		VT_ASSERT_EQ(harness_vgic_init(dev), 0);
		VT_EXPECT_EQ(get_nr_irqs(dev, &ret), good[i]);
		VT_EXPECT_EQ(kvm->arch.vgic.nr_spis, good[i]);
		/* Every SPI exists, and no more */
		VT_EXPECT(vgic_get_irq(kvm, vgic_v5_make_spi(good[i] - 1)));
		VT_EXPECT(!vgic_get_irq(kvm, vgic_v5_make_spi(good[i])));
		harness_vm_destroy(kvm);
	}
}

VT_TEST(guest_nr_irqs_efault)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	int ret;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
	VT_EXPECT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, NULL), -EFAULT);
	VT_EXPECT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0,
				      HARNESS_BAD_UPTR), -EFAULT);
	VT_EXPECT_EQ(harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0,
				      HARNESS_BAD_UPTR), -EFAULT);
	/* Nothing was set */
	VT_EXPECT_EQ(get_nr_irqs(dev, &ret), 0);
	VT_EXPECT_EQ(set_nr_irqs(dev, 64), 0);
	harness_vm_destroy(kvm);
}

/* A failed CTRL_INIT leaves NR_IRQS settable */
VT_TEST(guest_nr_irqs_after_failed_init)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(0, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	int ret;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
	VT_EXPECT_EQ(harness_vgic_init(dev), -ENODEV);
	VT_EXPECT_EQ(get_nr_irqs(dev, &ret), 0);
	VT_EXPECT_EQ(kvm->arch.vgic.spis, NULL);
	VT_EXPECT_EQ(set_nr_irqs(dev, 128), 0);
	VT_EXPECT_EQ(get_nr_irqs(dev, &ret), 128);
	harness_vm_destroy(kvm);
}

/* Allocation failures in CTRL_INIT: nothing is left half set up */
VT_TEST(guest_nr_irqs_init_alloc_failure)
{
	for (int n = 1; n < 64; n++) {
		struct kvm_device *dev;
		struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
		bool injected;
		int ret;

		VT_ASSERT(kvm);
		VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
		VT_ASSERT_EQ(set_nr_irqs(dev, 256), 0);
		fault_inject_nth_alloc(n);
		ret = harness_vgic_init(dev);
		injected = fault_injected();
		fault_inject_nth_alloc(0);
		if (injected) {
			VT_EXPECT_EQ(ret, -ENOMEM);
			VT_EXPECT(!vgic_initialized(kvm));
			VT_EXPECT_EQ(get_nr_irqs(dev, &ret), 256);
			/* A retry works */
			VT_EXPECT_EQ(harness_vgic_init(dev), 0);
		} else {
			VT_EXPECT_EQ(ret, 0);
		}
		VT_EXPECT_EQ(kvm->arch.vgic.nr_spis, 256);
		harness_vm_destroy(kvm);
		if (!injected)
			return;
	}
	VT_EXPECT(0);
}
