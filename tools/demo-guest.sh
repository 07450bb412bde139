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
sb=/opt/dune/samples/dune-sandbox
$sb --policy /opt/dune/samples/policies/shell.policy -- /bin/busybox sh -c \
	'echo "I am $(uname -n)"; ls / | sort | head -3; echo secret >/tmp/x; cat /tmp/x'
echo "(the host's /tmp/x: $(cat /tmp/x 2>/dev/null || echo absent))"
$sb --trace -- /bin/busybox echo traced 2>&1 | tail -n 4
$sb -- /opt/dune/tests/sandbox/hostile load-cr3
echo "hostile load-cr3: exit status $?"
echo
echo "== unload: VMXOFF everywhere =="
rmmod dune && dmesg | tail -n 1
