# SPDX-License-Identifier: GPL-2.0
#
# packaging/install.mk - installing what a user runs; included by the
# top-level Makefile (after libdune/libdune.mk, which defines PREFIX, LIBDIR,
# INCLUDEDIR and install-libdune).
#
#   make install         dune-sandbox, dune-trace, the example policies, the
#                        man pages, libdune (headers, libdune.a, libdune.so,
#                        libdune.pc) and the udev rule; to the system (no
#                        DESTDIR, as root) it also creates the "dune" group,
#                        runs ldconfig and tells udev
#   make uninstall       removes exactly what "make install" put there (the
#                        group stays, as groupadd's groups do)
#   make modules_install dune.ko into /lib/modules/KVER/updates (KDIR's
#                        kernel), then depmod: "modprobe dune" finds it
#   make dkms            dune.ko under DKMS for every kernel with headers
#                        (dkms.conf); "make dkms-remove" undoes it
#
# PREFIX (default /usr/local), DESTDIR for staging; BINDIR, DATADIR, MANDIR,
# UDEVRULESDIR may be set one by one.  The udev rule goes to /etc/udev/rules.d
# by default: udev reads no rules under /usr/local.

BINDIR       ?= $(PREFIX)/bin
DATADIR      ?= $(PREFIX)/share
MANDIR       ?= $(DATADIR)/man
POLICYDIR    ?= $(DATADIR)/dune/policies
UDEVRULESDIR ?= /etc/udev/rules.d
DKMS_SRCDIR  ?= /usr/src/dune-$(VERSION)

TOOLS        := $(BUILD)/bin/dune-sandbox $(BUILD)/bin/dune-trace
TOOL_NAMES   := $(notdir $(TOOLS))
POLICY_NAMES := $(notdir $(wildcard samples/sandbox/policies/*.policy))
MAN1         := $(wildcard man/*.1)
MAN5         := $(wildcard man/*.5)
UDEV_RULE    := packaging/65-dune.rules

# To the system itself (no staging root): the steps a package's postinst
# would take.
SYSTEM_INSTALL := $(if $(DESTDIR),,$(shell [ "$$(id -u)" = 0 ] && echo yes))

.PHONY: tools install-tools uninstall install-udev modules_install dkms dkms-src dkms-remove

# What a user runs, without the tests (the Debian package builds this).
tools: $(TOOLS) libdune

install: install-libdune install-tools install-udev
ifeq ($(SYSTEM_INSTALL),yes)
	ldconfig
endif

install-tools: $(TOOLS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(POLICYDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(TOOLS) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(addprefix samples/sandbox/policies/,$(POLICY_NAMES)) $(DESTDIR)$(POLICYDIR)/
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/

install-udev:
	install -d $(DESTDIR)$(UDEVRULESDIR)
	install -m 0644 $(UDEV_RULE) $(DESTDIR)$(UDEVRULESDIR)/
ifeq ($(SYSTEM_INSTALL),yes)
	getent group dune >/dev/null || groupadd --system dune
	-udevadm control --reload
	-udevadm trigger --subsystem-match=misc --sysname-match=dune
endif

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(TOOL_NAMES)) \
	      $(addprefix $(DESTDIR)$(POLICYDIR)/,$(POLICY_NAMES)) \
	      $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1))) \
	      $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5))) \
	      $(DESTDIR)$(UDEVRULESDIR)/$(notdir $(UDEV_RULE)) \
	      $(addprefix $(DESTDIR)$(INCLUDEDIR)/libdune/,$(notdir $(LIBDUNE_PUBLIC_HDRS))) \
	      $(DESTDIR)$(INCLUDEDIR)/libdune/linux/dune.h \
	      $(addprefix $(DESTDIR)$(LIBDIR)/,libdune.a libdune.so libdune.so.0) \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/libdune.pc
	-rmdir $(DESTDIR)$(POLICYDIR) $(DESTDIR)$(DATADIR)/dune \
	       $(DESTDIR)$(INCLUDEDIR)/libdune/linux $(DESTDIR)$(INCLUDEDIR)/libdune
ifeq ($(SYSTEM_INSTALL),yes)
	ldconfig
endif

# dune.ko for KDIR's kernel, where modprobe looks (INSTALL_MOD_PATH for
# staging), then depmod (kbuild skips it where a headers package has no
# System.map).  Unsigned: CONFIG_MODULE_SIG_ALL would have kbuild sign it
# with the kernel's own key, which only the kernel's builder has; with
# Secure Boot, use "make dkms", which signs with DKMS's MOK key.
INSTALL_MOD_DIR ?= updates
KERNELRELEASE_OF_KDIR = $(shell sed -n 's/^.define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h)
modules_install: module
	$(KBUILD) M=$(CURDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) CONFIG_MODULE_SIG_ALL= \
		$(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH)) modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KERNELRELEASE_OF_KDIR)

# The module's sources as DKMS wants them: dkms.conf, Kbuild and kmod/
# (the Debian package dune-dkms is this directory).
DKMS_FILES := dkms.conf Kbuild kmod/Kbuild $(wildcard kmod/uapi/linux/*.h) \
	$(filter-out %.mod.c,$(wildcard kmod/*.[chS]))

dkms-src:
	install -d $(DESTDIR)$(DKMS_SRCDIR)
	tar -cf - $(DKMS_FILES) | tar -xf - -C $(DESTDIR)$(DKMS_SRCDIR) --no-same-owner

# For every kernel with headers (/lib/modules/KVER/build), as root.
dkms: dkms-src
	dkms add dune/$(VERSION)
	for k in $$(ls /lib/modules); do \
		[ -e /lib/modules/$$k/build/Makefile ] || continue; \
		dkms build dune/$(VERSION) -k $$k && dkms install dune/$(VERSION) -k $$k || exit 1; \
	done

dkms-remove:
	dkms remove dune/$(VERSION) --all
	rm -rf $(DKMS_SRCDIR)
