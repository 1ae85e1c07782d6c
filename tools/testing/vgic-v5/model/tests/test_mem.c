// SPDX-License-Identifier: GPL-2.0
/*
 * test_mem.c - memory registry, non-coherent PoC copies and cache
 * maintenance (facts section 4.6), teardown checks, thread safety.
 */
#include <pthread.h>

#include "th.h"

static struct gm_caps noncoherent(void)
{
	struct gm_caps c = gm_caps_default();

	c.coherent = false;
	return c;
}

VT_TEST(mem_remove_unknown_and_overlap)
{
	uint8_t *p;

	th_model(NULL);
	p = th_alloc(256);
	gm_mem_remove(M, p + 64, 64);
	TH_VIOL("mem_remove");
	gm_clear_violations(M);
	gm_mem_add(M, p + 128, 256);
	TH_VIOL("overlaps registered");
}

VT_TEST(mem_unregistered_table_no_crash)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 0);
	/* an LPI vIST at an address that was never registered (and is unmapped) */
	v->vmte[2] = 0x1000 | GM_FIELD_PREP(GM_VIST_ID_BITS, 8);
	th_cmd(GM_IRS_VMAP_VISTR, TH_VISTR(1, GM_TYPE_LPI));
	TH_VIOL("LPI vIST [0x1000+0x400] is not in registered memory");
	VT_ASSERT(!gm_vist_valid(M, 1, GM_TYPE_LPI));
}

VT_TEST(mem_freed_table_then_used)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	th_free(v->spi);		/* violation, and the memory is gone */
	TH_VIOL("freed while the IRS references SPI vIST of VM 1");
	gm_clear_violations(M);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 2, 1));
	TH_VIOL("SPI ISTE 2 at 0x");
}

VT_TEST(mem_noncoherent_missing_clean)
{
	struct gm_caps c = noncoherent();
	uint64_t *vpet, *e;

	th_model(&c);
	th_vmt(4, false);
	vpet = th_alloc(16);
	/* VMTE written but never cleaned: the IRS sees the zeroed PoC copy */
	e = th_vmte(1);
	e[1] = (uintptr_t)vpet | (1ULL << 59);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 1);
	TH_VIOL("VMAP_VMR: VPET: address is 0");
	VT_ASSERT(!gm_vm_valid(M, 1));
	gm_clear_violations(M);
	th_clean(e, 32);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 1);
	VT_ASSERT(gm_vm_valid(M, 1));
	TH_NO_VIOL();
}

VT_TEST(mem_noncoherent_poison)
{
	struct gm_caps c = noncoherent();
	uint64_t *vmt;

	th_model(&c);
	/* allocated and zeroed by the CPU, but never cleaned to PoC */
	vmt = aligned_alloc(512, 512);
	memset(vmt, 0, 512);
	gm_mem_add(M, vmt, 512);
	gm_mmio_write(M, GM_IRS_VMT_CFGR, 4, 4);
	th_cmd(GM_IRS_VMT_BASER, (uintptr_t)vmt | 1);
	TH_VIOL("VMT_BASER: VMTE 0 has VALID set by software (0xa5a5a5a5a5a5a5a5)");
}

VT_TEST(mem_noncoherent_valid_needs_inval)
{
	struct gm_caps c = noncoherent();
	uint64_t *vpet, *e;

	th_model(&c);
	th_vmt(4, false);
	vpet = th_alloc(16);
	e = th_vmte(1);
	e[1] = (uintptr_t)vpet | (1ULL << 59);
	th_clean(e, 32);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 1);
	VT_ASSERT_EQ(e[0] & 1, 0);		/* the CPU still sees its own line */
	th_inval(e, 32);
	VT_ASSERT_EQ(e[0] & 1, 1);
	TH_NO_VIOL();
}

VT_TEST(mem_noncoherent_partial_line_clobber)
{
	struct gm_caps c = noncoherent();
	struct th_vm *v;
	uint64_t *e2;

	th_model(&c);
	th_vmt(4, false);
	v = th_vm_create(0, 1, 1, 5);	/* VMTE 0 and VMTE 1 share a 64-byte line */
	VT_ASSERT_EQ(gm_check_tables(M), 0);
	/* stale CPU line: VMTE 1 written without invalidating first, then cleaned */
	e2 = v->vmte + 4;
	e2[1] = 0x1234000;
	th_clean(e2, 32);
	VT_ASSERT_EQ(gm_check_tables(M), 1);
	TH_VIOL("VM 0: VMTE modified/zeroed while valid");
}

