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
# the same job, and their ratio, marked "*" when the v5 figure is above
# it; a figure that is both is "<operation> (v5, reference for: ...)". A
# reference with a target, "<what> (reference for: <operation>; target:
# <x>x)", e.g. a memcpy() of the bytes a save and restore move, marks the
# v5 figures above <x> times it instead. See harness.h.
set -e
bin="$1/vgic-v5-harness"
out="$1/callgrind"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "bench: valgrind is not installed: no instruction counts"
	exit 0
fi
rm -rf "$out"
mkdir -p "$out"
# The runner's limit per benchmark: GRP_IST of a 2^24 LPI IST takes minutes.
# callgrind counts each iteration of a rep-prefixed string instruction as
# an instruction, so that a memcpy() or memset() glibc does with
# "rep movsb" or "rep stosb" (from 2 KiB to a few hundred KiB, on x86)
# counts one a byte, ten times what its vector loops count, which it uses
# for other sizes, and which an arm64 kernel's copies are like: have glibc
# use the vector loops for every size, for the kernel's paths and the
# memcpy() references alike.
vector=glibc.cpu.x86_rep_stosb_threshold=0x7fffffff
vector=$vector:glibc.cpu.x86_rep_movsb_threshold=0x7fffffff
GLIBC_TUNABLES=${GLIBC_TUNABLES:-$vector} \
VT_TIMEOUT=${VT_TIMEOUT:-1200} valgrind -q --tool=callgrind --callgrind-out-file="$out/out.%p" \
	"$bin" -b _insn >"$out/log" 2>&1 || { cat "$out/log"; exit 1; }
grep -v '^bench:' "$out/log" || true

# The shims that stand for one instruction (vt_insn_pause_hw()): an access
# to the hardware, an mrs, msr, ldr or str on arm64, and a call into hyp
# code. What callgrind counted of the calls to them (the calls, the pauses)
# is taken out of the figures, and their number put in.
hw='harness_read_sysreg|harness_write_sysreg|harness_sysreg_read|harness_sysreg_write'
hw="$hw|harness_mmio_read|harness_mmio_write|harness_hyp_call"

# One "<figure>\t<unit>\t<what>" line per figure, in run order; the
# trigger is "vt-insn <operations> <hardware accesses> <what>"
for f in $(ls -v "$out"/out.*.* 2>/dev/null); do
	[ -f "$f" ] || continue
	hwir=$(callgrind_annotate --inclusive=yes --threshold=100 "$f" 2>/dev/null |
	       awk -v hw="$hw" '$0 ~ "^ *[0-9,]+ \\([ 0-9.]+%\\)  [^=].*:(" hw ") \\[" {
			gsub(",", "", $1); s += $1 }
		    END { print s + 0 }')
	awk -v hwir="$hwir" '/^desc: Trigger: Client Request: vt-insn / {
		n = $6; hwn = $7; what = $8
		for (i = 9; i <= NF; i++) what = what " " $i }
	     /^summary: / { ir = $2 }
	     END { if (n) printf "%.0f\tinsn\t%s\n", (ir - hwir + hwn) / n, what }' "$f"
done >"$out/figures"

# The host bytes of the *_bytes benchmarks, "bench: <what>: <bytes> B",
# run natively
"$bin" -b _bytes >"$out/bytes.log" 2>&1 || { cat "$out/bytes.log"; exit 1; }
awk '/^bench: .*: [0-9.]+ B$/ {
	bytes = $(NF - 1); sub(/^bench: /, ""); sub(/: [0-9.]+ B$/, "")
	printf "%.0f\tB\t%s\n", bytes, $0 }' "$out/bytes.log" >>"$out/figures"

awk -F '\t' '
function add_ref(ops, name, fig, unit,    list, k, i, x) {
	x = 1
	if (match(ops, /; target: [0-9.]+x$/)) {
		x = substr(ops, RSTART + 10, RLENGTH - 11)
		ops = substr(ops, 1, RSTART - 1)
	}
	k = split(ops, list, / \| /)
	for (i = 1; i <= k; i++) {
		nref[list[i]]++
		refname[list[i], nref[list[i]]] = name
		reffig[list[i], nref[list[i]]] = fig
		reftarget[list[i], nref[list[i]]] = x
		wanted[list[i]] = 1
	}
}
function row(op, v5, unit, ref, rf, x,    mark) {
	if (ref == "") {
		printf "%-52s %10s %-4s  %-46s %10s %7s\n", op, v5, unit, "-", "-", "-"
		return
	}
	mark = ""
	if (v5 + 0 > x * rf) {
		mark = "*"
		over++
	}
	if (x != 1)
		ref = ref " (target " x "x)"
	printf "%-52s %10s %-4s  %-46s %10s %6.2f%s\n", op, v5, unit, ref, rf, v5 / rf, mark
}
{
	fig = $1; unit = $2; what = $3
	if (match(what, / \(v5, reference for: .*\)$/)) {
		op = substr(what, 1, RSTART - 1)
		add_ref(substr(what, RSTART + 21, RLENGTH - 22), "v5: " op, fig, unit)
	} else if (match(what, / \(reference for: .*\)$/)) {
		add_ref(substr(what, RSTART + 17, RLENGTH - 18), substr(what, 1, RSTART - 1),
			fig, unit)
		next
	} else if (match(what, / \(v5\)$/)) {
		op = substr(what, 1, RSTART - 1)
	} else {
		op = what
	}
	order[++nops] = op
	v5fig[op] = fig
	v5unit[op] = unit
}
END {
	print "bench: each v5 figure next to its reference: instructions per operation" \
	      " (callgrind), host bytes"
	printf "%-52s %10s %-4s  %-46s %10s %7s\n",
		"operation", "v5", "unit", "reference", "ref", "ratio"
	for (i = 1; i <= nops; i++) {
		op = order[i]
		if (!nref[op])
			row(op, v5fig[op], v5unit[op], "", 0, 1)
		for (j = 1; j <= nref[op]; j++)
			row(op, v5fig[op], v5unit[op], refname[op, j], reffig[op, j],
			    reftarget[op, j])
		delete wanted[op]
	}
	for (op in wanted)
		printf "bench: a reference names no figure: \"%s\"\n", op
	printf "bench: %d v5 figure(s) above their reference, or its target (*)\n", over
}' "$out/figures"
