#!/bin/sh
# vusb mass storage, removable media and the rest: eject and insert from
# vusbctl and from the host (eject(1)), --cdrom (an ISO 9660 image as
# sr0, mounted), an image over 2 TiB (READ CAPACITY(16)), --superspeed,
# bad images refused before anything is attached, and host/device
# disagreements sent with SG_IO through usb-storage: short reads, phase
# errors and the Reset Recovery after them, with the disk still fine.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl lsusb mkfs.vfat sgio
need_module usb-storage sd_mod vfat

T=$((30 * VM_SLOW))
MNT=/tmp/mnt
mkdir -p $MNT
echo 0 >/sys/module/usb_storage/parameters/delay_use

# start NAME ARGS...: vusb-attach in the background (PID in $VA), its
# ready line, and the block device ($DISK) if one is expected ($NODISK unset).
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
		fail "$_name: a disk appears for $BUSID" "$(dmesg | tail -n 20)"
		return 1
	fi
	DISK=$(disk_of "$BUSID")
}


stop() {
	kill -TERM "$VA" 2>/dev/null
	wait "$VA"
}

# size_is DISK BYTES: what an open of the disk finds (it rechecks the medium)
size_is() {
	[ "$(blockdev --getsize64 /dev/$1 2>/dev/null)" = "$2" ]
}

# --- eject and insert, from vusbctl ---

dd if=/dev/zero of=/tmp/a.img bs=1M count=0 seek=16 2>/dev/null
dd if=/dev/urandom of=/tmp/b.img bs=1M count=8 2>/dev/null
start storage0 storage /tmp/a.img || exit 0
check "16 MiB medium" size_is $DISK $((16 << 20))
mkfs.vfat /dev/$DISK >/dev/null 2>&1
mount -t vfat /dev/$DISK $MNT
# Mounted: the host locks the medium; a plain eject is refused.
check_match "vusbctl eject refused while the host holds the medium" "locked|--force" \
	sh -c 'vusbctl storage0 eject 2>&1; [ $? -ne 0 ]'
check_match "vusbctl list: locked" "a.img 16 MiB rw locked" vusbctl list
umount $MNT
check "vusbctl storage0 eject" vusbctl storage0 eject
check_match "vusbctl list: no medium" "^storage0 .* no medium" vusbctl list
check_match "the host finds no medium" "No medium found|ENOMEDIUM" \
	sh -c "blockdev --getsize64 /dev/$DISK 2>&1; true"
check_match "insert of a missing file fails with the reason" "no such file" \
	sh -c 'vusbctl storage0 insert /tmp/none.img 2>&1; [ $? -ne 0 ]'
check "vusbctl storage0 insert b.img, relative to where vusbctl runs" \
	sh -c 'cd /tmp && vusbctl storage0 insert b.img'
check "the host sees the new medium's size" wait_for $T size_is $DISK $((8 << 20))
check "... and its bytes" sh -c "dd if=/dev/$DISK bs=1M iflag=direct 2>/dev/null | cmp - /tmp/b.img"
check_match "vusbctl list: the new image" "/tmp/b.img 8 MiB rw" vusbctl list
# The image ejected first is free again: another device can have it.
check "a.img is unlocked after the eject" sh -c '
	vusb-attach --no-stdin storage /tmp/a.img --name other >/tmp/o.out 2>&1 & p=$!
	i=0; while ! grep -q "^other: ready" /tmp/o.out && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
	grep -q "^other: ready" /tmp/o.out; r=$?; kill $p; wait $p; exit $r'

# --- eject and load, from the host ---

if command -v eject >/dev/null; then
	check "eject /dev/$DISK (the host)" eject /dev/$DISK
	check_match "vusbctl list: ejected by host" "ejected by host: /tmp/b.img" vusbctl list
	check_match "the host finds no medium after its eject" "No medium found" \
		sh -c "blockdev --getsize64 /dev/$DISK 2>&1; true"
	# eject -t closes the tray (CDROMCLOSETRAY): START STOP UNIT load.
	eject -t /dev/$DISK 2>/dev/null ||
		sgio /dev/$DISK 1b 00 00 00 03 00 >/dev/null
	check "loaded again: medium back" wait_for $T size_is $DISK $((8 << 20))
	check_match "vusbctl list: back in" "/tmp/b.img 8 MiB rw" vusbctl list
else
	skip "eject from the host" "eject(1) is not in the VM image"
fi
stop

