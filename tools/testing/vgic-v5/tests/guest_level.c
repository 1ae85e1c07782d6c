// SPDX-License-Identifier: GPL-2.0
/*
 * Level SPIs and irqfd resamplers on GICv5. The host vIST handles SPIs as
 * edges (the IRS clears pending on acknowledge), so while a level SPI's
 * line is high KVM traps the guest's GIC CDEOI (ICH_HFGITR_EL2.GICCDEOI,
 * negative polarity) and makes the SPI pending again, or resamples it at
 * the next exit when it has an irqfd resampler.
 *
 * The guest takes interrupts as Linux's gicv5_handle_irq() does: GICR CDIA,
 * GIC CDEOI at once, the handler, then GIC CDDI from irq_eoi. It sets SPI
 * trigger modes through IRS_SPI_CFGR only (no GIC CDHM for SPIs).
 */
#include <pthread.h>

#include "harness.h"
#include "vt.h"

#define IRS_BASE	HARNESS_V5_IRS_BASE
#define SPI(n)		vgic_v5_make_spi(n)
#define TYPE_ID		(GICV5_GIC_CDIA_TYPE_MASK | GICV5_GIC_CDIA_ID_MASK)

/*
 * A v5 VM whose vCPU 0 is loaded on this thread, its guest IRS enabled and
 * the PE registered, SPIs @edge (edge) and @level (level) routed to it.
 */
static struct kvm *level_vm(u32 edge, u32 level)
{
	struct kvm *kvm = harness_v5_irs_vm();

	if (!kvm)
		return NULL;
	harness_v5_guest_spi(kvm_get_vcpu(kvm, 0), edge, false, 6);
	harness_v5_guest_spi(kvm_get_vcpu(kvm, 0), level, true, 4);
	harness_events_clear();
	return kvm;
}

static void level_vm_destroy(struct kvm *kvm)
{
	harness_vcpu_put(kvm_get_vcpu(kvm, 0));
	harness_vm_destroy(kvm);
}

static int line(struct kvm *kvm, u32 spi, bool level)
{
	return harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, spi), level);
}

static bool cdeoi_trapped(struct kvm_vcpu *vcpu)
{
	return !(*vcpu_fgt(vcpu, ICH_HFGITR_EL2) & ICH_HFGITR_EL2_GICCDEOI);
}

/* The INTID a guest callback took */
static u32 taken;

VT_TEST(guest_level_spi_follows_the_line)
{
	struct kvm *kvm = level_vm(10, 11);
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);

	/* No level line high: nothing trapped */
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	VT_EXPECT(!cdeoi_trapped(v0));

	/* An edge is taken once, though its line stays high */
	VT_EXPECT_EQ(line(kvm, 10, true), 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(10));
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	VT_EXPECT(!cdeoi_trapped(v0));
	VT_EXPECT_EQ(harness_events(HE_TRAP, NULL, 0, NULL), 0);

	/* A level SPI is taken again for as long as its line is high */
	VT_EXPECT_EQ(line(kvm, 11, true), 0);
	for (int i = 0; i < 3; i++)
		VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(11));
	VT_EXPECT(cdeoi_trapped(v0));
	VT_EXPECT_EQ(harness_events(HE_TRAP, "trap", 1, NULL), 3);
	VT_EXPECT_EQ(line(kvm, 11, false), 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	/* The trap goes with the last high level line */
	VT_EXPECT(!cdeoi_trapped(v0));

	/* Lowered by the device while the guest handles it: not taken again */
	VT_EXPECT_EQ(line(kvm, 11, true), 0);
	harness_vcpu_enter_exit(v0, NULL);
	VT_EXPECT(cdeoi_trapped(v0));
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(11));
	VT_EXPECT_EQ(line(kvm, 11, false), 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	level_vm_destroy(kvm);
}

static struct kvm *handler_kvm;

/* The device deasserts its interrupt from the guest's handler (MMIO exit) */
static void lower_11(struct kvm_vcpu *vcpu)
{
	VT_EXPECT_EQ(line(handler_kvm, 11, false), 0);
}

VT_TEST(guest_level_spi_lowered_in_handler_is_taken_once)
{
	struct kvm *kvm = level_vm(10, 11);
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	handler_kvm = kvm;
	VT_EXPECT_EQ(line(kvm, 11, true), 0);
	VT_EXPECT_EQ(harness_run_take(v0, lower_11), SPI(11));
	/* Made pending again at the CDEOI, cleared when the line dropped */
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	VT_EXPECT_EQ(gm_guest_running_prio(harness_gm(), harness_this_cpu()), 32);
	level_vm_destroy(kvm);
}

