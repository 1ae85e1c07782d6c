// SPDX-License-Identifier: GPL-2.0
/*
 * vgic_v5_lpi - LPIs of the KVM GICv5 IRS in guest-configured ISTs
 *
 * The guest sets up its LPI IST in guest memory as the Linux GICv5 driver
 * does (drivers/irqchip/irq-gic-v5-irs.c), with the same register order,
 * and takes LPIs made pending with GIC CDPEND or with MSIs to the IRS
 * SETLPI frame:
 * - a two-level IST whose L2 tables are mapped on demand with
 *   IRS_MAP_L2_ISTR; an LPI of an unmapped range is dropped;
 * - a linear IST, with the LPIs at the top of its ID range;
 * - an LPI that one vCPU routes to another and makes pending;
 * - MSIs (KVM_SIGNAL_MSI) to the SETLPI frame, in and out of the IST.
 * Every case uses a VM of its own.
 *
 * The test is skipped when KVM cannot create a GICv5 device with an IRS;
 * a case is skipped when the IRS the VM presents lacks what it needs.
 */
#include <endian.h>
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>

#include <linux/bitfield.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <asm/kvm.h>

#include <arm64/gic_v5.h>
#include <arm64/gic_v5_irs.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

/* The SETLPI frame's register */
#define IRS_SETLPIR			(IRS_SETLPI_FRAME + 0x0000)

/* IRS_IDR2.IST_L2SZ is a bitmap of the supported L2SZ encodings */
#define IST_L2SZ_SUPPORTED(idr2, l2sz)	\
	(FIELD_GET(GICV5_IRS_IDR2_IST_L2SZ, idr2) & BIT(l2sz))

/* Highest priority: always above the ICC_PCR_EL1 mask of the guest. */
#define TEST_IRQ_PRI			0

/*
 * LPI ID bits of a linear IST: Linux's (LPI_ID_BITS_LINEAR), and the most
 * that KVM backs (which Linux uses only with two levels).
 */
#define LINEAR_LPI_ID_BITS		12
#define LINEAR_LPI_ID_BITS_MAX		16

/*
 * Guest memory for the ISTs, a memslot of its own, identity-mapped: the
 * L1 (or linear) table at its start, aligned to its size, and the L2
 * tables from IST_L2_OFFSET on, one per 64 KiB so that any L2 size is
 * aligned to its size. Memory of a new memslot is zero.
 */
#define IST_MEMSLOT			1
#define IST_REGION_GPA			0x20000000ULL
#define IST_REGION_SIZE			SZ_2M
#define IST_L2_OFFSET			SZ_1M
#define IST_L2_STRIDE			SZ_64K
#define IST_MAX_L2			((IST_REGION_SIZE - IST_L2_OFFSET) / IST_L2_STRIDE)

#define NR_VCPUS_MAX			2

enum {
	STAGE_SKIP_NO_TWO_LEVEL = 1,
	STAGE_SKIP_NO_SETLPI,
	STAGE_READY,
	STAGE_SENT,
	STAGE_WAITING,
	STAGE_SEND_AGAIN,
	STAGE_MSI,
	STAGE_MSI_UNMAPPED,
	STAGE_REBOOT,
};

/* Set by the host before the guest runs */
static u64 guest_ist_gpa;
static u64 guest_page_size;
static u32 guest_linear_id_bits;

/* The guest's LPI IST, as the Linux driver keeps it (gicv5_global_data.ist) */
static struct {
	u32 lpi_id_bits;
	bool two_level;
	u32 l2_bits;
	u32 nr_l2;
} guest_ist;

/* Whether the current case found its requirements unmet */
static bool test_skipped;

/* ------------------------------------------------------------------ */
/* Guest side                                                          */
/* ------------------------------------------------------------------ */

static u64 guest_lpi(u32 id)
{
	return FIELD_PREP(GICV5_HWIRQ_TYPE, GICV5_HWIRQ_TYPE_LPI) |
	       FIELD_PREP(GICV5_HWIRQ_ID, id);
}

static u32 guest_iaffid(void)
{
	return FIELD_GET(ICC_IAFFIDR_EL1_IAFFID, read_sysreg_s(SYS_ICC_IAFFIDR_EL1));
}

/* The ID bits of the CPU interface, as the Linux driver reads them */
static u32 guest_cpuif_id_bits(void)
{
	u64 idr0 = read_sysreg_s(SYS_ICC_IDR0_EL1);

	if (FIELD_GET(ICC_IDR0_EL1_ID_BITS, idr0) == ICC_IDR0_EL1_ID_BITS_24BITS)
		return 24;
	return 16;
}