# --- CD-ROM ---

if command -v genisoimage >/dev/null && modprobe sr_mod 2>/dev/null && modprobe isofs 2>/dev/null; then
	mkdir -p /tmp/iso/sub
	dd if=/dev/urandom of=/tmp/iso/data.bin bs=1k count=1500 2>/dev/null
	echo "vusb cd" >/tmp/iso/sub/readme.txt
	genisoimage -quiet -R -J -V VUSBCD -o /tmp/cd.iso /tmp/iso
	mkdir -p /tmp/iso2 && echo "second disc" >/tmp/iso2/two.txt
	genisoimage -quiet -R -V DISC2 -o /tmp/cd2.iso /tmp/iso2
	if start storage0 storage --cdrom /tmp/cd.iso; then
		case $DISK in
		sr*) ok "--cdrom: the host sees a CD drive ($DISK)" ;;
		*) fail "--cdrom: the host sees a CD drive" "got $DISK" ;;
		esac
		check_match "--cdrom: sr reports a CD-ROM" "Attached scsi CD-ROM $DISK" dmesg
		check "--cdrom: mount -t iso9660" mount -t iso9660 -o ro /dev/$DISK $MNT
		check "--cdrom: a file reads back" cmp /tmp/iso/data.bin $MNT/data.bin
		check "--cdrom: and another" cmp /tmp/iso/sub/readme.txt $MNT/sub/readme.txt
		umount $MNT
		if command -v eject >/dev/null; then
			check "--cdrom: eject /dev/$DISK" eject /dev/$DISK
			check_match "--cdrom: vusbctl list: ejected by host" "ejected by host: /tmp/cd.iso" \
				vusbctl list
			check "--cdrom: eject -t loads it again" eject -t /dev/$DISK
			check "--cdrom: mount after the load" \
				wait_for $T mount -t iso9660 -o ro /dev/$DISK $MNT
			umount $MNT 2>/dev/null
		fi
		check "--cdrom: vusbctl eject" vusbctl storage0 eject
		check "--cdrom: vusbctl insert another disc" vusbctl storage0 insert /tmp/cd2.iso
		check "--cdrom: the new disc mounts" wait_for $T mount -t iso9660 -o ro /dev/$DISK $MNT
		check_match "--cdrom: ... and has its file" "second disc" cat $MNT/two.txt
		umount $MNT 2>/dev/null
		stop
	fi
else
	skip "--cdrom" "genisoimage, sr_mod or isofs missing in the VM"
fi

# --- over 2 TiB ---

if start storage0 storage --create 3T /tmp/big.img; then
	check "3 TiB: the disk has 3 TiB of 512-byte sectors" \
		test "$(cat /sys/block/$DISK/size)" = $((3 << 31))
	dd if=/dev/urandom of=/tmp/tail bs=1M count=1 2>/dev/null
	check "3 TiB: write the last MiB" \
		dd if=/tmp/tail of=/dev/$DISK bs=1M seek=$((3 * 1024 * 1024 - 1)) oflag=direct 2>/dev/null
	check "3 TiB: read it back" sh -c "dd if=/dev/$DISK bs=1M skip=$((3 * 1024 * 1024 - 1)) \
		count=1 iflag=direct 2>/dev/null | cmp - /tmp/tail"
	stop
	check "3 TiB: it is in the image at the right offset" sh -c "dd if=/tmp/big.img bs=1M \
		skip=$((3 * 1024 * 1024 - 1)) count=1 2>/dev/null | cmp - /tmp/tail"
	rm -f /tmp/big.img
fi

# --- SuperSpeed ---

if start storage0 storage --superspeed --create 16M /tmp/ss.img; then
	check "--superspeed: 5000 Mb/s" test "$(cat /sys/bus/usb/devices/$BUSID/speed)" = 5000
	lsusb -v -d 1209:0004 >/tmp/lsusb.txt 2>&1
	check_match "--superspeed: bMaxPacketSize0 9" "bMaxPacketSize0 +9$" cat /tmp/lsusb.txt
	check_match "--superspeed: BOS with the SuperSpeed capability" \
		"SuperSpeed USB Device Capability" cat /tmp/lsusb.txt
	check_match "--superspeed: endpoint companions" "bMaxBurst +15" cat /tmp/lsusb.txt
	check_match "--superspeed: 1024-byte bulk packets" "wMaxPacketSize +0x0400" cat /tmp/lsusb.txt
	if grep -niE "warning|can't|cannot|invalid|bogus|incomplete" /tmp/lsusb.txt >/tmp/lsusb.bad; then
		fail "--superspeed: lsusb -v prints no warning" "$(cat /tmp/lsusb.bad)"
	else
		ok "--superspeed: lsusb -v prints no warning"
	fi
	dd if=/dev/urandom of=/tmp/ssdata bs=1M count=6 2>/dev/null
	check "--superspeed: write 6 MiB" dd if=/tmp/ssdata of=/dev/$DISK bs=1M oflag=direct 2>/dev/null
	check "--superspeed: read them back" sh -c "dd if=/dev/$DISK bs=1M count=6 iflag=direct \
		2>/dev/null | cmp - /tmp/ssdata"
	stop
