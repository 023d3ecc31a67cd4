// SPDX-License-Identifier: MIT
/*
 * "hid": a HID device made from any report descriptor the user gives
 * (--report-descriptor FILE). The descriptor is checked and measured by
 * hid/rdesc.c before anything is built; the device then keeps the current
 * value of every report it describes, by type and ID, as it travels (its
 * ID byte first when the descriptor uses IDs): input reports as the user
 * last sent them, output and feature reports as the host or the user last
 * set them. GET_REPORT answers from there.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hid/custom.h"
#include "hid/hiddev.h"
#include "hid/models.h"
#include "hid/rdesc.h"
#include "src/base/watch.h"
#include "src/base/num.h"

#define CUSTOM_EP_OUT 0x02
/* Arguments of hex a command takes (the control socket passes up to 64
 * words; one word may hold a whole report). */
#define CUSTOM_HEX_ARGS 60

struct hid_custom {
	struct hid_device hd;
	struct hid_model_info info;
	struct hid_params params;
	uint8_t config[HID_CONFIG_MAX];
	struct hid_rdesc layout;
	uint8_t rdesc[HID_RDESC_MAX];
	/* The current value of each report, as it travels; NULL: none. */
	uint8_t *value[3][HID_RDESC_IDS];
	uint8_t *blob;
	struct watchers watchers;
};

static struct hid_custom *custom_of(struct usb_device *dev)
{
	return container_of(hid_device_of(dev), struct hid_custom, hd);
}

static struct hid_custom *custom_of_hid(struct hid *h)
{
	return container_of(hid_device_of_hid(h), struct hid_custom, hd);
}

static const char *const type_names[] = { "input", "output", "feature" };

static void emit_watch(struct hid_custom *c, unsigned int type, unsigned int id,
		       const uint8_t *data, size_t n, const char *text);

int hid_custom_parse_hex(const char *cmd, int argc, char **argv, uint8_t *out, size_t max,
			 struct strbuf *err)
{
	size_t n = 0;
	int i;

	for (i = 0; i < argc; i++) {
		const char *s = argv[i];

		while (*s) {
			int hi, lo;

			if (*s == ' ' || *s == ':' || *s == ',') {
				s++;
				continue;
			}
			hi = num_hexdigit(s[0]);
			lo = hi < 0 ? -1 : num_hexdigit(s[1]);
			if (hi < 0 || lo < 0) {
				strbuf_printf(err,
					      "%s: '%s' is not hex bytes (two digits each, as 01ff "
					      "or 01 ff)",
					      cmd, argv[i]);
				return -EINVAL;
			}
			if (n == max) {
				strbuf_printf(err, "%s: over %zu bytes", cmd, max);
				return -EINVAL;
			}
			out[n++] = (uint8_t)(hi << 4 | lo);
			s += 2;
		}
	}
	if (!n) {
		strbuf_printf(err, "%s: no bytes given", cmd);
		return -EINVAL;
	}
	return (int)n;
}

static void hex_text(const uint8_t *p, size_t n, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		strbuf_printf(out, i ? " %02x" : "%02x", p[i]);
}

static size_t report_len(const struct hid_custom *c, unsigned int type, unsigned int id)
{
	return hid_rdesc_report_len(&c->layout, type, id);
}

/* The IDs a type has, for messages: "1, 2". */
static void list_ids(const struct hid_custom *c, unsigned int type, struct strbuf *out)
{
	unsigned int id, n = 0;

	for (id = 1; id < HID_RDESC_IDS; id++)
		if (report_len(c, type, id))
			strbuf_printf(out, n++ ? ", %u" : "%u", id);
	if (!n)
		strbuf_printf(out, "none");
}

/* The line watchers get: the event's text, or JSON with the ID and the
 * report as one hex string. */
static void emit_watch(struct hid_custom *c, unsigned int type, unsigned int id,
		       const uint8_t *data, size_t n, const char *text)
{
	struct strbuf js = { 0 };
	size_t i;

	strbuf_printf(&js, "{\"type\":\"%s\",\"id\":%u,\"report\":\"", type_names[type - 1], id);
	for (i = 0; i < n; i++)
		strbuf_printf(&js, "%02x", data[i]);
	strbuf_printf(&js, "\"}");
	if (!js.err)
		watchers_emit(&c->watchers, text, strbuf_str(&js));
	strbuf_free(&js);
}

