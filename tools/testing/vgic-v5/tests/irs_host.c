// SPDX-License-Identifier: GPL-2.0
/*
 * The host side of the IRS (vgic-v5-irs.c) against the IRS model: the VM
 * table at host init, a VM's tables and commands at CTRL_INIT, residency
 * on load/put, doorbells, VDPEND, limits, teardown after every failure.
 * The model's checker runs after each test: any command the hardware
 * would reject fails the test.
 */
#include "harness.h"
#include "vt.h"
#include "gicv5_model.h"

#define MAX_SWEEP	400

static u32 model_nr_vm_ids(void)
{
	return BIT(gm_get_caps(harness_gm()).vm_id_bits);
}

/* The VM IDs the model holds valid, as a bitmap over 2^16 IDs. */
static void model_valid_vm_ids(unsigned long *ids)
{
	for (u32 id = 0; id < model_nr_vm_ids(); id++) {
		if (gm_vm_valid(harness_gm(), id))
			__set_bit(id, ids);
	}
}

/* The VM ID of the only valid VM, or -1. */
static int model_only_vm(void)
{
	int id = -1;

	for (u32 i = 0; i < model_nr_vm_ids(); i++) {
		if (gm_vm_valid(harness_gm(), i)) {
			if (id >= 0)
				return -1;
			id = i;
		}
	}
	return id;
}

static int host_with(const struct gm_caps *caps)
{
	struct harness_host host = { .type = GIC_V5, .irs = caps };

	return harness_host_init(&host);
}

static u64 this_cpu_contextr(void)
{
	return gm_read_contextr(harness_gm(), smp_processor_id());
}

/* The guest's accesses to its IRS frames, through the MMIO bus */
static void guest_irs_write(struct kvm_vcpu *vcpu, u32 off, int len, u64 val)
{
	VT_EXPECT_EQ(harness_mmio_guest_write(vcpu, HARNESS_V5_IRS_BASE + off,
					      len, &val), 0);
}

/* The guest sets IRS_CR0.IRSEN */
static void guest_irs_enable(struct kvm_vcpu *vcpu)
{
	guest_irs_write(vcpu, GICV5_IRS_CR0, 4, GICV5_IRS_CR0_IRSEN);
}

/* A write of @id to the guest's IRS_SETLPIR */
#define IRS_SETLPIR	0x10000
static void guest_setlpi(struct kvm_vcpu *vcpu, u32 id)
{
	guest_irs_write(vcpu, IRS_SETLPIR, 4, id);
}

/* The guest configures its LPI IST and makes it valid */
static void guest_map_ist(struct kvm_vcpu *vcpu, bool two_level, u32 id_bits)
{
	guest_irs_write(vcpu, GICV5_IRS_IST_CFGR, 4,
			FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE, two_level) |
			FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, id_bits));
	guest_irs_write(vcpu, GICV5_IRS_IST_BASER, 8,
			0x40000000ULL | GICV5_IRS_IST_BASER_VALID);
}

/* KVM_IRQ_LINE for SPI @n */
static int spi_line(struct kvm *kvm, u32 n, bool level)
{
	return harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, n), level);
}

/* ------------------------------------------------------------- host init */

VT_TEST(irs_host_linear_vmt)
{
	struct gm_caps caps = gm_caps_default();
	u32 cfgr;

	caps.vmt_levels = false;
	caps.vm_id_bits = 6;
	VT_ASSERT_EQ(host_with(&caps), 0);
	VT_EXPECT(gm_vmt_valid(harness_gm()));
	cfgr = gm_mmio_read(harness_gm(), GM_IRS_VMT_CFGR, 4);
	VT_EXPECT_EQ(GM_FIELD_GET(GM_VMT_CFGR_STRUCTURE, cfgr), 0);
	VT_EXPECT_EQ(GM_FIELD_GET(GM_VMT_CFGR_VM_ID_BITS, cfgr), 6);
}

