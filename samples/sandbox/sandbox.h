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
 *   syscall.c  the ring-3 system-call handler: policy, checks, forwarding
 *   systab.c   what each system call's arguments are (checks and trace)
 *   policy.c   the policy file format
 *   trace.c    strace-style trace lines
 *   tmpfs.c    the private in-memory /tmp
 *   process.c  fork, execve, threads
 *   signal.c   the program's signal handlers, run in ring 3
 *   confine.c  least privilege: pid namespace, unprivileged uid, no_new_privs
 *   fsrules.c  the path rules enforced by the kernel: mount namespace, Landlock
 *   hostfilter.c the supervisor's own host seccomp filter
 *   pathsafe.c the supervisor's checks of loader files, sockaddr_un, O_TRUNC
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

/* ---- mem.c ---- */
bool mem_in_window(uint64_t start, uint64_t len);
int mem_map(uint64_t start, uint64_t len, int prot, int flags, int fd, off_t off);
int mem_unmap(uint64_t start, uint64_t len);
int mem_protect(uint64_t start, uint64_t len, int prot);
uint64_t mem_find_free(uint64_t len, uint64_t hint);
bool mem_check(uint64_t addr, uint64_t len, bool write);
long mem_strlen(uint64_t addr, uint64_t max);
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

struct policy {
	struct rule sys[MAX_SYSCALLS];
	struct rule def;
	struct {
		char prefix[256];
		enum path_rule rule;
	} paths[MAX_PATHS];
	int npaths;
	bool network;
	char hostname[65];
	long pid;		/* the pid getpid() reports, 0: the real one */
	char tmpdir[256];	/* private in-memory directory, "" for none */
	long max_procs;		/* fork bound, 0 for none */
};

extern struct policy policy;
void policy_defaults(struct policy *p);
int policy_line(struct policy *p, const char *line, const char *file, int lineno);
int policy_file(struct policy *p, const char *path);
int syscall_nr(const char *name);
int errno_by_name(const char *name);
const char *errno_name(int err);
enum path_rule path_check(const char *path);
#define MADVISE_ALLOWED_MAX	32
int policy_madvise_list(int *out, int max);
bool policy_madvise_ok(int advice);
long policy_check_target(long nr, uint64_t a[6]);

/* ---- systab.c ---- */
enum argk {
	A_NONE, A_INT, A_HEX, A_FD, A_STR, A_PTR,	/* PTR: not dereferenced */
	A_IN, A_OUT,			/* fixed-size struct, size in .n */
	A_INL, A_OUTL,			/* buffer, length in argument .n */
	A_IOV, A_IOVW,			/* iovec array (count in .n): read / written */
	A_OFLAGS, A_PROT, A_MFLAGS, A_STRV, A_SIG, A_DIRFD,
	A_MODE,				/* file mode bits, in octal */
};
struct argdesc {
	unsigned char k;
	short n;
};
struct sysdesc {
	const char *name;
	struct argdesc a[6];
	unsigned char nargs;
	unsigned char ret_ptr;	/* print the result in hex */
};
const struct sysdesc *sys_desc(long nr);
const char *sys_name(long nr, char *buf, size_t len);

/* ---- trace.c ---- */
extern FILE *trace_out;
void trace_call(long nr, const uint64_t args[6], long ret);
void trace_exec_start(const char *path, char *const argv[], int envc);
void trace_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- syscall.c ---- */
void on_syscall(struct dune_tf *tf);
bool is_supervisor_fd(int fd);
bool is_self_exe(const char *abs);
void sup_fds_begin(void);
void sup_fds_end(void);
long do_syscall(struct dune_tf *tf, long nr, const uint64_t a[6]);
long forward(long nr, const uint64_t a[6]);
int abs_path(int dirfd, const char *path, char *out, size_t len);
long check_path(int dirfd, uint64_t upath, bool write, char *abs, size_t len);
void kill_program(const char *why, int sig) __attribute__((noreturn));

/* ---- tmpfs.c ---- */
int tmpfs_init(void);
bool tmpfs_path(const char *path);
bool tmpfs_fd(int fd);
bool tmpfs_handle(long nr, const uint64_t a[6], long *ret);

/* ---- process.c ---- */
long sys_fork(struct dune_tf *tf, bool vm);
long sys_clone_thread(struct dune_tf *tf);
long sys_execve(struct dune_tf *tf, int dirfd, uint64_t path, uint64_t argv, uint64_t envp);
void run_program(void) __attribute__((noreturn));
int exec_pending(void);
extern char prog_path[4096];
extern char **prog_argv, **prog_envp;
extern int nprocs_forked;

/* ---- signal.c ---- */
long sys_rt_sigaction(int sig, uint64_t act, uint64_t oact, uint64_t size);
long sys_rt_sigreturn(struct dune_tf *tf);
long sys_sigaltstack(uint64_t ss, uint64_t oss);
void signals_deliver(struct dune_tf *tf);
void signal_fault(struct dune_tf *tf, int sig, int code, uint64_t addr);
void signals_exec_reset(void);
void signals_install_host(void);

/* ---- main.c / tracer.c (one of them) ---- */
extern const char *progname;

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
};
extern struct confine confine;
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
int hostfilter_build(struct sock_fprog *out);
int hostfilter_install(void);

#endif
