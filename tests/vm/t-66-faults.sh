#!/bin/sh
# Faults on cue (vusbctl NAME fault ...) against the kernel's own drivers:
# a stalled mouse endpoint is cleared by usbhid and the next move arrives;
# an URB held forever (timeout) is unlinked when the reader closes and the
# mouse keeps working; -EOVERFLOW (babble) on the interrupt endpoint is
# reported by usbhid; a corrupted configuration descriptor is rejected by
# the kernel and a replug without it enumerates; so are a truncated
# configuration and device descriptor, while an oversized configuration
# is read as far as it goes; a --fault given on the
# command line or in a configuration file hits the first request;
# medium-error 100 read fails block 100 with EIO (the kernel
# naming the LBA) while 99 and 101 read, and a write error writes nothing;
# a disk that leaves the bus for 500 ms during a read is dropped
# and enumerated again without a hang.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl evread dd blkio
need_module usb-storage sd_mod

T=$((20 * VM_SLOW))

ready_in() {
	grep -q "^$2: ready, port [0-9]*, busid [0-9]*-[0-9.]*\$" "$1"
}

vusb-attach --no-stdin mouse >/tmp/m.out 2>/tmp/m.err &
VA=$!
if ! wait_for $T ready_in /tmp/m.out mouse0 || ! wait_for $T evdev_for 1209 0001; then
	fail "vusb-attach mouse is ready with an event node" "$(cat /tmp/m.out /tmp/m.err)"
	exit 0
fi
ok "vusb-attach mouse is ready with an event node"
ev=$(evdev_for 1209 0001 | head -n 1)

# read_events COUNT OUT: evread in the background until it has the node open
read_events() {
	rm -f /tmp/ev.ready
	evread -n "$1" -t $T --ready-file /tmp/ev.ready "$ev" >"$2" 2>&1 &
	ER=$!
	wait_for $T test -e /tmp/ev.ready
}

# --- stall: usbhid clears the halt ----------------------------------------
read_events 4 /tmp/ev1
check_match "vusbctl mouse0 fault stall --ep 0x81" "^fault 1: stall --ep 0x81 --count 1$" \
	vusbctl mouse0 fault stall --ep 0x81
# The URB usbhid has pending carries this move; the one it submits next
# is stalled, and usbhid must clear the halt to read again.
check "vusbctl mouse0 move 5 5" vusbctl mouse0 move 5 5
if wait_for $T grep -q "mouse0: fault 1 stall fired on seqnum [0-9]* ep 0x81 (1 of 1)" /tmp/m.err; then
	ok "the stall fires, logged with the URB it hit"
else
	fail "the stall fires, logged with the URB it hit" "$(cat /tmp/m.err)"
fi
check "vusbctl mouse0 move 7 7" vusbctl mouse0 move 7 7
wait $ER
check_match "the move before the stall arrives" "^EV_REL REL_X 5$" cat /tmp/ev1
check_match "the move after the stall arrives: usbhid cleared the halt" "^EV_REL REL_X 7$" cat /tmp/ev1
check_match "faults: fired once, spent" "^1	stall --ep 0x81 --count 1	fired 1 \(spent\)$" \
	vusbctl mouse0 faults
check "vusbctl mouse0 fault clear" vusbctl mouse0 fault clear

# --- timeout: the host unlinks it -----------------------------------------
# (with every fault cleared, ids start again at 1)
read_events 2 /tmp/ev2
check "vusbctl mouse0 fault timeout --ep 0x81" vusbctl mouse0 fault timeout --ep 0x81
check "vusbctl mouse0 move 1 1" vusbctl mouse0 move 1 1
wait $ER
check_match "the move before the timeout arrives" "^EV_REL REL_X 1$" cat /tmp/ev2
if wait_for $T grep -q "mouse0: fault 1 timeout fired" /tmp/m.err; then
	ok "the next URB is held"
else
	fail "the next URB is held" "$(cat /tmp/m.err)"
fi
# The reader closed: usbhid kills its URB, which only returns when the
# device answers the unlink. Opening the node again must work.
read_events 2 /tmp/ev3
check "vusbctl mouse0 move 3 3 after the unlink" vusbctl mouse0 move 3 3
if wait $ER; then
	ok "the mouse works after the held URB was unlinked"
