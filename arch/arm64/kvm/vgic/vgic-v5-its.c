// SPDX-License-Identifier: GPL-2.0-only
/*
 * GICv5 ITS emulation: the guest's ITS config and translate frames, and the
 * translation of MSIs (DeviceID, EventID) into the VM's LPIs.
 *
 * A GICv5 ITS has no command queue: the guest writes its device table (DT)
 * and interrupt translation tables (ITTs) in its own memory, and tells the
 * ITS with ITS_INV_DEVICER and ITS_INV_EVENTR when an entry it may have
 * cached changed. KVM keeps no copy of the tables: an MSI walks them in
 * guest memory, DT (linear or two-level) then ITT (linear or two-level), to
 * an ITT entry that names an LPI, and makes that LPI pending in the VM's
 * IRS as a write to the IRS SETLPI frame would (vgic-mmio-v5.c). The result
 * of a walk is cached per ITS, keyed by DeviceID and EventID, so that the
 * irqfd fast path injects without walking, from atomic context. The cache
 * is dropped exactly where the guest may have changed what it caches: the
 * invalidation registers, ITSEN cleared, and any userspace write.
 *
 * An ITS gets its MSIs from devices only: a guest CPU's write to
 * ITS_TRANSLATER carries no DeviceID and is ignored.
 *
 * Locking:
 *   kvm->arch.config_lock	userspace register accesses (all vCPUs locked)
 *     its->lock (mutex)	guest register accesses, table walks, cache
 *				updates; walks read guest memory and may sleep.
 *				A kworker walks once without it first, reading
 *				the registers locklessly (READ_ONCE())
 *   its->cache (xarray)	read locklessly (RCU) by the irqfd fast path,
 *				which injects what it found in the same
 *				kvm->irq_srcu read-side critical section:
 *				ITS_SYNCR waits for those in progress after an
 *				invalidation dropped entries
 */

#include <linux/bitfield.h>
#include <linux/irqchip/arm-gic-v5.h>
#include <linux/kvm.h>
#include <linux/kthread.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <kvm/iodev.h>
#include <kvm/arm_vgic.h>

#include "vgic.h"
#include "vgic-mmio.h"

/* The translate frame follows the config frame; TRANSLATER is its start */
#define ITS_TRANSLATE_FRAME		SZ_64K
#define ITS_TRANSLATER			(ITS_TRANSLATE_FRAME + 0x0000)

/*
 * What KVM supports: 16 DeviceID bits (a PCI requester ID), 16 EventID
 * bits, two-level DTs and ITTs, every L2 table size.
 */
#define ITS_MAX_DEVICEID_BITS		16
#define ITS_MAX_EVENTID_BITS		16
#define ITS_IDR1_L2SZ_ALL		FIELD_PREP(GICV5_ITS_IDR1_L2SZ, 0x7)
#define ITS_IDR1_MASK			(GICV5_ITS_IDR1_L2SZ |			\
					 GICV5_ITS_IDR1_ITT_LEVELS |		\
					 GICV5_ITS_IDR1_DT_LEVELS |		\
					 GICV5_ITS_IDR1_DEVICEID_BITS)
#define ITS_IDR2_MASK			(GICV5_ITS_IDR2_XDMN_EVENTs |		\
					 GICV5_ITS_IDR2_EVENTID_BITS)

/*
 * What the guest sees by default: two-level ITTs are not offered, because
 * the 7.3 Linux driver fails to allocate two-level ITTs for some device
 * sizes; linear ITTs work for all. Userspace may offer them (IDR1).
 */
#define ITS_IDR1_DEFAULT		(ITS_IDR1_L2SZ_ALL |			\
					 GICV5_ITS_IDR1_DT_LEVELS |		\
					 FIELD_PREP(GICV5_ITS_IDR1_DEVICEID_BITS, \
						    ITS_MAX_DEVICEID_BITS))
#define ITS_IDR2_DEFAULT		FIELD_PREP(GICV5_ITS_IDR2_EVENTID_BITS, \
						   ITS_MAX_EVENTID_BITS)

/* ITS_CR1: the memory attributes are stored but have no effect */
#define ITS_CR1_MASK			GENMASK(7, 0)
#define ITS_DT_CFGR_MASK		(GICV5_ITS_DT_CFGR_STRUCTURE |		\
					 GICV5_ITS_DT_CFGR_L2SZ |		\
					 GICV5_ITS_DT_CFGR_DEVICEID_BITS)

/* log2 of the 8-byte entries of an L2 table of size @l2sz */
#define ITS_L2_BITS(l2sz)		(9 + 2 * (l2sz))

/*
 * Translations cached per ITS: the MSIs of 1024 vectors stay warm, and the
 * host memory a guest's devices can make KVM cache stays bounded; a full
 * cache drops an entry for each new one (vgic_v5_its_cache_insert()).
 */
#define ITS_CACHE_MAX			1024

/*
 * Walks of a kworker for an MSI whose tables the guest keeps changing
 * under it (vgic_v5_its_inject_uncached()), before it drops the MSI
 */
#define ITS_WALK_TRIES			3

/**
 * struct vgic_v5_its - A guest GICv5 ITS
 * @dev:	the KVM device
 * @iodev:	the MMIO device of its two frames
 * @base:	the config frame's guest physical address, or VGIC_ADDR_UNDEF
 * @lock:	serializes register accesses, walks and cache updates
 * @cache:	(DeviceID << 32 | EventID) to xa_mk_value(LPI ID)
 * @nr_cached:	entries in @cache
 * @evict:	where a full @cache looks for an entry to drop next
 * @drop_gp:	kvm->irq_srcu's grace period state when entries were last
 *		dropped: cache lookups inject what they find in its read-side
 *		critical sections, without @lock
 * @idr1:	ITS_IDR1
 * @idr2:	ITS_IDR2
 * @cr0:	ITS_CR0.ITSEN
 * @cr1:	ITS_CR1
 * @dt_cfgr:	ITS_DT_CFGR
 * @eidr:	ITS_EIDR
 * @dt_baser:	ITS_DT_BASER
 * @didr:	ITS_DIDR
 */
