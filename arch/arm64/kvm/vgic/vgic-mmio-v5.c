// SPDX-License-Identifier: GPL-2.0-only
/*
 * GICv5 IRS emulation: the guest's IRS CONFIG_FRAME and SETLPI_FRAME, and
 * the injection of SPIs, LPIs and MSIs into the VM.
 *
 * The guest sees one Non-secure IRS without virtualization, 1-of-N routing,
 * MEC, MPAM or software error reporting. It owns SPIs 0 to nr_spis - 1 and
 * may configure a linear or two-level LPI IST of 4-byte ISTEs.
 *
 * The interrupt state (enable, priority, affinity, handling mode, pending,
 * active) lives in the VM's virtual ISTs in the host IRS (vgic-v5-irs.c);
 * the guest's GIC CD* instructions act on it in hardware. KVM keeps, per
 * SPI, only the input line level, the pending latch and the trigger mode
 * (IRS_SPI_CFGR.TM), and hands pending state to the IRS with GIC VDPEND.
 * The host backs the guest's LPIs with a vIST of its own, and reads or
 * writes no guest IST memory but for one bit: as the IRS does, KVM sets
 * VALID in the L1 entry of a two-level IST that IRS_MAP_L2_ISTR maps.
 *
 * Host memory follows what the guest maps: a two-level IST is backed one L2
 * table at a time, on IRS_MAP_L2_ISTR, and a linear IST, backed as a whole
 * when it is made valid, has at most IRS_GUEST_LINEAR_MAX_ID_BITS ID bits.
 *
 * Locking:
 *   kvm->arch.config_lock	  userspace register accesses (all vCPUs
 *				  locked) and the first run's check
 *   irs_frame.lock (mutex)	  guest register writes; held while the host
 *				  LPI vIST is mapped or unmapped (may sleep)
 *     irs_frame.lpi_lock (raw)	  the LPI IST state seen by LPI injection,
 *				  which can come from atomic context (irqfd)
 *   vgic_irq->irq_lock (raw)	  an SPI's line level, latch and trigger mode;
 *				  held across its GIC VDPEND so that the IRS
 *				  sees line changes in order
 */

#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/irqchip/arm-gic-v5.h>
#include <linux/kvm.h>
#include <linux/kvm_host.h>
#include <linux/nospec.h>
#include <kvm/iodev.h>
#include <kvm/arm_vgic.h>

#include <asm/kvm_asm.h>
#include <asm/sysreg.h>

#include "vgic.h"
#include "vgic-mmio.h"

/* The SETLPI_FRAME follows the CONFIG_FRAME */
#define IRS_SETLPI_FRAME		SZ_64K
#define IRS_SETLPIR			(IRS_SETLPI_FRAME + 0x0000)
#define IRS_SETLPIR_ID			GENMASK(23, 0)

/* CoreSight identification, at the end of the CONFIG_FRAME */
#define IRS_DEVARCH			0xffbc
#define IRS_PIDR4			0xffd0
#define IRS_CIDR3			0xfffc
#define IRS_DEVARCH_KVM			0x47705a19

/* Guest ISTEs are 4 bytes; every L2 IST size is offered */
#define IRS_GUEST_IST_L2SZ		(BIT(GICV5_IRS_IST_CFGR_L2SZ_4K) |	\
					 BIT(GICV5_IRS_IST_CFGR_L2SZ_16K) |	\
					 BIT(GICV5_IRS_IST_CFGR_L2SZ_64K))
#define IRS_ISTE_4_L2_BITS(l2sz)	(10 + 2 * (l2sz))
/*
 * A linear IST is backed as a whole when it is made valid: keep it to 2^16
 * LPIs (256 KiB of guest ISTEs), as the upstream emulation offers. Larger
 * LPI spaces need a two-level IST, which Linux uses for them.
 */
#define IRS_GUEST_LINEAR_MAX_ID_BITS	16

/* IRS_CR1: the memory attributes are stored but have no effect */
#define IRS_CR1_MASK			GENMASK(15, 0)

#define IRS_IST_CFGR_MASK		(GICV5_IRS_IST_CFGR_STRUCTURE |		\
					 GICV5_IRS_IST_CFGR_ISTSZ |		\
					 GICV5_IRS_IST_CFGR_L2SZ |		\
					 GICV5_IRS_IST_CFGR_LPI_ID_BITS)
#define IRS_IST_BASER_MASK		(GICV5_IRS_IST_BASER_ADDR_MASK |	\
					 GICV5_IRS_IST_BASER_VALID)

static struct vgic_v5_irs_frame *vgic_v5_irs_frame(struct kvm *kvm)
{
	return &kvm->arch.vgic.gicv5_vm.irs_frame;
}

/**
 * vgic_v5_guest_icc_id_bits() - ICC_IDR0_EL1.ID_BITS of the guest
 *
 * The guest gets 24 bits of interrupt ID when both the CPU interface and the
 * host IRS support them, otherwise 16.
 *
 * Return: ICC_IDR0_EL1_ID_BITS_16BITS or ICC_IDR0_EL1_ID_BITS_24BITS.
 */
u32 vgic_v5_guest_icc_id_bits(void)
{
	u64 idr0 = read_sysreg_s(SYS_ICC_IDR0_EL1);

	if (FIELD_GET(ICC_IDR0_EL1_ID_BITS, idr0) == ICC_IDR0_EL1_ID_BITS_24BITS &&
	    vgic_v5_irs_max_lpi_id_bits() >= 24)
		return ICC_IDR0_EL1_ID_BITS_24BITS;

	return ICC_IDR0_EL1_ID_BITS_16BITS;
}

/**
 * vgic_v5_vm_icc_id_bits() - ICC_IDR0_EL1.ID_BITS of a VM's vCPUs
 * @kvm: the VM
 *
 * What the host offers (vgic_v5_guest_icc_id_bits()), but 16 bits when the
 * VM's IRS_IDR2.ID_BITS, as userspace may have reduced it, is 16 or fewer:
 * the CPU interface and the IRS agree on the guest's ID space.
 *
 * Return: ICC_IDR0_EL1_ID_BITS_16BITS or ICC_IDR0_EL1_ID_BITS_24BITS.
 */
u32 vgic_v5_vm_icc_id_bits(struct kvm *kvm)
{
	u32 idr2 = READ_ONCE(vgic_v5_irs_frame(kvm)->idr2);

	if (vgic_initialized(kvm) &&
	    FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2) <= 16)
		return ICC_IDR0_EL1_ID_BITS_16BITS;

	return vgic_v5_guest_icc_id_bits();
}

/*
 * The IRS_IDR2 KVM offers on this host: linear and two-level ISTs of 4-byte
 * ISTEs. A VM's IRS_IDR2 is this or, set by userspace, a reduction of it.
 */
static u32 vgic_v5_irs_offered_idr2(void)
{
	unsigned int id_bits, min_id_bits;

	/* No more than the guest's CPU interface can name */
	id_bits = vgic_v5_irs_max_lpi_id_bits();
	if (vgic_v5_guest_icc_id_bits() == ICC_IDR0_EL1_ID_BITS_16BITS)
		id_bits = min(id_bits, 16);
	if (!id_bits)
		return 0;

	min_id_bits = FIELD_GET(GICV5_IRS_IDR2_MIN_LPI_ID_BITS,
				vgic_v5_irs_host_idr(2));

	return FIELD_PREP(GICV5_IRS_IDR2_IST_L2SZ, IRS_GUEST_IST_L2SZ) |
	       FIELD_PREP(GICV5_IRS_IDR2_IST_LEVELS, 1) |
	       FIELD_PREP(GICV5_IRS_IDR2_MIN_LPI_ID_BITS,
			  min(min_id_bits, id_bits)) |
	       FIELD_PREP(GICV5_IRS_IDR2_LPI, 1) |
	       FIELD_PREP(GICV5_IRS_IDR2_ID_BITS, id_bits);
}

/* ----------------------------------------------------------- SPI injection */

/*
 * The vIST entries of SPIs are edge-handled: the IRS clears the pending
 * state of an SPI when the guest acknowledges it. A level SPI whose line is
 * still high must then be made pending again, and an irqfd resampler must
 * learn that the guest is done with its SPI. Neither shows in hardware, so
 * while a level SPI is high the vCPUs trap GIC CDEOI, the priority drop
 * that follows each acknowledge:
 *
 *  - a trapped CDEOI makes the high level SPIs pending again. One the guest
 *    is still handling stays active until its GIC CDDI, so it is taken
 *    again only if its line is still high then;
 *  - SPIs with a resampler are resampled when the guest deactivates them:
 *    Linux drops the priority (CDEOI) before it runs the handler and
 *    deactivates (CDDI) after it, so resampling at the CDEOI would find the
 *    device still asserting its interrupt and make the guest take it twice.
 *    After a trapped CDEOI with such an SPI high, the vCPU traps GIC CDDI
 *    until it deactivates one: that CDDI resamples, then runs again
 *    untrapped (vgic_v5_handle_cddi()).
 *
 * Track whether @irq is a level SPI with a high line. Called with its
 * irq_lock held. Return: true if it is the VM's first such SPI, so vCPUs
 * running without the trap must be kicked.
 */
static bool vgic_v5_spi_track_level(struct kvm *kvm, struct vgic_irq *irq)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);
	u32 spi = FIELD_GET(GICV5_HWIRQ_ID, irq->intid);

	lockdep_assert_held(&irq->irq_lock);

	/* Injection path: no atomic read-modify-write when nothing changes */
	if (irq->config == VGIC_CONFIG_LEVEL && irq->line_level) {
		if (!test_bit(spi, frame->level_high) &&
		    !test_and_set_bit(spi, frame->level_high))
			return atomic_inc_return(&frame->nr_level_high) == 1;
	} else if (test_bit(spi, frame->level_high) &&
		   test_and_clear_bit(spi, frame->level_high)) {
		atomic_dec(&frame->nr_level_high);
	}

	return false;
}

/*
 * Make the vCPUs in the guest re-enter it, with GIC CDEOI trapped. The
 * others pass vgic_v5_flush_eoi_trap() before they enter again, so a vCPU
 * blocked in WFI is not woken (its doorbell does that, if the SPI is for
 * it). The caller's atomic_inc_return() and the smp_store_mb() of
 * vcpu->mode before the flush order the count and the mode on each side.
 */
static void vgic_v5_kick_all(struct kvm *kvm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_for_each_vcpu(i, vcpu, kvm) {
		if (READ_ONCE(vcpu->mode) == IN_GUEST_MODE)
			kvm_vcpu_kick(vcpu);
	}
}

/*
 * A change of an SPI's line or latch: hand the resulting pending state to
 * the IRS. An edge the IRS accepted is the IRS's to clear (the guest
 * acknowledges it in hardware), so the latch only keeps an edge that could
 * not be handed over.
 */
static bool vgic_v5_spi_queue_irq_unlock(struct kvm *kvm, struct vgic_irq *irq,
					 unsigned long flags)
	__releases(&irq->irq_lock)
{
	bool pending, first_high;
	int ret;

	lockdep_assert_held(&irq->irq_lock);

	/* Trap CDEOI before the IRS can deliver a high level SPI */
	first_high = vgic_v5_spi_track_level(kvm, irq);
	pending = irq_is_pending(irq);
	ret = vgic_v5_irs_set_pending(kvm, irq->intid, pending);
	if (!ret && irq->config == VGIC_CONFIG_EDGE)
		irq->pending_latch = false;

	raw_spin_unlock_irqrestore(&irq->irq_lock, flags);

	if (first_high)
		vgic_v5_kick_all(kvm);

	return !ret && pending;
}

const struct irq_ops vgic_v5_spi_irq_ops = {
	.queue_irq_unlock = vgic_v5_spi_queue_irq_unlock,
};

/*
 * Make the high level SPIs pending again: after a priority drop, those
 * without a resampler; with @resampled_too, all of them. Can be called
 * from atomic context.
 *
 * Return: true if a high level SPI has a resampler.
 */
