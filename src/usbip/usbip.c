// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "src/usbip/usbip.h"
#include "src/base/bytes.h"

int usbip_header_decode(struct usbip_header *ret, const uint8_t buf[USBIP_HDR_SIZE])
{
	struct usbip_header h;

	memset(&h, 0, sizeof(h));
	h.command = get_be32(buf);
	h.seqnum = get_be32(buf + 4);
	h.devid = get_be32(buf + 8);
	h.direction = get_be32(buf + 12);
	h.ep = get_be32(buf + 16);

	switch (h.command) {
	case USBIP_CMD_SUBMIT:
		h.u.submit.transfer_flags = get_be32(buf + 20);
		h.u.submit.transfer_buffer_length = (int32_t)get_be32(buf + 24);
		h.u.submit.start_frame = (int32_t)get_be32(buf + 28);
		h.u.submit.number_of_packets = (int32_t)get_be32(buf + 32);
		h.u.submit.interval = (int32_t)get_be32(buf + 36);
		memcpy(h.u.submit.setup, buf + 40, 8);
		if (h.direction > USBIP_DIR_IN || h.ep > 15 ||
		    h.u.submit.transfer_buffer_length < 0)
			return -EBADMSG;
		/* usbip sends -1 packets for non-ISO transfers; 0 is seen too. */
		if (h.u.submit.number_of_packets < -1 ||
		    h.u.submit.number_of_packets > USBIP_MAX_ISO_PACKETS)
			return -EBADMSG;
		break;
	case USBIP_CMD_UNLINK:
		h.u.unlink.seqnum = get_be32(buf + 20);
		break;
	default:
		return -EBADMSG;
	}
	*ret = h;
	return 0;
}

void usbip_header_encode(const struct usbip_header *h, uint8_t buf[USBIP_HDR_SIZE])
{
	memset(buf, 0, USBIP_HDR_SIZE);
	put_be32(buf, h->command);
	put_be32(buf + 4, h->seqnum);
	put_be32(buf + 8, h->devid);
	put_be32(buf + 12, h->direction);
	put_be32(buf + 16, h->ep);

	switch (h->command) {
	case USBIP_CMD_SUBMIT:
		put_be32(buf + 20, h->u.submit.transfer_flags);
		put_be32(buf + 24, (uint32_t)h->u.submit.transfer_buffer_length);
		put_be32(buf + 28, (uint32_t)h->u.submit.start_frame);
		put_be32(buf + 32, (uint32_t)h->u.submit.number_of_packets);
		put_be32(buf + 36, (uint32_t)h->u.submit.interval);
		memcpy(buf + 40, h->u.submit.setup, 8);
		break;
	case USBIP_RET_SUBMIT:
		put_be32(buf + 20, (uint32_t)h->u.ret_submit.status);
		put_be32(buf + 24, (uint32_t)h->u.ret_submit.actual_length);
		put_be32(buf + 28, (uint32_t)h->u.ret_submit.start_frame);
		put_be32(buf + 32, (uint32_t)h->u.ret_submit.number_of_packets);
		put_be32(buf + 36, (uint32_t)h->u.ret_submit.error_count);
		break;
	case USBIP_CMD_UNLINK:
		put_be32(buf + 20, h->u.unlink.seqnum);
		break;
	case USBIP_RET_UNLINK:
		put_be32(buf + 20, (uint32_t)h->u.ret_unlink.status);
		break;
	}
}

void usbip_ret_submit(uint8_t buf[USBIP_HDR_SIZE], uint32_t seqnum, int32_t status,
		      uint32_t actual, int32_t start_frame, int32_t npackets,
		      int32_t error_count)
{
	struct usbip_header h = {
		.command = USBIP_RET_SUBMIT,
		.seqnum = seqnum,
	};

	/* The kernel reads command and seqnum only: devid, direction and
	 * ep stay 0, as its own stub sends them. */
	h.u.ret_submit.status = status;
	h.u.ret_submit.actual_length = (int32_t)actual;
	h.u.ret_submit.start_frame = start_frame;
	h.u.ret_submit.number_of_packets = npackets;
	h.u.ret_submit.error_count = error_count;
	usbip_header_encode(&h, buf);
}

void usbip_ret_unlink(uint8_t buf[USBIP_HDR_SIZE], uint32_t seqnum, int32_t status)
{
	struct usbip_header h = {
		.command = USBIP_RET_UNLINK,
		.seqnum = seqnum,
	};

	h.u.ret_unlink.status = status;
	usbip_header_encode(&h, buf);
}

void usbip_iso_desc_decode(struct usbip_iso_desc *ret, const uint8_t buf[USBIP_ISO_DESC_SIZE])
{
	ret->offset = get_be32(buf);
	ret->length = get_be32(buf + 4);
	ret->actual_length = get_be32(buf + 8);
	ret->status = (int32_t)get_be32(buf + 12);
}

void usbip_iso_desc_encode(const struct usbip_iso_desc *d, uint8_t buf[USBIP_ISO_DESC_SIZE])
{
	put_be32(buf, d->offset);
	put_be32(buf + 4, d->length);
	put_be32(buf + 8, d->actual_length);
	put_be32(buf + 12, (uint32_t)d->status);
}

const char *usbip_command_name(uint32_t command)
{
	switch (command) {
	case USBIP_CMD_SUBMIT:
		return "CMD_SUBMIT";
	case USBIP_CMD_UNLINK:
		return "CMD_UNLINK";
	case USBIP_RET_SUBMIT:
		return "RET_SUBMIT";
	case USBIP_RET_UNLINK:
		return "RET_UNLINK";
	default:
		return "unknown";
	}
}
