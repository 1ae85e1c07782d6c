/* SPDX-License-Identifier: GPL-2.0 */
/*
 * custom_irq.h - a small generic interrupt layer (kernel/irq/) with the
 * kernel's names, types and signatures (include/linux/irq.h, irqdomain.h,
 * interrupt.h), implemented in custom_irq.c:
 *
 *  - interrupt descriptors and hierarchical irq domains: alloc/free through
 *    the domains' ops as kernel/irq/irqdomain.c does, every level must get
 *    a chip, descriptors, irq_data, actions and domains are accounted
 *    allocations (a leak fails the test, fault injection reaches them);
 *  - request_irq()/free_irq(), enable/disable depth (lazy, or unlazy with
 *    IRQ_DISABLE_UNLAZY), status flags, affinity and irqchip state through
 *    the chip hierarchy, the irq_chip_*_parent() helpers;
 *  - the host GICv5 LPI domain (gicv5_global_data.lpi_domain): its hwirq is
 *    a unique LPI ID, its chip masks, routes (affinity) and latches pending.
 *
 * An LPI raised by the IRS model (a VPE doorbell) goes through the
 * fasteoi flow: pending while masked; if disabled or without a handler it
 * stays pending and is masked (a doorbell nobody requested is a violation);
 * otherwise the handler runs as an interrupt: IRQs disabled, hard irq
 * context, smp_processor_id() = the interrupt's target CPU. It is taken at
 * once if IRQs are enabled on the raising thread, else when they are next
 * enabled. Not modelled: threaded handlers, shared interrupts, per-CPU
 * interrupts (stubs.h), MSIs, fwspec translation.
 */
#ifndef __HARNESS_CUSTOM_IRQ_H
#define __HARNESS_CUSTOM_IRQ_H

/* include/linux/irqreturn.h */
enum irqreturn {
	IRQ_NONE		= (0 << 0),
	IRQ_HANDLED		= (1 << 0),
	IRQ_WAKE_THREAD		= (1 << 1),
};

typedef enum irqreturn irqreturn_t;
typedef irqreturn_t (*irq_handler_t)(int, void *);

/* include/linux/interrupt.h */
#define IRQF_TRIGGER_NONE	0x00000000
#define IRQF_TRIGGER_RISING	0x00000001
#define IRQF_TRIGGER_FALLING	0x00000002
#define IRQF_TRIGGER_HIGH	0x00000004
#define IRQF_TRIGGER_LOW	0x00000008
#define IRQF_SHARED		0x00000080
#define IRQF_PROBE_SHARED	0x00000100
#define IRQF_PERCPU		0x00000400
#define IRQF_NOBALANCING	0x00000800
#define IRQF_IRQPOLL		0x00001000
#define IRQF_ONESHOT		0x00002000
#define IRQF_NO_SUSPEND		0x00004000
#define IRQF_FORCE_RESUME	0x00008000
#define IRQF_NO_THREAD		0x00010000
#define IRQF_EARLY_RESUME	0x00020000
#define IRQF_COND_SUSPEND	0x00040000
#define IRQF_NO_AUTOEN		0x00080000
#define IRQF_NO_DEBUG		0x00100000
#define IRQF_COND_ONESHOT	0x00200000

enum irqchip_irq_state {
	IRQCHIP_STATE_PENDING,		/* Is interrupt pending? */
	IRQCHIP_STATE_ACTIVE,		/* Is interrupt in progress? */
	IRQCHIP_STATE_MASKED,		/* Is interrupt masked? */
	IRQCHIP_STATE_LINE_LEVEL,	/* Is IRQ line high? */
};

/* include/linux/numa.h */
#define NUMA_NO_NODE	(-1)

