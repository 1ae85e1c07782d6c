// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt injection: KVM_IRQ_LINE (kvm_vm_ioctl_irq_line() ->
 * kvm_vgic_inject_irq()) and in-kernel owners (the arch timer's path).
 */
#include "harness.h"
#include "vt.h"

VT_TEST(vgic_v5_irq_line_sw_ppi)
{
	struct kvm *kvm = harness_v5_vm(2, false);
	struct kvm_vcpu *vcpu;
	struct vgic_irq *irq;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu_by_id(kvm, 1);
	VT_ASSERT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_PPI, 1,
							   GICV5_ARCH_PPI_SW_PPI), true), 0);
	irq = vgic_get_vcpu_irq(vcpu, vgic_v5_make_ppi(GICV5_ARCH_PPI_SW_PPI));
	VT_EXPECT(irq->pending_latch);
	/* vgic_v5_ppi_queue_irq_unlock(): a request and a kick for vCPU 1 only */
	VT_EXPECT(harness_vcpu_request_pending(vcpu, KVM_REQ_IRQ_PENDING));
	VT_EXPECT_EQ(harness_vcpu_kicks(vcpu), 1);
	VT_EXPECT_EQ(harness_vcpu_kicks(kvm_get_vcpu_by_id(kvm, 0)), 0);
	/* Edge: lowering the line neither clears nor kicks */
	VT_EXPECT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_PPI, 1,
							   GICV5_ARCH_PPI_SW_PPI), false), 0);
	VT_EXPECT(irq->pending_latch);
	VT_EXPECT_EQ(harness_vcpu_kicks(vcpu), 1);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_irq_line_kernel_ppi_einval)
{
	struct kvm *kvm = harness_v5_vm(1, false);

	VT_ASSERT(kvm);
	/* The timer and PMU PPIs are not userspace's to drive */
	VT_EXPECT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_PPI, 0,
							   GICV5_ARCH_PPI_CNTV), true), -EINVAL);
	VT_EXPECT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_PPI, 0,
							   GICV5_ARCH_PPI_PMUIRQ), true), -EINVAL);
	VT_EXPECT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_PPI, 0, 64), true),
		     -EINVAL);
	/* Unknown vCPU */
	VT_EXPECT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_PPI, 5,
							   GICV5_ARCH_PPI_SW_PPI), true), -EINVAL);
	/* CPU lines belong to userspace irqchips only */
	VT_EXPECT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_CPU, 0, 0), true),
		     -ENXIO);
	VT_EXPECT_EQ(harness_vcpu_kicks(kvm_get_vcpu(kvm, 0)), 0);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_irq_line_before_init_ebusy)
{
	struct kvm *kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, NULL);

	VT_ASSERT(kvm);
	/* vgic_lazy_init() only initialises a GICv2 */
	VT_EXPECT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_PPI, 0,
							   GICV5_ARCH_PPI_SW_PPI), true), -EBUSY);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_irq_line_no_irqchip_enxio)
{
	struct kvm *kvm = harness_vm_with(1, 0, NULL);

	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_PPI, 0, 3), true),
		     -ENXIO);
	VT_EXPECT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, 0), true),
		     -ENXIO);
	harness_vm_destroy(kvm);
}

VT_TEST(vgic_v5_owned_level_ppi_injection)
{
	struct kvm *kvm = harness_v5_vm(1, false);
	struct kvm_vcpu *vcpu;
	struct vgic_irq *irq;
	int owner;
	u32 cntv = vgic_v5_make_ppi(GICV5_ARCH_PPI_CNTV);

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	VT_ASSERT_EQ(kvm_vgic_set_owner(vcpu, cntv, &owner), 0);
	VT_EXPECT_EQ(kvm_vgic_set_owner(vcpu, cntv, &kvm), -EEXIST);
	/* Only the owner can drive it */
	VT_EXPECT_EQ(kvm_vgic_inject_irq(kvm, vcpu, cntv, true, NULL), 0);
	irq = vgic_get_vcpu_irq(vcpu, cntv);
	VT_EXPECT(!irq->line_level);
	VT_EXPECT_EQ(kvm_vgic_inject_irq(kvm, vcpu, cntv, true, &owner), 0);
	VT_EXPECT(irq->line_level);
	VT_EXPECT_EQ(harness_vcpu_kicks(vcpu), 1);
	/* Level: lowering follows the line */
	VT_EXPECT_EQ(kvm_vgic_inject_irq(kvm, vcpu, cntv, false, &owner), 0);
	VT_EXPECT(!irq->line_level);
	/* A private interrupt needs a vCPU */
	VT_EXPECT_EQ(kvm_vgic_inject_irq(kvm, NULL, cntv, true, &owner), -EINVAL);
	harness_vm_destroy(kvm);
}
