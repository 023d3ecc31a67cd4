#!/bin/sh
# The Xbox 360 gamepad: the kernel's xpad binds it, buttons, sticks and
# triggers from vusbctl arrive as evdev events with xpad's values, the LED
# pattern xpad sets and a rumble played through force feedback (EVIOCSFF)
# show in `vusbctl gamepad0 state`.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread ffrumble taskset

T=$((20 * VM_SLOW))

ready_in() {
	grep -q "^$2: ready, port [0-9]*, busid [0-9]*-[0-9.]*\$" "$1"
}

state_has() {
	vusbctl gamepad0 state | grep -q "$1"
}

vusb-attach --no-stdin gamepad >/tmp/gp.out 2>/tmp/gp.err &
VA=$!
if wait_for $T ready_in /tmp/gp.out gamepad0; then
	ok "vusb-attach gamepad is ready"
else
	fail "vusb-attach gamepad is ready" "$(cat /tmp/gp.out /tmp/gp.err)"
	exit 0
fi
busid=$(sed -n 's/.*busid \(.*\)$/\1/p' /tmp/gp.out)

wait_for $T evdev_for 045e 028e
ev=$(evdev_for 045e 028e | head -n 1)
if [ -z "$ev" ]; then
	fail "the gamepad has an event node" "$(ls /sys/class/input)" "$(dmesg | tail -n 20)"
	kill $VA
	exit 0
fi
ok "the gamepad has an event node ($ev)"
check "xpad drives its interface" test -e "/sys/bus/usb/drivers/xpad/$busid:1.0"
check_match "the input device is xpad's Xbox 360 pad" "Microsoft X-Box 360 pad" \
	cat "/sys/class/input/${ev##*/}/device/name"

evread --caps "$ev" >/tmp/caps
for c in "EV_KEY BTN_SOUTH" "EV_KEY BTN_EAST" "EV_KEY BTN_NORTH" "EV_KEY BTN_WEST" \
	"EV_KEY BTN_TL" "EV_KEY BTN_TR" "EV_KEY BTN_SELECT" "EV_KEY BTN_START" \
	"EV_KEY BTN_MODE" "EV_KEY BTN_THUMBL" "EV_KEY BTN_THUMBR" \
	"EV_ABS ABS_X -32768 32767" "EV_ABS ABS_RY -32768 32767" "EV_ABS ABS_Z 0 255" \
	"EV_ABS ABS_RZ 0 255" "EV_ABS ABS_HAT0X -1 1"; do
	check_match "the event node has $c" "^$c\$" cat /tmp/caps
done
check "the event node has force feedback" \
	test "$(cat "/sys/class/input/${ev##*/}/device/capabilities/ff")" != 0

# xpad lights the segment of its pad number when it binds.
if wait_for $T state_has "led 2 (1 flashes, then on)"; then
	ok "state shows the LED pattern xpad set (2)"
else
	fail "state shows the LED pattern xpad set (2)" "$(vusbctl gamepad0 state)"
fi

rm -f /tmp/ev.ready
evread -n 6 -t $T --ready-file /tmp/ev.ready "$ev" >/tmp/ev1 2>&1 &
ER=$!
wait_for $T test -e /tmp/ev.ready
check "vusbctl gamepad0 press a" vusbctl gamepad0 press a
check "vusbctl gamepad0 release a" vusbctl gamepad0 release a
check "vusbctl gamepad0 stick left 1.0 1.0" vusbctl gamepad0 stick left 1.0 1.0
check "vusbctl gamepad0 trigger right 1.0" vusbctl gamepad0 trigger right 1.0
check "vusbctl gamepad0 press up" vusbctl gamepad0 press up
wait $ER
check_match "press a gives BTN_SOUTH 1" "^EV_KEY BTN_SOUTH 1$" cat /tmp/ev1
check_match "release a gives BTN_SOUTH 0" "^EV_KEY BTN_SOUTH 0$" cat /tmp/ev1
check_match "the stick right gives ABS_X 32767" "^EV_ABS ABS_X 32767$" cat /tmp/ev1
check_match "the stick up gives ABS_Y -32768" "^EV_ABS ABS_Y -32768$" cat /tmp/ev1
check_match "the right trigger gives ABS_RZ 255" "^EV_ABS ABS_RZ 255$" cat /tmp/ev1
check_match "d-pad up gives ABS_HAT0Y -1" "^EV_ABS ABS_HAT0Y -1$" cat /tmp/ev1

# A burst through one vusbctl batch session (the endpoint's bInterval is
# 4 ms): no more than the device queues (64).
batch_burst "gamepad reports" 64 "EV_KEY BTN_EAST" "$ev" "gamepad0 press b" "gamepad0 release b"

check_match "an unknown button is refused with the names" "unknown button 'z': a b x y" \
	sh -c 'vusbctl gamepad0 press z 2>&1; [ $? -ne 0 ]'
check_match "a stick beyond 1.0 is refused" "from -1.0 to 1.0" \
	sh -c 'vusbctl gamepad0 stick left 2 0 2>&1; [ $? -ne 0 ]'

vusbctl gamepad0 watch >/tmp/gw.txt 2>&1 &
GW=$!
sleep $VM_SLOW

# A game's rumble: EVIOCSFF and play; xpad sends it on the OUT endpoint.
ffrumble "$ev" 65535 32768 $((3 * VM_SLOW * 1000)) >/tmp/ff.out 2>&1 &
FF=$!
if wait_for $T state_has "rumble strong 255 weak 128"; then
	ok "a rumble played with EVIOCSFF shows in state (strong 255 weak 128)"
else
	fail "a rumble played with EVIOCSFF shows in state (strong 255 weak 128)" \
		"$(vusbctl gamepad0 state)" "$(cat /tmp/ff.out)"
fi
wait $FF
check "ffrumble played the effect" test $? -eq 0
if wait_for $T state_has "rumble strong 0 weak 0"; then
	ok "the rumble stops when the game closes the device"
else
	fail "the rumble stops when the game closes the device" "$(vusbctl gamepad0 state)"
fi
check_match "vusb-attach logs the rumble" "gamepad0: rumble strong 255 weak 128" cat /tmp/gp.err

# The LED through the kernel's LED class, as a desktop sets it.
for led in /sys/class/leds/xpad*; do
	echo 6 >"$led/brightness"
done
if wait_for $T state_has "led 6 (1 on)"; then
	ok "an LED set through /sys/class/leds shows in state (6)"
else
	fail "an LED set through /sys/class/leds shows in state (6)" "$(vusbctl gamepad0 state)"
fi

check "watch prints the rumble, its end and the LED as they come" test \
	"$(grep -v '^vusbctl' /tmp/gw.txt)" = \
	"$(printf 'rumble strong 255 weak 128\nrumble strong 0 weak 0\nled 6 (1 on)')"

kill $VA
wait $VA
check "vusb-attach exits 0 on SIGTERM" test $? -eq 0
wait $GW
check "the watch ends with the device" test $? -eq 1