/* include/linux/irq.h */
enum {
	IRQ_TYPE_NONE		= 0x00000000,
	IRQ_TYPE_EDGE_RISING	= 0x00000001,
	IRQ_TYPE_EDGE_FALLING	= 0x00000002,
	IRQ_TYPE_EDGE_BOTH	= (IRQ_TYPE_EDGE_FALLING | IRQ_TYPE_EDGE_RISING),
	IRQ_TYPE_LEVEL_HIGH	= 0x00000004,
	IRQ_TYPE_LEVEL_LOW	= 0x00000008,
	IRQ_TYPE_LEVEL_MASK	= (IRQ_TYPE_LEVEL_LOW | IRQ_TYPE_LEVEL_HIGH),
	IRQ_TYPE_SENSE_MASK	= 0x0000000f,
	IRQ_TYPE_DEFAULT	= IRQ_TYPE_SENSE_MASK,
	IRQ_TYPE_PROBE		= 0x00000010,
	IRQ_LEVEL		= (1 <<  8),
	IRQ_PER_CPU		= (1 <<  9),
	IRQ_NOPROBE		= (1 << 10),
	IRQ_NOREQUEST		= (1 << 11),
	IRQ_NOAUTOEN		= (1 << 12),
	IRQ_NO_BALANCING	= (1 << 13),
	IRQ_NESTED_THREAD	= (1 << 15),
	IRQ_NOTHREAD		= (1 << 16),
	IRQ_PER_CPU_DEVID	= (1 << 17),
	IRQ_IS_POLLED		= (1 << 18),
	IRQ_DISABLE_UNLAZY	= (1 << 19),
	IRQ_HIDDEN		= (1 << 20),
	IRQ_NO_DEBUG		= (1 << 21),
	IRQ_RESERVED		= (1 << 22),
};

enum {
	IRQ_SET_MASK_OK = 0,
	IRQ_SET_MASK_OK_NOCOPY,
	IRQ_SET_MASK_OK_DONE,
};

enum {
	IRQCHIP_SET_TYPE_MASKED			= (1 <<  0),
	IRQCHIP_EOI_IF_HANDLED			= (1 <<  1),
	IRQCHIP_MASK_ON_SUSPEND			= (1 <<  2),
	IRQCHIP_ONOFFLINE_ENABLED		= (1 <<  3),
	IRQCHIP_SKIP_SET_WAKE			= (1 <<  4),
	IRQCHIP_ONESHOT_SAFE			= (1 <<  5),
	IRQCHIP_EOI_THREADED			= (1 <<  6),
	IRQCHIP_SUPPORTS_LEVEL_MSI		= (1 <<  7),
	IRQCHIP_SUPPORTS_NMI			= (1 <<  8),
	IRQCHIP_ENABLE_WAKEUP_ON_SUSPEND	= (1 <<  9),
	IRQCHIP_AFFINITY_PRE_STARTUP		= (1 << 10),
	IRQCHIP_IMMUTABLE			= (1 << 11),
	IRQCHIP_MOVE_DEFERRED			= (1 << 12),
};

typedef struct cpumask cpumask_var_t[1];
#define alloc_cpumask_var(m, g)		({ (void)(g); cpumask_clear(*(m)); true; })
#define zalloc_cpumask_var(m, g)	alloc_cpumask_var(m, g)
#define free_cpumask_var(m)		((void)(m))

struct irq_desc;
struct irq_domain;
struct irq_chip;
struct msi_desc;
struct msi_msg;
struct seq_file;
struct device_node;
struct fwnode_handle;
struct irq_fwspec;
struct irq_fwspec_info;
struct irq_affinity_desc;

typedef void (*irq_flow_handler_t)(struct irq_desc *desc);

struct irq_common_data {
	unsigned int		state_use_accessors;
	void			*handler_data;
	struct msi_desc		*msi_desc;
	cpumask_var_t		affinity;
	cpumask_var_t		effective_affinity;
};

struct irq_data {
	u32			mask;
	unsigned int		irq;
	irq_hw_number_t		hwirq;
	struct irq_common_data	*common;
	struct irq_chip		*chip;
	struct irq_domain	*domain;
	struct irq_data		*parent_data;
	void			*chip_data;
};

struct irq_chip {
	const char	*name;
	unsigned int	(*irq_startup)(struct irq_data *data);
	void		(*irq_shutdown)(struct irq_data *data);
	void		(*irq_enable)(struct irq_data *data);
	void		(*irq_disable)(struct irq_data *data);

