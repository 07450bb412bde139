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
# standard error with standard output, as a reader would see them, in this
# order in one boot (perf-debugfs-exits first: it shows the module's totals
# since it was loaded).  docs/show is tools/docs/show.sh.
outputs=(
	"perf-debugfs-exits|docs/show debugfs-exits"
	"first|samples/teach/first"
	"traps|samples/teach/traps"
	"pages|samples/teach/pages"
	"popek|samples/teach/popek"
	"sandbox-exit-status|docs/show exit-status"
	"sandbox-trace|docs/show trace"
	"sandbox-proc-status|docs/show proc-status"
	"sandbox-unpriv-refusals|docs/show unpriv-refusals"
	"perf-tracefs|docs/show tracefs-perf"
)
# NAME|COMMAND: run on this machine (no boot), in the repository with
# build/bin first in PATH: what the sandbox says where Dune mode cannot
# start, and what it says before it needs /dev/dune.
host_outputs=(
	"sandbox-bad-option|tools/docs/show.sh bad-option"
	"sandbox-policy-errors|tools/docs/show.sh policy-errors"
	"sandbox-devcheck|tools/docs/show.sh devcheck"
	"sandbox-print-policy|tools/docs/show.sh print-policy"
)

kernel=${DUNE_VM_KERNEL:-stock}
want=()
while (($#)); do
	case $1 in
	--list) for e in "${outputs[@]}" "${host_outputs[@]}"; do echo "${e%%|*}"; done; exit 0 ;;
	--kernel) kernel=$2; shift 2 ;;
	-*) echo "usage: $0 [--list] [--kernel K] [NAME...]" >&2; exit 2 ;;
	*) want+=("$1"); shift ;;
	esac
done

# one marked section per output: "@@docs-output NAME@@", its lines, "@@docs-end NAME STATUS@@"
marked() {
	local e name cmd
	for e in "$@"; do
		name=${e%%|*} cmd=${e#*|}
		if ((${#want[@]})) && [[ " ${want[*]} " != *" $name "* ]]; then
			continue
		fi
		names+=("$name")
		printf '%s' "echo '@@docs-output $name@@'; ( $cmd ) 2>&1; echo \"@@docs-end $name \$?@@\"; "
	done
}
names=()
marked "${outputs[@]}" >/dev/null	# names only
guest_names=("${names[@]}")
names=()
script=$(marked "${outputs[@]}")
host_script=$(marked "${host_outputs[@]}")
names=()
marked "${outputs[@]}" "${host_outputs[@]}" >/dev/null
((${#names[@]})) || { echo "$0: no such output: ${want[*]}" >&2; exit 2; }

cd "$repo"
make -s samples
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [[ -n $host_script ]]; then
	PATH=$repo/build/bin:$PATH bash -c "$host_script" | tee -a "$log"
fi
if ((${#guest_names[@]})); then
	kdir=$(tools/vm/kernel "$kernel" kdir)
	make -s module KDIR="$kdir" "$repo/build/guest/tests/sandbox/hello" \
		"$repo/build/guest/tests/sandbox/asuser" guest-strace
	mkdir -p build/guest/docs
	install -m 0755 tools/docs/show.sh build/guest/docs/show
	status=0
	tools/vm/run --kernel "$kernel" --timeout 1800 -- sh -c "$script" | tee -a "$log" || status=$?
	if ((status)); then
		echo "$0: the emulated run failed (status $status); nothing recorded" >&2
		exit 1
	fi
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
		if [[ " ${guest_names[*]} " == *" $name "* ]]; then
			echo "$name exit=$st $date commit=$commit kernel=$kernel"
		else
			echo "$name exit=$st $date commit=$commit kernel=host"
		fi
	} | sort >docs/outputs/RUNS.new
	{
		echo "# name, exit status, when (UTC), the tree it ran, the guest kernel (host: no boot): tools/docs/outputs.sh"
		cat docs/outputs/RUNS.new
	} >docs/outputs/RUNS
	rm -f docs/outputs/RUNS.new
	echo "recorded docs/outputs/$name.txt (exit $st)"
done
