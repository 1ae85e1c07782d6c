// SPDX-License-Identifier: GPL-2.0
/*
 * gm_mmio.c - CONFIG_FRAME register decode (sections 2.2 and 4.4) and the
 * busy/IDLE protocol of the command registers (section 4.5).
 */
#include <stdio.h>
#include <string.h>

#include "gm_internal.h"

enum {
	R_VIRT = 1,	/* RAZ/WI when IDR0.VIRT = 0 */
	R_RO = 2,	/* writes are ignored (and recorded) */
};

struct gm_reg {
	uint32_t off;
	uint8_t width;	/* 4 or 8 */
	uint8_t flags;
	int8_t grp;	/* command group, or -1 */
	const char *name;
};

static const struct gm_reg gm_regs[] = {
	{ GM_IRS_IDR0, 4, R_RO, -1, "IDR0" },
	{ GM_IRS_IDR1, 4, R_RO, -1, "IDR1" },
	{ GM_IRS_IDR2, 4, R_RO, -1, "IDR2" },
	{ GM_IRS_IDR3, 4, R_RO, -1, "IDR3" },
	{ GM_IRS_IDR4, 4, R_RO, -1, "IDR4" },
	{ GM_IRS_IDR5, 4, R_RO, -1, "IDR5" },
	{ GM_IRS_IDR6, 4, R_RO, -1, "IDR6" },
	{ GM_IRS_IDR7, 4, R_RO, -1, "IDR7" },
	{ GM_IRS_IIDR, 4, R_RO, -1, "IIDR" },
	{ GM_IRS_AIDR, 4, R_RO, -1, "AIDR" },
	{ GM_IRS_CR0, 4, 0, -1, "CR0" },
	{ GM_IRS_CR1, 4, 0, -1, "CR1" },
	{ GM_IRS_SYNCR, 4, 0, -1, "SYNCR" },
	{ GM_IRS_SYNC_STATUSR, 4, R_RO, -1, "SYNC_STATUSR" },
	{ GM_IRS_SPI_VMR, 8, R_VIRT, -1, "SPI_VMR" },
	{ GM_IRS_SPI_SELR, 4, 0, -1, "SPI_SELR" },
	{ GM_IRS_SPI_DOMAINR, 4, 0, -1, "SPI_DOMAINR" },
	{ GM_IRS_SPI_RESAMPLER, 4, 0, -1, "SPI_RESAMPLER" },
	{ GM_IRS_SPI_CFGR, 4, 0, -1, "SPI_CFGR" },
	{ GM_IRS_SPI_STATUSR, 4, R_RO, -1, "SPI_STATUSR" },
	{ GM_IRS_PE_SELR, 4, 0, -1, "PE_SELR" },
	{ GM_IRS_PE_STATUSR, 4, R_RO, -1, "PE_STATUSR" },
	{ GM_IRS_PE_CR0, 4, 0, -1, "PE_CR0" },
	{ GM_IRS_IST_BASER, 8, 0, -1, "IST_BASER" },
	{ GM_IRS_IST_CFGR, 4, 0, -1, "IST_CFGR" },
	{ GM_IRS_IST_STATUSR, 4, R_RO, -1, "IST_STATUSR" },
	{ GM_IRS_MAP_L2_ISTR, 4, 0, -1, "MAP_L2_ISTR" },
	{ GM_IRS_VMT_BASER, 8, R_VIRT, GM_GRP_VMT, "VMT_BASER" },
	{ GM_IRS_VMT_CFGR, 4, R_VIRT, -1, "VMT_CFGR" },
	{ GM_IRS_VMT_STATUSR, 4, R_VIRT | R_RO, -1, "VMT_STATUSR" },
	{ GM_IRS_VPE_SELR, 8, R_VIRT, GM_GRP_VPE, "VPE_SELR" },
	{ GM_IRS_VPE_DBR, 8, R_VIRT, GM_GRP_VPE, "VPE_DBR" },
	{ GM_IRS_VPE_HPPIR, 8, R_VIRT | R_RO, -1, "VPE_HPPIR" },
	{ GM_IRS_VPE_CR0, 4, R_VIRT, GM_GRP_VPE, "VPE_CR0" },
	{ GM_IRS_VPE_STATUSR, 4, R_VIRT | R_RO, -1, "VPE_STATUSR" },
	{ GM_IRS_VM_DBR, 8, R_VIRT, GM_GRP_VM, "VM_DBR" },
	{ GM_IRS_VM_SELR, 4, R_VIRT, GM_GRP_VM, "VM_SELR" },
	{ GM_IRS_VM_STATUSR, 4, R_VIRT | R_RO, -1, "VM_STATUSR" },
	{ GM_IRS_VMAP_L2_VMTR, 8, R_VIRT, GM_GRP_VMT, "VMAP_L2_VMTR" },
	{ GM_IRS_VMAP_VMR, 8, R_VIRT, GM_GRP_VMT, "VMAP_VMR" },
	{ GM_IRS_VMAP_VISTR, 8, R_VIRT, GM_GRP_VMT, "VMAP_VISTR" },
	{ GM_IRS_VMAP_L2_VISTR, 8, R_VIRT, GM_GRP_VMT, "VMAP_L2_VISTR" },
	{ GM_IRS_VMAP_VPER, 8, R_VIRT, GM_GRP_VMT, "VMAP_VPER" },
	{ GM_IRS_SAVE_VMR, 8, R_VIRT, GM_GRP_SAVE, "SAVE_VMR" },
	{ GM_IRS_SAVE_VM_STATUSR, 4, R_VIRT | R_RO, -1, "SAVE_VM_STATUSR" },
	{ GM_IRS_MEC_IDR, 4, R_RO, -1, "MEC_IDR" },
	{ GM_IRS_MEC_MECID_R, 4, 0, -1, "MEC_MECID_R" },
	{ GM_IRS_MPAM_IDR, 4, R_RO, -1, "MPAM_IDR" },
	{ GM_IRS_MPAM_PARTID_R, 4, 0, -1, "MPAM_PARTID_R" },
	{ GM_IRS_SWERR_STATUSR, 8, 0, -1, "SWERR_STATUSR" },
	{ GM_IRS_SWERR_SYNDROMER0, 8, R_RO, -1, "SWERR_SYNDROMER0" },
	{ GM_IRS_SWERR_SYNDROMER1, 8, R_RO, -1, "SWERR_SYNDROMER1" },
	{ GM_IRS_DEVARCH, 4, R_RO, -1, "DEVARCH" },
};

