// SPDX-License-Identifier: GPL-2.0
/*
 * test_vm.c - VMTEs, two-level VMT, VPET/VPEs, VPE registers, teardown
 * (facts sections 4.2, 4.3, 4.4, 4.5).
 */
#include "th.h"

/* Fill a VMTE by hand (words 0 and 1 only), coherent model. */
static uint64_t *vmte_fill(uint32_t vm, uint64_t w0, uint64_t w1)
{
	uint64_t *e = th_vmte(vm);

	memset(e, 0, 32);
	e[0] = w0;
	e[1] = w1;
	return e;
}

VT_TEST(vm_vmap_vmr_sets_valid)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(3, 2, 2, 5);
	VT_ASSERT(gm_vm_valid(M, 3));
	VT_ASSERT_EQ(v->vmte[0] & 1, 1);		/* word 0 VALID, set by the IRS */
	VT_ASSERT_EQ(v->vmte[1] >> 59, 2);		/* VPE_ID_BITS untouched */
	VT_ASSERT_EQ(v->vmte[1] & GM_VMTE1_VPET_ADDR, (uintptr_t)v->vpet);
	VT_ASSERT(!gm_vm_valid(M, 2));
	TH_NO_VIOL();
}

VT_TEST(vm_vmap_vmr_twice)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 1, 1, 0);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 1);
	TH_VIOL("VMAP_VMR: VMTE 1 is already valid");
}

VT_TEST(vm_vmte_valid_set_by_software)
{
	uint64_t *vpet;

	th_model(NULL);
	th_vmt(4, false);
	vpet = th_alloc(16);
	vmte_fill(1, 1, (uintptr_t)vpet | (1ULL << 59));
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 1);
	TH_VIOL("VALID set by software");
	VT_ASSERT(!gm_vm_valid(M, 1));
}

VT_TEST(vm_vmap_without_m)
{
	uint64_t *vpet;

	th_model(NULL);
	th_vmt(4, false);
	vpet = th_alloc(16);
	vmte_fill(1, 0, (uintptr_t)vpet | (1ULL << 59));
	th_cmd(GM_IRS_VMAP_VMR, 1);
	TH_VIOL("without M");
	VT_ASSERT(!gm_vm_valid(M, 1));
}

VT_TEST(vm_vm_id_beyond_cfgr)
{
	th_model(NULL);
	th_vmt(4, false);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 16);
	TH_VIOL("VM_ID 16 beyond VMT_CFGR.VM_ID_BITS 4");
}

VT_TEST(vm_vpet_unregistered)
{
	th_model(NULL);
	th_vmt(4, false);
	vmte_fill(2, 0, 0x10000 | (1ULL << 59));
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 2);
	TH_VIOL("VPET [0x10000+0x10] is not in registered memory");
	VT_ASSERT(!gm_vm_valid(M, 2));
}

VT_TEST(vm_vmte_reserved_bits)
{
	uint64_t *vpet;

	th_model(NULL);
	th_vmt(4, false);
	vpet = th_alloc(16);
	vmte_fill(2, 0, (uintptr_t)vpet | (1ULL << 59) | (1ULL << 57));
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 2);
	TH_VIOL("word 1 has reserved bits");
}

VT_TEST(vm_vpe_id_bits_too_large)
{
	uint64_t *vpet;

	th_model(NULL);
	th_vmt(4, false);
	vpet = th_alloc(8 << 10);
	/* default caps: IDR4.VPE_ID_BITS = 8, so at most 9 bits */
	vmte_fill(2, 0, (uintptr_t)vpet | (10ULL << 59));
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 2);
	TH_VIOL("VPE_ID_BITS 10 > IDR4.VPE_ID_BITS + 1 = 9");
	VT_ASSERT(!gm_vm_valid(M, 2));
}

