/* SPDX-License-Identifier: MIT */
/*
 * What the stream fuzzers share: real device models (mouse, keyboard,
 * tablet, and mass storage on a 1 MiB image whose reads and writes are
 * spliced as in vusb-attach) run by the real event loop, and a way to push one input through
 * a socketpair and run the loop until the server side has closed it.
 * Fuzzers have no context argument, so this state is global (tests only).
 */
#ifndef VUSB_TESTS_FUZZ_HARNESS_H
#define VUSB_TESTS_FUZZ_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "src/app/models.h"
#include "src/usbip/conn.h"
#include "src/base/log.h"
#include "src/base/loop.h"
#include "src/usb/model.h"

#define FUZZ_NDEVS 4
/* An input that has not been dealt with after this long is a hang. */
#define FUZZ_HANG_MS 5000

struct fuzz_dev {
	struct usb_device *dev;
	struct usbip_conn *conn;
	struct loop_timer *timer;
};

static struct loop *fz_loop;
static struct fuzz_dev fz_devs[FUZZ_NDEVS];
static struct loop_timer *fz_hang;
static struct loop_io *fz_io;
static int fz_fd = -1;
static bool fz_eof;
/* Called when a device's connection has ended (the server fuzzer releases it). */
static void (*fz_on_close)(struct fuzz_dev *d);

static struct fuzz_dev *fz_of(struct usb_device *dev)
{
	return dev->host_data;
}

static void fz_timer_fired(struct loop_timer *t, void *data)
{
	usb_device_timer(((struct fuzz_dev *)data)->dev);
}

static void fz_arm_timer(struct usb_device *dev, unsigned int ms)
{
	struct fuzz_dev *d = fz_of(dev);

	if (!d->timer && loop_timer_add(fz_loop, fz_timer_fired, d, NULL, &d->timer) < 0)
		abort();
	loop_timer_arm(d->timer, ms);
}

static void fz_event(struct usb_device *dev, const char *what)
{
}

static void fz_plug(struct usb_device *dev, bool connected)
{
}

static const struct usb_host_ops fz_host_ops = {
	.arm_timer = fz_arm_timer,
	.event = fz_event,
	.plug = fz_plug,
};

static void fz_conn_closed(struct usbip_conn *c, int err, const char *why, void *data)
{
	struct fuzz_dev *d = data;

	/* The owner frees it; the peer then sees the end of the stream. */
	usbip_conn_free(d->conn);
	d->conn = NULL;
	if (fz_on_close)
		fz_on_close(d);
}

static const struct usbip_conn_ops fz_conn_ops = {
	.closed = fz_conn_closed,
};

static void fz_hang_fired(struct loop_timer *t, void *data)
{
	fprintf(stderr, "fuzz: the input was not dealt with in %d ms\n", FUZZ_HANG_MS);
	abort();
}

/* The peer's end: drain what the server answers, stop at its EOF. */
static void fz_peer_ready(struct loop_io *io, uint32_t events, void *data)
{
	uint8_t buf[65536];
	ssize_t n;

	while ((n = read(fz_fd, buf, sizeof(buf))) > 0)
		;
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		fz_eof = true;
		loop_quit(fz_loop, 0);
	}
}

static void fz_init(void)
{
	static const char *const models[FUZZ_NDEVS] = { "mouse", "keyboard", "tablet", "storage" };
	static char image[] = "/tmp/vusb-fuzz-XXXXXX";
	unsigned int i;
	int fd;

	/* The disk: 1 MiB, gone from the file system once open. */
	fd = mkstemp(image);
	if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
		abort();
	close(fd);

	vusb_log_level = -1;
	if (loop_new(&fz_loop) < 0 || loop_timer_add(fz_loop, fz_hang_fired, NULL, NULL, &fz_hang) < 0)
		abort();
	for (i = 0; i < FUZZ_NDEVS; i++) {
		struct vusb_dev_opts o = { .vid = -1, .pid = -1, .instance = i };
		struct strbuf err = { 0 };

		o.name = models[i];
		if (strcmp(models[i], "storage") == 0)
			o.positional = image;
		if (vusb_model_find(models[i])->create(&fz_devs[i].dev, &o, &err) < 0)
			abort();
		strbuf_free(&err);
		fz_devs[i].dev->host = &fz_host_ops;
		fz_devs[i].dev->host_data = &fz_devs[i];
	}
	unlink(image);
}

/*
 * A socketpair: one end for the code under test (returned), the other
 * ours, filled with data and shut for writing. Then run the loop until
 * the server closes its end.
 */
static int fz_open(const uint8_t *data, size_t size)
{
	int sv[2];
	size_t off = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	/* Room for any input libFuzzer makes (-max_len is small). */
	{
		int sz = 1 << 20;

		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	while (off < size) {
		ssize_t n = write(sv[0], data + off, size - off);

		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	shutdown(sv[0], SHUT_WR);
	fz_fd = sv[0];
	fcntl(fz_fd, F_SETFL, O_NONBLOCK);
	fz_eof = false;
	if (loop_io_add(fz_loop, fz_fd, EPOLLIN, fz_peer_ready, NULL, NULL, &fz_io) < 0)
		abort();
	return sv[1];
}

static void fz_run(void)
{
	loop_timer_arm(fz_hang, FUZZ_HANG_MS);
	if (!fz_eof)
		loop_run(fz_loop);
	loop_timer_arm(fz_hang, 0);
	loop_io_remove(fz_io);
	fz_io = NULL;
	close(fz_fd);
	fz_fd = -1;
}

#endif
