// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_DEV_ARM_VGIC_GRP_IRS_REGS (gicv5-facts.md 2.5, 6.4, 7): every errno,
 * state-only writes, a save/restore round trip, a VM given the upstream
 * feature set, no writes once the VM has run, and a restored valid
 * IST_BASER that holds KVM_RUN back until the IST is there.
 */
#include "harness.h"
#include "vt.h"
#include "gicv5_model.h"

#define IRS_BASE	HARNESS_V5_IRS_BASE
#define SETLPIR		(IRS_BASE + 0x10000)
#define GUEST_IST	0x40000000ULL
#define GRP		KVM_DEV_ARM_VGIC_GRP_IRS_REGS
#define NR_SPIS		64

#define CFGR(two_level, l2sz, id_bits)					\
	(FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE, (two_level)) |	\
	 FIELD_PREP(GICV5_IRS_IST_CFGR_L2SZ, (l2sz)) |			\
	 FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, (id_bits)))

static int get_reg(struct kvm_device *dev, u64 off, u64 *val)
{
	return harness_get_attr(dev, GRP, off, val);
}

static int set_reg(struct kvm_device *dev, u64 off, u64 val)
{
	return harness_set_attr(dev, GRP, off, &val);
}

static u64 reg(struct kvm_device *dev, u64 off)
{
	u64 val = 0xdeadbeefdeadbeefULL;

	VT_EXPECT_EQ(get_reg(dev, off, &val), 0);
	return val;
}

/* The guest's CPU interface offers 24-bit IDs (ICC_IDR0_EL1), before the VM */
static void cpuif_24_bits(void)
{
	harness_sysreg_write(SYS_ICC_IDR0_EL1, "SYS_ICC_IDR0_EL1",
			     FIELD_PREP(ICC_IDR0_EL1_ID_BITS, ICC_IDR0_EL1_ID_BITS_24BITS) |
			     FIELD_PREP(ICC_IDR0_EL1_PRI_BITS, ICC_IDR0_EL1_PRI_BITS_5BITS));
}

static int nr_vdpend(void)
{
	int n = harness_events(HE_SYSREG_WRITE, NULL, GICV5_OP_GIC_VDPEND, NULL);

	harness_events_clear();
	return n;
}

/* Every offset userspace can access, as a VMM finds them with has_attr */
static int find_regs(struct kvm_device *dev, u32 *offs, int max)
{
	int n = 0;

	for (u32 off = 0; off < SZ_64K; off += 4)
		if (!harness_has_attr(dev, GRP, off) && n < max)
			offs[n++] = off;
	return n;
}

VT_TEST(irs_regs_has_attr)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	u32 offs[128];

	VT_ASSERT(kvm);
	/* Before the IRS base is set */
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, GICV5_IRS_IDR0), 0);
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, GICV5_IRS_IST_BASER), 0);
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, GICV5_IRS_SWERR_SYNDROMER1), 0);
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, 0xffbc), 0);	/* DEVARCH */
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, 0xfffc), 0);	/* CIDR3 */
	/* No register */
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, 0x020), -ENXIO);
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, 0x3d8), -ENXIO);
	/* The SETLPI frame has no userspace register */
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, 0x10000), -ENXIO);
	/* No vCPU field */
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, BIT_ULL(32) | GICV5_IRS_IDR0), -ENXIO);
	/* Misaligned, or into a 64-bit register */
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, GICV5_IRS_IDR0 + 2), -EINVAL);
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, GICV5_IRS_IST_BASER + 4), -EINVAL);
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, GICV5_IRS_SWERR_STATUSR + 4), -EINVAL);
	/* 52 registers of 2.2 and the 13 CoreSight IDs */
	VT_EXPECT_EQ(find_regs(dev, offs, ARRAY_SIZE(offs)), 52 + 13);
	harness_vm_destroy(kvm);
}

