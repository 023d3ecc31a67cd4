#!/bin/sh
# The test bed itself: the guest kernel loads vhci-hcd, shows its control
# files where vusb will look for them, takes a device from a process
# through a socketpair (vhci-smoke), and the tools the other tests drive
# run in the image.
. /vusb/tests/lib.sh

check "modprobe vhci-hcd" modprobe vhci-hcd

if attach=$(vhci_attach_file); then
	ok "vhci attach file: $attach"
else
	fail "vhci attach file: no /sys/devices/.../vhci_hcd.0/attach" \
		"$(ls -d /sys/devices/*/vhci_hcd.* 2>&1)"
	exit 0
fi
dir=${attach%/attach}

# nports counts both hubs of every controller; each controller lists its
# own ports in status (controller 0) or status.N.
nports=$(cat "$dir/nports" 2>/dev/null)
rows=$(cat "$dir"/status* 2>/dev/null | grep -cE '^(hs|ss) ')
if [ "${nports:-0}" -ge 2 ] && [ $((nports % 2)) -eq 0 ] && [ "$rows" -eq "$nports" ]; then
	ok "nports $nports, matching the rows of the status files"
else
	fail "nports '${nports}' is a positive even number matching $rows status rows"
fi
free=$(cat "$dir"/status* | grep -cE '^(hs|ss) +[0-9]+ 004 ')
if [ "$free" -eq "$nports" ]; then
	ok "all $nports ports free before any attach"
else
	fail "all $nports ports free before any attach" "$(grep -vE ' 004 ' "$dir/status")"
fi

name="socketpair attach: kernel sends GET_DESCRIPTOR, port freed after detach"
if out=$(vhci-smoke -a "$attach" 2>&1); then
	ok "$name"
	# What it saw, and how long it took under this accelerator.
	printf '%s\n' "$out" | sed 's/^/# /'
	check_match "the hub driver saw the device" \
		'usb [0-9-]+: new full-speed USB device number [0-9]+ using vhci_hcd' dmesg
else
	fail "$name" "$out"
fi

for t in usbip:version usbipd:-v lsusb:--version evtest:--version \
	dfu-util:--version mkfs.vfat:--help mdir:--version; do
	cmd=${t%%:*}
	arg=${t#*:}
	case " ${BASE_MISSING_TOOLS:-} " in
	*" $cmd "*)
		skip "$cmd runs" "not installed on the host that built the image"
		continue
		;;
	esac
	check "$cmd runs ($cmd $arg)" "$cmd" "$arg"
done

# The modules the other tests rely on are in the image and load.
for m in usbhid hid-generic evdev usb-storage sd_mod vfat libcomposite \
	dummy_hcd usb_f_mass_storage usbip-host; do
	case " ${BASE_MISSING_MODULES:-} " in
	*" $m "*)
		skip "modprobe $m" "kernel $(uname -r) has no $m"
		continue
		;;
	esac
	check "modprobe $m" modprobe "$m"
done
# Leave no gadget bus behind for the next test. modprobe -r also takes
# out the dependencies nothing else uses, and fails on those still in use.
modprobe -r usb_f_mass_storage dummy_hcd usbip-host 2>/dev/null
[ -z "$(ls /sys/class/udc 2>/dev/null)" ] || note "a UDC is left: $(ls /sys/class/udc)"
