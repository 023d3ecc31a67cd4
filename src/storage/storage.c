// SPDX-License-Identifier: MIT
/*
 * The storage model: descriptors for full, high and SuperSpeed, the device
 * made from its options, and the image behind the SCSI unit, from open to
 * close. The commands that change it are in storage-commands.c.
 *
 * The image is reached at the offsets the host asks for: large READs and
 * WRITEs by splice between the image and the connection's socket (the
 * transport's pipe in between holds page references, not copies; see
 * image_file and src/usbip/conn.c), the rest with pread/pwrite straight into
 * and out of the URB buffers, as are a snapshot's writes (copy on write
 * into the overlay) and any file that cannot splice. Writes go to the
 * page cache;
 * the caching mode page says so (WCE), so the host sends SYNCHRONIZE
 * CACHE when it needs data durable, and that is answered only after
 * fdatasync. Detaching, SIGTERM and eject flush too.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/base/bytes.h"
#include "src/storage/image.h"
#include "src/storage/msc.h"
#include "src/storage/scsi.h"
#include "src/storage/storage-private.h"

/* ---- descriptors ---- */

#define EP_IN 0x81
#define EP_OUT 0x02

static const uint8_t device_desc[] = {
	USB_DT_DEVICE_SIZE, USB_DT_DEVICE, U16_LE(0x0200) /* bcdUSB, patched */,
	USB_CLASS_PER_INTERFACE, 0, 0, 64 /* bMaxPacketSize0, patched */,
	U16_LE(STORAGE_VID), U16_LE(STORAGE_PID), U16_LE(0x0100) /* bcdDevice */,
	1 /* iManufacturer */, 2 /* iProduct */, 3 /* iSerialNumber */, 1 /* configurations */,
};
static_assert(sizeof(device_desc) == USB_DT_DEVICE_SIZE, "device descriptor");

#define DEV_BCDUSB 2
#define DEV_MAXPACKET0 7
#define DEV_VENDOR 8
#define DEV_PRODUCT 10

#define CONFIG_SIZE (USB_DT_CONFIG_SIZE + USB_DT_INTERFACE_SIZE + 2 * USB_DT_ENDPOINT_SIZE)
#define CONFIG_SS_SIZE (CONFIG_SIZE + 2 * USB_DT_SS_EP_COMP_SIZE)

#define CONFIG_HEADER(total, power)                                                   \
	USB_DT_CONFIG_SIZE, USB_DT_CONFIG, U16_LE(total), 1 /* interfaces */,          \
		1 /* bConfigurationValue */, 0, USB_CONFIG_ATT_ONE, (power),            \
		USB_DT_INTERFACE_SIZE, USB_DT_INTERFACE, 0, 0, 2 /* endpoints */,       \
		USB_CLASS_MASS_STORAGE, MSC_SUBCLASS_SCSI, MSC_PROTOCOL_BOT, 0

#define BULK_EP(addr, size) \
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, (addr), USB_ENDPOINT_XFER_BULK, U16_LE(size), 0

/* bMaxBurst 15: sixteen 1024-byte packets per burst; no streams. */
#define SS_COMPANION USB_DT_SS_EP_COMP_SIZE, USB_DT_SS_ENDPOINT_COMP, 15, 0, U16_LE(0)

static const uint8_t config_fs[] = {
	CONFIG_HEADER(CONFIG_SIZE, 100 /* 200 mA */),
	BULK_EP(EP_IN, 64),
	BULK_EP(EP_OUT, 64),
};
static_assert(sizeof(config_fs) == CONFIG_SIZE, "full-speed configuration");

static const uint8_t config_hs[] = {
	CONFIG_HEADER(CONFIG_SIZE, 100 /* 200 mA */),
	BULK_EP(EP_IN, 512),
	BULK_EP(EP_OUT, 512),
};
static_assert(sizeof(config_hs) == CONFIG_SIZE, "high-speed configuration");

