/* SPDX-License-Identifier: GPL-2.0 */
/* stubs: no modules in userland. */
#ifndef _LINUX_EXPORT_H
#define _LINUX_EXPORT_H
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL_NS_GPL(sym, ns)
#define EXPORT_SYMBOL_FOR_MODULES(sym, mods)
#define EXPORT_SYMBOL_FOR_KVM(sym)
#define THIS_MODULE ((void *)0)
#endif