static bool vgic_v5_repend_level_spis(struct kvm *kvm, bool resampled_too)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);
	bool resample = false;
	struct vgic_irq *irq;
	unsigned long flags;
	unsigned int spi;

	/* Only the VM's SPIs can be high: nr_spis is fixed once it runs */
	for_each_set_bit(spi, frame->level_high, kvm->arch.vgic.nr_spis) {
		if (kvm_irq_has_notifier(kvm, 0, spi)) {
			resample = true;
			if (!resampled_too)
				continue;
		}

		irq = vgic_get_irq(kvm, vgic_v5_make_spi(spi));
		if (!irq)
			continue;
		raw_spin_lock_irqsave(&irq->irq_lock, flags);
		vgic_queue_irq_unlock(kvm, irq, flags);
		vgic_put_irq(kvm, irq);
	}

	return resample;
}

/**
 * vgic_v5_handle_cdeoi() - Emulate a GIC CDEOI trapped from the guest
 * @vcpu: the vCPU, loaded, that executed it
 *
 * Drop the running priority as the instruction would have, then let the
 * high level SPIs be taken again; those with a resampler are resampled at
 * their deactivation, for which GIC CDDI now traps.
 */
void vgic_v5_handle_cdeoi(struct kvm_vcpu *vcpu)
{
	kvm_call_hyp(__vgic_v5_priority_drop);
	if (vgic_v5_repend_level_spis(vcpu->kvm, false))
		vcpu->arch.vgic_cpu.vgic_v5.resample_due = true;
}

/**
 * vgic_v5_handle_cddi() - Handle a GIC CDDI trapped from the guest
 * @vcpu: the vCPU, loaded, that executed it
 * @xt:	the instruction's operand (TYPE, ID)
 *
 * The guest deactivates an interrupt after a trapped CDEOI left an SPI
 * with a resampler to resample. KVM cannot deactivate a virtual interrupt
 * itself: the instruction is not skipped but runs again, untrapped, at the
 * next entry. If it deactivates a high level SPI with a resampler, that
 * handler is done with its device: the resampler lowers the line and tells
 * the VMM, which raises it again if the device still asserts its interrupt
 * (the SPI is then taken again once deactivated, as a level SPI should).
 */
void vgic_v5_handle_cddi(struct kvm_vcpu *vcpu, u64 xt)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(vcpu->kvm);
	struct vgic_v5_cpu_if *cpu_if = &vcpu->arch.vgic_cpu.vgic_v5;
	u32 spi = FIELD_GET(GICV5_GIC_CDDI_ID_MASK, xt);

	cpu_if->cddi_passthrough = true;

	if (FIELD_GET(GICV5_GIC_CDDI_TYPE_MASK, xt) != GICV5_HWIRQ_TYPE_SPI ||
	    spi >= VGIC_V5_MAX_SPIS || !kvm_irq_has_notifier(vcpu->kvm, 0, spi))
		return;

	cpu_if->resample_due = false;
	if (test_bit(spi, frame->level_high))
		kvm_notify_acked_irq(vcpu->kvm, 0, spi);
}

/**
 * vgic_v5_flush_eoi_trap() - Trap GIC CDEOI while a level SPI is high
 * @vcpu: the vCPU about to enter the guest, with interrupts disabled
 *
 * A vCPU that was running without the trap when a level SPI went high may
 * have acknowledged it and dropped its priority untrapped: at its first
 * entry with the trap, the high level SPIs are handled as after a trapped
 * CDEOI.
 */
void vgic_v5_flush_eoi_trap(struct kvm_vcpu *vcpu)
{
	struct vgic_v5_cpu_if *cpu_if = &vcpu->arch.vgic_cpu.vgic_v5;
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(vcpu->kvm);
	bool trap = atomic_read(&frame->nr_level_high) > 0;
	bool was_trapped = cpu_if->eoi_trapped;

	/*
	 * ICH_HFGITR_EL2 has negative polarity: a clear bit traps. vcpu_load()
	 * recomputes it with nothing trapped, so it is set at every entry.
	 */
	if (trap)
		*vcpu_fgt(vcpu, ICH_HFGITR_EL2) &= ~ICH_HFGITR_EL2_GICCDEOI;
	else if (was_trapped)
		*vcpu_fgt(vcpu, ICH_HFGITR_EL2) |= ICH_HFGITR_EL2_GICCDEOI;
	cpu_if->eoi_trapped = trap;

	/*
	 * GIC CDDI traps from a trapped CDEOI that left an SPI to resample
	 * until its deactivation, except once for a trapped CDDI to run again;
	 * with no level line high, nothing is left to resample (the CDEOI may
	 * have been another interrupt's, and the SPI resampled elsewhere).
	 */
	if (!trap)
		cpu_if->resample_due = false;
	if (cpu_if->resample_due && !cpu_if->cddi_passthrough)
		*vcpu_fgt(vcpu, ICH_HFGITR_EL2) &= ~ICH_HFGITR_EL2_GICCDDI;
	else
		*vcpu_fgt(vcpu, ICH_HFGITR_EL2) |= ICH_HFGITR_EL2_GICCDDI;
	cpu_if->cddi_passthrough = false;

	/*
	 * The guest most likely has not taken them yet, so SPIs with a
	 * resampler are not resampled but made pending again as well: one
	 * the guest did take is then taken once more, and its trapped CDEOI
	 * resamples it.
	 */
	if (trap && !was_trapped)
		vgic_v5_repend_level_spis(vcpu->kvm, true);
}

/**
 * vgic_v5_wfi_eoi_trap() - Handle the high level SPIs as a vCPU blocks
 * @vcpu:	the vCPU entering WFI, its vPE just made non-resident
 *
 * A level SPI that went high while the vCPU ran without the trap may have
 * been taken, and its priority dropped and deactivated untrapped, by a
 * guest that then entered WFI before the kick made it leave the guest:
 * the vCPU would sleep with the line high and nothing pending. Handle the
 * high level SPIs now, as vgic_v5_flush_eoi_trap() does at the first
 * entry with the trap; the doorbell the vCPU asked for then wakes it for
 * those it can take.
 */
void vgic_v5_wfi_eoi_trap(struct kvm_vcpu *vcpu)
{
	struct vgic_v5_cpu_if *cpu_if = &vcpu->arch.vgic_cpu.vgic_v5;

	if (cpu_if->eoi_trapped ||
	    !atomic_read(&vgic_v5_irs_frame(vcpu->kvm)->nr_level_high))
		return;

	/* What the next entry with the trap would do is done */
	cpu_if->eoi_trapped = true;
	vgic_v5_repend_level_spis(vcpu->kvm, true);
}

/* ----------------------------------------------------------- LPI injection */

/*
 * Userspace restored a valid IRS_IST_BASER, and the IST restore has not
 * created the LPI IST it needs yet. Under the frame's lock or lpi_lock.
 */
static bool vgic_v5_irs_awaits_lpi_ist(struct vgic_v5_irs_frame *frame)
{
	return FIELD_GET(GICV5_IRS_IST_BASER_VALID, READ_ONCE(frame->ist_baser)) &&
	       !frame->nr_lpis;
}

/**
 * vgic_v5_irs_set_lpi_pending() - Make an LPI pending
 * @kvm: the VM, with an IRS
 * @id: the LPI ID
 *
 * As a write of @id to IRS_SETLPIR, or an ITS translation, does. An LPI the
 * guest has no IST entry for is dropped, like the IRS drops it. Can be
 * called from atomic context.
 *
 * Return: 1 if the LPI was made pending, 0 if it was dropped, -EAGAIN if
 * userspace restored a valid IRS_IST_BASER and the IST restore has not
 * created the LPI IST yet (see vgic_v5_irs_lpi_ist_restore_pending()), or
 * a negative error code from the host IRS.
 */
int vgic_v5_irs_set_lpi_pending(struct kvm *kvm, u32 id)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);
	int ret;

	guard(raw_spinlock_irqsave)(&frame->lpi_lock);

	if (id >= frame->nr_lpis)
		return vgic_v5_irs_awaits_lpi_ist(frame) ? -EAGAIN : 0;
	if (frame->l2_map && !test_bit(id >> frame->l2_bits, frame->l2_map))
		return 0;

	ret = vgic_v5_irs_set_pending(kvm, vgic_v5_make_lpi(id), true);

	return ret ?: 1;
}

/**
 * vgic_v5_inject_msi() - Inject an MSI written to the guest's SETLPI frame
 * @kvm: the VM
 * @msi: the MSI; its address must be the guest's IRS_SETLPIR and its data
 *	 an LPI ID
 *
 * Can be called from atomic context.
 *
 * Return: 1 if the LPI was made pending, 0 if the guest's IRS dropped it
 * (no IST entry for it), -EINVAL if @msi does not target the SETLPI frame
 * or the VM's IRS_IDR0.SETLPI is 0, -EAGAIN while an LPI IST restore is
 * pending, or a negative error code from the host IRS.
 */
int vgic_v5_inject_msi(struct kvm *kvm, struct kvm_msi *msi)
{
	gpa_t base = READ_ONCE(kvm->arch.vgic.vgic_dist_base);
	u64 doorbell = (u64)msi->address_hi << 32 | msi->address_lo;

	if (IS_VGIC_ADDR_UNDEF(base) || doorbell != base + IRS_SETLPIR)
		return -EINVAL;

	/* Without IDR0.SETLPI, IRS_SETLPIR is an address like any other */
	if (!(READ_ONCE(vgic_v5_irs_frame(kvm)->idr0) & GICV5_IRS_IDR0_SETLPI))
		return -EINVAL;

	if (msi->data & ~IRS_SETLPIR_ID)
		return -EINVAL;

	return vgic_v5_irs_set_lpi_pending(kvm, msi->data);
}

/* ---------------------------------------------------------- the LPI IST */

/*
 * The guest LPI IST that IST_CFGR describes, checked against the VM's
 * IDR2: its ID bits, whether it is two-level, and then log2 of the LPIs
 * per L2 table.
 */
static int vgic_v5_irs_guest_ist_fmt(struct vgic_v5_irs_frame *frame,
				     unsigned int *id_bits, bool *two_level,
				     unsigned int *l2_bits)
{
	u32 cfgr = READ_ONCE(frame->ist_cfgr), idr2 = READ_ONCE(frame->idr2);
	unsigned int l2sz;

	*id_bits = FIELD_GET(GICV5_IRS_IST_CFGR_LPI_ID_BITS, cfgr);
	if (!FIELD_GET(GICV5_IRS_IDR2_LPI, idr2) ||
	    *id_bits < FIELD_GET(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, idr2) ||
	    *id_bits > FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2))
		return -EINVAL;

	if (FIELD_GET(GICV5_IRS_IST_CFGR_ISTSZ, cfgr) != GICV5_IRS_IST_CFGR_ISTSZ_4)
		return -EINVAL;

	*two_level = FIELD_GET(GICV5_IRS_IST_CFGR_STRUCTURE, cfgr) ==
		     GICV5_IRS_IST_CFGR_STRUCTURE_TWO_LEVEL;
	*l2_bits = 0;
	if (!*two_level)
		return *id_bits > IRS_GUEST_LINEAR_MAX_ID_BITS ? -EINVAL : 0;

	l2sz = FIELD_GET(GICV5_IRS_IST_CFGR_L2SZ, cfgr);
	if (!FIELD_GET(GICV5_IRS_IDR2_IST_LEVELS, idr2) ||
	    !(FIELD_GET(GICV5_IRS_IDR2_IST_L2SZ, idr2) & BIT(l2sz)))
		return -EINVAL;

	*l2_bits = IRS_ISTE_4_L2_BITS(l2sz);
	return 0;
}

/* L2 tables of a two-level guest IST (one if a single table covers it) */
static unsigned int vgic_v5_irs_nr_l2(unsigned int id_bits, unsigned int l2_bits)
{
	return BIT(id_bits - min(id_bits, l2_bits));
}

/* Make the LPI IST state LPI injection sees that of the new guest IST. */
static void vgic_v5_irs_publish_lpis(struct vgic_v5_irs_frame *frame,
				     unsigned int id_bits, unsigned int l2_bits,
				     unsigned long *l2_map)
{
	guard(raw_spinlock_irqsave)(&frame->lpi_lock);

	frame->nr_lpis = BIT(id_bits);
	frame->l2_bits = l2_bits;
	frame->l2_map = l2_map;
}

