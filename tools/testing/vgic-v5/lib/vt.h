/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vt.h - the minimal test framework of the vgic-v5 userland harness.
 *
 * A test is a function declared with VT_TEST(name). Tests register
 * themselves in the "vt_tests" linker section; the runner (vt.c) runs each
 * one in a child process so that a crash or a sanitizer abort fails that
 * test only, prints one TAP line per test and closes with
 * "vgic-v5: N passed, N failed".
 *
 * Inside a test, VT_ASSERT() and friends record a failure and return from
 * the test function; VT_EXPECT() records a failure and continues.
 */
#ifndef VT_H
#define VT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct vt_test {
	const char *name;
	const char *file;
	void (*fn)(void);
};

/* Number of failed checks in the running test. */
extern int vt_failures;
/* Set by a test that decides at run time it cannot run here. */
extern const char *vt_skip_reason;

void vt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Called at the end of every vt_fail() if set: for a program that must
 * stop at its first failure (the libFuzzer target aborts there, so that
 * libFuzzer keeps the input as a reproducer).
 */
extern void (*vt_fail_hook)(void);
void vt_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Hooks run around every test in the child process. The harness sets them
 * (for example to create a fresh host model and check its violation log and
 * the allocation accounting after the test). NULL means nothing to do.
 */
extern void (*vt_before_each)(void);
extern void (*vt_after_each)(void);

/* Bounds of the "vt_tests" section, provided by the linker. */
/*
 * The "vt_tests" and "vt_bench" sections: weak, a binary may have no test
 * (a KVM selftest built on the harness) or no benchmark.
 */
extern const struct vt_test __start_vt_tests[] __attribute__((weak));
extern const struct vt_test __stop_vt_tests[] __attribute__((weak));
extern const struct vt_test __start_vt_bench[] __attribute__((weak));
extern const struct vt_test __stop_vt_bench[] __attribute__((weak));

#define VT_TEST(tname)							\
	static void vt_fn_##tname(void);				\
	static const struct vt_test __vt_##tname			\
	__attribute__((used, section("vt_tests"), aligned(8))) = {	\
		.name = #tname, .file = __FILE__, .fn = vt_fn_##tname,	\
	};								\
	static void vt_fn_##tname(void)

/*
 * A benchmark: run only by "-b", like a test (child process, hooks, checks),
 * and prints its figures with vt_bench_report(). Figures are never checked.
 */
#define VT_BENCH(bname)							\
	static void vt_bench_fn_##bname(void);				\
	static const struct vt_test __vt_bench_##bname			\
	__attribute__((used, section("vt_bench"), aligned(8))) = {	\
		.name = #bname, .file = __FILE__, .fn = vt_bench_fn_##bname, \
	};								\
	static void vt_bench_fn_##bname(void)

/* One figure of a benchmark: "bench: <what>: <value> <unit>". */
void vt_bench_report(const char *what, double value, const char *unit);
/* Monotonic time in nanoseconds. */
uint64_t vt_now_ns(void);
/*
 * Instructions, counted by callgrind when "make bench" runs the benchmarks
 * under it (no-ops otherwise): vt_insn_end() reports the instructions of
 * all threads since vt_insn_begin(), divided by @n, as "<what>: N insn".
 */
void vt_insn_begin(void);
void vt_insn_end(const char *what, unsigned int n);
/*
 * Between vt_insn_pause() and vt_insn_resume(), this thread's instructions
 * are not counted: the set-up each operation needs and that is not part of
 * it (e.g. the guest taking the interrupt the operation made pending), and
 * the hardware the harness emulates (system registers, the IRS model, the
 * guest's GIC instructions) and its checks, which the shims bracket this
 * way. Pauses nest.
 */
void vt_insn_pause(void);
void vt_insn_resume(void);
/*
 * vt_insn_pause() for an access to the emulated hardware (a system
 * register, an MMIO access) or a call into hyp code: each one the counted
 * code makes counts as one instruction, as the mrs, msr, ldr, str or bl it
 * is on arm64, in place of the instructions of the call and the pause
 * (bench-insn.sh).
 */
void vt_insn_pause_hw(void);

#define VT_EXPECT(cond)							\
	do {								\
		if (!(cond))						\
			vt_fail(__FILE__, __LINE__, "%s", #cond);	\
	} while (0)

#define VT_ASSERT(cond)							\
	do {								\
		if (!(cond)) {						\
			vt_fail(__FILE__, __LINE__, "%s", #cond);	\
			return;						\
		}							\
	} while (0)

#define VT_ASSERT_EQ(a, b)						\
	do {								\
		unsigned long long __a = (unsigned long long)(a);	\
		unsigned long long __b = (unsigned long long)(b);	\
		if (__a != __b) {					\
			vt_fail(__FILE__, __LINE__,			\
				"%s == %s: 0x%llx != 0x%llx",		\
				#a, #b, __a, __b);			\
			return;						\
		}							\
	} while (0)

#define VT_EXPECT_EQ(a, b)						\
	do {								\
		unsigned long long __a = (unsigned long long)(a);	\
		unsigned long long __b = (unsigned long long)(b);	\
		if (__a != __b)						\
			vt_fail(__FILE__, __LINE__,			\
				"%s == %s: 0x%llx != 0x%llx",		\
				#a, #b, __a, __b);			\
	} while (0)

#define VT_SKIP(reason)							\
	do {								\
		vt_skip_reason = (reason);				\
		return;							\
	} while (0)

#endif /* VT_H */
