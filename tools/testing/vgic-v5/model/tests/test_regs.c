// SPDX-License-Identifier: GPL-2.0
/*
 * test_regs.c - register map, ID fields, access rules, busy/IDLE protocol
 * and VMT install (facts sections 2.2, 4.1, 4.4, 4.5).
 */
#include "th.h"

VT_TEST(regs_idr0_fields)
{
	struct gm_caps c = gm_caps_default();

	c.pa_range = 6;
	th_model(&c);
	/* VIRT bit 6, PA_RANGE [5:2] = 6, INT_DOM [1:0] = 1 */
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_IDR0, 4), 0x40 | (6 << 2) | 1);
	TH_NO_VIOL();
}

VT_TEST(regs_idr0_no_virt_raz_wi)
{
	struct gm_caps c = gm_caps_default();

	c.virt = false;
	c.pa_range = 2;
	th_model(&c);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_IDR0, 4), (2 << 2) | 1);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_IDR3, 4), 0);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_IDR4, 4), 0);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VMT_STATUSR, 4), 0);
	gm_mmio_write(M, GM_IRS_VMAP_VMR, 8, GM_CMD_M);
	TH_VIOL("IDR0.VIRT = 0");
}

VT_TEST(regs_idr1_fields)
{
	struct gm_caps c = gm_caps_default();

	c.pri_bits = 4;
	c.iaffid_bits = 10;
	c.nr_cpus = 3;
	th_model(&c);
	/* PRIORITY_BITS [22:20] N-1, IAFFID_BITS [19:16] N-1, PE_CNT [15:0] */
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_IDR1, 4), (3u << 20) | (9u << 16) | 3);
}

VT_TEST(regs_idr2_fields)
{
	struct gm_caps c = gm_caps_default();

	c.istmd_sz = 20;
	c.istmd = true;
	c.ist_l2sz = 0x5;
	c.ist_levels = true;
	c.min_lpi_id_bits = 9;
	c.lpi = true;
	c.id_bits = 19;
	th_model(&c);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_IDR2, 4),
		     (20u << 15) | (1u << 14) | (5u << 11) | (1u << 10) | (9u << 6) |
		     (1u << 5) | 19);
	c.istmd = false;
	c.ist_levels = false;
	c.lpi = false;
	c.istmd_sz = 0;
	c.ist_l2sz = 2;
	gm_destroy(M);
	th_model(&c);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_IDR2, 4), (2u << 11) | (9u << 6) | 19);
}

VT_TEST(regs_idr3_fields)
{
	struct gm_caps c = gm_caps_default();

	c.vmt_levels = true;
	c.vm_id_bits = 12;
	c.vmd_sz = 7;
	c.vmd = true;
	th_model(&c);
	/* VMT_LEVELS bit 10, VM_ID_BITS [9:5], VMD_SZ [4:1], VMD bit 0 */
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_IDR3, 4), (1u << 10) | (12u << 5) | (7u << 1) | 1);
}

VT_TEST(regs_idr4_fields)
{
	struct gm_caps c = gm_caps_default();

	c.vpe_id_bits = 8;
	c.vped_sz = 6;
	th_model(&c);
	/* VPE_ID_BITS [9:6] (N-1), VPED_SZ [5:0] */
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_IDR4, 4), (8u << 6) | 6);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_IDR4, 4), 0x206);
}

VT_TEST(regs_idr5_7_spi)
{
	struct gm_caps c = gm_caps_default();

	c.spi_range = 0x1234;
	c.spi_irs_range = 0x234;
	c.spi_base = 0x1000;
	th_model(&c);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_IDR5, 4), 0x1234);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_IDR6, 4), 0x234);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_IDR7, 4), 0x1000);
}

VT_TEST(regs_cr0_idle_irsen)
{
	th_model(NULL);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_CR0, 4), GM_CR0_IDLE);
	gm_mmio_write(M, GM_IRS_CR0, 4, GM_CR0_IRSEN);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_CR0, 4), GM_CR0_IDLE | GM_CR0_IRSEN);
	gm_mmio_write(M, GM_IRS_CR1, 4, 0xabcd);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_CR1, 4), 0xabcd);
	TH_NO_VIOL();
}

VT_TEST(regs_64bit_halves)
{
	void *vmt;
	uint64_t v;

	th_model(NULL);
	vmt = th_vmt(4, false);
	v = (uintptr_t)vmt | GM_VMT_BASER_VALID;
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VMT_BASER, 8), v);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VMT_BASER, 4), v & 0xffffffff);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VMT_BASER + 4, 4), v >> 32);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VMT_CFGR, 4), 4);
	TH_NO_VIOL();
}

