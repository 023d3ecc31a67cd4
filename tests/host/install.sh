#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `make install` honours PREFIX and DESTDIR: everything lands under
# DESTDIR/PREFIX, nothing elsewhere, and the installed programs run.
# Prints cmocka-style lines for tests/run-tests.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 names=()

check() {
	local name=$1
	shift
	echo "[ RUN      ] $name"
	if "$@" >"$tmp/out" 2>&1; then
		echo "[       OK ] $name"
		passed=$((passed + 1))
	else
		sed 's/^/    /' "$tmp/out"
		echo "[  FAILED  ] $name"
		failed=$((failed + 1))
		names+=("$name")
	fi
}

dest=$tmp/root
make -s -C "$top" install DESTDIR="$dest" PREFIX=/opt/vusb-test >"$tmp/make.log" 2>&1
check "make install succeeds" test $? -eq 0
check "vusb-attach lands in DESTDIR/PREFIX/bin" test -x "$dest/opt/vusb-test/bin/vusb-attach"
check "vusbctl lands in DESTDIR/PREFIX/bin" test -x "$dest/opt/vusb-test/bin/vusbctl"
check "nothing outside DESTDIR/PREFIX" \
	bash -c "cd '$dest' && ! find . -mindepth 1 -maxdepth 1 ! -name opt | grep -q . && ! find opt -mindepth 1 -maxdepth 1 ! -name vusb-test | grep -q ."
check "the installed vusb-attach runs" "$dest/opt/vusb-test/bin/vusb-attach" --version
check "the installed vusbctl runs" "$dest/opt/vusb-test/bin/vusbctl" --version

echo "[==========] $((passed + failed)) test(s) run."
echo "[  PASSED  ] $passed test(s)."
if [ "$failed" -gt 0 ]; then
	echo "[  FAILED  ] $failed test(s), listed below:"
	printf '[  FAILED  ] %s\n' "${names[@]}"
	exit 1
fi
