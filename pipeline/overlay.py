#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""overlay.py: turn the repository (overlay files + patches/) into the
assembled kernel tree, and back.

  overlay.py assemble REPO BASE TREE   build TREE as a git repository: first
                                       commit the pristine BASE, then one
                                       commit per line of patches/series
  overlay.py export REPO TREE          turn the commits of TREE since the
                                       base back into patches/ + overlay files
  overlay.py files REPO                list the overlay files the series adds

patches/series has one line per commit, in order:

    NNNN-subject.patch  [overlay paths this commit adds...]

The .patch file is a mail (From:, Date:, Subject:, body with Signed-off-by)
whose diff, if any, touches files that exist in the base tree or overlay
files that an earlier line adds. The overlay paths are files or directories
of the repository, at their kernel paths, that must not exist in the base.
Every overlay file is claimed by exactly one line. Patches apply exactly
(git apply, no fuzz).

An overlay file holds its state at the end of the series. The line that adds
it commits the file as it was then: its final state with the later patches'
changes to it undone (git apply -R, in reverse order); the later patches then
change it as they did in the history that was exported. So every commit of
the assembled tree is the commit that was exported, and every prefix of the
series builds as it did.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

OVERLAY_DIRS = ("arch", "include", "drivers", "Documentation", "tools", "virt",
                "scripts", "kernel", "lib", "mm")
BASE_TAG = "base"
STAMP = "overlay-stamp"


def die(msg):
    sys.stderr.write("overlay: %s\n" % msg)
    sys.exit(1)


