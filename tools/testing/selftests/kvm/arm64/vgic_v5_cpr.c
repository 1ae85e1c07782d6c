// SPDX-License-Identifier: GPL-2.0
/*
 * vgic_v5_cpr - handing a running GICv5 VM over to a new VM (CPR)
 *
 * A VM with two vCPUs, an IRS, edge SPIs, a level SPI and LPIs in a
 * linear IST, all configured by its guest, has interrupts pending that the
 * guest keeps masked (PSTATE.I), some raised through irqfds (SPIs, and an
 * LPI through an MSI route to IRS_SETLPIR). The VMM then follows the CPR
 * sequence of Documentation/virt/kvm/devices/arm-vgic-v5.rst: it stops the
 * vCPUs, detaches the irqfds but keeps their eventfds, saves the VGIC
 * state, destroys the VM, creates a new one with the same vcpu_ids and
 * configuration on a copy of the guest RAM, restores, sets the routing and
 * attaches the same eventfds (and resamplefds) again. The devices go on
 * signalling the eventfds all along. Detaching a level irqfd with a
 * resamplefd lowers its line, so the VMM unmasks such devices when it
 * attaches them again, as for VFIO INTx, and one that still asserts its
 * line signals again. The new VM's guest does not continue
 * the old one's code: it starts in guest_code_resume(), which only unmasks
 * IRQs. It must take every interrupt, the pending ones and those signalled
 * while nothing listened, exactly once and on its vCPU; the rest of its
 * GIC state comes from the restore.
 *
 * A handover whose save fails is abandoned: the old VM gets its irqfds
 * back and runs on, and loses nothing either.
 *
 * The test is skipped when KVM cannot create a GICv5 device with an IRS or
 * cannot save its state.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
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
#include "vgic_v5_save.h"

#define NR_VCPUS			2
#define NR_SPIS				64
#define LPI_ID_BITS			8

/* The priority of every interrupt, and the guest's ICC_PCR_EL1 */
#define CPR_IRQ_PRI			GICV5_IRQ_DEFAULT_PRI
#define CPR_PCR				GICV5_IRQ_DEFAULT_PRI

/*
 * The guest LPI IST: a memslot of its own at the top of the IPA space,
 * aligned to its size, large enough for any linear IST of LPI_ID_BITS.
 */
#define IST_MEMSLOT			1
#define IST_REGION_SIZE			SZ_1M

/* How long the guest waits for more interrupts once it has all of them */
#define GUEST_QUIET_MS			50

enum {
	STAGE_CONFIGURED = 1,
	STAGE_PENDING,
};

/* How each interrupt is raised */
enum cpr_src {
	SRC_IRQFD_BEFORE,	/* irqfd, before the save: pending in the old VM */
	SRC_IRQFD_DETACHED,	/* irqfd, while detached: counted by the eventfd */
	SRC_IRQ_LINE,		/* KVM_IRQ_LINE edge, before the save */
	SRC_CDPEND,		/* GIC CDPEND by the old guest, before the save */
};

/* The interrupts of cpr_irqs[] */
enum {
	SPI_IRQFD_BEFORE,
	SPI_IRQFD_DETACHED,
	SPI_IRQ_LINE,
	SPI_LEVEL_DETACHED,
	SPI_LEVEL_BEFORE,
	LPI_CDPEND,
	LPI_IRQFD_BEFORE,
	LPI_IRQFD_DETACHED,
	NR_CPR_IRQS
};

