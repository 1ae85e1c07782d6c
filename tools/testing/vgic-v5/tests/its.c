// SPDX-License-Identifier: GPL-2.0
/*
 * The guest GICv5 ITS (vgic-v5-its.c, gicv5-facts.md section 10): MSIs
 * translated through the device and interrupt translation tables the guest
 * writes in its memory, the translation cache and its invalidation, the
 * irqfd paths (atomic fast path, kworker slow path without an mm), bad
 * tables, allocation failures, concurrency, several ITSes, save/restore.
 *
 * What a KVM selftest cannot see is checked here: which path delivered an
 * MSI (kvm_arch_set_irq_inatomic() returns -EWOULDBLOCK on a cache miss, 1
 * when the cache delivered it), the LPI made pending (the VDPEND the IRS
 * model gets), leaks, lock order and sleeping in atomic context.
 */
#include <pthread.h>
#include <sched.h>

#include "harness.h"
#include "vt.h"

#define SETLPIR		(HARNESS_V5_IRS_BASE + 0x10000)

/* Two ITSes of 128 KiB: config frame, then translate frame (TRANSLATER) */
#define ITS_BASE	0x08100000ULL
#define ITS_B_BASE	0x08120000ULL
#define XLATE(base)	((base) + SZ_64K)
#define ITS_XLATE	XLATE(ITS_BASE)

/* The guest's LPI IST: linear, 12 ID bits (LPIs 0 to 4095) */
#define GUEST_IST	0x40000000ULL
#define IST_CFGR	FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, 12)
#define NR_LPIS		4096

/* Guest RAM holding the ITS tables */
#define RAM		0x50000000ULL
#define RAM_SIZE	SZ_1M

/*
 * The standard layout: a linear DT at RAM (DeviceID bits 4), device d's
 * linear ITT (up to 512 events) at ITT(d), event e of device d -> LPI(d, e).
 */
#define DT		RAM
#define DT_BITS		4
#define ITT(d)		(RAM + 0x10000 + (d) * 0x1000ULL)
#define LPI(d, e)	(100 + (d) * 16 + (e))

#define DTE(itt, bits)	((itt) | FIELD_PREP(GICV5_DTL2E_EVENT_ID_BITS, (bits)) | \
			 GICV5_DTL2E_VALID)
#define ITTE(lpi)	(FIELD_PREP(GICV5_ITTL2E_LPI_ID, (lpi)) | GICV5_ITTL2E_VALID)
#define L1E(l2, span)	((l2) | FIELD_PREP(GICV5_DTL1E_SPAN, (span)) | GICV5_DTL1E_VALID)

struct tvm {
	struct kvm *kvm;
	struct kvm_vcpu *vcpu;
	struct kvm_device *its;
};

/* ------------------------------------------------------------- helpers */

static void its_fail(int line, const char *what, u64 a, long b)
{
	vt_fail(__FILE__, line, "%s 0x%llx: %ld", what, (unsigned long long)a, b);
}

#define EXPECT_LPI_PENDING(id)	HARNESS_EXPECT_ONE_VDPEND(vgic_v5_make_lpi(id), 1)

#define EXPECT_NO_LPI()		HARNESS_EXPECT_NO_VDPEND()

static void msi_entry(struct kvm_kernel_irq_routing_entry *e, u64 db, u32 devid,
		      u32 eventid)
{
	*e = (struct kvm_kernel_irq_routing_entry){ .type = KVM_IRQ_ROUTING_MSI };
	e->msi.address_lo = lower_32_bits(db);
	e->msi.address_hi = upper_32_bits(db);
	e->msi.data = eventid;
	e->msi.flags = KVM_MSI_VALID_DEVID;
	e->msi.devid = devid;
}

/* KVM_SIGNAL_MSI, or irqfd_inject(): kvm_set_msi() from the VMM's thread */
static int msi_at(struct kvm *kvm, u64 db, u32 devid, u32 eventid)
{
	struct kvm_kernel_irq_routing_entry e;

	msi_entry(&e, db, devid, eventid);
	return kvm_set_msi(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
}

/* irqfd_wakeup(): interrupts off, the translation cache only */
static int msi_atomic_at(struct kvm *kvm, u64 db, u32 devid, u32 eventid)
{
	struct kvm_kernel_irq_routing_entry e;
	unsigned long flags;
	int ret;

	msi_entry(&e, db, devid, eventid);
	local_irq_save(flags);
	ret = kvm_arch_set_irq_inatomic(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
	local_irq_restore(flags);
	return ret;
}

/* irqfd_inject() in a kworker: no mm */
static int msi_kworker_at(struct kvm *kvm, u64 db, u32 devid, u32 eventid)
{
	int ret;

	harness_kworker_enter();
	ret = msi_at(kvm, db, devid, eventid);
	harness_kworker_exit();
	return ret;
}

#define msi(v, d, e)		msi_at((v)->kvm, ITS_XLATE, d, e)
#define msi_atomic(v, d, e)	msi_atomic_at((v)->kvm, ITS_XLATE, d, e)
#define msi_kworker(v, d, e)	msi_kworker_at((v)->kvm, ITS_XLATE, d, e)

/* The cache delivers (d, e) as @lpi */
#define EXPECT_HIT_AT(v, db, d, e, lpi)					\
	do {								\
		VT_EXPECT_EQ(msi_atomic_at((v)->kvm, db, d, e), 1);	\
		EXPECT_LPI_PENDING(lpi);				\
	} while (0)
/* (d, e) is not cached */
#define EXPECT_MISS_AT(v, db, d, e)					\
	do {								\
		VT_EXPECT_EQ(msi_atomic_at((v)->kvm, db, d, e), -EWOULDBLOCK); \
		EXPECT_NO_LPI();					\
	} while (0)
/* kvm_set_msi() delivers (d, e) as @lpi */
#define EXPECT_MSI_AT(v, db, d, e, lpi)					\
	do {								\
		VT_EXPECT_EQ(msi_at((v)->kvm, db, d, e), 1);		\
		EXPECT_LPI_PENDING(lpi);				\
	} while (0)
/* A cold MSI: not cached, walked to @lpi, then cached */
#define EXPECT_WALK_AT(v, db, d, e, lpi)				\
	do {								\
		struct tvm *__v = (v);					\
		u64 __db = (db);					\
		u32 __d = (d), __e = (e), __lpi = (lpi);		\
									\
		EXPECT_MISS_AT(__v, __db, __d, __e);			\
		EXPECT_MSI_AT(__v, __db, __d, __e, __lpi);		\
		EXPECT_HIT_AT(__v, __db, __d, __e, __lpi);		\
	} while (0)
/* Dropped by the guest's tables or IRS */
#define EXPECT_DROP_AT(v, db, d, e)					\
	do {								\
		VT_EXPECT_EQ(msi_at((v)->kvm, db, d, e), 0);		\
		EXPECT_NO_LPI();					\
	} while (0)

#define EXPECT_HIT(v, d, e, lpi)	EXPECT_HIT_AT(v, ITS_XLATE, d, e, lpi)
#define EXPECT_MISS(v, d, e)		EXPECT_MISS_AT(v, ITS_XLATE, d, e)
#define EXPECT_MSI(v, d, e, lpi)	EXPECT_MSI_AT(v, ITS_XLATE, d, e, lpi)
#define EXPECT_WALK(v, d, e, lpi)	EXPECT_WALK_AT(v, ITS_XLATE, d, e, lpi)
#define EXPECT_DROP(v, d, e)		EXPECT_DROP_AT(v, ITS_XLATE, d, e)

/* Guest accesses to an ITS config frame, by vCPU 0 */
static void gwr_at(struct tvm *v, u64 base, u32 off, int len, u64 val, int line)
{
	int ret = harness_mmio_guest_write(v->vcpu, base + off, len, &val);

	if (ret)
		its_fail(line, "ITS guest write", off, ret);
}

static u64 grd_at(struct tvm *v, u64 base, u32 off, int len, int line)
{
	u64 val = 0;
	int ret = harness_mmio_guest_read(v->vcpu, base + off, len, &val);

	if (ret)
		its_fail(line, "ITS guest read", off, ret);
	return val;
}

#define gwr(v, base, off, len, val)	gwr_at(v, base, off, len, val, __LINE__)
#define grd(v, base, off, len)		grd_at(v, base, off, len, __LINE__)

/* GRP_ITS_REGS, userspace */
static int uset(struct kvm_device *its, u32 off, u64 val)
{
	return harness_set_attr(its, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, off, &val);
}

static u64 uget_at(struct kvm_device *its, u32 off, int line)
{
	u64 val = ~0ULL;
	int ret = harness_get_attr(its, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, off, &val);

	if (ret)
		its_fail(line, "GRP_ITS_REGS get", off, ret);
	return val;
}

#define uget(its, off)	uget_at(its, off, __LINE__)

static int its_reset(struct kvm_device *its)
{
	return harness_set_attr(its, KVM_DEV_ARM_VGIC_GRP_CTRL,
				KVM_DEV_ARM_ITS_CTRL_RESET, NULL);
}

/*
 * A guest CPU's store to its RAM, which KVM may be reading (tsan.supp: not
 * a data race in the kernel)
 */
static noinline void its_guest_store(u64 *p, u64 val)
{
	WRITE_ONCE(*p, cpu_to_le64(val));
}

/* The guest's CPUs write an entry of a table */
static void put_at(struct kvm *kvm, gpa_t gpa, u64 val, int line)
{
	u64 *p = harness_guest_mem(kvm, gpa, 8);

	if (!p)
		its_fail(line, "no guest RAM at", gpa, 0);
	else
		its_guest_store(p, val);
}

#define put(kvm, gpa, val)	put_at(kvm, gpa, val, __LINE__)

static int its_create(struct kvm *kvm, u64 base, struct kvm_device **devp)
{
	int ret = harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS, devp);

	if (ret)
		return ret;
	return harness_set_attr(*devp, KVM_DEV_ARM_VGIC_GRP_ADDR,
				KVM_VGIC_V5_ADDR_TYPE_ITS, &base);
}

/*
 * A v5 VM with @nr_vcpus vCPUs, an LPI IST, @ram_size bytes of RAM at RAM
 * (0: none) and an ITS at ITS_BASE. 1: done; 0: the host IRS backs no
 * guest LPIs (nothing left); -1: failed.
 */
static int its_vm_init(struct tvm *v, int nr_vcpus, size_t ram_size)
{
	u64 val;

	v->kvm = harness_v5_vm(nr_vcpus, true);
	if (!v->kvm)
		return -1;
	v->vcpu = kvm_get_vcpu(v->kvm, 0);
	if (!FIELD_GET(GICV5_IRS_IDR2_LPI, rd32(v->vcpu, GICV5_IRS_IDR2))) {
		harness_vm_destroy(v->kvm);
		return 0;
	}
	wr32(v->vcpu, GICV5_IRS_IST_CFGR, IST_CFGR);
	wr64(v->vcpu, GICV5_IRS_IST_BASER, GUEST_IST | GICV5_IRS_IST_BASER_VALID);
	val = rd64(v->vcpu, GICV5_IRS_IST_BASER);
	if (!(val & GICV5_IRS_IST_BASER_VALID) ||
	    (ram_size && harness_memslot_add(v->kvm, 0, RAM, ram_size, 0)) ||
	    its_create(v->kvm, ITS_BASE, &v->its)) {
		harness_vm_destroy(v->kvm);
		return -1;
	}
	return 1;
}

#define ITS_VM_INIT(v, nr_vcpus, ram_size)				\
	do {								\
		int __r = its_vm_init(v, nr_vcpus, ram_size);		\
		if (!__r)						\
			VT_SKIP("the host IRS backs no guest LPIs");	\
		VT_ASSERT(__r > 0);					\
	} while (0)

/* The guest programs a linear DT and enables the ITS at @base */
static void its_enable_linear(struct tvm *v, u64 base, gpa_t dt, unsigned int bits)
{
	gwr(v, base, GICV5_ITS_CR0, 4, 0);
	gwr(v, base, GICV5_ITS_DT_CFGR, 4, FIELD_PREP(GICV5_ITS_DT_CFGR_DEVICEID_BITS, bits));
	gwr(v, base, GICV5_ITS_DT_BASER, 8, dt);
	gwr(v, base, GICV5_ITS_CR0, 4, GICV5_ITS_CR0_ITSEN);
}

/* The standard layout for devices 0..@nr_dev-1, events 0..@nr_ev-1 */
static void map_std(struct tvm *v, u32 nr_dev, u32 nr_ev)
{
	for (u32 d = 0; d < nr_dev; d++) {
		put(v->kvm, DT + d * 8, DTE(ITT(d), 3));
		for (u32 e = 0; e < nr_ev; e++)
			put(v->kvm, ITT(d) + e * 8, ITTE(LPI(d, e)));
	}
	its_enable_linear(v, ITS_BASE, DT, DT_BITS);
}

static void inv_event(struct tvm *v, u64 base, u32 d, u32 e, u32 val)
{
	gwr(v, base, GICV5_ITS_DIDR, 8, d);
	gwr(v, base, GICV5_ITS_EIDR, 4, e);
	gwr(v, base, GICV5_ITS_INV_EVENTR, 4, val);
}

static void inv_device(struct tvm *v, u64 base, u32 d, u32 val)
{
	gwr(v, base, GICV5_ITS_DIDR, 8, d);
	gwr(v, base, GICV5_ITS_INV_DEVICER, 4, val);
}

#define INV_EVENT	GICV5_ITS_INV_EVENTR_I
#define INV_ITT_L2(sz)	(GICV5_ITS_INV_EVENTR_I | GICV5_ITS_INV_EVENTR_L1 |	\
			 FIELD_PREP(GICV5_ITS_INV_EVENTR_ITT_L2SZ, (sz)))
