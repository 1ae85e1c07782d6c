#!/bin/bash
# deps.sh: install, with apt by package name, every host package the build
# and the tests need and that is missing. Run as root.
set -euo pipefail
pkgs=(make gcc libc6-dev git perl python3 xz-utils cpio gzip bc flex bison
      libssl-dev libelf-dev kmod dpkg-dev debootstrap python3-ply python3-git
      gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
      qemu-system-arm)
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
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -q update >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
