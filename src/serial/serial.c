// SPDX-License-Identifier: MIT
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/serial/serial.h"

#define EP_NOTIFY 0x83
#define EP_IN 0x81
#define EP_OUT 0x02

#define USB_CLASS_COMM 0x02
#define USB_CLASS_CDC_DATA 0x0a
#define CDC_SUBCLASS_ACM 0x02
#define USB_DT_CS_INTERFACE 0x24
#define CDC_HEADER 0x00
#define CDC_CALL_MANAGEMENT 0x01
#define CDC_ACM 0x02
#define CDC_UNION 0x06
/* ACM bmCapabilities: line coding, control lines, serial state; break */
#define CDC_ACM_CAPS 0x06

static const uint8_t device_desc[] = {
	USB_DT_DEVICE_SIZE, USB_DT_DEVICE, U16_LE(0x0200),
	USB_CLASS_COMM, 0, 0, 64 /* bMaxPacketSize0 */,
	U16_LE(SERIAL_VID), U16_LE(SERIAL_PID), U16_LE(0x0100) /* bcdDevice */,
	1 /* iManufacturer */, 2 /* iProduct */, 3 /* iSerialNumber */, 1 /* configurations */,
};
static_assert(sizeof(device_desc) == USB_DT_DEVICE_SIZE, "device descriptor");

#define DEV_VENDOR 8
#define DEV_PRODUCT 10

#define FUNC_SIZE (5 + 5 + 4 + 5)
#define CONFIG_SIZE \
	(USB_DT_CONFIG_SIZE + 2 * USB_DT_INTERFACE_SIZE + FUNC_SIZE + 3 * USB_DT_ENDPOINT_SIZE)

/* bInterval: 32 ms, in frames at full speed, as 2^(n-1) microframes at high. */
#define CONFIG(bulk, interval)                                                              \
	USB_DT_CONFIG_SIZE, USB_DT_CONFIG, U16_LE(CONFIG_SIZE), 2 /* interfaces */,          \
	1 /* bConfigurationValue */, 0, USB_CONFIG_ATT_ONE, 50 /* 100 mA */,                  \
	/* communications: no AT commands (protocol 0), so no modem manager probes it */ \
	USB_DT_INTERFACE_SIZE, USB_DT_INTERFACE, 0, 0, 1 /* endpoint */,                      \
	USB_CLASS_COMM, CDC_SUBCLASS_ACM, 0, 0,                                               \
	5, USB_DT_CS_INTERFACE, CDC_HEADER, U16_LE(0x0120) /* bcdCDC */,                      \
	5, USB_DT_CS_INTERFACE, CDC_CALL_MANAGEMENT, 0 /* none */, 1 /* data interface */,  \
	4, USB_DT_CS_INTERFACE, CDC_ACM, CDC_ACM_CAPS,                                        \
	5, USB_DT_CS_INTERFACE, CDC_UNION, 0 /* control */, 1 /* data */,                    \
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, EP_NOTIFY, USB_ENDPOINT_XFER_INT,             \
	U16_LE(16), (interval),                                                               \
	/* data */                                                                            \
	USB_DT_INTERFACE_SIZE, USB_DT_INTERFACE, 1, 0, 2 /* endpoints */,                     \
	USB_CLASS_CDC_DATA, 0, 0, 0,                                                          \
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, EP_IN, USB_ENDPOINT_XFER_BULK, U16_LE(bulk), 0, \
	USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, EP_OUT, USB_ENDPOINT_XFER_BULK, U16_LE(bulk), 0

static const uint8_t config_fs[] = { CONFIG(64, 32) };
static_assert(sizeof(config_fs) == CONFIG_SIZE, "full-speed configuration");
static const uint8_t config_hs[] = { CONFIG(512, 9) };
static_assert(sizeof(config_hs) == CONFIG_SIZE, "high-speed configuration");

static const uint8_t qualifier_desc[] = {
	USB_DT_QUALIFIER_SIZE, USB_DT_DEVICE_QUALIFIER, U16_LE(0x0200),
	USB_CLASS_COMM, 0, 0, 64 /* bMaxPacketSize0 */, 1 /* configurations */, 0,
};
static_assert(sizeof(qualifier_desc) == USB_DT_QUALIFIER_SIZE, "qualifier");

