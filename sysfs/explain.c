// SPDX-License-Identifier: MIT
/*
 * Turning a failed vhci_open() into one sentence that says what to do.
 * The sentence depends on the machine (running kernel, its modules and the
 * package that installed them, root, kernel.modules_disabled), which
 * vhci_host_read() gathers once so that vhci_explain() itself stays pure
 * and testable.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sysfs/kmod.h"
#include "sysfs/vhci.h"

/* Read a small file whole into buf (NUL-terminated); length or -errno. */
static int read_small(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			close(fd);
			return (int)n;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (int)len;
}

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Characters that may appear in a kernel release we put into a message. */
static bool is_release_char(char c)
{
	return is_word_char(c) || c == '+' || c == '~';
}

/*
 * Copy an os-release value (one line, maybe quoted) into dst when it is a
 * list of words separated by single spaces and fits; else leave dst.
 */
static void os_release_value(const char *val, size_t len, bool list,
			     char *dst, size_t size)
{
	size_t i;

	if (len >= 2 && (val[0] == '"' || val[0] == '\'') &&
	    val[len - 1] == val[0]) {
		val++;
		len -= 2;
	}
	if (len == 0 || len >= size)
		return;
	for (i = 0; i < len; i++) {
		if (is_word_char(val[i]))
			continue;
		if (list && val[i] == ' ' && i > 0 && i + 1 < len &&
		    val[i - 1] != ' ')
			continue;
		return;
	}
	memcpy(dst, val, len);
	dst[len] = '\0';
}

int vhci_os_release_parse(const char *text, struct vhci_host *host)
{
	const char *line, *eol;
	size_t len;

	if (!text || !host)
		return -EINVAL;

	for (line = text; *line; line = *eol ? eol + 1 : eol) {
		eol = strchr(line, '\n');
		if (!eol)
			eol = line + strlen(line);
		len = (size_t)(eol - line);

		if (len > 3 && !strncmp(line, "ID=", 3))
			os_release_value(line + 3, len - 3, false, host->os_id,
					 sizeof(host->os_id));
		else if (len > 8 && !strncmp(line, "ID_LIKE=", 8))
			os_release_value(line + 8, len - 8, true,
					 host->os_id_like,
					 sizeof(host->os_id_like));
	}
	return 0;
}

/*
 * Run a system tool (an absolute path) with no input, its standard output
 * into buf (at most size - 1 bytes, the rest read and dropped), its errors
 * dropped, in the C locale. The exit status, or -errno (-ENOENT: no such
 * tool).
 */
static int run_quiet(char *const argv[], char *buf, size_t size)
{
	static char *const envp[] = { "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	posix_spawn_file_actions_t fa;
	size_t len = 0;
	int pipefd[2], r, status;
	char drop[512];
	ssize_t n;
	pid_t pid;

	if (access(argv[0], X_OK) < 0)
		return -errno;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	r = posix_spawn_file_actions_init(&fa);
	if (r == 0) {
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
		r = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return -r;
	}
	for (;;) {
		if (len < size - 1)
			n = read(pipefd[0], buf + len, size - 1 - len);
		else
			n = read(pipefd[0], drop, sizeof(drop));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len < size - 1)
			len += (size_t)n;
	}
	buf[len] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

/* Debian policy: lower case letters, digits, '+', '-', '.'; two or more. */
static bool is_package_name(const char *p, size_t n)
{
	size_t i;

	if (n < 2 || !((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= '0' && p[0] <= '9')))
		return false;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '+' ||
		      p[i] == '-' || p[i] == '.'))
			return false;
	return true;
}

static bool starts_with(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && !strncmp(p, prefix, k);
}

#define MODULES_PKG "linux-modules-"
#define EXTRA_PKG "linux-modules-extra-"

int vhci_dpkg_owner_parse(const char *text, char *buf, size_t len)
{
	const char *line, *eol, *colon, *p, *best = NULL;
	size_t n, best_n = 0;
	int rank, best_rank = 0;

	if (!text || !buf || len == 0)
		return -EINVAL;
	for (line = text; *line; line = *eol ? eol + 1 : eol) {
		eol = strchr(line, '\n');
		if (!eol)
			eol = line + strlen(line);
		colon = memchr(line, ':', (size_t)(eol - line));
		/* Only "name, name: /path"; not "diversion by x from: /path". */
		if (!colon || eol - colon < 3 || colon[1] != ' ' || colon[2] != '/')
			continue;
		for (p = line; p < colon; p += n + 2) {
			n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789+-.");
			if (!is_package_name(p, n) || (p + n != colon && strncmp(p + n, ", ", 2)))
				break;
		}
		if (p < colon)
			continue;
		for (p = line; p < colon; p += n + 2) {
			n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789+-.");
			if (starts_with(p, n, EXTRA_PKG))
				rank = 1;
			else if (starts_with(p, n, MODULES_PKG))
				rank = 3;
			else if (starts_with(p, n, "linux-image-"))
				rank = 2;
			else
				rank = 1;
			if (rank > best_rank) {
				best = p;
				best_n = n;
				best_rank = rank;
			}
		}
	}
	if (!best)
		return -ENOENT;
	/* Ubuntu splits a kernel's modules: vhci-hcd is in the -extra- half. */
	if (best_rank == 3) {
		best += strlen(MODULES_PKG);
		best_n -= strlen(MODULES_PKG);
		if (best_n + strlen(EXTRA_PKG) >= len)
			return -ENOBUFS;
		snprintf(buf, len, "%s%.*s", EXTRA_PKG, (int)best_n, best);
		return 0;
	}
	if (best_n >= len)
		return -ENOBUFS;
	snprintf(buf, len, "%.*s", (int)best_n, best);
	return 0;
}

