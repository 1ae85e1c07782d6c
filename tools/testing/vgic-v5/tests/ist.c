// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_DEV_ARM_VGIC_GRP_IST (gicv5-facts.md 6.5, 7): the interrupt state
 * tables saved from a VM that ran, restored into a new VM with the VMM
 * helper of the KVM selftests (vgic_v5_save.c), saved again byte for byte,
 * and then delivered: exactly the pending interrupts, to the vCPU they
 * target, in priority order. Linear and two-level guest ISTs, flat and
 * compact images, guest RAM loaded before or after the restore, every
 * errno, corrupted images, failures injected at every allocation and
 * every IRS command, the first run held back until the ISTs are there,
 * randomized VM states, and a CPR handover with interrupts raised from
 * another thread throughout.
 */
#include <pthread.h>

#include "harness.h"
#include "vt.h"
#include "gicv5_model.h"
#include "kvm_util.h"
#include "vgic_v5_save.h"

#define GRP		KVM_DEV_ARM_VGIC_GRP_IST
#define SETLPIR		(HARNESS_V5_IRS_BASE + 0x10000)
#define SPI(n)		vgic_v5_make_spi(n)
#define LPI(n)		vgic_v5_make_lpi(n)

/* Guest RAM: the guest's two-level IST (L1 table, then its L2 tables) */
#define RAM_GPA		0x40000000ULL
#define RAM_SIZE	(4UL << 20)
#define L2_GPA		(RAM_GPA + SZ_64K)
/* A linear IST is never read by KVM: its address need not be RAM */
#define LINEAR_GPA	0x48000000ULL

#define MAX_INTRS	64

/* VT_ASSERT*() for functions that return a value */
#define TRY(cond, ret)							\
	do {								\
		if (!(cond)) {						\
			vt_fail(__FILE__, __LINE__, "%s", #cond);	\
			return ret;					\
		}							\
	} while (0)

enum lpi_ist { NO_LPIS, LINEAR, TWO_LEVEL };

/* What a VM is made of, and the interrupts its guest set up */
struct intr {
	u32 intid;
	u8 prio;
	u16 vcpu;		/* index into cfg.vcpu_ids */
	bool level;		/* SPIs: IRS_SPI_CFGR.TM */
	bool enabled;
	bool pending;
	bool active;		/* set in the saved image: the guest is in its handler */
};

struct cfg {
	int nr_vcpus;
	int vcpu_ids[4];
	u32 nr_spis;
	enum lpi_ist lpis;
	unsigned int id_bits;
	unsigned int l2sz;
	unsigned long mapped[4];	/* two-level: the L2 ranges the guest mapped */
	bool compact;
	bool ram_after;			/* guest RAM loaded after GRP_IST */
	bool cpu_first;			/* ICC state restored before the rest */
	int nr;
	struct intr intr[MAX_INTRS];
};

struct vm {
	struct kvm *kvm;
	struct kvm_device *dev;
	int fd;
};

static unsigned int l2_bits(const struct cfg *c)
{
	return 10 + 2 * c->l2sz;
}

static unsigned int nr_ranges(const struct cfg *c)
{
	return BIT(c->id_bits - min(c->id_bits, l2_bits(c)));
}

static struct kvm_vcpu *vcpu_of(struct kvm *kvm, int id)
{
	return kvm_get_vcpu_by_id(kvm, id);
}

/* KVM_CREATE_VM, the vCPUs, the IRS, NR_IRQS, CTRL_INIT (restore steps 1-4) */
static bool vm_create(struct vm *vm, const struct cfg *c)
{
	struct kvm_vcpu *v;
	u32 nr_spis = c->nr_spis;

	memset(vm, 0, sizeof(*vm));
	vm->kvm = harness_vm_create();
	if (!vm->kvm)
		return false;
	for (int i = 0; i < c->nr_vcpus; i++)
		TRY((harness_vcpu_create(vm->kvm, c->vcpu_ids[i], &v)) == (0), false);
	TRY((harness_create_device(vm->kvm, KVM_DEV_TYPE_ARM_VGIC_V5, &vm->dev)) == (0), false);
	TRY((harness_v5_set_irs(vm->dev)) == (0), false);
	TRY((harness_set_attr(vm->dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_spis)) == (0), false);
	TRY((harness_vgic_init(vm->dev)) == (0), false);
	vm->fd = harness_device_fd(vm->dev);
	return true;
}

static void vm_ram(struct vm *vm, const void *content)
{
	VT_ASSERT_EQ(harness_memslot_add(vm->kvm, 0, RAM_GPA, RAM_SIZE, 0), 0);
	if (content)
		memcpy(harness_guest_mem(vm->kvm, RAM_GPA, RAM_SIZE), content, RAM_SIZE);
}

/* MPIDR_EL1 of a vCPU, as a VMM reads it (KVM_GET_ONE_REG) */
static u64 mpidr_of(struct kvm *kvm, int id)
{
	return kvm_vcpu_get_mpidr_aff(vcpu_of(kvm, id));
}

static int first_run_all(struct vm *vm, const struct cfg *c)
{
	int ret = 0;

	for (int i = 0; i < c->nr_vcpus && !ret; i++)
		ret = harness_vcpu_first_run(vcpu_of(vm->kvm, c->vcpu_ids[i]));
	return ret;
}

/* Priority, handling mode, affinity, enable: the guest driver's CD* ops */
static void guest_route(const struct cfg *c, const struct intr *in)
{
	u64 type_id = in->intid & (GICV5_HWIRQ_TYPE | GICV5_HWIRQ_ID);

	harness_guest_insn(GM_CDPRI, FIELD_PREP(GICV5_GIC_CDPRI_PRIORITY_MASK, in->prio) | type_id);
	/* As Linux: an SPI's trigger mode is IRS_SPI_CFGR.TM, an LPI's is edge */
	if (FIELD_GET(GICV5_HWIRQ_TYPE, in->intid) == GICV5_HWIRQ_TYPE_LPI)
		harness_guest_insn(GM_CDHM, FIELD_PREP(GICV5_GIC_CDHM_HM_MASK, 0) | type_id);
	harness_guest_insn(GM_CDAFF, FIELD_PREP(GICV5_GIC_CDAFF_IAFFID_MASK,
						c->vcpu_ids[in->vcpu]) | type_id);
	if (in->enabled)
		harness_guest_insn(GM_CDEN, type_id);
}

static int msi(struct kvm *kvm, u32 lpi)
{
	return harness_msi(kvm, SETLPIR, lpi);
}

static int spi_line(struct kvm *kvm, u32 spi, bool level)
{
	return harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, spi), level);
}

/*
 * The guest brings its IRS up as Linux does (each PE, IRSEN, the LPI IST,
 * L2 tables through IRS_MAP_L2_ISTR) and routes the interrupts, and
 * devices make some of them pending.
 */
static bool guest_boot(struct vm *vm, const struct cfg *c)
{
	struct kvm_vcpu *v0;
	u32 cfgr;

	v0 = vcpu_of(vm->kvm, c->vcpu_ids[0]);
	harness_vcpu_load(v0);
	for (int i = 0; i < c->nr_vcpus; i++) {
		wr32(v0, GICV5_IRS_PE_SELR, c->vcpu_ids[i]);
		wr32(v0, GICV5_IRS_PE_CR0, GICV5_IRS_PE_CR0_DPS);
	}
	wr32(v0, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN);
	if (c->lpis != NO_LPIS) {
		cfgr = FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE, c->lpis == TWO_LEVEL) |
		       FIELD_PREP(GICV5_IRS_IST_CFGR_L2SZ, c->l2sz) |
		       FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, c->id_bits);
		wr32(v0, GICV5_IRS_IST_CFGR, cfgr);
		wr64(v0, GICV5_IRS_IST_BASER, (c->lpis == TWO_LEVEL ? RAM_GPA : LINEAR_GPA) |
		     GICV5_IRS_IST_BASER_VALID);
		TRY(rd64(v0, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID, false);
	}
	if (c->lpis == TWO_LEVEL) {
		size_t l2 = 4UL << l2_bits(c);
		unsigned long i;

		for_each_set_bit(i, c->mapped, nr_ranges(c)) {
			gpa_t l2_gpa = L2_GPA + i * l2;

			TRY(l2_gpa + l2 <= RAM_GPA + RAM_SIZE, false);
			*(__le64 *)harness_guest_mem(vm->kvm, RAM_GPA + i * 8, 8) =
				cpu_to_le64(l2_gpa);
			wr32(v0, GICV5_IRS_MAP_L2_ISTR, i << l2_bits(c));
		}
	}
	for (int i = 0; i < c->nr; i++) {
		const struct intr *in = &c->intr[i];

		if (FIELD_GET(GICV5_HWIRQ_TYPE, in->intid) == GICV5_HWIRQ_TYPE_SPI) {
			wr32(v0, GICV5_IRS_SPI_SELR, FIELD_GET(GICV5_HWIRQ_ID, in->intid));
			wr32(v0, GICV5_IRS_SPI_CFGR, FIELD_PREP(GICV5_IRS_SPI_CFGR_TM, in->level));
		}
		guest_route(c, in);
	}
	harness_vcpu_put(v0);
	for (int i = 0; i < c->nr; i++) {
		const struct intr *in = &c->intr[i];
		u32 id = FIELD_GET(GICV5_HWIRQ_ID, in->intid);

		if (!in->pending)
			continue;
		if (FIELD_GET(GICV5_HWIRQ_TYPE, in->intid) == GICV5_HWIRQ_TYPE_LPI)
			VT_EXPECT_EQ(msi(vm->kvm, id), 1);
		else if (in->level)	/* raised, then lowered once migrated */
			VT_EXPECT_EQ(spi_line(vm->kvm, id, true), 0);
		else
			VT_EXPECT_EQ(spi_line(vm->kvm, id, true) ?:
				     spi_line(vm->kvm, id, false), 0);
	}
	return true;
}

/* The source VM: it runs, and its guest boots (guest_boot()) */
static bool source_vm(struct vm *vm, const struct cfg *c)
{
	if (!vm_create(vm, c))
		return false;
	vm_ram(vm, NULL);
	TRY((first_run_all(vm, c)) == (0), false);
	return guest_boot(vm, c);
}

static int prio_cmp(const void *a, const void *b)
{
	const struct intr *x = a, *y = b;

	return x->prio - y->prio;
}

/*
 * Each vCPU runs and takes interrupts until there is none: exactly the
 * pending and enabled ones that target it, by priority. Returns the
 * number of interrupts missed, taken twice, taken by the wrong vCPU or
 * out of order.
 */
static int deliver(struct vm *vm, const struct cfg *c)
{
	struct intr want[MAX_INTRS];
	int bad = 0;

	for (int v = 0; v < c->nr_vcpus; v++) {
		struct kvm_vcpu *vcpu = vcpu_of(vm->kvm, c->vcpu_ids[v]);
		int n = 0, t = 0;
		u32 got;

		for (int i = 0; i < c->nr; i++)
			if (c->intr[i].vcpu == v && c->intr[i].pending && c->intr[i].enabled &&
			    !c->intr[i].active)
				want[n++] = c->intr[i];
		qsort(want, n, sizeof(want[0]), prio_cmp);
		harness_vcpu_load(vcpu);
		while ((got = harness_run_take(vcpu, NULL)) && t <= MAX_INTRS) {
			bool found = false;

			/* Equal priorities come in either order */
			for (int i = t; i < n && want[i].prio == want[t].prio; i++) {
				if (want[i].intid == got) {
					swap(want[i], want[t]);
					found = true;
					break;
				}
			}
			/* The device behind a level SPI lowers it once handled */
			for (int i = 0; i < c->nr; i++)
				if (c->intr[i].intid == got && c->intr[i].level)
					spi_line(vm->kvm, FIELD_GET(GICV5_HWIRQ_ID, got), false);
			if (!found) {
				vt_diag("vCPU %d took 0x%x, expected 0x%x\n", c->vcpu_ids[v],
					got, t < n ? want[t].intid : 0);
				bad++;
			}
			t++;
		}
		harness_vcpu_put(vcpu);
		if (t < n) {
			vt_diag("vCPU %d took %d of %d interrupts\n", c->vcpu_ids[v], t, n);
			bad += n - t;
		}
	}
	return bad;
}

