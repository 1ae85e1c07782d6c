// SPDX-License-Identifier: GPL-2.0
/*
 * vgic_v5_wake - wake-ups, vCPU targeting and priority masking of the KVM
 * GICv5 device
 *
 * Each vCPU runs in a thread of its own. In the WFI cases, a vCPU tells
 * the host it is about to wait, then blocks in WFI with IRQs masked; the
 * main thread injects an interrupt (KVM_IRQ_LINE, irqfd, KVM_SIGNAL_MSI)
 * once the vCPU is asleep, or lets another vCPU make it pending (GIC
 * CDPEND). The vCPU must wake up and acknowledge it. The other cases take
 * an SPI on a vCPU of a VM with sparse vCPU IDs, check that
 * ICC_PCR_EL1 keeps an SPI of lower priority from being acknowledged,
 * that SPIs and LPIs pending together are taken in priority order, and
 * that ICC_PCR_EL1 masks the lower priorities of them but not the higher.
 * Every case uses a VM of its own.
 *
 * The test is skipped when KVM cannot create a GICv5 device with an IRS.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/bitfield.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <asm/kvm.h>

#include <arm64/gic_v5.h>
#include <arm64/gic_v5_irs.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "vgic.h"

#define NR_SPIS				64

#define TEST_SPI			21	/* 0-based SPI number */
#define IRQFD_SPI			42
#define IRQFD_GSI			7
#define TEST_LPI			37
#define TEST_LPI_ID_BITS		8

/* Highest priority: always above the ICC_PCR_EL1 mask of the guest. */
#define TEST_IRQ_PRI			0
/* The priority of the SPI the PCR case masks: a 1-bit priority */
#define MASKED_IRQ_PRI			0x10

/* The vCPU IDs of the sparse VM: the SPI goes to the second one. */
#define SPARSE_VCPU_ID			5

/*
 * The guest LPI IST. It is never accessed, but it is real guest memory:
 * a memslot of its own at the top of the IPA space, aligned to its size,
 * which is large enough for any linear IST the guest may configure.
 */
#define IST_MEMSLOT			1
#define IST_REGION_SIZE			SZ_1M

/* How long the PCR case checks that a masked SPI is not acknowledged */
#define GUEST_MASKED_CHECK_MS		100

/* How long the host leaves a vCPU in WFI before the interrupt comes */
#define WFI_BLOCK_US			100000
/* How long the host waits for a vCPU to reach a GUEST_SYNC or GUEST_DONE */
#define HOST_TIMEOUT_S			5

#define MAX_VCPUS			2

enum {
	STAGE_DONE,		/* not a GUEST_SYNC: GUEST_DONE */
	STAGE_WAIT,		/* about to wait in WFI */
	STAGE_LOWER,
	STAGE_READY,
	STAGE_INJECT,
};

/* Set by the host before the guest runs */
static u64 guest_ist_gpa;

/* ------------------------------------------------------------------ */
/* Guest side                                                          */
/* ------------------------------------------------------------------ */

static u32 guest_iaffid(void)
{
	return FIELD_GET(ICC_IAFFIDR_EL1_IAFFID, read_sysreg_s(SYS_ICC_IAFFIDR_EL1));
}

/* The IAFFID of a vCPU is its vcpu_id. */
static u32 guest_check_iaffid(u64 vcpu_id)
{
	u32 iaffid = guest_iaffid();

	GUEST_ASSERT_EQ(iaffid, vcpu_id);
	return iaffid;
}

/*
 * Tell the host this vCPU is about to wait, then wait in WFI with IRQs
 * masked: a pending interrupt ends WFI all the same. WFI may also end for
 * no reason, so wait again until there is an interrupt to acknowledge.
 * Returns the INTID acknowledged.
 */
static u64 guest_wfi_ack(void)
{
	u32 wakeups = 0;
	u64 deadline;
	u64 ia;

	GUEST_SYNC(STAGE_WAIT);

	deadline = guest_deadline();
	for (;;) {
		wfi();
		wakeups++;
		ia = gicr_insn(CDIA);
		if (GICV5_GICR_CDIA_VALID(ia))
			break;
		__GUEST_ASSERT(!guest_deadline_passed(deadline),
			       "%u wake-ups from WFI, no interrupt to acknowledge",
			       wakeups);
	}

	gsb_ack();
	isb();
	return FIELD_GET(GICV5_GICR_CDIA_INTID, ia);
}

