// SPDX-License-Identifier: MIT
/*
 * `vusb-attach --listen` end to end on the build machine: the real
 * instance (src/app/vusb.c, without vhci), its USB/IP server (src/usbip/server.c)
 * and the URB stream (src/usbip/conn.c) serving a real mouse and keyboard, on
 * 127.0.0.1 with a port the kernel picks. The test plays remote usbip
 * clients over real TCP sockets in the same event loop, written byte by
 * byte from the protocol documentation, and checks every URB reply with
 * the protocol checker (usbip-check.c).
 *
 * It covers what a hostile or clumsy network peer can do: list, import,
 * busy, unknown bus ids, another protocol version, a disconnect at every
 * phase, malformed and truncated requests and headers, huge lengths, too
 * many URBs, a peer that does not read, more peers than the limit, peers
 * outside --allow, and re-import after the importer left.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/app/models.h"
#include "src/ctl/server.h"
#include "src/base/log.h"
#include "src/base/loop.h"
#include "src/usb/model.h"
#include "src/usbip/server.h"
#include "src/usbip/usbip.h"
#include "src/usbip/op.h"
#include "src/app/vusb.h"
#include "tests/lib/urbscript.h"
#include "tests/lib/usbip-check.h"

#define WAIT_MS 3000 /* for something that must happen */
#define QUIET_MS 100 /* for something that must not */
#define HANDSHAKE_MS 300 /* the server's limit in these tests */
#define MAX_CLIENTS 4

#define MOUSE_VID 0x1209
#define MOUSE_PID 0x0001
#define KBD_PID 0x0002

struct fixture;

/* One remote client. */
struct peer {
	struct fixture *fx;
	int fd;
	uint16_t port; /* its local port */
	struct loop_io *io;
	struct cmdbuf rx; /* set-up phase: bytes not taken yet */
	bool eof;
	struct usbip_check *chk; /* URB phase */
	struct cmdbuf cmd;
	struct reply_log reps;
	uint64_t bytes_in;
	/* Counting mode, for floods the checker would take long over: IN
	 * replies are parsed here and must come in seqnum order. */
	bool counting;
	uint8_t c_hdr[USBIP_HDR_SIZE];
	size_t c_have, c_skip;
	uint32_t c_next; /* the seqnum expected next */
	size_t c_count;
	bool c_bad;
};

struct fixture {
	struct loop *loop;
	struct runner run;
	struct peer *wait_peer;
	size_t wait_n;
	const char *wait_name, *wait_state;
	struct vusb *vusb;
	uint16_t port;
};

/* ---- capturing the log ---- */

struct capture {
	int saved;
	FILE *f;
};

/* The capture in progress, undone by teardown if an assertion jumps out. */
static struct capture *capturing;

static void capture_start(struct capture *c)
{
	capturing = c;
	fflush(stderr);
	c->f = tmpfile();
	assert_non_null(c->f);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(fileno(c->f), STDERR_FILENO) >= 0);
}

/* Stop capturing; the number of lines logged that contain `what`. */
static unsigned int capture_end(struct capture *c, const char *what)
{
	char line[1024];
	unsigned int n = 0;

	fflush(stderr);
	capturing = NULL;
	assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	rewind(c->f);
	while (fgets(line, sizeof(line), c->f)) {
		fputs(line, stderr); /* still shown */
		if (strstr(line, what))
			n++;
	}
	fclose(c->f);
	return n;
}

/* ---- the instance ---- */

static const char *row_field(struct fixture *fx, const char *name, int field)
{
	static char buf[512];
	struct strbuf out = { 0 }, err = { 0 };
	char *argv[] = { "list" };
	const char *line;
	size_t n = strlen(name);

	buf[0] = '\0';
	assert_int_equal(vusb_command(fx->vusb, 1, argv, false, &out, &err), 0);
	for (line = strbuf_str(&out); *line; line = strchr(line, '\n') + 1) {
		const char *f = line, *end;
		int i;

		if (strncmp(line, name, n) != 0 || line[n] != '\t')
			continue;
		for (i = 0; i < field; i++)
			f = strchr(f, '\t') + 1;
		end = strpbrk(f, "\t\n");
		snprintf(buf, sizeof(buf), "%.*s", (int)(end - f), f);
		break;
	}
	strbuf_free(&out);
	strbuf_free(&err);
	return buf;
}

static const char *dev_state(struct fixture *fx, const char *name)
{
	return row_field(fx, name, 4);
}

static bool state_reached(void *data)
{
	struct fixture *fx = data;

	return strcmp(dev_state(fx, fx->wait_name), fx->wait_state) == 0;
}

static void wait_state(struct fixture *fx, const char *name, const char *state)
{
	fx->wait_name = name;
	fx->wait_state = state;
	if (!run_until(&fx->run, state_reached, fx, WAIT_MS))
		fail_msg("%s is %s after %d ms, want %s", name, dev_state(fx, name), WAIT_MS,
			 state);
}

static int command(struct fixture *fx, const char *a0, const char *a1, const char *a2,
		   const char *a3)
{
	char *argv[] = { (char *)a0, (char *)a1, (char *)a2, (char *)a3 };
	struct strbuf out = { 0 }, err = { 0 };
	int argc = a3 ? 4 : a2 ? 3 : a1 ? 2 : 1, r;

	r = vusb_command(fx->vusb, argc, argv, false, &out, &err);
	strbuf_free(&out);
	strbuf_free(&err);
	return r;
}

