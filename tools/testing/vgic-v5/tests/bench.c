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
#include <linux/irqchip/arm-gic-v3.h>

/* The operations that have a reference, named once */
#define MSI_SETLPI		"MSI to IRS_SETLPIR"
#define ITS_COLD_LIN		"ITS MSI, linear DT, cold: first of an event"
#define ITS_COLD_2L		"ITS MSI, two-level DT, cold: first of an event"
#define ITS_IRQFD		"ITS MSI, linear DT, warm: irqfd atomic" \
				" | ITS MSI, two-level DT, warm: irqfd atomic"
#define ITS_SIGNAL		"ITS MSI, linear DT, warm: KVM_SIGNAL_MSI" \
				" | ITS MSI, two-level DT, warm: KVM_SIGNAL_MSI"
#define SPI_IRQ_LINE		"KVM_IRQ_LINE: edge SPI raised"
#define SPI_IRQFD		"irqfd atomic: edge SPI raised"
#define SPI_EDGE_RUN		"edge SPI: KVM_IRQ_LINE + run taking it"
#define SPI_LEVEL_RUN		"level SPI held high: run taking it (CDEOI trap)"
#define SPI_LEVEL_TAKE		"level SPI held high: per take in a running guest"
#define VM_LIFE			"VM, 4 vCPUs: create, CTRL_INIT, run, destroy"
#define VCPU_LOAD_PUT		"vCPU load + put"

#define IRS_BASE	HARNESS_V5_IRS_BASE
#define SETLPIR		(IRS_BASE + 0x10000)
#define SPI(n)		vgic_v5_make_spi(n)

static double per_op_ns(u64 start, unsigned int n)
{
	return (double)(vt_now_ns() - start) / n;
}

#define GUEST_IST	0x48000000ULL

/* A v5 VM of one vCPU, after its first run, its guest's LPI IST (12 ID bits) valid */
static struct kvm *v5_lpi_vm(void)
{
	struct kvm *kvm = harness_v5_vm(1, true);

	if (kvm) {
		wr32(kvm_get_vcpu(kvm, 0), GICV5_IRS_IST_CFGR,
		     FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, 12));
		wr64(kvm_get_vcpu(kvm, 0), GICV5_IRS_IST_BASER,
		     GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	}
	return kvm;
}

/*
 * A v5 VM whose guest enabled its IRS and configured SPI 3 (edge) and
 * SPI 4 (level) for itself, both at priority 4, vCPU 0 loaded.
 */
static struct kvm *v5_spi_vm(void)
{
	struct kvm *kvm = harness_v5_irs_vm();

	if (kvm) {
		harness_v5_guest_spi(kvm_get_vcpu(kvm, 0), 3, false, 4);
		harness_v5_guest_spi(kvm_get_vcpu(kvm, 0), 4, true, 4);
	}
	return kvm;
}

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
	struct kvm *kvm = v5_lpi_vm();
	const unsigned int n = 20000;
	struct kvm_vcpu *v0;
	struct kvm_msi msi = {
		.address_lo = (u32)SETLPIR, .address_hi = SETLPIR >> 32, .data = 100,
	};
	u64 t;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);

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

/* ---------------------------------------------------------------- the ITS */

#define ITS_BASE	0x08100000ULL
#define ITS_DB		(ITS_BASE + SZ_64K)
#define ITS_TABLES	0x40000000ULL

static void its_wr(struct kvm_vcpu *vcpu, u32 off, int len, u64 val)
{
	VT_ASSERT_EQ(harness_mmio_guest_write(vcpu, ITS_BASE + off, len, &val), 0);
}

/*
 * An ITS as the Linux guest sets it up, with a linear or a two-level device
 * table (4 KiB L2 tables) and a linear ITT of @ev_bits EventID bits for
 * device 5: event 3 -> LPI 100.
 */
