// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's LPI IST with its tables in guest memory (gicv5-facts.md 2.4,
 * 2.5, 3.6): a two-level IST as stock Linux drives it (the L1 entry VALID
 * bit is the IRS's, set on IRS_MAP_L2_ISTR), on every host IST format,
 * failures of the host on the way (allocation, a dropped or stuck command),
 * boundaries, and the host memory a guest can make KVM allocate.
 */
#include "harness.h"
#include "vt.h"
#include "gicv5_model.h"

#define SETLPIR		(HARNESS_V5_IRS_BASE + 0x10000)
#define LPI(n)		vgic_v5_make_lpi(n)

/* Guest RAM: one dirty-logged slot, where the guest's kzalloc() takes its tables */
#define RAM_GPA		0x40000000ULL
#define RAM_SIZE	(8UL << 20)

#define NR_LPIS		3000
#define LPI_STRIDE	5	/* LPIs 0, 5, ..., 14995: 15 L2 ranges of 1024 */

/* The guest driver's state (gicv5_global_data.ist) and what it did */
struct guest {
	struct kvm *kvm;
	struct kvm_vcpu *vcpu;	/* the CPU the driver runs on, loaded */
	gpa_t brk;		/* the guest's allocator: a bump pointer */
	unsigned int id_bits;
	bool l2;
	unsigned int l2_bits;
	size_t l2_size;
	gpa_t l1ist;
	unsigned int nr_map_l2, nr_l2_alloc;
};

static int host_with(const struct gm_caps *caps)
{
	struct harness_host host = { .type = GIC_V5, .irs = caps };

	return harness_host_init(&host);
}

/* The guest's CPU interface offers 24-bit IDs (ICC_IDR0_EL1), before the VM */
static void cpuif_24_bits(void)
{
	harness_sysreg_write(SYS_ICC_IDR0_EL1, "SYS_ICC_IDR0_EL1",
			     FIELD_PREP(ICC_IDR0_EL1_ID_BITS, ICC_IDR0_EL1_ID_BITS_24BITS) |
			     FIELD_PREP(ICC_IDR0_EL1_PRI_BITS, ICC_IDR0_EL1_PRI_BITS_5BITS));
}

static int model_only_vm(void)
{
	for (u32 i = 0; i < BIT(gm_get_caps(harness_gm()).vm_id_bits); i++)
		if (gm_vm_valid(harness_gm(), i))
			return i;
	return -1;
}

/* A VM with @nr_vcpus, all run once, guest RAM, vCPU 0 loaded */
static bool guest_vm(struct guest *g, int nr_vcpus)
{
	memset(g, 0, sizeof(*g));
	g->kvm = harness_v5_vm(nr_vcpus, true);
	if (!g->kvm)
		return false;
	for (int i = 1; i < nr_vcpus; i++)
		VT_EXPECT_EQ(harness_vcpu_first_run(kvm_get_vcpu(g->kvm, i)), 0);
	VT_EXPECT_EQ(harness_memslot_add(g->kvm, 0, RAM_GPA, RAM_SIZE,
					 KVM_MEM_LOG_DIRTY_PAGES), 0);
	g->brk = RAM_GPA;
	g->vcpu = kvm_get_vcpu(g->kvm, 0);
	harness_vcpu_load(g->vcpu);
	return true;
}

static void guest_vm_destroy(struct guest *g)
{
	harness_vcpu_put(g->vcpu);
	harness_vm_destroy(g->kvm);
}

/* kzalloc() in the guest: zeroed and naturally aligned; 0 when RAM runs out */
static gpa_t guest_kzalloc(struct guest *g, size_t size)
{
	gpa_t p = ALIGN(g->brk, roundup_pow_of_two(max_t(size_t, size, 64)));

	if (p + size > RAM_GPA + RAM_SIZE)
		return 0;
	g->brk = p + size;
	return p;
}

static u64 guest_rd64(struct guest *g, gpa_t gpa)
{
	return le64_to_cpu(*(__le64 *)harness_guest_mem(g->kvm, gpa, 8));
}

static void guest_wr64(struct guest *g, gpa_t gpa, u64 val)
{
	*(__le64 *)harness_guest_mem(g->kvm, gpa, 8) = cpu_to_le64(val);
}

/* gicv5_irs_ist_synchronise(): KVM completes IST operations at once */
static int guest_ist_sync(struct guest *g)
{
	return rd32(g->vcpu, GICV5_IRS_IST_STATUSR) & GICV5_IRS_IST_STATUSR_IDLE ?
	       0 : -ETIMEDOUT;
}

/* gicv5_irs_l2_sz() with 4 KiB pages */
static unsigned int linux_l2_sz(u32 idr2)
{
	if (GICV5_IRS_IST_L2SZ_SUPPORT_4KB(idr2))
		return GICV5_IRS_IST_CFGR_L2SZ_4K;
	if (GICV5_IRS_IST_L2SZ_SUPPORT_16KB(idr2))
		return GICV5_IRS_IST_CFGR_L2SZ_16K;
	return GICV5_IRS_IST_CFGR_L2SZ_64K;
}

/* gicv5_irs_init_ist() and its _linear/_two_level helpers, in their order */
static int guest_init_ist(struct guest *g)
{
	struct kvm_vcpu *v = g->vcpu;
	u32 idr2, lpi_id_bits, l2sz = 0, istsz, cfgr, cpuif_id_bits, n;
	bool two_levels;
	gpa_t ist;
	size_t sz;

	if (rd64(v, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID)
		return -EPERM;

	idr2 = rd32(v, GICV5_IRS_IDR2);
	two_levels = FIELD_GET(GICV5_IRS_IDR2_IST_LEVELS, idr2);
	if (two_levels) {
		lpi_id_bits = FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2);
	} else {
		lpi_id_bits = max(12, FIELD_GET(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, idr2));
		lpi_id_bits = min(lpi_id_bits, FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2));
	}
	/* gicv5_global_data.cpuif_id_bits, from the guest's ICC_IDR0_EL1 */
	cpuif_id_bits = vgic_v5_guest_icc_id_bits() == ICC_IDR0_EL1_ID_BITS_24BITS ? 24 : 16;
	lpi_id_bits = min(lpi_id_bits, cpuif_id_bits);
	if (two_levels)
		l2sz = linux_l2_sz(idr2);
	istsz = GICV5_IRS_IST_CFGR_ISTSZ_4;
	if (FIELD_GET(GICV5_IRS_IDR2_ISTMD, idr2))
		istsz = lpi_id_bits < FIELD_GET(GICV5_IRS_IDR2_ISTMD_SZ, idr2) ?
			GICV5_IRS_IST_CFGR_ISTSZ_8 : GICV5_IRS_IST_CFGR_ISTSZ_16;

	g->id_bits = lpi_id_bits;
	if (two_levels && lpi_id_bits > (10 - istsz) + 2 * l2sz) {
		n = max(5, lpi_id_bits - ((10 - istsz) + 2 * l2sz) + 2);
		sz = BIT(n + 1);
		ist = guest_kzalloc(g, sz);
		if (!ist)
			return -ENOMEM;
		cfgr = FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE,
				  GICV5_IRS_IST_CFGR_STRUCTURE_TWO_LEVEL) |
		       FIELD_PREP(GICV5_IRS_IST_CFGR_ISTSZ, istsz) |
		       FIELD_PREP(GICV5_IRS_IST_CFGR_L2SZ, l2sz) |
		       FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, lpi_id_bits);
		wr32(v, GICV5_IRS_IST_CFGR, cfgr);
		g->l2_size = BIT(11 + 2 * l2sz + 1);
		g->l2_bits = (10 - istsz) + 2 * l2sz;
		g->l1ist = ist;
		g->l2 = true;
	} else {
		n = max(5, lpi_id_bits + 1 + istsz);
		sz = BIT(n + 1);
		ist = guest_kzalloc(g, sz);
		if (!ist)
			return -ENOMEM;
		cfgr = FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE,
				  GICV5_IRS_IST_CFGR_STRUCTURE_LINEAR) |
		       FIELD_PREP(GICV5_IRS_IST_CFGR_ISTSZ, istsz) |
		       FIELD_PREP(GICV5_IRS_IST_CFGR_L2SZ, GICV5_IRS_IST_CFGR_L2SZ_4K) |
		       FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, lpi_id_bits);
		wr32(v, GICV5_IRS_IST_CFGR, cfgr);
		g->l2 = false;
	}
	wr64(v, GICV5_IRS_IST_BASER,
	     (ist & GICV5_IRS_IST_BASER_ADDR_MASK) | GICV5_IRS_IST_BASER_VALID);
	return guest_ist_sync(g);
}

