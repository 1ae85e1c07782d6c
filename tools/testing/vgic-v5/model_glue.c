// SPDX-License-Identifier: GPL-2.0
/*
 * model_glue.c - the host GICv5 IRS model (model/) behind the shims.
 *
 * harness_host_init() creates one model per host and hands its
 * CONFIG_FRAME to KVM as the irqchip driver would (gic_kvm_info.irs_base).
 * From then on the shims route to it:
 *
 *   readl/writel/readq/writeq (+ _relaxed, iopoll)  in the frame -> MMIO
 *   every allocation / free                          -> memory registry
 *   dcache_{clean,inval,clean_inval}_poc()           -> cache maintenance
 *   read/write_sysreg_s(SYS_ICH_CONTEXTR_EL2)        -> this CPU's CONTEXTR
 *   read/write_sysreg_s(SYS_ICH_APR_EL2)             -> the resident vPE's APR
 *   gic_insn(xt, VDPEND)                             -> GIC VDPEND
 *   a VPE doorbell                                   -> the host LPI (custom_irq.c)
 *
 * After each test, the model's violations and the shims' (harness_violation())
 * fail the test unless expected, and so does a VM still valid, a VPE still
 * resident or a command still in flight (the VMT stays: KVM installs it
 * once for the host's life).
 */
#include <linux/kvm_host.h>
#include <linux/irqchip/arm-gic-v5.h>

#include "harness.h"
#include "vt.h"

struct gicv5_chip_data gicv5_global_data;

static struct gm *host_gm;
/* Models of hosts replaced by a later harness_host_init() in the same test. */
static struct gm *old_gms[8];
static int nr_old_gms;
static struct gic_kvm_info host_info;

/* What a host keeps for its whole life: KVM never removes the VMT. */
#define VMT_STILL_VALID	"quiescent: VMT still valid"

#define MAX_EXPECTED 16
static const char *expected[MAX_EXPECTED];
static int nr_expected;

struct gm *harness_gm(void)
{
	return host_gm;
}

const struct gic_kvm_info *harness_host_kvm_info(void)
{
	return &host_info;
}

/* ------------------------------------------------------------- host setup */

static void doorbell(void *ctx, uint32_t lpi)
{
	harness_lpi_raise(lpi);
}

static void stale_doorbell(void *ctx, uint32_t lpi)
{
	harness_violation("the IRS of a previous host raised LPI %u", lpi);
}

/*
 * The irqchip driver's part of boot for the host IRS: a fresh model, the
 * LPI domain, gicv5_global_data, and the IRS fields of gic_kvm_info.
 */
void harness_model_host_init(const struct harness_host *host, struct gic_kvm_info *info)
{
	struct gm_caps caps = host->irs ? *host->irs : gm_caps_default();
	u32 nr_lpis, first_lpi;

	if (gicv5_global_data.lpi_domain &&
	    !harness_lpi_domain_destroy(gicv5_global_data.lpi_domain))
		vt_fail(__FILE__, __LINE__,
			"host re-initialised while the LPI domain has interrupts");
	if (host_gm) {
		gm_set_doorbell_cb(host_gm, stale_doorbell, NULL);
		if (nr_old_gms < ARRAY_SIZE(old_gms))
			old_gms[nr_old_gms++] = host_gm;
		else
			vt_fail(__FILE__, __LINE__, "too many host re-initialisations");
	}

	host_gm = gm_create(&caps);
	if (!host_gm) {
		vt_fail(__FILE__, __LINE__, "gm_create() failed");
		_exit(1);
	}
	caps = gm_get_caps(host_gm);
	gm_set_doorbell_cb(host_gm, doorbell, NULL);
	/* Memory allocated before this host existed may become a table too. */
	harness_allocs_announce();
	harness_set_nr_cpus(caps.nr_cpus);

	/* LPI IDs for the kernel's own use (e.g. IPIs) come first. */
	nr_lpis = caps.lpi ? 1u << caps.id_bits : 0;
	first_lpi = min(nr_lpis / 4, 8192u);
	nr_lpis = min(nr_lpis - first_lpi, 65536u);
	memset(&gicv5_global_data, 0, sizeof(gicv5_global_data));
	gicv5_global_data.lpi_domain = nr_lpis ? harness_lpi_domain_create(first_lpi, nr_lpis) :
						 NULL;
	if (nr_lpis && !gicv5_global_data.lpi_domain) {
		vt_fail(__FILE__, __LINE__, "cannot create the LPI domain");
		_exit(1);
	}
	gicv5_global_data.irs_pri_bits = caps.pri_bits;
	gicv5_global_data.cpuif_pri_bits = 5;
	gicv5_global_data.cpuif_id_bits = caps.id_bits > 16 ? 24 : 16;
	gicv5_global_data.global_spi_count = caps.spi_range;
	gicv5_global_data.virt_capable = caps.virt;

	if (host->type == GIC_V5 && !host->no_irs) {
		info->irs_base = gm_frame_base(host_gm);
		info->irs_noncoherent = !caps.coherent;
	}
	host_info = *info;
}

