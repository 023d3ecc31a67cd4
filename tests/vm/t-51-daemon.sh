#!/bin/sh
# vusb-attach --daemon: it returns only once every device is ready, its
# nodes already there, or fails with the reason; a locked pidfile; the
# log goes to syslog; vusbctl finds daemons like any instance.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread
need_module vhci-hcd

T=$((20 * VM_SLOW))

# A syslog to see where a daemon's messages go (busybox syslogd).
rm -f /dev/log
syslogd -n -O /tmp/syslog &
SL=$!
wait_for 5 test -S /dev/log || note "syslogd did not start: the syslog checks will fail"

gone() {
	! kill -0 "$1" 2>/dev/null
}

# Servers only: a privilege-dropping one forks a "vusb-cleaner" too.
servers() {
	grep -lx vusb-attach /proc/[0-9]*/comm 2>/dev/null | wc -l
}

no_vusb_left() {
	[ "$(servers)" -eq 0 ]
}

# --- ready before it returns ----------------------------------------------
out=$(timeout $T vusb-attach -d --pidfile /run/vusb-d.pid mouse keyboard 2>/tmp/d.err)
rc=$?
# Nothing may be waited for here: the nodes are there, or it failed.
ev=$(VM_EVDEV_WAIT=0 evdev_for 1209 0001 | head -n1)
kev=$(VM_EVDEV_WAIT=0 evdev_for 1209 0002 | head -n1)
if [ $rc -eq 0 ] && [ -n "$ev" ] && [ -c "$ev" ] && [ -n "$kev" ]; then
	ok "-d returns 0 with both event nodes in place ($ev, $kev)"
else
	fail "-d returns 0 with both event nodes in place" "exit $rc, event nodes: '$ev' '$kev'" \
		"$out" "$(cat /tmp/d.err)"
	exit 0
fi
note "$out"
check_match "-d prints the ready lines" "^mouse0: ready, port [0-9]+, busid [0-9-]+" echo "$out"
check_match "... and the nodes lines" "^keyboard0: nodes /dev/" echo "$out"
missing=
for n in $(echo "$out" | sed -n 's/^[a-z0-9]*: nodes//p'); do
	[ -c "$n" ] || missing="$missing $n"
done
if [ -z "$missing" ]; then ok "every node it names exists"; else fail "every node it names exists" "missing:$missing"; fi

pid=$(cat /run/vusb-d.pid 2>/dev/null)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
	ok "the pidfile names the running daemon ($pid)"
else
	fail "the pidfile names the running daemon" "pidfile: '$pid'" "$(ps)"
	exit 0
fi
ppid=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$pid/status)
sid=$(cut -d' ' -f6 /proc/$pid/stat)
if [ "$ppid" = 1 ] && [ "$sid" != "$(cut -d' ' -f6 /proc/$$/stat)" ] && [ "$sid" != "$pid" ]; then
	ok "a daemon: parent 1, its own session, not its leader"
else
	fail "a daemon: parent 1, its own session, not its leader" "ppid $ppid sid $sid pid $pid"
