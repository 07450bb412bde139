// SPDX-License-Identifier: GPL-2.0
/*
 * traceflush.c - when the trace's buffered lines go out.
 *
 * Each write of the trace is a host call of the supervisor: one more VM
 * exit (a VMCALL forwarded by libdune, ~5 k ticks in Bochs), as costly as
 * the program's own call.  Written line by line, the trace doubled the
 * exits of every traced call.  So, unless the trace goes to a terminal
 * (someone is watching: every line at once, as strace does), the lines
 * collect in the trace's buffer (tracebuf.h: TRACE_BUF bytes; one lock
 * for all the process's threads, held for a whole line, so the lines of
 * threads keep the order in which their calls ended) and go out:
 *
 *  - when the buffer is full, or its oldest line is older than
 *    TRACE_MAX_AGE (tracebuf.h: about 0.1 s);
 *  - before a call that may end or replace the process, or send a signal
 *    that may end it: exit, exit_group, execve, kill, tgkill, ... (abort()
 *    is a tgkill of itself); before the supervisor ends the program
 *    (kill_program: a fault, a policy kill) and at its exit (trace_exit);
 *  - before fork/clone, so that a child does not inherit the lines and
 *    write them again;
 *  - before a call that may block: the program may wait for long (a read
 *    of a terminal or pipe, wait4, poll, futex...), and a trace read with
 *    tail -f must show what happened up to the wait.  Calls on a
 *    descriptor (read, write, ...) may block or raise SIGPIPE only on some
 *    kinds of file: the kind of each descriptor is asked once (fstat) and
 *    remembered until a call that may change what the number means.
 *
 * What is lost: a signal sent by another process (SIGTERM, SIGKILL) that
 * ends the program while it runs - not while it waits, which flushed -
 * loses the lines since the last flush: at most TRACE_BUF bytes, of at
 * most TRACE_MAX_AGE before the last call (a program that computes
 * without calls after its last line keeps that line until it calls).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "call.h"
#include "tracebuf.h"

bool trace_buffered;

enum flush_when {
	FL_NO,		/* never blocks, ends nothing */
	FL_ALWAYS,	/* may block, end or replace the process, or fork */
	FL_FD,		/* may block (or raise SIGPIPE) depending on the kind of fd a[0] */
};

#define ALWAYS(nr)	[nr] = FL_ALWAYS
#define ON_FD(nr)	[nr] = FL_FD

static const unsigned char when[MAX_SYSCALLS] = {
	/* the end or replacement of the process, or of a thread (the last one) */
	ALWAYS(SYS_exit), ALWAYS(SYS_exit_group), ALWAYS(SYS_execve), ALWAYS(SYS_execveat),
	/* a new process inherits our buffer */
	ALWAYS(SYS_fork), ALWAYS(SYS_vfork), ALWAYS(SYS_clone), ALWAYS(SYS_clone3),
	/* signals, to ourselves too (raise, abort) */
	ALWAYS(SYS_kill), ALWAYS(SYS_tkill), ALWAYS(SYS_tgkill), ALWAYS(SYS_rt_sigqueueinfo),
	ALWAYS(SYS_rt_tgsigqueueinfo), ALWAYS(SYS_pidfd_send_signal),
	/* waits */
	ALWAYS(SYS_wait4), ALWAYS(SYS_waitid), ALWAYS(SYS_poll), ALWAYS(SYS_ppoll),
	ALWAYS(SYS_select), ALWAYS(SYS_pselect6), ALWAYS(SYS_epoll_wait),
	ALWAYS(SYS_epoll_pwait), ALWAYS(SYS_epoll_pwait2), ALWAYS(SYS_nanosleep),
	ALWAYS(SYS_clock_nanosleep), ALWAYS(SYS_pause), ALWAYS(SYS_rt_sigsuspend),
	ALWAYS(SYS_rt_sigtimedwait), ALWAYS(SYS_futex), ALWAYS(SYS_futex_waitv),
	ALWAYS(SYS_accept), ALWAYS(SYS_accept4), ALWAYS(SYS_connect), ALWAYS(SYS_msgrcv),
	ALWAYS(SYS_msgsnd), ALWAYS(SYS_semop), ALWAYS(SYS_semtimedop), ALWAYS(SYS_flock),
	ALWAYS(SYS_fcntl),	/* F_SETLKW and F_OFD_SETLKW only: see trace_before */
	ALWAYS(SYS_mq_timedreceive), ALWAYS(SYS_mq_timedsend),
	ALWAYS(SYS_io_getevents), ALWAYS(SYS_io_pgetevents), ALWAYS(SYS_splice),
	ALWAYS(SYS_tee), ALWAYS(SYS_sendfile), ALWAYS(SYS_copy_file_range),
	/* an open of a FIFO waits for the other end */
	ALWAYS(SYS_open), ALWAYS(SYS_openat), ALWAYS(SYS_openat2), ALWAYS(SYS_creat),
	/* calls on a descriptor */
	ON_FD(SYS_read), ON_FD(SYS_readv), ON_FD(SYS_pread64), ON_FD(SYS_preadv),
	ON_FD(SYS_preadv2), ON_FD(SYS_write), ON_FD(SYS_writev), ON_FD(SYS_pwrite64),
	ON_FD(SYS_pwritev), ON_FD(SYS_pwritev2), ON_FD(SYS_recvfrom), ON_FD(SYS_recvmsg),
	ON_FD(SYS_recvmmsg), ON_FD(SYS_sendto), ON_FD(SYS_sendmsg), ON_FD(SYS_sendmmsg),
	ON_FD(SYS_ioctl),
};

