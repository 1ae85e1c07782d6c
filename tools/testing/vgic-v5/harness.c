// SPDX-License-Identifier: GPL-2.0
/*
 * harness.c - VMs, vCPUs, devices and the KVM services around the vgic.
 *
 * Each helper follows the kernel function named in its comment and calls
 * the vgic at exactly the points that function does; the surrounding KVM
 * logic (reference counting, file descriptors, memslots, ...) is left out.
 * The parts of arm.c and kvm_main.c that decide what the vgic sees
 * (precreate checks, KVM_IRQ_LINE decoding, the destruction order) are
 * duplicated here.
 */
#include <linux/kvm_host.h>
#include <linux/irqchip/arm-gic-v3.h>

#include "harness.h"
#include "vt.h"

/* ------------------------------------------------------- per-thread state */

__thread struct kvm_host_data kvm_host_data;
static __thread struct kvm_vcpu *running_vcpu;
/* kvm_running_vcpus is per-CPU, and a thread is a CPU */
static __thread struct kvm_vcpu *running_vcpus_percpu;
__thread bool harness_in_guest;

bool harness_has_vhe = true, harness_protected_kvm;

struct kvm_vcpu *kvm_get_running_vcpu(void)
{
	return running_vcpu;
}

struct kvm_vcpu * __percpu *kvm_get_running_vcpus(void)
{
	return &running_vcpus_percpu;
}

/* __this_cpu_write(kvm_running_vcpu, vcpu) */
void harness_set_running_vcpu(struct kvm_vcpu *vcpu)
{
	running_vcpu = vcpu;
	running_vcpus_percpu = vcpu;
}

/* ------------------------------------------------------------- host setup */

static bool vgic_present;

/*
 * The irqchip driver at boot (gicv5_of_init(): the IRS, the LPI domain,
 * gic_kvm_info), then kvm_arch_init() -> init_subsystems() ->
 * kvm_vgic_hyp_init().
 */
int harness_host_init(const struct harness_host *host)
{
	unsigned long seq = harness_allocs_total();
	struct gic_kvm_info info = {
		.type = host->type,
		.maint_irq = 25,
	};
	int ret;

	/* A new boot: what KVM set up for the previous host goes first. */
	vgic_v5_irs_remove();
	for (u32 t = 0; t < KVM_DEV_TYPE_MAX; t++)
		kvm_unregister_device_ops(t);
	memset(&kvm_vgic_global_state, 0, sizeof(kvm_vgic_global_state));
	harness_set_cpu_cap(ARM64_HAS_GICV5_LEGACY, host->gcie_legacy);
	harness_set_cpu_cap(ARM64_HAS_NESTED_VIRT, host->nested_virt);
	harness_set_cpu_cap(ARM64_HAS_PMUV3, host->pmuv3);

	/* The GICv3 CPU interface, of a GICv3 host or a GICv5 one's legacy */
	harness_alt_kvm_patch_ich_vtr_el2 = host->ich_vtr;
	if (host->type == GIC_V3 && !host->ich_vtr)
		harness_alt_kvm_patch_ich_vtr_el2 = HARNESS_V3_ICH_VTR;
	harness_icc_sre_rao = host->type == GIC_V3;

	harness_model_host_init(host, &info);
	vgic_set_kvm_info(&info);
	ret = kvm_vgic_hyp_init();
	vgic_present = !ret;
	/* What the host allocates at init lives as long as the host. */
	harness_allocs_keep_since(seq);
	return ret;
}

/* ------------------------------------------------------------ device ops */

static const struct kvm_device_ops *device_ops[KVM_DEV_TYPE_MAX];

int kvm_register_device_ops(const struct kvm_device_ops *ops, u32 type)
{
	if (type >= ARRAY_SIZE(device_ops))
		return -ENOSPC;
	if (device_ops[type])
		return -EEXIST;
	device_ops[type] = ops;
	return 0;
}

void kvm_unregister_device_ops(u32 type)
{
	if (type < ARRAY_SIZE(device_ops))
		device_ops[type] = NULL;
}

/* kvm_ioctl_create_device() */
bool harness_device_type_known(u32 type)
{
	return type < ARRAY_SIZE(device_ops) && device_ops[type];
}

int harness_create_device(struct kvm *kvm, u32 type, struct kvm_device **devp)
{
	const struct kvm_device_ops *ops;
	struct kvm_device *dev;
	int ret;

	if (type >= ARRAY_SIZE(device_ops) || !device_ops[type])
		return -ENODEV;
	ops = device_ops[type];

	dev = kzalloc_obj(*dev, GFP_KERNEL_ACCOUNT);
	if (!dev)
		return -ENOMEM;
	dev->ops = ops;
	dev->kvm = kvm;

	mutex_lock(&kvm->lock);
	ret = ops->create(dev, type);
	if (ret < 0) {
		mutex_unlock(&kvm->lock);
		kfree(dev);
		return ret;
	}
	list_add(&dev->vm_node, &kvm->devices);
	mutex_unlock(&kvm->lock);

	if (ops->init)
		ops->init(dev);
	if (devp)
		*devp = dev;
	return 0;
}

/* kvm_device_ioctl_attr(): the attribute is copied from userspace first. */
static int device_attr(struct kvm_device *dev,
		       int (*accessor)(struct kvm_device *, struct kvm_device_attr *),
		       u32 group, u64 attr, void *addr)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (u64)(unsigned long)addr,
	};
	struct kvm_device_attr ka;

	if (!accessor)
		return -EPERM;
	if (copy_from_user(&ka, &a, sizeof(ka)))
		return -EFAULT;
	return accessor(dev, &ka);
}

int harness_set_attr(struct kvm_device *dev, u32 group, u64 attr, void *addr)
{
	return device_attr(dev, dev->ops->set_attr, group, attr, addr);
}

int harness_get_attr(struct kvm_device *dev, u32 group, u64 attr, void *addr)
{
	return device_attr(dev, dev->ops->get_attr, group, attr, addr);
}

int harness_has_attr(struct kvm_device *dev, u32 group, u64 attr)
{
	return device_attr(dev, dev->ops->has_attr, group, attr, NULL);
}

int harness_vgic_init(struct kvm_device *dev)
{
	return harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_CTRL,
				KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
}

/* ------------------------------------------------------------------- VMs */

struct kvm_io_range {
	gpa_t addr;
	int len;
	struct kvm_io_device *dev;
};

/*
 * Readers find the bus with srcu_dereference(); a change makes a new copy,
 * sized for its ranges, and publishes it (rcu_assign_pointer()), as
 * kvm_io_bus_register_dev() does, up to NR_IOBUS_DEVS ranges. The kernel
 * frees the old copy after synchronize_srcu(); the harness does not wait
 * for kvm->srcu's grace periods, which the tests' vCPU threads would hold
 * up, so old copies are kept until the VM goes, or until
 * harness_io_bus_reclaim() is told that no reader can hold them.
 */
struct kvm_io_bus {
	int dev_count;
	struct kvm_io_bus *old;
	struct kvm_io_range range[];
};

/* kvm_create_vm() + kvm_arch_init_vm() */
struct kvm *harness_vm_create(void)
{
	struct kvm *kvm = kvzalloc_obj(*kvm, GFP_KERNEL_ACCOUNT);

	if (!kvm)
		return NULL;
	kvm->mm = &harness_mm;
	mutex_init(&kvm->lock);
	mutex_init(&kvm->irq_lock);
	mutex_init(&kvm->slots_lock);
	mutex_init(&kvm->arch.config_lock);
	xa_init(&kvm->vcpu_array);
	INIT_LIST_HEAD(&kvm->devices);
	kvm->buses[KVM_MMIO_BUS] = kzalloc_obj(struct kvm_io_bus, GFP_KERNEL_ACCOUNT);
	if (!kvm->buses[KVM_MMIO_BUS]) {
		kvfree(kvm);
		return NULL;
	}

