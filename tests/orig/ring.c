// SPDX-License-Identifier: GPL-2.0
/*
 * ring.c - the program's own code in guest ring 3, in the style of the
 * original Dune's ring benchmark.  dune_init_and_enter() maps the whole
 * process with user access (map_full), so a plain C function of this
 * program can run at CPL 3 on a stack from malloc().  There it:
 *
 *  1. writes to a page mapped read-only and supervisor-only: the #PF
 *     reaches the ring-0 page-fault handler, which grants PTE_U | PTE_W;
 *  2. makes system calls: the ring-0 syscall handler passes them through
 *     to the host with dune_passthrough_syscall();
 *  3. makes a system call with a number no kernel has, which the handler
 *     answers with dune_ret_from_user(): dune_jump_to_user() returns.
 *
 * Written against the original Dune's public headers only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "libdune/dune.h"
#include "libdune/cpu-x86.h"
#include "libdune/mmu-x86.h"

#define PAGE		((volatile char *)0x400000000000UL)
#define NR_RETURN	0x7fff
#define NR_CALLS	1000
#define STACK_SIZE	(64 * 1024)

static volatile int user_faults, syscalls;
static long last_pid;

static void pgflt_handler(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	ptent_t *pte;

	/* Only the expected fault: a ring-3 write to PAGE. */
	if (addr != (uintptr_t)PAGE || !(fec & FEC_U) || !(fec & FEC_W) ||
	    dune_vm_lookup(pgroot, (void *)addr, CREATE_NONE, &pte)) {
		printf("ring: unexpected fault at 0x%lx, code 0x%lx\n",
		       (unsigned long)addr, (unsigned long)fec);
		dune_ret_from_user(-1);
	}
	user_faults++;
	*pte |= PTE_U | PTE_W;
	dune_flush_tlb_one(addr);
}

static void syscall_handler(struct dune_tf *tf)
{
	syscalls++;
	if (tf->rax == NR_RETURN)
		dune_ret_from_user((int)ARG0(tf));
	dune_passthrough_syscall(tf);
}

/* Runs in ring 3: it returns through the NR_RETURN system call only. */
static void user_main(void)
{
	long i, pid = 0;

	PAGE[0] = 'u';				/* faults once */
	for (i = 0; i < NR_CALLS; i++)
		pid = syscall(SYS_getpid);
	last_pid = pid;
	syscall(NR_RETURN, PAGE[0] == 'u' ? 42 : 1);
	for (;;)
		;
}

int main(void)
{
	struct dune_tf tf;
	char *stack;
	int ret;

	if (dune_init_and_enter()) {
		printf("failed to initialize dune\n");
		return 1;
	}
	dune_register_pgflt_handler(pgflt_handler);
	dune_register_syscall_handler(syscall_handler);
	if (dune_vm_map_pages(pgroot, (void *)PAGE, PGSIZE, PERM_R)) {
		printf("ring: dune_vm_map_pages failed\n");
		return 1;
	}
	stack = malloc(STACK_SIZE);
	if (!stack)
		return 1;

	memset(&tf, 0, sizeof(tf));
	tf.rip = (uintptr_t)&user_main;
	tf.rsp = (uintptr_t)(stack + STACK_SIZE) - 8;	/* as after a call */
	tf.rflags = 0x2;
	ret = dune_jump_to_user(&tf);

	printf("ring: returned %d, %d user fault(s), %d system calls\n",
	       ret, user_faults, syscalls);
	if (ret != 42 || user_faults != 1 || syscalls != NR_CALLS + 1 ||
	    last_pid != getpid()) {
		printf("ring: [failed]\n");
		return 1;
	}
	printf("ring: [passed]\n");
	return 0;
}
