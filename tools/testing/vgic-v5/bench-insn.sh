#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench-insn.sh BUILD_DIR - the instruction counts of "make bench": run the
# benchmarks whose name contains "_insn" under callgrind, and print each
# figure they report with vt_insn_end() as "bench: <what>: <N> insn", N the
# instructions per operation (callgrind's Ir between vt_insn_begin() and
# vt_insn_end(), divided by the operation count).
set -e
bin="$1/vgic-v5-harness"
out="$1/callgrind"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "bench: valgrind is not installed: no instruction counts"
	exit 0
fi
rm -rf "$out"
mkdir -p "$out"
valgrind -q --tool=callgrind --callgrind-out-file="$out/out.%p" \
	"$bin" -b _insn >"$out/log" 2>&1 || { cat "$out/log"; exit 1; }
grep -v '^bench:' "$out/log" || true
for f in $(ls -v "$out"/out.*.* 2>/dev/null); do
	[ -f "$f" ] || continue
	awk '/^desc: Trigger: Client Request: vt-insn / {
		n = $6; what = $7; for (i = 8; i <= NF; i++) what = what " " $i }
	     /^totals: / { ir = $2 }
	     END { if (n) printf "bench: %s: %.0f insn\n", what, ir / n }' "$f"
done
