// SPDX-License-Identifier: GPL-2.0
/*
 * What a reviewer looks for in the host IRS code: commands the IRS
 * completes without effect, tables sharing cache lines on a non-coherent
 * IRS, host ID fields that make no sense, VM IDs other than 0, the VM
 * table at its cap, CTRL_INIT retried after a late failure.
 */
#include "harness.h"
#include "vt.h"
#include "gicv5_model.h"

/* VM IDs the host's model can hold */
static u32 nr_vm_ids(void)
{
	return 1U << gm_get_caps(harness_gm()).vm_id_bits;
}

/* The only VM valid in the host IRS, or -1 */
static int only_vm(void)
{
	int id = -1;

	for (u32 i = 0; i < nr_vm_ids(); i++) {
		if (gm_vm_valid(harness_gm(), i)) {
			if (id >= 0)
				return -1;
			id = i;
		}
	}
	return id;
}

/* ----------------------------------------------- commands without effect */

/*
 * The IRS completes the VMAP_VMR unmap of a dying VM but the VMTE stays
 * valid: as after a timeout, nothing of the VM is freed until the IRS has
 * let go of it, which the next VM creation finds out.
 */
VT_TEST(irs_vmap_unmap_without_effect_keeps_the_vm)
{
	unsigned long live = harness_allocs_live();
	struct kvm *kvm = harness_v5_vm(2, false);
	int vm;

	VT_ASSERT(kvm);
	vm = only_vm();
	VT_ASSERT(vm >= 0);
	gm_set_vmap_ignored_after(harness_gm(), 0);
	harness_vm_destroy(kvm);
	VT_EXPECT(gm_vm_valid(harness_gm(), vm));
	VT_EXPECT(gm_vpe_valid(harness_gm(), vm, 1));
	VT_EXPECT_EQ(harness_check_violations(), 0);
	VT_EXPECT(harness_allocs_live() > live);

	/* The next VM reaps it */
	kvm = harness_v5_vm(1, false);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_valid_vms(), 1);
	harness_vm_destroy(kvm);
	VT_EXPECT_EQ(harness_valid_vms(), 0);
	VT_EXPECT_EQ(harness_allocs_live(), live);
}

/*
 * Each VMAP command of CTRL_INIT in turn completes without effect: the
 * VMTE, a VPETE or the SPI vIST stays invalid. CTRL_INIT fails, leaves
 * nothing the IRS uses freed, and a retry works.
 */