else
	fail "the mouse works after the held URB was unlinked" "$(cat /tmp/ev3)" "$(dmesg | tail -n 5)"
fi
check_match "the move arrives" "^EV_REL REL_X 3$" cat /tmp/ev3
check_match "faults: the timeout fired once, holds nothing" "^1	timeout --ep 0x81 --count 1	fired 1 \(spent\)$" \
	vusbctl mouse0 faults
vusbctl mouse0 fault clear

# --- babble: -EOVERFLOW ----------------------------------------------------
read_events 2 /tmp/ev4
check "vusbctl mouse0 fault error -EOVERFLOW --ep 0x81" vusbctl mouse0 fault error -EOVERFLOW --ep 0x81
check "vusbctl mouse0 move 2 2" vusbctl mouse0 move 2 2
wait $ER
if wait_for $T sh -c 'dmesg | grep -q "input irq status -75 received"'; then
	ok "usbhid reports the babble (-75, EOVERFLOW)"
else
	fail "usbhid reports the babble (-75, EOVERFLOW)" "$(dmesg | tail -n 10)"
fi
read_events 2 /tmp/ev5
check "vusbctl mouse0 move 4 4" vusbctl mouse0 move 4 4
wait $ER
check_match "the mouse works after the babble" "^EV_REL REL_X 4$" cat /tmp/ev5
vusbctl mouse0 fault clear

# --- a corrupted configuration descriptor, then a clean replug ---------------
dmesg -c >/dev/null
check "vusbctl mouse0 fault descriptor corrupt config" \
	vusbctl mouse0 fault descriptor corrupt config
check "vusbctl mouse0 replug" vusbctl mouse0 replug
# usb_get_descriptor() refuses an answer of the wrong type (-ENODATA).
if wait_for $T sh -c 'dmesg | grep -q "can.t read configurations, error -61"'; then
	ok "the kernel rejects the corrupted configuration descriptor"
else
	fail "the kernel rejects the corrupted configuration descriptor" "$(dmesg | tail -n 10)"
fi
check_match "... unable to read config index 0" "unable to read config index 0 descriptor/start: -61" dmesg
check_match "faults: it fired" "^1	descriptor corrupt config --forever	fired [1-9]" vusbctl mouse0 faults
if _vm_evdev_find 1209 0001 >/dev/null 2>&1; then
	fail "no mouse while its descriptor is corrupt" "$(evdev_for 1209 0001)"
else
	ok "no mouse while its descriptor is corrupt"
fi
check "vusbctl mouse0 fault clear" vusbctl mouse0 fault clear
check "vusbctl mouse0 replug" vusbctl mouse0 replug
if wait_for $T evdev_for 1209 0001; then
	ok "a replug without the fault enumerates normally"
else
	fail "a replug without the fault enumerates normally" "$(dmesg | tail -n 10)"
fi
ev=$(evdev_for 1209 0001 | head -n 1)
read_events 2 /tmp/ev6
check "vusbctl mouse0 move 6 6" vusbctl mouse0 move 6 6
wait $ER
check_match "the mouse works again" "^EV_REL REL_X 6$" cat /tmp/ev6

