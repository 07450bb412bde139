# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tools/vm/lib-stage.sh - assembling the guest's initramfs (sourced by
# tools/vm/run).
#
# The runner runs as root on users' machines, and the staging root it fills
# is full of links: busybox's applets (usr/bin/xz -> /bin/busybox), and
# whatever links --add trees bring.  A write that followed one of them would
# land on the HOST: "cp -L SRC $ROOT/usr/bin/xz" once overwrote the host's
# /bin/busybox.  So nothing here writes into $ROOT except through the stage_*
# functions, whose rule is: every path component under $ROOT must be a real
# directory, and the destination itself is replaced, never followed - a link
# or file in the way is removed first (tests/host/vm_run_add_test.sh).
#
# Needs: ROOT (the staging directory), die() and note() from the caller.

# stage_dir REL: make $ROOT/REL a real directory, replacing links (and
# files) on the way instead of following them.
stage_dir() {
	local -a parts
	local part path=$ROOT
	IFS=/ read -r -a parts <<<"${1#/}"
	for part in "${parts[@]}"; do
		[[ -z $part || $part == . ]] && continue
		[[ $part == .. ]] && die "staging: '..' in the guest path $1"
		path+=/$part
		if [[ -L $path || (-e $path && ! -d $path) ]]; then
			rm -f -- "$path"
		fi
		[[ -d $path ]] || mkdir -- "$path" || die "staging: cannot create $path"
	done
}

