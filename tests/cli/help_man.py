#!/usr/bin/env python3
"""Consistency checks between bpfscript, its --help and its man page (man/bpfscript.8).

  help_man.py options BPFSCRIPT MAN   every option in --help is in the man page's OPTIONS and
                                      the other way round; the same for the environment
                                      variables (--help ENVIRONMENT, man ENVIRONMENT)
  help_man.py names NAMES MAN         every builtin and probe type that bpfscript has (printed
                                      by the tests/cli/names.c program) is documented and not
                                      marked "(not implemented yet)"
  help_man.py examples BPFSCRIPT MAN  every command in EXAMPLES runs: programs (-e) pass
                                      --check, listings (-l) list something (needs root)
  help_man.py completion BPFSCRIPT COMPLETION NAMES
                                      the bash completion offers every option of --help and
                                      every probe type and alias

Exit status 0 when the check holds; otherwise 1 with one line per problem.
"""

import re
import shlex
import subprocess
import sys

# Builtins that probe types provide (their ctx hooks), not the builtin tables.
CONTEXT_BUILTINS = {"args", "arg0", "argN", "retval", "func", "ctx"}

OPTION_RE = re.compile(r"(?<![\w'-])--?[A-Za-z][\w-]*")


def unroff(text):
    """Roff text to plain text: fonts dropped, escapes decoded."""
    text = re.sub(r"\\f[BIRP]", "", text)
    text = text.replace("\\(aq", "'").replace("\\-", "-").replace("\\&", "")
    text = text.replace("\\e", "\\")
    return text


def man_sections(path):
    """{section title: [lines]} of the man page, .SS subsections folded into their .SH."""
    sections, cur = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if line.startswith(".SH "):
                cur = line[4:].strip().strip('"')
                sections[cur] = []
            elif cur is not None:
                sections[cur].append(line)
    return sections


def man_entries(lines):
    """The .TP entries of a section: [(tag line, body text)]."""
    entries, i = [], 0
    while i < len(lines):
        if lines[i].strip() == ".TP" and i + 1 < len(lines):
            tag, body = lines[i + 1], []
            if tag.startswith(".B "):
                tag = "\\fB" + tag[3:] + "\\fR"
            i += 2
            while i < len(lines) and not re.match(r"\.(TP|SH|SS|PP)\b", lines[i]):
                body.append(lines[i])
                i += 1
            entries.append((tag, "\n".join(body)))
        else:
            i += 1
    return entries


def help_sections(text):
    sections, cur = {}, None
    for line in text.split("\n"):
        m = re.match(r"^([A-Z][A-Z ]+):$", line)
        if m:
            cur = m.group(1)
            sections[cur] = []
        elif cur is not None:
            sections[cur].append(line)
    return sections


def check_options(bpfscript, man):
    out = subprocess.run([bpfscript, "--help"], capture_output=True, text=True, check=True).stdout
    hs = help_sections(out)
    ms = man_sections(man)
    problems = []
    help_opts = set()
    for sec in ("OPTIONS", "TROUBLESHOOTING OPTIONS"):
        for line in hs.get(sec, []):
            help_opts.update(OPTION_RE.findall(line))
    man_opts = set()
    for tag, _ in man_entries(ms.get("OPTIONS", [])):
        man_opts.update(OPTION_RE.findall(unroff(tag)))
    for o in sorted(help_opts - man_opts):
        problems.append("option %s is in --help but not in the man page's OPTIONS" % o)
    for o in sorted(man_opts - help_opts):
        problems.append("option %s is in the man page's OPTIONS but not in --help" % o)
    help_env = set(re.findall(r"\bBPFTRACE_[A-Z_]+", "\n".join(hs.get("ENVIRONMENT", []))))
    man_env = set()
    for tag, _ in man_entries(ms.get("ENVIRONMENT", [])):
        man_env.update(re.findall(r"\bBPFTRACE_[A-Z_]+", unroff(tag)))
    for e in sorted(help_env - man_env):
        problems.append("%s is in --help but not in the man page's ENVIRONMENT" % e)
    for e in sorted(man_env - help_env):
        problems.append("%s is in the man page's ENVIRONMENT but not in --help" % e)
    if len(help_opts) < 20:
        problems.append("only %d options found in --help: is its layout still parsed?" % len(help_opts))
    return problems


def documented(ms, sections):
    """{name: implemented?} for the bold names of the entries' tags in these sections."""
    names = {}
    for sec in sections:
        for tag, body in man_entries(ms.get(sec, [])):
            marked = "(not implemented yet)" in body or "(not implemented yet)" in tag
            for name in re.findall(r"\\fB([A-Za-z_][\w]*)", tag):
                names[name] = names.get(name, True) and not marked
    return names


