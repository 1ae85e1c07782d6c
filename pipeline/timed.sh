#!/bin/bash
# timed.sh LABEL [-o OUT] [-e ERR] [-l LOG] CMD [ARGS...]: run CMD (its
# standard output to OUT, its standard error to ERR, both to LOG, when
# given) and, when it took 5 s or more, say on the terminal how long, so
# that a user waiting on a long step sees where the time goes. The exit
# status is CMD's. Without an option, CMD's output goes where this
# script's goes (never reopened: a log file would be truncated).
label=$1; shift
out= err= log=
while :; do
	case "$1" in
	-o) out=$2; shift 2 ;;
	-e) err=$2; shift 2 ;;
	-l) log=$2; shift 2 ;;
	*) break ;;
	esac
done
start=$(date +%s)
if [ -n "$log" ]; then
	"$@" > "$log" 2>&1
elif [ -n "$out" ] && [ -n "$err" ]; then
	"$@" > "$out" 2> "$err"
elif [ -n "$out" ]; then
	"$@" > "$out"
elif [ -n "$err" ]; then
	"$@" 2> "$err"
else
	"$@"
fi
rc=$?
secs=$(( $(date +%s) - start ))
if [ "$secs" -ge 5 ]; then
	[ "$rc" = 0 ] && what="done in" || what="failed after"
	printf '%s: %s %dm%02ds\n' "$label" "$what" $((secs / 60)) $((secs % 60))
fi
exit "$rc"
