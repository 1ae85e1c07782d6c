// SPDX-License-Identifier: GPL-2.0
/*
 * vgic_fuzz.c - a libFuzzer target over the harness: the input bytes are
 * a program of operations a VMM, its devices and its guests perform on a
 * few GICv5 VMs, run against the kernel's vgic code and the IRS model.
 *
 * Built twice from this one source:
 *  - with clang -fsanitize=fuzzer,address,undefined ("make fuzz",
 *    .build-fuzz/vgic-fuzz): libFuzzer calls LLVMFuzzerTestOneInput() for
 *    each input in this process; a finding aborts, so that libFuzzer saves
 *    the input as a reproducer;
 *  - with gcc into the ASan harness, where tests/fuzz_replay.c runs every
 *    input of fuzz/corpus.txt and fuzz/crashes.txt through the same
 *    function.
 *
 * Each input starts with no VM and ends with none: at its end every VM is
 * destroyed and the harness's after-test checks run (leaks, locks held,
 * atomic context, the IRS model's quiescence and violations). The host is
 * booted once (harness_host_init()), anew when an input's first byte picks
 * another (fz_host_select()). Findings are what fails a harness test: a
 * sanitizer report, a WARN/BUG, a lockdep-lite or sleep-in-atomic report,
 * a violation, a leak; and what the UAPI documentation rules out: an errno
 * it does not list, an MMIO read that writes beyond its size, an IDLE bit
 * that reads 0, a register value read that cannot be written back, a
 * restored state that does not save again as it was saved, a lost
 * wake-up. Expected errnos are not findings.
 *
 * The operations (fz_op()) stand for:
 *  - KVM_CREATE_VM with vCPUs, the v5 VGIC, its IRS address, NR_IRQS,
 *    CTRL_INIT, guest RAM, an ITS, in an order and with values the input
 *    picks; KVM_CREATE_VCPU, KVM_CREATE_DEVICE, destroying a VM;
 *  - KVM_{HAS,GET,SET}_DEVICE_ATTR on the VGIC or an ITS, any group and
 *    attribute, with buffers from the input (IST images too, saved ones or
 *    corrupted ones), optionally while a vCPU is "running";
 *  - KVM_IRQ_LINE, KVM_SIGNAL_MSI (with or without a DeviceID),
 *    KVM_SET_GSI_ROUTING, irqfd injection (the atomic path and the
 *    kworker's), resamplers;
 *  - memslots, dirty logs, the guest's CPUs writing its RAM: raw bytes or
 *    IST/ITS table entries pointing into it;
 *  - KVM_RUN of a vCPU whose guest executes a program of its own
 *    (fz_guest()): MMIO to the IRS and ITS frames at any offset, width and
 *    value, GIC CD* instructions, GICR CDIA, ICC registers, WFI (woken by
 *    an injection from another thread, or by a signal: it never blocks);
 *  - vcpu_load()/vcpu_put() around other ioctls, preemption, migration;
 *  - saving the VGIC state (IRS registers, ISTs, CPU interface, ITS
 *    registers) from one VM and restoring it, corrupted or not, into a
 *    new one, before or after destroying the old (CPR);
 *  - allocation failure injection, a slow, stuck or misbehaving host IRS.
 *
 * VGIC_FUZZ_TRACE=1 prints the operations; VGIC_FUZZ_KNOWN lists the
 * violations of known findings to fuzz on past (README.md).
 */
#include "harness.h"
#include "vt.h"
#include "gicv5_model.h"
#include "kvm_util.h"
#include "vgic_v5_save.h"
#include "selftest/st_bridge.h"

/* ------------------------------------------------------------- constants */

#define FZ_VMS		3	/* VM slots */
#define FZ_VCPUS	4	/* vCPU slots of a VM */
#define FZ_ITSES	2	/* ITS slots of a VM */
#define FZ_RESAMPLERS	2	/* resampler slots of a VM */
#define FZ_OPS		256	/* operations of one input, at most */
#define FZ_ENTRIES	64	/* guest entries of one KVM_RUN, at most */
#define FZ_STEPS	16	/* guest steps of one guest entry, at most */

/* The guest physical map: the IRS, two ITSes, RAM */
#define FZ_IRS_BASE	HARNESS_V5_IRS_BASE
#define FZ_ITS_BASE(i)	(0x08100000ULL + (i) * 0x20000ULL)
#define FZ_RAM_GPA	0x40000000ULL
#define FZ_MAX_RAM	SZ_1M
/* Image buffers larger than this are not allocated (flat 18-bit LPI IST) */
#define FZ_MAX_IMAGE	SZ_1M

#define TASK_RUNNING	0	/* harness_run.c's task state */

/* ---------------------------------------------------------- input reader */

struct fz {
	const u8 *data;
	size_t size, pos;
};

/*
 * @n little-endian bytes of the input; zeroes once it is exhausted. An
 * expression reads the input once at most: C leaves the order of the
 * operands' reads to the compiler, and gcc's replay of an input must read
 * it as clang's libFuzzer build did.
 */
static u64 fz_get(struct fz *f, unsigned int n)
{
	u64 v = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (f->pos < f->size)
			v |= (u64)f->data[f->pos++] << (8 * i);
	}
	return v;
}

#define fz_u8(f)	((u8)fz_get((f), 1))
#define fz_u16(f)	((u16)fz_get((f), 2))
#define fz_u32(f)	((u32)fz_get((f), 4))
#define fz_u64(f)	fz_get((f), 8)

static bool fz_more(const struct fz *f)
{
	return f->pos < f->size;
}

/* One of the @n values of @tab mostly, else a raw u64 */
static u64 fz_pick(struct fz *f, const u64 *tab, unsigned int n)
{
	u8 i = fz_u8(f);

	return i < 0xe0 ? tab[i % n] : fz_u64(f);
}

#define FZ_PICK(f, tab)	fz_pick((f), (tab), ARRAY_SIZE(tab))

/* ---------------------------------------------------------------- state */

struct fz_vm {
	struct kvm *kvm;
	struct kvm_device *gic;
	struct kvm_device *its[FZ_ITSES];
	u64 its_base[FZ_ITSES];
	struct kvm_vcpu *vcpu[FZ_VCPUS];
	void *resampler[FZ_RESAMPLERS];
	u64 irs_base;
	size_t ram_size;	/* memslot 0 at FZ_RAM_GPA, 0: none */
};

/* The last IST images a GRP_IST get returned, for later restores */
struct fz_image {
	u8 *spi, *lpi;
	u64 spi_size, lpi_size;
	u64 attr;
};

static struct {
	struct fz_vm vm[FZ_VMS];
	/* The vCPU vcpu_load()ed on this thread outside KVM_RUN, or NULL */
	struct kvm_vcpu *loaded;
	struct fz_image img;
	bool knobs;		/* the host IRS was made slow, stuck, lossy */
	int host;		/* the host booted (fz_host_select()) */
	bool host_ready;
	const char *name;	/* the input replayed (tests/fuzz_replay.c) */
} fz;

/* ------------------------------------------------------------- findings */

/* A finding: the input is a reproducer (abort in the libFuzzer build) */
static void fz_finding(const char *fmt, ...) __printf(1, 2);

static void fz_finding(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vt_fail(__FILE__, __LINE__, "vgic-fuzz finding: %s", msg);
	fflush(stdout);
	_exit(1);
}

/*
 * Every errno the UAPI documents for the operations driven here (and
 * -EIO of a dead VM, -EPERM of an accessor a device lacks, -EOPNOTSUPP
 * of a vcpu_id the host IRS cannot give a VPE); anything else is a
 * finding.
 */
static void fz_check_ret(const char *what, long ret, long max_positive)
{
	switch (ret) {
	case -ENXIO: case -EBUSY: case -EINVAL: case -EFAULT: case -ENOMEM:
	case -ENOSPC: case -ETIMEDOUT: case -E2BIG: case -EEXIST: case -ENODEV:
	case -ENOENT: case -EPERM: case -EIO: case -EOPNOTSUPP: case -EINTR:
	case -EWOULDBLOCK:
		return;
	}
	if (ret < 0 || ret > max_positive)
		fz_finding("%s returned %ld", what, ret);
}

/* ---------------------------------------------------------- VM helpers */

static struct fz_vm *fz_vm(struct fz *f)
{
	return &fz.vm[fz_u8(f) % FZ_VMS];
}

/* A VM ioctl reaches the VM only while it is alive: kvm_vm_ioctl() */
static bool fz_vm_ok(struct fz_vm *v)
{
	return v->kvm && !READ_ONCE(v->kvm->vm_dead);
}

static struct kvm_vcpu *fz_vcpu(struct fz *f, struct fz_vm *v)
{
	u8 i = fz_u8(f);

	for (int n = 0; n < FZ_VCPUS; n++)
		if (v->vcpu[(i + n) % FZ_VCPUS])
			return v->vcpu[(i + n) % FZ_VCPUS];
	return NULL;
}

/* The ioctl that follows does not run with a vCPU loaded on this thread */
static void fz_put(void)
{
	if (fz.loaded) {
		harness_vcpu_put(fz.loaded);
		fz.loaded = NULL;
	}
	harness_set_this_cpu(0);
}

static void fz_set_cpu(struct fz *f)
{
	harness_set_this_cpu(fz_u8(f) % harness_nr_cpus());
}

static void fz_vm_destroy(struct fz_vm *v)
{
	if (!v->kvm)
		return;
	if (fz.loaded && fz.loaded->kvm == v->kvm)
		fz_put();
	for (int i = 0; i < FZ_RESAMPLERS; i++)
		stb_resampler_del(v->kvm, v->resampler[i]);
	harness_vm_destroy(v->kvm);
	memset(v, 0, sizeof(*v));
}

static const u64 fz_vcpu_ids[] = { 0, 1, 2, 3, 4, 7, 15, 16, 255, 511, 512, 1023 };

static int fz_vcpu_create(struct fz_vm *v, u32 id)
{
	struct kvm_vcpu *vcpu;
	int slot, ret;

	for (slot = 0; slot < FZ_VCPUS && v->vcpu[slot]; slot++)
		;
	if (slot == FZ_VCPUS)
		return -ENOSPC;
	ret = harness_vcpu_create(v->kvm, id, &vcpu);
	fz_check_ret("KVM_CREATE_VCPU", ret, 0);
	if (!ret)
		v->vcpu[slot] = vcpu;
	return ret;
}

static int fz_device_create(struct fz_vm *v, u32 type, struct kvm_device **devp)
{
	int ret = harness_create_device(v->kvm, type, devp);

	fz_check_ret("KVM_CREATE_DEVICE", ret, 0);
	return ret;
}

static int fz_set_attr(struct kvm_device *dev, u32 group, u64 attr, void *buf)
{
	int ret = harness_set_attr(dev, group, attr, buf);

	fz_check_ret("KVM_SET_DEVICE_ATTR", ret, 0);
	return ret;
}

static int fz_get_attr(struct kvm_device *dev, u32 group, u64 attr, void *buf)
{
	int ret = harness_get_attr(dev, group, attr, buf);

	fz_check_ret("KVM_GET_DEVICE_ATTR", ret, 0);
	return ret;
}

static int fz_its_create(struct fz_vm *v, int i, u64 base)
{
	struct kvm_device *dev;
	int ret;

	if (v->its[i])
		return -EEXIST;
	ret = fz_device_create(v, KVM_DEV_TYPE_ARM_VGIC_V5_ITS, &dev);
	if (ret)
		return ret;
	v->its[i] = dev;
	v->its_base[i] = base;
	return fz_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_ITS, &base);
}

/*
 * Guest RAM (memslot 0) of each VM slot: the VMM's memory, mapped once and
 * zeroed for each new VM, rather than a fresh mapping each time.
 */
static void *fz_ram_pool[FZ_VMS];