struct vgic_v5_its {
	struct kvm_device	*dev;
	struct vgic_io_device	iodev;
	gpa_t			base;
	struct mutex		lock;		/* see the top of the file */
	struct xarray		cache;
	unsigned int		nr_cached;
	unsigned long		evict;
	unsigned long		drop_gp;
	u32			idr1;
	u32			idr2;
	u32			cr0;
	u32			cr1;
	u32			dt_cfgr;
	u32			eidr;
	u64			dt_baser;
	u64			didr;
};

static unsigned long vgic_v5_its_key(u32 devid, u32 eventid)
{
	BUILD_BUG_ON(sizeof(unsigned long) < sizeof(u64));

	return (unsigned long)devid << 32 | eventid;
}

/*
 * Drop the cached translations of keys @first to @last. The irqfd fast
 * path may still inject one it found before: ITS_SYNCR waits for it.
 */
static void vgic_v5_its_drop_range(struct vgic_v5_its *its, unsigned long first,
				   unsigned long last)
{
	unsigned int nr = its->nr_cached;
	unsigned long key;
	void *entry;

	lockdep_assert_held(&its->lock);

	xa_for_each_range(&its->cache, key, entry, first, last) {
		xa_erase(&its->cache, key);
		its->nr_cached--;
	}

	if (its->nr_cached != nr)
		WRITE_ONCE(its->drop_gp,
			   get_state_synchronize_srcu(&its->dev->kvm->irq_srcu));
}

static void vgic_v5_its_drop_cache(struct vgic_v5_its *its)
{
	vgic_v5_its_drop_range(its, 0, ULONG_MAX);
}

/*
 * Cache the translation of @key. A full cache first drops the entry at or
 * after its eviction cursor, in key order and round again: the events the
 * guest stopped using leave room for those it uses now. That entry is
 * still right, unlike an invalidated one: an MSI injecting it meanwhile
 * needs no ITS_SYNCR wait.
 */
static void vgic_v5_its_cache_insert(struct vgic_v5_its *its,
				     unsigned long key, u32 lpi)
{
	unsigned long victim = its->evict;

	lockdep_assert_held(&its->lock);

	if (its->nr_cached >= ITS_CACHE_MAX) {
		if (!xa_find(&its->cache, &victim, ULONG_MAX, XA_PRESENT)) {
			victim = 0;
			if (WARN_ON_ONCE(!xa_find(&its->cache, &victim,
						  ULONG_MAX, XA_PRESENT)))
				return;
		}
		xa_erase(&its->cache, victim);
		its->nr_cached--;
		its->evict = victim + 1;
	}

	if (!xa_insert(&its->cache, key, xa_mk_value(lpi), GFP_KERNEL_ACCOUNT))
		its->nr_cached++;
}

/* -------------------------------------------------------- table walks */

/*
 * Read the table entry at @gpa, in the VMM's mm: in kvm->srcu, or, for a
 * walk that only brings the tables' pages in (@prefetch), through the
 * VMM's mapping of the page, outside kvm->srcu, so that a fault that
 * waits for the page holds up no memslot update. An entry is 8-byte
 * aligned, in one page.
 */
static int vgic_v5_its_read_entry(struct kvm *kvm, gpa_t gpa, u64 *entry,
				  bool prefetch)
{
	unsigned long hva;
	__le64 val;
	int ret;

	if (prefetch) {
		scoped_guard(srcu, &kvm->srcu)
			hva = gfn_to_hva_prot(kvm, gpa_to_gfn(gpa), NULL);
		ret = -EFAULT;
		if (!kvm_is_error_hva(hva) &&
		    !copy_from_user(&val, (void __user *)(hva + offset_in_page(gpa)),
				    sizeof(val)))
			ret = 0;
	} else {
		ret = kvm_read_guest(kvm, gpa, &val, sizeof(val));
	}
	if (!ret)
		*entry = le64_to_cpu(val);
	return ret;
}

/*
 * The L2 entry of @id in the two-level table at @l1, whose L2 tables are
 * of size @l2sz. The DT and ITT L1 entries have the same format
 * (GICV5_DTL1E_* and GICV5_ITTL1E_*).
 */
static int vgic_v5_its_walk_l1(struct vgic_v5_its *its, gpa_t l1, u32 id,
			       unsigned int l2sz, bool prefetch, gpa_t *l2e)
{
	unsigned int l2_bits, span;
	u64 l1e;
	int ret;

	if (!(FIELD_GET(GICV5_ITS_IDR1_L2SZ, READ_ONCE(its->idr1)) & BIT(l2sz)))
		return -ENOENT;
	l2_bits = ITS_L2_BITS(l2sz);

	ret = vgic_v5_its_read_entry(its->dev->kvm, l1 + (id >> l2_bits) * 8,
				     &l1e, prefetch);
	if (ret)
		return ret;
	if (!(l1e & GICV5_DTL1E_VALID))
		return -ENOENT;

	/* A SPAN makes the L2 table smaller, never larger than L2SZ */
	span = FIELD_GET(GICV5_DTL1E_SPAN, l1e);
	span = min(span, l2_bits);
	id &= BIT(l2_bits) - 1;
	if (id >= BIT(span))
		return -ENOENT;

	*l2e = (l1e & GICV5_DTL1E_L2_ADDR_MASK) + id * 8;
	return 0;
}

