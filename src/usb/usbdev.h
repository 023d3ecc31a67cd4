/* SPDX-License-Identifier: MIT */
/*
 * The device model: one emulated USB device, its descriptors, endpoint 0's
 * standard requests, and the class functions bound to its interfaces.
 *
 * A device never sees a socket. A transport (vhci socketpair, TCP import)
 * hands it URBs with usb_device_submit() and gets them back through the
 * transport ops it installed: every URB submitted is given back exactly once,
 * either completed (transport->complete) or cancelled (usb_device_unlink()).
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
	/* a fault that fired leaves work for completion (src/usb/fault.h) */
	uint8_t fault_op; /* 0: none */
	uint8_t fault_kind; /* the kind of the fault that fired on it, 0: none */
	uint16_t fault_id; /* and its id, for a capture's comment */
	uint32_t fault_arg;
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
	 * Optional: whether the class will take the payload of this bulk
	 * OUT URB with usb_urb_splice_out() (from the transport straight
	 * into a file). Asked when the URB arrives, so that the transport
	 * can leave a large payload in its pipe, and again before xfer():
	 * for every OUT URB it says no to, the core has the payload in
	 * urb->buf before xfer() sees it.
	 */
	bool (*splice_out)(struct usb_function *f, const struct usb_urb *urb);
	/*
	 * The class answers endpoint 0 itself, standard requests included:
	 * an emulated microcontroller with its own USB stack (dfu/fomu's
	 * firmware runner). Endpoint 0 is then bound to this function like
	 * any other endpoint and its URBs are pulled through xfer(), one at a
	 * time, in order (-EAGAIN leaves one queued until usb_ep_wake(dev,
	 * 0); -EPIPE is a STALL, and endpoint 0 is never halted). The core
	 * still follows what the class accepted: a SET_CONFIGURATION it
	 * completes sets `configuration` and sends the "configured" event.
	 * SET_ADDRESS never comes (vhci answers it): addressing its firmware
	 * is the model's job. At most one function of a device has it.
	 */
	bool ep0;
	/*
	 * The per-command faults the class honours, (1u << USB_FAULT_SLOW)
	 * ... (src/usb/fault.h): it asks usb_fault_command() as each of its
	 * commands starts. Setting another kind on the device is refused.
	 */
	uint32_t faults;
	/* Optional: per-command faults were cleared; end what they hold now. */
	void (*faults_cleared)(struct usb_function *f);
};

struct usb_function {
	const struct usb_class_ops *ops;
	struct usb_device *dev;
	unsigned int first_intf;
	unsigned int num_intf;
	void *data; /* the class's */
};

/*
 * The transport that carries the device's URBs (src/usbip/conn.c): it
 * installs these with usb_device_set_transport() when it takes the
 * device, and every URB it submits comes back through them.
 */
struct usb_transport_ops {
	/* An URB is done: send RET_SUBMIT and free it. */
	void (*complete)(void *transport, struct usb_urb *urb);
	/*
	 * Optional; see usb_urb_splice_in(). The transport takes `len`
	 * bytes of `fd` at `off` as the data of `urb` without a copy
	 * through user space: 0, -EOPNOTSUPP (not now, nothing changed),
	 * or another -errno when reading the file failed (nothing kept).
	 */
	int (*splice_in)(void *transport, struct usb_urb *urb, int fd, uint64_t off, size_t len);
	/*
	 * Optional, both or neither. splice_out: see usb_urb_splice_out().
	 * out_data: make urb->buf hold the payload the transport still
	 * holds (0 or -errno).
	 */
	int (*splice_out)(void *transport, struct usb_urb *urb, int fd, uint64_t off, size_t len);
	int (*out_data)(void *transport, struct usb_urb *urb);
};

/* What the device needs from the application that runs it. */
struct usb_host_ops {
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
	 * Optional, for a device that takes raw reports (HID): the host
	 * sent a report of `type` (2 output, 3 feature), len bytes as it
	 * sent them (report ID first when the device uses IDs).
	 */
	void (*report)(struct usb_device *dev, unsigned int type, const uint8_t *data, size_t len);
	/* Optional: the host took an input report, so the device's queue has room. */
	void (*room)(struct usb_device *dev);
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

