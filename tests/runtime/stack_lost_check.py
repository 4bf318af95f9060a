#!/usr/bin/env python3
"""stack_lost_check.py OUT ERR text|json - what a user sees of failed stack captures.

Reads the tracer's stdout (OUT: one count map keyed by a stack) and stderr (ERR) and
prints, one per line, facts the suites expect:
  events N              the counts of the map add up to N (nothing silently dropped)
  lost N                the count under the "[lost stack: File exists]" key
  reported N            the count in the exit warning (text) or lost_stacks record (json)
  lost == reported: B   whether the two agree (N varies with where the stacks hash)
  empty stacks N        keys that print as an empty stack (@[] / "")
"""
import json
import re
import sys

out = open(sys.argv[1]).read()
err = open(sys.argv[2]).read()
fmt = sys.argv[3]
counts = {}
if fmt == "json":
    for line in filter(None, out.splitlines()):
        rec = json.loads(line)
        if rec.get("type") == "map":
            for name, vals in rec["data"].items():
                counts.update(vals)
    reported = [json.loads(l)["data"]["stacks"] for l in err.splitlines()
                if l.startswith("{") and json.loads(l).get("type") == "lost_stacks"]
else:
    for m in re.finditer(r"^@\[(.*?)\]: (\d+)$", out, re.S | re.M):
        counts[m.group(1)] = int(m.group(2))
    reported = [int(m.group(1)) for m in re.finditer(r"Failed to capture (\d+) stacks?", err)]
print("events", sum(counts.values()))
lost = sum(v for k, v in counts.items() if "[lost stack: File exists]" in k)
rep = reported[0] if reported else 0
print("lost", lost)
print("reported", rep)
print("lost == reported:", lost == rep)
print("empty stacks", sum(1 for k in counts if k.strip() == ""))
