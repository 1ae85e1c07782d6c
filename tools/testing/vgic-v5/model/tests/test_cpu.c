// SPDX-License-Identifier: GPL-2.0
/*
 * test_cpu.c - ICH_CONTEXTR_EL2 residency, guest instructions, CDIA,
 * priorities, doorbells, VPE_HPPIR (facts sections 5.1 - 5.4).
 */
#include "th.h"

static struct th_vm *setup(void)
{
	struct th_vm *v;

	th_model(NULL);
	th_vmt(4, false);
	v = th_vm_create(1, 2, 4, 6);
	th_vm_lpi(v, 8, false);
	return v;
}

VT_TEST(cpu_resident_ok)
{
	uint64_t r;

	setup();
	r = th_resident(2, 1, 3);
	VT_ASSERT_EQ(r, GM_CTXR_V | (3ULL << 32) | 1);
	VT_ASSERT_EQ(gm_vpe_resident_cpu(M, 1, 3), 2);
	th_nonresident(2, false, 0);
	VT_ASSERT_EQ(gm_vpe_resident_cpu(M, 1, 3), -1);
	VT_ASSERT_EQ(gm_read_contextr(M, 2), 0);
	TH_NO_VIOL();
}

VT_TEST(cpu_resident_invalid_fails)
{
	setup();
	VT_ASSERT(th_resident(0, 2, 0) & GM_CTXR_F);		/* VM not valid */
	VT_ASSERT_EQ(th_resident(0, 2, 0) & GM_CTXR_V, 0);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | GM_CMD_U | 1);
	th_cmd(GM_IRS_VMAP_VMR, GM_CMD_M | 1);
	VT_ASSERT_EQ(th_resident(0, 1, 0) & GM_CTXR_F, 0);
	th_nonresident(0, false, 0);
	VT_ASSERT_EQ(gm_vpe_resident_cpu(M, 1, 0), -1);
	TH_NO_VIOL();
}

VT_TEST(cpu_resident_vpe_not_valid)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(1, 2, 2, 6);		/* VPEs 0, 1 valid of 4 */
	VT_ASSERT(th_resident(0, 1, 2) & GM_CTXR_F);
	VT_ASSERT(th_resident(0, 1, 4) & GM_CTXR_F);	/* beyond VPE_ID_BITS */
	VT_ASSERT_EQ(gm_vpe_resident_cpu(M, 1, 2), -1);
	TH_NO_VIOL();
}

VT_TEST(cpu_resident_on_two_cpus)
{
	setup();
	VT_ASSERT_EQ(th_resident(0, 1, 1) & GM_CTXR_F, 0);
	VT_ASSERT(th_resident(1, 1, 1) & GM_CTXR_F);
	TH_VIOL("VM 1 VPE 1 made resident while resident on CPU 0");
	VT_ASSERT_EQ(gm_vpe_resident_cpu(M, 1, 1), 0);
}

VT_TEST(cpu_resident_twice_same_cpu)
{
	setup();
	th_resident(0, 1, 1);
	VT_ASSERT(th_resident(0, 1, 2) & GM_CTXR_F);
	TH_VIOL("CPU 0: make-resident of VM 1 VPE 2 while VM 1 VPE 1 is still resident");
}

VT_TEST(cpu_guest_insn_not_resident)
{
	setup();
	gm_guest_insn(M, 1, GM_CDEN, GM_INTID(GM_TYPE_SPI, 1));
	TH_VIOL("guest CDEN on CPU 1 with no resident vPE");
	VT_ASSERT_EQ(gm_guest_cdia(M, 1), 0);
	TH_VIOL("guest CDIA on CPU 1");
	gm_guest_insn(M, 9, GM_CDEN, 0);
	TH_VIOL("CPU 9 does not exist");
}

VT_TEST(cpu_cd_instructions_update_iste)
{
	uint32_t w;

	setup();
	th_resident(0, 1, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 10, 9, 0x2);
	VT_ASSERT_EQ(gm_ist_entry(M, 1, GM_TYPE_SPI, 10, &w), 0);
	VT_ASSERT_EQ(w, GM_ISTE_ENABLE | (9u << 11) | (2u << 16));
	gm_guest_insn(M, 0, GM_CDHM, GM_INTID(GM_TYPE_SPI, 10) | GM_CDHM_HM);
	gm_guest_insn(M, 0, GM_CDPEND, GM_INTID(GM_TYPE_SPI, 10) | GM_CDPEND_PENDING);
	gm_guest_insn(M, 0, GM_CDAFF, GM_INTID(GM_TYPE_SPI, 10) | GM_CDAFF_IRM |
		      GM_FIELD_PREP(GM_CDAFF_IAFFID, 0x3));
	VT_ASSERT_EQ(gm_ist_entry(M, 1, GM_TYPE_SPI, 10, &w), 0);
	VT_ASSERT_EQ(w, GM_ISTE_ENABLE | GM_ISTE_HM | GM_ISTE_PENDING | GM_ISTE_IRM |
		     (9u << 11) | (3u << 16));
	gm_guest_insn(M, 0, GM_CDDIS, GM_INTID(GM_TYPE_SPI, 10));
	gm_guest_insn(M, 0, GM_CDPEND, GM_INTID(GM_TYPE_SPI, 10));
	gm_guest_insn(M, 0, GM_CDHM, GM_INTID(GM_TYPE_SPI, 10));
	VT_ASSERT_EQ(gm_ist_entry(M, 1, GM_TYPE_SPI, 10, &w), 0);
	VT_ASSERT_EQ(w, GM_ISTE_IRM | (9u << 11) | (3u << 16));
	TH_NO_VIOL();
}

