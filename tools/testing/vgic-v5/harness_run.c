// SPDX-License-Identifier: GPL-2.0
/*
 * harness_run.c - the vCPU life cycle around the vgic: KVM_RUN, WFI,
 * blocking, wake-ups and the scheduler's preempt notifiers.
 *
 * arm.c and kvm_main.c cannot be compiled here (they pull in all of KVM),
 * so these are renditions of the kernel functions named in each comment,
 * with the same calls in the same order, minus what does not concern the
 * vgic (stats, tracing, PMU, timers, nested, FP, halt polling, SRCU):
 *
 *   virt/kvm/kvm_main.c	kvm_vcpu_ioctl(KVM_RUN), vcpu_load(), vcpu_put(),
 *				kvm_sched_in(), kvm_sched_out(),
 *				kvm_vcpu_check_block(), kvm_vcpu_block(),
 *				kvm_vcpu_halt(), kvm_vcpu_wake_up(),
 *				__kvm_vcpu_kick()
 *   arch/arm64/kvm/arm.c	kvm_arch_vcpu_load()/put() (vgic part),
 *				kvm_arch_vcpu_runnable(), kvm_vcpu_wfi(),
 *				kvm_vcpu_suspend(), kvm_arm_vcpu_suspend(),
 *				check_vcpu_requests(), kvm_vcpu_exit_request(),
 *				kvm_arch_vcpu_ioctl_run()
 *   arch/arm64/kvm/handle_exit.c	handle_exit() -> kvm_handle_wfx()
 *   arch/arm64/kvm/sys_regs.c	kvm_handle_sys_reg() -> the sys_insn_descs[]
 *				entry of GIC CDEOI, handle_gic_cdeoi()
 *   kernel/sched/core.c	set_current_state(), schedule() (the preempt
 *				notifiers at the context switch: sched-out
 *				under the runqueue lock with IRQs off,
 *				sched-in after it), try_to_wake_up()
 *
 * A vCPU thread is a pthread running harness_kvm_run(); it really sleeps in
 * schedule() until another thread (or an interrupt handler) wakes it, and
 * it is "switched out" and "in" (kvm_sched_out()/kvm_sched_in()) around
 * every sleep, on every forced preemption and when it migrates CPU.
 */
#include <linux/kvm_host.h>
#include <pthread.h>
#include <time.h>

#include "harness.h"
#include "vt.h"

/* ----------------------------------------------------------- the scheduler */

#define TASK_RUNNING		0x0000
#define TASK_INTERRUPTIBLE	0x0001

/* A thread is a task: current (shims/custom.h) */

/*
 * Protects every task's state: the runqueues, in short. A task reads its
 * own state without it (kvm_sched_out()), so it is written with WRITE_ONCE().
 */
static pthread_mutex_t sched_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sched_cond = PTHREAD_COND_INITIALIZER;

/* Real seconds a vCPU may sleep before the test fails (a lost wake-up). */
#define HARNESS_BLOCK_TIMEOUT_S	3

static void set_current_state(unsigned int state)
{
	pthread_mutex_lock(&sched_mutex);
	WRITE_ONCE(current->__state, state);
	pthread_mutex_unlock(&sched_mutex);
}

/* try_to_wake_up(): true if the task was not running. */
static bool try_to_wake_up(struct task_struct *p)
{
	bool woken;

	harness_check_wake_up("waking a task");
	pthread_mutex_lock(&sched_mutex);
	woken = p->__state != TASK_RUNNING;
	WRITE_ONCE(p->__state, TASK_RUNNING);
	pthread_cond_broadcast(&sched_cond);
	pthread_mutex_unlock(&sched_mutex);
	return woken;
}

/* rcuwait_wake_up() */
static bool rcuwait_wake_up(struct rcuwait *w)
{
	struct task_struct *task;

	pthread_mutex_lock(&sched_mutex);
	task = w->task;
	pthread_mutex_unlock(&sched_mutex);
	return task ? try_to_wake_up(task) : false;
}

