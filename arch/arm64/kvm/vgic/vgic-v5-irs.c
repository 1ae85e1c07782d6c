// SPDX-License-Identifier: GPL-2.0-only
/*
 * GICv5 IRS virtualization: the host IRS's VM table, and for each VM its
 * VM descriptor, VPE table, virtual ISTs and VPE doorbells. The vPE of a
 * vCPU is made resident in the CPU interface on load and non-resident on
 * put, and pending state is injected with GIC VDPEND.
 *
 * The IRS reads these tables from memory and owns their VALID bits: KVM
 * writes an entry, cleans it to the PoC on a non-coherent IRS, and asks
 * the IRS to make it valid with a VMAP command. Memory the IRS may still
 * reference is never freed: when a command does not complete, the VM is
 * marked dead and kept, and freed later once the IRS is idle and the VM
 * table entry is invalid.
 */

#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/cache.h>
#include <linux/cacheflush.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqchip/arm-gic-v5.h>
#include <linux/irqdomain.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <asm/kvm_asm.h>
#include <asm/kvm_hyp.h>

#include <kvm/arm_vgic.h>

#include "vgic.h"

/* A linear VMT is kept to 4096 VMs (128 KiB); a two-level one has no cap. */
#define VGIC_V5_VMT_LINEAR_MAX_ID_BITS	12
/* Without two-level vISTs, a guest gets at most 2^16 LPIs. */
#define VGIC_V5_VIST_LINEAR_MAX_ID_BITS	16
/* SPIs of a VM that never set KVM_DEV_ARM_VGIC_GRP_NR_IRQS */
#define VGIC_V5_IRS_DEFAULT_SPIS	32
/* VPE descriptors: 32-byte aligned whichever VPETE layout the IRS uses. */
#define VGIC_V5_VPED_MIN_SIZE		32
/* VM IDs are 16-bit in every command, VPE_SELR and ICH_CONTEXTR_EL2.VM */
#define VGIC_V5_MAX_VM_ID_BITS		16
/* IMPLEMENTATION DEFINED descriptors larger than 64 KiB are not plausible */
#define VGIC_V5_MAX_DESC_SHIFT		16

/**
 * struct vgic_v5_ist_fmt - layout of a virtual IST in host memory
 * @id_bits:	the IST covers IDs 0 .. 2^id_bits - 1
 * @istsz:	ISTE size, GICV5_IRS_IST_CFGR_ISTSZ_* (4 << istsz bytes)
 * @l2sz:	L2 table size, GICV5_IRS_IST_CFGR_L2SZ_* (two-level only)
 * @l2_bits:	log2 of the ISTEs per L2 table (two-level only)
 * @two_level:	L1 table of L2 table pointers, or one linear table
 * @size:	bytes of the linear or L1 table
 */
struct vgic_v5_ist_fmt {
	unsigned int	id_bits;
	unsigned int	istsz;
	unsigned int	l2sz;
	unsigned int	l2_bits;
	bool		two_level;
	size_t		size;
};

/**
 * struct vgic_v5_ist - a virtual IST of a VM
 * @fmt:	its layout
 * @table:	the linear table or the L1 table
 * @l2:		two-level: the L2 tables, NULL where none is mapped
 * @valid:	made valid in the VM table entry
 */
struct vgic_v5_ist {
	struct vgic_v5_ist_fmt	fmt;
	void			*table;
	void			**l2;
	bool			valid;
};

/**
 * struct vgic_v5_irs_vm - a VM in the host IRS
 * @vm_id:	index in the VM table
 * @has_id:	@vm_id is allocated
 * @dead:	a command did not complete: the IRS may still use our memory
 * @restoring:	the VM table entry is invalid while an IST restore writes
 *		the ISTEs: VDPEND waits (-EAGAIN to its callers)
 * @nr_vpes:	number of vCPUs, i.e. of entries in @vpeds and @db_data,
 *		and of doorbells
 * @nr_spis:	SPIs covered by the SPI IST
 * @vpe_id_bits: the VPE table has 2^vpe_id_bits entries
 * @vmd:	VM descriptor, if the IRS wants one
 * @vpet:	VPE table, indexed by VPE ID (= vcpu_id)
 * @vpeds:	VPE descriptor of each vCPU, by vcpu_idx
 * @vpe_ids:	VPE ID of each vCPU, by vcpu_idx
 * @spi:	SPI IST
 * @lpi:	LPI IST, once the guest has one
 * @lock:	orders VDPEND (atomic context) with LPI IST changes
 * @db_domain:	doorbell IRQ domain, under the host LPI domain
 * @db_virq:	first doorbell Linux IRQ, one per vCPU by vcpu_idx
 * @db_data:	each doorbell's irq_data, by vcpu_idx, for vgic_v5_irs_load();
 *		freed with the doorbells
 * @grave:	on the list of dead VMs waiting for the IRS
 */
struct vgic_v5_irs_vm {
	u16			vm_id;
	bool			has_id;
	bool			dead;
	bool			restoring;
	unsigned int		nr_vpes;
	unsigned int		nr_spis;
	unsigned int		vpe_id_bits;
	void			*vmd;
	__le64			*vpet;
	void			**vpeds;
	u16			*vpe_ids;
	struct vgic_v5_ist	spi;
	struct vgic_v5_ist	lpi;
	raw_spinlock_t		lock;
	struct irq_domain	*db_domain;
	int			db_virq;
	struct irq_data		**db_data;
	struct list_head	grave;
};

/*
 * The host IRS. All commands, the VM table and the VM ID allocator are
 * under @lock: command sequences select, then act, and the VM table is
 * shared by every VM.
 */
static struct {
	void __iomem	*base;
	bool		noncoherent;
	u32		idr[8];
	unsigned int	vm_id_bits;
	bool		vmt_two_level;
	__le64		*vmt;
	size_t		vmt_size;
	void		**vmt_l2;
	unsigned long	*vm_ids;
	struct list_head graveyard;
	struct mutex	lock;		/* commands, VMT, VM IDs */
} v5_irs = {
	.lock = __MUTEX_INITIALIZER(v5_irs.lock),
	.graveyard = LIST_HEAD_INIT(v5_irs.graveyard),
};

/* ------------------------------------------------------------------ */
/* Table layouts (pure functions, see vgic-v5-irs-test.c)              */

/**
 * vgic_v5_ist_fmt() - choose the layout of a virtual IST
 * @idr2:	the host IRS_IDR2
 * @id_bits:	ID bits the IST must cover
 * @two_level_ok: a two-level table may be used
 * @fmt:	filled in
 *
 * The ISTE size follows the host's metadata needs, a two-level table is
 * used only if one L2 table cannot cover the space, with the smallest L2
 * size the host supports (memory then grows in the smallest steps).
 */
static void vgic_v5_ist_fmt(u32 idr2, unsigned int id_bits, bool two_level_ok,
			    struct vgic_v5_ist_fmt *fmt)
{
	unsigned int l1_bits;

	memset(fmt, 0, sizeof(*fmt));
	fmt->id_bits = id_bits;

	if (!FIELD_GET(GICV5_IRS_IDR2_ISTMD, idr2))
		fmt->istsz = GICV5_IRS_IST_CFGR_ISTSZ_4;
	else if (id_bits < FIELD_GET(GICV5_IRS_IDR2_ISTMD_SZ, idr2))
		fmt->istsz = GICV5_IRS_IST_CFGR_ISTSZ_8;
	else
		fmt->istsz = GICV5_IRS_IST_CFGR_ISTSZ_16;

	if (two_level_ok && FIELD_GET(GICV5_IRS_IDR2_IST_LEVELS, idr2)) {
		if (GICV5_IRS_IST_L2SZ_SUPPORT_4KB(idr2))
			fmt->l2sz = GICV5_IRS_IST_CFGR_L2SZ_4K;
		else if (GICV5_IRS_IST_L2SZ_SUPPORT_16KB(idr2))
			fmt->l2sz = GICV5_IRS_IST_CFGR_L2SZ_16K;
		else
			fmt->l2sz = GICV5_IRS_IST_CFGR_L2SZ_64K;
		fmt->l2_bits = (10 - fmt->istsz) + 2 * fmt->l2sz;
		fmt->two_level = id_bits > fmt->l2_bits;
	}

	if (fmt->two_level) {
		l1_bits = id_bits - fmt->l2_bits;
		fmt->size = max_t(size_t, 64, GICV5_ISTL1E_SIZE << l1_bits);
	} else {
		fmt->l2sz = 0;
		fmt->l2_bits = 0;
		fmt->size = max_t(size_t, 64, (4UL << fmt->istsz) << id_bits);
	}
}

/* Bytes of one L2 table of a two-level IST. */
static size_t vgic_v5_ist_l2_size(const struct vgic_v5_ist_fmt *fmt)
{
	return SZ_4K << (2 * fmt->l2sz);
}

/* Number of L1 entries of a two-level IST. */
static unsigned int vgic_v5_ist_nr_l1(const struct vgic_v5_ist_fmt *fmt)
{
	return 1U << (fmt->id_bits - fmt->l2_bits);
}

/* The vIST descriptor of a VM table entry (word 2 or 3), without VALID. */
static u64 vgic_v5_vistd(const struct vgic_v5_ist_fmt *fmt, phys_addr_t pa)
{
	return FIELD_PREP(GICV5_VISTD_ID_BITS, fmt->id_bits)		|
	       FIELD_PREP(GICV5_VISTD_STRUCTURE, fmt->two_level)	|
	       FIELD_PREP(GICV5_VISTD_ISTSZ, fmt->istsz)		|
	       (pa & GICV5_VISTD_ADDR_MASK)				|
	       FIELD_PREP(GICV5_VISTD_L2SZ, fmt->l2sz);
}

/* VPE ID bits of a VM whose highest vcpu_id is @max_vcpu_id (at least 1). */
static unsigned int vgic_v5_vpe_id_bits(unsigned int max_vcpu_id)
{
	return max(1U, order_base_2(max_vcpu_id + 1));
}

/* VM table entry word 1: the VPE table and its size. */
static u64 vgic_v5_vmte_w1(phys_addr_t vpet_pa, unsigned int vpe_id_bits)
{
	return (vpet_pa & GICV5_VMTE_W1_VPET_ADDR_MASK) |
	       FIELD_PREP(GICV5_VMTE_W1_VPE_ID_BITS, vpe_id_bits);
}

