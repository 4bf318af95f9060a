#!/usr/bin/env python3
"""bench/progcost.py - what each tracer's BPF programs cost per event, measured by the kernel.

    bench/progcost.py [options] TRACER [TRACER...]

The shared harness (bench/run.sh) measures the cost a probe adds to a syscall from the
workload's own ns/op, with and without the tracer. On a busy machine that difference drowns in
noise (getppid varied 1.1-2.0 us between reps while three test suites ran). This script asks
the kernel instead: with BPF run-time statistics on (BPF_ENABLE_STATS, held only while it
runs), every program's run_time_ns and run_cnt grow by what it cost, whatever else the machine
does. For each test it starts each tracer with the harness's script (plus a BEGIN that prints
READY), finds the tracer's own programs through /proc/PID/fdinfo (prog_id of its program and
link fds), runs the workload pinned to one CPU, and reports

    prog_ns   (delta run_time_ns) / (delta run_cnt) of the programs that ran: the BPF program's
              own cost per event (JIT code and the helpers it calls)
    added_ns  the workload's ns/op with the tracer minus without (the harness's figure, noisy)

as medians over the reps, tracers interleaved rep by rep (order alternating); the ratio columns
are the medians of the per-rep prog_ns ratios to the LAST tracer given (the reference, e.g. the
libbpf limit program). A rep counts only when every tracer printed a count of at least the
number of events and its programs ran at least that often.

prog_ns does not include what the kernel does around the program: the tracepoint's entry, and
for a program that returns 1 (bpftrace 0.17) the perf sample built after it. Quote added_ns
(from a quiet run of bench/run.sh) for those; prog_ns is for comparing generated code.

Options: --reps N [5]  --tests a,b,c [tp_empty,tp_count,tp_comm,tp_hist,uprobe,usdt]
         --cpu C [0]  --workload PATH [$WORKLOAD or /tmp/rb/workload]  --n N (syscall ops) [1000000]
         --json FILE (every sample)
Run as root; the workload is the shared harness's (make -C ../shared/bench copy).
"""
import argparse
import ctypes
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

NR_BPF = 321  # x86_64
BPF_ENABLE_STATS = 32
BPF_STATS_RUN_TIME = 0


def enable_stats():
    libc = ctypes.CDLL(None, use_errno=True)
    attr = (ctypes.c_uint8 * 128)()  # union bpf_attr, enable_stats.type = 0 (run time)
    libc.syscall.restype = ctypes.c_long
    fd = libc.syscall(NR_BPF, BPF_ENABLE_STATS, ctypes.byref(attr), ctypes.c_uint(ctypes.sizeof(attr)))
    if fd < 0:
        err = ctypes.get_errno()
        sys.exit("progcost: BPF_ENABLE_STATS failed: %s" % os.strerror(err))
    return fd


def tests_table(workload, n_sys, n_up):
    return {
        "tp_empty": ("syscall", n_sys, "tracepoint:syscalls:sys_enter_getppid { }", None),
        "tp_count": ("syscall", n_sys, "tracepoint:syscalls:sys_enter_getppid { @ = count(); }", "count"),
        "tp_comm": ("syscall", n_sys, "tracepoint:syscalls:sys_enter_getppid { @[comm] = count(); }", "comm"),
        "tp_hist": ("syscall", n_sys, "tracepoint:syscalls:sys_enter_getppid { @ = hist(nsecs & 0xffff); }", "hist"),
        "uprobe": ("func", n_up, "uprobe:%s:bench_func { @ = count(); }" % workload, "count"),
        "usdt": ("usdt", n_up, "usdt:%s:bench:tick { @ = count(); }" % workload, "count"),
    }


def prog_ids(pid):
    ids = set()
    d = "/proc/%d/fdinfo" % pid
    try:
        for fd in os.listdir(d):
            try:
                with open(os.path.join(d, fd)) as f:
                    m = re.search(r"^prog_id:\s*(\d+)", f.read(), re.M)
                if m:
                    ids.add(int(m.group(1)))
            except OSError:
                pass
    except OSError:
        pass
    return ids


def prog_stats(ids):
    out = {}
    for i in ids:
        r = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(i)], capture_output=True, text=True)
        if r.returncode != 0:
            continue
        p = json.loads(r.stdout)
        out[i] = (p.get("run_time_ns", 0), p.get("run_cnt", 0))
    return out


def run_workload(cpu, workload, mode, n):
    r = subprocess.run(["taskset", "-c", str(cpu), workload, mode, str(n)], capture_output=True, text=True)
    m = re.search(r"ns_per_op\s+([0-9.]+)", r.stdout)
    if r.returncode != 0 or not m:
        raise RuntimeError("workload failed: %s %s" % (r.stdout, r.stderr))
    return float(m.group(1))


