// SPDX-License-Identifier: GPL-2.0
/*
 * vgic_v5_irs - tests for the IRS of the KVM GICv5 device
 *
 * The first cases check the userspace ABI of KVM_DEV_TYPE_ARM_VGIC_V5 for
 * the IRS: the IRS base address, the number of SPIs and CTRL_INIT. The
 * others run a guest that reads the IRS register frame and takes SPIs and
 * LPIs raised by the host (KVM_IRQ_LINE, irqfd, KVM_SIGNAL_MSI) or by
 * itself (GIC CDPEND). Every case uses a VM of its own.
 *
 * The test is skipped when KVM cannot create a GICv5 device.
 */
#include <endian.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
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
#include "vgic.h"
#include "vgic_v5_save.h"

/* Identification values of the KVM IRS */
#define KVM_IRS_IIDR			0x04b0043b
#define KVM_IRS_AIDR			0
#define KVM_IRS_DEVARCH			0x47705a19

static const u32 kvm_irs_pidr0_3[] = { 0x4b, 0xb0, 0x0b, 0x00 };
static const u32 kvm_irs_pidr4_7[] = { 0x04, 0x00, 0x00, 0x00 };
static const u32 kvm_irs_cidr0_3[] = { 0x0d, 0xf0, 0x05, 0xb1 };

/* Offsets that hold no register: RAZ/WI */
static const u32 irs_unimplemented[] = { 0x0020, 0x0400, 0x8000 };

#define NR_SPIS_DEFAULT			32
#define NR_SPIS				64

#define TEST_SPI			21	/* 0-based SPI number */
#define IRQFD_SPI			42
#define IRQFD_GSI			7
#define TEST_LPI			37
#define TEST_LPI_ID_BITS		8

/* Highest priority: always above the ICC_PCR_EL1 mask of the guest. */
#define TEST_IRQ_PRI			0

/*
 * The guest LPI IST. It is never accessed, but it is real guest memory:
 * a memslot of its own at the top of the IPA space, aligned to its size,
 * which is large enough for any linear IST the guest may configure.
 */
#define IST_MEMSLOT			1
#define IST_REGION_SIZE			SZ_1M

enum {
	STAGE_INJECT = 1,
	STAGE_LOWER,
	STAGE_RESAMPLED,
};

/* Set by the host before the guest runs */
static u32 guest_nr_spis;
static u64 guest_ist_gpa;

static u64 max_ipa_size;

/* ------------------------------------------------------------------ */
/* Guest side                                                          */
/* ------------------------------------------------------------------ */

/* Prioritise an SPI or LPI, target it at this vCPU and enable it. */
static void guest_irq_enable(u64 intid)
{
	u64 iaffid = FIELD_GET(ICC_IAFFIDR_EL1_IAFFID,
			       read_sysreg_s(SYS_ICC_IAFFIDR_EL1));

	/* The IAFFID of a vCPU is its vcpu_id; the guest has vCPU 0 only. */
	GUEST_ASSERT_EQ(iaffid, 0);

	gic_insn(intid | FIELD_PREP(GICV5_GIC_CDPRI_PRIORITY_MASK, TEST_IRQ_PRI),
		 CDPRI);
	gic_insn(intid | FIELD_PREP(GICV5_GIC_CDAFF_IAFFID_MASK, iaffid), CDAFF);
	gic_insn(intid, CDEN);
	gsb_sys();
	isb();
}

static void guest_check_id_regs(void)
{
	u32 idr0 = irs_read32(GICV5_IRS_IDR0);
	u32 idr1 = irs_read32(GICV5_IRS_IDR1);
	u32 idr2 = irs_read32(GICV5_IRS_IDR2);
	int i;

	/* A Non-secure IRS, without IRS virtualization */
	GUEST_ASSERT_EQ(FIELD_GET(GICV5_IRS_IDR0_INT_DOM, idr0),
			GICV5_IRS_IDR0_INT_DOM_NS);
	GUEST_ASSERT(!(idr0 & GICV5_IRS_IDR0_VIRT));
	GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_IDR3), 0);
	GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_IDR4), 0);

	/* One PE, IAFFID 0: a 1-bit IAFFID; 5 priority bits at most */
	GUEST_ASSERT_EQ(FIELD_GET(GICV5_IRS_IDR1_PE_CNT, idr1), 1);
	GUEST_ASSERT_EQ(FIELD_GET(GICV5_IRS_IDR1_IAFFID_BITS, idr1), 0);
	GUEST_ASSERT(FIELD_GET(GICV5_IRS_IDR1_PRIORITY_BITS, idr1) <= 4);

	/* LPIs, with a consistent ID range */
	GUEST_ASSERT(idr2 & GICV5_IRS_IDR2_LPI);
	GUEST_ASSERT(FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2) <= 24);
	GUEST_ASSERT(FIELD_GET(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, idr2) <=
		     FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2));

	/* A single IRS owning all the SPIs */
	GUEST_ASSERT_EQ(FIELD_GET(GICV5_IRS_IDR5_SPI_RANGE,
				  irs_read32(GICV5_IRS_IDR5)), guest_nr_spis);
	GUEST_ASSERT_EQ(FIELD_GET(GICV5_IRS_IDR6_SPI_IRS_RANGE,
				  irs_read32(GICV5_IRS_IDR6)), guest_nr_spis);
	GUEST_ASSERT_EQ(FIELD_GET(GICV5_IRS_IDR7_SPI_BASE,
				  irs_read32(GICV5_IRS_IDR7)), 0);

	GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_IIDR), KVM_IRS_IIDR);
	GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_AIDR), KVM_IRS_AIDR);
	GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_DEVARCH), KVM_IRS_DEVARCH);

	for (i = 0; i < ARRAY_SIZE(kvm_irs_pidr0_3); i++)
		GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_PIDR0 + 4 * i), kvm_irs_pidr0_3[i]);
	for (i = 0; i < ARRAY_SIZE(kvm_irs_pidr4_7); i++)
		GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_PIDR4 + 4 * i), kvm_irs_pidr4_7[i]);
	for (i = 0; i < ARRAY_SIZE(kvm_irs_cidr0_3); i++)
		GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_CIDR0 + 4 * i), kvm_irs_cidr0_3[i]);

	/* ID registers are read-only */
	irs_write32(0, GICV5_IRS_IIDR);
	GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_IIDR), KVM_IRS_IIDR);
	irs_write32(0, GICV5_IRS_IDR5);
	GUEST_ASSERT_EQ(FIELD_GET(GICV5_IRS_IDR5_SPI_RANGE,
				  irs_read32(GICV5_IRS_IDR5)), guest_nr_spis);
}

static void guest_check_reset_state(void)
{
	u32 cr1 = FIELD_PREP(GICV5_IRS_CR1_IC, 1) | FIELD_PREP(GICV5_IRS_CR1_OC, 1) |
		  FIELD_PREP(GICV5_IRS_CR1_SH, 3);

	/* Disabled, and every operation has completed */
	GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_CR0), GICV5_IRS_CR0_IDLE);
	GUEST_ASSERT(irs_read32(GICV5_IRS_SYNC_STATUSR) & GICV5_IRS_STATUSR_IDLE);
	GUEST_ASSERT(irs_read32(GICV5_IRS_SPI_STATUSR) & GICV5_IRS_STATUSR_IDLE);
	GUEST_ASSERT(irs_read32(GICV5_IRS_PE_STATUSR) & GICV5_IRS_STATUSR_IDLE);
	GUEST_ASSERT(irs_read32(GICV5_IRS_IST_STATUSR) & GICV5_IRS_STATUSR_IDLE);

	/* No LPI IST */
	GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_IST_CFGR), 0);
	GUEST_ASSERT_EQ(irs_read64(GICV5_IRS_IST_BASER), 0);

	/* CR1 only holds what is written to it */
	GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_CR1), 0);
	irs_write32(cr1, GICV5_IRS_CR1);
	GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_CR1), cr1);
}

