#!/bin/sh
# The report descriptors shipped in contrib/examples beside the gamepad
# (t-16): media keys through hid-generic, and a touchscreen that the
# kernel's hid-multitouch binds, with touches arriving as multi-touch
# events.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread

T=$((20 * VM_SLOW))
EX=/vusb/examples

ready_in() {
	grep -q "^$2: ready, port [0-9]*, busid [0-9]*-[0-9.]*\$" "$1"
}

# read_events COUNT OUT NODE: evread in the background, open before we go on
read_events() {
	rm -f /tmp/ev.ready
	evread -n "$1" -t $T --ready-file /tmp/ev.ready "$3" >"$2" 2>&1 &
	ER=$!
	wait_for $T test -e /tmp/ev.ready
}

vusb-attach --no-stdin hid --report-descriptor $EX/consumer.hid --name media --pid 0005 \
	hid --report-descriptor $EX/touchscreen.hid --name touch --pid 0006 \
	>/tmp/x.out 2>/tmp/x.err &
VA=$!
if wait_for $T ready_in /tmp/x.out media && wait_for $T ready_in /tmp/x.out touch; then
	ok "both examples are ready"
else
	fail "both examples are ready" "$(cat /tmp/x.out /tmp/x.err)"
	exit 0
fi

# --- media keys ---
wait_for $T evdev_for 1209 0005
ev=$(evdev_for 1209 0005 | head -n 1)
if [ -z "$ev" ]; then
	fail "the media keys have an event node" "$(ls /sys/class/input)"
else
	ok "the media keys have an event node ($ev)"
	evread --caps "$ev" >/tmp/caps.media
	for k in KEY_VOLUMEUP KEY_VOLUMEDOWN KEY_MUTE KEY_PLAYPAUSE KEY_NEXTSONG; do
		check_match "... with $k" "^EV_KEY $k\$" cat /tmp/caps.media
	done
	read_events 2 /tmp/ev.media "$ev"
	check "vusbctl media send e900 (volume up)" vusbctl media send e900
	check "vusbctl media send 0000 (released)" vusbctl media send 0000
	wait $ER
	check "volume up is pressed then released" test "$(cat /tmp/ev.media)" = \
		"$(printf 'EV_KEY KEY_VOLUMEUP 1\nEV_KEY KEY_VOLUMEUP 0')"
fi

# --- touchscreen ---
wait_for $T evdev_for 1209 0006
ev=$(evdev_for 1209 0006 | head -n 1)
drv=$(basename "$(readlink -f /sys/bus/hid/devices/*:1209:0006.*/driver)")
check "hid-multitouch binds the touchscreen ($drv)" test "$drv" = hid-multitouch
if [ -z "$ev" ]; then
	fail "the touchscreen has an event node" "$(ls /sys/class/input)"
else
	ok "the touchscreen has an event node ($ev)"
	evread --caps "$ev" >/tmp/caps.touch
	for c in "EV_KEY BTN_TOUCH" "EV_ABS ABS_MT_SLOT 0 1" \
		"EV_ABS ABS_MT_POSITION_X 0 32767" "EV_ABS ABS_MT_POSITION_Y 0 32767" \
		"EV_ABS ABS_MT_TRACKING_ID 0 65535"; do
		check_match "... with $c" "^$c\$" cat /tmp/caps.touch
	done
	read_events 5 /tmp/ev.touch "$ev"
	check "vusbctl touch send (one finger down)" \
		vusbctl touch send 01 01 00 0040 0030 00 00 0000 0000 01
	wait $ER
	check_match "the touch starts a contact" "^EV_ABS ABS_MT_TRACKING_ID 0$" cat /tmp/ev.touch
	check_match "... at X 16384" "^EV_ABS ABS_MT_POSITION_X 16384$" cat /tmp/ev.touch
	check_match "... and Y 12288" "^EV_ABS ABS_MT_POSITION_Y 12288$" cat /tmp/ev.touch
	check_match "... with BTN_TOUCH 1" "^EV_KEY BTN_TOUCH 1$" cat /tmp/ev.touch
	read_events 2 /tmp/ev.lift "$ev"
	check "vusbctl touch send (the finger lifted)" \
		vusbctl touch send 01 00 00 0040 0030 00 00 0000 0000 01
	wait $ER
	check_match "the lift ends the contact" "^EV_ABS ABS_MT_TRACKING_ID -1$" cat /tmp/ev.lift
	check_match "... with BTN_TOUCH 0" "^EV_KEY BTN_TOUCH 0$" cat /tmp/ev.lift
fi

kill $VA
wait $VA
check "vusb-attach exits 0 on SIGTERM" test $? -eq 0
