#!/bin/sh
# make bench, storage: sequential throughput (dd, 1 MiB blocks, O_DIRECT,
# 64 MiB each way) and 4 KiB random reads at queue depth 1, through vusb
# and through the kernel's own path, in one boot of the same VM, every
# disk backed by a file on the same tmpfs:
#
#   vusb           vusb-attach storage on vhci (high speed, the default)
#   vusb_ss        the same with --superspeed
#   vusb_capture   vusb with a capture running (--capture, --capture-snaplen
#                  64: every command and status kept, the data copied for
#                  the capture but not stored)
#   vusb_usbip     vusb-attach --listen, imported with usbip attach (TCP
#                  over loopback)
#   gadget         a configfs mass_storage gadget on dummy_hcd (high
#                  speed), used on dummy_hcd's host side
#   gadget_usbip   a second such gadget, exported by usbip-host and
#                  usbipd, imported with usbip attach over loopback
#
# All five disks exist at once and the runs go round them, ROUNDS times:
# what else runs on the machine (TCG makes the guest sensitive to the
# host's load) then weighs on every path alike, instead of on whichever
# came first. The figure of a path is the median of its rounds.
#
# Prints "bench: storage.seq_read.PATH.mbps N" (seq_write, randread_4k
# ... iops, cpu_s_per_gib) lines for tests/bench/run and
# tests/bench/storage, and a table with the ratios as comments. A
# measurement, not a test: only a path that could not be set up fails.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl dd
need_module vhci-hcd usb-storage sd_mod

# The test harness's wire tap (src/usbip/conn.c) copies every byte to a file:
# not what is measured here.
unset VUSB_WIRE_DIR

MB=64
ROUNDS=5
T=$((60 * VM_SLOW))
echo 0 >/sys/module/usb_storage/parameters/delay_use

bench() {
	echo "bench: $*"
}

now_cs() {
	awk '{ printf "%d\n", $1 * 100 }' /proc/uptime
}

# dd_rate DD-ARGS...: MB/s (10^6 bytes) of one run of MB MiB. Timed here:
# the shell's own dd applet prints no time, and the runs take seconds.
dd_rate() {
	_t0=$(now_cs)
	if ! dd "$@" 2>/tmp/dd.err; then
		echo "# dd $*: $(tail -n 1 /tmp/dd.err)" >&2
		echo 0
		return
	fi
	awk -v t=$(($(now_cs) - _t0)) -v mb=$MB \
		'BEGIN { printf "%.1f\n", (t > 0 ? mb * 1048576 / 1e6 / (t / 100) : 0) }'
}

