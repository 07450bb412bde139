// SPDX-License-Identifier: GPL-2.0
/* hoststate.c - see hoststate.h. */
#include <asm/ldt.h>
#include <asm/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hoststate.h"

#define MAX_CPUS	64
#define LDT_ENTRY	0
#define LDT_SEL		((LDT_ENTRY << 3) | 4 | 3)	/* TI = 1 (LDT), RPL 3 */
#define GS_MAGIC	0x5a5a0000ULL			/* this thread's GS base, | tid */

static const struct {
	unsigned int msr;
	const char *name;
} msr_list[] = {
	{ 0xc0000081, "STAR" }, { 0xc0000082, "LSTAR" }, { 0xc0000083, "CSTAR" },
	{ 0xc0000084, "FMASK" }, { 0xc0000080, "EFER" }, { 0x277, "PAT" },
	{ 0x1d9, "DEBUGCTL" }, { 0x174, "SYSENTER_CS" }, { 0x176, "SYSENTER_EIP" },
};
#define NR_CHECKED_MSRS (sizeof(msr_list) / sizeof(msr_list[0]))

static uint64_t baseline[MAX_CPUS][NR_CHECKED_MSRS];
static bool have_baseline[MAX_CPUS];
static int msr_fd[MAX_CPUS];
static bool msrs_ok, ldt_ok;
static __thread uint64_t my_fs, my_gs;
static __thread sigjmp_buf ldt_jmp;
static __thread volatile int in_ldt_probe;

static int read_msrs(int cpu, uint64_t *out)
{
	unsigned int i;

	for (i = 0; i < NR_CHECKED_MSRS; i++)
		if (pread(msr_fd[cpu], &out[i], 8, msr_list[i].msr) != 8)
			return -1;
	return 0;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (in_ldt_probe)
		siglongjmp(ldt_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static bool ldt_usable(void);

static void install_ldt(void)
{
	struct user_desc d = {
		.entry_number = LDT_ENTRY, .base_addr = 0, .limit = 0xfffff, .seg_32bit = 1,
		.contents = 0 /* data */, .read_exec_only = 0, .limit_in_pages = 1, .useable = 1,
	};

	if (syscall(SYS_modify_ldt, 1, &d, sizeof(d)) && errno != ENOSYS)
		perror("modify_ldt");
}

bool hoststate_init(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER };
	char path[64];
	int cpu;

	install_ldt();
	sigaction(SIGSEGV, &sa, NULL);
	/* The control: the LDT must work before any DUNE_RUN, else no LDT check. */
	ldt_ok = ldt_usable();
	msrs_ok = true;
	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
		msr_fd[cpu] = open(path, O_RDONLY | O_CLOEXEC);
		if (msr_fd[cpu] < 0) {
			if (cpu == 0)
				msrs_ok = false;
			continue;
		}
		have_baseline[cpu] = read_msrs(cpu, baseline[cpu]) == 0;
		if (!have_baseline[cpu] && cpu == 0)
			msrs_ok = false;
	}
	return msrs_ok;
}

bool hoststate_have_msrs(void)
{
	return msrs_ok;
}

bool hoststate_have_ldt(void)
{
	return ldt_ok;
}

void hoststate_thread_init(void)
{
	my_gs = GS_MAGIC | (uint64_t)syscall(SYS_gettid);
	syscall(SYS_arch_prctl, ARCH_SET_GS, my_gs);
	syscall(SYS_arch_prctl, ARCH_GET_FS, &my_fs);
}

/* Load the LDT descriptor into ES and read the selector back; false on #GP. */
static bool ldt_usable(void)
{
	unsigned short sel = LDT_SEL, back = 0;
	bool ok = true;

	in_ldt_probe = 1;
	if (sigsetjmp(ldt_jmp, 1))
		ok = false;
	else
		asm volatile("mov %1, %%es\n mov %%es, %0\n mov %2, %%es" : "=r"(back)
			     : "r"(sel), "r"((unsigned short)0) : "memory");
	in_ldt_probe = 0;
	return ok && back == sel;
}

bool hoststate_check(bool msrs, char *why, size_t size)
{
	uint64_t fs = 0, gs = 0, now[NR_CHECKED_MSRS];
	unsigned int i;
	int cpu;

	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
	syscall(SYS_arch_prctl, ARCH_GET_GS, &gs);
	if (fs != my_fs) {
		snprintf(why, size, "FS base %#llx, was %#llx", (unsigned long long)fs,
			 (unsigned long long)my_fs);
		return false;
	}
	if (gs != my_gs) {
		snprintf(why, size, "GS base %#llx, was %#llx", (unsigned long long)gs,
			 (unsigned long long)my_gs);
		return false;
	}
	if (ldt_ok && !ldt_usable()) {
		snprintf(why, size, "the process's LDT selector %#x no longer loads (LDTR lost)",
			 LDT_SEL);
		/*
		 * Writing the LDT again makes the kernel reload LDTR on every
		 * CPU running this mm (arch/x86/kernel/ldt.c, install_ldt), so
		 * the next check is independent of this one.
		 */
		install_ldt();
		return false;
	}
	if (!msrs || !msrs_ok)
		return true;
	cpu = sched_getcpu();
	if (cpu < 0 || cpu >= MAX_CPUS || !have_baseline[cpu] || read_msrs(cpu, now))
		return true;
	for (i = 0; i < NR_CHECKED_MSRS; i++) {
		if (now[i] != baseline[cpu][i]) {
			snprintf(why, size, "CPU %d MSR %s = %#llx, was %#llx", cpu, msr_list[i].name,
				 (unsigned long long)now[i], (unsigned long long)baseline[cpu][i]);
			return false;
		}
	}
	return true;
}