/**
 * vgic_v5_its_translate() - Walk the guest's tables for an MSI
 * @its:	the ITS
 * @devid:	the DeviceID
 * @eventid:	the EventID
 * @lpi:	the LPI ID of the ITT entry
 * @prefetch:	read outside kvm->srcu (vgic_v5_its_read_entry())
 *
 * The result counts only with its->lock held, and in kvm->srcu. Without
 * them, the registers may change under the walk, which then just brings
 * the tables' pages in (@prefetch).
 *
 * Return: 0, or -ENOENT if the guest's ITS drops the MSI: ITS disabled,
 * an ID out of the range the tables cover, an invalid or reserved entry,
 * or an ITT entry for a virtual LPI; -EFAULT if a table entry could not be
 * read: outside guest memory, or a page not there with page faults
 * disabled.
 */
static int vgic_v5_its_translate(struct vgic_v5_its *its, u32 devid,
				 u32 eventid, u32 *lpi, bool prefetch)
{
	u32 idr1 = READ_ONCE(its->idr1), dt_cfgr = READ_ONCE(its->dt_cfgr);
	struct kvm *kvm = its->dev->kvm;
	unsigned int bits;
	u64 dte, itte;
	gpa_t entry;
	int ret;

	if (!(READ_ONCE(its->cr0) & GICV5_ITS_CR0_ITSEN))
		return -ENOENT;

	bits = FIELD_GET(GICV5_ITS_DT_CFGR_DEVICEID_BITS, dt_cfgr);
	if (bits > FIELD_GET(GICV5_ITS_IDR1_DEVICEID_BITS, idr1) ||
	    devid >= BIT_ULL(bits))
		return -ENOENT;

	entry = READ_ONCE(its->dt_baser) & GICV5_ITS_DT_BASER_ADDR_MASK;
	if (FIELD_GET(GICV5_ITS_DT_CFGR_STRUCTURE, dt_cfgr)) {
		if (!(idr1 & GICV5_ITS_IDR1_DT_LEVELS))
			return -ENOENT;
		ret = vgic_v5_its_walk_l1(its, entry, devid,
					  FIELD_GET(GICV5_ITS_DT_CFGR_L2SZ,
						    dt_cfgr), prefetch, &entry);
		if (ret)
			return ret;
	} else {
		entry += (gpa_t)devid * 8;
	}

	ret = vgic_v5_its_read_entry(kvm, entry, &dte, prefetch);
	if (ret)
		return ret;
	if (!(dte & GICV5_DTL2E_VALID))
		return -ENOENT;

	bits = FIELD_GET(GICV5_DTL2E_EVENT_ID_BITS, dte);
	if (bits > FIELD_GET(GICV5_ITS_IDR2_EVENTID_BITS, READ_ONCE(its->idr2)) ||
	    eventid >= BIT(bits))
		return -ENOENT;

	entry = dte & GICV5_DTL2E_ITT_ADDR_MASK;
	if (FIELD_GET(GICV5_DTL2E_ITT_STRUCTURE, dte)) {
		if (!(idr1 & GICV5_ITS_IDR1_ITT_LEVELS))
			return -ENOENT;
		ret = vgic_v5_its_walk_l1(its, entry, eventid,
					  FIELD_GET(GICV5_DTL2E_ITT_L2SZ, dte),
					  prefetch, &entry);
		if (ret)
			return ret;
	} else {
		entry += (gpa_t)eventid * 8;
	}

	ret = vgic_v5_its_read_entry(kvm, entry, &itte, prefetch);
	if (ret)
		return ret;
	if (!(itte & GICV5_ITTL2E_VALID) || (itte & GICV5_ITTL2E_VIRTUAL))
		return -ENOENT;

	*lpi = FIELD_GET(GICV5_ITTL2E_LPI_ID, itte);
	return 0;
}

/* ------------------------------------------------------------- MSIs */

/*
 * Walk for an MSI that missed the cache, cache what the walk found and
 * make the LPI pending, all under its->lock: an invalidation, which takes
 * it, completes after the LPI this walk found is pending, never before. A
 * guest that then syncs (ITS_SYNCR) and reuses the LPI gets no stale MSI.
 *
 * With @nofault, the walk takes no page fault: a table page that is not
 * there fails it (-EFAULT) rather than being waited for under the lock.
 * Otherwise the MSI is dropped (0) if a table entry cannot be read.
 */
static int vgic_v5_its_walk_and_inject(struct vgic_v5_its *its, u32 devid,
				       u32 eventid, bool nofault)
{
	u32 lpi;
	int ret;

	guard(srcu)(&its->dev->kvm->srcu);
	guard(mutex)(&its->lock);

	if (nofault)
		pagefault_disable();
	ret = vgic_v5_its_translate(its, devid, eventid, &lpi, false);
	if (nofault)
		pagefault_enable();
	if (ret)
		return nofault && ret == -EFAULT ? -EFAULT : 0;

	vgic_v5_its_cache_insert(its, vgic_v5_its_key(devid, eventid), lpi);

	return vgic_v5_irs_set_lpi_pending(its->dev->kvm, lpi);
}

/*
 * Inject an MSI that missed the cache. The irqfd slow path runs in a
 * kworker, on behalf of vhost or VFIO, without the VM's mm: it borrows the
 * VMM's, so that the walk's reads of guest memory fault and wait as they
 * would in the VMM's thread. A remote access (get_user_pages_remote())
 * could not wait for a page that userfaultfd has yet to bring in during a
 * post-copy migration, and the MSI would be lost.
 *
 * A kworker cannot be killed: it waits for such a page as long as it
 * takes, for good if the migration's source died. So it waits for pages
 * only where nothing waits for it: it first walks without its->lock and
 * outside kvm->srcu, to bring the pages in. The walk that counts, under
 * the lock, then takes no page fault. If the guest changed its tables in
 * between, a page that walk needs may not be there: the kworker brings it
 * in the same way and walks again, ITS_WALK_TRIES times in all, then drops
 * the MSI, as for a table outside guest memory. A vCPU thread or the VMM
 * that takes the lock, waiting for a mutex uninterruptibly, and a memslot
 * update, waiting for kvm->srcu's readers, never wait for a page with it:
 * the VMM, unable to exit, would never close the userfaultfd that ends
 * the wait. The irqfd's shutdown still waits for its injection to end.
 */