/* gicv5_irs_iste_alloc(), in its order */
static int guest_iste_alloc(struct guest *g, u32 lpi)
{
	unsigned int index;
	gpa_t l1e, l2ist;
	int ret;

	if (!g->l2)
		return 0;

	index = lpi >> g->l2_bits;
	l1e = g->l1ist + index * sizeof(u64);
	if (FIELD_GET(GICV5_ISTL1E_VALID, guest_rd64(g, l1e)))
		return 0;

	l2ist = guest_kzalloc(g, g->l2_size);
	if (!l2ist)
		return -ENOMEM;
	g->nr_l2_alloc++;
	guest_wr64(g, l1e, l2ist & GICV5_ISTL1E_L2_ADDR_MASK);

	wr32(g->vcpu, GICV5_IRS_MAP_L2_ISTR, FIELD_PREP(GICV5_IRS_MAP_L2_ISTR_ID, lpi));
	g->nr_map_l2++;
	ret = guest_ist_sync(g);
	if (ret)
		guest_wr64(g, l1e, 0);
	return ret;
}

/* gicv5_irs_register_cpu() for each vCPU, then IRS_CR0.IRSEN */
static void guest_irs_enable(struct guest *g)
{
	struct kvm_vcpu *v;
	unsigned long i;

	kvm_for_each_vcpu(i, v, g->kvm) {
		wr32(g->vcpu, GICV5_IRS_PE_SELR, v->vcpu_id);
		VT_EXPECT(rd32(g->vcpu, GICV5_IRS_PE_STATUSR) & GICV5_IRS_PE_STATUSR_V);
		wr32(g->vcpu, GICV5_IRS_PE_CR0, GICV5_IRS_PE_CR0_DPS);
	}
	wr32(g->vcpu, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN);
	/* The change takes effect on the next residency */
	harness_vcpu_put(g->vcpu);
	harness_vcpu_load(g->vcpu);
}