median() {
	printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# cpu_cs PID: user + system time of a process so far, in centiseconds
cpu_cs() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# Paths set up: "KEY SERIAL PID" lines (PID: the vusb-attach serving it, or -)
PATHS=
add_path() {
	if wait_for $T disk_of_serial "$2"; then
		PATHS="$PATHS$1 $2 ${3:--}
"
		note "$1: $(disk_of_serial "$2")"
	else
		fail "$1: a disk with serial $2" "$(cat /tmp/$1.out /tmp/$1.err 2>/dev/null | tail -n 5)"
	fi
}

# vusb KEY SERIAL ARGS...: a vusb-attach of its own for each path
vusb() {
	_k=$1 _s=$2
	shift 2
	rm -f /tmp/$_k.img
	vusb-attach -q --no-stdin storage "$@" --name "$_k" --serial "$_s" \
		--create $((MB + 8))M /tmp/$_k.img >/tmp/$_k.out 2>/tmp/$_k.err &
	eval "PID_$_k=$!"
}

# --- vusb ---------------------------------------------------------------------

vusb vusb VUSBHS000001
vusb vusb_ss VUSBSS000001 --superspeed
vusb vusb_capture VUSBCP000001 --capture /tmp/vusb_capture.pcapng --capture-snaplen 64
if command -v usbip >/dev/null; then
	rm -f /tmp/vusb_usbip.img
	vusb-attach -q --no-stdin --listen 127.0.0.1:3241 storage --name vusb_usbip \
		--serial VUSBIP000001 --create $((MB + 8))M /tmp/vusb_usbip.img \
		>/tmp/vusb_usbip.out 2>/tmp/vusb_usbip.err &
	PID_vusb_usbip=$!
	if wait_for $T grep -q '^vusb_usbip: exported, busid ' /tmp/vusb_usbip.out; then
		b=$(sed -n 's/^vusb_usbip: exported, busid //p' /tmp/vusb_usbip.out)
		usbip --tcp-port 3241 attach -r 127.0.0.1 -b "$b" >>/tmp/vusb_usbip.err 2>&1
	fi
fi
add_path vusb VUSBHS000001 "$PID_vusb"
add_path vusb_ss VUSBSS000001 "$PID_vusb_ss"
add_path vusb_capture VUSBCP000001 "$PID_vusb_capture"
[ -n "${PID_vusb_usbip:-}" ] && add_path vusb_usbip VUSBIP000001 "$PID_vusb_usbip"

# --- the kernel's own: two gadgets on dummy_hcd -----------------------------------

CFG=/sys/kernel/config/usb_gadget
gadget_up() { # NAME SERIAL UDC
	_g=$CFG/$1
	dd if=/dev/zero of=/tmp/$1.img bs=1M count=0 seek=$((MB + 8)) 2>/dev/null
	mkdir -p $_g/strings/0x409 $_g/configs/c.1 $_g/functions/mass_storage.0 || return 1
	echo 0x1d6b >$_g/idVendor # Linux Foundation
	echo 0x0104 >$_g/idProduct # multifunction composite gadget
	echo 0x0200 >$_g/bcdUSB
	echo "$2" >$_g/strings/0x409/serialnumber
	echo "vusb bench gadget" >$_g/strings/0x409/product
	echo /tmp/$1.img >$_g/functions/mass_storage.0/lun.0/file
	ln -s $_g/functions/mass_storage.0 $_g/configs/c.1/
	echo "$3" >$_g/UDC
}

gadget_down() { # NAME
	_g=$CFG/$1
	[ -d $_g ] || return 0
	echo "" >$_g/UDC 2>/dev/null
	rm -f $_g/configs/c.1/mass_storage.0
	rmdir $_g/configs/c.1 $_g/functions/mass_storage.0 $_g/strings/0x409 $_g 2>/dev/null
	rm -f /tmp/$1.img
}

busid_of_serial() {
	for _d in /sys/bus/usb/devices/*; do
		[ "$(cat "$_d/serial" 2>/dev/null)" = "$1" ] && echo "${_d##*/}" && return 0
	done
	return 1
}

GADGETS=
# Two UDCs; dummy_hcd loaded earlier in this boot with one is reloaded.
if [ "$(ls /sys/class/udc 2>/dev/null | wc -l)" -lt 2 ]; then
	rmmod dummy_hcd 2>/dev/null
fi
if modprobe libcomposite && modprobe usb_f_mass_storage && modprobe dummy_hcd num=2 &&
	{ grep -q ' /sys/kernel/config ' /proc/mounts || mount -t configfs none /sys/kernel/config; }; then
	udcs=$(ls /sys/class/udc)
	note "UDCs: $(echo $udcs)"
	u0=$(echo "$udcs" | sed -n 1p)
	u1=$(echo "$udcs" | sed -n 2p)
	if gadget_up gadget GADGETDIRECT "$u0"; then
		GADGETS="$GADGETS gadget"
		add_path gadget GADGETDIRECT
	fi
	if [ -n "$u1" ] && command -v usbipd >/dev/null && modprobe usbip-host &&
		gadget_up gadget_usbip GADGETUSBIP0 "$u1" && GADGETS="$GADGETS gadget_usbip" &&
		wait_for $T busid_of_serial GADGETUSBIP0; then
		gb=$(busid_of_serial GADGETUSBIP0)
		usbipd -D >/dev/null 2>&1
		sleep 1
		if usbip bind -b "$gb" >/tmp/gadget_usbip.err 2>&1 &&
			usbip attach -r 127.0.0.1 -b "$gb" >>/tmp/gadget_usbip.err 2>&1; then
			add_path gadget_usbip GADGETUSBIP0
		else
			fail "gadget_usbip: usbip bind and attach of $gb" "$(cat /tmp/gadget_usbip.err)"
		fi
	else
		skip "gadget_usbip" "no second UDC, usbipd or usbip-host"
	fi
