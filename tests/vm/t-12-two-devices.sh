#!/bin/sh
# One process, two devices: both work together; detach one, keep the other.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread lsusb

T=$((20 * VM_SLOW))
vusb-attach mouse keyboard >/tmp/d.out 2>/tmp/d.err &
VA=$!
if wait_for $T sh -c 'grep -q "^mouse0: ready" /tmp/d.out && grep -q "^keyboard0: ready" /tmp/d.out'; then
	ok "mouse0 and keyboard0 ready in one process"
else
	fail "mouse0 and keyboard0 ready in one process" "$(cat /tmp/d.out /tmp/d.err)"
	exit 0
fi
wait_for $T evdev_for 1209 0001
wait_for $T evdev_for 1209 0002
mev=$(evdev_for 1209 0001 | head -n 1)
kev=$(evdev_for 1209 0002 | head -n 1)
if [ -z "$mev" ] || [ -z "$kev" ]; then
	fail "both devices have event nodes" "mouse: $mev keyboard: $kev"
	exit 0
fi

# gone PID: the process has exited (a zombie counts: kill -0 succeeds on it)
gone() {
	[ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status"
}

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
check_match "the mouse moves" "^EV_REL REL_Y 4$" cat /tmp/em
check_match "the keyboard types" "^EV_KEY KEY_Z 1$" cat /tmp/ek

check_match "list shows both" "keyboard0" sh -c 'vusbctl list | grep -c "ready" | grep -qx 2 && vusbctl list'

# A second instance picks the next free name.
vusb-attach mouse >/tmp/d2.out 2>/tmp/d2.err &
VB=$!
if wait_for $T grep -q '^mouse1: ready' /tmp/d2.out; then
	ok "a second instance names its mouse mouse1"
else
	fail "a second instance names its mouse mouse1" "$(cat /tmp/d2.out /tmp/d2.err)"
fi
check_match "vusbctl list merges instances" "mouse1" vusbctl list
check "vusbctl detach mouse1" vusbctl detach mouse1
if wait_for $T gone $VB; then
	ok "detaching its last device ends that instance"
	wait $VB
	check "... with exit status 0" test $? -eq 0
else
	fail "detaching its last device ends that instance" "$(cat /tmp/d2.err)"
fi

check "vusbctl detach keyboard0" vusbctl detach keyboard0
if wait_for $T sh -c '! lsusb | grep -q 1209:0002'; then
	ok "the keyboard is gone from lsusb"
else
	fail "the keyboard is gone from lsusb" "$(lsusb)"
fi
check "the mouse is still served" kill -0 $VA
rm -f /tmp/rm
evread -n 1 -t $T --ready-file /tmp/rm "$mev" >/tmp/em2 2>&1 &
M=$!
wait_for $T test -e /tmp/rm
vusbctl mouse0 move 1 0
wait $M
check "and still moves" test $? -eq 0
kill -TERM $VA
wait $VA
check "SIGTERM: exit status 0" test $? -eq 0
