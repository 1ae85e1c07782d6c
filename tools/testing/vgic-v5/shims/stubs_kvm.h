/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stubs_kvm.h - the rest of KVM as do-nothing stand-ins (stubs.c). The
 * GICv2/v3/ITS/v4 functions the common vgic code calls are declared by the
 * real vgic.h; stubs.c defines them: they return an error or do nothing.
 * None of their logic is copied.
 */
#ifndef __HARNESS_STUBS_KVM_H
#define __HARNESS_STUBS_KVM_H

/* include/kvm/arm_arch_timer.h */
void kvm_timer_init_vm(struct kvm *kvm);

/*
 * arch/arm64/kvm/vgic/vgic-v3.c: alternative callbacks, compiled but never
 * called (no instruction is patched here, see asm/alternative.h in
 * stubs.h), and what they use: instruction encoding, the EL2 stub's HVC.
 */
struct alt_instr;
enum aarch64_insn_register_type { AARCH64_INSN_REGTYPE_RD };
enum aarch64_insn_variant { AARCH64_INSN_VARIANT_64BIT };
enum aarch64_insn_movewide_type { AARCH64_INSN_MOVEWIDE_ZERO, AARCH64_INSN_MOVEWIDE_KEEP };
u32 aarch64_insn_decode_register(enum aarch64_insn_register_type type, u32 insn);
u32 aarch64_insn_gen_movewide(u32 dst, int imm, int shift,
			      enum aarch64_insn_variant variant,
			      enum aarch64_insn_movewide_type type);
struct arm_smccc_res { unsigned long a0, a1, a2, a3; };
#define HVC_GET_ICH_VTR_EL2	6
#define HVC_STUB_ERR		0xbadca11
void arm_smccc_1_1_hvc(unsigned long fn, struct arm_smccc_res *res);
#define is_hyp_mode_available()	true
#define is_kernel_in_hyp_mode()	has_vhe()

/*
 * arch/arm64/kvm/hyp/vgic-v3-sr.c: __vgic_v3_perform_cpuif_access(), the
 * emulation of a guest's trapped GICv3 CPU interface register access, is
 * compiled but unreachable: no guest GICv3 system register access traps
 * here (the v3 VMs of the harness have no guest code). What it reads of
 * the trapped access and the vCPU's context is therefore stubbed.
 */
#define ESR_ELx_SYS64_ISS_DIR_MASK	0x1
#define ESR_ELx_SYS64_ISS_DIR_READ	0x1
#define ESR_ELx_SYS64_ISS_CRM_SHIFT	1
#define ESR_ELx_SYS64_ISS_CRM_MASK	(UL(0xf) << ESR_ELx_SYS64_ISS_CRM_SHIFT)
#define kvm_vcpu_get_esr(vcpu)		((void)(vcpu), 0ULL)
#define kvm_vcpu_sys_get_rt(vcpu)	((void)(vcpu), 0)
#define esr_sys64_to_sysreg(esr)	((void)(esr), 0U)
#define esr_cp15_to_sysreg(esr)		((void)(esr), 0U)
#define vcpu_mode_is_32bit(vcpu)	((void)(vcpu), false)
#define kvm_condition_valid(vcpu)	((void)(vcpu), true)
#define __kvm_skip_instr(vcpu)		((void)(vcpu))
#define is_nested_ctxt(vcpu)		((void)(vcpu), false)
#define __vcpu_sys_reg(vcpu, r)		((void)(vcpu), (void)(r), 0ULL)
#define vcpu_get_reg(vcpu, rt)		((void)(vcpu), (void)(rt), 0UL)
#define vcpu_set_reg(vcpu, rt, v)	((void)(vcpu), (void)(rt), (void)(v))

#endif