fi

# --- bad images: refused with a reason, nothing attached ---

# vhci ports in use and our devices on the bus, before and after
attached() {
	awk '($1 == "hs" || $1 == "ss") && $3 == "006"' "$(dirname "$(vhci_attach_file)")/status" | wc -l
	lsusb | grep -c 1209:0004
}

# refused NAME REGEX ARGS...: vusb-attach fails, says REGEX, attaches nothing
refused() {
	_n=$1 _re=$2
	shift 2
	_before=$(attached)
	if vusb-attach --no-stdin "$@" >/tmp/bad.out 2>&1; then
		fail "$_n: refused" "$(cat /tmp/bad.out)"
		return
	fi
	if ! grep -qE -- "$_re" /tmp/bad.out; then
		fail "$_n: the reason is given" "$(cat /tmp/bad.out)"
		return
	fi
	if [ "$(attached)" != "$_before" ] || grep -q "attached to vhci" /tmp/bad.out; then
		fail "$_n: nothing attached" "$(lsusb)"
		return
	fi
	ok "$_n: refused before attaching ($(head -n 1 /tmp/bad.out))"
}

refused "missing image" "no such file" storage /tmp/nonexistent.img
mkdir -p /tmp/adir
refused "a directory" "is a directory" storage /tmp/adir
dd if=/dev/zero of=/tmp/odd.img bs=1000 count=1 2>/dev/null
refused "a size not whole blocks" "not a multiple" storage /tmp/odd.img
check "... and the file is left alone" test "$(stat -c %s /tmp/odd.img)" = 1000
refused "--create over an existing file" "exists already" storage --create 1M /tmp/odd.img
mkfifo /tmp/fifo
refused "a FIFO" "not a regular file" storage /tmp/fifo
mkdir -p /tmp/rofs
mount -t tmpfs -o size=4m tmpfs /tmp/rofs
dd if=/dev/zero of=/tmp/rofs/r.img bs=1M count=1 2>/dev/null
mount -o remount,ro /tmp/rofs
refused "an image on a read-only file system" "read-only file system" storage /tmp/rofs/r.img
if start storage0 storage --ro /tmp/rofs/r.img; then
	ok "... which --ro serves"
	stop
fi
umount /tmp/rofs
# No permission: vusb-attach runs as root here, so only a --create in a
# directory root may not write to shows it (EACCES comes from the open).
if start storage0 storage /tmp/a.img; then
	refused "an image in use by another vusb-attach" "in use" storage /tmp/a.img --name second
	refused "... also for --ro" "in use" storage --ro /tmp/a.img --name second
	stop
fi

# --- host/device disagreements, through usb-storage (SG_IO) ---

