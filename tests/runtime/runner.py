#!/usr/bin/env python3
"""Runtime test runner for bpfscript: runs tests/runtime/*.test suites as root against real probes.

Usage:
  runner.py [options] SUITE.test...

Options:
  --bpfscript PATH      tracer under test (env BPFSCRIPT overrides it; default build/bpfscript)
  --targets DIR         where the test targets are built (env BPFSCRIPT_TARGETS overrides it;
                        default build/tests/targets)
  --compare-bpftrace    run only the COMPARE_BPFTRACE cases, each under the tracer and under
                        bpftrace (--bpftrace PATH, default /usr/bin/bpftrace), and require
                        identical stdout (bpftrace's "Attaching N probes..." line dropped) and
                        identical exit codes; stderr is ignored
  --bpftrace PATH       reference bpftrace for --compare-bpftrace
  -k, --filter REGEX    run only cases whose NAME matches REGEX (re.search)
  --list                list the cases and exit
  --keep                keep each case's temporary directory
  -v, --verbose         print stdout/stderr of passing cases too
  --retries N           run a failing case up to N more times (used for the bpftrace 0.17
                        self-check only: the real suites run once)

The file format is described in tests/runtime/README.md. The last line printed is
"N passed, N failed, N skipped"; the exit status is 1 when a case failed, 2 on a usage or
format error, else 0.

When the tracer under test is bpftrace 0.17 itself (BPFSCRIPT=/usr/bin/bpftrace, to check the
harness and the expectations), its "Attaching N probes..." stdout line and its RLIMIT_MEMLOCK
stderr line are dropped, its error locations "f:L:A-B:" + "~~~" are rewritten to ours
("f:L:A:" + "^~~"), and cases marked DIFFERS_FROM_BPFTRACE_0_17 are reported as expected
failures ("xfail", counted as passed) when they fail.
"""

import argparse
import difflib
import json
import os
import re
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

NOTIFY_TOKEN = "__BPFTRACE_NOTIFY_PROBES_ATTACHED"
ATTACHING_RE = re.compile(r"^Attaching \d+ probes?\.\.\.$")
RLIMIT_RE = re.compile(r"couldn't set RLIMIT_MEMLOCK")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# Kernel features a case may require (REQUIRES_KERNEL_FEATURE). A case whose feature is
# absent is skipped with a message naming the feature; this is the only way to skip.
# REQUIRES_NO_KERNEL_FEATURE is the reverse, for the tests of the error a tracer gives
# when a feature is missing: they are skipped where the feature exists (the same file
# then has a case that uses it for real). A feature is a list of paths (present when one
# exists) or a function that tries the feature.


_btf_cache = []


def _btf_types():
    """(data, string section offset, [offset of each type record by id]) of vmlinux BTF."""
    import struct
    if _btf_cache:
        return _btf_cache[0]
    try:
        with open("/sys/kernel/btf/vmlinux", "rb") as f:
            data = f.read()
    except OSError:
        return None
    magic, _ver, _flags, hdr_len, type_off, type_len, str_off, _str_len = struct.unpack_from("<HBBIIIII", data)
    if magic != 0xEB9F:
        return None
    # extra bytes after the 12-byte header, per kind (vlen-scaled ones as a per-item size)
    fixed = {1: 4, 3: 12, 14: 4, 17: 4}
    per_item = {4: 12, 5: 12, 6: 8, 13: 8, 15: 12, 19: 12}
    offs = [None]
    off, end = hdr_len + type_off, hdr_len + type_off + type_len
    while off + 12 <= end:
        offs.append(off)
        _name_off, info, _size = struct.unpack_from("<III", data, off)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        off += 12 + fixed.get(kind, 0) + per_item.get(kind, 0) * vlen
    _btf_cache.append((data, hdr_len + str_off, offs))
    return _btf_cache[0]


def _btf_find(want_kind, name):
    """BTF id of the type of kind `want_kind` (4 struct, 12 func) named `name`, or None."""
    import struct
    btf = _btf_types()
    if not btf:
        return None
    data, strs, offs = btf
    want = name.encode() + b"\0"
    for tid in range(1, len(offs)):
        name_off, info, _size = struct.unpack_from("<III", data, offs[tid])
        if (info >> 24) & 0x1F == want_kind and data.startswith(want, strs + name_off):
            return tid
    return None


def _btf_func_id(name):
    """BTF id of the FUNC `name` in vmlinux BTF, or None."""
    return _btf_find(12, name)


def _btf_member_offset(struct_name, member):
    """Byte offset of `member` in `struct struct_name` (vmlinux BTF; members of anonymous
    structs and unions count as its own), or None."""
    import struct
    tid = _btf_find(4, struct_name)
    if tid is None:
        return None
    data, strs, offs = _btf_types()
    want = member.encode() + b"\0"

    def search(tid, base):
        off = offs[tid]
        _name_off, info, _size = struct.unpack_from("<III", data, off)
        kind_flag, vlen = info >> 31, info & 0xFFFF
        for i in range(vlen):
            m_name, m_type, m_off = struct.unpack_from("<III", data, off + 12 + 12 * i)
            bits = base + (m_off & 0xFFFFFF if kind_flag else m_off)
            if m_name and data.startswith(want, strs + m_name):
                return bits
            if not m_name:
                t = m_type   # an anonymous struct or union, through modifiers and typedefs
                while True:
                    _n, t_info, t_next = struct.unpack_from("<III", data, offs[t])
                    k = (t_info >> 24) & 0x1F
                    if k in (4, 5):
                        found = search(t, bits)
                        if found is not None:
                            return found
                        break
                    if k not in (8, 9, 10, 11, 18):
                        break
                    t = t_next
        return None

    bits = search(tid, 0)
    return None if bits is None else bits // 8


