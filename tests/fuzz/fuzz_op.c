// SPDX-License-Identifier: MIT
/*
 * The pure USB/IP set-up codec: requests as a server reads them, device
 * records as a client reads them, and descriptors turned into a record.
 * What decodes must encode back to the same bytes, and nothing may read
 * outside its buffer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/usbip/op.h"
#include "tests/fuzz/fuzz.h"

static void requests(const uint8_t *data, size_t size)
{
	struct usbip_op_request req;
	uint8_t back[USBIP_OP_IMPORT_REQ_SIZE];
	size_t need = 0;
	int r = usbip_op_request_parse(data, size, &req, &need);

	if (r == -EAGAIN) {
		/* It asks for more than it has, and no more than a request. */
		if (need <= size || need > USBIP_OP_IMPORT_REQ_SIZE)
			abort();
		return;
	}
	if (r < 0)
		return;
	if ((size_t)r > size || strlen(req.busid) > USBIP_BUSID_SIZE)
		abort();
	/* A request that parses encodes back to what was read, busid
	 * padding aside (strnlen'd: a 32-byte busid keeps only 31). */
	if (usbip_op_request_encode(back, req.code, req.busid) != (size_t)r ||
	    memcmp(back, data, 4) != 0)
		abort();
	if (req.code == USBIP_OP_REQ_IMPORT && strlen(req.busid) < USBIP_BUSID_SIZE &&
	    memcmp(back + 8, data + 8, strlen(req.busid) + 1) != 0)
		abort();
}

static void records(const uint8_t *data, size_t size, bool intf)
{
	struct usbip_op_device d, again;
	uint8_t *buf;
	int r = usbip_op_device_decode(data, size, intf, &d);
	unsigned int i;
	size_t n;

	if (r < 0)
		return;
	if ((size_t)r > size)
		abort();
	buf = malloc(usbip_op_device_size(&d, intf));
	if (!buf)
		abort();
	n = usbip_op_device_encode(&d, intf, buf);
	if (n != (size_t)r || usbip_op_device_decode(buf, n, intf, &again) != r ||
	    memcmp(&d, &again, sizeof(d)) != 0)
		abort();
	/* The numbers go out as they came in; interface padding is ours. */
	if (memcmp(buf + USBIP_PATH_SIZE + USBIP_BUSID_SIZE,
		   data + USBIP_PATH_SIZE + USBIP_BUSID_SIZE, 24) != 0)
		abort();
	for (i = 0; intf && i < d.bNumInterfaces; i++)
		if (memcmp(buf + USBIP_OP_DEVICE_SIZE + 4 * i, data + USBIP_OP_DEVICE_SIZE + 4 * i,
			   3) != 0)
			abort();
	free(buf);
}

static void descriptors(const uint8_t *data, size_t size)
{
	struct usbip_op_device d = { 0 };
	uint8_t *cfg, *list;
	size_t n;

	if (size < USB_DT_DEVICE_SIZE)
		return;
	/* The configuration in a buffer of its own, so that ASan sees any
	 * read past its end. */
	n = size - USB_DT_DEVICE_SIZE;
	cfg = malloc(n ? n : 1);
	if (!cfg)
		abort();
	memcpy(cfg, data + USB_DT_DEVICE_SIZE, n);
	if (usbip_op_device_from_descriptors(&d, data, n ? cfg : NULL, n, USB_SPEED_HIGH) == 0) {
		if (d.bNumInterfaces > USBIP_OP_MAX_INTERFACES)
			abort();
		list = malloc(usbip_op_devlist_size(&d, 1));
		if (!list)
			abort();
		if (usbip_op_devlist_encode(&d, 1, list) != usbip_op_devlist_size(&d, 1))
			abort();
		free(list);
	}
	free(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (size < 1)
		return 0;
	/* An exact-size heap copy: reading one byte too far is caught. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		abort();
	memcpy(copy, data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		requests(copy, size - 1);
		break;
	case 1:
		records(copy, size - 1, true);
		break;
	case 2:
		records(copy, size - 1, false);
		break;
	default:
		descriptors(copy, size - 1);
		break;
	}
	free(copy);
	return 0;
}
