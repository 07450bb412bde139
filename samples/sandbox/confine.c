// SPDX-License-Identifier: GPL-2.0
/*
 * confine.c - least privilege for the supervisor: its own pid namespace,
 * an unprivileged user, and no way back.
 *
 * The supervisor and the program are one process.  Whatever the host
 * kernel lets the supervisor do, a program that took ring 0 could do too,
 * so the supervisor keeps only what it needs once Dune mode is set up:
 *
 *   0. start.c opens /dev/dune (dune_open_device) before anything else:
 *      whoever may open it - root, or a member of the group that owns it
 *      (docs/sandbox.md, "Running as non-root") - does so with the
 *      credentials it came with; everything below uses that descriptor.
 *   1. confine_pidns(), first (before dune_init): a pid namespace of its
 *      own, as bwrap and nsjail make one.  A non-root invoker first makes
 *      an unprivileged user namespace (userns_enter below, what bwrap does
 *      without its setuid bit): its own uid and gid mapped to themselves,
 *      and inside it the capabilities to make the pid, mount and network
 *      namespaces, which it then gives up in the drop.  The process that called
 *      dune-sandbox stays outside and waits; a small init (pid 1) reaps
 *      orphans; the sandbox is pid 2.  kill(-1), kill(pid), prlimit64,
 *      setpriority, sched_*, ptrace-style /proc access and
 *      process_vm_readv can then name no process outside the sandbox:
 *      the kernel does not resolve their pids (kernel/pid.c,
 *      find_vpid looks only in the caller's namespace).
 *   2. fsrules.c builds the file system view (mount namespace, a new
 *      root, a fresh /proc, an empty network namespace) - still root.
 *   3. confine_drop(), after dune_init() created the VM: setgroups(0),
 *      setresgid, setresuid to --user (default nobody; a non-root invoker
 *      keeps its own uid), every capability and the bounding set cleared
 *      (in a user namespace the uid change alone clears nothing: its
 *      uid 0 is not mapped), checked to be irreversible;
 *      PR_SET_NO_NEW_PRIVS; Landlock (fsrules.c); the host seccomp filter
 *      (hostfilter.c).  Changing the uid from 0 clears every capability
 *      (capabilities(7), "Effect of user ID changes") and makes the
 *      process non-dumpable (its /proc files belong to root; other
 *      processes of the same uid cannot ptrace it).
 *
 * The descriptors kept from before the drop are /dev/dune (a fork child
 * creates its own VM on it, libdune/entry.c open_vm), the trace file, and
 * what the caller passed in.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "sandbox.h"
#include "dune-ext.h"		/* dune_open_device */

struct confine confine = { .user = "nobody", .dev_fd = -1 };

/* The uid and gid of --user: a name, or a number. */
static int resolve_user(uid_t *uid, gid_t *gid)
{
	const char *u = confine.user;
	struct passwd *pw;
	char *end;
	long v;

	pw = getpwnam(u);
	if (pw) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		return 0;
	}
	v = strtol(u, &end, 10);
	if (*u && !*end && v >= 0 && v < 0x7fffffff) {
		pw = getpwuid((uid_t)v);
		*uid = (uid_t)v;
		*gid = pw ? pw->pw_gid : (gid_t)v;
		return 0;
	}
	if (!strcmp(u, "nobody")) {
		/* no passwd entry (a minimal system): the usual overflow ids */
		*uid = CONFINE_NOBODY;
		*gid = CONFINE_NOBODY;
		return 0;
	}
	fprintf(stderr, "%s: --user %s: no such user\n", progname, u);
	return -1;
}

static int say_errno(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", progname, what, strerror(errno));
	return -1;
}

/* Whom to become; a non-root invoker stays itself. */
static int target_ids(uid_t *uid, gid_t *gid)
{
	if (getuid() != 0 && geteuid() != 0) {
		*uid = getuid();
		*gid = getgid();
		return 0;
	}
	if (resolve_user(uid, gid))
		return -1;
	if (*uid == 0 || *gid == 0) {
		fprintf(stderr, "%s: --user %s: the sandbox does not run as root (uid and gid must not be 0)\n",
			progname, confine.user);
		return -1;
	}
	return 0;
}

/*
 * Empty the capability bounding set while CAP_SETPCAP is still there (as
 * root, or in our own user namespace): no later execve could bring a
 * capability back, whatever it runs.  Without CAP_SETPCAP (a caller that
 * never had it) it stays as it was: there is nothing to give up.
 */
static void drop_bounding_set(void)
{
	int c;

	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL)
			break;
}

