#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Loopback is not private: --listen on 127.0.0.1 or ::1 admits a local
# peer only when the owner of its socket (sock_diag) is root, a user named
# by --allow-user or a member of a group named (by default: root, the user
# who started vusb-attach, group vusb). Shown with two local users made
# here (useradd), Debian's `usbip list -r` and an import
# (tests/host/usbip-import.py) run as each with setpriv; the refused ones
# are closed before they can list or import, with one log line naming the
# uid. No kernel module needed.
#
# Making users needs root: without root every case that switches users is
# SKIPPED with that reason. A missing useradd, setpriv or usbip is a
# failure.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
attach=${VUSB_BIN:-$top/bin}/vusb-attach
import=$top/tests/host/usbip-import.py
# The system's python3: another user cannot run one under root's home (pyenv).
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
export PATH="$PATH:/usr/sbin:/sbin"
# shellcheck source=tests/host/harness.bash
. "$top/tests/host/harness.bash"
chmod 755 "$tmp"

# Names of our own: parallel runs, and users that already exist, stay apart.
ok=vuok$$
no=vuno$$
mem=vumem$$
grp=vugrp$$
made=()
remove_users() {
	local u
	for u in "${made[@]}"; do
		userdel "$u" 2>/dev/null
	done
	groupdel "$grp" 2>/dev/null
	cleanup
}
trap remove_users EXIT


# as USER CMD...: CMD as USER with its passwd group and no other: group
# membership must come from the user database, as vusb-attach reads it.
as() {
	local u=$1
	shift
	setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --clear-groups -- "$@"
}

# lists USER [HOST]: does `usbip list -r HOST` as USER show bus id 1-1?
lists() {
	as "$1" timeout 10 usbip --tcp-port "$port" list -r "${2:-127.0.0.1}" 2>&1 |
		grep -q ' 1-1: '
}

echo "[==========] Running allow-user cases."
root=0
[ "$(id -u)" = 0 ] && root=1

begin "the tools are here: vusb-attach, usbip, setpriv, useradd"
if [ -x "$attach" ] && command -v usbip >/dev/null && command -v setpriv >/dev/null &&
	command -v useradd >/dev/null; then
	pass
else
	fail "missing: run make; usbip (apt-get install usbip), setpriv (util-linux) and useradd (passwd) come with scripts/install-deps --test"
fi

# --- what needs no other user ----------------------------------------------------
begin "an unknown --allow-user is exit 2, before anything listens"
"$attach" --no-stdin --listen 127.0.0.1:0 --allow-user no-such-user-$$ mouse \
	>"$tmp/u.out" 2>"$tmp/u.err"
rc=$?
if [ $rc = 2 ] && grep -q "'no-such-user-$$': no such user or group" "$tmp/u.err" &&
	! grep -q listening "$tmp/u.out"; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/u.out" "$tmp/u.err")"
fi

begin "--allow-user without --listen, and any with a name, are exit 2"
"$attach" --no-stdin --allow-user root mouse >"$tmp/u.out" 2>&1
rc1=$?
"$attach" --no-stdin --listen 127.0.0.1:0 --allow-user any --allow-user root mouse \
	>>"$tmp/u.out" 2>&1
rc2=$?
if [ $rc1 = 2 ] && [ $rc2 = 2 ] && grep -q 'only makes sense with --listen' "$tmp/u.out" &&
	grep -q 'it goes alone' "$tmp/u.out"; then
	pass
else
	fail "exit $rc1, $rc2" "$(cat "$tmp/u.out")"
fi

if [ $root = 0 ]; then
	begin "local users told apart"
	skip "needs root (useradd, setpriv)"
	summary
fi

# --- two users, and a group ------------------------------------------------------
begin "make users $ok, $no and $mem (in group $grp)"
if groupadd "$grp" && useradd -M -N -g nogroup -s /usr/sbin/nologin "$ok" && made+=("$ok") &&
	useradd -M -N -g nogroup -s /usr/sbin/nologin "$no" && made+=("$no") &&
	useradd -M -N -g nogroup -G "$grp" -s /usr/sbin/nologin "$mem" && made+=("$mem"); then
	pass
else
	fail "useradd failed"
	summary
fi

begin "--allow-user $ok --allow-user $grp: serves a mouse on 127.0.0.1"
if start a --listen 127.0.0.1:0 --allow-user "$ok" --allow-user "$grp" mouse storage; then
	pass
else
	fail "$(cat "$tmp/a.err")"
fi

begin "$ok (named) lists"
if lists "$ok"; then pass; else fail "$(cat "$tmp/a.err")"; fi

begin "$mem (a member of $grp, from the group database) lists"
if lists "$mem"; then pass; else fail "$(cat "$tmp/a.err")"; fi

begin "root always lists"
if lists root; then pass; else fail "$(cat "$tmp/a.err")"; fi

begin "$no is closed before it can list, and the log names its uid"
uid_no=$(id -u "$no")
if ! lists "$no" && grep -q "refused: uid $uid_no ($no) is not in --allow-user" "$tmp/a.err" &&
	! grep -q "listed.*" <(grep "$uid_no" "$tmp/a.err"); then
	pass
else
	fail "$(cat "$tmp/a.err")"
fi

begin "$no cannot import either; $ok can"
as "$no" "$py" "$import" "$port" 1-2 0 >"$tmp/imp.out" 2>&1
rc1=$?
# (LBA 0 of the empty drive stalls: what counts is that the import went through.)
as "$ok" "$py" "$import" "$port" 1-2 0 >"$tmp/imp2.out" 2>&1
if [ $rc1 != 0 ] && grep -q 'closed the connection\|Connection reset' "$tmp/imp.out" &&
	grep -q "^inquiry vendor 'vusb" "$tmp/imp2.out" &&
	grep -q "storage0: imported by 127.0.0.1" "$tmp/a.err"; then
	pass
else
	fail "$no (exit $rc1): $(cat "$tmp/imp.out")" "$ok: $(cat "$tmp/imp2.out")" \
		"$(cat "$tmp/a.err")"
fi

begin "the same on ::1"
if ! [ -e /proc/net/if_inet6 ]; then
	skip "no IPv6 here"
elif start b --listen '[::1]:0' --allow-user "$ok" mouse; then
	if lists "$ok" ::1 && ! lists "$no" ::1 && lists root ::1 &&
		grep -q "refused: uid $uid_no" "$tmp/b.err"; then
		pass
	else
		fail "$(cat "$tmp/b.err")"
	fi
else
	fail "$(cat "$tmp/b.err")"
fi

begin "by default on loopback: root and the vusb group; $ok is refused"
if start c --listen 127.0.0.1:0 mouse; then
	if lists root && ! lists "$ok" && grep -q "refused: uid $(id -u "$ok")" "$tmp/c.err"; then
		pass
	else
		fail "$(cat "$tmp/c.err")"
	fi
else
	fail "$(cat "$tmp/c.err")"
fi

begin "--allow-user any admits every local user"
if start d --listen 127.0.0.1:0 --allow-user any mouse; then
	if lists "$no" && ! grep -q refused "$tmp/d.err"; then
		pass
	else
		fail "$(cat "$tmp/d.err")"
	fi
else
	fail "$(cat "$tmp/d.err")"
fi

summary