/*
 * Back the ranges of a two-level guest IST whose L1 entries are already
 * VALID in guest memory: software that allocates every L2 table before it
 * makes the IST valid may write them VALID itself and never use
 * MAP_L2_ISTR, and an IST made valid again over the same L1 table keeps
 * the ranges the IRS mapped. An L1 entry that is not in guest memory reads
 * as invalid. The L1 table has at most BIT(24 - 10) entries, each a host
 * L2 table and an IRS command: reschedule between them.
 */
static int vgic_v5_irs_map_valid_l2(struct kvm *kvm, gpa_t l1, unsigned int id_bits,
				    unsigned int l2_bits, unsigned long *l2_map)
{
	u32 index, first;
	__le64 l1e;
	int ret;

	for (index = 0; index < vgic_v5_irs_nr_l2(id_bits, l2_bits); index++) {
		if (kvm_read_guest_lock(kvm, l1 + index * sizeof(l1e), &l1e, sizeof(l1e)) ||
		    !(le64_to_cpu(l1e) & GICV5_ISTL1E_VALID))
			continue;

		first = index << l2_bits;
		ret = vgic_v5_irs_map_lpi_range(kvm, first,
						min(BIT(l2_bits), BIT(id_bits) - first));
		if (ret)
			return ret;
		__set_bit(index, l2_map);
		cond_resched();
	}

	return 0;
}

/*
 * The guest's IST_BASER goes from invalid to valid (@baser, its new value):
 * check IST_CFGR against IDR2 and have the host back the LPIs. A two-level
 * IST is backed one L2 table at a time: those whose L1 entries are VALID
 * already, then as the guest maps them with MAP_L2_ISTR; a linear IST
 * beyond IRS_GUEST_LINEAR_MAX_ID_BITS is refused.
 */
static int vgic_v5_irs_map_guest_ist(struct kvm *kvm, u64 baser)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);
	unsigned int id_bits, l2_bits;
	unsigned long *l2_map = NULL;
	bool two_level;
	int ret;

	lockdep_assert_held(&frame->lock);

	ret = vgic_v5_irs_guest_ist_fmt(frame, &id_bits, &two_level, &l2_bits);
	if (ret)
		return ret;

	if (two_level) {
		l2_map = bitmap_zalloc(vgic_v5_irs_nr_l2(id_bits, l2_bits),
				       GFP_KERNEL_ACCOUNT);
		if (!l2_map)
			return -ENOMEM;
	}

	ret = vgic_v5_irs_map_lpi_ist(kvm, id_bits, two_level);
	if (ret) {
		bitmap_free(l2_map);
		return ret;
	}

	if (two_level) {
		ret = vgic_v5_irs_map_valid_l2(kvm, baser & GICV5_IRS_IST_BASER_ADDR_MASK,
					       id_bits, l2_bits, l2_map);
		if (ret) {
			vgic_v5_irs_unmap_lpi_ist(kvm);
			bitmap_free(l2_map);
			return ret;
		}
	}

	vgic_v5_irs_publish_lpis(frame, id_bits, l2_bits, l2_map);

	return 0;
}

/* Stop LPI injection, then have the host drop its backing of the IST. */
static void vgic_v5_irs_unmap_guest_ist(struct kvm *kvm)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);
	unsigned long *l2_map;

	scoped_guard(raw_spinlock_irqsave, &frame->lpi_lock) {
		frame->nr_lpis = 0;
		frame->l2_bits = 0;
		l2_map = frame->l2_map;
		frame->l2_map = NULL;
	}

	vgic_v5_irs_unmap_lpi_ist(kvm);
	bitmap_free(l2_map);
}

/* ------------------------------------------------------ register handlers */

/* The IRS_IDR0 KVM offers: a Non-secure IRS with the SETLPI frame */
static u32 vgic_v5_irs_offered_idr0(struct kvm *kvm)
{
	u64 mmfr0 = kvm_read_vm_id_reg(kvm, SYS_ID_AA64MMFR0_EL1);

	return FIELD_PREP(GICV5_IRS_IDR0_PA_RANGE,
			  FIELD_GET(ID_AA64MMFR0_EL1_PARANGE, mmfr0)) |
	       GICV5_IRS_IDR0_SETLPI |
	       FIELD_PREP(GICV5_IRS_IDR0_INT_DOM, GICV5_IRS_IDR0_INT_DOM_NS);
}

/* The IRS_IDR1.PRIORITY_BITS KVM offers: the host's, at most 5 bits */
static u32 vgic_v5_irs_offered_pri_bits(void)
{
	u32 pri_bits;

	pri_bits = FIELD_GET(GICV5_IRS_IDR1_PRIORITY_BITS, vgic_v5_irs_host_idr(1));

	return min(pri_bits, GICV5_IRS_IDR1_PRIORITY_BITS_5BITS);
}

/*
 * IRSID and SETLPI are the VM's configuration; PA_RANGE follows the VM's
 * ID_AA64MMFR0_EL1, which userspace restores on its own.
 */
static unsigned long vgic_v5_irs_read_idr0(struct kvm_vcpu *vcpu, gpa_t addr,
					   unsigned int len)
{
	u32 idr0 = READ_ONCE(vgic_v5_irs_frame(vcpu->kvm)->idr0);

	return (idr0 & (GICV5_IRS_IDR0_IRSID | GICV5_IRS_IDR0_SETLPI)) |
	       (vgic_v5_irs_offered_idr0(vcpu->kvm) & ~GICV5_IRS_IDR0_SETLPI);
}

static unsigned long vgic_v5_irs_read_idr1(struct kvm_vcpu *vcpu, gpa_t addr,
					   unsigned int len)
{
	u32 pri_bits = READ_ONCE(vgic_v5_irs_frame(vcpu->kvm)->pri_bits);

	/* IAFFID = vcpu_id = VPE ID: the VM's VPE ID bits */
	return FIELD_PREP(GICV5_IRS_IDR1_PRIORITY_BITS, pri_bits) |
	       FIELD_PREP(GICV5_IRS_IDR1_IAFFID_BITS,
			  vgic_v5_irs_vpe_id_bits(vcpu->kvm) - 1) |
	       FIELD_PREP(GICV5_IRS_IDR1_PE_CNT,
			  atomic_read(&vcpu->kvm->online_vcpus));
}

static unsigned long vgic_v5_irs_read_idr2(struct kvm_vcpu *vcpu, gpa_t addr,
					   unsigned int len)
{
	return READ_ONCE(vgic_v5_irs_frame(vcpu->kvm)->idr2);
}

/* IDR5 (SPI_RANGE) and IDR6 (SPI_IRS_RANGE): this IRS owns every SPI */
static unsigned long vgic_v5_irs_read_spi_range(struct kvm_vcpu *vcpu,
						gpa_t addr, unsigned int len)
{
	return vcpu->kvm->arch.vgic.nr_spis;
}

static unsigned long vgic_v5_irs_read_iidr(struct kvm_vcpu *vcpu, gpa_t addr,
					   unsigned int len)
{
	return FIELD_PREP(GICV5_IRS_IIDR_PRODUCT_ID, PRODUCT_ID_KVM) |
	       FIELD_PREP(GICV5_IRS_IIDR_IMPLEMENTER, IMPLEMENTER_ARM);
}

static unsigned long vgic_v5_irs_read_cr0(struct kvm_vcpu *vcpu, gpa_t addr,
					  unsigned int len)
{
	bool irsen = READ_ONCE(vcpu->kvm->arch.vgic.gicv5_vm.irs_enabled);

	return GICV5_IRS_CR0_IDLE | FIELD_PREP(GICV5_IRS_CR0_IRSEN, irsen);
}

static void vgic_v5_irs_write_cr0(struct kvm_vcpu *vcpu, gpa_t addr,
				  unsigned int len, unsigned long val)
{
	struct vgic_v5_vm *gicv5_vm = &vcpu->kvm->arch.vgic.gicv5_vm;
	bool irsen = FIELD_GET(GICV5_IRS_CR0_IRSEN, val);

	guard(mutex)(&gicv5_vm->irs_frame.lock);

	if (irsen == gicv5_vm->irs_enabled)
		return;

	WRITE_ONCE(gicv5_vm->irs_enabled, irsen);
	vgic_v5_irs_update_irsen(vcpu->kvm);
}

static unsigned long vgic_v5_irs_read_cr1(struct kvm_vcpu *vcpu, gpa_t addr,
					  unsigned int len)
{
	return READ_ONCE(vgic_v5_irs_frame(vcpu->kvm)->cr1);
}

static void vgic_v5_irs_write_cr1(struct kvm_vcpu *vcpu, gpa_t addr,
				  unsigned int len, unsigned long val)
{
	WRITE_ONCE(vgic_v5_irs_frame(vcpu->kvm)->cr1, val & IRS_CR1_MASK);
}

/* Every operation completes at once: IDLE is bit 0 of each *_STATUSR */
static unsigned long vgic_v5_irs_read_idle(struct kvm_vcpu *vcpu, gpa_t addr,
					   unsigned int len)
{
	return GICV5_IRS_IST_STATUSR_IDLE;
}

static unsigned long vgic_v5_irs_read_spi_selr(struct kvm_vcpu *vcpu,
					       gpa_t addr, unsigned int len)
{
	return READ_ONCE(vgic_v5_irs_frame(vcpu->kvm)->spi_selr);
}

static void vgic_v5_irs_write_spi_selr(struct kvm_vcpu *vcpu, gpa_t addr,
				       unsigned int len, unsigned long val)
{
	WRITE_ONCE(vgic_v5_irs_frame(vcpu->kvm)->spi_selr,
		   FIELD_GET(GICV5_IRS_SPI_SELR_ID, val));
}

static unsigned long vgic_v5_irs_read_spi_domainr(struct kvm_vcpu *vcpu,
						  gpa_t addr, unsigned int len)
{
	return FIELD_PREP(GICV5_IRS_SPI_DOMAINR_DOMAIN, GICV5_IRS_IDR0_INT_DOM_NS);
}

/* The SPI that SPI_SELR selects, NULL if it selects none of ours. */
static struct vgic_irq *vgic_v5_irs_selected_spi(struct kvm *kvm)
{
	u32 id = READ_ONCE(vgic_v5_irs_frame(kvm)->spi_selr);

	return vgic_get_irq(kvm, vgic_v5_make_spi(id));
}

static unsigned long vgic_v5_irs_read_spi_cfgr(struct kvm_vcpu *vcpu,
					       gpa_t addr, unsigned int len)
{
	struct vgic_irq *irq = vgic_v5_irs_selected_spi(vcpu->kvm);
	u32 tm = GICV5_IRS_SPI_CFGR_TM_EDGE;

	if (!irq)
		return 0;

	scoped_guard(raw_spinlock_irqsave, &irq->irq_lock) {
		if (irq->config == VGIC_CONFIG_LEVEL)
			tm = GICV5_IRS_SPI_CFGR_TM_LEVEL;
	}
	vgic_put_irq(vcpu->kvm, irq);

	return FIELD_PREP(GICV5_IRS_SPI_CFGR_TM, tm);
}

static void vgic_v5_irs_write_spi_cfgr(struct kvm_vcpu *vcpu, gpa_t addr,
				       unsigned int len, unsigned long val)
{
	struct vgic_irq *irq = vgic_v5_irs_selected_spi(vcpu->kvm);
	unsigned long flags;
	bool level;

	if (!irq)
		return;

	level = FIELD_GET(GICV5_IRS_SPI_CFGR_TM, val) == GICV5_IRS_SPI_CFGR_TM_LEVEL;
	raw_spin_lock_irqsave(&irq->irq_lock, flags);
	irq->config = level ? VGIC_CONFIG_LEVEL : VGIC_CONFIG_EDGE;
	if (level && irq->line_level) {
		/* Made level while the VMM holds the line high: pending */
		vgic_queue_irq_unlock(vcpu->kvm, irq, flags);
	} else {
		vgic_v5_spi_track_level(vcpu->kvm, irq);
		raw_spin_unlock_irqrestore(&irq->irq_lock, flags);
	}
	vgic_put_irq(vcpu->kvm, irq);
}

