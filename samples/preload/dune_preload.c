// SPDX-License-Identifier: GPL-2.0
/*
 * dune_preload.c - libdune-preload.so: run an unmodified dynamically linked
 * program in plain Dune mode (VMX non-root ring 0, libdune's page tables,
 * system calls forwarded with native semantics).
 *
 *   LD_PRELOAD=/opt/dune/lib/libdune-preload.so PROGRAM [ARGS...]
 *
 * The dynamic loader runs the constructors of preloaded objects before the
 * program's own and before main (ld.so(8), "LD_PRELOAD"; glibc's
 * _dl_init walks the initialisation order with preloads first), so the
 * program's first instruction of its own already runs in Dune mode.  The
 * library is self-contained (libdune's objects linked in), so nothing but
 * the variable is needed.  LD_PRELOAD is inherited: the children a
 * program execs enter Dune mode too; a fork child runs natively until its
 * next exec (libdune/README.md, "fork from Dune mode").  Static programs
 * (Go's, busybox-static) never load it.
 *
 * If Dune mode cannot be entered the program does not run natively
 * instead: a comparison with native runs would silently compare native
 * with native.  It ends with status 127 and says why.
 */
#include <string.h>
#include <unistd.h>

#include "dune.h"

#define PRELOAD_FAILED	127

static void say(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));

	(void)r;
}

__attribute__((constructor)) static void dune_preload_enter(void)
{
	int ret = dune_init_and_enter();

	if (ret) {
		say("libdune-preload: cannot enter Dune mode: ");
		say(strerror(-ret));
		say("\n");
		_exit(PRELOAD_FAILED);
	}
}
