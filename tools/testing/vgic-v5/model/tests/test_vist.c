// SPDX-License-Identifier: GPL-2.0
/*
 * test_vist.c - virtual ISTs: descriptors, two-level, VDPEND, IRS-cached
 * state, SAVE_VMR, HWU/metadata (facts sections 3, 4.2, 4.5, 5.3, 6.5, 7).
 */
#include "th.h"

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t lpi_desc(void *ist, unsigned int istsz, unsigned int bits, bool two,
			 unsigned int l2sz)
{
	return (uintptr_t)ist | GM_FIELD_PREP(GM_VIST_ISTSZ, istsz) |
	       GM_FIELD_PREP(GM_VIST_ID_BITS, bits) | (two ? GM_VIST_STRUCTURE : 0) |
	       GM_FIELD_PREP(GM_VIST_L2SZ, l2sz);
}

VT_TEST(vist_vistr_sets_valid)
{
	struct th_vm *v;
	uint64_t d;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	d = v->vmte[3];
	VT_ASSERT_EQ(d & 1, 1);
	VT_ASSERT_EQ(d & GM_VIST_ADDR, (uintptr_t)v->spi);
	VT_ASSERT_EQ(d >> 59, 5);
	VT_ASSERT(gm_vist_valid(M, 1, GM_TYPE_SPI));
	VT_ASSERT(!gm_vist_valid(M, 1, GM_TYPE_LPI));
	th_vm_lpi(v, 8, false);
	VT_ASSERT_EQ(v->vmte[2] & 1, 1);
	VT_ASSERT(gm_vist_valid(M, 1, GM_TYPE_LPI));
	TH_NO_VIOL();
}

VT_TEST(vist_vistr_needs_valid_vmte)
{
	th_model(NULL);
	th_vmt(4, false);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(2, GM_TYPE_SPI));
	TH_VIOL("VMAP_VISTR: VM 2 has no valid VMTE");
}

VT_TEST(vist_vistr_bad_type)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 1, 1, 0);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_PPI));
	TH_VIOL("VMAP_VISTR: bad TYPE 1");
}

VT_TEST(vist_made_valid_twice)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 1, 1, 5);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_SPI));
	TH_VIOL("SPI vIST made valid twice");
}

VT_TEST(vist_desc_valid_by_software)
{
	struct th_vm *v;
	void *ist;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 0);
	ist = th_alloc(1024);
	v->vmte[2] = lpi_desc(ist, 0, 8, false, 0) | GM_VIST_VALID;
	VT_ASSERT_EQ(gm_check_tables(M), 1);		/* VALID set by software */
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("LPI vIST descriptor has VALID set by software");
	VT_ASSERT(!gm_vist_valid(M, 1, GM_TYPE_LPI));
}

VT_TEST(vist_bad_istsz)
{
	struct th_vm *v;
	void *ist;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 0);
	ist = th_alloc(2048);
	v->vmte[2] = lpi_desc(ist, 1, 8, false, 0);	/* 8-byte ISTEs, ISTMD = 0 */
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("ISTSZ 1 but IDR2 (ISTMD 0, ISTMD_SZ 0) requires 0");
	gm_clear_violations(M);
	v->vmte[2] = lpi_desc(ist, 3, 8, false, 0);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("reserved ISTSZ 3");
	VT_ASSERT(!gm_vist_valid(M, 1, GM_TYPE_LPI));
}

VT_TEST(vist_istmd_size_rule)
{
	struct gm_caps c = gm_caps_default();
	struct th_vm *v;
	void *ist;

	c.istmd = true;
	c.istmd_sz = 10;
	th_model(&c);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 0);
	ist = th_alloc(16 << 12);
	/* ID_BITS 8 < ISTMD_SZ 10: 8-byte entries required */
	v->vmte[2] = lpi_desc(ist, 2, 8, false, 0);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("ISTSZ 2 but IDR2 (ISTMD 1, ISTMD_SZ 10) requires 1");
	gm_clear_violations(M);
	/* ID_BITS 12 >= 10: 16-byte entries required */
	v->vmte[2] = lpi_desc(ist, 1, 12, false, 0);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("requires 2");
	gm_clear_violations(M);
	v->vmte[2] = lpi_desc(ist, 2, 12, false, 0);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	VT_ASSERT(gm_vist_valid(M, 1, GM_TYPE_LPI));
	TH_NO_VIOL();
}

