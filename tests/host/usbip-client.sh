#!/bin/bash
# SPDX-License-Identifier: MIT
#
# vusb-attach --listen against Debian's own USB/IP client, on the build
# machine: `usbip list -r` needs no kernel module, only our server. Run
# from the top of the tree after `make` (make check does both):
#
#   tests/host/usbip-client.sh
#
# Prints cmocka-style lines ("[ RUN      ]", "[       OK ]", "[  FAILED  ]"
# and the summary) so that tests/run-tests counts its cases like the C
# tests'. A case that cannot run here (port 3240 taken, no IPv6) is
# SKIPPED with the reason; a missing usbip client is a failure, since
# scripts/install-deps --test installs it.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
attach=${VUSB_BIN:-$top/bin}/vusb-attach
export PATH="$PATH:/usr/sbin:/sbin"
# shellcheck source=tests/host/harness.bash
. "$top/tests/host/harness.bash"


# stop: SIGTERM the last started vusb-attach; its exit status in $rc
stop() {
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
}

echo "[==========] Running usbip-client cases."

if [ ! -x "$attach" ]; then
	begin "vusb-attach is built"
	fail "$attach is missing: run make first"
fi
if ! command -v usbip >/dev/null; then
	begin "the usbip client is installed"
	fail "no usbip in PATH (Debian: apt-get install usbip; scripts/install-deps --test)"
fi

