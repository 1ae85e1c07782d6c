/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dup.h - definitions duplicated from kernel headers: same names, same
 * semantics, generic C implementations (as in include/asm-generic and
 * lib/). Only what the vgic code uses.
 */
#ifndef __HARNESS_DUP_H
#define __HARNESS_DUP_H

/* include/linux/kernel.h, math.h, align.h, wordpart.h, array_size.h */
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]) + __must_be_array(arr))
#define ALIGN(x, a)		__ALIGN_KERNEL((x), (a))
#define ALIGN_DOWN(x, a)	__ALIGN_KERNEL((x) - ((a) - 1), (a))
#define PTR_ALIGN(p, a)		((typeof(p))ALIGN((unsigned long)(p), (a)))
#define IS_ALIGNED(x, a)	(((x) & ((typeof(x))(a) - 1)) == 0)
#define DIV_ROUND_UP(n, d)	__KERNEL_DIV_ROUND_UP(n, d)
#define round_up(x, y)		((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)
#define round_down(x, y)	((x) & ~((__typeof__(x))((y) - 1)))
#define roundup(x, y) ({						\
	typeof(y) __y = (y);						\
	(((x) + (__y - 1)) / __y) * __y; })
#define upper_32_bits(n)	((u32)(((n) >> 16) >> 16))
#define lower_32_bits(n)	((u32)((n) & 0xffffffff))
#define PAGE_SHIFT		12
#define PAGE_SIZE		(_AC(1, UL) << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define PAGE_ALIGN(addr)	ALIGN(addr, PAGE_SIZE)
#define PAGE_ALIGNED(addr)	IS_ALIGNED((unsigned long)(addr), PAGE_SIZE)
#define get_order(n)		\
	((n) <= PAGE_SIZE ? 0 : (int)(64 - __builtin_clzl(((n) - 1) >> PAGE_SHIFT)))
#define USEC_PER_MSEC		1000L
#define USEC_PER_SEC		1000000L
#define NSEC_PER_USEC		1000L
#define __read_mostly
#define __ro_after_init
#define __init
#define __exit
#define __initdata
#define ____cacheline_aligned_in_smp __aligned(64)
#define ____cacheline_aligned	__aligned(64)
#define SMP_CACHE_BYTES		64

/* include/asm-generic/bitops + lib/find_bit.c */
#define BIT_WORD(nr)		((nr) / BITS_PER_LONG)

static inline void __set_bit(unsigned long nr, volatile unsigned long *addr)
{ addr[BIT_WORD(nr)] |= BIT_MASK(nr); }
static inline void __clear_bit(unsigned long nr, volatile unsigned long *addr)
{ addr[BIT_WORD(nr)] &= ~BIT_MASK(nr); }
static inline void set_bit(unsigned long nr, volatile unsigned long *addr)
{ __atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_SEQ_CST); }
static inline void clear_bit(unsigned long nr, volatile unsigned long *addr)
{ __atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr), __ATOMIC_SEQ_CST); }
/* A marked (volatile) read in the kernel: relaxed, for ThreadSanitizer */
static inline bool test_bit(unsigned long nr, const volatile unsigned long *addr)
{ return (__atomic_load_n(&addr[BIT_WORD(nr)], __ATOMIC_RELAXED) >> (nr % BITS_PER_LONG)) & 1; }
static inline bool test_and_set_bit(unsigned long nr, volatile unsigned long *addr)
{ return __atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_SEQ_CST) & BIT_MASK(nr); }
static inline bool test_and_clear_bit(unsigned long nr, volatile unsigned long *addr)
{ return __atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr), __ATOMIC_SEQ_CST) & BIT_MASK(nr); }

static inline bool __test_and_set_bit(unsigned long nr, volatile unsigned long *addr)
{
	bool old = test_bit(nr, addr);

	__set_bit(nr, addr);
	return old;
}

static inline bool __test_and_clear_bit(unsigned long nr, volatile unsigned long *addr)
{
	bool old = test_bit(nr, addr);

	__clear_bit(nr, addr);
	return old;
}

static inline void __assign_bit(unsigned long nr, unsigned long *addr, bool value)
{
	if (value)
		__set_bit(nr, addr);
	else
		__clear_bit(nr, addr);
}

static inline void assign_bit(unsigned long nr, unsigned long *addr, bool value)
{
	if (value)
		set_bit(nr, addr);
	else
		clear_bit(nr, addr);
}

