#!/bin/sh
# Input latency of a vusb mouse attached directly (vhci socketpair) and the
# same mouse model exported with --listen and imported over loopback TCP
# with usbip attach, in one boot. inputlat sends moves over the control
# socket and times them to the evdev event. Both mice are up at once and
# measured in alternating chunks, so that a busy host (TCG, other jobs)
# weighs on both alike; the medians are over 300 samples each.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl usbip inputlat
need_module vhci-hcd

T=$((20 * VM_SLOW))
CHUNK=50
ROUNDS=6
mkdir -p /var/run

vusb-attach mouse --name direct >/tmp/d.out 2>/tmp/d.err &
VA=$!
vusb-attach --listen mouse --name remote --pid 0101 >/tmp/r.out 2>/tmp/r.err &
VB=$!
if ! wait_for $T grep -q '^direct: ready' /tmp/d.out; then
	fail "vusb-attach mouse is ready" "$(cat /tmp/d.out /tmp/d.err)"
	exit 0
fi
if ! wait_for $T grep -q '^remote: exported, busid 1-1$' /tmp/r.out ||
	! usbip attach -r 127.0.0.1 -b 1-1 >/tmp/ua.out 2>&1; then
	fail "the exported mouse is imported" "$(cat /tmp/r.out /tmp/r.err /tmp/ua.out)"
	exit 0
fi
if ! wait_for $T evdev_for 1209 0001 || ! wait_for $T evdev_for 1209 0101; then
	fail "both mice have event nodes" "$(ls /sys/class/input)"
	exit 0
fi
dev=$(evdev_for 1209 0001 | head -n 1)
rem=$(evdev_for 1209 0101 | head -n 1)
ok "both mice are up: direct $dev, exported $rem"
# Let the hub and input layers settle after enumeration.
sleep 1

# chunk NAME DEVICE OUT: CHUNK samples appended to OUT, one per line
chunk() {
	if ! inputlat -v -n $CHUNK -w 5 "$1" "$2" >/tmp/chunk 2>&1; then
		fail "inputlat $1" "$(cat /tmp/chunk)"
		return 1
	fi
	grep -E '^[0-9]+$' /tmp/chunk >>"$3"
}

: >/tmp/lat.direct
: >/tmp/lat.remote
i=0
while [ $i -lt $ROUNDS ]; do
	chunk direct "$dev" /tmp/lat.direct || exit 0
	chunk remote "$rem" /tmp/lat.remote || exit 0
	i=$((i + 1))
done

# stats FILE: "N samples, median M us, p10 A us, p90 B us"
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		printf "%d samples, median %d us, p10 %d us, p90 %d us, min %d us, max %d us",
			NR, v[int(NR / 2) + 1], v[int(NR / 10) + 1], v[int(NR * 9 / 10) + 1], v[1], v[NR] }'
}
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int(NR / 2) + 1] }'
}

n=$(wc -l </tmp/lat.remote)
check "300 samples of each" test "$n" -eq $((CHUNK * ROUNDS)) -a "$(wc -l </tmp/lat.direct)" -eq "$n"
ok "attached directly: $(stats /tmp/lat.direct)"
ok "exported, imported over loopback TCP: $(stats /tmp/lat.remote)"
d=$(median /tmp/lat.direct)
r=$(median /tmp/lat.remote)
note "median latency: direct $d us, exported $r us, difference $((r - d)) us (accel ${VM_ACCEL:-?})"
# A sanity bound, not a benchmark: far above either, even under TCG.
check "the exported mouse's median stays under 50 ms" test "$r" -lt 50000

kill -TERM $VB
wait $VB
kill -TERM $VA
wait $VA