VT_TEST(irs_host_two_level_vmt)
{
	struct gm_caps caps = gm_caps_default();
	u32 cfgr;

	caps.vmt_levels = true;
	caps.vm_id_bits = 10;
	VT_ASSERT_EQ(host_with(&caps), 0);
	VT_EXPECT(gm_vmt_valid(harness_gm()));
	cfgr = gm_mmio_read(harness_gm(), GM_IRS_VMT_CFGR, 4);
	VT_EXPECT_EQ(GM_FIELD_GET(GM_VMT_CFGR_STRUCTURE, cfgr), 1);
	VT_EXPECT_EQ(GM_FIELD_GET(GM_VMT_CFGR_VM_ID_BITS, cfgr), 10);
}

/* Up to 128 VM IDs fit one L2 table: a linear VMT is used. */
VT_TEST(irs_host_small_vm_space_is_linear)
{
	struct gm_caps caps = gm_caps_default();

	caps.vmt_levels = true;
	caps.vm_id_bits = 7;
	VT_ASSERT_EQ(host_with(&caps), 0);
	VT_EXPECT_EQ(GM_FIELD_GET(GM_VMT_CFGR_STRUCTURE,
				  gm_mmio_read(harness_gm(), GM_IRS_VMT_CFGR, 4)), 0);
}

/* Someone else's VM table is in place: KVM leaves it alone. */
VT_TEST(irs_host_vmt_already_installed_ebusy)
{
	struct gic_kvm_info info = {
		.type = GIC_V5,
		.irs_base = gm_frame_base(harness_gm()),
	};
	void *other = kzalloc(SZ_4K, GFP_KERNEL);
	u64 baser;

	VT_ASSERT(other);
	vgic_v5_irs_remove();
	VT_ASSERT(!gm_vmt_valid(harness_gm()));
	gm_mmio_write(harness_gm(), GM_IRS_VMT_CFGR, 4, 7);
	baser = ((uintptr_t)other & GM_VMT_BASER_ADDR) | GM_VMT_BASER_VALID;
	gm_mmio_write(harness_gm(), GM_IRS_VMT_BASER, 8, baser);
	VT_ASSERT(gm_vmt_valid(harness_gm()));

	VT_EXPECT_EQ(vgic_v5_irs_probe(&info), -EBUSY);
	VT_EXPECT_EQ(vgic_v5_irs_max_lpi_id_bits(), 0);
	VT_EXPECT_EQ(gm_mmio_read(harness_gm(), GM_IRS_VMT_BASER, 8), baser);
	VT_EXPECT_EQ(gm_mmio_read(harness_gm(), GM_IRS_VMT_CFGR, 4), 7);

	gm_mmio_write(harness_gm(), GM_IRS_VMT_BASER, 8, 0);
	kfree(other);
	/* And KVM can install its own now */
	VT_EXPECT_EQ(vgic_v5_irs_probe(&info), 0);
	VT_EXPECT(gm_vmt_valid(harness_gm()));
	vgic_v5_irs_remove();
	VT_EXPECT(!gm_vmt_valid(harness_gm()));
}

/* ------------------------------------------------------------- VM lifecycle */

VT_TEST(irs_vm_init_makes_vm_vpes_and_spi_ist_valid)
{
	struct kvm *kvm = harness_v5_vm(3, false);
	int vm;

	VT_ASSERT(kvm);
	vm = model_only_vm();
	VT_ASSERT(vm >= 0);
	for (u32 vpe = 0; vpe < 3; vpe++)
		VT_EXPECT(gm_vpe_valid(harness_gm(), vm, vpe));
	VT_EXPECT(!gm_vpe_valid(harness_gm(), vm, 3));
	VT_EXPECT(gm_vist_valid(harness_gm(), vm, GM_TYPE_SPI));
	VT_EXPECT(!gm_vist_valid(harness_gm(), vm, GM_TYPE_LPI));
	/* Targeted only, doorbell valid, nothing requested */
	for (u32 vpe = 0; vpe < 3; vpe++) {
		u64 dbr = gm_vpe_dbr(harness_gm(), vm, vpe);

		VT_EXPECT(dbr & GM_VPE_DBR_DBV);
		VT_EXPECT(!(dbr & GM_VPE_DBR_REQ_DB));
		VT_EXPECT(GM_FIELD_GET(GM_VPE_DBR_INTID, dbr) != 0);
	}
	VT_EXPECT(gm_vpe_dbr(harness_gm(), vm, 0) != gm_vpe_dbr(harness_gm(), vm, 1));
	harness_vm_destroy(kvm);
	VT_EXPECT_EQ(model_only_vm(), -1);
}

