/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The GICv5 ITS of a KVM guest, for the vgic_v5 selftests: the registers
 * of its config frame, the translate frame, and the formats of the device
 * table (DT) and interrupt translation table (ITT) entries the guest keeps
 * in its memory. The names and values are those of
 * include/linux/irqchip/arm-gic-v5.h, which selftests cannot include.
 */
#ifndef SELFTEST_KVM_GIC_V5_ITS_H
#define SELFTEST_KVM_GIC_V5_ITS_H

#include <linux/bits.h>
#include <linux/sizes.h>

/* The config frame, then the translate frame (TRANSLATER at its start) */
#define GICV5_ITS_TRANSLATE_FRAME		SZ_64K
#define GICV5_ITS_TRANSLATER			0x0000

/* Config frame registers */
#define GICV5_ITS_IDR1				0x0004
#define GICV5_ITS_IDR2				0x0008
#define GICV5_ITS_CR0				0x0080
#define GICV5_ITS_CR1				0x0084
#define GICV5_ITS_DT_BASER			0x00c0	/* 64-bit */
#define GICV5_ITS_DT_CFGR			0x00d0
#define GICV5_ITS_DIDR				0x0100	/* 64-bit */
#define GICV5_ITS_EIDR				0x0108
#define GICV5_ITS_INV_EVENTR			0x010c
#define GICV5_ITS_INV_DEVICER			0x0110
#define GICV5_ITS_STATUSR			0x0120
#define GICV5_ITS_SYNCR				0x0140	/* 64-bit */
#define GICV5_ITS_SYNC_STATUSR			0x0148

#define GICV5_ITS_IDR1_L2SZ			GENMASK(10, 8)
#define GICV5_ITS_IDR1_ITT_LEVELS		BIT(7)
#define GICV5_ITS_IDR1_DT_LEVELS		BIT(6)
#define GICV5_ITS_IDR1_DEVICEID_BITS		GENMASK(5, 0)

#define GICV5_ITS_IDR2_XDMN_EVENTS		GENMASK(6, 5)
#define GICV5_ITS_IDR2_EVENTID_BITS		GENMASK(4, 0)

#define GICV5_ITS_CR0_IDLE			BIT(1)
#define GICV5_ITS_CR0_ITSEN			BIT(0)

#define GICV5_ITS_CR1_ITT_RA			BIT(7)
#define GICV5_ITS_CR1_DT_RA			BIT(6)
#define GICV5_ITS_CR1_IC			GENMASK(5, 4)
#define GICV5_ITS_CR1_OC			GENMASK(3, 2)
#define GICV5_ITS_CR1_SH			GENMASK(1, 0)

/* Memory attributes of CR1 (GICV5_READ_ALLOC, GICV5_WB_CACHE, ...) */
#define GICV5_READ_ALLOC			0b1
#define GICV5_WB_CACHE				0b01
#define GICV5_INNER_SHARE			0b11

#define GICV5_ITS_DT_CFGR_STRUCTURE		BIT(16)
#define GICV5_ITS_DT_CFGR_L2SZ			GENMASK(7, 6)
#define GICV5_ITS_DT_CFGR_DEVICEID_BITS		GENMASK(5, 0)

#define GICV5_ITS_DT_BASER_ADDR_MASK		GENMASK_ULL(55, 3)

#define GICV5_ITS_INV_DEVICER_I			BIT(31)
#define GICV5_ITS_INV_DEVICER_EVENTID_BITS	GENMASK(5, 1)
#define GICV5_ITS_INV_DEVICER_L1		BIT(0)

#define GICV5_ITS_DIDR_DEVICEID			GENMASK_ULL(31, 0)

#define GICV5_ITS_EIDR_EVENTID			GENMASK(15, 0)

#define GICV5_ITS_INV_EVENTR_I			BIT(31)
#define GICV5_ITS_INV_EVENTR_ITT_L2SZ		GENMASK(2, 1)
#define GICV5_ITS_INV_EVENTR_L1			BIT(0)

#define GICV5_ITS_STATUSR_IDLE			BIT(0)

#define GICV5_ITS_SYNCR_SYNC			BIT_ULL(63)
#define GICV5_ITS_SYNCR_SYNCALL			BIT_ULL(32)
#define GICV5_ITS_SYNCR_DEVICEID		GENMASK_ULL(31, 0)

#define GICV5_ITS_SYNC_STATUSR_IDLE		BIT(0)

/* DT_CFGR and DTE structures, DT_CFGR and ITT L2 sizes */
#define GICV5_ITS_DT_ITT_CFGR_STRUCTURE_LINEAR		0
#define GICV5_ITS_DT_ITT_CFGR_STRUCTURE_TWO_LEVEL	1
#define GICV5_ITS_DT_ITT_CFGR_L2SZ_4k		0b00
#define GICV5_ITS_DT_ITT_CFGR_L2SZ_16k		0b01
#define GICV5_ITS_DT_ITT_CFGR_L2SZ_64k		0b10

/* Entries of the tables, 64-bit little-endian */
#define GICV5_DTL1E_VALID			BIT_ULL(0)
#define GICV5_DTL1E_L2_ADDR_MASK		GENMASK_ULL(55, 3)
#define GICV5_DTL1E_SPAN			GENMASK_ULL(63, 60)

#define GICV5_DTL2E_VALID			BIT_ULL(0)
#define GICV5_DTL2E_ITT_L2SZ			GENMASK_ULL(2, 1)
#define GICV5_DTL2E_ITT_ADDR_MASK		GENMASK_ULL(55, 3)
#define GICV5_DTL2E_ITT_DSWE			BIT_ULL(57)
#define GICV5_DTL2E_ITT_STRUCTURE		BIT_ULL(58)
#define GICV5_DTL2E_EVENT_ID_BITS		GENMASK_ULL(63, 59)

#define GICV5_ITTL1E_VALID			BIT_ULL(0)
#define GICV5_ITTL1E_L2_ADDR_MASK		GENMASK_ULL(55, 3)
#define GICV5_ITTL1E_SPAN			GENMASK_ULL(63, 60)

#define GICV5_ITTL2E_LPI_ID			GENMASK_ULL(23, 0)
#define GICV5_ITTL2E_DAC			GENMASK_ULL(29, 28)
#define GICV5_ITTL2E_VIRTUAL			BIT_ULL(30)
#define GICV5_ITTL2E_VALID			BIT_ULL(31)
#define GICV5_ITTL2E_VM_ID			GENMASK_ULL(47, 32)

#endif
