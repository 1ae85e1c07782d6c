/* SPDX-License-Identifier: GPL-2.0 */
/*
 * st_bridge.h - between the KVM selftest library backend (st_backend.c,
 * built with the selftests' headers) and the harness (st_kernel.c, built
 * with the kernel shims). Plain C types only: each side has its own idea
 * of struct kvm, so VMs, vCPUs and devices cross as opaque pointers.
 * Errors are negative errnos, as the kernel functions return them.
 */
#ifndef __ST_BRIDGE_H
#define __ST_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The host, once per test program (vt_before_each()): true for the first
 * call only, from the VMM's instance of the selftest; guest images get
 * false.
 */
bool stb_host_init(void);
/* Checks after the test: leaks, locks, model violations. Failures found. */
int stb_host_check(void);

/* The selftest's state of a guest thread, whichever instance asks */
void *stb_guest_vcpu(void);
void stb_set_guest_vcpu(void *v);

void *stb_vm_create(void);
void stb_vm_destroy(void *kvm);
int stb_vcpu_create(void *kvm, int vcpu_id, void **vcpu);
int stb_vcpu_id(void *vcpu);

int stb_create_device(void *kvm, uint32_t type, bool test, void **dev);
/* KVM_HAS/GET/SET_DEVICE_ATTR */
enum { STB_ATTR_HAS, STB_ATTR_GET, STB_ATTR_SET };
int stb_device_attr(void *dev, int op, uint32_t group, uint64_t attr, uint64_t addr);

/* KVM_CHECK_EXTENSION(KVM_CAP_MSI_DEVID) on the VM */
int stb_vm_msi_devid(void *kvm);
int stb_irq_line(void *kvm, uint32_t irq, int level);
int stb_signal_msi(void *kvm, uint64_t addr, uint32_t data, uint32_t flags,
		   uint32_t devid);
/* KVM_SET_GSI_ROUTING, entries as struct kvm_irq_routing_entry */
int stb_set_gsi_routing(void *kvm, const void *entries, uint32_t nr, uint32_t flags);
/*
 * irqfd_inject(): kvm_set_irq() 1 then 0 on the GSI's routes; for an
 * irqfd with a resamplefd only 1 (the resampler lowers it on the ack).
 */
int stb_irqfd_inject(void *kvm, uint32_t gsi, bool resample);
/*
 * irqfd_resampler_ack(): registered as the GSI's ack notifier; on the
 * guest's EOI, lowers the line, then calls @notify(@ctx) (eventfd_signal()
 * of the resamplefd).
 */
void *stb_resampler_add(void *kvm, uint32_t gsi, void (*notify)(void *ctx), void *ctx);
void stb_resampler_del(void *kvm, void *resampler);
/* KVM_SET_USER_MEMORY_REGION: @hva backs [gpa, gpa + size); size 0 deletes */
int stb_memslot(void *kvm, int slot, uint64_t gpa, uint64_t size, uint32_t flags, void *hva);

/*
 * KVM_RUN: the kernel's loop calls @guest for each guest entry, on this
 * thread, in guest mode; it returns one of STB_EXIT_*. Returns what
 * KVM_RUN returns.
 */
enum stb_exit { STB_EXIT_USER, STB_EXIT_WFI, STB_EXIT_IRQ, STB_EXIT_MMIO };
int stb_run(void *vcpu, enum stb_exit (*guest)(void *vcpu, void *arg), void *arg);

/* In the guest callback: the access for STB_EXIT_MMIO, then its read value. */
void stb_guest_mmio(uint64_t gpa, int len, uint64_t val, bool write);
uint64_t stb_guest_mmio_result(void);
/*
 * The guest's system register access or system instruction (op0 = 1:
 * GIC CD*, GICR CDIA) on the vCPU running here. Returns 0 when done in
 * place, STB_TRAPPED when KVM handled it as a trap (the guest exits and
 * re-enters), STB_UNDEF when the guest takes an UNDEF for it (KVM's
 * kvm_inject_undefined(), or the CPU's own for an access KVM never sees,
 * whichever 7.3 gives), *val being the ESR_EL1 of the exception, -1 for
 * an encoding nothing models.
 */
#define STB_TRAPPED	1
#define STB_UNDEF	2
int stb_guest_sysreg(void *vcpu, uint32_t encoding, uint64_t *val, bool write);
/* An interrupt the CPU interface would signal now (PSTATE.I aside). */
bool stb_guest_irq_pending(void *vcpu);
/* The vCPU was kicked (vcpu->mode is EXITING_GUEST_MODE) or has requests. */
bool stb_guest_exit_requested(void *vcpu);

#endif