VT_TEST(irs_vm_sparse_vcpu_ids)
{
	static const int ids[] = { 0, 5, 17 };
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(0, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	struct kvm_vcpu *vcpu;
	u64 ctx;
	int vm;

	VT_ASSERT(kvm);
	for (int i = 0; i < ARRAY_SIZE(ids); i++)
		VT_ASSERT_EQ(harness_vcpu_create(kvm, ids[i], NULL), 0);
	/* The first run needs the guest's IRS frames somewhere */
	VT_ASSERT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS,
				      &(u64){ HARNESS_V5_IRS_BASE }), 0);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	vm = model_only_vm();
	VT_ASSERT(vm >= 0);
	for (u32 vpe = 0; vpe < 32; vpe++)
		VT_EXPECT_EQ(gm_vpe_valid(harness_gm(), vm, vpe),
			     vpe == 0 || vpe == 5 || vpe == 17);

	/* VPE ID = vcpu_id on load */
	vcpu = kvm_get_vcpu_by_id(kvm, 17);
	VT_ASSERT_EQ(harness_vcpu_first_run(vcpu), 0);
	harness_vcpu_load(vcpu);
	VT_EXPECT_EQ(gm_vpe_resident_cpu(harness_gm(), vm, 17), smp_processor_id());
	ctx = this_cpu_contextr();
	VT_EXPECT_EQ(GM_FIELD_GET(GM_CTXR_VPE, ctx), 17);
	VT_EXPECT_EQ(GM_FIELD_GET(GM_CTXR_VM, ctx), vm);
	harness_vcpu_put(vcpu);
	VT_EXPECT_EQ(gm_vpe_resident_cpu(harness_gm(), vm, 17), -1);
	harness_vm_destroy(kvm);
}

VT_TEST(irs_vm_two_level_vmt_more_than_128_vms)
{
	DECLARE_BITMAP(ids, BIT(16));
	struct gm_caps caps = gm_caps_default();
	struct kvm *kvms[140];
	int n;

	caps.vmt_levels = true;
	caps.vm_id_bits = 9;
	VT_ASSERT_EQ(host_with(&caps), 0);
	for (n = 0; n < ARRAY_SIZE(kvms); n++) {
		kvms[n] = harness_v5_vm(1, false);
		VT_ASSERT(kvms[n]);
	}
	bitmap_zero(ids, BIT(16));
	model_valid_vm_ids(ids);
	VT_EXPECT_EQ(bitmap_weight(ids, BIT(16)), ARRAY_SIZE(kvms));
	/* The second L2 table is in use */
	VT_EXPECT(find_next_bit(ids, BIT(16), 128) < 256);
	VT_EXPECT_EQ(harness_check_violations(), 0);
	while (n--)
		harness_vm_destroy(kvms[n]);
	VT_EXPECT_EQ(harness_valid_vms(), 0);
}

VT_TEST(irs_vm_table_full_enospc)
{
	struct gm_caps caps = gm_caps_default();
	struct kvm_device *dev;
	struct kvm *kvms[4], *kvm;

	caps.vmt_levels = false;
	caps.vm_id_bits = 2;
	VT_ASSERT_EQ(host_with(&caps), 0);
	for (int i = 0; i < 4; i++) {
		kvms[i] = harness_v5_vm(1, false);
		VT_ASSERT(kvms[i]);
	}
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
	VT_EXPECT_EQ(harness_vgic_init(dev), -ENOSPC);
	VT_EXPECT(!vgic_initialized(kvm));
	/* A VM goes, its ID is reused */
	harness_vm_destroy(kvms[2]);
	VT_EXPECT_EQ(harness_vgic_init(dev), 0);
	harness_vm_destroy(kvm);
	harness_vm_destroy(kvms[0]);
	harness_vm_destroy(kvms[1]);
	harness_vm_destroy(kvms[3]);
}

