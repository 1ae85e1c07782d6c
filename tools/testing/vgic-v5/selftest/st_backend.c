// SPDX-License-Identifier: GPL-2.0
/*
 * st_backend.c - the KVM selftest library (tools/testing/selftests/kvm,
 * the functions of kvm_util.h and the arm64 processor.h that the vgic
 * selftests use) on top of the userland harness, so that a selftest file
 * builds unchanged both for arm64 hardware and natively against the
 * kernel's vgic code and the host IRS model.
 *
 * The VMM side: VM, vCPU and device fds are real fds (of /dev/null)
 * whose ioctl()s go to the harness's renditions of the kernel ioctls
 * (st_kernel.c); every other fd's ioctl() is the system call.
 *
 * Guest images: the selftest is a shared object (st_launcher.c); the VMM
 * runs from one instance, and each VM loads one of its own at creation,
 * whose globals start with the ELF's values, as the guest image the
 * library loads into a real VM. Guest code runs from its VM's instance;
 * addr_gva2hva() of a VMM-instance address is the same object in the VM's
 * instance, so that sync_global_to_guest(), write_guest_global() and
 * friends copy between the two, as on hardware.
 *
 * The guest side: each vCPU runs its guest_code on a thread of its own,
 * whose addresses are the host's (GVA == HVA, but for the image; virt_map()
 * maps guest RAM at the GVA asked for). What the arm64 headers
 * emit as instructions (st_guest.h) becomes a request to the thread in
 * KVM_RUN for that vCPU, which carries it out in guest mode between
 * kvm_vgic_flush_hwstate() and kvm_vgic_sync_hwstate(): system registers
 * and GIC instructions on the CPU interface, MMIO as an exit (the KVM
 * MMIO bus, else KVM_EXIT_MMIO to the VMM: ucalls), WFI as a WFI exit
 * (kvm_vcpu_wfi()). An interrupt the CPU interface signals while the
 * guest's PSTATE.I is clear runs the handler installed for
 * VECTOR_IRQ_CURRENT, at the next request or, for a guest that spins
 * without any, through a signal to its thread. An access KVM answers with
 * an UNDEF (kvm_inject_undefined()) runs the handler installed for
 * VECTOR_SYNC_CURRENT and the ESR's EC, with the access's address as the
 * PC; the guest goes on at the PC the handler leaves (that instruction
 * again or the next one).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "../st_bridge.h"
#include "../st_guest.h"

#define ST_MAX_FDS		256
#define ST_MAX_MAPS		64
#define ST_MAX_IRQFDS		16
#define ST_SLOT0_GPA		0x40000000ULL
#define ST_SLOT0_PAGES		1024ULL
#define ST_PAGE_SIZE		4096ULL
#define ST_IRQ_SIGNAL		SIGUSR2

enum vm_guest_mode vm_mode_default = VM_MODE_P40V48_4K;

const struct vm_guest_mode_params vm_guest_mode_params[NUM_VM_MODES] = {
	[VM_MODE_P40V48_4K] = { 40, 48, 0x1000, 12 },
};

/* ------------------------------------------------------------ objects */

enum st_kind { ST_VM = 1, ST_VCPU, ST_DEVICE };

struct st_map {			/* a virt_map() range */
	u64 gva, gpa, size;
	bool mapped;		/* RAM mapped at gva in this process */
};

struct st_slot {
	u64 gpa, size;
	void *hva;
	int memfd;
	u64 next;		/* bump allocator of guest pages */
};

struct st_irqfd {
	struct st_vm *svm;
	int fd, resamplefd;
	u32 gsi;
	pthread_t thread;
	int stop[2];
	void *resampler;
};

struct st_vm {
	struct list_head node;	/* live VMs */
	struct kvm_vm *vm;
	void *k;
	void *image;		/* the VM's instance of the selftest */
	int image_fd;
	intptr_t image_delta;	/* its load bias minus the VMM instance's */
	struct st_slot slots[8];
	struct st_map maps[ST_MAX_MAPS];
	int nmaps;
	void (*ucall)(u64 cmd, int nargs, ...);	/* the guest image's */
	struct st_irqfd irqfds[ST_MAX_IRQFDS];
};

/* Requests from a guest thread to its vCPU thread */
enum st_req { REQ_NONE, REQ_SYSREG, REQ_MMIO, REQ_WFI, REQ_IRQ_CHECK };

struct st_vcpu {
	struct kvm_vcpu *vcpu;
	struct st_vm *svm;
	void *k;
	void *entry;
	u64 args[8];

	pthread_t guest;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* the request, under lock */
	enum st_req req;
	u32 enc;
	u64 gpa, val;
	int len;
	bool write;
	unsigned long req_seq, done_seq;
	int result;		/* of a sysreg request: -1 UNDEF */
	bool irq;		/* the reply's "an interrupt is signalled" */
	bool go, dead;
	/* vCPU thread state */
	bool pending_reply;	/* an exit's request, answered on re-entry */
	bool mmio_user;		/* ... by the VMM (KVM_EXIT_MMIO) */
	/* guest thread state, also read by the vCPU thread (READ_ONCE()) */
	bool irq_masked;	/* PSTATE.I */
	bool in_request;
	bool irq_signalled;
	/* the vCPU's EL1 exception state */
	bool vectors;		/* VBAR_EL1 set: vcpu_init_descriptor_tables() */
	u64 esr, elr, spsr;
};

static struct {
	enum st_kind kind;
	void *obj;		/* st_vm, st_vcpu, or the device's kernel pointer */
	struct st_vm *svm;
} fds[ST_MAX_FDS];

#define st_cur ((struct st_vcpu *)stb_guest_vcpu())
static LIST_HEAD(st_vms);
static pthread_mutex_t st_vms_lock = PTHREAD_MUTEX_INITIALIZER;
/* vCPUs in KVM_RUN, on any thread */
static int st_vcpus_in_run;

static void st_die(const char *fmt, ...)
{
	va_list ap;

	fputs("==== harness backend failure ====\n  ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(1);
}

static int st_fd_new(enum st_kind kind, void *obj, struct st_vm *svm)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	TEST_ASSERT(fd >= 0 && fd < ST_MAX_FDS, "backend: no fd (%d)", fd);
	fds[fd].kind = kind;
	fds[fd].obj = obj;
	fds[fd].svm = svm;
	return fd;
}

static void st_fds_drop(struct st_vm *svm)
{
	for (int i = 0; i < ST_MAX_FDS; i++) {
		if (fds[i].svm != svm)
			continue;
		fds[i].kind = 0;
		fds[i].svm = NULL;
		syscall(SYS_close, i);
	}
}

/* ------------------------------------------------------------ host */

/*
 * At exit, the VMs a test did not free go as their fds' last close makes
 * them go; then the harness checks what is left (leaks, locks, the
 * model's checker).
 */
