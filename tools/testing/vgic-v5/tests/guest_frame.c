// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's IRS CONFIG_FRAME (vgic-mmio-v5.c) as the guest sees it through
 * the KVM MMIO bus: register values (gicv5-facts.md 2.3), guest access
 * semantics (2.4), access widths and RAZ/WI (2.1), and garbage accesses.
 */
#include "harness.h"
#include "vt.h"
#include "gicv5_model.h"

#define IRS_BASE	HARNESS_V5_IRS_BASE

/* The guest's LPI ID bits: 24 with a 24-bit CPU interface and host, else 16 */
static unsigned int expected_id_bits(void)
{
	u64 icc = harness_sysreg_read(SYS_ICC_IDR0_EL1, "SYS_ICC_IDR0_EL1");
	struct gm_caps caps = gm_get_caps(harness_gm());
	/* What the host vISTs can back: 16 bits without two-level ISTs */
	unsigned int host = min(caps.id_bits, caps.ist_levels ? 24U : 16U);

	if (FIELD_GET(ICC_IDR0_EL1_ID_BITS, icc) == ICC_IDR0_EL1_ID_BITS_24BITS && host >= 24)
		return 24;
	return min(host, 16);
}

VT_TEST(guest_irs_idr0)
{
	struct kvm *kvm = harness_v5_vm_dev(1, 0, true, NULL);
	struct kvm_vcpu *vcpu;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	/* PA_RANGE follows the VM's ID_AA64MMFR0_EL1.PARange */
	kvm_set_vm_id_reg(kvm, SYS_ID_AA64MMFR0_EL1, ID_AA64MMFR0_EL1_PARANGE_48);
	/* Non-secure, SETLPI; no VIRT, 1-of-N, MEC, MPAM, SWE; IRSID 0 */
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IDR0), (5 << 2) | BIT(9) | 1);
	kvm_set_vm_id_reg(kvm, SYS_ID_AA64MMFR0_EL1, ID_AA64MMFR0_EL1_PARANGE_40);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IDR0), (2 << 2) | BIT(9) | 1);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_irs_idr1)
{
	struct kvm_device *dev;
	u32 host_pri, idr1;
	u64 base = IRS_BASE;
	struct kvm *kvm;

	host_pri = FIELD_GET(GICV5_IRS_IDR1_PRIORITY_BITS,
			     gm_mmio_read(harness_gm(), GM_IRS_IDR1, 4));
	host_pri = min(host_pri, 4);

	/* One vCPU: still a 1-bit IAFFID */
	kvm = harness_v5_vm_dev(1, 0, true, NULL);
	VT_ASSERT(kvm);
	idr1 = rd32(kvm_get_vcpu(kvm, 0), GICV5_IRS_IDR1);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR1_PE_CNT, idr1), 1);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR1_IAFFID_BITS, idr1), 0);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR1_PRIORITY_BITS, idr1), host_pri);
	VT_EXPECT_EQ(idr1 & ~(GICV5_IRS_IDR1_PE_CNT | GICV5_IRS_IDR1_IAFFID_BITS |
			      GICV5_IRS_IDR1_PRIORITY_BITS), 0);
	harness_vm_destroy(kvm);

	/* vcpu_ids 0, 2 and 5: three PEs, IAFFIDs up to 5 need 3 bits */
	kvm = harness_vm_create();
	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vcpu_create(kvm, 0, NULL), 0);
	VT_ASSERT_EQ(harness_vcpu_create(kvm, 2, NULL), 0);
	VT_ASSERT_EQ(harness_vcpu_create(kvm, 5, NULL), 0);
	VT_ASSERT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5, &dev), 0);
	VT_ASSERT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS, &base), 0);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_ASSERT_EQ(harness_vcpu_first_run(kvm_get_vcpu(kvm, 0)), 0);
	idr1 = rd32(kvm_get_vcpu(kvm, 0), GICV5_IRS_IDR1);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR1_PE_CNT, idr1), 3);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR1_IAFFID_BITS, idr1), 2);
	harness_vm_destroy(kvm);
}