VT_TEST(cpu_cdrcfg_icsr_layout)
{
	setup();
	th_resident(0, 1, 0);
	th_guest_cfg(0, GM_TYPE_LPI, 77, 21, 0x1);
	gm_guest_insn(M, 0, GM_CDHM, GM_INTID(GM_TYPE_LPI, 77) | GM_CDHM_HM);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_LPI, 77, 1));
	gm_guest_insn(M, 0, GM_CDRCFG, GM_INTID(GM_TYPE_LPI, 77));
	/* F 0, Enabled 1, Pending 2, IRM 3, Active 4, HM 5, Priority [15:11], IAFFID [47:32] */
	VT_ASSERT_EQ(gm_guest_icsr(M, 0), (1u << 1) | (1u << 2) | (1u << 5) | (21u << 11) |
		     (1ULL << 32));
	gm_guest_insn(M, 0, GM_CDRCFG, GM_INTID(GM_TYPE_LPI, 256));	/* beyond ID_BITS */
	VT_ASSERT_EQ(gm_guest_icsr(M, 0), GM_ICSR_F);
	gm_guest_insn(M, 0, GM_CDRCFG, GM_INTID(GM_TYPE_PPI, 3));
	VT_ASSERT_EQ(gm_guest_icsr(M, 0), GM_ICSR_F);
	TH_NO_VIOL();
}

VT_TEST(cpu_priority_bits_masked)
{
	struct gm_caps c = gm_caps_default();
	uint32_t w;

	c.pri_bits = 3;
	th_model(&c);
	th_vmt(4, false);
	th_vm_create(1, 1, 1, 5);
	th_resident(0, 1, 0);
	gm_guest_insn(M, 0, GM_CDPRI, GM_INTID(GM_TYPE_SPI, 1) |
		      GM_FIELD_PREP(GM_CDPRI_PRIORITY, 0x1f));
	VT_ASSERT_EQ(gm_ist_entry(M, 1, GM_TYPE_SPI, 1, &w), 0);
	VT_ASSERT_EQ(GM_FIELD_GET(GM_ISTE_PRIORITY, w), 0x1c);
}

VT_TEST(cpu_cdia_priority_order)
{
	setup();
	th_resident(0, 1, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 7, 5, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 4, 2, 0);
	th_guest_cfg(0, GM_TYPE_LPI, 9, 2, 0);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 7, 1));
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 4, 1));
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_LPI, 9, 1));
	/* priority 2 twice: the lower INTID (LPI, TYPE 0b010) wins */
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), GM_CDIA_VALID | GM_INTID(GM_TYPE_LPI, 9));
	VT_ASSERT_EQ(gm_guest_running_prio(M, 0), 2);
	/* running priority 2 masks the other priority-2 interrupt */
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), 0);
	gm_guest_insn(M, 0, GM_CDEOI, 0);
	VT_ASSERT_EQ(gm_guest_running_prio(M, 0), 32);
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), GM_CDIA_VALID | GM_INTID(GM_TYPE_SPI, 4));
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), 0);
	gm_guest_insn(M, 0, GM_CDEOI, 0);
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), GM_CDIA_VALID | GM_INTID(GM_TYPE_SPI, 7));
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), 0);
	TH_NO_VIOL();
}

VT_TEST(cpu_cdia_preemption)
{
	setup();
	th_resident(0, 1, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 1, 10, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 2, 3, 0);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 1, 1));
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), GM_CDIA_VALID | GM_INTID(GM_TYPE_SPI, 1));
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 2, 1));
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), GM_CDIA_VALID | GM_INTID(GM_TYPE_SPI, 2));
	VT_ASSERT_EQ(gm_guest_running_prio(M, 0), 3);
	gm_guest_insn(M, 0, GM_CDEOI, 0);
	VT_ASSERT_EQ(gm_guest_running_prio(M, 0), 10);
}

