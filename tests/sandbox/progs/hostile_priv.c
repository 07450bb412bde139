// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_priv - a hostile program against the sandbox's privileges and
 * path rules (tests/sandbox/dune_sandbox_priv_test).  Each mode makes
 * every attempt of its class and prints one line per attempt:
 * "contained WHAT" if the call failed, "NOT contained WHAT" if it did what
 * it should not.  The test script also checks the host's sentinels from
 * outside afterwards: a call that "failed" but acted still fails the test.
 *
 *   hostile_priv paths DIR      DIR/rw (allowed), DIR/ro (readonly),
 *                               DIR/deny (denied) prepared by the script
 *   hostile_priv race DIR SECS  a thread flips a path between an allowed
 *                               and a readonly file while chmod() runs
 *   hostile_priv defaults PID   other processes (PID: a sentinel outside),
 *                               madvise, /proc/sys, /dev, /run, /var, /home
 *   hostile_priv wait SECS      sleep (the script reads /proc/PID/status)
 * Natively, to prepare the attacks:
 *   hostile_priv listen DIR     unix sockets DIR/deny/sock (stream),
 *                               DIR/deny/dgram and "@sbp-abstract": writes
 *                               DIR/reached when anything arrives
 *   hostile_priv set-interp FILE INTERP   rewrite FILE's PT_INTERP (prints the old)
 *   hostile_priv sleep-as UID SECS        a sentinel process of UID
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "race.h"

#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE	101	/* asm-generic/mman-common.h */
#endif

static int bad;

/* @ret < 0: contained; else the attempt worked. */
static void attempt(const char *what, long ret)
{
	if (ret < 0) {
		printf("contained %s (%s)\n", what, strerror(errno));
	} else {
		printf("NOT contained %s (returned %ld)\n", what, ret);
		bad++;
	}
}

static char *cat(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + strlen(b) + 1);

	strcpy(s, a);
	strcat(s, b);
	return s;
}

/* A child that execve()s @path: did the program there run (exit 3)? */
static long exec_child(const char *path)
{
	pid_t p = fork();
	int st;

	if (p == 0) {
		char *argv[] = { (char *)path, NULL };

		execve(path, argv, argv + 1);
		_exit(100);
	}
	if (p < 0 || waitpid(p, &st, 0) < 0)
		return -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
		return 0;		/* hello ran: "hello from ring 3" */
	errno = WIFEXITED(st) ? ENOENT : EINTR;
	return -1;
}

static long sock_to(int type, const struct sockaddr_un *a, socklen_t len, bool do_bind)
{
	int s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	long r;

	if (s < 0)
		return -1;
	if (do_bind)
		r = bind(s, (const struct sockaddr *)a, len);
	else if (type == SOCK_DGRAM)
		r = sendto(s, "x", 1, 0, (const struct sockaddr *)a, len);
	else
		r = connect(s, (const struct sockaddr *)a, len);
	close(s);
	return r;
}

