// SPDX-License-Identifier: GPL-2.0
/*
 * The guest IRS under concurrency: irqfd injection (atomic context) of SPIs
 * and MSIs while vCPUs access the IRS frames, reconfigure the LPI IST and
 * userspace makes attribute calls and KVM_IRQ_LINE calls. Each thread is a
 * physical CPU of the harness; lockdep-lite and the sleep checks fail the
 * test on a lock inversion or a sleep in atomic context.
 */
#include <pthread.h>

#include "harness.h"
#include "vt.h"

#define IRS_BASE	HARNESS_V5_IRS_BASE
#define SETLPIR		(IRS_BASE + 0x10000)
#define ITERATIONS	400

struct race {
	struct kvm *kvm;
	struct kvm_device *dev;
	struct kvm_kernel_irq_routing_entry spi_route, msi_route;
	int errors;
};

static void race_error(struct race *r, const char *what, long ret)
{
	__atomic_fetch_add(&r->errors, 1, __ATOMIC_SEQ_CST);
	vt_diag("%s: %ld", what, ret);
}

/* irqfd_wakeup(): SPI and MSI routes, interrupts off */
static void *irqfd_thread(void *arg)
{
	struct race *r = arg;

	for (int i = 0; i < ITERATIONS; i++) {
		unsigned long flags;
		int spi, msi;

		local_irq_save(flags);
		spi = kvm_arch_set_irq_inatomic(&r->spi_route, r->kvm, 0, 1, false);
		msi = kvm_arch_set_irq_inatomic(&r->msi_route, r->kvm, 0, 1, false);
		local_irq_restore(flags);
		if (spi != 0)
			race_error(r, "irqfd SPI", spi);
		/* Delivered, or dropped while the guest has no IST */
		if (msi != 0 && msi != 1)
			race_error(r, "irqfd MSI", msi);
	}
	return NULL;
}

/* vCPU 0: the guest maps and unmaps its LPI IST, maps L2 tables */
static void *ist_thread(void *arg)
{
	struct race *r = arg;
	struct kvm_vcpu *vcpu = kvm_get_vcpu(r->kvm, 0);
	u32 id_bits = 0;
	u64 val;

	harness_vcpu_load(vcpu);
	val = 0;
	harness_mmio_guest_read(vcpu, IRS_BASE + GICV5_IRS_IDR2, 4, &val);
	id_bits = FIELD_GET(GICV5_IRS_IDR2_ID_BITS, val);
	for (int i = 0; i < ITERATIONS / 4 && id_bits > 10; i++) {
		bool two_level = i & 1;

		val = FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE, two_level) |
		      FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, two_level ? id_bits : 10);
		harness_mmio_guest_write(vcpu, IRS_BASE + GICV5_IRS_IST_CFGR, 4, &val);
		val = 0x40000000 | GICV5_IRS_IST_BASER_VALID;
		harness_mmio_guest_write(vcpu, IRS_BASE + GICV5_IRS_IST_BASER, 8, &val);
		val = i;
		harness_mmio_guest_write(vcpu, IRS_BASE + GICV5_IRS_MAP_L2_ISTR, 4, &val);
		val = (i & 1) ? GICV5_IRS_CR0_IRSEN : 0;
		harness_mmio_guest_write(vcpu, IRS_BASE + GICV5_IRS_CR0, 4, &val);
		val = 0;
		harness_mmio_guest_write(vcpu, IRS_BASE + GICV5_IRS_IST_BASER, 8, &val);
	}
	harness_vcpu_put(vcpu);
	return NULL;
}

/* vCPU 1: SETLPI writes, SPI configuration, reads all over */
static void *mmio_thread(void *arg)
{
	struct race *r = arg;
	struct kvm_vcpu *vcpu = kvm_get_vcpu(r->kvm, 1);

	harness_vcpu_load(vcpu);
	for (int i = 0; i < ITERATIONS; i++) {
		u64 val = i & 0x3ff;

		harness_mmio_guest_write(vcpu, SETLPIR, 4, &val);
		val = i % 40;
		harness_mmio_guest_write(vcpu, IRS_BASE + GICV5_IRS_SPI_SELR, 4, &val);
		val = i & 1;
		harness_mmio_guest_write(vcpu, IRS_BASE + GICV5_IRS_SPI_CFGR, 4, &val);
		harness_mmio_guest_read(vcpu, IRS_BASE + GICV5_IRS_SPI_CFGR, 4, &val);
		harness_mmio_guest_read(vcpu, IRS_BASE + GICV5_IRS_IDR1, 4, &val);
		harness_mmio_guest_read(vcpu, IRS_BASE + GICV5_IRS_IST_BASER, 8, &val);
	}
	harness_vcpu_put(vcpu);
	return NULL;
}