VT_TEST(vm_vmd_required)
{
	struct gm_caps c = gm_caps_default();
	uint64_t *vpet, *vmd;

	c.vmd = true;
	c.vmd_sz = 8;
	th_model(&c);
	th_vmt(4, false);
	vpet = th_alloc(16);
	vmte_fill(2, 0, (uintptr_t)vpet | (1ULL << 59));
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 2);
	TH_VIOL("VMAP_VMR: VMD: address is 0");
	VT_ASSERT(!gm_vm_valid(M, 2));
	gm_clear_violations(M);
	vmd = th_alloc(256);
	vmte_fill(2, (uintptr_t)vmd, (uintptr_t)vpet | (1ULL << 59));
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 2);
	VT_ASSERT(gm_vm_valid(M, 2));
	TH_NO_VIOL();
	th_free(vmd);
	TH_VIOL("freed while the IRS references VMD of VM 2");
}

VT_TEST(vm_vmd_not_expected)
{
	uint64_t *vpet, *vmd;

	th_model(NULL);
	th_vmt(4, false);
	vpet = th_alloc(16);
	vmd = th_alloc(64);
	vmte_fill(2, (uintptr_t)vmd, (uintptr_t)vpet | (1ULL << 59));
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 2);
	TH_VIOL("VMD_ADDR set but IDR3.VMD = 0");
}

VT_TEST(vm_two_level_vmt)
{
	uint64_t *l1;
	struct th_vm *v;

	th_model(NULL);
	l1 = th_vmt(8, true);			/* 2 L1 entries */
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VMT_CFGR, 4), GM_VMT_CFGR_STRUCTURE | 8);
	v = th_vm_create(130, 1, 1, 5);		/* L1 index 1, slot 2 */
	VT_ASSERT_EQ(l1[1] & 1, 1);		/* IRS set the L1 VALID */
	VT_ASSERT_EQ(l1[0] & 1, 0);
	VT_ASSERT_EQ((uintptr_t)v->vmte - (l1[1] & GM_L1_VMTE_L2_ADDR), 2 * 32);
	VT_ASSERT(gm_vm_valid(M, 130));
	TH_NO_VIOL();
	/* VM 5 lives under the unmapped L1 entry 0 */
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 5);
	TH_VIOL("L1 VMTE 0 is not valid");
}

VT_TEST(vm_l2_vmtr_twice_and_sw_valid)
{
	uint64_t *l1;

	th_model(NULL);
	l1 = th_vmt(8, true);
	th_vmte(3);
	th_cmd(GM_IRS_VMAP_L2_VMTR, GM_CMD_M | 7);
	TH_VIOL("L2 VMT for VM 7 is already mapped");
	gm_clear_violations(M);
	l1[1] = (uintptr_t)th_alloc(4096) | 1;
	th_cmd(GM_IRS_VMAP_L2_VMTR, GM_CMD_M | 200);
	TH_VIOL("L1 VMTE 1 has VALID set by software");
}

VT_TEST(vm_l2_vmt_page_freed)
{
	uint64_t *l1;
	void *l2;

	th_model(NULL);
	l1 = th_vmt(8, true);
	th_vmte(3);
	l2 = (void *)(uintptr_t)(l1[0] & GM_L1_VMTE_L2_ADDR);
	VT_ASSERT(gm_mem_referenced(M, l2, 4096));
	th_free(l2);
	TH_VIOL("freed while the IRS references L2 VMT page 0");
}

VT_TEST(vm_vmap_vper_sets_valid)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 3, 2, 0);
	VT_ASSERT_EQ(v->vpet[0], (uintptr_t)v->vped[0] | 1);
	VT_ASSERT_EQ(v->vpet[1], (uintptr_t)v->vped[1] | 1);
	VT_ASSERT_EQ(v->vpet[2], 0);
	VT_ASSERT(gm_vpe_valid(M, 1, 1));
	VT_ASSERT(!gm_vpe_valid(M, 1, 2));
	th_cmd(GM_IRS_VPE_SELR, TH_SELR(1, 1));
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VPE_STATUSR, 4), GM_STATUSR_V | GM_STATUSR_IDLE);
	th_cmd(GM_IRS_VPE_SELR, TH_SELR(1, 2));
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VPE_STATUSR, 4), GM_STATUSR_IDLE);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VPE_SELR, 8), TH_SELR(1, 2));
	TH_NO_VIOL();
}

