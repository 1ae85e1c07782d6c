// SPDX-License-Identifier: GPL-2.0
/*
 * gm_tables.c - the IRS side of the in-memory tables (sections 3 and 4):
 * VMT (linear and two-level), VMTEs, VPET, virtual ISTs (linear and
 * two-level, 4/8/16-byte entries), IRS-cached ISTE state, and the
 * execution of the host virtualization commands (section 4.5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gm_internal.h"

static const char *tn(int t)
{
	return t ? "SPI" : "LPI";
}

int gm_type_idx(unsigned int type)
{
	if (type == GM_TYPE_LPI)
		return 0;
	if (type == GM_TYPE_SPI)
		return 1;
	return -1;
}

struct gm_vm *gm_vm_get(struct gm *m, uint32_t vm, bool create)
{
	if (vm > 0xffff)
		return NULL;
	if (!m->vms[vm] && create) {
		m->vms[vm] = gm_xcalloc(1, sizeof(struct gm_vm));
		if (vm >= m->vms_end)
			m->vms_end = vm + 1;
	}
	return m->vms[vm];
}

size_t gm_vmt_bytes(bool two_level, unsigned int bits)
{
	size_t n;

	if (!two_level)
		return (size_t)GM_VMTE_SIZE << bits;
	n = ((size_t)1 << bits) / GM_VMT_L2_ENTRIES;
	return (n ? n : 1) * 8;
}

/* PA of the L2 VMTE of vm, or 0 after recording why (prefixed with ctx). */
uintptr_t gm_vmte_pa(struct gm *m, uint32_t vm, const char *ctx)
{
	size_t l1;
	uint64_t e;

	if (!m->vmt.valid) {
		gm_violate(m, "%s: VM %u: no valid VMT", ctx, vm);
		return 0;
	}
	if (vm >= (1u << m->vmt.bits)) {
		gm_violate(m, "%s: VM_ID %u beyond VMT_CFGR.VM_ID_BITS %u", ctx, vm,
			   m->vmt.bits);
		return 0;
	}
	if (!m->vmt.two_level)
		return m->vmt.base + (uintptr_t)vm * GM_VMTE_SIZE;
	l1 = vm / GM_VMT_L2_ENTRIES;
	if (!m->vmt.l1_valid[l1]) {
		gm_violate(m, "%s: VM %u: L1 VMTE %zu is not valid (no VMAP_L2_VMTR)", ctx, vm,
			   l1);
		return 0;
	}
	if (!gm_rd64(m, m->vmt.base + l1 * 8, &e)) {
		gm_violate(m, "%s: VM %u: VMT L1 no longer in registered memory", ctx, vm);
		return 0;
	}
	if ((!(e & GM_L1_VMTE_VALID) || (e & GM_L1_VMTE_L2_ADDR) != m->vmt.l2[l1]) &&
	    m->vmt.l1_valid[l1] == 1) {
		gm_violate(m, "%s: L1 VMTE %zu modified while valid (0x%llx)", ctx, l1,
			   (unsigned long long)e);
		m->vmt.l1_valid[l1] = 3;	/* reported */
	}
	return m->vmt.l2[l1] + (uintptr_t)(vm % GM_VMT_L2_ENTRIES) * GM_VMTE_SIZE;
}

/* Compare a valid VM's VMTE in memory with what the IRS made valid. */
bool gm_vm_check(struct gm *m, uint32_t vmid, struct gm_vm *v)
{
	uintptr_t pa = gm_vmte_pa(m, vmid, "VMTE check");
	uint64_t w[4];
	bool bad;

	if (!pa)
		return false;
	for (int i = 0; i < 4; i++) {
		if (!gm_rd64(m, pa + i * 8, &w[i])) {
			if (!v->corrupt_reported)
				gm_violate(m, "VMTE of VM %u is no longer in registered memory",
					   vmid);
			v->corrupt_reported = true;
			return false;
		}
	}
	bad = w[0] != (v->w0 | GM_VMTE0_VALID) || w[1] != v->w1;
	for (int t = 0; t < 2; t++) {
		if (v->ist[t].valid)
			bad |= w[2 + t] != v->ist[t].desc;
		else
			bad |= !!(w[2 + t] & GM_VIST_VALID);
	}
	if (bad && !v->corrupt_reported) {
		v->corrupt_reported = true;
		gm_violate(m,
			   "VM %u: VMTE modified/zeroed while valid (0x%llx 0x%llx 0x%llx 0x%llx)",
			   vmid, (unsigned long long)w[0], (unsigned long long)w[1],
			   (unsigned long long)w[2], (unsigned long long)w[3]);
	}
	return true;
}

struct gm_vm *gm_vm_live(struct gm *m, uint32_t vmid)
{
	struct gm_vm *v = gm_vm_get(m, vmid, false);

	if (!v || !v->valid)
		return NULL;
	gm_vm_check(m, vmid, v);
	return v;
}

/* ------------------------------------------------------------------------ */
/* virtual ISTs                                                             */

void gm_vist_free(struct gm_vist *v)
{
	free(v->l1_valid);
	free(v->l2_addr);
	free(v->touched);
	free(v->cache);
	free(v->pend);
	memset(v, 0, sizeof(*v));
}

size_t gm_vist_l2_bytes(const struct gm_vist *v)
{
	return (size_t)4096 << (2 * v->l2sz);
}

