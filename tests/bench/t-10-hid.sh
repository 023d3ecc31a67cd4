#!/bin/sh
# make bench, HID: a mouse move's latency to its evdev event, and the time
# from the attaching action to the input node, for the same mouse served
# four ways in one boot:
#
#   direct        vusb-attach mouse (vhci over a socketpair)
#   usbip         vusb-attach --listen mouse, then usbip attach over loopback
#   gadget        a configfs f_hid gadget with the same report, on dummy_hcd
#   gadget_usbip  that gadget exported by usbipd (usbip-host), usbip attach
#
# Results are "bench: KEY VALUE" lines that tests/bench/run collects.
# inputlat times each move from just before the trigger (vusb's control
# socket, or write() to /dev/hidg0) to the event's CLOCK_MONOTONIC stamp;
# attachtime from just before the action (starting the program, writing
# the gadget's UDC) to the uevent of the input node. Attach times are the
# median of three.
. /vusb/tests/lib.sh
need_cmd vusb-attach inputlat attachtime evread
need_module vhci-hcd usbhid hid-generic evdev

N=1000
# The harness's wire tap (src/usbip/conn.c) would copy every byte vusb sends and
# receives to a file: not what is measured here.
unset VUSB_WIRE_DIR
T=$((20 * VM_SLOW))
# The gadget: Linux Foundation's composite gadget ID, vusb's mouse report.
GVID=1d6b
GPID=0104
GDIR=/sys/kernel/config/usb_gadget/bench
MOUSE_DESC='\005\001\011\002\241\001\011\001\241\000\005\011\031\001\051\005\025\000\045\001\225\005\165\001\201\002\225\001\165\003\201\001\005\001\011\060\011\061\011\070\025\201\045\177\165\010\225\003\201\006\005\014\012\070\002\225\001\201\006\300\300'
mkdir -p /var/run

bench() {
	echo "bench: $*"
}

# latency KEY TRIGGER EVDEV: N moves; bench lines for the median and p99.
latency() {
	# usbhid opens the interrupt pipe with the first reader; let the hub
	# and input layers settle first.
	sleep 1
	if ! inputlat -n "$N" -w 50 ${4:-} "$2" "$3" >/tmp/lat.$1 2>&1; then
		fail "$1: inputlat" "$(cat /tmp/lat.$1)"
		return 1
	fi
	ok "$1 latency: $(cat /tmp/lat.$1)"
	bench "hid.latency.$1.median_us $(sed -n 's/.* median \([0-9]*\) us.*/\1/p' /tmp/lat.$1)"
	bench "hid.latency.$1.p99_us $(sed -n 's/.* p99 \([0-9]*\) us.*/\1/p' /tmp/lat.$1)"
}

# attach KEY ROUND ATTACHTIME-ARGS...: time to the input node; sets $pid
# and $node, and adds the time to /tmp/at.KEY.all.
attach() {
	_k=$1
	_r=$2
	shift 2
	pid=
	if ! attachtime -t "$T" "$@" >/tmp/at.$_k 2>&1; then
		fail "$_k: attach ($_r)" "$(cat /tmp/at.$_k /tmp/$_k.out 2>/dev/null)"
		return 1
	fi
	pid=$(sed -n 's/.* pid \([0-9]*\)$/\1/p' /tmp/at.$_k)
	node=/dev/$(sed -n 's/^attachtime: [0-9]* us \([^ ]*\) .*/\1/p' /tmp/at.$_k)
	note "$_k attach ($_r): $(cat /tmp/at.$_k)"
	awk '{ print $2 }' /tmp/at.$_k >>/tmp/at.$_k.all
}

# The median of the attach times of KEY, in ms.
attach_result() {
	[ -s /tmp/at.$1.all ] || return 0
	_ms=$(sort -n /tmp/at.$1.all | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }')
	ok "$1: attached in $_ms ms (median of $(wc -l </tmp/at.$1.all))"
	bench "hid.attach.$1.ms $_ms"
}

# Until no input node of VID:PID is left.
gone() {
	_n=0
	while VM_EVDEV_WAIT=0 evdev_for "$1" "$2" >/dev/null 2>&1; do
		_n=$((_n + 1))
		[ $_n -gt $((T * 10)) ] && return 1
		sleep 0.1
	done
}

# Detach every vhci port in use (state 006), as usbip detach would.
detach_all() {
	for _p in $(cat /sys/devices/platform/vhci_hcd.*/status* | awk '$3 == "006" { print $2 + 0 }'); do
		usbip detach -p "$_p" >/dev/null 2>&1 ||
			echo "$_p" >/sys/devices/platform/vhci_hcd.0/detach
	done
}

