#!/bin/sh
# check.sh BPFSCRIPT - the kernel verifier accepts the programs of the probe types
# whose program type loads on this kernel even where attaching cannot work
# (kprobe, kretprobe: BPF_PROG_TYPE_KPROBE loads without kprobe support), and of
# rawtracepoint and iter: `bpfscript --check` compiles and loads them, attaching
# nothing, and must exit 0 with nothing on stderr. Needs root.
set -u
B=$1
fail=0
n=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
check() {
	n=$((n + 1))
	if "$B" --check -e "$1" > /dev/null 2> "$tmp" && ! [ -s "$tmp" ]; then
		echo "ok: $1"
	else
		echo "FAIL: --check -e '$1':"; cat "$tmp"; fail=1
	fi
}
check 'kprobe:do_nanosleep { @[arg0, arg1, arg5] = count(); @f[func] = count(); }'
check 'k:do_nanosleep+4 /arg2 > 10/ { printf("%d %s", arg0, kstack); }'
check 'kretprobe:do_nanosleep { @[func, retval] = count(); @s = hist(retval); }'
check 'kprobe:vfs_rea* { @[func] = count(); }'
check 'kprobe:do_nanosleep, kretprobe:do_nanosleep { @[probe] = count(); }'
check 'rawtracepoint:sys_enter { @[args.id, arg1] = count(); @r[args.regs->orig_ax] = count(); }'
check 'iter:task { @[ctx->task->tgid] = count(); }'
check 'iter:task_file { @ = count(); }'
echo "$n programs checked"
exit $fail