/* Wait (IRQs unmasked) for exactly one interrupt, then mask IRQs again. */
static void guest_wait_for_lpi(u64 intid)
{
	u64 deadline = guest_deadline();

	local_irq_enable();
	while (!READ_ONCE(irq_count) && !guest_deadline_passed(deadline))
		cpu_relax();
	local_irq_disable();

	__GUEST_ASSERT(READ_ONCE(irq_count) == 1, "%u interrupts, want LPI 0x%lx",
		       READ_ONCE(irq_count), (unsigned long)intid);
	GUEST_ASSERT_EQ(READ_ONCE(irq_intid), intid);
	guest_assert_nothing_pending();
	WRITE_ONCE(irq_count, 0);
}

/* The CPU interface on, IRQs masked. */
static void guest_cpu_setup(void)
{
	local_irq_disable();
	gicv5_cpu_enable_interrupts();
	isb();
}

static void guest_irs_enable(void)
{
	irs_write32(GICV5_IRS_CR0_IRSEN, GICV5_IRS_CR0);
	irs_wait_for_idle(GICV5_IRS_CR0, GICV5_IRS_CR0_IDLE);
	GUEST_ASSERT(irs_read32(GICV5_IRS_CR0) & GICV5_IRS_CR0_IRSEN);
}

/* Prioritise an LPI, target it at the PE of @iaffid and enable it. */
static void guest_lpi_enable(u32 id, u32 iaffid)
{
	u64 intid = guest_lpi(id);

	gic_insn(intid | FIELD_PREP(GICV5_GIC_CDPRI_PRIORITY_MASK, TEST_IRQ_PRI),
		 CDPRI);
	gic_insn(intid | FIELD_PREP(GICV5_GIC_CDAFF_IAFFID_MASK, iaffid), CDAFF);
	gic_insn(intid, CDEN);
	gsb_sys();
	isb();
}

static void guest_lpi_pend(u32 id)
{
	gic_insn(guest_lpi(id) | FIELD_PREP(GICV5_GIC_CDPEND_PENDING_MASK, 1), CDPEND);
	gsb_sys();
	isb();
}

/* An LPI of this vCPU's, made pending by itself, taken once. */
static void guest_take_lpi(u32 id)
{
	guest_lpi_enable(id, guest_iaffid());
	guest_lpi_pend(id);
	guest_wait_for_lpi(guest_lpi(id));
}

/* An LPI with no IST entry: configuring it and CDPEND are dropped. */
static void guest_lpi_dropped(u32 id)
{
	guest_lpi_enable(id, guest_iaffid());
	guest_lpi_pend(id);
	guest_assert_no_irq();
}

/* ISTE size, from IRS_IDR2 and the LPI ID bits (gicv5_irs_init_ist()) */
static u32 guest_istsz(u32 idr2, u32 lpi_id_bits)
{
	if (!FIELD_GET(GICV5_IRS_IDR2_ISTMD, idr2))
		return GICV5_IRS_IST_CFGR_ISTSZ_4;
	if (lpi_id_bits < FIELD_GET(GICV5_IRS_IDR2_ISTMD_SZ, idr2))
		return GICV5_IRS_IST_CFGR_ISTSZ_8;
	return GICV5_IRS_IST_CFGR_ISTSZ_16;
}

/* L2 table size: the page size if supported, else 4K, else 64K (gicv5_irs_l2_sz()) */
static u32 guest_l2sz(u32 idr2)
{
	switch (guest_page_size) {
	case SZ_64K:
		if (IST_L2SZ_SUPPORTED(idr2, GICV5_IRS_IST_CFGR_L2SZ_64K))
			return GICV5_IRS_IST_CFGR_L2SZ_64K;
		fallthrough;
	case SZ_4K:
		if (IST_L2SZ_SUPPORTED(idr2, GICV5_IRS_IST_CFGR_L2SZ_4K))
			return GICV5_IRS_IST_CFGR_L2SZ_4K;
		fallthrough;
	case SZ_16K:
		if (IST_L2SZ_SUPPORTED(idr2, GICV5_IRS_IST_CFGR_L2SZ_16K))
			return GICV5_IRS_IST_CFGR_L2SZ_16K;
		break;
	}

	if (IST_L2SZ_SUPPORTED(idr2, GICV5_IRS_IST_CFGR_L2SZ_4K))
		return GICV5_IRS_IST_CFGR_L2SZ_4K;
	return GICV5_IRS_IST_CFGR_L2SZ_64K;
}

