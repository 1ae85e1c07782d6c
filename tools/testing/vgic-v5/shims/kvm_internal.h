/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_internal.h - what <linux/kvm_host.h> and the arm64 KVM headers
 * (asm/kvm_host.h, kvm_emulate.h, kvm_mmu.h, kvm_hyp.h, kvm_nested.h)
 * provide to the vgic code. Same split as internal.h:
 *
 *   dup_kvm.h     struct kvm, struct kvm_vcpu, struct kvm_device, ... with
 *                 the kernel's field names, and the accessors the vgic code
 *                 uses (kvm_for_each_vcpu, vcpu flags, id-register feature
 *                 checks, ...)
 *   custom_kvm.h  recorded vCPU kicks and requests, the MMIO bus, the device
 *                 ops registry, IRQ routing, hyp calls
 *   stubs_kvm.h   what the vgic calls in the GICv2/v3/ITS/v4 code, the timer
 *                 and the rest of KVM: do-nothing stand-ins (stubs.c)
 */
#ifndef __HARNESS_KVM_INTERNAL_H
#define __HARNESS_KVM_INTERNAL_H

#include "internal.h"
#include <asm/sysreg.h>
#include <linux/kvm.h>
#include <kvm/iodev.h>
#include <kvm/arm_vgic.h>

#include "dup_kvm.h"
#include "custom_kvm.h"
#include "stubs_kvm.h"

#endif