# rollup PID FIELD: a field of /proc/PID/smaps_rollup, in kB. Not VmRSS:
# the kernel updates that in batches of 64 page faults per counter, so a
# small or young process reads hundreds of kB off (a libc-only program
# read 244 kB there, 1.2 MB in its mappings).
rollup() {
	sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/smaps_rollup"
}

# idle_cpu PID EVDEV: the CPU time (utime + stime of /proc/PID/stat, in
# USER_HZ ticks: 100 on x86) of the process serving an idle mouse over
# IDLE_S seconds, in percent, while a reader holds its input node open (so
# usbhid keeps an interrupt URB pending in it, as under a desktop). An
# idle vusb-attach never spins.
IDLE_S=60
idle_cpu() {
	evread -t $((IDLE_S + 30)) "$2" >/dev/null 2>&1 &
	_r=$!
	sleep 2
	_c0=$(awk '{ print $14 + $15 }' /proc/$1/stat)
	sleep $IDLE_S
	_c1=$(awk '{ print $14 + $15 }' /proc/$1/stat)
	kill $_r 2>/dev/null
	wait $_r 2>/dev/null
	_pct=$(awk -v t=$((_c1 - _c0)) -v hz=100 \
		-v s=$IDLE_S 'BEGIN { printf "%.2f", 100 * t / hz / s }')
	bench "hid.idle_mouse.cpu_pct $_pct"
	if [ $((_c1 - _c0)) -eq 0 ]; then
		ok "an idle mouse's vusb-attach used no CPU time in ${IDLE_S} s"
	else
		fail "an idle mouse's vusb-attach used no CPU time in ${IDLE_S} s" \
			"$((_c1 - _c0)) clock ticks ($_pct%)"
	fi
}

# --- for scale: the resident memory of a small program on the same libc ---
# (attachtime waiting in poll(): libc and the dynamic loader, nothing else)
attachtime -t 60 -n none/ -w /dev/null x >/dev/null 2>&1 &
apid=$!
sleep 1
bench "mem.libc_program.rss_kb $(rollup $apid Rss)"
kill $apid
wait $apid 2>/dev/null

# --- vusb, attached directly ------------------------------------------------

for r in 1 2 3; do
	attach direct $r -o /tmp/direct.out -- vusb-attach -q --no-stdin mouse --name direct || break
	[ $r = 3 ] && break
	kill -TERM "$pid"
	wait_for "$T" sh -c "! kill -0 $pid 2>/dev/null"
	gone 1209 0001
done
attach_result direct
if [ -n "${pid:-}" ] && kill -0 "$pid" 2>/dev/null; then
	# Resident memory of a process serving one mouse: all of it, its
	# share of what it shares (Pss), and its own (anonymous).
	bench "mem.one_mouse.rss_kb $(rollup $pid Rss)"
	bench "mem.one_mouse.pss_kb $(rollup $pid Pss)"
	bench "mem.one_mouse.anonymous_kb $(rollup $pid Anonymous)"
	awk '/^[0-9a-f]+-[0-9a-f]+ / { n = ($6 == "" ? "[anon]" : $6) " " $2 }
	     /^Rss:/ { r[n] += $2 }
	     END { for (k in r) if (r[k]) printf "# rss %5d kB %s\n", r[k], k }' \
		/proc/$pid/smaps | sort -k3 -rn | head -n 24
	latency direct direct "$node"
	latency direct_session direct "$node" -s
	# A program holding the report socket open, as one holds /dev/hidg0.
	latency direct_socket "${VUSB_RUNDIR:-/run/vusb}/dev/direct.hid" "$node"
	idle_cpu "$pid" "$node"
	kill -TERM "$pid"
	wait_for "$T" sh -c "! kill -0 $pid 2>/dev/null"
fi
gone 1209 0001
pid=

# --- vusb, attached directly, with a capture running (--capture) -----------

if attach direct_capture 1 -o /tmp/capture.out -- vusb-attach -q --no-stdin mouse \
	--name capt --capture /tmp/capt.pcapng; then
	latency direct_capture capt "$node"
	kill -TERM "$pid"
	wait_for "$T" sh -c "! kill -0 $pid 2>/dev/null"
	note "capture: $(wc -c </tmp/capt.pcapng) bytes"
fi
rm -f /tmp/capt.pcapng
gone 1209 0001
pid=

