#!/bin/sh
# The host resets the device (USBDEVFS_RESET, as `usbreset` or a driver's
# error handling does) and deauthorizes/reauthorizes it: vhci resets the
# port, the device sees a new enumeration, and it must keep working with
# its drivers still bound: a mouse idle and in the middle of a stream, a
# disk in the middle of a read (the data read must still be the image's),
# the Fomu's bootloader. vusb-attach keeps running on the same port.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread usbdevreset
need_module vhci-hcd

T=$((20 * VM_SLOW))

start() {
	vusb-attach --no-stdin "$@" >/tmp/r.out 2>/tmp/r.err &
	VA=$!
}

busid_of() {
	sed -n "s/^$1: ready, port [0-9]*, busid \(.*\)$/\1/p" /tmp/r.out | tail -n 1
}

alive() {
	kill -0 $VA 2>/dev/null
}

# moved: a move of the mouse reaches its event node
moved() {
	_ev=$(evdev_for 1209 0001 | head -n 1)
	[ -n "$_ev" ] || return 1
	rm -f /tmp/r.ready
	evread -n 1 -t 10 --ready-file /tmp/r.ready "$_ev" >/tmp/r.ev 2>&1 &
	_rd=$!
	wait_for 10 test -e /tmp/r.ready
	vusbctl mouse0 move 5 0 >/dev/null 2>&1
	wait $_rd && grep -q 'REL_X 5' /tmp/r.ev
}

# --- a mouse: idle, then in a stream of reports -------------------------------------
start mouse
if wait_for $T grep -q '^mouse0: ready' /tmp/r.out; then
	busid=$(busid_of mouse0)
	check "mouse: a move arrives before the reset" moved
	check "usbdevreset $busid (idle)" usbdevreset "$busid"
	check "... vusb-attach carries on" alive
	check "... a move arrives after it" wait_for $T moved
	ev=$(evdev_for 1209 0001 | head -n 1)
	evread -n 1000000 -t 60 "$ev" >/dev/null 2>&1 &
	reader=$!
	(while vusbctl mouse0 move 1 1 >/dev/null 2>&1; do :; done) &
	mover=$!
	sleep 0.5
	check "usbdevreset $busid (while reports stream)" usbdevreset "$busid"
	sleep 0.5
	kill $mover $reader 2>/dev/null
	wait $mover $reader 2>/dev/null
	check "... vusb-attach carries on" alive
	check "... a move arrives after it" wait_for $T moved
	auth=/sys/bus/usb/devices/$busid/authorized
	echo 0 >"$auth"
	check "deauthorized: vusb-attach carries on" alive
	echo 1 >"$auth"
	check "reauthorized: a move arrives" wait_for $T moved
	check_match "vusbctl list: still on its port" "mouse0 +mouse +[0-9]+ +$busid" vusbctl list
	kill $VA
	wait $VA
	check "SIGTERM after the resets: exit 0" test $? -eq 0
else
	fail "mouse: ready" "$(cat /tmp/r.err)"
	kill $VA
	wait $VA
fi

# --- a disk, in the middle of a read ---------------------------------------------------
if modprobe usb-storage 2>/dev/null && modprobe sd_mod 2>/dev/null; then
	echo 0 >/sys/module/usb_storage/parameters/delay_use
	IMG=/tmp/r.img
	dd if=/dev/urandom of=$IMG bs=1M count=16 2>/dev/null
	want=$(sha256sum $IMG | cut -d' ' -f1)
	start storage $IMG
	if wait_for $T grep -q '^storage0: ready' /tmp/r.out; then
		busid=$(busid_of storage0)
		disk=
		wait_for $T sh -c "ls /sys/bus/usb/devices/$busid:1.0/host*/target*/*/block/ 2>/dev/null | grep -q ."
		for b in /sys/bus/usb/devices/"$busid":1.0/host*/target*/*/block/*; do
			[ -e "$b" ] && disk=${b##*/}
		done
		if [ -n "$disk" ] && wait_for $T test -b "/dev/$disk"; then
			dd if=/dev/$disk bs=64k iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1 >/tmp/r.sum &
			rd=$!
			sleep 0.3
			check "usbdevreset $busid (during a read)" usbdevreset "$busid"
			if wait_for $((3 * T)) sh -c "! kill -0 $rd 2>/dev/null"; then
				wait $rd
				check "... the read completes with the image's bytes" test "$(cat /tmp/r.sum)" = "$want"
			else
				fail "... the read completes"
				kill $rd
			fi
			check "... vusb-attach carries on" alive
			check "... and the disk reads the same again" \
				sh -c "dd if=/dev/$disk bs=64k iflag=direct 2>/dev/null | sha256sum | grep -q $want"
		else
			fail "storage: a disk appears"
		fi
		kill $VA
		wait $VA
		check "storage: SIGTERM after the reset, exit 0" test $? -eq 0
	else
		fail "storage: ready" "$(cat /tmp/r.err)"
		kill $VA
		wait $VA
	fi
else
	skip "a reset during a storage read" "no usb-storage module"
fi

# --- the Fomu's bootloader -------------------------------------------------------------
start fomu
if wait_for $T grep -q '^fomu0: ready' /tmp/r.out; then
	busid=$(busid_of fomu0)
	check "usbdevreset $busid (the Fomu in DFU mode)" usbdevreset "$busid"
	check "... vusb-attach carries on" alive
	if command -v dfu-util >/dev/null; then
		check_match "... dfu-util still finds the bootloader" 'Found DFU: \[1209:5bf0\]' dfu-util -l
	fi
	kill $VA
	wait $VA
	check "fomu: SIGTERM after the reset, exit 0" test $? -eq 0
else
	fail "fomu: ready" "$(cat /tmp/r.err)"
	kill $VA
	wait $VA
fi
