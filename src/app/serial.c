// SPDX-License-Identifier: MIT
/*
 * The "serial" model: a CDC-ACM device (src/serial/) and its other end,
 * one stream the loop drives: a pty (default), a command's standard input
 * and output (--exec), or a TCP peer (--tcp listens for one, --connect
 * dials one).
 *
 * Bytes move only when both sides can take them: what the host sent is
 * written to the stream while the stream accepts it (the class holds
 * back further OUT URBs meanwhile), and the stream is read only while the
 * queue towards the host has room. Nothing is dropped and nothing grows
 * past the class's two queues.
 *
 * The pty: we keep a descriptor of its slave side open ourselves, never
 * read from it, so the pty outlives its readers: what the host sends
 * while nobody reads waits in the pty (and then in our queue, and then in
 * the host), and the next reader gets it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "src/app/serial-private.h"
#include "src/base/log.h"

static struct serial_port *port_of(struct usb_device *dev)
{
	return serial_dev_of(dev)->port;
}

static void note_change(struct serial_port *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One line for `vusbctl NAME watch` (and the log at -v). */
static void note_change(struct serial_port *p, const char *fmt, ...)
{
	char text[64], json[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(json, sizeof(json), "{\"change\":\"%s\"}", text);
	watchers_emit(&p->watchers, text, json);
	log_info("%s: %s", p->name, text);
}

static void port_close_stream(struct serial_port *p)
{
	if (p->io)
		loop_io_remove(p->io);
	p->io = NULL;
	p->events = 0;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}


static void stream_gone(struct serial_port *p, int err)
{
	switch (p->kind) {
	case END_EXEC:
		log_notice("%s: the command's output ended%s%s", p->name, err ? ": " : "",
			   err ? strerror(err) : "");
		break;
	case END_TCP:
		log_notice("%s: the TCP client left%s%s; waiting for the next", p->name,
			   err ? ": " : "", err ? strerror(err) : "");
		break;
	default:
		log_notice("%s: the other end is gone%s%s", p->name, err ? ": " : "",
			   err ? strerror(err) : "");
		break;
	}
	port_close_stream(p);
	if (p->kind == END_TCP && p->listen_io)
		loop_io_modify(p->listen_io, EPOLLIN);
}

/* The break's bytes, once what came before it is out. 1 done, 0 not yet, -1 gone. */
static int flush_break(struct serial_port *p)
{
	ssize_t w;

	while (p->brk_off < p->brk_len) {
		w = write(p->fd, p->brk_bytes + p->brk_off, p->brk_len - p->brk_off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w <= 0) {
			stream_gone(p, w < 0 ? errno : 0);
			return -1;
		}
		p->brk_off += (unsigned int)w;
	}
	p->brk_pending = false;
	return 1;
}

/* Host to stream: write what the class holds. false when the stream went. */
static bool flush_rx(struct serial_port *p)
{
	struct acm *a = &p->sd->acm;
	unsigned int rounds;

	for (rounds = 0; rounds < 16; rounds++) {
		const uint8_t *buf;
		size_t n = acm_rx_peek(a, &buf);
		ssize_t w;

		if (p->brk_pending && p->brk_at == p->from_host) {
			int r = flush_break(p);

			if (r <= 0)
				return r == 0;
			continue;
		}
		if (p->brk_pending && n > p->brk_at - p->from_host)
			n = (size_t)(p->brk_at - p->from_host);
		if (!n)
			break;
		w = write(p->fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w <= 0) {
			stream_gone(p, w < 0 ? errno : 0);
			return false;
		}
		p->from_host += (uint64_t)w;
		acm_rx_consume(a, (size_t)w);
		if (p->fd < 0)
			return false;
	}
	return true;
}

/* Stream to host: read while the class has room. false when the stream went. */
static bool fill_tx(struct serial_port *p)
{
	struct acm *a = &p->sd->acm;
	unsigned int rounds;

	for (rounds = 0; rounds < 16; rounds++) {
		uint8_t *buf;
		size_t n = acm_tx_room(a, &buf);
		ssize_t r;

		if (!n)
			break;
		r = read(p->fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			stream_gone(p, r < 0 ? errno : 0);
			return false;
		}
		p->to_host += (uint64_t)r;
		acm_tx_commit(a, (size_t)r);
		if (p->fd < 0)
			return false;
	}
	return true;
}

static void stream_event(struct loop_io *io, uint32_t events, void *data)
{
	struct serial_port *p = data;
	bool hup = events & (EPOLLHUP | EPOLLERR);

	(void)io;
	if ((events & EPOLLOUT) || hup)
		if (!flush_rx(p))
			return;
	if ((events & EPOLLIN) || hup)
		if (!fill_tx(p))
			return;
	serial_port_update(p);
}

/*
 * Watch the stream for what can move now: writable while the host's bytes
 * wait, readable while there is room towards the host, nothing (no watch
 * at all, so that a hang-up cannot spin the loop) otherwise.
 */
void serial_port_update(struct serial_port *p)
{
	uint32_t want = 0;
	uint8_t *room;

	if (p->fd < 0)
		return;
	if (acm_rx_pending(&p->sd->acm) || p->brk_pending)
		want |= EPOLLOUT;
	if (acm_tx_room(&p->sd->acm, &room))
		want |= EPOLLIN;
	if (want == p->events && (p->io || !want))
		return;
	if (!want) {
		loop_io_remove(p->io);
		p->io = NULL;
	} else if (p->io) {
		if (loop_io_modify(p->io, want) < 0)
			log_err("%s: cannot watch the stream", p->name);
	} else if (loop_io_add(p->loop, p->fd, want, stream_event, p, NULL, &p->io) < 0) {
		log_err("%s: cannot watch the stream: out of resources", p->name);
		p->io = NULL;
	}
	p->events = want;
}

/* ---- the pty follows the line ---- */

static speed_t baud_of(uint32_t rate)
{
	static const struct {
		uint32_t rate;
		speed_t speed;
	} rates[] = {
		{ 50, B50 },	       { 75, B75 },	      { 110, B110 },
		{ 134, B134 },	       { 150, B150 },	      { 200, B200 },
		{ 300, B300 },	       { 600, B600 },	      { 1200, B1200 },
		{ 1800, B1800 },       { 2400, B2400 },	      { 4800, B4800 },
		{ 9600, B9600 },       { 19200, B19200 },     { 38400, B38400 },
		{ 57600, B57600 },     { 115200, B115200 },   { 230400, B230400 },
		{ 460800, B460800 },   { 500000, B500000 },   { 576000, B576000 },
		{ 921600, B921600 },   { 1000000, B1000000 }, { 1152000, B1152000 },
		{ 1500000, B1500000 }, { 2000000, B2000000 }, { 2500000, B2500000 },
		{ 3000000, B3000000 }, { 3500000, B3500000 }, { 4000000, B4000000 },
	};
	size_t i;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (rates[i].rate == rate)
			return rates[i].speed;
	return B0;
}

/* The pty's termios takes the host's speed and frame; the rest is the reader's. */
void serial_pty_follow_line(struct serial_port *p)
{
	const struct acm_line_coding *lc = &p->sd->acm.line;
	struct termios t;
	speed_t sp = baud_of(lc->rate);

	if (tcgetattr(p->slave, &t) < 0)
		return;
	if (sp != B0) {
		cfsetispeed(&t, sp);
		cfsetospeed(&t, sp);
	}
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB | CMSPAR);
	switch (lc->bits) {
	case 5:
		t.c_cflag |= CS5;
		break;
	case 6:
		t.c_cflag |= CS6;
		break;
	case 7:
		t.c_cflag |= CS7;
		break;
	default:
		t.c_cflag |= CS8;
		break;
	}
	if (lc->parity) {
		t.c_cflag |= PARENB;
		if (lc->parity == 1 || lc->parity == 3)
			t.c_cflag |= PARODD;
		if (lc->parity >= 3)
			t.c_cflag |= CMSPAR;
	}
	if (lc->stop)
		t.c_cflag |= CSTOPB;
	if (tcsetattr(p->slave, TCSANOW, &t) < 0)
		log_warn("%s: cannot set the pty's line: %s", p->name, strerror(errno));
}

