#!/bin/sh
# vusb mass storage on a real kernel (usb-storage, sd): a disk of the right
# size, lsusb -v, mkfs.vfat, mount, copy, umount, detach, then the image
# checked on this side with fsck.vfat and mtools byte for byte; `sync`
# then `kill -9 vusb-attach` with every synced file intact; --ro (a
# read-only mount, a forced write refused with DATA PROTECT); --snapshot
# (the image unchanged after writes).
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl lsusb mkfs.vfat fsck.vfat mcopy mdir sgio
need_module usb-storage sd_mod vfat

T=$((30 * VM_SLOW))
IMG=/tmp/disk.img
MNT=/tmp/mnt
mkdir -p $MNT
# usb-storage waits a second before scanning a new device; no need here.
echo 0 >/sys/module/usb_storage/parameters/delay_use

# start NAME ARGS...: vusb-attach in the background (PID in $VA), then
# wait for its ready line and for the disk; its name in $DISK.
start() {
	_name=$1
	shift
	: >/tmp/va.out
	vusb-attach --no-stdin "$@" >/tmp/va.out 2>/tmp/va.err &
	VA=$!
	DISK=
	if ! wait_for $T grep -q "^$_name: ready, port" /tmp/va.out; then
		fail "$_name: vusb-attach $* is ready" "$(cat /tmp/va.out /tmp/va.err)"
		return 1
	fi
	BUSID=$(sed -n 's/.*busid \([0-9][0-9.-]*\).*/\1/p' /tmp/va.out | head -n 1)
	if ! wait_for $T disk_of "$BUSID"; then
		fail "$_name: a disk appears for $BUSID" "$(ls /sys/bus/usb/devices/)" "$(dmesg | tail -n 20)"
		return 1
	fi
	DISK=$(disk_of "$BUSID")
	return 0
}


stop() {
	kill -TERM "$VA" 2>/dev/null
	wait "$VA"
}

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# --- a fresh disk: size, descriptors, a file system ---

dd if=/dev/zero of=$IMG bs=1M count=0 seek=64 2>/dev/null
start storage0 storage $IMG || exit 0
ok "vusb-attach storage $IMG: ready, disk $DISK"
check "the disk is 64 MiB" test "$(cat /sys/block/$DISK/size)" -eq $((64 * 2048))
check_match "sd: write cache enabled (so the host sends SYNCHRONIZE CACHE)" \
	"Write cache: enabled" dmesg
check_match "sd: write protect off" "Write Protect is off" dmesg
check "the disk is removable" test "$(cat /sys/block/$DISK/removable)" = 1
lsusb -v -d 1209:0004 >/tmp/lsusb.txt 2>&1
if grep -niE "warning|can't|cannot|unrecognized|invalid|bogus|error|incomplete" /tmp/lsusb.txt >/tmp/lsusb.bad; then
	fail "lsusb -v prints no warning" "$(cat /tmp/lsusb.bad)"
else
	ok "lsusb -v prints no warning"
fi
check_match "lsusb -v: mass storage, SCSI, bulk-only" \
	"bInterfaceProtocol +80 Bulk-Only" cat /tmp/lsusb.txt
check_match "lsusb -v: 512-byte bulk endpoints at high speed" \
	"wMaxPacketSize +0x0200 +1x 512 bytes" cat /tmp/lsusb.txt
check_match "lsusb -v: a device qualifier" "Device Qualifier" cat /tmp/lsusb.txt
check_match "lsusb -v: a serial number of 16 hex digits" \
	"iSerial +3 [0-9A-F]{16}$" cat /tmp/lsusb.txt
check_match "vusbctl list shows the image" \
	"^storage0 +storage +[0-9]+ +[0-9.-]+ +ready +$IMG 64 MiB rw" vusbctl list
check_match "INQUIRY VPD 0x80: the serial number" "status=0x00 .*data=0080" \
	sgio /dev/$DISK -i 64 12 01 80 00 40 00

check "mkfs.vfat" mkfs.vfat -n VUSBTEST /dev/$DISK
check "mount" mount -t vfat /dev/$DISK $MNT
dd if=/dev/urandom of=/tmp/f1 bs=1k count=300 2>/dev/null
dd if=/dev/urandom of=/tmp/f2 bs=1M count=5 2>/dev/null
echo "hello from vusb" >/tmp/f3
mkdir -p $MNT/dir
check "copy three files" sh -c "cp /tmp/f1 /tmp/f2 $MNT/ && cp /tmp/f3 $MNT/dir/"
check "read back through the page cache" cmp /tmp/f2 $MNT/f2
check "umount" umount $MNT
# Out of the page cache: the reads go to the device.
echo 3 >/proc/sys/vm/drop_caches
check "mount again" mount -t vfat -o ro /dev/$DISK $MNT
check "f2 read back from the device" cmp /tmp/f2 $MNT/f2
umount $MNT
check "vusbctl storage0 detach" vusbctl storage0 detach
wait "$VA"
check "vusb-attach exits 0 after the detach" test $? -eq 0
check "fsck.vfat -n on the image" fsck.vfat -n $IMG
check_match "mdir lists the files" "f2" mdir -i $IMG ::
for f in f1 f2; do
	rm -f /tmp/out
	mcopy -n -i $IMG ::$f /tmp/out 2>/dev/null
	check "mcopy $f: byte for byte" cmp /tmp/$f /tmp/out
