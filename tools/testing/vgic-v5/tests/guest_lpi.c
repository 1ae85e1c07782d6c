// SPDX-License-Identifier: GPL-2.0
/*
 * GICv5 guest LPIs and MSIs: the LPI IST the guest configures through
 * IRS_IST_CFGR / IRS_IST_BASER / IRS_MAP_L2_ISTR (gicv5-facts.md 2.4, 3.6),
 * and LPIs made pending through the SETLPI frame: guest writes to
 * IRS_SETLPIR, KVM_SIGNAL_MSI and irqfd MSI routes (kvm_set_msi()).
 *
 * These need a host IRS that backs guest LPIs (IRS_IDR2.LPI = 1).
 */
#include "harness.h"
#include "vt.h"

#define IRS_BASE	HARNESS_V5_IRS_BASE
#define SETLPIR		(IRS_BASE + 0x10000)

#define CFGR(two_level, l2sz, id_bits)					\
	(FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE, (two_level)) |	\
	 FIELD_PREP(GICV5_IRS_IST_CFGR_L2SZ, (l2sz)) |			\
	 FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, (id_bits)))

#define GUEST_IST	0x40000000ULL

static u32 idr2(struct kvm *kvm)
{
	return rd32(kvm_get_vcpu(kvm, 0), GICV5_IRS_IDR2);
}

/* Configure and validate an IST; true if IST_BASER reads back valid */
static bool map_ist(struct kvm_vcpu *vcpu, u32 cfgr)
{
	wr32(vcpu, GICV5_IRS_IST_CFGR, cfgr);
	wr64(vcpu, GICV5_IRS_IST_BASER, GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	return rd64(vcpu, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID;
}

#define EXPECT_LPI_PENDING(id)	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_lpi(id), 1)

/* Destroys the VM if not */
static bool host_backs_lpis(struct kvm *kvm)
{
	if (FIELD_GET(GICV5_IRS_IDR2_LPI, idr2(kvm)))
		return true;
	harness_vm_destroy(kvm);
	return false;
}

#define REQUIRE_HOST_LPIS(kvm)						\
	do {								\
		if (!host_backs_lpis(kvm))				\
			VT_SKIP("the host IRS backs no guest LPIs");	\
	} while (0)

VT_TEST(guest_lpi_linear_ist)
{
	struct kvm *kvm = harness_v5_vm(2, true);
	struct kvm_vcpu *vcpu;
	u64 val;

	VT_ASSERT(kvm);
	REQUIRE_HOST_LPIS(kvm);
	vcpu = kvm_get_vcpu(kvm, 1);

	/* No IST yet: every LPI is dropped */
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 0), 0);
	VT_EXPECT_EQ(harness_vdpends(NULL), 0);

	VT_ASSERT(map_ist(vcpu, CFGR(0, 0, 12)));
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IST_STATUSR), GICV5_IRS_IST_STATUSR_IDLE);

	/* MSIs to the SETLPI frame: data is the LPI ID */
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 0), 1);
	EXPECT_LPI_PENDING(0);
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 4095), 1);
	EXPECT_LPI_PENDING(4095);
	/* Beyond the IST: dropped, as the guest's IRS would */
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 4096), 0);
	VT_EXPECT_EQ(harness_vdpends(NULL), 0);

	/* A guest write to IRS_SETLPIR, from any vCPU */
	val = 77;
	VT_EXPECT_EQ(harness_mmio_guest_write(kvm_get_vcpu(kvm, 0), SETLPIR, 4, &val), 0);
	EXPECT_LPI_PENDING(77);
	/* ID bits [23:0] only */
	val = 0xff000000 | 78;
	VT_EXPECT_EQ(harness_mmio_guest_write(vcpu, SETLPIR, 4, &val), 0);
	EXPECT_LPI_PENDING(78);
	/* Not a 64-bit register, write-only */
	VT_EXPECT_EQ(harness_mmio_guest_write(vcpu, SETLPIR, 8, &val), 0);
	VT_EXPECT_EQ(harness_vdpends(NULL), 0);
	VT_EXPECT_EQ(rd32(vcpu, 0x10000), 0);

	/* MAP_L2_ISTR does nothing for a linear IST */
	wr32(vcpu, GICV5_IRS_MAP_L2_ISTR, 5);
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 4096), 0);
	harness_vm_destroy(kvm);
}

