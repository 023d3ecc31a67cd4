// SPDX-License-Identifier: MIT
/*
 * The peer socket's owner through NETLINK_SOCK_DIAG: one exact lookup
 * (no NLM_F_DUMP) per connection, answered by the kernel while sendto()
 * runs, so the reply is read without waiting.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <libmnl/libmnl.h>

#include "src/usbip/sockdiag.h"

static_assert(SOCKDIAG_REQUEST_SIZE ==
		      MNL_ALIGN(sizeof(struct nlmsghdr)) + sizeof(struct inet_diag_req_v2),
	      "request size");

/* Every TCP state: the peer may be closing while it is asked. */
#define ALL_STATES 0xffffffffu

/* Answers to read before giving up on finding ours among stale ones. */
#define MAX_READS 8

/* The address bytes of sa, IPv4-mapped IPv6 as IPv4. */
static int addr_bytes(const struct sockaddr *sa, socklen_t len, uint8_t out[16], uint16_t *port)
{
	memset(out, 0, 16);
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		memcpy(out, &sin->sin_addr, 4);
		*port = ntohs(sin->sin_port);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		*port = ntohs(sin6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memcpy(out, sin6->sin6_addr.s6_addr + 12, 4);
			return AF_INET;
		}
		memcpy(out, sin6->sin6_addr.s6_addr, 16);
		return AF_INET6;
	}
	return AF_UNSPEC;
}

int sockdiag_query_init(struct sockdiag_query *q, const struct sockaddr *peer, socklen_t peer_len,
			const struct sockaddr *local, socklen_t local_len)
{
	struct sockdiag_query n;
	int f1, f2;

	memset(&n, 0, sizeof(n));
	f1 = addr_bytes(peer, peer_len, n.src, &n.sport);
	f2 = addr_bytes(local, local_len, n.dst, &n.dport);
	if (f1 == AF_UNSPEC || f1 != f2)
		return -EAFNOSUPPORT;
	n.family = f1;
	*q = n;
	return 0;
}

void sockdiag_request_encode(const struct sockdiag_query *q, uint32_t seq,
			     uint8_t buf[SOCKDIAG_REQUEST_SIZE])
{
	struct nlmsghdr *nlh;
	struct inet_diag_req_v2 *req;

	memset(buf, 0, SOCKDIAG_REQUEST_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)q->family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = ALL_STATES;
	req->id.idiag_sport = htons(q->sport);
	req->id.idiag_dport = htons(q->dport);
	memcpy(req->id.idiag_src, q->src, 16);
	memcpy(req->id.idiag_dst, q->dst, 16);
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
}

/* Does the kernel's description name the socket we asked about? */
static bool same_socket(const struct inet_diag_msg *m, const struct sockdiag_query *q)
{
	size_t n = q->family == AF_INET ? 4 : 16;

	return m->idiag_family == q->family && ntohs(m->id.idiag_sport) == q->sport &&
	       ntohs(m->id.idiag_dport) == q->dport && memcmp(m->id.idiag_src, q->src, n) == 0 &&
	       memcmp(m->id.idiag_dst, q->dst, n) == 0;
}

