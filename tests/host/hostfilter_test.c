// SPDX-License-Identifier: GPL-2.0
/*
 * hostfilter_test - the supervisor's host seccomp filter (hostfilter.c),
 * natively on the host: no VMX, no Dune mode.
 *
 * The filter is installed as a binary search on the call number
 * (HOSTFILTER_TREE); HOSTFILTER_LIST lays the same verdicts out as one
 * comparison per call in a row, the layout the filter had before the
 * search.  Here:
 *   - both programs are checked as the kernel checks a filter (jumps
 *     forward and inside the program, a return at the end, only the
 *     instructions seccomp accepts: kernel/seccomp.c seccomp_check_filter());
 *   - a classic-BPF interpreter runs both on every number 0..MAX_SYSCALLS+64,
 *     the x32 and out-of-range ones, three architectures, and for every
 *     number whose verdict reads an argument, the arguments that matter
 *     (every constant either program compares with, its neighbours, its
 *     high bits set) one and two at a time and at random: the verdicts
 *     must be the same, and so must the numbers the kernel answers without
 *     running the filter (those whose verdict reads no argument: its cache,
 *     kernel/seccomp.c seccomp_is_const_allow());
 *   - the search must stay short: the path to the DUNE_RUN ioctl's verdict
 *     (one per forwarded call) and the longest path to any verdict;
 *   - the installed filter, in a child, against the running kernel: what
 *     it allows reaches the kernel, what it refuses gets its errno, a
 *     killed call and an x32 number end the child with SIGSYS.
 * For the policies the sandbox ships, and the two extremes (nothing
 * forwarded; everything, with and without network).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "sandbox.h"

#include "kselftest_harness.h"

const char *progname = "hostfilter_test";

#define X32_SYSCALL_BIT		0x40000000U
#define DUNE_RUN_LIKE		0xE901U		/* any command of type DUNE_IOC_TYPE */
#define MAX_CONSTS		2048
#define RANDOM_VECTORS		400
#define BAD			0xdeadU		/* the interpreter's "not a valid program" */

/* ---- the policies ---- */

static const char *const policy_names[] = {
	"nothing forwarded", "default allow", "default allow, network on",
	"shell.policy", "strict.policy", "a random half",
};
#define NFIXED		5
#define NPOLICIES	(NFIXED + 16)
#define POLICY_NAME(i)	policy_names[(i) < NFIXED ? (i) : NFIXED]

static const char *const nothing_forwarded[] = { "default deny ENOSYS", NULL };
static const char *const everything[] = { "default allow", NULL };
static const char *const everything_net[] = { "default allow", "network on", NULL };

/*
 * A policy allowing a random half of the calls the sandbox can carry out,
 * network on or off: runs of every length of allowed, refused and
 * argument-checked numbers for the search to merge and split.
 */
static int random_policy(int which)
{
	uint64_t s = 0x2545f4914f6cdd1dULL * (uint64_t)(which + 1);
	char line[64], buf[32];
	long nr;

	if (policy_line(&policy, "default deny ENOSYS", "(random)", 1))
		return -1;
	for (nr = 0; nr < MAX_SYSCALLS; nr++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		if (!(s & 1) || !sys_desc(nr) || systab_refusal(nr))
			continue;
		snprintf(line, sizeof(line), "allow %s", sys_name(nr, buf, sizeof(buf)));
		if (policy_line(&policy, line, "(random)", 2))
			return -1;
	}
	return policy_line(&policy, s & 2 ? "network on" : "network off", "(random)", 3);
}

static int load_policy(int which)
{
	const char *const *lines = NULL;
	const char *file = NULL;
	int i;

	policy_defaults(&policy);
	if (which >= NFIXED)
		return random_policy(which);
	switch (which) {
	case 0: lines = nothing_forwarded; break;
	case 1: lines = everything; break;
	case 2: lines = everything_net; break;
	case 3: file = POLICY_DIR "/shell.policy"; break;
	case 4: file = POLICY_DIR "/strict.policy"; break;
	default: return -1;
	}
	if (file)
		return policy_file(&policy, file);
	for (i = 0; lines[i]; i++)
		if (policy_line(&policy, lines[i], "(test)", i + 1))
			return -1;
	return 0;
}

/* ---- the kernel's checks, and an interpreter ---- */