static void check_idr2(bool icc_24bits)
{
	unsigned int id_bits;
	struct kvm *kvm;
	u32 idr2, host;

	harness_sysreg_write(SYS_ICC_IDR0_EL1, "SYS_ICC_IDR0_EL1",
			     FIELD_PREP(ICC_IDR0_EL1_ID_BITS,
					icc_24bits ? ICC_IDR0_EL1_ID_BITS_24BITS :
						     ICC_IDR0_EL1_ID_BITS_16BITS) |
			     FIELD_PREP(ICC_IDR0_EL1_PRI_BITS, ICC_IDR0_EL1_PRI_BITS_5BITS));
	id_bits = expected_id_bits();
	kvm = harness_v5_vm_dev(1, 0, true, NULL);
	VT_ASSERT(kvm);
	/* ICC_IDR0_EL1.ID_BITS of the guest matches */
	VT_EXPECT_EQ(kvm_get_vcpu(kvm, 0)->arch.vgic_cpu.num_id_bits,
		     id_bits == 24 ? ICC_IDR0_EL1_ID_BITS_24BITS : ICC_IDR0_EL1_ID_BITS_16BITS);
	idr2 = rd32(kvm_get_vcpu(kvm, 0), GICV5_IRS_IDR2);
	harness_vm_destroy(kvm);

	if (!id_bits) {
		/* No host LPI backing: no LPIs */
		VT_EXPECT_EQ(idr2, 0);
		return;
	}
	host = gm_mmio_read(harness_gm(), GM_IRS_IDR2, 4);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2), id_bits);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR2_LPI, idr2), 1);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, idr2),
		     min(FIELD_GET(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, host), id_bits));
	/* Linear and two-level, 4/16/64 KiB L2 tables, no metadata */
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR2_IST_LEVELS, idr2), 1);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR2_IST_L2SZ, idr2), 0b111);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR2_ISTMD, idr2), 0);
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_IDR2_ISTMD_SZ, idr2), 0);
	VT_EXPECT_EQ(idr2 & ~GENMASK(19, 0), 0);
}

VT_TEST(guest_irs_idr2_16bit_cpuif)
{
	check_idr2(false);
}

VT_TEST(guest_irs_idr2_24bit_cpuif)
{
	check_idr2(true);
}

VT_TEST(guest_irs_fixed_id_registers)
{
	static const u8 pidr_cidr[] = {
		0x04, 0x00, 0x00, 0x00, 0x4b, 0xb0, 0x0b, 0x00, 0x0d, 0xf0, 0x05, 0xb1,
	};
	struct kvm *kvm = harness_v5_vm_dev(2, 96, true, NULL);
	struct kvm_vcpu *vcpu;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 1);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IDR3), 0);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IDR4), 0);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IDR5), 96);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IDR6), 96);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IDR7), 0);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IIDR), 0x04b0043b);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_AIDR), 0);
	VT_EXPECT_EQ(rd32(vcpu, 0xffbc), 0x47705a19);
	for (int i = 0; i < ARRAY_SIZE(pidr_cidr); i++)
		VT_EXPECT_EQ(rd32(vcpu, 0xffd0 + 4 * i), pidr_cidr[i]);
	harness_vm_destroy(kvm);
}

