/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 "ucall.h" of the selftests for the harness backend: a ucall is
 * the same 8-byte MMIO write to the ucall address, made through the
 * backend's MMIO store instead of an arm64 str.
 */
#ifndef SELFTEST_KVM_UCALL_H
#define SELFTEST_KVM_UCALL_H

#include "kvm_util.h"
#include "../st_guest.h"

#define UCALL_EXIT_REASON       KVM_EXIT_MMIO

extern gva_t *ucall_exit_mmio_addr;

static inline void ucall_arch_do_ucall(gva_t uc)
{
	st_mmio_write((void *)ucall_exit_mmio_addr, 8, uc);
}

#endif