VT_TEST(vm_vpete_valid_by_software)
{
	struct th_vm *v;
	void *vped;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 3, 1, 0);
	vped = th_alloc(64);
	v->vpet[4] = (uintptr_t)vped | 1;
	th_cmd(GM_IRS_VMAP_VPER, GM_CMD_M | GM_FIELD_PREP(GM_CMD_VM_ID_HI, 1) | 4);
	TH_VIOL("VPETE 4 VALID written by software");
	VT_ASSERT(!gm_vpe_valid(M, 1, 4));
}

VT_TEST(vm_vper_twice_and_beyond)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 1, 1, 0);
	th_cmd(GM_IRS_VMAP_VPER, GM_CMD_M | GM_FIELD_PREP(GM_CMD_VM_ID_HI, 1) | 0);
	TH_VIOL("VM 1 VPE 0 made valid twice");
	th_cmd(GM_IRS_VMAP_VPER, GM_CMD_M | GM_FIELD_PREP(GM_CMD_VM_ID_HI, 1) | 2);
	TH_VIOL("VPE_ID 2 beyond VMTE VPE_ID_BITS 1");
	th_cmd(GM_IRS_VMAP_VPER, GM_CMD_M | GM_FIELD_PREP(GM_CMD_VM_ID_HI, 9) | 0);
	TH_VIOL("VMAP_VPER: VM 9 has no valid VMTE");
}

VT_TEST(vm_vped_misaligned)
{
	struct th_vm *v;
	uint8_t *vped;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 2, 1, 0);
	vped = th_alloc(256);
	v->vpet[1] = (uintptr_t)vped + 8;
	th_cmd(GM_IRS_VMAP_VPER, GM_CMD_M | GM_FIELD_PREP(GM_CMD_VM_ID_HI, 1) | 1);
	TH_VIOL("is not aligned to 0x20");
}

VT_TEST(vm_vpe_selr_without_s)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 1, 1, 0);
	th_cmd(GM_IRS_VPE_SELR, GM_FIELD_PREP(GM_VPE_SELR_VPE_ID, 0) | 1);
	TH_VIOL("VPE_SELR written without S");
}

VT_TEST(vm_vpe_dbr_cr0)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 1, 2, 0);
	th_cmd(GM_IRS_VPE_SELR, TH_SELR(1, 1));
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VPE_DBR, 8), GM_VPE_DBR_DBV | TH_DB_LPI(1, 1));
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VPE_CR0, 4), GM_VPE_CR0_DPS);
	th_cmd(GM_IRS_VPE_DBR, GM_VPE_DBR_DBV | GM_VPE_DBR_REQ_DB |
	       GM_FIELD_PREP(GM_VPE_DBR_DBPM, 7) | 0x1234);
	VT_ASSERT_EQ(gm_vpe_dbr(M, 1, 1), GM_VPE_DBR_DBV | GM_VPE_DBR_REQ_DB | (7ULL << 32) |
		     0x1234);
	VT_ASSERT_EQ(gm_vpe_dbr(M, 1, 0), GM_VPE_DBR_DBV | TH_DB_LPI(1, 0));
	TH_NO_VIOL();
	th_cmd(GM_IRS_VPE_SELR, TH_SELR(1, 3));
	th_cmd(GM_IRS_VPE_DBR, GM_VPE_DBR_DBV | 5);
	TH_VIOL("VPE_DBR written with no valid VPE selected");
}

VT_TEST(vm_vm_selr_statusr)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 1, 1, 0);
	th_cmd(GM_IRS_VM_SELR, 1);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VM_STATUSR, 4), GM_STATUSR_V | GM_STATUSR_IDLE);
	th_cmd(GM_IRS_VM_SELR, 2);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VM_STATUSR, 4), GM_STATUSR_IDLE);
	TH_NO_VIOL();
}