/* Prioritise an SPI or LPI, target it at IAFFID @iaffid and enable it. */
static void guest_irq_enable(u64 intid, u32 priority, u32 iaffid)
{
	gic_insn(intid | FIELD_PREP(GICV5_GIC_CDPRI_PRIORITY_MASK, priority), CDPRI);
	gic_insn(intid | FIELD_PREP(GICV5_GIC_CDAFF_IAFFID_MASK, iaffid), CDAFF);
	gic_insn(intid, CDEN);
	gsb_sys();
	isb();
}

/* An SPI taken from WFI: acknowledged, deactivated, and gone. */
static void guest_wfi_spi(u32 spi, u32 tm)
{
	u64 intid = guest_intid(GICV5_HWIRQ_TYPE_SPI, spi);

	guest_gic_setup();
	guest_spi_configure(spi, tm);
	guest_irq_enable(intid, TEST_IRQ_PRI, guest_check_iaffid(0));

	GUEST_ASSERT_EQ(guest_wfi_ack(), intid);
	if (tm == GICV5_IRS_SPI_CFGR_TM_LEVEL) {
		/* The line goes low while the SPI is active. */
		GUEST_SYNC(STAGE_LOWER);
	}
	guest_irq_complete(intid);
	guest_assert_nothing_pending();

	GUEST_DONE();
}

static void guest_code_wfi_spi_edge(void)
{
	guest_wfi_spi(TEST_SPI, GICV5_IRS_SPI_CFGR_TM_EDGE);
}

static void guest_code_wfi_spi_level(void)
{
	guest_wfi_spi(TEST_SPI, GICV5_IRS_SPI_CFGR_TM_LEVEL);
}

static void guest_code_wfi_spi_irqfd(void)
{
	guest_wfi_spi(IRQFD_SPI, GICV5_IRS_SPI_CFGR_TM_EDGE);
}

/* The LPI goes to vCPU @vcpu_id, which waits for it in WFI. */
static void guest_code_wfi_lpi(u64 vcpu_id)
{
	u64 intid = guest_intid(GICV5_HWIRQ_TYPE_LPI, TEST_LPI);

	guest_gic_setup();
	guest_linear_ist_setup(guest_ist_gpa, TEST_LPI_ID_BITS, IST_REGION_SIZE);
	guest_irq_enable(intid, TEST_IRQ_PRI, guest_check_iaffid(vcpu_id));

	GUEST_ASSERT_EQ(guest_wfi_ack(), intid);
	guest_irq_complete(intid);
	guest_assert_nothing_pending();

	GUEST_DONE();
}

/* Make the LPI pending, wherever it is targeted. */
static void guest_code_lpi_cdpend(void)
{
	u64 intid = guest_intid(GICV5_HWIRQ_TYPE_LPI, TEST_LPI);

	gic_insn(intid | FIELD_PREP(GICV5_GIC_CDPEND_PENDING_MASK, 1), CDPEND);
	gsb_sys();
	isb();

	GUEST_DONE();
}

/*
 * vCPU 0 of the sparse VM: IAFFIDs 0 and SPARSE_VCPU_ID are PEs, those
 * in between are not. Once the other vCPU has taken the SPI, nothing is
 * pending here.
 */
static void guest_code_sparse_bystander(u64 vcpu_id)
{
	u32 idr1, iaffid;
	bool valid;

	guest_check_iaffid(vcpu_id);
	guest_gic_setup();

	idr1 = irs_read32(GICV5_IRS_IDR1);
	GUEST_ASSERT_EQ(FIELD_GET(GICV5_IRS_IDR1_PE_CNT, idr1), 2);
	GUEST_ASSERT(BIT(FIELD_GET(GICV5_IRS_IDR1_IAFFID_BITS, idr1) + 1) > SPARSE_VCPU_ID);

	for (iaffid = 0; iaffid <= SPARSE_VCPU_ID + 1; iaffid++) {
		irs_write32(iaffid, GICV5_IRS_PE_SELR);
		valid = irs_wait_for_idle(GICV5_IRS_PE_STATUSR, GICV5_IRS_STATUSR_IDLE) &
			GICV5_IRS_STATUSR_V;
		__GUEST_ASSERT(valid == (iaffid == 0 || iaffid == SPARSE_VCPU_ID),
			       "IAFFID %u: PE_STATUSR.V = %d", iaffid, valid);
	}

	GUEST_SYNC(STAGE_READY);
	guest_assert_nothing_pending();

	GUEST_DONE();
}

/*
 * vCPU SPARSE_VCPU_ID: the SPI goes to its own IAFFID; it wakes from WFI
 * and takes the SPI as an exception.
 */