/* While valid, IST_BASER's address and IST_CFGR cannot change */
VT_TEST(guest_lpi_ist_locked_while_valid)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_vcpu *vcpu;

	VT_ASSERT(kvm);
	REQUIRE_HOST_LPIS(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	VT_ASSERT(map_ist(vcpu, CFGR(0, 0, 10)));

	wr32(vcpu, GICV5_IRS_IST_CFGR, CFGR(0, 0, 14));
	VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IST_CFGR), CFGR(0, 0, 10));
	wr64(vcpu, GICV5_IRS_IST_BASER, 0x80000000ULL | GICV5_IRS_IST_BASER_VALID);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	/* A write of the high half alone keeps VALID: ignored too */
	wr32(vcpu, GICV5_IRS_IST_BASER + 4, 0x1);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	/* Still 10 bits of LPIs */
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 1023), 1);
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 1024), 0);
	harness_vm_destroy(kvm);
}

/* valid -> invalid unmaps; the guest can then map another IST */
VT_TEST(guest_lpi_ist_unmap_and_remap)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_vcpu *vcpu;

	VT_ASSERT(kvm);
	REQUIRE_HOST_LPIS(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	VT_ASSERT(map_ist(vcpu, CFGR(0, 0, 10)));
	/* Clearing VALID in the low half */
	wr32(vcpu, GICV5_IRS_IST_BASER, (u32)GUEST_IST);
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), GUEST_IST);
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 5), 0);
	VT_EXPECT_EQ(harness_vdpends(NULL), 0);
	/* Now IST_CFGR can change, and a larger IST be mapped */
	VT_ASSERT(map_ist(vcpu, CFGR(0, 0, 14)));
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 16383), 1);
	EXPECT_LPI_PENDING(16383);
	/* And unmapped for good: destroy has nothing left to do */
	wr64(vcpu, GICV5_IRS_IST_BASER, 0);
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 5), 0);
	harness_vm_destroy(kvm);
}

/* A configuration IDR2 does not allow: the valid write is dropped */
VT_TEST(guest_lpi_ist_bad_configuration_dropped)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_vcpu *vcpu;
	unsigned int max, min;
	u32 id2;

	VT_ASSERT(kvm);
	REQUIRE_HOST_LPIS(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	id2 = idr2(kvm);
	max = FIELD_GET(GICV5_IRS_IDR2_ID_BITS, id2);
	min = FIELD_GET(GICV5_IRS_IDR2_MIN_LPI_ID_BITS, id2);

	/* Too many ID bits, linear or two-level */
	VT_EXPECT(!map_ist(vcpu, CFGR(0, 0, max + 1)));
	VT_EXPECT(!map_ist(vcpu, CFGR(1, 0, max + 1)));
	VT_EXPECT(!map_ist(vcpu, CFGR(0, 0, 31)));
	/* Too few */
	if (min)
		VT_EXPECT(!map_ist(vcpu, CFGR(0, 0, min - 1)));
	/* ISTEs are 4 bytes: ISTSZ must be 0 */
	VT_EXPECT(!map_ist(vcpu, CFGR(0, 0, 10) |
			   FIELD_PREP(GICV5_IRS_IST_CFGR_ISTSZ, GICV5_IRS_IST_CFGR_ISTSZ_8)));
	VT_EXPECT(!map_ist(vcpu, CFGR(0, 0, 10) |
			   FIELD_PREP(GICV5_IRS_IST_CFGR_ISTSZ, GICV5_IRS_IST_CFGR_ISTSZ_16)));
	/* L2SZ 0b11 is reserved */
	VT_EXPECT(!map_ist(vcpu, CFGR(1, 3, 16)));
	/* The whole write was dropped: not even the address stuck */
	VT_EXPECT_EQ(rd64(vcpu, GICV5_IRS_IST_BASER), 0);
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 0), 0);
	VT_EXPECT_EQ(harness_vdpends(NULL), 0);
	/* A good one still works afterwards */
	VT_EXPECT(map_ist(vcpu, CFGR(0, 0, max(min, 4))));
	harness_vm_destroy(kvm);
}