static const char *const gm_grp_status[GM_GRP_NR] = {
	[GM_GRP_VMT] = "VMT_STATUSR",
	[GM_GRP_VPE] = "VPE_STATUSR",
	[GM_GRP_VM] = "VM_STATUSR",
	[GM_GRP_SAVE] = "SAVE_VM_STATUSR",
};

static const struct gm_reg gm_idreg = { 0, 4, R_RO, -1, "CoreSight ID" };

/* Find the register at off; *half is set for a 32-bit access to the high word. */
static const struct gm_reg *gm_reg_find(uint32_t off, int size, bool *high, bool *badw)
{
	*high = false;
	*badw = false;
	if (off >= GM_IRS_PIDR4 && off <= GM_IRS_CIDR0 + 0xc && !(off & 3)) {
		*badw = size != 4;
		return &gm_idreg;
	}
	for (size_t i = 0; i < ARRAY_SIZE(gm_regs); i++) {
		const struct gm_reg *r = &gm_regs[i];

		if (off == r->off) {
			*badw = r->width == 4 ? size != 4 : (size != 4 && size != 8);
			return r;
		}
		if (r->width == 8 && off == r->off + 4) {
			*high = true;
			*badw = size != 4;
			return r;
		}
	}
	return NULL;
}

static uint32_t gm_idreg_val(uint32_t off)
{
	static const uint8_t pidr[8] = { 0x04, 0, 0, 0, 0x4b, 0xb0, 0x0b, 0x00 };
	static const uint8_t cidr[4] = { 0x0d, 0xf0, 0x05, 0xb1 };

	if (off >= GM_IRS_CIDR0)
		return cidr[(off - GM_IRS_CIDR0) / 4];
	if (off >= GM_IRS_PIDR4)
		return pidr[(off - GM_IRS_PIDR4) / 4];
	return 0;
}

