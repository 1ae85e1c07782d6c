// SPDX-License-Identifier: GPL-2.0
/*
 * custom_irq.c - the generic interrupt layer of custom_irq.h: descriptors
 * and hierarchical domains (after kernel/irq/irqdomain.c and irqdesc.c),
 * request/free, enable/disable, affinity and irqchip state (manage.c,
 * chip.c), the fasteoi flow, and the host GICv5 LPI domain whose LPIs the
 * IRS model raises.
 */
#include <linux/kvm_host.h>

#include "harness.h"
#include "vt.h"

#define NR_IRQS_HARNESS		4096
#define FIRST_VIRQ		64	/* well above the maintenance IRQ */
#define MAX_LEVELS		8

static struct irq_desc *descs[NR_IRQS_HARNESS];
static pthread_mutex_t descs_mutex = PTHREAD_MUTEX_INITIALIZER;
/* The irqdomain.c mutex: allocation and freeing of interrupts. */
static DEFINE_MUTEX(irq_domain_mutex);

static struct irq_chip no_irq_chip = { .name = "none" };

struct irq_desc *irq_to_desc(unsigned int irq)
{
	struct irq_desc *desc = NULL;

	pthread_mutex_lock(&descs_mutex);
	if (irq < NR_IRQS_HARNESS)
		desc = descs[irq];
	pthread_mutex_unlock(&descs_mutex);
	return desc;
}

struct irq_data *irq_get_irq_data(unsigned int irq)
{
	struct irq_desc *desc = irq_to_desc(irq);

	return desc ? &desc->irq_data : NULL;
}

static struct irq_desc *irqd_desc(struct irq_data *d)
{
	return container_of(d->common, struct irq_desc, irq_common_data);
}

bool irqd_irq_disabled(struct irq_data *d)
{
	return irqd_desc(d)->harness_disabled;
}

bool irqd_irq_masked(struct irq_data *d)
{
	return irqd_desc(d)->harness_masked;
}

unsigned long harness_irq_handled(unsigned int irq)
{
	struct irq_desc *desc = irq_to_desc(irq);

	return desc ? desc->harness_handled : 0;
}

int harness_irq_handled_cpu(unsigned int irq)
{
	struct irq_desc *desc = irq_to_desc(irq);

	return desc && desc->harness_handled ? desc->harness_handled_cpu : -1;
}

/* -------------------------------------------- forced threading (manage.c) */

static bool force_irqthreads;

void harness_irq_force_threading(bool on)
{
	force_irqthreads = on;
}

#define IRQTF_RUNTHREAD	BIT(0)
#define IRQTF_AFFINITY	BIT(1)
#define IRQTF_STOP	BIT(2)

/* The irq thread of a force-threaded action: irq/<irq>-<name>. */
struct harness_irq_thread {
	pthread_t		thread;
	pthread_mutex_t		lock;
	pthread_cond_t		cond;
	unsigned long		flags;		/* IRQTF_*, the thread_flags */
	bool			busy;		/* running the handler */
	struct irq_desc		*desc;
	struct irqaction	*action;
};

static void take_pending_in_thread(void);
static void unmask_irq(struct irq_desc *desc);

/* irq_thread_fn() / irq_forced_thread_fn() then irq_finalize_oneshot() */
static void irq_thread_handle(struct harness_irq_thread *t)
{
	struct irq_desc *desc = t->desc;
	struct irqaction *action = t->action;
	int held = harness_locks_held();
	unsigned long f;

	local_irq_disable();
	harness_set_this_cpu(desc->harness_lpi_cpu);
	raw_spin_lock_irqsave(&desc->lock, f);
	desc->harness_handled++;
	desc->harness_handled_cpu = harness_this_cpu();
	raw_spin_unlock_irqrestore(&desc->lock, f);
	action->handler(desc->irq_data.irq, action->dev_id);
	if (harness_locks_held() != held)
		harness_report(HR_LOCKDEP, __FILE__, __LINE__,
			       "thread of IRQ %u (%s) returned with lock(s) held",
			       desc->irq_data.irq, action->name);
	raw_spin_lock_irqsave(&desc->lock, f);
	if (!desc->harness_disabled)
		unmask_irq(desc);
	raw_spin_unlock_irqrestore(&desc->lock, f);
	local_irq_enable();
	take_pending_in_thread();
}

static void *irq_thread(void *arg)
{
	struct harness_irq_thread *t = arg;
	unsigned long flags;

	harness_set_this_cpu(t->desc->harness_lpi_cpu);
	for (;;) {
		pthread_mutex_lock(&t->lock);
		while (!t->flags)
			pthread_cond_wait(&t->cond, &t->lock);
		flags = t->flags;
		t->flags = 0;
		t->busy = !!(flags & IRQTF_RUNTHREAD);
		pthread_mutex_unlock(&t->lock);

		if (flags & IRQTF_AFFINITY)
			harness_set_this_cpu(t->desc->harness_lpi_cpu);
		if (flags & IRQTF_RUNTHREAD)
			irq_thread_handle(t);

		pthread_mutex_lock(&t->lock);
		t->busy = false;
		pthread_cond_broadcast(&t->cond);
		pthread_mutex_unlock(&t->lock);
		if (flags & IRQTF_STOP)
			return NULL;
	}
}