static int fz_ram_add(struct fz_vm *v, size_t size)
{
	void **pool = &fz_ram_pool[v - fz.vm];
	int ret;

	if (!*pool)
		*pool = aligned_alloc(PAGE_SIZE, FZ_MAX_RAM);
	if (!*pool)
		return -ENOMEM;
	memset(*pool, 0, size);
	ret = harness_memslot_add_user(v->kvm, 0, FZ_RAM_GPA, size, 0, *pool);

	if (!ret)
		v->ram_size = size;
	return ret;
}

/* The guest's RAM at @off (wrapped into it), @len bytes, or NULL */
static void *fz_ram(struct fz_vm *v, u64 off, size_t len)
{
	if (!v->ram_size || len > v->ram_size)
		return NULL;
	off %= v->ram_size - len + 1;
	return harness_guest_mem(v->kvm, FZ_RAM_GPA + off, len);
}

/* ------------------------------------------------------ values, tables */

static const u64 fz_irs_bases[] = {
	FZ_IRS_BASE, FZ_IRS_BASE + SZ_64K, 0, FZ_IRS_BASE + 0x1000,
	BIT_ULL(40) - SZ_64K, BIT_ULL(40) - SZ_128K, BIT_ULL(48), ~0ULL << 16,
	FZ_ITS_BASE(0), FZ_RAM_GPA,
};

static const u64 fz_its_bases[] = {
	FZ_ITS_BASE(0), FZ_ITS_BASE(1), FZ_IRS_BASE, FZ_ITS_BASE(0) + 0x40,
	BIT_ULL(40) - SZ_64K, BIT_ULL(40) - SZ_128K, 0, FZ_RAM_GPA,
};

static const u64 fz_nr_spis[] = { 32, 64, 96, 1024, 0, 31, 33, 1056, 2048 };
static const u64 fz_ram_sizes[] = { SZ_64K, SZ_4K, SZ_16K, SZ_256K, SZ_1M };
static const u64 fz_dev_types[] = {
	KVM_DEV_TYPE_ARM_VGIC_V5, KVM_DEV_TYPE_ARM_VGIC_V5_ITS,
	KVM_DEV_TYPE_ARM_VGIC_V3, KVM_DEV_TYPE_ARM_VGIC_V2, KVM_DEV_TYPE_ARM_VGIC_ITS,
};

/* Register offsets of the IRS config frame (and the ID registers) */
static const u32 fz_irs_regs[] = {
	GICV5_IRS_IDR0, GICV5_IRS_IDR1, GICV5_IRS_IDR2, GICV5_IRS_IDR3,
	GICV5_IRS_IDR4, GICV5_IRS_IDR5, GICV5_IRS_IDR6, GICV5_IRS_IDR7,
	GICV5_IRS_IIDR, GICV5_IRS_AIDR, GICV5_IRS_CR0, GICV5_IRS_CR1,
	GICV5_IRS_SYNCR, GICV5_IRS_SYNC_STATUSR, GICV5_IRS_SPI_VMR,
	GICV5_IRS_SPI_SELR, GICV5_IRS_SPI_DOMAINR, GICV5_IRS_SPI_RESAMPLER,
	GICV5_IRS_SPI_CFGR, GICV5_IRS_SPI_STATUSR, GICV5_IRS_PE_SELR,
	GICV5_IRS_PE_STATUSR, GICV5_IRS_PE_CR0, GICV5_IRS_IST_BASER,
	GICV5_IRS_IST_BASER + 4, GICV5_IRS_IST_CFGR, GICV5_IRS_IST_STATUSR,
	GICV5_IRS_MAP_L2_ISTR, GICV5_IRS_VMT_BASER, GICV5_IRS_VPE_SELR,
	GICV5_IRS_VPE_DBR, GICV5_IRS_VM_DBR, GICV5_IRS_VMAP_VMR,
	GICV5_IRS_SAVE_VMR, GICV5_IRS_SWERR_STATUSR, GICV5_IRS_SWERR_SYNDROMER0,
	0xffbc, 0xffd0, 0xffe0, 0xffe8, 0xfff0, 0xfffc,
};

/* Register offsets of an ITS config frame */
static const u32 fz_its_regs[] = {
	0, GICV5_ITS_IDR1, GICV5_ITS_IDR2, GICV5_ITS_CR0, GICV5_ITS_CR1,
	GICV5_ITS_DT_BASER, GICV5_ITS_DT_BASER + 4, GICV5_ITS_DT_CFGR,
	GICV5_ITS_DIDR, GICV5_ITS_DIDR + 4, GICV5_ITS_EIDR, GICV5_ITS_INV_EVENTR,
	GICV5_ITS_INV_DEVICER, GICV5_ITS_STATUSR, GICV5_ITS_SYNCR,
	GICV5_ITS_SYNC_STATUSR,
};

/* The registers an ITS save/restore goes through, with their width */
static const struct { u32 off; bool wide; } fz_its_state[] = {
	{ GICV5_ITS_IDR1 }, { GICV5_ITS_IDR2 }, { GICV5_ITS_CR1 },
	{ GICV5_ITS_DT_BASER, true }, { GICV5_ITS_DT_CFGR },
	{ GICV5_ITS_DIDR, true }, { GICV5_ITS_EIDR }, { GICV5_ITS_CR0 },
};

/* An offset in a frame: mostly a register (or next to one), else any */
static u32 fz_offset(struct fz *f, const u32 *regs, unsigned int n)
{
	u8 sel = fz_u8(f);

	if (sel < 0xc0)
		return regs[sel % n] + (sel & 0x80 ? fz_u8(f) % 8 : 0);
	return fz_u16(f);
}

/* An INTID: a PPI, an SPI or an LPI with a small ID mostly, or anything */
static u32 fz_intid(struct fz *f)
{
	static const u8 types[] = { GM_TYPE_SPI, GM_TYPE_LPI, GM_TYPE_PPI, 0 };
	u8 sel = fz_u8(f);

	if (sel >= 0xf0)
		return fz_u32(f);
	return GM_INTID(types[sel % 4], sel & 0x80 ? fz_u16(f) : fz_u8(f) % 64);
}

/* ------------------------------------------------------- guest MMIO map */

static u64 fz_irs_base(const struct fz_vm *v)
{
	return v->irs_base ? v->irs_base : FZ_IRS_BASE;
}

static u64 fz_its_base(const struct fz_vm *v, int i)
{
	return v->its[i] ? v->its_base[i] : FZ_ITS_BASE(i);
}

/* A guest MMIO address: a register of an IRS or ITS frame, or anywhere */
static u64 fz_mmio_addr(struct fz *f, const struct fz_vm *v)
{
	u8 frame = fz_u8(f);

	switch (frame % 8) {
	case 0:
	case 1:
		return fz_irs_base(v) + fz_offset(f, fz_irs_regs, ARRAY_SIZE(fz_irs_regs));
	case 2:
		return fz_irs_base(v) + SZ_64K + (fz_u8(f) < 0xc0 ? 0 : fz_u16(f));
	case 3:
	case 4:
		return fz_its_base(v, frame % 8 - 3) +
		       fz_offset(f, fz_its_regs, ARRAY_SIZE(fz_its_regs));
	case 5:
	case 6:
		return fz_its_base(v, frame % 8 - 5) + SZ_64K +
		       (fz_u8(f) < 0xc0 ? 0 : fz_u16(f));
	}
	return fz_u8(f) % 2 ? FZ_RAM_GPA + fz_u16(f) : fz_u64(f);
}

static int fz_mmio_len(struct fz *f)
{
	static const int lens[] = { 4, 8, 4, 8, 1, 2, 4, 8 };

	return lens[fz_u8(f) % ARRAY_SIZE(lens)];
}

/* A value for a register: small, a field-ish pattern, or anything */
static u64 fz_value(struct fz *f)
{
	u8 sel = fz_u8(f);

	switch (sel % 4) {
	case 0:
		return sel >> 2;
	case 1:
		return fz_u32(f);
	case 2:
		return FZ_RAM_GPA + (fz_u16(f) & ~7ULL) + (sel & 0x80 ? 1 : 0);
	}
	return fz_u64(f);
}

/*
 * A read must leave the bytes of the value beyond its size alone (KVM's
 * mmio read handlers write exactly len bytes into the run struct).
 */
#define FZ_CANARY	0xa5a5a5a5a5a5a5a5ULL

static void fz_check_read(u64 val, int len, u64 addr)
{
	if (len < 8 && val >> (8 * len) != FZ_CANARY >> (8 * len))
		fz_finding("MMIO read of %d bytes at 0x%llx wrote 0x%llx", len,
			   (unsigned long long)addr, (unsigned long long)val);
}

/* Whether [a, a + 128K) and [b, b + 128K) overlap: which device decodes? */
static bool fz_regions_overlap(u64 a, u64 b)
{
	return a < b + SZ_128K && b < a + SZ_128K;
}

/*
 * Every operation of the guest's IRS and ITS completes at once: the IDLE
 * bit of IRS_CR0, ITS_CR0 and of every *_STATUSR of theirs reads as 1
 * (arm-vgic-v5.rst, "Guest-visible IRS"; arm-vgic-v5-its.rst). For a
 * 32-bit read of the VM's @v that a device handled (the value is @val).
 */
static void fz_check_idle(struct fz_vm *v, u64 addr, int len, u64 val)
{
	static const struct { u32 off; u32 idle; bool its; } idle[] = {
		{ GICV5_IRS_CR0, BIT(1) }, { GICV5_IRS_SYNC_STATUSR, BIT(0) },
		{ GICV5_IRS_SPI_STATUSR, BIT(0) }, { GICV5_IRS_PE_STATUSR, BIT(0) },
		{ GICV5_IRS_IST_STATUSR, BIT(0) },
		{ GICV5_ITS_CR0, BIT(1), true }, { GICV5_ITS_STATUSR, BIT(0), true },
		{ GICV5_ITS_SYNC_STATUSR, BIT(0), true },
	};
	u64 base[1 + FZ_ITSES];
	bool is_its[1 + FZ_ITSES];
	int nr = 0;

	if (len != 4 || !v->kvm)
		return;
	/* Where the frames are, as KVM has them (the addresses set last) */
	if (vgic_v5_has_irs(v->kvm)) {
		is_its[nr] = false;
		base[nr++] = v->kvm->arch.vgic.vgic_dist_base;
	}
	for (int i = 0; i < FZ_ITSES; i++) {
		if (v->its[i] &&
		    !harness_get_attr(v->its[i], KVM_DEV_ARM_VGIC_GRP_ADDR,
				      KVM_VGIC_V5_ADDR_TYPE_ITS, &base[nr]) &&
		    base[nr] != ~0ULL)
			is_its[nr++] = true;
	}
	for (int i = 0; i < nr; i++) {
		for (int j = 0; j < nr; j++)
			if (j != i && fz_regions_overlap(base[i], base[j]))
				return;
		for (int r = 0; r < ARRAY_SIZE(idle); r++)
			if (idle[r].its == is_its[i] && addr == base[i] + idle[r].off &&
			    !(val & idle[r].idle))
				fz_finding("%s register 0x%x reads 0x%llx: not IDLE",
					   is_its[i] ? "ITS" : "IRS", idle[r].off,
					   (unsigned long long)val);
	}
}

/* ------------------------------------------------------- guest memory */

/* A guest physical address in RAM, page- or entry-aligned */
static u64 fz_ram_gpa(struct fz *f, const struct fz_vm *v, u64 align)
{
	u64 size = v->ram_size ? v->ram_size : SZ_64K;

	return FZ_RAM_GPA + ((fz_u32(f) * align) % size);
}

/*
 * An entry of a table in guest memory: the IST's level 1 table, the ITS
 * device table (L1 or L2) or an ITT (L1 or L2), made of fields from the
 * input that mostly point into RAM, or a raw word.
 */
