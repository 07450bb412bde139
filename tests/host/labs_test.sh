#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# labs_test - the labs' machinery on the host (TAP): the markers are well
# formed, `make lab-N` writes every lab's starter tree, each starter
# really differs from the solution in every region, the starters compile
# (the objects of dune.ko their regions touch, against the stock kernel's
# headers; the user-space programs the lab builds), and lab 5's
# host-simulator part scores full marks on the solution and zero on its
# starter.  The emulated-machine part of the same claim - the solution
# scores full marks, the starter zero - takes a boot per tree:
# tests/labs/grade-all.
#
#   tests/host/labs_test.sh [KDIR]   (KDIR: default tools/vm/kernel stock kdir)
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 1
kdir=${1:-$(tools/vm/kernel stock kdir 2>/dev/null)}
work=$(mktemp -d /tmp/labs_test.XXXXXX)
trap 'rm -rf "$work"' EXIT
labs="1 2 3 4 5 6 7 8"
n=0
fails=0

echo "1..$((2 + 3 * 8 + 1))"
t() {	# t OK|FAIL NAME [details on stdin go to the log as comments]
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fails=$((fails + 1))
	fi
}

if labs/check-markers >"$work/markers" 2>&1; then
	t ok "labs/check-markers: the regions are balanced and well formed"
else
	t fail "labs/check-markers: the regions are balanced and well formed"
fi
sed 's/^/# /' "$work/markers"

missing=
for l in $labs; do
	grep -q "^lab $l: [1-9]" "$work/markers" && [ -s "docs/labs/lab$l.md" ] &&
		[ -f "labs/lab$l.conf" ] || missing="$missing $l"
done
[ -z "$missing" ] && t ok "every lab has regions, docs/labs/labN.md and labs/labN.conf" ||
	t fail "every lab has regions, docs/labs/labN.md and labs/labN.conf (not:$missing)"

# region_bodies FILE N: each region of lab N, its lines between BEGIN and END
# joined, one region per output line (the solution's stub comment excluded)
region_bodies() {
	awk -v n="$2" '
		index($0, "LAB(" n ") BEGIN") { on = 1; body = ""; next }
		on && index($0, "/* LAB(" n ") STUB") { stub = 1; next }
		on && (index($0, "/* LAB(" n ") END */") || (stub && index($0, "* LAB(" n ") END"))) {
			print body; on = 0; if (stub) { getline; stub = 0 }; next }
		on && !stub { body = body "\\n" $0 }' "$1"
}

for l in $labs; do
	tree=$work/lab$l
	if make -s lab-"$l" LABDIR="$tree" >"$work/mk$l.log" 2>&1; then
		t ok "lab $l: make lab-$l writes the starter tree"
	else
		t fail "lab $l: make lab-$l writes the starter tree"
		sed 's/^/# /' "$work/mk$l.log" | tail -n 10
		t fail "lab $l: the starter differs from the solution in every region"
		t fail "lab $l: the starter builds"
		continue
	fi

	# every region: there in both, different in the starter; no stub left commented
	bad=
	files=$(labs/check-markers --files "$l")
	for f in $files; do
		region_bodies "$f" "$l" >"$work/sol"
		region_bodies "$tree/$f" "$l" >"$work/start"
		if [ "$(wc -l <"$work/sol")" != "$(wc -l <"$work/start")" ] ||
		   grep -q "LAB($l) STUB" "$tree/$f"; then
			bad="$bad $f(regions)"
			continue
		fi
		awk -v f="$f" 'NR == FNR { sol[FNR] = $0; next }
			sol[FNR] == $0 { print f ": region " FNR " unchanged"; same = 1 }
			END { exit same }' "$work/sol" "$work/start" >>"$work/same$l" ||
			bad="$bad $(tr '\n' ' ' <"$work/same$l")"
	done
	cmp -s "$tree/.lab" <(echo "LAB=$l") || bad="$bad .lab"
	[ -n "$files" ] && [ -z "$bad" ] &&
		t ok "lab $l: the starter differs from the solution in every region" ||
		t fail "lab $l: the starter differs from the solution in every region:$bad"

	# build what the regions touch: dune.ko's objects, the lab's programs
	ok=true
	: >"$work/build$l.log"
	objs=$(for f in $files; do case $f in kmod/*.c) echo "${f%.c}.o" ;; esac; done)
	if [ -n "$objs" ]; then
		# shellcheck disable=SC2086
		make -s -C "$kdir" M="$tree" $objs >>"$work/build$l.log" 2>&1 || ok=false
	fi
	# the lab's own programs, but the graders' (lab-programs: no region in them)
	targets=$(TREE=$tree bash -c 'cd "$TREE" && . labs/lab'"$l"'.conf && echo $MAKE_TARGETS' |
		  tr ' ' '\n' | grep -v '^lab-programs$' | tr '\n' ' ')
	[ -d build/kselftest ] && mkdir -p "$tree/build" && cp -r build/kselftest "$tree/build/"
	if [ -n "$targets" ]; then
		# shellcheck disable=SC2086
		make -s -C "$tree" $targets >>"$work/build$l.log" 2>&1 || ok=false
	fi
	what="$(echo $objs $targets | sed "s|$tree/||g")"
	$ok && t ok "lab $l: the starter builds ($what)" ||
		t fail "lab $l: the starter builds"
	$ok || sed 's/^/# /' "$work/build$l.log" | grep -v '^# make' | tail -n 15
done

# lab 5's host part: the solution full marks, the starter none
labs/grade --host-only 5 >"$work/sol5" 2>&1
(cd "$work/lab5" && labs/grade --host-only) >"$work/start5" 2>&1
sol=$(sed -n 's/^lab 5: host part \(.*\) points$/\1/p' "$work/sol5")
start=$(sed -n 's/^lab 5: host part \(.*\) points$/\1/p' "$work/start5")
if [ -n "$sol" ] && [ "${sol%/*}" = "${sol#*/}" ] && [ "${start%/*}" = 0 ]; then
	t ok "lab 5: the host simulator scores the solution $sol, the starter $start"
else
	t fail "lab 5: the host simulator scores the solution ${sol:-?} (want full), the starter ${start:-?} (want 0)"
	sed 's/^/# /' "$work/sol5" "$work/start5" | tail -n 20
fi
exit $((fails > 0))
