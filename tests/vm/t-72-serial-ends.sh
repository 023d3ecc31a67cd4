#!/bin/sh
# The other ends of vusb-attach serial: --exec cat makes a loopback (text
# and 1 MiB echoed intact through the real cdc_acm driver, the command
# gone with the device); --tcp serves one client at a time (bytes the host
# sent before it came reach it, 1 MiB each way intact, the next client
# served when one leaves); --connect dials a listener; with --hangup the
# host dropping DTR sends SIGHUP to the pty's foreground process group.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl stty cmp head timeout nc mkfifo setsid ttyctl
need_module cdc-acm

LONG=$((60 * VM_SLOW))
MB=1048576
head -c $MB /dev/urandom >/tmp/r3

info_has() {
	vusbctl "$1" info | grep -qx "$2"
}

# client_open PORT OUT: nc to 127.0.0.1:PORT in the background (PID in
# NC), its output to OUT, its input the fifo /tmp/in, which fd 3 holds
# open: `printf ... >&3` sends, `exec 3>&-` ends its input.
client_open() {
	rm -f /tmp/in
	mkfifo /tmp/in
	timeout $LONG nc 127.0.0.1 "$1" </tmp/in >"$2" &
	NC=$!
	exec 3>/tmp/in
}

if serial_start serial0 serial --exec cat; then
	sleep 100000 <"$ACM" &
	HOLD=$!
	stty -F "$ACM" raw -echo
	timeout 10 head -c 5 "$ACM" >/tmp/t3 &
	R=$!
	sleep 0.2
	printf 'ping\n' >"$ACM"
	wait $R
	check_match "--exec cat echoes" '^ping$' cat /tmp/t3
	check_match "info: the command runs" '^end exec running$' vusbctl serial0 info
	timeout $LONG head -c 1048576 "$ACM" >/tmp/o3 &
	R=$!
	timeout $LONG cat /tmp/r3 >"$ACM"
	wait $R
	check "--exec cat echoes 1 MiB intact" cmp /tmp/r3 /tmp/o3
	kill $HOLD
	wait $HOLD 2>/dev/null
	kill -TERM $VA
	wait $VA
	check "--exec: the command is gone with the device" sh -c '! grep -qsx cat /proc/[0-9]*/comm'