/* The running priority: a trapped CDEOI drops it as the CPU interface would */
static u32 prio_seen;
static void take_and_look(struct kvm_vcpu *vcpu)
{
	u64 ia = harness_guest_cdia();

	VT_EXPECT(GICV5_GICR_CDIA_VALID(ia));
	VT_EXPECT_EQ(gm_guest_running_prio(harness_gm(), harness_this_cpu()), 4);
	harness_guest_insn(GM_CDEOI, 0);
	prio_seen = gm_guest_running_prio(harness_gm(), harness_this_cpu());
	harness_guest_insn(GM_CDDI, ia & TYPE_ID);
}

VT_TEST(guest_level_spi_trapped_cdeoi_drops_priority)
{
	struct kvm *kvm = level_vm(10, 11);
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	VT_EXPECT_EQ(line(kvm, 11, true), 0);
	harness_vcpu_enter_exit(v0, take_and_look);
	VT_EXPECT_EQ(prio_seen, 32);
	VT_EXPECT_EQ(harness_events(HE_TRAP, NULL, 0, NULL), 1);
	VT_EXPECT_EQ(harness_events(HE_HYP_CALL, "__vgic_v5_priority_drop", 0, NULL), 1);
	VT_EXPECT_EQ(line(kvm, 11, false), 0);
	level_vm_destroy(kvm);
}

/*
 * The line goes high while the vCPU runs without the trap: the guest may
 * take the SPI and drop its priority untrapped. The vCPU is kicked, and at
 * its next entry the SPI is made pending again.
 */
static void raise_then_take(struct kvm_vcpu *vcpu)
{
	VT_EXPECT_EQ(line(handler_kvm, 11, true), 0);
	taken = harness_guest_take(vcpu, NULL);
}

static void raise_12(struct kvm_vcpu *vcpu)
{
	harness_v5_guest_spi_type(vcpu, 12, true);
	VT_EXPECT_EQ(line(handler_kvm, 12, true), 0);
}

VT_TEST(guest_level_spi_raised_while_running_untrapped)
{
	struct kvm *kvm = level_vm(10, 11);
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	handler_kvm = kvm;
	harness_vcpu_enter_exit(v0, raise_then_take);
	VT_EXPECT_EQ(taken, SPI(11));
	VT_EXPECT_EQ(harness_events(HE_TRAP, NULL, 0, NULL), 0);
	VT_EXPECT_EQ(harness_vcpu_kicks(v0), 1);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(11));
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(11));
	VT_EXPECT_EQ(line(kvm, 11, false), 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	/*
	 * Out of the guest (or blocked in WFI), the vCPU is not kicked, nor
	 * woken: it traps from its next entry on
	 */
	VT_EXPECT_EQ(line(kvm, 11, true), 0);
	VT_EXPECT_EQ(harness_vcpu_kicks(v0), 1);
	harness_vcpu_enter_exit(v0, NULL);
	VT_EXPECT(cdeoi_trapped(v0));
	/* A second high line does not kick again while one is high */
	harness_vcpu_enter_exit(v0, raise_12);
	VT_EXPECT_EQ(harness_vcpu_kicks(v0), 1);
	VT_EXPECT_EQ(line(kvm, 11, false), 0);
	VT_EXPECT_EQ(line(kvm, 12, false), 0);
	level_vm_destroy(kvm);
}

VT_TEST(guest_level_spi_trigger_mode_change)
{
	struct kvm *kvm = level_vm(10, 11);
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	VT_EXPECT_EQ(line(kvm, 11, true), 0);
	harness_vcpu_enter_exit(v0, NULL);
	VT_EXPECT(cdeoi_trapped(v0));
	/* Made edge while high: no longer re-pended, and no trap */
	harness_v5_guest_spi_type(v0, 11, false);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(11));
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	VT_EXPECT(!cdeoi_trapped(v0));
	/* Made level again: the VMM never lowered the line, so it is high */
	harness_v5_guest_spi_type(v0, 11, true);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(11));
	VT_EXPECT(cdeoi_trapped(v0));
	VT_EXPECT_EQ(line(kvm, 11, false), 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	VT_EXPECT(!cdeoi_trapped(v0));
	level_vm_destroy(kvm);
}

