// SPDX-License-Identifier: GPL-2.0
/*
 * Several VMs at once, none of them VM ID 0: a VM ID field stuck at 0 in
 * GIC VDPEND, ICH_CONTEXTR_EL2 or a VMAP command would send interrupts,
 * residency or L2 tables to the wrong VM. VM 0 is a VM that takes part
 * in nothing; VMs 1 and 2 each set up their IRS as Linux does, and each
 * interrupt must reach the VM it was injected into, and only that one.
 */
#include "harness.h"
#include "vt.h"
#include "gicv5_model.h"

#define SETLPIR		(HARNESS_V5_IRS_BASE + 0x10000)
#define SPI(n)		vgic_v5_make_spi(n)
#define LPI(n)		vgic_v5_make_lpi(n)

/* The VM ID of each VM, as the model saw them appear */
static struct kvm *vm_of[3];
static int id_of[3];

static int vm_id(struct kvm *kvm)
{
	for (int i = 0; i < 3; i++)
		if (vm_of[i] == kvm)
			return id_of[i];
	return -1;
}

/* Record @kvm as the VM valid in the host IRS that was not before */
static void record_vm(int n, struct kvm *kvm)
{
	u32 nr = 1U << gm_get_caps(harness_gm()).vm_id_bits;

	vm_of[n] = kvm;
	id_of[n] = -1;
	for (u32 id = 0; id < nr; id++) {
		bool known = false;

		for (int i = 0; i < n; i++)
			known |= id_of[i] == id;
		if (!known && gm_vm_valid(harness_gm(), id))
			id_of[n] = id;
	}
}

/* The guest's IRS: an LPI IST, PE @iaffid online, IRS enabled */
static void guest_irs_setup(struct kvm_vcpu *vcpu, bool two_level)
{
	wr32(vcpu, GICV5_IRS_IST_CFGR,
	     FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE, two_level) |
	     FIELD_PREP(GICV5_IRS_IST_CFGR_L2SZ, GICV5_IRS_IST_CFGR_L2SZ_4K) |
	     FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, two_level ? 16 : 12));
	wr64(vcpu, GICV5_IRS_IST_BASER, 0x48000000ULL | GICV5_IRS_IST_BASER_VALID);
	VT_EXPECT(rd64(vcpu, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID);
	if (two_level) {
		/* KVM sets VALID in the guest's L1 entry: RAM under the table */
		VT_EXPECT_EQ(harness_memslot_add(vcpu->kvm, 0, 0x48000000ULL,
						 SZ_1M, 0), 0);
		wr32(vcpu, GICV5_IRS_MAP_L2_ISTR, 3000);
	}
	wr32(vcpu, GICV5_IRS_PE_SELR, vcpu->vcpu_id);
	wr32(vcpu, GICV5_IRS_PE_CR0, GICV5_IRS_PE_CR0_DPS);
	wr32(vcpu, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN);
}

/* Priority, target, enable (and edge handling for an LPI) */
static void guest_route(u32 intid, u16 iaffid)
{
	u64 type_id = intid & (GICV5_HWIRQ_TYPE | GICV5_HWIRQ_ID);

	harness_guest_insn(GM_CDPRI, FIELD_PREP(GICV5_GIC_CDPRI_PRIORITY_MASK, 4) | type_id);
	if (FIELD_GET(GICV5_HWIRQ_TYPE, intid) == GICV5_HWIRQ_TYPE_LPI)
		harness_guest_insn(GM_CDHM, type_id);
	harness_guest_insn(GM_CDAFF, FIELD_PREP(GICV5_GIC_CDAFF_IAFFID_MASK, iaffid) | type_id);
	harness_guest_insn(GM_CDEN, type_id);
}

static int spi_line(struct kvm *kvm, u32 spi)
{
	return harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, spi), 1);
}

static int msi(struct kvm *kvm, u32 lpi)
{
	return harness_msi(kvm, SETLPIR, lpi);
}

