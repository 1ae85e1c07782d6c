// SPDX-License-Identifier: GPL-2.0
/*
 * WFI and wake-ups through the kernel's vCPU life cycle (harness_run.c):
 * a vCPU thread runs KVM_RUN, its guest idles in WFI, the thread blocks in
 * kvm_vcpu_block() and really sleeps (switched out through
 * kvm_sched_out()). Another thread raises an SPI (KVM_IRQ_LINE, irqfd), an
 * LPI (GIC CDPEND from vCPU 0's KVM_RUN) or an MSI: the doorbell must wake
 * the vCPU, once, and its guest must take the interrupt. The interrupt
 * also comes while the thread is between kvm_vgic_put() and
 * kvm_vcpu_check_block(), or between kvm_vcpu_check_block() and
 * schedule(), with the thread preempted (switched out and in) there. Each
 * with hard-IRQ doorbells and with forced-threaded ones (threadirqs).
 */
#include <pthread.h>

#include "harness.h"
#include "vt.h"
#include "gicv5_model.h"

#define SETLPIR		(HARNESS_V5_IRS_BASE + 0x10000)
#define SPI(n)		vgic_v5_make_spi(n)
#define LPI(n)		vgic_v5_make_lpi(n)

/* Physical CPUs: the blocking vCPU runs on 3, the other threads on 1 */
#define VCPU_CPU	3
#define OTHER_CPU	1

#define WFI_SPI		10
#define WFI_LPI		100

/* ------------------------------------------------------------ the guest */

/*
 * The guest of the blocking vCPU: enables its CPU interface (ICH_VMCR_EL2
 * as its ICC_CR0_EL1/ICC_PCR_EL1 writes leave it), may acknowledge one
 * interrupt first and keep it active, then idles in WFI @rounds times,
 * taking one interrupt after each (as gicv5_handle_irq() does).
 */
struct wfi_guest {
	bool disabled;		/* ICH_VMCR_EL2.EN = 0 */
	u8 vpmr;
	bool ack_first;		/* CDIA without EOI before the first WFI */
	int rounds;		/* WFIs (default 1) */
	u32 first;		/* what ack_first acknowledged */
	u32 taken[4];		/* taken after each WFI */
	int entries;
};

static enum harness_exit wfi_guest(struct kvm_vcpu *vcpu, void *arg)
{
	struct wfi_guest *g = arg;
	int round = g->entries++;

	if (!round) {
		harness_sysreg_write(SYS_ICH_VMCR_EL2, "ICH_VMCR_EL2",
				     FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_EN, !g->disabled) |
				     FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_VPMR, g->vpmr));
		if (g->ack_first)
			g->first = harness_guest_cdia() &
				   (GICV5_GIC_CDIA_TYPE_MASK | GICV5_GIC_CDIA_ID_MASK);
		return HARNESS_EXIT_WFI;
	}
	if (round <= ARRAY_SIZE(g->taken))
		g->taken[round - 1] = harness_guest_take(vcpu, NULL);
	return round < max(g->rounds, 1) ? HARNESS_EXIT_WFI : HARNESS_EXIT_USER;
}

/* ------------------------------------------------------------- threads */

struct vcpu_thread {
	pthread_t thread;
	struct kvm_vcpu *vcpu;
	int cpu;
	harness_guest_t guest;
	void *arg;
	harness_run_hook_t hook;
	void *hook_arg;
	int ret;
};

static void *vcpu_thread_fn(void *p)
{
	struct vcpu_thread *t = p;

	harness_set_this_cpu(t->cpu);
	harness_set_run_hook(t->hook, t->hook_arg);
	t->ret = harness_kvm_run(t->vcpu, t->guest, t->arg);
	return NULL;
}

static void vcpu_thread_start(struct vcpu_thread *t)
{
	if (pthread_create(&t->thread, NULL, vcpu_thread_fn, t)) {
		vt_fail(__FILE__, __LINE__, "pthread_create");
		_exit(1);
	}
}

static void on_other_cpu(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, arg)) {
		vt_fail(__FILE__, __LINE__, "pthread_create");
		_exit(1);
	}
	pthread_join(t, NULL);
}

/* ----------------------------------------------------- the interrupt */

enum wfi_source { SRC_LINE, SRC_IRQFD, SRC_CDPEND, SRC_MSI };

struct raise {
	struct kvm *kvm;
	enum wfi_source src;
	u32 spi, lpi;
	int ret;
};

/* vCPU 0's guest makes LPI @lpi pending with GIC CDPEND */
static enum harness_exit cdpend_guest(struct kvm_vcpu *vcpu, void *arg)
{
	struct raise *r = arg;

	harness_guest_insn(GM_CDPEND, GM_CDPEND_PENDING | GM_INTID(GM_TYPE_LPI, r->lpi));
	return HARNESS_EXIT_USER;
}