static const struct cpr_irq {
	u32 type;		/* GICV5_HWIRQ_TYPE_* */
	u32 id;
	u32 vcpu;		/* the vcpu_id = IAFFID it targets */
	u32 tm;			/* SPIs: GICV5_IRS_SPI_CFGR_TM_* */
	enum cpr_src src;
	u32 gsi;		/* irqfds */
	bool resample;		/* a level irqfd with a resamplefd */
} cpr_irqs[NR_CPR_IRQS] = {
	[SPI_IRQFD_BEFORE] = { GICV5_HWIRQ_TYPE_SPI, 10, 0, GICV5_IRS_SPI_CFGR_TM_EDGE,
			       SRC_IRQFD_BEFORE, 1 },
	[SPI_IRQFD_DETACHED] = { GICV5_HWIRQ_TYPE_SPI, 11, 1, GICV5_IRS_SPI_CFGR_TM_EDGE,
				 SRC_IRQFD_DETACHED, 2 },
	[SPI_IRQ_LINE] = { GICV5_HWIRQ_TYPE_SPI, 12, 1, GICV5_IRS_SPI_CFGR_TM_EDGE,
			   SRC_IRQ_LINE },
	[SPI_LEVEL_DETACHED] = { GICV5_HWIRQ_TYPE_SPI, 20, 0, GICV5_IRS_SPI_CFGR_TM_LEVEL,
				 SRC_IRQFD_DETACHED, 3, true },
	[SPI_LEVEL_BEFORE] = { GICV5_HWIRQ_TYPE_SPI, 21, 1, GICV5_IRS_SPI_CFGR_TM_LEVEL,
			       SRC_IRQFD_BEFORE, 6, true },
	[LPI_CDPEND] = { GICV5_HWIRQ_TYPE_LPI, 33, 0, 0, SRC_CDPEND },
	[LPI_IRQFD_BEFORE] = { GICV5_HWIRQ_TYPE_LPI, 40, 1, 0, SRC_IRQFD_BEFORE, 4 },
	[LPI_IRQFD_DETACHED] = { GICV5_HWIRQ_TYPE_LPI, 41, 0, 0, SRC_IRQFD_DETACHED, 5 },
};

/* Set by the host before the guest runs */
static u64 guest_ist_gpa;

/*
 * Written by the guest's IRQ handler: how many times each vCPU took each
 * interrupt of cpr_irqs[], and (the last slot) any other INTID.
 */
static u32 guest_taken[NR_VCPUS][NR_CPR_IRQS + 1];
static u32 guest_other_intid[NR_VCPUS];

/* ------------------------------------------------------------------ */
/* Guest side                                                          */
/* ------------------------------------------------------------------ */

static u64 cpr_intid(const struct cpr_irq *irq)
{
	return guest_intid(irq->type, irq->id);
}

static u32 guest_iaffid(void)
{
	return FIELD_GET(ICC_IAFFIDR_EL1_IAFFID, read_sysreg_s(SYS_ICC_IAFFIDR_EL1));
}

