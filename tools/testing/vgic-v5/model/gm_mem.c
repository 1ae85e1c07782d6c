// SPDX-License-Identifier: GPL-2.0
/*
 * gm_mem.c - memory registry, IRS-side memory accesses, non-coherent PoC
 * copies, cache maintenance and the "what does the IRS reference" walk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gm_internal.h"

static struct gm_region *gm_region_of(struct gm *m, uintptr_t pa, size_t len)
{
	struct gm_region *r;

	if (!pa || len == 0 || pa + len < pa)
		return NULL;
	/* Accesses come in runs to one table: try the last hit first */
	if (m->region_hint < m->nregions) {
		r = &m->regions[m->region_hint];
		if (pa >= r->base && pa + len <= r->base + r->len)
			return r;
	}
	for (size_t i = 0; i < m->nregions; i++) {
		r = &m->regions[i];
		if (pa >= r->base && pa + len <= r->base + r->len) {
			m->region_hint = i;
			return r;
		}
	}
	return NULL;
}

bool gm_mem_ok(struct gm *m, uintptr_t pa, size_t len)
{
	return !!gm_region_of(m, pa, len);
}

uint8_t *gm_view(struct gm *m, uintptr_t pa, size_t len)
{
	struct gm_region *r = gm_region_of(m, pa, len);

	if (!r)
		return NULL;
	if (r->poc)
		return r->poc + (pa - r->base);
	return (uint8_t *)pa;
}

bool gm_rd(struct gm *m, uintptr_t pa, void *buf, size_t len)
{
	uint8_t *p = gm_view(m, pa, len);

	if (!p)
		return false;
	memcpy(buf, p, len);
	return true;
}

bool gm_wr(struct gm *m, uintptr_t pa, const void *buf, size_t len)
{
	uint8_t *p = gm_view(m, pa, len);

	if (!p)
		return false;
	memcpy(p, buf, len);
	return true;
}

/* Table memory is little-endian: assemble explicitly. */
bool gm_rd64(struct gm *m, uintptr_t pa, uint64_t *v)
{
	uint8_t b[8];

	if (!gm_rd(m, pa, b, 8))
		return false;
	*v = 0;
	for (int i = 7; i >= 0; i--)
		*v = (*v << 8) | b[i];
	return true;
}

bool gm_wr64(struct gm *m, uintptr_t pa, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = v >> (8 * i);
	return gm_wr(m, pa, b, 8);
}

bool gm_rd32(struct gm *m, uintptr_t pa, uint32_t *v)
{
	uint8_t b[4];

	if (!gm_rd(m, pa, b, 4))
		return false;
	*v = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
	return true;
}

bool gm_wr32(struct gm *m, uintptr_t pa, uint32_t v)
{
	uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };

	return gm_wr(m, pa, b, 4);
}

/* ---- what the IRS references ---- */

static void gm_refs_vm(struct gm *m, uint32_t id, struct gm_vm *v, gm_ref_fn fn, void *arg)
{
	char what[96];

	if (v->vmd) {
		snprintf(what, sizeof(what), "VMD of VM %u", id);
		fn(m, v->vmd, (size_t)1 << m->caps.vmd_sz, what, arg);
	}
	snprintf(what, sizeof(what), "VPET of VM %u", id);
	fn(m, v->vpet, (size_t)8 << v->vpe_bits, what, arg);
	for (uint32_t p = 0; p < (1u << v->vpe_bits); p++) {
		if (!v->vpes[p].valid)
			continue;
		snprintf(what, sizeof(what), "VPED of VM %u VPE %u", id, p);
		fn(m, v->vpes[p].vped, (size_t)1 << m->caps.vped_sz, what, arg);
	}
	for (int t = 0; t < 2; t++) {
		struct gm_vist *s = &v->ist[t];

		if (!s->valid)
			continue;
		snprintf(what, sizeof(what), "%s vIST%s of VM %u", t ? "SPI" : "LPI",
			 s->two_level ? " L1" : "", id);
		fn(m, s->base, s->table_bytes, what, arg);
		if (!s->two_level)
			continue;
		for (size_t l = 0; l < s->l1_entries; l++) {
			if (!s->l1_valid[l])
				continue;
			snprintf(what, sizeof(what), "%s vIST L2 table %zu of VM %u",
				 t ? "SPI" : "LPI", l, id);
			fn(m, s->l2_addr[l], gm_vist_l2_bytes(s), what, arg);
		}
	}
}

