# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tools/vm/lib-logcheck.sh - read the serial log of a tools/vm/run guest.
#
# Sourced by tools/vm/run, and by host-side unit tests that feed it synthetic
# logs.  It defines:
#
#   VM_MARK_*              the marker lines the guest's /init prints
#   VM_PROBLEM_PATTERNS    the kernel problem reports we look for (the ONLY
#                          list: tools/vm/run writes it into the initramfs so
#                          the guest scans its own dmesg with the same list)
#   vm_problem_patterns    prints the list, one extended regex per line
#   vm_log_exit_status F   prints COMMAND's exit status from the exit marker
#   vm_log_problems F      prints the kernel problem reports found in log F
#
# The functions are safe to call under "set -euo pipefail".

# Markers printed by the guest's /init on the serial console (tools/vm/run
# writes that /init; the ones not read here are used there).  They are
# matched anywhere in a line: output of COMMAND without a final newline runs
# straight into the next marker.
# shellcheck disable=SC2034
VM_MARK_START='@@DUNE-VM-START@@'          # right before COMMAND runs
VM_MARK_EXIT='@@DUNE-VM-EXIT'              # "@@DUNE-VM-EXIT <status>@@"
VM_MARK_INSMOD_FAILED='@@DUNE-VM-INSMOD-FAILED@@'
VM_MARK_PROBLEM='@@DUNE-VM-KERNEL-PROBLEM@@' # guest's dmesg scan follows
VM_MARK_DMESG='@@DUNE-VM-DMESG@@'          # full dmesg follows (--dmesg)
VM_MARK_DONE='@@DUNE-VM-DONE@@'            # /init finished; poweroff next

# Kernel problem reports, as extended regular expressions (grep -E; the
# guest's busybox grep understands the same syntax), matched case-sensitively.
# Lockdep's reports start with "WARNING:" or "BUG:"; the lockdep lines below
# are its other complaints.  A bare "lockdep" would match the boot banner of
# a kernel with lockdep ("rcu: RCU lockdep checking is enabled.").
VM_PROBLEM_PATTERNS=(
	'Oops'
	'BUG:'
	'WARNING:'
	'kernel BUG at'
	'Kernel panic'
	# the kernel's own #GP ("... fault, probably for ...: 0000 [#1] SMP"),
	# not a process's, which the kernel logs as "traps: prog[pid] general
	# protection fault ip:..." when it sends SIGSEGV
	'general protection fault.*\[#[0-9]+\]'
	'Unable to handle kernel'
	'double fault'
	'Call Trace'
	'possible circular locking'
	'possible recursive locking'
	'inconsistent lock state'
	'DEBUG_LOCKS_WARN_ON'
	'turning off the locking correctness validator'
	'INFO: trying to register non-static key'
	'INFO: task .* blocked'
	'soft lockup'
	'hard LOCKUP'
	'RCU stall'
	'detected stall'
	'UBSAN'
	'KASAN'
	'refcount_t'
	'list_add corruption'
	'list_del corruption'
	'Bad page'
	'stack-protector'
)

# A kernel message on the console starts with its printk timestamp
# ("[   12.345678] "; tools/vm/run boots with printk.time=1).  Only such lines
# are checked on the host side, so that COMMAND printing e.g. "WARNING:" in
# its own output is not mistaken for a kernel problem.
VM_KMSG_PREFIX='\[ *[0-9]+\.[0-9]+\]'

vm_problem_patterns() {
	printf '%s\n' "${VM_PROBLEM_PATTERNS[@]}"
}

# vm_log_exit_status FILE
# Prints the exit status of COMMAND recorded by the last exit marker in FILE.
# Returns 0 if there was one, 1 (printing nothing) if not.
vm_log_exit_status() {
	local file=$1 status
	status=$(grep -a -o -E "$VM_MARK_EXIT [0-9]+@@" "$file" 2>/dev/null |
		tail -n 1 | tr -dc '0-9') || true
	[[ -n $status ]] || return 1
	echo "$status"
}

# vm_log_problems FILE
# Prints the kernel problem reports found in FILE:
#  - the guest's own report (the lines after VM_MARK_PROBLEM, up to
#    VM_MARK_DMESG or VM_MARK_DONE), which covers messages that "quiet" kept off the console;
#  - kernel messages on the console that match VM_PROBLEM_PATTERNS (an oops
#    or panic is printed even with "quiet"; this also catches problems when
#    the guest died before it could scan its dmesg).
# The full dmesg dump (--dmesg) is not scanned a second time.
# Returns 0 if problems were found, 1 if the log is clean.
vm_log_problems() {
	local file=$1 guest console
	[[ -r $file ]] || return 1

	guest=$(tr -d '\r' <"$file" | awk -v p="$VM_MARK_PROBLEM" -v m="$VM_MARK_DMESG" -v d="$VM_MARK_DONE" '
		index($0, d) || index($0, m) { inside = 0 }
		inside { print }
		index($0, p) { inside = 1 }') || true

	console=$(tr -d '\r' <"$file" | awk -v p="$VM_MARK_PROBLEM" -v m="$VM_MARK_DMESG" -v d="$VM_MARK_DONE" '
		index($0, d) { skip = 0; next }
		index($0, p) || index($0, m) { skip = 1 }
		!skip { print }' |
		grep -a -E "$VM_KMSG_PREFIX" |
		grep -a -E -f <(vm_problem_patterns)) || true

	[[ -n $guest || -n $console ]] || return 1
	if [[ -n $console ]]; then
		echo "kernel problem messages on the console:"
		printf '%s\n' "$console"
	fi
	if [[ -n $guest ]]; then
		echo "kernel problems in the guest's dmesg:"
		printf '%s\n' "$guest"
	fi
	return 0
}
