// SPDX-License-Identifier: MIT
/*
 * What the kernel made of a USB device, from its uevents or from sysfs,
 * and the judge.
 *
 * sysfs is read with openat() below one directory fd and never through a
 * symbolic link (sysfs is full of them: driver, subsystem, device, port),
 * so the walk stays inside the device's own subtree and cannot loop. It
 * reads uevent and authorized files only: neither takes a device lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libudev.h>

#include "sysfs/kmod.h"
#include "sysfs/settle.h"

#define USB_CLASS_HID 0x03
#define USB_CLASS_MASS_STORAGE 0x08

/* Callers check lengths where truncation matters. */
static void copy(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- The table ---- */

/* A clean relative path: "" or "a/b", no "." or ".." parts, no "//". */
static bool rel_valid(const char *rel)
{
	const char *p;

	if (strlen(rel) >= SETTLE_REL_MAX)
		return false;
	if (!*rel)
		return true;
	for (p = rel; *p;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/' && !*++p)
			return false;
	}
	return true;
}

/* Is rel dir itself or below it? */
static bool rel_under(const char *rel, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 0)
		return true;
	return strncmp(rel, dir, n) == 0 && (rel[n] == '\0' || rel[n] == '/');
}

static struct settle_entry *find(struct settle_table *t, const char *rel)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->e[i].rel, rel) == 0)
			return &t->e[i];
	return NULL;
}

/*
 * A node name fit for the nodes line: printable, no blank (the line
 * separates nodes with spaces), nothing a script would split or choke on.
 */
static bool devname_ok(const char *s)
{
	if (!*s || strlen(s) >= SETTLE_NAME_MAX)
		return false;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

static void describe(struct settle_entry *e, const struct uevent *ev)
{
	const char *v;

	if (ev->devtype)
		copy(e->devtype, sizeof(e->devtype), ev->devtype);
	if (ev->devname && devname_ok(ev->devname))
		copy(e->devname, sizeof(e->devname), ev->devname);
	if (ev->modalias)
		copy(e->modalias, sizeof(e->modalias), ev->modalias);
	v = uevent_get(ev, "INTERFACE");
	if (v)
		copy(e->interface, sizeof(e->interface), v);
	if (uevent_get(ev, "HID_ID"))
		e->hid = true;
}

int settle_table_update(struct settle_table *t, const char *rel, const struct uevent *ev)
{
	struct settle_entry *e;
	unsigned int i, k;

	if (!rel_valid(rel))
		return -EINVAL;
	if (ev->action == UEVENT_REMOVE) {
		for (i = k = 0; i < t->n; i++)
			if (!rel_under(t->e[i].rel, rel))
				t->e[k++] = t->e[i];
		t->n = k;
		return 0;
	}
	if (ev->action == UEVENT_OTHER)
		return 0;
	e = find(t, rel);
	if (!e) {
		if (t->n >= SETTLE_MAX_ENTRIES) {
			t->overflow = true;
			return -ENOSPC;
		}
		e = &t->e[t->n++];
		memset(e, 0, sizeof(*e));
		copy(e->rel, sizeof(e->rel), rel);
	}
	describe(e, ev);
	if (ev->action == UEVENT_BIND)
		copy(e->driver, sizeof(e->driver), ev->driver ? ev->driver : "?");
	else if (ev->action == UEVENT_UNBIND)
		e->driver[0] = '\0';
	return 0;
}

/* ---- sysfs ---- */

/* Read a small file below dirfd; NUL-terminated. Length, or -errno. */
static ssize_t read_file(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

struct walk {
	struct settle_table *t;
	unsigned int dirs;
	char rel[512];
	size_t rel_len;
	char ubuf[UEVENT_MSG_MAX + 2];
};

/* dirfd's uevent file as an event; false when there is none or it is odd. */
static bool read_uevent(struct walk *w, int dirfd, struct uevent *ev)
{
	ssize_t n = read_file(dirfd, "uevent", w->ubuf, sizeof(w->ubuf));

	if (n <= 0 || uevent_parse_file(w->ubuf, (size_t)n, ev) < 0)
		return false;
	ev->action = UEVENT_ADD;
	return true;
}

static void visit(struct walk *w, int dirfd, unsigned int depth)
{
	struct settle_table *t = w->t;
	struct dirent *de;
	struct uevent ev;
	DIR *d;

	if (++w->dirs > SETTLE_MAX_DIRS || w->rel_len >= SETTLE_REL_MAX) {
		t->overflow = true;
		close(dirfd);
		return;
	}
	if (depth > 0 && read_uevent(w, dirfd, &ev)) {
		/* The file says DRIVER= already while the probe runs: the
		 * best sysfs can tell. */
		ev.action = ev.driver ? UEVENT_BIND : UEVENT_ADD;
		settle_table_update(t, w->rel, &ev);
	}
	if (depth >= SETTLE_MAX_DEPTH) {
		t->overflow = true;
		close(dirfd);
		return;
	}
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name), saved = w->rel_len;
		struct stat sb;
		int fd;

		if (de->d_name[0] == '.' || strcmp(de->d_name, "power") == 0)
			continue;
		if (de->d_type == DT_UNKNOWN) {
			if (fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISDIR(sb.st_mode))
				continue;
		} else if (de->d_type != DT_DIR) {
			continue;
		}
		if (w->rel_len + len + 2 > sizeof(w->rel)) {
			t->overflow = true;
			continue;
		}
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (w->rel_len)
			w->rel[w->rel_len++] = '/';
		memcpy(w->rel + w->rel_len, de->d_name, len + 1);
		w->rel_len += len;
		visit(w, fd, depth + 1);
		w->rel_len = saved;
		w->rel[saved] = '\0';
	}
	closedir(d);
}

