#!/bin/sh
# Clear errors: bad arguments, not root, someone else detaching, no module.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl

T=$((20 * VM_SLOW))
check_match "no device: usage error, exit 2" "no device" sh -c 'vusb-attach 2>&1; [ $? -eq 2 ]'
check_match "unknown device: exit 2" "unknown device 'frob'" sh -c 'vusb-attach frob 2>&1; [ $? -eq 2 ]'
check_match "bad --vid: exit 2" "invalid --vid" sh -c 'vusb-attach mouse --vid xyz 2>&1; [ $? -eq 2 ]'
check_match "--help lists the devices" "keyboard" vusb-attach --help
check_match "--version" "^vusb-attach [0-9]" vusb-attach --version

modprobe vhci-hcd
check_match "not root: a clear error, exit 5" "root" \
	sh -c 'su nobody -s /bin/sh -c "vusb-attach --no-stdin mouse" 2>&1; [ $? -eq 5 ]'

# Someone else writes detach: the process notices, says so, exits 0.
vusb-attach mouse --vid 1209 --pid 000a --serial x1 >/tmp/e.out 2>/tmp/e.err &
VA=$!
if wait_for $T grep -q '^mouse0: ready' /tmp/e.out; then
	ok "custom --vid/--pid/--serial attach"
	check_match "lsusb sees the custom IDs" "ID 1209:000a" lsusb
	check_match "and the custom serial" "iSerial +[0-9]+ x1" lsusb -v -d 1209:000a
	port=$(sed -n 's/.*port \([0-9]*\),.*/\1/p' /tmp/e.out)
	echo "$port" >"$(dirname "$(vhci_attach_file)")/detach"
	if wait_for $T sh -c "! kill -0 $VA 2>/dev/null"; then
		wait $VA
		rc=$?
		if [ $rc -eq 0 ]; then ok "external detach: vusb-attach ends cleanly"; else fail "external detach: vusb-attach ends cleanly" "exit $rc"; fi
		check_match "external detach: it says so" "closed the connection|detached" cat /tmp/e.err
	else
		fail "external detach: vusb-attach ends" "$(cat /tmp/e.err)"
	fi
else
	fail "custom --vid/--pid/--serial attach" "$(cat /tmp/e.out /tmp/e.err)"
fi

# vhci-hcd not installed: hide the module, as on Ubuntu without
# linux-modules-extra, and make sure the message names the package. A
# Debian or Ubuntu system has /etc/os-release; the VM image does not.
rmmod vhci-hcd 2>/dev/null
printf 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' >/etc/os-release
mods=/lib/modules/$(uname -r)
mv "$mods/kernel/drivers/usb/usbip" /tmp/usbip-mods
depmod
check_match "vhci-hcd missing: names the package, exit 3" "linux-(image|modules-extra)" \
	sh -c 'vusb-attach --no-stdin mouse 2>&1; [ $? -eq 3 ]'
printf 'ID=ubuntu\nID_LIKE=debian\n' >/etc/os-release
check_match "on Ubuntu it names linux-modules-extra" "linux-modules-extra-$(uname -r)" \
	sh -c 'vusb-attach --no-stdin mouse 2>&1; [ $? -eq 3 ]'
rm /etc/os-release
mv /tmp/usbip-mods "$mods/kernel/drivers/usb/usbip"
depmod
check "vusb-attach loads vhci-hcd itself" sh -c "vusb-attach --no-stdin mouse >/tmp/l.out 2>&1 & p=\$!; for i in \$(seq $((T * 10))); do grep -q ': nodes' /tmp/l.out && break; sleep 0.1; done; kill \$p; wait \$p; grep -q ready /tmp/l.out && lsmod | grep -q vhci_hcd"