	/* kvm_arch_init_vm() */
	kvm_vgic_early_init(kvm);
	kvm->arch.mmu.vtcr = 64 - 40;	/* the default 40-bit IPA space */
	kvm->arch.mmu.arch = &kvm->arch;
	kvm->max_vcpus = vgic_present ? kvm_vgic_get_max_vcpus() : KVM_MAX_VCPUS;
	return kvm;
}

/* reset_mpidr() in sys_regs.c */
static u64 vcpu_reset_mpidr(struct kvm_vcpu *vcpu)
{
	u64 mpidr;

	mpidr = (vcpu->vcpu_id & 0x0f) << MPIDR_LEVEL_SHIFT(0);
	mpidr |= ((vcpu->vcpu_id >> 4) & 0xff) << MPIDR_LEVEL_SHIFT(1);
	mpidr |= ((vcpu->vcpu_id >> 12) & 0xff) << MPIDR_LEVEL_SHIFT(2);
	return (1ULL << 31) | mpidr;
}

/* kvm_arch_vcpu_precreate() */
static int vcpu_precreate(struct kvm *kvm, unsigned int id)
{
	if (irqchip_in_kernel(kvm) && vgic_initialized(kvm))
		return -EBUSY;
	if (id >= kvm->max_vcpus)
		return -EINVAL;
	return 0;
}

/* kvm_arch_vcpu_create(): the vgic part */
static int vcpu_arch_create(struct kvm_vcpu *vcpu)
{
	int err;

	/* Inform lockdep that the config_lock is acquired after vcpu->mutex */
	mutex_lock(&vcpu->mutex);
	mutex_lock(&vcpu->kvm->arch.config_lock);
	mutex_unlock(&vcpu->kvm->arch.config_lock);
	mutex_unlock(&vcpu->mutex);

	err = kvm_vgic_vcpu_init(vcpu);
	if (err)
		kvm_vgic_vcpu_destroy(vcpu);
	return err;
}

/* kvm_vm_ioctl_create_vcpu() */
int harness_vcpu_create(struct kvm *kvm, int id, struct kvm_vcpu **vcpup)
{
	struct kvm_vcpu *vcpu;
	int r;

	guard(mutex)(&kvm->lock);

	if (id < 0 || id >= KVM_MAX_VCPU_IDS)
		return -EINVAL;
	if (kvm->created_vcpus >= kvm->max_vcpus)
		return -EINVAL;
	if (kvm_get_vcpu_by_id(kvm, id))
		return -EEXIST;
	r = vcpu_precreate(kvm, id);
	if (r)
		return r;

	kvm->created_vcpus++;
	vcpu = kzalloc_obj(*vcpu, GFP_KERNEL_ACCOUNT);
	if (!vcpu) {
		r = -ENOMEM;
		goto vcpu_decrement;
	}
	vcpu->vcpu_idx = -1;
	/* kvm_vcpu_init() */
	mutex_init(&vcpu->mutex);
	vcpu->kvm = kvm;
	vcpu->vcpu_id = id;
	vcpu->arch.mpidr = vcpu_reset_mpidr(vcpu);

	r = vcpu_arch_create(vcpu);
	if (r)
		goto vcpu_free;

	vcpu->vcpu_idx = atomic_read(&kvm->online_vcpus);
	r = xa_insert(&kvm->vcpu_array, vcpu->vcpu_idx, vcpu, GFP_KERNEL_ACCOUNT);
	if (r)
		goto arch_vcpu_destroy;

	mutex_lock(&vcpu->mutex);
	/* Publish the vCPU before online_vcpus: pairs with kvm_get_vcpu(). */
	smp_wmb();
	atomic_inc(&kvm->online_vcpus);
	mutex_unlock(&vcpu->mutex);
	if (vcpup)
		*vcpup = vcpu;
	return 0;

arch_vcpu_destroy:
	vcpu->vcpu_idx = -1;
	kvm_vgic_vcpu_destroy(vcpu);
vcpu_free:
	kfree(vcpu);
vcpu_decrement:
	kvm->created_vcpus--;
	return r;
}

static void free_irq_routing(struct kvm *kvm);

/* kvm_destroy_vm(): devices, then kvm_arch_destroy_vm(), then the VM. */
void harness_vm_destroy(struct kvm *kvm)
{
	struct kvm_device *dev, *tmp;
	struct kvm_vcpu *vcpu;
	unsigned long i;

	free_irq_routing(kvm);
	while (kvm->buses[KVM_MMIO_BUS]) {
		struct kvm_io_bus *old = kvm->buses[KVM_MMIO_BUS]->old;

		kfree(kvm->buses[KVM_MMIO_BUS]);
		kvm->buses[KVM_MMIO_BUS] = old;
	}

	/* kvm_destroy_devices() */
	list_for_each_entry_safe(dev, tmp, &kvm->devices, vm_node) {
		list_del(&dev->vm_node);
		dev->ops->destroy(dev);
	}

	/* kvm_arch_destroy_vm() */
	kvm_vgic_destroy(kvm);
	/* kvm_destroy_vcpus() -> kvm_arch_vcpu_destroy() */
	kvm_for_each_vcpu(i, vcpu, kvm) {
		kvm_vgic_vcpu_destroy(vcpu);
		xa_erase(&kvm->vcpu_array, i);
		mutex_destroy(&vcpu->mutex);
		kfree(vcpu);
	}
	atomic_set(&kvm->online_vcpus, 0);
	xa_destroy(&kvm->vcpu_array);
	/* kvm_free_memslots() */
	for (int i = 0; i < HARNESS_NR_MEMSLOTS; i++)
		harness_memslot_remove(kvm, i);
	kvfree(kvm);
}

/* kvm_arch_vcpu_run_pid_change(): the vgic parts, in order */
int harness_vcpu_first_run(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	int ret;

	if (vcpu_has_run_once(vcpu))
		return 0;

	if (irqchip_in_kernel(kvm)) {
		ret = kvm_vgic_map_resources(kvm);
		if (ret)
			return ret;
	}
	if (vcpu_has_nv(vcpu)) {
		ret = kvm_vgic_vcpu_nv_init(vcpu);
		if (ret)
			return ret;
	}
	ret = vgic_v5_finalize_ppi_state(kvm);
	if (ret)
		return ret;

	/* The vCPU now has a pid: vcpu_has_run_once(). */
	WRITE_ONCE(vcpu->pid, (struct pid *)vcpu);

	mutex_lock(&kvm->arch.config_lock);
	set_bit(KVM_ARCH_FLAG_HAS_RAN_ONCE, &kvm->arch.flags);
	mutex_unlock(&kvm->arch.config_lock);
	return 0;
}

/* One iteration of kvm_arch_vcpu_ioctl_run()'s loop around the guest. */
void harness_vcpu_enter_exit(struct kvm_vcpu *vcpu, void (*guest)(struct kvm_vcpu *vcpu))
{
	preempt_disable();
	local_irq_disable();
	/* As harness_vcpu_run(): in guest mode from before the flush */
	smp_store_mb(vcpu->mode, IN_GUEST_MODE);
	kvm_vgic_flush_hwstate(vcpu);
	harness_in_guest = true;
	if (guest)
		guest(vcpu);
	harness_in_guest = false;
	kvm_vgic_sync_hwstate(vcpu);
	smp_store_release(&vcpu->mode, OUTSIDE_GUEST_MODE);
	local_irq_enable();
	preempt_enable();
}