static unsigned long vgic_v5_irs_read_spi_statusr(struct kvm_vcpu *vcpu,
						  gpa_t addr, unsigned int len)
{
	u32 id = READ_ONCE(vgic_v5_irs_frame(vcpu->kvm)->spi_selr);

	return GICV5_IRS_SPI_STATUSR_IDLE |
	       FIELD_PREP(GICV5_IRS_SPI_STATUSR_V,
			  id < vcpu->kvm->arch.vgic.nr_spis);
}

static unsigned long vgic_v5_irs_read_pe_selr(struct kvm_vcpu *vcpu,
					      gpa_t addr, unsigned int len)
{
	return READ_ONCE(vgic_v5_irs_frame(vcpu->kvm)->pe_selr);
}

static void vgic_v5_irs_write_pe_selr(struct kvm_vcpu *vcpu, gpa_t addr,
				      unsigned int len, unsigned long val)
{
	WRITE_ONCE(vgic_v5_irs_frame(vcpu->kvm)->pe_selr,
		   FIELD_GET(GICV5_IRS_PE_SELR_IAFFID, val));
}

/*
 * IAFFID = vcpu_id: PE_SELR selects a PE if a vCPU has that vcpu_id. None
 * has one of KVM_MAX_VCPU_IDS or more, such as PE_SELR's reset value:
 * kvm_get_vcpu_by_id() would walk every vCPU to find none.
 */
static bool vgic_v5_irs_pe_selected(struct kvm *kvm)
{
	u32 iaffid = READ_ONCE(vgic_v5_irs_frame(kvm)->pe_selr);

	return iaffid < KVM_MAX_VCPU_IDS && kvm_get_vcpu_by_id(kvm, iaffid);
}

static unsigned long vgic_v5_irs_read_pe_statusr(struct kvm_vcpu *vcpu,
						 gpa_t addr, unsigned int len)
{
	u32 val = GICV5_IRS_PE_STATUSR_IDLE;

	if (vgic_v5_irs_pe_selected(vcpu->kvm))
		val |= GICV5_IRS_PE_STATUSR_V | GICV5_IRS_PE_STATUSR_ONLINE;

	return val;
}

/* No 1-of-N routing: every PE is out of 1-of-N selection (DPS = 1). */
static unsigned long vgic_v5_irs_read_pe_cr0(struct kvm_vcpu *vcpu,
					     gpa_t addr, unsigned int len)
{
	return FIELD_PREP(GICV5_IRS_PE_CR0_DPS,
			  vgic_v5_irs_pe_selected(vcpu->kvm));
}

static unsigned long vgic_v5_irs_read_ist_baser(struct kvm_vcpu *vcpu,
						gpa_t addr, unsigned int len)
{
	u64 baser = READ_ONCE(vgic_v5_irs_frame(vcpu->kvm)->ist_baser);

	return extract_bytes(baser, addr & 7, len);
}

/*
 * IST_BASER.VALID 0 -> 1 maps the IST that IST_CFGR describes; a write the
 * host cannot back is dropped and VALID stays 0. 1 -> 0 unmaps it. While
 * VALID is 1 the address cannot change.
 */
static void vgic_v5_irs_write_ist_baser(struct kvm_vcpu *vcpu, gpa_t addr,
					unsigned int len, unsigned long val)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(vcpu->kvm);
	bool was_valid, valid;
	u64 baser;

	guard(mutex)(&frame->lock);

	baser = update_64bit_reg(frame->ist_baser, addr & 4, len, val);
	baser &= IRS_IST_BASER_MASK;
	was_valid = FIELD_GET(GICV5_IRS_IST_BASER_VALID, frame->ist_baser);
	valid = FIELD_GET(GICV5_IRS_IST_BASER_VALID, baser);

	if (was_valid && valid)
		return;

	/*
	 * Invalid first: a valid IST_BASER with no LPI IST behind it is an
	 * IST restore pending for LPI injection (vgic_v5_irs_set_lpi_pending()).
	 */
	if (was_valid) {
		WRITE_ONCE(frame->ist_baser, baser);
		vgic_v5_irs_unmap_guest_ist(vcpu->kvm);
		return;
	}

	if (!valid || !vgic_v5_irs_map_guest_ist(vcpu->kvm, baser))
		WRITE_ONCE(frame->ist_baser, baser);
}

static unsigned long vgic_v5_irs_read_ist_cfgr(struct kvm_vcpu *vcpu,
					       gpa_t addr, unsigned int len)
{
	return READ_ONCE(vgic_v5_irs_frame(vcpu->kvm)->ist_cfgr);
}

static void vgic_v5_irs_write_ist_cfgr(struct kvm_vcpu *vcpu, gpa_t addr,
				       unsigned int len, unsigned long val)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(vcpu->kvm);

	guard(mutex)(&frame->lock);

	if (!FIELD_GET(GICV5_IRS_IST_BASER_VALID, frame->ist_baser))
		WRITE_ONCE(frame->ist_cfgr, val & IRS_IST_CFGR_MASK);
}

/**
 * vgic_v5_irs_write_map_l2_istr() - Map an L2 table of the guest's two-level IST
 * @vcpu:	the vCPU writing IRS_MAP_L2_ISTR
 * @addr:	the register's address
 * @len:	access size
 * @val:	the value written; ID selects the L2 table that covers it
 *
 * The host backs the L2 table's ID range with a vIST L2 table of its own,
 * then, as the IRS does once an L2 table is mapped, sets VALID in the
 * guest's L1 entry in guest memory (L2_ADDR unchanged; a write that dirty
 * page tracking sees). An L1 entry that is already VALID is not written.
 * The write is ignored when the ID is beyond the IST, when the L1 entry is
 * not in guest memory or when the host cannot back the range: VALID then
 * stays clear and the guest may retry. Everything completes before the
 * write returns, so IST_STATUSR always reads IDLE.
 */
static void vgic_v5_irs_write_map_l2_istr(struct kvm_vcpu *vcpu, gpa_t addr,
					  unsigned int len, unsigned long val)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(vcpu->kvm);
	u32 id = FIELD_GET(GICV5_IRS_MAP_L2_ISTR_ID, val);
	struct kvm *kvm = vcpu->kvm;
	u32 index, first;
	gpa_t l1e_gpa;
	__le64 l1e;

	guard(mutex)(&frame->lock);

	if (!frame->l2_map || id >= frame->nr_lpis)
		return;

	index = id >> frame->l2_bits;
	l1e_gpa = (frame->ist_baser & GICV5_IRS_IST_BASER_ADDR_MASK) +
		  index * sizeof(l1e);
	if (kvm_read_guest_lock(kvm, l1e_gpa, &l1e, sizeof(l1e)))
		return;

	if (!test_bit(index, frame->l2_map)) {
		first = index << frame->l2_bits;
		if (vgic_v5_irs_map_lpi_range(kvm, first,
					      min(BIT(frame->l2_bits),
						  frame->nr_lpis - first)))
			return;

		scoped_guard(raw_spinlock_irqsave, &frame->lpi_lock)
			__set_bit(index, frame->l2_map);
	}

	if (le64_to_cpu(l1e) & GICV5_ISTL1E_VALID)
		return;

	l1e = cpu_to_le64(le64_to_cpu(l1e) | GICV5_ISTL1E_VALID);
	kvm_write_guest_lock(kvm, l1e_gpa, &l1e, sizeof(l1e));
}

static unsigned long vgic_v5_irs_read_devarch(struct kvm_vcpu *vcpu,
					      gpa_t addr, unsigned int len)
{
	return IRS_DEVARCH_KVM;
}

/* PIDR4..7, PIDR0..3 and CIDR0..3: part 0x04b of JEP106 0x43b (Arm) */
static unsigned long vgic_v5_irs_read_coresight_id(struct kvm_vcpu *vcpu,
						   gpa_t addr, unsigned int len)
{
	static const u8 ids[] = {
		0x04, 0x00, 0x00, 0x00,		/* PIDR4..7 */
		0x4b, 0xb0, 0x0b, 0x00,		/* PIDR0..3 */
		0x0d, 0xf0, 0x05, 0xb1,		/* CIDR0..3 */
	};
	unsigned int idx = ((addr & (SZ_64K - 1)) - IRS_PIDR4) / 4;

	return ids[array_index_nospec(idx, ARRAY_SIZE(ids))];
}

/* Without IDR0.SETLPI, the SETLPI frame is RAZ/WI */
static void vgic_v5_irs_write_setlpir(struct kvm_vcpu *vcpu, gpa_t addr,
				      unsigned int len, unsigned long val)
{
	if (!(READ_ONCE(vgic_v5_irs_frame(vcpu->kvm)->idr0) & GICV5_IRS_IDR0_SETLPI))
		return;

	vgic_v5_irs_set_lpi_pending(vcpu->kvm, FIELD_GET(IRS_SETLPIR_ID, val));
}

/* ------------------------------------------- userspace accesses (save/restore) */

/*
 * KVM_DEV_ARM_VGIC_GRP_IRS_REGS writes restore state only: they allocate
 * nothing, issue no IRS command and reload no vCPU. They come with every
 * vCPU locked and the config_lock held, before the VM first runs. A
 * register without a uaccess_write handler ignores them.
 */

/*
 * IDR0: a Non-secure IRS without virtualization, 1-of-N, MEC, MPAM or
 * software error reporting; SETLPI if KVM offers it. IRSID is taken as
 * given; PA_RANGE is accepted whatever its value and keeps following the
 * VM's ID_AA64MMFR0_EL1.
 */
static int vgic_v5_irs_uaccess_write_idr0(struct kvm_vcpu *vcpu, gpa_t addr,
					  unsigned int len, unsigned long val)
{
	u32 offered = vgic_v5_irs_offered_idr0(vcpu->kvm);
	u32 fixed = GICV5_IRS_IDR0_SWE | GICV5_IRS_IDR0_MPAM |
		    GICV5_IRS_IDR0_MEC | GICV5_IRS_IDR0_VIRT_ONE_N |
		    GICV5_IRS_IDR0_ONE_N | GICV5_IRS_IDR0_VIRT |
		    GICV5_IRS_IDR0_INT_DOM;

	/* Bits [15:13] are RES0 */
	if ((val & fixed) != (offered & fixed) || (val & GENMASK(15, 13)))
		return -EINVAL;
	if ((val & GICV5_IRS_IDR0_SETLPI) && !(offered & GICV5_IRS_IDR0_SETLPI))
		return -EINVAL;

	WRITE_ONCE(vgic_v5_irs_frame(vcpu->kvm)->idr0, val);
	return 0;
}

/* IDR1: PE_CNT is ignored, IAFFID_BITS fixed by the vCPU IDs */
static int vgic_v5_irs_uaccess_write_idr1(struct kvm_vcpu *vcpu, gpa_t addr,
					  unsigned int len, unsigned long val)
{
	u32 pri_bits = FIELD_GET(GICV5_IRS_IDR1_PRIORITY_BITS, val);

	if (FIELD_GET(GICV5_IRS_IDR1_IAFFID_BITS, val) !=
	    vgic_v5_irs_vpe_id_bits(vcpu->kvm) - 1)
		return -EINVAL;
	if (pri_bits > vgic_v5_irs_offered_pri_bits())
		return -EINVAL;

	WRITE_ONCE(vgic_v5_irs_frame(vcpu->kvm)->pri_bits, pri_bits);
	return 0;
}

/*
 * IDR2: what the guest sees and what KVM then does (IST_CFGR validation,
 * the vCPUs' ICC_IDR0_EL1.ID_BITS). It may offer less than KVM does on
 * this host (e.g. the upstream feature set: one level, 16 ID bits), never
 * more; no metadata. Read-only once the host LPI IST exists, which
 * IST_CFGR describes within what IDR2 allows: the saves check it again.
 */
