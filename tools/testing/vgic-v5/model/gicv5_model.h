/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gicv5_model.h - a userland software model of one host GICv5 IRS (its
 * CONFIG_FRAME with the virtualization registers, the in-memory VM/VPE/IST
 * tables) and of the GICv5 CPU-interface virtualization features
 * (ICH_CONTEXTR_EL2, VPE doorbells, GIC VDPEND, the guest GIC CD* / CDIA
 * instructions of a resident vPE).
 *
 * The model is written only from the project's GICv5 facts sheet
 * (/work/shared/gicv5-facts.md). Section numbers in comments refer to it.
 *
 * Conventions:
 *  - Physical addresses are identity mapped: PA == (uintptr_t)host pointer.
 *  - The model only dereferences memory that the harness has registered
 *    with gm_mem_add(). A table address outside registered memory is a
 *    recorded violation, never a crash.
 *  - Everything the real hardware would reject, or leave UNPREDICTABLE, is
 *    recorded as a "violation": a human-readable string, see gm_violation().
 *  - All entry points are thread safe (one mutex per model). The doorbell
 *    callback is called with the model unlocked, so it may call back in.
 */
#ifndef GICV5_MODEL_H
#define GICV5_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------ */
/* Bit helpers (own prefix: no kernel headers).                             */

#define GM_BIT(n)		(1ULL << (n))
#define GM_GENMASK(h, l)	((~0ULL >> (63 - (h))) & (~0ULL << (l)))
#define GM_FIELD_GET(mask, v)	(((uint64_t)(v) & (mask)) >> __builtin_ctzll(mask))
#define GM_FIELD_PREP(mask, v)	(((uint64_t)(v) << __builtin_ctzll(mask)) & (mask))

/* ------------------------------------------------------------------------ */
/* INTID (section 1.1)                                                      */

#define GM_INTID_TYPE		GM_GENMASK(31, 29)
#define GM_INTID_ID		GM_GENMASK(23, 0)
#define GM_TYPE_PPI		1
#define GM_TYPE_LPI		2
#define GM_TYPE_SPI		3
#define GM_INTID(type, id)	(GM_FIELD_PREP(GM_INTID_TYPE, type) | ((id) & GM_INTID_ID))

/* ------------------------------------------------------------------------ */
/* CONFIG_FRAME register offsets (sections 2.2 and 4.4)                     */

#define GM_FRAME_SIZE		0x10000

#define GM_IRS_IDR0		0x000
#define GM_IRS_IDR1		0x004
#define GM_IRS_IDR2		0x008
#define GM_IRS_IDR3		0x00c
#define GM_IRS_IDR4		0x010
#define GM_IRS_IDR5		0x014
#define GM_IRS_IDR6		0x018
#define GM_IRS_IDR7		0x01c
#define GM_IRS_IIDR		0x040
#define GM_IRS_AIDR		0x044
#define GM_IRS_CR0		0x080
#define GM_IRS_CR1		0x084
#define GM_IRS_SYNCR		0x0c0
#define GM_IRS_SYNC_STATUSR	0x0c4
#define GM_IRS_SPI_VMR		0x100
#define GM_IRS_SPI_SELR		0x108
#define GM_IRS_SPI_DOMAINR	0x10c
#define GM_IRS_SPI_RESAMPLER	0x110
#define GM_IRS_SPI_CFGR		0x114
#define GM_IRS_SPI_STATUSR	0x118
#define GM_IRS_PE_SELR		0x140
#define GM_IRS_PE_STATUSR	0x144
#define GM_IRS_PE_CR0		0x148
#define GM_IRS_IST_BASER	0x180
#define GM_IRS_IST_CFGR		0x190
#define GM_IRS_IST_STATUSR	0x194
#define GM_IRS_MAP_L2_ISTR	0x1c0
#define GM_IRS_VMT_BASER	0x200
#define GM_IRS_VMT_CFGR		0x210
#define GM_IRS_VMT_STATUSR	0x214
#define GM_IRS_VPE_SELR		0x240
#define GM_IRS_VPE_DBR		0x248
#define GM_IRS_VPE_HPPIR	0x250
#define GM_IRS_VPE_CR0		0x258
#define GM_IRS_VPE_STATUSR	0x25c
#define GM_IRS_VM_DBR		0x280
#define GM_IRS_VM_SELR		0x288
#define GM_IRS_VM_STATUSR	0x28c
#define GM_IRS_VMAP_L2_VMTR	0x2c0
#define GM_IRS_VMAP_VMR		0x2c8
#define GM_IRS_VMAP_VISTR	0x2d0
#define GM_IRS_VMAP_L2_VISTR	0x2d8
#define GM_IRS_VMAP_VPER	0x2e0
#define GM_IRS_SAVE_VMR		0x300
#define GM_IRS_SAVE_VM_STATUSR	0x308
#define GM_IRS_MEC_IDR		0x340
#define GM_IRS_MEC_MECID_R	0x344
#define GM_IRS_MPAM_IDR		0x380
#define GM_IRS_MPAM_PARTID_R	0x384
#define GM_IRS_SWERR_STATUSR	0x3c0
#define GM_IRS_SWERR_SYNDROMER0	0x3c8
#define GM_IRS_SWERR_SYNDROMER1	0x3d0
#define GM_IRS_DEVARCH		0xffbc
#define GM_IRS_PIDR4		0xffd0
#define GM_IRS_PIDR0		0xffe0
#define GM_IRS_CIDR0		0xfff0