/* IST_CFGR, then IST_BASER.VALID, then wait for IST_STATUSR.IDLE. */
static void guest_ist_write_regs(u32 structure, u32 istsz, u32 l2sz, u32 lpi_id_bits)
{
	u64 baser = (guest_ist_gpa & GICV5_IRS_IST_BASER_ADDR_MASK) |
		    FIELD_PREP(GICV5_IRS_IST_BASER_VALID, 1);

	irs_write32(FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE, structure) |
		    FIELD_PREP(GICV5_IRS_IST_CFGR_ISTSZ, istsz) |
		    FIELD_PREP(GICV5_IRS_IST_CFGR_L2SZ, l2sz) |
		    FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, lpi_id_bits),
		    GICV5_IRS_IST_CFGR);
	irs_write64(baser, GICV5_IRS_IST_BASER);
	irs_wait_for_idle(GICV5_IRS_IST_STATUSR, GICV5_IRS_STATUSR_IDLE);

	/* An IST_CFGR the IRS does not accept would leave the IST invalid. */
	GUEST_ASSERT_EQ(irs_read64(GICV5_IRS_IST_BASER), baser);
}

static void guest_ist_preset_l1(void);

/*
 * Make the LPI IST valid as gicv5_irs_init_ist() does: two-level with
 * IDR2.ID_BITS when the IRS offers it and one L2 table cannot cover
 * them, otherwise linear with @linear_id_bits (at least MIN_LPI_ID_BITS,
 * at most ID_BITS); both capped by the ID bits of the CPU interface.
 * With @preset_l1, a two-level IST's L2 tables are allocated up front and
 * their L1 entries written VALID before the IST is made valid.
 */
static void guest_ist_setup(bool two_level_ok, u32 linear_id_bits, bool preset_l1)
{
	u32 idr2 = irs_read32(GICV5_IRS_IDR2);
	u32 id_bits = FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2);
	u32 min_bits = FIELD_GET(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, idr2);
	bool two_level = two_level_ok && FIELD_GET(GICV5_IRS_IDR2_IST_LEVELS, idr2);
	u32 lpi_id_bits, istsz, l2sz = GICV5_IRS_IST_CFGR_L2SZ_4K;
	u64 size;

	GUEST_ASSERT(idr2 & GICV5_IRS_IDR2_LPI);
	GUEST_ASSERT(!(irs_read64(GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID));

	if (two_level)
		lpi_id_bits = id_bits;
	else
		lpi_id_bits = min_t(u32, max_t(u32, linear_id_bits, min_bits), id_bits);
	lpi_id_bits = min_t(u32, lpi_id_bits, guest_cpuif_id_bits());

	if (two_level)
		l2sz = guest_l2sz(idr2);
	istsz = guest_istsz(idr2, lpi_id_bits);

	guest_ist.lpi_id_bits = lpi_id_bits;
	guest_ist.l2_bits = (10 - istsz) + 2 * l2sz;
	guest_ist.two_level = two_level && lpi_id_bits > guest_ist.l2_bits;
	guest_ist.nr_l2 = 0;

	if (guest_ist.two_level) {
		size = BIT(max_t(u32, 5, lpi_id_bits - guest_ist.l2_bits + 2) + 1);
		GUEST_ASSERT(size <= IST_L2_OFFSET);
		if (preset_l1)
			guest_ist_preset_l1();
		guest_ist_write_regs(GICV5_IRS_IST_CFGR_STRUCTURE_TWO_LEVEL, istsz,
				     l2sz, lpi_id_bits);
	} else {
		size = BIT(max_t(u32, 5, lpi_id_bits + 1 + istsz) + 1);
		GUEST_ASSERT(size <= IST_REGION_SIZE);
		guest_ist_write_regs(GICV5_IRS_IST_CFGR_STRUCTURE_LINEAR, istsz,
				     GICV5_IRS_IST_CFGR_L2SZ_4K, lpi_id_bits);
	}
}

static __le64 *guest_ist_l1e(u32 index)
{
	return (__le64 *)guest_ist_gpa + index;
}

static u64 guest_ist_l1e_read(u32 index)
{
	return le64toh(READ_ONCE(*guest_ist_l1e(index)));
}

/*
 * Map the L2 table of the range of @lpi as gicv5_irs_iste_alloc() does:
 * the L1 entry with L2_ADDR and VALID clear, IRS_MAP_L2_ISTR with the
 * LPI, wait for IST_STATUSR.IDLE. The IRS then has set VALID.
 */
