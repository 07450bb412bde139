#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/vm/run stages the guest's files in a directory of its own and must
# never write anywhere else: it runs as root on users' machines.  Once it
# did: "--add SRC:/usr/bin/xz" copied with cp -L onto the staging root's
# busybox applet link usr/bin/xz -> /bin/busybox, and overwrote the HOST's
# /bin/busybox with SRC.
#
# These tests run the real runner up to the point where it would boot
# (a stub "bochs" first in PATH ends the run there), in a private mount
# namespace in which /bin/busybox and a scratch directory are bind-mounted
# over by scratch files: whatever the runner writes through a link, it
# writes into the scratch copies, never into this machine's files.
# Needs root (unshare -m); prints TAP.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

# shellcheck source=tests/host/tap.sh
. "$(dirname "$0")/tap.sh"

if [[ $(id -u) != 0 ]] || ! unshare -m true 2>/dev/null; then
	echo "1..0 # SKIP needs root and mount namespaces"
	exit 0
fi
busybox=$(command -v busybox) || { echo "1..0 # SKIP no busybox"; exit 0; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/victim-dir" "$tmp/src/tree/sub"
# Stand-ins for what a link in the staging root could reach: a copy of
# busybox (the runner runs it to list its applets), and a directory.
cp "$(readlink -f "$busybox")" "$tmp/victim-busybox"
want=$(sha256sum <"$tmp/victim-busybox")
printf 'a host file\n' >"$tmp/victim-dir/file"
printf 'PAYLOAD\n' >"$tmp/src/payload"
printf 'TREE\n' >"$tmp/src/tree/sub/xz"
# A tree whose own link points outside: copied as a link, never followed.
ln -s "$(readlink -f "$busybox")" "$tmp/src/tree/sub/busybox-link"
# The boot never happens: the stub ends the run where Bochs would start.
printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/bochs"
chmod +x "$tmp/bin/bochs"

# run_runner ARGS...: the runner in a private mount namespace, with the real
# busybox (as the staging root's links name it) replaced by the stand-in.
run_runner() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m --propagation private -- sh -c '
		mount --bind "$1" "$2" && mount --bind "$3" "$4" || exit 99
		shift 4
		PATH=$TMPBIN:$PATH exec "$@"
	' sh "$tmp/victim-busybox" "$(readlink -f "$busybox")" \
		"$tmp/victim-dir" /mnt \
		"$repo/tools/vm/run" --keep --no-insmod --cpus 1 --timeout 60 "$@" -- true \
		>"$tmp/run.log" 2>&1
	work=$(sed -n 's/^vm: work directory kept: //p' "$tmp/run.log")
	if [[ -z $work ]]; then
		sed 's/^/# /' "$tmp/run.log"
	fi
}
# staged REL: the file the guest would see at /REL (the work directory is
# removed afterwards).
staged() {
	local f=$work/initramfs/$1
	[[ -n $work && -f $f && ! -L $f ]] && cat "$f"
}
cleanup_work() {
	[[ -n ${work:-} && $work == */dune-vm.* ]] && rm -rf "$work"
	work=
}
export TMPBIN=$tmp/bin

# 1: a file onto a busybox applet path.
run_runner --add "$tmp/src/payload:/usr/bin/xz"
[[ $(sha256sum <"$tmp/victim-busybox") == "$want" ]]
ok $? "--add FILE:/usr/bin/xz leaves the busybox the applet link names alone"
[[ $(staged usr/bin/xz) == PAYLOAD ]]
ok $? "--add FILE:/usr/bin/xz puts the file at /usr/bin/xz in the guest"
cleanup_work

# 2: a directory whose files land on applet links, and whose links point out.
run_runner --add "$tmp/src/tree:/usr/bin"
[[ $(sha256sum <"$tmp/victim-busybox") == "$want" ]]
ok $? "--add DIR:/usr/bin does not write through the applet links"
[[ $(staged usr/bin/sub/xz) == TREE && -L $work/initramfs/usr/bin/sub/busybox-link ]]
ok $? "--add DIR:/usr/bin merges the tree, links copied as links"
cleanup_work

# 3: a destination below a link the runner itself put there (bin/ -> /mnt
# in a tree added first), then a file below it.
mkdir -p "$tmp/src/linktree"
ln -s /mnt "$tmp/src/linktree/out"
run_runner --add "$tmp/src/linktree:/opt/lt" --add "$tmp/src/payload:/opt/lt/out/file"
grep -q 'a host file' "$tmp/victim-dir/file" && ! grep -q PAYLOAD "$tmp/victim-dir/file"
ok $? "--add below a staged link does not write outside the staging root"
[[ $(staged opt/lt/out/file) == PAYLOAD ]]
ok $? "--add below a staged link replaces the link with a directory"
cleanup_work

echo "1..$n"
[[ $failed == 0 ]]
