// SPDX-License-Identifier: MIT
/*
 * The report socket for real: src/app/hidsock.c in the loop, a HID model
 * behind it played by the fake host, a client on a SOCK_SEQPACKET socket
 * in a private directory. Framing both ways, order, and back-pressure:
 * a client that outruns the host is made to wait, and loses nothing.
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
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "hid/hiddev.h"
#include "hid/models.h"
#include "src/app/hidsock.h"
#include "src/base/loop.h"
#include "tests/lib/fakehost.h"
#include "tests/lib/urbscript.h"

struct fx {
	char dir[64];
	char path[128];
	struct loop *loop;
	struct runner run;
	struct fakehost host;
	struct usb_device *dev;
	const struct vusb_model *model;
	struct usb_host_ops ops; /* the fake host's, plus report and room */
	struct hidsock *sock;
	int client;
	size_t in_len;
	unsigned int want; /* queued_is() */
};

/* The host ops can only find the socket through a global: one at a time. */
static struct fx *current;

static void fx_report(struct usb_device *dev, unsigned int type, const uint8_t *data, size_t len)
{
	hidsock_report(current->sock, type, data, len);
}

static void fx_room(struct usb_device *dev)
{
	hidsock_room(current->sock);
}

static bool has_client(void *data)
{
	struct fx *fx = data;

	return hidsock_clients(fx->sock) == 1;
}

static struct fx *fx_new(const struct vusb_model *model)
{
	struct vusb_dev_opts o = { .name = "dev0", .vid = -1, .pid = -1 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct strbuf err = { 0 };
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	current = fx;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/vusb-hidsock-test.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%.63s/dev0.hid", fx->dir);
	assert_int_equal(loop_new(&fx->loop), 0);
	runner_init(&fx->run, fx->loop, 2);
	fx->model = model;
	fakehost_init(&fx->host);
	if (fakehost_create(&fx->host, model, &o, &fx->dev, &err) < 0)
		fail_msg("create %s: %s", model->name, strbuf_str(&err));
	strbuf_free(&err);
	fx->ops = *fx->dev->host;
	fx->ops.report = fx_report;
	fx->ops.room = fx_room;
	fx->dev->host = &fx->ops;
	fx->in_len = hid_device_of(fx->dev)->hid.params->in_len;
	assert_int_equal(fakehost_control(&fx->host, 0x00, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL,
					  NULL, NULL),
			 0);

