/* SPDX-License-Identifier: MIT */
/*
 * A USB/IP protocol checker for tests. It watches both directions of one
 * connection as byte streams, cut anywhere: what the host (vhci, or a
 * test playing it) sent, and what the device server sent back. It fails
 * on everything the kernel treats as a broken peer and on the rules vusb
 * sets itself for replies:
 *
 *   - a reply header that is not RET_SUBMIT or RET_UNLINK, or with devid,
 *     direction, ep or the padding not zero;
 *   - RET_SUBMIT for a seqnum that is not an outstanding CMD_SUBMIT: never
 *     submitted, answered already, or answered by RET_UNLINK(-ECONNRESET);
 *   - payload on the reply to an OUT transfer; IN data (actual_length) or
 *     any actual_length above transfer_buffer_length; a status that is not
 *     0 or a negative errno; number_of_packets not 0 on a non-ISO reply;
 *   - RET_UNLINK for a seqnum that is not an outstanding CMD_UNLINK, or
 *     with a status other than -ECONNRESET (the URB was still pending: it
 *     is cancelled) or 0 (it had been answered already);
 *   - the device's stream ending inside a reply.
 *
 * The checker is sticky: after the first violation every call returns
 * -EPROTO and usbip_check_error() says what the violation was. It keeps
 * no global state; any number can run at once.
 */
#ifndef VUSB_TESTS_USBIP_CHECK_H
#define VUSB_TESTS_USBIP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/usbip/usbip.h"

struct usbip_check;

/* One reply the device sent, complete and checked. */
struct usbip_check_reply {
	struct usbip_header hdr; /* decoded: command, seqnum, u.ret_submit or u.ret_unlink */
	const uint8_t *data; /* RET_SUBMIT IN: actual_length bytes; valid during the callback */
	size_t len;
	/* RET_SUBMIT: the URB answered, as the host submitted it */
	bool in;
	uint32_t ep;
	uint32_t length; /* its transfer_buffer_length */
	/* RET_UNLINK: the seqnum the CMD_UNLINK named */
	uint32_t unlink_target;
};

typedef void (*usbip_check_reply_cb)(const struct usbip_check_reply *r, void *data);

/* `cb` (may be NULL) sees every reply once it has passed the checks. 0 or -ENOMEM. */
int usbip_check_new(usbip_check_reply_cb cb, void *data, struct usbip_check **ret);
void usbip_check_free(struct usbip_check *c);

/*
 * Bytes the host sent, in order. 0, or -EPROTO when the host broke the
 * protocol (a header usbip_header_decode would refuse, a seqnum reused
 * while outstanding) or an earlier violation stands.
 */
int usbip_check_host(struct usbip_check *c, const void *buf, size_t len);

/* Bytes the device sent, in order. 0 or -EPROTO. */
int usbip_check_device(struct usbip_check *c, const void *buf, size_t len);

/* The device's stream ended: -EPROTO if inside a reply. */
int usbip_check_end(struct usbip_check *c);

/* The first violation, or NULL. */
const char *usbip_check_error(const struct usbip_check *c);

/* CMD_SUBMITs without RET_SUBMIT or RET_UNLINK yet. */
unsigned int usbip_check_pending_urbs(const struct usbip_check *c);
/* CMD_UNLINKs without RET_UNLINK yet. */
unsigned int usbip_check_pending_unlinks(const struct usbip_check *c);
/* Replies seen so far (RET_SUBMIT and RET_UNLINK). */
unsigned long usbip_check_replies(const struct usbip_check *c);

#endif
