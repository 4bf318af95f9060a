#!/usr/bin/env python3
"""check_layout.py ROOT - the source tree keeps the layout docs/ARCHITECTURE.md describes.

Checks, over every file in ROOT/src:
  1. each `#include "folder/file.h"` is allowed by the dependency rule, which is read
     from the block between `<!-- include-rule -->` and `<!-- /include-rule -->` in
     ROOT/docs/ARCHITECTURE.md (lines `folder: allowed folders...`; `(top)` is src/
     itself: the driver, main, the cache and --info);
  2. the rule and the includes that exist form no cycle between folders;
  3. no header other than src/driver.h includes driver.h, and no file but
     src/driver.*, src/main.c and src/cache.c does;
  4. at most two files read ELF headers (the user-binary reader and the BPF object
     reader), and those are the ones ARCHITECTURE.md names after `elf-readers:`;
  5. every folder of src/ is in the rule (a new folder must be placed in it).
Prints each violation as FILE:LINE: message and exits 1 if there is one.
"""
import os
import re
import sys

INCLUDE = re.compile(r'\s*#\s*include\s+"([^"]+)"')
# what reading an ELF file's headers looks like in C (elf.h structs, libelf calls)
ELF_READ = re.compile(r'\b(Elf(32|64)_(Ehdr|Shdr)|elf_getshdr|elf64_getshdr|gelf_getshdr|gelf_getehdr|elf64_getehdr)\b')


def read_rule(doc):
    text = open(doc, encoding="utf-8").read()
    m = re.search(r"<!-- include-rule -->(.*?)<!-- /include-rule -->", text, re.S)
    if not m:
        sys.exit("%s: no <!-- include-rule --> block" % doc)
    rule = {}
    for line in m.group(1).splitlines():
        line = line.strip().strip("`")
        if not line or line.startswith("```") or ":" not in line:
            continue
        folder, _, allowed = line.partition(":")
        folder = folder.strip()
        if folder.startswith("#") or " " in folder:
            continue
        rule[folder] = set(allowed.split()) - {"-"}
    em = re.search(r"elf-readers:\s*(.*)", text)
    elf = set(em.group(1).replace("`", "").replace(",", " ").split()) if em else set()
    return rule, elf


def folder_of(src, path):
    rel = os.path.relpath(path, src)
    return rel.split(os.sep)[0] if os.sep in rel else "(top)"


def find_cycle(edges):
    state = {}

    def visit(n, stack):
        state[n] = 1
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                return stack + [n, m]
            if not state.get(m):
                c = visit(m, stack + [n])
                if c:
                    return c
        state[n] = 2
        return None

    for n in sorted(edges):
        if not state.get(n):
            c = visit(n, [])
            if c:
                return c[c.index(c[-1]):]
    return None


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    src = os.path.join(root, "src")
    rule, elf_readers = read_rule(os.path.join(root, "docs", "ARCHITECTURE.md"))
    bad = []
    edges = {}
    elf_files = []
    folders = set()
    for dp, dirs, files in os.walk(src):
        dirs.sort()
        for f in sorted(files):
            path = os.path.join(dp, f)
            rel = os.path.relpath(path, src)
            here = folder_of(src, path)
            folders.add(here)
            with open(path, encoding="utf-8", errors="replace") as fh:
                lines = fh.readlines()
            reads_elf = False
            for no, line in enumerate(lines, 1):
                if ELF_READ.search(line.split("//")[0]):
                    reads_elf = True
                m = INCLUDE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                if "/" in inc:
                    there = inc.split("/")[0]
                elif os.path.exists(os.path.join(src, inc)):
                    there = "(top)"
                else:
                    continue   # a generated header (grammar.h, lexer.h) or a same-folder one
                if inc == "driver.h" and rel not in ("driver.c", "main.c", "cache.c"):
                    bad.append("src/%s:%d: includes driver.h: a stage takes what it uses, not the driver" % (rel, no))
                if there == here:
                    continue
                edges.setdefault(here, set()).add(there)
                if here != "(top)" and there not in rule.get(here, set()):
                    bad.append("src/%s:%d: %s/ may not include %s (docs/ARCHITECTURE.md, the dependency rule)"
                               % (rel, no, here, inc))
            if reads_elf:
                elf_files.append(rel)
    for f in sorted(folders - set(rule) - {"(top)"}):
        bad.append("src/%s/: a folder the dependency rule in docs/ARCHITECTURE.md does not place" % f)
    rule_edges = {k: set(v) for k, v in rule.items() if k != "(top)"}
    for graph, what in ((rule_edges, "the rule"), ({k: v for k, v in edges.items() if k != "(top)"}, "the includes")):
        c = find_cycle(graph)
        if c:
            bad.append("docs/ARCHITECTURE.md: %s has a cycle between folders: %s" % (what, " -> ".join(c)))
    if len(elf_files) > 2:
        bad.append("src: %d files read ELF headers (%s); at most two may (the user-binary reader and the "
                   "BPF object reader)" % (len(elf_files), ", ".join(elf_files)))
    for f in elf_files:
        if elf_readers and f not in elf_readers:
            bad.append("src/%s: reads ELF headers, but docs/ARCHITECTURE.md names only %s as ELF readers"
                       % (f, ", ".join(sorted(elf_readers))))
    for b in bad:
        print(b)
    print("layout: %d folders, %d include edges between folders, %d ELF reader(s): %s" % (
        len(folders), sum(len(v) for v in edges.values()), len(elf_files), "bad" if bad else "ok"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
