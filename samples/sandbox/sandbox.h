/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sandbox.h - dune-sandbox's shared declarations.
 *
 * dune-sandbox runs an untrusted, unmodified Linux program in guest ring 3
 * while the sandbox itself (the "supervisor") runs in guest ring 0 of the
 * same process.  Files:
 *   main.c     dune-sandbox's options and built-in policy
 *   tracer.c   dune-trace's options: allow everything, trace everything
 *   start.c    what both share: find the program, enter Dune mode, run it
 *   mem.c      the program's address space: its mappings, brk, mmap...
 *   loader.c   loading an ELF (and its interpreter), the initial stack
 *   syscall.c  the ring-3 system-call handler: one call's pipeline
 *              (decode, copyin.c, decide.c, carry.c, copyout.c, trace.c,
 *              signals; see call.h)
 *   systab.c   what each system call's arguments are, and its handler
 *   fds.c      the supervisor's own descriptors
 *   paths.c    path checks
 *   policy.c   the policy file format
 *   trace.c    strace-style trace lines, dune-trace's strace options
 *   tracebuf.c the trace's buffer; traceflush.c when it goes out
 *   decode.c   arguments as strace prints them: the table of calls, and
 *              decode_{text,flags,signal,net,struct}.c, the printers by subject
 *   traceclass.c strace's -e trace=%CLASS sets
 *   process.c  fork, execve, threads
 *   threads.c  the program's threads: registry, ended by execve
 *   uaccess.c  the only reads and writes of program memory (STAC/CLAC)
 *   signal.c   the program's signal handlers, run in ring 3
 *   confine.c  least privilege: pid namespace, unprivileged uid, no_new_privs
 *   fsrules.c  the path rules enforced by the kernel: mount namespace, Landlock
 *   hostfilter.c the supervisor's own host seccomp filter
 *   pathsafe.c the supervisor's checks of loader files, sockaddr_un, O_TRUNC
 *   sysnames.c every x86-64 system call name (generated from unistd_64.h)
 *   groups.c   the policy's @groups, after systemd's SystemCallFilter= sets
 *   seccomp.c  OCI/Docker seccomp profiles (--seccomp-profile), json.c their JSON
 *   devcheck.c why Dune mode cannot start, one line per cause
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "dune.h"

