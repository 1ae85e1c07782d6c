/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libc.h - force-included first in every file of the harness (-include), as
 * the kernel build force-includes compiler_types.h: the C library headers
 * the shims need come before any kernel header, so that the kernel's
 * compiler attributes and helpers take over where both define one.
 */
#ifndef __HARNESS_LIBC_H
#define __HARNESS_LIBC_H
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
/*
 * glibc declares bsearch()'s key nonnull; the kernel's does not, and the
 * vgic passes an MMIO offset as the key (0 for a register at offset 0).
 * Hide glibc's declaration: linux/bsearch.h declares the same function.
 */
#define bsearch __glibc_bsearch
#include <stdlib.h>
#undef bsearch
#include <string.h>
#include <unistd.h>
#undef __CONCAT		/* sys/cdefs.h: linux/args.h has its own */
#undef __always_inline
#undef __attribute_const__
#endif