/*
 * ICH_CONTEXTR_EL2 doorbell request for a vPE going non-resident while its
 * vCPU blocks: wake for an interrupt that the guest could take now, i.e.
 * of a priority above both its running priority and its priority mask.
 */
static u64 vgic_v5_db_request(u64 vmcr, u64 apr)
{
	unsigned int active, mask;

	if (!FIELD_GET(FEAT_GCIE_ICH_VMCR_EL2_EN, vmcr))
		return 0;

	active = (apr & GENMASK(31, 0)) ? __ffs(apr) : 32;
	mask = min_t(unsigned int, active,
		     FIELD_GET(FEAT_GCIE_ICH_VMCR_EL2_VPMR, vmcr) + 1);
	if (!mask)
		return 0;

	return ICH_CONTEXTR_EL2_DB | FIELD_PREP(ICH_CONTEXTR_EL2_DBPM, mask - 1);
}

/* Bytes of a VPE descriptor. */
static size_t vgic_v5_vped_size(void)
{
	return max_t(size_t, VGIC_V5_VPED_MIN_SIZE,
		     BIT(FIELD_GET(GICV5_IRS_IDR4_VPED_SZ, v5_irs.idr[4])));
}

/* ------------------------------------------------------------------ */
/* Memory and commands                                                 */

/*
 * IRS tables are allocated naturally aligned to their power-of-two size
 * (at least 64 bytes), which meets every alignment rule of the tables. On
 * a non-coherent IRS they also fill whole cache writeback granules, so
 * that no other data shares a line with memory the IRS reads or writes:
 * cleaning or invalidating that line would overwrite one or the other.
 */
static size_t irs_table_bytes(size_t size)
{
	size_t min = 64;

	if (v5_irs.noncoherent)
		min = max_t(size_t, min, cache_line_size());

	return roundup_pow_of_two(max(size, min));
}

static void *irs_table_alloc(size_t size, gfp_t gfp)
{
	size = irs_table_bytes(size);
	if (size < PAGE_SIZE)
		return kzalloc(size, gfp);

	return (void *)__get_free_pages(gfp | __GFP_ZERO, get_order(size));
}

static void irs_table_free(void *p, size_t size)
{
	if (!p)
		return;

	size = irs_table_bytes(size);
	if (size < PAGE_SIZE)
		kfree(p);
	else
		free_pages((unsigned long)p, get_order(size));
}

/* Make CPU writes to IRS-read memory visible to the IRS. */
static void irs_flush(void *p, size_t size)
{
	if (v5_irs.noncoherent)
		dcache_clean_inval_poc((unsigned long)p, (unsigned long)p + size);
	else
		dsb(ishst);
}

/* Drop stale cache lines before the CPU reads IRS-written memory. */
static void irs_inval(void *p, size_t size)
{
	if (v5_irs.noncoherent)
		dcache_inval_poc((unsigned long)p, (unsigned long)p + size);
}

/* Update one 64-bit entry, next to entries the IRS may have written. */
static void irs_write_entry(__le64 *entry, u64 val)
{
	irs_inval(entry, sizeof(*entry));
	WRITE_ONCE(*entry, cpu_to_le64(val));
	irs_flush(entry, sizeof(*entry));
}

static u64 irs_read_entry(__le64 *entry)
{
	irs_inval(entry, sizeof(*entry));
	return le64_to_cpu(READ_ONCE(*entry));
}

static int irs_wait_vmt(void)
{
	return gicv5_wait_for_op_atomic(v5_irs.base, GICV5_IRS_VMT_STATUSR,
					GICV5_IRS_VMT_STATUSR_IDLE, NULL);
}

static int irs_wait_vpe(u32 *status)
{
	return gicv5_wait_for_op_atomic(v5_irs.base, GICV5_IRS_VPE_STATUSR,
					GICV5_IRS_VPE_STATUSR_IDLE, status);
}

static int irs_wait_save(u32 *status)
{
	return gicv5_wait_for_op_atomic(v5_irs.base, GICV5_IRS_SAVE_VM_STATUSR,
					GICV5_IRS_SAVE_VM_STATUSR_IDLE, status);
}

/* A VM table command: wait for IDLE, write, wait for IDLE again. */
static int irs_vmt_cmd(u32 reg, u64 val)
{
	int ret;

	lockdep_assert_held(&v5_irs.lock);

	ret = irs_wait_vmt();
	if (ret)
		return ret;

	writeq_relaxed(val, v5_irs.base + reg);

	return irs_wait_vmt();
}

/*
 * A VPE command: VPE_SELR, VPE_CR0 or VPE_DBR of the selected VPE. @status
 * (may be NULL) gets VPE_STATUSR once the command completed.
 */
static int irs_vpe_cmd(u32 reg, u64 val, bool is64, u32 *status)
{
	int ret;

	lockdep_assert_held(&v5_irs.lock);

	ret = irs_wait_vpe(NULL);
	if (ret)
		return ret;

	if (is64)
		writeq_relaxed(val, v5_irs.base + reg);
	else
		writel_relaxed(val, v5_irs.base + reg);

	return irs_wait_vpe(status);
}

/*
 * A VMAP command that completed must have made @entry valid (map) or
 * invalid (unmap). If it did not, the IRS is in an unknown state, as after
 * a timeout: -EIO, and the caller keeps what the IRS may still use.
 */
static int irs_vmap_check(__le64 *entry, u64 valid, bool unmap)
{
	return !!(irs_read_entry(entry) & valid) == !unmap ? 0 : -EIO;
}

/* The VM table entry of @vm_id, NULL if its two-level L2 table is missing. */
static __le64 *irs_vmte(u16 vm_id)
{
	void *l2;

	if (!v5_irs.vmt_two_level)
		return v5_irs.vmt + vm_id * (GICV5_VMTE_SIZE / sizeof(__le64));

	l2 = v5_irs.vmt_l2[vm_id >> GICV5_VMTL2_VM_ID_BITS];
	if (!l2)
		return NULL;

	return l2 + (vm_id & GENMASK(GICV5_VMTL2_VM_ID_BITS - 1, 0)) * GICV5_VMTE_SIZE;
}

static int irs_vmap_vm(u16 vm_id, bool unmap)
{
	int ret;

	ret = irs_vmt_cmd(GICV5_IRS_VMAP_VMR, GICV5_IRS_VMAP_VMR_M		|
			  FIELD_PREP(GICV5_IRS_VMAP_VMR_U, unmap)		|
			  FIELD_PREP(GICV5_IRS_VMAP_VMR_VM_ID, vm_id));

	return ret ?: irs_vmap_check(&irs_vmte(vm_id)[0], GICV5_VMTE_W0_VALID, unmap);
}

static int irs_vmap_vist(u16 vm_id, u8 type, bool unmap)
{
	unsigned int word = type == GICV5_HWIRQ_TYPE_LPI ?
			    GICV5_VMTE_LPI_VIST_WORD : GICV5_VMTE_SPI_VIST_WORD;
	int ret;

	ret = irs_vmt_cmd(GICV5_IRS_VMAP_VISTR, GICV5_IRS_VMAP_VISTR_M		|
			  FIELD_PREP(GICV5_IRS_VMAP_VISTR_U, unmap)		|
			  FIELD_PREP(GICV5_IRS_VMAP_VISTR_VM_ID, vm_id)		|
			  FIELD_PREP(GICV5_IRS_VMAP_VISTR_TYPE, type));

	return ret ?: irs_vmap_check(&irs_vmte(vm_id)[word], GICV5_VISTD_VALID, unmap);
}

/* ------------------------------------------------------------------ */
/* The VM table                                                        */

/*
 * Two-level VMT: the L2 table holding @vm_id's entry, allocated and mapped
 * on first use. L2 tables stay mapped for the life of the host: there is
 * no known command that unmaps one.
 */
static int irs_vmt_map_l2(u16 vm_id)
{
	unsigned int idx = vm_id >> GICV5_VMTL2_VM_ID_BITS;
	__le64 *l1e = &v5_irs.vmt[idx];
	void *l2 = v5_irs.vmt_l2[idx];
	int ret;

	lockdep_assert_held(&v5_irs.lock);

	if (l2) {
		/* A late VMAP_L2_VMTR of a dead VM may still set VALID */
		ret = irs_wait_vmt();
		if (ret)
			return ret;
		if (irs_read_entry(l1e) & GICV5_VMTL1E_VALID)
			return 0;
	} else {
		l2 = irs_table_alloc(GICV5_VMTL2_SIZE, GFP_KERNEL);
		if (!l2)
			return -ENOMEM;
		irs_flush(l2, GICV5_VMTL2_SIZE);
		v5_irs.vmt_l2[idx] = l2;
		irs_write_entry(l1e, virt_to_phys(l2) & GICV5_VMTL1E_L2_ADDR_MASK);
	}

	ret = irs_vmt_cmd(GICV5_IRS_VMAP_L2_VMTR, GICV5_IRS_VMAP_L2_VMTR_M |
			  FIELD_PREP(GICV5_IRS_VMAP_L2_VMTR_VM_ID, vm_id));
	if (ret)
		return ret;

	if (!(irs_read_entry(l1e) & GICV5_VMTL1E_VALID))
		return -EIO;

	return 0;
}

static int irs_vm_id_alloc(struct vgic_v5_irs_vm *vm)
{
	unsigned long id;

	lockdep_assert_held(&v5_irs.lock);

	id = find_first_zero_bit(v5_irs.vm_ids, BIT(v5_irs.vm_id_bits));
	if (id >= BIT(v5_irs.vm_id_bits))
		return -ENOSPC;

	__set_bit(id, v5_irs.vm_ids);
	vm->vm_id = id;
	vm->has_id = true;

	return 0;
}

/* ------------------------------------------------------------------ */
/* Virtual ISTs                                                        */

static int irs_ist_alloc_l2(struct vgic_v5_ist *ist, unsigned int idx, gfp_t gfp)
{
	size_t size = vgic_v5_ist_l2_size(&ist->fmt);

	ist->l2[idx] = irs_table_alloc(size, gfp);
	if (!ist->l2[idx])
		return -ENOMEM;

	irs_flush(ist->l2[idx], size);

	return 0;
}