	void		(*irq_ack)(struct irq_data *data);
	void		(*irq_mask)(struct irq_data *data);
	void		(*irq_mask_ack)(struct irq_data *data);
	void		(*irq_unmask)(struct irq_data *data);
	void		(*irq_eoi)(struct irq_data *data);

	int		(*irq_set_affinity)(struct irq_data *data, const struct cpumask *dest,
					    bool force);
	void		(*irq_pre_redirect)(struct irq_data *data);
	int		(*irq_retrigger)(struct irq_data *data);
	int		(*irq_set_type)(struct irq_data *data, unsigned int flow_type);
	int		(*irq_set_wake)(struct irq_data *data, unsigned int on);

	void		(*irq_bus_lock)(struct irq_data *data);
	void		(*irq_bus_sync_unlock)(struct irq_data *data);

	void		(*irq_suspend)(struct irq_data *data);
	void		(*irq_resume)(struct irq_data *data);
	void		(*irq_pm_shutdown)(struct irq_data *data);

	void		(*irq_calc_mask)(struct irq_data *data);

	void		(*irq_print_chip)(struct irq_data *data, struct seq_file *p);
	int		(*irq_request_resources)(struct irq_data *data);
	void		(*irq_release_resources)(struct irq_data *data);

	void		(*irq_compose_msi_msg)(struct irq_data *data, struct msi_msg *msg);
	void		(*irq_write_msi_msg)(struct irq_data *data, struct msi_msg *msg);

	int		(*irq_get_irqchip_state)(struct irq_data *data,
						 enum irqchip_irq_state which, bool *state);
	int		(*irq_set_irqchip_state)(struct irq_data *data,
						 enum irqchip_irq_state which, bool state);

	int		(*irq_set_vcpu_affinity)(struct irq_data *data, void *vcpu_info);

	void		(*ipi_send_single)(struct irq_data *data, unsigned int cpu);
	void		(*ipi_send_mask)(struct irq_data *data, const struct cpumask *dest);

	int		(*irq_nmi_setup)(struct irq_data *data);
	void		(*irq_nmi_teardown)(struct irq_data *data);

	void		(*irq_force_complete_move)(struct irq_data *data);

	unsigned long	flags;
};

struct irqaction {
	irq_handler_t		handler;
	void			*dev_id;
	struct irqaction	*next;
	irq_handler_t		thread_fn;
	struct harness_irq_thread *thread;	/* forced threading (threadirqs) */
	unsigned int		irq;
	unsigned int		flags;
	const char		*name;
};

/*
 * The descriptor: the kernel's field names where the kernel has them; the
 * harness_* fields are the fake's own (the LPI state of the root level).
 */
struct irq_desc {
	struct irq_common_data	irq_common_data;
	struct irq_data		irq_data;
	irq_flow_handler_t	handle_irq;
	struct irqaction	*action;
	unsigned int		status_use_accessors;
	unsigned int		depth;		/* nested irq disables */
	raw_spinlock_t		lock;
	bool			harness_started;	/* IRQD_IRQ_STARTED */
	bool			harness_affinity_set;	/* IRQD_AFFINITY_SET */
	bool			harness_disabled;	/* IRQD_IRQ_DISABLED */
	bool			harness_masked;		/* IRQD_IRQ_MASKED */
	bool			harness_replay;		/* IRQS_PENDING */
	bool			harness_lpi_pending;	/* root LPI pending in the IRS */
	bool			harness_lpi_masked;	/* root LPI disabled in the IRS */
	int			harness_lpi_cpu;	/* root LPI target CPU */
	unsigned long		harness_handled;	/* handler invocations */
	int			harness_handled_cpu;	/* CPU of the last one */
};

/* include/linux/irqdomain_defs.h */
enum irq_domain_bus_token {
	DOMAIN_BUS_ANY		= 0,
	DOMAIN_BUS_WIRED,
	DOMAIN_BUS_GENERIC_MSI,
	DOMAIN_BUS_PCI_MSI,
	DOMAIN_BUS_PLATFORM_MSI,
	DOMAIN_BUS_NEXUS,
};

