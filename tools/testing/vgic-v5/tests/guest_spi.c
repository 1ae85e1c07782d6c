// SPDX-License-Identifier: GPL-2.0
/*
 * GICv5 SPIs: KVM_IRQ_LINE and irqfd (IRQCHIP routes) with 0-based SPI
 * numbers, edge and level semantics, and the hand-over of pending state to
 * the host IRS with GIC VDPEND (gicv5-facts.md 1.3, 5.3, 6.7, 6.8).
 *
 * GIC VDPEND is observed as the system instruction write it is (operand:
 * PENDING bit 63, VM bits [47:32], INTID bits [31:0]).
 */
#include "harness.h"
#include "vt.h"

static struct kvm *spi_vm(u32 nr_spis)
{
	struct kvm *kvm = harness_v5_vm_dev(2, nr_spis, false, NULL);

	harness_events_clear();
	return kvm;
}

static int spi_line(struct kvm *kvm, u32 spi, bool level)
{
	return harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, spi), level);
}

static void set_level(struct kvm *kvm, u32 spi)
{
	struct vgic_irq *irq = vgic_get_irq(kvm, vgic_v5_make_spi(spi));

	scoped_guard(raw_spinlock_irqsave, &irq->irq_lock)
		irq->config = VGIC_CONFIG_LEVEL;
}

VT_TEST(guest_spi_storage)
{
	struct kvm *kvm = spi_vm(64);

	VT_ASSERT(kvm);
	for (u32 n = 0; n < 64; n++) {
		struct vgic_irq *irq = vgic_get_irq(kvm, vgic_v5_make_spi(n));

		VT_ASSERT(irq);
		VT_EXPECT_EQ(irq, &kvm->arch.vgic.spis[n]);
		VT_EXPECT(is_v5_type(GICV5_HWIRQ_TYPE_SPI, irq->intid));
		VT_EXPECT_EQ(vgic_v5_get_hwirq_id(irq->intid), n);
		VT_EXPECT_EQ(irq->config, VGIC_CONFIG_EDGE);
		VT_EXPECT(!irq->pending_latch && !irq->line_level);
		VT_EXPECT(vgic_valid_spi(kvm, irq->intid));
	}
	/* Not ours: beyond nr_spis, other types, v2/v3 numbering */
	VT_EXPECT(!vgic_get_irq(kvm, vgic_v5_make_spi(64)));
	VT_EXPECT(!vgic_get_irq(kvm, vgic_v5_make_spi(0xffffff)));
	VT_EXPECT(!vgic_get_irq(kvm, vgic_v5_make_lpi(0)));
	VT_EXPECT(!vgic_get_irq(kvm, 32));
	VT_EXPECT(!vgic_get_irq(kvm, 0));
	harness_vm_destroy(kvm);
}

VT_TEST(guest_spi_irq_line_range)
{
	struct kvm *kvm = spi_vm(0);

	VT_ASSERT(kvm);
	/* 0-based: SPI 0 is a valid SPI, 31 the last of the default 32 */
	VT_EXPECT_EQ(spi_line(kvm, 0, true), 0);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(0), 1);
	VT_EXPECT_EQ(spi_line(kvm, 31, true), 0);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(31), 1);
	VT_EXPECT_EQ(spi_line(kvm, 32, true), -EINVAL);
	VT_EXPECT_EQ(spi_line(kvm, 1023, true), -EINVAL);
	VT_EXPECT_EQ(spi_line(kvm, 0xffff, false), -EINVAL);
	HARNESS_EXPECT_NO_VDPEND();
	/* The vCPU fields are ignored for SPIs */
	VT_EXPECT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0xfff, 7),
				      true), 0);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(7), 1);
	/* No kick: the IRS delivers (and rings doorbells) itself */
	VT_EXPECT_EQ(harness_vcpu_kicks(kvm_get_vcpu(kvm, 0)), 0);
	VT_EXPECT_EQ(harness_vcpu_kicks(kvm_get_vcpu(kvm, 1)), 0);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_spi_irq_line_before_init_ebusy)
{
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, NULL);

	VT_ASSERT(kvm);
	VT_EXPECT_EQ(spi_line(kvm, 0, true), -EBUSY);
	HARNESS_EXPECT_NO_VDPEND();
	harness_vm_destroy(kvm);
}