/* ID registers ignore writes, of any width */
VT_TEST(guest_irs_id_registers_wi)
{
	static const u32 regs[] = {
		GICV5_IRS_IDR0, GICV5_IRS_IDR1, GICV5_IRS_IDR2, GICV5_IRS_IDR3,
		GICV5_IRS_IDR4, GICV5_IRS_IDR5, GICV5_IRS_IDR6, GICV5_IRS_IDR7,
		GICV5_IRS_IIDR, GICV5_IRS_AIDR, 0xffbc, 0xffd0, 0xffe0, 0xffec, 0xfffc,
	};
	struct kvm *kvm = harness_v5_vm_dev(2, 64, true, NULL);
	struct kvm_vcpu *vcpu;
	u32 before[ARRAY_SIZE(regs)];

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	for (int i = 0; i < ARRAY_SIZE(regs); i++)
		before[i] = rd32(vcpu, regs[i]);
	for (int i = 0; i < ARRAY_SIZE(regs); i++) {
		wr32(vcpu, regs[i], ~0U);
		wr32(vcpu, regs[i], 0);
		harness_irs_write(vcpu, regs[i], 1, 0x5a);
		wr64(vcpu, regs[i] & ~7, ~0ULL);
	}
	for (int i = 0; i < ARRAY_SIZE(regs); i++)
		VT_EXPECT_EQ(rd32(vcpu, regs[i]), before[i]);
	VT_EXPECT_EQ(kvm->arch.vgic.nr_spis, 64);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_irs_cr0_irsen)
{
	struct kvm *kvm = harness_v5_vm_dev(2, 0, true, NULL);
	struct kvm_vcpu *v0, *v1;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	v1 = kvm_get_vcpu(kvm, 1);
	/* Reset: disabled, IDLE */
	VT_EXPECT_EQ(rd32(v0, GICV5_IRS_CR0), GICV5_IRS_CR0_IDLE);
	VT_EXPECT(!kvm->arch.vgic.gicv5_vm.irs_enabled);
	wr32(v0, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN);
	VT_EXPECT(kvm->arch.vgic.gicv5_vm.irs_enabled);
	/* One IRS for all vCPUs */
	VT_EXPECT_EQ(rd32(v1, GICV5_IRS_CR0), GICV5_IRS_CR0_IDLE | GICV5_IRS_CR0_IRSEN);
	/* IDLE is read-only, other bits RES0 */
	wr32(v1, GICV5_IRS_CR0, ~0U);
	VT_EXPECT_EQ(rd32(v0, GICV5_IRS_CR0), GICV5_IRS_CR0_IDLE | GICV5_IRS_CR0_IRSEN);
	wr32(v1, GICV5_IRS_CR0, GICV5_IRS_CR0_IDLE);
	VT_EXPECT_EQ(rd32(v0, GICV5_IRS_CR0), GICV5_IRS_CR0_IDLE);
	VT_EXPECT(!kvm->arch.vgic.gicv5_vm.irs_enabled);
	/* A 64-bit access is not one CR0 takes */
	wr64(v0, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN);
	VT_EXPECT(!kvm->arch.vgic.gicv5_vm.irs_enabled);
	VT_EXPECT_EQ(rd64(v0, GICV5_IRS_CR0), 0);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_irs_cr1_sync_statusr)
{
	struct kvm *kvm = harness_v5_vm_dev(1, 0, true, NULL);
	struct kvm_vcpu *vcpu;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_CR1), 0);
	wr32(vcpu, GICV5_IRS_CR1, ~0U);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_CR1), 0xffff);
	wr32(vcpu, GICV5_IRS_CR1, 0x00c5);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_CR1), 0x00c5);
	/* SYNCR: RAZ/WI; every operation is complete at once */
	wr32(vcpu, GICV5_IRS_SYNCR, GICV5_IRS_SYNCR_SYNC);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SYNCR), 0);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SYNC_STATUSR), GICV5_IRS_SYNC_STATUSR_IDLE);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IST_STATUSR), GICV5_IRS_IST_STATUSR_IDLE);
	wr32(vcpu, GICV5_IRS_IST_STATUSR, 0);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IST_STATUSR), GICV5_IRS_IST_STATUSR_IDLE);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_irs_spi_selection)
{
	struct kvm *kvm = harness_v5_vm_dev(1, 64, true, NULL);
	struct kvm_vcpu *vcpu;
	struct vgic_irq *irq;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	/* Reset: nothing selected */
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_SELR), 0xffffff);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_STATUSR), GICV5_IRS_SPI_STATUSR_IDLE);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_CFGR), 0);
	/* SPI 63 is the last one */
	wr32(vcpu, GICV5_IRS_SPI_SELR, 63);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_SELR), 63);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_STATUSR),
		     GICV5_IRS_SPI_STATUSR_IDLE | GICV5_IRS_SPI_STATUSR_V);
	wr32(vcpu, GICV5_IRS_SPI_SELR, 64);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_STATUSR), GICV5_IRS_SPI_STATUSR_IDLE);
	/* Only ID bits [23:0] are kept */
	wr32(vcpu, GICV5_IRS_SPI_SELR, 0xff000007);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_SELR), 7);

	/* SPI_CFGR sets KVM's trigger mode of the selected SPI */
	irq = vgic_get_irq(kvm, vgic_v5_make_spi(7));
	VT_ASSERT(irq);
	VT_EXPECT_EQ(irq->config, VGIC_CONFIG_EDGE);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_CFGR), 0);
	wr32(vcpu, GICV5_IRS_SPI_CFGR, GICV5_IRS_SPI_CFGR_TM);
	VT_EXPECT_EQ(irq->config, VGIC_CONFIG_LEVEL);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_CFGR), GICV5_IRS_SPI_CFGR_TM);
	/* Nothing else: RES0 bits do not stick */
	wr32(vcpu, GICV5_IRS_SPI_CFGR, ~0U & ~GICV5_IRS_SPI_CFGR_TM);
	VT_EXPECT_EQ(irq->config, VGIC_CONFIG_EDGE);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_CFGR), 0);
	wr32(vcpu, GICV5_IRS_SPI_CFGR, GICV5_IRS_SPI_CFGR_TM);

	/* With no valid selection the write goes nowhere, the read is 0 */
	wr32(vcpu, GICV5_IRS_SPI_SELR, 64);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_CFGR), 0);
	wr32(vcpu, GICV5_IRS_SPI_CFGR, 0);
	VT_EXPECT_EQ(irq->config, VGIC_CONFIG_LEVEL);
	for (int i = 0; i < 64; i++) {
		struct vgic_irq *other = vgic_get_irq(kvm, vgic_v5_make_spi(i));

		VT_EXPECT_EQ(other->config, i == 7 ? VGIC_CONFIG_LEVEL : VGIC_CONFIG_EDGE);
	}

	/* Fixed: Non-secure domain, no VM assignment, no resampling */
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_DOMAINR), 1);
	wr32(vcpu, GICV5_IRS_SPI_DOMAINR, 0);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_DOMAINR), 1);
	wr64(vcpu, GICV5_IRS_SPI_VMR, ~0ULL);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_SPI_VMR), 0);
	wr32(vcpu, GICV5_IRS_SPI_RESAMPLER, 7);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_RESAMPLER), 0);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_irs_pe_selection)
{
	struct kvm *kvm = harness_vm_create();
	struct kvm_device *dev;
	struct kvm_vcpu *vcpu;
	u64 base = IRS_BASE;

	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vcpu_create(kvm, 0, NULL), 0);
	VT_ASSERT_EQ(harness_vcpu_create(kvm, 3, NULL), 0);
	VT_ASSERT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5, &dev), 0);
	VT_ASSERT_EQ(harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_IRS, &base), 0);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_ASSERT_EQ(harness_vcpu_first_run(kvm_get_vcpu(kvm, 0)), 0);
	vcpu = kvm_get_vcpu(kvm, 0);

	/* Reset: nothing selected */
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_PE_SELR), 0xffff);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_PE_STATUSR), GICV5_IRS_PE_STATUSR_IDLE);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_PE_CR0), 0);
	/* IAFFID = vcpu_id */
	for (u32 iaffid = 0; iaffid < 5; iaffid++) {
		bool exists = iaffid == 0 || iaffid == 3;

		wr32(vcpu, GICV5_IRS_PE_SELR, iaffid | 0xabcd0000);
		VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_PE_SELR), iaffid);
		VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_PE_STATUSR),
			     GICV5_IRS_PE_STATUSR_IDLE |
			     (exists ? GICV5_IRS_PE_STATUSR_V | GICV5_IRS_PE_STATUSR_ONLINE : 0));
		/* No 1-of-N: DPS = 1 for every PE, and PE_CR0 is WI */
		wr32(vcpu, GICV5_IRS_PE_CR0, 0);
		VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_PE_CR0), exists);
		wr32(vcpu, GICV5_IRS_PE_STATUSR, 0);
	}
	harness_vm_destroy(kvm);
}

