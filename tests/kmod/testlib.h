/* SPDX-License-Identifier: GPL-2.0 */
/*
 * testlib.h - helpers shared by the suites that run in the emulated VMX
 * machine: module loading, sysfs/debugfs/proc reading, the kernel log.
 */
#ifndef DUNE_TESTLIB_H
#define DUNE_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>

/* Where tools/vm/run puts things in the guest. */
#define DUNE_KO		"/lib/modules/dune.ko"
#define KVM_KO_DIR	"/lib/modules/kvm"
#define DUNE_DEBUGFS	"/sys/kernel/debug/dune"

/* Read a whole (small) file into a static-free malloc'd string; NULL on error. */
char *read_text(const char *path);
/* Write a string to a file; 0 or -errno. */
int write_text(const char *path, const char *text);
/* Read a file and strip the trailing newline into buf; 0 or -errno. */
int read_line(const char *path, char *buf, size_t size);

/* finit_module(path, params); 0 or -errno. */
int load_module(const char *path, const char *params);
/* delete_module(name, O_NONBLOCK); 0 or -errno. */
int unload_module(const char *name);
bool module_loaded(const char *name);

/* Bytes of the kernel log from offset @since (use klog_size() first). */
size_t klog_size(void);
bool klog_contains_since(size_t since, const char *needle);
/* How often @needle occurs in the kernel log from offset @since; -1 on error. */
int klog_count_since(size_t since, const char *needle);

/* Is @flag listed in /proc/cpuinfo's "vmx flags" line? */
bool cpuinfo_vmx_flag(const char *flag);

/* Number of online CPUs, and the online list as sysfs prints it. */
int online_cpus(void);
int online_cpu_list(char *buf, size_t size);

/* Mount debugfs at /sys/kernel/debug if it is not mounted; 0 or -errno. */
int ensure_debugfs(void);

/* Count lines of @text that start with @prefix. */
int count_lines_starting(const char *text, const char *prefix);

/*
 * Run @cmd with sh -c, its stdout and stderr into @out (NUL-terminated,
 * cut to @size): its exit status, or -1.  For the user tools the tests
 * check from outside (dune-sandbox's messages).
 */
int run_capture(const char *cmd, char *out, size_t size);
#define DUNE_SANDBOX	"/opt/dune/bin/dune-sandbox"

/*
 * Pages the kernel could hand out now: free pages plus those on per-CPU
 * lists (free too, but not counted as such).  -1 on error.
 */
long free_and_pcp_pages(void);
/* sync, drop caches, and wait a little for RCU and deferred frees. */
void settle(void);
/* CLOCK_MONOTONIC in seconds: how long a step took, in guest time. */
double now_s(void);

#endif