static inline unsigned long __ffs(unsigned long w) { return __builtin_ctzl(w); }
static inline unsigned long __fls(unsigned long w) { return 63 - __builtin_clzl(w); }
static inline unsigned int __ffs64(u64 w) { return __builtin_ctzll(w); }
static inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
static inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
#define ffs(x) __builtin_ffs(x)
#define ffz(x) __ffs(~(x))
#define hweight8(w)	__builtin_popcount((u8)(w))
#define hweight16(w)	__builtin_popcount((u16)(w))
#define hweight32(w)	__builtin_popcount((u32)(w))
#define hweight64(w)	__builtin_popcountll((u64)(w))
#define hweight_long(w)	__builtin_popcountl((unsigned long)(w))
static inline int ilog2_u64(u64 n) { return fls64(n) - 1; }
#define ilog2(n)	ilog2_u64(n)

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && ((n & (n - 1)) == 0);
}

static inline int __order_base_2(u64 n)
{
	return n > 1 ? ilog2(n - 1) + 1 : 0;
}

/*
 * An int from 0 to 64, as the kernel's. Narrowed through u8 so that
 * clang, too, sees it is never negative: minmax.h's signedness check
 * (max(1U, order_base_2(n))) only accepts a signed operand it can prove
 * non-negative, which gcc does for __order_base_2() but clang 14 does not.
 */
#define order_base_2(n)	((int)(u8)__order_base_2(n))

#define roundup_pow_of_two(n) (1UL << fls64((u64)(n) - 1))

/*
 * lib/find_bit.c, a word at a time as the kernel's: make bench counts
 * these in the kernel's paths (the PPI state at guest entry and exit).
 * Words are read marked, with READ_ONCE() (an atomic load under
 * ThreadSanitizer, as test_bit()'s): the kernel walks bitmaps that other
 * CPUs change with atomic bitops (level_high).
 */
#define __bitmap_word(addr, k)	READ_ONCE((addr)[k])

static inline unsigned long __find_next(const unsigned long *addr, unsigned long size,
					unsigned long off, unsigned long invert)
{
	unsigned long w;

	if (off >= size)
		return size;
	w = (__bitmap_word(addr, off / BITS_PER_LONG) ^ invert) & (~0UL << (off % BITS_PER_LONG));
	off -= off % BITS_PER_LONG;
	while (!w) {
		off += BITS_PER_LONG;
		if (off >= size)
			return size;
		w = __bitmap_word(addr, off / BITS_PER_LONG) ^ invert;
	}
	off += __builtin_ctzl(w);
	return off < size ? off : size;
}

static inline unsigned long find_next_bit(const unsigned long *addr,
					  unsigned long size, unsigned long off)
{
	return __find_next(addr, size, off, 0);
}

static inline unsigned long find_next_zero_bit(const unsigned long *addr,
					       unsigned long size, unsigned long off)
{
	return __find_next(addr, size, off, ~0UL);
}

#define find_first_bit(addr, size)	find_next_bit((addr), (size), 0)
#define find_first_zero_bit(addr, size)	find_next_zero_bit((addr), (size), 0)
#define for_each_set_bit(bit, addr, size) \
	for ((bit) = 0; (bit) = find_next_bit((addr), (size), (bit)), (bit) < (size); (bit)++)
#define for_each_clear_bit(bit, addr, size) \
	for ((bit) = 0; (bit) = find_next_zero_bit((addr), (size), (bit)), (bit) < (size); (bit)++)

/* include/linux/bitmap.h */
#define BITMAP_FIRST_WORD_MASK(start) (~0UL << ((start) & (BITS_PER_LONG - 1)))
#define BITMAP_LAST_WORD_MASK(nbits) (~0UL >> (-(nbits) & (BITS_PER_LONG - 1)))
static inline void bitmap_zero(unsigned long *dst, unsigned int nbits)
{ memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(long)); }
static inline void bitmap_fill(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0xff, BITS_TO_LONGS(nbits) * sizeof(long));
	if (nbits % BITS_PER_LONG)
		dst[nbits / BITS_PER_LONG] &= BITMAP_LAST_WORD_MASK(nbits);
}

