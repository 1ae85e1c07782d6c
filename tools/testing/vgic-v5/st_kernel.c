// SPDX-License-Identifier: GPL-2.0
/*
 * st_kernel.c - the kernel side of the KVM selftest library backend
 * (selftest/st_backend.c): the ioctls a selftest issues, as the harness
 * runs them, and the guest's CPU interface while a selftest's guest code
 * runs.
 *
 * The CPU interface: GIC CD* instructions, GICR CDIA and the ICC
 * registers of the guest go where they go on hardware:
 *  - SPIs and LPIs: the host IRS model (the vPE resident on this CPU);
 *  - PPIs: the virtual PPI state the hypervisor loaded in ICH_PPI_*_EL2
 *    (arch/arm64/kvm/hyp/vgic-v5-sr.c), arbitrated with the IRS by
 *    priority as the CPU interface does;
 *  - ICC_CR0_EL1.EN and ICC_PCR_EL1 are ICH_VMCR_EL2.EN and .VPMR;
 *  - the registers 7.3 traps (ICC_IDR0_EL1, ICC_IAFFIDR_EL1 reads,
 *    ICC_PPI_ENABLERn_EL1 writes) go to renditions of their sys_regs.c
 *    handlers and count as a trap: the guest exits and re-enters; a
 *    write to the read-only ones is KVM's undef_access(), an UNDEF the
 *    guest takes (STB_UNDEF).
 */
#include <linux/kvm_host.h>

#include "harness.h"
#include "vt.h"
#include "selftest/st_bridge.h"

/* What vt_before_each() does for a harness test (harness.c); once */
bool stb_host_init(void)
{
	const struct harness_host host = { .type = GIC_V5, .pmuv3 = true };
	static bool done;

	if (done)
		return false;
	done = true;
	harness_events_clear();
	WARN_ON(harness_host_init(&host));
	return true;
}

/* The vCPU whose guest code runs on this thread (any selftest instance) */
static __thread void *guest_vcpu;

void *stb_guest_vcpu(void)
{
	return guest_vcpu;
}

void stb_set_guest_vcpu(void *v)
{
	guest_vcpu = v;
}

int stb_host_check(void)
{
	harness_check_violations();
	if (vt_after_each)
		vt_after_each();
	return vt_failures;
}

void *stb_vm_create(void)
{
	return harness_vm_create();
}

void stb_vm_destroy(void *kvm)
{
	harness_vm_destroy(kvm);
}

int stb_vcpu_create(void *kvm, int vcpu_id, void **vcpu)
{
	return harness_vcpu_create(kvm, vcpu_id, (struct kvm_vcpu **)vcpu);
}

int stb_vcpu_id(void *vcpu)
{
	return ((struct kvm_vcpu *)vcpu)->vcpu_id;
}

/* kvm_ioctl_create_device(): KVM_CREATE_DEVICE_TEST only looks the type up */
int stb_create_device(void *kvm, u32 type, bool test, void **dev)
{
	if (test)
		return harness_device_type_known(type) ? 0 : -ENODEV;
	return harness_create_device(kvm, type, (struct kvm_device **)dev);
}

int stb_device_attr(void *dev, int op, uint32_t group, uint64_t attr, uint64_t addr)
{
	void *p = (void *)(unsigned long)addr;

	switch (op) {
	case STB_ATTR_HAS:
		return harness_has_attr(dev, group, attr);
	case STB_ATTR_GET:
		return harness_get_attr(dev, group, attr, p);
	default:
		return harness_set_attr(dev, group, attr, p);
	}
}

/* kvm_vm_ioctl_check_extension() in arm.c */
int stb_vm_msi_devid(void *kvm)
{
	return ((struct kvm *)kvm)->arch.vgic.msis_require_devid;
}

int stb_irq_line(void *kvm, u32 irq, int level)
{
	return harness_irq_line(kvm, irq, level);
}