int settle_scan(const char *syspath, struct settle_table *ret)
{
	struct settle_table *t;
	struct walk *w;
	struct uevent ev;
	int fd;

	t = calloc(1, sizeof(*t));
	w = calloc(1, sizeof(*w));
	if (!t || !w) {
		free(t);
		free(w);
		return -ENOMEM;
	}
	w->t = t;
	/* /sys/bus/usb/devices/1-1 is itself a link: follow that one. */
	fd = open(syspath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT && errno != ENOTDIR) {
		int r = -errno;

		free(t);
		free(w);
		return r;
	}
	if (fd >= 0 && read_uevent(w, fd, &ev) && ev.devtype &&
	    strcmp(ev.devtype, "usb_device") == 0) {
		ev.action = ev.driver ? UEVENT_BIND : UEVENT_ADD;
		settle_table_update(t, "", &ev);
		visit(w, fd, 0);
	} else if (fd >= 0) {
		close(fd);
	}
	*ret = *t;
	free(t);
	free(w);
	return 0;
}

/* ---- The state ---- */

/* "3/1/2" into class, subclass, protocol. */
static void parse_interface(const char *s, struct settle_iface *f)
{
	unsigned int c, sc, p;
	char extra;

	if (sscanf(s, "%u/%u/%u%c", &c, &sc, &p, &extra) == 3 && c < 256 && sc < 256 && p < 256) {
		f->cls = (int)c;
		f->subclass = (int)sc;
		f->protocol = (int)p;
	}
}

static int node_cmp(const void *a, const void *b)
{
	return strverscmp(((const struct settle_node *)a)->devname,
			  ((const struct settle_node *)b)->devname);
}

/* The interface rel is in: its first path part. */
static struct settle_iface *iface_of(struct settle_state *st, const char *rel)
{
	size_t n = strcspn(rel, "/");
	unsigned int i;

	for (i = 0; i < st->niface; i++)
		if (strlen(st->iface[i].name) == n && strncmp(st->iface[i].name, rel, n) == 0)
			return &st->iface[i];
	return NULL;
}