/*
 * KVM keeps the line of an edge SPI too: a guest that makes the SPI level
 * sees it pending exactly while the device holds the line high, whatever
 * the line did while the SPI was edge.
 */
VT_TEST(guest_level_spi_line_kept_while_edge)
{
	struct kvm *kvm = level_vm(10, 11);
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	/* Lowered while edge: made level again, it is not pending */
	VT_EXPECT_EQ(line(kvm, 11, true), 0);
	harness_vcpu_enter_exit(v0, NULL);
	harness_v5_guest_spi_type(v0, 11, false);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(11));
	VT_EXPECT_EQ(line(kvm, 11, false), 0);
	harness_v5_guest_spi_type(v0, 11, true);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	VT_EXPECT(!cdeoi_trapped(v0));
	/* Raised while edge: taken once, then again while level and high */
	VT_EXPECT_EQ(line(kvm, 10, true), 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(10));
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	harness_v5_guest_spi_type(v0, 10, true);
	for (int i = 0; i < 2; i++)
		VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(10));
	VT_EXPECT(cdeoi_trapped(v0));
	VT_EXPECT_EQ(line(kvm, 10, false), 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	VT_EXPECT(!cdeoi_trapped(v0));
	level_vm_destroy(kvm);
}

/* An irqfd resampler (virt/kvm/eventfd.c): lowers the line, tells the VMM */
struct resampler {
	struct kvm_irq_ack_notifier kian;
	struct kvm *kvm;
	int acks;
};

static void resampler_ack(struct kvm_irq_ack_notifier *kian)
{
	struct resampler *r = container_of(kian, struct resampler, kian);

	/* kvm_set_irq(kvm, KVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID, gsi, 0, false) */
	VT_EXPECT_EQ(harness_set_irq(r->kvm, kian->gsi, 0), 0);
	r->acks++;
}

static struct resampler *cur_resampler;
static int acks_in_handler;

static void resampler_register(struct resampler *r, struct kvm *kvm, u32 gsi)
{
	*r = (struct resampler){
		.kian = { .gsi = gsi, .irq_acked = resampler_ack }, .kvm = kvm,
	};
	cur_resampler = r;
	kvm_register_irq_ack_notifier(kvm, &r->kian);
}

static void note_acks(struct kvm_vcpu *vcpu)
{
	acks_in_handler = cur_resampler->acks;
}

VT_TEST(guest_level_spi_resamplefd)
{
	struct kvm *kvm = level_vm(10, 12);
	struct resampler r;
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	resampler_register(&r, kvm, 12);

	/* irqfd with a resampler: the line is raised (default route 12) */
	VT_EXPECT(harness_set_irq(kvm, 12, 1) >= 0);
	VT_EXPECT_EQ(harness_run_take(v0, note_acks), SPI(12));
	/* Resampled once, after the handler ran, not at the priority drop */
	VT_EXPECT_EQ(acks_in_handler, 0);
	VT_EXPECT_EQ(r.acks, 1);
	VT_EXPECT_EQ(harness_events(HE_ACK_NOTIFY, NULL, 13, NULL), 1);
	/* The resampler lowered the line: not taken again, no trap left */
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	VT_EXPECT(!cdeoi_trapped(v0));
	VT_EXPECT_EQ(r.acks, 1);

	/* The VMM finds the device still asserting and triggers again */
	VT_EXPECT(harness_set_irq(kvm, 12, 1) >= 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(12));
	VT_EXPECT_EQ(r.acks, 2);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);

	/* Level SPIs without a resampler are not resampled */
	VT_EXPECT_EQ(line(kvm, 10, true), 0);
	harness_v5_guest_spi_type(v0, 10, true);
	VT_EXPECT_EQ(line(kvm, 10, false), 0);
	VT_EXPECT_EQ(line(kvm, 10, true), 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(10));
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(10));
	VT_EXPECT_EQ(r.acks, 2);
	VT_EXPECT_EQ(line(kvm, 10, false), 0);

	kvm_unregister_irq_ack_notifier(kvm, &r.kian);
	level_vm_destroy(kvm);
}

static bool cddi_trapped(struct kvm_vcpu *vcpu)
{
	return !(*vcpu_fgt(vcpu, ICH_HFGITR_EL2) & ICH_HFGITR_EL2_GICCDDI);
}

/*
 * A trapped CDEOI of another interrupt, while a level SPI with a resampler
 * is high but not taken on this vCPU, leaves GIC CDDI trapped only for as
 * long as a level line is high: then nothing is left to resample.
 */