u32 harness_guest_take(struct kvm_vcpu *vcpu, void (*handler)(struct kvm_vcpu *vcpu))
{
	u64 ia = harness_guest_cdia();
	u32 intid;

	if (!GICV5_GICR_CDIA_VALID(ia))
		return 0;
	intid = ia & (GICV5_GIC_CDIA_TYPE_MASK | GICV5_GIC_CDIA_ID_MASK);
	harness_guest_insn(GM_CDEOI, 0);
	if (handler)
		handler(vcpu);
	harness_guest_insn(GM_CDDI, intid);
	return intid;
}

static __thread void (*take_handler)(struct kvm_vcpu *vcpu);
static __thread u32 take_intid;

static void take_one(struct kvm_vcpu *vcpu)
{
	take_intid = harness_guest_take(vcpu, take_handler);
}

u32 harness_run_take(struct kvm_vcpu *vcpu, void (*handler)(struct kvm_vcpu *vcpu))
{
	take_handler = handler;
	harness_vcpu_enter_exit(vcpu, take_one);
	return take_intid;
}

/*
 * A guest instruction trapped to EL2: from the guest, the exit, then
 * handle_exit() -> kvm_handle_sys_reg() -> the sys_regs.c handler (here
 * handle_gic_cdeoi(), which calls vgic_v5_handle_cdeoi()), then re-entry.
 */
bool harness_guest_trap(struct kvm_vcpu *vcpu, enum gm_insn op, u64 xt)
{
	bool was_in_guest = harness_in_guest;
	u32 encoding;
	int advance;

	harness_log(HE_TRAP, "trap", vcpu->vcpu_id + 1, op);
	if (op == GM_CDEOI)
		encoding = GICV5_OP_GIC_CDEOI;
	else if (!WARN_ON(op != GM_CDDI))
		encoding = GICV5_OP_GIC_CDDI;
	else
		return true;
	if (was_in_guest) {
		harness_in_guest = false;
		kvm_vgic_sync_hwstate(vcpu);
		local_irq_enable();
		preempt_enable();
	}
	advance = harness_handle_sys_insn(vcpu, encoding, xt);
	if (was_in_guest) {
		preempt_disable();
		local_irq_disable();
		kvm_vgic_flush_hwstate(vcpu);
		harness_in_guest = true;
	}
	return advance;
}

/* ----------------------------------------------------------- KVM_IRQ_LINE */

/* kvm_vm_ioctl_irq_line() in arch/arm64/kvm/arm.c, for an in-kernel vgic */
int harness_irq_line(struct kvm *kvm, u32 irq, bool level)
{
	unsigned int irq_type, vcpu_id, irq_num;
	struct kvm_vcpu *vcpu = NULL;
	unsigned long *mask;
	int ret;

	irq_type = (irq >> KVM_ARM_IRQ_TYPE_SHIFT) & KVM_ARM_IRQ_TYPE_MASK;
	vcpu_id = (irq >> KVM_ARM_IRQ_VCPU_SHIFT) & KVM_ARM_IRQ_VCPU_MASK;
	vcpu_id += ((irq >> KVM_ARM_IRQ_VCPU2_SHIFT) & KVM_ARM_IRQ_VCPU2_MASK) *
		   (KVM_ARM_IRQ_VCPU_MASK + 1);
	irq_num = (irq >> KVM_ARM_IRQ_NUM_SHIFT) & KVM_ARM_IRQ_NUM_MASK;

	switch (irq_type) {
	case KVM_ARM_IRQ_TYPE_CPU:
		if (irqchip_in_kernel(kvm))
			return -ENXIO;
		return -EINVAL;	/* vcpu_interrupt_line() is not modelled */
	case KVM_ARM_IRQ_TYPE_PPI:
		if (!irqchip_in_kernel(kvm))
			return -ENXIO;
		ret = vgic_lazy_init(kvm);
		if (ret)
			return ret;
		vcpu = kvm_get_vcpu_by_id(kvm, vcpu_id);
		if (!vcpu)
			return -EINVAL;
		if (vgic_is_v5(kvm)) {
			if (irq_num >= VGIC_V5_NR_PRIVATE_IRQS)
				return -EINVAL;
			mask = kvm->arch.vgic.gicv5_vm.userspace_ppis;
			if (!test_bit(irq_num, mask))
				return -EINVAL;
			irq_num = vgic_v5_make_ppi(irq_num);
		} else if (irq_num < VGIC_NR_SGIS ||
			   irq_num >= VGIC_NR_PRIVATE_IRQS) {
			return -EINVAL;
		}
		return kvm_vgic_inject_irq(kvm, vcpu, irq_num, level, NULL);
	case KVM_ARM_IRQ_TYPE_SPI:
		if (!irqchip_in_kernel(kvm))
			return -ENXIO;
		ret = vgic_lazy_init(kvm);
		if (ret)
			return ret;
		if (vgic_is_v5(kvm))
			irq_num = vgic_v5_make_spi(irq_num);
		else if (irq_num < VGIC_NR_PRIVATE_IRQS)
			return -EINVAL;
		return kvm_vgic_inject_irq(kvm, NULL, irq_num, level, NULL);
	}
	return -EINVAL;
}

struct kvm *harness_vm_with(int nr_vcpus, u32 dev_type, struct kvm_device **devp)
{
	struct kvm *kvm = harness_vm_create();
	int ret;

	if (!kvm) {
		vt_fail(__FILE__, __LINE__, "harness_vm_create() failed");
		return NULL;
	}
	for (int i = 0; i < nr_vcpus; i++) {
		ret = harness_vcpu_create(kvm, i, NULL);
		if (ret) {
			vt_fail(__FILE__, __LINE__, "vCPU %d: %d", i, ret);
			harness_vm_destroy(kvm);
			return NULL;
		}
	}
	if (dev_type) {
		ret = harness_create_device(kvm, dev_type, devp);
		if (ret) {
			vt_fail(__FILE__, __LINE__, "KVM_CREATE_DEVICE(%u): %d", dev_type, ret);
			harness_vm_destroy(kvm);
			return NULL;
		}
	}
	return kvm;
}

int harness_v5_set_irs(struct kvm_device *dev)
{
	u64 irs_base = HARNESS_V5_IRS_BASE;

	return harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR,
				KVM_VGIC_V5_ADDR_TYPE_IRS, &irs_base);
}

struct kvm *harness_v5_vm_dev(int nr_vcpus, u32 nr_spis, bool run,
			      struct kvm_device **devp)
{
	struct kvm_device *dev;
	struct kvm *kvm = harness_vm_with(nr_vcpus, KVM_DEV_TYPE_ARM_VGIC_V5, &dev);

	if (!kvm)
		return NULL;
	if (harness_v5_set_irs(dev) ||
	    (nr_spis && harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_spis)) ||
	    harness_vgic_init(dev) ||
	    (run && harness_vcpu_first_run(kvm_get_vcpu(kvm, 0)))) {
		vt_fail(__FILE__, __LINE__, "VM setup, CTRL_INIT or first run failed");
		harness_vm_destroy(kvm);
		return NULL;
	}
	if (devp)
		*devp = dev;
	return kvm;
}

struct kvm *harness_v5_vm(int nr_vcpus, bool run)
{
	return harness_v5_vm_dev(nr_vcpus, 0, run, NULL);
}

struct kvm *harness_v5_irs_vm(void)
{
	struct kvm *kvm = harness_v5_vm(1, true);
	struct kvm_vcpu *v0;

	if (!kvm)
		return NULL;
	v0 = kvm_get_vcpu(kvm, 0);
	harness_vcpu_load(v0);
	wr32(v0, GICV5_IRS_PE_SELR, 0);
	wr32(v0, GICV5_IRS_PE_CR0, GICV5_IRS_PE_CR0_DPS);
	wr32(v0, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN);
	harness_vcpu_put(v0);
	harness_vcpu_load(v0);
	return kvm;
}