VT_TEST(cpu_cdia_edge_and_level)
{
	uint32_t w;

	setup();
	th_resident(0, 1, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 1, 4, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 2, 4, 0);
	gm_guest_insn(M, 0, GM_CDHM, GM_INTID(GM_TYPE_SPI, 2) | GM_CDHM_HM);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 1, 1));
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 2, 1));
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), GM_CDIA_VALID | GM_INTID(GM_TYPE_SPI, 1));
	gm_ist_entry(M, 1, GM_TYPE_SPI, 1, &w);
	VT_ASSERT_EQ(w & (GM_ISTE_PENDING | GM_ISTE_ACTIVE), GM_ISTE_ACTIVE);	/* edge */
	gm_guest_insn(M, 0, GM_CDEOI, 0);
	gm_guest_insn(M, 0, GM_CDDI, GM_INTID(GM_TYPE_SPI, 1));
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), GM_CDIA_VALID | GM_INTID(GM_TYPE_SPI, 2));
	gm_ist_entry(M, 1, GM_TYPE_SPI, 2, &w);
	VT_ASSERT_EQ(w & (GM_ISTE_PENDING | GM_ISTE_ACTIVE), GM_ISTE_PENDING | GM_ISTE_ACTIVE);
	gm_guest_insn(M, 0, GM_CDEOI, 0);
	/* active and pending: not acknowledged again until deactivated */
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), 0);
	gm_guest_insn(M, 0, GM_CDDI, GM_INTID(GM_TYPE_SPI, 2));
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), GM_CDIA_VALID | GM_INTID(GM_TYPE_SPI, 2));
	gm_ist_entry(M, 1, GM_TYPE_SPI, 1, &w);
	VT_ASSERT_EQ(w & GM_ISTE_ACTIVE, 0);
	TH_NO_VIOL();
}

VT_TEST(cpu_cdia_pcr_mask)
{
	setup();
	th_resident(0, 1, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 1, 5, 0);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 1, 1));
	gm_guest_set_pcr(M, 0, 4);
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), 0);
	gm_guest_set_pcr(M, 0, 5);		/* priority <= PCR is delivered */
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), GM_CDIA_VALID | GM_INTID(GM_TYPE_SPI, 1));
	TH_NO_VIOL();
}

VT_TEST(cpu_cdia_disabled_or_misrouted)
{
	setup();
	th_resident(0, 1, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 1, 5, 1);		/* targets VPE 1 */
	th_guest_cfg(0, GM_TYPE_SPI, 2, 5, 0);
	gm_guest_insn(M, 0, GM_CDDIS, GM_INTID(GM_TYPE_SPI, 2));
	gm_guest_insn(M, 0, GM_CDAFF, GM_INTID(GM_TYPE_SPI, 3) | GM_CDAFF_IRM);
	gm_guest_insn(M, 0, GM_CDEN, GM_INTID(GM_TYPE_SPI, 3));
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 1, 1));
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 2, 1));
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 3, 1));	/* 1-of-N: not modelled */
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), 0);
	VT_ASSERT_EQ(gm_vpe_hppi(M, 1, 1), GM_VPE_HPPIR_HPPIV | GM_INTID(GM_TYPE_SPI, 1));
	th_nonresident(0, false, 0);
	th_resident(0, 1, 1);
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), GM_CDIA_VALID | GM_INTID(GM_TYPE_SPI, 1));
	TH_NO_VIOL();
}

VT_TEST(cpu_irichppidis)
{
	setup();
	gm_write_contextr(M, 0, GM_CTXR_V | GM_CTXR_IRICHPPIDIS | 1);
	VT_ASSERT_EQ(gm_read_contextr(M, 0) & GM_CTXR_F, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 1, 5, 0);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 1, 1));
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), 0);
	th_nonresident(0, false, 0);
	th_resident(0, 1, 0);
	VT_ASSERT_EQ(gm_guest_cdia(M, 0), GM_CDIA_VALID | GM_INTID(GM_TYPE_SPI, 1));
}

VT_TEST(cpu_vpe_hppir_register)
{
	setup();
	th_resident(0, 1, 2);
	th_guest_cfg(0, GM_TYPE_LPI, 40, 8, 2);
	th_guest_cfg(0, GM_TYPE_SPI, 40, 7, 2);
	th_nonresident(0, false, 0);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_LPI, 40, 1));
	th_cmd(GM_IRS_VPE_SELR, TH_SELR(1, 2));
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VPE_HPPIR, 8),
		     GM_VPE_HPPIR_HPPIV | GM_INTID(GM_TYPE_LPI, 40));
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 40, 1));
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VPE_HPPIR, 8),
		     GM_VPE_HPPIR_HPPIV | GM_INTID(GM_TYPE_SPI, 40));
	th_cmd(GM_IRS_VPE_SELR, TH_SELR(1, 1));
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VPE_HPPIR, 8), 0);
	TH_NO_VIOL();
}