/* kvm_send_userspace_msi() */
int stb_signal_msi(void *kvm, uint64_t addr, uint32_t data, uint32_t flags,
		   uint32_t devid)
{
	struct kvm_kernel_irq_routing_entry e = {
		.type = KVM_IRQ_ROUTING_MSI,
		.msi = {
			.address_lo = addr,
			.address_hi = addr >> 32,
			.data = data,
			.flags = flags,
			.devid = devid,
		},
	};

	if (flags & ~KVM_MSI_VALID_DEVID)
		return -EINVAL;
	return kvm_set_msi(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
}

/* kvm_vm_ioctl(KVM_SET_GSI_ROUTING) */
int stb_set_gsi_routing(void *kvm, const void *entries, u32 nr, u32 flags)
{
	if (nr > 4096 || flags)	/* KVM_MAX_IRQ_ROUTES (arm64) */
		return -EINVAL;
	return kvm_set_irq_routing(kvm, entries, nr, 0);
}

/* irqfd_wakeup() in virt/kvm/eventfd.c */
int stb_irqfd_inject(void *kvm, u32 gsi, bool resample)
{
	return harness_irqfd_wakeup(kvm, gsi, resample);
}

struct stb_resampler {
	struct kvm_irq_ack_notifier notifier;
	struct kvm *kvm;
	void (*notify)(void *ctx);
	void *ctx;
};

/* irqfd_resampler_ack() in virt/kvm/eventfd.c */
static void stb_resampler_ack(struct kvm_irq_ack_notifier *kian)
{
	struct stb_resampler *r = container_of(kian, struct stb_resampler, notifier);

	harness_set_irq(r->kvm, kian->gsi, 0);
	r->notify(r->ctx);
}

void *stb_resampler_add(void *kvm, u32 gsi, void (*notify)(void *ctx), void *ctx)
{
	struct stb_resampler *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->kvm = kvm;
	r->notify = notify;
	r->ctx = ctx;
	r->notifier.gsi = gsi;
	r->notifier.irq_acked = stb_resampler_ack;
	kvm_register_irq_ack_notifier(kvm, &r->notifier);
	return r;
}

/*
 * irqfd_resampler_shutdown() in virt/kvm/eventfd.c, for the last irqfd of
 * the resampler (the backend has one per irqfd): the line goes low.
 */
void stb_resampler_del(void *kvm, void *resampler)
{
	struct stb_resampler *r = resampler;

	if (!r)
		return;
	kvm_unregister_irq_ack_notifier(kvm, &r->notifier);
	harness_set_irq(kvm, r->notifier.gsi, 0);
	free(r);
}

int stb_memslot(void *kvm, int slot, uint64_t gpa, uint64_t size, uint32_t flags, void *hva)
{
	if (!size) {
		harness_memslot_remove(kvm, slot);
		return 0;
	}
	return harness_memslot_add_user(kvm, slot, gpa, size, flags, hva);
}

int stb_run(void *vcpu, enum stb_exit (*guest)(void *vcpu, void *arg), void *arg)
{
	BUILD_BUG_ON((int)STB_EXIT_USER != (int)HARNESS_EXIT_USER ||
		     (int)STB_EXIT_WFI != (int)HARNESS_EXIT_WFI ||
		     (int)STB_EXIT_IRQ != (int)HARNESS_EXIT_IRQ ||
		     (int)STB_EXIT_MMIO != (int)HARNESS_EXIT_MMIO);
	return harness_kvm_run(vcpu, (harness_guest_t)guest, arg);
}

void stb_guest_mmio(uint64_t gpa, int len, uint64_t val, bool write)
{
	harness_guest_mmio(gpa, len, val, write);
}

uint64_t stb_guest_mmio_result(void)
{
	return harness_guest_mmio_result();
}

bool stb_guest_exit_requested(void *v)
{
	struct kvm_vcpu *vcpu = v;

	return READ_ONCE(vcpu->mode) == EXITING_GUEST_MODE || READ_ONCE(vcpu->requests);
}

/* ------------------------------------------------------ the CPU interface */

/* The 5-bit priority of PPI @n in the ICH_PPI_PRIORITYRn_EL2 values @regs */
static unsigned int ppi_prio(const u64 *regs, unsigned int n)
{
	return (regs[n / 8] >> (8 * (n % 8))) & 0x1f;
}

/* SW_PPI is the only edge-triggered architected PPI (facts 1.2) */
static bool ppi_is_edge(unsigned int n)
{
	return n == GICV5_ARCH_PPI_SW_PPI;
}

static u64 prio_reg_enc(unsigned int i)
{
	static const u32 enc[8] = {
		SYS_ICH_PPI_PRIORITYR0_EL2, SYS_ICH_PPI_PRIORITYR1_EL2,
		SYS_ICH_PPI_PRIORITYR2_EL2, SYS_ICH_PPI_PRIORITYR3_EL2,
		SYS_ICH_PPI_PRIORITYR4_EL2, SYS_ICH_PPI_PRIORITYR5_EL2,
		SYS_ICH_PPI_PRIORITYR6_EL2, SYS_ICH_PPI_PRIORITYR7_EL2,
	};

	return enc[i];
}

static u64 vmcr(void)
{
	return harness_sysreg_read(SYS_ICH_VMCR_EL2, "ICH_VMCR_EL2");
}

/*
 * ICH_APR_EL2: the resident vPE's in the IRS model, else (a VM without an
 * IRS: PPIs only) the CPU's register.
 */
static u64 apr(void)
{
	return harness_sysreg_read(SYS_ICH_APR_EL2, "ICH_APR_EL2");
}

/* The running priority's limit: a priority below it is signalled */
static unsigned int prio_limit(void)
{
	u32 a = apr();
	unsigned int running = a ? __builtin_ctz(a) : 32;
	unsigned int pmr = FIELD_GET(FEAT_GCIE_ICH_VMCR_EL2_VPMR, vmcr());

	return min(running, pmr + 1);
}

static bool irs_resident(void)
{
	return gm_cpu_resident(harness_gm(), harness_this_cpu());
}

/*
 * The CPU interface masks the IRS's interrupts with the virtual PCR, which
 * is ICH_VMCR_EL2.VPMR as the hypervisor loaded it (vgic-v5-sr.c) or the
 * guest wrote it since: the model's vPE takes it from there.
 */
static void irs_sync_pcr(void)
{
	if (irs_resident())
		gm_guest_set_pcr(harness_gm(), harness_this_cpu(),
				 FIELD_GET(FEAT_GCIE_ICH_VMCR_EL2_VPMR, vmcr()));
}

/* The highest priority pending PPI the CPU interface would signal, or -1 */
static int ppi_hppi(unsigned int limit, unsigned int *prio)
{
	u64 pend = harness_sysreg_read(SYS_ICH_PPI_PENDR0_EL2, "ICH_PPI_PENDR0_EL2") &
		   harness_sysreg_read(SYS_ICH_PPI_ENABLER0_EL2, "ICH_PPI_ENABLER0_EL2") &
		   ~harness_sysreg_read(SYS_ICH_PPI_ACTIVER0_EL2, "ICH_PPI_ACTIVER0_EL2");
	u64 prios[8];
	int best = -1;
	unsigned int best_prio = 32;

	for (int i = 0; i < 8; i++)
		prios[i] = harness_sysreg_read(prio_reg_enc(i), "ICH_PPI_PRIORITYR");
	for (unsigned int n = 0; n < 64; n++) {
		unsigned int p = ppi_prio(prios, n);

		if (!(pend & BIT_ULL(n)) || p >= limit || p >= best_prio)
			continue;
		best = n;
		best_prio = p;
	}
	*prio = best_prio;
	return best;
}

bool stb_guest_irq_pending(void *vcpu)
{
	unsigned int limit, prio;

	if (!FIELD_GET(FEAT_GCIE_ICH_VMCR_EL2_EN, vmcr()))
		return false;
	limit = prio_limit();
	if (ppi_hppi(limit, &prio) >= 0)
		return true;
	irs_sync_pcr();
	return gm_guest_hppi(harness_gm(), harness_this_cpu(), NULL);
}

/* GICR CDIA: the PPI or IRS interrupt of highest priority, acknowledged */
static u64 guest_cdia(void)
{
	unsigned int limit, ppi_prio, irs_prio = 32;
	u64 irs;
	int ppi;

	if (!FIELD_GET(FEAT_GCIE_ICH_VMCR_EL2_EN, vmcr()))
		return 0;
	limit = prio_limit();
	ppi = ppi_hppi(limit, &ppi_prio);
	irs_sync_pcr();
	irs = gm_guest_hppi(harness_gm(), harness_this_cpu(), &irs_prio);
	if (ppi < 0 || (irs && irs_prio < ppi_prio))
		return irs ? harness_guest_cdia() : 0;

	harness_sysreg_write(SYS_ICH_PPI_ACTIVER0_EL2, "ICH_PPI_ACTIVER0_EL2",
			     harness_sysreg_read(SYS_ICH_PPI_ACTIVER0_EL2,
						 "ICH_PPI_ACTIVER0_EL2") | BIT_ULL(ppi));
	if (ppi_is_edge(ppi))
		harness_sysreg_write(SYS_ICH_PPI_PENDR0_EL2, "ICH_PPI_PENDR0_EL2",
				     harness_sysreg_read(SYS_ICH_PPI_PENDR0_EL2,
							 "ICH_PPI_PENDR0_EL2") & ~BIT_ULL(ppi));
	harness_sysreg_write(SYS_ICH_APR_EL2, "ICH_APR_EL2", apr() | BIT_ULL(ppi_prio));
	return GICV5_GIC_CDIA_VALID_MASK |
	       FIELD_PREP(GICV5_HWIRQ_TYPE, GICV5_HWIRQ_TYPE_PPI) | ppi;
}

static int gic_insn_op(u32 enc)
{
	switch (enc) {
	case GICV5_OP_GIC_CDDIS:	return GM_CDDIS;
	case GICV5_OP_GIC_CDEN:		return GM_CDEN;
	case GICV5_OP_GIC_CDPRI:	return GM_CDPRI;
	case GICV5_OP_GIC_CDAFF:	return GM_CDAFF;
	case GICV5_OP_GIC_CDPEND:	return GM_CDPEND;
	case GICV5_OP_GIC_CDRCFG:	return GM_CDRCFG;
	case GICV5_OP_GIC_CDEOI:	return GM_CDEOI;
	case GICV5_OP_GIC_CDDI:		return GM_CDDI;
	case GICV5_OP_GIC_CDHM:		return GM_CDHM;
	}
	return -1;
}

/* access_gicv5_ppi_enabler() in sys_regs.c (a trapped write) */
static void access_gicv5_ppi_enabler(struct kvm_vcpu *vcpu, u32 enc, u64 val)
{
	unsigned long *mask = vcpu->kvm->arch.vgic.gicv5_vm.vgic_ppi_mask;
	struct vgic_v5_cpu_if *cpu_if = &vcpu->arch.vgic_cpu.vgic_v5;
	unsigned long reg = val;
	int i;

	if (enc == SYS_ICC_PPI_ENABLER1_EL1)
		return;

	bitmap_and(cpu_if->vgic_ppi_enabler, &reg, mask, VGIC_V5_NR_PRIVATE_IRQS);

	for_each_set_bit(i, mask, VGIC_V5_NR_PRIVATE_IRQS) {
		struct vgic_irq *irq = vgic_get_vcpu_irq(vcpu, vgic_v5_make_ppi(i));

		scoped_guard(raw_spinlock_irqsave, &irq->irq_lock)
			irq->enabled = test_bit(i, cpu_if->vgic_ppi_enabler);

		vgic_put_irq(vcpu->kvm, irq);
	}
}

static void set_clear(u32 ich, const char *name, u64 bits, bool set)
{
	u64 v = harness_sysreg_read(ich, name);

	harness_sysreg_write(ich, name, set ? v | bits : v & ~bits);
}

/*
 * undef_access() in sys_regs.c: kvm_inject_undefined() -> inject_undef64()
 * (inject_fault.c), an EC_UNKNOWN exception with IL set, the instruction
 * not skipped. An MSR to these read-only registers is also UNDEFINED in
 * the CPU before any trap (ICH_HFGWTR_EL2 has no bit for them): the same
 * exception.
 */
#define ST_ESR_ELx_EC_SHIFT	26
#define ST_ESR_ELx_EC_UNKNOWN	0x00UL
#define ST_ESR_ELx_IL		BIT(25)

static int undef_access(uint64_t *esr)
{
	*esr = (ST_ESR_ELx_EC_UNKNOWN << ST_ESR_ELx_EC_SHIFT) | ST_ESR_ELx_IL;
	return STB_UNDEF;
}

int stb_guest_sysreg(void *v, uint32_t enc, uint64_t *val, bool write)
{
	struct kvm_vcpu *vcpu = v;
	u64 r;
	int op;

	/* System instructions (Op0 = 1) */
	if (enc == GICV5_OP_GICR_CDIA) {
		*val = guest_cdia();
		return 0;
	}
	op = gic_insn_op(enc);
	if (op >= 0) {
		bool ppi = FIELD_GET(GICV5_HWIRQ_TYPE, *val) == GICV5_HWIRQ_TYPE_PPI;

		/* A trapped instruction goes to KVM; SPIs and LPIs to the IRS */
		if (harness_insn_trapped(vcpu, op) || irs_resident()) {
			harness_guest_insn(op, *val);
			if (harness_insn_trapped(vcpu, op))
				return 0;
		} else if (op == GM_CDEOI) {
			/* no IRS: the CPU interface drops the priority itself */
			u64 a = apr();

			harness_sysreg_write(SYS_ICH_APR_EL2, "ICH_APR_EL2", a & (a - 1));
		}
		/* PPIs are the CPU interface's: deactivation */
		if (op == GM_CDDI && ppi && FIELD_GET(GICV5_HWIRQ_ID, *val) < 64)
			set_clear(SYS_ICH_PPI_ACTIVER0_EL2, "ICH_PPI_ACTIVER0_EL2",
				  BIT_ULL(FIELD_GET(GICV5_HWIRQ_ID, *val)), false);
		return 0;
	}

	switch (enc) {
	case SYS_ICC_IDR0_EL1:		/* access_gicv5_idr0() */
		if (write)
			return undef_access(val);
		*val = FIELD_PREP(ICC_IDR0_EL1_PRI_BITS, vcpu->arch.vgic_cpu.num_pri_bits - 1) |
		       FIELD_PREP(ICC_IDR0_EL1_ID_BITS, vcpu->arch.vgic_cpu.num_id_bits);
		return STB_TRAPPED;
	case SYS_ICC_IAFFIDR_EL1:	/* access_gicv5_iaffid() */
		if (write)
			return undef_access(val);
		*val = FIELD_PREP(ICC_IAFFIDR_EL1_IAFFID, vcpu->vcpu_id);
		return STB_TRAPPED;
	case SYS_ICC_PPI_ENABLER0_EL1:
	case SYS_ICC_PPI_ENABLER1_EL1:
		if (write) {
			access_gicv5_ppi_enabler(vcpu, enc, *val);
			return STB_TRAPPED;
		}
		*val = enc == SYS_ICC_PPI_ENABLER0_EL1 ?
		       harness_sysreg_read(SYS_ICH_PPI_ENABLER0_EL2, "ICH_PPI_ENABLER0_EL2") : 0;
		return 0;
	case SYS_ICC_PPI_SPENDR0_EL1:
	case SYS_ICC_PPI_CPENDR0_EL1:
		if (write)
			set_clear(SYS_ICH_PPI_PENDR0_EL2, "ICH_PPI_PENDR0_EL2", *val,
				  enc == SYS_ICC_PPI_SPENDR0_EL1);
		else
			*val = harness_sysreg_read(SYS_ICH_PPI_PENDR0_EL2, "ICH_PPI_PENDR0_EL2");
		return 0;
	case SYS_ICC_PPI_SACTIVER0_EL1:
	case SYS_ICC_PPI_CACTIVER0_EL1:
		if (write)
			set_clear(SYS_ICH_PPI_ACTIVER0_EL2, "ICH_PPI_ACTIVER0_EL2", *val,
				  enc == SYS_ICC_PPI_SACTIVER0_EL1);
		else
			*val = harness_sysreg_read(SYS_ICH_PPI_ACTIVER0_EL2,
						   "ICH_PPI_ACTIVER0_EL2");
		return 0;
	case SYS_ICC_PPI_SPENDR1_EL1:
	case SYS_ICC_PPI_CPENDR1_EL1:
	case SYS_ICC_PPI_SACTIVER1_EL1:
	case SYS_ICC_PPI_CACTIVER1_EL1:
		/* PPIs 64..127 are not implemented: RAZ/WI */
		if (!write)
			*val = 0;
		return 0;
	case SYS_ICC_PPI_PRIORITYR0_EL1 ... SYS_ICC_PPI_PRIORITYR15_EL1: {
		unsigned int n = (sys_reg_CRm(enc) - sys_reg_CRm(SYS_ICC_PPI_PRIORITYR0_EL1)) * 8 +
				 sys_reg_Op2(enc);

		if (n >= 8) {
			if (!write)
				*val = 0;
			return 0;
		}
		/* Bits other than the 5-bit priority fields are RES0 */
		if (write)
			harness_sysreg_write(prio_reg_enc(n), "ICH_PPI_PRIORITYR",
					     *val & 0x1f1f1f1f1f1f1f1fULL);
		else
			*val = harness_sysreg_read(prio_reg_enc(n), "ICH_PPI_PRIORITYR");
		return 0;
	}
	case SYS_ICC_CR0_EL1:
		r = vmcr();
		if (write) {
			r &= ~FEAT_GCIE_ICH_VMCR_EL2_EN;
			r |= FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_EN, FIELD_GET(ICC_CR0_EL1_EN, *val));
			harness_sysreg_write(SYS_ICH_VMCR_EL2, "ICH_VMCR_EL2", r);
		} else {
			*val = FIELD_PREP(ICC_CR0_EL1_EN, FIELD_GET(FEAT_GCIE_ICH_VMCR_EL2_EN, r));
		}
		return 0;
	case SYS_ICC_PCR_EL1:
		r = vmcr();
		if (write) {
			r &= ~FEAT_GCIE_ICH_VMCR_EL2_VPMR;
			r |= FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_VPMR,
					FIELD_GET(ICC_PCR_EL1_PRIORITY, *val));
			harness_sysreg_write(SYS_ICH_VMCR_EL2, "ICH_VMCR_EL2", r);
			if (irs_resident())
				gm_guest_set_pcr(harness_gm(), harness_this_cpu(),
						 FIELD_GET(ICC_PCR_EL1_PRIORITY, *val));
		} else {
			*val = FIELD_PREP(ICC_PCR_EL1_PRIORITY,
					  FIELD_GET(FEAT_GCIE_ICH_VMCR_EL2_VPMR, r));
		}
		return 0;
	case SYS_ICC_ICSR_EL1:
		if (write)
			return -1;
		*val = gm_guest_icsr(harness_gm(), harness_this_cpu());
		return 0;
	case SYS_ICC_APR_EL1:
		/* P0..P31; bits [63:32] are RES0 */
		if (write)
			harness_sysreg_write(SYS_ICH_APR_EL2, "ICH_APR_EL2",
					     *val & GENMASK_ULL(31, 0));
		else
			*val = harness_sysreg_read(SYS_ICH_APR_EL2, "ICH_APR_EL2");
		return 0;
	}
	return -1;
}
