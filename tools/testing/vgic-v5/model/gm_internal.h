/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gm_internal.h - private state of the GICv5 IRS model. Every gm_* function
 * declared here expects the model lock to be held.
 */
#ifndef GM_INTERNAL_H
#define GM_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>

#include "gicv5_model.h"

#define GM_LINE		64	/* cache line size used for maintenance */
#define GM_MAX_VIOL	4096	/* stored strings; later ones are only counted */
#define GM_MAX_CPUS	64
#define GM_HWU_STAMP	1u	/* value the model writes into ISTE.HWU */
#define GM_MD_STAMP	0x5a	/* value of the metadata bytes it writes */

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct gm_region {
	uintptr_t base;
	size_t len;
	uint8_t *poc;		/* non-coherent: the IRS-side copy */
};

/* An ISTE whose IRS-updated state has not been written back yet. */
struct gm_cached {
	uint32_t id;
	uint32_t word;		/* current IRS view */
	uint32_t memword;	/* memory content when cached (for tamper check) */
};

struct gm_vist {
	bool valid;		/* VALID set by the IRS (kept as a ghost while the VM is invalid) */
	uint64_t desc;		/* the descriptor word as the IRS made it valid */
	uintptr_t base;
	unsigned int istsz, l2sz, id_bits, l2_bits;
	bool two_level;
	size_t table_bytes;	/* linear table or L1 table */
	size_t l1_entries;	/* meaningful L1 entries */
	uint8_t *l1_valid;	/* 0 invalid, 1 set by VMAP_L2_VISTR, 2 preset by software */
	uintptr_t *l2_addr;
	uint8_t *touched;	/* bitmap: ISTEs the model wrote to memory */
	struct gm_cached *cache;
	size_t ncache, cache_cap;
	uint32_t *pend;		/* IDs the IRS knows to be pending */
	size_t npend, pend_cap;
};

struct gm_vpe {
	bool valid;		/* VPETE.VALID set by the IRS (ghost while VM invalid) */
	uintptr_t vped;
	uint64_t dbr;		/* DBV | INTID as programmed */
	bool db_req;		/* doorbell request outstanding */
	unsigned int dbpm;
	uint32_t cr0;
	int cpu;		/* resident CPU or -1 */
	unsigned int pcr;	/* virtual ICC_PCR_EL1 (kept with the vPE) */
	uint32_t apr;		/* active priorities, bit p = priority p */
};

struct gm_vm {
	bool valid;		/* VMTE word 0 VALID set by the IRS */
	bool known;		/* was ever made valid (vpe/vist ghost state meaningful) */
	bool corrupt_reported;
	uint64_t w0, w1;	/* words 0 and 1 as validated (w0 without VALID) */
	uintptr_t vmd, vpet;
	unsigned int vpe_bits;
	struct gm_vpe *vpes;	/* 2^vpe_bits */
	struct gm_vist ist[2];	/* [0] LPI, [1] SPI */
	uint64_t vm_dbr;
};

enum gm_grp { GM_GRP_VMT, GM_GRP_VPE, GM_GRP_VM, GM_GRP_SAVE, GM_GRP_NR };

struct gm_inflight {
	bool busy;
	unsigned int left;	/* STATUSR reads still returning IDLE = 0 */
	uint32_t off;
	uint64_t val;
};

size_t gm_vmt_bytes(bool two_level, unsigned int bits);

struct gm_cpu {
	uint64_t ctx;		/* ICH_CONTEXTR_EL2 read-back value */
	bool resident;
	uint32_t vm, vpe;
	bool irichppidis;
	uint64_t icsr;
};

struct gm {
	pthread_mutex_t lock;
	struct gm_caps caps;
	void *frame;

	/* knobs */
	unsigned int latency;
	unsigned int stuck_after;	/* n + 1: the (n+1)-th command sticks */
	unsigned int drop_after;	/* n + 1: the (n+1)-th command is dropped */
	unsigned int vmap_ignored_after; /* n + 1: the (n+1)-th VMAP does nothing */
	bool stuck, cache_ist, hwu_stamp, quiesce_ok, strict_align;
	int poison;
	void (*db_cb)(void *ctx, uint32_t lpi);
	void *db_ctx;

	/* memory */
	struct gm_region *regions;
	size_t nregions, regions_cap;
	size_t region_hint;	/* gm_region_of()'s last hit */

