#!/bin/sh
# 4 MiB of random bytes through vusb-attach serial and the real cdc_acm
# driver, host -> pty, pty -> host and both at once, at full speed; and
# each way with --speed high (512-byte bulk packets). Compared with cmp.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl stty cmp head timeout
need_module cdc-acm

MB4=4194304
LONG=$((90 * VM_SLOW))
head -c $MB4 /dev/urandom >/tmp/r1
head -c $MB4 /dev/urandom >/tmp/r2

# took WHAT T0: note how long since T0 (centiseconds of uptime) 4 MiB took
took() {
	_cs=$(($(_vm_uptime_cs) - $2))
	[ $_cs -gt 0 ] || _cs=1
	note "$1: 4 MiB in $((_cs / 100)).$((_cs % 100 / 10)) s, $((MB4 * 100 / _cs / 1024)) KiB/s"
}

# each_way SPEED: 4 MiB host -> pty, then pty -> host
each_way() {
	timeout $LONG head -c $MB4 "$PTS" >/tmp/o1 &
	_r=$!
	_t0=$(_vm_uptime_cs)
	timeout $LONG cat /tmp/r1 >"$ACM"
	wait $_r
	took "$1: host -> pty" $_t0
	check "$1: 4 MiB host -> pty, byte for byte" cmp /tmp/r1 /tmp/o1
	timeout $LONG head -c $MB4 "$ACM" >/tmp/o2 &
	_r=$!
	_t0=$(_vm_uptime_cs)
	timeout $LONG cat /tmp/r2 >"$PTS"
	wait $_r
	took "$1: pty -> host" $_t0
	check "$1: 4 MiB pty -> host, byte for byte" cmp /tmp/r2 /tmp/o2
	rm -f /tmp/o1 /tmp/o2
}

if serial_start serial0 serial; then
	sleep 100000 <"$ACM" &
	HOLD=$!
	stty -F "$ACM" raw -echo
	each_way "full speed"
	timeout $LONG head -c $MB4 "$PTS" >/tmp/o1 &
	R1=$!
	timeout $LONG head -c $MB4 "$ACM" >/tmp/o2 &
	R2=$!
	timeout $LONG cat /tmp/r1 >"$ACM" &
	W1=$!
	timeout $LONG cat /tmp/r2 >"$PTS"
	wait $W1 $R1 $R2
	check "both at once: host -> pty intact" cmp /tmp/r1 /tmp/o1
	check "both at once: pty -> host intact" cmp /tmp/r2 /tmp/o2
	rm -f /tmp/o1 /tmp/o2
	kill $HOLD
	wait $HOLD 2>/dev/null
	kill -TERM $VA
	wait $VA
fi

if serial_start serial1 serial --speed high; then
	check "--speed high: the host sees 480 Mb/s" grep -qx 480 "/sys/bus/usb/devices/$BUSID/speed"
	check_match "--speed high: 512-byte bulk packets" '^0200$' \
		cat "/sys/bus/usb/devices/$BUSID:1.1/ep_81/wMaxPacketSize"
	sleep 100000 <"$ACM" &
	HOLD=$!
	stty -F "$ACM" raw -echo
	each_way "high speed"
	kill $HOLD
	wait $HOLD 2>/dev/null
	kill -TERM $VA
	wait $VA
fi
rm -f /tmp/r1 /tmp/r2