fi
check "its standard streams are /dev/null" sh -c "
	for f in 0 1 2; do [ \"\$(readlink /proc/$pid/fd/\$f)\" = /dev/null ] || exit 1; done"
check "its working directory is /" test "$(readlink /proc/$pid/cwd)" = /
check_match "vusbctl list shows the daemon's devices" "^keyboard0 +keyboard" vusbctl list
rm -f /tmp/d.ready
evread -n 1 -t $T --ready-file /tmp/d.ready "$ev" >/tmp/d.ev &
ER=$!
wait_for $T test -e /tmp/d.ready
check "vusbctl moves the daemon's mouse" vusbctl mouse0 move 4 0
wait $ER
check_match "... and the kernel sees it" "REL_X 4" cat /tmp/d.ev

# A second one with the same pidfile stops before touching anything.
check_match "a second daemon on the same pidfile fails, naming the first" "pid $pid" \
	sh -c 'vusb-attach -d --pidfile /run/vusb-d.pid mouse --name other 2>&1; [ $? -eq 1 ]'
check "... and attached nothing" sh -c '! vusbctl list | grep -q "^other "'
check "... and left the first one's pidfile alone" test "$(cat /run/vusb-d.pid)" = "$pid"

port=$(echo "$out" | sed -n 's/^mouse0: ready, port \([0-9]*\),.*/\1/p')
kill -TERM "$pid"
if wait_for $T gone "$pid"; then
	ok "SIGTERM ends the daemon"
else
	fail "SIGTERM ends the daemon" "$(ps)"
fi
check "... which removes its pidfile" test ! -e /run/vusb-d.pid
if lsusb | grep -q "1209:000[12]"; then fail "... and detaches its devices" "$(lsusb)"; else ok "... and detaches its devices"; fi
wait_for 5 grep -q "vusb-attach\[$pid\]: .*detaching" /tmp/syslog
check_match "its log went to syslog" "vusb-attach\[$pid\]: .*Terminated: detaching" cat /tmp/syslog

# --- failures reach the caller --------------------------------------------
hubs=$(for h in /sys/bus/usb/devices/usb*; do
	case $(readlink -f "$h") in */vhci_hcd.*) echo "$h" ;; esac
done)
for h in $hubs; do echo 0 >"$h/interface_authorized_default"; done
out=$(timeout $T vusb-attach -d --wait-ready=3 --pidfile /run/vusb-w.pid mouse 2>/tmp/w.err)
rc=$?
for h in $hubs; do echo 1 >"$h/interface_authorized_default"; done
if [ $rc -eq 1 ] && grep -q "interface [0-9.:-]* (HID) is not authorized" /tmp/w.err; then
	ok "-d: never bound: exit 1 with the reason ($(tail -n1 /tmp/w.err))"
else
	fail "-d: never bound: exit 1 with the reason" "exit $rc" "$out" "$(cat /tmp/w.err)"
fi
check "... no daemon left behind" wait_for 5 no_vusb_left
check "... no pidfile left behind" test ! -e /run/vusb-w.pid
if lsusb | grep -q "1209:0001"; then fail "... and nothing attached" "$(lsusb)"; else ok "... and nothing attached"; fi

rmmod vhci-hcd
check_match "-d --no-load without vhci_hcd: exit 3 with the reason" "vhci" \
	sh -c 'vusb-attach -d --no-load mouse 2>&1; [ $? -eq 3 ]'
check "... no daemon left behind" wait_for 5 no_vusb_left

# vhci-hcd not installed at all, as on Ubuntu without linux-modules-extra.
mods=/lib/modules/$(uname -r)
mv "$mods/kernel/drivers/usb/usbip" /tmp/usbip-mods
depmod
# No dpkg in the VM: a stand-in answers as Debian's does, apt knows it.
printf '#!/bin/sh\necho "linux-image-%s: /lib/modules/%s"\n' "$(uname -r)" "$(uname -r)" \
	>/usr/bin/dpkg-query
printf '#!/bin/sh\necho "Package: $3"\n' >/usr/bin/apt-cache
chmod +x /usr/bin/dpkg-query /usr/bin/apt-cache
check_match "-d with vhci-hcd not installed: exit 3 naming the package" \
	"apt install linux-image-$(uname -r)" sh -c 'vusb-attach -d mouse 2>&1; [ $? -eq 3 ]'
rm -f /usr/bin/dpkg-query /usr/bin/apt-cache
mv /tmp/usbip-mods "$mods/kernel/drivers/usb/usbip"
depmod
check "... no daemon left behind" wait_for 5 no_vusb_left

# The daemon loads vhci-hcd itself when it may.
out=$(timeout $T vusb-attach -d --pidfile /run/vusb-l.pid tablet 2>/tmp/l.err)
check_match "-d loads vhci-hcd and gets ready" "^tablet0: nodes /dev/" echo "$out"
kill "$(cat /run/vusb-l.pid)"
wait_for $T no_vusb_left
kill $SL