static void guest_check_selectors(void)
{
	/* The last SPI is valid, the next one is not and has no config. */
	irs_write32(guest_nr_spis - 1, GICV5_IRS_SPI_SELR);
	GUEST_ASSERT(irs_wait_for_idle(GICV5_IRS_SPI_STATUSR, GICV5_IRS_STATUSR_IDLE) &
		     GICV5_IRS_STATUSR_V);
	irs_write32(guest_nr_spis, GICV5_IRS_SPI_SELR);
	GUEST_ASSERT(!(irs_wait_for_idle(GICV5_IRS_SPI_STATUSR, GICV5_IRS_STATUSR_IDLE) &
		       GICV5_IRS_STATUSR_V));
	GUEST_ASSERT_EQ(irs_read32(GICV5_IRS_SPI_CFGR), 0);

	/* IAFFID 0 is this vCPU, IAFFID 1 is no PE. */
	irs_write32(0, GICV5_IRS_PE_SELR);
	GUEST_ASSERT(irs_wait_for_idle(GICV5_IRS_PE_STATUSR, GICV5_IRS_STATUSR_IDLE) &
		     GICV5_IRS_STATUSR_V);
	irs_write32(1, GICV5_IRS_PE_SELR);
	GUEST_ASSERT(!(irs_wait_for_idle(GICV5_IRS_PE_STATUSR, GICV5_IRS_STATUSR_IDLE) &
		       GICV5_IRS_STATUSR_V));
}

static void guest_check_raz_wi(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(irs_unimplemented); i++) {
		irs_write32(~0U, irs_unimplemented[i]);
		GUEST_ASSERT_EQ(irs_read32(irs_unimplemented[i]), 0);
	}
}

static void guest_code_irs_regs(void)
{
	guest_check_id_regs();
	guest_check_reset_state();
	guest_check_selectors();
	guest_check_raz_wi();

	/* Enabling completes at once. */
	irs_write32(GICV5_IRS_CR0_IRSEN, GICV5_IRS_CR0);
	GUEST_ASSERT_EQ(irs_wait_for_idle(GICV5_IRS_CR0, GICV5_IRS_CR0_IDLE),
			GICV5_IRS_CR0_IDLE | GICV5_IRS_CR0_IRSEN);

	GUEST_DONE();
}

static void guest_code_spi_edge(void)
{
	u64 intid = guest_intid(GICV5_HWIRQ_TYPE_SPI, TEST_SPI);

	guest_gic_setup();
	guest_spi_configure(TEST_SPI, GICV5_IRS_SPI_CFGR_TM_EDGE);
	guest_irq_enable(intid);

	GUEST_SYNC(STAGE_INJECT);
	guest_wait_for_irq(intid);

	GUEST_DONE();
}

/* IRQs stay masked: the guest acknowledges with CDIA directly. */
static void guest_code_spi_level(void)
{
	u64 intid = guest_intid(GICV5_HWIRQ_TYPE_SPI, TEST_SPI);

	guest_gic_setup();
	guest_spi_configure(TEST_SPI, GICV5_IRS_SPI_CFGR_TM_LEVEL);
	guest_irq_enable(intid);

	/* The line goes high. */
	GUEST_SYNC(STAGE_INJECT);
	GUEST_ASSERT_EQ(guest_poll_ack(), intid);
	guest_irq_complete(intid);

	/* Still high: still pending after deactivation. */
	GUEST_ASSERT_EQ(guest_poll_ack(), intid);

	/* The line goes low while the SPI is active. */
	GUEST_SYNC(STAGE_LOWER);
	guest_irq_complete(intid);
	guest_assert_nothing_pending();

	GUEST_DONE();
}

static void guest_code_spi_irqfd(void)
{
	u64 intid = guest_intid(GICV5_HWIRQ_TYPE_SPI, IRQFD_SPI);

	guest_gic_setup();
	guest_spi_configure(IRQFD_SPI, GICV5_IRS_SPI_CFGR_TM_EDGE);
	guest_irq_enable(intid);

	GUEST_SYNC(STAGE_INJECT);
	guest_wait_for_irq(intid);

	GUEST_DONE();
}

/*
 * A level SPI from an irqfd with a resampler: once the guest is done with
 * it, KVM lowers the line and signals the resamplefd, so the SPI is not
 * taken again until the VMM raises it once more.
 */
static void guest_code_spi_resample(void)
{
	u64 intid = guest_intid(GICV5_HWIRQ_TYPE_SPI, IRQFD_SPI);

	guest_gic_setup();
	guest_spi_configure(IRQFD_SPI, GICV5_IRS_SPI_CFGR_TM_LEVEL);
	guest_irq_enable(intid);

	GUEST_SYNC(STAGE_INJECT);
	GUEST_ASSERT_EQ(guest_poll_ack(), intid);
	guest_irq_complete(intid);

	/* This exit resamples; the resampler lowered the line. */
	GUEST_SYNC(STAGE_RESAMPLED);
	guest_assert_nothing_pending();

	/* The device still asserts its interrupt: the VMM raised it again. */
	GUEST_SYNC(STAGE_INJECT);
	GUEST_ASSERT_EQ(guest_poll_ack(), intid);
	guest_irq_complete(intid);
	GUEST_SYNC(STAGE_RESAMPLED);

	GUEST_DONE();
}

static void guest_code_lpi_cdpend(void)
{
	u64 intid = guest_intid(GICV5_HWIRQ_TYPE_LPI, TEST_LPI);

	guest_gic_setup();
	guest_linear_ist_setup(guest_ist_gpa, TEST_LPI_ID_BITS, IST_REGION_SIZE);
	guest_irq_enable(intid);

	gic_insn(intid | FIELD_PREP(GICV5_GIC_CDPEND_PENDING_MASK, 1), CDPEND);
	gsb_sys();
	guest_wait_for_irq(intid);

	GUEST_DONE();
}

static void guest_code_lpi_msi(void)
{
	u64 intid = guest_intid(GICV5_HWIRQ_TYPE_LPI, TEST_LPI);

	guest_gic_setup();
	guest_linear_ist_setup(guest_ist_gpa, TEST_LPI_ID_BITS, IST_REGION_SIZE);
	guest_irq_enable(intid);

	GUEST_SYNC(STAGE_INJECT);
	guest_wait_for_irq(intid);

	GUEST_DONE();
}

/* ------------------------------------------------------------------ */
/* Host side                                                           */
/* ------------------------------------------------------------------ */

struct irs_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	int gic_fd;
};