VT_TEST(irs_vm_with_vm_descriptor_and_big_vpeds)
{
	struct gm_caps caps = gm_caps_default();
	struct kvm *kvm;

	caps.vmd = true;
	caps.vmd_sz = 12;
	caps.vped_sz = 8;
	VT_ASSERT_EQ(host_with(&caps), 0);
	kvm = harness_v5_vm(2, true);
	VT_ASSERT(kvm);
	VT_EXPECT(model_only_vm() >= 0);
	VT_EXPECT_EQ(gm_check_tables(harness_gm()), 0);
	harness_vm_destroy(kvm);
}

VT_TEST(irs_vm_non_coherent_irs)
{
	struct gm_caps caps = gm_caps_default();
	struct kvm *kvm;
	int vm;

	caps.coherent = false;
	VT_ASSERT_EQ(host_with(&caps), 0);
	kvm = harness_v5_vm(2, true);
	VT_ASSERT(kvm);
	vm = model_only_vm();
	VT_ASSERT(vm >= 0);
	VT_EXPECT(gm_vpe_valid(harness_gm(), vm, 1));
	VT_EXPECT(gm_vist_valid(harness_gm(), vm, GM_TYPE_SPI));
	harness_vm_destroy(kvm);
}

VT_TEST(irs_vm_slow_irs)
{
	struct kvm *kvm;

	gm_set_latency(harness_gm(), 5);
	kvm = harness_v5_vm(2, true);
	VT_ASSERT(kvm);
	VT_EXPECT(model_only_vm() >= 0);
	harness_vm_destroy(kvm);
	VT_EXPECT_EQ(model_only_vm(), -1);
}

/* ------------------------------------------------------------- limits */

/* ------------------------------------------------------------- residency */

VT_TEST(irs_residency_on_load_and_put)
{
	struct kvm *kvm = harness_v5_vm(2, true);
	struct kvm_vcpu *vcpu;
	u64 ctx;
	int vm;

	VT_ASSERT(kvm);
	vm = model_only_vm();
	vcpu = kvm_get_vcpu(kvm, 1);
	harness_vcpu_load(vcpu);
	ctx = this_cpu_contextr();
	VT_EXPECT(ctx & GM_CTXR_V);
	VT_EXPECT(!(ctx & GM_CTXR_F));
	/* The guest's IRS is not enabled yet */
	VT_EXPECT(ctx & GM_CTXR_IRICHPPIDIS);
	VT_EXPECT_EQ(gm_vpe_resident_cpu(harness_gm(), vm, 1), smp_processor_id());
	VT_EXPECT(harness_events(HE_HYP_CALL, "__vgic_v5_make_resident", 0, NULL) == 1);
	/* The second load of the WFI path does nothing */
	harness_vcpu_load(vcpu);
	VT_EXPECT(harness_events(HE_HYP_CALL, "__vgic_v5_make_resident", 0, NULL) == 1);
	harness_vcpu_put(vcpu);
	VT_EXPECT(!(this_cpu_contextr() & GM_CTXR_V));
	VT_EXPECT(!(this_cpu_contextr() & GM_CTXR_DB));
	VT_EXPECT_EQ(gm_vpe_resident_cpu(harness_gm(), vm, 1), -1);
	harness_vcpu_put(vcpu);
	VT_EXPECT(harness_events(HE_HYP_CALL, "__vgic_v5_make_non_resident", 0, NULL) == 1);
	harness_vm_destroy(kvm);
}

VT_TEST(irs_residency_fault_kills_vm)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_vcpu *vcpu;
	int vm;

	VT_ASSERT(kvm);
	vm = model_only_vm();
	vcpu = kvm_get_vcpu(kvm, 0);
	/* The IRS loses the VM behind KVM's back */
	gm_mmio_write(harness_gm(), GM_IRS_VMAP_VMR, 8, GM_CMD_M | GM_CMD_U | vm);
	harness_vcpu_load(vcpu);
	VT_EXPECT(this_cpu_contextr() & GM_CTXR_F);
	VT_EXPECT(kvm->vm_dead);
	VT_EXPECT(harness_vcpu_request_pending(vcpu, KVM_REQ_VM_DEAD));
	/* Not resident: put leaves ICH_CONTEXTR_EL2 alone */
	harness_vcpu_put(vcpu);
	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, "__vgic_v5_make_non_resident", 0, NULL), 0);
	harness_vm_destroy(kvm);
}