static int custom_get_report(struct hid *h, unsigned int type, unsigned int id, uint8_t *data,
			     size_t len)
{
	struct hid_custom *c = custom_of_hid(h);
	size_t n = report_len(c, type, id);

	if (!n)
		return -EPIPE;
	if (n > len)
		n = len;
	memcpy(data, c->value[type - 1][id], n);
	return (int)n;
}

static int custom_set_report(struct hid *h, unsigned int type, unsigned int id, const uint8_t *data,
			     size_t len)
{
	struct hid_custom *c = custom_of_hid(h);
	size_t n = report_len(c, type, id);
	struct strbuf sb = { 0 };

	/* The host writes output and feature reports; input ones it reads. */
	if (type == HID_REPORT_INPUT || !n || len != n)
		return -EPIPE;
	if (c->layout.ids && data[0] != id)
		return -EPIPE;
	memcpy(c->value[type - 1][id], data, n);
	strbuf_printf(&sb, "%s ", type_names[type - 1]);
	hex_text(data, n, &sb);
	/* On -ENOMEM the event is lost; the value is still kept. */
	if (!sb.err)
		usb_device_event(&c->hd.usb, strbuf_str(&sb));
	emit_watch(c, type, id, data, n, strbuf_str(&sb));
	strbuf_free(&sb);
	return 0;
}

/* The report socket's input: a report of one of the descriptor's sizes. */
static int custom_send_report(struct usb_device *dev, const uint8_t *report, size_t len)
{
	struct hid_custom *c = custom_of(dev);
	unsigned int id = c->layout.ids ? report[0] : 0;
	int r;

	if (!len || len > HID_REPORT_MAX || len != report_len(c, HID_REPORT_INPUT, id))
		return -EMSGSIZE;
	r = hid_send_len(&c->hd.hid, report, len);
	if (r == 0)
		memcpy(c->value[HID_REPORT_INPUT - 1][id], report, len);
	return r;
}

static int custom_cmd_send(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct hid_custom *c = custom_of(dev);
	uint8_t r[HID_REPORT_MAX];
	unsigned int id;
	size_t want;
	int n;

	n = hid_custom_parse_hex("send", argc - 1, argv + 1, r, sizeof(r), out);
	if (n < 0)
		return n;
	id = c->layout.ids ? r[0] : 0;
	want = report_len(c, HID_REPORT_INPUT, id);
	if (!want) {
		strbuf_printf(out, "send: no input report has ID %u (input report IDs: ", id);
		list_ids(c, HID_REPORT_INPUT, out);
		strbuf_printf(out, ")");
		return -EINVAL;
	}
	if ((size_t)n != want) {
		if (c->layout.ids)
			strbuf_printf(out, "send: input report %u is %zu bytes with its ID, got %d",
				      id, want, n);
		else
			strbuf_printf(out, "send: the input report is %zu bytes, got %d", want, n);
		return -EINVAL;
	}
	n = hid_send_len(&c->hd.hid, r, want);
	if (n < 0)
		return n;
	memcpy(c->value[HID_REPORT_INPUT - 1][id], r, want);
	return 0;
}

static int parse_id(const struct hid_custom *c, const char *cmd, unsigned int type, const char *s,
		    unsigned int *ret, struct strbuf *out)
{
	char *end;
	unsigned long id;

	id = strtoul(s, &end, 0);
	if (!*s || *end || *s == '-' || id >= HID_RDESC_IDS) {
		strbuf_printf(out, "%s: '%s' is not a report ID (0 to 255)", cmd, s);
		return -EINVAL;
	}
	if (!report_len(c, type, (unsigned int)id)) {
		if (!c->layout.ids && report_len(c, type, 0)) {
			strbuf_printf(out, "%s: the descriptor uses no report IDs: give ID 0", cmd);
		} else if (!c->layout.ids) {
			strbuf_printf(out, "%s: the descriptor has no %s report", cmd,
				      type_names[type - 1]);
		} else {
			strbuf_printf(out, "%s: no %s report has ID %lu (%s report IDs: ", cmd,
				      type_names[type - 1], id, type_names[type - 1]);
			list_ids(c, type, out);
			strbuf_printf(out, ")");
		}
		return -EINVAL;
	}
	*ret = (unsigned int)id;
	return 0;
}

