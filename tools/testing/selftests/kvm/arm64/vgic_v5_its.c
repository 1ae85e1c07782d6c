// SPDX-License-Identifier: GPL-2.0
/*
 * vgic_v5_its - the GICv5 ITS of a KVM guest (KVM_DEV_TYPE_ARM_VGIC_V5_ITS)
 *
 * The first cases check the userspace ABI of the device: its creation,
 * its address, its control attributes, its registers. The others run a
 * guest that drives the ITS as the Linux driver does
 * (drivers/irqchip/irq-gic-v5-its.c), with the same register order and
 * tables in guest memory: the probe, a two-level or linear device table,
 * devices of 1, 32 and 2048 vectors, events mapped to LPIs of the guest's
 * IRS (linear or two-level IST) and routed with GIC CD* instructions. The
 * host then sends MSIs (KVM_SIGNAL_MSI with a DeviceID, or an irqfd on an
 * MSI route) to the translate frame, and the guest takes exactly the LPI
 * the tables say, on the vCPU the LPI targets, or nothing at all.
 *
 * The guest is a command loop: the host puts a command for a vCPU in
 * guest_cmds[] and runs that vCPU until it is back in GUEST_SYNC, so the
 * host side of each case reads as a sequence of guest and host actions.
 * The vCPUs run one at a time. Every case uses a VM of its own.
 *
 * The test is skipped when KVM cannot create a GICv5 ITS; a case is
 * skipped when the IRS the VM presents lacks what it needs.
 */
#include <endian.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bitfield.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/sizes.h>
#include <asm/kvm.h>

#include <arm64/gic_v5.h>
#include <arm64/gic_v5_irs.h>
#include <arm64/gic_v5_its.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "vgic_v5_save.h"

#define NR_VCPUS			2
#define NR_ITS_MAX			2

/* The ITS frames, identity-mapped: ITS n at ITS_GPA(n) */
#define ITS_BASE_GPA			0x8100000ULL
#define ITS_GPA(n)			(ITS_BASE_GPA + (n) * KVM_VGIC_V5_ITS_SIZE)
#define ITS_TRANSLATER_GPA(n)		(ITS_GPA(n) + GICV5_ITS_TRANSLATE_FRAME + \
					 GICV5_ITS_TRANSLATER)
#define ITS_CONFIG_FRAME_SIZE		SZ_64K

/* The IRS SETLPI frame's register, and IRS_SYNCR, which a device free uses */
#define IRS_SETLPIR			(IRS_SETLPI_FRAME + 0x0000)
#define GICV5_IRS_SYNCR			0x00c0
#define GICV5_IRS_SYNCR_SYNC		BIT(31)

/*
 * Guest memory for the GIC tables, a memslot of its own, identity-mapped
 * (new memslot memory is zero): the LPI IST (linear, or the L1 table) at
 * its start, the L2 ISTs from IST_L2_OFFSET on, 64 KiB apart so that any
 * L2 size is aligned to its size, and the ITS tables from ITS_MEM_OFFSET
 * on, each aligned to its size, as the guest allocates them.
 */
#define TABLES_MEMSLOT			1
#define TABLES_GPA			0x20000000ULL
#define TABLES_SIZE			SZ_4M
#define IST_L2_OFFSET			SZ_512K
#define IST_L2_STRIDE			SZ_64K
#define IST_MAX_L2			8
#define ITS_MEM_OFFSET			SZ_1M

/* A guest physical address no memslot holds */
#define GPA_NOT_RAM			0x30000000ULL

/* LPI ID bits of a linear IST (Linux's LPI_ID_BITS_LINEAR) */
#define LINEAR_LPI_ID_BITS		12

/* ICC_ICSR_EL1's pending bit, as GIC CDRCFG reports it */
#define ICSR_PENDING			BIT(2)

/* Highest priority: always above the ICC_PCR_EL1 mask of the guest. */
#define TEST_IRQ_PRI			0

/* KVM's default guest view of the ITS ID registers (ABI) */
#define KVM_ITS_DEVICEID_BITS		16
#define KVM_ITS_EVENTID_BITS		16
#define KVM_ITS_IDR1_DEFAULT						\
	(FIELD_PREP(GICV5_ITS_IDR1_L2SZ, 0b111) | GICV5_ITS_IDR1_DT_LEVELS |	\
	 FIELD_PREP(GICV5_ITS_IDR1_DEVICEID_BITS, KVM_ITS_DEVICEID_BITS))
#define KVM_ITS_IDR2_DEFAULT						\
	FIELD_PREP(GICV5_ITS_IDR2_EVENTID_BITS, KVM_ITS_EVENTID_BITS)

/* Number of bits of the index into an L2 table of each DT/ITT L2 size */
#define ITS_L2SZ_4K_L2_BITS		9
#define ITS_L2SZ_16K_L2_BITS		11
#define ITS_L2SZ_64K_L2_BITS		13

#define MAX_DEVS			16

enum guest_op {
	OP_NONE,
	OP_IST_SETUP,		/* two_level: returns lpi_id_bits | l2_bits << 8 */
	OP_LPI_ROUTE,		/* lpi, iaffid */
	OP_ITS_RESET_STATE,	/* its: returns IDR1 | IDR2 << 32 */
	OP_ITS_PROBE,		/* its */
	OP_DEVICE_ADD,		/* its, devid, nvec */
	OP_MAP,			/* its, devid, event, lpi */
	OP_UNMAP,		/* its, devid, event */
	OP_DEVICE_SYNC,		/* its, devid */
	OP_DEVICE_REMOVE,	/* its, devid */
	OP_ITSEN,		/* its, enable */
	OP_SET_DT_L1E,		/* its, l1 index, value */
	OP_SET_DTE,		/* its, devid, value */
	OP_SET_ITTE,		/* its, devid, event, value */
	OP_COPY_DTE,		/* its, devid, index: a linear DT's entry @index */
	OP_TRANSLATER,		/* its, data */
	OP_WAIT_LPI,		/* lpi */
	OP_NO_IRQ,
	OP_WFI_LPI,		/* lpi: GUEST_SYNC(1), then WFI, IRQs unmasked */
	OP_WAIT_PENDING,	/* lpi: until CDRCFG reports it pending */
};

struct guest_cmd {
	u64 op;
	u64 arg[4];
};

/* Set by the host */
static struct guest_cmd guest_cmds[NR_VCPUS];
static u64 guest_its_base[NR_ITS_MAX];
static u64 guest_page_size;

/* Whether the current case found its requirements unmet */
static bool test_skipped;

static u64 max_ipa_size;

/* ------------------------------------------------------------------ */
/* Guest side: the IRS, LPIs                                           */
/* ------------------------------------------------------------------ */

/* The guest's LPI IST */
static struct {
	bool two_level;
	u32 lpi_id_bits;
	u32 l2_bits;
	u32 nr_l2;
} guest_ist;

static u64 guest_lpi(u32 id)
{
	return guest_intid(GICV5_HWIRQ_TYPE_LPI, id);
}

static u64 *guest_table(u64 gpa)
{
	return (u64 *)(uintptr_t)gpa;
}

static u64 entry_read(u64 gpa)
{
	return le64toh(READ_ONCE(*guest_table(gpa)));
}

/* its_write_table_entry() of a coherent ITS: the store, then dsb */
static void entry_write(u64 gpa, u64 val)
{
	WRITE_ONCE(*guest_table(gpa), htole64(val));
	dsb(ishst);
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

/*
 * A two-level IST of IDR2.ID_BITS (at most 16) with the smallest L2 size
 * the IRS offers; L2 tables are mapped on demand (guest_ist_map_l2()).
 */
static void guest_two_level_ist_setup(void)
{
	u32 idr2 = irs_read32(GICV5_IRS_IDR2);
	u32 l2sz_bits = FIELD_GET(GICV5_IRS_IDR2_IST_L2SZ, idr2);
	u32 l2sz, istsz;
	u64 baser;

	GUEST_ASSERT(idr2 & GICV5_IRS_IDR2_IST_LEVELS);
	GUEST_ASSERT(l2sz_bits);

	l2sz = __builtin_ctz(l2sz_bits);
	guest_ist.lpi_id_bits = min_t(u32, FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2), 16);
	istsz = guest_istsz(idr2, guest_ist.lpi_id_bits);
	guest_ist.l2_bits = (10 - istsz) + 2 * l2sz;
	guest_ist.two_level = true;
	GUEST_ASSERT(guest_ist.lpi_id_bits > guest_ist.l2_bits);

	irs_write32(FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE,
			       GICV5_IRS_IST_CFGR_STRUCTURE_TWO_LEVEL) |
		    FIELD_PREP(GICV5_IRS_IST_CFGR_ISTSZ, istsz) |
		    FIELD_PREP(GICV5_IRS_IST_CFGR_L2SZ, l2sz) |
		    FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, guest_ist.lpi_id_bits),
		    GICV5_IRS_IST_CFGR);
	baser = TABLES_GPA | GICV5_IRS_IST_BASER_VALID;
	irs_write64(baser, GICV5_IRS_IST_BASER);
	irs_wait_for_idle(GICV5_IRS_IST_STATUSR, GICV5_IRS_STATUSR_IDLE);
	GUEST_ASSERT_EQ(irs_read64(GICV5_IRS_IST_BASER), baser);
}

/* Map the L2 IST of @lpi's range, as gicv5_irs_iste_alloc() does. */
static void guest_ist_map_l2(u32 lpi)
{
	u64 l1e = TABLES_GPA + 8 * (lpi >> guest_ist.l2_bits);
	u64 l2 = TABLES_GPA + IST_L2_OFFSET + guest_ist.nr_l2 * IST_L2_STRIDE;

	if (entry_read(l1e) & GICV5_ISTL1E_VALID)
		return;

	GUEST_ASSERT(guest_ist.nr_l2 < IST_MAX_L2);
	entry_write(l1e, l2 & GICV5_ISTL1E_L2_ADDR_MASK);
	irs_write32(FIELD_PREP(GICV5_IRS_MAP_L2_ISTR_ID, lpi), GICV5_IRS_MAP_L2_ISTR);
	irs_wait_for_idle(GICV5_IRS_IST_STATUSR, GICV5_IRS_STATUSR_IDLE);
	GUEST_ASSERT_EQ(entry_read(l1e), l2 | GICV5_ISTL1E_VALID);
	guest_ist.nr_l2++;
}

static u64 guest_ist_setup(bool two_level)
{
	if (two_level) {
		guest_two_level_ist_setup();
	} else {
		guest_linear_ist_setup(TABLES_GPA, LINEAR_LPI_ID_BITS, IST_L2_OFFSET);
		guest_ist.lpi_id_bits = FIELD_GET(GICV5_IRS_IST_CFGR_LPI_ID_BITS,
						  irs_read32(GICV5_IRS_IST_CFGR));
	}

	return guest_ist.lpi_id_bits | guest_ist.l2_bits << 8;
}

/* Prioritise an LPI, target it at the PE of @iaffid and enable it. */
static void guest_lpi_route(u32 lpi, u32 iaffid)
{
	u64 intid = guest_lpi(lpi);

	if (guest_ist.two_level)
		guest_ist_map_l2(lpi);

	gic_insn(intid | FIELD_PREP(GICV5_GIC_CDPRI_PRIORITY_MASK, TEST_IRQ_PRI), CDPRI);
	gic_insn(intid | FIELD_PREP(GICV5_GIC_CDAFF_IAFFID_MASK, iaffid), CDAFF);
	gic_insn(intid, CDEN);
	gsb_sys();
	isb();
}

/* ------------------------------------------------------------------ */
/* Guest side: the ITS driver                                          */
/* ------------------------------------------------------------------ */

/* What gicv5_its_chip_data and gicv5_its_dev keep */
static struct guest_its {
	u32 cfgr;		/* DT_CFGR as written */
	u64 devtab;		/* the linear DT, or the L1 DT */
} guest_its[NR_ITS_MAX];

static struct guest_its_dev {
	bool used;
	u32 its, devid;
	u32 event_id_bits;
	bool two_level_itt;
	u32 itt_l2_bits;
	u64 itt;		/* the linear ITT, or the L1 ITT */
} guest_devs[MAX_DEVS];

/* The ITS tables, allocated up from ITS_MEM_OFFSET, each aligned to its size */
static u64 guest_its_mem_next = TABLES_GPA + ITS_MEM_OFFSET;

static u64 guest_its_alloc(u64 size)
{
	u64 align = min_t(u64, roundup_pow_of_two(size), SZ_64K);
	u64 gpa = (guest_its_mem_next + align - 1) & ~(align - 1);

	GUEST_ASSERT(gpa + size <= TABLES_GPA + TABLES_SIZE);
	guest_its_mem_next = gpa + size;
	return gpa;
}

static void *its_reg(u32 its, u32 offset)
{
	return (void *)(uintptr_t)(guest_its_base[its] + offset);
}

static u32 its_read32(u32 its, u32 offset)
{
	return readl(its_reg(its, offset));
}

static void its_write32(u32 its, u32 val, u32 offset)
{
	writel(val, its_reg(its, offset));
}

static u64 its_read64(u32 its, u32 offset)
{
	return readq(its_reg(its, offset));
}

static void its_write64(u32 its, u64 val, u32 offset)
{
	writeq(val, its_reg(its, offset));
}

/* gicv5_wait_for_op() on an ITS register */
static u32 its_wait_for_idle(u32 its, u32 offset, u32 idle)
{
	u64 deadline = guest_deadline();
	u32 val;

	do {
		val = its_read32(its, offset);
		if (val & idle)
			return val;
	} while (!guest_deadline_passed(deadline));

	GUEST_FAIL("ITS %u register 0x%x not idle: 0x%x", its, offset, val);
	return val;
}

/* order_base_2(): the bits of an ID that counts @n items */
static u32 order_base_2_u32(u32 n)
{
	return n > 1 ? 32 - __builtin_clz(n - 1) : 0;
}

static u32 l2sz_to_l2_bits(u32 l2sz)
{
	switch (l2sz) {
	case GICV5_ITS_DT_ITT_CFGR_L2SZ_64k:
		return ITS_L2SZ_64K_L2_BITS;
	case GICV5_ITS_DT_ITT_CFGR_L2SZ_16k:
		return ITS_L2SZ_16K_L2_BITS;
	default:
		return ITS_L2SZ_4K_L2_BITS;
	}
}

/*
 * gicv5_its_l2sz_two_level(): whether the DT (@devtab) or an ITT can be
 * two-level, and with which L2 size: the page size if supported, else the
 * smallest supported one.
 */