VT_TEST(irs_regs_errnos)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	struct harness_vcpu_holder *t;
	u64 val = 0;

	VT_ASSERT(kvm);
	/* No IRS base */
	VT_EXPECT_EQ(get_reg(dev, GICV5_IRS_IDR0, &val), -ENXIO);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_CR1, 0), -ENXIO);
	VT_EXPECT_EQ(harness_v5_set_irs(dev), 0);
	/* Not initialised: v5 has no pre-init registers */
	VT_EXPECT_EQ(get_reg(dev, GICV5_IRS_IDR0, &val), -EBUSY);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_CR1, 0), -EBUSY);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);

	VT_EXPECT_EQ(get_reg(dev, GICV5_IRS_IDR0, &val), 0);
	VT_EXPECT_EQ(get_reg(dev, 0x020, &val), -ENXIO);
	VT_EXPECT_EQ(set_reg(dev, 0x020, 0), -ENXIO);
	VT_EXPECT_EQ(get_reg(dev, 0x10000, &val), -ENXIO);
	VT_EXPECT_EQ(set_reg(dev, 0x10000, 1), -ENXIO);
	VT_EXPECT_EQ(get_reg(dev, GICV5_IRS_IDR0 + 2, &val), -EINVAL);
	VT_EXPECT_EQ(get_reg(dev, GICV5_IRS_IST_BASER + 4, &val), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IST_BASER + 4, 0), -EINVAL);
	/* Bad user pointers */
	VT_EXPECT_EQ(harness_get_attr(dev, GRP, GICV5_IRS_IDR0, NULL), -EFAULT);
	VT_EXPECT_EQ(harness_set_attr(dev, GRP, GICV5_IRS_CR1, NULL), -EFAULT);
	VT_EXPECT_EQ(harness_get_attr(dev, GRP, GICV5_IRS_IDR0, HARNESS_BAD_UPTR), -EFAULT);
	VT_EXPECT_EQ(harness_set_attr(dev, GRP, GICV5_IRS_CR1, HARNESS_BAD_UPTR), -EFAULT);
	/* A vCPU is running: KVM_RUN holds its mutex, in another thread */
	t = harness_hold_vcpu(kvm_get_vcpu(kvm, 0));
	VT_ASSERT(t);
	VT_EXPECT_EQ(get_reg(dev, GICV5_IRS_IDR0, &val), -EBUSY);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_CR1, 0), -EBUSY);
	harness_release_vcpu(t);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_CR1, 0), 0);
	harness_vm_destroy(kvm);
}

/* A PPI-only VM (no IRS base at init) has no IRS registers */
VT_TEST(irs_regs_ppi_only_vm_enxio)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	u64 val;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT_EQ(get_reg(dev, GICV5_IRS_IDR0, &val), -ENXIO);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_CR1, 0), -ENXIO);
	harness_vm_destroy(kvm);
}

