#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh fuzz BIN FUZZDIR WORKDIR SECONDS [LIBFUZZER FLAGS...]
#	Run the libFuzzer target BIN for SECONDS on the inputs of
#	FUZZDIR/corpus.txt (unpacked into WORKDIR/corpus), then report
#	executions, coverage and findings. The reproducer of a finding is
#	added to FUZZDIR/crashes.txt, which "make check" replays
#	(tests/fuzz_replay.c); exits 1 if there is one.
# run.sh merge BIN FUZZDIR WORKDIR
#	Minimise FUZZDIR/corpus.txt together with WORKDIR/corpus (what the
#	last run found) into a new FUZZDIR/corpus.txt: libFuzzer -merge=1 on
#	edges alone (-use_counters=0), which keeps the corpus small. An input
#	that fails is left out.
# The inputs are kept as text, in lines of hex (fuzz/inputs.py).
mode=$1 bin=$2 fdir=$3 work=$4
shift 4
inputs=$fdir/inputs.py

case $mode in
merge)
	test -d "$work/corpus" || { echo "vgic-fuzz: run 'make fuzz' first"; exit 1; }
	rm -rf "$work/merged" "$work/old" && mkdir -p "$work/merged" || exit 1
	"$inputs" unpack "$fdir/corpus.txt" "$work/old" || exit 1
	"$bin" -merge=1 -use_counters=0 -max_len=4096 -artifact_prefix="$work/merge-" \
		"$work/merged" "$work/old" "$work/corpus" \
		> "$work/merge.log" 2>&1 || { tail -20 "$work/merge.log"; exit 1; }
	"$inputs" pack "$work/merged" "$fdir/corpus.txt" || exit 1
	echo "vgic-fuzz: corpus: $(ls "$work/merged" | wc -l) inputs," \
	     "$(cat "$work/merged"/* | wc -c) bytes"
	exit 0
	;;
fuzz)
	;;
*)
	echo "usage: $0 fuzz|merge BIN FUZZDIR WORKDIR [SECONDS FLAGS...]"
	exit 2
	;;
esac

seconds=$1
shift
log=$work/fuzz.log
rm -rf "$work/corpus" "$work/artifacts"
mkdir -p "$work/corpus" "$work/artifacts" || exit 1
"$inputs" unpack "$fdir/corpus.txt" "$work/corpus" || exit 1

echo "vgic-fuzz: $seconds s on $(ls "$work/corpus" | wc -l) inputs, log in $log"
# Each input is a short program; one that takes 20 s hangs (a vCPU that
# sleeps is a finding after 3 s already).
# A smaller ASan quarantine than the default 256 MiB: each input frees
# what it allocated, and reusing memory sooner saves page faults.
ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=64:malloc_context_size=16} \
"$bin" -max_total_time="$seconds" -timeout=20 -max_len=4096 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$work/artifacts/" "$@" \
	"$work/corpus" > "$log" 2>&1
rc=$?

# libFuzzer's status lines: "#N  <event>  cov: C ft: F corp: ..."
last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
stat() {
	sed -n "s/^stat::$1: *//p" "$log" | tail -1
}
echo "vgic-fuzz: executions: $(stat number_of_executed_units)," \
     "$(stat average_exec_per_sec) exec/s, new inputs: $(stat new_units_added)," \
     "peak RSS: $(stat peak_rss_mb) MiB"
echo "vgic-fuzz: coverage: $(echo "$last" | sed -n 's/.*\(cov: [0-9]*\).*/\1/p')" \
     "$(echo "$last" | sed -n 's/.*\(ft: [0-9]*\).*/\1/p')," \
     "corpus: $(echo "$last" | sed -n 's/.*corp: \([^ ]*\).*/\1/p') inputs/bytes"

found=$(ls "$work/artifacts" | wc -l)
if [ "$found" -gt 0 ]; then
	"$inputs" pack "$work/artifacts" "$fdir/crashes.txt" \
		"found by 'make fuzz' on $(date -u +%F): say what it was" || exit 1
	for a in "$work/artifacts"/*; do
		echo "vgic-fuzz: FINDING: $(basename "$a"), added to $fdir/crashes.txt"
	done
fi
if [ "$found" -gt 0 ] || [ "$rc" -ne 0 ]; then
	grep -E 'ERROR|FAIL|SUMMARY|finding|violation|leaked|deadly' "$log" | head -20
	echo "vgic-fuzz: $found finding(s), libFuzzer exited with $rc; see $log"
	exit 1
fi
echo "vgic-fuzz: no finding"
