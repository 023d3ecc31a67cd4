#!/bin/bash
# SPDX-License-Identifier: MIT
#
# make deb (scripts/mkdeb) builds a package lintian finds nothing in, with
# exactly the files make install ships, the library dependencies
# dpkg-shlibdeps found, and the maintainer scripts that create the vusb
# user and the directories and enable vusb.target. Needs dpkg-dev,
# debhelper and lintian (scripts/install-deps --test): without them the
# cases fail, they do not skip. tests/vm/run-systemd --deb installs the
# package on a Debian 12 and starts a device from it.
# Prints cmocka-style lines for tests/run-tests.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/host/harness.bash
. "$top/tests/host/harness.bash"

begin "the packaging tools are installed (dpkg-buildpackage, dh, lintian)"
missing=()
for t in dpkg-buildpackage dpkg-deb dh lintian; do
	command -v "$t" >/dev/null || missing+=("$t")
done
if [ ${#missing[@]} -eq 0 ]; then
	pass
else
	fail "missing: ${missing[*]} (scripts/install-deps --test)"
fi

begin "make deb builds the package"
version=$(sed -n 's/^VERSION *:= *//p' "$top/Makefile")
arch=$(dpkg-architecture -qDEB_HOST_ARCH 2>/dev/null)
deb=$tmp/build/deb/vusb_${version}_$arch.deb
# A caller's CFLAGS (make check-asan's sanitizers) must not reach the
# package: checked below. Run as a user would, not as a sub-make of make
# check: an outer make's flags (-w, its command-line variables) stay out.
if CFLAGS=-DVUSB_CALLER_CFLAGS env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make -s -C "$top" deb BUILD="$tmp/build" >"$tmp/make.log" 2>&1 &&
	[ "$(tail -n 1 "$tmp/make.log")" = "$tmp/build/deb/vusb_${version}_$arch.deb" ] &&
	[ -f "$deb" ]; then
	pass
else
	fail "$(tail -n 20 "$tmp/make.log")"
fi

begin "the package is built with dpkg-buildflags' hardening, not the caller's CFLAGS"
if grep -q -- '-fstack-protector-strong' "$tmp/build/deb/build.log" &&
	grep -q -- '-D_FORTIFY_SOURCE=2' "$tmp/build/deb/build.log" &&
	! grep -q VUSB_CALLER_CFLAGS "$tmp/build/deb/build.log"; then
	pass
else
	fail "$(grep -m 3 -E '^(cc|gcc) ' "$tmp/build/deb/build.log")"
fi

begin "lintian: no error, no warning, no info (overrides in contrib/debian say why)"
if lintian -I -E --pedantic --fail-on error,warning,info,pedantic \
	"$tmp/build/deb/vusb_${version}_$arch.changes" >"$tmp/lintian" 2>&1 &&
	! grep -qE '^[EWIPX]: ' "$tmp/lintian"; then
	pass
else
	fail "$(cat "$tmp/lintian")"
fi

begin "the package holds exactly the expected files"
cat >"$tmp/want" <<'LIST'
./lib/systemd/system-sleep/vusb
./lib/systemd/system/vusb-hotplug@.service
./lib/systemd/system/vusb.target
./lib/systemd/system/vusb@.service
./lib/udev/rules.d/60-vusb.rules
./usr/bin/vusb-attach
./usr/bin/vusbctl
./usr/lib/sysusers.d/vusb.conf
./usr/lib/tmpfiles.d/vusb.conf
./usr/share/bash-completion/completions/vusb-attach
./usr/share/bash-completion/completions/vusbctl
./usr/share/doc/vusb/README.md.gz
./usr/share/doc/vusb/changelog.gz
./usr/share/doc/vusb/copyright
./usr/share/doc/vusb/examples/61-vusb-hotplug.rules.example
./usr/share/doc/vusb/examples/consumer.hid
./usr/share/doc/vusb/examples/desk.conf
./usr/share/doc/vusb/examples/gamepad.hid
./usr/share/doc/vusb/examples/hotplug-example.conf
./usr/share/doc/vusb/examples/touchscreen.hid
./usr/share/lintian/overrides/vusb
./usr/share/man/man1/vusb-attach.1.gz
./usr/share/man/man1/vusbctl.1.gz
./usr/share/man/man5/vusb.conf.5.gz
LIST
dpkg-deb -c "$deb" 2>"$tmp/err" | awk '$1 !~ /^d/ { print $6 }' | LC_ALL=C sort >"$tmp/have"
if [ -s "$tmp/have" ] && diff -u "$tmp/want" "$tmp/have" >"$tmp/diff"; then
	pass
else
	fail "$(cat "$tmp/diff" "$tmp/err")"
fi

begin "the programs are root's, 0755, and the units run /usr/bin/vusb-attach"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ && $6 ~ /^\.\/usr\/bin\// { print $1, $2, $6 }' >"$tmp/perms"
rm -rf "$tmp/x"
dpkg-deb -x "$deb" "$tmp/x"
if [ "$(cat "$tmp/perms")" = "-rwxr-xr-x root/root ./usr/bin/vusb-attach
-rwxr-xr-x root/root ./usr/bin/vusbctl" ] &&
	grep -qx 'ExecStart=/usr/bin/vusb-attach --no-stdin --config %i' \
		"$tmp/x/lib/systemd/system/vusb@.service" &&
	grep -q '/usr/bin/vusbctl suspend' "$tmp/x/lib/systemd/system-sleep/vusb" &&
	"$tmp/x/usr/bin/vusbctl" --version | grep -qx "vusbctl $version"; then
	pass
else
	fail "$(cat "$tmp/perms")" "$(grep ExecStart "$tmp/x/lib/systemd/system/vusb@.service")"
fi

begin "Depends: the libraries dpkg-shlibdeps found, and systemd-sysusers"
dep=$(dpkg-deb -f "$deb" Depends)
ok=1
for d in 'libc6 (>= ' 'libudev1 (>= ' 'libmnl0 (>= ' 'systemd | '; do
	[[ $dep == *"$d"* ]] || ok=0
done
# libkmod is dlopen()ed (sysfs/kmod.c): recommended, not linked.
[[ $dep == *libkmod* ]] && ok=0
[[ $(dpkg-deb -f "$deb" Recommends) == *libkmod2* ]] || ok=0
if [ $ok = 1 ]; then
	pass
else
	fail "Depends: $dep" "Recommends: $(dpkg-deb -f "$deb" Recommends)"
fi

begin "postinst creates the vusb user and the directories, and enables vusb.target"
rm -rf "$tmp/ctl"
dpkg-deb -e "$deb" "$tmp/ctl"
if grep -q 'systemd-sysusers .*vusb.conf' "$tmp/ctl/postinst" &&
	grep -q 'systemd-tmpfiles .*--create vusb.conf' "$tmp/ctl/postinst" &&
	grep -q "deb-systemd-helper enable 'vusb.target'" "$tmp/ctl/postinst"; then
	pass
else
	fail "$(cat "$tmp/ctl/postinst")"
fi

begin "an upgrade does not stop vusb.target (it would unplug every device)"
if ! grep -qs "stop 'vusb.target'" "$tmp/ctl/preinst" &&
	grep -q "stop 'vusb.target'" "$tmp/ctl/prerm" &&
	grep -q '"$1" = remove' "$tmp/ctl/prerm"; then
	pass
else
	fail "$(cat "$tmp/ctl/preinst" "$tmp/ctl/prerm" 2>&1)"
fi

begin "contrib/debian/changelog is at the Makefile's VERSION"
cl=$(dpkg-parsechangelog -l "$top/contrib/debian/changelog" -S Version 2>&1)
if [ "$cl" = "$version" ]; then
	pass
else
	fail "changelog: $cl, Makefile: $version"
fi

begin "make deb refuses a changelog behind the Makefile's VERSION"
mkdir -p "$tmp/tree"
(cd "$top" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$tmp/tree"
sed -i 's/^VERSION *:= .*/VERSION    := 99.0.0/' "$tmp/tree/Makefile"
if ! "$tmp/tree/scripts/mkdeb" >"$tmp/out" 2>&1 &&
	grep -q "changelog is at '$version' but the Makefile at '99.0.0'" "$tmp/out" &&
	[ ! -e "$tmp/tree/build/deb/vusb-99.0.0" ]; then
	pass
else
	fail "$(cat "$tmp/out")"
fi

summary
