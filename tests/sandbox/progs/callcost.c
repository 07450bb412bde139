// SPDX-License-Identifier: GPL-2.0
/*
 * callcost - ticks (TSC) per system call, for the sandbox's hardening
 * before/after comparisons: the median of N calls of each kind, measured
 * by the program itself (in Bochs, ticks follow path length).
 *
 *   callcost [N]
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

static inline unsigned long long ticks(void)
{
	unsigned int lo, hi;

	__asm__ __volatile__("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((unsigned long long)hi << 32) | lo;
}

static int cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static int n = 1000, nul, zero, sv[2];
static char buf[64];

static void c_getppid(void) { syscall(SYS_getppid); }
static void c_read(void) { if (read(zero, buf, sizeof(buf)) < 0) exit(2); }
static void c_fstat(void) { struct stat st; fstat(nul, &st); }
static void c_writev(void)
{
	struct iovec v[2] = { { buf, 32 }, { buf + 32, 32 } };

	if (writev(nul, v, 2) < 0)
		exit(2);
}
static void c_open_close(void) { close(open("/dev/null", O_RDONLY)); }
static void c_poll(void) { struct pollfd p = { nul, POLLOUT, 0 }; poll(&p, 1, 0); }
static void c_msg(void)
{
	struct iovec v = { buf, 16 };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };

	if (sendmsg(sv[0], &m, 0) < 0 || recvmsg(sv[1], &m, 0) < 0)
		exit(2);
}

static const struct {
	const char *name;
	void (*fn)(void);
} calls[] = {
	{ "getppid", c_getppid },
	{ "read(/dev/zero, 64)", c_read },
	{ "fstat", c_fstat },
	{ "writev(2 iovecs)", c_writev },
	{ "open+close", c_open_close },
	{ "poll(1 fd)", c_poll },
	{ "sendmsg+recvmsg", c_msg },
};

int main(int argc, char **argv)
{
	unsigned long long *t;
	unsigned int c;
	int i;

	if (argc > 1)
		n = atoi(argv[1]);
	t = calloc(n, sizeof(*t));
	nul = open("/dev/null", O_RDWR);
	zero = open("/dev/zero", O_RDONLY);
	if (!t || nul < 0 || zero < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 2;
	for (c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
		for (i = 0; i < n; i++) {
			unsigned long long t0 = ticks();

			calls[c].fn();
			t[i] = ticks() - t0;
		}
		qsort(t, n, sizeof(*t), cmp);
		printf("%-22s median %8llu ticks  min %8llu\n", calls[c].name, t[n / 2], t[0]);
	}
	return 0;
}
