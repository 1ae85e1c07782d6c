#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""cover-letter.py TEXT PATCH: fill git format-patch's cover letter
placeholders from TEXT (first line: subject; rest: blurb)."""
import sys

with open(sys.argv[1]) as f:
    subject, _, blurb = f.read().partition("\n")
with open(sys.argv[2]) as f:
    s = f.read()
s = s.replace("*** SUBJECT HERE ***", subject.strip())
s = s.replace("*** BLURB HERE ***", blurb.strip())
with open(sys.argv[2], "w") as f:
    f.write(s)