static size_t gm_iste_bytes(const struct gm_vist *v)
{
	return (size_t)4 << v->istsz;
}

bool gm_iste_pa(struct gm *m, struct gm_vist *v, uint32_t id, uintptr_t *pa)
{
	size_t l1;

	(void)m;
	if (!v->valid || id >= (1u << v->id_bits))
		return false;
	if (!v->two_level) {
		*pa = v->base + (uintptr_t)id * gm_iste_bytes(v);
		return true;
	}
	l1 = id >> v->l2_bits;
	if (l1 >= v->l1_entries || !v->l1_valid[l1])
		return false;
	*pa = v->l2_addr[l1] + (uintptr_t)(id & ((1u << v->l2_bits) - 1)) * gm_iste_bytes(v);
	return true;
}

static bool gm_touched(struct gm_vist *v, uint32_t id)
{
	return v->touched[id / 8] & (1u << (id % 8));
}

static void gm_touch(struct gm_vist *v, uint32_t id)
{
	v->touched[id / 8] |= 1u << (id % 8);
}

/* An ISTE in memory with HWU or metadata the IRS did not write. */
static bool gm_iste_foreign(struct gm *m, struct gm_vist *v, uintptr_t pa, uint32_t word)
{
	uint8_t md[12];
	size_t n = gm_iste_bytes(v) - 4;

	if (word & GM_ISTE_HWU)
		return true;
	if (n && gm_rd(m, pa + 4, md, n)) {
		for (size_t i = 0; i < n; i++)
			if (md[i])
				return true;
	}
	return false;
}

static struct gm_cached *gm_cache_find(struct gm_vist *v, uint32_t id)
{
	for (size_t i = 0; i < v->ncache; i++)
		if (v->cache[i].id == id)
			return &v->cache[i];
	return NULL;
}

bool gm_iste_get(struct gm *m, uint32_t vmid, struct gm_vist *v, int t, uint32_t id,
		 uint32_t *word)
{
	struct gm_cached *c = gm_cache_find(v, id);
	uintptr_t pa;

	if (c) {
		*word = c->word;
		return true;
	}
	if (!gm_iste_pa(m, v, id, &pa))
		return false;
	if (!gm_rd32(m, pa, word)) {
		gm_violate(m, "VM %u %s ISTE %u at 0x%lx is not in registered memory", vmid,
			   tn(t), id, (unsigned long)pa);
		return false;
	}
	if (!m->quiet && !gm_touched(v, id) && gm_iste_foreign(m, v, pa, *word)) {
		gm_violate(m, "VM %u %s ISTE %u: HWU/metadata set by software (0x%08x)", vmid,
			   tn(t), id, *word);
		gm_touch(v, id);
	}
	return true;
}

static void gm_iste_store(struct gm *m, uint32_t vmid, struct gm_vist *v, int t,
			  uint32_t id, uint32_t word)
{
	uintptr_t pa;

	if (!gm_iste_pa(m, v, id, &pa))
		return;
	if (m->hwu_stamp) {
		uint8_t md[12];
		size_t n = gm_iste_bytes(v) - 4;

		word = (word & ~(uint32_t)GM_ISTE_HWU) |
		       (uint32_t)GM_FIELD_PREP(GM_ISTE_HWU, GM_HWU_STAMP);
		memset(md, GM_MD_STAMP, sizeof(md));
		if (n)
			gm_wr(m, pa + 4, md, n);
		gm_touch(v, id);
	}
	if (!gm_wr32(m, pa, word))
		gm_violate(m, "VM %u %s ISTE %u: write-back to unregistered memory", vmid,
			   tn(t), id);
}

static void gm_pend_update(struct gm_vist *v, uint32_t id, bool pending)
{
	for (size_t i = 0; i < v->npend; i++) {
		if (v->pend[i] != id)
			continue;
		if (!pending)
			v->pend[i] = v->pend[--v->npend];
		return;
	}
	if (pending) {
		v->pend = gm_grow(v->pend, &v->pend_cap, v->npend + 1, sizeof(*v->pend));
		v->pend[v->npend++] = id;
	}
}

void gm_iste_put(struct gm *m, uint32_t vmid, struct gm_vm *vm, int t, uint32_t id,
		 uint32_t word)
{
	struct gm_vist *v = &vm->ist[t];
	struct gm_cached *c;
	uint32_t old;

	if (!gm_iste_get(m, vmid, v, t, id, &old))
		return;
	if (m->cache_ist) {
		c = gm_cache_find(v, id);
		if (!c) {
			uintptr_t pa;
			uint32_t mem = 0;

			if (gm_iste_pa(m, v, id, &pa))
				gm_rd32(m, pa, &mem);
			v->cache = gm_grow(v->cache, &v->cache_cap, v->ncache + 1,
					   sizeof(*v->cache));
			c = &v->cache[v->ncache++];
			c->id = id;
			c->memword = mem;
		}
		c->word = word;
	} else {
		gm_iste_store(m, vmid, v, t, id, word);
	}
	if ((old ^ word) & GM_ISTE_PENDING)
		gm_pend_update(v, id, word & GM_ISTE_PENDING);
	if ((word & (GM_ISTE_PENDING | GM_ISTE_ENABLE | GM_ISTE_ACTIVE | GM_ISTE_IRM)) ==
	    (GM_ISTE_PENDING | GM_ISTE_ENABLE))
		gm_doorbell_eval(m, vmid, vm, GM_FIELD_GET(GM_ISTE_IAFFID, word));
}

