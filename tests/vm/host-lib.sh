# shellcheck shell=bash
# Host side of the VM test bed, sourced by tests/vm/run, tests/vm/fetch-kernel
# and tests/vm/mkbase (bash, set -euo pipefail).
#
# Everything expensive is cached outside the clone, so that CI can keep it
# between runs and a fresh clone does not download the kernel again:
#
#   $VUSB_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/vusb)
#     kernel/<package>_<version>/root/   the kernel package, dpkg-deb -x'ed
#     initramfs/base-<kver>-<key>.cpio.* busybox, kmod, tools, modules
#     lock                               flock: one builder at a time

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # used by the scripts that source this
TOP=$(cd "$VM_DIR/../.." && pwd)

# Host messages say "vm-host:" so that nothing on the host can be taken for
# the guest's "vm: N passed, N failed" summary line.
msg() { printf 'vm-host: %s\n' "$*" >&2; }
warn() { printf 'vm-host: warning: %s\n' "$*" >&2; }
die() {
	printf 'vm-host: error: %s\n' "$*" >&2
	exit 1
}

vm_cache_dir() {
	if [[ -n ${VUSB_CACHE:-} ]]; then
		printf '%s\n' "$VUSB_CACHE"
	elif [[ -n ${XDG_CACHE_HOME:-} ]]; then
		printf '%s\n' "$XDG_CACHE_HOME/vusb"
	elif [[ -n ${HOME:-} ]]; then
		printf '%s\n' "$HOME/.cache/vusb"
	else
		die "neither VUSB_CACHE, XDG_CACHE_HOME nor HOME is set: no place for the cache"
	fi
}

CACHE=$(vm_cache_dir)

# Two runs sharing a cache (parallel CI jobs, make -j) must not build the
# same kernel tree or base image at the same time. Held only while
# building, never across a child that locks too (tests/vm/run runs mkbase)
# nor across a VM run.
cache_lock() {
	mkdir -p "$CACHE" || die "cannot create the cache directory $CACHE"
	[[ -n ${VM_LOCK_FD:-} ]] && return 0
	command -v flock >/dev/null || return 0
	exec {VM_LOCK_FD}>"$CACHE/lock"
	if ! flock -n "$VM_LOCK_FD"; then
		msg "waiting for another vusb VM build to release $CACHE/lock"
		flock "$VM_LOCK_FD"
	fi
}

cache_unlock() {
	[[ -n ${VM_LOCK_FD:-} ]] || return 0
	exec {VM_LOCK_FD}>&-
	VM_LOCK_FD=
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null ||
			die "'$c' not found: run 'scripts/install-deps --test' (as root)"
	done
}

# ---------------------------------------------------------------------------
# Kernel

# The linux-image-*/linux-modules-* packages a package depends on. Debian's
# linux-image-amd64 depends on linux-image-<abi>-amd64, which holds vmlinuz
# and every module; Ubuntu's linux-image-generic depends on the image and
# linux-modules-extra-<abi> (vhci-hcd lives there), and the image depends
# on linux-modules-<abi>.
apt_kernel_deps() {
	apt-cache depends --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances "$1" 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: \(linux-\(image\|modules\|modules-extra\)-[0-9][^ <>]*\)$/\1/p'
}

apt_candidate() {
	apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -n1
}

kernel_meta_pkg() {
	local p
	for p in ${VUSB_KERNEL_META:-} linux-image-amd64 linux-image-generic; do
		if [[ -n $(apt_candidate "$p") ]]; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	return 1
}

# Sets KPKGS (image package first) from VUSB_KERNEL_PKG or the meta package.
resolve_kernel_pkgs() {
	local top p d
	KPKGS=()
	if [[ -n ${VUSB_KERNEL_PKG:-} ]]; then
		top=$VUSB_KERNEL_PKG
	else
		local meta
		meta=$(kernel_meta_pkg) || return 1
		top=$(apt_kernel_deps "$meta" | grep '^linux-image-' | head -n1)
		[[ -n $top ]] || return 1
		# Ubuntu: modules-extra hangs off the meta package.
		for d in $(apt_kernel_deps "$meta"); do
			[[ $d == "$top" ]] || KPKGS+=("$d")
		done
	fi
	[[ -n $(apt_candidate "$top") ]] || return 1
	for d in $(apt_kernel_deps "$top"); do
		KPKGS+=("$d")
	done
	local -A seen=()
	local out=("$top")
	seen[$top]=1
	for p in "${KPKGS[@]}"; do
		[[ -n ${seen[$p]:-} ]] && continue
		seen[$p]=1
		out+=("$p")
	done
	KPKGS=("${out[@]}")
}

