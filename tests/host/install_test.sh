#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install_test.sh - "make install" into a scratch root installs what a user
# runs (the tools, the policies, the man pages, libdune, the udev rule), a
# program builds against the installed libdune as a user would (headers as
# <libdune/dune.h>, <linux/dune.h> from libdune's own directory, flags from
# pkg-config, linked statically and dynamically), "make uninstall" removes
# exactly that, and "make modules_install" puts dune.ko where modprobe
# finds it.  TAP output.
#
#   install_test.sh [KDIR]    (KDIR: for modules_install; default: the stock
#                              kernel's, tools/vm/kernel stock kdir)
set -u
cd "$(dirname "$0")/../.." || exit 1
kdir=${1:-$(tools/vm/kernel stock kdir 2>/dev/null)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
n=0
failed=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=$((failed + 1)); fi
}

echo "TAP version 13"
echo "1..14"
make -s install DESTDIR="$root" PREFIX=/usr >"$tmp/install.log" 2>&1
st=$?
[ $st = 0 ] || sed 's/^/# /' "$tmp/install.log"
ok $st "make install DESTDIR=... PREFIX=/usr"

# Exactly these files, nothing more.
cat >"$tmp/expected" <<'LIST'
etc/udev/rules.d/65-dune.rules
usr/bin/dune-sandbox
usr/bin/dune-trace
usr/include/libdune/cpu-x86.h
usr/include/libdune/dune-ext.h
usr/include/libdune/dune-orig-kern.h
usr/include/libdune/dune.h
usr/include/libdune/elf.h
usr/include/libdune/fpu.h
usr/include/libdune/linux/dune.h
usr/include/libdune/mmu-x86.h
usr/include/libdune/mmu.h
usr/include/libdune/types.h
usr/lib/libdune.a
usr/lib/libdune.so
usr/lib/libdune.so.0
usr/lib/pkgconfig/libdune.pc
usr/share/dune/policies/shell.policy
usr/share/dune/policies/strict.policy
usr/share/man/man1/dune-sandbox.1
usr/share/man/man1/dune-trace.1
usr/share/man/man5/dune-policy.5
LIST
(cd "$root" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort) >"$tmp/installed"
diff -u "$tmp/expected" "$tmp/installed" | sed 's/^/# /'
ok "${PIPESTATUS[0]}" "the installed files: tools, policies, man pages, libdune, libdune.pc, udev rule (none in include/linux/, linux-libc-dev's)"

[ -x "$root/usr/bin/dune-sandbox" ] && [ -x "$root/usr/bin/dune-trace" ] &&
	"$root/usr/bin/dune-sandbox" --help | grep -q '^Usage: dune-sandbox' &&
	"$root/usr/bin/dune-trace" --help | grep -q '^Usage: dune-trace'
ok $? "the installed dune-sandbox and dune-trace run (--help)"

grep -q '^SUBSYSTEM=="misc", KERNEL=="dune", GROUP="dune", MODE="0660"$' \
	"$root/etc/udev/rules.d/65-dune.rules"
ok $? "the udev rule gives /dev/dune to the dune group, 0660"

# Every page renders without a groff warning, and documents every option
# its tool's --help lists.
man_ok=0
for page in "$root"/usr/share/man/man*/*; do
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$w" ] || { echo "# $page: $w"; man_ok=1; }
done
for tool in dune-sandbox dune-trace; do
	text=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$root/usr/share/man/man1/$tool.1" 2>/dev/null)
	for opt in $("$root/usr/bin/$tool" --help | grep -o -E '^  +(-[a-z], )?--?[a-z][a-z-]*' | \
			sed 's/.*[ ,]//'); do
		# an entry of OPTIONS: "       --policy FILE", "       -h, --help"
		grep -q -E "^ +(-[a-z], )?$opt( |,|\$)" <<<"$text" ||
			{ echo "# $tool.1 does not document $opt"; man_ok=1; }
	done
done
ok $man_ok "the man pages render without warnings and document every option of --help"

export PKG_CONFIG_PATH="$root/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
flags=$(pkg-config --cflags --libs libdune 2>"$tmp/pc.log")
ok $? "pkg-config --cflags --libs libdune: $flags"

cat >"$tmp/prog.c" <<'PROG'
#include <stdio.h>
#include <libdune/dune.h>
#include <libdune/mmu-x86.h>
#include <linux/dune.h>

int main(void)
{
	printf("%d %lu %lu\n", PGSIZE, (unsigned long)sizeof(struct dune_tf),
	       (unsigned long)sizeof(struct dune_exit_stats));
	return dune_init_and_enter();
}
PROG
# The system's include directories must not hold a <linux/dune.h> that
# the program could pick up instead.
[ ! -e /usr/include/linux/dune.h ] || echo "# note: /usr/include/linux/dune.h exists on this machine"
# shellcheck disable=SC2086
cc -Wall -Werror -o "$tmp/prog-static" "$tmp/prog.c" $(pkg-config --cflags libdune) \
	"$root/usr/lib/libdune.a" -lpthread >"$tmp/cc1.log" 2>&1
st=$?
[ $st = 0 ] || sed 's/^/# /' "$tmp/cc1.log"
ok $st "a program including <libdune/dune.h> and <linux/dune.h> links with the installed libdune.a"
# shellcheck disable=SC2086
cc -Wall -Werror -o "$tmp/prog-shared" "$tmp/prog.c" $flags >"$tmp/cc2.log" 2>&1
ok $? "... and with libdune.so through pkg-config"
readelf -d "$tmp/prog-shared" 2>/dev/null | grep -q 'NEEDED.*libdune.so.0'
ok $? "the dynamically linked program needs libdune.so.0"
cc -E -H "$tmp/prog.c" $(pkg-config --cflags libdune) 2>&1 >/dev/null | \
	grep -q -x -F ". $root/usr/include/libdune/linux/dune.h"
ok $? "<linux/dune.h> comes from include/libdune/linux/ (pkg-config's -I)"

make -s uninstall DESTDIR="$root" PREFIX=/usr >"$tmp/uninstall.log" 2>&1
ok $? "make uninstall DESTDIR=... PREFIX=/usr"
left=$(cd "$root" && find . ! -type d)
[ -z "$left" ] || echo "# left behind: $left"
[ -z "$left" ]
ok $? "make uninstall removed every file make install put there"
left=$(cd "$root" && find . -type d \( -path '*/libdune*' -o -path '*/share/dune*' \))
[ -z "$left" ] || echo "# left behind: $left"
[ -z "$left" ]
ok $? "... and the directories of its own"

# modules_install: dune.ko under updates/, known to depmod.
if [ -n "$kdir" ] && [ -d "$kdir" ]; then
	make -s modules_install KDIR="$kdir" INSTALL_MOD_PATH="$tmp/mods" >"$tmp/mi.log" 2>&1
	st=$?
	rel=$(sed -n 's/^.define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
	[ $st = 0 ] && modprobe -n -v -d "$tmp/mods" -S "$rel" dune 2>&1 | \
		grep -q "insmod $tmp/mods/lib/modules/$rel/updates/.*dune.ko"
	st=$?
	[ $st = 0 ] || sed 's/^/# /' "$tmp/mi.log"
	ok $st "make modules_install INSTALL_MOD_PATH=...: modprobe dune finds updates/.../dune.ko for $rel"
else
	ok 1 "make modules_install: no KDIR ($kdir)"
fi
[ "$failed" = 0 ]