static int setup_with(void **state, const char *const *allow, size_t nallow)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct server_config cfg = { 0 };
	struct vusb_dev_opts o = { .vid = -1, .pid = -1 };
	struct strbuf err = { 0 };
	char addr[SERVER_ADDR_STRLEN];
	size_t i;

	if (!fx)
		return -1;
	vusb_log_level = LOG_NOTICE;
	if (loop_new(&fx->loop) < 0)
		return -1;
	/* Ticks, so that the device's state is seen to change too. */
	runner_init(&fx->run, fx->loop, 5);
	if (server_parse_listen("127.0.0.1:0", &cfg.listen) < 0)
		return -1;
	for (i = 0; i < nallow; i++)
		if (server_parse_cidr(allow[i], &cfg.allow[cfg.nallow++]) < 0)
			return -1;
	cfg.max_clients = MAX_CLIENTS;
	cfg.handshake_ms = HANDSHAKE_MS;
	if (vusb_new(fx->loop, NULL, &fx->vusb) < 0 || vusb_serve(fx->vusb, &cfg) < 0)
		return -1;
	if (vusb_export(fx->vusb, vusb_model_find("mouse"), &o, &err) ||
	    vusb_export(fx->vusb, vusb_model_find("keyboard"), &o, &err)) {
		fprintf(stderr, "export: %s\n", strbuf_str(&err));
		return -1;
	}
	strbuf_free(&err);
	vusb_server_addr(fx->vusb, 0, addr, sizeof(addr));
	if (sscanf(addr, "127.0.0.1:%hu", &fx->port) != 1)
		return -1;
	*state = fx;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, NULL, 0);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (capturing) {
		fflush(stderr);
		dup2(capturing->saved, STDERR_FILENO);
		close(capturing->saved);
		fclose(capturing->f);
		capturing = NULL;
	}

	vusb_free(fx->vusb);
	loop_free(fx->loop);
	free(fx);
	return 0;
}

/* ---- remote clients ---- */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void peer_count(struct peer *p, const uint8_t *buf, size_t n)
{
	while (n) {
		size_t k;

		if (p->c_skip) {
			k = n < p->c_skip ? n : p->c_skip;
			p->c_skip -= k;
			buf += k;
			n -= k;
			continue;
		}
		k = USBIP_HDR_SIZE - p->c_have;
		if (k > n)
			k = n;
		memcpy(p->c_hdr + p->c_have, buf, k);
		p->c_have += k;
		buf += k;
		n -= k;
		if (p->c_have < USBIP_HDR_SIZE)
			return;
		p->c_have = 0;
		if (get32(p->c_hdr) != USBIP_RET_SUBMIT || get32(p->c_hdr + 4) != p->c_next ||
		    get32(p->c_hdr + 20) != 0 || get32(p->c_hdr + 24) > 255)
			p->c_bad = true;
		p->c_next++;
		p->c_count++;
		p->c_skip = get32(p->c_hdr + 24);
	}
}

static void peer_got(struct peer *p, const uint8_t *buf, size_t n)
{
	p->bytes_in += n;
	if (p->counting) {
		peer_count(p, buf, n);
		return;
	}
	if (p->chk) {
		usbip_check_device(p->chk, buf, n);
		return;
	}
	memcpy(cmd_grow(&p->rx, n), buf, n);
}