static bool guest_l2sz_two_level(bool devtab, u32 idr1, u32 id_bits, u32 *sz)
{
	u32 l2sz = FIELD_GET(GICV5_ITS_IDR1_L2SZ, idr1);

	if (!(idr1 & (devtab ? GICV5_ITS_IDR1_DT_LEVELS : GICV5_ITS_IDR1_ITT_LEVELS)))
		return false;

	if (guest_page_size == SZ_64K && (l2sz & BIT(GICV5_ITS_DT_ITT_CFGR_L2SZ_64k)))
		*sz = GICV5_ITS_DT_ITT_CFGR_L2SZ_64k;
	else if (guest_page_size == SZ_16K && (l2sz & BIT(GICV5_ITS_DT_ITT_CFGR_L2SZ_16k)))
		*sz = GICV5_ITS_DT_ITT_CFGR_L2SZ_16k;
	else if (l2sz & BIT(GICV5_ITS_DT_ITT_CFGR_L2SZ_4k))
		*sz = GICV5_ITS_DT_ITT_CFGR_L2SZ_4k;
	else if (l2sz & BIT(GICV5_ITS_DT_ITT_CFGR_L2SZ_16k))
		*sz = GICV5_ITS_DT_ITT_CFGR_L2SZ_16k;
	else if (l2sz & BIT(GICV5_ITS_DT_ITT_CFGR_L2SZ_64k))
		*sz = GICV5_ITS_DT_ITT_CFGR_L2SZ_64k;
	else
		*sz = GICV5_ITS_DT_ITT_CFGR_L2SZ_4k;

	return l2sz_to_l2_bits(*sz) <= id_bits;
}

/* The reset state the guest finds; returns IDR1 | IDR2 << 32. */
static u64 guest_its_reset_state(u32 its)
{
	static const u32 raz_wi[] = { 0x0000, 0x0040, 0x0088, 0x0200, 0xfffc };
	u32 ones = ~0U, i;

	GUEST_ASSERT_EQ(its_read32(its, GICV5_ITS_CR0), GICV5_ITS_CR0_IDLE);
	GUEST_ASSERT_EQ(its_read32(its, GICV5_ITS_CR1), 0);
	GUEST_ASSERT_EQ(its_read64(its, GICV5_ITS_DT_BASER), 0);
	GUEST_ASSERT_EQ(its_read32(its, GICV5_ITS_DT_CFGR), 0);
	GUEST_ASSERT(its_read32(its, GICV5_ITS_STATUSR) & GICV5_ITS_STATUSR_IDLE);
	GUEST_ASSERT(its_read32(its, GICV5_ITS_SYNC_STATUSR) & GICV5_ITS_SYNC_STATUSR_IDLE);

	for (i = 0; i < ARRAY_SIZE(raz_wi); i++) {
		its_write32(its, ones, raz_wi[i]);
		GUEST_ASSERT_EQ(its_read32(its, raz_wi[i]), 0);
	}

	/* The ID registers are read-only. */
	its_write32(its, ones, GICV5_ITS_IDR1);
	its_write32(its, ones, GICV5_ITS_IDR2);

	return its_read32(its, GICV5_ITS_IDR1) |
	       (u64)its_read32(its, GICV5_ITS_IDR2) << 32;
}

/* gicv5_its_alloc_devtab_linear() */
static void guest_devtab_linear(u32 its, u32 device_id_bits)
{
	struct guest_its *g = &guest_its[its];
	u64 size = BIT_ULL(device_id_bits) * 8;

	g->devtab = guest_its_alloc(size);
	g->cfgr = FIELD_PREP(GICV5_ITS_DT_CFGR_STRUCTURE,
			     GICV5_ITS_DT_ITT_CFGR_STRUCTURE_LINEAR) |
		  FIELD_PREP(GICV5_ITS_DT_CFGR_DEVICEID_BITS, device_id_bits);
	its_write32(its, g->cfgr, GICV5_ITS_DT_CFGR);
	its_write64(its, g->devtab & GICV5_ITS_DT_BASER_ADDR_MASK, GICV5_ITS_DT_BASER);
}

/* gicv5_its_alloc_devtab_two_level(): L1 entries with SPAN, not VALID */
static void guest_devtab_two_level(u32 its, u32 device_id_bits, u32 l2sz)
{
	struct guest_its *g = &guest_its[its];
	u32 l2_bits = l2sz_to_l2_bits(l2sz);
	u32 l1_bits = device_id_bits - l2_bits, i;

	g->devtab = guest_its_alloc(BIT_ULL(l1_bits) * 8);
	for (i = 0; i < BIT(l1_bits); i++)
		WRITE_ONCE(guest_table(g->devtab)[i],
			   htole64(FIELD_PREP(GICV5_DTL1E_SPAN, l2_bits)));
	dsb(ishst);

	g->cfgr = FIELD_PREP(GICV5_ITS_DT_CFGR_STRUCTURE,
			     GICV5_ITS_DT_ITT_CFGR_STRUCTURE_TWO_LEVEL) |
		  FIELD_PREP(GICV5_ITS_DT_CFGR_L2SZ, l2sz) |
		  FIELD_PREP(GICV5_ITS_DT_CFGR_DEVICEID_BITS, device_id_bits);
	its_write32(its, g->cfgr, GICV5_ITS_DT_CFGR);
	its_write64(its, g->devtab & GICV5_ITS_DT_BASER_ADDR_MASK, GICV5_ITS_DT_BASER);
}

static void guest_its_write_cr0(u32 its, bool enable)
{
	u32 cr0 = FIELD_PREP(GICV5_ITS_CR0_ITSEN, enable);

	its_write32(its, cr0, GICV5_ITS_CR0);
	its_wait_for_idle(its, GICV5_ITS_CR0, GICV5_ITS_CR0_IDLE);
	GUEST_ASSERT_EQ(its_read32(its, GICV5_ITS_CR0), cr0 | GICV5_ITS_CR0_IDLE);
}

/* gicv5_its_init_bases() of a coherent ITS */
static void guest_its_probe(u32 its)
{
	u32 cr1 = FIELD_PREP(GICV5_ITS_CR1_ITT_RA, GICV5_READ_ALLOC) |
		  FIELD_PREP(GICV5_ITS_CR1_DT_RA, GICV5_READ_ALLOC) |
		  FIELD_PREP(GICV5_ITS_CR1_IC, GICV5_WB_CACHE) |
		  FIELD_PREP(GICV5_ITS_CR1_OC, GICV5_WB_CACHE) |
		  FIELD_PREP(GICV5_ITS_CR1_SH, GICV5_INNER_SHARE);
	u32 idr1, device_id_bits, l2sz, junk = ~0U;
	u64 baser;

	if (its_read32(its, GICV5_ITS_CR0) & GICV5_ITS_CR0_ITSEN)
		guest_its_write_cr0(its, false);

	its_write32(its, cr1, GICV5_ITS_CR1);
	GUEST_ASSERT_EQ(its_read32(its, GICV5_ITS_CR1), cr1);

	idr1 = its_read32(its, GICV5_ITS_IDR1);
	device_id_bits = FIELD_GET(GICV5_ITS_IDR1_DEVICEID_BITS, idr1);
	if (guest_l2sz_two_level(true, idr1, device_id_bits, &l2sz))
		guest_devtab_two_level(its, device_id_bits, l2sz);
	else
		guest_devtab_linear(its, device_id_bits);

	guest_its_write_cr0(its, true);

	baser = guest_its[its].devtab & GICV5_ITS_DT_BASER_ADDR_MASK;
	GUEST_ASSERT_EQ(its_read32(its, GICV5_ITS_DT_CFGR), guest_its[its].cfgr);
	GUEST_ASSERT_EQ(its_read64(its, GICV5_ITS_DT_BASER), baser);

	/* The DT registers cannot change while the ITS is enabled. */
	its_write32(its, junk, GICV5_ITS_DT_CFGR);
	its_write64(its, baser + SZ_4K, GICV5_ITS_DT_BASER);
	GUEST_ASSERT_EQ(its_read32(its, GICV5_ITS_DT_CFGR), guest_its[its].cfgr);
	GUEST_ASSERT_EQ(its_read64(its, GICV5_ITS_DT_BASER), baser);
}

static u32 guest_dt_l2_bits(u32 its)
{
	return l2sz_to_l2_bits(FIELD_GET(GICV5_ITS_DT_CFGR_L2SZ, guest_its[its].cfgr));
}

static bool guest_dt_two_level(u32 its)
{
	return FIELD_GET(GICV5_ITS_DT_CFGR_STRUCTURE, guest_its[its].cfgr) ==
	       GICV5_ITS_DT_ITT_CFGR_STRUCTURE_TWO_LEVEL;
}

/*
 * gicv5_its_devtab_get_dte_ref(): the GPA of @devid's DTE; with @alloc,
 * the L2 DT is allocated and its L1 entry written VALID if needed
 * (gicv5_its_alloc_l2_devtab()).
 */
static u64 guest_dte(u32 its, u32 devid, bool alloc)
{
	struct guest_its *g = &guest_its[its];
	u32 l2_bits = guest_dt_l2_bits(its);
	u64 l1e_gpa, l1e, l2;
	u32 span;

	if (!guest_dt_two_level(its))
		return g->devtab + 8ULL * devid;

	l1e_gpa = g->devtab + 8ULL * (devid >> l2_bits);
	l1e = entry_read(l1e_gpa);
	if (!(l1e & GICV5_DTL1E_VALID)) {
		GUEST_ASSERT(alloc);
		span = min_t(u32, FIELD_GET(GICV5_DTL1E_SPAN, l1e), l2_bits);
		l2 = guest_its_alloc(BIT_ULL(span) * 8);
		l1e = FIELD_PREP(GICV5_DTL1E_SPAN, span) |
		      (l2 & GICV5_DTL1E_L2_ADDR_MASK) | GICV5_DTL1E_VALID;
		entry_write(l1e_gpa, l1e);
	}

	return (l1e & GICV5_DTL1E_L2_ADDR_MASK) + 8ULL * (devid & GENMASK(l2_bits - 1, 0));
}

static struct guest_its_dev *guest_dev_find(u32 its, u32 devid)
{
	int i;

	for (i = 0; i < MAX_DEVS; i++)
		if (guest_devs[i].used && guest_devs[i].its == its &&
		    guest_devs[i].devid == devid)
			return &guest_devs[i];

	GUEST_FAIL("No device 0x%x on ITS %u", devid, its);
	return NULL;
}

/* gicv5_its_device_cache_inv() */
static void guest_its_inv_device(u32 its, u32 devid, u32 event_id_bits)
{
	u64 didr = FIELD_PREP(GICV5_ITS_DIDR_DEVICEID, devid);
	u32 devicer = FIELD_PREP(GICV5_ITS_INV_DEVICER_I, 1) |
		      FIELD_PREP(GICV5_ITS_INV_DEVICER_EVENTID_BITS, event_id_bits) |
		      FIELD_PREP(GICV5_ITS_INV_DEVICER_L1, 0);

	its_write64(its, didr, GICV5_ITS_DIDR);
	its_write32(its, devicer, GICV5_ITS_INV_DEVICER);
	its_wait_for_idle(its, GICV5_ITS_STATUSR, GICV5_ITS_STATUSR_IDLE);
}

/* gicv5_its_itt_cache_inv() */
static void guest_its_inv_event(u32 its, u32 devid, u32 event)
{
	u64 didr = FIELD_PREP(GICV5_ITS_DIDR_DEVICEID, devid);
	u32 eidr = FIELD_PREP(GICV5_ITS_EIDR_EVENTID, event);
	u32 eventr = FIELD_PREP(GICV5_ITS_INV_EVENTR_I, 1);

	its_write64(its, didr, GICV5_ITS_DIDR);
	its_write32(its, eidr, GICV5_ITS_EIDR);
	its_write32(its, eventr, GICV5_ITS_INV_EVENTR);
	its_wait_for_idle(its, GICV5_ITS_STATUSR, GICV5_ITS_STATUSR_IDLE);
}

/*
 * gicv5_its_create_itt_two_level(): every L2 ITT allocated up front, the
 * last one possibly smaller (SPAN), their L1 entries written VALID.
 */
static void guest_itt_two_level(struct guest_its_dev *d, u32 nvec)
{
	u32 l1_bits = d->event_id_bits - d->itt_l2_bits;
	u32 complete = nvec / BIT(d->itt_l2_bits);
	u32 final_span = order_base_2_u32(nvec % BIT(d->itt_l2_bits));
	u32 i, span;
	u64 l2;

	d->itt = guest_its_alloc(BIT_ULL(l1_bits) * 8);
	for (i = 0; i < BIT(l1_bits); i++) {
		span = i == complete ? final_span : d->itt_l2_bits;
		l2 = guest_its_alloc(BIT_ULL(span) * 8);
		WRITE_ONCE(guest_table(d->itt)[i],
			   htole64((l2 & GICV5_ITTL1E_L2_ADDR_MASK) |
				   FIELD_PREP(GICV5_ITTL1E_SPAN, span) | GICV5_ITTL1E_VALID));
	}
	dsb(ishst);
}

/* gicv5_its_device_register() */
static void guest_its_device_add(u32 its, u32 devid, u32 nvec)
{
	u32 device_id_bits = FIELD_GET(GICV5_ITS_DT_CFGR_DEVICEID_BITS, guest_its[its].cfgr);
	struct guest_its_dev *d = NULL;
	u32 idr1, idr2, itt_l2sz = 0;
	u64 dte;
	int i;

	GUEST_ASSERT(devid < BIT_ULL(device_id_bits));
	for (i = 0; i < MAX_DEVS && !d; i++)
		if (!guest_devs[i].used)
			d = &guest_devs[i];
	GUEST_ASSERT(d);

	dte = guest_dte(its, devid, true);
	GUEST_ASSERT(!(entry_read(dte) & GICV5_DTL2E_VALID));

	*d = (struct guest_its_dev) { .used = true, .its = its, .devid = devid };
	d->event_id_bits = order_base_2_u32(nvec);

	idr2 = its_read32(its, GICV5_ITS_IDR2);
	GUEST_ASSERT(d->event_id_bits <= FIELD_GET(GICV5_ITS_IDR2_EVENTID_BITS, idr2));

	/* Two-level only where the L2 ITT covers fewer events (facts 10.4) */
	idr1 = its_read32(its, GICV5_ITS_IDR1);
	d->two_level_itt = guest_l2sz_two_level(false, idr1, d->event_id_bits, &itt_l2sz) &&
			   l2sz_to_l2_bits(itt_l2sz) < d->event_id_bits;
	if (d->two_level_itt) {
		d->itt_l2_bits = l2sz_to_l2_bits(itt_l2sz);
		guest_itt_two_level(d, nvec);
	} else {
		d->itt = guest_its_alloc(BIT_ULL(d->event_id_bits) * 8);
	}

	entry_write(dte, FIELD_PREP(GICV5_DTL2E_EVENT_ID_BITS, d->event_id_bits) |
			 FIELD_PREP(GICV5_DTL2E_ITT_STRUCTURE, d->two_level_itt) |
			 (d->itt & GICV5_DTL2E_ITT_ADDR_MASK) |
			 FIELD_PREP(GICV5_DTL2E_ITT_L2SZ, itt_l2sz) |
			 GICV5_DTL2E_VALID);

	guest_its_inv_device(its, devid, d->event_id_bits);
}

