#!/bin/bash
# SPDX-License-Identifier: MIT
#
# vusb-attach checks everything the user typed or named before it touches
# the kernel or the network: a bad image, firmware or option ends it with
# exit status 2 and a message naming the file, before vhci-hcd is loaded,
# before --listen binds and before anything prints "listening on" or
# "exported". Runs bin/vusb-attach on the build machine (no vhci_hcd
# needed; where there is one, nothing gets far enough to use it).
# Prints cmocka-style lines for tests/run-tests.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${VUSB_BIN:-$top/bin}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 names=()
export VUSB_RUNDIR=$tmp/run
mkdir -p "$VUSB_RUNDIR"

pass() {
	echo "[       OK ] $1"
	passed=$((passed + 1))
}

failure() {
	printf '%s\n' "${@:2}" | sed 's/^/    /'
	echo "[  FAILED  ] $1"
	failed=$((failed + 1))
	names+=("$1")
}

# expect NAME STATUS ERE vusb-attach-ARGS...: exits STATUS, says ERE on
# standard error, and prints nothing on standard output (no "listening
# on", no "exported", no "ready").
expect() {
	local name=$1 want=$2 re=$3 rc
	shift 3
	echo "[ RUN      ] $name"
	(cd "$tmp" && timeout 20 "$bin/vusb-attach" --no-stdin "$@" >"$tmp/out" 2>"$tmp/err")
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		failure "$name" "exit status $rc, not $want" "$(cat "$tmp/out" "$tmp/err")"
	elif ! grep -Eq -- "$re" "$tmp/err"; then
		failure "$name" "standard error does not match: $re" "$(cat "$tmp/err")"
	elif [ -s "$tmp/out" ]; then
		failure "$name" "printed on standard output:" "$(cat "$tmp/out")"
	elif grep -q vhci "$tmp/err"; then
		failure "$name" "talks of vhci: it went too far" "$(cat "$tmp/err")"
	else
		pass "$name"
	fi
}

printf 'abc' >"$tmp/odd.img"
truncate -s 1M "$tmp/a.img"
echo hello >"$tmp/text.txt"

expect "a missing image: exit 2, named" 2 "^vusb-attach: storage: missing\.img: no such file" \
	storage missing.img
expect "an image of an odd size: exit 2, the size said" 2 "odd\.img: its size, 3 bytes" \
	storage odd.img
expect "a directory as image: exit 2" 2 "is a directory" storage /
expect "a missing image after a good device: nothing attached first" 2 "missing\.img: no such file" \
	mouse storage missing.img
expect "with --listen: no bind, no listening line, no export" 2 "missing\.img: no such file" \
	--listen 127.0.0.1:0 mouse storage missing.img
expect "the same image twice: our own lock, said so, exit 2" 2 \
	"a\.img is storage0's already, on this command line" \
	--listen 127.0.0.1:0 storage a.img storage a.img
expect "... also without --listen" 2 "a\.img is storage0's already" storage a.img storage a.img
expect "firmware that is not ELF: exit 2" 2 "text\.txt: not an ELF file" fomu --firmware text.txt
expect "missing firmware: exit 2" 2 "nothere\.elf" fomu --firmware nothere.elf
expect "a report descriptor that is not hex: exit 2" 2 "text\.txt: line 1, column 1" \
	hid --report-descriptor text.txt
expect "an unknown option: exit 2" 2 "unknown option '--bogus'" mouse --bogus
expect "an unknown device: exit 2" 2 "unknown device" mause
expect "a bad --vid: exit 2" 2 "invalid --vid 'zz'" mouse --vid zz

# Images that are not raw: compressed ones only read, qcow2 never, a CD
# image only with a volume descriptor, a flash file only when it is one.
gzip -c "$tmp/a.img" >"$tmp/a.img.gz" || failure "gzip is needed" "gzip failed"
printf 'QFI\373\0\0\0\3' >"$tmp/vm.qcow2"
truncate -s 1M "$tmp/vm.qcow2"
expect "a gzip image for writing: refused, exit 2, how to decompress" 2 \
	"a\.img\.gz is gzip-compressed: serve it with --ro or --snapshot .*\(gunzip -k a\.img\.gz\)" \
	storage a.img.gz
expect "a qcow2 image: refused, exit 2, qemu-img convert named" 2 \
	"vm\.qcow2 is a qcow2 image; vusb serves raw images: qemu-img convert -O raw vm\.qcow2 vm\.qcow2\.raw" \
	storage vm.qcow2 --snapshot
expect "--cdrom without ISO 9660 or UDF: exit 2" 2 "a\.img is not a CD image" storage a.img --cdrom
expect "fomu --flash on a text file: refused, exit 2" 2 \
	"the flash file text\.txt has 6 bytes, not the 2097152 of a flash image: vusb never rewrites it" \
	fomu --flash text.txt
echo "[ RUN      ] the text file is still six bytes of text"
if [ "$(cat "$tmp/text.txt")" = hello ]; then
	pass "the text file is still six bytes of text"
else
	failure "the text file is still six bytes of text" "$(od -c "$tmp/text.txt" | head -3)"
fi
echo "[ RUN      ] a gzip image read-only is exported"
(cd "$tmp" && exec timeout 3 "$bin/vusb-attach" --no-stdin --listen 127.0.0.1:0 storage a.img.gz \
	--ro >"$tmp/out" 2>"$tmp/err")
if grep -q '^storage0: exported' "$tmp/out"; then
	pass "a gzip image read-only is exported"
else
	failure "a gzip image read-only is exported" "$(cat "$tmp/out" "$tmp/err")"
fi

# Two read-only drives may share an image: that one is not refused.
echo "[ RUN      ] two --ro drives share an image, exported"
(cd "$tmp" && exec timeout 3 "$bin/vusb-attach" --no-stdin --listen 127.0.0.1:0 storage a.img --ro \
	storage a.img --ro >"$tmp/out" 2>"$tmp/err")
if grep -q '^storage1: exported' "$tmp/out"; then
	pass "two --ro drives share an image, exported"
else
	failure "two --ro drives share an image, exported" "$(cat "$tmp/out" "$tmp/err")"
fi

# The command line overrides the configuration file, as a daemon's does.
printf -- '--listen 127.0.0.1:0\nmouse --name ovr\n' >"$tmp/ovr.conf"
echo "[ RUN      ] the command line overrides the configuration file"
(cd "$tmp" && exec timeout 3 "$bin/vusb-attach" --no-stdin --listen 127.0.0.1:1 --listen 3 \
	--config ./ovr.conf >"$tmp/out" 2>"$tmp/err")
# The command line's last --listen (port 3 on loopback; binding it needs
# root, so either it listens there or says it cannot), never the file's 0.
if grep -Eq '^listening on 127\.0\.0\.1:3$|cannot listen on 127\.0\.0\.1:3:' "$tmp/out" "$tmp/err"; then
	pass "the command line overrides the configuration file"
else
	failure "the command line overrides the configuration file" "$(cat "$tmp/out" "$tmp/err")"
fi

# The image was checked and untouched.
echo "[ RUN      ] the odd image is untouched"
if [ "$(cat "$tmp/odd.img")" = abc ]; then
	pass "the odd image is untouched"
else
	failure "the odd image is untouched" "$(od -c "$tmp/odd.img" | head -3)"
fi

echo "[==========] $((passed + failed)) test(s) run."
echo "[  PASSED  ] $passed test(s)."
if [ "$failed" -gt 0 ]; then
	echo "[  FAILED  ] $failed test(s), listed below:"
	printf '[  FAILED  ] %s\n' "${names[@]}"
	exit 1
fi