VT_TEST(regs_bad_accesses)
{
	th_model(NULL);
	VT_ASSERT_EQ(gm_mmio_read(M, 0x050, 4), 0);
	TH_VIOL("unknown offset at 0x50");
	gm_clear_violations(M);
	gm_mmio_read(M, GM_IRS_IDR0, 8);
	TH_VIOL("read of IDR0 at 0x0 size 8");
	gm_clear_violations(M);
	gm_mmio_read(M, GM_IRS_VMT_BASER + 4, 8);
	TH_VIOL("VMT_BASER");
	gm_clear_violations(M);
	gm_mmio_write(M, GM_IRS_IDR2, 4, 0);
	TH_VIOL("read-only IDR2");
	gm_clear_violations(M);
	gm_mmio_write(M, GM_IRS_VMAP_VMR, 4, GM_CMD_M);
	TH_VIOL("32-bit write to 64-bit register VMAP_VMR");
	gm_clear_violations(M);
	gm_mmio_read(M, 0x202, 4);
	TH_VIOL("0x202");
}

VT_TEST(regs_coresight_ids)
{
	th_model(NULL);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_CIDR0, 4), 0x0d);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_CIDR0 + 0xc, 4), 0xb1);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_DEVARCH, 4), 0x47705a19);
	TH_NO_VIOL();
}

VT_TEST(regs_frame_owns)
{
	uint8_t *b;
	uint32_t off = 0;

	th_model(NULL);
	b = gm_frame_base(M);
	VT_ASSERT(gm_owns(M, b + GM_IRS_VMT_STATUSR, &off));
	VT_ASSERT_EQ(off, GM_IRS_VMT_STATUSR);
	VT_ASSERT(!gm_owns(M, b + GM_FRAME_SIZE, NULL));
	VT_ASSERT(!gm_owns(M, b - 1, NULL));
}

VT_TEST(regs_latency_defers_effect)
{
	void *vmt;

	th_model(NULL);
	gm_set_latency(M, 3);
	vmt = th_alloc(32 << 4);
	gm_mmio_write(M, GM_IRS_VMT_CFGR, 4, 4);
	gm_mmio_write(M, GM_IRS_VMT_BASER, 8, (uintptr_t)vmt | 1);
	VT_ASSERT(!gm_vmt_valid(M));
	for (int i = 0; i < 3; i++) {
		VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VMT_STATUSR, 4), 0);
		VT_ASSERT(!gm_vmt_valid(M));
	}
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VMT_STATUSR, 4), GM_STATUSR_IDLE);
	VT_ASSERT(gm_vmt_valid(M));
	TH_NO_VIOL();
}

VT_TEST(regs_command_while_busy)
{
	th_model(NULL);
	th_vmt(4, false);
	gm_set_latency(M, 5);
	gm_mmio_write(M, GM_IRS_VMAP_VMR, 8, GM_CMD_M | 1);
	gm_mmio_write(M, GM_IRS_VMAP_VMR, 8, GM_CMD_M | 2);
	TH_VIOL("VMAP_VMR written (0x8000000000000002) while VMT_STATUSR is not IDLE");
	/* the first command still completes, on its own schedule */
	VT_ASSERT(th_poll(GM_IRS_VMT_STATUSR));
}

VT_TEST(regs_stuck_never_completes)
{
	void *vmt;

	th_model(NULL);
	gm_set_stuck(M, true);
	vmt = th_alloc(32 << 4);
	gm_mmio_write(M, GM_IRS_VMT_CFGR, 4, 4);
	VT_ASSERT(!th_cmd(GM_IRS_VMT_BASER, (uintptr_t)vmt | 1));
	VT_ASSERT(!gm_vmt_valid(M));
	VT_ASSERT_EQ(gm_check_quiescent(M), 1);
	TH_VIOL("still in flight");
	gm_clear_violations(M);
	/* memory an in-flight command may consume must not be freed */
	th_free(vmt);
	TH_VIOL("freed while the IRS references VMT (install in flight)");
}

VT_TEST(regs_stuck_then_released)
{
	void *vmt;

	th_model(NULL);
	gm_set_stuck(M, true);
	vmt = th_alloc(32 << 4);
	gm_mmio_write(M, GM_IRS_VMT_CFGR, 4, 4);
	gm_mmio_write(M, GM_IRS_VMT_BASER, 8, (uintptr_t)vmt | 1);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VMT_STATUSR, 4), 0);
	gm_set_stuck(M, false);
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VMT_STATUSR, 4), GM_STATUSR_IDLE);
	VT_ASSERT(gm_vmt_valid(M));
	TH_NO_VIOL();
}

