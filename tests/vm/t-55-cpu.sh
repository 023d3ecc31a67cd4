#!/bin/sh
# --cpu on a real kernel: by default vusb-attach stays on one CPU and
# moves the kernel threads vhci made for each of its devices (vhci_rx,
# vhci_tx) and usb-storage's thread for a disk onto it, those of devices
# attached at start (as root) and of one added later (after the drop,
# through the cleaner); --cpu N picks the CPU; --cpu off moves nothing;
# a CPU the process may not use is refused before anything is attached.
# Which threads are a device's is read here the way a user would: the
# kernel threads of those names that appeared with it.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl nproc
need_module vhci-hcd usb-storage sd_mod

T=$((20 * VM_SLOW))
echo 0 >/sys/module/usb_storage/parameters/delay_use
NCPU=$(nproc)
ALL=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
note "$NCPU CPUs ($ALL)"

# kthreads NAME: the pids of the kernel threads named NAME (children of kthreadd)
# (one cat for all: a process per task is slow under TCG; names with
# blanks do not match, and these have none)
kthreads() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v n="($1)" '$2 == n && $4 == 2 { print $1 }' |
		sort -n
}

# snapshot FILE: every vhci and usb-storage thread there is now (after a
# first line, so that the file is never empty)
snapshot() {
	{
		echo "snapshot"
		kthreads vhci_rx | sed 's/^/vhci_rx /'
		kthreads vhci_tx | sed 's/^/vhci_tx /'
		kthreads usb-storage | sed 's/^/usb-storage /'
	} >"$1"
}

# new_since FILE: "NAME PID" of the threads that are not in FILE
new_since() {
	snapshot /tmp/cpu.now
	awk 'NR == FNR { seen[$0] = 1; next } !($0 in seen)' "$1" /tmp/cpu.now
}

cpus_of() {
	sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$1/status"
}

# on_cpu WANT FILE: every thread that appeared since FILE (one at least) is
# on WANT; prints them
on_cpu() {
	_want=$1
	_bad=0
	new_since "$2" >/tmp/cpu.new
	[ -s /tmp/cpu.new ] || return 1
	while read -r _n _p; do
		_c=$(cpus_of "$_p")
		echo "$_n $_p: $_c"
		[ "$_c" = "$_want" ] || _bad=1
	done </tmp/cpu.new
	return $_bad
}

# count NAME: how many NAME threads appeared since /tmp/cpu.before
count() {
	new_since /tmp/cpu.before | grep -c "^$1 "
}

line_in() { # FILE REGEX
	grep -qE "$2" "$1"
}

no_vhci() {
	[ -z "$(kthreads vhci_rx)" ]
}

stop() {
	kill -TERM "$VA" 2>/dev/null
	wait "$VA" 2>/dev/null
	wait_for $T no_vhci
}

# --- the default: one CPU for the process and its devices' threads --------------
dd if=/dev/zero of=/tmp/cpu.img bs=1M count=8 2>/dev/null
snapshot /tmp/cpu.before
vusb-attach --no-stdin -v mouse --name cpum storage /tmp/cpu.img --name cpud \
	>/tmp/cpu.out 2>/tmp/cpu.err &
VA=$!
wait_for $T line_in /tmp/cpu.out '^cpud: nodes .*sd'
wait_for $T line_in /tmp/cpu.out '^cpum: nodes '
mine=$(cpus_of $VA)
if [ "$NCPU" -ge 2 ]; then
	check_match "vusb-attach stays on one CPU ($mine)" '^[0-9]+$' echo "$mine"
	check_match "... and says so (-v)" "on CPU $mine, with the devices' kernel threads" \
		cat /tmp/cpu.err
else
	check "one CPU: vusb-attach is left as it was ($mine)" test "$mine" = "$ALL"
	check "... auto does nothing there (-v says no CPU)" sh -c "! grep -q 'on CPU' /tmp/cpu.err"
fi
check "two vhci_rx and two vhci_tx threads appeared" \
	test "$(count vhci_rx)" = 2 -a "$(count vhci_tx)" = 2
check "one usb-storage thread appeared" test "$(count usb-storage)" = 1
# usb-storage's thread is moved once the disk is there, after the drop: by the cleaner.
check "... all of them on vusb-attach's CPU ($mine)" wait_for $T on_cpu "$mine" /tmp/cpu.before
on_cpu "$mine" /tmp/cpu.before | while read -r l; do note "$l"; done
check_match "... and the process runs unprivileged" '^Uid:[[:space:]]+65534' cat /proc/$VA/status

# A device added after the drop: the cleaner moves its threads.
snapshot /tmp/cpu.before2
check_match "vusbctl add mouse: attached" '^mouse0: attached' vusbctl add mouse
wait_for $T sh -c "vusbctl list | grep -q '^mouse0 .* ready'"
check "... its vhci threads are on the same CPU ($mine)" on_cpu "$mine" /tmp/cpu.before2
check "... both of them" test "$(new_since /tmp/cpu.before2 | grep -c '^vhci_')" = 2
dd if=/tmp/cpu.img of=/dev/null bs=4k count=64 2>/dev/null
stop

# --- --cpu off: nothing moves -----------------------------------------------------
snapshot /tmp/cpu.before
vusb-attach --no-stdin --cpu off mouse --name cpum >/tmp/cpu.out 2>/tmp/cpu.err &
VA=$!
wait_for $T line_in /tmp/cpu.out '^cpum: nodes '
check "--cpu off: vusb-attach keeps every CPU ($ALL)" test "$(cpus_of $VA)" = "$ALL"
check "... two vhci threads appeared" test "$(count vhci_rx)$(count vhci_tx)" = 11
check "... and they keep every CPU too" on_cpu "$ALL" /tmp/cpu.before
stop

# --- --cpu N ----------------------------------------------------------------------
last=$((NCPU - 1))
snapshot /tmp/cpu.before
vusb-attach --no-stdin --cpu $last mouse --name cpum >/tmp/cpu.out 2>/tmp/cpu.err &
VA=$!
wait_for $T line_in /tmp/cpu.out '^cpum: nodes '
check "--cpu $last: vusb-attach is on CPU $last" test "$(cpus_of $VA)" = "$last"
check "... and so are its vhci threads" on_cpu "$last" /tmp/cpu.before
check "... both of them" test "$(count vhci_rx)$(count vhci_tx)" = 11
stop

# --- refused ----------------------------------------------------------------------
vusb-attach --no-stdin --cpu $NCPU mouse >/tmp/cpu.out 2>/tmp/cpu.err
rc=$?
check "--cpu $NCPU (no such CPU here): exit 2 ($rc)" test $rc -eq 2
check_match "... naming the CPUs it may use" "--cpu $NCPU: not one of the CPUs this process may run on \\($ALL\\)" \
	cat /tmp/cpu.err
check "... and no vhci thread is left" no_vhci
vusb-attach --no-stdin --cpu fast mouse >/tmp/cpu.out 2>/tmp/cpu.err
rc=$?
check "--cpu fast: exit 2 ($rc)" test $rc -eq 2
check_match "... with what it takes" "invalid --cpu 'fast': a CPU number \\(0 to [0-9]+\\), auto or off" \
	cat /tmp/cpu.err
rm -f /tmp/cpu.*