VT_TEST(mem_noncoherent_full_flow)
{
	struct gm_caps c = noncoherent();
	struct th_vm *v;
	uint32_t w;

	th_model(&c);
	th_vmt(8, true);
	v = th_vm_create(129, 2, 3, 6);
	th_vm_lpi(v, 12, true);
	th_vm_lpi_l2(v, 5);
	th_resident(1, 129, 2);
	th_guest_cfg(1, GM_TYPE_LPI, 5, 3, 2);
	gm_vdpend(M, TH_VDPEND(129, GM_TYPE_LPI, 5, 1));
	VT_ASSERT_EQ(gm_guest_cdia(M, 1), GM_CDIA_VALID | GM_INTID(GM_TYPE_LPI, 5));
	gm_guest_insn(M, 1, GM_CDEOI, 0);
	gm_guest_insn(M, 1, GM_CDDI, GM_INTID(GM_TYPE_LPI, 5));
	th_nonresident(1, false, 0);
	th_cmd(GM_IRS_SAVE_VMR, GM_SAVE_VMR_S | GM_SAVE_VMR_Q | 129);
	VT_ASSERT(gm_mmio_read(M, GM_IRS_SAVE_VM_STATUSR, 4) & GM_SAVE_VM_STATUSR_Q);
	th_inval(v->lpi_l2[0], 4096);
	memcpy(&w, v->lpi_l2[0] + 5 * 4, 4);
	VT_ASSERT_EQ(w & ~(uint32_t)GM_ISTE_HWU, GM_ISTE_ENABLE | (3u << 11) | (2u << 16));
	th_vm_destroy(v);
	VT_ASSERT_EQ(gm_check_tables(M), 0);
	TH_NO_VIOL();
}

VT_TEST(mem_coherent_cache_ops_noop)
{
	uint64_t *p;

	th_model(NULL);
	p = th_alloc(64);
	p[0] = 42;
	th_inval(p, 64);
	VT_ASSERT_EQ(p[0], 42);
}

VT_TEST(mem_check_quiescent)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	th_resident(0, 1, 0);
	VT_ASSERT_EQ(gm_check_quiescent(M), 3);	/* VM valid, resident, VMT valid */
	TH_VIOL("quiescent: VM 1 still valid");
	TH_VIOL("quiescent: VMT still valid");
	gm_clear_violations(M);
	th_nonresident(0, false, 0);
	th_vm_destroy(v);
	th_cmd(GM_IRS_VMT_BASER, 0);
	VT_ASSERT_EQ(gm_check_quiescent(M), 0);
	TH_NO_VIOL();
}

VT_TEST(mem_vmt_free_after_remove)
{
	void *vmt;

	th_model(NULL);
	vmt = th_vmt(4, false);
	VT_ASSERT(gm_mem_referenced(M, vmt, 512));
	th_cmd(GM_IRS_VMT_BASER, 0);
	VT_ASSERT(!gm_mem_referenced(M, vmt, 512));
	th_free(vmt);
	TH_NO_VIOL();
}

static void *vdpend_thread(void *arg)
{
	uintptr_t base = (uintptr_t)arg;

	for (int i = 0; i < 2000; i++) {
		gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, (base + i) % 64, i & 1));
		gm_mmio_read(M, GM_IRS_VMT_STATUSR, 4);
	}
	return NULL;
}

VT_TEST(mem_threads)
{
	pthread_t t[4];

	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 1, 1, 6);
	for (uintptr_t i = 0; i < 4; i++)
		VT_ASSERT_EQ(pthread_create(&t[i], NULL, vdpend_thread, (void *)(i * 16)), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	th_cmd(GM_IRS_SAVE_VMR, GM_SAVE_VMR_S | GM_SAVE_VMR_Q | 1);
	TH_NO_VIOL();
}

VT_TEST(mem_violation_log_api)
{
	th_model(NULL);
	VT_ASSERT_EQ(gm_violations(M), 0);
	VT_ASSERT(!gm_violation(M, 0));
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 1, 1));
	VT_ASSERT_EQ(gm_violations(M), 1);
	VT_ASSERT(gm_violation(M, 0));
	VT_ASSERT_EQ(gm_find_violation(M, "VDPEND"), 0);
	VT_ASSERT_EQ(gm_find_violation(M, "no such thing"), -1);
	gm_clear_violations(M);
	VT_ASSERT_EQ(gm_violations(M), 0);
}