/*
 * A break reaches the pty's reader as a serial port's would (termios(3)):
 * nothing with IGNBRK; SIGINT to its foreground group with BRKINT; else
 * \377 \0 \0 with PARMRK, or a NUL; in its place among the bytes.
 */
static void pty_break(struct serial_port *p)
{
	struct termios t;

	if (tcgetattr(p->slave, &t) < 0 || (t.c_iflag & IGNBRK))
		return;
	if (t.c_iflag & BRKINT) {
		int sig = SIGINT;

		if (ioctl(p->fd, TIOCSIG, sig) < 0)
			log_warn("%s: cannot signal the pty's reader: %s", p->name, strerror(errno));
		return;
	}
	if (p->brk_pending)
		return; /* one NUL for breaks in a row with no byte between */
	if (t.c_iflag & PARMRK) {
		memcpy(p->brk_bytes, "\377\0\0", 3);
		p->brk_len = 3;
	} else {
		p->brk_bytes[0] = 0;
		p->brk_len = 1;
	}
	p->brk_off = 0;
	p->brk_at = p->from_host + acm_rx_pending(&p->sd->acm);
	p->brk_pending = true;
}

static const char *onoff(bool on)
{
	return on ? "on" : "off";
}

/*
 * --hangup: the host dropped DTR, as a modem hangs up: SIGHUP to the pty's
 * foreground process group (a shell or getty on it), or to the command.
 * TIOCSIG would not do: a pty sends only SIGINT, SIGQUIT and SIGTSTP.
 */