static u32 spi_irq_line(u32 spi)
{
	return (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
	       (spi & KVM_ARM_IRQ_NUM_MASK);
}

/* A VM with a GICv5 device and one vCPU; nothing configured yet. */
static void irs_vm_create_bare(struct irs_vm *v, void *guest_code)
{
	v->vm = __vm_create(VM_SHAPE_DEFAULT, 1, 0);
	v->gic_fd = kvm_create_device(v->vm, KVM_DEV_TYPE_ARM_VGIC_V5);
	v->vcpu = vm_vcpu_add(v->vm, 0, guest_code);
}

/*
 * A VM ready to run a guest: IRS at IRS_BASE_GPA (identity-mapped),
 * NR_SPIS SPIs, IRQ handler installed, VGIC initialized.
 */
static void irs_vm_create(struct irs_vm *v, void *guest_code)
{
	u32 nr_spis = NR_SPIS;

	irs_vm_create_bare(v, guest_code);

	vm_init_descriptor_tables(v->vm);
	vcpu_init_descriptor_tables(v->vcpu);
	vm_install_exception_handler(v->vm, VECTOR_IRQ_CURRENT, guest_irq_handler);

	set_irs_base(v->gic_fd, IRS_BASE_GPA);
	virt_map(v->vm, IRS_BASE_GPA, IRS_BASE_GPA,
		 vm_calc_num_guest_pages(v->vm->mode, KVM_VGIC_V5_IRS_SIZE));

	kvm_device_attr_set(v->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_spis);
	vgic_v5_init(v->gic_fd);

	guest_nr_spis = nr_spis;
	sync_global_to_guest(v->vm, guest_nr_spis);
}

/* Back the guest LPI IST with a memslot of its own. */
static void irs_vm_add_ist_memory(struct irs_vm *v)
{
	u64 top = (vm_compute_max_gfn(v->vm) + 1) * v->vm->page_size;

	guest_ist_gpa = (top - IST_REGION_SIZE) & ~((u64)IST_REGION_SIZE - 1);
	vm_userspace_mem_region_add(v->vm, VM_MEM_SRC_ANONYMOUS, guest_ist_gpa,
				    IST_MEMSLOT, IST_REGION_SIZE / v->vm->page_size, 0);
	sync_global_to_guest(v->vm, guest_ist_gpa);
}

static void irs_vm_destroy(struct irs_vm *v)
{
	close(v->gic_fd);
	kvm_vm_free(v->vm);
}

/* Run the guest to GUEST_DONE, handing every GUEST_SYNC to @on_sync. */
static void irs_vm_run(struct irs_vm *v, void (*on_sync)(struct irs_vm *v, u64 stage))
{
	struct ucall uc;

	for (;;) {
		vcpu_run(v->vcpu);

		switch (get_ucall(v->vcpu, &uc)) {
		case UCALL_SYNC:
			TEST_ASSERT(on_sync, "Unexpected GUEST_SYNC(%lu)", uc.args[1]);
			on_sync(v, uc.args[1]);
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		case UCALL_DONE:
			return;
		default:
			TEST_FAIL("Unknown ucall %lu", uc.cmd);
		}
	}
}

/*
 * GRP_ADDR / KVM_VGIC_V5_ADDR_TYPE_IRS: undefined until set, 64 KiB
 * aligned, within the IPA space, set once; other address types are not
 * v5 attributes.
 */
static void test_irs_addr(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	int gic_fd = kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5);
	u64 attr, addr;
	int ret;

	kvm_has_device_attr(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_IRS);

	for (attr = 0; attr <= KVM_VGIC_V5_ADDR_TYPE_IRS + 1; attr++) {
		if (attr == KVM_VGIC_V5_ADDR_TYPE_IRS)
			continue;
		ret = __kvm_has_device_attr(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, attr);
		TEST_ASSERT(ret && errno == ENXIO,
			    "has_attr of address type %lu: want ENXIO", (unsigned long)attr);
	}

	addr = IRS_BASE_GPA;
	ret = __kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				    KVM_VGIC_V3_ADDR_TYPE_DIST, &addr);
	TEST_ASSERT(ret && errno == ENXIO, "GICv3 distributor address on a v5 device");

	kvm_device_attr_get(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_IRS, &addr);
	TEST_ASSERT(addr == ~0ULL, "IRS base before set: 0x%lx, want all-ones",
		    (unsigned long)addr);

	addr = IRS_BASE_GPA + SZ_4K;
	ret = __kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				    KVM_VGIC_V5_ADDR_TYPE_IRS, &addr);
	TEST_ASSERT(ret && errno == EINVAL, "IRS base not 64 KiB aligned");

	addr = ~0ULL << 16;
	ret = __kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				    KVM_VGIC_V5_ADDR_TYPE_IRS, &addr);
	TEST_ASSERT(ret && errno == EINVAL, "IRS region wraps around");

	addr = max_ipa_size;
	ret = __kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				    KVM_VGIC_V5_ADDR_TYPE_IRS, &addr);
	TEST_ASSERT(ret && errno == E2BIG, "IRS base beyond the IPA limit");

	/* The CONFIG_FRAME fits, the SETLPI_FRAME does not. */
	addr = max_ipa_size - SZ_64K;
	ret = __kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				    KVM_VGIC_V5_ADDR_TYPE_IRS, &addr);
	TEST_ASSERT(ret && errno == E2BIG, "IRS region ends beyond the IPA limit");

	ret = __kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				    KVM_VGIC_V5_ADDR_TYPE_IRS, NULL);
	TEST_ASSERT(ret && errno == EFAULT, "IRS base from a bad pointer");

	kvm_device_attr_get(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_IRS, &addr);
	TEST_ASSERT(addr == ~0ULL, "IRS base changed by a failed set: 0x%lx",
		    (unsigned long)addr);

	set_irs_base(gic_fd, IRS_BASE_GPA);
	kvm_device_attr_get(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_IRS, &addr);
	TEST_ASSERT(addr == IRS_BASE_GPA, "IRS base reads 0x%lx, want 0x%llx",
		    (unsigned long)addr, IRS_BASE_GPA);

	addr = IRS_BASE_GPA;
	ret = __kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				    KVM_VGIC_V5_ADDR_TYPE_IRS, &addr);
	TEST_ASSERT(ret && errno == EEXIST, "IRS base set twice (same value)");

	addr = IRS_BASE_GPA + 2 * SZ_64K;
	ret = __kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				    KVM_VGIC_V5_ADDR_TYPE_IRS, &addr);
	TEST_ASSERT(ret && errno == EEXIST, "IRS base set twice (new value)");

	close(gic_fd);
	kvm_vm_free(vm);
}

static void guest_code_ppi_only(void)
{
	GUEST_DONE();
}

/*
 * A VM whose IRS base is never set is the PPI-only VM of Linux 7.3: it is
 * not initialised lazily, has no SPI, and runs once initialised.
 */
static void test_ppi_only_vm(void)
{
	struct irs_vm v;
	u32 nr_spis;
	int ret;

	irs_vm_create_bare(&v, guest_code_ppi_only);

	ret = _kvm_irq_line(v.vm, spi_irq_line(0), 1);
	TEST_ASSERT(ret && errno == EBUSY,
		    "SPI line before CTRL_INIT: ret %d errno %d, want EBUSY", ret, errno);

	vgic_v5_init(v.gic_fd);

	ret = _kvm_irq_line(v.vm, spi_irq_line(0), 1);
	TEST_ASSERT(ret && errno == EINVAL,
		    "SPI line of a PPI-only VM: ret %d errno %d, want EINVAL", ret, errno);
	kvm_device_attr_get(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_spis);
	TEST_ASSERT(!nr_spis, "PPI-only VM with %u SPIs", nr_spis);

	irs_vm_run(&v, NULL);

	irs_vm_destroy(&v);
}

/* The first KVM_RUN does not initialise the VGIC either. */
static void test_run_before_init(void)
{
	struct irs_vm v;
	int ret;

	irs_vm_create_bare(&v, guest_code_ppi_only);
	set_irs_base(v.gic_fd, IRS_BASE_GPA);

	ret = __vcpu_run(v.vcpu);
	TEST_ASSERT(ret && errno == EBUSY,
		    "KVM_RUN before CTRL_INIT: ret %d errno %d, want EBUSY", ret, errno);

	irs_vm_destroy(&v);
}

static void nr_irqs_set_errno(int gic_fd, u32 val, int want, const char *msg)
{
	int ret = __kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &val);

	TEST_ASSERT(ret && errno == want, "NR_IRQS = %u, %s: ret %d errno %d, want %d",
		    val, msg, ret, errno, want);
}

static void nr_irqs_check(int gic_fd, u32 want, const char *msg)
{
	u32 val;

	kvm_device_attr_get(gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &val);
	TEST_ASSERT(val == want, "NR_IRQS %s: %u, want %u", msg, val, want);
}

/*
 * GRP_NR_IRQS is the number of SPIs, 32 to 1024 in steps of 32. It can be
 * set once, before CTRL_INIT.
 */
static void test_nr_irqs(void)
{
	static const u32 bad[] = { 0, 31, 33, 1056 };
	struct irs_vm v;
	u32 val;
	int i, ret;

	irs_vm_create_bare(&v, guest_code_irs_regs);

	nr_irqs_check(v.gic_fd, 0, "before set and init");

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		nr_irqs_set_errno(v.gic_fd, bad[i], EINVAL, "out of range");

	ret = __kvm_device_attr_set(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, NULL);
	TEST_ASSERT(ret && errno == EFAULT, "NR_IRQS from a bad pointer");

	nr_irqs_check(v.gic_fd, 0, "after failed sets");

	val = NR_SPIS;
	kvm_device_attr_set(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &val);

	nr_irqs_set_errno(v.gic_fd, 2 * NR_SPIS, EBUSY, "set twice");
	nr_irqs_set_errno(v.gic_fd, NR_SPIS, EBUSY, "set twice, same value");

	set_irs_base(v.gic_fd, IRS_BASE_GPA);
	vgic_v5_init(v.gic_fd);

	nr_irqs_check(v.gic_fd, NR_SPIS, "after init");
	nr_irqs_set_errno(v.gic_fd, 2 * NR_SPIS, EBUSY, "after init");

	/* KVM_IRQ_LINE numbers SPIs from 0: the last one is nr_spis - 1. */
	ret = _kvm_irq_line(v.vm, spi_irq_line(NR_SPIS), 1);
	TEST_ASSERT(ret && errno == EINVAL, "KVM_IRQ_LINE for SPI %u of %u",
		    NR_SPIS, NR_SPIS);

	irs_vm_destroy(&v);
}