static void irs_ist_free(struct vgic_v5_ist *ist)
{
	unsigned int i;

	if (ist->l2) {
		/* Up to 2^16 L2 tables */
		for (i = 0; i < vgic_v5_ist_nr_l1(&ist->fmt); i++) {
			irs_table_free(ist->l2[i], vgic_v5_ist_l2_size(&ist->fmt));
			cond_resched();
		}
		kvfree(ist->l2);
	}
	irs_table_free(ist->table, ist->fmt.size);
	memset(ist, 0, sizeof(*ist));
}

/*
 * Allocate a virtual IST. Unless @on_demand, every L2 table of a two-level
 * IST is allocated now and its L1 entry written valid (allowed while the
 * IST is not yet valid); otherwise L2 tables come with irs_ist_map_l2().
 */
static int irs_ist_alloc(struct vgic_v5_ist *ist, unsigned int id_bits,
			 bool two_level_ok, bool on_demand)
{
	__le64 *l1;
	unsigned int i;
	int ret;

	vgic_v5_ist_fmt(v5_irs.idr[2], id_bits, two_level_ok, &ist->fmt);

	ist->table = irs_table_alloc(ist->fmt.size, GFP_KERNEL_ACCOUNT);
	if (!ist->table)
		return -ENOMEM;

	if (ist->fmt.two_level) {
		ist->l2 = kvcalloc(vgic_v5_ist_nr_l1(&ist->fmt), sizeof(void *),
				   GFP_KERNEL_ACCOUNT);
		if (!ist->l2)
			goto out_nomem;
	}

	if (ist->fmt.two_level && !on_demand) {
		l1 = ist->table;
		for (i = 0; i < vgic_v5_ist_nr_l1(&ist->fmt); i++) {
			ret = irs_ist_alloc_l2(ist, i, GFP_KERNEL_ACCOUNT);
			if (ret)
				goto out_nomem;
			l1[i] = cpu_to_le64((virt_to_phys(ist->l2[i]) &
					     GICV5_ISTL1E_L2_ADDR_MASK) |
					    GICV5_ISTL1E_VALID);
			cond_resched();
		}
	}

	irs_flush(ist->table, ist->fmt.size);

	return 0;

out_nomem:
	irs_ist_free(ist);
	return -ENOMEM;
}

/* Write a VM's vIST descriptor and make it valid (the VMTE must be valid). */
static int irs_ist_map(struct vgic_v5_irs_vm *vm, struct vgic_v5_ist *ist, u8 type)
{
	unsigned int word = type == GICV5_HWIRQ_TYPE_LPI ?
			    GICV5_VMTE_LPI_VIST_WORD : GICV5_VMTE_SPI_VIST_WORD;
	__le64 *vmte = irs_vmte(vm->vm_id);
	int ret;

	irs_write_entry(&vmte[word], vgic_v5_vistd(&ist->fmt,
						   virt_to_phys(ist->table)));

	ret = irs_vmap_vist(vm->vm_id, type, false);
	if (ret)
		return ret;

	scoped_guard(raw_spinlock_irqsave, &vm->lock)
		ist->valid = true;

	return 0;
}

/* ------------------------------------------------------------------ */
/* VM teardown                                                         */

static void irs_free_doorbells(struct vgic_v5_irs_vm *vm)
{
	if (vm->db_virq > 0)
		irq_domain_free_irqs(vm->db_virq, vm->nr_vpes);
	vm->db_virq = 0;

	if (vm->db_domain)
		irq_domain_remove(vm->db_domain);
	vm->db_domain = NULL;

	kfree(vm->db_data);
	vm->db_data = NULL;
}

static void irs_free_vm(struct vgic_v5_irs_vm *vm)
{
	unsigned int i;
	__le64 *vmte;

	irs_free_doorbells(vm);
	irs_ist_free(&vm->lpi);
	irs_ist_free(&vm->spi);

	if (vm->vpeds) {
		for (i = 0; i < vm->nr_vpes; i++)
			irs_table_free(vm->vpeds[i], vgic_v5_vped_size());
		kfree(vm->vpeds);
	}
	kfree(vm->vpe_ids);
	irs_table_free(vm->vpet, GICV5_VPETE_SIZE << vm->vpe_id_bits);
	irs_table_free(vm->vmd, BIT(FIELD_GET(GICV5_IRS_IDR3_VMD_SZ, v5_irs.idr[3])));

	if (vm->has_id) {
		/* The VM table and the VM IDs are shared by all VMs */
		lockdep_assert_held(&v5_irs.lock);
		vmte = irs_vmte(vm->vm_id);
		if (vmte) {
			memset(vmte, 0, GICV5_VMTE_SIZE);
			irs_flush(vmte, GICV5_VMTE_SIZE);
		}
		__clear_bit(vm->vm_id, v5_irs.vm_ids);
	}

	kfree(vm);
}

/*
 * Take a VM out of the IRS and free it: only once the IRS is idle and the
 * VM table entry is invalid can nothing reference the VM's memory.
 * Returns 0 if freed, or the error that keeps the VM alive.
 */
static int irs_release_vm(struct vgic_v5_irs_vm *vm)
{
	unsigned int i;
	__le64 *vmte;
	int ret;

	lockdep_assert_held(&v5_irs.lock);

	vmte = vm->has_id ? irs_vmte(vm->vm_id) : NULL;
	if (vmte) {
		/*
		 * No VM table, VPE or VM save command of ours may be in
		 * flight: a SAVE_VMR that timed out may still write the VM's
		 * ISTs back, and must complete before they are freed.
		 */
		ret = irs_wait_vmt() ?: irs_wait_vpe(NULL) ?: irs_wait_save(NULL);
		if (ret)
			return ret;

		if (irs_read_entry(&vmte[0]) & GICV5_VMTE_W0_VALID) {
			ret = irs_vmap_vm(vm->vm_id, true);
			if (ret)
				return ret;
		}

		/* The VPE table is unreachable now */
		if (vm->vpet) {
			for (i = 0; i < BIT(vm->vpe_id_bits); i++)
				vm->vpet[i] = 0;
			irs_flush(vm->vpet, GICV5_VPETE_SIZE << vm->vpe_id_bits);
		}
	}

	irs_free_vm(vm);

	return 0;
}

/* Free the dead VMs the IRS has let go of since they died. */
static void irs_reap(void)
{
	struct vgic_v5_irs_vm *vm, *tmp;

	lockdep_assert_held(&v5_irs.lock);

	list_for_each_entry_safe(vm, tmp, &v5_irs.graveyard, grave) {
		list_del(&vm->grave);
		if (irs_release_vm(vm)) {
			list_add(&vm->grave, &v5_irs.graveyard);
			return;
		}
	}
}

/* Release a VM, or keep it (and its VM ID) until the IRS lets go of it. */
static void irs_destroy_vm_locked(struct vgic_v5_irs_vm *vm)
{
	int ret;

	lockdep_assert_held(&v5_irs.lock);

	ret = irs_release_vm(vm);
	if (!ret)
		return;

	kvm_err("GICv5 IRS: VM %u not released (%d), keeping its memory\n",
		vm->vm_id, ret);
	vm->dead = true;
	list_add_tail(&vm->grave, &v5_irs.graveyard);
}

/**
 * irs_vm_kill() - Stop a VM the IRS failed
 * @kvm:	the VM
 * @vm:		its IRS state
 *
 * The IRS did not complete a command for the VM: it may still use the
 * VM's memory, which is kept until it is idle (@vm->dead), and the VM
 * would run with dropped interrupts. As kvm_vm_dead(), every vCPU stops
 * and KVM_RUN returns -EIO, but without the IPI wait, so that it can be
 * called from vcpu_load() (the preempt notifiers) too. A vCPU blocked in
 * WFI is woken (KVM_REQ_UNBLOCK) to leave as well.
 */
static void irs_vm_kill(struct kvm *kvm, struct vgic_v5_irs_vm *vm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	WRITE_ONCE(vm->dead, true);
	WRITE_ONCE(kvm->vm_dead, true);
	kvm_for_each_vcpu(i, vcpu, kvm) {
		kvm_make_request(KVM_REQ_VM_DEAD, vcpu);
		kvm_make_request(KVM_REQ_UNBLOCK, vcpu);
		kvm_vcpu_kick(vcpu);
	}
}

/* ------------------------------------------------------------------ */
/* VM creation                                                         */

static irqreturn_t vgic_v5_doorbell_handler(int irq, void *data)
{
	struct kvm_vcpu *vcpu = data;

	WRITE_ONCE(vcpu->arch.vgic_cpu.vgic_v5.db_pending, true);
	kvm_make_request(KVM_REQ_IRQ_PENDING, vcpu);
	kvm_vcpu_kick(vcpu);

	return IRQ_HANDLED;
}

static struct irq_chip vgic_v5_doorbell_chip = {
	.name			= "GICv5-vPE-DB",
	.irq_mask		= irq_chip_mask_parent,
	.irq_unmask		= irq_chip_unmask_parent,
	.irq_eoi		= irq_chip_eoi_parent,
	.irq_set_affinity	= irq_chip_set_affinity_parent,
	.irq_get_irqchip_state	= irq_chip_get_parent_state,
	.irq_set_irqchip_state	= irq_chip_set_parent_state,
};

static int vgic_v5_doorbell_alloc(struct irq_domain *domain, unsigned int virq,
				  unsigned int nr_irqs, void *arg)
{
	unsigned int i;
	int ret;

	ret = irq_domain_alloc_irqs_parent(domain, virq, nr_irqs, arg);
	if (ret)
		return ret;

	for (i = 0; i < nr_irqs; i++)
		irq_domain_set_hwirq_and_chip(domain, virq + i, i,
					      &vgic_v5_doorbell_chip, NULL);

	return 0;
}

static const struct irq_domain_ops vgic_v5_doorbell_domain_ops = {
	.alloc	= vgic_v5_doorbell_alloc,
	.free	= irq_domain_free_irqs_common,
};

/* The host LPI ID behind a doorbell, for VPE_DBR.INTID. */
static u32 vgic_v5_doorbell_lpi(int virq)
{
	return irq_get_irq_data(virq)->parent_data->hwirq;
}