static void hang_up(struct serial_port *p)
{
	pid_t pgrp = 0;
	int r = 0;

	if (p->kind == END_PTY && p->fd >= 0) {
		r = ioctl(p->fd, TIOCGPGRP, &pgrp);
		if (r == 0 && pgrp > 0)
			r = kill(-pgrp, SIGHUP);
		else if (r == 0)
			return; /* nobody has it as a controlling terminal */
	} else if (p->kind == END_EXEC && p->child > 0) {
		r = kill(p->child, SIGHUP);
	}
	if (r < 0)
		log_warn("%s: cannot hang up: %s", p->name, strerror(errno));
	else
		note_change(p, "hangup");
}

static void port_changed(void *data, unsigned int what)
{
	struct serial_port *p = data;
	const struct acm *a = &p->sd->acm;
	char line[40];

	if (what & ACM_CHANGED_LINE) {
		acm_line_coding_format(&a->line, line, sizeof(line));
		note_change(p, "line %s", line);
		if (p->kind == END_PTY)
			serial_pty_follow_line(p);
	}
	if (what & ACM_CHANGED_CONTROL) {
		if ((a->control ^ p->control) & ACM_CTRL_DTR) {
			note_change(p, "dtr %s", onoff(a->control & ACM_CTRL_DTR));
			if (p->hangup && !(a->control & ACM_CTRL_DTR))
				hang_up(p);
		}
		if ((a->control ^ p->control) & ACM_CTRL_RTS)
			note_change(p, "rts %s", onoff(a->control & ACM_CTRL_RTS));
		p->control = a->control;
	}
	if (what & ACM_CHANGED_BREAK) {
		note_change(p, "break %s", onoff(a->brk));
		if (a->brk && p->kind == END_PTY && p->fd >= 0)
			pty_break(p);
	}
	if (what & (ACM_CHANGED_RX | ACM_CHANGED_TX | ACM_CHANGED_BREAK))
		serial_port_update(p);
}

/* ---- the model ---- */

/*
 * Its input has closed: SIGTERM, a second to go, then SIGKILL. Never wait
 * for ever: a command started while we were root cannot be signalled once
 * we run as another user, and one deaf to its input and SIGTERM is then
 * left running, with a warning.
 */
static void end_child(const char *name, pid_t pid)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	int i;

	kill(pid, SIGTERM);
	for (i = 0; i < 200; i++) {
		pid_t r = waitpid(pid, NULL, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return;
		if (i == 100 && kill(pid, SIGKILL) < 0)
			break;
		nanosleep(&tick, NULL);
	}
	log_warn("%s: the command (pid %d) did not end; it is left running", name, (int)pid);
}

