#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""checkpatch-exceptions.py COVER PATCH: the checkpatch types that PATCH may
keep, comma-separated (empty if none).

A finding kept on purpose is explained once, in prose, in the cover letter
(COVER, pipeline/cover-letter.txt), as a list item of the form

    - TYPE[, TYPE...] in "<subject of the patch>": why
    - TYPE[, TYPE...] in every patch: why

(an item may continue on indented lines). Nothing in the patches
themselves: no trailer a kernel tool does not know."""
import email
import email.policy
import re
import sys

cover, patch = sys.argv[1], sys.argv[2]
with open(patch, "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
subject = re.sub(r"^\[PATCH[^\]]*\]\s*", "", str(msg.get("Subject", "")))
subject = " ".join(subject.split())

types = []
item = re.compile(r'^\s*-\s+([A-Z_]+(?:\s*,\s*[A-Z_]+)*)\s+in\s+(every patch|"([^"]+)")')
with open(cover) as f:
    for line in f:
        m = item.match(line)
        if not m:
            continue
        if m.group(2) == "every patch" or " ".join(m.group(3).split()) == subject:
            types += [t.strip() for t in m.group(1).split(",")]
print(",".join(dict.fromkeys(types)))