static void st_exit_check(void)
{
	int failures, running = __atomic_load_n(&st_vcpus_in_run, __ATOMIC_SEQ_CST);

	/*
	 * A test that exits while other threads run vCPUs, as a failed
	 * assertion does, cannot have its VMs freed under them: leave them,
	 * and the checks, to the exit.
	 */
	if (running) {
		fprintf(stderr, "harness: %d vCPU(s) in KVM_RUN at exit: VMs kept, unchecked\n",
			running);
		fflush(NULL);
		return;
	}

	for (;;) {
		struct st_vm *svm = NULL;

		pthread_mutex_lock(&st_vms_lock);
		if (!list_empty(&st_vms))
			svm = list_first_entry(&st_vms, struct st_vm, node);
		pthread_mutex_unlock(&st_vms_lock);
		if (!svm)
			break;
		kvm_vm_free(svm->vm);
	}
	failures = stb_host_check();

	if (failures) {
		fprintf(stderr, "==== harness: %d check(s) failed after the test ====\n",
			failures);
		fflush(NULL);
		_exit(1);
	}
}

static void st_irq_signal_handler(int sig);

/* The VMM's instance of the selftest (a guest image: NULL) */
static void *st_vmm_image;
static struct link_map *st_vmm_map;

__attribute__((constructor)) static void st_init(void)
{
	struct sigaction sa = { .sa_handler = st_irq_signal_handler };
	Dl_info info;

	if (!stb_host_init())
		return;		/* a guest image */
	if (!dladdr1((void *)st_init, &info, (void **)&st_vmm_map, RTLD_DL_LINKMAP) ||
	    !st_vmm_map)
		st_die("backend: cannot find the selftest's own image");
	st_vmm_image = (void *)info.dli_fname;
	sigemptyset(&sa.sa_mask);
	sigaction(ST_IRQ_SIGNAL, &sa, NULL);
	atexit(st_exit_check);
}

/* Load a guest image: the selftest's object again, as a file of its own */
static void st_image_load(struct st_vm *svm)
{
	const char *path = st_vmm_image;
	struct link_map *map;
	char fdpath[64];
	ssize_t n;
	char buf[65536];
	int in;

	svm->image_fd = memfd_create("guest-image", MFD_CLOEXEC);
	in = open(path, O_RDONLY | O_CLOEXEC);
	TEST_ASSERT(svm->image_fd >= 0 && in >= 0, "backend: guest image %s", path);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		TEST_ASSERT(write(svm->image_fd, buf, n) == n, "backend: guest image copy");
	syscall(SYS_close, in);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", svm->image_fd);
	svm->image = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
	TEST_ASSERT(svm->image, "backend: guest image: %s", dlerror());
	TEST_ASSERT(!dlinfo(svm->image, RTLD_DI_LINKMAP, &map), "backend: dlinfo");
	svm->image_delta = (intptr_t)map->l_addr - (intptr_t)st_vmm_map->l_addr;
}

static void st_image_unload(struct st_vm *svm)
{
	dlclose(svm->image);
	syscall(SYS_close, svm->image_fd);
}

/* An address of the VMM's instance, in the VM's guest image */
static void *st_to_image(struct st_vm *svm, const void *p)
{
	Dl_info info;
	struct link_map *map;

	if (p && dladdr1(p, &info, (void **)&map, RTLD_DL_LINKMAP) && map == st_vmm_map)
		return (char *)p + svm->image_delta;
	return (void *)p;
}

void test_disable_default_vgic(void)
{
}

/* ------------------------------------------------------------ memory */

static struct st_vm *st_vm_of(struct kvm_vm *vm)
{
	return fds[vm->fd].kind == ST_VM ? fds[vm->fd].obj : NULL;
}

static struct st_slot *st_slot_of_gpa(struct st_vm *svm, u64 gpa)
{
	for (int i = 0; i < 8; i++)
		if (svm->slots[i].hva && gpa >= svm->slots[i].gpa &&
		    gpa - svm->slots[i].gpa < svm->slots[i].size)
			return &svm->slots[i];
	return NULL;
}

void vm_userspace_mem_region_add(struct kvm_vm *vm, enum vm_mem_backing_src_type src_type,
				 gpa_t gpa, u32 slot, u64 npages, u32 flags)
{
	struct st_vm *svm = st_vm_of(vm);
	u64 size = npages * ST_PAGE_SIZE;
	struct st_slot *s;
	int ret;

	TEST_ASSERT(slot < 8 && !svm->slots[slot].hva, "backend: memslot %u in use", slot);
	s = &svm->slots[slot];
	s->memfd = memfd_create("guest", MFD_CLOEXEC);
	TEST_ASSERT(s->memfd >= 0 && !ftruncate(s->memfd, size), "backend: memfd");
	s->hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
	TEST_ASSERT(s->hva != MAP_FAILED, "backend: mmap of %lu bytes", (unsigned long)size);
	s->gpa = gpa;
	s->size = size;
	ret = stb_memslot(svm->k, slot, gpa, size, flags, s->hva);
	TEST_ASSERT(!ret, "KVM_SET_USER_MEMORY_REGION: %d", ret);
}

unsigned long vm_compute_max_gfn(struct kvm_vm *vm)
{
	return ((1ULL << vm->pa_bits) >> vm->page_shift) - 1;
}

unsigned int vm_calc_num_guest_pages(enum vm_guest_mode mode, size_t size)
{
	return (size + ST_PAGE_SIZE - 1) / ST_PAGE_SIZE;
}

void *addr_gpa2hva(struct kvm_vm *vm, gpa_t gpa)
{
	struct st_slot *s = st_slot_of_gpa(st_vm_of(vm), gpa);

	TEST_ASSERT(s, "No vm physical memory at 0x%lx", (unsigned long)gpa);
	return (char *)s->hva + (gpa - s->gpa);
}

/* GVA == HVA, but for what virt_map() put elsewhere */
void *addr_gva2hva(struct kvm_vm *vm, gva_t gva)
{
	struct st_vm *svm = st_vm_of(vm);
	void *img = st_to_image(svm, (void *)gva);

	if (img != (void *)gva)
		return img;

	for (int i = 0; i < svm->nmaps; i++) {
		struct st_map *m = &svm->maps[i];

		if (gva >= m->gva && gva - m->gva < m->size && !m->mapped)
			return addr_gpa2hva(vm, m->gpa + (gva - m->gva));
	}
	return (void *)gva;
}

