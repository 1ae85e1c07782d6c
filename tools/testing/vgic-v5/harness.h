/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - test support: VMs, vCPUs and the vgic device, driven through
 * the same kernel entry points the KVM ioctls use (see harness.c for which
 * kernel function each helper stands for), plus what tests observe.
 */
#ifndef __HARNESS_H
#define __HARNESS_H

#include <linux/kvm_host.h>
#include "../../../arch/arm64/kvm/vgic/vgic.h"
#include "gicv5_model.h"

/* ------------------------------------------------------------- host setup */

/* The host GIC the harness "boots" with (kvm_vgic_hyp_init()). */
struct harness_host {
	enum gic_type type;		/* GIC_V5 by default */
	bool gcie_legacy;		/* ARM64_HAS_GICV5_LEGACY */
	bool nested_virt;		/* ARM64_HAS_NESTED_VIRT */
	bool pmuv3;			/* ARM64_HAS_PMUV3 */
	const struct gm_caps *irs;	/* host IRS model caps, NULL: gm_caps_default() */
	bool no_irs;			/* the irqchip hands KVM no IRS (irs_base NULL) */
	/*
	 * ICH_VTR_EL2 of the GICv3 CPU interface (vgic_ich_vtr()); for a
	 * GIC_V3 host, 0 is HARNESS_V3_ICH_VTR. A GIC_V3 host has no GICv2
	 * compatibility: its ICC_SRE_EL1.SRE is RAO/WI.
	 */
	u64 ich_vtr;
};

/* 4 LRs, 5 priority and preemption bits, 16-bit IDs, A3V, TDS */
#define HARNESS_V3_ICH_VTR	0x90280003ULL

/*
 * Re-run host init with a different host; returns kvm_vgic_hyp_init()'s
 * value. Each call makes a fresh IRS model; what the host allocates at init
 * is kept for the host's life (not a leak).
 */
int harness_host_init(const struct harness_host *host);
/* The gic_kvm_info the irqchip handed KVM at the last host init. */
const struct gic_kvm_info *harness_host_kvm_info(void);
/*
 * Drop the IRS models of the hosts earlier harness_host_init() calls
 * replaced, and their violations (at most 8 are kept for the checks).
 */
void harness_model_retire_old(void);

/* ------------------------------------------------------------- VMs, vCPUs */

/* KVM_CREATE_VM (kvm_create_vm() + kvm_arch_init_vm()); NULL on -ENOMEM. */
struct kvm *harness_vm_create(void);
/* The VM's last reference goes (kvm_destroy_vm()): devices, vgic, vCPUs. */
void harness_vm_destroy(struct kvm *kvm);
/* KVM_CREATE_VCPU (kvm_vm_ioctl_create_vcpu()). */
int harness_vcpu_create(struct kvm *kvm, int vcpu_id, struct kvm_vcpu **vcpup);
/* First KVM_RUN (kvm_arch_vcpu_run_pid_change()): vgic parts. */
int harness_vcpu_first_run(struct kvm_vcpu *vcpu);
/*
 * vcpu_load()/vcpu_put() on this thread, as the ioctls that load a vCPU do
 * (harness_run.c): kvm_arch_vcpu_load()/put(), the preempt notifier.
 */
void harness_vcpu_load(struct kvm_vcpu *vcpu);
void harness_vcpu_put(struct kvm_vcpu *vcpu);

/*
 * KVM_RUN (harness_run.c): kvm_vcpu_ioctl() -> kvm_arch_vcpu_ioctl_run(),
 * the kernel's loop. Each guest entry calls guest(vcpu, arg) between
 * kvm_vgic_flush_hwstate() and kvm_vgic_sync_hwstate(); what it returns is
 * the exit handle_exit() handles: WFI goes to kvm_vcpu_wfi() ->
 * kvm_vcpu_halt() -> kvm_vcpu_block(), where the thread really sleeps until
 * kvm_vcpu_wake_up()/kvm_vcpu_kick() from another thread or a handler
 * (3 s at most: a lost wake-up fails the test), switched out and in through
 * kvm_sched_out()/kvm_sched_in() around each sleep. Returns what KVM_RUN
 * returns (0 for HARNESS_EXIT_USER, -EIO for a dead VM, -EINTR on a signal).
 */