int serial_dev_create(struct serial_dev **ret, const struct vusb_dev_opts *opts,
		      struct strbuf *err)
{
	struct serial_dev *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	usb_device_init(&s->usb);
	memcpy(s->usb.desc, device_desc, sizeof(device_desc));
	switch (opts->speed) {
	case USB_SPEED_UNKNOWN:
	case USB_SPEED_FULL:
		s->usb.speed = USB_SPEED_FULL;
		s->usb.config = config_fs;
		break;
	case USB_SPEED_HIGH:
		s->usb.speed = USB_SPEED_HIGH;
		s->usb.config = config_hs;
		s->usb.qualifier = qualifier_desc;
		break;
	default:
		strbuf_printf(err, "a serial device cannot be %s: use --speed full or high",
			      usb_speed_name(opts->speed));
		r = -EINVAL;
		goto fail;
	}
	r = vusb_dev_set_id("vendor id", opts->vid, SERIAL_VID, s->usb.desc + DEV_VENDOR, err);
	if (r == 0)
		r = vusb_dev_set_id("product id", opts->pid, SERIAL_PID, s->usb.desc + DEV_PRODUCT,
				    err);
	if (r == 0)
		r = vusb_dev_set_string("manufacturer",
					opts->manufacturer ? opts->manufacturer : "vusb",
					s->manufacturer, err);
	if (r == 0)
		r = vusb_dev_set_string("product",
					opts->product ? opts->product : "Virtual Serial Port",
					s->product, err);
	if (r == 0)
		r = vusb_dev_set_string("serial",
					opts->serial ? opts->serial :
					opts->name   ? opts->name :
						       "serial",
					s->serial, err);
	if (r < 0)
		goto fail;
	s->usb.strings[1] = s->manufacturer;
	s->usb.strings[2] = s->product;
	s->usb.strings[3] = s->serial;

	r = acm_init(&s->acm, &s->usb, 0, EP_NOTIFY, EP_IN, EP_OUT);
	if (r < 0)
		goto fail;
	r = usb_device_validate(&s->usb);
	if (r < 0) {
		strbuf_printf(err, "serial: internal error: invalid descriptors (%d)", r);
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	serial_dev_destroy(s);
	return r;
}

void serial_dev_destroy(struct serial_dev *s)
{
	if (!s)
		return;
	acm_release(&s->acm);
	free(s);
}

static const char *onoff(bool on)
{
	return on ? "on" : "off";
}

void serial_dev_info(const struct serial_dev *s, struct strbuf *out)
{
	const struct acm *a = &s->acm;
	char line[64];

	acm_line_coding_format(&a->line, line, sizeof(line));
	strbuf_printf(out, "line %s\n", line);
	strbuf_printf(out, "dtr %s\nrts %s\n", onoff(a->control & ACM_CTRL_DTR),
		      onoff(a->control & ACM_CTRL_RTS));
	strbuf_printf(out, "break %s\nbreaks %u\n", onoff(a->brk), a->breaks);
	strbuf_printf(out, "dcd %s\ndsr %s\nri %s\n", onoff(a->state & ACM_STATE_DCD),
		      onoff(a->state & ACM_STATE_DSR), onoff(a->state & ACM_STATE_RI));
	strbuf_printf(out, "queued to-host %zu from-host %zu\n", acm_tx_pending(a),
		      acm_rx_pending(a));
}

void serial_dev_info_json(const struct serial_dev *s, struct json *j)
{
	const struct acm *a = &s->acm;
	char line[64];

	acm_line_coding_format(&a->line, line, sizeof(line));
	json_kv_str(j, "line", line);
	json_kv_uint(j, "rate", a->line.rate);
	json_kv_bool(j, "dtr", a->control & ACM_CTRL_DTR);
	json_kv_bool(j, "rts", a->control & ACM_CTRL_RTS);
	json_kv_bool(j, "break", a->brk);
	json_kv_uint(j, "breaks", a->breaks);
	json_kv_bool(j, "dcd", a->state & ACM_STATE_DCD);
	json_kv_bool(j, "dsr", a->state & ACM_STATE_DSR);
	json_kv_bool(j, "ri", a->state & ACM_STATE_RI);
	json_kv_uint(j, "queued_to_host", acm_tx_pending(a));
	json_kv_uint(j, "queued_from_host", acm_rx_pending(a));
}

int serial_dev_set(struct serial_dev *s, const char *line, const char *value, struct strbuf *out)
{
	uint16_t bit;
	bool on;

	if (!strcmp(line, "dcd"))
		bit = ACM_STATE_DCD;
	else if (!strcmp(line, "dsr"))
		bit = ACM_STATE_DSR;
	else if (!strcmp(line, "ri"))
		bit = ACM_STATE_RI;
	else {
		strbuf_printf(out, "set: unknown line '%s': dcd, dsr or ri", line);
		return -EINVAL;
	}
	if (!strcmp(value, "on") || !strcmp(value, "1"))
		on = true;
	else if (!strcmp(value, "off") || !strcmp(value, "0"))
		on = false;
	else {
		strbuf_printf(out, "set: '%s' is neither on nor off", value);
		return -EINVAL;
	}
	return acm_set_state(&s->acm, bit, on);
}
