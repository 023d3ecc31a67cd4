#!/bin/sh
# The example hotplug rule, as shipped: plugging in a real USB device
# (a Linux gadget on dummy_hcd, 1d6b:0104, as a Raspberry Pi Zero shows
# up) starts vusb-hotplug@hotplug-example.service and its keyboard;
# unplugging it stops them. vusb's own devices never trigger it, even
# when they claim the trigger's IDs.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl systemctl udevadm lsusb

T=$((30 * VM_SLOW))
ex=/usr/share/doc/vusb/examples
svc=vusb-hotplug@hotplug-example.service

check "the example rule and configuration are installed" \
	test -f $ex/61-vusb-hotplug.rules.example -a -f $ex/hotplug-example.conf
cp $ex/61-vusb-hotplug.rules.example /etc/udev/rules.d/61-vusb-hotplug.rules
cp $ex/hotplug-example.conf /etc/vusb/
udevadm control --reload

for m in configfs libcomposite dummy_hcd usb_f_acm; do
	need_module $m
done
grep -q ' /sys/kernel/config ' /proc/mounts || mount -t configfs none /sys/kernel/config
udc=$(ls /sys/class/udc | head -n1)
[ -n "$udc" ] || {
	fail "dummy_hcd has a UDC" "$(ls -l /sys/class/udc)"
	exit 0
}
g=/sys/kernel/config/usb_gadget/trigger
mkdir -p $g/strings/0x409 $g/configs/c.1/strings/0x409 $g/functions/acm.usb0
echo 0x1d6b >$g/idVendor
echo 0x0104 >$g/idProduct
echo "Linux" >$g/strings/0x409/manufacturer
echo "vusb hotplug trigger" >$g/strings/0x409/product
echo trigger1 >$g/strings/0x409/serialnumber
echo acm >$g/configs/c.1/strings/0x409/configuration
ln -s $g/functions/acm.usb0 $g/configs/c.1/

plug() { echo "$udc" >$g/UDC; }
unplug() { echo "" >$g/UDC; }
kbd_present() { lsusb | grep -q "ID 1209:0002"; }

plug
if wait_for $T systemctl is-active --quiet $svc; then
	ok "plugging in the trigger starts $svc"
else
	fail "plugging in the trigger starts $svc" "$(lsusb)" "$(systemctl status $svc 2>&1 | tail -n 12)"
	unplug
	exit 0
fi
check_match "... whose keyboard is ready" "^hotplug-kbd +keyboard +[0-9]+ +[0-9-]+ +ready" vusbctl list
check "... with its event node" sh -c '. /vusb/tests/lib.sh; VM_EVDEV_WAIT=0 evdev_for 1209 0002 | grep -q event'
tbus=$(for d in /sys/bus/usb/devices/*; do
	[ "$(cat "$d/idVendor" 2>/dev/null)" = 1d6b ] && [ "$(cat "$d/idProduct")" = 0104 ] && echo "${d##*/}"
done | head -n1)
check_match "the trigger's udev properties want the service" "SYSTEMD_WANTS=.*$svc" \
	udevadm info "/sys/bus/usb/devices/$tbus"
kbus=$(vusbctl list | awk '$1 == "hotplug-kbd" { print $4 }')
if udevadm info "/sys/bus/usb/devices/$kbus" | grep -q SYSTEMD_WANTS; then
	fail "vusb's own keyboard wants nothing" "$(udevadm info "/sys/bus/usb/devices/$kbus")"
else
	ok "vusb's own keyboard wants nothing"
fi

# The guard: a vusb device with the trigger's IDs behind vhci_hcd.
vusb-attach --no-stdin keyboard --name fake --vid 1d6b --pid 0104 >/tmp/f.out 2>&1 &
VA=$!
wait_for $T grep -q '^fake: nodes' /tmp/f.out
sleep 2
n=$(pgrep -c -x vusb-attach)
units=$(systemctl list-units --all --no-legend --plain 'vusb-hotplug@*' | awk '{ print $1 }' | tr '\n' ' ')
if [ "$n" -eq 2 ] && [ "$units" = "$svc " ]; then
	ok "no spawn loop: a vusb device with the trigger's IDs starts nothing ($n processes, $units)"
else
	fail "no spawn loop: a vusb device with the trigger's IDs starts nothing" \
		"$(pgrep -a vusb-attach)" "units: $units"
fi
kill $VA
wait $VA

unplug
if wait_for $T sh -c "! systemctl is-active --quiet $svc"; then
	ok "unplugging the trigger stops $svc"
else
	fail "unplugging the trigger stops $svc" "$(systemctl status $svc 2>&1 | tail -n 12)"
fi
if wait_for $T sh -c '! lsusb | grep -q "ID 1209:0002"'; then
	ok "... and its keyboard is detached"
else
	fail "... and its keyboard is detached" "$(lsusb)"
fi
check_match "... cleanly" "^ExecMainStatus=0$" systemctl show -p ExecMainStatus $svc

plug
if wait_for $T systemctl is-active --quiet $svc && wait_for $T kbd_present; then
	ok "plugged in again: started again"
else
	fail "plugged in again: started again" "$(systemctl status $svc 2>&1 | tail -n 12)"
fi
unplug
wait_for $T sh -c "! systemctl is-active --quiet $svc"
check "unplugged again: stopped again" sh -c "! systemctl is-active --quiet $svc"
check "nothing of vusb left running" sh -c '! pgrep -x vusb-attach'