static u64 fz_table_entry(struct fz *f, const struct fz_vm *v)
{
	u8 kind = fz_u8(f), flags = fz_u8(f);
	bool valid = flags % 8;
	u64 e;

	switch (kind % 6) {
	case 0:		/* IST L1 entry */
		return (fz_ram_gpa(f, v, SZ_4K) & GICV5_ISTL1E_L2_ADDR_MASK) |
		       (valid ? GICV5_ISTL1E_VALID : 0);
	case 1:		/* DT or ITT L1 entry */
		return (fz_ram_gpa(f, v, 8) & GICV5_DTL1E_L2_ADDR_MASK) |
		       FIELD_PREP(GICV5_DTL1E_SPAN, flags >> 4) |
		       (valid ? GICV5_DTL1E_VALID : 0);
	case 2:		/* DTE */
		e = fz_ram_gpa(f, v, 8) & GICV5_DTL2E_ITT_ADDR_MASK;
		return e | FIELD_PREP(GICV5_DTL2E_ITT_L2SZ, flags >> 3) |
		       FIELD_PREP(GICV5_DTL2E_EVENT_ID_BITS, fz_u8(f) % 32) |
		       (flags & 0x20 ? GICV5_DTL2E_ITT_STRUCTURE : 0) |
		       (flags & 0x40 ? GICV5_DTL2E_ITT_DSWE : 0) |
		       (valid ? GICV5_DTL2E_VALID : 0);
	case 3:		/* ITTE */
		return FIELD_PREP(GICV5_ITTL2E_LPI_ID, flags & 0x80 ? fz_u32(f) : fz_u16(f)) |
		       (flags & 0x40 ? GICV5_ITTL2E_VIRTUAL : 0) |
		       (flags & 0x20 ? FIELD_PREP(GICV5_ITTL2E_DAC, 3) : 0) |
		       (flags & 0x10 ? FIELD_PREP(GICV5_ITTL2E_VM_ID, 1) : 0) |
		       (valid ? GICV5_ITTL2E_VALID : 0);
	case 4:
		return 0;
	}
	return fz_u64(f);
}

/* A guest CPU's store to its RAM, which KVM may read (tsan.supp) */
static noinline void fz_guest_store(void *p, const void *src, size_t len)
{
	memcpy(p, src, len);
}

/* ------------------------------------------------------------- the guest */

/* KVM_RUN: the guest's program and what the WFI's wake-up does */
struct fz_run {
	struct fz *f;
	struct fz_vm *v;
	int entries;
	/* the MMIO read of the last exit: checked at the next entry */
	bool mmio_read;
	int mmio_len;
	u64 mmio_addr;
	/* 32-bit reads a device handled, checked once KVM_RUN returns */
	int nreads;
	struct { u64 addr, val; } reads[16];
	/* MMIO writes queued by a macro step, one per exit */
	int nq;
	struct { u64 addr; u64 val; int len; } q[8];
	/* the WFI in progress */
	u8 wfi_put, wfi_wake;
	u32 wfi_arg;
	int block_calls;
};

/* The guest's GIC instructions and system register accesses */
static const u32 fz_insns[] = {
	GICV5_OP_GIC_CDDIS, GICV5_OP_GIC_CDEN, GICV5_OP_GIC_CDPRI,
	GICV5_OP_GIC_CDAFF, GICV5_OP_GIC_CDPEND, GICV5_OP_GIC_CDRCFG,
	GICV5_OP_GIC_CDEOI, GICV5_OP_GIC_CDDI, GICV5_OP_GIC_CDHM,
};

static const u32 fz_icc_regs[] = {
	SYS_ICC_CR0_EL1, SYS_ICC_PCR_EL1, SYS_ICC_PPI_ENABLER0_EL1,
	SYS_ICC_PPI_ENABLER1_EL1, SYS_ICC_PPI_SPENDR0_EL1, SYS_ICC_PPI_CPENDR0_EL1,
	SYS_ICC_PPI_SACTIVER0_EL1, SYS_ICC_PPI_CACTIVER0_EL1, SYS_ICC_PPI_SPENDR1_EL1,
	SYS_ICC_PPI_PRIORITYR0_EL1, SYS_ICC_PPI_PRIORITYR1_EL1,
	SYS_ICC_PPI_PRIORITYR3_EL1, SYS_ICC_PPI_PRIORITYR8_EL1, SYS_ICC_APR_EL1,
	SYS_ICC_ICSR_EL1, SYS_ICC_IDR0_EL1, SYS_ICC_IAFFIDR_EL1,
};

/* stb_guest_sysreg(): a trap or an UNDEF exits and re-enters */
static bool fz_guest_sysreg(struct kvm_vcpu *vcpu, u32 enc, u64 *val, bool write)
{
	uint64_t v = *val;
	int ret = stb_guest_sysreg(vcpu, enc, &v, write);

	*val = v;
	return ret == STB_TRAPPED || ret == STB_UNDEF;
}

static void fz_queue(struct fz_run *r, u64 off, u64 val, int len)
{
	if (r->nq < ARRAY_SIZE(r->q))
		r->q[r->nq++] = (typeof(r->q[0])){ fz_irs_base(r->v) + off, val, len };
}

/*
 * The boot of a Linux guest's IRS driver, with values from the input: the
 * IRS enabled, a linear or two-level LPI IST in RAM, an L2 table mapped,
 * an SPI made level-triggered.
 */
static void fz_guest_irs_boot(struct fz_run *r)
{
	struct fz *f = r->f;
	u8 flags = fz_u8(f);
	bool two_level = flags & 1;
	u32 bits = two_level ? 10 + fz_u8(f) % 15 : 4 + fz_u8(f) % 13;
	u64 cfgr = FIELD_PREP(GICV5_IRS_IST_CFGR_LPI_ID_BITS, bits) |
		   FIELD_PREP(GICV5_IRS_IST_CFGR_STRUCTURE, two_level) |
		   FIELD_PREP(GICV5_IRS_IST_CFGR_L2SZ, (flags >> 1) % 3);

	if (flags & 0x80)
		cfgr = fz_u32(f);
	fz_queue(r, GICV5_IRS_CR0, GICV5_IRS_CR0_IRSEN, 4);
	fz_queue(r, GICV5_IRS_IST_CFGR, cfgr, 4);
	fz_queue(r, GICV5_IRS_IST_BASER, (fz_ram_gpa(f, r->v, SZ_4K) &
					  GICV5_IRS_IST_BASER_ADDR_MASK) |
		 GICV5_IRS_IST_BASER_VALID, 8);
	if (flags & 8)
		fz_queue(r, GICV5_IRS_MAP_L2_ISTR, fz_u16(f), 4);
	if (flags & 16) {
		fz_queue(r, GICV5_IRS_SPI_SELR, fz_u8(f) % 64, 4);
		fz_queue(r, GICV5_IRS_SPI_CFGR, GICV5_IRS_SPI_CFGR_TM_LEVEL, 4);
	}
}

/* GIC CDPRI, CDAFF and CDEN: an interrupt routed to a vCPU and enabled */
static void fz_guest_route(struct kvm_vcpu *vcpu, struct fz *f)
{
	u64 intid = fz_intid(f), prio = fz_u8(f) % 32, target = fz_u8(f);
	u64 xt;

	xt = FIELD_PREP(GM_CDPRI_PRIORITY, prio) | intid;
	fz_guest_sysreg(vcpu, GICV5_OP_GIC_CDPRI, &xt, true);
	xt = FIELD_PREP(GM_CDAFF_IAFFID, target < 0xf0 ? fz_vcpu_ids[target % 4] : target) |
	     intid;
	fz_guest_sysreg(vcpu, GICV5_OP_GIC_CDAFF, &xt, true);
	xt = intid;
	fz_guest_sysreg(vcpu, GICV5_OP_GIC_CDEN, &xt, true);
}

/* gicv5_handle_irq(): GICR CDIA, GIC CDEOI at once, later GIC CDDI */
static void fz_guest_take(struct kvm_vcpu *vcpu, bool deactivate)
{
	u64 ia = 0, xt = 0;

	fz_guest_sysreg(vcpu, GICV5_OP_GICR_CDIA, &ia, false);
	if (!GICV5_GICR_CDIA_VALID(ia))
		return;
	fz_guest_sysreg(vcpu, GICV5_OP_GIC_CDEOI, &xt, true);
	xt = ia & (GICV5_GIC_CDIA_TYPE_MASK | GICV5_GIC_CDIA_ID_MASK);
	if (deactivate)
		fz_guest_sysreg(vcpu, GICV5_OP_GIC_CDDI, &xt, true);
}

enum fz_guest_step {
	G_END, G_MMIO_READ, G_MMIO_WRITE, G_INSN, G_CDIA, G_TAKE, G_SYSREG,
	G_WFI, G_EXIT, G_IRS_BOOT, G_ROUTE, G_ENABLE, G_NR
};

/*
 * One guest entry of KVM_RUN: steps of the guest's program until one
 * exits (MMIO, WFI, a trapped register, an interrupt) or the program
 * ends (back to userspace).
 */
static enum harness_exit fz_guest(struct kvm_vcpu *vcpu, void *arg)
{
	struct fz_run *r = arg;
	struct fz *f = r->f;
	u64 val;

	if (r->mmio_read) {
		/* Back in the guest: a device handled the read */
		fz_check_read(harness_guest_mmio_result(), r->mmio_len, r->mmio_addr);
		if (r->mmio_len == 4 && r->nreads < ARRAY_SIZE(r->reads))
			r->reads[r->nreads++] = (typeof(r->reads[0])){
				r->mmio_addr, harness_guest_mmio_result() };
		r->mmio_read = false;
	}
	if (++r->entries > FZ_ENTRIES)
		return HARNESS_EXIT_USER;
	/* A kick: the guest exits before its next instruction */
	if (stb_guest_exit_requested(vcpu))
		return HARNESS_EXIT_IRQ;
	if (r->nq) {
		harness_guest_mmio(r->q[0].addr, r->q[0].len, r->q[0].val, true);
		memmove(&r->q[0], &r->q[1], --r->nq * sizeof(r->q[0]));
		return HARNESS_EXIT_MMIO;
	}

	for (int step = 0; step < FZ_STEPS; step++) {
		if (!fz_more(f))
			return HARNESS_EXIT_USER;
		switch (fz_u8(f) % G_NR) {
		case G_END:
			return HARNESS_EXIT_USER;
		case G_MMIO_READ:
			r->mmio_addr = fz_mmio_addr(f, r->v);
			r->mmio_len = fz_mmio_len(f);
			r->mmio_read = true;
			harness_guest_mmio(r->mmio_addr, r->mmio_len, FZ_CANARY, false);
			return HARNESS_EXIT_MMIO;
		case G_MMIO_WRITE: {
			u64 addr = fz_mmio_addr(f, r->v);
			int len = fz_mmio_len(f);

			harness_guest_mmio(addr, len, fz_value(f), true);
			return HARNESS_EXIT_MMIO;
		}
		case G_INSN: {
			u32 enc = fz_insns[fz_u8(f) % ARRAY_SIZE(fz_insns)];

			val = fz_intid(f);
			val |= (u64)fz_u32(f) << 32;
			fz_guest_sysreg(vcpu, enc, &val, true);
			break;
		}
		case G_CDIA:
			fz_guest_sysreg(vcpu, GICV5_OP_GICR_CDIA, &val, false);
			break;
		case G_TAKE:
			fz_guest_take(vcpu, fz_u8(f) % 4);
			break;
		case G_SYSREG: {
			u8 sel = fz_u8(f);
			u32 enc = fz_icc_regs[sel % ARRAY_SIZE(fz_icc_regs)];

			val = sel & 0x80 ? fz_value(f) : 0;
			if (fz_guest_sysreg(vcpu, enc, &val, sel & 0x80))
				return HARNESS_EXIT_IRQ;
			break;
		}
		case G_WFI:
			r->wfi_put = fz_u8(f);
			r->wfi_wake = fz_u8(f);
			r->wfi_arg = fz_u32(f);
			r->block_calls = 0;
			return HARNESS_EXIT_WFI;
		case G_EXIT:
			return HARNESS_EXIT_IRQ;
		case G_IRS_BOOT:
			fz_guest_irs_boot(r);
			return HARNESS_EXIT_IRQ;
		case G_ROUTE:
			fz_guest_route(vcpu, f);
			break;
		case G_ENABLE:
			val = ICC_CR0_EL1_EN;
			fz_guest_sysreg(vcpu, SYS_ICC_CR0_EL1, &val, true);
			val = FIELD_PREP(ICC_PCR_EL1_PRIORITY, 31 - fz_u8(f) % 4);
			fz_guest_sysreg(vcpu, SYS_ICC_PCR_EL1, &val, true);
			val = fz_u8(f) % 2 ? ~0ULL : fz_u64(f);
			if (fz_guest_sysreg(vcpu, SYS_ICC_PPI_ENABLER0_EL1, &val, true))
				return HARNESS_EXIT_IRQ;
			break;
		}
	}
	return HARNESS_EXIT_IRQ;
}