/* gicv5_its_device_get_itte_ref() */
static u64 guest_itte(u32 its, u32 devid, u32 event)
{
	struct guest_its_dev *d = guest_dev_find(its, devid);
	u64 l1e;

	GUEST_ASSERT(event < BIT(d->event_id_bits));
	if (!d->two_level_itt)
		return d->itt + 8ULL * event;

	l1e = entry_read(d->itt + 8ULL * (event >> d->itt_l2_bits));
	return (l1e & GICV5_ITTL1E_L2_ADDR_MASK) +
	       8ULL * (event & GENMASK(d->itt_l2_bits - 1, 0));
}

/* gicv5_its_map_event() */
static void guest_its_map(u32 its, u32 devid, u32 event, u32 lpi)
{
	u64 itte = guest_itte(its, devid, event);

	GUEST_ASSERT(!(entry_read(itte) & GICV5_ITTL2E_VALID));
	entry_write(itte, FIELD_PREP(GICV5_ITTL2E_LPI_ID, lpi) | GICV5_ITTL2E_VALID);
	guest_its_inv_event(its, devid, event);
}

/* gicv5_its_unmap_event() */
static void guest_its_unmap(u32 its, u32 devid, u32 event)
{
	u64 itte = guest_itte(its, devid, event);

	entry_write(itte, entry_read(itte) & ~GICV5_ITTL2E_VALID);
	guest_its_inv_event(its, devid, event);
}

/* gicv5_its_syncr(), then gicv5_irs_syncr(), as an IRQ free ends */
static void guest_its_device_sync(u32 its, u32 devid)
{
	u64 syncr = FIELD_PREP(GICV5_ITS_SYNCR_SYNC, 1) |
		    FIELD_PREP(GICV5_ITS_SYNCR_DEVICEID, devid);

	its_write64(its, syncr, GICV5_ITS_SYNCR);
	its_wait_for_idle(its, GICV5_ITS_SYNC_STATUSR, GICV5_ITS_SYNC_STATUSR_IDLE);

	irs_write32(GICV5_IRS_SYNCR_SYNC, GICV5_IRS_SYNCR);
	irs_wait_for_idle(GICV5_IRS_SYNC_STATUSR, GICV5_IRS_STATUSR_IDLE);
}

/* gicv5_its_device_unregister() */
static void guest_its_device_remove(u32 its, u32 devid)
{
	struct guest_its_dev *d = guest_dev_find(its, devid);
	u64 dte = guest_dte(its, devid, false), zero = 0;

	GUEST_ASSERT(entry_read(dte) & GICV5_DTL2E_VALID);
	entry_write(dte, zero);
	d->used = false;
	guest_its_inv_device(its, devid, d->event_id_bits);
}

/* A DTE of the guest's choosing, made visible as a device add does */
static void guest_its_set_dte(u32 its, u32 devid, u64 val)
{
	entry_write(guest_dte(its, devid, true), val);
	guest_its_inv_device(its, devid, 0);
}

static void guest_its_set_itte(u32 its, u32 devid, u32 event, u64 val)
{
	entry_write(guest_itte(its, devid, event), val);
	guest_its_inv_event(its, devid, event);
}

/* An L1 DT entry never used before, so never cached */
static void guest_its_set_dt_l1e(u32 its, u32 index, u64 val)
{
	GUEST_ASSERT(guest_dt_two_level(its));
	entry_write(guest_its[its].devtab + 8ULL * index, val);
}

/* Write a copy of @devid's DTE at @index of a linear DT, even beyond it. */
static void guest_its_copy_dte(u32 its, u32 devid, u32 index)
{
	GUEST_ASSERT(!guest_dt_two_level(its));
	entry_write(guest_its[its].devtab + 8ULL * index,
		    entry_read(guest_dte(its, devid, false)));
}

/* A CPU write to TRANSLATER carries no DeviceID: it does nothing. */
static void guest_its_translater(u32 its, u32 data)
{
	void *translater = its_reg(its, GICV5_ITS_TRANSLATE_FRAME + GICV5_ITS_TRANSLATER);

	writel(data, translater);
	GUEST_ASSERT_EQ(readl(translater), 0);
}

/* Wait (IRQs masked) until GIC CDRCFG reports @intid pending. */
static void guest_wait_pending(u64 intid)
{
	u64 deadline = guest_deadline();
	u64 icsr;

	do {
		gic_insn(intid, CDRCFG);
		isb();
		icsr = read_sysreg_s(SYS_ICC_ICSR_EL1);
		__GUEST_ASSERT(!(icsr & ICC_ICSR_EL1_F), "CDRCFG 0x%lx failed: ICSR 0x%lx",
			       (unsigned long)intid, (unsigned long)icsr);
		if (icsr & ICSR_PENDING)
			return;
	} while (!guest_deadline_passed(deadline));

	GUEST_FAIL("LPI 0x%lx never pending: ICSR 0x%lx",
		   (unsigned long)intid, (unsigned long)icsr);
}

/*
 * Tell the host (GUEST_SYNC stage 1) that this vCPU is about to wait, then
 * wait in WFI with IRQs unmasked until the handler has taken an interrupt
 * (WFI may end for no reason): it must be @lpi, alone. Returns how many
 * times WFI ended.
 */
static u64 guest_wfi_lpi(u32 lpi)
{
	u64 deadline;
	u64 wakeups = 0;

	GUEST_SYNC_ARGS(1, 0, 0, 0, 0);

	deadline = guest_deadline();
	local_irq_enable();
	while (!READ_ONCE(irq_count)) {
		wfi();
		wakeups++;
		__GUEST_ASSERT(!guest_deadline_passed(deadline),
			       "%lu wake-ups from WFI, no interrupt taken",
			       (unsigned long)wakeups);
	}
	local_irq_disable();

	GUEST_ASSERT_EQ(READ_ONCE(irq_count), 1);
	GUEST_ASSERT_EQ(READ_ONCE(irq_intid), guest_lpi(lpi));
	guest_assert_nothing_pending();
	WRITE_ONCE(irq_count, 0);
	return wakeups;
}

static u64 guest_run_cmd(struct guest_cmd *c)
{
	u64 *a = c->arg;

	switch (c->op) {
	case OP_IST_SETUP:
		return guest_ist_setup(a[0]);
	case OP_LPI_ROUTE:
		guest_lpi_route(a[0], a[1]);
		break;
	case OP_ITS_RESET_STATE:
		return guest_its_reset_state(a[0]);
	case OP_ITS_PROBE:
		guest_its_probe(a[0]);
		break;
	case OP_DEVICE_ADD:
		guest_its_device_add(a[0], a[1], a[2]);
		break;
	case OP_MAP:
		guest_its_map(a[0], a[1], a[2], a[3]);
		break;
	case OP_UNMAP:
		guest_its_unmap(a[0], a[1], a[2]);
		break;
	case OP_DEVICE_SYNC:
		guest_its_device_sync(a[0], a[1]);
		break;
	case OP_DEVICE_REMOVE:
		guest_its_device_remove(a[0], a[1]);
		break;
	case OP_ITSEN:
		guest_its_write_cr0(a[0], a[1]);
		break;
	case OP_SET_DT_L1E:
		guest_its_set_dt_l1e(a[0], a[1], a[2]);
		break;
	case OP_SET_DTE:
		guest_its_set_dte(a[0], a[1], a[2]);
		break;
	case OP_SET_ITTE:
		guest_its_set_itte(a[0], a[1], a[2], a[3]);
		break;
	case OP_COPY_DTE:
		guest_its_copy_dte(a[0], a[1], a[2]);
		break;
	case OP_TRANSLATER:
		guest_its_translater(a[0], a[1]);
		break;
	case OP_WAIT_LPI:
		guest_wait_for_irq(guest_lpi(a[0]));
		WRITE_ONCE(irq_count, 0);
		break;
	case OP_NO_IRQ:
		guest_assert_no_irq();
		break;
	case OP_WFI_LPI:
		return guest_wfi_lpi(a[0]);
	case OP_WAIT_PENDING:
		guest_wait_pending(guest_lpi(a[0]));
		break;
	default:
		GUEST_FAIL("Unknown command %lu", (unsigned long)c->op);
	}

	return 0;
}

/*
 * Every vCPU: CPU interface on, IRQs masked, IRS enabled (again, for
 * vCPU 1: a no-op); then the commands of the host, one per GUEST_SYNC,
 * whose first argument returns the previous command's result.
 */
static void guest_code(void)
{
	u32 id = FIELD_GET(ICC_IAFFIDR_EL1_IAFFID, read_sysreg_s(SYS_ICC_IAFFIDR_EL1));
	u64 result = 0;

	GUEST_ASSERT(id < NR_VCPUS);
	guest_gic_setup();

	for (;;) {
		GUEST_SYNC_ARGS(0, result, 0, 0, 0);
		result = guest_run_cmd(&guest_cmds[id]);
	}
}

/*
 * The guest of a VM restored by CPR: the state of its CPU interface is the
 * restored one, so it only unmasks IRQs and counts what it takes, per vCPU
 * and LPI (cpr_irq_handler()), for a quiet period, then masks them and
 * reports (GUEST_SYNC stage 2), again and again.
 */
#define CPR_LPI_BASE			1200
#define CPR_NR_LPIS			8

static u32 cpr_taken[NR_VCPUS][CPR_NR_LPIS];
static u32 cpr_unexpected[NR_VCPUS];
static u32 cpr_unexpected_intid[NR_VCPUS];

static void cpr_irq_handler(struct ex_regs *regs)
{
	u32 id = FIELD_GET(ICC_IAFFIDR_EL1_IAFFID, read_sysreg_s(SYS_ICC_IAFFIDR_EL1));
	u64 ia = gicr_insn(CDIA);
	u32 intid, lpi;

	if (!GICV5_GICR_CDIA_VALID(ia))
		return;

	gsb_ack();
	isb();

	intid = FIELD_GET(GICV5_GICR_CDIA_INTID, ia);
	guest_irq_complete(intid);

	lpi = FIELD_GET(GICV5_HWIRQ_ID, intid);
	if (id < NR_VCPUS && intid == guest_lpi(lpi) && lpi >= CPR_LPI_BASE &&
	    lpi < CPR_LPI_BASE + CPR_NR_LPIS) {
		WRITE_ONCE(cpr_taken[id][lpi - CPR_LPI_BASE],
			   READ_ONCE(cpr_taken[id][lpi - CPR_LPI_BASE]) + 1);
	} else if (id < NR_VCPUS) {
		WRITE_ONCE(cpr_unexpected_intid[id], intid);
		WRITE_ONCE(cpr_unexpected[id], READ_ONCE(cpr_unexpected[id]) + 1);
	}
}

static void guest_cpr_resume(void)
{
	u64 deadline;

	for (;;) {
		deadline = guest_deadline_ms(GUEST_QUIET_MS);
		local_irq_enable();
		while (!guest_deadline_passed(deadline))
			cpu_relax();
		local_irq_disable();
		GUEST_SYNC_ARGS(2, 0, 0, 0, 0);
	}
}

/* ------------------------------------------------------------------ */
/* Host side: VMs and guest commands                                   */
/* ------------------------------------------------------------------ */

struct its_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[NR_VCPUS];
	unsigned int nr_vcpus;
	int gic_fd;
	int its_fd[NR_ITS_MAX];
	unsigned int nr_its;
	bool booted[NR_VCPUS];
};

static int its_create(struct kvm_vm *vm, u64 base)
{
	int fd = kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS);

	kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS, &base);
	kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	return fd;
}

/*
 * A VM in kvmtool's order: the VGIC, its IRS address, each ITS with its
 * address and CTRL_INIT, then the vCPUs, then CTRL_INIT of the VGIC. The
 * frames and the table memory are identity-mapped. The vCPUs have not run.
 */
static void __its_vm_create(struct its_vm *v, unsigned int nr_vcpus, unsigned int nr_its,
			    void *entry)
{
	unsigned int i;

	TEST_ASSERT(nr_vcpus <= NR_VCPUS && nr_its <= NR_ITS_MAX, "%u vCPUs, %u ITSes",
		    nr_vcpus, nr_its);

	memset(v, 0, sizeof(*v));
	v->nr_vcpus = nr_vcpus;
	v->nr_its = nr_its;
	v->vm = __vm_create(VM_SHAPE_DEFAULT, nr_vcpus, 0);

	v->gic_fd = kvm_create_device(v->vm, KVM_DEV_TYPE_ARM_VGIC_V5);
	set_irs_base(v->gic_fd, IRS_BASE_GPA);
	for (i = 0; i < nr_its; i++)
		v->its_fd[i] = its_create(v->vm, ITS_GPA(i));

	for (i = 0; i < nr_vcpus; i++)
		v->vcpus[i] = vm_vcpu_add(v->vm, i, entry);
	vm_init_descriptor_tables(v->vm);
	for (i = 0; i < nr_vcpus; i++)
		vcpu_init_descriptor_tables(v->vcpus[i]);
	vm_install_exception_handler(v->vm, VECTOR_IRQ_CURRENT, guest_irq_handler);

	vgic_v5_init(v->gic_fd);

	virt_map(v->vm, IRS_BASE_GPA, IRS_BASE_GPA,
		 vm_calc_num_guest_pages(v->vm->mode, KVM_VGIC_V5_IRS_SIZE));
	virt_map(v->vm, ITS_BASE_GPA, ITS_BASE_GPA,
		 vm_calc_num_guest_pages(v->vm->mode, NR_ITS_MAX * KVM_VGIC_V5_ITS_SIZE));
	vm_userspace_mem_region_add(v->vm, VM_MEM_SRC_ANONYMOUS, TABLES_GPA, TABLES_MEMSLOT,
				    TABLES_SIZE / v->vm->page_size, 0);
	virt_map(v->vm, TABLES_GPA, TABLES_GPA, TABLES_SIZE / v->vm->page_size);

	for (i = 0; i < NR_ITS_MAX; i++)
		guest_its_base[i] = ITS_GPA(i);
	guest_page_size = v->vm->page_size;
	sync_global_to_guest(v->vm, guest_its_base);
	sync_global_to_guest(v->vm, guest_page_size);
}

