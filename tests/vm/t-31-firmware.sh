#!/bin/sh
# The emulated Fomu running a firmware of its own (vusb-attach fomu
# --firmware): our test firmware (tests/fomu/fw.S) drives ValentyUSB's
# epfifo interface on the emulated SoC and enumerates through vhci with
# its own descriptors (lsusb, dfu-util -l), answers its vendor requests
# through usbfs (tests/vm/ctlreq.c), writes and reads back flash over SPI
# bit-bang, takes a DFU download with Debian's dfu-util and on DETACH
# jumps into the image, which runs on the same core; vusbctl reset powers
# it again. Also: the board idle must not burn a core; the core's speed
# with the firmware running, and a 100 KiB download timed at the Fomu's
# 12 MHz and unthrottled.
. /vusb/tests/lib.sh
need_cmd vusb-attach vusbctl dfu-util lsusb base64 ctlreq

T=$((20 * VM_SLOW))
ID=1209:0001

# The files are tests/fomu/fw.elf and demo.bin; tests/fomu/build.sh
# rewrites these blocks from them (and --check says whether they are in
# step).
unpack() {
	grep -v '^#' | base64 -d >"/tmp/$1"
}
unpack fw.elf <<'EOF'
# BEGIN fw.elf
f0VMRgEBAQAAAAAAAAAAAAIA8wABAAAAAAAAADQAAAA4DgAAAAAAADQAIAACACgABAADAAMAAHDs
DQAAAAAAAAAAAAAnAAAAAAAAAAQAAAABAAAAAQAAAHQAAAAAAAAAAAAAAHgNAAB4DQAABwAAAAQA
AAA3AQIQtwEAEJcCAACTgsIFc5BSMJOCAQA3AwAQEwMDcCOgAgCTgkIA4+xi/pMCIAAjqFEC7wDA
GO8AEDPvAAAQ7wAAG5MCoABzkAK8txIAAJOCAoBzoEIwc2AEMHMAUBBv8N//EwEB+yMgEQAjIlEA
IyRhACMmcQAjKMEBIyrRASMs4QEjLvEBIyChAiMisQIjJMECIybRAiMo4QIjKvECIywBAyMuEQPz
IiA0Y8QCAG8AAADzIgD8k/IiAGOEAgDvAMAF8yIA/JPyggBjhAIA7wDAFYMgAQCDIkEAAyOBAIMj
wQADLgEBgy5BAQMvgQGDL8EBAyUBAoMlQQIDJoECgybBAgMnAQODJ0EDAyiBA4MowQMTAQEFcwAg
MLcyAOCTggKAEwMQACOuYgIDowEEEwMTACOgYQRvAIAJtzIA4JOCAoAjoAICI6ACABMDkAAjomIA
EwNwAiOkYgATAwAMI6ZiACOoAgAjqgIAI6wCACOuAgATAxAAI65iAiOgYgQjoGICZ4AAALdyAOCT
ggKAEwMQACOiYgAjoKIAEwMgACOiYgAjoLIAEwMwACOiYgAjoMIAEwNgACOkYgBngAAAEwUAAJMF
8A8TBgAAb/Df+xMFAACTBQAAEwbwD2/w3/oTBfAPkwUAABMGAABv8N/5t1IA4JOCAoAjogIKEwMw
ACOmYgAjpmICI6oCABMDEAAjqmICEwMQACOgYgATAzAAI6RiACOkYgJngAAAEwEB/yMgEQCDosED
k4ISACOuUQK3UgDgk4ICgAOjggBjBAMA7wBAArdSAOCTggKAA6OCAmMEAwDvAIAOgyABABMBAQFn
gAAAEwEB/yMgEQC3UgDgk4ICgIOnAgGThQEMEwYAAAOjAgJjEgMCA6PCASOuAgCTAwAGY3Z2ALOD
xQAjgGMAEwYWAG/w3/0TAyAAI6RiABMG5v9jVAYAEwYAABMDMABjjmcEA6PBAWMEAwRjdMMAEwYD
ADMDw0AjrmEAg6OBATOOwwAjrMEBYw4GAAPOBQAjgMMBk4UVAJODEwATBvb/b/Cf/gOjwQFjFAMA
7wAAVIMgAQATAQEBZ4AAABMDIAAjpGICA6MBDCOgYQADo0EMI6JhAO8AQBNv8J/9EwEB/yMgEQC3
UgDgk4ICgBMDEAAjqmICEwMgACOkYgIDo0EBYwYDAO8AQApvAEAEA6NBAmMIAwATc/MHI6JiCiOi
AQIDo4ECYwQDAiOgAgBzEAC8cxBAMO/w3+O3AgQgc5ASNJMCAAhzsAIwcwAgMIMgAQATAQEBZ4AA
ALdSAOCTggKAI6oCAmeAAAC3UgDgk4ICgBMDMAAjqmIAI6piAmeAAAC3UgDgk4ICgCOqAgCD0mEA
Y/SyAJOFAgAzs1UAI6hhACOkoQAjprEAA6WBAIOlwQCTAwAEE44FAGP0wwETjgMAt1IA4JOCAoCz
DsUBI6TRATOPxUEjpuEBYwrVAQNDBQAjrmICEwUVAG/wH/8zM+ABYxYDAGMUfgADowEBI6phACOq
AgJngAAAEwEB/yMgEQAjpgEAI6oBACOuAQADxQEAg8URAAPWIQCD1kEAA9dhAJMCAAhjAlUGkwIA
AGMKVQaTAhAIYwhVCJMCEABjBFUKkwIgCGMAVQyTAiAAYwpVApMCEAJjCFUSkwIQCmMGVRSTAgAE
YwpVJJMCAAxjClUo7/Cf7oMgAQATAQEBZ4AAAO/wn+xv8B//kwJgAGOAVQyTAoAAY4JVCGOGBQZv
8F/9kwJQAGOEVQiTApAAY4hVCJMCEADjhlX8kwIwAOOCVfxv8B/7Y4AFBJMCoADjklX645AG+hOF
AQgjAAUAkwUQAG8AAAOTArAA45RV+LNi1gDjkAL4kwIgACOoUQIjqgECb/Af+BOFAQgjIAUAkwUg
AO/wH+Zv8B/2E4UBCIOiwQIjAFUAkwUQAG/wn/6TcvYHk+ICECOiUQJv8J/0kwIQAOPowvIjpsEC
b/Cf85cCAACTgkJoA6MCAOMMA/BjBsMAk4KCAG/wH/8DpUIAg0UFABNThgCTAyAA4xxz+INVJQBv
8B/545YG7mOMBQKTAhAAY4ZVBJMCQABjilUCkwJgAGOGVQJv8N/s45QG7JMCMABjgFUIkwJQAGOG
VQxv8F/rkwIQACOkUQJv8J/rkwIgACOoUQIjqgECb/Cf6oOiAQMTAyAAY4piABMDUABjhmIAEwXw
AG8AwAJjGAcAkwJgACOoUQJv8N/nkwIAQGP24gATBYAAbwDAAJMCEABvAMAHI6qhApMCoAAjqFEC
b/Bf5IOiAQOTAwAAEwNgAGOYYgCTAnAAkwMQAG8AAAETA3AAY5RiAJMCgAAjqFECE4UBCAOjQQMj
AGUAowB1ACMBBQCjAQUAIwJVAKMCBQCTBWAAb/Af6ROFAQiDogEDIwBVAJMFEABv8N/nI6BRApOC
ARgjrFEAI67hALdSAOCTggKAI6oCAG/wH9yDooEDk4ISACOsUQKTAlAAY5hVAJMCABAjolECb/Df
2pMCYADjjFXYkwIgAOOWVdiTAgAQ43JW2OMAB9jj7uLWkwIgAG/w3/mDooEDk4ISACOsUQKTAhAA
Y4hVAJMCMABjiFUIb/Bf1ROFAQi3cnNik4JiVyMgVQCTAhAAIwJVAIOiQQSjAlUAg8KBBCMDVQCD
wpEEowNVAIPCoQQjBFUAg6IBBKMEVQAjBcUAk1KGAKMFVQCDooEDIyZVAIOiwQMjKFUAN1MA4BMD
A4CDIkMKIwpVAIOiwQKjClUAg6IBAyMLVQCjCwUAkwWAAW/w39aTAgAQ43JWzOPg4swTFYYAtwIf
ADMFVQCThQFgEwYHAO8AwCzvAMATE4UBYIPVYQBv8J/TEwEB/yMgEQAjIoEAIySRACMmIQGD1CEA
A9lhAIOiAQITAxAAY4xiAhOUhAC3Ah8AMwRUAJPy9ABjmAIAEwUEAJMFAALvAEAeEwUEAJOFARgT
BgkA7wCAIG8AgAgTlKQAtwIEADMEVAC3Ah8AMwMkAWP+YgCTAoAAI6pRApMCoAAjqFEC7/Cfr28A
AAa3AgEAk4Ly/7PyggBjmAIAEwUEAJMFgA3vAEAYk4QBGGMGCQITBgAQY3TJABMGCQAzCclAEwUE
AJOFBAAzBMQAs4TEAO8AwBhv8J/9kwJQACOoUQLvAMAE7/CfqIMgAQADJEEAgySBAAMpwQATAQEB
Z4AAALdSAOAjpgIAEwPQACOiYgATA8AAI6BiAGeAAAC3UgDgEwPAAiOgYgBngAAAt1IA4BMDAAgj
pmIAZ4AAALdSAOATDoAAkw4AABNTdQATcxMAk2PDACOgcgCTY8MBI6ByAIOjAgGT0xMAk/MTAJOe
HgCz7n4Ak2PDACOgcgATFRUAEw7+/+MSDvwThQ4AZ4AAABMBAf8jIBEAIyKxAO/wX/bv8N/5AyVB
ABNVBQHv8B/5AyVBABNVhQDv8F/4AyVBAO/w3/eDIAEAEwEBAWeAAAATAQH/IyARAO/wn/ITBWAA
7/Df9e/wn/ODIAEAEwEBAWeAAAATAQH/IyARAO/wX/ATBVAA7/Cf8xMF8A/v8B/zE3UVAOMaBf7v
8F/wgyABABMBAQFngAAAEwEB/yMgEQAjIqEAIySxAO/wn/kDJYEAgyVBAO/w3/Tv8F/t7/Cf+oMg
AQATAQEBZ4AAABMBAf8jIBEAIyKBACMkkQAjJqEAE4QFALOExQDv8J/1EwUgAIMlwQDv8N/wYwqU
AANFBADv8N/qEwQUAG/wH//v8B/o7/Bf9YMgAQADJEEAgySBABMBAQFngAAAEwEB/yMgEQAjIoEA
IySRABOEBQCzhMUAkwUFABMFMADv8J/rYwyUABMF8A/v8J/lIwCkABMEFABv8N/+7/Cf4oMgAQAD
JEEAgySBABMBAQFngAAAEwEB/yMgEQAjIoEA7/Cf3hMF8Anv8N/hEwXwD+/wX+EjhKEEEwXwD+/w
n+CjhKEEEwXwD+/w398jhaEE7/Bf3Tf1HwCTBQAC7/Bf7ZOCAWATAwAAk0OjBTOOYgAjAH4AEwMT
AJMDABDjZnP+N/UfAJOFAWATBgAQ7/Cf7Tf1HwCThQEYEwYAEO/wX/Lv8F/Zk4IBYBODARiTAwAQ
EwQQAAPOAgCDTgMAYwTeARME4A6TghIAEwMTAJOD8//jkgP+t/IfIAOjAgCDowFgYwRzABME4A4j
ooEEgyABAAMkQQATAQEBZ4AAAAABAACQDAAAAAIAAKIMAAAAAwAAvQwAAAEDAADBDAAAAgMAAMsM
AAADAwAASw0AAAQDAABbDQAAAAAAAAAAAAASAQACAAAAQAkSAQAAAQECAwEJAhsAAQEAgDIJBAAA
AP4BAgQJIQ3oAwAEAQEEAwkECgN2AHUAcwBiAIADdgB1AHMAYgAgAGUAcABmAGkAZgBvACAAdABl
AHMAdAAgAGYAaQByAG0AdwBhAHIAZQAgACgAcgB2ADMAMgBpACwAIABWAGEAbABlAG4AdAB5AFUA
UwBCACAAZQBwAGYAaQBmAG8ALAAgAFMAUABJACAAZgBsAGEAcwBoACkAEANmAHcALQAwADAAMAAx
ABwDdgB1AHMAYgAgAHQAZQBzAHQAIABEAEYAVQAAQSYAAAByaXNjdgABHAAAAAVydjMyaTJwMV96
aWNzcjJwMAAIAQoLAC5zaHN0cnRhYgAudGV4dAAucmlzY3YuYXR0cmlidXRlcwAAAAAAAAAAAAAA
AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAALAAAAAQAAAAcAAAAAAAAAdAAAAHgNAAAA
AAAAAAAAAAQAAAAAAAAAEQAAAAMAAHAAAAAAAAAAAOwNAAAnAAAAAAAAAAAAAAABAAAAAAAAAAEA
AAADAAAAAAAAAAAAAAATDgAAIwAAAAAAAAAAAAAAAQAAAAAAAAA=
# END fw.elf
EOF
unpack demo.bin <<'EOF'
# BEGIN demo.bin
NwECEDcFAECTBRAAIyC1AJOFFQC3IgkAk4ICfJOC8v/jngL+b/Cf/g==
# END demo.bin
EOF