static void peer_read(struct loop_io *io, uint32_t events, void *data)
{
	struct peer *p = data;
	uint8_t buf[65536];
	ssize_t n;

	for (;;) {
		n = recv(p->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		peer_got(p, buf, (size_t)n);
	}
	if (n == 0 || (n < 0 && errno != EAGAIN)) {
		p->eof = true;
		if (p->chk)
			usbip_check_end(p->chk);
		loop_io_remove(p->io);
		p->io = NULL;
	}
	runner_check(&p->fx->run);
}

static struct peer *peer_connect(struct fixture *fx)
{
	struct peer *p = calloc(1, sizeof(*p));
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(fx->port) };
	socklen_t len = sizeof(sin);

	assert_non_null(p);
	p->fx = fx;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(p->fd >= 0);
	/* The kernel completes it from the backlog; the server accepts later. */
	assert_int_equal(connect(p->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(p->fd, (struct sockaddr *)&sin, &len), 0);
	p->port = ntohs(sin.sin_port);
	assert_int_equal(fcntl(p->fd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(loop_io_add(fx->loop, p->fd, EPOLLIN, peer_read, p, NULL, &p->io), 0);
	return p;
}

static void peer_free(struct peer *p)
{
	if (!p)
		return;
	loop_io_remove(p->io);
	if (p->fd >= 0)
		close(p->fd);
	usbip_check_free(p->chk);
	cmd_free(&p->rx);
	cmd_free(&p->cmd);
	reply_log_free(&p->reps);
	free(p);
}

static void peer_reading(struct peer *p, bool on)
{
	assert_non_null(p->io);
	assert_int_equal(loop_io_modify(p->io, on ? EPOLLIN : 0), 0);
}

static void peer_send(struct peer *p, const void *buf, size_t len)
{
	runner_send(&p->fx->run, p->fd, buf, len);
}

static bool peer_has_bytes(void *data)
{
	struct fixture *fx = data;

	return fx->wait_peer->rx.len >= fx->wait_n || fx->wait_peer->eof;
}

static bool peer_has_eof(void *data)
{
	struct fixture *fx = data;

	return fx->wait_peer->eof;
}

static bool peer_has_counted(void *data)
{
	struct fixture *fx = data;

	struct peer *p = fx->wait_peer;

	return p->c_count >= fx->wait_n || p->eof || p->c_bad;
}

static bool peer_has_replies(void *data)
{
	struct fixture *fx = data;

	struct peer *p = fx->wait_peer;

	return p->reps.n >= fx->wait_n || p->eof || usbip_check_error(p->chk);
}

/* n bytes of set-up reply, taken from the front. */
static void peer_take(struct peer *p, void *buf, size_t n)
{
	p->fx->wait_peer = p;
	p->fx->wait_n = n;
	run_until(&p->fx->run, peer_has_bytes, p->fx, WAIT_MS);
	if (p->rx.len < n)
		fail_msg("%zu bytes from the server, want %zu%s", p->rx.len, n,
			 p->eof ? " (it closed the connection)" : "");
	memcpy(buf, p->rx.p, n);
	memmove(p->rx.p, p->rx.p + n, p->rx.len - n);
	p->rx.len -= n;
}

/* The server closes the connection within ms, having sent nothing more. */
static void assert_closed(struct peer *p, unsigned int ms)
{
	p->fx->wait_peer = p;
	if (!run_until(&p->fx->run, peer_has_eof, p->fx, ms))
		fail_msg("the server did not close the connection within %u ms", ms);
	assert_int_equal(p->rx.len, 0);
}

static void assert_open(struct peer *p)
{
	run_for(&p->fx->run, QUIET_MS);
	assert_false(p->eof);
}

static void send_request(struct peer *p, uint16_t code, const char *busid)
{
	uint8_t req[USBIP_OP_IMPORT_REQ_SIZE];

	peer_send(p, req, usbip_op_request_encode(req, code, busid));
}

/* op_common of a reply: version and code checked, status returned. */
static uint32_t take_op_common(struct peer *p, uint16_t want_code)
{
	uint8_t buf[USBIP_OP_COMMON_SIZE];
	uint16_t version, code;
	uint32_t status;

	peer_take(p, buf, sizeof(buf));
	usbip_op_common_decode(buf, &version, &code, &status);
	assert_int_equal(version, USBIP_VERSION);
	assert_int_equal(code, want_code);
	return status;
}

struct devlist {
	uint32_t n;
	struct usbip_op_device d[8];
};

static void list_devices(struct fixture *fx, struct devlist *ret)
{
	struct peer *p = peer_connect(fx);
	uint8_t buf[4];
	uint32_t i;

	send_request(p, USBIP_OP_REQ_DEVLIST, NULL);
	assert_int_equal(take_op_common(p, USBIP_OP_REP_DEVLIST), USBIP_ST_OK);
	peer_take(p, buf, 4);
	ret->n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
	assert_true(ret->n <= 8);
	for (i = 0; i < ret->n; i++) {
		uint8_t rec[USBIP_OP_DEVICE_SIZE + USBIP_OP_MAX_INTERFACES * 4];
		int r;

		/* the fixed part, then bNumInterfaces records */
		peer_take(p, rec, USBIP_OP_DEVICE_SIZE);
		assert_true(rec[311] <= USBIP_OP_MAX_INTERFACES);
		peer_take(p, rec + USBIP_OP_DEVICE_SIZE, rec[311] * 4u);
		r = usbip_op_device_decode(rec, USBIP_OP_DEVICE_SIZE + rec[311] * 4u, true,
					   &ret->d[i]);
		assert_int_equal(r, USBIP_OP_DEVICE_SIZE + rec[311] * 4);
	}
	/* Then the server closes: one request per connection. */
	assert_closed(p, WAIT_MS);
	peer_free(p);
}

/*
 * Import busid. With USBIP_ST_OK, the peer is returned in its URB phase;
 * otherwise the server must close it, and NULL is returned.
 */
static struct peer *import(struct fixture *fx, const char *busid, uint32_t want)
{
	struct peer *p = peer_connect(fx);
	uint8_t rec[USBIP_OP_DEVICE_SIZE];
	struct usbip_op_device d;
	uint32_t status;

	send_request(p, USBIP_OP_REQ_IMPORT, busid);
	status = take_op_common(p, USBIP_OP_REP_IMPORT);
	if (status != want)
		fail_msg("import of %s: status %u (%s), want %u", busid, status,
			 usbip_op_status_name(status), want);
	if (status != USBIP_ST_OK) {
		assert_closed(p, WAIT_MS);
		peer_free(p);
		return NULL;
	}
	peer_take(p, rec, sizeof(rec));
	assert_int_equal(usbip_op_device_decode(rec, sizeof(rec), false, &d), USBIP_OP_DEVICE_SIZE);
	/* usbip attach compares the busid it asked for with this one. */
	assert_string_equal(d.busid, busid);
	assert_int_equal(d.idVendor, MOUSE_VID);
	assert_int_equal(usbip_check_new(reply_log_add, &p->reps, &p->chk), 0);
	if (p->rx.len)
		usbip_check_device(p->chk, p->rx.p, p->rx.len);
	p->rx.len = 0;
	return p;
}

/* ---- URBs, as vhci_tx.c writes them ---- */

static void urb_send(struct peer *p, const void *buf, size_t len)
{
	assert_int_equal(usbip_check_host(p->chk, buf, len), 0);
	peer_send(p, buf, len);
}

/* What the peer's command buffer holds, through the checker. */
static void urb_flush(struct peer *p)
{
	urb_send(p, p->cmd.p, p->cmd.len);
	p->cmd.len = 0;
}

static void control_in(struct peer *p, uint32_t seq, uint8_t bm, uint8_t req, uint16_t value,
		       uint16_t index, uint16_t wlength, uint32_t length)
{
	const uint8_t setup[8] = { bm, req, U16_LE(value), U16_LE(index), U16_LE(wlength) };

	put_submit(&p->cmd, seq, true, 0, length, setup);
	urb_flush(p);
}

static void set_configuration(struct peer *p, uint32_t seq)
{
	put_control(&p->cmd, seq, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL);
	urb_flush(p);
}

static void interrupt_in(struct peer *p, uint32_t seq, uint32_t length)
{
	put_submit(&p->cmd, seq, true, 1, length, NULL);
	urb_flush(p);
}

static void unlink_urb(struct peer *p, uint32_t seq, uint32_t target)
{
	put_unlink(&p->cmd, seq, target);
	urb_flush(p);
}

static void wait_replies(struct peer *p, size_t n)
{
	const char *err;

	p->fx->wait_peer = p;
	p->fx->wait_n = n;
	run_until(&p->fx->run, peer_has_replies, p->fx, WAIT_MS);
	err = usbip_check_error(p->chk);
	if (err)
		fail_msg("protocol violation: %s", err);
	if (p->reps.n < n)
		fail_msg("%zu replies, want %zu%s", p->reps.n, n,
			 p->eof ? " (connection closed)" : "");
}

static const struct reply *assert_reply(struct peer *p, size_t i, uint32_t seq, int32_t status)
{
	assert_true(i < p->reps.n);
	assert_int_equal(p->reps.v[i].seqnum, seq);
	assert_int_equal(p->reps.v[i].status, status);
	return &p->reps.v[i];
}

/* Enumerate enough for the HID class: device descriptor, configured. */
static void enumerate(struct peer *p, uint16_t pid)
{
	const struct reply *r;
	size_t n = p->reps.n;

	control_in(p, 1, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, 18, 18);
	set_configuration(p, 2);
	wait_replies(p, n + 2);
	r = assert_reply(p, n, 1, 0);
	assert_int_equal(r->actual, 18);
	assert_int_equal(r->data[8] | r->data[9] << 8, MOUSE_VID);
	assert_int_equal(r->data[10] | r->data[11] << 8, pid);
	assert_reply(p, n + 1, 2, 0);
}

/* The mouse moves, and the importer's pending interrupt URB carries it. */
static void assert_mouse_works(struct fixture *fx, struct peer *p, uint32_t seq)
{
	size_t n = p->reps.n;

	interrupt_in(p, seq, 8);
	run_for(&fx->run, 10);
	assert_int_equal(p->reps.n, n);
	assert_int_equal(command(fx, "mouse0", "move", "5", "-3"), 0);
	wait_replies(p, n + 1);
	assert_true(p->reps.v[n].actual > 0);
	assert_reply(p, n, seq, 0);
}

/* ---- tests ---- */

static void test_devlist(void **state)
{
	struct fixture *fx = *state;
	struct devlist l;

	list_devices(fx, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.d[0].busid, "1-1");
	assert_string_equal(l.d[0].path, "vusb/mouse0");
	assert_int_equal(l.d[0].busnum, 1);
	assert_int_equal(l.d[0].devnum, 1);
	assert_int_equal(l.d[0].speed, USB_SPEED_FULL);
	assert_int_equal(l.d[0].idVendor, MOUSE_VID);
	assert_int_equal(l.d[0].idProduct, MOUSE_PID);
	assert_int_equal(l.d[0].bConfigurationValue, 1);
	assert_int_equal(l.d[0].bNumConfigurations, 1);
	assert_int_equal(l.d[0].bNumInterfaces, 1);
	/* HID, boot interface, mouse */
	assert_int_equal(l.d[0].intf[0].bInterfaceClass, USB_CLASS_HID);
	assert_int_equal(l.d[0].intf[0].bInterfaceSubClass, 1);
	assert_int_equal(l.d[0].intf[0].bInterfaceProtocol, 2);
	assert_string_equal(l.d[1].busid, "1-2");
	assert_int_equal(l.d[1].devnum, 2);
	assert_int_equal(l.d[1].idProduct, KBD_PID);
	assert_int_equal(l.d[1].intf[0].bInterfaceProtocol, 1);

	assert_string_equal(dev_state(fx, "mouse0"), "exported");
	assert_string_equal(row_field(fx, "mouse0", 3), "1-1");
	assert_string_equal(row_field(fx, "mouse0", 2), "-");
}

static void test_import_and_use(void **state)
{
	struct fixture *fx = *state;
	struct peer *p;
	char from[64];

	p = import(fx, "1-1", USBIP_ST_OK);
	wait_state(fx, "mouse0", "imported");
	snprintf(from, sizeof(from), "from 127.0.0.1:%u", p->port);
	assert_string_equal(row_field(fx, "mouse0", 5), from);
	/* Not configured yet: the command says so rather than queueing. */
	assert_int_not_equal(command(fx, "mouse0", "move", "1", "1"), 0);
	enumerate(p, MOUSE_PID);
	assert_mouse_works(fx, p, 3);

	/* An unlink of the pending URB is answered; nothing follows it. */
	interrupt_in(p, 4, 8);
	unlink_urb(p, 5, 4);
	wait_replies(p, 4);
	assert_int_equal(p->reps.v[3].command, USBIP_RET_UNLINK);
	assert_reply(p, 3, 5, -ECONNRESET);

	/* The keyboard is untouched by all this. */
	assert_string_equal(dev_state(fx, "keyboard0"), "exported");
	assert_int_equal(usbip_check_pending_urbs(p->chk), 0);
	peer_free(p);
	wait_state(fx, "mouse0", "exported");
}

static void test_busy_and_two_importers(void **state)
{
	struct fixture *fx = *state;
	struct peer *a, *b;
	struct devlist l;

	a = import(fx, "1-1", USBIP_ST_OK);
	assert_null(import(fx, "1-1", USBIP_ST_DEV_BUSY));
	b = import(fx, "1-2", USBIP_ST_OK);
	assert_null(import(fx, "1-2", USBIP_ST_DEV_BUSY));
	enumerate(a, MOUSE_PID);
	enumerate(b, KBD_PID);
	assert_mouse_works(fx, a, 10);
	assert_int_equal(command(fx, "keyboard0", "type", "a", NULL), 0);
	interrupt_in(b, 11, 8);
	wait_replies(b, 3);
	assert_reply(b, 2, 11, 0);

	/* Imported devices are still listed, as usbipd lists them. */
	list_devices(fx, &l);
	assert_int_equal(l.n, 2);

	/* The importer goes: the device is offered again, and re-imported. */
	peer_free(a);
	wait_state(fx, "mouse0", "exported");
	a = import(fx, "1-1", USBIP_ST_OK);
	enumerate(a, MOUSE_PID);
	assert_mouse_works(fx, a, 20);
	assert_string_equal(dev_state(fx, "keyboard0"), "imported");
	peer_free(a);
	peer_free(b);
	wait_state(fx, "keyboard0", "exported");
}

static void test_nodev(void **state)
{
	struct fixture *fx = *state;
	uint8_t req[USBIP_OP_IMPORT_REQ_SIZE];
	struct peer *p;

	assert_null(import(fx, "9-9", USBIP_ST_NODEV));
	assert_null(import(fx, "1-3", USBIP_ST_NODEV));
	assert_null(import(fx, "", USBIP_ST_NODEV));
	assert_null(import(fx, "1-1 ", USBIP_ST_NODEV));

	/* A busid filling all 32 bytes, no NUL, binary junk. */
	p = peer_connect(fx);
	usbip_op_request_encode(req, USBIP_OP_REQ_IMPORT, "");
	memset(req + 8, 0xff, 32);
	memcpy(req + 8, "1-1", 3);
	peer_send(p, req, sizeof(req));
	assert_int_equal(take_op_common(p, USBIP_OP_REP_IMPORT), USBIP_ST_NODEV);
	assert_closed(p, WAIT_MS);
	peer_free(p);

	/* "1-1" followed by garbage after its NUL is 1-1. */
	p = peer_connect(fx);
	memset(req + 8, 0xa5, 32);
	memcpy(req + 8, "1-1", 4);
	peer_send(p, req, sizeof(req));
	assert_int_equal(take_op_common(p, USBIP_OP_REP_IMPORT), USBIP_ST_OK);
	peer_free(p);
	wait_state(fx, "mouse0", "exported");
}

static void test_version_and_unknown_requests(void **state)
{
	struct fixture *fx = *state;
	struct capture cap;
	struct peer *p;

	/* Another version: refused with an error status, then closed. */
	capture_start(&cap);
	p = peer_connect(fx);
	peer_send(p, "\x01\x06\x80\x03\x00\x00\x00\x00", 8);
	assert_int_equal(take_op_common(p, USBIP_OP_REP_IMPORT), USBIP_ST_ERROR);
	assert_closed(p, WAIT_MS);
	/* One log line says why. */
	assert_int_equal(capture_end(&cap, "version 1.06 refused"), 1);
	peer_free(p);

	/* An unknown code, a reply code, OP_REQ_DEVINFO: closed, no answer. */
	p = peer_connect(fx);
	peer_send(p, "\x01\x11\x80\x02\x00\x00\x00\x00", 8);
	assert_closed(p, WAIT_MS);
	peer_free(p);
	p = peer_connect(fx);
	peer_send(p, "\x01\x11\x00\x05\x00\x00\x00\x00", 8);
	assert_closed(p, WAIT_MS);
	peer_free(p);
	/* An HTTP request to the port. */
	p = peer_connect(fx);
	peer_send(p, "GET / HTTP/1.0\r\n\r\n", 18);
	assert_closed(p, WAIT_MS);
	peer_free(p);

	/* None of that touched the devices. */
	p = import(fx, "1-1", USBIP_ST_OK);
	enumerate(p, MOUSE_PID);
	peer_free(p);
}

static void test_disconnect_in_every_phase(void **state)
{
	struct fixture *fx = *state;
	uint8_t req[USBIP_OP_IMPORT_REQ_SIZE];
	struct peer *p;
	size_t cut;

	usbip_op_request_encode(req, USBIP_OP_REQ_IMPORT, "1-1");
	/* Connect and go; then go after every byte of an import request. */
	for (cut = 0; cut < sizeof(req); cut++) {
		p = peer_connect(fx);
		if (cut)
			peer_send(p, req, cut);
		run_for(&fx->run, 2);
		peer_free(p);
	}
	/* The whole request, gone before reading the reply. */
	p = peer_connect(fx);
	peer_send(p, req, sizeof(req));
	peer_free(p);
	run_for(&fx->run, 20);
	wait_state(fx, "mouse0", "exported");
	/* A list request, gone before reading it. */
	p = peer_connect(fx);
	peer_send(p, req, 8);
	peer_send(p, "\x01\x11\x80\x05\x00\x00\x00\x00", 0);
	peer_free(p);

	/* Imported, then gone before any URB, inside a header, inside OUT data. */
	for (cut = 0; cut < 3; cut++) {
		const uint8_t setup[8] = { 0x21, 0x09, U16_LE(0x0200), 0, 0, U16_LE(1) };

		p = import(fx, "1-1", USBIP_ST_OK);
		wait_state(fx, "mouse0", "imported");
		if (cut == 1) {
			put_submit(&p->cmd, 1, true, 0, 18, NULL);
			peer_send(p, p->cmd.p, 20);
		} else if (cut == 2) {
			enumerate(p, MOUSE_PID);
			/* SET_REPORT with 1 byte announced, none sent */
			put_submit(&p->cmd, 3, false, 0, 1, setup);
			peer_send(p, p->cmd.p, p->cmd.len);
		}
		run_for(&fx->run, 5);
		peer_free(p);
		wait_state(fx, "mouse0", "exported");
	}

	/* After all that, everything still works. */
	p = import(fx, "1-1", USBIP_ST_OK);
	enumerate(p, MOUSE_PID);
	assert_mouse_works(fx, p, 3);
	peer_free(p);
}

static void test_handshake_timeout(void **state)
{
	struct fixture *fx = *state;
	struct peer *silent, *partial, *fine;
	struct devlist l;

	/* One says nothing, one sends half a request: neither holds up a third. */
	silent = peer_connect(fx);
	partial = peer_connect(fx);
	peer_send(partial, "\x01\x11\x80\x03\x00\x00\x00\x00" "1-", 10);
	list_devices(fx, &l);
	assert_int_equal(l.n, 2);
	fine = import(fx, "1-1", USBIP_ST_OK);
	enumerate(fine, MOUSE_PID);

	/* Both are closed once the set-up time is up, fine is not. */
	assert_closed(silent, HANDSHAKE_MS + WAIT_MS);
	assert_closed(partial, WAIT_MS);
	assert_false(fine->eof);
	assert_mouse_works(fx, fine, 3);
	peer_free(silent);
	peer_free(partial);
	peer_free(fine);
}

static void test_too_many_peers(void **state)
{
	struct fixture *fx = *state;
	struct peer *p[MAX_CLIENTS], *extra, *imp;
	struct capture cap;
	unsigned int i;
	struct devlist l;

	/* An importer does not count against the set-up limit. */
	imp = import(fx, "1-1", USBIP_ST_OK);
	for (i = 0; i < MAX_CLIENTS; i++)
		p[i] = peer_connect(fx);
	run_for(&fx->run, 20);
	for (i = 0; i < MAX_CLIENTS; i++)
		assert_false(p[i]->eof);

	/* One more: the oldest gives way (a peer reconnecting faster than
	 * the handshake time cannot keep them all), with one log line. */
	capture_start(&cap);
	extra = peer_connect(fx);
	assert_closed(p[0], WAIT_MS);
	assert_int_equal(capture_end(&cap, "the set-up slots are full, the oldest goes"), 1);
	assert_false(extra->eof);

	/* The newcomer and the others are served normally... */
	send_request(extra, USBIP_OP_REQ_DEVLIST, NULL);
	assert_int_equal(take_op_common(extra, USBIP_OP_REP_DEVLIST), USBIP_ST_OK);
	send_request(p[1], USBIP_OP_REQ_DEVLIST, NULL);
	assert_int_equal(take_op_common(p[1], USBIP_OP_REP_DEVLIST), USBIP_ST_OK);
	peer_free(extra);
	for (i = 0; i < MAX_CLIENTS; i++)
		peer_free(p[i]);
	/* ... and once they are gone there is room again. */
	run_for(&fx->run, 20);
	list_devices(fx, &l);
	assert_int_equal(l.n, 2);
	enumerate(imp, MOUSE_PID);
	peer_free(imp);
}

static unsigned int slot_events_refused;

static void slot_event(const char *peer, int err, const char *what, void *data)
{
	if (err == -EUSERS && strstr(what, "from this address"))
		slot_events_refused++;
}

static int slot_peer(struct server *s, const char *ip, int *ret_other)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(40000) };
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
	*ret_other = sv[1];
	return server_add_peer(s, sv[0], (struct sockaddr *)&sa, sizeof(sa));
}

/* Is the peer's end closed by the server (EOF, nothing to read)? */
static bool slot_closed(int fd)
{
	char b;

	return recv(fd, &b, 1, MSG_DONTWAIT) == 0;
}

/*
 * One address may hold only max_per_addr of the set-up slots; when every
 * slot is taken, the oldest connection gives way to the newcomer.
 */
static void test_setup_slots_per_address(void **state)
{
	static const struct server_ops ops = { .event = slot_event };
	struct server_config cfg = { .max_clients = 4, .max_per_addr = 2 };
	int a1, a2, a3, b1, b2, c1;
	struct server *s;
	struct loop *loop;

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(server_parse_listen("127.0.0.1:0", &cfg.listen), 0);
	assert_int_equal(server_new(loop, &cfg, &ops, NULL, &s), 0);
	assert_int_equal(slot_peer(s, "10.0.0.1", &a1), 0);
	assert_int_equal(slot_peer(s, "10.0.0.1", &a2), 0);
	/* A third from the same address: refused, logged once. */
	slot_events_refused = 0;
	assert_int_equal(slot_peer(s, "10.0.0.1", &a3), -EUSERS);
	assert_int_equal(slot_events_refused, 1);
	assert_true(slot_closed(a3));
	assert_int_equal(slot_peer(s, "10.0.0.2", &b1), 0);
	assert_int_equal(slot_peer(s, "10.0.0.2", &b2), 0);
	assert_false(slot_closed(a1));
	/* Full: a newcomer from elsewhere takes the oldest slot. */
	assert_int_equal(slot_peer(s, "10.0.0.3", &c1), 0);
	assert_true(slot_closed(a1));
	assert_false(slot_closed(a2));
	assert_false(slot_closed(b1));
	/* 10.0.0.1 has one slot now: it may take one more. */
	close(a3);
	assert_int_equal(slot_peer(s, "10.0.0.1", &a3), 0);
	server_free(s);
	loop_free(loop);
	close(a1);
	close(a2);
	close(a3);
	close(b1);
	close(b2);
	close(c1);
}

static void test_malformed_urb_header(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		size_t off;
		uint32_t v;
	} bad[] = {
		{ 0, 0 }, /* command */
		{ 0, USBIP_RET_SUBMIT },
		{ 12, 7 }, /* direction */
		{ 16, 16 }, /* ep */
		{ 24, 0x80000000 }, /* length < 0 */
		{ 32, 1025 }, /* ISO packets */
	};
	struct peer *kbd, *p;
	struct capture cap;
	size_t k;
	char from[64];

	/* Someone else's device keeps working throughout. */
	kbd = import(fx, "1-2", USBIP_ST_OK);
	enumerate(kbd, KBD_PID);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		p = import(fx, "1-1", USBIP_ST_OK);
		enumerate(p, MOUSE_PID);
		capture_start(&cap);
		put_submit(&p->cmd, 9, true, 0, 18, NULL);
		put32(p->cmd.p + bad[k].off, bad[k].v);
		peer_send(p, p->cmd.p, p->cmd.len);
		assert_closed(p, WAIT_MS);
		wait_state(fx, "mouse0", "exported");
		/* One line, naming the peer and the reason. */
		snprintf(from, sizeof(from), "dropped 127.0.0.1:%u: malformed USB/IP header",
			 p->port);
		assert_int_equal(capture_end(&cap, from), 1);
		peer_free(p);
	}
	assert_false(kbd->eof);
	assert_int_equal(command(fx, "keyboard0", "type", "b", NULL), 0);
	interrupt_in(kbd, 50, 8);
	wait_replies(kbd, 3);
	assert_reply(kbd, 2, 50, 0);
	peer_free(kbd);
}

