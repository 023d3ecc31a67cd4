/* SPDX-License-Identifier: MIT */
/*
 * USB DFU 1.1 (Device Firmware Upgrade), DFU mode: the class requests of
 * a device that is being flashed.
 *
 * Two layers. The state machine (dfu_machine_*) is a pure function of
 * the requests: it keeps bState, bStatus and bwPollTimeout and says what
 * must happen (store a block, manifest, detach) without doing it. The
 * class (dfu_class_ops) binds it to an interface of a usb_device and
 * hands those effects to a backend, which owns the memory being flashed.
 *
 * The behaviour is foboot's (the Fomu bootloader), which differs from
 * the DFU 1.1 text in places a host can see:
 *   - DNLOAD is accepted in dfuIDLE and dfuDNLOAD_IDLE only; a block with
 *     data in another state, or longer than wTransferSize, moves to
 *     dfuERROR (errSTALLEDPKT, errADDRESS) but its data stage is still
 *     acknowledged: the host learns of it from GETSTATUS. A zero-length
 *     DNLOAD in a wrong state stalls.
 *   - A zero-length DNLOAD in dfuIDLE ends a (possibly empty) download.
 *   - GETSTATUS walks dfuDNLOAD_SYNC -> dfuDNLOAD_IDLE (dfuDNBUSY while
 *     the backend is busy, and params->busy_polls times after each block:
 *     foboot writes a block after answering the request that brought
 *     it, and says dfuDNBUSY meanwhile), dfuMANIFEST_SYNC -> dfuMANIFEST ->
 *     dfuMANIFEST_WAIT_RESET, where the device stays: it is manifestation
 *     tolerant in its descriptor, yet waits for a reset or a DETACH.
 *   - CLRSTATUS succeeds in dfuERROR, dfuIDLE and dfuMANIFEST_WAIT_RESET
 *     (back to dfuIDLE); elsewhere it stalls and moves to dfuERROR.
 *   - SET_INTERFACE clears the status the same way, without stalling.
 *   - ABORT returns to dfuIDLE from any state.
 *   - UPLOAD, unknown requests and wIndex other than 0 stall.
 *   - DETACH, in any state, is the only way out of DFU mode; a USB reset
 *     changes nothing.
 *
 * So both dfu-util flows end well: after a download the device waits in
 * dfuMANIFEST_WAIT_RESET whether or not the host resets it (0.11 does,
 * 0.9 does not), and the next dfu-util run, 0.9 or 0.11, starts with
 * SET_INTERFACE, which clears that state: -e detaches from dfuIDLE, -D
 * downloads again.
 */
#ifndef VUSB_DFU_H
#define VUSB_DFU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/usb/usbdev.h"

/* bRequest */
#define DFU_REQ_DETACH 0
#define DFU_REQ_DNLOAD 1
#define DFU_REQ_UPLOAD 2
#define DFU_REQ_GETSTATUS 3
#define DFU_REQ_CLRSTATUS 4
#define DFU_REQ_GETSTATE 5
#define DFU_REQ_ABORT 6

/* Interface class/subclass/protocol and the functional descriptor */
#define DFU_SUBCLASS 0x01
#define DFU_PROTOCOL_RUNTIME 0x01
#define DFU_PROTOCOL_DFU 0x02
#define DFU_DT_FUNCTIONAL 0x21
#define DFU_DT_FUNCTIONAL_SIZE 9
#define DFU_ATTR_CAN_DNLOAD 0x01
#define DFU_ATTR_CAN_UPLOAD 0x02
#define DFU_ATTR_MANIFESTATION_TOLERANT 0x04
#define DFU_ATTR_WILL_DETACH 0x08

/* GETSTATUS answers this many bytes. */
#define DFU_STATUS_SIZE 6
/* The longest wTransferSize the class accepts. */
#define DFU_MAX_TRANSFER 4096

enum dfu_state {
	DFU_STATE_APP_IDLE = 0,
	DFU_STATE_APP_DETACH = 1,
	DFU_STATE_IDLE = 2,
	DFU_STATE_DNLOAD_SYNC = 3,
	DFU_STATE_DNBUSY = 4,
	DFU_STATE_DNLOAD_IDLE = 5,
	DFU_STATE_MANIFEST_SYNC = 6,
	DFU_STATE_MANIFEST = 7,
	DFU_STATE_MANIFEST_WAIT_RESET = 8,
	DFU_STATE_UPLOAD_IDLE = 9,
	DFU_STATE_ERROR = 10,
};

enum dfu_status {
	DFU_STATUS_OK = 0x00,
	DFU_STATUS_ERR_TARGET = 0x01,
	DFU_STATUS_ERR_FILE = 0x02,
	DFU_STATUS_ERR_WRITE = 0x03,
	DFU_STATUS_ERR_ERASE = 0x04,
	DFU_STATUS_ERR_CHECK_ERASED = 0x05,
	DFU_STATUS_ERR_PROG = 0x06,
	DFU_STATUS_ERR_VERIFY = 0x07,
	DFU_STATUS_ERR_ADDRESS = 0x08,
	DFU_STATUS_ERR_NOTDONE = 0x09,
	DFU_STATUS_ERR_FIRMWARE = 0x0a,
	DFU_STATUS_ERR_VENDOR = 0x0b,
	DFU_STATUS_ERR_USBR = 0x0c,
	DFU_STATUS_ERR_POR = 0x0d,
	DFU_STATUS_ERR_UNKNOWN = 0x0e,
	DFU_STATUS_ERR_STALLEDPKT = 0x0f,
};