static void kvm_sched_in(struct kvm_vcpu *vcpu, int cpu);
static void kvm_sched_out(struct kvm_vcpu *vcpu);
static void kvm_arch_vcpu_load(struct kvm_vcpu *vcpu, int cpu);
static void kvm_arch_vcpu_put(struct kvm_vcpu *vcpu);

/*
 * context_switch() away from current: prepare_task_switch() fires the
 * sched-out notifiers with the runqueue lock held and IRQs off; the lock
 * is dropped (IRQs on) in finish_task_switch() of the next task on this
 * CPU, where interrupts raised meanwhile are taken.
 */
static void switch_out(void)
{
	harness_rq_lock();
	if (current->notifier_vcpu)
		kvm_sched_out(current->notifier_vcpu);
	harness_rq_unlock();
	if (current->notifier_vcpu)
		current->notifier_vcpu->harness_sched_outs++;
}

/* ... and back to it, maybe on another CPU: the sched-in notifiers. */
static void switch_in(void)
{
	if (current->migrate_to >= 0) {
		harness_set_this_cpu(current->migrate_to);
		current->migrate_to = -1;
	}
	preempt_disable();
	if (current->notifier_vcpu)
		kvm_sched_in(current->notifier_vcpu, smp_processor_id());
	preempt_enable();
}

/*
 * schedule(): a task that is no longer TASK_RUNNING is switched out and
 * sleeps until try_to_wake_up(); one woken meanwhile stays on the CPU.
 */
static void schedule(void)
{
	struct kvm_vcpu *vcpu = current->notifier_vcpu;
	struct timespec deadline;
	bool timeout = false;

	pthread_mutex_lock(&sched_mutex);
	if (current->__state == TASK_RUNNING) {
		pthread_mutex_unlock(&sched_mutex);
		return;
	}
	pthread_mutex_unlock(&sched_mutex);

	switch_out();

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += HARNESS_BLOCK_TIMEOUT_S;
	pthread_mutex_lock(&sched_mutex);
	current->sleeping = true;
	if (vcpu)
		vcpu->harness_sleeps++;
	pthread_cond_broadcast(&sched_cond);
	while (current->__state != TASK_RUNNING && !timeout)
		timeout = pthread_cond_timedwait(&sched_cond, &sched_mutex, &deadline) != 0;
	current->sleeping = false;
	pthread_mutex_unlock(&sched_mutex);
	if (timeout) {
		vt_fail(__FILE__, __LINE__,
			"vCPU %d still blocked after %d s: a lost wake-up",
			vcpu ? vcpu->vcpu_id : -1, HARNESS_BLOCK_TIMEOUT_S);
		_exit(1);
	}

	switch_in();
}

void harness_preempt(int to_cpu)
{
	current->migrate_to = to_cpu;
	switch_out();
	switch_in();
}

void harness_migrate_on_wake(int to_cpu)
{
	current->migrate_to = to_cpu;
}

void harness_signal_current(void)
{
	current->sigpending = true;
}

/* A signal to the thread of a vCPU that blocks: signal_wake_up(). */
bool harness_signal_vcpu(struct kvm_vcpu *vcpu)
{
	struct task_struct *t;

	pthread_mutex_lock(&sched_mutex);
	t = vcpu->wait.task;
	if (t) {
		t->sigpending = true;
		WRITE_ONCE(t->__state, TASK_RUNNING);
		pthread_cond_broadcast(&sched_cond);
	}
	pthread_mutex_unlock(&sched_mutex);
	return t;
}

/* --------------------------------------------------------- kvm_main.c */

/* kvm_sched_in() */
static void kvm_sched_in(struct kvm_vcpu *vcpu, int cpu)
{
	WRITE_ONCE(vcpu->preempted, false);
	WRITE_ONCE(vcpu->ready, false);

	harness_set_running_vcpu(vcpu);
	kvm_arch_vcpu_load(vcpu, cpu);

	WRITE_ONCE(vcpu->scheduled_out, false);
}