static void port_free(struct serial_port *p)
{
	if (!p)
		return;
	port_close_stream(p);
	watchers_free(&p->watchers);
	if (p->listen_io)
		loop_io_remove(p->listen_io);
	if (p->listen_fd >= 0)
		close(p->listen_fd);
	if (p->slave >= 0)
		close(p->slave);
	if (p->link[0])
		unlink(p->link);
	if (p->child > 0)
		end_child(p->name, p->child);
	free(p);
}

static int count_ends(const struct vusb_dev_opts *opts)
{
	static const char *const ends[] = { "--pty", "--exec", "--tcp", "--connect" };
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		n += vusb_dev_opt(opts, ends[i]) != NULL;
	return n;
}

static int serial_create(struct usb_device **ret, const struct vusb_dev_opts *opts,
			 struct strbuf *err)
{
	const char *exec = vusb_dev_opt(opts, "--exec");
	const char *tcp = vusb_dev_opt(opts, "--tcp");
	const char *conn = vusb_dev_opt(opts, "--connect");
	struct serial_port *p;
	struct serial_dev *sd;
	int r;

	if (count_ends(opts) > 1) {
		strbuf_printf(err, "a serial device has one other end: --pty, --exec, --tcp or "
				   "--connect");
		return -EINVAL;
	}
	if (!opts->loop) {
		strbuf_printf(err, "serial: no event loop to run the other end on");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = -1;
	p->slave = -1;
	watchers_init(&p->watchers);
	p->listen_fd = -1;
	p->loop = opts->loop;
	p->hangup = vusb_dev_opt(opts, "--hangup") != NULL;
	snprintf(p->name, sizeof(p->name), "%s", opts->name ? opts->name : "serial");
	r = serial_dev_create(&sd, opts, err);
	if (r < 0) {
		free(p);
		return r;
	}
	p->sd = sd;
	sd->port = p;
	if (exec && opts->has_file_fd) {
		/* vusbctl add started the command, as its caller, on the other
		 * end of this socket: we run nothing, and signal nothing. */
		p->kind = END_EXEC;
		p->fd = vusb_dev_file_fd(opts, "--exec");
		r = p->fd >= 0 ? serial_set_nonblock(p->fd) : -EBADF;
		if (r < 0)
			strbuf_printf(err,
				      "--exec %s: the command's end did not come with the request",
				      exec);
	} else if (exec) {
		p->kind = END_EXEC;
		r = serial_start_exec(p, exec, err);
	} else if (tcp) {
		p->kind = END_TCP;
		r = serial_start_tcp(p, tcp, true, err);
	} else if (conn) {
		p->kind = END_CONNECT;
		r = serial_start_tcp(p, conn, false, err);
	} else {
		p->kind = END_PTY;
		r = serial_open_pty(p, err);
	}
	if (r < 0) {
		port_free(p);
		serial_dev_destroy(sd);
		return r;
	}
	acm_set_port(&sd->acm, port_changed, p);
	serial_port_update(p);
	if (p->kind == END_PTY) {
		serial_pty_link(p);
		/* The line scripts and users look for, as the ready line. */
		printf("%s: pty %s\n", p->name, p->pts);
		fflush(stdout);
	}
	*ret = &sd->usb;
	return 0;
}

static void serial_destroy(struct usb_device *dev)
{
	struct serial_dev *sd = serial_dev_of(dev);

	port_free(sd->port);
	serial_dev_destroy(sd);
}

/* info --json: the port and its other end: "end": {"kind", "pty"|"state"}. */
static int info_json(struct usb_device *dev, struct strbuf *out)
{
	struct serial_port *p = port_of(dev);
	struct json j;

	json_init(&j, out);
	json_object_begin(&j);
	serial_dev_info_json(serial_dev_of(dev), &j);
	json_key(&j, "end");
	json_object_begin(&j);
	switch (p->kind) {
	case END_PTY:
		json_kv_str(&j, "kind", "pty");
		json_kv_str(&j, "pty", p->pts);
		break;
	case END_EXEC:
		json_kv_str(&j, "kind", "exec");
		json_kv_str(&j, "state", p->fd >= 0 ? "running" : "ended");
		break;
	case END_TCP:
	case END_CONNECT:
		json_kv_str(&j, "kind", "tcp");
		json_kv_str(&j, "state", p->fd >= 0 ? "connected" : "none");
		break;
	}
	json_object_end(&j);
	json_kv_uint(&j, "carried_to_host", p->to_host);
	json_kv_uint(&j, "carried_from_host", p->from_host);
	json_object_end(&j);
	strbuf_printf(out, "\n");
	return 0;
}

static int cmd_info(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct serial_port *p = port_of(dev);

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		return info_json(dev, out);
	if (argc != 1) {
		strbuf_printf(out, "usage: info [--json]");
		return -EINVAL;
	}
	serial_dev_info(serial_dev_of(dev), out);
	switch (p->kind) {
	case END_PTY:
		strbuf_printf(out, "end pty %s\n", p->pts);
		break;
	case END_EXEC:
		strbuf_printf(out, "end exec %s\n", p->fd >= 0 ? "running" : "ended");
		break;
	case END_TCP:
	case END_CONNECT:
		strbuf_printf(out, "end tcp %s\n", p->fd >= 0 ? "connected" : "none");
		break;
	}
	strbuf_printf(out, "carried to-host %llu from-host %llu\n", (unsigned long long)p->to_host,
		      (unsigned long long)p->from_host);
	return 0;
}

static int cmd_set(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct serial_dev *sd = serial_dev_of(dev);
	uint16_t before = sd->acm.state;
	int r;

	if (argc != 3) {
		strbuf_printf(out, "usage: set dcd|dsr|ri on|off");
		return -EINVAL;
	}
	r = serial_dev_set(sd, argv[1], argv[2], out);
	if (r == 0 && sd->acm.state != before)
		note_change(port_of(dev), "%s %s", argv[1],
			    onoff(sd->acm.state & ~before ? true : false));
	return r;
}

/* watch [--json]: fd is the client's end of the stream (vusbctl's socketpair). */
static int cmd_watch(struct usb_device *dev, int argc, char **argv, int fd, struct strbuf *out)
{
	return watch_command(&port_of(dev)->watchers, "serial port", argc, argv, fd, out);
}

static void serial_describe(struct usb_device *dev, struct strbuf *out)
{
	struct serial_port *p = port_of(dev);
	char line[64];

	acm_line_coding_format(&p->sd->acm.line, line, sizeof(line));
	if (p->kind == END_PTY)
		strbuf_printf(out, "pty=%s ", p->pts);
	strbuf_printf(out, "line=%s", line);
}

static const struct vusb_command serial_commands[] = {
	{ "info", "[--json]", "the line coding, control lines and what the port carried", 0, 1,
	  cmd_info, NULL },
	{ "set", "dcd|dsr|ri on|off", "raise or lower a line towards the host", 2, 2, cmd_set,
	  NULL },
	{ "watch", "[--json]", "print each change of the line coding and lines as it happens", 0,
	  1, NULL, cmd_watch },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

static const struct vusb_model_option serial_options[] = {
	{ "--pty", NULL, "the other end is a pseudo-terminal (the default)" },
	{ "--exec", "CMD", "the other end is CMD's standard input and output" },
	{ "--tcp", "ADDR:PORT", "the other end is one TCP client accepted there" },
	{ "--connect", "ADDR:PORT", "the other end is a TCP connection to there" },
	{ "--hangup", NULL, "when the host drops DTR, SIGHUP the pty's foreground or the command" },
	{ NULL, NULL, NULL },
};

/* A pty's other end is linked as RUNDIR/dev/NAME.tty. */
static const char *serial_tty(struct usb_device *dev)
{
	struct serial_port *p = serial_dev_of(dev)->port;

	return p && p->kind == END_PTY && p->pts[0] ? p->pts : NULL;
}

const struct vusb_model serial_model = {
	.name = "serial",
	.summary = "USB serial port (CDC-ACM), bridged to a pty, a command or TCP",
	.create = serial_create,
	.destroy = serial_destroy,
	.commands = serial_commands,
	.options = serial_options,
	.describe = serial_describe,
	.tty = serial_tty,
};