VT_TEST(vm_vmte_zeroed_while_valid)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	memset(v->vmte, 0, 32);
	VT_ASSERT_EQ(gm_check_tables(M), 1);
	TH_VIOL("VM 1: VMTE modified/zeroed while valid");
}

VT_TEST(vm_vpete_zeroed_while_valid)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 1, 1, 5);
	v->vpet[0] = 0;
	VT_ASSERT(gm_check_tables(M) >= 1);
	TH_VIOL("VPETE 0 modified while valid");
	gm_clear_violations(M);
	VT_ASSERT(th_resident(0, 1, 0) & GM_CTXR_F);
	TH_VIOL("VPETE 0 modified while valid");
}

VT_TEST(vm_teardown_clean)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 2, 3, 5);
	th_vm_lpi(v, 8, false);
	th_vm_destroy(v);
	VT_ASSERT(!gm_vm_valid(M, 1));
	th_cmd(GM_IRS_VMT_BASER, 0);
	VT_ASSERT_EQ(gm_check_quiescent(M), 0);
	TH_NO_VIOL();
}

VT_TEST(vm_free_referenced_vpet)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 2, 1, 5);
	VT_ASSERT(gm_mem_referenced(M, v->vpet, 8));
	th_free(v->vpet);
	TH_VIOL("freed while the IRS references VPET of VM 1");
}

VT_TEST(vm_free_referenced_vped_and_ist)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 2, 2, 5);
	th_free(v->vped[1]);
	TH_VIOL("VPED of VM 1 VPE 1");
	th_free(v->spi);
	TH_VIOL("SPI vIST of VM 1");
}

VT_TEST(vm_invalidate_releases_memory)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 2, 2, 5);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | GM_CMD_U | 1);
	VT_ASSERT_EQ(v->vmte[0] & 1, 0);
	VT_ASSERT(!gm_mem_referenced(M, v->vpet, 32));
	VT_ASSERT(!gm_mem_referenced(M, v->spi, v->spi_bytes));
	VT_ASSERT(gm_mem_referenced(M, v->vmte, 32));	/* the VMT itself */
	TH_NO_VIOL();
}

VT_TEST(vm_revalidate_keeps_vpes_and_ists)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 2, 2, 5);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | GM_CMD_U | 1);
	VT_ASSERT_EQ(v->vmte[0] & 1, 0);
	VT_ASSERT_EQ(v->vmte[3] & 1, 1);	/* the vIST VALID bit stays */
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 1);
	VT_ASSERT(gm_vm_valid(M, 1));
	VT_ASSERT(gm_vpe_valid(M, 1, 1));
	VT_ASSERT(gm_vist_valid(M, 1, GM_TYPE_SPI));
	TH_NO_VIOL();
}

VT_TEST(vm_unmap_with_resident_vpe)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 1, 1, 5);
	VT_ASSERT_EQ(th_resident(0, 1, 0) & GM_CTXR_F, 0);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | GM_CMD_U | 1);
	TH_VIOL("still has a resident VPE");
	VT_ASSERT(gm_check_quiescent(M) >= 1);
	TH_VIOL("quiescent: VM 1 VPE 0 still resident on CPU 0");
}

/* Fault injection: a VMAP command that completes without its effect */
VT_TEST(vm_vmap_ignored_completes_without_effect)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 1, 1, 0);
	gm_set_vmap_ignored_after(M, 0);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | GM_CMD_U | 1);
	/* Completed, IDLE, and the VM is still valid */
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VMT_STATUSR, 4) & 1, 1);
	VT_ASSERT(gm_vm_valid(M, 1));
	/* One shot: the next one works */
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | GM_CMD_U | 1);
	VT_ASSERT(!gm_vm_valid(M, 1));
	TH_NO_VIOL();
}
