// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS for v5 (gicv5-facts.md 6.9): the 26
 * registers of a vCPU's ICC state, raw, their errnos, a save/restore round
 * trip, and that restored state is the state the rest of KVM uses.
 */
#include "harness.h"
#include "vt.h"

#define GRP		KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS

/* attr: the vCPU's MPIDR affinity in bits [63:32], instr in [15:0] */
static u64 attr_of(struct kvm_vcpu *vcpu, u32 reg)
{
	u64 mpidr = kvm_vcpu_get_mpidr_aff(vcpu);
	u64 aff = (u64)MPIDR_AFFINITY_LEVEL(mpidr, 3) << 24 |
		  MPIDR_AFFINITY_LEVEL(mpidr, 2) << 16 |
		  MPIDR_AFFINITY_LEVEL(mpidr, 1) << 8 |
		  MPIDR_AFFINITY_LEVEL(mpidr, 0);

	return aff << 32 | sys_reg_Op0(reg) << 14 | sys_reg_Op1(reg) << 11 |
	       sys_reg_CRn(reg) << 7 | sys_reg_CRm(reg) << 3 | sys_reg_Op2(reg);
}

static const u32 regs[] = {
	SYS_ICC_ICSR_EL1,
	SYS_ICC_PPI_ENABLER0_EL1, SYS_ICC_PPI_ENABLER1_EL1,
	SYS_ICC_PPI_SACTIVER0_EL1, SYS_ICC_PPI_SACTIVER1_EL1,
	SYS_ICC_PPI_SPENDR0_EL1, SYS_ICC_PPI_SPENDR1_EL1,
	SYS_ICC_PPI_PRIORITYR0_EL1, SYS_ICC_PPI_PRIORITYR1_EL1,
	SYS_ICC_PPI_PRIORITYR2_EL1, SYS_ICC_PPI_PRIORITYR3_EL1,
	SYS_ICC_PPI_PRIORITYR4_EL1, SYS_ICC_PPI_PRIORITYR5_EL1,
	SYS_ICC_PPI_PRIORITYR6_EL1, SYS_ICC_PPI_PRIORITYR7_EL1,
	SYS_ICC_PPI_PRIORITYR8_EL1, SYS_ICC_PPI_PRIORITYR9_EL1,
	SYS_ICC_PPI_PRIORITYR10_EL1, SYS_ICC_PPI_PRIORITYR11_EL1,
	SYS_ICC_PPI_PRIORITYR12_EL1, SYS_ICC_PPI_PRIORITYR13_EL1,
	SYS_ICC_PPI_PRIORITYR14_EL1, SYS_ICC_PPI_PRIORITYR15_EL1,
	SYS_ICC_APR_EL1, SYS_ICC_CR0_EL1, SYS_ICC_PCR_EL1,
};

static int get_sr(struct kvm_device *dev, struct kvm_vcpu *vcpu, u32 reg, u64 *val)
{
	return harness_get_attr(dev, GRP, attr_of(vcpu, reg), val);
}

static int set_sr(struct kvm_device *dev, struct kvm_vcpu *vcpu, u32 reg, u64 val)
{
	return harness_set_attr(dev, GRP, attr_of(vcpu, reg), &val);
}

static u64 sr(struct kvm_device *dev, struct kvm_vcpu *vcpu, u32 reg)
{
	u64 val = 0xdeadbeef;

	VT_EXPECT_EQ(get_sr(dev, vcpu, reg, &val), 0);
	return val;
}

/* The vgic_irq of PPI @n: what the rest of KVM uses */
struct ppi {
	bool enabled, pending_latch, active;
	u8 priority;
};

static struct ppi ppi_state(struct kvm_vcpu *vcpu, int n)
{
	struct vgic_irq *irq = vgic_get_vcpu_irq(vcpu, vgic_v5_make_ppi(n));
	struct ppi p = {};

	if (!irq) {
		vt_fail(__FILE__, __LINE__, "no PPI %d", n);
		return p;
	}
	scoped_guard(raw_spinlock_irqsave, &irq->irq_lock) {
		p.enabled = irq->enabled;
		p.pending_latch = irq->pending_latch;
		p.active = irq->active;
		p.priority = irq->priority;
	}
	vgic_put_irq(vcpu->kvm, irq);
	return p;
}

