#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""mutate.py: how many plausible bugs in the series' kernel code do the
harness tests catch?

Each mutant is one small change to one line that the series adds to a
kernel file compiled by the harness (a compared operator flipped, an
off-by-one, a dropped check, call, wait, lock or unlock, a
field or constant swapped for a neighbour, a boolean inverted). For each
mutant the file is changed in place, the harness rebuilt and run; the
original is always restored. A mutant that does not build is not counted.
A mutant is caught ("killed") if any test fails or the run times out.

    ./mutate.py [-n N] [--seed S] [--file PATH]... [--list] [--timeout SECS]

Run it from anywhere inside a kernel tree holding the series (the base is
the git tag 'base'). It prints one line per mutant and a closing line
"mutate: K of M killed (P%)"; the survivors are the places a test is
missing. It changes nothing when it ends, and is not part of 'make check'
(about 30 s per mutant).
"""
import argparse
import os
import random
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "../../.."))

# The kernel files the harness compiles (Makefile KERNEL_C).
FILES = [
    "arch/arm64/kvm/vgic/vgic-v5-irs.c",
    "arch/arm64/kvm/vgic/vgic-mmio-v5.c",
    "arch/arm64/kvm/vgic/vgic-v5.c",
    "arch/arm64/kvm/vgic/vgic.c",
    "arch/arm64/kvm/vgic/vgic-init.c",
    "arch/arm64/kvm/vgic/vgic-kvm-device.c",
    "arch/arm64/kvm/vgic/vgic-mmio.c",
    "arch/arm64/kvm/vgic/vgic-irqfd.c",
    "arch/arm64/kvm/hyp/vgic-v5-sr.c",
]

# (name, regex, replacement): applied to one match in a line.
OPERATORS = [
    ("==->!=", r"==", "!="),
    ("!=->==", r"!=", "=="),
    ("<-><=", r"(?<![<-])<(?![<=])", "<="),
    ("<=-><", r"<=", "<"),
    (">->=", r"(?<![->])>(?![>=])", ">="),
    (">=->", r">=", ">"),
    ("&&->||", r"&&", "||"),
    ("||->&&", r"\|\|", "&&"),
    ("!x->x", r"!(?=[A-Za-z_(])", ""),
    ("+1->+0", r"\+ 1\b", "+ 0"),
    ("-1->-0", r"- 1\b", "- 0"),
    ("true->false", r"\btrue\b", "false"),
    ("false->true", r"\bfalse\b", "true"),
    ("BIT(n)->BIT(n+1)", r"BIT\((\d+)\)", lambda m: "BIT(%d)" % (int(m.group(1)) + 1)),
    ("U=1->0", r"_U\b", "_U * 0"),
    ("vm_id->0", r"(?:\b\w+->)?\bvm_id\b(?!\s*=[^=])(?<!u16 vm_id)", "0"),
]

# Whole statements worth dropping: a call whose loss a review would flag.
# Barriers (dsb, isb) are left out: no userland run can see one missing;
# so are assertions (lockdep_assert_held()): dropping one is no bug.
DROP = re.compile(r"^\s*(?:ret\s*=\s*)?(?:"
                  r"irs_wait_\w+|irs_flush|irs_inval|irs_write_entry|"
                  r"dcache_\w+|mutex_(?:un)?lock|spin_(?:un)?lock\w*|"
                  r"raw_spin_(?:un)?lock\w*|kvm_make_request|"
                  r"kvm_vcpu_kick|kvm_call_hyp\w*|irs_\w+|vgic_v5_\w+|"
                  r"WRITE_ONCE|kfree|free_pages\w*|irs_table_free|"
                  r"kvm_write_guest\w*|mark_page_dirty\w*)\(.*\);\s*$")
CHECK = re.compile(r"^(\s*)if \((.*)\)\s*$")


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, **kw)


def added_lines(path):
    """Line numbers (1-based) of the lines the series adds to path."""
    out = sh("git -C %s diff -U0 base -- %s" % (TOP, path)).stdout.decode()
    lines = set()
    for m in re.finditer(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", out, re.M):
        start, n = int(m.group(1)), int(m.group(2) or 1)
        lines.update(range(start, start + n))
    return lines


def candidates(path):
    text = open(os.path.join(TOP, path)).read().split("\n")
    muts = []
    for ln in sorted(added_lines(path)):
        line = text[ln - 1]
        s = line.strip()
        if (not s or s.startswith(("/*", "*", "//", "#")) or
                s.startswith(("static ", "struct ", "}", "{")) and s.endswith(("{", "= {", ";")) and "(" not in s):
            continue
        if re.match(r"^\s*(case|default)\b", line):
            continue
        for name, rx, rep in OPERATORS:
            for m in re.finditer(rx, line):
                new = line[:m.start()] + (rep(m) if callable(rep) else rep) + line[m.end():]
                if new != line:
                    muts.append((path, ln, name, line, new))
                    break
        if DROP.match(line):
            muts.append((path, ln, "drop call", line, ""))
        m = CHECK.match(line)
        if m and ln < len(text) and text[ln].strip().startswith("return"):
            muts.append((path, ln, "drop check", line, m.group(1) + "if (0)"))
    return muts


def run_mutant(path, ln, new, timeout):
    full = os.path.join(TOP, path)
    orig = open(full).read()
    lines = orig.split("\n")
    lines[ln - 1] = new
    try:
        with open(full, "w") as f:
            f.write("\n".join(lines))
        b = sh("make -s -C %s harness" % HERE, timeout=600)
        if b.returncode:
            return "build"
        try:
            r = sh(os.path.join(HERE, ".build/vgic-v5-harness"), timeout=timeout)
        except subprocess.TimeoutExpired:
            return "killed (timeout)"
        if r.returncode:
            fails = re.findall(rb"^not ok \d+ (\S+)", r.stdout, re.M)
            return "killed (%s%s)" % (fails[0].decode() if fails else "exit %d" % r.returncode,
                                      ", +%d" % (len(fails) - 1) if len(fails) > 1 else "")
        return "SURVIVED"
    finally:
        with open(full, "w") as f:
            f.write(orig)
        # The restored file must be older than nothing built from the mutant.
        os.utime(full, None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=40, help="mutants to run (sampled)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--file", action="append", help="only these kernel files")
    ap.add_argument("--list", action="store_true", help="list the candidates only")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per harness run")
    a = ap.parse_args()

    files = a.file or FILES
    muts = []
    for f in files:
        muts += candidates(f)
    random.Random(a.seed).shuffle(muts)
    if a.list:
        for p, ln, name, old, new in muts:
            print("%s:%d %s: %s" % (p, ln, name, new.strip() or "(line dropped)"))
        print("mutate: %d candidates" % len(muts))
        return 0
    if sh("make -s -C %s harness" % HERE).returncode:
        sys.exit("mutate: the harness does not build unmutated")
    killed = counted = 0
    survivors = []
    for p, ln, name, old, new in muts:
        if counted >= a.n:
            break
        res = run_mutant(p, ln, new, a.timeout)
        print("%-8s %s:%d %s: %s" % (res.split()[0], p, ln, name, new.strip() or "(dropped) " + old.strip()),
              flush=True)
        if res == "build":
            continue
        counted += 1
        if res.startswith("killed"):
            killed += 1
        else:
            survivors.append("%s:%d %s" % (p, ln, name))
    sh("make -s -C %s harness" % HERE)
    pct = 100.0 * killed / counted if counted else 0
    print("mutate: %d of %d killed (%.0f%%)" % (killed, counted, pct))
    return 0


if __name__ == "__main__":
    sys.exit(main())
