// SPDX-License-Identifier: MIT
/*
 * The "hid" model (hid/custom.c) through the real device core and the
 * fake host: a descriptor from a file, its options, reports by ID both
 * ways (send, feature, get-report; GET/SET_REPORT, interrupt OUT), and
 * descriptors and options it refuses with the reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hid/custom.h"
#include "hid/hid.h"
#include "hid/models.h"
#include "src/base/watch.h"
#include "src/usb/model.h"
#include "src/usb/usbdev.h"
#include "tests/lib/fakehost.h"

#define IN_CLASS 0xa1
#define OUT_CLASS 0x21

/* contrib/examples/gamepad.hid, as bytes: input 1 (14 bytes with its ID),
 * output 2 (3), feature 3 (5). */
static const char gamepad[] =
	"05 01 09 05 a1 01 85 01 05 09 19 01 29 10 15 00 25 01 75 01 95 10 81 02\n"
	"05 01 09 30 09 31 09 33 09 34 16 01 80 26 ff 7f 75 10 95 04 81 02\n"
	"09 32 09 35 15 00 26 ff 00 75 08 95 02 81 02\n"
	"09 39 15 00 25 07 35 00 46 3b 01 65 14 75 04 95 01 81 42 65 00 81 01\n"
	"85 02 06 00 ff 09 01 15 00 26 ff 00 75 08 95 02 91 02\n"
	"85 03 09 02 95 04 b1 02 c0\n";

struct t {
	struct usb_device *dev;
	struct fakehost host;
	struct strbuf out;
	char path[64];
};

