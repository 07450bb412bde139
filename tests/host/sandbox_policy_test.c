// SPDX-License-Identifier: GPL-2.0
/*
 * sandbox_policy_test - dune-sandbox's policy language and its OCI/Docker
 * seccomp-profile import, natively on the host: no VMX, no Dune mode.
 *
 * Compiles the sandbox's own policy.c, sysnames.c, groups.c, json.c and
 * seccomp.c (the Makefile links them in) with a stand-in for the one thing
 * of the rest they ask: systab_refusal(), which calls the sandbox cannot
 * carry out.  Then asks policy_rule() - the function decide.c asks for
 * every call - what it decides for given arguments, as the program would
 * pass them.  The command-line side (options, messages, exit statuses) is
 * tests/host/sandbox_cli_test.sh.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "sandbox.h"
#include "json.h"

#include "kselftest_harness.h"

/* ---- what the rest of the sandbox would provide ---- */
const char *progname = "sandbox_policy_test";
int verbose;
struct confine confine;

int systab_refusal(long nr)
{
	switch (nr) {
	case SYS_mount: case SYS_ptrace: return EPERM;	/* systab.c's N() rows */
	case SYS_timerfd_create: case SYS_inotify_init1: return ENOSYS;	/* no row */
	}
	return 0;
}

static jmp_buf killed;
static int kill_sig;
void kill_program(const char *why, int sig)
{
	(void)why;
	kill_sig = sig;
	longjmp(killed, 1);
}

void trace_call(long nr, const uint64_t args[6], long ret)
{
	(void)nr; (void)args; (void)ret;
}

/* ---- helpers ---- */

static void reset(void)
{
	policy_defaults(&policy);
}

static int line(const char *text)
{
	return policy_line(&policy, text, "(test)", 1);
}

/* The rule for @nr with argument 0 = @a0, argument 1 = @a1. */
static struct rule rule2(long nr, uint64_t a0, uint64_t a1)
{
	uint64_t a[6] = { a0, a1, 0, 0, 0, 0 };

	return policy_rule(nr, a);
}

static struct rule rule(long nr, uint64_t a0)
{
	return rule2(nr, a0, 0);
}

static char tmpdir[] = "/tmp/sandbox_policy_test.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[4][256];
	static int next;
	char *p = path[next++ % 4];
	FILE *f;

	snprintf(p, 256, "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	return p;
}

/* stderr of @fn into @buf, for the messages. */
#define CAPTURE(buf, expr) ({						\
	int _fd = dup(2), _ret;						\
	FILE *_f = tmpfile();						\
	size_t _n;							\
	fflush(stderr);							\
	dup2(fileno(_f), 2);						\
	_ret = (expr);							\
	fflush(stderr);							\
	dup2(_fd, 2);							\
	close(_fd);							\
	rewind(_f);							\
	_n = fread(buf, 1, sizeof(buf) - 1, _f);			\
	buf[_n] = 0;							\
	fclose(_f);							\
	_ret;								\
})

/* ---- names ---- */

TEST(every_unistd_name_is_known)
{
	/* spot checks across the table, old and new calls */
	EXPECT_EQ(0, syscall_nr("read"));
	EXPECT_EQ(SYS_clone3, syscall_nr("clone3"));
	EXPECT_EQ(SYS_io_uring_setup, syscall_nr("io_uring_setup"));
	EXPECT_EQ(SYS_landlock_restrict_self, syscall_nr("landlock_restrict_self"));
	EXPECT_EQ(SYS_futex_waitv, syscall_nr("futex_waitv"));
	EXPECT_STREQ("process_madvise", sysname(SYS_process_madvise));
	EXPECT_EQ(-1, syscall_nr("fstat64"));		/* i386 only */
	EXPECT_EQ(-1, syscall_nr("frobnicate"));
}

TEST(typo_suggestions)
{
	EXPECT_STREQ("open", sysname_suggest("opne"));
	EXPECT_STREQ("getpid", sysname_suggest("getpdi"));
	EXPECT_STREQ("execve", sysname_suggest("exceve"));
	EXPECT_STREQ("newfstatat", sysname_suggest("newfstatt"));
	EXPECT_EQ(NULL, sysname_suggest("frobnicate"));
	EXPECT_EQ(NULL, sysname_suggest("ab"));
}

