// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the GICv5 IRS table layouts and encodings of
 * vgic-v5-irs.c (included from there: the functions are static).
 */

#include <kunit/test.h>

/* A host IRS_IDR2 with LPIs and 24 ID bits */
static u32 test_idr2(bool md, u32 md_sz, u32 l2sz, bool levels, u32 id_bits)
{
	return FIELD_PREP(GICV5_IRS_IDR2_ISTMD, md)		|
	       FIELD_PREP(GICV5_IRS_IDR2_ISTMD_SZ, md_sz)	|
	       FIELD_PREP(GICV5_IRS_IDR2_IST_L2SZ, l2sz)	|
	       FIELD_PREP(GICV5_IRS_IDR2_IST_LEVELS, levels)	|
	       FIELD_PREP(GICV5_IRS_IDR2_LPI, 1)		|
	       FIELD_PREP(GICV5_IRS_IDR2_ID_BITS, id_bits);
}

/* IDR2.IST_L2SZ bitmap: bit 0 = 4 KiB, bit 1 = 16 KiB, bit 2 = 64 KiB */
#define L2SZ_4K		BIT(0)
#define L2SZ_16K	BIT(1)
#define L2SZ_64K	BIT(2)

static void vgic_v5_ist_fmt_linear_test(struct kunit *test)
{
	struct vgic_v5_ist_fmt fmt;

	/* 32 SPIs: 2^5 4-byte ISTEs */
	vgic_v5_ist_fmt(test_idr2(0, 0, 0, 0, 24), 5, false, &fmt);
	KUNIT_EXPECT_FALSE(test, fmt.two_level);
	KUNIT_EXPECT_EQ(test, fmt.istsz, GICV5_IRS_IST_CFGR_ISTSZ_4);
	KUNIT_EXPECT_EQ(test, fmt.size, 128);
	KUNIT_EXPECT_EQ(test, fmt.l2_bits, 0);

	/* Never below 64 bytes */
	vgic_v5_ist_fmt(test_idr2(0, 0, 0, 0, 24), 3, false, &fmt);
	KUNIT_EXPECT_EQ(test, fmt.size, 64);

	/* Two levels supported but not allowed: linear */
	vgic_v5_ist_fmt(test_idr2(0, 0, L2SZ_4K, 1, 24), 16, false, &fmt);
	KUNIT_EXPECT_FALSE(test, fmt.two_level);
	KUNIT_EXPECT_EQ(test, fmt.size, SZ_256K);

	/* One L2 table would cover it: linear */
	vgic_v5_ist_fmt(test_idr2(0, 0, L2SZ_4K, 1, 24), 10, true, &fmt);
	KUNIT_EXPECT_FALSE(test, fmt.two_level);
	KUNIT_EXPECT_EQ(test, fmt.size, SZ_4K);
	KUNIT_EXPECT_EQ(test, fmt.l2sz, 0);
}

static void vgic_v5_ist_fmt_metadata_test(struct kunit *test)
{
	struct vgic_v5_ist_fmt fmt;

	/* ISTMD: 8-byte ISTEs below ISTMD_SZ ID bits, 16-byte from there */
	vgic_v5_ist_fmt(test_idr2(1, 12, 0, 0, 24), 11, false, &fmt);
	KUNIT_EXPECT_EQ(test, fmt.istsz, GICV5_IRS_IST_CFGR_ISTSZ_8);
	KUNIT_EXPECT_EQ(test, fmt.size, SZ_16K);

	vgic_v5_ist_fmt(test_idr2(1, 12, 0, 0, 24), 12, false, &fmt);
	KUNIT_EXPECT_EQ(test, fmt.istsz, GICV5_IRS_IST_CFGR_ISTSZ_16);
	KUNIT_EXPECT_EQ(test, fmt.size, SZ_64K);
}

static void vgic_v5_ist_fmt_two_level_test(struct kunit *test)
{
	struct vgic_v5_ist_fmt fmt;

	/* 16 ID bits, 4 KiB L2 of 1024 ISTEs: 64 L1 entries */
	vgic_v5_ist_fmt(test_idr2(0, 0, L2SZ_4K | L2SZ_64K, 1, 24), 16, true, &fmt);
	KUNIT_EXPECT_TRUE(test, fmt.two_level);
	KUNIT_EXPECT_EQ(test, fmt.l2sz, GICV5_IRS_IST_CFGR_L2SZ_4K);
	KUNIT_EXPECT_EQ(test, fmt.l2_bits, 10);
	KUNIT_EXPECT_EQ(test, fmt.size, 64 * 8);
	KUNIT_EXPECT_EQ(test, vgic_v5_ist_nr_l1(&fmt), 64);
	KUNIT_EXPECT_EQ(test, vgic_v5_ist_l2_size(&fmt), SZ_4K);

	/* Only 64 KiB L2 tables, 16-byte ISTEs: l2_bits = (10 - 2) + 4 */
	vgic_v5_ist_fmt(test_idr2(1, 4, L2SZ_64K, 1, 24), 24, true, &fmt);
	KUNIT_EXPECT_EQ(test, fmt.istsz, GICV5_IRS_IST_CFGR_ISTSZ_16);
	KUNIT_EXPECT_EQ(test, fmt.l2sz, GICV5_IRS_IST_CFGR_L2SZ_64K);
	KUNIT_EXPECT_EQ(test, fmt.l2_bits, 12);
	KUNIT_EXPECT_EQ(test, fmt.size, 8 << 12);
	KUNIT_EXPECT_EQ(test, vgic_v5_ist_l2_size(&fmt), SZ_64K);

	/* Only 16 KiB, 8-byte ISTEs: l2_bits = 9 + 2; L1 at least 64 bytes */
	vgic_v5_ist_fmt(test_idr2(1, 20, L2SZ_16K, 1, 24), 13, true, &fmt);
	KUNIT_EXPECT_EQ(test, fmt.l2sz, GICV5_IRS_IST_CFGR_L2SZ_16K);
	KUNIT_EXPECT_EQ(test, fmt.l2_bits, 11);
	KUNIT_EXPECT_EQ(test, fmt.size, 64);
	KUNIT_EXPECT_EQ(test, vgic_v5_ist_nr_l1(&fmt), 4);
}