/*
 * A user namespace for a non-root invoker: it holds the capabilities the
 * pid, mount and network namespaces need, only over what it owns.  The
 * invoker's uid and gid are mapped to themselves (as bwrap maps them): the
 * same ids inside and outside, no uid 0 inside.  setgroups is denied
 * first, as an unprivileged gid_map requires (user_namespaces(7)); the
 * supplementary groups the invoker had stay with it, unmapped.
 *
 * Where the kernel refuses unprivileged user namespaces (Debian's
 * kernel.unprivileged_userns_clone=0, user.max_user_namespaces=0, a
 * seccomp filter of a container), the sandbox refuses too, as bwrap and
 * nsjail do, and says which layer is missing: running without the
 * namespaces is the caller's explicit choice (--no-namespaces: Landlock,
 * no_new_privs and the host filter only).
 */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int userns_enter(uid_t uid, gid_t gid)
{
	char map[64];

	if (unshare(CLONE_NEWUSER)) {
		fprintf(stderr, "%s: no user namespace for a non-root caller (%s: kernel.unprivileged_userns_clone or user.max_user_namespaces?): without it no pid, mount or network namespace; pass --no-namespaces to run with Landlock, no_new_privs and the host filter only\n",
			progname, strerror(errno));
		return -1;
	}
	if (write_file("/proc/self/setgroups", "deny"))
		return say_errno("/proc/self/setgroups");
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	if (write_file("/proc/self/uid_map", map))
		return say_errno("/proc/self/uid_map");
	snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
	if (write_file("/proc/self/gid_map", map))
		return say_errno("/proc/self/gid_map");
	return 0;
}

/* setgroups, setresgid, setresuid - and check that none can be undone. */
static int drop_ids(uid_t uid, gid_t gid)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct cap[2];

	drop_bounding_set();
	if (geteuid() == 0 && setgroups(0, NULL)) {
		fprintf(stderr, "%s: setgroups: %s\n", progname, strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
		fprintf(stderr, "%s: cannot become uid %u gid %u: %s\n", progname, uid, gid,
			strerror(errno));
		return -1;
	}
	/*
	 * Root's drop to another uid cleared the capabilities already; in a
	 * user namespace whose uid 0 is not mapped nothing did
	 * (security/commoncap.c cap_emulate_setxuid looks for uid 0).
	 */
	memset(cap, 0, sizeof(cap));
	if (syscall(SYS_capset, &hdr, cap)) {
		fprintf(stderr, "%s: capset: %s\n", progname, strerror(errno));
		return -1;
	}
	if (getresuid(&r, &e, &s) || r != uid || e != uid || s != uid ||
	    getresgid(&rg, &eg, &sg) || rg != gid || eg != gid || sg != gid) {
		fprintf(stderr, "%s: the credentials did not change\n", progname);
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		fprintf(stderr, "%s: uid 0 could be regained: refusing to run\n", progname);
		return -1;
	}
	if (gid != 0 && (setgid(0) == 0 || setegid(0) == 0)) {
		fprintf(stderr, "%s: gid 0 could be regained: refusing to run\n", progname);
		return -1;
	}
	if (syscall(SYS_capget, &hdr, cap) || cap[0].effective || cap[0].permitted ||
	    cap[1].effective || cap[1].permitted) {
		fprintf(stderr, "%s: capabilities remain after the drop: refusing to run\n", progname);
		return -1;
	}
	return 0;
}

/*
 * /dev/dune, opened with the credentials the caller came with, before any
 * namespace or drop (dune_open_device: dune_init() uses this descriptor).
 * A caller who may not open it gets one line saying why and what to do.
 */
int confine_open_device(void)
{
	struct stat st;
	struct group *g;
	int fd = dune_open_device();

	if (fd >= 0) {
		confine.dev_fd = fd;
		return 0;
	}
	if (fd == -ENOENT || fd == -ENODEV || fd == -ENXIO) {
		fprintf(stderr, "%s: /dev/dune: %s: is dune.ko loaded?\n", progname, strerror(-fd));
		return -1;
	}
	if ((fd == -EACCES || fd == -EPERM) && !stat("/dev/dune", &st)) {
		g = getgrgid(st.st_gid);
		if (g)
			fprintf(stderr, "%s: /dev/dune: %s: it is mode %04o, group %s; members of that group may use it (docs/sandbox.md, \"Running as non-root\")\n",
				progname, strerror(-fd), st.st_mode & 07777, g->gr_name);
		else
			fprintf(stderr, "%s: /dev/dune: %s: it is mode %04o, group %u; members of that group may use it (docs/sandbox.md, \"Running as non-root\")\n",
				progname, strerror(-fd), st.st_mode & 07777, st.st_gid);
		return -1;
	}
	fprintf(stderr, "%s: /dev/dune: %s\n", progname, strerror(-fd));
	return -1;
}

