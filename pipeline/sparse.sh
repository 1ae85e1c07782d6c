#!/bin/bash
# sparse.sh DIR APTDIR: build sparse 0.6.5~rc1 from Debian's unstable source
# package (bookworm's 0.6.4 cannot parse 7.3). Prints the binary's path.
set -euo pipefail
dir=$(realpath -m "$1")
here=$(dirname "$(realpath "$0")")
apt=$(realpath -m "$2")
want=0.6.5~rc1

if [ -x "$dir/sparse" ] && [ "$(cat "$dir/.version" 2>/dev/null)" = "$want" ]; then
	echo "$dir/sparse"
	exit 0
fi
echo "sparse: building $want from Debian's source package (bookworm's cannot parse 7.3)" >&2
rm -rf "$dir" "$dir.dl"
mkdir -p "$dir.dl"
(cd "$dir.dl" && "$here/apt-extra.sh" "$apt" source "sparse=$want-2" >/dev/null 2>&1) ||
(cd "$dir.dl" && "$here/apt-extra.sh" "$apt" source sparse >/dev/null)
src=$(find "$dir.dl" -maxdepth 1 -name 'sparse_*.orig.tar.*' | head -1)
[ -n "$src" ] || { echo "sparse: no source tarball downloaded" >&2; exit 1; }
mkdir -p "$dir"
tar -xf "$src" -C "$dir" --strip-components=1
make -C "$dir" -j"$(nproc)" sparse >"$dir.log" 2>&1 || { tail "$dir.log"; exit 1; }
# The 0.6.5~rc1 snapshot still calls itself 0.6.4: check what matters.
printf 'int x; __typeof_unqual__(x) y;\n' > "$dir/.probe.c"
"$dir/sparse" "$dir/.probe.c" 2>&1 | grep -q error && {
	echo "sparse: the built sparse cannot parse __typeof_unqual__" >&2; exit 1; }
echo "$want" > "$dir/.version"
echo "$dir/sparse"
