#!/bin/sh
# vusb-attach --listen, imported by the kernel's own USB/IP client over
# loopback TCP: usbip attach -r 127.0.0.1 -b 1-1 makes a vusb mouse and
# keyboard real devices here (events arrive), usbip detach frees them,
# a second import works, two imports work together, busy and unknown bus
# ids are refused, and killing the server takes the devices away.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl usbip evread
need_module vhci-hcd

T=$((20 * VM_SLOW))
# usbip attach records each import under /var/run/vhci_hcd.
mkdir -p /var/run

vusb-attach --listen mouse keyboard >/tmp/l.out 2>/tmp/l.err &
VA=$!
if wait_for $T grep -q '^keyboard0: exported, busid 1-2$' /tmp/l.out; then
	ok "vusb-attach --listen exports mouse0 and keyboard0"
	note "$(tr '\n' ';' </tmp/l.out)"
else
	fail "vusb-attach --listen exports mouse0 and keyboard0" "$(cat /tmp/l.out /tmp/l.err)"
	exit 0
fi
check_match "it listens on 127.0.0.1:3240" "^listening on 127.0.0.1:3240$" cat /tmp/l.out
check_match "usbip list -r 127.0.0.1 shows the mouse" "1-1: .*\(1209:0001\)" usbip list -r 127.0.0.1
check_match "vusbctl list: mouse0 exported as 1-1" "^mouse0 +mouse +- +1-1 +exported" vusbctl list

# port_of BUSID: the vhci port usbip port shows for our BUSID
port_of() {
	usbip port 2>/dev/null | awk -v b="$1" '
		/^Port [0-9]+:/ { p = $2; sub(":", "", p) }
		$0 ~ "usbip://127.0.0.1:3240/" b "$" { print p + 0; exit }'
}

# import BUSID VID PID: usbip attach, then wait for its event node
import() {
	if ! usbip attach -r 127.0.0.1 -b "$1" >/tmp/ua.out 2>&1; then
		fail "usbip attach -r 127.0.0.1 -b $1" "$(cat /tmp/ua.out /tmp/l.err)"
		return 1
	fi
	if ! wait_for $T evdev_for "$2" "$3"; then
		fail "usbip attach -b $1 gives an event node" "$(cat /tmp/ua.out)" \
			"$(dmesg | tail -n 15)"
		return 1
	fi
	ok "usbip attach -r 127.0.0.1 -b $1 gives an event node"
	return 0
}

# moves EV: a mouse move through the imported mouse arrives
moves() {
	rm -f /tmp/rm
	evread -n 2 -t $T --ready-file /tmp/rm "$1" >/tmp/em 2>&1 &
	_er=$!
	wait_for $T test -e /tmp/rm
	vusbctl mouse0 move 100 -7 >/dev/null
	wait $_er
	grep -q "^EV_REL REL_X 100$" /tmp/em && grep -q "^EV_REL REL_Y -7$" /tmp/em
}

import 1-1 1209 0001 || exit 0
mev=$(evdev_for 1209 0001 | head -n 1)
check_match "vusbctl list: mouse0 imported from 127.0.0.1" \
	"^mouse0 +mouse +- +1-1 +imported +from 127.0.0.1:[0-9]+" vusbctl list
check "the imported mouse moves (REL_X 100, REL_Y -7)" moves "$mev"
p1=$(port_of 1-1)
check "usbip port shows the import" test -n "$p1"

# One importer at a time; unknown bus ids are refused.
check_match "a second import of 1-1 is refused as busy" "[Bb]usy" \
	sh -c '! usbip attach -r 127.0.0.1 -b 1-1 2>&1'
check_match "an import of 9-9 is refused" "[Dd]evice|failed|error" \
	sh -c '! usbip attach -r 127.0.0.1 -b 9-9 2>&1'

# usbip detach frees it; the server offers it again.
check "usbip detach -p $p1" usbip detach -p "$p1"
if wait_for $T sh -c '! evdev_for 1209 0001 >/dev/null 2>&1' &&
	wait_for $T sh -c 'vusbctl list | grep -qE "^mouse0 +mouse +- +1-1 +exported"'; then
	ok "after usbip detach the mouse is gone here and offered again"
else
	fail "after usbip detach the mouse is gone here and offered again" \
		"$(vusbctl list)" "$(ls /sys/class/input)" "$(tail -n 5 /tmp/l.err)"
fi

# A second import works.
import 1-1 1209 0001 || exit 0
mev=$(evdev_for 1209 0001 | head -n 1)
check "the re-imported mouse moves" moves "$mev"

# Two devices imported by two attaches work together.
import 1-2 1209 0002 || exit 0
kev=$(evdev_for 1209 0002 | head -n 1)
rm -f /tmp/rm /tmp/rk
evread -n 2 -t $T --ready-file /tmp/rm "$mev" >/tmp/em 2>&1 &
M=$!
evread -n 2 -t $T --ready-file /tmp/rk "$kev" >/tmp/ek 2>&1 &
K=$!
wait_for $T test -e /tmp/rm -a -e /tmp/rk
vusbctl mouse0 move 3 4 &
vusbctl keyboard0 type z
wait $M
wait $K
check_match "with both imported, the mouse moves" "^EV_REL REL_Y 4$" cat /tmp/em
check_match "with both imported, the keyboard types" "^EV_KEY KEY_Z 1$" cat /tmp/ek
check_match "vusbctl list shows both imported" "keyboard0" \
	sh -c 'vusbctl list | grep -c " imported " | grep -qx 2 && vusbctl list'