VT_TEST(cpu_sysregs_has_attr_and_errnos)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(2, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	struct harness_vcpu_holder *t;
	struct kvm_vcpu *vcpu;
	u64 val = 0;

	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 1);
	for (int i = 0; i < ARRAY_SIZE(regs); i++)
		VT_EXPECT_EQ(harness_has_attr(dev, GRP, attr_of(vcpu, regs[i])), 0);
	VT_EXPECT_EQ(ARRAY_SIZE(regs), 26);
	/* Not a register of the state */
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, attr_of(vcpu, SYS_ICC_IDR0_EL1)), -ENXIO);
	VT_EXPECT_EQ(harness_has_attr(dev, GRP, attr_of(vcpu, sys_reg(3, 0, 12, 12, 4))), -ENXIO);
	/* Before init */
	VT_EXPECT_EQ(get_sr(dev, vcpu, SYS_ICC_APR_EL1, &val), -EBUSY);
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_APR_EL1, 0), -EBUSY);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);

	VT_EXPECT_EQ(get_sr(dev, vcpu, SYS_ICC_IDR0_EL1, &val), -ENOENT);
	VT_EXPECT_EQ(set_sr(dev, vcpu, sys_reg(3, 0, 12, 12, 4), 0), -ENOENT);
	/* An MPIDR of no vCPU */
	VT_EXPECT_EQ(harness_get_attr(dev, GRP, (0x12ULL << 32) |
				      (attr_of(vcpu, SYS_ICC_APR_EL1) & 0xffff), &val),
		     -EINVAL);
	VT_EXPECT_EQ(harness_get_attr(dev, GRP, attr_of(vcpu, SYS_ICC_APR_EL1), NULL), -EFAULT);
	VT_EXPECT_EQ(harness_set_attr(dev, GRP, attr_of(vcpu, SYS_ICC_APR_EL1),
				      HARNESS_BAD_UPTR), -EFAULT);
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_APR_EL1, 1), 0);

	/* A vCPU is running: KVM_RUN holds its mutex, in another thread */
	t = harness_hold_vcpu(kvm_get_vcpu(kvm, 0));
	VT_ASSERT(t);
	VT_EXPECT_EQ(get_sr(dev, vcpu, SYS_ICC_APR_EL1, &val), -EBUSY);
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_APR_EL1, 0), -EBUSY);
	harness_release_vcpu(t);

	VT_ASSERT_EQ(harness_vcpu_first_run(kvm_get_vcpu(kvm, 0)), 0);
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_APR_EL1), 1);
	/* No write once the VM has run */
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_APR_EL1, 2), -EBUSY);
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_APR_EL1), 1);
	harness_vm_destroy(kvm);
}

static void save_vcpu(struct kvm_device *dev, struct kvm_vcpu *vcpu, u64 *vals)
{
	for (int i = 0; i < ARRAY_SIZE(regs); i++)
		vals[i] = sr(dev, vcpu, regs[i]);
}

/*
 * Give @vcpu state in each register: every PPI enabled, CNTV active,
 * SW_PPI pending, priorities of PPIs 3 and 27, an active priority, the
 * CPU interface enabled, a priority mask.
 */
static void give_state(struct kvm_device *dev, struct kvm_vcpu *vcpu)
{
	const int sw = GICV5_ARCH_PPI_SW_PPI, cntv = GICV5_ARCH_PPI_CNTV;

	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_ICSR_EL1, 0x1234), 0);
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_PPI_ENABLER0_EL1, ~0ULL), 0);
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_PPI_SACTIVER0_EL1, BIT(cntv)), 0);
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_PPI_SPENDR0_EL1, BIT(sw)), 0);
	/* PPI 3 in PRIORITYR0 byte 3, PPI 27 in PRIORITYR3 byte 3 */
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_PPI_PRIORITYR0_EL1, 0x07ULL << 24), 0);
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_PPI_PRIORITYR3_EL1, 0x1eULL << 24 | 0xe0), 0);
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_APR_EL1, BIT(7)), 0);
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_CR0_EL1, ICC_CR0_EL1_EN), 0);
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_PCR_EL1, 0x1f), 0);
}

/*
 * Give vCPU 1 state, save both vCPUs, restore into a fresh VM in reverse
 * order, save again: identical, and the same in the vgic_irqs.
 */
