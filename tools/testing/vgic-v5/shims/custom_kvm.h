/* SPDX-License-Identifier: GPL-2.0 */
/*
 * custom_kvm.h - KVM services the vgic code calls, with behaviour the tests
 * can observe (implemented in custom.c and harness.c):
 *
 *  - kvm_make_request()/kvm_vcpu_kick()/kvm_make_all_cpus_request() are
 *    recorded per vCPU (harness_vcpu_kicks(), harness_vcpu_requests());
 *  - kvm_io_bus_register_dev()/unregister record MMIO regions on a tiny
 *    bus that harness_mmio_guest_{read,write}() dispatch by address;
 *  - kvm_register_device_ops() fills the registry KVM_CREATE_DEVICE uses;
 *  - kvm_set_irq_routing() builds the routing table through the arch
 *    kvm_set_routing_entry(), as virt/kvm/irqchip.c does;
 *  - kvm_call_hyp(f, ...) reports f's name to harness_hyp_call() and then
 *    calls f (as VHE does).
 */
#ifndef __HARNESS_CUSTOM_KVM_H
#define __HARNESS_CUSTOM_KVM_H

void kvm_make_request(int req, struct kvm_vcpu *vcpu);
bool kvm_check_request(int req, struct kvm_vcpu *vcpu);
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);
bool kvm_vcpu_wake_up(struct kvm_vcpu *vcpu);
bool kvm_make_all_cpus_request(struct kvm *kvm, unsigned int req);
void kvm_vm_dead(struct kvm *kvm);
#define kvm_vm_bugged(kvm) kvm_vm_dead(kvm)
/* include/linux/kvm_host.h: a KVM bug fails the test (WARN) and kills the VM */
#define KVM_BUG_ON(cond, kvm)					\
({								\
	bool __ret = !!(cond);					\
								\
	if (WARN_ON_ONCE(__ret))				\
		kvm_vm_bugged(kvm);				\
	unlikely(__ret);					\
})

int kvm_trylock_all_vcpus(struct kvm *kvm);
int kvm_lock_all_vcpus(struct kvm *kvm);
void kvm_unlock_all_vcpus(struct kvm *kvm);
struct kvm_vcpu *kvm_mpidr_to_vcpu(struct kvm *kvm, unsigned long mpidr);

/* The vCPU "running" on this thread (between harness_vcpu_load/put). */
struct kvm_vcpu *kvm_get_running_vcpu(void);
#define kvm_arm_get_running_vcpu() kvm_get_running_vcpu()
struct kvm_vcpu * __percpu *kvm_get_running_vcpus(void);
void kvm_arm_halt_guest(struct kvm *kvm);
void kvm_arm_resume_guest(struct kvm *kvm);

int kvm_io_bus_register_dev(struct kvm *kvm, int bus_idx, gpa_t addr,
			    int len, struct kvm_io_device *dev);
int kvm_io_bus_unregister_dev(struct kvm *kvm, int bus_idx,
			      struct kvm_io_device *dev);
int kvm_register_device_ops(const struct kvm_device_ops *ops, u32 type);
void kvm_unregister_device_ops(u32 type);

int kvm_set_irq_routing(struct kvm *kvm, const struct kvm_irq_routing_entry *ue,
			unsigned int nr, unsigned int flags);
int kvm_set_routing_entry(struct kvm *kvm, struct kvm_kernel_irq_routing_entry *e,
			  const struct kvm_irq_routing_entry *ue);
int kvm_set_msi(struct kvm_kernel_irq_routing_entry *e, struct kvm *kvm,
		int irq_source_id, int level, bool line_status);
int kvm_arch_set_irq_inatomic(struct kvm_kernel_irq_routing_entry *e,
			      struct kvm *kvm, int irq_source_id, int level,
			      bool line_status);

/*
 * IRQ ack notifiers (virt/kvm/eventfd.c and irqchip.c): a GSI routed to
 * (irqchip, pin) has a notifier if one is registered for it, and
 * kvm_notify_acked_irq() calls them, as irqfd resamplers rely on.
 */
void kvm_register_irq_ack_notifier(struct kvm *kvm, struct kvm_irq_ack_notifier *kian);
void kvm_unregister_irq_ack_notifier(struct kvm *kvm, struct kvm_irq_ack_notifier *kian);
bool kvm_irq_has_notifier(struct kvm *kvm, unsigned int irqchip, unsigned int pin);
void kvm_notify_acked_irq(struct kvm *kvm, unsigned int irqchip, unsigned int pin);

