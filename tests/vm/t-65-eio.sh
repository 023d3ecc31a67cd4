#!/bin/sh
# Mass storage over a disk that fails: a device-mapper table over a loop
# device with 1 MiB of "error" in the middle, later the whole disk dying.
# Reads of the bad part fail on the host (EIO, not zeros and not a hang);
# a write there cannot be made durable, so the flush the host asks for
# fails instead of claiming success, and so does every later flush (the
# kernel reports a lost write once: vusb remembers); what was flushed
# before the failure is in the image. The device, vusb-attach and the
# host keep working, and stop cleanly. (ENOSPC: t-22-storage-full.)
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl dmsetup losetup
need_module dm-mod usb-storage sd_mod vhci-hcd

T=$((30 * VM_SLOW))
echo 0 >/sys/module/usb_storage/parameters/delay_use
IMG=/tmp/e.img
MB=16
dd if=/dev/urandom of=$IMG bs=1M count=$MB 2>/dev/null
modprobe loop 2>/dev/null
LOOP=$(losetup -f 2>&1)
if ! losetup "$LOOP" $IMG 2>/tmp/e.lo; then
	fail "losetup $LOOP $IMG" "$(cat /tmp/e.lo)" "$(ls -l $IMG /dev/loop* 2>&1 | head -n 5)"
	exit 0
fi
# sectors: [0, 8192) good, [8192, 10240) error, the rest good
table="0 8192 linear $LOOP 0
8192 2048 error
10240 $((MB * 2048 - 10240)) linear $LOOP 10240"
if ! echo "$table" | dmsetup --noudevsync create vusbbad >/tmp/e.dm 2>&1; then
	fail "dmsetup create" "$(cat /tmp/e.dm)"
	losetup -d "$LOOP"
	exit 0
fi
DM=/dev/mapper/vusbbad
wait_for 5 test -b $DM || DM=/dev/dm-0

cleanup() {
	dmsetup --noudevsync remove vusbbad 2>/dev/null
	losetup -d "$LOOP" 2>/dev/null
}
trap cleanup EXIT

# No program in D state; kernel threads (no command line) may be.
none_stuck() {
	for _d in /proc/[0-9]*; do
		[ "$(cut -d' ' -f3 "$_d/stat" 2>/dev/null)" = D ] || continue
		[ -n "$(tr -d '\0' <"$_d/cmdline" 2>/dev/null)" ] && return 1
	done
	return 0
}

vusb-attach --no-stdin storage $DM >/tmp/e.out 2>/tmp/e.err &
VA=$!
if ! wait_for $T grep -q '^storage0: ready' /tmp/e.out; then
	fail "vusb-attach storage $DM is ready" "$(cat /tmp/e.out /tmp/e.err)"
	exit 0
fi
ok "vusb-attach storage $DM is ready"
busid=$(sed -n 's/^storage0: ready, port [0-9]*, busid \(.*\)$/\1/p' /tmp/e.out)
disk=
wait_for $T sh -c "ls /sys/bus/usb/devices/$busid:1.0/host*/target*/*/block/ 2>/dev/null | grep -q ."
for b in /sys/bus/usb/devices/"$busid":1.0/host*/target*/*/block/*; do
	[ -e "$b" ] && disk=${b##*/}
done
if [ -z "$disk" ] || ! wait_for $T test -b "/dev/$disk"; then
	fail "a disk appears" "$(cat /tmp/e.err)"
	kill $VA
	wait $VA
	exit 0
fi
ok "the disk is /dev/$disk"
D=/dev/$disk

# --- reads ---
dd if=$IMG of=/tmp/e.head bs=64k count=64 2>/dev/null
check "a read of the good first 4 MiB matches the image" \
	sh -c "dd if=$D bs=64k count=64 iflag=direct 2>/dev/null | cmp -s - /tmp/e.head"
check "a read of the bad MiB fails" \
	sh -c "! dd if=$D of=/dev/null bs=64k skip=64 count=16 iflag=direct 2>/dev/null"
check "... in a bounded time, nothing stuck" none_stuck
dd if=$IMG of=/tmp/e.tail bs=64k skip=80 count=16 2>/dev/null
check "a read of good blocks after the bad ones matches the image" \
	sh -c "dd if=$D bs=64k skip=80 count=16 iflag=direct 2>/dev/null | cmp -s - /tmp/e.tail"

# --- writes and flushes ---
dd if=/dev/urandom of=/tmp/e.good bs=64k count=4 2>/dev/null
check "a write to good blocks, flushed: dd conv=fsync succeeds" \
	dd if=/tmp/e.good of=$D bs=64k seek=16 oflag=direct conv=fsync
if dd if=/dev/zero of=$D bs=64k seek=64 count=4 oflag=direct conv=fsync 2>/tmp/e.dd; then
	fail "a write to the bad MiB, flushed: dd fails, no success claimed" "$(cat /tmp/e.dd)"
else
	ok "a write to the bad MiB, flushed: dd fails, no success claimed"
fi
if dd if=/tmp/e.good of=$D bs=64k seek=32 oflag=direct conv=fsync 2>/dev/null; then
	fail "after a lost write every later flush fails too (the image is not durable)"
else
	ok "after a lost write every later flush fails too (the image is not durable)"
fi
check "vusb-attach is still running" kill -0 $VA
check_match "vusbctl storage0 info still answers" "medium" vusbctl storage0 info
# The failed flush was reported once by the kernel; the image's own flush
# at eject now succeeds, but the lost write must still be told.
check_match "a user eject still reports the flush that failed before" \
	"flushing the image failed" sh -c 'vusbctl storage0 eject --force 2>&1; [ $? -ne 0 ]'
check "... and the image goes back in" vusbctl storage0 insert $DM

# --- the disk dies altogether ---
dmsetup --noudevsync suspend vusbbad &&
	echo "0 $((MB * 2048)) error" | dmsetup --noudevsync load vusbbad &&
	dmsetup --noudevsync resume vusbbad
# (Blocks read before may still come from vusb's page cache: read new ones.)
check "the disk has died: reads fail" \
	sh -c "! dd if=$D of=/dev/null bs=64k skip=240 count=4 iflag=direct 2>/dev/null"
check "... and return" none_stuck
check "vusb-attach carries on" kill -0 $VA
kill $VA
wait $VA
rc=$?
note "vusb-attach's exit status after the disk died: $rc"
check "SIGTERM ends it (0, or 1 for a flush that failed)" test $rc -le 1
check "... the disk is gone" wait_for $T sh -c "! test -e /sys/block/$disk"
check "nothing stuck in D state" wait_for $T none_stuck

# What was flushed before the failure is in the image.
check "the flushed write is in the image" \
	sh -c "dd if=$IMG bs=64k skip=16 count=4 2>/dev/null | cmp -s - /tmp/e.good"