#define INV_DEVICE	GICV5_ITS_INV_DEVICER_I
#define INV_DT_L2	(GICV5_ITS_INV_DEVICER_I | GICV5_ITS_INV_DEVICER_L1)

/*
 * A vCPU thread started from a hook, while the hook's thread is held up
 * inside KVM: it runs @fn(@v) with vCPU 0 loaded and its mutex held, as
 * the guest's accesses run, or, with @vmm, as a thread of the VMM outside
 * any vCPU. @done_in_time: it returned within @wait_ms.
 */
struct vcpu_meanwhile {
	struct tvm *v;
	void (*fn)(struct tvm *v);
	unsigned int wait_ms;
	bool vmm;
	int done;
	bool started, done_in_time;
	pthread_t thread;
};

static void *vcpu_meanwhile_thread(void *arg)
{
	struct vcpu_meanwhile *m = arg;
	struct kvm_vcpu *vcpu = m->v->vcpu;

	if (m->vmm) {
		m->fn(m->v);
	} else {
		harness_vcpu_load(vcpu);
		mutex_lock(&vcpu->mutex);
		m->fn(m->v);
		mutex_unlock(&vcpu->mutex);
		harness_vcpu_put(vcpu);
	}
	__atomic_store_n(&m->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* The hook: start the vCPU thread, and give it @wait_ms to return */
static void vcpu_meanwhile(void *arg)
{
	struct vcpu_meanwhile *m = arg;

	if (pthread_create(&m->thread, NULL, vcpu_meanwhile_thread, m)) {
		vt_fail(__FILE__, __LINE__, "pthread_create");
		return;
	}
	m->started = true;
	for (unsigned int i = 0;
	     i < m->wait_ms && !__atomic_load_n(&m->done, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	m->done_in_time = __atomic_load_n(&m->done, __ATOMIC_SEQ_CST);
}

/* The registers userspace saves and restores, CR0 last */
static const u32 its_state_regs[] = {
	GICV5_ITS_IDR1, GICV5_ITS_IDR2, GICV5_ITS_CR1, GICV5_ITS_DT_BASER,
	GICV5_ITS_DT_CFGR, GICV5_ITS_DIDR, GICV5_ITS_EIDR, GICV5_ITS_CR0,
};

static const u32 its_all_regs[] = {
	GICV5_ITS_IDR1, GICV5_ITS_IDR2, GICV5_ITS_CR0, GICV5_ITS_CR1,
	GICV5_ITS_DT_BASER, GICV5_ITS_DT_CFGR, GICV5_ITS_DIDR, GICV5_ITS_EIDR,
	GICV5_ITS_INV_EVENTR, GICV5_ITS_INV_DEVICER, GICV5_ITS_STATUSR,
	GICV5_ITS_SYNCR, GICV5_ITS_SYNC_STATUSR,
};

/* A deterministic xorshift64 */
static u64 rnd_state;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* ------------------------------------------------- cache and invalidation */

/*
 * The first MSI of an event walks, the next ones come from the cache;
 * INV_EVENTR drops exactly (DIDR, EIDR); INV_* without I does nothing.
 */
VT_TEST(its_cache_walk_hit_and_inv_eventr)
{
	struct tvm v;

	ITS_VM_INIT(&v, 1, RAM_SIZE);
	map_std(&v, 3, 4);

	/* Cold: the atomic path would block, kvm_set_msi() walks */
	EXPECT_MISS(&v, 1, 0);
	EXPECT_MSI(&v, 1, 0, LPI(1, 0));
	EXPECT_HIT(&v, 1, 0, LPI(1, 0));
	EXPECT_HIT(&v, 1, 0, LPI(1, 0));
	/* A cached event still goes through kvm_set_msi() */
	EXPECT_MSI(&v, 1, 0, LPI(1, 0));
	for (u32 d = 1; d < 3; d++)
		for (u32 e = d == 1; e < 4; e++)
			EXPECT_WALK(&v, d, e, LPI(d, e));

	inv_event(&v, ITS_BASE, 1, 2, INV_EVENT);
	EXPECT_MISS(&v, 1, 2);
	for (u32 e = 0; e < 4; e++)
		if (e != 2)
			EXPECT_HIT(&v, 1, e, LPI(1, e));
	for (u32 e = 0; e < 4; e++)
		EXPECT_HIT(&v, 2, e, LPI(2, e));
	EXPECT_WALK(&v, 1, 2, LPI(1, 2));

	/* I clear: no invalidation, whatever else the write holds */
	inv_event(&v, ITS_BASE, 1, 2, 0);
	inv_event(&v, ITS_BASE, 1, 2, GENMASK(30, 0));
	inv_device(&v, ITS_BASE, 1, 0);
	inv_device(&v, ITS_BASE, 1, GENMASK(30, 0));
	for (u32 d = 1; d < 3; d++)
		for (u32 e = 0; e < 4; e++)
			EXPECT_HIT(&v, d, e, LPI(d, e));
	/* INV_EVENTR of an event never cached changes nothing */
	inv_event(&v, ITS_BASE, 0, 3, INV_EVENT);
	inv_event(&v, ITS_BASE, 2, 7, INV_EVENT);
	for (u32 d = 1; d < 3; d++)
		for (u32 e = 0; e < 4; e++)
			EXPECT_HIT(&v, d, e, LPI(d, e));
	/* The registers read back; the command registers read 0 */
	VT_EXPECT_EQ(grd(&v, ITS_BASE, GICV5_ITS_DIDR, 8), 2);
	VT_EXPECT_EQ(grd(&v, ITS_BASE, GICV5_ITS_EIDR, 4), 7);
	VT_EXPECT_EQ(grd(&v, ITS_BASE, GICV5_ITS_INV_EVENTR, 4), 0);
	VT_EXPECT_EQ(grd(&v, ITS_BASE, GICV5_ITS_STATUSR, 4), GICV5_ITS_STATUSR_IDLE);
	harness_vm_destroy(v.kvm);
}

/*
 * A table write without invalidation may keep the old translation: the
 * cached LPI is still used, by both paths, until INV_EVENTR.
 */
VT_TEST(its_cache_stale_until_invalidated)
{
	struct tvm v;

	ITS_VM_INIT(&v, 1, RAM_SIZE);
	map_std(&v, 2, 4);
	EXPECT_WALK(&v, 1, 1, LPI(1, 1));
	EXPECT_WALK(&v, 1, 2, LPI(1, 2));

	put(v.kvm, ITT(1) + 1 * 8, ITTE(2000));
	EXPECT_HIT(&v, 1, 1, LPI(1, 1));
	EXPECT_MSI(&v, 1, 1, LPI(1, 1));
	inv_event(&v, ITS_BASE, 1, 1, INV_EVENT);
	EXPECT_WALK(&v, 1, 1, 2000);

	/* Unmapped (VALID cleared) but cached: delivered until invalidated */
	put(v.kvm, ITT(1) + 2 * 8, 0);
	EXPECT_HIT(&v, 1, 2, LPI(1, 2));
	inv_event(&v, ITS_BASE, 1, 2, INV_EVENT);
	EXPECT_MISS(&v, 1, 2);
	EXPECT_DROP(&v, 1, 2);
	/* A dropped MSI is not cached */
	EXPECT_MISS(&v, 1, 2);

	/* The DTE: a new ITT for the device, seen after INV_DEVICER */
	EXPECT_WALK(&v, 1, 3, LPI(1, 3));
	put(v.kvm, ITT(5) + 3 * 8, ITTE(3000));
	put(v.kvm, DT + 1 * 8, DTE(ITT(5), 3));
	EXPECT_HIT(&v, 1, 3, LPI(1, 3));
	inv_device(&v, ITS_BASE, 1, INV_DEVICE);
	EXPECT_WALK(&v, 1, 3, 3000);
	harness_vm_destroy(v.kvm);
}

/* INV_EVENTR with L1: the events of the ITT L2 table holding EIDR */
VT_TEST(its_cache_inv_eventr_itt_l2_table)
{
	static const u32 ev[] = { 5, 515, 600, 1030, 2047 };
	const gpa_t itt_l1 = RAM + 0x30000, itt_l2 = RAM + 0x31000;
	struct tvm v;
	u64 idr1;

	ITS_VM_INIT(&v, 1, RAM_SIZE);
	idr1 = uget(v.its, GICV5_ITS_IDR1);
	/* Not offered by default: userspace offers two-level ITTs */
	VT_EXPECT_EQ(idr1 & GICV5_ITS_IDR1_ITT_LEVELS, 0);
	VT_ASSERT_EQ(uset(v.its, GICV5_ITS_IDR1, idr1 | GICV5_ITS_IDR1_ITT_LEVELS), 0);
	VT_EXPECT_EQ(grd(&v, ITS_BASE, GICV5_ITS_IDR1, 4), idr1 | GICV5_ITS_IDR1_ITT_LEVELS);

	/* Device 3: 11 EventID bits, 4 KiB L2 tables of 512 events */
	for (int i = 0; i < 4; i++)
		put(v.kvm, itt_l1 + i * 8, L1E(itt_l2 + i * 0x1000, 9));
	for (int i = 0; i < ARRAY_SIZE(ev); i++)
		put(v.kvm, itt_l2 + (ev[i] >> 9) * 0x1000 + (ev[i] & 511) * 8, ITTE(300 + i));
	put(v.kvm, DT + 3 * 8, DTE(itt_l1, 11) | GICV5_DTL2E_ITT_STRUCTURE |
			       FIELD_PREP(GICV5_DTL2E_ITT_L2SZ, 0));
	/* Device 1: linear, the same EventID 5 */
	put(v.kvm, DT + 1 * 8, DTE(ITT(1), 3));
	put(v.kvm, ITT(1) + 5 * 8, ITTE(LPI(1, 5)));
	its_enable_linear(&v, ITS_BASE, DT, DT_BITS);

	for (int i = 0; i < ARRAY_SIZE(ev); i++)
		EXPECT_WALK(&v, 3, ev[i], 300 + i);
	EXPECT_WALK(&v, 1, 5, LPI(1, 5));
	/* Not mapped in a mapped L2 table; beyond EVENT_ID_BITS */
	EXPECT_DROP(&v, 3, 6);
	EXPECT_DROP(&v, 3, 2048);

	/* L2 table 1 (events 512..1023): 515 and 600 */
	inv_event(&v, ITS_BASE, 3, 520, INV_ITT_L2(GICV5_ITS_DT_ITT_CFGR_L2SZ_4k));
	EXPECT_MISS(&v, 3, 515);
	EXPECT_MISS(&v, 3, 600);
	EXPECT_HIT(&v, 3, 5, 300);
	EXPECT_HIT(&v, 3, 1030, 303);
	EXPECT_HIT(&v, 3, 2047, 304);
	EXPECT_HIT(&v, 1, 5, LPI(1, 5));
	EXPECT_WALK(&v, 3, 515, 301);
	EXPECT_WALK(&v, 3, 600, 302);

	/* 16 KiB L2 tables (2048 events): all of device 3's, not device 1 */
	inv_event(&v, ITS_BASE, 3, 1500, INV_ITT_L2(GICV5_ITS_DT_ITT_CFGR_L2SZ_16k));
	for (int i = 0; i < ARRAY_SIZE(ev); i++)
		EXPECT_MISS(&v, 3, ev[i]);
	EXPECT_HIT(&v, 1, 5, LPI(1, 5));
	for (int i = 0; i < ARRAY_SIZE(ev); i++)
		EXPECT_WALK(&v, 3, ev[i], 300 + i);

	/* 64 KiB (8192 events) from EIDR 8191: the first L2 table too */
	inv_event(&v, ITS_BASE, 3, 8191, INV_ITT_L2(GICV5_ITS_DT_ITT_CFGR_L2SZ_64k));
	for (int i = 0; i < ARRAY_SIZE(ev); i++)
		EXPECT_MISS(&v, 3, ev[i]);
	EXPECT_HIT(&v, 1, 5, LPI(1, 5));
	harness_vm_destroy(v.kvm);
}

/* INV_DEVICER drops all events of DIDR, and not other devices' */
VT_TEST(its_cache_inv_devicer)
{
	struct tvm v;

	ITS_VM_INIT(&v, 1, RAM_SIZE);
	map_std(&v, 4, 4);
	for (u32 d = 0; d < 4; d++)
		for (u32 e = 0; e < 4; e++)
			EXPECT_WALK(&v, d, e, LPI(d, e));

	inv_device(&v, ITS_BASE, 2, INV_DEVICE);
	for (u32 e = 0; e < 4; e++)
		EXPECT_MISS(&v, 2, e);
	for (u32 d = 0; d < 4; d++)
		for (u32 e = 0; e < 4 && d != 2; e++)
			EXPECT_HIT(&v, d, e, LPI(d, e));
	/* L1 with a linear DT: DIDR only */
	inv_device(&v, ITS_BASE, 1, INV_DT_L2);
	for (u32 e = 0; e < 4; e++)
		EXPECT_MISS(&v, 1, e);
	EXPECT_HIT(&v, 0, 3, LPI(0, 3));
	EXPECT_HIT(&v, 3, 0, LPI(3, 0));
	/* The EVENTID_BITS field does not limit it */
	inv_device(&v, ITS_BASE, 3, INV_DEVICE |
		   FIELD_PREP(GICV5_ITS_INV_DEVICER_EVENTID_BITS, 1));
	for (u32 e = 0; e < 4; e++)
		EXPECT_MISS(&v, 3, e);
	EXPECT_HIT(&v, 0, 3, LPI(0, 3));
	harness_vm_destroy(v.kvm);
}

/* INV_DEVICER with L1: all devices of the DT L2 table holding DIDR */
VT_TEST(its_cache_inv_devicer_dt_l2_table)
{
	static const u32 dev[] = { 1, 2, 511, 513, 1030, 2047 };
	const gpa_t l2 = RAM + 0x1000, itt = RAM + 0x20000;
	struct tvm v;

	ITS_VM_INIT(&v, 1, RAM_SIZE);
	/* 11 DeviceID bits, 4 KiB L2 tables of 512 devices */
	for (int i = 0; i < 4; i++)
		put(v.kvm, DT + i * 8, L1E(l2 + i * 0x1000, 9));
	for (int i = 0; i < ARRAY_SIZE(dev); i++) {
		put(v.kvm, l2 + (dev[i] >> 9) * 0x1000 + (dev[i] & 511) * 8,
		    DTE(itt + i * 0x1000, 2));
		put(v.kvm, itt + i * 0x1000, ITTE(200 + i));
		put(v.kvm, itt + i * 0x1000 + 8, ITTE(250 + i));
	}
	gwr(&v, ITS_BASE, GICV5_ITS_DT_CFGR, 4,
	    GICV5_ITS_DT_CFGR_STRUCTURE | FIELD_PREP(GICV5_ITS_DT_CFGR_L2SZ, 0) |
	    FIELD_PREP(GICV5_ITS_DT_CFGR_DEVICEID_BITS, 11));
	gwr(&v, ITS_BASE, GICV5_ITS_DT_BASER, 8, DT);
	gwr(&v, ITS_BASE, GICV5_ITS_CR0, 4, GICV5_ITS_CR0_ITSEN);

	for (int i = 0; i < ARRAY_SIZE(dev); i++) {
		EXPECT_WALK(&v, dev[i], 0, 200 + i);
		EXPECT_WALK(&v, dev[i], 1, 250 + i);
	}
	EXPECT_DROP(&v, 3, 0);
	EXPECT_DROP(&v, 2048, 0);

	/* L2 table 0: devices 0..511 */
	inv_device(&v, ITS_BASE, 2, INV_DT_L2);
	for (int i = 0; i < ARRAY_SIZE(dev); i++) {
		if (dev[i] < 512) {
			EXPECT_MISS(&v, dev[i], 0);
			EXPECT_MISS(&v, dev[i], 1);
		} else {
			EXPECT_HIT(&v, dev[i], 0, 200 + i);
			EXPECT_HIT(&v, dev[i], 1, 250 + i);
		}
	}
	for (int i = 0; i < 3; i++)
		EXPECT_WALK(&v, dev[i], 0, 200 + i);

	/* L2 table 2 (1024..1535) from its last device */
	inv_device(&v, ITS_BASE, 1535, INV_DT_L2);
	EXPECT_MISS(&v, 1030, 0);
	EXPECT_MISS(&v, 1030, 1);
	EXPECT_HIT(&v, 513, 0, 203);
	EXPECT_HIT(&v, 2047, 1, 255);
	EXPECT_HIT(&v, 511, 0, 202);
	/* Without L1: the device only */
	inv_device(&v, ITS_BASE, 513, INV_DEVICE);
	EXPECT_MISS(&v, 513, 0);
	EXPECT_MISS(&v, 513, 1);
	EXPECT_HIT(&v, 511, 0, 202);
	EXPECT_HIT(&v, 2047, 0, 205);
	harness_vm_destroy(v.kvm);
}

/*
 * Clearing ITSEN, ITS_CTRL_RESET and every GRP_ITS_REGS set drop the whole
 * cache; a get does not.
 */
VT_TEST(its_cache_dropped_by_disable_reset_and_uaccess)
{
	struct harness_vcpu_holder *h;
	u64 saved[ARRAY_SIZE(its_state_regs)];
	struct tvm v;

	ITS_VM_INIT(&v, 2, RAM_SIZE);
	map_std(&v, 3, 2);
	VT_EXPECT_EQ(grd(&v, ITS_BASE, GICV5_ITS_CR0, 4),
		     GICV5_ITS_CR0_ITSEN | GICV5_ITS_CR0_IDLE);
	for (u32 d = 1; d < 3; d++)
		EXPECT_WALK(&v, d, 0, LPI(d, 0));

	/* ITSEN cleared: all dropped, and MSIs too */
	gwr(&v, ITS_BASE, GICV5_ITS_CR0, 4, 0);
	VT_EXPECT_EQ(grd(&v, ITS_BASE, GICV5_ITS_CR0, 4), GICV5_ITS_CR0_IDLE);
	EXPECT_MISS(&v, 1, 0);
	EXPECT_MISS(&v, 2, 0);
	EXPECT_DROP(&v, 1, 0);
	EXPECT_MISS(&v, 1, 0);
	gwr(&v, ITS_BASE, GICV5_ITS_CR0, 4, GICV5_ITS_CR0_ITSEN);
	EXPECT_WALK(&v, 1, 0, LPI(1, 0));
	EXPECT_WALK(&v, 2, 0, LPI(2, 0));

	/* GRP_ITS_REGS: a get keeps the cache, a set drops it */
	for (int i = 0; i < ARRAY_SIZE(its_state_regs); i++)
		saved[i] = uget(v.its, its_state_regs[i]);
	VT_EXPECT_EQ(saved[ARRAY_SIZE(its_state_regs) - 1],
		     GICV5_ITS_CR0_ITSEN | GICV5_ITS_CR0_IDLE);
	EXPECT_HIT(&v, 1, 0, LPI(1, 0));
	for (int i = 0; i < ARRAY_SIZE(its_all_regs); i++) {
		u32 off = its_all_regs[i];
		u64 val = uget(v.its, off);

		EXPECT_HIT(&v, 1, 0, LPI(1, 0));
		EXPECT_HIT(&v, 2, 0, LPI(2, 0));
		VT_EXPECT_EQ(uset(v.its, off, val), 0);
		for (u32 d = 1; d < 3; d++)
			if (msi_atomic(&v, d, 0) != -EWOULDBLOCK)
				its_fail(__LINE__, "cache kept by a set of", off, d);
		EXPECT_NO_LPI();
		VT_EXPECT_EQ(uget(v.its, off), val);
		EXPECT_WALK(&v, 1, 0, LPI(1, 0));
		EXPECT_WALK(&v, 2, 0, LPI(2, 0));
	}

	/* -EBUSY while a vCPU runs: nothing changes, nothing dropped */
	h = harness_hold_vcpu(kvm_get_vcpu(v.kvm, 1));
	VT_ASSERT(h);
	VT_EXPECT_EQ(uset(v.its, GICV5_ITS_CR0, 0), -EBUSY);
	VT_EXPECT_EQ(its_reset(v.its), -EBUSY);
	harness_release_vcpu(h);
	EXPECT_HIT(&v, 1, 0, LPI(1, 0));
	EXPECT_HIT(&v, 2, 0, LPI(2, 0));

	/* ITS_CTRL_RESET: registers reset, ID registers kept, cache dropped */
	VT_ASSERT_EQ(its_reset(v.its), 0);
	EXPECT_MISS(&v, 1, 0);
	EXPECT_MISS(&v, 2, 0);
	VT_EXPECT_EQ(uget(v.its, GICV5_ITS_CR0), GICV5_ITS_CR0_IDLE);
	VT_EXPECT_EQ(uget(v.its, GICV5_ITS_DT_BASER), 0);
	VT_EXPECT_EQ(uget(v.its, GICV5_ITS_DT_CFGR), 0);
	VT_EXPECT_EQ(uget(v.its, GICV5_ITS_IDR1), saved[0]);
	VT_EXPECT_EQ(uget(v.its, GICV5_ITS_IDR2), saved[1]);
	EXPECT_DROP(&v, 1, 0);
	/* Restored by userspace, it translates again */
	for (int i = 0; i < ARRAY_SIZE(its_state_regs); i++)
		VT_EXPECT_EQ(uset(v.its, its_state_regs[i], saved[i]), 0);
	EXPECT_WALK(&v, 1, 0, LPI(1, 0));
	EXPECT_WALK(&v, 2, 1, LPI(2, 1));
	harness_vm_destroy(v.kvm);
}

/*
 * The cache takes at most 1024 translations per ITS: full, each new one
 * takes the place of another, in turn by key, so that the events used
 * last stay cached; the MSIs of the others are delivered, walking; an
 * invalidation makes room.
 */
VT_TEST(its_cache_bounded)
{
	const u32 nr = 1100;
	struct tvm v;
	int cached = 0;

	ITS_VM_INIT(&v, 1, RAM_SIZE);
	/* Device 0 alone, with 2^11 events: its ITT spans the others' */
	put(v.kvm, DT, DTE(ITT(0), 11));
	for (u32 e = 0; e < nr; e++)
		put(v.kvm, ITT(0) + e * 8, ITTE(LPI(0, e)));
	its_enable_linear(&v, ITS_BASE, DT, DT_BITS);
	for (u32 e = 0; e < nr; e++)
		EXPECT_MSI(&v, 0, e, LPI(0, e));
	for (u32 e = 0; e < nr; e++) {
		int ret = msi_atomic(&v, 0, e);

		/* Full, each walk took the place of the first entry left */
		VT_EXPECT_EQ(ret, e < nr - 1024 ? -EWOULDBLOCK : 1);
		cached += ret == 1;
		harness_vdpends(NULL);
	}
	VT_EXPECT_EQ(cached, 1024);
	/* In turn: event 0 walked again takes the place of the next one */
	EXPECT_WALK(&v, 0, 0, LPI(0, 0));
	EXPECT_MISS(&v, 0, nr - 1024);
	EXPECT_HIT(&v, 0, nr - 1023, LPI(0, nr - 1023));
	/* Room again after an invalidation */
	inv_device(&v, ITS_BASE, 0, INV_DEVICE);
	EXPECT_WALK(&v, 0, nr - 1, LPI(0, nr - 1));
	harness_vm_destroy(v.kvm);
}

/* ------------------------------------------------------------- irqfd */

/*
 * An MSI walked from irqfd's kworker while the guest unmaps its event and
 * syncs the ITS, as gicv5_its_unmap_event() then gicv5_its_syncr() do
 * before the LPI is freed and reused: the LPI is made pending before the
 * invalidation completes, never after the sync. The guest's sequence runs
 * as soon as the walk releases the ITS's lock.
 */
static int vdpends_at_sync;

static void unmap_and_sync_event(struct tvm *v, u32 d, u32 e)
{
	put(v->kvm, ITT(d) + e * 8, 0);
	inv_event(v, ITS_BASE, d, e, INV_EVENT);
	VT_EXPECT(grd(v, ITS_BASE, GICV5_ITS_STATUSR, 4) & GICV5_ITS_STATUSR_IDLE);
	gwr(v, ITS_BASE, GICV5_ITS_SYNCR, 8, GICV5_ITS_SYNCR_SYNC | d);
	VT_EXPECT(grd(v, ITS_BASE, GICV5_ITS_SYNC_STATUSR, 4) & GICV5_ITS_SYNC_STATUSR_IDLE);
	vdpends_at_sync = harness_vdpends(NULL);
}

static void unmap_and_sync(void *arg)
{
	unmap_and_sync_event(arg, 0, 0);
}

VT_TEST(its_walked_msi_lands_before_the_sync)
{
	struct tvm v;

	ITS_VM_INIT(&v, 1, RAM_SIZE);
	map_std(&v, 1, 1);
	harness_events_clear();
	harness_on_unlock("&its->lock", unmap_and_sync, &v);
	VT_EXPECT_EQ(msi_kworker(&v, 0, 0), 1);
	VT_EXPECT_EQ(vdpends_at_sync, 1);
	EXPECT_NO_LPI();
	harness_vm_destroy(v.kvm);
}

/*
 * The same with an MSI found in the cache, which the irqfd fast path (or
 * KVM_SIGNAL_MSI) injects without the ITS's lock: the guest's unmap and
 * sync run on a vCPU thread as soon as the injector found the translation,
 * and the sync must not complete before its VDPEND. The injector is in a
 * read-side critical section of the ITS's SRCU.
 */
/* Before the injector's VDPEND: the vCPU unmaps event 1 of device 1 */
static void unmap_and_sync_1_1(struct tvm *v)
{
	unmap_and_sync_event(v, 1, 1);
}

static void cached_msi_then_sync(bool atomic)
{
	struct tvm v;
	/* Given 100 ms */
	struct vcpu_meanwhile m = { .v = &v, .fn = unmap_and_sync_1_1, .wait_ms = 100 };

	ITS_VM_INIT(&v, 1, RAM_SIZE);
	map_std(&v, 2, 2);
	EXPECT_WALK(&v, 1, 1, LPI(1, 1));
	harness_events_clear();
	vdpends_at_sync = -1;
	/* The translation cache's key of DeviceID 1, EventID 1 */
	harness_on_xa_load(BIT_ULL(32) | 1, vcpu_meanwhile, &m);
	VT_EXPECT_EQ(atomic ? msi_atomic(&v, 1, 1) : msi(&v, 1, 1), 1);
	VT_ASSERT(m.started);
	pthread_join(m.thread, NULL);
	VT_EXPECT(!m.done_in_time);
	VT_EXPECT_EQ(vdpends_at_sync, 1);
	EXPECT_NO_LPI();
	/* Unmapped: the next MSI is dropped */
	VT_EXPECT_EQ(msi_atomic(&v, 1, 1), -EWOULDBLOCK);
	EXPECT_DROP(&v, 1, 1);
	harness_vm_destroy(v.kvm);
}

VT_TEST(its_cached_msi_lands_before_the_sync)
{
	cached_msi_then_sync(true);
	cached_msi_then_sync(false);
}

/*
 * irqfd: the atomic fast path misses on a cold cache; the slow path then
 * runs in a kworker without an mm, and the walk must read guest memory
 * through the VMM's mm (kvm_read_guest() fails there); once the VMM's mm
 * is gone, the MSI is dropped.
 */
VT_TEST(its_irqfd_slow_path_without_mm)
{
	struct kvm_irq_routing_entry ue[3] = {
		{ .gsi = 50, .type = KVM_IRQ_ROUTING_MSI, .flags = KVM_MSI_VALID_DEVID,
		  .u.msi = { .address_lo = (u32)ITS_XLATE, .data = 0, .devid = 1 } },
		{ .gsi = 51, .type = KVM_IRQ_ROUTING_MSI, .flags = KVM_MSI_VALID_DEVID,
		  .u.msi = { .address_lo = (u32)ITS_XLATE, .data = 1, .devid = 2 } },
		{ .gsi = 52, .type = KVM_IRQ_ROUTING_MSI, .flags = KVM_MSI_VALID_DEVID,
		  .u.msi = { .address_lo = (u32)ITS_XLATE, .data = 1, .devid = 1 } },
	};
	struct tvm v;
	u64 val = 0;
	int idx;

	ITS_VM_INIT(&v, 1, RAM_SIZE);
	map_std(&v, 3, 2);
	VT_EXPECT(v.kvm->arch.vgic.msis_require_devid);
	VT_ASSERT_EQ(kvm_set_irq_routing(v.kvm, ue, ARRAY_SIZE(ue), 0), 0);

	/* Harness self-check: a kworker's kvm_read_guest() fails */
	idx = srcu_read_lock(&v.kvm->srcu);
	VT_EXPECT_EQ(kvm_read_guest(v.kvm, DT + 8, &val, 8), 0);
	VT_EXPECT_EQ(val, DTE(ITT(1), 3));
	harness_kworker_enter();
	VT_EXPECT(!current->mm);
	VT_EXPECT_EQ(kvm_read_guest(v.kvm, DT + 8, &val, 8), -EFAULT);
	harness_kworker_exit();
	srcu_read_unlock(&v.kvm->srcu, idx);

	/* Cold: the fast path blocks, the kworker walks */
	VT_EXPECT_EQ(harness_irqfd_wakeup(v.kvm, 50, false), 1);
	EXPECT_LPI_PENDING(LPI(1, 0));
	/* Warm: the fast path alone */
	EXPECT_HIT(&v, 1, 0, LPI(1, 0));
	VT_EXPECT_EQ(harness_irqfd_wakeup(v.kvm, 50, false), 1);
	EXPECT_LPI_PENDING(LPI(1, 0));
	/* Another device, through the kworker */
	VT_EXPECT_EQ(harness_irqfd_wakeup(v.kvm, 51, false), 1);
	EXPECT_LPI_PENDING(LPI(2, 1));
	EXPECT_HIT(&v, 2, 1, LPI(2, 1));
	/* And an event whose walk fails, from the kworker */
	put(v.kvm, ITT(1) + 8, 0);
	VT_EXPECT_EQ(msi_kworker(&v, 1, 1), 0);
	EXPECT_NO_LPI();
	put(v.kvm, ITT(1) + 8, ITTE(LPI(1, 1)));

	/* The VMM is exiting: no mm to read the tables through */
	VT_EXPECT_EQ(atomic_read(&harness_mm.mm_users), 1);
	atomic_set(&harness_mm.mm_users, 0);
	VT_EXPECT_EQ(harness_irqfd_wakeup(v.kvm, 52, false), 0);
	EXPECT_NO_LPI();
	VT_EXPECT_EQ(atomic_read(&harness_mm.mm_users), 0);
	/* What is cached still goes */
	VT_EXPECT_EQ(harness_irqfd_wakeup(v.kvm, 50, false), 1);
	EXPECT_LPI_PENDING(LPI(1, 0));
	atomic_set(&harness_mm.mm_users, 1);
	EXPECT_MISS(&v, 1, 1);
	VT_EXPECT_EQ(harness_irqfd_wakeup(v.kvm, 52, false), 1);
	EXPECT_LPI_PENDING(LPI(1, 1));
	VT_EXPECT_EQ(harness_reports(HR_WARN), 0);
	harness_vm_destroy(v.kvm);
}

/*
 * The post-copy tests' VM: one vCPU, map_std(3, 2)'s tables, and GSI
 * IRQFD_GSI routed as an MSI to event 1 of device 2, as the irqfd of a
 * vhost or VFIO device is.
 */
#define IRQFD_GSI	50

static int route_irqfd_msi(struct kvm *kvm)
{
	struct kvm_irq_routing_entry ue = {
		.gsi = IRQFD_GSI, .type = KVM_IRQ_ROUTING_MSI,
		.flags = KVM_MSI_VALID_DEVID,
		.u.msi = { .address_lo = (u32)ITS_XLATE, .data = 1, .devid = 2 },
	};

	return kvm_set_irq_routing(kvm, &ue, 1, 0);
}

#define IRQFD_VM_INIT(v)						\
	do {								\
		struct tvm *__iv = (v);					\
									\
		ITS_VM_INIT(__iv, 1, RAM_SIZE);				\
		map_std(__iv, 3, 2);					\
		VT_ASSERT_EQ(route_irqfd_msi(__iv->kvm), 0);		\
	} while (0)

/*
 * The irqfd's MSI, from the kworker, with all of RAM yet to come: @m runs
 * while the kworker waits for a page, and must be done in its time.
 */
static void irqfd_msi_meanwhile(struct tvm *v, struct vcpu_meanwhile *m)
{
	harness_uffd_missing(harness_guest_mem(v->kvm, RAM, RAM_SIZE), RAM_SIZE);
	harness_uffd_on_fault(vcpu_meanwhile, m);
	VT_EXPECT_EQ(harness_irqfd_wakeup(v->kvm, IRQFD_GSI, false), 1);
	pthread_join(m->thread, NULL);
	VT_EXPECT(m->done_in_time);
}

/*
 * Post-copy migration: the destination runs the VM before all of guest
 * memory arrived, and userfaultfd brings a page in when it is first
 * touched. The ITS tables are rarely touched: the first MSI of an event
 * after the restore walks them, from irqfd's kworker for vhost or VFIO,
 * which must wait for the pages as the VMM's thread does, not drop the MSI.
 */
VT_TEST(its_irqfd_walk_waits_for_postcopy_pages)
{
	struct tvm v;

	IRQFD_VM_INIT(&v);

	/* From irqfd's kworker: the walk waits for the pages, once */
	harness_uffd_missing(harness_guest_mem(v.kvm, RAM, RAM_SIZE), RAM_SIZE);
	VT_EXPECT_EQ(harness_irqfd_wakeup(v.kvm, IRQFD_GSI, false), 1);
	EXPECT_LPI_PENDING(LPI(2, 1));
	VT_EXPECT_EQ(harness_uffd_faults(), 1);
	EXPECT_HIT(&v, 2, 1, LPI(2, 1));

	/* From the VMM's thread (KVM_SIGNAL_MSI), as before */
	harness_uffd_missing(harness_guest_mem(v.kvm, RAM, RAM_SIZE), RAM_SIZE);
	EXPECT_WALK(&v, 1, 0, LPI(1, 0));
	VT_EXPECT_EQ(harness_uffd_faults(), 1);

	/* The kworker gave the VMM's mm back */
	VT_EXPECT_EQ(atomic_read(&harness_mm.mm_users), 1);
	VT_EXPECT_EQ(harness_reports(HR_WARN), 0);
	harness_vm_destroy(v.kvm);
}

/*
 * Post-copy, a kworker's walk waits for a page: a vCPU that writes an ITS
 * register meanwhile is not held up. It would wait for the ITS's lock
 * uninterruptibly, and the page may never come if the migration's source
 * died: a VMM killed then could not exit, nor close the userfaultfd that
 * ends the kworker's wait. The guest moves the event to another LPI and
 * invalidates it meanwhile: the MSI lands on the new LPI.
 */
/* While the kworker waits: the vCPU moves event 1 of device 2 */
static void remap_event(struct tvm *v)
{
	put(v->kvm, ITT(2) + 1 * 8, ITTE(LPI(2, 5)));
	inv_event(v, ITS_BASE, 2, 1, INV_EVENT);
}

VT_TEST(its_irqfd_walk_waiting_for_a_page_holds_no_lock)
{
	struct tvm v;
	/* Given a second */
	struct vcpu_meanwhile m = { .v = &v, .fn = remap_event, .wait_ms = 1000 };

	IRQFD_VM_INIT(&v);

	irqfd_msi_meanwhile(&v, &m);
	/* Once: the walk under the lock found the page in */
	VT_EXPECT_EQ(harness_uffd_faults(), 1);
	EXPECT_LPI_PENDING(LPI(2, 5));
	EXPECT_HIT(&v, 2, 1, LPI(2, 5));

	VT_EXPECT_EQ(atomic_read(&harness_mm.mm_users), 1);
	VT_EXPECT_EQ(harness_reports(HR_WARN), 0);
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 0);
	harness_vm_destroy(v.kvm);
}

/*
 * Post-copy, a kworker's walk waits for a page outside kvm->srcu: a memslot
 * update, which waits for kvm->srcu's readers (synchronize_srcu()), is not
 * held up meanwhile, nor, with it, the VMM's memory and device set-up.
 */
static void memslot_update(struct tvm *v)
{
	synchronize_srcu(&v->kvm->srcu);
}

VT_TEST(its_irqfd_walk_waiting_for_a_page_holds_up_no_memslot_update)
{
	struct tvm v;
	struct vcpu_meanwhile m = {
		.v = &v, .fn = memslot_update, .wait_ms = 1000, .vmm = true,
	};

	IRQFD_VM_INIT(&v);

	irqfd_msi_meanwhile(&v, &m);
	VT_EXPECT_EQ(harness_uffd_faults(), 1);
	VT_EXPECT_EQ(harness_uffd_nofaults(), 0);
	EXPECT_LPI_PENDING(LPI(2, 1));
	EXPECT_HIT(&v, 2, 1, LPI(2, 1));
	VT_EXPECT_EQ(harness_reports(HR_WARN), 0);
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 0);
	harness_vm_destroy(v.kvm);
}

/*
 * Post-copy, the guest moves device 2's ITT to a page yet to come while a
 * kworker brings the old one in for an MSI: the walk under the ITS's lock
 * then needs a page that is not there. It must not wait for it holding the
 * lock: a VMM's GRP_ITS_REGS access (documented not to wait) would wait
 * with it, uninterruptibly, holding every vCPU's mutex. It fails instead,
 * and the kworker brings the new page in without the lock and walks again:
 * the MSI lands on the event's new LPI.
 */
#define ITT_MOVED(n)	(RAM + 0x80000 + (n) * 0x1000ULL)

static void vmm_sets_cr1(struct tvm *v)
{
	VT_EXPECT_EQ(uset(v->its, GICV5_ITS_CR1, 0x5), 0);
}

struct itt_mover {
	struct tvm *v;
	unsigned int moves, max_moves;
	struct vcpu_meanwhile then;
};

/* In a kworker's fault: the guest moves the ITT to a page yet to come */
static void move_itt(void *arg)
{
	struct itt_mover *mv = arg;
	gpa_t itt = ITT_MOVED(mv->moves);

	put(mv->v->kvm, itt + 1 * 8, ITTE(LPI(2, 7 + mv->moves)));
	put(mv->v->kvm, DT + 2 * 8, DTE(itt, 3));
	harness_uffd_missing(harness_guest_mem(mv->v->kvm, itt, SZ_4K), SZ_4K);
	if (++mv->moves < mv->max_moves)
		harness_uffd_on_fault(move_itt, mv);
	else
		harness_uffd_on_fault(vcpu_meanwhile, &mv->then);
}

VT_TEST(its_guest_moving_its_itt_in_post_copy_holds_up_no_vmm)
{
	struct tvm v;
	struct itt_mover mv = {
		.v = &v, .max_moves = 1,
		.then = { .v = &v, .fn = vmm_sets_cr1, .wait_ms = 1000, .vmm = true },
	};

	IRQFD_VM_INIT(&v);

	harness_uffd_missing(harness_guest_mem(v.kvm, ITT(2), SZ_4K), SZ_4K);
	harness_uffd_on_fault(move_itt, &mv);
	VT_EXPECT_EQ(harness_irqfd_wakeup(v.kvm, IRQFD_GSI, false), 1);
	VT_ASSERT(mv.then.started);
	pthread_join(mv.then.thread, NULL);
	VT_EXPECT(mv.then.done_in_time);
	/* The locked walk failed once on the new page, which then came in */
	VT_EXPECT_EQ(harness_uffd_nofaults(), 1);
	VT_EXPECT_EQ(harness_uffd_faults(), 1);
	EXPECT_LPI_PENDING(LPI(2, 7));
	EXPECT_HIT(&v, 2, 1, LPI(2, 7));
	VT_EXPECT_EQ(harness_reports(HR_WARN), 0);
	harness_vm_destroy(v.kvm);
}

/*
 * A guest that moves the ITT each time the kworker brings it in gets its
 * MSI dropped after three walks, as for a table outside guest memory: the
 * kworker does not loop at the guest's will. Once the tables stay put,
 * MSIs land again.
 */
VT_TEST(its_irqfd_walk_gives_up_on_tables_that_keep_moving)
{
	struct itt_mover mv = { .max_moves = 100 };
	struct tvm v;

	IRQFD_VM_INIT(&v);
	mv.v = &v;

	harness_uffd_missing(harness_guest_mem(v.kvm, ITT(2), SZ_4K), SZ_4K);
	harness_uffd_on_fault(move_itt, &mv);
	VT_EXPECT_EQ(harness_irqfd_wakeup(v.kvm, IRQFD_GSI, false), 0);
	VT_EXPECT_EQ(mv.moves, 3);
	EXPECT_NO_LPI();
	VT_EXPECT_EQ(atomic_read(&harness_mm.mm_users), 1);

	/* The guest stops: its page comes in, and the next MSI lands */
	harness_uffd_missing(NULL, 0);
	VT_EXPECT_EQ(harness_irqfd_wakeup(v.kvm, IRQFD_GSI, false), 1);
	EXPECT_LPI_PENDING(LPI(2, 9));
	VT_EXPECT_EQ(harness_reports(HR_WARN), 0);
	harness_vm_destroy(v.kvm);
}

/* --------------------------------------------------------- bad tables */

/* Exact results for each way the tables can be wrong */
VT_TEST(its_bad_tables_targeted)
{
	const gpa_t ro = 0x60000000ULL, itt_l1 = RAM + 0x30000;
	struct tvm v;
	u64 idr1;

	ITS_VM_INIT(&v, 1, RAM_SIZE);
	map_std(&v, 16, 8);
	idr1 = uget(v.its, GICV5_ITS_IDR1);

	/* DeviceID >= 2^DEVICEID_BITS: dropped even with a DTE there */
	put(v.kvm, DT + 16 * 8, DTE(ITT(3), 3));
	EXPECT_MSI(&v, 15, 0, LPI(15, 0));
	EXPECT_DROP(&v, 16, 0);
	EXPECT_DROP(&v, 17, 0);
	EXPECT_DROP(&v, 0xffffffff, 0);
	/* EventID >= 2^EVENT_ID_BITS, with an ITTE there */
	put(v.kvm, ITT(3) + 8 * 8, ITTE(999));
	EXPECT_MSI(&v, 3, 7, LPI(3, 7));
	EXPECT_DROP(&v, 3, 8);
	EXPECT_DROP(&v, 3, 0x10000);
	EXPECT_DROP(&v, 3, 0xffffffff);
	/* No DeviceID */
	{
		struct kvm_kernel_irq_routing_entry e;

		msi_entry(&e, ITS_XLATE, 3, 0);
		e.msi.flags = 0;
		VT_EXPECT_EQ(kvm_set_msi(&e, v.kvm, 0, 1, false), -EINVAL);
		VT_EXPECT_EQ(kvm_arch_set_irq_inatomic(&e, v.kvm, 0, 1, false), -EINVAL);
		EXPECT_NO_LPI();
	}
	/* Invalid DTE, ITTE */
	put(v.kvm, DT + 4 * 8, DTE(ITT(4), 3) & ~GICV5_DTL2E_VALID);
	EXPECT_DROP(&v, 4, 0);
	put(v.kvm, ITT(5) + 1 * 8, ITTE(LPI(5, 1)) & ~GICV5_ITTL2E_VALID);
	EXPECT_DROP(&v, 5, 1);
	/* A virtual LPI's ITTE */
	put(v.kvm, ITT(5) + 2 * 8, ITTE(LPI(5, 2)) | GICV5_ITTL2E_VIRTUAL);
	EXPECT_DROP(&v, 5, 2);
	/*
	 * LPI beyond the guest's IST, and the last one in it: the IRS drops
	 * it, from the cache too (the IST may grow)
	 */
	put(v.kvm, ITT(5) + 3 * 8, ITTE(NR_LPIS));
	EXPECT_DROP(&v, 5, 3);
	VT_EXPECT_EQ(msi_atomic(&v, 5, 3), 0);
	EXPECT_NO_LPI();
	put(v.kvm, ITT(5) + 6 * 8, ITTE(GENMASK(23, 0)));
	EXPECT_DROP(&v, 5, 6);
	put(v.kvm, ITT(5) + 4 * 8, ITTE(NR_LPIS - 1));
	EXPECT_MSI(&v, 5, 4, NR_LPIS - 1);
	/* The ITT outside guest RAM */
	put(v.kvm, DT + 6 * 8, DTE(0x7000000ULL, 3));
	EXPECT_DROP(&v, 6, 0);
	put(v.kvm, DT + 6 * 8, DTE(GICV5_DTL2E_ITT_ADDR_MASK, 3));
	EXPECT_DROP(&v, 6, 0);
	/* EVENT_ID_BITS beyond IDR2.EVENTID_BITS (16) */
	put(v.kvm, DT + 7 * 8, DTE(ITT(7), 17));
	EXPECT_DROP(&v, 7, 0);
	put(v.kvm, DT + 7 * 8, DTE(ITT(7), 31));
	EXPECT_DROP(&v, 7, 0);
	put(v.kvm, DT + 7 * 8, DTE(ITT(7), 16));
	EXPECT_MSI(&v, 7, 0, LPI(7, 0));

	/* Two-level ITT while IDR1.ITT_LEVELS = 0, then 1 */
	put(v.kvm, itt_l1, L1E(ITT(8), 9));
	put(v.kvm, DT + 8 * 8, DTE(itt_l1, 10) | GICV5_DTL2E_ITT_STRUCTURE);
	EXPECT_DROP(&v, 8, 1);
	VT_ASSERT_EQ(uset(v.its, GICV5_ITS_IDR1, idr1 | GICV5_ITS_IDR1_ITT_LEVELS), 0);
	EXPECT_MSI(&v, 8, 1, LPI(8, 1));
	/* Invalid L1 entry; an L2 index beyond the L1 entry's SPAN */
	EXPECT_DROP(&v, 8, 512);
	put(v.kvm, itt_l1 + 8, L1E(ITT(8), 9) & ~GICV5_ITTL1E_VALID);
	EXPECT_DROP(&v, 8, 512);
	put(v.kvm, itt_l1, L1E(ITT(8), 2));
	EXPECT_MSI(&v, 8, 3, LPI(8, 3));
	EXPECT_DROP(&v, 8, 4);
	/* Reserved ITT L2SZ, and a size IDR1.L2SZ does not offer */
	put(v.kvm, itt_l1, L1E(ITT(8), 9));
	put(v.kvm, DT + 8 * 8, DTE(itt_l1, 10) | GICV5_DTL2E_ITT_STRUCTURE |
			       FIELD_PREP(GICV5_DTL2E_ITT_L2SZ, 3));
	inv_device(&v, ITS_BASE, 8, INV_DEVICE);
	EXPECT_DROP(&v, 8, 1);
	VT_ASSERT_EQ(uset(v.its, GICV5_ITS_IDR1, (idr1 & ~GICV5_ITS_IDR1_L2SZ) |
			  GICV5_ITS_IDR1_ITT_LEVELS | FIELD_PREP(GICV5_ITS_IDR1_L2SZ, 2)), 0);
	put(v.kvm, DT + 8 * 8, DTE(itt_l1, 10) | GICV5_DTL2E_ITT_STRUCTURE);
	EXPECT_DROP(&v, 8, 1);
	put(v.kvm, DT + 8 * 8, DTE(itt_l1, 10) | GICV5_DTL2E_ITT_STRUCTURE |
			       FIELD_PREP(GICV5_DTL2E_ITT_L2SZ, 1));
	EXPECT_MSI(&v, 8, 1, LPI(8, 1));
	VT_ASSERT_EQ(uset(v.its, GICV5_ITS_IDR1, idr1), 0);

	/* DT_CFGR.DEVICEID_BITS beyond IDR1.DEVICEID_BITS */
	VT_ASSERT_EQ(uset(v.its, GICV5_ITS_IDR1,
			  (idr1 & ~GICV5_ITS_IDR1_DEVICEID_BITS) |
			  FIELD_PREP(GICV5_ITS_IDR1_DEVICEID_BITS, 3)), 0);
	EXPECT_DROP(&v, 1, 0);
	VT_ASSERT_EQ(uset(v.its, GICV5_ITS_IDR1, idr1), 0);
	EXPECT_MSI(&v, 1, 0, LPI(1, 0));

	/* Two-level DT: reserved L2SZ, invalid L1 entry, SPAN */
	gwr(&v, ITS_BASE, GICV5_ITS_CR0, 4, 0);
	gwr(&v, ITS_BASE, GICV5_ITS_DT_BASER, 8, RAM + 0x40000);
	gwr(&v, ITS_BASE, GICV5_ITS_DT_CFGR, 4, GICV5_ITS_DT_CFGR_STRUCTURE |
	    FIELD_PREP(GICV5_ITS_DT_CFGR_L2SZ, 3) |
	    FIELD_PREP(GICV5_ITS_DT_CFGR_DEVICEID_BITS, 10));
	gwr(&v, ITS_BASE, GICV5_ITS_CR0, 4, GICV5_ITS_CR0_ITSEN);
	put(v.kvm, RAM + 0x40000, L1E(DT, 9));
	EXPECT_DROP(&v, 1, 0);
	gwr(&v, ITS_BASE, GICV5_ITS_CR0, 4, 0);
	gwr(&v, ITS_BASE, GICV5_ITS_DT_CFGR, 4, GICV5_ITS_DT_CFGR_STRUCTURE |
	    FIELD_PREP(GICV5_ITS_DT_CFGR_DEVICEID_BITS, 10));
	gwr(&v, ITS_BASE, GICV5_ITS_CR0, 4, GICV5_ITS_CR0_ITSEN);
	EXPECT_MSI(&v, 1, 0, LPI(1, 0));
	EXPECT_DROP(&v, 512, 0);
	put(v.kvm, RAM + 0x40000, L1E(DT, 1));
	EXPECT_MSI(&v, 1, 1, LPI(1, 1));
	EXPECT_DROP(&v, 2, 0);
	put(v.kvm, RAM + 0x40000, L1E(DT, 9) & ~GICV5_DTL1E_VALID);
	EXPECT_DROP(&v, 3, 0);
	/* The DT's L2 table outside guest RAM */
	put(v.kvm, RAM + 0x40000, L1E(0x7000000ULL, 9));
	EXPECT_DROP(&v, 3, 0);
	/* DT_BASER and DT_CFGR are read-only while enabled */
	gwr(&v, ITS_BASE, GICV5_ITS_DT_BASER, 8, DT);
	gwr(&v, ITS_BASE, GICV5_ITS_DT_CFGR, 4, DT_BITS);
	VT_EXPECT_EQ(grd(&v, ITS_BASE, GICV5_ITS_DT_BASER, 8), RAM + 0x40000);
	VT_EXPECT_EQ(grd(&v, ITS_BASE, GICV5_ITS_DT_CFGR, 4), GICV5_ITS_DT_CFGR_STRUCTURE |
		     FIELD_PREP(GICV5_ITS_DT_CFGR_DEVICEID_BITS, 10));

	/* The DT partly outside guest RAM: the entries inside work */
	its_enable_linear(&v, ITS_BASE, RAM + RAM_SIZE - 16, DT_BITS);
	put(v.kvm, RAM + RAM_SIZE - 16, DTE(ITT(1), 3));
	put(v.kvm, RAM + RAM_SIZE - 8, DTE(ITT(2), 3));
	EXPECT_MSI(&v, 0, 1, LPI(1, 1));
	EXPECT_MSI(&v, 1, 1, LPI(2, 1));
	EXPECT_DROP(&v, 2, 1);
	EXPECT_DROP(&v, 15, 1);
	VT_EXPECT_EQ(msi_kworker(&v, 2, 2), 0);
	EXPECT_NO_LPI();

	/* A DT in a read-only memslot is read */
	VT_ASSERT_EQ(harness_memslot_add(v.kvm, 1, ro, SZ_64K, KVM_MEM_READONLY), 0);
	put(v.kvm, ro + 5 * 8, DTE(ITT(5), 3));
	its_enable_linear(&v, ITS_BASE, ro, DT_BITS);
	EXPECT_MSI(&v, 5, 5, LPI(5, 5));
	EXPECT_DROP(&v, 4, 0);
	VT_EXPECT_EQ(harness_reports(HR_WARN), 0);
	harness_vm_destroy(v.kvm);
}

#define FUZZ_ITERATIONS	3000
#define FUZZ_RAM	SZ_64K
#define FUZZ_WORDS	(FUZZ_RAM / 8)

static u64 fuzz_addr(void)
{
	switch (rnd() % 4) {
	case 0:
		return rnd() & GICV5_DTL1E_L2_ADDR_MASK;
	case 1:
		return (RAM + FUZZ_RAM - 8 * (rnd() % 8)) & GICV5_DTL1E_L2_ADDR_MASK;
	default:
		return RAM + ((rnd() % FUZZ_RAM) & ~7ULL);
	}
}

/* A table word: random, or an entry of some table, valid or not */
static u64 fuzz_word(void)
{
	switch (rnd() % 8) {
	case 0:
		return rnd();
	case 1:
		return 0;
	case 2:
	case 3:
		/* An L1 entry of either table: huge SPANs too */
		return fuzz_addr() | FIELD_PREP(GICV5_DTL1E_SPAN, rnd() % 16) |
		       (rnd() % 8 ? GICV5_DTL1E_VALID : 0);
	case 4:
	case 5:
		/* A DTE: reserved L2SZ, either structure, up to 31 EventID bits */
		return fuzz_addr() | FIELD_PREP(GICV5_DTL2E_ITT_L2SZ, rnd() % 4) |
		       FIELD_PREP(GICV5_DTL2E_EVENT_ID_BITS, rnd() % 32) |
		       (rnd() % 2 ? GICV5_DTL2E_ITT_STRUCTURE : 0) |
		       (rnd() % 8 ? GICV5_DTL2E_VALID : 0) |
		       (rnd() % 4 ? 0 : rnd() & GICV5_DTL2E_ITT_DSWE);
	default:
		/* An ITTE: virtual ones too, LPIs in and beyond the IST */
		return FIELD_PREP(GICV5_ITTL2E_LPI_ID, rnd() % 2 ? rnd() % (2 * NR_LPIS) : rnd()) |
		       (rnd() % 8 ? GICV5_ITTL2E_VALID : 0) |
		       (rnd() % 4 ? 0 : GICV5_ITTL2E_VIRTUAL) |
		       (rnd() % 4 ? 0 : rnd() & (GICV5_ITTL2E_VM_ID | GICV5_ITTL2E_DAC));
	}
}

static u32 fuzz_id(void)
{
	if (!(rnd() % 8))
		return rnd();
	return rnd() & (BIT_ULL(rnd() % 18) - 1);
}

/* Random userspace ITS state: IDR1 with and without two-level tables */
static int fuzz_registers(struct kvm_device *its)
{
	u64 idr1 = FIELD_PREP(GICV5_ITS_IDR1_L2SZ, rnd() % 7 + 1) |
		   (rnd() % 2 ? GICV5_ITS_IDR1_ITT_LEVELS : 0) |
		   (rnd() % 2 ? GICV5_ITS_IDR1_DT_LEVELS : 0) |
		   FIELD_PREP(GICV5_ITS_IDR1_DEVICEID_BITS, rnd() % 17);
	u64 baser = rnd() % 4 ? fuzz_addr() : rnd();
	int ret = 0;

	ret |= uset(its, GICV5_ITS_CR0, 0);
	ret |= uset(its, GICV5_ITS_IDR1, idr1);
	ret |= uset(its, GICV5_ITS_IDR2, FIELD_PREP(GICV5_ITS_IDR2_EVENTID_BITS,
						    rnd() % 17));
	ret |= uset(its, GICV5_ITS_DT_CFGR, rnd() % 2 ? rnd() : rnd() & 0x100ff);
	ret |= uset(its, GICV5_ITS_DT_BASER, baser);
	ret |= uset(its, GICV5_ITS_CR0, GICV5_ITS_CR0_ITSEN);
	return ret;
}

/*
 * A valid path for (@d, @e) through a linear DT and ITT somewhere in the
 * RAM, which the random words may then partly overwrite.
 */
static void fuzz_plant(struct tvm *v, u64 *ram, u32 *d, u32 *e)
{
	unsigned int bits = rnd() % 9;
	u32 dt = (rnd() % (FUZZ_WORDS / 2)) & ~(u32)(BIT(bits) - 1);
	u32 itt = FUZZ_WORDS / 2 + (rnd() % (FUZZ_WORDS / 2 - 16));

	*d = rnd() & (BIT(bits) - 1);
	*e = rnd() % 16;
	if (dt + *d >= FUZZ_WORDS || itt + *e >= FUZZ_WORDS)
		return;
	ram[dt + *d] = DTE(RAM + itt * 8ULL, 4);
	ram[itt + *e] = ITTE(rnd() % NR_LPIS);
	uset(v->its, GICV5_ITS_CR0, 0);
	uset(v->its, GICV5_ITS_IDR1, uget(v->its, GICV5_ITS_IDR1) |
	     FIELD_PREP(GICV5_ITS_IDR1_DEVICEID_BITS, 16));
	uset(v->its, GICV5_ITS_IDR2, FIELD_PREP(GICV5_ITS_IDR2_EVENTID_BITS, 16));
	uset(v->its, GICV5_ITS_DT_CFGR, bits);
	uset(v->its, GICV5_ITS_DT_BASER, RAM + dt * 8ULL);
	uset(v->its, GICV5_ITS_CR0, GICV5_ITS_CR0_ITSEN);
}

/*
 * Random tables, registers and MSIs, under ASan: every MSI is delivered
 * or dropped (the atomic path may also block), never an error but for a
 * missing DeviceID, never an access outside guest RAM, never a violation.
 */
VT_TEST(its_fuzz_bad_tables)
{
	static const u32 guest_regs[] = {
		GICV5_ITS_CR0, GICV5_ITS_DT_BASER, GICV5_ITS_DT_CFGR, GICV5_ITS_DIDR,
		GICV5_ITS_EIDR, GICV5_ITS_INV_EVENTR, GICV5_ITS_INV_DEVICER,
		GICV5_ITS_SYNCR, ITS_XLATE - ITS_BASE,
	};
	int delivered = 0, dropped = 0, bad = 0;
	u32 pd = 0, pe = 0;
	u64 *ram;
	struct tvm v;

	ITS_VM_INIT(&v, 2, FUZZ_RAM);
	ram = harness_guest_mem(v.kvm, RAM, FUZZ_RAM);
	VT_ASSERT(ram);
	rnd_state = 0x9e3779b97f4a7c15ULL;
	for (int it = 0; it < FUZZ_ITERATIONS; it++) {
		int n = it % 64 ? 64 : FUZZ_WORDS;

		for (int i = 0; i < n; i++)
			ram[n == FUZZ_WORDS ? i : rnd() % FUZZ_WORDS] = fuzz_word();
		if (it % 4 == 0 && fuzz_registers(v.its)) {
			its_fail(__LINE__, "GRP_ITS_REGS set, iteration", it, 0);
			break;
		}
		/* The guest's own register writes, and invalidations */
		if (rnd() % 4 == 0) {
			u32 off = guest_regs[rnd() % ARRAY_SIZE(guest_regs)];

			gwr(&v, ITS_BASE, off, off == GICV5_ITS_DT_BASER ||
			    off == GICV5_ITS_DIDR ? 8 : 4, rnd() % 2 ? rnd() : fuzz_addr());
		}
		if (it % 2)
			fuzz_plant(&v, ram, &pd, &pe);
		for (int i = 0; i < 8; i++) {
			u32 d = i < 2 && it % 2 ? pd : fuzz_id();
			u32 e = i < 2 && it % 2 ? pe : fuzz_id();
			int mode = rnd() % 3, ret;

			if (mode == 0)
				ret = msi(&v, d, e);
			else if (mode == 1)
				ret = msi_kworker(&v, d, e);
			else
				ret = msi_atomic(&v, d, e);
			if (ret == 1)
				delivered++;
			else if (!ret || (mode == 2 && ret == -EWOULDBLOCK))
				dropped++;
			else if (bad++ < 10)
				vt_diag("it %d: (0x%x, 0x%x) mode %d: %d", it, d, e, mode, ret);
		}
		if (rnd() % 32 == 0) {
			struct kvm_kernel_irq_routing_entry e;

			msi_entry(&e, ITS_XLATE, fuzz_id(), fuzz_id());
			e.msi.flags = 0;
			if (kvm_set_msi(&e, v.kvm, 0, 1, false) != -EINVAL)
				bad++;
		}
		harness_events_clear();
	}
	vt_diag("%d delivered, %d dropped", delivered, dropped);
	VT_EXPECT_EQ(bad, 0);
	/* The loop reached the LPIs, not only the error paths */
	VT_EXPECT(delivered > 100);
	VT_EXPECT_EQ(harness_check_violations(), 0);
	VT_EXPECT_EQ(harness_reports(HR_WARN), 0);
	harness_vm_destroy(v.kvm);
}

/* ------------------------------------------------- allocation failure */

/*
 * The cache insertion failing to allocate: the MSI is still delivered,
 * nothing is cached (the next one walks again), nothing leaks.
 */
VT_TEST(its_cache_alloc_failure)
{
	int n, failed = 0;

	for (n = 1; n < 20; n++) {
		unsigned long live = harness_allocs_live();
		struct tvm v;
		bool injected;
		int ret;

		ITS_VM_INIT(&v, 1, RAM_SIZE);
		map_std(&v, 2, 2);
		EXPECT_MISS(&v, 1, 0);
		fault_inject_nth_alloc(n);
		ret = msi(&v, 1, 0);
		injected = fault_injected();
		fault_inject_nth_alloc(0);
		VT_EXPECT_EQ(ret, 1);
		EXPECT_LPI_PENDING(LPI(1, 0));
		if (injected) {
			failed++;
			EXPECT_MISS(&v, 1, 0);
			EXPECT_MSI(&v, 1, 0, LPI(1, 0));
		}
		EXPECT_HIT(&v, 1, 0, LPI(1, 0));
		EXPECT_WALK(&v, 1, 1, LPI(1, 1));
		harness_vm_destroy(v.kvm);
		VT_ASSERT_EQ(harness_allocs_live(), live);
		if (!injected)
			break;
	}
	VT_EXPECT(failed > 0);
	VT_EXPECT(n < 20);
}

/* ------------------------------------------------------- concurrency */

#define RACE_ITERATIONS	1500
#define RACE_DEVS	4
#define RACE_EVS	8

struct its_race {
	struct tvm v;
	int errors;
	bool stop;
	/*
	 * vCPU 0's mutex (KVM_RUN): @may_hold is odd from before the vCPU
	 * thread takes it to after it drops it, @holds while it holds it.
	 */
	unsigned long may_hold, holds;
	unsigned long busy, done;
};

static u32 race_lpi(u32 d, u32 e, bool alt)
{
	return alt ? 1000 + d * 16 + e : LPI(d, e);
}

static void race_error(struct its_race *r, const char *what, long a, long ret)
{
	if (__atomic_fetch_add(&r->errors, 1, __ATOMIC_SEQ_CST) < 10)
		vt_diag("%s (%ld): %ld", what, a, ret);
}

static void race_program(struct tvm *v)
{
	gwr(v, ITS_BASE, GICV5_ITS_CR0, 4, 0);
	gwr(v, ITS_BASE, GICV5_ITS_DT_CFGR, 4, DT_BITS);
	gwr(v, ITS_BASE, GICV5_ITS_DT_BASER, 8, DT);
	gwr(v, ITS_BASE, GICV5_ITS_CR0, 4, GICV5_ITS_CR0_ITSEN);
}

/* irqfd: the atomic path with interrupts off, else the kworker */
static void *race_irqfd(void *arg)
{
	struct its_race *r = arg;

	for (u32 i = 0; !READ_ONCE(r->stop); i++) {
		u32 d = (i * 7) % (RACE_DEVS + 1), e = (i * 3) % RACE_EVS;
		int ret = msi_atomic_at(r->v.kvm, ITS_XLATE, d, e);

		if (ret == -EWOULDBLOCK)
			ret = msi_kworker_at(r->v.kvm, ITS_XLATE, d, e);
		if (ret != 0 && ret != 1)
			race_error(r, "irqfd MSI", d << 16 | e, ret);
	}
	return NULL;
}

/* KVM_SIGNAL_MSI */
static void *race_signal(void *arg)
{
	struct its_race *r = arg;

	for (u32 i = 0; !READ_ONCE(r->stop); i++) {
		u32 d = i % (RACE_DEVS + 1), e = (i * 5) % (RACE_EVS + 1);
		int ret = msi_at(r->v.kvm, ITS_XLATE, d, e);

		if (ret != 0 && ret != 1)
			race_error(r, "KVM_SIGNAL_MSI", d << 16 | e, ret);
	}
	return NULL;
}

/* vCPU 0 in KVM_RUN: the guest remaps, invalidates, disables, enables */
static void *race_vcpu(void *arg)
{
	struct its_race *r = arg;
	struct tvm *v = &r->v;
	struct kvm_vcpu *vcpu = v->vcpu;

	harness_vcpu_load(vcpu);
	for (int i = 0; i < RACE_ITERATIONS; i++) {
		u32 d = i % RACE_DEVS, e = (i / RACE_DEVS) % RACE_EVS;

		__atomic_fetch_add(&r->may_hold, 1, __ATOMIC_SEQ_CST);
		mutex_lock(&vcpu->mutex);
		__atomic_fetch_add(&r->holds, 1, __ATOMIC_SEQ_CST);
		switch (i % 6) {
		case 0:
			put(v->kvm, ITT(d) + e * 8, ITTE(race_lpi(d, e, i & 1)));
			inv_event(v, ITS_BASE, d, e, INV_EVENT);
			break;
		case 1:
			inv_device(v, ITS_BASE, d, INV_DEVICE);
			break;
		case 2:
			inv_event(v, ITS_BASE, d, e, INV_ITT_L2(0));
			break;
		case 3:
			race_program(v);
			break;
		case 4:
			put(v->kvm, ITT(d) + e * 8, 0);
			inv_event(v, ITS_BASE, d, e, INV_EVENT);
			put(v->kvm, ITT(d) + e * 8, ITTE(race_lpi(d, e, 0)));
			inv_event(v, ITS_BASE, d, e, INV_EVENT);
			break;
		default:
			grd(v, ITS_BASE, GICV5_ITS_CR0, 4);
			grd(v, ITS_BASE, GICV5_ITS_DT_BASER, 8);
			break;
		}
		__atomic_fetch_add(&r->holds, 1, __ATOMIC_SEQ_CST);
		mutex_unlock(&vcpu->mutex);
		__atomic_fetch_add(&r->may_hold, 1, __ATOMIC_SEQ_CST);
		if (i % 8 == 0)
			sched_yield();
	}
	harness_vcpu_put(vcpu);
	return NULL;
}

/* Userspace: GRP_ITS_REGS get/set and ITS_CTRL_RESET */
static void *race_user(void *arg)
{
	struct its_race *r = arg;

	for (int i = 0; !READ_ONCE(r->stop); i++) {
		unsigned long m0, m1, h0, h1;
		u32 off = its_all_regs[i % ARRAY_SIZE(its_all_regs)];
		u64 val = 0;
		int ret;

		m0 = __atomic_load_n(&r->may_hold, __ATOMIC_SEQ_CST);
		h0 = __atomic_load_n(&r->holds, __ATOMIC_SEQ_CST);
		switch (i % 4) {
		case 0:
		case 1:
			ret = harness_get_attr(r->v.its, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, off, &val);
			break;
		case 2:
			/* A restore of what the guest programs */
			if (off == GICV5_ITS_DT_BASER)
				val = DT;
			else if (off == GICV5_ITS_DT_CFGR)
				val = DT_BITS;
			else if (off == GICV5_ITS_CR0)
				val = GICV5_ITS_CR0_ITSEN;
			else if (off == GICV5_ITS_IDR1 || off == GICV5_ITS_IDR2)
				off = GICV5_ITS_CR1;
			ret = uset(r->v.its, off, val);
			break;
		default:
			ret = i % 32 == 3 ? its_reset(r->v.its) : uset(r->v.its, GICV5_ITS_EIDR, i);
			break;
		}
		h1 = __atomic_load_n(&r->holds, __ATOMIC_SEQ_CST);
		m1 = __atomic_load_n(&r->may_hold, __ATOMIC_SEQ_CST);
		/* -EBUSY only if the vCPU may have held its mutex meanwhile */
		if (ret == -EBUSY) {
			r->busy++;
			if (m0 == m1 && !(m0 & 1))
				race_error(r, "-EBUSY with no vCPU running", off, ret);
		} else if (ret) {
			race_error(r, "GRP_ITS_REGS", off, ret);
		} else {
			r->done++;
			/* and 0 only if it did not hold it throughout */
			if (h0 == h1 && (h0 & 1))
				race_error(r, "no -EBUSY with a vCPU running", off, ret);
		}
		if (i % 4 == 0)
			sched_yield();
	}
	return NULL;
}

VT_TEST(its_concurrent_msis_mmio_and_uaccess)
{
	void *(*fn[])(void *) = { race_irqfd, race_irqfd, race_signal, race_user };
	pthread_t t[ARRAY_SIZE(fn)], vcpu_thread;
	struct its_race *r = calloc(1, sizeof(*r));
	struct tvm *v;

	VT_ASSERT(r);
	v = &r->v;
	if (its_vm_init(v, 2, RAM_SIZE) <= 0) {
		free(r);
		VT_ASSERT(0);
	}
	map_std(v, RACE_DEVS, RACE_EVS);

	for (int i = 0; i < ARRAY_SIZE(fn); i++)
		VT_ASSERT_EQ(pthread_create(&t[i], NULL, fn[i], r), 0);
	VT_ASSERT_EQ(pthread_create(&vcpu_thread, NULL, race_vcpu, r), 0);
	pthread_join(vcpu_thread, NULL);
	/* irqfd shutdown: the injectors stop before the VM goes */
	WRITE_ONCE(r->stop, true);
	for (int i = 0; i < ARRAY_SIZE(fn); i++)
		pthread_join(t[i], NULL);
	harness_events_clear();
	vt_diag("GRP_ITS_REGS: %lu done, %lu -EBUSY", r->done, r->busy);

	VT_EXPECT_EQ(r->errors, 0);
	VT_EXPECT(r->done > 0);
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 0);
	VT_EXPECT_EQ(harness_reports(HR_SLEEP), 0);
	VT_EXPECT_EQ(harness_locks_held(), 0);

	/* Quiesced: stable tables, ITSEN = 1, each event its own LPI */
	for (u32 d = 0; d < RACE_DEVS; d++)
		for (u32 e = 0; e < RACE_EVS; e++)
			put(v->kvm, ITT(d) + e * 8, ITTE(race_lpi(d, e, (d + e) & 1)));
	VT_EXPECT_EQ(uset(v->its, GICV5_ITS_CR1, 0), 0);
	race_program(v);
	for (u32 d = 0; d < RACE_DEVS; d++) {
		for (u32 e = 0; e < RACE_EVS; e++) {
			EXPECT_MSI(v, d, e, race_lpi(d, e, (d + e) & 1));
			EXPECT_HIT(v, d, e, race_lpi(d, e, (d + e) & 1));
		}
	}
	EXPECT_DROP(v, RACE_DEVS, 0);
	harness_vm_destroy(v->kvm);
	free(r);
}

/* ------------------------------------------------------ several ITSes */

/*
 * Two ITSes, each with its own tables and cache; only the translate frame
 * takes MSIs; the IRS SETLPI frame still does.
 */
VT_TEST(its_multiple_its)
{
	const gpa_t dt_b = RAM + 0x8000;
	struct kvm_device *its_b;
	struct tvm v;

	ITS_VM_INIT(&v, 1, RAM_SIZE);
	VT_ASSERT_EQ(its_create(v.kvm, ITS_B_BASE, &its_b), 0);
	map_std(&v, 2, 2);
	/* ITS B: device 1 event 0 -> 500, device 3 event 1 -> 501 */
	put(v.kvm, dt_b + 1 * 8, DTE(RAM + 0x40000, 1));
	put(v.kvm, dt_b + 3 * 8, DTE(RAM + 0x41000, 1));
	put(v.kvm, RAM + 0x40000, ITTE(500));
	put(v.kvm, RAM + 0x41008, ITTE(501));
	its_enable_linear(&v, ITS_B_BASE, dt_b, DT_BITS);
	VT_EXPECT_EQ(grd(&v, ITS_B_BASE, GICV5_ITS_DT_BASER, 8), dt_b);
	VT_EXPECT_EQ(grd(&v, ITS_BASE, GICV5_ITS_DT_BASER, 8), DT);

	EXPECT_WALK(&v, 1, 0, LPI(1, 0));
	EXPECT_WALK_AT(&v, XLATE(ITS_B_BASE), 1, 0, 500);
	EXPECT_WALK_AT(&v, XLATE(ITS_B_BASE), 3, 1, 501);
	EXPECT_DROP(&v, 3, 1);
	EXPECT_DROP_AT(&v, XLATE(ITS_B_BASE), 1, 1);

	/* Invalidations and ITSEN are per ITS */
	inv_device(&v, ITS_B_BASE, 1, INV_DEVICE);
	EXPECT_MISS_AT(&v, XLATE(ITS_B_BASE), 1, 0);
	EXPECT_HIT(&v, 1, 0, LPI(1, 0));
	EXPECT_WALK_AT(&v, XLATE(ITS_B_BASE), 1, 0, 500);
	inv_event(&v, ITS_BASE, 1, 0, INV_EVENT);
	EXPECT_MISS(&v, 1, 0);
	EXPECT_HIT_AT(&v, XLATE(ITS_B_BASE), 1, 0, 500);
	EXPECT_WALK(&v, 1, 0, LPI(1, 0));
	gwr(&v, ITS_B_BASE, GICV5_ITS_CR0, 4, 0);
	EXPECT_MISS_AT(&v, XLATE(ITS_B_BASE), 1, 0);
	EXPECT_DROP_AT(&v, XLATE(ITS_B_BASE), 3, 1);
	EXPECT_HIT(&v, 1, 0, LPI(1, 0));
	VT_EXPECT_EQ(uset(its_b, GICV5_ITS_CR0, GICV5_ITS_CR0_ITSEN), 0);
	EXPECT_HIT(&v, 1, 0, LPI(1, 0));
	VT_EXPECT_EQ(its_reset(its_b), 0);
	EXPECT_HIT(&v, 1, 0, LPI(1, 0));
	VT_EXPECT_EQ(uget(v.its, GICV5_ITS_CR0), GICV5_ITS_CR0_ITSEN | GICV5_ITS_CR0_IDLE);

	/* Not a translate frame: the config frames, other offsets */
	VT_EXPECT_EQ(msi_at(v.kvm, ITS_BASE, 1, 0), -EINVAL);
	VT_EXPECT_EQ(msi_at(v.kvm, ITS_B_BASE, 1, 0), -EINVAL);
	VT_EXPECT_EQ(msi_at(v.kvm, ITS_BASE + GICV5_ITS_DIDR, 1, 0), -EINVAL);
	VT_EXPECT_EQ(msi_at(v.kvm, ITS_XLATE + 4, 1, 0), -EINVAL);
	VT_EXPECT_EQ(msi_atomic_at(v.kvm, ITS_BASE, 1, 0), -EINVAL);
	VT_EXPECT_EQ(msi_at(v.kvm, ITS_XLATE + (1ULL << 32), 1, 0), -EINVAL);
	EXPECT_NO_LPI();
	/* A CPU's write to TRANSLATER has no DeviceID: ignored */
	gwr(&v, ITS_XLATE, 0, 4, 0);
	EXPECT_NO_LPI();
	VT_EXPECT_EQ(grd(&v, ITS_XLATE, 0, 4), 0);

	/* The IRS's SETLPIR: data is the LPI, the DeviceID is ignored */
	VT_EXPECT_EQ(msi_at(v.kvm, SETLPIR, 0x1234, 77), 1);
	EXPECT_LPI_PENDING(77);
	VT_EXPECT_EQ(msi_atomic_at(v.kvm, SETLPIR, 0, 78), 1);
	EXPECT_LPI_PENDING(78);
	VT_EXPECT_EQ(harness_msi(v.kvm, SETLPIR, 79), 1);
	EXPECT_LPI_PENDING(79);
	harness_vm_destroy(v.kvm);
}

/* -------------------------------------------------------- save/restore */

struct its_saved {
	u64 regs[ARRAY_SIZE(its_state_regs)];
	void *ram;
};

/* An enabled ITS with mapped events, saved: registers and RAM */
static bool its_save(struct its_saved *s)
{
	struct tvm v;
	bool ok;

	if (its_vm_init(&v, 1, RAM_SIZE) <= 0)
		return false;
	VT_EXPECT_EQ(uset(v.its, GICV5_ITS_IDR1, uget(v.its, GICV5_ITS_IDR1) |
			  GICV5_ITS_IDR1_ITT_LEVELS), 0);
	gwr(&v, ITS_BASE, GICV5_ITS_CR1, 4, 0x5a);
	map_std(&v, 3, 3);
	gwr(&v, ITS_BASE, GICV5_ITS_DIDR, 8, 2);
	gwr(&v, ITS_BASE, GICV5_ITS_EIDR, 4, 1);
	EXPECT_WALK(&v, 1, 1, LPI(1, 1));
	for (int i = 0; i < ARRAY_SIZE(its_state_regs); i++)
		s->regs[i] = uget(v.its, its_state_regs[i]);
	s->ram = malloc(RAM_SIZE);
	ok = s->ram && harness_guest_mem(v.kvm, RAM, RAM_SIZE);
	if (ok)
		memcpy(s->ram, harness_guest_mem(v.kvm, RAM, RAM_SIZE), RAM_SIZE);
	harness_vm_destroy(v.kvm);
	return ok;
}

static void its_load_ram(struct tvm *v, const struct its_saved *s)
{
	VT_EXPECT_EQ(harness_memslot_add(v->kvm, 0, RAM, RAM_SIZE, 0), 0);
	if (harness_guest_mem(v->kvm, RAM, RAM_SIZE))
		memcpy(harness_guest_mem(v->kvm, RAM, RAM_SIZE), s->ram, RAM_SIZE);
}

static void its_restore_regs(struct tvm *v, const struct its_saved *s)
{
	for (int i = 0; i < ARRAY_SIZE(its_state_regs); i++)
		VT_EXPECT_EQ(uset(v->its, its_state_regs[i], s->regs[i]), 0);
	for (int i = 0; i < ARRAY_SIZE(its_state_regs); i++)
		VT_EXPECT_EQ(uget(v->its, its_state_regs[i]), s->regs[i]);
}

static void its_expect_restored(struct tvm *v)
{
	/* Cold cache: each device's first MSI walks */
	for (u32 d = 0; d < 3; d++)
		for (u32 e = 0; e < 3; e++)
			EXPECT_WALK(v, d, e, LPI(d, e));
	EXPECT_DROP(v, 3, 0);
	VT_EXPECT_EQ(grd(v, ITS_BASE, GICV5_ITS_CR1, 4), 0x5a);
	VT_EXPECT_EQ(grd(v, ITS_BASE, GICV5_ITS_DIDR, 8), 2);
	VT_EXPECT_EQ(grd(v, ITS_BASE, GICV5_ITS_EIDR, 4), 1);
	VT_EXPECT(grd(v, ITS_BASE, GICV5_ITS_IDR1, 4) & GICV5_ITS_IDR1_ITT_LEVELS);
}

/* Registers restored before the guest RAM is loaded */
VT_TEST(its_restore_regs_before_ram)
{
	struct its_saved s = {};
	struct tvm v;

	VT_ASSERT(its_save(&s));
	VT_EXPECT_EQ(s.regs[ARRAY_SIZE(its_state_regs) - 1],
		     GICV5_ITS_CR0_ITSEN | GICV5_ITS_CR0_IDLE);
	ITS_VM_INIT(&v, 1, 0);
	its_restore_regs(&v, &s);
	/* No RAM yet: dropped, and nothing cached */
	EXPECT_DROP(&v, 1, 1);
	EXPECT_MISS(&v, 1, 1);
	VT_EXPECT_EQ(msi_kworker(&v, 1, 1), 0);
	EXPECT_NO_LPI();
	its_load_ram(&v, &s);
	its_expect_restored(&v);
	harness_vm_destroy(v.kvm);
	free(s.ram);
}

/* The guest RAM loaded first */
VT_TEST(its_restore_ram_before_regs)
{
	struct its_saved s = {};
	struct tvm v;

	VT_ASSERT(its_save(&s));
	ITS_VM_INIT(&v, 1, 0);
	its_load_ram(&v, &s);
	/* A new ITS is disabled */
	EXPECT_DROP(&v, 1, 1);
	its_restore_regs(&v, &s);
	its_expect_restored(&v);
	harness_vm_destroy(v.kvm);
	free(s.ram);
}

/*
 * MSIs before the restore's register writes: what they cached goes with
 * the writes, whatever register is restored.
 */
VT_TEST(its_restore_drops_stale_cache)
{
	const gpa_t alt_dt = RAM + 0x8000, alt_itt = RAM + 0x50000;
	struct its_saved s = {};
	struct tvm v;

	VT_ASSERT(its_save(&s));
	for (int last = 0; last < ARRAY_SIZE(its_state_regs); last++) {
		ITS_VM_INIT(&v, 1, 0);
		its_load_ram(&v, &s);
		/* An earlier state: another DT, (d, e) -> 900 + d * 4 + e */
		for (u32 d = 0; d < 3; d++) {
			put(v.kvm, alt_dt + d * 8, DTE(alt_itt + d * 0x1000, 2));
			for (u32 e = 0; e < 3; e++)
				put(v.kvm, alt_itt + d * 0x1000 + e * 8, ITTE(900 + d * 4 + e));
		}
		VT_EXPECT_EQ(uset(v.its, GICV5_ITS_DT_BASER, alt_dt), 0);
		VT_EXPECT_EQ(uset(v.its, GICV5_ITS_DT_CFGR, DT_BITS), 0);
		VT_EXPECT_EQ(uset(v.its, GICV5_ITS_CR0, GICV5_ITS_CR0_ITSEN), 0);
		for (u32 d = 0; d < 3; d++)
			EXPECT_WALK(&v, d, 1, 900 + d * 4 + 1);
		/* The real state, but for one register written last */
		for (int i = 0; i < ARRAY_SIZE(its_state_regs); i++)
			if (i != last && its_state_regs[i] != GICV5_ITS_DT_BASER)
				VT_EXPECT_EQ(uset(v.its, its_state_regs[i], s.regs[i]), 0);
		VT_EXPECT_EQ(uset(v.its, GICV5_ITS_DT_BASER, DT), 0);
		/* Even the last write of one that changes nothing drops */
		EXPECT_WALK(&v, 0, 1, LPI(0, 1));
		VT_EXPECT_EQ(uset(v.its, its_state_regs[last], s.regs[last]), 0);
		for (u32 d = 0; d < 3; d++)
			EXPECT_WALK(&v, d, 1, LPI(d, 1));
		harness_vm_destroy(v.kvm);
	}
	free(s.ram);
}

/* ------------------------------------------------------------ errnos */

/*
 * KVM_CREATE_DEVICE where a selftest cannot go: a GICv3 VM on a legacy
 * host, a host IRS without virtualization, a host giving KVM no IRS, the
 * allocation failing; and MSIs to the ITS of a PPI-only v5 VM.
 */
VT_TEST(its_create_errnos)
{
	struct gm_caps caps = gm_caps_default();
	struct harness_host host = { .type = GIC_V5, .gcie_legacy = true };
	struct kvm_device *dev, *its;
	struct kvm *kvm;
	u64 base = ITS_BASE;
	int n;

	VT_ASSERT_EQ(harness_host_init(&host), 0);
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V3, NULL);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS, NULL), -ENODEV);
	VT_EXPECT(!kvm->arch.vgic.msis_require_devid);
	harness_vm_destroy(kvm);
	kvm = harness_vm_with(1, 0, NULL);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS, NULL), -ENODEV);
	harness_vm_destroy(kvm);

	/* A PPI-only v5 VM: an ITS, but no IRS for its LPIs */
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);
	VT_ASSERT(kvm);
	VT_ASSERT_EQ(harness_vgic_init(dev), 0);
	VT_ASSERT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS, &its), 0);
	VT_ASSERT_EQ(harness_set_attr(its, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_ITS, &base), 0);
	VT_EXPECT_EQ(msi_at(kvm, ITS_XLATE, 1, 0), -ENODEV);
	VT_EXPECT_EQ(msi_atomic_at(kvm, ITS_XLATE, 1, 0), -ENODEV);
	VT_EXPECT_EQ(msi_at(kvm, SETLPIR, 1, 0), -ENODEV);
	harness_vm_destroy(kvm);

	/* The ITS's allocation failing */
	for (n = 1; n < 10; n++) {
		unsigned long live = harness_allocs_live();
		bool injected;
		int ret;

		kvm = harness_v5_vm(1, false);
		VT_ASSERT(kvm);
		fault_inject_nth_alloc(n);
		ret = harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS, NULL);
		injected = fault_injected();
		fault_inject_nth_alloc(0);
		VT_EXPECT_EQ(ret, injected ? -ENOMEM : 0);
		VT_EXPECT_EQ(kvm->arch.vgic.msis_require_devid, !injected);
		harness_vm_destroy(kvm);
		VT_ASSERT_EQ(harness_allocs_live(), live);
		if (!injected)
			break;
	}
	VT_EXPECT(n > 1 && n < 10);

	/* A host IRS without virtualization: v5 VMs are PPI-only */
	caps.virt = false;
	host.irs = &caps;
	VT_ASSERT_EQ(harness_host_init(&host), 0);
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, NULL);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS, NULL), -ENODEV);
	harness_vm_destroy(kvm);

	/* A host whose irqchip hands KVM no IRS */
	host = (struct harness_host){ .type = GIC_V5, .no_irs = true };
	VT_ASSERT_EQ(harness_host_init(&host), 0);
	kvm = harness_vm_with(1, KVM_DEV_TYPE_ARM_VGIC_V5, NULL);
	VT_ASSERT(kvm);
	VT_EXPECT_EQ(harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5_ITS, NULL), -ENODEV);
	harness_vm_destroy(kvm);
}