/* Priority, edge, targeted to @iaffid, enabled: the LPI irq_chip's CD* ops */
static void guest_route_lpi(u32 lpi, u16 iaffid)
{
	u64 type_id = LPI(lpi) & (GICV5_HWIRQ_TYPE | GICV5_HWIRQ_ID);

	harness_guest_insn(GM_CDPRI, FIELD_PREP(GICV5_GIC_CDPRI_PRIORITY_MASK, 4) | type_id);
	harness_guest_insn(GM_CDHM, type_id);
	harness_guest_insn(GM_CDAFF, FIELD_PREP(GICV5_GIC_CDAFF_IAFFID_MASK, iaffid) | type_id);
	harness_guest_insn(GM_CDEN, type_id);
}

static int msi(struct kvm *kvm, u32 lpi)
{
	return harness_msi(kvm, SETLPIR, lpi);
}

static u32 replay_lpi(unsigned int i)
{
	return i * LPI_STRIDE;
}

/* What the guest took in one KVM_RUN, by deliver_all()'s guest */
static u32 taken[NR_LPIS + 1];
static unsigned int nr_taken;

/* The guest takes interrupts until there is none (or too many) */
static void take_all(struct kvm_vcpu *vcpu)
{
	u32 intid;

	while (nr_taken <= NR_LPIS && (intid = harness_guest_take(vcpu, NULL)))
		taken[nr_taken++] = intid;
}

/*
 * The IRS holds every LPI routed as the guest asked: enabled, its priority,
 * targeted at its vCPU. Returns the number of LPIs that are not.
 */
static unsigned int check_routes(int nr_vcpus)
{
	unsigned int bad = 0;
	int vm = model_only_vm();
	u32 w;

	for (unsigned int i = 0; i < NR_LPIS; i++) {
		if (gm_ist_entry(harness_gm(), vm, GM_TYPE_LPI, replay_lpi(i), &w) ||
		    !(w & GM_ISTE_ENABLE) || GM_FIELD_GET(GM_ISTE_PRIORITY, w) != 4 ||
		    GM_FIELD_GET(GM_ISTE_IAFFID, w) != i % nr_vcpus)
			bad++;
	}
	return bad;
}

/*
 * Each vCPU takes exactly its LPIs, of those with an index multiple of
 * @step: MSIs for all of them, then the vCPU runs and takes interrupts
 * until there is none. Returns the number of LPIs missed or taken wrongly.
 * (The model scans the vIST for each acknowledge: all 3000 take seconds.)
 */
