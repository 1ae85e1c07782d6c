// SPDX-License-Identifier: GPL-2.0
/*
 * The libFuzzer target's inputs as regression tests: every input of
 * fuzz/corpus.txt (the minimised corpus) and of fuzz/crashes.txt
 * (reproducers of findings since fixed) goes through
 * LLVMFuzzerTestOneInput() of fuzz/vgic_fuzz.c, built here with gcc and
 * the same checks: any finding fails the test, naming the input.
 */
#include "harness.h"
#include "vt.h"

int vgic_fuzz_replay_file(const char *file);

static void replay(const char *sub, bool need_inputs)
{
	char file[4096];
	int n;

	snprintf(file, sizeof(file), "%s/%s", VGIC_FUZZ_DIR, sub);
	n = vgic_fuzz_replay_file(file);
	VT_ASSERT(n >= 0);
	vt_diag("%d input(s) of %s replayed", n, file);
	if (need_inputs)
		VT_EXPECT(n > 0);
}

VT_TEST(fuzz_replay_corpus)
{
	replay("corpus.txt", true);
}

VT_TEST(fuzz_replay_crashes)
{
	replay("crashes.txt", false);
}
