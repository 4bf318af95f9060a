#!/usr/bin/env python3
"""folded_check.py OUT - what -f folded printed for a profile of spin_chain.

OUT is the tracer's stdout for
    profile:hz:99 /pid == cpid/ { @[ustack, comm] = count(); @n = count(); }
with -f folded: folded lines "part;frame;...;frame COUNT", a blank line, then "@n: N".
Prints, one per line, facts the suite expects:
  lines ok              every non-empty line before "@n:" is "frames COUNT"
  comm first: B         every folded line starts with "spin_chain;"
  chain root first: B   every line that holds fg_inner holds main;fg_outer;fg_middle;fg_inner
                        in that order, each as sym+offset
  sum == @n: B          the counts add up to the samples counted separately
  in fg_inner: B        at least 90% of the samples are under fg_inner
"""
import re
import sys

out = open(sys.argv[1]).read().splitlines()
folded, n = [], None
for line in out:
    m = re.fullmatch(r"@n: (\d+)", line)
    if m:
        n = int(m.group(1))
    elif line.strip():
        folded.append(line)
ok = all(re.fullmatch(r"\S(.*\S)? \d+", l) for l in folded)
print("lines ok" if ok and folded else "lines bad: %r" % folded[:3])
stacks = [(l.rsplit(" ", 1)[0].split(";"), int(l.rsplit(" ", 1)[1])) for l in folded]
print("comm first: %s" % all(f[0] == "spin_chain" for f, _ in stacks))
chain = re.compile(r"(^|;)main\+\d+;fg_outer\+\d+;fg_middle\+\d+;fg_inner\+\d+(;|$)")
inner = [(f, c) for f, c in stacks if any(x.startswith("fg_inner+") for x in f)]
print("chain root first: %s" % (bool(inner) and all(chain.search(";".join(f)) for f, _ in inner)))
total = sum(c for _, c in stacks)
print("sum == @n: %s" % (n is not None and total == n))
print("in fg_inner: %s" % (total > 0 and sum(c for _, c in inner) >= 0.9 * total))