/* One doorbell per vCPU, from a domain of the VM's own under the LPIs. */
static int irs_alloc_doorbells(struct kvm *kvm, struct vgic_v5_irs_vm *vm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;
	int ret;

	vm->db_domain = irq_domain_create_hierarchy(gicv5_global_data.lpi_domain,
						    0, vm->nr_vpes, NULL,
						    &vgic_v5_doorbell_domain_ops,
						    kvm);
	if (!vm->db_domain)
		return -ENOMEM;

	ret = irq_domain_alloc_irqs(vm->db_domain, vm->nr_vpes, NUMA_NO_NODE, NULL);
	if (ret <= 0)
		return ret ? ret : -ENOMEM;
	vm->db_virq = ret;

	vm->db_data = kcalloc(vm->nr_vpes, sizeof(*vm->db_data), GFP_KERNEL_ACCOUNT);
	if (!vm->db_data)
		return -ENOMEM;

	/* On failure, the caller frees the ones requested so far */
	kvm_for_each_vcpu(i, vcpu, kvm) {
		ret = request_irq(vm->db_virq + i, vgic_v5_doorbell_handler, 0,
				  "vcpu-db", vcpu);
		if (ret)
			return ret;
		vcpu->arch.vgic_cpu.vgic_v5.db_irq = vm->db_virq + i;
		vm->db_data[i] = irq_get_irq_data(vm->db_virq + i);
	}

	return 0;
}

static void irs_release_doorbells(struct kvm *kvm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_for_each_vcpu(i, vcpu, kvm) {
		if (!vcpu->arch.vgic_cpu.vgic_v5.db_irq)
			continue;
		free_irq(vcpu->arch.vgic_cpu.vgic_v5.db_irq, vcpu);
		vcpu->arch.vgic_cpu.vgic_v5.db_irq = 0;
	}
}

/* The VM's tables, not yet known to the IRS. */
static int irs_alloc_tables(struct kvm *kvm, struct vgic_v5_irs_vm *vm)
{
	unsigned int max_vcpu_id = 0;
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_for_each_vcpu(i, vcpu, kvm)
		max_vcpu_id = max_t(unsigned int, max_vcpu_id, vcpu->vcpu_id);
	vm->vpe_id_bits = vgic_v5_vpe_id_bits(max_vcpu_id);

	if (FIELD_GET(GICV5_IRS_IDR3_VMD, v5_irs.idr[3])) {
		size_t size = BIT(FIELD_GET(GICV5_IRS_IDR3_VMD_SZ, v5_irs.idr[3]));

		vm->vmd = irs_table_alloc(size, GFP_KERNEL_ACCOUNT);
		if (!vm->vmd)
			return -ENOMEM;
		irs_flush(vm->vmd, size);
	}

	vm->vpet = irs_table_alloc(GICV5_VPETE_SIZE << vm->vpe_id_bits,
				   GFP_KERNEL_ACCOUNT);
	vm->vpeds = kcalloc(vm->nr_vpes, sizeof(*vm->vpeds), GFP_KERNEL_ACCOUNT);
	vm->vpe_ids = kcalloc(vm->nr_vpes, sizeof(*vm->vpe_ids), GFP_KERNEL_ACCOUNT);
	if (!vm->vpet || !vm->vpeds || !vm->vpe_ids)
		return -ENOMEM;

	kvm_for_each_vcpu(i, vcpu, kvm) {
		vm->vpeds[i] = irs_table_alloc(vgic_v5_vped_size(), GFP_KERNEL_ACCOUNT);
		if (!vm->vpeds[i])
			return -ENOMEM;
		irs_flush(vm->vpeds[i], vgic_v5_vped_size());
		vm->vpe_ids[i] = vcpu->vcpu_id;
		vm->vpet[vcpu->vcpu_id] = cpu_to_le64(virt_to_phys(vm->vpeds[i]) &
						      GICV5_VPETE_VPED_ADDR_MASK);
	}
	irs_flush(vm->vpet, GICV5_VPETE_SIZE << vm->vpe_id_bits);

	/* The SPI IST: linear, 2^n >= nr_spis entries */
	return irs_ist_alloc(&vm->spi, order_base_2(vm->nr_spis), false, false);
}

/* Make a vPE valid, targeted-only, with its doorbell. */
static int irs_map_vpe(struct vgic_v5_irs_vm *vm, unsigned int idx)
{
	u16 vpe_id = vm->vpe_ids[idx];
	u32 status;
	int ret;

	ret = irs_vmt_cmd(GICV5_IRS_VMAP_VPER, GICV5_IRS_VMAP_VPER_M		|
			  FIELD_PREP(GICV5_IRS_VMAP_VPER_VM_ID, vm->vm_id)	|
			  FIELD_PREP(GICV5_IRS_VMAP_VPER_VPE_ID, vpe_id));
	if (!ret)
		ret = irs_vmap_check(&vm->vpet[vpe_id], GICV5_VPETE_VALID, false);
	if (ret)
		return ret;

	ret = irs_vpe_cmd(GICV5_IRS_VPE_SELR, GICV5_IRS_VPE_SELR_S		|
			  FIELD_PREP(GICV5_IRS_VPE_SELR_VPE_ID, vpe_id)		|
			  FIELD_PREP(GICV5_IRS_VPE_SELR_VM_ID, vm->vm_id),
			  true, &status);
	if (ret)
		return ret;
	if (!(status & GICV5_IRS_VPE_STATUSR_V))
		return -EINVAL;

	ret = irs_vpe_cmd(GICV5_IRS_VPE_CR0, GICV5_IRS_VPE_CR0_DPS, false, NULL);
	if (ret)
		return ret;

	return irs_vpe_cmd(GICV5_IRS_VPE_DBR, GICV5_IRS_VPE_DBR_DBV |
			   FIELD_PREP(GICV5_IRS_VPE_DBR_INTID,
				      vgic_v5_doorbell_lpi(vm->db_virq + idx)),
			   true, NULL);
}

/* Put the VM in the VM table, then its vPEs and SPI IST. */
static int irs_map_vm(struct vgic_v5_irs_vm *vm)
{
	unsigned int i;
	__le64 *vmte;
	int ret;

	lockdep_assert_held(&v5_irs.lock);

	if (v5_irs.vmt_two_level) {
		ret = irs_vmt_map_l2(vm->vm_id);
		if (ret)
			return ret;
	}

	vmte = irs_vmte(vm->vm_id);
	if (irs_read_entry(&vmte[0]) & GICV5_VMTE_W0_VALID)
		return -EBUSY;

	memset(vmte, 0, GICV5_VMTE_SIZE);
	vmte[0] = cpu_to_le64(vm->vmd ? virt_to_phys(vm->vmd) &
			      GICV5_VMTE_W0_VMD_ADDR_MASK : 0);
	vmte[1] = cpu_to_le64(vgic_v5_vmte_w1(virt_to_phys(vm->vpet),
					      vm->vpe_id_bits));
	irs_flush(vmte, GICV5_VMTE_SIZE);

	ret = irs_vmap_vm(vm->vm_id, false);
	if (ret)
		return ret;

	for (i = 0; i < vm->nr_vpes; i++) {
		ret = irs_map_vpe(vm, i);
		if (ret)
			return ret;
	}

	return irs_ist_map(vm, &vm->spi, GICV5_HWIRQ_TYPE_SPI);
}

/**
 * vgic_v5_irs_init_vm() - Create the VM's state in the host IRS
 * @kvm:	the VM, at CTRL_INIT, with all its vCPUs and nr_spis fixed
 *
 * Allocates a VM ID, the VM descriptor, the VPE table with a descriptor
 * and a doorbell per vCPU, and the SPI IST, and makes them valid in the
 * IRS. On failure everything is undone.
 *
 * Return: 0, -ENODEV without an IRS, -ENOSPC when the VM table is full,
 * -ENOMEM, -ETIMEDOUT if the IRS does not complete a command, or -EINVAL
 * (-EIO, -EBUSY) if the IRS rejects the VM.
 */
