// SPDX-License-Identifier: GPL-2.0
/*
 * The stock GICv3 vgic (vgic-v3.c, vgic-mmio-v3.c, vgic-its.c and
 * hyp/vgic-v3-sr.c, compiled unchanged), which "make bench" measures the
 * GICv5 paths against: these tests show that each reference path does the
 * work, so that a reference figure is not that of an error return. An SPI
 * from KVM_IRQ_LINE or an irqfd becomes pending, reads back in
 * GICD_ISPENDR, goes into an LR at guest entry (ICH_LR<n>_EL2 as the world
 * switch writes it) and is gone once the guest has taken it; an MSI through
 * the ITS is translated from the mappings the guest made with commands in
 * its queue, its LPI becomes pending, and the next MSI is served from the
 * translation cache.
 */
#include "harness.h"
#include "vt.h"
#include <linux/irqchip/arm-gic-v3.h>

#define DIST		HARNESS_V3_DIST_BASE
#define ITS_DB		(HARNESS_V3_ITS_BASE + GITS_TRANSLATER)
#define TABLES		0x40000000ULL
#define SPI_INTID	35			/* SPI 3 of the guest: pin 3 */
#define SPI_IRQ		harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, SPI_INTID)

/* The GICv3 hosts a v3 guest can have: GICv3, and GICv5's legacy interface */
static const struct harness_host v3_hosts[] = {
	{ .type = GIC_V3 },
	{ .type = GIC_V5, .gcie_legacy = true },
};

static u32 dist_rd(struct kvm *kvm, u32 off)
{
	u32 val = 0xdead;

	VT_EXPECT_EQ(harness_mmio_guest_read(kvm_get_vcpu(kvm, 0), DIST + off, 4, &val), 0);
	return val;
}

static void dist_wr(struct kvm *kvm, u32 off, u32 val)
{
	VT_EXPECT_EQ(harness_mmio_guest_write(kvm_get_vcpu(kvm, 0), DIST + off, 4, &val), 0);
}

/* The guest's GICv3 driver: the distributor and SPI_INTID enabled, edge or level */
static void spi_guest_setup(struct kvm *kvm, bool level)
{
	dist_wr(kvm, GICD_CTLR, GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_SS_G1);
	dist_wr(kvm, GICD_ICFGR + SPI_INTID / 16 * 4, (u32)!level << (SPI_INTID % 16 * 2 + 1));
	dist_wr(kvm, GICD_ISENABLER + SPI_INTID / 32 * 4, BIT(SPI_INTID % 32));
}

static bool spi_pending_in_gicd(struct kvm *kvm)
{
	return dist_rd(kvm, GICD_ISPENDR + SPI_INTID / 32 * 4) & BIT(SPI_INTID % 32);
}

/* A v3 VM of one vCPU on @host, after its first run, SPI_INTID set up by its guest */
static struct kvm *spi_vm(const struct harness_host *host, bool level)
{
	int ret = harness_host_init(host);
	struct kvm *kvm;

	VT_EXPECT_EQ(ret, 0);
	kvm = ret ? NULL : harness_v3_vm_dev(1, 0, false, true, NULL);
	if (kvm)
		spi_guest_setup(kvm, level);
	return kvm;
}

/* The IRQ is pending, queued on @vcpu's ap_list */
static bool queued_on(struct kvm *kvm, u32 intid, struct kvm_vcpu *vcpu)
{
	struct vgic_irq *irq = vgic_get_irq(kvm, intid);
	bool ret;

	if (!irq)
		return false;
	scoped_guard(raw_spinlock_irqsave, &irq->irq_lock)
		ret = irq_is_pending(irq) && irq->vcpu == vcpu &&
		      !list_empty(&vcpu->arch.vgic_cpu.ap_list_head);
	vgic_put_irq(kvm, irq);
	return ret;
}

/*
 * The guest side of one entry: ICH_LR0_EL2, as __vgic_v3_restore_state()
 * wrote it, holds the interrupt pending; the guest acknowledges it and
 * EOIs it (priority drop and deactivation: EOImode 0), which leaves the
 * LR invalid.
 */
static u64 lr_seen;