/* An init without NR_IRQS gives 32 SPIs, and fixes the number. */
static void test_nr_irqs_default(void)
{
	struct irs_vm v;

	irs_vm_create_bare(&v, guest_code_irs_regs);

	set_irs_base(v.gic_fd, IRS_BASE_GPA);
	vgic_v5_init(v.gic_fd);

	nr_irqs_check(v.gic_fd, NR_SPIS_DEFAULT, "after init with the default");
	nr_irqs_set_errno(v.gic_fd, NR_SPIS, EBUSY, "after init with the default");

	irs_vm_destroy(&v);
}

/* CTRL_INIT needs vCPUs. */
static void test_init_without_vcpus(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	int gic_fd = kvm_create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V5);
	u64 addr = IRS_BASE_GPA;
	int ret;

	kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			    KVM_VGIC_V5_ADDR_TYPE_IRS, &addr);

	ret = __kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
				    KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	TEST_ASSERT(ret && errno == ENODEV,
		    "CTRL_INIT without vCPUs: ret %d errno %d, want ENODEV", ret, errno);

	close(gic_fd);
	kvm_vm_free(vm);
}

/*
 * The guest IRS frame: ID and reset values, RAZ/WI offsets, the SPI and
 * PE selectors and the enable.
 */
static void test_guest_irs_registers(void)
{
	struct irs_vm v;

	irs_vm_create(&v, guest_code_irs_regs);
	irs_vm_run(&v, NULL);
	irs_vm_destroy(&v);
}

static void spi_edge_on_sync(struct irs_vm *v, u64 stage)
{
	TEST_ASSERT(stage == STAGE_INJECT, "Unexpected stage %lu", (unsigned long)stage);

	/* An edge: lowering the line leaves the SPI pending. */
	kvm_irq_line(v->vm, spi_irq_line(TEST_SPI), 1);
	kvm_irq_line(v->vm, spi_irq_line(TEST_SPI), 0);
}

/* An edge SPI raised with KVM_IRQ_LINE reaches the guest once. */
static void test_guest_spi_edge_irq_line(void)
{
	struct irs_vm v;

	irs_vm_create(&v, guest_code_spi_edge);
	irs_vm_run(&v, spi_edge_on_sync);
	irs_vm_destroy(&v);
}

static void spi_level_on_sync(struct irs_vm *v, u64 stage)
{
	switch (stage) {
	case STAGE_INJECT:
		kvm_irq_line(v->vm, spi_irq_line(TEST_SPI), 1);
		break;
	case STAGE_LOWER:
		kvm_irq_line(v->vm, spi_irq_line(TEST_SPI), 0);
		break;
	default:
		TEST_FAIL("Unexpected stage %lu", (unsigned long)stage);
	}
}

/* A level SPI is pending for as long as its line is high. */
static void test_guest_spi_level_irq_line(void)
{
	struct irs_vm v;

	irs_vm_create(&v, guest_code_spi_level);
	irs_vm_run(&v, spi_level_on_sync);
	irs_vm_destroy(&v);
}

static int irqfd_fd = -1;

static void spi_irqfd_on_sync(struct irs_vm *v, u64 stage)
{
	u64 val = 1;
	ssize_t ret;

	TEST_ASSERT(stage == STAGE_INJECT, "Unexpected stage %lu", (unsigned long)stage);

	ret = write(irqfd_fd, &val, sizeof(val));
	TEST_ASSERT(ret == sizeof(val), __KVM_SYSCALL_ERROR("write()", (int)ret));
}

/* An irqfd on a GSI routed to irqchip pin N raises SPI N. */
static void test_guest_spi_irqfd(void)
{
	struct kvm_irq_routing *routing;
	struct irs_vm v;

	irs_vm_create(&v, guest_code_spi_irqfd);

	routing = kvm_gsi_routing_create();
	kvm_gsi_routing_irqchip_add(routing, IRQFD_GSI, IRQFD_SPI);
	kvm_gsi_routing_write(v.vm, routing);

	irqfd_fd = kvm_new_eventfd();
	kvm_assign_irqfd(v.vm, IRQFD_GSI, irqfd_fd);

	irs_vm_run(&v, spi_irqfd_on_sync);

	kvm_deassign_irqfd(v.vm, IRQFD_GSI, irqfd_fd);
	close(irqfd_fd);
	irqfd_fd = -1;
	irs_vm_destroy(&v);
}

static int resample_fd = -1;

static void spi_resample_on_sync(struct irs_vm *v, u64 stage)
{
	struct pollfd pfd = { .fd = resample_fd, .events = POLLIN };
	u64 val;
	ssize_t ret;

	switch (stage) {
	case STAGE_INJECT:
		spi_irqfd_on_sync(v, stage);
		break;
	case STAGE_RESAMPLED:
		ret = poll(&pfd, 1, 1000);
		TEST_ASSERT(ret == 1, "resamplefd not signalled");
		ret = read(resample_fd, &val, sizeof(val));
		TEST_ASSERT(ret == sizeof(val) && val == 1,
			    "resamplefd: %zd bytes, count %lu", ret, (unsigned long)val);
		break;
	default:
		TEST_FAIL("Unexpected stage %lu", (unsigned long)stage);
	}
}

/* A level SPI on an irqfd with KVM_IRQFD_FLAG_RESAMPLE. */
static void test_guest_spi_resamplefd(void)
{
	struct kvm_irq_routing *routing;
	struct kvm_irqfd irqfd;
	struct irs_vm v;

	irs_vm_create(&v, guest_code_spi_resample);

	routing = kvm_gsi_routing_create();
	kvm_gsi_routing_irqchip_add(routing, IRQFD_GSI, IRQFD_SPI);
	kvm_gsi_routing_write(v.vm, routing);

	irqfd_fd = kvm_new_eventfd();
	resample_fd = kvm_new_eventfd();
	irqfd = (struct kvm_irqfd) {
		.fd = irqfd_fd, .gsi = IRQFD_GSI,
		.flags = KVM_IRQFD_FLAG_RESAMPLE, .resamplefd = resample_fd,
	};
	vm_ioctl(v.vm, KVM_IRQFD, &irqfd);

	irs_vm_run(&v, spi_resample_on_sync);

	irqfd = (struct kvm_irqfd) {
		.fd = irqfd_fd, .gsi = IRQFD_GSI, .flags = KVM_IRQFD_FLAG_DEASSIGN,
	};
	vm_ioctl(v.vm, KVM_IRQFD, &irqfd);
	close(resample_fd);
	close(irqfd_fd);
	resample_fd = -1;
	irqfd_fd = -1;
	irs_vm_destroy(&v);
}

/* With a valid linear LPI IST, the guest can make its own LPI pending. */
static void test_guest_lpi_cdpend(void)
{
	struct irs_vm v;

	irs_vm_create(&v, guest_code_lpi_cdpend);
	irs_vm_add_ist_memory(&v);
	irs_vm_run(&v, NULL);
	irs_vm_destroy(&v);
}

static void lpi_msi_on_sync(struct irs_vm *v, u64 stage)
{
	int ret;

	TEST_ASSERT(stage == STAGE_INJECT, "Unexpected stage %lu", (unsigned long)stage);

	/* There is no ITS: only the SETLPI frame takes MSIs. */
	ret = signal_msi(v->vm, IRS_BASE_GPA, TEST_LPI);
	TEST_ASSERT(ret < 0, "MSI to the IRS CONFIG_FRAME: ret %d, want an error", ret);

	ret = signal_msi(v->vm, IRS_BASE_GPA + IRS_SETLPI_FRAME, TEST_LPI);
	TEST_ASSERT(ret > 0, "MSI to the IRS SETLPI_FRAME: ret %d errno %d", ret, errno);
}

