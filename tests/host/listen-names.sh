#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Host names for --listen and --allow, through the system's resolver: a
# name that does not resolve is exit 2 with the resolver's message before
# anything listens; a name with several addresses is listened on at every
# one (one port) and, for --allow, admits every one. The names come from a
# private /etc/hosts mounted over the real one in a mount namespace of our
# own (unshare -m), so the machine's is never touched: that needs root,
# and without it those cases are SKIPPED with that reason. A missing
# usbip or unshare is a failure.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
attach=${VUSB_BIN:-$top/bin}/vusb-attach
export PATH="$PATH:/usr/sbin:/sbin"
# shellcheck source=tests/host/harness.bash
. "$top/tests/host/harness.bash"

# start NAME ARGS...: vusb-attach ARGS in the background, in the mount
# namespace with our /etc/hosts; waits for its last "listening on" line
# (the one before the first "exported") and sets $port.
start() {
	local name=$1 i
	shift
	unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$tmp/hosts" \
		"$attach" --no-stdin "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	pids+=("$pid")
	for i in $(seq 100); do
		if grep -q ': exported, busid' "$tmp/$name.out" 2>/dev/null; then
			port=$(sed -n '1s/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/$name.out")
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# lists HOST: does `usbip list -r HOST` show bus id 1-1?
lists() {
	timeout 10 usbip --tcp-port "$port" list -r "$1" 2>&1 | grep -q ' 1-1: '
}

echo "[==========] Running listen-names cases."

begin "the tools are here: vusb-attach, usbip, unshare"
if [ -x "$attach" ] && command -v usbip >/dev/null && command -v unshare >/dev/null; then
	pass
else
	fail "missing: run make; usbip (apt-get install usbip) and unshare (util-linux) come with scripts/install-deps --test"
fi

begin "--listen with a name that does not resolve: exit 2, the resolver's message, nothing listens"
"$attach" --no-stdin --listen no-such-host.invalid:0 mouse >"$tmp/n.out" 2>"$tmp/n.err"
rc=$?
if [ $rc = 2 ] && grep -q "^vusb-attach: --listen no-such-host.invalid: cannot resolve no-such-host.invalid: ." "$tmp/n.err" &&
	! grep -q 'listening\|exported' "$tmp/n.out"; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/n.out" "$tmp/n.err")"
fi

begin "--allow with a name that does not resolve: exit 2 too"
"$attach" --no-stdin --listen 127.0.0.1:0 --allow no-such-host.invalid mouse \
	>"$tmp/n.out" 2>"$tmp/n.err"
rc=$?
if [ $rc = 2 ] && grep -q "cannot resolve no-such-host.invalid" "$tmp/n.err" &&
	! grep -q 'listening' "$tmp/n.out"; then
	pass
else
	fail "exit $rc" "$(cat "$tmp/n.out" "$tmp/n.err")"
fi

if [ "$(id -u)" != 0 ]; then
	begin "names with several addresses"
	skip "needs root (unshare -m and a private /etc/hosts)"
	summary
fi

printf '127.0.0.1 both.test\n::1 both.test\n127.0.0.2 other.test\n' >"$tmp/hosts"
v6=1
[ -e /proc/net/if_inet6 ] || v6=0

begin "--listen both.test:0 listens on 127.0.0.1 and ::1, one port"
if [ $v6 = 0 ]; then
	skip "no IPv6 here"
elif start a --listen both.test:0 mouse; then
	if [ "$(grep -c '^listening on ' "$tmp/a.out")" = 2 ] &&
		grep -qx "listening on 127.0.0.1:$port" "$tmp/a.out" &&
		grep -qx "listening on \[::1\]:$port" "$tmp/a.out" &&
		lists 127.0.0.1 && lists ::1; then
		pass
	else
		fail "$(cat "$tmp/a.out" "$tmp/a.err")"
	fi
else
	fail "$(cat "$tmp/a.out" "$tmp/a.err")"
fi

begin "--allow both.test admits both its addresses; --allow other.test neither"
if [ $v6 = 0 ]; then
	skip "no IPv6 here"
elif start b --listen '[::]:0' --allow both.test mouse; then
	ok=0
	lists 127.0.0.1 && lists ::1 && ok=1
	if start c --listen '[::]:0' --allow other.test mouse; then
		if [ $ok = 1 ] && ! lists 127.0.0.1 && ! lists ::1 &&
			[ "$(grep -c 'refused: not in --allow' "$tmp/c.err")" = 2 ]; then
			pass
		else
			fail "both.test: $(cat "$tmp/b.err")" "other.test: $(cat "$tmp/c.err")"
		fi
	else
		fail "$(cat "$tmp/c.err")"
	fi
else
	fail "$(cat "$tmp/b.err")"
fi

summary
