// SPDX-License-Identifier: GPL-2.0
/* dune_syscall_test with only.h's main(): only the tests named on the command line. */
#include "only.h"
#include "../libdune/dune_syscall_test.c"