static void guest_cpr_irq_handler(struct ex_regs *regs)
{
	u64 ia = gicr_insn(CDIA);
	u32 vcpu = guest_iaffid();
	u32 intid, i;

	if (!GICV5_GICR_CDIA_VALID(ia))
		return;

	gsb_ack();
	isb();

	intid = FIELD_GET(GICV5_GICR_CDIA_INTID, ia);
	GUEST_ASSERT(vcpu < NR_VCPUS);
	for (i = 0; i < NR_CPR_IRQS; i++)
		if (cpr_intid(&cpr_irqs[i]) == intid)
			break;
	if (i == NR_CPR_IRQS)
		WRITE_ONCE(guest_other_intid[vcpu], intid);
	WRITE_ONCE(guest_taken[vcpu][i], READ_ONCE(guest_taken[vcpu][i]) + 1);

	guest_irq_complete(intid);
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

static void guest_wait_pending(u64 intid)
{
	u64 deadline = guest_deadline();
	u64 icsr;

	do {
		icsr = guest_irq_state(intid);
		if (icsr & ICC_ICSR_EL1_Pending)
			return;
	} while (!guest_deadline_passed(deadline));

	GUEST_FAIL("Interrupt 0x%lx never pending: ICSR 0x%lx",
		   (unsigned long)intid, (unsigned long)icsr);
}

/* vCPU 0: the IRS, the SPIs' trigger modes, the LPI IST, every interrupt */
static void guest_configure(void)
{
	u32 i;

	irs_write32(GICV5_IRS_CR0_IRSEN, GICV5_IRS_CR0);
	irs_wait_for_idle(GICV5_IRS_CR0, GICV5_IRS_CR0_IDLE);
	guest_linear_ist_setup(guest_ist_gpa, LPI_ID_BITS, IST_REGION_SIZE);

	for (i = 0; i < NR_CPR_IRQS; i++) {
		const struct cpr_irq *irq = &cpr_irqs[i];
		u64 intid = cpr_intid(irq);

		if (irq->type == GICV5_HWIRQ_TYPE_SPI)
			guest_spi_configure(irq->id, irq->tm);
		gic_insn(intid | FIELD_PREP(GICV5_GIC_CDPRI_PRIORITY_MASK, CPR_IRQ_PRI),
			 CDPRI);
		gic_insn(intid | FIELD_PREP(GICV5_GIC_CDAFF_IAFFID_MASK, irq->vcpu), CDAFF);
		gic_insn(intid, CDEN);
	}
	gsb_sys();
	isb();
}

/* vCPU 0: what is raised before the save is pending, nothing is active */
static void guest_make_pending(void)
{
	u32 i;

	for (i = 0; i < NR_CPR_IRQS; i++) {
		const struct cpr_irq *irq = &cpr_irqs[i];

		if (irq->src == SRC_CDPEND)
			gic_insn(cpr_intid(irq) | FIELD_PREP(GICV5_GIC_CDPEND_PENDING_MASK, 1),
				 CDPEND);
	}
	gsb_sys();
	isb();

	for (i = 0; i < NR_CPR_IRQS; i++) {
		const struct cpr_irq *irq = &cpr_irqs[i];

		if (irq->src != SRC_IRQFD_DETACHED)
			guest_wait_pending(cpr_intid(irq));
	}
}

static bool guest_has_all(u32 vcpu)
{
	u32 i;

	for (i = 0; i < NR_CPR_IRQS; i++)
		if (cpr_irqs[i].vcpu == vcpu && !READ_ONCE(guest_taken[vcpu][i]))
			return false;
	return true;
}

/*
 * Unmask IRQs until every interrupt of this vCPU has come, and a while
 * longer: each must come once, and nothing else.
 */
static void guest_take_all(u32 vcpu)
{
	u64 deadline = guest_deadline();
	u32 i;

	local_irq_enable();
	while (!guest_has_all(vcpu) && !guest_deadline_passed(deadline))
		cpu_relax();
	deadline = guest_deadline_ms(GUEST_QUIET_MS);
	while (!guest_deadline_passed(deadline))
		cpu_relax();
	local_irq_disable();

	for (i = 0; i < NR_CPR_IRQS; i++) {
		const struct cpr_irq *irq = &cpr_irqs[i];
		u32 n = READ_ONCE(guest_taken[vcpu][i]);

		__GUEST_ASSERT(n == (irq->vcpu == vcpu),
			       "vCPU %u took %s %u %u times, want %u", vcpu,
			       irq->type == GICV5_HWIRQ_TYPE_SPI ? "SPI" : "LPI", irq->id, n,
			       irq->vcpu == vcpu);
	}
	__GUEST_ASSERT(!READ_ONCE(guest_taken[vcpu][NR_CPR_IRQS]),
		       "vCPU %u took an unexpected interrupt 0x%x", vcpu,
		       READ_ONCE(guest_other_intid[vcpu]));
	guest_assert_nothing_pending();
}

/* The old VM's guest: its CPU interface on, IRQs masked */
static void guest_code_old(u64 vcpu_id)
{
	local_irq_disable();
	GUEST_ASSERT_EQ(guest_iaffid(), vcpu_id);
	gicv5_cpu_enable_interrupts();
	write_sysreg_s(FIELD_PREP(ICC_PCR_EL1_PRIORITY, CPR_PCR), SYS_ICC_PCR_EL1);
	isb();

	if (vcpu_id == 0)
		guest_configure();
	GUEST_SYNC(STAGE_CONFIGURED);

	if (vcpu_id == 0)
		guest_make_pending();
	GUEST_SYNC(STAGE_PENDING);

	/* Only if the handover was abandoned: the old VM runs on. */
	guest_take_all(vcpu_id);
	GUEST_DONE();
}

/*
 * The new VM's guest: its IRS and CPU interface are the old one's, as
 * restored; it only unmasks IRQs.
 */
static void guest_code_resume(u64 vcpu_id)
{
	GUEST_ASSERT_EQ(guest_iaffid(), vcpu_id);
	GUEST_ASSERT(read_sysreg_s(SYS_ICC_CR0_EL1) & ICC_CR0_EL1_EN);
	GUEST_ASSERT_EQ(FIELD_GET(ICC_PCR_EL1_PRIORITY, read_sysreg_s(SYS_ICC_PCR_EL1)),
			CPR_PCR);
	GUEST_ASSERT(irs_read32(GICV5_IRS_CR0) & GICV5_IRS_CR0_IRSEN);

	guest_take_all(vcpu_id);
	GUEST_DONE();
}

/* ------------------------------------------------------------------ */
/* Host side                                                           */
/* ------------------------------------------------------------------ */

struct cpr_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[NR_VCPUS];
	int gic_fd;
};

