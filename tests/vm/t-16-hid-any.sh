#!/bin/sh
# Any HID device from a report descriptor (vusb-attach hid
# --report-descriptor): a malformed one refused with its offset before
# anything is attached; the gamepad example bound by hid-generic with the
# buttons and axes it describes; vusbctl send values arriving in evdev;
# output reports written through hidraw (interrupt OUT and SET_REPORT)
# reaching the device; feature reports both ways through hidraw.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread hidraw taskset

T=$((20 * VM_SLOW))
EX=/vusb/examples

ready_in() {
	grep -q "^$2: ready, port [0-9]*, busid [0-9]*-[0-9.]*\$" "$1"
}

# The hidraw node of the HID device with this vendor and product.
hidraw_for() {
	for _d in /sys/class/hidraw/hidraw*; do
		[ -e "$_d" ] || continue
		case $(readlink -f "$_d/device") in
		*:$(printf '%04X:%04X' "0x$1" "0x$2").*) echo "/dev/${_d##*/}"; return 0 ;;
		esac
	done
	return 1
}

# --- a malformed descriptor: refused with its offset, nothing attached ---
printf '05 01 09 05 a1 01 75 08 95 01 81 02 c0 c0\n' >/tmp/bad.hid
if vusb-attach --no-stdin hid --report-descriptor /tmp/bad.hid >/tmp/bad.out 2>/tmp/bad.err; then
	fail "a malformed descriptor is refused" "$(cat /tmp/bad.out /tmp/bad.err)"
else
	ok "a malformed descriptor is refused (exit $?)"
fi
check_match "... with its byte offset and reason" \
	"report-descriptor /tmp/bad.hid: byte 13: End Collection with no open Collection" \
	cat /tmp/bad.err
# Every vhci port free (4: VDEV_ST_NULL), no such device on the bus.
used=$(cat "$(dirname "$(vhci_attach_file)")"/status* 2>/dev/null |
	awk '($1 == "hs" || $1 == "ss") && $3 + 0 != 4' | wc -l)
if [ "$used" = 0 ] && ! usb_dev_for 1209 0004 >/dev/null && ! grep -q ready /tmp/bad.out; then
	ok "... before anything is attached"
else
	fail "... before anything is attached" "$used ports in use" "$(cat /tmp/bad.out)"
fi

# --- the gamepad example ---
vusb-attach --no-stdin hid --report-descriptor $EX/gamepad.hid --out-endpoint \
	--product "HID Gamepad" >/tmp/g.out 2>/tmp/g.err &
VA=$!
if wait_for $T ready_in /tmp/g.out hid0; then
	ok "vusb-attach hid --report-descriptor gamepad.hid is ready"
else
	fail "vusb-attach hid --report-descriptor gamepad.hid is ready" \
		"$(cat /tmp/g.out /tmp/g.err)"
	exit 0
fi

wait_for $T evdev_for 1209 0004
ev=$(evdev_for 1209 0004 | head -n 1)
if [ -z "$ev" ]; then
	fail "hid-generic makes an event node" "$(ls /sys/class/input)"
	kill $VA
	exit 0
fi
ok "hid-generic makes an event node ($ev)"
drv=$(basename "$(readlink -f /sys/bus/hid/devices/*:1209:0004.*/driver)")
check "the HID driver is hid-generic ($drv)" test "$drv" = hid-generic

evread --caps "$ev" >/tmp/caps
for c in "EV_KEY BTN_SOUTH" "EV_KEY BTN_EAST" "EV_KEY BTN_THUMBR" \
	"EV_ABS ABS_X -32767 32767" "EV_ABS ABS_Y -32767 32767" \
	"EV_ABS ABS_RX -32767 32767" "EV_ABS ABS_RY -32767 32767" \
	"EV_ABS ABS_Z 0 255" "EV_ABS ABS_RZ 0 255" "EV_ABS ABS_HAT0X -1 1" \
	"EV_ABS ABS_HAT0Y -1 1"; do
	check_match "the event node has $c" "^$c\$" cat /tmp/caps
done
nkeys=$(grep -c '^EV_KEY' /tmp/caps)
check "... and 16 buttons ($nkeys)" test "$nkeys" = 16

# send: button 1, left stick right and up, right trigger half, hat up.
rm -f /tmp/ev.ready
evread -n 5 -t $T --ready-file /tmp/ev.ready "$ev" >/tmp/ev1 2>&1 &
ER=$!
wait_for $T test -e /tmp/ev.ready
check "vusbctl hid0 send (the input report, ID first)" \
	vusbctl hid0 send 01 0100 ff7f 0180 0000 0000 00 80 00
wait $ER
check_match "send gives BTN_SOUTH 1" "^EV_KEY BTN_SOUTH 1$" cat /tmp/ev1
check_match "send gives ABS_X 32767" "^EV_ABS ABS_X 32767$" cat /tmp/ev1
check_match "send gives ABS_Y -32767" "^EV_ABS ABS_Y -32767$" cat /tmp/ev1
check_match "send gives ABS_RZ 128" "^EV_ABS ABS_RZ 128$" cat /tmp/ev1
check_match "send gives ABS_HAT0Y -1" "^EV_ABS ABS_HAT0Y -1$" cat /tmp/ev1