# --- truncate and oversize: the kernel's own words for each ------------------
# descriptor_fault MODE TYPE ERE GONE [END]: the fault, a replug, the
# kernel log line ERE; GONE 1: the mouse must not come (0: the kernel
# copes, it must); END: a log line to wait for before clearing (the hub
# driver's last retry, so that no enumeration is in flight at the
# replug); then fault clear and a replug that enumerates normally.
descriptor_fault() {
	dmesg -c >/dev/null
	check "vusbctl mouse0 fault descriptor $1 $2" vusbctl mouse0 fault descriptor $1 $2
	check "vusbctl mouse0 replug ($1 $2)" vusbctl mouse0 replug
	if wait_for $T sh -c "dmesg | grep -qE '$3'"; then
		ok "$1 $2: the kernel says '$3'"
	else
		fail "$1 $2: the kernel says '$3'" "$(dmesg | tail -n 10)"
	fi
	if [ "$4" = 1 ]; then
		if _vm_evdev_find 1209 0001 >/dev/null 2>&1; then
			fail "$1 $2: no mouse" "$(dmesg | tail -n 10)"
		else
			ok "$1 $2: no mouse"
		fi
	elif wait_for $T evdev_for 1209 0001; then
		ok "$1 $2: the kernel copes, the mouse comes"
	else
		fail "$1 $2: the kernel copes, the mouse comes" "$(dmesg | tail -n 10)"
	fi
	if [ -n "${5:-}" ]; then
		if wait_for $T sh -c "dmesg | grep -qE '$5'"; then
			ok "$1 $2: the kernel says '$5'"
		else
			fail "$1 $2: the kernel says '$5'" "$(dmesg | tail -n 10)"
		fi
	fi
	check "vusbctl mouse0 fault clear ($1 $2)" vusbctl mouse0 fault clear
	check "vusbctl mouse0 replug (clean)" vusbctl mouse0 replug
	if wait_for $T evdev_for 1209 0001; then
		ok "a replug after $1 $2 enumerates normally"
	else
		fail "a replug after $1 $2 enumerates normally" "$(dmesg | tail -n 10)"
	fi
}
# Half a configuration cuts its interface descriptor short: the kernel
# keeps a configuration with no interface, so no mouse.
descriptor_fault truncate config \
	'config index 0 descriptor too short \(expected 34, got 17\)' 1
check_match "... and drops the interface" \
	"config 1 has 0 interfaces, different from the descriptor's value: 1" dmesg
# Half a device descriptor: enumeration fails with -EMSGSIZE, is retried
# (a power cycle too) and given up.
descriptor_fault truncate device 'device descriptor read/all, error -90' 1 \
	'unable to enumerate USB device'
# wTotalLength 65535: the kernel reads what there is and says so.
descriptor_fault oversize config \
	'config index 0 descriptor too short \(expected 65535, got 34\)' 0
ev=$(evdev_for 1209 0001 | head -n 1)
read_events 2 /tmp/ev7
check "vusbctl mouse0 move 8 8" vusbctl mouse0 move 8 8
wait $ER
check_match "the mouse works after the descriptor faults" "^EV_REL REL_X 8$" cat /tmp/ev7
kill -TERM $VA
wait $VA

# --- --fault: from the first request -----------------------------------------
dmesg -c >/dev/null
vusb-attach --no-stdin mouse --fault "stall --at-request get_descriptor:device --count 1" \
	>/tmp/f.out 2>/tmp/f.err &
VA=$!
if wait_for $T ready_in /tmp/f.out mouse0; then
	ok "a mouse whose first GET_DESCRIPTOR stalls is enumerated on the retry"
else
	fail "a mouse whose first GET_DESCRIPTOR stalls is enumerated on the retry" "$(cat /tmp/f.out /tmp/f.err)"
fi
check_match "the fault is set before the first request and fires on it" \
	"mouse0: fault 1 stall fired on seqnum [0-9]* ep 0x80" cat /tmp/f.err
kill -TERM $VA
wait $VA

# The same from a configuration file: the quoted spec is one word.
printf '%s\n' 'mouse --name cfmouse' \
	"	--fault 'stall --at-request get_descriptor:device --count 1'" >/tmp/flt.conf
vusb-attach --no-stdin --config /tmp/flt.conf >/tmp/f.out 2>/tmp/f.err &
VA=$!
if wait_for $T ready_in /tmp/f.out cfmouse; then
	ok "--fault in a configuration file: the mouse is enumerated on the retry"
else
	fail "--fault in a configuration file: the mouse is enumerated on the retry" "$(cat /tmp/f.out /tmp/f.err)"
fi
check_match "the configuration file's fault fires on the first request" \
	"cfmouse: fault 1 stall fired on seqnum [0-9]* ep 0x80" cat /tmp/f.err
kill -TERM $VA
wait $VA

