#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb_test.sh - the Debian packages (debian/): "dpkg-buildpackage -us -uc -b"
# builds dune-dkms, libdune0, libdune-dev and dune-tools from a copy of the
# source tree; lintian reports no error or warning; each package, unpacked
# into a scratch root (dpkg -x), holds exactly its files; the unpacked tools
# run and a program builds against the unpacked libdune; DKMS builds,
# signs (with its MOK key) and installs dune.ko from the unpacked dune-dkms
# for every kernel with headers, in a private mount namespace whose
# /var/lib/dkms and /lib/modules are scratch directories (nothing on the
# machine changes).  TAP output.  Needs root (for the mount namespace) and
# the build dependencies (tools/setup installs them).
set -u
cd "$(dirname "$0")/../.." || exit 1
repo=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=$((failed + 1)); fi
}
show() { sed 's/^/# /' "$@"; }

echo "TAP version 13"
echo "1..10"

version=$(sed -n 's/^VERSION := //p' Makefile)
dkms_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
deb_version=$(dpkg-parsechangelog -S Version 2>/dev/null)
[ -n "$version" ] && [ "$version" = "$dkms_version" ] && [ "$version" = "$deb_version" ]
ok $? "one version: Makefile $version, dkms.conf $dkms_version, debian/changelog $deb_version"

# A copy of the source tree as a release tarball would have it (no build/).
src=$tmp/dune-$version
mkdir -p "$src"
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -z -c -o --exclude-standard | xargs -0 tar -cf - | tar -xf - -C "$src"
else
	tar --exclude=./build -cf - . | tar -xf - -C "$src"
fi
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1
st=$?
[ $st = 0 ] || tail -n 40 "$tmp/build.log" | show
ok $st "dpkg-buildpackage -us -uc -b"

lintian --no-cfg "$tmp"/dune_"${version}"_amd64.changes >"$tmp/lintian.log" 2>&1
show "$tmp/lintian.log"
! grep -q -E '^[EW]: ' "$tmp/lintian.log"
ok $? "lintian: no errors, no warnings"

# Exactly these files in each package (directories and the changelog and
# copyright every package has left out); dune-dkms's sources are the
# module's.
for p in dune-dkms libdune0 libdune-dev dune-tools; do
	deb=$(ls "$tmp"/${p}_"${version}"_*.deb 2>/dev/null)
	[ -n "$deb" ] && dpkg -x "$deb" "$tmp/root" && dpkg -c "$deb" |
		awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./||' |
		grep -v -E "^usr/share/doc/$p/(changelog.gz|copyright)$" | LC_ALL=C sort >"$tmp/$p.list"