static void write_file(char *path, const void *data, size_t len)
{
	int fd;

	strcpy(path, "/tmp/vusb-test-rdesc-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Create with the descriptor text and model options (name, value pairs). */
static int create(struct t *t, const char *text, struct strbuf *err, const char *const *extra,
		  enum usb_speed speed)
{
	struct vusb_dev_opts o = { .name = "hid0", .vid = -1, .pid = -1, .speed = speed };
	unsigned int i;
	int r;

	write_file(t->path, text, strlen(text));
	o.extra[o.nextra].name = "--report-descriptor";
	o.extra[o.nextra++].value = t->path;
	for (i = 0; extra && extra[i]; i += 2) {
		o.extra[o.nextra].name = extra[i];
		o.extra[o.nextra++].value = extra[i + 1];
	}
	r = hid_custom_model.create(&t->dev, &o, err);
	unlink(t->path);
	return r;
}

static struct t *t_new_desc(const char *text, const char *const *extra)
{
	struct t *t = calloc(1, sizeof(*t));
	struct strbuf err = { 0 };

	assert_non_null(t);
	if (create(t, text, &err, extra, USB_SPEED_UNKNOWN) < 0)
		fail_msg("create: %s", strbuf_str(&err));
	strbuf_free(&err);
	fakehost_init(&t->host);
	fakehost_bind(&t->host, t->dev);
	assert_int_equal(fakehost_control(&t->host, 0x00, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL,
					  NULL, NULL),
			 0);
	return t;
}

static struct t *t_new(const char *const *extra)
{
	return t_new_desc(gamepad, extra);
}

static void t_free(struct t *t)
{
	fakehost_disconnect(&t->host);
	fakehost_clear_events(&t->host);
	hid_custom_model.destroy(t->dev);
	strbuf_free(&t->out);
	free(t);
}

/* vusbctl hid0 WORDS...: the command's return, its output in t->out. */
static int cmd(struct t *t, const char *line)
{
	char buf[512], *argv[64], *save = NULL, *w;
	const struct vusb_command *c;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	c = vusb_model_command(&hid_custom_model, argv[0]);
	assert_non_null(c);
	assert_true(argc - 1 >= c->min_args && argc - 1 <= c->max_args);
	strbuf_reset(&t->out);
	return c->run(t->dev, argc, argv, &t->out);
}

static void expect_out(struct t *t, const char *want)
{
	if (!strstr(strbuf_str(&t->out), want))
		fail_msg("output '%s' lacks '%s'", strbuf_str(&t->out), want);
}

static struct usb_urb *int_urb(struct t *t, uint8_t ep, bool in, uint32_t len, const void *out)
{
	struct usb_urb *u = fakehost_urb(&t->host, ep, in, len);

	if (!in)
		memcpy(u->buf, out, len);
	return u;
}

/* The one completed URB: its status, freed. IN data lands in `in`. */
static int take_done(struct t *t, void *in, uint32_t *ret_actual)
{
	struct usb_urb *u;
	int status;

	assert_int_equal(t->host.ndone, 1);
	u = t->host.done[0];
	t->host.ndone = 0;
	status = u->status;
	if (in)
		memcpy(in, u->buf, u->actual);
	if (ret_actual)
		*ret_actual = u->actual;
	fakehost_urb_free(&t->host, u);
	return status;
}

static void test_descriptors(void **state)
{
	static const char *const opts[] = { "--country", "9", "--interval", "8", NULL };
	struct t *t = t_new(opts);
	uint8_t buf[256];
	uint32_t n = 0;

	/* Configuration: one interface, HID descriptor with the country
	 * code and the report descriptor's length, the interval. */
	assert_int_equal(fakehost_control(&t->host, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0200, 0, 255,
					  NULL, buf, &n),
			 0);
	assert_int_equal(n, 34);
	assert_int_equal(buf[9 + 5], USB_CLASS_HID);
	assert_int_equal(buf[18 + 4], 9);
	assert_int_equal(buf[18 + 7] | buf[18 + 8] << 8, 111);
	assert_int_equal(buf[27 + 4] | buf[27 + 5] << 8, 64);
	assert_int_equal(buf[33], 8);
	assert_int_equal(fakehost_control(&t->host, 0x81, USB_REQ_GET_DESCRIPTOR, 0x2200, 0, 255,
					  NULL, buf, &n),
			 0);
	assert_int_equal(n, 111);
	assert_memory_equal(buf, ((uint8_t[]){ 0x05, 0x01, 0x09, 0x05, 0xa1, 0x01 }), 6);
	assert_int_equal(buf[110], 0xc0);
	t_free(t);
}

static void test_send(void **state)
{
	struct t *t = t_new(NULL);
	uint8_t buf[64];
	uint32_t n = 0;

	fakehost_submit(&t->host, int_urb(t, 1, true, 64, NULL));
	assert_int_equal(t->host.ndone, 0);
	assert_int_equal(cmd(t, "send 01 01 00 ff7f 0000 0000 0000 00 80 0f"), 0);
	assert_int_equal(take_done(t, buf, &n), 0);
	assert_int_equal(n, 14);
	assert_memory_equal(
		buf, ((uint8_t[]){ 1, 1, 0, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x0f }), 14);
	/* GET_REPORT(input, 1) is what was sent last. */
	assert_int_equal(fakehost_control(&t->host, IN_CLASS, HID_REQ_GET_REPORT, 0x0101, 0, 64,
					  NULL, buf, &n),
			 0);
	assert_int_equal(n, 14);
	assert_int_equal(buf[12], 0x80);
	assert_int_equal(cmd(t, "get-report input 1"), 0);
	expect_out(t, "01 01 00 ff 7f 00 00 00 00 00 00 00 80 0f");

	assert_int_equal(cmd(t, "send 01 01 00"), -EINVAL);
	expect_out(t, "send: input report 1 is 14 bytes with its ID, got 3");
	assert_int_equal(cmd(t, "send 02 00 00"), -EINVAL);
	expect_out(t, "send: no input report has ID 2 (input report IDs: 1)");
	assert_int_equal(cmd(t, "send 0x01"), -EINVAL);
	expect_out(t, "send: '0x01' is not hex bytes");
	assert_int_equal(cmd(t, "send 010"), -EINVAL);
	t_free(t);
}

static void test_feature(void **state)
{
	struct t *t = t_new(NULL);
	uint8_t buf[64];
	uint32_t n = 0;

	/* Zeros, with the ID, until set. */
	assert_int_equal(fakehost_control(&t->host, IN_CLASS, HID_REQ_GET_REPORT, 0x0303, 0, 64,
					  NULL, buf, &n),
			 0);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, ((uint8_t[]){ 3, 0, 0, 0, 0 }), 5);
	assert_int_equal(cmd(t, "feature 3 0a0b0c0d"), 0);
	assert_int_equal(fakehost_control(&t->host, IN_CLASS, HID_REQ_GET_REPORT, 0x0303, 0, 64,
					  NULL, buf, &n),
			 0);
	assert_memory_equal(buf, ((uint8_t[]){ 3, 0x0a, 0x0b, 0x0c, 0x0d }), 5);
	/* The host sets it: the event, and the new value. */
	assert_int_equal(fakehost_control(&t->host, OUT_CLASS, HID_REQ_SET_REPORT, 0x0303, 0, 5,
					  ((uint8_t[]){ 3, 1, 2, 3, 4 }), NULL, NULL),
			 0);
	fakehost_expect_event(&t->host, "feature 03 01 02 03 04");
	assert_int_equal(cmd(t, "get-report feature 3"), 0);
	expect_out(t, "03 01 02 03 04");

	assert_int_equal(cmd(t, "feature 3 0a0b"), -EINVAL);
	expect_out(t, "feature: feature report 3 holds 4 bytes after its ID, got 2");
	assert_int_equal(cmd(t, "feature 1 00"), -EINVAL);
	expect_out(t, "feature: no feature report has ID 1 (feature report IDs: 3)");
	assert_int_equal(cmd(t, "feature 300 00"), -EINVAL);
	expect_out(t, "'300' is not a report ID");
	/* No such report, wrong length, an ID that disagrees: STALL. */
	assert_int_equal(fakehost_control(&t->host, IN_CLASS, HID_REQ_GET_REPORT, 0x0304, 0, 64,
					  NULL, buf, &n),
			 -EPIPE);
	assert_int_equal(fakehost_control(&t->host, OUT_CLASS, HID_REQ_SET_REPORT, 0x0303, 0, 4,
					  ((uint8_t[]){ 3, 1, 2, 3 }), NULL, NULL),
			 -EPIPE);
	assert_int_equal(fakehost_control(&t->host, OUT_CLASS, HID_REQ_SET_REPORT, 0x0303, 0, 5,
					  ((uint8_t[]){ 2, 1, 2, 3, 4 }), NULL, NULL),
			 -EPIPE);
	assert_int_equal(fakehost_control(&t->host, OUT_CLASS, HID_REQ_SET_REPORT, 0x0101, 0, 14,
					  buf, NULL, NULL),
			 -EPIPE);
	t_free(t);
}

static void test_output(void **state)
{
	static const char *const opts[] = { "--out-endpoint", "", NULL };
	struct t *t = t_new(opts);
	uint8_t buf[64];
	uint32_t n = 0;

	/* SET_REPORT(output, 2) and the interrupt OUT endpoint, both kept. */
	assert_int_equal(fakehost_control(&t->host, OUT_CLASS, HID_REQ_SET_REPORT, 0x0202, 0, 3,
					  ((uint8_t[]){ 2, 0xaa, 0xbb }), NULL, NULL),
			 0);
	fakehost_expect_event(&t->host, "output 02 aa bb");
	fakehost_submit(&t->host, int_urb(t, 2, false, 3, ((uint8_t[]){ 2, 0x11, 0x22 })));
	assert_int_equal(take_done(t, NULL, NULL), 0);
	fakehost_expect_event(&t->host, "output 02 11 22");
	assert_int_equal(cmd(t, "get-report output 2"), 0);
	expect_out(t, "02 11 22");
	assert_int_equal(fakehost_control(&t->host, IN_CLASS, HID_REQ_GET_REPORT, 0x0202, 0, 64,
					  NULL, buf, &n),
			 0);
	assert_int_equal(n, 3);
	/* A report that is not the descriptor's halts the endpoint. */
	fakehost_submit(&t->host, int_urb(t, 2, false, 2, ((uint8_t[]){ 2, 0x11 })));
	assert_int_equal(take_done(t, NULL, NULL), -EPIPE);
	t_free(t);
}

/* vusbctl NAME watch [--json] with one end of a socketpair: 0 or -errno. */
static int watch(struct t *t, bool json, int fd)
{
	char *argv[] = { "watch", "--json", NULL };
	const struct vusb_command *c = vusb_model_command(&hid_custom_model, "watch");

	assert_non_null(c);
	assert_non_null(c->run_fd);
	strbuf_reset(&t->out);
	return c->run_fd(t->dev, json ? 2 : 1, argv, fd, &t->out);
}

static void expect_line(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void test_watch(void **state)
{
	static const char *const opts[] = { "--out-endpoint", "", NULL };
	struct t *t = t_new(opts);
	int a[2], b[2], c[2], i, fds[WATCHERS_MAX][2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, c), 0);
	assert_int_equal(watch(t, false, a[1]), 0);
	assert_int_equal(watch(t, true, b[1]), 0);
	assert_int_equal(watch(t, false, c[1]), 0);
	close(c[0]); /* this client went away: let go, no SIGPIPE */
	fakehost_submit(&t->host, int_urb(t, 2, false, 3, ((uint8_t[]){ 2, 0x11, 0x22 })));
	assert_int_equal(take_done(t, NULL, NULL), 0);
	assert_int_equal(fakehost_control(&t->host, OUT_CLASS, HID_REQ_SET_REPORT, 0x0303, 0, 5,
					  ((uint8_t[]){ 3, 1, 2, 3, 4 }), NULL, NULL),
			 0);
	expect_line(a[0], "output 02 11 22\nfeature 03 01 02 03 04\n");
	expect_line(b[0], "{\"type\":\"output\",\"id\":2,\"report\":\"021122\"}\n"
			  "{\"type\":\"feature\",\"id\":3,\"report\":\"0301020304\"}\n");

	/* From the terminal there is no client to write to. */
	assert_int_equal(watch(t, false, -1), -EINVAL);
	expect_out(t, "watch: only through vusbctl");
	/* Full: two are watching now; six more fit, the ninth is refused. */
	for (i = 0; i < WATCHERS_MAX; i++)
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds[i]), 0);
	for (i = 0; i < WATCHERS_MAX - 2; i++)
		assert_int_equal(watch(t, false, fds[i][1]), 0);
	assert_int_equal(watch(t, false, fds[i][1]), -EINVAL);
	expect_out(t, "8 clients watch this device already");
	t_free(t);
	/* The device went: every client sees the stream end. */
	assert_int_equal(recv(a[0], (char[8]){ 0 }, 8, 0), 0);
	assert_int_equal(recv(fds[0][0], (char[8]){ 0 }, 8, 0), 0);
	close(a[0]);
	close(b[0]);
	for (i = 0; i < WATCHERS_MAX; i++)
		close(fds[i][0]);
	close(fds[WATCHERS_MAX - 1][1]);
}