static void its_vm_create(struct its_vm *v, unsigned int nr_vcpus, unsigned int nr_its)
{
	__its_vm_create(v, nr_vcpus, nr_its, guest_code);
}

static void its_vm_destroy(struct its_vm *v)
{
	unsigned int i;

	for (i = 0; i < v->nr_its; i++)
		close(v->its_fd[i]);
	close(v->gic_fd);
	kvm_vm_free(v->vm);
}

/* Run a vCPU until the guest is back in GUEST_SYNC; its result. */
static u64 vcpu_run_to_sync(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	vcpu_run(vcpu);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		return uc.args[2];
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("vCPU %u: unexpected ucall %lu", vcpu->id, uc.cmd);
	}
	return 0;
}

/* The guest command @op on vCPU @cpu (booted first if it has never run) */
static u64 __guest_do(struct its_vm *v, unsigned int cpu, enum guest_op op,
		      u64 a0, u64 a1, u64 a2, u64 a3)
{
	struct kvm_vcpu *vcpu = v->vcpus[cpu];
	struct guest_cmd *c = addr_gva2hva(v->vm, (gva_t)&guest_cmds[cpu]);

	if (!v->booted[cpu]) {
		vcpu_run_to_sync(vcpu);
		v->booted[cpu] = true;
	}
	*c = (struct guest_cmd) { .op = op, .arg = { a0, a1, a2, a3 } };
	return vcpu_run_to_sync(vcpu);
}

/* guest_do(v, cpu, op[, up to four arguments]): the others are 0 */
#define __guest_do_args(v, cpu, op, a0, a1, a2, a3, ...)	\
	__guest_do(v, cpu, op, a0, a1, a2, a3)
#define guest_do(v, cpu, ...)	__guest_do_args(v, cpu, __VA_ARGS__, 0, 0, 0, 0)

/* The guest's LPIs: an IST (vCPU 0), each ITS probed. Returns LPI ID bits. */
static u32 its_guest_setup(struct its_vm *v, bool two_level_ist)
{
	u64 ist = guest_do(v, 0, OP_IST_SETUP, two_level_ist);
	unsigned int i;

	for (i = 1; i < v->nr_vcpus; i++)
		guest_do(v, i, OP_NO_IRQ);
	for (i = 0; i < v->nr_its; i++)
		guest_do(v, 0, OP_ITS_PROBE, i);

	return ist & 0xff;
}

static void its_device_add(struct its_vm *v, u32 its, u32 devid, u32 nvec)
{
	guest_do(v, 0, OP_DEVICE_ADD, its, devid, nvec);
}

/* Map an event to an LPI that targets vCPU @cpu. */
static void its_map(struct its_vm *v, u32 its, u32 devid, u32 event, u32 lpi,
		    unsigned int cpu)
{
	guest_do(v, 0, OP_LPI_ROUTE, lpi, cpu);
	guest_do(v, 0, OP_MAP, its, devid, event, lpi);
}

static void its_unmap(struct its_vm *v, u32 its, u32 devid, u32 event)
{
	guest_do(v, 0, OP_UNMAP, its, devid, event);
}

static int its_msi(struct its_vm *v, u32 its, u32 devid, u32 event)
{
	struct kvm_msi msi = {
		.address_lo = (u32)ITS_TRANSLATER_GPA(its),
		.address_hi = ITS_TRANSLATER_GPA(its) >> 32,
		.data = event,
		.flags = KVM_MSI_VALID_DEVID,
		.devid = devid,
	};

	return __vm_ioctl(v->vm, KVM_SIGNAL_MSI, &msi);
}

/* No vCPU has an interrupt to take. */
static void guest_no_irq(struct its_vm *v)
{
	unsigned int i;

	for (i = 0; i < v->nr_vcpus; i++)
		guest_do(v, i, OP_NO_IRQ);
}

/* The MSI is delivered (1), vCPU @cpu takes @lpi, the others nothing. */
static void msi_delivered(struct its_vm *v, u32 its, u32 devid, u32 event, u32 lpi,
			  unsigned int cpu)
{
	int ret = its_msi(v, its, devid, event);
	unsigned int i;

	TEST_ASSERT(ret == 1,
		    "MSI ITS %u DeviceID 0x%x EventID %u: ret %d errno %d, want 1 (LPI %u)",
		    its, devid, event, ret, ret < 0 ? errno : 0, lpi);

	guest_do(v, cpu, OP_WAIT_LPI, lpi);
	for (i = 0; i < v->nr_vcpus; i++)
		if (i != cpu)
			guest_do(v, i, OP_NO_IRQ);
}

/* The MSI is dropped by the guest's tables or state (0): nothing is taken. */
static void msi_dropped(struct its_vm *v, u32 its, u32 devid, u32 event, const char *why)
{
	int ret = its_msi(v, its, devid, event);

	TEST_ASSERT(ret == 0, "MSI ITS %u DeviceID 0x%x EventID %u (%s): ret %d errno %d, want 0",
		    its, devid, event, why, ret, ret < 0 ? errno : 0);
	guest_no_irq(v);
}

static int its_reg_get(int its_fd, u64 offset, u64 *val)
{
	return __kvm_device_attr_get(its_fd, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, offset, val);
}

static int its_reg_set(int its_fd, u64 offset, u64 val)
{
	return __kvm_device_attr_set(its_fd, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, offset, &val);
}

static u64 its_reg_read(int its_fd, u32 offset)
{
	u64 val;

	kvm_device_attr_get(its_fd, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, offset, &val);
	return val;
}

static void its_reg_write(int its_fd, u32 offset, u64 val)
{
	kvm_device_attr_set(its_fd, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, offset, &val);
}

#define ITS_REGS_MAX			32

struct its_regs {
	unsigned int nr;
	u32 offset[ITS_REGS_MAX];
	u64 val[ITS_REGS_MAX];
};

/* Every register KVM_HAS_DEVICE_ATTR finds in the config frame */
static void its_regs_save(int fd, struct its_regs *r)
{
	u32 off;

	r->nr = 0;
	for (off = 0; off < ITS_CONFIG_FRAME_SIZE; off += 4) {
		if (__kvm_has_device_attr(fd, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, off))
			continue;
		TEST_ASSERT(r->nr < ITS_REGS_MAX, "more than %u ITS registers", ITS_REGS_MAX);
		r->offset[r->nr] = off;
		r->val[r->nr++] = its_reg_read(fd, off);
	}
}

static void its_regs_restore(int fd, const struct its_regs *r)
{
	unsigned int i;
	int ret;

	for (i = 0; i < r->nr; i++) {
		ret = its_reg_set(fd, r->offset[i], r->val[i]);
		TEST_ASSERT(!ret, "restoring ITS register 0x%x = 0x%lx: errno %d",
			    r->offset[i], (unsigned long)r->val[i], errno);
	}
}

/* ------------------------------------------------------------------ */
/* The userspace ABI                                                   */
/* ------------------------------------------------------------------ */

/*
 * Creation: -ENODEV without a GICv5 VGIC (none, or GICv3); allowed before
 * the vCPUs and after VGIC init; several per VM, each at its own address;
 * KVM_CAP_MSI_DEVID says 1 once there is one. A VM built in kvmtool's
 * order runs.
 */
static void test_create(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	struct its_vm v;
	int fd, gic_fd;
	u64 addr;

	fd = __kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS);
	TEST_ASSERT(fd < 0 && errno == ENODEV, "ITS without a VGIC: ret %d errno %d, want ENODEV",
		    fd, errno);
	TEST_ASSERT_EQ(vm_check_cap(vm, KVM_CAP_MSI_DEVID), 0);

	gic_fd = __kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V3);
	if (gic_fd >= 0) {
		fd = __kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS);
		TEST_ASSERT(fd < 0 && errno == ENODEV,
			    "GICv5 ITS in a GICv3 VM: ret %d errno %d, want ENODEV", fd, errno);
		close(gic_fd);
	} else {
		ksft_print_msg("no GICv3 device on this host, not creating a GICv5 ITS in one\n");
	}
	kvm_vm_free(vm);

	vm = vm_create_barebones();
	gic_fd = kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5);
	TEST_ASSERT_EQ(vm_check_cap(vm, KVM_CAP_MSI_DEVID), 0);
	fd = kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS);
	TEST_ASSERT_EQ(vm_check_cap(vm, KVM_CAP_MSI_DEVID), 1);
	close(fd);
	close(gic_fd);
	kvm_vm_free(vm);

	/* Two ITSes in kvmtool's order, a third one after VGIC init */
	its_vm_create(&v, 1, 2);
	fd = its_create(v.vm, ITS_GPA(2));
	kvm_device_attr_get(v.its_fd[0], KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS,
			    &addr);
	TEST_ASSERT_EQ(addr, ITS_GPA(0));
	kvm_device_attr_get(v.its_fd[1], KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS,
			    &addr);
	TEST_ASSERT_EQ(addr, ITS_GPA(1));
	kvm_device_attr_get(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS, &addr);
	TEST_ASSERT_EQ(addr, ITS_GPA(2));
	TEST_ASSERT_EQ(vm_check_cap(v.vm, KVM_CAP_MSI_DEVID), 1);
	guest_no_irq(&v);
	close(fd);
	its_vm_destroy(&v);
}

/* GRP_ADDR / KVM_VGIC_V5_ADDR_TYPE_ITS, as the IRS address (vgic_check_iorange()) */
static void test_addr(void)
{
	static const u64 other_attrs[] = {
		KVM_VGIC_V3_ADDR_TYPE_DIST, KVM_VGIC_ITS_ADDR_TYPE,
		KVM_VGIC_V5_ADDR_TYPE_IRS, KVM_VGIC_V5_ADDR_TYPE_ITS + 1,
	};
	struct kvm_vm *vm = vm_create_barebones();
	int gic_fd = kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5);
	int fd = kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS);
	u64 addr;
	int i, ret;

	kvm_has_device_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS);

	for (i = 0; i < ARRAY_SIZE(other_attrs); i++) {
		addr = ITS_GPA(0);
		ret = __kvm_has_device_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, other_attrs[i]);
		TEST_ASSERT(ret && errno == ENXIO, "has_attr of address type %lu: want ENXIO",
			    (unsigned long)other_attrs[i]);
		ret = __kvm_device_attr_get(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, other_attrs[i], &addr);
		TEST_ASSERT(ret && errno == ENXIO, "get of address type %lu: want ENXIO",
			    (unsigned long)other_attrs[i]);
		ret = __kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, other_attrs[i], &addr);
		TEST_ASSERT(ret && errno == ENXIO, "set of address type %lu: want ENXIO",
			    (unsigned long)other_attrs[i]);
	}

	kvm_device_attr_get(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS, &addr);
	TEST_ASSERT(addr == ~0ULL, "ITS base before set: 0x%lx, want all-ones",
		    (unsigned long)addr);

	addr = ITS_GPA(0) + SZ_4K;
	ret = __kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS,
				    &addr);
	TEST_ASSERT(ret && errno == EINVAL, "ITS base not 64 KiB aligned: want EINVAL");

	addr = ~0ULL << 16;
	ret = __kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS,
				    &addr);
	TEST_ASSERT(ret && errno == EINVAL, "ITS region wraps around: want EINVAL");

	addr = max_ipa_size;
	ret = __kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS,
				    &addr);
	TEST_ASSERT(ret && errno == E2BIG, "ITS base beyond the IPA limit: want E2BIG");

	/* The config frame fits, the translate frame does not. */
	addr = max_ipa_size - SZ_64K;
	ret = __kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS,
				    &addr);
	TEST_ASSERT(ret && errno == E2BIG, "ITS region ends beyond the IPA limit: want E2BIG");

	ret = __kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS,
				    NULL);
	TEST_ASSERT(ret && errno == EFAULT, "ITS base from a bad pointer: want EFAULT");

	kvm_device_attr_get(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS, &addr);
	TEST_ASSERT(addr == ~0ULL, "ITS base changed by failed sets: 0x%lx", (unsigned long)addr);

	addr = ITS_GPA(0);
	kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS, &addr);
	kvm_device_attr_get(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS, &addr);
	TEST_ASSERT_EQ(addr, ITS_GPA(0));

	addr = ITS_GPA(1);
	ret = __kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS,
				    &addr);
	TEST_ASSERT(ret && errno == EEXIST, "ITS base set twice: want EEXIST");

	/* The IRS address is the VGIC's, not the ITS's. */
	kvm_device_attr_get(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_IRS, &addr);
	TEST_ASSERT(addr == ~0ULL, "IRS base set by the ITS: 0x%lx", (unsigned long)addr);

	close(fd);
	close(gic_fd);
	kvm_vm_free(vm);
}

static void ctrl_errno(int fd, u64 attr, int want, const char *what)
{
	u64 val = 0;
	int ret;

	ret = __kvm_has_device_attr(fd, KVM_DEV_ARM_VGIC_GRP_CTRL, attr);
	TEST_ASSERT(ret && errno == want, "has_attr CTRL %s: ret %d errno %d, want %d",
		    what, ret, errno, want);
	ret = __kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_CTRL, attr, &val);
	TEST_ASSERT(ret && errno == want, "set CTRL %s: ret %d errno %d, want %d",
		    what, ret, errno, want);
}

/*
 * GRP_CTRL: CTRL_INIT does nothing and may come before the address;
 * ITS_CTRL_RESET puts the registers back to their reset values; no table
 * save or restore (the tables are guest memory); no get.
 */
