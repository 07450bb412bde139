#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# seccomp_profiles_test.sh - dune-sandbox --seccomp-profile with the real
# profiles users have, not our copy of their structure: Docker's default
# profile (moby's profiles/seccomp/default.json, and its older format
# fixture) from Debian's golang-github-docker-docker-dev, and Podman's
# /usr/share/containers/seccomp.json from golang-github-containers-common.
# The packages are fetched with apt-get download and cached.
#
# For each profile: it loads with status 0 and nothing on stderr, and the
# effective policy is what runc would install for an unprivileged amd64
# process on this kernel, computed independently here (python3, from the
# JSON): the same default action, every unconditional SCMP_ACT_ALLOW name
# that is an x86-64 call allowed (or listed as not supported by the
# sandbox), no name allowed that the profile does not allow, and the
# profile's conditional rules as conditions.  TAP output.
set -u
cd "$(dirname "$0")/../.." || exit 1
SB=${SB:-build/bin/dune-sandbox}
CACHE=${DUNE_VM_CACHE:-$HOME/.cache/dune-vm}/debs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi
}

echo "TAP version 13"
echo "1..7"

# fetch PACKAGE: its .deb in $CACHE (apt-get download, once)
fetch() {
	local deb
	deb=$(ls "$CACHE/$1"_*.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		mkdir -p "$CACHE" && chmod 755 "$CACHE"
		(cd "$CACHE" && apt-get download "$1" >/dev/null 2>"$tmp/apt.err") ||
			(apt-get update -q >/dev/null 2>&1 && cd "$CACHE" && apt-get download "$1" >/dev/null 2>"$tmp/apt.err")
		deb=$(ls "$CACHE/$1"_*.deb 2>/dev/null | head -n 1)
	fi
	[ -n "$deb" ] || { sed 's/^/# /' "$tmp/apt.err"; return 1; }
	dpkg-deb -x "$deb" "$tmp/root"
}
fetch golang-github-docker-docker-dev && fetch golang-github-containers-common
ok $? "the profiles' Debian packages fetched (apt-get download) and unpacked"

moby=$tmp/root/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp
profiles="$moby/default.json $moby/fixtures/default-old-format.json $tmp/root/usr/share/containers/seccomp.json"

# The x86-64 system-call names dune-sandbox knows come from the same
# header it is built from; the reference reads them from there too.
unistd=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
[ -r "$unistd" ] || unistd=/usr/include/asm/unistd_64.h

for p in $profiles; do
	name=${p#"$tmp/root"}
	if [ ! -f "$p" ]; then
		ok 1 "$name: in its package"
		ok 1 "$name: effective policy as runc would install it"
		continue
	fi
	"$SB" --seccomp-profile "$p" --print-policy >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ $st = 0 ] && [ ! -s "$tmp/err" ]
	r=$?
	[ $r = 0 ] || { echo "# status $st, stderr:"; sed 's/^/#   /' "$tmp/err" | head -5; }
	ok $r "$name: loads, status 0, nothing on stderr"

	python3 - "$p" "$tmp/out" "$unistd" "$(uname -r)" <<'EOF'
import json, re, sys
prof = json.load(open(sys.argv[1]))
printed = open(sys.argv[2]).read().splitlines()
x86 = set(re.findall(r'#define __NR_(\w+) ', open(sys.argv[3]).read()))
kver = tuple(int(v) for v in re.findall(r'\d+', sys.argv[4])[:2])
ARCH = {"amd64", "x86_64", "SCMP_ARCH_X86_64"}

def ver(s):
    return tuple(int(v) for v in s.split(".")[:2])

def applies(e):
    inc, exc = e.get("includes") or {}, e.get("excludes") or {}
    if inc.get("arches") and not ARCH & set(inc["arches"]): return False
    if inc.get("caps"): return False               # the program holds none
    if inc.get("minKernel") and kver < ver(inc["minKernel"]): return False
    if ARCH & set(exc.get("arches") or []): return False
    if exc.get("minKernel") and kver >= ver(exc["minKernel"]): return False
    return True

errno_name = {1: "EPERM", 38: "ENOSYS"}
default = prof["defaultAction"]
want_default = {"SCMP_ACT_ERRNO": "deny " + errno_name.get(prof.get("defaultErrnoRet", 1), "?"),
                "SCMP_ACT_KILL": "kill", "SCMP_ACT_KILL_PROCESS": "kill",
                "SCMP_ACT_KILL_THREAD": "kill", "SCMP_ACT_ALLOW": "allow"}[default]
allow, cond = set(), set()
# In entry order: a later entry for the same name overrides an earlier
# one (Podman's profile allows setns for everyone, then, for a process
# without CAP_SYS_ADMIN, fails it with EPERM).
for e in prof.get("syscalls", []):
    if not applies(e):
        continue
    names = set(e.get("names") or [e.get("name")]) & x86
    if e.get("action") not in ("SCMP_ACT_ALLOW", "SCMP_ACT_LOG"):
        if not e.get("args"):
            allow.difference_update(names)
            cond.difference_update(names)
        continue
    (cond if e.get("args") else allow).update(names)

got_default = None
got_allow, got_cond, unsupported, denied = set(), set(), set(), set()
section = None
for line in printed:
    if line.startswith("# allowed, but not supported"):
        section = "unsupported"; continue
    if line.startswith("#"): continue
    w = line.split()
    if w[:1] == ["default"]:
        got_default = " ".join(w[1:])
    elif w[:1] == ["allow"] and "if" in w:
        got_cond.add(w[1])
    elif w[:1] == ["allow"]:
        got_allow.update(w[1:])
    elif w[:1] == ["deny"] and section == "unsupported":
        unsupported.update(w[2:])
    elif w[:1] == ["deny"]:
        denied.update(w[2:])

bad = []
if got_default != want_default:
    bad.append("default: %r, want %r" % (got_default, want_default))
missing = allow - got_allow - unsupported
if missing: bad.append("allowed by the profile, not by the sandbox: " + " ".join(sorted(missing)))
extra = got_allow - allow
if extra: bad.append("allowed by the sandbox, not by the profile: " + " ".join(sorted(extra)))
# A name with only conditional rules must stay conditional.
lost = cond - allow - got_cond - unsupported
if lost: bad.append("conditional rules lost: " + " ".join(sorted(lost)))
loose = (cond - allow) & got_allow
if loose: bad.append("conditional in the profile, unconditional here: " + " ".join(sorted(loose)))
for b in bad:
    print("# " + b)
print("# %d names allowed, %d conditional, %d not supported by the sandbox"
      % (len(allow & got_allow), len(got_cond), len(unsupported & allow)))
sys.exit(1 if bad else 0)
EOF
	ok $? "$name: effective policy as runc would install it (default, allowed names, conditions)"
done
