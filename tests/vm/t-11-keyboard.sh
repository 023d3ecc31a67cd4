#!/bin/sh
# A vusb keyboard: typing, key combos, LEDs set by the host.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread taskset

T=$((20 * VM_SLOW))
vusb-attach keyboard >/tmp/k.out 2>/tmp/k.err &
VA=$!
if ! wait_for $T grep -q '^keyboard0: ready' /tmp/k.out; then
	fail "vusb-attach keyboard is ready" "$(cat /tmp/k.out /tmp/k.err)"
	exit 0
fi
ok "vusb-attach keyboard is ready"

# The ready line comes at SET_CONFIGURATION; usbhid binds right after.
wait_for $T evdev_for 1209 0002
ev=$(evdev_for 1209 0002 | head -n 1)
if [ -z "$ev" ]; then
	fail "the keyboard has an event node" "$(ls /sys/class/input)"
	exit 0
fi
ok "the keyboard has an event node ($ev)"

# keys_down FILE: the pressed keys, in order, on one line
keys_down() {
	awk '$1 == "EV_KEY" && $3 == 1 { printf "%s%s", sep, $2; sep = " " } END { print "" }' "$1"
}

rm -f /tmp/r1
# 12 events: a press and a release per character; shift rides with the H.
evread -n 12 -t $T --ready-file /tmp/r1 "$ev" >/tmp/e1 2>&1 &
ER=$!
wait_for $T test -e /tmp/r1
check "vusbctl keyboard0 type Hello" vusbctl keyboard0 type Hello
wait $ER
check "type Hello gives exactly 12 key events in time" test $? -eq 0
got=$(keys_down /tmp/e1)
if [ "$got" = "KEY_LEFTSHIFT KEY_H KEY_E KEY_L KEY_L KEY_O" ]; then
	ok "type Hello gives shift+h e l l o in order"
else
	fail "type Hello gives shift+h e l l o in order" "got: $got" "$(cat /tmp/e1)"
fi
# A key-up between the two l's, or the host would see one held key.
if awk '$2 == "KEY_L" { s = s $3 } END { exit s != "1010" }' /tmp/e1; then
	ok "repeated characters get a key-up between them"
else
	fail "repeated characters get a key-up between them" "$(grep KEY_L /tmp/e1)"
fi

rm -f /tmp/r2
evread -n 6 -t $T --ready-file /tmp/r2 "$ev" >/tmp/e2 2>&1 &
ER=$!
wait_for $T test -e /tmp/r2
check "vusbctl keyboard0 key ctrl+alt+t" vusbctl keyboard0 key ctrl+alt+t
wait $ER
got=$(keys_down /tmp/e2)
if [ "$got" = "KEY_LEFTCTRL KEY_LEFTALT KEY_T" ]; then
	ok "key ctrl+alt+t presses ctrl, alt and t"
else
	fail "key ctrl+alt+t presses ctrl, alt and t" "got: $got" "$(cat /tmp/e2)"
fi

rm -f /tmp/r3
evread -n 4 -t $T --ready-file /tmp/r3 "$ev" >/tmp/e3 2>&1 &
ER=$!
wait_for $T test -e /tmp/r3
vusbctl keyboard0 type "$(printf 'a\nb')"
wait $ER
check_match "a newline is typed as Enter" "^EV_KEY KEY_ENTER 1$" cat /tmp/e3

# type --wait returns once the host has read every report: 200 characters,
# more than vusbctl sends at once (128), the last one a z, whose key-up is
# the last report. Every report is held 10 ms (fault nak), so the last
# chunk alone (144 reports) takes the host over 1.4 s to read: when type --wait
# returns, the z's key-up must be in the event node at once. evread (at
# real-time priority, with only its buffer to drain by then) gets 1 s to
# print it. evdev's buffer is 64 events and a reader under TCG can fall
# behind (SYN_DROPPED), so the count of every key is compared only when
# evread lost none.
text="$(i=0; while [ $i -lt 19 ]; do printf 'abcdefghi '; i=$((i + 1)); done)abcdefghiz"
check "every key report held 10 ms" vusbctl keyboard0 fault nak 10 --ep 0x81 --forever
rm -f /tmp/r5
$(reader_cpu) evread -t $((60 * VM_SLOW)) --fifo --ready-file /tmp/r5 "$ev" >/tmp/e5 2>&1 &
ER=$!
wait_for $T test -e /tmp/r5
t0=$(_vm_uptime_cs)
check "vusbctl keyboard0 type --wait TEXT (${#text} characters)" \
	vusbctl keyboard0 type --wait "$text"
