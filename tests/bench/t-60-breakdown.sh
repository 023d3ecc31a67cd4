#!/bin/sh
# Where the time of one small transfer goes, from the guest kernel's own
# trace (tracefs: the function tracer on a few vhci, usbcore, evdev and
# dummy_hcd functions, and the raw syscall events of the programs taking
# part). Two cases, each in this boot:
#
#   storage   a 4 KiB O_DIRECT read at queue depth 1 (randread) from a
#             vusb-attach storage drive: three URBs (CBW, data, CSW)
#   hid       one mouse report written to the report socket NAME.hid
#             (inputlat), and the same report written to an f_hid
#             gadget's /dev/hidg0 on dummy_hcd
#
# Every transfer is cut into stages at these points, per stage the median
# over all transfers traced (us; the tracer adds its own cost to each):
#
#   storage (summed over the read's three URBs)
#     issue      pread() entered -> the first URB reaches vhci_urb_enqueue
#     tx_wake    vhci_urb_enqueue -> vhci's tx thread sends it
#     to_vusb    vhci_send_cmd_submit -> vusb-attach's recv() returns it
#     vusb       that recv -> vusb-attach writes its reply (the entry of
#                its last sendmsg/splice: the write wakes vhci's rx thread,
#                which may run before the call returns)
#     rx         the reply's write -> vhci's rx thread gives the URB back
#     between    given back -> usb-storage enqueues the next URB
#     complete   the last URB given back -> pread() returns
#   hid (vusb)   write() -> vusb-attach's recv(), -> its sendmsg() entry, -> the
#                URB given back, -> evdev_events (the event's timestamp)
#   hid (gadget) write() -> dummy_timer, -> the URB given back, -> evdev
#
# The vusb cases run three times: with --cpu off (every thread where the
# scheduler puts it), with the default (--cpu auto: vusb-attach and the
# device's kernel threads on one CPU), and the same with the client
# (randread, inputlat) started on that CPU: CASE_cpuoff, CASE and
# CASE_pinned.
#
# Prints "bench: breakdown.CASE.STAGE_us N" lines (tests/bench/run).
. /vusb/tests/lib.sh
need_cmd vusb-attach randread inputlat awk sort taskset
need_module vhci-hcd usb-storage usbhid hid-generic evdev

unset VUSB_WIRE_DIR
T=$((20 * VM_SLOW))
TR=/sys/kernel/tracing
[ -e $TR/trace ] || mount -t tracefs none $TR || { fail "tracefs" "cannot mount it"; exit 0; }
[ -w $TR/set_ftrace_filter ] || { fail "tracefs" "no function tracer in this kernel"; exit 0; }

bench() {
	echo "bench: $*"
}

# trace_on FUNCTION...: the function tracer on these functions, and the
# syscall events read, write, pread64, sendto, recvfrom, sendmsg, splice,
# epoll_wait.
trace_on() {
	echo 0 >$TR/tracing_on
	echo nop >$TR/current_tracer
	echo 8192 >$TR/buffer_size_kb
	# One clock for all CPUs: the default (local) is per CPU. Not mono,
	# which reads the clocksource (HPET under TCG) at every event.
	echo global >$TR/trace_clock || { fail "trace clock global" "$(cat $TR/trace_clock)"; return 1; }
	: >$TR/set_ftrace_filter
	for _f in "$@"; do
		echo "$_f" >>$TR/set_ftrace_filter || { fail "trace $_f" "not traceable"; return 1; }
	done
	echo 'id == 0 || id == 1 || id == 17 || id == 44 || id == 45 || id == 46 || id == 275 || id == 232' |
		tee $TR/events/raw_syscalls/sys_enter/filter >$TR/events/raw_syscalls/sys_exit/filter
	echo 1 >$TR/events/raw_syscalls/enable
	echo function >$TR/current_tracer
	: >$TR/trace
	echo 1 >$TR/tracing_on
}

trace_off() { # FILE
	echo 0 >$TR/tracing_on
	cat $TR/trace >"$1"
	echo 0 >$TR/events/raw_syscalls/enable
	echo nop >$TR/current_tracer
	: >$TR/set_ftrace_filter
	: >$TR/trace
}