void settle_build(const struct settle_table *t, struct settle_state *ret)
{
	struct settle_state *st = ret;
	unsigned int i, k;

	memset(st, 0, sizeof(*st));
	st->authorized = true;
	st->overflow = t->overflow;
	for (i = 0; i < t->n; i++) {
		const struct settle_entry *e = &t->e[i];
		struct settle_iface *f;

		if (!e->rel[0]) {
			st->present = strcmp(e->devtype, "usb_device") == 0;
			copy(st->driver, sizeof(st->driver), e->driver);
			continue;
		}
		if (strchr(e->rel, '/') || strcmp(e->devtype, "usb_interface") != 0)
			continue;
		if (st->niface >= SETTLE_MAX_IFACES) {
			st->overflow = true;
			continue;
		}
		f = &st->iface[st->niface++];
		copy(f->name, sizeof(f->name), e->rel);
		f->cls = f->subclass = f->protocol = -1;
		parse_interface(e->interface, f);
		copy(f->driver, sizeof(f->driver), e->driver);
		copy(f->modalias, sizeof(f->modalias), e->modalias);
		f->authorized = true;
	}
	for (i = 0; i < t->n; i++) {
		const struct settle_entry *e = &t->e[i];
		struct settle_iface *f = iface_of(st, e->rel);

		if (!e->rel[0])
			continue;
		if (e->devname[0]) {
			if (st->nnodes < SETTLE_MAX_NODES) {
				copy(st->node[st->nnodes].devname, SETTLE_NAME_MAX, e->devname);
				copy(st->node[st->nnodes].rel, SETTLE_REL_MAX, e->rel);
				st->nnodes++;
			} else {
				st->nodes_truncated = true;
			}
		}
		if (!f || !strchr(e->rel, '/'))
			continue;
		if (e->hid) {
			f->hid++;
			f->hid_bound += e->driver[0] != '\0';
		} else if (strcmp(e->devtype, "scsi_device") == 0) {
			f->scsi++;
			f->scsi_bound += e->driver[0] != '\0';
		} else if (strncmp(e->modalias, "input:", 6) == 0) {
			f->inputs++;
			for (k = 0; k < t->n; k++) {
				const struct settle_entry *c = &t->e[k];

				if (c != e && rel_under(c->rel, e->rel) &&
				    strncmp(c->devname, "input/event", 11) == 0) {
					f->inputs_evdev++;
					break;
				}
			}
		}
	}
	qsort(st->node, st->nnodes, sizeof(st->node[0]), node_cmp);
}

/* "0" or "1" in a file; -1 when unreadable. */
static int read_flag(int dirfd, const char *name)
{
	char buf[8];

	if (read_file(dirfd, name, buf, sizeof(buf)) <= 0)
		return -1;
	return buf[0] == '0' ? 0 : 1;
}