/* KVM_SIGNAL_MSI to the SETLPI frame with data = LPI ID raises that LPI. */
static void test_guest_lpi_signal_msi(void)
{
	struct irs_vm v;

	irs_vm_create(&v, guest_code_lpi_msi);
	irs_vm_add_ist_memory(&v);
	irs_vm_run(&v, lpi_msi_on_sync);
	irs_vm_destroy(&v);
}

static void guest_code_done(void)
{
	GUEST_DONE();
}

/*
 * A write to the read-only ICC_IDR0_EL1 or ICC_IAFFIDR_EL1 is UNDEFINED:
 * the CPU takes it as an UNDEF, and KVM's handlers of these registers
 * (access_gicv5_idr0(), access_gicv5_iaffid()) inject one for a write.
 * The handler sees EC_UNKNOWN with IL set at the faulting instruction; it
 * returns to it once (the write UNDEFs again), then skips it.
 */
static u32 undef_count;
static u64 undef_pc[4];

static void guest_undef_handler(struct ex_regs *regs)
{
	u64 esr = read_sysreg(esr_el1);
	u32 n = READ_ONCE(undef_count);

	__GUEST_ASSERT(ESR_ELx_EC(esr) == ESR_ELx_EC_UNKNOWN && (esr & ESR_ELx_IL),
		       "UNDEF with ESR 0x%lx", (unsigned long)esr);
	GUEST_ASSERT_EQ(regs->pc, read_sysreg(elr_el1));
	GUEST_ASSERT(n < ARRAY_SIZE(undef_pc));

	if (n < ARRAY_SIZE(undef_pc))
		undef_pc[n] = regs->pc;
	WRITE_ONCE(undef_count, n + 1);
	/* The first UNDEF returns to the instruction, the others skip it. */
	if (n)
		regs->pc += 4;
}

static void guest_code_undef(void)
{
	u64 idr0 = read_sysreg_s(SYS_ICC_IDR0_EL1);
	u64 iaffid = read_sysreg_s(SYS_ICC_IAFFIDR_EL1);

	GUEST_ASSERT_EQ(READ_ONCE(undef_count), 0);

	write_sysreg_s(~idr0, SYS_ICC_IDR0_EL1);
	isb();
	GUEST_ASSERT_EQ(READ_ONCE(undef_count), 2);
	GUEST_ASSERT_EQ(undef_pc[0], undef_pc[1]);
	GUEST_ASSERT_EQ(read_sysreg_s(SYS_ICC_IDR0_EL1), idr0);

	write_sysreg_s(iaffid + 1, SYS_ICC_IAFFIDR_EL1);
	isb();
	GUEST_ASSERT_EQ(READ_ONCE(undef_count), 3);
	GUEST_ASSERT(undef_pc[2] != undef_pc[0]);
	GUEST_ASSERT_EQ(read_sysreg_s(SYS_ICC_IAFFIDR_EL1), iaffid);

	GUEST_DONE();
}

/*
 * What KVM must UNDEF for a GICv5 guest reaches the guest's synchronous
 * exception handler as an UNDEF of the access, and the guest goes on.
 */
static void test_guest_undef(void)
{
	struct irs_vm v;

	irs_vm_create(&v, guest_code_undef);
	vm_install_sync_handler(v.vm, VECTOR_SYNC_CURRENT, ESR_ELx_EC_UNKNOWN,
				guest_undef_handler);
	irs_vm_run(&v, NULL);
	irs_vm_destroy(&v);
}

#define IRS_IDR0_SETLPI			BIT(9)
#define IRS_IDR2_IST_LEVELS		BIT(10)
#define IRS_IDR2_IST_L2SZ		GENMASK(13, 11)

/*
 * KVM_DEV_ARM_VGIC_GRP_IRS_REGS: save every register of a VM given the
 * upstream feature set and some state, restore into a fresh VM in reverse
 * order, save again: the same registers and values. Writes are refused
 * once the VM has run.
 */
static void test_irs_regs_save_restore(void)
{
	static struct vgic_v5_irs_regs a, b;
	unsigned int order[VGIC_V5_IRS_REGS_MAX];
	struct irs_vm v;
	u64 val;
	int ret;
	u32 i;

	irs_vm_create(&v, guest_code_done);
	if (__kvm_has_device_attr(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
				  GICV5_IRS_IDR0)) {
		ksft_print_msg("no KVM_DEV_ARM_VGIC_GRP_IRS_REGS, skipping\n");
		irs_vm_destroy(&v);
		return;
	}

	ret = __kvm_has_device_attr(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
				    GICV5_IRS_IST_BASER + 4);
	TEST_ASSERT(ret && errno == EINVAL, "IST_BASER + 4: want EINVAL");
	ret = __kvm_has_device_attr(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
				    IRS_SETLPI_FRAME);
	TEST_ASSERT(ret && errno == ENXIO, "SETLPI frame: want ENXIO");

	/* The upstream feature set, and state away from reset */
	kvm_device_attr_get(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS, GICV5_IRS_IDR0, &val);
	val &= ~IRS_IDR0_SETLPI;
	kvm_device_attr_set(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS, GICV5_IRS_IDR0, &val);
	kvm_device_attr_get(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS, GICV5_IRS_IDR2, &val);
	if (FIELD_GET(GICV5_IRS_IDR2_LPI, val)) {
		val &= ~(IRS_IDR2_IST_LEVELS | IRS_IDR2_IST_L2SZ);
		if (FIELD_GET(GICV5_IRS_IDR2_ID_BITS, val) > 16) {
			val &= ~GICV5_IRS_IDR2_ID_BITS;
			val |= FIELD_PREP(GICV5_IRS_IDR2_ID_BITS, 16);
		}
		kvm_device_attr_set(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
				    GICV5_IRS_IDR2, &val);
	}
	val = 0x3ff5;
	kvm_device_attr_set(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS, GICV5_IRS_CR1, &val);
	val = 7;
	kvm_device_attr_set(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS, GICV5_IRS_SPI_SELR, &val);

	ret = vgic_v5_irs_regs_save(v.gic_fd, &a);
	TEST_ASSERT(!ret, "save: %d at offset 0x%x", ret, a.failed_offset);
	irs_vm_destroy(&v);

	irs_vm_create(&v, guest_code_done);
	for (i = 0; i < a.nr; i++)
		order[i] = a.nr - 1 - i;
	ret = vgic_v5_irs_regs_restore(v.gic_fd, &a, order);
	TEST_ASSERT(!ret, "restore: %d at offset 0x%x", ret, a.failed_offset);
	ret = vgic_v5_irs_regs_save(v.gic_fd, &b);
	TEST_ASSERT(!ret, "re-save: %d at offset 0x%x", ret, b.failed_offset);
	TEST_ASSERT(a.nr == b.nr, "%u registers saved, then %u", a.nr, b.nr);
	for (i = 0; i < a.nr; i++)
		TEST_ASSERT(a.offset[i] == b.offset[i] && a.val[i] == b.val[i],
			    "offset 0x%x: saved 0x%lx, restored 0x%lx", a.offset[i],
			    (unsigned long)a.val[i], (unsigned long)b.val[i]);

	/* Once the VM has run: no writes */
	vcpu_run(v.vcpu);
	ret = vgic_v5_irs_regs_restore(v.gic_fd, &a, NULL);
	TEST_ASSERT(ret == -EBUSY, "restore after run: %d, want -EBUSY", ret);
	irs_vm_destroy(&v);
}

/* KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS attr of vCPU 0 (MPIDR 0) */
#define ICC_ATTR(op0, op1, crn, crm, op2)				\
	(ARM64_SYS_REG(op0, op1, crn, crm, op2) & KVM_DEV_ARM_VGIC_SYSREG_INSTR_MASK)

/*
 * KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS: a vCPU's ICC state (ICC_APR_EL1,
 * ICC_CR0_EL1, ICC_PCR_EL1, a PPI priority register) reads back raw and
 * restores into a fresh VM; other registers are -ENOENT.
 */
