// SPDX-License-Identifier: MIT
/*
 * Kernel uevents: the pure parsers, and the netlink socket through libmnl
 * (as in libmnl's examples/kobject).
 */
#include <errno.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "sysfs/uevent.h"

static const char *const action_names[] = {
	[UEVENT_ADD] = "add",	      [UEVENT_REMOVE] = "remove",   [UEVENT_CHANGE] = "change",
	[UEVENT_MOVE] = "move",	      [UEVENT_ONLINE] = "online",   [UEVENT_OFFLINE] = "offline",
	[UEVENT_BIND] = "bind",	      [UEVENT_UNBIND] = "unbind",
};

enum uevent_action uevent_action_from_name(const char *name)
{
	size_t i;

	for (i = 1; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (strcmp(name, action_names[i]) == 0)
			return (enum uevent_action)i;
	return UEVENT_OTHER;
}

bool uevent_devpath_under(const char *devpath, const char *dir)
{
	size_t n = strlen(dir);

	if (!devpath || n == 0 || strncmp(devpath, dir, n) != 0)
		return false;
	return devpath[n] == '\0' || devpath[n] == '/' || dir[n - 1] == '/';
}

const char *uevent_get(const struct uevent *ev, const char *key)
{
	size_t n = strlen(key);
	unsigned int i;

	for (i = 0; i < ev->nvars; i++)
		if (ev->vars[i].key_len == n && memcmp(ev->vars[i].key, key, n) == 0)
			return ev->vars[i].value;
	return NULL;
}

static bool key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Add the NUL-terminated field s as a variable. 0, -EBADMSG or -E2BIG. */
static int add_var(struct uevent *ev, const char *s)
{
	const char *eq = strchr(s, '=');
	size_t klen, i;

	if (!eq || eq == s)
		return -EBADMSG;
	klen = (size_t)(eq - s);
	if (klen > UEVENT_KEY_MAX)
		return -EBADMSG;
	for (i = 0; i < klen; i++)
		if (!key_char(s[i]))
			return -EBADMSG;
	for (i = 0; i < ev->nvars; i++)
		if (ev->vars[i].key_len == klen && memcmp(ev->vars[i].key, s, klen) == 0)
			return -EBADMSG;
	if (ev->nvars >= UEVENT_MAX_VARS)
		return -E2BIG;
	ev->vars[ev->nvars].key = s;
	ev->vars[ev->nvars].key_len = klen;
	ev->vars[ev->nvars].value = eq + 1;
	ev->nvars++;
	return 0;
}

static int parse_seqnum(const char *s, uint64_t *ret)
{
	uint64_t v = 0;

	if (!*s || strlen(s) > 20)
		return -EBADMSG;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EBADMSG;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret = v;
	return 0;
}

/* Fill the common fields from the variables. 0 or -EBADMSG. */
static int fill_common(struct uevent *ev)
{
	const char *seq = uevent_get(ev, "SEQNUM");

	ev->subsystem = uevent_get(ev, "SUBSYSTEM");
	ev->devtype = uevent_get(ev, "DEVTYPE");
	ev->devname = uevent_get(ev, "DEVNAME");
	ev->driver = uevent_get(ev, "DRIVER");
	ev->modalias = uevent_get(ev, "MODALIAS");
	ev->seqnum = 0;
	if (seq && parse_seqnum(seq, &ev->seqnum) < 0)
		return -EBADMSG;
	/* A node name is relative to /dev and stays inside it. */
	if (ev->devname && (!*ev->devname || ev->devname[0] == '/' || strstr(ev->devname, "..")))
		return -EBADMSG;
	return 0;
}

/* An absolute path of printable characters with no "." or ".." parts. */
static bool devpath_valid(const char *p, size_t len)
{
	size_t i;

	if (len < 2 || len > UEVENT_DEVPATH_MAX || p[0] != '/' || p[len - 1] == '/')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c == '/' && (p[i + 1] == '/' ||
				 (p[i + 1] == '.' && (p[i + 2] == '/' || p[i + 2] == '\0' ||
						      (p[i + 2] == '.' &&
						       (p[i + 3] == '/' || p[i + 3] == '\0'))))))
			return false;
	}
	return true;
}

