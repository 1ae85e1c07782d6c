// SPDX-License-Identifier: GPL-2.0
/*
 * GICv5 VMs without an IRS: a VMM that never sets KVM_VGIC_V5_ADDR_TYPE_IRS
 * (every 7.3 VMM) gets the PPI-only VM of stock 7.3, and hosts whose IRS KVM
 * cannot use still offer such VMs.
 */
#include "harness.h"
#include "vt.h"

#include "gicv5_model.h"

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

static int spi_line(struct kvm *kvm, u32 n, bool level)
{
	return harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, n), level);
}

static int sw_ppi_line(struct kvm *kvm, u32 vcpu_id, bool level)
{
	return harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_PPI, vcpu_id,
						     GICV5_ARCH_PPI_SW_PPI), level);
}

/* Nothing of the VM in the host IRS, and no IRS frame on the MMIO bus */
static void expect_ppi_only(struct kvm *kvm)
{
	VT_EXPECT(!kvm->arch.vgic.gicv5_vm.irs);
	VT_EXPECT_EQ(kvm->arch.vgic.nr_spis, 0);
	VT_EXPECT(!kvm->arch.vgic.spis);
	VT_EXPECT_EQ(harness_valid_vms(), 0);
	VT_EXPECT_EQ(harness_io_bus_regions(kvm), 0);
}

/* A PPI-only VM, as a 7.3 VMM makes it: device, CTRL_INIT, run */
VT_TEST(ppi_only_vm_runs_without_irs_address)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(2, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	struct kvm_vcpu *vcpu;
	unsigned long i;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT(vgic_initialized(kvm));
	kvm_for_each_vcpu(i, vcpu, kvm) {
		VT_EXPECT_EQ(harness_vcpu_first_run(vcpu), 0);
		/* 16 ID bits, as stock: no LPI for ICC_IDR0_EL1 to cover */
		VT_EXPECT_EQ(vcpu->arch.vgic_cpu.num_id_bits, ICC_IDR0_EL1_ID_BITS_16BITS);
	}
	VT_EXPECT(kvm->arch.vgic.ready);
	VT_EXPECT(!kvm->vm_dead);
	expect_ppi_only(kvm);
	/* The SW_PPI works as on stock */
	VT_EXPECT_EQ(sw_ppi_line(kvm, 1, true), 0);
	VT_EXPECT(vgic_get_vcpu_irq(kvm_get_vcpu(kvm, 1),
				    vgic_v5_make_ppi(GICV5_ARCH_PPI_SW_PPI))->pending_latch);
	harness_vm_destroy(kvm);
}

/* Residency: the vPE never goes to the host IRS, no doorbell is made */
VT_TEST(ppi_only_vm_has_no_host_irs_state)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(2, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	struct kvm_vcpu *vcpu;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	vcpu = kvm_get_vcpu(kvm, 1);
	VT_ASSERT_EQ(harness_vcpu_first_run(vcpu), 0);
	harness_events_clear();
	harness_vcpu_load(vcpu);
	vcpu_set_flag(vcpu, IN_WFI);
	harness_vcpu_put(vcpu);
	vcpu_clear_flag(vcpu, IN_WFI);
	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, "__vgic_v5_make_resident", 0, NULL), 0);
	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, "__vgic_v5_make_non_resident", 0, NULL), 0);
	VT_EXPECT_EQ(vcpu->arch.vgic_cpu.vgic_v5.db_irq, 0);
	VT_EXPECT_EQ(gm_read_contextr(harness_gm(), smp_processor_id()), 0);
	expect_ppi_only(kvm);
	harness_vm_destroy(kvm);
}

/* Stock 7.3 initialises a v5 VGIC without vCPUs */
VT_TEST(ppi_only_ctrl_init_without_vcpus)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(0, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);

	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT(vgic_initialized(kvm));
	expect_ppi_only(kvm);
	harness_vm_destroy(kvm);
}

