// SPDX-License-Identifier: MIT
/*
 * urbcost: what serving one URB costs vusb in userspace, for callgrind.
 * No kernel: a forked child plays vhci_hcd on the other end of a
 * socketpair, and the parent serves a real device model through the real
 * connection (src/usbip/conn.c) and event loop, as vusb-attach does.
 *
 *   urbcost hid COUNT          COUNT interrupt IN URBs of a mouse, each
 *                              answered with one 5-byte report, queued
 *                              by the model's own "move" command
 *   urbcost storage COUNT DIR  COUNT 128 KiB SCSI READ(10) commands of
 *                              the storage model: CBW, data, CSW (three
 *                              URBs each), from a 16 MiB image in DIR
 *   urbcost copy COUNT         COUNT memcpy()s of 128 KiB: the yardstick
 *                              for one userspace copy of a storage URB
 *
 * "capture" after the hid or storage arguments runs a capture of the
 * device (src/capture/, what --capture does) into /dev/null meanwhile:
 * its records, its writes, and the copy of storage data it makes.
 *
 * The parent's work happens inside urbcost_serve(); run under
 *
 *   valgrind --tool=callgrind --collect-atstart=no \
 *            --toggle-collect=urbcost_serve ./urbcost hid 1000
 *
 * and the parent's profile counts what serving took, without the set-up.
 * Enumeration (SET_CONFIGURATION) and the first reports are inside it
 * too: run twice with different COUNTs and divide the difference
 * (tests/bench/urbcost.sh does) for the steady-state cost per URB.
 * Every step is lock-step (the child waits for each reply), so the
 * counts are the same from run to run.
 *
 * Prints "urbcost: serve pid PID" first (callgrind names its output
 * after it). Exit status 0, 1 when the device answered wrongly, 2 on a
 * usage or set-up error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/app/models.h"
#include "src/capture/capture.h"
#include "src/usbip/conn.h"
#include "src/base/loop.h"
#include "src/usb/model.h"
#include "src/usbip/usbip.h"

#define READ_SIZE (128u << 10)
#define IMAGE_SIZE (16u << 20)
#define BLOCK 512u

struct bench {
	struct loop *loop;
	struct usb_device *dev;
	const struct vusb_model *model;
	struct usbip_conn *conn;
	const struct usb_transport_ops *conn_transport; /* the connection's own */
	void *conn_transport_data;
	const char *mode;
	struct capture *cap; /* "capture": the device's transfers to /dev/null */
	uint8_t ep_in, ep_out; /* endpoint numbers, no direction bit */
	int status;
};

/* ---- the device side ---- */

static void queue_report(struct bench *b)
{
	const struct vusb_command *c = vusb_model_command(b->model, "move");
	char a0[] = "move", a1[] = "1", a2[] = "0";
	char *argv[] = { a0, a1, a2 };
	struct strbuf out = { 0 };

	if (!c || c->run(b->dev, 3, argv, &out) < 0)
		b->status = 1;
	strbuf_free(&out);
}

/*
 * The connection installs itself as the device's transport; the bench
 * stands in front of it, as a capture would, to see report URBs done.
 */
static void tap_complete(void *transport, struct usb_urb *urb)
{
	struct bench *b = transport;
	bool report = strcmp(b->mode, "hid") == 0 &&
		      (urb->ep == b->ep_in || (urb->ep == 0 && urb->setup_raw[1] == 0x09));

	b->conn_transport->complete(b->conn_transport_data, urb);
	/* The next report waits for the next URB, as one queued by a
	 * command that came just before it would. */
	if (report)
		queue_report(b);
}

static void host_arm_timer(struct usb_device *dev, unsigned int ms)
{
}

static void host_event(struct usb_device *dev, const char *what)
{
}

static void host_plug(struct usb_device *dev, bool connected)
{
}

static int tap_splice_in(void *transport, struct usb_urb *urb, int fd, uint64_t off, size_t len)
{
	struct bench *b = transport;

	return b->conn_transport->splice_in(b->conn_transport_data, urb, fd, off, len);
}