#define PAGE_SIZE	4096UL
#define PAGE_DOWN(x)	((uint64_t)(x) & ~(PAGE_SIZE - 1))
#define PAGE_UP(x)	(((uint64_t)(x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/*
 * Where the program may have memory: two windows of the address space that
 * the supervisor (a PIE near 0x55..., its libraries and heap near 0x7f...,
 * libdune's page pool at 8 GiB) never uses.  Fixed-address executables
 * (ET_EXEC, usually at 0x400000) land in the low one; position-independent
 * ones, the interpreter, mmap and the stack in the high one.
 *
 * The invariant every pointer check rests on (mem.c): an address range
 * inside a window holds only program memory or nothing (a PROT_NONE
 * reservation), at every instant, on the host side too; and no program
 * mapping, host or guest (PTE_U), is ever outside the windows - mem.c's
 * lowest layer refuses it, whoever asks.  So a flat buffer mem_check()
 * accepted stays "the program's" for the whole of a forwarded call, even
 * while another thread maps and unmaps: at worst the host kernel finds
 * PROT_NONE there and fails with EFAULT.  Structures holding pointers are
 * still copied before their inner pointers are checked.
 */
#define LOW_START	0x10000UL
#define LOW_END		0x100000000UL		/* 4 GiB */
#define HIGH_START	0x100000000000UL	/* 16 TiB */
#define HIGH_END	0x400000000000UL	/* 64 TiB */
#define PIE_BASE	0x100000000000UL
#define INTERP_BASE	0x180000000000UL
#define STACK_TOP	0x3ffffffff000UL
#define STACK_SIZE	(8UL << 20)
#define MMAP_TOP	(STACK_TOP - STACK_SIZE - (1UL << 30))

/*
 * execve's limits, as Linux's with the default 8 MiB stack limit
 * (fs/exec.c): argument and environment strings with their pointers take
 * at most a quarter of the stack, one string at most 32 pages.
 */
#define ARG_MAX_BYTES	(STACK_SIZE / 4)
#define MAX_ARG_STRLEN	(32 * PAGE_SIZE)

/* ---- mem.c ---- (the lock discipline is described at its top) */
bool mem_in_window(uint64_t start, uint64_t len);
int mem_reserve_windows(void);
void mem_fork_prepare(void);
void mem_fork_done(void);
void mem_fork_child(void);
int mem_map(uint64_t start, uint64_t len, int prot, int flags, int fd, off_t off);
int mem_unmap(uint64_t start, uint64_t len);
int mem_map_frames(uint64_t start, uint64_t len, uint64_t src);
void mem_set_name(uint64_t start, uint64_t len, const char *name);
size_t mem_maps(char *buf, size_t len);
int mem_cmpxchg32(uint64_t addr, uint32_t *old, uint32_t val);

/* ---- maps.c ---- */
bool is_self_maps(const char *abs);
long maps_open(long flags);
int mem_protect(uint64_t start, uint64_t len, int prot);
uint64_t mem_find_free(uint64_t len, uint64_t hint);
bool mem_check(uint64_t addr, uint64_t len, bool write);
bool mem_mapped(uint64_t addr, uint64_t len);
int mem_read(void *dst, uint64_t src, uint64_t len);
int mem_copy_in(void *dst, uint64_t src, uint64_t len, bool write);
int mem_write(uint64_t dst, const void *src, uint64_t len);
long mem_strlen(uint64_t addr, uint64_t max);
long mem_copy_str(char *dst, uint64_t addr, uint64_t max);
void mem_reset(void);
int mem_remap_all(void);
long sys_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, off_t off);
long sys_munmap(uint64_t addr, uint64_t len);
long sys_mprotect(uint64_t addr, uint64_t len, int prot);
long sys_brk(uint64_t addr);
long sys_mremap(uint64_t old, uint64_t oldlen, uint64_t newlen, int flags, uint64_t newaddr);
long sys_madvise(uint64_t addr, uint64_t len, int advice);
void mem_set_brk(uint64_t start);

/* ---- loader.c ---- */
struct loaded {
	uint64_t entry;		/* where ring 3 starts (the interpreter's, if any) */
	uint64_t sp;		/* the initial stack pointer */
};
int load_program(const char *path, char *const argv[], char *const envp[],
		 struct loaded *out, char *err, size_t errlen);
int check_program(const char *path, char *err, size_t errlen);

/* ---- policy.c ---- */
enum action { ACT_UNSET = 0, ACT_ALLOW, ACT_DENY, ACT_KILL, ACT_EMULATE };
enum path_rule { PATH_ALLOW = 1, PATH_DENY, PATH_READONLY };

struct rule {
	enum action act;
	int err;		/* for ACT_DENY */
};

#define MAX_SYSCALLS	512
#define MAX_PATHS	64

/*
 * A rule with conditions on the arguments (policy.c: "allow clone if
 * arg0 & 0x7e020000 == 0"; seccomp.c: a profile's "args"), compared as
 * seccomp does, on the raw 64-bit register values.
 */
enum cond_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_MASKED_EQ };
struct cond {
	unsigned char arg;	/* 0..5 */
	unsigned char op;	/* enum cond_op */
	uint64_t mask;		/* OP_MASKED_EQ: (arg & mask) == value */
	uint64_t value;
};
#define MAX_CONDS	6
#define MAX_COND_RULES	128
struct cond_rule {
	short nr;
	unsigned char nconds;
	struct rule r;
	struct cond c[MAX_CONDS];
};

struct policy {
	struct rule sys[MAX_SYSCALLS];
	struct rule def;
	struct cond_rule cond[MAX_COND_RULES];	/* checked before sys[] */
	int nconds;
	struct {
		char prefix[256];
		enum path_rule rule;
	} paths[MAX_PATHS];
	int npaths;
	bool network;
	char hostname[65];
	long pid;		/* the pid getpid() reports, 0: the real one */
	char tmpdir[256];	/* private tmpfs mounted here, "" for none (fsrules.c) */
	char tmpsize[32];	/* its tmpfs size= ("" for tmpfs's default) */
	long max_procs;		/* fork bound, 0 for none */
};