/* KVM_IRQ_LINE of an SPI: no SPI, -EINVAL as on stock */
VT_TEST(ppi_only_irq_line_spi_einval)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);

	VT_ASSERT(kvm);
	/* No lazy init, as on stock */
	VT_EXPECT_EQ(spi_line(kvm, 0, true), -EBUSY);
	VT_EXPECT(!vgic_initialized(kvm));
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT_EQ(spi_line(kvm, 0, true), -EINVAL);
	VT_EXPECT_EQ(spi_line(kvm, 31, true), -EINVAL);
	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, "__vgic_v5_vdpend", 0, NULL), 0);
	VT_EXPECT_EQ(harness_vcpu_kicks(kvm_get_vcpu(kvm, 0)), 0);
	expect_ppi_only(kvm);
	harness_vm_destroy(kvm);
}

/* irqfd: no default route, an irqchip route reaches no SPI, no MSI at all */
VT_TEST(ppi_only_irqfd_and_msi)
{
	const struct kvm_irq_routing_entry ue[] = {
		{ .gsi = 5, .type = KVM_IRQ_ROUTING_IRQCHIP,
		  .u.irqchip = { .irqchip = 0, .pin = 0 } },
		{ .gsi = 6, .type = KVM_IRQ_ROUTING_MSI,
		  .u.msi = { .address_lo = (u32)(HARNESS_V5_IRS_BASE + 0x10000),
			     .data = 8192 } },
	};
	struct kvm_kernel_irq_routing_entry e = {
		.msi = { .address_lo = (u32)(HARNESS_V5_IRS_BASE + 0x10000),
			 .data = 8192 },
	};
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	/* The default routing has a GSI per SPI: none */
	VT_EXPECT_EQ(harness_set_irq(kvm, 0, 1), -1);
	VT_ASSERT_EQ(kvm_set_irq_routing(kvm, ue, ARRAY_SIZE(ue), 0), 0);
	VT_EXPECT_EQ(harness_set_irq(kvm, 5, 1), -EINVAL);
	/* No ITS and no SETLPI frame: KVM_SIGNAL_MSI is -ENODEV as on stock */
	VT_EXPECT_EQ(kvm_set_msi(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false), -ENODEV);
	VT_EXPECT_EQ(harness_set_irq(kvm, 6, 1), -ENODEV);
	VT_EXPECT_EQ(kvm_arch_set_irq_inatomic(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1,
					       false), -EWOULDBLOCK);
	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, "__vgic_v5_vdpend", 0, NULL), 0);
	expect_ppi_only(kvm);
	harness_vm_destroy(kvm);
}

/*
 * NR_IRQS is new with the IRS: a VM that sets it but no IRS address has
 * SPIs nothing can configure, and CTRL_INIT says so.
 */
VT_TEST(ppi_only_nr_irqs_needs_irs_address)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	int ret;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(set_nr_irqs(dev, 64), 0);
	VT_EXPECT_EQ(harness_vgic_init(dev), -ENXIO);
	VT_EXPECT(!vgic_initialized(kvm));
	VT_EXPECT_EQ(harness_valid_vms(), 0);
	/* Given the address, the same VM initialises with its IRS */
	VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT_EQ(get_nr_irqs(dev, &ret), 64);
	VT_EXPECT_EQ(harness_valid_vms(), 1);
	harness_vm_destroy(kvm);

	/* A PPI-only VM has no SPI */
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT_EQ(get_nr_irqs(dev, &ret), 0);
	VT_EXPECT_EQ(ret, 0);
	VT_EXPECT_EQ(set_nr_irqs(dev, 64), -EBUSY);
	expect_ppi_only(kvm);
	harness_vm_destroy(kvm);
}

/* The VGIC is initialised with an IRS or without: no IRS address after */
VT_TEST(ppi_only_irs_address_after_init_ebusy)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	u64 base = 0;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT_EQ(harness_v5_set_irs(dev), -EBUSY);
	VT_EXPECT_EQ(harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS, &base), 0);
	VT_EXPECT_EQ(base, (u64)VGIC_ADDR_UNDEF);
	VT_EXPECT_EQ(harness_vcpu_first_run(kvm_get_vcpu(kvm, 0)), 0);
	expect_ppi_only(kvm);
	harness_vm_destroy(kvm);
}

