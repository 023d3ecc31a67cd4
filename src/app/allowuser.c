// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/app/allowuser.h"
#include "src/app/privs.h"
#include "src/usbip/sockdiag.h"

/* Groups of one user read from the database, at most (NGROUPS_MAX). */
#define MAX_GROUPS 65536
/* Room for one getpwuid_r() entry. */
#define PW_BUF 4096

int allowuser_add(struct allowuser *a, const char *name, struct strbuf *err)
{
	struct allowuser_entry *e;
	struct passwd *pw;
	struct group *gr;

	if (a->n >= ALLOWUSER_MAX) {
		strbuf_printf(err, "too many --allow-user (at most %d)", ALLOWUSER_MAX);
		return -ENOSPC;
	}
	if (!name[0] || strlen(name) >= ALLOWUSER_NAME_MAX) {
		strbuf_printf(err, "--allow-user '%s': no such user or group", name);
		return -ENOENT;
	}
	e = &a->e[a->n];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	pw = getpwnam(name);
	if (pw) {
		e->is_user = true;
		e->uid = pw->pw_uid;
	}
	gr = getgrnam(name);
	if (gr) {
		e->is_group = true;
		e->gid = gr->gr_gid;
	}
	if (!e->is_user && !e->is_group) {
		strbuf_printf(err, "--allow-user '%s': no such user or group", name);
		return -ENOENT;
	}
	a->n++;
	return 0;
}

int allowuser_add_default(struct allowuser *a, uid_t self)
{
	struct allowuser_entry *e;
	struct passwd *pw;
	struct group *gr;
	int have_group = 0;

	if (a->n + 2 > ALLOWUSER_MAX)
		return -ENOSPC;
	if (self != 0) {
		e = &a->e[a->n++];
		memset(e, 0, sizeof(*e));
		pw = getpwuid(self);
		if (pw && strlen(pw->pw_name) < sizeof(e->name))
			snprintf(e->name, sizeof(e->name), "%s", pw->pw_name);
		else
			snprintf(e->name, sizeof(e->name), "uid %u", (unsigned int)self);
		e->is_user = true;
		e->uid = self;
	}
	errno = 0;
	gr = getgrnam(PRIVS_GROUP);
	if (gr) {
		e = &a->e[a->n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", PRIVS_GROUP);
		e->is_group = true;
		e->gid = gr->gr_gid;
		have_group = 1;
	} else if (errno && errno != ENOENT && errno != ESRCH) {
		return -errno;
	}
	return have_group;
}

/* Is the user uid in group gid, by its passwd entry or the group database? */
static bool in_group(uid_t uid, gid_t gid)
{
	struct passwd pwbuf, *pw = NULL;
	char *buf = malloc(PW_BUF);
	gid_t *groups = NULL;
	int n = 64, i;
	bool yes = false;

	if (!buf)
		return false;
	if (getpwuid_r(uid, &pwbuf, buf, PW_BUF, &pw) != 0 || !pw)
		goto out;
	if (pw->pw_gid == gid) {
		yes = true;
		goto out;
	}
	for (;;) {
		int want = n;
		gid_t *g = realloc(groups, (size_t)n * sizeof(*g));

		if (!g)
			goto out;
		groups = g;
		if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) >= 0)
			break;
		/* Too small: n now says how many there are. */
		if (n <= want || n > MAX_GROUPS)
			goto out;
	}
	for (i = 0; i < n && !yes; i++)
		yes = groups[i] == gid;
out:
	free(groups);
	free(buf);
	return yes;
}

bool allowuser_uid_ok(const struct allowuser *a, uid_t uid)
{
	unsigned int i;

	if (uid == 0)
		return true;
	for (i = 0; i < a->n; i++)
		if (a->e[i].is_user && a->e[i].uid == uid)
			return true;
	for (i = 0; i < a->n; i++)
		if (a->e[i].is_group && in_group(uid, a->e[i].gid))
			return true;
	return false;
}

void allowuser_describe(const struct allowuser *a, struct strbuf *out)
{
	unsigned int i;

	strbuf_printf(out, "root");
	for (i = 0; i < a->n; i++) {
		const struct allowuser_entry *e = &a->e[i];

		if (e->is_user && e->is_group)
			strbuf_printf(out, ", user and group %s", e->name);
		else
			strbuf_printf(out, ", %s%s", e->is_group ? "group " : "", e->name);
	}
}

int allowuser_start(struct allowuser *a, struct strbuf *err)
{
	int r = sockdiag_open(&a->sd);

	if (r < 0) {
		strbuf_printf(err, "cannot open a NETLINK_SOCK_DIAG socket: %s", strerror(-r));
		return r;
	}
	r = sockdiag_selftest(a->sd);
	if (r < 0) {
		strbuf_printf(
			err,
			"the kernel does not say who owns a local TCP socket (sock_diag: %s%s)",
			strerror(-r),
			r == -ENOENT ? "; are the inet_diag and tcp_diag modules missing?" : "");
		sockdiag_close(a->sd);
		a->sd = NULL;
		return r;
	}
	return 0;
}

void allowuser_stop(struct allowuser *a)
{
	if (!a)
		return;
	sockdiag_close(a->sd);
	a->sd = NULL;
}

static bool loopback(const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			return a->s6_addr[12] == 127;
		return IN6_IS_ADDR_LOOPBACK(a);
	}
	return false;
}

int allowuser_admit(const struct allowuser *a, int fd, const struct sockaddr *sa, socklen_t len,
		    char *why, size_t size)
{
	struct passwd *pw;
	uint32_t uid;
	int r;

	if (!a->sd) {
		snprintf(why, size, "no sock_diag socket to tell local users apart");
		return -EACCES;
	}
	r = sockdiag_peer_uid(a->sd, fd, &uid);
	if (r == -ENOENT && !loopback(sa, len))
		return 0; /* not a socket of this host: another machine */
	if (r < 0) {
		snprintf(why, size, "cannot tell which local user connected (sock_diag: %s)",
			 strerror(-r));
		return -EACCES;
	}
	if (allowuser_uid_ok(a, (uid_t)uid))
		return 0;
	pw = getpwuid((uid_t)uid);
	snprintf(why, size, "uid %u%s%s%s is not in --allow-user", uid, pw ? " (" : "",
		 pw ? pw->pw_name : "", pw ? ")" : "");
	return -EACCES;
}