t1=$(_vm_uptime_cs)
if wait_for 1 grep -q '^EV_KEY KEY_Z 0$' /tmp/e5; then
	ok "when type --wait returns, the host has the last key-up"
else
	fail "when type --wait returns, the host has the last key-up" "$(tail -n 4 /tmp/e5)"
fi
note "type --wait of ${#text} characters, reports held 10 ms: $(((t1 - t0) * 10)) ms"
kill $ER 2>/dev/null
wait $ER
check "fault clear" vusbctl keyboard0 fault clear
got=$(keys_down /tmp/e5 | tr ' ' '\n' | sort | uniq -c | awk '{ printf "%s%s=%s", s, $2, $1; s = " " }')
dropped=$(grep -c SYN_DROPPED /tmp/e5)
if [ "$dropped" -eq 0 ]; then
	check "... each key as often as the text has it" test "$got" = \
		"KEY_A=20 KEY_B=20 KEY_C=20 KEY_D=20 KEY_E=20 KEY_F=20 KEY_G=20 KEY_H=20 KEY_I=20 KEY_SPACE=19 KEY_Z=1"
else
	note "evread fell behind $dropped times (SYN_DROPPED): key counts not compared ($got)"
fi

# type -: the text from standard input, newline and all.
rm -f /tmp/r6
evread -n 20 -t $T --ready-file /tmp/r6 "$ev" >/tmp/e6 2>&1 &
ER=$!
wait_for $T test -e /tmp/r6
check "printf 'Hi there\\n' | vusbctl keyboard0 type --wait -" \
	sh -c "printf 'Hi there\\n' | vusbctl keyboard0 type --wait -"
wait $ER
check "... types its 20 key events" test $? -eq 0
check_match "... shift+h i space t h e r e enter" \
	"^KEY_LEFTSHIFT KEY_H KEY_I KEY_SPACE KEY_T KEY_H KEY_E KEY_R KEY_E KEY_ENTER$" keys_down /tmp/e6

# A long text with one untypable byte: refused before any chunk is sent.
rm -f /tmp/r7
evread -n 1 -t $((2 * VM_SLOW)) --ready-file /tmp/r7 "$ev" >/tmp/e7 2>&1 &
ER=$!
wait_for $T test -e /tmp/r7
check_match "type - with a 0x01 byte at offset 200: exit 2, nothing typed" \
	"byte 0x01 at offset 200.*nothing typed" \
	sh -c "{ printf '%200s' ''; printf '\\001 tail'; } | vusbctl keyboard0 type - 2>&1; [ \$? -eq 2 ]"
wait $ER
check "... and the host got no key event" test $? -eq 1

check_match "leds: none before the host sets any" "^none$" vusbctl keyboard0 leds
check "the host sets caps lock (EV_LED to the event node)" evread --set-led CAPSL=1 "$ev"
if wait_for $T sh -c 'vusbctl keyboard0 leds | grep -qw caps_lock'; then
	ok "vusbctl keyboard0 leds reports caps_lock"
else
	fail "vusbctl keyboard0 leds reports caps_lock" "$(vusbctl keyboard0 leds 2>&1)"
fi
check_match "vusb-attach logs the LED change" "caps_lock" cat /tmp/k.err
check_match "vusbctl list shows the LEDs" "keyboard0 .*caps_lock" vusbctl list
check_match "vusbctl keyboard0 leds --json" '^\{"leds":\["caps_lock"\]\}$' vusbctl keyboard0 leds --json
check_match "vusbctl list --json: the LEDs and the event node" \
	'"name":"keyboard0".*"nodes":\[[^]]*"/dev/input/event[0-9]+".*"leds":\["caps_lock"\]' \
	vusbctl list --json
evread --set-led CAPSL=0 "$ev"
wait_for $T sh -c 'vusbctl keyboard0 leds | grep -qx none'
check "caps lock cleared by the host" sh -c 'vusbctl keyboard0 leds | grep -qx none'

check_match "an untypable character is refused" "cannot|untypable|not" \
	sh -c "vusbctl keyboard0 type \"\$(printf 'x\\001')\" 2>&1; [ \$? -ne 0 ]"
check_match "an unknown command is refused with exit 2" "unknown command" \
	sh -c 'vusbctl keyboard0 frobnicate 2>&1; [ $? -eq 2 ]'

kill -TERM $VA
wait $VA
check "SIGTERM: exit status 0" test $? -eq 0
