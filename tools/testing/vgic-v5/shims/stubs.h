/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stubs.h - do-nothing stand-ins for kernel facilities the vgic code
 * touches but the harness does not model.
 */
#ifndef __HARNESS_STUBS_H
#define __HARNESS_STUBS_H

/* printk: to stdout only when HARNESS_VERBOSE is set in the environment. */
int harness_printk(const char *fmt, ...) __printf(1, 2);
#define printk			harness_printk
#define pr_err(fmt, ...)	harness_printk(fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	harness_printk(fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)	harness_printk(fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)	harness_printk(fmt, ##__VA_ARGS__)
#define pr_err_ratelimited(fmt, ...)	harness_printk(fmt, ##__VA_ARGS__)
#define pr_warn_once(fmt, ...)	harness_printk(fmt, ##__VA_ARGS__)
#define pr_info_once(fmt, ...)	harness_printk(fmt, ##__VA_ARGS__)
#define KERN_ERR ""
#define KERN_INFO ""
#define KERN_WARNING ""
#define KERN_DEBUG ""
#define FW_BUG "[Firmware Bug]: "

/* Tracepoints: trace_<event>() does nothing. */
#define TP_PROTO(args...)	args
#define TP_ARGS(args...)	args
#define TRACE_EVENT(name, proto, args, struct, assign, print) \
	static inline void trace_##name(proto) { }
#define DECLARE_EVENT_CLASS(name, proto, args, tstruct, assign, print)
#define DEFINE_EVENT(template, name, proto, args) \
	static inline void trace_##name(proto) { }

/*
 * Per-CPU interrupts (the vgic maintenance interrupt) are not modelled: the
 * fake irq layer (custom_irq.h) only has ordinary interrupts.
 */
int request_percpu_irq(unsigned int irq, irq_handler_t handler, const char *devname,
		       void *percpu_dev_id);
#define enable_percpu_irq(irq, type)	((void)(irq))
#define disable_percpu_irq(irq)		((void)(irq))
#define free_percpu_irq(irq, d)		((void)(irq))
#define add_taint(flag, lockdep)	do { } while (0)
#define TAINT_CPU_OUT_OF_SPEC		0
#define LOCKDEP_STILL_OK		0

/*
 * Per-CPU variables: one copy for all CPUs (no user needs more yet; the
 * CPU numbering itself is in custom.h).
 */
#define DEFINE_PER_CPU(type, name)	__typeof__(type) name
#define DECLARE_PER_CPU(type, name)	extern __typeof__(type) name
#define per_cpu_ptr(ptr, cpu)		({ (void)(cpu); (ptr); })
#define per_cpu(var, cpu)		(*per_cpu_ptr(&(var), cpu))
#define this_cpu_ptr(ptr)		(ptr)
#define __this_cpu_read(var)		(var)
#define __this_cpu_write(var, v)	((var) = (v))
#define this_cpu_read(var)		(var)
#define this_cpu_write(var, v)		((var) = (v))

/* Speculation barriers and misc. */
#define barrier_nospec()	do { } while (0)
#define NOKPROBE_SYMBOL(fn)
#define __init_or_module

/*
 * asm/alternative.h: instruction patching does not exist here. An
 * ALTERNATIVE_CB() site (vgic.h's ICH_VTR_EL2 and trap-bit reads) loads the
 * value the callback would have patched in from harness_alt_<callback>,
 * which tests can set.
 */
#define ALTERNATIVE(oldinstr, newinstr, ...)	""
#define ALTERNATIVE_CB(oldinstr, cap, cb)	"movq harness_alt_" #cb "(%%rip), %0\n"
extern u64 harness_alt_kvm_patch_ich_vtr_el2;
extern u64 harness_alt_kvm_compute_ich_hcr_trap_bits;

/*
 * Kernel command line parameters (early_param()) are never parsed here:
 * the handlers are compiled, not registered; a flag keeps its default.
 */
#define early_param(str, fn)						\
	static const struct { const char *name; int (*setup)(char *); }	\
	__harness_param_##fn __maybe_unused = { str, fn }
int kstrtobool(const char *s, bool *res);

#endif