/* Values this IRS cannot have, register by register */
VT_TEST(irs_regs_einval_values)
{
	struct kvm_device *dev;
	struct kvm *kvm;
	u64 idr0, idr1, idr2;

	cpuif_24_bits();
	kvm = harness_v5_vm_dev(2, NR_SPIS, false, &dev);
	VT_ASSERT(kvm);
	idr0 = reg(dev, GICV5_IRS_IDR0);
	idr1 = reg(dev, GICV5_IRS_IDR1);
	idr2 = reg(dev, GICV5_IRS_IDR2);
	VT_ASSERT(idr2 & GICV5_IRS_IDR2_LPI);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2), 24);

	/* IDR0: INT_DOM Non-secure; no VIRT, 1-of-N, MEC, MPAM, SWE */
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR0, idr0 & ~GICV5_IRS_IDR0_INT_DOM), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR0, idr0 | GICV5_IRS_IDR0_VIRT), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR0, idr0 | GICV5_IRS_IDR0_ONE_N), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR0, idr0 | GICV5_IRS_IDR0_VIRT_ONE_N), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR0, idr0 | GICV5_IRS_IDR0_MEC), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR0, idr0 | GICV5_IRS_IDR0_MPAM), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR0, idr0 | GICV5_IRS_IDR0_SWE), -EINVAL);
	/* RES0 bits */
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR0, idr0 | BIT(13)), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR0, idr0 | BIT(15)), -EINVAL);
	/* ... PA_RANGE and IRSID taken as given, upper half ignored */
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR0, idr0 | GENMASK_ULL(63, 32)), 0);

	/* IDR1: IAFFID_BITS fixed by the vCPU IDs, PRIORITY_BITS <= host */
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR1, idr1 + BIT(16)), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR1,
			     (idr1 & ~GICV5_IRS_IDR1_PRIORITY_BITS) |
			     FIELD_PREP(GICV5_IRS_IDR1_PRIORITY_BITS, 5)), -EINVAL);
	/* PE_CNT ignored */
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR1, idr1 ^ 7), 0);
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_IDR1), idr1);

	/* IDR2 */
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR2, idr2 & ~GICV5_IRS_IDR2_LPI), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR2, idr2 | GICV5_IRS_IDR2_ISTMD), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR2, idr2 | BIT(20)), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR2, idr2 | BIT(31)), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR2,
			     idr2 | FIELD_PREP(GICV5_IRS_IDR2_ISTMD_SZ, 20)), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR2,
			     (idr2 & ~GICV5_IRS_IDR2_ID_BITS) |
			     FIELD_PREP(GICV5_IRS_IDR2_ID_BITS, 25)), -EINVAL);
	/* MIN_LPI_ID_BITS in [host minimum, ID_BITS] */
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR2,
			     (idr2 & ~GICV5_IRS_IDR2_MIN_LPI_ID_BITS) |
			     FIELD_PREP(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, 3)), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR2,
			     (idr2 & ~(GICV5_IRS_IDR2_MIN_LPI_ID_BITS | GICV5_IRS_IDR2_ID_BITS)) |
			     FIELD_PREP(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, 10) |
			     FIELD_PREP(GICV5_IRS_IDR2_ID_BITS, 9)), -EINVAL);
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_IDR2), idr2);

	/* IDR5-7: fixed by NR_IRQS */
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR5, NR_SPIS + 32), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR6, NR_SPIS - 32), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR7, 32), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR5, NR_SPIS), 0);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR6, NR_SPIS), 0);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR7, 0), 0);
	/* IDR3/4, IIDR, AIDR, RAZ/WI registers: accepted, ignored */
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR3, 0x7ff), 0);
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_IDR3), 0);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IIDR, 0x1234), 0);
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_IIDR), 0x0000043b | (0x4bU << 20));
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_VMT_BASER, ~0ULL), 0);
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_VMT_BASER), 0);
	harness_vm_destroy(kvm);
}

/*
 * A linear-only host offers 16 ID bits even with a 24-bit CPU interface: a
 * VMM cannot ask for more.
 */
VT_TEST(irs_regs_idr2_more_than_offered)
{
	struct gm_caps caps = gm_caps_default();
	struct harness_host host = { .type = GIC_V5, .irs = &caps };
	struct kvm_device *dev;
	struct kvm *kvm;
	u64 idr2;

	caps.ist_levels = false;
	VT_ASSERT_EQ(harness_host_init(&host), 0);
	cpuif_24_bits();
	kvm = harness_v5_vm_dev(1, 0, false, &dev);
	VT_ASSERT(kvm);
	idr2 = reg(dev, GICV5_IRS_IDR2);
	VT_ASSERT_EQ(FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2), 16);
	idr2 &= ~GICV5_IRS_IDR2_ID_BITS;
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR2,
			     idr2 | FIELD_PREP(GICV5_IRS_IDR2_ID_BITS, 17)), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR2,
			     idr2 | FIELD_PREP(GICV5_IRS_IDR2_ID_BITS, 24)), -EINVAL);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR2,
			     idr2 | FIELD_PREP(GICV5_IRS_IDR2_ID_BITS, 16)), 0);
	VT_EXPECT_EQ(kvm_get_vcpu(kvm, 0)->arch.vgic_cpu.num_id_bits,
		     ICC_IDR0_EL1_ID_BITS_16BITS);
	harness_vm_destroy(kvm);
}