/* wake_up_process() of the irq thread, with a thread flag */
static void irq_thread_wake(struct harness_irq_thread *t, unsigned long flag)
{
	harness_check_wake_up("wake_up_process() of an irq thread");
	pthread_mutex_lock(&t->lock);
	t->flags |= flag;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

/* Wait until the thread has nothing to do (synchronize_irq()). */
static void irq_thread_sync(struct harness_irq_thread *t)
{
	pthread_mutex_lock(&t->lock);
	while (t->busy || (t->flags & IRQTF_RUNTHREAD))
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

/* irq_setup_forced_threading() + setup_irq_thread() */
static int irq_setup_forced_threading(struct irq_desc *desc, struct irqaction *action)
{
	struct harness_irq_thread *t;

	if (!force_irqthreads ||
	    (action->flags & (IRQF_NO_THREAD | IRQF_PERCPU | IRQF_ONESHOT)))
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->desc = desc;
	t->action = action;
	action->flags |= IRQF_ONESHOT;
	action->thread = t;
	if (pthread_create(&t->thread, NULL, irq_thread, t)) {
		free(t);
		action->thread = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void irq_thread_stop(struct irqaction *action)
{
	struct harness_irq_thread *t = action->thread;

	if (!t)
		return;
	irq_thread_wake(t, IRQTF_STOP);
	pthread_join(t->thread, NULL);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	free(t);
	action->thread = NULL;
}

/* ---------------------------------------------------------------- domains */

static struct irq_domain *domain_create(struct irq_domain *parent, unsigned int flags,
					unsigned int size, struct fwnode_handle *fwnode,
					const struct irq_domain_ops *ops, void *host_data)
{
	struct irq_domain *d = kzalloc_obj(*d);

	if (!d)
		return NULL;
	d->name = "harness";
	d->ops = ops;
	d->host_data = host_data;
	d->flags = flags | (ops->alloc ? IRQ_DOMAIN_FLAG_HIERARCHY : 0);
	d->fwnode = fwnode;
	d->parent = parent;
	d->root = parent ? parent->root : d;
	d->hwirq_max = size ? size : ~0U;
	return d;
}

struct irq_domain *irq_domain_create_tree(struct fwnode_handle *fwnode,
					  const struct irq_domain_ops *ops,
					  void *host_data)
{
	return domain_create(NULL, 0, 0, fwnode, ops, host_data);
}

struct irq_domain *irq_domain_create_linear(struct fwnode_handle *fwnode,
					    unsigned int size,
					    const struct irq_domain_ops *ops,
					    void *host_data)
{
	return domain_create(NULL, 0, size, fwnode, ops, host_data);
}

struct irq_domain *irq_domain_create_hierarchy(struct irq_domain *parent,
					       unsigned int flags, unsigned int size,
					       struct fwnode_handle *fwnode,
					       const struct irq_domain_ops *ops,
					       void *host_data)
{
	return domain_create(parent, flags, size, fwnode, ops, host_data);
}

void irq_domain_remove(struct irq_domain *domain)
{
	/* The kernel frees it anyway; keep it so the report is the only one. */
	if (WARN(domain->mapcount, "%s() of a domain with %u interrupt(s)\n", __func__,
		 domain->mapcount))
		return;
	kfree(domain);
}

struct irq_data *irq_domain_get_irq_data(struct irq_domain *domain, unsigned int virq)
{
	struct irq_data *d;

	for (d = irq_get_irq_data(virq); d; d = d->parent_data)
		if (d->domain == domain)
			return d;
	return NULL;
}

int irq_domain_set_hwirq_and_chip(struct irq_domain *domain, unsigned int virq,
				  irq_hw_number_t hwirq, const struct irq_chip *chip,
				  void *chip_data)
{
	struct irq_data *d = irq_domain_get_irq_data(domain, virq);

	if (!d)
		return -ENOENT;
	d->hwirq = hwirq;
	d->chip = (struct irq_chip *)(chip ? chip : &no_irq_chip);
	d->chip_data = chip_data;
	return 0;
}

void irq_domain_reset_irq_data(struct irq_data *irq_data)
{
	irq_data->hwirq = 0;
	irq_data->chip = &no_irq_chip;
	irq_data->chip_data = NULL;
}

int irq_set_chip_data(unsigned int irq, void *data)
{
	struct irq_desc *desc = irq_to_desc(irq);

	if (!desc)
		return -EINVAL;
	desc->irq_data.chip_data = data;
	return 0;
}

int irq_set_handler_data(unsigned int irq, void *data)
{
	struct irq_desc *desc = irq_to_desc(irq);

	if (!desc)
		return -EINVAL;
	desc->irq_common_data.handler_data = data;
	return 0;
}

void irq_set_handler(unsigned int irq, irq_flow_handler_t handle)
{
	struct irq_desc *desc = irq_to_desc(irq);

	if (desc)
		desc->handle_irq = handle;
}

void irq_domain_set_info(struct irq_domain *domain, unsigned int virq, irq_hw_number_t hwirq,
			 const struct irq_chip *chip, void *chip_data, irq_flow_handler_t handler,
			 void *handler_data, const char *handler_name)
{
	irq_domain_set_hwirq_and_chip(domain, virq, hwirq, chip, chip_data);
	irq_set_handler(virq, handler);
	irq_set_handler_data(virq, handler_data);
}

void handle_fasteoi_irq(struct irq_desc *desc) { }
void handle_edge_irq(struct irq_desc *desc) { }
void handle_level_irq(struct irq_desc *desc) { }
void handle_simple_irq(struct irq_desc *desc) { }
void handle_bad_irq(struct irq_desc *desc) { }

static int alloc_hierarchy(struct irq_domain *domain, unsigned int virq,
			   unsigned int nr_irqs, void *arg)
{
	if (!domain->ops->alloc)
		return -ENOSYS;
	return domain->ops->alloc(domain, virq, nr_irqs, arg);
}

static void free_hierarchy(struct irq_domain *domain, unsigned int virq,
			   unsigned int nr_irqs)
{
	if (!domain->ops->free)
		return;
	for (unsigned int i = 0; i < nr_irqs; i++)
		if (irq_domain_get_irq_data(domain, virq + i))
			domain->ops->free(domain, virq + i, 1);
}

int irq_domain_alloc_irqs_parent(struct irq_domain *domain, unsigned int irq_base,
				 unsigned int nr_irqs, void *arg)
{
	if (!domain->parent)
		return -ENOSYS;
	return alloc_hierarchy(domain->parent, irq_base, nr_irqs, arg);
}

void irq_domain_free_irqs_parent(struct irq_domain *domain, unsigned int irq_base,
				 unsigned int nr_irqs)
{
	if (domain->parent)
		free_hierarchy(domain->parent, irq_base, nr_irqs);
}

void irq_domain_free_irqs_common(struct irq_domain *domain, unsigned int virq,
				 unsigned int nr_irqs)
{
	for (unsigned int i = 0; i < nr_irqs; i++) {
		struct irq_data *d = irq_domain_get_irq_data(domain, virq + i);

		if (d)
			irq_domain_reset_irq_data(d);
	}
	irq_domain_free_irqs_parent(domain, virq, nr_irqs);
}

void irq_domain_free_irqs_top(struct irq_domain *domain, unsigned int virq,
			      unsigned int nr_irqs)
{
	for (unsigned int i = 0; i < nr_irqs; i++) {
		irq_set_handler_data(virq + i, NULL);
		irq_set_handler(virq + i, NULL);
	}
	irq_domain_free_irqs_common(domain, virq, nr_irqs);
}

/* Descriptors with one irq_data per level of the hierarchy (irqdesc.c). */
static int alloc_descs(struct irq_domain *domain, int irq_base, unsigned int nr)
{
	unsigned int first = irq_base >= 0 ? irq_base : FIRST_VIRQ, virq, i;
	struct irq_domain *levels[MAX_LEVELS];
	struct irq_desc **desc;
	int depth = 0, ret = -ENOSPC;

	if (!nr || nr >= NR_IRQS_HARNESS)
		return -EINVAL;
	for (struct irq_domain *d = domain; d; d = d->parent) {
		if (WARN_ON(depth == MAX_LEVELS))
			return -EINVAL;
		levels[depth++] = d;
	}
	/* scratch of the harness, not a kernel allocation */
	desc = calloc(nr, sizeof(*desc));
	if (!desc)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		struct irq_data *child;

		desc[i] = kzalloc_obj(*desc[i]);
		if (!desc[i]) {
			ret = -ENOMEM;
			goto free;
		}
		raw_spin_lock_init(&desc[i]->lock);
		desc[i]->depth = 1;
		desc[i]->harness_disabled = true;
		desc[i]->harness_masked = true;
		desc[i]->status_use_accessors = IRQ_NOREQUEST | IRQ_NOPROBE;
		child = &desc[i]->irq_data;
		child->common = &desc[i]->irq_common_data;
		child->domain = levels[0];
		for (int l = 1; l < depth; l++) {
			struct irq_data *p = kzalloc_obj(*p);

			if (!p) {
				ret = -ENOMEM;
				i++;
				goto free;
			}
			p->common = child->common;
			p->domain = levels[l];
			child->parent_data = p;
			child = p;
		}
	}

	pthread_mutex_lock(&descs_mutex);
	for (virq = first; virq + nr <= NR_IRQS_HARNESS; virq++) {
		for (i = 0; i < nr && !descs[virq + i]; i++)
			;
		if (i == nr)
			break;
		if (irq_base >= 0)
			break;
	}
	if (virq + nr > NR_IRQS_HARNESS || i != nr) {
		pthread_mutex_unlock(&descs_mutex);
		ret = irq_base >= 0 ? -EEXIST : -ENOSPC;
		i = nr;
		goto free;
	}
	for (i = 0; i < nr; i++) {
		struct irq_data *d;

		descs[virq + i] = desc[i];
		for (d = &desc[i]->irq_data; d; d = d->parent_data)
			d->irq = virq + i;
	}
	pthread_mutex_unlock(&descs_mutex);
	free(desc);
	return virq;

free:
	while (i--) {
		struct irq_data *d = desc[i] ? desc[i]->irq_data.parent_data : NULL;

		while (d) {
			struct irq_data *next = d->parent_data;

			kfree(d);
			d = next;
		}
		kfree(desc[i]);
	}
	free(desc);
	return ret;
}

static void free_descs(unsigned int virq, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++) {
		struct irq_desc *desc;
		struct irq_data *d;

		pthread_mutex_lock(&descs_mutex);
		desc = descs[virq + i];
		descs[virq + i] = NULL;
		pthread_mutex_unlock(&descs_mutex);
		if (!desc)
			continue;
		d = desc->irq_data.parent_data;
		while (d) {
			struct irq_data *next = d->parent_data;

			kfree(d);
			d = next;
		}
		kfree(desc);
	}
}

int __irq_domain_alloc_irqs(struct irq_domain *domain, int irq_base, unsigned int nr_irqs,
			    int node, void *arg, bool realloc,
			    const struct irq_affinity_desc *affinity)
{
	int virq, ret;

	if (WARN(!domain, "domain is NULL; cannot allocate IRQ\n"))
		return -EINVAL;
	if (WARN(realloc, "irq descriptor reallocation is not modelled\n"))
		return -EINVAL;

	mutex_lock(&irq_domain_mutex);
	virq = alloc_descs(domain, irq_base, nr_irqs);
	if (virq < 0) {
		mutex_unlock(&irq_domain_mutex);
		return virq;
	}
	ret = alloc_hierarchy(domain, virq, nr_irqs, arg);
	if (ret < 0)
		goto free_descs;
	/* irq_domain_trim_hierarchy(): every level must have got a chip */
	for (unsigned int i = 0; i < nr_irqs; i++) {
		for (struct irq_data *d = irq_get_irq_data(virq + i); d; d = d->parent_data) {
			if (!d->chip) {
				ret = -EINVAL;
				free_hierarchy(domain, virq, nr_irqs);
				goto free_descs;
			}
		}
	}
	/* irq_domain_insert_irq() */
	for (unsigned int i = 0; i < nr_irqs; i++) {
		struct irq_desc *desc = irq_to_desc(virq + i);

		for (struct irq_data *d = &desc->irq_data; d; d = d->parent_data)
			d->domain->mapcount++;
		desc->status_use_accessors &= ~IRQ_NOREQUEST;
	}
	mutex_unlock(&irq_domain_mutex);
	return virq;

free_descs:
	free_descs(virq, nr_irqs);
	mutex_unlock(&irq_domain_mutex);
	return ret;
}

void irq_domain_free_irqs(unsigned int virq, unsigned int nr_irqs)
{
	struct irq_data *data = irq_get_irq_data(virq);
	struct irq_domain *domain;

	if (WARN(!data || !data->domain || !data->domain->ops->free,
		 "NULL pointer, cannot free irq\n"))
		return;
	domain = data->domain;

	mutex_lock(&irq_domain_mutex);
	for (unsigned int i = 0; i < nr_irqs; i++) {
		struct irq_desc *desc = irq_to_desc(virq + i);

		if (!desc)
			continue;
		WARN(desc->action, "%s() of IRQ %u, still requested by %s\n", __func__,
		     virq + i, desc->action->name);
		for (struct irq_data *d = &desc->irq_data; d; d = d->parent_data)
			if (d->domain)
				d->domain->mapcount--;
	}
	free_hierarchy(domain, virq, nr_irqs);
	free_descs(virq, nr_irqs);
	mutex_unlock(&irq_domain_mutex);
}

/* ---------------------------------------------------- chip.c, the flow */

static void mask_irq(struct irq_desc *desc)
{
	if (desc->harness_masked)
		return;
	if (desc->irq_data.chip->irq_mask) {
		desc->irq_data.chip->irq_mask(&desc->irq_data);
		desc->harness_masked = true;
	}
}

static void unmask_irq(struct irq_desc *desc)
{
	if (!desc->harness_masked)
		return;
	if (desc->irq_data.chip->irq_unmask) {
		desc->irq_data.chip->irq_unmask(&desc->irq_data);
		desc->harness_masked = false;
	}
}

static void irq_enable_desc(struct irq_desc *desc)
{
	if (!desc->harness_disabled) {
		unmask_irq(desc);
		return;
	}
	desc->harness_disabled = false;
	if (desc->irq_data.chip->irq_enable) {
		desc->irq_data.chip->irq_enable(&desc->irq_data);
		desc->harness_masked = false;
	} else {
		unmask_irq(desc);
	}
}

static void irq_disable_desc(struct irq_desc *desc, bool mask)
{
	if (desc->harness_disabled) {
		if (mask)
			mask_irq(desc);
		return;
	}
	desc->harness_disabled = true;
	if (desc->irq_data.chip->irq_disable) {
		desc->irq_data.chip->irq_disable(&desc->irq_data);
		desc->harness_masked = true;
	} else if (mask) {
		mask_irq(desc);
	}
}

static int do_set_affinity(struct irq_desc *desc, const struct cpumask *mask, bool force)
{
	struct irq_chip *chip = desc->irq_data.chip;
	int ret;

	if (!chip || !chip->irq_set_affinity)
		return -EINVAL;
	ret = chip->irq_set_affinity(&desc->irq_data, mask, force);
	switch (ret) {
	case IRQ_SET_MASK_OK:
	case IRQ_SET_MASK_OK_DONE:
		cpumask_copy(desc->irq_common_data.affinity, mask);
		fallthrough;
	case IRQ_SET_MASK_OK_NOCOPY:
		ret = 0;
		break;
	}
	return ret;
}

static bool try_retrigger(struct irq_desc *desc)
{
	struct irq_chip *chip = desc->irq_data.chip;

	if (chip->irq_retrigger && chip->irq_retrigger(&desc->irq_data))
		return true;
	return irq_chip_retrigger_hierarchy(&desc->irq_data);
}

static void queue_take(unsigned int irq);

/* irq_startup() with IRQ_RESEND: enable, then resend what came meanwhile. */
static void irq_startup_desc(struct irq_desc *desc)
{
	desc->depth = 0;
	if (!desc->harness_started) {
		if (!desc->harness_affinity_set)
			do_set_affinity(desc, cpu_online_mask, false);
		if (desc->irq_data.chip->irq_startup) {
			desc->irq_data.chip->irq_startup(&desc->irq_data);
			desc->harness_disabled = false;
			desc->harness_masked = false;
		} else {
			irq_enable_desc(desc);
		}
		desc->harness_started = true;
	} else {
		irq_enable_desc(desc);
	}
	if (desc->harness_replay) {
		desc->harness_replay = false;
		if (!try_retrigger(desc)) {
			/* irq_sw_resend() */
			__atomic_store_n(&desc->harness_lpi_pending, true, __ATOMIC_SEQ_CST);
			queue_take(desc->irq_data.irq);
		}
	}
}

static void irq_shutdown_desc(struct irq_desc *desc)
{
	if (!desc->harness_started)
		return;
	desc->depth = 1;
	if (desc->irq_data.chip->irq_shutdown) {
		desc->irq_data.chip->irq_shutdown(&desc->irq_data);
		desc->harness_disabled = true;
		desc->harness_masked = true;
	} else {
		irq_disable_desc(desc, true);
	}
	desc->harness_started = false;
}

int irq_chip_set_parent_state(struct irq_data *data, enum irqchip_irq_state which, bool val)
{
	data = data->parent_data;
	if (!data || !data->chip->irq_set_irqchip_state)
		return 0;
	return data->chip->irq_set_irqchip_state(data, which, val);
}

int irq_chip_get_parent_state(struct irq_data *data, enum irqchip_irq_state which,
			      bool *state)
{
	data = data->parent_data;
	if (!data || !data->chip->irq_get_irqchip_state)
		return 0;
	return data->chip->irq_get_irqchip_state(data, which, state);
}

void irq_chip_enable_parent(struct irq_data *data)
{
	data = data->parent_data;
	if (data->chip->irq_enable)
		data->chip->irq_enable(data);
	else
		data->chip->irq_unmask(data);
}

void irq_chip_disable_parent(struct irq_data *data)
{
	data = data->parent_data;
	if (data->chip->irq_disable)
		data->chip->irq_disable(data);
	else
		data->chip->irq_mask(data);
}

void irq_chip_ack_parent(struct irq_data *data)
{
	data = data->parent_data;
	data->chip->irq_ack(data);
}

int irq_chip_retrigger_hierarchy(struct irq_data *data)
{
	for (data = data->parent_data; data; data = data->parent_data)
		if (data->chip && data->chip->irq_retrigger)
			return data->chip->irq_retrigger(data);
	return 0;
}

void irq_chip_mask_parent(struct irq_data *data)
{
	data = data->parent_data;
	data->chip->irq_mask(data);
}

void irq_chip_mask_ack_parent(struct irq_data *data)
{
	data = data->parent_data;
	data->chip->irq_mask_ack(data);
}

void irq_chip_unmask_parent(struct irq_data *data)
{
	data = data->parent_data;
	data->chip->irq_unmask(data);
}

void irq_chip_eoi_parent(struct irq_data *data)
{
	data = data->parent_data;
	data->chip->irq_eoi(data);
}

int irq_chip_set_affinity_parent(struct irq_data *data, const struct cpumask *dest,
				 bool force)
{
	data = data->parent_data;
	if (data->chip->irq_set_affinity)
		return data->chip->irq_set_affinity(data, dest, force);
	return -ENOSYS;
}

int irq_chip_set_wake_parent(struct irq_data *data, unsigned int on)
{
	data = data->parent_data;
	if (data->chip->flags & IRQCHIP_SKIP_SET_WAKE)
		return 0;
	if (data->chip->irq_set_wake)
		return data->chip->irq_set_wake(data, on);
	return -ENOSYS;
}

int irq_chip_set_vcpu_affinity_parent(struct irq_data *data, void *vcpu_info)
{
	data = data->parent_data;
	if (data->chip->irq_set_vcpu_affinity)
		return data->chip->irq_set_vcpu_affinity(data, vcpu_info);
	return -ENOSYS;
}

int irq_chip_set_type_parent(struct irq_data *data, unsigned int type)
{
	data = data->parent_data;
	if (data->chip->irq_set_type)
		return data->chip->irq_set_type(data, type);
	return -ENOSYS;
}

/* --------------------------------------------------------------- manage.c */

int request_threaded_irq(unsigned int irq, irq_handler_t handler,
			 irq_handler_t thread_fn, unsigned long flags,
			 const char *name, void *dev)
{
	struct irqaction *action;
	struct irq_desc *desc;
	unsigned long f;

	might_sleep();
	if (((flags & IRQF_SHARED) && !dev) ||
	    ((flags & IRQF_SHARED) && (flags & IRQF_NO_AUTOEN)))
		return -EINVAL;
	desc = irq_to_desc(irq);
	if (!desc)
		return -EINVAL;
	if (desc->status_use_accessors & (IRQ_NOREQUEST | IRQ_PER_CPU_DEVID))
		return -EINVAL;
	if (!handler)
		return -EINVAL;
	if (thread_fn) {
		vt_fail(__FILE__, __LINE__, "%s(%u): threaded handlers are not modelled",
			__func__, irq);
		return -ENOSYS;
	}

	action = kzalloc_obj(*action);
	if (!action)
		return -ENOMEM;
	*action = (struct irqaction) {
		.handler = handler, .dev_id = dev, .irq = irq, .flags = flags, .name = name,
	};

	if (irq_setup_forced_threading(desc, action)) {
		kfree(action);
		return -ENOMEM;
	}

	raw_spin_lock_irqsave(&desc->lock, f);
	if (desc->action) {
		raw_spin_unlock_irqrestore(&desc->lock, f);
		irq_thread_stop(action);
		if (flags & desc->action->flags & IRQF_SHARED)
			vt_fail(__FILE__, __LINE__, "IRQ %u: shared interrupts are not modelled",
				irq);
		kfree(action);
		return -EBUSY;
	}
	desc->action = action;
	if (flags & IRQF_NOBALANCING)
		desc->status_use_accessors |= IRQ_NO_BALANCING;
	if ((flags & IRQF_NO_AUTOEN) || (desc->status_use_accessors & IRQ_NOAUTOEN))
		desc->depth = 1;
	else
		irq_startup_desc(desc);
	raw_spin_unlock_irqrestore(&desc->lock, f);
	return 0;
}

const void *free_irq(unsigned int irq, void *dev_id)
{
	struct irq_desc *desc = irq_to_desc(irq);
	struct irqaction *action;
	const char *name;
	unsigned long f;

	if (!desc)
		return NULL;
	WARN(in_interrupt(), "Trying to free IRQ %d from IRQ context!\n", irq);
	might_sleep();

	raw_spin_lock_irqsave(&desc->lock, f);
	action = desc->action;
	if (!action || action->dev_id != dev_id) {
		raw_spin_unlock_irqrestore(&desc->lock, f);
		WARN(1, "Trying to free already-free IRQ %d\n", irq);
		return NULL;
	}
	desc->action = NULL;
	desc->status_use_accessors &= ~IRQ_DISABLE_UNLAZY;
	irq_shutdown_desc(desc);
	raw_spin_unlock_irqrestore(&desc->lock, f);

	irq_thread_stop(action);
	name = action->name;
	kfree(action);
	return name;
}

bool irq_has_action(unsigned int irq)
{
	struct irq_desc *desc = irq_to_desc(irq);

	return desc && READ_ONCE(desc->action);
}

void disable_irq_nosync(unsigned int irq)
{
	struct irq_desc *desc = irq_to_desc(irq);
	unsigned long f;

	if (!desc)
		return;
	raw_spin_lock_irqsave(&desc->lock, f);
	if (!desc->depth++)
		irq_disable_desc(desc, desc->status_use_accessors & IRQ_DISABLE_UNLAZY);
	raw_spin_unlock_irqrestore(&desc->lock, f);
}

void synchronize_irq(unsigned int irq)
{
	struct irq_desc *desc = irq_to_desc(irq);
	struct irqaction *action = desc ? READ_ONCE(desc->action) : NULL;

	/* Hard handlers run to completion where they are taken; threads: wait */
	might_sleep();
	if (action && action->thread)
		irq_thread_sync(action->thread);
}

void disable_irq(unsigned int irq)
{
	might_sleep();
	disable_irq_nosync(irq);
	synchronize_irq(irq);
}

void enable_irq(unsigned int irq)
{
	struct irq_desc *desc = irq_to_desc(irq);
	unsigned long f;

	if (!desc)
		return;
	if (WARN(!desc->irq_data.chip, "%s before setup/request_irq: irq %u\n", __func__, irq))
		return;
	raw_spin_lock_irqsave(&desc->lock, f);
	switch (desc->depth) {
	case 0:
		WARN(1, "Unbalanced enable for IRQ %d\n", irq);
		break;
	case 1:
		irq_startup_desc(desc);
		break;
	default:
		desc->depth--;
	}
	raw_spin_unlock_irqrestore(&desc->lock, f);
}

void irq_modify_status(unsigned int irq, unsigned long clr, unsigned long set)
{
	struct irq_desc *desc = irq_to_desc(irq);
	unsigned long f;

	if (!desc)
		return;
	raw_spin_lock_irqsave(&desc->lock, f);
	desc->status_use_accessors = (desc->status_use_accessors & ~clr) | set;
	raw_spin_unlock_irqrestore(&desc->lock, f);
}

static int set_affinity(unsigned int irq, const struct cpumask *mask, bool force)
{
	struct irq_desc *desc = irq_to_desc(irq);
	unsigned long f;
	int ret;

	if (!desc)
		return -EINVAL;
	raw_spin_lock_irqsave(&desc->lock, f);
	ret = do_set_affinity(desc, mask, force);
	if (!ret)
		desc->harness_affinity_set = true;
	/* irq_set_thread_affinity(): the thread moves when it next runs */
	if (!ret && desc->action && desc->action->thread)
		irq_thread_wake(desc->action->thread, IRQTF_AFFINITY);
	raw_spin_unlock_irqrestore(&desc->lock, f);
	return ret;
}

int irq_set_affinity(unsigned int irq, const struct cpumask *cpumask)
{
	return set_affinity(irq, cpumask, false);
}

int irq_force_affinity(unsigned int irq, const struct cpumask *cpumask)
{
	return set_affinity(irq, cpumask, true);
}

/*
 * The level of the hierarchy whose chip handles irqchip state (its get or
 * set callback), as the kernel walks it; *err is set when there is none.
 */
static struct irq_data *irqchip_state_data(struct irq_desc *desc, bool set, int *err)
{
	struct irq_data *d;

	*err = -EINVAL;
	for (d = &desc->irq_data; d; d = d->parent_data) {
		if (WARN_ON_ONCE(!d->chip)) {
			*err = -ENODEV;
			return NULL;
		}
		if (set ? !!d->chip->irq_set_irqchip_state : !!d->chip->irq_get_irqchip_state)
			return d;
	}
	return NULL;
}

int irq_set_irqchip_state(unsigned int irq, enum irqchip_irq_state which, bool val)
{
	struct irq_desc *desc = irq_to_desc(irq);
	struct irq_data *d;
	unsigned long f;
	int err;

	if (!desc)
		return -EINVAL;
	raw_spin_lock_irqsave(&desc->lock, f);
	d = irqchip_state_data(desc, true, &err);
	if (d)
		err = d->chip->irq_set_irqchip_state(d, which, val);
	raw_spin_unlock_irqrestore(&desc->lock, f);
	return err;
}

int irq_get_irqchip_state(unsigned int irq, enum irqchip_irq_state which, bool *state)
{
	struct irq_desc *desc = irq_to_desc(irq);
	struct irq_data *d;
	unsigned long f;
	int err;

	if (!desc)
		return -EINVAL;
	raw_spin_lock_irqsave(&desc->lock, f);
	d = irqchip_state_data(desc, false, &err);
	if (d)
		err = d->chip->irq_get_irqchip_state(d, which, state);
	raw_spin_unlock_irqrestore(&desc->lock, f);
	return err;
}

/* ------------------------------------------------- taking an interrupt */

/* take_nr is read without the mutex (harness_irq_take_pending()): atomics */
static unsigned int take_queue[256];
static int take_nr;
static pthread_mutex_t take_mutex = PTHREAD_MUTEX_INITIALIZER;
static __thread bool taking;

static void queue_take(unsigned int irq)
{
	pthread_mutex_lock(&take_mutex);
	for (int i = 0; i < take_nr; i++) {
		if (take_queue[i] == irq) {
			pthread_mutex_unlock(&take_mutex);
			return;
		}
	}
	if (take_nr < (int)ARRAY_SIZE(take_queue)) {
		take_queue[take_nr] = irq;
		__atomic_store_n(&take_nr, take_nr + 1, __ATOMIC_SEQ_CST);
	} else {
		harness_violation("more than %zu interrupts waiting to be taken",
				  ARRAY_SIZE(take_queue));
	}
	pthread_mutex_unlock(&take_mutex);
}

static int dequeue_take(void)
{
	int irq = -1;

	pthread_mutex_lock(&take_mutex);
	if (take_nr) {
		irq = take_queue[0];
		memmove(take_queue, take_queue + 1, (take_nr - 1) * sizeof(take_queue[0]));
		__atomic_store_n(&take_nr, take_nr - 1, __ATOMIC_SEQ_CST);
	}
	pthread_mutex_unlock(&take_mutex);
	return irq;
}

static struct irq_data *root_data(struct irq_desc *desc)
{
	struct irq_data *d = &desc->irq_data;

	while (d->parent_data)
		d = d->parent_data;
	return d;
}

/* The CPU takes the interrupt: handle_fasteoi_irq() around the handler. */
static void take_one(unsigned int irq)
{
	struct irq_desc *desc = irq_to_desc(irq);
	struct irqaction *action;
	int cpu, held;
	irqreturn_t ret;

	if (!desc)
		return;	/* freed while waiting */
	harness_hardirq_enter();
	raw_spin_lock(&desc->lock);
	if (!__atomic_load_n(&desc->harness_lpi_pending, __ATOMIC_SEQ_CST) ||
	    desc->harness_lpi_masked) {
		/* stays pending in the IRS while masked */
		raw_spin_unlock(&desc->lock);
		harness_hardirq_exit();
		return;
	}
	/* acknowledged: an LPI is edge, the pending state goes */
	__atomic_store_n(&desc->harness_lpi_pending, false, __ATOMIC_SEQ_CST);
	action = desc->action;
	if (!action || desc->harness_disabled) {
		desc->harness_replay = true;
		mask_irq(desc);
		if (!action)
			harness_violation("host LPI %lu (IRQ %u) taken, no handler is requested",
					  root_data(desc)->hwirq, irq);
		goto eoi;
	}
	if (action->thread) {
		/* irq_default_primary_handler(): oneshot mask, wake the thread */
		mask_irq(desc);
		raw_spin_unlock(&desc->lock);
		irq_thread_wake(action->thread, IRQTF_RUNTHREAD);
		raw_spin_lock(&desc->lock);
		goto eoi;
	}
	raw_spin_unlock(&desc->lock);

	cpu = harness_this_cpu();
	harness_set_this_cpu(desc->harness_lpi_cpu);
	/* Counted before the handler: it may let others look at once */
	raw_spin_lock(&desc->lock);
	desc->harness_handled++;
	desc->harness_handled_cpu = desc->harness_lpi_cpu;
	raw_spin_unlock(&desc->lock);
	held = harness_locks_held();
	ret = action->handler(irq, action->dev_id);
	if (harness_locks_held() != held)
		harness_report(HR_LOCKDEP, __FILE__, __LINE__,
			       "handler of IRQ %u (%s) returned with %d lock(s) still held",
			       irq, action->name, harness_locks_held() - held);
	WARN(!harness_irqs_disabled(), "irq %u handler %s enabled interrupts\n", irq,
	     action->name);
	WARN(ret != IRQ_HANDLED && ret != IRQ_NONE, "irq %u handler %s returned %d\n", irq,
	     action->name, ret);
	harness_set_this_cpu(cpu);

	raw_spin_lock(&desc->lock);
eoi:
	if (desc->irq_data.chip->irq_eoi)
		desc->irq_data.chip->irq_eoi(&desc->irq_data);
	raw_spin_unlock(&desc->lock);
	harness_hardirq_exit();
}

static void take_pending_in_thread(void)
{
	harness_irq_take_pending();
}

void harness_irq_take_pending(void)
{
	int irq;

	if (taking || harness_irqs_disabled() || !__atomic_load_n(&take_nr, __ATOMIC_SEQ_CST))
		return;
	taking = true;
	while ((irq = dequeue_take()) >= 0)
		take_one(irq);
	taking = false;
}

/* ---------------------------------------------------- the host LPI domain */

struct lpi_domain {
	u32 first, nr;
	unsigned long *map;
};

static void lpi_mask(struct irq_data *d)
{
	irqd_desc(d)->harness_lpi_masked = true;
}

static void lpi_unmask(struct irq_data *d)
{
	struct irq_desc *desc = irqd_desc(d);

	desc->harness_lpi_masked = false;
	if (__atomic_load_n(&desc->harness_lpi_pending, __ATOMIC_SEQ_CST))
		queue_take(d->irq);
}

static void lpi_eoi(struct irq_data *d)
{
}

static int lpi_set_affinity(struct irq_data *d, const struct cpumask *mask, bool force)
{
	unsigned int cpu = cpumask_first(mask);

	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	irqd_desc(d)->harness_lpi_cpu = cpu;
	cpumask_copy(d->common->effective_affinity, cpumask_of(cpu));
	return IRQ_SET_MASK_OK_DONE;
}

static void lpi_set_pending(struct irq_data *d)
{
	__atomic_store_n(&irqd_desc(d)->harness_lpi_pending, true, __ATOMIC_SEQ_CST);
	queue_take(d->irq);
}

static int lpi_retrigger(struct irq_data *d)
{
	lpi_set_pending(d);
	return 1;
}

static int lpi_get_state(struct irq_data *d, enum irqchip_irq_state which, bool *state)
{
	struct irq_desc *desc = irqd_desc(d);

	switch (which) {
	case IRQCHIP_STATE_PENDING:
		*state = __atomic_load_n(&desc->harness_lpi_pending, __ATOMIC_SEQ_CST);
		return 0;
	case IRQCHIP_STATE_ACTIVE:
		*state = false;	/* handlers run to completion when taken */
		return 0;
	case IRQCHIP_STATE_MASKED:
		*state = desc->harness_lpi_masked;
		return 0;
	default:
		return -EINVAL;
	}
}

static int lpi_set_state(struct irq_data *d, enum irqchip_irq_state which, bool state)
{
	if (which != IRQCHIP_STATE_PENDING)
		return -EINVAL;
	if (state)
		lpi_set_pending(d);
	else
		__atomic_store_n(&irqd_desc(d)->harness_lpi_pending, false, __ATOMIC_SEQ_CST);
	return 0;
}

static const struct irq_chip lpi_chip = {
	.name			= "GICv5-LPI",
	.irq_mask		= lpi_mask,
	.irq_unmask		= lpi_unmask,
	.irq_eoi		= lpi_eoi,
	.irq_set_affinity	= lpi_set_affinity,
	.irq_retrigger		= lpi_retrigger,
	.irq_get_irqchip_state	= lpi_get_state,
	.irq_set_irqchip_state	= lpi_set_state,
	.flags			= IRQCHIP_AFFINITY_PRE_STARTUP | IRQCHIP_SKIP_SET_WAKE,
};

static void lpi_domain_free(struct irq_domain *domain, unsigned int virq, unsigned int nr)
{
	struct lpi_domain *ld = domain->host_data;

	for (unsigned int i = 0; i < nr; i++) {
		struct irq_data *d = irq_domain_get_irq_data(domain, virq + i);

		if (!d || d->chip != &lpi_chip)
			continue;
		clear_bit(d->hwirq - ld->first, ld->map);
		irq_domain_reset_irq_data(d);
	}
}

static int lpi_domain_alloc(struct irq_domain *domain, unsigned int virq, unsigned int nr,
			    void *arg)
{
	struct lpi_domain *ld = domain->host_data;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		unsigned long bit = find_first_zero_bit(ld->map, ld->nr);
		struct irq_desc *desc = irq_to_desc(virq + i);

		if (bit >= ld->nr) {
			lpi_domain_free(domain, virq, i);
			return -ENOSPC;
		}
		set_bit(bit, ld->map);
		irq_domain_set_hwirq_and_chip(domain, virq + i, ld->first + bit, &lpi_chip, NULL);
		/* a fresh LPI: disabled, not pending, targeting CPU 0 */
		desc->harness_lpi_masked = true;
		desc->harness_lpi_pending = false;
		desc->harness_lpi_cpu = 0;
	}
	return 0;
}

static const struct irq_domain_ops lpi_domain_ops = {
	.alloc	= lpi_domain_alloc,
	.free	= lpi_domain_free,
};

struct irq_domain *harness_lpi_domain_create(u32 first_lpi, u32 nr_lpis)
{
	struct lpi_domain *ld = kzalloc_obj(*ld);
	struct irq_domain *d;

	if (!ld)
		return NULL;
	ld->first = first_lpi;
	ld->nr = nr_lpis;
	ld->map = kcalloc(BITS_TO_LONGS(nr_lpis), sizeof(long), GFP_KERNEL);
	d = ld->map ? irq_domain_create_tree(NULL, &lpi_domain_ops, ld) : NULL;
	if (!d) {
		kfree(ld->map);
		kfree(ld);
		return NULL;
	}
	d->name = "GICv5-LPI";
	return d;
}

bool harness_lpi_domain_destroy(struct irq_domain *d)
{
	struct lpi_domain *ld = d->host_data;

	if (d->mapcount)
		return false;
	irq_domain_remove(d);
	kfree(ld->map);
	kfree(ld);
	return true;
}

void harness_lpi_raise(u32 lpi)
{
	struct irq_desc *desc = NULL;
	struct irq_data *d = NULL;

	pthread_mutex_lock(&descs_mutex);
	for (int i = 0; i < NR_IRQS_HARNESS && !desc; i++) {
		if (!descs[i])
			continue;
		d = root_data(descs[i]);
		if (d->chip == &lpi_chip && d->hwirq == lpi)
			desc = descs[i];
	}
	pthread_mutex_unlock(&descs_mutex);
	if (!desc) {
		harness_violation("the IRS raised host LPI %u, which no interrupt owns", lpi);
		return;
	}
	lpi_set_pending(d);
	harness_irq_take_pending();
}
