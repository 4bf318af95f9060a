#!/bin/sh
# golden.sh BPFSCRIPT DIR [--regen] - the BPF assembly generated for each DIR/*.bt
# (bpfscript -d asm FILE) must equal DIR/NAME.asm. Map file descriptors in
# `ld_pseudo rN, 1, FD` depend on what the process has open and are written as FD.
# With --regen the .asm files are rewritten instead (after a deliberate codegen
# change; review the diff). Needs root: attach points are checked against the
# running kernel (functions in kallsyms and BTF).
set -u
B=$1
DIR=$2
REGEN=${3:-}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
fail=0
n=0
for bt in "$DIR"/*.bt; do
	name=$(basename "$bt" .bt)
	n=$((n + 1))
	if ! "$B" -d asm "$bt" > "$tmp" 2>&1; then
		echo "FAIL: $name: bpfscript -d asm failed:"; cat "$tmp"; fail=1; continue
	fi
	sed -i 's/\(ld_pseudo\t*r[0-9]*, 1, \)[0-9]*/\1FD/' "$tmp"
	if [ "$REGEN" = --regen ]; then
		cp "$tmp" "$DIR/$name.asm"
		echo "regenerated: $name"
	elif cmp -s "$tmp" "$DIR/$name.asm"; then
		echo "ok: $name"
	else
		echo "FAIL: $name: the generated program differs from $name.asm:"
		diff -u "$DIR/$name.asm" "$tmp" | head -40
		fail=1
	fi
done
echo "$n programs compared"
exit $fail