# What apt knows changes only with apt-get update (or a sources change):
# a stamp of the package lists. Each apt-cache call costs ~0.5 s where
# pkgcache.bin is not kept (Docker images), so the resolution is memoized
# under that stamp and a warm run makes no apt call at all.
apt_lists_stamp() {
	{
		printf '%s\n' "${VUSB_KERNEL_PKG:-}" "${VUSB_KERNEL_META:-}"
		ls -l --time-style=+%s /var/lib/apt/lists/ /etc/apt/sources.list.d/ 2>/dev/null
		cat /etc/apt/sources.list 2>/dev/null
	} | sha256sum | cut -c1-32
}

# Sets KPKGS and KPINS (package=version), from the memo when it is current.
resolve_kernel_cached() {
	local memo="$CACHE/kernel/resolved" stamp p
	stamp=$(apt_lists_stamp)
	if [[ -r $memo ]] && [[ $(head -n1 "$memo") == "$stamp" ]]; then
		mapfile -t KPINS < <(tail -n +2 "$memo")
		[[ ${#KPINS[@]} -gt 0 ]] || return 1
		KPKGS=("${KPINS[@]%%=*}")
		return 0
	fi
	resolve_kernel_pkgs || return 1
	KPINS=()
	for p in "${KPKGS[@]}"; do
		KPINS+=("$p=$(apt_candidate "$p")")
	done
	mkdir -p "$CACHE/kernel"
	printf '%s\n' "$stamp" "${KPINS[@]}" >"$memo.tmp.$$"
	mv "$memo.tmp.$$" "$memo"
}

# Sets KDIR (the kernel's cache entry), KROOT (the extracted packages),
# KVER (uname -r of the guest) and VMLINUZ. Downloads only when the cache
# has no tree for the current candidate version.
fetch_kernel() {
	local id ver
	if resolve_kernel_cached; then
		ver=${KPINS[0]#*=}
		id="${KPKGS[0]}_${ver//:/%3a}"
		KDIR="$CACHE/kernel/$id"
		if [[ ! -e $KDIR/.complete ]]; then
			cache_lock
			[[ -e $KDIR/.complete ]] || download_kernel "$id"
			cache_unlock
		fi
	else
		# No apt metadata (offline, apt lists cleaned): use what we have.
		KDIR=$(ls -1dt "$CACHE"/kernel/*/.complete 2>/dev/null | head -n1)
		[[ -n $KDIR ]] || die "apt cannot resolve a kernel package (linux-image-amd64 on Debian, linux-image-generic on Ubuntu) and the cache $CACHE has none: run 'scripts/install-deps --test' (it runs apt-get update), or set VUSB_KERNEL_PKG"
		KDIR=${KDIR%/.complete}
		warn "apt cannot resolve the kernel package: using the cached ${KDIR##*/}"
	fi
	KROOT=$KDIR/root
	KVER=$(<"$KDIR/kver")
	VMLINUZ=$KROOT/boot/vmlinuz-$KVER
	[[ -r $VMLINUZ ]] || die "$VMLINUZ is missing or unreadable: remove $KDIR and retry"
}

download_kernel() {
	local id=$1 tmp p deb kvers
	need_cmd apt-get dpkg-deb depmod
	[[ $(dpkg --print-architecture) == amd64 ]] ||
		die "the VM kernel is an amd64 package; this host is $(dpkg --print-architecture)"
	mkdir -p "$CACHE/kernel"
	# Left-overs of an interrupted download (we hold the lock).
	rm -rf "$CACHE"/kernel/.tmp.*
	tmp=$(mktemp -d "$CACHE/kernel/.tmp.XXXXXX")
	mkdir "$tmp/debs" "$tmp/root"

	local pins=("${KPINS[@]}")
	msg "downloading ${pins[*]} (apt-get download, not installed)"
	local aptopts=()
	# apt's _apt sandbox user cannot write into root's cache: say so
	# instead of letting apt warn about it.
	[[ $EUID -eq 0 ]] && aptopts+=(-o APT::Sandbox::User=root)
	(cd "$tmp/debs" && apt-get "${aptopts[@]}" -q download "${pins[@]}") ||
		die "apt-get download ${pins[*]} failed"
	for deb in "$tmp"/debs/*.deb; do
		msg "extracting ${deb##*/}"
		dpkg-deb -x "$deb" "$tmp/root" || die "dpkg-deb -x $deb failed"
	done
	rm -rf "$tmp/debs"

	kvers=$(ls -1 "$tmp/root/lib/modules" 2>/dev/null || true)
	[[ $(wc -w <<<"$kvers") -eq 1 ]] ||
		die "expected one kernel under lib/modules in ${KPKGS[*]}, found: ${kvers:-none}"
	[[ -r $tmp/root/boot/vmlinuz-$kvers ]] ||
		die "${KPKGS[0]} has no readable boot/vmlinuz-$kvers"
	# The package ships no modules.dep: its postinst runs depmod.
	depmod -b "$tmp/root" "$kvers" || die "depmod -b on the extracted kernel failed"
	printf '%s\n' "$kvers" >"$tmp/kver"
	printf '%s\n' "${pins[@]}" >"$tmp/packages"
	touch "$tmp/.complete"
	rm -rf "$CACHE/kernel/$id"
	mv "$tmp" "$CACHE/kernel/$id"
	# Older kernels only waste space.
	for p in "$CACHE"/kernel/*/; do
		p=${p%/}
		[[ $p == "$CACHE/kernel/$id" ]] || rm -rf "$p"
	done
	msg "kernel $kvers cached in $CACHE/kernel/$id"
}

kconfig() {
	grep -q "^$1=y" "$KROOT/boot/config-$KVER" 2>/dev/null
}

# ---------------------------------------------------------------------------
# Copying programs with their shared libraries

# Stage root and the set of files put there, so that each library is
# copied (and hashed) once.
declare -A STAGED=()

# ldd_deps FILE: set LDD_DEPS to the libraries FILE loads, the dynamic
# loader included. ldd prints "name => /path (addr)", "/path/ld.so (addr)"
# and the vdso. Not a command substitution: die must end the script.
ldd_deps() {
	local out
	LDD_DEPS=()
	if ! out=$(LC_ALL=C ldd "$1" 2>&1); then
		# Static binaries: nothing to copy.
		grep -q -e 'not a dynamic executable' -e 'statically linked' <<<"$out" && return 0
		die "ldd $1 failed: $out"
	fi
	if grep -q 'not found' <<<"$out"; then
		die "ldd $1: $(grep 'not found' <<<"$out" | tr -s ' \t' ' ')"
	fi
	mapfile -t LDD_DEPS < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 }
		$1 ~ /^\// { print $1 }' <<<"$out")
}

# stage_file STAGE SRC [DEST]: copy the file SRC points to (following
# links) to DEST (default SRC) inside STAGE.
stage_file() {
	local stage=$1 src=$2 dest=${3:-$2}
	[[ -n ${STAGED[$dest]:-} ]] && return 0
	mkdir -p "$stage$(dirname "$dest")"
	cp -L "$src" "$stage$dest" || die "cannot copy $src"
	STAGED[$dest]=1
}

# stage_prog STAGE SRC [DEST]: a program and every library it loads,
# including the dynamic loader, at the paths ldd names.
stage_prog() {
	local stage=$1 src=$2 dest=${3:-$2} lib
	stage_file "$stage" "$src" "$dest"
	ldd_deps "$src"
	for lib in "${LDD_DEPS[@]}"; do
		[[ -n ${SKIP_LIBS[$(usr_path "$lib")]:-} ]] && continue
		stage_file "$stage" "$lib"
	done
}

# The path a file has in the merged-/usr image: /lib/x -> /usr/lib/x.
usr_path() {
	case $1 in
	/lib/* | /lib64/* | /bin/* | /sbin/*) printf '/usr%s\n' "$1" ;;
	*) printf '%s\n' "$1" ;;
	esac
}
# Libraries the base image already has (set by tests/vm/run).
declare -A SKIP_LIBS=()

# A merged-/usr skeleton: binaries and libraries can be copied to the path
# ldd or command -v reports, /usr or not, and land in one place.
stage_skeleton() {
	local stage=$1 d
	mkdir -p "$stage"/usr/{bin,sbin,lib,lib64}
	for d in bin sbin lib lib64; do
		ln -sfn "usr/$d" "$stage/$d"
	done
	mkdir -p "$stage"/{dev,proc,sys,tmp,run,root,etc,mnt,var}
	ln -sfn ../run "$stage/var/run"
}

# newc cpio of a directory, owned by root, in a stable order.
make_cpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0)
}