VT_TEST(vist_id_bits_limits)
{
	struct gm_caps c = gm_caps_default();
	struct th_vm *v;
	void *ist;

	c.id_bits = 12;
	c.min_lpi_id_bits = 6;
	th_model(&c);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 0);
	ist = th_alloc(4 << 13);
	v->vmte[2] = lpi_desc(ist, 0, 13, false, 0);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("ID_BITS 13 out of range [6, 12]");
	gm_clear_violations(M);
	v->vmte[2] = lpi_desc(ist, 0, 5, false, 0);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("ID_BITS 5 out of range [6, 12]");
	VT_ASSERT(!gm_vist_valid(M, 1, GM_TYPE_LPI));
}

VT_TEST(vist_two_level_caps)
{
	struct gm_caps c = gm_caps_default();
	struct th_vm *v;
	void *ist;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 0);
	ist = th_alloc(64);
	v->vmte[2] = lpi_desc(ist, 0, 14, true, GM_L2SZ_16K);	/* only 4K advertised */
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("L2SZ 1 not in IDR2.IST_L2SZ 0x1");
	gm_destroy(M);

	c.ist_levels = false;
	th_model(&c);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 0);
	ist = th_alloc(64);
	v->vmte[2] = lpi_desc(ist, 0, 14, true, GM_L2SZ_4K);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("two-level but IDR2.IST_LEVELS = 0");
}

VT_TEST(vist_linear_size_and_alignment)
{
	struct th_vm *v;
	uint8_t *ist;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 0);
	ist = th_alloc(1024);
	/* 2^10 * 4 bytes does not fit in 1 KiB */
	v->vmte[2] = lpi_desc(ist, 0, 10, false, 0);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("[0x");
	TH_VIOL("+0x1000] is not in registered memory");
	gm_clear_violations(M);
	v->vmte[2] = lpi_desc(ist + 64, 0, 4, false, 0);	/* 64 bytes, at +64: fine */
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_NO_VIOL();
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI) | GM_CMD_U);
	v->vmte[2] = lpi_desc(ist + 64, 0, 6, false, 0);	/* 256 bytes at +64 */
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("is not aligned to 0x100");
}

VT_TEST(vist_overlapping_tables)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	/* LPI vIST on top of the SPI vIST */
	v->vmte[2] = lpi_desc(v->spi, 0, 5, false, 0);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("overlaps SPI vIST of VM 1");
}

VT_TEST(vist_unmap_clears_valid)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_SPI) | GM_CMD_U);
	VT_ASSERT_EQ(v->vmte[3] & 1, 0);
	VT_ASSERT(!gm_vist_valid(M, 1, GM_TYPE_SPI));
	VT_ASSERT(!gm_mem_referenced(M, v->spi, v->spi_bytes));
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_SPI) | GM_CMD_U);
	TH_VIOL("U=1: VM 1 SPI vIST is not valid");
}

VT_TEST(vist_two_level_l2_map)
{
	struct th_vm *v;
	uint64_t *l1;
	uint32_t w;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 0);
	th_vm_lpi(v, 12, true);		/* l2_bits 10: 4 L1 entries */
	VT_ASSERT_EQ(v->lpi_bytes, 64);
	l1 = (uint64_t *)v->lpi;
	th_vm_lpi_l2(v, 0x9ab);		/* L1 index 2 */
	VT_ASSERT_EQ(l1[2], (uintptr_t)v->lpi_l2[2] | 1);
	VT_ASSERT_EQ(l1[0], 0);
	TH_NO_VIOL();
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_LPI, 0x9ab, 1));
	VT_ASSERT_EQ(gm_ist_entry(M, 1, GM_TYPE_LPI, 0x9ab, &w), 0);
	VT_ASSERT_EQ(w & GM_ISTE_PENDING, 1);
	TH_NO_VIOL();
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_LPI, 0x10, 1));
	TH_VIOL("LPI 16 is outside the vIST (ID_BITS 12) or its L2 table is not mapped");
	th_cmd(GM_IRS_VMAP_L2_VISTR, GM_CMD_M | GM_FIELD_PREP(GM_CMD_VM_ID_HI, 1) |
	       GM_FIELD_PREP(GM_CMD_TYPE, GM_TYPE_LPI) | 0x800);
	TH_VIOL("LPI L2 table 2 is already mapped");
	th_free(v->lpi_l2[2]);
	TH_VIOL("LPI vIST L2 table 2 of VM 1");
}