enum harness_exit {
	HARNESS_EXIT_USER,	/* back to userspace (KVM_RUN returns 0) */
	HARNESS_EXIT_WFI,	/* trapped WFI */
	HARNESS_EXIT_IRQ,	/* a host interrupt: straight back in */
	HARNESS_EXIT_MMIO,	/* the access of harness_guest_mmio() */
};

/* The guest's MMIO access for its next HARNESS_EXIT_MMIO; a read's value. */
struct harness_mmio {
	gpa_t addr;
	int len;
	u64 val;
	bool write;
};

void harness_guest_mmio(gpa_t addr, int len, u64 val, bool write);
u64 harness_guest_mmio_result(void);
typedef enum harness_exit (*harness_guest_t)(struct kvm_vcpu *vcpu, void *arg);
int harness_kvm_run(struct kvm_vcpu *vcpu, harness_guest_t guest, void *arg);
/*
 * KVM_SET_MP_STATE to KVM_MP_STATE_SUSPENDED (as after a SYSTEM_SUSPEND
 * exit), or back to KVM_MP_STATE_RUNNABLE. A suspended vCPU blocks in
 * KVM_RUN until it has an interrupt to take, then leaves it (returns 0)
 * with KVM_SYSTEM_EVENT_WAKEUP, counted in vcpu->harness_wakeups.
 */
void harness_vcpu_set_suspended(struct kvm_vcpu *vcpu, bool suspended);

/* check_vcpu_requests() of the run loop, for the vCPU loaded here. */
int harness_check_vcpu_requests(struct kvm_vcpu *vcpu);

/* Points of the vCPU thread where a hook (of that thread) runs. */
enum harness_run_point {
	HARNESS_RUN_WFI_PUT,		/* kvm_vcpu_wfi(): after kvm_vgic_put() */
	/* kvm_vcpu_block(): kvm_vcpu_check_block() said 0, before schedule() */
	HARNESS_RUN_BLOCK_CHECKED,
};

typedef void (*harness_run_hook_t)(struct kvm_vcpu *vcpu, enum harness_run_point point,
				   void *arg);
void harness_set_run_hook(harness_run_hook_t hook, void *arg);
/* This thread is preempted now (switched out and in), onto to_cpu (-1: same). */
void harness_preempt(int to_cpu);
/* This thread comes back on to_cpu after its next sleep. */
void harness_migrate_on_wake(int to_cpu);
/* A signal for this thread: kvm_vcpu_check_block() and KVM_RUN see it. */
void harness_signal_current(void);
/* ... for the thread of a vCPU that blocks (false if it does not). */
bool harness_signal_vcpu(struct kvm_vcpu *vcpu);
/* Whether the vCPU's thread sleeps in kvm_vcpu_block(); wait for it (2 s). */
bool harness_vcpu_asleep(struct kvm_vcpu *vcpu);
bool harness_wait_vcpu_asleep(struct kvm_vcpu *vcpu);
/*
 * kvm_handle_sys_reg() for a trapped system instruction (sys_insn_descs[]),
 * Xt = xt: returns whether the PC was advanced (the instruction skipped).
 */
int harness_handle_sys_insn(struct kvm_vcpu *vcpu, u32 encoding, u64 xt);
/* Internal: the running vCPU of this thread (CPU), guest mode. */
void harness_set_running_vcpu(struct kvm_vcpu *vcpu);
extern __thread bool harness_in_guest;
/*
 * One guest entry/exit of KVM_RUN: kvm_vgic_flush_hwstate(), then guest(vcpu)
 * if not NULL (it stands for the guest and the hardware, e.g. changes ICH_*
 * registers), then kvm_vgic_sync_hwstate(). IRQs are disabled throughout.
 */
void harness_vcpu_enter_exit(struct kvm_vcpu *vcpu, void (*guest)(struct kvm_vcpu *vcpu));

/* -------------------------------------------------------------- devices */

