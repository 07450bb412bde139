# SPDX-License-Identifier: GPL-2.0
#
# libdune/libdune.mk - builds $(BUILD)/libdune/libdune.a; included by the
# top-level Makefile, which defines BUILD and CC.
#
# The flags matter for correctness, not only for style:
#   -mgeneral-regs-only   the host loop runs between two instructions of the
#                         guest, whose vector registers are live: libdune
#                         must never touch SSE/AVX state (rule R1, loop.c)
#   -fno-tree-loop-distribute-patterns
#                         no loops turned into calls to libc's memset/memcpy
#   -fno-stack-protector  no canary reads from the thread's TLS
# After building, the archive's undefined symbols are checked: libdune may
# call nothing outside itself but getenv() (from dune_init, natively).

LIBDUNE_A    := $(BUILD)/libdune/libdune.a
LIBDUNE_HDRS := $(wildcard libdune/*.h)
LIBDUNE_OBJS := $(patsubst libdune/%,$(BUILD)/libdune/%.o,$(wildcard libdune/*.c) libdune/entry.S)

LIBDUNE_CFLAGS := -O2 -g -fPIC -Wall -Wextra -D_GNU_SOURCE \
	-fno-stack-protector -mgeneral-regs-only -fno-tree-loop-distribute-patterns \
	-I$(CURDIR)/kmod/uapi -I$(CURDIR)/libdune

# libdune may refer to these outside itself (see above).
LIBDUNE_ALLOWED_EXTERNALS := getenv|_GLOBAL_OFFSET_TABLE_

.PHONY: libdune
libdune: $(LIBDUNE_A)

$(BUILD)/libdune/%.c.o: libdune/%.c $(LIBDUNE_HDRS) kmod/uapi/linux/dune.h
	@mkdir -p $(dir $@)
	$(CC) $(LIBDUNE_CFLAGS) -c -o $@ $<

$(BUILD)/libdune/%.S.o: libdune/%.S libdune/internal.h
	@mkdir -p $(dir $@)
	$(CC) $(LIBDUNE_CFLAGS) -c -o $@ $<

$(LIBDUNE_A): $(LIBDUNE_OBJS)
	@bad=$$(nm -u $^ | awk 'NF == 2 { print $$2 }' | \
		grep -v -x -E 'dune_.*|$(LIBDUNE_ALLOWED_EXTERNALS)' | sort -u); \
	if [ -n "$$bad" ]; then \
		echo "libdune: the objects call outside libdune (rule R1):" $$bad >&2; \
		exit 1; \
	fi
	rm -f $@
	$(AR) rcs $@ $^
