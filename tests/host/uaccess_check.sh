#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# uaccess_check.sh - the sandbox's supervisor touches program memory only
# through samples/sandbox/uaccess.c, whose every access is bracketed by
# dune_user_access_begin()/_end() (STAC/CLAC under SMAP).  A static check,
# run by tests/run's host stage; TAP.
#
# A direct access to program memory is a program address - an integer - made
# into a pointer.  So every cast to a pointer type in samples/sandbox/*.c
# outside uaccess.c must be one of:
#   - of a supervisor copy: c->k[...] (copyin.c's arena)
#   - an argument of a call that maps or describes memory without touching
#     it: mmap, munmap, mprotect, mremap, madvise, dune_vm_*, dune_va_to_pa
#   - a line reviewed and listed below in ALLOW (a pointer into supervisor
#     memory, or a value that is stored, never followed)
# A new cast is a failure until it is one of those: route program memory
# through uaccess.c (or mem_read/mem_write, which do), or review and list it.
#
#   uaccess_check.sh [DIR]   check DIR (default samples/sandbox)
#   uaccess_check.sh --self-test   also show that a planted access fails
set -u
cd "$(dirname "$0")/../.." || exit 1
DIR=${1:-samples/sandbox}
self_test=false
[ "$DIR" = --self-test ] && { self_test=true; DIR=samples/sandbox; }

# file:regex (extended, matched against the line) - reviewed casts
ALLOW='
confine.c:munmap\(\(void \*\)status
copyin.c:\*\(uint64_t \*\)(ss|p) &= ~SIG_EXEC_STOP_BIT
copyin.c:\(\(char \*\)p\)\[n\] = 0
fsrules.c:\*\(const int \*\)(a|b)\]
mem.c:^[[:space:]]+\(void \*\)dest\);$
loader.c:nargv\[n\+\+\] = \(char \*\)path
signal.c:o\.ss_sp = \(void \*\)alt_sp
signal.c:\(uint64_t \*\)\(xs \+ XS_LEGACY\)
signal.c:\*\(const uint64_t \*\)\(area \+ XS_LEGACY\)
signal.c:si\.si_addr = \(void \*\)addr
trace.c:\*\(const int \*\)(x|y)[];]
trace.c:\(const unsigned char \*\)(path|argv\[i\])
trace.c:%p .*\(void \*\)prog_envp
vdso.c:mem_write\(text, \(const void \*\)host_text
'
CAST='\((const )?(void|char|unsigned char|uint8_t|uint16_t|uint32_t|uint64_t|int|long|short|struct [a-z_0-9]+|[a-z_0-9]+_t)( const)? ?\*+\) ?[^&" )]'
OK_CALLS='(mmap|munmap|mprotect|mremap|madvise|dune_vm_[a-z_]+|dune_va_to_pa)\('

# check DIR: print offending lines, return their count
check() {
	local dir=$1 bad=0 f base line ok pat
	for f in "$dir"/*.c; do
		base=$(basename "$f")
		[ "$base" = uaccess.c ] && continue
		while IFS= read -r line; do
			text=${line#*:}
			ok=false
			if echo "$text" | grep -qE 'c->k\[' ||
			   echo "$text" | grep -qE "$OK_CALLS"; then
				ok=true
			else
				while IFS= read -r pat; do
					[ -z "$pat" ] && continue
					[ "${pat%%:*}" = "$base" ] || continue
					echo "$text" | grep -qE "${pat#*:}" && { ok=true; break; }
				done <<<"$ALLOW"
			fi
			$ok || { echo "$base:$line"; bad=$((bad + 1)); }
		done < <(sed 's/sizeof([^)]*)/sizeof()/g' "$f" | grep -nE "$CAST")
	done
	return $bad
}

n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n $1"; }
fail() { n=$((n + 1)); echo "not ok $n $1"; fails=$((fails + 1)); }
echo "1..$($self_test && echo 3 || echo 2)"

out=$(check "$DIR")
cnt=$?
if [ $cnt = 0 ]; then
	pass "no program address made a pointer outside uaccess.c ($DIR)"
else
	fail "$cnt program-memory access(es) outside uaccess.c ($DIR):"
	echo "$out" | sed 's/^/#   /'
fi

# uaccess.c: each access between a begin and an end, nothing else in the window
# (the accesses: calls of the ua_* routines of the file's exception table;
# not their prototypes or the comment that lists them)
u=$DIR/uaccess.c
if [ -f "$u" ] && awk '
	/dune_user_access_begin\(\);/ { if (open) bad = 1; open = 1; next }
	/dune_user_access_end\(\);/ { if (!open) bad = 1; open = 0; next }
	/ua_[a-z0-9_]+\(/ && !/^long ua_/ && !/^[ \t]*\*/ { if (!open) bad = 1; inside++ }
	open && /[a-z_]+\(/ && !/ua_[a-z0-9_]+\(/ { bad = 1 }
	END { exit bad || open || !inside }' "$u"; then
	pass "uaccess.c: every access inside a dune_user_access_begin/_end bracket, no other call in it"
else
	fail "uaccess.c: an access outside a bracket, a call inside one, or no uaccess.c"
fi

if $self_test; then
	tmp=$(mktemp -d)
	cp "$DIR"/*.c "$tmp"/
	printf 'static void planted(uint64_t u, const void *k)\n{\n\tmemcpy((void *)u, k, 8);\n}\n' \
		>>"$tmp/copyout.c"
	out=$(check "$tmp")
	if [ $? = 1 ] && echo "$out" | grep -q "memcpy((void \*)u, k, 8)"; then
		pass "self-test: a planted memcpy((void *)u, ...) in copyout.c is found"
	else
		fail "self-test: a planted direct access was not found: $out"
	fi
	rm -rf "$tmp"
fi
[ $fails = 0 ]