/* Write the IRS-cached state of a vIST back to memory (SAVE / unmap). */
void gm_vist_writeback(struct gm *m, uint32_t vmid, struct gm_vist *v, int t)
{
	for (size_t i = 0; i < v->ncache; i++) {
		struct gm_cached *c = &v->cache[i];
		uintptr_t pa;
		uint32_t cur;

		if (!gm_iste_pa(m, v, c->id, &pa))
			continue;
		if (gm_rd32(m, pa, &cur) && cur != c->memword)
			gm_violate(m,
				   "VM %u %s ISTE %u modified by software while the vIST was live (0x%08x -> 0x%08x)",
				   vmid, tn(t), c->id, c->memword, cur);
		gm_iste_store(m, vmid, v, t, c->id, c->word);
	}
	v->ncache = 0;
}

/*
 * Scan a freshly (re)validated vIST: learn the pending interrupts and look
 * for HWU/metadata the IRS did not write.
 */
static void gm_vist_scan(struct gm *m, uint32_t vmid, struct gm_vist *v, int t)
{
	size_t esz = gm_iste_bytes(v);
	uint32_t n = 1u << v->id_bits, foreign = 0, first = 0;

	v->npend = 0;
	for (uint32_t id = 0; id < n; id++) {
		uintptr_t pa;
		uint32_t w;
		uint8_t *p;

		if (!gm_iste_pa(m, v, id, &pa)) {
			if (v->two_level)	/* skip the unmapped L2 range */
				id |= (1u << v->l2_bits) - 1;
			continue;
		}
		p = gm_view(m, pa, esz);
		if (!p)
			continue;
		w = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
		if (w & GM_ISTE_PENDING)
			gm_pend_update(v, id, true);
		if (!gm_touched(v, id) && gm_iste_foreign(m, v, pa, w)) {
			if (!foreign++)
				first = id;
			gm_touch(v, id);
		}
	}
	if (foreign)
		gm_violate(m,
			   "VM %u %s vIST: %u ISTE(s) with HWU/metadata set by software (first ID %u)",
			   vmid, tn(t), foreign, first);
}

/* Parse and check a descriptor (without VALID); fill *v. */
static bool gm_vist_setup(struct gm *m, uint32_t vmid, int t, uint64_t d, struct gm_vist *v)
{
	unsigned int istsz = GM_FIELD_GET(GM_VIST_ISTSZ, d);
	unsigned int l2sz = GM_FIELD_GET(GM_VIST_L2SZ, d);
	unsigned int id_bits = GM_FIELD_GET(GM_VIST_ID_BITS, d);
	bool two = d & GM_VIST_STRUCTURE;
	unsigned int want, max_bits = t ? 24 : m->caps.id_bits;
	char what[64];

	memset(v, 0, sizeof(*v));
	if (istsz > GM_ISTSZ_16) {
		gm_violate(m, "VMAP_VISTR: VM %u %s vIST: reserved ISTSZ %u", vmid, tn(t), istsz);
		return false;
	}
	want = !m->caps.istmd ? GM_ISTSZ_4 :
	       id_bits >= m->caps.istmd_sz ? GM_ISTSZ_16 : GM_ISTSZ_8;
	if (istsz != want) {
		gm_violate(m,
			   "VMAP_VISTR: VM %u %s vIST: ISTSZ %u but IDR2 (ISTMD %d, ISTMD_SZ %u) requires %u",
			   vmid, tn(t), istsz, m->caps.istmd,
			   m->caps.istmd_sz, want);
		return false;
	}
	if (!id_bits || id_bits > max_bits ||
	    (!t && id_bits < m->caps.min_lpi_id_bits)) {
		gm_violate(m, "VMAP_VISTR: VM %u %s vIST: ID_BITS %u out of range [%u, %u]",
			   vmid, tn(t), id_bits, t ? 1 : m->caps.min_lpi_id_bits, max_bits);
		return false;
	}
	if (two && !m->caps.ist_levels) {
		gm_violate(m, "VMAP_VISTR: VM %u %s vIST: two-level but IDR2.IST_LEVELS = 0",
			   vmid, tn(t));
		return false;
	}
	if (two && (l2sz > GM_L2SZ_64K || !(m->caps.ist_l2sz & (1u << l2sz)))) {
		gm_violate(m, "VMAP_VISTR: VM %u %s vIST: L2SZ %u not in IDR2.IST_L2SZ 0x%x",
			   vmid, tn(t), l2sz, m->caps.ist_l2sz);
		return false;
	}
	if (d & GM_GENMASK(5, 3))
		gm_violate(m, "VMAP_VISTR: VM %u %s vIST: reserved bits set (0x%llx)", vmid,
			   tn(t), (unsigned long long)d);
	v->istsz = istsz;
	v->l2sz = two ? l2sz : 0;
	v->id_bits = id_bits;
	v->two_level = two;
	v->base = d & GM_VIST_ADDR;
	if (!two) {
		v->table_bytes = ((size_t)4 << istsz) << id_bits;
		if (v->table_bytes < 64)
			v->table_bytes = 64;
	} else {
		v->l2_bits = (10 - istsz) + 2 * l2sz;
		v->l1_entries = id_bits > v->l2_bits ? (size_t)1 << (id_bits - v->l2_bits) : 1;
		v->table_bytes = v->l1_entries * 8 < 64 ? 64 : v->l1_entries * 8;
	}
	snprintf(what, sizeof(what), "VM %u %s vIST%s", vmid, tn(t), two ? " L1" : "");
	if (!gm_table_ok(m, what, v->base, v->table_bytes, v->table_bytes))
		return false;
	if (two) {
		v->l1_valid = gm_xcalloc(v->l1_entries, 1);
		v->l2_addr = gm_xcalloc(v->l1_entries, sizeof(*v->l2_addr));
		for (size_t l = 0; l < v->l1_entries; l++) {
			uint64_t e = 0;

			gm_rd64(m, v->base + l * 8, &e);
			if (!(e & GM_L1_ISTE_VALID))
				continue;
			/* software may preset L1 entries before the vIST is valid (3.6) */
			snprintf(what, sizeof(what), "VM %u %s vIST L2 table %zu", vmid, tn(t), l);
			if (!gm_table_ok(m, what, e & GM_L1_ISTE_L2_ADDR, gm_vist_l2_bytes(v),
					 gm_vist_l2_bytes(v)))
				continue;
			v->l1_valid[l] = 2;
			v->l2_addr[l] = e & GM_L1_ISTE_L2_ADDR;
		}
	}
	v->touched = gm_xcalloc(((size_t)1 << id_bits) / 8 + 1, 1);
	return true;
}