VT_TEST(cpu_sysregs_round_trip)
{
	u64 a[2][ARRAY_SIZE(regs)], b[2][ARRAY_SIZE(regs)];
	unsigned long impl = bitmap_read(kvm_vgic_global_state.vgic_v5_ppi_caps.impl_ppi_mask,
					 0, 64);
	const int sw = GICV5_ARCH_PPI_SW_PPI, cntv = GICV5_ARCH_PPI_CNTV;
	struct kvm_device *dev;
	struct kvm_vcpu *vcpu;
	struct ppi irq;
	struct kvm *kvm;

	kvm = harness_v5_vm_dev(2, 0, false, &dev);
	VT_ASSERT(kvm);
	VT_ASSERT(impl & BIT(sw));
	VT_ASSERT(impl & BIT(cntv));
	vcpu = kvm_get_vcpu(kvm, 1);
	give_state(dev, vcpu);
	/* PPIs 64..127: none */
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_PPI_ENABLER1_EL1, ~0ULL), 0);
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_PPI_PRIORITYR8_EL1, ~0ULL), 0);

	/* Raw state, within what exists */
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_ICSR_EL1), 0x1234);
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_PPI_ENABLER0_EL1), impl);
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_PPI_ENABLER1_EL1), 0);
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_PPI_SACTIVER0_EL1), BIT(cntv));
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_PPI_SPENDR0_EL1), BIT(sw));
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_PPI_PRIORITYR3_EL1), 0x1eULL << 24);
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_PPI_PRIORITYR8_EL1), 0);
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_APR_EL1), BIT(7));
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_CR0_EL1), ICC_CR0_EL1_EN);
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_PCR_EL1), 0x1f);
	/* vCPU 0 untouched */
	VT_EXPECT_EQ(sr(dev, kvm_get_vcpu(kvm, 0), SYS_ICC_PPI_ENABLER0_EL1), 0);
	VT_EXPECT_EQ(sr(dev, kvm_get_vcpu(kvm, 0), SYS_ICC_ICSR_EL1), 0);

	save_vcpu(dev, kvm_get_vcpu(kvm, 0), a[0]);
	save_vcpu(dev, vcpu, a[1]);
	harness_vm_destroy(kvm);

	kvm = harness_v5_vm_dev(2, 0, false, &dev);
	VT_ASSERT(kvm);
	for (int v = 1; v >= 0; v--)
		for (int i = ARRAY_SIZE(regs) - 1; i >= 0; i--)
			VT_EXPECT_EQ(set_sr(dev, kvm_get_vcpu(kvm, v), regs[i], a[v][i]), 0);
	for (int v = 0; v < 2; v++) {
		save_vcpu(dev, kvm_get_vcpu(kvm, v), b[v]);
		for (int i = 0; i < ARRAY_SIZE(regs); i++)
			if (a[v][i] != b[v][i])
				vt_fail(__FILE__, __LINE__, "vCPU %d reg %d: 0x%llx != 0x%llx",
					v, i, (unsigned long long)b[v][i],
					(unsigned long long)a[v][i]);
	}

	/* The state the rest of KVM uses */
	vcpu = kvm_get_vcpu(kvm, 1);
	irq = ppi_state(vcpu, sw);
	VT_EXPECT(irq.enabled);
	VT_EXPECT(irq.pending_latch);
	VT_EXPECT(!irq.active);
	VT_EXPECT_EQ(irq.priority, 7);
	irq = ppi_state(vcpu, cntv);
	VT_EXPECT(irq.enabled);
	VT_EXPECT(irq.active);
	VT_EXPECT_EQ(irq.priority, 0x1e);
	VT_EXPECT_EQ(vcpu->arch.vgic_cpu.vgic_v5.vgic_apr, BIT(7));
	VT_EXPECT_EQ(vcpu->arch.vgic_cpu.vgic_v5.vgic_icsr, 0x1234);
	irq = ppi_state(kvm_get_vcpu(kvm, 0), sw);
	VT_EXPECT(!irq.enabled);
	VT_EXPECT(!irq.pending_latch);
	harness_vm_destroy(kvm);
}

static int ctrl_reset(struct kvm_device *dev)
{
	return harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_CTRL,
				KVM_DEV_ARM_VGIC_CTRL_RESET, NULL);
}

/*
 * KVM_DEV_ARM_VGIC_CTRL_RESET, a VMM's system reset, after the VM ran:
 * each register of the state reads as a new vCPU's, and so does what the
 * rest of KVM uses, with and without an IRS. Before init, and while a
 * vCPU runs, -EBUSY and nothing changes.
 */
