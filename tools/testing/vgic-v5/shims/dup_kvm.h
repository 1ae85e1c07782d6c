/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dup_kvm.h - the KVM structures and accessors the vgic code uses, duplicated
 * from include/linux/kvm_host.h and arch/arm64/include/asm/kvm_*.h. Field
 * names and types are the kernel's; fields the vgic code never touches are
 * left out.
 */
#ifndef __HARNESS_DUP_KVM_H
#define __HARNESS_DUP_KVM_H

#define KVM_MAX_VCPUS		512
/* include/linux/kvm_host.h: arm64 does not override it */
#define KVM_MAX_VCPU_IDS	KVM_MAX_VCPUS
#define KVM_VCPU_MAX_FEATURES	9

/* include/linux/kvm_host.h: requests */
#define KVM_REQUEST_MASK	GENMASK(7, 0)
#define KVM_REQUEST_NO_WAKEUP	BIT(8)
#define KVM_REQUEST_WAIT	BIT(9)
#define KVM_REQUEST_NO_ACTION	BIT(10)
#define KVM_REQ_TLB_FLUSH	(0 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_VM_DEAD		(1 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_UNBLOCK		2
#define KVM_REQUEST_ARCH_BASE	8
#define KVM_ARCH_REQ_FLAGS(nr, flags) ((unsigned int)(((nr) + KVM_REQUEST_ARCH_BASE) | (flags)))
#define KVM_ARCH_REQ(nr)	KVM_ARCH_REQ_FLAGS(nr, 0)
/* arch/arm64/include/asm/kvm_host.h */
#define KVM_REQ_SLEEP		\
	KVM_ARCH_REQ_FLAGS(0, KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_IRQ_PENDING	KVM_ARCH_REQ(1)
#define KVM_REQ_VCPU_RESET	KVM_ARCH_REQ(2)
#define KVM_REQ_RELOAD_GICv4	KVM_ARCH_REQ(4)
#define KVM_REQ_SUSPEND		KVM_ARCH_REQ(6)
#define KVM_REQ_VGIC_PROCESS_UPDATE	KVM_ARCH_REQ(11)

/* include/linux/kvm_host.h: vcpu->mode */
enum {
	OUTSIDE_GUEST_MODE,
	IN_GUEST_MODE,
	EXITING_GUEST_MODE,
	READING_SHADOW_PAGE_TABLES,
};

#define KVM_USERSPACE_IRQ_SOURCE_ID 0

enum kvm_bus {
	KVM_MMIO_BUS,
	KVM_NR_BUSES
};

#define NR_IOBUS_DEVS 1000

/* arch/arm64/include/asm/kvm_arm.h, kvm_mmu.h */
#define HCR_AMO			HCR_EL2_AMO
#define HCR_IMO			HCR_EL2_IMO
#define HCR_FMO			HCR_EL2_FMO
/* VHE: the kernel's and the hypervisor's addresses are the same */
#define kern_hyp_va(v)		(v)
#define VTCR_EL2_T0SZ		GENMASK(5, 0)
#define VTCR_EL2_IPA(vtcr)	(64 - FIELD_GET(VTCR_EL2_T0SZ, (vtcr)))
#define kvm_phys_shift(mmu)	VTCR_EL2_IPA((mmu)->vtcr)
#define kvm_phys_size(mmu)	(_AC(1, ULL) << kvm_phys_shift(mmu))
#define kvm_phys_mask(mmu)	(kvm_phys_size(mmu) - _AC(1, ULL))

/* arch/arm64/include/asm/cputype.h */
#define MPIDR_HWID_BITMASK	UL(0xff00ffffff)
#define MPIDR_LEVEL_BITS_SHIFT	3
#define MPIDR_LEVEL_BITS	BIT(MPIDR_LEVEL_BITS_SHIFT)
#define MPIDR_LEVEL_MASK	((1 << MPIDR_LEVEL_BITS) - 1)
#define MPIDR_LEVEL_SHIFT(level) \
	(((1 << (level)) >> 1) << MPIDR_LEVEL_BITS_SHIFT)
#define MPIDR_AFFINITY_LEVEL(mpidr, level) \
	(((mpidr) >> MPIDR_LEVEL_SHIFT(level)) & MPIDR_LEVEL_MASK)

struct kvm_s2_mmu {
	u64 vtcr;
	struct kvm_arch *arch;
};

/*
 * The feature ID registers the VM sees, sys_reg(3, 0, 0, 1..7, 0..7), as
 * arch/arm64/include/asm/kvm_host.h indexes kvm->arch.id_regs[].
 */
#define IDREG_IDX(id)		(((sys_reg_CRm(id) - 1) << 3) | sys_reg_Op2(id))
#define KVM_ARM_ID_REG_NUM	(IDREG_IDX(sys_reg(3, 0, 0, 7, 7)) + 1)

struct kvm_arch {
	struct kvm_s2_mmu mmu;
	unsigned long flags;
	/* VM-wide vCPU feature set */
	DECLARE_BITMAP(vcpu_features, KVM_VCPU_MAX_FEATURES);
	/* Protects VM-scoped configuration data */
	struct mutex config_lock;
	struct vgic_dist vgic;
	u64 id_regs[KVM_ARM_ID_REG_NUM];
};

/*
 * arch/arm64/include/asm/kvm_host.h: the vCPU's values of the fine-grained
 * trap registers. ICH_HFGITR_EL2 is the only one the vgic code writes;
 * vcpu_load() (kvm_vcpu_load_fgt()) sets every bit of it (nothing trapped
 * for a GICv5 guest).
 */
enum vcpu_sysreg {
	ICH_HFGITR_EL2, NR_HARNESS_FGT,
	/* Named by hyp/vgic-v3-sr.c for a nested guest, which never runs here */
	ICH_HCR_EL2 = NR_HARNESS_FGT, HFGRTR_EL2, HFGWTR_EL2,
};

struct kvm_vcpu_arch {
	/* Configuration flags, set once and for all before the vcpu can run */
	u8 cflags;
	/* Input flags to the hypervisor code, potentially cleared after use */
	u8 iflags;
	/* State flags for kernel bookkeeping, unused by the hypervisor code */
	u8 sflags;
	struct vgic_cpu vgic_cpu;
	u64 mpidr;	/* __vcpu_sys_reg(vcpu, MPIDR_EL1) */
	struct kvm_mp_state mp_state;
	/* Fine-grained trap values (see vcpu_fgt()) */
	u64 fgt[NR_HARNESS_FGT];
};

#define vcpu_fgt(vcpu, reg)	(&(vcpu)->arch.fgt[reg])

struct pid;

struct task_struct;

struct rcuwait {
	struct task_struct *task;
};

struct kvm_vcpu {
	struct kvm *kvm;
	int cpu;
	int vcpu_id;	/* id given by userspace at creation */
	int vcpu_idx;	/* index into kvm->vcpu_array */
	struct mutex mutex;
	struct pid *pid;	/* non-NULL once the vCPU has run */
	unsigned long requests;
	int mode;
	struct rcuwait wait;
	bool wants_to_run;
	bool preempted;
	bool ready;
	bool scheduled_out;
	struct kvm_vcpu_arch arch;
	/* harness_run.c's counters */
	unsigned int harness_entries;	/* guest entries */
	unsigned int harness_sched_outs;	/* kvm_sched_out() calls */
	unsigned int harness_sleeps;	/* sleeps in schedule() */
	unsigned int harness_wakeups;	/* KVM_SYSTEM_EVENT_WAKEUP exits */
};

struct kvm_irq_routing_table;
struct kvm_io_bus;

/*
 * include/linux/kvm_host.h: a memslot, the fields guest memory accesses use
 * (one address space; the harness keeps a VM's slots in a small array, not
 * the kernel's trees: harness_memslot_add()).
 */
struct kvm_memory_slot {
	gfn_t base_gfn;
	unsigned long npages;
	unsigned long *dirty_bitmap;
	unsigned long userspace_addr;
	u32 flags;
	short id;
	u16 as_id;
	void *harness_user;	/* userspace_addr is the VMM's, not freed here */
};

#define HARNESS_NR_MEMSLOTS	8

struct kvm {
	struct mutex lock;	/* protects the vm, vcpus, and any internal state */
	struct mutex slots_lock;
	struct srcu_struct srcu;
	/* harness: the memslots, by slot number (NULL: none) */
	struct kvm_memory_slot *harness_memslots[HARNESS_NR_MEMSLOTS];
	struct mm_struct *mm;	/* the VMM's: &harness_mm */
	struct xarray vcpu_array;
	atomic_t online_vcpus;
	int max_vcpus;
	int created_vcpus;
	int last_boosted_vcpu;
	struct list_head devices;
	struct kvm_io_bus *buses[KVM_NR_BUSES];
	struct mutex irq_lock;	/* protects irq_routing */
	struct kvm_irq_routing_table *irq_routing;
	struct srcu_struct irq_srcu;
	struct hlist_head irq_ack_notifier_list;
	bool vm_dead;
	struct kvm_arch arch;
};

struct kvm_kernel_irq_routing_entry {
	u32 gsi;
	u32 type;
	int (*set)(struct kvm_kernel_irq_routing_entry *e,
		   struct kvm *kvm, int irq_source_id, int level,
		   bool line_status);
	union {
		struct {
			unsigned int irqchip;
			unsigned int pin;
		} irqchip;
		struct {
			u32 address_lo;
			u32 address_hi;
			u32 data;
			u32 flags;
			u32 devid;
		} msi;
	};
	struct hlist_node link;
};

/* include/linux/kvm_host.h */
struct kvm_irq_ack_notifier {
	struct hlist_node link;
	unsigned int gsi;
	void (*irq_acked)(struct kvm_irq_ack_notifier *kian);
};

struct vm_area_struct;

struct kvm_device {
	const struct kvm_device_ops *ops;
	struct kvm *kvm;
	void *private;
	struct list_head vm_node;
};

/* create, destroy, and name are mandatory */
struct kvm_device_ops {
	const char *name;
	int (*create)(struct kvm_device *dev, u32 type);
	void (*init)(struct kvm_device *dev);
	void (*destroy)(struct kvm_device *dev);
	void (*release)(struct kvm_device *dev);
	int (*set_attr)(struct kvm_device *dev, struct kvm_device_attr *attr);
	int (*get_attr)(struct kvm_device *dev, struct kvm_device_attr *attr);
	int (*has_attr)(struct kvm_device *dev, struct kvm_device_attr *attr);
	long (*ioctl)(struct kvm_device *dev, unsigned int ioctl, unsigned long arg);
	int (*mmap)(struct kvm_device *dev, struct vm_area_struct *vma);
};

static inline struct kvm_vcpu *kvm_get_vcpu(struct kvm *kvm, int i)
{
	int num_vcpus = atomic_read(&kvm->online_vcpus);

	if (i >= num_vcpus)
		return NULL;

	i = array_index_nospec(i, num_vcpus);

	/* Pairs with smp_wmb() in harness_vcpu_create(). */
	smp_rmb();
	return xa_load(&kvm->vcpu_array, i);
}

#define kvm_for_each_vcpu(idx, vcpup, kvm)				\
	if (atomic_read(&(kvm)->online_vcpus))				\
		xa_for_each_range(&(kvm)->vcpu_array, idx, vcpup, 0,	\
				  (atomic_read(&(kvm)->online_vcpus) - 1))

static inline struct kvm_vcpu *kvm_get_vcpu_by_id(struct kvm *kvm, int id)
{
	struct kvm_vcpu *vcpu = NULL;
	unsigned long i;

	if (id < 0)
		return NULL;
	if (id < KVM_MAX_VCPUS)
		vcpu = kvm_get_vcpu(kvm, id);
	if (vcpu && vcpu->vcpu_id == id)
		return vcpu;
	kvm_for_each_vcpu(i, vcpu, kvm)
		if (vcpu->vcpu_id == id)
			return vcpu;
	return NULL;
}

/* arch/arm64/include/asm/kvm_host.h: vCPU flags */
#define __vcpu_single_flag(_set, _f)	_set, (_f), (_f)
#define __vcpu_get_flag(v, flagset, f, m)	(READ_ONCE((v)->arch.flagset) & (m))
#define __vcpu_set_flag(v, flagset, f, m)				\
	do {								\
		if (HWEIGHT(m) > 1)					\
			(v)->arch.flagset &= ~(m);			\
		(v)->arch.flagset |= (f);				\
	} while (0)
#define __vcpu_clear_flag(v, flagset, f, m)	((v)->arch.flagset &= ~(m))
#define vcpu_get_flag(v, ...)	__vcpu_get_flag((v), __VA_ARGS__)
#define vcpu_set_flag(v, ...)	__vcpu_set_flag((v), __VA_ARGS__)
#define vcpu_clear_flag(v, ...)	__vcpu_clear_flag((v), __VA_ARGS__)
#define HWEIGHT(x)		__builtin_popcountll(x)
#define IN_WFIT			__vcpu_single_flag(sflags, BIT(1))
#define IN_WFI			__vcpu_single_flag(sflags, BIT(6))

#define vcpu_has_run_once(vcpu)	(!!READ_ONCE((vcpu)->pid))

/* arch/arm64/include/asm/kvm_host.h: VM flags */
#define KVM_ARCH_FLAG_HAS_RAN_ONCE	2
#define kvm_vm_has_ran_once(kvm)					\
	(test_bit(KVM_ARCH_FLAG_HAS_RAN_ONCE, &(kvm)->arch.flags))
#define vcpu_has_feature(v, f)	test_bit((f), (v)->kvm->arch.vcpu_features)

/* arch/arm64/include/asm/kvm_nested.h */
static inline bool vcpu_has_nv(const struct kvm_vcpu *vcpu)
{
	return cpus_have_final_cap(ARM64_HAS_NESTED_VIRT) &&
	       vcpu_has_feature(vcpu, KVM_ARM_VCPU_HAS_EL2);
}

/* arch/arm64/include/asm/kvm_emulate.h */
static inline unsigned long kvm_vcpu_get_mpidr_aff(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.mpidr & MPIDR_HWID_BITMASK;
}

/* ID registers: kvm_read_vm_id_reg() and the feature checks built on it */
u64 kvm_read_vm_id_reg(const struct kvm *kvm, u32 reg);
void kvm_set_vm_id_reg(struct kvm *kvm, u32 reg, u64 val);
#define __expand_field_sign_unsigned(id, fld, val)			\
	((u64)SYS_FIELD_VALUE(id, fld, val))
#define __expand_field_sign_signed(id, fld, val)			\
	({								\
		u64 __val = SYS_FIELD_VALUE(id, fld, val);		\
		sign_extend64(__val, id##_##fld##_WIDTH - 1);		\
	})
#define get_idreg_field_unsigned(kvm, id, fld)				\
	({								\
		u64 __val = kvm_read_vm_id_reg((kvm), SYS_##id);	\
		FIELD_GET(id##_##fld##_MASK, __val);			\
	})
#define get_idreg_field_signed(kvm, id, fld)				\
	({								\
		u64 __val = get_idreg_field_unsigned(kvm, id, fld);	\
		sign_extend64(__val, id##_##fld##_WIDTH - 1);		\
	})
#define kvm_cmp_feat_signed(kvm, id, fld, op, limit)			\
	(get_idreg_field_signed((kvm), id, fld) op __expand_field_sign_signed(id, fld, limit))
#define kvm_cmp_feat_unsigned(kvm, id, fld, op, limit)			\
	(get_idreg_field_unsigned((kvm), id, fld) op __expand_field_sign_unsigned(id, fld, limit))
#define kvm_cmp_feat(kvm, id, fld, op, limit)				\
	(id##_##fld##_SIGNED ?						\
	 kvm_cmp_feat_signed(kvm, id, fld, op, limit) :			\
	 kvm_cmp_feat_unsigned(kvm, id, fld, op, limit))
#define __kvm_has_feat(kvm, id, fld, limit)	kvm_cmp_feat(kvm, id, fld, >=, limit)
#define kvm_has_feat(kvm, ...)			__kvm_has_feat(kvm, __VA_ARGS__)
static inline s64 sign_extend64(u64 value, int index)
{
	u8 shift = 63 - index;

	return (s64)(value << shift) >> shift;
}

/*
 * Per-CPU host data. Each thread of the harness stands for one physical
 * CPU, so the per-CPU copy is per thread.
 */
struct kvm_host_data {
	unsigned long flags;
	/* Last vgic_irq part of the AP list recorded in an LR */
	struct vgic_irq *last_lr_irq;
	/* PPI state tracking for GICv5-based guests */
	struct {
		DECLARE_BITMAP(pendr, VGIC_V5_NR_PRIVATE_IRQS);
		/* The saved state of the regs when leaving the guest */
		DECLARE_BITMAP(activer_exit, VGIC_V5_NR_PRIVATE_IRQS);
	} vgic_v5_ppi_state;
};

extern __thread struct kvm_host_data kvm_host_data;
#define host_data_ptr(f)	(&kvm_host_data.f)

/* include/linux/kvm_host.h */
extern struct kvm_device_ops kvm_arm_vgic_v2_ops;
extern struct kvm_device_ops kvm_arm_vgic_v3_ops;
extern struct kvm_device_ops kvm_arm_vgic_v5_ops;

/* arch/arm64/include/asm/kvm_hyp.h */
void __vgic_v3_save_state(struct vgic_v3_cpu_if *cpu_if);
void __vgic_v3_restore_state(struct vgic_v3_cpu_if *cpu_if);
void __vgic_v3_activate_traps(struct vgic_v3_cpu_if *cpu_if);
void __vgic_v3_deactivate_traps(struct vgic_v3_cpu_if *cpu_if);
void __vgic_v3_save_aprs(struct vgic_v3_cpu_if *cpu_if);
void __vgic_v3_restore_vmcr_aprs(struct vgic_v3_cpu_if *cpu_if);
void __vgic_v3_init_lrs(void);
int __vgic_v3_perform_cpuif_access(struct kvm_vcpu *vcpu);
/* arch/arm64/include/asm/kvm_asm.h */
bool __vgic_v3_get_gic_config(void);
void __vgic_v5_save_apr(struct vgic_v5_cpu_if *cpu_if);
void __vgic_v5_restore_vmcr_apr(struct vgic_v5_cpu_if *cpu_if);
u64 __vgic_v5_make_resident(u64 contextr);
void __vgic_v5_make_non_resident(u64 contextr);
void __vgic_v5_vdpend(u64 xt);
void __vgic_v5_priority_drop(void);
void __vgic_v5_save_ppi_state(struct vgic_v5_cpu_if *cpu_if);
void __vgic_v5_restore_ppi_state(struct vgic_v5_cpu_if *cpu_if);
void __vgic_v5_save_state(struct vgic_v5_cpu_if *cpu_if);
void __vgic_v5_restore_state(struct vgic_v5_cpu_if *cpu_if);

/* arch/arm64/kvm/mmio.c */
static inline void kvm_mmio_write_buf(void *buf, unsigned int len, unsigned long data)
{
	union { u8 byte; u16 hword; u32 word; u64 dword; } tmp;
	void *datap = NULL;

	switch (len) {
	case 1:
		tmp.byte = data;
		datap = &tmp.byte;
		break;
	case 2:
		tmp.hword = data;
		datap = &tmp.hword;
		break;
	case 4:
		tmp.word = data;
		datap = &tmp.word;
		break;
	case 8:
		tmp.dword = data;
		datap = &tmp.dword;
		break;
	}
	memcpy(buf, datap, len);
}

static inline unsigned long kvm_mmio_read_buf(const void *buf, unsigned int len)
{
	union { u16 hword; u32 word; u64 dword; } tmp;
	unsigned long data = 0;

	switch (len) {
	case 1:
		data = *(u8 *)buf;
		break;
	case 2:
		memcpy(&tmp.hword, buf, len);
		data = tmp.hword;
		break;
	case 4:
		memcpy(&tmp.word, buf, len);
		data = tmp.word;
		break;
	case 8:
		memcpy(&tmp.dword, buf, len);
		data = tmp.dword;
		break;
	}
	return data;
}

#endif