/* Heap in use, as glibc sees it. */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void test_huge_lengths(void **state)
{
	struct fixture *fx = *state;
	const size_t chunk = 1 << 16;
	uint8_t *junk = calloc(1, chunk);
	size_t base, peak = 0, off, big = USBIP_MAX_TRANSFER + 1;
	struct peer *p;
	const struct reply *r;

	assert_non_null(junk);
	p = import(fx, "1-1", USBIP_ST_OK);
	enumerate(p, MOUSE_PID);

	/* IN with 2 GiB asked for: the mouse answers 18 bytes. */
	control_in(p, 3, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, 0xffff,
		   0x7fffffff);
	wait_replies(p, 3);
	r = assert_reply(p, 2, 3, 0);
	assert_int_equal(r->actual, 18);

	/* OUT past the limit: the data is read and dropped, -EOVERFLOW. */
	base = heap_in_use();
	put_submit(&p->cmd, 4, false, 2, (uint32_t)big, NULL);
	urb_flush(p);
	for (off = 0; off < big; off += chunk) {
		size_t n = big - off < chunk ? big - off : chunk;

		urb_send(p, junk, n);
		if (heap_in_use() > peak)
			peak = heap_in_use();
	}
	wait_replies(p, 4);
	assert_reply(p, 3, 4, -EOVERFLOW);
	if (peak >= base + USBIP_MAX_TRANSFER / 4)
		fail_msg("heap grew by %zu bytes for an oversized OUT", peak - base);

	/* ISO: refused, its descriptors passed over, no buffer. */
	put_submit_iso(&p->cmd, 5, false, 1, 1 << 20, NULL, 1024);
	urb_flush(p);
	for (off = 0; off < (1u << 20) + 1024 * USBIP_ISO_DESC_SIZE; off += chunk) {
		size_t n = (1u << 20) + 1024 * USBIP_ISO_DESC_SIZE - off;

		urb_send(p, junk, n < chunk ? n : chunk);
	}
	wait_replies(p, 5);
	assert_reply(p, 4, 5, -EXDEV);
	assert_false(p->eof);
	assert_mouse_works(fx, p, 6);
	free(junk);
	peer_free(p);
}

