/* SPDX-License-Identifier: GPL-2.0 */
/* Replaced by the harness shims: see shims/internal.h. */
#include "../internal.h"