VT_TEST(vist_two_level_preset_l1)
{
	struct th_vm *v;
	uint64_t *l1;
	uint8_t *l2;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 0);
	/* software preallocates every L2 and sets L1 VALID itself (3.6) */
	v->lpi = th_alloc(64);
	l1 = (uint64_t *)v->lpi;
	l2 = th_alloc(4096);
	l1[1] = (uintptr_t)l2 | 1;
	v->vmte[2] = lpi_desc(v->lpi, 0, 11, true, GM_L2SZ_4K);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	VT_ASSERT(gm_vist_valid(M, 1, GM_TYPE_LPI));
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_LPI, 1024 + 5, 1));
	TH_NO_VIOL();
	gm_set_cache_ist_state(M, false);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_LPI, 1024 + 6, 1));
	VT_ASSERT_EQ(le32(l2 + 6 * 4) & GM_ISTE_PENDING, 1);
}

VT_TEST(vist_vdpend_cached_until_save)
{
	struct th_vm *v;
	uint32_t w;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 7, 1));
	VT_ASSERT_EQ(gm_ist_entry(M, 1, GM_TYPE_SPI, 7, &w), 0);
	VT_ASSERT_EQ(w & GM_ISTE_PENDING, 1);
	VT_ASSERT_EQ(le32(th_iste(v, GM_TYPE_SPI, 7)), 0);	/* not written back yet */
	th_cmd(GM_IRS_SAVE_VMR, GM_SAVE_VMR_S | GM_SAVE_VMR_Q | 1);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_SAVE_VM_STATUSR, 4),
		     GM_SAVE_VM_STATUSR_Q | GM_STATUSR_IDLE);
	/* written back, with the IRS's HWU stamp */
	VT_ASSERT_EQ(le32(th_iste(v, GM_TYPE_SPI, 7)), GM_ISTE_PENDING | (1u << 9));
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 7, 0));
	VT_ASSERT_EQ(le32(th_iste(v, GM_TYPE_SPI, 7)) & GM_ISTE_PENDING, 1);
	TH_NO_VIOL();
}

VT_TEST(vist_vdpend_uncached)
{
	struct th_vm *v;

	th_model(NULL);
	gm_set_cache_ist_state(M, false);
	gm_set_hwu_stamp(M, false);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 3, 1));
	VT_ASSERT_EQ(le32(th_iste(v, GM_TYPE_SPI, 3)), GM_ISTE_PENDING);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 3, 0));
	VT_ASSERT_EQ(le32(th_iste(v, GM_TYPE_SPI, 3)), 0);
	TH_NO_VIOL();
}

VT_TEST(vist_vdpend_violations)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 1, 1, 5);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 32, 1));
	TH_VIOL("VDPEND: VM 1 SPI 32 is outside the vIST (ID_BITS 5)");
	gm_vdpend(M, TH_VDPEND(2, GM_TYPE_SPI, 1, 1));
	TH_VIOL("VDPEND: VM 2 is not valid");
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_LPI, 1, 1));
	TH_VIOL("VDPEND: VM 1 has no valid LPI vIST");
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_PPI, 1, 1));
	TH_VIOL("VDPEND: bad TYPE 1");
	VT_ASSERT_EQ(gm_violations(M), 4);
}