# --- vusb, exported and imported with usbip over loopback -------------------

if command -v usbip >/dev/null; then
	vusb-attach -q --no-stdin --listen mouse --name remote >/tmp/remote.out 2>&1 &
	vpid=$!
	if wait_for "$T" grep -q '^remote: exported, busid 1-1$' /tmp/remote.out; then
		for r in 1 2 3; do
			attach usbip $r -- usbip attach -r 127.0.0.1 -b 1-1 || break
			[ $r = 3 ] && break
			detach_all
			gone 1209 0001
			# vusb offers the device again once the importer has gone.
			sleep 0.5
		done
		attach_result usbip
		[ -n "$pid" ] && latency usbip remote "$node" &&
			latency usbip_session remote "$node" -s
		detach_all
	else
		fail "vusb-attach --listen" "$(cat /tmp/remote.out)"
	fi
	kill -TERM "$vpid"
	wait "$vpid"
	gone 1209 0001
else
	skip "usbip over loopback" "no usbip in the VM image"
fi
pid=

# --- a configfs f_hid gadget on dummy_hcd ----------------------------------

gadget_setup() {
	modprobe dummy_hcd && modprobe libcomposite && modprobe usb_f_hid || return 1
	grep -q ' /sys/kernel/config ' /proc/mounts ||
		mount -t configfs none /sys/kernel/config || return 1
	mkdir "$GDIR" && mkdir "$GDIR/strings/0x409" "$GDIR/configs/c.1" \
		"$GDIR/functions/hid.usb0" || return 1
	echo 0x$GVID >"$GDIR/idVendor"
	echo 0x$GPID >"$GDIR/idProduct"
	echo bench >"$GDIR/strings/0x409/serialnumber"
	echo "Gadget Mouse" >"$GDIR/strings/0x409/product"
	echo 1 >"$GDIR/functions/hid.usb0/subclass"
	echo 2 >"$GDIR/functions/hid.usb0/protocol"
	echo 5 >"$GDIR/functions/hid.usb0/report_length"
	# shellcheck disable=SC2059 # the descriptor's bytes, as octal escapes
	printf "$MOUSE_DESC" >"$GDIR/functions/hid.usb0/report_desc"
	ln -s "$GDIR/functions/hid.usb0" "$GDIR/configs/c.1/"
}

gadget_teardown() {
	echo "" >"$GDIR/UDC" 2>/dev/null
	rm -f "$GDIR/configs/c.1/hid.usb0"
	rmdir "$GDIR/configs/c.1" "$GDIR/functions/hid.usb0" "$GDIR/strings/0x409" "$GDIR" 2>/dev/null
}

udc=
if ! why=$(gadget_setup 2>&1); then
	skip "f_hid gadget" "cannot set up a configfs HID gadget on dummy_hcd: $why"
else
	udc=$(ls /sys/class/udc | head -n 1)
fi
if [ -n "$udc" ]; then
	for r in 1 2 3; do
		attach gadget $r -w "$GDIR/UDC" "$udc" || break
		[ $r = 3 ] && break
		echo "" >"$GDIR/UDC"
		gone $GVID $GPID
	done
	attach_result gadget
fi
if [ -n "$pid" ]; then
	wait_for "$T" test -c /dev/hidg0
	latency gadget /dev/hidg0 "$node"

	# --- the same gadget through usbip-host, usbipd and usbip attach ---
	gbus=$(usb_dev_for $GVID $GPID)
	gbus=${gbus##*/}
	if command -v usbipd >/dev/null && modprobe usbip-host; then
		usbipd -D >/tmp/usbipd.out 2>&1
		wait_for "$T" usbip list -r 127.0.0.1
		if usbip bind -b "$gbus" >/tmp/bind.out 2>&1; then
			pid=
			for r in 1 2 3; do
				attach gadget_usbip $r -- usbip attach -r 127.0.0.1 -b "$gbus" || break
				[ $r = 3 ] && break
				detach_all
				gone $GVID $GPID
				sleep 0.5
			done
			attach_result gadget_usbip
			[ -n "$pid" ] && latency gadget_usbip /dev/hidg0 "$node"
			detach_all
			usbip unbind -b "$gbus" >/dev/null 2>&1
		else
			fail "usbip bind $gbus" "$(cat /tmp/bind.out)"
		fi
		killall usbipd 2>/dev/null
	else
		skip "gadget over usbip" "no usbipd or usbip-host"
	fi
fi
[ -n "$udc" ] && gadget_teardown
exit 0
