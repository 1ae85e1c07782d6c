#!/bin/bash
# static-check.sh BUILD RESULTS: the static layer of 'make check'.
#
#  - scripts/checkpatch.pl --strict on every patch of the series (BUILD/series,
#    written by 'make series'); a finding kept on purpose is explained in the
#    cover letter (pipeline/cover-letter.txt, see checkpatch-exceptions.py),
#    never in the patch;
#  - the series applies with git am to the pristine base;
#  - a W=1 build with sparse (C=1) of arch/arm64/kvm/ and drivers/irqchip/,
#    the objects built from the .c files the series adds or touches rebuilt
#    every time so that every warning in them is seen; a finding in a file
#    the series adds or touches fails unless the same warning (file and
#    message) is in the stock baseline. The headers the series touches are
#    seen through those objects, which must include each of them (otherwise
#    every object of both directories is rebuilt). Only findings in the
#    touched files count, and every other object that includes a touched
#    header is rebuilt, with W=1 and sparse, by the prefix builds below;
#  - scripts/kernel-doc -none on every .c/.h file the series adds or touches,
#    compared the same way with the stock file;
#  - every prefix of the series builds: the arm64 Image with W=1 and sparse
#    at each commit, in order, in the tree itself (incrementally: each step
#    rebuilds what that commit changes), with no new finding in the files the
#    series touches; the tree ends back at HEAD, built. Sparse runs there
#    on the objects of the touched .c files only (sparse-scope.sh): a
#    finding elsewhere could not count, and they include every touched
#    header (checked in 2).
#    gcc runs through ccache (see the Makefile), so an object whose sources
#    are back to a state already built (HEAD's, after the last patch that
#    changes one of its headers) is not compiled again; ccache replays its
#    W=1 warnings.
#
# The baseline is the same W=1/sparse build in the pristine base tree of the
# objects of the touched .c files that it has, made once in BUILD/kout-base
# and cached: only findings in the touched files are compared with it.
#
# checkpatch and kernel-doc run on every core: they are one process per
# file, and checkpatch runs scripts/spdxcheck.py for each file a patch adds.
set -uo pipefail
here=$(dirname "$(realpath "$0")")
build=$(realpath "$1")
results=$(realpath -m "$2")
tree=$build/linux
out=$build/kout
sparse=$build/sparse/sparse
kmake=(make -s -C "$tree" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- -j"$(nproc)")
dirs=(arch/arm64/kvm/ drivers/irqchip/)
work=$build/static
mkdir -p "$work"
: > "$results"

pass() { echo "PASS $*" >> "$results"; }
fail() { echo "FAIL $*" >> "$results"; echo "static: FAIL $*"; }

# warnings as "file<TAB>message", paths relative to the tree
findings() {
	sed -n -E 's/^([^ :]+):[0-9]+:([0-9]+:)? (warning|error): (.*)$/\1\t\3: \4/p' "$1" |
		sed -E -e 's#^(\.\./)*(.*/)?(linux|base-wt)/##' -e 's#^\./##' | sort -u
}