gpa_t __vm_phy_pages_alloc(struct kvm_vm *vm, size_t num, gpa_t min_gpa,
			   u32 memslot, bool protected)
{
	struct st_vm *svm = st_vm_of(vm);
	struct st_slot *s = memslot < 8 ? &svm->slots[memslot] : NULL;
	u64 off;

	TEST_ASSERT(s && s->hva, "No memslot %u", memslot);
	off = s->next;
	if (min_gpa > s->gpa + off)
		off = (min_gpa - s->gpa + ST_PAGE_SIZE - 1) & ~(ST_PAGE_SIZE - 1);
	TEST_ASSERT(num && off + num * ST_PAGE_SIZE <= s->size,
		    "No guest physical pages: %zu in memslot %u from 0x%lx",
		    num, memslot, (unsigned long)min_gpa);
	s->next = off + num * ST_PAGE_SIZE;
	return s->gpa + off;
}

gpa_t vm_phy_page_alloc(struct kvm_vm *vm, gpa_t min_gpa, u32 memslot)
{
	return __vm_phy_pages_alloc(vm, 1, min_gpa, memslot, false);
}

/* Guest virtual memory: pages of memslot 0, at their host address */
gva_t __vm_alloc(struct kvm_vm *vm, size_t sz, gva_t min_gva, enum kvm_mem_region_type type)
{
	size_t n = (sz + ST_PAGE_SIZE - 1) / ST_PAGE_SIZE;

	return (gva_t)addr_gpa2hva(vm, __vm_phy_pages_alloc(vm, n, 0, 0, false));
}

gva_t vm_alloc_shared(struct kvm_vm *vm, size_t sz, gva_t min_gva,
		      enum kvm_mem_region_type type)
{
	return __vm_alloc(vm, sz, min_gva, type);
}

gva_t vm_alloc(struct kvm_vm *vm, size_t sz, gva_t min_gva)
{
	return __vm_alloc(vm, sz, min_gva, MEM_REGION_TEST_DATA);
}

gva_t vm_alloc_pages(struct kvm_vm *vm, int nr_pages)
{
	return __vm_alloc(vm, nr_pages * ST_PAGE_SIZE, 0, MEM_REGION_TEST_DATA);
}

gva_t __vm_alloc_page(struct kvm_vm *vm, enum kvm_mem_region_type type)
{
	return __vm_alloc(vm, ST_PAGE_SIZE, 0, type);
}

gva_t vm_alloc_page(struct kvm_vm *vm)
{
	return vm_alloc_pages(vm, 1);
}

gpa_t addr_hva2gpa(struct kvm_vm *vm, void *hva)
{
	struct st_vm *svm = st_vm_of(vm);

	for (int i = 0; i < 8; i++) {
		struct st_slot *s = &svm->slots[i];

		if (s->hva && (char *)hva >= (char *)s->hva &&
		    (u64)((char *)hva - (char *)s->hva) < s->size)
			return s->gpa + ((char *)hva - (char *)s->hva);
	}
	TEST_FAIL("No mapping to a guest physical address, hva: %p", hva);
	return -1;
}

gpa_t addr_arch_gva2gpa(struct kvm_vm *vm, gva_t gva)
{
	struct st_vm *svm = st_vm_of(vm);

	for (int i = 0; i < svm->nmaps; i++) {
		struct st_map *m = &svm->maps[i];

		if (gva >= m->gva && gva - m->gva < m->size)
			return m->gpa + (gva - m->gva);
	}
	return addr_hva2gpa(vm, (void *)gva);
}

/*
 * Guest page tables: a GVA range backed by a memslot is mapped at that
 * address in this process (the guest thread dereferences it); an MMIO
 * range is only recorded (readl()/writel() translate it).
 */
void virt_map(struct kvm_vm *vm, gva_t gva, gpa_t gpa, unsigned int npages)
{
	struct st_vm *svm = st_vm_of(vm);
	u64 size = (u64)npages * ST_PAGE_SIZE;
	struct st_slot *s = st_slot_of_gpa(svm, gpa);
	struct st_map *m;

	TEST_ASSERT(svm->nmaps < ST_MAX_MAPS, "backend: too many guest mappings");
	m = &svm->maps[svm->nmaps++];
	*m = (struct st_map) { gva, gpa, size, false };
	if (s) {
		void *p = mmap((void *)gva, size, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_FIXED_NOREPLACE, s->memfd, gpa - s->gpa);

		TEST_ASSERT(p == (void *)gva,
			    "backend: cannot map guest RAM at GVA 0x%lx in this process",
			    (unsigned long)gva);
		m->mapped = true;
	}
}

/* An address of the guest's: its GPA if MMIO, else NULL (RAM: use it). */
static bool st_gva_mmio(struct st_vm *svm, const void *addr, u64 *gpa)
{
	u64 a = (u64)(unsigned long)addr;

	for (int i = 0; i < svm->nmaps; i++) {
		struct st_map *m = &svm->maps[i];

		if (a >= m->gva && a - m->gva < m->size) {
			*gpa = m->gpa + (a - m->gva);
			return !st_slot_of_gpa(svm, *gpa);
		}
	}
	return false;
}

/* ------------------------------------------------------------ VMs */

struct kvm_vm *____vm_create(struct vm_shape shape)
{
	struct kvm_vm *vm = calloc(1, sizeof(*vm));
	struct st_vm *svm = calloc(1, sizeof(*svm));

	TEST_ASSERT(vm && svm, "backend: out of memory");
	svm->vm = vm;
	st_image_load(svm);
	svm->k = stb_vm_create();
	TEST_ASSERT(svm->k, "KVM_CREATE_VM failed");
	svm->ucall = st_to_image(svm, ucall);
	pthread_mutex_lock(&st_vms_lock);
	list_add_tail(&svm->node, &st_vms);
	pthread_mutex_unlock(&st_vms_lock);
	INIT_LIST_HEAD(&vm->vcpus);
	vm->mode = shape.mode;
	vm->type = shape.type;
	vm->kvm_fd = -1;
	vm->fd = st_fd_new(ST_VM, svm, svm);
	vm->page_size = ST_PAGE_SIZE;
	vm->page_shift = 12;
	vm->pa_bits = 40;
	vm->va_bits = 48;
	vm->max_gfn = vm_compute_max_gfn(vm);
	return vm;
}

struct kvm_vm *__vm_create(struct vm_shape shape, u32 nr_runnable_vcpus, u64 nr_extra_pages)
{
	struct kvm_vm *vm = ____vm_create(shape);

	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, ST_SLOT0_GPA, 0,
				    ST_SLOT0_PAGES + nr_extra_pages, 0);
	ucall_init(vm, ST_SLOT0_GPA + (ST_SLOT0_PAGES + nr_extra_pages) * ST_PAGE_SIZE);
	return vm;
}

struct kvm_vm *__vm_create_with_vcpus(struct vm_shape shape, u32 nr_vcpus,
				      u64 extra_mem_pages, void *guest_code,
				      struct kvm_vcpu *vcpus[])
{
	struct kvm_vm *vm = __vm_create(shape, nr_vcpus, extra_mem_pages);

