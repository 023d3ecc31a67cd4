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
p=$dest/opt/vusb-test
check "the systemd units land in PREFIX/lib/systemd/system" \
	test -f "$p/lib/systemd/system/vusb@.service" -a -f "$p/lib/systemd/system/vusb-hotplug@.service" \
	-a -f "$p/lib/systemd/system/vusb.target"
check "the units run the installed vusb-attach" \
	grep -qx "ExecStart=/opt/vusb-test/bin/vusb-attach --no-stdin --config %i" "$p/lib/systemd/system/vusb@.service"
check "the udev rule lands in PREFIX/lib/udev/rules.d" test -f "$p/lib/udev/rules.d/60-vusb.rules"
check "the sysusers file (the vusb user) lands in PREFIX/lib/sysusers.d" test -f "$p/lib/sysusers.d/vusb.conf"
check "the sleep hook is executable and runs the installed vusbctl" \
	bash -c "test -x '$p/lib/systemd/system-sleep/vusb' && grep -q '/opt/vusb-test/bin/vusbctl suspend' '$p/lib/systemd/system-sleep/vusb'"
check "the man pages land in PREFIX/share/man" \
	test -f "$p/share/man/man1/vusb-attach.1" -a -f "$p/share/man/man1/vusbctl.1" -a -f "$p/share/man/man5/vusb.conf.5"
check "bash completion lands in PREFIX/share" test -f "$p/share/bash-completion/completions/vusbctl"
check "the examples land in PREFIX/share/doc" test -f "$p/share/doc/vusb/examples/61-vusb-hotplug.rules.example"
check "no @placeholder@ is left" bash -c "! grep -r '@[a-z]*@' '$p/lib'"
if command -v mandoc >/dev/null; then
	check "the man pages pass mandoc -T lint" \
		bash -c "! mandoc -T lint -W warning '$p'/share/man/man*/* 2>&1 | grep ."
fi
check "sysusers.d: the vusb user and group" grep -q '^u vusb ' "$p/lib/sysusers.d/vusb.conf"
check "tmpfiles.d: /etc/vusb and /var/lib/vusb" \
	bash -c "grep -q '^d /etc/vusb ' '$p/lib/tmpfiles.d/vusb.conf' && grep -q '^d /var/lib/vusb ' '$p/lib/tmpfiles.d/vusb.conf'"
check "a PREFIX udevd never reads is warned about" \
	grep -q "warning: udevd reads rules from /usr/lib/udev.*not /opt/vusb-test/lib/udev" "$tmp/make.log"
check "vusb@.service fails visibly for a name without a file (AssertPathExists)" \
	grep -qx "AssertPathExists=/etc/vusb/%i.conf" "$p/lib/systemd/system/vusb@.service"
check "systemd-analyze is there" command -v systemd-analyze
# The units as systemd reads them, ExecStart pointing at the installed binary.
mkdir -p "$tmp/units"
for u in vusb@ vusb-hotplug@; do
	sed "s|/opt/vusb-test/bin/|$p/bin/|" "$p/lib/systemd/system/$u.service" >"$tmp/units/${u}desk.service"
done
cp "$p/lib/systemd/system/vusb.target" "$tmp/units/"
check "systemd-analyze verify: the units" \
	bash -c "cd '$tmp/units' && out=\$(systemd-analyze verify --man=no ./vusb@desk.service ./vusb-hotplug@desk.service ./vusb.target 2>&1) && echo \"\$out\" && [ -z \"\$out\" ]"
check "the installed vusb-attach runs" "$dest/opt/vusb-test/bin/vusb-attach" --version
check "the installed vusbctl runs" "$dest/opt/vusb-test/bin/vusbctl" --version
make -s -C "$top" uninstall DESTDIR="$dest" PREFIX=/opt/vusb-test >"$tmp/make.log" 2>&1
check "make uninstall succeeds" test $? -eq 0
check "make uninstall leaves no file behind" bash -c "! find '$dest' ! -type d | grep ."

echo "[==========] $((passed + failed)) test(s) run."
echo "[  PASSED  ] $passed test(s)."
if [ "$failed" -gt 0 ]; then
	echo "[  FAILED  ] $failed test(s), listed below:"
	printf '[  FAILED  ] %s\n' "${names[@]}"
	exit 1
fi