/* What seccomp_check_filter() and bpf_check_classic() would refuse, or NULL. */
static const char *check_bpf(const struct sock_filter *p, unsigned int len)
{
	unsigned int pc;

	if (len == 0 || len > BPF_MAXINSNS)
		return "length";
	if (p[len - 1].code != (BPF_RET | BPF_K))
		return "no return at the end";
	for (pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &p[pc];

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k & 3 || f->k >= sizeof(struct seccomp_data))
				return "load outside seccomp_data";
			break;
		case BPF_ALU | BPF_AND | BPF_K:
		case BPF_RET | BPF_K:
			break;
		case BPF_JMP | BPF_JA:
			if (f->k >= len - pc - 1)
				return "BPF_JA out of the program";
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_K:
			if (pc + 1 + f->jt >= len || pc + 1 + f->jf >= len)
				return "conditional jump out of the program";
			break;
		default:
			return "an instruction this interpreter does not know";
		}
	}
	return NULL;
}

struct outcome {
	uint32_t ret;
	unsigned int steps;	/* instructions run */
	bool read_args;		/* loaded an argument: the kernel's cache cannot answer */
};

static struct outcome run(const struct sock_filter *p, unsigned int len,
			  const struct seccomp_data *d)
{
	struct outcome o = { BAD, 0, false };
	unsigned int pc = 0;
	uint32_t a = 0, w;

	while (pc < len) {
		const struct sock_filter *f = &p[pc++];

		o.steps++;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			memcpy(&w, (const char *)d + f->k, sizeof(w));
			a = w;
			if (f->k >= offsetof(struct seccomp_data, args))
				o.read_args = true;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			break;
		case BPF_RET | BPF_K:
			o.ret = f->k;
			return o;
		case BPF_JMP | BPF_JA:
			pc += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += a & f->k ? f->jt : f->jf;
			break;
		default:
			return o;
		}
	}
	return o;
}

/* ---- the two layouts of one policy ---- */

struct pair {
	struct sock_filter list[BPF_MAXINSNS], tree[BPF_MAXINSNS];
	unsigned int nlist, ntree;
	uint64_t consts[MAX_CONSTS];
	unsigned int nconsts;
};

static void add_const(struct pair *p, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < p->nconsts; i++)
		if (p->consts[i] == v)
			return;
	if (p->nconsts < MAX_CONSTS)
		p->consts[p->nconsts++] = v;
}

/* every constant compared with, its neighbours, with high bits, the usual edges */
static void collect(struct pair *p, const struct sock_filter *f, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		uint32_t k = f[i].k;

		if (BPF_CLASS(f[i].code) != BPF_JMP && BPF_CLASS(f[i].code) != BPF_ALU)
			continue;
		add_const(p, k);
		add_const(p, (uint32_t)(k + 1));
		add_const(p, (uint32_t)(k - 1));
		add_const(p, k | 0xff);
		add_const(p, k & ~0xffU);
		add_const(p, k | 0xffffffff00000000ULL);
		add_const(p, (uint64_t)~k);
	}
}

static int build_pair(struct pair *p, int which)
{
	static const uint64_t edges[] = {
		0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL, ~0ULL,
	};
	struct sock_fprog f;
	unsigned int i;

	if (load_policy(which))
		return -1;
	if (hostfilter_build(&f, HOSTFILTER_LIST))
		return -1;
	memcpy(p->list, f.filter, f.len * sizeof(f.filter[0]));
	p->nlist = f.len;
	if (hostfilter_build(&f, HOSTFILTER_TREE))
		return -1;
	memcpy(p->tree, f.filter, f.len * sizeof(f.filter[0]));
	p->ntree = f.len;
	p->nconsts = 0;
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		add_const(p, edges[i]);
	collect(p, p->list, p->nlist);
	collect(p, p->tree, p->ntree);
	return 0;
}

/* The numbers: 0..MAX_SYSCALLS+64, then the x32 ones and the edges. */
static const uint32_t extra_nrs[] = {
	0x3fffffff, X32_SYSCALL_BIT, X32_SYSCALL_BIT + 1, X32_SYSCALL_BIT + SYS_ioctl,
	X32_SYSCALL_BIT + SYS_getpid, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
};
#define NNRS	(MAX_SYSCALLS + 65 + sizeof(extra_nrs) / sizeof(extra_nrs[0]))

static uint32_t nr_at(unsigned int i)
{
	return i <= MAX_SYSCALLS + 64 ? i : extra_nrs[i - MAX_SYSCALLS - 65];
}

static const uint32_t arches[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, 0 };

struct tally {
	unsigned long compared, differ, cache_differ;
	char first[256], first_cache[256];
};

