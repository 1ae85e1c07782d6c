// SPDX-License-Identifier: GPL-2.0
/*
 * gm_core.c - creation, locking, knobs, violation log and queries of the
 * GICv5 IRS model.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* vasprintf */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gm_internal.h"

struct gm_caps gm_caps_default(void)
{
	struct gm_caps c = {
		.virt = true,
		.pa_range = 5,
		.pri_bits = 5,
		.iaffid_bits = 16,
		.lpi = true,
		.id_bits = 24,
		.min_lpi_id_bits = 4,
		.ist_levels = true,
		.ist_l2sz = 0x1,
		.istmd = false,
		.istmd_sz = 0,
		.vmt_levels = true,
		.vm_id_bits = 8,
		.vmd = false,
		.vmd_sz = 0,
		.vpe_id_bits = 8,
		.vped_sz = 6,
		.spi_range = 1024,
		.spi_irs_range = 1024,
		.spi_base = 0,
		.coherent = true,
		.nr_cpus = 4,
	};
	return c;
}

void *gm_xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p) {
		fprintf(stderr, "gicv5 model: out of memory\n");
		abort();
	}
	return p;
}

void *gm_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 8;

	if (need <= *cap)
		return p;
	while (ncap < need)
		ncap *= 2;
	p = realloc(p, ncap * elem);
	if (!p) {
		fprintf(stderr, "gicv5 model: out of memory\n");
		abort();
	}
	*cap = ncap;
	return p;
}

struct gm *gm_create(const struct gm_caps *caps)
{
	struct gm *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->caps = caps ? *caps : gm_caps_default();
	if (m->caps.nr_cpus < 1)
		m->caps.nr_cpus = 1;
	if (m->caps.nr_cpus > GM_MAX_CPUS)
		m->caps.nr_cpus = GM_MAX_CPUS;
	if (m->caps.pri_bits < 1 || m->caps.pri_bits > 5)
		m->caps.pri_bits = 5;
	if (m->caps.iaffid_bits < 1 || m->caps.iaffid_bits > 16)
		m->caps.iaffid_bits = 16;
	if (m->caps.vm_id_bits > 16)
		m->caps.vm_id_bits = 16;
	if (m->caps.vpe_id_bits > 15)
		m->caps.vpe_id_bits = 15;
	if (m->caps.id_bits > 24)
		m->caps.id_bits = 24;

