// SPDX-License-Identifier: GPL-2.0
/*
 * th.c - self-test helpers (see th.h).
 */
#include "th.h"

struct gm *M;

static struct {
	void *p;
	size_t len;
} allocs[512];
static int nallocs;

static void *vmt_base;
static bool vmt_two;
static void *vmt_l2[64];

struct gm *th_model(const struct gm_caps *caps)
{
	M = gm_create(caps);
	nallocs = 0;
	vmt_base = NULL;
	memset(vmt_l2, 0, sizeof(vmt_l2));
	return M;
}

void *th_alloc(size_t sz)
{
	size_t align = GM_WB_GRANULE, len;	/* own cache lines (non-coherent) */
	void *p;

	while (align < sz && align < 65536)
		align <<= 1;
	len = (sz + align - 1) & ~(align - 1);
	p = aligned_alloc(align, len);
	if (!p)
		abort();
	memset(p, 0, len);
	gm_mem_add(M, p, len);
	gm_cache_clean_inval(M, p, len);
	for (int i = 0; i < nallocs; i++) {
		if (!allocs[i].p) {
			allocs[i].p = p;
			allocs[i].len = len;
			return p;
		}
	}
	allocs[nallocs].p = p;
	allocs[nallocs++].len = len;
	return p;
}

void th_free(void *p)
{
	for (int i = 0; i < nallocs; i++) {
		if (allocs[i].p == p) {
			gm_mem_remove(M, p, allocs[i].len);
			free(p);
			allocs[i].p = NULL;
			return;
		}
	}
	abort();
}

static uint32_t status_of(uint32_t off)
{
	switch (off) {
	case GM_IRS_VPE_SELR:
	case GM_IRS_VPE_DBR:
	case GM_IRS_VPE_CR0:
		return GM_IRS_VPE_STATUSR;
	case GM_IRS_VM_SELR:
	case GM_IRS_VM_DBR:
		return GM_IRS_VM_STATUSR;
	case GM_IRS_SAVE_VMR:
		return GM_IRS_SAVE_VM_STATUSR;
	default:
		return GM_IRS_VMT_STATUSR;
	}
}

uint32_t th_poll(uint32_t status_off)
{
	for (int i = 0; i < 1000; i++) {
		uint32_t s = gm_mmio_read(M, status_off, 4);

		if (s & GM_STATUSR_IDLE)
			return s;
	}
	return 0;
}

bool th_cmd(uint32_t off, uint64_t val)
{
	uint32_t st = status_of(off);
	int size = (off == GM_IRS_VPE_CR0 || off == GM_IRS_VM_SELR) ? 4 : 8;

	if (!th_poll(st))
		return false;
	gm_mmio_write(M, off, size, val);
	return th_poll(st) != 0;
}

void th_clean(void *p, size_t len)
{
	gm_cache_clean_inval(M, p, len);
}

void th_inval(void *p, size_t len)
{
	gm_cache_inval(M, p, len);
}

uint64_t th_rd64(void *p)
{
	uint64_t v;

	th_inval(p, 8);
	memcpy(&v, p, 8);
	return v;
}

void th_wr64(void *p, uint64_t v)
{
	/* invalidate first: neighbours in the line may hold IRS-written data */
	th_inval(p, 8);
	memcpy(p, &v, 8);
	th_clean(p, 8);
}

void *th_vmt(unsigned int bits, bool two_level)
{
	size_t bytes = two_level ? (((size_t)1 << bits) / 128 ? ((size_t)1 << bits) / 128 : 1) * 8
				 : (size_t)32 << bits;

	vmt_base = th_alloc(bytes);
	vmt_two = two_level;
	gm_mmio_write(M, GM_IRS_VMT_CFGR, 4,
		      (two_level ? GM_VMT_CFGR_STRUCTURE : 0) | bits);
	th_cmd(GM_IRS_VMT_BASER, (uintptr_t)vmt_base | GM_VMT_BASER_VALID);
	return vmt_base;
}

