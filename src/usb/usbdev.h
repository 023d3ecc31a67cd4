/* SPDX-License-Identifier: MIT */
/*
 * The device model: one emulated USB device, its descriptors, endpoint 0's
 * standard requests, and the class functions bound to its interfaces.
 *
 * A device never sees a socket. A transport (vhci socketpair, TCP import)
 * hands it URBs with usb_device_submit() and gets them back through the
 * host ops it installed: every URB submitted is given back exactly once,
 * either completed (host->complete) or cancelled (usb_device_unlink()).
 *
 * A class function is bound to a run of interfaces and implements
 * struct usb_class_ops. Transfers on its endpoints are "pulled": the core
 * calls ops->xfer() with the oldest URB queued on the endpoint; the class
 * fills or consumes it and returns, or returns -EAGAIN to leave it queued
 * (an interrupt IN URB waiting for a report). When the class has something
 * new it calls usb_ep_wake() and the core offers the queue again. Classes
 * therefore never hold URB pointers, and cancelling one needs no help from
 * them.
 */
#ifndef VUSB_USBDEV_H
#define VUSB_USBDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/base/list.h"
#include "src/usb/usb.h"

#define USB_MAX_INTERFACES 16
#define USB_MAX_ENDPOINTS 16
#define USB_MAX_STRINGS 16
#define USB_MAX_FUNCTIONS 8

struct usb_device;
struct usb_function;

struct usb_urb {
	struct list_head link; /* on its endpoint's queue while pending */
	uint32_t seqnum;
	uint8_t ep; /* 0..15, direction in `in` */
	bool in;
	uint32_t flags; /* USB/IP transfer_flags, URB_* in the kernel */
	uint32_t length; /* transfer_buffer_length the host asked for */
	uint32_t actual; /* IN: bytes the device produced; OUT: bytes received */
	int32_t status; /* 0 or -errno (-EPIPE: STALL) */
	int32_t start_frame;
	int32_t number_of_packets;
	int32_t interval;
	uint8_t setup_raw[8];
	struct usb_setup setup; /* decoded, ep 0 only */
	uint8_t *buf; /* OUT: `actual` received bytes; IN: room for `cap` */
	uint32_t cap; /* size of buf */
	void *owner; /* the transport's */
};

/*
 * What a class implements. Every callback is optional except xfer for a
 * class that has endpoints. Return conventions:
 *   control: >= 0 bytes placed in data (IN) or 0 (OUT, data holds wLength
 *            bytes the host sent); -EPIPE to stall; -EOPNOTSUPP when the
 *            request is not the class's (the core then stalls).
 *   xfer:    0 when the URB is done (urb->actual set, status 0); -EAGAIN to
 *            leave it queued; any other -errno completes it with that
 *            status, and -EPIPE also halts the endpoint.
 */
struct usb_class_ops {
	const char *name;
	int (*control)(struct usb_function *f, const struct usb_setup *setup,
		       uint8_t *data, size_t len);
	/* GET_DESCRIPTOR with recipient interface (a HID report descriptor) */
	int (*get_descriptor)(struct usb_function *f, const struct usb_setup *setup,
			      uint8_t *data, size_t len);
	int (*xfer)(struct usb_function *f, struct usb_urb *urb);
	/* CLEAR_FEATURE(ENDPOINT_HALT) on one of its endpoints (0x81 style) */
	void (*clear_halt)(struct usb_function *f, uint8_t epaddr);
	/* SET_INTERFACE on one of its interfaces */
	int (*set_alt)(struct usb_function *f, unsigned int intf, unsigned int alt);
	/* the configuration went away or changed (SET_CONFIGURATION, reset) */
	void (*reset)(struct usb_function *f);
	/* the timer armed with usb_function_arm_timer() expired */
	void (*timer)(struct usb_function *f);
	/*
	 * The payload of a large bulk OUT URB may be left with the
	 * transport: the class takes it with usb_urb_splice_out(), or calls
	 * usb_urb_out_data() before it reads urb->buf.
	 */
	bool splice_out;
};

struct usb_function {
	const struct usb_class_ops *ops;
	struct usb_device *dev;
	unsigned int first_intf;
	unsigned int num_intf;
	void *data; /* the class's */
};