static void guest_ist_map_l2(u32 lpi)
{
	u32 index = lpi >> guest_ist.l2_bits;
	u64 l2 = guest_ist_gpa + IST_L2_OFFSET + guest_ist.nr_l2 * IST_L2_STRIDE;

	GUEST_ASSERT(guest_ist.two_level);
	GUEST_ASSERT(guest_ist.nr_l2 < IST_MAX_L2);
	GUEST_ASSERT(!(guest_ist_l1e_read(index) & GICV5_ISTL1E_VALID));

	WRITE_ONCE(*guest_ist_l1e(index), htole64(l2 & GICV5_ISTL1E_L2_ADDR_MASK));
	dsb(ishst);

	irs_write32(FIELD_PREP(GICV5_IRS_MAP_L2_ISTR_ID, lpi), GICV5_IRS_MAP_L2_ISTR);
	irs_wait_for_idle(GICV5_IRS_IST_STATUSR, GICV5_IRS_STATUSR_IDLE);

	__GUEST_ASSERT(guest_ist_l1e_read(index) == (l2 | GICV5_ISTL1E_VALID),
		       "L1 ISTE %u after MAP_L2_ISTR: 0x%lx, want 0x%lx", index,
		       (unsigned long)guest_ist_l1e_read(index),
		       (unsigned long)(l2 | GICV5_ISTL1E_VALID));
	guest_ist.nr_l2++;
}

/*
 * Every L2 table allocated before the IST is made valid: the L1 entries
 * are written with L2_ADDR and VALID, and MAP_L2_ISTR is never needed.
 * As many as the IST memory holds: the first guest_ist.nr_l2 ranges.
 */
static void guest_ist_preset_l1(void)
{
	u32 nr_ranges = BIT(guest_ist.lpi_id_bits - guest_ist.l2_bits);
	u64 l2;

	for (guest_ist.nr_l2 = 0; guest_ist.nr_l2 < min_t(u32, nr_ranges, IST_MAX_L2);
	     guest_ist.nr_l2++) {
		l2 = guest_ist_gpa + IST_L2_OFFSET + guest_ist.nr_l2 * IST_L2_STRIDE;
		WRITE_ONCE(*guest_ist_l1e(guest_ist.nr_l2),
			   htole64((l2 & GICV5_ISTL1E_L2_ADDR_MASK) | GICV5_ISTL1E_VALID));
	}
	dsb(ishst);
}

/* Skip unless the IST is two-level with at least @nr_ranges L2 ranges. */
static void guest_require_two_level(u32 nr_ranges)
{
	if (guest_ist.two_level &&
	    BIT(guest_ist.lpi_id_bits - guest_ist.l2_bits) >= nr_ranges)
		return;

	GUEST_SYNC(STAGE_SKIP_NO_TWO_LEVEL);
	GUEST_DONE();
}

/*
 * Two-level IST: an LPI of a mapped L2 range is taken; one of a range not
 * mapped yet is dropped, until its range is mapped.
 */
static void guest_code_two_level(void)
{
	u32 nr_ranges, mapped, top;

	guest_cpu_setup();
	guest_irs_enable();
	guest_ist_setup(true, LINEAR_LPI_ID_BITS, false);
	guest_require_two_level(4);

	nr_ranges = BIT(guest_ist.lpi_id_bits - guest_ist.l2_bits);
	mapped = BIT(guest_ist.l2_bits) + 5;		/* range 1 */
	top = BIT(guest_ist.lpi_id_bits) - 1;		/* the last range */

	guest_ist_map_l2(mapped);
	guest_take_lpi(mapped);

	/* Other L1 entries are untouched. */
	GUEST_ASSERT_EQ(guest_ist_l1e_read(0), 0);
	GUEST_ASSERT_EQ(guest_ist_l1e_read(2), 0);
	GUEST_ASSERT_EQ(guest_ist_l1e_read(nr_ranges - 1), 0);

	/* Range 2 and the last one are not mapped. */
	guest_lpi_dropped(2 * BIT(guest_ist.l2_bits));
	guest_lpi_dropped(top);

	/* Mapped, the last range works; its ID range ends at the top. */
	guest_ist_map_l2(top - 1);
	guest_take_lpi(top);
	guest_take_lpi(top - BIT(guest_ist.l2_bits) + 1);

	/* Mapping a mapped range again changes nothing. */
	irs_write32(FIELD_PREP(GICV5_IRS_MAP_L2_ISTR_ID, mapped + 1),
		    GICV5_IRS_MAP_L2_ISTR);
	irs_wait_for_idle(GICV5_IRS_IST_STATUSR, GICV5_IRS_STATUSR_IDLE);
	GUEST_ASSERT_EQ(guest_ist_l1e_read(1),
			(guest_ist_gpa + IST_L2_OFFSET) | GICV5_ISTL1E_VALID);
	guest_take_lpi(mapped);

	GUEST_DONE();
}

