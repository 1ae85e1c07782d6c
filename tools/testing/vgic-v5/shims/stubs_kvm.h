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

/* arch/arm64/kvm/vgic/vgic-v3.c: alternative callbacks (never patched here) */
struct alt_instr;

#endif