if [ -x "$attach" ] && command -v usbip >/dev/null; then
	begin "usbip --tcp-port list -r shows IDs, classes and interfaces"
	if start a --listen 127.0.0.1:0 mouse keyboard --vid 046d --pid c31c; then
		usbip --tcp-port "$port" list -r 127.0.0.1 >"$tmp/list.out" 2>&1
		lrc=$?
		# usbip prints each device as "BUSID: vendor : product (VID:PID)",
		# its path, its class, then one line per interface.
		want=(
			'^ +1-1: .*\(1209:0001\)$'
			'^ +: vusb/mouse0$'
			'^ +: +0 - Human Interface Device / Boot Interface Subclass / Mouse \(03/01/02\)$'
			'^ +1-2: .*\(046d:c31c\)$'
			'^ +: vusb/keyboard0$'
			'^ +: +0 - Human Interface Device / Boot Interface Subclass / Keyboard \(03/01/01\)$'
		)
		missing=()
		for re in "${want[@]}"; do
			grep -qE -- "$re" "$tmp/list.out" || missing+=("no line matches /$re/")
		done
		if [ "$lrc" -eq 0 ] && [ ${#missing[@]} -eq 0 ] &&
			[ "$(grep -cE '^ +[0-9]+-[0-9]+: ' "$tmp/list.out")" -eq 2 ]; then
			pass
		else
			fail "usbip exit $lrc" "${missing[@]}" "$(cat "$tmp/list.out")"
		fi
		begin "the devices are exported, and vusb-attach says so"
		if grep -qx 'mouse0: exported, busid 1-1' "$tmp/a.out" &&
			grep -qx 'keyboard0: exported, busid 1-2' "$tmp/a.out"; then
			pass
		else
			fail "$(cat "$tmp/a.out" "$tmp/a.err")"
		fi

		begin "vusb-attach stops cleanly on SIGTERM"
		stop
		if [ "$rc" -eq 0 ]; then pass; else fail "exit $rc" "$(cat "$tmp/a.err")"; fi
	else
		fail "vusb-attach --listen 127.0.0.1:0 did not start" "$(cat "$tmp/a.err")"
	fi

	begin "usbip list -r on the default port 3240"
	if start b --listen mouse; then
		usbip list -r 127.0.0.1 >"$tmp/list2.out" 2>&1
		lrc=$?
		if [ "$port" = 3240 ] && [ "$lrc" -eq 0 ] &&
			grep -qE '^ +1-1: .*\(1209:0001\)$' "$tmp/list2.out"; then
			pass
		else
			fail "port $port, usbip exit $lrc" "$(cat "$tmp/list2.out")"
		fi
		stop
	elif grep -q 'address is in use' "$tmp/b.err"; then
		skip "127.0.0.1:3240 is in use here: $(cat "$tmp/b.err")"
	else
		fail "vusb-attach --listen did not start" "$(cat "$tmp/b.err")"
	fi

	begin "IPv6: --listen [::1]:0 and usbip list -r ::1"
	if ! ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
		skip "no IPv6 loopback address"
	elif start c --listen '[::1]:0' keyboard; then
		usbip --tcp-port "$port" list -r ::1 >"$tmp/list3.out" 2>&1
		lrc=$?
		if [ "$lrc" -eq 0 ] && grep -qE '^ +1-1: .*\(1209:0002\)$' "$tmp/list3.out" &&
			grep -qx "listening on \[::1\]:$port" "$tmp/c.out"; then
			pass
		else
			fail "usbip exit $lrc" "$(cat "$tmp/list3.out" "$tmp/c.out")"
		fi
		stop
	else
		fail "vusb-attach --listen [::1]:0 did not start" "$(cat "$tmp/c.err")"
	fi

	begin "a peer outside --allow gets nothing"
	if start d --listen 127.0.0.1:0 --allow 10.0.0.0/8 --allow fd00::/8 mouse; then
		usbip --tcp-port "$port" list -r 127.0.0.1 >"$tmp/list4.out" 2>&1
		lrc=$?
		sleep 0.1
		if [ "$lrc" -ne 0 ] && ! grep -q '1209:0001' "$tmp/list4.out" &&
			grep -q '127.0.0.1:[0-9]*: refused: not in --allow' "$tmp/d.err"; then
			pass
		else
			fail "usbip exit $lrc" "$(cat "$tmp/list4.out" "$tmp/d.err")"
		fi
		stop
	else
		fail "vusb-attach did not start" "$(cat "$tmp/d.err")"
	fi

	begin "--allow that matches lets usbip list"
	if start e --listen 127.0.0.1:0 --allow 127.0.0.0/8 mouse; then
		if usbip --tcp-port "$port" list -r 127.0.0.1 >"$tmp/list5.out" 2>&1 &&
			grep -q '(1209:0001)' "$tmp/list5.out"; then
			pass
		else
			fail "$(cat "$tmp/list5.out" "$tmp/e.err")"
		fi
		stop
	else
		fail "vusb-attach did not start" "$(cat "$tmp/e.err")"
	fi

	begin "a non-loopback address warns that USB/IP has no authentication"
	if start f --listen 0.0.0.0:0 mouse; then
		if grep -q 'no authentication' "$tmp/f.err"; then pass; else fail "$(cat "$tmp/f.err")"; fi
		stop
	else
		fail "vusb-attach --listen 0.0.0.0:0 did not start" "$(cat "$tmp/f.err")"
	fi

	begin "loopback does not warn"
	if start g --listen 127.0.0.1:0 mouse; then
		if grep -q 'no authentication' "$tmp/g.err"; then fail "$(cat "$tmp/g.err")"; else pass; fi
		stop
	else
		fail "vusb-attach did not start" "$(cat "$tmp/g.err")"
	fi

	begin "a bad --listen is a usage error (exit 2)"
	"$attach" --no-stdin --listen 99999 mouse >"$tmp/h.out" 2>&1
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q "invalid --listen '99999'" "$tmp/h.out"; then
		pass
	else
		fail "exit $rc" "$(cat "$tmp/h.out")"
	fi

	begin "--help documents --listen, --allow and --local"
	"$attach" --help >"$tmp/help.out" 2>&1
	if grep -q -- '--listen \[HOST\]\[:PORT\]' "$tmp/help.out" &&
		grep -q -- '--allow CIDR|HOST' "$tmp/help.out" && grep -q -- '--local' "$tmp/help.out"; then
		pass
	else
		fail "$(cat "$tmp/help.out")"
	fi
fi

summary