	for (u32 i = 0; i < nr_vcpus; i++)
		vcpus[i] = vm_vcpu_add(vm, i, guest_code);
	return vm;
}

struct kvm_vm *__vm_create_shape_with_one_vcpu(struct vm_shape shape, struct kvm_vcpu **vcpu,
					       u64 extra_mem_pages, void *guest_code)
{
	struct kvm_vcpu *vcpus[1];
	struct kvm_vm *vm;

	vm = __vm_create_with_vcpus(shape, 1, extra_mem_pages, guest_code, vcpus);
	*vcpu = vcpus[0];
	return vm;
}

/*
 * KVM_CHECK_EXTENSION on /dev/kvm: the capabilities of an arm64 host with
 * an in-kernel vgic that the backend models; 0 for every other one.
 */
unsigned int kvm_check_cap(long cap)
{
	switch (cap) {
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_IRQ_ROUTING:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IRQFD_RESAMPLE:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_DEVICE_CTRL:
	case KVM_CAP_USER_MEMORY:
		return 1;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return 512;
	case KVM_CAP_ARM_VM_IPA_SIZE:
		return 40;
	}
	return 0;
}

static void st_vcpu_stop(struct st_vcpu *v);

void kvm_vm_free(struct kvm_vm *vm)
{
	struct st_vm *svm;
	struct kvm_vcpu *vcpu, *tmp;

	if (!vm)
		return;
	svm = st_vm_of(vm);
	list_for_each_entry_safe(vcpu, tmp, &vm->vcpus, list) {
		struct st_vcpu *v = fds[vcpu->fd].obj;

		st_vcpu_stop(v);
		list_del(&vcpu->list);
		free(vcpu->run);
		free(vcpu);
		free(v);
	}
	for (int i = 0; i < ST_MAX_IRQFDS; i++) {
		struct st_irqfd *f = &svm->irqfds[i];

		if (!f->thread)
			continue;
		if (write(f->stop[1], "x", 1) != 1)
			st_die("irqfd stop");
		pthread_join(f->thread, NULL);
		if (f->resampler)
			stb_resampler_del(svm->k, f->resampler);
		syscall(SYS_close, f->stop[0]);
		syscall(SYS_close, f->stop[1]);
	}
	stb_vm_destroy(svm->k);
	for (int i = 0; i < svm->nmaps; i++)
		if (svm->maps[i].mapped)
			munmap((void *)svm->maps[i].gva, svm->maps[i].size);
	for (int i = 0; i < 8; i++) {
		if (!svm->slots[i].hva)
			continue;
		munmap(svm->slots[i].hva, svm->slots[i].size);
		syscall(SYS_close, svm->slots[i].memfd);
	}
	st_fds_drop(svm);
	st_image_unload(svm);
	pthread_mutex_lock(&st_vms_lock);
	list_del(&svm->node);
	pthread_mutex_unlock(&st_vms_lock);
	free(svm);
	free(vm);
}

/* ------------------------------------------------------------ vCPUs */

struct kvm_vcpu *vm_arch_vcpu_add(struct kvm_vm *vm, u32 vcpu_id)
{
	struct st_vm *svm = st_vm_of(vm);
	struct kvm_vcpu *vcpu = calloc(1, sizeof(*vcpu));
	struct st_vcpu *v = calloc(1, sizeof(*v));
	int ret;

	TEST_ASSERT(vcpu && v, "backend: out of memory");
	ret = stb_vcpu_create(svm->k, vcpu_id, &v->k);
	TEST_ASSERT(!ret, "KVM_CREATE_VCPU(%u): %d", vcpu_id, ret);
	vcpu->id = vcpu_id;
	vcpu->vm = vm;
	vcpu->run = calloc(1, sizeof(*vcpu->run));
	vcpu->fd = st_fd_new(ST_VCPU, v, svm);
	v->vcpu = vcpu;
	v->svm = svm;
	/* Until its guest code starts, the guest thread is in the backend */
	v->in_request = true;
	v->irq_masked = true;
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->cond, NULL);
	list_add_tail(&vcpu->list, &vm->vcpus);
	return vcpu;
}

void vcpu_arch_set_entry_point(struct kvm_vcpu *vcpu, void *guest_code)
{
	struct st_vcpu *v = fds[vcpu->fd].obj;

	v->entry = st_to_image(v->svm, guest_code);
}

void vcpu_args_set(struct kvm_vcpu *vcpu, unsigned int num, ...)
{
	struct st_vcpu *v = fds[vcpu->fd].obj;
	va_list ap;

	TEST_ASSERT(num <= 8, "Number of args exceeds the maximum of 8");
	va_start(ap, num);
	for (unsigned int i = 0; i < num; i++)
		v->args[i] = va_arg(ap, u64);
	va_end(ap);
}

/*
 * The exception handlers, as the library's: a table in guest memory
 * (vm->handlers) per vector and, for the synchronous ones, per EC, which
 * the guest's route_exception() looks up. Its handlers are the guest
 * image's functions.
 */
struct st_handlers {
	handler_fn exception_handlers[VECTOR_NUM][ESR_ELx_EC_MAX + 1];
};

void vm_init_descriptor_tables(struct kvm_vm *vm)
{
	vm->handlers = __vm_alloc(vm, sizeof(struct st_handlers), vm->page_size,
				  MEM_REGION_DATA);
	memset(addr_gva2hva(vm, vm->handlers), 0, sizeof(struct st_handlers));
}

/* VBAR_EL1 = the library's vectors: the vCPU takes exceptions */
void vcpu_init_descriptor_tables(struct kvm_vcpu *vcpu)
{
	struct st_vcpu *v = fds[vcpu->fd].obj;

	v->vectors = true;
}

static struct st_handlers *st_handlers_of(struct kvm_vm *vm)
{
	TEST_ASSERT(vm->handlers, "vm_init_descriptor_tables() was not called");
	return addr_gva2hva(vm, vm->handlers);
}

void vm_install_exception_handler(struct kvm_vm *vm, int vector, handler_fn handler)
{
	struct st_handlers *handlers = st_handlers_of(vm);

	TEST_ASSERT(!VECTOR_IS_SYNC(vector) && vector < VECTOR_NUM,
		    "%s(): vector %d", __func__, vector);
	handlers->exception_handlers[vector][0] = st_to_image(st_vm_of(vm), handler);
}

void vm_install_sync_handler(struct kvm_vm *vm, int vector, int ec, handler_fn handler)
{
	struct st_handlers *handlers = st_handlers_of(vm);

	TEST_ASSERT(VECTOR_IS_SYNC(vector) && vector < VECTOR_NUM && ec <= ESR_ELx_EC_MAX,
		    "%s(): vector %d, EC 0x%x", __func__, vector, ec);
	handlers->exception_handlers[vector][ec] = st_to_image(st_vm_of(vm), handler);
}

