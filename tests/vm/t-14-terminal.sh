#!/bin/sh
# vusb-attach's own terminal: the vusbctl commands typed where it runs,
# like Renode's monitor ("move 100 100"), and Ctrl-D ending it cleanly.
. /vusb/tests/lib.sh
need_cmd vusb-attach evread ptyrun

T=$((20 * VM_SLOW))
rm -f /tmp/tin
mkfifo /tmp/tin
ptyrun vusb-attach mouse keyboard </tmp/tin >/tmp/tout 2>&1 &
P=$!
exec 3>/tmp/tin

if ! wait_for $T sh -c 'grep -q "^mouse0: ready" /tmp/tout && grep -q "^keyboard0: ready" /tmp/tout'; then
	fail "vusb-attach on a terminal is ready" "$(cat /tmp/tout)"
	exit 0
fi
ok "vusb-attach on a terminal is ready"
wait_for $T evdev_for 1209 0001
wait_for $T evdev_for 1209 0002
mev=$(evdev_for 1209 0001 | head -n 1)
kev=$(evdev_for 1209 0002 | head -n 1)

rm -f /tmp/r1
evread -n 2 -t $T --ready-file /tmp/r1 "$mev" >/tmp/e1 2>&1 &
ER=$!
wait_for $T test -e /tmp/r1
echo "move 100 100" >&3
wait $ER
check_match "'move 100 100' typed on the terminal moves the mouse" "^EV_REL REL_X 100$" cat /tmp/e1

rm -f /tmp/r2
evread -n 4 -t $T --ready-file /tmp/r2 "$kev" >/tmp/e2 2>&1 &
ER=$!
wait_for $T test -e /tmp/r2
echo 'keyboard0 type "a b"' >&3
wait $ER
got=$(awk '$3 == 1 { printf "%s ", $2 }' /tmp/e2)
if [ "$got" = "KEY_A KEY_SPACE " ]; then
	ok "'keyboard0 type \"a b\"' types a quoted text"
else
	fail "'keyboard0 type \"a b\"' types a quoted text" "$got" "$(cat /tmp/e2)"
fi

echo "list" >&3
check_match "'list' prints the devices" "keyboard0 +keyboard" sh -c 'sleep 0.5; cat /tmp/tout'
echo "frobnicate 1" >&3
check_match "an unknown command gets a clear error" "error: no device or command 'frobnicate'" \
	sh -c 'sleep 0.5; cat /tmp/tout'
check "the devices keep running after it" kill -0 $P

# Ctrl-D: the terminal's end of input.
exec 3>&-
if wait_for $T sh -c "[ ! -e /proc/$P ] || grep -q '^State:[[:space:]]*Z' /proc/$P/status"; then
	wait $P
	check "Ctrl-D detaches and ends with status 0" test $? -eq 0
else
	fail "Ctrl-D detaches and ends" "$(tail -n 5 /tmp/tout)"
fi
check "the devices are gone" sh -c '! lsusb | grep -q "1209:000[12]"'
