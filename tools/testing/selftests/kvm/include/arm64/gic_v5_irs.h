/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The GICv5 IRS of a KVM guest, for the vgic_v5 selftests: the registers
 * of its CONFIG_FRAME, what the guest does with them and with the GIC
 * instructions, as the Linux GICv5 driver does, and the VMM's side of the
 * device. The IRS frames are identity-mapped at GICV5_IRS_BASE_GPA.
 *
 * Include it after <arm64/gic_v5.h>.
 */
#ifndef SELFTEST_KVM_GIC_V5_IRS_H
#define SELFTEST_KVM_GIC_V5_IRS_H

#include <linux/bitfield.h>
#include <linux/sizes.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

/* The IRS frames: CONFIG_FRAME, then SETLPI_FRAME. Identity-mapped. */
#define IRS_BASE_GPA			0x8000000ULL
#define IRS_SETLPI_FRAME		SZ_64K

/* CONFIG_FRAME registers */
#define GICV5_IRS_IDR0			0x0000
#define GICV5_IRS_IDR1			0x0004
#define GICV5_IRS_IDR2			0x0008
#define GICV5_IRS_IDR3			0x000c
#define GICV5_IRS_IDR4			0x0010
#define GICV5_IRS_IDR5			0x0014
#define GICV5_IRS_IDR6			0x0018
#define GICV5_IRS_IDR7			0x001c
#define GICV5_IRS_IIDR			0x0040
#define GICV5_IRS_AIDR			0x0044
#define GICV5_IRS_CR0			0x0080
#define GICV5_IRS_CR1			0x0084
#define GICV5_IRS_SYNC_STATUSR		0x00c4
#define GICV5_IRS_SPI_SELR		0x0108
#define GICV5_IRS_SPI_CFGR		0x0114
#define GICV5_IRS_SPI_STATUSR		0x0118
#define GICV5_IRS_PE_SELR		0x0140
#define GICV5_IRS_PE_STATUSR		0x0144
#define GICV5_IRS_IST_BASER		0x0180
#define GICV5_IRS_IST_CFGR		0x0190
#define GICV5_IRS_IST_STATUSR		0x0194
#define GICV5_IRS_DEVARCH		0xffbc
#define GICV5_IRS_PIDR4			0xffd0
#define GICV5_IRS_PIDR0			0xffe0
#define GICV5_IRS_CIDR0			0xfff0

#define GICV5_IRS_IDR0_VIRT		BIT(6)
#define GICV5_IRS_IDR0_INT_DOM		GENMASK(1, 0)
#define GICV5_IRS_IDR0_INT_DOM_NS	1
#define GICV5_IRS_IDR1_PRIORITY_BITS	GENMASK(22, 20)
#define GICV5_IRS_IDR1_IAFFID_BITS	GENMASK(19, 16)
#define GICV5_IRS_IDR1_PE_CNT		GENMASK(15, 0)
#define GICV5_IRS_IDR2_ISTMD_SZ		GENMASK(19, 15)
#define GICV5_IRS_IDR2_ISTMD		BIT(14)
#define GICV5_IRS_IDR2_MIN_LPI_ID_BITS	GENMASK(9, 6)
#define GICV5_IRS_IDR2_LPI		BIT(5)
#define GICV5_IRS_IDR2_ID_BITS		GENMASK(4, 0)
#define GICV5_IRS_IDR5_SPI_RANGE	GENMASK(24, 0)
#define GICV5_IRS_IDR6_SPI_IRS_RANGE	GENMASK(24, 0)
#define GICV5_IRS_IDR7_SPI_BASE		GENMASK(23, 0)
#define GICV5_IRS_CR0_IDLE		BIT(1)
#define GICV5_IRS_CR0_IRSEN		BIT(0)
#define GICV5_IRS_CR1_IC		GENMASK(5, 4)
#define GICV5_IRS_CR1_OC		GENMASK(3, 2)
#define GICV5_IRS_CR1_SH		GENMASK(1, 0)
#define GICV5_IRS_STATUSR_IDLE		BIT(0)
#define GICV5_IRS_STATUSR_V		BIT(1)
#define GICV5_IRS_SPI_CFGR_TM		BIT(0)
#define GICV5_IRS_SPI_CFGR_TM_EDGE	0
#define GICV5_IRS_SPI_CFGR_TM_LEVEL	1
#define GICV5_IRS_IST_BASER_VALID	BIT_ULL(0)
#define GICV5_IRS_IST_CFGR_STRUCTURE	BIT(16)
#define GICV5_IRS_IST_CFGR_ISTSZ	GENMASK(8, 7)
#define GICV5_IRS_IST_CFGR_LPI_ID_BITS	GENMASK(4, 0)
#define GICV5_IRS_IST_CFGR_STRUCTURE_LINEAR	0
#define GICV5_IRS_IST_CFGR_ISTSZ_4	0
#define GICV5_IRS_IST_CFGR_ISTSZ_8	1
#define GICV5_IRS_IST_CFGR_ISTSZ_16	2