TEST(typo_message_and_unsupported_warning)
{
	char buf[1024];

	reset();
	EXPECT_EQ(-1, CAPTURE(buf, line("allow read opne")));
	EXPECT_NE(NULL, strstr(buf, "unknown system call 'opne'"));
	EXPECT_NE(NULL, strstr(buf, "did you mean 'open'?"));
	/* a real call the sandbox cannot carry out: loads, with a warning */
	EXPECT_EQ(0, CAPTURE(buf, line("allow mount timerfd_create")));
	EXPECT_NE(NULL, strstr(buf, "mount is not supported by the sandbox: it fails with EPERM"));
	EXPECT_NE(NULL, strstr(buf, "timerfd_create is not supported by the sandbox: it fails with ENOSYS"));
	/* deny of such a call: no warning (it does what it says) */
	EXPECT_EQ(0, CAPTURE(buf, line("deny EACCES timerfd_create")));
	EXPECT_STREQ("", buf);
}

/* ---- groups ---- */

TEST(groups_expand_to_known_calls)
{
	const char *bad = NULL;

	ASSERT_EQ(0, group_check(&bad)) TH_LOG("group %s", bad);
}

TEST(group_rules)
{
	reset();
	ASSERT_EQ(0, line("allow @basic-io @file-system"));
	EXPECT_EQ(ACT_ALLOW, rule(SYS_read, 0).act);
	EXPECT_EQ(ACT_ALLOW, rule(SYS_openat, 0).act);
	EXPECT_EQ(ACT_DENY, rule(SYS_socket, 0).act);		/* the default */
	EXPECT_EQ(ENOSYS, rule(SYS_socket, 0).err);
	ASSERT_EQ(0, line("deny EACCES @network-io"));
	EXPECT_EQ(EACCES, rule(SYS_socket, 0).err);
	/* nested: @system-service holds @default's getpid */
	ASSERT_EQ(0, line("kill @system-service"));
	EXPECT_EQ(ACT_KILL, rule(SYS_getpid, 0).act);
	EXPECT_EQ(-1, line("allow @nonsense"));
}

/* ---- conditions ---- */

TEST(conditions_and_precedence)
{
	reset();
	ASSERT_EQ(0, line("default deny EPERM"));
	ASSERT_EQ(0, line("allow clone if arg0 & 0x7e020000 == 0"));
	EXPECT_EQ(ACT_ALLOW, rule(SYS_clone, 0x11 /* SIGCHLD */).act);
	EXPECT_EQ(ACT_DENY, rule(SYS_clone, 0x10000000 /* CLONE_NEWUSER */).act);
	/* several hold: the strictest */
	ASSERT_EQ(0, line("deny EACCES clone if arg0 == 17"));
	EXPECT_EQ(EACCES, rule(SYS_clone, 17).err);
	EXPECT_EQ(ACT_ALLOW, rule(SYS_clone, 0x100).act);
	/* unsigned 64-bit, as seccomp */
	ASSERT_EQ(0, line("allow personality if arg0 == 4294967295"));
	EXPECT_EQ(ACT_ALLOW, rule(SYS_personality, 0xffffffffULL).act);
	EXPECT_EQ(ACT_DENY, rule(SYS_personality, (uint64_t)-1).act);
	ASSERT_EQ(0, line("allow kill if arg0 > 1 and arg1 <= 15"));
	EXPECT_EQ(ACT_ALLOW, rule2(SYS_kill, 2, 15).act);
	EXPECT_EQ(ACT_DENY, rule2(SYS_kill, 2, 16).act);
	EXPECT_EQ(ACT_DENY, rule2(SYS_kill, 1, 9).act);
	/* a later unconditional rule replaces the conditional ones */
	ASSERT_EQ(0, line("deny ENOSYS clone"));
	EXPECT_EQ(ENOSYS, rule(SYS_clone, 0x11).err);
	/* numbers for errno */
	ASSERT_EQ(0, line("deny 38 getpid"));
	EXPECT_EQ(ENOSYS, rule(SYS_getpid, 0).err);
	/* bad conditions */
	EXPECT_EQ(-1, line("allow clone if arg6 == 1"));
	EXPECT_EQ(-1, line("allow clone if arg0 = 1"));
	EXPECT_EQ(-1, line("allow clone if arg0 == x"));
	EXPECT_EQ(-1, line("allow clone if arg0 == 1 arg1 == 2"));
	EXPECT_EQ(-1, line("allow clone if"));
	EXPECT_EQ(-1, line("emulate getpid if arg0 == 1"));
	EXPECT_EQ(-1, line("deny 4096 getpid"));
}

