#!/bin/sh
# golden.sh BPFSCRIPT DIR [--regen] - the BPF assembly generated for each DIR/*.bt
# (bpfscript -d asm FILE) must equal DIR/NAME.asm. Map file descriptors in
# `ld_pseudo rN, 1, FD` depend on what the process has open and are written as FD.
# With --regen the .asm files are rewritten instead (after a deliberate codegen
# change; review the diff). Needs root: attach points are checked against the
# running kernel (functions in kallsyms and BTF).
#
# What depends on the kernel build (a struct member's offset in vmlinux BTF) is
# not written into the .asm: a line `// golden: {{NAME}} = EXPR` in the .bt
# evaluates EXPR (offsetof(...), sizeof(...)) on the running kernel, and {{NAME}}
# in the .asm stands for its value (in `rN += {{NAME}}` lines: --regen writes
# the placeholder back there).
set -u
# the instruction set is fixed (cpu v4: this machine's kernel has it) so that the files do
# not depend on what the running kernel takes (sys/bpfsys.h, bpfsys_cpu_v4)
export BPFSCRIPT_BPF_CPU=v4
B=$1
DIR=$2
REGEN=${3:-}
tmp=$(mktemp)
want=$(mktemp)
trap 'rm -f "$tmp" "$want"' EXIT
fail=0
n=0
for bt in "$DIR"/*.bt; do
	name=$(basename "$bt" .bt)
	n=$((n + 1))
	if ! "$B" -d asm "$bt" > "$tmp" 2>&1; then
		echo "FAIL: $name: bpfscript -d asm failed:"; cat "$tmp"; fail=1; continue
	fi
	sed -i 's/\(ld_pseudo\t*r[0-9]*, 1, \)[0-9]*/\1FD/' "$tmp"
	cp "$DIR/$name.asm" "$want" 2>/dev/null || : > "$want"
	bad=0
	for decl in $(sed -n 's|^// golden: {{\([A-Za-z_0-9]*\)}} = .*|\1|p' "$bt"); do
		expr=$(sed -n "s|^// golden: {{$decl}} = ||p" "$bt")
		val=$("$B" -q -e "BEGIN { printf(\"%d\\n\", $expr); exit(); }" 2>&1) || { echo "FAIL: $name: $expr: $val"; bad=1; }
		case $val in *[!0-9]*|'') echo "FAIL: $name: $expr gave '$val'"; bad=1; continue ;; esac
		if [ "$REGEN" = --regen ]; then
			sed -i "s/^\(\tr[0-9]* += \)$val\$/\1{{$decl}}/" "$tmp"
		else
			sed -i "s/{{$decl}}/$val/g" "$want"
		fi
	done
	[ "$bad" = 0 ] || { fail=1; continue; }
	if [ "$REGEN" = --regen ]; then
		cp "$tmp" "$DIR/$name.asm"
		echo "regenerated: $name"
	elif cmp -s "$tmp" "$want"; then
		echo "ok: $name"
	else
		echo "FAIL: $name: the generated program differs from $name.asm:"
		diff -u "$want" "$tmp" | head -40
		fail=1
	fi
done
echo "$n programs compared"
exit $fail