/*
 * kvm_exit_unexpected_exception() in lib/arm64/processor.c: the ucall the
 * VMM's vcpu_run() reports. Instance-neutral (a signal handler runs the
 * VMM instance's code on a guest thread): the guest image's ucall().
 */
static void st_unexpected_exception(struct st_vcpu *v, int vector, u64 ec, bool valid_ec)
{
	v->svm->ucall(UCALL_UNHANDLED, 3, (u64)vector, ec, (u64)valid_ec);
	for (;;)
		pause();
}

void assert_on_unhandled_exception(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	if (get_ucall(vcpu, &uc) != UCALL_UNHANDLED)
		return;

	if (uc.args[2]) /* valid_ec */ {
		TEST_ASSERT(VECTOR_IS_SYNC(uc.args[0]), "UCALL_UNHANDLED: vector %lu",
			    uc.args[0]);
		TEST_FAIL("Unexpected exception (vector:0x%lx, ec:0x%lx)",
			  uc.args[0], uc.args[1]);
	} else {
		TEST_ASSERT(!VECTOR_IS_SYNC(uc.args[0]), "UCALL_UNHANDLED: vector %lu",
			    uc.args[0]);
		TEST_FAIL("Unexpected exception (vector:0x%lx)", uc.args[0]);
	}
}

/*
 * Taking an exception to EL1 (the vectors' save, route_exception(), the
 * restore and ERET): SPSR_EL1 is PSTATE (EL1h, the I bit), PSTATE.DAIF
 * are set, the handler runs with the saved registers, ERET restores
 * PSTATE.I. The PC the handler leaves is returned.
 */
static u64 st_take_exception(struct st_vcpu *v, int vector, u64 esr, u64 pc)
{
	struct st_handlers *handlers = (struct st_handlers *)v->svm->vm->handlers;
	bool masked = READ_ONCE(v->irq_masked);
	struct ex_regs regs = { .pc = pc };
	int ec = VECTOR_IS_SYNC(vector) ? ESR_ELx_EC(esr) : 0;
	handler_fn handler;

	if (!v->vectors)
		st_die("vCPU %u: an exception (vector %d, ESR 0x%lx) and no vectors: %s",
		       v->vcpu->id, vector, (unsigned long)esr,
		       "vcpu_init_descriptor_tables() was not called");
	regs.pstate = PSR_MODE_EL1h | (masked ? PSR_I_BIT : 0);
	v->esr = esr;
	v->elr = pc;
	v->spsr = regs.pstate;
	WRITE_ONCE(v->irq_masked, true);
	handler = handlers ? handlers->exception_handlers[vector][ec] : NULL;
	if (!handler)
		st_unexpected_exception(v, vector, ec, VECTOR_IS_SYNC(vector));
	handler(&regs);
	WRITE_ONCE(v->irq_masked, !!(regs.pstate & PSR_I_BIT));
	return regs.pc;
}

/* ------------------------------------------------- the guest thread side */

/*
 * The guest thread of a stopped vCPU goes. Its exit unwinds the stack,
 * which takes the dynamic loader's lock: no IRQ signal may come in then.
 */
static void st_guest_exit(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, ST_IRQ_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_exit(NULL);
}

/* A request to the vCPU thread; returns when it is answered. */
static void st_request(struct st_vcpu *v, enum st_req req)
{
	pthread_mutex_lock(&v->lock);
	v->req = req;
	v->req_seq++;
	pthread_cond_broadcast(&v->cond);
	while (v->done_seq != v->req_seq && !v->dead)
		pthread_cond_wait(&v->cond, &v->lock);
	pthread_mutex_unlock(&v->lock);
	if (v->dead)
		st_guest_exit();
}

/*
 * The IRQ exception, between two instructions: the guest goes on where it
 * was (a PC of its C code, which a handler cannot change).
 */
static void st_take_irq(struct st_vcpu *v)
{
	if (st_take_exception(v, VECTOR_IRQ_CURRENT, 0, 0))
		st_die("vCPU %u: an IRQ handler changed the PC", v->vcpu->id);
}

/*
 * An UNDEF of the system register access or instruction at @pc (KVM
 * injected it): the synchronous exception; true when the handler skips
 * the instruction (ELR_EL1 + 4), false when it returns to it (the access
 * runs again). A return anywhere else cannot be modelled.
 */
static bool st_take_undef(struct st_vcpu *v, u64 esr, u64 pc)
{
	u64 ret = st_take_exception(v, VECTOR_SYNC_CURRENT, esr, pc);

	if (ret == pc + 4)
		return true;
	if (ret != pc)
		st_die("vCPU %u: the handler of the UNDEF at 0x%lx returns to 0x%lx: not modelled",
		       v->vcpu->id, (unsigned long)pc, (unsigned long)ret);
	return false;
}

/* After a request: an interrupt signalled with PSTATE.I clear is taken */
static void st_after_request(struct st_vcpu *v)
{
	bool irq = v->irq;

	WRITE_ONCE(v->in_request, false);
	WRITE_ONCE(v->irq_signalled, false);
	if (irq && !READ_ONCE(v->irq_masked))
		st_take_irq(v);
}

static struct st_vcpu *st_guest(void)
{
	if (!st_cur)
		st_die("guest code called on a thread that is no vCPU's");
	WRITE_ONCE(st_cur->in_request, true);
	return st_cur;
}

/*
 * A system register access or system instruction; false if it UNDEFs and
 * the handler skips it. The PC of an access is its call's return address,
 * an address of the guest's code.
 */
static bool st_sysreg(u32 enc, u64 *val, bool write, u64 pc)
{
	struct st_vcpu *v;

	for (;;) {
		v = st_guest();
		v->enc = enc;
		v->val = *val;
		v->write = write;
		st_request(v, REQ_SYSREG);
		if (v->result < 0)
			st_die("vCPU %u: system register or instruction 0x%x (%s) not modelled",
			       v->vcpu->id, enc, write ? "write" : "read");
		if (v->result != STB_UNDEF)
			break;
		WRITE_ONCE(v->in_request, false);
		WRITE_ONCE(v->irq_signalled, false);
		if (st_take_undef(v, v->val, pc))
			return false;
	}
	*val = v->val;
	st_after_request(v);
	return true;
}

uint64_t st_read_sysreg(uint32_t enc)
{
	u64 val = 0;

	/* an UNDEF'd read leaves Xt alone: 0 here */
	if (!st_sysreg(enc, &val, false, (u64)__builtin_return_address(0)))
		return 0;
	return val;
}

void st_write_sysreg(uint32_t enc, uint64_t val)
{
	st_sysreg(enc, &val, true, (u64)__builtin_return_address(0));
}