ms_now() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# wait_ready N: the Nth ready line (one per enumeration)
wait_ready() {
	wait_for $T sh -c "[ \$(grep -c '^fomu0: ready, port' /tmp/w.out) -ge $1 ]"
}

in_log() {
	grep -qF -- "$1" /tmp/w.err
}

cpu_ticks() {
	awk '{ print $14 + $15 }' /proc/$VA/stat
}

# insns: the instructions the core has run since power-on, from vusbctl list
insns() {
	vusbctl list | sed -n 's/.* insns=\([0-9]*\).*/\1/p'
}

start() { # [vusb-attach options after fomu]
	# the last run's ready lines must not count for this one
	rm -f /tmp/w.out /tmp/w.err
	vusb-attach --no-stdin fomu --firmware /tmp/fw.elf --flash /tmp/fw.flash "$@" \
		>/tmp/w.out 2>/tmp/w.err &
	VA=$!
}

stop() {
	kill -TERM $VA
	wait $VA
}

start
if wait_ready 1; then
	ok "vusb-attach fomu --firmware: the firmware enumerates (ready line)"
else
	fail "vusb-attach fomu --firmware: the firmware enumerates (ready line)" "$(cat /tmp/w.out /tmp/w.err)"
	exit 0
fi

# --- its own descriptors, through vhci --------------------------------------------
check_match "lsusb lists $ID" "ID $ID" lsusb
lsusb -v -d $ID >/tmp/lsusb.txt 2>&1
note "lsusb -v: $(grep -E 'idVendor|idProduct|iManufacturer|iProduct|iSerial' /tmp/lsusb.txt | tr -s ' ' | tr '\n' '|')"
check_match "lsusb -v: iManufacturer vusb" "iManufacturer +1 vusb" cat /tmp/lsusb.txt
check_match "lsusb -v: the product string, 128 bytes in two full packets" \
	"iProduct +2 vusb epfifo test firmware \(rv32i, ValentyUSB epfifo, SPI flash\)" cat /tmp/lsusb.txt