/*
 * KVM_VGIC_V5_ADDR_TYPE_ITS once the VM's MMIO bus holds all the devices
 * it can (NR_IOBUS_DEVS): -ENOSPC, and the ITS keeps no address.
 */
VT_TEST(its_set_addr_on_a_full_mmio_bus)
{
	struct kvm *kvm = harness_v5_vm(1, false);
	struct kvm_device *its;
	u64 base = 0, got = 0;
	int n, ret = 0;

	VT_ASSERT(kvm);
	for (n = 0; n <= NR_IOBUS_DEVS && !ret; n++) {
		base = SZ_4G + (u64)n * KVM_VGIC_V5_ITS_SIZE;
		ret = its_create(kvm, base, &its);
	}
	VT_EXPECT_EQ(ret, -ENOSPC);
	VT_EXPECT_EQ(n, NR_IOBUS_DEVS + 1);
	VT_EXPECT_EQ(harness_get_attr(its, KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_ITS, &got), 0);
	VT_EXPECT_EQ(got, VGIC_ADDR_UNDEF);
	/* Not an ITS_TRANSLATER, nor IRS_SETLPIR */
	VT_EXPECT_EQ(msi_at(kvm, base + SZ_64K, 1, 0), -EINVAL);
	harness_vm_destroy(kvm);
}