/* What the device needs from whoever runs it. */
struct usb_host_ops {
	/* An URB is done: send RET_SUBMIT and free it. */
	void (*complete)(struct usb_device *dev, struct usb_urb *urb);
	/* Call usb_device_timer() in `ms` milliseconds; 0 cancels. */
	void (*arm_timer)(struct usb_device *dev, unsigned int ms);
	/* Something the user should see (LED state, configuration). */
	void (*event)(struct usb_device *dev, const char *what);
	/*
	 * Leave the bus (connected false) or come back (true), as a board
	 * that reboots does. Takes effect after the current call returns;
	 * pending URBs are dropped on the way out.
	 */
	void (*plug)(struct usb_device *dev, bool connected);
	/*
	 * Optional; see usb_urb_splice_in(). The transport takes `len`
	 * bytes of `fd` at `off` as the data of `urb` without a copy
	 * through user space: 0, -EOPNOTSUPP (not now, nothing changed),
	 * or another -errno when reading the file failed (nothing kept).
	 */
	int (*splice_in)(struct usb_device *dev, struct usb_urb *urb, int fd, uint64_t off,
			 size_t len);
	/* Optional, both or neither; see usb_urb_splice_out(), usb_urb_out_data(). */
	int (*splice_out)(struct usb_device *dev, struct usb_urb *urb, int fd, uint64_t off,
			  size_t len);
	int (*out_data)(struct usb_device *dev, struct usb_urb *urb);
};

struct usb_ep {
	struct list_head queue; /* pending URBs, oldest first */
	struct usb_function *func; /* NULL: not in the current configuration */
	uint8_t type; /* USB_ENDPOINT_XFER_* */
	uint16_t maxpacket;
	bool halted;
	bool waking; /* re-entrancy guard for usb_ep_wake() */
};

struct usb_device {
	/* Descriptors, set up by the model before usb_device_init(). */
	uint8_t desc[USB_DT_DEVICE_SIZE];
	const uint8_t *config; /* the whole configuration, wTotalLength */
	const uint8_t *bos; /* NULL unless bcdUSB >= 0x0201 */
	const uint8_t *qualifier; /* NULL: GET_DESCRIPTOR stalls */
	const char *strings[USB_MAX_STRINGS]; /* UTF-8, index 1..; NULL stalls */
	enum usb_speed speed;

	/* State the host changes. */
	uint8_t configuration; /* 0: addressed, not configured */
	uint8_t alt[USB_MAX_INTERFACES];
	bool remote_wakeup;

	struct usb_function funcs[USB_MAX_FUNCTIONS];
	unsigned int nfuncs;
	struct usb_function *intf_func[USB_MAX_INTERFACES];
	struct usb_ep ep[2][USB_MAX_ENDPOINTS]; /* [in][number] */
	uint64_t deadline_ms[USB_MAX_FUNCTIONS]; /* CLOCK_MONOTONIC, 0: unarmed */

	const struct usb_host_ops *host;
	void *host_data;

	/*
	 * Set by a model whose endpoint 0 is answered by firmware (an
	 * emulated microcontroller with its own USB stack, dfu/fomu/firmware.c):
	 * every endpoint-0 URB then goes here, standard requests included,
	 * instead of the core's own answers. Pulled like a class's xfer(),
	 * one URB at a time, in order: 0 completes it (urb->actual set for
	 * IN), -EAGAIN leaves it queued on endpoint 0 until
	 * usb_ep_wake(dev, 0), another -errno completes it with that status
	 * (-EPIPE: a STALL; endpoint 0 is never halted). The core still
	 * follows what the firmware accepted: a SET_CONFIGURATION it
	 * completes sets `configuration` and sends the "configured" event.
	 * SET_ADDRESS never comes (vhci answers it): addressing its firmware
	 * is the model's job. NULL for every other device.
	 */
	int (*raw_control)(struct usb_device *dev, struct usb_urb *urb);
};

/* Zero the device state; the model fills the descriptors afterwards. */
void usb_device_init(struct usb_device *dev);

/*
 * Bind `ops` to interfaces first..first+num-1. Returns the function, or
 * NULL when all USB_MAX_FUNCTIONS slots are taken (a model bug).
 */
struct usb_function *usb_device_add_function(struct usb_device *dev,
					     const struct usb_class_ops *ops,
					     unsigned int first_intf,
					     unsigned int num_intf, void *data);

/*
 * Walking a configuration descriptor: usb_config_next() yields each
 * descriptor in turn, and NULL at wTotalLength or at a malformed one
 * (then err is -EINVAL), so callers never read past the end.
 */