static void test_ctrl(void)
{
	static struct its_regs fresh, after;
	struct kvm_vm *vm = vm_create_barebones();
	int gic_fd = kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5);
	int fd = kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS);
	u64 val, addr = ITS_GPA(0);
	unsigned int i;
	int ret;

	kvm_has_device_attr(fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT);
	kvm_has_device_attr(fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_CTRL_RESET);
	kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS, &addr);
	kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);

	ctrl_errno(fd, KVM_DEV_ARM_ITS_SAVE_TABLES, ENXIO, "ITS_SAVE_TABLES");
	ctrl_errno(fd, KVM_DEV_ARM_ITS_RESTORE_TABLES, ENXIO, "ITS_RESTORE_TABLES");
	ctrl_errno(fd, 3, ENXIO, "attr 3");
	ctrl_errno(fd, KVM_DEV_ARM_VGIC_USERSPACE_PPIS, ENXIO, "USERSPACE_PPIS");

	ret = __kvm_device_attr_get(fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT,
				    &val);
	TEST_ASSERT(ret && errno == ENXIO, "get CTRL_INIT: ret %d errno %d, want ENXIO",
		    ret, errno);
	ret = __kvm_device_attr_get(fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_CTRL_RESET,
				    &val);
	TEST_ASSERT(ret && errno == ENXIO, "get ITS_CTRL_RESET: ret %d errno %d, want ENXIO",
		    ret, errno);

	/* State away from reset, then a reset: the values of a new ITS */
	its_regs_save(fd, &fresh);
	its_reg_write(fd, GICV5_ITS_CR1, 0x55);
	its_reg_write(fd, GICV5_ITS_DT_BASER, TABLES_GPA);
	its_reg_write(fd, GICV5_ITS_DT_CFGR, 8);
	its_reg_write(fd, GICV5_ITS_DIDR, 0x1234);
	its_reg_write(fd, GICV5_ITS_EIDR, 7);
	its_reg_write(fd, GICV5_ITS_CR0, GICV5_ITS_CR0_ITSEN);
	TEST_ASSERT_EQ(its_reg_read(fd, GICV5_ITS_CR0), GICV5_ITS_CR0_ITSEN | GICV5_ITS_CR0_IDLE);

	kvm_device_attr_set(fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_CTRL_RESET, NULL);
	TEST_ASSERT_EQ(its_reg_read(fd, GICV5_ITS_CR0), GICV5_ITS_CR0_IDLE);
	its_regs_save(fd, &after);
	TEST_ASSERT_EQ(after.nr, fresh.nr);
	for (i = 0; i < fresh.nr; i++)
		TEST_ASSERT(after.offset[i] == fresh.offset[i] && after.val[i] == fresh.val[i],
			    "register 0x%x after ITS_CTRL_RESET: 0x%lx, new ITS: 0x%lx",
			    after.offset[i], (unsigned long)after.val[i],
			    (unsigned long)fresh.val[i]);

	close(fd);
	close(gic_fd);
	kvm_vm_free(vm);
}

static void reg_errno(int fd, u64 attr, int want, const char *what)
{
	unsigned long long a = attr;
	u64 val = 0;
	int ret;

	ret = __kvm_has_device_attr(fd, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, attr);
	TEST_ASSERT(ret && errno == want, "has_attr ITS_REGS 0x%llx (%s): ret %d errno %d, want %d",
		    a, what, ret, errno, want);
	ret = its_reg_get(fd, attr, &val);
	TEST_ASSERT(ret && errno == want, "get ITS_REGS 0x%llx (%s): ret %d errno %d, want %d",
		    a, what, ret, errno, want);
	ret = its_reg_set(fd, attr, val);
	TEST_ASSERT(ret && errno == want, "set ITS_REGS 0x%llx (%s): ret %d errno %d, want %d",
		    a, what, ret, errno, want);
}

static void reg_set_errno(int fd, u32 offset, u64 val, int want, const char *what)
{
	int ret = its_reg_set(fd, offset, val);

	TEST_ASSERT(ret && errno == want,
		    "set ITS_REGS 0x%x = 0x%lx (%s): ret %d errno %d, want %d",
		    offset, (unsigned long)val, what, ret, errno, want);
}

static void reg_set_get(int fd, u32 offset, u64 val, u64 want)
{
	u64 got;

	its_reg_write(fd, offset, val);
	got = its_reg_read(fd, offset);
	TEST_ASSERT(got == want, "ITS_REGS 0x%x: set 0x%lx, got 0x%lx, want 0x%lx",
		    offset, (unsigned long)val, (unsigned long)got, (unsigned long)want);
}

/*
 * GRP_ITS_REGS: the registers and their default values; -ENXIO where
 * there is none (attr bits above 31 included), -EINVAL misaligned or
 * inside a 64-bit register; IDR1 and IDR2 only within what KVM supports;
 * every set is state only.
 */
static void test_regs(void)
{
	static const u32 regs[] = {
		GICV5_ITS_IDR1, GICV5_ITS_IDR2, GICV5_ITS_CR0, GICV5_ITS_CR1,
		GICV5_ITS_DT_BASER, GICV5_ITS_DT_CFGR, GICV5_ITS_DIDR, GICV5_ITS_EIDR,
		GICV5_ITS_INV_EVENTR, GICV5_ITS_INV_DEVICER, GICV5_ITS_STATUSR,
		GICV5_ITS_SYNCR, GICV5_ITS_SYNC_STATUSR,
	};
	static const u32 holes[] = { 0x0000, 0x000c, 0x0040, 0x0088, 0x00d4, 0x0114, 0x0150,
				     0xfffc, ITS_CONFIG_FRAME_SIZE, ITS_CONFIG_FRAME_SIZE + 4 };
	u64 idr1 = FIELD_PREP(GICV5_ITS_IDR1_L2SZ, 0b001) | GICV5_ITS_IDR1_ITT_LEVELS |
		   FIELD_PREP(GICV5_ITS_IDR1_DEVICEID_BITS, 8);
	u64 baser = (GPA_NOT_RAM & GICV5_ITS_DT_BASER_ADDR_MASK);
	u64 cfgr = GICV5_ITS_DT_CFGR_STRUCTURE | FIELD_PREP(GICV5_ITS_DT_CFGR_L2SZ, 1) |
		   FIELD_PREP(GICV5_ITS_DT_CFGR_DEVICEID_BITS, 16);
	struct its_vm v;
	u64 val;
	int i, ret;

	its_vm_create(&v, 1, 1);

	for (i = 0; i < ARRAY_SIZE(regs); i++)
		kvm_has_device_attr(v.its_fd[0], KVM_DEV_ARM_VGIC_GRP_ITS_REGS, regs[i]);
	for (i = 0; i < ARRAY_SIZE(holes); i++)
		reg_errno(v.its_fd[0], holes[i], ENXIO, "no register");
	reg_errno(v.its_fd[0], BIT_ULL(32) | GICV5_ITS_CR0, ENXIO, "attr bit 32");
	reg_errno(v.its_fd[0], GICV5_ITS_IDR1 + 2, EINVAL, "misaligned");
	reg_errno(v.its_fd[0], GICV5_ITS_DT_BASER + 4, EINVAL, "DT_BASER + 4");
	reg_errno(v.its_fd[0], GICV5_ITS_DIDR + 4, EINVAL, "DIDR + 4");
	reg_errno(v.its_fd[0], GICV5_ITS_SYNCR + 4, EINVAL, "SYNCR + 4");
	ret = its_reg_get(v.its_fd[0], GICV5_ITS_CR1, NULL);
	TEST_ASSERT(ret && errno == EFAULT, "get ITS_REGS to a bad pointer: want EFAULT");
	ret = __kvm_device_attr_set(v.its_fd[0], KVM_DEV_ARM_VGIC_GRP_ITS_REGS, GICV5_ITS_CR1,
				    NULL);
	TEST_ASSERT(ret && errno == EFAULT, "set ITS_REGS from a bad pointer: want EFAULT");

	/* KVM's defaults */
	TEST_ASSERT_EQ(its_reg_read(v.its_fd[0], GICV5_ITS_IDR1), KVM_ITS_IDR1_DEFAULT);
	TEST_ASSERT_EQ(its_reg_read(v.its_fd[0], GICV5_ITS_IDR2), KVM_ITS_IDR2_DEFAULT);
	TEST_ASSERT_EQ(its_reg_read(v.its_fd[0], GICV5_ITS_CR0), GICV5_ITS_CR0_IDLE);
	TEST_ASSERT_EQ(its_reg_read(v.its_fd[0], GICV5_ITS_STATUSR), GICV5_ITS_STATUSR_IDLE);
	TEST_ASSERT_EQ(its_reg_read(v.its_fd[0], GICV5_ITS_SYNC_STATUSR),
		       GICV5_ITS_SYNC_STATUSR_IDLE);

	/* IDR1 and IDR2 beyond what KVM supports */
	reg_set_errno(v.its_fd[0], GICV5_ITS_IDR1,
		      KVM_ITS_IDR1_DEFAULT + 1, EINVAL, "17 DeviceID bits");
	reg_set_errno(v.its_fd[0], GICV5_ITS_IDR1,
		      KVM_ITS_IDR1_DEFAULT & ~GICV5_ITS_IDR1_L2SZ, EINVAL, "no L2 size");
	reg_set_errno(v.its_fd[0], GICV5_ITS_IDR2,
		      KVM_ITS_IDR2_DEFAULT + 1, EINVAL, "17 EventID bits");
	reg_set_errno(v.its_fd[0], GICV5_ITS_IDR2,
		      KVM_ITS_IDR2_DEFAULT | FIELD_PREP(GICV5_ITS_IDR2_XDMN_EVENTS, 1),
		      EINVAL, "XDMN_EVENTS");
	TEST_ASSERT_EQ(its_reg_read(v.its_fd[0], GICV5_ITS_IDR1), KVM_ITS_IDR1_DEFAULT);
	TEST_ASSERT_EQ(its_reg_read(v.its_fd[0], GICV5_ITS_IDR2), KVM_ITS_IDR2_DEFAULT);

	/* ... and within */
	reg_set_get(v.its_fd[0], GICV5_ITS_IDR1, idr1, idr1);
	reg_set_get(v.its_fd[0], GICV5_ITS_IDR2, FIELD_PREP(GICV5_ITS_IDR2_EVENTID_BITS, 8),
		    FIELD_PREP(GICV5_ITS_IDR2_EVENTID_BITS, 8));
	reg_set_get(v.its_fd[0], GICV5_ITS_IDR1, KVM_ITS_IDR1_DEFAULT, KVM_ITS_IDR1_DEFAULT);
	reg_set_get(v.its_fd[0], GICV5_ITS_IDR2, KVM_ITS_IDR2_DEFAULT, KVM_ITS_IDR2_DEFAULT);

	/* 32-bit registers: the upper half is ignored; RES0 bits are dropped */
	reg_set_get(v.its_fd[0], GICV5_ITS_CR1, 0xffffffff000000a5ULL, 0xa5);
	reg_set_get(v.its_fd[0], GICV5_ITS_DT_CFGR, cfgr | BIT(12) | BIT_ULL(40), cfgr);
	reg_set_get(v.its_fd[0], GICV5_ITS_EIDR, 0x12345, 0x2345);
	reg_set_get(v.its_fd[0], GICV5_ITS_DIDR, BIT_ULL(40) | 0xabcd, 0xabcd);
	reg_set_get(v.its_fd[0], GICV5_ITS_DT_BASER, baser | 0x7 | BIT_ULL(60), baser);

	/*
	 * State only: enabled over a DT outside guest RAM, no walk; the
	 * commands store nothing; the ITS reads idle.
	 */
	reg_set_get(v.its_fd[0], GICV5_ITS_CR0, GICV5_ITS_CR0_ITSEN,
		    GICV5_ITS_CR0_ITSEN | GICV5_ITS_CR0_IDLE);
	reg_set_get(v.its_fd[0], GICV5_ITS_INV_EVENTR, GICV5_ITS_INV_EVENTR_I, 0);
	reg_set_get(v.its_fd[0], GICV5_ITS_INV_DEVICER, GICV5_ITS_INV_DEVICER_I, 0);
	reg_set_get(v.its_fd[0], GICV5_ITS_SYNCR, GICV5_ITS_SYNCR_SYNC | 5, 0);
	reg_set_get(v.its_fd[0], GICV5_ITS_STATUSR, 0, GICV5_ITS_STATUSR_IDLE);
	reg_set_get(v.its_fd[0], GICV5_ITS_SYNC_STATUSR, 0, GICV5_ITS_SYNC_STATUSR_IDLE);
	val = its_reg_read(v.its_fd[0], GICV5_ITS_DT_BASER);
	TEST_ASSERT_EQ(val, baser);

	/* The DT is outside guest RAM: MSIs are dropped, the VM works. */
	its_reg_write(v.its_fd[0], GICV5_ITS_DT_CFGR, 0);
	TEST_ASSERT_EQ(its_msi(&v, 0, 0, 0), 0);
	guest_no_irq(&v);

	its_vm_destroy(&v);
}

/* ------------------------------------------------------------------ */
/* The guest's sequences                                               */
/* ------------------------------------------------------------------ */

/* Devices of 1, 32 and 2048 vectors (DeviceIDs from @devid), events of each */
static void devices_map_and_signal(struct its_vm *v, u32 its, u32 devid, u32 lpi_base)
{
	its_device_add(v, its, devid, 1);
	its_device_add(v, its, devid + 1, 32);
	its_device_add(v, its, devid + 0x201, 2048);

	its_map(v, its, devid, 0, lpi_base, 0);
	its_map(v, its, devid + 1, 0, lpi_base + 1, 1);
	its_map(v, its, devid + 1, 31, lpi_base + 2, 0);
	its_map(v, its, devid + 0x201, 0, lpi_base + 3, 1);
	its_map(v, its, devid + 0x201, 1000, lpi_base + 4, 0);
	its_map(v, its, devid + 0x201, 2047, lpi_base + 5, 1);

	msi_delivered(v, its, devid, 0, lpi_base, 0);
	msi_delivered(v, its, devid + 1, 0, lpi_base + 1, 1);
	msi_delivered(v, its, devid + 1, 31, lpi_base + 2, 0);
	msi_delivered(v, its, devid + 0x201, 0, lpi_base + 3, 1);
	msi_delivered(v, its, devid + 0x201, 1000, lpi_base + 4, 0);
	msi_delivered(v, its, devid + 0x201, 2047, lpi_base + 5, 1);

	/* Again: now from the translation cache */
	msi_delivered(v, its, devid + 1, 31, lpi_base + 2, 0);
	msi_delivered(v, its, devid + 0x201, 2047, lpi_base + 5, 1);

	/* An event of the device that is not mapped */
	msi_dropped(v, its, devid + 1, 5, "unmapped event");
}

/*
 * The stock guest with KVM's default ITS (two-level DT) and a linear IST:
 * the reset state it finds, the probe, devices of 1, 32 and 2048 vectors
 * in two L2 DTs, MSIs to LPIs of both vCPUs.
 */
static void test_guest_two_level_dt(void)
{
	struct its_vm v;
	u64 idr;

	its_vm_create(&v, 2, 1);
	idr = guest_do(&v, 0, OP_ITS_RESET_STATE, 0);
	TEST_ASSERT_EQ((u32)idr, KVM_ITS_IDR1_DEFAULT);
	TEST_ASSERT_EQ(idr >> 32, KVM_ITS_IDR2_DEFAULT);

	its_guest_setup(&v, false);
	devices_map_and_signal(&v, 0, 0x10, 100);
	its_vm_destroy(&v);
}