/*
 * Two-level: LPIs exist only in L2 tables the guest mapped with
 * MAP_L2_ISTR, for every L2 size offered.
 */
VT_TEST(guest_lpi_two_level_ist)
{
	for (unsigned int l2sz = 0; l2sz <= 2; l2sz++) {
		unsigned int l2_bits = 10 + 2 * l2sz, id_bits;
		struct kvm *kvm = harness_v5_vm(1, true);
		struct kvm_vcpu *vcpu;
		u32 span = 1U << l2_bits;

		VT_ASSERT(kvm);
		REQUIRE_HOST_LPIS(kvm);
		/* The L1 table is guest RAM: KVM sets VALID in its entries */
		VT_ASSERT_EQ(harness_memslot_add(kvm, 0, GUEST_IST, SZ_1M, 0), 0);
		vcpu = kvm_get_vcpu(kvm, 0);
		id_bits = FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2(kvm));
		VT_ASSERT(id_bits > l2_bits);
		VT_ASSERT(map_ist(vcpu, CFGR(1, l2sz, id_bits)));

		/* Nothing mapped yet */
		VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 5), 0);
		/* Any ID in the L2 table's range maps it */
		wr32(vcpu, GICV5_IRS_MAP_L2_ISTR, span + 17);
		VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_IST_STATUSR), GICV5_IRS_IST_STATUSR_IDLE);
		VT_EXPECT_EQ(rd32(vcpu, GICV5_IRS_MAP_L2_ISTR), 0);
		VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, span - 1), 0);
		VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, span), 1);
		EXPECT_LPI_PENDING(span);
		VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 2 * span - 1), 1);
		EXPECT_LPI_PENDING(2 * span - 1);
		VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 2 * span), 0);
		/* Mapping it again changes nothing */
		wr32(vcpu, GICV5_IRS_MAP_L2_ISTR, span);
		VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, span + 3), 1);
		/* The last L2 table */
		wr32(vcpu, GICV5_IRS_MAP_L2_ISTR, (1U << id_bits) - 1);
		VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, (1U << id_bits) - span), 1);
		/* Out of range IDs map nothing */
		wr32(vcpu, GICV5_IRS_MAP_L2_ISTR, 1U << id_bits);
		wr32(vcpu, GICV5_IRS_MAP_L2_ISTR, ~0U);
		VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 0), 0);
		harness_vdpends(NULL);
		harness_vm_destroy(kvm);
	}
}

/* The L2 bookkeeping failing to allocate drops the write, nothing leaks */
VT_TEST(guest_lpi_two_level_alloc_failure)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_vcpu *vcpu;
	unsigned int id_bits;
	bool ok = false;

	VT_ASSERT(kvm);
	REQUIRE_HOST_LPIS(kvm);
	vcpu = kvm_get_vcpu(kvm, 0);
	id_bits = FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2(kvm));
	for (int n = 1; n < 32 && !ok; n++) {
		wr32(vcpu, GICV5_IRS_IST_CFGR, CFGR(1, 0, id_bits));
		fault_inject_nth_alloc(n);
		wr64(vcpu, GICV5_IRS_IST_BASER, GUEST_IST | GICV5_IRS_IST_BASER_VALID);
		ok = !fault_injected();
		fault_inject_nth_alloc(0);
		VT_EXPECT_EQ(!!(rd64(vcpu, GICV5_IRS_IST_BASER) & GICV5_IRS_IST_BASER_VALID),
			     ok);
		VT_EXPECT_EQ(harness_reports(HR_WARN), 0);
	}
	VT_EXPECT(ok);
	harness_vm_destroy(kvm);
}

