#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tap-results.py LOG PREFIX: turn TAP "ok"/"not ok" lines into result lines
("PASS|FAIL|SKIP PREFIX name"). A log with no closing "vgic-v5: ..." line
(the harness crashed or did not build) adds a failure."""
import re
import sys

log, prefix = sys.argv[1], sys.argv[2]
closed = False
with open(log, errors="replace") as f:
    for line in f:
        m = re.match(r"^(not ok|ok) \d+ (\S+)( # SKIP)?", line)
        if m:
            v = "FAIL" if m.group(1) == "not ok" else ("SKIP" if m.group(3) else "PASS")
            print("%s %s %s" % (v, prefix, m.group(2)))
        if re.match(r"^vgic-v5: \d+ passed, \d+ failed", line):
            closed = True
if not closed:
    print("FAIL %s (no closing line: the harness did not build or crashed)" % prefix)
