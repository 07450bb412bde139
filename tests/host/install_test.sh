#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install_test.sh - libdune installs, and a program builds against the
# installed copy as a user would: headers as <libdune/dune.h>, flags from
# pkg-config, linked statically and dynamically.  TAP output.
set -u
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=$((failed + 1)); fi
}

echo "TAP version 13"
echo "1..6"
make -s install-libdune DESTDIR="$tmp/root" PREFIX=/usr >"$tmp/install.log" 2>&1
ok $? "make install-libdune DESTDIR=... PREFIX=/usr"
for f in usr/include/libdune/dune.h usr/include/libdune/mmu-x86.h usr/include/libdune/cpu-x86.h \
	 usr/include/linux/dune.h usr/lib/libdune.a usr/lib/libdune.so.0 usr/lib/pkgconfig/libdune.pc; do
	[ -e "$tmp/root/$f" ] || { echo "# missing: $f"; missing=1; }
done
ok "${missing:-0}" "headers under include/libdune/, the uapi header, both libraries and libdune.pc are installed"

export PKG_CONFIG_PATH="$tmp/root/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$tmp/root"
flags=$(pkg-config --cflags --libs libdune 2>"$tmp/pc.log")
ok $? "pkg-config --cflags --libs libdune: $flags"

cat >"$tmp/prog.c" <<'PROG'
#include <stdio.h>
#include <libdune/dune.h>
#include <libdune/mmu-x86.h>

int main(void)
{
	printf("%d %lu\n", PGSIZE, (unsigned long)sizeof(struct dune_tf));
	return dune_init_and_enter();
}
PROG
# shellcheck disable=SC2086
cc -Wall -Werror -o "$tmp/prog-static" "$tmp/prog.c" $(pkg-config --cflags libdune) \
	"$tmp/root/usr/lib/libdune.a" -lpthread >"$tmp/cc1.log" 2>&1
ok $? "a program including <libdune/dune.h> links with the installed libdune.a"
# shellcheck disable=SC2086
cc -Wall -Werror -o "$tmp/prog-shared" "$tmp/prog.c" $flags >"$tmp/cc2.log" 2>&1
ok $? "... and with libdune.so through pkg-config"
readelf -d "$tmp/prog-shared" 2>/dev/null | grep -q 'NEEDED.*libdune.so.0'
ok $? "the dynamically linked program needs libdune.so.0"
[ "$failed" = 0 ]