/* ------------------------------------------------------------------------ */
/* commands                                                                 */

static void gm_vmt_detach(struct gm *m)
{
	free(m->vmt.l1_valid);
	free(m->vmt.l2);
	memset(&m->vmt, 0, sizeof(m->vmt));
	for (uint32_t i = 0; i < m->vms_end; i++) {
		struct gm_vm *v = m->vms[i];

		if (!v)
			continue;
		gm_vist_free(&v->ist[0]);
		gm_vist_free(&v->ist[1]);
		free(v->vpes);
		free(v);
		m->vms[i] = NULL;
	}
}

static void gm_cmd_vmt_baser(struct gm *m, uint64_t val)
{
	bool two = m->vmt_cfgr & GM_VMT_CFGR_STRUCTURE;
	unsigned int bits = GM_FIELD_GET(GM_VMT_CFGR_VM_ID_BITS, m->vmt_cfgr);
	uintptr_t base = val & GM_VMT_BASER_ADDR;
	size_t bytes = gm_vmt_bytes(two, bits);

	if (!(val & GM_VMT_BASER_VALID)) {
		if (m->vmt.valid) {
			for (uint32_t i = 0; i < m->vms_end; i++)
				if (m->vms[i] && m->vms[i]->valid)
					gm_violate(m, "VMT_BASER cleared while VM %u is valid", i);
			gm_vmt_detach(m);
		}
		m->vmt_baser = val;
		return;
	}
	if (val & GM_GENMASK(63, 56))
		gm_violate(m, "VMT_BASER: reserved bits set (0x%llx)", (unsigned long long)val);
	if (two && !m->caps.vmt_levels) {
		gm_violate(m, "VMT_BASER: two-level VMT but IDR3.VMT_LEVELS = 0");
		return;
	}
	if (bits > m->caps.vm_id_bits) {
		gm_violate(m, "VMT_BASER: VMT_CFGR.VM_ID_BITS %u > IDR3.VM_ID_BITS %u", bits,
			   m->caps.vm_id_bits);
		return;
	}
	if (!gm_table_ok(m, "VMT", base, bytes, bytes))
		return;
	m->vmt.valid = true;
	m->vmt.two_level = two;
	m->vmt.base = base;
	m->vmt.bits = bits;
	m->vmt.bytes = bytes;
	m->vmt.l1_entries = two ? bytes / 8 : 0;
	if (two) {
		m->vmt.l1_valid = gm_xcalloc(m->vmt.l1_entries, 1);
		m->vmt.l2 = gm_xcalloc(m->vmt.l1_entries, sizeof(*m->vmt.l2));
	}
	/* nothing may be valid in a fresh table: software never sets VALID */
	for (size_t off = 0; off < bytes; off += two ? 8 : GM_VMTE_SIZE) {
		uint64_t e = 0;

		gm_rd64(m, base + off, &e);
		if (e & 1) {
			gm_violate(m, "VMT_BASER: %s %zu has VALID set by software (0x%llx)",
				   two ? "L1 VMTE" : "VMTE", off / (two ? 8 : GM_VMTE_SIZE),
				   (unsigned long long)e);
			break;
		}
	}
	m->vmt_baser = val;
}