/* kvm_sched_out() */
static void kvm_sched_out(struct kvm_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->scheduled_out, true);

	if (READ_ONCE(current->__state) == TASK_RUNNING && vcpu->wants_to_run) {
		WRITE_ONCE(vcpu->preempted, true);
		WRITE_ONCE(vcpu->ready, true);
	}
	kvm_arch_vcpu_put(vcpu);
	harness_set_running_vcpu(NULL);
}

/* vcpu_load() */
static void vcpu_load(struct kvm_vcpu *vcpu)
{
	int cpu = get_cpu();

	harness_set_running_vcpu(vcpu);
	current->notifier_vcpu = vcpu;		/* preempt_notifier_register() */
	kvm_arch_vcpu_load(vcpu, cpu);
	put_cpu();
}

/* vcpu_put() */
static void vcpu_put(struct kvm_vcpu *vcpu)
{
	preempt_disable();
	kvm_arch_vcpu_put(vcpu);
	current->notifier_vcpu = NULL;		/* preempt_notifier_unregister() */
	harness_set_running_vcpu(NULL);
	preempt_enable();
}

/* kvm_vcpu_wake_up() */
bool kvm_vcpu_wake_up(struct kvm_vcpu *vcpu)
{
	harness_log(HE_KICK, "wake_up", vcpu->vcpu_id + 1, 0);
	if (rcuwait_wake_up(&vcpu->wait)) {
		WRITE_ONCE(vcpu->ready, true);
		return true;
	}
	return false;
}

/*
 * __kvm_vcpu_kick(): wake it if it blocks, else make a vCPU in guest mode
 * exit (the IPI; a guest here leaves after each entry anyway).
 */
void kvm_vcpu_kick(struct kvm_vcpu *vcpu)
{
	harness_log(HE_KICK, "kick", vcpu->vcpu_id + 1, 0);
	if (rcuwait_wake_up(&vcpu->wait)) {
		WRITE_ONCE(vcpu->ready, true);
		return;
	}
	cmpxchg(&vcpu->mode, IN_GUEST_MODE, EXITING_GUEST_MODE);
}

static __thread harness_run_hook_t run_hook;
static __thread void *run_hook_arg;

void harness_set_run_hook(harness_run_hook_t hook, void *arg)
{
	run_hook = hook;
	run_hook_arg = arg;
}

static void call_hook(struct kvm_vcpu *vcpu, enum harness_run_point point)
{
	if (run_hook)
		run_hook(vcpu, point, run_hook_arg);
}

/* kvm_arch_vcpu_runnable() in arm.c; no HCR_EL2.VI/VF/VSE: in-kernel vgic */
static bool kvm_arch_vcpu_runnable(struct kvm_vcpu *v)
{
	return kvm_vgic_vcpu_pending_irq(v);
}

/* kvm_vcpu_check_block(); no timer is modelled */
static int kvm_vcpu_check_block(struct kvm_vcpu *vcpu)
{
	if (kvm_arch_vcpu_runnable(vcpu))
		return -EINTR;
	if (current->sigpending)
		return -EINTR;
	if (kvm_check_request(KVM_REQ_UNBLOCK, vcpu))
		return -EINTR;
	return 0;
}

/*
 * Wake-ups within one kvm_vcpu_block() that found nothing to do: beyond
 * this, the vCPU spins (woken again and again, e.g. by a doorbell that
 * re-fires each time it blocks) and the test fails.
 */
#define HARNESS_MAX_SPURIOUS_WAKEUPS	100

/* kvm_vcpu_block() */
static bool kvm_vcpu_block(struct kvm_vcpu *vcpu)
{
	unsigned int rounds = 0;
	bool waited = false;

	preempt_disable();
	/* kvm_arch_vcpu_blocking() is empty on arm64 */
	pthread_mutex_lock(&sched_mutex);
	vcpu->wait.task = current;		/* prepare_to_rcuwait() */
	pthread_mutex_unlock(&sched_mutex);
	preempt_enable();

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);

		if (kvm_vcpu_check_block(vcpu) < 0)
			break;

		if (++rounds > HARNESS_MAX_SPURIOUS_WAKEUPS) {
			vt_fail(__FILE__, __LINE__,
				"vCPU %d: %u wake-ups while blocking with nothing pending: spinning",
				vcpu->vcpu_id, rounds - 1);
			_exit(1);
		}

		call_hook(vcpu, HARNESS_RUN_BLOCK_CHECKED);
		waited = true;
		schedule();
	}

	preempt_disable();
	pthread_mutex_lock(&sched_mutex);
	vcpu->wait.task = NULL;			/* finish_rcuwait() */
	WRITE_ONCE(current->__state, TASK_RUNNING);
	pthread_mutex_unlock(&sched_mutex);
	/* kvm_arch_vcpu_unblocking() is empty on arm64 */
	preempt_enable();

	return waited;
}

