/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ThreadSanitizer builds only (make tsan): the kernel's READ_ONCE() and
 * WRITE_ONCE() are marked accesses, which the kernel's memory model (and
 * KCSAN) does not count as data races. As volatile accesses ThreadSanitizer
 * would, so they become relaxed atomics here (sizes 1, 2, 4 and 8 only, as
 * compiletime_assert_rwonce_type() enforces).
 */
#include_next <asm/rwonce.h>

#undef __READ_ONCE
#define __READ_ONCE(x)							\
({									\
	union {								\
		__unqual_scalar_typeof(x) __v;				\
		__u8 __b1; __u16 __b2; __u32 __b4; __u64 __b8;		\
	} __u;								\
	switch (sizeof(x)) {						\
	case 1:								\
		__u.__b1 = __atomic_load_n((__u8 *)&(x), __ATOMIC_RELAXED); \
		break;							\
	case 2:								\
		__u.__b2 = __atomic_load_n((__u16 *)&(x), __ATOMIC_RELAXED); \
		break;							\
	case 4:								\
		__u.__b4 = __atomic_load_n((__u32 *)&(x), __ATOMIC_RELAXED); \
		break;							\
	default:							\
		__u.__b8 = __atomic_load_n((__u64 *)&(x), __ATOMIC_RELAXED); \
		break;							\
	}								\
	__u.__v;							\
})

#undef __WRITE_ONCE
#define __WRITE_ONCE(x, val)						\
do {									\
	__unqual_scalar_typeof(x) __w = (val);				\
	__atomic_store((__unqual_scalar_typeof(x) *)&(x), &__w,	\
		       __ATOMIC_RELAXED);				\
} while (0)
