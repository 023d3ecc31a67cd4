#!/bin/sh
# SIGKILL in the middle of transfers: a stream of mouse reports read by a
# program, a mass-storage read and a write without sync, a DFU download.
# vusb-attach gets no chance to detach: the kernel must notice its end of
# the socket closing, free the vhci port, drop the device and wake whoever
# waited on it; no process may be left in uninterruptible sleep, and a new
# vusb-attach must get a port, the same names and the same image (its lock
# released with the dead process). t-20 checks that synced data survives
# a SIGKILL; t-60 that the cleaner removes the socket and the names.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread
need_module vhci-hcd

T=$((20 * VM_SLOW))

no_device() {
	! usb_dev_for "$1" "$2" >/dev/null
}

# No program in D state (uninterruptible: stuck on a wedged device).
# Kernel threads (no command line) sleep that way as part of their work.
# A program may too, briefly, while the kernel tears a device down: the
# hotplug helper (mdev -d here, udevd elsewhere) reads the uevent file of
# each device it is told about, uevent_show() takes device_lock(), and
# the hub worker holds device locks while it probes or unbinds drivers
# and debounces the port. So "stuck" means still in D after a bounded
# wait (wait_for), not in D at one instant; wchan says where it sleeps.
stuck() {
	for _d in /proc/[0-9]*; do
		[ "$(cut -d' ' -f3 "$_d/stat" 2>/dev/null)" = D ] || continue
		[ -n "$(tr -d '\0' <"$_d/cmdline" 2>/dev/null)" ] || continue
		echo "${_d#/proc/} $(tr '\0' ' ' <"$_d/cmdline") (in $(cat "$_d/wchan" 2>/dev/null))"
	done
}

none_stuck() {
	[ -z "$(stuck)" ]
}

gone() {
	! kill -0 "$1" 2>/dev/null
}

start() {
	vusb-attach --no-stdin "$@" >/tmp/k.out 2>/tmp/k.err &
	VA=$!
}

ready_port() {
	sed -n "s/^$1: ready, port \([0-9]*\),.*/\1/p" /tmp/k.out | tail -n 1
}

# killed WHAT VID PID PORT: SIGKILL $VA, then the checks
killed() {
	kill -9 $VA
	wait $VA 2>/dev/null
	if wait_for $T port_free "$4"; then ok "$1: the kernel frees port $4"; else
		fail "$1: the kernel frees port $4" "state $(port_state "$4")"; fi
	check "$1: no device $2:$3 left" wait_for $T no_device "$2" "$3"
}

# --- a stream of reports, read by evread ----------------------------------------
start mouse
if wait_for $T grep -q '^mouse0: ready' /tmp/k.out; then
	port=$(ready_port mouse0)
	ev=$(evdev_for 1209 0001 | head -n 1)
	evread -n 1000000 -t 120 "$ev" >/dev/null 2>&1 &
	reader=$!
	(while vusbctl mouse0 move 2 2 >/dev/null 2>&1; do :; done) &
	mover=$!
	sleep 1
	killed "SIGKILL while reports stream" 1209 0001 "$port"
	check "... the event reader gets its end" wait_for $T gone $reader
	wait_for $T gone $mover || kill $mover
else
	fail "mouse: ready" "$(cat /tmp/k.err)"
	kill $VA
fi
wait 2>/dev/null

