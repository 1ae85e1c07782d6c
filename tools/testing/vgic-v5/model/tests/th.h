/* SPDX-License-Identifier: GPL-2.0 */
/*
 * th.h - helpers for the model's self-tests: a tiny "driver" that builds
 * tables the way the facts sheet (section 4.5) says, with cache maintenance.
 * Each test runs in its own process, so the helpers keep global state.
 */
#ifndef TH_H
#define TH_H

#include <stdlib.h>
#include <string.h>

#include "gicv5_model.h"
#include "vt.h"

extern struct gm *M;	/* the model of the running test */

/* Create M (caps NULL: defaults). */
struct gm *th_model(const struct gm_caps *caps);
/* Zeroed, naturally aligned (>= 64 bytes), registered and cleaned. */
void *th_alloc(size_t sz);
void th_free(void *p);
/* 64-bit command write then poll its STATUSR (<= 1000 reads). */
bool th_cmd(uint32_t off, uint64_t val);
/* Poll a STATUSR until IDLE; returns the final value or 0 after 1000 reads. */
uint32_t th_poll(uint32_t status_off);
/* CPU view maintenance (no-ops when coherent). */
void th_clean(void *p, size_t len);
void th_inval(void *p, size_t len);
uint64_t th_rd64(void *p);	/* invalidate, then read */
void th_wr64(void *p, uint64_t v);	/* write, then clean+inval */

/* Install a VMT with VM_ID_BITS bits. */
void *th_vmt(unsigned int bits, bool two_level);
/* CPU pointer to the VMTE of vm (two-level: maps the L2 page if needed). */
uint64_t *th_vmte(uint32_t vm);

struct th_vm {
	uint32_t id;
	uint64_t *vmte;
	uint64_t *vpet;
	unsigned int vpe_bits, nvpe;
	void *vped[64];
	void *vmd;
	uint8_t *spi;
	size_t spi_bytes;
	unsigned int spi_bits;
	uint8_t *lpi;
	size_t lpi_bytes;
	unsigned int lpi_bits;
	unsigned int istsz;
	uint8_t *lpi_l2[16];
};

#define TH_VISTR(vm, type)						\
	(GM_CMD_M | GM_FIELD_PREP(GM_CMD_VM_ID_HI, vm) | GM_FIELD_PREP(GM_CMD_TYPE, type))
#define TH_VDPEND(vm, type, id, p)					\
	(((p) ? GM_VDPEND_PENDING : 0) | GM_FIELD_PREP(GM_VDPEND_VM, vm) | GM_INTID(type, id))
#define TH_SELR(vm, vpe)						\
	(GM_VPE_SELR_S | GM_FIELD_PREP(GM_VPE_SELR_VPE_ID, vpe) | (vm))

#define TH_DB_LPI(vm, vpe)	(0x2000u + (vm) * 64 + (vpe))

/*
 * Create VM vm: VPET with 2^vpe_bits entries, nvpe valid VPEs (with doorbell
 * LPI TH_DB_LPI), linear SPI vIST of 2^spi_bits entries (0: none).
 */
struct th_vm *th_vm_create(uint32_t vm, unsigned int vpe_bits, unsigned int nvpe,
			   unsigned int spi_bits);
/* Add a linear (two_level false) or two-level LPI vIST. */
void th_vm_lpi(struct th_vm *v, unsigned int id_bits, bool two_level);
/* Map the L2 table of a two-level LPI vIST covering id. */
void th_vm_lpi_l2(struct th_vm *v, uint32_t id);
/* Make vm non-valid, zero VPETEs, free everything, zero the VMTE. */
void th_vm_destroy(struct th_vm *v);

/* Make vpe resident on cpu; returns the read-back CONTEXTR. */
uint64_t th_resident(int cpu, uint32_t vm, uint32_t vpe);
void th_nonresident(int cpu, bool db, unsigned int dbpm);

/* Configure an interrupt from the guest side (must be resident on cpu). */
void th_guest_cfg(int cpu, unsigned int type, uint32_t id, unsigned int prio, uint32_t iaffid);
/* Pointer (CPU side) to an ISTE. */
uint8_t *th_iste(struct th_vm *v, unsigned int type, uint32_t id);

/* Assert no violation happened; print them otherwise. */
#define TH_NO_VIOL()							\
	do {								\
		int __n = gm_violations(M);				\
		for (int __i = 0; __i < __n; __i++)			\
			vt_diag("violation: %s", gm_violation(M, __i));	\
		VT_ASSERT_EQ(__n, 0);					\
	} while (0)

/* Assert a violation containing s was recorded. */
#define TH_VIOL(s)							\
	do {								\
		const char *__s = (s);					\
		if (gm_find_violation(M, __s) < 0) {			\
			int __n = gm_violations(M);			\
			for (int __i = 0; __i < __n; __i++)		\
				vt_diag("have: %s", gm_violation(M, __i)); \
			vt_fail(__FILE__, __LINE__, "no violation \"%s\"", __s); \
			return;						\
		}							\
	} while (0)

#endif /* TH_H */
