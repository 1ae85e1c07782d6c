#!/bin/bash
# qemu11-run.sh ROOT ARGS...: run the trixie root's qemu-system-aarch64 on
# this machine, through the root's own loader and libraries.
root=$(realpath "$1"); shift
exec "$root/lib64/ld-linux-x86-64.so.2" \
	--library-path "$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu" \
	"$root/usr/bin/qemu-system-aarch64" -L "$root/usr/share/qemu" \
	-L "$root/usr/share/seabios" "$@"