/* Userspace: attribute calls, KVM_IRQ_LINE and MSIs */
static void *user_thread(void *arg)
{
	struct race *r = arg;

	for (int i = 0; i < ITERATIONS; i++) {
		u32 nr = 0;
		u64 base = 0;
		int ret;

		ret = harness_get_attr(r->dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr);
		if (ret || nr != 64)
			race_error(r, "NR_IRQS get", ret ?: nr);
		nr = 128;
		ret = harness_set_attr(r->dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr);
		if (ret != -EBUSY)
			race_error(r, "NR_IRQS set", ret);
		ret = harness_get_attr(r->dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				       KVM_VGIC_V5_ADDR_TYPE_IRS, &base);
		if (ret || base != IRS_BASE)
			race_error(r, "ADDR get", ret);
		ret = harness_set_attr(r->dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				       KVM_VGIC_V5_ADDR_TYPE_IRS, &base);
		if (ret != -EEXIST)
			race_error(r, "ADDR set", ret);
		ret = harness_irq_line(r->kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, 7),
				       i & 1);
		if (ret)
			race_error(r, "IRQ_LINE", ret);
		ret = harness_set_irq(r->kvm, 9, 1);
		if (ret < 0)
			race_error(r, "GSI 9", ret);
	}
	return NULL;
}

VT_TEST(guest_concurrent_injection_mmio_and_attrs)
{
	struct kvm_irq_routing_entry spi = {
		.gsi = 60, .type = KVM_IRQ_ROUTING_IRQCHIP, .u.irqchip = { 0, 3 },
	};
	struct kvm_irq_routing_entry msi = {
		.gsi = 61, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = (u32)SETLPIR, .data = 5 },
	};
	void *(*fn[])(void *) = { irqfd_thread, ist_thread, mmio_thread, user_thread };
	pthread_t t[ARRAY_SIZE(fn)];
	struct race r = {};
	u64 base = IRS_BASE;
	u32 nr = 64;

	r.kvm = harness_vm_with(2, KVM_DEV_TYPE_ARM_VGIC_V5, &r.dev);
	VT_ASSERT(r.kvm);
	VT_ASSERT_EQ(harness_set_attr(r.dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS, &base), 0);
	VT_ASSERT_EQ(harness_set_attr(r.dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr), 0);
	VT_ASSERT_EQ(harness_vgic_init(r.dev), 0);
	/* Guest RAM under the IST: MAP_L2_ISTR reads and writes its L1 entry */
	VT_ASSERT_EQ(harness_memslot_add(r.kvm, 0, 0x40000000, SZ_1M, 0), 0);
	VT_ASSERT_EQ(harness_vcpu_first_run(kvm_get_vcpu(r.kvm, 0)), 0);
	VT_ASSERT_EQ(harness_vcpu_first_run(kvm_get_vcpu(r.kvm, 1)), 0);
	r.spi_route.gsi = spi.gsi;
	r.spi_route.type = spi.type;
	VT_ASSERT_EQ(kvm_set_routing_entry(r.kvm, &r.spi_route, &spi), 0);
	r.msi_route.gsi = msi.gsi;
	r.msi_route.type = msi.type;
	VT_ASSERT_EQ(kvm_set_routing_entry(r.kvm, &r.msi_route, &msi), 0);

	for (int i = 0; i < ARRAY_SIZE(fn); i++)
		VT_ASSERT_EQ(pthread_create(&t[i], NULL, fn[i], &r), 0);
	for (int i = 0; i < ARRAY_SIZE(fn); i++)
		pthread_join(t[i], NULL);

	VT_EXPECT_EQ(r.errors, 0);
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 0);
	VT_EXPECT_EQ(harness_reports(HR_SLEEP), 0);
	VT_EXPECT(!r.kvm->vm_dead);
	/* The IST thread left it unmapped: LPIs are dropped */
	VT_EXPECT_EQ(harness_set_irq(r.kvm, 61, 1), 0);
	harness_vm_destroy(r.kvm);
}

struct level_race {
	struct kvm *kvm;
	bool level;
};

static void *level_thread(void *arg)
{
	struct level_race *l = arg;

	for (int i = 0; i < ITERATIONS; i++)
		harness_irq_line(l->kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, 2),
				 (i & 1) ^ l->level);
	return NULL;
}

/*
 * Two sources race on a level SPI's line: whatever the interleaving, the
 * last pending state handed to the IRS is the final line level, because
 * each change reaches the IRS under the interrupt's lock.
 */
VT_TEST(guest_concurrent_level_spi_ordering)
{
	struct level_race l[2];
	pthread_t t[2];
	struct kvm *kvm = harness_v5_vm(1, true);
	const struct harness_event *last;
	struct vgic_irq *irq;

	VT_ASSERT(kvm);
	irq = vgic_get_irq(kvm, vgic_v5_make_spi(2));
	scoped_guard(raw_spinlock_irqsave, &irq->irq_lock)
		irq->config = VGIC_CONFIG_LEVEL;

	for (int round = 0; round < 8; round++) {
		harness_events_clear();
		for (int i = 0; i < 2; i++) {
			l[i] = (struct level_race){ .kvm = kvm, .level = (round + i) & 1 };
			VT_ASSERT_EQ(pthread_create(&t[i], NULL, level_thread, &l[i]), 0);
		}
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);

		if (harness_events(HE_SYSREG_WRITE, NULL, GICV5_OP_GIC_VDPEND, &last)) {
			VT_EXPECT_EQ(last->b & GENMASK_ULL(31, 0), vgic_v5_make_spi(2));
			VT_EXPECT_EQ(last->b >> 63, irq->line_level);
		}
	}
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 0);
	harness_vm_destroy(kvm);
}