else
	skip "gadget" "no dummy_hcd, libcomposite or usb_f_mass_storage in this kernel"
fi

# --- the rounds -------------------------------------------------------------------

printf '%s' "$PATHS" | while read -r k s p; do
	[ "$p" != - ] && echo "$k $(cpu_cs "$p")" >>/tmp/cpu0
done
for r in $(seq $ROUNDS); do
	printf '%s' "$PATHS" >/tmp/paths
	while read -r k s p; do
		d=$(disk_of_serial "$s") || continue
		echo "$(dd_rate if=/dev/zero of="$d" bs=1M count=$MB oflag=direct)" >>/tmp/w.$k
		echo "$(dd_rate if="$d" of=/dev/null bs=1M count=$MB iflag=direct)" >>/tmp/r.$k
	done </tmp/paths
done

ROWS=
printf '%s' "$PATHS" >/tmp/paths
while read -r k s p; do
	w=$(median $(cat /tmp/w.$k))
	r=$(median $(cat /tmp/r.$k))
	bench "storage.seq_write.$k.mbps $w"
	bench "storage.seq_read.$k.mbps $r"
	if [ "$p" != - ]; then
		c0=$(sed -n "s/^$k //p" /tmp/cpu0)
		# CPU seconds the serving process spent per GiB moved.
		bench "storage.cpu_s_per_gib.$k $(awk -v c=$(($(cpu_cs "$p") - c0)) \
			-v m=$((2 * ROUNDS * MB)) 'BEGIN { printf "%.2f", c / 100 / (m / 1024) }')"
	fi
	iops=-
	if command -v randread >/dev/null; then
		iops=$(randread -b 4096 -s 3 "$(disk_of_serial "$s")" 2>/dev/null |
			sed -n 's/.*IOPS \([0-9]*\).*/\1/p')
		[ -n "$iops" ] && bench "storage.randread_4k.$k.iops $iops"
	fi
	note "$k: write $(echo $(cat /tmp/w.$k)) MB/s; read $(echo $(cat /tmp/r.$k)) MB/s; 4k random read ${iops:--} IOPS"
	ROWS="$ROWS$k $w $r ${iops:--}
"
	ok "$k: measured"
done </tmp/paths

# --- the table, then tidy up --------------------------------------------------------

printf '%s' "$ROWS" | awk -v mb=$MB -v n=$ROUNDS '
	NF == 4 { k[++c] = $1; w[$1] = $2; r[$1] = $3; io[$1] = $4 }
	function ratio(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "-" }
	END {
		printf "# storage, dd bs=1M count=%d O_DIRECT, median of %d rounds (MB/s)\n", mb, n
		printf "# %-14s %8s %8s %10s\n", "path", "write", "read", "4k IOPS"
		for (i = 1; i <= c; i++)
			printf "# %-14s %8s %8s %10s\n", k[i], w[k[i]], r[k[i]], io[k[i]]
		if ("vusb" in w) {
			printf "# vusb / gadget+usbip: write %s, read %s (target >= 1.5x)\n",
				ratio(w["vusb"], w["gadget_usbip"]), ratio(r["vusb"], r["gadget_usbip"])
			printf "# vusb / gadget:       write %s, read %s (target >= 1x)\n",
				ratio(w["vusb"], w["gadget"]), ratio(r["vusb"], r["gadget"])
		}
	}'

usbip port 2>/dev/null | sed -n 's/^Port \([0-9]*\):.*/\1/p' | while read -r port; do
	usbip detach -p "$port" >/dev/null 2>&1
done
[ -n "${gb:-}" ] && usbip unbind -b "$gb" >/dev/null 2>&1
killall usbipd 2>/dev/null
for g in $GADGETS; do
	gadget_down $g
done
for p in ${PID_vusb:-} ${PID_vusb_ss:-} ${PID_vusb_capture:-} ${PID_vusb_usbip:-}; do
	kill -TERM "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done
rm -f /tmp/vusb*.img /tmp/vusb_capture.pcapng /tmp/w.* /tmp/r.* /tmp/cpu0 /tmp/paths