/* Another thread (on OTHER_CPU) raises the interrupt */
static void *raise_fn(void *p)
{
	struct raise *r = p;
	struct kvm_kernel_irq_routing_entry msi = {
		.type = KVM_IRQ_ROUTING_MSI,
		.msi = { .address_lo = (u32)SETLPIR, .address_hi = SETLPIR >> 32,
			 .data = r->lpi },
	};
	struct vcpu_thread v0 = {
		.vcpu = kvm_get_vcpu(r->kvm, 0), .cpu = OTHER_CPU,
		.guest = cdpend_guest, .arg = r,
	};

	harness_set_this_cpu(OTHER_CPU);
	switch (r->src) {
	case SRC_LINE:
		r->ret = harness_irq_line(r->kvm,
					  harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, r->spi), true);
		break;
	case SRC_IRQFD:
		/* kvm_set_irq() of the default route GSI n -> SPI n */
		r->ret = harness_set_irq(r->kvm, r->spi, 1);
		break;
	case SRC_CDPEND:
		vcpu_thread_fn(&v0);
		r->ret = v0.ret;
		break;
	case SRC_MSI:
		r->ret = kvm_set_msi(&msi, r->kvm, 0, 1, false) == 1 ? 0 : -1;
		break;
	}
	return NULL;
}

static u32 expected_intid(const struct raise *r)
{
	return r->src == SRC_CDPEND || r->src == SRC_MSI ? LPI(r->lpi) : SPI(r->spi);
}

/* ---------------------------------------------------------------- setup */

/* vCPU 0's guest, as Linux boots: IST, IRS on, routes to vCPU 1 */
struct setup {
	u32 spi_prio[64];	/* 0: not routed */
	u32 lpi_prio;
};

static void route(u32 intid, u32 prio, u16 iaffid)
{
	u64 type_id = intid & (GICV5_HWIRQ_TYPE | GICV5_HWIRQ_ID);

	harness_guest_insn(GM_CDPRI, FIELD_PREP(GICV5_GIC_CDPRI_PRIORITY_MASK, prio) | type_id);
	if (FIELD_GET(GICV5_HWIRQ_TYPE, intid) == GICV5_HWIRQ_TYPE_LPI)
		harness_guest_insn(GM_CDHM, type_id);
	harness_guest_insn(GM_CDAFF, FIELD_PREP(GICV5_GIC_CDAFF_IAFFID_MASK, iaffid) | type_id);
	harness_guest_insn(GM_CDEN, type_id);
}

static struct kvm *wfi_vm(const struct setup *s)
{
	struct kvm *kvm = harness_v5_vm_dev(2, 64, true, NULL);
	struct kvm_vcpu *v0;

	if (!kvm)
		return NULL;
	if (harness_vcpu_first_run(kvm_get_vcpu(kvm, 1))) {
		vt_fail(__FILE__, __LINE__, "first run of vCPU 1");
		return NULL;
	}
	v0 = kvm_get_vcpu(kvm, 0);
	harness_vcpu_load(v0);
	wr32(v0, GICV5_IRS_IST_CFGR,
	     FIELD_PREP(GICV5_IRS_IST_CFGR_ISTSZ, GICV5_IRS_IST_CFGR_ISTSZ_4) |
	     FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, 12));
	wr64(v0, GICV5_IRS_IST_BASER, 0x48000000ULL | GICV5_IRS_IST_BASER_VALID);
	wr32(v0, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN);
	for (u32 i = 0; i < ARRAY_SIZE(s->spi_prio); i++)
		if (s->spi_prio[i])
			route(SPI(i), s->spi_prio[i] & 31, 1);
	route(LPI(WFI_LPI), s->lpi_prio, 1);
	harness_vcpu_put(v0);
	return kvm;
}

/* ------------------------------------------------ wake-up from WFI */

enum wfi_when {
	WHEN_ASLEEP,		/* the thread sleeps in schedule() */
	WHEN_BEFORE_CHECK,	/* after kvm_vgic_put(), then preempted */
	WHEN_AFTER_CHECK,	/* after kvm_vcpu_check_block(), then preempted */
};

struct hook_ctx {
	struct raise *r;
	enum harness_run_point point;
	bool done;
};

static void raise_hook(struct kvm_vcpu *vcpu, enum harness_run_point point, void *arg)
{
	struct hook_ctx *h = arg;

	if (h->done || point != h->point)
		return;
	h->done = true;
	on_other_cpu(raise_fn, h->r);
	/* ... and its doorbell handler ran, even if in a thread */
	synchronize_irq(vcpu->arch.vgic_cpu.vgic_v5.db_irq);
	/* Preempted here: switched out and back in on the same CPU */
	harness_preempt(-1);
}

static void wfi_wake(enum wfi_source src, bool threaded, enum wfi_when when)
{
	struct setup s = { .lpi_prio = 6 };
	struct wfi_guest g = { .vpmr = 31 };
	struct raise r = { .src = src, .spi = WFI_SPI, .lpi = WFI_LPI };
	struct hook_ctx h = {
		.r = &r,
		.point = when == WHEN_BEFORE_CHECK ? HARNESS_RUN_WFI_PUT
						   : HARNESS_RUN_BLOCK_CHECKED,
	};
	struct vcpu_thread t = { .cpu = VCPU_CPU, .guest = wfi_guest, .arg = &g };
	struct kvm_vcpu *v1;
	struct kvm *kvm;
	int db;

	harness_irq_force_threading(threaded);
	s.spi_prio[WFI_SPI] = 8;
	kvm = wfi_vm(&s);
	VT_ASSERT(kvm);
	r.kvm = kvm;
	v1 = kvm_get_vcpu(kvm, 1);
	db = v1->arch.vgic_cpu.vgic_v5.db_irq;
	VT_ASSERT(db > 0);
	t.vcpu = v1;
	if (when != WHEN_ASLEEP) {
		t.hook = raise_hook;
		t.hook_arg = &h;
	}

	vcpu_thread_start(&t);
	if (when == WHEN_ASLEEP) {
		VT_ASSERT(harness_wait_vcpu_asleep(v1));
		on_other_cpu(raise_fn, &r);
	}
	pthread_join(t.thread, NULL);

	VT_EXPECT_EQ(r.ret, 0);
	VT_EXPECT_EQ(t.ret, 0);
	VT_EXPECT_EQ(g.taken[0], expected_intid(&r));
	/* Woken once (or not at all when it came before sleeping), no spinning */
	VT_EXPECT_EQ(v1->harness_sleeps, when == WHEN_ASLEEP ? 1 : 0);
	VT_EXPECT_EQ(gm_doorbells_fired(harness_gm()), 1);
	/* On the CPU the vCPU blocked on */
	VT_EXPECT_EQ(harness_irq_handled(db), 1);
	VT_EXPECT_EQ(harness_irq_handled_cpu(db), VCPU_CPU);
	harness_vm_destroy(kvm);
	harness_irq_force_threading(false);
}

