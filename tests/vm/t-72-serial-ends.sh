#!/bin/sh
# The other ends of vusb-attach serial: --exec cat makes a loopback (text
# and 1 MiB echoed intact through the real cdc_acm driver, the command
# gone with the device).
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl stty cmp head timeout
need_module cdc-acm

LONG=$((60 * VM_SLOW))

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
	head -c 1048576 /dev/urandom >/tmp/r3
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
rm -f /tmp/r3 /tmp/o3