/*
 * Two-level IST with every L2 table allocated up front and its L1 entry
 * written VALID by the guest before the IST is made valid (no
 * MAP_L2_ISTR): the LPIs of those ranges are taken, the L1 entries are
 * left as they are. Made invalid and valid again over the same L1 table,
 * the IST keeps its ranges.
 */
static void guest_code_two_level_preset(void)
{
	u32 nr_ranges, last, lpi;
	u64 baser;

	guest_cpu_setup();
	guest_irs_enable();
	guest_ist_setup(true, LINEAR_LPI_ID_BITS, true);
	guest_require_two_level(2);

	nr_ranges = BIT(guest_ist.lpi_id_bits - guest_ist.l2_bits);
	last = guest_ist.nr_l2 - 1;
	lpi = BIT(guest_ist.l2_bits) + 5;		/* range 1 */

	guest_take_lpi(lpi);
	guest_take_lpi(((last + 1) << guest_ist.l2_bits) - 1);
	GUEST_ASSERT_EQ(guest_ist_l1e_read(1),
			(guest_ist_gpa + IST_L2_OFFSET + IST_L2_STRIDE) | GICV5_ISTL1E_VALID);
	if (nr_ranges > guest_ist.nr_l2)
		guest_lpi_dropped(guest_ist.nr_l2 << guest_ist.l2_bits);

	baser = irs_read64(GICV5_IRS_IST_BASER);
	irs_write64(baser & ~GICV5_IRS_IST_BASER_VALID, GICV5_IRS_IST_BASER);
	irs_wait_for_idle(GICV5_IRS_IST_STATUSR, GICV5_IRS_STATUSR_IDLE);
	GUEST_ASSERT_EQ(irs_read64(GICV5_IRS_IST_BASER), baser & ~GICV5_IRS_IST_BASER_VALID);
	irs_write64(baser, GICV5_IRS_IST_BASER);
	irs_wait_for_idle(GICV5_IRS_IST_STATUSR, GICV5_IRS_STATUSR_IDLE);
	GUEST_ASSERT_EQ(irs_read64(GICV5_IRS_IST_BASER), baser);

	guest_take_lpi(lpi);

	GUEST_DONE();
}

/* Linear IST: the LPIs at the top of its ID range; the next ID is none. */
static void guest_code_linear(void)
{
	u32 top;

	guest_cpu_setup();
	guest_irs_enable();
	guest_ist_setup(false, guest_linear_id_bits, false);

	GUEST_ASSERT(!guest_ist.two_level);
	top = BIT(guest_ist.lpi_id_bits) - 1;

	guest_take_lpi(top);
	guest_take_lpi(top - 1);
	guest_take_lpi(0);

	if (guest_ist.lpi_id_bits < guest_cpuif_id_bits())
		guest_lpi_dropped(top + 1);

	GUEST_DONE();
}

/*
 * A guest that reboots: it brings up its IRS and a linear IST and takes an
 * LPI, then has the VMM reboot it in place. It then boots again as Linux
 * does, which requires IRS_IST_BASER not to be valid and IRS_CR0.IRSEN
 * clear, and takes an LPI again.
 */
static void guest_code_reboot(void)
{
	for (int boot = 0; boot < 2; boot++) {
		guest_cpu_setup();
		GUEST_ASSERT(!(irs_read32(GICV5_IRS_CR0) & GICV5_IRS_CR0_IRSEN));
		guest_irs_enable();
		guest_ist_setup(false, LINEAR_LPI_ID_BITS, false);
		guest_take_lpi(5);
		if (!boot)
			GUEST_SYNC(STAGE_REBOOT);
	}

	GUEST_DONE();
}

/* The LPIs vCPU 0 sends to vCPU 1, at the top of the IST */
static u32 cross_lpis[2];

/*
 * vCPU 0 routes LPIs to vCPU 1 (IAFFID 1) and makes them pending: the
 * first while vCPU 1 is held out of the guest, the second once vCPU 1 has
 * gone back to wait for it.
 */
static void guest_code_cross_vcpu(void)
{
	u32 iaffid = guest_iaffid();

	guest_cpu_setup();

	if (iaffid == 1) {
		GUEST_SYNC(STAGE_READY);
		/* vCPU 0 has set up the IST by now. */
		guest_wait_for_lpi(guest_lpi(READ_ONCE(cross_lpis[0])));
		GUEST_SYNC(STAGE_WAITING);
		guest_wait_for_lpi(guest_lpi(READ_ONCE(cross_lpis[1])));
		GUEST_DONE();
	}

	GUEST_ASSERT_EQ(iaffid, 0);
	guest_irs_enable();
	guest_ist_setup(true, LINEAR_LPI_ID_BITS, false);
	WRITE_ONCE(cross_lpis[0], BIT(guest_ist.lpi_id_bits) - 1);
	WRITE_ONCE(cross_lpis[1], BIT(guest_ist.lpi_id_bits) - 2);
	if (guest_ist.two_level)
		guest_ist_map_l2(cross_lpis[0]);	/* covers both */

	guest_lpi_enable(cross_lpis[0], 1);
	guest_lpi_pend(cross_lpis[0]);
	guest_assert_nothing_pending();
	GUEST_SYNC(STAGE_SENT);

	GUEST_SYNC(STAGE_SEND_AGAIN);
	guest_lpi_enable(cross_lpis[1], 1);
	guest_lpi_pend(cross_lpis[1]);
	guest_assert_nothing_pending();

	GUEST_DONE();
}

