// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_exec - execve while another thread of the program runs on.
 *
 * POSIX execve ends every other thread before the new image exists.  A
 * sandbox that forgets it leaves attacker code running in the new
 * program's memory (the same static binary re-exec'd has its text, data
 * and .bss at the same addresses), or a blocked read() that later writes
 * into it.
 *
 *   hostile_exec spin [masked]   a thread spins in ring 3 with no stack:
 *                                it increments a .bss counter and writes a
 *                                byte to a pipe now and then; "masked":
 *                                it blocks every signal first, and the
 *                                program tries to ignore the sandbox's
 *                                reserved signal.  Then execve(self).
 *   hostile_exec block           a thread blocks in read() into .bss; then
 *                                execve(self), and the new image writes
 *                                into that pipe.
 * The new image says "contained ..." or "NOT contained ..." on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#define SPIN_DELAY	200000		/* iterations between two writes */
#define SANDBOX_SIG	55		/* dune-sandbox's SIG_EXEC_STOP */

static volatile unsigned long g_counter;	/* .bss: the new image's too */
static char g_target[64];			/* .bss */
static const char g_byte[1] = { 'x' };
static char g_self[4096];
static int g_masked;

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* No stack, no libc: only what the new image has at the same addresses. */
static void *spinner(void *arg)
{
	long fd = (long)arg;

	if (g_masked) {
		sigset_t all;

		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, NULL);
	}
	__asm__ __volatile__(
		"1:	lock incq %[cnt]\n"
		"	mov %[delay], %%ecx\n"
		"2:	dec %%ecx\n"
		"	jnz 2b\n"
		"	mov %[nr], %%eax\n"
		"	mov %[fd], %%rdi\n"
		"	lea %[byte], %%rsi\n"
		"	mov $1, %%edx\n"
		"	syscall\n"
		"	jmp 1b\n"
		: [cnt] "+m"(g_counter)
		: [fd] "r"(fd), [byte] "m"(g_byte), [nr] "i"(SYS_write), [delay] "i"(SPIN_DELAY)
		: "rax", "rcx", "rdx", "rdi", "rsi", "r11", "memory");
	return NULL;
}

static void *reader(void *arg)
{
	long fd = (long)arg;

	__asm__ __volatile__(
		"1:	mov %[nr], %%eax\n"
		"	mov %[fd], %%rdi\n"
		"	lea %[buf], %%rsi\n"
		"	mov %[len], %%edx\n"
		"	syscall\n"
		"	jmp 1b\n"
		: [buf] "=m"(g_target)
		: [fd] "r"(fd), [nr] "i"(SYS_read), [len] "i"(sizeof(g_target))
		: "rax", "rcx", "rdx", "rdi", "rsi", "r11", "memory");
	return NULL;
}

static void reexec(const char *mode, int a, int b)
{
	char sa[16], sb[16];
	char *argv[] = { "hostile_exec", (char *)mode, sa, sb, NULL };

	snprintf(sa, sizeof(sa), "%d", a);
	snprintf(sb, sizeof(sb), "%d", b);
	execv(g_self, argv);
	printf("NOT contained execve failed: %s\n", strerror(errno));
	exit(1);
}

static int m_spin(void)
{
	pthread_t th;
	int p[2];
	int i;

	if (pipe(p))
		return 2;
	if (g_masked) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		/*
		 * Accepted and only recorded (signal.c: runtimes such as Go's
		 * install a handler for every signal and die if one fails):
		 * whether the host still delivers it is what the exec below
		 * shows, by ending the spinner.
		 */
		printf("note: ignoring the sandbox's signal %d: %s\n", SANDBOX_SIG,
		       sigaction(SANDBOX_SIG, &sa, NULL) ? strerror(errno) : "accepted");
	}
	if (pthread_create(&th, NULL, spinner, (void *)(long)p[1]))
		return 2;
	for (i = 0; i < 200 && g_counter < 3; i++)
		msleep(10);
	fflush(stdout);
	reexec("after-spin", p[0], p[1]);
	return 2;
}

/* Bytes readable on @fd now. */
static long drain(int fd)
{
	char buf[4096];
	long n = 0, r;

	while ((r = read(fd, buf, sizeof(buf))) > 0)
		n += r;
	return n;
}

static int m_after_spin(int rfd)
{
	unsigned long c0, c1;
	long n;

	c0 = g_counter;
	fcntl(rfd, F_SETFL, O_NONBLOCK);
	drain(rfd);
	msleep(1000);
	c1 = g_counter;
	n = drain(rfd);
	if (c0 == 0 && c1 == 0 && n == 0)
		printf("contained execve beside a spinning thread: the old thread is gone (counter 0, no write in 1 s)\n");
	else
		printf("NOT contained execve beside a spinning thread: the old thread runs on in the new image (counter %lu then %lu, %ld bytes written after the exec)\n",
		       c0, c1, n);
	return 0;
}

static int m_block(void)
{
	pthread_t th;
	int p[2];

	if (pipe(p))
		return 2;
	if (pthread_create(&th, NULL, reader, (void *)(long)p[0]))
		return 2;
	msleep(300);		/* the reader is blocked in read() by now */
	fflush(stdout);
	reexec("after-block", p[0], p[1]);
	return 2;
}

static int m_after_block(int rfd, int wfd)
{
	static const char word[] = "OVERWRITE";
	char buf[64] = "";
	long n;

	if (write(wfd, word, sizeof(word) - 1) != sizeof(word) - 1)
		return 2;
	msleep(500);
	fcntl(rfd, F_SETFL, O_NONBLOCK);
	n = read(rfd, buf, sizeof(buf) - 1);
	if (!g_target[0] && n == sizeof(word) - 1)
		printf("contained execve beside a thread blocked in read(): nothing written into the new image, the data still in the pipe\n");
	else
		printf("NOT contained execve beside a thread blocked in read(): the new image's .bss has \"%.9s\", %ld bytes left in the pipe\n",
		       g_target, n);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(g_self, sizeof(g_self), "%s", argv[0]);	/* called by its full path */
	if (argc >= 2 && !strcmp(argv[1], "spin")) {
		g_masked = argc >= 3 && !strcmp(argv[2], "masked");
		return m_spin();
	}
	if (argc == 2 && !strcmp(argv[1], "block"))
		return m_block();
	if (argc == 4 && !strcmp(argv[1], "after-spin"))
		return m_after_spin(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "after-block"))
		return m_after_block(atoi(argv[2]), atoi(argv[3]));
	fprintf(stderr, "usage: hostile_exec spin [masked] | block\n");
	return 2;
}
