#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sandbox_cli_test.sh - dune-sandbox on the command line, on the host (no
# VMX needed: everything here happens before Dune mode, or is the message
# saying why Dune mode cannot start).  Options and their one-line errors,
# the exit statuses of GNU env (125 the sandbox, 126 cannot run, 127 not
# found), --policy of what is no policy file, --print-policy,
# --seccomp-profile, and the Dune-mode diagnosis for a missing /dev/dune,
# one that is not Dune's, and one the user may not open (the last two in a
# private mount namespace, with a /dev of our own).  TAP output.
set -u
cd "$(dirname "$0")/../.." || exit 1
SB=${SB:-build/bin/dune-sandbox}
PROFILES=tests/sandbox/profiles
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
n=0
failed=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=$((failed + 1)); fi
}
# run ARGS...: status in $st, stdout in $tmp/out, stderr in $tmp/err
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
}
# one_line STATUS PATTERN: status as expected, exactly one line on stderr matching PATTERN
one_line() {
	[ "$st" = "$1" ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q -e "$2" "$tmp/err" && return 0
	echo "# status $st (want $1), stderr:"
	sed 's/^/#   /' "$tmp/err" | head -5
	return 1
}
# can_userns: a private mount namespace with our own /dev (needs root)
can_ns() { [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; }

echo "TAP version 13"
echo "1..24"

run "$SB" --version
known=$(grep -c '^#define __NR_' /usr/include/x86_64-linux-gnu/asm/unistd_64.h)
[ $st = 0 ] && grep -q "^dune-sandbox (Dune) " "$tmp/out" && grep -q "$known known" "$tmp/out"
ok $? "--version: exit 0, knows all $known calls of unistd_64.h"

run "$SB" --help
[ $st = 0 ] && grep -q "125 the sandbox itself failed" "$tmp/out" && grep -q "126 PROGRAM" "$tmp/out" &&
	grep -q "127 PROGRAM was not found" "$tmp/out" && grep -q "@file-system" "$tmp/out"
ok $? "--help: exit 0, the exit statuses and the groups"

run "$SB" --bogus -- /bin/true
one_line 125 "unknown option '--bogus'; try 'dune-sandbox --help'"
ok $? "unknown long option: one line with the --help hint, 125"

run "$SB" -Q -- /bin/true
one_line 125 "unknown option '-Q'; try"
ok $? "unknown short option: one line, 125"

run "$SB" --policy
one_line 125 "option '--policy' needs an argument; try"
ok $? "missing argument: one line, 125"

run "$SB"
one_line 125 "no PROGRAM to run; try"
ok $? "no program: one line, 125"

run "$SB" --policy "$tmp" -- /bin/true
one_line 125 "policy $tmp: is a directory, not a policy file"
ok $? "--policy DIRECTORY: an error, not an empty policy (125)"

run "$SB" --policy /dev/null -- /bin/true
one_line 125 "policy /dev/null: not a regular file"
ok $? "--policy of a device: an error (125)"

echo "allow read" >"$tmp/secret.policy"
chmod 600 "$tmp/secret.policy"
if [ "$(id -u)" = 0 ]; then
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$SB" --policy "$tmp/secret.policy" --print-policy
else
	run "$SB" --policy "$tmp/secret.policy" --print-policy
	chmod 000 "$tmp/secret.policy"
fi
one_line 125 "cannot open policy $tmp/secret.policy: Permission denied"
ok $? "--policy of an unreadable file: an error (125)"

run "$SB" --policy "$tmp/nonexistent" -- /bin/true
one_line 125 "cannot open policy .*No such file"
ok $? "--policy of a missing file: an error (125)"

run "$SB" --allow read,opne -- /bin/true
one_line 125 "unknown system call 'opne': not an x86-64 system call (did you mean 'open'?)"
ok $? "typo: did you mean 'open'? (125)"

run "$SB" --rule "allow mount" --print-policy
[ $st = 0 ] && grep -q "warning: mount is not supported by the sandbox: it fails with EPERM" "$tmp/err" &&
	grep -A1 "^# allowed, but not supported by the sandbox" "$tmp/out" | grep -qx "deny EPERM mount"
ok $? "a real call the sandbox cannot carry out: 'not supported by the sandbox', loads"

printf 'default kill\ninclude sub/b.policy\n' >"$tmp/a.policy"
mkdir "$tmp/sub"
printf 'allow @basic-io\ndeny EACCES @network-io\n' >"$tmp/sub/b.policy"
run "$SB" --policy "$tmp/a.policy" --rule "allow clone if arg0 & 0x7e020000 == 0" --print-policy
[ $st = 0 ] && grep -q "^default kill" "$tmp/out" && grep -q "^allow read write close" "$tmp/out" &&
	grep -q "^deny EACCES .*socket" "$tmp/out" &&
	grep -qx "allow clone if arg0 & 0x7e020000 == 0" "$tmp/out"
ok $? "--print-policy: include (relative), groups, conditions"

run "$SB" --print-policy
cp "$tmp/out" "$tmp/printed.policy"
run "$SB" --policy "$tmp/printed.policy" --print-policy
grep -v '^#' "$tmp/printed.policy" >"$tmp/p1"
grep -v '^#' "$tmp/out" >"$tmp/p2"
[ $st = 0 ] && cmp -s "$tmp/p1" "$tmp/p2"
ok $? "--print-policy of the built-in policy reads back as the same policy"

run "$SB" --seccomp-profile "$PROFILES/docker-default.json" --print-policy
[ $st = 0 ] && [ ! -s "$tmp/err" ] && grep -qx "default deny EPERM" "$tmp/out" &&
	grep -qx "allow clone if arg0 & 0x7e020000 == 0" "$tmp/out" &&
	grep -qx "allow socket if arg0 != 40" "$tmp/out" && grep -qx "deny ENOSYS clone3" "$tmp/out" &&
	grep -qx "allow personality if arg0 == 4294967295" "$tmp/out" && grep -qx "network off" "$tmp/out" &&
	grep -qx "path readonly /" "$tmp/out" && ! grep -q "^allow.* mount" "$tmp/out"
ok $? "--seccomp-profile of Docker's default profile's structure: loads silently, the effective policy"

printf '{"defaultAction": "SCMP_ACT_ERRNO",\n "syscalls": [ { "names": ["read"], }\n]}\n' >"$tmp/bad.json"
run "$SB" --seccomp-profile "$tmp/bad.json" -- /bin/true
one_line 125 "bad.json: not valid JSON: line 2: expected a member name"
ok $? "--seccomp-profile of bad JSON: one line with the line number (125)"

run "$SB" -- no-such-program-anywhere
one_line 127 "no-such-program-anywhere: command not found"
ok $? "program not in PATH: 127"

run "$SB" -- "$tmp/nonexistent"
one_line 127 "No such file or directory"
ok $? "program path that does not exist: 127"

printf '\177ELF' >"$tmp/noexec"
chmod 644 "$tmp/noexec"
if [ "$(id -u)" = 0 ]; then
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$SB" --no-namespaces -- "$tmp/noexec"
else
	run "$SB" -- "$tmp/noexec"
fi
grep -q "Permission denied" "$tmp/err" && [ $st = 126 ]
ok $? "program not executable: 126"

printf 'hello\n' >"$tmp/notelf"
chmod 755 "$tmp/notelf"
run "$SB" -- "$tmp/notelf"
one_line 126 "not an ELF file"
ok $? "program not an ELF file: 126"

# Dune mode: what this machine lacks, in one line.
if [ -e /dev/dune ]; then
	ok 0 "# SKIP /dev/dune exists here: the missing-device messages are tested in the emulated machine"
elif ! grep -qw vmx /proc/cpuinfo; then
	run "$SB" -- /bin/true
	one_line 125 "this CPU has no VMX (Intel VT-x), or the firmware turned it off"
	ok $? "no /dev/dune, CPU without VMX: one line saying so, 125"
else
	run "$SB" -- /bin/true
	one_line 125 "dune.ko is not loaded\|VMX is in use by another hypervisor"
	ok $? "no /dev/dune, VMX CPU: one line (not loaded, or VMX taken), 125"
fi

if can_ns; then
	run unshare -m sh -c "mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 &&
		mknod -m 666 /dev/dune c 1 3 && exec $SB -- /bin/true"
	one_line 125 "/dev/dune is not the Dune device (DUNE_GET_API_VERSION: Inappropriate ioctl"
	ok $? "a /dev/dune that is not Dune's: one line, 125"
	run unshare -m sh -c "mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 &&
		mknod -m 600 /dev/dune c 1 3 && exec setpriv --reuid=65534 --regid=65534 --clear-groups $SB -- /bin/true"
	one_line 125 "no permission to open /dev/dune (mode 0600, group root): add yourself to the dune group"
	ok $? "a /dev/dune the user may not open: one line naming the dune group, 125"
else
	ok 0 "# SKIP needs root and mount namespaces"
	ok 0 "# SKIP needs root and mount namespaces"
fi

run "$SB" --policy "$tmp/a.policy" --seccomp-profile "$tmp" -- /bin/true
one_line 125 "seccomp profile $tmp: is a directory"
ok $? "--seccomp-profile DIRECTORY: an error (125)"

[ $failed = 0 ]