/* IDR fields */
#define GM_IDR0_IRSID		GM_GENMASK(31, 16)
#define GM_IDR0_SWE		GM_BIT(12)
#define GM_IDR0_MPAM		GM_BIT(11)
#define GM_IDR0_MEC		GM_BIT(10)
#define GM_IDR0_SETLPI		GM_BIT(9)
#define GM_IDR0_VIRT_ONE_N	GM_BIT(8)
#define GM_IDR0_ONE_N		GM_BIT(7)
#define GM_IDR0_VIRT		GM_BIT(6)
#define GM_IDR0_PA_RANGE	GM_GENMASK(5, 2)
#define GM_IDR0_INT_DOM		GM_GENMASK(1, 0)
#define GM_IDR1_PRIORITY_BITS	GM_GENMASK(22, 20)
#define GM_IDR1_IAFFID_BITS	GM_GENMASK(19, 16)
#define GM_IDR1_PE_CNT		GM_GENMASK(15, 0)
#define GM_IDR2_ISTMD_SZ	GM_GENMASK(19, 15)
#define GM_IDR2_ISTMD		GM_BIT(14)
#define GM_IDR2_IST_L2SZ	GM_GENMASK(13, 11)
#define GM_IDR2_IST_LEVELS	GM_BIT(10)
#define GM_IDR2_MIN_LPI_ID_BITS	GM_GENMASK(9, 6)
#define GM_IDR2_LPI		GM_BIT(5)
#define GM_IDR2_ID_BITS		GM_GENMASK(4, 0)
#define GM_IDR3_VMT_LEVELS	GM_BIT(10)
#define GM_IDR3_VM_ID_BITS	GM_GENMASK(9, 5)
#define GM_IDR3_VMD_SZ		GM_GENMASK(4, 1)
#define GM_IDR3_VMD		GM_BIT(0)
#define GM_IDR4_VPE_ID_BITS	GM_GENMASK(9, 6)
#define GM_IDR4_VPED_SZ		GM_GENMASK(5, 0)
#define GM_IDR5_SPI_RANGE	GM_GENMASK(24, 0)
#define GM_IDR6_SPI_IRS_RANGE	GM_GENMASK(24, 0)
#define GM_IDR7_SPI_BASE	GM_GENMASK(23, 0)

#define GM_CR0_IDLE		GM_BIT(1)
#define GM_CR0_IRSEN		GM_BIT(0)
#define GM_SYNCR_SYNC		GM_BIT(31)
#define GM_STATUSR_IDLE		GM_BIT(0)	/* every *_STATUSR */
#define GM_STATUSR_V		GM_BIT(1)	/* VPE_, VM_, PE_, SPI_STATUSR */
#define GM_PE_STATUSR_ONLINE	GM_BIT(2)
#define GM_SAVE_VM_STATUSR_Q	GM_BIT(1)

/* Host LPI IST registers (stored only, see README) */
#define GM_IST_BASER_ADDR	GM_GENMASK(55, 6)
#define GM_IST_BASER_VALID	GM_BIT(0)

/* VMT_BASER / VMT_CFGR (section 4.4) */
#define GM_VMT_BASER_ADDR	GM_GENMASK(55, 3)
#define GM_VMT_BASER_VALID	GM_BIT(0)
#define GM_VMT_CFGR_STRUCTURE	GM_BIT(16)
#define GM_VMT_CFGR_VM_ID_BITS	GM_GENMASK(4, 0)

