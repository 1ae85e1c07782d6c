// SPDX-License-Identifier: GPL-2.0
/*
 * The host IRS model behind the shims (model_glue.c, shims/custom_irq.c):
 * every route reaches the model, and every check can fail. Most tests boot
 * a host whose IRS KVM does not get (own_irs()), so that the test alone
 * drives the model, acting as a small driver with the kernel's accessors.
 */
#include <sys/wait.h>
#include <linux/interrupt.h>
#include <linux/irqdomain.h>

#include "harness.h"
#include "vt.h"

/* A host whose IRS is not handed to KVM: the test drives it alone. */
static struct gm *own_irs(const struct gm_caps *caps)
{
	const struct harness_host host = {
		.type = GIC_V5, .pmuv3 = true, .irs = caps, .no_irs = true,
	};

	harness_host_init(&host);
	return harness_gm();
}

static void __iomem *irs_base(void)
{
	return gm_frame_base(harness_gm());
}

/* Command write then wait for IDLE, as the driver does (section 4.5). */
static int irs_cmd(u32 off, u32 statusr, u64 val)
{
	if (off == GM_IRS_VM_SELR || off == GM_IRS_VPE_CR0)
		writel_relaxed(val, irs_base() + off);
	else
		writeq_relaxed(val, irs_base() + off);
	return gicv5_wait_for_op_atomic(irs_base(), statusr, GM_STATUSR_IDLE, NULL);
}

