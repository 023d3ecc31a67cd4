/* SPDX-License-Identifier: MIT */
/*
 * Who is at the other end of a TCP connection from this host: the owner
 * (user id) of the peer's socket, asked of the kernel through
 * NETLINK_SOCK_DIAG (inet_diag, the interface ss(8) uses). The request
 * names the peer's socket by the connection's 4-tuple seen from its side
 * (our peer's address and port as its source, ours as its destination),
 * so only a socket on this host, in this network namespace, answers.
 *
 * The request builder and the reply parser are pure functions over bytes;
 * struct sockdiag holds the netlink socket (libmnl). Nothing here logs.
 */
#ifndef VUSB_USBIP_SOCKDIAG_H
#define VUSB_USBIP_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* The peer's socket, as the kernel is asked for it. Ports in host order. */
struct sockdiag_query {
	int family; /* AF_INET or AF_INET6 */
	uint8_t src[16]; /* the peer socket's own address (IPv4: 4 bytes) */
	uint8_t dst[16]; /* its remote end: our address */
	uint16_t sport, dport;
};

/* Bytes of a request: a netlink header and struct inet_diag_req_v2. */
#define SOCKDIAG_REQUEST_SIZE 72

/*
 * The query for the socket at the far end of a connection whose local end
 * is `local` and remote end `peer`. IPv4-mapped IPv6 addresses (a peer
 * that came in on "::") are asked as IPv4, which is what the peer's socket
 * is. 0, or -EAFNOSUPPORT when either is not TCP over IPv4 or IPv6, or the
 * two differ in family.
 */
int sockdiag_query_init(struct sockdiag_query *q, const struct sockaddr *peer, socklen_t peer_len,
			const struct sockaddr *local, socklen_t local_len);

/* Write the request (SOCKDIAG_REQUEST_SIZE bytes) with sequence number seq into buf. */
void sockdiag_request_encode(const struct sockdiag_query *q, uint32_t seq,
			     uint8_t buf[SOCKDIAG_REQUEST_SIZE]);

/*
 * Parse what the kernel answered to request seq: netlink messages,
 * untrusted. Messages with another sequence number are skipped. 0 and
 * *ret_uid for a socket that matches q; -ENOENT for one that no program
 * holds any more (no inode: closed, lingering in FIN_WAIT2 or TIME_WAIT,
 * whose uid reads 0); the
 * kernel's error (-ENOENT: no such socket here, -EINVAL, ...) from an NLMSG_ERROR; -EBADMSG for a
 * truncated or malformed answer; -ESRCH when it describes another socket;
 * -ENOMSG when there is no answer to seq in buf.
 */
int sockdiag_reply_parse(const void *buf, size_t len, const struct sockdiag_query *q, uint32_t seq,
			 uint32_t *ret_uid);

struct sockdiag;

/*
 * Open the NETLINK_SOCK_DIAG socket. Opening needs no privilege, but open
 * it before a seccomp filter that may refuse netlink sockets: asking
 * takes only sendto and recvfrom on it. 0 or -errno.
 */
int sockdiag_open(struct sockdiag **ret);

/* NULL-safe. */
void sockdiag_close(struct sockdiag *sd);

/*
 * The user id owning the socket at the other end of the connected TCP
 * socket fd. 0 and *ret_uid; -ENOENT when there is no such socket on this
 * host (a remote peer, or one already gone, or the kernel has no
 * inet_diag: these look alike, see sockdiag_selftest); -errno otherwise.
 */
int sockdiag_peer_uid(struct sockdiag *sd, int fd, uint32_t *ret_uid);

/*
 * Make sure the kernel answers at all (inet_diag and tcp_diag loaded, or
 * loadable now, while we may still be root): connect a socket to a
 * listener of our own on 127.0.0.1 and ask who owns it; it must be our
 * effective user. 0, or -errno (-ENOENT: no inet_diag).
 */
int sockdiag_selftest(struct sockdiag *sd);

#endif