/*
 * The vCPU limit of a PPI-only VM is stock's; the host's VPE IDs limit
 * vcpu_ids only once the VM has an IRS address. 8 VPEs here.
 */
VT_TEST(ppi_only_vcpu_limit_is_stock)
{
	struct gm_caps caps = gm_caps_default();
	struct harness_host host = { .type = GIC_V5, .irs = &caps };
	struct kvm_device *dev;
	struct kvm *kvm;

	caps.vpe_id_bits = 2;
	VT_ASSERT_EQ(harness_host_init(&host), 0);

	/* PPI-only: vcpu_id 8 and beyond are fine */
	kvm = harness_vm_with(0, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(kvm->max_vcpus, VGIC_V5_MAX_CPUS);
	VT_EXPECT_EQ(harness_vcpu_create(kvm, 8, NULL), 0);
	VT_EXPECT_EQ(harness_vcpu_create(kvm, VGIC_V5_MAX_CPUS - 1, NULL), 0);
	VT_EXPECT_EQ(harness_vcpu_create(kvm, VGIC_V5_MAX_CPUS, NULL), -EINVAL);
	/* ... but such a VM cannot get an IRS */
	VT_EXPECT_EQ(harness_v5_set_irs(dev), -E2BIG);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT_EQ(harness_vcpu_first_run(kvm_get_vcpu_by_id(kvm, 8)), 0);
	expect_ppi_only(kvm);
	harness_vm_destroy(kvm);

	/* A vCPU created before the device with a big ID: stock takes it */
	kvm = harness_vm_with(0, 0, NULL);
	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vcpu_create(kvm, 9, NULL), 0);
	VT_EXPECT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5, &dev), 0);
	VT_EXPECT_EQ(harness_v5_set_irs(dev), -E2BIG);
	harness_vm_destroy(kvm);

	/* With the IRS: limit - 1 works, the limit is -EINVAL */
	kvm = harness_vm_with(0, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vcpu_create(kvm, 3, NULL), 0);
	VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
	VT_EXPECT_EQ(kvm->max_vcpus, 8);
	VT_EXPECT_EQ(harness_vcpu_create(kvm, 8, NULL), -EINVAL);
	VT_EXPECT_EQ(harness_vcpu_create(kvm, 7, NULL), 0);
	VT_EXPECT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT_EQ(harness_valid_vms(), 1);
	for (u32 vm = 0; vm < 4; vm++) {
		if (gm_vm_valid(harness_gm(), vm)) {
			VT_EXPECT(gm_vpe_valid(harness_gm(), vm, 7));
			VT_EXPECT(gm_vpe_valid(harness_gm(), vm, 3));
		}
	}
	harness_vm_destroy(kvm);
}

/* A host whose IRS KVM cannot use: PPI-only v5 guests, no IRS attributes */
static void expect_ppi_only_host(void)
{
	struct kvm_device *dev;
	struct kvm *kvm;
	u64 base = HARNESS_V5_IRS_BASE;
	u32 nr = 64;

	kvm = harness_vm_with(2, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(kvm->max_vcpus, VGIC_V5_MAX_CPUS);
	VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS), -ENXIO);
	VT_EXPECT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS, &base), -ENXIO);
	VT_EXPECT_EQ(harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS, &base), -ENXIO);
	VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0), -ENXIO);
	VT_EXPECT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr), -ENXIO);
	VT_EXPECT_EQ(harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr), -ENXIO);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT_EQ(harness_vcpu_first_run(kvm_get_vcpu(kvm, 0)), 0);
	VT_EXPECT_EQ(sw_ppi_line(kvm, 0, true), 0);
	VT_EXPECT_EQ(spi_line(kvm, 0, true), -EINVAL);
	expect_ppi_only(kvm);
	harness_vm_destroy(kvm);
}

VT_TEST(ppi_only_host_without_irs_for_kvm)
{
	struct harness_host host = { .type = GIC_V5, .no_irs = true };

	VT_ASSERT_EQ(harness_host_init(&host), 0);
	expect_ppi_only_host();
}