uint64_t *th_vmte(uint32_t vm)
{
	uint64_t *l1;
	size_t i = vm / 128;

	if (!vmt_two)
		return (uint64_t *)((uint8_t *)vmt_base + vm * 32);
	l1 = vmt_base;
	if (!vmt_l2[i]) {
		vmt_l2[i] = th_alloc(4096);
		th_wr64(&l1[i], (uintptr_t)vmt_l2[i]);
		th_cmd(GM_IRS_VMAP_L2_VMTR, GM_CMD_M | vm);
	}
	return (uint64_t *)((uint8_t *)vmt_l2[i] + (vm % 128) * 32);
}

struct th_vm *th_vm_create(uint32_t vm, unsigned int vpe_bits, unsigned int nvpe,
			   unsigned int spi_bits)
{
	struct th_vm *v = calloc(1, sizeof(*v));
	struct gm_caps c = gm_get_caps(M);
	uint64_t w0 = 0;

	v->id = vm;
	v->vpe_bits = vpe_bits;
	v->nvpe = nvpe;
	v->istsz = c.istmd ? 1 : 0;
	v->vmte = th_vmte(vm);
	v->vpet = th_alloc((size_t)8 << vpe_bits);
	if (c.vmd) {
		v->vmd = th_alloc((size_t)1 << c.vmd_sz);
		w0 = (uintptr_t)v->vmd;
	}
	th_inval(v->vmte, 32);
	memset(v->vmte, 0, 32);
	v->vmte[0] = w0;
	v->vmte[1] = (uintptr_t)v->vpet | GM_FIELD_PREP(GM_VMTE1_VPE_ID_BITS, vpe_bits);
	th_clean(v->vmte, 32);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | vm);
	for (unsigned int p = 0; p < nvpe; p++) {
		v->vped[p] = th_alloc((size_t)1 << c.vped_sz);
		v->vpet[p] = (uintptr_t)v->vped[p];
	}
	th_clean(v->vpet, (size_t)8 << vpe_bits);
	for (unsigned int p = 0; p < nvpe; p++) {
		th_cmd(GM_IRS_VMAP_VPER, GM_CMD_M | GM_FIELD_PREP(GM_CMD_VM_ID_HI, vm) | p);
		th_cmd(GM_IRS_VPE_SELR, GM_VPE_SELR_S | GM_FIELD_PREP(GM_VPE_SELR_VPE_ID, p) | vm);
		th_cmd(GM_IRS_VPE_CR0, GM_VPE_CR0_DPS);
		th_cmd(GM_IRS_VPE_DBR, GM_VPE_DBR_DBV | TH_DB_LPI(vm, p));
	}
	if (spi_bits) {
		unsigned int sz = c.istmd ? (spi_bits >= c.istmd_sz ? 2 : 1) : 0;

		v->spi_bits = spi_bits;
		v->spi_bytes = ((size_t)4 << sz) << spi_bits;
		v->spi = th_alloc(v->spi_bytes);
		th_wr64(&v->vmte[3], (uintptr_t)v->spi | GM_FIELD_PREP(GM_VIST_ISTSZ, sz) |
				     GM_FIELD_PREP(GM_VIST_ID_BITS, spi_bits));
		th_cmd(GM_IRS_VMAP_VISTR, GM_CMD_M | GM_FIELD_PREP(GM_CMD_VM_ID_HI, vm) |
					  GM_FIELD_PREP(GM_CMD_TYPE, GM_TYPE_SPI));
	}
	return v;
}