/* Ranges an in-flight VMT-group command may be reading or writing. */
static void gm_refs_inflight(struct gm *m, gm_ref_fn fn, void *arg)
{
	struct gm_inflight *f = &m->inflight[GM_GRP_VMT];
	bool hi = f->off == GM_IRS_VMAP_VISTR || f->off == GM_IRS_VMAP_L2_VISTR ||
		  f->off == GM_IRS_VMAP_VPER;
	uint32_t vmid = hi ? GM_FIELD_GET(GM_CMD_VM_ID_HI, f->val) :
			     GM_FIELD_GET(GM_CMD_VM_ID_LO, f->val);
	const char *what = "tables of a command in flight";
	struct { uintptr_t base; size_t len; } r[8];
	int n = 0;
	uint64_t w[4], e;
	uintptr_t pa;

	if (f->off == GM_IRS_VMT_BASER) {
		if (f->val & GM_VMT_BASER_VALID)
			fn(m, f->val & GM_VMT_BASER_ADDR,
			   gm_vmt_bytes(m->vmt_cfgr & GM_VMT_CFGR_STRUCTURE,
					GM_FIELD_GET(GM_VMT_CFGR_VM_ID_BITS, m->vmt_cfgr)),
			   "VMT (install in flight)", arg);
		return;
	}
	m->quiet++;	/* lookups only: record nothing here */
	if (f->off == GM_IRS_VMAP_L2_VMTR) {
		size_t l = (vmid & 0xffff) / GM_VMT_L2_ENTRIES;

		if (m->vmt.valid && m->vmt.two_level && l < m->vmt.l1_entries &&
		    gm_rd64(m, m->vmt.base + l * 8, &e) && (e & GM_L1_VMTE_L2_ADDR)) {
			r[n].base = e & GM_L1_VMTE_L2_ADDR;
			r[n++].len = 4096;
		}
	} else {
		pa = gm_vmte_pa(m, vmid, "inflight");
		if (pa && gm_rd(m, pa, w, sizeof(w))) {
			if (w[0] & GM_VMTE0_VMD_ADDR) {
				r[n].base = w[0] & GM_VMTE0_VMD_ADDR;
				r[n++].len = 1;
			}
			if (w[1] & GM_VMTE1_VPET_ADDR) {
				r[n].base = w[1] & GM_VMTE1_VPET_ADDR;
				r[n++].len = (size_t)8 << GM_FIELD_GET(GM_VMTE1_VPE_ID_BITS, w[1]);
				if (f->off == GM_IRS_VMAP_VPER &&
				    gm_rd64(m, r[n - 1].base +
					    GM_FIELD_GET(GM_VMAP_VPER_VPE_ID, f->val) * 8, &e) &&
				    (e & GM_VPETE_VPED_ADDR)) {
					r[n].base = e & GM_VPETE_VPED_ADDR;
					r[n++].len = (size_t)1 << m->caps.vped_sz;
				}
			}
			for (int t = 2; t < 4; t++) {
				if (w[t] & GM_VIST_ADDR) {
					r[n].base = w[t] & GM_VIST_ADDR;
					r[n++].len = 64;
				}
			}
		}
	}
	m->quiet--;
	for (int i = 0; i < n; i++)
		fn(m, r[i].base, r[i].len, what, arg);
}

void gm_refs_walk(struct gm *m, gm_ref_fn fn, void *arg)
{
	char what[96];

	if (m->vmt.valid) {
		fn(m, m->vmt.base, m->vmt.bytes, m->vmt.two_level ? "VMT L1" : "VMT", arg);
		for (size_t l = 0; m->vmt.two_level && l < m->vmt.l1_entries; l++) {
			if (!m->vmt.l1_valid[l])
				continue;
			snprintf(what, sizeof(what), "L2 VMT page %zu", l);
			fn(m, m->vmt.l2[l], 4096, what, arg);
		}
	}
	for (uint32_t i = 0; i < m->vms_end; i++) {
		if (m->vms[i] && m->vms[i]->valid)
			gm_refs_vm(m, i, m->vms[i], fn, arg);
	}
	/* memory an in-flight (maybe stuck) command may still be consuming */
	if (m->inflight[GM_GRP_VMT].busy)
		gm_refs_inflight(m, fn, arg);
}

/*
 * Non-coherent IRS: memory the IRS accesses must fill the writeback
 * granules it touches, i.e. its registered region (the allocation) must
 * start and end on a granule boundary; otherwise the allocator may put
 * other data in the same line.
 */
static void gm_granule_cb(struct gm *m, uintptr_t base, size_t len, const char *what,
			  void *arg)
{
	(void)arg;
	for (size_t i = 0; i < m->nregions; i++) {
		struct gm_region *r = &m->regions[i];

		if (base < r->base || base >= r->base + r->len)
			continue;
		if ((r->base | r->len) & (GM_WB_GRANULE - 1))
			gm_violate(m,
				   "%s [0x%lx+0x%zx]: its memory [0x%lx+0x%zx] shares a %d-byte cache writeback granule with other data (non-coherent IRS)",
				   what, (unsigned long)base, len, (unsigned long)r->base,
				   r->len, GM_WB_GRANULE);
		return;
	}
}

void gm_check_granules(struct gm *m)
{
	if (!m->caps.coherent)
		gm_refs_walk(m, gm_granule_cb, NULL);
}

struct gm_overlap_arg {
	uintptr_t base;
	size_t len;
	const char *what;
	const char *verb;
	int hits;
};