VT_TEST(guest_irs_ist_registers_while_invalid)
{
	struct kvm *kvm = harness_v5_vm_dev(1, 0, true, NULL);
	struct kvm_vcpu *vcpu;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IST_CFGR), 0);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), 0);
	/* IST_CFGR: the defined fields are stored */
	wr32(vcpu, GICV5_IRS_IST_CFGR, ~0U);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IST_CFGR), BIT(16) | GENMASK(8, 0));
	/* IST_BASER: ADDR [55:6] and VALID; an invalid value is just stored */
	wr64(vcpu, GICV5_IRS_IST_BASER, ~0ULL & ~GICV5_IRS_IST_BASER_VALID);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), GENMASK_ULL(55, 6));
	/* 32-bit halves merge into the 64-bit value */
	wr32(vcpu, GICV5_IRS_IST_BASER + 4, 0x12);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), 0x12ffffffc0ULL);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IST_BASER), 0xffffffc0);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IST_BASER + 4), 0x12);
	wr32(vcpu, GICV5_IRS_IST_BASER, 0x40000);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), 0x1200040000ULL);
	/* No IST: MAP_L2_ISTR is WI and RAZ */
	wr32(vcpu, GICV5_IRS_MAP_L2_ISTR, 5);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_MAP_L2_ISTR), 0);
	/* Misaligned or partial accesses do nothing */
	wr64(vcpu, GICV5_IRS_IST_BASER + 4, ~0ULL);
	wr32(vcpu, GICV5_IRS_IST_BASER + 2, ~0U);
	harness_irs_write(vcpu, GICV5_IRS_IST_BASER, 2, 0xffff);
	harness_irs_write(vcpu, GICV5_IRS_IST_BASER, 1, 0xff);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), 0x1200040000ULL);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER + 4), 0);
	VT_EXPECT_EQ(harness_irs_read(vcpu, GICV5_IRS_IST_BASER, 2), 0);
	VT_EXPECT_EQ(harness_irs_read(vcpu, GICV5_IRS_IST_BASER, 1), 0);
	harness_vm_destroy(kvm);
}