static int vgic_v5_irs_uaccess_write_idr2(struct kvm_vcpu *vcpu, gpa_t addr,
					  unsigned int len, unsigned long val)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(vcpu->kvm);
	u32 offered = vgic_v5_irs_offered_idr2();
	unsigned int id_bits, min_id_bits;
	struct kvm_vcpu *v;
	unsigned long i;

	val = (u32)val;
	guard(mutex)(&frame->lock);
	if (frame->nr_lpis)
		return val == frame->idr2 ? 0 : -EINVAL;

	/* No LPIs on this host: only the offered value */
	if (!FIELD_GET(GICV5_IRS_IDR2_LPI, offered)) {
		if (val != offered)
			return -EINVAL;
		return 0;
	}

	id_bits = FIELD_GET(GICV5_IRS_IDR2_ID_BITS, val);
	min_id_bits = FIELD_GET(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, val);

	/* Bits [31:20] are RES0 */
	if (!FIELD_GET(GICV5_IRS_IDR2_LPI, val) ||
	    FIELD_GET(GICV5_IRS_IDR2_ISTMD, val) ||
	    FIELD_GET(GICV5_IRS_IDR2_ISTMD_SZ, val) || (val & GENMASK(31, 20)))
		return -EINVAL;
	if (id_bits > FIELD_GET(GICV5_IRS_IDR2_ID_BITS, offered) ||
	    min_id_bits < FIELD_GET(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, offered) ||
	    min_id_bits > id_bits)
		return -EINVAL;
	if (FIELD_GET(GICV5_IRS_IDR2_IST_LEVELS, val) >
	    FIELD_GET(GICV5_IRS_IDR2_IST_LEVELS, offered))
		return -EINVAL;
	if (FIELD_GET(GICV5_IRS_IDR2_IST_L2SZ, val) &
	    ~FIELD_GET(GICV5_IRS_IDR2_IST_L2SZ, offered))
		return -EINVAL;

	WRITE_ONCE(frame->idr2, val);

	/* The CPU interfaces name no more IDs than the IRS has */
	kvm_for_each_vcpu(i, v, vcpu->kvm)
		v->arch.vgic_cpu.num_id_bits = vgic_v5_vm_icc_id_bits(vcpu->kvm);

	return 0;
}

/* IDR5, IDR6: fixed by NR_IRQS at CTRL_INIT */
static int vgic_v5_irs_uaccess_write_spi_range(struct kvm_vcpu *vcpu,
					       gpa_t addr, unsigned int len,
					       unsigned long val)
{
	return val == vcpu->kvm->arch.vgic.nr_spis ? 0 : -EINVAL;
}

/* IDR7: SPI_BASE is 0 */
static int vgic_v5_irs_uaccess_write_spi_base(struct kvm_vcpu *vcpu,
					      gpa_t addr, unsigned int len,
					      unsigned long val)
{
	return val ? -EINVAL : 0;
}

/* CR0: the enable state only, which the vCPUs load when they first run */
static int vgic_v5_irs_uaccess_write_cr0(struct kvm_vcpu *vcpu, gpa_t addr,
					 unsigned int len, unsigned long val)
{
	WRITE_ONCE(vcpu->kvm->arch.vgic.gicv5_vm.irs_enabled,
		   FIELD_GET(GICV5_IRS_CR0_IRSEN, val));
	return 0;
}

static int vgic_v5_irs_uaccess_write_cr1(struct kvm_vcpu *vcpu, gpa_t addr,
					 unsigned int len, unsigned long val)
{
	vgic_v5_irs_write_cr1(vcpu, addr, len, val);
	return 0;
}

static int vgic_v5_irs_uaccess_write_spi_selr(struct kvm_vcpu *vcpu,
					      gpa_t addr, unsigned int len,
					      unsigned long val)
{
	vgic_v5_irs_write_spi_selr(vcpu, addr, len, val);
	return 0;
}

static int vgic_v5_irs_uaccess_write_pe_selr(struct kvm_vcpu *vcpu,
					     gpa_t addr, unsigned int len,
					     unsigned long val)
{
	vgic_v5_irs_write_pe_selr(vcpu, addr, len, val);
	return 0;
}

/*
 * IST_CFGR: stored without validation (the IST restore validates it),
 * read-only once the host LPI IST exists.
 */
static int vgic_v5_irs_uaccess_write_ist_cfgr(struct kvm_vcpu *vcpu,
					      gpa_t addr, unsigned int len,
					      unsigned long val)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(vcpu->kvm);

	guard(mutex)(&frame->lock);

	if (frame->nr_lpis)
		return val == frame->ist_cfgr ? 0 : -EINVAL;

	WRITE_ONCE(frame->ist_cfgr, val & IRS_IST_CFGR_MASK);
	return 0;
}

/*
 * IST_BASER: stored, read-only once the host LPI IST exists. A valid
 * IST_BASER with no host LPI IST is "LPI IST restore pending": the IST
 * restore (KVM_DEV_ARM_VGIC_GRP_IST) creates the IST, or userspace makes
 * IST_BASER invalid again; until then the VM cannot run.
 */
static int vgic_v5_irs_uaccess_write_ist_baser(struct kvm_vcpu *vcpu,
					       gpa_t addr, unsigned int len,
					       unsigned long val)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(vcpu->kvm);

	guard(mutex)(&frame->lock);

	if (frame->nr_lpis)
		return val == frame->ist_baser ? 0 : -EINVAL;

	WRITE_ONCE(frame->ist_baser, val & IRS_IST_BASER_MASK);
	return 0;
}

/**
 * vgic_v5_irs_lpi_ist_restore_pending() - Whether a restore awaits its LPI IST
 * @kvm: the VM
 *
 * Userspace restored a valid IRS_IST_BASER, but the host LPI IST it needs
 * has not been created (by the IST restore) yet. An IST restore in progress
 * holds the frame's lock: this waits for it to end. Can sleep.
 *
 * Return: true if the VM must not run yet.
 */
bool vgic_v5_irs_lpi_ist_restore_pending(struct kvm *kvm)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);

	guard(mutex)(&frame->lock);

	return vgic_v5_irs_awaits_lpi_ist(frame);
}

/* ---------------------------------------- KVM_DEV_ARM_VGIC_GRP_IST (ISTs) */

/* ISTE words per bounce buffer when saving */
#define IRS_IST_CHUNK			1024
/* The compact image cuts a linear IST into ranges of 2^10 LPIs */
#define IRS_COMPACT_LINEAR_RANGE_BITS	10
/* ISTE bits [8:5] are not defined: an image with one set is refused */
#define IRS_ISTE_RES0			GENMASK(8, 5)

/**
 * struct vgic_v5_irs_img - the LPI image of a KVM_DEV_ARM_VGIC_GRP_IST access
 * @id_bits:	LPI ID bits of the guest's IST, 0 if IST_BASER is invalid
 * @two_level:	the guest's IST is two-level
 * @l2_bits:	two-level: log2 of the LPIs per L2 table
 * @range_bits:	compact image: log2 of the LPIs per range
 * @nr_ranges:	compact image: number of ranges the ID space has
 */
struct vgic_v5_irs_img {
	unsigned int	id_bits;
	bool		two_level;
	unsigned int	l2_bits;
	unsigned int	range_bits;
	u32		nr_ranges;
};

/* Bytes of a record of a compact LPI image: its index, then its words */
static size_t vgic_v5_irs_record_size(unsigned int range_bits)
{
	return sizeof(u32) + (sizeof(u32) << range_bits);
}

/* Bytes of a compact LPI image of @nr ranges of 2^@range_bits LPIs */
static u64 vgic_v5_irs_compact_size(unsigned int range_bits, u32 nr)
{
	return sizeof(struct kvm_vgic_v5_ist_compact) +
	       (u64)nr * vgic_v5_irs_record_size(range_bits);
}

/*
 * Check the buffers of a GRP_IST access: an SPI image of nr_spis words,
 * and an LPI image if and only if IST_BASER is valid, of 2^LPI_ID_BITS
 * words if flat. Describe the LPI image in @img.
 */
static int vgic_v5_irs_ist_bufs(struct kvm *kvm, struct kvm_vgic_v5_ist *ist,
				bool compact, struct vgic_v5_irs_img *img)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);
	u32 nr_spis = kvm->arch.vgic.nr_spis;
	int ret;

	memset(img, 0, sizeof(*img));

	if (!ist->spi_ist_addr || ist->spi_ist_size != (u64)nr_spis * sizeof(u32))
		return -EINVAL;

	if (!FIELD_GET(GICV5_IRS_IST_BASER_VALID, frame->ist_baser))
		return ist->lpi_ist_addr || ist->lpi_ist_size ? -EINVAL : 0;

	if (!ist->lpi_ist_addr)
		return -EINVAL;

	ret = vgic_v5_irs_guest_ist_fmt(frame, &img->id_bits, &img->two_level,
					&img->l2_bits);
	if (ret)
		return ret;

	if (!compact && ist->lpi_ist_size != BIT_ULL(img->id_bits) * sizeof(u32))
		return -EINVAL;

	img->range_bits = min(img->id_bits, img->two_level ? img->l2_bits :
			      IRS_COMPACT_LINEAR_RANGE_BITS);
	img->nr_ranges = BIT(img->id_bits - img->range_bits);

	return 0;
}

/*
 * An SPI's saved word as the guest's IRS has it: the host's SPI entries
 * are edge-handled, KVM keeps the trigger mode (HM) and, for a level SPI,
 * the line, which is its pending state; an edge KVM still holds is
 * pending too.
 */
static __le32 vgic_v5_irs_saved_spi(struct kvm *kvm, u32 spi, __le32 word)
{
	u32 w = le32_to_cpu(word) & ~GICV5_ISTL2E_HM;
	struct vgic_irq *irq;

	irq = vgic_get_irq(kvm, vgic_v5_make_spi(spi));
	if (!irq)
		return cpu_to_le32(w);

	scoped_guard(raw_spinlock_irqsave, &irq->irq_lock) {
		if (irq->config == VGIC_CONFIG_LEVEL) {
			w |= GICV5_ISTL2E_HM;
			w &= ~GICV5_ISTL2E_PENDING;
			if (irq->line_level)
				w |= GICV5_ISTL2E_PENDING;
		} else if (irq->pending_latch) {
			w |= GICV5_ISTL2E_PENDING;
		}
	}
	vgic_put_irq(kvm, irq);

	return cpu_to_le32(w);
}

/* Write the SPI image to @dst, through @buf (nr_spis words at most). */
static int vgic_v5_irs_save_spis(struct kvm *kvm, __le32 *buf, void __user *dst)
{
	u32 i, nr = kvm->arch.vgic.nr_spis;
	int ret;

	BUILD_BUG_ON(VGIC_V5_MAX_SPIS > IRS_IST_CHUNK);

	ret = vgic_v5_irs_read_istes(kvm, GICV5_HWIRQ_TYPE_SPI, 0, nr, buf);
	if (ret)
		return ret;

	for (i = 0; i < nr; i++)
		buf[i] = vgic_v5_irs_saved_spi(kvm, i, buf[i]);

	return copy_to_user(dst, buf, nr * sizeof(*buf)) ? -EFAULT : 0;
}

/* Copy ISTE words @first .. @first + @nr - 1 to @dst, through @buf. */
static int vgic_v5_irs_save_words(struct kvm *kvm, u8 type, u32 first, u32 nr,
				  __le32 *buf, void __user *dst)
{
	u32 n;
	int ret;

	for (; nr; first += n, nr -= n, dst += n * sizeof(*buf)) {
		n = min(nr, IRS_IST_CHUNK);
		ret = vgic_v5_irs_read_istes(kvm, type, first, n, buf);
		if (ret)
			return ret;
		if (copy_to_user(dst, buf, n * sizeof(*buf)))
			return -EFAULT;
	}

	return 0;
}

/*
 * The ranges of a compact LPI image: the mapped L2 tables of a two-level
 * IST, the ranges of a linear IST that hold a non-zero ISTE word.
 */
static int vgic_v5_irs_saved_ranges(struct kvm *kvm,
				    const struct vgic_v5_irs_img *img,
				    __le32 *buf, unsigned long *ranges)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);
	u32 idx;
	int ret;

	if (img->two_level) {
		bitmap_copy(ranges, frame->l2_map, img->nr_ranges);
		return 0;
	}

	/* Linear ranges are at most IRS_IST_CHUNK words */
	for (idx = 0; idx < img->nr_ranges; idx++) {
		ret = vgic_v5_irs_read_istes(kvm, GICV5_HWIRQ_TYPE_LPI,
					     idx << img->range_bits,
					     BIT(img->range_bits), buf);
		if (ret)
			return ret;
		if (memchr_inv(buf, 0, sizeof(*buf) << img->range_bits))
			__set_bit(idx, ranges);
	}

	return 0;
}

