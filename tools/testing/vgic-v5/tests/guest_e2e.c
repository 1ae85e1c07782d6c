// SPDX-License-Identifier: GPL-2.0
/*
 * End to end: a guest brings up its IRS the way Linux's GICv5 driver does
 * (drivers/irqchip/irq-gic-v5-irs.c: probe the IDRs, set up the LPI IST,
 * select each PE and opt it out of 1-of-N, enable the IRS, configure SPI
 * trigger modes), then routes, prioritises and enables interrupts with
 * GIC CD* instructions, and takes them with GICR CDIA on the vCPU they
 * target. SPIs come from KVM_IRQ_LINE and irqfd, LPIs from MSIs and
 * IRS_SETLPIR. The host IRS and the CPU interface are the harness model.
 */
#include "harness.h"
#include "vt.h"

#define IRS_BASE	HARNESS_V5_IRS_BASE
#define SETLPIR		(IRS_BASE + 0x10000)

#define SPI(n)		vgic_v5_make_spi(n)
#define LPI(n)		vgic_v5_make_lpi(n)

/* gicv5_wait_for_op(): the emulated IRS is never busy */
static void wait_idle(struct kvm_vcpu *vcpu, u32 off, u32 idle)
{
	VT_EXPECT(rd32(vcpu, off) & idle);
}

/* gicv5_irs_init() and gicv5_irs_init_ist(); returns the LPI ID bits */
static unsigned int guest_irs_probe(struct kvm_vcpu *vcpu, bool two_level,
				    u32 *nr_spis)
{
	u32 idr0 = rd32(vcpu, GICV5_IRS_IDR0), idr2 = rd32(vcpu, GICV5_IRS_IDR2);
	unsigned int id_bits, l2sz = GICV5_IRS_IST_CFGR_L2SZ_4K;
	u32 cfgr;

	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR0_INT_DOM, idr0), GICV5_IRS_IDR0_INT_DOM_NS);
	VT_EXPECT(!FIELD_GET(GICV5_IRS_IDR0_VIRT, idr0));
	VT_EXPECT(FIELD_GET(GICV5_IRS_IDR0_SETLPI, idr0));
	*nr_spis = FIELD_GET(GICV5_IRS_IDR6_SPI_IRS_RANGE, rd32(vcpu, GICV5_IRS_IDR6));
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR5_SPI_RANGE, rd32(vcpu, GICV5_IRS_IDR5)), *nr_spis);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR7_SPI_BASE, rd32(vcpu, GICV5_IRS_IDR7)), 0);

	/* The IST must not be valid yet */
	VT_EXPECT(!(rd64(vcpu, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID));
	VT_EXPECT(FIELD_GET(GICV5_IRS_IDR2_LPI, idr2));
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR2_ISTMD, idr2), 0);
	if (two_level) {
		VT_EXPECT(FIELD_GET(GICV5_IRS_IDR2_IST_LEVELS, idr2));
		VT_EXPECT(GICV5_IRS_IST_L2SZ_SUPPORT_4KB(idr2));
		id_bits = FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2);
	} else {
		id_bits = max(12, FIELD_GET(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, idr2));
		id_bits = min(id_bits, FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2));
	}
	cfgr = FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE, two_level) |
	       FIELD_PREP(GICV5_IRS_IST_CFGR_ISTSZ, GICV5_IRS_IST_CFGR_ISTSZ_4) |
	       FIELD_PREP(GICV5_IRS_IST_CFGR_L2SZ, l2sz) |
	       FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, id_bits);
	wr32(vcpu, GICV5_IRS_IST_CFGR, cfgr);
	wr64(vcpu, GICV5_IRS_IST_BASER, 0x48000000ULL | GICV5_IRS_IST_BASER_VALID);
	wait_idle(vcpu, GICV5_IRS_IST_STATUSR, GICV5_IRS_IST_STATUSR_IDLE);
	VT_EXPECT(rd64(vcpu, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID);
	return id_bits;
}

/* gicv5_irs_register_cpu(): IAFFID = ICC_IAFFIDR_EL1 = vcpu_id */
static void guest_irs_register_cpu(struct kvm_vcpu *vcpu, u16 iaffid)
{
	wr32(vcpu, GICV5_IRS_PE_SELR, iaffid);
	VT_EXPECT(rd32(vcpu, GICV5_IRS_PE_STATUSR) & GICV5_IRS_PE_STATUSR_V);
	wr32(vcpu, GICV5_IRS_PE_CR0, GICV5_IRS_PE_CR0_DPS);
	wait_idle(vcpu, GICV5_IRS_PE_STATUSR, GICV5_IRS_PE_STATUSR_IDLE);
}