VT_TEST(wfi_wakes_asleep_spi_irq_line)
{
	wfi_wake(SRC_LINE, false, WHEN_ASLEEP);
}

VT_TEST(wfi_wakes_asleep_threaded_spi_irq_line)
{
	wfi_wake(SRC_LINE, true, WHEN_ASLEEP);
}

VT_TEST(wfi_wakes_before_check_spi_irq_line)
{
	wfi_wake(SRC_LINE, false, WHEN_BEFORE_CHECK);
}

VT_TEST(wfi_wakes_before_check_threaded_spi_irq_line)
{
	wfi_wake(SRC_LINE, true, WHEN_BEFORE_CHECK);
}

VT_TEST(wfi_wakes_after_check_spi_irq_line)
{
	wfi_wake(SRC_LINE, false, WHEN_AFTER_CHECK);
}

VT_TEST(wfi_wakes_after_check_threaded_spi_irq_line)
{
	wfi_wake(SRC_LINE, true, WHEN_AFTER_CHECK);
}

VT_TEST(wfi_wakes_asleep_spi_irqfd)
{
	wfi_wake(SRC_IRQFD, false, WHEN_ASLEEP);
}

VT_TEST(wfi_wakes_asleep_threaded_spi_irqfd)
{
	wfi_wake(SRC_IRQFD, true, WHEN_ASLEEP);
}

VT_TEST(wfi_wakes_before_check_spi_irqfd)
{
	wfi_wake(SRC_IRQFD, false, WHEN_BEFORE_CHECK);
}

VT_TEST(wfi_wakes_before_check_threaded_spi_irqfd)
{
	wfi_wake(SRC_IRQFD, true, WHEN_BEFORE_CHECK);
}

VT_TEST(wfi_wakes_after_check_spi_irqfd)
{
	wfi_wake(SRC_IRQFD, false, WHEN_AFTER_CHECK);
}

VT_TEST(wfi_wakes_after_check_threaded_spi_irqfd)
{
	wfi_wake(SRC_IRQFD, true, WHEN_AFTER_CHECK);
}

VT_TEST(wfi_wakes_asleep_lpi_cdpend)
{
	wfi_wake(SRC_CDPEND, false, WHEN_ASLEEP);
}

VT_TEST(wfi_wakes_asleep_threaded_lpi_cdpend)
{
	wfi_wake(SRC_CDPEND, true, WHEN_ASLEEP);
}

VT_TEST(wfi_wakes_before_check_lpi_cdpend)
{
	wfi_wake(SRC_CDPEND, false, WHEN_BEFORE_CHECK);
}

VT_TEST(wfi_wakes_before_check_threaded_lpi_cdpend)
{
	wfi_wake(SRC_CDPEND, true, WHEN_BEFORE_CHECK);
}

VT_TEST(wfi_wakes_after_check_lpi_cdpend)
{
	wfi_wake(SRC_CDPEND, false, WHEN_AFTER_CHECK);
}

VT_TEST(wfi_wakes_after_check_threaded_lpi_cdpend)
{
	wfi_wake(SRC_CDPEND, true, WHEN_AFTER_CHECK);
}

VT_TEST(wfi_wakes_asleep_msi)
{
	wfi_wake(SRC_MSI, false, WHEN_ASLEEP);
}

VT_TEST(wfi_wakes_asleep_threaded_msi)
{
	wfi_wake(SRC_MSI, true, WHEN_ASLEEP);
}

VT_TEST(wfi_wakes_before_check_msi)
{
	wfi_wake(SRC_MSI, false, WHEN_BEFORE_CHECK);
}

VT_TEST(wfi_wakes_before_check_threaded_msi)
{
	wfi_wake(SRC_MSI, true, WHEN_BEFORE_CHECK);
}

VT_TEST(wfi_wakes_after_check_msi)
{
	wfi_wake(SRC_MSI, false, WHEN_AFTER_CHECK);
}

VT_TEST(wfi_wakes_after_check_threaded_msi)
{
	wfi_wake(SRC_MSI, true, WHEN_AFTER_CHECK);
}

/* ------------------------------------------- doorbell request variants */

static void migrate_hook(struct kvm_vcpu *vcpu, enum harness_run_point point, void *arg)
{
	int *to = arg;

	if (point == HARNESS_RUN_BLOCK_CHECKED && *to >= 0) {
		harness_migrate_on_wake(*to);
		*to = -1;
	}
}