/* The devices: an eventfd per irqfd interrupt, a resamplefd per level one */
static int eventfds[NR_CPR_IRQS];
static int resamplefds[NR_CPR_IRQS];

/* KVM's MPIDR_EL1 of a vCPU (reset_mpidr()): the affinity of its vcpu_id */
static u64 vcpu_mpidr(u32 vcpu_id)
{
	return (vcpu_id & 0x0f) | ((u64)((vcpu_id >> 4) & 0xff) << 8) |
	       ((u64)((vcpu_id >> 12) & 0xff) << 16);
}

/*
 * A VM that has never run, configured as every VM of this test is: the
 * same vCPUs, IRS address, number of SPIs and memory, the IRQ handler
 * installed, the VGIC initialized. Its guest starts at @guest_code.
 */
static void cpr_vm_create(struct cpr_vm *v, void *guest_code)
{
	u64 top, base = IRS_BASE_GPA;
	u32 nr_spis = NR_SPIS;
	u32 i;

	v->vm = __vm_create(VM_SHAPE_DEFAULT, NR_VCPUS, 0);
	v->gic_fd = kvm_create_device(v->vm, KVM_DEV_TYPE_ARM_VGIC_V5);
	for (i = 0; i < NR_VCPUS; i++) {
		v->vcpus[i] = vm_vcpu_add(v->vm, i, guest_code);
		vcpu_args_set(v->vcpus[i], 1, (u64)i);
	}

	vm_init_descriptor_tables(v->vm);
	for (i = 0; i < NR_VCPUS; i++)
		vcpu_init_descriptor_tables(v->vcpus[i]);
	vm_install_exception_handler(v->vm, VECTOR_IRQ_CURRENT, guest_cpr_irq_handler);

	kvm_device_attr_set(v->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			    KVM_VGIC_V5_ADDR_TYPE_IRS, &base);
	virt_map(v->vm, IRS_BASE_GPA, IRS_BASE_GPA,
		 vm_calc_num_guest_pages(v->vm->mode, KVM_VGIC_V5_IRS_SIZE));
	kvm_device_attr_set(v->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_spis);
	kvm_device_attr_set(v->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			    KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);

	top = (vm_compute_max_gfn(v->vm) + 1) * v->vm->page_size;
	guest_ist_gpa = (top - IST_REGION_SIZE) & ~((u64)IST_REGION_SIZE - 1);
	vm_userspace_mem_region_add(v->vm, VM_MEM_SRC_ANONYMOUS, guest_ist_gpa,
				    IST_MEMSLOT, IST_REGION_SIZE / v->vm->page_size, 0);
	sync_global_to_guest(v->vm, guest_ist_gpa);
}

static void cpr_vm_destroy(struct cpr_vm *v)
{
	close(v->gic_fd);
	kvm_vm_free(v->vm);
}

/* The GSI routing of every VM: irqchip pins for SPIs, MSIs to IRS_SETLPIR */
static void cpr_set_routing(struct cpr_vm *v)
{
	struct kvm_irq_routing *routing = kvm_gsi_routing_create();
	u64 setlpir = IRS_BASE_GPA + IRS_SETLPI_FRAME;
	u32 i;

	for (i = 0; i < NR_CPR_IRQS; i++) {
		const struct cpr_irq *irq = &cpr_irqs[i];
		struct kvm_irq_routing_entry *e;

		if (irq->src != SRC_IRQFD_BEFORE && irq->src != SRC_IRQFD_DETACHED)
			continue;
		if (irq->type == GICV5_HWIRQ_TYPE_SPI) {
			kvm_gsi_routing_irqchip_add(routing, irq->gsi, irq->id);
			continue;
		}
		e = &routing->entries[routing->nr++];
		*e = (struct kvm_irq_routing_entry) {
			.gsi = irq->gsi,
			.type = KVM_IRQ_ROUTING_MSI,
			.u.msi.address_lo = (u32)setlpir,
			.u.msi.address_hi = setlpir >> 32,
			.u.msi.data = irq->id,
		};
	}
	kvm_gsi_routing_write(v->vm, routing);
}

static bool cpr_irq_has_irqfd(const struct cpr_irq *irq)
{
	return irq->src == SRC_IRQFD_BEFORE || irq->src == SRC_IRQFD_DETACHED;
}