static inline void bitmap_copy(unsigned long *dst, const unsigned long *src, unsigned int nbits)
{ memcpy(dst, src, BITS_TO_LONGS(nbits) * sizeof(long)); }
static inline bool bitmap_and(unsigned long *dst, const unsigned long *a,
			      const unsigned long *b, unsigned int nbits)
{
	unsigned long r = 0;

	for (unsigned int k = 0; k < BITS_TO_LONGS(nbits); k++)
		r |= (dst[k] = a[k] & b[k]);
	return r != 0;
}

static inline void bitmap_or(unsigned long *dst, const unsigned long *a,
			     const unsigned long *b, unsigned int nbits)
{
	for (unsigned int k = 0; k < BITS_TO_LONGS(nbits); k++)
		dst[k] = a[k] | b[k];
}

static inline bool bitmap_andnot(unsigned long *dst, const unsigned long *a,
				 const unsigned long *b, unsigned int nbits)
{
	unsigned long r = 0;

	for (unsigned int k = 0; k < BITS_TO_LONGS(nbits); k++)
		r |= (dst[k] = a[k] & ~b[k]);
	return r != 0;
}

static inline bool bitmap_empty(const unsigned long *src, unsigned int nbits)
{ return find_first_bit(src, nbits) == nbits; }
static inline bool bitmap_full(const unsigned long *src, unsigned int nbits)
{ return find_first_zero_bit(src, nbits) == nbits; }
static inline bool bitmap_equal(const unsigned long *a, const unsigned long *b, unsigned int nbits)
{
	unsigned int k;

	for (k = 0; k < nbits / BITS_PER_LONG; k++)
		if (__bitmap_word(a, k) != __bitmap_word(b, k))
			return false;
	return !(nbits % BITS_PER_LONG) ||
	       !((__bitmap_word(a, k) ^ __bitmap_word(b, k)) & BITMAP_LAST_WORD_MASK(nbits));
}

static inline unsigned int bitmap_weight(const unsigned long *src, unsigned int nbits)
{
	unsigned int w = 0, k;

	for (k = 0; k < nbits / BITS_PER_LONG; k++)
		w += __builtin_popcountl(__bitmap_word(src, k));
	if (nbits % BITS_PER_LONG)
		w += __builtin_popcountl(__bitmap_word(src, k) & BITMAP_LAST_WORD_MASK(nbits));
	return w;
}

static inline void bitmap_set(unsigned long *map, unsigned int start, unsigned int n)
{
	while (n--)
		__set_bit(start++, map);
}

static inline void bitmap_clear(unsigned long *map, unsigned int start, unsigned int n)
{
	while (n--)
		__clear_bit(start++, map);
}

/* include/linux/bitmap.h: @nbits from 1 to BITS_PER_LONG, in one or two words */
static inline unsigned long bitmap_read(const unsigned long *map, unsigned long start,
					unsigned long nbits)
{
	unsigned long off = start % BITS_PER_LONG, space = BITS_PER_LONG - off;
	const unsigned long *w = &map[start / BITS_PER_LONG];

	if (!nbits || nbits > BITS_PER_LONG)
		return 0;
	if (space >= nbits)
		return (__bitmap_word(w, 0) >> off) & BITMAP_LAST_WORD_MASK(nbits);
	return (__bitmap_word(w, 0) >> off) |
	       ((__bitmap_word(w, 1) & BITMAP_LAST_WORD_MASK(start + nbits)) << space);
}

static inline void bitmap_write(unsigned long *map, unsigned long value,
				unsigned long start, unsigned long nbits)
{
	unsigned long off = start % BITS_PER_LONG, space = BITS_PER_LONG - off;
	unsigned long *w = &map[start / BITS_PER_LONG], mask;

	if (!nbits || nbits > BITS_PER_LONG)
		return;
	mask = BITMAP_LAST_WORD_MASK(nbits);
	value &= mask;
	w[0] = (w[0] & ~(mask << off)) | (value << off);
	if (space >= nbits)
		return;
	w[1] = (w[1] & BITMAP_FIRST_WORD_MASK(start + nbits)) | (value >> space);
}

static inline void bitmap_from_arr64(unsigned long *bitmap, const u64 *buf, unsigned int nbits)
{ memcpy(bitmap, buf, BITS_TO_LONGS(nbits) * sizeof(long)); }
static inline void bitmap_to_arr64(u64 *buf, const unsigned long *bitmap, unsigned int nbits)
{ memcpy(buf, bitmap, BITS_TO_LONGS(nbits) * sizeof(long)); }