extern struct policy policy;
void policy_defaults(struct policy *p);
int policy_line(struct policy *p, const char *line, const char *file, int lineno);
int policy_file(struct policy *p, const char *path);
int syscall_nr(const char *name);
struct rule policy_rule(long nr, const uint64_t a[6]);
bool policy_may_allow(long nr);
long policy_no_entry(long nr, const uint64_t a[6]);
void policy_print(FILE *f, const struct policy *p);
int policy_seccomp_profile(struct policy *p, const char *path);	/* seccomp.c */
void policy_set_calls_cond(struct policy *p, int nr, struct rule r,
			   const struct cond *c, int nconds);
int errno_by_name(const char *name);
const char *errno_name(int err);
enum path_rule path_check(const char *path);
bool tmpfs_size_ok(const char *s);
bool policy_allows_always(long nr);

/* ---- vdso.c ---- */
int vdso_probe(void);
uint64_t vdso_load(void);
#define MADVISE_ALLOWED_MAX	32
int policy_madvise_list(int *out, int max);
bool policy_madvise_ok(int advice);
long policy_check_target(long nr, uint64_t a[6]);

/* ---- systab.c, trace.c, syscall.c and the pipeline (call.h) ---- */
/*
 * How the kernel uses an argument (systab.c).  Every kind the kernel
 * dereferences says how far and in which direction, so that copyin.c can
 * copy it into supervisor memory or keep it as a flat program buffer.
 */
enum argk {
	A_NONE, A_INT, A_HEX, A_FD, A_STR,
	A_PTR,				/* an address the kernel does not dereference */
	A_RAW,				/* read by a supervisor handler itself */
	A_IN, A_OUT,			/* fixed-size struct (.n bytes): copied in / in and out */
	A_INOUT,			/* the same, written back only if writable (timeouts) */
	A_INC,				/* copied in, length in argument .n (a sockaddr) */
	A_INL, A_OUTL,			/* flat buffer, length in argument .n */
	A_IOV, A_IOVW,			/* iovec array (count in .n): read / written */
	A_OFLAGS, A_PROT, A_MFLAGS, A_STRV, A_SIG, A_DIRFD,
	A_MODE,				/* file mode bits, in octal */
	A_MSG, A_MSGW,			/* struct msghdr: sent / received */
	A_MMSG, A_MMSGW,		/* struct mmsghdr array, count in .n */
	A_LENBUF,			/* buffer whose socklen_t * is argument .n */
	A_LENP,				/* that socklen_t * (done with its buffer) */
	A_FDSET,			/* fd_set of argument .n descriptors, in and out */
	A_SIGPAIR,			/* pselect6's { const sigset_t *, size_t } */
	A_POLL,				/* struct pollfd array, count in .n */
	A_EPEV,				/* struct epoll_event array out, count in .n */
	A_KEEP,				/* kept by the kernel: .n writable program bytes */
	A_FLAT,				/* .n writable program bytes, used in place (futex) */
	A_OUTN,				/* array out: argument .n elements of .sz bytes */
	A_MASK,				/* a sigset_t in: copied, SIG_EXEC_STOP taken out */
};
struct argdesc {
	unsigned char k;
	short n;
	short sz;
};
struct call;
struct sysdesc {
	const char *name;
	struct argdesc a[6];
	unsigned char nargs;
	unsigned char ret_ptr;	/* print the result in hex */
	/* carry out: forward or emulate; NULL: never forwarded, fails with .refuse */
	long (*run)(struct call *c);
	/* sub-commands (ioctl, fcntl, prctl, futex, ...): the kinds for this call */
	const struct argdesc *(*sub)(const uint64_t a[6], long *err);
	/* policy "emulate": the supervisor's answer */
	long (*emulate)(struct call *c);
	short refuse;		/* errno when .run is NULL */
};
const struct sysdesc *sys_desc(long nr);
int systab_refusal(long nr);
/* sysnames.c: every x86-64 system call, generated from <asm/unistd_64.h> */
const char *sysname(long nr);
int sysname_nr(const char *name);
const char *sysname_suggest(const char *name);
/* groups.c: "@file-system" and the other groups of the policy */
int group_calls(const char *name, bool set[MAX_SYSCALLS], const char **bad);
void group_list(FILE *f);
int group_check(const char **bad);
const char *sys_name(long nr, char *buf, size_t len);
int systab_verify(void);