/* Two-level ISTs, the SETLPI frame */
#define GICV5_IRS_MAP_L2_ISTR		0x01c0
#define GICV5_IRS_IDR0_SETLPI		BIT(9)
#define GICV5_IRS_IDR2_IST_L2SZ		GENMASK(13, 11)
#define GICV5_IRS_IDR2_IST_LEVELS	BIT(10)
#define GICV5_IRS_IST_BASER_ADDR_MASK	GENMASK_ULL(55, 6)
#define GICV5_IRS_IST_CFGR_L2SZ		GENMASK(6, 5)
#define GICV5_IRS_IST_CFGR_STRUCTURE_TWO_LEVEL	1
#define GICV5_IRS_IST_CFGR_L2SZ_4K	0
#define GICV5_IRS_IST_CFGR_L2SZ_16K	1
#define GICV5_IRS_IST_CFGR_L2SZ_64K	2
#define GICV5_IRS_MAP_L2_ISTR_ID	GENMASK(23, 0)
#define GICV5_ISTL1E_VALID		BIT_ULL(0)
#define GICV5_ISTL1E_L2_ADDR_MASK	GENMASK_ULL(55, 12)

/* INTID: TYPE and ID, in the operand layout of the GIC CD* instructions */
#define GICV5_HWIRQ_TYPE		GENMASK_ULL(31, 29)
#define GICV5_HWIRQ_ID			GENMASK_ULL(23, 0)
#define GICV5_HWIRQ_TYPE_LPI		0x2
#define GICV5_HWIRQ_TYPE_SPI		0x3

/* How long the guest waits for the IRS or for an interrupt */
#define GUEST_TIMEOUT_S			2

/* How long a dropped interrupt is given to show up anyway */
#define GUEST_QUIET_MS			50

/* ------------------------------------------------------------------ */
/* Guest side                                                          */
/* ------------------------------------------------------------------ */

static inline void *irs_reg(u32 offset)
{
	return (void *)(IRS_BASE_GPA + offset);
}

static inline u32 irs_read32(u32 offset)
{
	return readl(irs_reg(offset));
}

static inline void irs_write32(u32 val, u32 offset)
{
	writel(val, irs_reg(offset));
}

static inline u64 irs_read64(u32 offset)
{
	return readq(irs_reg(offset));
}

static inline void irs_write64(u64 val, u32 offset)
{
	writeq(val, irs_reg(offset));
}

static inline u64 guest_deadline_ms(u64 ms)
{
	isb();
	return read_sysreg(cntvct_el0) + read_sysreg(cntfrq_el0) * ms / 1000;
}

static inline u64 guest_deadline(void)
{
	return guest_deadline_ms(GUEST_TIMEOUT_S * 1000);
}

static inline bool guest_deadline_passed(u64 deadline)
{
	isb();
	return read_sysreg(cntvct_el0) > deadline;
}