static void its_bench_setup(struct kvm *kvm, bool two_level, unsigned int ev_bits)
{
	const gpa_t l2 = ITS_TABLES + SZ_64K, itt = ITS_TABLES + 2 * SZ_64K;
	struct kvm_vcpu *v0 = kvm_get_vcpu(kvm, 0);
	struct kvm_device *dev;
	u64 addr = ITS_BASE, *dt;

	VT_ASSERT_EQ(harness_memslot_add(kvm, 1, ITS_TABLES, SZ_1M, 0), 0);
	VT_ASSERT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS, &dev), 0);
	VT_ASSERT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_ITS, &addr), 0);

	dt = harness_guest_mem(kvm, ITS_TABLES, SZ_64K);
	if (two_level) {
		dt[0] = l2 | FIELD_PREP(GICV5_DTL1E_SPAN, 9) | GICV5_DTL1E_VALID;
		dt = harness_guest_mem(kvm, l2, SZ_4K);
	}
	dt[5] = itt | FIELD_PREP(GICV5_DTL2E_EVENT_ID_BITS, ev_bits) | GICV5_DTL2E_VALID;
	((u64 *)harness_guest_mem(kvm, itt, SZ_4K))[3] =
		FIELD_PREP(GICV5_ITTL2E_LPI_ID, 100) | GICV5_ITTL2E_VALID;

	its_wr(v0, GICV5_ITS_DT_CFGR, 4,
	       FIELD_PREP(GICV5_ITS_DT_CFGR_STRUCTURE, two_level) |
	       FIELD_PREP(GICV5_ITS_DT_CFGR_DEVICEID_BITS, 16));
	its_wr(v0, GICV5_ITS_DT_BASER, 8, ITS_TABLES);
	its_wr(v0, GICV5_ITS_CR0, 4, GICV5_ITS_CR0_ITSEN);
	its_wr(v0, GICV5_ITS_DIDR, 8, 5);
	its_wr(v0, GICV5_ITS_EIDR, 4, 3);
}

/* v5_lpi_vm() with that ITS */
static struct kvm *v5_its_vm(bool two_level, unsigned int ev_bits)
{
	struct kvm *kvm = v5_lpi_vm();

	if (kvm)
		its_bench_setup(kvm, two_level, ev_bits);
	return kvm;
}

/*
 * MSI injection through the ITS, warm (the translation cached: the irqfd
 * fast path, and KVM_SIGNAL_MSI) and cold (the guest invalidated the event:
 * a walk of its tables), next to the same MSI written to IRS_SETLPIR, which
 * needs no translation.
 */
VT_BENCH(bench_its_msi)
{
	struct kvm_kernel_irq_routing_entry its = harness_msi_devid_route(ITS_DB, 3, 5);
	struct kvm_kernel_irq_routing_entry setlpi = harness_msi_route(SETLPIR, 100);
	const unsigned int n = 20000;
	unsigned long flags;
	char what[96];
	u64 t;

	for (int two_level = 0; two_level < 2; two_level++) {
		struct kvm *kvm = v5_its_vm(two_level, 5);
		struct kvm_vcpu *v0;

		VT_ASSERT(kvm);
		v0 = kvm_get_vcpu(kvm, 0);

		if (!two_level) {
			t = vt_now_ns();
			for (unsigned int i = 0; i < n; i++)
				VT_ASSERT_EQ(kvm_set_msi(&setlpi, kvm, 0, 1, false), 1);
			vt_bench_report("MSI to IRS_SETLPIR (reference: no translation)",
					per_op_ns(t, n), "ns");
		}

		VT_ASSERT_EQ(kvm_set_msi(&its, kvm, 0, 1, false), 1);
		t = vt_now_ns();
		for (unsigned int i = 0; i < n; i++) {
			local_irq_save(flags);
			VT_ASSERT_EQ(kvm_arch_set_irq_inatomic(&its, kvm, 0, 1, false), 1);
			local_irq_restore(flags);
		}
		snprintf(what, sizeof(what), "ITS MSI, %s DT, warm: irqfd fast path",
			 two_level ? "two-level" : "linear");
		vt_bench_report(what, per_op_ns(t, n), "ns");

		t = vt_now_ns();
		for (unsigned int i = 0; i < n; i++)
			VT_ASSERT_EQ(kvm_set_msi(&its, kvm, 0, 1, false), 1);
		snprintf(what, sizeof(what), "ITS MSI, %s DT, warm: KVM_SIGNAL_MSI",
			 two_level ? "two-level" : "linear");
		vt_bench_report(what, per_op_ns(t, n), "ns");

		t = vt_now_ns();
		for (unsigned int i = 0; i < n; i++)
			its_wr(v0, GICV5_ITS_INV_EVENTR, 4, GICV5_ITS_INV_EVENTR_I);
		snprintf(what, sizeof(what), "ITS, %s DT: guest INV_EVENTR write",
			 two_level ? "two-level" : "linear");
		vt_bench_report(what, per_op_ns(t, n), "ns");

		t = vt_now_ns();
		for (unsigned int i = 0; i < n; i++) {
			its_wr(v0, GICV5_ITS_INV_EVENTR, 4, GICV5_ITS_INV_EVENTR_I);
			VT_ASSERT_EQ(kvm_set_msi(&its, kvm, 0, 1, false), 1);
		}
		snprintf(what, sizeof(what),
			 "ITS MSI, %s DT, cold: INV_EVENTR write + KVM_SIGNAL_MSI (walk)",
			 two_level ? "two-level" : "linear");
		vt_bench_report(what, per_op_ns(t, n), "ns");
		harness_vm_destroy(kvm);
	}
}