static void guest_takes_lr0(struct kvm_vcpu *vcpu)
{
	lr_seen = harness_sysreg_read(SYS_ICH_LR0_EL2, "SYS_ICH_LR0_EL2");
	harness_sysreg_write(SYS_ICH_LR0_EL2, "SYS_ICH_LR0_EL2", lr_seen & ~ICH_LR_STATE);
}

VT_TEST(gicv3_ref_host_probes_v3)
{
	const struct harness_host host = { .type = GIC_V3 };

	VT_ASSERT_EQ(harness_host_init(&host), 0);
	VT_EXPECT_EQ(kvm_vgic_global_state.type, VGIC_V3);
	VT_EXPECT(static_branch_unlikely(&kvm_vgic_global_state.gicv3_cpuif));
	/* HARNESS_V3_ICH_VTR: 4 LRs */
	VT_EXPECT_EQ(kvm_vgic_global_state.nr_lr, 4);
	VT_EXPECT(harness_device_type_known(KVM_DEV_TYPE_ARM_VGIC_V3));
	VT_EXPECT(harness_device_type_known(KVM_DEV_TYPE_ARM_VGIC_ITS));
	/* No GICv2 compatibility (SRE is RAO/WI), no GICv5 guests */
	VT_EXPECT(!harness_device_type_known(KVM_DEV_TYPE_ARM_VGIC_V2));
	VT_EXPECT(!harness_device_type_known(KVM_DEV_TYPE_ARM_VGIC_V5));
}

/* KVM_IRQ_LINE: pending, GICD_ISPENDR, the LR, gone once the guest took it */
VT_TEST(gicv3_ref_spi_irq_line_to_lr)
{
	for (int h = 0; h < ARRAY_SIZE(v3_hosts); h++) {
		struct kvm *kvm = spi_vm(&v3_hosts[h], false);
		struct kvm_vcpu *v0;

		VT_ASSERT(kvm);
		v0 = kvm_get_vcpu(kvm, 0);
		VT_EXPECT(!spi_pending_in_gicd(kvm));
		/* GICD_TYPER: 32 * (ITLinesNumber + 1) INTIDs, the default 224 SPIs */
		VT_EXPECT_EQ(dist_rd(kvm, GICD_TYPER) & 0x1f, 7);

		harness_events_clear();
		VT_ASSERT_EQ(harness_irq_line(kvm, SPI_IRQ, 1), 0);
		VT_EXPECT(queued_on(kvm, SPI_INTID, v0));
		VT_EXPECT_EQ(harness_vcpu_kicks(v0), 1);
		VT_EXPECT(spi_pending_in_gicd(kvm));

		harness_vcpu_load(v0);
		harness_vcpu_enter_exit(v0, guest_takes_lr0);
		VT_EXPECT_EQ(lr_seen & ICH_LR_VIRTUAL_ID_MASK, SPI_INTID);
		VT_EXPECT_EQ(lr_seen & ICH_LR_STATE, ICH_LR_PENDING_BIT);
		/* Taken: no longer pending, pruned from the ap_list */
		VT_EXPECT(!spi_pending_in_gicd(kvm));
		VT_EXPECT(list_empty(&v0->arch.vgic_cpu.ap_list_head));
		harness_vcpu_put(v0);
		harness_vm_destroy(kvm);
	}
}

/* A level SPI held high is pending again after the guest took it */
VT_TEST(gicv3_ref_level_spi_stays_pending)
{
	struct kvm *kvm = spi_vm(&v3_hosts[0], true);
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	VT_ASSERT_EQ(harness_irq_line(kvm, SPI_IRQ, 1), 0);
	harness_vcpu_load(v0);
	for (int i = 0; i < 3; i++) {
		harness_vcpu_enter_exit(v0, guest_takes_lr0);
		VT_EXPECT_EQ(lr_seen & ICH_LR_STATE, ICH_LR_PENDING_BIT);
		/* A level interrupt asks for the EOI maintenance interrupt */
		VT_EXPECT(lr_seen & ICH_LR_EOI);
		VT_EXPECT(queued_on(kvm, SPI_INTID, v0));
	}
	VT_ASSERT_EQ(harness_irq_line(kvm, SPI_IRQ, 0), 0);
	harness_vcpu_enter_exit(v0, NULL);
	VT_EXPECT(!spi_pending_in_gicd(kvm));
	VT_EXPECT(list_empty(&v0->arch.vgic_cpu.ap_list_head));
	harness_vcpu_put(v0);
	harness_vm_destroy(kvm);
}