VT_TEST(vist_vmte_invalid_writes_back)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 9, 1));
	VT_ASSERT_EQ(le32(th_iste(v, GM_TYPE_SPI, 9)), 0);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | GM_CMD_U | 1);
	VT_ASSERT_EQ(le32(th_iste(v, GM_TYPE_SPI, 9)) & GM_ISTE_PENDING, 1);
	/* after VMTE invalidation the VM is unreachable */
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 9, 0));
	TH_VIOL("VDPEND: VM 1 is not valid");
}

VT_TEST(vist_metadata_stamp)
{
	struct gm_caps c = gm_caps_default();
	struct th_vm *v;
	uint8_t *e;

	c.istmd = true;
	c.istmd_sz = 12;
	th_model(&c);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);		/* 8-byte SPI ISTEs */
	VT_ASSERT_EQ(v->vmte[3] >> 56 & 3, 1);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 2, 1));
	th_cmd(GM_IRS_SAVE_VMR, GM_SAVE_VMR_S | GM_SAVE_VMR_Q | 1);
	e = th_iste(v, GM_TYPE_SPI, 2);
	VT_ASSERT_EQ(e - v->spi, 16);
	VT_ASSERT_EQ(le32(e), GM_ISTE_PENDING | (1u << 9));
	VT_ASSERT_EQ(le32(e + 4), 0x5a5a5a5a);
	VT_ASSERT_EQ(le32(e + 8), 0);		/* the next entry is untouched */
	TH_NO_VIOL();
}

VT_TEST(vist_hwu_by_software_detected)
{
	struct th_vm *v;
	uint8_t *e;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | GM_CMD_U | 1);
	/* a "restore" that copies an image with HWU bits from elsewhere */
	e = th_iste(v, GM_TYPE_SPI, 4);
	e[1] = 0x06;	/* HWU = 0b11 */
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 1);
	TH_VIOL("VM 1 SPI vIST: 1 ISTE(s) with HWU/metadata set by software (first ID 4)");
}

VT_TEST(vist_metadata_by_software_detected)
{
	struct gm_caps c = gm_caps_default();
	struct th_vm *v;
	uint8_t *e;

	c.istmd = true;
	c.istmd_sz = 12;
	th_model(&c);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | GM_CMD_U | 1);
	e = th_iste(v, GM_TYPE_SPI, 30);
	e[5] = 0x77;	/* stale metadata not zeroed on restore */
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 1);
	TH_VIOL("HWU/metadata set by software (first ID 30)");
}

VT_TEST(vist_tamper_while_cached)
{
	struct th_vm *v;
	uint8_t *e;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 5, 1));
	e = th_iste(v, GM_TYPE_SPI, 5);
	e[0] = GM_ISTE_ENABLE;		/* software writes a live ISTE */
	th_cmd(GM_IRS_SAVE_VMR, GM_SAVE_VMR_S | GM_SAVE_VMR_Q | 1);
	TH_VIOL("SPI ISTE 5 modified by software while the vIST was live");
}

VT_TEST(vist_restore_flow_clean)
{
	struct th_vm *v;
	uint32_t w;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	th_vm_lpi(v, 8, false);		/* new LPI vIST while the VMTE is valid */
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 1, 1));
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | GM_CMD_U | 1);
	/* rewrite entries: PENDING and HWU cleared, metadata zero */
	memset(v->spi, 0, v->spi_bytes);
	v->spi[4 * 3] = GM_ISTE_ENABLE | GM_ISTE_HM;
	v->lpi[4 * 7] = GM_ISTE_ENABLE;
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 1);
	VT_ASSERT(gm_vist_valid(M, 1, GM_TYPE_LPI));
	VT_ASSERT(gm_vist_valid(M, 1, GM_TYPE_SPI));
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 3, 1));
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_LPI, 7, 1));
	VT_ASSERT_EQ(gm_ist_entry(M, 1, GM_TYPE_SPI, 3, &w), 0);
	VT_ASSERT_EQ(w, GM_ISTE_ENABLE | GM_ISTE_HM | GM_ISTE_PENDING);
	VT_ASSERT_EQ(gm_ist_entry(M, 1, GM_TYPE_SPI, 1, &w), 0);
	VT_ASSERT_EQ(w, 0);
	TH_NO_VIOL();
}

