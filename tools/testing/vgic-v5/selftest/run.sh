#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh DIR TEST...: run KVM selftests built on the harness (DIR/TEST),
# each as its own program with a time limit, as the kselftest runner does,
# and report in TAP: one line per subtest of a selftest that reports its
# own (TEST.subtest), one for a selftest that does not, and a failure for
# a selftest that exits non-zero. KSFT_SKIP (4) is a skip. Ends with the
# harness's closing line.
dir=$1
shift
n=0 pass=0 fail=0 skip=0

result() {	# verdict name
	n=$((n + 1))
	case $1 in
	ok) pass=$((pass + 1)); echo "ok $n $2" ;;
	skip) skip=$((skip + 1)); echo "ok $n $2 # SKIP" ;;
	*) fail=$((fail + 1)); echo "not ok $n $2" ;;
	esac
}

for t in "$@"; do
	log=$dir/$t.log
	timeout 120 "$dir/$t" > "$log" 2>&1
	rc=$?
	subs=$(grep -cE '^(not )?ok [0-9]+ ' "$log")
	if [ "$subs" -gt 0 ]; then
		sed -nE 's/^(not ok|ok) [0-9]+ ([^#]*[^# ]) *(# SKIP.*)?$/\1|\2|\3/p' "$log" |
		while IFS='|' read -r v name sk; do
			if [ -n "$sk" ]; then echo "skip $t.$name"
			elif [ "$v" = ok ]; then echo "ok $t.$name"
			else echo "fail $t.$name"; fi
		done > "$log.results"
		while read -r v name; do result "$v" "$name"; done < "$log.results"
	fi
	case $rc in
	0) [ "$subs" -gt 0 ] || result ok "$t" ;;
	4) [ "$subs" -gt 0 ] || result skip "$t" ;;
	*) result fail "$t (exit $rc)"; sed 's/^/# /' "$log" | tail -40 ;;
	esac
done
echo "vgic-v5: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