static uint32_t db_log[8];
static int db_n;

static void db_cb(void *ctx, uint32_t lpi)
{
	(void)ctx;
	if (db_n < 8)
		db_log[db_n++] = lpi;
	/* the model is unlocked here: calling back in must not deadlock */
	gm_vpe_hppi(M, 1, 0);
}

VT_TEST(cpu_doorbell_once_per_request)
{
	setup();
	gm_set_doorbell_cb(M, db_cb, NULL);
	th_resident(0, 1, 1);
	th_guest_cfg(0, GM_TYPE_SPI, 5, 6, 1);
	th_guest_cfg(0, GM_TYPE_SPI, 6, 6, 1);
	th_nonresident(0, true, 31);
	VT_ASSERT_EQ(db_n, 0);
	VT_ASSERT(gm_vpe_dbr(M, 1, 1) & GM_VPE_DBR_REQ_DB);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 5, 1));
	VT_ASSERT_EQ(db_n, 1);
	VT_ASSERT_EQ(db_log[0], TH_DB_LPI(1, 1));
	VT_ASSERT_EQ(gm_vpe_dbr(M, 1, 1) & GM_VPE_DBR_REQ_DB, 0);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 6, 1));
	VT_ASSERT_EQ(db_n, 1);
	VT_ASSERT_EQ(gm_doorbells_fired(M), 1);
	TH_NO_VIOL();
}

VT_TEST(cpu_doorbell_priority_mask)
{
	setup();
	gm_set_doorbell_cb(M, db_cb, NULL);
	th_resident(0, 1, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 1, 4, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 2, 3, 0);
	th_nonresident(0, true, 3);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 1, 1));		/* 4 > DBPM */
	VT_ASSERT_EQ(db_n, 0);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 2, 1));		/* 3 <= DBPM */
	VT_ASSERT_EQ(db_n, 1);
	VT_ASSERT_EQ(db_log[0], TH_DB_LPI(1, 0));
}

VT_TEST(cpu_doorbell_not_requested)
{
	setup();
	gm_set_doorbell_cb(M, db_cb, NULL);
	th_resident(0, 1, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 1, 0, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 2, 0, 1);
	th_nonresident(0, false, 0);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 1, 1));
	VT_ASSERT_EQ(db_n, 0);
	/* a request for VPE 0 does not ring for an interrupt of VPE 1 */
	th_resident(0, 1, 0);
	th_nonresident(0, true, 31);
	VT_ASSERT_EQ(db_n, 1);	/* SPI 1 was already pending: rings at once */
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 2, 1));
	VT_ASSERT_EQ(db_n, 1);
}

VT_TEST(cpu_doorbell_disabled_interrupt)
{
	setup();
	gm_set_doorbell_cb(M, db_cb, NULL);
	th_resident(0, 1, 0);
	th_guest_cfg(0, GM_TYPE_SPI, 1, 0, 0);
	gm_guest_insn(M, 0, GM_CDDIS, GM_INTID(GM_TYPE_SPI, 1));
	th_nonresident(0, true, 31);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_SPI, 1, 1));
	VT_ASSERT_EQ(db_n, 0);
	VT_ASSERT(gm_vpe_dbr(M, 1, 0) & GM_VPE_DBR_REQ_DB);
}

VT_TEST(cpu_doorbell_via_vpe_dbr)
{
	setup();
	gm_set_doorbell_cb(M, db_cb, NULL);
	th_resident(0, 1, 3);
	th_guest_cfg(0, GM_TYPE_LPI, 1, 2, 3);
	th_nonresident(0, false, 0);
	gm_vdpend(M, TH_VDPEND(1, GM_TYPE_LPI, 1, 1));
	VT_ASSERT_EQ(db_n, 0);
	th_cmd(GM_IRS_VPE_SELR, TH_SELR(1, 3));
	th_cmd(GM_IRS_VPE_DBR, GM_VPE_DBR_DBV | GM_VPE_DBR_REQ_DB |
	       GM_FIELD_PREP(GM_VPE_DBR_DBPM, 2) | 0x777);
	VT_ASSERT_EQ(db_n, 1);
	VT_ASSERT_EQ(db_log[0], 0x777);
}

VT_TEST(cpu_doorbell_without_dbv)
{
	setup();
	th_cmd(GM_IRS_VPE_SELR, TH_SELR(1, 0));
	th_cmd(GM_IRS_VPE_DBR, 0);
	th_resident(0, 1, 0);
	th_nonresident(0, true, 31);
	TH_VIOL("doorbell requested for VM 1 VPE 0 but VPE_DBR.DBV = 0");
}
