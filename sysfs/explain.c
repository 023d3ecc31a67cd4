// SPDX-License-Identifier: MIT
/*
 * Turning a failed vhci_open() into one sentence that says what to do.
 * The sentence depends on the machine (distribution, running kernel, root,
 * kernel.modules_disabled), which vhci_host_read() gathers once so that
 * vhci_explain() itself stays pure and testable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sysfs/kmod.h"
#include "sysfs/vhci.h"

enum distro {
	DISTRO_OTHER,
	DISTRO_DEBIAN,
	DISTRO_UBUNTU,
};

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

int vhci_host_read(struct vhci_host *ret)
{
	struct vhci_host h = { .modules_disabled = -1, .has_modules_dir = -1 };
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

	h.is_root = geteuid() == 0;
	*ret = h;
	return 0;
}

static bool has_word(const char *list, const char *word)
{
	size_t wlen = strlen(word);
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, " ");

		if (n == wlen && !strncmp(p, word, n))
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

/* Ubuntu first: its derivatives say ID_LIKE="ubuntu debian". */
static enum distro distro_of(const struct vhci_host *h)
{
	if (!strcmp(h->os_id, "ubuntu") || has_word(h->os_id_like, "ubuntu"))
		return DISTRO_UBUNTU;
	if (!strcmp(h->os_id, "debian") || has_word(h->os_id_like, "debian"))
		return DISTRO_DEBIAN;
	return DISTRO_OTHER;
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

static void explain_not_installed(struct out *o, const struct vhci_host *h)
{
	const char *rel = h->release[0] ? h->release : "$(uname -r)";

	if (h->release[0])
		put(o, "vhci-hcd is not installed for the running kernel %s",
		    h->release);
	else
		put(o, "vhci-hcd is not installed for the running kernel");

	switch (distro_of(h)) {
	case DISTRO_UBUNTU:
		put(o, ": it ships in linux-modules-extra-%s (sudo apt install linux-modules-extra-%s)",
		    rel, rel);
		break;
	case DISTRO_DEBIAN:
		put(o, ": it ships in linux-image-%s (sudo apt install linux-image-%s)",
		    rel, rel);
		break;
	default:
		put(o, ": install your distribution's kernel modules for it (the kernel needs CONFIG_USBIP_VHCI_HCD)");
		break;
	}

	if (h->has_modules_dir == 0)
		put(o, "; there is no /lib/modules/%s at all (a container? then load vhci-hcd on the host)",
		    rel);
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
		vhci_host_read(&local);
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