/* kvm_vcpu_halt(), with halt polling off (halt_poll_ns = 0) */
static void kvm_vcpu_halt(struct kvm_vcpu *vcpu)
{
	kvm_vcpu_block(vcpu);
}

/* ---------------------------------------------------------------- arm.c */

/*
 * kvm_arch_vcpu_load(): the vgic part, kvm_vcpu_load_fgt() (all GIC
 * instructions trapped, as without FEAT_GCIE guest support... the vgic
 * clears what it wants, see vgic_v5_flush_eoi_trap()) then kvm_vgic_load().
 */
static void kvm_arch_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	vcpu->cpu = cpu;
	*vcpu_fgt(vcpu, ICH_HFGITR_EL2) = ~0ULL;
	kvm_vgic_load(vcpu);
}

/* kvm_arch_vcpu_put(): the vgic part */
static void kvm_arch_vcpu_put(struct kvm_vcpu *vcpu)
{
	kvm_vgic_put(vcpu);
	vcpu->cpu = -1;
}

/* kvm_vcpu_wfi() */
static void kvm_vcpu_wfi(struct kvm_vcpu *vcpu)
{
	preempt_disable();
	vcpu_set_flag(vcpu, IN_WFI);
	kvm_vgic_put(vcpu);
	preempt_enable();

	call_hook(vcpu, HARNESS_RUN_WFI_PUT);
	kvm_vcpu_halt(vcpu);
	vcpu_clear_flag(vcpu, IN_WFIT);

	preempt_disable();
	vcpu_clear_flag(vcpu, IN_WFI);
	kvm_vgic_load(vcpu);
	preempt_enable();
}

/* kvm_arm_vcpu_suspended() */
static bool kvm_arm_vcpu_suspended(struct kvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->arch.mp_state.mp_state) == KVM_MP_STATE_SUSPENDED;
}

/*
 * kvm_vcpu_suspend(): the exit to userspace with KVM_SYSTEM_EVENT_WAKEUP
 * is counted in harness_wakeups.
 */
static int kvm_vcpu_suspend(struct kvm_vcpu *vcpu)
{
	if (!kvm_arm_vcpu_suspended(vcpu))
		return 1;

	kvm_vcpu_wfi(vcpu);

	/* The suspend state is sticky: until userspace makes it runnable */
	kvm_make_request(KVM_REQ_SUSPEND, vcpu);

	if (kvm_arch_vcpu_runnable(vcpu)) {
		vcpu->harness_wakeups++;
		return 0;
	}

	return 1;
}

/* KVM_SET_MP_STATE: kvm_arm_vcpu_suspend(), or runnable */
void harness_vcpu_set_suspended(struct kvm_vcpu *vcpu, bool suspended)
{
	if (!suspended) {
		WRITE_ONCE(vcpu->arch.mp_state.mp_state, KVM_MP_STATE_RUNNABLE);
		return;
	}
	WRITE_ONCE(vcpu->arch.mp_state.mp_state, KVM_MP_STATE_SUSPENDED);
	kvm_make_request(KVM_REQ_SUSPEND, vcpu);
	kvm_vcpu_kick(vcpu);
}

/*
 * check_vcpu_requests(): the requests the vgic makes, in the kernel's
 * order, and KVM_REQ_SUSPEND. Any other request would make the loop spin:
 * it fails the test.
 */