void harness_v5_guest_spi_type(struct kvm_vcpu *vcpu, u32 spi, bool level)
{
	wr32(vcpu, GICV5_IRS_SPI_SELR, spi);
	wr32(vcpu, GICV5_IRS_SPI_CFGR, FIELD_PREP(GICV5_IRS_SPI_CFGR_TM, level));
	VT_EXPECT_EQ(FIELD_GET(GICV5_IRS_SPI_CFGR_TM, rd32(vcpu, GICV5_IRS_SPI_CFGR)), level);
}

void harness_v5_guest_spi_route(u32 spi, u8 prio, u16 iaffid)
{
	u64 type_id = vgic_v5_make_spi(spi) & (GICV5_HWIRQ_TYPE | GICV5_HWIRQ_ID);

	harness_guest_insn(GM_CDPRI, FIELD_PREP(GICV5_GIC_CDPRI_PRIORITY_MASK, prio) | type_id);
	harness_guest_insn(GM_CDAFF, FIELD_PREP(GICV5_GIC_CDAFF_IAFFID_MASK, iaffid) | type_id);
	harness_guest_insn(GM_CDEN, type_id);
}

void harness_v5_guest_spi(struct kvm_vcpu *vcpu, u32 spi, bool level, u8 prio)
{
	harness_v5_guest_spi_type(vcpu, spi, level);
	harness_v5_guest_spi_route(spi, prio, 0);
}

/* ------------------------------------------------- the GICv3 reference */

/* KVM_SET_DEVICE_ATTR(GRP_ADDR, @type) = @addr */
static int set_addr(struct kvm_device *dev, u64 type, u64 addr)
{
	return harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR, type, &addr);
}

/*
 * As a VMM does it (QEMU's order): the GIC device and its frames, the ITS
 * and its frame, CTRL_INIT of the GIC then of the ITS.
 */
struct kvm *harness_v3_vm_dev(int nr_vcpus, u32 nr_spis, bool its, bool run,
			      struct kvm_device **devp)
{
	struct kvm_device *dev, *its_dev = NULL;
	struct kvm *kvm = harness_vm_with(nr_vcpus, KVM_DEV_TYPE_ARM_VGIC_V3, &dev);
	u32 nr_irqs = nr_spis + VGIC_NR_PRIVATE_IRQS;

	if (!kvm)
		return NULL;
	if ((nr_spis && harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs)) ||
	    set_addr(dev, KVM_VGIC_V3_ADDR_TYPE_DIST, HARNESS_V3_DIST_BASE) ||
	    set_addr(dev, KVM_VGIC_V3_ADDR_TYPE_REDIST, HARNESS_V3_REDIST_BASE) ||
	    (its && (harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_ITS, &its_dev) ||
		     set_addr(its_dev, KVM_VGIC_ITS_ADDR_TYPE, HARNESS_V3_ITS_BASE))) ||
	    harness_vgic_init(dev) || (its_dev && harness_vgic_init(its_dev)) ||
	    (run && harness_vcpu_first_run(kvm_get_vcpu(kvm, 0)))) {
		vt_fail(__FILE__, __LINE__, "v3 VM setup, CTRL_INIT or first run failed");
		harness_vm_destroy(kvm);
		return NULL;
	}
	if (devp)
		*devp = dev;
	return kvm;
}

/* A guest access by vCPU 0 that must not abort */
static u64 v3_rd(struct kvm *kvm, gpa_t addr)
{
	u64 val = 0;

	if (harness_mmio_guest_read(kvm_get_vcpu(kvm, 0), addr, 8, &val))
		vt_fail(__FILE__, __LINE__, "v3 read 0x%llx aborted", addr);
	return val;
}

static void v3_wr(struct kvm *kvm, gpa_t addr, int len, u64 val)
{
	if (harness_mmio_guest_write(kvm_get_vcpu(kvm, 0), addr, len, &val))
		vt_fail(__FILE__, __LINE__, "v3 write 0x%llx aborted", addr);
}

/* Where harness_v3_its_guest_init() puts the guest's tables in its slot */
#define V3_PROP			0x00000		/* LPI configuration, 64 KiB */
#define V3_PEND(i)		(0x10000 + (i) * SZ_64K)	/* 8 KiB each */
#define V3_DT			0x90000		/* device table, 64 KiB */
#define V3_CT			0xa0000		/* collection table, 64 KiB */
#define V3_CMDQ			0xb0000		/* command queue, 64 KiB */
#define V3_ITT(devid)		(0xc0000 + ((devid) & 31) * SZ_8K)
#define V3_LPI_ID_BITS		16

static gpa_t v3_tables;

void harness_v3_its_guest_init(struct kvm *kvm, int slot, gpa_t tables)
{
	u8 *prop;
	struct kvm_vcpu *vcpu;
	unsigned long i;

	if (harness_memslot_add(kvm, slot, tables, HARNESS_V3_TABLES_SIZE, 0) ||
	    atomic_read(&kvm->online_vcpus) > 8) {
		vt_fail(__FILE__, __LINE__, "v3 LPI tables at 0x%llx", tables);
		return;
	}
	v3_tables = tables;
	prop = harness_guest_mem(kvm, tables + V3_PROP, SZ_64K);
	memset(prop, 0xa0 | LPI_PROP_GROUP1 | LPI_PROP_ENABLED, SZ_64K);

	/* The distributor: affinity routing, group 1 enabled */
	v3_wr(kvm, HARNESS_V3_DIST_BASE + GICD_CTLR, 4, GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_SS_G1);

	/* The redistributors: one LPI configuration table, a pending table each */
	kvm_for_each_vcpu(i, vcpu, kvm) {
		gpa_t rd = HARNESS_V3_REDIST_BASE + i * 2 * SZ_64K;

		v3_wr(kvm, rd + GICR_PROPBASER, 8, (tables + V3_PROP) | (V3_LPI_ID_BITS - 1));
		v3_wr(kvm, rd + GICR_PENDBASER, 8, tables + V3_PEND(i));
		v3_wr(kvm, rd + GICR_CTLR, 4, GICR_CTLR_ENABLE_LPIS);
	}

	/* The ITS: flat device and collection tables of 64 KiB, the queue */
	v3_wr(kvm, HARNESS_V3_ITS_BASE + GITS_BASER, 8,
	      (tables + V3_DT) | GITS_BASER_PAGE_SIZE_64K | GITS_BASER_VALID);
	v3_wr(kvm, HARNESS_V3_ITS_BASE + GITS_BASER + 8, 8,
	      (tables + V3_CT) | GITS_BASER_PAGE_SIZE_64K | GITS_BASER_VALID);
	v3_wr(kvm, HARNESS_V3_ITS_BASE + GITS_CBASER, 8,
	      (tables + V3_CMDQ) | (SZ_64K / SZ_4K - 1) | GITS_CBASER_VALID);
	v3_wr(kvm, HARNESS_V3_ITS_BASE + GITS_CWRITER, 8, 0);
	v3_wr(kvm, HARNESS_V3_ITS_BASE + GITS_CTLR, 4, GITS_CTLR_ENABLE);

	/* MAPC: collection i targets vCPU i (GITS_TYPER.PTA is 0) */
	kvm_for_each_vcpu(i, vcpu, kvm) {
		u64 mapc[4] = {
			GITS_CMD_MAPC, 0, BIT_ULL(63) | (u64)vcpu->vcpu_id << 16 | i, 0,
		};

		harness_v3_its_cmd(kvm, mapc);
	}
}

