# shellcheck shell=sh
# Helpers for the VM tests, tests/vm/t-*.sh (busybox sh in the guest).
#
# A test sources this file and reports with ok/fail/skip/check. Every
# result is one TAP-like line on the console ("ok 3 - name",
# "not ok 4 - name", "ok 5 - name # SKIP reason") and one line in
# $VM_RESULTS that /init counts. A test that reports nothing, exits
# non-zero, runs past its time limit or makes the kernel oops fails.
# /init clears the kernel log before each test, so `dmesg` shows only
# what happened during it; it also kills what a test left running.
#
#   ok NAME                     a passed check
#   fail NAME [DETAIL...]       a failed one, details as "#" lines
#   skip NAME REASON            could not be checked here
#   skip_all REASON             skip the whole test and exit
#   note TEXT                   a "#" comment line
#   check NAME CMD...           ok if CMD exits 0, else fail with its output
#   check_match NAME ERE CMD... ok if CMD exits 0 and its output matches ERE
#   wait_for SECONDS CMD...     run CMD every 0.1 s until it succeeds;
#                               returns 1 if it never did
#   need_cmd NAME...            skip_all if a tool is not in the VM image
#   need_module NAME...         modprobe, skip_all if the kernel lacks it
#   vhci_attach_file            path of vhci_hcd.0/attach (after modprobe)
#   port_state PORT             vhci's state of PORT (4 free, 6 in use)
#   port_free PORT              PORT's state is free
#   usb_dev_for VID PID         sysfs directory of a USB device
#   evdev_for VID PID [IFNUM]   its /dev/input/eventN, one per line; waits
#                               up to $VM_EVDEV_WAIT s (default 5, x4 under
#                               TCG) for the first to appear
#
# Other environment: VM_TEST (this test's name), VM_ACCEL (kvm or tcg:
# scale time limits for software emulation with $VM_SLOW, 1 or 4).

VM_TEST=${VM_TEST:-${0##*/}}
VM_TEST=${VM_TEST%.sh}
VM_RESULTS=${VM_RESULTS:-/dev/null}
VM_SLOW=1
[ "${VM_ACCEL:-}" = tcg ] && VM_SLOW=4
[ -r /etc/vusb/base.conf ] && . /etc/vusb/base.conf
_vm_n=0

_vm_result() {
	_vm_n=$((_vm_n + 1))
	echo "$1 $2" >>"$VM_RESULTS"
}

ok() {
	_vm_result pass "$*"
	echo "ok $_vm_n - $*"
}

fail() {
	_vm_name=$1
	shift
	_vm_result fail "$_vm_name"
	echo "not ok $_vm_n - $_vm_name"
	for _vm_line in "$@"; do
		printf '%s\n' "$_vm_line" | sed 's/^/#   /'
	done
	return 0
}

skip() {
	_vm_result skip "$1"
	echo "ok $_vm_n - $1 # SKIP ${2:-}"
}

skip_all() {
	skip "$VM_TEST" "$*"
	exit 0
}

# export_file NAME FILE: send FILE to the host with the console log,
# base64 between markers, for checks with tools the guest lacks (tshark):
# tests/vm/run writes it to $VUSB_VM_OUT/files/TEST/NAME after the VM and
# runs tests/vm/TEST.host over that directory.
export_file() {
	if [ ! -f "$2" ]; then
		fail "export $1" "$2 is missing"
		return 1
	fi
	echo "=== file $VM_TEST/$1 begin"
	base64 "$2" | sed 's/^/=b64 /'
	echo "=== file $VM_TEST/$1 end"
}

note() {
	echo "# $*"
}

check() {
	_vm_name=$1
	shift
	if _vm_out=$("$@" 2>&1); then
		ok "$_vm_name"
		return 0
	else
		_vm_rc=$?
		fail "$_vm_name" "\$ $* (exit $_vm_rc)" "$(printf '%s\n' "$_vm_out" | tail -n 20)"
		return 1
	fi
}

check_match() {
	_vm_name=$1
	_vm_re=$2
	shift 2
	if _vm_out=$("$@" 2>&1); then
		:
	else
		_vm_rc=$?
		fail "$_vm_name" "\$ $* (exit $_vm_rc)" "$(printf '%s\n' "$_vm_out" | tail -n 20)"
		return 1
	fi
	if printf '%s\n' "$_vm_out" | grep -qE -- "$_vm_re"; then
		ok "$_vm_name"
		return 0
	fi
	fail "$_vm_name" "\$ $*: output does not match /$_vm_re/" \
		"$(printf '%s\n' "$_vm_out" | tail -n 20)"
	return 1
}

# reader_cpu: "taskset -c N" for a program that reads what vusb-attach
# produces: the CPU the newest vusb-attach (the highest pid) is kept on (--cpu auto puts it
# and its devices' kernel threads on one), or nothing when it may run on
# several. evdev keeps a small buffer per reader (a few hundred events)
# and drops them all (SYN_DROPPED) when the reader falls behind. Even a
# real-time reader does when its vCPU is the one the host stops running
# while the other vCPU goes on producing, which a busy TCG host does for
# 100 ms and more. On the producer's CPU, at real-time priority, the
# reader runs each time an event is queued, whatever the host does.
reader_cpu() {
	_vm_p=$(pidof vusb-attach | tr ' ' '\n' | sort -n | tail -n 1)
	[ -n "$_vm_p" ] || return 0
	_vm_c=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$_vm_p/status")
	case "$_vm_c" in
	*[!0-9]* | "") ;;
	*) echo "taskset -c $_vm_c" ;;
	esac
}