/* A register of the vCPU's that is not an access of KVM's */
static struct st_vcpu *st_guest_reg(void)
{
	if (!st_cur)
		st_die("guest code called on a thread that is no vCPU's");
	return st_cur;
}

/* The generic timer's virtual counter: CLOCK_MONOTONIC at 100 MHz */
#define ST_CNTFRQ	100000000ULL

uint64_t st_read_sysreg_named(const char *name)
{
	struct timespec ts;

	if (!strcmp(name, "CurrentEL"))
		return 1 << 2;
	if (!strcasecmp(name, "cntfrq_el0"))
		return ST_CNTFRQ;
	/* the exception registers: what the last exception taken set */
	if (!strcasecmp(name, "esr_el1"))
		return st_guest_reg()->esr;
	if (!strcasecmp(name, "elr_el1"))
		return st_guest_reg()->elr;
	if (!strcasecmp(name, "spsr_el1"))
		return st_guest_reg()->spsr;
	if (!strcasecmp(name, "cntvct_el0") || !strcasecmp(name, "cntpct_el0")) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		return (u64)ts.tv_sec * ST_CNTFRQ + ts.tv_nsec / (1000000000ULL / ST_CNTFRQ);
	}
	st_die("guest read of %s is not modelled", name);
	return 0;
}

void st_write_sysreg_named(const char *name, uint64_t val)
{
	st_die("guest write of %s is not modelled", name);
}

static uint64_t st_ram(void *addr, int len, uint64_t val, bool write)
{
	if (write) {
		if (len == 8)
			WRITE_ONCE(*(u64 *)addr, val);
		else
			WRITE_ONCE(*(u32 *)addr, val);
		return 0;
	}
	return len == 8 ? READ_ONCE(*(u64 *)addr) : READ_ONCE(*(u32 *)addr);
}

uint64_t st_mmio_read(const void *addr, int len)
{
	struct st_vcpu *v = st_guest();
	u64 gpa, val;

	if (!st_gva_mmio(v->svm, addr, &gpa)) {
		WRITE_ONCE(v->in_request, false);
		return st_ram((void *)addr, len, 0, false);
	}
	v->gpa = gpa;
	v->len = len;
	v->write = false;
	st_request(v, REQ_MMIO);
	val = v->val;
	st_after_request(v);
	return val;
}

void st_mmio_write(void *addr, int len, uint64_t val)
{
	struct st_vcpu *v = st_guest();
	u64 gpa;

	if (!st_gva_mmio(v->svm, addr, &gpa)) {
		WRITE_ONCE(v->in_request, false);
		st_ram(addr, len, val, true);
		return;
	}
	v->gpa = gpa;
	v->len = len;
	v->val = val;
	v->write = true;
	st_request(v, REQ_MMIO);
	st_after_request(v);
}

void st_local_irq(int enable)
{
	struct st_vcpu *v = st_guest();

	WRITE_ONCE(v->irq_masked, !enable);
	if (!enable) {
		WRITE_ONCE(v->in_request, false);
		return;
	}
	st_request(v, REQ_IRQ_CHECK);
	st_after_request(v);
}

void st_barrier(void)
{
	__sync_synchronize();
}

void wfi(void)
{
	struct st_vcpu *v = st_guest();

	st_request(v, REQ_WFI);
	st_after_request(v);
}

/*
 * The vCPU thread saw an interrupt signalled while this thread ran guest
 * code without a request: take it here, unless masked or in a request
 * (whose answer says it).
 */
static void st_irq_signal_handler(int sig)
{
	struct st_vcpu *v = st_cur;
	int saved = errno;

	if (!v)
		return;
	/*
	 * Stopped: leave from guest code only. In a request, the thread may
	 * be in pthread_cond_wait(), whose unwinding would take v->lock
	 * again, held or not: the request leaves once it is answered.
	 */
	if (READ_ONCE(v->dead) && !READ_ONCE(v->in_request))
		st_guest_exit();
	if (READ_ONCE(v->in_request) || READ_ONCE(v->irq_masked)) {
		errno = saved;
		return;
	}
	WRITE_ONCE(v->in_request, true);
	st_request(v, REQ_IRQ_CHECK);
	st_after_request(v);
	errno = saved;
}

static void *st_guest_thread(void *arg)
{
	struct st_vcpu *v = arg;
	void (*entry)(u64, u64, u64, u64, u64, u64, u64, u64) = v->entry;

	stb_set_guest_vcpu(v);
	pthread_mutex_lock(&v->lock);
	while (!v->go && !v->dead)
		pthread_cond_wait(&v->cond, &v->lock);
	pthread_mutex_unlock(&v->lock);
	if (v->dead)
		return NULL;
	/* PSTATE.I is set at reset, as on the vCPU's first entry */
	WRITE_ONCE(v->irq_masked, true);
	WRITE_ONCE(v->in_request, false);
	entry(v->args[0], v->args[1], v->args[2], v->args[3],
	      v->args[4], v->args[5], v->args[6], v->args[7]);
	st_die("vCPU %u: guest_code returned", v->vcpu->id);
	return NULL;
}

static void st_vcpu_stop(struct st_vcpu *v)
{
	if (!v->started)
		return;
	pthread_mutex_lock(&v->lock);
	v->dead = true;
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
	pthread_kill(v->guest, ST_IRQ_SIGNAL);
	pthread_join(v->guest, NULL);
}

/* ------------------------------------------------- the vCPU thread side */

static void st_reply(struct st_vcpu *v)
{
	v->irq = stb_guest_irq_pending(v->k);
	pthread_mutex_lock(&v->lock);
	v->done_seq = v->req_seq;
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
}

/* One guest entry: the guest runs until it needs an exit. */
static enum stb_exit st_guest_entry(void *k, void *arg)
{
	struct st_vcpu *v = arg;
	struct timespec ts;

	if (v->pending_reply) {
		if (v->req == REQ_MMIO && !v->write)
			v->val = v->mmio_user ? *(u64 *)v->vcpu->run->mmio.data :
						stb_guest_mmio_result();
		v->pending_reply = false;
		v->mmio_user = false;
		st_reply(v);
	} else if (!v->go) {
		pthread_mutex_lock(&v->lock);
		v->go = true;
		pthread_cond_broadcast(&v->cond);
		pthread_mutex_unlock(&v->lock);
	}

