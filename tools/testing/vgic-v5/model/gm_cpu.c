// SPDX-License-Identifier: GPL-2.0
/*
 * gm_cpu.c - virtualization CPU interface (section 5): ICH_CONTEXTR_EL2
 * residency, VPE doorbells, GIC VDPEND, and the guest GIC CD* / CDIA
 * instructions executed by the vPE resident on a physical CPU.
 */
#include <stdio.h>

#include "gm_internal.h"

static const char *const gm_insn_name[] = {
	[GM_CDDIS] = "CDDIS", [GM_CDEN] = "CDEN", [GM_CDPRI] = "CDPRI",
	[GM_CDAFF] = "CDAFF", [GM_CDPEND] = "CDPEND", [GM_CDRCFG] = "CDRCFG",
	[GM_CDEOI] = "CDEOI", [GM_CDDI] = "CDDI", [GM_CDHM] = "CDHM",
};

bool gm_vm_any_resident(struct gm_vm *vm)
{
	if (!vm->vpes)
		return false;
	for (uint32_t p = 0; p < (1u << vm->vpe_bits); p++)
		if (vm->vpes[p].cpu >= 0)
			return true;
	return false;
}

static unsigned int gm_prio(uint32_t word)
{
	return GM_FIELD_GET(GM_ISTE_PRIORITY, word);
}

/*
 * Highest priority pending interrupt targeted at vpe (IRM = 0, IAFFID = vpe)
 * that is enabled and not active, with priority < limit. Lower value wins,
 * then lower INTID. Returns HPPIV | INTID or 0.
 */
uint64_t gm_hppi(struct gm *m, uint32_t vmid, struct gm_vm *vm, uint32_t vpe, unsigned int limit)
{
	uint32_t best = 0, best_prio = 32;

	if (!vm)
		return 0;
	for (int t = 0; t < 2; t++) {
		struct gm_vist *s = &vm->ist[t];
		unsigned int type = t ? GM_TYPE_SPI : GM_TYPE_LPI;

		if (!s->valid)
			continue;
		for (size_t i = 0; i < s->npend; i++) {
			uint32_t id = s->pend[i], w, intid;
			unsigned int p;

			if (!gm_iste_get(m, vmid, s, t, id, &w))
				continue;
			if ((w & (GM_ISTE_PENDING | GM_ISTE_ENABLE | GM_ISTE_ACTIVE |
				  GM_ISTE_IRM)) != (GM_ISTE_PENDING | GM_ISTE_ENABLE))
				continue;
			if (GM_FIELD_GET(GM_ISTE_IAFFID, w) != vpe)
				continue;
			p = gm_prio(w);
			intid = GM_INTID(type, id);
			if (p >= limit)
				continue;
			if (p < best_prio || (p == best_prio && intid < best)) {
				best_prio = p;
				best = intid;
			}
		}
	}
	return best_prio < 32 ? GM_VPE_HPPIR_HPPIV | best : 0;
}

/* Raise the doorbell of a non-resident VPE if it asked for one and is due. */
void gm_doorbell_eval(struct gm *m, uint32_t vmid, struct gm_vm *vm, uint32_t vpe)
{
	struct gm_vpe *p;

	if (!vm || !vm->valid || !vm->vpes || vpe >= (1u << vm->vpe_bits))
		return;
	p = &vm->vpes[vpe];
	if (!p->valid || p->cpu >= 0 || !p->db_req || !(p->dbr & GM_VPE_DBR_DBV))
		return;
	if (!gm_hppi(m, vmid, vm, vpe, p->dbpm + 1))
		return;
	p->db_req = false;	/* one doorbell per request */
	m->db_fired++;
	m->dbq = gm_grow(m->dbq, &m->dbq_cap, m->ndbq + 1, sizeof(*m->dbq));
	m->dbq[m->ndbq++] = GM_FIELD_GET(GM_VPE_DBR_INTID, p->dbr);
}

static struct gm_cpu *gm_cpu_get(struct gm *m, int cpu, const char *ctx)
{
	if (cpu < 0 || cpu >= m->caps.nr_cpus) {
		gm_violate(m, "%s: CPU %d does not exist", ctx, cpu);
		return NULL;
	}
	return &m->cpu[cpu];
}

