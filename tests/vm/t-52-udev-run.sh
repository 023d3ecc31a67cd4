#!/bin/sh
# Without systemd (busybox init), with the real systemd-udevd started by
# hand: a RUN+= rule using 'vusb-attach --daemon' spawns a virtual
# keyboard when a real device (a gadget on dummy_hcd) is plugged in, and
# the daemon outlives the rule's handling; its own device starts nothing.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl udevadm evread
need_module vhci-hcd
for m in configfs libcomposite dummy_hcd usb_f_acm; do
	need_module $m
done

T=$((20 * VM_SLOW))

mkdir -p /etc/udev/rules.d
cat >/etc/udev/rules.d/70-vusb-run.rules <<'EOF'
SUBSYSTEM!="usb", GOTO="vusb_run_end"
ENV{DEVTYPE}!="usb_device", GOTO="vusb_run_end"
ACTION!="add", GOTO="vusb_run_end"
KERNELS=="vhci_hcd.*", GOTO="vusb_run_end"
ATTR{idVendor}=="1209", ATTR{serial}=="vusb-*", GOTO="vusb_run_end"
ATTR{idVendor}=="1d6b", ATTR{idProduct}=="0104", RUN+="/vusb/bin/vusb-attach --daemon --pidfile /run/vusb-run.pid --wait-ready=60 keyboard --name runkbd"
LABEL="vusb_run_end"
EOF
# udevadm is systemd-udevd when called so.
ln -sf "$(command -v udevadm)" /tmp/systemd-udevd
/tmp/systemd-udevd --daemon
if wait_for 10 test -e /run/udev/control; then
	ok "systemd-udevd runs (started by hand)"
else
	fail "systemd-udevd runs (started by hand)" "$(ps)"
	exit 0
fi
udevd=$(pidof systemd-udevd | tr ' ' '\n' | head -n1)

grep -q ' /sys/kernel/config ' /proc/mounts || mount -t configfs none /sys/kernel/config
udc=$(ls /sys/class/udc | head -n1)
g=/sys/kernel/config/usb_gadget/trigger
mkdir -p $g/strings/0x409 $g/configs/c.1/strings/0x409 $g/functions/acm.usb0
echo 0x1d6b >$g/idVendor
echo 0x0104 >$g/idProduct
echo trigger1 >$g/strings/0x409/serialnumber
ln -s $g/functions/acm.usb0 $g/configs/c.1/
echo "$udc" >$g/UDC

# The gadget is enumerated in the background: once the rule's program has
# started, udevd has the event, and once its queue is empty again, the
# rule's handling is over.
if wait_for $((T * 3)) test -s /run/vusb-run.pid; then
	ok "plugging in the trigger runs the rule"
else
	fail "plugging in the trigger runs the rule" "$(lsusb)"
fi
check "udevadm settle" udevadm settle --timeout=$((T * 3))
pid=$(cat /run/vusb-run.pid 2>/dev/null)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
	ok "the RUN+= rule started a daemon (pid $pid)"
else
	fail "the RUN+= rule started a daemon" "pidfile: '$pid'" "$(ps)" "$(lsusb)"
	echo "" >$g/UDC
	udevadm control --exit
	exit 0
fi
check_match "... whose keyboard is ready" "^runkbd +keyboard +[0-9]+ +[0-9-]+ +ready" vusbctl list
ppid=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$pid/status)
if [ "$ppid" = 1 ] && [ "$ppid" != "$udevd" ]; then
	ok "... re-parented to init, out of udevd's worker"
else
	fail "... re-parented to init, out of udevd's worker" "ppid $ppid, udevd $udevd"
fi
check "... holding none of udevd's pipes" sh -c "
	for f in 0 1 2; do [ \"\$(readlink /proc/$pid/fd/\$f)\" = /dev/null ] || exit 1; done"
sleep $((3 * VM_SLOW))
check "it outlives the rule's handling" kill -0 "$pid"
ev=$(evdev_for 1209 0002 | head -n1)
rm -f /tmp/k.ready
evread -n 2 -t $T --ready-file /tmp/k.ready "$ev" >/tmp/k.ev &
ER=$!
wait_for $T test -e /tmp/k.ready
check "... and serves: vusbctl runkbd type a" vusbctl runkbd type a
wait $ER
check_match "... the kernel gets KEY_A" "^EV_KEY KEY_A 1$" cat /tmp/k.ev

# Its own device matched nothing: still one vusb-attach.
udevadm settle --timeout=$T
check_match "no spawn loop: one vusb-attach" "^ *1$" sh -c 'grep -lx vusb-attach /proc/[0-9]*/comm | wc -l'

echo "" >$g/UDC
kill "$pid"
wait_for $T sh -c "! kill -0 $pid 2>/dev/null"
check "SIGTERM ends it, pidfile gone" test ! -e /run/vusb-run.pid
udevadm control --exit
# (It leaves /run/udev/control behind: vusb-attach checks that someone
# listens there before it waits for udevd.)
check "udevd ends" wait_for 10 sh -c '! pidof systemd-udevd'
rm /etc/udev/rules.d/70-vusb-run.rules
