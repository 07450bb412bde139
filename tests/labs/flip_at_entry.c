// SPDX-License-Identifier: GPL-2.0
/*
 * flip_at_entry - lab 6's deterministic attacker: wins hostile_copy's race
 * every time, by timing it with a seccomp user notification instead of
 * chance (flip.h).
 *
 *   flip_at_entry -o FLIPS -- dune-sandbox [OPTIONS] -- hostile_copy flip-at-entry [N]
 *
 * The command runs under a seccomp filter of ours (installed before it is
 * exec'd, kept by everything it starts) that sends each writev, readv,
 * sendmsg, recvmsg, sendmmsg, recvmmsg, pwritev, preadv, pwritev2 and
 * preadv2 to this process (SECCOMP_RET_USER_NOTIF) and waits.  In Dune
 * mode the sandbox's forwarded system call is an ordinary host system
 * call of the program's own process, made after every check of the
 * supervisor in ring 0: the notification comes at its entry, before the
 * host kernel has read any argument.  If the calling process's FLIP_PAGE
 * holds FLIP_MAGIC, its iov_base is changed (through /proc/PID/mem) to supervisor memory -
 * libdune's page-table pool, where the race mode's thread points it - and
 * the call continues (SECCOMP_USER_NOTIF_FLAG_CONTINUE).  The program sets
 * iov_base again before each call and then checks, as in the race mode,
 * that what was sent was its bytes and what was received reached its
 * buffer.  (seccomp_unotify(2) warns of exactly this: a notifier that
 * checks the target's memory and continues races the target's threads.)
 *
 * A ptrace version of this stopped the sandbox at every system call;
 * under it a Dune process never finished starting in the emulated machine
 * (not understood yet): the notification stops only the ten calls.
 *
 * Writes "flipped NAME COUNT" for each of the ten calls to FLIPS (a zero
 * count means the check proved nothing for that call); exits with the
 * command's status.  Needs CAP_SYS_PTRACE over the sandbox once it has
 * dropped to its user (/proc/PID/mem; root in the emulated machine:
 * tests/labs/toctou_check) and CAP_SYS_ADMIN for the filter without
 * no_new_privs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../sandbox/progs/flip.h"

/* hostile_copy.c's SUP and SUP_WRITE: supervisor memory to read, to write. */
#define SUP		0x200000000UL
#define SUP_WRITE	(SUP + 0x800)

static const struct {
	long nr;
	const char *name;
	int kernel_writes;	/* the kernel writes through the iovec */
} calls[] = {
	{ SYS_writev, "writev", 0 },	{ SYS_readv, "readv", 1 },
	{ SYS_sendmsg, "sendmsg", 0 },	{ SYS_recvmsg, "recvmsg", 1 },
	{ SYS_sendmmsg, "sendmmsg", 0 }, { SYS_recvmmsg, "recvmmsg", 1 },
	{ SYS_pwritev, "pwritev", 0 },	{ SYS_preadv, "preadv", 1 },
	{ SYS_pwritev2, "pwritev2", 0 }, { SYS_preadv2, "preadv2", 1 },
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

static unsigned long flips[NCALLS], seen[NCALLS];
/* why a notified call was not flipped: the first errno of each step */
static unsigned long no_read, no_magic, no_write;
static int read_errno, write_errno;

/* How long to wait for a notification before looking whether the command ended. */
#define POLL_MS	200

static const unsigned long iov_base_at = FLIP_PAGE + offsetof(struct flip_page, iov) +
					 offsetof(struct iovec, iov_base);

static int call_index(long nr)
{
	unsigned int i;

	for (i = 0; i < NCALLS; i++)
		if (calls[i].nr == nr)
			return (int)i;
	return -1;
}

/* The filter: the ten calls to the listener, everything else allowed. */
static int install_filter(void)
{
	struct sock_filter f[2 + 2 * NCALLS + 1];
	struct sock_fprog prog = { .filter = f };
	unsigned int i, n = 0;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (i = 0; i < NCALLS; i++)
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      (unsigned int)calls[i].nr, NCALLS - i, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	prog.len = (unsigned short)n;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			    &prog);
}

/*
 * One notification: flip in the caller's FLIP_PAGE if it is there, then
 * continue.  Through /proc/PID/mem (the fast test kernel has no
 * process_vm_readv: CONFIG_CROSS_MEMORY_ATTACH is off).
 */