/* Command fields. VM_ID is in [15:0] or [47:32] depending on the command. */
#define GM_CMD_M		GM_BIT(63)
#define GM_CMD_U		GM_BIT(62)
#define GM_CMD_VM_ID_LO		GM_GENMASK(15, 0)	/* L2_VMTR, VMR, SAVE, VPE_SELR */
#define GM_CMD_VM_ID_HI		GM_GENMASK(47, 32)	/* VISTR, L2_VISTR, VPER */
#define GM_CMD_TYPE		GM_GENMASK(31, 29)
#define GM_CMD_ID		GM_GENMASK(23, 0)
#define GM_VMAP_VPER_VPE_ID	GM_GENMASK(15, 0)
#define GM_VPE_SELR_S		GM_BIT(63)
#define GM_VPE_SELR_VPE_ID	GM_GENMASK(47, 32)
#define GM_VPE_SELR_VM_ID	GM_GENMASK(15, 0)
#define GM_VPE_DBR_DBV		GM_BIT(63)
#define GM_VPE_DBR_REQ_DB	GM_BIT(62)
#define GM_VPE_DBR_DBPM		GM_GENMASK(36, 32)
#define GM_VPE_DBR_INTID	GM_GENMASK(23, 0)
#define GM_VPE_HPPIR_HPPIV	GM_BIT(32)
#define GM_VPE_CR0_DPS		GM_BIT(0)
#define GM_VM_DBR_EN		GM_BIT(63)
#define GM_VM_DBR_VPE_ID	GM_GENMASK(15, 0)
#define GM_VM_SELR_VM_ID	GM_GENMASK(15, 0)
#define GM_SAVE_VMR_S		GM_BIT(63)
#define GM_SAVE_VMR_Q		GM_BIT(62)

/* ------------------------------------------------------------------------ */
/* In-memory structures (sections 3 and 4), all little-endian               */

#define GM_L1_VMTE_VALID	GM_BIT(0)
#define GM_L1_VMTE_L2_ADDR	GM_GENMASK(51, 12)
#define GM_VMTE_SIZE		32
#define GM_VMT_L2_ENTRIES	128		/* one 4 KiB L2 VMT page */
#define GM_VMTE0_VALID		GM_BIT(0)
#define GM_VMTE0_VMD_ADDR	GM_GENMASK(55, 3)
#define GM_VMTE1_VPET_ADDR	GM_GENMASK(55, 3)
#define GM_VMTE1_VPE_ID_BITS	GM_GENMASK(63, 59)
#define GM_VIST_VALID		GM_BIT(0)
#define GM_VIST_L2SZ		GM_GENMASK(2, 1)
#define GM_VIST_ADDR		GM_GENMASK(55, 6)
#define GM_VIST_ISTSZ		GM_GENMASK(57, 56)
#define GM_VIST_STRUCTURE	GM_BIT(58)
#define GM_VIST_ID_BITS		GM_GENMASK(63, 59)
#define GM_VPETE_VALID		GM_BIT(0)
#define GM_VPETE_VPED_ADDR	GM_GENMASK(55, 3)
#define GM_L1_ISTE_VALID	GM_BIT(0)
#define GM_L1_ISTE_L2_ADDR	GM_GENMASK(55, 12)
#define GM_ISTE_PENDING		GM_BIT(0)
#define GM_ISTE_ACTIVE		GM_BIT(1)
#define GM_ISTE_HM		GM_BIT(2)
#define GM_ISTE_ENABLE		GM_BIT(3)
#define GM_ISTE_IRM		GM_BIT(4)
#define GM_ISTE_HWU		GM_GENMASK(10, 9)
#define GM_ISTE_PRIORITY	GM_GENMASK(15, 11)
#define GM_ISTE_IAFFID		GM_GENMASK(31, 16)
#define GM_ISTSZ_4		0
#define GM_ISTSZ_8		1
#define GM_ISTSZ_16		2
#define GM_L2SZ_4K		0
#define GM_L2SZ_16K		1
#define GM_L2SZ_64K		2

/* ------------------------------------------------------------------------ */
/* CPU interface (section 5)                                                */