/*
 * Forget the models of the hosts harness_host_init() replaced, with their
 * violations: for a program that boots many hosts in turn and checks each
 * before it boots the next (the libFuzzer target).
 */
void harness_model_retire_old(void)
{
	for (int i = 0; i < nr_old_gms; i++)
		gm_destroy(old_gms[i]);
	nr_old_gms = 0;
}

/* ------------------------------------------------------------ the routes */

bool harness_model_mmio(const void *addr, int size, bool write, u64 *val)
{
	struct gm *m = host_gm;
	uint32_t off;
	int i;

	if (!m)
		return false;
	if (!gm_owns(m, addr, &off)) {
		for (i = 0; i < nr_old_gms; i++)
			if (gm_owns(old_gms[i], addr, &off))
				break;
		if (i == nr_old_gms)
			return false;
		m = old_gms[i];
		harness_violation("MMIO %s at 0x%x of the IRS of a previous host",
				  write ? "write" : "read", off);
	}
	if (write)
		gm_mmio_write(m, off, size, *val);
	else
		*val = gm_mmio_read(m, off, size);
	return true;
}

bool harness_model_sysreg(u32 encoding, bool write, u64 *val)
{
	if (!host_gm)
		return false;
	switch (encoding) {
	case SYS_ICH_CONTEXTR_EL2:
		if (write)
			gm_write_contextr(host_gm, harness_this_cpu(), *val);
		else
			*val = gm_read_contextr(host_gm, harness_this_cpu());
		return true;
	case SYS_ICH_APR_EL2: {
		uint64_t apr = *val;

		if (!gm_cpu_apr(host_gm, harness_this_cpu(), &apr, write))
			return false;
		*val = apr;
		return true;
	}
	case GICV5_OP_GIC_VDPEND:
		if (write)
			gm_vdpend(host_gm, *val);
		else
			harness_violation("GIC VDPEND used as a register read");
		return true;
	}
	return false;
}

void harness_model_cache_op(const char *op, unsigned long start, unsigned long end)
{
	if (!host_gm || end <= start)
		return;
	if (!strcmp(op, "dcache_clean_inval_poc"))
		gm_cache_clean_inval(host_gm, (void *)start, end - start);
	else if (!strcmp(op, "dcache_clean_poc") || !strcmp(op, "dcache_clean_pop"))
		gm_cache_clean(host_gm, (void *)start, end - start);
	else if (!strcmp(op, "dcache_inval_poc"))
		/*
		 * Whole lines, as if clean: the model keeps no dirty state, so
		 * it cannot tell which lines the kernel's partial-line
		 * clean+invalidate would write back.
		 */
		gm_cache_inval(host_gm, (void *)start, end - start);
	/* PoU maintenance does not reach the IRS */
}

/* The model's checks of memory the kernel frees: uncounted (vt_insn_pause()) */
void harness_model_mem(void *p, size_t len, bool added)
{
	if (!host_gm)
		return;
	vt_insn_pause();
	if (added)
		gm_mem_add(host_gm, p, len);
	else
		gm_mem_remove(host_gm, p, len);
	vt_insn_resume();
}