/* The IRS holds every interrupt as the guest configured it */
static int check_config(struct vm *vm, const struct cfg *c)
{
	int vmid = -1, bad = 0;

	for (u32 i = 0; i < BIT(gm_get_caps(harness_gm()).vm_id_bits); i++)
		if (gm_vm_valid(harness_gm(), i))
			vmid = i;
	for (int i = 0; i < c->nr; i++) {
		const struct intr *in = &c->intr[i];
		bool lpi = FIELD_GET(GICV5_HWIRQ_TYPE, in->intid) == GICV5_HWIRQ_TYPE_LPI;
		u32 w;

		if (gm_ist_entry(harness_gm(), vmid, lpi ? GM_TYPE_LPI : GM_TYPE_SPI,
				 FIELD_GET(GICV5_HWIRQ_ID, in->intid), &w) ||
		    !!(w & GM_ISTE_ENABLE) != in->enabled ||
		    GM_FIELD_GET(GM_ISTE_PRIORITY, w) != in->prio ||
		    GM_FIELD_GET(GM_ISTE_IAFFID, w) != c->vcpu_ids[in->vcpu] ||
		    (w & GM_ISTE_HM))
			bad++;
		/* An SPI's trigger mode is KVM's: its vIST entry is edge-handled */
		if (!lpi && (vgic_get_irq(vm->kvm, in->intid)->config == VGIC_CONFIG_LEVEL) !=
		    in->level)
			bad++;
	}
	return bad;
}

static bool same_image(const struct vgic_v5_ist_image *a, const struct vgic_v5_ist_image *b)
{
	return a->spi_size == b->spi_size && a->lpi_size == b->lpi_size &&
	       !memcmp(a->spi, b->spi, a->spi_size) &&
	       (!a->lpi_size || !memcmp(a->lpi, b->lpi, a->lpi_size));
}

/*
 * Interrupts marked active in @c are so in the saved image, as if the
 * guest was in their handlers when it was saved: SPIs, and LPIs of a flat
 * image (cfg_random() marks no others).
 */
static void mark_active(const struct cfg *c, struct vgic_v5_ist_image *img)
{
	for (int i = 0; i < c->nr; i++) {
		const struct intr *in = &c->intr[i];
		u32 id = FIELD_GET(GICV5_HWIRQ_ID, in->intid);

		if (!in->active)
			continue;
		if (FIELD_GET(GICV5_HWIRQ_TYPE, in->intid) == GICV5_HWIRQ_TYPE_SPI)
			img->spi[id] |= cpu_to_le32(GICV5_ISTL2E_ACTIVE);
		else
			((__le32 *)img->lpi)[id] |= cpu_to_le32(GICV5_ISTL2E_ACTIVE);
	}
}

/*
 * Migrate: save the source, copy its RAM, destroy it, restore into a new
 * VM (RAM before or after GRP_IST), save that again: the same images.
 * Then the ISTs are as configured and exactly the pending interrupts are
 * delivered. Returns the number of problems.
 */
static int migrate(const struct cfg *c)
{
	struct vgic_v5_state s = {}, again = {};
	struct vgic_v5_cpu_regs cpu[4], cpu_again;
	struct vm src, dst;
	void *ram;
	int bad = 0;

	if (!source_vm(&src, c))
		return 1;
	VT_EXPECT_EQ(vgic_v5_state_save(src.fd, &s, c->compact), 0);
	for (int i = 0; i < c->nr_vcpus; i++)
		VT_EXPECT_EQ(vgic_v5_cpu_regs_save(src.fd, mpidr_of(src.kvm, c->vcpu_ids[i]),
						   &cpu[i]), 0);
	ram = malloc(RAM_SIZE);
	TRY(ram, 1);
	memcpy(ram, harness_guest_mem(src.kvm, RAM_GPA, RAM_SIZE), RAM_SIZE);
	harness_vm_destroy(src.kvm);
	mark_active(c, &s.ist);

	TRY(vm_create(&dst, c), 1);
	if (!c->ram_after)
		vm_ram(&dst, ram);
	/* Per-vCPU ICC state: its order against the rest is free */
	for (int i = 0; c->cpu_first && i < c->nr_vcpus; i++)
		VT_EXPECT_EQ(vgic_v5_cpu_regs_restore(dst.fd, mpidr_of(dst.kvm, c->vcpu_ids[i]),
						      &cpu[i]), 0);
	VT_EXPECT_EQ(vgic_v5_state_restore(dst.fd, &s), 0);
	for (int i = 0; !c->cpu_first && i < c->nr_vcpus; i++)
		VT_EXPECT_EQ(vgic_v5_cpu_regs_restore(dst.fd, mpidr_of(dst.kvm, c->vcpu_ids[i]),
						      &cpu[i]), 0);
	if (c->ram_after)
		vm_ram(&dst, ram);
	VT_EXPECT_EQ(vgic_v5_state_save(dst.fd, &again, c->compact), 0);
	if (!same_image(&s.ist, &again.ist)) {
		vt_diag("the image saved again differs\n");
		bad++;
	}
	for (int i = 0; i < c->nr_vcpus; i++) {
		VT_EXPECT_EQ(vgic_v5_cpu_regs_save(dst.fd, mpidr_of(dst.kvm, c->vcpu_ids[i]),
						   &cpu_again), 0);
		if (memcmp(cpu[i].val, cpu_again.val, sizeof(cpu_again.val))) {
			vt_diag("vCPU %d: the ICC state saved again differs\n", c->vcpu_ids[i]);
			bad++;
		}
	}
	bad += check_config(&dst, c);
	VT_EXPECT_EQ(first_run_all(&dst, c), 0);
	bad += deliver(&dst, c);

	vgic_v5_ist_free(&s.ist);
	vgic_v5_ist_free(&again.ist);
	free(ram);
	harness_vm_destroy(dst.kvm);
	return bad;
}

/* A VM of two vCPUs with SPIs and LPIs of each kind */
static void cfg_basic(struct cfg *c, enum lpi_ist lpis, bool compact)
{
	const struct intr intrs[] = {
		{ SPI(3), 8, 1, false, true, true },
		{ SPI(7), 2, 1, true, true, true },	/* level, pending */
		{ SPI(9), 4, 0, false, true, false },	/* enabled, idle */
		{ SPI(33), 6, 0, false, false, true },	/* pending, disabled */
		{ SPI(60), 1, 0, false, true, true },
		{ LPI(5), 3, 0, false, true, true },
		{ LPI(1500), 5, 1, false, true, true },
		{ LPI(2047), 7, 0, false, true, false },
	};

	memset(c, 0, sizeof(*c));
	c->nr_vcpus = 2;
	c->vcpu_ids[0] = 0;
	c->vcpu_ids[1] = 1;
	c->nr_spis = 64;
	c->lpis = lpis;
	c->id_bits = 12;
	c->compact = compact;
	/* L2 ranges 0 and 1 hold LPIs, range 3 is mapped and empty */
	__set_bit(0, c->mapped);
	__set_bit(1, c->mapped);
	__set_bit(3, c->mapped);
	for (int i = 0; i < ARRAY_SIZE(intrs); i++)
		if (lpis != NO_LPIS || FIELD_GET(GICV5_HWIRQ_TYPE, intrs[i].intid) ==
		    GICV5_HWIRQ_TYPE_SPI)
			c->intr[c->nr++] = intrs[i];
}

/* migrate() of cfg_basic()'s VM with an LPI IST of @lpis */
static int migrate_basic(enum lpi_ist lpis, bool compact, bool ram_after)
{
	struct cfg c;

	cfg_basic(&c, lpis, compact);
	c.ram_after = ram_after;
	return migrate(&c);
}

VT_TEST(ist_migrate_spis_only)
{
	VT_EXPECT_EQ(migrate_basic(NO_LPIS, false, false), 0);
}

VT_TEST(ist_migrate_linear_flat)
{
	VT_EXPECT_EQ(migrate_basic(LINEAR, false, false), 0);
}

VT_TEST(ist_migrate_linear_compact)
{
	VT_EXPECT_EQ(migrate_basic(LINEAR, true, false), 0);
}

VT_TEST(ist_migrate_two_level_flat)
{
	VT_EXPECT_EQ(migrate_basic(TWO_LEVEL, false, false), 0);
}

VT_TEST(ist_migrate_two_level_compact)
{
	VT_EXPECT_EQ(migrate_basic(TWO_LEVEL, true, false), 0);
}

VT_TEST(ist_migrate_two_level_compact_ram_after)
{
	VT_EXPECT_EQ(migrate_basic(TWO_LEVEL, true, true), 0);
}

/*
 * A two-level IST restored from a compact image: a range the guest had
 * mapped but never used is backed (its L1 entry is VALID in the guest's
 * RAM, so the guest will not map it again); one it never mapped is not,
 * and the compact image of the new VM lists the same ranges.
 */
VT_TEST(ist_two_level_mapped_ranges_are_state)
{
	struct vgic_v5_state s = {};
	struct kvm_vgic_v5_ist_compact *hdr;
	struct vm src, dst;
	struct kvm_vcpu *v0;
	struct cfg c;
	struct intr in = { LPI(3 * 1024 + 17), 2, 0, false, true, true };

	cfg_basic(&c, TWO_LEVEL, true);
	for (int i = 0; i < c.nr; i++)
		c.intr[i].pending = false;
	VT_ASSERT(source_vm(&src, &c));
	VT_ASSERT_EQ(vgic_v5_state_save(src.fd, &s, true), 0);
	hdr = s.ist.lpi;
	VT_EXPECT_EQ(hdr->range_bits, 10);
	VT_EXPECT_EQ(hdr->nr_ranges, 3);
	VT_EXPECT_EQ(s.ist.lpi_size, 8 + 3 * (4 + 4096));
	harness_vm_destroy(src.kvm);

	VT_ASSERT(vm_create(&dst, &c));
	VT_ASSERT_EQ(vgic_v5_state_restore(dst.fd, &s), 0);
	VT_ASSERT_EQ(first_run_all(&dst, &c), 0);
	v0 = vcpu_of(dst.kvm, 0);
	harness_vcpu_load(v0);
	guest_route(&c, &in);
	harness_vcpu_put(v0);
	/* The host backs the ranges the guest mapped, and only those */
	for (u32 vmid = 0, w; vmid < BIT(gm_get_caps(harness_gm()).vm_id_bits); vmid++) {
		if (!gm_vm_valid(harness_gm(), vmid))
			continue;
		VT_EXPECT_EQ(gm_ist_entry(harness_gm(), vmid, GM_TYPE_LPI, 3 * 1024 + 1, &w), 0);
		VT_EXPECT(gm_ist_entry(harness_gm(), vmid, GM_TYPE_LPI, 2 * 1024 + 1, &w) != 0);
	}
	/* Range 3: mapped, empty before; range 2: never mapped, dropped */
	VT_EXPECT_EQ(msi(dst.kvm, 3 * 1024 + 17), 1);
	VT_EXPECT_EQ(msi(dst.kvm, 2 * 1024 + 1), 0);
	harness_vcpu_load(v0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), in.intid);
	harness_vcpu_put(v0);
	vgic_v5_ist_free(&s.ist);
	harness_vm_destroy(dst.kvm);
}

static int get_irs_reg(struct vm *vm, u32 off, u64 *val)
{
	return harness_get_attr(vm->dev, KVM_DEV_ARM_VGIC_GRP_IRS_REGS, off, val);
}

static int set_irs_reg(struct vm *vm, u32 off, u64 val)
{
	return harness_set_attr(vm->dev, KVM_DEV_ARM_VGIC_GRP_IRS_REGS, off, &val);
}

/* The upstream feature set (no SETLPI, linear ISTs, 16 ID bits) is kept */
VT_TEST(ist_upstream_feature_set_round_trip)
{
	struct vgic_v5_state s = {};
	struct vm src, dst;
	struct cfg c;
	u64 idr0, idr2;

	cfg_basic(&c, NO_LPIS, false);
	VT_ASSERT(vm_create(&src, &c));
	VT_ASSERT_EQ(get_irs_reg(&src, GICV5_IRS_IDR0, &idr0), 0);
	VT_ASSERT_EQ(get_irs_reg(&src, GICV5_IRS_IDR2, &idr2), 0);
	idr0 &= ~(u64)GICV5_IRS_IDR0_SETLPI;
	idr2 &= ~(u64)(GICV5_IRS_IDR2_IST_LEVELS | GICV5_IRS_IDR2_IST_L2SZ |
		       GICV5_IRS_IDR2_ID_BITS);
	idr2 |= FIELD_PREP(GICV5_IRS_IDR2_ID_BITS, 16);
	VT_ASSERT_EQ(set_irs_reg(&src, GICV5_IRS_IDR0, idr0), 0);
	VT_ASSERT_EQ(set_irs_reg(&src, GICV5_IRS_IDR2, idr2), 0);
	VT_ASSERT_EQ(vgic_v5_state_save(src.fd, &s, false), 0);
	harness_vm_destroy(src.kvm);

	VT_ASSERT(vm_create(&dst, &c));
	VT_ASSERT_EQ(vgic_v5_state_restore(dst.fd, &s), 0);
	VT_ASSERT_EQ(get_irs_reg(&dst, GICV5_IRS_IDR0, &idr0), 0);
	VT_ASSERT_EQ(get_irs_reg(&dst, GICV5_IRS_IDR2, &idr2), 0);
	VT_EXPECT(!(idr0 & GICV5_IRS_IDR0_SETLPI));
	VT_EXPECT(!FIELD_GET(GICV5_IRS_IDR2_IST_LEVELS, idr2));
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2), 16);
	/* And KVM behaves so: SETLPIR is an address like any other */
	VT_EXPECT_EQ(msi(dst.kvm, 1), -EINVAL);
	vgic_v5_ist_free(&s.ist);
	harness_vm_destroy(dst.kvm);
}

