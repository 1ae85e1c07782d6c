// SPDX-License-Identifier: GPL-2.0
/*
 * Soak: the guest IRS under every concurrent source at once, for a bounded
 * time (VGIC_SOAK_SECONDS, default 3; "make soak" runs it long under
 * ThreadSanitizer).
 *
 * Two vCPU threads run KVM_RUN (harness_run.c: load/put, WFI through
 * kvm_vcpu_wfi() with real sleeps, preempt notifiers, migration between
 * physical CPUs); their guest takes interrupts as Linux does, makes MMIO
 * exits to the IRS frames, and uses GIC instructions (CDPEND of its own
 * LPIs, CDDIS/CDEN around a pending interrupt). Injector threads raise
 * edge SPIs with KVM_IRQ_LINE and through irqfds (the atomic path, and the
 * kworker when that would block), LPIs with KVM_SIGNAL_MSI and irqfd MSI
 * routes, and toggle level SPI lines. A thread keeps trying to save the
 * VGIC state, which must fail with -EBUSY while a vCPU runs. Every
 * VGIC_SOAK_CYCLE_MS (default 500) the test does what a VMM does for a
 * migration or CPR: stop the vCPUs, hold the devices, save the IRS, ISTs,
 * ICC state and RAM, destroy the VM, create a new one, restore, raise the
 * device lines again, resume.
 *
 * An edge interrupt is injected again only once its guest took it, so at
 * the end, after a drain, each must have been taken exactly as many times
 * as it was injected, by its own vCPU, across all the VMs; level SPIs
 * follow their lines (taken again and again while high, never while low);
 * and there is no leak, lock inversion, sleep in atomic context or IRS
 * model violation.
 */
#include <pthread.h>
#include <stdlib.h>

#include "harness.h"
#include "vt.h"
#include "kvm_util.h"
#include "vgic_v5_save.h"

#define SETLPIR		(HARNESS_V5_IRS_BASE + 0x10000)
#define SPI(n)		vgic_v5_make_spi(n)
#define LPI(n)		vgic_v5_make_lpi(n)

#define NR_VCPUS	2
#define NR_SPIS		64
#define ID_BITS		12
#define RAM_GPA		0x40000000ULL
#define RAM_SIZE	SZ_1M
#define IST_GPA		0x48000000ULL

/*
 * Physical CPUs (the IRS model's four): each vCPU thread has two it
 * migrates between; the test's own thread loads vCPUs on CPU 0 only while
 * the vCPU threads do not run. The injectors never load a vCPU: they are
 * CPUs the IRS does not know.
 */
#define VCPU_CPU(v, alt)	((v) + 2 * (alt))
#define CONTROL_CPU		0
#define INJECT_CPU		8

/* Who makes an interrupt pending */
enum source {
	SRC_LINE,	/* KVM_IRQ_LINE, edge: raise and lower */
	SRC_IRQFD,	/* irqfd, SPI (irqchip route) or LPI (MSI route) */
	SRC_MSI,	/* KVM_SIGNAL_MSI to IRS_SETLPIR */
	SRC_GUEST,	/* the guest's GIC CDPEND */
	SRC_LEVEL,	/* KVM_IRQ_LINE, a level line */
	NR_SOURCES
};

static const char *const source_name[NR_SOURCES] = {
	"KVM_IRQ_LINE edge", "irqfd", "KVM_SIGNAL_MSI", "guest CDPEND", "level lines",
};

struct soak_intr {
	u32 intid;
	enum source src;
	int vcpu;		/* the vCPU it is routed to */
	u8 prio;
	u32 gsi;		/* SRC_IRQFD */
	/* Edge: injected and not taken yet; the injector waits for 0 */
	int in_flight;
	unsigned long injected, taken, wrong_vcpu, unexpected;
	bool line;		/* SRC_LEVEL: the device's line */
};

#define NR_INTRS	44

struct soak;

struct vcpu_state {
	struct soak *s;
	int idx;
	pthread_t thread;
	bool parked;		/* under s->lock */
	unsigned long entries, mmio, wfi, runs;
	u32 rnd;
	bool mmio_pending;
	bool enabled;		/* the guest enabled its CPU interface */
};

