#!/bin/sh
# Input latency of a vusb mouse attached directly (vhci socketpair) and the
# same mouse exported with --listen and imported over loopback TCP with
# usbip attach, in one boot: inputlat sends moves over the control socket
# and times them to the evdev event (median of 300 each).
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl usbip inputlat
need_module vhci-hcd

T=$((20 * VM_SLOW))
N=300
mkdir -p /var/run

# measure NAME LABEL: inputlat against NAME's event node; median in $med
measure() {
	med=
	if ! wait_for $T evdev_for 1209 0001; then
		fail "$2: the mouse has an event node" "$(ls /sys/class/input)"
		return 1
	fi
	_ev=$(evdev_for 1209 0001 | head -n 1)
	# Let the hub and input layers settle after enumeration.
	sleep 1
	if inputlat -n $N -w 30 "$1" "$_ev" >/tmp/lat.out 2>&1; then
		med=$(sed -n 's/.*median \([0-9]*\) us.*/\1/p' /tmp/lat.out)
	fi
	if [ -n "$med" ]; then
		ok "$2: $(cat /tmp/lat.out)"
		return 0
	fi
	fail "$2: inputlat" "$(cat /tmp/lat.out)"
	return 1
}

vusb-attach mouse --name direct >/tmp/d.out 2>/tmp/d.err &
VA=$!
if wait_for $T grep -q '^direct: ready' /tmp/d.out; then
	measure direct "attached directly" && direct=$med
else
	fail "vusb-attach mouse is ready" "$(cat /tmp/d.out /tmp/d.err)"
fi
kill -TERM $VA
wait $VA
wait_for $T sh -c '! evdev_for 1209 0001 >/dev/null 2>&1'

vusb-attach --listen mouse --name remote >/tmp/r.out 2>/tmp/r.err &
VB=$!
if wait_for $T grep -q '^remote: exported, busid 1-1$' /tmp/r.out &&
	usbip attach -r 127.0.0.1 -b 1-1 >/tmp/ua.out 2>&1; then
	measure remote "exported, imported over loopback TCP" && remote=$med
else
	fail "the exported mouse is imported" "$(cat /tmp/r.out /tmp/r.err /tmp/ua.out)"
fi
kill -TERM $VB
wait $VB

if [ -n "${direct:-}" ] && [ -n "${remote:-}" ]; then
	note "median latency: direct ${direct} us, exported ${remote} us, difference $((remote - direct)) us (accel ${VM_ACCEL:-?})"
	# A sanity bound, not a benchmark: far above either, even under TCG.
	check "the exported mouse's median stays under 50 ms" test "$remote" -lt 50000
fi
