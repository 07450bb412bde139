// SPDX-License-Identifier: GPL-2.0
/*
 * sandbox.c - what dune-sandbox costs, per system call and per program
 * run, for one or more sandbox binaries measured in the same boot (so that
 * a hardening's cost is a before/after pair of one run, never two runs):
 *
 *   bench -S NAME=PATH [-S NAME2=PATH2 ...]
 *
 * (default: "sandbox" = ../bin/dune-sandbox from bench, the guest's
 * /opt/dune/bin, or the build tree's build/bin, if there).
 * For each binary, rows sb_NAME_*:
 *
 *   getpid, read, write, fstat, writev, open+close   the program in the
 *       sandbox is this benchmark itself ("bench -C N", below): it times N
 *       calls of each kind with the TSC, in ring 3, and writes the
 *       samples to its standard output, which a pipe brings back here;
 *   start   PATH -- bench-nop: a whole run of a program that does nothing
 *       (the sandbox's start-up and teardown: dune_init, the
 *       confinement, the loader), fork to reaped;
 *   sh      PATH -- /bin/busybox sh -c SCRIPT: a small pipeline of the
 *       real-program suite (dune_sandbox_test), every command a fork and
 *       an execve inside the sandbox; native_sh is the same without it.
 *
 * The calls go through the sandbox's whole pipeline (copy in, decide,
 * forward, copy out, trace off); with the built-in policy they are all
 * allowed (/dev/null and /dev/zero included).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "bench.h"

#define MAX_SANDBOXES	4
#define SH_SCRIPT	"seq 1 200 | sort -rn | uniq | head -3 | wc -l >/dev/null; " \
			"echo abc | md5sum >/dev/null"

static struct {
	char name[16];
	char path[256];
} sandboxes[MAX_SANDBOXES];
static int nsandboxes;

/* -S NAME=PATH; 0, or -1 if it cannot be taken */
int sandbox_add(const char *spec)
{
	const char *eq = strchr(spec, '=');

	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(sandboxes[0].name) ||
	    strlen(eq + 1) >= sizeof(sandboxes[0].path) || nsandboxes == MAX_SANDBOXES)
		return -1;
	memcpy(sandboxes[nsandboxes].name, spec, eq - spec);
	sandboxes[nsandboxes].name[eq - spec] = 0;
	strcpy(sandboxes[nsandboxes].path, eq + 1);
	nsandboxes++;
	return 0;
}

/* ---- in the sandbox: bench -C N ---------------------------------------------- */

static char buf[64];
static int fd_null, fd_zero;

static void c_getpid(void) { raw_syscall0(SYS_getpid); }
static void c_read(void) { (void)!syscall(SYS_read, fd_zero, buf, sizeof(buf)); }
static void c_write(void) { (void)!syscall(SYS_write, fd_null, buf, sizeof(buf)); }
static void c_fstat(void)
{
	struct stat st;

	syscall(SYS_fstat, fd_null, &st);
}
static void c_writev(void)
{
	struct iovec v[2] = { { buf, 32 }, { buf + 32, 32 } };

	syscall(SYS_writev, fd_null, v, 2);
}
static void c_open(void)
{
	long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);

	if (fd >= 0)
		syscall(SYS_close, fd);
}

static const struct {
	const char *id;		/* sb_NAME_<id> */
	const char *label;
	void (*fn)(void);
} calls[] = {
	{ "getpid", "getpid", c_getpid },
	{ "read", "read /dev/zero, 64 B", c_read },
	{ "write", "write /dev/null, 64 B", c_write },
	{ "fstat", "fstat", c_fstat },
	{ "writev", "writev, 2 iovecs", c_writev },
	{ "open", "openat+close /dev/null", c_open },
};
#define NCALLS	(sizeof(calls) / sizeof(calls[0]))

/* The program side: N timed calls of each kind, "SBCALL id t t t ..." lines. */
int sandbox_calls(int n)
{
	unsigned int c;
	int i;

	fd_null = open("/dev/null", O_WRONLY);
	fd_zero = open("/dev/zero", O_RDONLY);
	if (fd_null < 0 || fd_zero < 0) {
		perror("bench -C: /dev/null, /dev/zero");
		return 1;
	}
	for (c = 0; c < NCALLS; c++) {
		for (i = 0; i < 10; i++)	/* warm: first-touch faults, the arena */
			calls[c].fn();
		printf("SBCALL %s", calls[c].id);
		for (i = 0; i < n; i++) {
			uint64_t t0 = t_start();

			calls[c].fn();
			printf(" %llu", (unsigned long long)(t_stop() - t0));
		}
		printf("\n");
	}
	return 0;
}

/* ---- here: run the sandboxes ---------------------------------------------------- */