static void test_cpu_sysregs_save_restore(void)
{
	static const u64 attrs[] = {
		ICC_ATTR(3, 1, 12, 0, 0),	/* ICC_APR_EL1 */
		ICC_ATTR(3, 1, 12, 0, 1),	/* ICC_CR0_EL1 */
		ICC_ATTR(3, 1, 12, 0, 2),	/* ICC_PCR_EL1 */
		ICC_ATTR(3, 0, 12, 14, 0),	/* ICC_PPI_PRIORITYR0_EL1 */
	};
	static u64 vals[] = { 0x80, 1, 0x1f, 0x05ULL << 24 };
	u64 val, saved[ARRAY_SIZE(attrs)];
	struct irs_vm v;
	unsigned int i;
	int ret;

	irs_vm_create(&v, guest_code_done);
	if (__kvm_has_device_attr(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, attrs[0])) {
		ksft_print_msg("no v5 KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, skipping\n");
		irs_vm_destroy(&v);
		return;
	}

	ret = __kvm_device_attr_get(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
				    ICC_ATTR(3, 0, 12, 12, 4), &val);
	TEST_ASSERT(ret && errno == ENOENT, "ICC_CTLR_EL1: want ENOENT");

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		kvm_device_attr_set(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
				    attrs[i], &vals[i]);
		kvm_device_attr_get(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
				    attrs[i], &saved[i]);
		TEST_ASSERT(saved[i] == vals[i], "register %u: 0x%lx, want 0x%lx", i,
			    (unsigned long)saved[i], (unsigned long)vals[i]);
	}
	irs_vm_destroy(&v);

	irs_vm_create(&v, guest_code_done);
	for (i = ARRAY_SIZE(attrs); i-- > 0;)
		kvm_device_attr_set(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
				    attrs[i], &saved[i]);
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		kvm_device_attr_get(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
				    attrs[i], &val);
		TEST_ASSERT(val == saved[i], "restored register %u: 0x%lx, want 0x%lx",
			    i, (unsigned long)val, (unsigned long)saved[i]);
	}

	vcpu_run(v.vcpu);
	ret = __kvm_device_attr_set(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
				    attrs[0], &saved[0]);
	TEST_ASSERT(ret && errno == EBUSY, "write after run: want EBUSY");
	irs_vm_destroy(&v);
}

/* ------------------------------------------------------------------ */
/* KVM_DEV_ARM_VGIC_GRP_IST                                            */
/* The architected first 32 bits of an L2 ISTE */
#define ISTE_PENDING			BIT(0)
#define ISTE_ACTIVE			BIT(1)
#define ISTE_HM				BIT(2)
#define ISTE_ENABLE			BIT(3)
#define ISTE_PRIORITY			GENMASK(15, 11)

/* The guest LPI IST of the GRP_IST cases: linear, 4-byte ISTEs */
#define IST_LPI_ID_BITS			12
#define IST_NR_LPIS			BIT(IST_LPI_ID_BITS)
/* A compact image of a linear IST cuts it in ranges of 2^10 LPIs */
#define IST_COMPACT_RANGE_BITS		10

static u32 ist_spi_words[NR_SPIS];
static u32 ist_lpi_words[IST_NR_LPIS];

/* Whether KVM has GRP_IST; the cases pass without doing anything if not. */
static bool irs_has_ist(struct irs_vm *v)
{
	if (!__kvm_has_device_attr(v->gic_fd, KVM_DEV_ARM_VGIC_GRP_IST,
				   KVM_DEV_ARM_VGIC_IST_FLAT))
		return true;

	ksft_print_msg("no KVM_DEV_ARM_VGIC_GRP_IST, skipping\n");
	return false;
}

/* Whether IDR2 takes a linear guest IST of IST_LPI_ID_BITS LPI ID bits */
static bool irs_takes_test_ist(struct irs_vm *v)
{
	u64 idr2;

	kvm_device_attr_get(v->gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
			    GICV5_IRS_IDR2, &idr2);
	if ((idr2 & GICV5_IRS_IDR2_LPI) &&
	    FIELD_GET(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, idr2) <= IST_LPI_ID_BITS &&
	    FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2) >= IST_LPI_ID_BITS)
		return true;

	ksft_print_msg("IDR2 0x%lx takes no %u-bit LPI IST, skipping\n",
		       (unsigned long)idr2, IST_LPI_ID_BITS);
	return false;
}

/*
 * Restore IST_CFGR and a valid IST_BASER, as a VMM restoring the
 * registers of a guest with LPIs does: a linear IST of IST_LPI_ID_BITS in
 * the IST memslot (irs_vm_add_ist_memory() first).
 */
static void irs_restore_ist_regs(struct irs_vm *v)
{
	u64 cfgr = FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE,
			      GICV5_IRS_IST_CFGR_STRUCTURE_LINEAR) |
		   FIELD_PREP(GICV5_IRS_IST_CFGR_ISTSZ, GICV5_IRS_IST_CFGR_ISTSZ_4) |
		   FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, IST_LPI_ID_BITS);
	u64 baser = guest_ist_gpa | GICV5_IRS_IST_BASER_VALID;

	kvm_device_attr_set(v->gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
			    GICV5_IRS_IST_CFGR, &cfgr);
	kvm_device_attr_set(v->gic_fd, KVM_DEV_ARM_VGIC_GRP_IRS_REGS,
			    GICV5_IRS_IST_BASER, &baser);
}

/* A GRP_IST get and set with these buffers both fail with @want. */
static void ist_access_errno(int gic_fd, u64 attr, void *ist, int want,
			     const char *msg)
{
	int ret;

	ret = __kvm_device_attr_get(gic_fd, KVM_DEV_ARM_VGIC_GRP_IST, attr, ist);
	TEST_ASSERT(ret && errno == want, "GRP_IST get (attr %lu), %s: ret %d errno %d, want %d",
		    (unsigned long)attr, msg, ret, errno, want);
	ret = __kvm_device_attr_set(gic_fd, KVM_DEV_ARM_VGIC_GRP_IST, attr, ist);
	TEST_ASSERT(ret && errno == want, "GRP_IST set (attr %lu), %s: ret %d errno %d, want %d",
		    (unsigned long)attr, msg, ret, errno, want);
}

static void ist_access_errno_both(int gic_fd, void *ist, int want, const char *msg)
{
	ist_access_errno(gic_fd, KVM_DEV_ARM_VGIC_IST_FLAT, ist, want, msg);
	ist_access_errno(gic_fd, KVM_DEV_ARM_VGIC_IST_COMPACT, ist, want, msg);
}

static struct kvm_vgic_v5_ist ist_bufs(u32 *spi, u64 spi_size, void *lpi, u64 lpi_size)
{
	return (struct kvm_vgic_v5_ist) {
		.spi_ist_addr	= (u64)(unsigned long)spi,
		.spi_ist_size	= spi_size,
		.lpi_ist_addr	= (u64)(unsigned long)lpi,
		.lpi_ist_size	= lpi_size,
	};
}

/*
 * GRP_IST: attrs 0 (flat) and 1 (compact) exist, others are -ENXIO; the
 * errors that need no guest: no IRS, not initialised, NULL or bad
 * pointers, missing or mis-sized buffers, an LPI buffer with no LPI IST.
 */
