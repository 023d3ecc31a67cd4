#!/bin/sh
# make bench, serial: throughput of 4 MiB of random bytes through the
# host's cdc_acm driver, host -> device (written to /dev/ttyACMn, read at
# the other end) and device -> host, at full and high speed, for
#
#   vusb     vusb-attach serial (its pty is the other end)
#   gadget   a configfs f_acm gadget on dummy_hcd (its /dev/ttyGS0),
#            dummy_hcd loaded with is_high_speed=0 for full speed
#
# in one boot. Each figure is the time from the writer's start to the
# reader's last byte (both raw ttys, the bytes compared after), in MB/s
# (10^6 bytes), as "bench: serial.DIR.COLUMN_SPEED.mbps VALUE" lines.
. /vusb/tests/lib.sh
need_cmd vusb-attach stty cmp head timeout
need_module cdc-acm

unset VUSB_WIRE_DIR
N=4194304
LONG=$((30 * VM_SLOW))
GDIR=/sys/kernel/config/usb_gadget/benchacm
GVID=1d6b
GPID=0106
head -c $N /dev/urandom >/tmp/r

bench() {
	echo "bench: $*"
}

# move KEY WRITE-TO READ-FROM [theirs]: N bytes, timed; a bench line when
# intact. A failure of the kernel's own path ("theirs") is a note, not ours.
move() {
	timeout $LONG head -c $N "$3" >/tmp/o &
	_r=$!
	_t0=$(_vm_uptime_cs)
	timeout $LONG cat /tmp/r >"$2"
	wait $_r
	_cs=$(($(_vm_uptime_cs) - _t0))
	[ $_cs -gt 0 ] || _cs=1
	if ! cmp -s /tmp/r /tmp/o; then
		if [ "${4:-}" = theirs ]; then
			note "$1: 4 MiB did not come through in $LONG s ($(wc -c </tmp/o) bytes): no figure"
			return 1
		fi
		fail "$1: 4 MiB intact" "$(cmp /tmp/r /tmp/o 2>&1)"
		return 1
	fi
	_mbps=$(awk -v n=$N -v cs=$_cs 'BEGIN { printf "%.2f", n / (cs / 100) / 1e6 }')
	ok "$1: 4 MiB in $((_cs / 100)).$((_cs / 10 % 10)) s, $_mbps MB/s"
	bench "serial.$1.mbps $_mbps"
	rm -f /tmp/o
}

# --- vusb ---------------------------------------------------------------------
for speed in full high; do
	if serial_start "bench_$speed" serial --speed $speed; then
		sleep 100000 <"$ACM" &
		hold=$!
		stty -F "$ACM" raw -echo
		move "h2d.vusb_$speed" "$ACM" "$PTS"
		move "d2h.vusb_$speed" "$PTS" "$ACM"
		kill $hold
		wait $hold 2>/dev/null
		kill -TERM $VA
		wait $VA
	fi
done

# --- a configfs f_acm gadget on dummy_hcd --------------------------------------

# gadget_acm: the host's ttyACM of the gadget, once cdc_acm made it
gadget_acm() {
	_d=$(usb_dev_for $GVID $GPID) || return 1
	_t=$(acm_of "${_d##*/}") || return 1
	echo "/dev/$_t"
}

gadget_up() {
	modprobe -r dummy_hcd 2>/dev/null
	modprobe dummy_hcd "$@" && modprobe libcomposite && modprobe usb_f_acm || return 1
	grep -q ' /sys/kernel/config ' /proc/mounts ||
		mount -t configfs none /sys/kernel/config || return 1
	mkdir "$GDIR" && mkdir "$GDIR/strings/0x409" "$GDIR/configs/c.1" \
		"$GDIR/functions/acm.usb0" || return 1
	echo 0x$GVID >"$GDIR/idVendor"
	echo 0x$GPID >"$GDIR/idProduct"
	echo "Gadget Serial" >"$GDIR/strings/0x409/product"
	ln -s "$GDIR/functions/acm.usb0" "$GDIR/configs/c.1/" || return 1
	ls /sys/class/udc | head -n 1 >"$GDIR/UDC" || return 1
}

gadget_down() {
	echo "" >"$GDIR/UDC" 2>/dev/null
	rm -f "$GDIR/configs/c.1/acm.usb0"
	rmdir "$GDIR/configs/c.1" "$GDIR/functions/acm.usb0" "$GDIR/strings/0x409" "$GDIR" \
		2>/dev/null
}

for speed in full high; do
	if [ $speed = full ]; then
		why=$(gadget_up is_high_speed=0 2>&1)
	else
		why=$(gadget_up 2>&1)
	fi
	if [ $? -ne 0 ]; then
		skip "f_acm gadget, $speed speed" "cannot set up an f_acm gadget on dummy_hcd: $why"
		gadget_down
		continue
	fi
	if ! wait_for 20 gadget_acm || ! wait_for 10 test -c /dev/ttyGS0; then
		fail "f_acm gadget, $speed speed: cdc_acm binds it" "$(dmesg | tail -n 20)"
		gadget_down
		continue
	fi
	acm=$(gadget_acm)
	note "f_acm gadget at $(cat "$(usb_dev_for $GVID $GPID)/speed") Mb/s: $acm, /dev/ttyGS0"
	sleep 100000 <"$acm" &
	hold=$!
	sleep 100000 </dev/ttyGS0 &
	ghold=$!
	stty -F "$acm" raw -echo
	stty -F /dev/ttyGS0 raw -echo
	move "h2d.gadget_$speed" "$acm" /dev/ttyGS0 theirs
	move "d2h.gadget_$speed" /dev/ttyGS0 "$acm" theirs
	kill $hold $ghold
	wait $hold $ghold 2>/dev/null
	gadget_down
done
modprobe -r dummy_hcd 2>/dev/null
rm -f /tmp/r /tmp/o