struct usb_config_cursor {
	const uint8_t *p;
	size_t off;
	size_t total;
	int err;
};

void usb_config_begin(struct usb_config_cursor *c, const uint8_t *config);
const uint8_t *usb_config_next(struct usb_config_cursor *c);

/*
 * Check the descriptors and bind endpoints to functions by walking the
 * configuration descriptor. 0, or -EINVAL when a descriptor is malformed
 * or names an interface no function claims.
 */
int usb_device_validate(struct usb_device *dev);

/*
 * Take an URB from the host. It is completed through host->complete, now
 * or later. The device owns it until then.
 */
void usb_device_submit(struct usb_device *dev, struct usb_urb *urb);

/*
 * Cancel the pending URB `seqnum`. Returns it (removed from its queue, not
 * completed: the caller answers RET_UNLINK and frees it), or NULL when no
 * such URB is pending (it has completed already).
 */
struct usb_urb *usb_device_unlink(struct usb_device *dev, uint32_t seqnum);

/*
 * The host went away: every pending URB is handed to `drop` (which frees
 * it) and the configuration is reset. Used on disconnect.
 */
void usb_device_disconnect(struct usb_device *dev,
			   void (*drop)(struct usb_urb *urb, void *data), void *data);

/* The timer armed through host->arm_timer fired. */
void usb_device_timer(struct usb_device *dev);

/* The class has new data or room for `epaddr` (0x81: IN 1): retry its queue. */
void usb_ep_wake(struct usb_device *dev, uint8_t epaddr);

/*
 * For a class in xfer() on an IN URB: make the `len` bytes of file `fd`
 * at `off` the URB's data (urb->actual is then len) without reading them
 * into urb->buf, where the transport can (a connection splices them from
 * the page cache to its socket). -EOPNOTSUPP when it cannot now, with
 * nothing changed: the class fills urb->buf instead. Another -errno: the
 * file could not be read. The bytes are taken as they are when the
 * transport sends them, which is before the host can ask for anything
 * else of this device's endpoint: a class whose data may change in
 * between must copy.
 */
int usb_urb_splice_in(struct usb_device *dev, struct usb_urb *urb, int fd, uint64_t off,
		      size_t len);

/*
 * For the transport: whether OUT endpoint `ep` (0..15) belongs to a class
 * that takes payloads by usb_urb_splice_out() (ops->splice_out).
 */
bool usb_device_splices_out(struct usb_device *dev, uint8_t ep);

/*
 * For a class with ops->splice_out, in xfer() on an OUT URB: write the
 * next `len` bytes of its payload to file `fd` at `off` without a copy
 * through user space. 0; -EOPNOTSUPP when the payload is in urb->buf
 * (or the file cannot take it this way), nothing written: call
 * usb_urb_out_data() and write from urb->buf; another -errno from the
 * write (-ENOSPC, -EIO), after which what was written stays written.
 */
int usb_urb_splice_out(struct usb_device *dev, struct usb_urb *urb, int fd, uint64_t off,
		       size_t len);

/*
 * For a class with ops->splice_out: make urb->buf hold the OUT payload
 * (the part usb_urb_splice_out() has not taken). 0 or -errno.
 */
int usb_urb_out_data(struct usb_device *dev, struct usb_urb *urb);

/* Number of URBs waiting on `epaddr`. */
unsigned int usb_ep_pending(const struct usb_device *dev, uint8_t epaddr);

/* Halt `epaddr`: URBs queued on it complete with -EPIPE until cleared. */
void usb_ep_set_halt(struct usb_device *dev, uint8_t epaddr);

/* Ask for ops->timer in `ms` milliseconds (0 cancels). */
void usb_function_arm_timer(struct usb_function *f, unsigned int ms);

/* Ask to be unplugged (false) or plugged in again (true); see host->plug. */
void usb_device_plug(struct usb_device *dev, bool connected);

/* Tell the user something through host->event. */
void usb_device_event(struct usb_device *dev, const char *what);

static inline bool usb_device_configured(const struct usb_device *dev)
{
	return dev->configuration != 0;
}

/*
 * Encode `utf8` as a USB string descriptor into buf (at most len bytes).
 * Returns the descriptor's full length (which may exceed len: the caller
 * sends min(len, ret)), or -EINVAL for bad UTF-8 or a string too long for
 * one descriptor.
 */
int usb_string_descriptor(const char *utf8, uint8_t *buf, size_t len);

#endif