VT_TEST(ppi_only_host_irs_without_virt)
{
	struct gm_caps caps = gm_caps_default();
	struct harness_host host = { .type = GIC_V5, .gcie_legacy = true, .irs = &caps };
	struct kvm *kvm;

	caps.virt = false;
	VT_ASSERT_EQ(harness_host_init(&host), 0);
	VT_EXPECT(!gm_vmt_valid(harness_gm()));
	expect_ppi_only_host();
	/* GICv3 guests still work */
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V3, NULL);
	VT_ASSERT(kvm);
	harness_vm_destroy(kvm);
}

/*
 * No lazy initialisation for GICv5, with or without an IRS, as stock 7.3
 * (vgic_lazy_init() only initialises a GICv2): the first KVM_RUN and
 * KVM_IRQ_LINE fail with -EBUSY until CTRL_INIT, as documented.
 */
VT_TEST(v5_no_lazy_init_on_run_or_irq_line)
{
	for (int irs = 0; irs < 2; irs++) {
		struct kvm_device *dev;
		struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);

		VT_ASSERT(kvm);
		if (irs)
			VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
		VT_EXPECT_EQ(sw_ppi_line(kvm, 0, true), -EBUSY);
		VT_EXPECT_EQ(spi_line(kvm, 0, true), -EBUSY);
		VT_EXPECT(!vgic_initialized(kvm));
		VT_EXPECT_EQ(harness_vcpu_first_run(kvm_get_vcpu(kvm, 0)), -EBUSY);
		VT_EXPECT(!vgic_initialized(kvm));
		VT_EXPECT_EQ(harness_valid_vms(), 0);
		/* As for every map_resources failure, the VM is dead */
		VT_EXPECT(kvm->vm_dead);
		harness_vm_destroy(kvm);
	}
}

/* The VPE limit exactly: vcpu_id limit - 1 takes an IRS, vcpu_id limit not */
VT_TEST(irs_address_vcpu_id_at_the_vpe_limit)
{
	struct gm_caps caps = gm_caps_default();
	struct harness_host host = { .type = GIC_V5, .irs = &caps };
	struct kvm_device *dev;
	struct kvm *kvm;

	caps.vpe_id_bits = 2;		/* 8 VPEs */
	VT_ASSERT_EQ(harness_host_init(&host), 0);
	for (int id = 7; id <= 8; id++) {
		kvm = harness_vm_with(0, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
		VT_ASSERT(kvm);
		VT_ASSERT_EQ(harness_vcpu_create(kvm, id, NULL), 0);
		VT_EXPECT_EQ(harness_v5_set_irs(dev), id < 8 ? 0 : -E2BIG);
		VT_EXPECT_EQ(harness_vgic_init(dev), 0);
		VT_EXPECT_EQ(harness_valid_vms(), id < 8 ? 1 : 0);
		harness_vm_destroy(kvm);
	}
}

/* On a host with 24-bit IDs, a PPI-only VM still reports 16, as stock */
VT_TEST(ppi_only_vm_has_16_id_bits_on_a_24_bit_host)
{
	struct kvm_device *dev;
	struct kvm *kvm;

	harness_sysreg_write(SYS_ICC_IDR0_EL1, "SYS_ICC_IDR0_EL1",
			     FIELD_PREP(ICC_IDR0_EL1_ID_BITS, ICC_IDR0_EL1_ID_BITS_24BITS) |
			     FIELD_PREP(ICC_IDR0_EL1_PRI_BITS, ICC_IDR0_EL1_PRI_BITS_5BITS));
	for (int irs = 0; irs < 2; irs++) {
		kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
		VT_ASSERT(kvm);
		if (irs)
			VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
		VT_ASSERT_EQ(harness_vgic_init(dev), 0);
		/* The default host IRS backs 24-bit LPIs: an IRS VM gets 24 */
		VT_EXPECT_EQ(kvm_get_vcpu(kvm, 0)->arch.vgic_cpu.num_id_bits,
			     irs ? ICC_IDR0_EL1_ID_BITS_24BITS : ICC_IDR0_EL1_ID_BITS_16BITS);
		harness_vm_destroy(kvm);
	}
}