/* Make the process that ends like @st: the same exit code or signal. */
static void __attribute__((noreturn)) end_like(int st)
{
	struct rlimit no_core = { 0, 0 };
	int sig;

	if (WIFEXITED(st))
		_exit(WEXITSTATUS(st));
	sig = WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL;
	setrlimit(RLIMIT_CORE, &no_core);	/* the program's core, if any, was its own */
	signal(sig, SIG_DFL);
	{
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
	}
	kill(getpid(), sig);
	_exit(128 + sig);
}

/*
 * pid 1 of the sandbox's namespace: it reaps the orphans the program
 * leaves, and ends when the sandbox (pid 2) does, with its status in
 * @status (the kernel then kills whatever is left in the namespace).
 */
static void __attribute__((noreturn)) run_init(pid_t sandbox, volatile int *status)
{
	int st;
	pid_t p;

	for (;;) {
		p = wait(&st);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0) {
			*status = W_EXITCODE(EXIT_SANDBOX, 0);
			_exit(0);
		}
		if (p == sandbox) {
			*status = st;
			_exit(0);
		}
	}
}

int confine_pidns(void)
{
	volatile int *status;
	uid_t uid;
	gid_t gid;
	pid_t init, sandbox;
	int st;

	if (target_ids(&uid, &gid))
		return -1;
	confine.uid = uid;
	confine.gid = gid;
	if (confine.no_namespaces)
		return 0;
	if (geteuid() != 0 && userns_enter(uid, gid))
		return -1;
	status = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (status == MAP_FAILED)
		return -1;
	*status = W_EXITCODE(EXIT_SANDBOX, 0);
	if (unshare(CLONE_NEWPID | CLONE_NEWIPC)) {
		fprintf(stderr, "%s: cannot make a pid namespace: %s (pass --no-namespaces to run without)\n",
			progname, strerror(errno));
		return -1;
	}
	fflush(NULL);
	init = fork();
	if (init < 0)
		return -1;
	if (init > 0) {
		/*
		 * The caller's process, outside: it only waits.  ^C and ^\
		 * reach the program directly (same process group); if this
		 * one is killed, init follows (PDEATHSIG), and with it the
		 * namespace.
		 */
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		if (confine.dev_fd >= 0)
			close(confine.dev_fd);	/* the device is the sandbox's only */
		if (drop_ids(uid, gid) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
			kill(init, SIGKILL);
			_exit(EXIT_SANDBOX);
		}
		while (waitpid(init, &st, 0) < 0)
			if (errno != EINTR)
				_exit(EXIT_SANDBOX);
		end_like(WIFEXITED(st) ? *status : st);
	}
	/* pid 1 */
	sandbox = fork();
	if (sandbox < 0)
		_exit(EXIT_SANDBOX);
	if (sandbox > 0) {
		/*
		 * After the drop: a change of credentials clears the parent-death
		 * signal.  ^C and ^\ are the program's to handle; for init they
		 * would end the whole namespace.
		 */
		if (confine.dev_fd >= 0)
			close(confine.dev_fd);
		if (drop_ids(uid, gid) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
			_exit(EXIT_SANDBOX);
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		run_init(sandbox, status);
	}
	/* pid 2: the sandbox (init's end ends it: the kernel kills the namespace) */
	confine.in_pidns = true;
	munmap((void *)status, PAGE_SIZE);
	return 0;
}

/* Landlock and setresuid act on the calling thread: there must be no other. */
static int threads(void)
{
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");
	int n = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

int confine_drop(void)
{
	if (threads() != 1) {
		fprintf(stderr, "%s: the supervisor must be one thread when it drops its privileges\n",
			progname);
		return -1;
	}
	if (drop_ids(confine.uid, confine.gid))
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		fprintf(stderr, "%s: PR_SET_NO_NEW_PRIVS: %s\n", progname, strerror(errno));
		return -1;
	}
	if (landlock_apply())
		return -1;
	if (hostfilter_install())
		return -1;
	if (verbose)
		fprintf(stderr, "%s: running as uid %u gid %u, no_new_privs, host seccomp filter on\n",
			progname, confine.uid, confine.gid);
	return 0;
}