static const struct usb_transport_ops tap_transport = {
	.complete = tap_complete,
	.splice_in = tap_splice_in,
};

static const struct usb_host_ops host_ops = {
	.arm_timer = host_arm_timer,
	.event = host_event,
	.plug = host_plug,
};

static void conn_closed(struct usbip_conn *c, int err, const char *why, void *data)
{
	struct bench *b = data;

	if (err) {
		fprintf(stderr, "urbcost: connection closed: %s\n", why ? why : strerror(-err));
		b->status = 1;
	}
	loop_quit(b->loop, 0);
}

static const struct usbip_conn_ops conn_ops = {
	.closed = conn_closed,
};

/* Not inlined: callgrind toggles collection on its entry and exit. */
__attribute__((noinline)) void urbcost_serve(struct loop *loop);
__attribute__((noinline)) void urbcost_serve(struct loop *loop)
{
	loop_run(loop);
}

__attribute__((noinline)) void urbcost_copy(uint8_t *dst, const uint8_t *src, unsigned int n);
__attribute__((noinline)) void urbcost_copy(uint8_t *dst, const uint8_t *src, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		memcpy(dst, src, READ_SIZE);
		/* Keep the compiler from merging the copies. */
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
}

/* The bulk or interrupt endpoints of the configuration descriptor. */
static void find_endpoints(struct bench *b)
{
	const uint8_t *c = b->dev->config;
	unsigned int total = c[2] | c[3] << 8, off = 0;

	while (off + 2 <= total && c[off] >= 2) {
		if (c[off + 1] == USB_DT_ENDPOINT && c[off] >= 7) {
			if (c[off + 2] & 0x80)
				b->ep_in = c[off + 2] & 0x0f;
			else
				b->ep_out = c[off + 2] & 0x0f;
		}
		off += c[off];
	}
}

/* ---- the kernel side, in the child ---- */

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * One URB, start to finish: CMD_SUBMIT (with `out` data for OUT), then
 * its RET_SUBMIT, IN data into `in`. Returns actual_length, or -1 when
 * the reply is not a successful RET_SUBMIT for it.
 */
static int urb(int fd, uint32_t seq, unsigned int ep, bool dir_in, const uint8_t setup[8],
	       const void *out, void *in, uint32_t len)
{
	struct usbip_header h = { 0 };
	uint8_t raw[USBIP_HDR_SIZE];

	h.command = USBIP_CMD_SUBMIT;
	h.seqnum = seq;
	h.devid = 0x10002;
	h.direction = dir_in ? USBIP_DIR_IN : USBIP_DIR_OUT;
	h.ep = ep;
	h.u.submit.transfer_buffer_length = (int32_t)len;
	if (setup)
		memcpy(h.u.submit.setup, setup, 8);
	usbip_header_encode(&h, raw);
	if (write_all(fd, raw, sizeof(raw)) < 0 || (!dir_in && len && write_all(fd, out, len) < 0))
		return -1;
	if (read_all(fd, raw, sizeof(raw)) < 0)
		return -1;
	/* The reply decoder takes host commands only: read it by hand. */
	h.command = get_be32(raw);
	h.seqnum = get_be32(raw + 4);
	h.u.ret_submit.status = (int32_t)get_be32(raw + 20);
	h.u.ret_submit.actual_length = (int32_t)get_be32(raw + 24);
	if (h.command != USBIP_RET_SUBMIT || h.seqnum != seq || h.u.ret_submit.status != 0 ||
	    h.u.ret_submit.actual_length < 0 || (uint32_t)h.u.ret_submit.actual_length > len)
		return -1;
	if (dir_in && h.u.ret_submit.actual_length &&
	    read_all(fd, in, (size_t)h.u.ret_submit.actual_length) < 0)
		return -1;
	return h.u.ret_submit.actual_length;
}

static const uint8_t set_config[8] = { 0x00, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00 };