static void gm_overlap_cb(struct gm *m, uintptr_t base, size_t len, const char *what,
			  void *arg)
{
	struct gm_overlap_arg *a = arg;

	if (base < a->base + a->len && a->base < base + len) {
		a->hits++;
		if (a->what)
			gm_violate(m, "%s [0x%lx+0x%zx] %s %s [0x%lx+0x%zx]", a->what,
				   (unsigned long)a->base, a->len, a->verb, what,
				   (unsigned long)base, len);
	}
}

bool gm_table_ok(struct gm *m, const char *what, uintptr_t pa, size_t len, size_t align)
{
	struct gm_overlap_arg a = {
		.base = pa, .len = len, .what = what, .verb = "overlaps",
	};

	if (!pa) {
		gm_violate(m, "%s: address is 0", what);
		return false;
	}
	if (!gm_mem_ok(m, pa, len)) {
		gm_violate(m, "%s [0x%lx+0x%zx] is not in registered memory", what,
			   (unsigned long)pa, len);
		return false;
	}
	if (m->strict_align && align && (pa & (align - 1)))
		gm_violate(m, "%s at 0x%lx is not aligned to 0x%zx", what, (unsigned long)pa,
			   align);
	gm_refs_walk(m, gm_overlap_cb, &a);
	return true;
}

/* ---- registry API ---- */

void gm_mem_add(struct gm *m, void *p, size_t len)
{
	uintptr_t pa = (uintptr_t)p;
	struct gm_region *r;

	gm_lock(m);
	if (!p || !len) {
		gm_violate(m, "mem_add: empty region %p+0x%zx", p, len);
		goto out;
	}
	for (size_t i = 0; i < m->nregions; i++) {
		r = &m->regions[i];
		if (pa < r->base + r->len && r->base < pa + len) {
			gm_violate(m, "mem_add: %p+0x%zx overlaps registered 0x%lx+0x%zx", p, len,
				   (unsigned long)r->base, r->len);
			goto out;
		}
	}
	m->regions = gm_grow(m->regions, &m->regions_cap, m->nregions + 1, sizeof(*r));
	r = &m->regions[m->nregions++];
	r->base = pa;
	r->len = len;
	r->poc = NULL;
	if (!m->caps.coherent) {
		r->poc = gm_xcalloc(1, len);
		if (m->poison < 0)
			memcpy(r->poc, p, len);
		else
			memset(r->poc, m->poison, len);
	}
out:
	gm_unlock(m);
}

void gm_mem_remove(struct gm *m, void *p, size_t len)
{
	uintptr_t pa = (uintptr_t)p;
	struct gm_overlap_arg a = {
		.base = pa, .len = len, .verb = "freed while the IRS references",
	};
	size_t i;

	gm_lock(m);
	for (i = 0; i < m->nregions; i++)
		if (m->regions[i].base == pa && m->regions[i].len == len)
			break;
	if (i == m->nregions) {
		gm_violate(m, "mem_remove: %p+0x%zx was not registered as such", p, len);
		goto out;
	}
	a.what = "memory";
	gm_refs_walk(m, gm_overlap_cb, &a);
	free(m->regions[i].poc);
	m->regions[i] = m->regions[--m->nregions];
out:
	gm_unlock(m);
}

bool gm_mem_referenced(struct gm *m, const void *p, size_t len)
{
	struct gm_overlap_arg a = { .base = (uintptr_t)p, .len = len };

	gm_lock(m);
	gm_refs_walk(m, gm_overlap_cb, &a);
	gm_unlock(m);
	return a.hits != 0;
}

/* Copy whole lines of [p, p+len) between CPU memory and PoC copies. */
static void gm_cache_op(struct gm *m, uintptr_t pa, size_t len, bool to_poc)
{
	uintptr_t lo = pa & ~(uintptr_t)(GM_LINE - 1);
	uintptr_t hi = (pa + len + GM_LINE - 1) & ~(uintptr_t)(GM_LINE - 1);

	if (m->caps.coherent || !len)
		return;
	for (size_t i = 0; i < m->nregions; i++) {
		struct gm_region *r = &m->regions[i];
		uintptr_t a = lo > r->base ? lo : r->base;
		uintptr_t b = hi < r->base + r->len ? hi : r->base + r->len;

		if (a >= b)
			continue;
		if (to_poc)
			memcpy(r->poc + (a - r->base), (void *)a, b - a);
		else
			memcpy((void *)a, r->poc + (a - r->base), b - a);
	}
}

void gm_cache_clean(struct gm *m, const void *p, size_t len)
{
	gm_lock(m);
	gm_cache_op(m, (uintptr_t)p, len, true);
	gm_unlock(m);
}

void gm_cache_inval(struct gm *m, void *p, size_t len)
{
	gm_lock(m);
	gm_cache_op(m, (uintptr_t)p, len, false);
	gm_unlock(m);
}

void gm_cache_clean_inval(struct gm *m, void *p, size_t len)
{
	gm_lock(m);
	gm_cache_op(m, (uintptr_t)p, len, true);
	gm_cache_op(m, (uintptr_t)p, len, false);
	gm_unlock(m);
}
