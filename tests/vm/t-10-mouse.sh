#!/bin/sh
# A vusb mouse on a real kernel: enumeration, lsusb -v, evdev events,
# a reader that closes (usbhid unlinks its URB) and reopens, SIGTERM.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl lsusb evread

T=$((20 * VM_SLOW))

# start_attach OUT ERR ARGS...: vusb-attach in the background; PID in $VA
start_attach() {
	_out=$1 _err=$2
	shift 2
	vusb-attach "$@" >"$_out" 2>"$_err" &
	VA=$!
}

ready_in() {
	grep -q "^$2: ready, port [0-9]*, busid [0-9]*-[0-9.]*\$" "$1"
}

t0=$(cut -d' ' -f1 /proc/uptime)
start_attach /tmp/m.out /tmp/m.err mouse
if wait_for $T ready_in /tmp/m.out mouse0; then
	t1=$(cut -d' ' -f1 /proc/uptime)
	ok "vusb-attach mouse prints its ready line"
	note "ready after $(awk "BEGIN { printf \"%d\", ($t1 - $t0) * 1000 }") ms: $(cat /tmp/m.out)"
else
	fail "vusb-attach mouse prints its ready line" "$(cat /tmp/m.out /tmp/m.err)"
	exit 0
fi

check_match "lsusb lists 1209:0001" "ID 1209:0001" lsusb
# With usbhid bound, lsusb cannot claim the interface and prints the
# report descriptor as "** UNAVAILABLE **". Unbind it for this one run so
# that the report descriptor is fetched and parsed too, then rebind.
busid=$(sed -n 's/.*busid \(.*\)$/\1/p' /tmp/m.out)
echo "$busid:1.0" >/sys/bus/usb/drivers/usbhid/unbind
lsusb -v -d 1209:0001 >/tmp/lsusb.txt 2>&1
echo "$busid:1.0" >/sys/bus/usb/drivers/usbhid/bind
if grep -niE "warning|can't|cannot|unrecognized|invalid|bogus|error|incomplete|UNAVAILABLE" /tmp/lsusb.txt >/tmp/lsusb.bad; then
	fail "lsusb -v prints no warning" "$(cat /tmp/lsusb.bad)"
else
	ok "lsusb -v prints no warning"
fi
check_match "lsusb -v: HID 1.11, boot mouse" "bcdHID +1\.11" cat /tmp/lsusb.txt
check_match "lsusb -v: boot interface subclass, mouse protocol" "bInterfaceProtocol +2 Mouse" cat /tmp/lsusb.txt
check_match "lsusb -v: serial number" "iSerial +[0-9]+ vusb-mouse0" cat /tmp/lsusb.txt
check_match "lsusb -v: bus powered, bit 7 set" "bmAttributes +0x[89ab]0" cat /tmp/lsusb.txt
check_match "lsusb -v: the report descriptor is read and parsed" "Report Descriptor: \(length is [0-9]+\)" cat /tmp/lsusb.txt
check_match "lsusb -v: ... with the wheel in it" "Wheel" cat /tmp/lsusb.txt

# The ready line comes at SET_CONFIGURATION; usbhid binds right after.
wait_for $T evdev_for 1209 0001
ev=$(evdev_for 1209 0001 | head -n 1)
if [ -z "$ev" ]; then
	fail "the mouse has an event node" "$(ls /sys/class/input)"
	exit 0
fi
ok "the mouse has an event node ($ev)"

# read_events COUNT OUT: evread in the background until it has the node open
read_events() {
	rm -f /tmp/ev.ready
	evread -n "$1" -t $T --ready-file /tmp/ev.ready "$ev" >"$2" 2>&1 &
	ER=$!
	wait_for $T test -e /tmp/ev.ready
}

read_events 2 /tmp/ev1
check "vusbctl mouse0 move 100 100" vusbctl mouse0 move 100 100
wait $ER
check_match "move gives REL_X 100" "^EV_REL REL_X 100$" cat /tmp/ev1
check_match "move gives REL_Y 100" "^EV_REL REL_Y 100$" cat /tmp/ev1

read_events 2 /tmp/ev2
check "vusbctl mouse0 click" vusbctl mouse0 click
wait $ER
if [ "$(cat /tmp/ev2)" = "$(printf 'EV_KEY BTN_LEFT 1\nEV_KEY BTN_LEFT 0')" ]; then
	ok "click gives BTN_LEFT press then release"
else
	fail "click gives BTN_LEFT press then release" "$(cat /tmp/ev2)"
fi

read_events 4 /tmp/ev3
vusbctl mouse0 click right && vusbctl mouse0 scroll -2 && vusbctl mouse0 hscroll 3
wait $ER
check_match "click right" "^EV_KEY BTN_RIGHT 1$" cat /tmp/ev3
check_match "scroll -2 gives REL_WHEEL -2" "^EV_REL REL_WHEEL -2$" cat /tmp/ev3
read_events 1 /tmp/ev3b
vusbctl mouse0 hscroll 3
wait $ER
check_match "hscroll 3 gives REL_HWHEEL 3" "^EV_REL REL_HWHEEL 3$" cat /tmp/ev3b

