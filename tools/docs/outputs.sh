#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The program outputs the book shows, from a real run in the emulated VMX
# machine.
#
#   tools/docs/outputs.sh --list       the names, one a line
#   tools/docs/outputs.sh [--kernel K] [NAME...]
#                                      build, boot once, run each command,
#                                      write docs/outputs/NAME.txt and its
#                                      line in docs/outputs/RUNS
#
# A chapter shows an output between `<!-- output: NAME -->` and
# `<!-- /output -->`; tools/docs/check.py (tests/host/docs_test.sh) checks
# that the block equals docs/outputs/NAME.txt, and `make docs` runs this
# script and splices the files into the chapters.  Nothing here is edited
# by hand: a changed program, or changed code under it, shows up as a
# changed recorded file in the next `make docs`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

# NAME|COMMAND: run in the guest by sh -c, in /opt/dune (build/guest/),
# standard error with standard output, as a reader would see them.
outputs=(
	"first|samples/teach/first"
	"traps|samples/teach/traps"
	"pages|samples/teach/pages"
	"popek|samples/teach/popek"
)

kernel=${DUNE_VM_KERNEL:-stock}
want=()
while (($#)); do
	case $1 in
	--list) for e in "${outputs[@]}"; do echo "${e%%|*}"; done; exit 0 ;;
	--kernel) kernel=$2; shift 2 ;;
	-*) echo "usage: $0 [--list] [--kernel K] [NAME...]" >&2; exit 2 ;;
	*) want+=("$1"); shift ;;
	esac
done

script=""
names=()
for e in "${outputs[@]}"; do
	name=${e%%|*} cmd=${e#*|}
	if ((${#want[@]})) && [[ " ${want[*]} " != *" $name "* ]]; then
		continue
	fi
	names+=("$name")
	script+="echo '@@docs-output $name@@'; ( $cmd ) 2>&1; echo \"@@docs-end $name \$?@@\"; "
done
((${#names[@]})) || { echo "$0: no such output: ${want[*]}" >&2; exit 2; }

cd "$repo"
kdir=$(tools/vm/kernel "$kernel" kdir)
make -s samples
make -s module KDIR="$kdir"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
tools/vm/run --kernel "$kernel" --timeout 1800 -- sh -c "$script" | tee "$log" || status=$?
if ((status)); then
	echo "$0: the emulated run failed (status $status); nothing recorded" >&2
	exit 1
fi

commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- kmod libdune samples || commit+="+changes"
date=$(date -u +%Y-%m-%dT%H:%MZ)
mkdir -p docs/outputs
touch docs/outputs/RUNS
for name in "${names[@]}"; do
	out=$(tr -d '\r' <"$log" | awk -v n="$name" '
		$0 == "@@docs-output " n "@@" { on = 1; next }
		index($0, "@@docs-end " n " ") == 1 { print "@@status " $3; on = 0; next }
		on')
	st=$(printf '%s\n' "$out" | sed -n 's/^@@status \([0-9]*\)@@$/\1/p')
	if [[ -z $st ]]; then
		echo "$0: $name: no output in the run" >&2
		exit 1
	fi
	printf '%s\n' "$out" | grep -v '^@@status ' >"docs/outputs/$name.txt"
	{
		grep -v "^$name " docs/outputs/RUNS | grep -v '^#' || true
		echo "$name exit=$st $date commit=$commit kernel=$kernel"
	} | sort >docs/outputs/RUNS.new
	{
		echo "# name, exit status, when (UTC), the tree it ran, the guest kernel: tools/docs/outputs.sh"
		cat docs/outputs/RUNS.new
	} >docs/outputs/RUNS
	rm -f docs/outputs/RUNS.new
	echo "recorded docs/outputs/$name.txt (exit $st)"
done