/* Registers of options the guest IRS does not have (gicv5-facts.md 8) */
VT_TEST(guest_irs_unimplemented_raz_wi)
{
	static const struct { u32 off; int len; } regs[] = {
		{ GICV5_IRS_VMT_BASER, 8 }, { GICV5_IRS_VMT_CFGR, 4 },
		{ GICV5_IRS_VMT_STATUSR, 4 }, { GICV5_IRS_VPE_SELR, 8 },
		{ GICV5_IRS_VPE_DBR, 8 }, { GICV5_IRS_VPE_HPPIR, 8 },
		{ GICV5_IRS_VPE_CR0, 4 }, { GICV5_IRS_VPE_STATUSR, 4 },
		{ GICV5_IRS_VM_DBR, 8 }, { GICV5_IRS_VM_SELR, 4 },
		{ GICV5_IRS_VM_STATUSR, 4 }, { GICV5_IRS_VMAP_L2_VMTR, 8 },
		{ GICV5_IRS_VMAP_VMR, 8 }, { GICV5_IRS_VMAP_VISTR, 8 },
		{ GICV5_IRS_VMAP_L2_VISTR, 8 }, { GICV5_IRS_VMAP_VPER, 8 },
		{ GICV5_IRS_SAVE_VMR, 8 }, { GICV5_IRS_SAVE_VM_STATUSR, 4 },
		{ GICV5_IRS_MEC_IDR, 4 }, { GICV5_IRS_MEC_MECID_R, 4 },
		{ GICV5_IRS_MPAM_IDR, 4 }, { GICV5_IRS_MPAM_PARTID_R, 4 },
		{ GICV5_IRS_SWERR_STATUSR, 8 }, { GICV5_IRS_SWERR_SYNDROMER0, 8 },
		{ GICV5_IRS_SWERR_SYNDROMER1, 8 },
		/* Holes */
		{ 0x020, 4 }, { 0x048, 4 }, { 0x088, 4 }, { 0x120, 8 }, { 0x198, 4 },
		{ 0x400, 8 }, { 0x8000, 4 }, { 0xffb8, 4 }, { 0xffc0, 4 },
		/* SETLPI_FRAME: IRS_SETLPIR is write-only, the rest is nothing */
		{ 0x10000, 4 }, { 0x10004, 4 }, { 0x10008, 8 }, { 0x1fffc, 4 },
	};
	struct kvm *kvm = harness_v5_vm_dev(2, 0, true, NULL);
	struct kvm_vcpu *vcpu;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 1);
	for (int i = 0; i < ARRAY_SIZE(regs); i++) {
		harness_irs_write(vcpu, regs[i].off, regs[i].len, ~0ULL);
		VT_EXPECT_EQ(harness_irs_read(vcpu, regs[i].off, regs[i].len), 0);
		if (regs[i].len == 8) {
			VT_EXPECT_EQ(rd32(vcpu, regs[i].off), 0);
			VT_EXPECT_EQ(rd32(vcpu, regs[i].off + 4), 0);
		}
	}
	harness_vm_destroy(kvm);
}

