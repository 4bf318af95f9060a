#!/usr/bin/env python3
"""tracer_links.py PID: what keeps the probes of process PID attached, one line per kind.

For each BPF link type among PID's open files (from /proc/PID/fdinfo: link_type; for
uprobe_multi links uprobe_cnt and the table of cookie, offset and ref_ctr_offset rows):
"TYPE links: N, uprobes: M, with a semaphore: S" (M counts 1 per link of other types;
S the uprobes with a USDT semaphore, a non-zero ref_ctr_offset); then "perf events: N",
the perf event fds. Types are sorted by name. Used by uprobes_multilink.test."""
import collections
import os
import sys


def main():
    pid = sys.argv[1]
    links, probes, sems, perf = collections.Counter(), collections.Counter(), collections.Counter(), 0
    for fd in os.listdir("/proc/%s/fd" % pid):
        try:
            what = os.readlink("/proc/%s/fd/%s" % (pid, fd))
        except OSError:
            continue
        if what == "anon_inode:[perf_event]":
            perf += 1
        if what != "anon_inode:bpf_link":
            continue
        with open("/proc/%s/fdinfo/%s" % (pid, fd)) as f:
            lines = f.read().splitlines()
        info = dict(l.split(":\t", 1) for l in lines if ":\t" in l)
        t = info["link_type"]
        links[t] += 1
        probes[t] += int(info.get("uprobe_cnt", 1))
        rows = [l.split() for l in lines if l[:1].isdigit()]
        sems[t] += sum(1 for r in rows if len(r) == 3 and int(r[2], 16) != 0)
    for t in sorted(links):
        print("%s links: %d, uprobes: %d, with a semaphore: %d" % (t, links[t], probes[t], sems[t]))
    print("perf events: %d" % perf)


if __name__ == "__main__":
    main()