static socklen_t un_path(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s", path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static socklen_t un_abstract(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static int m_paths(const char *dir)
{
	char *rw = cat(dir, "/rw"), *deny = cat(dir, "/deny"), *ro = cat(dir, "/ro");
	char *ld = cat(rw, "/ld"), *lr = cat(rw, "/lr");	/* symlinked parents */
	char *secret = cat(ld, "/secret"), *keep = cat(lr, "/keep");
	char *up = cat(rw, "/s/../../../deny/secret");	/* "..": s -> rw/a/b */
	struct sockaddr_un a;
	socklen_t l;
	int fd, dfd;

	if (symlink(deny, ld) || symlink(ro, lr) || mkdir(cat(rw, "/a"), 0755) ||
	    mkdir(cat(rw, "/a/b"), 0755) || symlink(cat(rw, "/a/b"), cat(rw, "/s"))) {
		printf("setup failed: %s\n", strerror(errno));
		return 2;
	}
	/* symlinked parents: the last component is in the denied / readonly dir */
	attempt("rename through a symlinked parent (deny)", rename(secret, cat(rw, "/stolen")));
	attempt("chmod through a symlinked parent (deny)", chmod(secret, 0666));
	attempt("chown through a symlinked parent (deny)", chown(secret, getuid(), getgid()));
	attempt("truncate through a symlinked parent (deny)", truncate(secret, 0));
	attempt("mkdir through a symlinked parent (deny)", mkdir(cat(ld, "/newdir"), 0755));
	attempt("link out of a denied dir through a symlinked parent",
		link(secret, cat(rw, "/hl")));
	fd = open(cat(rw, "/hl"), O_RDONLY);
	attempt("open the hard link to a denied file", fd);
	if (fd >= 0)
		close(fd);
	attempt("truncate through a symlinked parent (readonly)", truncate(keep, 0));
	attempt("chmod through a symlinked parent (readonly)", chmod(keep, 0666));
	attempt("rename through a symlinked parent (readonly)", rename(keep, cat(rw, "/k")));
	attempt("mkdir through a symlinked parent (readonly)", mkdir(cat(lr, "/newdir"), 0755));
	attempt("unlink through a symlinked parent (readonly)", unlink(keep));
	attempt("unlink through a symlinked parent (deny)", unlink(secret));
	/* O_TRUNC / O_CREAT act before the check after the open */
	symlink(cat(ro, "/keep"), cat(rw, "/tl"));
	fd = open(cat(rw, "/tl"), O_WRONLY | O_TRUNC);
	attempt("open(O_TRUNC) through a symlink to a readonly file", fd);
	if (fd >= 0)
		close(fd);
	fd = open(cat(lr, "/created"), O_WRONLY | O_CREAT, 0644);
	attempt("open(O_CREAT) in a readonly dir through a symlinked parent", fd);
	if (fd >= 0)
		close(fd);
	/* "..": the string says /tmp-something, the kernel walks elsewhere */
	attempt("chmod of rw/s/../../../deny/secret", chmod(up, 0666));
	attempt("unlink of rw/s/../../../deny/secret", unlink(up));
	/* a directory descriptor opened before, and a relative path through a symlink */
	dfd = open(rw, O_RDONLY | O_DIRECTORY);
	attempt("fchmodat(dirfd, ld/secret)", fchmodat(dfd, "ld/secret", 0666, 0));
	attempt("unlinkat(dirfd, ld/secret)", unlinkat(dfd, "ld/secret", 0));
	attempt("renameat(dirfd, lr/keep)", renameat(dfd, "lr/keep", dfd, "k2"));
	close(dfd);
	/* /proc/self/root and /proc/self/cwd */
	attempt("unlink via /proc/self/root", unlink(cat("/proc/self/root", cat(deny, "/secret"))));
	fd = open(cat("/proc/self/root", cat(deny, "/secret")), O_RDONLY);
	attempt("open via /proc/self/root", fd);
	if (fd >= 0)
		close(fd);
	if (chdir(rw) == 0) {
		attempt("chmod via /proc/self/cwd/../deny/secret",
			chmod("/proc/self/cwd/../deny/secret", 0666));
		attempt("unlink via /proc/self/cwd/../ro/keep", unlink("/proc/self/cwd/../ro/keep"));
	}
	/* execve: the target, #! and PT_INTERP in the denied dir */
	symlink(cat(deny, "/prog"), cat(rw, "/lprog"));
	attempt("execve of a program in a denied dir", exec_child(cat(deny, "/prog")));
	attempt("execve of a symlink to a program in a denied dir", exec_child(cat(rw, "/lprog")));
	attempt("execve of a #! script whose interpreter is in a denied dir",
		exec_child(cat(rw, "/script")));
	attempt("execve of an ELF whose PT_INTERP is in a denied dir",
		exec_child(cat(rw, "/interp")));
	/* AF_UNIX paths and abstract names */
	l = un_path(&a, cat(deny, "/sock"));
	attempt("connect to a socket in a denied dir", sock_to(SOCK_STREAM, &a, l, false));
	l = un_path(&a, cat(ld, "/sock"));
	attempt("connect to it through a symlinked parent", sock_to(SOCK_STREAM, &a, l, false));
	l = un_path(&a, cat(deny, "/dgram"));
	attempt("sendto a socket in a denied dir", sock_to(SOCK_DGRAM, &a, l, false));
	l = un_path(&a, cat(ld, "/newsock"));
	attempt("bind a socket in a denied dir (symlinked parent)",
		sock_to(SOCK_STREAM, &a, l, true));
	l = un_path(&a, cat(ro, "/newsock"));
	attempt("bind a socket in a readonly dir", sock_to(SOCK_STREAM, &a, l, true));
	l = un_abstract(&a, "sbp-abstract");
	attempt("connect to a host abstract socket, network off",
		sock_to(SOCK_STREAM, &a, l, false));
	return bad ? 1 : 0;
}

/* ---- a thread flipping the path between the check and the call ------------ */

/*
 * DIR/rw/keep (allowed) and DIR/ro/keep (readonly: no chmod) differ in one
 * byte, 'w' or 'o': the flipping thread writes only that byte, so the
 * string is always whole.  The main thread chmods the flipping path; if
 * the supervisor checked "rw" and the kernel then read "ro", the readonly
 * file's mode changes - which the program can see (stat is a read), so the
 * race stops at the first win.  SECS bounds it.
 */
static char flip_path[256];
static size_t flip_at;
static volatile int stop;

static void *flipper(void *arg)
{
	unsigned int seed = 7;

	*(bool *)arg = race_pin(1);
	while (!stop) {
		((volatile char *)flip_path)[flip_at] = 'o';
		race_hold(&seed, 63);
		((volatile char *)flip_path)[flip_at] = 'w';
		race_hold(&seed, 63);
	}
	return NULL;
}

static int m_race(const char *dir, int secs)
{
	char path_ro[256];
	pthread_t th;
	double t0 = race_now(), t = t0;
	long tries = 0;
	bool won = false, pinned = false, pinned_main;
	unsigned int seed = 11;

	snprintf(flip_path, sizeof(flip_path), "%s/rw/keep", dir);
	snprintf(path_ro, sizeof(path_ro), "%s/ro/keep", dir);
	flip_at = strlen(dir) + 2;	/* "/r" then the byte that flips */
	pinned_main = race_pin(0);
	if (pthread_create(&th, NULL, flipper, &pinned)) {
		printf("setup failed: pthread_create\n");
		return 2;
	}
	while (!won && t - t0 < secs) {
		struct stat st;
		int i;

		for (i = 0; i < 16 && !won; i++) {
			tries++;
			chmod(flip_path, tries & 1 ? 0604 : 0606);
			race_hold(&seed, 15);
			/* the readonly file's mode, as the program can see it */
			won = stat(path_ro, &st) == 0 && (st.st_mode & 07777) != 0644;
		}
		t = race_now();
	}
	stop = 1;
	pthread_join(th, NULL);
	printf("%s racing chmod: %ld tries in %.1f s (threads %s), the readonly file's mode %s\n",
	       won ? "NOT contained" : "contained", tries, t - t0,
	       pinned && pinned_main ? "pinned to CPUs 0 and 1" : "not pinned",
	       won ? "changed" : "never changed (seen from inside)");
	return won ? 1 : 0;
}

/* ---- other processes, dangerous arguments, the system's files ------------ */

static int m_defaults(pid_t sentinel)
{
	static const char *const devs[] = { "/dev/mem", "/dev/port", "/dev/kmsg", "/dev/sda",
					    "/dev/vda", "/dev/loop0", "/dev/ram0", NULL };
	static const char *const dirs[] = { "/run", "/var", "/home", "/root", "/etc", NULL };
	struct rlimit rl = { 64, 64 }, old;
	cpu_set_t set;
	void *page;
	char path[64];
	int i, fd;

	attempt("kill(-1, 0): any process at all", kill(-1, 0));
	attempt("kill(1, 0): init", kill(1, 0));
	attempt("tkill(1, 0): init's thread", syscall(SYS_tkill, 1, 0));
	attempt("tgkill(1, 1, 0): init's thread", syscall(SYS_tgkill, 1, 1, 0));
	attempt("kill(sentinel, SIGKILL)", kill(sentinel, SIGKILL));
	attempt("prlimit64(1, get)", prlimit(1, RLIMIT_NOFILE, NULL, &old));
	attempt("prlimit64(sentinel, set NOFILE 64)", prlimit(sentinel, RLIMIT_NOFILE, &rl, NULL));
	attempt("setpriority(sentinel, 19)", setpriority(PRIO_PROCESS, (id_t)sentinel, 19));
	attempt("setpriority(PRIO_USER, 0, 19)", setpriority(PRIO_USER, 0, 19));
	attempt("sched_getaffinity(1)", sched_getaffinity(1, sizeof(set), &set));
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*(volatile char *)page = 1;
	attempt("madvise(MADV_HWPOISON)", madvise(page, 4096, MADV_HWPOISON));
	attempt("madvise(MADV_SOFT_OFFLINE)", madvise(page, 4096, MADV_SOFT_OFFLINE));
	fd = open("/proc/sys/kernel/core_pattern", O_WRONLY);
	attempt("open /proc/sys/kernel/core_pattern for writing", fd);
	if (fd >= 0)
		close(fd);
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	attempt("open /proc/sysrq-trigger for writing", fd);
	if (fd >= 0)
		close(fd);
	for (i = 0; devs[i]; i++) {
		char what[64];

		if (!strcmp(devs[i], "/dev/kmsg"))
			fd = open(devs[i], O_WRONLY);
		else
			fd = open(devs[i], O_RDONLY);
		snprintf(what, sizeof(what), "open %s", devs[i]);
		attempt(what, fd);
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; dirs[i]; i++) {
		char what[80];

		snprintf(path, sizeof(path), "%s/.sbp-sentinel", dirs[i]);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		snprintf(what, sizeof(what), "create a file in %s", dirs[i]);
		attempt(what, fd);
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
	}
	return bad ? 1 : 0;
}

/* ---- helpers the script runs natively ---------------------------------------- */

static int m_listen(const char *dir)
{
	struct sockaddr_un a;
	struct pollfd p[3];
	int s[3], i;
	socklen_t l;

	for (i = 0; i < 3; i++)
		s[i] = socket(AF_UNIX, i == 1 ? SOCK_DGRAM : SOCK_STREAM, 0);
	l = un_path(&a, cat(dir, "/deny/sock"));
	if (bind(s[0], (struct sockaddr *)&a, l) || listen(s[0], 8))
		return 2;
	l = un_path(&a, cat(dir, "/deny/dgram"));
	if (bind(s[1], (struct sockaddr *)&a, l))
		return 2;
	l = un_abstract(&a, "sbp-abstract");
	if (bind(s[2], (struct sockaddr *)&a, l) || listen(s[2], 8))
		return 2;
	printf("listening\n");
	fflush(stdout);
	for (i = 0; i < 3; i++) {
		p[i].fd = s[i];
		p[i].events = POLLIN;
	}
	while (poll(p, 3, -1) > 0 || errno == EINTR) {
		for (i = 0; i < 3; i++)
			if (p[i].revents) {
				FILE *f = fopen(cat(dir, "/reached"), "a");

				if (f) {
					fprintf(f, "socket %d reached\n", i);
					fclose(f);
				}
				if (i == 1) {
					char c;

					recv(s[1], &c, 1, 0);
				} else {
					close(accept(s[i], NULL, NULL));
				}
			}
	}
	return 0;
}

static int m_set_interp(const char *file, const char *interp)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(file, O_RDWR), i;

	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))
		return 2;
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) != sizeof(ph))
			return 2;
		if (ph.p_type != PT_INTERP)
			continue;
		if (strlen(interp) + 1 > ph.p_filesz || ph.p_filesz > 4096)
			return 2;
		{
			char old[4096];

			if (pread(fd, old, ph.p_filesz, ph.p_offset) != (ssize_t)ph.p_filesz)
				return 2;
			old[ph.p_filesz - 1] = 0;
			printf("%s\n", old);	/* the interpreter it had */
		}
		if (pwrite(fd, interp, strlen(interp) + 1, ph.p_offset) < 0)
			return 2;
		return 0;
	}
	return 2;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "paths"))
		return m_paths(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "race"))
		return m_race(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "defaults"))
		return m_defaults(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "wait")) {
		sleep(atoi(argv[2]));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "listen"))
		return m_listen(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "set-interp"))
		return m_set_interp(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "sleep-as")) {
		uid_t u = (uid_t)atoi(argv[2]);

		if (setresgid(u, u, u) || setresuid(u, u, u))
			return 2;
		sleep(atoi(argv[3]));
		return 0;
	}
	fprintf(stderr, "usage: hostile_priv paths|race|defaults|wait|listen|set-interp|sleep-as ...\n");
	return 2;
}
