// SPDX-License-Identifier: MIT
/*
 * Who is at the other end of a local TCP connection: the sock_diag
 * request and reply (src/usbip/sockdiag.c, pure), the kernel's real answer
 * over loopback, and the --allow-user policy built on it
 * (src/app/allowuser.c). The cases with two real users are in
 * tests/host/allow-user.sh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <cmocka.h>

#include "src/app/allowuser.h"
#include "src/usbip/sockdiag.h"

static struct sockaddr_in sin4(const char *ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };

	assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
	return sa;
}

static struct sockaddr_in6 sin6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	assert_int_equal(inet_pton(AF_INET6, ip, &sa.sin6_addr), 1);
	return sa;
}

#define SA(x) ((const struct sockaddr *)&(x)), sizeof(x)

static void query_from_addresses(void **state)
{
	struct sockaddr_in p4 = sin4("127.0.0.2", 50000), l4 = sin4("127.0.0.1", 3240);
	struct sockaddr_in6 p6 = sin6("::1", 50001), l6 = sin6("::1", 3240);
	struct sockaddr_in6 pm = sin6("::ffff:127.0.0.3", 50002),
			    lm = sin6("::ffff:127.0.0.1", 3240);
	struct sockaddr_un_like {
		sa_family_t f;
	} un = { AF_UNIX };
	struct sockdiag_query q;
	const uint8_t v4[4] = { 127, 0, 0, 2 }, v4m[4] = { 127, 0, 0, 3 };

	assert_int_equal(sockdiag_query_init(&q, SA(p4), SA(l4)), 0);
	assert_int_equal(q.family, AF_INET);
	assert_int_equal(q.sport, 50000);
	assert_int_equal(q.dport, 3240);
	assert_memory_equal(q.src, v4, 4);
	assert_int_equal(q.dst[0], 127);
	assert_int_equal(sockdiag_query_init(&q, SA(p6), SA(l6)), 0);
	assert_int_equal(q.family, AF_INET6);
	assert_int_equal(q.src[15], 1);
	/* A peer that came in on "::" as IPv4 is an IPv4 socket. */
	assert_int_equal(sockdiag_query_init(&q, SA(pm), SA(lm)), 0);
	assert_int_equal(q.family, AF_INET);
	assert_memory_equal(q.src, v4m, 4);
	assert_int_equal(sockdiag_query_init(&q, SA(p4), SA(l6)), -EAFNOSUPPORT);
	assert_int_equal(sockdiag_query_init(&q, (struct sockaddr *)&un, sizeof(un), SA(l4)),
			 -EAFNOSUPPORT);
	/* Too short for its family. */
	assert_int_equal(sockdiag_query_init(&q, (struct sockaddr *)&p4, 4, SA(l4)), -EAFNOSUPPORT);
}

