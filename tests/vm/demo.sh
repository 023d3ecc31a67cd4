#!/bin/sh
# make demo, inside the VM: a vusb mouse on Debian's stock kernel, watched
# by evtest, listed by lsusb. The checks make the host's exit status mean
# something; the rest is for the person watching.
. /vusb/tests/lib.sh

VID=1209
PID=0001
T=$((20 * VM_SLOW))

say() {
	echo
	echo "==> $*"
}

indent() {
	sed 's/^/    /'
}

say "Linux $(uname -r) under qemu (${VM_ACCEL:-?}): loading vhci-hcd, the kernel's USB/IP host controller"
check "modprobe vhci-hcd" modprobe vhci-hcd || exit 0
need_cmd vusb-attach vusbctl

say "vusb-attach mouse &    a USB mouse served by this process, handed to vhci_hcd over a socketpair"
vusb-attach mouse >/tmp/va.out 2>/tmp/va.err &
VA=$!
if ! wait_for $T grep -q '^mouse0: ready' /tmp/va.out; then
	fail "vusb-attach mouse gets ready" "$(cat /tmp/va.out /tmp/va.err)"
	exit 0
fi
indent </tmp/va.out
ok "vusb-attach mouse gets ready"

ev=$(evdev_for $VID $PID | head -n 1)
if [ -z "$ev" ]; then
	fail "the kernel made an input device of it" "$(dmesg | tail -n 10)"
	exit 0
fi
say "The kernel enumerated it like any USB mouse (dmesg):"
dmesg | grep -E 'usb [0-9]+-[0-9.]+:|input: |hid-generic' | sed 's/^\[[ 0-9.]*\] //' | tail -n 9 | indent
ok "the kernel made an input device of it ($ev)"

say "evtest $ev    what a desktop would read from it"
evtest "$ev" &
ET=$!
rm -f /tmp/ev.ready
evread -n 2 -t $T --ready-file /tmp/ev.ready "$ev" >/tmp/ev.out 2>&1 &
ER=$!
wait_for $T test -e /tmp/ev.ready
# Let evtest print its description of the device first.
sleep 1

say "vusbctl mouse0 move 100 100"
vusbctl mouse0 move 100 100
wait $ER
sleep 0.5
kill $ET 2>/dev/null
wait $ET 2>/dev/null
echo
if grep -q '^EV_REL REL_X 100$' /tmp/ev.out && grep -q '^EV_REL REL_Y 100$' /tmp/ev.out; then
	ok "the move arrives as REL_X 100, REL_Y 100"
else
	fail "the move arrives as REL_X 100, REL_Y 100" "$(cat /tmp/ev.out)"
fi

hubs=$(lsusb | grep -c 'root hub')
say "lsusb    ($hubs root hubs of vhci_hcd's controllers left out)"
lsusb | grep -v 'root hub' | indent
say "lsusb -t"
lsusb -t 2>/dev/null | grep -B1 -A1 -E 'usbhid|Class=Human' | indent
say "vusbctl list"
vusbctl list | indent

say "kill -TERM vusb-attach    unplugs the mouse"
kill -TERM $VA
wait $VA
rc=$?
if [ $rc -eq 0 ] && ! lsusb | grep -q "$VID:$PID"; then
	ok "SIGTERM unplugs the mouse and exits 0"
else
	fail "SIGTERM unplugs the mouse and exits 0" "exit $rc" "$(lsusb)"
fi

say "That was vusb on a stock kernel. On a machine whose kernel has vhci-hcd:"
echo "    sudo modprobe vhci-hcd && sudo vusb-attach mouse &"
echo "    vusbctl mouse0 move 100 100"
echo