/* Writes restore state: no allocation, no IRS command, no vCPU request */
VT_TEST(irs_regs_writes_are_state_only)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_v5_vm_dev(2, NR_SPIS, false, &dev);
	unsigned long allocs;

	VT_ASSERT(kvm);
	harness_events_clear();
	allocs = harness_allocs_total();
	/* Any command would now never complete */
	gm_set_stuck(harness_gm(), true);

	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN), 0);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_CR1, 0xffff), 0);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_SPI_SELR, 3), 0);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_SPI_CFGR, GICV5_IRS_SPI_CFGR_TM), 0);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_PE_SELR, 1), 0);
	/* An IST the guest path would map at once */
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IST_CFGR, CFGR(0, 0, 12)), 0);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IST_BASER,
			     GUEST_IST | GICV5_IRS_IST_BASER_VALID), 0);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_MAP_L2_ISTR, 0), 0);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_SYNCR, BIT(31)), 0);

	VT_EXPECT_EQ(harness_allocs_total(), allocs);
	VT_EXPECT_EQ(harness_events(HE_REQUEST, NULL, 0, NULL), 0);
	VT_EXPECT_EQ(harness_events(HE_KICK, NULL, 0, NULL), 0);
	VT_EXPECT_EQ(harness_events(HE_CACHE_OP, NULL, 0, NULL), 0);
	VT_EXPECT_EQ(nr_vdpend(), 0);
	gm_set_stuck(harness_gm(), false);
	VT_EXPECT_EQ(harness_violations(NULL), 0);

	/* ... and state it is */
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_CR0), GICV5_IRS_CR0_IRSEN | GICV5_IRS_CR0_IDLE);
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_CR1), 0xffff);
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_SPI_SELR), 3);
	/* SPI_CFGR is restored from the IST, not from here */
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_SPI_CFGR), 0);
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_PE_SELR), 1);
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_IST_CFGR), CFGR(0, 0, 12));
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_IST_BASER), GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	/* *_STATUSR read exactly IDLE, though SPI 3 and PE 1 are valid */
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_SPI_STATUSR), GICV5_IRS_SPI_STATUSR_IDLE);
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_PE_STATUSR), GICV5_IRS_PE_STATUSR_IDLE);
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_IST_STATUSR), GICV5_IRS_IST_STATUSR_IDLE);
	/* Invalid again before the VM is destroyed: no IST to free */
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IST_BASER, GUEST_IST), 0);
	harness_vm_destroy(kvm);
}

#define MAX_REGS	128

struct irs_save {
	int n;
	u32 off[MAX_REGS];
	u64 val[MAX_REGS];
};

static void save_all(struct kvm_device *dev, struct irs_save *s)
{
	s->n = find_regs(dev, s->off, MAX_REGS);
	for (int i = 0; i < s->n; i++)
		s->val[i] = reg(dev, s->off[i]);
}

static u64 saved_val(struct irs_save *s, u32 off)
{
	for (int i = 0; i < s->n; i++)
		if (s->off[i] == off)
			return s->val[i];
	vt_fail(__FILE__, __LINE__, "0x%x is not in the saved registers", off);
	return 0;
}

/*
 * A VM configured by its VMM (reduced IDRs) and by its guest (enable,
 * selectors, a valid LPI IST): save everything, restore into a fresh VM in
 * reverse order, save again: identical.
 */