/*
 * The same, in instructions (make bench runs this under callgrind): per MSI
 * with the translation cached, and per first MSI of an event (a walk of the
 * tables, then a cache insertion), next to the MSI to IRS_SETLPIR.
 */
VT_BENCH(bench_its_msi_insn)
{
	struct kvm_kernel_irq_routing_entry its = harness_msi_devid_route(ITS_DB, 3, 5);
	struct kvm_kernel_irq_routing_entry setlpi = harness_msi_route(SETLPIR, 100);
	const unsigned int n = 512;
	unsigned long flags;
	char what[96];

	for (int two_level = 0; two_level < 2; two_level++) {
		const char *dt = two_level ? "two-level" : "linear";
		struct kvm *kvm = v5_its_vm(two_level, 10);
		u64 *itt;

		VT_ASSERT(kvm);
		/* Events 0 to n - 1 of device 5: LPIs 1000 + event */
		itt = harness_guest_mem(kvm, ITS_TABLES + 2 * SZ_64K, n * 8);
		for (unsigned int i = 0; i < n; i++)
			itt[i] = FIELD_PREP(GICV5_ITTL2E_LPI_ID, 1000 + i) | GICV5_ITTL2E_VALID;

		if (!two_level) {
			VT_ASSERT_EQ(kvm_set_msi(&setlpi, kvm, 0, 1, false), 1);
			vt_insn_begin();
			for (unsigned int i = 0; i < n; i++)
				kvm_set_msi(&setlpi, kvm, 0, 1, false);
			vt_insn_end(V5(MSI_SETLPI), n);
		}

		vt_insn_begin();
		for (unsigned int i = 0; i < n; i++) {
			its.msi.data = i;
			kvm_set_msi(&its, kvm, 0, 1, false);
		}
		snprintf(what, sizeof(what), V5("ITS MSI, %s DT, cold: first of an event"), dt);
		vt_insn_end(what, n);

		its.msi.data = 3;
		vt_insn_begin();
		for (unsigned int i = 0; i < n; i++) {
			local_irq_save(flags);
			kvm_arch_set_irq_inatomic(&its, kvm, 0, 1, false);
			local_irq_restore(flags);
		}
		snprintf(what, sizeof(what), V5("ITS MSI, %s DT, warm: irqfd atomic"), dt);
		vt_insn_end(what, n);

		vt_insn_begin();
		for (unsigned int i = 0; i < n; i++)
			kvm_set_msi(&its, kvm, 0, 1, false);
		snprintf(what, sizeof(what), V5("ITS MSI, %s DT, warm: KVM_SIGNAL_MSI"), dt);
		vt_insn_end(what, n);

		/* Every one was delivered */
		VT_EXPECT_EQ(kvm_set_msi(&its, kvm, 0, 1, false), 1);
		its.msi.data = n - 1;
		VT_EXPECT_EQ(kvm_set_msi(&its, kvm, 0, 1, false), 1);
		harness_vm_destroy(kvm);
	}
}

VT_BENCH(bench_level_spi_cdeoi_trap)
{
	struct kvm *kvm = v5_spi_vm();
	const unsigned int n = 5000;
	struct kvm_vcpu *v0;
	u64 t;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);

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

/* ------------------------------------------------ next to the stock GICv3 */

/*
 * The v5 figures below in instructions, each next to its reference: the
 * same job done by the stock GICv3 vgic (vgic-v3.c, vgic-mmio-v3.c,
 * vgic-its.c, hyp/vgic-v3-sr.c) for a v3 VM on a GICv3 host, through the
 * same MMIO framework, injection entry points and run loop. An injection
 * is measured into an idle vCPU: what the operation made pending is taken
 * by the guest between two operations, uncounted (vt_insn_pause()), as on
 * v3 an interrupt already queued costs little more than a lookup.
 */