void gm_write_contextr(struct gm *m, int cpu, uint64_t val)
{
	struct gm_cpu *c;
	struct gm_vm *v;
	struct gm_vpe *p = NULL;
	uint32_t vmid = GM_FIELD_GET(GM_CTXR_VM, val);
	uint32_t vpe = GM_FIELD_GET(GM_CTXR_VPE, val);
	bool fail = false;

	gm_lock(m);
	c = gm_cpu_get(m, cpu, "ICH_CONTEXTR_EL2");
	if (!c)
		goto out;
	c->ctx = val & ~GM_CTXR_F;
	if (!(val & GM_CTXR_V)) {
		if (!c->resident)
			goto out;
		v = gm_vm_get(m, c->vm, false);
		c->resident = false;
		if (!v || !v->vpes || c->vpe >= (1u << v->vpe_bits))
			goto out;
		p = &v->vpes[c->vpe];
		p->cpu = -1;
		if (val & GM_CTXR_DB) {
			if (!(p->dbr & GM_VPE_DBR_DBV))
				gm_violate(m,
					   "CPU %d: doorbell requested for VM %u VPE %u but VPE_DBR.DBV = 0",
					   cpu, c->vm, c->vpe);
			p->db_req = true;
			p->dbpm = GM_FIELD_GET(GM_CTXR_DBPM, val);
			gm_doorbell_eval(m, c->vm, v, c->vpe);
		}
		goto out;
	}
	if (c->resident) {
		gm_violate(m,
			   "CPU %d: make-resident of VM %u VPE %u while VM %u VPE %u is still resident",
			   cpu, vmid, vpe, c->vm, c->vpe);
		fail = true;
		goto done;
	}
	v = gm_vm_live(m, vmid);
	if (!v || vpe >= (1u << v->vpe_bits) || !v->vpes[vpe].valid) {
		fail = true;
		goto done;
	}
	p = &v->vpes[vpe];
	{
		uint64_t e = 0;

		if (!gm_rd64(m, v->vpet + vpe * 8, &e) || !(e & GM_VPETE_VALID) ||
		    (e & GM_VPETE_VPED_ADDR) != p->vped) {
			gm_violate(m, "CPU %d: VM %u VPETE %u modified while valid (0x%llx)", cpu,
				   vmid, vpe, (unsigned long long)e);
			fail = true;
			goto done;
		}
	}
	if (p->cpu >= 0) {
		gm_violate(m, "CPU %d: VM %u VPE %u made resident while resident on CPU %d", cpu,
			   vmid, vpe, p->cpu);
		fail = true;
		goto done;
	}
	p->cpu = cpu;
	p->db_req = false;
	c->resident = true;
	c->vm = vmid;
	c->vpe = vpe;
	c->irichppidis = val & GM_CTXR_IRICHPPIDIS;
done:
	if (fail)
		c->ctx = (val & ~GM_CTXR_V) | GM_CTXR_F;
out:
	gm_unlock(m);
}

uint64_t gm_read_contextr(struct gm *m, int cpu)
{
	struct gm_cpu *c;
	uint64_t r = 0;

	gm_lock(m);
	c = gm_cpu_get(m, cpu, "ICH_CONTEXTR_EL2 read");
	if (c)
		r = c->ctx;
	gm_unlock(m);
	return r;
}

void gm_vdpend(struct gm *m, uint64_t xt)
{
	uint32_t vmid = GM_FIELD_GET(GM_VDPEND_VM, xt);
	unsigned int type = GM_FIELD_GET(GM_INTID_TYPE, xt);
	uint32_t id = GM_FIELD_GET(GM_INTID_ID, xt);
	int t = gm_type_idx(type);
	struct gm_vm *v;
	uintptr_t pa;
	uint32_t w;

	gm_lock(m);
	if (t < 0) {
		gm_violate(m, "VDPEND: bad TYPE %u (0x%llx)", type, (unsigned long long)xt);
		goto out;
	}
	v = gm_vm_live(m, vmid);
	if (!v) {
		gm_violate(m, "VDPEND: VM %u is not valid (0x%llx)", vmid, (unsigned long long)xt);
		goto out;
	}
	if (!v->ist[t].valid) {
		gm_violate(m, "VDPEND: VM %u has no valid %s vIST", vmid, t ? "SPI" : "LPI");
		goto out;
	}
	if (!gm_iste_pa(m, &v->ist[t], id, &pa)) {
		gm_violate(m,
			   "VDPEND: VM %u %s %u is outside the vIST (ID_BITS %u) or its L2 table is not mapped",
			   vmid, t ? "SPI" : "LPI", id, v->ist[t].id_bits);
		goto out;
	}
	if (!gm_iste_get(m, vmid, &v->ist[t], t, id, &w))
		goto out;
	if (xt & GM_VDPEND_PENDING)
		w |= GM_ISTE_PENDING;
	else
		w &= ~(uint32_t)GM_ISTE_PENDING;
	gm_iste_put(m, vmid, v, t, id, w);
out:
	gm_unlock(m);
}

/* The vPE resident on cpu, or NULL after recording a violation. */
static struct gm_vpe *gm_guest_vpe(struct gm *m, int cpu, const char *what,
				   struct gm_vm **vmp)
{
	struct gm_cpu *c = gm_cpu_get(m, cpu, what);
	struct gm_vm *v;