/* ------------------------------------------------------------- doorbells */

/* The guest routes and enables SPI @id at priority @prio to itself. */
static void guest_setup_spi(struct kvm_vcpu *vcpu, u32 id, u32 prio)
{
	u64 intid = GM_INTID(GM_TYPE_SPI, id);

	harness_guest_insn(GM_CDPRI, intid | GM_FIELD_PREP(GM_CDPRI_PRIORITY, prio));
	harness_guest_insn(GM_CDAFF, intid | GM_FIELD_PREP(GM_CDAFF_IAFFID, vcpu->vcpu_id));
	harness_guest_insn(GM_CDEN, intid);
}

static void vcpu_block(struct kvm_vcpu *vcpu, u32 vpmr)
{
	struct vgic_v5_cpu_if *cpu_if = &vcpu->arch.vgic_cpu.vgic_v5;

	cpu_if->vgic_vmcr = FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_EN, 1) |
			    FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_VPMR, vpmr);
	/* kvm_vcpu_wfi(): flag, then vgic put */
	vcpu_set_flag(vcpu, IN_WFI);
	harness_vcpu_put(vcpu);
}

static void vcpu_unblock(struct kvm_vcpu *vcpu)
{
	vcpu_clear_flag(vcpu, IN_WFI);
	harness_vcpu_load(vcpu);
}

VT_TEST(irs_doorbell_wakes_blocked_vcpu)
{
	struct kvm *kvm = harness_v5_vm(2, true);
	struct kvm_vcpu *vcpu;
	u64 ctx;
	int vm, kicks;

	VT_ASSERT(kvm);
	vm = model_only_vm();
	vcpu = kvm_get_vcpu(kvm, 1);
	guest_irs_enable(vcpu);
	harness_vcpu_load(vcpu);
	guest_setup_spi(vcpu, 3, 8);
	vcpu_block(vcpu, 31);

	ctx = this_cpu_contextr();
	VT_EXPECT(ctx & GM_CTXR_DB);
	VT_EXPECT_EQ(GM_FIELD_GET(GM_CTXR_DBPM, ctx), 31);
	VT_EXPECT(gm_vpe_dbr(harness_gm(), vm, 1) & GM_VPE_DBR_REQ_DB);
	VT_EXPECT(!kvm_vgic_vcpu_pending_irq(vcpu));

	kicks = harness_vcpu_kicks(vcpu);
	VT_ASSERT_EQ(spi_line(kvm, 3, true), 0);
	VT_EXPECT_EQ(gm_doorbells_fired(harness_gm()), 1);
	VT_EXPECT_EQ(harness_vcpu_kicks(vcpu), kicks + 1);
	VT_EXPECT(kvm_vgic_vcpu_pending_irq(vcpu));
	VT_EXPECT(!kvm_vgic_vcpu_pending_irq(kvm_get_vcpu(kvm, 0)));

	/*
	 * Runs again: resident. What the doorbell said stays until the vCPU
	 * blocks again (kvm_vcpu_suspend() looks for it after the load)
	 */
	vcpu_unblock(vcpu);
	VT_EXPECT(kvm_vgic_vcpu_pending_irq(vcpu));
	VT_EXPECT_EQ(harness_guest_cdia(), GM_CDIA_VALID | GM_INTID(GM_TYPE_SPI, 3));
	vcpu_block(vcpu, 31);
	VT_EXPECT(!kvm_vgic_vcpu_pending_irq(vcpu));
	VT_EXPECT_EQ(gm_doorbells_fired(harness_gm()), 1);
	vcpu_unblock(vcpu);
	harness_vcpu_put(vcpu);
	harness_vm_destroy(kvm);
}

