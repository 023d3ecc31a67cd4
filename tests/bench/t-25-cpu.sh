#!/bin/sh
# make bench, --cpu: what keeping a device's round trip on one CPU is
# worth, vusb-attach --cpu auto (the default) against --cpu off, in the
# same boot and alternating, ROUNDS times: two processes serve at once,
# each a mouse and a disk (on the same tmpfs), and the rounds go from one
# to the other, so that what else runs on the host weighs on both alike.
# Each round measures, for each process:
#
#   randread   4 KiB O_DIRECT reads at queue depth 1 (IOPS) from its disk
#   socket     a mouse report written to its report socket (NAME.hid), to
#              the evdev event's time stamp (inputlat: median, p99 in us)
#
# and for auto also with the client (randread, inputlat) started on
# vusb-attach's CPU (taskset), as one would start a program writing to
# f_hid's /dev/hidg0 next to the gadget. A figure is the median of its
# rounds: "bench: cpu.KIND.MODE.UNIT N" with MODE auto, off or pinned.
# Also the CPU time both processes took over the whole run.
#
# With one vCPU auto has nothing to do (and does nothing): the two are
# then the same program twice, which shows the noise.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl randread inputlat taskset nproc
need_module vhci-hcd usb-storage sd_mod

unset VUSB_WIRE_DIR
ROUNDS=${VUSB_BENCH_CPU_ROUNDS:-5}
N=500
T=$((30 * VM_SLOW))
echo 0 >/sys/module/usb_storage/parameters/delay_use
note "$(nproc) CPUs"

bench() {
	echo "bench: $*"
}

median() {
	printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

cpu_cs() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# start MODE PID-OF-MOUSE: vusb-attach --cpu MODE with a mouse and a disk
start() {
	rm -f /tmp/cpu_$1.img
	vusb-attach -q --no-stdin --cpu "$1" mouse --name m_$1 --pid "0x$2" \
		storage --name d_$1 --serial CPUBENCH_$1 --create 72M /tmp/cpu_$1.img \
		>/tmp/cpu_$1.out 2>&1 &
	eval "PID_$1=$!"
	if ! wait_for $T disk_of_serial CPUBENCH_$1 || ! wait_for $T evdev_for 1209 "$2"; then
		fail "--cpu $1: a mouse and a disk" "$(cat /tmp/cpu_$1.out)"
		exit 0
	fi
	eval "DISK_$1=$(disk_of_serial CPUBENCH_$1)"
	eval "NODE_$1=$(evdev_for 1209 "$2" | head -n 1)"
}

start auto 00c1
start off 00c2
CPU=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/$PID_auto/status)
note "auto: vusb-attach on CPU(s) $CPU; off: on $(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/$PID_off/status)"
c0_auto=$(cpu_cs $PID_auto)
c0_off=$(cpu_cs $PID_off)
sleep 1

# one MODE: one round's figures for MODE (auto, off, pinned)
one() {
	_p=$1
	[ $1 = pinned ] && _p=auto
	eval "_disk=\$DISK_$_p _node=\$NODE_$_p"
	_run=
	[ $1 = pinned ] && _run="taskset -c $CPU"
	$_run randread -b 4096 -s 3 "$_disk" >/tmp/rr 2>&1
	sed -n 's/.*IOPS \([0-9]*\).*/\1/p' /tmp/rr >>/tmp/cpu.iops.$1
	$_run inputlat -n $N -w 50 "${VUSB_RUNDIR:-/run/vusb}/dev/m_$_p.hid" "$_node" >/tmp/lat 2>&1
	sed -n 's/.* median \([0-9]*\) us.*/\1/p' /tmp/lat >>/tmp/cpu.med.$1
	sed -n 's/.* p99 \([0-9]*\) us.*/\1/p' /tmp/lat >>/tmp/cpu.p99.$1
	note "round $r $1: $(cat /tmp/rr) / $(cat /tmp/lat)"
}

rm -f /tmp/cpu.iops.* /tmp/cpu.med.* /tmp/cpu.p99.*
for r in $(seq $ROUNDS); do
	# Which goes first changes every round.
	if [ $((r % 2)) = 1 ]; then
		one auto
		one off
	else
		one off
		one auto
	fi
	one pinned
done

for m in auto off pinned; do
	bench "cpu.randread_4k.$m.iops $(median $(cat /tmp/cpu.iops.$m))"
	bench "cpu.socket.$m.median_us $(median $(cat /tmp/cpu.med.$m))"
	bench "cpu.socket.$m.p99_us $(median $(cat /tmp/cpu.p99.$m))"
	note "$m: IOPS $(echo $(cat /tmp/cpu.iops.$m)); socket median $(echo $(cat /tmp/cpu.med.$m)) us; p99 $(echo $(cat /tmp/cpu.p99.$m)) us"
done
# CPU seconds each process took for all of it (auto's share includes the pinned rounds).
bench "cpu.cpu_s.auto $(awk -v c=$(($(cpu_cs $PID_auto) - c0_auto)) 'BEGIN { printf "%.2f", c / 100 }')"
bench "cpu.cpu_s.off $(awk -v c=$(($(cpu_cs $PID_off) - c0_off)) 'BEGIN { printf "%.2f", c / 100 }')"
ok "--cpu auto and off measured, $ROUNDS rounds"

for p in $PID_auto $PID_off; do
	kill -TERM "$p"
	wait "$p"
done
rm -f /tmp/cpu_*.img /tmp/cpu.* /tmp/rr /tmp/lat
