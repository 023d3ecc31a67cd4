#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of tests/fuzz/ (tests/fuzz/corpus/NAME/* for fuzz_NAME.c).

The seeds are checked in; this script only says where they came from:
    python3 tests/fuzz/mkseeds.py
Each seed is what a well-behaved client sends, so the fuzzer starts from
inputs that reach deep (an import, enumeration, HID requests) and mutates
from there.
"""
import os
import struct

TOP = os.path.dirname(os.path.abspath(__file__))


def op(code, version=0x0111):
    return struct.pack(">HHI", version, code, 0)


def import_req(busid):
    return op(0x8003) + busid.encode().ljust(32, b"\0")


def submit(seq, ep, in_, length, setup=b"\0" * 8, npackets=0xFFFFFFFF, data=b""):
    return struct.pack(">IIIIIIIiIi", 1, seq, 0x10001, 1 if in_ else 0, ep,
                       0x200 if in_ else 0, length, 0, npackets, 0) + setup + data


def ctrl(seq, bm, req, value, index, wlength, data=b""):
    setup = struct.pack("<BBHHH", bm, req, value, index, wlength)
    return submit(seq, 0, bm & 0x80, wlength, setup, data=data)


def unlink(seq, target):
    return struct.pack(">IIIII", 2, seq, 0x10001, 0, 0) + struct.pack(">I", target) + b"\0" * 24


def enumerate_hid(report_len=255):
    s = b""
    s += ctrl(1, 0x80, 6, 0x0100, 0, 64)          # device descriptor
    s += ctrl(2, 0x80, 6, 0x0200, 0, 9)           # configuration, head
    s += ctrl(3, 0x80, 6, 0x0200, 0, 255)         # configuration
    s += ctrl(4, 0x80, 6, 0x0300, 0, 255)         # string 0
    s += ctrl(5, 0x80, 6, 0x0302, 0x409, 255)     # product
    s += ctrl(6, 0x80, 6, 0x0600, 0, 10)          # qualifier
    s += ctrl(7, 0x00, 9, 1, 0, 0)                # SET_CONFIGURATION
    s += ctrl(8, 0x21, 0x0A, 0, 0, 0)             # SET_IDLE
    s += ctrl(9, 0x81, 6, 0x2200, 0, report_len)  # report descriptor
    s += ctrl(10, 0x80, 0, 0, 0, 2)               # GET_STATUS
    s += submit(11, 1, True, 8)                   # interrupt IN
    s += unlink(12, 11)
    s += submit(13, 1, True, 8)
    return s


def write(name, seeds):
    d = os.path.join(TOP, "corpus", name)
    os.makedirs(d, exist_ok=True)
    for k, v in seeds.items():
        with open(os.path.join(d, k), "wb") as f:
            f.write(v)


hid = enumerate_hid()
kbd = enumerate_hid() + ctrl(14, 0x21, 9, 0x0200, 0, 1, b"\x02") + ctrl(15, 0xA1, 1, 0x0100, 0, 8) \
    + ctrl(16, 0x21, 0x0B, 0, 0, 0)
odd = ctrl(1, 0x80, 6, 0x0100, 0, 18) + submit(2, 2, False, 4, data=b"abcd") \
    + submit(3, 1, True, 64, npackets=2) + b"\0" * 32 + ctrl(4, 0x02, 1, 0, 0x81, 0) \
    + ctrl(5, 0x02, 3, 0, 0x81, 0) + unlink(6, 99) + ctrl(7, 0xC0, 0x33, 0, 0, 4)

write("server", {
    "devlist": op(0x8005),
    "import-mouse": import_req("1-1") + hid,
    "import-keyboard": import_req("1-2") + kbd,
    "import-tablet": import_req("1-3") + hid,
    "import-odd": import_req("1-1") + odd,
    "import-unknown": import_req("7-7"),
    "version": op(0x8005, 0x0106),
    "two-requests": op(0x8005) + import_req("1-1"),
})
def cbw(tag, length, direction_in, cdb):
    return struct.pack("<IIIBBB", 0x43425355, tag, length, 0x80 if direction_in else 0, 0,
                       len(cdb)) + cdb.ljust(16, b"\0")


def storage_io(blocks=128):
    """Enumerate a disk, WRITE(10) then READ(10) `blocks` blocks: payloads
    large enough for the spliced data path (src/usbip/conn.c)."""
    n = blocks * 512
    w = struct.pack(">BBIBHB", 0x2A, 0, 8, 0, blocks, 0)
    r = struct.pack(">BBIBHB", 0x28, 0, 8, 0, blocks, 0)
    s = ctrl(1, 0x80, 6, 0x0100, 0, 64) + ctrl(2, 0x80, 6, 0x0200, 0, 255)
    s += ctrl(3, 0x00, 9, 1, 0, 0) + ctrl(4, 0xA1, 0xFE, 0, 0, 1)
    s += submit(5, 2, False, 31, data=cbw(1, n, False, w))
    s += submit(6, 2, False, n, data=bytes(i * 7 & 0xFF for i in range(n)))
    s += submit(7, 1, True, 13)
    s += submit(8, 2, False, 31, data=cbw(2, n, True, r))
    s += submit(9, 1, True, n) + submit(10, 1, True, 13)
    # A host that sends more than it announced, then unlinks a pending read.
    s += submit(11, 2, False, 31, data=cbw(3, n // 2, False, w))
    s += submit(12, 2, False, n, data=b"\xa5" * n) + submit(13, 1, True, 13)
    s += submit(14, 2, False, 31, data=cbw(4, n, True, r)) + submit(15, 1, True, n)
    s += unlink(16, 15)
    return s


write("conn", {
    "mouse": b"\0" + hid,
    "keyboard": b"\1" + kbd,
    "tablet": b"\2" + hid,
    "odd": b"\0" + odd,
    "storage": b"\3" + storage_io(),
    "storage-small": b"\3" + storage_io(8),
})

dev = bytes([18, 1, 0, 2, 0, 0, 0, 8, 0x09, 0x12, 0x01, 0x00, 0x00, 0x01, 1, 2, 0, 1])
cfg = bytes([9, 2, 34, 0, 1, 1, 0, 0xA0, 50,
             9, 4, 0, 0, 1, 3, 1, 2, 0,
             9, 0x21, 0x11, 0x01, 0, 1, 0x22, 52, 0,
             7, 5, 0x81, 3, 8, 0, 10])
rec = b"vusb/mouse0".ljust(256, b"\0") + b"1-1".ljust(32, b"\0") \
    + struct.pack(">IIIHHHBBBBBB", 1, 1, 2, 0x1209, 1, 0x100, 0, 0, 0, 1, 1, 1)
def frame(*args):
    body = b"".join(a.encode() + b"\0" for a in args)
    return struct.pack("<I", len(body)) + body


write("session", {
    "one-shot": b"mouse0\0move\0" + b"1\0" + b"2\0",
    "session": b"-session\0" + frame("mouse0", "move", "1", "2") + frame("fail")
    + frame("kb0", "type", "a b", "") + frame("list"),
    "session-partial": b"-session\0" + frame("mouse0", "click") + b"\x10\0\0\0mouse0\0",
    "session-huge": b"-session\0" + b"\xff\xff\xff\x7f",
})

write("op", {
    "req-devlist": b"\0" + op(0x8005),
    "req-import": b"\0" + import_req("1-1"),
    "rec-devlist": b"\1" + rec + b"\3\1\2\0",
    "rec-import": b"\2" + rec,
    "descriptors": b"\3" + dev + cfg,
})

write("mounts", {
    "disk": b"sda\n/dev/sda /mnt vfat rw 0 0\n",
    "partitions": b"sda\n/dev/sda1 /a vfat rw 0 0\n/dev/sdaa1 /b vfat rw 0 0\n"
    b"/dev/sda2 /c\\040d vfat rw 0 0",
    "nvme": b"nvme0n1\n/dev/nvme0n1p2 / ext4 rw 0 0\nsysfs /sys sysfs rw 0 0\n",
    "nothing": b"sdb\n/dev/sda1 /mnt vfat rw 0 0\n",
})

write("procstat", {
    "vhci_rx": b"134 (vhci_rx) S 2 0 0 0 -1 2129984 0 0 0 0 0 5 0 0 20 0 1 0 380 0 0 "
    b"18446744073709551615\n",
    "usb-storage": b"154 (usb-storage) S 2 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 420\n",
    "user": b"119 (vusb-attach) S 115 0 0 0 -1 4194560 120 0 0 0 3 9 0 0 20 0 1 0 300\n",
    "odd-name": b"77 (a) S (b) S 1 77 77 34816 77 4194304 88 0 0 0 0 0 0 0 20 0 1 0 9\n",
})

write("fault", {
    "stall": b"stall --ep 0x81",
    "nak": b"nak 250 --ep 0 --count 3",
    "timeout": b"timeout --ep 0x83 --after 2",
    "error": b"error -EOVERFLOW --ep 0x81 --every 4",
    "short": b"short 13 --forever",
    "corrupt": b"corrupt --ep 0x82 --seed 42 --count 5",
    "request": b"stall --at-request get_descriptor:config",
    "tabs": b"error\tEPROTO\t--at-request\tset_configuration",
    "descriptor": b"descriptor oversize config --count 2",
    "slow": b"slow 250 --every 3 --after 1",
    "reset-storm": b"reset-storm --count 3",
})

write("json", {
    "name": b"keyboard0",
    "hostile": b'q"b\\s\nn\x01end\x7f',
    "utf8": "caf\u00e9 \u20ac \U0001f600".encode(),
    "not-utf8": b"d\xffisk\xc3(\xe2\x82\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80.img",
})