/* KVM_CREATE_DEVICE (kvm_ioctl_create_device()); dev may be NULL. */
/* Whether KVM_CREATE_DEVICE knows the type (KVM_CREATE_DEVICE_TEST). */
bool harness_device_type_known(u32 type);
int harness_create_device(struct kvm *kvm, u32 type, struct kvm_device **devp);
/* KVM_{SET,GET,HAS}_DEVICE_ATTR: the kvm_device_attr is copied in first. */
int harness_set_attr(struct kvm_device *dev, u32 group, u64 attr, void *addr);
int harness_get_attr(struct kvm_device *dev, u32 group, u64 attr, void *addr);
int harness_has_attr(struct kvm_device *dev, u32 group, u64 attr);
/* Shorthand: KVM_DEV_ARM_VGIC_GRP_CTRL / KVM_DEV_ARM_VGIC_CTRL_INIT. */
int harness_vgic_init(struct kvm_device *dev);

/* KVM_IRQ_LINE (kvm_vm_ioctl_irq_line() in arm.c). */
int harness_irq_line(struct kvm *kvm, u32 irq, bool level);
static inline u32 harness_irq_num(u32 type, u32 vcpu_id, u32 num)
{
	return (type << KVM_ARM_IRQ_TYPE_SHIFT) |
	       ((vcpu_id & 0xff) << KVM_ARM_IRQ_VCPU_SHIFT) |
	       (((vcpu_id >> 8) & 0xf) << KVM_ARM_IRQ_VCPU2_SHIFT) | num;
}

/* KVM_SIGNAL_MSI (kvm_send_userspace_msi() -> kvm_set_msi()): address, data */
int harness_msi(struct kvm *kvm, u64 addr, u32 data);
/*
 * The routing entry of that MSI (what kvm_set_msi() and irqfd's
 * kvm_arch_set_irq_inatomic() take), and of one with KVM_MSI_VALID_DEVID
 * and @devid (an MSI through an ITS).
 */
struct kvm_kernel_irq_routing_entry harness_msi_route(u64 addr, u32 data);
struct kvm_kernel_irq_routing_entry harness_msi_devid_route(u64 addr, u32 data, u32 devid);

/*
 * Another thread holds @vcpu's mutex, as KVM_RUN does while the vCPU runs,
 * until harness_release_vcpu(). Returns once it does.
 */
struct harness_vcpu_holder;
struct harness_vcpu_holder *harness_hold_vcpu(struct kvm_vcpu *vcpu);
void harness_release_vcpu(struct harness_vcpu_holder *h);

/* kvm_set_irq() on the routing table (what irqfd injection does). */
int harness_set_irq(struct kvm *kvm, u32 gsi, int level);
/*
 * @e: GSI @gsi routed to pin @pin of the irqchip (an SPI), as
 * kvm_set_irq_routing() fills an entry. Returns kvm_set_routing_entry()'s.
 */
int harness_irqchip_route(struct kvm *kvm, struct kvm_kernel_irq_routing_entry *e,
			  u32 gsi, u32 pin);
int harness_irqfd_wakeup(struct kvm *kvm, u32 gsi, bool resample);

/* Guest MMIO through the KVM_MMIO_BUS: -EOPNOTSUPP if nothing is mapped. */
int harness_mmio_guest_read(struct kvm_vcpu *vcpu, gpa_t addr, int len, void *val);
int harness_mmio_guest_write(struct kvm_vcpu *vcpu, gpa_t addr, int len, const void *val);
int harness_io_bus_regions(struct kvm *kvm);
/*
 * Free the MMIO bus copies that changes replaced, as the kernel does after
 * synchronize_srcu(): with kvm->slots_lock held, when no vCPU thread or
 * injector can be looking the bus up.
 */
void harness_io_bus_reclaim(struct kvm *kvm);

/*
 * Guest memory: memslots backed by (zeroed, page-aligned) host memory, as
 * KVM_SET_USER_MEMORY_REGION with @flags KVM_MEM_LOG_DIRTY_PAGES and/or
 * KVM_MEM_READONLY. @gpa and @size are page multiples, slots do not
 * overlap; -EINVAL, -EEXIST or -ENOMEM otherwise. kvm_read_guest(),
 * kvm_write_guest() and their _lock variants work on them (the kernel's
 * semantics, see shims/custom_kvm.h). Slots go with harness_vm_destroy().
 */