# batch_burst WHAT N EVENT EVDEV ON OFF: N lines for `vusbctl batch`,
# alternately ON and OFF, sent in one session while evread reads EVDEV;
# checks that all N EVENT events (e.g. "EV_KEY BTN_SOUTH") arrive, 1 and 0
# alternating, in order, and notes the rate. Keep N within the device's
# report queue, so that a slow host cannot make a command fail for want
# of room: whatever fails is then lost. evread runs at real-time priority
# (--fifo) on vusb-attach's CPU (reader_cpu), and a SYN_DROPPED it saw
# fails the check by name: the reader lost those, not the device.
batch_burst() {
	_vm_i=0
	: >/tmp/burst
	while [ $_vm_i -lt "$2" ]; do
		if [ $((_vm_i % 2)) = 0 ]; then echo "$5"; else echo "$6"; fi >>/tmp/burst
		_vm_i=$((_vm_i + 1))
	done
	rm -f /tmp/ev.ready
	_vm_rc=$(reader_cpu)
	$_vm_rc evread --fifo -n "$2" -t $((20 * VM_SLOW)) --ready-file /tmp/ev.ready "$4" \
		>/tmp/evb 2>&1 &
	_vm_er=$!
	wait_for $((10 * VM_SLOW)) test -e /tmp/ev.ready
	_vm_t0=$(_vm_uptime_cs)
	check "vusbctl batch sends $2 $1" sh -c 'vusbctl batch </tmp/burst'
	wait $_vm_er
	_vm_t1=$(_vm_uptime_cs)
	_vm_got=$(grep -c "^$3 " /tmp/evb)
	check "all $2 $1 reach evdev ($_vm_got)" test "$_vm_got" = "$2"
	check "... alternating press and release, in order" test \
		"$(grep "^$3 " /tmp/evb | awk '{ printf "%s", $3 }' | sed 's/10//g')" = ""
	check "... and evdev dropped none for its reader (no SYN_DROPPED)" \
		sh -c '! grep -q SYN_DROPPED /tmp/evb'
	note "burst: $2 $1 in $(((_vm_t1 - _vm_t0) * 10)) ms through vusbctl batch:" \
		"$(($2 * 100 / (_vm_t1 - _vm_t0 + 1))) reports/s, none lost" \
		"(reader: ${_vm_rc:-any CPU})"
}

