#!/bin/sh
# make bench, scale: one vusb-attach fills every vhci port, the kernel
# enumerates every device, then SIGTERM detaches them all. Two rounds:
#
#   hs    a mouse on each high-speed port (Debian's kernel: 120)
#   all   the same, plus a SuperSpeed storage drive (no medium) on each
#         SuperSpeed port (120 more), when this build has storage
#
# For each: the time from starting vusb-attach until every device is
# configured ("NAME: ready" lines), the resident memory of the process
# then, and after SIGTERM the time to exit and the ports still in use.
# Resident memory per device is measured against one mouse (t-10's
# figure comes from another process; this script measures its own).
. /vusb/tests/lib.sh
need_cmd vusb-attach
need_module vhci-hcd usbhid hid-generic evdev usb-storage sd_mod

T=120
# The harness's wire tap (src/usbip/conn.c) would copy every byte vusb sends and
# receives to a file: not what is measured here.
unset VUSB_WIRE_DIR

bench() {
	echo "bench: $*"
}

status_files() {
	cat /sys/devices/platform/vhci_hcd.*/status*
}

# Ports by hub and state: "hs 120", used ("006") only with USED=1.
ports() {
	status_files | awk -v hub="$1" -v used="${2:-0}" \
		'$1 == hub && (!used || $3 == "006") { n++ } END { print n + 0 }'
}

# Attaching while an emptied vhci root hub is autosuspending (a second or
# two after its last device left) loses the connect event in this kernel:
# the port stays "not assigned" and is never enumerated. Each round
# starts once every vhci root hub has suspended.
hubs_idle() {
	wait_for 30 sh -c '! cat /sys/devices/platform/vhci_hcd.*/usb*/power/runtime_status | grep -qv "^suspended$"'
}

# Rss of /proc/PID/smaps_rollup: exact, where VmRSS lags (t-10-hid.sh).
rss_of() {
	sed -n 's/^Rss:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/smaps_rollup"
}

# run KEY COUNT ARGS...: start vusb-attach ARGS, wait for COUNT ready lines.
# Sets $rss (kB); bench lines for the time and memory.
run() {
	_k=$1
	_n=$2
	shift 2
	: >/tmp/scale.$_k.out
	hubs_idle
	_t0=$(_vm_uptime_cs)
	vusb-attach -q --no-stdin "$@" >/tmp/scale.$_k.out 2>/tmp/scale.$_k.err &
	_pid=$!
	if ! wait_for "$T" sh -c "[ \$(grep -c ': ready, ' /tmp/scale.$_k.out) -ge $_n ]"; then
		fail "$_k: $_n devices ready" "$(grep -c ': ready, ' /tmp/scale.$_k.out) ready" \
			"$(tail -n 5 /tmp/scale.$_k.err)"
		kill -TERM $_pid
		wait $_pid
		return 1
	fi
	_t1=$(_vm_uptime_cs)
	# Let the drivers finish binding, then take the memory figure.
	sleep 2
	rss=$(rss_of $_pid)
	# CPU time (user + system) vusb-attach spent bringing them all up.
	_cpu=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' /proc/$_pid/stat)
	_hs=$(ports hs 1)
	_ss=$(ports ss 1)
	ok "$_k: $_n devices ready in $(((_t1 - _t0) / 100)).$(printf %02d $(((_t1 - _t0) % 100))) s, ports used: hs $_hs, ss $_ss, RSS $rss kB, CPU $_cpu s"
	bench "scale.$_k.devices $_n"
	bench "scale.$_k.ports_used $((_hs + _ss))"
	bench "scale.$_k.enumerate_s $(((_t1 - _t0) / 100)).$(printf %02d $(((_t1 - _t0) % 100)))"
	bench "scale.$_k.rss_kb $rss"
	bench "scale.$_k.cpu_s $_cpu"
	_t0=$(_vm_uptime_cs)
	kill -TERM $_pid
	wait $_pid
	_rc=$?
	_t1=$(_vm_uptime_cs)
	# The kernel frees ports on a workqueue after the detach.
	wait_for 10 sh -c "[ \$(cat /sys/devices/platform/vhci_hcd.*/status* | awk '\$3 != \"004\" && \$1 ~ /^[hs]s\$/' | wc -l) -eq 0 ]"
	_left=$(status_files | awk '$3 != "004" && $1 ~ /^[hs]s$/' | wc -l)
	check "$_k: SIGTERM: exit status 0" test "$_rc" -eq 0
	check "$_k: no vhci port left in use" test "$_left" -eq 0
	bench "scale.$_k.detach_s $(((_t1 - _t0) / 100)).$(printf %02d $(((_t1 - _t0) % 100)))"
	bench "scale.$_k.ports_left $_left"
}

nhs=$(ports hs)
nss=$(ports ss)
note "vhci ports: $nhs high-speed, $nss SuperSpeed"
bench "scale.ports.hs $nhs"
bench "scale.ports.ss $nss"

# One mouse, the baseline of the per-device figures.
hubs_idle
vusb-attach -q --no-stdin mouse >/tmp/scale.one.out 2>&1 &
pid=$!
if wait_for "$T" grep -q ': ready, ' /tmp/scale.one.out; then
	sleep 2
	one=$(rss_of $pid)
	bench "scale.one.rss_kb $one"
fi
kill -TERM $pid
wait $pid

if run hs "$nhs" mouse --count "$nhs" && [ -n "${one:-}" ]; then
	bench "scale.hs.per_device_kb $(((rss - one) / (nhs - 1)))"
	hs_rss=$rss
fi

if vusb-attach --help 2>&1 | grep -q -- '--superspeed'; then
	if run all $((nhs + nss)) mouse --count "$nhs" storage --superspeed --count "$nss" &&
		[ -n "${one:-}" ]; then
		bench "scale.all.per_device_kb $(((rss - one) / (nhs + nss - 1)))"
		[ -n "${hs_rss:-}" ] && bench "scale.all.per_storage_kb $(((rss - hs_rss) / nss))"
	fi
else
	skip "SuperSpeed ports" "this vusb-attach has no SuperSpeed device (storage --superspeed)"
fi
exit 0