VT_TEST(irs_vmap_map_without_effect_sweep)
{
	unsigned long live = harness_allocs_live();
	struct kvm_device *dev;
	struct kvm *kvm;
	int n, ret, vm;

	for (n = 0; n < 32; n++) {
		kvm = harness_vm_with(2, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
		VT_ASSERT(kvm);
		VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
		gm_set_vmap_ignored_after(harness_gm(), n);
		ret = harness_vgic_init(dev);
		gm_set_vmap_ignored_after(harness_gm(), ~0U);
		if (!ret) {
			/* No command was dropped: everything is valid */
			vm = only_vm();
			VT_ASSERT(vm >= 0);
			VT_EXPECT(gm_vpe_valid(harness_gm(), vm, 0));
			VT_EXPECT(gm_vpe_valid(harness_gm(), vm, 1));
			VT_EXPECT(gm_vist_valid(harness_gm(), vm, GICV5_HWIRQ_TYPE_SPI));
		} else {
			VT_EXPECT_EQ(ret, -EIO);
			VT_EXPECT(!vgic_initialized(kvm));
			VT_EXPECT(!kvm->arch.vgic.gicv5_vm.irs);
			VT_EXPECT_EQ(harness_check_violations(), 0);
			/* Userspace retries */
			VT_EXPECT_EQ(harness_vgic_init(dev), 0);
		}
		VT_EXPECT_EQ(harness_check_violations(), 0);
		harness_vm_destroy(kvm);
		if (!ret)
			break;
	}
	/* VMAP_VMR, VMAP_VPER x 2, VMAP_VISTR */
	VT_EXPECT_EQ(n, 4);

	/* Whatever was kept is reaped by the next VM */
	kvm = harness_v5_vm(1, false);
	VT_ASSERT(kvm);
	harness_vm_destroy(kvm);
	VT_EXPECT_EQ(harness_valid_vms(), 0);
	VT_EXPECT_EQ(harness_allocs_live(), live);
}

/* ------------------------------------------------ non-coherent IRS tables */

static int host_with(const struct gm_caps *caps)
{
	struct harness_host host = { .type = GIC_V5, .irs = caps };

	return harness_host_init(&host);
}

/*
 * On a non-coherent IRS, no table the IRS accesses shares a cache
 * writeback granule with other data: small tables (a 64-byte linear VMT,
 * 8-byte VMD and VPEDs, a 2-entry VPET, a small SPI vIST) are checked
 * while the VM is live.
 */
VT_TEST(irs_non_coherent_tables_own_their_cache_lines)
{
	struct gm_caps caps = gm_caps_default();
	struct kvm_vcpu *vcpu;
	struct kvm *kvm;

	caps.coherent = false;
	caps.vmt_levels = false;
	caps.vm_id_bits = 1;
	caps.vmd = true;
	caps.vmd_sz = 3;
	caps.vped_sz = 3;
	VT_ASSERT_EQ(host_with(&caps), 0);
	kvm = harness_v5_vm(2, true);
	VT_ASSERT(kvm);
	VT_ASSERT(only_vm() >= 0);
	VT_EXPECT_EQ(harness_check_violations(), 0);
	/*
	 * The guest's LPI IST: KVM writes VMTE word 2 next to the VALID bits
	 * the IRS wrote in words 0 and 3 of the same line.
	 */
	vcpu = kvm_get_vcpu(kvm, 0);
	harness_vcpu_load(vcpu);
	wr32(vcpu, GICV5_IRS_IST_CFGR, FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, 12));
	wr64(vcpu, GICV5_IRS_IST_BASER, 0x48000000ULL | GICV5_IRS_IST_BASER_VALID);
	harness_vcpu_put(vcpu);
	VT_EXPECT(rd64(vcpu, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID);
	VT_EXPECT(gm_vm_valid(harness_gm(), only_vm()));
	VT_EXPECT(gm_vist_valid(harness_gm(), only_vm(), GICV5_HWIRQ_TYPE_LPI));
	VT_EXPECT(gm_vist_valid(harness_gm(), only_vm(), GICV5_HWIRQ_TYPE_SPI));
	VT_EXPECT_EQ(harness_check_violations(), 0);
	harness_vm_destroy(kvm);
}

/* ------------------------------------------------------ host ID fields */

/* The host's IRS is refused: PPI-only GICv5 guests, no VM table */
static void expect_irs_refused(void)
{
	struct kvm_device *dev;
	struct kvm *kvm;

	VT_EXPECT(!gm_vmt_valid(harness_gm()));
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS), -ENXIO);
	VT_EXPECT_EQ(harness_vgic_init(dev), 0);
	harness_vm_destroy(kvm);
}

/* A VPE descriptor of 2^40 bytes: refused, nothing allocated for it */
VT_TEST(irs_host_vped_size_implausible_refused)
{
	struct gm_caps caps = gm_caps_default();

	caps.vped_sz = 40;
	VT_ASSERT_EQ(host_with(&caps), 0);
	expect_irs_refused();
}

/* A VM descriptor required but of 2^0 = 1 byte: refused */
VT_TEST(irs_host_vmd_size_zero_refused)
{
	struct gm_caps caps = gm_caps_default();

	caps.vmd = true;
	caps.vmd_sz = 0;
	VT_ASSERT_EQ(host_with(&caps), 0);
	expect_irs_refused();
}

/* Plausible sizes at the bound work: a 64 KiB VMD and VPEDs */
VT_TEST(irs_host_descriptor_sizes_at_the_bound)
{
	struct gm_caps caps = gm_caps_default();
	struct kvm *kvm;

	caps.vmd = true;
	caps.vmd_sz = 15;
	caps.vped_sz = 16;
	VT_ASSERT_EQ(host_with(&caps), 0);
	VT_EXPECT(gm_vmt_valid(harness_gm()));
	kvm = harness_v5_vm(2, false);
	VT_ASSERT(kvm);
	VT_EXPECT(only_vm() >= 0);
	harness_vm_destroy(kvm);
}

/*
 * IDR3.VM_ID_BITS is 5 bits wide but VM IDs are 16-bit everywhere else:
 * KVM uses at most 16 (a two-level VMT with 512 L1 entries), never what
 * a bad IDR3 says. The model cannot report more than 16, so the probe
 * runs on a register frame in plain memory that does (IDLE always set).
 */
