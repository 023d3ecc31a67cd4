#!/bin/sh
# Readiness from the kernel's uevents: after "NAME: ready, ..." comes
# "NAME: nodes ..." naming exactly the nodes the drivers made, for HID,
# storage and a device nobody has a driver for; --wait-ready fails with
# the reason when the kernel never binds; suspend and resume come back.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl
need_module vhci-hcd

T=$((20 * VM_SLOW))

# nodes_of FILE NAME: the node list of NAME's nodes line
nodes_of() {
	sed -n "s/^$2: nodes//p" "$1" | sed 's/^ //'
}

# hidraw nodes of a USB device, from sysfs (no udev here)
hidraw_for() {
	_d=$(usb_dev_for "$1" "$2") || return 1
	for _h in "$_d"/*/*/hidraw/hidraw*; do
		[ -e "$_h" ] && echo "/dev/${_h##*/}"
	done
}

vusb-attach --no-stdin mouse keyboard >/tmp/r.out 2>/tmp/r.err &
VA=$!
if wait_for $T grep -q '^keyboard0: nodes' /tmp/r.out && grep -q '^mouse0: nodes' /tmp/r.out; then
	ok "mouse and keyboard: a nodes line each"
else
	fail "mouse and keyboard: a nodes line each" "$(cat /tmp/r.out /tmp/r.err)"
	kill $VA
	exit 0
fi
note "$(cat /tmp/r.out)"
# The first line stays as scripts know it, and comes first.
check_match "the ready line is unchanged" "^mouse0: ready, port [0-9]+, busid [0-9]+-[0-9.]+$" \
	sed -n 1,2p /tmp/r.out
first=$(grep '^mouse0: ' /tmp/r.out | head -n1)
case $first in
"mouse0: ready,"*) ok "the ready line comes before the nodes line" ;;
*) fail "the ready line comes before the nodes line" "$(cat /tmp/r.out)" ;;
esac

for dev in mouse0:0001 keyboard0:0002; do
	name=${dev%:*}
	pid=${dev#*:}
	got=$(nodes_of /tmp/r.out "$name" | tr ' ' '\n' | sort)
	# Everything sysfs says the drivers made: evdev (and mousedev) nodes
	# below the input device, and hidraw.
	want=$({
		evdev_for 1209 "$pid"
		d=$(usb_dev_for 1209 "$pid")
		for m in "$d"/*/*/input/input*/mouse*; do [ -e "$m" ] && echo "/dev/input/${m##*/}"; done
		hidraw_for 1209 "$pid"
	} | sort)
	if [ -n "$got" ] && [ "$got" = "$want" ]; then
		ok "$name: the nodes line names its nodes ($(echo $got))"
	else
		fail "$name: the nodes line names its nodes" "got: $(echo $got)" "want: $(echo $want)"
	fi
	for n in $got; do
		if [ ! -c "$n" ]; then
			fail "$name: $n is a character device" "$(ls -l "$n" 2>&1)"
			continue 2
		fi
	done
	ok "$name: every node exists when the line is printed"
done

# Suspend and resume: the devices leave the bus and come back, ready.
check_match "vusbctl suspend detaches them" "mouse0: suspended" vusbctl suspend
if wait_for $T sh -c '! lsusb | grep -q "1209:000[12]"'; then
	ok "after suspend the devices are off the bus"
else
	fail "after suspend the devices are off the bus" "$(lsusb)"
fi
check_match "vusbctl list says suspended" "^mouse0 +mouse +- +- +suspended" vusbctl list
: >/tmp/r.mark
check_match "vusbctl resume attaches them again" "mouse0: resumed on port [0-9]+" vusbctl resume
if wait_for $T sh -c '[ $(grep -c "^mouse0: nodes /dev/" /tmp/r.out) -eq 2 ] && [ $(grep -c "^keyboard0: nodes /dev/" /tmp/r.out) -eq 2 ]'; then
	ok "after resume: ready and nodes lines again"
else
	fail "after resume: ready and nodes lines again" "$(cat /tmp/r.out /tmp/r.err)"
fi
check "after resume the mouse moves" sh -c '
	ev=$(. /vusb/tests/lib.sh; evdev_for 1209 0001 | head -n1)
	evread -n 1 -t '"$T"' --ready-file /tmp/r.evr "$ev" >/tmp/r.ev &
	p=$!
	while [ ! -e /tmp/r.evr ]; do sleep 0.1; done
	vusbctl mouse0 move 3 0
	wait $p'
kill $VA
wait $VA
check "SIGTERM after resume: exit 0" test $? -eq 0

# Storage: the disk's node, a block device of the image's size.
truncate -s 16M /tmp/r.img
vusb-attach --no-stdin storage /tmp/r.img >/tmp/s.out 2>/tmp/s.err &
VA=$!
if wait_for $((T * 2)) grep -q '^storage0: nodes' /tmp/s.out; then
	ok "storage: a nodes line"
	note "$(cat /tmp/s.out)"
	disk=$(nodes_of /tmp/s.out storage0 | tr ' ' '\n' | grep -E '^/dev/sd[a-z]+$')
	if [ -n "$disk" ] && [ -b "$disk" ] &&
		[ "$(cat /sys/class/block/${disk#/dev/}/size)" = $((16 * 1024 * 2)) ]; then
		ok "storage: the nodes line names the disk ($disk, 16 MiB)"
	else
		fail "storage: the nodes line names the disk" "$(cat /tmp/s.out)" "$(ls -l /dev/sd* 2>&1)"
	fi
else
	fail "storage: a nodes line" "$(cat /tmp/s.out /tmp/s.err)"
fi
kill $VA
wait $VA

# A device no driver wants (DFU): ready with an empty list.
vusb-attach --no-stdin fomu >/tmp/f.out 2>/tmp/f.err &
VA=$!
if wait_for $T grep -q '^fomu0: nodes$' /tmp/f.out; then
	ok "fomu (DFU, no kernel driver): an empty nodes line"
else
	fail "fomu (DFU, no kernel driver): an empty nodes line" "$(cat /tmp/f.out /tmp/f.err)"
fi
kill $VA
wait $VA

# The kernel never binds: interfaces not authorized on vhci's hubs.
hubs=$(for h in /sys/bus/usb/devices/usb*; do
	case $(readlink -f "$h") in */vhci_hcd.*) echo "$h" ;; esac
done)
for h in $hubs; do echo 0 >"$h/interface_authorized_default"; done
vusb-attach --no-stdin --wait-ready=3 mouse >/tmp/w.out 2>/tmp/w.err
rc=$?
for h in $hubs; do echo 1 >"$h/interface_authorized_default"; done
if [ $rc -eq 1 ] && grep -q "not done with it after 3 s: interface [0-9.:-]* (HID) is not authorized" /tmp/w.err; then
	ok "--wait-ready: fails, exit 1, saying why ($(cat /tmp/w.err | tail -n1))"