VT_TEST(irs_regs_round_trip)
{
	static struct irs_save a, b;
	struct kvm_device *dev;
	struct kvm_vcpu *vcpu;
	struct kvm *kvm;
	u64 idr0, idr2;

	cpuif_24_bits();
	kvm = harness_v5_vm_dev(3, NR_SPIS, false, &dev);
	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	idr0 = reg(dev, GICV5_IRS_IDR0) & ~GICV5_IRS_IDR0_SETLPI;
	idr2 = (reg(dev, GICV5_IRS_IDR2) & ~GICV5_IRS_IDR2_ID_BITS) |
	       FIELD_PREP(GICV5_IRS_IDR2_ID_BITS, 20);
	VT_ASSERT_EQ(set_reg(dev, GICV5_IRS_IDR0, idr0), 0);
	VT_ASSERT_EQ(set_reg(dev, GICV5_IRS_IDR2, idr2), 0);
	VT_ASSERT_EQ(harness_vcpu_first_run(vcpu), 0);
	wr32(vcpu, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN);
	wr32(vcpu, GICV5_IRS_CR1, 0x3ff5);
	wr32(vcpu, GICV5_IRS_SPI_SELR, 17);
	wr32(vcpu, GICV5_IRS_PE_SELR, 2);
	wr32(vcpu, GICV5_IRS_IST_CFGR, CFGR(0, 0, 12));
	wr64(vcpu, GICV5_IRS_IST_BASER, GUEST_IST | GICV5_IRS_IST_BASER_VALID);

	save_all(dev, &a);
	VT_EXPECT_EQ(a.n, 52 + 13);
	VT_EXPECT_EQ(saved_val(&a, GICV5_IRS_IDR0), idr0);
	VT_EXPECT_EQ(saved_val(&a, GICV5_IRS_IDR2), idr2);
	VT_EXPECT_EQ(saved_val(&a, GICV5_IRS_CR0), GICV5_IRS_CR0_IRSEN | GICV5_IRS_CR0_IDLE);
	VT_EXPECT_EQ(saved_val(&a, GICV5_IRS_CR1), 0x3ff5);
	VT_EXPECT_EQ(saved_val(&a, GICV5_IRS_SPI_SELR), 17);
	VT_EXPECT_EQ(saved_val(&a, GICV5_IRS_PE_SELR), 2);
	VT_EXPECT_EQ(saved_val(&a, GICV5_IRS_IST_CFGR), CFGR(0, 0, 12));
	VT_EXPECT_EQ(saved_val(&a, GICV5_IRS_IST_BASER), GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	harness_vm_destroy(kvm);

	kvm = harness_v5_vm_dev(3, NR_SPIS, false, &dev);
	VT_ASSERT(kvm);
	for (int i = a.n - 1; i >= 0; i--)
		VT_EXPECT_EQ(set_reg(dev, a.off[i], a.val[i]), 0);
	save_all(dev, &b);
	VT_EXPECT_EQ(b.n, a.n);
	for (int i = 0; i < a.n; i++) {
		VT_EXPECT_EQ(b.off[i], a.off[i]);
		if (b.val[i] != a.val[i])
			vt_fail(__FILE__, __LINE__, "offset 0x%x: 0x%llx != 0x%llx",
				a.off[i], (unsigned long long)b.val[i],
				(unsigned long long)a.val[i]);
	}
	/* Writing back what was read always works, in any order */
	for (int i = 0; i < b.n; i++)
		VT_EXPECT_EQ(set_reg(dev, b.off[i], b.val[i]), 0);
	/* No GRP_IST restore here: drop the IST before destroying the VM */
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IST_BASER, 0), 0);
	harness_vm_destroy(kvm);
}

/*
 * The upstream feature set (SETLPI 0, one level, 16 ID bits) on a host that
 * offers more: the guest sees it and KVM behaves as that IRS.
 */