static void guest_irs_enable(struct kvm_vcpu *vcpu, bool on)
{
	wr32(vcpu, GICV5_IRS_CR0, FIELD_PREP(GICV5_IRS_CR0_IRSEN, on));
	wait_idle(vcpu, GICV5_IRS_CR0, GICV5_IRS_CR0_IDLE);
}

/* gicv5_spi_irq_set_type() */
static void guest_spi_set_type(struct kvm_vcpu *vcpu, u32 spi, bool level)
{
	wr32(vcpu, GICV5_IRS_SPI_SELR, spi);
	VT_EXPECT(rd32(vcpu, GICV5_IRS_SPI_STATUSR) & GICV5_IRS_SPI_STATUSR_V);
	wr32(vcpu, GICV5_IRS_SPI_CFGR, FIELD_PREP(GICV5_IRS_SPI_CFGR_TM, level));
	wait_idle(vcpu, GICV5_IRS_SPI_STATUSR, GICV5_IRS_SPI_STATUSR_IDLE);
}

/*
 * Priority, targeted affinity, enable: as the driver does. LPIs also get
 * their handling mode (edge) with GIC CDHM; SPIs take theirs from
 * IRS_SPI_CFGR.TM (guest_spi_set_type()).
 */
static void guest_route(u32 intid, u8 prio, u16 iaffid)
{
	u64 type_id = intid & (GICV5_HWIRQ_TYPE | GICV5_HWIRQ_ID);

	harness_guest_insn(GM_CDPRI, FIELD_PREP(GICV5_GIC_CDPRI_PRIORITY_MASK, prio) | type_id);
	if (FIELD_GET(GICV5_HWIRQ_TYPE, intid) == GICV5_HWIRQ_TYPE_LPI)
		harness_guest_insn(GM_CDHM, FIELD_PREP(GICV5_GIC_CDHM_HM_MASK, 0) | type_id);
	harness_guest_insn(GM_CDAFF, FIELD_PREP(GICV5_GIC_CDAFF_IAFFID_MASK, iaffid) | type_id);
	harness_guest_insn(GM_CDEN, type_id);
}

/* The loaded vCPU enters the guest, which takes one interrupt, and exits */
static u32 guest_take(void)
{
	return harness_run_take(kvm_get_running_vcpu(), NULL);
}

/* vcpu_put() + vcpu_load(): a vPE change takes effect on the next residency */
static void reschedule(struct kvm_vcpu *vcpu)
{
	harness_vcpu_put(vcpu);
	harness_vcpu_load(vcpu);
}

static int spi_line(struct kvm *kvm, u32 spi, bool level)
{
	return harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, spi), level);
}

static int msi(struct kvm *kvm, u32 lpi)
{
	return harness_msi(kvm, SETLPIR, lpi);
}

static struct kvm *e2e_vm(void)
{
	struct kvm *kvm = harness_v5_vm_dev(2, 64, true, NULL);

	/* Guest RAM for the IST: KVM sets VALID in its L1 entries */
	if (kvm && harness_memslot_add(kvm, 0, 0x48000000ULL, SZ_1M, 0)) {
		vt_fail(__FILE__, __LINE__, "no guest RAM");
		harness_vm_destroy(kvm);
		return NULL;
	}
	if (kvm && harness_vcpu_first_run(kvm_get_vcpu(kvm, 1))) {
		vt_fail(__FILE__, __LINE__, "first run of vCPU 1 failed");
		harness_vm_destroy(kvm);
		return NULL;
	}
	return kvm;
}