TEST(calls_without_a_table_row_obey_deny_and_kill)
{
	uint64_t a[6] = { 0 };

	reset();
	ASSERT_EQ(0, line("default deny EPERM"));
	EXPECT_EQ(-EPERM, policy_no_entry(SYS_timerfd_create, a));
	ASSERT_EQ(0, line("allow timerfd_create"));
	EXPECT_EQ(-ENOSYS, policy_no_entry(SYS_timerfd_create, a));
	ASSERT_EQ(0, line("deny EACCES timerfd_create"));
	EXPECT_EQ(-EACCES, policy_no_entry(SYS_timerfd_create, a));
	ASSERT_EQ(0, line("kill timerfd_create"));
	kill_sig = 0;
	if (!setjmp(killed))
		policy_no_entry(SYS_timerfd_create, a);
	EXPECT_EQ(SIGSYS, kill_sig);
}

/* ---- files, include ---- */

TEST(policy_files_and_include)
{
	char buf[1024];
	const char *top;

	ASSERT_NE(NULL, mkdtemp(tmpdir));
	ASSERT_EQ(0, mkdir(strcat(strcpy(buf, tmpdir), "/sub"), 0755));
	write_file("sub/net.policy", "deny EACCES @network-io\n");
	write_file("sub/mid.policy", "include net.policy\nallow read\n");
	top = write_file("top.policy", "default kill\ninclude sub/mid.policy\n");
	reset();
	ASSERT_EQ(0, policy_file(&policy, top));
	EXPECT_EQ(ACT_KILL, policy.def.act);
	EXPECT_EQ(ACT_ALLOW, rule(SYS_read, 0).act);
	EXPECT_EQ(EACCES, rule(SYS_connect, 0).err);

	/* a directory, a missing file: errors, not empty policies */
	reset();
	EXPECT_EQ(-1, CAPTURE(buf, policy_file(&policy, tmpdir)));
	EXPECT_NE(NULL, strstr(buf, "is a directory"));
	EXPECT_EQ(-1, CAPTURE(buf, policy_file(&policy, "/nonexistent.policy")));
	EXPECT_NE(NULL, strstr(buf, "No such file"));

	/* cycles */
	write_file("a.policy", "include b.policy\n");
	top = write_file("b.policy", "allow read\ninclude a.policy\n");
	EXPECT_EQ(-1, CAPTURE(buf, policy_file(&policy, top)));
	EXPECT_NE(NULL, strstr(buf, "include cycle"));
	top = write_file("self.policy", "include self.policy\n");
	EXPECT_EQ(-1, CAPTURE(buf, policy_file(&policy, top)));
	EXPECT_NE(NULL, strstr(buf, "include cycle"));

	/* depth: d0 -> d1 -> ... -> d9 */
	for (int i = 0; i < 10; i++) {
		char name[32], text[64];

		snprintf(name, sizeof(name), "d%d.policy", i);
		snprintf(text, sizeof(text), "include d%d.policy\n", i + 1);
		write_file(name, i == 9 ? "allow read\n" : text);
	}
	snprintf(buf, sizeof(buf), "%s/d0.policy", tmpdir);
	{
		char err[1024];

		EXPECT_EQ(-1, CAPTURE(err, policy_file(&policy, buf)));
		EXPECT_NE(NULL, strstr(err, "more than 8 files deep"));
	}
	snprintf(buf, sizeof(buf), "%s/d3.policy", tmpdir);
	EXPECT_EQ(0, policy_file(&policy, buf));
}

/* ---- --print-policy reads back as itself ---- */

