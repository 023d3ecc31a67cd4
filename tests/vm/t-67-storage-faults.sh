#!/bin/sh
# Per-command storage faults against usb-storage and sd: `slow MS` makes
# every SCSI command MS late, so dd's time grows by about MS per command
# (--forever, then --count 3), the data read is the image's, and fault
# clear lets a held command go; a
# `reset-storm --count 3` refuses three commands with a phase error, the
# kernel resets the device three times, the read completes, and the image
# is unchanged.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl dd sha256sum
need_module usb-storage sd_mod

T=$((20 * VM_SLOW))
MS=400

echo 0 >/sys/module/usb_storage/parameters/delay_use
dd if=/dev/urandom of=/tmp/disk.img bs=1M count=16 2>/dev/null
sum0=$(sha256sum /tmp/disk.img | cut -d' ' -f1)
vusb-attach --no-stdin storage /tmp/disk.img >/tmp/s.out 2>/tmp/s.err &
VA=$!
if ! wait_for $T grep -q "^storage0: ready, port" /tmp/s.out; then
	fail "vusb-attach storage is ready" "$(cat /tmp/s.out /tmp/s.err)"
	exit 0
fi
busid=$(sed -n 's/.*busid \([0-9][0-9.-]*\).*/\1/p' /tmp/s.out | head -n 1)
wait_for $T disk_of "$busid"
disk=$(disk_of "$busid")
if [ -n "$disk" ]; then
	ok "the disk appears ($disk)"
else
	fail "the disk appears" "$(cat /tmp/s.out)" "$(ls -l /dev/sd* 2>&1)" \
		"$(ls -d /sys/bus/usb/devices/*:1.0/host*/target*/*/block/* 2>&1)" \
		"$( (set -x; disk_of "$busid") 2>&1)"
	exit 0
fi

# read8 SKIP: eight 64 KiB reads past the page cache, one READ(10) each;
# the time they took in centiseconds on stdout, their sha256 in /tmp/r.sum
read8() {
	_t0=$(_vm_uptime_cs)
	dd if=/dev/$disk bs=64k skip="$1" count=8 iflag=direct 2>/tmp/dd.err |
		sha256sum | cut -d' ' -f1 >/tmp/r.sum
	_t1=$(_vm_uptime_cs)
	echo $((_t1 - _t0))
}
# image8 SKIP: the sha256 of the same bytes of the image
image8() {
	dd if=/tmp/disk.img bs=64k skip="$1" count=8 2>/dev/null | sha256sum | cut -d' ' -f1
}

# --- slow MS -------------------------------------------------------------
base=$(read8 0)
note "eight reads without a fault: ${base}0 ms"
check_match "vusbctl storage0 fault slow $MS --forever" "^fault 1: slow $MS --forever$" \
	vusbctl storage0 fault slow $MS --forever
slow=$(read8 8)
grow=$((slow - base))
note "eight reads, each command $MS ms late: ${slow}0 ms (${grow}0 ms more)"
# At least MS per command (each is held that long, whatever the rest
# costs); at most that on top of the time without, and the noise of a
# loaded host.
if [ $slow -ge $((8 * MS / 10)) ] && [ $grow -le $((8 * MS / 10 + 150 * VM_SLOW)) ]; then
	ok "dd takes about $MS ms more per command (${grow}0 ms for 8)"
else
	fail "dd takes about $MS ms more per command" "${slow}0 ms for 8, ${base}0 ms without"
fi
if [ "$(cat /tmp/r.sum)" = "$(image8 8)" ]; then
	ok "the slow reads return the image's bytes"
else
	fail "the slow reads return the image's bytes" "$(cat /tmp/dd.err)"
fi
check_match "each command fired it" "^1	slow $MS --forever	fired ([89]|[1-9][0-9]+)$" \
	vusbctl storage0 faults
check_match "logged with the URB it hit (the CBW on ep 0x02)" \
	"storage0: fault 1 slow fired on seqnum [0-9]+ ep 0x02 \(1 of every 1\)" cat /tmp/s.err
check "vusbctl storage0 fault clear" vusbctl storage0 fault clear

