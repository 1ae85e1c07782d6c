#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""inputs.py: the fuzzer's inputs as text, wrapped hex lines.

  inputs.py unpack FILE DIR        write each input of FILE as DIR/<name>
  inputs.py pack DIR FILE [NOTE]   write every file of DIR into FILE, with
                                   NOTE as a comment line above each input
                                   DIR adds to FILE (FILE is created if
                                   need be); with no NOTE, FILE is rewritten
                                   with exactly DIR's inputs, sorted by name

FILE (fuzz/corpus.txt, fuzz/crashes.txt) has an input per paragraph: a
line "<name> <hex bytes>", whose hex continues on the lines that follow
it indented (no line is longer than 80 characters: a patch mail carries
it); blank lines and lines starting with '#' are comments, kept by pack
when it adds. The fuzzer reads and writes raw files, which
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
            if line[:1] in (" ", "\t") and inputs and line.strip():
                data = line.strip()
            elif not line.strip() or line.startswith("#"):
                continue
            else:
                name, _, data = line.strip().partition(" ")
                inputs.append((name, b""))
            try:
                inputs[-1] = (inputs[-1][0], inputs[-1][1] + bytes.fromhex(data))
            except ValueError:
                sys.exit("%s:%d: not hex" % (path, n))
    return inputs


def lines(name, data, width=72):
    """An input's lines: its name and hex, wrapped at @width hex digits."""
    h = data.hex()
    first = max(width - len(name) - 1, 2) // 2 * 2
    out = ["%s %s\n" % (name, h[:first])]
    out += ["  %s\n" % h[i:i + width] for i in range(first, len(h), width)]
    return "".join(out)


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
        text = []
        for name in sorted(os.listdir(src)):
            path = os.path.join(src, name)
            if name.startswith(".") or not os.path.isfile(path) or name in known:
                continue
            with open(path, "rb") as f:
                text.append(lines(name, f.read()))
        if note:
            with open(dst, "a") as f:
                for t in text:
                    f.write("# %s\n%s" % (note, t))
        else:
            with open(dst, "w") as f:
                f.write("# The fuzzer's corpus (fuzz/inputs.py): <name> <hex bytes>\n")
                f.writelines(text)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
