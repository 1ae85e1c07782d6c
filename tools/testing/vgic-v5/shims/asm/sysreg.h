/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The real arch/arm64/include/asm/sysreg.h (encodings, fields, GICv5
 * instruction encodings, and the generated sysreg-defs.h), with the
 * accessors that would emit mrs/msr replaced by the harness hooks.
 */
#ifndef __HARNESS_ASM_SYSREG_H
#define __HARNESS_ASM_SYSREG_H

#include "../internal.h"
#include <real/asm/sysreg.h>

#undef read_sysreg
#undef write_sysreg
#undef read_sysreg_s
#undef write_sysreg_s
#undef write_sysreg_hcr
#undef read_sysreg_par
#define read_sysreg(r)		harness_read_sysreg(0, #r)
#define write_sysreg(v, r)	harness_write_sysreg(0, #r, (u64)(v))
#define read_sysreg_s(r)	harness_read_sysreg((r), #r)
#define write_sysreg_s(v, r)	harness_write_sysreg((r), #r, (u64)(v))
#define write_sysreg_hcr(v)	harness_write_sysreg(0, "hcr_el2", (u64)(v))
#define read_sysreg_el1(r)	harness_read_sysreg(0, #r "_el1")
#define write_sysreg_el1(v, r)	harness_write_sysreg(0, #r "_el1", (u64)(v))
#define read_sysreg_el2(r)	harness_read_sysreg(0, #r "_el2")
#define write_sysreg_el2(v, r)	harness_write_sysreg(0, #r "_el2", (u64)(v))

#endif
