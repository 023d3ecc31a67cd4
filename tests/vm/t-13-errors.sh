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
# linux-modules-extra. The package named comes from what dpkg says owns
# /lib/modules/RELEASE, and only when apt knows it. The VM has neither
# dpkg nor apt: stand-ins answer as Debian's and Ubuntu's do.
rmmod vhci-hcd 2>/dev/null
mods=/lib/modules/$(uname -r)
rel=$(uname -r)
mv "$mods/kernel/drivers/usb/usbip" /tmp/usbip-mods
depmod
printf '#!/bin/sh\necho "linux-image-%s: /lib/modules/%s"\n' "$rel" "$rel" >/usr/bin/dpkg-query
printf '#!/bin/sh\n[ "$1 $2" = "show --no-all-versions" ] && echo "Package: $3"\n' >/usr/bin/apt-cache
chmod +x /usr/bin/dpkg-query /usr/bin/apt-cache
check_match "vhci-hcd missing: names the package apt knows, exit 3" \
	"it ships in linux-image-$rel \(sudo apt install linux-image-$rel\)" \
	sh -c 'vusb-attach --no-stdin mouse 2>&1; [ $? -eq 3 ]'
printf '#!/bin/sh\necho "linux-modules-%s, linux-image-%s: /lib/modules/%s"\n' "$rel" "$rel" \
	"$rel" >/usr/bin/dpkg-query
check_match "on Ubuntu it names linux-modules-extra" "sudo apt install linux-modules-extra-$rel\)" \
	sh -c 'vusb-attach --no-stdin mouse 2>&1; [ $? -eq 3 ]'
printf '#!/bin/sh\necho "E: No packages found" >&2; exit 100\n' >/usr/bin/apt-cache
out=$(vusb-attach --no-stdin mouse 2>&1)
check_match "a package apt does not know is not offered" "apt knows no package linux-modules-extra-$rel" \
	echo "$out"
if echo "$out" | grep -q "apt install"; then
	fail "... and no apt install" "$out"
else
	ok "... and no apt install"
fi
rm -f /usr/bin/dpkg-query /usr/bin/apt-cache
check_match "without dpkg: the kernel option, and --listen" "CONFIG_USBIP_VHCI_HCD.*--listen" \
	sh -c 'vusb-attach --no-stdin mouse 2>&1; [ $? -eq 3 ]'
# No modules at all, as in a container: that cause first, no package.
mv "$mods" /tmp/modules-away
out=$(vusb-attach --no-stdin mouse 2>&1)
check_match "no /lib/modules: the likely cause leads" \
	"^vusb-attach: vhci-hcd cannot be loaded: there is no /lib/modules/$rel, .*a container" echo "$out"
check_match "... and what works there: --listen, make demo" "--listen.*make demo" echo "$out"
mv /tmp/modules-away "$mods"
mv /tmp/usbip-mods "$mods/kernel/drivers/usb/usbip"
depmod
check "vusb-attach loads vhci-hcd itself" sh -c "vusb-attach --no-stdin mouse >/tmp/l.out 2>&1 & p=\$!; for i in \$(seq $((T * 10))); do grep -q ': nodes' /tmp/l.out && break; sleep 0.1; done; kill \$p; wait \$p; grep -q ready /tmp/l.out && lsmod | grep -q vhci_hcd"