#define GM_CTXR_V		GM_BIT(63)
#define GM_CTXR_F		GM_BIT(62)
#define GM_CTXR_IRICHPPIDIS	GM_BIT(61)
#define GM_CTXR_DB		GM_BIT(60)
#define GM_CTXR_DBPM		GM_GENMASK(59, 55)
#define GM_CTXR_VPE		GM_GENMASK(47, 32)
#define GM_CTXR_VM		GM_GENMASK(15, 0)

#define GM_VDPEND_PENDING	GM_BIT(63)
#define GM_VDPEND_VM		GM_GENMASK(47, 32)

/* guest instruction operands (section 5.4) */
#define GM_CDPRI_PRIORITY	GM_GENMASK(39, 35)
#define GM_CDAFF_IAFFID		GM_GENMASK(47, 32)
#define GM_CDAFF_IRM		GM_BIT(28)
#define GM_CDPEND_PENDING	GM_BIT(32)
#define GM_CDHM_HM		GM_BIT(32)
#define GM_CDIA_VALID		GM_BIT(32)

/* ICC_ICSR_EL1 (sections 3.2 and 5.4) */
#define GM_ICSR_F		GM_BIT(0)
#define GM_ICSR_ENABLED		GM_BIT(1)
#define GM_ICSR_PENDING		GM_BIT(2)
#define GM_ICSR_IRM		GM_BIT(3)
#define GM_ICSR_ACTIVE		GM_BIT(4)
#define GM_ICSR_HM		GM_BIT(5)
#define GM_ICSR_PRIORITY	GM_GENMASK(15, 11)
#define GM_ICSR_IAFFID		GM_GENMASK(47, 32)

enum gm_insn {
	GM_CDDIS,	/* disable */
	GM_CDEN,	/* enable */
	GM_CDPRI,	/* set priority */
	GM_CDAFF,	/* set affinity / routing mode */
	GM_CDPEND,	/* set or clear pending */
	GM_CDRCFG,	/* read configuration into ICC_ICSR_EL1 */
	GM_CDEOI,	/* priority drop */
	GM_CDDI,	/* deactivate */
	GM_CDHM,	/* set handling mode */
};

/* ------------------------------------------------------------------------ */
/* Capabilities                                                             */

/*
 * The CPU's cache writeback granule (arm64 ARCH_DMA_MINALIGN): on a
 * non-coherent IRS, a line holding IRS-accessed memory and other data is
 * written back as a whole, over what the IRS wrote, or the other way round.
 */
#define GM_WB_GRANULE	128

struct gm_caps {
	bool virt;		/* IDR0.VIRT */
	unsigned int pa_range;	/* IDR0.PA_RANGE encoding (5 = 48 bits) */
	unsigned int pri_bits;	/* implemented priority bits, 1..5 (IDR1 has N-1) */
	unsigned int iaffid_bits; /* IAFFID width, 1..16 (IDR1 has N-1) */
	bool lpi;		/* IDR2.LPI */
	unsigned int id_bits;	/* IDR2.ID_BITS: max (v)LPI ID bits, <= 24 */
	unsigned int min_lpi_id_bits; /* IDR2.MIN_LPI_ID_BITS */
	bool ist_levels;	/* IDR2.IST_LEVELS: two-level ISTs supported */
	unsigned int ist_l2sz;	/* IDR2.IST_L2SZ bitmap: bit0 4K, bit1 16K, bit2 64K */
	bool istmd;		/* IDR2.ISTMD */
	unsigned int istmd_sz;	/* IDR2.ISTMD_SZ */
	bool vmt_levels;	/* IDR3.VMT_LEVELS: two-level VMT supported */
	unsigned int vm_id_bits; /* IDR3.VM_ID_BITS (N, not N-1), <= 16 */
	bool vmd;		/* IDR3.VMD: a VM descriptor is required */
	unsigned int vmd_sz;	/* IDR3.VMD_SZ: VMD is 2^vmd_sz bytes */
	unsigned int vpe_id_bits; /* IDR4.VPE_ID_BITS, N-1 encoded: 2^(n+1) VPEs */
	unsigned int vped_sz;	/* IDR4.VPED_SZ: VPED is 2^vped_sz bytes */
	unsigned int spi_range;	/* IDR5 */
	unsigned int spi_irs_range; /* IDR6 */
	unsigned int spi_base;	/* IDR7 */
	bool coherent;		/* false: table accesses go to a separate PoC copy */
	int nr_cpus;		/* physical CPUs (CPU interfaces), 1..64 */
};