static void guest_code_sparse_target(u64 vcpu_id)
{
	u64 intid = guest_intid(GICV5_HWIRQ_TYPE_SPI, TEST_SPI);

	guest_gic_setup();
	guest_spi_configure(TEST_SPI, GICV5_IRS_SPI_CFGR_TM_EDGE);
	guest_irq_enable(intid, TEST_IRQ_PRI, guest_check_iaffid(vcpu_id));

	GUEST_SYNC(STAGE_WAIT);
	wfi();
	guest_wait_for_irq(intid);

	GUEST_DONE();
}

/* The priority step both the CPU interface and the IRS implement */
static u32 guest_priority_step(void)
{
	u32 icc_bits = FIELD_GET(ICC_IDR0_EL1_PRI_BITS, read_sysreg_s(SYS_ICC_IDR0_EL1)) + 1;
	u32 irs_bits = FIELD_GET(GICV5_IRS_IDR1_PRIORITY_BITS,
				 irs_read32(GICV5_IRS_IDR1)) + 1;
	u32 bits = min(icc_bits, irs_bits);

	GUEST_ASSERT(bits >= 1 && bits <= 5);
	return 1U << (5 - bits);
}

static void guest_set_pcr(u32 priority)
{
	write_sysreg_s(FIELD_PREP(ICC_PCR_EL1_PRIORITY, priority), SYS_ICC_PCR_EL1);
	isb();
	GUEST_ASSERT_EQ(FIELD_GET(ICC_PCR_EL1_PRIORITY, read_sysreg_s(SYS_ICC_PCR_EL1)),
			priority);
}

/* ICC_ICSR_EL1 for an SPI or LPI, as GIC CDRCFG reports it */
static u64 guest_irq_state(u64 intid)
{
	u64 icsr;

	gic_insn(intid, CDRCFG);
	isb();
	icsr = read_sysreg_s(SYS_ICC_ICSR_EL1);
	__GUEST_ASSERT(!(icsr & ICC_ICSR_EL1_F), "CDRCFG 0x%lx failed: ICSR 0x%lx",
		       (unsigned long)intid, (unsigned long)icsr);
	return icsr;
}

static u64 guest_wait_pending(u64 intid)
{
	u64 deadline = guest_deadline();
	u64 icsr;

	do {
		icsr = guest_irq_state(intid);
		if (icsr & ICC_ICSR_EL1_Pending)
			return icsr;
	} while (!guest_deadline_passed(deadline));

	GUEST_FAIL("Interrupt 0x%lx never pending: ICSR 0x%lx",
		   (unsigned long)intid, (unsigned long)icsr);
	return icsr;
}

/*
 * An interrupt is signalled if its priority is at least that of
 * ICC_PCR_EL1 (a value no greater). With the PCR one step above the
 * SPI's priority, the pending SPI is not acknowledged; with the PCR at
 * its priority, it is.
 */
static void guest_code_pcr_mask(void)
{
	u64 intid = guest_intid(GICV5_HWIRQ_TYPE_SPI, TEST_SPI);
	u64 deadline, icsr;
	u32 step;

	guest_gic_setup();
	guest_spi_configure(TEST_SPI, GICV5_IRS_SPI_CFGR_TM_EDGE);
	guest_irq_enable(intid, MASKED_IRQ_PRI, guest_check_iaffid(0));

	step = guest_priority_step();
	guest_set_pcr(MASKED_IRQ_PRI - step);

	GUEST_SYNC(STAGE_INJECT);

	icsr = guest_wait_pending(intid);
	GUEST_ASSERT(icsr & ICC_ICSR_EL1_Enabled);
	GUEST_ASSERT(!(icsr & ICC_ICSR_EL1_Active));
	GUEST_ASSERT_EQ(FIELD_GET(ICC_ICSR_EL1_Priority, icsr), MASKED_IRQ_PRI);

	/* Pending, enabled, targeted here, but masked: nothing to acknowledge */
	deadline = guest_deadline_ms(GUEST_MASKED_CHECK_MS);
	do {
		guest_assert_nothing_pending();
	} while (!guest_deadline_passed(deadline));

	guest_set_pcr(MASKED_IRQ_PRI);
	GUEST_ASSERT_EQ(guest_poll_ack(), intid);
	guest_irq_complete(intid);
	guest_assert_nothing_pending();

	GUEST_DONE();
}

