#!/bin/bash
# completion_test.sh COMPLETION [BPFSCRIPT] - the bash completion of bpfscript completes options,
# their arguments and probe types; given the bpfscript binary (and root), probe names too, which
# the completion asks `bpfscript -l` for (bash splits words at ':', so what is offered is the
# part after the last colon).
set -u
source "$1" || exit 1
fail=0
# expect LINE WORD...: completing at the end of LINE offers exactly WORD...
expect() {
	local line=$1
	shift
	COMP_LINE=$line
	COMP_POINT=${#line}
	read -ra COMP_WORDS <<<"$line"
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	[[ $line == *" " ]] && COMP_CWORD=${#COMP_WORDS[@]}
	COMPREPLY=()
	_bpfscript
	if [[ "${COMPREPLY[*]}" != "$*" ]]; then
		echo "FAIL: '$line' completes to '${COMPREPLY[*]}', expected '$*'"
		fail=1
	fi
}
expect "bpfscript --in" --include --info
expect "bpfscript --dry" --dry-run
expect "bpfscript -B " line full none
expect "bpfscript -f j" json
expect "bpfscript -d types,co" types,codegen types,codegen-opt
expect "bpfscript -d ve" verifier
expect "bpfscript -l trace" tracepoint:
expect "bpfscript -l kr" kretprobe: kr: kretfunc:
expect "bpfscript -e " 
if [ $# -ge 2 ]; then
	PATH=$(dirname "$2"):$PATH
	expect "bpfscript -l tracepoint:syscalls:sys_enter_getpp" sys_enter_getppid
	expect "bpfscript -l tracepoint:sched:sched_process_ex" sched_process_exec sched_process_exit
	expect "bpfscript -lv software:cpu-c" cpu-clock:
fi
exit $fail