VT_TEST(cpu_sysregs_ctrl_reset)
{
	u64 fresh[2][ARRAY_SIZE(regs)], got[ARRAY_SIZE(regs)];
	const int sw = GICV5_ARCH_PPI_SW_PPI, cntv = GICV5_ARCH_PPI_CNTV;
	struct harness_vcpu_holder *t;
	struct kvm_device *dev;
	struct kvm_vcpu *vcpu;
	struct ppi irq;
	struct kvm *kvm;

	kvm = harness_vm_with(2, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_has_attr(dev, KVM_DEV_ARM_VGIC_GRP_CTRL,
				      KVM_DEV_ARM_VGIC_CTRL_RESET), 0);
	VT_EXPECT_EQ(ctrl_reset(dev), -EBUSY);
	harness_vm_destroy(kvm);

	for (int irs = 0; irs < 2; irs++) {
		if (irs) {
			kvm = harness_v5_vm_dev(2, 0, false, &dev);
		} else {
			kvm = harness_vm_with(2, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
			if (kvm && harness_vgic_init(dev))
				vt_fail(__FILE__, __LINE__, "CTRL_INIT failed");
		}
		VT_ASSERT(kvm);
		for (int v = 0; v < 2; v++)
			save_vcpu(dev, kvm_get_vcpu(kvm, v), fresh[v]);

		vcpu = kvm_get_vcpu(kvm, 1);
		give_state(dev, vcpu);
		VT_ASSERT_EQ(harness_vcpu_first_run(kvm_get_vcpu(kvm, 0)), 0);

		/* A vCPU is running: KVM_RUN holds its mutex, in another thread */
		t = harness_hold_vcpu(kvm_get_vcpu(kvm, 0));
		VT_ASSERT(t);
		VT_EXPECT_EQ(ctrl_reset(dev), -EBUSY);
		harness_release_vcpu(t);
		VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_APR_EL1), BIT(7));

		VT_EXPECT_EQ(ctrl_reset(dev), 0);
		for (int v = 0; v < 2; v++) {
			save_vcpu(dev, kvm_get_vcpu(kvm, v), got);
			for (int i = 0; i < ARRAY_SIZE(regs); i++)
				if (got[i] != fresh[v][i])
					vt_fail(__FILE__, __LINE__,
						"IRS %d vCPU %d reg %d: 0x%llx != 0x%llx",
						irs, v, i, (unsigned long long)got[i],
						(unsigned long long)fresh[v][i]);
		}
		irq = ppi_state(vcpu, sw);
		VT_EXPECT(!irq.enabled && !irq.pending_latch && !irq.active);
		VT_EXPECT_EQ(irq.priority, 0);
		irq = ppi_state(vcpu, cntv);
		VT_EXPECT(!irq.enabled && !irq.active);
		VT_EXPECT_EQ(vcpu->arch.vgic_cpu.vgic_v5.vgic_apr, 0);
		VT_EXPECT_EQ(vcpu->arch.vgic_cpu.vgic_v5.vgic_icsr, 0);
		/* Still no restore once the VM has run */
		VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_APR_EL1, 1), -EBUSY);
		harness_vm_destroy(kvm);
	}
}

/*
 * A restored pending bit sticks to an edge PPI only: a level PPI (the
 * timer's) is pending while its line is high, so once its device lowers
 * the line it is no longer pending. KVM never clears the latch of a level
 * PPI, so a latch set by the restore would keep it pending for good.
 */
VT_TEST(cpu_sysregs_level_ppi_pending_follows_line)
{
	const int sw = GICV5_ARCH_PPI_SW_PPI, cntv = GICV5_ARCH_PPI_CNTV;
	u32 intid = vgic_v5_make_ppi(cntv);
	struct kvm_device *dev;
	struct kvm_vcpu *vcpu;
	struct kvm *kvm;

	kvm = harness_v5_vm_dev(1, 0, false, &dev);
	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_PPI_SPENDR0_EL1, BIT(sw) | BIT(cntv)), 0);
	VT_EXPECT(ppi_state(vcpu, sw).pending_latch);
	VT_EXPECT(!ppi_state(vcpu, cntv).pending_latch);
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_PPI_SPENDR0_EL1), BIT(sw));
	/* The timer raises its line, then lowers it */
	VT_EXPECT_EQ(kvm_vgic_inject_irq(kvm, vcpu, intid, true, NULL), 0);
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_PPI_SPENDR0_EL1), BIT(sw) | BIT(cntv));
	VT_EXPECT_EQ(kvm_vgic_inject_irq(kvm, vcpu, intid, false, NULL), 0);
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_PPI_SPENDR0_EL1), BIT(sw));
	/* And the guest is not given it at its next entry */
	VT_ASSERT_EQ(harness_vcpu_first_run(vcpu), 0);
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_PPI_SPENDR0_EL1), BIT(sw));
	harness_vm_destroy(kvm);
}