/* KVM_IRQFD for every device eventfd (and the resamplefd), or its deassign */
static void cpr_irqfds(struct cpr_vm *v, bool assign)
{
	u32 i;

	for (i = 0; i < NR_CPR_IRQS; i++) {
		const struct cpr_irq *irq = &cpr_irqs[i];
		struct kvm_irqfd irqfd = {
			.fd = eventfds[i],
			.gsi = irq->gsi,
		};

		if (!cpr_irq_has_irqfd(irq))
			continue;
		if (!assign) {
			irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
		} else if (irq->resample) {
			irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
			irqfd.resamplefd = resamplefds[i];
		}
		vm_ioctl(v->vm, KVM_IRQFD, &irqfd);
	}
}

static void eventfd_signal(int fd)
{
	u64 val = 1;
	ssize_t ret = write(fd, &val, sizeof(val));

	TEST_ASSERT(ret == sizeof(val), __KVM_SYSCALL_ERROR("write()", (int)ret));
}

/* The devices raise the interrupts of @src */
static void cpr_signal(struct cpr_vm *v, enum cpr_src src)
{
	u32 i;

	for (i = 0; i < NR_CPR_IRQS; i++) {
		const struct cpr_irq *irq = &cpr_irqs[i];

		if (irq->src != src)
			continue;
		if (src == SRC_IRQ_LINE) {
			u32 line = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
				   (irq->id & KVM_ARM_IRQ_NUM_MASK);

			kvm_irq_line(v->vm, line, 1);
			kvm_irq_line(v->vm, line, 0);
		} else if (cpr_irq_has_irqfd(irq)) {
			eventfd_signal(eventfds[i]);
		}
	}
}

/*
 * Attaching a level irqfd with a resamplefd: detaching its last irqfd
 * lowered the line (irqfd_resampler_shutdown()), and the device, which
 * still asserts it, waits for a resample that will not come. The VMM
 * unmasks the device when it attaches the irqfd, as it does for a VFIO
 * INTx irqfd (VFIO_DEVICE_SET_IRQS unmask): a device whose raised line
 * KVM dropped signals again. (One that signalled while detached is still
 * counted by its eventfd, and raises the line on the attach.)
 */
static void cpr_unmask_level(void)
{
	u32 i;

	for (i = 0; i < NR_CPR_IRQS; i++)
		if (cpr_irqs[i].resample && cpr_irqs[i].src == SRC_IRQFD_BEFORE)
			eventfd_signal(eventfds[i]);
}

static void cpr_open_eventfds(void)
{
	u32 i;

	for (i = 0; i < NR_CPR_IRQS; i++) {
		eventfds[i] = cpr_irq_has_irqfd(&cpr_irqs[i]) ? kvm_new_eventfd() : -1;
		resamplefds[i] = cpr_irqs[i].resample ? kvm_new_eventfd() : -1;
	}
}

/*
 * Every eventfd was consumed, and each level SPI's resamplefd was
 * signalled once, when the guest deactivated it.
 */
static void cpr_close_eventfds(void)
{
	struct pollfd pfd = { .events = POLLIN };
	u64 val;
	ssize_t ret;
	u32 i;

	for (i = 0; i < NR_CPR_IRQS; i++) {
		if (eventfds[i] < 0)
			continue;
		pfd.fd = eventfds[i];
		TEST_ASSERT(!poll(&pfd, 1, 0), "The eventfd of interrupt %u still counts",
			    cpr_irqs[i].id);
		close(eventfds[i]);
		if (resamplefds[i] < 0)
			continue;
		pfd.fd = resamplefds[i];
		TEST_ASSERT(poll(&pfd, 1, 1000) == 1, "SPI %u: resamplefd not signalled",
			    cpr_irqs[i].id);
		ret = read(resamplefds[i], &val, sizeof(val));
		TEST_ASSERT(ret == sizeof(val) && val == 1,
			    "SPI %u: resamplefd: %zd bytes, count %lu", cpr_irqs[i].id, ret,
			    (unsigned long)val);
		close(resamplefds[i]);
	}
}

/* Run @vcpu to the GUEST_SYNC of @stage, or to GUEST_DONE for 0. */
static void cpr_vcpu_run(struct kvm_vcpu *vcpu, u64 stage)
{
	struct ucall uc;

	vcpu_run(vcpu);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		TEST_ASSERT(uc.args[1] == stage, "vCPU %u: GUEST_SYNC(%lu), want %lu",
			    vcpu->id, (unsigned long)uc.args[1], (unsigned long)stage);
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	case UCALL_DONE:
		TEST_ASSERT(!stage, "vCPU %u: GUEST_DONE, want GUEST_SYNC(%lu)",
			    vcpu->id, (unsigned long)stage);
		break;
	default:
		TEST_FAIL("vCPU %u: unknown ucall %lu", vcpu->id, uc.cmd);
	}
}

