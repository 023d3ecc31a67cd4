#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Import a mass-storage device from a USB/IP server and use it, as a test
client: OP_REQ_IMPORT, then what a host's first minutes with a disk look
like (the device and configuration descriptors, SET_CONFIGURATION, SCSI
INQUIRY and READ(10) through bulk-only transport), then hang up.

    usbip-import.py PORT BUSID LBA [COUNT]

COUNT: read that block this many times (default 1). Prints one line per step ("inquiry vendor 'vusb    '", "read10 lba 5 ok")
and exits 1 on anything unexpected. Shares no code with vusb: it speaks
the protocol from its documentation (the kernel's usbip_protocol.rst).
"""
import socket
import struct
import sys

CMD_SUBMIT, RET_SUBMIT = 1, 3


def recv_all(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise SystemExit("server closed the connection")
        b += chunk
    return b


class Importer:
    def __init__(self, port, busid):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        req = struct.pack(">HHI", 0x0111, 0x8003, 0) + busid.encode().ljust(32, b"\0")
        self.s.sendall(req)
        hdr = recv_all(self.s, 8)
        _, code, status = struct.unpack(">HHI", hdr)
        if code != 0x0003 or status != 0:
            raise SystemExit(f"import refused: code {code:#x} status {status}")
        dev = recv_all(self.s, 312)
        busnum, devnum = struct.unpack(">II", dev[288:296])
        self.devid = busnum << 16 | devnum
        self.seq = 0

    def submit(self, ep, dir_in, length, setup=b"\0" * 8, data=b""):
        self.seq += 1
        h = struct.pack(">IIIII", CMD_SUBMIT, self.seq, self.devid, 1 if dir_in else 0, ep)
        h += struct.pack(">IIiii", 0, length, 0, 0, 0) + setup
        self.s.sendall(h + data)
        r = recv_all(self.s, 48)
        cmd, seq, _, _, _, status, actual = struct.unpack(">IIIIIii", r[:28])
        if cmd != RET_SUBMIT or seq != self.seq:
            raise SystemExit(f"unexpected reply {cmd} seq {seq}")
        payload = recv_all(self.s, actual) if dir_in and actual > 0 else b""
        return status, payload

    def control_in(self, bm, req, value, index, length):
        setup = struct.pack("<BBHHH", bm, req, value, index, length)
        return self.submit(0, True, length, setup)

    def control_out(self, bm, req, value, index):
        return self.submit(0, False, 0, struct.pack("<BBHHH", bm, req, value, index, 0))

    def scsi_in(self, ep_out, ep_in, tag, cdb, length):
        cbw = struct.pack("<IIIBBB", 0x43425355, tag, length, 0x80, 0, len(cdb))
        cbw += cdb.ljust(16, b"\0")
        st, _ = self.submit(ep_out, False, len(cbw), data=cbw)
        if st:
            raise SystemExit(f"CBW status {st}")
        st, data = self.submit(ep_in, True, length)
        if st:
            raise SystemExit(f"data status {st}")
        st, csw = self.submit(ep_in, True, 13)
        if st or len(csw) != 13 or struct.unpack("<IIIB", csw)[3] != 0:
            raise SystemExit(f"CSW status {st} {csw.hex()}")
        return data


def main():
    port, busid, lba = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    imp = Importer(port, busid)
    st, d = imp.control_in(0x80, 6, 0x0100, 0, 18)
    if st or len(d) != 18:
        raise SystemExit(f"GET_DESCRIPTOR(device): {st} {d.hex()}")
    vid, pid = struct.unpack("<HH", d[8:12])
    print(f"device {vid:04x}:{pid:04x}")
    st, c = imp.control_in(0x80, 6, 0x0200, 0, 255)
    if st or len(c) < 9:
        raise SystemExit(f"GET_DESCRIPTOR(configuration): {st}")
    eps = {}
    i = 0
    while i + 2 <= len(c) and c[i] >= 2:
        if c[i + 1] == 5 and c[i + 3] & 3 == 2:
            eps["in" if c[i + 2] & 0x80 else "out"] = c[i + 2] & 0x0F
        i += c[i]
    if "in" not in eps or "out" not in eps:
        raise SystemExit("no bulk endpoints")
    st, _ = imp.control_out(0x00, 9, c[5], 0)
    if st:
        raise SystemExit(f"SET_CONFIGURATION: {st}")
    inq = imp.scsi_in(eps["out"], eps["in"], 1, bytes([0x12, 0, 0, 0, 36, 0]), 36)
    print(f"inquiry vendor '{inq[8:16].decode(errors='replace')}'")
    cdb = struct.pack(">BBIBHB", 0x28, 0, lba, 0, 1, 0)
    for k in range(count):
        data = imp.scsi_in(eps["out"], eps["in"], 2 + k, cdb, 512)
        if len(data) != 512:
            raise SystemExit(f"READ(10) gave {len(data)} bytes")
    print(f"read10 lba {lba} ok {data[:8].hex()}")
    imp.s.close()


if __name__ == "__main__":
    main()