static const uint8_t config_ss[] = {
	CONFIG_HEADER(CONFIG_SS_SIZE, 25 /* 8 mA units: 200 mA */),
	BULK_EP(EP_IN, 1024),
	SS_COMPANION,
	BULK_EP(EP_OUT, 1024),
	SS_COMPANION,
};
static_assert(sizeof(config_ss) == CONFIG_SS_SIZE, "SuperSpeed configuration");

#define BOS_SIZE (USB_DT_BOS_SIZE + USB_DT_USB_EXT_CAP_SIZE + USB_DT_SS_CAP_SIZE)

/* USB 3.2 9.6.2: a SuperSpeed device has a USB 2.0 extension (LPM set)
 * and a SuperSpeed capability. */
static const uint8_t bos_ss[] = {
	USB_DT_BOS_SIZE, USB_DT_BOS, U16_LE(BOS_SIZE), 2 /* capabilities */,
	USB_DT_USB_EXT_CAP_SIZE, USB_DT_DEVICE_CAPABILITY, USB_CAP_TYPE_EXT,
	0x02, 0, 0, 0 /* bmAttributes: LPM */,
	USB_DT_SS_CAP_SIZE, USB_DT_DEVICE_CAPABILITY, USB_SS_CAP_TYPE,
	0 /* no LTM */, U16_LE(0x000e) /* full, high, super */, 1 /* full works */,
	10 /* bU1DevExitLat, us */, U16_LE(2047) /* wU2DevExitLat, us */,
};
static_assert(sizeof(bos_ss) == BOS_SIZE, "BOS");

/* A high-speed device also works at full speed. */
static const uint8_t qualifier_desc[] = {
	USB_DT_QUALIFIER_SIZE, USB_DT_DEVICE_QUALIFIER, U16_LE(0x0200),
	USB_CLASS_PER_INTERFACE, 0, 0, 64 /* bMaxPacketSize0 */, 1 /* configurations */, 0,
};
static_assert(sizeof(qualifier_desc) == USB_DT_QUALIFIER_SIZE, "device qualifier");

/* ---- the device ---- */

/* Put the open image into the drive. */
void storage_load(struct storage *s, bool unit_attention)
{
	struct scsi_medium m = {
		.ops = &image_ops,
		.ctx = &s->img,
		.nblocks = s->img.size / s->lun.block_size,
		.readonly = s->io.readonly || s->wp_fault,
	};

	scsi_medium_insert(&s->lun, &m);
	if (!unit_attention) {
		/* There from power-on: not a change the host must hear of. */
		s->lun.unit_attention = false;
		s->lun.media_event = SCSI_MEDIA_EVENT_NONE;
	}
}

/*
 * Mass storage wants a serial number of at least 12 hexadecimal digits
 * (BOT 4.1.1) that is unique per device: a hash of the device's name,
 * which is unique on the machine, and stable across runs.
 */
static void default_serial(const struct vusb_dev_opts *opts, char *out, size_t len)
{
	char name[64];
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	const char *p;

	if (opts->name)
		snprintf(name, sizeof(name), "%s", opts->name);
	else
		snprintf(name, sizeof(name), "storage%u", opts->instance);
	for (p = name; *p; p++) {
		h ^= (uint8_t)*p;
		h *= 0x100000001b3ull;
	}
	snprintf(out, len, "%016llX", (unsigned long long)h);
}

static int setup_speed(struct storage *s, const struct vusb_dev_opts *opts, bool superspeed,
		       struct strbuf *err)
{
	struct usb_device *dev = &s->usb;
	enum usb_speed speed = opts->speed;