/* An edge stays pending once raised: the guest clears it by taking it */
VT_TEST(guest_spi_edge)
{
	struct kvm *kvm = spi_vm(0);
	struct vgic_irq *irq;

	VT_ASSERT(kvm);
	irq = vgic_get_irq(kvm, vgic_v5_make_spi(5));
	VT_EXPECT_EQ(spi_line(kvm, 5, true), 0);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(5), 1);
	/* Handed over to the IRS: KVM keeps no latch, only the line */
	VT_EXPECT(!irq->pending_latch);
	VT_EXPECT(irq->line_level);
	/* Lowering the line does not clear it */
	VT_EXPECT_EQ(spi_line(kvm, 5, false), 0);
	HARNESS_EXPECT_NO_VDPEND();
	VT_EXPECT(!irq->line_level);
	/* Every rising edge is an interrupt */
	VT_EXPECT_EQ(spi_line(kvm, 5, true), 0);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(5), 1);
	VT_EXPECT_EQ(spi_line(kvm, 5, true), 0);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(5), 1);
	harness_vm_destroy(kvm);
}

/* A level follows the line: VDPEND 1 on raise, 0 on lower */
VT_TEST(guest_spi_level)
{
	struct kvm *kvm = spi_vm(0);
	struct vgic_irq *irq;

	VT_ASSERT(kvm);
	set_level(kvm, 9);
	irq = vgic_get_irq(kvm, vgic_v5_make_spi(9));
	VT_EXPECT_EQ(spi_line(kvm, 9, true), 0);
	VT_EXPECT(irq->line_level);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(9), 1);
	/* No change, nothing to tell the IRS */
	VT_EXPECT_EQ(spi_line(kvm, 9, true), 0);
	HARNESS_EXPECT_NO_VDPEND();
	VT_EXPECT_EQ(spi_line(kvm, 9, false), 0);
	VT_EXPECT(!irq->line_level);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(9), 0);
	VT_EXPECT_EQ(spi_line(kvm, 9, false), 0);
	HARNESS_EXPECT_NO_VDPEND();
	VT_EXPECT(!irq->pending_latch);
	harness_vm_destroy(kvm);
}

/* The trigger mode is the one the guest writes to IRS_SPI_CFGR */
VT_TEST(guest_spi_trigger_mode_from_spi_cfgr)
{
	struct kvm *kvm = spi_vm(0);
	struct kvm_vcpu *vcpu;
	u32 val;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vcpu_first_run(kvm_get_vcpu(kvm, 0)), 0);
	vcpu = kvm_get_vcpu(kvm, 1);
	val = 12;
	VT_ASSERT_EQ(harness_mmio_guest_write(vcpu, HARNESS_V5_IRS_BASE + GICV5_IRS_SPI_SELR,
					      4, &val), 0);
	val = GICV5_IRS_SPI_CFGR_TM;
	VT_ASSERT_EQ(harness_mmio_guest_write(vcpu, HARNESS_V5_IRS_BASE + GICV5_IRS_SPI_CFGR,
					      4, &val), 0);
	harness_events_clear();
	VT_EXPECT_EQ(spi_line(kvm, 12, true), 0);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(12), 1);
	VT_EXPECT_EQ(spi_line(kvm, 12, false), 0);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(12), 0);
	/* SPI 13 is still edge */
	VT_EXPECT_EQ(spi_line(kvm, 13, true), 0);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(13), 1);
	VT_EXPECT_EQ(spi_line(kvm, 13, false), 0);
	HARNESS_EXPECT_NO_VDPEND();
	harness_vm_destroy(kvm);
}

/* An in-kernel owner drives its SPI; userspace cannot */
VT_TEST(guest_spi_owner)
{
	struct kvm *kvm = spi_vm(0);
	struct kvm_vcpu *vcpu;
	u32 spi = vgic_v5_make_spi(4);
	int owner;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	VT_EXPECT_EQ(kvm_vgic_set_owner(vcpu, spi, &owner), 0);
	VT_EXPECT_EQ(kvm_vgic_set_owner(vcpu, spi, &kvm), -EEXIST);
	VT_EXPECT_EQ(kvm_vgic_set_owner(vcpu, vgic_v5_make_spi(32), &owner), -EINVAL);
	VT_EXPECT_EQ(spi_line(kvm, 4, true), 0);
	HARNESS_EXPECT_NO_VDPEND();
	VT_EXPECT_EQ(kvm_vgic_inject_irq(kvm, NULL, spi, true, &owner), 0);
	HARNESS_EXPECT_ONE_VDPEND(spi, 1);
	harness_vm_destroy(kvm);
}