static void test_too_many_urbs(void **state)
{
	struct fixture *fx = *state;
	const unsigned int limit = 1024; /* CONN_MAX_HELD */
	struct peer *p;
	unsigned int i;

	p = import(fx, "1-1", USBIP_ST_OK);
	enumerate(p, MOUSE_PID);
	/* As many interrupt URBs as allowed wait for data... */
	for (i = 0; i < limit; i++)
		put_submit(&p->cmd, 100 + i, true, 1, 8, NULL);
	urb_flush(p);
	run_for(&fx->run, 50);
	assert_int_equal(p->reps.n, 2);
	/* ... the next is answered at once with -ENOMEM, the connection stays. */
	interrupt_in(p, 5000, 8);
	wait_replies(p, 3);
	assert_reply(p, 2, 5000, -ENOMEM);
	assert_open(p);
	/* One unlinked makes room for one. */
	unlink_urb(p, 5001, 100);
	wait_replies(p, 4);
	assert_reply(p, 3, 5001, -ECONNRESET);
	interrupt_in(p, 5002, 8);
	run_for(&fx->run, 50);
	assert_int_equal(p->reps.n, 4);
	/* Data completes the oldest. */
	assert_int_equal(command(fx, "mouse0", "move", "1", "0"), 0);
	wait_replies(p, 5);
	assert_reply(p, 4, 101, 0);
	peer_free(p);
	wait_state(fx, "mouse0", "exported");

	/* Buffers count too: 16 pending URBs of 4 MiB fill the budget. */
	p = import(fx, "1-1", USBIP_ST_OK);
	enumerate(p, MOUSE_PID);
	for (i = 0; i < 16; i++)
		interrupt_in(p, 10 + i, USBIP_MAX_TRANSFER);
	run_for(&fx->run, 50);
	assert_int_equal(p->reps.n, 2);
	interrupt_in(p, 30, 8);
	wait_replies(p, 3);
	assert_reply(p, 2, 30, -ENOMEM);
	/* One of them unlinked, a small one fits again. */
	unlink_urb(p, 31, 10);
	wait_replies(p, 4);
	assert_reply(p, 3, 31, -ECONNRESET);
	interrupt_in(p, 32, 8);
	run_for(&fx->run, 50);
	assert_int_equal(p->reps.n, 4);
	peer_free(p);
}

