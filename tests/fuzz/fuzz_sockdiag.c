// SPDX-License-Identifier: MIT
/*
 * The kernel's answer to a sock_diag lookup (src/usbip/sockdiag.c). Input:
 * the question, then the answer:
 *
 *	u8 family (even: AF_INET, odd: AF_INET6), u16 sport, u16 dport (big
 *	endian), src[16], dst[16], u32 seq (little endian), netlink messages
 *
 * Checked: a uid is only ever returned from a message that describes the
 * very socket asked about, held by a program (an inode), with the
 * sequence number asked, inside the buffer; errors are -errno; the request we send is never taken for an
 * answer; and the parser never reads past the exact-size copy.
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <string.h>

#include "src/usbip/sockdiag.h"
#include "tests/fuzz/fuzz.h"

#define HEAD 41

/* Is there, in buf, a message seq that describes q and carries uid? */
static int find_uid(const uint8_t *buf, size_t len, const struct sockdiag_query *q, uint32_t seq,
		    uint32_t uid)
{
	size_t off = 0, n = q->family == AF_INET ? 4 : 16;

	while (off + sizeof(struct nlmsghdr) <= len) {
		struct nlmsghdr h;
		struct inet_diag_msg m;

		memcpy(&h, buf + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			return 0;
		if (h.nlmsg_seq == seq && h.nlmsg_type == SOCK_DIAG_BY_FAMILY &&
		    h.nlmsg_len >= NLMSG_HDRLEN + sizeof(m)) {
			memcpy(&m, buf + off + NLMSG_HDRLEN, sizeof(m));
			if (m.idiag_family == q->family && ntohs(m.id.idiag_sport) == q->sport &&
			    ntohs(m.id.idiag_dport) == q->dport &&
			    memcmp(m.id.idiag_src, q->src, n) == 0 &&
			    memcmp(m.id.idiag_dst, q->dst, n) == 0 && m.idiag_uid == uid &&
			    m.idiag_inode != 0)
				return 1;
		}
		off += NLMSG_ALIGN(h.nlmsg_len);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct sockdiag_query q = { 0 };
	uint8_t req[SOCKDIAG_REQUEST_SIZE];
	const uint8_t *p;
	uint8_t *buf;
	uint32_t seq, uid = 0xdeadbeef;
	size_t n;
	int r;

	if (size < HEAD)
		return 0;
	q.family = fuzz_u8(&in) & 1 ? AF_INET6 : AF_INET;
	q.sport = (uint16_t)(fuzz_u8(&in) << 8);
	q.sport |= fuzz_u8(&in);
	q.dport = (uint16_t)(fuzz_u8(&in) << 8);
	q.dport |= fuzz_u8(&in);
	memcpy(q.src, fuzz_bytes(&in, 16, &n), 16);
	memcpy(q.dst, fuzz_bytes(&in, 16, &n), 16);
	seq = fuzz_u32(&in);
	p = fuzz_bytes(&in, in.len, &n);

	/* A copy of the exact size (malloc: aligned as recv's buffer is). */
	buf = malloc(n ? n : 1);
	if (!buf)
		abort();
	memcpy(buf, p, n);
	r = sockdiag_reply_parse(buf, n, &q, seq, &uid);
	FUZZ_CHECK(r <= 0 && r >= -4095, "returned %d", r);
	if (r == 0)
		FUZZ_CHECK(find_uid(buf, n, &q, seq, uid), "uid %u from no matching message", uid);
	else
		FUZZ_CHECK(uid == 0xdeadbeef, "uid written on failure (%d)", r);
	free(buf);

	/* Our own question is never an answer. */
	sockdiag_request_encode(&q, seq, req);
	r = sockdiag_reply_parse(req, sizeof(req), &q, seq, &uid);
	FUZZ_CHECK(r < 0, "the request parsed as an answer");
	return 0;
}
