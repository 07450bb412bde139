/* SPDX-License-Identifier: GPL-2.0 */
/*
 * elf.h - the system's <elf.h>.  The original Dune shipped a copy of
 * glibc's <elf.h> under this name; programs that include "elf.h" with
 * libdune/ on the include path get the real one through this wrapper.
 */
#ifndef LIBDUNE_ELF_H_WRAPPER
#define LIBDUNE_ELF_H_WRAPPER

#pragma GCC system_header	/* #include_next is a GNU extension */
#include_next <elf.h>

#endif /* LIBDUNE_ELF_H_WRAPPER */