/* Which package installed the running kernel's modules; does apt know the one to add? */
static void host_read_package(struct vhci_host *h)
{
	char out[4096], d1[128], d2[128];
	char *query[] = { "/usr/bin/dpkg-query", "-S", d1, d2, NULL };
	char *show[] = { "/usr/bin/apt-cache", "show", "--no-all-versions", h->package, NULL };
	int r;

	snprintf(d1, sizeof(d1), "/lib/modules/%s", h->release);
	snprintf(d2, sizeof(d2), "/usr/lib/modules/%s", h->release);
	r = run_quiet(query, out, sizeof(out));
	if (r < 0)
		return;
	/* Exit 1 when a path is nobody's: the other may still be someone's. */
	h->modules_owned = vhci_dpkg_owner_parse(out, h->package, sizeof(h->package)) == 0;
	if (!h->modules_owned) {
		h->package[0] = '\0';
		return;
	}
	r = run_quiet(show, out, sizeof(out));
	if (r >= 0)
		h->package_known = r == 0 && out[0];
}

int vhci_host_read(struct vhci_host *ret, unsigned int flags)
{
	struct vhci_host h = { .modules_disabled = -1,
			       .has_modules_dir = -1,
			       .modules_owned = -1,
			       .package_known = -1 };
	struct utsname u;
	char buf[4096], path[128];
	struct stat st;
	size_t i, len;

	if (!ret)
		return -EINVAL;

	if (uname(&u) == 0) {
		len = strnlen(u.release, sizeof(u.release));
		for (i = 0; i < len && is_release_char(u.release[i]); i++)
			;
		if (len > 0 && i == len && len < sizeof(h.release))
			memcpy(h.release, u.release, len + 1);
	}

	if (read_small("/etc/os-release", buf, sizeof(buf)) >= 0 ||
	    read_small("/usr/lib/os-release", buf, sizeof(buf)) >= 0)
		vhci_os_release_parse(buf, &h);

	if (read_small("/proc/sys/kernel/modules_disabled", buf, sizeof(buf)) >= 0) {
		if (!strcmp(buf, "0\n"))
			h.modules_disabled = 0;
		else if (!strcmp(buf, "1\n"))
			h.modules_disabled = 1;
	}

	if (h.release[0]) {
		snprintf(path, sizeof(path), "/lib/modules/%s", h.release);
		if (stat(path, &st) == 0)
			h.has_modules_dir = S_ISDIR(st.st_mode);
		else if (errno == ENOENT)
			h.has_modules_dir = 0;
	}
	if ((flags & VHCI_HOST_PACKAGE) && h.has_modules_dir == 1)
		host_read_package(&h);

	h.is_root = geteuid() == 0;
	*ret = h;
	return 0;
}

/* An snprintf that appends and remembers truncation. */
struct out {
	char *buf;
	size_t len;
	size_t pos;
	bool truncated;
	const char *err; /* strerror text of the error being explained */
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->truncated)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos) {
		o->truncated = true;
		return;
	}
	o->pos += (size_t)n;
}

/* What works without vhci_hcd. */
static void explain_without_vhci(struct out *o)
{
	put(o, "without vhci-hcd, 'vusb-attach --listen :3240 DEVICE' still serves devices over "
	       "USB/IP to a machine that has it, and 'make demo' in vusb's source tree shows "
	       "them in a VM (after 'sudo scripts/install-deps --test')");
}