# --- storage: medium-error, then disconnect --for 500 during a read ---------
echo 0 >/sys/module/usb_storage/parameters/delay_use
dd if=/dev/urandom of=/tmp/disk.img bs=1M count=64 2>/dev/null
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
[ -n "$disk" ] && ok "the disk appears ($disk)" || fail "the disk appears"

# block N of the disk, read past the page cache
read_block() {
	blkio read /dev/$disk "$1" 2>/tmp/dd.err
}
dmesg -c >/dev/null
check_match "vusbctl storage0 fault medium-error 100 read" "^$" \
	vusbctl storage0 fault medium-error 100 read
check_match "faults lists it" "^medium-error 100-100 read$" vusbctl storage0 faults
# O_DIRECT gets the block layer's errno for a medium error, ENODATA;
# through the page cache, dd gets EIO.
if read_block 100; then
	fail "reading block 100 fails" "$(cat /tmp/dd.err)"
else
	check_match "reading block 100 (O_DIRECT) fails: medium error" "No data available" \
		cat /tmp/dd.err
fi
check "block 99 reads" read_block 99
check "block 101 reads" read_block 101
if dd if=/dev/$disk of=/dev/null bs=512 skip=100 count=1 2>/tmp/dd.err; then
	fail "dd of block 100 fails" "$(cat /tmp/dd.err)"
else
	check_match "dd of block 100 fails with EIO" "Input/output error" cat /tmp/dd.err
fi
check_match "the kernel names the failing LBA" "critical medium error, dev $disk, sector 100 " dmesg
check_match "... from the sense data: Medium Error" "Sense Key : Medium Error" dmesg
check_match "... unrecovered read error" "Add. Sense: Unrecovered read error" dmesg
# A write error writes nothing.
check "vusbctl storage0 fault medium-error 200-201 write" \
	vusbctl storage0 fault medium-error 200-201 write
if blkio write /dev/$disk 199 4 2>/tmp/dd.err; then
	fail "writing blocks 199-202 fails"
else
	check_match "writing blocks 199-202 fails with EIO" "Input/output error" cat /tmp/dd.err
fi
check_match "... a write error, says the kernel" "Add. Sense: Write error" dmesg
check "vusbctl storage0 fault clear" vusbctl storage0 fault clear
check "block 100 reads after fault clear" read_block 100
check_match "faults: none left" "^$" vusbctl storage0 faults
sync
if [ "$(sha256sum /tmp/disk.img | cut -d' ' -f1)" = "$sum0" ]; then
	ok "the image is unchanged"
else
	fail "the image is unchanged"
fi

dd if=/dev/$disk of=/dev/null bs=64k iflag=direct >/tmp/dd.out 2>&1 &
DD=$!
sleep 0.2
check "vusbctl storage0 disconnect --for 500" vusbctl storage0 disconnect --for 500
if wait_for $T sh -c "! kill -0 $DD 2>/dev/null"; then
	ok "the read ends instead of hanging"
else
	fail "the read ends instead of hanging" "$(cat /tmp/dd.out)" "$(dmesg | tail -n 10)"
	kill $DD
fi
if wait $DD; then
	fail "the read was cut short (dd fails)" "$(cat /tmp/dd.out)"
else
	ok "the read was cut short (dd fails: $(tail -n 1 /tmp/dd.out))"
fi
if wait_for $T grep -q "storage0: reconnected on vhci port" /tmp/s.err; then
	ok "the disk comes back after 500 ms"
else
	fail "the disk comes back after 500 ms" "$(cat /tmp/s.err)"
fi
check_match "the kernel saw it leave" "USB disconnect" dmesg
# the busid it has now, and its disk
disk_now() {
	disk_of "$(vusbctl list | awk '$1 == "storage0" { print $4 }')"
}
wait_for $T disk_now
disk=$(disk_now)
if [ -n "$disk" ] && dd if=/dev/$disk of=/dev/null bs=1M count=8 iflag=direct 2>/dev/null; then
	ok "the disk is enumerated again and reads ($disk)"
else
	fail "the disk is enumerated again and reads" "$(vusbctl list)" "$(dmesg | tail -n 10)"
fi
kill -TERM $VA
wait $VA