int vgic_v5_irs_init_vm(struct kvm *kvm)
{
	struct vgic_v5_vm *v5 = &kvm->arch.vgic.gicv5_vm;
	struct vgic_v5_irs_vm *vm;
	int ret;

	lockdep_assert_held(&kvm->arch.config_lock);

	if (v5->irs)
		return 0;
	if (!v5_irs.base)
		return -ENODEV;

	vm = kzalloc_obj(*vm, GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;

	raw_spin_lock_init(&vm->lock);
	INIT_LIST_HEAD(&vm->grave);
	vm->nr_vpes = atomic_read(&kvm->online_vcpus);
	vm->nr_spis = kvm->arch.vgic.nr_spis ?: VGIC_V5_IRS_DEFAULT_SPIS;

	ret = irs_alloc_tables(kvm, vm);
	if (!ret)
		ret = irs_alloc_doorbells(kvm, vm);
	if (ret)
		goto out_free;

	scoped_guard(mutex, &v5_irs.lock) {
		irs_reap();

		ret = irs_vm_id_alloc(vm);
		if (!ret)
			ret = irs_map_vm(vm);
		if (ret) {
			irs_release_doorbells(kvm);
			irs_destroy_vm_locked(vm);
			return ret;
		}
	}

	v5->irs = vm;

	return 0;

out_free:
	irs_release_doorbells(kvm);
	irs_free_vm(vm);
	return ret;
}

/**
 * vgic_v5_irs_destroy_vm() - Take the VM out of the host IRS
 * @kvm:	the VM, with no vCPU loaded
 */
void vgic_v5_irs_destroy_vm(struct kvm *kvm)
{
	struct vgic_v5_irs_vm *vm = kvm->arch.vgic.gicv5_vm.irs;

	if (!vm)
		return;

	kvm->arch.vgic.gicv5_vm.irs = NULL;
	irs_release_doorbells(kvm);

	guard(mutex)(&v5_irs.lock);
	irs_destroy_vm_locked(vm);
}

/* ------------------------------------------------------------------ */
/* LPI IST                                                             */

/* Make @ist the VM's LPI vIST, unless it has one. */
static int irs_lpi_ist_install(struct kvm *kvm, struct vgic_v5_irs_vm *vm,
			       struct vgic_v5_ist *ist)
{
	int ret;

	guard(mutex)(&v5_irs.lock);

	if (vm->dead)
		return -ENXIO;
	if (vm->lpi.table)
		return -EBUSY;

	/* Published before it is valid: VDPEND only looks once it is */
	vm->lpi = *ist;

	ret = irs_ist_map(vm, &vm->lpi, GICV5_HWIRQ_TYPE_LPI);
	if (ret == -ETIMEDOUT || ret == -EIO)
		irs_vm_kill(kvm, vm);
	else if (ret)
		memset(&vm->lpi, 0, sizeof(vm->lpi));

	return ret;
}

/**
 * vgic_v5_irs_map_lpi_ist() - Give the VM an LPI IST in the host IRS
 * @kvm:	the VM
 * @id_bits:	LPI ID bits of the guest's IST
 * @on_demand:	back only what vgic_v5_irs_map_lpi_range() asks for
 *
 * The vIST is allocated, zeroed and cleaned before the host IRS lock is
 * taken: only the commands that make it valid run under it.
 *
 * Return: 0, -ENXIO without IRS state, -EBUSY if there already is one,
 * -E2BIG beyond vgic_v5_irs_max_lpi_id_bits(), -ENOMEM, -ETIMEDOUT.
 */
int vgic_v5_irs_map_lpi_ist(struct kvm *kvm, unsigned int id_bits,
			    bool on_demand)
{
	struct vgic_v5_irs_vm *vm = kvm->arch.vgic.gicv5_vm.irs;
	struct vgic_v5_ist ist = {};
	int ret;

	if (!vm || vm->dead)
		return -ENXIO;
	if (!id_bits || id_bits > vgic_v5_irs_max_lpi_id_bits())
		return -E2BIG;

	ret = irs_ist_alloc(&ist, id_bits, true, on_demand);
	if (ret)
		return ret;

	ret = irs_lpi_ist_install(kvm, vm, &ist);
	/* If the IRS may use it (-ETIMEDOUT, -EIO), it dies with the VM */
	if (ret && ret != -ETIMEDOUT && ret != -EIO)
		irs_ist_free(&ist);

	return ret;
}

/*
 * Back L2 table @idx of the VM's two-level LPI vIST: write its L1 entry and
 * have the IRS make it valid. The L2 table is published for VDPEND only if
 * the IRS made it valid; if the IRS completed the command without doing so,
 * it does not reference the table, which is freed. If the command did not
 * complete, the IRS may still use it: the VM is dead and keeps it.
 */
static int irs_lpi_map_l2(struct kvm *kvm, struct vgic_v5_irs_vm *vm,
			  unsigned int idx)
{
	struct vgic_v5_ist *ist = &vm->lpi;
	size_t size = vgic_v5_ist_l2_size(&ist->fmt);
	__le64 *l1e = (__le64 *)ist->table + idx;
	void *l2;
	int ret;

	lockdep_assert_held(&v5_irs.lock);

	l2 = irs_table_alloc(size, GFP_KERNEL_ACCOUNT);
	if (!l2)
		return -ENOMEM;
	irs_flush(l2, size);
	irs_write_entry(l1e, virt_to_phys(l2) & GICV5_ISTL1E_L2_ADDR_MASK);

	ret = irs_vmt_cmd(GICV5_IRS_VMAP_L2_VISTR,
			  GICV5_IRS_VMAP_L2_VISTR_M				|
			  FIELD_PREP(GICV5_IRS_VMAP_L2_VISTR_VM_ID, vm->vm_id)	|
			  FIELD_PREP(GICV5_IRS_VMAP_L2_VISTR_TYPE,
				     GICV5_HWIRQ_TYPE_LPI)			|
			  FIELD_PREP(GICV5_IRS_VMAP_L2_VISTR_ID,
				     idx << ist->fmt.l2_bits));
	if (ret) {
		/* The IRS may use it: it is freed with the dead VM */
		scoped_guard(raw_spinlock_irqsave, &vm->lock)
			ist->l2[idx] = l2;
		irs_vm_kill(kvm, vm);
		return ret;
	}

	if (!(irs_read_entry(l1e) & GICV5_ISTL1E_VALID)) {
		irs_write_entry(l1e, 0);
		irs_table_free(l2, size);
		return -EIO;
	}

	/* VDPEND may use it from now on */
	scoped_guard(raw_spinlock_irqsave, &vm->lock)
		ist->l2[idx] = l2;

	return 0;
}

/**
 * vgic_v5_irs_map_lpi_range() - Back LPIs [first, first + nr) of an
 * on-demand LPI IST with host L2 tables
 * @kvm:	the VM
 * @first:	first LPI ID
 * @nr:		number of LPIs
 *
 * The host IRS lock is taken for one L2 table at a time, so that other VMs
 * are not held up while a large range is backed. On failure, the L2 tables
 * already backed stay; none is left half-mapped.
 *
 * Return: 0, -ENXIO if the VM has no LPI IST, -EINVAL for IDs beyond it,
 * -ENOMEM, -EIO if the IRS did not map an L2 table, -ETIMEDOUT.
 */
int vgic_v5_irs_map_lpi_range(struct kvm *kvm, u32 first, u32 nr)
{
	struct vgic_v5_irs_vm *vm = kvm->arch.vgic.gicv5_vm.irs;
	struct vgic_v5_ist *ist;
	unsigned int idx, last;
	int ret;

	if (!vm)
		return -ENXIO;

	scoped_guard(mutex, &v5_irs.lock) {
		ist = &vm->lpi;
		if (vm->dead || !ist->valid)
			return -ENXIO;
		if (!nr || first >= BIT(ist->fmt.id_bits) ||
		    nr > BIT(ist->fmt.id_bits) - first)
			return -EINVAL;
		if (!ist->fmt.two_level)
			return 0;
		idx = first >> ist->fmt.l2_bits;
		last = (first + nr - 1) >> ist->fmt.l2_bits;
	}

	for (; idx <= last; idx++) {
		guard(mutex)(&v5_irs.lock);

		/* Unmapped meanwhile, or replaced by another IST */
		if (vm->dead || !ist->valid || !ist->fmt.two_level ||
		    idx >= vgic_v5_ist_nr_l1(&ist->fmt))
			return -ENXIO;
		if (ist->l2[idx])
			continue;

		ret = irs_lpi_map_l2(kvm, vm, idx);
		if (ret)
			return ret;
	}

	return 0;
}

/**
 * vgic_v5_irs_unmap_lpi_ist() - Remove the VM's LPI IST from the host IRS
 * @kvm:	the VM
 *
 * The IST is freed once the IRS has made it invalid; if that does not
 * complete, the VM is dead and the IST is kept with it.
 */
void vgic_v5_irs_unmap_lpi_ist(struct kvm *kvm)
{
	struct vgic_v5_irs_vm *vm = kvm->arch.vgic.gicv5_vm.irs;
	struct vgic_v5_ist ist;
	__le64 *vmte;

	if (!vm)
		return;

	scoped_guard(mutex, &v5_irs.lock) {
		if (!vm->lpi.table || vm->dead)
			return;

		scoped_guard(raw_spinlock_irqsave, &vm->lock)
			vm->lpi.valid = false;

		if (irs_vmap_vist(vm->vm_id, GICV5_HWIRQ_TYPE_LPI, true)) {
			irs_vm_kill(kvm, vm);
			return;
		}

		vmte = irs_vmte(vm->vm_id);
		irs_write_entry(&vmte[GICV5_VMTE_LPI_VIST_WORD], 0);
		ist = vm->lpi;
		memset(&vm->lpi, 0, sizeof(vm->lpi));
	}

	/* The IRS no longer uses it */
	irs_ist_free(&ist);
}

/* ------------------------------------------------------------------ */
/* Pending state                                                       */

/* Whether the host vIST backs LPI @id (two-level: its L2 table exists). */
static bool irs_lpi_backed(struct vgic_v5_ist *ist, u32 id)
{
	if (!ist->valid || id >= BIT(ist->fmt.id_bits))
		return false;

	return !ist->fmt.two_level || ist->l2[id >> ist->fmt.l2_bits];
}

/**
 * vgic_v5_irs_set_pending() - Set or clear the pending state of a virtual
 * SPI or LPI (GIC VDPEND)
 * @kvm:	the VM
 * @intid:	GICv5 INTID of an SPI or LPI
 * @pending:	the new pending state
 *
 * Can be called from atomic context.
 *
 * Return: 0, -EINVAL for an INTID the VM's ISTs do not cover, -ENXIO if
 * the VM has no usable IRS state, -EAGAIN while an IST restore rewrites
 * the ISTs (an SPI stays latched and the restore hands it over; LPIs are
 * not injected then, the restore not having published the LPI IST yet).
 */
int vgic_v5_irs_set_pending(struct kvm *kvm, u32 intid, bool pending)
{
	struct vgic_v5_irs_vm *vm = READ_ONCE(kvm->arch.vgic.gicv5_vm.irs);
	u32 type = FIELD_GET(GICV5_HWIRQ_TYPE, intid);
	u32 id = FIELD_GET(GICV5_HWIRQ_ID, intid);
	u64 xt;

	if (!vm || READ_ONCE(vm->dead))
		return -ENXIO;

	xt = FIELD_PREP(GICV5_GIC_VDPEND_PENDING_MASK, pending)	|
	     FIELD_PREP(GICV5_GIC_VDPEND_VM_MASK, vm->vm_id)	|
	     FIELD_PREP(GICV5_GIC_VDPEND_TYPE_MASK, type)	|
	     FIELD_PREP(GICV5_GIC_VDPEND_ID_MASK, id);

	switch (type) {
	case GICV5_HWIRQ_TYPE_SPI: {
		if (id >= vm->nr_spis)
			return -EINVAL;
		guard(raw_spinlock_irqsave)(&vm->lock);
		if (vm->restoring)
			return -EAGAIN;
		kvm_call_hyp(__vgic_v5_vdpend, xt);
		return 0;
	}
	case GICV5_HWIRQ_TYPE_LPI: {
		guard(raw_spinlock_irqsave)(&vm->lock);
		if (vm->restoring)
			return -EAGAIN;
		if (!vm->lpi.valid)
			return -ENXIO;
		if (!irs_lpi_backed(&vm->lpi, id))
			return -EINVAL;
		kvm_call_hyp(__vgic_v5_vdpend, xt);
		return 0;
	}
	default:
		return -EINVAL;
	}
}

/* ------------------------------------------------------------------ */
/* Save and restore of the ISTs (KVM_DEV_ARM_VGIC_GRP_IST)             */

static struct vgic_v5_ist *irs_ist_of(struct vgic_v5_irs_vm *vm, u8 type)
{
	return type == GICV5_HWIRQ_TYPE_LPI ? &vm->lpi : &vm->spi;
}

/*
 * Host ISTEs @id .. @id + *@nr - 1 of @ist, all in one table: *@nr is
 * reduced to what that table holds. NULL for an unbacked two-level range.
 */
static void *irs_istes(struct vgic_v5_ist *ist, u32 id, u32 *nr)
{
	size_t esz = 4UL << ist->fmt.istsz;
	u32 mask;
	void *l2;

	if (!ist->fmt.two_level)
		return ist->table + id * esz;

	mask = BIT(ist->fmt.l2_bits) - 1;
	*nr = min(*nr, BIT(ist->fmt.l2_bits) - (id & mask));
	l2 = ist->l2[id >> ist->fmt.l2_bits];

	return l2 ? l2 + (id & mask) * esz : NULL;
}

/* The VM's @type IST, if it covers @first .. @first + @nr - 1, or NULL. */
static struct vgic_v5_ist *irs_ist_range(struct kvm *kvm, u8 type, u32 first,
					 u32 nr)
{
	struct vgic_v5_irs_vm *vm = kvm->arch.vgic.gicv5_vm.irs;
	struct vgic_v5_ist *ist;

	if (!vm || vm->dead)
		return NULL;

	ist = irs_ist_of(vm, type);
	if (!ist->table || first >= BIT(ist->fmt.id_bits) ||
	    nr > BIT(ist->fmt.id_bits) - first)
		return NULL;

	return ist;
}

/* SAVE_VMR: S (write back) if @writeback, and Q; -EBUSY if not quiescent */
static int irs_save_vm(struct vgic_v5_irs_vm *vm, bool writeback)
{
	u32 status;
	int ret;

	lockdep_assert_held(&v5_irs.lock);

	ret = irs_wait_save(NULL);
	if (ret)
		return ret;

	writeq_relaxed(FIELD_PREP(GICV5_IRS_SAVE_VMR_S, writeback)		|
		       GICV5_IRS_SAVE_VMR_Q					|
		       FIELD_PREP(GICV5_IRS_SAVE_VMR_VM_ID, vm->vm_id),
		       v5_irs.base + GICV5_IRS_SAVE_VMR);

	ret = irs_wait_save(&status);
	if (ret)
		return ret;

	return status & GICV5_IRS_SAVE_VM_STATUSR_Q ? 0 : -EBUSY;
}

/**
 * vgic_v5_irs_save_vm() - Have the IRS write the VM's IST state back to
 * memory, and check that the VM is quiescent
 * @kvm:	the VM, with no vCPU running
 * @writeback:	SAVE_VMR.S (write back) as well as Q (quiescence query)
 *
 * Nothing is freed or changed: after -EBUSY the VM can run on.
 *
 * Return: 0, -EBUSY if the VM is not quiescent, -ENXIO without usable IRS
 * state, -ETIMEDOUT if the IRS does not complete the command: what it
 * holds of the VM is then unknown, and the VM is dead.
 */
int vgic_v5_irs_save_vm(struct kvm *kvm, bool writeback)
{
	struct vgic_v5_irs_vm *vm = kvm->arch.vgic.gicv5_vm.irs;
	int ret;

	guard(mutex)(&v5_irs.lock);

	if (!vm || vm->dead)
		return -ENXIO;

	ret = irs_save_vm(vm, writeback);
	if (ret == -ETIMEDOUT)
		irs_vm_kill(kvm, vm);

	return ret;
}

/**
 * vgic_v5_irs_or_words() - The OR of ISTE words, eight bytes at a time
 * @words:	the words
 * @nr:		their number
 *
 * Return: the OR of the @nr words at @words.
 */
__le32 vgic_v5_irs_or_words(const __le32 *words, u32 nr)
{
	const u64 *p, *end;
	u64 any = 0;
	u32 i = 0;

	if (nr && !IS_ALIGNED((unsigned long)words, sizeof(u64))) {
		any = (__force u32)words[0];
		i = 1;
	}
	/* 16 words, 64 bytes, a round; then the words after the last round */
	p = (const u64 *)&words[i];
	for (end = p + (nr - i) / 16 * 8; p < end; p += 8)
		any |= p[0] | p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7];
	for (i = (const __le32 *)p - words; i < nr; i++)
		any |= (__force u32)words[i];

	return (__force __le32)(u32)(any | any >> 32);
}