/* ---------------------------------------------------------------- errnos */

VT_TEST(ist_has_attr)
{
	struct vm vm;
	struct cfg c;

	cfg_basic(&c, NO_LPIS, false);
	VT_ASSERT(vm_create(&vm, &c));
	VT_EXPECT_EQ(harness_has_attr(vm.dev, GRP, KVM_DEV_ARM_VGIC_IST_FLAT), 0);
	VT_EXPECT_EQ(harness_has_attr(vm.dev, GRP, KVM_DEV_ARM_VGIC_IST_COMPACT), 0);
	VT_EXPECT_EQ(harness_has_attr(vm.dev, GRP, 2), -ENXIO);
	VT_EXPECT_EQ(harness_has_attr(vm.dev, GRP, 1ULL << 32), -ENXIO);
	harness_vm_destroy(vm.kvm);
}

VT_TEST(ist_errnos)
{
	u32 spi[64] = {}, lpi[4096] = {};
	struct kvm_vgic_v5_ist ist = {
		.spi_ist_addr = (u64)(uintptr_t)spi, .spi_ist_size = sizeof(spi),
	};
	struct kvm_device *dev;
	struct harness_vcpu_holder *h;
	struct kvm *kvm;
	struct vm vm;
	struct cfg c;
	u64 baser = LINEAR_GPA | GICV5_IRS_IST_BASER_VALID, cfgr, idr2;

	/* Not initialised; no IRS (a PPI-only VM) */
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_get_attr(dev, GRP, 0, &ist), -ENXIO);
	VT_EXPECT_EQ(harness_v5_set_irs(dev), 0);
	VT_EXPECT_EQ(harness_get_attr(dev, GRP, 0, &ist), -EBUSY);
	VT_EXPECT_EQ(harness_set_attr(dev, GRP, 0, &ist), -EBUSY);
	harness_vm_destroy(kvm);
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT_EQ(harness_get_attr(dev, GRP, 0, &ist), -ENXIO);
	harness_vm_destroy(kvm);

	cfg_basic(&c, NO_LPIS, false);
	VT_ASSERT(vm_create(&vm, &c));
	/* attr */
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 2, &ist), -ENXIO);
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 2, &ist), -ENXIO);
	/* addr */
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, NULL), -EINVAL);
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 0, NULL), -EINVAL);
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, HARNESS_BAD_UPTR), -EFAULT);
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 0, HARNESS_BAD_UPTR), -EFAULT);
	/* buffers */
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, &ist), 0);
	ist.spi_ist_size = 60 * 4;
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, &ist), -EINVAL);
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 0, &ist), -EINVAL);
	ist.spi_ist_size = sizeof(spi);
	ist.spi_ist_addr = 0;
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, &ist), -EINVAL);
	ist.spi_ist_addr = (u64)(uintptr_t)HARNESS_BAD_UPTR;
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, &ist), -EFAULT);
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 0, &ist), -EFAULT);
	ist.spi_ist_addr = (u64)(uintptr_t)spi;
	/* An LPI buffer while IST_BASER is invalid */
	ist.lpi_ist_addr = (u64)(uintptr_t)lpi;
	ist.lpi_ist_size = sizeof(lpi);
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, &ist), -EINVAL);
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 0, &ist), -EINVAL);
	/* A restored valid IST_BASER (12 ID bits): the LPI buffer is needed */
	cfgr = FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, 12);
	VT_ASSERT_EQ(set_irs_reg(&vm, GICV5_IRS_IST_CFGR, cfgr), 0);
	VT_ASSERT_EQ(set_irs_reg(&vm, GICV5_IRS_IST_BASER, baser), 0);
	/* Saving with no LPI IST behind it */
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, &ist), -ENXIO);
	ist.lpi_ist_size = sizeof(lpi) - 4;
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 0, &ist), -EINVAL);
	ist.lpi_ist_size = sizeof(lpi);
	ist.lpi_ist_addr = 0;
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 0, &ist), -EINVAL);
	ist.lpi_ist_addr = (u64)(uintptr_t)HARNESS_BAD_UPTR;
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 0, &ist), -EFAULT);
	ist.lpi_ist_addr = (u64)(uintptr_t)lpi;
	/* IST_CFGR the VM's IDR2 does not allow (ISTSZ 8 bytes) */
	cfgr |= FIELD_PREP(GICV5_IRS_IST_CFGR_ISTSZ, GICV5_IRS_IST_CFGR_ISTSZ_8);
	VT_ASSERT_EQ(set_irs_reg(&vm, GICV5_IRS_IST_CFGR, cfgr), 0);
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 0, &ist), -EINVAL);
	/* The restore is still pending: nothing to save, whatever IST_CFGR is */
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, &ist), -ENXIO);
	cfgr = FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, 12);
	VT_ASSERT_EQ(set_irs_reg(&vm, GICV5_IRS_IST_CFGR, cfgr), 0);
	/* A vCPU running */
	h = harness_hold_vcpu(vcpu_of(vm.kvm, 0));
	VT_ASSERT(h);
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 0, &ist), -EBUSY);
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, &ist), -EBUSY);
	harness_release_vcpu(h);
	/* Now it works; then the LPI IST exists */
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 0, &ist), 0);
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 0, &ist), -EBUSY);
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, &ist), 0);
	/*
	 * From now on IDR2, which the saves check IST_CFGR against, and the
	 * IST's IST_CFGR and IST_BASER take only their current values
	 */
	VT_ASSERT_EQ(get_irs_reg(&vm, GICV5_IRS_IDR2, &idr2), 0);
	VT_ASSERT(FIELD_GET(GICV5_IRS_IDR2_IST_LEVELS, idr2));
	VT_EXPECT_EQ(set_irs_reg(&vm, GICV5_IRS_IDR2,
				 idr2 & ~(u64)GICV5_IRS_IDR2_IST_LEVELS), -EINVAL);
	VT_EXPECT_EQ(set_irs_reg(&vm, GICV5_IRS_IDR2, idr2), 0);
	VT_EXPECT_EQ(set_irs_reg(&vm, GICV5_IRS_IST_CFGR,
				 FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, 13)), -EINVAL);
	VT_EXPECT_EQ(set_irs_reg(&vm, GICV5_IRS_IST_CFGR, cfgr), 0);
	VT_EXPECT_EQ(set_irs_reg(&vm, GICV5_IRS_IST_BASER, 0), -EINVAL);
	VT_EXPECT_EQ(set_irs_reg(&vm, GICV5_IRS_IST_BASER, baser), 0);
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, &ist), 0);
	/* Not quiescent */
	gm_set_quiesce(harness_gm(), false);
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, &ist), -EBUSY);
	gm_set_quiesce(harness_gm(), true);
	/* Compact: a buffer too small says how much is needed */
	ist.lpi_ist_size = 8;
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, KVM_DEV_ARM_VGIC_IST_COMPACT, &ist), 0);
	VT_EXPECT_EQ(ist.lpi_ist_size, 8);
	lpi[100] = cpu_to_le32(GICV5_ISTL2E_ENABLE);
	harness_vm_destroy(vm.kvm);

	/* Restore after the VM ran */
	VT_ASSERT(vm_create(&vm, &c));
	VT_ASSERT_EQ(first_run_all(&vm, &c), 0);
	ist.lpi_ist_addr = 0;
	ist.lpi_ist_size = 0;
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, 0, &ist), 0);
	VT_EXPECT_EQ(harness_set_attr(vm.dev, GRP, 0, &ist), -EBUSY);
	harness_vm_destroy(vm.kvm);
}

/* Compact save into too small a buffer: -ENOSPC, and the size it needs */
VT_TEST(ist_compact_enospc)
{
	struct kvm_vgic_v5_ist ist = {};
	u32 spi[64];
	u8 lpi[64];
	struct vm vm;
	struct cfg c;

	cfg_basic(&c, LINEAR, true);
	VT_ASSERT(source_vm(&vm, &c));
	ist.spi_ist_addr = (u64)(uintptr_t)spi;
	ist.spi_ist_size = sizeof(spi);
	ist.lpi_ist_addr = (u64)(uintptr_t)lpi;
	ist.lpi_ist_size = sizeof(lpi);
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, KVM_DEV_ARM_VGIC_IST_COMPACT, &ist), -ENOSPC);
	/* LPIs 5, 1500, 2047: ranges 0 and 1 of 1024 */
	VT_EXPECT_EQ(ist.lpi_ist_size, 8 + 2 * (4 + 4096));
	/* Flat: the size is the image's, never a capacity */
	ist.lpi_ist_size = 4096 * 4 + 4;
	VT_EXPECT_EQ(harness_get_attr(vm.dev, GRP, KVM_DEV_ARM_VGIC_IST_FLAT, &ist), -EINVAL);
	harness_vm_destroy(vm.kvm);
}

/* ------------------------------------------------------- corrupted images */

/*
 * Restore an image of cfg @c's VM that @corrupt spoiled: refused, the VM
 * is left as it was, SPI 9 that a device raised before included, and
 * takes the good image then, which it saves back unchanged but for SPI 9
 * pending. The return value is the refused restore's.
 */
static int restore_corrupted(const struct cfg *c, void (*corrupt)(struct vgic_v5_state *s))
{
	struct vgic_v5_state s = {}, good = {}, again = {};
	const __le32 pending = cpu_to_le32(GICV5_ISTL2E_PENDING);
	struct vm src, dst;
	int ret, unchanged;

	TRY(source_vm(&src, c), -1);
	TRY((vgic_v5_state_save(src.fd, &s, c->compact)) == (0), -1);
	TRY((vgic_v5_state_save(src.fd, &good, c->compact)) == (0), -1);
	harness_vm_destroy(src.kvm);
	TRY(!(good.ist.spi[9] & pending), -1);
	TRY(vm_create(&dst, c), -1);
	TRY((vgic_v5_irs_regs_restore(dst.fd, &s.regs, NULL)) == (0), -1);
	VT_EXPECT_EQ(spi_line(dst.kvm, 9, true), 0);
	VT_EXPECT_EQ(spi_line(dst.kvm, 9, false), 0);
	corrupt(&s);
	ret = vgic_v5_ist_restore(dst.fd, &s.ist);
	harness_uaccess_fault(NULL, 0);
	/* Refused: nothing changed, the VM still waits for its ISTs */
	unchanged = harness_vcpu_first_run(vcpu_of(dst.kvm, 0)) == -EINVAL;
	VT_EXPECT(unchanged);
	VT_EXPECT_EQ(vgic_v5_ist_restore(dst.fd, &good.ist), 0);
	VT_EXPECT_EQ(vgic_v5_ist_save(dst.fd, &again.ist, c->compact), 0);
	VT_EXPECT(again.ist.spi && (again.ist.spi[9] & pending));
	if (again.ist.spi)
		again.ist.spi[9] &= ~pending;
	VT_EXPECT(same_image(&good.ist, &again.ist));
	vgic_v5_ist_free(&s.ist);
	vgic_v5_ist_free(&good.ist);
	vgic_v5_ist_free(&again.ist);
	harness_vm_destroy(dst.kvm);
	return ret;
}

static void reserved_bits(struct vgic_v5_state *s)
{
	s->ist.spi[3] |= cpu_to_le32(BIT(6));
}

static void one_of_n(struct vgic_v5_state *s)
{
	((__le32 *)s->ist.lpi)[5] |= cpu_to_le32(GICV5_ISTL2E_IRM);
}

static void bad_iaffid(struct vgic_v5_state *s)
{
	/* Two vCPUs: 1 IAFFID bit */
	s->ist.spi[9] |= cpu_to_le32(FIELD_PREP(GICV5_ISTL2E_IAFFID, 2));
}