def check_names(names_bin, man):
    out = subprocess.run([names_bin], capture_output=True, text=True, check=True).stdout
    ms = man_sections(man)
    probes = documented(ms, ["PROBE TYPES"])
    builtins = documented(ms, ["BUILTIN VARIABLES", "FUNCTIONS", "MAP FUNCTIONS"])
    problems = []
    for line in out.split("\n"):
        if not line.strip():
            continue
        kind, name = line.split(" ", 1)
        table = probes if kind in ("probe", "alias") else builtins
        where = "PROBE TYPES" if table is probes else "BUILTIN VARIABLES/FUNCTIONS"
        what = {"probe": "probe type", "alias": "probe alias", "var": "builtin variable",
                "func": "function"}[kind]
        if name not in table:
            problems.append("%s %s is not documented in the man page (%s)" % (what, name, where))
        elif not table[name]:
            problems.append("%s %s exists but the man page says it is not implemented yet"
                            % (what, name))
    have = {line.split(" ", 1)[1] for line in out.split("\n") if " " in line}
    for table, where in ((probes, "PROBE TYPES"), (builtins, "BUILTIN VARIABLES/FUNCTIONS")):
        for name, implemented in sorted(table.items()):
            if implemented and name not in have and name not in CONTEXT_BUILTINS:
                problems.append("the man page documents %s (%s) but bpfscript does not have it: "
                                "mark it (not implemented yet)" % (name, where))
    return problems


def check_examples(bpfscript, man):
    ms = man_sections(man)
    lines = ms.get("EXAMPLES", [])
    problems, commands, i = [], [], 0
    while i < len(lines):
        if lines[i].strip() == ".EX":
            body = []
            i += 1
            while i < len(lines) and lines[i].strip() != ".EE":
                body.append(unroff(lines[i]))
                i += 1
            commands.append(" ".join(body))
        i += 1
    if not commands:
        problems.append("no examples found")
    for cmd in commands:
        argv = shlex.split(cmd)
        if not argv or argv[0] != "bpfscript":
            problems.append("example is not a bpfscript command: %s" % cmd)
            continue
        if "-l" in argv:
            r = subprocess.run([bpfscript] + argv[1:], capture_output=True, text=True, timeout=120)
            if r.returncode != 0 or not r.stdout.strip():
                problems.append("listing example failed (exit %d): %s\n%s" % (r.returncode, cmd,
                                                                               r.stderr))
            continue
        r = subprocess.run([bpfscript, "--check"] + argv[1:], capture_output=True, text=True,
                           timeout=120)
        if r.returncode != 0:
            problems.append("example fails --check (exit %d): %s\n%s" % (r.returncode, cmd, r.stderr))
    print("%d examples checked" % len(commands))
    return problems


def help_options(bpfscript):
    out = subprocess.run([bpfscript, "--help"], capture_output=True, text=True, check=True).stdout
    hs = help_sections(out)
    opts = set()
    for sec in ("OPTIONS", "TROUBLESHOOTING OPTIONS"):
        for line in hs.get(sec, []):
            opts.update(OPTION_RE.findall(line))
    return opts


def check_completion(bpfscript, completion, names_bin):
    with open(completion, encoding="utf-8") as f:
        text = f.read()

    def shell_list(var):
        m = re.search(r'^%s="([^"]*)"' % var, text, re.M)
        return set(m.group(1).split()) if m else set()

    problems = []
    offered = shell_list("_bpfscript_options")
    for o in sorted(help_options(bpfscript) - offered):
        problems.append("option %s of --help is not completed" % o)
    for o in sorted(offered - help_options(bpfscript)):
        problems.append("the completion offers %s, which --help does not list" % o)
    types = {t.rstrip(":") for t in shell_list("_bpfscript_probe_types")}
    out = subprocess.run([names_bin], capture_output=True, text=True, check=True).stdout
    for line in out.split("\n"):
        kind, _, name = line.partition(" ")
        if kind in ("probe", "alias") and name not in types:
            problems.append("probe %s %s is not completed" % (kind, name))
    return problems


def main():
    modes = {"options": (check_options, 2), "names": (check_names, 2),
             "examples": (check_examples, 2), "completion": (check_completion, 3)}
    if len(sys.argv) < 2 or sys.argv[1] not in modes or len(sys.argv) != 2 + modes[sys.argv[1]][1]:
        sys.stderr.write(__doc__)
        return 2
    problems = modes[sys.argv[1]][0](*sys.argv[2:])
    for p in problems:
        print("FAIL: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
