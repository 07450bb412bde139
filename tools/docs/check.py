#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the book in docs/ still matches the code.

  tools/docs/check.py [--root DIR] [--fix]

Prints TAP.  Six checks, each over every docs/*.md:

 files      every `path/file.ext` names a file of the tree, and every
            bare `file.c` / `file.h` / `file.S` names one somewhere in it
            (kmod/, libdune/, samples/, tests/, tools/, bench/).  Linux's own
            files are written with their path in the kernel tree
            (`arch/x86/kvm/vmx/vmx.c`), other projects' files with the
            project's name (`dune:kern/ept.c`), build products under
            build/; none of those is looked up.
 functions  every `file.c: function()` (or `file.c:function()`), and every
            `function()` followed by "(file.c" or "in `file.c`", names a
            function (or function-like macro, or assembly label) defined
            in that file; every other `function()` is defined somewhere in
            the tree or listed in tools/docs/external-names.txt (Linux,
            libc and CPU names; an entry that the tree defines, or that no
            chapter uses, is an error too).
 perf       every number marked `<!-- perf: ROW.FIELD -->` equals that
            field of docs/performance.json, at the precision written.
            --fix rewrites the numbers (make docs).
 outputs    every block between `<!-- output: NAME -->` and
            `<!-- /output -->` is a fenced block equal to
            docs/outputs/NAME.txt, a file tools/docs/outputs.sh lists and
            records (docs/outputs/RUNS).  --fix splices the files in.
 sources    every block between `<!-- source: PATH -->` and
            `<!-- /source -->` is a fenced block equal to the file PATH
            (a program the chapter lists).  --fix splices the files in.
 bench      every block between `<!-- bench-table -->` and
            `<!-- /bench-table -->` is a fenced block equal to the table
            bench/bench.c printed (print_table, without the targets) for
            the run recorded in docs/performance.json: the JSON that run
            wrote holds every number of it.  --fix splices it in.
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys

SRC_EXT = (".c", ".h", ".S")
CITE_EXT = r"(?:c|h|S|sh|py|md|json|txt|policy|mk|svg|conf|config|in)"
KERNEL_TOP = ("arch/", "kernel/", "mm/", "include/linux/", "include/uapi/", "include/asm",
              "virt/", "drivers/", "Documentation/", "fs/", "security/", "lib/",
              "net/", "block/", "init/", "ipc/", "tools/testing/", "tools/objtool", "build/")

n = 0
failed = 0


def tap(ok, desc, diag=()):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print(("ok %d " if ok else "not ok %d ") % n + desc)
    for line in diag:
        print("#   " + line)


def tree_files(root):
    out = subprocess.run(["git", "-C", root, "ls-files", "-co", "--exclude-standard"],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    return [f for f in out if f and os.path.exists(os.path.join(root, f))]


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"__attribute__\(\((?:[^()]|\([^()]*\))*\)\)", lambda m: " " * len(m.group(0)), text)


DEF_C = re.compile(r"^(?:[A-Za-z_][\w \t\*]*?[\s\*])?(\w+)\s*\(", re.M)
DEF_MACRO = re.compile(r"^\s*#\s*define\s+(\w+)\(", re.M)
DEF_ASM = re.compile(r"^(?:SYM_\w+_START(?:_\w+)?|ENTRY|SYM_FUNC_START_LOCAL)\((\w+)|^(\w+):", re.M)
NOT_NAMES = {"if", "for", "while", "switch", "return", "sizeof", "defined", "__attribute__"}


def definitions(path):
    """Names of the functions, function-like macros and labels defined in a file."""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return set()
    names = set(DEF_MACRO.findall(text))
    if path.endswith(".S"):
        for a, b in DEF_ASM.findall(text):
            names.add(a or b)
        names |= set(re.findall(r"^\s*\.globl\s+(\w+)", text, re.M))
        return names
    code = strip_comments(text)
    for m in DEF_C.finditer(code):
        name = m.group(1)
        if name in NOT_NAMES or code[m.start()] in " \t#}":
            continue
        # the matching parenthesis, then '{' (a definition) rather than ';'
        depth, i = 0, m.end() - 1
        while i < len(code):
            c = code[i]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        rest = code[i + 1:i + 400]
        rest = re.sub(r"^\s*(?:__\w+(?:\([^()]*(?:\([^()]*\))*[^()]*\))?\s*)*", "", rest)
        if rest.startswith("{"):
            names.add(name)
    return names


def load_external(root):
    path = os.path.join(root, "tools/docs/external-names.txt")
    names = {}
    for i, line in enumerate(open(path), 1):
        line = line.split("#", 1)[0].strip()
        for w in line.split():
            names[w] = i
    return names


def docs(root):
    d = os.path.join(root, "docs")
    return sorted(os.path.join("docs", f) for f in os.listdir(d) if f.endswith(".md"))


def check_files_and_functions(root, files):
    base = {}
    for f in files:
        base.setdefault(os.path.basename(f), []).append(f)
    src = [f for f in files if f.endswith(SRC_EXT)]
    defs = {f: definitions(os.path.join(root, f)) for f in src}
    all_defs = set().union(*defs.values())
    external = load_external(root)
    used_external = set()

    def resolve(name):
        """Tree files a citation names: a path, or a basename."""
        if "/" in name:
            return [name] if name in files or os.path.isdir(os.path.join(root, name)) else []
        return base.get(name, [])

    bad_files, bad_funcs, bad_bare, n_files, n_funcs, n_qual = [], [], [], 0, 0, 0
    link = re.compile(r"\]\(([^)\s#]*)(?:#[^)]*)?\)")
    file_cite = re.compile(r"`([\w./-]+\.%s)`" % CITE_EXT)
    qual = re.compile(r"`([\w./-]+\.[chS]):\s*(\w+)\(\)`")
    after = re.compile(r"`(\w+)\(\)`,? \((?:in )?`?([\w./-]+\.[chS])\b")
    in_file = re.compile(r"`(\w+)\(\)` in `([\w./-]+\.[chS])`")
    bare = re.compile(r"`(\w+)\(\)`")
    for doc in docs(root):
        text = open(os.path.join(root, doc), encoding="utf-8").read()
        # blocks checked whole below; keep the line numbers
        text = re.sub(r"<!-- (output|source|bench-table)\b.*?<!-- /\1 -->",
                      lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
        for ln, line in enumerate(text.split("\n"), 1):
            where = "%s:%d" % (doc, ln)
            for m in file_cite.finditer(line):
                name = m.group(1)
                if name.startswith(KERNEL_TOP) or name.startswith(("/", "~", ".")):
                    continue
                if "*" in name:
                    continue
                n_files += 1
                if not resolve(name) and not os.path.exists(os.path.join(root, "docs", name)):
                    bad_files.append("%s: `%s`: no such file in the tree" % (where, name))
            for m in link.finditer(line):
                target = m.group(1)
                if re.match(r"[a-z]+:", target) or not target:
                    continue
                n_files += 1
                if not os.path.exists(os.path.normpath(os.path.join(root, os.path.dirname(doc), target))):
                    bad_files.append("%s: link to %s: no such file" % (where, target))
            pairs = [(m.group(1), m.group(2)) for m in qual.finditer(line)]
            pairs += [(m.group(2), m.group(1)) for m in after.finditer(line)]
            pairs += [(m.group(2), m.group(1)) for m in in_file.finditer(line)]
            checked = set()
            for fname, func in pairs:
                if fname.startswith(KERNEL_TOP):
                    continue
                n_qual += 1
                checked.add(func)
                cands = [f for f in resolve(fname) if f in defs]
                if not cands:
                    bad_funcs.append("%s: %s(): no file %s in the tree" % (where, func, fname))
                elif not any(func in defs[f] for f in cands):
                    bad_funcs.append("%s: %s() is not defined in %s" % (where, func, " or ".join(cands)))
            for m in bare.finditer(line):
                func = m.group(1)
                if func in checked:
                    continue
                n_funcs += 1
                if func in all_defs:
                    continue
                if func in external:
                    used_external.add(func)
                    continue
                bad_bare.append("%s: %s(): defined nowhere in the tree (nor in tools/docs/external-names.txt)"
                                % (where, func))
    tap(not bad_files, "files: %d citations of files and links name files of the tree" % n_files, bad_files)
    tap(not bad_funcs, "functions: %d functions cited with their file are defined in that file" % n_qual,
        bad_funcs)
    tap(not bad_bare, "functions: %d function citations are defined in the tree or are Linux/libc names"
        % n_funcs, bad_bare)
    stale = ["tools/docs/external-names.txt:%d: %s is defined in the tree" % (external[x], x)
             for x in sorted(external) if x in all_defs]
    stale += ["tools/docs/external-names.txt:%d: %s is cited by no chapter" % (external[x], x)
              for x in sorted(external) if x not in all_defs and x not in used_external]
    tap(not stale, "functions: external-names.txt lists only names the tree does not define, all in use",
        stale)


PERF = re.compile(r"(-?[0-9][0-9,]*(?:\.[0-9]+)?)(\s*[×x%]?\s*)<!-- perf: ([\w./]+) -->")


def perf_value(perf, key):
    """ROW.FIELD[.SUB], or A/B: the ratio of two such values."""
    if "/" in key:
        a, b = key.split("/", 1)
        return float(perf_value(perf, a)) / float(perf_value(perf, b))
    row, _, field = key.partition(".")
    for r in perf["rows"]:
        if r.get("id") == row:
            v = r
            for part in field.split("."):
                v = v[part]
            return v
    raise KeyError(key)


def fmt_like(value, written):
    dec = len(written.split(".")[1]) if "." in written else 0
    s = "%.*f" % (dec, value)
    if "," in written:
        whole, _, frac = s.partition(".")
        s = "{:,}".format(int(whole)) + ("." + frac if frac else "")
    return s


def check_perf(root, fix):
    perf = json.load(open(os.path.join(root, "docs/performance.json")))
    bad, count = [], 0
    for doc in docs(root):
        path = os.path.join(root, doc)
        text = open(path, encoding="utf-8").read()

        def sub(m):
            nonlocal count
            count += 1
            ln = text.count("\n", 0, m.start()) + 1
            try:
                v = perf_value(perf, m.group(3))
            except (KeyError, TypeError, ValueError, ZeroDivisionError):
                bad.append("%s:%d: %s: no such value in docs/performance.json" % (doc, ln, m.group(3)))
                return m.group(0)
            want = fmt_like(float(v), m.group(1))
            if want != m.group(1):
                if not fix:
                    bad.append("%s:%d: %s is %s in docs/performance.json, the text says %s"
                               % (doc, ln, m.group(3), want, m.group(1)))
                return want + m.group(2) + "<!-- perf: %s -->" % m.group(3)
            return m.group(0)
        new = PERF.sub(sub, text)
        if fix and new != text:
            open(path, "w", encoding="utf-8").write(new)
    tap(not bad and count > 0, "perf: %d marked figures equal docs/performance.json" % count, bad)


OUT = re.compile(r"<!-- (output|source): ([\w./-]+) -->\n(.*?)<!-- /\1 -->", re.S)
FENCE = re.compile(r"\A(```\w*)\n(.*?)```\n\Z", re.S)


def manifest(root):
    out = subprocess.run([os.path.join(root, "tools/docs/outputs.sh"), "--list"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def check_outputs(root, fix):
    names = manifest(root)
    runs_path = os.path.join(root, "docs/outputs/RUNS")
    runs = open(runs_path).read() if os.path.exists(runs_path) else ""
    recorded = {l.split()[0] for l in runs.splitlines() if l and not l.startswith("#")}
    bad, count = {"output": [], "source": []}, {"output": 0, "source": 0}
    for doc in docs(root):
        path = os.path.join(root, doc)
        text = open(path, encoding="utf-8").read()

        def sub(m):
            kind, name, body = m.group(1), m.group(2), m.group(3)
            count[kind] += 1
            ln = text.count("\n", 0, m.start()) + 1
            where = "%s:%d" % (doc, ln)
            if kind == "source":
                return splice(bad["source"], where, kind, name, os.path.join(root, name), body)
            return splice(bad["output"], where, kind, name,
                          os.path.join(root, "docs/outputs", name + ".txt"), body, True)

        def splice(bad, where, kind, name, f, body, output=False):
            if output and name not in names:
                bad.append("%s: output %s: not listed in tools/docs/outputs.sh" % (where, name))
            if output and name not in recorded:
                bad.append("%s: output %s: no run recorded in docs/outputs/RUNS" % (where, name))
            rel = os.path.relpath(f, root)
            if not os.path.exists(f):
                bad.append("%s: %s does not exist" % (where, rel))
                return "<!-- %s: %s -->\n%s<!-- /%s -->" % (kind, name, body, kind)
            want = open(f, encoding="utf-8").read()
            fence = FENCE.match(body)
            if not fence:
                bad.append("%s: %s %s: not one fenced block between the markers" % (where, kind, name))
                return "<!-- %s: %s -->\n%s<!-- /%s -->" % (kind, name, body, kind)
            if fence.group(2) != want:
                if not fix:
                    diff = [l for l in difflib.unified_diff(fence.group(2).split("\n"), want.split("\n"),
                                                            "chapter", rel, lineterm="", n=0)][:12]
                    bad.append("%s: %s %s differs from %s:" % (where, kind, name, rel))
                    bad.extend("    " + l for l in diff)
                return "<!-- %s: %s -->\n%s\n%s```\n<!-- /%s -->" % (kind, name, fence.group(1), want, kind)
            return "<!-- %s: %s -->\n%s<!-- /%s -->" % (kind, name, body, kind)
        new = OUT.sub(sub, text)
        if fix and new != text:
            open(path, "w", encoding="utf-8").write(new)
    tap(not bad["output"] and count["output"] > 0,
        "outputs: %d program outputs shown equal the recorded runs (docs/outputs/)" % count["output"],
        bad["output"])
    tap(not bad["source"] and count["source"] > 0,
        "sources: %d program listings equal their files" % count["source"], bad["source"])


BENCH = re.compile(r"<!-- bench-table -->\n(.*?)<!-- /bench-table -->", re.S)


def bench_table(perf):
    """bench.c's print_table() for the rows of docs/performance.json: the
    same formats; the x-getpid column from the medians, as bench.c has it
    (the JSON's rounded ratio would round twice)."""
    rows = perf["rows"]
    base = [r for r in rows if r["id"] == perf.get("baseline", "native_getpid")][0]["median"]
    groups = []
    for r in rows:
        if r["group"] not in groups:
            groups.append(r["group"])

    def exits(r):
        if "exits_per_op" not in r:
            return "-"
        e = r["exits_per_op"]
        return " ".join("%s %.3g" % (k, v) for k, v in e.items()) if e else "0"
    out = ["%-46s %11s %11s %11s %9s  %s" % ("operation", "ticks/op", "p10", "p90", "x getpid",
                                              "VM exits/op")]
    for g in groups:
        out.append("-- " + g)
        out += ["%-46s %11.0f %11.0f %11.0f %9.2f  %s" % (r["label"], r["median"], r["p10"], r["p90"],
                                                          r["median"] / base, exits(r))
                for r in rows if r["group"] == g]
    out += ["note: %s: %s" % (r["id"], r["note"]) for r in rows if r.get("note")]
    return "\n".join(out) + "\n"


def check_bench(root, fix):
    want = bench_table(json.load(open(os.path.join(root, "docs/performance.json"))))
    bad, count = [], 0
    for doc in docs(root):
        path = os.path.join(root, doc)
        text = open(path, encoding="utf-8").read()

        def sub(m):
            nonlocal count
            count += 1
            where = "%s:%d" % (doc, text.count("\n", 0, m.start()) + 1)
            fence = FENCE.match(m.group(1))
            if not fence:
                bad.append("%s: bench-table: not one fenced block between the markers" % where)
                return m.group(0)
            if fence.group(2) != want:
                if not fix:
                    bad.append("%s: bench-table differs from docs/performance.json's run:" % where)
                    bad.extend("    " + l for l in list(difflib.unified_diff(
                        fence.group(2).split("\n"), want.split("\n"), "chapter", "docs/performance.json",
                        lineterm="", n=0))[:12])
                return "<!-- bench-table -->\n%s\n%s```\n<!-- /bench-table -->" % (fence.group(1), want)
            return m.group(0)
        new = BENCH.sub(sub, text)
        if fix and new != text:
            open(path, "w", encoding="utf-8").write(new)
    tap(not bad and count > 0, "bench: %d benchmark tables equal docs/performance.json's run" % count, bad)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
    ap.add_argument("--fix", action="store_true")
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    print("1..8")
    check_files_and_functions(root, set(tree_files(root)))
    check_perf(root, a.fix)
    check_outputs(root, a.fix)
    check_bench(root, a.fix)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
