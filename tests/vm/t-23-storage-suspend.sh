#!/bin/sh
# vusbctl suspend (the sleep hook) with a mounted virtual disk: the host
# has locked the medium, so suspend fails, naming the device and the
# mount, and leaves the disk attached and mounted with its data; once
# unmounted it suspends and resumes; --force detaches even a mounted one.
# The refusal is for every instance: a mouse in another vusb-attach stays
# attached too. And a mounted block device is refused as a read-write
# image.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl mkfs.vfat
need_module usb-storage sd_mod vfat

T=$((30 * VM_SLOW))
MNT=/tmp/mnt
mkdir -p $MNT
echo 0 >/sys/module/usb_storage/parameters/delay_use


vusb-attach --no-stdin mouse >/tmp/vm.out 2>/tmp/vm.err &
VM=$!
if ! wait_for $T grep -q "^mouse0: ready, port" /tmp/vm.out; then
	fail "vusb-attach mouse (another instance) is ready" "$(cat /tmp/vm.out /tmp/vm.err)"
	exit 0
fi
dd if=/dev/zero of=/tmp/s.img bs=1M count=0 seek=16 2>/dev/null
vusb-attach --no-stdin storage /tmp/s.img >/tmp/va.out 2>/tmp/va.err &
VA=$!
if ! wait_for $T grep -q "^storage0: ready, port" /tmp/va.out; then
	fail "vusb-attach storage is ready" "$(cat /tmp/va.out /tmp/va.err)"
	exit 0
fi
BUSID=$(sed -n 's/.*busid \([0-9][0-9.-]*\).*/\1/p' /tmp/va.out | head -n 1)
# (once, under ASan in a full run, BUSID came out empty: show the line)
check_match "the ready line names a busid" "^storage0: ready, port [0-9]+, busid [0-9]+-[0-9.]+$" \
	cat /tmp/va.out
if ! wait_for $T disk_of "$BUSID"; then
	fail "a disk appears for '$BUSID'" "$(cat /tmp/va.out /tmp/va.err)" "$(dmesg | tail -n 20)"
	exit 0
fi
DISK=$(disk_of "$BUSID")
ok "storage0 is /dev/$DISK"
# Right after it appears the disk may still answer ENXIO for a moment.
wait_for $T sh -c "mkfs.vfat /dev/$DISK >/dev/null 2>&1"
check "mount" mount -t vfat /dev/$DISK $MNT
# Written, not synced: the host still holds it in its page cache.
echo "unsynced data" >$MNT/file

check_match "suspend fails, naming the device and the mount" \
	"storage0: the host has locked the medium \(/dev/$DISK on $MNT\)" \
	sh -c 'vusbctl suspend 2>&1; [ $? -ne 0 ]'
check_match "... the disk stays attached" "^storage0 +storage +[0-9]+ " vusbctl list
check_match "... and so does the other instance's mouse" "^mouse0 +mouse +[0-9]+ " vusbctl list
check_match "... vusbctl says nothing was suspended" "nothing suspended" \
	sh -c 'vusbctl suspend 2>&1; [ $? -ne 0 ]'
check_match "... and mounted" "^/dev/$DISK $MNT vfat rw" cat /proc/mounts
check_match "... with its data" "^unsynced data$" cat $MNT/file
# A mounted block device is not served read-write beside its mount (O_EXCL).
check_match "vusb-attach refuses a mounted block device read-write" "in use \(mounted\?\)" \
	sh -c "vusb-attach --no-stdin storage /dev/$DISK 2>&1; [ \$? -ne 0 ]"
check "umount" umount $MNT
vusbctl suspend >/tmp/susp.out 2>&1
check_match "unmounted: suspend detaches" "storage0: suspended" cat /tmp/susp.out
check_match "... the other instance's mouse too" "mouse0: suspended" cat /tmp/susp.out
check_match "... vusbctl list says suspended" "^storage0 +storage +- +- +suspended" vusbctl list
vusbctl resume >/tmp/res.out 2>&1
check_match "resume attaches again" "storage0: resumed on port" cat /tmp/res.out
check_match "... the mouse too" "mouse0: resumed on port" cat /tmp/res.out
# The mouse may have taken the disk's old port: ask where it is now.
busid_now() {
	BUSID=$(vusbctl list | awk '$1 == "storage0" && $4 ~ /^[0-9]+-/ { print $4 }')
	[ -n "$BUSID" ] && disk_of "$BUSID" >/dev/null
}
if wait_for $T busid_now; then
	DISK=$(disk_of "$BUSID")
	ok "the disk is back (/dev/$DISK)"
else
	DISK=
fi
if [ -n "$DISK" ] && wait_for $T mount -t vfat /dev/$DISK $MNT; then
	check_match "the data was written before the suspend" "^unsynced data$" cat $MNT/file
	check_match "suspend --force detaches a mounted disk" "storage0: suspended" \
		vusbctl suspend --force
	umount -l $MNT 2>/dev/null
	check_match "resume after --force" "storage0: resumed on port" vusbctl resume
else
	fail "mount after resume" "$(vusbctl list; dmesg | tail -n 20)"
fi
check_match "suspend with a bad option is refused" "no device named .suspend." \
	sh -c 'vusbctl suspend --now 2>&1; [ $? -ne 0 ]'
kill -TERM $VA $VM
wait $VA $VM
