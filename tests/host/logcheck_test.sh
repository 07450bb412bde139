#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side unit tests (TAP) for tools/vm/lib-logcheck.sh: how the VM runner
# reads a guest's serial log.  The runner's verdicts (exit status, kernel
# problem or not) come from these two functions, so they are tested on
# synthetic logs here, without booting anything.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/vm/lib-logcheck.sh
source "$here/../../tools/vm/lib-logcheck.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/host/tap.sh
. "$(dirname "$0")/tap.sh"

log() {	# log NAME LINES... -> path of a log file with CRLF line ends, like a serial console
	local f=$tmp/$1
	shift
	printf '%s\r\n' "$@" >"$f"
	echo "$f"
}

echo "TAP version 13"
echo "1..12"

clean=$(log clean '[    0.000000] Linux version 6.1.0' "$VM_MARK_START" 'hello' \
	"$VM_MARK_EXIT 0@@" "$VM_MARK_DONE")
status=$(vm_log_exit_status "$clean")
ok $? "exit marker found in a clean log"
[[ $status == 0 ]]; ok $? "exit status 0 read from the marker"
vm_log_problems "$clean" >/dev/null
[[ $? == 1 ]]; ok $? "a clean log has no problems"

glued=$(log glued "$VM_MARK_START" "no newline at the end${VM_MARK_EXIT} 3@@" "$VM_MARK_DONE")
[[ $(vm_log_exit_status "$glued") == 3 ]]; ok $? "exit marker glued to output without a newline"

twice=$(log twice "$VM_MARK_EXIT 1@@" "$VM_MARK_EXIT 42@@")
[[ $(vm_log_exit_status "$twice") == 42 ]]; ok $? "the last exit marker wins"

nomark=$(log nomark '[    1.0] Kernel panic - not syncing: VFS')
vm_log_exit_status "$nomark" >/dev/null
[[ $? == 1 ]]; ok $? "no exit marker: status unknown"

warn=$(log warn "$VM_MARK_START" '[   12.345678] WARNING: CPU: 1 PID: 77 at kmod/vmx_cpu.c:120' \
	"$VM_MARK_EXIT 0@@" "$VM_MARK_DONE")
out=$(vm_log_problems "$warn")
[[ $? == 0 && $out == *"WARNING: CPU: 1"* ]]; ok $? "a WARN on the console is a problem, and is printed"

oops=$(log oops '[    3.1] BUG: kernel NULL pointer dereference, address: 0000000000000008' \
	'[    3.1] Oops: 0000 [#1] PREEMPT SMP')
vm_log_problems "$oops" >/dev/null
ok $? "an oops on the console is a problem"

usermsg=$(log usermsg "$VM_MARK_START" 'WARNING: this is the test program talking' \
	'BUG: also the program' "$VM_MARK_EXIT 0@@" "$VM_MARK_DONE")
vm_log_problems "$usermsg" >/dev/null
[[ $? == 1 ]]; ok $? "a program printing WARNING: is not a kernel problem"

guest=$(log guest "$VM_MARK_START" "$VM_MARK_EXIT 0@@" "$VM_MARK_PROBLEM" \
	'[    9.9] ------------[ cut here ]------------' '[    9.9] WARNING: at foo' "$VM_MARK_DONE")
out=$(vm_log_problems "$guest")
[[ $? == 0 && $out == *"WARNING: at foo"* ]]; ok $? "the guest's own dmesg report is a problem"

gp=$(log gp '[    4.2] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP')
vm_log_problems "$gp" >/dev/null
ok $? "a kernel general protection fault is a problem"

usergp=$(log usergp '[    6.6] traps: prog[126] general protection fault ip:401b70 sp:7ffc936fdaf8 error:0 in prog[401000+80000]' \
	'[    6.7] traps: prog[142] trap invalid opcode ip:401bf0 sp:7ffc936fdaf8 error:0 in prog[401000+80000]')
vm_log_problems "$usergp" >/dev/null
[[ $? == 1 ]]; ok $? "a process killed by SIGSEGV for a #GP is not a kernel problem"

lockdep=$(log lockdep '[    5.0] WARNING: possible circular locking dependency detected')
vm_log_problems "$lockdep" >/dev/null
ok $? "a lockdep report is a problem"

patterns=$(vm_problem_patterns | wc -l)
[[ $patterns -ge 10 ]]; ok $? "the pattern list is the shared one ($patterns patterns)"

exit $((failed > 0))
