#!/bin/sh
# systemd as PID 1, vusb as 'make install' put it: loading vhci_hcd starts
# the enabled vusb@NAME.service through the udev rule and vusb.target;
# Type=notify means ready with the nodes made; udev sees the devices;
# nothing spawns more; the sleep hook detaches and re-attaches, also in
# a real suspend; 'systemctl stop' detaches cleanly; failures say why.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl systemctl udevadm lsusb

T=$((30 * VM_SLOW))

check_match "systemd is PID 1" "systemd" readlink /proc/1/exe
check "systemd-udevd runs" systemctl is-active --quiet systemd-udevd.service
check "vusb@.service is installed" test -f /lib/systemd/system/vusb@.service
check "60-vusb.rules is installed" test -f /lib/udev/rules.d/60-vusb.rules
check "the sleep hook is installed" test -x /lib/systemd/system-sleep/vusb
check "the man pages are installed" test -f /usr/share/man/man5/vusb.conf.5
if lsmod | grep -q '^vhci_hcd'; then
	fail "vhci_hcd is not loaded before the test" "$(lsmod)"
	exit 0
fi

cat >/etc/vusb/boot.conf <<'EOF'
# started by the udev rule when vhci_hcd appears
mouse --name sdmouse
keyboard --name sdkbd
EOF
check "systemctl enable vusb@boot.service" systemctl enable vusb@boot.service
check "... links it into vusb.target" test -L /etc/systemd/system/vusb.target.wants/vusb@boot.service

modprobe vhci-hcd
if wait_for $T systemctl is-active --quiet vusb@boot.service; then
	ok "loading vhci_hcd starts vusb@boot.service, to active"
else
	fail "loading vhci_hcd starts vusb@boot.service" "$(systemctl status vusb@boot.service 2>&1 | tail -n 15)" \
		"$(journalctl -q -u vusb@boot.service -o cat | tail -n 12)" \
		"$(udevadm info /sys/devices/platform/vhci_hcd.0 2>&1 | tail -n 5)"
	exit 0
fi
check_match "... through vusb.target" "active" systemctl is-active vusb.target
# Type=notify: active means ready, nothing to wait for any more.
ev=$(VM_EVDEV_WAIT=0 evdev_for 1209 0001 | head -n1)
kev=$(VM_EVDEV_WAIT=0 evdev_for 1209 0002 | head -n1)
if [ -n "$ev" ] && [ -c "$ev" ] && [ -n "$kev" ] && [ -c "$kev" ]; then
	ok "active: both event nodes exist already ($ev, $kev)"
else
	fail "active: both event nodes exist already" "mouse '$ev' keyboard '$kev'" "$(ls -l /dev/input)"
fi
check_match "its status says so" "Serving 2 devices" systemctl show -p StatusText vusb@boot.service
check_match "vusbctl sees the service's devices" "^sdkbd +keyboard +[0-9]+ +[0-9-]+ +ready" vusbctl list
journalctl -q -u vusb@boot.service -o cat >/tmp/j.txt
check_match "the journal has its nodes lines" "^sdmouse: nodes /dev/hidraw[0-9]+ /dev/input/event" cat /tmp/j.txt
note "$(grep nodes /tmp/j.txt | tr '\n' ' ')"

# udev has done its part by READY=1: links, properties.
busid=$(sed -n 's/^sdmouse: ready, port [0-9]*, busid \(.*\)$/\1/p' /tmp/j.txt | tail -n1)
check_match "udevadm info: the USB device's properties" "ID_SERIAL=.*vusb-sdmouse" \
	udevadm info "/sys/bus/usb/devices/$busid"
check_match "udevadm info: the event node is a mouse" "ID_INPUT_MOUSE=1" udevadm info "$ev"
check_match "udev made its by-id link" "usb-.*vusb-sdmouse-event-mouse" ls /dev/input/by-id/

# Nothing spawns more: one process, one service.
sleep 2
n=$(pgrep -c -x vusb-attach)
units=$(systemctl list-units --all --no-legend --plain 'vusb@*' 'vusb-hotplug@*' vusb.target |
	awk '{ print $1 }' | sort | tr '\n' ' ')
if [ "$n" -eq 1 ] && [ "$units" = "vusb.target vusb@boot.service " ]; then
	ok "no spawn loop: 1 vusb-attach, units: $units"
else
	fail "no spawn loop" "$n vusb-attach: $(pgrep -a vusb-attach)" "units: $units"
fi

# The sandbox holds: no capabilities, no new privileges, and it works.
pid=$(systemctl show -p MainPID --value vusb@boot.service)
check_match "the service runs with no capabilities" "^CapEff:[[:space:]]+0+$" grep CapEff /proc/$pid/status
check_match "... and no new privileges" "^NoNewPrivs:[[:space:]]+1$" grep NoNewPrivs /proc/$pid/status
note "systemd-analyze security: $(systemd-analyze security vusb@boot.service 2>/dev/null | tail -n1)"
rm -f /tmp/e.ready
evread -n 1 -t $T --ready-file /tmp/e.ready "$ev" >/tmp/e.ev &
ER=$!
wait_for $T test -e /tmp/e.ready
check "vusbctl moves the service's mouse" vusbctl sdmouse move 5 0
wait $ER
check_match "... and the kernel sees it" "REL_X 5" cat /tmp/e.ev