/* include/linux/atomic (generic, on the compiler's builtins) */
#define atomic_read(v)			__atomic_load_n(&(v)->counter, __ATOMIC_RELAXED)
#define atomic_set(v, i)		__atomic_store_n(&(v)->counter, (i), __ATOMIC_RELAXED)
#define atomic_set_release(v, i)	__atomic_store_n(&(v)->counter, (i), __ATOMIC_RELEASE)
#define atomic_read_acquire(v)		__atomic_load_n(&(v)->counter, __ATOMIC_ACQUIRE)
#define atomic_add(i, v)		\
	((void)__atomic_fetch_add(&(v)->counter, (i), __ATOMIC_SEQ_CST))
#define atomic_sub(i, v)		\
	((void)__atomic_fetch_sub(&(v)->counter, (i), __ATOMIC_SEQ_CST))
#define atomic_inc(v)			atomic_add(1, v)
#define atomic_dec(v)			atomic_sub(1, v)
#define atomic_fetch_inc(v)		__atomic_fetch_add(&(v)->counter, 1, __ATOMIC_SEQ_CST)
#define atomic_fetch_dec(v)		__atomic_fetch_sub(&(v)->counter, 1, __ATOMIC_SEQ_CST)
#define atomic_fetch_or(i, v)		__atomic_fetch_or(&(v)->counter, (i), __ATOMIC_SEQ_CST)
#define atomic_fetch_andnot(i, v)	__atomic_fetch_and(&(v)->counter, ~(i), __ATOMIC_SEQ_CST)
#define atomic_inc_return(v)		__atomic_add_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST)
#define atomic_dec_return(v)		__atomic_sub_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST)
#define atomic_add_return(i, v)		__atomic_add_fetch(&(v)->counter, (i), __ATOMIC_SEQ_CST)
#define atomic_dec_and_test(v)		(atomic_dec_return(v) == 0)
#define atomic_inc_and_test(v)		(atomic_inc_return(v) == 0)
#define atomic_xchg(v, n)		__atomic_exchange_n(&(v)->counter, (n), __ATOMIC_SEQ_CST)
#define atomic_or(i, v)			((void)atomic_fetch_or(i, v))
#define atomic_andnot(i, v)		((void)atomic_fetch_andnot(i, v))