/*
 * Copy @n 4-byte ISTE words from @src to @dst, their @keep bits, eight
 * bytes at a time where both are aligned for it. @src is KVM's copy of
 * the words, never memory the IRS writes. Writes an image into host
 * ISTEs, and clears bits in place.
 */
static void irs_copy_words(__le32 *dst, const __le32 *src, u32 n, __le32 keep)
{
	u64 k = (u64)(__force u32)keep << 32 | (__force u32)keep;
	const u64 *s;
	u32 i = 0;
	u64 *d;

	if (n && !IS_ALIGNED((unsigned long)dst, sizeof(u64))) {
		dst[0] = src[0] & keep;
		i = 1;
	}
	if (IS_ALIGNED((unsigned long)&src[i], sizeof(u64))) {
		s = (const u64 *)&src[i];
		d = (u64 *)&dst[i];
		for (; i + 8 <= n; i += 8, s += 4, d += 4) {
			d[0] = s[0] & k;
			d[1] = s[1] & k;
			d[2] = s[2] & k;
			d[3] = s[3] & k;
		}
	}
	for (; i < n; i++)
		dst[i] = src[i] & keep;
}

/**
 * vgic_v5_irs_read_istes() - Read the architected words of host ISTEs
 * @kvm:	the VM, quiescent (vgic_v5_irs_save_vm()), its vCPUs locked
 * @type:	GICV5_HWIRQ_TYPE_SPI or GICV5_HWIRQ_TYPE_LPI
 * @first:	first ID
 * @nr:		number of IDs
 * @words:	the words, in ID order; HWU is cleared (it is the IRS's, and
 *		is never migrated), an unbacked two-level range reads 0
 *
 * Return: 0, or -ENXIO if the IST does not cover the IDs.
 */
int vgic_v5_irs_read_istes(struct kvm *kvm, u8 type, u32 first, u32 nr,
			   __le32 *words)
{
	struct vgic_v5_ist *ist = irs_ist_range(kvm, type, first, nr);
	const __le32 keep = ~cpu_to_le32(GICV5_ISTL2E_HWU);
	size_t esz;
	u32 i, n;
	void *p;

	if (!ist)
		return -ENXIO;

	esz = 4UL << ist->fmt.istsz;
	for (; nr; first += n, words += n, nr -= n) {
		n = nr;
		p = irs_istes(ist, first, &n);
		if (!p) {
			memset(words, 0, n * sizeof(*words));
			continue;
		}

		/* What the IRS wrote back is in memory, not in our cache */
		irs_inval(p, n * esz);
		if (esz == sizeof(*words)) {
			/* Each ISTE read once: HWU cleared in @words if set */
			memcpy(words, p, n * esz);
			if (vgic_v5_irs_or_words(words, n) & ~keep)
				irs_copy_words(words, words, n, keep);
		} else {
			for (i = 0; i < n; i++)
				words[i] = READ_ONCE(*(__le32 *)(p + i * esz)) & keep;
		}
	}

	return 0;
}

/**
 * vgic_v5_irs_restore_begin() - Take the VM out of the IRS's view to write
 * its ISTEs
 * @kvm:	the VM, its vCPUs locked
 *
 * From now on VDPEND for the VM waits (-EAGAIN to its callers) until
 * vgic_v5_irs_restore_end(). Then the IRS writes what it holds of the
 * VM's ISTs back to memory (SAVE_VMR), so that no pending state made
 * before is missed, and makes the VM table entry invalid.
 *
 * Return: 0, -ENXIO without usable IRS state, -EBUSY if the VM is not
 * quiescent (the VM is unchanged), -EINVAL or -ETIMEDOUT if the IRS does
 * not carry out a command (the VM is then dead).
 */
int vgic_v5_irs_restore_begin(struct kvm *kvm)
{
	struct vgic_v5_irs_vm *vm = kvm->arch.vgic.gicv5_vm.irs;
	int ret;

	guard(mutex)(&v5_irs.lock);

	if (!vm || vm->dead)
		return -ENXIO;

	scoped_guard(raw_spinlock_irqsave, &vm->lock)
		vm->restoring = true;

	ret = irs_save_vm(vm, true);
	if (!ret)
		ret = irs_vmap_vm(vm->vm_id, true);
	if (ret) {
		/* The IRS is in an unknown state, unless it said "busy" */
		if (ret != -EBUSY)
			irs_vm_kill(kvm, vm);
		scoped_guard(raw_spinlock_irqsave, &vm->lock)
			vm->restoring = false;
	}

	return ret == -EIO ? -EINVAL : ret;
}

/**
 * vgic_v5_irs_write_istes() - Write restored ISTEs into the host ISTs
 * @kvm:	the VM, between vgic_v5_irs_restore_begin() and _end()
 * @type:	GICV5_HWIRQ_TYPE_SPI or GICV5_HWIRQ_TYPE_LPI
 * @first:	first ID
 * @nr:		number of IDs, all backed
 * @words:	their architected words, in ID order
 * @clean:	no word has PENDING or HWU set, nor HM for SPIs: the words
 *		are copied as they are
 *
 * Each ISTE is zeroed, metadata included, then given its word with
 * PENDING and HWU clear (a 4-byte ISTE, without metadata, is just given
 * its word): pending state is re-asserted with VDPEND once the
 * VM is valid again. SPI entries stay edge-handled (HM clear): KVM handles
 * the level of an SPI itself. The entries are cleaned for a non-coherent
 * IRS.
 *
 * Return: 0, or -ENXIO if the IST does not back the IDs.
 */
int vgic_v5_irs_write_istes(struct kvm *kvm, u8 type, u32 first, u32 nr,
			    const __le32 *words, bool clean)
{
	struct vgic_v5_ist *ist = irs_ist_range(kvm, type, first, nr);
	u32 i, n, clear;
	__le32 keep;
	size_t esz;
	void *p;

	if (!ist || !kvm->arch.vgic.gicv5_vm.irs->restoring)
		return -ENXIO;

	clear = GICV5_ISTL2E_PENDING | GICV5_ISTL2E_HWU;
	if (type == GICV5_HWIRQ_TYPE_SPI)
		clear |= GICV5_ISTL2E_HM;
	keep = ~cpu_to_le32(clear);

	esz = 4UL << ist->fmt.istsz;
	for (; nr; first += n, words += n, nr -= n) {
		n = nr;
		p = irs_istes(ist, first, &n);
		if (!p)
			return -ENXIO;

		if (esz == sizeof(*words) && clean) {
			/* No metadata: the word is all of the ISTE */
			memcpy(p, words, n * esz);
		} else if (esz == sizeof(*words)) {
			irs_copy_words(p, words, n, keep);
		} else {
			memset(p, 0, n * esz);
			for (i = 0; i < n; i++)
				*(__le32 *)(p + i * esz) = words[i] & keep;
		}
		irs_flush(p, n * esz);
		cond_resched();
	}

	return 0;
}