static void *cpr_vcpu_thread(void *arg)
{
	cpr_vcpu_run(arg, 0);
	return NULL;
}

/* Run every vCPU in a thread of its own to GUEST_DONE. */
static void cpr_run_to_done(struct cpr_vm *v)
{
	pthread_t threads[NR_VCPUS];
	u32 i;
	int ret;

	for (i = 0; i < NR_VCPUS; i++) {
		ret = pthread_create(&threads[i], NULL, cpr_vcpu_thread, v->vcpus[i]);
		TEST_ASSERT(!ret, "pthread_create: %d", ret);
	}
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(threads[i], NULL);
}

/*
 * The old VM, its irqfds attached, its guest masked with interrupts
 * pending, its vCPUs stopped at STAGE_PENDING.
 */
static void cpr_old_vm(struct cpr_vm *v)
{
	u32 i;

	cpr_vm_create(v, guest_code_old);
	cpr_set_routing(v);
	cpr_open_eventfds();
	cpr_irqfds(v, true);

	for (i = 0; i < NR_VCPUS; i++)
		cpr_vcpu_run(v->vcpus[i], STAGE_CONFIGURED);
	cpr_signal(v, SRC_IRQFD_BEFORE);
	cpr_signal(v, SRC_IRQ_LINE);
	for (i = 0; i < NR_VCPUS; i++)
		cpr_vcpu_run(v->vcpus[i], STAGE_PENDING);
}

struct cpr_state {
	struct vgic_v5_state vgic;
	struct vgic_v5_cpu_regs cpu[NR_VCPUS];
	void *ist_ram;
};

static void cpr_save(struct cpr_vm *v, struct cpr_state *s)
{
	int ret;
	u32 i;

	ret = vgic_v5_state_save(v->gic_fd, &s->vgic, true);
	if (ret == -EOPNOTSUPP)
		ret = vgic_v5_state_save(v->gic_fd, &s->vgic, false);
	TEST_ASSERT(!ret, "VGIC save: %d (register 0x%x)", ret, s->vgic.regs.failed_offset);
	for (i = 0; i < NR_VCPUS; i++) {
		ret = vgic_v5_cpu_regs_save(v->gic_fd, vcpu_mpidr(v->vcpus[i]->id), &s->cpu[i]);
		TEST_ASSERT(!ret, "vCPU %u ICC save: %d (register 0x%x)", v->vcpus[i]->id,
			    ret, s->cpu[i].failed_instr);
	}

	s->ist_ram = malloc(IST_REGION_SIZE);
	TEST_ASSERT(s->ist_ram, "malloc");
	memcpy(s->ist_ram, addr_gpa2hva(v->vm, guest_ist_gpa), IST_REGION_SIZE);
}

static void cpr_restore(struct cpr_vm *v, struct cpr_state *s)
{
	int ret;
	u32 i;

	memcpy(addr_gpa2hva(v->vm, guest_ist_gpa), s->ist_ram, IST_REGION_SIZE);
	ret = vgic_v5_state_restore(v->gic_fd, &s->vgic);
	TEST_ASSERT(!ret, "VGIC restore: %d (register 0x%x)", ret,
		    s->vgic.regs.failed_offset);
	for (i = 0; i < NR_VCPUS; i++) {
		ret = vgic_v5_cpu_regs_restore(v->gic_fd, vcpu_mpidr(v->vcpus[i]->id),
					       &s->cpu[i]);
		TEST_ASSERT(!ret, "vCPU %u ICC restore: %d (register 0x%x)",
			    v->vcpus[i]->id, ret, s->cpu[i].failed_instr);
	}
	vgic_v5_ist_free(&s->vgic.ist);
	free(s->ist_ram);
}

/*
 * The handover: interrupts raised before the save and while the irqfds
 * are detached (after the detach, after the save and after the restore)
 * are all taken by the new VM, once each, on their vCPUs.
 */