# The trace's lines as "TS_US COMM WHAT ARGS": WHAT is a function name, or
# enter/exit with the syscall number (and exit's return value).
TRACE_AWK='
	/^#/ { next }
	{
		if (!match($0, /[0-9]+\.[0-9]+: /))
			next
		ts = substr($0, RSTART, RLENGTH - 2) * 1000000
		rest = substr($0, RSTART + RLENGTH)
		head = substr($0, 1, RSTART - 1)
		if (!match(head, /-[0-9]+ +\[/))
			next
		comm = substr(head, 1, RSTART - 1)
		sub(/^ +/, "", comm)
		gsub(/ /, "_", comm)
		n = split(rest, w, " ")
		if (w[1] == "sys_enter:")
			printf "%.3f %s enter %s\n", ts, comm, w[3]
		else if (w[1] == "sys_exit:")
			printf "%.3f %s exit %s %s\n", ts, comm, w[3], w[5]
		else
			printf "%.3f %s %s\n", ts, comm, w[1]
	}'

# medians FILE KEY NAME...: the median of each column of FILE as
# "bench: breakdown.KEY.NAME_us" lines, and a note of them.
medians() {
	_f=$1 _k=$2
	shift 2
	_n=$(wc -l <"$_f")
	if [ "$_n" -lt 20 ]; then
		fail "$_k: transfers traced" "only $_n; see the trace in $_f"
		return 1
	fi
	_c=1
	_line=
	for _name in "$@"; do
		_m=$(cut -d' ' -f$_c "$_f" | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] }')
		bench "breakdown.$_k.${_name}_us $_m"
		_line="$_line $_name $_m"
		_c=$((_c + 1))
	done
	ok "$_k: $_n transfers, median us:$_line"
}

# --- storage: a 4 KiB O_DIRECT read --------------------------------------------

# storage_case KEY CPU [pinned]: one drive served with --cpu CPU, read by
# randread (started on vusb-attach's CPU with pinned)
storage_case() {
	rm -f /tmp/bd.img
	vusb-attach -q --no-stdin --cpu "$2" storage --name bd --serial VUSBBD000001 \
		--create 40M /tmp/bd.img >/tmp/bd.out 2>/tmp/bd.err &
	spid=$!
	if wait_for $T disk_of_serial VUSBBD000001; then
		d=$(disk_of_serial VUSBBD000001)
		_run=
		[ "$3" = pinned ] && _run="taskset -c $(cpus_of $spid)"
		$_run randread -b 4096 -s 1 "$d" >/dev/null 2>&1
		trace_on vhci_urb_enqueue vhci_send_cmd_submit usb_hcd_giveback_urb &&
			$_run randread -b 4096 -s 3 "$d" >/tmp/bd.rr 2>&1
		trace_off /tmp/bd.trace
		note "traced: $(cat /tmp/bd.rr)"
		awk "$TRACE_AWK" /tmp/bd.trace | awk '
		function stage(s) { acc[s] += $1 - last; last = $1 }
		$2 == "randread" && $3 == "enter" && $4 == 17 {
			inr = 1; t0 = $1; last = $1; kind = "start"; nurb = 0
			split("", acc)
			next
		}
		!inr { next }
		$3 == "vhci_urb_enqueue" && (kind == "start" || kind == "give") {
			stage(kind == "start" ? "issue" : "between"); kind = "enq"; nurb++; next
		}
		$3 == "vhci_send_cmd_submit" && kind == "enq" { stage("tx_wake"); kind = "tx"; next }
		$2 == "vusb-attach" && $3 == "exit" && $4 == 45 && $5 > 0 && kind == "tx" {
			stage("to_vusb"); kind = "wake"; next
		}
		$2 == "vusb-attach" && $3 == "enter" && ($4 == 46 || $4 == 275) &&
			(kind == "wake" || kind == "sent") { sent = $1; kind = "sent"; next }
		$3 == "usb_hcd_giveback_urb" && kind == "sent" {
			acc["vusb"] += sent - last; last = sent; stage("rx"); kind = "give"; next
		}
		$2 == "randread" && $3 == "exit" && $4 == 17 {
			if (kind == "give" && nurb == 3) {
				stage("complete")
				printf "%.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f\n", acc["issue"],
					acc["tx_wake"], acc["to_vusb"], acc["vusb"], acc["rx"],
					acc["between"], acc["complete"], $1 - t0
			}
			inr = 0
		}' >/tmp/bd.rows
		medians /tmp/bd.rows "$1" issue tx_wake to_vusb vusb rx between complete total
	else
		fail "$1: a disk with serial VUSBBD000001" "$(cat /tmp/bd.out /tmp/bd.err)"
	fi
	kill -TERM $spid 2>/dev/null
	wait $spid 2>/dev/null
	wait_for $T no_disk
}

no_disk() {
	! disk_of_serial VUSBBD000001
}

cpus_of() {
	sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$1/status"
}

# Before (--cpu off) and after (the default, auto), in this boot; and
# with the reader on vusb-attach's CPU.
storage_case storage_cpuoff off
storage_case storage auto
storage_case storage_pinned auto pinned

# --- hid: one report through the report socket, and through /dev/hidg0 -------------

