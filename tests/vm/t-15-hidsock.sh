#!/bin/sh
# The report socket, RUNDIR/dev/NAME.hid (our /dev/hidgN): it has the
# control socket's mode and owner; a burst of gamepad reports written to
# it reaches evdev through xpad whole and in order; a rumble xpad sends
# and a keyboard output report written with hidraw are read from it; a
# message that is no report is refused with the reason; the socket goes
# with the device.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread ffrumble hidraw hidsockc taskset

T=$((20 * VM_SLOW))
RUN=${VUSB_RUNDIR:-/run/vusb}
# An Xbox 360 input report: type 0, length 20, then the state, all zero.
GP="00 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"

ready_in() {
	grep -q "^$2: ready, port [0-9]*, busid [0-9]*-[0-9.]*\$" "$1"
}

hidraw_for() {
	for _d in /sys/class/hidraw/hidraw*; do
		[ -e "$_d" ] || continue
		case $(readlink -f "$_d/device") in
		*:$(printf '%04X:%04X' "0x$1" "0x$2").*) echo "/dev/${_d##*/}"; return 0 ;;
		esac
	done
	return 1
}

vusb-attach --no-stdin gamepad keyboard >/tmp/va.out 2>/tmp/va.err &
VA=$!
if wait_for $T ready_in /tmp/va.out gamepad0 && wait_for $T ready_in /tmp/va.out keyboard0; then
	ok "vusb-attach gamepad keyboard is ready"
else
	fail "vusb-attach gamepad keyboard is ready" "$(cat /tmp/va.out /tmp/va.err)"
	exit 0
fi
S=$RUN/dev/gamepad0.hid
check "gamepad0 has a report socket ($S)" test -S "$S"
check "keyboard0 has one too" test -S "$RUN/dev/keyboard0.hid"
sock_mode=$(stat -c '%A %U %G' "$RUN/$VA.sock")
check_match "it has the control socket's mode and owner ($sock_mode)" "^$sock_mode\$" \
	stat -c '%A %U %G' "$S"

wait_for $T evdev_for 045e 028e
ev=$(evdev_for 045e 028e | head -n 1)
if [ -z "$ev" ]; then
	fail "the gamepad has an event node" "$(ls /sys/class/input)"
	kill $VA
	exit 0
fi

# A burst: report i has the left trigger at i mod 256 and the right one
# at i / 256 (triggers have no fuzz in xpad: every change is an event).
# Read at real-time priority on vusb-attach's CPU, as evdev needs for
# bursts (SYN_DROPPED; lib.sh reader_cpu).
N=2000
NEV=$((N + N / 256))
rm -f /tmp/ev.ready
$(reader_cpu) evread --fifo -n $NEV -t $((30 * VM_SLOW)) --ready-file /tmp/ev.ready "$ev" >/tmp/evb 2>&1 &
ER=$!
wait_for $T test -e /tmp/ev.ready
t0=$(_vm_uptime_cs)
# evdev keeps a small buffer per reader (some tens of these reports) and
# drops past it (SYN_DROPPED); a loaded TCG guest can stall even a
# real-time reader that long. A pause after every 32 reports lets it
# catch up; the socket's back-pressure paces the rest.
check "hidsockc writes $N reports to the socket" \
	sh -c "HIDSOCKC_PACE=32:$((5 * VM_SLOW)) hidsockc $S seq 4 $N $GP >/tmp/seq.out"
wait $ER
t1=$(_vm_uptime_cs)
got=$(grep -c '^EV_ABS ABS_Z ' /tmp/evb)
check "all $N reach evdev ($got)" test "$got" = $N
grep '^EV_ABS ABS_Z ' /tmp/evb | awk '{ print $3 }' >/tmp/got
i=1
while [ $i -le $N ]; do
	echo $((i % 256))
	i=$((i + 1))
done >/tmp/want
check "... in the order written" cmp -s /tmp/want /tmp/got
check "evdev dropped nothing" sh -c '! grep -q SYN_DROPPED /tmp/evb'
note "socket burst: $(cat /tmp/seq.out); to evdev in $(((t1 - t0) * 10)) ms:" \
	"$((N * 100 / (t1 - t0 + 1))) reports/s, none lost"

# A rumble from a game: xpad's message on the OUT endpoint, read from the socket.
hidsockc "$S" expect $T 02 00 08 00 ff 80 00 00 00 >/tmp/rumble.out 2>&1 &
HR=$!
sleep $VM_SLOW
ffrumble "$ev" 65535 32768 $((2 * VM_SLOW * 1000)) >/tmp/ff.out 2>&1
wait $HR
check "a rumble played with EVIOCSFF is read from the socket" test $? -eq 0
check_match "... as type 2 and xpad's 8 bytes" "^output 00 08 00 ff 80 00 00 00\$" \
	cat /tmp/rumble.out

# The keyboard's LEDs written with hidraw: SET_REPORT(output), on the socket.
wait_for $T hidraw_for 1209 0002
hr=$(hidraw_for 1209 0002)
KS=$RUN/dev/keyboard0.hid
hidsockc "$KS" expect $T 02 05 >/tmp/leds.out 2>&1 &
HR=$!
sleep $VM_SLOW
check "hidraw writes the keyboard's output report" hidraw "$hr" write 0005
wait $HR
check "the output report is read from the socket" test $? -eq 0
check_match "... as 'output 05'" "^output 05\$" cat /tmp/leds.out

# A message that is no input report: refused with the reason.
check_match "a 3-byte message is refused with the reason" \
	"^error: a 3-byte message is no input report of this device\$" \
	sh -c "hidsockc $S send 01 02 03; [ \$? -eq 1 ]"
check_match "... and logged" "a 3-byte message is no input report" cat /tmp/va.err

kill $VA
wait $VA
check "the sockets go with the devices" \
	sh -c "! test -e $S && ! test -e $RUN/dev/keyboard0.hid"
