#!/bin/sh
# make bench, storage: sequential throughput (dd, 1 MiB blocks, O_DIRECT,
# 64 MiB each way, the median of three runs) and 4 KiB random reads at
# queue depth 1, through vusb and through the kernel's own path, in one
# boot of the same VM, each disk backed by a file on the same tmpfs:
#
#   vusb           vusb-attach storage on vhci (high speed, the default)
#   vusb_ss        the same with --superspeed
#   vusb_usbip     vusb-attach --listen, imported with usbip attach (TCP
#                  over loopback)
#   gadget         a configfs mass_storage gadget on dummy_hcd (high
#                  speed), read and written on dummy_hcd's host side
#   gadget_usbip   that gadget exported by usbip-host and usbipd, imported
#                  with usbip attach over loopback
#
# Prints "bench: storage.seq_read.PATH.mbps N" (seq_write, randread_4k
# ... iops) lines for tests/bench/run and tests/bench/storage, and a table
# with the ratios as comments. A measurement, not a test: only a path that
# could not be set up is reported as failed.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl dd
need_module vhci-hcd usb-storage sd_mod

# The test harness's wire tap (src/conn.c) copies every byte to a file:
# not what is measured here.
unset VUSB_WIRE_DIR

MB=64
REPS=3
T=$((60 * VM_SLOW))
echo 0 >/sys/module/usb_storage/parameters/delay_use

bench() {
	echo "bench: $*"
}

# disk_of BUSID: the block device usb-storage made for that USB device,
# once sd has read its capacity (a write before that fails)
disk_of() {
	for _b in /sys/bus/usb/devices/"$1":1.0/host*/target*/*/block/*; do
		[ -b "/dev/${_b##*/}" ] && [ "$(cat "$_b/size" 2>/dev/null)" -gt 0 ] 2>/dev/null || continue
		echo "${_b##*/}"
		return 0
	done
	return 1
}

# disk_of_id VID PID: the block device of any USB device with those IDs
disk_of_id() {
	for _d in /sys/bus/usb/devices/*; do
		[ -r "$_d/idVendor" ] || continue
		[ "$(cat "$_d/idVendor")" = "$1" ] && [ "$(cat "$_d/idProduct")" = "$2" ] || continue
		disk_of "${_d##*/}" && return 0
	done
	return 1
}

# now_cs: centiseconds since boot
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

ROWS=
# measure PATH DEV [PID]: the figures for one path; PID, if given, is the
# process serving it, whose CPU time is noted too.
measure() {
	_k=$1 _dev=$2 _pid=${3:-}
	_w= _r=
	_c0=$([ -n "$_pid" ] && cpu_cs "$_pid")
	for _i in $(seq $REPS); do
		_w="$_w $(dd_rate if=/dev/zero of="$_dev" bs=1M count=$MB oflag=direct)"
	done
	for _i in $(seq $REPS); do
		_r="$_r $(dd_rate if="$_dev" of=/dev/null bs=1M count=$MB iflag=direct)"
	done
	_mw=$(median $_w)
	_mr=$(median $_r)
	bench "storage.seq_write.$_k.mbps $_mw"
	bench "storage.seq_read.$_k.mbps $_mr"
	if [ -n "$_pid" ]; then
		# CPU seconds the serving process spent per GiB moved.
		_cs=$(($(cpu_cs "$_pid") - _c0))
		bench "storage.cpu_s_per_gib.$_k $(awk -v c="$_cs" -v m=$((2 * REPS * MB)) \
			'BEGIN { printf "%.2f", c / 100 / (m / 1024) }')"
	fi
	_iops=-
	if command -v randread >/dev/null; then
		_iops=$(randread -b 4096 -s 3 "$_dev" 2>/dev/null | sed -n 's/.*IOPS \([0-9]*\).*/\1/p')
		[ -n "$_iops" ] && bench "storage.randread_4k.$_k.iops $_iops"
	fi
	note "$_k: write$_w MB/s; read$_r MB/s; 4k random read ${_iops:-?} IOPS"
	ROWS="$ROWS$_k $_mw $_mr ${_iops:--}
"
	ok "$_k: measured"
}

# vusb_path KEY ARGS...: vusb-attach storage ARGS on a fresh image
vusb_path() {
	_k=$1
	shift
	rm -f /tmp/v.img
	vusb-attach -q --no-stdin storage "$@" --create $((MB + 16))M /tmp/v.img \
		>/tmp/v.out 2>/tmp/v.err &
	_va=$!
	if ! wait_for $T grep -q "^storage0: ready" /tmp/v.out ||
		! wait_for $T disk_of_id 1209 0004; then
		fail "$_k: vusb-attach storage $*" "$(cat /tmp/v.out /tmp/v.err)"
		kill $_va 2>/dev/null
		wait $_va 2>/dev/null
		return
	fi
	measure "$_k" "/dev/$(disk_of_id 1209 0004)" $_va
	kill -TERM $_va
	wait $_va
	rm -f /tmp/v.img
}

# usbip_port_of BUSID: the vhci port usbip attach put the remote BUSID on
usbip_port_of() {
	usbip port 2>/dev/null | awk -v b="$1" '/^Port [0-9]+:/ { p = $2 + 0 }
		$0 ~ "/" b "$" { print p; exit }'
}

# --- vusb -------------------------------------------------------------------

vusb_path vusb
vusb_path vusb_ss --superspeed