static int kernel_hid(int fd, const struct bench *b, unsigned int count)
{
	uint8_t report[64];
	uint32_t seq = 1;
	unsigned int i;

	if (urb(fd, seq++, 0, false, set_config, NULL, NULL, 0) < 0)
		return -1;
	for (i = 0; i < count; i++)
		if (urb(fd, seq++, b->ep_in, true, NULL, NULL, report, 8) != 5 || report[1] != 1)
			return -1;
	return 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The image holds its own byte offsets: what a read returns is checkable. */
static uint32_t image_word(uint64_t off)
{
	return (uint32_t)(off / 4 * 2654435761u);
}

static int kernel_storage(int fd, const struct bench *b, unsigned int count)
{
	static uint8_t data[READ_SIZE];
	uint8_t cbw[31] = { 0x55, 0x53, 0x42, 0x43 }, csw[13];
	uint32_t seq = 1, lba = 0, w;
	unsigned int i;

	if (urb(fd, seq++, 0, false, set_config, NULL, NULL, 0) < 0)
		return -1;
	for (i = 0; i < count; i++) {
		/* CBW: tag, length, IN, LUN 0, READ(10) of 256 blocks at lba. */
		memset(cbw + 4, 0, sizeof(cbw) - 4);
		put_be32(cbw + 4, i + 1);
		cbw[8] = (uint8_t)READ_SIZE;
		cbw[9] = (uint8_t)(READ_SIZE >> 8);
		cbw[10] = (uint8_t)(READ_SIZE >> 16);
		cbw[11] = (uint8_t)(READ_SIZE >> 24);
		cbw[12] = 0x80;
		cbw[14] = 10;
		cbw[15] = 0x28;
		put_be32(cbw + 17, lba);
		cbw[22] = (uint8_t)((READ_SIZE / BLOCK) >> 8);
		cbw[23] = (uint8_t)(READ_SIZE / BLOCK);
		if (urb(fd, seq++, b->ep_out, false, NULL, cbw, NULL, sizeof(cbw)) != sizeof(cbw) ||
		    urb(fd, seq++, b->ep_in, true, NULL, NULL, data, READ_SIZE) != (int)READ_SIZE ||
		    urb(fd, seq++, b->ep_in, true, NULL, NULL, csw, sizeof(csw)) != sizeof(csw))
			return -1;
		memcpy(&w, data + 4, 4);
		if (csw[12] != 0 || w != image_word((uint64_t)lba * BLOCK + 4))
			return -1;
		lba = (lba + READ_SIZE / BLOCK) % (IMAGE_SIZE / BLOCK);
	}
	return 0;
}

/* ---- set-up ---- */

static int make_image(const char *dir, char *path, size_t size)
{
	static uint32_t chunk[65536 / 4];
	uint64_t off;
	unsigned int i;
	int fd;

	snprintf(path, size, "%s/urbcost-%d.img", dir, (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (off = 0; off < IMAGE_SIZE; off += sizeof(chunk)) {
		for (i = 0; i < sizeof(chunk) / 4; i++)
			chunk[i] = image_word(off + i * 4);
		if (write_all(fd, chunk, sizeof(chunk)) < 0) {
			close(fd);
			unlink(path);
			return -EIO;
		}
	}
	close(fd);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: urbcost hid COUNT [capture] | urbcost storage COUNT DIR [capture] | urbcost copy COUNT\n");
	return 2;
}

static void cap_watch(void *data, char type, const struct usb_urb *urb, int status,
		      const void *buf, size_t len)
{
	struct bench *b = data;

	capture_urb(b->cap, 0, b->dev, type, urb, status, buf, len);
}

static void cap_ended(struct capture *cap, int err, void *data)
{
	struct bench *b = data;

	fprintf(stderr, "urbcost: the capture ended: %s\n", strerror(-err));
	b->status = 1;
}

/* The device's transfers captured into /dev/null from now on. 0 or -errno. */
static int capture_start(struct bench *b)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	unsigned int ifid;
	int r;

	if (fd < 0)
		return -errno;
	r = capture_new(b->loop, fd, 0, NULL, NULL, cap_ended, b, &b->cap);
	if (r < 0)
		return r;
	r = capture_add_interface(b->cap, "bench0", NULL, &ifid);
	if (r < 0)
		return r;
	usbip_conn_watch(b->conn, cap_watch, b);
	return 0;
}

int main(int argc, char **argv)
{
	struct vusb_dev_opts opts = { .name = "bench0", .vid = -1, .pid = -1 };
	struct bench b = { .mode = argc > 1 ? argv[1] : "" };
	struct strbuf err = { 0 };
	char image[4096] = "";
	unsigned long count;
	int sv[2], st, r;
	bool capture = false;
	pid_t child;

	if (argc < 3)
		return usage();
	count = strtoul(argv[2], NULL, 10);
	if (count == 0 || count > 10000000)
		return usage();
	printf("urbcost: serve pid %d\n", (int)getpid());
	fflush(stdout);
	if (strcmp(b.mode, "copy") == 0 && argc == 3) {
		uint8_t *src = calloc(1, READ_SIZE), *dst = calloc(1, READ_SIZE);

		if (!src || !dst)
			return 2;
		urbcost_copy(dst, src, (unsigned int)count);
		free(src);
		free(dst);
		return 0;
	}
	if (argc > 3 && strcmp(argv[argc - 1], "capture") == 0) {
		capture = true;
		argc--;
	}
	if (strcmp(b.mode, "hid") == 0 && argc == 3) {
		b.model = vusb_model_find("mouse");
	} else if (strcmp(b.mode, "storage") == 0 && argc == 4) {
		b.model = vusb_model_find("storage");
		r = make_image(argv[3], image, sizeof(image));
		if (r < 0) {
			fprintf(stderr, "urbcost: image in %s: %s\n", argv[3], strerror(-r));
			return 2;
		}
		opts.positional = image;
	} else {
		return usage();
	}
	if (!b.model) {
		fprintf(stderr, "urbcost: this build has no %s model\n", b.mode);
		goto fail;
	}
	r = b.model->create(&b.dev, &opts, &err);
	if (r < 0) {
		fprintf(stderr, "urbcost: %s: %s\n", b.model->name,
			err.len ? strbuf_str(&err) : strerror(-r));
		goto fail;
	}
	b.dev->host = &host_ops;
	b.dev->host_data = &b;
	find_endpoints(&b);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		goto fail;
	child = fork();
	if (child < 0)
		goto fail;
	if (child == 0) {
		close(sv[0]);
		r = strcmp(b.mode, "hid") == 0 ? kernel_hid(sv[1], &b, (unsigned int)count) :
						 kernel_storage(sv[1], &b, (unsigned int)count);
		if (r < 0)
			fprintf(stderr, "urbcost: the device answered wrongly\n");
		_exit(r < 0 ? 1 : 0);
	}
	close(sv[1]);
	if (loop_new(&b.loop) < 0 ||
	    usbip_conn_new(b.loop, sv[0], b.dev, &conn_ops, &b, &b.conn) < 0) {
		kill(child, SIGTERM);
		goto fail;
	}
	b.conn_transport = b.dev->transport;
	b.conn_transport_data = b.dev->transport_data;
	usb_device_set_transport(b.dev, &tap_transport, &b);
	if (capture && capture_start(&b) < 0) {
		fprintf(stderr, "urbcost: cannot start the capture\n");
		b.status = 2;
	}
	urbcost_serve(b.loop);
	usbip_conn_free(b.conn);
	capture_free(b.cap);
	loop_free(b.loop);
	if (waitpid(child, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		b.status = 1;
	b.model->destroy(b.dev);
	if (*image)
		unlink(image);
	strbuf_free(&err);
	return b.status;
fail:
	if (*image)
		unlink(image);
	strbuf_free(&err);
	return 2;
}