/*
 * Guest memory (virt/kvm/kvm_main.c semantics), on the memslots of
 * harness_memslot_add(): -EFAULT for any page outside a slot (or, for a
 * write, in a read-only one); a write marks its pages dirty in a slot that
 * logs them. The caller holds kvm->srcu or kvm->slots_lock (checked, as
 * lockdep checks the kernel's srcu_dereference_check()), and may sleep.
 */
struct kvm_memory_slot *gfn_to_memslot(struct kvm *kvm, gfn_t gfn);
#define KVM_HVA_ERR_BAD		(~0UL - 4095)
static inline bool kvm_is_error_hva(unsigned long addr)
{
	return addr >= KVM_HVA_ERR_BAD;
}

static inline gfn_t gpa_to_gfn(gpa_t gpa)
{
	return (gfn_t)(gpa >> PAGE_SHIFT);
}

/* Whether a memslot (a visible one: all are) holds @gfn */
bool kvm_is_visible_gfn(struct kvm *kvm, gfn_t gfn);
unsigned long gfn_to_hva(struct kvm *kvm, gfn_t gfn);
unsigned long gfn_to_hva_prot(struct kvm *kvm, gfn_t gfn, bool *writable);
struct kvm_io_device *kvm_io_bus_get_dev(struct kvm *kvm, enum kvm_bus bus_idx,
					 gpa_t addr);
int kvm_read_guest(struct kvm *kvm, gpa_t gpa, void *data, unsigned long len);
int kvm_write_guest(struct kvm *kvm, gpa_t gpa, const void *data,
		    unsigned long len);
void mark_page_dirty_in_slot(struct kvm *kvm, const struct kvm_memory_slot *memslot,
			     gfn_t gfn);
void mark_page_dirty(struct kvm *kvm, gfn_t gfn);

/* Duplicated from arch/arm64/include/asm/kvm_mmu.h */
static inline int kvm_read_guest_lock(struct kvm *kvm,
				      gpa_t gpa, void *data, unsigned long len)
{
	int srcu_idx = srcu_read_lock(&kvm->srcu);
	int ret = kvm_read_guest(kvm, gpa, data, len);

	srcu_read_unlock(&kvm->srcu, srcu_idx);

	return ret;
}

static inline int kvm_write_guest_lock(struct kvm *kvm, gpa_t gpa,
				       const void *data, unsigned long len)
{
	int srcu_idx = srcu_read_lock(&kvm->srcu);
	int ret = kvm_write_guest(kvm, gpa, data, len);

	srcu_read_unlock(&kvm->srcu, srcu_idx);

	return ret;
}

/* Host mode: VHE by default; pKVM off. Tests may change them. */
extern bool harness_has_vhe, harness_protected_kvm;
#define has_vhe()			harness_has_vhe
#define is_protected_kvm_enabled()	harness_protected_kvm
/* arch/arm64/include/asm/kvm_host.h: kvm-arm.mode, from the same flag */
enum kvm_mode { KVM_MODE_DEFAULT, KVM_MODE_PROTECTED, KVM_MODE_NV, KVM_MODE_NONE };
#define kvm_get_mode()	(harness_protected_kvm ? KVM_MODE_PROTECTED : KVM_MODE_DEFAULT)
#define system_supports_pmuv3()		harness_cpus_have_cap(ARM64_HAS_PMUV3)
#define kvm_supports_32bit_el0()	false

/* Weak hook (records by default): the name of every kvm_call_hyp() target. */
void harness_hyp_call(const char *fn);
#define kvm_call_hyp(f, ...)	do { harness_hyp_call(#f); f(__VA_ARGS__); } while (0)
#define kvm_call_hyp_ret(f, ...) ({ harness_hyp_call(#f); f(__VA_ARGS__); })
#define kvm_call_hyp_nvhe(f, ...) kvm_call_hyp(f, ##__VA_ARGS__)

#define kvm_err(fmt, ...)	harness_printk("kvm [err]: " fmt, ##__VA_ARGS__)
#define kvm_info(fmt, ...)	harness_printk("kvm [info]: " fmt, ##__VA_ARGS__)
#define kvm_debug(fmt, ...)	harness_printk("kvm [debug]: " fmt, ##__VA_ARGS__)

#endif
