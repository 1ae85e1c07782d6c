/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The selftests' <asm/sysreg.h> (tools/arch/arm64), with the accessors
 * that emit arm64 instructions turned into calls of the harness backend.
 */
#ifndef __ST_ASM_SYSREG_H
#define __ST_ASM_SYSREG_H

#include_next <asm/sysreg.h>
#include "../../st_guest.h"

#undef __emit_inst
#define __emit_inst(x)		""
#undef read_sysreg
#define read_sysreg(r)		st_read_sysreg_named(#r)
#undef write_sysreg
#define write_sysreg(v, r)	st_write_sysreg_named(#r, (v))
#undef read_sysreg_s
#define read_sysreg_s(r)	st_read_sysreg(r)
#undef write_sysreg_s
#define write_sysreg_s(v, r)	st_write_sysreg((r), (v))

#endif