/* Write the compact LPI image of the ranges in @ranges to @dst. */
static int vgic_v5_irs_save_compact(struct kvm *kvm,
				    const struct vgic_v5_irs_img *img,
				    const unsigned long *ranges, __le32 *buf,
				    void __user *dst)
{
	struct kvm_vgic_v5_ist_compact hdr = {
		.range_bits	= img->range_bits,
		.nr_ranges	= bitmap_weight(ranges, img->nr_ranges),
	};
	unsigned long idx;
	int ret;

	if (copy_to_user(dst, &hdr, sizeof(hdr)))
		return -EFAULT;
	dst += sizeof(hdr);

	for_each_set_bit(idx, ranges, img->nr_ranges) {
		if (put_user(cpu_to_le32(idx), (__le32 __user *)dst))
			return -EFAULT;
		dst += sizeof(u32);

		ret = vgic_v5_irs_save_words(kvm, GICV5_HWIRQ_TYPE_LPI,
					     idx << img->range_bits,
					     BIT(img->range_bits), buf, dst);
		if (ret)
			return ret;
		dst += sizeof(u32) << img->range_bits;
	}

	return 0;
}

/*
 * GRP_IST get: quiesce the VM and write its SPI and LPI images to the
 * userspace buffers. Guest memory is never touched, and nothing changes:
 * on failure the VM can run on.
 */
static int vgic_v5_irs_save_ist(struct kvm *kvm, struct kvm_vgic_v5_ist *ist,
				bool compact)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);
	unsigned long *ranges = NULL;
	struct vgic_v5_irs_img img;
	__le32 *buf;
	u64 size;
	int ret;

	/* Whatever IST_CFGR says, a pending LPI IST restore has no state */
	if (vgic_v5_irs_awaits_lpi_ist(frame))
		return -ENXIO;

	ret = vgic_v5_irs_ist_bufs(kvm, ist, compact, &img);
	if (ret)
		return ret;

	if (img.id_bits && frame->nr_lpis != BIT(img.id_bits))
		return -EINVAL;

	buf = kvmalloc_array(IRS_IST_CHUNK, sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;

	ret = vgic_v5_irs_save_vm(kvm, true);
	if (ret)
		goto out;

	if (img.id_bits && compact) {
		ranges = bitmap_zalloc(img.nr_ranges, GFP_KERNEL_ACCOUNT);
		ret = ranges ? vgic_v5_irs_saved_ranges(kvm, &img, buf, ranges) :
			       -ENOMEM;
		if (ret)
			goto out;

		size = vgic_v5_irs_compact_size(img.range_bits,
						bitmap_weight(ranges, img.nr_ranges));
		ret = ist->lpi_ist_size < size ? -ENOSPC : 0;
		ist->lpi_ist_size = size;
		if (ret)
			goto out;
	}

	ret = vgic_v5_irs_save_spis(kvm, buf, u64_to_user_ptr(ist->spi_ist_addr));
	if (ret || !img.id_bits)
		goto out;

	ret = vgic_v5_irs_save_vm(kvm, false);
	if (ret)
		goto out;

	if (compact)
		ret = vgic_v5_irs_save_compact(kvm, &img, ranges, buf,
					       u64_to_user_ptr(ist->lpi_ist_addr));
	else
		ret = vgic_v5_irs_save_words(kvm, GICV5_HWIRQ_TYPE_LPI, 0,
					     BIT(img.id_bits), buf,
					     u64_to_user_ptr(ist->lpi_ist_addr));
out:
	/* Still quiescent: the images are consistent */
	if (!ret)
		ret = vgic_v5_irs_save_vm(kvm, false);
	bitmap_free(ranges);
	kvfree(buf);
	return ret;
}

/* Copy a user buffer in, charged to the VM's memory cgroup */
static void *vgic_v5_irs_dup_user(const void __user *src, size_t size)
{
	void *p = kvmalloc(max_t(size_t, size, 1), GFP_KERNEL_ACCOUNT);

	if (!p)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(p, src, size)) {
		kvfree(p);
		return ERR_PTR(-EFAULT);
	}

	return p;
}

/*
 * The bits no ISTE word of an image may have: those not defined, 1-of-N
 * routing, and an IAFFID of 2^vpe_id_bits or more, which has a bit set
 * above the VM's VPE ID bits.
 */
static __le32 vgic_v5_irs_bad_bits(struct kvm *kvm)
{
	u32 vpes = BIT(vgic_v5_irs_vpe_id_bits(kvm)) - 1;

	return cpu_to_le32(IRS_ISTE_RES0 | GICV5_ISTL2E_IRM |
			   (GICV5_ISTL2E_IAFFID &
			    ~FIELD_PREP(GICV5_ISTL2E_IAFFID, vpes)));
}

/*
 * The ranges of an LPI image, in @ranges: all of them for a flat image,
 * its records' for a compact one, whose header and record indices are
 * checked here; the words are checked as they are loaded. Two-level:
 * the L2 tables to back.
 */
static int vgic_v5_irs_lpi_img_ranges(struct kvm_vgic_v5_ist *ist,
				      bool compact,
				      const struct vgic_v5_irs_img *img,
				      unsigned long *ranges)
{
	void __user *src = u64_to_user_ptr(ist->lpi_ist_addr);
	struct kvm_vgic_v5_ist_compact hdr;
	u32 i, idx, prev = 0;
	__le32 word;

	if (!compact) {
		bitmap_fill(ranges, img->nr_ranges);
		return 0;
	}

	if (ist->lpi_ist_size < sizeof(hdr))
		return -EINVAL;
	if (copy_from_user(&hdr, src, sizeof(hdr)))
		return -EFAULT;
	if (hdr.range_bits != img->range_bits || hdr.nr_ranges > img->nr_ranges ||
	    ist->lpi_ist_size != vgic_v5_irs_compact_size(hdr.range_bits,
							  hdr.nr_ranges))
		return -EINVAL;

	src += sizeof(hdr);
	for (i = 0; i < hdr.nr_ranges;
	     i++, src += vgic_v5_irs_record_size(img->range_bits)) {
		if (get_user(word, (__le32 __user *)src))
			return -EFAULT;
		idx = le32_to_cpu(word);
		if (idx >= img->nr_ranges || (i && idx <= prev))
			return -EINVAL;
		__set_bit(idx, ranges);
		prev = idx;
	}

	return 0;
}

/*
 * Back the LPIs of a restored guest IST in the host: a new LPI vIST, with
 * the L2 tables of @ranges if two-level, which the guest finds mapped.
 */
static int vgic_v5_irs_restore_lpi_ist(struct kvm *kvm,
				       const struct vgic_v5_irs_img *img,
				       bool all, const unsigned long *ranges)
{
	unsigned long idx;
	u32 first;
	int ret;

	ret = vgic_v5_irs_map_lpi_ist(kvm, img->id_bits, img->two_level && !all);
	if (ret || !img->two_level || all)
		return ret;

	for_each_set_bit(idx, ranges, img->nr_ranges) {
		first = idx << img->range_bits;
		ret = vgic_v5_irs_map_lpi_range(kvm, first, BIT(img->range_bits));
		if (ret) {
			vgic_v5_irs_unmap_lpi_ist(kvm);
			return ret;
		}
	}

	return 0;
}

/*
 * Load the LPI image into the host vIST, the ranges of @ranges in order:
 * a flat image's words follow each other, each record of a compact one
 * is its range's index, checked before, then its words. The LPIs pending
 * in it are set in *@pend, allocated for the first one.
 */
static int vgic_v5_irs_load_lpi_img(struct kvm *kvm,
				    struct kvm_vgic_v5_ist *ist, bool compact,
				    const struct vgic_v5_irs_img *img,
				    const unsigned long *ranges, __le32 *buf,
				    unsigned long **pend)
{
	void __user *src = u64_to_user_ptr(ist->lpi_ist_addr);
	u32 first, i, j, n, words = BIT(img->range_bits);
	__le32 bad = vgic_v5_irs_bad_bits(kvm), any;
	unsigned long idx;
	int ret;

	if (compact)
		src += sizeof(struct kvm_vgic_v5_ist_compact);

	for_each_set_bit(idx, ranges, img->nr_ranges) {
		if (compact)
			src += sizeof(u32);
		first = idx << img->range_bits;
		for (i = 0; i < words; i += n, src += n * sizeof(*buf)) {
			n = min(words - i, IRS_IST_CHUNK);
			ret = vgic_v5_irs_load_lpis(kvm, first + i, n, src, bad,
						    buf, &any);
			if (ret)
				return ret;
			cond_resched();
			if (!(any & cpu_to_le32(GICV5_ISTL2E_PENDING)))
				continue;

			if (!*pend)
				*pend = kvcalloc(BITS_TO_LONGS(BIT(img->id_bits)),
						 sizeof(long), GFP_KERNEL_ACCOUNT);
			if (!*pend)
				return -ENOMEM;
			for (j = 0; j < n; j++) {
				if (buf[j] & cpu_to_le32(GICV5_ISTL2E_PENDING))
					__set_bit(first + i + j, *pend);
			}
		}
	}

	return 0;
}

/*
 * KVM's share of a restored SPI: its trigger mode from HM, and its pending
 * state handed to the IRS. An edge pending in the image, in the SPI IST
 * before the restore (@was) or latched meanwhile is made pending. A level
 * SPI is pending while its line is high, and the line is what its saved
 * PENDING says (vgic_v5_irs_saved_spi()): KVM takes it as high until the
 * VMM drives it (KVM_IRQ_LINE, irqfd resampling) as its device says. An
 * edge raised on it before the restore made it level is taken once.
 */
static void vgic_v5_irs_restore_spi(struct kvm *kvm, u32 spi, u32 word,
				    bool was)
{
	bool pending = word & GICV5_ISTL2E_PENDING, once = false;
	struct vgic_irq *irq;
	unsigned long flags;

	irq = vgic_get_irq(kvm, vgic_v5_make_spi(spi));
	if (!irq)
		return;

	raw_spin_lock_irqsave(&irq->irq_lock, flags);
	if (word & GICV5_ISTL2E_HM) {
		irq->config = VGIC_CONFIG_LEVEL;
		irq->line_level |= pending;
		once = (irq->pending_latch || was) && !irq->line_level;
		irq->pending_latch = false;
	} else {
		irq->config = VGIC_CONFIG_EDGE;
		irq->pending_latch |= pending || was;
	}

	if (irq_is_pending(irq))
		vgic_queue_irq_unlock(kvm, irq, flags);
	else
		raw_spin_unlock_irqrestore(&irq->irq_lock, flags);

	if (once)
		vgic_v5_irs_set_pending(kvm, irq->intid, true);

	vgic_put_irq(kvm, irq);
}

/*
 * After a failed restore: hand the IRS the SPIs that went pending while it
 * refused them (the edges latched, the level lines raised), as the restore
 * would have.
 */
static void vgic_v5_irs_requeue_spis(struct kvm *kvm)
{
	u32 i;

	for (i = 0; i < kvm->arch.vgic.nr_spis; i++) {
		struct vgic_irq *irq = vgic_get_irq(kvm, vgic_v5_make_spi(i));
		unsigned long flags;

		if (!irq)
			continue;

		raw_spin_lock_irqsave(&irq->irq_lock, flags);
		if (irq_is_pending(irq))
			vgic_queue_irq_unlock(kvm, irq, flags);
		else
			raw_spin_unlock_irqrestore(&irq->irq_lock, flags);
		vgic_put_irq(kvm, irq);
	}
}

/*
 * GRP_IST set: create the LPI IST from the restored IST_CFGR/IST_BASER,
 * load both images with the VM out of the IRS's view, then re-assert the
 * pending interrupts. The LPI image is copied straight into the new LPI
 * IST and checked there, before the SPI IST is written: a failure undoes
 * what the call did, removing the LPI IST it created.
 */
