// SPDX-License-Identifier: GPL-2.0
/*
 * signals - signal handlers of a sandboxed program run in ring 3 with a
 * proper frame, and rt_sigreturn brings back the interrupted state.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/time.h>

static volatile sig_atomic_t got, got_code, got_alarm;
static sigjmp_buf env;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got = sig;
	got_code = si->si_code;
}

static void on_alarm(int sig)
{
	got_alarm = sig;
}

static void on_segv(int sig)
{
	siglongjmp(env, sig);
}

int main(void)
{
	struct sigaction sa;
	volatile long keep = 0x1234567890L;
	sigset_t set;
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	kill(getpid(), SIGUSR1);
	printf("SIGUSR1 handled: %s (code %s), local kept: %s\n", got == SIGUSR1 ? "yes" : "no",
	       got_code == SI_USER ? "SI_USER" : "other", keep == 0x1234567890L ? "yes" : "no");

	/* blocked, then delivered when unblocked */
	got = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	printf("while blocked: %s\n", got ? "delivered (wrong)" : "pending");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("after unblock: %s\n", got == SIGUSR1 ? "delivered" : "lost");

	signal(SIGALRM, on_alarm);
	alarm(1);
	pause();
	printf("SIGALRM during pause: %s\n", got_alarm == SIGALRM ? "yes" : "no");

	signal(SIGSEGV, on_segv);
	r = sigsetjmp(env, 1);
	if (r == 0) {
		volatile int *bad = (volatile int *)(long)getpagesize() - 1;

		*(bad - 1000) = 1;
		printf("no fault?\n");
	} else {
		printf("SIGSEGV caught by the program's handler: %s\n", r == SIGSEGV ? "yes" : "no");
	}
	signal(SIGPIPE, SIG_IGN);
	{
		int p[2];

		if (pipe(p) == 0) {
			close(p[0]);
			printf("write to a closed pipe, SIGPIPE ignored: %s\n",
			       write(p[1], "x", 1) < 0 ? "EPIPE" : "wrote?");
		}
	}
	return 0;
}