check "vusbctl storage0 fault slow $MS --count 3" vusbctl storage0 fault slow $MS --count 3
slow=$(read8 16)
grow=$((slow - base))
if [ $slow -ge $((3 * MS / 10)) ] && [ $grow -le $((3 * MS / 10 + 150 * VM_SLOW)) ]; then
	ok "--count 3: three commands late (${slow}0 ms for 8 reads, ${base}0 ms without)"
else
	fail "--count 3: three commands late" "${slow}0 ms for 8, ${base}0 ms without"
fi
check_match "faults: fired 3, spent" "^1	slow $MS --count 3	fired 3 \(spent\)$" \
	vusbctl storage0 faults
if [ "$(cat /tmp/r.sum)" = "$(image8 16)" ]; then
	ok "... the data intact"
else
	fail "... the data intact" "$(cat /tmp/dd.err)"
fi
vusbctl storage0 fault clear

# fault clear lets a held command go at once, not 20 s later.
n0=$(grep -c "slow fired" /tmp/s.err)
check "vusbctl storage0 fault slow 20000 --forever" vusbctl storage0 fault slow 20000 --forever
t0=$(_vm_uptime_cs)
dd if=/dev/$disk of=/dev/null bs=64k skip=40 count=2 iflag=direct 2>/tmp/dd.err &
DD=$!
wait_for $T sh -c "[ \$(grep -c 'slow fired' /tmp/s.err) -gt $n0 ]"
check "vusbctl storage0 fault clear, a command held" vusbctl storage0 fault clear
if wait $DD; then
	t1=$(_vm_uptime_cs)
	if [ $((t1 - t0)) -lt 1500 ]; then
		ok "the held command goes on at the clear ($((t1 - t0))0 ms, not 20 s)"
	else
		fail "the held command goes on at the clear" "$((t1 - t0))0 ms"
	fi
else
	fail "the read held at the clear completes" "$(cat /tmp/dd.err)"
fi

# --- reset-storm -----------------------------------------------------------
dmesg -c >/dev/null
# Opened first: sd checks the medium at each open with TEST UNIT READY,
# which it does not retry, so a storm on it would make the medium look
# gone ("No medium found"). Reads are retried after each reset.
exec 3</dev/$disk
check_match "vusbctl storage0 fault reset-storm --count 3" \
	"^fault 1: reset-storm --count 3$" vusbctl storage0 fault reset-storm --count 3
t0=$(_vm_uptime_cs)
dd bs=64k skip=24 count=8 <&3 2>/tmp/dd.err | sha256sum | cut -d' ' -f1 >/tmp/r.sum
t1=$(_vm_uptime_cs)
exec 3<&-
if [ "$(cat /tmp/r.sum)" = "$(image8 24)" ]; then
	ok "the read survives the storm and returns the image's bytes ($((t1 - t0))0 ms)"
else
	fail "the read survives the storm and returns the image's bytes" "$(cat /tmp/dd.err)" \
		"$(dmesg | tail -n 10)"
fi
resets=$(dmesg | grep -c "reset .*USB device number")
if [ "$resets" = 3 ]; then
	ok "the kernel reset the device 3 times"
else
	fail "the kernel reset the device 3 times" "$resets resets" "$(dmesg | tail -n 20)"
fi
check_match "faults: fired 3, spent" "^1	reset-storm --count 3	fired 3 \(spent\)$" \
	vusbctl storage0 faults
check_match "each one logged" "storage0: fault 1 reset-storm fired on seqnum [0-9]+ ep 0x02 \(3 of 3\)" \
	cat /tmp/s.err
check "vusbctl storage0 fault clear" vusbctl storage0 fault clear
read8 32 >/dev/null
if [ "$(cat /tmp/r.sum)" = "$(image8 32)" ]; then
	ok "I/O goes on after the storm"
else
	fail "I/O goes on after the storm" "$(cat /tmp/dd.err)"
fi
check "no reset since" sh -c "[ \$(dmesg | grep -c 'reset .*USB device number') = 3 ]"
sync
if [ "$(sha256sum /tmp/disk.img | cut -d' ' -f1)" = "$sum0" ]; then
	ok "the image is unchanged"
else
	fail "the image is unchanged"
fi
kill -TERM $VA
wait $VA