	for (;;) {
		bool have;

		pthread_mutex_lock(&v->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		while (v->req_seq == v->done_seq &&
		       !pthread_cond_timedwait(&v->cond, &v->lock, &ts))
			;
		have = v->req_seq != v->done_seq;
		pthread_mutex_unlock(&v->lock);

		/*
		 * A kick (its IPI) makes the vCPU exit before whatever the
		 * guest does next: the request waits for the re-entry.
		 */
		if (stb_guest_exit_requested(k))
			return STB_EXIT_IRQ;
		if (!have) {
			if (!READ_ONCE(v->irq_masked) && !READ_ONCE(v->in_request) &&
			    !READ_ONCE(v->irq_signalled) && stb_guest_irq_pending(k)) {
				WRITE_ONCE(v->irq_signalled, true);
				pthread_kill(v->guest, ST_IRQ_SIGNAL);
			}
			continue;
		}

		switch (v->req) {
		case REQ_SYSREG:
			v->result = stb_guest_sysreg(k, v->enc, &v->val, v->write);
			if (v->result == STB_TRAPPED || v->result == STB_UNDEF) {
				v->pending_reply = true;
				return STB_EXIT_IRQ;
			}
			st_reply(v);
			break;
		case REQ_MMIO:
			stb_guest_mmio(v->gpa, v->len, v->val, v->write);
			v->pending_reply = true;
			return STB_EXIT_MMIO;
		case REQ_WFI:
			v->pending_reply = true;
			return STB_EXIT_WFI;
		default:
			st_reply(v);
			break;
		}
	}
}

static int st_vcpu_run(struct st_vcpu *v)
{
	struct kvm_run *run = v->vcpu->run;
	int ret;

	if (!v->started) {
		TEST_ASSERT(v->entry, "vCPU %u has no guest code", v->vcpu->id);
		TEST_ASSERT(!pthread_create(&v->guest, NULL, st_guest_thread, v),
			    "backend: guest thread");
		v->started = true;
	}
	if (v->pending_reply && v->req == REQ_MMIO)
		v->mmio_user = true;
	__atomic_add_fetch(&st_vcpus_in_run, 1, __ATOMIC_SEQ_CST);
	ret = stb_run(v->k, st_guest_entry, v);
	__atomic_sub_fetch(&st_vcpus_in_run, 1, __ATOMIC_SEQ_CST);
	run->exit_reason = KVM_EXIT_UNKNOWN;
	if (!ret && v->pending_reply && v->req == REQ_MMIO) {
		run->exit_reason = KVM_EXIT_MMIO;
		run->mmio.phys_addr = v->gpa;
		run->mmio.len = v->len;
		run->mmio.is_write = v->write;
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		if (v->write)
			memcpy(run->mmio.data, &v->val, v->len);
	}
	return ret;
}

int _vcpu_run(struct kvm_vcpu *vcpu)
{
	int ret;

	do {
		ret = __vcpu_run(vcpu);
	} while (ret == -1 && errno == EINTR);
	if (!ret)
		assert_on_unhandled_exception(vcpu);
	return ret;
}

void vcpu_run(struct kvm_vcpu *vcpu)
{
	int ret = _vcpu_run(vcpu);

	TEST_ASSERT(!ret, KVM_IOCTL_ERROR(KVM_RUN, ret));
}

void vcpu_run_complete_io(struct kvm_vcpu *vcpu)
{
}

/* ------------------------------------------------------------ ucalls */

gva_t *ucall_exit_mmio_addr;

void ucall_arch_init(struct kvm_vm *vm, gpa_t mmio_gpa)
{
	virt_map(vm, mmio_gpa, mmio_gpa, 1);
	vm->ucall_mmio_addr = mmio_gpa;
	write_guest_global(vm, ucall_exit_mmio_addr, (gva_t *)mmio_gpa);
}

void *ucall_arch_get_ucall(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->exit_reason == KVM_EXIT_MMIO &&
	    run->mmio.phys_addr == vcpu->vm->ucall_mmio_addr) {
		TEST_ASSERT(run->mmio.is_write && run->mmio.len == sizeof(u64),
			    "Unexpected ucall exit mmio address access");
		return (void *)(*((u64 *)run->mmio.data));
	}
	return NULL;
}

/* ------------------------------------------------------------ irqfds */

static void st_resample_notify(void *arg)
{
	struct st_irqfd *f = arg;
	u64 one = 1;

	if (write(f->resamplefd, &one, sizeof(one)) != sizeof(one))
		st_die("resamplefd write");
}

/* irqfd_wakeup() -> irqfd_inject() from the eventfd's wait queue */
static void *st_irqfd_thread(void *arg)
{
	struct st_irqfd *f = arg;
	struct pollfd p[2];
	u64 cnt;

	p[0] = (struct pollfd) { .fd = f->fd, .events = POLLIN };
	p[1] = (struct pollfd) { .fd = f->stop[0], .events = POLLIN };
	for (;;) {
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents)
			return NULL;
		if (p[0].revents & POLLIN && read(f->fd, &cnt, sizeof(cnt)) == sizeof(cnt))
			stb_irqfd_inject(f->svm->k, f->gsi, f->resamplefd >= 0);
	}
}

