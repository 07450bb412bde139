#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tools/docs/show.sh NAME - the commands behind the outputs that
# docs/sandbox.md and docs/performance.md show (tools/docs/outputs.sh runs
# them and records what they print in docs/outputs/NAME.txt).
#
# Most run in the emulated machine, in /opt/dune (outputs.sh stages this
# script as docs/show there); the host ones (outputs.sh's host_outputs) run
# on the build machine, whose CPU has no VMX, with build/bin in PATH.
# Each prints what a reader would see, with "$ COMMAND" before a command
# where the chapter shows a transcript.

# t COMMAND: a transcript line, then the command's output (stderr too)
t() {
	printf '$ %s\n' "$1"
	sh -c "$1" 2>&1
}

# The sandboxed process of a running "dune-sandbox ... sleep": the one
# under the host seccomp filter, with UID (the caller and the pid
# namespace's init have no filter); the newest if there were more.
sandboxed_pid() {
	for s in /proc/[0-9]*/status; do
		p=${s#/proc/}
		p=${p%/status}
		grep -q sleep "/proc/$p/cmdline" 2>/dev/null || continue
		awk -v u="$1" '$1 == "Uid:" && $2 == u { id = 1 } $1 == "Seccomp:" && $2 == 2 { f = 1 }
			END { exit !(id && f) }' "$s" && echo "$p"
	done | sort -n | tail -n 1
}

# dev_group GID: /dev/dune 0660 and group GID; dev_group -: as it was
dev_group() {
	if [ "$1" = - ]; then
		chgrp "$dev_gid" /dev/dune
		chmod "$dev_mode" /dev/dune
	else
		dev_mode=$(stat -c %a /dev/dune) dev_gid=$(stat -c %g /dev/dune)
		chgrp "$1" /dev/dune && chmod 0660 /dev/dune
	fi
}

case ${1:-} in
# ---- docs/sandbox.md, on the host -------------------------------------------------
bad-option)
	t "dune-sandbox --frob"
	;;
policy-errors)
	dune-sandbox --rule 'allow opne' --print-policy >/dev/null
	dune-sandbox --rule 'allow timerfd_create' --print-policy >/dev/null
	;;
devcheck)
	# this machine has no VMX; then a /dev of its own, as tests/host/sandbox_cli_test.sh
	dune-sandbox -- /bin/true 2>&1
	sb=$(command -v dune-sandbox)
	unshare -m sh -c "mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 &&
		mknod -m 666 /dev/dune c 1 3 && exec $sb -- /bin/true" 2>&1
	unshare -m sh -c "mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 &&
		mknod -m 600 /dev/dune c 1 3 &&
		exec setpriv --reuid=65534 --regid=65534 --clear-groups $sb -- /bin/true" 2>&1
	;;
print-policy)
	# the lines of each kind the excerpt shows, in order
	t "dune-sandbox --seccomp-profile tests/sandbox/profiles/docker-default.json --print-policy |
  sed -n '1,3p; /^deny ENOSYS clone3/p; /^allow [a-z]* if /p; /^# allowed, but/,+1p; /^deny EPERM ptrace/p; /^network/,+1p'"
	;;
# ---- docs/sandbox.md, in the emulated machine ---------------------------------------
exit-status)
	printf 'not an ELF file\n' >/tmp/notelf
	chmod 755 /tmp/notelf
	t 'dune-sandbox -- nosuch; echo "status $?"'
	t 'dune-sandbox -- /tmp/notelf; echo "status $?"'
	t 'dune-sandbox --policy /tmp -- /bin/true; echo "status $?"'
	;;
trace)
	t 'dune-sandbox --trace -- tests/sandbox/hello'
	;;
proc-status)
	dune-sandbox -- /bin/busybox sleep 3 &
	sleep 2
	p=$(sandboxed_pid 65534)
	grep -E '^(Uid|Gid|CapEff|NoNewPrivs|Seccomp):' "/proc/$p/status"
	wait
	;;
unpriv-status)
	# as dune_sandbox_unpriv_test: /dev/dune 0660 group 990, user 1000 in it
	dev_group 990
	tests/sandbox/asuser 1000 1000 990 dune-sandbox -- /bin/busybox sleep 3 >/dev/null &
	sleep 2
	p=$(sandboxed_pid 1000)
	grep -E '^(Uid|Gid|CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp|NSpid):' "/proc/$p/status"
	wait
	dev_group -
	;;
unpriv-refusals)
	dev_group 990
	echo "# user 1001, not in group 990:"
	tests/sandbox/asuser 1001 1001 - dune-sandbox -- tests/sandbox/hello 2>&1
	echo "status $?"
	n=$(cat /proc/sys/user/max_user_namespaces)
	echo 0 >/proc/sys/user/max_user_namespaces
	echo "# user 1000, in the group, with user.max_user_namespaces=0:"
	tests/sandbox/asuser 1000 1000 990 dune-sandbox -- tests/sandbox/hello 2>&1
	echo "status $?"
	echo "$n" >/proc/sys/user/max_user_namespaces
	dev_group -
	;;
# ---- docs/performance.md, in the emulated machine -----------------------------------
tracefs-perf)
	T=/sys/kernel/tracing
	[ -d $T/events ] || mount -t tracefs nodev $T
	echo >$T/trace
	echo 1 >$T/events/dune/enable
	samples/hello >/dev/null
	echo 0 >$T/events/dune/enable
	echo "# tracefs: entries $(grep -c ' dune_entry:' $T/trace) exits $(grep -c ' dune_exit:' $T/trace)"
	grep ' dune_e[a-z]*:' $T/trace | head -n 3
	echo >$T/trace
	echo "# perf stat -e dune:dune_entry -e dune:dune_exit -- /opt/dune/samples/hello"
	debian/perf stat -e dune:dune_entry -e dune:dune_exit -- /opt/dune/samples/hello 2>&1 >/dev/null |
		grep 'dune:'
	;;
debugfs-exits)
	D=/sys/kernel/debug/dune
	[ -d $D ] || mount -t debugfs none /sys/kernel/debug
	dune-trace -o /dev/null -- /bin/busybox sleep 3 &
	sleep 2
	for v in "$D"/vms/*; do
		echo "# cat $v/exits"
		cat "$v/exits"
	done
	wait
	samples/hello >/dev/null
	samples/hello >/dev/null
	echo "# cat $D/exits"
	cat $D/exits
	;;
*)
	echo "usage: show.sh NAME (see tools/docs/outputs.sh)" >&2
	exit 2
	;;
esac