/*
 * Interrupts of different priorities, SPIs and LPIs mixed, the priority
 * order neither that of their INTIDs nor that in which they are raised:
 * the k-th priority level of the implemented ones is k * step. With fewer
 * than PRIO_LEVELS levels implemented, the interrupts of the levels that
 * do not exist are left out.
 */
#define PRIO_LEVELS			6

static const struct prio_irq {
	u32 type;
	u32 id;
	u32 level;
} prio_irqs[] = {
	{ GICV5_HWIRQ_TYPE_SPI, TEST_SPI,	3 },
	{ GICV5_HWIRQ_TYPE_LPI, TEST_LPI,	0 },
	{ GICV5_HWIRQ_TYPE_SPI, TEST_SPI + 1,	5 },
	{ GICV5_HWIRQ_TYPE_LPI, TEST_LPI + 1,	2 },
	{ GICV5_HWIRQ_TYPE_SPI, TEST_SPI + 2,	1 },
	{ GICV5_HWIRQ_TYPE_LPI, TEST_LPI + 2,	4 },
};

/* Written by guest_prio_irq_handler(): the INTIDs taken, in order */
static u64 prio_seen[ARRAY_SIZE(prio_irqs) + 1];
static u32 prio_nr_seen;

static void guest_prio_irq_handler(struct ex_regs *regs)
{
	u64 ia = gicr_insn(CDIA);
	u32 n = READ_ONCE(prio_nr_seen);
	u64 intid;

	if (!GICV5_GICR_CDIA_VALID(ia))
		return;

	gsb_ack();
	isb();

	intid = FIELD_GET(GICV5_GICR_CDIA_INTID, ia);
	guest_irq_complete(intid);

	GUEST_ASSERT(n < ARRAY_SIZE(prio_seen));
	if (n < ARRAY_SIZE(prio_seen))
		prio_seen[n] = intid;
	WRITE_ONCE(prio_nr_seen, n + 1);
}

static u64 prio_intid(const struct prio_irq *irq)
{
	return guest_intid(irq->type, irq->id);
}

/* The priority levels the IRS and the CPU interface implement, at most PRIO_LEVELS */
static u32 guest_prio_levels(void)
{
	return min_t(u32, 32 / guest_priority_step(), PRIO_LEVELS);
}

/*
 * Configure the interrupts of the levels that exist and ICC_PCR_EL1 to
 * the priority of level @pcr_level, let the host raise them all (an exit:
 * the PCR goes through the hypervisor's ICH_VMCR_EL2 save and restore),
 * and wait until they are all pending, IRQs masked.
 */
static void guest_prio_raise(u32 pcr_level)
{
	u32 step = guest_priority_step();
	u32 levels = guest_prio_levels();
	u32 i;

	guest_gic_setup();
	guest_linear_ist_setup(guest_ist_gpa, TEST_LPI_ID_BITS, IST_REGION_SIZE);
	for (i = 0; i < ARRAY_SIZE(prio_irqs); i++) {
		const struct prio_irq *irq = &prio_irqs[i];

		if (irq->level >= levels)
			continue;
		if (irq->type == GICV5_HWIRQ_TYPE_SPI)
			guest_spi_configure(irq->id, GICV5_IRS_SPI_CFGR_TM_EDGE);
		guest_irq_enable(prio_intid(irq), irq->level * step, guest_check_iaffid(0));
	}
	guest_set_pcr(pcr_level * step);

	GUEST_SYNC(STAGE_INJECT);

	for (i = 0; i < ARRAY_SIZE(prio_irqs); i++)
		if (prio_irqs[i].level < levels)
			guest_wait_pending(prio_intid(&prio_irqs[i]));
}

/* IRQs unmasked until @nr interrupts have been taken in all, and a while longer */
static void guest_prio_take(u32 nr)
{
	u64 deadline = guest_deadline();

	local_irq_enable();
	while (READ_ONCE(prio_nr_seen) < nr && !guest_deadline_passed(deadline))
		cpu_relax();
	deadline = guest_deadline_ms(GUEST_MASKED_CHECK_MS);
	while (!guest_deadline_passed(deadline))
		cpu_relax();
	local_irq_disable();

	GUEST_ASSERT_EQ(READ_ONCE(prio_nr_seen), nr);
}

/*
 * The interrupts taken from the @first-th on are those of levels @from to
 * @to, highest priority (level 0) first.
 */