static void gm_cmd_l2_vmtr(struct gm *m, uint64_t val)
{
	uint32_t vm = GM_FIELD_GET(GM_CMD_VM_ID_LO, val);
	size_t l1 = vm / GM_VMT_L2_ENTRIES;
	uintptr_t l2;
	uint64_t e;

	if (!m->vmt.valid || !m->vmt.two_level) {
		gm_violate(m, "VMAP_L2_VMTR: VM %u: no valid two-level VMT", vm);
		return;
	}
	if (vm >= (1u << m->vmt.bits)) {
		gm_violate(m, "VMAP_L2_VMTR: VM_ID %u beyond VMT_CFGR.VM_ID_BITS %u", vm,
			   m->vmt.bits);
		return;
	}
	if (m->vmt.l1_valid[l1]) {
		gm_violate(m, "VMAP_L2_VMTR: L2 VMT for VM %u is already mapped", vm);
		return;
	}
	if (!gm_rd64(m, m->vmt.base + l1 * 8, &e)) {
		gm_violate(m, "VMAP_L2_VMTR: VMT L1 not in registered memory");
		return;
	}
	if (e & GM_L1_VMTE_VALID)
		gm_violate(m, "VMAP_L2_VMTR: L1 VMTE %zu has VALID set by software", l1);
	if (e & ~(GM_L1_VMTE_L2_ADDR | GM_L1_VMTE_VALID))
		gm_violate(m, "VMAP_L2_VMTR: L1 VMTE %zu has bits outside L2_ADDR (0x%llx)", l1,
			   (unsigned long long)e);
	l2 = e & GM_L1_VMTE_L2_ADDR;
	if (!gm_table_ok(m, "L2 VMT page", l2, 4096, 4096))
		return;
	for (unsigned int i = 0; i < GM_VMT_L2_ENTRIES; i++) {
		uint64_t w = 0;

		gm_rd64(m, l2 + i * GM_VMTE_SIZE, &w);
		if (w & GM_VMTE0_VALID) {
			gm_violate(m,
				   "VMAP_L2_VMTR: VMTE %zu in new L2 page has VALID set by software",
				   l1 * GM_VMT_L2_ENTRIES + i);
			break;
		}
	}
	gm_wr64(m, m->vmt.base + l1 * 8, e | GM_L1_VMTE_VALID);
	m->vmt.l1_valid[l1] = 1;
	m->vmt.l2[l1] = l2;
}

/* VMAP_VMR U=0 of a VM seen before: keep vISTs / VPEs whose VALID the IRS set. */
static void gm_vm_adopt(struct gm *m, uint32_t vmid, struct gm_vm *v, const uint64_t *w,
			uintptr_t vpet, unsigned int bits)
{
	bool same_vpet = v->known && v->vpet == vpet && v->vpe_bits == bits && v->vpes;

	for (int t = 0; t < 2; t++) {
		struct gm_vist *s = &v->ist[t];
		uint64_t d = w[2 + t];

		if (d & GM_VIST_VALID) {
			if (v->known && s->valid && s->desc == d &&
			    gm_mem_ok(m, s->base, s->table_bytes)) {
				gm_vist_scan(m, vmid, s, t);
				continue;
			}
			gm_violate(m,
				   "VMAP_VMR: VM %u %s vIST descriptor has VALID set by software (0x%llx)",
				   vmid, tn(t), (unsigned long long)d);
		}
		gm_vist_free(s);
	}
	if (!same_vpet) {
		free(v->vpes);
		v->vpes = gm_xcalloc((size_t)1 << bits, sizeof(*v->vpes));
		for (uint32_t p = 0; p < (1u << bits); p++) {
			v->vpes[p].cpu = -1;
			v->vpes[p].pcr = 31;
		}
	}
	for (uint32_t p = 0; p < (1u << bits); p++) {
		struct gm_vpe *e = &v->vpes[p];
		uint64_t x = 0;

		gm_rd64(m, vpet + p * 8, &x);
		if (!(x & GM_VPETE_VALID)) {
			e->valid = false;
			continue;
		}
		if (e->valid && (x & GM_VPETE_VPED_ADDR) == e->vped &&
		    gm_mem_ok(m, e->vped, (size_t)1 << m->caps.vped_sz))
			continue;
		gm_violate(m, "VMAP_VMR: VM %u VPETE %u has VALID set by software (0x%llx)", vmid,
			   p, (unsigned long long)x);
		e->valid = false;
	}
}

