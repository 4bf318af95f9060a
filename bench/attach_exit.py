#!/usr/bin/env python3
"""bench/attach_exit.py - start-to-exit wall time of tracers: start, attach every probe, stop.

    bench/attach_exit.py [--reps N] SCRIPT -- TRACER [ENV=V ...] [-- TRACER ...]

Runs each tracer (an argv, optionally led by ENV=V words) on SCRIPT (a .bt file) N times
(default 3), tracers interleaved rep by rep and the order reversed every other rep, after one
warm-up rep. Each run: start, wait for the __BPFTRACE_NOTIFY_PROBES_ATTACHED line on stderr
(every probe attached, BEGIN run), send SIGINT, wait for the exit: what attaching and
detaching cost with no events to handle. Prints each tracer's median and min-max wall time in
ms and the ratio of the medians to the LAST tracer given (the reference, e.g. bpftrace 0.17).
Run as root."""
import os
import signal
import statistics
import subprocess
import sys
import time

NOTIFY = b"__BPFTRACE_NOTIFY_PROBES_ATTACHED"


def one(argv, script):
    env = dict(os.environ, __BPFTRACE_NOTIFY_PROBES_ATTACHED="1")
    while argv and "=" in argv[0] and not argv[0].startswith("/"):
        k, v = argv[0].split("=", 1)
        env[k] = v
        argv = argv[1:]
    t0 = time.monotonic()
    p = subprocess.Popen(argv + [script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    buf = b""
    while NOTIFY not in buf:
        chunk = p.stderr.read1(4096)
        if not chunk:
            break
        buf += chunk
    p.send_signal(signal.SIGINT)
    p.stderr.read()
    p.wait()
    if NOTIFY not in buf:
        sys.exit("attach_exit: %s never attached:\n%s" % (" ".join(argv), buf.decode(errors="replace")))
    return (time.monotonic() - t0) * 1e3


def main():
    args = sys.argv[1:]
    reps = 3
    if args[:1] == ["--reps"]:
        reps, args = int(args[1]), args[2:]
    script, rest = args[0], args[2:]
    tracers, cur = [], []
    for a in rest + ["--"]:
        if a == "--":
            tracers.append(cur)
            cur = []
        else:
            cur.append(a)
    times = [[] for _ in tracers]
    for rep in range(reps + 1):
        order = list(range(len(tracers)))
        if rep % 2:
            order.reverse()
        for i in order:
            t = one(tracers[i], script)
            if rep:
                times[i].append(t)
    ref = statistics.median(times[-1])
    for tr, ts in zip(tracers, times):
        m = statistics.median(ts)
        print("%-60s median %9.1f ms  min %9.1f  max %9.1f  ratio %.3f" % (
            " ".join(tr)[:60], m, min(ts), max(ts), m / ref))


if __name__ == "__main__":
    main()