static u32 guest_prio_check(u32 first, u32 from, u32 to)
{
	u32 level, i, n = first;

	for (level = from; level <= to; level++) {
		for (i = 0; i < ARRAY_SIZE(prio_irqs); i++) {
			if (prio_irqs[i].level != level)
				continue;
			__GUEST_ASSERT(prio_seen[n] == prio_intid(&prio_irqs[i]),
				       "interrupt %u taken: 0x%lx, want 0x%lx (level %u)", n,
				       (unsigned long)prio_seen[n],
				       (unsigned long)prio_intid(&prio_irqs[i]), level);
			n++;
		}
	}
	return n;
}

/*
 * All pending when the guest unmasks IRQs: they are acknowledged in
 * priority order, highest (lowest value) first.
 */
static void guest_code_priority_order(void)
{
	u32 levels = guest_prio_levels();

	guest_prio_raise(levels - 1);

	guest_prio_take(levels);
	guest_prio_check(0, 0, levels - 1);
	guest_assert_nothing_pending();

	GUEST_DONE();
}

/*
 * ICC_PCR_EL1 at the priority of the middle level: the interrupts of that
 * level and above are taken, in priority order; those below stay pending
 * until the PCR lets them through.
 */
static void guest_code_pcr_partial_mask(void)
{
	u32 step = guest_priority_step();
	u32 levels = guest_prio_levels();
	u32 mid = (levels - 1) / 2;
	u32 n, i;
	u64 icsr;

	guest_prio_raise(mid);
	guest_prio_take(mid + 1);
	n = guest_prio_check(0, 0, mid);

	for (i = 0; i < ARRAY_SIZE(prio_irqs); i++) {
		if (prio_irqs[i].level <= mid || prio_irqs[i].level >= levels)
			continue;
		icsr = guest_irq_state(prio_intid(&prio_irqs[i]));
		__GUEST_ASSERT((icsr & ICC_ICSR_EL1_Pending) && !(icsr & ICC_ICSR_EL1_Active),
			       "masked interrupt 0x%lx: ICSR 0x%lx",
			       (unsigned long)prio_intid(&prio_irqs[i]), (unsigned long)icsr);
	}
	guest_assert_nothing_pending();

	guest_set_pcr((levels - 1) * step);
	guest_prio_take(levels);
	guest_prio_check(n, mid + 1, levels - 1);
	guest_assert_nothing_pending();

	GUEST_DONE();
}

/* ------------------------------------------------------------------ */
/* Host side                                                           */
/* ------------------------------------------------------------------ */

/* A vCPU running in a thread of its own */
struct wake_vcpu {
	struct kvm_vcpu *vcpu;
	pthread_t thread;
	bool started;
	sem_t synced;		/* the guest made a GUEST_SYNC or GUEST_DONE */
	sem_t resume;		/* the host is done with that GUEST_SYNC */
	u64 stage;		/* of that GUEST_SYNC, or STAGE_DONE */
};

struct wake_vm {
	struct kvm_vm *vm;
	int gic_fd;
	int nr_vcpus;
	struct wake_vcpu vcpus[MAX_VCPUS];
};

