#!/usr/bin/env bash
# bench/plugin_order.sh - regenerate cmake/llvm_plugin.order, the order in which the linker
# lays out the LLVM plugin's functions (BENCHMARKS.md, "Cold start-up").
#
#   bench/plugin_order.sh [BUILD_DIR]     (a Release build: build/ by default)
#
# A compiling run touches ~10,000 of the plugin's functions, scattered over 25 MB of code: a
# page fault for nearly every one of them, in LLVM's constructors and in code generation.
# Laid out together (ld.lld --symbol-ordering-file), they fault in a few hundred pages. This
# runs the compiler under valgrind's callgrind on representative programs (every probe
# family, maps, aggregations, strings, stacks, loops; --emit-elf: no kernel needed beyond BTF)
# and lists, once each, the plugin's functions that ran, by mangled name: those of the first
# program, `BEGIN { exit(); }`, first (what every compile runs), then what each next program
# adds. A name the linker does not find is ignored, so an order made with another LLVM build
# only loses its effect.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-$REPO/build}
BIN=$BUILD/bpfscript
PLUGIN=$BUILD/libbpfscript-llvm.so
OUT=$REPO/cmake/llvm_plugin.order
[ -x "$BIN" ] && [ -f "$PLUGIN" ] || { echo "plugin_order.sh: no $BIN with its plugin (a Release build)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "plugin_order.sh: needs valgrind" >&2; exit 2; }
TMP=$(mktemp -d /tmp/bpfscript-order.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
PROGRAMS=(
	'BEGIN { exit(); }'
	'tracepoint:syscalls:sys_enter_openat /comm == "x"/ { @[comm, str(args->filename)] = count(); @h = hist(args->flags); printf("%s %d\n", str(args->filename), pid); } interval:s:1 { print(@h); clear(@h); } END { exit(); }'
	'uprobe:libc:malloc { @[func] = count(); @s[ustack] = count(); @b[pid] = sum(arg0); } uretprobe:libc:malloc { @r = lhist(retval, 0, 100, 10); }'
	'kprobe:do_sys_openat2 { $p = (struct open_how *)arg2; @[kstack, comm] = sum($p->flags); if (strncmp(comm, "ba", 2) == 0) { printf("%s %s\n", ksym(reg("ip")), strftime("%H", nsecs)); } } kretprobe:vfs_read { @st = stats(retval); @m = max(retval); @a = avg(retval); }'
	'BEGIN { @x = 1; $i = 0; while ($i < 10) { $i++; @y[$i] = $i * 2; } for ($kv : @y) { printf("%d\n", $kv.1); } unroll(3) { @z++; } }'
	'tracepoint:sched:sched_switch { @[args->prev_comm, args->next_pid] = count(); @t[tid] = nsecs; } rawtracepoint:sched_wakeup { @w = count(); } profile:hz:99 { @p[kstack(3)] = count(); }'
)
i=0
for p in "${PROGRAMS[@]}"; do
	i=$((i + 1))
	BPFSCRIPT_NO_CACHE=1 valgrind --tool=callgrind --demangle=no --callgrind-out-file="$TMP/cg.$i" \
		"$BIN" --emit-elf /dev/null -e "$p" >"$TMP/log.$i" 2>&1 ||
		{ echo "plugin_order.sh: program $i failed:"; cat "$TMP/log.$i"; exit 1; } >&2
done
# callgrind's format: "ob=(N) path" / "cob=" name the object of the "fn=" / "cfn=" lines that
# follow; "(N)" alone refers back to an earlier name. Keep the plugin's functions.
python3 - "$TMP" "$PLUGIN" "$OUT" <<'PY'
import glob, os, re, sys
tmp, plugin, out = sys.argv[1], os.path.basename(sys.argv[2]), sys.argv[3]
order, seen = [], set()
# Program 1 (`BEGIN { exit(); }`) first: every compile runs its functions, so they are laid
# out together in the fewest pages; then what each further program adds.
for f in sorted(glob.glob(os.path.join(tmp, 'cg.*')), key=lambda p: int(p.rsplit('.', 1)[1])):
    names = set()
    obs, fns = {}, {}
    ob = cob = None
    for line in open(f, errors='replace'):
        m = re.match(r'^(c?)(ob|fn)=\((\d+)\)(?: (.*))?$', line.rstrip('\n'))
        if not m:
            continue
        called, kind, ident, name = m.groups()
        table = obs if kind == 'ob' else fns
        if name is not None:
            table[ident] = name
        name = table.get(ident, '')
        if kind == 'ob':
            if called:
                cob = name
            else:
                ob = cob = name
        elif (cob if called else ob or '').endswith(plugin) and name and ' ' not in name:
            names.add(name)
        if kind == 'fn' and not called:
            cob = ob
    order += sorted(names - seen)
    seen |= names
with open(out, 'w') as o:
    o.write('\n'.join(order) + '\n')
print(f'plugin_order.sh: {len(order)} functions -> {out}')
PY