int sockdiag_reply_parse(const void *buf, size_t len, const struct sockdiag_query *q, uint32_t seq,
			 uint32_t *ret_uid)
{
	const uint8_t *p = buf;
	size_t off = 0;

	/* Walked by hand, in size_t: libmnl's mnl_nlmsg_ok() takes a length
	 * of 2 GiB or more as negative, and such a message for a short one. */
	while (len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		size_t plen;

		memcpy(&h, p + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			return -EBADMSG;
		plen = h.nlmsg_len - NLMSG_HDRLEN;
		if (h.nlmsg_seq == seq && h.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;

			if (plen < sizeof(e))
				return -EBADMSG;
			memcpy(&e, p + off + NLMSG_HDRLEN, sizeof(e));
			/* An error is negative; 0 would be an acknowledgement,
			 * which a lookup without NLM_F_ACK never gets. */
			if (e.error >= 0 || e.error < -4095)
				return -EBADMSG;
			return e.error;
		}
		if (h.nlmsg_seq == seq && h.nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			struct inet_diag_msg m;

			if (plen < sizeof(m))
				return -EBADMSG;
			memcpy(&m, p + off + NLMSG_HDRLEN, sizeof(m));
			if (!same_socket(&m, q))
				return -ESRCH;
			/* No inode: no file, so no program holds it (closed,
			 * lingering in FIN_WAIT or TIME_WAIT, where the uid
			 * reads 0 and would pass for root's; or half-made). */
			if (m.idiag_inode == 0)
				return -ENOENT;
			*ret_uid = m.idiag_uid;
			return 0;
		}
		if (h.nlmsg_seq == seq && h.nlmsg_type != NLMSG_DONE && h.nlmsg_type != NLMSG_NOOP)
			return -EBADMSG;
		/* Another question's answer, or padding: skip it. */
		if (NLMSG_ALIGN(h.nlmsg_len) >= len - off)
			return -ENOMSG;
		off += NLMSG_ALIGN(h.nlmsg_len);
	}
	/* Bytes left that are not a whole message: cut short. */
	return off < len ? -EBADMSG : -ENOMSG;
}

struct sockdiag {
	struct mnl_socket *nl;
	uint32_t seq;
};

int sockdiag_open(struct sockdiag **ret)
{
	struct sockdiag *sd = calloc(1, sizeof(*sd));
	int r;

	if (!sd)
		return -ENOMEM;
	sd->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!sd->nl) {
		r = -errno;
		free(sd);
		return r;
	}
	if (mnl_socket_bind(sd->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		mnl_socket_close(sd->nl);
		free(sd);
		return r;
	}
	sd->seq = 1;
	*ret = sd;
	return 0;
}

void sockdiag_close(struct sockdiag *sd)
{
	if (!sd)
		return;
	mnl_socket_close(sd->nl);
	free(sd);
}

static int ask(struct sockdiag *sd, const struct sockdiag_query *q, uint32_t *ret_uid)
{
	uint8_t req[SOCKDIAG_REQUEST_SIZE];
	/* Aligned for the netlink headers the parser reads in place. */
	uint32_t ans[MNL_SOCKET_BUFFER_SIZE / sizeof(uint32_t)];
	int fd = mnl_socket_get_fd(sd->nl), i, r;
	uint32_t seq = sd->seq++;

	sockdiag_request_encode(q, seq, req);
	if (mnl_socket_sendto(sd->nl, req, sizeof(req)) < 0)
		return -errno;
	/* The kernel has answered by the time sendto returns: never wait,
	 * and skip what an earlier, interrupted question left behind. */
	for (i = 0; i < MAX_READS; i++) {
		ssize_t n = recv(fd, ans, sizeof(ans), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		r = sockdiag_reply_parse(ans, (size_t)n, q, seq, ret_uid);
		if (r != -ENOMSG)
			return r;
	}
	return -ETIMEDOUT;
}

int sockdiag_peer_uid(struct sockdiag *sd, int fd, uint32_t *ret_uid)
{
	struct sockaddr_storage peer, local;
	socklen_t plen = sizeof(peer), llen = sizeof(local);
	struct sockdiag_query q;
	int r;

	if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&local, &llen) < 0)
		return -errno;
	r = sockdiag_query_init(&q, (struct sockaddr *)&peer, plen, (struct sockaddr *)&local,
				llen);
	if (r < 0)
		return r;
	return ask(sd, &q, ret_uid);
}

int sockdiag_selftest(struct sockdiag *sd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int lfd, cfd = -1, afd = -1, r;
	uint32_t uid = 0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0) {
		r = -errno;
		goto out;
	}
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (afd < 0) {
		r = -errno;
		goto out;
	}
	r = sockdiag_peer_uid(sd, afd, &uid);
	if (r == 0 && uid != (uint32_t)geteuid())
		r = -EPROTO;
out:
	if (afd >= 0)
		close(afd);
	if (cfd >= 0)
		close(cfd);
	close(lfd);
	return r;
}