VT_TEST(irs_regs_upstream_feature_set)
{
	struct kvm_irq_routing_entry ue = {
		.gsi = 40, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = (u32)SETLPIR, .data = 9 },
	};
	struct kvm_device *dev;
	struct kvm_vcpu *vcpu;
	u64 idr0, idr2, val;
	struct kvm *kvm;

	cpuif_24_bits();
	kvm = harness_v5_vm_dev(1, 0, false, &dev);
	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	idr0 = reg(dev, GICV5_IRS_IDR0);
	idr2 = reg(dev, GICV5_IRS_IDR2);
	VT_ASSERT(idr0 & GICV5_IRS_IDR0_SETLPI);
	VT_ASSERT(idr2 & GICV5_IRS_IDR2_IST_LEVELS);
	VT_ASSERT_EQ(FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2), 24);
	VT_ASSERT_EQ(vcpu->arch.vgic_cpu.num_id_bits, ICC_IDR0_EL1_ID_BITS_24BITS);

	idr0 &= ~GICV5_IRS_IDR0_SETLPI;
	idr2 &= ~(GICV5_IRS_IDR2_IST_LEVELS | GICV5_IRS_IDR2_IST_L2SZ |
		  GICV5_IRS_IDR2_ID_BITS);
	idr2 |= FIELD_PREP(GICV5_IRS_IDR2_ID_BITS, 16);
	VT_ASSERT_EQ(set_reg(dev, GICV5_IRS_IDR0, idr0), 0);
	VT_ASSERT_EQ(set_reg(dev, GICV5_IRS_IDR2, idr2), 0);
	/* ICC_IDR0_EL1 (access_gicv5_idr0()) agrees: 16 bits */
	VT_EXPECT_EQ(vcpu->arch.vgic_cpu.num_id_bits, ICC_IDR0_EL1_ID_BITS_16BITS);
	VT_ASSERT_EQ(kvm_set_irq_routing(kvm, &ue, 1, 0), 0);
	VT_ASSERT_EQ(harness_vcpu_first_run(vcpu), 0);

	/* The guest reads what the VMM wrote */
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IDR0), idr0);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IDR2), idr2);

	/* A two-level IST: the IST_BASER valid-write is dropped */
	wr32(vcpu, GICV5_IRS_IST_CFGR, CFGR(1, 0, 16));
	wr64(vcpu, GICV5_IRS_IST_BASER, GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), 0);
	/* A linear IST within ID_BITS works */
	wr32(vcpu, GICV5_IRS_IST_CFGR, CFGR(0, 0, 12));
	wr64(vcpu, GICV5_IRS_IST_BASER, GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), GUEST_IST | GICV5_IRS_IST_BASER_VALID);

	/* The SETLPI frame is RAZ/WI, MSIs to it fail like any other address */
	harness_events_clear();
	val = 5;
	VT_EXPECT_EQ(harness_mmio_guest_write(vcpu, SETLPIR, 4, &val), 0);
	VT_EXPECT_EQ(nr_vdpend(), 0);
	VT_EXPECT_EQ(rd32(vcpu, 0x10000), 0);
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 5), -EINVAL);
	VT_EXPECT_EQ(harness_set_irq(kvm, 40, 1), -EINVAL);
	VT_EXPECT_EQ(nr_vdpend(), 0);
	/* MAP_L2_ISTR is WI */
	wr32(vcpu, GICV5_IRS_MAP_L2_ISTR, 0);
	VT_EXPECT_EQ(nr_vdpend(), 0);
	harness_vm_destroy(kvm);
}

/*
 * IDR2.ID_BITS caps the guest's IST_CFGR.LPI_ID_BITS; IST_LEVELS = 0 makes
 * a two-level IST_CFGR invalid, whatever IST_L2SZ says.
 */