/* ------------------------------------------------------------ WFI wake-up */

struct fz_wake {
	struct fz_vm *v;
	u8 how;
	u32 arg;
};

static void fz_msi(struct kvm *kvm, u64 addr, u32 data, u32 flags, u32 devid, int path);

/* Another thread raises an interrupt for the VM of the blocking vCPU */
static void *fz_wake_fn(void *p)
{
	struct fz_wake *w = p;
	struct kvm *kvm = w->v->kvm;
	u32 n = w->arg;

	switch (w->how % 6) {
	case 1:
		harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, n % 64), 1);
		harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_SPI, 0, n % 64), 0);
		break;
	case 2:
		fz_msi(kvm, fz_irs_base(w->v) + SZ_64K, n % 4096, 0, 0, w->how >> 3);
		break;
	case 3:
		harness_irqfd_wakeup(kvm, n % 64, false);
		break;
	case 4:
		fz_msi(kvm, fz_its_base(w->v, 0) + SZ_64K, n & 0xff, KVM_MSI_VALID_DEVID,
		       (n >> 8) & 0xff, w->how >> 3);
		break;
	case 5:
		harness_irq_line(kvm, harness_irq_num(KVM_ARM_IRQ_TYPE_PPI, 0, n % 128), 1);
		break;
	}
	return NULL;
}

/*
 * The vCPU thread's hooks in kvm_vcpu_wfi(): after the vgic put, a
 * preemption or a migration; before it sleeps, an interrupt from another
 * thread, and then, if nothing woke it, a signal (the VMM's): KVM_RUN
 * returns -EINTR instead of blocking. Pending and not woken is a lost
 * wake-up.
 */
static void fz_run_hook(struct kvm_vcpu *vcpu, enum harness_run_point point, void *arg)
{
	struct fz_run *r = arg;

	if (point == HARNESS_RUN_WFI_PUT) {
		switch (r->wfi_put % 8) {
		case 1:
			harness_preempt(-1);
			break;
		case 2:
			harness_preempt((r->wfi_put >> 3) % harness_nr_cpus());
			break;
		case 3:
			harness_migrate_on_wake((r->wfi_put >> 3) % harness_nr_cpus());
			break;
		}
		return;
	}

	if (!r->block_calls++ && r->wfi_wake % 6) {
		struct fz_wake w = { r->v, r->wfi_wake, r->wfi_arg };
		pthread_t t;

		if (!pthread_create(&t, NULL, fz_wake_fn, &w))
			pthread_join(t, NULL);
	}
	if (READ_ONCE(current->__state) == TASK_RUNNING)
		return;
	if (kvm_vgic_vcpu_pending_irq(vcpu))
		fz_finding("vCPU %d: an interrupt is pending and nothing woke it",
			   vcpu->vcpu_id);
	harness_signal_vcpu(vcpu);
}

/* KVM_RUN of a vCPU, on a CPU the input picks */
static void fz_kvm_run(struct fz *f, struct fz_vm *v, struct kvm_vcpu *vcpu)
{
	struct fz_run r = { .f = f, .v = v };
	int ret;

	fz_put();
	fz_set_cpu(f);
	harness_set_run_hook(fz_run_hook, &r);
	ret = harness_kvm_run(vcpu, fz_guest, &r);
	harness_set_run_hook(NULL, NULL);
	fz_check_ret("KVM_RUN", ret, 0);
	if (r.mmio_read && !ret)
		fz_check_read(harness_guest_mmio_result(), r.mmio_len, r.mmio_addr);
	harness_set_this_cpu(0);
	for (int i = 0; i < r.nreads; i++)
		fz_check_idle(v, r.reads[i].addr, 4, r.reads[i].val);
}

/* ------------------------------------------------------------ injection */

/*
 * An MSI: KVM_SIGNAL_MSI (@path 0), irqfd_wakeup()'s atomic injection
 * with interrupts off (1), irqfd_inject() in a kworker without an mm (2).
 */