/* Run fn then the after-each checks in a child; true if that test fails. */
static bool test_fails(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		fn();
		vt_after_each();
		_exit(vt_failures ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

/* ------------------------------------------------------------- host probe */

VT_TEST(model_glue_host_hands_its_irs_to_kvm)
{
	struct gm_caps caps = gm_caps_default();
	struct harness_host host = { .type = GIC_V5, .pmuv3 = true, .irs = &caps };
	const struct gic_kvm_info *info = harness_host_kvm_info();

	/* The default host: a model with default caps, coherent */
	VT_ASSERT(harness_gm());
	VT_EXPECT_EQ(info->irs_base, gm_frame_base(harness_gm()));
	VT_EXPECT(!info->irs_noncoherent);
	VT_EXPECT_EQ(gm_get_caps(harness_gm()).vm_id_bits, gm_caps_default().vm_id_bits);
	VT_EXPECT_EQ(gicv5_global_data.irs_pri_bits, 5);
	VT_EXPECT(gicv5_global_data.lpi_domain);
	VT_EXPECT_EQ(nr_cpu_ids, gm_caps_default().nr_cpus);

	caps.coherent = false;
	caps.pri_bits = 4;
	caps.nr_cpus = 2;
	harness_host_init(&host);
	VT_EXPECT_EQ(info->irs_base, gm_frame_base(harness_gm()));
	VT_EXPECT(info->irs_noncoherent);
	VT_EXPECT_EQ(gicv5_global_data.irs_pri_bits, 4);
	VT_EXPECT_EQ(nr_cpu_ids, 2);

	host.no_irs = true;
	harness_host_init(&host);
	VT_EXPECT(!harness_host_kvm_info()->irs_base);
	VT_EXPECT(!harness_host_kvm_info()->irs_noncoherent);
}

/* ------------------------------------------------------------------- MMIO */

VT_TEST(model_glue_mmio_reaches_the_model)
{
	struct gm_caps caps = gm_caps_default();
	u32 idr0, local = 0x5a5a;
	struct gm *m;

	caps.vm_id_bits = 5;
	caps.pri_bits = 3;
	m = own_irs(&caps);
	VT_ASSERT(m);

	idr0 = readl(irs_base() + GM_IRS_IDR0);
	VT_EXPECT(idr0 & GM_IDR0_VIRT);
	VT_EXPECT_EQ(FIELD_GET(GM_IDR0_PA_RANGE, idr0), caps.pa_range);
	VT_EXPECT_EQ(FIELD_GET(GM_IDR3_VM_ID_BITS, readl_relaxed(irs_base() + GM_IRS_IDR3)), 5);
	VT_EXPECT_EQ(FIELD_GET(GM_IDR1_PRIORITY_BITS, readl(irs_base() + GM_IRS_IDR1)), 2);

	writel(0x1234, irs_base() + GM_IRS_CR1);
	VT_EXPECT_EQ(readl(irs_base() + GM_IRS_CR1), 0x1234);
	VT_EXPECT_EQ(gm_mmio_read(m, GM_IRS_CR1, 4), 0x1234);
	writeq(0x0000123456789000ULL, irs_base() + GM_IRS_IST_BASER);
	VT_EXPECT_EQ(readq(irs_base() + GM_IRS_IST_BASER), 0x0000123456789000ULL);
	VT_EXPECT_EQ(readl(irs_base() + GM_IRS_IST_BASER + 4), 0x1234);

	/* Other addresses stay plain memory */
	VT_EXPECT_EQ(readl(&local), 0x5a5a);
	writel(7, &local);
	VT_EXPECT_EQ(local, 7);

	/* What the IRS rejects is recorded, and expected here */
	VT_EXPECT_EQ(harness_violations(NULL), 0);
	harness_expect_violation("size 1");
	VT_EXPECT_EQ(readb(irs_base() + GM_IRS_IDR0), 0);
	VT_EXPECT_EQ(harness_violations("MMIO read of IDR0 at 0x0 size 1"), 1);
}

static void bad_mmio(void)
{
	own_irs(NULL);
	writel(1, irs_base() + GM_IRS_IDR0);	/* read-only */
}

VT_TEST(model_glue_unexpected_violation_fails_the_test)
{
	VT_EXPECT(test_fails(bad_mmio));
}

/* ------------------------------------------------------------------ polls */

VT_TEST(model_glue_poll_timeout_is_counted_not_slept)
{
	DEFINE_RAW_SPINLOCK(lock);
	struct gm *m = own_irs(NULL);
	u32 val;

	VT_ASSERT(m);
	/* 10 ms at 1 us per poll: 5000 busy reads complete, 20000 time out */
	gm_set_latency(m, 5000);
	VT_EXPECT_EQ(irs_cmd(GM_IRS_VM_SELR, GM_IRS_VM_STATUSR, 0), 0);
	gm_set_latency(m, 20000);
	VT_EXPECT_EQ(irs_cmd(GM_IRS_VM_SELR, GM_IRS_VM_STATUSR, 0), -ETIMEDOUT);
	gm_drain(m);
	gm_set_latency(m, 0);

	/* Stuck: the atomic and the sleeping poll both give up */
	gm_set_stuck(m, true);
	VT_EXPECT_EQ(irs_cmd(GM_IRS_VM_SELR, GM_IRS_VM_STATUSR, 0), -ETIMEDOUT);
	VT_EXPECT_EQ(readl_poll_timeout(irs_base() + GM_IRS_VM_STATUSR, val,
					val & GM_STATUSR_IDLE, 1, 1000), -ETIMEDOUT);
	VT_EXPECT_EQ(val & GM_STATUSR_IDLE, 0);
	VT_EXPECT_EQ(readl_relaxed_poll_timeout_atomic(irs_base() + GM_IRS_VM_STATUSR, val,
						       val & GM_STATUSR_IDLE, 0, 100), -ETIMEDOUT);

	/* A sleeping poll is refused in atomic context, the atomic one is not */
	raw_spin_lock(&lock);
	VT_EXPECT_EQ(gicv5_wait_for_op_atomic(irs_base(), GM_IRS_VM_STATUSR,
					      GM_STATUSR_IDLE, NULL), -ETIMEDOUT);
	VT_EXPECT_EQ(harness_reports(HR_SLEEP), 0);
	harness_expect_report(HR_SLEEP);
	VT_EXPECT_EQ(gicv5_wait_for_op(irs_base(), GM_IRS_VM_STATUSR, GM_STATUSR_IDLE),
		     -ETIMEDOUT);
	raw_spin_unlock(&lock);
	VT_EXPECT_EQ(harness_reports(HR_SLEEP), 1);

	/* Unbounded polls are bounded, and recorded */
	harness_expect_violation("poll without timeout");
	VT_EXPECT_EQ(readl_poll_timeout_atomic(irs_base() + GM_IRS_VM_STATUSR, val,
					       val & GM_STATUSR_IDLE, 0, 0), -ETIMEDOUT);
	VT_EXPECT_EQ(harness_violations("poll without timeout"), 1);

	gm_set_stuck(m, false);
	gm_drain(m);
	VT_EXPECT_EQ(gicv5_wait_for_op_atomic(irs_base(), GM_IRS_VM_STATUSR,
					      GM_STATUSR_IDLE, &val), 0);
	VT_EXPECT(val & GM_STATUSR_IDLE);
}

static void left_in_flight(void)
{
	struct gm *m = own_irs(NULL);

	gm_set_stuck(m, true);
	irs_cmd(GM_IRS_VM_SELR, GM_IRS_VM_STATUSR, 0);
}

VT_TEST(model_glue_command_left_in_flight_fails_the_test)
{
	VT_EXPECT(test_fails(left_in_flight));
}

/* ----------------------------------------------------------------- memory */

VT_TEST(model_glue_memory_is_identity_mapped_and_aligned)
{
	void *k = kzalloc(256, GFP_KERNEL);
	void *k4 = kzalloc(4096, GFP_KERNEL);
	void *x = alloc_pages_exact(3 * PAGE_SIZE, GFP_KERNEL);
	unsigned long g = __get_free_pages(GFP_KERNEL, 2);
	struct page *pg = alloc_pages(GFP_KERNEL, 1);

	VT_ASSERT(k && k4 && x && g && pg);
	VT_EXPECT(IS_ALIGNED((unsigned long)k, 256));
	VT_EXPECT(IS_ALIGNED((unsigned long)k4, 4096));
	VT_EXPECT(IS_ALIGNED((unsigned long)x, 4 * PAGE_SIZE));
	VT_EXPECT(IS_ALIGNED(g, 4 * PAGE_SIZE));
	VT_EXPECT(IS_ALIGNED((unsigned long)page_address(pg), 2 * PAGE_SIZE));

	VT_EXPECT_EQ(virt_to_phys(k), (unsigned long)k);
	VT_EXPECT_EQ(__pa(g), g);
	VT_EXPECT_EQ(phys_to_virt(virt_to_phys(x)), x);
	VT_EXPECT_EQ(page_to_phys(pg), (unsigned long)page_address(pg));
	VT_EXPECT_EQ(virt_to_page(page_address(pg) + PAGE_SIZE + 8), pg + 1);

	kfree(k);
	kfree(k4);
	free_pages_exact(x, 3 * PAGE_SIZE);
	free_pages(g, 2);
	__free_pages(pg, 1);
	VT_EXPECT_EQ(harness_violations(NULL), 0);
}

/* Install a linear VMT of 2^bits VMTEs at vmt (section 4.5). */
static int install_vmt(void *vmt, unsigned int bits)
{
	writel(bits, irs_base() + GM_IRS_VMT_CFGR);
	return irs_cmd(GM_IRS_VMT_BASER, GM_IRS_VMT_STATUSR,
		       virt_to_phys(vmt) | GM_VMT_BASER_VALID);
}

static int remove_vmt(void)
{
	return irs_cmd(GM_IRS_VMT_BASER, GM_IRS_VMT_STATUSR, 0);
}

static struct gm_caps linear_vmt_caps(void)
{
	struct gm_caps caps = gm_caps_default();

	caps.vmt_levels = false;
	caps.vm_id_bits = 4;
	return caps;
}

VT_TEST(model_glue_freeing_a_table_in_use_is_a_violation)
{
	struct gm_caps caps = linear_vmt_caps();
	struct gm *m = own_irs(&caps);
	size_t sz = GM_VMTE_SIZE << 4;
	u64 stack_vmt[64] = { 0 };
	void *vmt = alloc_pages_exact(sz, GFP_KERNEL | __GFP_ZERO);

	VT_ASSERT(m && vmt);
	VT_EXPECT_EQ(install_vmt(vmt, 4), 0);
	VT_EXPECT(gm_vmt_valid(m));
	VT_EXPECT(gm_mem_referenced(m, vmt, sz));
	VT_EXPECT_EQ(remove_vmt(), 0);
	VT_EXPECT(!gm_mem_referenced(m, vmt, sz));
	VT_EXPECT_EQ(harness_violations(NULL), 0);

	/* Memory the harness did not allocate is not the IRS's to use */
	harness_expect_violation("not in registered memory");
	install_vmt(stack_vmt, 2);
	VT_EXPECT_EQ(harness_violations("not in registered memory"), 1);

	VT_EXPECT_EQ(install_vmt(vmt, 4), 0);
	harness_expect_violation("freed while the IRS references");
	free_pages_exact(vmt, sz);
	VT_EXPECT_EQ(harness_violations("freed while the IRS references"), 1);
}

static void free_in_use(void)
{
	struct gm_caps caps = linear_vmt_caps();
	void *vmt = kzalloc(GM_VMTE_SIZE << 4, GFP_KERNEL);

	own_irs(&caps);
	install_vmt(vmt, 4);
	kfree(vmt);
}

VT_TEST(model_glue_freeing_a_table_in_use_fails_the_test)
{
	VT_EXPECT(test_fails(free_in_use));
}

/* ------------------------------------------------------ cache maintenance */

VT_TEST(model_glue_cache_maintenance_reaches_a_noncoherent_irs)
{
	struct gm_caps caps = gm_caps_default();
	__le64 *l1 = kzalloc(64, GFP_KERNEL);
	void *l2 = alloc_pages_exact(4096, GFP_KERNEL | __GFP_ZERO);
	struct gm *m;

	caps.coherent = false;
	caps.vmt_levels = true;
	caps.vm_id_bits = 8;
	m = own_irs(&caps);
	VT_ASSERT(m && l1 && l2);

	/* Not cleaned: the IRS reads the poison behind the CPU's zeroes */
	harness_expect_violation("VALID set by software");
	VT_EXPECT_EQ(install_vmt(l1, 1), 0);
	VT_EXPECT_EQ(harness_violations("VALID set by software"), 1);
	VT_EXPECT_EQ(remove_vmt(), 0);

	/* Cleaned: a two-level VMT whose L2 page the IRS maps */
	l1[0] = cpu_to_le64(virt_to_phys(l2) & GM_L1_VMTE_L2_ADDR);
	dcache_clean_inval_poc((unsigned long)l2, (unsigned long)l2 + 4096);
	dcache_clean_poc((unsigned long)l1, (unsigned long)l1 + 64);
	writel(GM_VMT_CFGR_STRUCTURE | 8, irs_base() + GM_IRS_VMT_CFGR);
	VT_EXPECT_EQ(irs_cmd(GM_IRS_VMT_BASER, GM_IRS_VMT_STATUSR,
			     virt_to_phys(l1) | GM_VMT_BASER_VALID), 0);
	VT_EXPECT_EQ(irs_cmd(GM_IRS_VMAP_L2_VMTR, GM_IRS_VMT_STATUSR, GM_CMD_M | 0), 0);
	VT_EXPECT_EQ(harness_violations("VALID set by software"), 1);

	/* The IRS set L1 VALID at the PoC: stale until invalidated */
	VT_EXPECT(!(le64_to_cpu(READ_ONCE(l1[0])) & GM_L1_VMTE_VALID));
	dcache_inval_poc((unsigned long)l1, (unsigned long)l1 + 8);
	VT_EXPECT(le64_to_cpu(READ_ONCE(l1[0])) & GM_L1_VMTE_VALID);
	VT_EXPECT_EQ(harness_events(HE_CACHE_OP, "dcache_inval_poc", (unsigned long)l1, NULL), 1);

	VT_EXPECT_EQ(remove_vmt(), 0);
	kfree(l1);
	free_pages_exact(l2, 4096);
}

/* --------------------------------------------------- the CPU interface */

static u64 contextr_on_thread;
static int cpu_of_thread;

static void *thread_writes_contextr(void *arg)
{
	cpu_of_thread = smp_processor_id();
	write_sysreg_s(FIELD_PREP(ICH_CONTEXTR_EL2_VM, 9), SYS_ICH_CONTEXTR_EL2);
	contextr_on_thread = read_sysreg_s(SYS_ICH_CONTEXTR_EL2);
	return NULL;
}

VT_TEST(model_glue_contextr_reaches_this_cpu)
{
	u64 resident = ICH_CONTEXTR_EL2_V | FIELD_PREP(ICH_CONTEXTR_EL2_VM, 3) |
		       FIELD_PREP(ICH_CONTEXTR_EL2_VPE, 1);
	struct gm *m = own_irs(NULL);
	pthread_t t;
	u64 v;

	VT_ASSERT(m);
	VT_EXPECT_EQ(smp_processor_id(), 0);
	/* VM 3 is not valid: the make-resident fails (F), as hardware says */
	write_sysreg_s(resident, SYS_ICH_CONTEXTR_EL2);
	v = read_sysreg_s(SYS_ICH_CONTEXTR_EL2);
	VT_EXPECT(v & ICH_CONTEXTR_EL2_F);
	VT_EXPECT(!(v & ICH_CONTEXTR_EL2_V));
	VT_EXPECT_EQ(gm_read_contextr(m, 0), v);
	VT_EXPECT_EQ(gm_read_contextr(m, 2), 0);
	VT_EXPECT_EQ(harness_events(HE_SYSREG_WRITE, "SYS_ICH_CONTEXTR_EL2", 0, NULL), 1);

	/* Another CPU has its own */
	harness_set_this_cpu(2);
	VT_EXPECT_EQ(smp_processor_id(), 2);
	write_sysreg_s(FIELD_PREP(ICH_CONTEXTR_EL2_VM, 7), SYS_ICH_CONTEXTR_EL2);
	VT_EXPECT_EQ(read_sysreg_s(SYS_ICH_CONTEXTR_EL2), FIELD_PREP(ICH_CONTEXTR_EL2_VM, 7));
	harness_set_this_cpu(0);
	VT_EXPECT_EQ(read_sysreg_s(SYS_ICH_CONTEXTR_EL2), v);

	/* A new thread is the first free CPU, which it leaves when it ends */
	for (int i = 0; i < 2; i++) {
		VT_ASSERT_EQ(pthread_create(&t, NULL, thread_writes_contextr, NULL), 0);
		pthread_join(t, NULL);
		VT_EXPECT_EQ(cpu_of_thread, 1);
	}
	VT_EXPECT_EQ(gm_read_contextr(m, 1), FIELD_PREP(ICH_CONTEXTR_EL2_VM, 9));
	VT_EXPECT_EQ(contextr_on_thread, FIELD_PREP(ICH_CONTEXTR_EL2_VM, 9));

	/* Other registers stay a register file */
	write_sysreg_s(0x1f, SYS_ICH_APR_EL2);
	VT_EXPECT_EQ(read_sysreg_s(SYS_ICH_APR_EL2), 0x1f);
	VT_EXPECT_EQ(harness_violations(NULL), 0);
}

VT_TEST(model_glue_vdpend_reaches_the_model)
{
	u64 xt = GM_VDPEND_PENDING | FIELD_PREP(GM_VDPEND_VM, 5) | GM_INTID(GM_TYPE_SPI, 3);

	VT_ASSERT(own_irs(NULL));
	harness_expect_violation("VDPEND: VM 5 is not valid");
	gic_insn(xt, VDPEND);
	VT_EXPECT_EQ(harness_violations("VDPEND: VM 5 is not valid"), 1);
	VT_EXPECT_EQ(harness_events(HE_SYSREG_WRITE, "GICV5_OP_GIC_VDPEND", 0, NULL), 1);
}

/* ---------------------------------------------------------------- doorbells */

struct db_seen {
	int runs;
	bool hardirq, irqs_off, atomic;
	int cpu;
	void *dev;
};

static struct db_seen seen;

static irqreturn_t db_handler(int irq, void *dev)
{
	seen.runs++;
	seen.hardirq = in_hardirq();
	seen.irqs_off = irqs_disabled();
	seen.atomic = harness_atomic_context() && !preemptible();
	seen.cpu = smp_processor_id();
	seen.dev = dev;
	return IRQ_HANDLED;
}

static struct irq_chip db_chip = {
	.name			= "test-doorbell",
	.irq_mask		= irq_chip_mask_parent,
	.irq_unmask		= irq_chip_unmask_parent,
	.irq_eoi		= irq_chip_eoi_parent,
	.irq_set_affinity	= irq_chip_set_affinity_parent,
	.irq_get_irqchip_state	= irq_chip_get_parent_state,
	.irq_set_irqchip_state	= irq_chip_set_parent_state,
};

static int db_alloc(struct irq_domain *d, unsigned int virq, unsigned int nr, void *arg)
{
	int ret = irq_domain_alloc_irqs_parent(d, virq, nr, arg);

	for (unsigned int i = 0; !ret && i < nr; i++)
		ret = irq_domain_set_hwirq_and_chip(d, virq + i, i, &db_chip, d->host_data);
	return ret;
}

static const struct irq_domain_ops db_ops = {
	.alloc	= db_alloc,
	.free	= irq_domain_free_irqs_common,
};

/* A one-interrupt doorbell domain under the host LPI domain; its LPI. */
static int db_setup(struct irq_domain **dp, u32 *lpi)
{
	struct irq_domain *d;
	int virq;

	d = irq_domain_create_hierarchy(gicv5_global_data.lpi_domain, 0, 1, NULL, &db_ops,
					&seen);
	if (!d)
		return -ENOMEM;
	virq = irq_domain_alloc_irqs(d, 1, NUMA_NO_NODE, NULL);
	if (virq < 0) {
		irq_domain_remove(d);
		return virq;
	}
	*lpi = irq_get_irq_data(virq)->parent_data->hwirq;
	*dp = d;
	return virq;
}

static void db_teardown(struct irq_domain *d, int virq)
{
	irq_domain_free_irqs(virq, 1);
	irq_domain_remove(d);
}

/* VM 1 with VPE 0 (doorbell lpi) and a 32-entry SPI vIST, in a linear VMT. */
struct tiny_vm {
	u64 *vmt, *vpet;
	void *vped;
	u32 *spi;
};

#define VM	1

static int tiny_vm_create(struct tiny_vm *v, u32 lpi)
{
	u64 *vmte;
	int ret;

	v->vmt = kzalloc(GM_VMTE_SIZE << 4, GFP_KERNEL);
	v->vpet = kzalloc(16, GFP_KERNEL);
	v->vped = kzalloc(64, GFP_KERNEL);
	v->spi = kzalloc(32 * 4, GFP_KERNEL);
	if (!v->vmt || !v->vpet || !v->vped || !v->spi)
		return -ENOMEM;
	ret = install_vmt(v->vmt, 4);
	vmte = v->vmt + VM * GM_VMTE_SIZE / 8;
	vmte[1] = cpu_to_le64(virt_to_phys(v->vpet) | FIELD_PREP(GM_VMTE1_VPE_ID_BITS, 1));
	vmte[3] = cpu_to_le64(virt_to_phys(v->spi) | FIELD_PREP(GM_VIST_ID_BITS, 5));
	v->vpet[0] = cpu_to_le64(virt_to_phys(v->vped));
	ret = ret ?: irs_cmd(GM_IRS_VMAP_VMR, GM_IRS_VMT_STATUSR, GM_CMD_M | VM);
	ret = ret ?: irs_cmd(GM_IRS_VMAP_VPER, GM_IRS_VMT_STATUSR,
			     GM_CMD_M | FIELD_PREP(GM_CMD_VM_ID_HI, VM));
	ret = ret ?: irs_cmd(GM_IRS_VPE_SELR, GM_IRS_VPE_STATUSR, GM_VPE_SELR_S | VM);
	ret = ret ?: irs_cmd(GM_IRS_VPE_DBR, GM_IRS_VPE_STATUSR, GM_VPE_DBR_DBV | lpi);
	ret = ret ?: irs_cmd(GM_IRS_VMAP_VISTR, GM_IRS_VMT_STATUSR,
			     GM_CMD_M | FIELD_PREP(GM_CMD_VM_ID_HI, VM) |
			     FIELD_PREP(GM_CMD_TYPE, GM_TYPE_SPI));
	return ret;
}

static void tiny_vm_destroy(struct tiny_vm *v)
{
	irs_cmd(GM_IRS_VMAP_VMR, GM_IRS_VMT_STATUSR, GM_CMD_M | GM_CMD_U | VM);
	remove_vmt();
	kfree(v->vmt);
	kfree(v->vpet);
	kfree(v->vped);
	kfree(v->spi);
}

static u64 resident(void)
{
	return ICH_CONTEXTR_EL2_V | FIELD_PREP(ICH_CONTEXTR_EL2_VM, VM);
}

/* Put VPE 0 of VM 1 with a doorbell request for priorities up to 31. */
static u64 nonresident_db(void)
{
	return ICH_CONTEXTR_EL2_DB | FIELD_PREP(ICH_CONTEXTR_EL2_DBPM, 31);
}

VT_TEST(model_glue_doorbell_runs_the_handler_as_an_interrupt)
{
	struct gm_caps caps = linear_vmt_caps();
	struct gm *m = own_irs(&caps);
	struct irq_domain *d;
	struct tiny_vm v;
	int virq, dev;
	u32 lpi = 0, w;
	bool pending;

	VT_ASSERT(m);
	virq = db_setup(&d, &lpi);
	VT_ASSERT(virq > 0);
	VT_EXPECT(lpi >= 64 && lpi != virq);
	VT_ASSERT_EQ(request_irq(virq, db_handler, 0, "test-db", &dev), 0);
	VT_ASSERT_EQ(irq_set_affinity(virq, cpumask_of(1)), 0);
	VT_ASSERT_EQ(tiny_vm_create(&v, lpi), 0);

	/* The guest enables SPI 3 (priority 4, to VPE 0) while resident */
	write_sysreg_s(resident(), SYS_ICH_CONTEXTR_EL2);
	VT_ASSERT(!(read_sysreg_s(SYS_ICH_CONTEXTR_EL2) & ICH_CONTEXTR_EL2_F));
	harness_guest_insn(GM_CDPRI, FIELD_PREP(GM_CDPRI_PRIORITY, 4) | GM_INTID(GM_TYPE_SPI, 3));
	harness_guest_insn(GM_CDAFF, GM_INTID(GM_TYPE_SPI, 3));
	harness_guest_insn(GM_CDEN, GM_INTID(GM_TYPE_SPI, 3));
	write_sysreg_s(nonresident_db(), SYS_ICH_CONTEXTR_EL2);
	VT_EXPECT_EQ(seen.runs, 0);

	/* KVM makes it pending: the doorbell interrupts this thread at once */
	gic_insn(GM_VDPEND_PENDING | FIELD_PREP(GM_VDPEND_VM, VM) | GM_INTID(GM_TYPE_SPI, 3),
		 VDPEND);
	VT_EXPECT_EQ(gm_doorbells_fired(m), 1);
	VT_EXPECT_EQ(seen.runs, 1);
	VT_EXPECT(seen.hardirq && seen.irqs_off && seen.atomic);
	VT_EXPECT_EQ(seen.cpu, 1);		/* its affinity */
	VT_EXPECT_EQ(seen.dev, &dev);
	VT_EXPECT_EQ(smp_processor_id(), 0);
	VT_EXPECT(!in_hardirq() && !irqs_disabled());
	VT_EXPECT_EQ(gm_ist_entry(m, VM, GM_TYPE_SPI, 3, &w), 0);
	VT_EXPECT(w & GM_ISTE_PENDING);

	/* With IRQs disabled it waits for local_irq_enable() */
	write_sysreg_s(resident(), SYS_ICH_CONTEXTR_EL2);
	local_irq_disable();
	write_sysreg_s(nonresident_db(), SYS_ICH_CONTEXTR_EL2);
	VT_EXPECT_EQ(gm_doorbells_fired(m), 2);
	VT_EXPECT_EQ(seen.runs, 1);
	local_irq_enable();
	VT_EXPECT_EQ(seen.runs, 2);

	/* Disabled (lazily): kept pending, run by enable_irq() */
	disable_irq(virq);
	write_sysreg_s(resident(), SYS_ICH_CONTEXTR_EL2);
	write_sysreg_s(nonresident_db(), SYS_ICH_CONTEXTR_EL2);
	VT_EXPECT_EQ(gm_doorbells_fired(m), 3);
	VT_EXPECT_EQ(seen.runs, 2);
	enable_irq(virq);
	VT_EXPECT_EQ(seen.runs, 3);
	VT_EXPECT_EQ(harness_irq_handled(virq), 3);

	/* Unlazy: masked at the LPI, seen pending through the hierarchy */
	irq_set_status_flags(virq, IRQ_DISABLE_UNLAZY);
	disable_irq_nosync(virq);
	write_sysreg_s(resident(), SYS_ICH_CONTEXTR_EL2);
	write_sysreg_s(nonresident_db(), SYS_ICH_CONTEXTR_EL2);
	VT_EXPECT_EQ(seen.runs, 3);
	VT_EXPECT_EQ(irq_get_irqchip_state(virq, IRQCHIP_STATE_PENDING, &pending), 0);
	VT_EXPECT(pending);
	VT_EXPECT_EQ(irq_set_irqchip_state(virq, IRQCHIP_STATE_PENDING, false), 0);
	enable_irq(virq);
	VT_EXPECT_EQ(seen.runs, 3);

	VT_EXPECT(!strcmp(free_irq(virq, &dev), "test-db"));
	tiny_vm_destroy(&v);
	db_teardown(d, virq);
	VT_EXPECT_EQ(harness_violations(NULL), 0);
}

VT_TEST(model_glue_doorbell_nobody_requested_is_a_violation)
{
	struct irq_domain *d;
	u32 lpi = 0;
	int virq;

	VT_ASSERT(own_irs(NULL));
	virq = db_setup(&d, &lpi);
	VT_ASSERT(virq > 0);

	/* An LPI no interrupt owns */
	harness_expect_violation("which no interrupt owns");
	harness_lpi_raise(lpi + 1);
	VT_EXPECT_EQ(harness_violations("which no interrupt owns"), 1);

	/* Allocated, not started: masked in the IRS, it just stays pending */
	harness_lpi_raise(lpi);
	VT_EXPECT_EQ(harness_violations(NULL), 1);

	/* Enabled with no handler: taken, nobody to run */
	harness_expect_violation("no handler is requested");
	enable_irq(virq);
	VT_EXPECT_EQ(harness_violations("no handler is requested"), 1);
	db_teardown(d, virq);
}

static void leak_doorbell_domain(void)
{
	struct irq_domain *d;
	u32 lpi;

	own_irs(NULL);
	db_setup(&d, &lpi);
}

VT_TEST(model_glue_leaked_doorbell_domain_fails_the_test)
{
	struct irq_domain *d;
	u32 lpi;
	int virq;

	VT_EXPECT(test_fails(leak_doorbell_domain));
	/* The same, cleaned up, passes */
	VT_ASSERT(own_irs(NULL));
	virq = db_setup(&d, &lpi);
	VT_ASSERT(virq > 0);
	db_teardown(d, virq);
}

VT_TEST(model_glue_irq_domain_misuse_warns)
{
	struct irq_domain *d;
	u32 lpi;
	int virq;

	VT_ASSERT(own_irs(NULL));
	virq = db_setup(&d, &lpi);
	VT_ASSERT(virq > 0);
	VT_ASSERT_EQ(request_irq(virq, db_handler, 0, "test-db", &seen), 0);
	VT_EXPECT_EQ(request_irq(virq, db_handler, 0, "again", &seen), -EBUSY);

	harness_expect_report(HR_WARN);
	enable_irq(virq);		/* unbalanced */
	VT_EXPECT_EQ(harness_reports(HR_WARN), 1);
	VT_EXPECT(!free_irq(virq, &lpi));	/* not its dev_id */
	VT_EXPECT_EQ(harness_reports(HR_WARN), 2);
	irq_domain_remove(d);		/* still has an interrupt: kept */
	VT_EXPECT_EQ(harness_reports(HR_WARN), 3);

	VT_EXPECT(!strcmp(free_irq(virq, &seen), "test-db"));
	db_teardown(d, virq);
	VT_EXPECT_EQ(harness_reports(HR_WARN), 3);
}
