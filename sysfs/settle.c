// SPDX-License-Identifier: MIT
/*
 * Reading what the kernel made of a USB device, and judging it.
 *
 * Everything is read with openat() below one directory fd and never
 * through a symbolic link (sysfs is full of them: driver, subsystem,
 * device, port, ...), so the walk stays inside the device's own subtree
 * and cannot loop.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libkmod.h>
#include <libudev.h>

#include "sysfs/settle.h"
#include "sysfs/uevent.h"

#define USB_CLASS_HID 0x03
#define USB_CLASS_MASS_STORAGE 0x08

/* Read a small attribute below dirfd; NUL-terminated, without the
 * trailing newline. Length, or -errno. */
static ssize_t read_attr(int dirfd, const char *name, char *buf, size_t size)
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
	if (n < 0)
		return n;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n;
}

/* A small unsigned decimal attribute (" 1", "2"); -1 when absent or odd. */
static long read_uint_attr(int dirfd, const char *name)
{
	char buf[32], *p, *end;
	long v;

	if (read_attr(dirfd, name, buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; *p == ' '; p++)
		;
	if (*p < '0' || *p > '9')
		return -1;
	v = strtol(p, &end, 10);
	if (*end || v < 0 || v > 65535)
		return -1;
	return v;
}

/* Callers check lengths where truncation matters. */
static void copy(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

struct walk {
	struct settle_state *st;
	unsigned int dirs;
	char rel[512]; /* path of the current directory below the device */
	size_t rel_len;
	char ubuf[UEVENT_MSG_MAX + 1];
};

/* "3/1/2" into class, subclass, protocol. */
static void parse_interface(const char *s, struct settle_iface *f)
{
	unsigned int c, sc, p;
	char extra;

	if (s && sscanf(s, "%u/%u/%u%c", &c, &sc, &p, &extra) == 3 && c < 256 && sc < 256 &&
	    p < 256) {
		f->cls = (int)c;
		f->subclass = (int)sc;
		f->protocol = (int)p;
	}
}

static void add_node(struct walk *w, const char *devname)
{
	struct settle_state *st = w->st;
	struct settle_node *n;

	if (st->nnodes >= SETTLE_MAX_NODES || strlen(devname) >= SETTLE_NAME_MAX ||
	    w->rel_len >= sizeof(n->rel)) {
		st->nodes_truncated = true;
		return;
	}
	n = &st->node[st->nnodes++];
	copy(n->devname, sizeof(n->devname), devname);
	copy(n->rel, sizeof(n->rel), w->rel);
}

/*
 * Visit the directory dirfd (named name, at depth below the device) and
 * everything below it. iface: index of the interface it is in, or -1.
 * Returns true when the directory is an evdev node, which tells an input
 * device above it that it has one.
 */
static bool visit(struct walk *w, int dirfd, const char *name, unsigned int depth, int iface)
{
	struct settle_state *st = w->st;
	struct settle_iface *f = iface >= 0 ? &st->iface[iface] : NULL;
	struct uevent ev;
	bool is_input = false, has_evdev = false, is_evdev = false;
	ssize_t n;
	DIR *d;
	struct dirent *de;

	if (++w->dirs > SETTLE_MAX_DIRS) {
		st->overflow = true;
		close(dirfd);
		return false;
	}
	n = read_attr(dirfd, "uevent", w->ubuf, sizeof(w->ubuf));
	/* read_attr() dropped the last newline that the parser wants. */
	if (n >= 0 && (size_t)n + 1 < sizeof(w->ubuf)) {
		w->ubuf[n] = '\n';
		if (n == 0 || uevent_parse_file(w->ubuf, (size_t)n + 1, &ev) < 0)
			memset(&ev, 0, sizeof(ev));
	} else {
		memset(&ev, 0, sizeof(ev));
	}

	if (depth == 1 && ev.devtype && strcmp(ev.devtype, "usb_interface") == 0 &&
	    st->niface < SETTLE_MAX_IFACES) {
		long a = read_uint_attr(dirfd, "authorized");

		iface = (int)st->niface++;
		f = &st->iface[iface];
		memset(f, 0, sizeof(*f));
		copy(f->name, sizeof(f->name), name);
		f->cls = f->subclass = f->protocol = -1;
		parse_interface(uevent_get(&ev, "INTERFACE"), f);
		copy(f->driver, sizeof(f->driver), ev.driver);
		copy(f->modalias, sizeof(f->modalias), ev.modalias);
		f->authorized = a != 0;
	} else if (f && uevent_get(&ev, "HID_ID")) {
		f->hid++;
		if (ev.driver)
			f->hid_bound++;
	} else if (f && ev.modalias && strncmp(ev.modalias, "input:", 6) == 0) {
		is_input = true;
		f->inputs++;
	} else if (f && ev.devtype && strcmp(ev.devtype, "scsi_device") == 0) {
		f->scsi++;
		if (ev.driver)
			f->scsi_bound++;
	}
	if (depth > 0 && ev.devname) {
		add_node(w, ev.devname);
		is_evdev = strncmp(ev.devname, "input/event", 11) == 0;
	}

	if (depth >= SETTLE_MAX_DEPTH) {
		st->overflow = true;
		close(dirfd);
		return is_evdev;
	}
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return is_evdev;
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
			st->overflow = true;
			continue;
		}
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (w->rel_len)
			w->rel[w->rel_len++] = '/';
		memcpy(w->rel + w->rel_len, de->d_name, len + 1);
		w->rel_len += len;
		if (visit(w, fd, de->d_name, depth + 1, iface))
			has_evdev = true;
		w->rel_len = saved;
		w->rel[saved] = '\0';
	}
	closedir(d);
	if (is_input && has_evdev)
		f->inputs_evdev++;
	return is_evdev;
}