/* include/linux/irqdomain.h */
struct irq_domain_ops {
	int	(*match)(struct irq_domain *d, struct device_node *node,
			 enum irq_domain_bus_token bus_token);
	int	(*select)(struct irq_domain *d, struct irq_fwspec *fwspec,
			  enum irq_domain_bus_token bus_token);
	int	(*map)(struct irq_domain *d, unsigned int virq, irq_hw_number_t hw);
	void	(*unmap)(struct irq_domain *d, unsigned int virq);
	int	(*xlate)(struct irq_domain *d, struct device_node *node,
			 const u32 *intspec, unsigned int intsize,
			 unsigned long *out_hwirq, unsigned int *out_type);
	int	(*alloc)(struct irq_domain *d, unsigned int virq,
			 unsigned int nr_irqs, void *arg);
	void	(*free)(struct irq_domain *d, unsigned int virq,
			unsigned int nr_irqs);
	int	(*activate)(struct irq_domain *d, struct irq_data *irqd, bool reserve);
	void	(*deactivate)(struct irq_domain *d, struct irq_data *irq_data);
	int	(*translate)(struct irq_domain *d, struct irq_fwspec *fwspec,
			     unsigned long *out_hwirq, unsigned int *out_type);
	int	(*get_fwspec_info)(struct irq_fwspec *fwspec, struct irq_fwspec_info *info);
};

enum {
	IRQ_DOMAIN_FLAG_HIERARCHY	= (1 << 0),
	IRQ_DOMAIN_FLAG_IPI_PER_CPU	= (1 << 2),
	IRQ_DOMAIN_FLAG_IPI_SINGLE	= (1 << 3),
	IRQ_DOMAIN_FLAG_MSI		= (1 << 4),
	IRQ_DOMAIN_FLAG_ISOLATED_MSI	= (1 << 5),
	IRQ_DOMAIN_FLAG_NO_MAP		= (1 << 6),
	IRQ_DOMAIN_FLAG_MSI_PARENT	= (1 << 8),
	IRQ_DOMAIN_FLAG_MSI_DEVICE	= (1 << 9),
	IRQ_DOMAIN_FLAG_DESTROY_GC	= (1 << 10),
	IRQ_DOMAIN_FLAG_MSI_IMMUTABLE	= (1 << 11),
	IRQ_DOMAIN_FLAG_FWNODE_PARENT	= (1 << 12),
	IRQ_DOMAIN_FLAG_NONCORE		= (1 << 16),
};

struct irq_domain {
	const char			*name;
	const struct irq_domain_ops	*ops;
	void				*host_data;
	unsigned int			flags;
	unsigned int			mapcount;	/* live irq_data of this domain */
	struct irq_domain		*root;
	struct fwnode_handle		*fwnode;
	enum irq_domain_bus_token	bus_token;
	struct irq_domain		*parent;
	irq_hw_number_t			hwirq_max;
};

struct irq_domain *irq_domain_create_tree(struct fwnode_handle *fwnode,
					  const struct irq_domain_ops *ops,
					  void *host_data);
struct irq_domain *irq_domain_create_linear(struct fwnode_handle *fwnode,
					    unsigned int size,
					    const struct irq_domain_ops *ops,
					    void *host_data);
struct irq_domain *irq_domain_create_hierarchy(struct irq_domain *parent,
					       unsigned int flags, unsigned int size,
					       struct fwnode_handle *fwnode,
					       const struct irq_domain_ops *ops,
					       void *host_data);
void irq_domain_remove(struct irq_domain *domain);

static inline void irq_domain_update_bus_token(struct irq_domain *domain,
					       enum irq_domain_bus_token bus_token)
{
	domain->bus_token = bus_token;
}

static inline bool irq_domain_is_hierarchy(struct irq_domain *domain)
{
	return domain->flags & IRQ_DOMAIN_FLAG_HIERARCHY;
}

int __irq_domain_alloc_irqs(struct irq_domain *domain, int irq_base, unsigned int nr_irqs,
			    int node, void *arg, bool realloc,
			    const struct irq_affinity_desc *affinity);
void irq_domain_free_irqs(unsigned int virq, unsigned int nr_irqs);