VT_TEST(irs_host_vm_id_bits_clamped_to_16)
{
	const struct harness_host host = { .type = GIC_V5 };
	void *frame = kzalloc(SZ_64K, GFP_KERNEL);
	struct gic_kvm_info info = { .type = GIC_V5, .irs_base = frame };
	u32 *reg;

	VT_ASSERT(frame);
	vgic_v5_irs_remove();
	reg = frame;
	reg[GICV5_IRS_IDR0 / 4] = GICV5_IRS_IDR0_VIRT;
	reg[GICV5_IRS_IDR2 / 4] = GICV5_IRS_IDR2_LPI | FIELD_PREP(GICV5_IRS_IDR2_ID_BITS, 16);
	reg[GICV5_IRS_IDR3 / 4] = FIELD_PREP(GICV5_IRS_IDR3_VM_ID_BITS, 20) |
				  GICV5_IRS_IDR3_VMT_LEVELS;
	reg[GICV5_IRS_VMT_STATUSR / 4] = GICV5_IRS_VMT_STATUSR_IDLE;

	VT_ASSERT_EQ(vgic_v5_irs_probe(&info), 0);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_VMT_CFGR_VM_ID_BITS, reg[GICV5_IRS_VMT_CFGR / 4]), 16);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_VMT_CFGR_STRUCTURE, reg[GICV5_IRS_VMT_CFGR / 4]), 1);
	vgic_v5_irs_remove();
	kfree(frame);
	VT_EXPECT_EQ(harness_host_init(&host), 0);
}

/* ------------------------------------------------------------------ pKVM */

/*
 * The IRS hyp calls act on any VM by VM ID (residency, VDPEND): a pKVM
 * host must not reach them. handle_host_hcall() (nvhe/hyp-main.c, not
 * built here) accepts only the calls from __KVM_HOST_SMCCC_FUNC_MIN_PKVM
 * on once pKVM is initialised, so they must come before that marker in
 * the kernel's enum __kvm_host_smccc_func. This reads the kernel header:
 * a source check, as the harness cannot run the hyp's dispatcher.
 */