static void truncated(struct vgic_v5_state *s)
{
	s->ist.lpi_size -= 4;
}

static void compact_header(struct vgic_v5_state *s)
{
	((struct kvm_vgic_v5_ist_compact *)s->ist.lpi)->range_bits = 9;
}

static void compact_count(struct vgic_v5_state *s)
{
	((struct kvm_vgic_v5_ist_compact *)s->ist.lpi)->nr_ranges = 3;
}

static void compact_order(struct vgic_v5_state *s)
{
	u8 *p = s->ist.lpi + 8;

	/* Second record's index == the first's */
	memcpy(p + 4 + 4096, p, 4);
}

static void compact_index(struct vgic_v5_state *s)
{
	*(__le32 *)(s->ist.lpi + 8 + 4 + 4096) = cpu_to_le32(4);
}

/*
 * A bad word at either end of a compact record, whose words are not
 * 8-byte aligned (after the record's index): the first one alone, the
 * last after the whole rounds the check ORs at once.
 */
static void compact_first_word(struct vgic_v5_state *s)
{
	*(__le32 *)(s->ist.lpi + 8 + 4) |= cpu_to_le32(GICV5_ISTL2E_IRM);
}

static void compact_last_word(struct vgic_v5_state *s)
{
	*(__le32 *)(s->ist.lpi + 8 + 4 + 4096 - 4) |= cpu_to_le32(GICV5_ISTL2E_IRM);
}

/*
 * The last word of the LPI image, after all the others were loaded: of a
 * flat one, or of the last record of a compact one
 */
static void last_lpi_word(struct vgic_v5_state *s)
{
	((__le32 *)s->ist.lpi)[s->ist.lpi_size / 4 - 1] |= cpu_to_le32(GICV5_ISTL2E_IRM);
}

/*
 * A bad word in the chunk of the LPI image where another word has HWU,
 * which the IRS must never find set by software
 */
static void hwu_then_bad(struct vgic_v5_state *s)
{
	((__le32 *)s->ist.lpi)[1] |= cpu_to_le32(GICV5_ISTL2E_HWU);
	((__le32 *)s->ist.lpi)[6] |= cpu_to_le32(GICV5_ISTL2E_IRM);
}

/* The last page of the LPI image faults, as an unmapped one would */
static void lpi_tail_faults(struct vgic_v5_state *s)
{
	harness_uaccess_fault(s->ist.lpi + s->ist.lpi_size - 4096, 4096);
}

/*
 * The LPI image faults half way through a chunk of 1024 words, after a
 * word of it with HWU and PENDING set
 */
static void lpi_mid_chunk_faults(struct vgic_v5_state *s)
{
	((__le32 *)s->ist.lpi)[s->ist.lpi_size / 4 - 600] |=
		cpu_to_le32(GICV5_ISTL2E_HWU | GICV5_ISTL2E_PENDING);
	harness_uaccess_fault(s->ist.lpi + s->ist.lpi_size - 2048, 2048);
}

static void last_spi(struct vgic_v5_state *s)
{
	s->ist.spi[s->ist.spi_size / 4 - 1] |= cpu_to_le32(GICV5_ISTL2E_IRM);
}

/* A spoiled image: the VM's LPI IST and image kind, the spoiling, the errno */
struct corruption {
	enum lpi_ist lpis;
	bool compact;
	void (*corrupt)(struct vgic_v5_state *s);
	const char *name;
	int err;
};

#define CORRUPTION(lpis, compact, fn, err)	{ lpis, compact, fn, #fn, err }

/* Found before the VM changes */
static const struct corruption corrupted_early[] = {
	CORRUPTION(LINEAR, false, reserved_bits, -EINVAL),
	CORRUPTION(LINEAR, false, one_of_n, -EINVAL),
	CORRUPTION(LINEAR, false, bad_iaffid, -EINVAL),
	CORRUPTION(LINEAR, false, truncated, -EINVAL),
	CORRUPTION(LINEAR, false, last_spi, -EINVAL),
	CORRUPTION(LINEAR, true, compact_first_word, -EINVAL),
	CORRUPTION(LINEAR, true, compact_last_word, -EINVAL),
	CORRUPTION(LINEAR, true, compact_header, -EINVAL),
	CORRUPTION(LINEAR, true, compact_count, -EINVAL),
	CORRUPTION(LINEAR, true, compact_order, -EINVAL),
	CORRUPTION(LINEAR, true, compact_index, -EINVAL),
};

/* Found as the LPI image is loaded */
static const struct corruption corrupted_late[] = {
	CORRUPTION(LINEAR, false, last_lpi_word, -EINVAL),
	CORRUPTION(LINEAR, false, hwu_then_bad, -EINVAL),
	CORRUPTION(LINEAR, false, lpi_tail_faults, -EFAULT),
	CORRUPTION(LINEAR, false, lpi_mid_chunk_faults, -EFAULT),
	CORRUPTION(LINEAR, true, last_lpi_word, -EINVAL),
	CORRUPTION(LINEAR, true, lpi_tail_faults, -EFAULT),
	CORRUPTION(TWO_LEVEL, false, last_lpi_word, -EINVAL),
	CORRUPTION(TWO_LEVEL, false, hwu_then_bad, -EINVAL),
	CORRUPTION(TWO_LEVEL, false, lpi_tail_faults, -EFAULT),
	CORRUPTION(TWO_LEVEL, false, lpi_mid_chunk_faults, -EFAULT),
	CORRUPTION(TWO_LEVEL, true, compact_last_word, -EINVAL),
	CORRUPTION(TWO_LEVEL, true, last_lpi_word, -EINVAL),
	CORRUPTION(TWO_LEVEL, true, lpi_tail_faults, -EFAULT),
};

/* restore_corrupted() of each of the @n spoiled images of @t */
static void restore_corruptions(const struct corruption *t, int n)
{
	struct cfg c;
	int ret;

	for (; n--; t++) {
		cfg_basic(&c, t->lpis, t->compact);
		ret = restore_corrupted(&c, t->corrupt);
		if (ret != t->err)
			vt_diag("%s, %s, %s: %d\n", t->lpis == LINEAR ? "linear" : "two-level",
				t->compact ? "compact" : "flat", t->name, ret);
		VT_EXPECT_EQ(ret, t->err);
	}
}

VT_TEST(ist_corrupted_images_refused)
{
	restore_corruptions(corrupted_early, ARRAY_SIZE(corrupted_early));
	restore_corruptions(corrupted_late, ARRAY_SIZE(corrupted_late));
}

/*
 * The same with host ISTEs of 16 bytes (IMPLEMENTATION DEFINED metadata),
 * which an image is not copied into straight: migrations, and images
 * refused late
 */
VT_TEST(ist_corrupted_images_refused_istmd)
{
	struct gm_caps caps = gm_caps_default();
	const struct harness_host host = { .type = GIC_V5, .irs = &caps };

	caps.istmd = true;
	caps.istmd_sz = 12;
	VT_ASSERT_EQ(harness_host_init(&host), 0);
	VT_EXPECT_EQ(migrate_basic(LINEAR, false, false), 0);
	VT_EXPECT_EQ(migrate_basic(TWO_LEVEL, true, false), 0);
	restore_corruptions(corrupted_late, ARRAY_SIZE(corrupted_late));
}

/* HWU is the IRS's: never saved, and cleared if an image has it */
VT_TEST(ist_hwu_sanitized)
{
	struct vgic_v5_state s = {}, again = {};
	__le32 *lpi;
	struct vm src, dst;
	struct cfg c;

	cfg_basic(&c, LINEAR, false);
	VT_ASSERT(source_vm(&src, &c));
	VT_ASSERT_EQ(vgic_v5_state_save(src.fd, &s, false), 0);
	for (u32 i = 0; i < s.ist.spi_size / 4; i++)
		VT_EXPECT(!(le32_to_cpu(s.ist.spi[i]) & GICV5_ISTL2E_HWU));
	lpi = s.ist.lpi;
	for (u32 i = 0; i < s.ist.lpi_size / 4; i++)
		VT_EXPECT(!(le32_to_cpu(lpi[i]) & GICV5_ISTL2E_HWU));
	harness_vm_destroy(src.kvm);
	s.ist.spi[3] |= cpu_to_le32(GICV5_ISTL2E_HWU);
	/* In a chunk of LPIs with none pending (2048..3071), and in one with */
	lpi[3000] |= cpu_to_le32(GICV5_ISTL2E_HWU);
	lpi[1500] |= cpu_to_le32(GICV5_ISTL2E_HWU);
	VT_ASSERT(vm_create(&dst, &c));
	VT_EXPECT_EQ(vgic_v5_state_restore(dst.fd, &s), 0);
	/* Not in the IRS's ISTEs */
	for (u32 vmid = 0, w; vmid < BIT(gm_get_caps(harness_gm()).vm_id_bits); vmid++) {
		if (!gm_vm_valid(harness_gm(), vmid))
			continue;
		VT_EXPECT_EQ(gm_ist_entry(harness_gm(), vmid, GM_TYPE_LPI, 3000, &w), 0);
		VT_EXPECT_EQ(w & GM_ISTE_HWU, 0);
		VT_EXPECT_EQ(gm_ist_entry(harness_gm(), vmid, GM_TYPE_LPI, 1500, &w), 0);
		VT_EXPECT_EQ(w & GM_ISTE_HWU, 0);
		VT_EXPECT_EQ(gm_ist_entry(harness_gm(), vmid, GM_TYPE_SPI, 3, &w), 0);
		VT_EXPECT_EQ(w & GM_ISTE_HWU, 0);
	}
	VT_EXPECT_EQ(vgic_v5_state_save(dst.fd, &again, false), 0);
	VT_EXPECT(!(le32_to_cpu(again.ist.spi[3]) & GICV5_ISTL2E_HWU));
	lpi = again.ist.lpi;
	VT_EXPECT(!(le32_to_cpu(lpi[3000]) & GICV5_ISTL2E_HWU));
	vgic_v5_ist_free(&s.ist);
	vgic_v5_ist_free(&again.ist);
	harness_vm_destroy(dst.kvm);
}

/*
 * The same in a compact image, whose records are 4 + 4096 bytes: the
 * words of every other record are not 8-byte aligned in the image, and
 * are copied into the host IST a word at a time.
 */
VT_TEST(ist_hwu_sanitized_compact)
{
	const u32 lpis[] = { 5, 1500 };	/* in records 0 and 1 */
	struct vgic_v5_state s = {}, again = {};
	struct vm src, dst;
	struct cfg c;

	cfg_basic(&c, LINEAR, true);
	VT_ASSERT(source_vm(&src, &c));
	VT_ASSERT_EQ(vgic_v5_state_save(src.fd, &s, true), 0);
	harness_vm_destroy(src.kvm);
	for (int i = 0; i < ARRAY_SIZE(lpis); i++) {
		__le32 *record = s.ist.lpi + 8 + i * (4 + 4096);

		VT_ASSERT_EQ(le32_to_cpu(record[0]), i);
		record[1 + lpis[i] % 1024] |= cpu_to_le32(GICV5_ISTL2E_HWU);
	}
	VT_ASSERT(vm_create(&dst, &c));
	VT_EXPECT_EQ(vgic_v5_state_restore(dst.fd, &s), 0);
	for (u32 vmid = 0, w; vmid < BIT(gm_get_caps(harness_gm()).vm_id_bits); vmid++) {
		if (!gm_vm_valid(harness_gm(), vmid))
			continue;
		for (int i = 0; i < ARRAY_SIZE(lpis); i++) {
			VT_EXPECT_EQ(gm_ist_entry(harness_gm(), vmid, GM_TYPE_LPI,
						  lpis[i], &w), 0);
			VT_EXPECT_EQ(w & GM_ISTE_HWU, 0);
		}
	}
	VT_EXPECT_EQ(vgic_v5_state_save(dst.fd, &again, true), 0);
	for (int i = 0; i < ARRAY_SIZE(lpis); i++) {
		__le32 *record = again.ist.lpi + 8 + i * (4 + 4096);

		VT_EXPECT(!(le32_to_cpu(record[1 + lpis[i] % 1024]) & GICV5_ISTL2E_HWU));
	}
	vgic_v5_ist_free(&s.ist);
	vgic_v5_ist_free(&again.ist);
	harness_vm_destroy(dst.kvm);
}

static void msi_3000(void *kvm)
{
	VT_EXPECT_EQ(msi(kvm, 3000), 1);
}

