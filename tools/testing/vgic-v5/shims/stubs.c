// SPDX-License-Identifier: GPL-2.0
/*
 * stubs.c - what the compiled vgic code calls in the kernel files the
 * harness does not compile (GICv2, GICv4, nested GICv3, the GICv3 CPU
 * interface sysreg accessors, the host's GICv4 irqchip, vgic-debug.c), the
 * timer and the rest of KVM, as do-nothing stand-ins: they return an error
 * or do nothing, so a path that should not be taken does nothing visible
 * rather than something plausible. The stock GICv3 and its ITS
 * (vgic-v3.c, vgic-mmio-v3.c, vgic-its.c, hyp/vgic-v3-sr.c) are compiled.
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

/* vgic-debug.c: no debugfs */
void vgic_debug_init(struct kvm *kvm) { }
void vgic_debug_destroy(struct kvm *kvm) { }
int vgic_its_debug_init(struct kvm_device *dev)
{ return 0; }
void vgic_its_debug_destroy(struct kvm_device *dev)
{ }

/* lib/kstrtox.c, for the command line handlers, which never run here */
int kstrtobool(const char *s, bool *res)
{ return -EINVAL; }

/*
 * arch/arm64/lib/insn.c and the SMCCC HVC, for vgic-v3.c's alternative
 * callbacks, which never run here (no instruction is patched)
 */
u32 aarch64_insn_decode_register(enum aarch64_insn_register_type type, u32 insn)
{ return 0; }
u32 aarch64_insn_gen_movewide(u32 dst, int imm, int shift,
			      enum aarch64_insn_variant variant,
			      enum aarch64_insn_movewide_type type)
{ return 0; }
void arm_smccc_1_1_hvc(unsigned long fn, struct arm_smccc_res *res)
{ res->a0 = HVC_STUB_ERR; }

/* GICv2 (vgic-v2.c, vgic-mmio-v2.c): not emulated here. */
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

/* arch/arm64/kvm/vgic-sys-reg-v3.c: the GICv3 CPU interface attributes */
int vgic_v3_cpu_sysregs_uaccess(struct kvm_vcpu *vcpu, struct kvm_device_attr *attr, bool is_write)
{ return -ENODEV; }
int vgic_v3_has_cpu_sysregs_attr(struct kvm_vcpu *vcpu, struct kvm_device_attr *attr)
{ return -ENXIO; }

/* vgic-v3-nested.c: no nested virtualization for the vgic */
bool vgic_state_is_nested(struct kvm_vcpu *vcpu)
{ return false; }
void vgic_v3_flush_nested(struct kvm_vcpu *vcpu)
{ }
void vgic_v3_handle_nested_maint_irq(struct kvm_vcpu *vcpu)
{ }
void vgic_v3_nested_update_mi(struct kvm_vcpu *vcpu)
{ }
void vgic_v3_sync_nested(struct kvm_vcpu *vcpu)
{ }
void vgic_v3_load_nested(struct kvm_vcpu *vcpu)
{ }
void vgic_v3_put_nested(struct kvm_vcpu *vcpu)
{ }

/* vgic-v4.c: no GICv4 (kvm_vgic_global_state.has_gicv4 stays false) */
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
void vgic_v4_configure_vsgis(struct kvm *kvm)
{ }
void vgic_v4_get_vlpi_state(struct vgic_irq *irq, bool *val)
{ }
int vgic_v4_request_vpe_irq(struct kvm_vcpu *vcpu, int irq)
{ return -ENODEV; }

/* drivers/irqchip/irq-gic-v4.c: the host's GICv4, which it does not have */
int its_prop_update_vsgi(int irq, u8 priority, bool group)
{ return -ENODEV; }
bool gic_cpuif_has_vsgi(void)
{ return false; }
int its_map_vlpi(int irq, struct its_vlpi_map *map)
{ return -ENODEV; }
int its_get_vlpi(int irq, struct its_vlpi_map *map)
{ return -ENODEV; }
void its_unmap_vlpi(int irq)
{ }
int its_prop_update_vlpi(int irq, u8 config, bool inv)
{ return -ENODEV; }
int its_invall_vpe(struct its_vpe *vpe)
{ return -ENODEV; }