static void request_layout(void **state)
{
	struct sockaddr_in p = sin4("127.0.0.2", 0x1234), l = sin4("127.0.0.1", 0xabcd);
	uint8_t req[SOCKDIAG_REQUEST_SIZE];
	struct nlmsghdr h;
	struct inet_diag_req_v2 r;
	struct sockdiag_query q;

	assert_int_equal(sockdiag_query_init(&q, SA(p), SA(l)), 0);
	sockdiag_request_encode(&q, 77, req);
	memcpy(&h, req, sizeof(h));
	memcpy(&r, req + NLMSG_HDRLEN, sizeof(r));
	assert_int_equal(h.nlmsg_len, SOCKDIAG_REQUEST_SIZE);
	assert_int_equal(h.nlmsg_type, SOCK_DIAG_BY_FAMILY);
	/* One socket, exactly: not a dump. */
	assert_int_equal(h.nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(h.nlmsg_seq, 77);
	assert_int_equal(r.sdiag_family, AF_INET);
	assert_int_equal(r.sdiag_protocol, IPPROTO_TCP);
	/* The peer's socket: its source is the peer, its destination us. */
	assert_int_equal(ntohs(r.id.idiag_sport), 0x1234);
	assert_int_equal(ntohs(r.id.idiag_dport), 0xabcd);
	assert_memory_equal(r.id.idiag_src, &p.sin_addr, 4);
	assert_memory_equal(r.id.idiag_dst, &l.sin_addr, 4);
	assert_int_equal(r.id.idiag_cookie[0], INET_DIAG_NOCOOKIE);
}

/* Append one netlink message; returns the new length. */
static size_t put_msg(uint8_t *buf, size_t off, uint16_t type, uint32_t seq, const void *payload,
		      size_t n)
{
	struct nlmsghdr h = { .nlmsg_len = (uint32_t)(NLMSG_HDRLEN + n),
			      .nlmsg_type = type,
			      .nlmsg_seq = seq };

	memcpy(buf + off, &h, sizeof(h));
	memcpy(buf + off + NLMSG_HDRLEN, payload, n);
	return off + NLMSG_ALIGN(NLMSG_HDRLEN + n);
}

static struct inet_diag_msg diag_for(const struct sockdiag_query *q, uint32_t uid)
{
	struct inet_diag_msg m;

	memset(&m, 0, sizeof(m));
	m.idiag_family = (uint8_t)q->family;
	m.id.idiag_sport = htons(q->sport);
	m.id.idiag_dport = htons(q->dport);
	memcpy(m.id.idiag_src, q->src, 16);
	memcpy(m.id.idiag_dst, q->dst, 16);
	m.idiag_uid = uid;
	m.idiag_inode = 123456;
	return m;
}

static void reply_parsing(void **state)
{
	struct sockaddr_in p = sin4("127.0.0.1", 40000), l = sin4("127.0.0.1", 3240);
	uint32_t buf[256];
	uint8_t *b = (uint8_t *)buf;
	struct sockdiag_query q, other;
	struct inet_diag_msg m;
	struct {
		int error;
		struct nlmsghdr msg;
	} e = { .error = -ENOENT };
	uint32_t uid = 4242;
	size_t n;

	assert_int_equal(sockdiag_query_init(&q, SA(p), SA(l)), 0);
	m = diag_for(&q, 1001);
	n = put_msg(b, 0, SOCK_DIAG_BY_FAMILY, 5, &m, sizeof(m));
	assert_int_equal(sockdiag_reply_parse(b, n, &q, 5, &uid), 0);
	assert_int_equal(uid, 1001);
	/* Another sequence number: not our answer. */
	uid = 4242;
	assert_int_equal(sockdiag_reply_parse(b, n, &q, 6, &uid), -ENOMSG);
	/* A stale answer first, then ours. */
	m = diag_for(&q, 0);
	n = put_msg(b, 0, SOCK_DIAG_BY_FAMILY, 4, &m, sizeof(m));
	m = diag_for(&q, 65534);
	n = put_msg(b, n, SOCK_DIAG_BY_FAMILY, 5, &m, sizeof(m));
	assert_int_equal(sockdiag_reply_parse(b, n, &q, 5, &uid), 0);
	assert_int_equal(uid, 65534);
	/* Cut short, anywhere. */
	uid = 4242;
	assert_int_equal(sockdiag_reply_parse(b, n - 4, &q, 5, &uid), -EBADMSG);
	assert_int_equal(sockdiag_reply_parse(b, 10, &q, 5, &uid), -EBADMSG);
	assert_int_equal(uid, 4242);
	/* About another socket. */
	other = q;
	other.sport++;
	m = diag_for(&other, 0);
	n = put_msg(b, 0, SOCK_DIAG_BY_FAMILY, 5, &m, sizeof(m));
	assert_int_equal(sockdiag_reply_parse(b, n, &q, 5, &uid), -ESRCH);
	/* No inode (closed, TIME_WAIT): no owner, and its uid 0 is no root. */
	m = diag_for(&q, 0);
	m.idiag_inode = 0;
	n = put_msg(b, 0, SOCK_DIAG_BY_FAMILY, 5, &m, sizeof(m));
	assert_int_equal(sockdiag_reply_parse(b, n, &q, 5, &uid), -ENOENT);
	/* A payload too short for inet_diag_msg. */
	n = put_msg(b, 0, SOCK_DIAG_BY_FAMILY, 5, &m, sizeof(m) - 1);
	assert_int_equal(sockdiag_reply_parse(b, n, &q, 5, &uid), -EBADMSG);
	/* The kernel's error, as it is. */
	n = put_msg(b, 0, NLMSG_ERROR, 5, &e, sizeof(e));
	assert_int_equal(sockdiag_reply_parse(b, n, &q, 5, &uid), -ENOENT);
	/* An "error" 0 (an ack) or a positive one is nothing a lookup gets. */
	e.error = 0;
	n = put_msg(b, 0, NLMSG_ERROR, 5, &e, sizeof(e));
	assert_int_equal(sockdiag_reply_parse(b, n, &q, 5, &uid), -EBADMSG);
	e.error = 5;
	n = put_msg(b, 0, NLMSG_ERROR, 5, &e, sizeof(e));
	assert_int_equal(sockdiag_reply_parse(b, n, &q, 5, &uid), -EBADMSG);
	assert_int_equal(uid, 4242);
	assert_int_equal(sockdiag_reply_parse(b, 0, &q, 5, &uid), -ENOMSG);
}

/* A loopback connection: ret[0] the client's socket, ret[1] the accepted one. */
static void loopback_pair(int family, int ret[2])
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int l;

	if (family == AF_INET) {
		struct sockaddr_in sa = sin4("127.0.0.1", 0);

		memcpy(&ss, &sa, sizeof(sa));
		len = sizeof(sa);
	} else {
		struct sockaddr_in6 sa = sin6("::1", 0);

		memcpy(&ss, &sa, sizeof(sa));
		len = sizeof(sa);
	}
	l = socket(family, SOCK_STREAM, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&ss, &len), 0);
	ret[0] = socket(family, SOCK_STREAM, 0);
	assert_true(ret[0] >= 0);
	assert_int_equal(connect(ret[0], (struct sockaddr *)&ss, len), 0);
	ret[1] = accept(l, NULL, NULL);
	assert_true(ret[1] >= 0);
	close(l);
}