/*
 * MSIs to IRS_SETLPIR: the host signals an LPI of an unmapped range, one
 * beyond the IST (if there is such an ID) and one of a mapped range; only
 * the last is taken. Once mapped, the first one is taken from an MSI.
 */
static void guest_code_msi(void)
{
	u32 mapped, unmapped, beyond;

	guest_cpu_setup();
	guest_irs_enable();
	if (!(irs_read32(GICV5_IRS_IDR0) & GICV5_IRS_IDR0_SETLPI)) {
		GUEST_SYNC(STAGE_SKIP_NO_SETLPI);
		GUEST_DONE();
	}

	guest_ist_setup(true, LINEAR_LPI_ID_BITS, false);
	guest_require_two_level(3);

	mapped = BIT(guest_ist.l2_bits) + 7;
	unmapped = 2 * BIT(guest_ist.l2_bits) + 7;
	beyond = guest_ist.lpi_id_bits < 24 ? BIT(guest_ist.lpi_id_bits) : 0;

	guest_ist_map_l2(mapped);
	guest_lpi_enable(mapped, guest_iaffid());
	guest_lpi_enable(unmapped, guest_iaffid());

	GUEST_SYNC_ARGS(STAGE_MSI, mapped, unmapped, beyond, 0);
	guest_wait_for_lpi(guest_lpi(mapped));

	/* The dropped MSI left nothing behind. */
	guest_ist_map_l2(unmapped);
	guest_lpi_enable(unmapped, guest_iaffid());
	guest_assert_no_irq();

	GUEST_SYNC_ARGS(STAGE_MSI_UNMAPPED, unmapped, 0, 0, 0);
	guest_wait_for_lpi(guest_lpi(unmapped));

	GUEST_DONE();
}

/* ------------------------------------------------------------------ */
/* Host side                                                           */
/* ------------------------------------------------------------------ */

struct lpi_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[NR_VCPUS_MAX];
	int gic_fd;
};

typedef void (*on_sync_fn)(struct lpi_vm *v, struct kvm_vcpu *vcpu, struct ucall *uc);

/*
 * A VM ready to run a guest on @nr_vcpus vCPUs: IRS at IRS_BASE_GPA, the
 * IST memory at IST_REGION_GPA (both identity-mapped), IRQ handler
 * installed, VGIC initialized.
 */
static void lpi_vm_create(struct lpi_vm *v, unsigned int nr_vcpus, void *guest_code)
{
	u64 base = IRS_BASE_GPA;
	unsigned int i;

	TEST_ASSERT(nr_vcpus <= NR_VCPUS_MAX, "%u vCPUs", nr_vcpus);

	v->vm = __vm_create(VM_SHAPE_DEFAULT, nr_vcpus, 0);
	v->gic_fd = kvm_create_device(v->vm, KVM_DEV_TYPE_ARM_VGIC_V5);
	for (i = 0; i < nr_vcpus; i++)
		v->vcpus[i] = vm_vcpu_add(v->vm, i, guest_code);

	vm_init_descriptor_tables(v->vm);
	for (i = 0; i < nr_vcpus; i++)
		vcpu_init_descriptor_tables(v->vcpus[i]);
	vm_install_exception_handler(v->vm, VECTOR_IRQ_CURRENT, guest_irq_handler);

	kvm_device_attr_set(v->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			    KVM_VGIC_V5_ADDR_TYPE_IRS, &base);
	virt_map(v->vm, IRS_BASE_GPA, IRS_BASE_GPA,
		 vm_calc_num_guest_pages(v->vm->mode, KVM_VGIC_V5_IRS_SIZE));
	kvm_device_attr_set(v->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			    KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);

	vm_userspace_mem_region_add(v->vm, VM_MEM_SRC_ANONYMOUS, IST_REGION_GPA,
				    IST_MEMSLOT, IST_REGION_SIZE / v->vm->page_size, 0);
	virt_map(v->vm, IST_REGION_GPA, IST_REGION_GPA,
		 IST_REGION_SIZE / v->vm->page_size);

	guest_ist_gpa = IST_REGION_GPA;
	guest_page_size = v->vm->page_size;
	sync_global_to_guest(v->vm, guest_ist_gpa);
	sync_global_to_guest(v->vm, guest_page_size);
}

