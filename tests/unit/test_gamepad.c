// SPDX-License-Identifier: MIT
/*
 * The Xbox 360 gamepad (hid/gamepad.c) through the real device core and
 * the fake host: the input reports xpad reads, the rumble and LED
 * messages it sends, its start-up vendor request, and the commands.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hid/gamepad.h"
#include "hid/models.h"
#include "src/usb/model.h"
#include "src/usb/usbdev.h"
#include "tests/lib/fakehost.h"

struct t {
	struct usb_device *dev;
	struct fakehost host;
	struct strbuf out;
};

static struct t *t_new(bool configure)
{
	struct vusb_dev_opts o = { .name = "gamepad0", .vid = -1, .pid = -1 };
	struct t *t = calloc(1, sizeof(*t));
	struct strbuf err = { 0 };

	assert_non_null(t);
	if (gamepad_model.create(&t->dev, &o, &err) < 0)
		fail_msg("create: %s", strbuf_str(&err));
	strbuf_free(&err);
	fakehost_init(&t->host);
	fakehost_bind(&t->host, t->dev);
	if (configure)
		assert_int_equal(fakehost_control(&t->host, 0x00, USB_REQ_SET_CONFIGURATION, 1, 0,
						  0, NULL, NULL, NULL),
				 0);
	return t;
}

static void t_free(struct t *t)
{
	fakehost_disconnect(&t->host);
	fakehost_clear_events(&t->host);
	gamepad_model.destroy(t->dev);
	strbuf_free(&t->out);
	free(t);
}

static int cmd(struct t *t, const char *line)
{
	char buf[256], *argv[16], *save = NULL, *w;
	const struct vusb_command *c;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	c = vusb_model_command(&gamepad_model, argv[0]);
	assert_non_null(c);
	assert_true(argc - 1 >= c->min_args && argc - 1 <= c->max_args);
	strbuf_reset(&t->out);
	return c->run(t->dev, argc, argv, &t->out);
}

static struct usb_urb *int_urb(struct t *t, bool in, uint32_t len, const void *out)
{
	struct usb_urb *u = fakehost_urb(&t->host, 1, in, len);

	if (!in)
		memcpy(u->buf, out, len);
	return u;
}

/* One interrupt IN transfer of 64 bytes, as xpad submits: its data. */
static void read_report(struct t *t, uint8_t r[GAMEPAD_REPORT_SIZE])
{
	struct usb_urb *u;

	fakehost_submit(&t->host, int_urb(t, true, 64, NULL));
	assert_int_equal(t->host.ndone, 1);
	u = t->host.done[0];
	t->host.ndone = 0;
	assert_int_equal(u->status, 0);
	assert_int_equal(u->actual, GAMEPAD_REPORT_SIZE);
	memcpy(r, u->buf, GAMEPAD_REPORT_SIZE);
	fakehost_urb_free(&t->host, u);
}

static void host_sends(struct t *t, const uint8_t *msg, uint32_t len)
{
	fakehost_submit(&t->host, int_urb(t, false, len, msg));
	assert_int_equal(t->host.ndone, 1);
	assert_int_equal(t->host.done[0]->status, 0);
	fakehost_urb_free(&t->host, t->host.done[0]);
	t->host.ndone = 0;
}

static void test_descriptors(void **state)
{
	struct t *t = t_new(false);
	uint8_t buf[64];
	uint32_t n = 0;

	assert_int_equal(fakehost_control(&t->host, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, 18,
					  NULL, buf, &n),
			 0);
	assert_int_equal(buf[8] | buf[9] << 8, 0x045e);
	assert_int_equal(buf[10] | buf[11] << 8, 0x028e);
	assert_int_equal(fakehost_control(&t->host, 0x80, USB_REQ_GET_DESCRIPTOR, 0x0200, 0, 64,
					  NULL, buf, &n),
			 0);
	/* What xpad matches: vendor class 0xff/0x5d/0x01, two endpoints. */
	assert_int_equal(n, 32);
	assert_memory_equal(buf + 9 + 4, ((uint8_t[]){ 2, 0xff, 0x5d, 0x01 }), 4);
	assert_int_equal(buf[18 + 2], 0x81);
	assert_int_equal(buf[25 + 2], 0x01);
	/* Nothing to send before the host configures it. */
	assert_int_equal(cmd(t, "press a"), -ENOTCONN);
	t_free(t);
}