/* Until fd reads the end of the stream (the peer's FIN). */
static void wait_for_eof(int fd)
{
	char c;

	assert_int_equal(read(fd, &c, 1), 0);
}

static void the_kernel_answers(void **state)
{
	struct sockdiag *sd = NULL;
	uint32_t uid = 4242;
	int fds[2], sp[2];

	assert_int_equal(sockdiag_open(&sd), 0);
	assert_int_equal(sockdiag_selftest(sd), 0);
	loopback_pair(AF_INET, fds);
	assert_int_equal(sockdiag_peer_uid(sd, fds[1], &uid), 0);
	assert_int_equal(uid, geteuid());
	/* And the other way round: the client finds the server's socket. */
	uid = 4242;
	assert_int_equal(sockdiag_peer_uid(sd, fds[0], &uid), 0);
	assert_int_equal(uid, geteuid());
	/* The client closes first: its socket lingers (FIN_WAIT2, then
	 * TIME_WAIT) without a file, which the kernel reports as uid 0: that
	 * is not taken for root's. */
	close(fds[0]);
	wait_for_eof(fds[1]);
	uid = 4242;
	assert_int_equal(sockdiag_peer_uid(sd, fds[1], &uid), -ENOENT);
	assert_int_equal(uid, 4242);
	close(fds[1]);
	loopback_pair(AF_INET6, fds);
	uid = 4242;
	assert_int_equal(sockdiag_peer_uid(sd, fds[1], &uid), 0);
	assert_int_equal(uid, geteuid());
	close(fds[0]);
	close(fds[1]);
	/* Not TCP. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(sockdiag_peer_uid(sd, sp[0], &uid), -EAFNOSUPPORT);
	close(sp[0]);
	close(sp[1]);
	sockdiag_close(sd);
	sockdiag_close(NULL);
}

static void allow_user_policy(void **state)
{
	struct allowuser a = { 0 };
	struct strbuf err = { 0 }, out = { 0 };

	/* Root always; nobody else with an empty list. */
	assert_true(allowuser_uid_ok(&a, 0));
	assert_false(allowuser_uid_ok(&a, 12345));
	assert_int_equal(allowuser_add(&a, "no-such-user-or-group-xyz", &err), -ENOENT);
	assert_non_null(
		strstr(strbuf_str(&err), "'no-such-user-or-group-xyz': no such user or group"));
	assert_int_equal(a.n, 0);
	/* root is a user and a group. */
	assert_int_equal(allowuser_add(&a, "root", &err), 0);
	assert_true(a.e[0].is_user && a.e[0].is_group);
	assert_true(allowuser_add_default(&a, 12345) >= 0);
	assert_true(allowuser_uid_ok(&a, 12345));
	assert_false(allowuser_uid_ok(&a, 12346));
	allowuser_describe(&a, &out);
	assert_non_null(strstr(strbuf_str(&out), "root, user and group root, "));
	strbuf_free(&err);
	strbuf_free(&out);
}

static void admit_a_local_peer(void **state)
{
	struct allowuser a = { 0 };
	struct strbuf err = { 0 };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char why[128] = "";
	int fds[2];

	/* Not started: fail closed. */
	loopback_pair(AF_INET, fds);
	assert_int_equal(getpeername(fds[1], (struct sockaddr *)&ss, &len), 0);
	assert_int_equal(allowuser_admit(&a, fds[1], (struct sockaddr *)&ss, len, why, sizeof(why)),
			 -EACCES);
	assert_int_equal(allowuser_start(&a, &err), 0);
	/* We are root, or the default's own user. */
	assert_true(allowuser_add_default(&a, geteuid()) >= 0);
	assert_int_equal(allowuser_admit(&a, fds[1], (struct sockaddr *)&ss, len, why, sizeof(why)),
			 0);
	if (geteuid() != 0) {
		/* Someone else only: refused, naming our uid. */
		a.n = 0;
		assert_int_equal(
			allowuser_admit(&a, fds[1], (struct sockaddr *)&ss, len, why, sizeof(why)),
			-EACCES);
		assert_non_null(strstr(why, "is not in --allow-user"));
	}
	close(fds[0]);
	close(fds[1]);
	allowuser_stop(&a);
	strbuf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(query_from_addresses), cmocka_unit_test(request_layout),
		cmocka_unit_test(reply_parsing),	cmocka_unit_test(the_kernel_answers),
		cmocka_unit_test(allow_user_policy),	cmocka_unit_test(admit_a_local_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