/*
 * An MSI to LPI 3000 while a save copies the chunk of the LPI image that
 * holds it to userspace: the IRS writes the ISTE then, HWU included (the
 * model does not cache it), and the image must still have no HWU. So
 * each ISTE is read once, into KVM's buffer, and checked there. Whether
 * the image has the LPI pending is a race the VMM loses if it does not
 * stop its devices first.
 */
VT_TEST(ist_save_races_msi)
{
	struct vgic_v5_ist_image img = {};
	struct vm src;
	struct cfg c;
	u32 i, hwu = 0;

	cfg_basic(&c, LINEAR, false);
	VT_ASSERT(source_vm(&src, &c));
	gm_set_cache_ist_state(harness_gm(), false);
	/* The third 4 KiB chunk of a flat 2^12 LPI image: LPIs 2048-3071 */
	harness_on_copy_to_user(4096, 3, msi_3000, src.kvm);
	VT_EXPECT_EQ(vgic_v5_ist_save(src.fd, &img, false), 0);
	for (i = 0; img.lpi && i < img.lpi_size / 4; i++)
		hwu |= le32_to_cpu(((__le32 *)img.lpi)[i]) & GICV5_ISTL2E_HWU;
	VT_EXPECT_EQ(hwu, 0);
	vgic_v5_ist_free(&img);
	harness_vm_destroy(src.kvm);
}

/*
 * Active state comes back: an SPI restored active is not taken again
 * until the guest deactivates it, and saving again gives the same image.
 */
VT_TEST(ist_active_state_round_trip)
{
	struct vgic_v5_state s = {}, again = {};
	struct kvm_vcpu *v1;
	struct vm src, dst;
	struct cfg c;

	cfg_basic(&c, LINEAR, false);
	VT_ASSERT(source_vm(&src, &c));
	VT_ASSERT_EQ(vgic_v5_state_save(src.fd, &s, false), 0);
	harness_vm_destroy(src.kvm);
	/* SPI 3 (vCPU 1, pending) active too: the guest is in its handler */
	s.ist.spi[3] |= cpu_to_le32(GICV5_ISTL2E_ACTIVE);
	VT_ASSERT(vm_create(&dst, &c));
	VT_ASSERT_EQ(vgic_v5_state_restore(dst.fd, &s), 0);
	VT_ASSERT_EQ(vgic_v5_state_save(dst.fd, &again, false), 0);
	VT_EXPECT(same_image(&s.ist, &again.ist));
	VT_ASSERT_EQ(first_run_all(&dst, &c), 0);
	v1 = vcpu_of(dst.kvm, 1);
	harness_vcpu_load(v1);
	/* SPI 7 and LPI 1500 come; SPI 3 waits for its deactivation */
	VT_EXPECT_EQ(harness_run_take(v1, NULL), SPI(7));
	VT_EXPECT_EQ(spi_line(dst.kvm, 7, false), 0);
	VT_EXPECT_EQ(harness_run_take(v1, NULL), LPI(1500));
	VT_EXPECT_EQ(harness_run_take(v1, NULL), 0);
	harness_guest_insn(GM_CDDI, SPI(3) & (GICV5_HWIRQ_TYPE | GICV5_HWIRQ_ID));
	VT_EXPECT_EQ(harness_run_take(v1, NULL), SPI(3));
	harness_vcpu_put(v1);
	vgic_v5_ist_free(&s.ist);
	vgic_v5_ist_free(&again.ist);
	harness_vm_destroy(dst.kvm);
}

/* ------------------------------------------------------ the first KVM_RUN */

/*
 * IST_BASER restored valid, GRP_IST not yet: KVM_RUN is refused, the VM
 * stays usable, and once the ISTs are restored it runs and takes its
 * interrupts.
 */
VT_TEST(ist_first_run_waits_for_ists)
{
	struct vgic_v5_state s = {};
	struct vm src, dst;
	struct cfg c;

	cfg_basic(&c, TWO_LEVEL, true);
	VT_ASSERT(source_vm(&src, &c));
	VT_ASSERT_EQ(vgic_v5_state_save(src.fd, &s, true), 0);
	harness_vm_destroy(src.kvm);
	VT_ASSERT(vm_create(&dst, &c));
	VT_ASSERT_EQ(vgic_v5_irs_regs_restore(dst.fd, &s.regs, NULL), 0);
	VT_EXPECT_EQ(harness_vcpu_first_run(vcpu_of(dst.kvm, 0)), -EINVAL);
	VT_EXPECT_EQ(harness_vcpu_first_run(vcpu_of(dst.kvm, 1)), -EINVAL);
	VT_EXPECT(!dst.kvm->vm_dead);
	VT_EXPECT_EQ(vgic_v5_ist_restore(dst.fd, &s.ist), 0);
	VT_EXPECT_EQ(first_run_all(&dst, &c), 0);
	VT_EXPECT_EQ(deliver(&dst, &c), 0);
	vgic_v5_ist_free(&s.ist);
	harness_vm_destroy(dst.kvm);
}

/* Restoring the ISTs before the registers: the order the contract forbids */
VT_TEST(ist_before_regs_refused)
{
	struct vgic_v5_state s = {};
	struct vm src, dst;
	struct cfg c;

	cfg_basic(&c, LINEAR, false);
	VT_ASSERT(source_vm(&src, &c));
	VT_ASSERT_EQ(vgic_v5_state_save(src.fd, &s, false), 0);
	harness_vm_destroy(src.kvm);
	VT_ASSERT(vm_create(&dst, &c));
	/* IST_BASER still invalid: an LPI image is not expected */
	VT_EXPECT_EQ(vgic_v5_ist_restore(dst.fd, &s.ist), -EINVAL);
	VT_EXPECT_EQ(vgic_v5_state_restore(dst.fd, &s), 0);
	/* Twice: the LPI IST exists */
	VT_EXPECT_EQ(vgic_v5_ist_restore(dst.fd, &s.ist), -EBUSY);
	VT_EXPECT_EQ(first_run_all(&dst, &c), 0);
	VT_EXPECT_EQ(deliver(&dst, &c), 0);
	vgic_v5_ist_free(&s.ist);
	harness_vm_destroy(dst.kvm);
}

/* ------------------------------------------------------- fault injection */

/*
 * A restore failing at the n-th allocation, or at the n-th IRS command
 * (a VMAP the IRS ignores, any command dropped, or one that never
 * completes), for every n until it succeeds. A failure leaves the VM as
 * it was, so a second restore succeeds and the VM takes exactly its
 * interrupts; or, where the IRS failed a command, the VM is dead and the
 * error says so.
 */
enum fault { ALLOC, VMAP_IGNORED, DROPPED, STUCK };

static void restore_faults(enum lpi_ist lpis, bool compact, enum fault kind)
{
	struct vgic_v5_state s = {};
	struct vm src, dst;
	int n, ok, ret, failures = 0;
	struct cfg c;

	cfg_basic(&c, lpis, compact);
	VT_ASSERT(source_vm(&src, &c));
	VT_ASSERT_EQ(vgic_v5_state_save(src.fd, &s, compact), 0);
	harness_vm_destroy(src.kvm);

	/*
	 * Until an allocation failure is no longer injected, or, for
	 * commands, until three restores in a row go through (a dropped
	 * command that changes nothing KVM checks goes unnoticed)
	 */
	for (n = 1, ok = 0; n < 200 && ok < (kind == ALLOC ? 1 : 3); n++) {
		bool injected;

		VT_ASSERT(vm_create(&dst, &c));
		VT_ASSERT_EQ(vgic_v5_irs_regs_restore(dst.fd, &s.regs, NULL), 0);
		if (kind == ALLOC)
			fault_inject_nth_alloc(n);
		else if (kind == VMAP_IGNORED)
			gm_set_vmap_ignored_after(harness_gm(), n - 1);
		else if (kind == DROPPED)
			gm_set_drop_after(harness_gm(), n - 1);
		else
			gm_set_stuck_after(harness_gm(), n - 1);
		ret = vgic_v5_ist_restore(dst.fd, &s.ist);
		injected = ret != 0;
		if (kind == ALLOC) {
			injected = fault_injected();
			fault_inject_nth_alloc(0);
		} else if (kind == VMAP_IGNORED) {
			gm_set_vmap_ignored_after(harness_gm(), ~0U);
		} else if (kind == DROPPED) {
			gm_set_drop_after(harness_gm(), ~0U);
		} else {
			gm_set_stuck(harness_gm(), false);
			gm_drain(harness_gm());
		}
		if (!injected) {
			VT_EXPECT_EQ(ret, 0);
		} else if (dst.kvm->vm_dead) {
			/* The IRS failed a command: the VM is dead, and says so */
			failures++;
			VT_EXPECT(ret == -EINVAL || ret == -ETIMEDOUT);
			harness_vm_destroy(dst.kvm);
			continue;
		} else {
			/* As before: still waiting for its ISTs, and they restore */
			failures++;
			VT_EXPECT(ret == -ENOMEM || ret == -EINVAL);
			if (lpis != NO_LPIS)
				VT_EXPECT_EQ(harness_vcpu_first_run(vcpu_of(dst.kvm, 0)),
					     -EINVAL);
			VT_EXPECT_EQ(vgic_v5_ist_restore(dst.fd, &s.ist), 0);
		}
		VT_EXPECT_EQ(first_run_all(&dst, &c), 0);
		VT_EXPECT_EQ(deliver(&dst, &c), 0);
		harness_vm_destroy(dst.kvm);
		ok = injected ? 0 : ok + 1;
	}
	VT_EXPECT(failures > 0);
	vt_diag("%d failing points\n", failures);
	vgic_v5_ist_free(&s.ist);
}

VT_TEST(ist_restore_alloc_faults_linear)
{
	restore_faults(LINEAR, false, ALLOC);
}

VT_TEST(ist_restore_alloc_faults_two_level_compact)
{
	restore_faults(TWO_LEVEL, true, ALLOC);
}

VT_TEST(ist_restore_vmap_ignored_two_level_compact)
{
	restore_faults(TWO_LEVEL, true, VMAP_IGNORED);
}

VT_TEST(ist_restore_vmap_ignored_two_level_flat)
{
	restore_faults(TWO_LEVEL, false, VMAP_IGNORED);
}

VT_TEST(ist_restore_commands_dropped_two_level_compact)
{
	restore_faults(TWO_LEVEL, true, DROPPED);
}

VT_TEST(ist_restore_commands_dropped_spis_only)
{
	restore_faults(NO_LPIS, false, DROPPED);
}

VT_TEST(ist_restore_commands_stuck_two_level_compact)
{
	restore_faults(TWO_LEVEL, true, STUCK);
}

VT_TEST(ist_restore_commands_stuck_linear)
{
	restore_faults(LINEAR, false, STUCK);
}

/* A save that fails leaves the VM runnable, with its interrupts */
VT_TEST(ist_failed_save_leaves_vm_runnable)
{
	struct vgic_v5_ist_image img = {};
	struct vm src;
	struct cfg c;

	cfg_basic(&c, TWO_LEVEL, false);
	VT_ASSERT(source_vm(&src, &c));
	gm_set_quiesce(harness_gm(), false);
	VT_EXPECT_EQ(vgic_v5_ist_save(src.fd, &img, false), -EBUSY);
	gm_set_quiesce(harness_gm(), true);
	fault_inject_nth_alloc(1);
	VT_EXPECT_EQ(vgic_v5_ist_save(src.fd, &img, true), -ENOMEM);
	fault_inject_nth_alloc(0);
	VT_EXPECT(!src.kvm->vm_dead);
	/* The level SPI's line goes down: taken once, not again and again */
	VT_EXPECT_EQ(c.intr[1].intid, SPI(7));
	VT_EXPECT_EQ(spi_line(src.kvm, 7, false), 0);
	c.intr[1].pending = false;
	VT_EXPECT_EQ(deliver(&src, &c), 0);
	harness_vm_destroy(src.kvm);
}

/* @c's interrupts into @dst, with only @intid pending */
static void pending_only(struct cfg *dst, const struct cfg *c, u32 intid)
{
	*dst = *c;
	for (int i = 0; i < dst->nr; i++)
		dst->intr[i].pending = dst->intr[i].intid == intid;
}

static int ctrl_reset(struct vm *vm)
{
	return harness_set_attr(vm->dev, KVM_DEV_ARM_VGIC_GRP_CTRL,
				KVM_DEV_ARM_VGIC_CTRL_RESET, NULL);
}

/*
 * A guest reboot under a VMM that resets its devices in place (QEMU):
 * CTRL_RESET after the VM ran puts the IRS back as CTRL_INIT left it, the
 * ID registers kept, so that the rebooted guest's IRS driver, which
 * refuses an IST_BASER that is already valid, brings it up again on the
 * same VM. Nothing pending from the first boot is taken after it, but for
 * the level SPI whose line is still high. A VM that does not quiesce
 * refuses the reset with -EBUSY and keeps its state.
 */