# --- suspend ------------------------------------------------------------
# The hook as systemd-sleep runs it.
check_match "the sleep hook, pre: detaches" "sdmouse: suspended" /lib/systemd/system-sleep/vusb pre suspend
if wait_for $T sh -c '! lsusb | grep -q "ID 1209:000[12]"'; then ok "... the devices are off the bus"; else fail "... the devices are off the bus" "$(lsusb)"; fi
check_match "... vusbctl says suspended" "^sdmouse +mouse +- +- +suspended" vusbctl list
check "... the service stays active" systemctl is-active --quiet vusb@boot.service
check_match "the sleep hook, post: attaches again" "sdmouse: resumed on port" /lib/systemd/system-sleep/vusb post suspend
if wait_for $T sh -c 'vusbctl list | grep -q "^sdmouse .* ready" && vusbctl list | grep -q "^sdkbd .* ready"'; then
	ok "... both ready again"
else
	fail "... both ready again" "$(vusbctl list)"
fi

# A real suspend: systemd-sleep runs the hook, the RTC wakes us.
if grep -qE 'mem|freeze' /sys/power/state 2>/dev/null && command -v rtcwake >/dev/null; then
	before=$(journalctl -q -u vusb@boot.service -o cat | grep -c '^sdmouse: nodes')
	rtcwake -m no -s $((5 * VM_SLOW)) >/dev/null
	if timeout $((60 * VM_SLOW)) systemctl suspend; then
		ok "systemctl suspend returns after the RTC wakes the VM"
		if wait_for $T sh -c "[ \$(journalctl -q -u vusb@boot.service -o cat | grep -c '^sdmouse: nodes') -gt $before ]"; then
			ok "after the real suspend: the mouse is back with its nodes"
		else
			fail "after the real suspend: the mouse is back with its nodes" \
				"$(journalctl -q -u vusb@boot.service -o cat | tail -n 8)"
		fi
		# (The journal may take a moment to have the hook's output.)
		wait_for $T sh -c 'journalctl -q -b -o cat -t systemd-sleep | grep -q "sdmouse: suspended"'
		check_match "systemd-sleep ran vusb's hook" "sdmouse: suspended" \
			journalctl -q -b -o cat -t systemd-sleep
		note "$(journalctl -q -b -o cat -t systemd-sleep | tr '\n' ' ' | cut -c1-300)"
	else
		fail "systemctl suspend returns after the RTC wakes the VM" "$(journalctl -q -b -u systemd-suspend.service | tail -n 10)"
	fi
else
	skip "a real suspend cycle" "no suspend state in /sys/power/state ($(cat /sys/power/state 2>&1))"
fi

# --- stop -----------------------------------------------------------------
check "systemctl stop vusb@boot.service" systemctl stop vusb@boot.service
check_match "... it stopped, not failed" "^inactive$" sh -c 'systemctl is-active vusb@boot.service; true'
check_match "... with exit status 0" "^ExecMainStatus=0$" systemctl show -p ExecMainStatus vusb@boot.service
if lsusb | grep -q "ID 1209:000[12]"; then fail "... its devices are detached" "$(lsusb)"; else ok "... its devices are detached"; fi
st=$(dirname "$(vhci_attach_file)")/status
if awk 'NR > 1 && $3 != "004" { bad = 1 } END { exit bad }' "$st"; then
	ok "... every vhci port is free"
else
	fail "... every vhci port is free" "$(grep -v ' 004 ' "$st")"
fi
check "... and no vusb-attach is left" sh -c '! pgrep -x vusb-attach'

# --- failures say why, and are not retried forever ------------------------
printf 'mouse\nmose --name x\n' >/etc/vusb/bad.conf
systemctl start vusb@bad.service 2>/dev/null
check_match "a broken configuration: the unit fails" "^failed$" sh -c 'systemctl is-active vusb@bad.service; true'
check_match "... with exit status 2" "^ExecMainStatus=2$" systemctl show -p ExecMainStatus vusb@bad.service
check_match "... the journal names the line" "bad.conf:2: unknown device 'mose'" \
	journalctl -q -u vusb@bad.service -o cat
check_match "... and it is not restarted" "^NRestarts=0$" systemctl show -p NRestarts vusb@bad.service
systemctl reset-failed vusb@bad.service

hubs=$(for h in /sys/bus/usb/devices/usb*; do
	case $(readlink -f "$h") in */vhci_hcd.*) echo "$h" ;; esac
done)
printf -- '--wait-ready=3\nmouse --name unbound\n' >/etc/vusb/unbound.conf
for h in $hubs; do echo 0 >"$h/interface_authorized_default"; done
systemctl start vusb@unbound.service 2>/dev/null
for h in $hubs; do echo 1 >"$h/interface_authorized_default"; done
# (activating: waiting to be restarted, at most three times.)
check_match "never bound: the unit fails" "^(failed|activating)$" sh -c 'systemctl is-active vusb@unbound.service; true'
check_match "... the journal says why" "unbound: the kernel is not done with it after 3 s: interface .* is not authorized" \
	journalctl -q -u vusb@unbound.service -o cat
systemctl stop vusb@unbound.service
systemctl reset-failed vusb@unbound.service 2>/dev/null
check "... and nothing is left attached" sh -c '! lsusb | grep -q "ID 1209:0001"'

# A typo in the instance name fails visibly: AssertPathExists, not a
# Condition that skips quietly and leaves the unit "inactive (dead)".
check "vusb@typo: systemctl start fails" sh -c '! systemctl start vusb@no-such-conf.service 2>/dev/null'
check_match "... with the assertion named" "Assertion failed|AssertPathExists" \
	sh -c 'systemctl status vusb@no-such-conf.service 2>&1; journalctl -q -u vusb@no-such-conf.service 2>&1; true'
systemctl reset-failed vusb@no-such-conf.service 2>/dev/null || :