#define V3_DIST		HARNESS_V3_DIST_BASE
#define V3_RD		HARNESS_V3_REDIST_BASE
#define V3_ITS_DB	(HARNESS_V3_ITS_BASE + GITS_TRANSLATER)
#define V3_TABLES	0x40000000ULL
#define V3_SPI_EDGE	35		/* pin 3, as the v5 SPI 3 */
#define V3_SPI_LEVEL	36		/* pin 4, as the v5 SPI 4 */

static const struct harness_host v3_host = { .type = GIC_V3 };

/*
 * A v3 VM of one vCPU on a GICv3 host, after its first run; with @its,
 * an ITS the guest set up (harness_v3_its_guest_init()), its tables at
 * V3_TABLES.
 */
static struct kvm *v3_vm(bool its)
{
	int ret = harness_host_init(&v3_host);
	struct kvm *kvm;

	VT_EXPECT_EQ(ret, 0);
	kvm = ret ? NULL : harness_v3_vm_dev(1, 0, its, true, NULL);
	if (kvm && its)
		harness_v3_its_guest_init(kvm, 1, V3_TABLES);
	return kvm;
}

/* A guest access through the MMIO bus, nothing around it (both VMs) */
static void mmio_rd(struct kvm_vcpu *vcpu, gpa_t addr, int len)
{
	u64 val;

	harness_mmio_guest_read(vcpu, addr, len, &val);
}

static void mmio_wr(struct kvm_vcpu *vcpu, gpa_t addr, int len, u64 val)
{
	harness_mmio_guest_write(vcpu, addr, len, &val);
}

/* MMIO reads and writes of @n accesses each: the IRS frame, then GICv3's */
#define MMIO_N	2000