_vm_uptime_cs() {
	read -r _vm_up _ </proc/uptime
	echo $((${_vm_up%.*} * 100 + 1${_vm_up#*.} - 100))
}

wait_for() {
	_vm_deadline=$(($(_vm_uptime_cs) + $1 * 100))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(_vm_uptime_cs)" -ge "$_vm_deadline" ] && return 1
		sleep 0.1
	done
}

need_cmd() {
	for _vm_c in "$@"; do
		command -v "$_vm_c" >/dev/null 2>&1 && continue
		case " ${BASE_MISSING_TOOLS:-} " in
		*" $_vm_c "*) skip_all "$_vm_c was not installed on the host that built the VM image" ;;
		esac
		case $_vm_c in
		vusb-attach | vusbctl)
			skip_all "bin/$_vm_c is not built (make)" ;;
		esac
		fail "$_vm_c is in the VM image"
		exit 1
	done
}

need_module() {
	for _vm_m in "$@"; do
		modprobe "$_vm_m" 2>/dev/null && continue
		case " ${BASE_MISSING_MODULES:-} " in
		*" $_vm_m "*) skip_all "kernel $(uname -r) has no module $_vm_m" ;;
		esac
		check "modprobe $_vm_m" modprobe "$_vm_m"
		exit 1
	done
}

# Controller 0 carries the control files. Platform device today, faux
# device in newer kernels: search rather than hard-code the bus.
vhci_attach_file() {
	for _vm_f in /sys/devices/*/vhci_hcd.0/attach /sys/devices/*/*/vhci_hcd.0/attach; do
		[ -e "$_vm_f" ] || continue
		echo "$_vm_f"
		return 0
	done
	return 1
}

# Every status file of controller 0 (status, status.1: hs and ss ports).
port_state() {
	cat "$(dirname "$(vhci_attach_file)")"/status* 2>/dev/null |
		awk -v p="$1" '($1 == "hs" || $1 == "ss") && $2 + 0 == p + 0 { print $3 + 0 }'
}

port_free() {
	[ "$(port_state "$1")" = 4 ]
}

# "0x1D6B" and "1d6b" alike, as sysfs prints them.
_vm_hex4() {
	printf '%04x' "0x${1#0x}"
}

usb_dev_for() {
	_vm_vid=$(_vm_hex4 "$1")
	_vm_pid=$(_vm_hex4 "$2")
	for _vm_d in /sys/bus/usb/devices/*; do
		[ -r "$_vm_d/idVendor" ] || continue
		[ "$(cat "$_vm_d/idVendor")" = "$_vm_vid" ] || continue
		[ "$(cat "$_vm_d/idProduct")" = "$_vm_pid" ] || continue
		readlink -f "$_vm_d"
		return 0
	done
	return 1
}

# There is no udev in the VM, so no /dev/input/by-id: walk from each event
# node up its sysfs path to the USB interface and device it belongs to.
# The node appears after the device is configured, once usbhid, hid-generic
# and evdev have bound in turn; a device server's "ready" comes earlier.
# With no udev settle to wait on, wait for the node itself.
evdev_for() {
	_vm_evdev_find "$@" && return 0
	_vm_deadline2=$(($(_vm_uptime_cs) + ${VM_EVDEV_WAIT:-$((5 * VM_SLOW))} * 100))
	while [ "$(_vm_uptime_cs)" -lt "$_vm_deadline2" ]; do
		sleep 0.1
		_vm_evdev_find "$@" && return 0
	done
	return 1
}

_vm_evdev_find() {
	_vm_vid=$(_vm_hex4 "$1")
	_vm_pid=$(_vm_hex4 "$2")
	_vm_ifn=${3:-}
	_vm_found=1
	for _vm_ev in /sys/class/input/event*; do
		[ -e "$_vm_ev" ] || continue
		_vm_d=$(readlink -f "$_vm_ev/device")
		_vm_if=
		while [ -n "$_vm_d" ] && [ "$_vm_d" != /sys ]; do
			[ -r "$_vm_d/bInterfaceNumber" ] && _vm_if=$(cat "$_vm_d/bInterfaceNumber")
			[ -r "$_vm_d/idVendor" ] && break
			_vm_d=${_vm_d%/*}
		done
		[ -r "$_vm_d/idVendor" ] || continue
		[ "$(cat "$_vm_d/idVendor")" = "$_vm_vid" ] || continue
		[ "$(cat "$_vm_d/idProduct")" = "$_vm_pid" ] || continue
		if [ -n "$_vm_ifn" ] && [ $((0x${_vm_if:-ff})) -ne $((_vm_ifn)) ]; then
			continue
		fi
		echo "/dev/input/${_vm_ev##*/}"
		_vm_found=0
	done
	return $_vm_found
}