# --- mass storage: a read, and a write not synced --------------------------------
if modprobe usb-storage 2>/dev/null && modprobe sd_mod 2>/dev/null; then
	echo 0 >/sys/module/usb_storage/parameters/delay_use
	IMG=/tmp/k.img
	dd if=/dev/urandom of=$IMG bs=1M count=32 2>/dev/null
	dd if=$IMG of=/tmp/k.head bs=1M count=4 2>/dev/null
	for what in read write; do
		start storage $IMG
		if ! wait_for $T grep -q '^storage0: ready' /tmp/k.out; then
			fail "storage ($what): ready" "$(cat /tmp/k.err)"
			kill $VA
			wait $VA
			continue
		fi
		port=$(ready_port storage0)
		busid=$(sed -n 's/^storage0: ready, port [0-9]*, busid \(.*\)$/\1/p' /tmp/k.out)
		disk=
		wait_for $T sh -c "ls /sys/bus/usb/devices/$busid:1.0/host*/target*/*/block/ 2>/dev/null | grep -q ."
		for b in /sys/bus/usb/devices/"$busid":1.0/host*/target*/*/block/*; do
			[ -e "$b" ] && disk=${b##*/}
		done
		if [ -z "$disk" ] || ! wait_for $T test -b "/dev/$disk"; then
			fail "storage ($what): a disk appears"
			kill $VA
			wait $VA
			continue
		fi
		if [ $what = read ]; then
			dd if=/dev/$disk of=/dev/null bs=64k iflag=direct 2>/dev/null &
		else
			dd if=/dev/zero of=/dev/$disk bs=64k seek=64 count=256 2>/dev/null &
		fi
		io=$!
		sleep 0.5
		killed "SIGKILL during a storage $what" 1209 0004 "$port"
		if wait_for $T gone $io; then ok "... dd ($what) is not left waiting"; else
			fail "... dd ($what) is not left waiting" "$(cat /proc/$io/stat)"
			kill -9 $io
		fi
		wait $io 2>/dev/null
		check "... the disk is gone" wait_for $T sh -c "! test -e /sys/block/$disk"
		if wait_for $T none_stuck; then ok "... no program stuck in D state"; else
			fail "... no program stuck in D state" "$(stuck)"; fi
	done
	# The dead process's image lock went with it.
	start storage $IMG
	if wait_for $T grep -q '^storage0: ready' /tmp/k.out; then
		ok "the image can be attached again (its lock went with the killed process)"
		kill $VA
		wait $VA
		check "... and SIGTERM then ends it with 0" test $? -eq 0
	else
		fail "the image can be attached again" "$(cat /tmp/k.err)"
		kill $VA
		wait $VA
	fi
	# The read changed nothing; the unsynced write may or may not have
	# reached the image, and only where it was written.
	check "the first 4 MiB, never written, are intact" \
		sh -c "dd if=$IMG bs=1M count=4 2>/dev/null | cmp -s - /tmp/k.head"
else
	skip "SIGKILL during storage transfers" "no usb-storage module"
fi

# --- a DFU download ---------------------------------------------------------------
if command -v dfu-util >/dev/null; then
	dd if=/dev/urandom of=/tmp/k.bin bs=1k count=1024 2>/dev/null
	start fomu
	if wait_for $T grep -q '^fomu0: ready' /tmp/k.out; then
		port=$(ready_port fomu0)
		dfu-util -D /tmp/k.bin >/tmp/k.dfu 2>&1 &
		dl=$!
		wait_for $T grep -q 'Download' /tmp/k.dfu
		sleep 0.3
		killed "SIGKILL during a DFU download" 1209 5bf0 "$port"
		if wait_for $T gone $dl; then
			wait $dl
			rc=$?
			if [ $rc -ne 0 ]; then ok "... dfu-util fails (exit $rc), not left waiting"; else
				ok "... dfu-util was done before the kill (exit 0)"; fi
		else
			fail "... dfu-util is not left waiting"
			kill -9 $dl
		fi
	else
		fail "fomu: ready" "$(cat /tmp/k.err)"
		kill $VA
		wait $VA
	fi
else
	skip "SIGKILL during a DFU download" "no dfu-util in the image"
fi

# --- afterwards ---------------------------------------------------------------------
start mouse keyboard
check "afterwards: a mouse and a keyboard with the same names attach" \
	wait_for $T sh -c 'grep -q "^mouse0: ready" /tmp/k.out && grep -q "^keyboard0: ready" /tmp/k.out'
check "... and vusbctl reaches them" vusbctl keyboard0 leds
kill $VA
wait $VA
check "... SIGTERM: exit 0" test $? -eq 0
if wait_for $T none_stuck; then ok "no program stuck in D state"; else
	fail "no program stuck in D state" "$(stuck)"; fi