/**
 * vgic_v5_irs_load_lpis() - Write LPI ISTEs from an image in userspace
 * @kvm:	the VM, between vgic_v5_irs_restore_begin() and _end()
 * @first:	first ID
 * @nr:		number of IDs, all backed
 * @src:	their architected words, in userspace
 * @bad:	the bits no word may have
 * @buf:	@nr words of scratch: the words as given, if *@any has PENDING
 * @any:	the OR of the words
 *
 * The ISTEs end up as vgic_v5_irs_write_istes() writes them. 4-byte ISTEs
 * are the words: they are copied straight into the IST and checked there,
 * and only rewritten if a word has PENDING or HWU. Others are written
 * from @buf. On failure the ISTEs are zeroed: the caller removes the
 * IST, but the IRS may look at it when the VM is valid again, and must
 * not find HWU or PENDING set by software.
 *
 * Return: 0, -EFAULT, -EINVAL if a word has a @bad bit, or -ENXIO if the
 * IST does not back the IDs.
 */
int vgic_v5_irs_load_lpis(struct kvm *kvm, u32 first, u32 nr,
			  const void __user *src, __le32 bad, __le32 *buf,
			  __le32 *any)
{
	struct vgic_v5_ist *ist = irs_ist_range(kvm, GICV5_HWIRQ_TYPE_LPI,
						first, nr);
	const __le32 clear = cpu_to_le32(GICV5_ISTL2E_PENDING |
					 GICV5_ISTL2E_HWU);
	int ret = 0;
	u32 i, n;
	void *p;

	if (!ist || !kvm->arch.vgic.gicv5_vm.irs->restoring)
		return -ENXIO;

	*any = 0;
	if (ist->fmt.istsz) {
		if (copy_from_user(buf, src, nr * sizeof(*buf)))
			return -EFAULT;
		*any = vgic_v5_irs_or_words(buf, nr);
	} else {
		for (i = 0; i < nr && !ret; i += n) {
			n = nr - i;
			p = irs_istes(ist, first + i, &n);
			if (!p) {
				ret = -ENXIO;
				break;
			}
			if (copy_from_user(p, src + i * sizeof(*buf),
					   n * sizeof(*buf)))
				ret = -EFAULT;
			*any |= vgic_v5_irs_or_words(p, n);
			irs_flush(p, n * sizeof(*buf));
		}
		if (!ret && !(*any & (bad | clear)))
			return 0;

		/* The words back, to have PENDING and HWU cleared */
		for (i = 0; !ret && !(*any & bad) && i < nr; i += n) {
			n = nr - i;
			memcpy(&buf[i], irs_istes(ist, first + i, &n),
			       n * sizeof(*buf));
		}
	}

	if (ret || (*any & bad)) {
		/* The IRS finds the IST when the VM is valid again: no HWU */
		memset(buf, 0, nr * sizeof(*buf));
		vgic_v5_irs_write_istes(kvm, GICV5_HWIRQ_TYPE_LPI, first, nr,
					buf, true);
		return ret ?: -EINVAL;
	}

	return vgic_v5_irs_write_istes(kvm, GICV5_HWIRQ_TYPE_LPI, first, nr,
				       buf, !(*any & clear));
}

/**
 * vgic_v5_irs_restore_end() - Give the VM back to the IRS after its ISTEs
 * were written
 * @kvm:	the VM, after vgic_v5_irs_restore_begin()
 *
 * Return: 0, or -EINVAL or -ETIMEDOUT if the IRS does not make the VM
 * table entry valid again (the VM is then dead).
 */
int vgic_v5_irs_restore_end(struct kvm *kvm)
{
	struct vgic_v5_irs_vm *vm = kvm->arch.vgic.gicv5_vm.irs;
	int ret;

	guard(mutex)(&v5_irs.lock);

	if (!vm)
		return -ENXIO;

	ret = vm->dead ? -ENXIO : irs_vmap_vm(vm->vm_id, false);
	if (ret && !vm->dead)
		irs_vm_kill(kvm, vm);

	scoped_guard(raw_spinlock_irqsave, &vm->lock)
		vm->restoring = false;

	return ret == -EIO ? -EINVAL : ret;
}

/* ------------------------------------------------------------------ */
/* Residency and doorbells                                             */

static u64 irs_contextr(struct kvm_vcpu *vcpu)
{
	struct vgic_v5_irs_vm *vm = vcpu->kvm->arch.vgic.gicv5_vm.irs;

	return FIELD_PREP(ICH_CONTEXTR_EL2_VPE, vcpu->vcpu_id) |
	       FIELD_PREP(ICH_CONTEXTR_EL2_VM, vm->vm_id);
}

/**
 * vgic_v5_irs_load() - Make the vCPU's vPE resident on this CPU
 * @vcpu:	the vCPU being loaded
 *
 * A vPE that cannot be made resident (ICH_CONTEXTR_EL2.F), or of a VM
 * the IRS failed, would run with a broken interrupt context: the VM is
 * dead instead, its vCPUs leave KVM_RUN with -EIO.
 */
void vgic_v5_irs_load(struct kvm_vcpu *vcpu)
{
	struct vgic_v5_cpu_if *cpu_if = &vcpu->arch.vgic_cpu.vgic_v5;
	struct vgic_v5_irs_vm *vm = vcpu->kvm->arch.vgic.gicv5_vm.irs;
	struct irq_data *db;
	unsigned int cpu;
	u64 val;

	if (!vm || cpu_if->irs_resident)
		return;
	if (READ_ONCE(vm->dead)) {
		/* Never run with a non-resident vPE: KVM_RUN returns -EIO */
		kvm_make_request(KVM_REQ_VM_DEAD, vcpu);
		return;
	}

	/*
	 * The doorbell targets the CPU the vCPU last ran on, where it blocks
	 * (vgic_v4_load() does the same). Done here rather than when the vCPU
	 * blocks: vgic_v5_irs_put() runs from kvm_sched_out(), under the
	 * runqueue lock, where irq_set_affinity() must not wake the thread
	 * of a threaded doorbell. Its irq_data was looked up once, when it
	 * was requested: this runs on every vCPU load.
	 */
	cpu = smp_processor_id();
	db = cpu_if->db_irq ? vm->db_data[vcpu->vcpu_idx] : NULL;
	if (db && !cpumask_test_cpu(cpu, irq_data_get_effective_affinity_mask(db)))
		irq_set_affinity(cpu_if->db_irq, cpumask_of(cpu));

	val = irs_contextr(vcpu) | ICH_CONTEXTR_EL2_V |
	      FIELD_PREP(ICH_CONTEXTR_EL2_IRICHPPIDIS,
			 !READ_ONCE(vcpu->kvm->arch.vgic.gicv5_vm.irs_enabled));

	val = kvm_call_hyp_ret(__vgic_v5_make_resident, val);
	if (val & ICH_CONTEXTR_EL2_F) {
		kvm_err("GICv5: vPE %u of VM %u not made resident\n",
			vcpu->vcpu_id, vm->vm_id);
		irs_vm_kill(vcpu->kvm, vm);
		return;
	}

	cpu_if->irs_resident = true;
	WRITE_ONCE(cpu_if->in_wfi, false);
}

/**
 * vgic_v5_irs_put() - Make the vCPU's vPE non-resident
 * @vcpu:	the vCPU being put, after its ICH_APR_EL2 was saved
 *
 * A vCPU that blocks with the guest's IRS enabled asks for a doorbell, for
 * the interrupts it could take. Called from kvm_sched_out() too, with the
 * runqueue lock held: nothing here may wake a task.
 */
void vgic_v5_irs_put(struct kvm_vcpu *vcpu)
{
	struct vgic_v5_cpu_if *cpu_if = &vcpu->arch.vgic_cpu.vgic_v5;
	u64 val = 0;

	if (!cpu_if->irs_resident)
		return;

	/*
	 * in_wfi is written before IRSEN is read, and IRSEN before in_wfi in
	 * vgic_v5_irs_update_irsen(): a vCPU that blocks as the guest enables
	 * its IRS asks for a doorbell, or is woken to ask for one.
	 */
	if (vcpu_get_flag(vcpu, IN_WFI)) {
		/*
		 * A doorbell is for this block only, and what it says stays
		 * until the next: kvm_vcpu_suspend() looks for it after
		 * kvm_vcpu_wfi() made the vPE resident again.
		 */
		WRITE_ONCE(cpu_if->db_pending, false);
		/*
		 * A vCPU that sees in_wfi sets db_pending after this clears
		 * it: the wake-up of vgic_v5_irs_update_irsen() is not lost.
		 */
		smp_wmb();
		WRITE_ONCE(cpu_if->in_wfi, true);
		/* Pairs with the barrier in vgic_v5_irs_update_irsen() */
		smp_mb();
		if (READ_ONCE(vcpu->kvm->arch.vgic.gicv5_vm.irs_enabled))
			val = vgic_v5_db_request(cpu_if->vgic_vmcr,
						 cpu_if->vgic_apr);
	}

	kvm_call_hyp(__vgic_v5_make_non_resident, irs_contextr(vcpu) | val);
	cpu_if->irs_resident = false;
}

/* VPE ID bits of the VM (IAFFID bits of its vCPUs), at least 1. */
unsigned int vgic_v5_irs_vpe_id_bits(struct kvm *kvm)
{
	struct vgic_v5_irs_vm *vm = kvm->arch.vgic.gicv5_vm.irs;

	return vm ? vm->vpe_id_bits : 1;
}

/* Whether the vCPU's doorbell fired since the vCPU last blocked. */
bool vgic_v5_irs_pending_doorbell(struct kvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->arch.vgic_cpu.vgic_v5.db_pending);
}

/**
 * vgic_v5_irs_update_irsen() - Apply a change of the guest's IRS_CR0.IRSEN
 * @kvm:	the VM
 *
 * ICH_CONTEXTR_EL2.IRICHPPIDIS is only written on make-resident: resident
 * vPEs are reloaded.
 *
 * A vCPU that blocked while the IRS was disabled asked for no doorbell, and
 * nothing the IRS makes pending would wake it. Once the IRS is enabled, the
 * vCPUs in WFI are woken once, as by a doorbell: they leave WFI, and ask
 * for a doorbell at the next.
 */