VT_TEST(ist_ctrl_reset_lets_the_guest_boot_again)
{
	const u32 regs[] = { GICV5_IRS_IDR0, GICV5_IRS_IDR1, GICV5_IRS_IDR2 };
	struct vgic_v5_ist_image img = {};
	u64 before[ARRAY_SIZE(regs)], val;
	struct cfg c, reboot;
	struct vm vm;

	cfg_basic(&c, TWO_LEVEL, false);
	VT_ASSERT(source_vm(&vm, &c));
	for (int i = 0; i < ARRAY_SIZE(regs); i++)
		VT_ASSERT_EQ(get_irs_reg(&vm, regs[i], &before[i]), 0);

	gm_set_quiesce(harness_gm(), false);
	VT_EXPECT_EQ(ctrl_reset(&vm), -EBUSY);
	gm_set_quiesce(harness_gm(), true);
	fault_inject_nth_alloc(1);
	VT_EXPECT_EQ(ctrl_reset(&vm), -ENOMEM);
	fault_inject_nth_alloc(0);
	VT_EXPECT_EQ(get_irs_reg(&vm, GICV5_IRS_IST_BASER, &val), 0);
	VT_EXPECT(val & GICV5_IRS_IST_BASER_VALID);

	VT_EXPECT_EQ(ctrl_reset(&vm), 0);
	VT_EXPECT(!vm.kvm->vm_dead);
	for (int i = 0; i < ARRAY_SIZE(regs); i++) {
		VT_EXPECT_EQ(get_irs_reg(&vm, regs[i], &val), 0);
		VT_EXPECT_EQ(val, before[i]);
	}
	VT_EXPECT_EQ(get_irs_reg(&vm, GICV5_IRS_IST_BASER, &val), 0);
	VT_EXPECT_EQ(val, 0);
	VT_EXPECT_EQ(get_irs_reg(&vm, GICV5_IRS_IST_CFGR, &val), 0);
	VT_EXPECT_EQ(val, 0);
	VT_EXPECT_EQ(get_irs_reg(&vm, GICV5_IRS_CR0, &val), 0);
	VT_EXPECT_EQ(val, GICV5_IRS_CR0_IDLE);
	/* The SPI IST is as new, and there is no LPI IST */
	VT_ASSERT_EQ(vgic_v5_ist_save(vm.fd, &img, false), 0);
	VT_EXPECT_EQ(img.lpi_size, 0);
	for (u32 i = 0; i < img.spi_size / 4; i++)
		VT_EXPECT_EQ(le32_to_cpu(((__le32 *)img.spi)[i]), 0);
	vgic_v5_ist_free(&img);

	/* The guest boots again; only the level SPI's device still asserts */
	pending_only(&reboot, &c, SPI(7));
	VT_ASSERT(guest_boot(&vm, &reboot));
	VT_EXPECT_EQ(deliver(&vm, &reboot), 0);
	/* Its LPIs work: one raised now is taken */
	pending_only(&reboot, &c, LPI(1500));
	VT_EXPECT_EQ(msi(vm.kvm, 1500), 1);
	VT_EXPECT_EQ(deliver(&vm, &reboot), 0);
	harness_vm_destroy(vm.kvm);

	/* An IRS that does not carry out the reset's commands: the VM is dead */
	VT_ASSERT(source_vm(&vm, &c));
	gm_set_stuck_after(harness_gm(), 0);
	VT_EXPECT_EQ(ctrl_reset(&vm), -ETIMEDOUT);
	gm_set_stuck(harness_gm(), false);
	gm_drain(harness_gm());
	VT_EXPECT(vm.kvm->vm_dead);
	harness_vm_destroy(vm.kvm);
}

/* A save whose SAVE_VMR the IRS does not complete: -ETIMEDOUT, the VM dead */
VT_TEST(ist_save_timeout_kills_the_vm)
{
	struct vgic_v5_ist_image img = {};
	struct vm src;
	struct cfg c;

	cfg_basic(&c, LINEAR, false);
	VT_ASSERT(source_vm(&src, &c));
	gm_set_stuck_after(harness_gm(), 0);
	VT_EXPECT_EQ(vgic_v5_ist_save(src.fd, &img, false), -ETIMEDOUT);
	gm_set_stuck(harness_gm(), false);
	gm_drain(harness_gm());
	VT_EXPECT(src.kvm->vm_dead);
	vgic_v5_ist_free(&img);
	harness_vm_destroy(src.kvm);
}

struct busy_raise {
	struct kvm *kvm;
	bool ran, latched;
	int ret;
};

static bool spi_latched(struct kvm *kvm, u32 spi)
{
	struct vgic_irq *irq = vgic_get_irq(kvm, SPI(spi));
	bool latched;

	scoped_guard(raw_spinlock_irqsave, &irq->irq_lock)
		latched = irq->pending_latch;
	vgic_put_irq(kvm, irq);
	return latched;
}

/* A device raises edge SPI 3 while the VM is out of the IRS's view */
static void raise_spi3(void *arg)
{
	struct busy_raise *r = arg;

	r->ran = true;
	r->ret = spi_line(r->kvm, 3, true) ?: spi_line(r->kvm, 3, false);
	r->latched = spi_latched(r->kvm, 3);
}

/*
 * An edge SPI raised while an IST restore, or a reset, takes the VM out of
 * the IRS's view is latched, its VDPEND held back. If the VM then turns out
 * not to be quiescent (-EBUSY), the edge is handed to the IRS once the VM
 * is back in its view: it was left latched, and a VM that ran without
 * retrying did not see it until the SPI was raised again.
 */
VT_TEST(ist_spi_raised_during_a_busy_restore_reaches_the_irs)
{
	struct vgic_v5_ist_image img = {};
	struct busy_raise r;
	struct vm vm;
	struct cfg c;
	int ret;

	cfg_basic(&c, NO_LPIS, false);
	for (int reset = 0; reset < 2; reset++) {
		VT_ASSERT(vm_create(&vm, &c));
		img.spi_size = c.nr_spis * 4;
		img.spi = calloc(1, img.spi_size);
		VT_ASSERT(img.spi);
		r = (struct busy_raise){ .kvm = vm.kvm };
		harness_events_clear();
		gm_set_quiesce(harness_gm(), false);
		/* Just after restoring is set, before SAVE_VMR */
		harness_on_unlock("&vm->lock", raise_spi3, &r);
		ret = reset ? ctrl_reset(&vm) : vgic_v5_ist_restore(vm.fd, &img);
		gm_set_quiesce(harness_gm(), true);
		VT_EXPECT_EQ(ret, -EBUSY);
		VT_EXPECT(r.ran);
		VT_EXPECT_EQ(r.ret, 0);
		VT_EXPECT(r.latched);
		VT_EXPECT(!spi_latched(vm.kvm, 3));
		HARNESS_EXPECT_ONE_VDPEND(SPI(3), 1);
		vgic_v5_ist_free(&img);
		harness_vm_destroy(vm.kvm);
	}
}

/* ------------------------------------------------------------ randomized */

static u32 rnd_state;

static u32 rnd(u32 n)
{
	rnd_state = rnd_state * 1103515245 + 12345;
	return (rnd_state >> 8) % n;
}

static void cfg_random(struct cfg *c)
{
	static const int id_sets[][4] = {
		{ 0, 1, 2, 3 }, { 3, 1, 0, 2 }, { 5, 9, 2, 14 }, { 200, 7, 33, 64 },
	};
	const int *ids = id_sets[rnd(ARRAY_SIZE(id_sets))];
	int nr_lpi_ranges;

	memset(c, 0, sizeof(*c));
	c->nr_vcpus = 1 + rnd(4);
	for (int i = 0; i < c->nr_vcpus; i++)
		c->vcpu_ids[i] = ids[i];
	c->nr_spis = 32 * (1 + rnd(32));
	c->lpis = rnd(3);
	c->l2sz = rnd(3);
	c->compact = rnd(2);
	c->ram_after = rnd(2);
	c->cpu_first = rnd(2);
	if (c->lpis == LINEAR)
		c->id_bits = 4 + rnd(13);
	else
		c->id_bits = l2_bits(c) - 1 + rnd(4);
	nr_lpi_ranges = c->lpis == TWO_LEVEL ? nr_ranges(c) : 0;
	/* The guest maps up to 4 L2 tables (of up to 64 KiB: RAM is 4 MiB) */
	for (int i = 0; i < min(nr_lpi_ranges, 4); i++)
		if (rnd(2))
			__set_bit(i * (nr_lpi_ranges / 4 ?: 1), c->mapped);
	for (int want = rnd(MAX_INTRS / 2), tries = 0; c->nr < want && tries < 200; tries++) {
		struct intr *in = &c->intr[c->nr];
		bool lpi = c->lpis != NO_LPIS && rnd(2), dup = false;
		u32 id, k, r = nr_lpi_ranges;

		if (lpi && c->lpis == TWO_LEVEL) {
			/* In a mapped range, from a random one on */
			for (k = rnd(nr_lpi_ranges); k < nr_lpi_ranges && r == nr_lpi_ranges; k++)
				if (test_bit(k, c->mapped))
					r = k;
			lpi = r < nr_lpi_ranges;
			id = (r << l2_bits(c)) + rnd(BIT(min(c->id_bits, l2_bits(c))));
		} else if (lpi) {
			id = rnd(BIT(c->id_bits));
		}
		if (!lpi)
			id = rnd(c->nr_spis);
		for (int j = 0; j < c->nr; j++)
			dup |= c->intr[j].intid == (lpi ? LPI(id) : SPI(id));
		if (dup)
			continue;
		in->intid = lpi ? LPI(id) : SPI(id);
		in->prio = rnd(32);
		in->vcpu = rnd(c->nr_vcpus);
		in->level = !lpi && rnd(4) == 0;
		in->enabled = rnd(4) != 0;
		in->pending = rnd(2);
		in->active = (!lpi || !c->compact) && rnd(8) == 0;
		c->nr++;
	}
}

/*
 * Thousands of random VM states migrate, in every format and order the
 * contract allows (RAM before or after the ISTs, ICC state first or last),
 * with active state too
 */
VT_TEST(ist_randomized_migrations)
{
	const char *env = getenv("IST_RANDOM_ITERATIONS");
	int iterations = env ? atoi(env) : 1000, failed = 0;
	struct cfg c;

	rnd_state = 0x5eed1234;
	for (int i = 0; i < iterations; i++) {
		cfg_random(&c);
		if (migrate(&c)) {
			vt_diag("iteration %d: %d vCPUs, %u SPIs, LPI IST %d\n",
				i, c.nr_vcpus, c.nr_spis, c.lpis);
			vt_diag("  %u ID bits, l2sz %u\n", c.id_bits, c.l2sz);
			vt_diag("  compact %d, RAM after %d, %d interrupts\n",
				c.compact, c.ram_after, c.nr);
			if (++failed > 3)
				break;
		}
	}
	VT_EXPECT_EQ(failed, 0);
	vt_diag("%d random migrations\n", iterations);
}

/* --------------------------------------------------------------------- CPR */

/*
 * An irqfd as a VMM has it: an eventfd counter and, while attached, KVM's
 * irqfd injection (kvm_arch_set_irq_inatomic()) on each signal. Detached
 * (KVM_IRQFD_FLAG_DEASSIGN), signals only count; attaching injects at
 * once if the count is non-zero, as kvm_irqfd_assign() does.
 */
struct irqfd {
	pthread_mutex_t lock;
	u64 count;
	struct kvm *kvm;	/* attached to, or NULL */
	struct kvm_kernel_irq_routing_entry route;
};

