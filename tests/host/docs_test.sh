#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The book (docs/*.md) against the tree: cited files and functions exist,
# benchmark figures equal docs/performance.json, program listings equal
# their files and program outputs equal the recorded emulated runs
# (tools/docs/check.py says how; `make docs` regenerates).  Then the
# checker is shown to catch each kind of drift, on a copy of the tree with
# one planted error each.  Prints TAP.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
check=$repo/tools/docs/check.py

command -v python3 >/dev/null || { echo "1..0 # SKIP no python3"; exit 1; }

# shellcheck source=tests/host/tap.sh
. "$(dirname "$0")/tap.sh"

# 1. The book as it is: every check of the checker passes.
out=$(python3 "$check" --root "$repo" 2>&1)
st=$?
sed 's/^/# /' <<<"$out"
ok $st "docs: tools/docs/check.py passes on the tree"

# 2. A planted error of each kind must fail the checker.  The copy holds
# the tracked and new files of the tree (not build/).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
copy() {
	rm -rf "$tmp/t"
	mkdir -p "$tmp/t"
	(cd "$repo" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$tmp/t" 2>/dev/null)
	git -C "$tmp/t" init -q && git -C "$tmp/t" add -A >/dev/null 2>&1
}
planted() {	# planted DESCRIPTION EXPECTED-PATTERN: the checker fails, saying so
	local out
	if out=$(python3 "$check" --root "$tmp/t" 2>&1); then
		ok 1 "planted: $1: the checker passed"
	elif grep -q -- "$2" <<<"$out"; then
		ok 0 "planted: $1: caught"
	else
		sed 's/^/# /' <<<"$out"
		ok 1 "planted: $1: failed without saying \"$2\""
	fi
}

ch=docs/05-how-a-syscall-travels.md
copy
sed -i '0,/`libdune\/loop.c`/s//`libdune\/hostloop.c`/' "$tmp/t/$ch"
planted "a file that does not exist" 'libdune/hostloop.c`: no such file'

copy
printf '\nSee `kmod/vcpu.c: dune_vcpu_no_such_function()`.\n' >>"$tmp/t/$ch"
planted "a function not in the file cited" 'dune_vcpu_no_such_function() is not defined in kmod/vcpu.c'

copy
printf '\nSee `dune_renamed_long_ago()`.\n' >>"$tmp/t/$ch"
planted "a function defined nowhere" 'dune_renamed_long_ago(): defined nowhere'

copy
# a function that moved: its definition renamed in the code, the book unchanged
sed -i 's/^int dune_vcpu_init(void)$/int dune_vcpu_setup_bitmap(void)/' "$tmp/t/kmod/vcpu.c"
planted "a cited function renamed in the code" 'dune_vcpu_init(): defined nowhere'

copy
f=$(grep -l '<!-- perf: ' "$tmp"/t/docs/*.md | head -1)
sed -i '0,/\([0-9]\)\(\.[0-9]*\)\?\([ ×x%]*<!-- perf: \)/s//9\2\3/' "$f"
planted "a benchmark figure that is not performance.json's" 'in docs/performance.json, the text says'

copy
f=$(grep -l '<!-- output: ' "$tmp"/t/docs/*.md | head -1)
python3 - "$f" <<'PY'
import re, sys
p = sys.argv[1]
t = open(p).read()
t = re.sub(r"(<!-- output: [\w.-]+ -->\n```\w*\n)", r"\1a line no run printed\n", t, count=1)
open(p, "w").write(t)
PY
planted "a program output edited by hand" 'differs from docs/outputs/'

# the sandbox guide's and the performance page's outputs too (recorded
# by tools/docs/outputs.sh, host and emulated runs)
for f in docs/sandbox.md docs/performance.md; do
	copy
	python3 - "$tmp/t/$f" <<'PY'
import re, sys
p = sys.argv[1]
t = open(p).read()
t = re.sub(r"(<!-- output: [\w.-]+ -->\n```\w*\n)", r"\1a line no run printed\n", t, count=1)
open(p, "w").write(t)
PY
	planted "an output of $f edited by hand" 'differs from docs/outputs/'
done

copy
# a figure of the benchmark table changed by hand: 1945 ticks for getpid
sed -i '/<!-- bench-table -->/,/<!-- \/bench-table -->/s/^\(getpid  *\)1945/\11944/' "$tmp/t/docs/performance.md"
planted "a benchmark table that is not performance.json's run" "bench-table differs from docs/performance.json"

copy
f=$(grep -l '<!-- source: ' "$tmp"/t/docs/*.md | head -1)
src=$(sed -n 's/^<!-- source: \(.*\) -->$/\1/p' "$f" | head -1)
echo '/* changed after the chapter was written */' >>"$tmp/t/$src"
planted "a program listing older than its file" "differs from $src"

copy
echo "dune_vcpu_init" >>"$tmp/t/tools/docs/external-names.txt"
planted "an external name that the tree defines" 'dune_vcpu_init is defined in the tree'

echo "1..$n"
((failed == 0))