	if (!c)
		return NULL;
	if (!c->resident) {
		gm_violate(m, "guest %s on CPU %d with no resident vPE", what, cpu);
		return NULL;
	}
	v = gm_vm_live(m, c->vm);
	if (!v || !v->vpes || c->vpe >= (1u << v->vpe_bits)) {
		gm_violate(m, "guest %s on CPU %d: resident VM %u is not valid", what, cpu, c->vm);
		return NULL;
	}
	*vmp = v;
	return &v->vpes[c->vpe];
}

void gm_guest_insn(struct gm *m, int cpu, enum gm_insn op, uint64_t xt)
{
	const char *name = op <= GM_CDHM ? gm_insn_name[op] : "unknown insn";
	unsigned int type = GM_FIELD_GET(GM_INTID_TYPE, xt);
	uint32_t id = GM_FIELD_GET(GM_INTID_ID, xt);
	int t = gm_type_idx(type);
	struct gm_vm *v = NULL;
	struct gm_vpe *p;
	uint32_t w, nw;
	unsigned int pm;

	gm_lock(m);
	p = gm_guest_vpe(m, cpu, name, &v);
	if (!p)
		goto out;
	if (op == GM_CDEOI) {
		p->apr &= p->apr - 1;	/* drop the highest active priority */
		goto out;
	}
	if (op == GM_CDRCFG)
		m->cpu[cpu].icsr = GM_ICSR_F;
	/* PPIs live in the CPU interface and are not modelled: ignored */
	if (t < 0 || !v->ist[t].valid ||
	    !gm_iste_get(m, m->cpu[cpu].vm, &v->ist[t], t, id, &w))
		goto out;
	nw = w;
	switch (op) {
	case GM_CDDIS:
		nw &= ~(uint32_t)GM_ISTE_ENABLE;
		break;
	case GM_CDEN:
		nw |= GM_ISTE_ENABLE;
		break;
	case GM_CDPRI:
		pm = (0x1f << (5 - m->caps.pri_bits)) & 0x1f;
		nw = (nw & ~(uint32_t)GM_ISTE_PRIORITY) |
		     (uint32_t)GM_FIELD_PREP(GM_ISTE_PRIORITY,
					     GM_FIELD_GET(GM_CDPRI_PRIORITY, xt) & pm);
		break;
	case GM_CDAFF:
		nw = (nw & ~(uint32_t)(GM_ISTE_IAFFID | GM_ISTE_IRM)) |
		     (uint32_t)GM_FIELD_PREP(GM_ISTE_IAFFID, GM_FIELD_GET(GM_CDAFF_IAFFID, xt)) |
		     (xt & GM_CDAFF_IRM ? GM_ISTE_IRM : 0);
		break;
	case GM_CDPEND:
		if (xt & GM_CDPEND_PENDING)
			nw |= GM_ISTE_PENDING;
		else
			nw &= ~(uint32_t)GM_ISTE_PENDING;
		break;
	case GM_CDDI:
		nw &= ~(uint32_t)GM_ISTE_ACTIVE;
		break;
	case GM_CDHM:
		if (xt & GM_CDHM_HM)
			nw |= GM_ISTE_HM;
		else
			nw &= ~(uint32_t)GM_ISTE_HM;
		break;
	case GM_CDRCFG:
		m->cpu[cpu].icsr =
			(w & GM_ISTE_ENABLE ? GM_ICSR_ENABLED : 0) |
			(w & GM_ISTE_PENDING ? GM_ICSR_PENDING : 0) |
			(w & GM_ISTE_IRM ? GM_ICSR_IRM : 0) |
			(w & GM_ISTE_ACTIVE ? GM_ICSR_ACTIVE : 0) |
			(w & GM_ISTE_HM ? GM_ICSR_HM : 0) |
			GM_FIELD_PREP(GM_ICSR_PRIORITY, gm_prio(w)) |
			GM_FIELD_PREP(GM_ICSR_IAFFID, GM_FIELD_GET(GM_ISTE_IAFFID, w));
		break;
	default:
		break;
	}
	if (nw != w)
		gm_iste_put(m, m->cpu[cpu].vm, v, t, id, nw);
out:
	gm_unlock(m);
}

/*
 * The interrupt GICR CDIA takes on the CPU @c (vPE @p of VM @v resident
 * there): the highest priority pending one below the running priority and
 * the priority mask, unless IRICHPPIDIS. Returns HPPIV | INTID or 0, with
 * its ISTE word in *w and its type index in *t. The model is locked.
 */