static int vgic_v5_irs_restore_ist(struct kvm *kvm, struct kvm_vgic_v5_ist *ist,
				   bool compact)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);
	unsigned long *ranges = NULL, *l2_map = NULL, *pend = NULL;
	u32 i, nr_spis = kvm->arch.vgic.nr_spis, nr_pend = 0;
	__le32 *spi, *was = NULL, *buf = NULL;
	unsigned long idx;
	struct vgic_v5_irs_img img;
	int ret, end;

	if (frame->nr_lpis)
		return -EBUSY;

	ret = vgic_v5_irs_ist_bufs(kvm, ist, compact, &img);
	if (ret)
		return ret;

	spi = vgic_v5_irs_dup_user(u64_to_user_ptr(ist->spi_ist_addr),
				   ist->spi_ist_size);
	if (IS_ERR(spi))
		return PTR_ERR(spi);
	ret = -EINVAL;
	if (vgic_v5_irs_or_words(spi, nr_spis) & vgic_v5_irs_bad_bits(kvm))
		goto out;

	ret = -ENOMEM;
	was = kvmalloc_array(nr_spis, sizeof(*was), GFP_KERNEL_ACCOUNT);
	if (!was)
		goto out;

	if (img.id_bits) {
		buf = kvmalloc_array(IRS_IST_CHUNK, sizeof(*buf), GFP_KERNEL_ACCOUNT);
		ranges = bitmap_zalloc(img.nr_ranges, GFP_KERNEL_ACCOUNT);
		if (img.two_level)
			l2_map = bitmap_zalloc(img.nr_ranges, GFP_KERNEL_ACCOUNT);
		if (!buf || !ranges || (img.two_level && !l2_map))
			goto out;

		ret = vgic_v5_irs_lpi_img_ranges(ist, compact, &img, ranges);
		if (ret)
			goto out;

		/* Every range listed: back them all at once, as for a flat image */
		ret = vgic_v5_irs_restore_lpi_ist(kvm, &img,
						  bitmap_full(ranges, img.nr_ranges),
						  ranges);
		if (ret)
			goto out;
	}

	ret = vgic_v5_irs_restore_begin(kvm);
	if (ret) {
		if (img.id_bits)
			vgic_v5_irs_unmap_lpi_ist(kvm);
		/* SPIs raised meanwhile were latched: hand them to the IRS */
		if (ret == -EBUSY)
			vgic_v5_irs_requeue_spis(kvm);
		goto out;
	}

	if (img.id_bits)
		ret = vgic_v5_irs_load_lpi_img(kvm, ist, compact, &img, ranges,
					       buf, &pend);
	/* What was made pending before the restore is kept */
	if (!ret)
		ret = vgic_v5_irs_read_istes(kvm, GICV5_HWIRQ_TYPE_SPI, 0,
					     nr_spis, was) ?:
		      vgic_v5_irs_write_istes(kvm, GICV5_HWIRQ_TYPE_SPI, 0,
					      nr_spis, spi, false);
	end = vgic_v5_irs_restore_end(kvm);
	if (ret || end) {
		/* A VM the IRS failed is dead, and keeps its IST */
		if (!end) {
			if (img.id_bits)
				vgic_v5_irs_unmap_lpi_ist(kvm);
			vgic_v5_irs_requeue_spis(kvm);
		}
		ret = ret ?: end;
		goto out;
	}

	if (img.id_bits) {
		if (img.two_level)
			bitmap_copy(l2_map, ranges, img.nr_ranges);
		vgic_v5_irs_publish_lpis(frame, img.id_bits, img.l2_bits, l2_map);
		l2_map = NULL;
	}

	for (i = 0; i < nr_spis; i++)
		vgic_v5_irs_restore_spi(kvm, i, le32_to_cpu(spi[i]),
					le32_to_cpu(was[i]) & GICV5_ISTL2E_PENDING);

	/* The LPIs pending in the image, made pending in the IRS (GIC VDPEND) */
	if (pend) {
		for_each_set_bit(idx, pend, BIT(img.id_bits)) {
			vgic_v5_irs_set_pending(kvm, vgic_v5_make_lpi(idx), true);
			if (!(++nr_pend % IRS_IST_CHUNK))
				cond_resched();
		}
	}

out:
	kvfree(pend);
	bitmap_free(l2_map);
	bitmap_free(ranges);
	kvfree(buf);
	kvfree(was);
	kvfree(spi);
	return ret;
}

/**
 * vgic_v5_irs_ist_access() - KVM_DEV_ARM_VGIC_GRP_IST get and set
 * @kvm:	the VM, initialised with an IRS, all its vCPUs locked
 * @ist:	the buffers; a compact get sets lpi_ist_size to the bytes of
 *		the LPI image (written, or needed on -ENOSPC)
 * @compact:	the LPI image is compact (KVM_DEV_ARM_VGIC_IST_COMPACT)
 * @is_write:	restore rather than save
 *
 * Return: 0, or -EINVAL (buffers, IST_CFGR, image contents, a VM table
 * command the host IRS did not carry out), -EFAULT, -ENOMEM, -EBUSY (not
 * quiescent on save, an LPI IST already there on restore), -ENXIO (the LPI
 * IST a valid IST_BASER needs is missing), -ENOSPC (compact save into too
 * small a buffer), -ETIMEDOUT. If the IRS failed, the VM is dead.
 */
int vgic_v5_irs_ist_access(struct kvm *kvm, struct kvm_vgic_v5_ist *ist,
			   bool compact, bool is_write)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);
	int ret;

	lockdep_assert_held(&kvm->arch.config_lock);

	guard(mutex)(&frame->lock);

	if (is_write)
		ret = vgic_v5_irs_restore_ist(kvm, ist, compact);
	else
		ret = vgic_v5_irs_save_ist(kvm, ist, compact);

	/* The host IRS did not do what a VM table command asked */
	return ret == -EIO ? -EINVAL : ret;
}

#define IRS_REG32(off, rd, wr)						\
	REGISTER_DESC_WITH_LENGTH(off, rd, wr, 4, VGIC_ACCESS_32bit)

/* 64-bit registers also take 32-bit accesses to either half */
#define IRS_REG64(off, rd, wr)						\
	REGISTER_DESC_WITH_LENGTH(off, rd, wr, 8,			\
				  VGIC_ACCESS_32bit | VGIC_ACCESS_64bit)

#define IRS_RAZ_WI32(off)						\
	IRS_REG32(off, vgic_mmio_read_raz, vgic_mmio_write_wi)

/* Registers userspace reads or writes with other rules than the guest */
#define IRS_REG32_U(off, rd, wr, urd, uwr)				\
	REGISTER_DESC_WITH_LENGTH_UACCESS(off, rd, wr, urd, uwr, 4,	\
					  VGIC_ACCESS_32bit)

#define IRS_REG64_U(off, rd, wr, urd, uwr)				\
	REGISTER_DESC_WITH_LENGTH_UACCESS(off, rd, wr, urd, uwr, 8,	\
					  VGIC_ACCESS_32bit | VGIC_ACCESS_64bit)

#define IRS_RAZ_WI64(off)						\
	IRS_REG64(off, vgic_mmio_read_raz, vgic_mmio_write_wi)

/*
 * The registers the guest's accesses are looked up in. Offsets not in this
 * table, and accesses of a width a register does not take, read as zero and
 * ignore writes (vgic-mmio.c): the registers the guest only reads as zero
 * are in vgic_v5_irs_raz_wi_registers, which only userspace looks in, so
 * that a guest access searches the registers it can use.
 */
static const struct vgic_register_region vgic_v5_irs_registers[] = {
	IRS_REG32_U(GICV5_IRS_IDR0, vgic_v5_irs_read_idr0, vgic_mmio_write_wi,
		    NULL, vgic_v5_irs_uaccess_write_idr0),
	IRS_REG32_U(GICV5_IRS_IDR1, vgic_v5_irs_read_idr1, vgic_mmio_write_wi,
		    NULL, vgic_v5_irs_uaccess_write_idr1),
	IRS_REG32_U(GICV5_IRS_IDR2, vgic_v5_irs_read_idr2, vgic_mmio_write_wi,
		    NULL, vgic_v5_irs_uaccess_write_idr2),
	IRS_REG32_U(GICV5_IRS_IDR5, vgic_v5_irs_read_spi_range,
		    vgic_mmio_write_wi, NULL,
		    vgic_v5_irs_uaccess_write_spi_range),
	IRS_REG32_U(GICV5_IRS_IDR6, vgic_v5_irs_read_spi_range,
		    vgic_mmio_write_wi, NULL,
		    vgic_v5_irs_uaccess_write_spi_range),
	/* IDR7: SPI_BASE 0 */
	IRS_REG32_U(GICV5_IRS_IDR7, vgic_mmio_read_raz, vgic_mmio_write_wi,
		    NULL, vgic_v5_irs_uaccess_write_spi_base),
	IRS_REG32(GICV5_IRS_IIDR, vgic_v5_irs_read_iidr, vgic_mmio_write_wi),
	IRS_REG32_U(GICV5_IRS_CR0, vgic_v5_irs_read_cr0, vgic_v5_irs_write_cr0,
		    NULL, vgic_v5_irs_uaccess_write_cr0),
	IRS_REG32_U(GICV5_IRS_CR1, vgic_v5_irs_read_cr1, vgic_v5_irs_write_cr1,
		    NULL, vgic_v5_irs_uaccess_write_cr1),
	IRS_REG32(GICV5_IRS_SYNC_STATUSR, vgic_v5_irs_read_idle, vgic_mmio_write_wi),
	IRS_REG32_U(GICV5_IRS_SPI_SELR, vgic_v5_irs_read_spi_selr,
		    vgic_v5_irs_write_spi_selr, NULL,
		    vgic_v5_irs_uaccess_write_spi_selr),
	IRS_REG32(GICV5_IRS_SPI_DOMAINR, vgic_v5_irs_read_spi_domainr,
		  vgic_mmio_write_wi),
	IRS_REG32(GICV5_IRS_SPI_CFGR, vgic_v5_irs_read_spi_cfgr,
		  vgic_v5_irs_write_spi_cfgr),
	/* *_STATUSR: userspace reads exactly IDLE */
	IRS_REG32_U(GICV5_IRS_SPI_STATUSR, vgic_v5_irs_read_spi_statusr,
		    vgic_mmio_write_wi, vgic_v5_irs_read_idle, NULL),
	IRS_REG32_U(GICV5_IRS_PE_SELR, vgic_v5_irs_read_pe_selr,
		    vgic_v5_irs_write_pe_selr, NULL,
		    vgic_v5_irs_uaccess_write_pe_selr),
	IRS_REG32_U(GICV5_IRS_PE_STATUSR, vgic_v5_irs_read_pe_statusr,
		    vgic_mmio_write_wi, vgic_v5_irs_read_idle, NULL),
	IRS_REG32(GICV5_IRS_PE_CR0, vgic_v5_irs_read_pe_cr0, vgic_mmio_write_wi),
	IRS_REG64_U(GICV5_IRS_IST_BASER, vgic_v5_irs_read_ist_baser,
		    vgic_v5_irs_write_ist_baser, NULL,
		    vgic_v5_irs_uaccess_write_ist_baser),
	IRS_REG32_U(GICV5_IRS_IST_CFGR, vgic_v5_irs_read_ist_cfgr,
		    vgic_v5_irs_write_ist_cfgr, NULL,
		    vgic_v5_irs_uaccess_write_ist_cfgr),
	IRS_REG32(GICV5_IRS_IST_STATUSR, vgic_v5_irs_read_idle, vgic_mmio_write_wi),
	IRS_REG32(GICV5_IRS_MAP_L2_ISTR, vgic_mmio_read_raz,
		  vgic_v5_irs_write_map_l2_istr),
	IRS_REG32(IRS_DEVARCH, vgic_v5_irs_read_devarch, vgic_mmio_write_wi),
	REGISTER_DESC_WITH_LENGTH(IRS_PIDR4, vgic_v5_irs_read_coresight_id,
				  vgic_mmio_write_wi, IRS_CIDR3 + 4 - IRS_PIDR4,
				  VGIC_ACCESS_32bit),
	IRS_REG32(IRS_SETLPIR, vgic_mmio_read_raz, vgic_v5_irs_write_setlpir),
};

