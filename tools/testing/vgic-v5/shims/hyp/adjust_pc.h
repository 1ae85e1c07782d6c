/* SPDX-License-Identifier: GPL-2.0 */
/* Replaced by the harness shims: see shims/kvm_internal.h. */
#include "../kvm_internal.h"