struct soak {
	/* The current VM; replaced by each cycle with the vCPUs parked */
	struct kvm *kvm;
	struct kvm_device *dev;
	/* Injectors and the save thread use the VM under the read side */
	pthread_rwlock_t vm_lock;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;		/* vCPUs: leave KVM_RUN and park (under lock) */
	bool done;		/* everyone: finish */
	bool draining;		/* vCPU guests: no WFI, leave when idle */
	struct soak_intr intr[NR_INTRS];
	int nr;
	struct vcpu_state vcpu[NR_VCPUS];
	unsigned long errors, save_ebusy, save_ok, cycles, injections[NR_SOURCES];
	unsigned long unknown;
};

static void soak_error(struct soak *s, const char *what, long val)
{
	__atomic_fetch_add(&s->errors, 1, __ATOMIC_SEQ_CST);
	vt_diag("soak: %s: %ld", what, val);
}

static u32 rnd(u32 *state)
{
	*state = *state * 1103515245 + 12345;
	return *state >> 16;
}

static unsigned int env_uint(const char *name, unsigned int def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

/* A step of a sequence that stops at the first failure: fails the test */
static bool step(bool ok, const char *what)
{
	if (!ok)
		vt_fail(__FILE__, __LINE__, "soak: %s failed", what);
	return ok;
}

/* KVM_IRQ_LINE of an SPI */
static int spi_line(struct kvm *kvm, const struct soak_intr *in, bool level)
{
	return harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0,
						     FIELD_GET(GICV5_HWIRQ_ID, in->intid)),
				level);
}

static struct soak_intr *intr_of(struct soak *s, u32 intid)
{
	for (int i = 0; i < s->nr; i++)
		if (s->intr[i].intid == intid)
			return &s->intr[i];
	return NULL;
}

/* ----------------------------------------------------------- the VMs */

/*
 * KVM_CREATE_VM, the vCPUs, the IRS, NR_IRQS, CTRL_INIT, guest RAM: the
 * first steps of a VM, and of its restore.
 */
static bool vm_create(struct soak *s)
{
	struct kvm_vcpu *v;
	u32 nr_spis = NR_SPIS;

	s->kvm = harness_vm_create();
	if (!s->kvm)
		return false;
	for (int i = 0; i < NR_VCPUS; i++)
		if (harness_vcpu_create(s->kvm, i, &v))
			return false;
	return !harness_create_device(s->kvm, KVM_DEV_TYPE_ARM_VGIC_V5, &s->dev) &&
	       !harness_v5_set_irs(s->dev) &&
	       !harness_set_attr(s->dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_spis) &&
	       !harness_vgic_init(s->dev) &&
	       !harness_memslot_add(s->kvm, 0, RAM_GPA, RAM_SIZE, 0);
}

/* The VMM's GSI routes: irqchip routes for SPIs, MSI routes for LPIs */
static int vm_routes(struct soak *s)
{
	struct kvm_irq_routing_entry ue[NR_INTRS] = {};
	int n = 0;

	for (int i = 0; i < s->nr; i++) {
		const struct soak_intr *in = &s->intr[i];
		u32 id = FIELD_GET(GICV5_HWIRQ_ID, in->intid);

		if (in->src != SRC_IRQFD)
			continue;
		ue[n].gsi = in->gsi;
		if (FIELD_GET(GICV5_HWIRQ_TYPE, in->intid) == GICV5_HWIRQ_TYPE_SPI) {
			ue[n].type = KVM_IRQ_ROUTING_IRQCHIP;
			ue[n].u.irqchip.pin = id;
		} else {
			ue[n].type = KVM_IRQ_ROUTING_MSI;
			ue[n].u.msi.address_lo = (u32)SETLPIR;
			ue[n].u.msi.address_hi = SETLPIR >> 32;
			ue[n].u.msi.data = id;
		}
		n++;
	}
	return kvm_set_irq_routing(s->kvm, ue, n, 0);
}

/* The device models' level lines, as they are (a new VM starts low) */
static int vm_lines(struct soak *s)
{
	int ret = 0;

	for (int i = 0; i < s->nr && !ret; i++)
		if (s->intr[i].src == SRC_LEVEL && s->intr[i].line)
			ret = spi_line(s->kvm, &s->intr[i], true);
	return ret;
}

/*
 * The guest driver's bring-up on vCPU 0, before the vCPU threads start:
 * every PE, IRSEN, a linear LPI IST, then each interrupt's trigger mode,
 * priority, affinity and enable.
 */