fi
# A command deaf to its input and to SIGTERM: killed when vusb-attach may
# (it stays root), else left with a warning; vusb-attach ends either way.
deaf="trap '' TERM; exec sleep 1000"
# gone PID: it has exited (a zombie of ours until waited for counts)
gone() {
	[ ! -d "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status"
}
if VA_OPTS="--user root" serial_start serial4 serial --exec "$deaf"; then
	kill -TERM $VA
	check "--exec, root: a command deaf to SIGTERM does not keep us" wait_for 10 gone $VA
	wait $VA
	check "--exec, root: it is killed" sh -c '! grep -qsx sleep /proc/[0-9]*/comm'
fi
if serial_start serial4 serial --exec "$deaf"; then
	kill -TERM $VA
	check "--exec, unprivileged: a command deaf to SIGTERM does not keep us" wait_for 10 gone $VA
	wait $VA
	check_match "--exec, unprivileged: it is left, and we say so" \
		'serial4: the command \(pid [0-9]+\) did not end; it is left running' \
		cat /tmp/serial4.err
	for c in /proc/[0-9]*/comm; do
		grep -qsx sleep "$c" || continue
		_p=${c%/comm}
		kill -KILL "${_p#/proc/}"
	done
fi

# ---- --tcp: one client at a time ----
if serial_start serial1 serial --tcp 127.0.0.1:4000; then
	sleep 100000 <"$ACM" &
	HOLD=$!
	stty -F "$ACM" raw -echo
	check_match "info: no client yet" '^end tcp none$' vusbctl serial1 info
	printf 'early\n' >"$ACM"
	client_open 4000 /tmp/t4
	check "--tcp: what the host sent before the client came reaches it" \
		wait_for 10 grep -qx early /tmp/t4
	check "info: a client is connected" info_has serial1 "end tcp connected"
	timeout 10 head -c 6 "$ACM" >/tmp/t5 &
	R=$!
	sleep 0.2
	printf 'later\n' >&3
	wait $R
	check_match "--tcp: the client's bytes reach the host" '^later$' cat /tmp/t5
	# 1 MiB host -> client, on the same connection, after "early"
	timeout $LONG cat /tmp/r3 >"$ACM"
	check "--tcp: 1 MiB host -> client arrives" wait_for $LONG \
		sh -c '[ "$(wc -c </tmp/t4)" -ge '$((MB + 6))' ]'
	check "--tcp: 1 MiB host -> client, byte for byte" sh -c "tail -c $MB /tmp/t4 | cmp - /tmp/r3"
	check_match "--tcp: nothing more, nothing less" "^ *$((MB + 6))\$" sh -c 'wc -c </tmp/t4'
	exec 3>&-
	wait $NC
	check "info: the client has left" wait_for 10 info_has serial1 "end tcp none"
	# The next client: 1 MiB client -> host
	timeout $LONG head -c $MB "$ACM" >/tmp/o4 &
	R=$!
	timeout $LONG nc 127.0.0.1 4000 </tmp/r3 >/dev/null
	wait $R
	check "--tcp: the next client is served: 1 MiB client -> host intact" cmp /tmp/r3 /tmp/o4
	kill $HOLD
	wait $HOLD 2>/dev/null
	kill -TERM $VA
	wait $VA
fi

# ---- --connect ----
rm -f /tmp/in
mkfifo /tmp/in
timeout $LONG nc -l -p 4001 </tmp/in >/tmp/t6 &
NC=$!
exec 3>/tmp/in
sleep 0.5
if serial_start serial2 serial --connect 127.0.0.1:4001; then
	sleep 100000 <"$ACM" &
	HOLD=$!
	stty -F "$ACM" raw -echo
	printf 'dialed\n' >"$ACM"
	check "--connect: the host's bytes reach the listener" wait_for 10 grep -qx dialed /tmp/t6
	timeout 10 head -c 7 "$ACM" >/tmp/t7 &
	R=$!
	sleep 0.2
	printf 'answer\n' >&3
	wait $R
	check_match "--connect: the listener's bytes reach the host" '^answer$' cat /tmp/t7
	kill $HOLD
	wait $HOLD 2>/dev/null
	kill -TERM $VA
	wait $VA
fi
exec 3>&-
kill $NC 2>/dev/null
check "--connect to nobody fails clearly" sh -c \
	'vusb-attach --no-stdin serial --connect 127.0.0.1:4009 2>&1 | grep -q "cannot connect to 127.0.0.1:4009"'
check "--tcp with a bad address is a usage error" sh -c \
	'vusb-attach --no-stdin serial --tcp nowhere; [ $? -eq 2 ]'

# ---- --hangup ----
# A root shell on the pty: vusb-attach must stay root to signal it.
if VA_OPTS="--user root" serial_start serial3 serial --hangup; then
	rm -f /tmp/hup /tmp/hupready
	# A shell whose controlling terminal is the pty, as on a getty.
	setsid sh -c 'exec 0<>"$1"; trap "echo hup >/tmp/hup; exit 0" HUP; : >/tmp/hupready
		while :; do sleep 0.1; done' sh "$PTS" &
	wait_for 10 test -e /tmp/hupready
	sleep 100000 <"$ACM" &
	HOLD=$!
	check "--hangup: DTR is up while ttyACM is open" wait_for 5 info_has serial3 "dtr on"
	check "--hangup: no SIGHUP while DTR is up" test ! -e /tmp/hup
	check "ttyctl: dtr off" ttyctl "$ACM" dtr off
	check "--hangup: the pty's foreground gets SIGHUP when DTR drops" \
		wait_for 10 grep -qx hup /tmp/hup
	kill $HOLD
	wait $HOLD 2>/dev/null
	kill -TERM $VA
	wait $VA
fi
rm -f /tmp/r3 /tmp/o3 /tmp/o4 /tmp/t4 /tmp/in /tmp/hup /tmp/hupready
