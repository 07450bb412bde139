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
echo "== unload: VMXOFF everywhere =="
rmmod dune && dmesg | tail -n 1
