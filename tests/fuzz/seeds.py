#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of the device, SCSI, DFU, RV32, uevent, sock_diag and command
fuzzers (tests/fuzz/corpus/NAME/*), which are checked in; this script says
where they came from and rewrites them:

    python3 tests/fuzz/seeds.py

Each seed is what a well-behaved host or user does (a Linux host
enumerating the device and using it, a dfu-util download, a udev event,
vusbctl commands), so that the fuzzer starts deep and mutates from there.
The formats are those of the targets' comments (tests/fuzz/devscript.h for
hid, storage and fomu).
"""
import os
import struct

TOP = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(TOP, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- tests/fuzz/devscript.h ------------------------------------------------

def ctrl(bm, req, value, index, wlength, data=b""):
    s = bytes([0]) + struct.pack("<BBHHH", bm, req, value, index, wlength) + b"\0"
    if not bm & 0x80:
        s += data.ljust(wlength, b"\0")[:wlength]
    return s


def xin(ep, length):
    return bytes([2, ep]) + struct.pack("<H", length)


def xout(ep, data):
    return bytes([3, ep]) + struct.pack("<H", len(data)) + data


def unlink(k):
    return bytes([4, k])


TIMER = bytes([5])
DISCONNECT = bytes([6])


def cmd(k, *args):
    return bytes([7, k, len(args)]) + b"".join(a.encode() + b"\0" for a in args)


def enumerate_device(config_len=255):
    return b"".join([
        ctrl(0x80, 6, 0x0100, 0, 64),
        ctrl(0x80, 6, 0x0100, 0, 18),
        ctrl(0x80, 6, 0x0f00, 0, 5),
        ctrl(0x80, 6, 0x0f00, 0, 255),
        ctrl(0x80, 6, 0x0600, 0, 10),
        ctrl(0x80, 6, 0x0200, 0, 9),
        ctrl(0x80, 6, 0x0200, 0, config_len),
        ctrl(0x80, 6, 0x0300, 0, 255),
        ctrl(0x80, 6, 0x0302, 0x409, 255),
        ctrl(0x80, 6, 0x0301, 0x409, 255),
        ctrl(0x80, 6, 0x0303, 0x409, 255),
        ctrl(0x00, 9, 1, 0, 0),
        ctrl(0x80, 0, 0, 0, 2),
        ctrl(0x80, 8, 0, 0, 1),
    ])


def hid_seeds():
    for sel, model in ((0, "mouse"), (1, "keyboard"), (2, "tablet"), (4 | 1, "keyboard-low"),
                       (12, "mouse-high")):
        s = bytes([sel]) + enumerate_device() + b"".join([
            ctrl(0x21, 0x0a, 0, 0, 0),                 # SET_IDLE
            ctrl(0x81, 6, 0x2200, 0, 255),             # report descriptor
            ctrl(0x81, 6, 0x2100, 0, 9),               # HID descriptor
            ctrl(0xa1, 1, 0x0100, 0, 8),               # GET_REPORT input
            ctrl(0x21, 9, 0x0200, 0, 1, b"\x02"),      # SET_REPORT: caps lock
            ctrl(0xa1, 3, 0, 0, 1),                    # GET_PROTOCOL
            ctrl(0x21, 0x0b, 0, 0, 0),                 # SET_PROTOCOL boot
            xin(1, 8),
            cmd(0, "10", "-5"),
            xin(1, 8),
            cmd(1, "left"),
            xin(1, 64),
            unlink(0),
            ctrl(0x02, 1, 0, 0x81, 0),                 # CLEAR_FEATURE(HALT)
            xin(1, 8),
            TIMER,
            DISCONNECT,
            enumerate_device(),
            xin(1, 8),
        ])
        write("hid", model, s)
    # The gamepad as xpad drives it: its start-up request, the LED and
    # rumble messages on the OUT endpoint, reports from the commands.
    s = bytes([3]) + enumerate_device() + b"".join([
        ctrl(0xc1, 1, 0x0100, 0, 20),
        xout(1, b"\x01\x03\x02"),
        xin(1, 64),
        cmd(0, "a", "lb"),
        cmd(2, "left", "0.5", "-1"),
        cmd(3, "right", "1"),
        xout(1, b"\x00\x08\x00\xff\x80\x00\x00\x00"),
        xin(1, 64),
        cmd(4),
        unlink(0),
        DISCONNECT,
    ])
    write("hid", "gamepad", s)


def acm_seeds():
    """cdc_acm's probe and open, then bytes both ways with the port slow."""
    for sel, name, mp in ((0, "full", 64), (1, "high", 512)):
        s = bytes([sel]) + enumerate_device() + b"".join([
            ctrl(0x21, 0x20, 0, 0, 7, struct.pack("<IBBB", 9600, 0, 0, 8)),
            ctrl(0x21, 0x22, 3, 0, 0),                 # DTR | RTS
            ctrl(0xa1, 0x21, 0, 0, 7),                 # GET_LINE_CODING
            ctrl(0x21, 0x20, 0, 0, 7, struct.pack("<IBBB", 115200, 2, 2, 7)),
            xin(3, 16), xin(1, 2 * mp), xin(1, 2 * mp),
            xout(2, bytes(range(256)) * 5),
            cmd(2, "dcd", "on"),
            cmd(1, "100"),
            cmd(0, "1000"),
            xout(2, b"\xa5" * 1280),
            cmd(1, "70000"), xout(2, b"x" * 1280), cmd(0, "70000"),
            ctrl(0x21, 0x23, 0xffff, 0, 0),            # break on
            ctrl(0x21, 0x23, 0, 0, 0),                 # break off
            ctrl(0x21, 0x23, 250, 0, 0),               # a timed break
            TIMER,
            unlink(0),
            cmd(3),
            ctrl(0x21, 0x22, 0, 0, 0),
            DISCONNECT,
            enumerate_device(),
            xin(1, mp),
            cmd(1, "10"),
        ])
        write("acm", name, s)


def cbw(tag, length, direction_in, cdb):
    return struct.pack("<IIIBBB", 0x43425355, tag, length, 0x80 if direction_in else 0, 0,
                       len(cdb)) + cdb.ljust(16, b"\0")


def scsi_commands(cdrom=False):
    """(CDB, data length, IN?, OUT data) of what Linux sends a new stick."""
    block = 2048 if cdrom else 512
    cmds = [
        (bytes([0x12, 0, 0, 0, 36, 0]), 36, True, b""),
        (bytes([0x00] * 6), 0, True, b""),
        (bytes([0x25] + [0] * 9), 8, True, b""),
        (bytes([0x1a, 0, 0x3f, 0, 192, 0]), 192, True, b""),
        (bytes([0x12, 1, 0x80, 0, 255, 0]), 255, True, b""),     # VPD serial
        (bytes([0x9e, 0x10] + [0] * 11 + [32, 0, 0]), 32, True, b""),
        (bytes([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0]), block, True, b""),
        (bytes([0x1e, 0, 0, 0, 1, 0]), 0, False, b""),
        (bytes([0x03, 0, 0, 0, 18, 0]), 18, True, b""),
        (bytes([0x23] + [0] * 6 + [0, 252, 0]), 252, True, b""),
        (bytes([0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0]), 8, True, b""),
    ]
    if cdrom:
        cmds += [
            (bytes([0x43, 2, 0, 0, 0, 0, 0, 0, 12, 0]), 12, True, b""),
            (bytes([0x46, 0, 0, 0, 0, 0, 0, 0, 32, 0]), 32, True, b""),
        ]
    else:
        cmds += [
            (bytes([0x2a, 0, 0, 0, 0, 2, 0, 0, 1, 0]), 512, False, b"\xa5" * 512),
            (bytes([0x35] + [0] * 9), 0, False, b""),
            (bytes([0x2f, 0, 0, 0, 0, 2, 0, 0, 1, 0]), 0, False, b""),
            (bytes([0x8a, 8] + [0] * 7 + [3, 0, 0, 0, 1, 0, 0]), 512, False, b"\x5a" * 512),
            (bytes([0x55, 0x10, 0, 0, 0, 0, 0, 0, 8, 0]), 8, False, bytes(8)),
        ]
    cmds += [(bytes([0x1b, 0, 0, 0, 2, 0]), 0, False, b"")]          # eject
    return cmds


def storage_seeds():
    for sel, name in ((0, "disk"), (1, "cdrom"), (2, "disk-ro"), (4, "empty"),
                      (8, "superspeed")):
        s = bytes([sel]) + enumerate_device() + ctrl(0xa1, 0xfe, 0, 0, 1)
        for tag, (cdb, length, is_in, data) in enumerate(scsi_commands(sel & 1), 1):
            s += xout(2, cbw(tag, length, is_in, cdb))
            if length and is_in:
                s += xin(1, length)
            elif length:
                s += xout(2, data)
            s += xin(1, 13)
        # A bad CBW, then Reset Recovery.
        s += xout(2, b"USBX" + bytes(27)) + xin(1, 13)
        s += ctrl(0x21, 0xff, 0, 0, 0) + ctrl(0x02, 1, 0, 0x81, 0) + ctrl(0x02, 1, 0, 0x02, 0)
        s += cmd(2) + cmd(0, "--force") + cmd(1, "/image") + xin(1, 13)
        s += xout(2, cbw(99, 512, True, bytes([0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0])))
        s += xin(1, 256) + unlink(0) + DISCONNECT
        write("storage", name, s)


def dfu_download(image, block_size=1024):
    s = b""
    blocks = [image[i:i + block_size] for i in range(0, len(image), block_size)]
    for n, b in enumerate(blocks):
        s += ctrl(0x21, 1, n, 0, len(b), b)
        s += ctrl(0xa1, 3, 0, 0, 6) + ctrl(0xa1, 3, 0, 0, 6)
    s += ctrl(0x21, 1, len(blocks), 0, 0)
    s += ctrl(0xa1, 3, 0, 0, 6) * 3 + ctrl(0xa1, 5, 0, 0, 1)
    return s


def fomu_seeds():
    for name in ("demo", "demo2"):
        with open(os.path.join(TOP, "..", "fomu", name + ".bin"), "rb") as f:
            image = f.read()
        s = enumerate_device() + b"".join([
            ctrl(0x01, 0x0b, 0, 0, 0),                 # SET_INTERFACE
            ctrl(0xa1, 3, 0, 0, 6),                    # GETSTATUS
            ctrl(0xa1, 5, 0, 0, 1),                    # GETSTATE
            ctrl(0x21, 4, 0, 0, 0),                    # CLRSTATUS
            ctrl(0x21, 6, 0, 0, 0),                    # ABORT
            ctrl(0xa1, 2, 0, 0, 64),                   # UPLOAD: stalls
        ]) + dfu_download(image) + ctrl(0x21, 0, 1000, 0, 0) + TIMER + TIMER
        s += cmd(1) + cmd(0) + enumerate_device() + ctrl(0xa1, 3, 0, 0, 6)
        write("fomu", name, s)
    # A download in two blocks with a bad state in between.
    s = enumerate_device() + ctrl(0x21, 1, 0, 0, 1024, bytes(1024)) + ctrl(0x21, 1, 1, 0, 16,
                                                                             bytes(16))
    s += ctrl(0xa1, 3, 0, 0, 6) + ctrl(0x21, 4, 0, 0, 0) + ctrl(0x21, 6, 0, 0, 0)
    write("fomu", "errors", s)


def scsi_seeds():
    for flags, name in ((0, "disk"), (1, "cdrom"), (4, "disk-ro"), (2, "large")):
        s = bytes([flags])
        s += struct.pack("<Q", 1 << 40) if flags & 2 else bytes([63])
        for cdb, length, is_in, data in scsi_commands(flags & 1):
            s += bytes([0, len(cdb)]) + cdb + bytes([0]) + struct.pack("<H", 511) + b"\0"
            if length and not is_in:
                s += data
        # The same WRITE failing: ENOSPC, then a failing flush.
        w = bytes([0x2a, 0, 0, 0, 0, 3, 0, 0, 2, 0])
        s += bytes([0, len(w)]) + w + bytes([2]) + struct.pack("<H", 1023) + b"\0" + bytes(1024)
        f = bytes([0x35] + [0] * 9)
        s += bytes([0, len(f)]) + f + bytes([4]) + struct.pack("<H", 0) + b"\0"
        s += bytes([6, 1, 7])
        write("scsi", name, s)


def dfu_seeds():
    def req(bm, r, value, length, data=b""):
        return bytes([0]) + struct.pack("<BBHHH", bm, r, value, 0, length) + \
            (data.ljust(length, b"\0") if not bm & 0x80 else b"")

    s = struct.pack("<H", 1024) + bytes([0, 5, 10, 0])
    for blk in range(3):
        s += req(0x21, 1, blk, 1024, bytes([blk]) * 1024) + bytes([5, 0])
        s += req(0xa1, 3, 0, 6) + req(0xa1, 3, 0, 6)
    s += req(0x21, 1, 3, 0) + req(0xa1, 3, 0, 6) * 3 + req(0xa1, 5, 0, 1)
    s += bytes([7]) + req(0x21, 0, 1000, 0)
    write("dfu", "download", s)
    s = struct.pack("<H", 64) + bytes([1, 2, 3, 4])
    s += req(0x21, 1, 0, 128, bytes(128)) + req(0xa1, 3, 0, 6) + req(0x21, 4, 0, 0)
    s += req(0x21, 1, 0, 64, bytes(64)) + bytes([5, 1]) + req(0xa1, 3, 0, 6) + bytes([6])
    s += req(0xa1, 3, 0, 6) + req(0x21, 1, 1, 64, bytes(64)) + bytes([5, 2])
    s += req(0xa1, 3, 0, 6) + req(0x21, 6, 0, 0) + req(0xa1, 2, 0, 64) + req(0x21, 9, 0, 0)
    write("dfu", "errors", s)


def rv32_seeds():
    for name in ("demo", "demo2"):
        with open(os.path.join(TOP, "..", "fomu", name + ".bin"), "rb") as f:
            write("rv32", name, bytes([0]) + struct.pack("<I", 0) + f.read())
    # A trap handler at 0x100: ecall, then mret; an interrupt line enabled.
    words = [0x10000293, 0x30529073, 0x00000073, 0x0000006f] + [0x13] * 60
    words += [0x341022f3, 0x00428293, 0x34129073, 0x30200073]
    code = b"".join(struct.pack("<I", w) for w in words)
    write("rv32", "trap", bytes([1]) + struct.pack("<I", 1) + code)


def elf_seeds():
    # Ours: fw.elf (text at 0), data.elf (.data loaded in ROM, run in SRAM)
    for name in ("fw", "data"):
        with open(os.path.join(TOP, "..", "fomu", name + ".elf"), "rb") as f:
            write("elf", name, f.read())


def uevent_seeds():
    msg = (b"bind@/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0ACTION=bind\0"
           b"DEVPATH=/devices/platform/vhci_hcd.0/usb1/1-1/1-1:1.0\0SUBSYSTEM=usb\0"
           b"DEVTYPE=usb_interface\0DRIVER=usbhid\0INTERFACE=3/1/2\0"
           b"MODALIAS=usb:v1209p0001d0100dc00dsc00dp00ic03isc01ip02in00\0SEQNUM=691\0")
    write("uevent", "bind", msg)
    msg = (b"add@/devices/virtual/input/input7/event3\0ACTION=add\0"
           b"DEVPATH=/devices/virtual/input/input7/event3\0SUBSYSTEM=input\0MAJOR=13\0"
           b"MINOR=67\0DEVNAME=input/event3\0SEQNUM=700\0")
    write("uevent", "add", msg)
    write("uevent", "file", b"MAJOR=189\nMINOR=1\nDEVNAME=bus/usb/001/002\nDEVTYPE=usb_device\n"
          b"DRIVER=usb\nPRODUCT=1209/1/100\nTYPE=0/0/0\nBUSNUM=001\nDEVNUM=002\n")
    write("uevent", "libudev", b"libudev\0\xfe\xed\xca\xfe" + bytes(32))


def sockdiag_seeds():
    # What Linux 6.x answered to vusb's lookup of a loopback TCP socket
    # (127.0.0.1:44001 -> 127.0.0.1:40003, uid 1001), with the attributes
    # it adds unasked (INET_DIAG_SHUTDOWN, _MARK, _CGROUP_ID, _SOCKOPT).
    def head(fam, sport, dport, src, dst, seq):
        return struct.pack(">BHH", fam, sport, dport) + src + dst + struct.pack("<I", seq)

    def msg(typ, seq, payload, flags=0):
        n = 16 + len(payload)
        return struct.pack("=IHHII", n, typ, flags, seq, 0) + payload + bytes(-n % 4)

    def diag(fam, sport, dport, src, dst, uid, inode=0x2b68f6):
        sockid = struct.pack(">HH", sport, dport) + src + dst + struct.pack("=III", 0, 0x10, 0)
        m = struct.pack("=BBBB", fam, 1, 0, 0) + sockid + struct.pack("=IIIII", 0, 0, 0, uid, inode)
        attrs = (struct.pack("=HHB", 5, 8, 0) + bytes(3) + struct.pack("=HHI", 8, 15, 0)
                 + struct.pack("=HHQ", 12, 21, 1) + struct.pack("=HHH", 6, 22, 0x52) + bytes(2))
        return m + attrs

    lo4 = bytes([127, 0, 0, 1]) + bytes(12)
    lo6 = bytes(15) + b"\1"
    write("sockdiag", "ipv4", head(0, 44001, 40003, lo4, lo4, 7)
          + msg(20, 7, diag(2, 44001, 40003, lo4, lo4, 1001)))
    write("sockdiag", "ipv6", head(1, 44002, 3240, lo6, lo6, 8)
          + msg(20, 8, diag(10, 44002, 3240, lo6, lo6, 0)))
    req = struct.pack("=BBBBI", 2, 6, 0, 0, 0xFFFFFFFF) + struct.pack(">HH", 44003, 3240) + lo4 + lo4 \
        + struct.pack("=III", 0, 0xFFFFFFFF, 0xFFFFFFFF)
    write("sockdiag", "enoent", head(0, 44003, 3240, lo4, lo4, 9)
          + msg(2, 9, struct.pack("=i", -2) + msg(20, 9, req)))
    write("sockdiag", "stale", head(0, 44004, 3240, lo4, lo4, 11)
          + msg(20, 10, diag(2, 44004, 3240, lo4, lo4, 0))
          + msg(20, 11, diag(2, 44004, 3240, lo4, lo4, 65534)))
    # closed by its program, lingering: no inode, uid 0
    write("sockdiag", "closed", head(0, 44005, 3240, lo4, lo4, 12)
          + msg(20, 12, diag(2, 44005, 3240, lo4, lo4, 0, inode=0)))


def ctl_seeds():
    def req(*args):
        b = b"".join(a.encode() + b"\0" for a in args)
        return struct.pack("<H", len(b)) + b

    write("ctl", "mouse", req("list") + req("mouse0", "move", "10", "-10") +
          req("mouse0", "click", "right") + req("mouse0", "press", "left") +
          req("mouse0", "release", "left") + req("mouse0", "scroll", "3") + req("help"))
    write("ctl", "keyboard", req("keyboard0", "type", "Hello, world!\n") +
          req("keyboard0", "key", "ctrl+alt+t", "shift+f1") + req("keyboard0", "leds") +
          req("keyboard0", "press", "a") + req("keyboard0", "release", "a"))
    write("ctl", "storage", req("storage1", "info") + req("storage1", "eject") +
          req("storage0", "insert", "/image") + req("storage0", "eject", "--force") +
          req("list", "--json"))
    write("ctl", "detach", req("tablet0", "move", "100", "32767") + req("detach", "tablet0") +
          req("mouse0", "detach") + req("list") + req("nosuch", "move"))
    write("ctl", "add", req("add", "mouse", "--name", "m1") + req("add", "storage", "/image", "--ro") +
          req("add", "keyboard", "--count", "2") + req("add", "serial", "--exec", "sh") +
          req("add", "mouse", "keyboard") + req("remove", "mouse0") + req("remove", "nosuch"))
    # Tagged descriptors (none come with a fuzzed request): counts and tags that do not fit.
    write("ctl", "add-files", req("add", "--fds=IMAGE", "storage", "/image", "--ro") +
          req("add", "--fds=--flash,--firmware,--capture,x,y", "fomu", "--flash", "/f",
              "--firmware", "/e", "--capture", "/c") + req("add", "--fds=", "mouse") +
          req("add", "fomu", "--flash", "/f") + req("add", "storage", "--create", "1M", "/n") +
          req("add", "mouse", "--capture", "-") + req("add", "--fds=IMAGE,,", "storage", "/i"))


def line_seeds():
    write("line", "terminal", b"move 10 10\nclick\nkeyboard0 type 'hello world'\n"
          b"keyboard0 type \"a \\\"quoted\\\" word\"\nlist\nhelp\nstorage1 info\n"
          b"scroll -2\n  \t\nmouse0 detach\nlist --json\n")
    write("line", "quotes", b"keyboard0 key 'ctrl+c' \"shift+tab\" \\\\\nmove 1\nunknown\n'open\n")


def cli_seeds():
    def argv(*args):
        return b"".join(a.encode() + b"\0" for a in args)

    write("cli", "two", argv("-v", "mouse", "--name", "pointer", "keyboard", "--vid", "046d",
                             "--pid", "c31c", "--product", "K120"))
    write("cli", "count", argv("-q", "--no-stdin", "tablet", "--count", "3", "--speed", "high"))
    write("cli", "storage", argv("storage", "disk.img", "--ro", "--snapshot", "storage",
                                 "--cdrom", "x.iso", "fomu", "--flash", "f.bin"))
    write("cli", "listen", argv("--listen", "[::1]:3240", "--allow", "10.0.0.0/8", "mouse",
                                "--local", "keyboard"))
    write("cli", "errors", argv("mouse", "--vid", "12345", "--bogus", "--help"))


def vhci_seeds():
    head = "hub port sta spd dev      sockfd local_busid"
    rows = [head] + ["hs  %04d 004 000 00000000 000000 0-0" % i for i in range(4)]
    rows[2] = "hs  0001 006 002 00010002 000005 1-1"
    rows += ["ss  %04d 004 000 00000000 000000 0-0" % i for i in range(4, 8)]
    write("vhci", "status", ("\n".join(rows) + "\n").encode())
    write("vhci", "status-full", (head + "\nhs  0000 006 003 00010001 000007 3-1\n"
                                  "ss  0001 006 005 00010003 000008 4-1\n").encode())
    write("vhci", "old-format", b"port sta spd dev      sockfd local_busid\n"
          b"0000 004 000 00000000 000000 0-0\n")
    write("vhci", "os-release", b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
          b'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n')
    write("vhci", "os-release-ubuntu", b'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n'
          b'VERSION_ID="24.04"\n')
    # What dpkg-query -S says owns a kernel's modules (Debian, Ubuntu).
    write("vhci", "dpkg-debian", b"linux-image-6.1.0-18-amd64: /lib/modules/6.1.0-18-amd64\n")
    write("vhci", "dpkg-ubuntu", b"linux-modules-6.5.0-14-generic, linux-modules-extra-6.5.0-14"
          b"-generic: /lib/modules/6.5.0-14-generic\n")


def rdesc_seeds():
    # The examples users start from, as the hex text they are shipped in
    # and as the binary the kernel's report_descriptor file gives.
    ex = os.path.join(TOP, "..", "..", "contrib", "examples")
    for name in sorted(os.listdir(ex)):
        if not name.endswith(".hid"):
            continue
        with open(os.path.join(ex, name), "rb") as f:
            text = f.read()
        write("rdesc", name[:-4] + "-text", text)
        words = []
        for line in text.decode().splitlines():
            words += line.split("#")[0].split()
        write("rdesc", name[:-4] + "-binary", bytes(int(w, 16) for w in words))
    mouse = bytes.fromhex("05010902a1010901a1000509190129051500250195057501810295017503"
                          "81010501093009310938158125 7f750895038106050c0a380295018106c0c0"
                          .replace(" ", ""))
    write("rdesc", "mouse", mouse)
    write("rdesc", "c-array", b"0x05, 0x01, /* Usage Page */\n0x09, 0x02, // Usage\n"
          b"0xa1, 0x01, 0x85, 0x02, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0xa4, 0xb4, 0xc0\n")
    write("rdesc", "items", bytes([0x0b, 1, 0, 1, 0, 0xa1, 1, 0xa9, 1, 0x19, 1, 0x29, 3,
                                   0xa9, 0, 0x76, 8, 0, 0x97, 2, 0, 0, 0, 0x91, 2,
                                   0xb2, 2, 0, 0xc0]))
    write("rdesc", "unbalanced", b"05 01 09 05 a1 01 75 08 95 01 81 02 c0 c0\n")


if __name__ == "__main__":
    hid_seeds()
    acm_seeds()
    storage_seeds()
    fomu_seeds()
    scsi_seeds()
    dfu_seeds()
    rv32_seeds()
    elf_seeds()
    uevent_seeds()
    sockdiag_seeds()
    ctl_seeds()
    line_seeds()
    cli_seeds()
    vhci_seeds()
    rdesc_seeds()