void vgic_v5_irs_update_irsen(struct kvm *kvm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_make_all_cpus_request(kvm, KVM_REQ_RELOAD_GICv4);

	if (!READ_ONCE(kvm->arch.vgic.gicv5_vm.irs_enabled))
		return;

	/* IRSEN is written before in_wfi is read: see vgic_v5_irs_put() */
	smp_mb();
	kvm_for_each_vcpu(i, vcpu, kvm) {
		if (!READ_ONCE(vcpu->arch.vgic_cpu.vgic_v5.in_wfi))
			continue;
		WRITE_ONCE(vcpu->arch.vgic_cpu.vgic_v5.db_pending, true);
		kvm_vcpu_kick(vcpu);
	}
}

/**
 * vgic_v5_reload_vpe() - Make the vPE resident again with the current
 * guest IRS enable (KVM_REQ_RELOAD_GICv4)
 * @vcpu:	the running vCPU, with preemption disabled
 */
void vgic_v5_reload_vpe(struct kvm_vcpu *vcpu)
{
	struct vgic_v5_cpu_if *cpu_if = &vcpu->arch.vgic_cpu.vgic_v5;

	if (!cpu_if->irs_resident)
		return;

	/* The residency sequences of vgic_v5_put() and vgic_v5_load() */
	kvm_call_hyp(__vgic_v5_save_apr, cpu_if);
	vgic_v5_irs_put(vcpu);
	kvm_call_hyp(__vgic_v5_restore_vmcr_apr, cpu_if);
	vgic_v5_irs_load(vcpu);
}

/* ------------------------------------------------------------------ */
/* Host                                                                */

u32 vgic_v5_irs_host_idr(unsigned int n)
{
	return n < ARRAY_SIZE(v5_irs.idr) ? v5_irs.idr[n] : 0;
}

/* LPI ID bits a guest can have: what the host vISTs can cover. */
unsigned int vgic_v5_irs_max_lpi_id_bits(void)
{
	u32 idr2 = v5_irs.idr[2];
	unsigned int bits = FIELD_GET(GICV5_IRS_IDR2_ID_BITS, idr2);

	if (!v5_irs.base)
		return 0;
	if (!FIELD_GET(GICV5_IRS_IDR2_IST_LEVELS, idr2))
		bits = min(bits, VGIC_V5_VIST_LINEAR_MAX_ID_BITS);

	return min(bits, 24U);
}

/*
 * vCPUs of a GICv5 VM with an IRS: VPE IDs are vcpu_ids, so both limits
 * apply. 0 if the host IRS cannot take VMs.
 */
int vgic_v5_irs_max_vcpus(void)
{
	unsigned int bits = FIELD_GET(GICV5_IRS_IDR4_VPE_ID_BITS, v5_irs.idr[4]) + 1;

	if (!v5_irs.base)
		return 0;

	return min3(VGIC_V5_MAX_CPUS, kvm_vgic_global_state.max_gic_vcpus,
		    1 << bits);
}

/* Free the VM table: only once the IRS does not use it. */
static void irs_free_vmt(void)
{
	unsigned int i;

	if (v5_irs.vmt_l2) {
		for (i = 0; i < v5_irs.vmt_size / GICV5_VMTL1E_SIZE; i++)
			irs_table_free(v5_irs.vmt_l2[i], GICV5_VMTL2_SIZE);
	}
	kfree(v5_irs.vmt_l2);
	bitmap_free(v5_irs.vm_ids);
	irs_table_free(v5_irs.vmt, v5_irs.vmt_size);
	v5_irs.vmt_l2 = NULL;
	v5_irs.vm_ids = NULL;
	v5_irs.vmt = NULL;
	memset(&v5_irs.idr, 0, sizeof(v5_irs.idr));
}

/**
 * vgic_v5_irs_probe() - Install the VM table in the host IRS
 * @info:	what the GICv5 driver hands KVM
 *
 * Return: 0, or -ENODEV if the host IRS cannot hold VMs, -EINVAL if its
 * ID registers make no sense, -EBUSY if a VM table is already installed,
 * -ENOMEM, -ETIMEDOUT. GICv5 guests then have no IRS.
 */
int vgic_v5_irs_probe(const struct gic_kvm_info *info)
{
	u32 idr[ARRAY_SIZE(v5_irs.idr)];
	unsigned int i, nr_l1;
	int ret;

	if (!info->irs_base || v5_irs.base)
		return info->irs_base ? -EBUSY : -ENODEV;

	for (i = 0; i < ARRAY_SIZE(idr); i++)
		idr[i] = readl_relaxed(info->irs_base + GICV5_IRS_IDR0 + 4 * i);

	if (!FIELD_GET(GICV5_IRS_IDR0_VIRT, idr[0]) ||
	    !FIELD_GET(GICV5_IRS_IDR3_VM_ID_BITS, idr[3]) ||
	    !FIELD_GET(GICV5_IRS_IDR2_LPI, idr[2]))
		return -ENODEV;

	/*
	 * KVM allocates a VMD per VM and a VPED per vCPU of the sizes the IRS
	 * asks for: refuse sizes that make no sense rather than allocate
	 * them (a required VMD of one byte, descriptors beyond 64 KiB).
	 */
	if (FIELD_GET(GICV5_IRS_IDR4_VPED_SZ, idr[4]) > VGIC_V5_MAX_DESC_SHIFT ||
	    (FIELD_GET(GICV5_IRS_IDR3_VMD, idr[3]) &&
	     (!FIELD_GET(GICV5_IRS_IDR3_VMD_SZ, idr[3]) ||
	      FIELD_GET(GICV5_IRS_IDR3_VMD_SZ, idr[3]) > VGIC_V5_MAX_DESC_SHIFT))) {
		kvm_err("GICv5 IRS: implausible VMD/VPED size (IDR3 %#x, IDR4 %#x)\n",
			idr[3], idr[4]);
		return -EINVAL;
	}

	/* Someone else's VM table: leave it alone */
	if (readq_relaxed(info->irs_base + GICV5_IRS_VMT_BASER) &
	    GICV5_IRS_VMT_BASER_VALID)
		return -EBUSY;

	memcpy(v5_irs.idr, idr, sizeof(idr));
	/* VMT_CFGR.VM_ID_BITS may be below IDR3.VM_ID_BITS: never beyond 16 */
	v5_irs.vm_id_bits = min_t(unsigned int, VGIC_V5_MAX_VM_ID_BITS,
				  FIELD_GET(GICV5_IRS_IDR3_VM_ID_BITS, idr[3]));
	v5_irs.noncoherent = info->irs_noncoherent;
	v5_irs.vmt_two_level = FIELD_GET(GICV5_IRS_IDR3_VMT_LEVELS, idr[3]) &&
			       v5_irs.vm_id_bits > GICV5_VMTL2_VM_ID_BITS;
	if (v5_irs.vmt_two_level) {
		nr_l1 = BIT(v5_irs.vm_id_bits - GICV5_VMTL2_VM_ID_BITS);
		v5_irs.vmt_size = nr_l1 * GICV5_VMTL1E_SIZE;
		v5_irs.vmt_l2 = kcalloc(nr_l1, sizeof(void *), GFP_KERNEL);
		if (!v5_irs.vmt_l2)
			return -ENOMEM;
	} else {
		v5_irs.vm_id_bits = min(v5_irs.vm_id_bits,
					VGIC_V5_VMT_LINEAR_MAX_ID_BITS);
		v5_irs.vmt_size = GICV5_VMTE_SIZE << v5_irs.vm_id_bits;
	}

	v5_irs.vm_ids = bitmap_zalloc(BIT(v5_irs.vm_id_bits), GFP_KERNEL);
	v5_irs.vmt = irs_table_alloc(v5_irs.vmt_size, GFP_KERNEL);
	if (!v5_irs.vm_ids || !v5_irs.vmt) {
		irs_free_vmt();
		return -ENOMEM;
	}
	irs_flush(v5_irs.vmt, v5_irs.vmt_size);

	v5_irs.base = info->irs_base;
	scoped_guard(mutex, &v5_irs.lock) {
		writel_relaxed(FIELD_PREP(GICV5_IRS_VMT_CFGR_STRUCTURE,
					  v5_irs.vmt_two_level) |
			       FIELD_PREP(GICV5_IRS_VMT_CFGR_VM_ID_BITS,
					  v5_irs.vm_id_bits),
			       v5_irs.base + GICV5_IRS_VMT_CFGR);
		writeq_relaxed((virt_to_phys(v5_irs.vmt) &
				GICV5_IRS_VMT_BASER_ADDR_MASK) |
			       GICV5_IRS_VMT_BASER_VALID,
			       v5_irs.base + GICV5_IRS_VMT_BASER);
		ret = irs_wait_vmt();
	}
	if (ret) {
		vgic_v5_irs_remove();
		return ret;
	}

	kvm_info("GICv5 IRS: %s VM table, %u VM ID bits%s\n",
		 v5_irs.vmt_two_level ? "two-level" : "linear", v5_irs.vm_id_bits,
		 v5_irs.noncoherent ? ", non-coherent" : "");

	return 0;
}

/**
 * vgic_v5_irs_remove() - Remove the VM table from the host IRS
 *
 * Only done when no VM is left. The tables are freed only if the IRS
 * confirms it let go of them.
 */
void vgic_v5_irs_remove(void)
{
	int ret;

	if (!v5_irs.base)
		return;

	scoped_guard(mutex, &v5_irs.lock) {
		irs_reap();
		if (WARN_ON(!list_empty(&v5_irs.graveyard) ||
			    !bitmap_empty(v5_irs.vm_ids, BIT(v5_irs.vm_id_bits))))
			return;

		ret = irs_wait_vmt();
		if (!ret) {
			writeq_relaxed(0, v5_irs.base + GICV5_IRS_VMT_BASER);
			ret = irs_wait_vmt();
		}
	}
	v5_irs.base = NULL;
	if (ret) {
		kvm_err("GICv5 IRS: VM table not removed, keeping it\n");
		return;
	}

	irs_free_vmt();
}

#ifdef CONFIG_KVM_ARM_VGIC_V5_KUNIT_TEST
#include "vgic-v5-irs-test.c"
#endif