static u32 spi_irq_line(u32 spi)
{
	return (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
	       (spi & KVM_ARM_IRQ_NUM_MASK);
}

/* Run the vCPU; at each GUEST_SYNC, wait for the host to resume it. */
static void *vcpu_thread(void *arg)
{
	struct wake_vcpu *w = arg;
	struct ucall uc;

	for (;;) {
		vcpu_run(w->vcpu);

		switch (get_ucall(w->vcpu, &uc)) {
		case UCALL_SYNC:
			w->stage = uc.args[1];
			TEST_ASSERT(w->stage != STAGE_DONE, "vCPU %u: GUEST_SYNC(%d)",
				    w->vcpu->id, STAGE_DONE);
			sem_post(&w->synced);
			while (sem_wait(&w->resume))
				TEST_ASSERT(errno == EINTR, "sem_wait() failed");
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		case UCALL_DONE:
			w->stage = STAGE_DONE;
			sem_post(&w->synced);
			return NULL;
		default:
			TEST_FAIL("vCPU %u: unknown ucall %lu", w->vcpu->id, uc.cmd);
		}
	}
}

static void vcpu_start(struct wake_vcpu *w)
{
	int ret;

	ret = pthread_create(&w->thread, NULL, vcpu_thread, w);
	TEST_ASSERT(!ret, "pthread_create() failed: %d", ret);
	w->started = true;
}

/* Wait for the vCPU's next GUEST_SYNC (or its GUEST_DONE): @stage. */
static void vcpu_wait_sync(struct wake_vcpu *w, u64 stage, const char *what)
{
	struct timespec ts;
	int ret;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += HOST_TIMEOUT_S;
	do {
		ret = sem_timedwait(&w->synced, &ts);
	} while (ret && errno == EINTR);

	TEST_ASSERT(!ret, "vCPU %u: no %s within %d s", w->vcpu->id, what, HOST_TIMEOUT_S);
	TEST_ASSERT(w->stage == stage, "vCPU %u: stage %lu, want %lu (%s)", w->vcpu->id,
		    (unsigned long)w->stage, (unsigned long)stage, what);
}

static void vcpu_resume(struct wake_vcpu *w)
{
	sem_post(&w->resume);
}

/* Once the vCPU is about to wait, let it go and block in WFI. */
static void vcpu_wait_for_wfi(struct wake_vcpu *w)
{
	vcpu_wait_sync(w, STAGE_WAIT, "GUEST_SYNC before WFI");
	vcpu_resume(w);
	usleep(WFI_BLOCK_US);
}

/* After its interrupt: the vCPU wakes up and finishes. */
static void vcpu_join(struct wake_vcpu *w)
{
	vcpu_wait_sync(w, STAGE_DONE, "GUEST_DONE (lost wake-up?)");
	pthread_join(w->thread, NULL);
	w->started = false;
}

/* A VM with a GICv5 device, for @nr_vcpus vCPUs; none added yet. */
static void wake_vm_create_bare(struct wake_vm *v, int nr_vcpus)
{
	TEST_ASSERT(nr_vcpus <= MAX_VCPUS, "%d vCPUs", nr_vcpus);
	memset(v, 0, sizeof(*v));
	v->vm = __vm_create(VM_SHAPE_DEFAULT, nr_vcpus, 0);
	v->gic_fd = kvm_create_device(v->vm, KVM_DEV_TYPE_ARM_VGIC_V5);
	vm_init_descriptor_tables(v->vm);
	vm_install_exception_handler(v->vm, VECTOR_IRQ_CURRENT, guest_irq_handler);
}

/* Add a vCPU, which gets its vcpu_id as argument. */
static struct wake_vcpu *wake_vm_add_vcpu(struct wake_vm *v, u32 vcpu_id, void *guest_code)
{
	struct wake_vcpu *w = &v->vcpus[v->nr_vcpus++];

	TEST_ASSERT(v->nr_vcpus <= MAX_VCPUS, "%d vCPUs", v->nr_vcpus);
	w->vcpu = vm_vcpu_add(v->vm, vcpu_id, guest_code);
	vcpu_init_descriptor_tables(w->vcpu);
	vcpu_args_set(w->vcpu, 1, (u64)vcpu_id);
	TEST_ASSERT(!sem_init(&w->synced, 0, 0) && !sem_init(&w->resume, 0, 0),
		    "sem_init() failed");
	return w;
}

/* IRS at IRS_BASE_GPA (identity-mapped), NR_SPIS SPIs, VGIC initialized. */
static void wake_vm_init(struct wake_vm *v)
{
	u32 nr_spis = NR_SPIS;

	set_irs_base(v->gic_fd, IRS_BASE_GPA);
	virt_map(v->vm, IRS_BASE_GPA, IRS_BASE_GPA,
		 vm_calc_num_guest_pages(v->vm->mode, KVM_VGIC_V5_IRS_SIZE));

	kvm_device_attr_set(v->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_spis);
	vgic_v5_init(v->gic_fd);
}

/* A VM ready to run a guest on vCPU 0 */
static struct wake_vcpu *wake_vm_create(struct wake_vm *v, void *guest_code)
{
	struct wake_vcpu *w;

	wake_vm_create_bare(v, 1);
	w = wake_vm_add_vcpu(v, 0, guest_code);
	wake_vm_init(v);
	return w;
}

/* Back the guest LPI IST with a memslot of its own. */
static void wake_vm_add_ist_memory(struct wake_vm *v)
{
	u64 top = (vm_compute_max_gfn(v->vm) + 1) * v->vm->page_size;

	guest_ist_gpa = (top - IST_REGION_SIZE) & ~((u64)IST_REGION_SIZE - 1);
	vm_userspace_mem_region_add(v->vm, VM_MEM_SRC_ANONYMOUS, guest_ist_gpa,
				    IST_MEMSLOT, IST_REGION_SIZE / v->vm->page_size, 0);
	sync_global_to_guest(v->vm, guest_ist_gpa);
}

static void wake_vm_destroy(struct wake_vm *v)
{
	int i;

	for (i = 0; i < v->nr_vcpus; i++) {
		TEST_ASSERT(!v->vcpus[i].started, "vCPU %u still running",
			    v->vcpus[i].vcpu->id);
		sem_destroy(&v->vcpus[i].synced);
		sem_destroy(&v->vcpus[i].resume);
	}
	close(v->gic_fd);
	kvm_vm_free(v->vm);
}

/* An edge SPI raised with KVM_IRQ_LINE wakes a vCPU in WFI. */
static void test_wfi_spi_edge_irq_line(void)
{
	struct wake_vcpu *w;
	struct wake_vm v;

	w = wake_vm_create(&v, guest_code_wfi_spi_edge);
	vcpu_start(w);

	vcpu_wait_for_wfi(w);
	kvm_irq_line(v.vm, spi_irq_line(TEST_SPI), 1);
	kvm_irq_line(v.vm, spi_irq_line(TEST_SPI), 0);

	vcpu_join(w);
	wake_vm_destroy(&v);
}

/* So does a level SPI, lowered once the guest has acknowledged it. */
static void test_wfi_spi_level_irq_line(void)
{
	struct wake_vcpu *w;
	struct wake_vm v;

	w = wake_vm_create(&v, guest_code_wfi_spi_level);
	vcpu_start(w);

	vcpu_wait_for_wfi(w);
	kvm_irq_line(v.vm, spi_irq_line(TEST_SPI), 1);

	vcpu_wait_sync(w, STAGE_LOWER, "GUEST_SYNC after the acknowledge");
	kvm_irq_line(v.vm, spi_irq_line(TEST_SPI), 0);
	vcpu_resume(w);

	vcpu_join(w);
	wake_vm_destroy(&v);
}

/* So does an SPI from an irqfd on a GSI routed to irqchip pin IRQFD_SPI. */
static void test_wfi_spi_irqfd(void)
{
	struct kvm_irq_routing *routing;
	struct wake_vcpu *w;
	struct wake_vm v;
	u64 val = 1;
	ssize_t ret;
	int fd;

	w = wake_vm_create(&v, guest_code_wfi_spi_irqfd);

	routing = kvm_gsi_routing_create();
	kvm_gsi_routing_irqchip_add(routing, IRQFD_GSI, IRQFD_SPI);
	kvm_gsi_routing_write(v.vm, routing);

	fd = kvm_new_eventfd();
	kvm_assign_irqfd(v.vm, IRQFD_GSI, fd);

	vcpu_start(w);
	vcpu_wait_for_wfi(w);
	ret = write(fd, &val, sizeof(val));
	TEST_ASSERT(ret == sizeof(val), __KVM_SYSCALL_ERROR("write()", (int)ret));

	vcpu_join(w);
	kvm_deassign_irqfd(v.vm, IRQFD_GSI, fd);
	close(fd);
	wake_vm_destroy(&v);
}

/* So does an LPI from KVM_SIGNAL_MSI to the IRS SETLPI frame. */
static void test_wfi_lpi_signal_msi(void)
{
	struct wake_vcpu *w;
	struct wake_vm v;
	int ret;

	w = wake_vm_create(&v, guest_code_wfi_lpi);
	wake_vm_add_ist_memory(&v);
	vcpu_start(w);

	vcpu_wait_for_wfi(w);
	ret = signal_msi(v.vm, IRS_BASE_GPA + IRS_SETLPI_FRAME, TEST_LPI);
	TEST_ASSERT(ret > 0, "MSI to the IRS SETLPI_FRAME: ret %d errno %d", ret, errno);

	vcpu_join(w);
	wake_vm_destroy(&v);
}

/* So does an LPI made pending by GIC CDPEND on another vCPU. */
static void test_wfi_lpi_cdpend_other_vcpu(void)
{
	struct wake_vcpu *pender, *waiter;
	struct wake_vm v;

	wake_vm_create_bare(&v, 2);
	pender = wake_vm_add_vcpu(&v, 0, guest_code_lpi_cdpend);
	waiter = wake_vm_add_vcpu(&v, 1, guest_code_wfi_lpi);
	wake_vm_init(&v);
	wake_vm_add_ist_memory(&v);

	vcpu_start(waiter);
	vcpu_wait_for_wfi(waiter);
	vcpu_start(pender);

	vcpu_join(pender);
	vcpu_join(waiter);
	wake_vm_destroy(&v);
}

/*
 * vCPU IDs 0 and SPARSE_VCPU_ID: the IRS has PEs at both IAFFIDs, and an
 * SPI targeted at the second is taken there.
 */
static void test_sparse_vcpu_ids(void)
{
	struct wake_vcpu *bystander, *target;
	struct wake_vm v;

	wake_vm_create_bare(&v, 2);
	bystander = wake_vm_add_vcpu(&v, 0, guest_code_sparse_bystander);
	target = wake_vm_add_vcpu(&v, SPARSE_VCPU_ID, guest_code_sparse_target);
	wake_vm_init(&v);

	vcpu_start(bystander);
	vcpu_wait_sync(bystander, STAGE_READY, "GUEST_SYNC after the IRS checks");

	vcpu_start(target);
	vcpu_wait_for_wfi(target);
	kvm_irq_line(v.vm, spi_irq_line(TEST_SPI), 1);
	kvm_irq_line(v.vm, spi_irq_line(TEST_SPI), 0);
	vcpu_join(target);

	vcpu_resume(bystander);
	vcpu_join(bystander);
	wake_vm_destroy(&v);
}

/* ICC_PCR_EL1 masks an SPI of lower priority until it is lowered enough. */
static void test_pcr_mask(void)
{
	struct wake_vcpu *w;
	struct wake_vm v;

	w = wake_vm_create(&v, guest_code_pcr_mask);
	vcpu_start(w);

	vcpu_wait_sync(w, STAGE_INJECT, "GUEST_SYNC before the SPI");
	kvm_irq_line(v.vm, spi_irq_line(TEST_SPI), 1);
	kvm_irq_line(v.vm, spi_irq_line(TEST_SPI), 0);
	vcpu_resume(w);

	vcpu_join(w);
	wake_vm_destroy(&v);
}

/* Raise every interrupt of prio_irqs[]: SPIs with KVM_IRQ_LINE, LPIs with MSIs */
static void prio_raise_all(struct wake_vm *v)
{
	u32 i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(prio_irqs); i++) {
		const struct prio_irq *irq = &prio_irqs[i];

		if (irq->type == GICV5_HWIRQ_TYPE_SPI) {
			kvm_irq_line(v->vm, spi_irq_line(irq->id), 1);
			kvm_irq_line(v->vm, spi_irq_line(irq->id), 0);
			continue;
		}
		ret = signal_msi(v->vm, IRS_BASE_GPA + IRS_SETLPI_FRAME, irq->id);
		TEST_ASSERT(ret >= 0, "MSI for LPI %u: ret %d errno %d", irq->id, ret, errno);
	}
}