# stage_place REL: make room for a new file, link or tree at $ROOT/REL.
stage_place() {
	local rel=${1#/}
	[[ -n $rel ]] || die "staging: empty guest path"
	stage_dir "$(dirname -- "$rel")"
	if [[ -L $ROOT/$rel || (-e $ROOT/$rel && ! -d $ROOT/$rel) ]]; then
		rm -f -- "$ROOT/$rel"
	elif [[ -d $ROOT/$rel ]]; then
		die "staging: $rel is a directory in the guest; cannot put a file there"
	fi
}

# stage_file SRC REL: a copy of the file SRC (its content: links in SRC are
# followed, on the source side only) at $ROOT/REL.
stage_file() {
	stage_place "$2"
	cp -L --preserve=mode,timestamps -- "$1" "$ROOT/${2#/}" ||
		die "staging: cannot copy $1 to $2"
}

# stage_link TARGET REL: a symbolic link at $ROOT/REL.
stage_link() {
	stage_place "$2"
	ln -s -- "$1" "$ROOT/${2#/}" || die "staging: cannot link $2"
}

# stage_write REL: stdin into $ROOT/REL.
stage_write() {
	stage_place "$1"
	cat >"$ROOT/${1#/}" || die "staging: cannot write $1"
}

# stage_tree SRCDIR REL: the tree SRCDIR at $ROOT/REL, merged with what is
# there: directories made, files copied, links copied as links (never
# followed, on either side).
stage_tree() {
	local src=$1 rel=${2#/} entry sub
	stage_dir "$rel"
	while IFS= read -r -d '' entry; do
		sub=$rel/${entry#"$src"/}
		if [[ -L $entry ]]; then
			stage_link "$(readlink -- "$entry")" "$sub"
		elif [[ -d $entry ]]; then
			stage_dir "$sub"
		else
			stage_place "$sub"
			cp -P --preserve=mode,timestamps -- "$entry" "$ROOT/$sub" ||
				die "staging: cannot copy $entry"
		fi
	done < <(find "$src" -mindepth 1 -print0 | LC_ALL=C sort -z)
}

is_elf() {
	local magic=
	IFS= read -r -n 4 -d '' magic <"$1" 2>/dev/null || true
	[[ $magic == $'\x7fELF' ]]
}

# Copy the shared libraries (and the dynamic loader) that the ELF file $1
# needs into the guest root, at the same paths as on the host: the guest's
# loader then finds them in its default search path, without ld.so.cache.
declare -A COPIED_LIBS=()
copy_elf_deps() {
	local file=$1 lib
	is_elf "$file" || return 0
	# ldd fails for static executables and non-executable ELF files.
	local out
	out=$(ldd "$file" 2>/dev/null) || return 0
	while read -r lib; do
		[[ -n $lib ]] || continue
		lib=$(realpath -m -s -- "$lib")	# "$ORIGIN/../lib" and the like
		# Found in the guest root already (an rpath into the payload).
		[[ $lib == "$ROOT"/* ]] && continue
		[[ -z ${COPIED_LIBS[$lib]:-} ]] || continue
		COPIED_LIBS[$lib]=1
		stage_file "$lib" "$lib"
	done < <(awk '
		$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }' <<<"$out")
	if grep -q 'not found' <<<"$out"; then
		note "warning: ${file#"$ROOT"}: $(grep 'not found' <<<"$out" | tr -s ' \t' ' ' | paste -sd, -)"
	fi
}

copy_deps_under() {
	local f
	while IFS= read -r -d '' f; do
		copy_elf_deps "$f"
	done < <(find "$1" -type f -print0)
}

# Find the module $1 (a module name, - or _) of the guest kernel under $2.
find_kmod() {
	local name=$1 dir=$2
	find "$dir/" \( -name "${name//_/-}.ko*" -o -name "${name//-/_}.ko*" \) \
		-print -quit 2>/dev/null
}

# Copy module $1 and, first, the modules it depends on, into
# /lib/modules/kvm, decompressed: busybox insmod cannot read .ko.xz.
declare -A KMOD_DONE=()
KMOD_ORDER=()
add_kmod() {
	local name=${1//-/_} dir=$2 file dep
	[[ -z ${KMOD_DONE[$name]:-} ]] || return 0
	KMOD_DONE[$name]=1
	file=$(find_kmod "$name" "$dir")
	[[ -n $file ]] || die "--kvm: module $name not found under $dir"
	for dep in $(modinfo -F depends "$file" | tr ',' ' '); do
		add_kmod "$dep" "$dir"
	done
	local base out
	base=$(basename "$file")
	case $file in
	*.ko.xz) ensure_tools xz:xz-utils; out=${base%.xz}; xz -dc "$file" | stage_write "lib/modules/kvm/$out" ;;
	*.ko.zst) ensure_tools zstd:zstd; out=${base%.zst}; zstd -q -dc "$file" | stage_write "lib/modules/kvm/$out" ;;
	*.ko.gz) out=${base%.gz}; gzip -dc "$file" | stage_write "lib/modules/kvm/$out" ;;
	*) out=$base; stage_file "$file" "lib/modules/kvm/$out" ;;
	esac
	KMOD_ORDER+=("$out")
}

# stage_adds SPEC...: the --add PATH[:DEST] options.
stage_adds() {
	local spec src dest
	for spec in "$@"; do
		src=${spec%%:*}
		dest=/opt/dune/extra/$(basename -- "$src")
		[[ $spec == *:* ]] && dest=${spec#*:}
		[[ -e $src ]] || die "--add: $src does not exist"
		[[ $dest == /* ]] || die "--add: destination $dest must be an absolute path"
		if [[ -d $src ]]; then
			stage_tree "$src" "$dest"
		else
			stage_file "$src" "$dest"
		fi
		copy_deps_under "$ROOT$dest"
	done
}

# stage_busybox BUSYBOX: busybox and its applet links, made here rather than
# by "busybox --install" at boot: every guest instruction costs.
stage_busybox() {
	local busybox=$1 applet
	stage_file "$busybox" bin/busybox
	copy_elf_deps "$ROOT/bin/busybox"
	while IFS= read -r applet; do
		[[ $applet == */* && ! -e $ROOT/$applet && ! -L $ROOT/$applet ]] || continue
		stage_link /bin/busybox "$applet"
	done < <("$busybox" --list-full)
}

# make_initramfs OUT COMPRESSOR...: the cpio archive of $ROOT.
make_initramfs() {
	local out=$1
	shift
	(cd "$ROOT" && find . -print0 | LC_ALL=C sort -z |
		cpio --quiet -o -0 -H newc -R 0:0) | "$@" >"$out"
}
