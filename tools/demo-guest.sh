#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the emulated machine for tools/demo.
d=/sys/kernel/debug/dune
echo "== the module =="
dmesg | grep 'dune:'
echo
echo "CPUs online:             $(cat /sys/devices/system/cpu/online)"
echo "CPUs in VMX operation:   $(cat /sys/class/misc/dune/vmx_cpus)"
ls -l /dev/dune
echo
echo "== per-CPU state ($d/cpus) =="
cat $d/cpus
echo
echo "== what this VMX can do ($d/caps) =="
cat $d/caps
echo
echo "== every VMX instruction, made to succeed and to fail, on every CPU =="
grep -E 'cpu0|selftest:' $d/selftest
echo
echo "== CPU hotplug: CPU1 leaves VMX operation and comes back =="
if [ -e /sys/devices/system/cpu/cpu1/online ]; then
	echo 0 > /sys/devices/system/cpu/cpu1/online
	echo "cpu1 offline -> in VMX operation: $(cat /sys/class/misc/dune/vmx_cpus)"
	echo 1 > /sys/devices/system/cpu/cpu1/online
	echo "cpu1 online  -> in VMX operation: $(cat /sys/class/misc/dune/vmx_cpus)"
fi
echo
echo "== a process in Dune mode: samples/hello =="
/opt/dune/samples/hello
echo
echo "== the sandbox: an untrusted shell pipeline in ring 3, every system call decided in ring 0 =="
sb=/opt/dune/bin/dune-sandbox
pol=/opt/dune/share/dune/policies/shell.policy
echo "\$ dune-sandbox --policy shell.policy -- busybox sh -c '...'"
$sb --policy $pol -- /bin/busybox sh -c \
	'echo "I am $(uname -n)"; ls / | sort | head -3; echo secret >/tmp/x; cat /tmp/x'
echo "(the host's /tmp/x: $(cat /tmp/x 2>/dev/null || echo absent))"
echo
echo "== the policy says no: /etc/passwd and the network refused, the trace shows it =="
echo "\$ dune-sandbox --policy shell.policy --rule 'path deny /etc/passwd' --trace-file /tmp/trace -- busybox sh -c '...'"
$sb --policy $pol --rule 'path deny /etc/passwd' --trace-file /tmp/trace -- /bin/busybox sh -c \
	'head -1 /etc/passwd; echo "head: status $?"; nc 10.0.0.1 80 </dev/null; echo "nc: status $?"; echo hello | tr a-z A-Z'
echo "-- the denied calls in the trace ($(wc -l </tmp/trace) lines in all):"
grep -E '= -1 (EACCES|EPERM)' /tmp/trace
echo
echo "== dune-trace: strace's view, from ring 0 of the same process =="
echo "\$ dune-trace -- busybox echo traced"
/opt/dune/bin/dune-trace -- /bin/busybox echo traced
st=$(command -v strace || echo /opt/dune/debian/strace)
if [ -x "$st" ]; then
	$st -o /tmp/st /bin/busybox echo traced >/dev/null
	/opt/dune/bin/dune-trace -o /tmp/dt -- /bin/busybox echo traced >/dev/null
	names() { sed -n 's/^\([a-z_0-9]*\)(.*/\1/p' "$1"; }
	names /tmp/st >/tmp/st.n
	names /tmp/dt >/tmp/dt.n
	if cmp -s /tmp/st.n /tmp/dt.n; then
		echo "(strace saw the same $(wc -l </tmp/st.n) system calls, in the same order)"
	else
		echo "(strace and dune-trace differ:)"
		diff /tmp/st.n /tmp/dt.n
	fi
fi
echo
echo "== a hostile program: it loads CR3 in ring 3 =="
$sb -- /opt/dune/tests/sandbox/hostile load-cr3
echo "hostile load-cr3: exit status $?"
echo
echo "== unload: VMXOFF everywhere =="
rmmod dune && dmesg | tail -n 1
