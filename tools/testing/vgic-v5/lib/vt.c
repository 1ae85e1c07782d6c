// SPDX-License-Identifier: GPL-2.0
/*
 * vt.c - runner of the vgic-v5 userland harness (see vt.h).
 *
 * usage: prog [-l] [-v] [PATTERN...]
 *   -l        list the tests and exit
 *   -v        let the tests' diagnostics through on success too
 *   PATTERN   run only the tests whose name contains one of the patterns
 *
 * Each test runs in a forked child with a 60 s alarm (VT_TIMEOUT=<seconds>
 * in the environment changes it, for long runs). The child reports its
 * verdict through its exit status: 0 pass, 1 fail, 77 skip; a signal or any
 * other status is a failure (AddressSanitizer and UBSan are built to abort,
 * so a sanitizer report is a failure too).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "vt.h"

#if __has_include("valgrind/callgrind.h")
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s)	((void)(s))
#define CALLGRIND_TOGGLE_COLLECT
#endif

int vt_failures;
const char *vt_skip_reason;
void (*vt_before_each)(void);
void (*vt_after_each)(void);
void (*vt_fail_hook)(void);

void vt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	vt_failures++;
	fprintf(stdout, "# FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	if (vt_fail_hook)
		vt_fail_hook();
}

void vt_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static int cmp_tests(const void *a, const void *b)
{
	const struct vt_test *const *x = a, *const *y = b;
	int r = strcmp((*x)->file, (*y)->file);

	return r ? r : strcmp((*x)->name, (*y)->name);
}

static bool selected(const struct vt_test *t, int npat, char **pat)
{
	if (!npat)
		return true;
	for (int i = 0; i < npat; i++)
		if (strstr(t->name, pat[i]))
			return true;
	return false;
}

static int run_one(const struct vt_test *t)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		const char *timeout = getenv("VT_TIMEOUT");

		alarm(timeout && *timeout ? strtoul(timeout, NULL, 0) : 60);
		if (vt_before_each)
			vt_before_each();
		t->fn();
		if (!vt_skip_reason && vt_after_each)
			vt_after_each();
		fflush(stdout);
		if (vt_skip_reason) {
			printf("# SKIP reason: %s\n", vt_skip_reason);
			fflush(stdout);
			_exit(77);
		}
		_exit(vt_failures ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	if (WIFSIGNALED(status)) {
		printf("# test died with signal %d\n", WTERMSIG(status));
		return 1;
	}
	return WEXITSTATUS(status);
}

void vt_bench_report(const char *what, double value, const char *unit)
{
	printf("bench: %s: %.1f %s\n", what, value, unit);
	fflush(stdout);
}

/* Hardware accesses counted since vt_insn_begin(), by every thread */
static unsigned long insn_hw;

void vt_insn_begin(void)
{
	__atomic_store_n(&insn_hw, 0, __ATOMIC_RELAXED);
	CALLGRIND_ZERO_STATS;
}

/* Callgrind's collection state is the thread's: so is the nesting depth */
static __thread unsigned int insn_paused;

/*
 * The dump's trigger carries the figure to bench-insn.sh; formatting it is
 * not counted.
 */
void vt_insn_end(const char *what, unsigned int n)
{
	char label[512];

	vt_insn_pause();
	snprintf(label, sizeof(label), "vt-insn %u %lu %s", n,
		 __atomic_load_n(&insn_hw, __ATOMIC_RELAXED), what);
	CALLGRIND_DUMP_STATS_AT(label);
	vt_insn_resume();
}

void vt_insn_pause_hw(void)
{
	if (!insn_paused)
		__atomic_fetch_add(&insn_hw, 1, __ATOMIC_RELAXED);
	vt_insn_pause();
}

void vt_insn_pause(void)
{
	if (!insn_paused++)
		CALLGRIND_TOGGLE_COLLECT;
}

void vt_insn_resume(void)
{
	if (!--insn_paused)
		CALLGRIND_TOGGLE_COLLECT;
}

uint64_t vt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const struct vt_test *first = __start_vt_tests, *last = __stop_vt_tests;
	const struct vt_test **tests;
	int passed = 0, failed = 0, skipped = 0, num = 0;
	bool list = false;
	size_t n;
	int opt;

	while ((opt = getopt(argc, argv, "blv")) != -1) {
		switch (opt) {
		case 'b':
			first = __start_vt_bench;
			last = __stop_vt_bench;
			break;
		case 'l':
			list = true;
			break;
		case 'v':
			break;
		default:
			fprintf(stderr, "usage: %s [-b] [-l] [-v] [PATTERN...]\n", argv[0]);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;

	n = first ? last - first : 0;
	tests = calloc(n ? n : 1, sizeof(*tests));
	if (!tests)
		return 2;
	for (size_t i = 0; i < n; i++)
		tests[i] = &first[i];
	qsort(tests, n, sizeof(*tests), cmp_tests);

	if (list) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", tests[i]->name);
		free(tests);
		return 0;
	}

	for (size_t i = 0; i < n; i++)
		num += selected(tests[i], argc, argv);
	printf("TAP version 13\n1..%d\n", num);
	num = 0;
	for (size_t i = 0; i < n; i++) {
		const struct vt_test *t = tests[i];
		int r;

		if (!selected(t, argc, argv))
			continue;
		num++;
		r = run_one(t);
		if (r == 0) {
			printf("ok %d %s\n", num, t->name);
			passed++;
		} else if (r == 77) {
			printf("ok %d %s # SKIP\n", num, t->name);
			skipped++;
		} else {
			printf("not ok %d %s\n", num, t->name);
			failed++;
		}
		fflush(stdout);
	}
	free(tests);
	printf("vgic-v5: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