static uint64_t gm_cdia_candidate(struct gm *m, struct gm_cpu *c, struct gm_vm *v,
				  struct gm_vpe *p, uint32_t *w, int *t)
{
	unsigned int running, limit;
	uint64_t h;

	if (c->irichppidis)
		return 0;
	running = p->apr ? (unsigned int)__builtin_ctz(p->apr) : 32;
	limit = running < p->pcr + 1 ? running : p->pcr + 1;
	h = gm_hppi(m, c->vm, v, c->vpe, limit);
	if (!h)
		return 0;
	*t = gm_type_idx(GM_FIELD_GET(GM_INTID_TYPE, h));
	if (!gm_iste_get(m, c->vm, &v->ist[*t], *t, GM_FIELD_GET(GM_INTID_ID, h), w))
		return 0;
	return h;
}

uint64_t gm_guest_cdia(struct gm *m, int cpu)
{
	struct gm_vm *v = NULL;
	struct gm_vpe *p;
	uint64_t h = 0;
	uint32_t w;
	int t;

	gm_lock(m);
	p = gm_guest_vpe(m, cpu, "CDIA", &v);
	if (!p)
		goto out;
	h = gm_cdia_candidate(m, &m->cpu[cpu], v, p, &w, &t);
	if (!h)
		goto out;
	p->apr |= 1u << gm_prio(w);
	w |= GM_ISTE_ACTIVE;
	if (!(w & GM_ISTE_HM))
		w &= ~(uint32_t)GM_ISTE_PENDING;
	gm_iste_put(m, m->cpu[cpu].vm, v, t, GM_FIELD_GET(GM_INTID_ID, h), w);
out:
	gm_unlock(m);
	return h;
}

bool gm_cpu_resident(struct gm *m, int cpu)
{
	bool r = false;

	gm_lock(m);
	if (cpu >= 0 && cpu < m->caps.nr_cpus)
		r = m->cpu[cpu].resident;
	gm_unlock(m);
	return r;
}

uint64_t gm_guest_hppi(struct gm *m, int cpu, unsigned int *prio)
{
	struct gm_vm *v;
	struct gm_cpu *c;
	uint64_t h = 0;
	uint32_t w;
	int t;

	gm_lock(m);
	c = cpu >= 0 && cpu < m->caps.nr_cpus ? &m->cpu[cpu] : NULL;
	if (!c || !c->resident)
		goto out;
	v = gm_vm_get(m, c->vm, false);
	if (!v || !v->valid || !v->vpes || c->vpe >= (1u << v->vpe_bits))
		goto out;
	h = gm_cdia_candidate(m, c, v, &v->vpes[c->vpe], &w, &t);
	if (h && prio)
		*prio = gm_prio(w);
out:
	gm_unlock(m);
	return h;
}

uint64_t gm_guest_icsr(struct gm *m, int cpu)
{
	uint64_t r = 0;

	gm_lock(m);
	if (cpu >= 0 && cpu < m->caps.nr_cpus)
		r = m->cpu[cpu].icsr;
	gm_unlock(m);
	return r;
}

void gm_guest_set_pcr(struct gm *m, int cpu, unsigned int pcr)
{
	struct gm_vm *v = NULL;
	struct gm_vpe *p;

	gm_lock(m);
	p = gm_guest_vpe(m, cpu, "ICC_PCR_EL1 write", &v);
	if (p)
		p->pcr = pcr & 0x1f;
	gm_unlock(m);
}

unsigned int gm_guest_running_prio(struct gm *m, int cpu)
{
	unsigned int r = 32;
	struct gm_cpu *c;
	struct gm_vm *v;

	gm_lock(m);
	if (cpu >= 0 && cpu < m->caps.nr_cpus) {
		c = &m->cpu[cpu];
		v = c->resident ? gm_vm_get(m, c->vm, false) : NULL;
		if (v && v->vpes && c->vpe < (1u << v->vpe_bits) && v->vpes[c->vpe].apr)
			r = __builtin_ctz(v->vpes[c->vpe].apr);
	}
	gm_unlock(m);
	return r;
}

bool gm_cpu_apr(struct gm *m, int cpu, uint64_t *val, bool write)
{
	bool ok = false;
	struct gm_cpu *c;
	struct gm_vm *v;

	gm_lock(m);
	if (cpu >= 0 && cpu < m->caps.nr_cpus) {
		c = &m->cpu[cpu];
		v = c->resident ? gm_vm_get(m, c->vm, false) : NULL;
		if (v && v->vpes && c->vpe < (1u << v->vpe_bits)) {
			if (write)
				v->vpes[c->vpe].apr = (uint32_t)*val;
			else
				*val = v->vpes[c->vpe].apr;
			ok = true;
		}
	}
	gm_unlock(m);
	return ok;
}