void harness_v3_its_cmd(struct kvm *kvm, const u64 cmd[4])
{
	u64 cwriter = v3_rd(kvm, HARNESS_V3_ITS_BASE + GITS_CWRITER);
	u64 *slot = harness_guest_mem(kvm, v3_tables + V3_CMDQ + cwriter, 32);

	if (!slot) {
		vt_fail(__FILE__, __LINE__, "no ITS command queue");
		return;
	}
	memcpy(slot, cmd, 32);
	/* KVM runs the commands as the write comes: they are done on return */
	v3_wr(kvm, HARNESS_V3_ITS_BASE + GITS_CWRITER, 8, (cwriter + 32) % SZ_64K);
	if (v3_rd(kvm, HARNESS_V3_ITS_BASE + GITS_CREADR) != (cwriter + 32) % SZ_64K)
		vt_fail(__FILE__, __LINE__, "ITS command 0x%llx not consumed", cmd[0] & 0xff);
}

void harness_v3_its_mapd(struct kvm *kvm, u32 devid, unsigned int eventid_bits)
{
	u64 mapd[4] = {
		GITS_CMD_MAPD | (u64)devid << 32, eventid_bits - 1,
		BIT_ULL(63) | (v3_tables + V3_ITT(devid)), 0,
	};

	harness_v3_its_cmd(kvm, mapd);
}

void harness_v3_its_mapti(struct kvm *kvm, u32 devid, u32 eventid, u32 lpi, u16 icid)
{
	u64 mapti[4] = {
		GITS_CMD_MAPTI | (u64)devid << 32, eventid | (u64)lpi << 32, icid, 0,
	};

	harness_v3_its_cmd(kvm, mapti);
}