static void guest_bring_up(struct soak *s)
{
	struct kvm_vcpu *v0 = kvm_get_vcpu(s->kvm, 0);

	harness_set_this_cpu(CONTROL_CPU);
	VT_ASSERT_EQ(harness_vcpu_first_run(v0), 0);
	harness_vcpu_load(v0);
	for (int i = 0; i < NR_VCPUS; i++) {
		wr32(v0, GICV5_IRS_PE_SELR, i);
		wr32(v0, GICV5_IRS_PE_CR0, GICV5_IRS_PE_CR0_DPS);
	}
	wr32(v0, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN);
	wr32(v0, GICV5_IRS_IST_CFGR, FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, ID_BITS));
	wr64(v0, GICV5_IRS_IST_BASER, IST_GPA | GICV5_IRS_IST_BASER_VALID);
	VT_EXPECT(rd64(v0, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID);
	for (int i = 0; i < s->nr; i++) {
		const struct soak_intr *in = &s->intr[i];
		u64 type_id = in->intid & (GICV5_HWIRQ_TYPE | GICV5_HWIRQ_ID);

		if (FIELD_GET(GICV5_HWIRQ_TYPE, in->intid) == GICV5_HWIRQ_TYPE_SPI) {
			wr32(v0, GICV5_IRS_SPI_SELR, FIELD_GET(GICV5_HWIRQ_ID, in->intid));
			wr32(v0, GICV5_IRS_SPI_CFGR,
			     FIELD_PREP(GICV5_IRS_SPI_CFGR_TM, in->src == SRC_LEVEL));
		}
		harness_guest_insn(GM_CDPRI, FIELD_PREP(GICV5_GIC_CDPRI_PRIORITY_MASK,
							in->prio) | type_id);
		harness_guest_insn(GM_CDAFF, FIELD_PREP(GICV5_GIC_CDAFF_IAFFID_MASK,
							in->vcpu) | type_id);
		harness_guest_insn(GM_CDEN, type_id);
	}
	harness_vcpu_put(v0);
}

/* The interrupts: each source has some for each vCPU */
static void soak_intrs(struct soak *s)
{
	const struct { enum source src; u32 first; int nr; } sets[] = {
		{ SRC_LINE, SPI(8), 8 },
		{ SRC_IRQFD, SPI(16), 8 },
		{ SRC_LEVEL, SPI(32), 4 },
		{ SRC_MSI, LPI(100), 8 },
		{ SRC_IRQFD, LPI(200), 8 },
		{ SRC_GUEST, LPI(300), 8 },
	};

	for (int i = 0; i < ARRAY_SIZE(sets); i++) {
		for (int j = 0; j < sets[i].nr; j++) {
			struct soak_intr *in = &s->intr[s->nr];

			*in = (struct soak_intr){
				.intid = sets[i].first + j,
				.src = sets[i].src,
				.vcpu = j % NR_VCPUS,
				.prio = (s->nr * 7) % 31,
				.gsi = sets[i].src == SRC_IRQFD ? 100 + s->nr : 0,
			};
			s->nr++;
		}
	}
}

/* ------------------------------------------------------------ the guest */