VT_TEST(irs_doorbell_respects_priority_mask)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_vcpu *vcpu;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	guest_irs_enable(vcpu);
	harness_vcpu_load(vcpu);
	guest_setup_spi(vcpu, 4, 20);
	/* Priority mask 10: priority 20 cannot wake it */
	vcpu_block(vcpu, 10);
	VT_EXPECT_EQ(GM_FIELD_GET(GM_CTXR_DBPM, this_cpu_contextr()), 10);
	VT_ASSERT_EQ(spi_line(kvm, 4, true), 0);
	VT_EXPECT_EQ(gm_doorbells_fired(harness_gm()), 0);
	VT_EXPECT(!kvm_vgic_vcpu_pending_irq(vcpu));
	vcpu_unblock(vcpu);
	harness_vcpu_put(vcpu);
	harness_vm_destroy(kvm);
}

VT_TEST(irs_no_doorbell_outside_wfi_or_with_irs_disabled)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_vcpu *vcpu;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	/* IRS disabled: no doorbell even in WFI */
	harness_vcpu_load(vcpu);
	vcpu_block(vcpu, 31);
	VT_EXPECT(!(this_cpu_contextr() & GM_CTXR_DB));
	vcpu_unblock(vcpu);
	/* Enabled, but not blocking */
	guest_irs_enable(vcpu);
	harness_vcpu_put(vcpu);
	VT_EXPECT(!(this_cpu_contextr() & GM_CTXR_DB));
	harness_vm_destroy(kvm);
}

VT_TEST(irs_irsen_change_reloads_resident_vpes)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_vcpu *vcpu;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	harness_vcpu_load(vcpu);
	VT_EXPECT(this_cpu_contextr() & GM_CTXR_IRICHPPIDIS);
	guest_irs_enable(vcpu);
	VT_ASSERT(harness_vcpu_request_pending(vcpu, KVM_REQ_RELOAD_GICv4));
	/* The next KVM_RUN iteration handles it */
	VT_EXPECT_EQ(harness_check_vcpu_requests(vcpu), 1);
	VT_EXPECT(!harness_vcpu_request_pending(vcpu, KVM_REQ_RELOAD_GICv4));
	VT_EXPECT(this_cpu_contextr() & GM_CTXR_V);
	VT_EXPECT(!(this_cpu_contextr() & GM_CTXR_IRICHPPIDIS));
	harness_vcpu_put(vcpu);
	harness_vm_destroy(kvm);
}

/* ------------------------------------------------------------- VDPEND */

VT_TEST(irs_vdpend_spi_set_and_clear)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_vcpu *vcpu;
	u32 word;
	int vm;

	VT_ASSERT(kvm);
	vm = model_only_vm();
	vcpu = kvm_get_vcpu(kvm, 0);
	/* The guest makes SPI 31 level-triggered */
	guest_irs_write(vcpu, GICV5_IRS_SPI_SELR, 4, 31);
	guest_irs_write(vcpu, GICV5_IRS_SPI_CFGR, 4, GICV5_IRS_SPI_CFGR_TM);
	VT_ASSERT_EQ(spi_line(kvm, 31, true), 0);
	VT_ASSERT_EQ(gm_ist_entry(harness_gm(), vm, GM_TYPE_SPI, 31, &word), 0);
	VT_EXPECT(word & GM_ISTE_PENDING);
	VT_ASSERT_EQ(spi_line(kvm, 31, false), 0);
	VT_ASSERT_EQ(gm_ist_entry(harness_gm(), vm, GM_TYPE_SPI, 31, &word), 0);
	VT_EXPECT(!(word & GM_ISTE_PENDING));
	/* Beyond nr_spis; an LPI with no LPI IST yet reaches nothing */
	VT_EXPECT_EQ(spi_line(kvm, 32, true), -EINVAL);
	harness_events_clear();
	guest_setlpi(vcpu, 1);
	VT_EXPECT_EQ(harness_events(HE_SYSREG_WRITE, NULL, GICV5_OP_GIC_VDPEND, NULL), 0);
	VT_EXPECT_EQ(gm_ist_entry(harness_gm(), vm, GM_TYPE_LPI, 1, &word), -1);
	harness_vm_destroy(kvm);
}