/* fork, exec @argv with stdout to @out_fd (or /dev/null if < 0), wait: the status */
static int run(char *const argv[], int out_fd)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int fd = out_fd >= 0 ? out_fd : open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return status;
}

static void sandbox_call_rows(const char *name, const char *sb, const char *self)
{
	char n[16], id[40], label[72], *line = NULL;
	char *argv[] = { (char *)sb, "--", (char *)self, "-C", n, NULL };
	struct row *rows[NCALLS];
	size_t cap = 0;
	unsigned int c;
	int p[2], st;
	FILE *f;

	for (c = 0; c < NCALLS; c++) {
		snprintf(id, sizeof(id), "sb_%s_%s", name, calls[c].id);
		snprintf(label, sizeof(label), "sandbox %s: %s", name, calls[c].label);
		rows[c] = row_new(G_INTERCEPT, id, label);
	}
	snprintf(n, sizeof(n), "%d", B->iters);
	if (pipe(p)) {
		row_note(rows[0], "pipe failed");
		return;
	}
	fflush(stdout);
	if (fork() == 0) {
		close(p[0]);
		_exit(run(argv, p[1]) == 0 ? 0 : 1);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	while (f && getline(&line, &cap, f) > 0) {
		char *tok, *save;

		if (strncmp(line, "SBCALL ", 7))
			continue;
		tok = strtok_r(line + 7, " \n", &save);
		for (c = 0; tok && c < NCALLS && strcmp(tok, calls[c].id); c++)
			;
		if (!tok || c == NCALLS)
			continue;
		while ((tok = strtok_r(NULL, " \n", &save)) && rows[c]->n < MAX_SAMPLES)
			row_add(rows[c], strtoull(tok, NULL, 10), 1);
	}
	free(line);
	if (f)
		fclose(f);
	wait(&st);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		row_note(rows[0], "%s -- bench -C failed (status %#x)", sb, st);
}

static void sandbox_run_rows(const char *name, const char *sb)
{
	char id[40], label[72];
	char *start_argv[] = { (char *)sb, "--", B->nop_path, NULL };
	char *sh_argv[] = { (char *)sb, "--", "/bin/busybox", "sh", "-c", SH_SCRIPT, NULL };
	struct row *start, *sh;
	int i;

	snprintf(id, sizeof(id), "sb_%s_start", name);
	snprintf(label, sizeof(label), "sandbox %s: a run of bench-nop", name);
	start = row_new(G_INTERCEPT, id, label);
	snprintf(id, sizeof(id), "sb_%s_sh", name);
	snprintf(label, sizeof(label), "sandbox %s: busybox sh pipeline", name);
	sh = row_new(G_INTERCEPT, id, label);
	for (i = 0; i < B->spawns; i++) {
		uint64_t t0 = t_start();
		int st = run(start_argv, -1);

		if (st) {
			row_note(start, "status %#x", st);
			break;
		}
		row_add(start, t_stop() - t0, 1);
	}
	for (i = 0; i < B->spawns; i++) {
		uint64_t t0 = t_start();
		int st = run(sh_argv, -1);

		if (st) {
			row_note(sh, "status %#x", st);
			break;
		}
		row_add(sh, t_stop() - t0, 1);
	}
}

void bench_sandbox(const char *self)
{
	char *sh_argv[] = { "/bin/busybox", "sh", "-c", SH_SCRIPT, NULL };
	struct row *native_sh;
	int i;

	if (!nsandboxes) {
		/* the guest's /opt/dune/bin, or the build tree's build/bin */
		static const char *const rel[] = { "../bin/dune-sandbox", "../../bin/dune-sandbox" };
		const char *slash = strrchr(self, '/');
		char def[300];
		unsigned int k;

		for (k = 0; k < sizeof(rel) / sizeof(rel[0]) && !nsandboxes; k++) {
			snprintf(def, sizeof(def), "sandbox=%.*s%s",
				 slash ? (int)(slash - self + 1) : 0, self, rel[k]);
			if (!access(def + strlen("sandbox="), X_OK))
				sandbox_add(def);
		}
		if (!nsandboxes)
			return;
	}
	native_sh = row_new(G_NATIVE, "native_sh", "busybox sh pipeline");
	for (i = 0; i < B->spawns; i++) {
		uint64_t t0 = t_start();

		if (run(sh_argv, -1)) {
			row_note(native_sh, "/bin/busybox sh failed");
			break;
		}
		row_add(native_sh, t_stop() - t0, 1);
	}
	for (i = 0; i < nsandboxes; i++) {
		sandbox_call_rows(sandboxes[i].name, sandboxes[i].path, self);
		sandbox_run_rows(sandboxes[i].name, sandboxes[i].path);
	}
}
