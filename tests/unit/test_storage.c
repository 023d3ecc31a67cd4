// SPDX-License-Identifier: MIT
/*
 * The storage model with real image files in a temporary directory:
 * descriptors at each speed, options, bad images (refused before
 * anything else happens, and never changed), locking, --create,
 * --snapshot's overlay, --cdrom, eject and insert from both sides, and a
 * real pwrite failure (RLIMIT_FSIZE) reaching the host as a write error.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include "src/app/models.h"
#include "src/storage/image.h"
#include "src/storage/scsi.h"
#include "src/storage/storage.h"
#include "src/usb/model.h"
#include "src/usb/usbdev.h"
#include "tests/lib/bot.h"
#include "tests/lib/fakehost.h"

struct dev {
	struct usb_device *usb;
	struct fakehost host;
	struct bot_result r;
	uint32_t tag;
};

struct fx {
	char dir[64];
	char path[128]; /* disk.img, 64 KiB of pattern */
	struct dev *devs[4];
};

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 31 + (i >> 12));
}

static void make_file(const char *path, size_t size, bool with_pattern)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	uint8_t *buf = calloc(1, size ? size : 1);
	size_t i;

	assert_true(fd >= 0 && buf);
	for (i = 0; with_pattern && i < size; i++)
		buf[i] = pattern(i);
	assert_int_equal(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
}

static bool file_is_pattern(const char *path, size_t size)
{
	int fd = open(path, O_RDONLY);
	uint8_t *buf = malloc(size + 1);
	bool ok;
	size_t i;

	assert_true(fd >= 0 && buf);
	ok = read(fd, buf, size + 1) == (ssize_t)size;
	for (i = 0; ok && i < size; i++)
		ok = buf[i] == pattern(i);
	close(fd);
	free(buf);
	return ok;
}

/* Put a volume descriptor with `id` into 2048-byte sector `sector`; NULL: the pattern back. */
static void stamp_cd(const char *path, unsigned int sector, const char *id)
{
	uint8_t vd[7];
	int fd = open(path, O_WRONLY);
	size_t i;

	assert_true(fd >= 0);
	for (i = 0; i < sizeof(vd); i++)
		vd[i] = pattern(sector * 2048 + i);
	if (id) {
		vd[0] = 1;
		memcpy(vd + 1, id, 5);
		vd[6] = 1;
	}
	assert_int_equal(pwrite(fd, vd, sizeof(vd), sector * 2048), (ssize_t)sizeof(vd));
	close(fd);
}

/* A shell command that must succeed (the system's gzip, xz, zstd). */
static void sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg(
			"'%s' failed: the tests need gzip, xz and zstd (scripts/install-deps --test)",
			cmd);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/vusb-test-storage.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/disk.img", fx->dir);
	make_file(fx->path, 64 * 1024, true);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct dev *d = fx->devs[i];

		if (!d)
			continue;
		fakehost_disconnect(&d->host);
		fakehost_release(&d->host);
		storage_model.destroy(d->usb);
		free(d);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* Options as the command line parser hands them over. */
struct opts {
	struct vusb_dev_opts o;
};

static void opts_init(struct opts *o, const char *image)
{
	memset(o, 0, sizeof(*o));
	o->o.name = "storage0";
	o->o.vid = -1;
	o->o.pid = -1;
	o->o.positional = image;
}

static void opts_add(struct opts *o, const char *name, const char *value)
{
	o->o.extra[o->o.nextra].name = name;
	o->o.extra[o->o.nextra++].value = value ? value : "";
}

/* Create a device; 0 or -errno with the reason in *why (static). */
static int try_create(struct fx *fx, const struct opts *o, struct dev **ret, const char **why)
{
	static char msg[512];
	struct strbuf err = { 0 };
	struct dev *d;
	unsigned int i;
	int r;

	d = calloc(1, sizeof(*d));
	assert_non_null(d);
	fakehost_init(&d->host);
	r = fakehost_create(&d->host, &storage_model, &o->o, &d->usb, &err);
	snprintf(msg, sizeof(msg), "%s", strbuf_str(&err));
	strbuf_free(&err);
	if (why)
		*why = msg;
	if (r < 0) {
		free(d);
		return r;
	}
	assert_int_equal(
		fakehost_control(&d->host, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL),
		0);
	for (i = 0; i < 4 && fx->devs[i]; i++)
		;
	assert_true(i < 4);
	fx->devs[i] = d;
	*ret = d;
	return 0;
}

static struct dev *create(struct fx *fx, const struct opts *o)
{
	struct dev *d;
	const char *why;

	if (try_create(fx, o, &d, &why) < 0)
		fail_msg("create: %s", why);
	return d;
}

static void destroy(struct fx *fx, struct dev *d)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (fx->devs[i] == d)
			fx->devs[i] = NULL;
	fakehost_disconnect(&d->host);
	fakehost_release(&d->host);
	storage_model.destroy(d->usb);
	free(d);
}

static void expect_create_error(struct fx *fx, const struct opts *o, int err, const char *text)
{
	struct dev *d;
	const char *why;
	int r = try_create(fx, o, &d, &why);

	if (r == 0)
		fail_msg("create succeeded; expected '%s'", text);
	assert_int_equal(r, err);
	if (!strstr(why, text))
		fail_msg("error '%s' does not say '%s'", why, text);
}

#define CDB(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define CMD(d, len, in, out, ...) \
	bot_command(&(d)->host, ++(d)->tag, (len), (in), CDB(__VA_ARGS__), (out), &(d)->r)