static void compare(struct pair *p, const struct seccomp_data *d, struct tally *t)
{
	struct outcome l = run(p->list, p->nlist, d), r = run(p->tree, p->ntree, d);

	t->compared++;
	if (l.ret != r.ret || l.ret == BAD) {
		if (!t->differ++)
			snprintf(t->first, sizeof(t->first),
				 "nr %u arch %#x args %#llx %#llx %#llx: list %#x, tree %#x",
				 d->nr, d->arch, (unsigned long long)d->args[0],
				 (unsigned long long)d->args[1], (unsigned long long)d->args[2],
				 l.ret, r.ret);
	}
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void compare_all(struct pair *p, struct tally *t)
{
	unsigned int a, i, j, x, y, k;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	memset(t, 0, sizeof(*t));
	for (a = 0; a < sizeof(arches) / sizeof(arches[0]); a++) {
		for (i = 0; i < NNRS; i++) {
			struct seccomp_data d = { .nr = (int)nr_at(i), .arch = arches[a] };
			struct outcome l = run(p->list, p->nlist, &d);
			struct outcome r = run(p->tree, p->ntree, &d);

			compare(p, &d, t);
			if (l.read_args != r.read_args && !t->cache_differ++)
				snprintf(t->first_cache, sizeof(t->first_cache),
					 "nr %u arch %#x: list %s an argument, tree %s",
					 d.nr, d.arch, l.read_args ? "reads" : "reads no",
					 r.read_args ? "reads" : "reads none");
			/*
			 * Neither read an argument: their paths, so their
			 * verdicts, do not depend on the arguments.
			 */
			if (!l.read_args && !r.read_args)
				continue;
			/* one argument at a time, then two of the first three */
			for (x = 0; x < 6; x++)
				for (k = 0; k < p->nconsts; k++) {
					memset(d.args, 0, sizeof(d.args));
					d.args[x] = p->consts[k];
					compare(p, &d, t);
				}
			for (x = 0; x < 3; x++)
				for (y = 0; y < 3; y++) {
					if (x == y)
						continue;
					for (k = 0; k < p->nconsts; k++)
						for (j = 0; j < 8; j++) {
							memset(d.args, 0, sizeof(d.args));
							d.args[x] = p->consts[j];
							d.args[y] = p->consts[k];
							compare(p, &d, t);
						}
				}
			for (j = 0; j < RANDOM_VECTORS; j++) {
				for (x = 0; x < 6; x++)
					d.args[x] = p->consts[rnd(&seed) % p->nconsts] ^
						    (rnd(&seed) & 0xffffffff00000000ULL);
				compare(p, &d, t);
			}
		}
	}
}

static struct pair pair;

TEST(verdicts_identical)
{
	struct tally t;
	int which;

	for (which = 0; which < NPOLICIES; which++) {
		const char *why;

		ASSERT_EQ(0, build_pair(&pair, which)) TH_LOG("%s", POLICY_NAME(which));
		why = check_bpf(pair.list, pair.nlist);
		EXPECT_EQ(NULL, why) TH_LOG("%s: list: %s", POLICY_NAME(which), why);
		why = check_bpf(pair.tree, pair.ntree);
		EXPECT_EQ(NULL, why) TH_LOG("%s: tree: %s", POLICY_NAME(which), why);
		compare_all(&pair, &t);
		EXPECT_EQ(0, t.differ) TH_LOG("%s: %lu of %lu differ; first: %s",
					      POLICY_NAME(which), t.differ, t.compared, t.first);
		EXPECT_EQ(0, t.cache_differ) TH_LOG("%s: %s", POLICY_NAME(which), t.first_cache);
		ksft_print_msg("%s: %lu evaluations, identical: %lu; %u instructions (list), %u (tree)\n",
			       POLICY_NAME(which), t.compared, t.compared - t.differ,
			       pair.nlist, pair.ntree);
		fflush(stdout);
	}
}

/* the instructions run to the verdict for (@nr, arg0, arg1) on x86-64 */
static unsigned int steps(const struct sock_filter *f, unsigned int len, uint32_t nr,
			  uint64_t a0, uint64_t a1)
{
	struct seccomp_data d = { .nr = (int)nr, .arch = AUDIT_ARCH_X86_64,
				  .args = { a0, a1 } };

	return run(f, len, &d).steps;
}

/*
 * The cost bounds: the DUNE_RUN ioctl, and the longest path to any
 * verdict: about two comparisons per level of a search over at most
 * MAX_SYSCALLS ranges, the prologue and the longest argument block (the
 * terminal ioctls, about 30).  The list layout needed 67 for the ioctl
 * and up to 247 for the last calls; the search 9 and 22 to 24.
 */
#define MAX_STEPS_DUNE_IOCTL	12
#define MAX_STEPS_ANY		60

TEST(search_is_short)
{
	int which;

	for (which = 0; which < NPOLICIES; which++) {
		unsigned int i, worst = 0, worst_list = 0, worst_nr = 0;

		ASSERT_EQ(0, build_pair(&pair, which));
		for (i = 0; i < NNRS; i++) {
			unsigned int s = steps(pair.tree, pair.ntree, nr_at(i), 0, 0);
			unsigned int sl = steps(pair.list, pair.nlist, nr_at(i), 0, 0);

			if (s > worst) {
				worst = s;
				worst_nr = nr_at(i);
			}
			if (sl > worst_list)
				worst_list = sl;
		}
		EXPECT_GE(MAX_STEPS_DUNE_IOCTL,
			  steps(pair.tree, pair.ntree, SYS_ioctl, 3, DUNE_RUN_LIKE));
		EXPECT_GE(MAX_STEPS_ANY, worst) TH_LOG("%s: nr %u", POLICY_NAME(which), worst_nr);
		if (which >= NFIXED)
			continue;
		ksft_print_msg("%s: instructions to the verdict, list -> tree: ioctl(DUNE_RUN) %u -> %u, getpid %u -> %u, clone %u -> %u, longest %u -> %u\n",
			       POLICY_NAME(which),
			       steps(pair.list, pair.nlist, SYS_ioctl, 3, DUNE_RUN_LIKE),
			       steps(pair.tree, pair.ntree, SYS_ioctl, 3, DUNE_RUN_LIKE),
			       steps(pair.list, pair.nlist, SYS_getpid, 0, 0),
			       steps(pair.tree, pair.ntree, SYS_getpid, 0, 0),
			       steps(pair.list, pair.nlist, SYS_clone, 0x11, 0),
			       steps(pair.tree, pair.ntree, SYS_clone, 0x11, 0),
			       worst_list, worst);
		fflush(stdout);
	}
}

/* ---- the installed filter against the running kernel ---- */

enum probe_fail { P_OK, P_INSTALL = 10, P_GETPID, P_IOCTL_ALLOWED, P_IOCTL_REFUSED,
		  P_ENOSYS, P_KILL_ALL, P_CLONE_NS, P_SURVIVED };

static int probe_child(bool x32)
{
	long r;

	if (load_policy(3) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || hostfilter_install())
		return P_INSTALL;
	if (syscall(SYS_getpid) != getpid())
		return P_GETPID;
	/* allowed: reaches the kernel, which refuses the descriptor */
	r = syscall(SYS_ioctl, -1, TCGETS, 0);
	if (r != -1 || errno != EBADF)
		return P_IOCTL_ALLOWED;
	/* refused by the filter before the kernel looks at the descriptor */
	r = syscall(SYS_ioctl, -1, 0x1234, 0);
	if (r != -1 || errno != ENOTTY)
		return P_IOCTL_REFUSED;
	/* not forwarded: ENOSYS from the filter (the kernel: EINVAL for size 0) */
	r = syscall(SYS_clone3, NULL, 0);
	if (r != -1 || errno != ENOSYS)
		return P_ENOSYS;
	r = syscall(SYS_kill, -1, 0);
	if (r != -1 || errno != EPERM)
		return P_KILL_ALL;
	r = syscall(SYS_clone, CLONE_NEWUSER, 0, 0, 0, 0);
	if (r == 0)	/* a child: the filter let it through */
		_exit(P_CLONE_NS);
	if (r != -1 || errno != EPERM)
		return P_CLONE_NS;
	if (x32)
		syscall(X32_SYSCALL_BIT | SYS_getpid);
	else
		syscall(SYS_kcmp, 0, 0, 0, 0, 0);
	return P_SURVIVED;
}

static int probe(bool x32)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(probe_child(x32));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

TEST(installed_filter_on_this_kernel)
{
	int status = probe(false);

	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("the child ended with %d (enum probe_fail)",
						WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	EXPECT_EQ(SIGSYS, WTERMSIG(status));
	status = probe(true);
	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("x32: the child ended with %d (enum probe_fail)",
						WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	EXPECT_EQ(SIGSYS, WTERMSIG(status));
}

TEST_HARNESS_MAIN