static char *printed(void)
{
	static char out[65536];
	FILE *f = fmemopen(out, sizeof(out), "w");

	policy_print(f, &policy);
	fclose(f);
	return out;
}

/* What happens to call @nr with @a: the rule, an allowed call the sandbox cannot carry out as the errno it gets. */
static struct rule outcome(long nr, const uint64_t a[6])
{
	struct rule r = policy_rule(nr, a);

	if (r.act == ACT_ALLOW && systab_refusal(nr)) {
		r.act = ACT_DENY;
		r.err = systab_refusal(nr);
	}
	return r;
}

static void load_text(struct __test_metadata *_metadata, char *text)
{
	char *p, *save = NULL;
	int n = 0;

	reset();
	for (p = strtok_r(text, "\n", &save); p; p = strtok_r(NULL, "\n", &save), n++)
		ASSERT_EQ(0, line(p)) TH_LOG("printed line %d", n);
}

/*
 * --print-policy's text, read back, is the same policy: the same outcome
 * for every call and argument; and printing that again gives the same text.
 */
TEST(print_policy_round_trip)
{
	static char first[65536], second[65536], third[65536];
	static struct rule before[MAX_SYSCALLS][3];
	static const uint64_t args[3][6] = { { 0 }, { 0x10000011, 0 }, { 17, 1 } };
	int nr, k;

	reset();
	ASSERT_EQ(0, line("default deny EPERM"));
	ASSERT_EQ(0, line("allow @basic-io @file-system"));
	ASSERT_EQ(0, line("deny EACCES socket connect"));
	ASSERT_EQ(0, line("deny 200 sync"));
	ASSERT_EQ(0, line("kill ptrace"));
	ASSERT_EQ(0, line("emulate uname"));
	ASSERT_EQ(0, line("allow clone if arg0 & 0x7e020000 == 0 and arg1 == 0"));
	ASSERT_EQ(0, line("network on"));
	ASSERT_EQ(0, line("hostname box"));
	ASSERT_EQ(0, line("path readonly /"));
	ASSERT_EQ(0, line("path allow /tmp"));
	ASSERT_EQ(0, line("private-tmp /var/tmp/ 64m"));
	for (nr = 0; nr < MAX_SYSCALLS; nr++)
		for (k = 0; k < 3; k++)
			before[nr][k] = outcome(nr, args[k]);
	strcpy(first, printed());
	EXPECT_NE(NULL, strstr(first, "\nallow clone if arg0 & 0x7e020000 == 0 and arg1 == 0\n"));
	EXPECT_NE(NULL, strstr(first, "\ndeny 200 sync\n"));
	/* allowed, not supported: printed as what happens to it */
	EXPECT_NE(NULL, strstr(first, "\n# allowed, but not supported by the sandbox"));
	EXPECT_NE(NULL, strstr(first, "deny ENOSYS inotify_init1"));
	load_text(_metadata, first);
	for (nr = 0; nr < MAX_SYSCALLS; nr++)
		for (k = 0; k < 3; k++) {
			struct rule r = outcome(nr, args[k]);

			ASSERT_EQ(before[nr][k].act, r.act) TH_LOG("call %d, arguments %d", nr, k);
			if (r.act == ACT_DENY)
				ASSERT_EQ(before[nr][k].err, r.err) TH_LOG("call %d", nr);
		}
	EXPECT_TRUE(policy.network);
	EXPECT_EQ(2, policy.npaths);
	EXPECT_STREQ("/var/tmp", policy.tmpdir);
	EXPECT_STREQ("64m", policy.tmpsize);
	/* printed, read back, printed again: the same text from then on */
	strcpy(second, printed());
	strcpy(third, second);
	load_text(_metadata, third);
	EXPECT_STREQ(second, printed());
}