else
	fail "--wait-ready: fails, exit 1, saying why" "exit $rc" "$(cat /tmp/w.out /tmp/w.err)"
fi
check_match "... after the ready line (configured, never bound)" "^mouse0: ready" cat /tmp/w.out
if grep -q "nodes" /tmp/w.out; then
	fail "... and no nodes line" "$(cat /tmp/w.out)"
else
	ok "... and no nodes line"
fi
if lsusb | grep -q "1209:0001"; then
	fail "... and the device is detached" "$(lsusb)"
else
	ok "... and the device is detached"
fi

# Never even configured: the device itself not authorized.
for h in $hubs; do echo 0 >"$h/authorized_default"; done
vusb-attach --no-stdin --wait-ready=3 mouse >/tmp/w2.out 2>/tmp/w2.err
rc=$?
for h in $hubs; do echo 1 >"$h/authorized_default"; done
if [ $rc -eq 1 ] && grep -q "not done with it after 3 s: it is not authorized" /tmp/w2.err &&
	! grep -q ready /tmp/w2.out; then
	ok "--wait-ready: a device never configured fails too ($(tail -n1 /tmp/w2.err))"
else
	fail "--wait-ready: a device never configured fails too" "exit $rc" "$(cat /tmp/w2.out /tmp/w2.err)"
fi

# Without --wait-ready the same only warns, and the nodes come late.
for h in $hubs; do echo 0 >"$h/interface_authorized_default"; done
vusb-attach --no-stdin mouse >/tmp/l.out 2>/tmp/l.err &
VA=$!
wait_for $T grep -q '^mouse0: ready' /tmp/l.out
sleep 1
check "no nodes line while unbound" sh -c '! grep -q nodes /tmp/l.out'
busid=$(sed -n 's/.*busid \(.*\)$/\1/p' /tmp/l.out)
for h in $hubs; do echo 1 >"$h/interface_authorized_default"; done
# Authorizing does not probe (Documentation/usb/authorization.rst).
echo 1 >"/sys/bus/usb/devices/$busid:1.0/authorized"
echo "$busid:1.0" >/sys/bus/usb/drivers_probe
if wait_for $T grep -q '^mouse0: nodes /dev/' /tmp/l.out; then
	ok "authorized late: the nodes line follows"
else
	fail "authorized late: the nodes line follows" "$(cat /tmp/l.out /tmp/l.err)"
fi
kill $VA
wait $VA
