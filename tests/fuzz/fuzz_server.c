// SPDX-License-Identifier: MIT
/*
 * A network peer from its first byte: the USB/IP set-up (src/usbip/server.c,
 * src/usbip/op.c) and, after an import, the URB stream (src/usbip/conn.c) into
 * a real mouse (1-1), keyboard (1-2) or tablet (1-3). The input is what
 * the peer sends before it closes its writing side; the run ends when
 * the server has closed the connection, which it must always do.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "src/usbip/server.h"
#include "src/usbip/op.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/harness.h"

static struct server *srv;
static struct server_export *exports[FUZZ_NDEVS];
static struct fuzz_dev *importing[FUZZ_NDEVS];

static void fs_closed(struct fuzz_dev *d)
{
	server_export_release(exports[d - fz_devs]);
}

static int fs_import(struct server_export *e, int fd, const char *peer, void *data)
{
	struct fuzz_dev *d = server_export_data(e);
	int r = usbip_conn_new(fz_loop, fd, d->dev, &fz_conn_ops, d, &d->conn);

	if (r == 0)
		importing[d - fz_devs] = d;
	return r;
}

static void fs_event(const char *peer, int err, const char *what, void *data)
{
}

static const struct server_ops fs_ops = {
	.import = fs_import,
	.event = fs_event,
};

static void setup(void)
{
	struct server_config cfg = { 0 };
	unsigned int i;

	fz_init();
	if (server_parse_listen("127.0.0.1:0", &cfg.listen) < 0 ||
	    server_new(fz_loop, &cfg, &fs_ops, NULL, &srv) < 0)
		abort();
	for (i = 0; i < FUZZ_NDEVS; i++) {
		struct usbip_op_device info = { 0 };
		const uint8_t *c = fz_devs[i].dev->config;

		if (usbip_op_device_from_descriptors(&info, fz_devs[i].dev->desc, c,
						     (size_t)(c[2] | c[3] << 8),
						     fz_devs[i].dev->speed) < 0 ||
		    server_export_add(srv, &info, &fz_devs[i], &exports[i]) < 0)
			abort();
	}
	fz_on_close = fs_closed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(40000) };
	unsigned int i;
	int fd;

	if (!ready) {
		setup();
		ready = true;
	}
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = fz_open(data, size);
	server_add_peer(srv, fd, (struct sockaddr *)&peer, sizeof(peer));
	fz_run();
	/* An importer that has gone must have let its device go too. */
	for (i = 0; i < FUZZ_NDEVS; i++) {
		if (!importing[i])
			continue;
		if (fz_devs[i].conn)
			abort();
		importing[i] = NULL;
	}
	return 0;
}