/* private-tmp: a real tmpfs (fsrules.c); its directory and size are checked here */
TEST(private_tmp_rule)
{
	static const char *const bad[] = {
		"private-tmp", "private-tmp tmp", "private-tmp /", "private-tmp //",
		"private-tmp /tmp/../etc", "private-tmp /tmp/.", "private-tmp /a//b",
		"private-tmp /tmp 0", "private-tmp /tmp 64x", "private-tmp /tmp m",
		"private-tmp /tmp 64mb", "private-tmp /tmp 1234567890123456789",
		"private-tmp /tmp 1m extra",
	};
	char buf[1024];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reset();
		EXPECT_EQ(-1, CAPTURE(buf, line(bad[i]))) TH_LOG("accepted: %s", bad[i]);
		EXPECT_EQ(0, policy.tmpdir[0]) TH_LOG("%s", bad[i]);
	}
	reset();
	ASSERT_EQ(0, line("private-tmp /tmp 25%"));
	EXPECT_STREQ("25%", policy.tmpsize);
	ASSERT_EQ(0, line("private-tmp /scratch"));
	EXPECT_STREQ("", policy.tmpsize);
	/* DIR and below are writable whatever the path rules say; its neighbours are not */
	ASSERT_EQ(0, line("path readonly /"));
	ASSERT_EQ(0, line("path deny /scratch"));
	EXPECT_EQ(PATH_ALLOW, path_check("/scratch"));
	EXPECT_EQ(PATH_ALLOW, path_check("/scratch/a/b"));
	EXPECT_EQ(PATH_READONLY, path_check("/scratchy"));
	EXPECT_EQ(PATH_READONLY, path_check("/tmp"));
}

/* ---- JSON ---- */

TEST(json_reader)
{
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "[01]", "[1.]", "[-]", "\"\\x\"",
		"\"\\ud800\"", "\"\\u0000\"", "[1] [2]", "{\"a\" 1}", "nul", "[\"a\nb\"]",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	};
	static const char good[] =
		"{\"a\": [1, -2, 3.5e1, true, false, null, \"\\u0063l\\u00e9\\ud83d\\ude00\"],"
		" \"b\": 18446744073709551615, \"c\": 18446744073709551616}";
	char err[128];
	struct json *j;
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_parse(bad[i], strlen(bad[i]), err, sizeof(err));
		EXPECT_EQ(NULL, j) TH_LOG("accepted: %s", bad[i]);
		json_free(j);
	}
	j = json_parse(good, strlen(good), err, sizeof(err));
	ASSERT_NE(NULL, j) TH_LOG("%s", err);
	EXPECT_EQ(7, json_get(j, "a")->n);
	EXPECT_STREQ("cl\xc3\xa9\xf0\x9f\x98\x80", json_get(j, "a")->item[6]->str);
	EXPECT_TRUE(json_u64(json_get(j, "b"), &v));
	EXPECT_EQ(UINT64_MAX, v);
	EXPECT_FALSE(json_u64(json_get(j, "c"), &v));
	EXPECT_FALSE(json_u64(json_get(j, "a")->item[1], &v));
	json_free(j);
}

static const char *profile_path(void)
{
	static char path[512];
	const char *dir = getenv("PROFILES");

	snprintf(path, sizeof(path), "%s/docker-default.json", dir ? dir : "tests/sandbox/profiles");
	return path;
}

/* The profile with bytes flipped, cut, or repeated: an error or a tree, never a crash. */
TEST(json_reader_mutations)
{
	static char text[65536], m[65536];
	FILE *f = fopen(profile_path(), "r");
	size_t len, i;
	unsigned int seed = 1;
	int parsed = 0;

	ASSERT_NE(NULL, f);
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	if (!len)
		SKIP(return, "no profile text");
	for (i = 0; i < 3000; i++) {
		size_t n = len, at = rand_r(&seed) % len;
		char err[128];
		struct json *j;

		memcpy(m, text, len);
		switch (rand_r(&seed) % 4) {
		case 0: m[at] = (char)rand_r(&seed); break;
		case 1: n = at; break;
		case 2: m[at] = "{}[],:\"\\u0"[rand_r(&seed) % 10]; break;
		case 3: memmove(m + at + 1, m + at, len - at); n = len + 1; break;
		}
		j = json_parse(m, n, err, sizeof(err));
		parsed += j != NULL;
		json_free(j);
	}
	TH_LOG("%d of 3000 mutants still parsed", parsed);
}

/* ---- OCI/Docker seccomp profiles ---- */