VT_TEST(guest_level_spi_cddi_trap_ends_with_the_lines)
{
	struct kvm *kvm = level_vm(10, 12);
	struct resampler r;
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	resampler_register(&r, kvm, 12);
	/* SPI 12 high but disabled here; SPI 10 taken meanwhile */
	harness_guest_insn(GM_CDDIS, SPI(12) & TYPE_ID);
	VT_EXPECT(harness_set_irq(kvm, 12, 1) >= 0);
	VT_EXPECT_EQ(line(kvm, 10, true), 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(10));
	VT_EXPECT(cdeoi_trapped(v0));
	VT_EXPECT_EQ(r.acks, 0);
	/* The device behind SPI 12 is done: no level line high */
	VT_EXPECT_EQ(line(kvm, 12, false), 0);
	VT_EXPECT_EQ(line(kvm, 10, false), 0);
	VT_EXPECT_EQ(line(kvm, 10, true), 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(10));
	harness_vcpu_enter_exit(v0, NULL);
	VT_EXPECT(!cdeoi_trapped(v0));
	VT_EXPECT(!cddi_trapped(v0));
	kvm_unregister_irq_ack_notifier(kvm, &r.kian);
	level_vm_destroy(kvm);
}

/*
 * The resample comes at the guest's deactivation (GIC CDDI, trapped after
 * the trapped CDEOI), not at the vCPU's next exit: a guest that keeps
 * running after its handler does not stall the device. And not at the
 * priority drop: the handler has run by then.
 */
static int acks_after_take;

static void take_and_run_on(struct kvm_vcpu *vcpu)
{
	taken = harness_guest_take(vcpu, note_acks);
	/* Still in the guest: no exit since the deactivation */
	acks_after_take = cur_resampler->acks;
}

VT_TEST(guest_level_spi_resampled_at_deactivation_without_exit)
{
	struct kvm *kvm = level_vm(10, 12);
	struct resampler r;
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	resampler_register(&r, kvm, 12);

	VT_EXPECT(harness_set_irq(kvm, 12, 1) >= 0);
	harness_vcpu_enter_exit(v0, take_and_run_on);
	VT_EXPECT_EQ(taken, SPI(12));
	VT_EXPECT_EQ(acks_in_handler, 0);
	VT_EXPECT_EQ(acks_after_take, 1);
	VT_EXPECT_EQ(r.acks, 1);
	/* CDDI trapped once, ran again untrapped; no trap left after it */
	VT_EXPECT_EQ(harness_events(HE_TRAP, "trap", 1, NULL), 2);
	VT_EXPECT(*vcpu_fgt(v0, ICH_HFGITR_EL2) & ICH_HFGITR_EL2_GICCDDI);
	/* The resampler lowered the line: not taken twice */
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	VT_EXPECT_EQ(r.acks, 1);

	kvm_unregister_irq_ack_notifier(kvm, &r.kian);
	level_vm_destroy(kvm);
}

/* irqfd with a resampler fires while the vCPU runs without the trap */
static void irqfd_then_take(struct kvm_vcpu *vcpu)
{
	VT_EXPECT(harness_set_irq(cur_resampler->kvm, 12, 1) >= 0);
	taken = harness_guest_take(vcpu, NULL);
}

VT_TEST(guest_level_spi_resample_raised_while_running_untrapped)
{
	struct kvm *kvm = level_vm(10, 12);
	struct resampler r;
	struct kvm_vcpu *v0;

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	resampler_register(&r, kvm, 12);

	/* Taken, and its priority dropped, before the kick lands: no resample */
	harness_vcpu_enter_exit(v0, irqfd_then_take);
	VT_EXPECT_EQ(taken, SPI(12));
	VT_EXPECT_EQ(r.acks, 0);
	/* The next entry traps CDEOI and makes it pending again */
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(12));
	VT_EXPECT_EQ(r.acks, 1);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	VT_EXPECT(!cdeoi_trapped(v0));

	kvm_unregister_irq_ack_notifier(kvm, &r.kian);
	level_vm_destroy(kvm);
}

/*
 * Concurrency: two vCPU threads take interrupts in a loop (their CDEOIs
 * trapped while a level line is high) while an irqfd thread raises level
 * SPIs in atomic context and a resampler lowers one of them from the exit
 * path, and userspace toggles another line. Lockdep-lite and the sleep
 * checks fail the test on a lock inversion or a sleep in atomic context;
 * at the end, with every line low, nothing is left pending or trapped.
 */