static int custom_cmd_feature(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct hid_custom *c = custom_of(dev);
	uint8_t data[HID_CUSTOM_FEATURE_MAX];
	unsigned int id;
	size_t want;
	int n;

	n = parse_id(c, "feature", HID_REPORT_FEATURE, argv[1], &id, out);
	if (n < 0)
		return n;
	n = hid_custom_parse_hex("feature", argc - 2, argv + 2, data, sizeof(data), out);
	if (n < 0)
		return n;
	/* The data after the ID, which the command line gave apart. */
	want = report_len(c, HID_REPORT_FEATURE, id) - (id ? 1 : 0);
	if ((size_t)n != want) {
		strbuf_printf(out,
			      "feature: feature report %u holds %zu bytes after its ID, got %d", id,
			      want, n);
		return -EINVAL;
	}
	memcpy(c->value[HID_REPORT_FEATURE - 1][id] + (id ? 1 : 0), data, want);
	return 0;
}

static int custom_cmd_get_report(struct usb_device *dev, int argc, char **argv, struct strbuf *out)
{
	struct hid_custom *c = custom_of(dev);
	unsigned int type, id;
	int r;

	for (type = HID_REPORT_INPUT; type <= HID_REPORT_FEATURE; type++)
		if (!strcmp(argv[1], type_names[type - 1]))
			break;
	if (type > HID_REPORT_FEATURE) {
		strbuf_printf(out,
			      "get-report: '%s' is not a report type: input, output or feature",
			      argv[1]);
		return -EINVAL;
	}
	r = parse_id(c, "get-report", type, argc > 2 ? argv[2] : "0", &id, out);
	if (r < 0)
		return r;
	hex_text(c->value[type - 1][id], report_len(c, type, id), out);
	return 0;
}

static int custom_cmd_watch(struct usb_device *dev, int argc, char **argv, int fd,
			    struct strbuf *out)
{
	return watch_command(&custom_of(dev)->watchers, "device", argc, argv, fd, out);
}

/* fd: the file, sent by vusbctl (taken); -1: open path here. */
static int read_descriptor_file(int fd, const char *path, uint8_t **ret, size_t *ret_len,
				struct strbuf *err)
{
	size_t len = 0, cap = HID_RDESC_TEXT_MAX + 1;
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int r;