static void gm_cmd_vmr(struct gm *m, uint64_t val)
{
	uint32_t vmid = GM_FIELD_GET(GM_CMD_VM_ID_LO, val);
	uintptr_t pa = gm_vmte_pa(m, vmid, "VMAP_VMR");
	struct gm_vm *v;
	uint64_t w[4];
	uintptr_t vpet, vmd;
	unsigned int bits;

	if (!pa)
		return;
	v = gm_vm_get(m, vmid, true);
	for (int i = 0; i < 4; i++) {
		if (!gm_rd64(m, pa + i * 8, &w[i])) {
			gm_violate(m, "VMAP_VMR: VMTE %u not in registered memory", vmid);
			return;
		}
	}
	if (val & GM_CMD_U) {
		if (!v->valid) {
			gm_violate(m, "VMAP_VMR U=1: VM %u is not valid", vmid);
			return;
		}
		gm_vm_check(m, vmid, v);
		if (gm_vm_any_resident(v))
			gm_violate(m, "VMAP_VMR U=1: VM %u still has a resident VPE", vmid);
		for (int t = 0; t < 2; t++)
			if (v->ist[t].valid)
				gm_vist_writeback(m, vmid, &v->ist[t], t);
		gm_wr64(m, pa, w[0] & ~GM_VMTE0_VALID);
		v->valid = false;
		v->corrupt_reported = false;
		return;
	}
	if (v->valid || (w[0] & GM_VMTE0_VALID)) {
		gm_violate(m, "VMAP_VMR: VMTE %u is already valid%s", vmid,
			   v->valid ? "" : " (VALID set by software)");
		return;
	}
	if (w[0] & ~(GM_VMTE0_VMD_ADDR | GM_VMTE0_VALID))
		gm_violate(m, "VMAP_VMR: VMTE %u word 0 has reserved bits set (0x%llx)", vmid,
			   (unsigned long long)w[0]);
	if (w[1] & ~(GM_VMTE1_VPET_ADDR | GM_VMTE1_VPE_ID_BITS))
		gm_violate(m, "VMAP_VMR: VMTE %u word 1 has reserved bits set (0x%llx)", vmid,
			   (unsigned long long)w[1]);
	bits = GM_FIELD_GET(GM_VMTE1_VPE_ID_BITS, w[1]);
	if (bits > m->caps.vpe_id_bits + 1) {
		gm_violate(m, "VMAP_VMR: VMTE %u VPE_ID_BITS %u > IDR4.VPE_ID_BITS + 1 = %u",
			   vmid, bits, m->caps.vpe_id_bits + 1);
		return;
	}
	vpet = w[1] & GM_VMTE1_VPET_ADDR;
	if (!gm_table_ok(m, "VMAP_VMR: VPET", vpet, (size_t)8 << bits, 8))
		return;
	vmd = w[0] & GM_VMTE0_VMD_ADDR;
	if (m->caps.vmd) {
		size_t sz = (size_t)1 << m->caps.vmd_sz;

		if (!gm_table_ok(m, "VMAP_VMR: VMD", vmd, sz, sz))
			return;
	} else if (vmd) {
		gm_violate(m, "VMAP_VMR: VMTE %u VMD_ADDR set but IDR3.VMD = 0", vmid);
		vmd = 0;
	}
	gm_vm_adopt(m, vmid, v, w, vpet, bits);
	if (!gm_wr64(m, pa, w[0] | GM_VMTE0_VALID))
		return;
	v->valid = true;
	v->known = true;
	v->corrupt_reported = false;
	v->w0 = w[0];
	v->w1 = w[1];
	v->vmd = vmd;
	v->vpet = vpet;
	v->vpe_bits = bits;
}

static void gm_cmd_vistr(struct gm *m, uint64_t val)
{
	uint32_t vmid = GM_FIELD_GET(GM_CMD_VM_ID_HI, val);
	unsigned int type = GM_FIELD_GET(GM_CMD_TYPE, val);
	int t = gm_type_idx(type);
	struct gm_vm *v;
	struct gm_vist *s, tmp;
	uintptr_t pa;
	uint64_t d;

	if (t < 0) {
		gm_violate(m, "VMAP_VISTR: bad TYPE %u", type);
		return;
	}
	v = gm_vm_live(m, vmid);
	if (!v) {
		gm_violate(m, "VMAP_VISTR: VM %u has no valid VMTE", vmid);
		return;
	}
	pa = gm_vmte_pa(m, vmid, "VMAP_VISTR") + 16 + 8 * t;
	if (!gm_rd64(m, pa, &d))
		return;
	s = &v->ist[t];
	if (val & GM_CMD_U) {
		if (!s->valid) {
			gm_violate(m, "VMAP_VISTR U=1: VM %u %s vIST is not valid", vmid, tn(t));
			return;
		}
		gm_vist_writeback(m, vmid, s, t);
		gm_wr64(m, pa, d & ~GM_VIST_VALID);
		gm_vist_free(s);
		return;
	}
	if (s->valid) {
		gm_violate(m, "VMAP_VISTR: VM %u %s vIST made valid twice", vmid, tn(t));
		return;
	}
	if (d & GM_VIST_VALID) {
		gm_violate(m, "VMAP_VISTR: VM %u %s vIST descriptor has VALID set by software",
			   vmid, tn(t));
		return;
	}
	if (!gm_vist_setup(m, vmid, t, d, &tmp)) {
		gm_vist_free(&tmp);
		return;
	}
	*s = tmp;
	gm_wr64(m, pa, d | GM_VIST_VALID);
	s->desc = d | GM_VIST_VALID;
	s->valid = true;
	gm_vist_scan(m, vmid, s, t);
}

