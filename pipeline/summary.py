#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""summary.py RESULTS SECONDS: add up the layers' own results (RESULTS/*.res,
one "PASS|FAIL|SKIP name" line per result) and print the closing line
"check: N passed, N failed". Exits non-zero on any failure, or if nothing
ran at all."""
import glob
import os
import sys

res_dir, secs = sys.argv[1], int(sys.argv[2])
total = {"PASS": 0, "FAIL": 0, "SKIP": 0}
layers = ["build", "harness", "static", "boot-v3", "boot-v5"]
print("")
for layer in layers:
    path = os.path.join(res_dir, layer + ".res")
    if not os.path.exists(path):
        if layer != "build":
            print("check: %-8s did not run" % layer)
            total["FAIL"] += 1
        continue
    n = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    with open(path) as f:
        for line in f:
            v = line.split(" ", 1)[0]
            if v in n:
                n[v] += 1
    if not any(n.values()):
        print("check: %-8s ran no test" % layer)
        n["FAIL"] += 1
    for k in n:
        total[k] += n[k]
    print("check: %-8s %4d passed, %d failed, %d skipped" %
          (layer, n["PASS"], n["FAIL"], n["SKIP"]))
print("check: took %dm%02ds" % (secs // 60, secs % 60))
print("check: %d passed, %d failed" % (total["PASS"], total["FAIL"]))
sys.exit(1 if total["FAIL"] or not total["PASS"] else 0)