VT_TEST(irs_lpi_ist_linear_map_vdpend_unmap)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_vcpu *vcpu;
	unsigned long live;
	u32 word;
	int vm;

	VT_ASSERT(kvm);
	vm = model_only_vm();
	vcpu = kvm_get_vcpu(kvm, 0);
	guest_map_ist(vcpu, false, 10);
	VT_EXPECT(gm_vist_valid(harness_gm(), vm, GM_TYPE_LPI));
	/* Valid to valid: nothing is mapped again */
	live = harness_allocs_live();
	guest_map_ist(vcpu, false, 10);
	VT_EXPECT_EQ(harness_allocs_live(), live);
	guest_setlpi(vcpu, 1023);
	VT_ASSERT_EQ(gm_ist_entry(harness_gm(), vm, GM_TYPE_LPI, 1023, &word), 0);
	VT_EXPECT(word & GM_ISTE_PENDING);
	harness_events_clear();
	guest_setlpi(vcpu, 1024);
	VT_EXPECT_EQ(harness_events(HE_SYSREG_WRITE, NULL, GICV5_OP_GIC_VDPEND, NULL), 0);
	guest_irs_write(vcpu, GICV5_IRS_IST_BASER, 8, 0);
	VT_EXPECT(!gm_vist_valid(harness_gm(), vm, GM_TYPE_LPI));
	guest_setlpi(vcpu, 1);
	VT_EXPECT_EQ(harness_events(HE_SYSREG_WRITE, NULL, GICV5_OP_GIC_VDPEND, NULL), 0);
	/* And again, bigger */
	guest_map_ist(vcpu, false, 16);
	VT_EXPECT(gm_vist_valid(harness_gm(), vm, GM_TYPE_LPI));
	harness_vm_destroy(kvm);
}

VT_TEST(irs_lpi_ist_on_demand_grows_with_mapped_ranges)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	unsigned long before, one;
	struct kvm_vcpu *vcpu;
	u32 word;
	int vm;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_memslot_add(kvm, 0, 0x40000000ULL, SZ_1M, 0), 0);
	vm = model_only_vm();
	vcpu = kvm_get_vcpu(kvm, 0);
	before = harness_allocs_live();
	/* Two-level, 4 KiB L2 tables of 1024 LPIs */
	guest_map_ist(vcpu, true, 16);
	VT_ASSERT(gm_vist_valid(harness_gm(), vm, GM_TYPE_LPI));
	/* Nothing backed yet: 2^16 IDs cost an L1 table only */
	guest_setlpi(vcpu, 5000);
	VT_EXPECT_EQ(gm_ist_entry(harness_gm(), vm, GM_TYPE_LPI, 5000, &word), -1);
	guest_irs_write(vcpu, GICV5_IRS_MAP_L2_ISTR, 4, 5000);
	one = harness_allocs_live();
	VT_EXPECT(one > before);
	guest_setlpi(vcpu, 5000);
	VT_ASSERT_EQ(gm_ist_entry(harness_gm(), vm, GM_TYPE_LPI, 5000, &word), 0);
	VT_EXPECT(word & GM_ISTE_PENDING);
	/* Mapping it again, or beyond the IST, costs nothing */
	guest_irs_write(vcpu, GICV5_IRS_MAP_L2_ISTR, 4, 4096);
	guest_irs_write(vcpu, GICV5_IRS_MAP_L2_ISTR, 4, BIT(16));
	VT_EXPECT_EQ(harness_allocs_live(), one);
	harness_vm_destroy(kvm);
}

/* A guest IST beyond what the host can back stays invalid. */
VT_TEST(irs_lpi_ist_beyond_host_stays_invalid)
{
	struct gm_caps caps = gm_caps_default();
	struct kvm_vcpu *vcpu;
	struct kvm *kvm;
	int vm;

	caps.id_bits = 14;
	VT_ASSERT_EQ(host_with(&caps), 0);
	kvm = harness_v5_vm(1, true);
	VT_ASSERT(kvm);
	vm = model_only_vm();
	vcpu = kvm_get_vcpu(kvm, 0);
	guest_map_ist(vcpu, false, 15);
	VT_EXPECT(!gm_vist_valid(harness_gm(), vm, GM_TYPE_LPI));
	guest_map_ist(vcpu, false, 14);
	VT_EXPECT(gm_vist_valid(harness_gm(), vm, GM_TYPE_LPI));
	harness_vm_destroy(kvm);
}