static void irqfd_inject(struct irqfd *f)
{
	kvm_arch_set_irq_inatomic(&f->route, f->kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
	f->count = 0;
}

static void irqfd_signal(struct irqfd *f)
{
	pthread_mutex_lock(&f->lock);
	f->count++;
	if (f->kvm)
		irqfd_inject(f);
	pthread_mutex_unlock(&f->lock);
}

static void irqfd_attach(struct irqfd *f, struct kvm *kvm)
{
	pthread_mutex_lock(&f->lock);
	f->kvm = kvm;
	if (f->count)
		irqfd_inject(f);
	pthread_mutex_unlock(&f->lock);
}

static void irqfd_detach(struct irqfd *f)
{
	pthread_mutex_lock(&f->lock);
	f->kvm = NULL;
	pthread_mutex_unlock(&f->lock);
}

struct device_thread {
	struct irqfd *fds;
	int nr;
	bool stop;		/* READ_ONCE/WRITE_ONCE, as the others */
	unsigned long signals;
};

static void *device(void *arg)
{
	struct device_thread *d = arg;

	while (!READ_ONCE(d->stop)) {
		for (int i = 0; i < d->nr; i++)
			irqfd_signal(&d->fds[i]);
		WRITE_ONCE(d->signals, d->signals + 1);
		usleep(50);
	}
	return NULL;
}

/*
 * CPR: the VMM stops its vCPUs, detaches its irqfds, saves, destroys the
 * old VM, creates a new one on the same guest RAM, restores and attaches
 * the irqfds again, while a device thread raises its edge interrupts
 * (SPIs and MSIs) through the irqfds all along. Every interrupt is then
 * taken exactly once, by its vCPU; the configured ones come back too.
 */
static void cpr(bool compact)
{
	struct vgic_v5_state s = {};
	struct device_thread d = {};
	struct irqfd fds[3] = {};
	struct vm old, new;
	pthread_t thread;
	struct cfg c;
	void *ram = NULL;
	int stage;

	cfg_basic(&c, TWO_LEVEL, compact);
	/* Devices: edge SPIs 20 (vCPU 0) and 21 (vCPU 1), LPI 77 (vCPU 1) */
	c.intr[c.nr++] = (struct intr){ SPI(20), 9, 0, false, true, false };
	c.intr[c.nr++] = (struct intr){ SPI(21), 10, 1, false, true, false };
	c.intr[c.nr++] = (struct intr){ LPI(77), 11, 1, false, true, false };
	for (int i = 0; i < 3; i++) {
		pthread_mutex_init(&fds[i].lock, NULL);
		fds[i].route.type = i < 2 ? KVM_IRQ_ROUTING_IRQCHIP : KVM_IRQ_ROUTING_MSI;
		if (i < 2) {
			fds[i].route.irqchip.pin = 20 + i;
		} else {
			fds[i].route.msi.address_lo = (u32)SETLPIR;
			fds[i].route.msi.address_hi = SETLPIR >> 32;
			fds[i].route.msi.data = 77;
		}
	}
	VT_ASSERT(source_vm(&old, &c));
	for (int i = 0; i < 3; i++)
		irqfd_attach(&fds[i], old.kvm);
	d.fds = fds;
	d.nr = 3;
	VT_ASSERT_EQ(pthread_create(&thread, NULL, device, &d), 0);

	for (stage = 0; stage < 6; stage++) {
		unsigned long seen = READ_ONCE(d.signals);

		/* Let the device raise interrupts at each step */
		while (READ_ONCE(d.signals) < seen + 2)
			usleep(50);
		switch (stage) {
		case 0:
			for (int i = 0; i < 3; i++)
				irqfd_detach(&fds[i]);
			break;
		case 1:
			VT_ASSERT_EQ(vgic_v5_state_save(old.fd, &s, compact), 0);
			ram = malloc(RAM_SIZE);
			VT_ASSERT(ram);
			memcpy(ram, harness_guest_mem(old.kvm, RAM_GPA, RAM_SIZE), RAM_SIZE);
			break;
		case 2:
			harness_vm_destroy(old.kvm);
			break;
		case 3:
			VT_ASSERT(vm_create(&new, &c));
			vm_ram(&new, ram);
			break;
		case 4:
			VT_ASSERT_EQ(vgic_v5_state_restore(new.fd, &s), 0);
			break;
		case 5:
			for (int i = 0; i < 3; i++)
				irqfd_attach(&fds[i], new.kvm);
			break;
		}
	}
	WRITE_ONCE(d.stop, true);
	pthread_join(thread, NULL);

	/* Everything pending before, and the device interrupts, once each */
	for (int i = 0; i < c.nr; i++)
		if (c.intr[i].intid == SPI(20) || c.intr[i].intid == SPI(21) ||
		    c.intr[i].intid == LPI(77))
			c.intr[i].pending = true;
	VT_EXPECT_EQ(first_run_all(&new, &c), 0);
	VT_EXPECT_EQ(check_config(&new, &c), 0);
	VT_EXPECT_EQ(deliver(&new, &c), 0);
	vt_diag("%lu device signals\n", READ_ONCE(d.signals));
	vgic_v5_ist_free(&s.ist);
	free(ram);
	harness_vm_destroy(new.kvm);
}

VT_TEST(ist_cpr_concurrent_irqfds)
{
	cpr(false);
}

VT_TEST(ist_cpr_concurrent_irqfds_compact)
{
	cpr(true);
}

/* An edge SPI raised on the new VM before GRP_IST is restored is kept */
VT_TEST(ist_restore_keeps_spi_raised_before)
{
	struct vgic_v5_state s = {};
	struct vm src, dst;
	struct cfg c;

	cfg_basic(&c, LINEAR, false);
	c.intr[c.nr++] = (struct intr){ SPI(41), 12, 0, false, true, true };
	VT_ASSERT(source_vm(&src, &c));
	VT_ASSERT_EQ(vgic_v5_state_save(src.fd, &s, false), 0);
	harness_vm_destroy(src.kvm);
	s.ist.spi[41] &= ~cpu_to_le32(GICV5_ISTL2E_PENDING);
	VT_ASSERT(vm_create(&dst, &c));
	VT_EXPECT_EQ(spi_line(dst.kvm, 41, true), 0);
	VT_EXPECT_EQ(spi_line(dst.kvm, 41, false), 0);
	VT_EXPECT_EQ(vgic_v5_state_restore(dst.fd, &s), 0);
	VT_EXPECT_EQ(first_run_all(&dst, &c), 0);
	VT_EXPECT_EQ(deliver(&dst, &c), 0);
	vgic_v5_ist_free(&s.ist);
	harness_vm_destroy(dst.kvm);
}

/*
 * An edge SPI raised while the restore loads the LPI image, when the IRS
 * refuses pending state, is not lost if the restore then fails: the VMM
 * gives up on the LPIs (IST_BASER invalid) and runs, and the guest takes
 * the SPI once it routes and enables it.
 */
static void raise_41(void *arg)
{
	VT_EXPECT_EQ(spi_line(arg, 41, true), 0);
	VT_EXPECT_EQ(spi_line(arg, 41, false), 0);
}

VT_TEST(ist_failed_restore_keeps_spi_raised_meanwhile)
{
	struct vgic_v5_state s = {};
	struct kvm_vcpu *v0;
	struct vm src, dst;
	struct cfg c;

	cfg_basic(&c, LINEAR, false);
	VT_ASSERT(source_vm(&src, &c));
	VT_ASSERT_EQ(vgic_v5_state_save(src.fd, &s, false), 0);
	harness_vm_destroy(src.kvm);
	last_lpi_word(&s);
	VT_ASSERT(vm_create(&dst, &c));
	/* The second 4 KiB chunk of the flat 2^12 LPI image */
	harness_on_copy_from_user(4096, 2, raise_41, dst.kvm);
	VT_EXPECT_EQ(vgic_v5_state_restore(dst.fd, &s), -EINVAL);
	VT_EXPECT_EQ(set_irs_reg(&dst, GICV5_IRS_IST_BASER, 0), 0);
	VT_ASSERT_EQ(first_run_all(&dst, &c), 0);
	v0 = vcpu_of(dst.kvm, c.vcpu_ids[0]);
	harness_vcpu_load(v0);
	harness_v5_guest_spi(v0, 41, false, 6);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(41));
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	harness_vcpu_put(v0);
	vgic_v5_ist_free(&s.ist);
	harness_vm_destroy(dst.kvm);
}

/*
 * MSIs on the new VM around the IST restore: one before it, once the IRS
 * registers say the guest has an LPI IST, is dropped, as the LPI IST does
 * not exist yet. Those that come while the restore runs (KVM_SIGNAL_MSI,
 * and an irqfd, whose fast path cannot inject then and falls back to its
 * work item) wait for it, then make their LPIs pending if the restored IST
 * covers them.
 */
struct msi_meanwhile {
	struct kvm *kvm;
	u32 lpi;		/* KVM_SIGNAL_MSI data, or */
	u32 gsi;		/* the GSI of an irqfd */
	int started;
	int ret;
	pthread_t thread;
};

static void *msi_meanwhile_thread(void *arg)
{
	struct msi_meanwhile *m = arg;

	__atomic_store_n(&m->started, 1, __ATOMIC_SEQ_CST);
	m->ret = m->gsi ? harness_irqfd_wakeup(m->kvm, m->gsi, false) : msi(m->kvm, m->lpi);
	return NULL;
}

#define NR_MEANWHILE	3

/* In the restore: start the MSIs, and let them reach the injection */
static void start_msis(void *arg)
{
	struct msi_meanwhile *m = arg;

	for (int i = 0; i < NR_MEANWHILE; i++) {
		VT_ASSERT_EQ(pthread_create(&m[i].thread, NULL, msi_meanwhile_thread, &m[i]), 0);
		while (!__atomic_load_n(&m[i].started, __ATOMIC_SEQ_CST))
			usleep(100);
	}
	usleep(20000);
}

VT_TEST(ist_restore_keeps_msis_meanwhile)
{
	struct kvm_irq_routing_entry ue = {
		.gsi = 40, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = (u32)SETLPIR, .address_hi = SETLPIR >> 32,
			   .data = 3000 },
	};
	struct msi_meanwhile m[NR_MEANWHILE] = {};
	struct vgic_v5_state s = {};
	struct vm src, dst;
	struct cfg c;

	cfg_basic(&c, LINEAR, false);
	c.intr[c.nr++] = (struct intr){ LPI(3000), 6, 1, false, true, false };
	VT_ASSERT(source_vm(&src, &c));
	VT_ASSERT_EQ(vgic_v5_state_save(src.fd, &s, false), 0);
	harness_vm_destroy(src.kvm);
	VT_ASSERT(vm_create(&dst, &c));
	VT_ASSERT_EQ(kvm_set_irq_routing(dst.kvm, &ue, 1, 0), 0);
	VT_ASSERT_EQ(vgic_v5_irs_regs_restore(dst.fd, &s.regs, NULL), 0);
	/* Before the IST restore: dropped */
	VT_EXPECT_EQ(msi(dst.kvm, 3000), 0);
	VT_EXPECT_EQ(harness_irqfd_wakeup(dst.kvm, 40, false), 0);
	/* During it: LPIs 2047, 3000 (irqfd), and 5000, beyond the IST */
	m[0] = (struct msi_meanwhile){ .kvm = dst.kvm, .lpi = 2047 };
	m[1] = (struct msi_meanwhile){ .kvm = dst.kvm, .gsi = 40 };
	m[2] = (struct msi_meanwhile){ .kvm = dst.kvm, .lpi = 5000 };
	/* The second 4 KiB chunk of the flat 2^12 LPI image */
	harness_on_copy_from_user(4096, 2, start_msis, m);
	VT_EXPECT_EQ(vgic_v5_ist_restore(dst.fd, &s.ist), 0);
	for (int i = 0; i < NR_MEANWHILE; i++)
		if (__atomic_load_n(&m[i].started, __ATOMIC_SEQ_CST))
			pthread_join(m[i].thread, NULL);
	VT_EXPECT_EQ(m[0].ret, 1);
	VT_EXPECT_EQ(m[1].ret, 1);
	VT_EXPECT_EQ(m[2].ret, 0);
	for (int i = 0; i < c.nr; i++)
		if (c.intr[i].intid == LPI(2047) || c.intr[i].intid == LPI(3000))
			c.intr[i].pending = true;
	VT_EXPECT_EQ(first_run_all(&dst, &c), 0);
	VT_EXPECT_EQ(deliver(&dst, &c), 0);
	vgic_v5_ist_free(&s.ist);
	harness_vm_destroy(dst.kvm);
}

/*
 * An interrupt source in a thread of its own, again and again until
 * stopped: an edge on SPI 40 (KVM_IRQ_LINE), or LPI 5 through the SETLPI
 * frame (KVM_SIGNAL_MSI).
 */
struct source_thread {
	struct kvm *kvm;
	bool msi;
	bool stop;
	unsigned long count;
	pthread_t thread;
};

static void *source_loop(void *arg)
{
	struct source_thread *t = arg;

	while (!READ_ONCE(t->stop)) {
		if (t->msi) {
			msi(t->kvm, 5);
		} else {
			spi_line(t->kvm, 40, true);
			spi_line(t->kvm, 40, false);
		}
		WRITE_ONCE(t->count, t->count + 1);
	}
	return NULL;
}