static void notified(int listener, struct seccomp_notif *req, struct seccomp_notif_resp *resp)
{
	struct flip_page page;
	char path[64];
	int c = call_index(req->data.nr), mem = -1;

	if (c >= 0) {
		seen[c]++;
		snprintf(path, sizeof(path), "/proc/%u/mem", req->pid);
		mem = open(path, O_RDWR | O_CLOEXEC);
	}
	if (c >= 0 && (mem < 0 || pread(mem, &page, sizeof(page), FLIP_PAGE) != sizeof(page))) {
		if (!no_read++)
			read_errno = errno;
	} else if (c >= 0 && page.magic != FLIP_MAGIC) {
		no_magic++;
	} else if (c >= 0 && ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) == 0) {
		unsigned long flipped = calls[c].kernel_writes ? SUP_WRITE : SUP;

		if (pwrite(mem, &flipped, sizeof(flipped), iov_base_at) == sizeof(flipped))
			flips[c]++;
		else if (!no_write++)
			write_errno = errno;
	}
	if (mem >= 0)
		close(mem);
	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

/*
 * The child's listener, taken by the parent with pidfd_getfd(2): the
 * child may make none of the filtered calls (sendmsg...) once its filter
 * is on - they would wait for us.  It writes the number, then waits for
 * our byte before exec (which closes the listener: it is close-on-exec).
 */
static int take_fd(pid_t pid, int num)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), fd;

	if (pidfd < 0)
		return -1;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, num, 0);
	close(pidfd);
	return fd;
}

int main(int argc, char **argv)
{
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct seccomp_notif_sizes sizes;
	const char *out = NULL;
	int up[2], down[2], listener, num = -1, status = 0, i = 1, code = 1;
	char go = 1;
	pid_t child;
	unsigned int c;
	FILE *f;

	if (argc > 2 && !strcmp(argv[1], "-o")) {
		out = argv[2];
		i = 3;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (!out || i >= argc) {
		fprintf(stderr, "usage: flip_at_entry -o FLIPS -- COMMAND [ARGS...]\n");
		return 2;
	}
	if (pipe(up) || pipe(down)) {
		perror("pipe");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		int l = install_filter();

		if (l < 0) {
			perror("flip_at_entry: seccomp filter");
			_exit(126);
		}
		if (write(up[1], &l, sizeof(l)) != sizeof(l) || read(down[0], &go, 1) != 1)
			_exit(126);
		close(l);
		execvp(argv[i], argv + i);
		perror(argv[i]);
		_exit(127);
	}
	close(up[1]);
	close(down[0]);
	listener = -1;
	if (read(up[0], &num, sizeof(num)) == sizeof(num))
		listener = take_fd(child, num);
	if (write(down[1], &go, 1) != 1 || listener < 0) {
		fprintf(stderr, "flip_at_entry: no listener from the child\n");
		waitpid(child, NULL, 0);
		return 1;
	}
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes)) {
		perror("SECCOMP_GET_NOTIF_SIZES");
		return 1;
	}
	req = calloc(1, sizes.seccomp_notif > sizeof(*req) ? sizes.seccomp_notif : sizeof(*req));
	resp = calloc(1, sizes.seccomp_notif_resp > sizeof(*resp) ? sizes.seccomp_notif_resp :
		      sizeof(*resp));
	if (!req || !resp)
		return 1;

	/* Until the command is gone (or no process holds the filter: POLLHUP). */
	for (;;) {
		struct pollfd p = { .fd = listener, .events = POLLIN };
		pid_t w;

		if (poll(&p, 1, POLL_MS) > 0 && (p.revents & POLLIN)) {
			memset(req, 0, sizes.seccomp_notif);
			if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) == 0)
				notified(listener, req, resp);
			continue;
		}
		w = waitpid(child, &status, WNOHANG);
		if (w == child || (w < 0 && errno != EINTR) || (p.revents & POLLHUP))
			break;
	}
	if (!WIFEXITED(status) && !WIFSIGNALED(status))
		waitpid(child, &status, 0);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	f = fopen(out, "w");
	if (!f) {
		perror(out);
		return 1;
	}
	for (c = 0; c < NCALLS; c++)
		fprintf(f, "flipped %s %lu\n", calls[c].name, flips[c]);
	/* what was notified and not flipped, for a zero count above */
	for (c = 0; c < NCALLS; c++)
		fprintf(f, "notified %s %lu\n", calls[c].name, seen[c]);
	fprintf(f, "not read %lu (%s), no magic %lu, not written %lu (%s)\n", no_read,
		strerror(read_errno), no_magic, no_write, strerror(write_errno));
	fclose(f);
	return code;
}