TEST(docker_default_profile)
{
	char buf[4096];

	reset();
	ASSERT_EQ(0, line("network off"));
	ASSERT_EQ(0, line("path readonly /"));
	ASSERT_EQ(0, line("allow @network-io"));		/* replaced by the profile */
	ASSERT_EQ(0, CAPTURE(buf, policy_seccomp_profile(&policy, profile_path()))) TH_LOG("%s", buf);
	EXPECT_STREQ("", buf);
	/* defaultAction SCMP_ACT_ERRNO, defaultErrnoRet 1 */
	EXPECT_EQ(ACT_DENY, policy.def.act);
	EXPECT_EQ(EPERM, policy.def.err);
	/* the big allow list */
	EXPECT_EQ(ACT_ALLOW, rule(SYS_read, 0).act);
	EXPECT_EQ(ACT_ALLOW, rule(SYS_execve, 0).act);
	/* includes.arches amd64 applies, arm's does not */
	EXPECT_EQ(ACT_ALLOW, rule(SYS_arch_prctl, 0).act);
	/* includes.caps: the program holds none */
	EXPECT_EQ(ACT_DENY, rule(SYS_mount, 0).act);
	EXPECT_EQ(ACT_DENY, rule(SYS_reboot, 0).act);
	EXPECT_EQ(ACT_DENY, rule(SYS_bpf, 0).act);
	/* includes.minKernel 4.8: allowed (the sandbox still never carries ptrace out) */
	EXPECT_EQ(ACT_ALLOW, rule(SYS_ptrace, 0).act);
	/* clone: namespaces refused (excludes CAP_SYS_ADMIN), fork and threads not */
	EXPECT_EQ(ACT_ALLOW, rule(SYS_clone, 0x11).act);
	EXPECT_EQ(ACT_ALLOW, rule(SYS_clone, 0x3d0f00).act);	/* glibc's pthread_create */
	EXPECT_EQ(ACT_DENY, rule(SYS_clone, 0x10000000 | 0x11).act);
	EXPECT_EQ(ACT_DENY, rule(SYS_clone, 0x20000 | 0x11).act);
	/* the s390 clone entry (args index 1) does not apply here */
	EXPECT_EQ(ACT_DENY, rule2(SYS_clone, 0x10000000, 0).act);
	/* clone3: ENOSYS, so that glibc falls back to clone */
	EXPECT_EQ(ACT_DENY, rule(SYS_clone3, 0).act);
	EXPECT_EQ(ENOSYS, rule(SYS_clone3, 0).err);
	/* socket: anything but AF_VSOCK (40) */
	EXPECT_EQ(ACT_ALLOW, rule(SYS_socket, 1).act);
	EXPECT_EQ(ACT_DENY, rule(SYS_socket, 40).act);
	/* personality: the five values */
	EXPECT_EQ(ACT_ALLOW, rule(SYS_personality, 0).act);
	EXPECT_EQ(ACT_ALLOW, rule(SYS_personality, 0x20008).act);
	EXPECT_EQ(ACT_ALLOW, rule(SYS_personality, 0xffffffff).act);
	EXPECT_EQ(ACT_DENY, rule(SYS_personality, 0x0040000).act);	/* ADDR_NO_RANDOMIZE */
	/* the host filter lets through what some rule allows (hostfilter.c) */
	EXPECT_TRUE(policy_may_allow(SYS_socket));
	EXPECT_TRUE(policy_may_allow(SYS_personality));
	EXPECT_TRUE(policy_may_allow(SYS_read));
	EXPECT_FALSE(policy_may_allow(SYS_mount));
	EXPECT_FALSE(policy_may_allow(SYS_clone3));
	/* the policy's other parts stay */
	EXPECT_FALSE(policy.network);
	EXPECT_EQ(1, policy.npaths);
}

static int load_json(const char *text, char *buf, size_t len)
{
	const char *p = write_file("p.json", text);
	int ret;
	char err[2048];

	reset();
	ret = CAPTURE(err, policy_seccomp_profile(&policy, p));
	snprintf(buf, len, "%s", err);
	return ret;
}

