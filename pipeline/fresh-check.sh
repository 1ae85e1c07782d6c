#!/bin/bash
# fresh-check.sh BUILD REPO: prove the README's two commands on a fresh
# Debian 12 system, as a new user would run them.
#
# A minimal bookworm root (debootstrap --variant=minbase, plus make: the one
# program the README's first command needs) is made under BUILD/fresh-root
# from the mirror of this machine's own apt sources, which are copied into
# it as they are, with the machine's apt configuration. A clean clone of REPO's HEAD (committed work only) goes to
# /root/work/main inside it, with ../shared beside it when REPO has one, as
# CI lays it out. Then, chrooted as root, 'make' and 'make check' run there;
# everything else they need, they must install themselves. The log is
# BUILD/fresh-check.log; the last line is make check's summary line, and
# the exit status is non-zero if either command failed.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
build=$(realpath -m "$1")
repo=$(realpath "$2")
root=$build/fresh-root
log=$build/fresh-check.log

[ "$(id -u)" = 0 ] || { echo "fresh-check: needs root (debootstrap, chroot)" >&2; exit 1; }

umount_all() {
	local m
	for m in dev/pts dev sys proc; do
		if mountpoint -q "$root/$m" 2>/dev/null; then
			umount -l "$root/$m"
		fi
	done
}
trap umount_all EXIT
umount_all

mins() { local s=$(( $(date +%s) - $1 )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

uri=$("$here/apt-extra.sh" "$build/apt" mirror)
t0=$(date +%s)
echo "fresh-check: debootstrap bookworm (minbase + make) into $root"
rm -rf "$root"
mkdir -p "$root"
debootstrap --variant=minbase --include=make bookworm "$root" "$uri" \
	> "$build/fresh-debootstrap.log" 2>&1 || {
	tail -20 "$build/fresh-debootstrap.log"; echo "fresh-check: debootstrap failed" >&2; exit 1; }
# The machine's apt sources, as they are (the pipeline reads its mirror from
# them); debootstrap's own sources.list would only name bookworm.
if ls /etc/apt/sources.list.d/*.sources > /dev/null 2>&1; then
	rm -f "$root/etc/apt/sources.list"
	cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/"
elif [ -f /etc/apt/sources.list ]; then
	cp /etc/apt/sources.list "$root/etc/apt/sources.list"
fi
# ... and its apt configuration: a machine of this kind comes with it (for
# example Acquire::Check-Valid-Until "false" for its snapshot mirror).
cp /etc/apt/apt.conf.d/* "$root/etc/apt/apt.conf.d/" 2>/dev/null || true
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
echo "fresh-check: root made in $(mins "$t0")"

mkdir -p "$root/root/work"
git clone -q --no-local "$repo" "$root/root/work/main"
if [ -d "$repo/../shared" ]; then
	cp -a "$repo/../shared" "$root/root/work/shared"
fi
echo "fresh-check: cloned $(git -C "$repo" rev-parse --short HEAD) into /root/work/main"

mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"

echo "fresh-check: running 'make' then 'make check' in the fresh root (log: $log)"
set +e
chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/bin/bash -c '
		cd /root/work/main || exit 1
		s=$(date +%s)
		make; rc=$?
		echo "fresh-check: make exited $rc after $(( $(date +%s) - s )) s"
		[ $rc = 0 ] || exit $rc
		s=$(date +%s)
		make check; rc=$?
		echo "fresh-check: make check exited $rc after $(( $(date +%s) - s )) s"
		exit $rc' 2>&1 | while IFS= read -r line; do
			printf '%s %s\n' "$(date +%T)" "$line"
		done | tee "$log"
rc=${PIPESTATUS[0]}
set -e
echo "fresh-check: $( [ "$rc" = 0 ] && echo passed || echo FAILED ) in $(mins "$t0")"
grep -E '^[0-9:]+ check: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | cut -d' ' -f2-
exit "$rc"