void th_vm_lpi(struct th_vm *v, unsigned int id_bits, bool two_level)
{
	struct gm_caps c = gm_get_caps(M);
	unsigned int sz = c.istmd ? (id_bits >= c.istmd_sz ? 2 : 1) : 0;
	uint64_t d;

	v->istsz = sz;
	v->lpi_bits = id_bits;
	if (!two_level) {
		v->lpi_bytes = ((size_t)4 << sz) << id_bits;
		if (v->lpi_bytes < 64)
			v->lpi_bytes = 64;
	} else {
		unsigned int l2_bits = 10 - sz;
		size_t n = id_bits > l2_bits ? (size_t)1 << (id_bits - l2_bits) : 1;

		v->lpi_bytes = n * 8 < 64 ? 64 : n * 8;
	}
	v->lpi = th_alloc(v->lpi_bytes);
	d = (uintptr_t)v->lpi | GM_FIELD_PREP(GM_VIST_ISTSZ, sz) |
	    GM_FIELD_PREP(GM_VIST_ID_BITS, id_bits) | (two_level ? GM_VIST_STRUCTURE : 0);
	th_wr64(&v->vmte[2], d);
	th_cmd(GM_IRS_VMAP_VISTR, GM_CMD_M | GM_FIELD_PREP(GM_CMD_VM_ID_HI, v->id) |
				  GM_FIELD_PREP(GM_CMD_TYPE, GM_TYPE_LPI));
}

void th_vm_lpi_l2(struct th_vm *v, uint32_t id)
{
	unsigned int l2_bits = 10 - v->istsz;
	uint32_t l1 = id >> l2_bits;
	uint64_t *l1e = (uint64_t *)v->lpi;

	v->lpi_l2[l1] = th_alloc(4096);
	th_wr64(&l1e[l1], (uintptr_t)v->lpi_l2[l1]);
	th_cmd(GM_IRS_VMAP_L2_VISTR, GM_CMD_M | GM_FIELD_PREP(GM_CMD_VM_ID_HI, v->id) |
				     GM_FIELD_PREP(GM_CMD_TYPE, GM_TYPE_LPI) | id);
}

uint8_t *th_iste(struct th_vm *v, unsigned int type, uint32_t id)
{
	size_t esz = (size_t)4 << v->istsz;

	if (type == GM_TYPE_SPI)
		return v->spi + id * esz;
	if (v->lpi_l2[0] || v->lpi_l2[1] || v->lpi_l2[2]) {
		unsigned int l2_bits = 10 - v->istsz;

		return v->lpi_l2[id >> l2_bits] + (id & ((1u << l2_bits) - 1)) * esz;
	}
	return v->lpi + id * esz;
}

void th_vm_destroy(struct th_vm *v)
{
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | GM_CMD_U | v->id);
	th_inval(v->vpet, (size_t)8 << v->vpe_bits);
	memset(v->vpet, 0, (size_t)8 << v->vpe_bits);
	th_clean(v->vpet, (size_t)8 << v->vpe_bits);
	if (v->spi)
		th_free(v->spi);
	for (int i = 0; i < 16; i++)
		if (v->lpi_l2[i])
			th_free(v->lpi_l2[i]);
	if (v->lpi)
		th_free(v->lpi);
	for (unsigned int p = 0; p < v->nvpe; p++)
		th_free(v->vped[p]);
	th_free(v->vpet);
	if (v->vmd)
		th_free(v->vmd);
	th_inval(v->vmte, 32);
	memset(v->vmte, 0, 32);
	th_clean(v->vmte, 32);
	free(v);
}

uint64_t th_resident(int cpu, uint32_t vm, uint32_t vpe)
{
	gm_write_contextr(M, cpu, GM_CTXR_V | GM_FIELD_PREP(GM_CTXR_VPE, vpe) | vm);
	return gm_read_contextr(M, cpu);
}

void th_nonresident(int cpu, bool db, unsigned int dbpm)
{
	gm_write_contextr(M, cpu, db ? GM_CTXR_DB | GM_FIELD_PREP(GM_CTXR_DBPM, dbpm) : 0);
}

void th_guest_cfg(int cpu, unsigned int type, uint32_t id, unsigned int prio, uint32_t iaffid)
{
	uint64_t intid = GM_INTID(type, id);

	gm_guest_insn(M, cpu, GM_CDPRI, intid | GM_FIELD_PREP(GM_CDPRI_PRIORITY, prio));
	gm_guest_insn(M, cpu, GM_CDAFF, intid | GM_FIELD_PREP(GM_CDAFF_IAFFID, iaffid));
	gm_guest_insn(M, cpu, GM_CDEN, intid);
}