/*
 * A DT and an ITT in a read-only memslot (ROM-like guest memory) are read
 * from the irqfd kworker as from the VMM's thread: the MSI is delivered.
 */
VT_TEST(its_readonly_tables_from_kworker)
{
	const gpa_t ro = 0x60000000ULL;
	struct tvm v;
	u64 *p;

	ITS_VM_INIT(&v, 1, RAM_SIZE);
	map_std(&v, 2, 2);
	VT_ASSERT_EQ(harness_memslot_add(v.kvm, 1, ro, SZ_64K, KVM_MEM_READONLY), 0);
	/* The VMM loaded it: the guest cannot write it */
	p = harness_guest_mem(v.kvm, ro, SZ_64K);
	VT_ASSERT(p);
	p[1] = DTE(ITT(1), 3);
	p[2] = DTE(ro + 0x1000, 3);
	p[0x1000 / 8 + 1] = ITTE(LPI(2, 1));
	its_enable_linear(&v, ITS_BASE, ro, DT_BITS);

	/* From the VMM's thread (KVM_SIGNAL_MSI) */
	EXPECT_WALK(&v, 1, 0, LPI(1, 0));
	EXPECT_WALK(&v, 2, 1, LPI(2, 1));
	inv_device(&v, ITS_BASE, 1, INV_DEVICE);
	inv_device(&v, ITS_BASE, 2, INV_DEVICE);
	/* From irqfd's kworker: the same */
	VT_EXPECT_EQ(msi_kworker(&v, 1, 0), 1);
	EXPECT_LPI_PENDING(LPI(1, 0));
	VT_EXPECT_EQ(msi_kworker(&v, 2, 1), 1);
	EXPECT_LPI_PENDING(LPI(2, 1));
	harness_vm_destroy(v.kvm);
}