static void test_no_ids(void **state)
{
	/* A 2-byte input report, no IDs: ID 0 everywhere. */
	static const char d[] = "05 01 09 04 a1 01 75 08 95 02 81 02 b1 02 c0";
	struct t *t = calloc(1, sizeof(*t));
	struct strbuf err = { 0 };
	uint8_t buf[8];
	uint32_t n = 0;

	assert_non_null(t);
	assert_int_equal(create(t, d, &err, NULL, USB_SPEED_UNKNOWN), 0);
	fakehost_init(&t->host);
	fakehost_bind(&t->host, t->dev);
	assert_int_equal(fakehost_control(&t->host, 0x00, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL,
					  NULL, NULL),
			 0);
	assert_int_equal(cmd(t, "send 0102"), 0);
	fakehost_submit(&t->host, int_urb(t, 1, true, 8, NULL));
	assert_int_equal(take_done(t, buf, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(cmd(t, "send 010203"), -EINVAL);
	expect_out(t, "send: the input report is 2 bytes, got 3");
	assert_int_equal(cmd(t, "feature 0 aabb"), 0);
	assert_int_equal(fakehost_control(&t->host, IN_CLASS, HID_REQ_GET_REPORT, 0x0300, 0, 8,
					  NULL, buf, &n),
			 0);
	assert_memory_equal(buf, ((uint8_t[]){ 0xaa, 0xbb }), 2);
	assert_int_equal(cmd(t, "get-report output 0"), -EINVAL);
	expect_out(t, "no output report");
	assert_int_equal(cmd(t, "get-report input"), 0);
	expect_out(t, "01 02");
	strbuf_free(&err);
	t_free(t);
}

static void refused(const char *text, const char *const *extra, enum usb_speed speed,
		    const char *why)
{
	struct t t = { 0 };
	struct strbuf err = { 0 };

	assert_int_equal(create(&t, text, &err, extra, speed), -EINVAL);
	if (!strstr(strbuf_str(&err), why))
		fail_msg("'%s' lacks '%s'", strbuf_str(&err), why);
	strbuf_free(&err);
}

static void test_refused(void **state)
{
	static const char *const out_ep[] = { "--out-endpoint", "", NULL };
	static const char *const boot[] = { "--boot", "keyboard", NULL };
	static const char *const bad_boot[] = { "--boot", "joystick", NULL };
	static const char *const country[] = { "--country", "36", NULL };
	static const char *const interval[] = { "--interval", "0", NULL };

	refused("05 01 09 05 a1 01 75 08 95 01 81 02 c0 c0", NULL, USB_SPEED_UNKNOWN,
		": byte 13: End Collection with no open Collection (item 0xc0)");
	refused("05 01 09 05 a1 01\n75 08 95 01 81 02 zz c0", NULL, USB_SPEED_UNKNOWN,
		": line 2, column 19: 'z' where a hex byte should be");
	refused("05 01 09 05 a1 01 75 08 95 01 b1 02 c0", NULL, USB_SPEED_UNKNOWN,
		"no Input report");
	/* 14 bytes of input do not fit a low-speed endpoint's 8. */
	refused(gamepad, NULL, USB_SPEED_LOW,
		"byte 44: input report 1 grows to 11 bytes with "
		"its ID: over 8");
	refused("05 01 09 04 a1 01 75 08 95 02 81 02 c0", out_ep, USB_SPEED_UNKNOWN,
		"--out-endpoint: the descriptor has no Output report");
	refused(gamepad, boot, USB_SPEED_UNKNOWN,
		"--boot keyboard: the descriptor must have one "
		"input report, without an ID");
	refused(gamepad, bad_boot, USB_SPEED_UNKNOWN, "--boot 'joystick': keyboard or mouse");
	refused(gamepad, country, USB_SPEED_UNKNOWN, "--country '36': a number from 0 to 35");
	refused(gamepad, interval, USB_SPEED_UNKNOWN, "--interval '0': a number from 1 to 255");
}

static void test_missing(void **state)
{
	struct vusb_dev_opts o = { .name = "hid0", .vid = -1, .pid = -1 };
	struct usb_device *dev;
	struct strbuf err = { 0 };

	assert_int_equal(hid_custom_model.create(&dev, &o, &err), -EINVAL);
	assert_string_equal(strbuf_str(&err), "hid needs --report-descriptor FILE (binary, or "
					      "hex text)");
	strbuf_reset(&err);
	o.extra[0].name = "--report-descriptor";
	o.extra[0].value = "/nonexistent/x.hid";
	o.nextra = 1;
	assert_int_equal(hid_custom_model.create(&dev, &o, &err), -ENOENT);
	assert_string_equal(strbuf_str(&err), "--report-descriptor /nonexistent/x.hid: No such "
					      "file or directory");
	strbuf_free(&err);
}

/* Two input reports: ID 1 (X, 1 byte) and ID 4 (Y and wheel, 2 bytes). */
static const char two_inputs[] = "05 01 09 02 a1 01 85 01 09 30 15 81 25 7f 75 08 95 01 81 06\n"
				 "85 04 09 31 09 38 95 02 81 06 c0\n";

static int idle_req(struct t *t, unsigned int duration, unsigned int id)
{
	return fakehost_control(&t->host, OUT_CLASS, HID_REQ_SET_IDLE, duration << 8 | id, 0, 0,
				NULL, NULL, NULL);
}

/* GET_IDLE(id): the rate, or the negative status. */
static int get_idle(struct t *t, unsigned int id)
{
	uint8_t b[4];
	uint32_t n = 0;
	int r = fakehost_control(&t->host, IN_CLASS, HID_REQ_GET_IDLE, id, 0, 1, NULL, b, &n);

	if (r < 0)
		return r;
	assert_int_equal(n, 1);
	return b[0];
}

/* Wait out `ms`, then the device's timer as the loop would fire it. */
static void after_ms(struct t *t, long ms)
{
	struct timespec ts = { 0, ms * 1000 * 1000 };

	nanosleep(&ts, NULL);
	usb_device_timer(t->dev);
}

/* HID 1.11 7.2.4: an idle rate for one report ID, the others unchanged. */
static void test_idle_per_id(void **state)
{
	struct t *t = t_new_desc(two_inputs, NULL);
	uint8_t buf[64];
	uint32_t n = 0;

	fakehost_submit(&t->host, int_urb(t, 1, true, 64, NULL));
	assert_int_equal(cmd(t, "send 01 05"), 0);
	assert_int_equal(take_done(t, buf, &n), 0);
	fakehost_submit(&t->host, int_urb(t, 1, true, 64, NULL));
	assert_int_equal(cmd(t, "send 04 01 02"), 0);
	assert_int_equal(take_done(t, buf, &n), 0);

	/* Only input report IDs have a rate. */
	assert_int_equal(idle_req(t, 1, 2), -EPIPE);
	assert_int_equal(get_idle(t, 2), -EPIPE);
	assert_int_equal(get_idle(t, 4), 0);

	/* 1 x 4 ms for ID 4: it repeats with its current value, ID 1 never. */
	assert_int_equal(idle_req(t, 1, 4), 0);
	assert_int_equal(get_idle(t, 4), 1);
	assert_int_equal(get_idle(t, 1), 0);
	assert_int_equal(get_idle(t, 0), 0);
	assert_true(t->host.armed_ms >= 1 && t->host.armed_ms <= 4);
	fakehost_submit(&t->host, int_urb(t, 1, true, 64, NULL));
	after_ms(t, 6);
	assert_int_equal(take_done(t, buf, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(buf, "\x04\x01\x02", 3);
	/* and its period starts again from that report */
	assert_true(t->host.armed_ms >= 1 && t->host.armed_ms <= 4);
	fakehost_submit(&t->host, int_urb(t, 1, true, 64, NULL));
	after_ms(t, 6);
	assert_int_equal(take_done(t, buf, &n), 0);
	assert_memory_equal(buf, "\x04\x01\x02", 3);

	/* A change of ID 1 goes out at once and does not repeat. */
	fakehost_submit(&t->host, int_urb(t, 1, true, 64, NULL));
	assert_int_equal(cmd(t, "send 01 07"), 0);
	assert_int_equal(take_done(t, buf, &n), 0);
	assert_memory_equal(buf, "\x01\x07", 2);

	/* Rate 0 for ID 4: nothing repeats, the timer is off. */
	assert_int_equal(idle_req(t, 0, 4), 0);
	assert_int_equal(t->host.armed_ms, 0);
	fakehost_submit(&t->host, int_urb(t, 1, true, 64, NULL));
	after_ms(t, 6);
	assert_int_equal(t->host.ndone, 0);

	/* ID 0 sets every report's rate, the per-ID ones too: then the last
	 * report sent repeats, as before. */
	assert_int_equal(idle_req(t, 1, 0), 0);
	assert_int_equal(get_idle(t, 4), 1);
	assert_int_equal(get_idle(t, 1), 1);
	after_ms(t, 6);
	assert_int_equal(take_done(t, buf, &n), 0);
	assert_memory_equal(buf, "\x01\x07", 2);
	t_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptors), cmocka_unit_test(test_send),
		cmocka_unit_test(test_feature),	    cmocka_unit_test(test_output),
		cmocka_unit_test(test_watch),	    cmocka_unit_test(test_no_ids),
		cmocka_unit_test(test_refused),	    cmocka_unit_test(test_missing),
		cmocka_unit_test(test_idle_per_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