/*
 * A linear DT: userspace clears IDR1.DT_LEVELS before the guest runs.
 * The DeviceID right after the DT is dropped, even where the memory after
 * the DT holds a valid DTE.
 */
static void test_guest_linear_dt(void)
{
	u64 idr1 = KVM_ITS_IDR1_DEFAULT & ~GICV5_ITS_IDR1_DT_LEVELS;
	u32 beyond = BIT(KVM_ITS_DEVICEID_BITS);
	struct its_vm v;

	its_vm_create(&v, 2, 1);
	its_reg_write(v.its_fd[0], GICV5_ITS_IDR1, idr1);
	TEST_ASSERT_EQ((u32)guest_do(&v, 0, OP_ITS_RESET_STATE, 0), idr1);

	its_guest_setup(&v, false);
	devices_map_and_signal(&v, 0, 0xfd00, 200);

	guest_do(&v, 0, OP_COPY_DTE, 0, 0xfd01, beyond);
	msi_dropped(&v, 0, beyond, 31, "DeviceID just beyond a linear DT");
	msi_delivered(&v, 0, 0xfd01, 31, 202, 0);
	its_vm_destroy(&v);
}

/*
 * Two-level ITTs: userspace sets IDR1.ITT_LEVELS; 2048 events span four
 * L2 ITTs. With 600 events, the second L2 ITT has a SPAN of 7 (128
 * entries): an EventID beyond it is dropped, although the entry it would
 * be in a full L2 ITT is the valid ITTE of the next device's ITT, which
 * the guest allocates right after it.
 */
static void test_guest_two_level_itt(void)
{
	struct its_vm v;

	its_vm_create(&v, 2, 1);
	its_reg_write(v.its_fd[0], GICV5_ITS_IDR1,
		      KVM_ITS_IDR1_DEFAULT | GICV5_ITS_IDR1_ITT_LEVELS);

	its_guest_setup(&v, false);
	devices_map_and_signal(&v, 0, 0x20, 300);

	its_device_add(&v, 0, 0x30, 600);
	its_device_add(&v, 0, 0x31, 64);
	its_map(&v, 0, 0x30, 512 + 127, 310, 1);
	its_map(&v, 0, 0x31, 60, 311, 0);
	msi_delivered(&v, 0, 0x30, 512 + 127, 310, 1);
	msi_dropped(&v, 0, 0x30, 512 + 128 + 60, "EventID beyond the SPAN of its L2 ITT");
	msi_delivered(&v, 0, 0x31, 60, 311, 0);
	its_vm_destroy(&v);
}

/* Whether the IRS offers two-level ISTs */
static bool irs_has_two_level_ist(struct its_vm *v)
{
	u64 idr2;

	u32 l2sz_bits, id_bits;

	kvm_device_attr_get(v->gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS, GICV5_IRS_IDR2, &idr2);
	l2sz_bits = FIELD_GET(GICV5_IRS_IDR2_IST_L2SZ, idr2);
	id_bits = min_t(u32, FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2), 16);

	/* At least 4 L2 ranges of the smallest L2 size, 4-byte ISTEs or more */
	if ((idr2 & GICV5_IRS_IDR2_IST_LEVELS) && l2sz_bits &&
	    id_bits >= 10 + 2 * __builtin_ctz(l2sz_bits) + 2)
		return true;

	ksft_print_msg("IRS IDR2 0x%lx: no two-level IST, skipping\n", (unsigned long)idr2);
	test_skipped = true;
	return false;
}

/* Events mapped to LPIs of several L2 ranges of a two-level IST */
static void test_guest_two_level_ist(void)
{
	struct its_vm v;
	u32 lpi_id_bits, l2_bits;
	u64 ist;

	its_vm_create(&v, 2, 1);
	if (!irs_has_two_level_ist(&v)) {
		its_vm_destroy(&v);
		return;
	}

	ist = guest_do(&v, 0, OP_IST_SETUP, true);
	lpi_id_bits = ist & 0xff;
	l2_bits = (ist >> 8) & 0xff;
	guest_do(&v, 1, OP_NO_IRQ);
	guest_do(&v, 0, OP_ITS_PROBE, 0);

	its_device_add(&v, 0, 3, 32);
	its_map(&v, 0, 3, 1, 5, 0);
	its_map(&v, 0, 3, 2, BIT(l2_bits) * 2 + 7, 1);
	its_map(&v, 0, 3, 3, BIT(lpi_id_bits) - 1, 0);

	msi_delivered(&v, 0, 3, 1, 5, 0);
	msi_delivered(&v, 0, 3, 2, BIT(l2_bits) * 2 + 7, 1);
	msi_delivered(&v, 0, 3, 3, BIT(lpi_id_bits) - 1, 0);
	its_vm_destroy(&v);
}

/* Two ITSes: the same DeviceID and EventID on each goes to its own LPI. */
static void test_guest_two_its(void)
{
	struct its_vm v;

	its_vm_create(&v, 2, 2);
	its_guest_setup(&v, false);

	its_device_add(&v, 0, 7, 32);
	its_device_add(&v, 1, 7, 32);
	its_map(&v, 0, 7, 4, 400, 0);
	its_map(&v, 1, 7, 4, 401, 1);

	msi_delivered(&v, 0, 7, 4, 400, 0);
	msi_delivered(&v, 1, 7, 4, 401, 1);

	/* Disabling one leaves the other working. */
	guest_do(&v, 0, OP_ITSEN, 0, false);
	msi_dropped(&v, 0, 7, 4, "ITS 0 disabled");
	msi_delivered(&v, 1, 7, 4, 401, 1);
	its_vm_destroy(&v);
}

/*
 * Unmap (ITTE VALID clear, INV_EVENTR): the MSI is dropped; mapped again
 * to another LPI: the MSI goes there. Either way the translation cache
 * must follow the invalidation.
 */
static void test_unmap_remap(void)
{
	struct its_vm v;

	its_vm_create(&v, 2, 1);
	its_guest_setup(&v, false);
	its_device_add(&v, 0, 0x42, 32);
	its_map(&v, 0, 0x42, 9, 500, 0);
	its_map(&v, 0, 0x42, 10, 501, 1);

	msi_delivered(&v, 0, 0x42, 9, 500, 0);
	msi_delivered(&v, 0, 0x42, 9, 500, 0);

	its_unmap(&v, 0, 0x42, 9);
	msi_dropped(&v, 0, 0x42, 9, "unmapped");
	msi_delivered(&v, 0, 0x42, 10, 501, 1);

	its_map(&v, 0, 0x42, 9, 502, 1);
	msi_delivered(&v, 0, 0x42, 9, 502, 1);
	msi_delivered(&v, 0, 0x42, 9, 502, 1);

	/* Moved without an unmap first: the ITTE rewritten, invalidated */
	guest_do(&v, 0, OP_LPI_ROUTE, 503, 0);
	guest_do(&v, 0, OP_SET_ITTE, 0, 0x42, 9,
		 FIELD_PREP(GICV5_ITTL2E_LPI_ID, 503) | GICV5_ITTL2E_VALID);
	msi_delivered(&v, 0, 0x42, 9, 503, 0);
	its_vm_destroy(&v);
}

/*
 * A device freed as Linux frees it: events unmapped, SYNCR and IRS_SYNCR,
 * then the DTE cleared and INV_DEVICER. SYNCR alone changes nothing; once
 * the DTE is gone, even a cached event is dropped. The DeviceID can be
 * added again, with new mappings.
 */
static void test_device_free(void)
{
	struct its_vm v;

	its_vm_create(&v, 2, 1);
	its_guest_setup(&v, false);
	its_device_add(&v, 0, 0x300, 2048);
	its_map(&v, 0, 0x300, 0, 600, 0);
	its_map(&v, 0, 0x300, 1, 601, 1);
	msi_delivered(&v, 0, 0x300, 0, 600, 0);
	msi_delivered(&v, 0, 0x300, 1, 601, 1);

	its_unmap(&v, 0, 0x300, 1);
	msi_dropped(&v, 0, 0x300, 1, "unmapped");

	guest_do(&v, 0, OP_DEVICE_SYNC, 0, 0x300);
	msi_delivered(&v, 0, 0x300, 0, 600, 0);

	guest_do(&v, 0, OP_DEVICE_REMOVE, 0, 0x300);
	msi_dropped(&v, 0, 0x300, 0, "device removed");
	msi_dropped(&v, 0, 0x300, 1, "device removed");

	its_device_add(&v, 0, 0x300, 1);
	msi_dropped(&v, 0, 0x300, 0, "device added again, event not mapped");
	its_map(&v, 0, 0x300, 0, 602, 1);
	msi_delivered(&v, 0, 0x300, 0, 602, 1);
	msi_dropped(&v, 0, 0x300, 1, "event beyond the new ITT");
	its_vm_destroy(&v);
}

/*
 * CR0.ITSEN clear: MSIs are dropped; set again: delivered, from the same
 * tables. A userspace ITS_CTRL_RESET disables the ITS too.
 */
static void test_itsen(void)
{
	struct its_vm v;

	its_vm_create(&v, 2, 1);
	its_guest_setup(&v, false);
	its_device_add(&v, 0, 0x55, 32);
	its_map(&v, 0, 0x55, 3, 700, 1);
	msi_delivered(&v, 0, 0x55, 3, 700, 1);

	guest_do(&v, 0, OP_ITSEN, 0, false);
	msi_dropped(&v, 0, 0x55, 3, "ITS disabled");
	msi_dropped(&v, 0, 0x55, 3, "ITS disabled");

	guest_do(&v, 0, OP_ITSEN, 0, true);
	msi_delivered(&v, 0, 0x55, 3, 700, 1);

	kvm_device_attr_set(v.its_fd[0], KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_CTRL_RESET,
			    NULL);
	TEST_ASSERT_EQ(its_reg_read(v.its_fd[0], GICV5_ITS_CR0), GICV5_ITS_CR0_IDLE);
	TEST_ASSERT_EQ(its_reg_read(v.its_fd[0], GICV5_ITS_DT_BASER), 0);
	msi_dropped(&v, 0, 0x55, 3, "ITS reset");
	its_vm_destroy(&v);
}

#define IRQFD_GSI			3

static void irqfd_signal(int fd)
{
	u64 val = 1;
	ssize_t ret = write(fd, &val, sizeof(val));

	TEST_ASSERT(ret == sizeof(val), __KVM_SYSCALL_ERROR("write()", (int)ret));
}

/*
 * An irqfd on a GSI with a KVM_IRQ_ROUTING_MSI route to the translate
 * frame, with a DeviceID: each eventfd write is taken once (the first
 * translation walks the tables, the next ones may use the cache); once
 * the event is unmapped, a write is dropped.
 */
static void test_irqfd(void)
{
	struct kvm_irq_routing *routing;
	struct kvm_irq_routing_entry *e;
	struct its_vm v;
	int fd;

	its_vm_create(&v, 2, 1);
	its_guest_setup(&v, false);
	its_device_add(&v, 0, 0x800, 32);
	its_map(&v, 0, 0x800, 17, 800, 1);

	routing = kvm_gsi_routing_create();
	e = &routing->entries[routing->nr++];
	e->gsi = IRQFD_GSI;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->flags = KVM_MSI_VALID_DEVID;
	e->u.msi.address_lo = (u32)ITS_TRANSLATER_GPA(0);
	e->u.msi.address_hi = ITS_TRANSLATER_GPA(0) >> 32;
	e->u.msi.data = 17;
	e->u.msi.devid = 0x800;
	kvm_gsi_routing_write(v.vm, routing);

	fd = kvm_new_eventfd();
	kvm_assign_irqfd(v.vm, IRQFD_GSI, fd);

	irqfd_signal(fd);
	guest_do(&v, 1, OP_WAIT_LPI, 800);
	guest_do(&v, 0, OP_NO_IRQ);
	irqfd_signal(fd);
	guest_do(&v, 1, OP_WAIT_LPI, 800);
	irqfd_signal(fd);
	guest_do(&v, 1, OP_WAIT_LPI, 800);

	its_unmap(&v, 0, 0x800, 17);
	irqfd_signal(fd);
	guest_no_irq(&v);

	kvm_deassign_irqfd(v.vm, IRQFD_GSI, fd);
	close(fd);
	its_vm_destroy(&v);
}

/*
 * The L2 DT index bits the guest picks with KVM's default IDR1 (all L2
 * sizes): those of its page size.
 */
static u32 guest_dt_l2_bits_of(struct kvm_vm *vm)
{
	switch (vm->page_size) {
	case SZ_64K:
		return ITS_L2SZ_64K_L2_BITS;
	case SZ_16K:
		return ITS_L2SZ_16K_L2_BITS;
	default:
		return ITS_L2SZ_4K_L2_BITS;
	}
}

/* A KVM_SIGNAL_MSI that fails with @want */
static void msi_errno(struct its_vm *v, u64 addr, u32 flags, u32 devid, int want,
		      const char *what)
{
	struct kvm_msi msi = {
		.address_lo = (u32)addr,
		.address_hi = addr >> 32,
		.data = 0,
		.flags = flags,
		.devid = devid,
	};
	int ret = __vm_ioctl(v->vm, KVM_SIGNAL_MSI, &msi);

	TEST_ASSERT(ret < 0 && errno == want, "MSI %s: ret %d errno %d, want %d",
		    what, ret, ret < 0 ? errno : 0, want);
}

/*
 * MSIs KVM refuses (-EINVAL): to the translate frame without a DeviceID,
 * to an address that is no translate frame nor the IRS SETLPIR, with an
 * unknown flag. MSIs to SETLPIR keep working where the IRS offers it,
 * with or without a DeviceID. A VM without an IRS takes none (-ENODEV).
 */
