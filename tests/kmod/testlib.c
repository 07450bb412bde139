// SPDX-License-Identifier: GPL-2.0
/* testlib.c - helpers for the in-guest suites (see testlib.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

char *read_text(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
	}
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

int read_line(const char *path, char *buf, size_t size)
{
	char *text = read_text(path);

	if (!text)
		return -errno;
	snprintf(buf, size, "%s", text);
	buf[strcspn(buf, "\n")] = '\0';
	free(text);
	return 0;
}

int load_module(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		err = -errno;
	close(fd);
	return err;
}

int unload_module(const char *name)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK))
		return -errno;
	return 0;
}

bool module_loaded(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return stat(path, &st) == 0;
}

static char *klog_read(size_t *len)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;
	int n;

	if (size <= 0)
		size = 1 << 20;
	buf = calloc(1, size + 1);
	if (!buf)
		return NULL;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

size_t klog_size(void)
{
	size_t len = 0;
	free(klog_read(&len));
	return len;
}

bool klog_contains_since(size_t since, const char *needle)
{
	size_t len = 0;
	char *buf = klog_read(&len);
	bool found;

	if (!buf)
		return false;
	/* The ring buffer may have wrapped; then search all of it. */
	found = strstr(buf + (since <= len ? since : 0), needle) != NULL;
	free(buf);
	return found;
}

int klog_count_since(size_t since, const char *needle)
{
	size_t len = 0;
	char *buf = klog_read(&len);
	const char *p;
	int n = 0;

	if (!buf)
		return -1;
	for (p = buf + (since <= len ? since : 0); (p = strstr(p, needle)); p++)
		n++;
	free(buf);
	return n;
}

bool cpuinfo_vmx_flag(const char *flag)
{
	char *text = read_text("/proc/cpuinfo");
	char *line, *end, *p;
	bool found = false;
	size_t flen = strlen(flag);

	if (!text)
		return false;
	line = strstr(text, "vmx flags");
	if (line) {
		end = strchr(line, '\n');
		if (end)
			*end = '\0';
		line = strchr(line, ':');
		for (p = line ? line + 1 : NULL; p && *p; ) {
			p += strspn(p, " \t");
			if (!strncmp(p, flag, flen) && (p[flen] == ' ' || p[flen] == '\0')) {
				found = true;
				break;
			}
			p += strcspn(p, " \t");
		}
	}
	free(text);
	return found;
}

int online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

int online_cpu_list(char *buf, size_t size)
{
	return read_line("/sys/devices/system/cpu/online", buf, size);
}

int ensure_debugfs(void)
{
	struct stat st;

	if (stat("/sys/kernel/debug/dune", &st) == 0 || stat("/sys/kernel/debug/tracing", &st) == 0)
		return 0;
	if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) && errno != EBUSY)
		return -errno;
	return 0;
}

int count_lines_starting(const char *text, const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *p = text;
	int n = 0;

	while (p && *p) {
		if (!strncmp(p, prefix, plen))
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

/*
 * Memory the kernel could hand out right now, in pages: free pages plus
 * the pages cached on per-CPU lists (free too, but not counted as such).
 */
long free_and_pcp_pages(void)
{
	char *zoneinfo = read_text("/proc/zoneinfo");
	long total = 0, value;
	char *p;

	if (!zoneinfo)
		return -1;
	for (p = zoneinfo; (p = strstr(p, "\n")); p++) {
		if (sscanf(p, "\n  pages free %ld", &value) == 1)
			total += value;
		else if (sscanf(p, "\n              count: %ld", &value) == 1)
			total += value;
	}
	free(zoneinfo);
	return total;
}

/* Flush dirty data and caches, and give deferred frees time to finish. */
void settle(void)
{
	sync();
	write_text("/proc/sys/vm/drop_caches", "3");
	usleep(200 * 1000);		/* let RCU and deferred frees finish */
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int run_capture(const char *cmd, char *out, size_t size)
{
	char full[1024];
	FILE *f;
	size_t n;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	f = popen(full, "r");
	if (!f)
		return -1;
	n = fread(out, 1, size - 1, f);
	out[n] = 0;
	st = pclose(f);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}