static unsigned int deliver(struct guest *g, int nr_vcpus, unsigned int step)
{
	unsigned long *seen = bitmap_zalloc(replay_lpi(NR_LPIS), GFP_KERNEL);
	unsigned int bad = 0, i;
	struct kvm_vcpu *v;
	u32 id;

	if (!seen)
		return NR_LPIS;
	harness_vcpu_put(g->vcpu);
	for (int c = 0; c < nr_vcpus; c++) {
		v = kvm_get_vcpu(g->kvm, c);
		for (i = 0; i < NR_LPIS; i += step)
			if (i % nr_vcpus == c)
				bad += msi(g->kvm, replay_lpi(i)) != 1;
		harness_vcpu_load(v);
		nr_taken = 0;
		harness_vcpu_enter_exit(v, take_all);
		harness_vcpu_put(v);
		for (unsigned int t = 0; t < nr_taken; t++) {
			id = FIELD_GET(GICV5_HWIRQ_ID, taken[t]);
			if (FIELD_GET(GICV5_HWIRQ_TYPE, taken[t]) != GICV5_HWIRQ_TYPE_LPI ||
			    id % (LPI_STRIDE * step) || id >= replay_lpi(NR_LPIS) ||
			    (id / LPI_STRIDE) % nr_vcpus != c ||
			    __test_and_set_bit(id, seen))
				bad++;
		}
	}
	for (i = 0; i < NR_LPIS; i += step)
		bad += !test_bit(replay_lpi(i), seen);
	bitmap_free(seen);
	harness_vcpu_load(g->vcpu);
	return bad;
}

/*
 * Stock Linux brings up its IST (gicv5_irs_init_ist()) and allocates
 * NR_LPIS LPIs (gicv5_irs_iste_alloc() each) over several L2 ranges, each
 * routed to a vCPU in turn: one MAP_L2_ISTR and one guest L2 table per
 * range, the L1 entries VALID with their L2_ADDR unchanged, only L1 pages
 * dirtied by KVM, every LPI routed as asked in the IRS, and delivered to
 * its vCPU (every @step-th one: all of them on the default host).
 */
static void linux_replay(const struct gm_caps *caps, bool cpuif24,
			 unsigned int expect_id_bits, unsigned int step)
{
	unsigned long dirty[BITS_TO_LONGS(RAM_SIZE >> PAGE_SHIFT)];
	unsigned int ranges = 0, bad = 0, errors = 0;
	const int nr_vcpus = 3;
	struct guest g;
	u32 last = -1;

	if (caps)
		VT_ASSERT_EQ(host_with(caps), 0);
	if (cpuif24)
		cpuif_24_bits();
	VT_ASSERT(guest_vm(&g, nr_vcpus));
	guest_irs_enable(&g);
	VT_ASSERT_EQ(guest_init_ist(&g), 0);
	VT_EXPECT_EQ(g.id_bits, expect_id_bits);
	VT_ASSERT(g.l2);
	VT_ASSERT(replay_lpi(NR_LPIS) <= BIT(g.id_bits));
	harness_get_dirty_log(g.kvm, 0, NULL);

	for (unsigned int i = 0; i < NR_LPIS; i++) {
		u32 lpi = replay_lpi(i);

		errors += guest_iste_alloc(&g, lpi) != 0;
		guest_route_lpi(lpi, i % nr_vcpus);
		if (lpi >> g.l2_bits != last) {
			last = lpi >> g.l2_bits;
			ranges++;
		}
	}
	VT_EXPECT_EQ(errors, 0);
	VT_EXPECT(ranges > 1);
	VT_EXPECT_EQ(g.nr_map_l2, ranges);
	VT_EXPECT_EQ(g.nr_l2_alloc, ranges);

	/* The L1 entries: VALID, pointing at the first (only) L2 table of each range */
	for (unsigned int r = 0; r < ranges; r++) {
		u64 e = guest_rd64(&g, g.l1ist + r * 8);

		bad += !(e & GICV5_ISTL1E_VALID);
		bad += (e & ~(GICV5_ISTL1E_L2_ADDR_MASK | GICV5_ISTL1E_VALID)) != 0;
	}
	VT_EXPECT_EQ(bad, 0);
	VT_EXPECT_EQ(guest_rd64(&g, g.l1ist + ranges * 8), 0);
	/* KVM wrote the L1 entries, and nothing else */
	VT_EXPECT_EQ(harness_get_dirty_log(g.kvm, 0, dirty),
		     DIV_ROUND_UP(ranges * 8, PAGE_SIZE));
	VT_EXPECT(test_bit((g.l1ist - RAM_GPA) >> PAGE_SHIFT, dirty));

	VT_EXPECT_EQ(check_routes(nr_vcpus), 0);
	VT_EXPECT_EQ(deliver(&g, nr_vcpus, step), 0);
	guest_vm_destroy(&g);
}

VT_TEST(guest_ist_linux_replay)
{
	linux_replay(NULL, false, 16, 1);
}

VT_TEST(guest_ist_linux_replay_24_bits)
{
	linux_replay(NULL, true, 24, 1);
}

/* ISTEs with metadata: 16-byte host ISTEs, 4 host L2 tables per guest range */
VT_TEST(guest_ist_linux_replay_host_istmd)
{
	struct gm_caps caps = gm_caps_default();

	caps.istmd = true;
	caps.istmd_sz = 12;
	linux_replay(&caps, true, 24, 20);
}

