// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU load/put and guest entry/exit: kvm_vgic_load()/put(),
 * kvm_vgic_flush_hwstate()/sync_hwstate(), and what reaches the hyp code
 * (arch/arm64/kvm/hyp/vgic-v5-sr.c, compiled in) and the ICH_* registers.
 */
#include "harness.h"
#include "vt.h"

VT_TEST(vgic_v5_load_put_hyp_calls)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_vcpu *vcpu;
	struct vgic_v5_cpu_if *cpu_if;
	const struct harness_event *e;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	cpu_if = &vcpu->arch.vgic_cpu.vgic_v5;
	cpu_if->vgic_vmcr = FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_EN, 1) |
			    FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_VPMR, 0x1f);
	harness_events_clear();

	harness_vcpu_load(vcpu);
	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, "__vgic_v5_restore_vmcr_apr", 0, NULL), 1);
	VT_ASSERT_EQ(harness_events(HE_SYSREG_WRITE, NULL, SYS_ICH_VMCR_EL2, &e), 1);
	VT_EXPECT_EQ(e->b, cpu_if->vgic_vmcr);
	VT_EXPECT(cpu_if->gicv5_vpe.resident);

	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, "__vgic_v5_make_resident", 0, NULL), 1);
	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, NULL, 0, NULL), 2);

	/* The WFI path loads again: nothing more reaches hyp */
	harness_vcpu_load(vcpu);
	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, NULL, 0, NULL), 2);

	harness_sysreg_write(SYS_ICH_APR_EL2, "SYS_ICH_APR_EL2", 0x10);
	harness_vcpu_put(vcpu);
	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, "__vgic_v5_save_apr", 0, NULL), 1);
	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, "__vgic_v5_make_non_resident", 0, NULL), 1);
	VT_EXPECT_EQ(cpu_if->vgic_apr, 0x10);
	VT_EXPECT(!cpu_if->gicv5_vpe.resident);
	harness_vcpu_put(vcpu);
	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, NULL, 0, NULL), 4);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_load_before_init_does_nothing)
{
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, NULL);

	VT_ASSERT(kvm);
	harness_events_clear();
	harness_vcpu_load(kvm_get_vcpu(kvm, 0));
	harness_vcpu_put(kvm_get_vcpu(kvm, 0));
	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, NULL, 0, NULL), 0);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_first_run_exposes_sw_ppi_only)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	unsigned long *mask;

	VT_ASSERT(kvm);
	mask = kvm->arch.vgic.gicv5_vm.vgic_ppi_mask;
	/* Nothing owns a PPI here (no timer/PMU), so only SW_PPI is visible */
	VT_EXPECT_EQ(bitmap_weight(mask, VGIC_V5_NR_PRIVATE_IRQS), 1);
	VT_EXPECT(test_bit(GICV5_ARCH_PPI_SW_PPI, mask));
	VT_EXPECT(!test_bit(GICV5_ARCH_PPI_SW_PPI, kvm->arch.vgic.gicv5_vm.vgic_ppi_hmr));
	/* kvm_vgic_map_resources(): a v5 VM registers its IRS frames only */
	VT_EXPECT(kvm->arch.vgic.ready);
	VT_EXPECT_EQ(harness_io_bus_regions(kvm), 1);
	harness_vm_destroy(kvm);
}

static bool latch_at_entry;

static void guest_sees_sw_ppi(struct kvm_vcpu *vcpu)
{
	struct vgic_irq *irq = &vcpu->arch.vgic_cpu.private_irqs[GICV5_ARCH_PPI_SW_PPI];

	latch_at_entry = irq->pending_latch;
}

static void guest_takes_sw_ppi(struct kvm_vcpu *vcpu)
{
	/* The guest acknowledged it: no longer pending in ICH_PPI_PENDR0_EL2 */
	harness_sysreg_write(SYS_ICH_PPI_PENDR0_EL2, "SYS_ICH_PPI_PENDR0_EL2", 0);
}

VT_TEST(vgic_v5_sw_ppi_reaches_pendr_on_entry)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_vcpu *vcpu;
	const struct harness_event *e;
	struct vgic_irq *irq;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	VT_ASSERT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_PPI, 0,
							   GICV5_ARCH_PPI_SW_PPI), true), 0);
	harness_vcpu_load(vcpu);
	harness_events_clear();
	latch_at_entry = true;
	harness_vcpu_enter_exit(vcpu, guest_sees_sw_ppi);

	VT_ASSERT(harness_events(HE_SYSREG_WRITE, NULL, SYS_ICH_PPI_PENDR0_EL2, &e) >= 1);
	VT_EXPECT_EQ(e->b, BIT_ULL(GICV5_ARCH_PPI_SW_PPI));
	/* The edge latch moved to the hardware on entry */
	VT_EXPECT(!latch_at_entry);
	/* On exit the guest has not taken it: ICH_PPI_PENDR0 still has it */
	VT_EXPECT_EQ(harness_events(HE_SYSREG_READ, NULL, SYS_ICH_PPI_PENDR0_EL2, NULL), 1);
	irq = vgic_get_vcpu_irq(vcpu, vgic_v5_make_ppi(GICV5_ARCH_PPI_SW_PPI));
	VT_EXPECT(irq->pending_latch);

	/* Next entry: the guest takes it, and it is gone on exit */
	harness_vcpu_enter_exit(vcpu, guest_takes_sw_ppi);
	VT_EXPECT(!irq->pending_latch);
	harness_vcpu_put(vcpu);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_guest_mmio_unmapped)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	u32 val = 0;

	VT_ASSERT(kvm);
	/* Nothing but the IRS frames */
	VT_EXPECT_EQ(harness_mmio_guest_read(kvm_get_vcpu(kvm, 0),
					     HARNESS_V5_IRS_BASE + KVM_VGIC_V5_IRS_SIZE,
					     4, &val), -EOPNOTSUPP);
	harness_vm_destroy(kvm);
}