static int vgic_v5_its_inject_uncached(struct vgic_v5_its *its, u32 devid,
				       u32 eventid)
{
	struct kvm *kvm = its->dev->kvm;
	int ret = -EFAULT, i;
	u32 lpi;

	if (current->mm == kvm->mm)
		return vgic_v5_its_walk_and_inject(its, devid, eventid, false);

	/* Only a kthread without an mm can borrow one; the VMM may be gone */
	if (current->mm || !(current->flags & PF_KTHREAD) ||
	    !mmget_not_zero(kvm->mm))
		return 0;

	kthread_use_mm(kvm->mm);
	for (i = 0; i < ITS_WALK_TRIES && ret == -EFAULT; i++) {
		vgic_v5_its_translate(its, devid, eventid, &lpi, true);
		ret = vgic_v5_its_walk_and_inject(its, devid, eventid, true);
	}
	kthread_unuse_mm(kvm->mm);
	mmput(kvm->mm);

	return ret == -EFAULT ? 0 : ret;
}

/*
 * The ITS whose ITS_TRANSLATER is at @db, under kvm->srcu. It outlives
 * the read-side critical section: it stays on the bus, and is destroyed
 * with the VM (vgic_v5_its_destroy()).
 */
static struct vgic_v5_its *vgic_v5_its_of_doorbell(struct kvm *kvm, gpa_t db)
{
	struct kvm_io_device *kvm_io_dev;
	struct vgic_io_device *iodev;

	kvm_io_dev = kvm_io_bus_get_dev(kvm, KVM_MMIO_BUS, db);
	if (!kvm_io_dev || kvm_io_dev->ops != &kvm_io_gic_ops)
		return NULL;

	iodev = container_of(kvm_io_dev, struct vgic_io_device, dev);
	if (iodev->iodev_type != IODEV_V5_ITS ||
	    db != iodev->base_addr + ITS_TRANSLATER)
		return NULL;

	return iodev->v5_its;
}

/**
 * vgic_v5_its_inject_msi() - Inject an MSI written to a guest ITS
 * @kvm:	the VM
 * @msi:	the MSI: address of an ITS_TRANSLATER, data = EventID, and a
 *		DeviceID (KVM_MSI_VALID_DEVID)
 * @atomic:	from atomic context: use the translation cache only
 *
 * Return: 1 if the LPI was made pending; 0 if the guest's tables or IRS
 * dropped the MSI; -EWOULDBLOCK if @atomic and the translation is not
 * cached; -ENOENT if @msi is not for an ITS, -EINVAL if it has no DeviceID,
 * -ENODEV if the VM has no IRS, -EAGAIN while an LPI IST restore is pending,
 * or an error from the host IRS.
 */
int vgic_v5_its_inject_msi(struct kvm *kvm, struct kvm_msi *msi, bool atomic)
{
	gpa_t db = (u64)msi->address_hi << 32 | msi->address_lo;
	struct vgic_v5_its *its;
	void *entry;

	scoped_guard(srcu, &kvm->srcu)
		its = vgic_v5_its_of_doorbell(kvm, db);
	if (!its)
		return -ENOENT;
	if (!(msi->flags & KVM_MSI_VALID_DEVID))
		return -EINVAL;
	if (!vgic_v5_has_irs(kvm))
		return -ENODEV;

	/*
	 * A translation found is injected before the SRCU section ends. The
	 * irqfd fast path is in one already, irqfd_wakeup()'s.
	 */
	scoped_guard(srcu, &kvm->irq_srcu) {
		entry = xa_load(&its->cache,
				vgic_v5_its_key(msi->devid, msi->data));
		if (entry)
			return vgic_v5_irs_set_lpi_pending(kvm,
							   xa_to_value(entry));
	}
	if (atomic)
		return -EWOULDBLOCK;

	return vgic_v5_its_inject_uncached(its, msi->devid, msi->data);
}

/* ------------------------------------------------------ guest registers */

static unsigned long vgic_v5_its_read_idr1(struct vgic_v5_its *its,
					   gpa_t addr, unsigned int len)
{
	return its->idr1;
}

static unsigned long vgic_v5_its_read_idr2(struct vgic_v5_its *its,
					   gpa_t addr, unsigned int len)
{
	return its->idr2;
}

/* Every ITS operation completes within the write that starts it */
static unsigned long vgic_v5_its_read_idle(struct vgic_v5_its *its,
					   gpa_t addr, unsigned int len)
{
	return GICV5_ITS_STATUSR_IDLE;
}

static unsigned long vgic_v5_its_read_cr0(struct vgic_v5_its *its,
					  gpa_t addr, unsigned int len)
{
	return READ_ONCE(its->cr0) | GICV5_ITS_CR0_IDLE;
}

static void vgic_v5_its_write_cr0(struct vgic_v5_its *its, gpa_t addr,
				  unsigned int len, unsigned long val)
{
	guard(mutex)(&its->lock);

	/* Disabled, the ITS drops every MSI and caches nothing */
	if (!(val & GICV5_ITS_CR0_ITSEN))
		vgic_v5_its_drop_cache(its);
	WRITE_ONCE(its->cr0, val & GICV5_ITS_CR0_ITSEN);
}