VT_TEST(pkvm_host_cannot_call_irs_hyp_calls)
{
	static const char * const calls[] = {
		"__KVM_HOST_SMCCC_FUNC___vgic_v5_make_resident,",
		"__KVM_HOST_SMCCC_FUNC___vgic_v5_make_non_resident,",
		"__KVM_HOST_SMCCC_FUNC___vgic_v5_vdpend,",
		"__KVM_HOST_SMCCC_FUNC___vgic_v5_priority_drop,",
	};
	FILE *f = fopen(HARNESS_KSRC "/arch/arm64/include/asm/kvm_asm.h", "r");
	static char buf[1 << 16];
	const char *marker, *p;
	size_t n;

	VT_ASSERT(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	marker = strstr(buf, "MARKER(__KVM_HOST_SMCCC_FUNC_MIN_PKVM)");
	VT_ASSERT(marker);
	VT_ASSERT(strstr(buf, "MARKER(__KVM_HOST_SMCCC_FUNC_PKVM_ONLY)") > marker);
	for (int i = 0; i < ARRAY_SIZE(calls); i++) {
		p = strstr(buf, calls[i]);
		VT_ASSERT(p);
		if (p > marker)
			vt_fail(__FILE__, __LINE__, "%s callable by a pKVM host", calls[i]);
	}
}

/* ------------------------------------------------ host removal, odd states */

/*
 * The IRS stops completing commands before the host removes KVM's VM
 * table: the removal times out and keeps the table, which the IRS may
 * still read; nothing is freed under it.
 */
VT_TEST(irs_host_remove_with_stuck_irs_keeps_the_vmt)
{
	unsigned long seq = harness_allocs_total();
	struct kvm *kvm = harness_v5_vm(1, false);

	VT_ASSERT(kvm);
	harness_vm_destroy(kvm);
	VT_ASSERT(gm_vmt_valid(harness_gm()));
	gm_set_stuck(harness_gm(), true);
	vgic_v5_irs_remove();
	VT_EXPECT_EQ(harness_check_violations(), 0);
	/* No IRS for KVM any more */
	VT_EXPECT_EQ(vgic_v5_irs_max_vcpus(), 0);
	gm_set_stuck(harness_gm(), false);
	gm_drain(harness_gm());
	VT_EXPECT(!gm_vmt_valid(harness_gm()));
	/* KVM keeps the VMT and its L2 table (made by the VM) for good */
	harness_allocs_keep_since(seq);
}

/*
 * A VMTE is already valid when KVM creates a VM with its ID (written by
 * someone else, or by a late command): CTRL_INIT fails with -EBUSY,
 * without writing the entry first, and nothing leaks.
 */
VT_TEST(irs_vmte_already_valid_at_creation_ebusy)
{
	unsigned long live = harness_allocs_live();
	struct gm_caps caps = gm_caps_default();
	struct kvm_device *dev;
	__le64 *vmt, *vpet, w1;
	struct kvm *kvm;
	int ret;

	caps.vmt_levels = false;
	caps.vm_id_bits = 1;
	VT_ASSERT_EQ(host_with(&caps), 0);
	live = harness_allocs_live();
	vmt = (__le64 *)(uintptr_t)(gm_mmio_read(harness_gm(), GM_IRS_VMT_BASER, 8) &
				    GM_VMT_BASER_ADDR);
	/* A VM with ID 0 that KVM did not make */
	vpet = kzalloc(128, GFP_KERNEL);
	VT_ASSERT(vpet);
	w1 = cpu_to_le64((uintptr_t)vpet | FIELD_PREP(GM_VMTE1_VPE_ID_BITS, 1));
	vmt[1] = w1;
	gm_cache_clean(harness_gm(), vmt, 32);
	gm_mmio_write(harness_gm(), GM_IRS_VMAP_VMR, 8, GM_CMD_M | 0);
	VT_ASSERT(gm_vm_valid(harness_gm(), 0));

	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
	ret = harness_vgic_init(dev);
	VT_EXPECT_EQ(ret, -EBUSY);
	VT_EXPECT(!vgic_initialized(kvm));
	VT_EXPECT_EQ(harness_check_violations(), 0);
	harness_vm_destroy(kvm);
	if (gm_vm_valid(harness_gm(), 0)) {
		gm_mmio_write(harness_gm(), GM_IRS_VMAP_VMR, 8, GM_CMD_M | GM_CMD_U | 0);
		memset(vmt, 0, 32);
		gm_cache_clean(harness_gm(), vmt, 32);
	}
	kfree(vpet);
	/* ID 1, or ID 0 again, works */
	kvm = harness_v5_vm(1, false);
	VT_EXPECT(kvm);
	harness_vm_destroy(kvm);
	VT_EXPECT_EQ(harness_allocs_live(), live);
}

/* ------------------------------------------------- CTRL_INIT retried */

/*
 * CTRL_INIT fails after the SPIs were allocated (no VM ID left): they
 * are freed and NR_IRQS can still be set, so the retry gets the new
 * number of SPIs, all of them usable, and nothing leaks.
 */
VT_TEST(irs_ctrl_init_failed_after_spis_then_retried)
{
	struct gm_caps caps = gm_caps_default();
	struct kvm *full[2], *kvm;
	struct kvm_device *dev;
	unsigned long live;
	u32 nr = 0;

	caps.vmt_levels = false;
	caps.vm_id_bits = 1;
	VT_ASSERT_EQ(host_with(&caps), 0);
	live = harness_allocs_live();
	for (int i = 0; i < 2; i++) {
		full[i] = harness_v5_vm(1, false);
		VT_ASSERT(full[i]);
	}
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_v5_set_irs(dev), 0);
	VT_EXPECT_EQ(harness_vgic_init(dev), -ENOSPC);
	VT_EXPECT(!kvm->arch.vgic.spis);
	VT_EXPECT_EQ(harness_get_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr), 0);
	VT_EXPECT_EQ(nr, 0);
	nr = 1024;
	VT_EXPECT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr), 0);
	harness_vm_destroy(full[1]);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_EXPECT_EQ(kvm->arch.vgic.nr_spis, 1024);
	/* The last SPI exists (ASan: in the SPI array) and can be injected */
	VT_EXPECT_EQ(vgic_get_irq(kvm, vgic_v5_make_spi(1023))->intid, vgic_v5_make_spi(1023));
	VT_EXPECT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, 1023), 1), 0);
	harness_vm_destroy(kvm);
	harness_vm_destroy(full[0]);
	VT_EXPECT_EQ(harness_allocs_live(), live);
}