def check(kind, text, n, wcomm):
    if kind is None:
        return True
    got = 0
    if kind == "count":
        m = re.search(r"^@: (\d+)$", text, re.M)
        got = int(m.group(1)) if m else 0
    elif kind == "comm":
        m = re.search(r"^@\[%s\]: (\d+)$" % re.escape(wcomm), text, re.M)
        got = int(m.group(1)) if m else 0
    elif kind == "hist":
        got = sum(int(x) for x in re.findall(r"^[\[(][^\])]*[\])]\s+(\d+)", text, re.M))
    return got >= n


def one(tracer, script, cpu, workload, mode, n, kind):
    with tempfile.NamedTemporaryFile("w+", prefix="progcost.", suffix=".out") as out:
        prog = 'BEGIN { printf("READY\\n"); } ' + script
        # READY must mean "attached": bpfscript runs BEGIN before attaching
        # unless told to keep bpftrace 0.17's order
        env = dict(os.environ, BPFSCRIPT_BEGIN_AFTER_ATTACH="1")
        p = subprocess.Popen([tracer, "-e", prog], stdout=out, stderr=subprocess.DEVNULL, env=env)
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                out.seek(0)
                if "READY" in out.read():
                    break
                if p.poll() is not None:
                    raise RuntimeError("%s exited %s before READY" % (tracer, p.returncode))
                time.sleep(0.02)
            else:
                raise RuntimeError("%s: no READY" % tracer)
            ids = prog_ids(p.pid)
            before = prog_stats(ids)
            ns_op = run_workload(cpu, workload, mode, n)
            after = prog_stats(ids)
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        out.seek(0)
        text = out.read()
    dt = sum(after[i][0] - before[i][0] for i in after if i in before)
    dc = sum(after[i][1] - before[i][1] for i in after if i in before)
    ok = check(kind, text, n, os.path.basename(workload)[:15]) and dc >= n
    return (dt / dc if dc else float("nan")), ns_op, ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tracers", nargs="+")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--tests", default="tp_empty,tp_count,tp_comm,tp_hist,uprobe,usdt")
    ap.add_argument("--cpu", type=int, default=0)
    ap.add_argument("--n", type=int, default=1000000)
    ap.add_argument("--n-uprobe", type=int, default=200000)
    ap.add_argument("--workload", default=os.environ.get("WORKLOAD", "/tmp/rb/workload"))
    ap.add_argument("--json")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("progcost: run as root")
    workload = os.path.realpath(a.workload)
    table = tests_table(workload, a.n, a.n_uprobe)
    stats_fd = enable_stats()
    samples = []
    names = [os.path.basename(t) for t in a.tracers]
    print("# progcost %s, cpu %d, reps %d, load %s" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
          a.cpu, a.reps, open("/proc/loadavg").read().split()[0:3]))
    print("| test | " + " | ".join("%s prog_ns | added_ns" % n for n in names) +
          "".join(" | prog ratio %s/%s" % (n, names[-1]) for n in names[:-1]) + " | valid |")
    print("|---" * (2 * len(names) + len(names) - 1 + 2) + "|")
    for t in a.tests.split(","):
        mode, n, script, kind = table[t]
        per = {i: [] for i in range(len(a.tracers))}
        ratios = {i: [] for i in range(len(a.tracers) - 1)}
        valid = 0
        for r in range(a.reps):
            order = list(range(len(a.tracers)))
            if r % 2:
                order.reverse()
            res = {}
            base0 = run_workload(a.cpu, workload, mode, n)
            for i in order:
                res[i] = one(a.tracers[i], script, a.cpu, workload, mode, n, kind)
            base1 = run_workload(a.cpu, workload, mode, n)
            base = (base0 + base1) / 2
            if not all(res[i][2] for i in res):
                continue
            valid += 1
            for i in res:
                per[i].append((res[i][0], res[i][1] - base))
                samples.append({"test": t, "rep": r, "tracer": a.tracers[i], "prog_ns": res[i][0],
                                "ns_op": res[i][1], "base_ns_op": base})
            for i in ratios:
                ratios[i].append(res[i][0] / res[len(a.tracers) - 1][0])
        cells = []
        for i in per:
            if per[i]:
                pn = [x[0] for x in per[i]]
                ad = [x[1] for x in per[i]]
                cells.append("%.1f [%.1f-%.1f]" % (statistics.median(pn), min(pn), max(pn)))
                cells.append("%.0f" % statistics.median(ad))
            else:
                cells += ["NA", "NA"]
        for i in ratios:
            v = ratios[i]
            cells.append("%.2f [%.2f-%.2f]" % (statistics.median(v), min(v), max(v)) if v else "NA")
        print("| %s | %s | %d/%d |" % (t, " | ".join(cells), valid, a.reps), flush=True)
    os.close(stats_fd)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(samples, f, indent=1)


if __name__ == "__main__":
    main()