static unsigned long vgic_v5_its_read_cr1(struct vgic_v5_its *its,
					  gpa_t addr, unsigned int len)
{
	return READ_ONCE(its->cr1);
}

static void vgic_v5_its_write_cr1(struct vgic_v5_its *its, gpa_t addr,
				  unsigned int len, unsigned long val)
{
	WRITE_ONCE(its->cr1, val & ITS_CR1_MASK);
}

static unsigned long vgic_v5_its_read_dt_baser(struct vgic_v5_its *its,
					       gpa_t addr, unsigned int len)
{
	return extract_bytes(READ_ONCE(its->dt_baser), addr & 7, len);
}

/* The device table is read-only while the ITS is enabled */
static void vgic_v5_its_write_dt_baser(struct vgic_v5_its *its, gpa_t addr,
				       unsigned int len, unsigned long val)
{
	guard(mutex)(&its->lock);

	if (its->cr0 & GICV5_ITS_CR0_ITSEN)
		return;
	WRITE_ONCE(its->dt_baser,
		   update_64bit_reg(its->dt_baser, addr & 7, len, val) &
		   GICV5_ITS_DT_BASER_ADDR_MASK);
}

static unsigned long vgic_v5_its_read_dt_cfgr(struct vgic_v5_its *its,
					      gpa_t addr, unsigned int len)
{
	return READ_ONCE(its->dt_cfgr);
}

static void vgic_v5_its_write_dt_cfgr(struct vgic_v5_its *its, gpa_t addr,
				      unsigned int len, unsigned long val)
{
	guard(mutex)(&its->lock);

	if (its->cr0 & GICV5_ITS_CR0_ITSEN)
		return;
	WRITE_ONCE(its->dt_cfgr, val & ITS_DT_CFGR_MASK);
}

static unsigned long vgic_v5_its_read_didr(struct vgic_v5_its *its,
					   gpa_t addr, unsigned int len)
{
	return extract_bytes(READ_ONCE(its->didr), addr & 7, len);
}

static void vgic_v5_its_write_didr(struct vgic_v5_its *its, gpa_t addr,
				   unsigned int len, unsigned long val)
{
	guard(mutex)(&its->lock);

	WRITE_ONCE(its->didr, update_64bit_reg(its->didr, addr & 7, len, val) &
			      GICV5_ITS_DIDR_DEVICEID);
}

static unsigned long vgic_v5_its_read_eidr(struct vgic_v5_its *its,
					   gpa_t addr, unsigned int len)
{
	return READ_ONCE(its->eidr);
}

static void vgic_v5_its_write_eidr(struct vgic_v5_its *its, gpa_t addr,
				   unsigned int len, unsigned long val)
{
	guard(mutex)(&its->lock);

	WRITE_ONCE(its->eidr, val & GICV5_ITS_EIDR_EVENTID);
}

/*
 * ITS_INV_EVENTR: drop the translation of (DIDR, EIDR), or with L1 those of
 * all the events that the ITT L2 table holding EIDR covers.
 */
static void vgic_v5_its_write_inv_eventr(struct vgic_v5_its *its, gpa_t addr,
					 unsigned int len, unsigned long val)
{
	unsigned int l2sz = FIELD_GET(GICV5_ITS_INV_EVENTR_ITT_L2SZ, val);
	u32 devid, first, last;

	if (!(val & GICV5_ITS_INV_EVENTR_I))
		return;

	guard(mutex)(&its->lock);

	devid = its->didr;
	first = its->eidr;
	last = first;
	if (val & GICV5_ITS_INV_EVENTR_L1) {
		/* A reserved size: the whole device */
		first = 0;
		last = U32_MAX;
		if (l2sz <= GICV5_ITS_DT_ITT_CFGR_L2SZ_64k) {
			first = its->eidr & ~(BIT(ITS_L2_BITS(l2sz)) - 1);
			last = first + BIT(ITS_L2_BITS(l2sz)) - 1;
		}
	}

	vgic_v5_its_drop_range(its, vgic_v5_its_key(devid, first),
			       vgic_v5_its_key(devid, last));
}

/*
 * ITS_INV_DEVICER: drop the translations of the device DIDR, or with L1 those
 * of all the devices that the DT L2 table holding DIDR covers.
 */
static void vgic_v5_its_write_inv_devicer(struct vgic_v5_its *its, gpa_t addr,
					  unsigned int len, unsigned long val)
{
	u32 first, last;

	if (!(val & GICV5_ITS_INV_DEVICER_I))
		return;

	guard(mutex)(&its->lock);

	first = its->didr;
	last = first;
	if ((val & GICV5_ITS_INV_DEVICER_L1) &&
	    FIELD_GET(GICV5_ITS_DT_CFGR_STRUCTURE, its->dt_cfgr)) {
		unsigned int l2_bits = ITS_L2_BITS(FIELD_GET(GICV5_ITS_DT_CFGR_L2SZ,
							     its->dt_cfgr));

		first = its->didr & ~(BIT_ULL(l2_bits) - 1);
		last = min_t(u64, (u64)first + BIT_ULL(l2_bits) - 1, U32_MAX);
	}

	vgic_v5_its_drop_range(its, vgic_v5_its_key(first, 0),
			       vgic_v5_its_key(last, U32_MAX));
}