/* The doorbell follows the vCPU: it fires on the CPU the vCPU blocks on */
static void wfi_doorbell_cpu(bool threaded)
{
	struct setup s = { .lpi_prio = 6 };
	struct wfi_guest g = { .vpmr = 31, .rounds = 2 };
	struct raise r = { .src = SRC_LINE, .spi = WFI_SPI };
	int to = 2;
	struct vcpu_thread t = {
		.cpu = VCPU_CPU, .guest = wfi_guest, .arg = &g,
		.hook = migrate_hook, .hook_arg = &to,
	};
	struct kvm_vcpu *v1;
	struct kvm *kvm;
	int db;

	harness_irq_force_threading(threaded);
	s.spi_prio[WFI_SPI] = 8;
	s.spi_prio[WFI_SPI + 1] = 8;
	kvm = wfi_vm(&s);
	VT_ASSERT(kvm);
	r.kvm = kvm;
	v1 = kvm_get_vcpu(kvm, 1);
	t.vcpu = v1;
	db = v1->arch.vgic_cpu.vgic_v5.db_irq;

	vcpu_thread_start(&t);
	/* Blocks on CPU 3, will come back on CPU 2 */
	VT_ASSERT(harness_wait_vcpu_asleep(v1));
	on_other_cpu(raise_fn, &r);
	/* Blocks again, now on CPU 2 */
	for (int i = 0; i < 2000 && (v1->harness_sleeps < 2 || !harness_vcpu_asleep(v1)); i++)
		usleep(1000);
	VT_EXPECT(harness_vcpu_asleep(v1));
	VT_EXPECT_EQ(harness_irq_handled_cpu(db), VCPU_CPU);
	r.spi = WFI_SPI + 1;
	on_other_cpu(raise_fn, &r);
	pthread_join(t.thread, NULL);

	VT_EXPECT_EQ(t.ret, 0);
	VT_EXPECT_EQ(g.taken[0], SPI(WFI_SPI));
	VT_EXPECT_EQ(g.taken[1], SPI(WFI_SPI + 1));
	VT_EXPECT_EQ(harness_irq_handled(db), 2);
	VT_EXPECT_EQ(harness_irq_handled_cpu(db), 2);
	harness_vm_destroy(kvm);
	harness_irq_force_threading(false);
}

VT_TEST(wfi_doorbell_fires_on_the_blocking_cpu)
{
	wfi_doorbell_cpu(false);
}

VT_TEST(wfi_doorbell_fires_on_the_blocking_cpu_threaded)
{
	wfi_doorbell_cpu(true);
}

static enum harness_exit exit_at_once(struct kvm_vcpu *vcpu, void *arg)
{
	return HARNESS_EXIT_USER;
}

/*
 * Each vCPU's doorbell follows that vCPU: vCPU 0 ran on the CPU vCPU 1
 * then blocks on, where vCPU 0's doorbell already is, not vCPU 1's.
 */
VT_TEST(wfi_doorbell_follows_its_own_vcpu)
{
	struct setup s = { .lpi_prio = 6 };
	struct wfi_guest g = { .vpmr = 31 };
	struct raise r = { .src = SRC_LINE, .spi = WFI_SPI };
	struct vcpu_thread t0 = { .cpu = VCPU_CPU, .guest = exit_at_once };
	struct vcpu_thread t1 = { .cpu = VCPU_CPU, .guest = wfi_guest, .arg = &g };
	struct kvm_vcpu *v1;
	struct kvm *kvm;
	int db;

	s.spi_prio[WFI_SPI] = 8;
	kvm = wfi_vm(&s);
	VT_ASSERT(kvm);
	r.kvm = kvm;
	t0.vcpu = kvm_get_vcpu(kvm, 0);
	v1 = kvm_get_vcpu(kvm, 1);
	t1.vcpu = v1;
	db = v1->arch.vgic_cpu.vgic_v5.db_irq;
	VT_ASSERT(db > 0);

	vcpu_thread_start(&t0);
	pthread_join(t0.thread, NULL);
	VT_EXPECT_EQ(t0.ret, 0);

	vcpu_thread_start(&t1);
	VT_ASSERT(harness_wait_vcpu_asleep(v1));
	on_other_cpu(raise_fn, &r);
	pthread_join(t1.thread, NULL);

	VT_EXPECT_EQ(r.ret, 0);
	VT_EXPECT_EQ(t1.ret, 0);
	VT_EXPECT_EQ(g.taken[0], SPI(WFI_SPI));
	VT_EXPECT_EQ(harness_irq_handled(db), 1);
	VT_EXPECT_EQ(harness_irq_handled_cpu(db), VCPU_CPU);
	harness_vm_destroy(kvm);
}

/*
 * The guest blocks inside a handler of priority 4 (ICH_APR_EL2.P4 set):
 * the doorbell is for priorities 0..3 only. A priority-8 SPI leaves it
 * asleep, a priority-2 one wakes it and is taken.
 */
