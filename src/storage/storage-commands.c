// SPDX-License-Identifier: MIT
/*
 * The storage model's commands: what `vusbctl list` and `info` say of the
 * medium, eject and insert (the removable medium changed by the user),
 * and the faults (medium-error, not-ready, write-protect). storage.c makes
 * the device and owns the image's life.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "src/base/json.h"
#include "src/base/num.h"
#include "src/storage/storage-private.h"

static const char *mode_name(const struct storage *s)
{
	if (s->cdrom)
		return "cdrom";
	if (s->io.snapshot)
		return "snapshot";
	return s->io.readonly ? "ro" : "rw";
}

static void put_size(struct strbuf *out, uint64_t size)
{
	static const char units[] = "KMGTP";
	unsigned int i = 0;

	while (i < 5 && size >= (1024ull << (10 * i)) && size % (1024ull << (10 * i)) == 0)
		i++;
	if (i == 0)
		strbuf_printf(out, "%llu bytes", (unsigned long long)size);
	else
		strbuf_printf(out, "%llu %ciB", (unsigned long long)(size >> (10 * i)),
			      units[i - 1]);
}

/* A path in one line of `vusbctl list`: no tabs, no newlines. */
static void put_path(struct strbuf *out, const char *path)
{
	const char *p;

	for (p = path; *p; p++)
		strbuf_printf(out, "%c", (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
}

/* "medium" and "image" (null without a medium) of `list --json` and `info --json`. */
void storage_describe_json(struct usb_device *dev, struct json *j)
{
	struct storage *s = storage_of(dev);
	static const char *const medium[] = {
		[SCSI_MEDIUM_NONE] = "none",
		[SCSI_MEDIUM_EJECTED] = "ejected",
		[SCSI_MEDIUM_PRESENT] = "present",
	};

	json_kv_str(j, "medium", medium[s->lun.state]);
	json_key(j, "image");
	if (s->lun.state == SCSI_MEDIUM_NONE) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_kv_str(j, "path", s->img.path);
	json_kv_str(j, "mode", mode_name(s));
	json_kv_uint(j, "size", s->img.size);
	json_kv_bool(j, "locked", s->lun.state == SCSI_MEDIUM_PRESENT && s->lun.prevent);
	json_object_end(j);
}

void storage_describe(struct usb_device *dev, struct strbuf *out)
{
	struct storage *s = storage_of(dev);

	switch (s->lun.state) {
	case SCSI_MEDIUM_NONE:
		strbuf_printf(out, "no medium");
		return;
	case SCSI_MEDIUM_EJECTED:
		strbuf_printf(out, "ejected by host: ");
		put_path(out, s->img.path);
		return;
	case SCSI_MEDIUM_PRESENT:
		put_path(out, s->img.path);
		strbuf_printf(out, " ");
		put_size(out, s->img.size);
		strbuf_printf(out, " %s%s", mode_name(s), s->lun.prevent ? " locked" : "");
		return;
	}
}

static int cmd_eject(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct storage *s = storage_of(dev);
	bool force = false;
	int r, flush_error;

	if (argc == 2) {
		if (strcmp(argv[1], "--force") != 0) {
			strbuf_printf(out, "usage: eject [--force]");
			return -EINVAL;
		}
		force = true;
	}
	if (s->lun.state == SCSI_MEDIUM_NONE) {
		strbuf_printf(out, "the drive is empty\n");
		return -ENOMEDIUM;
	}
	flush_error = s->lun.flush_error;
	r = scsi_medium_remove(&s->lun, force);
	if (r == -EBUSY) {
		strbuf_printf(out, "the host has locked the medium (mounted?): unmount it first, "
				   "or 'eject --force'\n");
		return r;
	}
	r = image_close(&s->img);
	/* A flush that failed earlier (SYNCHRONIZE CACHE) lost data too. */
	if (r == 0 && flush_error)
		r = flush_error;
	if (r < 0) {
		strbuf_printf(out, "ejected, but flushing the image failed: %s\n", strerror(-r));
		return r;
	}
	return 0;
}

/*
 * insert FILE: vusbctl opens FILE with the rights of whoever runs it and
 * sends the descriptor (fd), so that vusb-attach needs no rights of its
 * own on the user's files and may drop root. Typed on vusb-attach's
 * terminal (fd -1), FILE is opened here, with vusb-attach's rights.
 */
static int cmd_insert(struct usb_device *dev, int argc, char **argv, int fd, struct strbuf *out)
{
	struct storage *s = storage_of(dev);
	struct image img;
	int r;

	if (fd < 0 && argv[1][0] != '/') {
		/* Typed here, but meant for where vusb-attach was started? */
		strbuf_printf(out, "insert: '%s' is not an absolute path (try \"$(realpath %s)\")",
			      argv[1], argv[1]);
		return -EINVAL;
	}
	if (s->lun.state == SCSI_MEDIUM_PRESENT) {
		if (fd >= 0)
			close(fd);
		strbuf_printf(out, "there is a medium in the drive: eject it first\n");
		return -EBUSY;
	}
	/*
	 * What the host ejected is still held, with its lock: let go of it
	 * first, or inserting the same file again conflicts with ourselves.
	 */
	if (s->img.fd >= 0) {
		int flush_error = s->lun.flush_error;

		scsi_medium_remove(&s->lun, true);
		r = image_close(&s->img);
		if (r == 0 && flush_error)
			r = flush_error;
		if (r < 0)
			strbuf_printf(out, "note: flushing the image the host ejected failed: %s\n",
				      strerror(-r));
	}
	r = image_open_fd(&img, fd, argv[1], &s->io, out);
	if (r < 0) {
		strbuf_printf(out, "\n");
		return r;
	}
	s->img = img;
	storage_load(s, true);
	return 0;
}

/* info --json: the same as members of one object. */
static void info_json(struct usb_device *dev, struct strbuf *out)
{
	struct storage *s = storage_of(dev);
	struct json j;

	json_init(&j, out);
	json_object_begin(&j);
	storage_describe_json(dev, &j);
	json_kv_str(&j, "type", s->cdrom ? "cdrom" : "disk");
	json_kv_uint(&j, "block_size", s->lun.block_size);
	json_key(&j, "lock");
	if (s->img.fd < 0)
		json_null(&j);
	else
		json_str(&j, !s->img.locked ? "none" : s->img.writable ? "exclusive" : "shared");
	json_kv_bool(&j, "prevent_removal", s->lun.prevent);
	json_kv_bool(&j, "flush_failed", s->lun.flush_error);
	json_kv_uint(&j, "commands", s->msc.commands);
	json_kv_uint(&j, "phase_errors", s->msc.phase_errors);
	json_kv_uint(&j, "resets", s->msc.resets);
	json_object_end(&j);
	strbuf_printf(out, "\n");
}

static int cmd_info(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct storage *s = storage_of(dev);

	if (argc == 2 && strcmp(argv[1], "--json") == 0) {
		info_json(dev, out);
		return 0;
	}
	if (argc == 2) {
		strbuf_printf(out, "usage: info [--json]");
		return -EINVAL;
	}
	strbuf_printf(out, "medium: ");
	storage_describe(dev, out);
	strbuf_printf(out, "\ntype: %s, %u-byte blocks\n", s->cdrom ? "cdrom" : "disk",
		      s->lun.block_size);
	if (s->img.fd >= 0)
		strbuf_printf(out, "lock: %s\n",
			      !s->img.locked ? "none (the file system has no locks)" :
			      s->img.writable ? "exclusive" :
						"shared");
	strbuf_printf(out, "host: %s%s\n", s->lun.prevent ? "prevents removal" : "allows removal",
		      s->lun.flush_error ? ", a flush failed" : "");
	strbuf_printf(out, "commands: %llu, phase errors: %llu, resets: %llu\n",
		      (unsigned long long)s->msc.commands, (unsigned long long)s->msc.phase_errors,
		      (unsigned long long)s->msc.resets);
	return 0;
}

int storage_busy(struct usb_device *dev, struct strbuf *why)
{
	struct storage *s = storage_of(dev);

	if (s->lun.state != SCSI_MEDIUM_PRESENT || !s->lun.prevent)
		return 0;
	strbuf_printf(why, "the host has locked the medium");
	return -EBUSY;
}

/*
 * The storage faults (vusbctl NAME fault KIND ...): each also takes
 * "clear" (off) and "status" (one line when set, for `faults`).
 */
static int cmd_medium_error(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct scsi_lun *lun = &storage_of(dev)->lun;
	long long first, last;
	char *dash;
	uint8_t dirs;

	if (argc == 2 && strcmp(argv[1], "clear") == 0) {
		lun->bad_dirs = 0;
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "status") == 0) {
		if (lun->bad_dirs)
			strbuf_printf(out, "medium-error %llu-%llu %s\n",
				      (unsigned long long)lun->bad_first,
				      (unsigned long long)lun->bad_last,
				      lun->bad_dirs == (SCSI_BAD_READ | SCSI_BAD_WRITE) ? "both" :
				      lun->bad_dirs == SCSI_BAD_READ			? "read" :
											  "write");
		return 0;
	}
	if (argc != 3)
		goto usage;
	if (strcmp(argv[2], "read") == 0)
		dirs = SCSI_BAD_READ;
	else if (strcmp(argv[2], "write") == 0)
		dirs = SCSI_BAD_WRITE;
	else if (strcmp(argv[2], "both") == 0)
		dirs = SCSI_BAD_READ | SCSI_BAD_WRITE;
	else
		goto usage;
	dash = strchr(argv[1], '-');
	if (dash)
		*dash = '\0';
	if (num_parse(argv[1], 10, 0, INT64_MAX, &first) < 0 ||
	    (dash && num_parse(dash + 1, 10, 0, INT64_MAX, &last) < 0)) {
		if (dash)
			*dash = '-';
		goto usage;
	}
	if (dash)
		*dash = '-';
	else
		last = first;
	if (last < first) {
		strbuf_printf(out, "medium-error %s: the range ends before it starts", argv[1]);
		return -EINVAL;
	}
	lun->bad_first = (uint64_t)first;
	lun->bad_last = (uint64_t)last;
	lun->bad_dirs = dirs;
	return 0;
usage:
	strbuf_printf(out, "usage: medium-error LBA[-LBA] read|write|both, or clear");
	return -EINVAL;
}

static int on_off(const char *what, int argc, char **argv, bool *ret, struct strbuf *out)
{
	if (argc == 2 && (strcmp(argv[1], "on") == 0 || strcmp(argv[1], "off") == 0 ||
			  strcmp(argv[1], "clear") == 0)) {
		*ret = strcmp(argv[1], "on") == 0;
		return 0;
	}
	strbuf_printf(out, "usage: %s on|off", what);
	return -EINVAL;
}

static int cmd_not_ready(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct scsi_lun *lun = &storage_of(dev)->lun;

	if (argc == 2 && strcmp(argv[1], "status") == 0) {
		if (lun->not_ready)
			strbuf_printf(out, "not-ready on\n");
		return 0;
	}
	return on_off("not-ready", argc, argv, &lun->not_ready, out);
}

static int cmd_write_protect(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct storage *s = storage_of(dev);
	bool on;

	if (argc == 2 && strcmp(argv[1], "status") == 0) {
		if (s->wp_fault)
			strbuf_printf(out, "write-protect on\n");
		return 0;
	}
	if (on_off("write-protect", argc, argv, &on, out) < 0)
		return -EINVAL;
	s->wp_fault = on;
	/* An image opened read-only stays so; the host finds out at its
	 * next write (DATA PROTECT), as with a switch flipped on a card. */
	s->lun.medium.readonly = s->io.readonly || on;
	return 0;
}

const char *const storage_faults[] = { "medium-error", "not-ready", "write-protect", NULL };

const struct vusb_command storage_commands[] = {
	{ "eject", "[--force]", "take the medium out (--force: even if the host has it locked)", 0,
	  1, cmd_eject, NULL },
	{ "insert", "FILE", "put an image in the empty drive", 1, 1, NULL, cmd_insert },
	{ "info", "[--json]", "the medium, its lock, and command counters", 0, 1, cmd_info, NULL },
	{ "medium-error", "LBA[-LBA] read|write|both", "fault: those blocks fail with MEDIUM ERROR",
	  1, 2, cmd_medium_error, NULL },
	{ "not-ready", "on|off", "fault: medium access fails with NOT READY", 1, 1, cmd_not_ready,
	  NULL },
	{ "write-protect", "on|off", "fault: writes fail with DATA PROTECT", 1, 1,
	  cmd_write_protect, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
