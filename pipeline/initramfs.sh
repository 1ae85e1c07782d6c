#!/bin/bash
# initramfs.sh OUT BUSYBOX_DEB SELFTEST_DIR LIST: a gzip'd newc initramfs
# with static busybox, the KVM selftests named in LIST (see
# selftests.list; paths relative to SELFTEST_DIR) and pipeline/init as /init.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
out=$(realpath -m "$1"); deb=$(realpath "$2"); kst=$(realpath "$3"); list=$(realpath "$4")

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,selftests} "$root/usr/bin" "$root/usr/sbin"
dpkg -x "$deb" "$root/bb"
for b in usr/bin/busybox bin/busybox; do
	[ -f "$root/bb/$b" ] && install -m 755 "$root/bb/$b" "$root/bin/busybox" && break
done
[ -x "$root/bin/busybox" ] || { echo "initramfs: no busybox in $deb" >&2; exit 1; }
rm -rf "$root/bb"
cp "$here/init" "$root/init"
chmod 755 "$root/init"
grep -v '^#' "$list" | while read -r expect t args; do
	[ -n "$t" ] || continue
	mkdir -p "$root/selftests/$(dirname "$t")"
	aarch64-linux-gnu-strip -o "$root/selftests/$t" "$kst/$t"
	# "pass-retry": up to two more runs if it fails (see selftests.list)
	tries=1; [ "$expect" = pass-retry ] && tries=3
	echo "$tries $t $args" >> "$root/selftests/list.run"
done
(cd "$root" && find . | sort | cpio -o -H newc --quiet | gzip -6) > "$out.tmp"
mv "$out.tmp" "$out"