/* Start the source, and return once it has raised its interrupt once */
static bool source_start(struct source_thread *t, struct kvm *kvm, bool msi)
{
	*t = (struct source_thread){ .kvm = kvm, .msi = msi };
	if (pthread_create(&t->thread, NULL, source_loop, t))
		return false;
	while (!READ_ONCE(t->count))
		usleep(10);
	return true;
}

static void source_stop(struct source_thread *t)
{
	WRITE_ONCE(t->stop, true);
	pthread_join(t->thread, NULL);
}

/*
 * SPIs raised on the new VM while its ISTs are restored (KVM_IRQ_LINE
 * from another thread, before and during GRP_IST) are not lost: the
 * restore keeps what was pending and what arrives meanwhile.
 */

VT_TEST(ist_restore_keeps_concurrent_spis)
{
	struct vgic_v5_state s = {};
	struct source_thread t;
	struct vm src, dst;
	struct cfg c;

	cfg_basic(&c, LINEAR, false);
	c.intr[c.nr++] = (struct intr){ SPI(40), 12, 0, false, true, true };
	VT_ASSERT(source_vm(&src, &c));
	VT_ASSERT_EQ(vgic_v5_state_save(src.fd, &s, false), 0);
	harness_vm_destroy(src.kvm);
	/* SPI 40 not pending in the image: only the new VM's line makes it so */
	s.ist.spi[40] &= ~cpu_to_le32(GICV5_ISTL2E_PENDING);
	VT_ASSERT(vm_create(&dst, &c));
	VT_ASSERT(source_start(&t, dst.kvm, false));
	VT_EXPECT_EQ(vgic_v5_state_restore(dst.fd, &s), 0);
	source_stop(&t);
	VT_EXPECT_EQ(first_run_all(&dst, &c), 0);
	VT_EXPECT_EQ(deliver(&dst, &c), 0);
	vgic_v5_ist_free(&s.ist);
	harness_vm_destroy(dst.kvm);
}

/*
 * KVM_DEV_ARM_VGIC_CTRL_RESET while device threads raise an SPI
 * (KVM_IRQ_LINE) and send MSIs (KVM_SIGNAL_MSI) into the IST it drops:
 * each reset completes, the guest boots again after each, and once the
 * devices stop, a last reset leaves nothing pending but the level SPI
 * whose line is still high.
 */
VT_TEST(ist_ctrl_reset_concurrent_with_devices)
{
	struct source_thread lines, msis;
	struct cfg c, reboot;
	struct vm vm;

	cfg_basic(&c, LINEAR, false);
	c.intr[c.nr++] = (struct intr){ SPI(40), 12, 0, false, true, false };
	VT_ASSERT(source_vm(&vm, &c));
	pending_only(&reboot, &c, SPI(7));
	VT_ASSERT(source_start(&lines, vm.kvm, false));
	VT_ASSERT(source_start(&msis, vm.kvm, true));
	for (int i = 0; i < 20; i++) {
		VT_EXPECT_EQ(ctrl_reset(&vm), 0);
		VT_ASSERT(guest_boot(&vm, &reboot));
	}
	source_stop(&lines);
	source_stop(&msis);
	VT_EXPECT(!vm.kvm->vm_dead);

	VT_EXPECT_EQ(ctrl_reset(&vm), 0);
	VT_ASSERT(guest_boot(&vm, &reboot));
	VT_EXPECT_EQ(deliver(&vm, &reboot), 0);
	harness_vm_destroy(vm.kvm);
}

/* ------------------------------------------------------------------ figures */

/*
 * GRP_IST save and restore of 1024 SPIs and an LPI IST of 2^16 or 2^24
 * IDs, each next to a memcpy() of the same bytes in the same run: linear
 * and two-level guest ISTs, dense (every ISTE configured) and sparse (one
 * L2 range in 64 mapped, one LPI in it), flat and compact images. In time,
 * and in instructions for make bench's table (the *_insn benchmarks): the
 * kernel's KVM_SET_DEVICE_ATTR then KVM_GET_DEVICE_ATTR of GRP_IST on one
 * VM, next to a memcpy() of the bytes userspace set then of those it got,
 * with a target of 3 times that.
 */
struct ist_bench {
	const char *name;
	unsigned int id_bits;
	bool two_level, dense, compact;
};

static const struct ist_bench ist_benches[] = {
	{ "2^16 linear, dense, flat", 16, false, true, false },
	{ "2^16 linear, dense, compact", 16, false, true, true },
	{ "2^16 linear, sparse, flat", 16, false, false, false },
	{ "2^16 linear, sparse, compact", 16, false, false, true },
	{ "2^16 two-level, dense, flat", 16, true, true, false },
	{ "2^16 two-level, dense, compact", 16, true, true, true },
	{ "2^16 two-level, sparse, flat", 16, true, false, false },
	{ "2^16 two-level, sparse, compact", 16, true, false, true },
	{ "2^24 two-level, dense, flat", 24, true, true, false },
	{ "2^24 two-level, dense, compact", 24, true, true, true },
	{ "2^24 two-level, sparse, flat", 24, true, false, false },
	{ "2^24 two-level, sparse, compact", 24, true, false, true },
};

#define ISTE_CONFIGURED	(GICV5_ISTL2E_ENABLE | FIELD_PREP(GICV5_ISTL2E_PRIORITY, 5))

/* The guest's CPU interface offers 24-bit IDs (ICC_IDR0_EL1), before the VM */
static void cpuif_24_bits(void)
{
	u64 idr0 = FIELD_PREP(ICC_IDR0_EL1_ID_BITS, ICC_IDR0_EL1_ID_BITS_24BITS) |
		   FIELD_PREP(ICC_IDR0_EL1_PRI_BITS, ICC_IDR0_EL1_PRI_BITS_5BITS);

	harness_sysreg_write(SYS_ICC_IDR0_EL1, "SYS_ICC_IDR0_EL1", idr0);
}

/* The images of @b: 1024 SPIs, and the LPIs as @b says */
static void ist_bench_image(const struct ist_bench *b, struct vgic_v5_ist_image *img)
{
	u32 ranges = BIT(b->id_bits - 10), n = 0, r;
	__le32 *w;

	img->spi_size = 1024 * 4;
	img->spi = malloc(img->spi_size);
	for (u32 i = 0; i < 1024; i++)
		img->spi[i] = cpu_to_le32(ISTE_CONFIGURED |
					  (i % 3 == 0 ? GICV5_ISTL2E_PENDING : 0));
	img->compact = b->compact;
	if (!b->compact) {
		img->lpi_size = 4ULL << b->id_bits;
		img->lpi = calloc(1, img->lpi_size);
		w = img->lpi;
		for (u32 i = 0; i < BIT(b->id_bits); i++)
			if (b->dense || (i % (64 << 10)) == 7)
				w[i] = cpu_to_le32(ISTE_CONFIGURED);
		return;
	}
	for (r = 0; r < ranges; r++)
		n += b->dense || r % 64 == 0;
	img->lpi_size = 8 + (u64)n * (4 + 4096);
	img->lpi = calloc(1, img->lpi_size);
	((struct kvm_vgic_v5_ist_compact *)img->lpi)->range_bits = 10;
	((struct kvm_vgic_v5_ist_compact *)img->lpi)->nr_ranges = n;
	w = img->lpi + 8;
	for (r = 0; r < ranges; r++) {
		if (!b->dense && r % 64)
			continue;
		*w++ = cpu_to_le32(r);
		for (u32 i = 0; i < 1024; i++)
			w[i] = cpu_to_le32(b->dense || i == 7 ? ISTE_CONFIGURED : 0);
		w += 1024;
	}
}

/* The argument of a GRP_IST access of the buffers of @img */
static struct kvm_vgic_v5_ist ist_arg(const struct vgic_v5_ist_image *img)
{
	return (struct kvm_vgic_v5_ist) {
		.spi_ist_addr	= (u64)(unsigned long)img->spi,
		.spi_ist_size	= img->spi_size,
		.lpi_ist_addr	= (u64)(unsigned long)img->lpi,
		.lpi_ist_size	= img->lpi_size,
	};
}

static void ist_bench_run(int first, int last)
{
	for (int k = first; k <= last; k++) {
		const struct ist_bench *b = &ist_benches[k];
		const u64 attr = b->compact ? KVM_DEV_ARM_VGIC_IST_COMPACT :
					      KVM_DEV_ARM_VGIC_IST_FLAT;
		struct vgic_v5_ist_image img = {}, saved = {};
		struct cfg c = { .nr_vcpus = 1, .nr_spis = 1024 };
		u64 cfgr, baser = RAM_GPA | GICV5_IRS_IST_BASER_VALID, t, bytes, got;
		struct kvm_vgic_v5_ist ist;
		char what[192], sizes[48];
		void *copy;
		double ns;
		struct vm vm;

		cpuif_24_bits();
		ist_bench_image(b, &img);
		bytes = img.spi_size + img.lpi_size;
		VT_ASSERT(vm_create(&vm, &c));
		cfgr = FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE, b->two_level) |
		       FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, b->id_bits);
		VT_ASSERT_EQ(harness_set_attr(vm.dev, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
					      GICV5_IRS_IST_CFGR, &cfgr), 0);
		VT_ASSERT_EQ(harness_set_attr(vm.dev, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
					      GICV5_IRS_IST_BASER, &baser), 0);

		ist = ist_arg(&img);
		vt_insn_begin();
		t = vt_now_ns();
		VT_ASSERT_EQ(harness_set_attr(vm.dev, GRP, attr, &ist), 0);
		ns = vt_now_ns() - t;
		snprintf(what, sizeof(what), "GRP_IST restore, 1024 SPIs + %s, %llu bytes (us)",
			 b->name, (unsigned long long)bytes);
		vt_bench_report(what, ns / 1e3, "us");

		/* Buffers of the size the VM's image has, as a VMM sizes them */
		vt_insn_pause();
		VT_ASSERT_EQ(vgic_v5_ist_save(vm.fd, &saved, b->compact), 0);
		got = saved.spi_size + saved.lpi_size;
		vt_insn_resume();
		ist = ist_arg(&saved);
		t = vt_now_ns();
		VT_ASSERT_EQ(harness_get_attr(vm.dev, GRP, attr, &ist), 0);
		ns = vt_now_ns() - t;
		snprintf(what, sizeof(what), V5("GRP_IST set + get, %s"), b->name);
		vt_insn_end(what, 1);
		snprintf(what, sizeof(what), "GRP_IST save, 1024 SPIs + %s, %llu bytes (us)",
			 b->name, (unsigned long long)got);
		vt_bench_report(what, ns / 1e3, "us");

		/* The same bytes in, then out: the buffers, not the VM, hold them */
		copy = malloc(max(bytes, got));
		VT_ASSERT(copy);
		vt_insn_begin();
		t = vt_now_ns();
		memcpy(copy, img.spi, img.spi_size);
		memcpy(copy + img.spi_size, img.lpi, img.lpi_size);
		barrier();
		memcpy(copy, saved.spi, saved.spi_size);
		memcpy(copy + saved.spi_size, saved.lpi, saved.lpi_size);
		barrier();
		ns = vt_now_ns() - t;
		if (bytes == got)
			snprintf(sizes, sizeof(sizes), "2 x %llu B", (unsigned long long)bytes);
		else
			snprintf(sizes, sizeof(sizes), "%llu + %llu B",
				 (unsigned long long)bytes, (unsigned long long)got);
		snprintf(what, sizeof(what),
			 REF_TARGET("memcpy in + out, %s", "GRP_IST set + get, %s", "3"),
			 sizes, b->name);
		vt_insn_end(what, 1);
		VT_EXPECT(((u8 *)copy)[got - 1] == ((u8 *)saved.lpi)[saved.lpi_size - 1]);
		snprintf(what, sizeof(what), "memcpy of the same bytes in and out, %s (us)", sizes);
		vt_bench_report(what, ns / 1e3, "us");

		free(copy);
		vgic_v5_ist_free(&img);
		vgic_v5_ist_free(&saved);
		harness_vm_destroy(vm.kvm);
	}
}

VT_BENCH(bench_ist_save_restore_16_bits_insn)
{
	ist_bench_run(0, 7);
}

VT_BENCH(bench_ist_save_restore_24_bits_dense_flat_insn)
{
	ist_bench_run(8, 8);
}

VT_BENCH(bench_ist_save_restore_24_bits_dense_compact_insn)
{
	ist_bench_run(9, 9);
}

VT_BENCH(bench_ist_save_restore_24_bits_sparse_insn)
{
	ist_bench_run(10, 11);
}