int harness_memslot_add(struct kvm *kvm, int slot, gpa_t gpa, size_t size, u32 flags);
/* The same, backed by the caller's page-aligned memory at @hva (kept). */
int harness_memslot_add_user(struct kvm *kvm, int slot, gpa_t gpa, size_t size, u32 flags,
			     void *hva);
void harness_memslot_remove(struct kvm *kvm, int slot);
/*
 * What the guest's CPUs see at @gpa: a pointer to @len bytes of one slot,
 * or NULL. Accesses through it are the guest's: they mark nothing dirty.
 */
void *harness_guest_mem(struct kvm *kvm, gpa_t gpa, size_t len);
/*
 * KVM_GET_DIRTY_LOG: copy the slot's dirty bitmap (a bit per page) to
 * @bitmap (may be NULL) and clear it. Returns the number of dirty pages, or
 * -ENOENT if the slot does not exist or does not log dirty pages.
 */
int harness_get_dirty_log(struct kvm *kvm, int slot, unsigned long *bitmap);

/*
 * Convenience for tests: a VM with vCPUs 0..nr_vcpus-1 and a vgic device of
 * the given type (0: none). Fails the test (returns NULL) on any error.
 */
struct kvm *harness_vm_with(int nr_vcpus, u32 dev_type, struct kvm_device **devp);

/*
 * A v5 VM with vCPUs 0..nr_vcpus-1, its IRS at HARNESS_V5_IRS_BASE, after
 * CTRL_INIT and, if @run, after the first run of vCPU 0. Fails the test
 * (returns NULL) on any error.
 */
#define HARNESS_V5_IRS_BASE	0x08000000ULL
struct kvm *harness_v5_vm(int nr_vcpus, bool run);
/* The same, with @nr_spis SPIs (0: the default) and the device in @devp. */
struct kvm *harness_v5_vm_dev(int nr_vcpus, u32 nr_spis, bool run,
			      struct kvm_device **devp);
/*
 * KVM_SET_DEVICE_ATTR(GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_IRS) = HARNESS_V5_IRS_BASE
 * on a v5 device: the VM gets an IRS at CTRL_INIT. Returns the errno.
 */
int harness_v5_set_irs(struct kvm_device *dev);
/*
 * A v5 VM of one vCPU, after its first run, vCPU 0 loaded on this thread,
 * whose guest registered its PE (IRS_PE_CR0) and enabled its IRS
 * (IRS_CR0.IRSEN, which reaches the resident vPE on its reload). Fails the
 * test (returns NULL) on any error.
 */
struct kvm *harness_v5_irs_vm(void);
/*
 * The guest's set-up of SPI @spi as Linux's gicv5 driver does it, @vcpu
 * loaded: its trigger mode (IRS_SPI_SELR, IRS_SPI_CFGR, read back), then
 * GIC CDPRI (@prio), CDAFF (@iaffid) and CDEN; harness_v5_guest_spi() does
 * both, the SPI targeted at IAFFID 0.
 */
void harness_v5_guest_spi_type(struct kvm_vcpu *vcpu, u32 spi, bool level);
void harness_v5_guest_spi_route(u32 spi, u8 prio, u16 iaffid);
void harness_v5_guest_spi(struct kvm_vcpu *vcpu, u32 spi, bool level, u8 prio);

/*
 * The stock GICv3 (the reference the bench measures the v5 paths against):
 * a v3 VM with vCPUs 0..nr_vcpus-1, its distributor at HARNESS_V3_DIST_BASE,
 * its redistributors from HARNESS_V3_REDIST_BASE (one legacy region, 128 KiB
 * a vCPU), @nr_spis SPIs (0: the default; GRP_NR_IRQS takes a multiple of
 * 32 INTIDs, at most 1023: at most 960 SPIs), with @its an ITS
 * (KVM_DEV_TYPE_ARM_VGIC_ITS) at HARNESS_V3_ITS_BASE, after CTRL_INIT and,
 * if @run, the first run of vCPU 0. The host must have a GICv3 CPU
 * interface (GIC_V3, or GIC_V5 with gcie_legacy). Fails the test (returns
 * NULL) on any error.
 */
