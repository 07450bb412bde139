// SPDX-License-Identifier: GPL-2.0
/* dune_vm_test with only.h's main(): only the tests named on the command line. */
#include "only.h"
#include "../kmod/dune_vm_test.c"
