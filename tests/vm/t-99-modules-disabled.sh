#!/bin/sh
# Last, because it cannot be undone until reboot: with module loading
# disabled, vusb-attach says so instead of failing obscurely.
. /vusb/tests/lib.sh
need_cmd vusb-attach

# Unload first: modules_disabled forbids unloading too.
rmmod vhci-hcd 2>/dev/null
rmmod usbip-core 2>/dev/null
if lsmod | grep -q '^vhci_hcd'; then
	skip_all "vhci_hcd is still loaded (in use?)"
fi
check_match "--no-load with vhci_hcd absent: exit 3, says so" "vhci" \
	sh -c 'vusb-attach --no-stdin --no-load mouse 2>&1; [ $? -eq 3 ]'
echo 1 >/proc/sys/kernel/modules_disabled
check_match "modules disabled: a clear error, exit 3" "modules_disabled" \
	sh -c 'vusb-attach --no-stdin mouse 2>&1; [ $? -eq 3 ]'