/* ------------------------------------------------------------- failures */

/*
 * Every IRS command of CTRL_INIT times out in turn: -ETIMEDOUT, the VM is
 * kept while the IRS may use it, and freed once the IRS completes.
 */
VT_TEST(irs_vm_init_command_timeout_sweep)
{
	int n, ret;

	for (n = 0; n < MAX_SWEEP; n++) {
		unsigned long live = harness_allocs_live();
		struct kvm_device *dev;
		struct kvm *kvm = harness_vm_with(2, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
		struct kvm *next;

		VT_ASSERT(kvm);
		VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
		gm_set_stuck_after(harness_gm(), n);
		ret = harness_vgic_init(dev);
		if (!ret) {
			gm_set_stuck(harness_gm(), false);
			harness_vm_destroy(kvm);
			VT_ASSERT_EQ(harness_allocs_live(), live);
			break;
		}
		VT_EXPECT_EQ(ret, -ETIMEDOUT);
		VT_EXPECT(!vgic_initialized(kvm));
		harness_vm_destroy(kvm);
		/* The IRS completes; the next VM reclaims the dead one */
		gm_set_stuck(harness_gm(), false);
		gm_drain(harness_gm());
		next = harness_v5_vm(1, false);
		VT_ASSERT(next);
		harness_vm_destroy(next);
		VT_ASSERT_EQ(harness_allocs_live(), live);
		VT_ASSERT_EQ(harness_check_violations(), 0);
	}
	VT_EXPECT(n > 5);
	VT_EXPECT(n < MAX_SWEEP);
}

/* Teardown times out: nothing the IRS may still read is freed. */
VT_TEST(irs_vm_destroy_timeout_keeps_memory)
{
	unsigned long live = harness_allocs_live();
	struct kvm *kvm = harness_v5_vm(2, true);
	struct kvm *next;
	int vm;

	VT_ASSERT(kvm);
	vm = model_only_vm();
	gm_set_stuck(harness_gm(), true);
	harness_vm_destroy(kvm);
	/* Still valid in the IRS, still allocated, not reused */
	VT_EXPECT(gm_vm_valid(harness_gm(), vm));
	VT_EXPECT(harness_allocs_live() > live);
	gm_set_stuck(harness_gm(), false);
	gm_drain(harness_gm());
	next = harness_v5_vm(1, false);
	VT_ASSERT(next);
	/* The dead VM is gone: only the new one is valid */
	VT_EXPECT_EQ(harness_valid_vms(), 1);
	harness_vm_destroy(next);
	VT_EXPECT_EQ(harness_allocs_live(), live);
}

/*
 * A command outlives its timeout (and the teardown's wait, and the next
 * VM's attempt to reclaim it): the next command must still wait for IDLE
 * instead of being written while the IRS is busy.
 */
VT_TEST(irs_command_waits_for_a_late_command)
{
	unsigned long live = harness_allocs_live();
	struct kvm_device *dev;
	struct kvm *a, *b, *c;

	/* About 3.5 times the 10 ms (10000 polls) budget of one wait */
	gm_set_latency(harness_gm(), 35000);
	a = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(a);
	VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
	VT_EXPECT_EQ(harness_vgic_init(dev), -ETIMEDOUT);
	gm_set_latency(harness_gm(), 0);
	harness_vm_destroy(a);

	b = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(b);
	VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
	VT_EXPECT_EQ(harness_vgic_init(dev), 0);
	harness_vm_destroy(b);

	/* The next VM reclaims the first one */
	c = harness_v5_vm(1, false);
	VT_ASSERT(c);
	harness_vm_destroy(c);
	VT_EXPECT_EQ(harness_valid_vms(), 0);
	VT_EXPECT_EQ(harness_allocs_live(), live);
}
