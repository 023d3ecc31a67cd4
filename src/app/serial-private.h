/* SPDX-License-Identifier: MIT */
/*
 * Inside a serial device's application side (src/app/serial.h), shared
 * by serial.c (the port, the pty following the line, the model) and
 * serial-ends.c (what is at the other end: pty, command, TCP).
 */
#ifndef VUSB_APP_SERIAL_PRIVATE_H
#define VUSB_APP_SERIAL_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "src/base/watch.h"
#include "src/app/serial.h"
#include "src/base/loop.h"
#include "src/ctl/ctl.h"
#include "src/serial/serial.h"
#include "src/usbip/server.h"

enum end_kind {
	END_PTY,
	END_EXEC,
	END_TCP,
	END_CONNECT
};

struct serial_port {
	struct serial_dev *sd;
	struct loop *loop;
	char name[CTL_NAME_MAX];
	enum end_kind kind;
	int fd; /* the stream, -1 when there is none now */
	struct loop_io *io;
	uint32_t events; /* what io watches */
	int slave; /* pty: our own hold on the slave side */
	char pts[64];
	char link[PATH_MAX]; /* RUNDIR/dev/NAME.tty, "" when none */
	pid_t child; /* --exec */
	int listen_fd; /* --tcp */
	struct loop_io *listen_io;
	uint64_t to_host, from_host; /* bytes carried */
	uint16_t control; /* the host's DTR/RTS as last reported */
	bool hangup; /* --hangup: DTR dropping hangs up the other end */
	/* pty: a break to hand the reader once the bytes before it are out */
	bool brk_pending;
	uint64_t brk_at; /* in from_host's count */
	uint8_t brk_bytes[3];
	unsigned int brk_len, brk_off;
	struct watchers watchers; /* vusbctl NAME watch */
};

/* serial.c */
void serial_port_update(struct serial_port *p);
void serial_pty_follow_line(struct serial_port *p);

/* serial-ends.c: the other end. */
void serial_pty_link(struct serial_port *p);
int serial_open_pty(struct serial_port *p, struct strbuf *err);
int serial_start_exec(struct serial_port *p, const char *cmd, struct strbuf *err);

/* Make fd non-blocking: 0 or -errno. */
int serial_set_nonblock(int fd);
int serial_start_tcp(struct serial_port *p, const char *spec, bool listen_, struct strbuf *err);

#endif