	const struct usb_host_ops *host; /* the application's */
	void *host_data;
	const struct usb_transport_ops *transport; /* NULL while off the bus */
	void *transport_data;

	struct usb_faults *faults; /* src/usb/fault.h; NULL: none ever set */
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

/* What a class needs of its interface, found by usb_interface_eps(). */
struct usb_intf_eps {
	uint8_t in, out; /* the first IN and OUT endpoint addresses; 0: none */
	const uint8_t *class_desc; /* the first descriptor of the asked type, or NULL */
};

/*
 * Walk `config` for interface `intf`, alternate setting 0: its first IN
 * and first OUT endpoint of transfer type `xfer` (USB_ENDPOINT_XFER_*),
 * and its first class descriptor of type `class_dtype` (0: none asked),
 * so that a class binding to an interface need not walk the descriptors
 * itself. 0, or -EINVAL for a malformed configuration.
 */
int usb_interface_eps(const uint8_t *config, unsigned int intf, uint8_t xfer,
		      uint8_t class_dtype, struct usb_intf_eps *ret);

/*
 * Check the descriptors and bind endpoints to functions by walking the
 * configuration descriptor. 0, or -EINVAL when a descriptor is malformed
 * or names an interface no function claims.
 */
int usb_device_validate(struct usb_device *dev);

/*
 * Install the transport that carries the device's URBs (NULL: none; the
 * device must have no URB pending then).
 */
void usb_device_set_transport(struct usb_device *dev, const struct usb_transport_ops *ops,
			      void *transport);

/*
 * Take an URB from the transport. It is completed through
 * transport->complete, now or later. The device owns it until then.
 */
void usb_device_submit(struct usb_device *dev, struct usb_urb *urb);

/* The same, past the fault engine: for the engine, serving an URB it held. */
void usb_device_serve(struct usb_device *dev, struct usb_urb *urb);

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
 * For the transport, when an OUT URB arrives: whether its payload may
 * stay with the transport, for the class to take by usb_urb_splice_out()
 * (a bulk endpoint whose class says so through ops->splice_out).
 */
bool usb_device_splices_out(struct usb_device *dev, const struct usb_urb *urb);

/*
 * For a class with ops->splice_out, in xfer() on an OUT URB it said yes
 * to: write the next `len` bytes of its payload to file `fd` at `off`
 * without a copy through user space. 0; -EOPNOTSUPP when that cannot be
 * done (the payload came in urb->buf, or the file cannot take it this
 * way): nothing was written, and the payload is in urb->buf now, to
 * write from there; another -errno from the write (-ENOSPC, -EIO), after
 * which what was written stays written.
 */
int usb_urb_splice_out(struct usb_device *dev, struct usb_urb *urb, int fd, uint64_t off,
		       size_t len);

/* Number of URBs waiting on `epaddr`. */
unsigned int usb_ep_pending(const struct usb_device *dev, uint8_t epaddr);

/* Halt `epaddr`: URBs queued on it complete with -EPIPE until cleared. */
void usb_ep_set_halt(struct usb_device *dev, uint8_t epaddr);

/* Arm the host's timer again for the earliest deadline (the fault engine's too). */
void usb_device_rearm(struct usb_device *dev);

/* The clock of the timers: CLOCK_MONOTONIC in milliseconds. */
uint64_t usb_now_ms(void);

/* Ask for ops->timer in `ms` milliseconds (0 cancels). */
void usb_function_arm_timer(struct usb_function *f, unsigned int ms);

/* Ask to be unplugged (false) or plugged in again (true); see host->plug. */
void usb_device_plug(struct usb_device *dev, bool connected);

/* Tell the user something through host->event. */
void usb_device_event(struct usb_device *dev, const char *what);

/* Hand a report the host sent to host->report, when set. */
void usb_device_report(struct usb_device *dev, unsigned int type, const uint8_t *data, size_t len);

/* Tell host->room, when set, that the device's input queue has room. */
void usb_device_room(struct usb_device *dev);

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