static inline u32 irs_wait_for_idle(u32 offset, u32 idle)
{
	u64 deadline = guest_deadline();
	u32 val;

	do {
		val = irs_read32(offset);
		if (val & idle)
			return val;
	} while (!guest_deadline_passed(deadline));

	GUEST_FAIL("IRS register 0x%x not idle: 0x%x", offset, val);
	return val;
}

static inline u64 guest_intid(u32 type, u32 id)
{
	return FIELD_PREP(GICV5_HWIRQ_TYPE, type) | FIELD_PREP(GICV5_HWIRQ_ID, id);
}

/* Priority drop, then deactivation, as the host GICv5 driver does. */
static inline void guest_irq_complete(u64 intid)
{
	gic_insn(0, CDEOI);
	gic_insn(intid, CDDI);
	gsb_sys();
	isb();
}

/* Acknowledge with IRQs masked; the interrupt must become pending in time. */
static inline u64 guest_poll_ack(void)
{
	u64 deadline = guest_deadline();
	u64 ia;

	do {
		ia = gicr_insn(CDIA);
		if (GICV5_GICR_CDIA_VALID(ia)) {
			gsb_ack();
			isb();
			return FIELD_GET(GICV5_GICR_CDIA_INTID, ia);
		}
	} while (!guest_deadline_passed(deadline));

	GUEST_FAIL("No interrupt to acknowledge");
	return 0;
}

static inline void guest_assert_nothing_pending(void)
{
	u64 ia = gicr_insn(CDIA);

	__GUEST_ASSERT(!GICV5_GICR_CDIA_VALID(ia), "Unexpected interrupt 0x%lx",
		       (unsigned long)FIELD_GET(GICV5_GICR_CDIA_INTID, ia));
}

/* CPU interface on, IRQs masked, guest IRS enabled. */
static inline void guest_gic_setup(void)
{
	local_irq_disable();
	gicv5_cpu_enable_interrupts();
	isb();

	irs_write32(GICV5_IRS_CR0_IRSEN, GICV5_IRS_CR0);
	irs_wait_for_idle(GICV5_IRS_CR0, GICV5_IRS_CR0_IDLE);
	GUEST_ASSERT(irs_read32(GICV5_IRS_CR0) & GICV5_IRS_CR0_IRSEN);
}

static inline void guest_spi_configure(u32 spi, u32 tm)
{
	irs_write32(spi, GICV5_IRS_SPI_SELR);
	GUEST_ASSERT(irs_wait_for_idle(GICV5_IRS_SPI_STATUSR, GICV5_IRS_STATUSR_IDLE) &
		     GICV5_IRS_STATUSR_V);

	irs_write32(FIELD_PREP(GICV5_IRS_SPI_CFGR_TM, tm), GICV5_IRS_SPI_CFGR);
	irs_wait_for_idle(GICV5_IRS_SPI_STATUSR, GICV5_IRS_STATUSR_IDLE);
	GUEST_ASSERT_EQ(FIELD_GET(GICV5_IRS_SPI_CFGR_TM, irs_read32(GICV5_IRS_SPI_CFGR)),
			tm);
}

/* Written by guest_irq_handler(): the last INTID taken, and how many */
static u32 irq_count;
static u32 irq_intid;

static inline void guest_irq_handler(struct ex_regs *regs)
{
	u64 ia = gicr_insn(CDIA);
	u32 intid;

	if (!GICV5_GICR_CDIA_VALID(ia))
		return;

	gsb_ack();
	isb();

	intid = FIELD_GET(GICV5_GICR_CDIA_INTID, ia);
	guest_irq_complete(intid);

	WRITE_ONCE(irq_intid, intid);
	WRITE_ONCE(irq_count, READ_ONCE(irq_count) + 1);
}

/* Wait (IRQs unmasked) for exactly one interrupt, then mask IRQs again. */
static inline void guest_wait_for_irq(u64 intid)
{
	u64 deadline = guest_deadline();

	local_irq_enable();
	while (!READ_ONCE(irq_count) && !guest_deadline_passed(deadline))
		cpu_relax();
	local_irq_disable();

	GUEST_ASSERT_EQ(READ_ONCE(irq_count), 1);
	GUEST_ASSERT_EQ(READ_ONCE(irq_intid), intid);
	guest_assert_nothing_pending();
}