int harness_msi_devid(struct kvm *kvm, u64 addr, u32 data, u32 devid)
{
	struct kvm_kernel_irq_routing_entry e = harness_msi_devid_route(addr, data, devid);

	return kvm_set_msi(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
}

u64 harness_irs_read(struct kvm_vcpu *vcpu, u32 off, int len)
{
	u64 val = ~0ULL;

	if (harness_mmio_guest_read(vcpu, HARNESS_V5_IRS_BASE + off, len, &val)) {
		vt_fail(__FILE__, __LINE__, "read 0x%x/%d aborted", off, len);
		return 0xbad;
	}
	if (len < 8 && (val >> (len * 8)) != (~0ULL >> (len * 8)))
		vt_fail(__FILE__, __LINE__, "read 0x%x/%d overran", off, len);
	return len < 8 ? val & GENMASK_ULL(len * 8 - 1, 0) : val;
}

void harness_irs_write(struct kvm_vcpu *vcpu, u32 off, int len, u64 val)
{
	if (harness_mmio_guest_write(vcpu, HARNESS_V5_IRS_BASE + off, len, &val))
		vt_fail(__FILE__, __LINE__, "write 0x%x/%d aborted", off, len);
}

/* ------------------------------------------------------------ IRQ routing */

struct kvm_irq_routing_table {
	unsigned int nr;
	struct kvm_kernel_irq_routing_entry e[];
};

static void free_irq_routing(struct kvm *kvm)
{
	kfree(kvm->irq_routing);
	kvm->irq_routing = NULL;
}

/* kvm_set_irq_routing() in virt/kvm/irqchip.c, without the RCU/hlist parts */
int kvm_set_irq_routing(struct kvm *kvm, const struct kvm_irq_routing_entry *ue,
			unsigned int nr, unsigned int flags)
{
	struct kvm_irq_routing_table *new;
	int r;

	new = kzalloc(struct_size(new, e, nr), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	for (unsigned int i = 0; i < nr; i++) {
		new->e[i].gsi = ue[i].gsi;
		new->e[i].type = ue[i].type;
		/* Only MSI routes take a flag: KVM_MSI_VALID_DEVID */
		if (ue[i].flags & ~(ue[i].type == KVM_IRQ_ROUTING_MSI ? KVM_MSI_VALID_DEVID : 0)) {
			kfree(new);
			return -EINVAL;
		}
		r = kvm_set_routing_entry(kvm, &new->e[i], &ue[i]);
		if (r) {
			kfree(new);
			return r;
		}
	}
	new->nr = nr;

	mutex_lock(&kvm->irq_lock);
	swap(kvm->irq_routing, new);
	mutex_unlock(&kvm->irq_lock);
	kfree(new);
	return 0;
}

/* kvm_set_irq(): every route of the GSI */
int harness_set_irq(struct kvm *kvm, u32 gsi, int level)
{
	struct kvm_irq_routing_table *rt = kvm->irq_routing;
	int ret = -1;

	if (!rt)
		return -1;
	for (unsigned int i = 0; i < rt->nr; i++) {
		struct kvm_kernel_irq_routing_entry *e = &rt->e[i];

		if (e->gsi == gsi) {
			int r = e->set(e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, level, false);

			ret = r < 0 ? r : max(ret, 0) + r;
		}
	}
	return ret;
}

/*
 * irqfd_wakeup() in virt/kvm/eventfd.c: with a single route for the GSI,
 * kvm_arch_set_irq_inatomic() from the eventfd's wake-up, with interrupts
 * disabled, in a kvm->irq_srcu read-side critical section; when that would
 * block, irqfd_inject() runs in a kworker, which has no mm, and does
 * kvm_set_irq().
 */
int harness_irqfd_wakeup(struct kvm *kvm, u32 gsi, bool resample)
{
	struct kvm_irq_routing_table *rt = kvm->irq_routing;
	struct kvm_kernel_irq_routing_entry e = {};
	unsigned long flags;
	int ret, idx, n = 0;

	for (unsigned int i = 0; rt && i < rt->nr; i++) {
		if (rt->e[i].gsi == gsi) {
			e = rt->e[i];
			n++;
		}
	}
	if (n == 1 && !resample) {
		idx = srcu_read_lock(&kvm->irq_srcu);
		local_irq_save(flags);
		ret = kvm_arch_set_irq_inatomic(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID,
						1, false);
		local_irq_restore(flags);
		srcu_read_unlock(&kvm->irq_srcu, idx);
		if (ret != -EWOULDBLOCK)
			return ret;
	}

	harness_kworker_enter();
	ret = harness_set_irq(kvm, gsi, 1);
	if (!resample)
		harness_set_irq(kvm, gsi, 0);
	harness_kworker_exit();
	return ret;
}

/* ------------------------------------------------------------ KVM MMIO bus */

/* A copy of @bus with room for @nr ranges, to change and publish, or NULL */
static struct kvm_io_bus *bus_copy(struct kvm_io_bus *bus, int nr)
{
	struct kvm_io_bus *new = kmalloc(struct_size(new, range, nr), GFP_KERNEL_ACCOUNT);

	if (new) {
		new->dev_count = bus->dev_count;
		new->old = bus;
		memcpy(new->range, bus->range, bus->dev_count * sizeof(bus->range[0]));
	}
	return new;
}

void harness_io_bus_reclaim(struct kvm *kvm)
{
	struct kvm_io_bus *bus = kvm->buses[KVM_MMIO_BUS], *old;

	lockdep_assert_held(&kvm->slots_lock);
	while (bus && bus->old) {
		old = bus->old;
		bus->old = old->old;
		kfree(old);
	}
}

int kvm_io_bus_register_dev(struct kvm *kvm, int bus_idx, gpa_t addr,
			    int len, struct kvm_io_device *dev)
{
	struct kvm_io_bus *bus = kvm->buses[bus_idx], *new;

	lockdep_assert_held(&kvm->slots_lock);
	if (!bus)
		return -ENOMEM;
	if (bus->dev_count >= NR_IOBUS_DEVS)
		return -ENOSPC;
	new = bus_copy(bus, bus->dev_count + 1);
	if (!new)
		return -ENOMEM;
	new->range[new->dev_count++] = (struct kvm_io_range) { addr, len, dev };
	/* rcu_assign_pointer(): the copy is complete before it is seen */
	smp_store_release(&kvm->buses[bus_idx], new);
	return 0;
}

int kvm_io_bus_unregister_dev(struct kvm *kvm, int bus_idx, struct kvm_io_device *dev)
{
	struct kvm_io_bus *bus = kvm->buses[bus_idx], *new;

	lockdep_assert_held(&kvm->slots_lock);
	if (!bus)
		return 0;
	for (int i = 0; i < bus->dev_count; i++) {
		if (bus->range[i].dev != dev)
			continue;
		/* The kernel drops the whole bus if this allocation fails */
		new = bus_copy(bus, bus->dev_count);
		if (!new)
			return -ENOMEM;
		memmove(&new->range[i], &new->range[i + 1],
			(new->dev_count - i - 1) * sizeof(new->range[0]));
		new->dev_count--;
		/* rcu_assign_pointer(), as above */
		smp_store_release(&kvm->buses[bus_idx], new);
		return 0;
	}
	return 0;
}

int harness_io_bus_regions(struct kvm *kvm)
{
	/* Pairs with the publication of kvm_io_bus_register_dev() */
	struct kvm_io_bus *bus = smp_load_acquire(&kvm->buses[KVM_MMIO_BUS]);

	return bus ? bus->dev_count : 0;
}

/* With kvm->srcu held: srcu_dereference(kvm->buses[KVM_MMIO_BUS]) */
static struct kvm_io_range *bus_find(struct kvm *kvm, gpa_t addr, int len)
{
	/* Pairs with the publication of kvm_io_bus_register_dev() */
	struct kvm_io_bus *bus = smp_load_acquire(&kvm->buses[KVM_MMIO_BUS]);

	for (int i = 0; bus && i < bus->dev_count; i++) {
		struct kvm_io_range *r = &bus->range[i];

		if (addr >= r->addr && addr + len <= r->addr + r->len)
			return r;
	}
	return NULL;
}

struct kvm_io_device *kvm_io_bus_get_dev(struct kvm *kvm, enum kvm_bus bus_idx,
					 gpa_t addr)
{
	struct kvm_io_range *r;

	WARN_ON(bus_idx != KVM_MMIO_BUS);
	/* srcu_dereference(kvm->buses[bus_idx], &kvm->srcu) */
	if (!srcu_read_lock_held(&kvm->srcu))
		harness_report(HR_LOCKDEP, __FILE__, __LINE__,
			       "suspicious RCU usage: %s() without kvm->srcu", __func__);
	r = bus_find(kvm, addr, 1);
	return r ? r->dev : NULL;
}

/* kvm_io_bus_read(): what io_mem_abort() does for an in-kernel device */
/* The vCPU runs under kvm->srcu (kvm_vcpu_srcu_read_lock() in KVM_RUN). */
int harness_mmio_guest_read(struct kvm_vcpu *vcpu, gpa_t addr, int len, void *val)
{
	int idx = srcu_read_lock(&vcpu->kvm->srcu);
	struct kvm_io_range *r = bus_find(vcpu->kvm, addr, len);
	int ret = r ? kvm_iodevice_read(vcpu, r->dev, addr, len, val) : -EOPNOTSUPP;

	srcu_read_unlock(&vcpu->kvm->srcu, idx);
	return ret;
}

int harness_mmio_guest_write(struct kvm_vcpu *vcpu, gpa_t addr, int len, const void *val)
{
	int idx = srcu_read_lock(&vcpu->kvm->srcu);
	struct kvm_io_range *r = bus_find(vcpu->kvm, addr, len);
	int ret = r ? kvm_iodevice_write(vcpu, r->dev, addr, len, val) : -EOPNOTSUPP;

	srcu_read_unlock(&vcpu->kvm->srcu, idx);
	return ret;
}

/* ------------------------------------------------------------ guest memory */

static int memslot_add(struct kvm *kvm, int slot, gpa_t gpa, size_t size, u32 flags,
		       void *hva)
{
	struct kvm_memory_slot *ms;

	if (slot < 0 || slot >= HARNESS_NR_MEMSLOTS || !size ||
	    (gpa | size) & ~PAGE_MASK || gpa + size < gpa ||
	    (unsigned long)hva & ~PAGE_MASK ||
	    flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
		return -EINVAL;
	if (kvm->harness_memslots[slot])
		return -EEXIST;
	for (int i = 0; i < HARNESS_NR_MEMSLOTS; i++) {
		ms = kvm->harness_memslots[i];
		if (ms && gpa >> PAGE_SHIFT < ms->base_gfn + ms->npages &&
		    ms->base_gfn < (gpa + size) >> PAGE_SHIFT)
			return -EEXIST;
	}

	/* Userspace memory, not a kernel allocation: plain libc */
	ms = calloc(1, sizeof(*ms));
	if (!ms)
		return -ENOMEM;
	ms->base_gfn = gpa >> PAGE_SHIFT;
	ms->npages = size >> PAGE_SHIFT;
	ms->flags = flags;
	ms->id = slot;
	ms->harness_user = hva;
	ms->userspace_addr = hva ? (unsigned long)hva :
			     (unsigned long)aligned_alloc(PAGE_SIZE, size);
	if (flags & KVM_MEM_LOG_DIRTY_PAGES)
		ms->dirty_bitmap = calloc(BITS_TO_LONGS(ms->npages), sizeof(long));
	if (!ms->userspace_addr ||
	    (flags & KVM_MEM_LOG_DIRTY_PAGES && !ms->dirty_bitmap)) {
		if (!hva)
			free((void *)ms->userspace_addr);
		free(ms->dirty_bitmap);
		free(ms);
		return -ENOMEM;
	}
	if (!hva)
		memset((void *)ms->userspace_addr, 0, size);

	guard(mutex)(&kvm->slots_lock);
	kvm->harness_memslots[slot] = ms;
	return 0;
}

int harness_memslot_add(struct kvm *kvm, int slot, gpa_t gpa, size_t size, u32 flags)
{
	return memslot_add(kvm, slot, gpa, size, flags, NULL);
}

int harness_memslot_add_user(struct kvm *kvm, int slot, gpa_t gpa, size_t size, u32 flags,
			     void *hva)
{
	return hva ? memslot_add(kvm, slot, gpa, size, flags, hva) : -EFAULT;
}

void harness_memslot_remove(struct kvm *kvm, int slot)
{
	struct kvm_memory_slot *ms;

	if (slot < 0 || slot >= HARNESS_NR_MEMSLOTS)
		return;
	scoped_guard(mutex, &kvm->slots_lock) {
		ms = kvm->harness_memslots[slot];
		kvm->harness_memslots[slot] = NULL;
	}
	if (!ms)
		return;
	if (!ms->harness_user)
		free((void *)ms->userspace_addr);
	free(ms->dirty_bitmap);
	free(ms);
}

static struct kvm_memory_slot *memslot_of(struct kvm *kvm, gfn_t gfn)
{
	for (int i = 0; i < HARNESS_NR_MEMSLOTS; i++) {
		struct kvm_memory_slot *ms = kvm->harness_memslots[i];

		if (ms && gfn >= ms->base_gfn && gfn - ms->base_gfn < ms->npages)
			return ms;
	}
	return NULL;
}

void *harness_guest_mem(struct kvm *kvm, gpa_t gpa, size_t len)
{
	struct kvm_memory_slot *ms = memslot_of(kvm, gpa >> PAGE_SHIFT);

	if (!ms || !len ||
	    len > ((ms->base_gfn + ms->npages) << PAGE_SHIFT) - gpa)
		return NULL;
	return (void *)(ms->userspace_addr + gpa - (ms->base_gfn << PAGE_SHIFT));
}

int harness_get_dirty_log(struct kvm *kvm, int slot, unsigned long *bitmap)
{
	struct kvm_memory_slot *ms;
	int n;

	if (slot < 0 || slot >= HARNESS_NR_MEMSLOTS)
		return -ENOENT;
	guard(mutex)(&kvm->slots_lock);
	ms = kvm->harness_memslots[slot];
	if (!ms || !ms->dirty_bitmap)
		return -ENOENT;
	n = bitmap_weight(ms->dirty_bitmap, ms->npages);
	if (bitmap)
		bitmap_copy(bitmap, ms->dirty_bitmap, ms->npages);
	bitmap_zero(ms->dirty_bitmap, ms->npages);
	return n;
}

/* srcu_dereference_check(kvm->memslots, &kvm->srcu, slots_lock held) */
static void memslots_check(struct kvm *kvm, const char *fn)
{
	if (!srcu_read_lock_held(&kvm->srcu) && !lockdep_is_held(&kvm->slots_lock))
		harness_report(HR_LOCKDEP, __FILE__, __LINE__,
			       "suspicious RCU usage: %s() without kvm->srcu or slots_lock",
			       fn);
}

struct kvm_memory_slot *gfn_to_memslot(struct kvm *kvm, gfn_t gfn)
{
	memslots_check(kvm, __func__);
	return memslot_of(kvm, gfn);
}

/* kvm_is_visible_gfn(): the harness has no internal or invalid slots */
bool kvm_is_visible_gfn(struct kvm *kvm, gfn_t gfn)
{
	return gfn_to_memslot(kvm, gfn);
}

/* The hva of @gfn, or 0 (kvm_is_error_hva()): none, or read-only for a write */
static unsigned long slot_gfn_to_hva(struct kvm_memory_slot *ms, gfn_t gfn, bool write)
{
	if (!ms || (write && ms->flags & KVM_MEM_READONLY))
		return 0;
	return ms->userspace_addr + ((gfn - ms->base_gfn) << PAGE_SHIFT);
}

/* The length of the next piece that stays in one page (next_segment()) */
static int page_segment(unsigned long len, int offset)
{
	return len > PAGE_SIZE - offset ? PAGE_SIZE - offset : len;
}

/*
 * gfn_to_hva() -> gfn_to_hva_many() asks for a writable hva: a read-only
 * slot gives an error hva (KVM_HVA_ERR_RO_BAD). gfn_to_hva_prot() is the
 * one for reads.
 */
unsigned long gfn_to_hva(struct kvm *kvm, gfn_t gfn)
{
	unsigned long hva = slot_gfn_to_hva(gfn_to_memslot(kvm, gfn), gfn, true);

	return hva ?: KVM_HVA_ERR_BAD;
}

unsigned long gfn_to_hva_prot(struct kvm *kvm, gfn_t gfn, bool *writable)
{
	struct kvm_memory_slot *ms = gfn_to_memslot(kvm, gfn);
	unsigned long hva = slot_gfn_to_hva(ms, gfn, false);

	if (writable)
		*writable = hva && !(ms->flags & KVM_MEM_READONLY);
	return hva ?: KVM_HVA_ERR_BAD;
}

int kvm_read_guest(struct kvm *kvm, gpa_t gpa, void *data, unsigned long len)
{
	gfn_t gfn = gpa >> PAGE_SHIFT;
	int offset = offset_in_page(gpa), seg;
	unsigned long hva;

	/* __copy_from_user() may fault, unless page faults are disabled */
	if (!pagefault_disabled())
		might_sleep();
	/* __copy_from_user() of a kworker, which has no mm, fails */
	if (current->mm != kvm->mm)
		return -EFAULT;
	while ((seg = page_segment(len, offset)) != 0) {
		hva = slot_gfn_to_hva(gfn_to_memslot(kvm, gfn), gfn, false);
		if (!hva)
			return -EFAULT;
		if (harness_uffd_fault((void *)(hva + offset), seg))
			return -EFAULT;
		memcpy(data, (void *)(hva + offset), seg);
		offset = 0;
		len -= seg;
		data += seg;
		++gfn;
	}
	return 0;
}

int kvm_write_guest(struct kvm *kvm, gpa_t gpa, const void *data, unsigned long len)
{
	gfn_t gfn = gpa >> PAGE_SHIFT;
	int offset = offset_in_page(gpa), seg;
	struct kvm_memory_slot *ms;
	unsigned long hva;

	might_sleep();	/* __copy_to_user() may fault */
	if (current->mm != kvm->mm)
		return -EFAULT;
	while ((seg = page_segment(len, offset)) != 0) {
		ms = gfn_to_memslot(kvm, gfn);
		hva = slot_gfn_to_hva(ms, gfn, true);
		if (!hva)
			return -EFAULT;
		memcpy((void *)(hva + offset), data, seg);
		mark_page_dirty_in_slot(kvm, ms, gfn);
		offset = 0;
		len -= seg;
		data += seg;
		++gfn;
	}
	return 0;
}

void mark_page_dirty_in_slot(struct kvm *kvm, const struct kvm_memory_slot *memslot,
			     gfn_t gfn)
{
	if (memslot && memslot->flags & KVM_MEM_LOG_DIRTY_PAGES && memslot->dirty_bitmap)
		__set_bit(gfn - memslot->base_gfn, memslot->dirty_bitmap);
}

void mark_page_dirty(struct kvm *kvm, gfn_t gfn)
{
	mark_page_dirty_in_slot(kvm, gfn_to_memslot(kvm, gfn), gfn);
}

/* ------------------------------------------------------ IRQ ack notifiers */

void kvm_register_irq_ack_notifier(struct kvm *kvm, struct kvm_irq_ack_notifier *kian)
{
	struct hlist_head *head = &kvm->irq_ack_notifier_list;

	guard(mutex)(&kvm->irq_lock);
	kian->link.next = head->first;
	kian->link.pprev = &head->first;
	if (head->first)
		head->first->pprev = &kian->link.next;
	head->first = &kian->link;
}

void kvm_unregister_irq_ack_notifier(struct kvm *kvm, struct kvm_irq_ack_notifier *kian)
{
	guard(mutex)(&kvm->irq_lock);
	*kian->link.pprev = kian->link.next;
	if (kian->link.next)
		kian->link.next->pprev = kian->link.pprev;
}

/* kvm_irq_map_chip_pin(): the GSI routed to (irqchip, pin), or -1 */
static int harness_chip_pin_gsi(struct kvm *kvm, unsigned int irqchip, unsigned int pin)
{
	struct kvm_irq_routing_table *rt = kvm->irq_routing;

	for (unsigned int i = 0; rt && i < rt->nr; i++)
		if (rt->e[i].type == KVM_IRQ_ROUTING_IRQCHIP &&
		    rt->e[i].irqchip.irqchip == irqchip && rt->e[i].irqchip.pin == pin)
			return rt->e[i].gsi;
	return -1;
}

#define for_each_ack_notifier(kian, kvm)					\
	for (struct hlist_node *__n = (kvm)->irq_ack_notifier_list.first;	\
	     __n && ((kian) = container_of(__n, struct kvm_irq_ack_notifier, link)); \
	     __n = __n->next)

bool kvm_irq_has_notifier(struct kvm *kvm, unsigned int irqchip, unsigned int pin)
{
	int gsi = harness_chip_pin_gsi(kvm, irqchip, pin);
	struct kvm_irq_ack_notifier *kian;

	for_each_ack_notifier(kian, kvm)
		if (gsi >= 0 && kian->gsi == gsi)
			return true;
	return false;
}

void kvm_notify_acked_irq(struct kvm *kvm, unsigned int irqchip, unsigned int pin)
{
	int gsi = harness_chip_pin_gsi(kvm, irqchip, pin);
	struct kvm_irq_ack_notifier *kian;

	harness_log(HE_ACK_NOTIFY, "kvm_notify_acked_irq", gsi + 1, pin);
	for_each_ack_notifier(kian, kvm)
		if (gsi >= 0 && kian->gsi == gsi)
			kian->irq_acked(kian);
}

/* ------------------------------------------------------- requests, kicks */

void kvm_make_request(int req, struct kvm_vcpu *vcpu)
{
	harness_log(HE_REQUEST, "request", vcpu->vcpu_id + 1, req);
	set_bit(req & KVM_REQUEST_MASK, &vcpu->requests);
}

bool kvm_check_request(int req, struct kvm_vcpu *vcpu)
{
	return test_and_clear_bit(req & KVM_REQUEST_MASK, &vcpu->requests);
}

bool kvm_make_all_cpus_request(struct kvm *kvm, unsigned int req)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_for_each_vcpu(i, vcpu, kvm) {
		kvm_make_request(req, vcpu);
		kvm_vcpu_kick(vcpu);
	}
	return true;
}

int harness_vcpu_kicks(struct kvm_vcpu *vcpu)
{
	return harness_events(HE_KICK, NULL, vcpu->vcpu_id + 1, NULL);
}

bool harness_vcpu_request_pending(struct kvm_vcpu *vcpu, unsigned int req)
{
	return test_bit(req & KVM_REQUEST_MASK, &vcpu->requests);
}

void kvm_vm_dead(struct kvm *kvm)
{
	kvm->vm_dead = true;
	kvm_make_all_cpus_request(kvm, KVM_REQ_VM_DEAD);
}

/* kvm_trylock_all_vcpus() etc. in virt/kvm/kvm_main.c */
int kvm_trylock_all_vcpus(struct kvm *kvm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i, j;

	lockdep_assert_held(&kvm->lock);
	kvm_for_each_vcpu(i, vcpu, kvm)
		if (!mutex_trylock_nest_lock(&vcpu->mutex, &kvm->lock))
			goto out_unlock;
	return 0;

out_unlock:
	kvm_for_each_vcpu(j, vcpu, kvm) {
		if (i == j)
			break;
		mutex_unlock(&vcpu->mutex);
	}
	return -EINTR;
}

int kvm_lock_all_vcpus(struct kvm *kvm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	lockdep_assert_held(&kvm->lock);
	kvm_for_each_vcpu(i, vcpu, kvm)
		mutex_lock_killable_nest_lock(&vcpu->mutex, &kvm->lock);
	return 0;
}

void kvm_unlock_all_vcpus(struct kvm *kvm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	lockdep_assert_held(&kvm->lock);
	kvm_for_each_vcpu(i, vcpu, kvm)
		mutex_unlock(&vcpu->mutex);
}

/* kvm_mpidr_to_vcpu() in arm.c (the linear search) */
struct kvm_vcpu *kvm_mpidr_to_vcpu(struct kvm *kvm, unsigned long mpidr)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	mpidr &= MPIDR_HWID_BITMASK;
	kvm_for_each_vcpu(i, vcpu, kvm)
		if (mpidr == kvm_vcpu_get_mpidr_aff(vcpu))
			return vcpu;
	return NULL;
}

void kvm_arm_halt_guest(struct kvm *kvm) { }
void kvm_arm_resume_guest(struct kvm *kvm) { }

/* ------------------------------------------------------------ ID registers */

/* __vm_id_reg(): the feature ID registers, which are all the vgic uses */
static u64 *vm_id_reg(struct kvm *kvm, u32 reg)
{
	if (WARN_ON_ONCE(reg < sys_reg(3, 0, 0, 1, 0) || reg > sys_reg(3, 0, 0, 7, 7)))
		return NULL;
	return &kvm->arch.id_regs[IDREG_IDX(reg)];
}

u64 kvm_read_vm_id_reg(const struct kvm *kvm, u32 reg)
{
	u64 *p = vm_id_reg((struct kvm *)kvm, reg);

	return p ? *p : 0;
}

void kvm_set_vm_id_reg(struct kvm *kvm, u32 reg, u64 val)
{
	u64 *p = vm_id_reg(kvm, reg);

	if (p)
		*p = val;
}

/* -------------------------------------------------------- per-test hooks */

static void harness_before_each(void)
{
	const struct harness_host host = { .type = GIC_V5, .pmuv3 = true };

	harness_events_clear();
	WARN_ON(harness_host_init(&host));
}

static void harness_after_each(void)
{
	fault_inject_nth_alloc(0);
	harness_uaccess_fault(NULL, 0);
	harness_on_copy_to_user(0, 0, NULL, NULL);
	harness_on_xa_load(0, NULL, NULL);
	harness_uffd_missing(NULL, 0);
	if (harness_locks_held())
		vt_fail(__FILE__, __LINE__, "test ended with %d locks held",
			harness_locks_held());
	if (harness_atomic_context())
		vt_fail(__FILE__, __LINE__, "test ended in atomic context");
	if (harness_allocs_live())
		vt_fail(__FILE__, __LINE__, "%lu allocation(s) leaked",
			harness_dump_live_allocs());
	harness_model_after_each();
}

__attribute__((constructor)) static void harness_register_hooks(void)
{
	vt_before_each = harness_before_each;
	vt_after_each = harness_after_each;
}

/* ------------------------------------------------------ MSIs, busy vCPUs */

struct kvm_kernel_irq_routing_entry harness_msi_route(u64 addr, u32 data)
{
	return (struct kvm_kernel_irq_routing_entry) {
		.type = KVM_IRQ_ROUTING_MSI,
		.msi = { .address_lo = addr, .address_hi = addr >> 32, .data = data },
	};
}

struct kvm_kernel_irq_routing_entry harness_msi_devid_route(u64 addr, u32 data, u32 devid)
{
	struct kvm_kernel_irq_routing_entry e = harness_msi_route(addr, data);

	e.msi.flags = KVM_MSI_VALID_DEVID;
	e.msi.devid = devid;
	return e;
}

int harness_irqchip_route(struct kvm *kvm, struct kvm_kernel_irq_routing_entry *e,
			  u32 gsi, u32 pin)
{
	const struct kvm_irq_routing_entry ue = {
		.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP, .u.irqchip = { 0, pin },
	};

	e->gsi = ue.gsi;
	e->type = ue.type;
	return kvm_set_routing_entry(kvm, e, &ue);
}

int harness_msi(struct kvm *kvm, u64 addr, u32 data)
{
	struct kvm_kernel_irq_routing_entry e = harness_msi_route(addr, data);

	return kvm_set_msi(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
}

struct harness_vcpu_holder {
	pthread_t thread;
	struct kvm_vcpu *vcpu;
	bool held, release;
};

static void *hold_vcpu_mutex(void *arg)
{
	struct harness_vcpu_holder *h = arg;

	mutex_lock(&h->vcpu->mutex);
	WRITE_ONCE(h->held, true);
	while (!READ_ONCE(h->release))
		usleep(100);
	mutex_unlock(&h->vcpu->mutex);
	return NULL;
}

struct harness_vcpu_holder *harness_hold_vcpu(struct kvm_vcpu *vcpu)
{
	struct harness_vcpu_holder *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->vcpu = vcpu;
	if (pthread_create(&h->thread, NULL, hold_vcpu_mutex, h)) {
		free(h);
		return NULL;
	}
	while (!READ_ONCE(h->held))
		usleep(100);
	return h;
}

void harness_release_vcpu(struct harness_vcpu_holder *h)
{
	if (!h)
		return;
	WRITE_ONCE(h->release, true);
	pthread_join(h->thread, NULL);
	free(h);
}