/* STATUSR read: advance the in-flight command of a group. */
static bool gm_status_idle(struct gm *m, int g)
{
	struct gm_inflight *f = &m->inflight[g];

	if (!f->busy)
		return true;
	if (m->stuck)
		return false;
	if (f->left) {
		f->left--;
		return false;
	}
	f->busy = false;
	gm_cmd_execute(m, f->off, f->val);
	return true;
}

static uint64_t gm_reg_read(struct gm *m, const struct gm_reg *r)
{
	const struct gm_caps *c = &m->caps;

	if ((r->flags & R_VIRT) && !c->virt)
		return 0;
	switch (r->off) {
	case GM_IRS_IDR0:
		return (c->virt ? GM_IDR0_VIRT : 0) | GM_FIELD_PREP(GM_IDR0_PA_RANGE, c->pa_range) |
		       GM_FIELD_PREP(GM_IDR0_INT_DOM, 1);
	case GM_IRS_IDR1:
		return GM_FIELD_PREP(GM_IDR1_PRIORITY_BITS, c->pri_bits - 1) |
		       GM_FIELD_PREP(GM_IDR1_IAFFID_BITS, c->iaffid_bits - 1) |
		       GM_FIELD_PREP(GM_IDR1_PE_CNT, c->nr_cpus);
	case GM_IRS_IDR2:
		return GM_FIELD_PREP(GM_IDR2_ISTMD_SZ, c->istmd_sz) |
		       (c->istmd ? GM_IDR2_ISTMD : 0) |
		       GM_FIELD_PREP(GM_IDR2_IST_L2SZ, c->ist_l2sz) |
		       (c->ist_levels ? GM_IDR2_IST_LEVELS : 0) |
		       GM_FIELD_PREP(GM_IDR2_MIN_LPI_ID_BITS, c->min_lpi_id_bits) |
		       (c->lpi ? GM_IDR2_LPI : 0) | GM_FIELD_PREP(GM_IDR2_ID_BITS, c->id_bits);
	case GM_IRS_IDR3:
		if (!c->virt)
			return 0;
		return (c->vmt_levels ? GM_IDR3_VMT_LEVELS : 0) |
		       GM_FIELD_PREP(GM_IDR3_VM_ID_BITS, c->vm_id_bits) |
		       GM_FIELD_PREP(GM_IDR3_VMD_SZ, c->vmd_sz) | (c->vmd ? GM_IDR3_VMD : 0);
	case GM_IRS_IDR4:
		if (!c->virt)
			return 0;
		return GM_FIELD_PREP(GM_IDR4_VPE_ID_BITS, c->vpe_id_bits) |
		       GM_FIELD_PREP(GM_IDR4_VPED_SZ, c->vped_sz);
	case GM_IRS_IDR5:
		return GM_FIELD_PREP(GM_IDR5_SPI_RANGE, c->spi_range);
	case GM_IRS_IDR6:
		return GM_FIELD_PREP(GM_IDR6_SPI_IRS_RANGE, c->spi_irs_range);
	case GM_IRS_IDR7:
		return GM_FIELD_PREP(GM_IDR7_SPI_BASE, c->spi_base);
	case GM_IRS_IIDR:
		return 0x43b;	/* IMPLEMENTER Arm, product 0 */
	case GM_IRS_DEVARCH:
		return 0x47705a19;
	case GM_IRS_CR0:
		return (m->cr0 & GM_CR0_IRSEN) | GM_CR0_IDLE;
	case GM_IRS_CR1:
		return m->cr1;
	case GM_IRS_SYNC_STATUSR:
	case GM_IRS_IST_STATUSR:
		return GM_STATUSR_IDLE;
	case GM_IRS_SPI_SELR:
		return m->spi_selr;
	case GM_IRS_SPI_DOMAINR:
		return 1;
	case GM_IRS_SPI_STATUSR:
		return GM_STATUSR_IDLE |
		       (m->spi_selr >= c->spi_base &&
			m->spi_selr < c->spi_base + c->spi_irs_range ? GM_STATUSR_V : 0);
	case GM_IRS_PE_SELR:
		return m->pe_selr;
	case GM_IRS_PE_STATUSR:
		return GM_STATUSR_IDLE | (m->pe_selr < (uint32_t)c->nr_cpus ?
					  GM_STATUSR_V | GM_PE_STATUSR_ONLINE : 0);
	case GM_IRS_PE_CR0:
		return m->pe_selr < (uint32_t)c->nr_cpus ? 1 : 0;
	case GM_IRS_IST_BASER:
		return m->ist_baser;
	case GM_IRS_IST_CFGR:
		return m->ist_cfgr;
	case GM_IRS_VMT_BASER:
		return m->vmt_baser;
	case GM_IRS_VMT_CFGR:
		return m->vmt_cfgr;
	case GM_IRS_VMT_STATUSR:
		return gm_status_idle(m, GM_GRP_VMT) ? GM_STATUSR_IDLE : 0;
	case GM_IRS_VPE_SELR:
		return m->vpe_selr;
	case GM_IRS_VPE_DBR:
	case GM_IRS_VPE_HPPIR:
	case GM_IRS_VPE_CR0:
		return gm_vpe_reg_read(m, r->off);
	case GM_IRS_VPE_STATUSR:
		if (!gm_status_idle(m, GM_GRP_VPE))
			return 0;
		return GM_STATUSR_IDLE | (m->vpe_sel_valid ? GM_STATUSR_V : 0);
	case GM_IRS_VM_SELR:
		return m->vm_selr;
	case GM_IRS_VM_DBR:
		if (m->vm_sel_valid && m->vms[m->vm_selr])
			return m->vms[m->vm_selr]->vm_dbr;
		return 0;
	case GM_IRS_VM_STATUSR:
		if (!gm_status_idle(m, GM_GRP_VM))
			return 0;
		return GM_STATUSR_IDLE | (m->vm_sel_valid ? GM_STATUSR_V : 0);
	case GM_IRS_SAVE_VM_STATUSR:
		if (!gm_status_idle(m, GM_GRP_SAVE))
			return 0;
		return GM_STATUSR_IDLE | (m->save_q ? GM_SAVE_VM_STATUSR_Q : 0);
	}
	return 0;	/* SPI_VMR, SPI_CFGR, MEC, MPAM, SWERR, VMAP_*, SAVE_VMR: RAZ */
}