static void vgic_v5_vistd_test(struct kunit *test)
{
	struct vgic_v5_ist_fmt fmt;
	u64 d;

	vgic_v5_ist_fmt(test_idr2(0, 0, 0, 0, 24), 5, false, &fmt);
	d = vgic_v5_vistd(&fmt, 0x80001040);
	KUNIT_EXPECT_EQ(test, d, (5ULL << 59) | 0x80001040);
	KUNIT_EXPECT_EQ(test, d & GICV5_VISTD_VALID, 0);

	vgic_v5_ist_fmt(test_idr2(1, 4, L2SZ_64K, 1, 24), 24, true, &fmt);
	d = vgic_v5_vistd(&fmt, 0xfff0000000ULL);
	KUNIT_EXPECT_EQ(test, d, (24ULL << 59) | BIT_ULL(58) | (2ULL << 56) |
				 0xfff0000000ULL | (2 << 1));

	/* Address bits outside [55:6] never leak into other fields */
	vgic_v5_ist_fmt(test_idr2(0, 0, 0, 0, 24), 5, false, &fmt);
	d = vgic_v5_vistd(&fmt, GENMASK_ULL(63, 0));
	KUNIT_EXPECT_EQ(test, d, (5ULL << 59) | GENMASK_ULL(55, 6));
}

static void vgic_v5_vmte_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vgic_v5_vmte_w1(0x12345000, 9),
			(9ULL << 59) | 0x12345000);
	KUNIT_EXPECT_EQ(test, vgic_v5_vmte_w1(0x12345007, 1),
			(1ULL << 59) | 0x12345000);

	KUNIT_EXPECT_EQ(test, vgic_v5_vpe_id_bits(0), 1);
	KUNIT_EXPECT_EQ(test, vgic_v5_vpe_id_bits(1), 1);
	KUNIT_EXPECT_EQ(test, vgic_v5_vpe_id_bits(2), 2);
	KUNIT_EXPECT_EQ(test, vgic_v5_vpe_id_bits(3), 2);
	KUNIT_EXPECT_EQ(test, vgic_v5_vpe_id_bits(4), 3);
	KUNIT_EXPECT_EQ(test, vgic_v5_vpe_id_bits(511), 9);
	KUNIT_EXPECT_EQ(test, vgic_v5_vpe_id_bits(512), 10);
}

static u64 test_vmcr(bool en, u32 vpmr)
{
	return FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_EN, en) |
	       FIELD_PREP(FEAT_GCIE_ICH_VMCR_EL2_VPMR, vpmr);
}

static u64 test_dbreq(u32 dbpm)
{
	return ICH_CONTEXTR_EL2_DB | FIELD_PREP(ICH_CONTEXTR_EL2_DBPM, dbpm);
}

static void vgic_v5_db_request_test(struct kunit *test)
{
	/* Interface disabled: nothing can wake it */
	KUNIT_EXPECT_EQ(test, vgic_v5_db_request(test_vmcr(0, 31), 0), 0);

	/* Idle, mask open: any priority */
	KUNIT_EXPECT_EQ(test, vgic_v5_db_request(test_vmcr(1, 31), 0), test_dbreq(31));

	/* The priority mask limits it */
	KUNIT_EXPECT_EQ(test, vgic_v5_db_request(test_vmcr(1, 4), 0), test_dbreq(4));
	KUNIT_EXPECT_EQ(test, vgic_v5_db_request(test_vmcr(1, 0), 0), test_dbreq(0));

	/* So does the highest active priority */
	KUNIT_EXPECT_EQ(test, vgic_v5_db_request(test_vmcr(1, 31), BIT(3) | BIT(9)),
			test_dbreq(2));

	/* Priority 0 active: nothing can preempt it */
	KUNIT_EXPECT_EQ(test, vgic_v5_db_request(test_vmcr(1, 31), BIT(0)), 0);
}

static struct kunit_case vgic_v5_irs_test_cases[] = {
	KUNIT_CASE(vgic_v5_ist_fmt_linear_test),
	KUNIT_CASE(vgic_v5_ist_fmt_metadata_test),
	KUNIT_CASE(vgic_v5_ist_fmt_two_level_test),
	KUNIT_CASE(vgic_v5_vistd_test),
	KUNIT_CASE(vgic_v5_vmte_test),
	KUNIT_CASE(vgic_v5_db_request_test),
	{}
};

static struct kunit_suite vgic_v5_irs_test_suite = {
	.name = "kvm-vgic-v5-irs",
	.test_cases = vgic_v5_irs_test_cases,
};

kunit_test_suite(vgic_v5_irs_test_suite);