static inline int atomic_cmpxchg(atomic_t *v, int old, int new)
{
	__atomic_compare_exchange_n(&v->counter, &old, new, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	return old;
}

/* Decrements unless that makes it negative; returns the new value either way */
static inline int atomic_dec_if_positive(atomic_t *v)
{
	int c = atomic_read(v);

	do {
		if (c <= 0)
			return c - 1;
	} while (!__atomic_compare_exchange_n(&v->counter, &c, c - 1, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return c - 1;
}

static inline int atomic_cmpxchg_acquire(atomic_t *v, int old, int new)
{
	__atomic_compare_exchange_n(&v->counter, &old, new, false, __ATOMIC_ACQUIRE,
				    __ATOMIC_ACQUIRE);
	return old;
}

static inline bool atomic_inc_not_zero(atomic_t *v)
{
	int c = atomic_read(v);

	do {
		if (!c)
			return false;
	} while (!__atomic_compare_exchange_n(&v->counter, &c, c + 1, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return true;
}

#define atomic64_read(v)		__atomic_load_n(&(v)->counter, __ATOMIC_RELAXED)
#define atomic64_set(v, i)		__atomic_store_n(&(v)->counter, (i), __ATOMIC_RELAXED)
#define atomic64_inc(v)			\
	((void)__atomic_fetch_add(&(v)->counter, 1, __ATOMIC_SEQ_CST))
#define atomic64_inc_return(v)		__atomic_add_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST)
#define atomic_long_t			atomic64_t
#define cmpxchg(p, o, n) ({						\
	__auto_type __p = (p);						\
	typeof(*__p) __o = (o);						\
	__atomic_compare_exchange_n(__p, &__o, (n), false, __ATOMIC_SEQ_CST,	\
				    __ATOMIC_SEQ_CST);			\
	__o; })
#define cmpxchg64(p, o, n)	cmpxchg(p, o, n)
#define xchg(p, n) __atomic_exchange_n((p), (n), __ATOMIC_SEQ_CST)
#define try_cmpxchg(p, po, n) \
	__atomic_compare_exchange_n((p), (po), (n), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

/* include/linux/refcount.h (without saturation) */
typedef struct refcount_struct { atomic_t refs; } refcount_t;
#define REFCOUNT_INIT(n)		{ .refs = ATOMIC_INIT(n), }
#define refcount_set(r, n)		atomic_set(&(r)->refs, (n))
#define refcount_read(r)		atomic_read(&(r)->refs)
#define refcount_inc(r)			atomic_inc(&(r)->refs)
#define refcount_dec(r)			atomic_dec(&(r)->refs)
#define refcount_dec_and_test(r)	atomic_dec_and_test(&(r)->refs)
static inline bool refcount_inc_not_zero(refcount_t *r)
{
	int old = atomic_read(&r->refs);

	do {
		if (!old)
			return false;
	} while (!__atomic_compare_exchange_n(&r->refs.counter, &old, old + 1, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return true;
}

/* include/linux/jump_label.h: static keys as plain booleans */
struct static_key { atomic_t enabled; };
struct static_key_true { struct static_key key; };
struct static_key_false { struct static_key key; };
#define STATIC_KEY_TRUE_INIT	{ .key = { .enabled = ATOMIC_INIT(1) } }
#define STATIC_KEY_FALSE_INIT	{ .key = { .enabled = ATOMIC_INIT(0) } }
#define DEFINE_STATIC_KEY_TRUE(name)	struct static_key_true name = STATIC_KEY_TRUE_INIT
#define DEFINE_STATIC_KEY_FALSE(name)	struct static_key_false name = STATIC_KEY_FALSE_INIT
#define DECLARE_STATIC_KEY_FALSE(name)	extern struct static_key_false name
#define DECLARE_STATIC_KEY_TRUE(name)	extern struct static_key_true name
#define static_key_enabled(k)		(atomic_read(&(k)->key.enabled) > 0)
#define static_branch_likely(k)		static_key_enabled(k)
#define static_branch_unlikely(k)	static_key_enabled(k)
#define static_branch_enable(k)		atomic_set(&(k)->key.enabled, 1)
#define static_branch_disable(k)	atomic_set(&(k)->key.enabled, 0)
#define static_branch_inc(k)		atomic_inc(&(k)->key.enabled)
#define static_branch_dec(k)		atomic_dec(&(k)->key.enabled)

/* include/linux/slab.h typed allocation helpers (7.x) over custom.h's kmalloc */
#define __default_gfp(a, b, ...) b
#define default_gfp(...) __default_gfp(, ##__VA_ARGS__, GFP_KERNEL)
#define __alloc_objs(KMALLOC, GFP, TYPE, COUNT)				\
({									\
	const size_t __obj_size = size_mul(sizeof(TYPE), COUNT);	\
	(TYPE *)KMALLOC(__obj_size, GFP);				\
})
#define kmalloc_obj(V, ...)	__alloc_objs(kmalloc, default_gfp(__VA_ARGS__), typeof(V), 1)
#define kmalloc_objs(V, N, ...)	__alloc_objs(kmalloc, default_gfp(__VA_ARGS__), typeof(V), N)
#define kzalloc_obj(V, ...)	__alloc_objs(kzalloc, default_gfp(__VA_ARGS__), typeof(V), 1)
#define kzalloc_objs(V, N, ...)	__alloc_objs(kzalloc, default_gfp(__VA_ARGS__), typeof(V), N)
#define kvmalloc_objs(V, N, ...) __alloc_objs(kvmalloc, default_gfp(__VA_ARGS__), typeof(V), N)
#define kvzalloc_objs(V, N, ...) __alloc_objs(kvzalloc, default_gfp(__VA_ARGS__), typeof(V), N)
#define kvzalloc_obj(V, ...)	__alloc_objs(kvzalloc, default_gfp(__VA_ARGS__), typeof(V), 1)
static inline bool gfpflags_allow_blocking(const gfp_t gfp_flags)
{ return !!(gfp_flags & __GFP_DIRECT_RECLAIM); }

/* include/linux/string_choices.h */
static inline const char *str_enabled_disabled(bool v)
{
	return v ? "enabled" : "disabled";
}

/*
 * include/linux/rculist.h: RCU-protected list walks are plain walks here
 * (no grace periods; the optional lockdep condition is dropped).
 */
#define list_for_each_entry_rcu(pos, head, member, cond...) \
	list_for_each_entry(pos, head, member)

#endif