/* What a device declares; constant for its lifetime. */
struct dfu_params {
	uint16_t transfer_size; /* wTransferSize, 1..DFU_MAX_TRANSFER */
	/* bwPollTimeout, in milliseconds, as GETSTATUS reports it on
	 * entering (or staying in) these states; other states repeat the
	 * last value reported. */
	uint32_t poll_idle_ms;
	uint32_t poll_busy_ms; /* dfuDNLOAD_IDLE, dfuDNBUSY after a block */
	uint32_t poll_manifest_ms; /* dfuMANIFEST */
	uint32_t poll_wait_reset_ms; /* dfuMANIFEST_WAIT_RESET */
	/* GETSTATUS answers after each block that say dfuDNBUSY even when
	 * the backend stored it at once, as a device that writes its flash
	 * after the request answers (foboot: 1) */
	unsigned int busy_polls;
};

struct dfu_machine {
	const struct dfu_params *params;
	enum dfu_state state;
	enum dfu_status status;
	uint32_t poll_ms;
	bool busy; /* the backend is still storing the last block */
	unsigned int busy_polls; /* dfuDNBUSY answers still due (params->busy_polls) */
};

enum dfu_action {
	DFU_ACTION_NONE,
	/* Store block `block` of `len` bytes (the request's data), then
	 * report with dfu_machine_download_done(). */
	DFU_ACTION_DOWNLOAD,
	/* The download is complete and acknowledged: make it take effect. */
	DFU_ACTION_MANIFEST,
	/* Leave DFU mode once this request has been answered. */
	DFU_ACTION_DETACH,
};

struct dfu_effect {
	enum dfu_action action;
	uint16_t block;
	size_t len;
};

/* dfuIDLE, status OK, poll timeout params->poll_idle_ms. */
void dfu_machine_init(struct dfu_machine *m, const struct dfu_params *params);

/*
 * One class request to the DFU interface. data holds the OUT data (len
 * bytes received) or room for the IN reply (len bytes the host asked
 * for). Returns the bytes placed in data (IN), 0 (OUT), or -EPIPE to
 * stall; *ret is always filled.
 */
int dfu_machine_request(struct dfu_machine *m, const struct usb_setup *s, uint8_t *data,
			size_t len, struct dfu_effect *ret);

/*
 * The backend stored a block (DFU_ACTION_DOWNLOAD): 0, -EAGAIN (still
 * busy: GETSTATUS reports dfuDNBUSY until dfu_machine_busy_done()),
 * -EFAULT (outside the memory: errADDRESS), -EIO (errWRITE), or any other
 * -errno (errUNKNOWN).
 */
void dfu_machine_download_done(struct dfu_machine *m, int err);
/* The busy backend finished: the next GETSTATUS reports dfuDNLOAD_IDLE. */
void dfu_machine_busy_done(struct dfu_machine *m);

/* SET_INTERFACE to the DFU interface: CLRSTATUS's effect, never a stall. */
void dfu_machine_set_interface(struct dfu_machine *m);


/* "dfuIDLE", "dfuMANIFEST-WAIT-RESET" (dfu-util's names); "?" if unknown. */
const char *dfu_state_name(enum dfu_state state);
/* "errADDRESS", ...; "?" if unknown. */
const char *dfu_status_name(enum dfu_status status);

struct dfu;

/* What the device behind the class does. Every callback is optional. */
struct dfu_backend {
	/* Store a block (1..transfer_size bytes): 0 or -errno as for
	 * dfu_machine_download_done(). Without it every block fails. */
	int (*download)(struct dfu *d, unsigned int block, const uint8_t *data, size_t len);
	/* The download was completed (GETSTATUS in dfuMANIFEST_SYNC). */
	void (*manifest)(struct dfu *d);
	/* DETACH: leave DFU mode; the request is answered after the call. */
	void (*detach)(struct dfu *d);
	/* Requests that are not DFU's (vendor requests to the device), as
	 * usb_class_ops.control; -EOPNOTSUPP stalls. */
	int (*control)(struct dfu *d, const struct usb_setup *s, uint8_t *data, size_t len);
	/* Descriptors the core asks the function for, as
	 * usb_class_ops.get_descriptor. */
	int (*get_descriptor)(struct dfu *d, const struct usb_setup *s, uint8_t *data,
			      size_t len);
	/* The configuration was set or the host went away; the DFU state
	 * does not change (as on foboot). */
	void (*reset)(struct dfu *d);
	/* The function's timer (usb_function_arm_timer(d->func, ms)). */
	void (*timer)(struct dfu *d);
};

struct dfu {
	struct dfu_machine machine;
	const struct dfu_backend *backend;
	struct usb_function *func;
	void *data; /* the backend's */
};

extern const struct usb_class_ops dfu_class_ops;

/*
 * Bind a DFU function to interface `intf` of dev (before
 * usb_device_validate()). params and backend must outlive d. 0, or
 * -EINVAL for bad params, -ENOSPC when dev has no function slot left.
 */
int dfu_attach(struct dfu *d, struct usb_device *dev, unsigned int intf,
	       const struct dfu_params *params, const struct dfu_backend *backend, void *data);

#endif
