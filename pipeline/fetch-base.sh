#!/bin/bash
# fetch-base.sh BUILD: fetch Debian's linux-source package named in
# base.conf with apt, check the tarball's sha256 and unpack the pristine tree
# into BUILD/base/linux. Does nothing if that tree is already there.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
build=$(realpath -m "$1")
# shellcheck source=base.conf
. "$here/base.conf"

stamp="$build/base/.stamp"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$BASE_SHA256" ] && [ -f "$build/base/linux/Makefile" ]; then
	exit 0
fi

echo "fetch-base: $BASE_PACKAGE $BASE_VERSION (a 170 MB tarball) with apt, then unpacking it"
mkdir -p "$build/dl"
[ -d "$build/apt/state/lists" ] && ls "$build/apt/state/lists/"*trixie-backports*Packages >/dev/null 2>&1 ||
	"$here/apt-extra.sh" "$build/apt" update >/dev/null
deb="$build/dl/${BASE_PACKAGE}_${BASE_VERSION//:/%3a}_all.deb"
if [ ! -f "$deb" ]; then
	(cd "$build/dl" && "$here/apt-extra.sh" "$build/apt" download "$BASE_PACKAGE=$BASE_VERSION" 2>&1 |
		grep -v '^W: ' || true)
fi
[ -f "$deb" ] || { echo "fetch-base: $BASE_PACKAGE $BASE_VERSION could not be downloaded" >&2; exit 1; }

rm -rf "$build/base"
mkdir -p "$build/base/pkg"
dpkg -x "$deb" "$build/base/pkg"
sum=$(sha256sum "$build/base/pkg/$BASE_TARBALL" | cut -d' ' -f1)
if [ "$sum" != "$BASE_SHA256" ]; then
	echo "fetch-base: $BASE_TARBALL has sha256 $sum," >&2
	echo "fetch-base: but pipeline/base.conf records $BASE_SHA256." >&2
	echo "fetch-base: refusing to build on a different base tree." >&2
	rm -rf "$build/base"
	exit 1
fi
mkdir -p "$build/base/linux"
tar -xf "$build/base/pkg/$BASE_TARBALL" -C "$build/base/linux" --strip-components=1
rm -rf "$build/base/pkg"
echo "$BASE_SHA256" > "$stamp"
echo "fetch-base: $BASE_PACKAGE $BASE_VERSION unpacked"
