#!/bin/bash
# deps.sh: install, with apt by package name, every host package the build
# and the tests need and that is missing. Run as root.
#
# Not obvious from the list: rsync is what the kernel's headers_install
# copies with; ipxe-qemu holds the option ROMs (efi-virtio.rom, ...) that
# QEMU's virt machine loads for a NIC, which --no-install-recommends leaves
# out (the boots also pass -nic none); debootstrap makes the trixie root of
# QEMU 11 and the root of 'make fresh-check'; valgrind gives 'make bench'
# its instruction counts (callgrind); ccache lets the static layer's builds
# at each prefix of the series reuse the objects of the kernel build.
set -euo pipefail
pkgs=(make gcc libc6-dev git perl python3 xz-utils cpio gzip bc flex bison
      libssl-dev libelf-dev kmod dpkg-dev debootstrap python3-ply python3-git
      gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
      qemu-system-arm ipxe-qemu rsync valgrind ccache)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing ${#missing[@]} packages with apt (about 1 min on a fresh machine):"
echo "deps:   ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get -q update && apt-get install -y -q --no-install-recommends "${missing[@]}"; } > "$log" 2>&1; then
	tail -20 "$log"
	echo "deps: apt-get failed" >&2
	exit 1
fi
