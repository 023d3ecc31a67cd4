#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The local attack surface on the build machine (no vhci_hcd needed: the
# devices are exported with --listen): the control socket as a user who
# is not in its group, as a member who sends no descriptor or forged
# bytes; the run directory as a symlink, writable by others, or another
# user's; the unprivileged process (capabilities, no_new_privs,
# seccomp); and --listen closing peers outside --allow before they can
# list. The seccomp filter's every refused family is probed after the
# real drop by tests/unit/test_privs.c; here the instance runs with
# VUSB_SECCOMP=report, and at the end every case above must have passed
# without one refused system call (an allow-list that lacks a call the
# control socket or --listen needs).
#
# Cases that switch users need root (setpriv); without root they are
# SKIPPED with that reason. A missing setpriv is a failure.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
attach=${VUSB_BIN:-$top/bin}/vusb-attach
vusbctl=${VUSB_BIN:-$top/bin}/vusbctl
raw=$top/${BUILD:-build}/tests/vm/ctlraw
export PATH="$PATH:/usr/sbin:/sbin"
# shellcheck source=tests/host/harness.bash
. "$top/tests/host/harness.bash"
# Other users (nobody, a group member) must reach the run directory.
chmod 755 "$tmp"

# expect NAME CMD...: one case, passing when CMD succeeds
expect() {
	local name=$1
	shift
	begin "$name"
	if "$@" >"$tmp/case.out" 2>&1; then
		pass
	else
		fail "$(cat "$tmp/case.out")"
	fi
}


field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s ' \t' ' '
}

# as_nobody CMD...: CMD as nobody, in group nogroup (65534) only
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

# devlist_bytes PORT: how many bytes a USB/IP OP_REQ_DEVLIST gets back
devlist_bytes() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf '\x01\x11\x80\x05\x00\x00\x00\x00' >&3
		timeout 3 cat <&3 2>/dev/null | wc -c
	)
}

echo "[==========] Running security cases."
root=0
[ "$(id -u)" = 0 ] && root=1

begin "the tools are here: vusb-attach, vusbctl, ctlraw, setpriv"
if [ -x "$attach" ] && [ -x "$vusbctl" ] && [ -x "$raw" ] && command -v setpriv >/dev/null; then
	pass
else
	fail "missing: run make check (it builds ctlraw); setpriv is util-linux's"
fi

head -c 65536 /dev/urandom >"$tmp/secret"
chmod 600 "$tmp/secret"

begin "vusb-attach --listen serves a mouse and an empty drive"
if VUSB_SECCOMP=report start a --listen 127.0.0.1:0 --allow 127.0.0.1/32 mouse storage; then
	apid=$pid
	pass
else
	fail "$(cat "$tmp/a.err")"