/*
 * ITS_SYNCR: once the write completes, the MSIs translated before it have
 * made their LPIs pending (the guest then reads SYNC_STATUSR.IDLE). A walk
 * injects under its->lock, which an invalidation takes. The irqfd fast
 * path injects a cached translation without it, in a kvm->irq_srcu
 * read-side critical section: if entries were dropped since the last grace
 * period, wait for those in progress. Otherwise the MSI of an unmapped
 * event could make its LPI pending after the sync, when the guest may have
 * given the LPI to another device. The same for any DeviceID, and for
 * SYNCALL.
 *
 * The VM's irq_srcu waits for the VM's own injectors only, whose read-side
 * critical sections are short, and never sends IPIs: a guest that syncs in
 * a loop slows its own vCPU, not the host. No vCPU's MMIO access is in an
 * irq_srcu read-side critical section, which would deadlock here.
 */
static void vgic_v5_its_write_syncr(struct vgic_v5_its *its, gpa_t addr,
				    unsigned int len, unsigned long val)
{
	struct srcu_struct *ssp = &its->dev->kvm->irq_srcu;

	if ((update_64bit_reg(0, addr & 7, len, val) & GICV5_ITS_SYNCR_SYNC) &&
	    !poll_state_synchronize_srcu(ssp, READ_ONCE(its->drop_gp)))
		synchronize_srcu(ssp);
}

#define ITS_REG(off, rd, wr, length, acc)				\
	{								\
		.reg_offset = off,					\
		.len = length,						\
		.access_flags = acc,					\
		.v5_its_read = rd,					\
		.v5_its_write = wr,					\
	}

#define ITS_REG32(off, rd, wr)						\
	ITS_REG(off, rd, wr, 4, VGIC_ACCESS_32bit)

/* 64-bit registers also take 32-bit accesses to either half */
#define ITS_REG64(off, rd, wr)						\
	ITS_REG(off, rd, wr, 8, VGIC_ACCESS_32bit | VGIC_ACCESS_64bit)

static unsigned long vgic_v5_its_read_raz(struct vgic_v5_its *its,
					  gpa_t addr, unsigned int len)
{
	return 0;
}

static void vgic_v5_its_write_wi(struct vgic_v5_its *its, gpa_t addr,
				 unsigned int len, unsigned long val)
{
}

/*
 * Offsets not in this table, and accesses of a width a register does not
 * take, read as zero and ignore writes (vgic-mmio.c). Userspace accesses
 * the config frame registers (vgic_v5_its_uaccess()).
 */
static const struct vgic_register_region vgic_v5_its_registers[] = {
	ITS_REG32(GICV5_ITS_IDR1, vgic_v5_its_read_idr1, vgic_v5_its_write_wi),
	ITS_REG32(GICV5_ITS_IDR2, vgic_v5_its_read_idr2, vgic_v5_its_write_wi),
	ITS_REG32(GICV5_ITS_CR0, vgic_v5_its_read_cr0, vgic_v5_its_write_cr0),
	ITS_REG32(GICV5_ITS_CR1, vgic_v5_its_read_cr1, vgic_v5_its_write_cr1),
	ITS_REG64(GICV5_ITS_DT_BASER, vgic_v5_its_read_dt_baser,
		  vgic_v5_its_write_dt_baser),
	ITS_REG32(GICV5_ITS_DT_CFGR, vgic_v5_its_read_dt_cfgr,
		  vgic_v5_its_write_dt_cfgr),
	ITS_REG64(GICV5_ITS_DIDR, vgic_v5_its_read_didr, vgic_v5_its_write_didr),
	ITS_REG32(GICV5_ITS_EIDR, vgic_v5_its_read_eidr, vgic_v5_its_write_eidr),
	ITS_REG32(GICV5_ITS_INV_EVENTR, vgic_v5_its_read_raz,
		  vgic_v5_its_write_inv_eventr),
	ITS_REG32(GICV5_ITS_INV_DEVICER, vgic_v5_its_read_raz,
		  vgic_v5_its_write_inv_devicer),
	ITS_REG32(GICV5_ITS_STATUSR, vgic_v5_its_read_idle, vgic_v5_its_write_wi),
	/* A synchronization completes within the write */
	ITS_REG64(GICV5_ITS_SYNCR, vgic_v5_its_read_raz, vgic_v5_its_write_syncr),
	ITS_REG32(GICV5_ITS_SYNC_STATUSR, vgic_v5_its_read_idle,
		  vgic_v5_its_write_wi),
	/* A CPU's write has no DeviceID: ignored */
	ITS_REG32(ITS_TRANSLATER, vgic_v5_its_read_raz, vgic_v5_its_write_wi),
};

/* -------------------------------------------------- userspace registers */

/*
 * The register at offset @attr of the config frame: the translate frame has
 * no userspace registers, and no offset has bits above 31.
 */
static const struct vgic_register_region *
vgic_v5_its_uaccess_region(u64 attr, unsigned int *len)
{
	if (attr & ~KVM_DEV_ARM_VGIC_OFFSET_MASK)
		return ERR_PTR(-ENXIO);

	return vgic_v5_find_uaccess_region(vgic_v5_its_registers,
					   ARRAY_SIZE(vgic_v5_its_registers),
					   ITS_TRANSLATE_FRAME, attr, len);
}

static int vgic_v5_its_check_idr1(u32 val)
{
	if ((val & ~ITS_IDR1_MASK) ||
	    FIELD_GET(GICV5_ITS_IDR1_DEVICEID_BITS, val) > ITS_MAX_DEVICEID_BITS)
		return -EINVAL;

	/* Two-level tables need an L2 table size */
	if ((val & (GICV5_ITS_IDR1_DT_LEVELS | GICV5_ITS_IDR1_ITT_LEVELS)) &&
	    !FIELD_GET(GICV5_ITS_IDR1_L2SZ, val))
		return -EINVAL;

	return 0;
}

static int vgic_v5_its_check_idr2(u32 val)
{
	if ((val & ~GICV5_ITS_IDR2_EVENTID_BITS) ||
	    FIELD_GET(GICV5_ITS_IDR2_EVENTID_BITS, val) > ITS_MAX_EVENTID_BITS)
		return -EINVAL;

	return 0;
}