VT_TEST(wfi_doorbell_with_active_priority)
{
	struct setup s = { .lpi_prio = 6 };
	struct wfi_guest g = { .vpmr = 31, .ack_first = true };
	struct raise r = { .src = SRC_LINE, .spi = 20 };
	struct vcpu_thread t = { .cpu = VCPU_CPU, .guest = wfi_guest, .arg = &g };
	struct kvm_vcpu *v1;
	struct kvm *kvm;
	u64 ctx;

	s.spi_prio[20] = 4;
	s.spi_prio[21] = 8;
	s.spi_prio[22] = 2;
	kvm = wfi_vm(&s);
	VT_ASSERT(kvm);
	r.kvm = kvm;
	v1 = kvm_get_vcpu(kvm, 1);
	t.vcpu = v1;
	/* SPI 20 is pending when the guest starts: it acknowledges it */
	on_other_cpu(raise_fn, &r);
	vcpu_thread_start(&t);
	VT_ASSERT(harness_wait_vcpu_asleep(v1));
	VT_EXPECT_EQ(g.first, SPI(20));
	VT_EXPECT_EQ(v1->arch.vgic_cpu.vgic_v5.vgic_apr, BIT(4));
	ctx = gm_read_contextr(harness_gm(), VCPU_CPU);
	VT_EXPECT(ctx & GM_CTXR_DB);
	VT_EXPECT_EQ(GM_FIELD_GET(GM_CTXR_DBPM, ctx), 3);

	r.spi = 21;
	on_other_cpu(raise_fn, &r);
	usleep(20000);
	VT_EXPECT(harness_vcpu_asleep(v1));
	VT_EXPECT_EQ(gm_doorbells_fired(harness_gm()), 0);

	r.spi = 22;
	on_other_cpu(raise_fn, &r);
	pthread_join(t.thread, NULL);
	VT_EXPECT_EQ(t.ret, 0);
	VT_EXPECT_EQ(g.taken[0], SPI(22));
	VT_EXPECT_EQ(v1->harness_sleeps, 1);
	VT_EXPECT_EQ(gm_doorbells_fired(harness_gm()), 1);
	harness_vm_destroy(kvm);
}

/*
 * The guest disabled its CPU interface (ICH_VMCR_EL2.EN = 0): no doorbell,
 * an SPI does not wake it; a signal does, KVM_RUN returns -EINTR.
 */
VT_TEST(wfi_no_doorbell_with_cpu_interface_disabled)
{
	struct setup s = { .lpi_prio = 6 };
	struct wfi_guest g = { .vpmr = 31, .disabled = true };
	struct raise r = { .src = SRC_LINE, .spi = WFI_SPI };
	struct vcpu_thread t = { .cpu = VCPU_CPU, .guest = wfi_guest, .arg = &g };
	struct kvm_vcpu *v1;
	struct kvm *kvm;

	s.spi_prio[WFI_SPI] = 8;
	kvm = wfi_vm(&s);
	VT_ASSERT(kvm);
	r.kvm = kvm;
	v1 = kvm_get_vcpu(kvm, 1);
	t.vcpu = v1;
	vcpu_thread_start(&t);
	VT_ASSERT(harness_wait_vcpu_asleep(v1));
	VT_EXPECT(!(gm_read_contextr(harness_gm(), VCPU_CPU) & GM_CTXR_DB));
	on_other_cpu(raise_fn, &r);
	usleep(20000);
	VT_EXPECT(harness_vcpu_asleep(v1));
	VT_EXPECT_EQ(gm_doorbells_fired(harness_gm()), 0);
	VT_EXPECT(harness_signal_vcpu(v1));
	pthread_join(t.thread, NULL);
	VT_EXPECT_EQ(t.ret, -EINTR);
	VT_EXPECT_EQ(g.entries, 1);
	harness_vm_destroy(kvm);
}

/* ------------------------------------------------ IRSEN reload in the run loop */

struct reload_guest {
	int entries;
	u64 vmcr, apr_after;
	const struct harness_event *save, *nonres, *restore, *res;
};

static enum harness_exit reload_guest(struct kvm_vcpu *vcpu, void *arg)
{
	struct reload_guest *g = arg;

	switch (g->entries++) {
	case 0:
		/* In a priority-4 handler, the guest turns its IRS off */
		g->vmcr = FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_EN, 1) |
			  FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_VPMR, 30);
		harness_sysreg_write(SYS_ICH_VMCR_EL2, "ICH_VMCR_EL2", g->vmcr);
		harness_guest_cdia();
		harness_events_clear();
		harness_guest_mmio(HARNESS_V5_IRS_BASE + GICV5_IRS_CR0, 4, 0, true);
		return HARNESS_EXIT_MMIO;
	default:
		/* check_vcpu_requests() reloaded the vPE (KVM_REQ_RELOAD_GICv4) */
		harness_events(HE_HYP_CALL, "__vgic_v5_save_apr", 0, &g->save);
		harness_events(HE_HYP_CALL, "__vgic_v5_make_non_resident", 0, &g->nonres);
		harness_events(HE_HYP_CALL, "__vgic_v5_restore_vmcr_apr", 0, &g->restore);
		harness_events(HE_HYP_CALL, "__vgic_v5_make_resident", 0, &g->res);
		g->apr_after = harness_sysreg_read(SYS_ICH_APR_EL2, "ICH_APR_EL2");
		return HARNESS_EXIT_USER;
	}
}

/*
 * KVM_REQ_RELOAD_GICv4 (IRSEN change) keeps the guest's ICH_APR_EL2 and
 * ICH_VMCR_EL2 as vgic_v5_put()/vgic_v5_load() do: saved before the vPE
 * goes non-resident, restored before it is resident again.
 */