	/* violations */
	char **viol;
	int nviol, nviol_total;
	int quiet;		/* > 0: queries running, record nothing */

	/* registers */
	uint32_t cr0, cr1, pe_selr, spi_selr, ist_cfgr, vmt_cfgr;
	uint64_t ist_baser, vmt_baser;
	uint64_t vpe_selr;	/* last completed selection */
	bool vpe_sel_valid;
	uint32_t vm_selr;
	bool vm_sel_valid;
	bool save_q;
	struct gm_inflight inflight[GM_GRP_NR];

	/* VMT as installed */
	struct {
		bool valid, two_level;
		uintptr_t base;
		unsigned int bits;
		size_t bytes;		/* linear table or L1 */
		size_t l1_entries;
		uint8_t *l1_valid;
		uintptr_t *l2;
	} vmt;
	struct gm_vm **vms;	/* 2^16 slots, allocated on demand */
	uint32_t vms_end;	/* one past the highest slot ever allocated */

	struct gm_cpu cpu[GM_MAX_CPUS];

	/* doorbells queued for delivery after unlock */
	uint32_t *dbq;
	size_t ndbq, dbq_cap;
	unsigned int db_fired;
};

/* gm_core.c */
void gm_lock(struct gm *m);
void gm_unlock(struct gm *m);
void gm_violate(struct gm *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void *gm_xcalloc(size_t n, size_t sz);
void *gm_grow(void *p, size_t *cap, size_t need, size_t elem);

/* gm_mem.c */
bool gm_mem_ok(struct gm *m, uintptr_t pa, size_t len);
bool gm_rd(struct gm *m, uintptr_t pa, void *buf, size_t len);
bool gm_wr(struct gm *m, uintptr_t pa, const void *buf, size_t len);
bool gm_rd64(struct gm *m, uintptr_t pa, uint64_t *v);
bool gm_wr64(struct gm *m, uintptr_t pa, uint64_t v);
bool gm_rd32(struct gm *m, uintptr_t pa, uint32_t *v);
bool gm_wr32(struct gm *m, uintptr_t pa, uint32_t v);
/* Pointer to the IRS view of [pa, pa+len), or NULL. */
uint8_t *gm_view(struct gm *m, uintptr_t pa, size_t len);
/* check a new table: registered, aligned, no overlap; records violations */
bool gm_table_ok(struct gm *m, const char *what, uintptr_t pa, size_t len, size_t align);

typedef void (*gm_ref_fn)(struct gm *m, uintptr_t base, size_t len, const char *what,
			  void *arg);
void gm_refs_walk(struct gm *m, gm_ref_fn fn, void *arg);
void gm_check_granules(struct gm *m);

/* gm_tables.c */
struct gm_vm *gm_vm_get(struct gm *m, uint32_t vm, bool create);
struct gm_vm *gm_vm_live(struct gm *m, uint32_t vm);	/* valid VM, checked, or NULL */
uintptr_t gm_vmte_pa(struct gm *m, uint32_t vm, const char *ctx);
bool gm_vm_check(struct gm *m, uint32_t vm, struct gm_vm *v);
void gm_cmd_execute(struct gm *m, uint32_t off, uint64_t val);
size_t gm_vist_l2_bytes(const struct gm_vist *v);
void gm_vist_writeback(struct gm *m, uint32_t vmid, struct gm_vist *v, int t);
bool gm_iste_pa(struct gm *m, struct gm_vist *v, uint32_t id, uintptr_t *pa);
bool gm_iste_get(struct gm *m, uint32_t vmid, struct gm_vist *v, int t, uint32_t id,
		 uint32_t *word);
void gm_iste_put(struct gm *m, uint32_t vmid, struct gm_vm *vm, int t, uint32_t id,
		 uint32_t word);
int gm_type_idx(unsigned int type);	/* LPI -> 0, SPI -> 1, else -1 */
void gm_vist_free(struct gm_vist *v);
uint64_t gm_vpe_reg_read(struct gm *m, uint32_t off);

/* gm_cpu.c */
uint64_t gm_hppi(struct gm *m, uint32_t vmid, struct gm_vm *vm, uint32_t vpe,
		 unsigned int limit);
void gm_doorbell_eval(struct gm *m, uint32_t vmid, struct gm_vm *vm, uint32_t vpe);
bool gm_vm_any_resident(struct gm_vm *vm);

#endif /* GM_INTERNAL_H */
