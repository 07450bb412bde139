/* SPDX-License-Identifier: GPL-2.0 */
/*
 * checks.h - the "ok WHAT" / "FAIL WHAT (value, errno)" lines of the
 * sandbox's check programs (tmpfiles, vdsocheck, mapscheck); the program
 * exits with failures ? 1 : 0.
 */
#ifndef DUNE_SANDBOX_CHECKS_H
#define DUNE_SANDBOX_CHECKS_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int failures;

static inline void check(bool ok, const char *what, long v)
{
	if (ok) {
		printf("ok %s\n", what);
	} else {
		printf("FAIL %s (%ld, %s)\n", what, v, strerror(errno));
		failures++;
	}
}

#endif