static void test_ist_errnos(void)
{
	const u64 spi_size = NR_SPIS * sizeof(u32);
	struct kvm_vgic_v5_ist ist;
	struct irs_vm v;
	u32 nr_spis = NR_SPIS;
	int ret;

	irs_vm_create_bare(&v, guest_code_done);
	if (!irs_has_ist(&v)) {
		irs_vm_destroy(&v);
		return;
	}

	kvm_has_device_attr(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IST, KVM_DEV_ARM_VGIC_IST_FLAT);
	kvm_has_device_attr(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IST, KVM_DEV_ARM_VGIC_IST_COMPACT);
	ret = __kvm_has_device_attr(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IST, 2);
	TEST_ASSERT(ret && errno == ENXIO, "has_attr GRP_IST attr 2: ret %d errno %d, want ENXIO",
		    ret, errno);

	ist = ist_bufs(ist_spi_words, spi_size, NULL, 0);
	ist_access_errno(v.gic_fd, 2, &ist, ENXIO, "attr 2 before init");
	ist_access_errno_both(v.gic_fd, &ist, ENXIO, "no IRS address");

	set_irs_base(v.gic_fd, IRS_BASE_GPA);
	ist_access_errno_both(v.gic_fd, &ist, EBUSY, "before CTRL_INIT");

	kvm_device_attr_set(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_spis);
	vgic_v5_init(v.gic_fd);

	ist_access_errno(v.gic_fd, 2, &ist, ENXIO, "attr 2");
	ist_access_errno_both(v.gic_fd, NULL, EINVAL, "NULL addr");
	ist_access_errno_both(v.gic_fd, (void *)1, EFAULT, "bad addr");

	ist = ist_bufs(NULL, spi_size, NULL, 0);
	ist_access_errno_both(v.gic_fd, &ist, EINVAL, "no SPI buffer");
	ist = ist_bufs(ist_spi_words, spi_size - sizeof(u32), NULL, 0);
	ist_access_errno_both(v.gic_fd, &ist, EINVAL, "SPI buffer one word short");
	ist = ist_bufs(ist_spi_words, spi_size + sizeof(u32), NULL, 0);
	ist_access_errno_both(v.gic_fd, &ist, EINVAL, "SPI buffer one word long");
	ist = ist_bufs(ist_spi_words, 0, NULL, 0);
	ist_access_errno_both(v.gic_fd, &ist, EINVAL, "SPI buffer of size 0");

	/* IST_BASER is invalid: no LPI image, whatever its size */
	ist = ist_bufs(ist_spi_words, spi_size, ist_lpi_words, sizeof(ist_lpi_words));
	ist_access_errno_both(v.gic_fd, &ist, EINVAL, "LPI buffer, IST_BASER invalid");
	ist = ist_bufs(ist_spi_words, spi_size, ist_lpi_words, 0);
	ist_access_errno_both(v.gic_fd, &ist, EINVAL, "LPI pointer, IST_BASER invalid");
	ist = ist_bufs(ist_spi_words, spi_size, NULL, sizeof(ist_lpi_words));
	ist_access_errno_both(v.gic_fd, &ist, EINVAL, "LPI size, IST_BASER invalid");

	ist = ist_bufs((u32 *)1, spi_size, NULL, 0);
	ist_access_errno_both(v.gic_fd, &ist, EFAULT, "bad SPI buffer");

	/* The right buffers: a save works, and writes no LPI size back */
	ist = ist_bufs(ist_spi_words, spi_size, NULL, 0);
	kvm_device_attr_get(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IST, KVM_DEV_ARM_VGIC_IST_FLAT, &ist);
	kvm_device_attr_get(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IST, KVM_DEV_ARM_VGIC_IST_COMPACT, &ist);
	TEST_ASSERT(!ist.lpi_ist_addr && !ist.lpi_ist_size,
		    "compact save with no LPI IST: LPI buffer 0x%lx size %lu",
		    (unsigned long)ist.lpi_ist_addr, (unsigned long)ist.lpi_ist_size);

	irs_vm_destroy(&v);
}

/* Seed images: SPIs and LPIs of every kind of state, in three LPI ranges */
static void ist_seed_words(void)
{
	memset(ist_spi_words, 0, sizeof(ist_spi_words));
	memset(ist_lpi_words, 0, sizeof(ist_lpi_words));

	/* A level SPI; a pending edge SPI; an active one */
	ist_spi_words[3] = htole32(ISTE_ENABLE | ISTE_HM |
				   FIELD_PREP(ISTE_PRIORITY, 0x10));
	ist_spi_words[5] = htole32(ISTE_ENABLE | ISTE_PENDING);
	ist_spi_words[7] = htole32(ISTE_ENABLE | ISTE_ACTIVE |
				   FIELD_PREP(ISTE_PRIORITY, 0x10));

	/* LPIs in ranges 0, 1 and 3 of 2^10; range 2 stays empty */
	ist_lpi_words[TEST_LPI] = htole32(ISTE_ENABLE | ISTE_PENDING);
	ist_lpi_words[1500] = htole32(ISTE_ENABLE | FIELD_PREP(ISTE_PRIORITY, 0x10));
	ist_lpi_words[IST_NR_LPIS - 1] = htole32(ISTE_ENABLE | ISTE_ACTIVE);
}

/* The compact image of a linear IST: one record per non-zero range of @flat */
static void ist_check_compact(const struct vgic_v5_ist_image *img, const u32 *flat)
{
	const u32 words = 1U << IST_COMPACT_RANGE_BITS;
	const struct kvm_vgic_v5_ist_compact *hdr = img->lpi;
	const u32 *rec = (const u32 *)(hdr + 1);
	u32 idx, nr = 0, i;

	TEST_ASSERT(img->compact && img->lpi && img->lpi_size >= sizeof(*hdr),
		    "compact LPI image of %lu bytes", (unsigned long)img->lpi_size);
	TEST_ASSERT(hdr->range_bits == IST_COMPACT_RANGE_BITS,
		    "compact image: range_bits %u, want %u", hdr->range_bits,
		    IST_COMPACT_RANGE_BITS);

	for (idx = 0; idx < IST_NR_LPIS / words; idx++) {
		for (i = 0; i < words && !flat[idx * words + i]; i++)
			;
		if (i == words)
			continue;

		TEST_ASSERT(nr < hdr->nr_ranges, "compact image: %u ranges, range %u missing",
			    hdr->nr_ranges, idx);
		TEST_ASSERT(le32toh(rec[0]) == idx, "compact record %u: range %u, want %u",
			    nr, le32toh(rec[0]), idx);
		TEST_ASSERT(!memcmp(rec + 1, flat + idx * words, words * sizeof(u32)),
			    "compact record %u (range %u): ISTE words differ", nr, idx);
		rec += 1 + words;
		nr++;
	}

	TEST_ASSERT(hdr->nr_ranges == nr, "compact image: %u ranges, want %u",
		    hdr->nr_ranges, nr);
	TEST_ASSERT(img->lpi_size == sizeof(*hdr) + nr * (1 + words) * sizeof(u32),
		    "compact image: %lu bytes for %u ranges", (unsigned long)img->lpi_size, nr);
}

static void ist_image_cmp(const struct vgic_v5_ist_image *a,
			  const struct vgic_v5_ist_image *b, const char *msg)
{
	TEST_ASSERT(a->compact == b->compact, "%s: compact %d, then %d", msg,
		    a->compact, b->compact);
	TEST_ASSERT(a->spi_size == b->spi_size && !memcmp(a->spi, b->spi, a->spi_size),
		    "%s: SPI images differ (%lu and %lu bytes)", msg,
		    (unsigned long)a->spi_size, (unsigned long)b->spi_size);
	TEST_ASSERT(a->lpi_size == b->lpi_size &&
		    (!a->lpi_size || !memcmp(a->lpi, b->lpi, a->lpi_size)),
		    "%s: LPI images differ (%lu and %lu bytes)", msg,
		    (unsigned long)a->lpi_size, (unsigned long)b->lpi_size);
}

static void irs_regs_cmp(const struct vgic_v5_irs_regs *a,
			 const struct vgic_v5_irs_regs *b)
{
	u32 i;

	TEST_ASSERT(a->nr == b->nr, "%u registers saved, then %u", a->nr, b->nr);
	for (i = 0; i < a->nr; i++)
		TEST_ASSERT(a->offset[i] == b->offset[i] && a->val[i] == b->val[i],
			    "offset 0x%x: saved 0x%lx, restored 0x%lx", a->offset[i],
			    (unsigned long)a->val[i], (unsigned long)b->val[i]);
}

/*
 * Save and restore with the library, as a VMM does: a VM that has never
 * run, given SPI and LPI state by an IST restore, is saved (registers,
 * then ISTs); a new VM with the same vCPU ids, IRS address and NR_IRQS
 * gets CTRL_INIT, then the registers, then the ISTs; saving it again
 * gives the same bytes, and it runs. Flat, then compact where offered.
 */