#define HARNESS_V3_DIST_BASE	0x08000000ULL
#define HARNESS_V3_ITS_BASE	0x08080000ULL
#define HARNESS_V3_REDIST_BASE	0x080a0000ULL
struct kvm *harness_v3_vm_dev(int nr_vcpus, u32 nr_spis, bool its, bool run,
			      struct kvm_device **devp);
/*
 * What the guest's GICv3 driver and ITS driver do before a device can send
 * MSIs (at most 8 vCPUs): with its tables in a memslot of 1 MiB at @tables,
 * GICD_CTLR (affinity routing, group 1 enabled), GICR_PROPBASER (16 ID
 * bits, every LPI enabled at priority 0xa0),
 * GICR_PENDBASER and GICR_CTLR.EnableLPIs of each vCPU, GITS_BASER0/1,
 * GITS_CBASER, GITS_CTLR.Enabled, and a MAPC of collection i to vCPU i.
 */
#define HARNESS_V3_TABLES_SIZE	SZ_1M
void harness_v3_its_guest_init(struct kvm *kvm, int slot, gpa_t tables);
/* ITS commands through the guest's command queue (GITS_CWRITER) */
void harness_v3_its_cmd(struct kvm *kvm, const u64 cmd[4]);
void harness_v3_its_mapd(struct kvm *kvm, u32 devid, unsigned int eventid_bits);
void harness_v3_its_mapti(struct kvm *kvm, u32 devid, u32 eventid, u32 lpi, u16 icid);
/* KVM_SIGNAL_MSI with KVM_MSI_VALID_DEVID */
int harness_msi_devid(struct kvm *kvm, u64 addr, u32 data, u32 devid);

/*
 * Guest accesses of @len bytes to the IRS frames at HARNESS_V5_IRS_BASE +
 * @off. An access the MMIO bus refuses, or a read that writes beyond @len
 * bytes, fails the test.
 */
u64 harness_irs_read(struct kvm_vcpu *vcpu, u32 off, int len);
void harness_irs_write(struct kvm_vcpu *vcpu, u32 off, int len, u64 val);
#define rd32(v, off)		harness_irs_read(v, off, 4)
#define rd64(v, off)		harness_irs_read(v, off, 8)
#define wr32(v, off, x)		harness_irs_write(v, off, 4, x)
#define wr64(v, off, x)		harness_irs_write(v, off, 8, x)

/*
 * The guest takes an interrupt as Linux's gicv5_handle_irq() does: GICR
 * CDIA, then GIC CDEOI at once, the handler (@handler, may be NULL), then
 * GIC CDDI from irq_eoi. Returns the INTID (TYPE | ID) taken, 0 for none.
 * harness_guest_take() is for a guest callback of harness_vcpu_enter_exit();
 * harness_run_take() is one such KVM_RUN round trip of the loaded vCPU.
 */
u32 harness_guest_take(struct kvm_vcpu *vcpu, void (*handler)(struct kvm_vcpu *vcpu));
u32 harness_run_take(struct kvm_vcpu *vcpu, void (*handler)(struct kvm_vcpu *vcpu));

/* ------------------------------------------------------------ observation */

enum harness_event_type {
	HE_SYSREG_READ,		/* name, a = encoding, b = value */
	HE_SYSREG_WRITE,	/* name, a = encoding, b = value */
	HE_HYP_CALL,		/* name = function */
	HE_CACHE_OP,		/* name = operation, a = start, b = end */
	HE_KICK,		/* a = vcpu_id */
	HE_REQUEST,		/* a = vcpu_id, b = request */
	HE_ACK_NOTIFY,		/* a = GSI + 1 (0: none routed), b = pin */
	HE_TRAP,		/* a = vcpu_id + 1, b = enum gm_insn */
};

struct harness_event {
	enum harness_event_type type;
	const char *name;
	u64 a, b;
};

void harness_log(enum harness_event_type type, const char *name, u64 a, u64 b);
/* Count events of a type, optionally matching name and a (0: any). */
int harness_events(enum harness_event_type type, const char *name, u64 a,
		   const struct harness_event **last);
void harness_events_clear(void);
/*
 * The GIC VDPENDs the kernel issued (HE_SYSREG_WRITE of GICV5_OP_GIC_VDPEND)
 * since the last harness_events_clear(), which this does: their number;
 * *xt (may be NULL) gets the last one's operand.
 */