VT_TEST(irs_regs_id_bits_cap_lpi_id_bits)
{
	struct kvm_device *dev;
	struct kvm_vcpu *vcpu;
	struct kvm *kvm;
	u64 idr2;

	kvm = harness_v5_vm_dev(1, 0, false, &dev);
	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	idr2 = reg(dev, GICV5_IRS_IDR2);
	VT_ASSERT(FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2) >= 14);
	VT_ASSERT(idr2 & GICV5_IRS_IDR2_IST_LEVELS);
	VT_ASSERT(FIELD_GET(GICV5_IRS_IDR2_IST_L2SZ, idr2) & 1);
	idr2 = (idr2 & ~(GICV5_IRS_IDR2_ID_BITS | GICV5_IRS_IDR2_IST_LEVELS)) |
	       FIELD_PREP(GICV5_IRS_IDR2_ID_BITS, 13);
	VT_ASSERT_EQ(set_reg(dev, GICV5_IRS_IDR2, idr2), 0);
	VT_ASSERT_EQ(harness_vcpu_first_run(vcpu), 0);

	wr32(vcpu, GICV5_IRS_IST_CFGR, CFGR(1, 0, 13));
	wr64(vcpu, GICV5_IRS_IST_BASER, GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), 0);

	wr32(vcpu, GICV5_IRS_IST_CFGR, CFGR(0, 0, 14));
	wr64(vcpu, GICV5_IRS_IST_BASER, GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), 0);
	wr32(vcpu, GICV5_IRS_IST_CFGR, CFGR(0, 0, 13));
	wr64(vcpu, GICV5_IRS_IST_BASER, GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	harness_vm_destroy(kvm);
}

/* No IRS_REGS write once the VM has run; reads still work */
VT_TEST(irs_regs_ebusy_after_run)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_v5_vm_dev(2, 0, true, &dev);
	u64 cr1;

	VT_ASSERT(kvm);
	cr1 = reg(dev, GICV5_IRS_CR1);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_CR1, 0x55), -EBUSY);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IDR2, reg(dev, GICV5_IRS_IDR2)), -EBUSY);
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IST_BASER, GICV5_IRS_IST_BASER_VALID), -EBUSY);
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_CR1), cr1);
	VT_EXPECT_EQ(reg(dev, GICV5_IRS_IST_BASER), 0);
	harness_vm_destroy(kvm);
}

/*
 * A valid IST_BASER restored without its IST: KVM_RUN fails with -EINVAL,
 * and the VM stays usable: invalidating IST_BASER lets it run.
 */
VT_TEST(irs_regs_restore_pending_blocks_run)
{
	struct kvm_device *dev;
	struct kvm_vcpu *vcpu;
	struct kvm *kvm;

	kvm = harness_v5_vm_dev(1, 0, false, &dev);
	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	VT_ASSERT_EQ(set_reg(dev, GICV5_IRS_IST_CFGR, CFGR(0, 0, 12)), 0);
	VT_ASSERT_EQ(set_reg(dev, GICV5_IRS_IST_BASER,
			     GUEST_IST | GICV5_IRS_IST_BASER_VALID), 0);
	VT_EXPECT_EQ(harness_vcpu_first_run(vcpu), -EINVAL);
	VT_EXPECT_EQ(harness_vcpu_first_run(vcpu), -EINVAL);
	VT_EXPECT(!kvm->vm_dead);
	VT_EXPECT(!kvm_vm_has_ran_once(kvm));
	/* Nothing was allocated: the IST restore would create the IST */
	VT_EXPECT(!gm_vist_valid(harness_gm(), 0, GM_TYPE_LPI));

	/* Still restoring: the VMM drops the IST */
	VT_EXPECT_EQ(set_reg(dev, GICV5_IRS_IST_BASER, GUEST_IST), 0);
	VT_EXPECT_EQ(harness_vcpu_first_run(vcpu), 0);
	VT_EXPECT(kvm_vm_has_ran_once(kvm));
	/* The guest can map one itself */
	wr64(vcpu, GICV5_IRS_IST_BASER, GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	harness_vm_destroy(kvm);
}