VT_TEST(vist_pending_in_memory_picked_up)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | GM_CMD_U | 1);
	/* PENDING written in memory while invalid: the IRS reads it back */
	v->spi[4 * 6] = GM_ISTE_PENDING | GM_ISTE_ENABLE;
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 1);
	VT_ASSERT_EQ(gm_vpe_hppi(M, 1, 0), GM_VPE_HPPIR_HPPIV | GM_INTID(GM_TYPE_SPI, 6));
	TH_NO_VIOL();
}

VT_TEST(vist_save_invalid_vm)
{
	th_model(NULL);
	th_vmt(4, false);
	th_cmd(GM_IRS_SAVE_VMR, GM_SAVE_VMR_S | GM_SAVE_VMR_Q | 3);
	TH_VIOL("SAVE_VMR: VM 3 is not valid");
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_SAVE_VM_STATUSR, 4), GM_STATUSR_IDLE);
}

VT_TEST(vist_save_quiescence)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 1, 1, 5);
	th_resident(0, 1, 0);
	th_cmd(GM_IRS_SAVE_VMR, GM_SAVE_VMR_Q | 1);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_SAVE_VM_STATUSR, 4), GM_STATUSR_IDLE);
	th_nonresident(0, false, 0);
	th_cmd(GM_IRS_SAVE_VMR, GM_SAVE_VMR_Q | 1);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_SAVE_VM_STATUSR, 4),
		     GM_STATUSR_IDLE | GM_SAVE_VM_STATUSR_Q);
	gm_set_quiesce(M, false);
	th_cmd(GM_IRS_SAVE_VMR, GM_SAVE_VMR_Q | 1);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_SAVE_VM_STATUSR, 4), GM_STATUSR_IDLE);
	TH_NO_VIOL();
}

VT_TEST(vist_save_latency)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 1, 1, 5);
	gm_set_latency(M, 2);
	gm_mmio_write(M, GM_IRS_SAVE_VMR, 8, GM_SAVE_VMR_Q | 1);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_SAVE_VM_STATUSR, 4), 0);
	gm_mmio_write(M, GM_IRS_SAVE_VMR, 8, GM_SAVE_VMR_Q | 1);
	TH_VIOL("SAVE_VMR written (0x4000000000000001) while SAVE_VM_STATUSR is not IDLE");
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_SAVE_VM_STATUSR, 4), 0);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_SAVE_VM_STATUSR, 4),
		     GM_STATUSR_IDLE | GM_SAVE_VM_STATUSR_Q);
}

VT_TEST(vist_two_level_16k_l2)
{
	struct gm_caps c = gm_caps_default();
	struct th_vm *v;
	uint64_t *l1;
	uint8_t *l2, *small;

	c.ist_l2sz = 0x3;		/* 4K and 16K */
	th_model(&c);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 0);
	/* ISTSZ 4 bytes, L2SZ 16K: l2_bits 12, ID_BITS 14: 4 L1 entries */
	l1 = th_alloc(64);
	l2 = th_alloc(16384);
	small = th_alloc(4096);
	l1[1] = (uintptr_t)l2 | 1;
	l1[2] = (uintptr_t)small | 1;	/* too small for a 16K L2 table */
	v->vmte[2] = (uintptr_t)l1 | GM_FIELD_PREP(GM_VIST_ID_BITS, 14) | GM_VIST_STRUCTURE |
		     GM_FIELD_PREP(GM_VIST_L2SZ, GM_L2SZ_16K);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("LPI vIST L2 table 2 [0x");
	TH_VIOL("+0x4000] is not in registered memory");
	gm_clear_violations(M);
	gm_set_cache_ist_state(M, false);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_LPI, 4096 + 3, 1));
	VT_ASSERT_EQ(l2[12] & GM_ISTE_PENDING, 1);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_LPI, 4096 * 3 + 1, 1));
	TH_VIOL("LPI 12289 is outside the vIST");
	gm_clear_violations(M);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_LPI, 4096 + 4095, 1));
	VT_ASSERT_EQ(l2[4095 * 4] & GM_ISTE_PENDING, 1);
	TH_NO_VIOL();
}
