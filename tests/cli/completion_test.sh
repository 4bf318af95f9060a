#!/bin/bash
# completion_test.sh COMPLETION - the bash completion of bpfscript completes options, their
# arguments and probe types (probe names need root and a built bpfscript on PATH: not here).
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
exit $fail