def git(tree, *args, env=None, inp=None, check=True):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run(["git", "-C", tree] + list(args), env=e, input=inp,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode:
        die("git %s failed:\n%s" % (" ".join(args),
                                    p.stderr.decode(errors="replace")))
    return p.stdout.decode(errors="replace")


def tracked_overlay_files(repo):
    """Overlay files of the repository: tracked ones and untracked ones that
    git does not ignore, under the kernel top-level directories."""
    out = git(repo, "ls-files", "--cached", "--others", "--exclude-standard",
              "--", *OVERLAY_DIRS)
    files = [f for f in out.splitlines()
             if f and os.path.isfile(os.path.join(repo, f))]
    return sorted(set(files))


def read_series(repo):
    path = os.path.join(repo, "patches", "series")
    series = []
    if not os.path.exists(path):
        return series
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            series.append((line[0], line[1:], n))
    return series


def claim_files(repo, series):
    """Map each series entry to the overlay files it adds; check that every
    overlay file is claimed exactly once."""
    files = tracked_overlay_files(repo)
    owner = {}
    claims = []
    for patch, paths, n in series:
        mine = []
        for p in paths:
            p = p.rstrip("/")
            hit = [f for f in files if f == p or f.startswith(p + "/")]
            if not hit:
                die("series line %d: %s names no overlay file" % (n, p))
            for f in hit:
                if f in owner:
                    die("%s is claimed by both %s and %s" % (f, owner[f], patch))
                owner[f] = patch
            mine += hit
        claims.append((patch, sorted(mine)))
    stray = [f for f in files if f not in owner]
    if stray:
        die("overlay files not claimed by any line of patches/series:\n  " +
            "\n  ".join(stray))
    return claims


def fingerprint(repo, base_id):
    h = hashlib.sha256(base_id.encode())
    series = read_series(repo)
    for patch, paths, _ in series:
        h.update(patch.encode() + b"\0" + " ".join(paths).encode() + b"\0")
        with open(os.path.join(repo, "patches", patch), "rb") as f:
            h.update(f.read())
    for f in tracked_overlay_files(repo):
        h.update(f.encode() + b"\0")
        st = os.stat(os.path.join(repo, f))
        h.update(b"x" if st.st_mode & 0o111 else b"-")
        with open(os.path.join(repo, f), "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()


def parse_mail(path):
    """Split a patch mail with git mailinfo: (author, email, date, message,
    diff)."""
    with tempfile.TemporaryDirectory() as td:
        msg, patch = os.path.join(td, "msg"), os.path.join(td, "patch")
        with open(path, "rb") as f:
            p = subprocess.run(["git", "mailinfo", "-b", msg, patch], stdin=f,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode:
            die("%s: not a patch mail: %s" % (path, p.stderr.decode()))
        info = {}
        for line in p.stdout.decode().splitlines():
            if ": " in line:
                k, v = line.split(": ", 1)
                info[k] = v
        with open(msg) as f:
            body = f.read()
        with open(patch, "rb") as f:
            diff = f.read()
    subject = info.get("Subject", "").strip()
    if not subject:
        die("%s: no Subject" % path)
    message = subject + "\n\n" + body.strip() + "\n"
    if "Signed-off-by:" not in message:
        die("%s: no Signed-off-by" % path)
    return (info.get("Author", "").strip(), info.get("Email", "").strip(),
            info.get("Date", "").strip(), message, diff)


def diff_paths(diff):
    """The paths a git diff changes (b/ side)."""
    return set(m.group(1).decode() for m in
               re.finditer(rb"^diff --git a/\S+ b/(\S+)$", diff, re.M))


def first_states(repo, claims, mails):
    """Content of each overlay file when the line that adds it is committed:
    the overlay's final state with the later patches' changes to it undone,
    last patch first. Only files that later patches change are returned."""
    owner = {}
    for i, (_, files) in enumerate(claims):
        for f in files:
            owner[f] = i
    later = {}
    for j, mail in enumerate(mails):
        for f in diff_paths(mail[4]):
            if f in owner:
                if j <= owner[f]:
                    die("%s changes overlay file %s before or in the line "
                        "that adds it" % (claims[j][0], f))
                later.setdefault(f, []).append(j)
    first = {}
    with tempfile.TemporaryDirectory() as td:
        for f, js in later.items():
            dst = os.path.join(td, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(os.path.join(repo, f), dst)
            for j in reversed(js):
                p = subprocess.run(["git", "apply", "-R", "--include=" + f,
                                    "-"], cwd=td, input=mails[j][4],
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
                if p.returncode:
                    die("%s: undoing the change of %s to it failed (is the "
                        "overlay file the state at the end of the series?):"
                        "\n%s" % (f, claims[j][0], p.stderr.decode()))
            with open(dst, "rb") as fh:
                first[f] = fh.read()
    return first


def restore_mtimes(tree, saved):
    """Give files whose content did not change their old mtime back, so that
    re-assembling does not make kbuild rebuild them."""
    for path, (blob, mtime) in saved.items():
        full = os.path.join(tree, path)
        if not os.path.isfile(full):
            continue
        now = git(tree, "hash-object", "--", path).strip()
        if now == blob:
            os.utime(full, (mtime, mtime))


def assemble(repo, base, tree):
    repo, base, tree = map(os.path.abspath, (repo, base, tree))
    series = read_series(repo)
    claims = claim_files(repo, series)
    base_id = open(os.path.join(base, "..", ".stamp")).read().strip()
    fp = fingerprint(repo, base_id)
    stamp = os.path.join(tree, ".git", STAMP)

    saved = {}
    if os.path.isdir(os.path.join(tree, ".git")):
        head = git(tree, "rev-parse", "HEAD").strip()
        old = open(stamp).read().split() if os.path.exists(stamp) else []
        dirty = git(tree, "status", "--porcelain", "--untracked-files=no").strip()
        if old and old[0] == fp and old[1] == head and not dirty:
            return
        interrupted = bool(old) and old[0] == "assembling"
        if (not old or (old[1] != head and not interrupted) or dirty) and \
                not os.environ.get("FORCE"):
            die("%s has work that is not in the repository (new commits or\n"
                "uncommitted edits). Run 'make export' to turn it into patches,\n"
                "or 'make assemble FORCE=1' to throw it away." % tree)
        base_rev = git(tree, "rev-parse", BASE_TAG).strip()
        for line in git(tree, "diff", "--name-only", base_rev, head).splitlines():
            full = os.path.join(tree, line)
            if os.path.isfile(full):
                saved[line] = (git(tree, "rev-parse", "%s:%s" % (head, line),
                                   check=False).strip(),
                               os.stat(full).st_mtime)
        with open(stamp, "w") as f:
            f.write("assembling %s\n" % head)
        git(tree, "reset", "-q", "--hard", BASE_TAG)
        git(tree, "clean", "-qfdx", "-e", "/.git")
    else:
        if os.path.exists(tree):
            shutil.rmtree(tree)
        # cp copies the base tree's 90,000 files twice as fast as copytree()
        subprocess.run(["cp", "-a", base, tree], check=True)
        git(tree, "init", "-q")
        git(tree, "config", "core.autocrlf", "false")
        git(tree, "config", "gc.auto", "0")
        # the kernel's own .gitignore would hide nothing we need; keep it.
        git(tree, "add", "-A", "-f")
        env = {"GIT_AUTHOR_NAME": "Linux 7.3 base", "GIT_AUTHOR_EMAIL": "base@localhost",
               "GIT_COMMITTER_NAME": "Linux 7.3 base", "GIT_COMMITTER_EMAIL": "base@localhost",
               "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
               "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}
        git(tree, "commit", "-q", "--no-verify", "-m",
            "Linux 7.3 base (Debian linux-source-7.3)\n\nsha256 of the source tarball: %s\n" % base_id,
            env=env)
        git(tree, "tag", "-f", BASE_TAG)

    mails = []
    for (patch, files), (_, _, n) in zip(claims, series):
        path = os.path.join(repo, "patches", patch)
        if not os.path.exists(path):
            die("series line %d: no file patches/%s" % (n, patch))
        mails.append(parse_mail(path))
    first = first_states(repo, claims, mails)

    for (patch, files), mail in zip(claims, mails):
        author, email, date, message, diff = mail
        if b"\ndiff --git " in b"\n" + diff:
            p = subprocess.run(["git", "-C", tree, "apply", "--index",
                                "--whitespace=error-all", "-"], input=diff,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if p.returncode:
                die("patches/%s does not apply to the tree:\n%s" %
                    (patch, p.stderr.decode()))
        for f in files:
            dst = os.path.join(tree, f)
            if git(tree, "ls-tree", BASE_TAG, "--", f).strip():
                die("overlay file %s exists in the base tree: change it with a "
                    "patch instead of a copy" % f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(os.path.join(repo, f), dst)
            if f in first:
                with open(dst, "wb") as fh:
                    fh.write(first[f])
            git(tree, "add", "-f", "--", f)
        env = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email,
               "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_NAME": author,
               "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": date}
        git(tree, "commit", "-q", "--no-verify", "--allow-empty", "-F", "-",
            env=env, inp=message.encode())

    for _, files in claims:
        for f in files:
            with open(os.path.join(repo, f), "rb") as a, \
                    open(os.path.join(tree, f), "rb") as b:
                if a.read() != b.read():
                    die("%s: the series does not end with the overlay's "
                        "state of this file" % f)
    restore_mtimes(tree, saved)
    head = git(tree, "rev-parse", "HEAD").strip()
    with open(stamp, "w") as f:
        f.write("%s %s\n" % (fp, head))
    print("overlay: assembled %d patches on the base in %s" % (len(series), tree))


def slug(subject):
    s = re.sub(r"[^A-Za-z0-9]+", "-", subject).strip("-")
    return s[:52].rstrip("-")


def export(repo, tree):
    repo, tree = os.path.abspath(repo), os.path.abspath(tree)
    revs = git(tree, "rev-list", "--reverse", "%s..HEAD" % BASE_TAG).split()
    if git(tree, "status", "--porcelain", "--untracked-files=no").strip():
        die("commit (or stash) your edits in %s first" % tree)
    stamp = os.path.join(tree, ".git", STAMP)
    base_id = git(tree, "log", "-1", "--format=%b", BASE_TAG).split(":")[-1].strip()
    if os.path.exists(stamp) and not os.environ.get("FORCE"):
        if open(stamp).read().split()[0] != fingerprint(repo, base_id):
            die("the repository's patches or overlay files changed since %s was\n"
                "assembled: exporting would overwrite them. Commit or drop those\n"
                "changes, or 'make export FORCE=1'." % tree)
    old_series = read_series(repo)
    old = [p for p, _, _ in old_series]
    old_dirs = [d.rstrip("/") for _, paths, _ in old_series for d in paths
                if os.path.isdir(os.path.join(repo, d))]
    lines = []
    new_files = set()
    pdir = os.path.join(repo, "patches")
    for p in old:
        if os.path.exists(os.path.join(pdir, p)):
            os.unlink(os.path.join(pdir, p))
    for i, rev in enumerate(revs, 1):
        changed = git(tree, "diff-tree", "--no-commit-id", "--name-status",
                      "-r", "-M0", rev).splitlines()
        stock, added = [], []
        for ln in changed:
            st, path = ln.split("\t", 1)
            in_base = bool(git(tree, "ls-tree", BASE_TAG, "--", path).strip())
            if in_base:
                stock.append(path)
            elif path in new_files:
                # a later change to a file an earlier commit adds: a diff
                if st != "M":
                    die("%s: commit %s does '%s' to a file an earlier commit "
                        "adds; only changes are supported" % (path, rev, st))
                stock.append(path)
            elif st == "D":
                continue
            else:
                added.append(path)
        fmt = "From %H Mon Sep 17 00:00:00 2001%nFrom: %an <%ae>%nDate: %aD%nSubject: [PATCH] %s%n%n%b"
        head = git(tree, "log", "-1", "--format=" + fmt, rev)
        body = head.rstrip("\n") + "\n---\n"
        if stock:
            body += git(tree, "diff", "--stat=72", "%s^" % rev, rev, "--", *stock)
            body += "\n"
            body += git(tree, "diff", "--full-index", "%s^" % rev, rev, "--", *stock)
        body += "-- \n2.39.5\n\n"
        subject = git(tree, "log", "-1", "--format=%s", rev).strip()
        name = "%04d-%s.patch" % (i, slug(subject))
        with open(os.path.join(pdir, name), "w") as f:
            f.write(body)
        # every file the commit adds lives in the overlay as its final state
        for path in added:
            new_files.add(path)
        lines.append((name, added))
    # the overlay holds each new file at its state at HEAD
    final = {}
    for path in sorted(new_files):
        if git(tree, "ls-tree", "HEAD", "--", path).strip():
            final[path] = True
    # Only files that the old series put into the tree, and that the tree
    # no longer has, are deleted: overlay work that was never assembled is
    # left alone.
    assembled = set()
    for _, paths, _ in old_series:
        for p in paths:
            p = p.rstrip("/")
            assembled.update(f for f in tracked_overlay_files(repo)
                             if f == p or f.startswith(p + "/"))
    for f in sorted(assembled):
        if f not in final and not git(tree, "ls-tree", "HEAD", "--", f).strip():
            os.unlink(os.path.join(repo, f))
    for path in final:
        dst = os.path.join(repo, path)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.join(tree, path), dst)
    # a file added by one commit and changed by later ones is claimed by the
    # first; the later commits' changes to it are diffs in their patches
    claimed = set()
    with open(os.path.join(pdir, "series"), "w") as f:
        f.write("# One line per commit: patch file, then the overlay files it adds.\n")
        for name, added in lines:
            mine = [a for a in added if a in final and a not in claimed]
            claimed.update(mine)
            # keep a directory claim of the old series when the commit adds
            # every file below that directory
            for d in old_dirs:
                below = [x for x in final if x.startswith(d + "/")]
                if below and all(x in mine for x in below):
                    mine = [x for x in mine if not x.startswith(d + "/")] + [d]
            f.write(" ".join([name] + mine) + "\n")
    # the tree is what the repository now assembles to: no re-assembly
    with open(stamp, "w") as f:
        f.write("%s %s\n" % (fingerprint(repo, base_id),
                             git(tree, "rev-parse", "HEAD").strip()))
    print("overlay: exported %d commits to patches/ and the overlay" % len(revs))


def main():
    if len(sys.argv) < 3:
        die(__doc__)
    cmd = sys.argv[1]
    if cmd == "assemble" and len(sys.argv) == 5:
        assemble(*sys.argv[2:])
    elif cmd == "export" and len(sys.argv) == 4:
        export(*sys.argv[2:])
    elif cmd == "files" and len(sys.argv) == 3:
        for _, files in claim_files(sys.argv[2], read_series(sys.argv[2])):
            print("\n".join(files))
    else:
        die(__doc__)


if __name__ == "__main__":
    main()
