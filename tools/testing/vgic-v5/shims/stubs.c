// SPDX-License-Identifier: GPL-2.0
/*
 * stubs.c - what the common vgic code calls in the GICv2/v3/ITS/v4 code,
 * the timer and the rest of KVM, as do-nothing stand-ins: they return an
 * error or do nothing, so a path that should not be taken for a GICv5 VM
 * does nothing visible rather than something plausible.
 */
#include <linux/kvm_host.h>

#include "../../../arch/arm64/kvm/vgic/vgic.h"
#include "../../../arch/arm64/kvm/vgic/vgic-mmio.h"
#include "../harness.h"

void kvm_timer_init_vm(struct kvm *kvm) { }

int request_percpu_irq(unsigned int irq, irq_handler_t handler,
		       const char *devname, void *percpu_dev_id)
{
	return 0;
}

/* vgic-debug.c */
void vgic_debug_init(struct kvm *kvm) { }
void vgic_debug_destroy(struct kvm *kvm) { }

/* GICv2, GICv3, ITS and GICv4: not emulated here. */
void __vgic_v3_activate_traps(struct vgic_v3_cpu_if *cpu_if)
{ }
void __vgic_v3_deactivate_traps(struct vgic_v3_cpu_if *cpu_if)
{ }
void __vgic_v3_restore_state(struct vgic_v3_cpu_if *cpu_if)
{ }
void __vgic_v3_save_state(struct vgic_v3_cpu_if *cpu_if)
{ }
int its_prop_update_vsgi(int irq, u8 priority, bool group)
{ return -ENODEV; }
/* No ITS device is registered: a GICv3 VM simply has no ITS here. */
int kvm_vgic_register_its_device(void)
{ return 0; }
bool system_supports_direct_sgis(void)
{ return false; }
bool vgic_has_its(struct kvm *kvm)
{ return false; }
int vgic_its_inject_cached_translation(struct kvm *kvm, struct kvm_msi *msi)
{ return -ENODEV; }
int vgic_its_inject_msi(struct kvm *kvm, struct kvm_msi *msi)
{ return -ENODEV; }
int vgic_register_redist_iodev(struct kvm_vcpu *vcpu)
{ return -ENODEV; }
bool vgic_state_is_nested(struct kvm_vcpu *vcpu)
{ return false; }
bool vgic_supports_direct_msis(struct kvm *kvm)
{ return false; }
bool vgic_supports_direct_sgis(struct kvm *kvm)
{ return false; }
void vgic_unregister_redist_iodev(struct kvm_vcpu *vcpu)
{ }
void vgic_v2_clear_lr(struct kvm_vcpu *vcpu, int lr)
{ }
void vgic_v2_configure_hcr(struct kvm_vcpu *vcpu, struct ap_list_summary *als)
{ }
int vgic_v2_cpuif_uaccess(struct kvm_vcpu *vcpu, bool is_write, int offset, u32 *val)
{ return -ENODEV; }
int vgic_v2_dist_uaccess(struct kvm_vcpu *vcpu, bool is_write, int offset, u32 *val)
{ return -ENODEV; }
void vgic_v2_fold_lr_state(struct kvm_vcpu *vcpu)
{ }
void vgic_v2_get_vmcr(struct kvm_vcpu *vcpu, struct vgic_vmcr *vmcr)
{ }
int vgic_v2_has_attr_regs(struct kvm_device *dev, struct kvm_device_attr *attr)
{ return -ENODEV; }
unsigned int vgic_v2_init_dist_iodev(struct vgic_io_device *dev)
{ return 0; }
void vgic_v2_init_lrs(void)
{ }
void vgic_v2_load(struct kvm_vcpu *vcpu)
{ }
int vgic_v2_map_resources(struct kvm *kvm)
{ return -ENODEV; }
void vgic_v2_populate_lr(struct kvm_vcpu *vcpu, struct vgic_irq *irq, int lr)
{ }
int vgic_v2_probe(const struct gic_kvm_info *info)
{ return -ENODEV; }
void vgic_v2_put(struct kvm_vcpu *vcpu)
{ }
void vgic_v2_reset(struct kvm_vcpu *vcpu)
{ }
void vgic_v2_restore_state(struct kvm_vcpu *vcpu)
{ }
void vgic_v2_save_state(struct kvm_vcpu *vcpu)
{ }
void vgic_v2_set_vmcr(struct kvm_vcpu *vcpu, struct vgic_vmcr *vmcr)
{ }
void vgic_v3_clear_lr(struct kvm_vcpu *vcpu, int lr)
{ }
void vgic_v3_configure_hcr(struct kvm_vcpu *vcpu, struct ap_list_summary *als)
{ }
int vgic_v3_cpu_sysregs_uaccess(struct kvm_vcpu *vcpu, struct kvm_device_attr *attr, bool is_write)
{ return -ENODEV; }
int vgic_v3_dist_uaccess(struct kvm_vcpu *vcpu, bool is_write, int offset, u32 *val)
{ return -ENODEV; }
void vgic_v3_enable_cpuif_traps(void)
{ }
void vgic_v3_flush_nested(struct kvm_vcpu *vcpu)
{ }
void vgic_v3_fold_lr_state(struct kvm_vcpu *vcpu)
{ }
void vgic_v3_free_redist_region(struct kvm *kvm, struct vgic_redist_region *rdreg)
{ }
void vgic_v3_get_vmcr(struct kvm_vcpu *vcpu, struct vgic_vmcr *vmcr)
{ }
void vgic_v3_handle_nested_maint_irq(struct kvm_vcpu *vcpu)
{ }
int vgic_v3_has_attr_regs(struct kvm_device *dev, struct kvm_device_attr *attr)
{ return -ENODEV; }
unsigned int vgic_v3_init_dist_iodev(struct vgic_io_device *dev)
{ return 0; }
int vgic_v3_line_level_info_uaccess(struct kvm_vcpu *vcpu, bool is_write, u32 intid, u32 *val)
{ return -ENODEV; }
void vgic_v3_load(struct kvm_vcpu *vcpu)
{ }
int vgic_v3_map_resources(struct kvm *kvm)
{ return -ENODEV; }
void vgic_v3_nested_update_mi(struct kvm_vcpu *vcpu)
{ }
void vgic_v3_populate_lr(struct kvm_vcpu *vcpu, struct vgic_irq *irq, int lr)
{ }
int vgic_v3_probe(const struct gic_kvm_info *info)
{ return -ENODEV; }
void vgic_v3_put(struct kvm_vcpu *vcpu)
{ }
struct vgic_redist_region *vgic_v3_rdist_region_from_index(struct kvm *kvm, u32 index)
{ return NULL; }
int vgic_v3_redist_uaccess(struct kvm_vcpu *vcpu, bool is_write, int offset, u32 *val)
{ return -ENODEV; }
void vgic_v3_reset(struct kvm_vcpu *vcpu)
{ }
int vgic_v3_save_pending_tables(struct kvm *kvm)
{ return -ENODEV; }
int vgic_v3_set_redist_base(struct kvm *kvm, u32 index, u64 addr, u32 count)
{ return -ENODEV; }
void vgic_v3_set_vmcr(struct kvm_vcpu *vcpu, struct vgic_vmcr *vmcr)
{ }
void vgic_v3_sync_nested(struct kvm_vcpu *vcpu)
{ }
int vgic_v4_load(struct kvm_vcpu *vcpu)
{ return 0; }
int vgic_v4_put(struct kvm_vcpu *vcpu)
{ return 0; }
void vgic_v4_commit(struct kvm_vcpu *vcpu)
{ }
int vgic_v4_init(struct kvm *kvm)
{ return -ENODEV; }
void vgic_v4_teardown(struct kvm *kvm)
{ }
void __vgic_v3_init_lrs(void)
{ }