check_match "lsusb -v: iSerial fw-0001" "iSerial +3 fw-0001" cat /tmp/lsusb.txt
check_match "lsusb -v: the DFU functional descriptor" "wTransferSize +1024 bytes" cat /tmp/lsusb.txt
check_match "dfu-util -l finds its DFU interface" \
	"Found DFU: \[$ID\] ver=0100, devnum=[0-9]+, cfg=1, intf=0, path=\"[^\"]+\", alt=0, name=\"vusb test DFU\", serial=\"fw-0001\"" \
	dfu-util -l
check_match "the model addressed the firmware itself (vhci answers SET_ADDRESS)" \
	"usb: address 2 \(SET_ADDRESS" cat /tmp/w.err
note "vusb-attach's log of the power-on:"
grep 'fomu0: ' /tmp/w.err | head -n 12 | sed 's/^/#   /'

# --- vendor requests through usbfs -------------------------------------------------
if ctlreq $ID c0 01 1234 0 18 >/tmp/info.txt 2>&1; then ok "ctlreq: vendor request INFO answered"; else fail "ctlreq: vendor request INFO answered" "$(cat /tmp/info.txt)"; fi
note "INFO: $(cat /tmp/info.txt)"
# "vusb", version 1, self-test 1, JEDEC 1f 86 01, timer, wValue 34 12
check_match "INFO: magic, version, flash self-test passed, JEDEC ID over SPI" \
	"^76 75 73 62 01 01 1f 86 01 [0-9a-f]{2} 34 12 " cat /tmp/info.txt