# hid_rows START_COMM: per report "to_X ... total" columns from the trace
# on stdin; vusb's stages when vusb-attach shows in it, dummy_hcd's else.
hid_rows() {
	awk "$TRACE_AWK" | awk -v who="$1" '
	function stage(s) { acc[s] += $1 - last; last = $1 }
	$2 == "inputlat" && $3 == "enter" && $4 == 1 {
		inr = 1; t0 = $1; last = $1; kind = "start"; split("", acc); next
	}
	!inr { next }
	who == "vusb" && $2 == "vusb-attach" && $3 == "exit" && $4 == 45 && $5 > 0 &&
		kind == "start" { stage("to_vusb"); kind = "wake"; next }
	who == "vusb" && $2 == "vusb-attach" && $3 == "enter" && $4 == 46 && kind == "wake" {
		stage("vusb"); kind = "sent"; next
	}
	who == "gadget" && $3 == "dummy_timer" && kind == "start" {
		stage("to_timer"); kind = "sent"; next
	}
	$3 == "usb_hcd_giveback_urb" && kind == "sent" { stage("rx"); kind = "give"; next }
	$3 == "evdev_events" && kind == "give" {
		stage("input")
		if (who == "vusb")
			printf "%.1f %.1f %.1f %.1f %.1f\n", acc["to_vusb"], acc["vusb"], acc["rx"],
				acc["input"], $1 - t0
		else
			printf "%.1f %.1f %.1f %.1f\n", acc["to_timer"], acc["rx"], acc["input"],
				$1 - t0
		inr = 0
	}'
}

# hid_case KEY CPU [pinned]: a mouse served with --cpu CPU, its report
# socket written by inputlat (on vusb-attach's CPU with pinned)
hid_case() {
	vusb-attach -q --no-stdin --cpu "$2" mouse --name bm >/tmp/bm.out 2>/tmp/bm.err &
	mpid=$!
	if wait_for $T test -S "${VUSB_RUNDIR:-/run/vusb}/dev/bm.hid" && node=$(evdev_for 1209 0001 | head -n 1); then
		sleep 1
		_run=
		[ "$3" = pinned ] && _run="taskset -c $(cpus_of $mpid)"
		trace_on usb_hcd_giveback_urb evdev_events &&
			$_run inputlat -n 300 -w 20 "${VUSB_RUNDIR:-/run/vusb}/dev/bm.hid" "$node" >/tmp/bm.lat 2>&1
		trace_off /tmp/bm.trace
		note "traced: $(cat /tmp/bm.lat)"
		hid_rows vusb </tmp/bm.trace >/tmp/bm.rows
		medians /tmp/bm.rows "$1" to_vusb vusb rx input total
	else
		fail "$1: vusb mouse with a report socket" "$(cat /tmp/bm.out /tmp/bm.err)"
	fi
	kill -TERM $mpid 2>/dev/null
	wait $mpid 2>/dev/null
	wait_for $T no_mouse
}

no_mouse() {
	! _vm_evdev_find 1209 0001
}

hid_case hid_socket_cpuoff off
hid_case hid_socket auto
hid_case hid_socket_pinned auto pinned

G=/sys/kernel/config/usb_gadget/bd
MOUSE_DESC='\005\001\011\002\241\001\011\001\241\000\005\011\031\001\051\005\025\000\045\001\225\005\165\001\201\002\225\001\165\003\201\001\005\001\011\060\011\061\011\070\025\201\045\177\165\010\225\003\201\006\005\014\012\070\002\225\001\201\006\300\300'
if modprobe dummy_hcd && modprobe libcomposite && modprobe usb_f_hid &&
	{ grep -q ' /sys/kernel/config ' /proc/mounts || mount -t configfs none /sys/kernel/config; } &&
	mkdir $G $G/strings/0x409 $G/configs/c.1 $G/functions/hid.usb0; then
	echo 0x1d6b >$G/idVendor
	echo 0x0104 >$G/idProduct
	echo 1 >$G/functions/hid.usb0/subclass
	echo 2 >$G/functions/hid.usb0/protocol
	echo 5 >$G/functions/hid.usb0/report_length
	# shellcheck disable=SC2059 # the descriptor's bytes, as octal escapes
	printf "$MOUSE_DESC" >$G/functions/hid.usb0/report_desc
	ln -s $G/functions/hid.usb0 $G/configs/c.1/
	# The first UDC no earlier script's gadget holds.
	for _u in $(ls /sys/class/udc); do
		echo "$_u" >$G/UDC 2>/dev/null && break
	done
	if wait_for $T test -c /dev/hidg0 && node=$(evdev_for 1d6b 0104 | head -n 1); then
		sleep 1
		trace_on usb_hcd_giveback_urb evdev_events dummy_timer &&
			inputlat -n 300 -w 20 /dev/hidg0 "$node" >/tmp/bg.lat 2>&1
		trace_off /tmp/bg.trace
		note "traced: $(cat /tmp/bg.lat)"
		hid_rows gadget </tmp/bg.trace >/tmp/bg.rows
		medians /tmp/bg.rows hid_gadget to_timer rx input total
	else
		fail "hid: f_hid gadget on dummy_hcd" "no /dev/hidg0 or input node (UDCs: $(ls /sys/class/udc | tr '\n' ' '))"
	fi
	echo "" >$G/UDC
	rm -f $G/configs/c.1/hid.usb0
	rmdir $G/configs/c.1 $G/functions/hid.usb0 $G/strings/0x409 $G
else
	fail "hid: f_hid gadget on dummy_hcd" "cannot set it up"
fi