/*
 * Restore a register: state only. The command registers (ITS_INV_*R,
 * ITS_SYNCR) and the status registers hold no state, and the ID registers
 * take only what KVM supports.
 */
static int vgic_v5_its_uaccess_write(struct vgic_v5_its *its, u32 offset,
				     u64 val)
{
	int ret = 0;

	switch (offset) {
	case GICV5_ITS_IDR1:
		ret = vgic_v5_its_check_idr1(val);
		if (!ret)
			WRITE_ONCE(its->idr1, val);
		break;
	case GICV5_ITS_IDR2:
		ret = vgic_v5_its_check_idr2(val);
		if (!ret)
			WRITE_ONCE(its->idr2, val);
		break;
	case GICV5_ITS_CR0:
		WRITE_ONCE(its->cr0, val & GICV5_ITS_CR0_ITSEN);
		break;
	case GICV5_ITS_CR1:
		its->cr1 = val & ITS_CR1_MASK;
		break;
	case GICV5_ITS_DT_BASER:
		WRITE_ONCE(its->dt_baser, val & GICV5_ITS_DT_BASER_ADDR_MASK);
		break;
	case GICV5_ITS_DT_CFGR:
		WRITE_ONCE(its->dt_cfgr, val & ITS_DT_CFGR_MASK);
		break;
	case GICV5_ITS_DIDR:
		its->didr = val & GICV5_ITS_DIDR_DEVICEID;
		break;
	case GICV5_ITS_EIDR:
		its->eidr = val & GICV5_ITS_EIDR_EVENTID;
		break;
	}

	/* The tables, or what KVM may walk of them, may have changed */
	if (!ret)
		vgic_v5_its_drop_cache(its);
	return ret;
}

/* Lock out the vCPUs, then the VGIC configuration and the ITS */
static int vgic_v5_its_lock_all(struct kvm_device *dev)
{
	struct vgic_v5_its *its = dev->private;
	struct kvm *kvm = dev->kvm;

	mutex_lock(&kvm->lock);
	if (kvm_trylock_all_vcpus(kvm)) {
		mutex_unlock(&kvm->lock);
		return -EBUSY;
	}
	mutex_lock(&kvm->arch.config_lock);
	mutex_lock(&its->lock);
	return 0;
}

static void vgic_v5_its_unlock_all(struct kvm_device *dev)
{
	struct vgic_v5_its *its = dev->private;
	struct kvm *kvm = dev->kvm;

	mutex_unlock(&its->lock);
	mutex_unlock(&kvm->arch.config_lock);
	kvm_unlock_all_vcpus(kvm);
	mutex_unlock(&kvm->lock);
}

/**
 * vgic_v5_its_regs_access() - KVM_DEV_ARM_VGIC_GRP_ITS_REGS get and set
 * @dev:	the ITS device
 * @attr:	the config frame offset of the register
 * @is_write:	set rather than get
 *
 * 64-bit registers are accessed at full width, at their 8-byte aligned
 * offset; 32-bit ones at a 4-byte aligned offset, zero-extended on get and
 * with the upper half ignored on set. Gets read what the guest reads; sets
 * restore state, without side effects but for the translation cache.
 *
 * Return: 0, -ENXIO for an offset with no register, -EINVAL for a
 * misaligned offset or an ID register value KVM does not support,
 * -EFAULT, or -EBUSY if a vCPU is running.
 */
static int vgic_v5_its_regs_access(struct kvm_device *dev,
				   struct kvm_device_attr *attr, bool is_write)
{
	const struct vgic_register_region *region;
	u64 __user *uaddr = u64_to_user_ptr(attr->addr);
	struct vgic_v5_its *its = dev->private;
	unsigned int len;
	u64 val = 0;
	int ret;

	region = vgic_v5_its_uaccess_region(attr->attr, &len);
	if (IS_ERR(region))
		return PTR_ERR(region);

	if (is_write && get_user(val, uaddr))
		return -EFAULT;
	if (len == 4)
		val = lower_32_bits(val);

	ret = vgic_v5_its_lock_all(dev);
	if (ret)
		return ret;

	if (is_write) {
		ret = vgic_v5_its_uaccess_write(its, attr->attr, val);
	} else {
		val = region->v5_its_read(its, attr->attr, len);
		if (len == 4)
			val = lower_32_bits(val);
	}

	vgic_v5_its_unlock_all(dev);

	if (!ret && !is_write && put_user(val, uaddr))
		ret = -EFAULT;
	return ret;
}

/* ITS_CTRL_RESET: the state of a new ITS, with the ID registers kept */
static int vgic_v5_its_reset(struct kvm_device *dev)
{
	struct vgic_v5_its *its = dev->private;
	int ret;

	ret = vgic_v5_its_lock_all(dev);
	if (ret)
		return ret;

	WRITE_ONCE(its->cr0, 0);
	its->cr1 = 0;
	WRITE_ONCE(its->dt_baser, 0);
	WRITE_ONCE(its->dt_cfgr, 0);
	its->didr = 0;
	its->eidr = 0;
	vgic_v5_its_drop_cache(its);

	vgic_v5_its_unlock_all(dev);
	return 0;
}

/* ------------------------------------------------------------ the device */