static void gm_cmd_l2_vistr(struct gm *m, uint64_t val)
{
	uint32_t vmid = GM_FIELD_GET(GM_CMD_VM_ID_HI, val);
	unsigned int type = GM_FIELD_GET(GM_CMD_TYPE, val);
	uint32_t id = GM_FIELD_GET(GM_CMD_ID, val);
	int t = gm_type_idx(type);
	struct gm_vm *v;
	struct gm_vist *s;
	size_t l1;
	uint64_t e;
	char what[64];

	if (t < 0) {
		gm_violate(m, "VMAP_L2_VISTR: bad TYPE %u", type);
		return;
	}
	v = gm_vm_live(m, vmid);
	if (!v) {
		gm_violate(m, "VMAP_L2_VISTR: VM %u has no valid VMTE", vmid);
		return;
	}
	s = &v->ist[t];
	if (!s->valid || !s->two_level) {
		gm_violate(m, "VMAP_L2_VISTR: VM %u has no valid two-level %s vIST", vmid, tn(t));
		return;
	}
	if (id >= (1u << s->id_bits)) {
		gm_violate(m, "VMAP_L2_VISTR: VM %u %s ID %u beyond ID_BITS %u", vmid, tn(t), id,
			   s->id_bits);
		return;
	}
	l1 = id >> s->l2_bits;
	if (!gm_rd64(m, s->base + l1 * 8, &e)) {
		gm_violate(m, "VMAP_L2_VISTR: VM %u %s vIST L1 not in registered memory", vmid,
			   tn(t));
		return;
	}
	if (s->l1_valid[l1]) {
		gm_violate(m, "VMAP_L2_VISTR: VM %u %s L2 table %zu is already mapped", vmid,
			   tn(t), l1);
		return;
	}
	if (e & GM_L1_ISTE_VALID)
		gm_violate(m, "VMAP_L2_VISTR: VM %u %s L1 ISTE %zu has VALID set by software",
			   vmid, tn(t), l1);
	snprintf(what, sizeof(what), "VM %u %s vIST L2 table %zu", vmid, tn(t), l1);
	if (!gm_table_ok(m, what, e & GM_L1_ISTE_L2_ADDR, gm_vist_l2_bytes(s),
			 gm_vist_l2_bytes(s)))
		return;
	gm_wr64(m, s->base + l1 * 8, e | GM_L1_ISTE_VALID);
	s->l1_valid[l1] = 1;
	s->l2_addr[l1] = e & GM_L1_ISTE_L2_ADDR;
}

static void gm_cmd_vper(struct gm *m, uint64_t val)
{
	uint32_t vmid = GM_FIELD_GET(GM_CMD_VM_ID_HI, val);
	uint32_t vpe = GM_FIELD_GET(GM_VMAP_VPER_VPE_ID, val);
	struct gm_vm *v = gm_vm_live(m, vmid);
	struct gm_vpe *p;
	uint64_t e;
	char what[64];
	size_t sz = (size_t)1 << m->caps.vped_sz;

	if (!v) {
		gm_violate(m, "VMAP_VPER: VM %u has no valid VMTE", vmid);
		return;
	}
	if (vpe >= (1u << v->vpe_bits)) {
		gm_violate(m, "VMAP_VPER: VM %u VPE_ID %u beyond VMTE VPE_ID_BITS %u", vmid, vpe,
			   v->vpe_bits);
		return;
	}
	p = &v->vpes[vpe];
	if (!gm_rd64(m, v->vpet + vpe * 8, &e)) {
		gm_violate(m, "VMAP_VPER: VM %u VPET not in registered memory", vmid);
		return;
	}
	if (p->valid) {
		gm_violate(m, "VMAP_VPER: VM %u VPE %u made valid twice", vmid, vpe);
		return;
	}
	if (e & GM_VPETE_VALID) {
		gm_violate(m, "VMAP_VPER: VM %u VPETE %u VALID written by software", vmid, vpe);
		return;
	}
	if (e & ~(GM_VPETE_VPED_ADDR | GM_VPETE_VALID))
		gm_violate(m, "VMAP_VPER: VM %u VPETE %u has reserved bits set (0x%llx)", vmid,
			   vpe, (unsigned long long)e);
	snprintf(what, sizeof(what), "VMAP_VPER: VM %u VPED %u", vmid, vpe);
	/* 32-byte alignment satisfies both VPED_ADDR definitions (4.3, 9.2) */
	if (!gm_table_ok(m, what, e & GM_VPETE_VPED_ADDR, sz, sz < 32 ? sz : 32))
		return;
	gm_wr64(m, v->vpet + vpe * 8, e | GM_VPETE_VALID);
	p->valid = true;
	p->vped = e & GM_VPETE_VPED_ADDR;
}

static struct gm_vpe *gm_selected_vpe(struct gm *m, const char *ctx)
{
	struct gm_vm *v;
	uint32_t vpe = GM_FIELD_GET(GM_VPE_SELR_VPE_ID, m->vpe_selr);

	if (!m->vpe_sel_valid) {
		if (ctx)
			gm_violate(m, "%s written with no valid VPE selected", ctx);
		return NULL;
	}
	v = gm_vm_get(m, GM_FIELD_GET(GM_VPE_SELR_VM_ID, m->vpe_selr), false);
	if (!v || !v->valid || !v->vpes || vpe >= (1u << v->vpe_bits) || !v->vpes[vpe].valid) {
		if (ctx)
			gm_violate(m, "%s: selected VPE is no longer valid", ctx);
		return NULL;
	}
	return &v->vpes[vpe];
}