VT_TEST(guest_ist_linux_replay_host_16k_l2)
{
	struct gm_caps caps = gm_caps_default();

	caps.ist_l2sz = BIT(1);
	linux_replay(&caps, true, 24, 20);
}

VT_TEST(guest_ist_linux_replay_host_64k_l2)
{
	struct gm_caps caps = gm_caps_default();

	caps.ist_l2sz = BIT(2);
	linux_replay(&caps, true, 24, 20);
}

/* A linear-only host: 16 ID bits, even with a 24-bit CPU interface */
VT_TEST(guest_ist_linux_replay_host_linear_only)
{
	struct gm_caps caps = gm_caps_default();

	caps.ist_levels = false;
	linux_replay(&caps, true, 16, 20);
	VT_EXPECT_EQ(vgic_v5_guest_icc_id_bits(), ICC_IDR0_EL1_ID_BITS_16BITS);
}

/* A non-coherent host IRS: every on-demand host L2 table is cleaned */
VT_TEST(guest_ist_linux_replay_host_non_coherent)
{
	struct gm_caps caps = gm_caps_default();

	caps.coherent = false;
	linux_replay(&caps, true, 24, 20);
}

/* ------------------------------------------------------------- failures */

static gpa_t l1e_of(struct guest *g, u32 lpi)
{
	return g->l1ist + (lpi >> g->l2_bits) * sizeof(u64);
}

/* A two-level guest IST of 16 ID bits, 4 KiB L2 tables, on one vCPU */
static bool guest_two_level(struct guest *g)
{
	if (!guest_vm(g, 1))
		return false;
	guest_irs_enable(g);
	VT_EXPECT_EQ(guest_init_ist(g), 0);
	VT_EXPECT(g->l2);
	VT_EXPECT_EQ(g->l2_bits, 10);
	return g->l2;
}

/*
 * The host IRS drops the VMAP_L2_VISTR of a MAP_L2_ISTR: nothing is
 * backed, VALID stays clear. The guest's next allocation in the range maps
 * it again, and this time the host backs it and LPIs in it are delivered.
 */
VT_TEST(guest_ist_map_l2_dropped_command_then_retry)
{
	struct guest g;
	u32 word;
	int vm;

	VT_ASSERT(guest_two_level(&g));
	vm = model_only_vm();
	gm_set_drop_after(harness_gm(), 0);
	VT_EXPECT_EQ(guest_iste_alloc(&g, 2048), 0);
	VT_EXPECT(!(guest_rd64(&g, l1e_of(&g, 2048)) & GICV5_ISTL1E_VALID));
	VT_EXPECT_EQ(msi(g.kvm, 2048), 0);
	VT_EXPECT_EQ(gm_ist_entry(harness_gm(), vm, GM_TYPE_LPI, 2048, &word), -1);

	VT_EXPECT_EQ(guest_iste_alloc(&g, 2049), 0);
	VT_EXPECT_EQ(g.nr_map_l2, 2);
	VT_EXPECT(guest_rd64(&g, l1e_of(&g, 2049)) & GICV5_ISTL1E_VALID);
	VT_EXPECT_EQ(gm_ist_entry(harness_gm(), vm, GM_TYPE_LPI, 2049, &word), 0);
	guest_route_lpi(2049, 0);
	VT_EXPECT_EQ(msi(g.kvm, 2049), 1);
	VT_EXPECT_EQ(harness_run_take(g.vcpu, NULL), LPI(2049));
	/* The third allocation in the range finds VALID: no more MAP_L2_ISTR */
	VT_EXPECT_EQ(guest_iste_alloc(&g, 2050), 0);
	VT_EXPECT_EQ(g.nr_map_l2, 2);
	guest_vm_destroy(&g);
}