static int node_cmp(const void *a, const void *b)
{
	return strverscmp(((const struct settle_node *)a)->devname,
			  ((const struct settle_node *)b)->devname);
}

int settle_scan(const char *syspath, struct settle_state *ret)
{
	struct settle_state *st;
	struct walk *w;
	struct uevent ev;
	ssize_t n;
	long v;
	int fd;

	st = calloc(1, sizeof(*st));
	w = calloc(1, sizeof(*w));
	if (!st || !w) {
		free(st);
		free(w);
		return -ENOMEM;
	}
	w->st = st;
	/* /sys/bus/usb/devices/1-1 is itself a link: follow that one. */
	fd = open(syspath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		free(w);
		if (r != -ENOENT && r != -ENOTDIR) {
			free(st);
			return r;
		}
		*ret = *st;
		free(st);
		return 0;
	}
	n = read_attr(fd, "uevent", w->ubuf, sizeof(w->ubuf));
	if (n > 0 && (size_t)n + 1 < sizeof(w->ubuf)) {
		w->ubuf[n] = '\n';
		if (uevent_parse_file(w->ubuf, (size_t)n + 1, &ev) == 0 && ev.devtype &&
		    strcmp(ev.devtype, "usb_device") == 0) {
			st->present = true;
			copy(st->driver, sizeof(st->driver), ev.driver);
		}
	}
	if (!st->present) {
		close(fd);
		free(w);
		*ret = *st;
		free(st);
		return 0;
	}
	v = read_uint_attr(fd, "authorized");
	st->authorized = v != 0;
	v = read_uint_attr(fd, "bConfigurationValue");
	st->config = v > 0 ? (unsigned int)v : 0;
	v = read_uint_attr(fd, "bNumInterfaces");
	st->num_ifaces = v > 0 ? (unsigned int)v : 0;
	visit(w, fd, "", 0, -1);
	qsort(st->node, st->nnodes, sizeof(st->node[0]), node_cmp);
	free(w);
	*ret = *st;
	free(st);
	return 0;
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

/* Builtin, loaded, or installed for the running kernel. */
static bool module_present(struct kmod_module *mod)
{
	int state = kmod_module_get_initstate(mod);

	return state == KMOD_MODULE_BUILTIN || state == KMOD_MODULE_LIVE ||
	       kmod_module_get_path(mod) != NULL;
}

static bool module_named(struct kmod_ctx *kmod, const char *name)
{
	struct kmod_module *mod;
	bool found;

	if (kmod_module_new_from_name(kmod, name, &mod) < 0)
		return false;
	found = module_present(mod);
	kmod_module_unref(mod);
	return found;
}

/* Would udev load a driver for this modalias? */
static bool module_for_alias(struct kmod_ctx *kmod, const char *alias)
{
	struct kmod_list *list = NULL, *filtered = NULL, *l;
	bool found = false;

	if (kmod_module_new_from_lookup(kmod, alias, &list) < 0 || !list)
		return false;
	/* Blacklisted modules are not loaded by udev (or mdev) either. */
	if (kmod_module_apply_filter(kmod, KMOD_FILTER_BLACKLIST, list, &filtered) < 0)
		filtered = NULL;
	kmod_list_foreach(l, filtered)
	{
		struct kmod_module *mod = kmod_module_get_module(l);

		if (module_present(mod))
			found = true;
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(filtered);
	kmod_module_unref_list(list);
	return found;
}

void settle_expect(struct settle_state *st, struct kmod_ctx *kmod)
{
	unsigned int i;

	for (i = 0; i < st->niface; i++) {
		struct settle_iface *f = &st->iface[i];

		f->expect_driver = f->cls == USB_CLASS_HID || f->cls == USB_CLASS_MASS_STORAGE ||
				   (kmod && f->modalias[0] &&
				    module_for_alias(kmod, f->modalias));
	}
	st->expect_evdev = kmod && module_named(kmod, "evdev");
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
		return not_yet(why, "no driver is bound to the USB device yet");
	if (!st->config)
		return not_yet(why, "it is not configured yet");
	if (st->overflow)
		return not_yet(why, "its sysfs tree is bigger than %d directories", SETTLE_MAX_DIRS);
	if (st->niface < st->num_ifaces)
		return not_yet(why, "%u of its %u interfaces exist so far", st->niface,
			       st->num_ifaces);
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
	return access("/run/udev/control", F_OK) == 0;
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
