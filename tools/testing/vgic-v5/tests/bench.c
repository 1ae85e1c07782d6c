// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks (run by "vgic-v5-harness -b", i.e. "make bench"): host memory
 * of each shape of the guest's LPI IST on each host IST format, as the
 * guest maps it, and the cost of the main paths (VM life cycle, SPI and
 * MSI injection, IRS frame accesses, level SPIs with the GIC CDEOI trap).
 * Times are of the kernel code running in the harness against the IRS
 * model, which checks every access: they compare paths with each other
 * and across changes, not with hardware.
 * Nothing here is asserted except that each path works.
 */
#include "harness.h"
#include "vt.h"
#include "gicv5_model.h"

#define IRS_BASE	HARNESS_V5_IRS_BASE
#define SETLPIR		(IRS_BASE + 0x10000)
#define SPI(n)		vgic_v5_make_spi(n)
#define TYPE_ID		(GICV5_GIC_CDIA_TYPE_MASK | GICV5_GIC_CDIA_ID_MASK)

static double per_op_ns(u64 start, unsigned int n)
{
	return (double)(vt_now_ns() - start) / n;
}

#define GUEST_IST	0x48000000ULL

/* A host IRS format for the IST memory figures */
struct ist_host {
	const char *name;
	bool linear_only, istmd, l2_64k;
};

static const struct ist_host ist_hosts[] = {
	{ "4 KiB L2, 4-byte ISTEs" },
	{ "4 KiB L2, 16-byte ISTEs (ISTMD)", .istmd = true },
	{ "64 KiB L2 only", .l2_64k = true },
	{ "linear only", .linear_only = true },
};

static void ist_host_init(const struct ist_host *h)
{
	struct gm_caps caps = gm_caps_default();
	struct harness_host host = { .type = GIC_V5, .irs = &caps };

	caps.ist_levels = !h->linear_only;
	caps.istmd = h->istmd;
	caps.istmd_sz = 12;
	if (h->l2_64k)
		caps.ist_l2sz = BIT(2);
	VT_ASSERT_EQ(harness_host_init(&host), 0);
	/* A CPU interface with 24-bit IDs: the guest gets what the IRS allows */
	harness_sysreg_write(SYS_ICC_IDR0_EL1, "SYS_ICC_IDR0_EL1",
			     FIELD_PREP(ICC_IDR0_EL1_ID_BITS, ICC_IDR0_EL1_ID_BITS_24BITS) |
			     FIELD_PREP(ICC_IDR0_EL1_PRI_BITS, ICC_IDR0_EL1_PRI_BITS_5BITS));
}

/*
 * Host bytes for the guest's LPI IST when it is made valid, then as the
 * guest maps L2 tables (of @l2sz) with MAP_L2_ISTR, its L1 table in guest
 * RAM; a linear IST the host refuses costs 0.
 */
static void lpi_ist_memory(const struct ist_host *h, bool two_level,
			   unsigned int l2sz, unsigned int id_bits)
{
	const unsigned int l2_bits = 10 + 2 * l2sz;	/* 4-byte guest ISTEs */
	struct kvm *kvm = harness_v5_vm(1, true);
	unsigned int mapped = 0, max_bits;
	char what[128], shape[48];
	struct kvm_vcpu *v0;
	size_t before;
	bool valid;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_memslot_add(kvm, 0, GUEST_IST, SZ_1M, 0), 0);
	v0 = kvm_get_vcpu(kvm, 0);
	max_bits = FIELD_GET(GICV5_IRS_IDR2_ID_BITS, rd32(v0, GICV5_IRS_IDR2));
	if (id_bits > max_bits) {
		harness_vm_destroy(kvm);
		return;
	}
	if (two_level)
		snprintf(shape, sizeof(shape), "two-level (%u KiB L2)", 4U << (2 * l2sz));
	else
		snprintf(shape, sizeof(shape), "linear");

	before = harness_alloc_bytes();
	wr32(v0, GICV5_IRS_IST_CFGR,
	     FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE, two_level) |
	     FIELD_PREP(GICV5_IRS_IST_CFGR_L2SZ, l2sz) |
	     FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, id_bits));
	wr64(v0, GICV5_IRS_IST_BASER, GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	valid = rd64(v0, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID;
	snprintf(what, sizeof(what), "host %s: IST %s, %u ID bits: host bytes when %s",
		 h->name, shape, id_bits, valid ? "valid" : "refused");
	vt_bench_report(what, harness_alloc_bytes() - before, "B");

	for (unsigned int target = 1; valid && two_level && target <= 256; target *= 16) {
		while (mapped < target && mapped < BIT(id_bits - min(id_bits, l2_bits))) {
			wr32(v0, GICV5_IRS_MAP_L2_ISTR, mapped << l2_bits);
			mapped++;
		}
		snprintf(what, sizeof(what),
			 "host %s: IST %s, %u ID bits: host bytes with %u L2 tables mapped",
			 h->name, shape, id_bits, mapped);
		vt_bench_report(what, harness_alloc_bytes() - before, "B");
	}
	harness_vm_destroy(kvm);
}

VT_BENCH(bench_lpi_ist_host_memory)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(ist_hosts); i++) {
		const struct ist_host *h = &ist_hosts[i];
		struct kvm *kvm;
		char what[96];

		ist_host_init(h);
		kvm = harness_v5_vm(1, true);
		VT_ASSERT(kvm);
		snprintf(what, sizeof(what), "host %s: guest IRS_IDR2.ID_BITS", h->name);
		vt_bench_report(what, FIELD_GET(GICV5_IRS_IDR2_ID_BITS,
						rd32(kvm_get_vcpu(kvm, 0), GICV5_IRS_IDR2)),
				"bits");
		harness_vm_destroy(kvm);

		/* Linux's linear IST, the largest one, one KVM refuses */
		lpi_ist_memory(h, false, 0, 12);
		lpi_ist_memory(h, false, 0, 16);
		lpi_ist_memory(h, false, 0, 24);
		/* Linux's two-level ISTs (4 KiB L2), and 64 KiB guest L2 tables */
		lpi_ist_memory(h, true, 0, 16);
		lpi_ist_memory(h, true, 0, 24);
		lpi_ist_memory(h, true, 2, 24);
	}
}

