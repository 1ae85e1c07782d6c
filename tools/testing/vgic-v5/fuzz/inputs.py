#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""inputs.py: the fuzzer's inputs as text, one input per line.

  inputs.py unpack FILE DIR        write each input of FILE as DIR/<name>
  inputs.py pack DIR FILE [NOTE]   write every file of DIR into FILE, with
                                   NOTE as a comment line above each input
                                   DIR adds to FILE (FILE is created if
                                   need be); with no NOTE, FILE is rewritten
                                   with exactly DIR's inputs, sorted by name

FILE (fuzz/corpus.txt, fuzz/crashes.txt) has a line "<name> <hex bytes>"
per input; blank lines and lines starting with '#' are comments, kept by
pack when it adds. The fuzzer reads and writes raw files, which
tests/fuzz_replay.c reads from these lines.
"""
import os
import sys


def read(path):
    inputs = []
    if not os.path.exists(path):
        return inputs
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, data = line.partition(" ")
            try:
                inputs.append((name, bytes.fromhex(data)))
            except ValueError:
                sys.exit("%s:%d: not hex" % (path, n))
    return inputs


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "unpack":
        os.makedirs(sys.argv[3], exist_ok=True)
        for name, data in read(sys.argv[2]):
            with open(os.path.join(sys.argv[3], name), "wb") as f:
                f.write(data)
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "pack":
        src, dst = sys.argv[2], sys.argv[3]
        note = sys.argv[4] if len(sys.argv) == 5 else None
        known = {name for name, _ in read(dst)} if note else set()
        lines = []
        for name in sorted(os.listdir(src)):
            path = os.path.join(src, name)
            if name.startswith(".") or not os.path.isfile(path) or name in known:
                continue
            with open(path, "rb") as f:
                lines.append("%s %s\n" % (name, f.read().hex()))
        if note:
            with open(dst, "a") as f:
                for line in lines:
                    f.write("# %s\n%s" % (note, line))
        else:
            with open(dst, "w") as f:
                f.write("# The fuzzer's corpus (fuzz/inputs.py): <name> <hex bytes>\n")
                f.writelines(lines)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