static void test_peer_that_does_not_read(void **state)
{
	struct fixture *fx = *state;
	const size_t batch = 4096;
	struct cmdbuf b = { 0 };
	struct peer *p, *kbd;
	size_t sent = 0, base, i;
	int stuck = 0;

	p = import(fx, "1-1", USBIP_ST_OK);
	kbd = import(fx, "1-2", USBIP_ST_OK);
	enumerate(p, MOUSE_PID);
	enumerate(kbd, KBD_PID);
	peer_reading(p, false);
	p->counting = true;
	p->c_next = 1000;
	base = heap_in_use();

	/* GET_DESCRIPTOR(config) after GET_DESCRIPTOR(config), replies
	 * never read, until the server stops taking requests. */
	while (stuck < 20) {
		size_t off = 0;

		b.len = 0;
		for (i = 0; i < batch; i++) {
			const uint8_t setup[8] = { USB_DIR_IN, USB_REQ_GET_DESCRIPTOR,
						   U16_LE(USB_DT_CONFIG << 8), 0, 0, U16_LE(255) };

			put_submit(&b, (uint32_t)(1000 + sent + i), true, 0, 255, setup);
		}
		while (off < b.len) {
			ssize_t n = send(p->fd, b.p + off, b.len - off, MSG_NOSIGNAL);

			if (n < 0 && errno == EAGAIN) {
				run_for(&fx->run, 5);
				if (++stuck >= 20)
					break;
				continue;
			}
			if (n <= 0)
				fail_msg("send: %s", n < 0 ? strerror(errno) : "0");
			stuck = 0;
			off += (size_t)n;
		}
		sent += off / USBIP_HDR_SIZE; /* a partial header at the end waits */
		if (sent > 2000000)
			fail_msg("the server took %zu requests without their replies being read",
				 sent);
	}
	/* It holds a bounded amount (16 MiB of replies, and change)... */
	if (heap_in_use() > base + (24u << 20))
		fail_msg("the heap grew by %zu MiB after %zu requests", (heap_in_use() - base) >> 20,
			 sent);
	/* ... while the other importer is served as usual. */
	assert_int_equal(command(fx, "keyboard0", "type", "c", NULL), 0);
	interrupt_in(kbd, 9, 8);
	wait_replies(kbd, 3);
	assert_reply(kbd, 2, 9, 0);

	/* Reading again, every request is answered, in order. */
	peer_reading(p, true);
	p->fx->wait_peer = p;
	fx->wait_n = sent;
	run_until(&fx->run, peer_has_counted, fx, 10000);
	assert_false(p->c_bad);
	assert_false(p->eof);
	if (p->c_count != sent)
		fail_msg("%zu replies to %zu requests", p->c_count, sent);
	/* More than fit in the reply budget at once: it was paused and resumed. */
	assert_true(sent > (16u << 20) / 512);
	run_for(&fx->run, QUIET_MS);
	assert_int_equal(p->c_count, sent);
	cmd_free(&b);
	peer_free(p);
	peer_free(kbd);
}