/*
 * Defaults: virt, 48-bit PA, 5 priority bits, 16 IAFFID bits, 24 LPI ID
 * bits (min 4), two-level ISTs with 4 KiB L2, no ISTMD, two-level VMT,
 * 8 VM ID bits, no VMD, vpe_id_bits 8 (512 VPEs), 64-byte VPEDs, 1024 SPIs,
 * coherent, 4 CPUs.
 */
struct gm_caps gm_caps_default(void);

struct gm;

/* Create a model (caps NULL: defaults). Returns NULL on allocation failure. */
struct gm *gm_create(const struct gm_caps *caps);
void gm_destroy(struct gm *m);
struct gm_caps gm_get_caps(struct gm *m);

/* ------------------------------------------------------------------------ */
/* Behaviour knobs                                                          */

/*
 * Each command keeps the relevant *_STATUSR.IDLE at 0 for the next nreads
 * reads of that STATUSR; the following read completes the command (its
 * effect becomes visible) and returns IDLE = 1. 0 (default): commands
 * complete when written.
 */
void gm_set_latency(struct gm *m, unsigned int nreads);
/* Stuck: commands never complete and IDLE stays 0 (timeout testing). */
void gm_set_stuck(struct gm *m, bool stuck);
/*
 * The next ncmds commands behave normally, the one after them sticks (as
 * gm_set_stuck(m, true) from then on). gm_set_stuck() cancels it.
 */
void gm_set_stuck_after(struct gm *m, unsigned int ncmds);
/*
 * A misbehaving IRS (test knob, not architected behaviour): the next ncmds
 * commands behave normally, the one after them completes at once (IDLE = 1)
 * with no effect at all, as if the IRS had dropped it. It fires once.
 */
void gm_set_drop_after(struct gm *m, unsigned int ncmds);
/*
 * Fault injection: the next ncmds VMAP_* commands behave normally, the one
 * after them completes (IDLE = 1) without any effect, as an IRS that
 * silently rejects it; later ones behave normally again. ~0U cancels it.
 */
void gm_set_vmap_ignored_after(struct gm *m, unsigned int ncmds);
/* Complete every in-flight command now (unless stuck). */
void gm_drain(struct gm *m);
/*
 * IRS-cached IST state (default on): ISTE updates made by the IRS (VDPEND,
 * guest instructions, acknowledge) are kept inside the model and only
 * written to memory by SAVE_VMR.S, VMAP_VISTR U=1 and VMAP_VMR U=1.
 */
void gm_set_cache_ist_state(struct gm *m, bool on);
/*
 * HWU stamping (default on): when the model writes an ISTE to memory it sets
 * HWU to 0b01 and fills the metadata bytes (ISTSZ > 4) with 0x5a, as a real
 * IRS may. An ISTE found with HWU/metadata the model did not write is a
 * violation.
 */
void gm_set_hwu_stamp(struct gm *m, bool on);
/* SAVE_VMR.Q answer when no VPE of the VM is resident (default true). */
void gm_set_quiesce(struct gm *m, bool quiesced);
/* Require natural alignment of tables to their size (default on, 4.2/4.3/3.5). */
void gm_set_strict_align(struct gm *m, bool on);
/*
 * Non-coherent mode: initial content of the PoC copy of a newly added
 * region. 0..255: that byte (default 0xa5, i.e. "never cleaned");
 * -1: a copy of the CPU view at gm_mem_add() time.
 */
void gm_set_poc_poison(struct gm *m, int byte);
/* Doorbell LPI delivery: cb(ctx, lpi_id), called with the model unlocked. */
void gm_set_doorbell_cb(struct gm *m, void (*cb)(void *ctx, uint32_t lpi), void *ctx);

/* ------------------------------------------------------------------------ */
/* MMIO                                                                     */

/* A unique PROT_NONE 64 KiB address range standing for the CONFIG_FRAME. */
void *gm_frame_base(struct gm *m);
/* True if addr is inside the frame; *off (may be NULL) gets the offset. */
bool gm_owns(struct gm *m, const void *addr, uint32_t *off);
/* size is 4 or 8. Bad size/offset/alignment: RAZ/WI and a violation. */
uint64_t gm_mmio_read(struct gm *m, uint32_t off, int size);
void gm_mmio_write(struct gm *m, uint32_t off, int size, uint64_t val);

/* ------------------------------------------------------------------------ */
/* Memory registry and cache maintenance                                    */