uint64_t gm_mmio_read(struct gm *m, uint32_t off, int size)
{
	const struct gm_reg *r;
	bool high, badw;
	uint64_t v = 0;

	gm_lock(m);
	r = gm_reg_find(off, size, &high, &badw);
	if (!r || badw) {
		gm_violate(m, "MMIO read of %s at 0x%x size %d", r ? r->name : "unknown offset",
			   off, size);
		goto out;
	}
	if (r == &gm_idreg)
		v = gm_idreg_val(off);
	else
		v = gm_reg_read(m, r);
	if (high)
		v >>= 32;
	else if (size == 4)
		v &= 0xffffffffu;
out:
	gm_unlock(m);
	return v;
}

static void gm_reg_write(struct gm *m, const struct gm_reg *r, uint64_t val)
{
	struct gm_inflight *f;

	if (r->grp >= 0) {
		f = &m->inflight[r->grp];
		if (f->busy) {
			gm_violate(m,
				   "%s written (0x%llx) while %s is not IDLE (command at 0x%x in flight)",
				   r->name, (unsigned long long)val,
				   gm_grp_status[r->grp], f->off);
			return;
		}
		if (r->off == GM_IRS_VMT_BASER && (val & GM_VMT_BASER_VALID) && m->vmt.valid) {
			gm_violate(m, "VMT_BASER written (0x%llx) while the VMT is valid",
				   (unsigned long long)val);
			return;
		}
		if (m->drop_after && !--m->drop_after)
			return;
		if (m->stuck_after && !--m->stuck_after)
			m->stuck = true;
		if (m->latency == 0 && !m->stuck) {
			gm_cmd_execute(m, r->off, val);
			return;
		}
		f->busy = true;
		f->left = m->latency;
		f->off = r->off;
		f->val = val;
		return;
	}
	switch (r->off) {
	case GM_IRS_CR0:
		m->cr0 = val & GM_CR0_IRSEN;
		break;
	case GM_IRS_CR1:
		m->cr1 = val & 0xffff;
		break;
	case GM_IRS_SPI_SELR:
		m->spi_selr = val & GM_CMD_ID;
		break;
	case GM_IRS_PE_SELR:
		m->pe_selr = val & 0xffff;
		break;
	case GM_IRS_IST_BASER:
		m->ist_baser = val;
		break;
	case GM_IRS_IST_CFGR:
		if (m->ist_baser & GM_IST_BASER_VALID)
			gm_violate(m, "IST_CFGR written while IST_BASER.VALID = 1");
		else
			m->ist_cfgr = val;
		break;
	case GM_IRS_VMT_CFGR:
		if (m->inflight[GM_GRP_VMT].busy) {
			gm_violate(m, "VMT_CFGR written while VMT_STATUSR is not IDLE");
			break;
		}
		if (m->vmt.valid && val != m->vmt_cfgr) {
			gm_violate(m, "VMT_CFGR changed (0x%x -> 0x%llx) while the VMT is valid",
				   m->vmt_cfgr, (unsigned long long)val);
			break;
		}
		if (val & ~(GM_VMT_CFGR_STRUCTURE | GM_VMT_CFGR_VM_ID_BITS))
			gm_violate(m, "VMT_CFGR: reserved bits set (0x%llx)",
				   (unsigned long long)val);
		m->vmt_cfgr = val & (GM_VMT_CFGR_STRUCTURE | GM_VMT_CFGR_VM_ID_BITS);
		break;
	default:
		break;	/* SYNCR, SPI_*, PE_CR0, MAP_L2_ISTR, MEC/MPAM/SWERR: WI */
	}
}