/*
 * The kinds of the program's descriptors, as learnt: KIND_QUIET for one
 * whose calls neither block nor raise signals, KIND_LOUD for any other,
 * each tagged with the generation it was learnt in.  Any call other than
 * the FL_FD ones starts a new generation: it may have closed, opened,
 * dup'ed a number (one more fstat after it is cheaper than knowing which).
 * Shared by the process's threads; an entry is one word, stored whole.
 */
#define MAX_KNOWN_FD	1024
#define KIND_QUIET	1u
#define KIND_LOUD	2u
static unsigned int fd_kind[MAX_KNOWN_FD];
static unsigned int generation = 1;

/*
 * Files whose reads and writes do not wait and raise no signal: regular
 * files, directories, block devices, and the memory devices null, zero,
 * full, random and urandom (major 1, drivers/char/mem.c; not kmsg).
 */
static bool quiet_file(const struct stat *st)
{
	if (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode) || S_ISBLK(st->st_mode))
		return true;
	if (!S_ISCHR(st->st_mode) || major(st->st_rdev) != 1)
		return false;
	switch (minor(st->st_rdev)) {
	case 3: case 5: case 7: case 8: case 9:
		return true;
	default:
		return false;
	}
}

static bool fd_is_quiet(long fd)
{
	unsigned int gen = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
	unsigned int e, kind;
	struct stat st;

	if (fd < 0 || fd >= MAX_KNOWN_FD)
		return false;
	e = __atomic_load_n(&fd_kind[fd], __ATOMIC_RELAXED);
	if (e >> 2 == (gen & 0x3fffffff))
		return (e & 3) == KIND_QUIET;
	kind = fstat((int)fd, &st) == 0 && quiet_file(&st) ? KIND_QUIET : KIND_LOUD;
	__atomic_store_n(&fd_kind[fd], (gen << 2) | kind, __ATOMIC_RELAXED);
	return kind == KIND_QUIET;
}

/* Before @c is carried out: out with the lines if it may wait, end, fork. */
void trace_before(const struct call *c)
{
	int w;

	if (!trace_buffered || c->nr < 0 || c->nr >= MAX_SYSCALLS)
		return;
	w = when[c->nr];
	if (w != FL_FD)
		__atomic_add_fetch(&generation, 1, __ATOMIC_ACQ_REL);
	/* an unlocked look: a line another thread is building goes out with the next */
	if (w == FL_NO || !__atomic_load_n(&trace_tb.n, __ATOMIC_RELAXED))
		return;
	if (c->nr == SYS_fcntl && (int)c->a[1] != F_SETLKW && (int)c->a[1] != F_OFD_SETLKW)
		return;
	if (w == FL_FD && fd_is_quiet((long)c->a[0]))
		return;
	trace_flush();
}

/* Out with every buffered line. */
void trace_flush(void)
{
	tb_line_begin(&trace_tb);
	tb_flush(&trace_tb);
	tb_line_end(&trace_tb);
}

/*
 * trace_out is open: its lines go to its descriptor through the trace's
 * buffer (tracebuf.c), held back unless it is a terminal.
 */
void trace_buffer_init(void)
{
	if (!trace_out)
		return;
	trace_tb.fd = fileno(trace_out);
	trace_tb.buffered = !isatty(trace_tb.fd);
	trace_buffered = trace_tb.buffered;
}