static void test_reports(void **state)
{
	struct t *t = t_new(true);
	uint8_t r[GAMEPAD_REPORT_SIZE];

	assert_int_equal(cmd(t, "press a lb up"), 0);
	read_report(t, r);
	assert_int_equal(r[0], 0x00);
	assert_int_equal(r[1], 0x14);
	assert_int_equal(r[2], 0x01);
	assert_int_equal(r[3], 0x11);
	assert_int_equal(cmd(t, "release lb"), 0);
	assert_int_equal(cmd(t, "stick left 1.0 -1.0"), 0);
	assert_int_equal(cmd(t, "stick right -0.5 0.25"), 0);
	assert_int_equal(cmd(t, "trigger left 1"), 0);
	assert_int_equal(cmd(t, "trigger right 0.5"), 0);
	read_report(t, r);
	assert_int_equal(r[3], 0x10);
	read_report(t, r);
	assert_memory_equal(r + 6, ((uint8_t[]){ 0xff, 0x7f, 0x01, 0x80 }), 4);
	read_report(t, r);
	assert_memory_equal(r + 10, ((uint8_t[]){ 0x00, 0xc0, 0x00, 0x20 }), 4);
	read_report(t, r);
	assert_int_equal(r[4], 255);
	read_report(t, r);
	assert_int_equal(r[5], 128);
	assert_int_equal(r[3], 0x10);
	assert_int_equal(r[2], 0x01);
	/* Every button by its name and bit. */
	assert_int_equal(gamepad_button("Guide"), 0x0400);
	assert_int_equal(gamepad_button("y"), 0x8000);
	assert_int_equal(gamepad_button("rs"), 0x0080);
	assert_int_equal(gamepad_button("z"), -EINVAL);
	t_free(t);
}

static void test_bad_commands(void **state)
{
	struct t *t = t_new(true);
	unsigned int i;

	assert_int_equal(cmd(t, "press a z"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out), "press: unknown button 'z': a b x y lb rb back "
						 "start guide ls rs up down left right");
	assert_int_equal(cmd(t, "stick middle 0 0"), -EINVAL);
	assert_string_equal(strbuf_str(&t->out), "stick: 'middle': left or right");
	assert_int_equal(cmd(t, "stick left 1.5 0"), -EINVAL);
	assert_int_equal(cmd(t, "stick left nan 0"), -EINVAL);
	assert_int_equal(cmd(t, "stick left 0 0x"), -EINVAL);
	assert_int_equal(cmd(t, "trigger left -0.1"), -EINVAL);
	assert_int_equal(cmd(t, "trigger left 1e3"), -EINVAL);
	/* Nothing lost: past the queue, the command says so. */
	for (i = 0; i < 64; i++)
		assert_int_equal(cmd(t, "press b"), 0);
	assert_int_equal(cmd(t, "press b"), -EAGAIN);
	t_free(t);
}

static void test_host_messages(void **state)
{
	struct t *t = t_new(true);
	uint8_t buf[32];
	uint32_t n = 0;

	assert_int_equal(cmd(t, "state"), 0);
	assert_string_equal(strbuf_str(&t->out), "rumble strong 0 weak 0\nled none");
	host_sends(t, (uint8_t[]){ 0x01, 0x03, 0x02 }, 3);
	host_sends(t, (uint8_t[]){ 0x00, 0x08, 0x00, 0xff, 0x80, 0, 0, 0 }, 8);
	fakehost_expect_event(&t->host, "led 2 (1 flashes, then on)");
	fakehost_expect_event(&t->host, "rumble strong 255 weak 128");
	assert_int_equal(cmd(t, "state"), 0);
	assert_string_equal(strbuf_str(&t->out),
			    "rumble strong 255 weak 128\nled 2 (1 flashes, then on)");
	host_sends(t, (uint8_t[]){ 0x02, 0x08 }, 2);
	fakehost_expect_event(&t->host, "unknown message from the host: 02 08");
	/* xpad's start-up request: the current report. */
	assert_int_equal(cmd(t, "trigger left 1"), 0);
	assert_int_equal(fakehost_control(&t->host, 0xc1, 0x01, 0x100, 0, 20, NULL, buf, &n), 0);
	assert_int_equal(n, 20);
	assert_int_equal(buf[4], 255);
	assert_int_equal(fakehost_control(&t->host, 0xc1, 0x02, 0x100, 0, 20, NULL, buf, &n),
			 -EPIPE);
	t_free(t);
}

static void test_speed(void **state)
{
	struct vusb_dev_opts o = {
		.name = "gamepad0", .vid = -1, .pid = -1, .speed = USB_SPEED_HIGH
	};
	struct usb_device *dev;
	struct strbuf err = { 0 };

	assert_int_equal(gamepad_model.create(&dev, &o, &err), -EINVAL);
	assert_string_equal(strbuf_str(&err), "a gamepad is a full-speed device, not high-speed");
	strbuf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptors),  cmocka_unit_test(test_reports),
		cmocka_unit_test(test_bad_commands), cmocka_unit_test(test_host_messages),
		cmocka_unit_test(test_speed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