def _bpf_prog_load(prog_type, insns_hex, expected_attach_type=0, attach_btf_id=0):
    """BPF_PROG_LOAD of the instructions (hex); True when the kernel accepts them."""
    import ctypes
    import struct
    code = bytes.fromhex(insns_hex)
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    attr = bytearray(128)
    struct.pack_into("<IIQQ", attr, 0, prog_type, len(code) // 8, ctypes.addressof(insns), ctypes.addressof(lic))
    struct.pack_into("<I", attr, 68, expected_attach_type)
    struct.pack_into("<I", attr, 108, attach_btf_id)
    buf = (ctypes.c_char * len(attr)).from_buffer(attr)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(321, 5, buf, len(attr))   # bpf(BPF_PROG_LOAD) on x86-64
    if fd >= 0:
        os.close(fd)
    return fd >= 0


def _insn(op, dst=0, src=0, off=0, imm=0):
    import struct
    return struct.pack("<BBhi", op, (src << 4) | dst, off, imm).hex()


def _d_path_on_task_fs():
    """Does the verifier let bpf_d_path take &task->fs->pwd in an iter:task program? That
    is, does this kernel build trust the pointer task_struct.fs loaded from the iterator's
    (trusted) task? Builds differ (6.18.44 did, 6.18.44-fc-v1272 does not)."""
    it = _btf_func_id("bpf_iter_task")
    fs = _btf_member_offset("task_struct", "fs")
    pwd = _btf_member_offset("fs_struct", "pwd")
    if it is None or fs is None or pwd is None:
        return False
    prog = "".join([
        _insn(0x7a, dst=10, off=-8), _insn(0x7a, dst=10, off=-16),  # zero a 16-byte buffer
        _insn(0x79, dst=6, src=1, off=8),        # r6 = ctx->task
        _insn(0x15, dst=6, off=8),               # if r6 == 0 goto out
        _insn(0x79, dst=6, src=6, off=fs),       # r6 = task->fs
        _insn(0x15, dst=6, off=6),               # if r6 == 0 goto out
        _insn(0xbf, dst=1, src=6),               # r1 = &fs->pwd
        _insn(0x07, dst=1, imm=pwd),
        _insn(0xbf, dst=2, src=10),              # r2 = buffer
        _insn(0x07, dst=2, imm=-16),
        _insn(0xb7, dst=3, imm=16),              # r3 = 16
        _insn(0x85, imm=147),                    # call bpf_d_path
        _insn(0xb7, dst=0, imm=0),               # out: return 0
        _insn(0x95),
    ])
    return _bpf_prog_load(26, prog, expected_attach_type=28, attach_btf_id=it)   # TRACING, BPF_TRACE_ITER


def _fentry_loads():
    """Does the kernel load a trivial fentry program on vfs_read (BPF_PROG_LOAD)?"""
    import ctypes
    import struct
    btf_id = _btf_func_id("vfs_read")
    if btf_id is None:
        return False
    insns = ctypes.create_string_buffer(bytes.fromhex("b700000000000000" "9500000000000000"), 16)
    lic = ctypes.create_string_buffer(b"GPL")
    attr = bytearray(128)
    struct.pack_into("<IIQQ", attr, 0, 26, 2, ctypes.addressof(insns), ctypes.addressof(lic))  # TRACING
    struct.pack_into("<I", attr, 68, 24)        # expected_attach_type = BPF_TRACE_FENTRY
    struct.pack_into("<I", attr, 108, btf_id)   # attach_btf_id
    buf = (ctypes.c_char * len(attr)).from_buffer(attr)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(321, 5, buf, len(attr))   # bpf(BPF_PROG_LOAD) on x86-64
    if fd >= 0:
        os.close(fd)
    return fd >= 0


def _kprobe_multi_links():
    """Does the kernel create kprobe_multi links? As libbpf finds out: a trivial
    BPF_TRACE_KPROBE_MULTI program linked to address 0 is refused with EINVAL (bad
    address) by a kernel with kprobe_multi, with EOPNOTSUPP by one without."""
    import ctypes
    import errno as errno_mod
    import struct
    insns = ctypes.create_string_buffer(bytes.fromhex("b700000000000000" "9500000000000000"), 16)
    lic = ctypes.create_string_buffer(b"GPL")
    attr = bytearray(128)
    struct.pack_into("<IIQQ", attr, 0, 2, 2, ctypes.addressof(insns), ctypes.addressof(lic))  # KPROBE
    struct.pack_into("<I", attr, 68, 42)        # expected_attach_type = BPF_TRACE_KPROBE_MULTI
    buf = (ctypes.c_char * len(attr)).from_buffer(attr)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(321, 5, buf, len(attr))   # bpf(BPF_PROG_LOAD) on x86-64
    if fd < 0:
        return False
    addr = ctypes.c_uint64(0)
    link = bytearray(64)
    struct.pack_into("<IIIIIIQQ", link, 0, fd, 0, 42, 0, 0, 1, 0, ctypes.addressof(addr))
    lbuf = (ctypes.c_char * len(link)).from_buffer(link)
    lfd = libc.syscall(321, 28, lbuf, len(link))   # bpf(BPF_LINK_CREATE)
    e = ctypes.get_errno()
    if lfd >= 0:
        os.close(lfd)
    os.close(fd)
    return lfd >= 0 or e == errno_mod.EINVAL


def _uprobe_multi_links():
    """Does the kernel create uprobe_multi links that filter -p by process? As libbpf
    finds out: a trivial BPF_TRACE_UPROBE_MULTI program linked to the directory "/"
    gets as far as the path (EBADF), and with pid -1 it is refused (EINVAL) by kernels
    that filter by process (6.10 and later; the first ones filtered by thread)."""
    import ctypes
    import errno as errno_mod
    import struct
    insns = ctypes.create_string_buffer(bytes.fromhex("b700000000000000" "9500000000000000"), 16)
    lic = ctypes.create_string_buffer(b"GPL")
    attr = bytearray(128)
    struct.pack_into("<IIQQ", attr, 0, 2, 2, ctypes.addressof(insns), ctypes.addressof(lic))  # KPROBE
    struct.pack_into("<I", attr, 68, 48)        # expected_attach_type = BPF_TRACE_UPROBE_MULTI
    buf = (ctypes.c_char * len(attr)).from_buffer(attr)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(321, 5, buf, len(attr))   # bpf(BPF_PROG_LOAD) on x86-64
    if fd < 0:
        return False
    path = ctypes.create_string_buffer(b"/")
    off = ctypes.c_uint64(0)

    def link_errno(pid):
        link = bytearray(64)
        # prog_fd, target_fd, attach_type, flags; path, offsets, ref_ctr_offsets, cookies;
        # cnt, flags, pid (the kernel's link_create.uprobe_multi)
        struct.pack_into("<IIIIQQQQIII", link, 0, fd, 0, 48, 0, ctypes.addressof(path),
                         ctypes.addressof(off), 0, 0, 1, 0, pid)
        lbuf = (ctypes.c_char * len(link)).from_buffer(link)
        lfd = libc.syscall(321, 28, lbuf, len(link))   # bpf(BPF_LINK_CREATE)
        e = ctypes.get_errno()
        if lfd >= 0:
            os.close(lfd)
        return None if lfd >= 0 else e

    ok = link_errno(0) == errno_mod.EBADF and link_errno(0xffffffff) == errno_mod.EINVAL
    os.close(fd)
    return ok


KERNEL_FEATURES = {
    "kprobes": ["/sys/bus/event_source/devices/kprobe", "/sys/kernel/tracing/kprobe_events",
                "/sys/kernel/debug/tracing/kprobe_events"],
    "uprobes": ["/sys/bus/event_source/devices/uprobe", "/sys/kernel/tracing/uprobe_events"],
    "tracepoints": ["/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"],
    "btf": ["/sys/kernel/btf/vmlinux"],
    # a CPU PMU for hardware:* events
    "hardware": ["/sys/bus/event_source/devices/cpu", "/sys/bus/event_source/devices/cpu_core",
                 "/sys/bus/event_source/devices/cpu_atom"],
    # trampolines (fentry/fexit) may be refused by policy even where the kernel has them
    "fentry": _fentry_loads,
    # one link attaching a kprobe program to many functions (CONFIG_FPROBE)
    "kprobe_multi": _kprobe_multi_links,
    # one link attaching a uprobe program to many offsets of a file (Linux 6.6; 6.10 for -p)
    "uprobe_multi": _uprobe_multi_links,
    # the verifier trusts a pointer walked from a trusted one (task->fs), as bpf_d_path needs
    "d_path_task_fs": _d_path_on_task_fs,
}

SINGLE = {"NAME", "PROG", "RUN", "EXPECT", "EXPECT_REGEX", "EXPECT_FILE", "EXPECT_NONE",
          "EXPECT_NONE_REGEX", "EXPECT_STDERR", "EXPECT_STDERR_REGEX", "EXPECT_STDERR_NONE",
          "EXPECT_STDERR_NONE_REGEX", "EXIT_CODE", "TIMEOUT", "AFTER", "SIGNAL", "ENV",
          "REQUIRES_KERNEL_FEATURE", "REQUIRES_NO_KERNEL_FEATURE", "COMPARE_BPFTRACE", "DIFFERS_FROM_BPFTRACE_0_17",
          "CHECK_NOTHING_LEFT", "STDIN"}
BLOCKS = {"EXPECT_EXACT": "END_EXPECT", "EXPECT_ANY_ORDER": "END_EXPECT",
          "EXPECT_STDERR_EXACT": "END_EXPECT", "FILE": "END_FILE", "PROG": "END_PROG",
          "STDIN": "END_STDIN"}
SIGNALS = {"INT": signal.SIGINT, "TERM": signal.SIGTERM, "HUP": signal.SIGHUP,
           "USR1": signal.SIGUSR1, "KILL": signal.SIGKILL}


class FormatError(Exception):
    pass


class Case:
    def __init__(self, suite, name, line):
        self.suite = suite
        self.name = name
        self.line = line
        self.prog = None
        self.run = None
        self.stdin = None
        self.out = []           # ordered stdout checks: ("line"|"regex", text)
        self.out_exact = None
        self.out_any = None
        self.out_none = []      # ("line"|"regex", text)
        self.err = []
        self.err_exact = None
        self.err_none = []
        self.exit_code = 0
        self.timeout = 10.0
        self.after = []
        self.signal = None      # (signum, name, delay)
        self.env = {}
        self.files = {}         # name -> content
        self.features = []
        self.absent_features = []
        self.compare = False
        self.differs = None
        self.check_left = False

    @property
    def full_name(self):
        return "%s/%s" % (self.suite, self.name)


def parse_suite(path):
    suite = os.path.splitext(os.path.basename(path))[0]
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    cases = []
    case = None
    i = start = 0

    def err(msg):
        raise FormatError("%s:%d: %s" % (path, start + 1, msg))

    while i < len(lines):
        raw = lines[i]
        if raw.strip() == "" or raw.lstrip().startswith("#"):
            i += 1
            continue
        start = i
        directive, _, value = raw.partition(" ")
        directive = directive.strip()
        if directive == "NAME":
            if not value.strip():
                err("NAME needs a value")
            case = Case(suite, value.strip(), i + 1)
            if any(c.name == case.name for c in cases):
                err("duplicate NAME %s" % case.name)
            cases.append(case)
            i += 1
            continue
        if case is None:
            err("%s before the first NAME" % directive)
        is_block = directive in BLOCKS and (directive not in SINGLE or value.strip() == "")
        if directive == "FILE":
            is_block = True
        if is_block:
            end = BLOCKS[directive]
            body = []
            i += 1
            while i < len(lines) and lines[i] != end:
                body.append(lines[i])
                i += 1
            if i >= len(lines):
                err("%s without %s" % (directive, end))
            i += 1
            text = "\n".join(body)
            if directive == "EXPECT_EXACT":
                case.out_exact = text + "\n" if body else ""
            elif directive == "EXPECT_ANY_ORDER":
                case.out_any = body
            elif directive == "EXPECT_STDERR_EXACT":
                case.err_exact = text + "\n" if body else ""
            elif directive == "FILE":
                fname = value.strip()
                if not fname or "/" in fname:
                    err("FILE needs a plain file name")
                case.files[fname] = text + "\n"
            elif directive == "PROG":
                case.prog = text
            elif directive == "STDIN":
                case.stdin = text + "\n"
            continue
        if directive not in SINGLE:
            err("unknown directive %r" % directive)
        v = value
        i += 1
        if directive == "PROG":
            case.prog = v
        elif directive == "RUN":
            case.run = v
        elif directive == "STDIN":
            case.stdin = v + "\n"
        elif directive == "EXPECT":
            case.out.append(("line", v))
        elif directive == "EXPECT_REGEX":
            case.out.append(("regex", v))
        elif directive == "EXPECT_FILE":
            fpath = os.path.join(os.path.dirname(path), v.strip())
            try:
                with open(fpath, encoding="utf-8") as ef:
                    for line in ef.read().splitlines():
                        case.out.append(("line", line))
            except OSError as e:
                err("EXPECT_FILE: %s" % e)
        elif directive == "EXPECT_NONE":
            case.out_none.append(("line", v))
        elif directive == "EXPECT_NONE_REGEX":
            case.out_none.append(("regex", v))
        elif directive == "EXPECT_STDERR":
            case.err.append(("line", v))
        elif directive == "EXPECT_STDERR_REGEX":
            case.err.append(("regex", v))
        elif directive == "EXPECT_STDERR_NONE":
            case.err_none.append(("line", v))
        elif directive == "EXPECT_STDERR_NONE_REGEX":
            case.err_none.append(("regex", v))
        elif directive == "EXIT_CODE":
            try:
                case.exit_code = int(v.strip())
            except ValueError:
                err("EXIT_CODE needs an integer")
        elif directive == "TIMEOUT":
            try:
                case.timeout = float(v.strip())
            except ValueError:
                err("TIMEOUT needs a number of seconds")
        elif directive == "AFTER":
            case.after.append(v)
        elif directive == "SIGNAL":
            parts = v.split()
            if not parts or parts[0].upper().removeprefix("SIG") not in SIGNALS:
                err("SIGNAL needs one of %s" % ", ".join(SIGNALS))
            sname = parts[0].upper().removeprefix("SIG")
            delay = float(parts[1]) if len(parts) > 1 else 0.5
            case.signal = (SIGNALS[sname], "SIG" + sname, delay)
        elif directive == "ENV":
            for kv in shlex.split(v):
                k, eq, val = kv.partition("=")
                if not eq:
                    err("ENV needs K=V")
                case.env[k] = val
        elif directive == "REQUIRES_KERNEL_FEATURE":
            feat = v.strip()
            if feat not in KERNEL_FEATURES:
                err("unknown kernel feature %r (known: %s)" % (feat, ", ".join(KERNEL_FEATURES)))
            case.features.append(feat)
        elif directive == "REQUIRES_NO_KERNEL_FEATURE":
            feat = v.strip()
            if feat not in KERNEL_FEATURES:
                err("unknown kernel feature %r (known: %s)" % (feat, ", ".join(KERNEL_FEATURES)))
            case.absent_features.append(feat)
        elif directive == "COMPARE_BPFTRACE":
            case.compare = True
        elif directive == "DIFFERS_FROM_BPFTRACE_0_17":
            case.differs = v.strip() or "differs"
        elif directive == "CHECK_NOTHING_LEFT":
            case.check_left = True
    for c in cases:
        if (c.prog is None) == (c.run is None):
            raise FormatError("%s:%d: case %s needs exactly one of PROG or RUN" % (path, c.line, c.name))
        if c.out_exact is not None and c.out:
            raise FormatError("%s:%d: case %s: EXPECT_EXACT excludes EXPECT/EXPECT_REGEX" % (path, c.line, c.name))
    return cases


# ------------------------------------------------------------------ system state checks

_feature_cache = {}


def feature_present(feat):
    if feat not in _feature_cache:
        how = KERNEL_FEATURES[feat]
        try:
            _feature_cache[feat] = how() if callable(how) else any(os.path.exists(p) for p in how)
        except Exception:  # a probe that cannot run: treat the feature as absent
            _feature_cache[feat] = False
    return _feature_cache[feat]


def feature_how(feat):
    how = KERNEL_FEATURES[feat]
    return "tried by %s()" % how.__name__ if callable(how) else "one of %s" % ", ".join(how)


def attachments():
    """A snapshot of everything attached system-wide that a tracer could leave behind."""
    snap = set()
    bpftool = shutil.which("bpftool") or "/usr/sbin/bpftool"
    if os.path.exists(bpftool):
        for sub in ("link", "perf"):
            try:
                out = subprocess.run([bpftool, "-j", sub, "list"], capture_output=True,
                                     timeout=20).stdout.decode()
                for item in json.loads(out or "[]"):
                    if sub == "link":
                        snap.add(("link", item.get("id"), item.get("type"), item.get("prog_id")))
                    else:
                        snap.add(("perf", item.get("pid"), item.get("fd"), item.get("prog_id")))
            except (subprocess.SubprocessError, ValueError, OSError):
                snap.add(("error", sub))
    for tf in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"):
        for ev in ("kprobe_events", "uprobe_events"):
            p = os.path.join(tf, ev)
            try:
                with open(p) as f:
                    for line in f:
                        snap.add((ev, line.strip()))
            except OSError:
                pass
    return snap


def describe_new(before, after):
    return ["%s" % (item,) for item in sorted(after - before, key=str)]


# ------------------------------------------------------------------ running one command

def descendants(pid):
    """PIDs of all descendants of pid (breadth first)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop(0)
        kids = []
        try:
            for t in os.listdir("/proc/%d/task" % p):
                try:
                    with open("/proc/%d/task/%s/children" % (p, t)) as f:
                        kids += [int(x) for x in f.read().split()]
                except OSError:
                    pass
        except OSError:
            pass
        out += kids
        todo += kids
    return out


def tracer_pid(main_pid, tracer_path):
    """The tracer's own PID: main_pid itself for PROG cases; for RUN cases the first
    descendant running the tracer binary (or main_pid if none is found)."""
    real = os.path.realpath(tracer_path)
    for p in [main_pid] + descendants(main_pid):
        try:
            if os.path.realpath("/proc/%d/exe" % p) == real:
                return p
        except OSError:
            pass
    return main_pid


def hang_report(pid):
    """Where each thread of a hung process is blocked (state, wchan, kernel stack)."""
    lines = ["hung process %d (%s), its threads:" % (pid, read_text("/proc/%d/cmdline" % pid)
                                                    .replace("\0", " ").strip())]
    try:
        tids = sorted(os.listdir("/proc/%d/task" % pid), key=int)
    except OSError:
        return lines[0] + " (gone)"
    for tid in tids:
        t = "/proc/%d/task/%s" % (pid, tid)
        state = [l for l in read_text(t + "/status").splitlines() if l.startswith("State:")]
        lines.append("  %s %s %s wchan=%s" % (tid, read_text(t + "/comm").strip(),
                                             state[0].split(None, 1)[1] if state else "?",
                                             read_text(t + "/wchan").strip()))
        for frame in read_text(t + "/stack").splitlines()[:8]:
            lines.append("      " + frame)
    return "\n".join(lines)


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def kill_group(pgid, sig=signal.SIGKILL):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Result:
    def __init__(self):
        self.stdout = ""
        self.stderr = ""
        self.rc = None
        self.timed_out = False
        self.ready = False
        self.notes = []
        self.duration = 0.0


def run_command(argv, env, cwd, timeout, stdin_text, case, tracer_path, subst, resend_signal=False):
    """Runs argv in its own process group; handles readiness, AFTER and SIGNAL; kills the
    group on timeout. Returns a Result."""
    res = Result()
    t0 = time.monotonic()
    deadline = t0 + timeout
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.PIPE if stdin_text is not None
                            else subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    pgid = proc.pid
    if stdin_text is not None:
        try:
            proc.stdin.write(stdin_text.encode())
        except BrokenPipeError:
            pass
        proc.stdin.close()
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    sel.register(proc.stderr, selectors.EVENT_READ, "err")
    bufs = {"out": bytearray(), "err": bytearray()}
    after_thread = None
    after_procs = []
    exited_at = None

    def after_work(tpid):
        for cmd in case.after:
            cmd = subst(cmd).replace("{{PID}}", str(tpid))
            left = max(0.5, deadline - time.monotonic())
            try:
                p = subprocess.Popen(["/bin/bash", "-c", cmd], cwd=cwd, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
                after_procs.append(p)
                out, _ = p.communicate(timeout=left)
                if p.returncode != 0:
                    res.notes.append("AFTER command exited %d: %s\n%s" % (
                        p.returncode, cmd, out.decode(errors="replace")))
            except subprocess.TimeoutExpired:
                kill_group(p.pid)
                p.communicate()
                res.notes.append("AFTER command timed out: %s" % cmd)
        if case.signal:
            signum, sname, delay = case.signal
            time.sleep(delay)
            if proc.poll() is None:
                try:
                    os.kill(tpid, signum)
                except ProcessLookupError:
                    pass
            else:
                res.notes.append("tracer had exited before %s could be sent" % sname)
            # bpftrace 0.17 sometimes misses the signal (it sleeps in epoll_wait with the flag
            # its handler set unseen): in harness check mode only, send it again
            while resend_signal and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(1.0)
                if proc.poll() is None:
                    try:
                        os.kill(tpid, signum)
                    except ProcessLookupError:
                        pass

    while sel.get_map():
        now = time.monotonic()
        if now >= deadline:
            res.timed_out = True
            res.notes.append(hang_report(tracer_pid(proc.pid, tracer_path)))
            kill_group(pgid)
            break
        if exited_at is not None and now - exited_at > 2.0:
            # the tracer exited but something it started still holds the pipes
            kill_group(pgid)
        for key, _ in sel.select(timeout=min(0.05, max(0.0, deadline - now))):
            data = os.read(key.fileobj.fileno(), 65536)
            if not data:
                sel.unregister(key.fileobj)
                continue
            bufs[key.data] += data
            if (key.data == "err" and not res.ready and
                    (NOTIFY_TOKEN + "\n").encode() in bufs["err"]):
                res.ready = True
                if case.after or case.signal:
                    tpid = tracer_pid(proc.pid, tracer_path)
                    after_thread = threading.Thread(target=after_work, args=(tpid,), daemon=True)
                    after_thread.start()
        if exited_at is None and proc.poll() is not None:
            exited_at = time.monotonic()
    try:
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        res.timed_out = True
        kill_group(pgid)
        proc.wait()
    kill_group(pgid)  # anything the case left running
    if after_thread is not None:
        after_thread.join(timeout=max(1.0, deadline + 5 - time.monotonic()))
    for p in after_procs:
        kill_group(p.pid)
    if (case.after or case.signal) and not res.ready and not res.timed_out:
        res.notes.append("the tracer never printed %s on stderr, so AFTER/SIGNAL did not run"
                         % NOTIFY_TOKEN)
    res.rc = proc.returncode
    res.stdout = bufs["out"].decode(errors="replace")
    res.stderr = bufs["err"].decode(errors="replace")
    res.duration = time.monotonic() - t0
    return res


# ------------------------------------------------------------------ checking output

def drop_lines(text, pred):
    lines = text.splitlines(True)
    return "".join(l for l in lines if not pred(l.rstrip("\n")))


def clang_style(text):
    """bpftrace 0.17 diagnostics in our location format: "f:L:A-B: ERROR" -> "f:L:A: ERROR",
    and the "~~~" line under the source line -> "^~~" (harness check mode only)."""
    out = []
    for line in text.splitlines(True):
        body = line.rstrip("\n")
        m = re.match(r"^(.*:\d+:)(\d+)-\d+(: (ERROR|WARNING): .*)$", body)
        if m:
            body = m.group(1) + m.group(2) + m.group(3)
        m = re.match(r"^( *)(~+)$", body)
        if m:
            body = m.group(1) + "^" + "~" * (len(m.group(2)) - 1)
        out.append(body + line[len(line.rstrip("\n")):])
    return "".join(out)


def line_matches(kind, pattern, line):
    if kind == "line":
        return line == pattern
    return re.fullmatch(pattern, line) is not None


def check_ordered(checks, text, what):
    """Each check must match a whole line, in this order (other lines may come between)."""
    lines = text.splitlines()
    pos = 0
    for kind, pat in checks:
        found = False
        while pos < len(lines):
            if line_matches(kind, pat, lines[pos]):
                found = True
                pos += 1
                break
            pos += 1
        if not found:
            return "%s: no line %s %r (in this order after the previous expectations)" % (
                what, "matching" if kind == "regex" else "equal to", pat)
    return None


def diff(expected, got, a="expected", b="got"):
    return "".join(difflib.unified_diff(expected.splitlines(True), got.splitlines(True),
                                        fromfile=a, tofile=b))


def indent(text, prefix="    | "):
    if not text:
        return prefix + "(empty)\n"
    return "".join(prefix + l + ("" if l.endswith("\n") else "\n") for l in text.splitlines(True))


def check_case(case, res, subst):
    """Returns a list of failure messages (empty: pass)."""
    fails = []
    if res.timed_out:
        fails.append("timed out after %gs (process group killed)" % case.timeout)
    fails += res.notes
    if res.rc is not None and res.rc != case.exit_code and not res.timed_out:
        fails.append("exit code %s, expected %d" % (res.rc, case.exit_code))
    out, err = res.stdout, res.stderr
    if case.out:
        m = check_ordered([(k, subst(p)) for k, p in case.out], out, "stdout")
        if m:
            fails.append(m)
    if case.out_exact is not None:
        exp = subst(case.out_exact)
        if out != exp:
            fails.append("stdout differs from EXPECT_EXACT:\n" + diff(exp, out))
    if case.out_any is not None:
        have = out.splitlines()
        for line in case.out_any:
            line = subst(line)
            if line in have:
                have.remove(line)
            else:
                fails.append("stdout: no line %r (EXPECT_ANY_ORDER)" % line)
    for kind, pat in case.out_none:
        pat = subst(pat)
        if any(line_matches(kind, pat, l) for l in out.splitlines()):
            fails.append("stdout has a line %s %r (EXPECT_NONE)" % (
                "matching" if kind == "regex" else "equal to", pat))
    if case.err:
        m = check_ordered([(k, subst(p)) for k, p in case.err], err, "stderr")
        if m:
            fails.append(m)
    if case.err_exact is not None:
        exp = subst(case.err_exact)
        if err != exp:
            fails.append("stderr differs from EXPECT_STDERR_EXACT:\n" + diff(exp, err))
    for kind, pat in case.err_none:
        pat = subst(pat)
        if any(line_matches(kind, pat, l) for l in err.splitlines()):
            fails.append("stderr has a line %s %r (EXPECT_STDERR_NONE)" % (
                "matching" if kind == "regex" else "equal to", pat))
    return fails


# ------------------------------------------------------------------ driver

class Runner:
    def __init__(self, args):
        self.args = args
        self.tracer = abs_program(os.environ.get("BPFSCRIPT") or args.bpfscript or
                                  os.path.join(REPO, "build", "bpfscript"))
        # absolute: cases run in their own directory
        self.targets = os.path.abspath(os.environ.get("BPFSCRIPT_TARGETS") or args.targets or os.path.join(
            REPO, "build", "tests", "targets"))
        self.bpftrace = abs_program(args.bpftrace)
        self.dialects = {}
        self.tracer_is_bpftrace017 = self.bpftrace017(self.tracer)
        self.passed = self.failed = self.skipped = self.xfailed = 0

    def bpftrace017(self, path):
        """Is path bpftrace 0.17 (whose stdout starts with "Attaching N probes...")?"""
        if path not in self.dialects:
            try:
                out = subprocess.run([path, "--version"], capture_output=True, timeout=20)
                v = re.match(rb"bpftrace v0\.17\.", out.stdout + out.stderr) is not None
            except (OSError, subprocess.SubprocessError):
                v = False
            self.dialects[path] = v
        return self.dialects[path]

    def make_subst(self, tracer, tmp):
        uniq = os.urandom(4).hex()

        def subst(text):
            def target(m):
                return os.path.join(self.targets, m.group(1))
            text = re.sub(r"\{\{TARGET:([A-Za-z0-9_.-]+)\}\}", target, text)
            return (text.replace("{{BPFSCRIPT}}", tracer).replace("{{BPFTRACE}}", tracer)
                    .replace("{{TMP}}", tmp).replace("{{NCPU}}", str(online_cpus()))
                    .replace("{{UNIQ}}", uniq)
                    .replace("{{SCRIPTS}}", os.path.join(REPO, "scripts")))
        return subst

    def execute(self, case, tracer):
        """Runs case with the given tracer binary; returns (Result, attachment leak list)."""
        tmp = tempfile.mkdtemp(prefix="bpfscript-rt-")
        os.chmod(tmp, 0o755)
        subst = self.make_subst(tracer, tmp)
        for fname, content in case.files.items():
            with open(os.path.join(tmp, fname), "w") as f:
                f.write(subst(content))
        env = dict(os.environ)
        env.update({"LC_ALL": "C", NOTIFY_TOKEN: "1", "BPFSCRIPT": tracer})
        for k, v in case.env.items():
            env[k] = subst(v)
        if case.prog is not None:
            argv = [tracer, "-e", subst(case.prog)]
        else:
            argv = ["/bin/bash", "-c", subst(case.run)]
        before = attachments() if case.check_left else None
        stdin = subst(case.stdin) if case.stdin is not None else None
        res = run_command(argv, env, tmp, case.timeout, stdin, case, tracer, subst,
                          resend_signal=self.bpftrace017(tracer))
        leaks = []
        if case.check_left:
            for _ in range(20):  # links of an exited process go away asynchronously
                after = attachments()
                leaks = describe_new(before, after)
                if not leaks:
                    break
                time.sleep(0.1)
        # the notify token is the harness's business, not the case's
        res.stderr = drop_lines(res.stderr, lambda l: l == NOTIFY_TOKEN)
        if self.bpftrace017(tracer):
            res.stdout = drop_lines(res.stdout, lambda l: ATTACHING_RE.match(l) is not None)
            res.stderr = clang_style(drop_lines(res.stderr, lambda l: RLIMIT_RE.search(l) is not None))
        res.tmp = tmp
        if self.args.keep:
            print("     (kept %s)" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        return res, leaks, subst

    def report(self, status, case, res=None, fails=(), extra=""):
        dur = " (%.2fs)" % res.duration if res is not None else ""
        print("%-4s %s%s%s" % (status, case.full_name, dur, extra), flush=True)
        if fails:
            for f in fails:
                print(indent(f, "    "), end="")
        if res is not None and (fails or self.args.verbose):
            print("  stdout:")
            print(indent(res.stdout), end="")
            print("  stderr:")
            print(indent(res.stderr), end="")
            print("  exit code: %s" % res.rc, flush=True)

    def run_case(self, case):
        missing = [f for f in case.features if not feature_present(f)]
        if missing:
            self.skipped += 1
            print("skip %s: kernel feature '%s' absent (%s)" % (
                case.full_name, missing[0], feature_how(missing[0])), flush=True)
            return
        present = [f for f in case.absent_features if feature_present(f)]
        if present:
            self.skipped += 1
            print("skip %s: kernel feature '%s' present (%s); the case checks the error without it" % (
                case.full_name, present[0], feature_how(present[0])), flush=True)
            return
        if self.args.compare_bpftrace:
            return self.run_compare(case)
        for attempt in range(self.args.retries + 1):
            res, leaks, subst = self.execute(case, self.tracer)
            fails = check_case(case, res, subst)
            if leaks:
                fails.append("left attached after exit (CHECK_NOTHING_LEFT):\n" + "\n".join(leaks))
            if not fails or (self.tracer_is_bpftrace017 and case.differs):
                break
            if attempt < self.args.retries:
                print("retry %s: %s" % (case.full_name, fails[0].splitlines()[0]), flush=True)
        if not fails:
            self.passed += 1
            self.report("ok", case, res)
        elif self.tracer_is_bpftrace017 and case.differs:
            self.xfailed += 1
            self.passed += 1
            self.report("xfail", case, res, extra=": bpftrace 0.17 differs: " + case.differs)
        else:
            self.failed += 1
            self.report("FAIL", case, res, fails)

    def run_compare(self, case):
        mine, _, _ = self.execute(case, self.tracer)
        ref, _, _ = self.execute(case, self.bpftrace)
        # each run has its own {{TMP}}: compare with the paths put back
        mine.stdout = mine.stdout.replace(mine.tmp, "{{TMP}}")
        ref.stdout = ref.stdout.replace(ref.tmp, "{{TMP}}")
        fails = []
        if mine.timed_out:
            fails.append("%s timed out" % self.tracer)
        if ref.timed_out:
            fails.append("%s timed out" % self.bpftrace)
        if mine.stdout != ref.stdout:
            fails.append("stdout differs from bpftrace's:\n" + diff(ref.stdout, mine.stdout,
                                                                   "bpftrace", "bpfscript"))
        if mine.rc != ref.rc:
            fails.append("exit code %s, bpftrace's %s" % (mine.rc, ref.rc))
        if fails:
            self.failed += 1
            self.report("FAIL", case, mine, fails)
            print("  bpftrace stdout:")
            print(indent(ref.stdout), end="")
        else:
            self.passed += 1
            self.report("ok", case, mine, extra=" = bpftrace")


def abs_program(path):
    """An absolute path for a program given as a path or as a name found in PATH."""
    if os.sep not in path:
        path = shutil.which(path) or path
    return os.path.abspath(path)


def online_cpus():
    """CPUs a profile probe attaches to (one perf event per online CPU)."""
    try:
        with open("/sys/devices/system/cpu/online") as f:
            n = 0
            for part in f.read().strip().split(","):
                lo, _, hi = part.partition("-")
                n += int(hi or lo) - int(lo) + 1
            return n
    except (OSError, ValueError):
        return os.cpu_count()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("suites", nargs="+")
    ap.add_argument("--bpfscript")
    ap.add_argument("--targets")
    ap.add_argument("--compare-bpftrace", action="store_true")
    ap.add_argument("--bpftrace", default="/usr/bin/bpftrace")
    ap.add_argument("-k", "--filter")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--retries", type=int, default=0)
    args = ap.parse_args()

    cases = []
    try:
        for s in args.suites:
            cases += parse_suite(s)
    except (FormatError, OSError) as e:
        print("runner: %s" % e, file=sys.stderr)
        return 2
    if args.filter:
        cases = [c for c in cases if re.search(args.filter, c.name)]
    if args.compare_bpftrace:
        cases = [c for c in cases if c.compare]
    if args.list:
        for c in cases:
            print(c.full_name)
        return 0

    r = Runner(args)
    problems = []
    if os.geteuid() != 0:
        problems.append("runtime tests must run as root (euid is %d)" % os.geteuid())
    if not os.access(r.tracer, os.X_OK):
        problems.append("tracer %s is missing or not executable (build it, or set BPFSCRIPT)" % r.tracer)
    if args.compare_bpftrace and not os.access(args.bpftrace, os.X_OK):
        problems.append("reference %s is missing (apt-get install bpftrace)" % args.bpftrace)
    print("runtime: tracer %s%s, targets %s, %d case(s)%s" % (
        r.tracer, " (bpftrace 0.17: harness check mode)" if r.tracer_is_bpftrace017 else "",
        r.targets, len(cases), ", compared with " + args.bpftrace if args.compare_bpftrace else ""),
        flush=True)
    if problems:
        for p in problems:
            print("runtime: error: %s" % p, flush=True)
        for c in cases:
            print("FAIL %s: not run" % c.full_name)
        print("0 passed, %d failed, 0 skipped" % len(cases))
        return 1

    def on_signal(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for c in cases:
            r.run_case(c)
    except KeyboardInterrupt:
        print("runtime: interrupted", flush=True)
        r.failed += 1
    if r.xfailed:
        print("(%d of the passed are expected failures: bpftrace 0.17 differs from the latest "
              "bpftrace behaviour these cases test)" % r.xfailed)
    print("%d passed, %d failed, %d skipped" % (r.passed, r.failed, r.skipped), flush=True)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