static void test_bad_msi(void)
{
	struct kvm_msi msi = { .data = 901, .flags = KVM_MSI_VALID_DEVID, .devid = 0x1234 };
	struct kvm_vm *vm;
	struct its_vm v;
	int ret, fd, gic_fd;
	u64 idr0;

	its_vm_create(&v, 2, 1);
	its_guest_setup(&v, false);
	its_device_add(&v, 0, 0, 32);
	its_map(&v, 0, 0, 0, 900, 0);

	msi_errno(&v, ITS_TRANSLATER_GPA(0), 0, 0, EINVAL, "without KVM_MSI_VALID_DEVID");
	msi_errno(&v, ITS_GPA(0), KVM_MSI_VALID_DEVID, 0, EINVAL, "to the ITS config frame");
	msi_errno(&v, ITS_TRANSLATER_GPA(1), KVM_MSI_VALID_DEVID, 0, EINVAL, "to no ITS");
	msi_errno(&v, TABLES_GPA, KVM_MSI_VALID_DEVID, 0, EINVAL, "to guest RAM");
	msi_errno(&v, ITS_TRANSLATER_GPA(0), KVM_MSI_VALID_DEVID | 2, 0, EINVAL,
		  "with an unknown flag");
	guest_no_irq(&v);

	msi_delivered(&v, 0, 0, 0, 900, 0);

	kvm_device_attr_get(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS, GICV5_IRS_IDR0, &idr0);
	if (idr0 & GICV5_IRS_IDR0_SETLPI) {
		guest_do(&v, 0, OP_LPI_ROUTE, 901, 1);
		ret = signal_msi(v.vm, IRS_BASE_GPA + IRS_SETLPIR, 901);
		TEST_ASSERT(ret == 1, "MSI to IRS_SETLPIR: ret %d errno %d, want 1", ret,
			    ret < 0 ? errno : 0);
		guest_do(&v, 1, OP_WAIT_LPI, 901);

		/* A DeviceID is ignored there. */
		msi.address_lo = IRS_BASE_GPA + IRS_SETLPIR;
		ret = __vm_ioctl(v.vm, KVM_SIGNAL_MSI, &msi);
		TEST_ASSERT(ret == 1, "MSI to IRS_SETLPIR with a DeviceID: ret %d errno %d, want 1",
			    ret, ret < 0 ? errno : 0);
		guest_do(&v, 1, OP_WAIT_LPI, 901);
	} else {
		ksft_print_msg("no IRS SETLPI frame, not sending it MSIs\n");
	}
	its_vm_destroy(&v);

	/* A VM without an IRS (PPI-only) has no LPIs to translate to */
	vm = __vm_create(VM_SHAPE_DEFAULT, 1, 0);
	gic_fd = kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5);
	fd = its_create(vm, ITS_GPA(0));
	vm_vcpu_add(vm, 0, guest_code);
	vgic_v5_init(gic_fd);
	msi = (struct kvm_msi) {
		.address_lo = (u32)ITS_TRANSLATER_GPA(0),
		.address_hi = ITS_TRANSLATER_GPA(0) >> 32,
		.flags = KVM_MSI_VALID_DEVID,
	};
	ret = __vm_ioctl(vm, KVM_SIGNAL_MSI, &msi);
	TEST_ASSERT(ret < 0 && errno == ENODEV,
		    "MSI to the ITS of a VM without an IRS: ret %d errno %d, want ENODEV",
		    ret, ret < 0 ? errno : 0);
	close(fd);
	close(gic_fd);
	kvm_vm_free(vm);
}

/*
 * What the guest's tables refuse is dropped (0) and the VM keeps working:
 * DeviceID and EventID out of range, invalid L1 entries and DTEs, an L2 DT
 * or ITT outside guest RAM, garbage DTEs and ITTEs, an LPI the IST does
 * not have, a virtual ITTE. A guest CPU's TRANSLATER write does nothing.
 */
static void test_bad_tables(void)
{
	u64 garbage = ~0ULL;
	struct its_vm v;
	u32 lpi_id_bits, l2_bits;

	its_vm_create(&v, 2, 1);
	l2_bits = guest_dt_l2_bits_of(v.vm);
	lpi_id_bits = its_guest_setup(&v, false);
	its_device_add(&v, 0, 0x10, 32);
	its_map(&v, 0, 0x10, 0, 1000, 1);
	msi_delivered(&v, 0, 0x10, 0, 1000, 1);

	msi_dropped(&v, 0, BIT(KVM_ITS_DEVICEID_BITS), 0, "DeviceID beyond DT_CFGR");
	msi_dropped(&v, 0, ~0U, 0, "DeviceID ~0");
	msi_dropped(&v, 0, 0x10, 32, "EventID beyond the DTE");
	msi_dropped(&v, 0, 0x10, BIT(KVM_ITS_EVENTID_BITS), "EventID beyond IDR2");
	msi_dropped(&v, 0, 0x11, 0, "invalid DTE of a valid L2 DT");
	msi_dropped(&v, 0, 5 << l2_bits, 0, "invalid L1 DT entry");

	/* An L1 entry to an L2 DT outside guest RAM */
	guest_do(&v, 0, OP_SET_DT_L1E, 0, 6,
		 GPA_NOT_RAM | FIELD_PREP(GICV5_DTL1E_SPAN, l2_bits) | GICV5_DTL1E_VALID);
	msi_dropped(&v, 0, 6 << l2_bits, 0, "L2 DT outside guest RAM");

	/* DTEs: an ITT outside guest RAM, all ones */
	guest_do(&v, 0, OP_SET_DTE, 0, 0x12,
		 FIELD_PREP(GICV5_DTL2E_EVENT_ID_BITS, 5) | GPA_NOT_RAM | GICV5_DTL2E_VALID);
	msi_dropped(&v, 0, 0x12, 0, "ITT outside guest RAM");
	guest_do(&v, 0, OP_SET_DTE, 0, 0x13, garbage);
	msi_dropped(&v, 0, 0x13, 0, "DTE of all ones");

	/* ITTEs: all ones, virtual, an LPI beyond the IST, not valid */
	its_device_add(&v, 0, 0x14, 32);
	guest_do(&v, 0, OP_SET_ITTE, 0, 0x14, 1, garbage);
	msi_dropped(&v, 0, 0x14, 1, "ITTE of all ones");
	guest_do(&v, 0, OP_SET_ITTE, 0, 0x14, 2, FIELD_PREP(GICV5_ITTL2E_LPI_ID, 1000) |
		 GICV5_ITTL2E_VIRTUAL | GICV5_ITTL2E_VALID);
	msi_dropped(&v, 0, 0x14, 2, "virtual ITTE");
	guest_do(&v, 0, OP_SET_ITTE, 0, 0x14, 3,
		 FIELD_PREP(GICV5_ITTL2E_LPI_ID, BIT(lpi_id_bits)) | GICV5_ITTL2E_VALID);
	msi_dropped(&v, 0, 0x14, 3, "LPI beyond the IST");
	guest_do(&v, 0, OP_SET_ITTE, 0, 0x14, 4, FIELD_PREP(GICV5_ITTL2E_LPI_ID, 1000));
	msi_dropped(&v, 0, 0x14, 4, "ITTE not valid");

	/* The entry after a 1-entry ITT: the next device's, valid */
	its_device_add(&v, 0, 0x15, 1);
	its_device_add(&v, 0, 0x16, 1);
	its_map(&v, 0, 0x16, 0, 1003, 0);
	msi_dropped(&v, 0, 0x15, 1, "EventID just beyond a 1-entry ITT");
	msi_delivered(&v, 0, 0x16, 0, 1003, 0);

	/* A guest CPU write to TRANSLATER has no DeviceID: not DeviceID 0 */
	its_device_add(&v, 0, 0, 1);
	its_map(&v, 0, 0, 0, 1001, 0);
	guest_do(&v, 0, OP_TRANSLATER, 0, 0);
	guest_do(&v, 1, OP_TRANSLATER, 0, 0);
	guest_no_irq(&v);

	/* The VM keeps working. */
	msi_delivered(&v, 0, 0, 0, 1001, 0);
	msi_delivered(&v, 0, 0x10, 0, 1000, 1);
	its_map(&v, 0, 0x14, 5, 1002, 1);
	msi_delivered(&v, 0, 0x14, 5, 1002, 1);
	its_vm_destroy(&v);
}

/* ------------------------------------------------------------------ */
/* Save and restore                                                    */
/* ------------------------------------------------------------------ */

/* The events of the save/restore case: ITS, DeviceID, EventID, LPI, vCPU */
static const struct {
	u32 its, devid, event, lpi, cpu;
} sr_events[] = {
	{ 0, 0x1,   0,    1100, 0 },
	{ 0, 0x2,   31,   1101, 1 },
	{ 0, 0x403, 2000, 1102, 0 },
	{ 1, 0x2,   31,   1103, 1 },
	{ 1, 0x3ff, 0,    1104, 0 },
};

/*
 * A VM whose guest mapped events of devices on two ITSes (one with a
 * linear DT) is saved, as a VMM does: the ITS registers, the IRS
 * registers and ISTs, the vCPUs' ICC registers, the memory of the tables
 * (the rest of guest memory, code and data, the library builds the same
 * way in the new VM). A new VM of the same configuration gets all of it
 * and its guest only waits:
 * the first MSI of every device translates to the LPI of the old tables.
 */
static void test_save_restore(void)
{
	static struct vgic_v5_state irs;
	static struct vgic_v5_cpu_regs cpu[NR_VCPUS];
	static struct its_regs regs[NR_ITS_MAX], again;
	struct its_vm a, b;
	unsigned int i, j;
	void *mem;
	int ret;

	mem = malloc(TABLES_SIZE);
	TEST_ASSERT(mem, "no memory for the guest's tables");

	its_vm_create(&a, 2, 2);
	its_reg_write(a.its_fd[1], GICV5_ITS_IDR1,
		      KVM_ITS_IDR1_DEFAULT & ~GICV5_ITS_IDR1_DT_LEVELS);
	its_guest_setup(&a, false);
	its_device_add(&a, 0, 0x1, 1);
	its_device_add(&a, 0, 0x2, 32);
	its_device_add(&a, 0, 0x403, 2048);
	its_device_add(&a, 1, 0x2, 32);
	its_device_add(&a, 1, 0x3ff, 1);
	for (i = 0; i < ARRAY_SIZE(sr_events); i++)
		its_map(&a, sr_events[i].its, sr_events[i].devid, sr_events[i].event,
			sr_events[i].lpi, sr_events[i].cpu);
	msi_delivered(&a, 0, 0x2, 31, 1101, 1);

	for (i = 0; i < a.nr_its; i++)
		its_regs_save(a.its_fd[i], &regs[i]);
	ret = vgic_v5_state_save(a.gic_fd, &irs, false);
	TEST_ASSERT(!ret, "IRS save: %d at offset 0x%x", ret, irs.regs.failed_offset);
	for (i = 0; i < a.nr_vcpus; i++) {
		ret = vgic_v5_cpu_regs_save(a.gic_fd, i, &cpu[i]);
		TEST_ASSERT(!ret, "vCPU %u ICC save: %d (0x%x)", i, ret, cpu[i].failed_instr);
	}
	memcpy(mem, addr_gpa2hva(a.vm, TABLES_GPA), TABLES_SIZE);
	its_vm_destroy(&a);

	/* The same configuration: vCPU ids, frames, memslots */
	its_vm_create(&b, 2, 2);
	ret = vgic_v5_state_restore(b.gic_fd, &irs);
	TEST_ASSERT(!ret, "IRS restore: %d (register 0x%x)", ret, irs.regs.failed_offset);
	for (i = 0; i < b.nr_vcpus; i++) {
		ret = vgic_v5_cpu_regs_restore(b.gic_fd, i, &cpu[i]);
		TEST_ASSERT(!ret, "vCPU %u ICC restore: %d (0x%x)", i, ret, cpu[i].failed_instr);
	}
	for (i = 0; i < b.nr_its; i++) {
		its_regs_restore(b.its_fd[i], &regs[i]);
		its_regs_save(b.its_fd[i], &again);
		TEST_ASSERT_EQ(again.nr, regs[i].nr);
		for (j = 0; j < again.nr; j++)
			TEST_ASSERT(again.offset[j] == regs[i].offset[j] &&
				    again.val[j] == regs[i].val[j],
				    "ITS %u register 0x%x: saved 0x%lx, restored 0x%lx", i,
				    regs[i].offset[j], (unsigned long)regs[i].val[j],
				    (unsigned long)again.val[j]);
	}
	memcpy(addr_gpa2hva(b.vm, TABLES_GPA), mem, TABLES_SIZE);
	vgic_v5_ist_free(&irs.ist);
	free(mem);

	for (i = 0; i < ARRAY_SIZE(sr_events); i++)
		msi_delivered(&b, sr_events[i].its, sr_events[i].devid, sr_events[i].event,
			      sr_events[i].lpi, sr_events[i].cpu);
	msi_dropped(&b, 0, 0x2, 30, "unmapped event");
	its_vm_destroy(&b);
}

/*
 * The events of the CPR case: DeviceID, EventID, LPI, vCPU, and when the
 * device raises the MSI (through its irqfd): while the irqfd is attached
 * to the old VM, while it is detached, or once it is attached to the new
 * VM. Each has an eventfd and a GSI of its own.
 */
enum cpr_stage { CPR_ATTACHED, CPR_DETACHED, CPR_RESTORED };

static const struct {
	u32 devid, event, lpi, cpu;
	enum cpr_stage stage;
} cpr_events[] = {
	{ 0x10,  0,   CPR_LPI_BASE + 0, 0, CPR_ATTACHED },
	{ 0x10,  5,   CPR_LPI_BASE + 1, 1, CPR_ATTACHED },
	{ 0x21,  3,   CPR_LPI_BASE + 2, 0, CPR_DETACHED },
	{ 0x21,  7,   CPR_LPI_BASE + 3, 1, CPR_DETACHED },
	{ 0x402, 100, CPR_LPI_BASE + 4, 1, CPR_DETACHED },
	{ 0x402, 0,   CPR_LPI_BASE + 5, 0, CPR_RESTORED },
	{ 0x10,  9,   CPR_LPI_BASE + 6, 1, CPR_RESTORED },
};

#define CPR_GSI_BASE			10
#define CPR_MAX_ROUNDS			100

/* An MSI route to ITS 0 with a DeviceID for every CPR event */
static void cpr_routing_write(struct kvm_vm *vm)
{
	struct kvm_irq_routing *routing = kvm_gsi_routing_create();
	struct kvm_irq_routing_entry *e;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cpr_events); i++) {
		e = &routing->entries[routing->nr++];
		e->gsi = CPR_GSI_BASE + i;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->flags = KVM_MSI_VALID_DEVID;
		e->u.msi.address_lo = (u32)ITS_TRANSLATER_GPA(0);
		e->u.msi.address_hi = ITS_TRANSLATER_GPA(0) >> 32;
		e->u.msi.data = cpr_events[i].event;
		e->u.msi.devid = cpr_events[i].devid;
	}
	kvm_gsi_routing_write(vm, routing);
}

static void cpr_signal(const int *fds, enum cpr_stage stage)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cpr_events); i++)
		if (cpr_events[i].stage == stage)
			irqfd_signal(fds[i]);
}