/* Every host allocation of a MAP_L2_ISTR fails in turn; the guest retries */
VT_TEST(guest_ist_map_l2_alloc_failure_then_retry)
{
	unsigned int n;
	struct guest g;
	u32 lpi = 0;
	bool ok = false;

	VT_ASSERT(guest_two_level(&g));
	for (n = 1; n < 16 && !ok; n++) {
		unsigned long live = harness_allocs_live();

		lpi += 1024;
		fault_inject_nth_alloc(n);
		VT_EXPECT_EQ(guest_iste_alloc(&g, lpi), 0);
		ok = !fault_injected();
		fault_inject_nth_alloc(0);
		if (ok)
			break;
		VT_EXPECT(!(guest_rd64(&g, l1e_of(&g, lpi)) & GICV5_ISTL1E_VALID));
		VT_EXPECT_EQ(msi(g.kvm, lpi), 0);
		VT_EXPECT_EQ(harness_allocs_live(), live);
		/* The guest's next allocation in the range */
		VT_EXPECT_EQ(guest_iste_alloc(&g, lpi + 1), 0);
		VT_EXPECT(guest_rd64(&g, l1e_of(&g, lpi)) & GICV5_ISTL1E_VALID);
		VT_EXPECT_EQ(msi(g.kvm, lpi + 1), 1);
	}
	VT_EXPECT(ok);
	VT_EXPECT(n > 1);
	VT_EXPECT_EQ(harness_reports(HR_WARN), 0);
	guest_vm_destroy(&g);
}

/* The VMAP_L2_VISTR times out: the VM is dead, no VALID, memory kept */
VT_TEST(guest_ist_map_l2_timeout)
{
	unsigned long live = harness_allocs_live();
	struct guest g;
	struct kvm *next;

	VT_ASSERT(guest_two_level(&g));
	gm_set_stuck_after(harness_gm(), 0);
	VT_EXPECT_EQ(guest_iste_alloc(&g, 3000), 0);
	VT_EXPECT(!(guest_rd64(&g, l1e_of(&g, 3000)) & GICV5_ISTL1E_VALID));
	VT_EXPECT_EQ(msi(g.kvm, 3000), 0);
	/* A retry does not touch the IRS again */
	VT_EXPECT_EQ(guest_iste_alloc(&g, 3001), 0);
	VT_EXPECT(!(guest_rd64(&g, l1e_of(&g, 3001)) & GICV5_ISTL1E_VALID));
	guest_vm_destroy(&g);
	VT_EXPECT(harness_allocs_live() > live);
	gm_set_stuck(harness_gm(), false);
	gm_drain(harness_gm());
	next = harness_v5_vm(1, false);
	VT_ASSERT(next);
	VT_EXPECT_EQ(harness_valid_vms(), 1);
	harness_vm_destroy(next);
	VT_EXPECT_EQ(harness_allocs_live(), live);
}