/* IRQs unmasked for a while: no interrupt may come. */
static inline void guest_assert_no_irq(void)
{
	u64 deadline = guest_deadline_ms(GUEST_QUIET_MS);

	local_irq_enable();
	while (!READ_ONCE(irq_count) && !guest_deadline_passed(deadline))
		cpu_relax();
	local_irq_disable();

	__GUEST_ASSERT(!READ_ONCE(irq_count), "Unexpected interrupt 0x%x",
		       READ_ONCE(irq_intid));
	guest_assert_nothing_pending();
}

/*
 * Make a linear LPI IST of at least @lpi_id_bits at @gpa valid (@size
 * bytes of guest memory): IST_CFGR first, then IST_BASER.VALID.
 */
static inline void guest_linear_ist_setup(u64 gpa, u32 want_id_bits, u64 size)
{
	u32 idr2 = irs_read32(GICV5_IRS_IDR2);
	u32 id_bits = FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2);
	u32 lpi_id_bits = max_t(u32, want_id_bits,
				FIELD_GET(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, idr2));
	u32 istsz = GICV5_IRS_IST_CFGR_ISTSZ_4;
	u64 baser;

	GUEST_ASSERT(idr2 & GICV5_IRS_IDR2_LPI);
	GUEST_ASSERT(lpi_id_bits <= id_bits);

	if (idr2 & GICV5_IRS_IDR2_ISTMD) {
		if (lpi_id_bits < FIELD_GET(GICV5_IRS_IDR2_ISTMD_SZ, idr2))
			istsz = GICV5_IRS_IST_CFGR_ISTSZ_8;
		else
			istsz = GICV5_IRS_IST_CFGR_ISTSZ_16;
	}
	GUEST_ASSERT((4UL << istsz) << lpi_id_bits <= size);

	irs_write32(FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE,
			       GICV5_IRS_IST_CFGR_STRUCTURE_LINEAR) |
		    FIELD_PREP(GICV5_IRS_IST_CFGR_ISTSZ, istsz) |
		    FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, lpi_id_bits),
		    GICV5_IRS_IST_CFGR);

	baser = gpa | GICV5_IRS_IST_BASER_VALID;
	irs_write64(baser, GICV5_IRS_IST_BASER);
	irs_wait_for_idle(GICV5_IRS_IST_STATUSR, GICV5_IRS_STATUSR_IDLE);

	/* An IST_CFGR that KVM does not accept would leave the IST invalid. */
	GUEST_ASSERT_EQ(irs_read64(GICV5_IRS_IST_BASER), baser);
}

/* ------------------------------------------------------------------ */
/* Host side                                                           */
/* ------------------------------------------------------------------ */

static inline void set_irs_base(int gic_fd, u64 base)
{
	kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			    KVM_VGIC_V5_ADDR_TYPE_IRS, &base);
}

static inline void vgic_v5_init(int gic_fd)
{
	kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			    KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
}

static inline int signal_msi(struct kvm_vm *vm, u64 addr, u32 data)
{
	struct kvm_msi msi = {
		.address_lo = (u32)addr,
		.address_hi = addr >> 32,
		.data = data,
	};

	return __vm_ioctl(vm, KVM_SIGNAL_MSI, &msi);
}

/*
 * Whether KVM can create a GICv5 device with an IRS: the IRS address
 * attribute exists only where the host IRS can take VMs.
 */
static inline bool kvm_supports_vgic_v5_irs(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	bool irs = false;
	int fd, err;

	fd = __kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5);
	err = errno;
	if (fd >= 0) {
		irs = !__kvm_has_device_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
					     KVM_VGIC_V5_ADDR_TYPE_IRS);
		close(fd);
	}
	kvm_vm_free(vm);

	TEST_ASSERT(fd >= 0 || err == ENODEV,
		    "Creating a GICv5 device: errno %d, want success or ENODEV", err);
	return irs;
}

#endif
