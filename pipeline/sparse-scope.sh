#!/bin/bash
# sparse-scope.sh ARGS...: kbuild's CHECK for the prefix builds of the
# static layer. kbuild runs CHECK on every object it recompiles, with the
# source file last; this runs sparse ($SPARSE) on it only when it is in the
# series' scope: a file under one of the directories in $SPARSE_DIRS
# (relative to the tree $SPARSE_TREE, separated by spaces) or listed in the
# file $SPARSE_FILES. For any other file of the tree it does nothing: the
# static layer counts only findings in the files the series touches, and
# it checks that the touched .c files include every header the series
# touches. A file outside the tree (kbuild's own probe of the checker,
# scripts/checker-valid.sh) always gets sparse.
src=${!#}
path=$(realpath -m -- "$src")
case "$path" in
"$SPARSE_TREE"/*)
	rel=${path#"$SPARSE_TREE"/}
	for d in $SPARSE_DIRS; do
		case "$rel" in "${d%/}"/*) exec "$SPARSE" "$@" ;; esac
	done
	if [ -n "${SPARSE_FILES:-}" ] && grep -qxF -- "$rel" "$SPARSE_FILES"; then
		exec "$SPARSE" "$@"
	fi
	exit 0
	;;
esac
exec "$SPARSE" "$@"