/* Widths a register does not take read as zero and write nothing */
VT_TEST(guest_irs_bad_widths_raz_wi)
{
	struct kvm *kvm = harness_v5_vm_dev(1, 0, true, NULL);
	struct kvm_vcpu *vcpu;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	wr32(vcpu, GICV5_IRS_CR1, 0x55);
	wr32(vcpu, GICV5_IRS_SPI_SELR, 3);
	for (int len = 1; len <= 8; len *= 2) {
		if (len == 4)
			continue;
		VT_EXPECT_EQ(harness_irs_read(vcpu, GICV5_IRS_IIDR, len), 0);
		VT_EXPECT_EQ(harness_irs_read(vcpu, GICV5_IRS_CR1, len), 0);
		harness_irs_write(vcpu, GICV5_IRS_CR1, len, 0);
		harness_irs_write(vcpu, GICV5_IRS_SPI_SELR, len, 0);
		harness_irs_write(vcpu, GICV5_IRS_CR0, len, ~0ULL);
	}
	/* Misaligned 32-bit accesses */
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IIDR + 2), 0);
	wr32(vcpu, GICV5_IRS_CR1 + 1, 0);
	wr32(vcpu, GICV5_IRS_CR0 + 2, ~0U);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_CR1), 0x55);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_SPI_SELR), 3);
	VT_EXPECT(!kvm->arch.vgic.gicv5_vm.irs_enabled);
	harness_vm_destroy(kvm);
}

static u64 xorshift(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random accesses over both frames, from two vCPUs: none aborts, none
 * reports (WARN, lockdep, sleep in atomic), the ID registers and KVM's own
 * configuration do not change, and the VM tears down without leaks.
 */
VT_TEST(guest_irs_garbage_accesses)
{
	static const u32 hot[] = {
		GICV5_IRS_CR0, GICV5_IRS_CR1, GICV5_IRS_SPI_SELR, GICV5_IRS_SPI_CFGR,
		GICV5_IRS_PE_SELR, GICV5_IRS_PE_CR0, GICV5_IRS_IST_BASER,
		GICV5_IRS_IST_BASER + 4, GICV5_IRS_IST_CFGR, GICV5_IRS_MAP_L2_ISTR,
		0x10000,
	};
	static const int lens[] = { 1, 2, 4, 8 };
	struct kvm *kvm = harness_v5_vm_dev(2, 128, true, NULL);
	u32 idr[8], iidr;
	u64 seed = 0x9e3779b97f4a7c15ULL;

	VT_ASSERT(kvm);
	for (int i = 0; i < 8; i++)
		idr[i] = rd32(kvm_get_vcpu(kvm, 0), GICV5_IRS_IDR0 + 4 * i);
	iidr = rd32(kvm_get_vcpu(kvm, 0), GICV5_IRS_IIDR);

	for (int i = 0; i < 20000; i++) {
		struct kvm_vcpu *vcpu = kvm_get_vcpu(kvm, i & 1);
		u64 r = xorshift(&seed), val = xorshift(&seed);
		int len = lens[r & 3];
		u32 off;

		if (r & 4)
			off = hot[(r >> 8) % ARRAY_SIZE(hot)];
		else
			off = (r >> 8) % KVM_VGIC_V5_IRS_SIZE;
		/* Small values make valid selections, configurations and IDs */
		if (r & 0x10000)
			val &= (r & 0x20000) ? 0x1ffff : 0xff;
		off &= ~(u32)(len - 1) | (r & 0x40000 ? 3 : 0);
		if (off + len > KVM_VGIC_V5_IRS_SIZE)
			continue;

		if (r & 8)
			VT_ASSERT_EQ(harness_mmio_guest_write(vcpu, IRS_BASE + off, len, &val), 0);
		else
			VT_ASSERT_EQ(harness_mmio_guest_read(vcpu, IRS_BASE + off, len, &val), 0);
	}

	for (int i = 0; i < 8; i++)
		VT_EXPECT_EQ(rd32(kvm_get_vcpu(kvm, 1), GICV5_IRS_IDR0 + 4 * i), idr[i]);
	VT_EXPECT_EQ(rd32(kvm_get_vcpu(kvm, 1), GICV5_IRS_IIDR), iidr);
	VT_EXPECT_EQ(kvm->arch.vgic.nr_spis, 128);
	VT_EXPECT_EQ(harness_io_bus_regions(kvm), 1);
	VT_EXPECT(!kvm->vm_dead);
	harness_vm_destroy(kvm);
}