# The reader has closed the node: usbhid cancelled its interrupt URB
# (CMD_UNLINK). A server that ignored it would hang the next open.
sleep 0.5
read_events 2 /tmp/ev4
vusbctl mouse0 move -5 7
wait $ER
check_match "reopened reader gets events (unlink answered)" "^EV_REL REL_Y 7$" cat /tmp/ev4

check "a move of 300 is split, not truncated" sh -c '
	evread -n 3 -t '"$T"' --ready-file /tmp/ev.r5 '"$ev"' >/tmp/ev5 &
	p=$!
	while [ ! -e /tmp/ev.r5 ]; do sleep 0.1; done
	vusbctl mouse0 move 300 0
	wait $p
	awk "/REL_X/ { s += \$3 } END { exit s != 300 }" /tmp/ev5'

check_match "bad arguments are refused with exit 2" "usage|invalid|number" \
	sh -c 'vusbctl mouse0 move 1; [ $? -eq 2 ] && echo usage'
check_match "an unknown device is refused with exit 4" "no device" \
	sh -c 'vusbctl nosuch move 1 1 2>&1; [ $? -eq 4 ]'
check "the mouse still works after bad commands" sh -c '
	evread -n 1 -t '"$T"' --ready-file /tmp/ev.r6 '"$ev"' >/tmp/ev6 &
	p=$!
	while [ ! -e /tmp/ev.r6 ]; do sleep 0.1; done
	vusbctl mouse0 move 1 0
	wait $p'

# vusbctl batch: many commands over one connection, in order; a bad line
# is reported with its number and sets the exit status, the rest still run.
check "vusbctl batch: 50 moves over one session reach evdev" sh -c '
	evread -n 50 -t '"$T"' --ready-file /tmp/ev.r7 '"$ev"' >/tmp/ev7 &
	p=$!
	while [ ! -e /tmp/ev.r7 ]; do sleep 0.1; done
	i=0; while [ $i -lt 50 ]; do echo "mouse0 move 2 0"; i=$((i + 1)); done | vusbctl batch
	wait $p
	awk "/REL_X/ { s += \$3 } END { exit s != 100 }" /tmp/ev7'
evread -n 1 -t $T --ready-file /tmp/ev.r8 "$ev" >/tmp/ev8 &
ER=$!
wait_for $T test -e /tmp/ev.r8
printf '# a comment\nmouse0 move\nmouse0 move 3 0\n' | vusbctl batch 2>/tmp/b8.err
check "vusbctl batch: a bad line makes exit status 2" test $? -eq 2
wait $ER
check_match "... says which line" '^vusbctl: line 2: usage' cat /tmp/b8.err
check_match "... and the lines after it still run" '^EV_REL REL_X 3$' cat /tmp/ev8

rss=$(awk '/VmRSS/ { print $2 }' /proc/$VA/status)
note "vusb-attach serving a mouse: VmRSS ${rss} kB"
check_match "vusbctl list shows the mouse" "^mouse0 +mouse +[0-9]+ +[0-9]+-[0-9.]+ +ready" vusbctl list
check_match "vusbctl list --json" '^\{"version":1,"devices":\[\{"name":"mouse0","model":"mouse",.*"port":[0-9]+,"busid":"[0-9]+-[0-9.]+".*"nodes":\["/dev/' vusbctl list --json

port=$(sed -n 's/.*port \([0-9]*\),.*/\1/p' /tmp/m.out)
kill -TERM $VA
wait $VA
rc=$?
if [ $rc -eq 0 ]; then ok "SIGTERM: exit status 0"; else fail "SIGTERM: exit status 0" "exit $rc" "$(cat /tmp/m.err)"; fi
st=$(dirname "$(vhci_attach_file)")/status
if awk -v p="$port" 'NR > 1 && $2 + 0 == p + 0 && $3 != "004" { bad = 1 } END { exit bad }' "$st"; then
	ok "SIGTERM leaves port $port free"
else
	fail "SIGTERM leaves port $port free" "$(cat "$st" | head -n 4)"
fi
if lsusb | grep -q "1209:0001"; then
	fail "the mouse is gone after SIGTERM" "$(lsusb)"
else
	ok "the mouse is gone after SIGTERM"
fi

start_attach /tmp/m2.out /tmp/m2.err mouse
if wait_for $T ready_in /tmp/m2.out mouse0; then
	ok "a second attach works"
else
	fail "a second attach works" "$(cat /tmp/m2.out /tmp/m2.err)"
fi
kill -INT $VA
wait $VA
check "SIGINT: exit status 0" test $? -eq 0
