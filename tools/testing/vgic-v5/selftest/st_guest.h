/* SPDX-License-Identifier: GPL-2.0 */
/*
 * st_guest.h - what a selftest's guest code does on a CPU, in the harness
 * backend: the instructions the arm64 headers emit as inline assembly
 * (system registers and instructions, MMIO loads and stores, DAIF, WFI,
 * barriers) are calls into the backend (st_backend.c), made on the vCPU's
 * guest thread and carried out by the vCPU thread in KVM_RUN.
 */
#ifndef __ST_GUEST_H
#define __ST_GUEST_H

#include <stdint.h>

uint64_t st_read_sysreg(uint32_t encoding);
void st_write_sysreg(uint32_t encoding, uint64_t val);
/* Registers named in the source (read_sysreg(CurrentEL)): by name */
uint64_t st_read_sysreg_named(const char *name);
void st_write_sysreg_named(const char *name, uint64_t val);
uint64_t st_mmio_read(const void *addr, int len);
void st_mmio_write(void *addr, int len, uint64_t val);
void st_local_irq(int enable);
void st_barrier(void);

#endif