static void gm_cmd_vpe(struct gm *m, uint32_t off, uint64_t val)
{
	struct gm_vpe *p;

	switch (off) {
	case GM_IRS_VPE_SELR: {
		uint32_t vmid = GM_FIELD_GET(GM_VPE_SELR_VM_ID, val);
		uint32_t vpe = GM_FIELD_GET(GM_VPE_SELR_VPE_ID, val);
		struct gm_vm *v = gm_vm_live(m, vmid);

		if (!(val & GM_VPE_SELR_S))
			gm_violate(m, "VPE_SELR written without S (0x%llx)",
				   (unsigned long long)val);
		m->vpe_selr = val;
		m->vpe_sel_valid = v && vpe < (1u << v->vpe_bits) && v->vpes[vpe].valid;
		break;
	}
	case GM_IRS_VPE_DBR:
		p = gm_selected_vpe(m, "VPE_DBR");
		if (!p)
			break;
		if (val & ~(GM_VPE_DBR_DBV | GM_VPE_DBR_REQ_DB | GM_VPE_DBR_DBPM |
			    GM_VPE_DBR_INTID))
			gm_violate(m, "VPE_DBR: reserved bits set (0x%llx)",
				   (unsigned long long)val);
		p->dbr = val & (GM_VPE_DBR_DBV | GM_VPE_DBR_INTID);
		p->db_req = val & GM_VPE_DBR_REQ_DB;
		p->dbpm = GM_FIELD_GET(GM_VPE_DBR_DBPM, val);
		if (p->db_req) {
			uint32_t vmid = GM_FIELD_GET(GM_VPE_SELR_VM_ID, m->vpe_selr);

			gm_doorbell_eval(m, vmid, gm_vm_get(m, vmid, false),
					 GM_FIELD_GET(GM_VPE_SELR_VPE_ID, m->vpe_selr));
		}
		break;
	case GM_IRS_VPE_CR0:
		p = gm_selected_vpe(m, "VPE_CR0");
		if (p)
			p->cr0 = val & GM_VPE_CR0_DPS;
		break;
	}
}

static void gm_cmd_save(struct gm *m, uint64_t val)
{
	uint32_t vmid = GM_FIELD_GET(GM_CMD_VM_ID_LO, val);
	struct gm_vm *v = gm_vm_live(m, vmid);

	m->save_q = false;
	if (!v) {
		gm_violate(m, "SAVE_VMR: VM %u is not valid", vmid);
		return;
	}
	if (val & GM_SAVE_VMR_S)
		for (int t = 0; t < 2; t++)
			if (v->ist[t].valid)
				gm_vist_writeback(m, vmid, &v->ist[t], t);
	if (val & GM_SAVE_VMR_Q)
		m->save_q = m->quiesce_ok && !gm_vm_any_resident(v);
}

/* Complete a command: the effect becomes visible. */
void gm_cmd_execute(struct gm *m, uint32_t off, uint64_t val)
{
	bool needs_m = off == GM_IRS_VMAP_L2_VMTR || off == GM_IRS_VMAP_VMR ||
		       off == GM_IRS_VMAP_VISTR || off == GM_IRS_VMAP_L2_VISTR ||
		       off == GM_IRS_VMAP_VPER;

	if (needs_m && !(val & GM_CMD_M)) {
		gm_violate(m, "command at 0x%x written without M (0x%llx)", off,
			   (unsigned long long)val);
		return;
	}
	if (needs_m && m->vmap_ignored_after && !--m->vmap_ignored_after)
		return;
	switch (off) {
	case GM_IRS_VMT_BASER:
		gm_cmd_vmt_baser(m, val);
		break;
	case GM_IRS_VMAP_L2_VMTR:
		gm_cmd_l2_vmtr(m, val);
		break;
	case GM_IRS_VMAP_VMR:
		gm_cmd_vmr(m, val);
		break;
	case GM_IRS_VMAP_VISTR:
		gm_cmd_vistr(m, val);
		break;
	case GM_IRS_VMAP_L2_VISTR:
		gm_cmd_l2_vistr(m, val);
		break;
	case GM_IRS_VMAP_VPER:
		gm_cmd_vper(m, val);
		break;
	case GM_IRS_VPE_SELR:
	case GM_IRS_VPE_DBR:
	case GM_IRS_VPE_CR0:
		gm_cmd_vpe(m, off, val);
		break;
	case GM_IRS_VM_SELR: {
		struct gm_vm *v = gm_vm_live(m, val & GM_VM_SELR_VM_ID);

		m->vm_selr = val & GM_VM_SELR_VM_ID;
		m->vm_sel_valid = !!v;
		break;
	}
	case GM_IRS_VM_DBR:
		if (!m->vm_sel_valid || !m->vms[m->vm_selr] || !m->vms[m->vm_selr]->valid)
			gm_violate(m, "VM_DBR written with no valid VM selected");
		else
			m->vms[m->vm_selr]->vm_dbr = val & (GM_VM_DBR_EN | GM_VM_DBR_VPE_ID);
		break;
	case GM_IRS_SAVE_VMR:
		gm_cmd_save(m, val);
		break;
	}
}

/* VPE_DBR / VPE_HPPIR / VPE_CR0 reads of the selected VPE (gm_mmio.c) */
uint64_t gm_vpe_reg_read(struct gm *m, uint32_t off)
{
	struct gm_vpe *p = gm_selected_vpe(m, NULL);
	uint32_t vmid = GM_FIELD_GET(GM_VPE_SELR_VM_ID, m->vpe_selr);
	uint32_t vpe = GM_FIELD_GET(GM_VPE_SELR_VPE_ID, m->vpe_selr);

	if (!p)
		return 0;
	switch (off) {
	case GM_IRS_VPE_DBR:
		return p->dbr | GM_FIELD_PREP(GM_VPE_DBR_DBPM, p->dbpm) |
		       (p->db_req ? GM_VPE_DBR_REQ_DB : 0);
	case GM_IRS_VPE_HPPIR:
		return gm_hppi(m, vmid, m->vms[vmid], vpe, 32);
	case GM_IRS_VPE_CR0:
		return p->cr0;
	}
	return 0;
}