	m->frame = mmap(NULL, GM_FRAME_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->frame == MAP_FAILED) {
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	m->cache_ist = true;
	m->hwu_stamp = true;
	m->quiesce_ok = true;
	m->strict_align = true;
	m->poison = 0xa5;
	m->pe_selr = 0xffff;
	m->spi_selr = 0xffffff;
	m->vms = gm_xcalloc(1u << 16, sizeof(*m->vms));
	return m;
}

static void gm_vm_free(struct gm_vm *vm)
{
	if (!vm)
		return;
	gm_vist_free(&vm->ist[0]);
	gm_vist_free(&vm->ist[1]);
	free(vm->vpes);
	free(vm);
}

void gm_destroy(struct gm *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nregions; i++)
		free(m->regions[i].poc);
	free(m->regions);
	for (int i = 0; i < m->nviol && i < GM_MAX_VIOL; i++)
		free(m->viol[i]);
	free(m->viol);
	for (unsigned int i = 0; i < m->vms_end; i++)
		gm_vm_free(m->vms[i]);
	free(m->vms);
	free(m->vmt.l1_valid);
	free(m->vmt.l2);
	free(m->dbq);
	munmap(m->frame, GM_FRAME_SIZE);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

struct gm_caps gm_get_caps(struct gm *m)
{
	return m->caps;
}

void gm_lock(struct gm *m)
{
	pthread_mutex_lock(&m->lock);
}

/* Unlock, then deliver the doorbells queued while locked. */
void gm_unlock(struct gm *m)
{
	uint32_t local[16];
	size_t n = 0;

	while (m->ndbq && n < 16) {
		local[n++] = m->dbq[0];
		memmove(m->dbq, m->dbq + 1, (m->ndbq - 1) * sizeof(*m->dbq));
		m->ndbq--;
	}
	void (*cb)(void *, uint32_t) = m->db_cb;
	void *ctx = m->db_ctx;
	bool more = m->ndbq != 0;

	pthread_mutex_unlock(&m->lock);
	for (size_t i = 0; i < n; i++)
		if (cb)
			cb(ctx, local[i]);
	if (more) {
		gm_lock(m);
		gm_unlock(m);
	}
}

void gm_violate(struct gm *m, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (m->quiet)
		return;
	m->nviol_total++;
	if (m->nviol >= GM_MAX_VIOL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	if (!m->viol)
		m->viol = gm_xcalloc(GM_MAX_VIOL, sizeof(*m->viol));
	m->viol[m->nviol++] = s;
	if (getenv("GM_VERBOSE"))
		fprintf(stderr, "gicv5 model violation: %s\n", s);
}

int gm_violations(struct gm *m)
{
	int n;

	gm_lock(m);
	n = m->nviol_total;
	gm_unlock(m);
	return n;
}

const char *gm_violation(struct gm *m, int i)
{
	const char *s = NULL;

	gm_lock(m);
	if (i >= 0 && i < m->nviol)
		s = m->viol[i];
	else if (i >= 0 && i < m->nviol_total)
		s = "(violation log full)";
	gm_unlock(m);
	return s;
}

void gm_clear_violations(struct gm *m)
{
	gm_lock(m);
	for (int i = 0; i < m->nviol; i++)
		free(m->viol[i]);
	m->nviol = 0;
	m->nviol_total = 0;
	gm_unlock(m);
}

int gm_find_violation(struct gm *m, const char *substr)
{
	int r = -1;

	gm_lock(m);
	for (int i = 0; i < m->nviol; i++) {
		if (strstr(m->viol[i], substr)) {
			r = i;
			break;
		}
	}
	gm_unlock(m);
	return r;
}

/* ---- knobs ---- */

void gm_set_latency(struct gm *m, unsigned int nreads)
{
	gm_lock(m);
	m->latency = nreads;
	gm_unlock(m);
}

void gm_set_stuck(struct gm *m, bool stuck)
{
	gm_lock(m);
	m->stuck = stuck;
	m->stuck_after = 0;
	gm_unlock(m);
}

void gm_set_stuck_after(struct gm *m, unsigned int ncmds)
{
	gm_lock(m);
	m->stuck = false;
	m->stuck_after = ncmds + 1;
	gm_unlock(m);
}

void gm_set_drop_after(struct gm *m, unsigned int ncmds)
{
	gm_lock(m);
	m->drop_after = ncmds + 1;
	gm_unlock(m);
}

void gm_set_vmap_ignored_after(struct gm *m, unsigned int ncmds)
{
	gm_lock(m);
	m->vmap_ignored_after = ncmds + 1;
	gm_unlock(m);
}

void gm_drain(struct gm *m)
{
	gm_lock(m);
	for (int g = 0; g < GM_GRP_NR && !m->stuck; g++) {
		struct gm_inflight *f = &m->inflight[g];

		if (f->busy) {
			f->busy = false;
			gm_cmd_execute(m, f->off, f->val);
		}
	}
	gm_unlock(m);
}

void gm_set_cache_ist_state(struct gm *m, bool on)
{
	gm_lock(m);
	m->cache_ist = on;
	gm_unlock(m);
}

void gm_set_hwu_stamp(struct gm *m, bool on)
{
	gm_lock(m);
	m->hwu_stamp = on;
	gm_unlock(m);
}

void gm_set_quiesce(struct gm *m, bool quiesced)
{
	gm_lock(m);
	m->quiesce_ok = quiesced;
	gm_unlock(m);
}

void gm_set_strict_align(struct gm *m, bool on)
{
	gm_lock(m);
	m->strict_align = on;
	gm_unlock(m);
}

void gm_set_poc_poison(struct gm *m, int byte)
{
	gm_lock(m);
	m->poison = byte < 0 ? -1 : (byte & 0xff);
	gm_unlock(m);
}

void gm_set_doorbell_cb(struct gm *m, void (*cb)(void *ctx, uint32_t lpi), void *ctx)
{
	gm_lock(m);
	m->db_cb = cb;
	m->db_ctx = ctx;
	gm_unlock(m);
}

/* ---- queries ---- */

bool gm_vmt_valid(struct gm *m)
{
	bool r;

	gm_lock(m);
	r = m->vmt.valid;
	gm_unlock(m);
	return r;
}

bool gm_vm_valid(struct gm *m, uint32_t vm)
{
	struct gm_vm *v;
	bool r;

	gm_lock(m);
	v = gm_vm_get(m, vm, false);
	r = v && v->valid;
	gm_unlock(m);
	return r;
}

bool gm_vpe_valid(struct gm *m, uint32_t vm, uint32_t vpe)
{
	struct gm_vm *v;
	bool r = false;

	gm_lock(m);
	v = gm_vm_get(m, vm, false);
	if (v && v->valid && vpe < (1u << v->vpe_bits))
		r = v->vpes[vpe].valid;
	gm_unlock(m);
	return r;
}

bool gm_vist_valid(struct gm *m, uint32_t vm, unsigned int type)
{
	struct gm_vm *v;
	int t = gm_type_idx(type);
	bool r = false;

	gm_lock(m);
	v = gm_vm_get(m, vm, false);
	if (v && v->valid && t >= 0)
		r = v->ist[t].valid;
	gm_unlock(m);
	return r;
}

int gm_vpe_resident_cpu(struct gm *m, uint32_t vm, uint32_t vpe)
{
	struct gm_vm *v;
	int r = -1;

	gm_lock(m);
	v = gm_vm_get(m, vm, false);
	if (v && v->vpes && vpe < (1u << v->vpe_bits))
		r = v->vpes[vpe].cpu;
	gm_unlock(m);
	return r;
}

uint64_t gm_vpe_hppi(struct gm *m, uint32_t vm, uint32_t vpe)
{
	struct gm_vm *v;
	uint64_t r = 0;

	gm_lock(m);
	v = gm_vm_get(m, vm, false);
	m->quiet++;
	if (v && v->valid)
		r = gm_hppi(m, vm, v, vpe, 32);
	m->quiet--;
	gm_unlock(m);
	return r;
}

uint64_t gm_vpe_dbr(struct gm *m, uint32_t vm, uint32_t vpe)
{
	struct gm_vm *v;
	uint64_t r = 0;

	gm_lock(m);
	v = gm_vm_get(m, vm, false);
	if (v && v->vpes && vpe < (1u << v->vpe_bits)) {
		struct gm_vpe *p = &v->vpes[vpe];

		r = p->dbr | GM_FIELD_PREP(GM_VPE_DBR_DBPM, p->dbpm);
		if (p->db_req)
			r |= GM_VPE_DBR_REQ_DB;
	}
	gm_unlock(m);
	return r;
}

int gm_ist_entry(struct gm *m, uint32_t vm, unsigned int type, uint32_t id, uint32_t *word)
{
	struct gm_vm *v;
	int t = gm_type_idx(type), r = -1;

	gm_lock(m);
	m->quiet++;	/* a query records nothing */
	v = gm_vm_get(m, vm, false);
	if (v && v->valid && t >= 0 && v->ist[t].valid &&
	    gm_iste_get(m, vm, &v->ist[t], t, id, word))
		r = 0;
	m->quiet--;
	gm_unlock(m);
	return r;
}

unsigned int gm_doorbells_fired(struct gm *m)
{
	unsigned int r;

	gm_lock(m);
	r = m->db_fired;
	gm_unlock(m);
	return r;
}

/* ---- checker ---- */

int gm_check_tables(struct gm *m)
{
	int before, after;

	gm_lock(m);
	before = m->nviol_total;
	for (uint32_t i = 0; i < m->vms_end; i++) {
		struct gm_vm *v = m->vms[i];

		if (!v || !v->valid)
			continue;
		v->corrupt_reported = false;
		if (!gm_vm_check(m, i, v))
			continue;
		for (uint32_t p = 0; p < (1u << v->vpe_bits); p++) {
			uint64_t e;

			if (!v->vpes[p].valid)
				continue;
			if (!gm_rd64(m, v->vpet + p * 8, &e)) {
				gm_violate(m, "check: VM %u VPET no longer in registered memory",
					   i);
				break;
			}
			if (!(e & GM_VPETE_VALID) ||
			    (e & GM_VPETE_VPED_ADDR) != v->vpes[p].vped)
				gm_violate(m,
					   "check: VM %u VPETE %u modified while valid (0x%llx)",
					   i, p, (unsigned long long)e);
		}
		for (int t = 0; t < 2; t++) {
			struct gm_vist *s = &v->ist[t];

			if (!s->valid || !s->two_level)
				continue;
			for (size_t l = 0; l < s->l1_entries; l++) {
				uint64_t e;

				if (!gm_rd64(m, s->base + l * 8, &e)) {
					gm_violate(m,
						   "check: VM %u %s vIST L1 not in registered memory",
						   i, t ? "SPI" : "LPI");
					break;
				}
				if (!!(e & GM_L1_ISTE_VALID) != !!s->l1_valid[l] ||
				    (s->l1_valid[l] && (e & GM_L1_ISTE_L2_ADDR) != s->l2_addr[l]))
					gm_violate(m,
						   "check: VM %u %s vIST L1 ISTE %zu modified (0x%llx)",
						   i, t ? "SPI" : "LPI", l,
						   (unsigned long long)e);
			}
		}
	}
	if (m->vmt.valid && m->vmt.two_level) {
		for (size_t l = 0; l < m->vmt.l1_entries; l++) {
			uint64_t e;

			if (!gm_rd64(m, m->vmt.base + l * 8, &e))
				break;
			if (!!(e & GM_L1_VMTE_VALID) != !!m->vmt.l1_valid[l] ||
			    (m->vmt.l1_valid[l] && (e & GM_L1_VMTE_L2_ADDR) != m->vmt.l2[l]))
				gm_violate(m, "check: L1 VMTE %zu modified (0x%llx)", l,
					   (unsigned long long)e);
		}
	}
	gm_check_granules(m);
	after = m->nviol_total;
	gm_unlock(m);
	return after - before;
}

int gm_check_quiescent(struct gm *m)
{
	int n = 0;

	gm_lock(m);
	for (int g = 0; g < GM_GRP_NR; g++) {
		if (m->inflight[g].busy) {
			gm_violate(m, "quiescent: command at offset 0x%x still in flight",
				   m->inflight[g].off);
			n++;
		}
	}
	for (uint32_t i = 0; i < m->vms_end; i++) {
		struct gm_vm *v = m->vms[i];

		if (!v || !v->valid)
			continue;
		gm_violate(m, "quiescent: VM %u still valid", i);
		n++;
	}
	for (int c = 0; c < m->caps.nr_cpus; c++) {
		if (m->cpu[c].resident) {
			gm_violate(m, "quiescent: VM %u VPE %u still resident on CPU %d",
				   m->cpu[c].vm, m->cpu[c].vpe, c);
			n++;
		}
	}
	if (m->vmt.valid) {
		gm_violate(m, "quiescent: VMT still valid");
		n++;
	}
	gm_unlock(m);
	return n;
}