int uevent_parse(const void *buf, size_t len, struct uevent *ret)
{
	const char *s = buf, *end, *at, *p, *v;
	struct uevent *ev;
	size_t hlen, alen, i;
	int r;

	if (!buf || !ret)
		return -EINVAL;
	if (len == 0 || len > UEVENT_MSG_MAX)
		return -EMSGSIZE;
	if (len >= 8 && memcmp(s, "libudev", 8) == 0)
		return -EPROTO;
	/* Every field, the last included, ends with a NUL. */
	if (s[len - 1] != '\0')
		return -EBADMSG;
	end = s + len;
	hlen = strlen(s);
	at = memchr(s, '@', hlen);
	if (!at)
		return -EBADMSG;
	alen = (size_t)(at - s);
	if (alen == 0 || alen > 16)
		return -EBADMSG;
	for (i = 0; i < alen; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return -EBADMSG;
	if (!devpath_valid(at + 1, hlen - alen - 1))
		return -EBADMSG;

	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	for (p = s + hlen + 1; p < end; p += strlen(p) + 1) {
		r = add_var(ev, p);
		if (r < 0)
			goto fail;
	}
	r = -EBADMSG;
	/* The header's action and path are repeated as variables. */
	v = uevent_get(ev, "ACTION");
	if (!v || strlen(v) != alen || memcmp(v, s, alen) != 0)
		goto fail;
	v = uevent_get(ev, "DEVPATH");
	if (!v || strcmp(v, at + 1) != 0)
		goto fail;
	if (fill_common(ev) < 0 || !ev->subsystem || !*ev->subsystem)
		goto fail;
	ev->action_name = uevent_get(ev, "ACTION");
	ev->action = uevent_action_from_name(ev->action_name);
	ev->devpath = uevent_get(ev, "DEVPATH");
	*ret = *ev;
	free(ev);
	return 0;
fail:
	free(ev);
	return r;
}

int uevent_parse_file(char *buf, size_t len, struct uevent *ret)
{
	struct uevent *ev;
	char *p, *end;
	int r;

	if (!buf || !ret)
		return -EINVAL;
	if (len > UEVENT_MSG_MAX)
		return -EMSGSIZE;
	if (len > 0 && (memchr(buf, '\0', len) || buf[len - 1] != '\n'))
		return -EBADMSG;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	end = buf + len;
	/* Split first: add_var() needs NUL-terminated fields. The buffer is
	 * the caller's, so a failure below leaves it split: documented. */
	for (p = buf; p < end; p++)
		if (*p == '\n')
			*p = '\0';
	for (p = buf; p < end; p += strlen(p) + 1) {
		r = add_var(ev, p);
		if (r < 0)
			goto fail;
	}
	r = fill_common(ev);
	if (r < 0)
		goto fail;
	*ret = *ev;
	free(ev);
	return 0;
fail:
	free(ev);
	return r;
}

/* ---- The socket ---- */

struct uevent_mon {
	struct mnl_socket *nl;
};

/* The kernel's one uevent multicast group (udevd re-sends on group 2). */
#define UEVENT_GROUP_KERNEL 1u
#define UEVENT_RCVBUF (4 << 20)

int uevent_mon_open(struct uevent_mon **ret)
{
	struct uevent_mon *m;
	int size = UEVENT_RCVBUF, fd, r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->nl = mnl_socket_open2(NETLINK_KOBJECT_UEVENT, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!m->nl) {
		r = -errno;
		free(m);
		return r;
	}
	if (mnl_socket_bind(m->nl, UEVENT_GROUP_KERNEL, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		uevent_mon_close(m);
		return r;
	}
	fd = mnl_socket_get_fd(m->nl);
	/* Past rmem_max needs CAP_NET_ADMIN; the default is the fallback. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	*ret = m;
	return 0;
}

int uevent_mon_fd(const struct uevent_mon *m)
{
	return mnl_socket_get_fd(m->nl);
}

/*
 * mnl_socket_recvfrom() does not say who sent the message; uevents must
 * come from the kernel (port 0), so read the sender with recvmsg.
 */
ssize_t uevent_mon_recv(struct uevent_mon *m, void *buf, size_t size)
{
	struct sockaddr_nl addr;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = {
		.msg_name = &addr,
		.msg_namelen = sizeof(addr),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t n;

	n = recvmsg(mnl_socket_get_fd(m->nl), &msg, MSG_DONTWAIT);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (msg.msg_namelen != sizeof(addr) || addr.nl_family != AF_NETLINK || addr.nl_pid != 0)
		return -EPERM;
	return n;
}

void uevent_mon_close(struct uevent_mon *m)
{
	if (!m)
		return;
	if (m->nl)
		mnl_socket_close(m->nl);
	free(m);
}
