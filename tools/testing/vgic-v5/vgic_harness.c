// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own vgic sources, compiled unchanged against the shims in
 * shims/ (see README.md): the GICv5 vgic, and the stock GICv3 vgic and its
 * ITS, the reference of the benchmarks. As tools/testing/vma does with
 * mm/vma.c, the files are included by relative path; when this directory
 * is not inside the kernel tree being tested, the Makefile's include path
 * resolves the same lines in KSRC.
 */
#include "../../../arch/arm64/kvm/vgic/vgic-v5.c"
#include "../../../arch/arm64/kvm/vgic/vgic-v5-irs.c"
#include "../../../arch/arm64/kvm/vgic/vgic.c"
#include "../../../arch/arm64/kvm/vgic/vgic-init.c"
#include "../../../arch/arm64/kvm/vgic/vgic-kvm-device.c"
#include "../../../arch/arm64/kvm/vgic/vgic-mmio.c"
#include "../../../arch/arm64/kvm/vgic/vgic-mmio-v5.c"
#include "../../../arch/arm64/kvm/vgic/vgic-v5-its.c"
#include "../../../arch/arm64/kvm/vgic/vgic-irqfd.c"
#include "../../../arch/arm64/kvm/vgic/vgic-v3.c"
#include "../../../arch/arm64/kvm/vgic/vgic-mmio-v3.c"
#include "../../../arch/arm64/kvm/vgic/vgic-its.c"
#include "../../../arch/arm64/kvm/hyp/vgic-v5-sr.c"
#include "../../../arch/arm64/kvm/hyp/vgic-v3-sr.c"
#include "../../../lib/list_sort.c"
