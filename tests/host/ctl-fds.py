#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One control request carrying descriptors vusbctl would never send, as
a member of the socket's group can send them (tests/host/add.sh):

    ctl-fds.py SOCKET [--fd HOW:PATH]... ARG...

HOW: ro, wo, rw (open(2) with that access mode), path (O_PATH), dir
(O_RDONLY | O_DIRECTORY), fifo (a FIFO opened O_RDWR, blocking, its pipe
cut to one page: its own reader, which never reads, so that a writer who
waits for room waits forever). Every descriptor goes with the request's first
bytes in one SCM_RIGHTS message, in the order given, however many there
are. Prints the reply as the server sent it; exit 1 when the socket
could not be reached. Shares no code with vusb: the request is the
arguments, each ended by a NUL, as src/ctl/ctl.h describes it.
"""
import fcntl
import os
import socket
import sys

HOW = {
    "ro": os.O_RDONLY,
    "wo": os.O_WRONLY,
    "rw": os.O_RDWR,
    "path": os.O_PATH,
    "dir": os.O_RDONLY | os.O_DIRECTORY,
}


def main():
    if len(sys.argv) < 3:
        raise SystemExit("usage: ctl-fds.py SOCKET [--fd HOW:PATH]... ARG...")
    path, args, fds = sys.argv[1], sys.argv[2:], []
    while len(args) >= 2 and args[0] == "--fd":
        how, _, name = args[1].partition(":")
        if how == "fifo":
            fd = os.open(name, os.O_RDWR | os.O_CLOEXEC)
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 4096)
        else:
            fd = os.open(name, HOW[how] | os.O_CLOEXEC)
        fds.append(fd)
        args = args[2:]
    req = b"".join(a.encode() + b"\0" for a in args)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        socket.send_fds(s, [req], fds)
    except OSError as e:
        print(f"{path}: {e.strerror}", file=sys.stderr)
        return 1
    for fd in fds:
        os.close(fd)
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        out += b
    sys.stdout.write(out.decode(errors="replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
