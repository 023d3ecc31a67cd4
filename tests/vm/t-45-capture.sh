#!/bin/sh
# --capture with the kernel's own drivers on the other end: a mouse whose
# reports the test sends, a storage device the kernel writes and reads
# at LBAs the test picks, a Fomu taking a download from dfu-util, a stall
# named in the capture of the packet it hit, and a
# capture streamed through a pipe while the mouse works. The files go to the host (export_file), where
# t-45-capture.host has Debian's tshark decode them.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread base64 dd dfu-util
need_module usb-storage sd_mod

T=$((30 * VM_SLOW))
echo 0 >/sys/module/usb_storage/parameters/delay_use

# start NAME ARGS...: vusb-attach in the background (PID in $VA), ready
start() {
	_name=$1
	shift
	vusb-attach --no-stdin "$@" >/tmp/va.out 2>/tmp/va.err &
	VA=$!
	if ! wait_for $T grep -q "^$_name: ready, port" /tmp/va.err /tmp/va.out; then
		fail "$_name: vusb-attach $* is ready" "$(cat /tmp/va.out /tmp/va.err)"
		return 1
	fi
	ok "$_name: vusb-attach $* is ready"
}

stop() {
	kill -TERM "$VA" 2>/dev/null
	wait "$VA"
	check "vusb-attach exits 0 and writes the capture out" test $? -eq 0
}

# --- a mouse: the reports the test sends ---

start mouse0 mouse --capture /tmp/mouse.pcapng || exit 0
ev=$(evdev_for 1209 0001 | head -n 1)
evread -n 2 -t 10 --ready-file /tmp/ready "$ev" >/tmp/ev &
reader=$!
wait_for 10 test -e /tmp/ready
check "vusbctl mouse0 move 100 50" vusbctl mouse0 move 100 50
wait $reader
check_match "the move arrives" '^EV_REL REL_X 100$' cat /tmp/ev
stop
export_file mouse.pcapng /tmp/mouse.pcapng

# --- a fault that fires is named on the packet it hit ---

start mouse0 mouse --capture /tmp/fault.pcapng || exit 0
ev=$(evdev_for 1209 0001 | head -n 1)
rm -f /tmp/ready
evread -n 4 -t 10 --ready-file /tmp/ready "$ev" >/tmp/ev &
reader=$!
wait_for 10 test -e /tmp/ready
check "vusbctl mouse0 fault stall --ep 0x81" vusbctl mouse0 fault stall --ep 0x81
check "vusbctl mouse0 move 5 5" vusbctl mouse0 move 5 5
check "the stall fires" wait_for $T grep -q "fault 1 stall fired" /tmp/va.err
check "vusbctl mouse0 move 7 7" vusbctl mouse0 move 7 7
wait $reader
check_match "the move after the stall arrives" '^EV_REL REL_X 7$' cat /tmp/ev
stop
export_file fault.pcapng /tmp/fault.pcapng

# --- a storage device: a block written at LBA 1000, one read at 2000 ---

dd if=/dev/zero of=/tmp/disk.img bs=1M count=0 seek=16 2>/dev/null
start storage0 storage /tmp/disk.img --capture /tmp/storage.pcapng --capture-snaplen 64 || exit 0
busid=$(sed -n 's/.*busid \([0-9][0-9.-]*\).*/\1/p' /tmp/va.out | head -n 1)
disk=
wait_for $T sh -c "ls /sys/bus/usb/devices/$busid:1.0/host*/target*/*/block/ >/dev/null 2>&1"
for b in /sys/bus/usb/devices/"$busid":1.0/host*/target*/*/block/*; do
	[ -b "/dev/${b##*/}" ] && disk=${b##*/}
done
if [ -z "$disk" ]; then
	fail "a disk appears for $busid" "$(dmesg | tail -n 20)"
	stop
	exit 0
fi
check "write one block at LBA 1000" \
	dd if=/dev/urandom of=/dev/$disk bs=512 seek=1000 count=1 oflag=direct
check "read one block at LBA 2000" \
	dd if=/dev/$disk of=/dev/null bs=512 skip=2000 count=1 iflag=direct
stop
export_file storage.pcapng /tmp/storage.pcapng

# --- a Fomu: dfu-util's DNLOAD blocks (1024 bytes each, then the empty one) ---

dd if=/dev/urandom of=/tmp/image.bin bs=1000 count=3 2>/dev/null
start fomu0 fomu --flash /tmp/fomu.flash --capture /tmp/fomu.pcapng || exit 0
check "dfu-util -D a 3000-byte image" dfu-util -D /tmp/image.bin
stop
export_file fomu.pcapng /tmp/fomu.pcapng

# --- streamed: --capture - into a pipe while the mouse works ---

mkfifo /tmp/live
cat /tmp/live >/tmp/live.pcapng &
catpid=$!
vusb-attach --no-stdin mouse --capture - >/tmp/live 2>/tmp/va.err &
VA=$!
if wait_for $T grep -q "^mouse0: ready, port" /tmp/va.err; then
	ok "--capture -: the ready line goes to standard error"
	rm -f /tmp/ready
	ev=$(evdev_for 1209 0001 | head -n 1)
	evread -n 2 -t 10 --ready-file /tmp/ready "$ev" >/tmp/ev &
	reader=$!
	wait_for 10 test -e /tmp/ready
	check "vusbctl mouse0 click" vusbctl mouse0 click
	wait $reader
	check_match "the click arrives" '^EV_KEY BTN_LEFT 1$' cat /tmp/ev
	check "the pcapng streams while the device works" \
		wait_for $T test "$(wc -c </tmp/live.pcapng)" -gt 1000
	stop
else
	fail "--capture -: the ready line goes to standard error" "$(cat /tmp/va.err)"
	kill "$VA"
fi
wait $catpid
export_file live.pcapng /tmp/live.pcapng