/* Memory the IRS uses (for as long as it does, it is not the test's leak). */
bool harness_model_owns(const void *p, size_t len)
{
	bool owned;

	vt_insn_pause();
	owned = host_gm && gm_mem_referenced(host_gm, p, len);
	vt_insn_resume();
	return owned;
}

/* A GIC CDEOI the vCPU's ICH_HFGITR_EL2 traps goes to KVM, not the IRS. */
/* ICH_HFGITR_EL2 has negative polarity: a clear bit traps */
bool harness_insn_trapped(struct kvm_vcpu *vcpu, enum gm_insn op)
{
	u64 bit;

	switch (op) {
	case GM_CDEOI:
		bit = ICH_HFGITR_EL2_GICCDEOI;
		break;
	case GM_CDDI:
		bit = ICH_HFGITR_EL2_GICCDDI;
		break;
	default:
		return false;
	}
	return vcpu && !(*vcpu_fgt(vcpu, ICH_HFGITR_EL2) & bit);
}

/*
 * A trapped instruction the handler does not skip (PC not advanced) runs
 * again when the guest re-enters; trapped again and again, it fails the
 * test.
 */
void harness_guest_insn(enum gm_insn op, u64 xt)
{
	struct kvm_vcpu *vcpu = kvm_get_running_vcpu();

	for (int i = 0; harness_insn_trapped(vcpu, op); i++) {
		if (harness_guest_trap(vcpu, op, xt))
			return;
		if (i == 10) {
			vt_fail(__FILE__, __LINE__,
				"guest GIC instruction %d trapped 10 times in a row", op);
			_exit(1);
		}
	}
	/* The hardware's part: uncounted (vt_insn_pause()) */
	vt_insn_pause();
	gm_guest_insn(host_gm, harness_this_cpu(), op, xt);
	vt_insn_resume();
}

u64 harness_guest_cdia(void)
{
	u64 ia;

	vt_insn_pause();
	ia = gm_guest_cdia(host_gm, harness_this_cpu());
	vt_insn_resume();
	return ia;
}

/* --------------------------------------------------------------- checker */

void harness_expect_violation(const char *substr)
{
	if (!WARN_ON(nr_expected == MAX_EXPECTED))
		expected[nr_expected++] = substr;
}

static bool is_expected(const char *s)
{
	for (int i = 0; i < nr_expected; i++)
		if (strstr(s, expected[i]))
			return true;
	return false;
}

/* The i-th violation so far: the shims', then every model's; or NULL. */
static const char *violation(int i)
{
	const char *s = harness_violation_str(i);
	struct gm *m;

	if (s)
		return s;
	i -= harness_nr_violations();
	for (int k = 0; k <= nr_old_gms; k++) {
		m = k < nr_old_gms ? old_gms[k] : host_gm;
		if (!m)
			break;
		if (i < gm_violations(m))
			return gm_violation(m, i);
		i -= gm_violations(m);
	}
	return NULL;
}

int harness_violations(const char *substr)
{
	const char *s;
	int n = 0;

	for (int i = 0; (s = violation(i)); i++)
		n += !substr || strstr(s, substr);
	return n;
}

int harness_valid_vms(void)
{
	struct gm *m = harness_gm();
	u32 ids = BIT(gm_get_caps(m).vm_id_bits);
	int n = 0;

	for (u32 id = 0; id < ids; id++)
		n += gm_vm_valid(m, id);
	return n;
}

int harness_check_violations(void)
{
	const char *s;
	int n = 0;

	if (host_gm)
		gm_check_tables(host_gm);
	for (int i = 0; (s = violation(i)); i++) {
		if (is_expected(s) || !strcmp(s, VMT_STILL_VALID))
			continue;
		vt_diag("violation: %s", s);
		n++;
	}
	if (n)
		vt_fail(__FILE__, __LINE__, "%d IRS/IRQ violation(s)", n);
	return n;
}

void harness_model_after_each(void)
{
	/* VMs still valid, VPEs still resident, commands still in flight */
	if (host_gm)
		gm_check_quiescent(host_gm);
	harness_check_violations();
}