static void expect_sense(struct dev *d, uint8_t key, uint16_t asc)
{
	CMD(d, 18, true, NULL, SCSI_REQUEST_SENSE, 0, 0, 0, 18, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	assert_int_equal(d->r.data[2], key);
	assert_int_equal(d->r.data[12] << 8 | d->r.data[13], asc);
}

/* The host's first commands after a medium change: UA, then ready. */
static void settle(struct dev *d)
{
	CMD(d, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	if (d->r.status != MSC_CSW_PASSED) {
		expect_sense(d, SCSI_SENSE_UNIT_ATTENTION, SCSI_ASC_MEDIUM_CHANGED);
		CMD(d, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	}
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
}

static uint32_t capacity_blocks(struct dev *d)
{
	CMD(d, 8, true, NULL, SCSI_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	return (uint32_t)(d->r.data[0] << 24 | d->r.data[1] << 16 | d->r.data[2] << 8 |
			  d->r.data[3]) +
	       1;
}

static int run_cmd(struct dev *d, const char *line, char *out, size_t len)
{
	char buf[512], *argv[8], *save = NULL, *tok;
	struct strbuf sb = { 0 };
	const struct vusb_command *c;
	int argc = 0, r;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 8; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	c = vusb_model_command(&storage_model, argv[0]);
	assert_non_null(c);
	assert_true(argc - 1 >= c->min_args && argc - 1 <= c->max_args);
	r = c->run_fd ? c->run_fd(d->usb, argc, argv, -1, &sb) : c->run(d->usb, argc, argv, &sb);
	if (out)
		snprintf(out, len, "%s", strbuf_str(&sb));
	strbuf_free(&sb);
	return r;
}

static void describe(struct dev *d, char *out, size_t len)
{
	struct strbuf sb = { 0 };

	storage_model.describe(d->usb, &sb);
	snprintf(out, len, "%s", strbuf_str(&sb));
	assert_null(strchr(out, '\t'));
	assert_null(strchr(out, '\n'));
	strbuf_free(&sb);
}

static int get_descriptor(struct dev *d, uint8_t type, uint8_t index, uint8_t *buf,
			  uint16_t len, uint32_t *ret)
{
	return fakehost_control(&d->host, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, type << 8 | index, 0,
				len, NULL, buf, ret);
}

/* ---- tests ---- */

static void test_parse_size(void **state)
{
	uint64_t v = 7;

	assert_int_equal(storage_parse_size("512", &v), 0);
	assert_int_equal(v, 512);
	assert_int_equal(storage_parse_size("64M", &v), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(storage_parse_size("64MiB", &v), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(storage_parse_size("4g", &v), 0);
	assert_int_equal(v, 4ull << 30);
	assert_int_equal(storage_parse_size("3T", &v), 0);
	assert_int_equal(v, 3ull << 40);
	assert_int_equal(storage_parse_size("1KB", &v), 0);
	assert_int_equal(v, 1024);
	v = 7;
	assert_int_equal(storage_parse_size("", &v), -EINVAL);
	assert_int_equal(storage_parse_size("0", &v), -EINVAL);
	assert_int_equal(storage_parse_size("-1M", &v), -EINVAL);
	assert_int_equal(storage_parse_size("1.5G", &v), -EINVAL);
	assert_int_equal(storage_parse_size("12X", &v), -EINVAL);
	assert_int_equal(storage_parse_size("1MM", &v), -EINVAL);
	assert_int_equal(storage_parse_size(" 1M", &v), -EINVAL);
	assert_int_equal(storage_parse_size("99999999999999999999", &v), -EINVAL);
	assert_int_equal(storage_parse_size("5P", &v), 0);
	assert_int_equal(storage_parse_size("4097P", &v), -EINVAL);
	assert_int_equal(v, 5ull << 50);
}

static void test_registered(void **state)
{
	const struct vusb_model_option *o;

	assert_ptr_equal(vusb_model_find("storage"), &storage_model);
	assert_string_equal(storage_model.positional, "IMAGE");
	for (o = storage_model.options; o->name; o++)
		assert_ptr_equal(vusb_model_option(&storage_model, o->name), o);
	assert_non_null(vusb_model_option(&storage_model, "--create"));
	assert_non_null(vusb_model_option(&storage_model, "--create")->arg);
	assert_null(vusb_model_option(&storage_model, "--ro")->arg);
	/* --product is the generic device option, not the model's. */
	assert_null(vusb_model_option(&storage_model, "--product"));
}

static void test_descriptors_high_speed(void **state)
{
	struct fx *fx = *state;
	struct opts o;
	struct dev *d;
	uint8_t b[256];
	uint32_t n;
	unsigned int i;

	opts_init(&o, fx->path);
	d = create(fx, &o);
	assert_int_equal(d->usb->speed, USB_SPEED_HIGH);
	assert_int_equal(get_descriptor(d, USB_DT_DEVICE, 0, b, 18, &n), 0);
	assert_int_equal(n, 18);
	assert_int_equal(b[2] | b[3] << 8, 0x0200);
	assert_int_equal(b[7], 64);
	assert_int_equal(b[8] | b[9] << 8, STORAGE_VID);
	assert_int_equal(b[10] | b[11] << 8, STORAGE_PID);
	assert_int_equal(get_descriptor(d, USB_DT_CONFIG, 0, b, 255, &n), 0);
	assert_int_equal(n, 32);
	assert_int_equal(b[9 + 5], USB_CLASS_MASS_STORAGE);
	assert_int_equal(b[9 + 6], MSC_SUBCLASS_SCSI);
	assert_int_equal(b[9 + 7], MSC_PROTOCOL_BOT);
	assert_int_equal(b[18 + 2], 0x81);
	assert_int_equal(b[18 + 3], USB_ENDPOINT_XFER_BULK);
	assert_int_equal(b[18 + 4] | b[18 + 5] << 8, 512);
	assert_int_equal(b[25 + 2], 0x02);
	assert_int_equal(b[25 + 4] | b[25 + 5] << 8, 512);
	assert_int_equal(get_descriptor(d, USB_DT_DEVICE_QUALIFIER, 0, b, 10, &n), 0);
	assert_int_equal(get_descriptor(d, USB_DT_BOS, 0, b, 5, &n), -EPIPE);
	/* The serial number: 12 or more hex digits (BOT 4.1.1). */
	assert_int_equal(get_descriptor(d, USB_DT_STRING, 3, b, 255, &n), 0);
	assert_true(n >= 2 + 2 * 12);
	for (i = 2; i < n; i += 2)
		assert_non_null(strchr("0123456789ABCDEF", b[i]));
	destroy(fx, d);

	opts_init(&o, fx->path);
	o.o.speed = USB_SPEED_FULL;
	d = create(fx, &o);
	assert_int_equal(get_descriptor(d, USB_DT_CONFIG, 0, b, 255, &n), 0);
	assert_int_equal(b[18 + 4] | b[18 + 5] << 8, 64);
	destroy(fx, d);

	opts_init(&o, fx->path);
	o.o.speed = USB_SPEED_LOW;
	expect_create_error(fx, &o, -EINVAL, "cannot be low-speed");
}

static void test_descriptors_superspeed(void **state)
{
	struct fx *fx = *state;
	struct opts o;
	struct dev *d;
	uint8_t b[256];
	uint32_t n;

	opts_init(&o, fx->path);
	opts_add(&o, "--superspeed", NULL);
	d = create(fx, &o);
	assert_int_equal(d->usb->speed, USB_SPEED_SUPER);
	assert_int_equal(get_descriptor(d, USB_DT_DEVICE, 0, b, 18, &n), 0);
	assert_int_equal(b[2] | b[3] << 8, 0x0320);
	assert_int_equal(b[7], 9);
	/* BOS: first its header (wLength 5), then all of it. */
	assert_int_equal(get_descriptor(d, USB_DT_BOS, 0, b, 5, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(b[2] | b[3] << 8, 22);
	assert_int_equal(b[4], 2);
	assert_int_equal(get_descriptor(d, USB_DT_BOS, 0, b, 255, &n), 0);
	assert_int_equal(n, 22);
	assert_memory_equal(b + 5, "\x07\x10\x02\x02\x00\x00\x00", 7);
	assert_int_equal(b[12], 10);
	assert_int_equal(b[14], 0x03);
	assert_int_equal(b[16] | b[17] << 8, 0x000e);
	/* Each endpoint followed by its companion; 1024-byte packets. */
	assert_int_equal(get_descriptor(d, USB_DT_CONFIG, 0, b, 255, &n), 0);
	assert_int_equal(n, 44);
	assert_int_equal(b[2] | b[3] << 8, 44);
	assert_int_equal(b[18 + 1], USB_DT_ENDPOINT);
	assert_int_equal(b[18 + 4] | b[18 + 5] << 8, 1024);
	assert_int_equal(b[25], USB_DT_SS_EP_COMP_SIZE);
	assert_int_equal(b[25 + 1], USB_DT_SS_ENDPOINT_COMP);
	assert_int_equal(b[31 + 1], USB_DT_ENDPOINT);
	assert_int_equal(b[31 + 4] | b[31 + 5] << 8, 1024);
	assert_int_equal(b[38 + 1], USB_DT_SS_ENDPOINT_COMP);
	/* And it works. */
	settle(d);
	assert_int_equal(capacity_blocks(d), 128);
	destroy(fx, d);

	/* --speed super is the same; a contradiction is refused. */
	opts_init(&o, fx->path);
	o.o.speed = USB_SPEED_SUPER;
	d = create(fx, &o);
	assert_int_equal(d->usb->speed, USB_SPEED_SUPER);
	destroy(fx, d);
	opts_init(&o, fx->path);
	o.o.speed = USB_SPEED_HIGH;
	opts_add(&o, "--superspeed", NULL);
	expect_create_error(fx, &o, -EINVAL, "contradict");
}

static void test_strings(void **state)
{
	struct fx *fx = *state;
	struct opts o;
	struct dev *d;
	uint8_t b[256];
	uint32_t n;

	opts_init(&o, fx->path);
	opts_add(&o, "--vendor", "ACME");
	o.o.product = "Stick \xc3\xa9";
	o.o.serial = "0000ABCD1234";
	d = create(fx, &o);
	CMD(d, 36, true, NULL, SCSI_INQUIRY, 0, 0, 0, 36, 0);
	assert_memory_equal(d->r.data + 8, "ACME    Stick __         ", 24);
	assert_int_equal(get_descriptor(d, USB_DT_STRING, 1, b, 255, &n), 0);
	assert_int_equal(n, 2 + 8);
	assert_int_equal(b[2], 'A');
	assert_int_equal(get_descriptor(d, USB_DT_STRING, 2, b, 255, &n), 0);
	assert_int_equal(n, 2 + 2 * 7);
	assert_int_equal(b[14] | b[15] << 8, 0xe9);
	CMD(d, 255, true, NULL, SCSI_INQUIRY, 1, 0x80, 0, 255, 0);
	assert_int_equal(d->r.data[3], 12);
	assert_memory_equal(d->r.data + 4, "0000ABCD1234", 12);
	destroy(fx, d);

	/* Two devices, two serial numbers. */
	{
		struct dev *d1, *d2;
		uint8_t s1[64], s2[64];
		uint32_t n1, n2;

		opts_init(&o, fx->path);
		opts_add(&o, "--ro", NULL);
		d1 = create(fx, &o);
		o.o.name = "storage1";
		d2 = create(fx, &o);
		get_descriptor(d1, USB_DT_STRING, 3, s1, 64, &n1);
		get_descriptor(d2, USB_DT_STRING, 3, s2, 64, &n2);
		assert_int_equal(n1, n2);
		assert_memory_not_equal(s1, s2, n1);
		destroy(fx, d1);
		destroy(fx, d2);
	}

	opts_init(&o, fx->path);
	opts_add(&o, "--vendor", "TOOLONGVENDOR");
	expect_create_error(fx, &o, -EINVAL, "--vendor");
	opts_init(&o, fx->path);
	opts_add(&o, "--vendor", "caf\xc3\xa9");
	expect_create_error(fx, &o, -EINVAL, "--vendor");
}

static void test_bad_images(void **state)
{
	struct fx *fx = *state;
	char path[160];
	struct stat st;
	struct opts o;

	snprintf(path, sizeof(path), "%s/missing.img", fx->dir);
	opts_init(&o, path);
	expect_create_error(fx, &o, -ENOENT, "no such file");
	assert_int_equal(stat(path, &st), -1);

	opts_init(&o, fx->dir);
	expect_create_error(fx, &o, -EISDIR, "is a directory");
	opts_add(&o, "--ro", NULL);
	expect_create_error(fx, &o, -EISDIR, "is a directory");

	snprintf(path, sizeof(path), "%s/odd.img", fx->dir);
	make_file(path, 1000, true);
	opts_init(&o, path);
	expect_create_error(fx, &o, -EINVAL, "not a multiple of the 512-byte block");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 1000); /* never grown or truncated */
	assert_true(file_is_pattern(path, 1000));

	snprintf(path, sizeof(path), "%s/empty.img", fx->dir);
	make_file(path, 0, false);
	opts_init(&o, path);
	expect_create_error(fx, &o, -EINVAL, "is empty");

	snprintf(path, sizeof(path), "%s/fifo", fx->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	opts_init(&o, path);
	expect_create_error(fx, &o, -EINVAL, "not a regular file or a block device");

	/* A CD image must be whole 2048-byte blocks. */
	snprintf(path, sizeof(path), "%s/cd.iso", fx->dir);
	make_file(path, 2048 * 3 + 512, true);
	opts_init(&o, path);
	opts_add(&o, "--cdrom", NULL);
	expect_create_error(fx, &o, -EINVAL, "2048-byte block");
}

/*
 * Root reads and writes anything while it has CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH: take them out of the effective set for a test
 * that must meet the file's mode bits, and give them back after.
 */
static void dac_override(bool on)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint32_t bits = 1u << CAP_DAC_OVERRIDE | 1u << CAP_DAC_READ_SEARCH;

	assert_int_equal(syscall(SYS_capget, &h, d), 0);
	if (on)
		d[0].effective |= bits & d[0].permitted;
	else
		d[0].effective &= ~bits;
	assert_int_equal(syscall(SYS_capset, &h, d), 0);
}

static void test_no_permission(void **state)
{
	struct fx *fx = *state;
	struct opts o;

	dac_override(false);
	assert_int_equal(chmod(fx->path, 0444), 0);
	opts_init(&o, fx->path);
	expect_create_error(fx, &o, -EACCES, "permission denied");
	opts_add(&o, "--ro", NULL);
	destroy(fx, create(fx, &o));
	assert_int_equal(chmod(fx->path, 0), 0);
	expect_create_error(fx, &o, -EACCES, "permission denied");
	chmod(fx->path, 0644);
	dac_override(true);
}

static void test_lock(void **state)
{
	struct fx *fx = *state;
	struct opts rw, ro, snap;
	struct dev *a, *b, *c;

	opts_init(&rw, fx->path);
	opts_init(&ro, fx->path);
	opts_add(&ro, "--ro", NULL);
	opts_init(&snap, fx->path);
	opts_add(&snap, "--snapshot", NULL);

	a = create(fx, &rw);
	expect_create_error(fx, &rw, -EBUSY, "in use by another program");
	expect_create_error(fx, &ro, -EBUSY, "in use");
	expect_create_error(fx, &snap, -EBUSY, "in use");
	destroy(fx, a);
	/* Readers share. */
	a = create(fx, &ro);
	b = create(fx, &snap);
	c = create(fx, &ro);
	expect_create_error(fx, &rw, -EBUSY, "in use");
	destroy(fx, a);
	destroy(fx, b);
	destroy(fx, c);
	destroy(fx, create(fx, &rw));
}

static void test_create_option(void **state)
{
	struct fx *fx = *state;
	char path[160];
	struct stat st;
	struct opts o;
	struct dev *d;

	snprintf(path, sizeof(path), "%s/new.img", fx->dir);
	opts_init(&o, path);
	opts_add(&o, "--create", "64M");
	d = create(fx, &o);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 64 << 20);
	assert_true(st.st_blocks * 512 < (1 << 20)); /* sparse */
	settle(d);
	assert_int_equal(capacity_blocks(d), (64 << 20) / 512);
	destroy(fx, d);

	/* Never over an existing file. */
	opts_init(&o, fx->path);
	opts_add(&o, "--create", "1M");
	expect_create_error(fx, &o, -EEXIST, "exists already");
	assert_true(file_is_pattern(fx->path, 64 * 1024));

	snprintf(path, sizeof(path), "%s/other.img", fx->dir);
	opts_init(&o, path);
	opts_add(&o, "--create", "1000");
	expect_create_error(fx, &o, -EINVAL, "invalid --create size");
	opts_init(&o, path);
	opts_add(&o, "--create", "lots");
	expect_create_error(fx, &o, -EINVAL, "invalid --create size");
	opts_init(&o, path);
	opts_add(&o, "--create", "1M");
	opts_add(&o, "--cdrom", NULL);
	expect_create_error(fx, &o, -EINVAL, "ISO 9660");
	opts_init(&o, NULL);
	opts_add(&o, "--create", "1M");
	expect_create_error(fx, &o, -EINVAL, "needs the IMAGE");
	assert_int_equal(stat(path, &st), -1);
}

static void test_read_write_sync(void **state)
{
	struct fx *fx = *state;
	struct opts o;
	struct dev *d;
	uint8_t data[1024], back[1024];
	int fd;

	opts_init(&o, fx->path);
	d = create(fx, &o);
	settle(d);
	assert_int_equal(capacity_blocks(d), 128);
	CMD(d, 1024, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 7, 0, 0, 2, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	for (size_t i = 0; i < 1024; i++)
		assert_int_equal(d->r.data[i], pattern(7 * 512 + i));

	memset(data, 0xc5, sizeof(data));
	CMD(d, 1024, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 100, 0, 0, 2, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	CMD(d, 0, false, NULL, SCSI_SYNCHRONIZE_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	fd = open(fx->path, O_RDONLY);
	assert_int_equal(pread(fd, back, sizeof(back), 100 * 512), (ssize_t)sizeof(back));
	close(fd);
	assert_memory_equal(back, data, sizeof(back));
	/* The caching page says write-back, so hosts send SYNCHRONIZE CACHE. */
	CMD(d, 192, true, NULL, SCSI_MODE_SENSE_6, 0, 0x3f, 0, 192, 0);
	assert_int_equal(d->r.data[2], 0);
	assert_int_equal(d->r.data[6] & 0x04, 0x04);
	/* Outside the image: refused, nothing read. */
	CMD(d, 512, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 128, 0, 0, 1, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	expect_sense(d, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
	destroy(fx, d);
}

/* An image that shrinks under us: what is gone is a MEDIUM ERROR, never short data. */
static void test_shrunk_image(void **state)
{
	struct fx *fx = *state;
	struct opts o;
	struct dev *d;

	opts_init(&o, fx->path);
	d = create(fx, &o);
	settle(d);
	assert_int_equal(truncate(fx->path, 64 * 512 + 100), 0);
	/* Blocks 60..67: the first 4 are there, the rest (but 100 bytes) gone. */
	CMD(d, 8 * 512, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 60, 0, 0, 8, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	expect_sense(d, SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_UNRECOVERED_READ_ERROR);
	/* Wholly past the new end. */
	CMD(d, 512, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 100, 0, 0, 1, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	expect_sense(d, SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_UNRECOVERED_READ_ERROR);
	/* What is left still reads. */
	CMD(d, 512, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 10, 0, 0, 1, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	destroy(fx, d);
}

static void test_read_only(void **state)
{
	struct fx *fx = *state;
	struct opts o;
	struct dev *d;
	uint8_t data[512] = { 0 };
	char desc[256];

	opts_init(&o, fx->path);
	opts_add(&o, "--ro", NULL);
	d = create(fx, &o);
	describe(d, desc, sizeof(desc));
	assert_non_null(strstr(desc, " ro"));
	CMD(d, 192, true, NULL, SCSI_MODE_SENSE_6, 0, 0x3f, 0, 192, 0);
	assert_int_equal(d->r.data[2], 0x80);
	CMD(d, 512, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	expect_sense(d, SCSI_SENSE_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
	CMD(d, 0, false, NULL, SCSI_SYNCHRONIZE_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	destroy(fx, d);
	assert_true(file_is_pattern(fx->path, 64 * 1024));
}

/* --snapshot: what the host writes it reads back; the image never changes. */
static void test_snapshot(void **state)
{
	struct fx *fx = *state;
	static const struct {
		uint32_t lba, n;
		uint8_t v;
	} w[] = {
		{ 1, 1, 0xa1 }, /* 512 bytes inside the first 64 KiB chunk */
		{ 127, 1, 0xa2 }, /* the last block */
		{ 60, 8, 0xa3 }, /* ... */
		{ 0, 2, 0xa4 },
	};
	uint8_t expect[64 * 1024], data[4096];
	char big[160], desc[256];
	struct opts o;
	struct dev *d;
	unsigned int i;
	size_t j;

	for (j = 0; j < sizeof(expect); j++)
		expect[j] = pattern(j);
	opts_init(&o, fx->path);
	opts_add(&o, "--snapshot", NULL);
	d = create(fx, &o);
	describe(d, desc, sizeof(desc));
	assert_non_null(strstr(desc, " snapshot"));
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		memset(data, w[i].v, sizeof(data));
		memset(expect + w[i].lba * 512, w[i].v, w[i].n * 512);
		CMD(d, w[i].n * 512, false, data, SCSI_WRITE_10, 0, 0, 0, 0, (uint8_t)w[i].lba, 0, 0,
		    (uint8_t)w[i].n, 0);
		assert_int_equal(d->r.status, MSC_CSW_PASSED);
	}
	CMD(d, 0, false, NULL, SCSI_SYNCHRONIZE_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	CMD(d, 65536, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 0, 0, 0, 128, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	assert_memory_equal(d->r.data, expect, sizeof(expect));
	destroy(fx, d);
	assert_true(file_is_pattern(fx->path, 64 * 1024));

	/* Across chunk boundaries, in an image that is not whole chunks. */
	snprintf(big, sizeof(big), "%s/big.img", fx->dir);
	make_file(big, 200 * 1024 + 512, true);
	opts_init(&o, big);
	opts_add(&o, "--snapshot", NULL);
	d = create(fx, &o);
	memset(data, 0x5e, sizeof(data));
	/* 4 KiB over the 64 KiB boundary, and the last, partial chunk. */
	CMD(d, 4096, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 124, 0, 0, 8, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	CMD(d, 512, false, data, SCSI_WRITE_10, 0, 0, 0, 1, 144, 0, 0, 1, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	CMD(d, 8192, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 120, 0, 0, 16, 0);
	for (j = 0; j < 8192; j++)
		assert_int_equal(d->r.data[j],
				 j >= 2048 && j < 6144 ? 0x5e : pattern(120 * 512 + j));
	CMD(d, 1024, true, NULL, SCSI_READ_10, 0, 0, 0, 1, 143, 0, 0, 2, 0);
	for (j = 0; j < 1024; j++)
		assert_int_equal(d->r.data[j], j >= 512 ? 0x5e : pattern(399 * 512 + j));
	destroy(fx, d);
	assert_true(file_is_pattern(big, 200 * 1024 + 512));
}

static void test_cdrom(void **state)
{
	struct fx *fx = *state;
	char iso[160], desc[256];
	uint8_t data[2048] = { 0 };
	struct opts o;
	struct dev *d;
	size_t j;

	snprintf(iso, sizeof(iso), "%s/cd.iso", fx->dir);
	make_file(iso, 2048 * 20, true);
	/* Without a volume descriptor it is no CD image. */
	opts_init(&o, iso);
	opts_add(&o, "--cdrom", NULL);
	expect_create_error(fx, &o, -EMEDIUMTYPE, "no ISO 9660 or UDF volume descriptor");
	assert_true(file_is_pattern(iso, 2048 * 20));
	stamp_cd(iso, 16, "CD001");
	d = create(fx, &o);
	describe(d, desc, sizeof(desc));
	assert_non_null(strstr(desc, "40 KiB cdrom"));
	CMD(d, 36, true, NULL, SCSI_INQUIRY, 0, 0, 0, 36, 0);
	assert_int_equal(d->r.data[0], 0x05);
	assert_memory_equal(d->r.data + 16, "Virtual CD-ROM  ", 16);
	CMD(d, 8, true, NULL, SCSI_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(d->r.data[3], 19);
	assert_int_equal(d->r.data[6], 0x08); /* 2048 */
	CMD(d, 4096, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 2, 0, 0, 2, 0);
	for (j = 0; j < 4096; j++)
		assert_int_equal(d->r.data[j], pattern(2 * 2048 + j));
	CMD(d, 2048, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 2, 0, 0, 1, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	expect_sense(d, SCSI_SENSE_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
	CMD(d, 20, true, NULL, SCSI_READ_TOC, 0, 0, 0, 0, 0, 0, 0, 20, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	assert_int_equal(d->r.data[12 + 2], 0xaa);
	assert_int_equal(d->r.data[12 + 7], 20);
	destroy(fx, d);
	/* Untouched but for the descriptor put there above. */
	stamp_cd(iso, 16, NULL);
	assert_true(file_is_pattern(iso, 2048 * 20));
}

static void test_eject_insert(void **state)
{
	struct fx *fx = *state;
	char other[160], rel[200], missing[200], desc[256], out[512];
	struct opts o;
	struct dev *d, *e;

	snprintf(other, sizeof(other), "%s/other.img", fx->dir);
	make_file(other, 32 * 1024, true);
	opts_init(&o, fx->path);
	d = create(fx, &o);
	settle(d);
	describe(d, desc, sizeof(desc));
	assert_non_null(strstr(desc, fx->path));
	assert_non_null(strstr(desc, "64 KiB rw"));

	assert_int_equal(run_cmd(d, "eject", out, sizeof(out)), 0);
	describe(d, desc, sizeof(desc));
	assert_string_equal(desc, "no medium");
	CMD(d, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	expect_sense(d, SCSI_SENSE_NOT_READY, SCSI_ASC_MEDIUM_NOT_PRESENT);
	/* Ejected: the image is free for others. */
	destroy(fx, create(fx, &o));
	assert_int_equal(run_cmd(d, "eject", out, sizeof(out)), -ENOMEDIUM);

	snprintf(rel, sizeof(rel), "insert %s", "relative.img");
	assert_int_equal(run_cmd(d, rel, out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(out, "absolute path"));
	snprintf(missing, sizeof(missing), "insert %s/nope.img", fx->dir);
	assert_int_equal(run_cmd(d, missing, out, sizeof(out)), -ENOENT);
	assert_non_null(strstr(out, "no such file"));
	describe(d, desc, sizeof(desc));
	assert_string_equal(desc, "no medium");

	snprintf(rel, sizeof(rel), "insert %s", other);
	assert_int_equal(run_cmd(d, rel, out, sizeof(out)), 0);
	describe(d, desc, sizeof(desc));
	assert_non_null(strstr(desc, "other.img 32 KiB rw"));
	/* The host hears of the change once, then sees the new size. */
	CMD(d, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	expect_sense(d, SCSI_SENSE_UNIT_ATTENTION, SCSI_ASC_MEDIUM_CHANGED);
	assert_int_equal(capacity_blocks(d), 64);
	/* Locked by this device now. */
	opts_init(&o, other);
	expect_create_error(fx, &o, -EBUSY, "in use");
	/* One medium at a time. */
	snprintf(rel, sizeof(rel), "insert %s", fx->path);
	assert_int_equal(run_cmd(d, rel, out, sizeof(out)), -EBUSY);

	/* The host prevents removal (it mounted it): eject needs --force. */
	CMD(d, 0, false, NULL, SCSI_PREVENT_ALLOW_MEDIUM_REMOVAL, 0, 0, 0, 1, 0);
	describe(d, desc, sizeof(desc));
	assert_non_null(strstr(desc, " locked"));
	assert_int_equal(run_cmd(d, "eject", out, sizeof(out)), -EBUSY);
	assert_non_null(strstr(out, "--force"));
	assert_int_equal(run_cmd(d, "eject --now", out, sizeof(out)), -EINVAL);
	assert_int_equal(run_cmd(d, "eject --force", out, sizeof(out)), 0);
	describe(d, desc, sizeof(desc));
	assert_string_equal(desc, "no medium");
	e = create(fx, &o);
	destroy(fx, e);
	destroy(fx, d);
}

static void test_host_eject(void **state)
{
	struct fx *fx = *state;
	char other[160], line[200], desc[256], out[256];
	struct opts o;
	struct dev *d;

	opts_init(&o, fx->path);
	d = create(fx, &o);
	settle(d);
	CMD(d, 0, false, NULL, SCSI_START_STOP_UNIT, 0, 0, 0, 0x02, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	describe(d, desc, sizeof(desc));
	assert_non_null(strstr(desc, "ejected by host: "));
	assert_non_null(strstr(desc, fx->path));
	CMD(d, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	expect_sense(d, SCSI_SENSE_NOT_READY, SCSI_ASC_MEDIUM_NOT_PRESENT_TRAY_OPEN);
	/* The host loads it again. */
	CMD(d, 0, false, NULL, SCSI_START_STOP_UNIT, 0, 0, 0, 0x03, 0);
	settle(d);
	describe(d, desc, sizeof(desc));
	assert_non_null(strstr(desc, "64 KiB rw"));
	/* Ejected by the host, replaced by the user. */
	CMD(d, 0, false, NULL, SCSI_START_STOP_UNIT, 0, 0, 0, 0x02, 0);
	snprintf(other, sizeof(other), "%s/other.img", fx->dir);
	make_file(other, 4096, true);
	snprintf(line, sizeof(line), "insert %s", other);
	assert_int_equal(run_cmd(d, line, out, sizeof(out)), 0);
	settle(d);
	assert_int_equal(capacity_blocks(d), 8);
	/* The first image is free again. */
	destroy(fx, create(fx, &o));
	destroy(fx, d);
}

/*
 * Issue 15's storage promises: the file the host ejected can go back in
 * (our own lock no longer in the way), a descriptor opened O_APPEND is
 * refused, and the host's PREVENT MEDIUM REMOVAL ends with its
 * connection but survives a port reset.
 */
static void test_data_safety(void **state)
{
	const struct vusb_command *insert = vusb_model_command(&storage_model, "insert");
	struct fx *fx = *state;
	char line[200], desc[256], out[256];
	char *argv[] = { "insert", fx->path };
	struct strbuf sb = { 0 };
	struct opts o;
	struct dev *d;
	int fd;

	opts_init(&o, fx->path);
	d = create(fx, &o);
	settle(d);
	/* Ejected by the host, the same file goes back in. */
	CMD(d, 0, false, NULL, SCSI_START_STOP_UNIT, 0, 0, 0, 0x02, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	snprintf(line, sizeof(line), "insert %s", fx->path);
	assert_int_equal(run_cmd(d, line, out, sizeof(out)), 0);
	settle(d);
	describe(d, desc, sizeof(desc));
	assert_non_null(strstr(desc, "64 KiB rw"));

	/* O_APPEND: acknowledged writes would land at the end. */
	assert_int_equal(run_cmd(d, "eject", out, sizeof(out)), 0);
	fd = open(fx->path, O_RDWR | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(insert->run_fd(d->usb, 2, argv, fd, &sb), -EINVAL);
	assert_non_null(strstr(strbuf_str(&sb), "O_APPEND"));
	strbuf_free(&sb);
	describe(d, desc, sizeof(desc));
	assert_string_equal(desc, "no medium");
	fd = open(fx->path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(insert->run_fd(d->usb, 2, argv, fd, &sb), 0);
	strbuf_free(&sb);
	settle(d);

	/* Locked; a port reset (configured again) keeps the lock... */
	CMD(d, 0, false, NULL, SCSI_PREVENT_ALLOW_MEDIUM_REMOVAL, 0, 0, 0, 1, 0);
	assert_int_equal(
		fakehost_control(&d->host, 0, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL),
		0);
	assert_int_equal(run_cmd(d, "eject", out, sizeof(out)), -EBUSY);
	/* ... the host going away ends it. */
	fakehost_disconnect(&d->host);
	describe(d, desc, sizeof(desc));
	assert_null(strstr(desc, "locked"));
	assert_int_equal(run_cmd(d, "eject", out, sizeof(out)), 0);
	destroy(fx, d);
}

static void test_empty_drive(void **state)
{
	struct fx *fx = *state;
	char desc[64], line[200], out[256];
	struct opts o;
	struct dev *d;

	opts_init(&o, NULL);
	opts_add(&o, "--cdrom", NULL);
	d = create(fx, &o);
	describe(d, desc, sizeof(desc));
	assert_string_equal(desc, "no medium");
	CMD(d, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	/* An image that is not whole CD blocks is refused by insert too. */
	snprintf(line, sizeof(line), "insert %s", fx->path);
	make_file(fx->path, 3000, true);
	assert_int_equal(run_cmd(d, line, out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(out, "2048-byte block"));
	assert_int_equal(run_cmd(d, "info", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "medium: no medium"));
	assert_non_null(strstr(out, "2048-byte blocks"));
	destroy(fx, d);
}

static void test_info(void **state)
{
	struct fx *fx = *state;
	struct opts o;
	struct dev *d;
	char out[512];

	opts_init(&o, fx->path);
	d = create(fx, &o);
	settle(d);
	assert_int_equal(run_cmd(d, "info", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "lock: exclusive"));
	assert_non_null(strstr(out, "commands: "));
	assert_non_null(strstr(out, "512-byte blocks"));
	destroy(fx, d);
}

/* A pwrite that really fails (past RLIMIT_FSIZE: EFBIG) is a write
 * error for the host, and what was written before is intact. */
static void test_real_write_error(void **state)
{
	struct fx *fx = *state;
	struct rlimit old, lim;
	struct opts o;
	struct dev *d;
	uint8_t data[4096];
	char big[160];
	int fd;

	snprintf(big, sizeof(big), "%s/sparse.img", fx->dir);
	fd = open(big, O_RDWR | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	close(fd);
	opts_init(&o, big);
	d = create(fx, &o);
	settle(d);

	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 512 * 1024;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	memset(data, 0x42, sizeof(data));
	CMD(d, 4096, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 0, 0, 0, 8, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	/* Straddling the limit: the first part lands, then EFBIG. */
	CMD(d, 4096, false, data, SCSI_WRITE_10, 0, 0, 0, 0x03, 0xfc, 0, 0, 8, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	expect_sense(d, SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
	CMD(d, 4096, false, data, SCSI_WRITE_10, 0, 0, 0, 0x04, 0x00, 0, 0, 8, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	assert_int_equal(d->r.data_status, -EPIPE);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	CMD(d, 4096, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 0, 0, 0, 8, 0);
	assert_memory_equal(d->r.data, data, 4096);
	destroy(fx, d);
}

/* The storage faults through the model's commands, over bulk-only transport. */
static void test_faults(void **state)
{
	struct fx *fx = *state;
	struct opts o;
	struct dev *d;
	uint8_t data[1024];
	char out[256];

	memset(data, 0xc5, sizeof(data));
	opts_init(&o, fx->path);
	d = create(fx, &o);
	settle(d);
	assert_int_equal(run_cmd(d, "medium-error 100 read", NULL, 0), 0);
	assert_int_equal(run_cmd(d, "medium-error status", out, sizeof(out)), 0);
	assert_string_equal(out, "medium-error 100-100 read\n");
	CMD(d, 512, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 99, 0, 0, 1, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	CMD(d, 512, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 101, 0, 0, 1, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	CMD(d, 1024, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 99, 0, 0, 2, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	CMD(d, 18, true, NULL, SCSI_REQUEST_SENSE, 0, 0, 0, 18, 0);
	assert_int_equal(d->r.data[0], 0xf0);
	assert_int_equal(d->r.data[2], SCSI_SENSE_MEDIUM_ERROR);
	assert_int_equal(d->r.data[3] << 24 | d->r.data[4] << 16 | d->r.data[5] << 8 | d->r.data[6],
			 100);

	/* A write there writes nothing, not even the blocks before it. */
	assert_int_equal(run_cmd(d, "medium-error 100-101 both", NULL, 0), 0);
	CMD(d, 1024, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 99, 0, 0, 2, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	expect_sense(d, SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR);
	CMD(d, 0, false, NULL, SCSI_SYNCHRONIZE_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	assert_true(file_is_pattern(fx->path, 64 * 1024));
	assert_int_equal(run_cmd(d, "medium-error clear", NULL, 0), 0);
	assert_int_equal(run_cmd(d, "medium-error status", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	CMD(d, 512, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 100, 0, 0, 1, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);

	assert_int_equal(run_cmd(d, "medium-error 5-4 read", out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(out, "ends before it starts"));
	assert_int_equal(run_cmd(d, "medium-error 5 sideways", out, sizeof(out)), -EINVAL);
	assert_int_equal(run_cmd(d, "medium-error x-5 read", out, sizeof(out)), -EINVAL);
	assert_int_equal(run_cmd(d, "medium-error 5- read", out, sizeof(out)), -EINVAL);
	assert_int_equal(run_cmd(d, "medium-error -5 read", out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "usage: medium-error LBA[-LBA] read|write|both, or clear");

	/* write-protect at run time */
	assert_int_equal(run_cmd(d, "write-protect on", NULL, 0), 0);
	CMD(d, 512, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 3, 0, 0, 1, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	expect_sense(d, SCSI_SENSE_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
	assert_int_equal(run_cmd(d, "write-protect status", out, sizeof(out)), 0);
	assert_string_equal(out, "write-protect on\n");
	assert_int_equal(run_cmd(d, "write-protect off", NULL, 0), 0);
	CMD(d, 512, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 3, 0, 0, 1, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	assert_int_equal(run_cmd(d, "write-protect maybe", NULL, 0), -EINVAL);

	/* not-ready */
	assert_int_equal(run_cmd(d, "not-ready on", NULL, 0), 0);
	CMD(d, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	assert_int_equal(d->r.status, MSC_CSW_FAILED);
	expect_sense(d, SCSI_SENSE_NOT_READY, SCSI_ASC_NOT_READY);
	assert_int_equal(run_cmd(d, "not-ready clear", NULL, 0), 0);
	CMD(d, 0, false, NULL, SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0);
	assert_int_equal(d->r.status, MSC_CSW_PASSED);
	destroy(fx, d);
}

static void test_format_detect(void **state)
{
	static const uint8_t gz[] = { 0x1f, 0x8b, 8, 0 }, xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0, 1 },
			     zst[] = { 0x28, 0xb5, 0x2f, 0xfd },
			     qcow[] = { 'Q', 'F', 'I', 0xfb, 0 }, odd[] = { 0x1f, 0x8b, 7 },
			     mbr[] = { 0xeb, 0x63, 0x90 };
	uint8_t area[3 * 2048] = { 0 };

	assert_int_equal(image_format_detect(gz, sizeof(gz)), IMAGE_GZIP);
	assert_int_equal(image_format_detect(xz, sizeof(xz)), IMAGE_XZ);
	assert_int_equal(image_format_detect(zst, sizeof(zst)), IMAGE_ZSTD);
	assert_int_equal(image_format_detect(qcow, sizeof(qcow)), IMAGE_QCOW2);
	assert_int_equal(image_format_detect(odd, sizeof(odd)), IMAGE_RAW);
	assert_int_equal(image_format_detect(mbr, sizeof(mbr)), IMAGE_RAW);
	/* Too short to tell: raw. */
	assert_int_equal(image_format_detect(xz, 5), IMAGE_RAW);
	assert_int_equal(image_format_detect(gz, 0), IMAGE_RAW);
	assert_string_equal(image_format_name(IMAGE_ZSTD), "zstd");

	assert_false(image_is_cd(area, sizeof(area)));
	memcpy(area + 2048 + 1, "NSR02", 5); /* UDF, second sector of the sequence */
	assert_true(image_is_cd(area, sizeof(area)));
	assert_false(image_is_cd(area, 2048 + 5));
	memset(area, 0, sizeof(area));
	memcpy(area + 1, "CD001", 5);
	assert_true(image_is_cd(area, 6));
	assert_false(image_is_cd(area, 5));
}

/*
 * image_unpack(), for vusbctl add: a compressed image read only becomes a
 * read-only descriptor of a private raw copy; a raw one is left alone;
 * one for writing, and qcow2, are refused as image_open_fd() refuses them.
 */
static void test_unpack(void **state)
{
	struct image_opts ro = { .readonly = true }, rw = { 0 };
	struct strbuf err = { 0 };
	struct fx *fx = *state;
	char path[200];
	uint8_t *buf = malloc(65536);
	struct stat st;
	int fd, copy = -1;
	size_t j;

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s.gz", fx->path);
	sh("gzip -c %s >%s", fx->path, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(image_unpack(fd, path, &ro, &copy, &err), 1);
	assert_true(copy >= 0);
	assert_int_equal(fcntl(copy, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_int_equal(fstat(copy, &st), 0);
	assert_int_equal(st.st_size, 65536);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(pread(copy, buf, 65536, 0), 65536);
	for (j = 0; j < 65536; j++)
		if (buf[j] != pattern(j))
			fail_msg("byte %zu differs", j);
	close(copy);
	copy = -1;
	assert_int_equal(image_unpack(fd, path, &rw, &copy, &err), -EMEDIUMTYPE);
	assert_non_null(strstr(strbuf_str(&err), "serve it with --ro or --snapshot"));
	assert_int_equal(copy, -1);
	/* fd is still the caller's. */
	assert_true(fcntl(fd, F_GETFD) >= 0);
	close(fd);

	fd = open(fx->path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(image_unpack(fd, fx->path, &ro, &copy, &err), 0);
	assert_int_equal(copy, -1);
	close(fd);
	free(buf);
	strbuf_free(&err);
}

/*
 * gzip, xz and zstd images: served read-only (--ro, --snapshot) from a
 * private copy decompressed by the system's tool, refused for writing
 * with the command that decompresses them; qcow2 refused naming
 * qemu-img; the user's file never changes.
 */
static void test_compressed(void **state)
{
	static const struct {
		const char *ext, *cmd, *name, *hint;
	} kinds[] = {
		{ "gz", "gzip -c", "gzip", "gunzip -k" },
		{ "xz", "xz -c", "xz", "unxz -k" },
		{ "zst", "zstd -q -c", "zstd", "unzstd" },
	};
	struct fx *fx = *state;
	char path[200], want[512], desc[256];
	uint8_t data[4096];
	struct stat before, after;
	struct opts o;
	struct dev *d;
	size_t k, j;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		snprintf(path, sizeof(path), "%s.%s", fx->path, kinds[k].ext);
		sh("%s %s >%s", kinds[k].cmd, fx->path, path);
		assert_int_equal(stat(path, &before), 0);

		opts_init(&o, path);
		snprintf(want, sizeof(want), "is %s-compressed: serve it with --ro or --snapshot",
			 kinds[k].name);
		expect_create_error(fx, &o, -EMEDIUMTYPE, want);
		snprintf(want, sizeof(want), "(%s %s)", kinds[k].hint, path);
		expect_create_error(fx, &o, -EMEDIUMTYPE, want);

		opts_add(&o, "--ro", NULL);
		d = create(fx, &o);
		describe(d, desc, sizeof(desc));
		assert_non_null(strstr(desc, "64 KiB ro"));
		CMD(d, 65536, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 0, 0, 0, 128, 0);
		assert_int_equal(d->r.status, MSC_CSW_PASSED);
		for (j = 0; j < 65536; j++)
			if (d->r.data[j] != pattern(j))
				fail_msg("%s: byte %zu differs", kinds[k].ext, j);
		destroy(fx, d);

		opts_init(&o, path);
		opts_add(&o, "--snapshot", NULL);
		d = create(fx, &o);
		memset(data, 0x5a, sizeof(data));
		CMD(d, 4096, false, data, SCSI_WRITE_10, 0, 0, 0, 0, 8, 0, 0, 8, 0);
		assert_int_equal(d->r.status, MSC_CSW_PASSED);
		CMD(d, 4096, true, NULL, SCSI_READ_10, 0, 0, 0, 0, 8, 0, 0, 8, 0);
		assert_memory_equal(d->r.data, data, sizeof(data));
		destroy(fx, d);

		assert_int_equal(stat(path, &after), 0);
		assert_int_equal(before.st_size, after.st_size);
		assert_int_equal(before.st_mtime, after.st_mtime);
		assert_int_equal(before.st_ino, after.st_ino);
	}
	assert_true(file_is_pattern(fx->path, 64 * 1024));

	/* Damaged: said so, with no size advice (never truncate a compressed file). */
	snprintf(path, sizeof(path), "%s/cut.gz", fx->dir);
	sh("gzip -c %s | head -c 100 >%s", fx->path, path);
	opts_init(&o, path);
	opts_add(&o, "--ro", NULL);
	expect_create_error(fx, &o, -EBADMSG, "gzip could not decompress it");
	snprintf(path, sizeof(path), "%s/small.gz", fx->dir);
	sh("echo hello | gzip -c >%s", path);
	opts_init(&o, path);
	opts_add(&o, "--ro", NULL);
	expect_create_error(fx, &o, -EINVAL, "decompressed, it has 6 bytes");
	{
		struct dev *dd;
		const char *why;

		assert_int_not_equal(try_create(fx, &o, &dd, &why), 0);
		assert_null(strstr(why, "truncate"));
	}

	/* A compressed ISO is a CD image once decompressed. */
	snprintf(path, sizeof(path), "%s/cd.iso", fx->dir);
	make_file(path, 2048 * 20, true);
	stamp_cd(path, 17, "BEA01");
	sh("xz -c %s >%s.xz", path, path);
	snprintf(want, sizeof(want), "%s.xz", path);
	opts_init(&o, want);
	opts_add(&o, "--cdrom", NULL);
	destroy(fx, create(fx, &o));

	/* qcow2: converted by qemu-img, never served. */
	snprintf(path, sizeof(path), "%s/vm.qcow2", fx->dir);
	make_file(path, 64 * 1024, false);
	{
		int fd = open(path, O_WRONLY);

		assert_int_equal(pwrite(fd, "QFI\xfb\0\0\0\3", 8, 0), 8);
		close(fd);
	}
	opts_init(&o, path);
	opts_add(&o, "--snapshot", NULL);
	snprintf(want, sizeof(want), "qemu-img convert -O raw %s %s.raw", path, path);
	expect_create_error(fx, &o, -EMEDIUMTYPE, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_registered),
		cmocka_unit_test_setup_teardown(test_descriptors_high_speed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_descriptors_superspeed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_images, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_permission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_write_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cdrom, setup, teardown),
		cmocka_unit_test(test_format_detect),
		cmocka_unit_test_setup_teardown(test_compressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eject_insert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_safety, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shrunk_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_eject, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_drive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_write_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