done
rm -f /tmp/out
mcopy -n -i $IMG ::dir/f3 /tmp/out 2>/dev/null
check "mcopy dir/f3: byte for byte" cmp /tmp/f3 /tmp/out

# --- sync, then kill -9: what sync returned for is in the image ---

start storage0 storage $IMG || exit 0
mount -t vfat /dev/$DISK $MNT
dd if=/dev/urandom of=/tmp/g1 bs=1M count=3 2>/dev/null
dd if=/dev/urandom of=/tmp/g2 bs=1k count=77 2>/dev/null
cp /tmp/g1 /tmp/g2 $MNT/ && rm $MNT/f1
check "sync" sync
# Not synced: may or may not make it, must not hurt what was.
dd if=/dev/urandom of=$MNT/g3 bs=64k count=64 2>/dev/null &
DD=$!
sleep 0.2
kill -9 "$VA"
wait "$VA" 2>/dev/null
kill "$DD" 2>/dev/null
wait "$DD" 2>/dev/null
umount -l $MNT 2>/dev/null
check "the device is gone after kill -9" sh -c '! lsusb | grep -q 1209:0004'
for f in g1 g2 f2; do
	rm -f /tmp/out
	mcopy -n -i $IMG ::$f /tmp/out 2>/dev/null
	check "after kill -9: $f intact" cmp /tmp/$f /tmp/out
done
check "after kill -9: f1's removal is in the image" sh -c "! mdir -i $IMG ::f1 >/dev/null 2>&1"
cp $IMG /tmp/check.img
# The vfat dirty bit is set (it was mounted when killed): fsck -a clears
# it; then nothing else may be wrong.
fsck.vfat -a /tmp/check.img >/tmp/fsck.out 2>&1
check "after kill -9: fsck.vfat finds nothing but the dirty bit" fsck.vfat -n /tmp/check.img
rm -f /tmp/check.img

# --- --ro ---

before=$(sha $IMG)
start storage0 storage --ro $IMG || exit 0
check_match "--ro: sd sees write protect on" "Write Protect is on" dmesg
check "--ro: the kernel marks the disk read-only" test "$(cat /sys/block/$DISK/ro)" = 1
check "--ro: mount works" mount -t vfat /dev/$DISK $MNT
check_match "--ro: ... read-only" "^/dev/$DISK $MNT vfat ro[ ,]" cat /proc/mounts
check "--ro: files read back" cmp /tmp/g1 $MNT/g1
check "--ro: writing a file fails" sh -c "! echo x >$MNT/new 2>/dev/null"
umount $MNT
check "--ro: opening the disk for writing fails" \
	sh -c "! dd if=/dev/zero of=/dev/$DISK bs=512 count=1 oflag=direct 2>/dev/null"
# Past the block layer: a raw WRITE(10) gets CHECK CONDITION, DATA PROTECT.
check_match "--ro: a forced WRITE(10) gets DATA PROTECT / WRITE PROTECTED" \
	"status=0x02 .*sense=70:00:07:.*:27:00" sgio /dev/$DISK -o 512 2a 00 00 00 00 00 00 00 01 00
check_match "vusbctl list says ro" "$IMG 64 MiB ro" vusbctl list
stop
check "--ro: the image is unchanged" test "$(sha $IMG)" = "$before"

# --- --snapshot ---

start storage0 storage --snapshot $IMG || exit 0
check "--snapshot: mount read-write" mount -t vfat /dev/$DISK $MNT
dd if=/dev/urandom of=/tmp/h1 bs=1M count=2 2>/dev/null
check "--snapshot: write a file, remove one" sh -c "cp /tmp/h1 $MNT/ && rm $MNT/g2 && sync"
umount $MNT
echo 3 >/proc/sys/vm/drop_caches
mount -t vfat /dev/$DISK $MNT
check "--snapshot: the host reads its writes back" cmp /tmp/h1 $MNT/h1
check "--snapshot: ... and its removal" test ! -e $MNT/g2
umount $MNT
check_match "vusbctl list says snapshot" "$IMG 64 MiB snapshot" vusbctl list
stop
check "--snapshot: the image is unchanged" test "$(sha $IMG)" = "$before"