static void fz_msi(struct kvm *kvm, u64 addr, u32 data, u32 flags, u32 devid, int path)
{
	struct kvm_kernel_irq_routing_entry e = {
		.type = KVM_IRQ_ROUTING_MSI,
		.msi = {
			.address_lo = lower_32_bits(addr), .address_hi = upper_32_bits(addr),
			.data = data, .flags = flags, .devid = devid,
		},
	};
	unsigned long irqflags;
	int ret;

	switch (path % 3) {
	case 0:
		ret = stb_signal_msi(kvm, addr, data, flags, devid);
		fz_check_ret("KVM_SIGNAL_MSI", ret, 1);
		break;
	case 1:
		local_irq_save(irqflags);
		ret = kvm_arch_set_irq_inatomic(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
		local_irq_restore(irqflags);
		fz_check_ret("kvm_arch_set_irq_inatomic", ret, 1);
		break;
	case 2:
		harness_kworker_enter();
		ret = kvm_set_msi(&e, kvm, KVM_USERSPACE_IRQ_SOURCE_ID, 1, false);
		harness_kworker_exit();
		fz_check_ret("irqfd_inject", ret, 1);
		break;
	}
}

static u64 fz_msi_addr(struct fz *f, const struct fz_vm *v)
{
	u8 sel = fz_u8(f);

	switch (sel % 5) {
	case 0:
	case 1:
		return fz_its_base(v, sel % 2) + SZ_64K;
	case 2:
		return fz_irs_base(v) + SZ_64K;
	case 3:
		return fz_its_base(v, 0) + (sel >> 3);
	}
	return fz_u64(f);
}

static void fz_routing(struct fz *f, struct fz_vm *v)
{
	struct kvm_irq_routing_entry e[4] = {};
	unsigned int nr = fz_u8(f) % (ARRAY_SIZE(e) + 1);
	int ret;

	for (unsigned int i = 0; i < nr; i++) {
		u8 sel = fz_u8(f);

		e[i].gsi = sel & 0x80 ? fz_u32(f) : fz_u8(f) % 8;
		switch (sel % 4) {
		case 0:
			e[i].type = KVM_IRQ_ROUTING_IRQCHIP;
			e[i].u.irqchip.irqchip = sel & 0x40 ? fz_u8(f) : 0;
			e[i].u.irqchip.pin = sel & 0x20 ? fz_u16(f) : fz_u8(f) % 64;
			break;
		case 1:
		case 2: {
			u64 addr = fz_msi_addr(f, v);

			e[i].type = KVM_IRQ_ROUTING_MSI;
			e[i].u.msi.address_lo = lower_32_bits(addr);
			e[i].u.msi.address_hi = upper_32_bits(addr);
			e[i].u.msi.data = sel & 0x40 ? fz_u32(f) : fz_u8(f);
			e[i].flags = sel % 4 == 1 ? KVM_MSI_VALID_DEVID : 0;
			e[i].u.msi.devid = fz_u8(f);
			break;
		}
		default:
			e[i].type = fz_u8(f);
			e[i].flags = fz_u8(f);
			break;
		}
	}
	ret = stb_set_gsi_routing(v->kvm, e, nr, 0);
	fz_check_ret("KVM_SET_GSI_ROUTING", ret, 0);
}

/* irqfd_resampler_ack() notifies the resamplefd: the device is idle */
static void fz_resampled(void *ctx)
{
}

/* ----------------------------------------------------- device attributes */

/* The buffer of an attribute, and what was allocated for it */
struct fz_attr_buf {
	u64 word[8];
	struct kvm_vgic_v5_ist ist;
	u8 *spi, *lpi;
};

/*
 * Corrupt an image: a byte anywhere, or, in what may be a compact LPI image
 * (struct kvm_vgic_v5_ist_compact, then records of an index and the words
 * of a range), its range_bits, its nr_ranges or the index of a record, or
 * in any image a word's reserved bits, IRM or IAFFID.
 */
static void fz_corrupt_image(struct fz *f, u8 *p, u64 size)
{
	u8 sel = fz_u8(f);
	u32 val = sel & 0x80 ? fz_u32(f) : fz_u8(f), rec, *w;
	struct kvm_vgic_v5_ist_compact hdr;

	if (!p || !size)
		return;
	switch (sel % 4) {
	case 0:
		p[fz_u32(f) % size] ^= val | 1;
		return;
	case 1:
		/* A word's bits [8:5], IRM, or an IAFFID beyond the vCPUs */
		w = (u32 *)p + fz_u32(f) % max(size / 4, 1ULL);
		if (size >= 4)
			*w ^= sel & 0x40 ? GENMASK(8, 4) & val : (val << 16);
		return;
	}
	if (size < sizeof(hdr))
		return;
	memcpy(&hdr, p, sizeof(hdr));
	if (sel % 4 == 2 || hdr.range_bits > 16) {
		/* The header */
		memcpy(p + (sel & 0x40 ? 4 : 0), &val, 4);
		return;
	}
	/* The index of a record */
	rec = 4 + (4U << hdr.range_bits);
	if (size >= sizeof(hdr) + rec) {
		u64 k = fz_u16(f) % ((size - sizeof(hdr)) / rec);

		memcpy(p + sizeof(hdr) + k * rec, &val, 4);
	}
}

/* Bytes from the input (a chunk repeated) or a saved image, corrupted */
static u8 *fz_image_fill(struct fz *f, u64 size, const u8 *saved, u64 saved_size)
{
	u8 *p = malloc(size ? size : 1);
	u8 chunk[64];
	unsigned int n, flips;

	if (!p)
		return NULL;
	if (saved && fz_u8(f) % 4) {
		memset(p, 0, size);
		memcpy(p, saved, min(size, saved_size));
	} else {
		n = fz_u8(f) % sizeof(chunk) + 1;
		for (unsigned int i = 0; i < n; i++)
			chunk[i] = fz_u8(f);
		for (u64 i = 0; i < size; i++)
			p[i] = chunk[i % n];
	}
	flips = fz_u8(f) % 8;
	for (unsigned int i = 0; i < flips; i++)
		fz_corrupt_image(f, p, size);
	return p;
}

/* The number of SPIs and the LPI ID bits of the guest's IST, as set */
static u64 fz_spi_image_size(struct fz_vm *v)
{
	return v->kvm->arch.vgic.nr_spis * 4ULL;
}

static u64 fz_lpi_flat_size(struct fz_vm *v)
{
	u64 cfgr = 0;

	if (harness_get_attr(v->gic, KVM_DEV_ARM_VGIC_GRP_IRS_REGS, GICV5_IRS_IST_CFGR,
			     &cfgr))
		return 0;
	return 4ULL << FIELD_GET(GICV5_IRS_IST_CFGR_LPI_ID_BITS, cfgr);
}

/* A size: the exact one, off by a word, 0, or anything small */
static u64 fz_size(struct fz *f, u64 exact)
{
	u8 sel = fz_u8(f);

	switch (sel % 8) {
	case 0:
	case 1:
	case 2:
		return exact;
	case 3:
		return exact ? exact - 4 : 0;
	case 4:
		return exact + 4;
	case 5:
		return 0;
	}
	return fz_u16(f);
}

/* struct kvm_vgic_v5_ist for GRP_IST: buffers sized and filled by the input */
static void *fz_ist_buf(struct fz *f, struct fz_vm *v, struct fz_attr_buf *b, u64 attr,
			bool set)
{
	u8 sel = fz_u8(f);
	u64 spi_size, lpi_size;

	spi_size = fz_size(f, fz_spi_image_size(v));
	switch (sel % 4) {
	case 0:
		lpi_size = 0;
		break;
	case 1:
		lpi_size = fz_size(f, fz_lpi_flat_size(v));
		break;
	case 2:
		lpi_size = fz_size(f, fz.img.lpi && fz.img.attr == attr ? fz.img.lpi_size : 8);
		break;
	default:
		lpi_size = fz_size(f, 8 + 4 + (4 << 10));
		break;
	}
	if (spi_size > FZ_MAX_IMAGE)
		spi_size = fz_u8(f);
	if (lpi_size > FZ_MAX_IMAGE)
		lpi_size = fz_u8(f);

	if (set) {
		b->spi = fz_image_fill(f, spi_size, fz.img.spi, fz.img.spi_size);
		b->lpi = fz_image_fill(f, lpi_size, fz.img.lpi, fz.img.lpi_size);
	} else {
		b->spi = malloc(spi_size ? spi_size : 1);
		b->lpi = malloc(lpi_size ? lpi_size : 1);
	}
	if (!b->spi || !b->lpi)
		return NULL;
	b->ist.spi_ist_addr = (unsigned long)b->spi;
	b->ist.spi_ist_size = spi_size;
	b->ist.lpi_ist_addr = sel & 0x10 ? 0 : (unsigned long)b->lpi;
	b->ist.lpi_ist_size = lpi_size;
	if (sel & 0x20)
		b->ist.spi_ist_addr = sel & 0x40 ? 0 : (unsigned long)HARNESS_BAD_UPTR;
	if (sel & 0x80 && b->ist.lpi_ist_addr)
		b->ist.lpi_ist_addr = (unsigned long)HARNESS_BAD_UPTR;
	return &b->ist;
}

/* A GRP_IST get that worked: its images are kept for later restores */
static void fz_keep_image(struct fz_attr_buf *b, u64 attr)
{
	free(fz.img.spi);
	free(fz.img.lpi);
	fz.img = (struct fz_image){
		.spi = b->spi, .spi_size = b->ist.spi_ist_size,
		.lpi = b->ist.lpi_ist_addr ? b->lpi : NULL,
		.lpi_size = b->ist.lpi_ist_addr ? b->ist.lpi_ist_size : 0,
		.attr = attr,
	};
	if (!fz.img.lpi)
		free(b->lpi);
	b->spi = NULL;
	b->lpi = NULL;
}

static const u64 fz_groups[] = {
	KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, KVM_DEV_ARM_VGIC_GRP_CTRL,
	KVM_DEV_ARM_VGIC_GRP_IRS_REGS, KVM_DEV_ARM_VGIC_GRP_IST,
	KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, KVM_DEV_ARM_VGIC_GRP_ITS_REGS,
	KVM_DEV_ARM_VGIC_GRP_DIST_REGS, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS,
	KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ,
};

static const u64 fz_ctrl_attrs[] = {
	KVM_DEV_ARM_VGIC_CTRL_INIT, KVM_DEV_ARM_VGIC_USERSPACE_PPIS,
	KVM_DEV_ARM_ITS_CTRL_RESET, KVM_DEV_ARM_ITS_SAVE_TABLES,
	KVM_DEV_ARM_ITS_RESTORE_TABLES, KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES,
	KVM_DEV_ARM_VGIC_CTRL_RESET,
};

/* The CPU_SYSREGS attribute of a vCPU's register (vgic_v5_save.c's layout) */
static u64 fz_cpu_reg_attr(struct kvm_vcpu *vcpu, u16 instr)
{
	u64 mpidr = vcpu ? vcpu->arch.mpidr : 0;
	u64 aff = ((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff);

	return aff << 32 | instr;
}

/* The attribute of a group, mostly one that exists */
static u64 fz_attr(struct fz *f, struct fz_vm *v, u64 group)
{
	u8 sel = fz_u8(f);

	if (sel >= 0xe0)
		return fz_u64(f);
	switch (group) {
	case KVM_DEV_ARM_VGIC_GRP_ADDR:
		return sel % 2 ? KVM_VGIC_V5_ADDR_TYPE_IRS :
		       sel % 4 ? KVM_VGIC_V5_ADDR_TYPE_ITS : sel % 16;
	case KVM_DEV_ARM_VGIC_GRP_CTRL:
		return fz_ctrl_attrs[sel % ARRAY_SIZE(fz_ctrl_attrs)];
	case KVM_DEV_ARM_VGIC_GRP_IRS_REGS:
		return fz_irs_regs[sel % ARRAY_SIZE(fz_irs_regs)] + (sel & 0x80 ? fz_u8(f) % 8 : 0);
	case KVM_DEV_ARM_VGIC_GRP_ITS_REGS:
		return fz_its_regs[sel % ARRAY_SIZE(fz_its_regs)] + (sel & 0x80 ? fz_u8(f) % 8 : 0);
	case KVM_DEV_ARM_VGIC_GRP_IST:
		return sel % 4 == 3 ? sel : sel % 2;
	case KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS: {
		struct kvm_vcpu *vcpu = sel & 0x80 ? NULL : fz_vcpu(f, v);

		return fz_cpu_reg_attr(vcpu, sel & 0x40 ? fz_u16(f) :
				       vgic_v5_cpu_regs_instr[fz_u8(f) % VGIC_V5_CPU_REGS_NR]);
	}
	}
	return sel;
}

/* The value behind a plain attribute: an address, NR_IRQS, a register */
static void fz_attr_value(struct fz *f, struct fz_vm *v, u64 group, u64 *word)
{
	u8 sel = fz_u8(f);

	switch (group) {
	case KVM_DEV_ARM_VGIC_GRP_ADDR:
		word[0] = sel % 2 ? FZ_PICK(f, fz_irs_bases) : FZ_PICK(f, fz_its_bases);
		return;
	case KVM_DEV_ARM_VGIC_GRP_NR_IRQS:
		word[0] = FZ_PICK(f, fz_nr_spis);
		return;
	}
	word[0] = fz_value(f);
	if (sel & 1)
		word[1] = fz_u64(f);
}

enum { FZ_HAS, FZ_GET, FZ_SET };

/*
 * A register value read from userspace can always be written back, unless
 * the VM has run or a vCPU is running (-EBUSY): arm-vgic-v5.rst
 * (GRP_IRS_REGS, GRP_CPU_SYSREGS), arm-vgic-v5-its.rst (GRP_ITS_REGS).
 */
static void fz_check_write_back(struct fz_vm *v, struct kvm_device *dev, u64 group,
				u64 attr, u64 val)
{
	int ret;

	if (group != KVM_DEV_ARM_VGIC_GRP_IRS_REGS && group != KVM_DEV_ARM_VGIC_GRP_ITS_REGS &&
	    group != KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS)
		return;
	ret = fz_set_attr(dev, group, attr, &val);
	if (ret && ret != -EBUSY && fz_vm_ok(v))
		fz_finding("group %llu attr 0x%llx: the value 0x%llx read back is refused: %d",
			   (unsigned long long)group, (unsigned long long)attr,
			   (unsigned long long)val, ret);
}

/*
 * KVM_{HAS,GET,SET}_DEVICE_ATTR on the VGIC or an ITS of a VM, optionally
 * while another thread holds a vCPU's mutex (the vCPU is in KVM_RUN).
 */
static void fz_attr_op(struct fz *f, struct fz_vm *v)
{
	u8 how = fz_u8(f);
	struct kvm_device *dev = how % 4 == 0 ? v->gic :
				 how % 4 == 1 ? v->its[0] : how % 4 == 2 ? v->its[1] : v->gic;
	int kind = (how >> 2) % 3;
	struct harness_vcpu_holder *holder = NULL;
	struct fz_attr_buf b = {};
	u64 group, attr;
	void *buf = b.word;
	int ret;

	if (!dev)
		return;
	group = fz_u8(f) < 0xf0 ? FZ_PICK(f, fz_groups) : fz_u8(f) % 16;
	attr = fz_attr(f, v, group);
	if (group == KVM_DEV_ARM_VGIC_GRP_IST && kind != FZ_HAS)
		buf = fz_ist_buf(f, v, &b, attr, kind == FZ_SET);
	else if (kind == FZ_SET)
		fz_attr_value(f, v, group, b.word);
	if (how & 0x40)
		buf = how & 0x80 ? NULL : HARNESS_BAD_UPTR;
	if (!buf)
		goto out;

	fz_put();
	if (how & 0x20 && v->vcpu[0])
		holder = harness_hold_vcpu(v->vcpu[0]);
	switch (kind) {
	case FZ_HAS:
		ret = harness_has_attr(dev, group, attr);
		fz_check_ret("KVM_HAS_DEVICE_ATTR", ret, 0);
		break;
	case FZ_GET:
		ret = fz_get_attr(dev, group, attr, buf);
		if (!ret && group == KVM_DEV_ARM_VGIC_GRP_IST && buf == &b.ist)
			fz_keep_image(&b, attr);
		if (!ret && how & 0x10 && buf == b.word)
			fz_check_write_back(v, dev, group, attr, b.word[0]);
		break;
	default:
		fz_set_attr(dev, group, attr, buf);
		break;
	}
	harness_release_vcpu(holder);
out:
	free(b.spi);
	free(b.lpi);
}

/* --------------------------------------------------------- save/restore */

/* The VGIC state of a VM as a VMM saves it (arm-vgic-v5.rst, "Save") */
struct fz_saved {
	struct vgic_v5_state s;
	int nr_vcpus;
	int vcpu_id[FZ_VCPUS];
	u64 mpidr[FZ_VCPUS];
	struct vgic_v5_cpu_regs cpu[FZ_VCPUS];
	bool cpu_ok[FZ_VCPUS];
	u64 irs_base;
	u32 nr_spis;
	u64 its_base[FZ_ITSES];
	bool has_its[FZ_ITSES];
	u64 its_reg[FZ_ITSES][ARRAY_SIZE(fz_its_state)];
	u8 *ram;
	size_t ram_size;
};

/*
 * The IRS registers as vgic_v5_irs_regs_save() saves them, but probing
 * only the offsets of fz_irs_regs[] rather than every offset of the frame
 * (which costs 16K KVM_HAS_DEVICE_ATTR calls): the helper's full probe is
 * one choice of fz_migrate() among others.
 */
static int fz_irs_regs_save(struct kvm_device *gic, struct vgic_v5_irs_regs *regs)
{
	u32 last = ~0U;
	int ret;

	regs->nr = 0;
	for (int i = 0; i < ARRAY_SIZE(fz_irs_regs); i++) {
		u32 off = fz_irs_regs[i];

		if (off == last || harness_has_attr(gic, KVM_DEV_ARM_VGIC_GRP_IRS_REGS, off))
			continue;
		last = off;
		regs->offset[regs->nr] = off;
		ret = fz_get_attr(gic, KVM_DEV_ARM_VGIC_GRP_IRS_REGS, off, &regs->val[regs->nr]);
		if (ret)
			return ret;
		regs->nr++;
	}
	return 0;
}

static void fz_corrupt(struct fz *f, void *p, u64 size)
{
	u64 pos;

	if (p && size) {
		pos = fz_u32(f) % size;
		((u8 *)p)[pos] ^= fz_u8(f) | 1;
	}
}

static void fz_check_round_trip(struct fz_vm *dst, struct fz_saved *sv, bool compact);

static void fz_restore_ram(struct fz_vm *v, const struct fz_saved *sv)
{
	void *ram = fz_ram(v, 0, sv->ram_size);

	if (ram && sv->ram)
		fz_guest_store(ram, sv->ram, sv->ram_size);
}

/*
 * Save the VGIC state of a VM (IRS registers, ISTs, CPU interfaces, ITS
 * registers, guest RAM) and restore it into a new VM created with the same
 * configuration, as a VMM migrates or hands over (CPR) a VM, in the
 * documented order or not, the images corrupted or not.
 */
static void fz_migrate(struct fz *f)
{
	u8 a = fz_u8(f) % FZ_VMS, b = fz_u8(f) % FZ_VMS, flags = fz_u8(f), corrupt = fz_u8(f);
	struct fz_vm *src = &fz.vm[a], *dst;
	struct fz_saved *sv;
	unsigned int order[VGIC_V5_IRS_REGS_MAX];
	int fd, ret, i;
	u64 lpi_bits;

	if (!fz_vm_ok(src) || !src->gic)
		return;
	if (b == a)
		b = (a + 1) % FZ_VMS;
	dst = &fz.vm[b];
	sv = calloc(1, sizeof(*sv));
	if (!sv)
		return;
	fz_put();

	/* A flat image of a large LPI space is not worth its memory here */
	lpi_bits = ilog2(fz_lpi_flat_size(src) | 4) - 2;
	if (!(flags & 1) && lpi_bits > 18)
		flags |= 1;
	fd = harness_device_fd(src->gic);
	if (flags & 0x20)
		ret = vgic_v5_state_save(fd, &sv->s, flags & 1);
	else
		ret = fz_irs_regs_save(src->gic, &sv->s.regs) ?:
		      vgic_v5_ist_save(fd, &sv->s.ist, flags & 1);
	fz_check_ret("vgic_v5_state_save", ret, 0);
	if (ret)
		goto out;
	for (i = 0; i < FZ_VCPUS; i++) {
		struct kvm_vcpu *vcpu = src->vcpu[i];

		if (!vcpu)
			continue;
		sv->vcpu_id[sv->nr_vcpus] = vcpu->vcpu_id;
		sv->mpidr[sv->nr_vcpus] = vcpu->arch.mpidr;
		sv->cpu_ok[sv->nr_vcpus] = !vgic_v5_cpu_regs_save(fd, vcpu->arch.mpidr,
								   &sv->cpu[sv->nr_vcpus]);
		sv->nr_vcpus++;
	}
	for (i = 0; i < FZ_ITSES; i++) {
		if (!src->its[i])
			continue;
		sv->has_its[i] = true;
		sv->its_base[i] = src->its_base[i];
		for (int r = 0; r < ARRAY_SIZE(fz_its_state); r++)
			fz_get_attr(src->its[i], KVM_DEV_ARM_VGIC_GRP_ITS_REGS,
				    fz_its_state[r].off, &sv->its_reg[i][r]);
	}
	fz_get_attr(src->gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_IRS,
		    &sv->irs_base);
	fz_get_attr(src->gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &sv->nr_spis);
	if (src->ram_size && fz_ram(src, 0, src->ram_size)) {
		sv->ram = malloc(src->ram_size);
		if (sv->ram) {
			memcpy(sv->ram, fz_ram(src, 0, src->ram_size), src->ram_size);
			sv->ram_size = src->ram_size;
		}
	}

	/* CPR: the old VM goes first; a migration keeps it */
	if (flags & 2)
		fz_vm_destroy(src);
	fz_vm_destroy(dst);
	dst->kvm = harness_vm_create();
	if (!dst->kvm)
		goto out;
	for (i = 0; i < sv->nr_vcpus; i++)
		fz_vcpu_create(dst, sv->vcpu_id[i]);
	if (fz_device_create(dst, KVM_DEV_TYPE_ARM_VGIC_V5, &dst->gic))
		goto out;
	if (sv->irs_base != ~0ULL &&
	    !fz_set_attr(dst->gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_IRS,
			 &sv->irs_base))
		dst->irs_base = sv->irs_base;
	if (sv->nr_spis)
		fz_set_attr(dst->gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &sv->nr_spis);
	if (sv->ram_size && !fz_ram_add(dst, sv->ram_size) && !(flags & 4))
		fz_restore_ram(dst, sv);
	for (i = 0; i < FZ_ITSES; i++) {
		if (!sv->has_its[i] || fz_its_create(dst, i, sv->its_base[i]))
			continue;
		for (int r = 0; r < ARRAY_SIZE(fz_its_state); r++)
			fz_set_attr(dst->its[i], KVM_DEV_ARM_VGIC_GRP_ITS_REGS,
				    fz_its_state[r].off, &sv->its_reg[i][r]);
	}
	if (fz_set_attr(dst->gic, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL))
		goto out;

	for (i = 0; i < corrupt % 8; i++) {
		switch (fz_u8(f) % 4) {
		case 0:
			fz_corrupt_image(f, (u8 *)sv->s.ist.spi, sv->s.ist.spi_size);
			break;
		case 1:
			fz_corrupt_image(f, sv->s.ist.lpi, sv->s.ist.lpi_size);
			break;
		case 2:
			if (sv->s.regs.nr)
				fz_corrupt(f, &sv->s.regs.val[fz_u8(f) % sv->s.regs.nr], 8);
			break;
		default:
			fz_corrupt(f, &sv->cpu[0], sizeof(sv->cpu[0].val));
			break;
		}
	}
	fd = harness_device_fd(dst->gic);
	if (flags & 8) {
		/* The registers in reverse order, then the ISTs */
		for (i = 0; i < sv->s.regs.nr; i++)
			order[i] = sv->s.regs.nr - 1 - i;
		ret = vgic_v5_irs_regs_restore(fd, &sv->s.regs, order);
		if (!ret)
			ret = vgic_v5_ist_restore(fd, &sv->s.ist);
	} else {
		ret = vgic_v5_state_restore(fd, &sv->s);
	}
	fz_check_ret("vgic_v5_state_restore", ret, 0);
	for (i = 0; i < sv->nr_vcpus && !(flags & 16); i++)
		if (sv->cpu_ok[i])
			sv->cpu_ok[i] = !vgic_v5_cpu_regs_restore(fd, sv->mpidr[i], &sv->cpu[i]);
	if (sv->ram_size && flags & 4)
		fz_restore_ram(dst, sv);
	/* What was restored intact saves again as it was saved */
	if (!ret && !(corrupt % 8) && !(flags & 16))
		fz_check_round_trip(dst, sv, flags & 1);
out:
	vgic_v5_ist_free(&sv->s.ist);
	free(sv->ram);
	free(sv);
}

/*
 * A VM just restored from a state that was saved whole and not corrupted,
 * which has not run: saving it again gives the same IRS registers, the
 * same images, byte for byte, and the same CPU interfaces (arm-vgic-v5.rst,
 * "Save and restore sequence"; what tests/ist.c checks for its VMs).
 */
/*
 * Whether a CPU interface register saved again (@now) is the one restored
 * (@was). The enable, active and pending bits are compared for the PPIs
 * the VM has only: a save reports whatever the CPU interface holds for the
 * others too (a guest's ICC_PPI_SACTIVER0_EL1 write, say), a restore keeps
 * "only implemented PPIs" (arm-vgic-v5.rst, GRP_CPU_SYSREGS), and whether
 * the hardware holds state for PPIs KVM does not implement is not known
 * here.
 */
static bool fz_same_cpu_reg(struct fz_vm *v, u16 instr, u64 now, u64 was)
{
	u64 ppis = bitmap_read(v->kvm->arch.vgic.gicv5_vm.vgic_ppi_mask, 0, 64);

	switch (instr) {
	case 0xc656:	/* ICC_PPI_ENABLER0_EL1 */
	case 0xc66a:	/* ICC_PPI_SACTIVER0_EL1 */
	case 0xc66e:	/* ICC_PPI_SPENDR0_EL1 */
		return !((now ^ was) & ppis);
	}
	return now == was;
}

static void fz_check_round_trip(struct fz_vm *dst, struct fz_saved *sv, bool compact)
{
	struct vgic_v5_state *s2 = calloc(1, sizeof(*s2));
	struct vgic_v5_cpu_regs cpu;
	int fd = harness_device_fd(dst->gic), n = 0;

	if (!s2)
		return;
	for (int i = 0; i < FZ_VCPUS; i++)
		n += !!dst->vcpu[i];
	/* Only a complete destination, saved completely (no injected failure) */
	if (n != sv->nr_vcpus || !fz_vm_ok(dst) ||
	    fz_irs_regs_save(dst->gic, &s2->regs) || vgic_v5_ist_save(fd, &s2->ist, compact))
		goto out;

	for (unsigned int i = 0; i < sv->s.regs.nr; i++)
		for (unsigned int j = 0; j < s2->regs.nr; j++)
			if (sv->s.regs.offset[i] == s2->regs.offset[j] &&
			    sv->s.regs.val[i] != s2->regs.val[j])
				fz_finding("IRS register 0x%x restored 0x%llx, saved 0x%llx",
					   sv->s.regs.offset[i],
					   (unsigned long long)sv->s.regs.val[i],
					   (unsigned long long)s2->regs.val[j]);
	if (s2->ist.spi_size != sv->s.ist.spi_size ||
	    memcmp(s2->ist.spi, sv->s.ist.spi, sv->s.ist.spi_size))
		fz_finding("SPI image of %llu bytes restored, saved again differently",
			   (unsigned long long)sv->s.ist.spi_size);
	if (s2->ist.lpi_size != sv->s.ist.lpi_size ||
	    (sv->s.ist.lpi_size && memcmp(s2->ist.lpi, sv->s.ist.lpi, sv->s.ist.lpi_size)))
		fz_finding("LPI image of %llu bytes restored, saved as %llu or unlike",
			   (unsigned long long)sv->s.ist.lpi_size,
			   (unsigned long long)s2->ist.lpi_size);
	for (int i = 0; i < sv->nr_vcpus; i++) {
		if (!sv->cpu_ok[i] || vgic_v5_cpu_regs_save(fd, sv->mpidr[i], &cpu))
			continue;
		for (int r = 0; r < VGIC_V5_CPU_REGS_NR; r++)
			if (!fz_same_cpu_reg(dst, vgic_v5_cpu_regs_instr[r], cpu.val[r],
					     sv->cpu[i].val[r]))
				fz_finding("vCPU %d register 0x%x restored 0x%llx, saved 0x%llx",
					   sv->vcpu_id[i], vgic_v5_cpu_regs_instr[r],
					   (unsigned long long)sv->cpu[i].val[r],
					   (unsigned long long)cpu.val[r]);
	}
out:
	vgic_v5_ist_free(&s2->ist);
	free(s2);
}

/* ------------------------------------------------------------ VM set-up */

/* vCPU @i's vcpu_id: @i, or one of fz_vcpu_ids[] the input picks */
static u32 fz_vcpu_id(struct fz *f, u8 ids, int i)
{
	return ids & 0x80 ? fz_vcpu_ids[fz_u8(f) % ARRAY_SIZE(fz_vcpu_ids)] : i;
}

/*
 * KVM_CREATE_VM and what a VMM does next, each step picked by the input:
 * vCPUs (before or after the VGIC), the VGIC, its IRS address, NR_IRQS,
 * guest RAM, an ITS, CTRL_INIT, the first run of a vCPU.
 */
static void fz_vm_create(struct fz *f)
{
	struct fz_vm *v = fz_vm(f);
	u8 steps = fz_u8(f), nr = fz_u8(f) % (FZ_VCPUS + 1), ids = fz_u8(f);
	u64 irs_base = FZ_PICK(f, fz_irs_bases);
	u32 nr_spis = FZ_PICK(f, fz_nr_spis);
	size_t ram = FZ_PICK(f, fz_ram_sizes);
	int i;

	fz_vm_destroy(v);
	fz_put();
	v->kvm = harness_vm_create();
	if (!v->kvm)
		return;
	if (ram > FZ_MAX_RAM || ram & ~PAGE_MASK || !ram)
		ram = SZ_64K;
	if (!(steps & 0x40))
		for (i = 0; i < nr; i++)
			fz_vcpu_create(v, fz_vcpu_id(f, ids, i));
	if (!(steps & 1))
		fz_device_create(v, KVM_DEV_TYPE_ARM_VGIC_V5, &v->gic);
	if (steps & 0x40)
		for (i = 0; i < nr; i++)
			fz_vcpu_create(v, fz_vcpu_id(f, ids, i));
	if (v->gic && !(steps & 2) &&
	    !fz_set_attr(v->gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_IRS, &irs_base))
		v->irs_base = irs_base;
	if (v->gic && steps & 4)
		fz_set_attr(v->gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_spis);
	if (!(steps & 8))
		fz_ram_add(v, ram);
	if (steps & 0x10)
		fz_its_create(v, 0, FZ_ITS_BASE(0));
	if (v->gic && !(steps & 0x20))
		fz_set_attr(v->gic, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (steps & 0x80 && v->vcpu[0]) {
		mutex_lock(&v->vcpu[0]->mutex);
		fz_check_ret("first run", harness_vcpu_first_run(v->vcpu[0]), 0);
		mutex_unlock(&v->vcpu[0]->mutex);
	}
}

/* A guest CPU's store of a 64-bit table entry at @gpa, if it is RAM */
static void fz_put_entry(struct fz_vm *v, u64 gpa, u64 val)
{
	void *p = harness_guest_mem(v->kvm, gpa, 8);

	if (p)
		fz_guest_store(p, &val, 8);
}

/*
 * An ITS of the VM translating (DeviceID, EventID) to an LPI: a device
 * table and an ITT in guest RAM, each linear or two-level with 4 KiB level
 * 2 tables, and the ITS registers restored through GRP_ITS_REGS, as
 * fz_plant() of tests/its.c. The guest's tables may then be overwritten in
 * part by later operations.
 */
static void fz_its_setup(struct fz *f, struct fz_vm *v)
{
	u8 i = fz_u8(f) % FZ_ITSES, flags = fz_u8(f);
	bool dt2 = flags & 8, itt2 = flags & 16;
	u32 bits = dt2 ? 9 + fz_u8(f) % 8 : fz_u8(f) % 9;
	u32 ebits = itt2 ? 9 + fz_u8(f) % 8 : 4;
	u32 d = fz_u16(f) & (BIT(bits) - 1), e = fz_u16(f) & (BIT(ebits) - 1);
	u64 dt = fz_ram_gpa(f, v, SZ_4K), itt = fz_ram_gpa(f, v, SZ_4K);
	u64 dt_l2 = fz_ram_gpa(f, v, SZ_4K), itt_l2 = fz_ram_gpa(f, v, SZ_4K);
	u64 l1e = FIELD_PREP(GICV5_DTL1E_SPAN, 9) | GICV5_DTL1E_VALID;
	u64 dte = itt | FIELD_PREP(GICV5_DTL2E_EVENT_ID_BITS, ebits) |
		  (itt2 ? GICV5_DTL2E_ITT_STRUCTURE : 0) | GICV5_DTL2E_VALID;
	u64 itte = FIELD_PREP(GICV5_ITTL2E_LPI_ID, fz_u16(f)) | GICV5_ITTL2E_VALID;
	u64 val;

	if (!v->its[i] && fz_its_create(v, i, FZ_ITS_BASE(i)))
		return;
	if (dt2) {
		fz_put_entry(v, dt + (d >> 9) * 8, dt_l2 | l1e);
		fz_put_entry(v, dt_l2 + (d & 511) * 8, dte);
	} else {
		fz_put_entry(v, dt + d * 8, dte);
	}
	if (itt2) {
		fz_put_entry(v, itt + (e >> 9) * 8, itt_l2 | l1e);
		fz_put_entry(v, itt_l2 + (e & 511) * 8, itte);
	} else {
		fz_put_entry(v, itt + e * 8, itte);
	}

	fz_put();
	val = 0;
	fz_set_attr(v->its[i], KVM_DEV_ARM_VGIC_GRP_ITS_REGS, GICV5_ITS_CR0, &val);
	if (flags & 1 || itt2) {
		val = FIELD_PREP(GICV5_ITS_IDR1_DEVICEID_BITS, 16) |
		      FIELD_PREP(GICV5_ITS_IDR1_L2SZ, 7) | GICV5_ITS_IDR1_DT_LEVELS |
		      (flags & 2 || itt2 ? GICV5_ITS_IDR1_ITT_LEVELS : 0);
		fz_set_attr(v->its[i], KVM_DEV_ARM_VGIC_GRP_ITS_REGS, GICV5_ITS_IDR1, &val);
	}
	val = flags & 4 ? fz_u32(f) :
	      FIELD_PREP(GICV5_ITS_DT_CFGR_DEVICEID_BITS, bits) |
	      (dt2 ? GICV5_ITS_DT_CFGR_STRUCTURE : 0);
	fz_set_attr(v->its[i], KVM_DEV_ARM_VGIC_GRP_ITS_REGS, GICV5_ITS_DT_CFGR, &val);
	fz_set_attr(v->its[i], KVM_DEV_ARM_VGIC_GRP_ITS_REGS, GICV5_ITS_DT_BASER, &dt);
	val = GICV5_ITS_CR0_ITSEN;
	fz_set_attr(v->its[i], KVM_DEV_ARM_VGIC_GRP_ITS_REGS, GICV5_ITS_CR0, &val);
}

/* ------------------------------------------------------------ host IRS */

/*
 * The host IRS model's knobs: slow commands, a command that never
 * completes (the VM dies, KVM keeps what the IRS may use), a VMAP that
 * completes without effect (an IRS rejecting it). Undone at the end of
 * the input. Not gm_set_drop_after(): a command dropped at random (a
 * VPE_SELR, say) is not something a driver can detect.
 */
static void fz_host_knob(struct fz *f)
{
	struct gm *m = harness_gm();
	u8 sel = fz_u8(f), n = fz_u8(f);

	fz.knobs = true;
	switch (sel % 3) {
	case 0:
		gm_set_latency(m, n % 4);
		break;
	case 1:
		gm_set_stuck_after(m, n);
		break;
	case 2:
		gm_set_vmap_ignored_after(m, n);
		break;
	}
}

/*
 * A VM with an IRS created and destroyed: KVM maps the VM table's level 2
 * page of the first VM IDs (for the host's life) and reaps the VMs the IRS
 * let go of.
 */
static void fz_host_reap(void)
{
	struct kvm_device *dev;
	struct kvm *kvm;
	u64 base = FZ_IRS_BASE;

	kvm = harness_vm_create();
	if (!kvm)
		return;
	if (!harness_vcpu_create(kvm, 0, NULL) &&
	    !harness_create_device(kvm, KVM_DEV_TYPE_ARM_VGIC_V5, &dev) &&
	    !harness_set_attr(dev, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V5_ADDR_TYPE_IRS, &base))
		harness_vgic_init(dev);
	harness_vm_destroy(kvm);
}

/* The IRS behaves again and finishes its work; the next VM reaps the dead */
static void fz_host_restore(void)
{
	struct gm *m = harness_gm();

	if (!fz.knobs)
		return;
	fz.knobs = false;
	gm_set_stuck(m, false);
	gm_set_latency(m, 0);
	gm_set_vmap_ignored_after(m, ~0U);
	gm_drain(m);
	fz_host_reap();
}

/*
 * The host of an input, picked by its first byte: mostly the harness's
 * default (what vt_before_each() boots), else one whose IRS is not
 * coherent, has 16-byte ISTEs, 64 KiB L2 tables and VM descriptors, has
 * neither two-level ISTs nor a two-level VM table and room for 4 VMs of 4
 * vCPUs on 2 CPUs, or cannot take VMs at all. A new host boots when the
 * previous input's differs (harness_host_init()).
 */
#define FZ_HOSTS	5

static void fz_host_select(u8 sel)
{
	struct harness_host host = { .type = GIC_V5, .pmuv3 = true };
	int variant = sel < 0xc0 ? 0 : 1 + sel % (FZ_HOSTS - 1);
	struct gm_caps caps = gm_caps_default();

	if (variant == fz.host)
		return;
	switch (variant) {
	case 1:
		caps.coherent = false;
		break;
	case 2:
		caps.istmd = true;
		caps.istmd_sz = 12;
		caps.ist_l2sz = BIT(2);
		caps.vmd = true;
		caps.vmd_sz = 12;
		caps.vped_sz = 8;
		break;
	case 3:
		caps.ist_levels = false;
		caps.id_bits = 14;
		caps.vmt_levels = false;
		caps.vm_id_bits = 2;
		caps.vpe_id_bits = 1;
		caps.pri_bits = 3;
		caps.nr_cpus = 2;
		break;
	case 4:
		caps.virt = false;
		break;
	}
	if (variant)
		host.irs = &caps;
	fz.host = variant;
	harness_host_init(&host);
	harness_model_retire_old();
	fz_host_reap();
	harness_events_clear();
}

/* ------------------------------------------------------------ operations */

enum fz_op {
	OP_VM_CREATE, OP_VM_DESTROY, OP_VCPU_CREATE, OP_DEVICE_CREATE, OP_ATTR,
	OP_ATTR2, OP_IRQ_LINE, OP_MSI, OP_ROUTING, OP_IRQFD, OP_RESAMPLER,
	OP_MEMSLOT, OP_MEM_WRITE, OP_TABLE_ENTRY, OP_RUN, OP_RUN2, OP_LOAD,
	OP_PUT, OP_PREEMPT, OP_MMIO, OP_FAULT, OP_MIGRATE, OP_ITS_SETUP,
	OP_HOST_KNOB, OP_NR
};

static const char *const fz_op_names[OP_NR] = {
	"VM_CREATE", "VM_DESTROY", "VCPU_CREATE", "DEVICE_CREATE", "ATTR", "ATTR",
	"IRQ_LINE", "MSI", "ROUTING", "IRQFD", "RESAMPLER", "MEMSLOT", "MEM_WRITE",
	"TABLE_ENTRY", "RUN", "RUN", "LOAD", "PUT", "PREEMPT", "MMIO", "FAULT",
	"MIGRATE", "ITS_SETUP", "HOST_KNOB",
};

/* VGIC_FUZZ_TRACE=1: each operation and where in the input it starts */
static bool fz_trace;

static void fz_op(struct fz *f)
{
	u8 op = fz_u8(f) % OP_NR;
	struct kvm_vcpu *vcpu;
	struct fz_vm *v;
	int ret;

	if (fz_trace)
		printf("# vgic-fuzz: @%zu %s\n", f->pos - 1, fz_op_names[op]);

	switch (op) {
	case OP_VM_CREATE:
		fz_vm_create(f);
		return;
	case OP_MIGRATE:
		fz_migrate(f);
		return;
	case OP_FAULT:
		fault_inject_nth_alloc(fz_u16(f) % 512);
		return;
	case OP_HOST_KNOB:
		fz_host_knob(f);
		return;
	case OP_PUT:
		fz_put();
		return;
	case OP_PREEMPT: {
		u8 cpu = fz_u8(f);

		if (fz.loaded)
			harness_preempt(cpu < 0x80 ? -1 : cpu % harness_nr_cpus());
		return;
	}
	}
	v = fz_vm(f);
	if (op == OP_VM_DESTROY) {
		fz_vm_destroy(v);
		return;
	}
	if (!fz_vm_ok(v))
		return;

	switch (op) {
	case OP_VCPU_CREATE:
		fz_put();
		fz_vcpu_create(v, FZ_PICK(f, fz_vcpu_ids));
		break;
	case OP_DEVICE_CREATE: {
		u32 type = FZ_PICK(f, fz_dev_types);
		struct kvm_device *dev;

		fz_put();
		if (type == KVM_DEV_TYPE_ARM_VGIC_V5_ITS) {
			int i = v->its[0] ? 1 : 0;
			u64 base = FZ_PICK(f, fz_its_bases);

			fz_its_create(v, i, base);
		} else if (!fz_device_create(v, type, &dev) && !v->gic) {
			v->gic = dev;
		}
		break;
	}
	case OP_ATTR:
	case OP_ATTR2:
		fz_attr_op(f, v);
		break;
	case OP_IRQ_LINE: {
		static const u64 types[] = {
			KVM_ARM_IRQ_TYPE_SPI, KVM_ARM_IRQ_TYPE_PPI, KVM_ARM_IRQ_TYPE_CPU,
		};
		u32 type = FZ_PICK(f, types), num = fz_u8(f) < 0xe0 ? fz_u8(f) : fz_u16(f);

		vcpu = fz_vcpu(f, v);
		ret = harness_irq_line(v->kvm, harness_irq_num(type, vcpu ? vcpu->vcpu_id : 0, num),
				       fz_u8(f) % 2);
		fz_check_ret("KVM_IRQ_LINE", ret, 1);
		break;
	}
	case OP_MSI: {
		u64 addr = fz_msi_addr(f, v);
		u8 sel = fz_u8(f);
		u32 data = sel & 0x80 ? fz_u32(f) : fz_u16(f) % 4096;
		u32 flags = sel & 1 ? KVM_MSI_VALID_DEVID : sel & 2 ? fz_u32(f) : 0;

		fz_msi(v->kvm, addr, data, flags, sel & 0x40 ? fz_u32(f) : fz_u8(f), sel >> 2);
		break;
	}
	case OP_ROUTING:
		fz_routing(f, v);
		break;
	case OP_IRQFD: {
		u8 sel = fz_u8(f);
		u32 gsi = sel & 0x80 ? fz_u32(f) : fz_u8(f) % 64;

		if (sel % 4 == 3)
			ret = harness_set_irq(v->kvm, gsi, (sel >> 2) % 2);
		else
			ret = harness_irqfd_wakeup(v->kvm, gsi, sel % 4 == 2);
		if (ret < -1)
			fz_check_ret("irqfd", ret, INT_MAX);
		break;
	}
	case OP_RESAMPLER: {
		u8 sel = fz_u8(f), i = sel % FZ_RESAMPLERS;

		if (v->resampler[i]) {
			stb_resampler_del(v->kvm, v->resampler[i]);
			v->resampler[i] = NULL;
		} else {
			v->resampler[i] = stb_resampler_add(v->kvm, (sel >> 1) % 64, fz_resampled,
							    NULL);
		}
		break;
	}
	case OP_MEMSLOT: {
		u8 sel = fz_u8(f);
		int slot = 1 + sel % (HARNESS_NR_MEMSLOTS - 1);
		u64 gpa = FZ_PICK(f, fz_irs_bases) & PAGE_MASK;

		fz_put();
		if (sel & 0x80) {
			harness_memslot_remove(v->kvm, slot);
		} else if (sel & 0x40) {
			harness_get_dirty_log(v->kvm, sel & 0x20 ? 0 : slot, NULL);
		} else {
			size_t size = SZ_4K << (fz_u8(f) % 5);

			ret = harness_memslot_add(v->kvm, slot, gpa, size, fz_u8(f) % 4);
			fz_check_ret("KVM_SET_USER_MEMORY_REGION", ret, 0);
		}
		break;
	}
	case OP_MEM_WRITE: {
		u64 off = fz_u32(f);
		u8 len = fz_u8(f) % 65, buf[64];
		void *p;

		for (int i = 0; i < len; i++)
			buf[i] = fz_u8(f);
		p = fz_ram(v, off, len);
		if (p)
			fz_guest_store(p, buf, len);
		break;
	}
	case OP_TABLE_ENTRY: {
		u64 off = fz_u32(f) * 8, entry = fz_table_entry(f, v);
		void *p = fz_ram(v, off & ~7ULL, 8);

		if (p)
			fz_guest_store(p, &entry, 8);
		break;
	}
	case OP_RUN:
	case OP_RUN2:
		vcpu = fz_vcpu(f, v);
		if (vcpu)
			fz_kvm_run(f, v, vcpu);
		break;
	case OP_LOAD:
		vcpu = fz_vcpu(f, v);
		fz_put();
		if (!vcpu)
			break;
		fz_set_cpu(f);
		harness_vcpu_load(vcpu);
		fz.loaded = vcpu;
		break;
	case OP_MMIO: {
		u64 addr = fz_mmio_addr(f, v), val = FZ_CANARY;
		int len = fz_mmio_len(f);
		bool write = fz_u8(f) % 2;

		/* An MMIO exit of the vCPU loaded here, after its first run */
		if (!fz.loaded || fz.loaded->kvm != v->kvm || !vcpu_has_run_once(fz.loaded))
			break;
		if (write) {
			val = fz_value(f);
			harness_mmio_guest_write(fz.loaded, addr, len, &val);
		} else if (!harness_mmio_guest_read(fz.loaded, addr, len, &val)) {
			fz_check_read(val, len, addr);
			fz_check_idle(v, addr, len, val);
		}
		break;
	}
	case OP_ITS_SETUP:
		fz_its_setup(f, v);
		break;
	}
}

/* ------------------------------------------------------------ one input */

/*
 * The host, once: what vt_before_each() does before a harness test (unless
 * the test did it), then a first VM, so that every input finds the same
 * host: the VM table's first level 2 page mapped, as it stays.
 */
static void fz_host_setup(bool booted)
{
	if (fz.host_ready)
		return;
	fz.host_ready = true;
	fz_trace = getenv("VGIC_FUZZ_TRACE");
	if (!booted && vt_before_each)
		vt_before_each();
	fz_host_reap();
	harness_events_clear();
}

/*
 * The end of an input: every VM destroyed, then the checks that end each
 * harness test (vt_after_each()); the model's own "VMT still valid" and
 * the event log are dropped so that the next input starts clean.
 */
static void fz_teardown(void)
{
	fz_put();
	for (int i = 0; i < FZ_VMS; i++)
		fz_vm_destroy(&fz.vm[i]);
	fault_inject_nth_alloc(0);
	fz_host_restore();
	free(fz.img.spi);
	free(fz.img.lpi);
	memset(&fz.img, 0, sizeof(fz.img));
	harness_set_this_cpu(0);
	current->sigpending = false;
	if (vt_after_each)
		vt_after_each();
	if (vt_failures)
		fz_finding("%d failure(s)", vt_failures);
	gm_clear_violations(harness_gm());
	harness_events_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { .data = data, .size = size };

	fz_host_setup(false);
	fz_host_select(fz_u8(&f));
	for (int n = 0; n < FZ_OPS && fz_more(&f); n++)
		fz_op(&f);
	fz_teardown();
	return 0;
}

/* libFuzzer: a finding aborts at once, which saves the input */
static void fz_abort(void)
{
	fflush(stdout);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * VGIC_FUZZ_KNOWN="substring,...": violations containing one of these are
 * expected, to fuzz on past a finding that is known and not fixed yet.
 */
static void fz_known_findings(void)
{
	char *known = getenv("VGIC_FUZZ_KNOWN"), *s;

	if (!known)
		return;
	known = strdup(known);
	while (known && (s = strsep(&known, ",")))
		if (*s)
			harness_expect_violation(s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	vt_fail_hook = fz_abort;
	fz_host_setup(false);
	fz_known_findings();
	return 0;
}

/* ---------------------------------------------------------------- replay */

static void fz_replay_fail(void)
{
	if (fz.name)
		printf("# ... while replaying %s\n", fz.name);
}

static int fz_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The largest input replayed: "make fuzz" makes them of 4 KiB at most */
#define FZ_MAX_INPUT	SZ_1M

/* Run the input @name of @size bytes, from line @ln of @file */
static void fz_replay_one(const char *file, int ln, const char *name,
			  const u8 *buf, size_t size)
{
	char where[4096];

	snprintf(where, sizeof(where), "%s:%d (%s)", file, ln, name);
	if (getenv("HARNESS_VERBOSE"))
		printf("# replaying %s, %zu bytes\n", where, size);
	fz.name = where;
	LLVMFuzzerTestOneInput(buf, size);
	fz.name = NULL;
}

/* Append the hex digits of @hex to @buf (@size bytes so far): false if bad */
static bool fz_unhex(const char *hex, u8 *buf, size_t *size, size_t max)
{
	size_t len = strlen(hex);

	if (len % 2 || *size + len / 2 > max)
		return false;
	for (size_t n = 0; n < len / 2; n++) {
		int hi = fz_hex(hex[2 * n]), lo = fz_hex(hex[2 * n + 1]);

		if (hi < 0 || lo < 0)
			return false;
		buf[(*size)++] = hi << 4 | lo;
	}
	return true;
}

/*
 * Run every input of @file (fuzz/corpus.txt, fuzz/crashes.txt, written by
 * fuzz/inputs.py: an input is a line "<name> <hex bytes>" whose hex goes
 * on in the indented lines that follow; a line starting with '#' is a
 * comment) through LLVMFuzzerTestOneInput(), in order, in this process
 * (the host is the test's). Returns the number of inputs, or -1 if @file
 * cannot be read or is malformed (a missing file is empty).
 */
int vgic_fuzz_replay_file(const char *file);

int vgic_fuzz_replay_file(const char *file)
{
	char *line = NULL, *hex, name[256] = "";
	int runs = 0, ln = 0, first = 0;
	size_t cap = 0, size = 0, n;
	ssize_t len;
	u8 *buf;
	FILE *fp;

	fp = fopen(file, "r");
	if (!fp)
		return errno == ENOENT ? 0 : -1;
	buf = malloc(FZ_MAX_INPUT);
	if (!buf) {
		fclose(fp);
		return -1;
	}
	fz_host_setup(true);
	vt_fail_hook = fz_replay_fail;
	while ((len = getline(&line, &cap, fp)) >= 0) {
		ln++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (len && (line[0] == ' ' || line[0] == '\t') && first) {
			/* The hex of the input goes on */
			hex = line + strspn(line, " \t");
		} else {
			if (first) {
				fz_replay_one(file, first, name, buf, size);
				runs++;
				first = 0;
			}
			if (!len || line[0] == '#')
				continue;
			n = strcspn(line, " ");
			snprintf(name, sizeof(name), "%.*s", (int)n, line);
			hex = line[n] ? line + n + 1 : line + n;
			first = ln;
			size = 0;
		}
		if (!fz_unhex(hex, buf, &size, FZ_MAX_INPUT)) {
			printf("# %s:%d: not an input\n", file, ln);
			runs = -1;
			first = 0;
			break;
		}
	}
	if (first) {
		fz_replay_one(file, first, name, buf, size);
		runs++;
	}
	free(buf);
	free(line);
	fclose(fp);
	return runs;
}