dd if=/dev/urandom of=/tmp/c.img bs=1M count=4 2>/dev/null
if start storage0 storage /tmp/c.img; then
	dev=/dev/$DISK
	dmesg -c >/dev/null
	# Case 4: TEST UNIT READY, the host expects 512 bytes: STALL, residue 512.
	check_match "case 4 (Hi > Dn): good status, residue 512" "status=0x00 host=0x00 .*resid=512" \
		sgio $dev -i 512 00 00 00 00 00 00
	# Case 5: INQUIRY of 36 bytes, the host expects 96: short, STALL, residue 60.
	check_match "case 5 (Hi > Di): 36 bytes, residue 60" \
		"status=0x00 host=0x00 .*resid=60 .*data=00800602" sgio $dev -i 96 12 00 00 00 60 00
	# Case 6, for reference.
	check_match "case 6 (Hi = Di)" "status=0x00 host=0x00 .*resid=0" \
		sgio $dev -i 1024 28 00 00 00 00 00 00 00 02 00
	# Case 7: READ of 2 blocks, the host expects 1: phase error, reset.
	check_match "case 7 (Hi < Di): a phase error the host notices" "host=0x0[1-9a-f] " \
		sgio $dev -i 512 28 00 00 00 00 00 00 00 02 00
	# Case 2: INQUIRY with no data phase at all: phase error.
	check_match "case 2 (Hn < Di): a phase error" "host=0x0[1-9a-f] " sgio $dev 12 00 00 00 24 00
	# Case 13: WRITE of 2 blocks, the host sends 1: phase error.
	check_match "case 13 (Ho < Do): a phase error" "host=0x0[1-9a-f] " \
		sgio $dev -o 512 2a 00 00 00 00 00 00 00 02 00
	# Case 9: TEST UNIT READY with 512 bytes from the host: accepted.
	check_match "case 9 (Ho > Dn): good status, residue 512" "status=0x00 host=0x00 .*resid=512" \
		sgio $dev -o 512 00 00 00 00 00 00
	# Case 10: INQUIRY with data from the host: STALL OUT, phase error.
	check_match "case 10 (Ho <> Di): refused" "host=0x0[1-9a-f]|status=0x02" \
		sgio $dev -o 36 12 00 00 00 24 00
	# Case 11: WRITE of 1 block with 1024 bytes: good, residue 512.
	check_match "case 11 (Ho > Do): good status, residue 512" "status=0x00 host=0x00 .*resid=512" \
		sgio $dev -o 1024 2a 00 00 00 00 00 00 00 01 00
	# Case 8: WRITE with the host expecting to read: STALL IN, phase error.
	check_match "case 8 (Hi <> Do): refused" "host=0x0[1-9a-f]|status=0x02" \
		sgio $dev -i 512 2a 00 00 00 00 00 00 00 01 00
	# Unknown command, LBA out of range: CHECK CONDITION with the sense.
	check_match "an unknown opcode: ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE" \
		"status=0x02 .*sense=70:00:05:.*:20:00" sgio $dev c7 00 00 00 00 00
	check_match "READ past the end: ILLEGAL REQUEST, LBA OUT OF RANGE" \
		"status=0x02 .*sense=70:00:05:.*:21:00" sgio $dev -i 512 28 00 00 00 20 00 00 00 01 00
	check_match "READ CAPACITY(16)" "status=0x00 .*data=0000000000001fff00000200" \
		sgio $dev -i 32 9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00
	# usb-storage answers a phase error with a port reset (the device is
	# enumerated again); after all of them the disk still reads the image.
	note "port resets after the phase errors: $(dmesg | grep -c 'reset high-speed USB device')"
	check "the disk still reads the image" sh -c "dd if=$dev bs=1M count=4 iflag=direct \
		2>/dev/null | cmp - /tmp/c.img"
	check_match "vusbctl storage0 info: counters" "phase errors: [1-9]" vusbctl storage0 info
	stop
fi

# --- compressed images: read-only, from a private decompressed copy ---
# gzip here (busybox's); xz and zstd go the same way through their own
# tools, which tests/unit/test_storage.c runs on the build machine.
need_cmd gzip
dd if=/dev/urandom of=/tmp/z.img bs=1M count=4 2>/dev/null
gzip -c /tmp/z.img >/tmp/z.img.gz
sum=$(md5sum </tmp/z.img.gz)
for mode in --ro --snapshot; do
	if start storage0 storage /tmp/z.img.gz $mode; then
		check "gzip image $mode: the host reads the decompressed bytes" \
			sh -c "dd if=/dev/$DISK bs=1M count=4 iflag=direct 2>/dev/null | cmp - /tmp/z.img"
		stop
		# The next one may get the same port: not while this disk is still there.
		wait_for $T sh -c "! test -e /sys/block/$DISK"
	fi
done
check "gzip image: the file is unchanged" test "$(md5sum </tmp/z.img.gz)" = "$sum"
check_match "a gzip image for writing: refused with gunzip -k, exit 2" \
	"is gzip-compressed: serve it with --ro or --snapshot.*gunzip -k /tmp/z.img.gz" \
	sh -c 'vusb-attach --no-stdin storage /tmp/z.img.gz 2>&1; [ $? -eq 2 ]'
if lsusb | grep -q "1209:0004"; then
	fail "... and nothing attached" "$(lsusb)"
else
	ok "... and nothing attached"
fi