extern FILE *trace_out;
/* What the trace shows (dune-trace's strace options; trace.c). */
struct trace_opts {
	bool filter;			/* -e trace=: only the calls in .calls */
	bool calls[MAX_SYSCALLS];
	bool sig_filter;		/* -e signal=: only the signals in .sigs */
	bool sigs[65];
	int timestamps;			/* -t: time of day, -tt: with microseconds */
	bool durations;			/* -T: time spent in each call */
	bool summary;			/* -c: a table of counts at the end, no lines */
};
extern struct trace_opts trace_opts;
int trace_setup(void);
void trace_begin(void);
void trace_fork_child(void);
void trace_signal(int sig);
void trace_exit(int status, int sig);
void trace_call(long nr, const uint64_t args[6], long ret);
void trace_exec_start(const char *path, char *const argv[], int envc);
/* traceflush.c: the trace's buffer, and when it goes out */
extern bool trace_buffered;
void trace_buffer_init(void);
void trace_flush(void);
void trace_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void trace_killed(const char *signame, const char *why);

void on_syscall(struct dune_tf *tf);
long forward(long nr, const uint64_t a[6]);
void kill_program(const char *why, int sig) __attribute__((noreturn));

/* ---- fds.c: the supervisor's own descriptors ---- */
bool is_supervisor_fd(int fd);
int sup_fd_next(int from, unsigned int last);
bool is_supervisor_file(int fd, const char *link);
bool is_supervisor_inode(dev_t dev, ino_t ino);
void sup_fds_begin(void);
void sup_fds_end(void);
void sup_fds_rescan(void);
void fdref_lock(void);
void fdref_unlock(void);
void fdref_lock_new(void);
/* fork: process.c fork_locked takes them, in this order (fds.c) */
void fds_fork_prepare(void);
void fds_fork_done(void);
void fds_fork_child(void);
void sup_fds_fork_prepare(void);
void sup_fds_fork_done(void);
void sup_fds_fork_child(void);

/* ---- paths.c ---- */
bool is_self_exe(const char *abs);
int abs_path(int dirfd, const char *path, char *out, size_t len);
long check_path(int dirfd, uint64_t upath, bool write, char *abs, size_t len);
long check_path_str(int dirfd, const char *path, bool write, char *abs, size_t len);
long check_opened(long fd, bool write);

/* ---- process.c ---- */
/*
 * What a clone(2) or clone3(2) asks for, read from the registers or from
 * the copy of struct clone_args: the program's registers themselves are
 * the child's (glibc's clone3 child finds its function in rdx and r8),
 * so the request travels apart from them.
 */
struct clone_req {
	uint64_t flags;		/* CLONE_* | the exit signal (CSIGNAL) */
	uint64_t sp;		/* the child's stack pointer, 0: the parent's */
	uint64_t ptid, ctid, tls;
};
long sys_fork(struct dune_tf *tf, const struct clone_req *req);
long sys_clone_thread(struct dune_tf *tf, const struct clone_req *req);
void vfork_release(void);
/*
 * The signal the sandbox keeps for itself (process.c: execve ends the
 * program's other threads with it).  The program can neither handle,
 * ignore nor block it: rt_sigaction records the program's action without
 * installing it (signal.c), and it is taken out of every signal mask the
 * program gives the kernel.  One of libdune's
 * signals-as-interrupts (1-55), not one libc reserves.
 */