VT_BENCH(bench_mmio_insn)
{
	struct kvm *kvm = v5_lpi_vm();
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_rd(v0, IRS_BASE + GICV5_IRS_IDR0, 4);
	vt_insn_end(V5("IRS_IDR0 read"), MMIO_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_rd(v0, IRS_BASE + GICV5_IRS_SPI_STATUSR, 4);
	vt_insn_end(V5("IRS_SPI_STATUSR read"), MMIO_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_rd(v0, IRS_BASE + GICV5_IRS_PE_STATUSR, 4);
	vt_insn_end(V5("IRS_PE_STATUSR read"), MMIO_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_rd(v0, IRS_BASE + GICV5_IRS_IST_STATUSR, 4);
	vt_insn_end(V5("IRS_IST_STATUSR read"), MMIO_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_wr(v0, IRS_BASE + GICV5_IRS_SPI_SELR, 4, i & 7);
	vt_insn_end(V5("IRS_SPI_SELR write"), MMIO_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_wr(v0, IRS_BASE + GICV5_IRS_SPI_CFGR, 4,
			FIELD_PREP(GICV5_IRS_SPI_CFGR_TM, i & 1));
	vt_insn_end(V5("IRS_SPI_CFGR write"), MMIO_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_rd(v0, IRS_BASE + GICV5_IRS_IST_BASER, 8);
	vt_insn_end(V5("IRS_IST_BASER 64-bit read"), MMIO_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_rd(v0, IRS_BASE + GICV5_IRS_IST_BASER + 4, 4);
	vt_insn_end(V5("IRS_IST_BASER upper 32-bit read"), MMIO_N);
	harness_vm_destroy(kvm);
}

VT_BENCH(bench_v3ref_mmio_insn)
{
	struct kvm *kvm = v3_vm(true);
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_rd(v0, V3_DIST + GICD_TYPER, 4);
	vt_insn_end(REF("v3: GICD_TYPER read", "IRS_IDR0 read"), MMIO_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_rd(v0, V3_DIST + GICD_CTLR, 4);
	vt_insn_end(REF("v3: GICD_CTLR read (RWP)", "IRS_SPI_STATUSR read"), MMIO_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_rd(v0, V3_RD + GICR_CTLR, 4);
	vt_insn_end(REF("v3: GICR_CTLR read (RWP)",
			"IRS_PE_STATUSR read | IRS_IST_STATUSR read"), MMIO_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_wr(v0, V3_DIST + GICD_ICFGR + 8, 4, (i & 1) << 7);
	vt_insn_end(REF("v3: GICD_ICFGR write",
			"IRS_SPI_SELR write | IRS_SPI_CFGR write"), MMIO_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_rd(v0, V3_RD + GICR_PROPBASER, 8);
	vt_insn_end(REF("v3: GICR_PROPBASER 64-bit read", "IRS_IST_BASER 64-bit read"),
		    MMIO_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < MMIO_N; i++)
		mmio_rd(v0, V3_RD + GICR_PROPBASER + 4, 4);
	vt_insn_end(REF("v3: GICR_PROPBASER upper 32-bit read",
			"IRS_IST_BASER upper 32-bit read"), MMIO_N);
	harness_vm_destroy(kvm);
}

/* SPI injection into an idle vCPU, and SPIs taken by a guest run */
#define INJECT_N	500

static unsigned int level_takes;

/* One guest run taking SPI 4 INJECT_N times, each through the CDEOI trap */
static void guest_takes_level_spi(struct kvm_vcpu *vcpu)
{
	for (unsigned int i = 0; i < INJECT_N; i++)
		level_takes += harness_guest_take(vcpu, NULL) == SPI(4);
}

VT_BENCH(bench_injection_insn)
{
	struct kvm_kernel_irq_routing_entry e = {};
	const u32 spi3 = harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, 3);
	const u32 spi4 = harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, 4);
	struct kvm *kvm = v5_spi_vm();
	unsigned long flags;
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	/* GSI 3 routed to SPI 3 */
	VT_ASSERT_EQ(harness_irqchip_route(kvm, &e, 3, 3), 0);

	vt_insn_begin();
	for (unsigned int i = 0; i < INJECT_N; i++) {
		harness_irq_line(kvm, spi3, 1);
		vt_insn_pause();
		harness_irq_line(kvm, spi3, 0);
		VT_ASSERT_EQ(harness_run_take(v0, NULL), SPI(3));
		vt_insn_resume();
	}
	vt_insn_end(V5(SPI_IRQ_LINE), INJECT_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < INJECT_N; i++) {
		local_irq_save(flags);
		kvm_arch_set_irq_inatomic(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
		local_irq_restore(flags);
		vt_insn_pause();
		harness_irq_line(kvm, spi3, 0);
		VT_ASSERT_EQ(harness_run_take(v0, NULL), SPI(3));
		vt_insn_resume();
	}
	vt_insn_end(V5(SPI_IRQFD), INJECT_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < INJECT_N; i++) {
		harness_irq_line(kvm, spi3, 1);
		harness_run_take(v0, NULL);
		vt_insn_pause();
		harness_irq_line(kvm, spi3, 0);
		vt_insn_resume();
	}
	vt_insn_end(V5_REF(SPI_EDGE_RUN, SPI_LEVEL_RUN), INJECT_N);

	harness_irq_line(kvm, spi4, 1);
	vt_insn_begin();
	for (unsigned int i = 0; i < INJECT_N; i++)
		harness_run_take(v0, NULL);
	vt_insn_end(V5(SPI_LEVEL_RUN), INJECT_N);

	/*
	 * A guest that keeps running pays one trapped CDEOI, one exit and
	 * entry, per take; the run above also pays the exit that ends it.
	 */
	level_takes = 0;
	vt_insn_begin();
	harness_vcpu_enter_exit(v0, guest_takes_level_spi);
	vt_insn_end(V5(SPI_LEVEL_TAKE), INJECT_N);
	VT_EXPECT_EQ(level_takes, INJECT_N);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(4));
	harness_irq_line(kvm, spi4, 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	harness_vcpu_put(v0);
	harness_vm_destroy(kvm);
}

/* The guest took and EOIed every interrupt in the 4 LRs: all are invalid */
static void v3_guest_takes_lrs(struct kvm_vcpu *vcpu)
{
	static const u32 lrs[] = {
		SYS_ICH_LR0_EL2, SYS_ICH_LR1_EL2, SYS_ICH_LR2_EL2, SYS_ICH_LR3_EL2,
	};

	for (int i = 0; i < vcpu->arch.vgic_cpu.vgic_v3.used_lrs; i++)
		harness_sysreg_write(lrs[i], "SYS_ICH_LRn_EL2",
				     harness_sysreg_read(lrs[i], "SYS_ICH_LRn_EL2") &
				     ~ICH_LR_STATE);
}

/* One guest run of the loaded vCPU taking what is in its LRs */
static void v3_run_take(struct kvm_vcpu *vcpu)
{
	harness_vcpu_enter_exit(vcpu, v3_guest_takes_lrs);
}

VT_BENCH(bench_v3ref_injection_insn)
{
	const u32 edge = harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, V3_SPI_EDGE);
	const u32 level = harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, V3_SPI_LEVEL);
	struct kvm_kernel_irq_routing_entry e = {};
	struct kvm *kvm = v3_vm(false);
	struct vgic_irq *irq;
	unsigned long flags;
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	/* The guest: distributor on, SPI 35 edge and 36 level, both enabled */
	mmio_wr(v0, V3_DIST + GICD_CTLR, 4, GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_SS_G1);
	mmio_wr(v0, V3_DIST + GICD_ICFGR + 8, 4, BIT(V3_SPI_EDGE % 16 * 2 + 1));
	mmio_wr(v0, V3_DIST + GICD_ISENABLER + 4, 4,
		BIT(V3_SPI_EDGE % 32) | BIT(V3_SPI_LEVEL % 32));
	/* GSI 3 routed to pin 3: SPI 35 */
	VT_ASSERT_EQ(harness_irqchip_route(kvm, &e, 3, 3), 0);
	irq = vgic_get_irq(kvm, V3_SPI_EDGE);
	harness_vcpu_load(v0);

	vt_insn_begin();
	for (unsigned int i = 0; i < INJECT_N; i++) {
		harness_irq_line(kvm, edge, 1);
		vt_insn_pause();
		VT_ASSERT(irq_is_pending(irq) && irq->vcpu == v0);
		harness_irq_line(kvm, edge, 0);
		v3_run_take(v0);
		VT_ASSERT(!irq_is_pending(irq) && !irq->vcpu);
		vt_insn_resume();
	}
	vt_insn_end(REF("v3: KVM_IRQ_LINE: edge SPI raised", SPI_IRQ_LINE), INJECT_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < INJECT_N; i++) {
		local_irq_save(flags);
		kvm_arch_set_irq_inatomic(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
		local_irq_restore(flags);
		vt_insn_pause();
		VT_ASSERT(irq_is_pending(irq) && irq->vcpu == v0);
		v3_run_take(v0);
		vt_insn_resume();
	}
	vt_insn_end(REF("v3: irqfd atomic: edge SPI raised", SPI_IRQFD), INJECT_N);

	vt_insn_begin();
	for (unsigned int i = 0; i < INJECT_N; i++) {
		harness_irq_line(kvm, edge, 1);
		v3_run_take(v0);
		vt_insn_pause();
		VT_ASSERT(!irq_is_pending(irq) && !irq->vcpu);
		harness_irq_line(kvm, edge, 0);
		vt_insn_resume();
	}
	vt_insn_end(REF("v3: edge SPI: KVM_IRQ_LINE + run taking it", SPI_EDGE_RUN),
		    INJECT_N);
	vgic_put_irq(kvm, irq);

	/*
	 * Held high: pending again after each run (software resampling). The
	 * LR asks for an EOI maintenance interrupt: the exit that ends each
	 * run is the one the guest's EOI makes, so a guest that keeps running
	 * pays this per take too.
	 */
	irq = vgic_get_irq(kvm, V3_SPI_LEVEL);
	harness_irq_line(kvm, level, 1);
	vt_insn_begin();
	for (unsigned int i = 0; i < INJECT_N; i++)
		v3_run_take(v0);
	vt_insn_end(REF("v3: level SPI held high: run taking it", SPI_LEVEL_TAKE), INJECT_N);
	VT_EXPECT(irq_is_pending(irq) && irq->vcpu == v0);
	harness_irq_line(kvm, level, 0);
	v3_run_take(v0);
	VT_EXPECT(!irq_is_pending(irq) && !irq->vcpu);
	vgic_put_irq(kvm, irq);
	harness_vcpu_put(v0);
	harness_vm_destroy(kvm);
}

/*
 * MSIs through the GICv3 ITS: device 5, events 0 to n - 1 mapped to LPIs
 * 8192 + event on collection 0 (vCPU 0) by the guest's MAPD and MAPTI
 * commands. Cold: the first MSI of each event (the ITS's lists walked, the
 * translation cached); warm: an MSI of event 3, cached, into an idle vCPU.
 */
VT_BENCH(bench_v3ref_its_msi_insn)
{
	struct kvm_kernel_irq_routing_entry its = harness_msi_devid_route(V3_ITS_DB, 3, 5);
	const unsigned int n = 512;
	struct kvm *kvm = v3_vm(true);
	struct vgic_irq *irq;
	unsigned long flags;
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	harness_v3_its_mapd(kvm, 5, 10);
	for (unsigned int i = 0; i < n; i++)
		harness_v3_its_mapti(kvm, 5, i, 8192 + i, 0);
	harness_vcpu_load(v0);

	vt_insn_begin();
	for (unsigned int i = 0; i < n; i++) {
		its.msi.data = i;
		kvm_set_msi(&its, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
	}
	vt_insn_end(REF("v3: ITS MSI, cold: first of an event", ITS_COLD_LIN " | " ITS_COLD_2L),
		    n);
	/* Every one was delivered: the guest takes them, 4 a run (the LRs) */
	for (unsigned int i = 0; i < n / 4; i++)
		v3_run_take(v0);
	VT_EXPECT(list_empty(&v0->arch.vgic_cpu.ap_list_head));

	its.msi.data = 3;
	irq = vgic_get_irq(kvm, 8192 + 3);
	vt_insn_begin();
	for (unsigned int i = 0; i < n; i++) {
		local_irq_save(flags);
		kvm_arch_set_irq_inatomic(&its, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
		local_irq_restore(flags);
		vt_insn_pause();
		VT_ASSERT(irq_is_pending(irq) && irq->vcpu == v0);
		v3_run_take(v0);
		vt_insn_resume();
	}
	vt_insn_end(REF("v3: ITS MSI, warm: irqfd atomic", ITS_IRQFD), n);

	vt_insn_begin();
	for (unsigned int i = 0; i < n; i++) {
		kvm_set_msi(&its, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
		vt_insn_pause();
		VT_ASSERT(irq_is_pending(irq) && irq->vcpu == v0);
		v3_run_take(v0);
		vt_insn_resume();
	}
	vt_insn_end(REF("v3: ITS MSI, warm: KVM_SIGNAL_MSI", ITS_SIGNAL " | " MSI_SETLPI), n);
	vgic_put_irq(kvm, irq);
	harness_vcpu_put(v0);
	harness_vm_destroy(kvm);
}

/* The VM life cycle, and the vCPU's residency switch (load/put) */
#define VM_N		20
#define LOAD_PUT_N	1000

VT_BENCH(bench_vm_insn)
{
	struct kvm_vcpu *v0;
	struct kvm *kvm;

	vt_insn_begin();
	for (unsigned int i = 0; i < VM_N; i++) {
		kvm = harness_v5_vm(4, true);
		VT_ASSERT(kvm);
		harness_vm_destroy(kvm);
	}
	vt_insn_end(V5(VM_LIFE), VM_N);

	kvm = harness_v5_vm(1, true);
	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	vt_insn_begin();
	for (unsigned int i = 0; i < LOAD_PUT_N; i++) {
		harness_vcpu_load(v0);
		harness_vcpu_put(v0);
	}
	vt_insn_end(V5(VCPU_LOAD_PUT), LOAD_PUT_N);
	harness_vm_destroy(kvm);
}

VT_BENCH(bench_v3ref_vm_insn)
{
	struct kvm_vcpu *v0;
	struct kvm *kvm;

	VT_ASSERT_EQ(harness_host_init(&v3_host), 0);
	vt_insn_begin();
	for (unsigned int i = 0; i < VM_N; i++) {
		kvm = harness_v3_vm_dev(4, 0, false, true, NULL);
		VT_ASSERT(kvm);
		harness_vm_destroy(kvm);
	}
	vt_insn_end(REF("v3: VM, 4 vCPUs: create, CTRL_INIT, run, destroy", VM_LIFE), VM_N);

	kvm = harness_v3_vm_dev(1, 0, false, true, NULL);
	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	vt_insn_begin();
	for (unsigned int i = 0; i < LOAD_PUT_N; i++) {
		harness_vcpu_load(v0);
		harness_vcpu_put(v0);
	}
	vt_insn_end(REF("v3: vCPU load + put", VCPU_LOAD_PUT), LOAD_PUT_N);
	harness_vm_destroy(kvm);
}

/* ------------------------------------------------------- host bytes a VM */

/*
 * Host memory of a VM's GIC (tables, descriptors, ISTs), in bytes, for
 * make bench's table (the *_bytes benchmarks): what the harness's
 * allocator accounts live (kmalloc, vmalloc, pages) once vCPU 0 ran, less
 * what the same VM without a GIC device holds (struct kvm, the vCPUs). A
 * v5 VM with 1024 SPIs next to a v3 VM with the same vCPUs and as many
 * SPIs as GICv3 allows; the LPI IST of a 2^24 LPI space next to the target.
 */
#define MEM_SPIS	1024
#define V3_MAX_SPIS	960

static const int mem_vcpus[] = { 1, 8, 64 };

/* Bytes a VM of @nr_vcpus without a GIC holds */
static size_t no_gic_bytes(int nr_vcpus)
{
	size_t before = harness_alloc_bytes(), bytes;
	struct kvm *kvm = harness_vm_with(nr_vcpus, 0, NULL);

	if (!kvm)
		return 0;
	bytes = harness_alloc_bytes() - before;
	harness_vm_destroy(kvm);
	return bytes;
}

/* @fmt: a name with the vCPU count once, or twice (a reference) */
static void gic_bytes_report(struct kvm *kvm, size_t before, int nr_vcpus, const char *fmt)
{
	const char *s = nr_vcpus == 1 ? "" : "s";
	char what[192];

	snprintf(what, sizeof(what), fmt, nr_vcpus, s, nr_vcpus, s);
	/* What synchronize_srcu() lets the kernel free by now */
	scoped_guard(mutex, &kvm->slots_lock)
		harness_io_bus_reclaim(kvm);
	vt_bench_report(what, harness_alloc_bytes() - before - no_gic_bytes(nr_vcpus), "B");
	harness_vm_destroy(kvm);
}

#define VM_BYTES	"VM, %d vCPU%s, 1024 SPIs: host bytes of the GIC"

VT_BENCH(bench_vm_host_bytes)
{
	for (int i = 0; i < ARRAY_SIZE(mem_vcpus); i++) {
		size_t before = harness_alloc_bytes();
		struct kvm *kvm = harness_v5_vm_dev(mem_vcpus[i], MEM_SPIS, true, NULL);

		VT_ASSERT(kvm);
		gic_bytes_report(kvm, before, mem_vcpus[i], V5(VM_BYTES));
	}
}

VT_BENCH(bench_v3ref_vm_host_bytes)
{
	VT_ASSERT_EQ(harness_host_init(&v3_host), 0);
	for (int i = 0; i < ARRAY_SIZE(mem_vcpus); i++) {
		size_t before = harness_alloc_bytes();
		struct kvm *kvm = harness_v3_vm_dev(mem_vcpus[i], V3_MAX_SPIS, false, true, NULL);

		VT_ASSERT(kvm);
		gic_bytes_report(kvm, before, mem_vcpus[i],
				 REF("v3: VM, %d vCPU%s, 960 SPIs (its most)", VM_BYTES));
	}
}

/*
 * The host IST of a 2^24 LPI space (a two-level guest IST, 4 KiB L2
 * tables, as Linux makes it) with 1,000 LPIs mapped (the guest's
 * MAP_L2_ISTR of each L2 table they are in): as Linux allocates LPI IDs,
 * from 0 up (one L2 table), and scattered, one LPI an L2 table.
 */
#define LPI_SPACE(in)	"IST of 2^24 LPIs, 1000 in " in ": host bytes"
#define LPI_PACKED	"1 L2 table"
#define LPI_SCATTERED	"1000 L2 tables"

static void lpi_space_bytes(bool scattered)
{
	struct kvm *kvm = harness_v5_vm_dev(1, MEM_SPIS, true, NULL);
	struct kvm_vcpu *v0;
	char what[96];
	size_t before;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_memslot_add(kvm, 0, GUEST_IST, SZ_1M, 0), 0);
	v0 = kvm_get_vcpu(kvm, 0);
	before = harness_alloc_bytes();
	wr32(v0, GICV5_IRS_IST_CFGR,
	     FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE, 1) |
	     FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, 24));
	wr64(v0, GICV5_IRS_IST_BASER, GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	VT_ASSERT(rd64(v0, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID);
	for (u32 lpi = 0; lpi < 1000; lpi++) {
		u32 id = scattered ? lpi << 10 : lpi;

		if (!(id & (SZ_1K - 1)))
			wr32(v0, GICV5_IRS_MAP_L2_ISTR, id);
	}
	snprintf(what, sizeof(what), V5(LPI_SPACE("%s")),
		 scattered ? LPI_SCATTERED : LPI_PACKED);
	vt_bench_report(what, harness_alloc_bytes() - before, "B");
	harness_vm_destroy(kvm);
}

VT_BENCH(bench_lpi_space_host_bytes)
{
	ist_host_init(&ist_hosts[0]);
	lpi_space_bytes(false);
	lpi_space_bytes(true);
	vt_bench_report(REF("target: 1 MiB", LPI_SPACE(LPI_PACKED) " | " LPI_SPACE(LPI_SCATTERED)),
			SZ_1M, "B");
}
