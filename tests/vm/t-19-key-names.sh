#!/bin/sh
# The key and button names users bring from elsewhere: the names `leds`
# prints (caps_lock), xdotool's X keysyms (Control_L, Page_Up, KP_Add),
# QEMU's sendkey names (ret, ctrl_r), xdotool's mouse button numbers, and
# a typo refused with the nearest name. The keys the kernel reports prove
# each alias means the key it should.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread

T=$((20 * VM_SLOW))
vusb-attach --no-stdin keyboard mouse >/tmp/k.out 2>/tmp/k.err &
VA=$!
if ! wait_for $T grep -q '^mouse0: ready' /tmp/k.out ||
	! wait_for $T grep -q '^keyboard0: ready' /tmp/k.out; then
	fail "vusb-attach keyboard mouse is ready" "$(cat /tmp/k.out /tmp/k.err)"
	exit 0
fi
ok "vusb-attach keyboard mouse is ready"
wait_for $T evdev_for 1209 0002
kbd=$(evdev_for 1209 0002 | head -n 1)
wait_for $T evdev_for 1209 0001
mouse=$(evdev_for 1209 0001 | head -n 1)
if [ -z "$kbd" ] || [ -z "$mouse" ]; then
	fail "both have event nodes" "$(ls /sys/class/input)"
	exit 0
fi
ok "both have event nodes ($kbd, $mouse)"

# keys_down FILE: the pressed keys, in order, on one line
keys_down() {
	awk '$1 == "EV_KEY" && $3 == 1 { printf "%s%s", sep, $2; sep = " " } END { print "" }' "$1"
}

# key_gives DEVICE NODE NAME EXPECTED: `vusbctl DEVICE key NAME` (a press
# and release of each key in it) presses EXPECTED, in order
key_gives() {
	_n=$(($(echo "$4" | wc -w) * 2))
	rm -f /tmp/kr
	evread -n $_n -t $T --ready-file /tmp/kr "$2" >/tmp/ke 2>&1 &
	ER=$!
	wait_for $T test -e /tmp/kr
	if ! vusbctl "$1" key "$3" >/tmp/kc 2>&1; then
		fail "key $3 is accepted" "$(cat /tmp/kc)"
		kill $ER
		return
	fi
	wait $ER
	got=$(keys_down /tmp/ke)
	if [ "$got" = "$4" ]; then
		ok "key $3 presses $4"
	else
		fail "key $3 presses $4" "got: $got" "$(cat /tmp/ke)"
	fi
}

key_gives keyboard0 "$kbd" caps_lock KEY_CAPSLOCK
if wait_for $T sh -c 'vusbctl keyboard0 leds | grep -q caps_lock'; then
	ok "... and the host's caps lock LED comes back as caps_lock"
else
	fail "... and the host's caps lock LED comes back as caps_lock" "$(vusbctl keyboard0 leds)"
fi
key_gives keyboard0 "$kbd" Caps_Lock KEY_CAPSLOCK
key_gives keyboard0 "$kbd" Control_L+Page_Up "KEY_LEFTCTRL KEY_PAGEUP"
key_gives keyboard0 "$kbd" Shift_R+KP_Add "KEY_RIGHTSHIFT KEY_KPPLUS"
key_gives keyboard0 "$kbd" XF86AudioMute KEY_MUTE
key_gives keyboard0 "$kbd" ret KEY_ENTER
key_gives keyboard0 "$kbd" ctrl_r+spc "KEY_RIGHTCTRL KEY_SPACE"
key_gives keyboard0 "$kbd" kp_7 KEY_KP7

check_match "a typo is refused with the nearest name" \
	"unknown key 'escpe' \\(did you mean 'escape'\\?\\)" \
	sh -c 'vusbctl keyboard0 key ctrl+escpe 2>&1; [ $? -ne 0 ]'
check_match "a name far from all is refused without a guess" "unknown key 'xyzzy'\$" \
	sh -c 'vusbctl keyboard0 key xyzzy 2>&1; [ $? -ne 0 ]'

# xdotool's click numbers on the mouse
rm -f /tmp/mr
evread -n 4 -t $T --ready-file /tmp/mr "$mouse" >/tmp/me 2>&1 &
ER=$!
wait_for $T test -e /tmp/mr
check "vusbctl mouse0 click 3" vusbctl mouse0 click 3
check "vusbctl mouse0 click back" vusbctl mouse0 click back
wait $ER
check "click 3 is the right button, back the side one" test "$(cat /tmp/me)" = \
	"$(printf 'EV_KEY BTN_RIGHT 1\nEV_KEY BTN_RIGHT 0\nEV_KEY BTN_SIDE 1\nEV_KEY BTN_SIDE 0')"

kill $VA
wait $VA
check "vusb-attach exits 0 on SIGTERM" test $? -eq 0