/* The server's end of the connection from `p`, found among our fds. */
static int server_fd_of(struct fixture *fx, struct peer *p)
{
	int fd;

	for (fd = 3; fd < 1024; fd++) {
		struct sockaddr_in a, b;
		socklen_t la = sizeof(a), lb = sizeof(b);

		if (getsockname(fd, (struct sockaddr *)&a, &la) < 0 || a.sin_family != AF_INET)
			continue;
		if (getpeername(fd, (struct sockaddr *)&b, &lb) < 0)
			continue;
		if (ntohs(a.sin_port) == fx->port && ntohs(b.sin_port) == p->port)
			return fd;
	}
	return -1;
}

static void test_socket_options(void **state)
{
	struct fixture *fx = *state;
	struct peer *p = import(fx, "1-1", USBIP_ST_OK);
	int fd, v = 0;
	socklen_t len = sizeof(v);

	wait_state(fx, "mouse0", "imported");
	fd = server_fd_of(fx, p);
	assert_true(fd >= 0);
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	assert_true(v);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len), 0);
	assert_true(v);
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len), 0);
	assert_true(v > 0 && v <= 60);
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, &len), 0);
	assert_true(v > 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	peer_free(p);
}

static void test_detach_while_imported(void **state)
{
	struct fixture *fx = *state;
	struct peer *p = import(fx, "1-1", USBIP_ST_OK);
	struct devlist l;

	enumerate(p, MOUSE_PID);
	assert_int_equal(command(fx, "mouse0", "detach", NULL, NULL), 0);
	/* The importer sees the end of its stream, cleanly. */
	p->fx->wait_peer = p;
	assert_true(run_until(&fx->run, peer_has_eof, fx, WAIT_MS));
	assert_null(usbip_check_error(p->chk));
	peer_free(p);
	list_devices(fx, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.d[0].busid, "1-2");
	assert_null(import(fx, "1-1", USBIP_ST_NODEV));
}