VT_TEST(wfi_irsen_reload_keeps_apr_and_vmcr)
{
	struct setup s = { .lpi_prio = 6 };
	struct reload_guest g = {};
	struct raise r = { .src = SRC_LINE, .spi = 20 };
	struct vcpu_thread t = { .cpu = VCPU_CPU, .guest = reload_guest, .arg = &g };
	struct kvm *kvm;
	u64 ctx;

	s.spi_prio[20] = 4;
	kvm = wfi_vm(&s);
	VT_ASSERT(kvm);
	r.kvm = kvm;
	t.vcpu = kvm_get_vcpu(kvm, 1);
	on_other_cpu(raise_fn, &r);
	vcpu_thread_start(&t);
	pthread_join(t.thread, NULL);

	VT_EXPECT_EQ(t.ret, 0);
	VT_ASSERT_EQ(g.entries, 2);
	VT_ASSERT(g.nonres && g.res);
	VT_EXPECT(g.save && g.save < g.nonres);
	VT_EXPECT(g.restore && g.nonres < g.restore && g.restore < g.res);
	VT_EXPECT_EQ(g.apr_after, BIT(4));
	VT_EXPECT_EQ(t.vcpu->arch.vgic_cpu.vgic_v5.vgic_vmcr, g.vmcr);
	/* The IRS is off for the reloaded vPE */
	ctx = gm_read_contextr(harness_gm(), VCPU_CPU);
	VT_EXPECT(!(ctx & GM_CTXR_V));
	harness_vm_destroy(kvm);
}

/* ------------------------------------------------------- dead VMs */

struct spin_guest {
	int entries;
	bool stop_soon;		/* set by the test thread */
	int after_stop;
};

/* Runs until told, then at most 1000 more entries */
static enum harness_exit spin_guest(struct kvm_vcpu *vcpu, void *arg)
{
	struct spin_guest *g = arg;

	__atomic_add_fetch(&g->entries, 1, __ATOMIC_SEQ_CST);
	if (READ_ONCE(g->stop_soon) && ++g->after_stop > 1000)
		return HARNESS_EXIT_USER;
	if (g->entries > 1000000)
		return HARNESS_EXIT_USER;
	return HARNESS_EXIT_IRQ;
}

/*
 * vCPU 1's vPE cannot be made resident (ICH_CONTEXTR_EL2.F: here, vCPU 0's
 * is still resident on that CPU): the VM is dead. vCPU 1 never enters the
 * guest, and vCPU 0, running meanwhile, leaves KVM_RUN with -EIO too.
 */
VT_TEST(wfi_make_resident_failure_kills_the_vm)
{
	struct setup s = { .lpi_prio = 6 };
	struct spin_guest g0 = {}, g1 = {};
	struct vcpu_thread t0 = { .cpu = OTHER_CPU, .guest = spin_guest, .arg = &g0 };
	struct vcpu_thread t1 = { .cpu = OTHER_CPU, .guest = spin_guest, .arg = &g1 };
	struct kvm *kvm;

	kvm = wfi_vm(&s);
	VT_ASSERT(kvm);
	t0.vcpu = kvm_get_vcpu(kvm, 0);
	t1.vcpu = kvm_get_vcpu(kvm, 1);
	harness_expect_violation("still resident");

	vcpu_thread_start(&t0);
	for (int i = 0; i < 2000 && __atomic_load_n(&g0.entries, __ATOMIC_SEQ_CST) < 10; i++)
		usleep(1000);
	vcpu_thread_start(&t1);
	pthread_join(t1.thread, NULL);
	WRITE_ONCE(g0.stop_soon, true);
	pthread_join(t0.thread, NULL);

	VT_EXPECT_EQ(t1.ret, -EIO);
	VT_EXPECT_EQ(g1.entries, 0);
	VT_EXPECT_EQ(t0.ret, -EIO);
	VT_EXPECT(kvm->vm_dead);
	/* Later ioctls too */
	VT_EXPECT_EQ(harness_kvm_run(t0.vcpu, spin_guest, &g0), -EIO);
	VT_EXPECT(harness_violations("still resident") >= 1);
	harness_vm_destroy(kvm);
}

/*
 * The IRS does not complete the guest's LPI IST map (VMAP_VISTR times
 * out) while vCPU 0 is blocked in WFI: the VM is dead, vCPU 0 is woken and
 * leaves KVM_RUN with -EIO.
 */
VT_TEST(wfi_irs_command_failure_wakes_blocked_vcpus)
{
	struct wfi_guest g = { .vpmr = 31 };
	struct vcpu_thread t0 = { .cpu = OTHER_CPU, .guest = wfi_guest, .arg = &g };
	struct kvm_vcpu *v1;
	struct kvm *kvm;

	kvm = harness_v5_vm_dev(2, 64, true, NULL);
	VT_ASSERT(kvm);
	t0.vcpu = kvm_get_vcpu(kvm, 0);
	v1 = kvm_get_vcpu(kvm, 1);

	vcpu_thread_start(&t0);
	VT_ASSERT(harness_wait_vcpu_asleep(t0.vcpu));
	gm_set_stuck(harness_gm(), true);
	harness_vcpu_load(v1);
	wr32(v1, GICV5_IRS_IST_CFGR,
	     FIELD_PREP(GICV5_IRS_IST_CFGR_ISTSZ, GICV5_IRS_IST_CFGR_ISTSZ_4) |
	     FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, 12));
	wr64(v1, GICV5_IRS_IST_BASER, 0x48000000ULL | GICV5_IRS_IST_BASER_VALID);
	harness_vcpu_put(v1);
	pthread_join(t0.thread, NULL);

	VT_EXPECT(kvm->vm_dead);
	VT_EXPECT_EQ(t0.ret, -EIO);
	/* Woken, it never entered the guest again */
	VT_EXPECT_EQ(g.entries, 1);
	gm_set_stuck(harness_gm(), false);
	harness_vm_destroy(kvm);
}

