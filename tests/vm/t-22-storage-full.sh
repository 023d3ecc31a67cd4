#!/bin/sh
# vusb mass storage over a backing file system that runs out of space: a
# sparse 64 MiB image on an 8 MiB tmpfs. The host's writes past the free
# space fail (MEDIUM ERROR / WRITE ERROR, an I/O error to the writer),
# nothing reports success that did not happen, the device keeps working,
# and what was written and synced before is intact in the image.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl mkfs.vfat mcopy
need_module usb-storage sd_mod vfat

T=$((30 * VM_SLOW))
MNT=/tmp/mnt
SMALL=/tmp/small
mkdir -p $MNT $SMALL
echo 0 >/sys/module/usb_storage/parameters/delay_use
mount -t tmpfs -o size=8m tmpfs $SMALL


vusb-attach --no-stdin storage --create 64M $SMALL/img >/tmp/va.out 2>/tmp/va.err &
VA=$!
if ! wait_for $T grep -q "^storage0: ready, port" /tmp/va.out; then
	fail "vusb-attach storage --create 64M on an 8 MiB tmpfs" "$(cat /tmp/va.out /tmp/va.err)"
	exit 0
fi
BUSID=$(sed -n 's/.*busid \([0-9][0-9.-]*\).*/\1/p' /tmp/va.out)
wait_for $T disk_of "$BUSID"
DISK=$(disk_of "$BUSID")
ok "a sparse 64 MiB image on an 8 MiB file system: $DISK"

check "mkfs.vfat" mkfs.vfat /dev/$DISK
check "mount" mount -t vfat /dev/$DISK $MNT
dd if=/dev/urandom of=/tmp/a bs=1M count=2 2>/dev/null
check "a 2 MiB file, synced" sh -c "cp /tmp/a $MNT/a && sync"
dmesg -c >/dev/null
# 16 MiB more cannot fit in what is left of the 8 MiB: fsync must say so.
if dd if=/dev/urandom of=$MNT/b bs=1M count=16 conv=fsync 2>/tmp/dd.err; then
	fail "writing 16 MiB more fails" "dd succeeded" "$(df $SMALL)"
else
	ok "writing 16 MiB more fails ($(tail -n 1 /tmp/dd.err))"
fi
check_match "the kernel got MEDIUM ERROR / WRITE ERROR" "Medium Error|Write error" dmesg
check_match "the backing file system is full" "100%" df $SMALL
check "vusb-attach is still running" kill -0 $VA
check "the first file still reads back through the device" sh -c \
	"echo 3 >/proc/sys/vm/drop_caches; cmp /tmp/a $MNT/a"
umount $MNT 2>/dev/null || umount -l $MNT
kill -TERM $VA
wait $VA
check "vusb-attach exits 0 after SIGTERM" test $? -eq 0
rm -f /tmp/out
mcopy -n -i $SMALL/img ::a /tmp/out 2>/dev/null
check "in the image: the synced file intact" cmp /tmp/a /tmp/out
umount $SMALL