static void explain_not_installed(struct out *o, const struct vhci_host *h)
{
	const char *rel = h->release[0] ? h->release : "$(uname -r)";

	if (h->has_modules_dir == 0) {
		/* The likely cause first: nothing installed this kernel here. */
		put(o,
		    "vhci-hcd cannot be loaded: there is no /lib/modules/%s, so the running "
		    "kernel came without modules (a container, or a custom kernel): load "
		    "vhci-hcd where the kernel runs (on a container's host: sudo modprobe "
		    "vhci-hcd) or build the kernel with CONFIG_USBIP_VHCI_HCD; ",
		    rel);
		explain_without_vhci(o);
		return;
	}
	put(o, "vhci-hcd is not installed for the running kernel %s", rel);
	if (h->modules_owned == 1 && h->package_known == 1) {
		put(o, ": it ships in %s (sudo apt install %s)", h->package, h->package);
		return;
	}
	if (h->modules_owned == 1 && h->package_known == 0)
		put(o,
		    ", and apt knows no package %s that would carry it (after sudo apt "
		    "update?); else the kernel needs CONFIG_USBIP_VHCI_HCD",
		    h->package);
	else if (h->modules_owned == 0)
		put(o, ", which no package installed (a custom kernel?): build it with "
		       "CONFIG_USBIP_VHCI_HCD=m and install its modules");
	else
		put(o, ": install your distribution's kernel modules for it (the kernel needs "
		       "CONFIG_USBIP_VHCI_HCD)");
	put(o, "; ");
	explain_without_vhci(o);
}

static void explain_module(struct out *o, int e, const struct vhci_host *h)
{
	if (e == ENOENT) {
		explain_not_installed(o, h);
		return;
	}
	if (e == ELIBACC || e == ELIBBAD) {
		put(o, "cannot load vhci-hcd: libkmod.so.2 is %s (%s): install the libkmod2 package, or run 'modprobe vhci-hcd'",
		    e == ELIBACC ? "missing" : "too old", vhci_kmod_error());
		return;
	}
	if (e != EPERM && e != EACCES) {
		put(o, "loading vhci-hcd failed: %s", o->err);
		return;
	}
	if (h->modules_disabled == 1)
		put(o, "cannot load vhci-hcd: module loading is disabled (kernel.modules_disabled=1) until the next boot");
	else if (!h->is_root)
		put(o, "loading vhci-hcd needs root (try sudo)");
	else
		put(o, "the kernel refused to load vhci-hcd although we are root (no CAP_SYS_MODULE in a container, or lockdown): run 'modprobe vhci-hcd' on the host");
}

static void explain_attach(struct out *o, int e)
{
	if (e == EBUSY)
		put(o, "all vhci_hcd ports for this speed are in use");
	else if (e == EACCES || e == EPERM)
		put(o, "attaching a device to vhci_hcd needs root (try sudo)");
	else if (e == ERANGE)
		put(o, "attaching to vhci_hcd failed: busnum and devnum must be below 256");
	else
		put(o, "attaching to vhci_hcd failed: %s", o->err);
}

static void explain_detach(struct out *o, int e)
{
	if (e == ETIMEDOUT)
		put(o, "the vhci_hcd port did not become free after detaching");
	else if (e == EACCES || e == EPERM)
		put(o, "detaching a device from vhci_hcd needs root (try sudo)");
	else if (e == ENODEV)
		put(o, "the vhci_hcd port was already free");
	else
		put(o, "detaching from vhci_hcd failed: %s", o->err);
}

int vhci_explain(int err, enum vhci_step step, const struct vhci_host *host,
		 char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = len };
	struct vhci_host local;
	int e = err < 0 ? -err : err;
	char ebuf[64];

	if (!buf || len == 0)
		return -EINVAL;
	buf[0] = '\0';
	/* GNU strerror_r: no hidden allocation for unknown numbers. */
	o.err = strerror_r(e, ebuf, sizeof(ebuf));
	if (!host) {
		vhci_host_read(&local, VHCI_HOST_PACKAGE);
		host = &local;
	}

	switch (step) {
	case VHCI_STEP_SETUP:
		put(&o, "cannot set up libudev/libkmod: %s", o.err);
		break;
	case VHCI_STEP_FIND:
		put(&o, "no vhci_hcd controller found and loading was not allowed: is vhci-hcd loaded? (sudo modprobe vhci-hcd)");
		break;
	case VHCI_STEP_MODULE:
		explain_module(&o, e, host);
		break;
	case VHCI_STEP_CONTROLLER:
		put(&o, "vhci-hcd is in the kernel but no vhci_hcd.0 controller appeared in sysfs (%s)",
		    o.err);
		break;
	case VHCI_STEP_SYSFS:
		if (e == EPROTONOSUPPORT)
			put(&o, "this kernel's vhci_hcd is too old: its status file has no hub column (Linux 4.15 or later needed)");
		else
			put(&o, "the vhci_hcd.0 sysfs files are not as expected: %s",
			    o.err);
		break;
	case VHCI_STEP_ATTACH:
		explain_attach(&o, e);
		break;
	case VHCI_STEP_DETACH:
		explain_detach(&o, e);
		break;
	case VHCI_STEP_NONE:
	default:
		put(&o, "vhci_hcd: %s", o.err);
		break;
	}

	if (o.truncated) {
		/* vsnprintf left a NUL-terminated prefix; keep it. */
		return -ENOBUFS;
	}
	return 0;
}