	if (fd == -1)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	else if (fd < 0)
		errno = -fd;
	if (fd < 0) {
		r = -errno;
		strbuf_printf(err, "--report-descriptor %s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		strbuf_printf(err, "--report-descriptor %s: %s", path, strerror(EISDIR));
		return -EISDIR;
	}
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < cap) {
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			close(fd);
			free(buf);
			strbuf_printf(err, "--report-descriptor %s: %s", path, strerror(-r));
			return r;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* Where in a text file a byte offset is: "line 3, column 7". */
static void text_position(const uint8_t *f, size_t len, size_t off, struct strbuf *out)
{
	unsigned int line = 1, col = 1;
	size_t i;

	for (i = 0; i < off && i < len; i++, col++)
		if (f[i] == '\n') {
			line++;
			col = 0;
		}
	strbuf_printf(out, "line %u, column %u", line, col);
}

static int load_descriptor(struct hid_custom *c, const struct vusb_dev_opts *opts,
			   const char *path, size_t ep_size, struct strbuf *err)
{
	struct hid_rdesc_limits lim = { { ep_size, ep_size, HID_CUSTOM_FEATURE_MAX } };
	struct hid_rdesc_error e = { 0 };
	size_t len = 0;
	uint8_t *file = NULL;
	int n, r;

	r = read_descriptor_file(vusb_dev_file_fd(opts, "--report-descriptor"), path, &file, &len,
				 err);
	if (r < 0)
		return r;
	n = hid_rdesc_load(file, len, c->rdesc, &e);
	if (n < 0) {
		strbuf_printf(err, "--report-descriptor %s: ", path);
		if (e.text && e.offset < len) {
			text_position(file, len, e.offset, err);
			strbuf_printf(err, ": ");
		}
		strbuf_printf(err, "%s", e.reason);
		free(file);
		return -EINVAL;
	}
	free(file);
	r = hid_rdesc_parse(c->rdesc, (size_t)n, &lim, &c->layout, &e);
	if (r < 0) {
		strbuf_printf(err, "--report-descriptor %s: byte %zu: %s", path, e.offset,
			      e.reason);
		if (e.offset < (size_t)n)
			strbuf_printf(err, " (item 0x%02x)", c->rdesc[e.offset]);
		return r;
	}
	if (!c->layout.nreports[HID_REPORT_INPUT - 1]) {
		strbuf_printf(err,
			      "--report-descriptor %s: no Input report: a HID device sends "
			      "at least one",
			      path);
		return -EINVAL;
	}
	return n;
}

/* One buffer for every report's value, each starting with its ID. */
static int alloc_values(struct hid_custom *c)
{
	size_t total = 0, off = 0, n;
	unsigned int type, id;

	for (type = HID_REPORT_INPUT; type <= HID_REPORT_FEATURE; type++)
		for (id = 0; id < HID_RDESC_IDS; id++)
			total += report_len(c, type, id);
	c->blob = calloc(1, total);
	if (!c->blob)
		return -ENOMEM;
	for (type = HID_REPORT_INPUT; type <= HID_REPORT_FEATURE; type++)
		for (id = 0; id < HID_RDESC_IDS; id++) {
			n = report_len(c, type, id);
			if (!n)
				continue;
			c->value[type - 1][id] = c->blob + off;
			if (id)
				c->blob[off] = (uint8_t)id;
			off += n;
		}
	return 0;
}

static int parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max,
		      unsigned long *ret, struct strbuf *err)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || *s == '-' || v < min || v > max) {
		strbuf_printf(err, "%s '%s': a number from %lu to %lu", opt, s, min, max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int custom_create(struct usb_device **ret, const struct vusb_dev_opts *opts,
			 struct strbuf *err)
{
	const char *path = vusb_dev_opt(opts, "--report-descriptor");
	const char *boot = vusb_dev_opt(opts, "--boot");
	const char *s;
	bool out_ep = vusb_dev_opt(opts, "--out-endpoint") != NULL;
	unsigned long interval = 1, country = 0;
	uint8_t subclass = HID_SUBCLASS_NONE, protocol = 0, boot_len = 0;
	size_t ep_size = opts->speed == USB_SPEED_LOW ? 8 : HID_REPORT_MAX, total;
	struct hid_custom *c;
	unsigned int id;
	int n, r;

	if (!path) {
		strbuf_printf(err, "hid needs --report-descriptor FILE (binary, or hex text)");
		return -EINVAL;
	}
	s = vusb_dev_opt(opts, "--interval");
	if (s && parse_uint("--interval", s, 1, 255, &interval, err) < 0)
		return -EINVAL;
	s = vusb_dev_opt(opts, "--country");
	if (s && parse_uint("--country", s, 0, 35, &country, err) < 0)
		return -EINVAL;
	if (boot && !strcmp(boot, "keyboard")) {
		protocol = HID_BOOT_KEYBOARD;
		boot_len = 8;
	} else if (boot && !strcmp(boot, "mouse")) {
		protocol = HID_BOOT_MOUSE;
		boot_len = 3;
	} else if (boot) {
		strbuf_printf(err, "--boot '%s': keyboard or mouse", boot);
		return -EINVAL;
	}
	if (boot)
		subclass = HID_SUBCLASS_BOOT;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	watchers_init(&c->watchers);
	n = load_descriptor(c, opts, path, ep_size, err);
	if (n < 0) {
		r = n;
		goto fail;
	}
	r = -EINVAL;
	if (boot && (c->layout.ids || report_len(c, HID_REPORT_INPUT, 0) < boot_len)) {
		strbuf_printf(err,
			      "--boot %s: the descriptor must have one input report, without "
			      "an ID, starting with the %u-byte boot report",
			      boot, boot_len);
		goto fail;
	}
	if (out_ep && !c->layout.nreports[HID_REPORT_OUTPUT - 1]) {
		strbuf_printf(err, "--out-endpoint: the descriptor has no Output report to send "
				   "there");
		goto fail;
	}
	r = alloc_values(c);
	if (r < 0)
		goto fail;

	{
		const uint8_t config[] = {
			HID_CONFIG_DESC(subclass, protocol, n, ep_size, (uint8_t)interval),
			USB_DT_ENDPOINT_SIZE,
			USB_DT_ENDPOINT,
			CUSTOM_EP_OUT,
			USB_ENDPOINT_XFER_INT,
			U16_LE(ep_size),
			(uint8_t)interval,
		};

		total = out_ep ? sizeof(config) : HID_CONFIG_SIZE;
		memcpy(c->config, config, total);
		c->config[2] = (uint8_t)total;
		/* One more endpoint in the interface descriptor. */
		if (out_ep)
			c->config[USB_DT_CONFIG_SIZE + 4] = 2;
		c->config[USB_DT_CONFIG_SIZE + USB_DT_INTERFACE_SIZE + 4] = (uint8_t)country;
	}

	/* The first input report, for the class's idle repeat before any. */
	for (id = 0; !report_len(c, HID_REPORT_INPUT, id); id++)
		;
	c->params = (struct hid_params){
		.report_desc = c->rdesc,
		.report_desc_len = (uint16_t)n,
		.in_len = (uint8_t)report_len(c, HID_REPORT_INPUT, id),
		.boot_len = boot_len,
		.get_report = custom_get_report,
		.set_report = custom_set_report,
		.report_ids = c->layout.ids,
	};
	c->info = (struct hid_model_info){
		.name = "hid",
		.product = "Virtual HID Device",
		.pid = 0x0004,
		.config = c->config,
		.params = &c->params,
	};
	r = hid_device_setup(&c->hd, &c->info, opts, err);
	if (r < 0)
		goto fail;
	*ret = &c->hd.usb;
	return 0;
fail:
	free(c->blob);
	free(c);
	return r;
}

static void custom_destroy(struct usb_device *dev)
{
	struct hid_custom *c = custom_of(dev);

	watchers_free(&c->watchers);
	free(c->blob);
	free(c);
}

static void custom_describe(struct usb_device *dev, struct strbuf *out)
{
	struct hid_custom *c = custom_of(dev);

	strbuf_printf(out, "reports: %u input, %u output, %u feature%s", c->layout.nreports[0],
		      c->layout.nreports[1], c->layout.nreports[2],
		      c->layout.ids ? ", with IDs" : "");
}

static const struct vusb_command custom_commands[] = {
	{ "send", "HEX", "queue one input report (its ID first when the descriptor uses IDs)", 1,
	  CUSTOM_HEX_ARGS, custom_cmd_send, NULL },
	{ "feature", "ID HEX", "set what GET_REPORT(feature, ID) answers (HEX: after the ID)", 2,
	  1 + CUSTOM_HEX_ARGS, custom_cmd_feature, NULL },
	{ "get-report", "input|output|feature [ID]", "print a report's current value", 1, 2,
	  custom_cmd_get_report, NULL },
	{ "watch", "[--json]", "print each output or feature report the host sends, until ^C", 0, 1,
	  NULL, custom_cmd_watch },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

static const struct vusb_model_option custom_options[] = {
	{ "--report-descriptor", "FILE", "the report descriptor: binary, or hex text" },
	{ "--interval", "MS", "interrupt polling interval at full speed, 1..255 (default 1)" },
	{ "--out-endpoint", NULL, "an interrupt OUT endpoint for output reports" },
	{ "--boot", "keyboard|mouse", "boot subclass and protocol" },
	{ "--country", "N", "bCountryCode of the HID descriptor, 0..35 (default 0)" },
	{ NULL, NULL, NULL },
};

const struct vusb_model hid_custom_model = {
	.name = "hid",
	.summary = "any HID device, from a report descriptor (--report-descriptor FILE)",
	.create = custom_create,
	.destroy = custom_destroy,
	.commands = custom_commands,
	.options = custom_options,
	.describe = custom_describe,
	.send_report = custom_send_report,
};