/*
 * A restored pending, enabled SW_PPI above the restored priority mask
 * makes the vCPU runnable after its first run; a disabled one does not.
 */
VT_TEST(cpu_sysregs_restored_ppi_wakes_vcpu)
{
	const int sw = GICV5_ARCH_PPI_SW_PPI;

	for (int enable = 0; enable < 2; enable++) {
		struct kvm_device *dev;
		struct kvm_vcpu *vcpu;
		struct kvm *kvm;

		kvm = harness_v5_vm_dev(1, 0, false, &dev);
		VT_ASSERT(kvm);
		vcpu = kvm_get_vcpu(kvm, 0);
		VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_CR0_EL1, ICC_CR0_EL1_EN), 0);
		VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_PCR_EL1, 0x1f), 0);
		VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_PPI_PRIORITYR0_EL1, 0), 0);
		VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_PPI_SPENDR0_EL1, BIT(sw)), 0);
		VT_EXPECT_EQ(set_sr(dev, vcpu, SYS_ICC_PPI_ENABLER0_EL1,
				    enable ? BIT(sw) : 0), 0);
		VT_ASSERT_EQ(harness_vcpu_first_run(vcpu), 0);
		VT_EXPECT_EQ(kvm_vgic_vcpu_pending_irq(vcpu), enable);
		harness_vm_destroy(kvm);
	}
}

/*
 * The guest makes PPI 29 (CNTPS), which KVM does not model, active with
 * ICC_PPI_SACTIVER0_EL1, untrapped: the CPU interface keeps it, and KVM
 * saves it as the raw state it is. A restore into a new VM gives it back,
 * to the CPU interface too, and CTRL_RESET clears it.
 */
#define PPI_UNMODELLED	29

static enum harness_exit guest_activates_ppi(struct kvm_vcpu *vcpu, void *arg)
{
	u64 act = harness_sysreg_read(SYS_ICH_PPI_ACTIVER0_EL2, "ICH_PPI_ACTIVER0_EL2");

	harness_sysreg_write(SYS_ICH_PPI_ACTIVER0_EL2, "ICH_PPI_ACTIVER0_EL2",
			     act | BIT(PPI_UNMODELLED));
	return HARNESS_EXIT_USER;
}

static enum harness_exit guest_reads_active(struct kvm_vcpu *vcpu, void *arg)
{
	*(u64 *)arg = harness_sysreg_read(SYS_ICH_PPI_ACTIVER0_EL2, "ICH_PPI_ACTIVER0_EL2");
	return HARNESS_EXIT_USER;
}

VT_TEST(cpu_sysregs_active_ppi_kvm_does_not_model)
{
	struct kvm_device *dev, *dev2;
	struct kvm_vcpu *vcpu, *vcpu2;
	struct kvm *kvm, *kvm2;
	u64 saved, hw = 0;

	VT_ASSERT(!test_bit(PPI_UNMODELLED,
			    kvm_vgic_global_state.vgic_v5_ppi_caps.impl_ppi_mask));
	kvm = harness_v5_vm_dev(1, 0, false, &dev);
	VT_ASSERT(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	VT_ASSERT_EQ(harness_kvm_run(vcpu, guest_activates_ppi, NULL), 0);
	saved = sr(dev, vcpu, SYS_ICC_PPI_SACTIVER0_EL1);
	VT_EXPECT(saved & BIT(PPI_UNMODELLED));

	kvm2 = harness_v5_vm_dev(1, 0, false, &dev2);
	VT_ASSERT(kvm2);
	vcpu2 = kvm_get_vcpu(kvm2, 0);
	VT_EXPECT_EQ(set_sr(dev2, vcpu2, SYS_ICC_PPI_SACTIVER0_EL1, saved), 0);
	VT_EXPECT_EQ(sr(dev2, vcpu2, SYS_ICC_PPI_SACTIVER0_EL1), saved);
	VT_ASSERT_EQ(harness_kvm_run(vcpu2, guest_reads_active, &hw), 0);
	VT_EXPECT(hw & BIT(PPI_UNMODELLED));
	harness_vm_destroy(kvm2);

	VT_EXPECT_EQ(ctrl_reset(dev), 0);
	VT_EXPECT_EQ(sr(dev, vcpu, SYS_ICC_PPI_SACTIVER0_EL1), 0);
	harness_vm_destroy(kvm);
}
