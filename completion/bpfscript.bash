# bpfscript.bash - bash completion for bpfscript(8): options, their arguments, probe types
# and (as root, through `bpfscript -l`) probe names.
#
# Installed by `cmake --install` as share/bash-completion/completions/bpfscript; to try it
# from the source tree: source completion/bpfscript.bash
# The option list must match `bpfscript --help` (ctest cli.completion checks it).

_bpfscript_options="-B -c -d -e -f -h -I -k -l -o -p -q -v -V
--bench --check --cmd --debug --dry-run --emit-elf --emit-llvm --flamegraph --help --include --info --list
--metrics --mode --no-cache --no-warnings --output --pid --quiet --test --unsafe --usdt-file-activation
--verbose --version --warnings"

_bpfscript_probe_types="BEGIN END test: bench: tracepoint: t: rawtracepoint: rt: self: kprobe: k: kretprobe:
kr: fentry: f: kfunc: fexit: fr: kretfunc: uprobe: u: uretprobe: ur: usdt: U: profile: p:
interval: i: software: s: hardware: h: watchpoint: w: iter: it:"

_bpfscript_debug_stages="ast types codegen codegen-opt asm libbpf verifier all"

# Bash splits words at ':' (COMP_WORDBREAKS): drop from each reply what comes before the
# last ':' of the word being completed, as bash-completion's __ltrim_colon_completions does.
_bpfscript_ltrim_colon()
{
	local cur=$1
	if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
		local prefix=${cur%"${cur##*:}"}
		local i
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$prefix"}
		done
	fi
}

# Probe types, then (once a type is given) the probes bpfscript -l lists (root only).
_bpfscript_probes()
{
	local cur=$1
	if [[ $cur != *:* ]]; then
		COMPREPLY=($(compgen -W "$_bpfscript_probe_types" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return
	fi
	COMPREPLY=($(bpfscript -l "$cur*" 2>/dev/null | head -n 1000))
	_bpfscript_ltrim_colon "$cur"
}

_bpfscript()
{
	COMPREPLY=()
	# Words from the line itself: bash splits COMP_WORDS at ':', probe names have colons.
	local line=${COMP_LINE:0:COMP_POINT}
	local -a w
	read -ra w <<<"$line"
	local n=${#w[@]} cur="" prev=""
	if [[ $line == *[[:space:]] ]]; then
		((n > 0)) && prev=${w[n-1]}
	else
		((n > 0)) && cur=${w[n-1]}
		((n > 1)) && prev=${w[n-2]}
	fi
	cur=${cur#[\'\"]}

	case $prev in
	-e | -h | --help | -V | --version | --info | --metrics)
		return ;;
	-o | --output | --include | --emit-elf | --emit-llvm | --flamegraph)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-I)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	-B)
		COMPREPLY=($(compgen -W "line full none" -- "$cur"))
		return ;;
	-f)
		COMPREPLY=($(compgen -W "text json folded" -- "$cur"))
		return ;;
	--mode)
		COMPREPLY=($(compgen -W "run test bench" -- "$cur"))
		return ;;
	-d | --debug)
		local done=${cur%"${cur##*,}"}
		COMPREPLY=($(compgen -P "$done" -W "$_bpfscript_debug_stages" -- "${cur##*,}"))
		return ;;
	-p | --pid)
		COMPREPLY=($(compgen -W "$(command ls /proc 2>/dev/null | grep -E '^[0-9]+$')" -- "$cur"))
		return ;;
	-c | --cmd)
		COMPREPLY=($(compgen -c -- "$cur"))
		return ;;
	-l | --list | -lv | -vl)
		_bpfscript_probes "$cur"
		return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$_bpfscript_options" -- "$cur"))
		return
	fi
	# A program file (the first non-option word), else a file for positional parameters.
	COMPREPLY=($(compgen -f -X '!*.bt' -- "$cur") $(compgen -d -- "$cur"))
}

complete -F _bpfscript bpfscript