/* The LPIs the restored guest took so far, all vCPUs; fails on others. */
static u32 cpr_taken_total(struct its_vm *v)
{
	u32 (*taken)[CPR_NR_LPIS] = addr_gva2hva(v->vm, (gva_t)cpr_taken);
	u32 *unexpected = addr_gva2hva(v->vm, (gva_t)cpr_unexpected);
	u32 *intid = addr_gva2hva(v->vm, (gva_t)cpr_unexpected_intid);
	unsigned int i, j;
	u32 total = 0;

	for (i = 0; i < v->nr_vcpus; i++) {
		TEST_ASSERT(!READ_ONCE(unexpected[i]),
			    "vCPU %u took %u unexpected interrupts (last INTID 0x%x)", i,
			    READ_ONCE(unexpected[i]), READ_ONCE(intid[i]));
		for (j = 0; j < CPR_NR_LPIS; j++)
			total += READ_ONCE(taken[i][j]);
	}
	return total;
}

static void cpr_taken_dump(struct its_vm *v)
{
	u32 (*taken)[CPR_NR_LPIS] = addr_gva2hva(v->vm, (gva_t)cpr_taken);
	unsigned int i, j;

	for (i = 0; i < v->nr_vcpus; i++)
		for (j = 0; j < CPR_NR_LPIS; j++)
			if (taken[i][j])
				pr_info("vCPU %u took LPI %u %u times\n", i, CPR_LPI_BASE + j,
					taken[i][j]);
}

/*
 * Run every vCPU of the restored guest for quiet periods until it has
 * taken @want LPIs in all, then once more (nothing else may come).
 */
static void cpr_collect(struct its_vm *v, u32 want)
{
	unsigned int round, i;
	u32 total = 0;

	for (round = 0; round < CPR_MAX_ROUNDS; round++) {
		for (i = 0; i < v->nr_vcpus; i++)
			TEST_ASSERT_EQ(vcpu_run_to_sync(v->vcpus[i]), 0);
		total = cpr_taken_total(v);
		if (total >= want)
			break;
	}
	for (i = 0; i < v->nr_vcpus; i++)
		vcpu_run_to_sync(v->vcpus[i]);
	total = cpr_taken_total(v);
	if (total != want)
		cpr_taken_dump(v);
	TEST_ASSERT(total == want, "The restored guest took %u LPIs, want %u", total, want);
}

/*
 * CPR of a VM whose ITS gets its MSIs from irqfds (MSI routes with a
 * DeviceID), in the order arm-vgic-v5.rst documents. The guest of the old
 * VM sets up its IST and ITS as Linux does and maps events to LPIs of
 * both vCPUs, with IRQs masked: what the devices raise stays pending.
 * Some eventfds are signalled while the irqfds are attached (the guest
 * waits until CDRCFG reports their LPIs pending in the old VM, so they
 * are in the saved ISTs), some while they are
 * detached (the eventfds only count), some once they are attached to the
 * new VM. The new VM gets the IRS, IST, ICC and ITS state, the memory of
 * the tables, the routing and the same eventfds; its guest only unmasks
 * IRQs: every LPI is taken once, on its vCPU, and nothing else. The MSIs
 * counted while detached are injected when the irqfds are attached again,
 * through the restored tables with no cached translation.
 */
static void test_cpr_irqfd(void)
{
	static struct vgic_v5_state irs;
	static struct vgic_v5_cpu_regs cpu[NR_VCPUS];
	static struct its_regs regs;
	int fds[ARRAY_SIZE(cpr_events)];
	u32 (*taken)[CPR_NR_LPIS];
	struct its_vm a, b;
	unsigned int i, j;
	void *mem;
	int ret;

	mem = malloc(TABLES_SIZE);
	TEST_ASSERT(mem, "no memory for the guest's tables");

	its_vm_create(&a, 2, 1);
	its_guest_setup(&a, false);
	its_device_add(&a, 0, 0x10, 16);
	its_device_add(&a, 0, 0x21, 8);
	its_device_add(&a, 0, 0x402, 128);
	for (i = 0; i < ARRAY_SIZE(cpr_events); i++)
		its_map(&a, 0, cpr_events[i].devid, cpr_events[i].event, cpr_events[i].lpi,
			cpr_events[i].cpu);

	cpr_routing_write(a.vm);
	for (i = 0; i < ARRAY_SIZE(cpr_events); i++) {
		fds[i] = kvm_new_eventfd();
		kvm_assign_irqfd(a.vm, CPR_GSI_BASE + i, fds[i]);
	}
	cpr_signal(fds, CPR_ATTACHED);
	for (i = 0; i < ARRAY_SIZE(cpr_events); i++)
		if (cpr_events[i].stage == CPR_ATTACHED)
			guest_do(&a, 0, OP_WAIT_PENDING, cpr_events[i].lpi);

	/* The vCPUs are stopped (in GUEST_SYNC); detach, then more MSIs */
	for (i = 0; i < ARRAY_SIZE(cpr_events); i++)
		kvm_deassign_irqfd(a.vm, CPR_GSI_BASE + i, fds[i]);
	cpr_signal(fds, CPR_DETACHED);

	ret = vgic_v5_state_save(a.gic_fd, &irs, false);
	TEST_ASSERT(!ret, "IRS save: %d at offset 0x%x", ret, irs.regs.failed_offset);
	for (i = 0; i < a.nr_vcpus; i++) {
		ret = vgic_v5_cpu_regs_save(a.gic_fd, i, &cpu[i]);
		TEST_ASSERT(!ret, "vCPU %u ICC save: %d (0x%x)", i, ret, cpu[i].failed_instr);
	}
	its_regs_save(a.its_fd[0], &regs);
	memcpy(mem, addr_gpa2hva(a.vm, TABLES_GPA), TABLES_SIZE);
	its_vm_destroy(&a);

	/* The same configuration; the guest resumes with the restored state */
	__its_vm_create(&b, 2, 1, guest_cpr_resume);
	vm_install_exception_handler(b.vm, VECTOR_IRQ_CURRENT, cpr_irq_handler);
	memcpy(addr_gpa2hva(b.vm, TABLES_GPA), mem, TABLES_SIZE);
	free(mem);
	ret = vgic_v5_state_restore(b.gic_fd, &irs);
	TEST_ASSERT(!ret, "IRS restore: %d (register 0x%x)", ret, irs.regs.failed_offset);
	vgic_v5_ist_free(&irs.ist);
	for (i = 0; i < b.nr_vcpus; i++) {
		ret = vgic_v5_cpu_regs_restore(b.gic_fd, i, &cpu[i]);
		TEST_ASSERT(!ret, "vCPU %u ICC restore: %d (0x%x)", i, ret, cpu[i].failed_instr);
	}
	its_regs_restore(b.its_fd[0], &regs);

	cpr_routing_write(b.vm);
	for (i = 0; i < ARRAY_SIZE(cpr_events); i++)
		kvm_assign_irqfd(b.vm, CPR_GSI_BASE + i, fds[i]);

	cpr_collect(&b, 5);
	cpr_signal(fds, CPR_RESTORED);
	cpr_collect(&b, ARRAY_SIZE(cpr_events));

	taken = addr_gva2hva(b.vm, (gva_t)cpr_taken);
	for (i = 0; i < ARRAY_SIZE(cpr_events); i++)
		for (j = 0; j < b.nr_vcpus; j++)
			TEST_ASSERT(taken[j][cpr_events[i].lpi - CPR_LPI_BASE] ==
				    (j == cpr_events[i].cpu),
				    "LPI %u (DeviceID 0x%x EventID %u, stage %u): vCPU %u took it %u times, want %u",
				    cpr_events[i].lpi, cpr_events[i].devid, cpr_events[i].event,
				    cpr_events[i].stage, j,
				    taken[j][cpr_events[i].lpi - CPR_LPI_BASE],
				    j == cpr_events[i].cpu);

	for (i = 0; i < ARRAY_SIZE(cpr_events); i++) {
		kvm_deassign_irqfd(b.vm, CPR_GSI_BASE + i, fds[i]);
		close(fds[i]);
	}
	its_vm_destroy(&b);
}

#define WFI_BLOCK_US			100000

struct wfi_run {
	struct kvm_vcpu *vcpu;
	u64 wakeups;
};

static void *wfi_vcpu_thread(void *arg)
{
	struct wfi_run *r = arg;

	r->wakeups = vcpu_run_to_sync(r->vcpu);
	return NULL;
}

/*
 * vCPU @cpu waits in WFI with IRQs unmasked (OP_WFI_LPI); once it has had
 * the time to block there, @inject raises the MSI of @devid/@event, and the
 * vCPU must wake up and take @lpi, the other vCPU nothing.
 */
static void wfi_wakeup(struct its_vm *v, unsigned int cpu, u32 lpi,
		       void (*inject)(struct its_vm *v, void *arg), void *arg)
{
	struct guest_cmd *c = addr_gva2hva(v->vm, (gva_t)&guest_cmds[cpu]);
	struct wfi_run r = { .vcpu = v->vcpus[cpu] };
	struct ucall uc;
	pthread_t thread;
	unsigned int i;
	int ret;

	*c = (struct guest_cmd) { .op = OP_WFI_LPI, .arg = { lpi } };
	vcpu_run(r.vcpu);
	TEST_ASSERT(get_ucall(r.vcpu, &uc) == UCALL_SYNC && uc.args[1] == 1,
		    "vCPU %u: no GUEST_SYNC before WFI (ucall %lu)", cpu, uc.cmd);

	ret = pthread_create(&thread, NULL, wfi_vcpu_thread, &r);
	TEST_ASSERT(!ret, "pthread_create() failed: %d", ret);
	usleep(WFI_BLOCK_US);
	inject(v, arg);
	pthread_join(thread, NULL);
	TEST_ASSERT(r.wakeups >= 1, "vCPU %u: %lu wake-ups", cpu, (unsigned long)r.wakeups);

	for (i = 0; i < v->nr_vcpus; i++)
		if (i != cpu)
			guest_do(v, i, OP_NO_IRQ);
}

static void wfi_inject_signal_msi(struct its_vm *v, void *arg)
{
	u32 *ev = arg;
	int ret = its_msi(v, 0, ev[0], ev[1]);

	TEST_ASSERT(ret == 1, "MSI DeviceID 0x%x EventID %u: ret %d errno %d, want 1",
		    ev[0], ev[1], ret, ret < 0 ? errno : 0);
}

static void wfi_inject_irqfd(struct its_vm *v, void *arg)
{
	irqfd_signal(*(int *)arg);
}

/*
 * A vCPU waiting in WFI with IRQs unmasked is woken up by an MSI through
 * the ITS, from KVM_SIGNAL_MSI and from an irqfd with an MSI route, and
 * takes the LPI of the event; then the other vCPU, by an irqfd.
 */
static void test_wfi_wakeup(void)
{
	struct kvm_irq_routing *routing;
	struct kvm_irq_routing_entry *e;
	u32 ev[2] = { 0x30, 4 };
	struct its_vm v;
	int fd;

	its_vm_create(&v, 2, 1);
	its_guest_setup(&v, false);
	its_device_add(&v, 0, 0x30, 8);
	its_device_add(&v, 0, 0x31, 8);
	its_map(&v, 0, 0x30, 4, 1300, 1);
	its_map(&v, 0, 0x31, 6, 1301, 1);
	its_map(&v, 0, 0x31, 2, 1302, 0);

	wfi_wakeup(&v, 1, 1300, wfi_inject_signal_msi, ev);

	routing = kvm_gsi_routing_create();
	e = &routing->entries[routing->nr++];
	e->gsi = IRQFD_GSI;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->flags = KVM_MSI_VALID_DEVID;
	e->u.msi.address_lo = (u32)ITS_TRANSLATER_GPA(0);
	e->u.msi.address_hi = ITS_TRANSLATER_GPA(0) >> 32;
	e->u.msi.data = 6;
	e->u.msi.devid = 0x31;
	e = &routing->entries[routing->nr++];
	e->gsi = IRQFD_GSI + 1;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->flags = KVM_MSI_VALID_DEVID;
	e->u.msi.address_lo = (u32)ITS_TRANSLATER_GPA(0);
	e->u.msi.address_hi = ITS_TRANSLATER_GPA(0) >> 32;
	e->u.msi.data = 2;
	e->u.msi.devid = 0x31;
	kvm_gsi_routing_write(v.vm, routing);

	fd = kvm_new_eventfd();
	kvm_assign_irqfd(v.vm, IRQFD_GSI, fd);
	wfi_wakeup(&v, 1, 1301, wfi_inject_irqfd, &fd);
	kvm_deassign_irqfd(v.vm, IRQFD_GSI, fd);
	kvm_assign_irqfd(v.vm, IRQFD_GSI + 1, fd);
	wfi_wakeup(&v, 0, 1302, wfi_inject_irqfd, &fd);
	kvm_deassign_irqfd(v.vm, IRQFD_GSI + 1, fd);
	close(fd);
	its_vm_destroy(&v);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "create",			test_create },
	{ "addr",			test_addr },
	{ "ctrl",			test_ctrl },
	{ "regs",			test_regs },
	{ "guest_two_level_dt",		test_guest_two_level_dt },
	{ "guest_linear_dt",		test_guest_linear_dt },
	{ "guest_two_level_itt",	test_guest_two_level_itt },
	{ "guest_two_level_ist",	test_guest_two_level_ist },
	{ "guest_two_its",		test_guest_two_its },
	{ "unmap_remap",		test_unmap_remap },
	{ "device_free",		test_device_free },
	{ "itsen",			test_itsen },
	{ "irqfd",			test_irqfd },
	{ "bad_msi",			test_bad_msi },
	{ "bad_tables",			test_bad_tables },
	{ "save_restore",		test_save_restore },
	{ "cpr_irqfd",			test_cpr_irqfd },
	{ "wfi_wakeup",			test_wfi_wakeup },
};

/* Whether KVM can create a GICv5 ITS in a GICv5 VM with an IRS */
static bool kvm_supports_vgic_v5_its(void)
{
	struct kvm_vm *vm;
	int gic_fd, fd, err;

	if (!kvm_supports_vgic_v5_irs())
		return false;

	vm = vm_create_barebones();
	gic_fd = kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5);
	fd = __kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS);
	err = errno;
	if (fd >= 0)
		close(fd);
	close(gic_fd);
	kvm_vm_free(vm);

	TEST_ASSERT(fd >= 0 || err == ENODEV,
		    "Creating a GICv5 ITS: errno %d, want success or ENODEV", err);
	return fd >= 0;
}

int main(void)
{
	int i;

	test_disable_default_vgic();

	__TEST_REQUIRE(kvm_supports_vgic_v5_its(),
		       "No GICv5 ITS support; not running the GICv5 ITS tests");

	max_ipa_size = 1ULL << vm_guest_mode_params[VM_MODE_DEFAULT].pa_bits;

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