done
multiarch=$(dpkg-architecture -q DEB_HOST_MULTIARCH)
{
	echo lib/udev/rules.d/65-dune.rules
	(cd "$src" && { echo dkms.conf; echo Kbuild; find kmod \( -name '*.[chS]' ! -name '*.mod.c' \) -o -name Kbuild; }) |
		sed "s|^|usr/src/dune-$version/|"
} | LC_ALL=C sort >"$tmp/dune-dkms.want"
printf "%s\n" "usr/lib/$multiarch/libdune.so.0" usr/share/lintian/overrides/libdune0 >"$tmp/libdune0.want"
{
	(cd "$src" && ls libdune/{dune,dune-ext,cpu-x86,mmu-x86,mmu,types,fpu,elf,dune-orig-kern}.h) | sed 's|^|usr/include/|'
	echo usr/include/libdune/linux/dune.h
	echo "usr/lib/$multiarch/libdune.a"
	echo "usr/lib/$multiarch/libdune.so"
	echo "usr/lib/$multiarch/pkgconfig/libdune.pc"
} | LC_ALL=C sort >"$tmp/libdune-dev.want"
{
	echo usr/bin/dune-sandbox
	echo usr/bin/dune-trace
	(cd "$src/samples/sandbox/policies" && ls ./*.policy) | sed 's|^\./|usr/share/dune/policies/|'
	echo usr/share/man/man1/dune-sandbox.1.gz
	echo usr/share/man/man1/dune-trace.1.gz
	echo usr/share/man/man5/dune-policy.5.gz
} | LC_ALL=C sort >"$tmp/dune-tools.want"
for p in dune-dkms libdune0 libdune-dev dune-tools; do
	touch "$tmp/$p.list"
	diff -u "$tmp/$p.want" "$tmp/$p.list" >"$tmp/$p.diff"
	st=$?
	show "$tmp/$p.diff"
	ok $st "$p: unpacks into a scratch root with exactly its files"
done

root=$tmp/root
"$root/usr/bin/dune-sandbox" --help 2>&1 | grep -q '^Usage: dune-sandbox' &&
	"$root/usr/bin/dune-trace" --help 2>&1 | grep -q '^Usage: dune-trace' &&
	LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$root/usr/share/man/man5/dune-policy.5.gz" 2>/dev/null |
	grep -q 'dune-policy - the policy format'
ok $? "the unpacked dune-sandbox and dune-trace run; man dune-policy reads"

cat >"$tmp/prog.c" <<'PROG'
#include <libdune/dune.h>
#include <linux/dune.h>

int main(void)
{
	return dune_init_and_enter() ? 1 : (int)sizeof(struct dune_exit_stats) & 0;
}
PROG
export PKG_CONFIG_PATH="$root/usr/lib/$multiarch/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
# shellcheck disable=SC2046
cc -Wall -Werror -o "$tmp/prog" "$tmp/prog.c" $(pkg-config --cflags --libs libdune) >"$tmp/cc.log" 2>&1 &&
	readelf -d "$tmp/prog" | grep -q 'NEEDED.*libdune.so.0'
st=$?
show "$tmp/cc.log"
ok $st "a program builds against the unpacked libdune-dev (pkg-config) and needs libdune.so.0"

# DKMS, from the unpacked dune-dkms, for every kernel with headers.
kernels=$(for k in /lib/modules/*/build; do [ -e "$k/Makefile" ] && basename "$(dirname "$k")"; done)
if [ "$(id -u)" != 0 ] || [ -z "$kernels" ] || ! command -v dkms >/dev/null; then
	ok 1 "dkms: needs root, dkms and a kernel's headers (kernels: ${kernels:-none})"
	[ "$failed" = 0 ]
	exit
fi
mkdir -p "$tmp/var-lib-dkms" "$tmp/lib-modules"
for k in $kernels; do
	mkdir -p "$tmp/lib-modules/$k"
	cp -P /lib/modules/"$k"/build /lib/modules/"$k"/source "$tmp/lib-modules/$k/" 2>/dev/null
done
# shellcheck disable=SC2016
unshare -m bash -c '
	set -e
	mount --bind "$1/var-lib-dkms" /var/lib/dkms
	mount --bind "$1/lib-modules" /lib/modules
	dkms add -m dune -v "$2" --sourcetree "$1/root/usr/src"
	for k in $3; do
		dkms build -m dune -v "$2" -k "$k" --sourcetree "$1/root/usr/src"
		dkms install -m dune -v "$2" -k "$k" --sourcetree "$1/root/usr/src"
		echo "modprobe: $(modprobe -n -v -S "$k" dune)"
		echo "signer: $(modinfo -F signer /lib/modules/$k/updates/dkms/dune.ko*)"
		echo "vermagic: $(modinfo -F vermagic /lib/modules/$k/updates/dkms/dune.ko*)"
	done
	dkms status
' dkms-test "$tmp" "$version" "$kernels" >"$tmp/dkms.log" 2>&1
st=$?
grep -E '^(modprobe|signer|vermagic|dune/)' "$tmp/dkms.log" | show
for k in $kernels; do
	[ $st = 0 ] &&
		grep -q "^modprobe: insmod /lib/modules/$k/updates/dkms/dune.ko" "$tmp/dkms.log" &&
		grep -q "^vermagic: $k " "$tmp/dkms.log" &&
		grep -q "^dune/$version, $k, x86_64: installed" "$tmp/dkms.log" || st=1
done
grep -q '^signer: DKMS module signing key' "$tmp/dkms.log" || st=1
[ $st = 0 ] || tail -n 30 "$tmp/dkms.log" | show
ok $st "dkms add/build/install from dune-dkms for $(echo $kernels): modprobe finds updates/dkms/dune.ko, signed with the DKMS MOK key"
[ "$failed" = 0 ]