#define SIG_EXEC_STOP	55
#define SIG_EXEC_STOP_BIT	(1ULL << (SIG_EXEC_STOP - 1))
/* Program threads at once: threads.c's registry, robust.c's heads. */
#define MAX_THREADS		1024
int threads_init(void);
void threads_fork_child(void);
void thread_set_clear_tid(uint64_t addr);
void thread_ended(void);
void thread_exit_prepare(void);
void thread_reap(void);
int thread_register(int tid);
/* uaccess.c: the supervisor's only reads and writes of program memory (checked by the caller) */
/* 0 (user_nul: the NUL's offset or @len; user_cmpxchg32: 1 or 0), or -EFAULT */
int uaccess_init(void);
int user_copy_in(void *dst, uint64_t src, size_t len);
int user_copy_out(uint64_t dst, const void *src, size_t len);
long user_nul(uint64_t src, size_t len);
int user_cmpxchg32(uint64_t dst, uint32_t *old, uint32_t val);

/* robust.c */
long sys_set_robust_list(uint64_t head, uint64_t len);
void robust_thread_exit(void);
void robust_exit_group(void);
void robust_exec(void);
void robust_fork_child(void);
void exec_claim(void);
void exec_stop_others(void);
void exec_stop_check(void);
long sys_execve(struct dune_tf *tf, int dirfd, uint64_t path, uint64_t argv, uint64_t envp);
void run_program(void) __attribute__((noreturn));
int exec_pending(void);
extern char prog_path[4096];
extern char **prog_argv, **prog_envp;

/* ---- signal.c ---- */
long sys_rt_sigaction(int sig, uint64_t act, uint64_t oact, uint64_t size);
long sys_rt_sigreturn(struct dune_tf *tf);
long sys_sigaltstack(uint64_t ss, uint64_t oss);
void signals_deliver(struct dune_tf *tf);
void signal_fault(struct dune_tf *tf, int sig, int code, uint64_t addr);
void signals_exec_reset(void);
void signals_install_host(void);
void signals_fork_prepare(void);
void signals_fork_done(void);
void signals_fork_child(void);

/* ---- main.c / tracer.c (one of them) ---- */
extern const char *progname;
/*
 * Exit statuses of the sandbox's own failures, as GNU env, timeout and
 * bash have them: the program's own status otherwise (128+N for signal N).
 */
#define EXIT_SANDBOX	125	/* the sandbox failed: bad option or policy, no Dune mode */
#define EXIT_NOEXEC	126	/* the program was found but cannot run: not executable, not an x86-64 ELF */
#define EXIT_NOTFOUND	127	/* no such program */

/* ---- devcheck.c: why Dune mode cannot start, in one line ---- */
int dune_preflight(void);

/* ---- start.c ---- */
extern int verbose;
extern pid_t real_pid;
int start_program(char **argv, bool trace, const char *trace_file, bool trace_exec);
void register_handlers(void);

/* ---- confine.c, fsrules.c, hostfilter.c: the kernel's walls ---- */
#define CONFINE_NOBODY	65534	/* nobody/nogroup without a passwd entry */
struct confine {
	bool enabled;		/* dune-sandbox: yes; dune-trace (an observer): no */
	const char *user;	/* --user NAME|UID, default "nobody" */
	uid_t uid;
	gid_t gid;
	bool no_landlock;	/* --no-landlock: run without it (loudly) */
	bool no_namespaces;	/* --no-namespaces: no pid, mount, network namespace */
	bool in_pidns;		/* the sandbox runs in a pid namespace of its own (confine_pidns) */
	int dev_fd;		/* /dev/dune, opened first (start.c); -1 before */
};
extern struct confine confine;
int confine_open_device(void);
int confine_pidns(void);
int confine_drop(void);
int fsrules_setup(void);
int landlock_prepare(void);
int landlock_apply(void);
long path_check_fd(int fd, bool write);
long check_sockaddr(const void *sa, size_t len, bool create);
long open_flags_forwarded(long flags);
long open_finish(long fd, long flags);
struct sock_fprog;
enum hostfilter_layout {
	HOSTFILTER_TREE,	/* installed: the hottest checked call, then a binary search */
	HOSTFILTER_LIST,	/* one comparison per call in a row: the reference */
};
int hostfilter_build(struct sock_fprog *out, enum hostfilter_layout layout);
int hostfilter_install(void);

#endif