if command -v usbip >/dev/null; then
	rm -f /tmp/v.img
	vusb-attach -q --no-stdin --listen 127.0.0.1:3240 storage --create $((MB + 16))M /tmp/v.img \
		>/tmp/l.out 2>/tmp/l.err &
	LA=$!
	if wait_for $T grep -q '^storage0: exported, busid ' /tmp/l.out; then
		LB=$(sed -n 's/^storage0: exported, busid //p' /tmp/l.out)
		if usbip attach -r 127.0.0.1 -b "$LB" >/tmp/ua.out 2>&1 &&
			wait_for $T disk_of_id 1209 0004; then
			measure vusb_usbip "/dev/$(disk_of_id 1209 0004)" $LA
			usbip detach -p "$(usbip_port_of "$LB")" >/dev/null 2>&1
		else
			fail "vusb_usbip: usbip attach -r 127.0.0.1 -b $LB" "$(cat /tmp/ua.out /tmp/l.err)"
		fi
	else
		fail "vusb_usbip: vusb-attach --listen" "$(cat /tmp/l.out /tmp/l.err)"
	fi
	kill -TERM $LA
	wait $LA
	rm -f /tmp/v.img
fi

# --- the kernel's own: a gadget on dummy_hcd ---------------------------------

G=/sys/kernel/config/usb_gadget/vusbbench
gadget_up() {
	modprobe libcomposite && modprobe usb_f_mass_storage && modprobe dummy_hcd || return 1
	grep -q ' /sys/kernel/config ' /proc/mounts || mount -t configfs none /sys/kernel/config ||
		return 1
	dd if=/dev/zero of=/tmp/g.img bs=1M count=0 seek=$((MB + 16)) 2>/dev/null
	mkdir -p $G/strings/0x409 $G/configs/c.1 $G/functions/mass_storage.0 || return 1
	echo 0x1d6b >$G/idVendor # Linux Foundation
	echo 0x0104 >$G/idProduct # multifunction composite gadget
	echo 0x0200 >$G/bcdUSB
	echo 0123456789AB >$G/strings/0x409/serialnumber
	echo "vusb bench gadget" >$G/strings/0x409/product
	echo /tmp/g.img >$G/functions/mass_storage.0/lun.0/file
	ln -s $G/functions/mass_storage.0 $G/configs/c.1/
	ls /sys/class/udc | head -n 1 >$G/UDC
}

gadget_down() {
	echo "" >$G/UDC 2>/dev/null
	rm -f $G/configs/c.1/mass_storage.0
	rmdir $G/configs/c.1 $G/functions/mass_storage.0 $G/strings/0x409 $G 2>/dev/null
	rm -f /tmp/g.img
}

if gadget_up && wait_for $T disk_of_id 1d6b 0104; then
	GBUSID=
	for d in /sys/bus/usb/devices/*; do
		[ -r "$d/idProduct" ] && [ "$(cat "$d/idVendor"):$(cat "$d/idProduct")" = 1d6b:0104 ] &&
			GBUSID=${d##*/}
	done
	note "gadget: $(cat /sys/bus/usb/devices/$GBUSID/speed) Mb/s on $(ls /sys/class/udc)"
	measure gadget "/dev/$(disk_of_id 1d6b 0104)"

	if command -v usbipd >/dev/null && modprobe usbip-host; then
		usbipd -D >/dev/null 2>&1
		sleep 1
		if usbip bind -b "$GBUSID" >/tmp/ub.out 2>&1 &&
			usbip attach -r 127.0.0.1 -b "$GBUSID" >/tmp/ua.out 2>&1 &&
			wait_for $T disk_of_id 1d6b 0104; then
			measure gadget_usbip "/dev/$(disk_of_id 1d6b 0104)"
			usbip detach -p "$(usbip_port_of "$GBUSID")" >/dev/null 2>&1
		else
			fail "gadget_usbip: usbip bind and attach of $GBUSID" "$(cat /tmp/ub.out /tmp/ua.out)"
		fi
		usbip unbind -b "$GBUSID" >/dev/null 2>&1
		killall usbipd 2>/dev/null
	else
		skip "gadget_usbip" "no usbipd or usbip-host in this VM"
	fi
else
	skip "gadget" "no dummy_hcd, libcomposite or usb_f_mass_storage: $(ls /sys/class/udc 2>&1)"
fi
gadget_down

# --- the table ----------------------------------------------------------------

printf '%s' "$ROWS" | awk -v mb=$MB -v reps=$REPS '
	NF == 4 { k[++n] = $1; w[$1] = $2; r[$1] = $3; io[$1] = $4 }
	function ratio(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "-" }
	END {
		printf "# storage, dd bs=1M count=%d O_DIRECT, median of %d (MB/s)\n", mb, reps
		printf "# %-14s %8s %8s %10s\n", "path", "write", "read", "4k IOPS"
		for (i = 1; i <= n; i++)
			printf "# %-14s %8s %8s %10s\n", k[i], w[k[i]], r[k[i]], io[k[i]]
		if ("vusb" in w) {
			printf "# vusb / gadget+usbip: write %s, read %s (target >= 1.5x)\n",
				ratio(w["vusb"], w["gadget_usbip"]), ratio(r["vusb"], r["gadget_usbip"])
			printf "# vusb / gadget:       write %s, read %s (target >= 1x)\n",
				ratio(w["vusb"], w["gadget"]), ratio(r["vusb"], r["gadget"])
		}
	}'