fi
sock=$(ls "$VUSB_RUNDIR"/*.sock 2>/dev/null | head -n 1)

# --- the unprivileged process ---------------------------------------------------
begin "the serving process: not root, no capability, no_new_privs, seccomp"
if [ $root = 0 ]; then
	skip "needs root (vusb-attach drops only from root)"
elif [ "$(field "$pid" Uid | cut -d' ' -f1)" != 0 ] && [ "$(field "$pid" CapEff)" = 0000000000000000 ] &&
	[ "$(field "$pid" CapBnd)" = 0000000000000000 ] && [ "$(field "$pid" NoNewPrivs)" = 1 ] &&
	[ "$(field "$pid" Seccomp)" = 2 ]; then
	pass
else
	fail "$(grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' "/proc/$pid/status")"
fi

# --- the control socket ------------------------------------------------------------
begin "a user outside the socket's group cannot connect (vusbctl, exit 5)"
if [ $root = 0 ]; then
	skip "needs root (setpriv to nobody)"
else
	as_nobody "$vusbctl" list >"$tmp/c.out" 2>&1
	rc=$?
	if [ $rc = 5 ] && grep -q 'permission denied' "$tmp/c.out"; then
		pass
	else
		fail "exit $rc" "$(cat "$tmp/c.out")"
	fi
fi

begin "... nor with a raw request"
if [ $root = 0 ]; then
	skip "needs root (setpriv to nobody)"
elif ! as_nobody "$raw" "$sock" storage0 insert "$tmp/secret" >"$tmp/c.out" 2>&1 &&
	grep -q 'Permission denied' "$tmp/c.out"; then
	pass
else
	fail "$(cat "$tmp/c.out")"
fi

# A member: the socket's group made nogroup, as privs_share_socket() makes
# it vusb, so that nobody (gid 65534) is one.
if [ $root = 1 ]; then
	chgrp 65534 "$sock" && chmod 660 "$sock"
fi

begin "a member may list"
if [ $root = 0 ]; then
	skip "needs root (setpriv to nobody)"
elif as_nobody "$vusbctl" list >"$tmp/c.out" 2>&1 && grep -q '^storage0 ' "$tmp/c.out"; then
	pass
else
	fail "$(cat "$tmp/c.out")"
fi

begin "a member's insert without a descriptor is refused, the file unread"
if [ $root = 0 ]; then
	skip "needs root (setpriv to nobody)"
else
	as_nobody "$raw" "$sock" storage0 insert "$tmp/secret" >"$tmp/c.out" 2>&1
	"$vusbctl" list >"$tmp/l.out" 2>&1
	if grep -q '^ERR 2 storage0: insert needs the file sent with the request' "$tmp/c.out" &&
		grep -q '^storage0 .*no medium' "$tmp/l.out"; then
		pass
	else
		fail "$(cat "$tmp/c.out" "$tmp/l.out")"
	fi
fi

begin "a member's vusbctl insert of a root-only file: permission denied (exit 5)"
if [ $root = 0 ]; then
	skip "needs root (setpriv to nobody)"
else
	as_nobody "$vusbctl" storage0 insert "$tmp/secret" >"$tmp/c.out" 2>&1
	rc=$?
	"$vusbctl" list >"$tmp/l.out" 2>&1
	if [ $rc = 5 ] && grep -q 'permission denied' "$tmp/c.out" &&
		grep -q '^storage0 .*no medium' "$tmp/l.out"; then
		pass
	else
		fail "exit $rc" "$(cat "$tmp/c.out" "$tmp/l.out")"
	fi
fi

begin "forged bytes get an error or a hang-up, and the server carries on"
"$raw" "$sock" --hex 6d6f757365306d6f7665 >"$tmp/f1.out" 2>&1
"$raw" "$sock" --hex 2d73657373696f6e00ffffff7f >"$tmp/f2.out" 2>&1
"$raw" "$sock" --hex 2d73657373696f6e0004000000 >"$tmp/f3.out" 2>&1
"$raw" "$sock" --hex 00 >"$tmp/f4.out" 2>&1
"$vusbctl" list >"$tmp/c.out" 2>&1
if grep -q '^ERR ' "$tmp/f1.out" && [ ! -s "$tmp/f2.out" ] && kill -0 "$pid" 2>/dev/null &&
	grep -q '^mouse0 ' "$tmp/c.out"; then
	pass
else
	fail "$(cat "$tmp"/f?.out "$tmp/c.out")"
fi

# sockets PID: how many sockets the process holds
sockets() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'socket:'
}

begin "an idle control client is hung up on after 10 s; vusbctl batch goes on"
head -c 65536 /dev/zero >"$tmp/disk.img"
before=$(sockets "$pid")
{
	echo "storage0 insert $tmp/disk.img"
	sleep 2
	sockets "$pid" >"$tmp/during"
	sleep 9
	sockets "$pid" >"$tmp/after"
	echo "storage0 eject"
} | "$vusbctl" batch >"$tmp/c.out" 2>&1
rc=$?
"$vusbctl" list >"$tmp/l.out" 2>&1
if [ $rc = 0 ] && [ "$(cat "$tmp/during")" = $((before + 1)) ] &&
	[ "$(cat "$tmp/after")" = "$before" ] && grep -q '^storage0 .*no medium' "$tmp/l.out"; then
	pass
else
	fail "exit $rc; sockets before $before, idle 2 s $(cat "$tmp/during"), 11 s $(cat "$tmp/after")" \
		"$(cat "$tmp/c.out" "$tmp/l.out")"
fi

# --- the run directory --------------------------------------------------------------
mkdir -p "$tmp/victim/dev"
echo keep >"$tmp/victim/dev/precious"
chmod 755 "$tmp/victim" "$tmp/victim/dev"

# refused NAME DIR WHY: vusb-attach with VUSB_RUNDIR=DIR fails, saying WHY
refused() {
	begin "$1"
	VUSB_RUNDIR=$2 timeout 10 "$attach" --no-stdin --listen 127.0.0.1:0 mouse >"$tmp/r.out" 2>&1
	rc=$?
	if [ $rc != 0 ] && [ $rc != 124 ] && grep -q "$3" "$tmp/r.out" &&
		[ "$(cat "$tmp/victim/dev/precious")" = keep ]; then
		pass
	else
		fail "exit $rc" "$(cat "$tmp/r.out")"
	fi
}

ln -s "$tmp/victim" "$tmp/link"
refused "a run directory that is a symlink is refused" "$tmp/link" "is a symbolic link"
mkdir -p "$tmp/run2"
chmod 755 "$tmp/run2"
ln -s "$tmp/victim/dev" "$tmp/run2/dev"
refused "... so is a dev/ that is a symlink, its target untouched" "$tmp/run2" "dev is a symbolic link"
mkdir -p "$tmp/ww"
chmod 1777 "$tmp/ww"
refused "... and one that others may write" "$tmp/ww" "writable by others"
if [ $root = 1 ]; then
	mkdir -p "$tmp/theirs"
	chown 65534:65534 "$tmp/theirs"
	refused "... and another user's" "$tmp/theirs" "owned by another user"
else
	begin "... and another user's"
	skip "needs root (chown)"
fi

# --- --listen and --allow ---------------------------------------------------------
begin "a peer inside --allow can list"
n=$(devlist_bytes "$port")
if [ "${n:-0}" -gt 12 ]; then
	pass
else
	fail "$n bytes"
fi

begin "a peer outside --allow is closed before it can list"
if VUSB_SECCOMP=report start b --listen 127.0.0.1:0 --allow 10.0.0.0/8 mouse; then
	bpid=$pid
	n=$(devlist_bytes "$port")
	if [ "$n" = 0 ] && grep -q 'not in --allow' "$tmp/b.err"; then
		pass
	else
		fail "$n bytes" "$(cat "$tmp/b.err")"
	fi
else
	fail "$(cat "$tmp/b.err")"
fi

# Their ends too: SIGTERM, the devices withdrawn, the exit.
for p in ${apid:-} ${bpid:-}; do
	kill -TERM "$p" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.05
	done
done
begin "none of it (nor SIGTERM and the exit) met a system call outside the seccomp allow-list"
if [ $root = 0 ]; then
	skip "needs root (vusb-attach drops only from root)"
elif ! grep -q 'Terminated' "$tmp/a.err"; then
	fail "vusb-attach did not end on SIGTERM" "$(cat "$tmp/a.err")"
elif ! grep -q 'seccomp filter refused' "$tmp/a.err" "$tmp/b.err"; then
	pass
else
	fail "$(grep -h 'seccomp filter refused' "$tmp/a.err" "$tmp/b.err")"
fi

summary