/* IST_BASER invalid -> valid times out: BASER stays invalid, the VM dies */
VT_TEST(guest_ist_baser_map_timeout)
{
	unsigned long live = harness_allocs_live();
	struct guest g;
	struct kvm *next;

	VT_ASSERT(guest_vm(&g, 1));
	gm_set_stuck_after(harness_gm(), 0);
	VT_EXPECT_EQ(guest_init_ist(&g), 0);
	VT_EXPECT(!(rd64(g.vcpu, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID));
	VT_EXPECT_EQ(msi(g.kvm, 1), 0);
	/* Trying again gets nowhere, and does not touch the IRS */
	wr64(g.vcpu, GICV5_IRS_IST_BASER, RAM_GPA | GICV5_IRS_IST_BASER_VALID);
	VT_EXPECT(!(rd64(g.vcpu, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID));
	guest_vm_destroy(&g);
	gm_set_stuck(harness_gm(), false);
	gm_drain(harness_gm());
	next = harness_v5_vm(1, false);
	VT_ASSERT(next);
	VT_EXPECT_EQ(harness_valid_vms(), 1);
	harness_vm_destroy(next);
	VT_EXPECT_EQ(harness_allocs_live(), live);
}

/* IST_BASER valid -> invalid times out: LPIs stop, the IST is kept */
VT_TEST(guest_ist_baser_unmap_timeout)
{
	unsigned long live = harness_allocs_live(), mapped;
	struct guest g;
	struct kvm *next;

	VT_ASSERT(guest_two_level(&g));
	VT_EXPECT_EQ(guest_iste_alloc(&g, 5), 0);
	VT_EXPECT_EQ(msi(g.kvm, 5), 1);
	mapped = harness_allocs_live();
	gm_set_stuck_after(harness_gm(), 0);
	wr64(g.vcpu, GICV5_IRS_IST_BASER, 0);
	VT_EXPECT_EQ(rd64(g.vcpu, GICV5_IRS_IST_BASER), 0);
	VT_EXPECT_EQ(msi(g.kvm, 5), 0);
	/* Nothing was freed that the IRS may still read */
	VT_EXPECT(harness_allocs_live() >= mapped - 1);
	/* A new IST cannot be had from a dead VM */
	VT_EXPECT_EQ(guest_init_ist(&g), 0);
	VT_EXPECT(!(rd64(g.vcpu, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID));
	guest_vm_destroy(&g);
	gm_set_stuck(harness_gm(), false);
	gm_drain(harness_gm());
	next = harness_v5_vm(1, false);
	VT_ASSERT(next);
	harness_vm_destroy(next);
	VT_EXPECT_EQ(harness_allocs_live(), live);
}

/* ----------------------------------------------------------- boundaries */

static void set_ist(struct guest *g, bool two_level, unsigned int l2sz,
		    unsigned int id_bits, gpa_t base)
{
	wr32(g->vcpu, GICV5_IRS_IST_CFGR,
	     FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE, two_level) |
	     FIELD_PREP(GICV5_IRS_IST_CFGR_L2SZ, l2sz) |
	     FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, id_bits));
	wr64(g->vcpu, GICV5_IRS_IST_BASER, base | GICV5_IRS_IST_BASER_VALID);
}

static bool ist_valid(struct guest *g)
{
	return rd64(g->vcpu, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID;
}

/*
 * A two-level IST of 8 ID bits with 4 KiB L2 tables (1024 LPIs): one L1
 * entry, whose L2 table is only partly used. MAP_L2_ISTR of ID 2^ID_BITS
 * is out of range: ignored, nothing written or allocated.
 */
VT_TEST(guest_ist_two_level_smaller_than_one_l2)
{
	struct guest g;
	unsigned long live;
	gpa_t l1;

	VT_ASSERT(guest_vm(&g, 1));
	guest_irs_enable(&g);
	l1 = guest_kzalloc(&g, 64);
	/* What the guest left in the L1 table past its one entry */
	guest_wr64(&g, l1 + 8, 0x12345000);
	set_ist(&g, true, GICV5_IRS_IST_CFGR_L2SZ_4K, 8, l1);
	VT_ASSERT(ist_valid(&g));
	harness_get_dirty_log(g.kvm, 0, NULL);
	live = harness_allocs_live();

	wr32(g.vcpu, GICV5_IRS_MAP_L2_ISTR, 256);
	wr32(g.vcpu, GICV5_IRS_MAP_L2_ISTR, 1024);
	VT_EXPECT_EQ(harness_allocs_live(), live);
	VT_EXPECT_EQ(harness_get_dirty_log(g.kvm, 0, NULL), 0);
	VT_EXPECT_EQ(guest_rd64(&g, l1), 0);
	VT_EXPECT_EQ(guest_rd64(&g, l1 + 8), 0x12345000);
	VT_EXPECT_EQ(msi(g.kvm, 0), 0);

	guest_wr64(&g, l1, 0x40100000);
	wr32(g.vcpu, GICV5_IRS_MAP_L2_ISTR, 255);
	VT_EXPECT_EQ(guest_rd64(&g, l1), 0x40100000 | GICV5_ISTL1E_VALID);
	VT_EXPECT_EQ(guest_rd64(&g, l1 + 8), 0x12345000);
	VT_EXPECT_EQ(harness_get_dirty_log(g.kvm, 0, NULL), 1);
	VT_EXPECT_EQ(msi(g.kvm, 0), 1);
	VT_EXPECT_EQ(msi(g.kvm, 255), 1);
	VT_EXPECT_EQ(msi(g.kvm, 256), 0);
	guest_vm_destroy(&g);
}

/* An L1 entry that is already VALID is not written again */
VT_TEST(guest_ist_map_l2_valid_entry_unchanged)
{
	struct guest g;
	gpa_t l1e;

	VT_ASSERT(guest_two_level(&g));
	VT_EXPECT_EQ(guest_iste_alloc(&g, 7), 0);
	l1e = l1e_of(&g, 7);
	VT_ASSERT(guest_rd64(&g, l1e) & GICV5_ISTL1E_VALID);
	harness_get_dirty_log(g.kvm, 0, NULL);
	wr32(g.vcpu, GICV5_IRS_MAP_L2_ISTR, 7);
	VT_EXPECT_EQ(harness_get_dirty_log(g.kvm, 0, NULL), 0);

	/* The guest marked an entry VALID itself: it is kept as it is */
	guest_wr64(&g, l1e_of(&g, 4096), 0x40200000 | GICV5_ISTL1E_VALID);
	wr32(g.vcpu, GICV5_IRS_MAP_L2_ISTR, 4096);
	VT_EXPECT_EQ(harness_get_dirty_log(g.kvm, 0, NULL), 0);
	VT_EXPECT_EQ(guest_rd64(&g, l1e_of(&g, 4096)), 0x40200000 | GICV5_ISTL1E_VALID);
	guest_vm_destroy(&g);
}

/*
 * The L1 table is not in guest RAM: the IRS could not read the entry, so
 * MAP_L2_ISTR does nothing (no host memory, LPIs dropped) until it is.
 */
VT_TEST(guest_ist_map_l2_l1_not_in_ram)
{
	const gpa_t outside = RAM_GPA + RAM_SIZE;
	unsigned long live;
	struct guest g;

	VT_ASSERT(guest_vm(&g, 1));
	set_ist(&g, true, GICV5_IRS_IST_CFGR_L2SZ_4K, 16, outside);
	VT_ASSERT(ist_valid(&g));
	live = harness_allocs_live();
	wr32(g.vcpu, GICV5_IRS_MAP_L2_ISTR, 5);
	VT_EXPECT_EQ(harness_allocs_live(), live);
	VT_EXPECT_EQ(msi(g.kvm, 5), 0);
	VT_EXPECT_EQ(harness_reports(HR_WARN), 0);

	/* The VMM adds RAM there: the next MAP_L2_ISTR works */
	VT_ASSERT_EQ(harness_memslot_add(g.kvm, 1, outside, PAGE_SIZE, 0), 0);
	wr32(g.vcpu, GICV5_IRS_MAP_L2_ISTR, 5);
	VT_EXPECT(guest_rd64(&g, outside) & GICV5_ISTL1E_VALID);
	VT_EXPECT_EQ(msi(g.kvm, 5), 1);
	guest_vm_destroy(&g);
}

/* ------------------------------------------------------ host memory rule */

/*
 * A linear IST is backed as a whole when made valid, so it is limited to
 * 16 ID bits: beyond, the valid write is dropped and nothing is allocated,
 * however many times the guest tries. A two-level IST of 24 ID bits costs
 * the host its L1 table only until L2 tables are mapped.
 */
VT_TEST(guest_ist_linear_limited_to_16_bits)
{
	struct guest g;
	size_t before;

	cpuif_24_bits();
	VT_ASSERT(guest_vm(&g, 1));
	VT_ASSERT_EQ(FIELD_GET(GICV5_IRS_IDR2_ID_BITS, rd32(g.vcpu, GICV5_IRS_IDR2)), 24);
	before = harness_alloc_bytes();
	for (int i = 0; i < 3; i++) {
		set_ist(&g, false, 0, 24, RAM_GPA);
		VT_EXPECT(!ist_valid(&g));
		set_ist(&g, false, 0, 17, RAM_GPA);
		VT_EXPECT(!ist_valid(&g));
	}
	VT_EXPECT_EQ(harness_alloc_bytes(), before);

	set_ist(&g, false, 0, 16, RAM_GPA);
	VT_ASSERT(ist_valid(&g));
	VT_EXPECT_EQ(msi(g.kvm, 65535), 1);
	VT_EXPECT(harness_alloc_bytes() - before <= SZ_256K + SZ_4K);
	wr64(g.vcpu, GICV5_IRS_IST_BASER, 0);
	VT_EXPECT_EQ(harness_alloc_bytes(), before);

	set_ist(&g, true, GICV5_IRS_IST_CFGR_L2SZ_4K, 24, RAM_GPA);
	VT_ASSERT(ist_valid(&g));
	/* The L1 table, 2^14 entries, and KVM's L2 pointers: 256 KiB */
	VT_EXPECT(harness_alloc_bytes() - before <= SZ_256K + SZ_4K);
	guest_vm_destroy(&g);
}

/*
 * The host IRS lock serializes the IRS commands of every VM: whatever IST
 * the guest configures and maps, KVM allocates no more than one host L2
 * table while it holds it (the L1 or linear table is allocated before).
 */
VT_TEST(guest_ist_no_large_allocation_under_irs_lock)
{
	struct guest g;

	cpuif_24_bits();
	VT_ASSERT(guest_vm(&g, 1));
	set_ist(&g, false, 0, 16, RAM_GPA);
	VT_ASSERT(ist_valid(&g));
	wr64(g.vcpu, GICV5_IRS_IST_BASER, 0);
	set_ist(&g, true, GICV5_IRS_IST_CFGR_L2SZ_64K, 24, RAM_GPA);
	VT_ASSERT(ist_valid(&g));
	/* 64 KiB guest L2 tables: 16 host L2 tables of 4 KiB each */
	wr32(g.vcpu, GICV5_IRS_MAP_L2_ISTR, 0);
	VT_EXPECT(guest_rd64(&g, RAM_GPA) & GICV5_ISTL1E_VALID);
	VT_EXPECT_EQ(msi(g.kvm, 16383), 1);
	VT_EXPECT(harness_alloc_max_under("v5_irs.lock") <= SZ_4K);
	guest_vm_destroy(&g);
}