static int st_irqfd(struct st_vm *svm, struct kvm_irqfd *a)
{
	struct st_irqfd *f = NULL;

	if (a->flags & KVM_IRQFD_FLAG_DEASSIGN) {
		for (int i = 0; i < ST_MAX_IRQFDS; i++) {
			f = &svm->irqfds[i];
			if (!f->thread || f->fd != (int)a->fd || f->gsi != a->gsi)
				continue;
			if (write(f->stop[1], "x", 1) != 1)
				st_die("irqfd stop");
			pthread_join(f->thread, NULL);
			if (f->resampler)
				stb_resampler_del(svm->k, f->resampler);
			syscall(SYS_close, f->stop[0]);
			syscall(SYS_close, f->stop[1]);
			memset(f, 0, sizeof(*f));
			return 0;
		}
		return -ENOENT;
	}
	if (a->flags & ~KVM_IRQFD_FLAG_RESAMPLE)
		return -EINVAL;
	for (int i = 0; i < ST_MAX_IRQFDS; i++)
		if (svm->irqfds[i].thread && svm->irqfds[i].fd == (int)a->fd)
			return -EBUSY;
	for (int i = 0; i < ST_MAX_IRQFDS && !f; i++)
		if (!svm->irqfds[i].thread)
			f = &svm->irqfds[i];
	if (!f)
		return -ENOSPC;
	f->svm = svm;
	f->fd = a->fd;
	f->gsi = a->gsi;
	f->resamplefd = a->flags & KVM_IRQFD_FLAG_RESAMPLE ? (int)a->resamplefd : -1;
	if (pipe(f->stop))
		return -errno;
	if (f->resamplefd >= 0)
		f->resampler = stb_resampler_add(svm->k, a->gsi, st_resample_notify, f);
	if (pthread_create(&f->thread, NULL, st_irqfd_thread, f)) {
		f->thread = 0;
		return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------ devices */

int __kvm_test_create_device(struct kvm_vm *vm, u64 type)
{
	struct kvm_create_device create_dev = {
		.type = type,
		.flags = KVM_CREATE_DEVICE_TEST,
	};

	return __vm_ioctl(vm, KVM_CREATE_DEVICE, &create_dev);
}

int __kvm_create_device(struct kvm_vm *vm, u64 type)
{
	struct kvm_create_device create_dev = {
		.type = type,
		.fd = -1,
		.flags = 0,
	};
	int err;

	err = __vm_ioctl(vm, KVM_CREATE_DEVICE, &create_dev);
	TEST_ASSERT(err <= 0, "KVM_CREATE_DEVICE shouldn't return a positive value");
	return err ? : create_dev.fd;
}

/* KVM_{GET,SET,HAS}_DEVICE_ATTR on a device fd */
static int st_device_attr_ioctl(int dev_fd, unsigned long cmd, u32 group, u64 attr, void *val)
{
	struct kvm_device_attr kvmattr = {
		.group = group,
		.attr = attr,
		.flags = 0,
		.addr = (uintptr_t)val,
	};

	return ioctl(dev_fd, cmd, &kvmattr);
}

int __kvm_device_attr_get(int dev_fd, u32 group, u64 attr, void *val)
{
	return st_device_attr_ioctl(dev_fd, KVM_GET_DEVICE_ATTR, group, attr, val);
}

int __kvm_device_attr_set(int dev_fd, u32 group, u64 attr, void *val)
{
	return st_device_attr_ioctl(dev_fd, KVM_SET_DEVICE_ATTR, group, attr, val);
}

int __kvm_has_device_attr(int dev_fd, u32 group, u64 attr)
{
	return st_device_attr_ioctl(dev_fd, KVM_HAS_DEVICE_ATTR, group, attr, NULL);
}

int _kvm_irq_line(struct kvm_vm *vm, u32 irq, int level)
{
	struct kvm_irq_level irq_level = {
		.irq    = irq,
		.level  = level,
	};

	return __vm_ioctl(vm, KVM_IRQ_LINE, &irq_level);
}

void kvm_irq_line(struct kvm_vm *vm, u32 irq, int level)
{
	int ret = _kvm_irq_line(vm, irq, level);

	TEST_ASSERT(ret >= 0, KVM_IOCTL_ERROR(KVM_IRQ_LINE, ret));
}

struct kvm_irq_routing *kvm_gsi_routing_create(void)
{
	struct kvm_irq_routing *routing;

	routing = calloc(1, sizeof(*routing) +
			    KVM_MAX_IRQ_ROUTES * sizeof(struct kvm_irq_routing_entry));
	TEST_ASSERT(routing, "backend: out of memory");
	return routing;
}

void kvm_gsi_routing_irqchip_add(struct kvm_irq_routing *routing, u32 gsi, u32 pin)
{
	int i = routing->nr;

	TEST_ASSERT(routing->nr < KVM_MAX_IRQ_ROUTES, "too many routes");
	routing->entries[i].gsi = gsi;
	routing->entries[i].type = KVM_IRQ_ROUTING_IRQCHIP;
	routing->entries[i].flags = 0;
	routing->entries[i].u.irqchip.irqchip = 0;
	routing->entries[i].u.irqchip.pin = pin;
	routing->nr++;
}

int _kvm_gsi_routing_write(struct kvm_vm *vm, struct kvm_irq_routing *routing)
{
	int ret = __vm_ioctl(vm, KVM_SET_GSI_ROUTING, routing);

	free(routing);
	return ret;
}

void kvm_gsi_routing_write(struct kvm_vm *vm, struct kvm_irq_routing *routing)
{
	int ret = _kvm_gsi_routing_write(vm, routing);

	TEST_ASSERT(!ret, KVM_IOCTL_ERROR(KVM_SET_GSI_ROUTING, ret));
}

/* ------------------------------------------------------------ ioctl() */

static long st_vm_ioctl(struct st_vm *svm, unsigned long req, void *arg)
{
	switch (req) {
	case KVM_CREATE_DEVICE: {
		struct kvm_create_device *cd = arg;
		void *dev;
		int ret;

		if (cd->flags & ~KVM_CREATE_DEVICE_TEST)
			return -EINVAL;
		ret = stb_create_device(svm->k, cd->type, cd->flags & KVM_CREATE_DEVICE_TEST,
					&dev);
		if (ret || cd->flags & KVM_CREATE_DEVICE_TEST)
			return ret;
		cd->fd = st_fd_new(ST_DEVICE, dev, svm);
		return 0;
	}
	case KVM_IRQ_LINE: {
		struct kvm_irq_level *l = arg;

		return stb_irq_line(svm->k, l->irq, l->level);
	}
	case KVM_SIGNAL_MSI: {
		struct kvm_msi *m = arg;

		return stb_signal_msi(svm->k, (u64)m->address_hi << 32 | m->address_lo,
				      m->data, m->flags, m->devid);
	}
	case KVM_SET_GSI_ROUTING: {
		struct kvm_irq_routing *r = arg;

		return stb_set_gsi_routing(svm->k, r->entries, r->nr, r->flags);
	}
	case KVM_IRQFD:
		return st_irqfd(svm, arg);
	case KVM_CHECK_EXTENSION:
		/* A VM's own answer (kvm_vm_ioctl_check_extension()) */
		if ((long)arg == KVM_CAP_MSI_DEVID)
			return stb_vm_msi_devid(svm->k);
		return kvm_check_cap((long)arg);
	}
	st_die("VM ioctl 0x%lx is not modelled", req);
	return -ENOTTY;
}

static long st_device_ioctl(void *dev, unsigned long req, void *arg)
{
	struct kvm_device_attr *a = arg;

	switch (req) {
	case KVM_HAS_DEVICE_ATTR:
		return stb_device_attr(dev, STB_ATTR_HAS, a->group, a->attr, a->addr);
	case KVM_GET_DEVICE_ATTR:
		return stb_device_attr(dev, STB_ATTR_GET, a->group, a->attr, a->addr);
	case KVM_SET_DEVICE_ATTR:
		return stb_device_attr(dev, STB_ATTR_SET, a->group, a->attr, a->addr);
	}
	st_die("device ioctl 0x%lx is not modelled", req);
	return -ENOTTY;
}

/* The ioctl() of this program: KVM's for the backend's fds */
int ioctl(int fd, unsigned long req, ...)
{
	void *arg;
	va_list ap;
	long ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (fd < 0 || fd >= ST_MAX_FDS || !fds[fd].kind)
		return syscall(SYS_ioctl, fd, req, arg);

	switch (fds[fd].kind) {
	case ST_VM:
		ret = st_vm_ioctl(fds[fd].obj, req, arg);
		break;
	case ST_VCPU:
		if (req != KVM_RUN)
			st_die("vCPU command 0x%lx is not modelled", req);
		ret = st_vcpu_run(fds[fd].obj);
		break;
	default:
		ret = st_device_ioctl(fds[fd].obj, req, arg);
		break;
	}
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}