/*
 * The guest turns its IRS off, and a vCPU blocks in WFI meanwhile: without
 * an IRS there is nothing to ask a doorbell for. Once the guest turns the
 * IRS on again, the vCPU must wake and block again with a doorbell, or an
 * SPI for it would never wake it.
 */
VT_TEST(wfi_irs_enabled_while_blocked)
{
	struct setup s = { .lpi_prio = 6 };
	struct wfi_guest g = { .vpmr = 31, .rounds = 2 };
	struct raise r = { .src = SRC_LINE, .spi = WFI_SPI };
	struct vcpu_thread t = { .cpu = VCPU_CPU, .guest = wfi_guest, .arg = &g };
	struct kvm_vcpu *v0, *v1;
	struct kvm *kvm;
	int i;

	s.spi_prio[WFI_SPI] = 8;
	kvm = wfi_vm(&s);
	VT_ASSERT(kvm);
	r.kvm = kvm;
	v0 = kvm_get_vcpu(kvm, 0);
	v1 = kvm_get_vcpu(kvm, 1);
	t.vcpu = v1;

	/* vCPU 0's guest turns the IRS off, as a driver probing it again */
	harness_vcpu_load(v0);
	wr32(v0, GICV5_IRS_CR0, 0);
	harness_vcpu_put(v0);
	vcpu_thread_start(&t);
	VT_ASSERT(harness_wait_vcpu_asleep(v1));
	VT_EXPECT(!(gm_read_contextr(harness_gm(), VCPU_CPU) & GM_CTXR_DB));

	/* ... and on: vCPU 1 wakes, and blocks again with a doorbell */
	harness_vcpu_load(v0);
	wr32(v0, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN);
	harness_vcpu_put(v0);
	for (i = 0; i < 2000 && (g.entries < 2 || !harness_vcpu_asleep(v1)); i++)
		usleep(1000);
	VT_EXPECT_EQ(g.entries, 2);
	VT_EXPECT(gm_read_contextr(harness_gm(), VCPU_CPU) & GM_CTXR_DB);

	/* The SPI wakes it */
	on_other_cpu(raise_fn, &r);
	VT_EXPECT_EQ(r.ret, 0);
	for (i = 0; i < 2000 && harness_vcpu_asleep(v1); i++)
		usleep(1000);
	if (harness_vcpu_asleep(v1)) {
		vt_fail(__FILE__, __LINE__, "the SPI did not wake vCPU 1");
		VT_EXPECT(harness_signal_vcpu(v1));
	}
	pthread_join(t.thread, NULL);
	VT_EXPECT_EQ(g.taken[1], SPI(WFI_SPI));
	VT_EXPECT_EQ(gm_doorbells_fired(harness_gm()), 1);
	harness_vm_destroy(kvm);
}

/*
 * The IRS does not complete the guest's LPI IST map (VMAP_VISTR times
 * out): the VM is dead, its running vCPU leaves KVM_RUN with -EIO.
 */
VT_TEST(wfi_irs_command_failure_kills_the_vm)
{
	struct spin_guest g0 = {};
	struct vcpu_thread t0 = { .cpu = OTHER_CPU, .guest = spin_guest, .arg = &g0 };
	struct kvm_vcpu *v1;
	struct kvm *kvm;

	kvm = harness_v5_vm_dev(2, 64, true, NULL);
	VT_ASSERT(kvm);
	t0.vcpu = kvm_get_vcpu(kvm, 0);
	v1 = kvm_get_vcpu(kvm, 1);

	vcpu_thread_start(&t0);
	for (int i = 0; i < 2000 && __atomic_load_n(&g0.entries, __ATOMIC_SEQ_CST) < 10; i++)
		usleep(1000);
	/* vCPU 1's guest maps its LPI IST; the IRS is stuck */
	gm_set_stuck(harness_gm(), true);
	harness_vcpu_load(v1);
	wr32(v1, GICV5_IRS_IST_CFGR,
	     FIELD_PREP(GICV5_IRS_IST_CFGR_ISTSZ, GICV5_IRS_IST_CFGR_ISTSZ_4) |
	     FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, 12));
	wr64(v1, GICV5_IRS_IST_BASER, 0x48000000ULL | GICV5_IRS_IST_BASER_VALID);
	harness_vcpu_put(v1);
	WRITE_ONCE(g0.stop_soon, true);
	pthread_join(t0.thread, NULL);

	VT_EXPECT(kvm->vm_dead);
	VT_EXPECT_EQ(t0.ret, -EIO);
	VT_EXPECT_EQ(harness_kvm_run(v1, spin_guest, &g0), -EIO);
	gm_set_stuck(harness_gm(), false);
	harness_vm_destroy(kvm);
}

/* ------------------------------------------------------ suspended vCPUs */

/* Enables its CPU interface and exits; at its next entry, takes one */
static enum harness_exit suspend_guest(struct kvm_vcpu *vcpu, void *arg)
{
	struct wfi_guest *g = arg;

	if (!g->entries++) {
		harness_sysreg_write(SYS_ICH_VMCR_EL2, "ICH_VMCR_EL2",
				     FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_EN, 1) |
				     FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_VPMR, g->vpmr));
		return HARNESS_EXIT_USER;
	}
	g->taken[0] = harness_guest_take(vcpu, NULL);
	return HARNESS_EXIT_USER;
}