static void prio_run(void *guest_code)
{
	struct wake_vcpu *w;
	struct wake_vm v;

	w = wake_vm_create(&v, guest_code);
	wake_vm_add_ist_memory(&v);
	vm_install_exception_handler(v.vm, VECTOR_IRQ_CURRENT, guest_prio_irq_handler);
	vcpu_start(w);

	vcpu_wait_sync(w, STAGE_INJECT, "GUEST_SYNC before the interrupts");
	prio_raise_all(&v);
	vcpu_resume(w);

	vcpu_join(w);
	wake_vm_destroy(&v);
}

/* SPIs and LPIs pending together are taken in priority order. */
static void test_priority_order(void)
{
	prio_run(guest_code_priority_order);
}

/* ICC_PCR_EL1 masks the lower priorities and not the higher ones. */
static void test_pcr_partial_mask(void)
{
	prio_run(guest_code_pcr_partial_mask);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "wfi_spi_edge_irq_line",	test_wfi_spi_edge_irq_line },
	{ "wfi_spi_level_irq_line",	test_wfi_spi_level_irq_line },
	{ "wfi_spi_irqfd",		test_wfi_spi_irqfd },
	{ "wfi_lpi_signal_msi",		test_wfi_lpi_signal_msi },
	{ "wfi_lpi_cdpend_other_vcpu",	test_wfi_lpi_cdpend_other_vcpu },
	{ "sparse_vcpu_ids",		test_sparse_vcpu_ids },
	{ "pcr_mask",			test_pcr_mask },
	{ "priority_order",		test_priority_order },
	{ "pcr_partial_mask",		test_pcr_partial_mask },
};

int main(void)
{
	int i;

	test_disable_default_vgic();

	__TEST_REQUIRE(kvm_supports_vgic_v5_irs(),
		       "No GICv5 IRS support; not running the GICv5 wake-up tests");

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		tests[i].fn();
		ksft_test_result_pass("%s\n", tests[i].name);
	}

	ksft_finished();
}