/* irqfd's atomic path: the SPI is injected there, a lowering is deferred */
VT_TEST(gicv3_ref_irqfd_atomic)
{
	struct kvm_kernel_irq_routing_entry e = {};
	struct kvm *kvm = spi_vm(&v3_hosts[0], false);
	unsigned long flags;
	int ret;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_irqchip_route(kvm, &e, 3, SPI_INTID - 32), 0);

	local_irq_save(flags);
	ret = kvm_arch_set_irq_inatomic(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
	local_irq_restore(flags);
	VT_EXPECT_EQ(ret, 0);
	VT_EXPECT(queued_on(kvm, SPI_INTID, kvm_get_vcpu(kvm, 0)));
	VT_EXPECT(spi_pending_in_gicd(kvm));

	local_irq_save(flags);
	ret = kvm_arch_set_irq_inatomic(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 0, false);
	local_irq_restore(flags);
	VT_EXPECT_EQ(ret, -EWOULDBLOCK);
	harness_vm_destroy(kvm);
}

/*
 * The ITS: the guest maps device 5's event 3 to LPI 8292 on collection 1
 * (vCPU 1). The first MSI is translated (the atomic path, which only
 * looks in the cache, could not inject it before) and makes the LPI
 * pending on vCPU 1; once the guest took it, the next MSI goes through the
 * cache, atomically.
 */
VT_TEST(gicv3_ref_its_msi_translated_then_cached)
{
	struct kvm_kernel_irq_routing_entry e = harness_msi_devid_route(ITS_DB, 3, 5);
	const u32 lpi = 8192 + 100;

	for (int h = 0; h < ARRAY_SIZE(v3_hosts); h++) {
		struct kvm_vcpu *v1;
		unsigned long flags;
		struct kvm *kvm;
		int ret;

		VT_ASSERT_EQ(harness_host_init(&v3_hosts[h]), 0);
		kvm = harness_v3_vm_dev(2, 0, true, true, NULL);
		VT_ASSERT(kvm);
		v1 = kvm_get_vcpu(kvm, 1);
		harness_v3_its_guest_init(kvm, 1, TABLES);
		harness_v3_its_mapd(kvm, 5, 10);
		harness_v3_its_mapti(kvm, 5, 3, lpi, 1);
		VT_EXPECT(!queued_on(kvm, lpi, v1));

		local_irq_save(flags);
		ret = kvm_arch_set_irq_inatomic(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
		local_irq_restore(flags);
		VT_EXPECT_EQ(ret, -EWOULDBLOCK);
		VT_EXPECT(!queued_on(kvm, lpi, v1));

		/* KVM_SIGNAL_MSI: a DeviceID is required, then translated */
		VT_EXPECT_EQ(harness_msi(kvm, ITS_DB, 3), -EINVAL);
		VT_EXPECT_EQ(harness_msi_devid(kvm, ITS_DB, 4, 5), 0);	/* unmapped event */
		VT_EXPECT(!queued_on(kvm, lpi, v1));
		VT_EXPECT_EQ(harness_msi_devid(kvm, ITS_DB, 3, 5), 1);
		VT_EXPECT(queued_on(kvm, lpi, v1));

		harness_set_this_cpu(1);
		harness_vcpu_load(v1);
		harness_vcpu_enter_exit(v1, guest_takes_lr0);
		VT_EXPECT_EQ(lr_seen & ICH_LR_VIRTUAL_ID_MASK, lpi);
		VT_EXPECT(!queued_on(kvm, lpi, v1));

		local_irq_save(flags);
		ret = kvm_arch_set_irq_inatomic(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
		local_irq_restore(flags);
		VT_EXPECT_EQ(ret, 0);
		VT_EXPECT(queued_on(kvm, lpi, v1));
		harness_vcpu_put(v1);
		harness_set_this_cpu(0);
		harness_vm_destroy(kvm);
	}
}