void gm_mem_add(struct gm *m, void *p, size_t len);
/* p/len must match an added region; removing referenced memory is a violation. */
void gm_mem_remove(struct gm *m, void *p, size_t len);
/* Non-coherent only (no-ops when coherent); whole 64-byte lines. */
void gm_cache_clean(struct gm *m, const void *p, size_t len);	/* CPU -> PoC */
void gm_cache_inval(struct gm *m, void *p, size_t len);		/* PoC -> CPU */
void gm_cache_clean_inval(struct gm *m, void *p, size_t len);
/* True if the IRS currently references any byte of [p, p+len). */
bool gm_mem_referenced(struct gm *m, const void *p, size_t len);

/* ------------------------------------------------------------------------ */
/* CPU interface                                                            */

void gm_write_contextr(struct gm *m, int cpu, uint64_t val);
uint64_t gm_read_contextr(struct gm *m, int cpu);
/* GIC VDPEND (section 5.3). */
void gm_vdpend(struct gm *m, uint64_t xt);
/* Guest instructions executed by the vPE resident on cpu. */
void gm_guest_insn(struct gm *m, int cpu, enum gm_insn op, uint64_t xt);
/* GICR CDIA: VALID bit 32 | TYPE | ID, or 0. */
uint64_t gm_guest_cdia(struct gm *m, int cpu);
/* Whether a vPE is resident on cpu. */
bool gm_cpu_resident(struct gm *m, int cpu);
/*
 * What GICR CDIA would return now, without acknowledging it (no violation
 * when nothing is resident: 0); *prio (may be NULL) gets its priority.
 */
uint64_t gm_guest_hppi(struct gm *m, int cpu, unsigned int *prio);
/* ICC_ICSR_EL1 as last written by CDRCFG. */
uint64_t gm_guest_icsr(struct gm *m, int cpu);
/* ICC_PCR_EL1.PRIORITY: priority p is deliverable iff p <= pcr (default 31). */
void gm_guest_set_pcr(struct gm *m, int cpu, unsigned int pcr);
/* Running priority: lowest active priority (APR), 32 when idle. */
unsigned int gm_guest_running_prio(struct gm *m, int cpu);
/*
 * ICH_APR_EL2 of cpu while a vPE is resident there: the vPE's active
 * priorities (P0..P31). Returns false, and does nothing, with no resident
 * vPE (the register then holds no vPE's state).
 */
bool gm_cpu_apr(struct gm *m, int cpu, uint64_t *val, bool write);

/* ------------------------------------------------------------------------ */
/* Queries (for tests and harness checks; they never record violations)     */

bool gm_vmt_valid(struct gm *m);
bool gm_vm_valid(struct gm *m, uint32_t vm);
bool gm_vpe_valid(struct gm *m, uint32_t vm, uint32_t vpe);
bool gm_vist_valid(struct gm *m, uint32_t vm, unsigned int type);
/* CPU where the VPE is resident, or -1. */
int gm_vpe_resident_cpu(struct gm *m, uint32_t vm, uint32_t vpe);
/* HPPIV bit 32 | TYPE | ID of the VPE's highest priority pending interrupt. */
uint64_t gm_vpe_hppi(struct gm *m, uint32_t vm, uint32_t vpe);
/* VPE_DBR value of a VPE (DBV, REQ_DB = doorbell request outstanding, ...). */
uint64_t gm_vpe_dbr(struct gm *m, uint32_t vm, uint32_t vpe);
/*
 * The IRS's view of an ISTE's first word (cached state if any, else memory).
 * Returns 0, or -1 if the VM/vIST/ID is not mapped.
 */
int gm_ist_entry(struct gm *m, uint32_t vm, unsigned int type, uint32_t id, uint32_t *word);
/* Number of doorbells delivered so far. */
unsigned int gm_doorbells_fired(struct gm *m);

/* ------------------------------------------------------------------------ */
/* Checker                                                                  */

int gm_violations(struct gm *m);
/* The i-th violation string (valid until gm_clear_violations), or NULL. */
const char *gm_violation(struct gm *m, int i);
void gm_clear_violations(struct gm *m);
/* Index of the first violation containing substr, or -1. */
int gm_find_violation(struct gm *m, const char *substr);
/* Re-check every live table entry against memory; returns new violations. */
int gm_check_tables(struct gm *m);
/*
 * Teardown check: records (and counts) a violation for each VM still
 * valid, each resident VPE, each in-flight command and a still-valid VMT.
 */
int gm_check_quiescent(struct gm *m);

#endif /* GICV5_MODEL_H */
