// SPDX-License-Identifier: GPL-2.0
/*
 * uaccess.c - the only code of the supervisor that touches the program's
 * memory, as the kernel's copy_from_user()/copy_to_user() are its only
 * way into user memory.
 *
 * The supervisor runs in guest ring 0, the program in ring 3 of the same
 * address space.  With SMAP on (CR4.SMAP, SDM Vol. 3A, 4.6: requested by
 * start.c where the CPU has it), a ring-0 read or write of a page ring 3
 * may use faults unless RFLAGS.AC is set: a stray pointer of the program's
 * choosing that the supervisor follows by mistake is then a fault, not a
 * read of attacker data or a write into the program.  Each function here
 * opens the window for exactly its own copy - dune_user_access_begin() is
 * STAC, _end() CLAC (libdune/protect.c; nothing without SMAP) - and calls
 * nothing but the copy inside it.
 *
 * The callers check first (mem_check, or the memory map's lock held, so
 * that the range is the program's for the whole copy); these functions
 * check nothing.  But a checked range can still be one the host cannot
 * back: a shared file mapping whose file another process truncated, as
 * for the kernel's copy_from_user().  The kernel's answer is its exception
 * table, and so is ours: the accesses are the instructions of the small
 * leaf functions below (ua_*, between ua_start and ua_end), registered
 * with libdune (dune_register_fault_fixup(), libdune/fixup.c).  Where the
 * host cannot back the page, libdune resumes at ua_fault - a "ret" - with
 * RAX = -EFAULT, and the call that wanted the copy fails with EFAULT, as
 * natively; no SIGBUS reaches anyone (before: the supervisor took the
 * SIGBUS and, where the program had a handler, retried the copy for
 * ever).  tests/sandbox/uaccess-check fails the host checks if
 * any other file of the sandbox turns a program address into a pointer.
 */
#include "sandbox.h"
#include "dune-ext.h"		/* dune_user_access_begin/_end, dune_register_fault_fixup */

/*
 * The accesses.  Leaf functions with no stack frame, so that the fixup can
 * be one "ret" from any of their instructions; DF is clear on entry (the
 * ABI).  Each returns 0 (or its result), or -EFAULT through the fixup.
 *
 *   long ua_copy(void *dst, const void *src, size_t len)
 *   long ua_nul(const void *src, size_t len)   offset of the first NUL, or len
 *   long ua_cmpxchg32(uint32_t *dst, uint32_t *old, uint32_t val)
 *                                    1 if exchanged, 0 if not (*old updated)
 */
#define UA_FUNC(name) ".globl " #name "\n.hidden " #name "\n.type " #name ", @function\n" #name ":\n"
__asm__(".pushsection .text\n"
	".p2align 4\n"
	".globl ua_start\n.hidden ua_start\n"
	"ua_start:\n"
	UA_FUNC(ua_copy)
	"	mov %rdx, %rcx\n"
	"	xor %eax, %eax\n"
	"	rep movsb\n"
	"	ret\n"
	UA_FUNC(ua_nul)
	"	mov %rsi, %rcx\n"
	"	mov %rdi, %rdx\n"
	"	xor %eax, %eax\n"
	"	test %rcx, %rcx\n"
	"	jz 1f\n"
	"	repne scasb\n"
	"	jne 1f\n"
	"	lea -1(%rdi), %rax\n"
	"	sub %rdx, %rax\n"
	"	ret\n"
	"1:	mov %rsi, %rax\n"
	"	ret\n"
	UA_FUNC(ua_cmpxchg32)
	"	mov (%rsi), %eax\n"
	"	lock cmpxchg %edx, (%rdi)\n"
	"	jne 2f\n"
	"	mov $1, %eax\n"
	"	ret\n"
	"2:	mov %eax, (%rsi)\n"
	"	xor %eax, %eax\n"
	"	ret\n"
	".globl ua_end\n.hidden ua_end\n"
	"ua_end:\n"
	/* not in [ua_start, ua_end): RAX is -EFAULT already (libdune/fixup.c) */
	UA_FUNC(ua_fault)
	"	ret\n"
	".popsection\n");

extern char ua_start[], ua_end[], ua_fault[];
long ua_copy(void *dst, const void *src, size_t len);
long ua_nul(const void *src, size_t len);
long ua_cmpxchg32(uint32_t *dst, uint32_t *old, uint32_t val);

/* Before the first copy (start.c): 0, or a negative errno value. */
int uaccess_init(void)
{
	return dune_register_fault_fixup((uintptr_t)ua_start, (uintptr_t)ua_end,
					 (uintptr_t)ua_fault);
}

int user_copy_in(void *dst, uint64_t src, size_t len)
{
	long ret;

	dune_user_access_begin();
	ret = ua_copy(dst, (const void *)src, len);
	dune_user_access_end();
	return (int)ret;
}

int user_copy_out(uint64_t dst, const void *src, size_t len)
{
	long ret;

	dune_user_access_begin();
	ret = ua_copy((void *)dst, src, len);
	dune_user_access_end();
	return (int)ret;
}

/* The offset of the first NUL in @len program bytes at @src, @len, or -EFAULT. */
long user_nul(uint64_t src, size_t len)
{
	long ret;

	dune_user_access_begin();
	ret = ua_nul((const void *)src, len);
	dune_user_access_end();
	return ret;
}

/*
 * An atomic compare-and-exchange of a 32-bit program word (a futex word:
 * robust.c): 1 if it held *@old and now holds @val; 0 if not (*@old is
 * what it held); -EFAULT.
 */
int user_cmpxchg32(uint64_t dst, uint32_t *old, uint32_t val)
{
	long ret;

	dune_user_access_begin();
	ret = ua_cmpxchg32((uint32_t *)dst, old, val);
	dune_user_access_end();
	return (int)ret;
}
