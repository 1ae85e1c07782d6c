#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""boot-test.py MODE RESULTS LOG TIMEOUT LIST -- QEMU-COMMAND...

Boot the test kernel under QEMU, keep the console in LOG and judge the boot
from the guest's own output, never from QEMU's exit status:

  v3: KVM initialised; every KUnit case passes; every selftest of LIST
      exits as LIST expects (0 pass, 4 skip); no kernel warning, lockdep
      report or leak; init reached its end.
  v5: the host GICv5 IRS driver probed; every KUnit case passes; no kernel
      warning; init reached its end.

Writes one "PASS name" / "FAIL name" / "SKIP name" line per result to
RESULTS.
"""
import re
import subprocess
import sys
import time

TS = re.compile(r"^\[\s*\d+\.\d+\]\s?")
KTAP = re.compile(r"^(\s*)(not ok|ok) (\d+) ([^#]*?)\s*(#\s*(\S+).*)?$")
BAD = [
    re.compile(r"WARNING: .*(circular locking|possible recursive locking|"
               r"inconsistent lock state|suspicious RCU usage)"),
    re.compile(r"BUG: (sleeping function called from invalid context|"
               r"scheduling while atomic|KASAN|kernel NULL pointer|"
               r"unable to handle|spinlock|workqueue lockup)"),
    re.compile(r"^WARNING: CPU: \d+ PID: \d+ at"),
    re.compile(r"Kernel panic - not syncing"),
    re.compile(r"^Internal error: Oops"),
    re.compile(r"^Unable to handle kernel"),
]


def read_list(path):
    tests = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) >= 2:
                tests.append((line[0], line[1]))
    return tests


# KUnit suites of the series (pipeline/test-kernel.config enables them).
REQUIRED_SUITES = ["kvm-vgic-v5-irs"]


def kunit_results(lines):
    """KTAP from the console: a suite is a "# Subtest:" block indented once
    under the top-level plan; its cases are the "ok"/"not ok" lines at that
    same indentation, and its own verdict is the unindented line that
    closes it."""
    res = []
    suite = None
    for line in lines:
        s = line.strip()
        if s.startswith("# Subtest:") and line.startswith("    ") and \
                not line.startswith("        "):
            suite = s.split(":", 1)[1].strip()
            continue
        m = KTAP.match(line)
        if not m or not suite:
            continue
        indent, verdict, _, name, _, directive = m.groups()
        depth = len(indent) // 4
        if depth == 1:
            skip = directive and directive.upper() == "SKIP"
            res.append(("kunit %s.%s" % (suite, name),
                        "SKIP" if skip else ("PASS" if verdict == "ok" else "FAIL")))
        elif depth == 0:
            # a suite that failed without a failing case (e.g. init failed)
            if verdict == "not ok" and not any(
                    r[0].startswith("kunit %s." % suite) and r[1] == "FAIL"
                    for r in res):
                res.append(("kunit %s" % suite, "FAIL"))
            suite = None
    return res


def main():
    if len(sys.argv) < 7 or sys.argv[6] != "--":
        sys.exit(__doc__)
    mode, results, log, timeout, listfile = sys.argv[1:6]
    cmd = sys.argv[7:]
    start = time.time()
    with open(log, "w") as out:
        try:
            subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out,
                           stderr=subprocess.STDOUT, timeout=int(timeout))
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
    secs = time.time() - start
    with open(log, errors="replace") as f:
        raw = f.read().splitlines()
    lines = [TS.sub("", l.rstrip("\r")) for l in raw]

    res = []

    def check(name, ok, why=""):
        res.append((name, "PASS" if ok else "FAIL"))
        if not ok:
            print("boot-%s: FAIL %s %s" % (mode, name, why))

    check("boot %s reached init" % mode,
          any(l.startswith("vt: init mode=%s" % mode) for l in lines))
    check("boot %s init finished" % mode,
          any(l.startswith("vt: done") for l in lines),
          "(timed out after %ss)" % timeout if timed_out else "")
    if mode == "v3":
        check("boot v3 KVM initialised",
              any(re.search(r"kvm \[\d+\]: .*initialized successfully", l)
                  for l in lines))
        rcs = {}
        for l in lines:
            m = re.match(r"vt: selftest (\S+) rc=(\d+) secs=(\d+)", l)
            if m:
                rcs[m.group(1)] = (int(m.group(2)), int(m.group(3)))
        for expect, test in read_list(listfile):
            rc, took = rcs.get(test, (None, 0))
            want = 4 if expect == "skip" else 0
            check("selftest %s (%s)" % (test, expect), rc == want,
                  "exit code %s, expected %d" % (rc, want))
            if rc is not None:
                print("boot-v3: selftest %s rc=%d in %ds" % (test, rc, took))
            for l in lines:
                m = re.match(r"vt: selftest-retry (\S+) rc=(\d+)", l)
                if m and m.group(1) == test:
                    print("boot-v3: selftest %s failed once (rc=%s) and was run again"
                          % (test, m.group(2)))
    else:
        check("boot v5 GICv5 IRS probed",
              any(re.search(r"GICv5 IRS: .*detected", l) for l in lines))
    kunit = kunit_results(lines)
    if not kunit:
        check("kunit %s ran test cases" % mode, False, "(no KTAP case found)")
    # The series' own suites must have run, not only be absent from failures
    for suite in REQUIRED_SUITES:
        check("kunit suite %s ran [%s]" % (suite, mode),
              any(n.startswith("kunit %s." % suite) for n, _ in kunit),
              "(CONFIG option off, or the suite did not start)")
    for name, verdict in kunit:
        res.append((name + " [%s]" % mode, verdict))
        if verdict == "FAIL":
            print("boot-%s: FAIL %s" % (mode, name))
    bad = [l for l in lines if any(p.search(l) for p in BAD)]
    check("boot %s no kernel warnings" % mode, not bad,
          "\n  " + "\n  ".join(bad[:5]))
    leak = [l for l in lines if l.startswith("vt: kmemleak unreferenced=")]
    if leak:
        n = int(leak[-1].split("=")[1])
        check("boot %s kmemleak clean" % mode, n == 0,
              "(%d unreferenced objects, see %s)" % (n, log))
    with open(results, "w") as f:
        for name, verdict in res:
            f.write("%s %s\n" % (verdict, name))
    npass = sum(1 for _, v in res if v == "PASS")
    nfail = sum(1 for _, v in res if v == "FAIL")
    nkunit = len(kunit)
    print("boot-%s: %d passed, %d failed (%d KUnit cases) in %.0fs, log %s" %
          (mode, npass, nfail, nkunit, secs, log))
    sys.exit(1 if nfail else 0)


if __name__ == "__main__":
    main()