static void lpi_vm_destroy(struct lpi_vm *v)
{
	close(v->gic_fd);
	kvm_vm_free(v->vm);
}

/* Run a vCPU to GUEST_DONE, handing every GUEST_SYNC to @on_sync. */
static void lpi_vcpu_run(struct lpi_vm *v, struct kvm_vcpu *vcpu, on_sync_fn on_sync)
{
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);

		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			switch (uc.args[1]) {
			case STAGE_SKIP_NO_TWO_LEVEL:
				ksft_print_msg("no two-level IST of several L2 tables\n");
				test_skipped = true;
				break;
			case STAGE_SKIP_NO_SETLPI:
				ksft_print_msg("no IRS SETLPI frame\n");
				test_skipped = true;
				break;
			default:
				TEST_ASSERT(on_sync, "vCPU %u: unexpected GUEST_SYNC(%lu)",
					    vcpu->id, (unsigned long)uc.args[1]);
				on_sync(v, vcpu, &uc);
			}
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		case UCALL_DONE:
			return;
		default:
			TEST_FAIL("vCPU %u: unknown ucall %lu", vcpu->id, uc.cmd);
		}
	}
}

/*
 * Two-level IST, with L2 tables mapped as Linux maps them: the LPIs of
 * mapped ranges are taken (down to the last ID), those of unmapped ones
 * are not.
 */
static void test_two_level_ist(void)
{
	struct lpi_vm v;

	lpi_vm_create(&v, 1, guest_code_two_level);
	lpi_vcpu_run(&v, v.vcpus[0], NULL);
	lpi_vm_destroy(&v);
}

/* Two-level IST whose L1 entries the guest wrote VALID itself. */
static void test_two_level_ist_preset(void)
{
	struct lpi_vm v;

	lpi_vm_create(&v, 1, guest_code_two_level_preset);
	lpi_vcpu_run(&v, v.vcpus[0], NULL);
	lpi_vm_destroy(&v);
}

static void linear_ist_top(u32 lpi_id_bits)
{
	struct lpi_vm v;

	lpi_vm_create(&v, 1, guest_code_linear);
	guest_linear_id_bits = lpi_id_bits;
	sync_global_to_guest(v.vm, guest_linear_id_bits);
	lpi_vcpu_run(&v, v.vcpus[0], NULL);
	lpi_vm_destroy(&v);
}

/* Linear IST of Linux's ID bits: the LPIs at the top of its range. */
static void test_linear_ist_top(void)
{
	linear_ist_top(LINEAR_LPI_ID_BITS);
}

/* The same with the largest linear IST KVM takes. */
static void test_linear_ist_top_max(void)
{
	linear_ist_top(LINEAR_LPI_ID_BITS_MAX);
}

static sem_t cross_ready, cross_sent, cross_waiting;

static void cross_on_sync(struct lpi_vm *v, struct kvm_vcpu *vcpu, struct ucall *uc)
{
	switch (uc->args[1]) {
	case STAGE_READY:
		TEST_ASSERT_EQ(vcpu->id, 1);
		sem_post(&cross_ready);
		/* vCPU 1 stays out of the guest until its LPI is pending. */
		sem_wait(&cross_sent);
		break;
	case STAGE_SENT:
		TEST_ASSERT_EQ(vcpu->id, 0);
		sem_post(&cross_sent);
		break;
	case STAGE_WAITING:
		TEST_ASSERT_EQ(vcpu->id, 1);
		sem_post(&cross_waiting);
		break;
	case STAGE_SEND_AGAIN:
		TEST_ASSERT_EQ(vcpu->id, 0);
		/* vCPU 1 is back in the guest, waiting for the LPI. */
		sem_wait(&cross_waiting);
		break;
	default:
		TEST_FAIL("vCPU %u: unexpected stage %lu", vcpu->id,
			  (unsigned long)uc->args[1]);
	}
}

struct cross_thread {
	struct lpi_vm *v;
	struct kvm_vcpu *vcpu;
	pthread_t thread;
};

static void *cross_vcpu_thread(void *arg)
{
	struct cross_thread *t = arg;

	/* vCPU 0 starts once vCPU 1's CPU interface is on. */
	if (t->vcpu->id == 0)
		sem_wait(&cross_ready);
	lpi_vcpu_run(t->v, t->vcpu, cross_on_sync);
	return NULL;
}