static inline int irq_domain_alloc_irqs(struct irq_domain *domain, unsigned int nr_irqs,
					int node, void *arg)
{
	return __irq_domain_alloc_irqs(domain, -1, nr_irqs, node, arg, false, NULL);
}

struct irq_data *irq_domain_get_irq_data(struct irq_domain *domain, unsigned int virq);
void irq_domain_set_info(struct irq_domain *domain, unsigned int virq, irq_hw_number_t hwirq,
			 const struct irq_chip *chip, void *chip_data, irq_flow_handler_t handler,
			 void *handler_data, const char *handler_name);
void irq_domain_reset_irq_data(struct irq_data *irq_data);
int irq_domain_set_hwirq_and_chip(struct irq_domain *domain, unsigned int virq,
				  irq_hw_number_t hwirq, const struct irq_chip *chip,
				  void *chip_data);
void irq_domain_free_irqs_common(struct irq_domain *domain, unsigned int virq,
				 unsigned int nr_irqs);
void irq_domain_free_irqs_top(struct irq_domain *domain, unsigned int virq,
			      unsigned int nr_irqs);
int irq_domain_alloc_irqs_parent(struct irq_domain *domain, unsigned int irq_base,
				 unsigned int nr_irqs, void *arg);
void irq_domain_free_irqs_parent(struct irq_domain *domain, unsigned int irq_base,
				 unsigned int nr_irqs);

/* Flow handlers: stored only, every interrupt takes the fasteoi flow. */
void handle_fasteoi_irq(struct irq_desc *desc);
void handle_edge_irq(struct irq_desc *desc);
void handle_level_irq(struct irq_desc *desc);
void handle_simple_irq(struct irq_desc *desc);
void handle_bad_irq(struct irq_desc *desc);

/* Descriptors and irq_data accessors */
struct irq_desc *irq_to_desc(unsigned int irq);
struct irq_data *irq_get_irq_data(unsigned int irq);
#define irq_desc_get_irq_data(desc)	(&(desc)->irq_data)
#define irq_desc_get_chip(desc)		((desc)->irq_data.chip)
#define irq_desc_get_handler_data(desc)	((desc)->irq_common_data.handler_data)

static inline irq_hw_number_t irqd_to_hwirq(struct irq_data *d)
{
	return d->hwirq;
}

static inline struct irq_chip *irq_data_get_irq_chip(struct irq_data *d)
{
	return d->chip;
}

static inline void *irq_data_get_irq_chip_data(struct irq_data *d)
{
	return d->chip_data;
}

static inline void *irq_data_get_irq_handler_data(struct irq_data *d)
{
	return d->common->handler_data;
}

static inline struct cpumask *irq_data_get_affinity_mask(struct irq_data *d)
{
	return d->common->affinity;
}

static inline struct cpumask *irq_data_get_effective_affinity_mask(struct irq_data *d)
{
	return d->common->effective_affinity;
}

static inline const struct cpumask *irq_get_effective_affinity_mask(unsigned int irq)
{
	struct irq_data *d = irq_get_irq_data(irq);

	return d ? irq_data_get_effective_affinity_mask(d) : NULL;
}

static inline struct irq_chip *irq_get_chip(unsigned int irq)
{
	struct irq_data *d = irq_get_irq_data(irq);

	return d ? d->chip : NULL;
}

static inline void *irq_get_chip_data(unsigned int irq)
{
	struct irq_data *d = irq_get_irq_data(irq);

	return d ? d->chip_data : NULL;
}

static inline void *irq_get_handler_data(unsigned int irq)
{
	struct irq_data *d = irq_get_irq_data(irq);

	return d ? d->common->handler_data : NULL;
}

int irq_set_chip_data(unsigned int irq, void *data);
int irq_set_handler_data(unsigned int irq, void *data);
void irq_set_handler(unsigned int irq, irq_flow_handler_t handle);
bool irqd_irq_disabled(struct irq_data *d);
bool irqd_irq_masked(struct irq_data *d);

void irq_modify_status(unsigned int irq, unsigned long clr, unsigned long set);

static inline void irq_set_status_flags(unsigned int irq, unsigned long set)
{
	irq_modify_status(irq, 0, set);
}