	if (superspeed) {
		if (speed != USB_SPEED_UNKNOWN && speed != USB_SPEED_SUPER) {
			strbuf_printf(err, "--superspeed and --speed (%s) contradict each other",
				      usb_speed_name(speed));
			return -EINVAL;
		}
		speed = USB_SPEED_SUPER;
	}
	switch (speed) {
	case USB_SPEED_UNKNOWN:
	case USB_SPEED_HIGH:
		speed = USB_SPEED_HIGH;
		dev->config = config_hs;
		dev->qualifier = qualifier_desc;
		break;
	case USB_SPEED_FULL:
		dev->config = config_fs;
		break;
	case USB_SPEED_SUPER:
		put_le16(dev->desc + DEV_BCDUSB, 0x0320);
		dev->desc[DEV_MAXPACKET0] = 9; /* 2^9 = 512 bytes */
		dev->config = config_ss;
		dev->bos = bos_ss;
		break;
	default:
		strbuf_printf(err, "a storage device cannot be %s: use --speed full or high, or "
				   "--superspeed", usb_speed_name(speed));
		return -EINVAL;
	}
	dev->speed = speed;
	return 0;
}

static int check_vendor(const char *v, struct strbuf *err)
{
	size_t i, n = strlen(v);

	for (i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			break;
	if (n == 0 || n > 8 || i < n) {
		strbuf_printf(err, "--vendor must be 1 to 8 printable ASCII characters (a SCSI "
				   "vendor identification)");
		return -EINVAL;
	}
	return 0;
}

static int storage_create(struct usb_device **ret, const struct vusb_dev_opts *opts,
			  struct strbuf *err)
{
	const char *create = vusb_dev_opt(opts, "--create");
	const char *vendor = vusb_dev_opt(opts, "--vendor");
	bool superspeed = vusb_dev_opt(opts, "--superspeed") != NULL;
	struct storage *s;
	uint64_t size = 0;
	char serial[64];
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	image_init(&s->img);
	s->cdrom = vusb_dev_opt(opts, "--cdrom") != NULL;
	s->io.readonly = s->cdrom || vusb_dev_opt(opts, "--ro");
	s->io.snapshot = vusb_dev_opt(opts, "--snapshot") != NULL;
	s->io.block_size = s->cdrom ? 2048 : 512;

	r = -EINVAL;
	if (create && s->cdrom) {
		strbuf_printf(err, "--create makes a disk image; a CD image comes from an ISO 9660 "
				   "tool (genisoimage, xorriso)");
		goto fail;
	}
	if (create && !opts->positional) {
		strbuf_printf(err, "--create needs the IMAGE to create");
		goto fail;
	}
	if (create && (storage_parse_size(create, &size) < 0 || size % 512)) {
		strbuf_printf(err, "invalid --create size '%s': a multiple of 512 bytes such as "
				   "64M, 4G or 1T", create);
		goto fail;
	}
	if (vendor && check_vendor(vendor, err) < 0)
		goto fail;

	usb_device_init(&s->usb);
	memcpy(s->usb.desc, device_desc, sizeof(device_desc));
	r = setup_speed(s, opts, superspeed, err);
	if (r < 0)
		goto fail;
	r = vusb_dev_set_id("vendor id", opts->vid, STORAGE_VID, s->usb.desc + DEV_VENDOR, err);
	if (r < 0)
		goto fail;
	r = vusb_dev_set_id("product id", opts->pid, STORAGE_PID, s->usb.desc + DEV_PRODUCT, err);
	if (r < 0)
		goto fail;
	default_serial(opts, serial, sizeof(serial));
	r = vusb_dev_set_string("manufacturer",
		       opts->manufacturer ? opts->manufacturer : vendor ? vendor : "vusb",
		       s->manufacturer, err);
	if (r == 0)
		r = vusb_dev_set_string("product",
			       opts->product ? opts->product :
			       s->cdrom      ? "Virtual CD-ROM" :
					       "Virtual Disk",
			       s->product, err);
	if (r == 0)
		r = vusb_dev_set_string("serial", opts->serial ? opts->serial : serial, s->serial, err);
	if (r < 0)
		goto fail;
	s->usb.strings[1] = s->manufacturer;
	s->usb.strings[2] = s->product;
	s->usb.strings[3] = s->serial;

	scsi_lun_init(&s->lun, s->cdrom ? SCSI_TYPE_CDROM : SCSI_TYPE_DISK);
	scsi_lun_set_ident(&s->lun, vendor ? vendor : "vusb", s->product, NULL, s->serial);

	r = msc_attach(&s->msc, &s->lun, &s->usb, 0);
	if (r == 0)
		r = usb_device_validate(&s->usb);
	if (r < 0) {
		/* Our descriptors: a bug, but say so rather than crash. */
		strbuf_printf(err, "storage: internal error: invalid descriptors (%d)", r);
		goto fail;
	}

	/* The image last: nothing is created or locked for a device that
	 * fails for another reason. */
	if (create && opts->has_file_fd) {
		/* Made by vusbctl add as its caller, sent: the size --create says. */
		struct stat st;
		int sent = vusb_dev_sent_fd(opts, NULL);

		if (sent < 0 || fstat(sent, &st) < 0 || !S_ISREG(st.st_mode) ||
		    (uint64_t)st.st_size != size) {
			r = -EINVAL;
			strbuf_printf(err,
				      "--create %s %s: the new image that came with the request "
				      "is not a regular file of %llu bytes",
				      create, opts->positional, (unsigned long long)size);
			goto fail;
		}
	} else if (create) {
		r = image_create(opts->positional, size, err);
		if (r < 0)
			goto fail;
	}
	if (opts->positional) {
		/* The file vusbctl sent, or -1: open the path here. */
		int fd = vusb_dev_file_fd(opts, NULL);

		if (fd < -1) {
			r = fd;
			strbuf_printf(err, "%s: %s", opts->positional, strerror(-r));
			goto fail;
		}
		if (fd == -1 && opts->has_file_fd) {
			r = -EBADF;
			strbuf_printf(err, "%s: the file did not come with the request",
				      opts->positional);
			goto fail;
		}
		r = image_open_fd(&s->img, fd, opts->positional, &s->io, err);
		if (r < 0)
			goto fail;
		storage_load(s, false);
	}
	*ret = &s->usb;
	return 0;
fail:
	free(s);
	return r;
}

static void storage_destroy(struct usb_device *dev)
{
	struct storage *s;
	char msg[160];
	int r;

	if (!dev)
		return;
	s = storage_of(dev);
	if (s->img.fd >= 0) {
		r = image_close(&s->img);
		if (r < 0) {
			snprintf(msg, sizeof(msg), "flushing the image failed: %s", strerror(-r));
			usb_device_event(dev, msg);
		}
	}
	free(s);
}

static const struct vusb_model_option storage_options[] = {
	{ "--ro", NULL, "write-protected: the host cannot write (DATA PROTECT)" },
	{ "--snapshot", NULL, "writes go to a temporary overlay; the image is never modified" },
	{ "--cdrom", NULL, "an ISO 9660 or UDF image as a CD-ROM (read-only, 2048-byte blocks)" },
	{ "--create", "SIZE", "make IMAGE first, a new sparse file of SIZE (64M, 4G, 3T)" },
	{ "--vendor", "TEXT", "SCSI vendor, up to 8 characters (default vusb)" },
	{ "--superspeed", NULL, "USB 3 SuperSpeed: an ss port, 1024-byte bulk packets" },
	{ NULL, NULL, NULL },
};

const struct vusb_model storage_model = {
	.name = "storage",
	.summary = "USB mass storage (bulk-only, SCSI) from an image file or block device",
	.create = storage_create,
	.destroy = storage_destroy,
	.commands = storage_commands,
	.options = storage_options,
	.positional = "IMAGE",
	.positional_optional = true,
	.describe = storage_describe,
	.describe_json = storage_describe_json,
	.busy = storage_busy,
	.faults = storage_faults,
};
