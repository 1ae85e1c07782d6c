#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""touched-objects.py TREE OUT TOUCHED DIR...: from kbuild's .cmd files
under OUT/DIR..., the objects built from a .c file listed in TOUCHED (paths
relative to the kernel tree TREE, one per line). Prints "dep PATH" for each
file of TREE that those objects include, then "target TARGET SOURCE" for
each object: the name kbuild builds it by (TARGET, relative to OUT, which
may hold "..") and its .c file (SOURCE, relative to TREE)."""
import os
import re
import sys

tree, out, touched_file = (os.path.realpath(sys.argv[1]), sys.argv[2],
                           sys.argv[3])
touched = set(open(touched_file).read().split())
deps, targets = set(), []
src_re = re.compile(r'^source_(\S+) := (\S+)$', re.M)
dep_re = re.compile(r'^\s+(/\S+)\s*\\?$', re.M)


def rel(path):
    path = os.path.realpath(path)
    if path.startswith(tree + '/'):
        return path[len(tree) + 1:]
    return None


for d in sys.argv[4:]:
    for root, _, files in os.walk(os.path.join(out, d)):
        for name in files:
            if not name.endswith('.o.cmd'):
                continue
            text = open(os.path.join(root, name), errors='replace').read()
            m = src_re.search(text)
            if not m or rel(m.group(2)) not in touched:
                continue
            targets.append((m.group(1), rel(m.group(2))))
            for h in dep_re.findall(text):
                r = rel(h)
                if r:
                    deps.add(r)
for h in sorted(deps):
    print('dep', h)
for t, src in sorted(targets):
    print('target', t, src)