# disk_of BUSID: the block device (sda...) usb-storage made for the device
# at BUSID, once its node exists; 1 while there is none.
disk_of() {
	for _vm_b in /sys/bus/usb/devices/"$1":1.0/host*/target*/*/block/*; do
		[ -e "$_vm_b/size" ] && [ -b "/dev/${_vm_b##*/}" ] || continue
		echo "${_vm_b##*/}"
		return 0
	done
	return 1
}

# disk_of_serial SERIAL: /dev/sdX of the USB disk whose serial is SERIAL,
# once it has a size (for programs that attach disks without a busid
# to hand: the benchmarks).
disk_of_serial() {
	for _d in /sys/bus/usb/devices/*; do
		[ "$(cat "$_d/serial" 2>/dev/null)" = "$1" ] || continue
		for _b in "$_d"/"${_d##*/}":1.0/host*/target*/*/block/*; do
			[ -b "/dev/${_b##*/}" ] && [ "$(cat "$_b/size" 2>/dev/null)" -gt 0 ] 2>/dev/null ||
				continue
			echo "/dev/${_b##*/}"
			return 0
		done
	done
	return 1
}

# The ttyACMn cdc_acm made for USB device BUSID, once its node exists.
acm_of() {
	for _vm_t in /sys/bus/usb/devices/"$1":1.0/tty/ttyACM*; do
		[ -e "$_vm_t" ] || continue
		[ -c "/dev/${_vm_t##*/}" ] || continue
		echo "${_vm_t##*/}"
		return 0
	done
	return 1
}

# serial_start NAME MODEL ARGS...: `vusb-attach --no-stdin $VA_OPTS MODEL
# --name NAME ARGS...` in the background (PID in $VA, output in /tmp/NAME.out); waits for its
# ready line and its tty. Sets BUSID, ACM (/dev/ttyACMn) and PTS (the
# pty it printed, if any). Reports a failure and returns 1 otherwise.
serial_start() {
	_vm_name=$1
	_vm_model=$2
	shift 2
	: >/tmp/"$_vm_name".out
	# shellcheck disable=SC2086 # VA_OPTS: words
	vusb-attach --no-stdin ${VA_OPTS:-} "$_vm_model" --name "$_vm_name" "$@" >/tmp/"$_vm_name".out \
		2>/tmp/"$_vm_name".err &
	VA=$!
	ACM=
	if ! wait_for $((30 * VM_SLOW)) grep -q "^$_vm_name: ready, port" /tmp/"$_vm_name".out; then
		fail "$_vm_name: vusb-attach $* is ready" "$(cat /tmp/"$_vm_name".out /tmp/"$_vm_name".err)"
		return 1
	fi
	BUSID=$(sed -n "s/^$_vm_name: ready.*busid \([0-9][0-9.-]*\).*/\1/p" /tmp/"$_vm_name".out)
	PTS=$(sed -n "s/^$_vm_name: pty \(.*\)/\1/p" /tmp/"$_vm_name".out)
	if ! wait_for $((30 * VM_SLOW)) acm_of "$BUSID"; then
		fail "$_vm_name: cdc_acm makes a ttyACM for $BUSID" "$(ls /sys/bus/usb/devices/)" \
			"$(dmesg | tail -n 20)"
		return 1
	fi
	ACM=/dev/$(acm_of "$BUSID")
	return 0
}