/* pthread_join(), ending with signals a KVM_RUN that does not return */
static void join_or_signal(struct vcpu_thread *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 2;
	if (!pthread_timedjoin_np(t->thread, NULL, &ts))
		return;
	vt_diag("KVM_RUN did not return: signalling it\n");
	for (int i = 0; i < 10000; i++) {
		harness_signal_vcpu(t->vcpu);
		if (!pthread_tryjoin_np(t->thread, NULL))
			return;
		usleep(1000);
	}
	vt_fail(__FILE__, __LINE__, "KVM_RUN did not return");
	_exit(1);
}

/*
 * A vCPU the VMM suspended (KVM_MP_STATE_SUSPENDED, after a PSCI
 * SYSTEM_SUSPEND) blocks in KVM_RUN, and leaves it with
 * KVM_SYSTEM_EVENT_WAKEUP once it has an interrupt to take: after
 * kvm_vcpu_wfi() made the vPE resident again, kvm_vcpu_suspend() asks
 * whether the doorbell fired. Runnable again, the guest takes the SPI.
 */
VT_TEST(wfi_suspended_vcpu_wakes_for_spi)
{
	struct setup s = { .lpi_prio = 6 };
	struct wfi_guest g = { .vpmr = 31 };
	struct raise r = { .src = SRC_LINE, .spi = WFI_SPI };
	struct vcpu_thread t = { .cpu = VCPU_CPU, .guest = suspend_guest, .arg = &g };
	struct kvm_vcpu *v1;
	struct kvm *kvm;

	s.spi_prio[WFI_SPI] = 8;
	kvm = wfi_vm(&s);
	VT_ASSERT(kvm);
	r.kvm = kvm;
	v1 = kvm_get_vcpu(kvm, 1);
	t.vcpu = v1;
	vcpu_thread_start(&t);
	pthread_join(t.thread, NULL);
	VT_ASSERT_EQ(t.ret, 0);

	harness_vcpu_set_suspended(v1, true);
	vcpu_thread_start(&t);
	VT_ASSERT(harness_wait_vcpu_asleep(v1));
	on_other_cpu(raise_fn, &r);
	join_or_signal(&t);
	VT_EXPECT_EQ(r.ret, 0);
	VT_EXPECT_EQ(t.ret, 0);
	VT_EXPECT_EQ(v1->harness_wakeups, 1);
	VT_EXPECT_EQ(gm_doorbells_fired(harness_gm()), 1);

	harness_vcpu_set_suspended(v1, false);
	vcpu_thread_start(&t);
	pthread_join(t.thread, NULL);
	VT_EXPECT_EQ(t.ret, 0);
	VT_EXPECT_EQ(g.taken[0], SPI(WFI_SPI));
	VT_EXPECT_EQ(v1->harness_wakeups, 1);
	harness_vm_destroy(kvm);
}

/* --------------------------------------------- level SPIs and WFI */

/*
 * A device raises a level line while the guest runs without GIC CDEOI
 * trapped; the guest takes the SPI (acknowledge, priority drop and
 * deactivation, all untrapped) and enters WFI before the kick reaches it.
 * Then, with the line still high, it takes the SPI again.
 */
struct level_wfi_guest {
	struct kvm *kvm;
	int entries;
	int ret;
	u32 taken[2];
};

static enum harness_exit level_wfi_guest(struct kvm_vcpu *vcpu, void *arg)
{
	struct level_wfi_guest *g = arg;

	if (g->entries++) {
		g->taken[1] = harness_guest_take(vcpu, NULL);
		return HARNESS_EXIT_USER;
	}
	harness_sysreg_write(SYS_ICH_VMCR_EL2, "ICH_VMCR_EL2",
			     FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_EN, 1) |
			     FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_VPMR, 31));
	g->ret = harness_irq_line(g->kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, WFI_SPI),
				  true);
	g->taken[0] = harness_guest_take(vcpu, NULL);
	return HARNESS_EXIT_WFI;
}

/*
 * The vCPU must not sleep with the line high and nothing pending: as it
 * blocks, the high level SPIs are made pending again, as at the first
 * entry with the trap, and the doorbell wakes it for the SPI.
 */
VT_TEST(wfi_level_spi_taken_untrapped_before_wfi)
{
	struct setup s = { .lpi_prio = 6 };
	struct level_wfi_guest g = {};
	struct vcpu_thread t = { .cpu = VCPU_CPU, .guest = level_wfi_guest, .arg = &g };
	struct kvm_vcpu *v0, *v1;
	struct kvm *kvm;

	s.spi_prio[WFI_SPI] = 8;
	kvm = wfi_vm(&s);
	VT_ASSERT(kvm);
	v0 = kvm_get_vcpu(kvm, 0);
	harness_vcpu_load(v0);
	harness_v5_guest_spi_type(v0, WFI_SPI, true);
	harness_vcpu_put(v0);
	g.kvm = kvm;
	v1 = kvm_get_vcpu(kvm, 1);
	t.vcpu = v1;
	vcpu_thread_start(&t);
	join_or_signal(&t);
	VT_EXPECT_EQ(g.ret, 0);
	VT_EXPECT_EQ(t.ret, 0);
	VT_EXPECT_EQ(g.taken[0], SPI(WFI_SPI));
	VT_EXPECT_EQ(g.taken[1], SPI(WFI_SPI));
	VT_EXPECT_EQ(harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, WFI_SPI),
				      false), 0);
	harness_vm_destroy(kvm);
}