	assert_int_equal(
		hidsock_new(fx->loop, fx->dev, "dev0", model->send_report, fx->path, &fx->sock), 0);
	fx->client = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(fx->client >= 0);
	strcpy(sa.sun_path, fx->path);
	assert_int_equal(connect(fx->client, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_true(run_until(&fx->run, has_client, fx, 2000));
	return fx;
}

static void fx_free(struct fx *fx)
{
	struct stat st;

	if (fx->client >= 0)
		close(fx->client);
	hidsock_free(fx->sock);
	/* Removed with the device. */
	assert_int_equal(stat(fx->path, &st), -1);
	fakehost_disconnect(&fx->host);
	fakehost_release(&fx->host);
	fx->model->destroy(fx->dev);
	loop_free(fx->loop);
	rmdir(fx->dir);
	current = NULL;
	free(fx);
}

/* A report whose bytes say which it is: its number in bytes 1 and 2. */
static void numbered(uint8_t *r, size_t len, unsigned int i)
{
	memset(r, 0, len);
	r[1] = (uint8_t)i;
	r[2] = (uint8_t)(i >> 8);
}

static bool queued_is(void *data)
{
	struct fx *fx = data;

	return hid_queued(&hid_device_of(fx->dev)->hid) == fx->want;
}

/* Take one report through an interrupt IN URB: its length, or -1 when none came. */
static int take_report(struct fx *fx, uint8_t *buf)
{
	struct usb_urb *u = fakehost_urb(&fx->host, 1, true, 64);
	uint32_t seq = fakehost_submit(&fx->host, u);
	int n;

	u = fakehost_done(&fx->host, seq);
	if (!u) {
		fakehost_urb_free(&fx->host, fakehost_unlink(&fx->host, seq));
		return -1;
	}
	assert_true(fakehost_take(&fx->host, u));
	assert_int_equal(u->status, 0);
	n = (int)u->actual;
	memcpy(buf, u->buf, u->actual);
	fakehost_urb_free(&fx->host, u);
	return n;
}

static bool queue_nonempty(void *data)
{
	struct fx *fx = data;

	return hid_queued(&hid_device_of(fx->dev)->hid) > 0;
}

/* One message is one report, and they reach the host in the order written. */
static void test_reports_in_order(void **state)
{
	struct fx *fx = fx_new(&hid_mouse_model);
	uint8_t r[64], got[64];
	unsigned int i;

	for (i = 0; i < 10; i++) {
		numbered(r, fx->in_len, i);
		assert_int_equal(send(fx->client, r, fx->in_len, 0), (ssize_t)fx->in_len);
	}
	fx->want = 10;
	assert_true(run_until(&fx->run, queued_is, fx, 2000));
	for (i = 0; i < 10; i++) {
		assert_int_equal(take_report(fx, got), (int)fx->in_len);
		numbered(r, fx->in_len, i);
		assert_memory_equal(got, r, fx->in_len);
	}
	assert_int_equal(take_report(fx, got), -1);
	fx_free(fx);
}

/*
 * A client that writes faster than the host polls: once the device's
 * queue is full the socket is not read, the writes fail with EAGAIN,
 * and every report still arrives, in order, as the host takes them.
 */
static void test_backpressure(void **state)
{
	struct fx *fx = fx_new(&hid_mouse_model);
	unsigned int written = 0, received = 0, total = 3 * HID_QUEUE_LEN;
	uint8_t r[64], got[64];
	int tries = 0;

	while (written < total) {
		numbered(r, fx->in_len, written);
		if (send(fx->client, r, fx->in_len, MSG_DONTWAIT) == (ssize_t)fx->in_len) {
			written++;
			continue;
		}
		assert_int_equal(errno, EAGAIN);
		/* Let the loop read what it can; a second EAGAIN in a row
		 * after that is the back-pressure. */
		run_for(&fx->run, 20);
		if (send(fx->client, r, fx->in_len, MSG_DONTWAIT) == (ssize_t)fx->in_len) {
			written++;
			continue;
		}
		assert_int_equal(errno, EAGAIN);
		break;
	}
	/* The writer was stopped: the device's queue is full, nothing lost. */
	assert_true(written < total);
	assert_int_equal(hid_queued(&hid_device_of(fx->dev)->hid), HID_QUEUE_LEN);

	/* The host polls: room, the held report, then the rest, in order. */
	while (received < total) {
		if (written < total) {
			numbered(r, fx->in_len, written);
			if (send(fx->client, r, fx->in_len, MSG_DONTWAIT) == (ssize_t)fx->in_len)
				written++;
		}
		if (!run_until(&fx->run, queue_nonempty, fx, 1000))
			fail_msg("no report after %u of %u", received, written);
		assert_int_equal(take_report(fx, got), (int)fx->in_len);
		numbered(r, fx->in_len, received);
		if (memcmp(got, r, fx->in_len) != 0)
			fail_msg("report %u: got number %u", received, got[1] | got[2] << 8);
		received++;
		assert_true(++tries < 10 * (int)total);
	}
	assert_int_equal(take_report(fx, got), -1);
	fx_free(fx);
}

static bool client_gone(void *data)
{
	struct fx *fx = data;

	return hidsock_clients(fx->sock) == 0;
}

/* A message that is no input report: the reason, then the end. */
static void test_wrong_length(void **state)
{
	struct fx *fx = fx_new(&hid_mouse_model);
	uint8_t r[64] = { 0 };
	char msg[256];
	ssize_t n;

	assert_int_equal(send(fx->client, r, 3, 0), 3);
	assert_true(run_until(&fx->run, client_gone, fx, 2000));
	n = recv(fx->client, msg, sizeof(msg) - 1, 0);
	assert_true(n > 1);
	assert_int_equal(msg[0], HIDSOCK_ERROR);
	msg[n] = '\0';
	assert_non_null(strstr(msg + 1, "3-byte message is no input report"));
	assert_int_equal(recv(fx->client, msg, sizeof(msg), 0), 0);
	/* Nothing reached the device. */
	assert_int_equal(hid_queued(&hid_device_of(fx->dev)->hid), 0);
	fx_free(fx);
}

static bool readable(void *data)
{
	struct fx *fx = data;
	uint8_t b;

	return recv(fx->client, &b, 1, MSG_PEEK | MSG_DONTWAIT) >= 0;
}

/* What the host sends: one message each, the type first, then the report. */
static void test_output_report(void **state)
{
	struct fx *fx = fx_new(&hid_keyboard_model);
	uint8_t leds = 0x02, msg[16];

	/* SET_REPORT(output, ID 0): the keyboard's LEDs, caps lock on. */
	assert_int_equal(fakehost_control(&fx->host, 0x21, 0x09, 0x0200, 0, 1, &leds, NULL, NULL),
			 0);
	assert_true(run_until(&fx->run, readable, fx, 2000));
	assert_int_equal(recv(fx->client, msg, sizeof(msg), 0), 2);
	assert_int_equal(msg[0], HIDSOCK_OUTPUT);
	assert_int_equal(msg[1], 0x02);
	assert_int_equal(recv(fx->client, msg, sizeof(msg), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	fx_free(fx);
}

/* The gamepad's rumble, on its interrupt OUT endpoint, reaches clients too. */
static void test_gamepad(void **state)
{
	struct vusb_dev_opts o = { .name = "dev0", .vid = -1, .pid = -1 };
	static const uint8_t rumble[8] = { 0x00, 0x08, 0x00, 0x40, 0x20, 0x00, 0x00, 0x00 };
	struct fx fxs = { 0 }, *fx = &fxs;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct strbuf err = { 0 };
	uint8_t r[20] = { 0x00, 0x14, 0x10 }, msg[32], got[64];
	struct usb_urb *u;

	current = fx;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/vusb-hidsock-test.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%.63s/dev0.hid", fx->dir);
	assert_int_equal(loop_new(&fx->loop), 0);
	runner_init(&fx->run, fx->loop, 2);
	fakehost_init(&fx->host);
	assert_int_equal(fakehost_create(&fx->host, &gamepad_model, &o, &fx->dev, &err), 0);
	fx->ops = *fx->dev->host;
	fx->ops.report = fx_report;
	fx->ops.room = fx_room;
	fx->dev->host = &fx->ops;
	assert_int_equal(fakehost_control(&fx->host, 0x00, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL,
					  NULL, NULL),
			 0);
	assert_int_equal(hidsock_new(fx->loop, fx->dev, "dev0", gamepad_model.send_report, fx->path,
				     &fx->sock),
			 0);
	fx->client = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, fx->path);
	assert_int_equal(connect(fx->client, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_true(run_until(&fx->run, has_client, fx, 2000));

	/* a 20-byte report in, as written */
	assert_int_equal(send(fx->client, r, sizeof(r), 0), (ssize_t)sizeof(r));
	run_for(&fx->run, 20);
	assert_int_equal(take_report(fx, got), 20);
	assert_memory_equal(got, r, sizeof(r));

	/* rumble out */
	u = fakehost_urb(&fx->host, 1, false, sizeof(rumble));
	memcpy(u->buf, rumble, sizeof(rumble));
	fakehost_submit(&fx->host, u);
	fakehost_free_done(&fx->host);
	assert_true(run_until(&fx->run, readable, fx, 2000));
	assert_int_equal(recv(fx->client, msg, sizeof(msg), 0), 1 + (ssize_t)sizeof(rumble));
	assert_int_equal(msg[0], HIDSOCK_OUTPUT);
	assert_memory_equal(msg + 1, rumble, sizeof(rumble));

	close(fx->client);
	hidsock_free(fx->sock);
	fakehost_disconnect(&fx->host);
	fakehost_release(&fx->host);
	gamepad_model.destroy(fx->dev);
	loop_free(fx->loop);
	rmdir(fx->dir);
	current = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reports_in_order), cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_wrong_length),	 cmocka_unit_test(test_output_report),
		cmocka_unit_test(test_gamepad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
