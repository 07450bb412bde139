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
# After building, the host-side objects' undefined symbols are checked:
# they may call nothing outside libdune's host side but getenv() (from
# dune_init, natively).
#
# Guest-side objects (LIBDUNE_GUEST_SRCS) are the exception: they run only
# from program context - natively, or in Dune mode at CPL 0 as the program
# itself does - never in the host loop.  So they may use libc (stdio,
# malloc) and vector registers, and are compiled without
# -mgeneral-regs-only.  No host-side object may refer to a symbol they
# define (checked too); they may call the host side (dune_printf, ...).

LIBDUNE_A    := $(BUILD)/libdune/libdune.a
LIBDUNE_SO   := $(BUILD)/libdune/libdune.so
LIBDUNE_PC   := $(BUILD)/libdune/libdune.pc
LIBDUNE_HDRS := $(wildcard libdune/*.h)
LIBDUNE_OBJS := $(patsubst libdune/%,$(BUILD)/libdune/%.o,$(wildcard libdune/*.c) libdune/entry.S)

LIBDUNE_GUEST_SRCS := libdune/procmap.c libdune/elf.c libdune/vm.c libdune/signal.c
LIBDUNE_GUEST_OBJS := $(patsubst libdune/%,$(BUILD)/libdune/%.o,$(LIBDUNE_GUEST_SRCS))
LIBDUNE_HOST_OBJS  := $(filter-out $(LIBDUNE_GUEST_OBJS),$(LIBDUNE_OBJS))

LIBDUNE_CFLAGS := -O2 -g -fPIC -Wall -Wextra -D_GNU_SOURCE \
	-fno-stack-protector -mgeneral-regs-only -fno-tree-loop-distribute-patterns \
	-I$(CURDIR)/kmod/uapi -I$(CURDIR)/libdune
LIBDUNE_GUEST_CFLAGS := $(filter-out -mgeneral-regs-only -fno-tree-loop-distribute-patterns,$(LIBDUNE_CFLAGS))

$(LIBDUNE_GUEST_OBJS): LIBDUNE_CFLAGS := $(LIBDUNE_GUEST_CFLAGS)

# The host side may refer to these outside itself (see above).
LIBDUNE_ALLOWED_EXTERNALS := getenv|_GLOBAL_OFFSET_TABLE_

.PHONY: libdune
libdune: $(LIBDUNE_A) $(LIBDUNE_SO) $(LIBDUNE_PC)

$(BUILD)/libdune/%.c.o: libdune/%.c $(LIBDUNE_HDRS) kmod/uapi/linux/dune.h
	@mkdir -p $(dir $@)
	$(CC) $(LIBDUNE_CFLAGS) -c -o $@ $<

$(BUILD)/libdune/%.S.o: libdune/%.S libdune/internal.h
	@mkdir -p $(dir $@)
	$(CC) $(LIBDUNE_CFLAGS) -c -o $@ $<

$(LIBDUNE_A): $(LIBDUNE_OBJS)
	@bad=$$(nm -u $(LIBDUNE_HOST_OBJS) | awk 'NF == 2 { print $$2 }' | \
		grep -v -x -E 'dune_.*|$(LIBDUNE_ALLOWED_EXTERNALS)' | sort -u); \
	if [ -n "$$bad" ]; then \
		echo "libdune: the host-side objects call outside libdune (rule R1):" $$bad >&2; \
		exit 1; \
	fi; \
	bad=$$(nm -u $(LIBDUNE_HOST_OBJS) | awk 'NF == 2 { print "U", $$2 }'; \
		nm --defined-only $(LIBDUNE_GUEST_OBJS) | awk 'NF == 3 { print "D", $$3 }') ; \
	bad=$$(echo "$$bad" | awk '$$1 == "U" { u[$$2] = 1 } $$1 == "D" { d[$$2] = 1 } \
		END { for (s in u) if (s in d) print s }' | sort); \
	if [ -n "$$bad" ]; then \
		echo "libdune: host-side objects refer to guest-side symbols:" $$bad >&2; \
		exit 1; \
	fi
	rm -f $@
	$(AR) rcs $@ $^

# The shared library: the same position-independent objects.  Dune mode
# works from it as from the archive (tests/libdune's *_so_test suites).
# -z noexecstack: entry.S has its note; -z now: no lazy binding, so that no
# PLT resolution ever runs inside the host loop (rule R1).
$(LIBDUNE_SO): $(LIBDUNE_A)
	$(CC) -shared -fPIC -Wl,-soname,libdune.so.0 -Wl,-z,now -Wl,-z,noexecstack \
		-o $@ $(LIBDUNE_OBJS)
	ln -sf libdune.so $(BUILD)/libdune/libdune.so.0

# pkg-config: "pkg-config --cflags --libs libdune" once installed.  The
# uapi header goes to $(INCLUDEDIR)/libdune/linux/dune.h, not to
# $(INCLUDEDIR)/linux/, which belongs to linux-libc-dev: "#include
# <linux/dune.h>" finds it through -I${includedir}/libdune.
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
LIBDUNE_PUBLIC_HDRS := libdune/dune.h libdune/dune-ext.h libdune/cpu-x86.h \
	libdune/mmu-x86.h libdune/mmu.h libdune/types.h libdune/fpu.h libdune/elf.h \
	libdune/dune-orig-kern.h

LIBDUNE_PC_TEXT = 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	'Name: libdune' \
	'Description: run a Linux process in VMX non-root ring 0 (Dune mode)' \
	'Version: $(VERSION)' \
	'Cflags: -I$${includedir}/libdune -I$${includedir}' \
	'Libs: -L$${libdir} -ldune -lpthread'

# (Written again at install time, for the PREFIX given then.)
$(LIBDUNE_PC): libdune/libdune.mk
	@mkdir -p $(dir $@)
	printf '%s\n' $(LIBDUNE_PC_TEXT) > $@

.PHONY: install-libdune
install-libdune: $(LIBDUNE_A) $(LIBDUNE_SO) $(LIBDUNE_PC)
	install -d $(DESTDIR)$(INCLUDEDIR)/libdune/linux \
		$(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 0644 $(LIBDUNE_PUBLIC_HDRS) $(DESTDIR)$(INCLUDEDIR)/libdune/
	install -m 0644 kmod/uapi/linux/dune.h $(DESTDIR)$(INCLUDEDIR)/libdune/linux/dune.h
	install -m 0644 $(LIBDUNE_A) $(DESTDIR)$(LIBDIR)/libdune.a
	install -m 0755 $(LIBDUNE_SO) $(DESTDIR)$(LIBDIR)/libdune.so.0
	ln -sf libdune.so.0 $(DESTDIR)$(LIBDIR)/libdune.so
	printf '%s\n' $(LIBDUNE_PC_TEXT) > $(DESTDIR)$(LIBDIR)/pkgconfig/libdune.pc
