#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench-insn.sh BUILD_DIR - the instruction counts of "make bench": run the
# benchmarks whose name contains "_insn" under callgrind, and print the
# figures they report with vt_insn_end() (callgrind's Ir between
# vt_insn_begin() and vt_insn_end(), less what vt_insn_pause() left out:
# the dump's "summary:", which callgrind_annotate shows as the program's
# total; divided by the operation count) as one table: each GICv5 figure,
# "<operation> (v5)", next to its reference, "<what> (reference for:
# <operation>[ | <operation>...])", most often the stock GICv3 vgic doing
# the same job, and their ratio; a figure that is both is
# "<operation> (v5, reference for: ...)". See tests/bench.c.
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

# One "<instructions per operation>\t<what>" line per figure, in run order
for f in $(ls -v "$out"/out.*.* 2>/dev/null); do
	[ -f "$f" ] || continue
	awk '/^desc: Trigger: Client Request: vt-insn / {
		n = $6; what = $7; for (i = 8; i <= NF; i++) what = what " " $i }
	     /^summary: / { ir = $2 }
	     END { if (n) printf "%.0f\t%s\n", ir / n, what }' "$f"
done >"$out/figures"

awk -F '\t' '
function add_ref(ops, name, insn,    list, k, i) {
	k = split(ops, list, / \| /)
	for (i = 1; i <= k; i++) {
		nref[list[i]]++
		refname[list[i], nref[list[i]]] = name
		refinsn[list[i], nref[list[i]]] = insn
		wanted[list[i]] = 1
	}
}
function row(op, v5, ref, ri,    mark) {
	if (ref == "") {
		printf "%-48s %9s  %-49s %9s %7s\n", op, v5, "-", "-", "-"
		return
	}
	mark = ""
	if (v5 + 0 > ri + 0) {
		mark = "*"
		over++
	}
	printf "%-48s %9s  %-49s %9s %6.2f%s\n", op, v5, ref, ri, v5 / ri, mark
}
{
	insn = $1; what = $2
	if (match(what, / \(v5, reference for: .*\)$/)) {
		op = substr(what, 1, RSTART - 1)
		add_ref(substr(what, RSTART + 21, RLENGTH - 22), "v5: " op, insn)
	} else if (match(what, / \(reference for: .*\)$/)) {
		add_ref(substr(what, RSTART + 17, RLENGTH - 18), substr(what, 1, RSTART - 1), insn)
		next
	} else if (match(what, / \(v5\)$/)) {
		op = substr(what, 1, RSTART - 1)
	} else {
		op = what
	}
	order[++nops] = op
	v5insn[op] = insn
}
END {
	print "bench: instructions per operation (callgrind), each v5 figure next to its reference"
	printf "%-48s %9s  %-49s %9s %7s\n",
		"operation", "v5 insn", "reference", "ref insn", "ratio"
	for (i = 1; i <= nops; i++) {
		op = order[i]
		if (!nref[op])
			row(op, v5insn[op], "", 0)
		for (j = 1; j <= nref[op]; j++)
			row(op, v5insn[op], refname[op, j], refinsn[op, j])
		delete wanted[op]
	}
	for (op in wanted)
		printf "bench: a reference names no figure: \"%s\"\n", op
	printf "bench: %d v5 figure(s) above their reference (*)\n", over
}' "$out/figures"