#define ROUNDS	300

struct level_race {
	struct kvm *kvm;
	struct kvm_kernel_irq_routing_entry route;
	int vcpu;
	int errors;
};

static void *race_vcpu(void *arg)
{
	struct level_race *r = arg;
	struct kvm_vcpu *vcpu = kvm_get_vcpu(r->kvm, r->vcpu);

	harness_vcpu_load(vcpu);
	for (int i = 0; i < ROUNDS; i++)
		harness_run_take(vcpu, NULL);
	harness_vcpu_put(vcpu);
	return NULL;
}

/* irqfd_wakeup(): raise the resampled line, interrupts off */
static void *race_irqfd(void *arg)
{
	struct level_race *r = arg;

	for (int i = 0; i < ROUNDS; i++) {
		unsigned long flags;
		int ret;

		local_irq_save(flags);
		ret = kvm_arch_set_irq_inatomic(&r->route, r->kvm, 0, 1, false);
		local_irq_restore(flags);
		if (ret)
			r->errors++;
	}
	return NULL;
}

static void *race_user(void *arg)
{
	struct level_race *r = arg;

	/* Ends high */
	for (int i = 0; i < ROUNDS; i++)
		if (line(r->kvm, 11, i & 1))
			r->errors++;
	return NULL;
}

VT_TEST(guest_level_spi_concurrent_trap_and_resample)
{
	struct kvm_irq_routing_entry ue = {
		.gsi = 12, .type = KVM_IRQ_ROUTING_IRQCHIP, .u.irqchip = { 0, 12 },
	};
	struct kvm *kvm = harness_v5_vm(2, true);
	struct resampler res;
	struct level_race r[4] = {};
	void *(*fn[4])(void *) = { race_vcpu, race_vcpu, race_irqfd, race_user };
	struct kvm_vcpu *v0, *v1;
	pthread_t t[4];

	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	v1 = kvm_get_vcpu(kvm, 1);
	VT_ASSERT_EQ(harness_vcpu_first_run(v1), 0);
	harness_vcpu_load(v0);
	wr32(v0, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN);
	harness_v5_guest_spi_type(v0, 11, true);
	harness_v5_guest_spi_type(v0, 12, true);
	harness_v5_guest_spi_route(11, 4, 0);
	harness_v5_guest_spi_route(12, 5, 1);
	harness_vcpu_put(v0);
	resampler_register(&res, kvm, 12);

	for (int i = 0; i < 4; i++) {
		r[i].kvm = kvm;
		r[i].vcpu = i;
		r[i].route.gsi = ue.gsi;
		r[i].route.type = ue.type;
		VT_ASSERT_EQ(kvm_set_routing_entry(kvm, &r[i].route, &ue), 0);
	}
	for (int i = 0; i < 4; i++)
		VT_ASSERT_EQ(pthread_create(&t[i], NULL, fn[i], &r[i]), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);

	VT_EXPECT_EQ(r[2].errors + r[3].errors, 0);
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 0);
	VT_EXPECT_EQ(harness_reports(HR_SLEEP), 0);

	/*
	 * Whatever the interleaving: SPI 12 was raised and is high until the
	 * guest takes it and is resampled; SPI 11's line ended high.
	 */
	harness_vcpu_load(v1);
	for (int i = 0; i < 3 && harness_run_take(v1, NULL) == SPI(12); i++)
		;
	VT_EXPECT(res.acks > 0);
	VT_EXPECT(!test_bit(12, kvm->arch.vgic.gicv5_vm.irs_frame.level_high));
	VT_EXPECT_EQ(harness_run_take(v1, NULL), 0);
	harness_vcpu_put(v1);
	harness_vcpu_load(v0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(11));
	VT_EXPECT_EQ(harness_run_take(v0, NULL), SPI(11));
	VT_EXPECT_EQ(line(kvm, 11, false), 0);
	VT_EXPECT_EQ(harness_run_take(v0, NULL), 0);
	VT_EXPECT_EQ(atomic_read(&kvm->arch.vgic.gicv5_vm.irs_frame.nr_level_high), 0);
	VT_EXPECT(!cdeoi_trapped(v0));
	VT_EXPECT_EQ(gm_guest_running_prio(harness_gm(), harness_this_cpu()), 32);
	kvm_unregister_irq_ack_notifier(kvm, &res.kian);
	harness_vcpu_put(v0);
	harness_vm_destroy(kvm);
}