static void test_ist_round_trip(void)
{
	static struct vgic_v5_state sa, sb;
	struct vgic_v5_ist_image seed = {
		.spi = ist_spi_words, .spi_size = sizeof(ist_spi_words),
		.lpi = ist_lpi_words, .lpi_size = sizeof(ist_lpi_words),
	};
	struct vgic_v5_ist_image flat;
	struct irs_vm a, b;
	int compact, ret;

	irs_vm_create(&a, guest_code_done);
	if (!irs_has_ist(&a) || !irs_takes_test_ist(&a)) {
		irs_vm_destroy(&a);
		return;
	}

	irs_vm_add_ist_memory(&a);
	irs_restore_ist_regs(&a);
	ist_seed_words();
	ret = vgic_v5_ist_restore(a.gic_fd, &seed);
	TEST_ASSERT(!ret, "seeding the ISTs: %d", ret);

	for (compact = 0; compact <= 1; compact++) {
		ret = vgic_v5_state_save(a.gic_fd, &sa, compact);
		if (compact && ret == -EOPNOTSUPP) {
			ksft_print_msg("no compact IST images, skipping them\n");
			break;
		}
		TEST_ASSERT(!ret, "save (compact %d): %d at offset 0x%x", compact, ret,
			    sa.regs.failed_offset);

		/* Re-saving before the first run gives what was restored */
		if (compact) {
			TEST_ASSERT(sa.ist.spi_size == seed.spi_size &&
				    !memcmp(sa.ist.spi, seed.spi, seed.spi_size),
				    "saved SPI image differs from the restored one");
			ist_check_compact(&sa.ist, ist_lpi_words);
		} else {
			ist_image_cmp(&seed, &sa.ist, "seeded, then saved");
		}

		irs_vm_create(&b, guest_code_done);
		irs_vm_add_ist_memory(&b);
		ret = vgic_v5_state_restore(b.gic_fd, &sa);
		TEST_ASSERT(!ret, "restore (compact %d): %d (register 0x%x)", compact, ret,
			    sa.regs.failed_offset);

		ret = vgic_v5_state_save(b.gic_fd, &sb, compact);
		TEST_ASSERT(!ret, "re-save (compact %d): %d at offset 0x%x", compact, ret,
			    sb.regs.failed_offset);
		irs_regs_cmp(&sa.regs, &sb.regs);
		ist_image_cmp(&sa.ist, &sb.ist, compact ? "compact round trip" :
							  "flat round trip");

		/* Either image restores the whole state */
		ret = vgic_v5_ist_save(b.gic_fd, &flat, false);
		TEST_ASSERT(!ret, "flat save of the restored VM: %d", ret);
		ist_image_cmp(&seed, &flat, "seeded, then restored in a new VM");
		vgic_v5_ist_free(&flat);

		irs_vm_run(&b, NULL);
		ret = vgic_v5_ist_restore(b.gic_fd, &sa.ist);
		TEST_ASSERT(ret == -EBUSY, "IST restore after run: %d, want -EBUSY", ret);

		irs_vm_destroy(&b);
		vgic_v5_ist_free(&sb.ist);
		vgic_v5_ist_free(&sa.ist);
	}

	irs_vm_destroy(&a);
}

/*
 * A valid IST_BASER restored without its ISTs: KVM_RUN is -EINVAL, and
 * so is a save (-ENXIO), until the IST restore, after which the VM runs.
 * Failed restores leave it pending.
 */
static void test_ist_restore_pending(void)
{
	struct vgic_v5_ist_image img = {
		.spi = ist_spi_words, .spi_size = sizeof(ist_spi_words),
		.lpi = ist_lpi_words, .lpi_size = sizeof(ist_lpi_words),
	};
	struct vgic_v5_ist_image saved;
	struct kvm_vgic_v5_ist ist;
	struct irs_vm v;
	int ret;

	irs_vm_create(&v, guest_code_done);
	if (!irs_has_ist(&v) || !irs_takes_test_ist(&v)) {
		irs_vm_destroy(&v);
		return;
	}

	irs_vm_add_ist_memory(&v);
	irs_restore_ist_regs(&v);

	ret = __vcpu_run(v.vcpu);
	TEST_ASSERT(ret && errno == EINVAL,
		    "KVM_RUN with the IST restore pending: ret %d errno %d, want EINVAL",
		    ret, errno);

	ret = vgic_v5_ist_save(v.gic_fd, &saved, false);
	TEST_ASSERT(ret == -ENXIO, "save with the IST restore pending: %d, want -ENXIO", ret);

	/* Invalid LPI buffers now that IST_BASER is valid; a save is -ENXIO */
	memset(ist_spi_words, 0, sizeof(ist_spi_words));
	memset(ist_lpi_words, 0, sizeof(ist_lpi_words));
	ist = ist_bufs(ist_spi_words, sizeof(ist_spi_words), NULL, 0);
	ret = __kvm_device_attr_get(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IST,
				    KVM_DEV_ARM_VGIC_IST_FLAT, &ist);
	TEST_ASSERT(ret && errno == ENXIO, "save, no LPI buffer: want ENXIO");
	ret = __kvm_device_attr_set(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IST,
				    KVM_DEV_ARM_VGIC_IST_FLAT, &ist);
	TEST_ASSERT(ret && errno == EINVAL, "restore, no LPI buffer: want EINVAL");
	ist = ist_bufs(ist_spi_words, sizeof(ist_spi_words), ist_lpi_words,
		       sizeof(ist_lpi_words) - sizeof(u32));
	ret = __kvm_device_attr_set(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IST,
				    KVM_DEV_ARM_VGIC_IST_FLAT, &ist);
	TEST_ASSERT(ret && errno == EINVAL, "flat LPI image one word short: want EINVAL");
	ist = ist_bufs(ist_spi_words, sizeof(ist_spi_words), (void *)1,
		       sizeof(ist_lpi_words));
	ret = __kvm_device_attr_set(v.gic_fd, KVM_DEV_ARM_VGIC_GRP_IST,
				    KVM_DEV_ARM_VGIC_IST_FLAT, &ist);
	TEST_ASSERT(ret && errno == EFAULT, "bad LPI buffer: want EFAULT");

	ret = __vcpu_run(v.vcpu);
	TEST_ASSERT(ret && errno == EINVAL,
		    "KVM_RUN after failed IST restores: ret %d errno %d, want EINVAL",
		    ret, errno);

	ret = vgic_v5_ist_restore(v.gic_fd, &img);
	TEST_ASSERT(!ret, "IST restore: %d", ret);
	irs_vm_run(&v, NULL);

	irs_vm_destroy(&v);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "irs_addr",			test_irs_addr },
	{ "ppi_only_vm",		test_ppi_only_vm },
	{ "run_before_init",		test_run_before_init },
	{ "nr_irqs",			test_nr_irqs },
	{ "nr_irqs_default",		test_nr_irqs_default },
	{ "init_without_vcpus",		test_init_without_vcpus },
	{ "guest_irs_registers",	test_guest_irs_registers },
	{ "guest_spi_edge_irq_line",	test_guest_spi_edge_irq_line },
	{ "guest_spi_level_irq_line",	test_guest_spi_level_irq_line },
	{ "guest_spi_irqfd",		test_guest_spi_irqfd },
	{ "guest_spi_resamplefd",	test_guest_spi_resamplefd },
	{ "guest_lpi_cdpend",		test_guest_lpi_cdpend },
	{ "guest_lpi_signal_msi",	test_guest_lpi_signal_msi },
	{ "guest_undef",		test_guest_undef },
	{ "irs_regs_save_restore",	test_irs_regs_save_restore },
	{ "cpu_sysregs_save_restore",	test_cpu_sysregs_save_restore },
	{ "ist_errnos",			test_ist_errnos },
	{ "ist_round_trip",		test_ist_round_trip },
	{ "ist_restore_pending",	test_ist_restore_pending },
};

int main(void)
{
	int i;

	test_disable_default_vgic();

	__TEST_REQUIRE(kvm_supports_vgic_v5_irs(),
		       "No GICv5 IRS support; not running the GICv5 IRS tests");

	max_ipa_size = 1ULL << vm_guest_mode_params[VM_MODE_DEFAULT].pa_bits;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		tests[i].fn();
		ksft_test_result_pass("%s\n", tests[i].name);
	}

	ksft_finished();
}