/* The guest took @intid (acknowledged, EOIed): its handler's bookkeeping */
static void guest_took(struct soak *s, int vcpu, u32 intid)
{
	struct soak_intr *in = intr_of(s, intid);

	if (!in) {
		__atomic_fetch_add(&s->unknown, 1, __ATOMIC_SEQ_CST);
		vt_diag("soak: vCPU %d took unknown INTID 0x%x", vcpu, intid);
		return;
	}
	if (in->vcpu != vcpu)
		__atomic_fetch_add(&in->wrong_vcpu, 1, __ATOMIC_SEQ_CST);
	if (in->src != SRC_LEVEL) {
		int one = 1;

		/* Taken with no injection outstanding: a duplicate */
		if (!__atomic_compare_exchange_n(&in->in_flight, &one, 0, false,
						 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			__atomic_fetch_add(&in->unexpected, 1, __ATOMIC_SEQ_CST);
	}
	__atomic_fetch_add(&in->taken, 1, __ATOMIC_SEQ_CST);
}

/* Claim an edge interrupt for one more injection (it was taken) */
static bool claim(struct soak_intr *in)
{
	int zero = 0;

	if (!__atomic_compare_exchange_n(&in->in_flight, &zero, 1, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return false;
	__atomic_fetch_add(&in->injected, 1, __ATOMIC_SEQ_CST);
	return true;
}

static const u32 mmio_reads[] = {
	GICV5_IRS_IDR0, GICV5_IRS_IDR1, GICV5_IRS_IDR2, GICV5_IRS_CR0,
	GICV5_IRS_SYNC_STATUSR, GICV5_IRS_PE_STATUSR, GICV5_IRS_SPI_STATUSR,
	GICV5_IRS_IST_BASER, GICV5_IRS_IST_CFGR,
};

/*
 * One guest entry: take what is pending (up to 8), then one of: an MMIO
 * exit to the IRS, WFI, a GIC CDPEND of one of its own LPIs or CDDIS/CDEN
 * of an interrupt, an exit to userspace (vcpu_put(), then KVM_RUN again),
 * or straight back in.
 */
static enum harness_exit soak_guest(struct kvm_vcpu *vcpu, void *arg)
{
	struct vcpu_state *vs = arg;
	struct soak *s = vs->s;
	int took = 0;
	u32 intid, r;

	vs->entries++;
	if (!vs->enabled) {
		/* The guest's ICC_CR0_EL1.EN and ICC_PCR_EL1, once at boot */
		harness_sysreg_write(SYS_ICH_VMCR_EL2, "ICH_VMCR_EL2",
				     FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_EN, 1) |
				     FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_VPMR, 31));
		vs->enabled = true;
	}
	if (vs->mmio_pending) {
		harness_guest_mmio_result();
		vs->mmio_pending = false;
	}
	while (took < 8 && (intid = harness_guest_take(vcpu, NULL))) {
		guest_took(s, vs->idx, intid);
		took++;
	}
	/* Draining: again while there is something to take */
	if (READ_ONCE(s->draining))
		return took ? HARNESS_EXIT_IRQ : HARNESS_EXIT_USER;
	if (READ_ONCE(s->stop))
		return HARNESS_EXIT_USER;

	r = rnd(&vs->rnd) % 64;
	if (r < 16) {
		u32 off = mmio_reads[r % ARRAY_SIZE(mmio_reads)];

		vs->mmio++;
		vs->mmio_pending = true;
		if (r & 1) {
			/* Select an unused SPI; then read its configuration */
			harness_guest_mmio(HARNESS_V5_IRS_BASE + GICV5_IRS_SPI_SELR, 4,
					   40 + r, true);
			return HARNESS_EXIT_MMIO;
		}
		harness_guest_mmio(HARNESS_V5_IRS_BASE + off, off == GICV5_IRS_IST_BASER ? 8 : 4,
				   0, false);
		return HARNESS_EXIT_MMIO;
	}
	if (r < 24) {
		struct soak_intr *in = &s->intr[rnd(&vs->rnd) % s->nr];
		u64 type_id = in->intid & (GICV5_HWIRQ_TYPE | GICV5_HWIRQ_ID);

		if (in->src == SRC_GUEST) {
			if (claim(in)) {
				__atomic_fetch_add(&s->injections[SRC_GUEST], 1, __ATOMIC_SEQ_CST);
				harness_guest_insn(GM_CDPEND, GM_CDPEND_PENDING | type_id);
			}
		} else {
			/* Disabled and enabled again: a pending one stays pending */
			harness_guest_insn(GM_CDDIS, type_id);
			harness_guest_insn(GM_CDEN, type_id);
		}
		return HARNESS_EXIT_IRQ;
	}
	if (r < 40) {
		vs->wfi++;
		return HARNESS_EXIT_WFI;
	}
	if (r < 42)
		return HARNESS_EXIT_USER;
	return HARNESS_EXIT_IRQ;
}

/* Before each sleep, sometimes: wake up on the vCPU thread's other CPU */
static void soak_run_hook(struct kvm_vcpu *vcpu, enum harness_run_point point, void *arg)
{
	struct vcpu_state *vs = arg;

	if (point == HARNESS_RUN_BLOCK_CHECKED && rnd(&vs->rnd) % 4 == 0)
		harness_migrate_on_wake(VCPU_CPU(vs->idx, rnd(&vs->rnd) & 1));
}

/* A vCPU thread: KVM_RUN, again and again; parks while the VMM says stop */
static void *vcpu_thread(void *arg)
{
	struct vcpu_state *vs = arg;
	struct soak *s = vs->s;

	harness_set_this_cpu(VCPU_CPU(vs->idx, 0));
	harness_set_run_hook(soak_run_hook, vs);
	for (;;) {
		struct kvm_vcpu *vcpu;
		int ret;

		pthread_mutex_lock(&s->lock);
		while (READ_ONCE(s->stop) && !READ_ONCE(s->done)) {
			vs->parked = true;
			pthread_cond_broadcast(&s->cond);
			pthread_cond_wait(&s->cond, &s->lock);
		}
		vs->parked = false;
		if (READ_ONCE(s->done)) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		vcpu = kvm_get_vcpu(s->kvm, vs->idx);
		pthread_mutex_unlock(&s->lock);

		vs->runs++;
		ret = harness_kvm_run(vcpu, soak_guest, vs);
		if (ret && ret != -EINTR)
			soak_error(s, "KVM_RUN", ret);
	}
	return NULL;
}

/* The VMM stops the vCPUs: each leaves KVM_RUN (a signal if it sleeps) */
static void stop_vcpus(struct soak *s)
{
	bool all;

	pthread_mutex_lock(&s->lock);
	WRITE_ONCE(s->stop, true);
	pthread_mutex_unlock(&s->lock);
	do {
		for (int i = 0; i < NR_VCPUS; i++)
			harness_signal_vcpu(kvm_get_vcpu(s->kvm, i));
		usleep(200);
		pthread_mutex_lock(&s->lock);
		all = true;
		for (int i = 0; i < NR_VCPUS; i++)
			all &= s->vcpu[i].parked;
		pthread_mutex_unlock(&s->lock);
	} while (!all);
}

static void resume_vcpus(struct soak *s)
{
	pthread_mutex_lock(&s->lock);
	WRITE_ONCE(s->stop, false);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

/* ------------------------------------------------------------ injectors */

struct injector {
	struct soak *s;
	enum source src;
	int cpu;
	pthread_t thread;
};

static int inject(struct soak *s, struct soak_intr *in)
{
	u32 id = FIELD_GET(GICV5_HWIRQ_ID, in->intid);
	int ret;

	switch (in->src) {
	case SRC_LINE:
		ret = spi_line(s->kvm, in, true) ?: spi_line(s->kvm, in, false);
		return ret ? ret : 1;
	case SRC_IRQFD:
		ret = harness_irqfd_wakeup(s->kvm, in->gsi, false);
		/* An SPI's route says 0; an LPI's MSI 1 when delivered */
		return FIELD_GET(GICV5_HWIRQ_TYPE, in->intid) == GICV5_HWIRQ_TYPE_SPI &&
		       !ret ? 1 : ret;
	case SRC_MSI:
		return harness_msi(s->kvm, SETLPIR, id);
	case SRC_LEVEL:
		in->line = !in->line;
		return spi_line(s->kvm, in, in->line) ?: 1;
	default:
		return -EINVAL;
	}
}

static void *injector_thread(void *arg)
{
	struct injector *ij = arg;
	struct soak *s = ij->s;
	u32 seed = ij->src * 7919 + 1;

	harness_set_this_cpu(ij->cpu);
	while (!READ_ONCE(s->done)) {
		struct soak_intr *in = &s->intr[rnd(&seed) % s->nr];
		int ret;

		if (in->src != ij->src)
			continue;
		pthread_rwlock_rdlock(&s->vm_lock);
		if (in->src == SRC_LEVEL || claim(in)) {
			ret = inject(s, in);
			if (ret != 1)
				soak_error(s, source_name[in->src], ret);
			__atomic_fetch_add(&s->injections[in->src], 1, __ATOMIC_SEQ_CST);
		}
		pthread_rwlock_unlock(&s->vm_lock);
		if (in->src == SRC_LEVEL)
			usleep(200);
		else
			sched_yield();
	}
	return NULL;
}

/* Userspace tries to save while the vCPUs run: -EBUSY, or 0 between runs */
static void *save_thread(void *arg)
{
	struct soak *s = arg;

	harness_set_this_cpu(INJECT_CPU + NR_SOURCES);
	while (!READ_ONCE(s->done)) {
		struct vgic_v5_state st = {};
		int ret;

		pthread_rwlock_rdlock(&s->vm_lock);
		ret = vgic_v5_state_save(harness_device_fd(s->dev), &st, false);
		pthread_rwlock_unlock(&s->vm_lock);
		if (ret == -EBUSY)
			__atomic_fetch_add(&s->save_ebusy, 1, __ATOMIC_SEQ_CST);
		else if (!ret)
			__atomic_fetch_add(&s->save_ok, 1, __ATOMIC_SEQ_CST);
		else
			soak_error(s, "save attempt", ret);
		vgic_v5_ist_free(&st.ist);
		usleep(1000);
	}
	return NULL;
}

/* ------------------------------------------------------- the VMM's cycle */

/* MPIDR_EL1 of a vCPU, as a VMM reads it (KVM_GET_ONE_REG) */
static u64 mpidr(struct soak *s, int v)
{
	return kvm_vcpu_get_mpidr_aff(kvm_get_vcpu(s->kvm, v));
}

/*
 * Stop, save, destroy, create, restore, resume: the vCPUs are stopped
 * first, then the devices held (the injectors wait on vm_lock), as a VMM
 * stops a VM for migration or CPR. Returns false on a failure.
 */
static bool cycle(struct soak *s)
{
	struct vgic_v5_cpu_regs regs[NR_VCPUS] = {};
	struct vgic_v5_state st = {};
	bool compact = s->cycles & 1;
	void *ram;
	int fd;

	stop_vcpus(s);
	pthread_rwlock_wrlock(&s->vm_lock);

	fd = harness_device_fd(s->dev);
	if (!step(!vgic_v5_state_save(fd, &st, compact), "save"))
		return false;
	for (int i = 0; i < NR_VCPUS; i++)
		if (!step(!vgic_v5_cpu_regs_save(fd, mpidr(s, i), &regs[i]), "ICC save"))
			return false;
	ram = malloc(RAM_SIZE);
	if (!step(ram, "malloc"))
		return false;
	memcpy(ram, harness_guest_mem(s->kvm, RAM_GPA, RAM_SIZE), RAM_SIZE);
	harness_vm_destroy(s->kvm);

	if (!step(vm_create(s), "VM creation"))
		return false;
	memcpy(harness_guest_mem(s->kvm, RAM_GPA, RAM_SIZE), ram, RAM_SIZE);
	free(ram);
	fd = harness_device_fd(s->dev);
	if (!step(!vgic_v5_state_restore(fd, &st), "restore"))
		return false;
	for (int i = 0; i < NR_VCPUS; i++)
		if (!step(!vgic_v5_cpu_regs_restore(fd, mpidr(s, i), &regs[i]), "ICC restore"))
			return false;
	vgic_v5_ist_free(&st.ist);
	if (!step(!vm_routes(s) && !vm_lines(s), "GSI routes and lines"))
		return false;
	s->cycles++;

	pthread_rwlock_unlock(&s->vm_lock);
	resume_vcpus(s);
	return true;
}

/* ------------------------------------------------------------- the end */

/* The vCPU @v takes what is pending until nothing is, on this thread */
static void drain(struct soak *s, int v)
{
	struct vcpu_state *vs = &s->vcpu[v];

	WRITE_ONCE(s->draining, true);
	VT_EXPECT_EQ(harness_kvm_run(kvm_get_vcpu(s->kvm, v), soak_guest, vs), 0);
	WRITE_ONCE(s->draining, false);
}

/* The level lines: taken again and again while high, never while low */
static void check_levels(struct soak *s)
{
	for (int i = 0; i < s->nr; i++) {
		struct soak_intr *in = &s->intr[i];
		struct kvm_vcpu *vcpu = kvm_get_vcpu(s->kvm, in->vcpu);
		int n = 0;

		if (in->src != SRC_LEVEL)
			continue;
		VT_EXPECT_EQ(spi_line(s->kvm, in, true), 0);
		harness_vcpu_load(vcpu);
		for (int t = 0; t < 3; t++)
			n += harness_run_take(vcpu, NULL) == in->intid;
		VT_EXPECT_EQ(spi_line(s->kvm, in, false), 0);
		/* Low: nothing, even after its last EOI */
		VT_EXPECT_EQ(harness_run_take(vcpu, NULL), 0);
		harness_vcpu_put(vcpu);
		if (n != 3)
			vt_fail(__FILE__, __LINE__, "level SPI 0x%x held high taken %d times of 3",
				in->intid, n);
	}
}

VT_TEST(soak_concurrent_sources_with_save_restore)
{
	unsigned int seconds = env_uint("VGIC_SOAK_SECONDS", 3);
	unsigned int cycle_ms = env_uint("VGIC_SOAK_CYCLE_MS", 500);
	struct injector inj[] = {
		{ .src = SRC_LINE }, { .src = SRC_IRQFD }, { .src = SRC_MSI }, { .src = SRC_LEVEL },
	};
	unsigned long delivered = 0, injected = 0;
	struct timespec start, now;
	pthread_t saver;
	struct soak *s;

	s = calloc(1, sizeof(*s));
	VT_ASSERT(s);
	pthread_rwlock_init(&s->vm_lock, NULL);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	soak_intrs(s);
	VT_ASSERT(vm_create(s));
	guest_bring_up(s);
	VT_ASSERT_EQ(vm_routes(s), 0);

	for (int i = 0; i < NR_VCPUS; i++) {
		s->vcpu[i] = (struct vcpu_state){ .s = s, .idx = i, .rnd = i + 1 };
		VT_ASSERT_EQ(pthread_create(&s->vcpu[i].thread, NULL, vcpu_thread, &s->vcpu[i]), 0);
	}
	for (int i = 0; i < ARRAY_SIZE(inj); i++) {
		inj[i].s = s;
		inj[i].cpu = INJECT_CPU + i;
		VT_ASSERT_EQ(pthread_create(&inj[i].thread, NULL, injector_thread, &inj[i]), 0);
	}
	VT_ASSERT_EQ(pthread_create(&saver, NULL, save_thread, s), 0);

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		usleep(cycle_ms * 1000);
		if (!cycle(s))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < seconds && !vt_failures);

	/* The end: vCPUs stopped, then the devices and the save thread */
	stop_vcpus(s);
	WRITE_ONCE(s->done, true);
	for (int i = 0; i < ARRAY_SIZE(inj); i++)
		pthread_join(inj[i].thread, NULL);
	pthread_join(saver, NULL);
	pthread_mutex_lock(&s->lock);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	for (int i = 0; i < NR_VCPUS; i++)
		pthread_join(s->vcpu[i].thread, NULL);

	/* Lines low; each vCPU takes what is still pending */
	for (int i = 0; i < s->nr; i++) {
		if (s->intr[i].src == SRC_LEVEL && s->intr[i].line) {
			s->intr[i].line = false;
			VT_EXPECT_EQ(spi_line(s->kvm, &s->intr[i], false), 0);
		}
	}
	harness_set_this_cpu(CONTROL_CPU);
	for (int v = 0; v < NR_VCPUS; v++)
		drain(s, v);

	for (int i = 0; i < s->nr; i++) {
		struct soak_intr *in = &s->intr[i];

		if (in->wrong_vcpu || in->unexpected ||
		    (in->src != SRC_LEVEL && (in->in_flight || in->taken != in->injected)))
			vt_fail(__FILE__, __LINE__,
				"0x%x (%s, vCPU %d): injected %lu, taken %lu (%lu %s, %lu %s)%s",
				in->intid, source_name[in->src], in->vcpu, in->injected, in->taken,
				in->wrong_vcpu, "by another vCPU", in->unexpected, "unexpected",
				in->in_flight ? ", still pending" : "");
		if (in->src != SRC_LEVEL) {
			injected += in->injected;
			delivered += in->taken;
		}
	}
	check_levels(s);
	VT_EXPECT_EQ(s->unknown, 0);
	VT_EXPECT_EQ(s->errors, 0);
	/* Attempts made while a vCPU was in KVM_RUN failed */
	VT_EXPECT(s->save_ebusy > 0);
	VT_EXPECT(s->cycles > 0);
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 0);
	VT_EXPECT_EQ(harness_reports(HR_SLEEP), 0);

	vt_diag("soak: %u s, %lu stop-save-restore-resume cycles", seconds, s->cycles);
	vt_diag("soak:   edge interrupts: %lu injected, %lu taken", injected, delivered);
	for (int i = 0; i < NR_SOURCES; i++)
		vt_diag("soak:   %s: %lu", source_name[i], s->injections[i]);
	for (int i = 0; i < NR_VCPUS; i++)
		vt_diag("soak:   vCPU %d: %lu KVM_RUNs, %lu entries, %lu MMIO exits, %lu WFIs", i,
			s->vcpu[i].runs, s->vcpu[i].entries, s->vcpu[i].mmio, s->vcpu[i].wfi);
	vt_diag("soak:   save attempts: %lu -EBUSY, %lu saved between runs",
		s->save_ebusy, s->save_ok);
	harness_vm_destroy(s->kvm);
	free(s);
}
