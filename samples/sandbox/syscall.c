// SPDX-License-Identifier: GPL-2.0
/*
 * syscall.c - the heart of the sandbox: every SYSCALL the program makes in
 * ring 3 lands here, in ring 0, with no VM exit (libdune's ring-3 entry
 * builds a struct dune_tf and calls on_syscall).  Each call goes through
 * one pipeline, in one direction, each stage in its own file (call.h):
 *
 *   decode     systab.c    the table's entry: kinds and handler
 *   copy in    copyin.c    pointers replaced by supervisor copies, or
 *                          checked flat program buffers
 *   decide     decide.c    the policy
 *   carry out  carry.c     forward the copies, or answer in the supervisor
 *   copy out   copyout.c   results back to the program
 *   trace      trace.c     the strace line, from the copies
 *   signals    signal.c    pending signals to the program's handlers
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "call.h"

void kill_program(const char *why, int sig)
{
	struct sigaction sa;
	sigset_t set;

	fprintf(stderr, "%s: %s: killed (%s)\n", progname, prog_path, why);
	trace_killed(strsignal(sig), why);	/* and every buffered line, before the end */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	kill(getpid(), sig);
	_exit(128 + sig);
}

void on_syscall(struct dune_tf *tf)
{
	struct call c = {
		.nr = (long)tf->rax,
		.a = { tf->rdi, tf->rsi, tf->rdx, tf->rcx, tf->r8, tf->r9 },
		.tf = tf,
	};
	bool go;

	exec_stop_check();	/* another thread's execve ends this one (process.c) */
	trace_begin();
	/* decode */
	c.d = sys_desc(c.nr);
	if (!c.d) {
		/* the table cannot describe it: never forwarded; deny and kill still hold */
		c.ret = policy_no_entry(c.nr, c.a);
	} else {
		memcpy(c.kind, c.d->a, sizeof(c.kind));
		/* copy in; a failure is the answer unless the policy has another */
		c.copy_err = copy_in(&c);
		/* decide */
		c.ret = decide(&c, &go);
		/* carry out */
		if (go) {
			trace_before(&c);	/* buffered lines out first if it may wait or end */
			c.ret = carry_out(&c);
		}
		/* copy out */
		if (c.carried)
			copy_out(&c);
	}
	/* trace; rt_sigreturn has restored the whole frame: no result to set */
	if (c.nr != SYS_rt_sigreturn) {
		trace_of(&c);
		tf->rax = (uint64_t)c.ret;
	}
	/* deliver signals */
	signals_deliver(tf);
	exec_stop_check();
}