TEST(profile_semantics_and_errors)
{
	char buf[2048];

	if (access(tmpdir, F_OK))
		ASSERT_NE(NULL, mkdtemp(tmpdir));
	/* the same index twice: ORed (runc) */
	ASSERT_EQ(0, load_json("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":"
			       "[\"kill\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,"
			       "\"value\":15,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":2,"
			       "\"op\":\"SCMP_CMP_EQ\"}]}]}", buf, sizeof(buf))) TH_LOG("%s", buf);
	EXPECT_EQ(ACT_ALLOW, rule2(SYS_kill, 5, 15).act);
	EXPECT_EQ(ACT_ALLOW, rule2(SYS_kill, 5, 2).act);
	EXPECT_EQ(ACT_DENY, rule2(SYS_kill, 5, 9).act);
	EXPECT_EQ(EPERM, rule2(SYS_kill, 5, 9).err);	/* errnoRet defaults to EPERM */
	/* different indexes: ANDed; old "name"; "architectures" */
	ASSERT_EQ(0, load_json("{\"defaultAction\":\"SCMP_ACT_KILL\",\"architectures\":"
			       "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],\"syscalls\":[{\"name\":"
			       "\"kill\",\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,\"args\":[{\"index\":0,"
			       "\"value\":1,\"op\":\"SCMP_CMP_GT\"},{\"index\":1,\"value\":15,"
			       "\"op\":\"SCMP_CMP_LE\"}]}]}", buf, sizeof(buf))) TH_LOG("%s", buf);
	EXPECT_EQ(EACCES, rule2(SYS_kill, 5, 9).err);
	EXPECT_EQ(ACT_KILL, rule2(SYS_kill, 1, 9).act);
	EXPECT_EQ(ACT_KILL, rule2(SYS_kill, 5, 16).act);
	/* what the sandbox cannot express: the safe side, and one line saying so */
	ASSERT_EQ(0, load_json("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
			       "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_TRAP\"},"
			       "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_TRACE\"},"
			       "{\"names\":[\"gettid\"],\"action\":\"SCMP_ACT_NOTIFY\"},"
			       "{\"names\":[\"getuid\"],\"action\":\"SCMP_ACT_LOG\"}]}", buf, sizeof(buf)));
	EXPECT_EQ(ACT_KILL, rule(SYS_getpid, 0).act);
	EXPECT_EQ(ENOSYS, rule(SYS_getppid, 0).err);
	EXPECT_EQ(EPERM, rule(SYS_gettid, 0).err);
	EXPECT_EQ(ACT_ALLOW, rule(SYS_getuid, 0).act);
	EXPECT_NE(NULL, strstr(buf, "SCMP_ACT_TRAP"));
	EXPECT_NE(NULL, strstr(buf, "SCMP_ACT_TRACE"));
	EXPECT_NE(NULL, strstr(buf, "SCMP_ACT_NOTIFY"));
	/* errors */
	EXPECT_EQ(-1, load_json("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
				"[\"SCMP_ARCH_AARCH64\"]}", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "not for x86-64"));
	EXPECT_EQ(-1, load_json("{\"defaultAction\":\"SCMP_ACT_MAYBE\"}", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "unknown action 'SCMP_ACT_MAYBE'"));
	EXPECT_EQ(-1, load_json("{\"syscalls\":[]}", buf, sizeof(buf)));
	EXPECT_EQ(-1, load_json("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\n\"syscalls\":[{\"names\":"
				"[\"kill\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":6,"
				"\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "index: expected 0..5"));
	EXPECT_EQ(-1, load_json("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\n\"syscalls\":[{\"names\":"
				"[\"kill\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
				"\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}]}", buf, sizeof(buf)));
	EXPECT_EQ(-1, load_json("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\n\"syscalls\":[{\"names\":"
				"[\"kill\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
				"\"value\":1,\"op\":\"SCMP_CMP_SOMETIMES\"}]}]}", buf, sizeof(buf)));
	EXPECT_EQ(-1, load_json("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\n\"syscalls\":{", buf,
				sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "not valid JSON: line 2"));
	EXPECT_EQ(-1, load_json("[]", buf, sizeof(buf)));
}

TEST_HARNESS_MAIN