# 1. checkpatch on every patch of the series: PATCH's findings in
# $work/checkpatch/PATCH.out, its exit status in PATCH.rc
checkpatch() {
	local p=$1 name ignore args
	name=$(basename "$p")
	ignore=$(python3 "$here/checkpatch-exceptions.py" "$here/cover-letter.txt" "$p")
	args=(--strict --terse --no-summary --show-types)
	[ -n "$ignore" ] && args+=(--ignore "$ignore")
	# checkpatch runs scripts/spdxcheck.py through "env python3": make it the
	# system python, which has python3-ply
	(cd "$tree" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl "${args[@]}" "$p") \
		> "$work/checkpatch/$name.out" 2>&1
	echo $? > "$work/checkpatch/$name.rc"
}
export -f checkpatch
export here tree work
mapfile -t mails < <(ls "$build"/series/*.patch | grep -v '/0000-cover-letter.patch$')
rm -rf "$work/checkpatch"; mkdir -p "$work/checkpatch"
printf '%s\n' "${mails[@]}" |
	xargs -r -d '\n' -n 1 -P "$(nproc)" bash -c 'checkpatch "$1"' checkpatch
for p in "${mails[@]}"; do
	name=$(basename "$p")
	if [ "$(cat "$work/checkpatch/$name.rc" 2>/dev/null)" = 0 ]; then
		pass "checkpatch $name"
	else
		fail "checkpatch $name"
		sed 's/^/    /' "$work/checkpatch/$name.out" | head -20
	fi
done

# 1b. the series applies with git am to the pristine base and gives exactly
# the tree that is built and tested here
git -C "$tree" worktree prune
rm -rf "$work/am-wt"
git -C "$tree" worktree add -q --detach "$work/am-wt" base
if git -C "$work/am-wt" -c user.name=check -c user.email=check@localhost \
	am -q "${mails[@]}" > "$work/am.out" 2>&1 &&
   [ "$(git -C "$work/am-wt" rev-parse 'HEAD^{tree}')" = "$(git -C "$tree" rev-parse 'HEAD^{tree}')" ]; then
	pass "series applies with git am to pristine 7.3 and matches the built tree"
else
	fail "series applies with git am to pristine 7.3 and matches the built tree"
	head -20 "$work/am.out"
fi
git -C "$tree" worktree remove --force "$work/am-wt"

# 2. W=1 + sparse over the KVM and irqchip directories, and the stock
# baseline
touched=$(git -C "$tree" diff --name-only base HEAD)
# The objects built from the .c files the series touches, and the files of
# the tree they include, from kbuild's .cmd files
printf '%s\n' $touched > "$work/touched.txt"
python3 "$here/touched-objects.py" "$tree" "$out" "$work/touched.txt" "${dirs[@]}" \
	> "$work/touched-objs.txt"
# kbuild's targets for those of them whose .c file the base tree has
mapfile -t base_targets < <(while read -r kind target src; do
	[ "$kind" = target ] && git -C "$tree" cat-file -e "base:$src" 2>/dev/null &&
		echo "$target"
done < "$work/touched-objs.txt")
cfg_key=$( (cat "$out/.config"; "$sparse" --version; git -C "$tree" rev-parse base
	printf '%s\n' "${base_targets[@]}") | sha256sum | cut -c1-16)
baseline=$build/baseline-$cfg_key.txt
if [ ! -f "$baseline" ]; then
	echo "static: building the stock baseline W=1 + sparse of ${#base_targets[@]} objects (once per config)"
	bstart=$(date +%s)
	rm -rf "$build/base-wt" "$build/kout-base"
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$build/base-wt" base
	mkdir -p "$build/kout-base"
	cp "$out/.config" "$build/kout-base/.config"
	make -s -C "$build/base-wt" O="$build/kout-base" ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- olddefconfig
	# (no target would make kbuild build the whole kernel)
	: > "$work/base-build.log"
	[ ${#base_targets[@]} = 0 ] ||
	make -C "$build/base-wt" O="$build/kout-base" ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- -j"$(nproc)" W=1 C=1 CHECK="$sparse" \
		"${base_targets[@]}" > "$work/base-build.log" 2>&1 || {
		echo "static: the stock baseline does not build"; tail "$work/base-build.log"; exit 1; }
	findings "$work/base-build.log" > "$baseline.tmp" && mv "$baseline.tmp" "$baseline"
	git -C "$tree" worktree remove --force "$build/base-wt"
	rm -rf "$build/kout-base"
	echo "static: stock baseline built in $(( $(date +%s) - bstart )) s"
fi

rebuild=touched
for f in $touched; do
	case "$f" in tools/*) continue ;; *.h) ;; *) continue ;; esac
	if ! grep -qxF -- "dep $f" "$work/touched-objs.txt"; then
		echo "static: no touched .c file includes $f: every object is rebuilt"
		rebuild=all
		break
	fi
done
if [ "$rebuild" = touched ] && grep -q '^target ' "$work/touched-objs.txt"; then
	# (rm takes kbuild's "dir/../file.o" names as they are)
	awk -v out="$out" '$1 == "target" { print out "/" $2 }' "$work/touched-objs.txt" |
		xargs -r rm -f
else
	for d in "${dirs[@]}"; do
		[ -d "$out/$d" ] && find "$out/$d" -name '*.o' -delete
	done
fi
if ! "${kmake[@]}" O="$out" W=1 C=1 CHECK="$sparse" "${dirs[@]}" > "$work/build.log" 2>&1; then
	fail "W=1 build of ${dirs[*]}"
	grep -E 'error|Error' "$work/build.log" | head -20
else
	pass "W=1 build of ${dirs[*]}"
fi
if grep -q "sparse is not available" "$work/build.log"; then
	fail "sparse ran (the kernel found no usable sparse)"
fi
findings "$work/build.log" > "$work/findings.txt"
for f in $touched; do
	case "$f" in tools/*) continue ;; *.c | *.h) ;; *) continue ;; esac
	new=$(awk -F'\t' -v f="$f" '$1 == f' "$work/findings.txt" | grep -vxFf "$baseline")
	if [ -n "$new" ]; then
		fail "W=1/sparse $f"
		echo "$new" | sed 's/^/    /' | head -20
	else
		pass "W=1/sparse $f"
	fi
done

# 3. kernel-doc on the files the series adds or touches, and on the stock
# version of each: F's findings in $work/kdoc/F.new and F.old
kdoc() {
	local f=$1
	mkdir -p "$work/kdoc/$(dirname "$f")"
	(cd "$tree" && ./scripts/kernel-doc -none "$f") 2>&1 |
		sed -E 's/:[0-9]+([: ])/:\1/' | sort -u > "$work/kdoc/$f.new"
	: > "$work/kdoc/$f.old"
	if git -C "$tree" cat-file -e "base:$f" 2>/dev/null; then
		mkdir -p "$work/kdoc-base/$(dirname "$f")"
		git -C "$tree" show "base:$f" > "$work/kdoc-base/$f"
		(cd "$work/kdoc-base" && "$tree/scripts/kernel-doc" -none "$f") 2>&1 |
			sed -E 's/:[0-9]+([: ])/:\1/' | sort -u > "$work/kdoc/$f.old"
	fi
}
export -f kdoc
kfiles=()
for f in $touched; do
	case "$f" in *.c | *.h) [ -f "$tree/$f" ] && kfiles+=("$f") ;; esac
done
rm -rf "$work/kdoc"
printf '%s\n' "${kfiles[@]}" | xargs -r -d '\n' -n 1 -P "$(nproc)" bash -c 'kdoc "$1"' kdoc
for f in "${kfiles[@]}"; do
	new=$(grep -vxFf "$work/kdoc/$f.old" "$work/kdoc/$f.new")
	if [ -n "$new" ]; then
		fail "kernel-doc $f"
		echo "$new" | sed 's/^/    /' | head -10
	else
		pass "kernel-doc $f"
	fi
done


# 4. every prefix of the series builds (W=1, sparse), each commit in turn
if [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
	fail "every prefix builds (build/linux has uncommitted changes: commit them first)"
else
	ref=$(git -C "$tree" symbolic-ref -q --short HEAD || git -C "$tree" rev-parse HEAD)
	# kbuild drops from .config the options a prefix does not know (the
	# series' own Kconfig symbols): every build starts from HEAD's .config,
	# which is put back at the end, with HEAD's Image rebuilt from it.
	cp "$out/.config" "$work/config.head"
	trap 'git -C "$tree" checkout -q "$ref"; cp "$work/config.head" "$out/.config"' EXIT
	mapfile -t commits < <(git -C "$tree" rev-list --reverse base..HEAD)
	# sparse only where a finding can count (sparse-scope.sh)
	export SPARSE=$sparse SPARSE_TREE=$(realpath "$tree") SPARSE_DIRS=
	export SPARSE_FILES=$work/touched.txt
	i=0
	for c in "${commits[@]}"; do
		i=$((i + 1))
		subj=$(git -C "$tree" log -1 --format=%s "$c")
		name=$(printf 'prefix %02d/%02d builds: %s' "$i" "${#commits[@]}" "$subj")
		# A commit that changes only documentation and tools cannot change
		# the kernel build: the previous prefix's result stands for it.
		if [ "$i" -gt 1 ] && ! git -C "$tree" diff --name-only "$c^" "$c" |
			grep -qvE '^(Documentation|tools)/'; then
			pass "$name (documentation and tools only)"
			continue
		fi
		git -C "$tree" checkout -q "$c"
		# a new .config makes kbuild run syncconfig: copy only if it changed
		cmp -s "$work/config.head" "$out/.config" || cp "$work/config.head" "$out/.config"
		start=$(date +%s)
		if ! "${kmake[@]}" O="$out" W=1 C=1 CHECK="$here/sparse-scope.sh" Image \
			> "$work/prefix.log" 2>&1; then
			fail "$name"
			grep -E 'error|Error' "$work/prefix.log" | head -10 | sed 's/^/    /'
			continue
		fi
		new=$(findings "$work/prefix.log" | grep -vxFf "$baseline" |
			awk -F'\t' 'NR == FNR { t[$0] = 1; next } ($1 in t)' <(printf '%s\n' $touched) -)
		if [ -n "$new" ]; then
			fail "$name (new W=1/sparse findings)"
			echo "$new" | sed 's/^/    /' | head -10
		else
			pass "$name"
		fi
		echo "static: prefix $i/${#commits[@]} built in $(( $(date +%s) - start )) s"
	done
	git -C "$tree" checkout -q "$ref"
	cp "$work/config.head" "$out/.config"
	trap - EXIT
	if ! "${kmake[@]}" O="$out" W=1 Image > "$work/prefix.log" 2>&1; then
		fail "HEAD's Image rebuilt after the prefixes"
		grep -E 'error|Error' "$work/prefix.log" | head -10 | sed 's/^/    /'
	fi
fi

np=$(grep -c '^PASS' "$results"); nf=$(grep -c '^FAIL' "$results")
echo "static: $np passed, $nf failed"
[ "$nf" = 0 ]