static int setup_allow_other(void **state)
{
	static const char *const allow[] = { "10.0.0.0/8", "fd00::/8" };

	return setup_with(state, allow, 2);
}

static int setup_allow_loopback(void **state)
{
	static const char *const allow[] = { "10.0.0.0/8", "127.0.0.0/8" };

	return setup_with(state, allow, 2);
}

static void test_outside_allow(void **state)
{
	struct fixture *fx = *state;
	struct capture cap;
	struct peer *p;

	/* Closed before it can list or import anything. */
	capture_start(&cap);
	p = peer_connect(fx);
	send_request(p, USBIP_OP_REQ_DEVLIST, NULL);
	assert_closed(p, WAIT_MS);
	assert_int_equal(p->bytes_in, 0);
	assert_int_equal(capture_end(&cap, "not in --allow"), 1);
	peer_free(p);
	p = peer_connect(fx);
	send_request(p, USBIP_OP_REQ_IMPORT, "1-1");
	assert_closed(p, WAIT_MS);
	assert_int_equal(p->bytes_in, 0);
	peer_free(p);
	assert_string_equal(dev_state(fx, "mouse0"), "exported");
}

static void test_inside_allow(void **state)
{
	struct fixture *fx = *state;
	struct peer *p = import(fx, "1-1", USBIP_ST_OK);

	enumerate(p, MOUSE_PID);
	peer_free(p);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_devlist),
		T(test_import_and_use),
		T(test_busy_and_two_importers),
		T(test_nodev),
		T(test_version_and_unknown_requests),
		T(test_disconnect_in_every_phase),
		T(test_handshake_timeout),
		T(test_too_many_peers),
		T(test_setup_slots_per_address),
		T(test_malformed_urb_header),
		T(test_huge_lengths),
		T(test_too_many_urbs),
		T(test_peer_that_does_not_read),
		T(test_socket_options),
		T(test_detach_while_imported),
		cmocka_unit_test_setup_teardown(test_outside_allow, setup_allow_other, teardown),
		cmocka_unit_test_setup_teardown(test_inside_allow, setup_allow_loopback, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