static inline void irq_clear_status_flags(unsigned int irq, unsigned long clr)
{
	irq_modify_status(irq, clr, 0);
}

static inline void irq_set_noprobe(unsigned int irq)
{
	irq_modify_status(irq, 0, IRQ_NOPROBE);
}

static inline void irq_set_probe(unsigned int irq)
{
	irq_modify_status(irq, IRQ_NOPROBE, 0);
}

/* Handlers */
int __must_check request_threaded_irq(unsigned int irq, irq_handler_t handler,
				      irq_handler_t thread_fn, unsigned long flags,
				      const char *name, void *dev);

static inline int __must_check
request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags,
	    const char *name, void *dev)
{
	return request_threaded_irq(irq, handler, NULL, flags | IRQF_COND_ONESHOT, name, dev);
}

const void *free_irq(unsigned int irq, void *dev_id);
bool irq_has_action(unsigned int irq);
void disable_irq_nosync(unsigned int irq);
void disable_irq(unsigned int irq);
void enable_irq(unsigned int irq);
void synchronize_irq(unsigned int irq);
int irq_set_affinity(unsigned int irq, const struct cpumask *cpumask);
int irq_force_affinity(unsigned int irq, const struct cpumask *cpumask);
int irq_set_irqchip_state(unsigned int irq, enum irqchip_irq_state which, bool val);
int irq_get_irqchip_state(unsigned int irq, enum irqchip_irq_state which, bool *state);

/* Chip helpers for hierarchies (kernel/irq/chip.c) */
int irq_chip_set_parent_state(struct irq_data *data, enum irqchip_irq_state which, bool val);
int irq_chip_get_parent_state(struct irq_data *data, enum irqchip_irq_state which,
			      bool *state);
void irq_chip_enable_parent(struct irq_data *data);
void irq_chip_disable_parent(struct irq_data *data);
void irq_chip_ack_parent(struct irq_data *data);
int irq_chip_retrigger_hierarchy(struct irq_data *data);
void irq_chip_mask_parent(struct irq_data *data);
void irq_chip_mask_ack_parent(struct irq_data *data);
void irq_chip_unmask_parent(struct irq_data *data);
void irq_chip_eoi_parent(struct irq_data *data);
int irq_chip_set_affinity_parent(struct irq_data *data, const struct cpumask *dest,
				 bool force);
int irq_chip_set_wake_parent(struct irq_data *data, unsigned int on);
int irq_chip_set_vcpu_affinity_parent(struct irq_data *data, void *vcpu_info);
int irq_chip_set_type_parent(struct irq_data *data, unsigned int type);

/* ----------------------------------------------------------- harness side */

/*
 * threadirqs / PREEMPT_RT: from now on, request_irq() without
 * IRQF_NO_THREAD, IRQF_PERCPU or IRQF_ONESHOT force-threads the handler as
 * irq_setup_forced_threading() does: the hard IRQ masks the line (oneshot)
 * and wakes the irq thread (a pthread, on the IRQ's effective affinity CPU),
 * which runs the handler with IRQs disabled, then unmasks.
 * irq_set_affinity() of such an IRQ wakes its thread (IRQTF_AFFINITY):
 * done under the runqueue lock, that is a report.
 */
void harness_irq_force_threading(bool on);
/* The CPU the last handler invocation of irq ran on (-1: none yet). */
int harness_irq_handled_cpu(unsigned int irq);

/*
 * The host LPI domain: a root domain handing out LPI IDs first_lpi ..
 * first_lpi + nr_lpis - 1. Destroying it fails (false, nothing freed) while
 * it has interrupts.
 */
struct irq_domain *harness_lpi_domain_create(u32 first_lpi, u32 nr_lpis);
bool harness_lpi_domain_destroy(struct irq_domain *d);
/* The IRS raises host LPI lpi (the model's doorbell callback). */
void harness_lpi_raise(u32 lpi);
/* Take the interrupts that wait for this thread to enable IRQs. */
void harness_irq_take_pending(void);
/* Handler invocations of an interrupt so far. */
unsigned long harness_irq_handled(unsigned int irq);

#endif