VT_TEST(regs_drop_after_completes_without_effect)
{
	void *vmt;

	th_model(NULL);
	vmt = th_alloc(32 << 4);
	gm_mmio_write(M, GM_IRS_VMT_CFGR, 4, 4);
	gm_set_drop_after(M, 0);
	VT_ASSERT(th_cmd(GM_IRS_VMT_BASER, (uintptr_t)vmt | 1));
	VT_ASSERT(!gm_vmt_valid(M));
	/* Once only */
	VT_ASSERT(th_cmd(GM_IRS_VMT_BASER, (uintptr_t)vmt | 1));
	VT_ASSERT(gm_vmt_valid(M));
	TH_NO_VIOL();
}

VT_TEST(vmt_cfgr_locked_while_valid)
{
	th_model(NULL);
	th_vmt(4, false);
	gm_mmio_write(M, GM_IRS_VMT_CFGR, 4, 5);
	TH_VIOL("VMT_CFGR changed");
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VMT_CFGR, 4), 4);
	gm_clear_violations(M);
	gm_mmio_write(M, GM_IRS_VMT_CFGR, 4, 4);	/* same value: fine */
	TH_NO_VIOL();
}

VT_TEST(vmt_baser_while_valid)
{
	void *vmt, *other;

	th_model(NULL);
	vmt = th_vmt(4, false);
	other = th_alloc(32 << 4);
	gm_mmio_write(M, GM_IRS_VMT_BASER, 8, (uintptr_t)other | 1);
	TH_VIOL("VMT_BASER written");
	VT_ASSERT_EQ(gm_mmio_read(M, GM_IRS_VMT_BASER, 8), (uintptr_t)vmt | 1);
}

VT_TEST(vmt_vm_id_bits_beyond_caps)
{
	void *vmt;

	th_model(NULL);
	vmt = th_alloc(32 << 9);
	gm_mmio_write(M, GM_IRS_VMT_CFGR, 4, 9);
	th_cmd(GM_IRS_VMT_BASER, (uintptr_t)vmt | 1);
	TH_VIOL("VM_ID_BITS 9 > IDR3.VM_ID_BITS 8");
	VT_ASSERT(!gm_vmt_valid(M));
}

VT_TEST(vmt_two_level_unsupported)
{
	struct gm_caps c = gm_caps_default();
	void *vmt;

	c.vmt_levels = false;
	th_model(&c);
	vmt = th_alloc(64);
	gm_mmio_write(M, GM_IRS_VMT_CFGR, 4, GM_VMT_CFGR_STRUCTURE | 8);
	th_cmd(GM_IRS_VMT_BASER, (uintptr_t)vmt | 1);
	TH_VIOL("IDR3.VMT_LEVELS = 0");
	VT_ASSERT(!gm_vmt_valid(M));
}

VT_TEST(vmt_unregistered_memory)
{
	th_model(NULL);
	gm_mmio_write(M, GM_IRS_VMT_CFGR, 4, 4);
	th_cmd(GM_IRS_VMT_BASER, 0x7000 | 1);
	TH_VIOL("VMT [0x7000+0x200] is not in registered memory");
	VT_ASSERT(!gm_vmt_valid(M));
}

VT_TEST(vmt_misaligned)
{
	uint8_t *p;

	th_model(NULL);
	p = th_alloc(32 << 5);
	gm_mmio_write(M, GM_IRS_VMT_CFGR, 4, 4);
	th_cmd(GM_IRS_VMT_BASER, ((uintptr_t)p + 64) | 1);
	TH_VIOL("is not aligned to 0x200");
	gm_clear_violations(M);
	gm_set_strict_align(M, false);
	th_cmd(GM_IRS_VMT_BASER, 0);
	th_cmd(GM_IRS_VMT_BASER, ((uintptr_t)p + 64) | 1);
	TH_NO_VIOL();
}

VT_TEST(vmt_dirty_table_at_install)
{
	uint64_t *vmt;

	th_model(NULL);
	vmt = th_alloc(32 << 4);
	vmt[4 * 3] = 1;		/* VMTE 3 word 0 VALID: not zeroed */
	gm_mmio_write(M, GM_IRS_VMT_CFGR, 4, 4);
	th_cmd(GM_IRS_VMT_BASER, (uintptr_t)vmt | 1);
	TH_VIOL("VMTE 3 has VALID set by software");
}

VT_TEST(vmt_removed_with_valid_vm)
{
	th_model(NULL);
	th_vmt(4, false);
	th_vm_create(2, 1, 1, 5);
	th_cmd(GM_IRS_VMT_BASER, 0);
	TH_VIOL("VMT_BASER cleared while VM 2 is valid");
	VT_ASSERT(!gm_vmt_valid(M));
}