static void test_cpr(void)
{
	static struct cpr_state s;
	struct cpr_vm old, new;

	cpr_old_vm(&old);

	/* 1. The vCPUs are stopped. 2. Detach the irqfds, keep the eventfds. */
	cpr_irqfds(&old, false);
	eventfd_signal(eventfds[SPI_IRQFD_DETACHED]);

	/* 3. Save, 4. destroy the old VM. */
	cpr_save(&old, &s);
	cpr_vm_destroy(&old);
	eventfd_signal(eventfds[LPI_IRQFD_DETACHED]);

	/* 5. A new VM on the same RAM, restored. */
	cpr_vm_create(&new, guest_code_resume);
	cpr_restore(&new, &s);
	eventfd_signal(eventfds[SPI_LEVEL_DETACHED]);

	/* 6. The routing, the same eventfds and resamplefd. 7. Run. */
	cpr_set_routing(&new);
	cpr_irqfds(&new, true);
	cpr_unmask_level();
	cpr_run_to_done(&new);

	cpr_irqfds(&new, false);
	cpr_close_eventfds();
	cpr_vm_destroy(&new);
}

/*
 * The save fails (the compact LPI image does not fit, or the flat one is
 * a word short): the handover is abandoned, the old VM gets its irqfds
 * back and runs on, with every interrupt, as if nothing had happened.
 */
static void test_cpr_save_fails(void)
{
	u32 spis[NR_SPIS], lpis[4];
	struct kvm_vgic_v5_ist ist = {
		.spi_ist_addr = (u64)(unsigned long)spis,
		.spi_ist_size = sizeof(spis),
		.lpi_ist_addr = (u64)(unsigned long)lpis,
	};
	struct cpr_vm old;
	int ret;

	cpr_old_vm(&old);

	cpr_irqfds(&old, false);
	cpr_signal(&old, SRC_IRQFD_DETACHED);

	if (!__kvm_has_device_attr(old.gic_fd, KVM_DEV_ARM_VGIC_GRP_IST,
				   KVM_DEV_ARM_VGIC_IST_COMPACT)) {
		ist.lpi_ist_size = sizeof(struct kvm_vgic_v5_ist_compact);
		ret = __kvm_device_attr_get(old.gic_fd, KVM_DEV_ARM_VGIC_GRP_IST,
					    KVM_DEV_ARM_VGIC_IST_COMPACT, &ist);
		TEST_ASSERT(ret && errno == ENOSPC,
			    "compact save into a header: ret %d errno %d, want ENOSPC",
			    ret, errno);
		TEST_ASSERT(ist.lpi_ist_size > sizeof(struct kvm_vgic_v5_ist_compact),
			    "compact save: %lu bytes needed", (unsigned long)ist.lpi_ist_size);
	}
	ist.lpi_ist_size = (sizeof(u32) << LPI_ID_BITS) - sizeof(u32);
	ret = __kvm_device_attr_get(old.gic_fd, KVM_DEV_ARM_VGIC_GRP_IST,
				    KVM_DEV_ARM_VGIC_IST_FLAT, &ist);
	TEST_ASSERT(ret && errno == EINVAL,
		    "flat save a word short: ret %d errno %d, want EINVAL", ret, errno);

	/* Abandoned: the irqfds go back to the old VM, which runs on. */
	cpr_irqfds(&old, true);
	cpr_unmask_level();
	cpr_run_to_done(&old);

	cpr_irqfds(&old, false);
	cpr_close_eventfds();
	cpr_vm_destroy(&old);
}

/* Whether KVM can save the VGIC state of a GICv5 VM */
static bool kvm_can_save_vgic_v5(void)
{
	struct cpr_vm v;
	bool ok;

	cpr_vm_create(&v, guest_code_old);
	ok = !__kvm_has_device_attr(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IST,
				    KVM_DEV_ARM_VGIC_IST_FLAT) &&
	     !__kvm_has_device_attr(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
				    GICV5_IRS_IDR0);
	cpr_vm_destroy(&v);
	return ok;
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "cpr",			test_cpr },
	{ "cpr_save_fails",		test_cpr_save_fails },
};

int main(void)
{
	int i;

	test_disable_default_vgic();

	__TEST_REQUIRE(kvm_supports_vgic_v5_irs(),
		       "No GICv5 IRS support; not running the GICv5 CPR tests");
	__TEST_REQUIRE(kvm_can_save_vgic_v5(),
		       "No GICv5 VGIC save/restore; not running the GICv5 CPR tests");

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		tests[i].fn();
		ksft_test_result_pass("%s\n", tests[i].name);
	}

	ksft_finished();
}
