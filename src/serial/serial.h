/* SPDX-License-Identifier: MIT */
/*
 * "serial": a USB serial adapter, one CDC-ACM function (src/serial/acm.h)
 * at full speed (64-byte bulk packets) or high speed (512). The device
 * only; what carries its bytes on is the application's
 * (src/app/serial.c).
 */
#ifndef VUSB_SERIAL_H
#define VUSB_SERIAL_H

#include "src/base/json.h"
#include "src/base/list.h"
#include "src/base/strbuf.h"
#include "src/serial/acm.h"
#include "src/usb/model.h"

#define SERIAL_VID 0x1209
#define SERIAL_PID 0x0005

struct serial_dev {
	struct usb_device usb;
	struct acm acm;
	char manufacturer[VUSB_STRING_MAX];
	char product[VUSB_STRING_MAX];
	char serial[VUSB_STRING_MAX];
	void *port; /* the application's other end */
};

/*
 * A serial device as `opts` say (--speed full or high, ids, strings).
 * 0, -ENOMEM, or -EINVAL with the reason in err.
 */
int serial_dev_create(struct serial_dev **ret, const struct vusb_dev_opts *opts,
		      struct strbuf *err);
void serial_dev_destroy(struct serial_dev *s);

static inline struct serial_dev *serial_dev_of(struct usb_device *dev)
{
	return container_of(dev, struct serial_dev, usb);
}

/* The line state as `vusbctl NAME info` shows it: "key value" lines. */
void serial_dev_info(const struct serial_dev *s, struct strbuf *out);

/* The same as members of a JSON object (`info --json`): "line", "rate",
 * "dtr", "rts", "break", "breaks", "dcd", "dsr", "ri", "queued_to_host",
 * "queued_from_host". */
void serial_dev_info_json(const struct serial_dev *s, struct json *j);

/* `set dcd|dsr|ri on|off`: 0, or -EINVAL with the reason in out. */
int serial_dev_set(struct serial_dev *s, const char *line, const char *value, struct strbuf *out);

#endif