VT_BENCH(bench_vm_life_cycle)
{
	const unsigned int n = 200;
	u64 t = vt_now_ns();

	for (unsigned int i = 0; i < n; i++) {
		struct kvm *kvm = harness_v5_vm(4, true);

		VT_ASSERT(kvm);
		harness_vm_destroy(kvm);
	}
	vt_bench_report("v5 VM with 4 vCPUs: create, CTRL_INIT, first run, destroy",
			per_op_ns(t, n) / 1000, "us");
}

VT_BENCH(bench_injection)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	const unsigned int n = 20000;
	struct kvm_vcpu *v0;
	struct kvm_msi msi = {
		.address_lo = (u32)SETLPIR, .address_hi = SETLPIR >> 32, .data = 100,
	};
	u64 t;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	wr32(v0, GICV5_IRS_IST_CFGR, FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, 12));
	wr64(v0, GICV5_IRS_IST_BASER, 0x48000000ULL | GICV5_IRS_IST_BASER_VALID);

	t = vt_now_ns();
	for (unsigned int i = 0; i < n; i++)
		VT_ASSERT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, 3),
					      !(i & 1)), 0);
	vt_bench_report("KVM_IRQ_LINE, edge SPI (raise or lower)", per_op_ns(t, n), "ns");

	t = vt_now_ns();
	for (unsigned int i = 0; i < n; i++)
		VT_ASSERT_EQ(vgic_v5_inject_msi(kvm, &msi), 1);
	vt_bench_report("KVM_SIGNAL_MSI to IRS_SETLPIR", per_op_ns(t, n), "ns");

	t = vt_now_ns();
	for (unsigned int i = 0; i < n; i++)
		VT_ASSERT_EQ(harness_mmio_guest_write(v0, SETLPIR, 4, &(u64){ 100 }), 0);
	vt_bench_report("guest write to IRS_SETLPIR", per_op_ns(t, n), "ns");

	t = vt_now_ns();
	for (unsigned int i = 0; i < n; i++)
		rd32(v0, GICV5_IRS_IDR0);
	vt_bench_report("guest read of IRS_IDR0 (register table dispatch)",
			per_op_ns(t, n), "ns");

	t = vt_now_ns();
	for (unsigned int i = 0; i < n; i++)
		rd32(v0, GICV5_IRS_IST_BASER + 4);
	vt_bench_report("guest 32-bit read of the upper half of IRS_IST_BASER",
			per_op_ns(t, n), "ns");
	harness_vm_destroy(kvm);
}

VT_BENCH(bench_level_spi_cdeoi_trap)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	const unsigned int n = 5000;
	struct kvm_vcpu *v0;
	u64 t;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	harness_vcpu_load(v0);
	wr32(v0, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN);
	harness_vcpu_put(v0);
	harness_vcpu_load(v0);
	for (u32 spi = 3; spi <= 4; spi++) {
		u64 type_id = SPI(spi) & TYPE_ID;

		wr32(v0, GICV5_IRS_SPI_SELR, spi);
		wr32(v0, GICV5_IRS_SPI_CFGR, FIELD_PREP(GICV5_IRS_SPI_CFGR_TM, spi == 4));
		harness_guest_insn(GM_CDPRI,
				   FIELD_PREP(GICV5_GIC_CDPRI_PRIORITY_MASK, 4) | type_id);
		harness_guest_insn(GM_CDAFF, type_id);
		harness_guest_insn(GM_CDEN, type_id);
	}

	/* Edge SPI 3: raise, one guest run takes it, CDEOI not trapped */
	t = vt_now_ns();
	for (unsigned int i = 0; i < n; i++) {
		harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, 3), 1);
		VT_ASSERT_EQ(harness_run_take(v0, NULL), SPI(3));
	}
	vt_bench_report("edge SPI: KVM_IRQ_LINE + guest run taking it (CDEOI untrapped)",
			per_op_ns(t, n), "ns");

	/* Level SPI 4 held high: each run takes it again, through the trap */
	harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, 4), 1);
	t = vt_now_ns();
	for (unsigned int i = 0; i < n; i++)
		VT_ASSERT_EQ(harness_run_take(v0, NULL), SPI(4));
	vt_bench_report("level SPI held high: guest run taking it (CDEOI trapped, re-pended)",
			per_op_ns(t, n), "ns");
	harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, 4), 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	harness_vcpu_put(v0);
	harness_vm_destroy(kvm);
}