static int vgic_v5_its_set_addr(struct kvm_device *dev, u64 __user *uaddr)
{
	struct vgic_v5_its *its = dev->private;
	struct vgic_io_device *iodev = &its->iodev;
	struct kvm *kvm = dev->kvm;
	u64 addr;
	int ret;

	if (get_user(addr, uaddr))
		return -EFAULT;

	guard(mutex)(&kvm->slots_lock);

	ret = vgic_check_iorange(kvm, its->base, addr, SZ_64K,
				 KVM_VGIC_V5_ITS_SIZE);
	if (ret)
		return ret;

	iodev->regions = vgic_v5_its_registers;
	iodev->nr_regions = ARRAY_SIZE(vgic_v5_its_registers);
	iodev->base_addr = addr;
	iodev->iodev_type = IODEV_V5_ITS;
	iodev->v5_its = its;
	kvm_iodevice_init(&iodev->dev, &kvm_io_gic_ops);

	ret = kvm_io_bus_register_dev(kvm, KVM_MMIO_BUS, addr,
				      KVM_VGIC_V5_ITS_SIZE, &iodev->dev);
	if (!ret)
		WRITE_ONCE(its->base, addr);
	return ret;
}

static int vgic_v5_its_set_attr(struct kvm_device *dev,
				struct kvm_device_attr *attr)
{
	switch (attr->group) {
	case KVM_DEV_ARM_VGIC_GRP_ADDR:
		if (attr->attr != KVM_VGIC_V5_ADDR_TYPE_ITS)
			return -ENXIO;
		return vgic_v5_its_set_addr(dev, u64_to_user_ptr(attr->addr));
	case KVM_DEV_ARM_VGIC_GRP_CTRL:
		switch (attr->attr) {
		case KVM_DEV_ARM_VGIC_CTRL_INIT:
			/* Nothing to do: the ITS works from its creation */
			return 0;
		case KVM_DEV_ARM_ITS_CTRL_RESET:
			return vgic_v5_its_reset(dev);
		}
		break;
	case KVM_DEV_ARM_VGIC_GRP_ITS_REGS:
		return vgic_v5_its_regs_access(dev, attr, true);
	}

	return -ENXIO;
}

static int vgic_v5_its_get_attr(struct kvm_device *dev,
				struct kvm_device_attr *attr)
{
	struct vgic_v5_its *its = dev->private;

	switch (attr->group) {
	case KVM_DEV_ARM_VGIC_GRP_ADDR:
		if (attr->attr != KVM_VGIC_V5_ADDR_TYPE_ITS)
			return -ENXIO;
		return put_user(READ_ONCE(its->base),
				(u64 __user *)u64_to_user_ptr(attr->addr));
	case KVM_DEV_ARM_VGIC_GRP_ITS_REGS:
		return vgic_v5_its_regs_access(dev, attr, false);
	}

	return -ENXIO;
}

static int vgic_v5_its_has_attr(struct kvm_device *dev,
				struct kvm_device_attr *attr)
{
	unsigned int len;

	switch (attr->group) {
	case KVM_DEV_ARM_VGIC_GRP_ADDR:
		return attr->attr == KVM_VGIC_V5_ADDR_TYPE_ITS ? 0 : -ENXIO;
	case KVM_DEV_ARM_VGIC_GRP_CTRL:
		return attr->attr == KVM_DEV_ARM_VGIC_CTRL_INIT ||
		       attr->attr == KVM_DEV_ARM_ITS_CTRL_RESET ? 0 : -ENXIO;
	case KVM_DEV_ARM_VGIC_GRP_ITS_REGS:
		return PTR_ERR_OR_ZERO(vgic_v5_its_uaccess_region(attr->attr,
								  &len));
	}

	return -ENXIO;
}

/*
 * An ITS needs a GICv5 VGIC, whose IRS holds the LPIs it translates to, on
 * a host whose IRS can give VMs one. It
 * may be created before the vCPUs and before the VGIC is initialised, as
 * kvmtool does.
 */
static int vgic_v5_its_create(struct kvm_device *dev, u32 type)
{
	struct kvm *kvm = dev->kvm;
	struct vgic_v5_its *its;

	guard(mutex)(&kvm->arch.config_lock);

	if (!irqchip_in_kernel(kvm) ||
	    kvm->arch.vgic.vgic_model != KVM_DEV_TYPE_ARM_VGIC_V5 ||
	    !vgic_v5_irs_max_vcpus())
		return -ENODEV;

	its = kzalloc_obj(struct vgic_v5_its, GFP_KERNEL_ACCOUNT);
	if (!its)
		return -ENOMEM;

	mutex_init(&its->lock);
	xa_init(&its->cache);
	its->drop_gp = get_completed_synchronize_srcu();
	its->dev = dev;
	its->base = VGIC_ADDR_UNDEF;
	its->idr1 = ITS_IDR1_DEFAULT;
	its->idr2 = ITS_IDR2_DEFAULT;
	dev->private = its;

	/* MSIs name their DeviceID (KVM_CAP_MSI_DEVID) */
	kvm->arch.vgic.msis_require_devid = true;
	return 0;
}

/*
 * With the VM: no vCPU runs, no irqfd is left, and the MMIO bus is gone
 * (kvm_destroy_vm()), so no MSI can find the ITS any more.
 */
static void vgic_v5_its_destroy(struct kvm_device *dev)
{
	struct vgic_v5_its *its = dev->private;

	xa_destroy(&its->cache);
	kfree(its);
	kfree(dev);
}

static struct kvm_device_ops kvm_arm_vgic_v5_its_ops = {
	.name = "kvm-arm-vgic-v5-its",
	.create = vgic_v5_its_create,
	.destroy = vgic_v5_its_destroy,
	.set_attr = vgic_v5_its_set_attr,
	.get_attr = vgic_v5_its_get_attr,
	.has_attr = vgic_v5_its_has_attr,
};

int kvm_vgic_register_v5_its_device(void)
{
	return kvm_register_device_ops(&kvm_arm_vgic_v5_its_ops,
				       KVM_DEV_TYPE_ARM_VGIC_V5_ITS);
}
