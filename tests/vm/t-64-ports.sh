#!/bin/sh
# Every vhci port taken. One vusb-attach asking for one device more than
# there are high-speed ports fails with a clear message and exit 1, and
# gives back every port it took; with all of them held by another
# vusb-attach, a new one fails the same way while the first carries on;
# once that one stops, every port is free and nothing is left of its
# devices.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl
need_module vhci-hcd

T=$((60 * VM_SLOW))
VHCI=$(dirname "$(vhci_attach_file)")

# hs ports: those of the first hub of each controller.
hs_ports() {
	cat "$VHCI"/status* | awk '$1 == "hs"' | wc -l
}

hs_used() {
	cat "$VHCI"/status* | awk '$1 == "hs" && $3 + 0 != 4' | wc -l
}

all_free() {
	[ "$(hs_used)" -eq 0 ]
}

n=$(hs_ports)
note "vhci has $n high-speed ports"
if [ "$n" -lt 1 ] || [ "$n" -gt 255 ]; then
	skip_all "vhci reports $n high-speed ports"
fi
# A mouse is the lightest device to enumerate; full speed goes to the hs
# hub.
vusb-attach --no-stdin mouse --count $((n + 1)) >/tmp/p.out 2>/tmp/p.err
rc=$?
check "mouse --count $((n + 1)) on $n ports: exit 1" test $rc -eq 1
check_match "... saying every port is in use" "every vhci port for full-speed devices is in use" \
	cat /tmp/p.err
check "... and every port it took is free again" wait_for $T all_free
check "... and none of its mice is left" wait_for $T sh -c '! grep -q 1209 /sys/bus/usb/devices/*/idVendor 2>/dev/null'

vusb-attach --no-stdin mouse --count "$n" >/tmp/p.out 2>/tmp/p.err &
VA=$!
if wait_for $T sh -c "[ \$(grep -c ': ready' /tmp/p.out) -eq $n ]"; then
	ok "$n mice hold every high-speed port"
	check "no port is left" test "$(hs_used)" -eq "$n"
	vusb-attach --no-stdin keyboard --name late >/tmp/q.out 2>/tmp/q.err
	rc=$?
	check "another vusb-attach: exit 1" test $rc -eq 1
	check_match "... saying every port is in use" "every vhci port for full-speed devices is in use" \
		cat /tmp/q.err
	check "... the first one carries on" kill -0 $VA
	check "... all its mice still there" test "$(hs_used)" -eq "$n"
	check "... and the name 'late' was given back" sh -c '! test -L /run/vusb/dev/late'
	check "vusbctl lists them all" sh -c "[ \$(vusbctl list | grep -c '^mouse') -eq $n ]"
else
	fail "$n mice hold every high-speed port" "$(grep -c ': ready' /tmp/p.out) ready" \
		"$(tail -n 5 /tmp/p.err)"
fi
kill $VA
wait $VA
check "SIGTERM: exit 0" test $? -eq 0
check "every port is free" wait_for $T all_free
check "no mouse left" wait_for $T sh -c '! grep -q 1209 /sys/bus/usb/devices/*/idVendor 2>/dev/null'