int harness_vdpends(u64 *xt);
/* Exactly one GIC VDPEND since then, for @intid, pending or not (vt.h) */
#define HARNESS_EXPECT_ONE_VDPEND(intid, pending)			\
	do {								\
		u64 __xt = 0;						\
		VT_EXPECT_EQ(harness_vdpends(&__xt), 1);		\
		VT_EXPECT_EQ(__xt & GENMASK_ULL(31, 0), (intid));	\
		VT_EXPECT_EQ(__xt >> 63, (pending));			\
	} while (0)
#define HARNESS_EXPECT_NO_VDPEND()	VT_EXPECT_EQ(harness_vdpends(NULL), 0)

int harness_vcpu_kicks(struct kvm_vcpu *vcpu);
bool harness_vcpu_request_pending(struct kvm_vcpu *vcpu, unsigned int req);

/*
 * The hardware behind read/write_sysreg*() (not logged): the IRS model's
 * CPU interface for ICH_CONTEXTR_EL2 (this CPU) and GIC VDPEND, else a
 * register file where a write reads back.
 */
u64 harness_sysreg_read(u32 encoding, const char *name);
void harness_sysreg_write(u32 encoding, const char *name, u64 val);

/* ------------------------------------------------------- host IRS model */

/* The model of the current host's IRS (model/gicv5_model.h). */
struct gm *harness_gm(void);
/* Number of VMs the model holds valid in its VM table. */
int harness_valid_vms(void);
/*
 * A test provokes violations on purpose: those containing substr (IRS
 * model or shims) do not fail it. harness_violations(substr) counts them
 * (NULL: all).
 */
void harness_expect_violation(const char *substr);
int harness_violations(const char *substr);
/*
 * Check now: re-check the live tables, then print every unexpected
 * violation so far and fail the test if there is one. Returns their
 * number. After each test, this runs after a quiescence check (a VM still
 * valid, a VPE still resident or a command in flight is a violation).
 */
int harness_check_violations(void);
/*
 * The guest's GIC CD* instructions and GICR CDIA, on this thread's CPU.
 * An instruction the running vCPU traps (ICH_HFGITR_EL2) goes to
 * harness_guest_trap() instead of the IRS.
 */
void harness_guest_insn(enum gm_insn op, u64 xt);
/* Whether the running vCPU's ICH_HFGITR_EL2 traps the instruction. */
bool harness_insn_trapped(struct kvm_vcpu *vcpu, enum gm_insn op);
/* Returns whether the instruction was skipped (false: it runs again). */
bool harness_guest_trap(struct kvm_vcpu *vcpu, enum gm_insn op, u64 xt);
u64 harness_guest_cdia(void);
/* Internal (model_glue.c): the irqchip's share of harness_host_init(), after-each. */
void harness_model_host_init(const struct harness_host *host, struct gic_kvm_info *info);
void harness_model_after_each(void);

/* lockdep-lite state of this thread. */
int harness_locks_held(void);
bool harness_atomic_context(void);

/* ------------------------------------------------------ make bench's table */

/*
 * The figures of the *_insn benchmarks (instructions: vt_insn_end()) and of
 * the *_bytes ones (host bytes: vt_bench_report(what, bytes, "B")) are
 * named for bench-insn.sh's table: "<operation> (v5)" is a figure of the
 * GICv5 vgic, "<what> (reference for: <operation>)" is what that operation
 * is measured against, most often the stock GICv3 vgic doing the same job
 * ("v3: ..."), the reference of one or more operations (separated by
 * " | "); "<operation> (v5, reference for: ...)" is both. A reference with
 * a target, "<what> (reference for: <operation>; target: <x>x)", is met by
 * a v5 figure of at most <x> times it (e.g. a memcpy() of the same bytes).
 */
#define V5(op)			op " (v5)"
#define REF(what, ops)		what " (reference for: " ops ")"
#define REF_TARGET(what, ops, x) what " (reference for: " ops "; target: " x "x)"
/* A v5 figure that is also the reference of other v5 operations */
#define V5_REF(op, ops)		op " (v5, reference for: " ops ")"

#endif