static int check_vcpu_requests(struct kvm_vcpu *vcpu)
{
	unsigned long known = BIT(KVM_REQ_VM_DEAD & KVM_REQUEST_MASK) |
			      BIT(KVM_REQ_IRQ_PENDING & KVM_REQUEST_MASK) |
			      BIT(KVM_REQ_RELOAD_GICv4 & KVM_REQUEST_MASK) |
			      BIT(KVM_REQ_SUSPEND & KVM_REQUEST_MASK);

	if (READ_ONCE(vcpu->requests)) {
		if (test_bit(KVM_REQ_VM_DEAD & KVM_REQUEST_MASK, &vcpu->requests))
			return -EIO;

		kvm_check_request(KVM_REQ_IRQ_PENDING, vcpu);

		if (kvm_check_request(KVM_REQ_RELOAD_GICv4, vcpu)) {
			/* The distributor enable bits were changed */
			preempt_disable();
			if (vgic_is_v5(vcpu->kvm)) {
				vgic_v5_reload_vpe(vcpu);
			} else {
				vgic_v4_put(vcpu);
				vgic_v4_load(vcpu);
			}
			preempt_enable();
		}

		if (kvm_check_request(KVM_REQ_SUSPEND, vcpu))
			return kvm_vcpu_suspend(vcpu);

		if (READ_ONCE(vcpu->requests) & ~known) {
			vt_fail(__FILE__, __LINE__, "vCPU %d: request(s) 0x%lx not modelled",
				vcpu->vcpu_id, vcpu->requests & ~known);
			_exit(1);
		}
	}

	return 1;
}

/* The request handling of the run loop, for a vCPU loaded on this thread */
int harness_check_vcpu_requests(struct kvm_vcpu *vcpu)
{
	return check_vcpu_requests(vcpu);
}

/* kvm_vcpu_exit_request(), in-kernel irqchip */
static bool kvm_vcpu_exit_request(struct kvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->requests) != 0;
}

/* -------------------------------------------- handle_exit.c, sys_regs.c */

/* handle_gic_cdeoi() in sys_regs.c */
static bool handle_gic_cdeoi(struct kvm_vcpu *vcpu, u64 regval)
{
	if (!vgic_is_v5(vcpu->kvm)) {
		vt_fail(__FILE__, __LINE__, "GIC CDEOI trapped on a non-v5 VM");
		return false;
	}

	vgic_v5_handle_cdeoi(vcpu);
	return true;
}

/* handle_gic_cddi() in sys_regs.c */
static bool handle_gic_cddi(struct kvm_vcpu *vcpu, u64 regval)
{
	if (!vgic_is_v5(vcpu->kvm)) {
		vt_fail(__FILE__, __LINE__, "GIC CDDI trapped on a non-v5 VM");
		return false;
	}

	vgic_v5_handle_cddi(vcpu, regval);
	return false;
}

/*
 * kvm_handle_sys_reg() -> emulate_sys_reg() -> perform_access() with the
 * sys_insn_descs[] entry of the encoding: the PC advances if the handler
 * returns true.
 */
int harness_handle_sys_insn(struct kvm_vcpu *vcpu, u32 encoding, u64 xt)
{
	switch (encoding) {
	case GICV5_OP_GIC_CDEOI:
		return handle_gic_cdeoi(vcpu, xt);
	case GICV5_OP_GIC_CDDI:
		return handle_gic_cddi(vcpu, xt);
	}
	vt_fail(__FILE__, __LINE__, "sys insn 0x%x: no handler modelled", encoding);
	_exit(1);
}

static __thread struct harness_mmio pending_mmio;

void harness_guest_mmio(gpa_t addr, int len, u64 val, bool write)
{
	pending_mmio = (struct harness_mmio) { addr, len, val, write };
}

u64 harness_guest_mmio_result(void)
{
	return pending_mmio.val;
}

/*
 * kvm_handle_guest_abort() -> io_mem_abort(): the KVM_MMIO_BUS, done in
 * the kernel (an access nothing claims would exit to userspace).
 */