void settle_read_authorized(const char *syspath, struct settle_state *st)
{
	char name[SETTLE_NAME_MAX + 16];
	unsigned int i;
	int fd;

	fd = open(syspath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	st->authorized = read_flag(fd, "authorized") != 0;
	for (i = 0; i < st->niface; i++) {
		snprintf(name, sizeof(name), "%s/authorized", st->iface[i].name);
		st->iface[i].authorized = read_flag(fd, name) != 0;
	}
	close(fd);
}

const char *settle_class_name(int cls, char buf[16])
{
	switch (cls) {
	case 0x01:
		return "audio";
	case 0x02:
		return "communications";
	case USB_CLASS_HID:
		return "HID";
	case 0x07:
		return "printer";
	case USB_CLASS_MASS_STORAGE:
		return "mass storage";
	case 0x0a:
		return "CDC data";
	case 0x0b:
		return "smart card";
	case 0x0e:
		return "video";
	case 0xe0:
		return "wireless";
	case 0xfe:
		return "application specific";
	case 0xff:
		return "vendor specific";
	default:
		snprintf(buf, 16, "class 0x%02x", cls & 0xff);
		return buf;
	}
}

/* The context, opened now if it was not (NULL if it cannot be). */
static struct kmod_ctx *need_kmod(struct kmod_ctx **kmod)
{
	if (!*kmod && vhci_kmod_new(kmod) < 0)
		*kmod = NULL;
	return *kmod;
}

void settle_expect(struct settle_state *st, struct kmod_ctx **kmod)
{
	struct kmod_ctx *k;
	unsigned int i;

	for (i = 0; i < st->niface; i++) {
		struct settle_iface *f = &st->iface[i];

		f->expect_driver = f->cls == USB_CLASS_HID || f->cls == USB_CLASS_MASS_STORAGE;
		if (!f->expect_driver && kmod && f->modalias[0] && (k = need_kmod(kmod)))
			f->expect_driver = vhci_kmod_have_driver(k, f->modalias);
	}
	/* Loaded (the usual case, asked of sysfs), or builtin or installed. */
	st->expect_evdev = kmod && (access("/sys/module/evdev", F_OK) == 0 ||
				    ((k = need_kmod(kmod)) && vhci_kmod_have_module(k, "evdev")));
}

static int not_yet(struct strbuf *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int not_yet(struct strbuf *why, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (why) {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		strbuf_printf(why, "%s", buf);
	}
	return 0;
}

int settle_judge(const struct settle_state *st, struct strbuf *why)
{
	unsigned int i;

	if (!st->present)
		return not_yet(why, "the kernel has not enumerated it yet");
	if (!st->authorized)
		return not_yet(why, "it is not authorized (authorized_default of its hub is 0?)");
	if (!st->driver[0])
		return not_yet(why, "the kernel has not configured it yet");
	if (st->overflow)
		return not_yet(why, "it has more below it than vusb follows (%d devices, %d levels)",
			       SETTLE_MAX_ENTRIES, SETTLE_MAX_DEPTH);
	for (i = 0; i < st->niface; i++) {
		const struct settle_iface *f = &st->iface[i];
		char cbuf[16];
		const char *cname = settle_class_name(f->cls, cbuf);

		if (!f->authorized)
			return not_yet(why, "interface %s (%s) is not authorized (interface_authorized_default of its hub is 0?)",
				       f->name, cname);
		if (!f->driver[0]) {
			if (f->expect_driver)
				return not_yet(why, "interface %s (%s) has no driver yet", f->name,
					       cname);
			continue;
		}
		if (strcmp(f->driver, "usbhid") == 0) {
			if (f->hid == 0)
				return not_yet(why, "no HID device under interface %s yet", f->name);
			if (f->hid_bound < f->hid)
				return not_yet(why, "the HID device under interface %s has no driver yet (hid-generic?)",
					       f->name);
			if (st->expect_evdev && f->inputs_evdev < f->inputs)
				return not_yet(why, "the input device under interface %s has no event node yet (evdev?)",
					       f->name);
		}
		if (strcmp(f->driver, "usb-storage") == 0 || strcmp(f->driver, "uas") == 0) {
			if (f->scsi == 0)
				return not_yet(why, "no SCSI device under interface %s yet (usb-storage scans after its delay_use)",
					       f->name);
			if (f->scsi_bound < f->scsi)
				return not_yet(why, "a SCSI device under interface %s has no driver yet (sd_mod?)",
					       f->name);
		}
	}
	return 1;
}

void settle_format_nodes(const struct settle_state *st, struct strbuf *out)
{
	unsigned int i;

	for (i = 0; i < st->nnodes; i++)
		strbuf_printf(out, "%s/dev/%s", i ? " " : "", st->node[i].devname);
}

bool settle_udev_running(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "/run/udev/control" };
	int fd, r;

	/* A udevd that was killed leaves its socket file behind: waiting
	 * for it would be forever. Someone must be listening there (under
	 * systemd, a connection starts udevd if it is not running). */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return r == 0 || errno == EAGAIN;
}

static struct udev_device *node_device(struct udev *udev, const char *syspath,
				       const struct settle_node *n)
{
	char path[1024];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", syspath, n->rel) >= sizeof(path))
		return NULL;
	return udev_device_new_from_syspath(udev, path);
}

int settle_udev_done(const struct settle_state *st, const char *syspath, struct udev *udev,
		     struct strbuf *why)
{
	unsigned int i;

	if (!udev)
		return 1;
	for (i = 0; i < st->nnodes; i++) {
		struct udev_device *d = node_device(udev, syspath, &st->node[i]);
		int done = d && udev_device_get_is_initialized(d) > 0;

		udev_device_unref(d);
		if (!done)
			return not_yet(why, "udevd has not processed /dev/%s yet",
				       st->node[i].devname);
	}
	return 1;
}

void settle_udev_describe(const struct settle_state *st, const char *syspath,
			  struct udev *udev, struct strbuf *out)
{
	unsigned int i;

	if (!udev)
		return;
	for (i = 0; i < st->nnodes; i++) {
		struct udev_device *d = node_device(udev, syspath, &st->node[i]);
		struct udev_list_entry *e;

		if (!d)
			continue;
		strbuf_printf(out, "/dev/%s:", st->node[i].devname);
		udev_list_entry_foreach(e, udev_device_get_devlinks_list_entry(d))
			strbuf_printf(out, " %s", udev_list_entry_get_name(e));
		udev_list_entry_foreach(e, udev_device_get_properties_list_entry(d))
		{
			const char *k = udev_list_entry_get_name(e);

			if (strncmp(k, "ID_", 3) == 0)
				strbuf_printf(out, " %s=%s", k, udev_list_entry_get_value(e));
		}
		strbuf_printf(out, "\n");
		udev_device_unref(d);
	}
}