/* vCPU @vcpu loads, checks its residency, takes one interrupt, is put */
static u32 take(struct kvm_vcpu *vcpu)
{
	u64 ctx;
	u32 intid;

	harness_vcpu_load(vcpu);
	ctx = gm_read_contextr(harness_gm(), harness_this_cpu());
	VT_EXPECT(FIELD_GET(ICH_CONTEXTR_EL2_V, ctx));
	VT_EXPECT_EQ(FIELD_GET(ICH_CONTEXTR_EL2_VM, ctx), vm_id(vcpu->kvm));
	VT_EXPECT_EQ(FIELD_GET(ICH_CONTEXTR_EL2_VPE, ctx), vcpu->vcpu_id);
	VT_EXPECT_EQ(gm_vpe_resident_cpu(harness_gm(), vm_id(vcpu->kvm), vcpu->vcpu_id),
		     harness_this_cpu());
	intid = harness_run_take(vcpu, NULL);
	harness_vcpu_put(vcpu);
	return intid;
}

VT_TEST(multi_vm_interrupts_reach_their_own_vm)
{
	struct kvm *idle, *a, *b;
	struct kvm_vcpu *a1, *b0;

	/* VM ID 0, created first and idle throughout */
	idle = harness_v5_vm(1, true);
	VT_ASSERT(idle);
	record_vm(0, idle);
	a = harness_v5_vm_dev(2, 64, true, NULL);
	VT_ASSERT(a);
	record_vm(1, a);
	b = harness_v5_vm_dev(1, 64, true, NULL);
	VT_ASSERT(b);
	record_vm(2, b);
	VT_ASSERT_EQ(vm_id(idle), 0);
	VT_ASSERT(vm_id(a) > 0 && vm_id(b) > 0 && vm_id(a) != vm_id(b));
	VT_ASSERT_EQ(harness_vcpu_first_run(kvm_get_vcpu(a, 1)), 0);
	a1 = kvm_get_vcpu(a, 1);
	b0 = kvm_get_vcpu(b, 0);

	/* A: linear LPI IST, SPI 5 and LPI 100 to vCPU 1 */
	harness_vcpu_load(a1);
	guest_irs_setup(a1, false);
	guest_route(SPI(5), 1);
	guest_route(LPI(100), 1);
	harness_vcpu_put(a1);
	/* B: two-level LPI IST (VMAP_L2_VISTR), SPI 5 and LPI 3000 to vCPU 0 */
	harness_vcpu_load(b0);
	guest_irs_setup(b0, true);
	guest_route(SPI(5), 0);
	guest_route(LPI(3000), 0);
	harness_vcpu_put(b0);

	/* SPI 5 of A: A takes it, B and VM 0 see nothing */
	VT_EXPECT_EQ(spi_line(a, 5), 0);
	VT_EXPECT_EQ(take(b0), 0);
	VT_EXPECT_EQ(take(kvm_get_vcpu(idle, 0)), 0);
	VT_EXPECT_EQ(take(a1), SPI(5));
	VT_EXPECT_EQ(take(a1), 0);

	/* SPI 5 of B */
	VT_EXPECT_EQ(spi_line(b, 5), 0);
	VT_EXPECT_EQ(take(a1), 0);
	VT_EXPECT_EQ(take(b0), SPI(5));

	/* MSIs: LPI 3000 of B (in the L2 table B mapped), LPI 100 of A */
	VT_EXPECT_EQ(msi(b, 3000), 1);
	VT_EXPECT_EQ(msi(a, 100), 1);
	VT_EXPECT_EQ(take(kvm_get_vcpu(idle, 0)), 0);
	VT_EXPECT_EQ(take(b0), LPI(3000));
	VT_EXPECT_EQ(take(b0), 0);
	VT_EXPECT_EQ(take(a1), LPI(100));
	VT_EXPECT_EQ(take(a1), 0);

	harness_vm_destroy(b);
	harness_vm_destroy(a);
	harness_vm_destroy(idle);
	VT_EXPECT_EQ(harness_valid_vms(), 0);
}
