/* SPDX-License-Identifier: GPL-2.0 */
/*
 * custom: the configuration the harness "builds" the vgic code with. It
 * matches pipeline/test-kernel.config where the vgic code looks at it.
 */
#define CONFIG_ARM64 1
#define CONFIG_64BIT 1
#define CONFIG_SMP 1
#define CONFIG_NR_CPUS 8
#define CONFIG_KVM 1
#define CONFIG_ARM_GIC_V3 1
#define CONFIG_ARM_GIC_V5 1
#define CONFIG_LOCKDEP 1
#define CONFIG_PROVE_LOCKING 1
#define CONFIG_DEBUG_SPINLOCK 1
#define CONFIG_ARM64_PA_BITS 48
#define CONFIG_FUNCTION_ALIGNMENT 0
#define CONFIG_PGTABLE_LEVELS 4
#define CONFIG_ARM64_4K_PAGES 1