/* An LPI that vCPU 0 targets at vCPU 1 and makes pending reaches vCPU 1. */
static void test_cross_vcpu_lpi(void)
{
	struct cross_thread t[2];
	struct lpi_vm v;
	int i, ret;

	TEST_ASSERT(!sem_init(&cross_ready, 0, 0) && !sem_init(&cross_sent, 0, 0) &&
		    !sem_init(&cross_waiting, 0, 0), "sem_init");

	lpi_vm_create(&v, 2, guest_code_cross_vcpu);
	for (i = 0; i < 2; i++) {
		t[i] = (struct cross_thread) { .v = &v, .vcpu = v.vcpus[i] };
		ret = pthread_create(&t[i].thread, NULL, cross_vcpu_thread, &t[i]);
		TEST_ASSERT(!ret, "pthread_create: %d", ret);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i].thread, NULL);
	lpi_vm_destroy(&v);

	sem_destroy(&cross_ready);
	sem_destroy(&cross_sent);
	sem_destroy(&cross_waiting);
}

static void signal_setlpi(struct kvm_vm *vm, u32 id, int want, const char *what)
{
	int ret = signal_msi(vm, IRS_BASE_GPA + IRS_SETLPIR, id);

	TEST_ASSERT(ret == want, "MSI to IRS_SETLPIR for %s LPI %u: ret %d errno %d, want %d",
		    what, id, ret, ret < 0 ? errno : 0, want);
}

/*
 * KVM_SIGNAL_MSI returns 1 for an LPI made pending and 0 for one the IRS
 * drops because the guest IST has no entry for it.
 */
static void msi_on_sync(struct lpi_vm *v, struct kvm_vcpu *vcpu, struct ucall *uc)
{
	switch (uc->args[1]) {
	case STAGE_MSI:
		signal_setlpi(v->vm, uc->args[3], 0, "an unmapped");
		if (uc->args[4])
			signal_setlpi(v->vm, uc->args[4], 0, "an out of range");
		signal_setlpi(v->vm, uc->args[2], 1, "a mapped");
		break;
	case STAGE_MSI_UNMAPPED:
		signal_setlpi(v->vm, uc->args[2], 1, "a newly mapped");
		break;
	default:
		TEST_FAIL("unexpected stage %lu", (unsigned long)uc->args[1]);
	}
}

/* The VMM's part of a guest reboot carried out in place, as QEMU does */
static void reboot_on_sync(struct lpi_vm *v, struct kvm_vcpu *vcpu, struct ucall *uc)
{
	TEST_ASSERT_EQ(uc->args[1], STAGE_REBOOT);
	kvm_device_attr_set(v->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			    KVM_DEV_ARM_VGIC_CTRL_RESET, NULL);
}

/* KVM_DEV_ARM_VGIC_CTRL_RESET lets a guest boot again in the same VM. */
static void test_reboot(void)
{
	struct lpi_vm v;

	lpi_vm_create(&v, 1, guest_code_reboot);
	if (__kvm_has_device_attr(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
				  KVM_DEV_ARM_VGIC_CTRL_RESET)) {
		ksft_print_msg("no KVM_DEV_ARM_VGIC_CTRL_RESET\n");
		test_skipped = true;
	} else {
		lpi_vcpu_run(&v, v.vcpus[0], reboot_on_sync);
	}
	lpi_vm_destroy(&v);
}

/* MSIs to the SETLPI frame, for LPIs of a two-level IST and beyond it. */
static void test_setlpi_msi(void)
{
	struct lpi_vm v;

	lpi_vm_create(&v, 1, guest_code_msi);
	lpi_vcpu_run(&v, v.vcpus[0], msi_on_sync);
	lpi_vm_destroy(&v);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "two_level_ist",		test_two_level_ist },
	{ "two_level_ist_preset",	test_two_level_ist_preset },
	{ "linear_ist_top",		test_linear_ist_top },
	{ "linear_ist_top_max",		test_linear_ist_top_max },
	{ "cross_vcpu_lpi",		test_cross_vcpu_lpi },
	{ "setlpi_msi",			test_setlpi_msi },
	{ "reboot",			test_reboot },
};

int main(void)
{
	int i;

	test_disable_default_vgic();

	__TEST_REQUIRE(kvm_supports_vgic_v5_irs(),
		       "No GICv5 IRS support; not running the GICv5 LPI tests");

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		test_skipped = false;
		tests[i].fn();
		if (test_skipped)
			ksft_test_result_skip("%s\n", tests[i].name);
		else
			ksft_test_result_pass("%s\n", tests[i].name);
	}

	ksft_finished();
}
