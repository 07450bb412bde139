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
 * check nothing.  tests/sandbox/uaccess-check fails the host checks if
 * any other file of the sandbox turns a program address into a pointer.
 */
#include <string.h>

#include "sandbox.h"
#include "dune-ext.h"		/* dune_user_access_begin/_end */

void user_copy_in(void *dst, uint64_t src, size_t len)
{
	dune_user_access_begin();
	memcpy(dst, (const void *)src, len);
	dune_user_access_end();
}

void user_copy_out(uint64_t dst, const void *src, size_t len)
{
	dune_user_access_begin();
	memcpy((void *)dst, src, len);
	dune_user_access_end();
}

void user_clear(uint64_t dst, size_t len)
{
	dune_user_access_begin();
	memset((void *)dst, 0, len);
	dune_user_access_end();
}

/* The offset of the first NUL in @len program bytes at @src, or @len. */
size_t user_nul(uint64_t src, size_t len)
{
	const char *z;

	dune_user_access_begin();
	z = memchr((const void *)src, 0, len);
	dune_user_access_end();
	return z ? (size_t)(z - (const char *)src) : len;
}

/*
 * An atomic compare-and-exchange of a 32-bit program word (a futex word:
 * robust.c): true if it held *@old and now holds @val; else *@old is what
 * it held.
 */
bool user_cmpxchg32(uint64_t dst, uint32_t *old, uint32_t val)
{
	bool ok;

	dune_user_access_begin();
	ok = __atomic_compare_exchange_n((uint32_t *)dst, old, val, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST);
	dune_user_access_end();
	return ok;
}