VT_TEST(guest_msi_errors)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_kernel_irq_routing_entry e = { .type = KVM_IRQ_ROUTING_MSI };

	VT_ASSERT(kvm);
	REQUIRE_HOST_LPIS(kvm);
	VT_ASSERT(map_ist(kvm_get_vcpu(kvm, 0), CFGR(0, 0, 12)));
	/* Anything but the SETLPI register */
	VT_EXPECT_EQ(harness_msi(kvm, 0, 1), -EINVAL);
	VT_EXPECT_EQ(harness_msi(kvm, IRS_BASE, 1), -EINVAL);
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR + 4, 1), -EINVAL);
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR | (1ULL << 32), 1), -EINVAL);
	/* An LPI ID has 24 bits */
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, 1U << 24), -EINVAL);
	VT_EXPECT_EQ(harness_msi(kvm, SETLPIR, ~0U), -EINVAL);
	VT_EXPECT_EQ(harness_vdpends(NULL), 0);
	/* A device ID means nothing without an ITS, and is not needed */
	e.msi.address_lo = (u32)SETLPIR;
	e.msi.data = 3;
	e.msi.flags = KVM_MSI_VALID_DEVID;
	e.msi.devid = 0x1234;
	VT_EXPECT_EQ(kvm_set_msi(&e, kvm, 0, 1, false), 1);
	EXPECT_LPI_PENDING(3);
	/* An MSI is an edge */
	VT_EXPECT_EQ(kvm_set_msi(&e, kvm, 0, 0, false), -1);
	VT_EXPECT_EQ(harness_vdpends(NULL), 0);
	VT_EXPECT_EQ(kvm->arch.vgic.msis_require_devid, false);
	harness_vm_destroy(kvm);
}

/* irqfd MSI routes, slow and atomic paths */
VT_TEST(guest_msi_irqfd_routes)
{
	struct kvm_irq_routing_entry ue[2] = {
		{ .gsi = 40, .type = KVM_IRQ_ROUTING_MSI,
		  .u.msi = { .address_lo = (u32)SETLPIR, .data = 9 } },
		{ .gsi = 41, .type = KVM_IRQ_ROUTING_MSI,
		  .u.msi = { .address_lo = (u32)SETLPIR + 8, .data = 9 } },
	};
	struct kvm_kernel_irq_routing_entry e = {};
	struct kvm *kvm = harness_v5_vm(1, true);
	unsigned long flags;
	int ret;

	VT_ASSERT(kvm);
	REQUIRE_HOST_LPIS(kvm);
	VT_ASSERT(map_ist(kvm_get_vcpu(kvm, 0), CFGR(0, 0, 12)));
	VT_ASSERT_EQ(kvm_set_irq_routing(kvm, ue, 2, 0), 0);
	VT_EXPECT_EQ(harness_set_irq(kvm, 40, 1), 1);
	EXPECT_LPI_PENDING(9);
	VT_EXPECT_EQ(harness_set_irq(kvm, 41, 1), -EINVAL);
	VT_EXPECT_EQ(harness_vdpends(NULL), 0);

	/* irqfd_wakeup(): interrupts off, no sleeping */
	e.gsi = 40;
	e.type = KVM_IRQ_ROUTING_MSI;
	VT_ASSERT_EQ(kvm_set_routing_entry(kvm, &e, &ue[0]), 0);
	local_irq_save(flags);
	ret = kvm_arch_set_irq_inatomic(&e, kvm, 0, 1, false);
	local_irq_restore(flags);
	VT_EXPECT_EQ(ret, 1);
	EXPECT_LPI_PENDING(9);
	harness_vm_destroy(kvm);
}