check_match "a report of the wrong length is refused with its size" \
	"input report 1 is 14 bytes with its ID, got 3" \
	sh -c 'vusbctl hid0 send 01 02 03 2>&1; [ $? -ne 0 ]'
check_match "get-report input 1 is what was sent" \
	"^01 01 00 ff 7f 01 80 00 00 00 00 00 80 00$" vusbctl hid0 get-report input 1

# The host's side: hidraw.
hr=$(hidraw_for 1209 0004)
if [ -z "$hr" ]; then
	fail "hidraw has a node for the device" "$(ls /sys/class/hidraw)"
	kill $VA
	exit 0
fi
ok "hidraw has a node for the device ($hr)"

# Watchers of what the host sends, in text and in JSON, until the end.
vusbctl hid0 watch >/tmp/w.txt 2>/tmp/w.err &
W1=$!
vusbctl hid0 watch --json >/tmp/wj.txt 2>/tmp/wj.err &
W2=$!
# They are registered once the command returned; a report from the host
# before then would not be theirs. Wait for the server to have both.
sleep $VM_SLOW

# An output report: with an interrupt OUT endpoint, usbhid writes there.
check "hidraw writes output report 2" hidraw "$hr" write 02a1b2
wait_for $T grep -q "hid0: output 02 a1 b2" /tmp/g.err
check_match "the device logs the output report" "hid0: output 02 a1 b2" cat /tmp/g.err
check_match "get-report output 2 gives it back" "^02 a1 b2$" vusbctl hid0 get-report output 2
check "hidraw refuses an output report of the wrong size" sh -c "! hidraw $hr write 02a1"

# Feature reports both ways.
check "vusbctl hid0 feature 3 0a0b0c0d" vusbctl hid0 feature 3 0a0b0c0d
check_match "HIDIOCGFEATURE reads what vusbctl set" "^03 0a 0b 0c 0d$" \
	hidraw "$hr" get-feature 3 5
check "HIDIOCSFEATURE sets feature report 3" hidraw "$hr" set-feature 0301020304
check_match "get-report feature 3 shows what the host set" "^03 01 02 03 04$" \
	vusbctl hid0 get-report feature 3
check_match "... and HIDIOCGFEATURE reads it back" "^03 01 02 03 04$" \
	hidraw "$hr" get-feature 3 5
wait_for $T grep -q "^feature 03 01 02 03 04$" /tmp/w.txt
check "watch prints the output report, then the feature report, a line each" \
	test "$(cat /tmp/w.txt)" = "$(printf 'output 02 a1 b2\nfeature 03 01 02 03 04')"
wait_for $T grep -q feature /tmp/wj.txt
check_match "watch --json prints them as JSON lines" \
	'^\{"type":"output","id":2,"report":"02a1b2"\}$' cat /tmp/wj.txt
check_match "... the feature report too" \
	'^\{"type":"feature","id":3,"report":"0301020304"\}$' cat /tmp/wj.txt
check_match "watch on a device that has none says so" "unknown command 'watch' for a" \
	sh -c 'vusb-attach --no-stdin mouse --name m9 >/dev/null 2>&1 & p=$!
		for i in $(seq 50); do [ -e /run/vusb/dev/m9 ] && break; sleep 0.2; done
		vusbctl m9 watch 2>&1; r=$?; kill $p; wait $p; [ $r -ne 0 ]'
check "HIDIOCGFEATURE of a report the descriptor lacks fails" \
	sh -c "! hidraw $hr get-feature 9 5"

# An input report read through hidraw as well as evdev.
(sleep $VM_SLOW; vusbctl hid0 send 01 0000 0000 0000 0000 0000 00 00 0f) &
check_match "hidraw reads the input report vusbctl sent" \
	"^01 00 00 00 00 00 00 00 00 00 00 00 00 0f$" hidraw "$hr" read $T

# A burst through one vusbctl batch session (the host polls every 1 ms):
# fewer than the class queues (512).
batch_burst reports 400 "EV_KEY BTN_SOUTH" "$ev" \
	"hid0 send 01 0100 0000 0000 0000 0000 00 00 0f" \
	"hid0 send 01 0000 0000 0000 0000 0000 00 00 0f"

check_match "vusbctl list describes the reports" \
	"reports: 1 input, 1 output, 1 feature, with IDs" vusbctl list

kill $VA
wait $VA
check "vusb-attach exits 0 on SIGTERM" test $? -eq 0
wait $W1
check "watch ends when the device goes (exit 1)" test $? -eq 1
check_match "... and says so" "hid0: the watch ended: the device went away" cat /tmp/w.err
wait $W2
check "the JSON watch ends too" test $? -eq 1