check "usbip port shows two imports" sh -c 'test "$(usbip port | grep -c "usbip://127.0.0.1:3240/")" -eq 2'

# The server goes away: the importer loses both devices, cleanly.
kill -TERM $VA
wait $VA
check "vusb-attach --listen: SIGTERM, exit status 0" test $? -eq 0
if wait_for $T sh -c '! evdev_for 1209 0001 >/dev/null 2>&1 && ! evdev_for 1209 0002 >/dev/null 2>&1'; then
	ok "the imported devices are gone with the server"
else
	fail "the imported devices are gone with the server" "$(ls /sys/class/input)"
fi
if wait_for $T sh -c '! usbip port 2>/dev/null | grep -q "usbip://"'; then
	ok "the vhci ports are free again"
else
	fail "the vhci ports are free again" "$(usbip port 2>&1)"
fi

# One process, both ways: the keyboard attached here (--local), the
# mouse exported and imported.
vusb-attach --listen mouse keyboard --local >/tmp/m.out 2>/tmp/m.err &
VM=$!
if wait_for $T sh -c 'grep -q "^keyboard0: ready" /tmp/m.out && grep -q "^mouse0: exported, busid 1-1$" /tmp/m.out'; then
	ok "--local: keyboard0 attached here, mouse0 exported, in one process"
	check_match "usbip list -r shows the mouse only" "1-1: .*\(1209:0001\)" \
		sh -c 'o=$(usbip list -r 127.0.0.1) && ! echo "$o" | grep -q "1209:0002" && echo "$o"'
	check_match "vusbctl list: keyboard0 on a vhci port, mouse0 exported" "^mouse0 +mouse +- +1-1 +exported" \
		sh -c 'vusbctl list | grep -qE "^keyboard0 +keyboard +[0-9]+ +[0-9]+-[0-9.]+ +ready" && vusbctl list'
	if import 1-1 1209 0001 && wait_for $T evdev_for 1209 0002; then
		mev=$(evdev_for 1209 0001 | head -n 1)
		kev=$(evdev_for 1209 0002 | head -n 1)
		check "the imported mouse moves beside the local keyboard" moves "$mev"
		rm -f /tmp/rk
		evread -n 2 -t $T --ready-file /tmp/rk "$kev" >/tmp/ek 2>&1 &
		K=$!
		wait_for $T test -e /tmp/rk
		vusbctl keyboard0 type q
		wait $K
		check_match "the local keyboard types" "^EV_KEY KEY_Q 1$" cat /tmp/ek
	fi
else
	fail "--local: keyboard0 attached here, mouse0 exported, in one process" "$(cat /tmp/m.out /tmp/m.err)"
fi
kill -TERM $VM
wait $VM
check "... SIGTERM, exit status 0" test $? -eq 0
wait_for $T sh -c '! usbip port 2>/dev/null | grep -q "usbip://"'

# Storage, when the mass storage model exists: a disk imported over
# USB/IP reads back what was written into the image.
if vusb-attach --help | grep -q '^  storage '; then
	dd if=/dev/zero of=/tmp/disk.img bs=1M count=8 2>/dev/null
	printf 'vusb-listen-storage-check' | dd of=/tmp/disk.img bs=512 seek=100 conv=notrunc 2>/dev/null
	vusb-attach --listen storage /tmp/disk.img >/tmp/s.out 2>/tmp/s.err &
	VS=$!
	if wait_for $T grep -q '^storage0: exported, busid 1-1$' /tmp/s.out &&
		usbip attach -r 127.0.0.1 -b 1-1 >/tmp/ua.out 2>&1; then
		ok "a storage device is imported"
		blk=
		wait_for $T sh -c 'for b in /sys/block/sd*; do [ -e "$b" ] && exit 0; done; exit 1'
		for b in /sys/block/sd*; do [ -e "$b" ] && blk=/dev/${b##*/}; done
		if [ -n "$blk" ] && wait_for $T test -b "$blk" &&
			dd if="$blk" bs=512 skip=100 count=1 2>/dev/null | grep -q 'vusb-listen-storage-check'; then
			ok "the imported disk ($blk) reads back the image"
		else
			fail "the imported disk reads back the image" "$blk" "$(dmesg | tail -n 15)"
		fi
		p=$(port_of 1-1)
		[ -n "$p" ] && usbip detach -p "$p" >/dev/null 2>&1
	else
		fail "a storage device is imported" "$(cat /tmp/s.out /tmp/s.err /tmp/ua.out)"
	fi
	kill -TERM $VS
	wait $VS
else
	skip "storage over USB/IP" "no storage model in this build"
fi