static void e2e(bool two_level)
{
	struct kvm_irq_routing_entry route = {
		.gsi = 5, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = (u32)SETLPIR, .data = 3000 },
	};
	struct kvm *kvm = e2e_vm();
	struct kvm_vcpu *v0, *v1;
	unsigned int id_bits;
	u32 nr_spis = 0;
	u64 val;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	v1 = kvm_get_vcpu(kvm, 1);

	/* Boot CPU (vCPU 0): the IRS, then each CPU as it comes up */
	harness_vcpu_load(v0);
	id_bits = guest_irs_probe(v0, two_level, &nr_spis);
	VT_EXPECT_EQ(nr_spis, 64);
	guest_irs_register_cpu(v0, 0);
	guest_irs_enable(v0, true);
	guest_spi_set_type(v0, 10, false);
	guest_spi_set_type(v0, 11, true);
	/* SPIs 10 and 11 to vCPU 1, 11 more urgent; LPIs 100, 3000 to vCPU 0 */
	guest_route(SPI(10), 8, 1);
	guest_route(SPI(11), 4, 1);
	if (two_level) {
		/* gicv5_irs_iste_alloc(): the L2 table before the LPI is used */
		wr32(v0, GICV5_IRS_MAP_L2_ISTR, 100);
		wait_idle(v0, GICV5_IRS_IST_STATUSR, GICV5_IRS_IST_STATUSR_IDLE);
	}
	guest_route(LPI(100), 2, 0);
	if (!two_level)
		guest_route(LPI(3000), 3, 0);
	harness_vcpu_put(v0);
	harness_vcpu_load(v1);
	guest_irs_register_cpu(v1, 1);
	harness_vcpu_put(v1);

	/* SPIs: KVM_IRQ_LINE, to vCPU 1 only, by priority */
	VT_EXPECT_EQ(spi_line(kvm, 10, true), 0);
	VT_EXPECT_EQ(spi_line(kvm, 11, true), 0);
	harness_vcpu_load(v0);
	VT_EXPECT_EQ(guest_take(), 0);
	harness_vcpu_put(v0);
	harness_vcpu_load(v1);
	VT_EXPECT_EQ(guest_take(), SPI(11));
	/* Level and still high: taken again after deactivation, SPI 10 waits */
	VT_EXPECT_EQ(guest_take(), SPI(11));
	VT_EXPECT_EQ(spi_line(kvm, 11, false), 0);
	VT_EXPECT_EQ(guest_take(), SPI(10));
	/* The edge is gone once taken, though its line is still high */
	VT_EXPECT_EQ(guest_take(), 0);
	/* irqfd (default routing GSI 10 -> SPI 10) */
	VT_EXPECT_EQ(spi_line(kvm, 10, false), 0);
	VT_EXPECT_EQ(harness_set_irq(kvm, 10, 1), 0);
	VT_EXPECT_EQ(guest_take(), SPI(10));
	VT_EXPECT_EQ(guest_take(), 0);
	harness_vcpu_put(v1);

	/* LPIs: KVM_SIGNAL_MSI, an irqfd MSI route, the guest's own SETLPIR */
	VT_ASSERT_EQ(kvm_set_irq_routing(kvm, &route, 1, 0), 0);
	VT_EXPECT_EQ(msi(kvm, 100), 1);
	harness_vcpu_load(v1);
	VT_EXPECT_EQ(guest_take(), 0);
	harness_vcpu_put(v1);
	harness_vcpu_load(v0);
	VT_EXPECT_EQ(guest_take(), LPI(100));
	VT_EXPECT_EQ(guest_take(), 0);
	if (two_level) {
		/* LPI 3000 is in an L2 table the guest has not mapped yet */
		VT_EXPECT_EQ(harness_set_irq(kvm, 5, 1), 0);
		VT_EXPECT_EQ(guest_take(), 0);
		wr32(v0, GICV5_IRS_MAP_L2_ISTR, 3000);
		guest_route(LPI(3000), 3, 0);
	}
	VT_EXPECT_EQ(harness_set_irq(kvm, 5, 1), 1);
	val = 100;
	VT_EXPECT_EQ(harness_mmio_guest_write(v1, SETLPIR, 4, &val), 0);
	VT_EXPECT_EQ(guest_take(), LPI(100));
	VT_EXPECT_EQ(guest_take(), LPI(3000));
	VT_EXPECT_EQ(guest_take(), 0);

	/* The priority mask: priority 3 is masked by PCR = 2 */
	gm_guest_set_pcr(harness_gm(), harness_this_cpu(), 2);
	VT_EXPECT_EQ(msi(kvm, 3000), 1);
	VT_EXPECT_EQ(msi(kvm, 100), 1);
	VT_EXPECT_EQ(guest_take(), LPI(100));
	VT_EXPECT_EQ(guest_take(), 0);
	gm_guest_set_pcr(harness_gm(), harness_this_cpu(), 31);
	VT_EXPECT_EQ(guest_take(), LPI(3000));

	/* IRS_CR0.IRSEN = 0: nothing from the IRS is presented */
	guest_irs_enable(v0, false);
	reschedule(v0);
	VT_EXPECT_EQ(msi(kvm, 100), 1);
	VT_EXPECT_EQ(guest_take(), 0);
	guest_irs_enable(v0, true);
	reschedule(v0);
	VT_EXPECT_EQ(guest_take(), LPI(100));
	harness_vcpu_put(v0);

	/* The guest drops its IST: LPIs are gone */
	VT_EXPECT(id_bits >= 9);
	harness_vcpu_load(v0);
	wr64(v0, GICV5_IRS_IST_BASER, 0);
	VT_EXPECT_EQ(msi(kvm, 100), 0);
	VT_EXPECT_EQ(guest_take(), 0);
	harness_vcpu_put(v0);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_e2e_linux_bootstrap_linear_ist)
{
	e2e(false);
}

VT_TEST(guest_e2e_linux_bootstrap_two_level_ist)
{
	e2e(true);
}