/* The CONFIG_FRAME's other registers, which userspace saves and restores */
static const struct vgic_register_region vgic_v5_irs_raz_wi_registers[] = {
	/* IDR3, IDR4: no virtualization */
	IRS_RAZ_WI32(GICV5_IRS_IDR3),
	IRS_RAZ_WI32(GICV5_IRS_IDR4),
	/* AIDR: an IRS of GICv5.0 */
	IRS_RAZ_WI32(GICV5_IRS_AIDR),
	IRS_RAZ_WI32(GICV5_IRS_SYNCR),
	IRS_RAZ_WI64(GICV5_IRS_SPI_VMR),
	IRS_RAZ_WI32(GICV5_IRS_SPI_RESAMPLER),
	/* Virtualization (IDR0.VIRT = 0) */
	IRS_RAZ_WI64(GICV5_IRS_VMT_BASER),
	IRS_RAZ_WI32(GICV5_IRS_VMT_CFGR),
	IRS_RAZ_WI32(GICV5_IRS_VMT_STATUSR),
	IRS_RAZ_WI64(GICV5_IRS_VPE_SELR),
	IRS_RAZ_WI64(GICV5_IRS_VPE_DBR),
	IRS_RAZ_WI64(GICV5_IRS_VPE_HPPIR),
	IRS_RAZ_WI32(GICV5_IRS_VPE_CR0),
	IRS_RAZ_WI32(GICV5_IRS_VPE_STATUSR),
	IRS_RAZ_WI64(GICV5_IRS_VM_DBR),
	IRS_RAZ_WI32(GICV5_IRS_VM_SELR),
	IRS_RAZ_WI32(GICV5_IRS_VM_STATUSR),
	IRS_RAZ_WI64(GICV5_IRS_VMAP_L2_VMTR),
	IRS_RAZ_WI64(GICV5_IRS_VMAP_VMR),
	IRS_RAZ_WI64(GICV5_IRS_VMAP_VISTR),
	IRS_RAZ_WI64(GICV5_IRS_VMAP_L2_VISTR),
	IRS_RAZ_WI64(GICV5_IRS_VMAP_VPER),
	IRS_RAZ_WI64(GICV5_IRS_SAVE_VMR),
	IRS_RAZ_WI32(GICV5_IRS_SAVE_VM_STATUSR),
	/* No MEC, MPAM or software error reporting */
	IRS_RAZ_WI32(GICV5_IRS_MEC_IDR),
	IRS_RAZ_WI32(GICV5_IRS_MEC_MECID_R),
	IRS_RAZ_WI32(GICV5_IRS_MPAM_IDR),
	IRS_RAZ_WI32(GICV5_IRS_MPAM_PARTID_R),
	IRS_RAZ_WI64(GICV5_IRS_SWERR_STATUSR),
	IRS_RAZ_WI64(GICV5_IRS_SWERR_SYNDROMER0),
	IRS_RAZ_WI64(GICV5_IRS_SWERR_SYNDROMER1),
};

/**
 * vgic_v5_init_irs_iodev() - Set up the guest's IRS MMIO device
 * @dev: the device, at the IRS base address
 *
 * Return: the size of the IRS frames.
 */
unsigned int vgic_v5_init_irs_iodev(struct vgic_io_device *dev)
{
	dev->regions = vgic_v5_irs_registers;
	dev->nr_regions = ARRAY_SIZE(vgic_v5_irs_registers);

	kvm_iodevice_init(&dev->dev, &kvm_io_gic_ops);

	return KVM_VGIC_V5_IRS_SIZE;
}

/**
 * vgic_v5_find_uaccess_region() - A GICv5 frame's register, for userspace
 * @regions:	the frame's register table
 * @nr_regions:	its number of entries
 * @frame_size:	bytes of the frame userspace reaches: further offsets have
 *		no register
 * @offset:	offset of the register in the frame
 * @len:	the access size: 8 for a 64-bit register, 4 otherwise
 *
 * Userspace accesses 64-bit registers whole, at their 8-byte-aligned
 * offset, and 32-bit ones 4-byte aligned.
 *
 * Return: the register's region, ERR_PTR(-ENXIO) if there is none,
 * ERR_PTR(-EINVAL) for a misaligned offset or one into a 64-bit register.
 */
const struct vgic_register_region *
vgic_v5_find_uaccess_region(const struct vgic_register_region *regions,
			    int nr_regions, u32 frame_size, u32 offset,
			    unsigned int *len)
{
	const struct vgic_register_region *region;

	if (offset >= frame_size)
		return ERR_PTR(-ENXIO);

	region = vgic_find_mmio_region(regions, nr_regions, offset);
	if (!region)
		return ERR_PTR(-ENXIO);

	if (region->access_flags & VGIC_ACCESS_64bit) {
		if (offset != region->reg_offset)
			return ERR_PTR(-EINVAL);
		*len = 8;
	} else {
		if (!IS_ALIGNED(offset, 4))
			return ERR_PTR(-EINVAL);
		*len = 4;
	}

	return region;
}

/* The SETLPI frame has no userspace registers */
static const struct vgic_register_region *
vgic_v5_irs_uaccess_region(u32 offset, unsigned int *len)
{
	const struct vgic_register_region *region;

	region = vgic_v5_find_uaccess_region(vgic_v5_irs_registers,
					     ARRAY_SIZE(vgic_v5_irs_registers),
					     IRS_SETLPI_FRAME, offset, len);
	if (PTR_ERR_OR_ZERO(region) != -ENXIO)
		return region;

	return vgic_v5_find_uaccess_region(vgic_v5_irs_raz_wi_registers,
					   ARRAY_SIZE(vgic_v5_irs_raz_wi_registers),
					   IRS_SETLPI_FRAME, offset, len);
}

/**
 * vgic_v5_irs_has_reg() - KVM_HAS_DEVICE_ATTR on KVM_DEV_ARM_VGIC_GRP_IRS_REGS
 * @offset: CONFIG_FRAME offset
 *
 * Return: 0 if userspace can access a register at @offset, -ENXIO if there
 * is none, -EINVAL for a misaligned offset or one into a 64-bit register.
 */
int vgic_v5_irs_has_reg(u32 offset)
{
	unsigned int len;

	return PTR_ERR_OR_ZERO(vgic_v5_irs_uaccess_region(offset, &len));
}

/**
 * vgic_v5_irs_uaccess() - Userspace access to a guest IRS register
 * @kvm:	the VM, with an initialised IRS, every vCPU locked and the
 *		config_lock held
 * @offset:	CONFIG_FRAME offset
 * @is_write:	write *@val rather than read into it
 * @val:	the value; a 32-bit register reads zero-extended and ignores
 *		the upper half on write
 *
 * Reads see what the guest sees, but for the *_STATUSR, which read exactly
 * IDLE. Writes restore state only, and validate the ID registers against
 * what KVM offers on this host.
 *
 * Return: 0, -ENXIO or -EINVAL as vgic_v5_irs_has_reg(), or -EINVAL for a
 * value this IRS cannot have.
 */
int vgic_v5_irs_uaccess(struct kvm *kvm, u32 offset, bool is_write, u64 *val)
{
	const struct vgic_register_region *region;
	struct kvm_vcpu *vcpu = kvm_get_vcpu(kvm, 0);
	unsigned int len;

	lockdep_assert_held(&kvm->arch.config_lock);

	region = vgic_v5_irs_uaccess_region(offset, &len);
	if (IS_ERR(region))
		return PTR_ERR(region);
	if (!vcpu)
		return -ENXIO;

	if (is_write) {
		if (len == 4)
			*val = lower_32_bits(*val);
		if (!region->uaccess_write)
			return 0;
		return region->uaccess_write(vcpu, offset, len, *val);
	}

	if (region->uaccess_read)
		*val = region->uaccess_read(vcpu, offset, len);
	else
		*val = region->read(vcpu, offset, len);
	if (len == 4)
		*val = lower_32_bits(*val);

	return 0;
}

/* The registers' reset values, but for the ID registers */
static void vgic_v5_irs_reset_regs(struct kvm *kvm)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);

	WRITE_ONCE(kvm->arch.vgic.gicv5_vm.irs_enabled, false);
	frame->cr1 = 0;
	frame->spi_selr = FIELD_MAX(GICV5_IRS_SPI_SELR_ID);
	frame->pe_selr = FIELD_MAX(GICV5_IRS_PE_SELR_IAFFID);
	WRITE_ONCE(frame->ist_cfgr, 0);
	WRITE_ONCE(frame->ist_baser, 0);
}

/**
 * vgic_v5_irs_frame_reset() - Reset the guest's IRS registers
 * @kvm: the VM, being initialised by vgic_init()
 */
void vgic_v5_irs_frame_reset(struct kvm *kvm)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);

	lockdep_assert_held(&kvm->arch.config_lock);

	frame->idr0 = vgic_v5_irs_offered_idr0(kvm);
	frame->pri_bits = vgic_v5_irs_offered_pri_bits();
	frame->idr2 = vgic_v5_irs_offered_idr2();
	vgic_v5_irs_reset_regs(kvm);
	bitmap_zero(frame->level_high, VGIC_V5_MAX_SPIS);
	atomic_set(&frame->nr_level_high, 0);
}

/**
 * vgic_v5_irs_reset() - Put the guest's IRS back as CTRL_INIT left it
 * @kvm: the VM, initialised with an IRS, all its vCPUs locked
 *
 * For a VMM's system reset (KVM_DEV_ARM_VGIC_CTRL_RESET), which may come
 * after the VM ran. The SPI ISTEs are zeroed with the VM out of the IRS's
 * view, the LPI IST is dropped with what was pending in it, each SPI is
 * edge-triggered with no latched edge, and the registers are reset but
 * for the ID registers, which are the VM's configuration. The SPIs' input
 * lines stay as the VMM drives them: a level SPI whose line is high is
 * pending again once the guest configures it as level.
 *
 * Return: 0, or -ENOMEM or -EBUSY (the VM does not quiesce) with nothing
 * changed, -ENXIO (the VM is dead), -EINVAL or -ETIMEDOUT (the IRS did
 * not carry out a VM table command: the VM is then dead).
 */
int vgic_v5_irs_reset(struct kvm *kvm)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);
	u32 i, nr_spis = kvm->arch.vgic.nr_spis;
	__le32 *zero;
	int ret, end;

	lockdep_assert_held(&kvm->arch.config_lock);

	zero = kvcalloc(nr_spis, sizeof(*zero), GFP_KERNEL_ACCOUNT);
	if (!zero)
		return -ENOMEM;

	guard(mutex)(&frame->lock);

	ret = vgic_v5_irs_restore_begin(kvm);
	if (ret) {
		/* SPIs raised meanwhile were latched: hand them to the IRS */
		if (ret == -EBUSY)
			vgic_v5_irs_requeue_spis(kvm);
		goto out;
	}

	ret = vgic_v5_irs_write_istes(kvm, GICV5_HWIRQ_TYPE_SPI, 0, nr_spis,
				      zero, true);
	end = vgic_v5_irs_restore_end(kvm);
	if (ret || end) {
		if (!end)
			vgic_v5_irs_requeue_spis(kvm);
		ret = ret ?: end;
		goto out;
	}

	if (frame->nr_lpis)
		vgic_v5_irs_unmap_guest_ist(kvm);

	for (i = 0; i < nr_spis; i++) {
		struct vgic_irq *irq = vgic_get_irq(kvm, vgic_v5_make_spi(i));

		if (!irq)
			continue;
		scoped_guard(raw_spinlock_irqsave, &irq->irq_lock) {
			irq->config = VGIC_CONFIG_EDGE;
			irq->pending_latch = false;
			vgic_v5_spi_track_level(kvm, irq);
		}
		vgic_put_irq(kvm, irq);
	}

	vgic_v5_irs_reset_regs(kvm);
out:
	kvfree(zero);
	return ret;
}

/**
 * vgic_v5_irs_frame_destroy() - Drop the guest's LPI IST
 * @kvm: the VM, being destroyed: no vCPU runs and no irqfd is left
 */
void vgic_v5_irs_frame_destroy(struct kvm *kvm)
{
	struct vgic_v5_irs_frame *frame = vgic_v5_irs_frame(kvm);

	/* A restored IST_BASER may be valid with no LPI IST behind it */
	if (frame->nr_lpis)
		vgic_v5_irs_unmap_guest_ist(kvm);
	frame->ist_baser = 0;
}
