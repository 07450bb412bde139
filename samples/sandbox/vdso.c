// SPDX-License-Identifier: GPL-2.0
/*
 * vdso.c - a vDSO for the program, as the kernel's ELF loader gives one
 * to every process: clock_gettime, gettimeofday, time and getcpu answered
 * in ring 3, without a system call - so without a trip to the supervisor
 * either (a VM exit and a host call each, in the sandbox).
 *
 * The supervisor's own vDSO cannot simply be given PTE_U: ring 0 runs it
 * too (libc's clock_gettime in the supervisor), and SMEP forbids ring 0 to
 * execute a user page, SMAP to read one.  So the program gets its own
 * view of it, in its window, laid out as the kernel lays out the host's
 * (arch/x86/entry/vdso/vdso-layout.lds.S: the [vvar] data pages - on 6.13
 * and later [vvar] and [vvar_vclock] - right below the [vdso] text, which
 * reaches them by RIP-relative addressing):
 *
 *   - the text: a copy of the host's [vdso] pages in ordinary program
 *     memory (mem_map, written with mem_write, then PROT_READ|PROT_EXEC).
 *     The image is position-independent and already patched for this CPU
 *     (alternatives are applied when the kernel boots);
 *   - the data: the host's [vvar*] frames themselves, which the kernel
 *     updates at every tick, mapped read-only for ring 3 at the same
 *     distance below the copy (mem_map_frames: guest page tables only;
 *     the host side of that range stays the window's PROT_NONE
 *     reservation, so no system call can be pointed at it).  They are
 *     time data every native process reads.
 *
 * Offered only where the policy allows all four calls whatever their
 * arguments (policy_allows_always): a policy that denies, kills or
 * conditions one of them sees every one of them as a system call, as
 * before.  Where the host's clock cannot be read in user mode (a clock
 * source without a vDSO mode), the vDSO's own fallback makes the system
 * call, which the supervisor handles as any other.
 */
#include <errno.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "sandbox.h"

static uint64_t host_data, host_text, host_end;	/* [data, text) [vvar*], [text, end) [vdso] */
static bool other_between;			/* another mapping in [data, text) */

static void find(const struct dune_procmap_entry *e)
{
	if (e->type == PROCMAP_TYPE_VDSO) {
		host_text = e->begin;
		host_end = e->end;
	} else if (e->type == PROCMAP_TYPE_VVAR) {
		if (!host_data || e->begin < host_data)
			host_data = e->begin;
	}
}

static void check_between(const struct dune_procmap_entry *e)
{
	if (e->begin < host_text && e->end > host_data && e->type != PROCMAP_TYPE_VVAR)
		other_between = true;
}

/* The host's [vvar*] and [vdso], once, at start (before Landlock hides /proc). */
int vdso_probe(void)
{
	static const long calls[] = {
		SYS_clock_gettime, SYS_gettimeofday, SYS_time, SYS_getcpu,
	};
	unsigned int i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (!policy_allows_always(calls[i])) {
			if (verbose)
				fprintf(stderr, "%s: no vDSO for the program: the policy decides %s\n",
					progname, sysname(calls[i]));
			return 0;
		}
	dune_procmap_iterate(find);
	if (host_text != getauxval(AT_SYSINFO_EHDR) || !host_data || host_data >= host_text) {
		host_text = 0;		/* not the layout above: none */
		return 0;
	}
	dune_procmap_iterate(check_between);
	if (other_between) {
		host_text = 0;
		return 0;
	}
	if (verbose)
		fprintf(stderr, "%s: vDSO for the program: %lu data pages, %lu text pages\n",
			progname, (host_text - host_data) / PAGE_SIZE,
			(host_end - host_text) / PAGE_SIZE);
	return 0;
}

/*
 * The program's vDSO, in the fresh address space of a new program (start
 * and execve): the base for AT_SYSINFO_EHDR, or 0 for none (then libc
 * makes the system calls).
 */
uint64_t vdso_load(void)
{
	uint64_t data_len = host_data ? host_text - host_data : 0, text_len = host_end - host_text;
	uint64_t base, text;

	if (!host_text)
		return 0;
	base = mem_find_free(data_len + text_len, 0);
	if (!base)
		return 0;
	text = base + data_len;
	if (mem_map(text, text_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
		return 0;
	if (mem_write(text, (const void *)host_text, text_len) ||
	    mem_protect(text, text_len, PROT_READ | PROT_EXEC) ||
	    mem_map_frames(base, data_len, host_data)) {
		mem_unmap(base, data_len + text_len);
		return 0;
	}
	mem_set_name(text, text_len, "[vdso]");
	return text;
}
