#!/bin/bash
# qemu11.sh ROOT APTDIR: a minimal trixie root under build/ holding QEMU 11.x
# (for its GICv5 model) from trixie-backports, run later through the root's
# own dynamic loader. The mirror URI comes from the machine's apt sources.
set -euo pipefail
root=$(realpath -m "$1")
here=$(dirname "$(realpath "$0")")

if [ -x "$root/usr/bin/qemu-system-aarch64" ] && [ -f "$root/.gicv5-ready" ]; then
	exit 0
fi
uri=$("$here/apt-extra.sh" "$2" mirror)
echo "qemu11: a trixie root with QEMU 11 from trixie-backports (debootstrap, then apt)"
rm -rf "$root"
mkdir -p "$root"
debootstrap --variant=minbase trixie "$root" "$uri" > "$root.log" 2>&1 || {
	tail -20 "$root.log"; echo "qemu11: debootstrap failed" >&2; exit 1; }
echo "deb $uri trixie-backports main" > "$root/etc/apt/sources.list.d/backports.list"
# -o: the mirror may be a dated snapshot (see apt-extra.sh)
chroot "$root" apt-get -q -o Acquire::Check-Valid-Until=false update >> "$root.log" 2>&1
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends -t trixie-backports qemu-system-arm >> "$root.log" 2>&1 || {
	tail -20 "$root.log"; echo "qemu11: installing qemu-system-arm failed" >&2; exit 1; }
touch "$root/.gicv5-ready"
"$here/qemu11-run.sh" "$root" --version | head -1