struct vcpus_race {
	struct tvm v;
	bool stop;
};

/* vCPU 1: DIDR and EIDR, for its own invalidations */
static void *vcpus_race_ids(void *arg)
{
	struct vcpus_race *r = arg;
	struct kvm_vcpu *vcpu = kvm_get_vcpu(r->v.kvm, 1);

	harness_vcpu_load(vcpu);
	for (u64 i = 0; !READ_ONCE(r->stop); i++) {
		harness_mmio_guest_write(vcpu, ITS_BASE + GICV5_ITS_EIDR, 4, &i);
		harness_mmio_guest_write(vcpu, ITS_BASE + GICV5_ITS_CR1, 4, &i);
		harness_mmio_guest_write(vcpu, ITS_BASE + GICV5_ITS_DIDR, 8, &i);
	}
	harness_vcpu_put(vcpu);
	return NULL;
}

/*
 * Two vCPUs of the guest use the ITS registers at the same time: vCPU 0
 * invalidates, vCPU 1 writes DIDR, EIDR and CR1, while MSIs come in.
 * No data race (TSan), no lock report; each MSI delivered or dropped.
 */
VT_TEST(its_concurrent_vcpus_registers)
{
	struct vcpus_race *r = calloc(1, sizeof(*r));
	pthread_t t;

	VT_ASSERT(r);
	if (its_vm_init(&r->v, 2, RAM_SIZE) <= 0) {
		free(r);
		VT_ASSERT(0);
	}
	map_std(&r->v, 2, 2);
	VT_ASSERT_EQ(pthread_create(&t, NULL, vcpus_race_ids, r), 0);
	harness_vcpu_load(r->v.vcpu);
	for (int i = 0; i < 500; i++) {
		u64 val = GICV5_ITS_INV_EVENTR_I;
		int ret;

		harness_mmio_guest_write(r->v.vcpu, ITS_BASE + GICV5_ITS_INV_EVENTR, 4, &val);
		val = GICV5_ITS_INV_DEVICER_I;
		harness_mmio_guest_write(r->v.vcpu, ITS_BASE + GICV5_ITS_INV_DEVICER, 4, &val);
		harness_mmio_guest_read(r->v.vcpu, ITS_BASE + GICV5_ITS_CR1, 4, &val);
		ret = msi(&r->v, i & 1, 1);
		VT_EXPECT(ret == 0 || ret == 1);
	}
	harness_vcpu_put(r->v.vcpu);
	WRITE_ONCE(r->stop, true);
	pthread_join(t, NULL);
	harness_events_clear();
	VT_EXPECT_EQ(harness_reports(HR_LOCKDEP), 0);
	harness_vm_destroy(r->v.kvm);
	free(r);
}