static int io_mem_abort(struct kvm_vcpu *vcpu)
{
	struct harness_mmio *m = &pending_mmio;
	int r;

	if (m->write)
		r = harness_mmio_guest_write(vcpu, m->addr, m->len, &m->val);
	else
		r = harness_mmio_guest_read(vcpu, m->addr, m->len, &m->val);
	return r ? 0 : 1;
}

/*
 * handle_exit(): ARM_EXCEPTION_TRAP -> kvm_handle_wfx() for WFI,
 * kvm_handle_guest_abort() for MMIO
 */
static int handle_exit(struct kvm_vcpu *vcpu, enum harness_exit exit)
{
	switch (exit) {
	case HARNESS_EXIT_WFI:
		kvm_vcpu_wfi(vcpu);
		return 1;
	case HARNESS_EXIT_MMIO:
		return io_mem_abort(vcpu);
	case HARNESS_EXIT_IRQ:
		return 1;
	case HARNESS_EXIT_USER:
		return 0;
	}
	return -EINVAL;
}

/* kvm_arch_vcpu_ioctl_run() */
static int kvm_arch_vcpu_ioctl_run(struct kvm_vcpu *vcpu, harness_guest_t guest, void *arg)
{
	enum harness_exit exit;
	int ret;

	vcpu_load(vcpu);

	ret = 1;
	while (ret > 0) {
		/* kvm_xfer_to_guest_mode_handle_work(): a signal exits */
		if (current->sigpending) {
			current->sigpending = false;
			ret = -EINTR;
		}

		if (ret > 0)
			ret = check_vcpu_requests(vcpu);

		preempt_disable();
		local_irq_disable();

		/* Orders the mode before the requests check (vcpu-requests.rst) */
		smp_store_mb(vcpu->mode, IN_GUEST_MODE);

		if (ret <= 0 || kvm_vcpu_exit_request(vcpu)) {
			/* Pairs with the kick's read of vcpu->mode */
			smp_store_release(&vcpu->mode, OUTSIDE_GUEST_MODE);
			local_irq_enable();
			preempt_enable();
			continue;
		}

		kvm_vgic_flush_hwstate(vcpu);

		harness_in_guest = true;
		exit = guest(vcpu, arg);
		harness_in_guest = false;
		vcpu->harness_entries++;

		kvm_vgic_sync_hwstate(vcpu);

		/* Pairs with the kick's read of vcpu->mode */
		smp_store_release(&vcpu->mode, OUTSIDE_GUEST_MODE);

		local_irq_enable();
		preempt_enable();

		ret = handle_exit(vcpu, exit);
	}

	vcpu_put(vcpu);
	return ret;
}

/* kvm_vcpu_ioctl(KVM_RUN) */
int harness_kvm_run(struct kvm_vcpu *vcpu, harness_guest_t guest, void *arg)
{
	int r;

	if (READ_ONCE(vcpu->kvm->vm_dead))
		return -EIO;

	mutex_lock(&vcpu->mutex);
	r = harness_vcpu_first_run(vcpu);	/* kvm_arch_vcpu_run_pid_change() */
	if (!r) {
		vcpu->wants_to_run = true;
		r = kvm_arch_vcpu_ioctl_run(vcpu, guest, arg);
		vcpu->wants_to_run = false;
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

/* The ioctls other than KVM_RUN that load the vCPU (vcpu_load/put()). */
void harness_vcpu_load(struct kvm_vcpu *vcpu)
{
	vcpu_load(vcpu);
}

void harness_vcpu_put(struct kvm_vcpu *vcpu)
{
	vcpu_put(vcpu);
}

/* ------------------------------------------------------------ observation */

bool harness_vcpu_asleep(struct kvm_vcpu *vcpu)
{
	struct task_struct *t;
	bool asleep;

	pthread_mutex_lock(&sched_mutex);
	t = vcpu->wait.task;
	asleep = t && t->sleeping;
	pthread_mutex_unlock(&sched_mutex);
	return asleep;
}

bool harness_wait_vcpu_asleep(struct kvm_vcpu *vcpu)
{
	for (int i = 0; i < 2000; i++) {
		if (harness_vcpu_asleep(vcpu))
			return true;
		usleep(1000);
	}
	return false;
}