check_match "INFO: its address register holds the model's address, configured" \
	" 02 01 02 00$" cat /tmp/info.txt
data=$(head -c 200 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
if ctlreq $ID 40 02 0010 0 -d "$data" 2>/tmp/wr.txt; then ok "ctlreq: FLASH_WRITE, 200 bytes with an OUT data stage"; else fail "ctlreq: FLASH_WRITE" "$(cat /tmp/wr.txt)"; fi
back=$(ctlreq $ID c0 03 0010 0 c8 | tr -d ' ')
if [ "$back" = "$data" ]; then ok "ctlreq: FLASH_READ reads the same 200 bytes back over SPI"; else fail "ctlreq: FLASH_READ reads the same bytes back" "wrote $data" "read  $back"; fi
# the bytes are in the flash file, where they were written
fback=$(dd if=/tmp/fw.flash bs=1 skip=$((0x1f1000)) count=200 2>/dev/null | od -An -v -tx1 | tr -d ' \n')
if [ "$fback" = "$data" ]; then ok "... and in the --flash file at 0x1f1000"; else fail "... and in the --flash file at 0x1f1000" "$fback"; fi
ctlreq $ID c0 7f 0 0 4 >/dev/null 2>/tmp/st.txt
rc=$?
if [ $rc -eq 2 ] && grep -q stall /tmp/st.txt; then ok "an unknown vendor request stalls (EPIPE)"; else fail "an unknown vendor request stalls (EPIPE)" "exit $rc" "$(cat /tmp/st.txt)"; fi
check_match "the next request works" "^76 75 73 62" ctlreq $ID c0 01 0 0 18
check_match "vusbctl list: asleep between requests, on the bus, its IDs, the LED" \
	'^fomu0 +fomu +[0-9]+ .*firmware sleeping pc=0x[0-9a-f]+ insns=[0-9]+ usb=on addr=2 id=1209:0001 led=#' vusbctl list

# --- idle: nothing to do must cost nothing ------------------------------------------
c0=$(cpu_ticks)
t0=$(ms_now)
sleep 3
c1=$(cpu_ticks)
t1=$(ms_now)
pct=$(((c1 - c0) * 1000 / (t1 - t0)))
note "vusb-attach with the firmware idle (wfi): ${pct}% of a core"
if [ "$pct" -lt 5 ]; then ok "idle firmware does not burn a core (${pct}%)"; else fail "idle firmware does not burn a core" "${pct}% of a core"; fi

# --- DFU: 100 KiB timed, then the demo image and DETACH ---------------------------
head -c 102400 /dev/urandom >/tmp/100k.bin
i0=$(insns)
t0=$(ms_now)
dfu-util -D /tmp/100k.bin >/tmp/d1.txt 2>&1
rc=$?
t1=$(ms_now)
i1=$(insns)
if [ $rc -eq 0 ] && grep -q "Done!" /tmp/d1.txt; then
	ok "dfu-util -D of 100 KiB through the firmware"
	note "100 KiB dfu-util download at the Fomu's 12 MHz: $((t1 - t0)) ms, $(((i1 - i0) / 1000)) k instructions (${VM_ACCEL:-?})"
else
	fail "dfu-util -D of 100 KiB through the firmware" "exit $rc" "$(tail -n 20 /tmp/d1.txt)"
fi
check_match "dfu-util: manifestation, then dfuMANIFEST-WAIT-RESET" "state\(8\) = dfuMANIFEST-WAIT-RESET" cat /tmp/d1.txt
fimg=$(dd if=/tmp/fw.flash bs=1024 skip=256 count=100 2>/dev/null | md5sum | cut -d' ' -f1)
if [ "$fimg" = "$(md5sum </tmp/100k.bin | cut -d' ' -f1)" ]; then ok "the 100 KiB are in the flash file at 0x40000"; else fail "the 100 KiB are in the flash file at 0x40000"; fi

dfu-util -D /tmp/demo.bin >/tmp/d2.txt 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "Done!" /tmp/d2.txt; then ok "dfu-util -D demo.bin"; else fail "dfu-util -D demo.bin" "exit $rc" "$(tail -n 20 /tmp/d2.txt)"; fi
port=$(sed -n 's/^fomu0: ready, port \([0-9]*\),.*/\1/p' /tmp/w.out | tail -n 1)
dfu-util -e >/tmp/e1.txt 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "dfu-util -e: DETACH"; else fail "dfu-util -e: DETACH" "exit $rc" "$(tail -n 20 /tmp/e1.txt)"; fi
if wait_for $T in_log "unmapped write32 0x40000000 <- 0x00000003"; then
	ok "the firmware jumped into the image: it runs on the same core"
else
	fail "the firmware jumped into the image" "$(tail -n 20 /tmp/w.err)"
fi
check_match "the firmware dropped its pull-up first" "usb: the firmware disconnected \(pull-up off\)" cat /tmp/w.err
check_match "the log says the core left the ROM" "the core runs from the flash now \(pc 0x2004" cat /tmp/w.err
if wait_for $T port_free "$port"; then ok "the board left the bus: vhci port $port is free"; else fail "the board left the bus: vhci port $port is free" "$(head -n 4 "$(dirname "$(vhci_attach_file)")/status")"; fi
if lsusb | grep -q $ID; then fail "lsusb no longer lists $ID" "$(lsusb)"; else ok "lsusb no longer lists $ID"; fi
note "vusb-attach's log of the detach:"
grep 'fomu0: ' /tmp/w.err | grep -E 'pull-up off|runs from the flash|<- 0x0000000[12]' | head -n 4 | sed 's/^/#   /'

# --- reset: power it again ---------------------------------------------------------
check "vusbctl fomu0 reset" vusbctl fomu0 reset
if wait_ready 2; then ok "after reset the firmware boots and enumerates again"; else fail "after reset the firmware boots and enumerates again" "$(cat /tmp/w.out; tail -n 5 /tmp/w.err)"; fi
check_match "... at the next address" " 03 01 02 00$" ctlreq $ID c0 01 0 0 18
stop
rc=$?
if [ $rc -eq 0 ]; then ok "SIGTERM: exit status 0"; else fail "SIGTERM: exit status 0" "exit $rc" "$(tail -n 5 /tmp/w.err)"; fi

# --- the core's speed, unthrottled ---------------------------------------------------
start --ips max
if wait_ready 1; then
	i0=$(insns)
	t0=$(ms_now)
	dfu-util -D /tmp/100k.bin >/tmp/d3.txt 2>&1
	rc=$?
	t1=$(ms_now)
	i1=$(insns)
	if [ $rc -eq 0 ]; then
		ok "dfu-util -D of 100 KiB, core unthrottled"
		note "100 KiB dfu-util download, core unthrottled (--ips max): $((t1 - t0)) ms, $(((i1 - i0) / 1000)) k instructions, $(((i1 - i0) / (t1 - t0 + 1) / 1000)) M instructions/s of wall time (${VM_ACCEL:-?})"
	else
		fail "dfu-util -D of 100 KiB, core unthrottled" "exit $rc" "$(tail -n 20 /tmp/d3.txt)" "$(tail -n 20 /tmp/w.err)"
	fi
	stop
else
	fail "vusb-attach --ips max enumerates" "$(cat /tmp/w.err)"
fi