/* Default routing: GSI N -> pin N -> SPI N, for N < nr_spis */
VT_TEST(guest_spi_irqfd_default_routing)
{
	struct kvm *kvm = spi_vm(64);

	VT_ASSERT(kvm);
	for (u32 gsi = 0; gsi < 64; gsi += 21) {
		VT_EXPECT_EQ(harness_set_irq(kvm, gsi, 1), 0);
		HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(gsi), 1);
	}
	/* No route past nr_spis */
	VT_EXPECT_EQ(harness_set_irq(kvm, 64, 1), -1);
	HARNESS_EXPECT_NO_VDPEND();
	harness_vm_destroy(kvm);
}

VT_TEST(guest_spi_irqfd_pins)
{
	struct kvm_irq_routing_entry e[3] = {
		{ .gsi = 0, .type = KVM_IRQ_ROUTING_IRQCHIP, .u.irqchip = { 0, 1023 } },
		{ .gsi = 1, .type = KVM_IRQ_ROUTING_IRQCHIP, .u.irqchip = { 0, 0 } },
		{ .gsi = 2, .type = KVM_IRQ_ROUTING_IRQCHIP, .u.irqchip = { 0, 40 } },
	};
	struct kvm *kvm = spi_vm(1024);

	VT_ASSERT(kvm);
	/* 1024 pins, SPI N = pin N */
	VT_ASSERT_EQ(kvm_set_irq_routing(kvm, e, 3, 0), 0);
	VT_EXPECT_EQ(harness_set_irq(kvm, 0, 1), 0);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(1023), 1);
	VT_EXPECT_EQ(harness_set_irq(kvm, 1, 1), 0);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(0), 1);
	e[0].u.irqchip.pin = 1024;
	VT_EXPECT_EQ(kvm_set_irq_routing(kvm, e, 3, 0), -EINVAL);
	e[0].u.irqchip.pin = 1023;
	e[0].u.irqchip.irqchip = 1;
	VT_EXPECT_EQ(kvm_set_irq_routing(kvm, e, 3, 0), -EINVAL);
	harness_vm_destroy(kvm);

	/* A pin past nr_spis can be routed, but injects nothing */
	kvm = spi_vm(32);
	VT_ASSERT(kvm);
	e[0].u.irqchip.irqchip = 0;
	VT_ASSERT_EQ(kvm_set_irq_routing(kvm, e, 3, 0), 0);
	VT_EXPECT_EQ(harness_set_irq(kvm, 2, 1), -EINVAL);
	VT_EXPECT_EQ(harness_set_irq(kvm, 0, 1), -EINVAL);
	HARNESS_EXPECT_NO_VDPEND();
	harness_vm_destroy(kvm);
}

/* v2/v3 keep their 988 pins */
VT_TEST(guest_spi_irqfd_v3_pin_limit_unchanged)
{
	const struct harness_host host = { .type = GIC_V5, .gcie_legacy = true };
	struct kvm_irq_routing_entry e = {
		.gsi = 0, .type = KVM_IRQ_ROUTING_IRQCHIP, .u.irqchip = { 0, 988 },
	};
	struct kvm *kvm;

	VT_ASSERT_EQ(harness_host_init(&host), 0);
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V3, NULL);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(kvm_set_irq_routing(kvm, &e, 1, 0), -EINVAL);
	e.u.irqchip.pin = 987;
	VT_EXPECT_EQ(kvm_set_irq_routing(kvm, &e, 1, 0), 0);
	harness_vm_destroy(kvm);
}

/* irqfd's fast path runs with interrupts off: injection must not sleep */
VT_TEST(guest_spi_irqfd_atomic)
{
	struct kvm *kvm = spi_vm(0);
	struct kvm_kernel_irq_routing_entry e = {
		.gsi = 3, .type = KVM_IRQ_ROUTING_IRQCHIP,
		.set = NULL, .irqchip = { .irqchip = 0, .pin = 3 },
	};
	struct kvm_irq_routing_entry ue = {
		.gsi = 3, .type = KVM_IRQ_ROUTING_IRQCHIP, .u.irqchip = { 0, 3 },
	};
	unsigned long flags;
	int ret;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(kvm_set_routing_entry(kvm, &e, &ue), 0);
	local_irq_save(flags);
	ret = kvm_arch_set_irq_inatomic(&e, kvm, 0, 1, false);
	local_irq_restore(flags);
	VT_EXPECT_EQ(ret, 0);
	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_spi(3), 1);
	/* A lowering goes the slow way */
	local_irq_save(flags);
	ret = kvm_arch_set_irq_inatomic(&e, kvm, 0, 0, false);
	local_irq_restore(flags);
	VT_EXPECT_EQ(ret, -EWOULDBLOCK);
	harness_vm_destroy(kvm);
}