void gm_mmio_write(struct gm *m, uint32_t off, int size, uint64_t val)
{
	const struct gm_reg *r;
	bool high, badw;

	gm_lock(m);
	r = gm_reg_find(off, size, &high, &badw);
	if (!r || badw) {
		gm_violate(m, "MMIO write of %s at 0x%x size %d (0x%llx)",
			   r ? r->name : "unknown offset", off, size, (unsigned long long)val);
		goto out;
	}
	if (r->flags & R_RO) {
		gm_violate(m, "MMIO write to read-only %s (0x%llx)", r->name,
			   (unsigned long long)val);
		goto out;
	}
	if ((r->flags & R_VIRT) && !m->caps.virt) {
		gm_violate(m, "MMIO write to %s but IDR0.VIRT = 0", r->name);
		goto out;
	}
	if (r->width == 8 && size == 4) {
		if (r->off != GM_IRS_IST_BASER) {
			gm_violate(m, "32-bit write to 64-bit register %s%s", r->name,
				   high ? " (high half)" : "");
			goto out;
		}
		val = high ? (m->ist_baser & 0xffffffffu) | (val << 32) :
			     (m->ist_baser & ~0xffffffffULL) | (val & 0xffffffffu);
	}
	if (size == 4)
		val &= r->width == 8 ? ~0ULL : 0xffffffffULL;
	gm_reg_write(m, r, val);
out:
	gm_unlock(m);
}

void *gm_frame_base(struct gm *m)
{
	return m->frame;
}

bool gm_owns(struct gm *m, const void *addr, uint32_t *off)
{
	uintptr_t a = (uintptr_t)addr, b = (uintptr_t)m->frame;

	if (a < b || a >= b + GM_FRAME_SIZE)
		return false;
	if (off)
		*off = a - b;
	return true;
}
