/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: make a device misbehave on cue, for people testing the
 * host side (a driver, an application). A fault spec is words, as typed
 * after `vusbctl NAME fault` or given to `--fault SPEC`:
 *
 *   KIND [ARG] [--ep EP] [--count N | --every N | --forever] [--after N]
 *        [--at-request TYPE] [--seed N]
 *
 *   stall          the URB fails with -EPIPE; a bulk or interrupt endpoint
 *                  stays halted until CLEAR_FEATURE(ENDPOINT_HALT)
 *   nak MS         the URB is held MS milliseconds, then served
 *   timeout        the URB is never answered: the host must unlink it
 *   error ERRNO    the URB fails with ERRNO (EPROTO, EILSEQ, ETIME,
 *                  EOVERFLOW, ECOMM, ENOSR, EREMOTEIO; "-EPROTO" too)
 *   short BYTES    an IN transfer carries at most BYTES bytes
 *   corrupt        one bit of an IN transfer's data flips (seeded)
 *   descriptor corrupt|truncate|oversize TYPE
 *                  what GET_DESCRIPTOR(TYPE) answers is garbled (its
 *                  bDescriptorType), cut to half, or claims more bytes
 *                  than it has (bLength, or wTotalLength for config and
 *                  bos); --forever unless --count says otherwise, so that
 *                  the next enumeration (vusbctl NAME replug) meets it
 *
 * Per command of a class that has commands (mass storage: each CBW), not
 * per URB; --ep and --at-request do not apply:
 *
 *   slow MS        the command is answered MS milliseconds late: its data
 *                  and status URBs are held (the loop is not)
 *   reset-storm    the command is refused with a phase error, which the
 *                  host must answer with a reset recovery (see msc.c)
 *
 * --ep 0x81 (an endpoint address; 0: control) limits the fault to one
 * endpoint, default every endpoint. It fires on the first matching URB
 * (--count N: the first N; --every N: every Nth, forever unless --count
 * says how often; --forever: every one) after --after N matching URBs
 * have passed. --at-request TYPE matches control requests only:
 * get_descriptor[:device|config|string|qualifier|bos|hid|report],
 * set_configuration, set_interface, clear_feature, ... by their chapter 9
 * names. --seed N seeds corrupt's choice of bits (default 1).
 *
 * The engine hangs off struct usb_device (dev->faults, NULL when no fault
 * was ever set: the core then pays one pointer test per URB). Held URBs
 * (nak, timeout) stay the device's: usb_device_unlink() and
 * usb_device_disconnect() find them, so every URB still comes back once.
 */
#ifndef VUSB_USB_FAULT_H
#define VUSB_USB_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/base/json.h"
#include "src/base/strbuf.h"
#include "src/usb/usbdev.h"

#define USB_FAULT_MAX 16 /* active faults per device */
#define USB_FAULT_MAX_WORDS 16 /* words in one spec */
#define USB_FAULT_SPEC_MAX 256 /* bytes in one spec's text */
#define USB_FAULT_MAX_MS 3600000u /* nak: one hour */
#define USB_FAULT_ANY_EP 0xffff
#define USB_FAULT_ANY_REQ 0xffff

enum usb_fault_kind {
	USB_FAULT_STALL = 1,
	USB_FAULT_NAK,
	USB_FAULT_TIMEOUT,
	USB_FAULT_ERROR,
	USB_FAULT_SHORT,
	USB_FAULT_CORRUPT,
	USB_FAULT_DESCRIPTOR, /* arg: USB_FAULT_DESC_* */
	USB_FAULT_SLOW, /* per command; arg: ms */
	USB_FAULT_RESET_STORM, /* per command */
};

/* The kinds that fire per class command (usb_fault_command()), not per URB. */
#define USB_FAULT_PER_COMMAND ((1u << USB_FAULT_SLOW) | (1u << USB_FAULT_RESET_STORM))

/* descriptor MODE TYPE: what GET_DESCRIPTOR(TYPE) answers */
enum {
	USB_FAULT_DESC_CORRUPT = 1, /* bDescriptorType garbled */
	USB_FAULT_DESC_TRUNCATE, /* half the bytes it would send */
	USB_FAULT_DESC_OVERSIZE, /* a length field claiming more than there is */
};

struct usb_fault_spec {
	enum usb_fault_kind kind;
	uint32_t arg; /* nak, slow: ms; error: errno (positive); short: bytes */
	uint16_t ep; /* endpoint address (0x81), or USB_FAULT_ANY_EP */
	uint16_t request; /* bRequest to match, or USB_FAULT_ANY_REQ */
	int16_t dtype; /* with GET_DESCRIPTOR: the descriptor type, -1 any */
	uint32_t count; /* how often it fires; 0: forever */
	uint32_t every; /* fire on every Nth matching URB (1: each) */
	uint32_t after; /* matching URBs to let pass first */
	uint32_t seed;
};

/*
 * Parse the words of a spec. 0, or -EINVAL with the reason in err (a
 * bare message, no trailing newline); *ret is left alone on failure.
 */
int usb_fault_parse(int argc, char *const *argv, struct usb_fault_spec *ret, struct strbuf *err);

/*
 * The same from text ("stall --ep 0x81"): words split at blanks, at most
 * USB_FAULT_SPEC_MAX bytes and USB_FAULT_MAX_WORDS words.
 */
int usb_fault_parse_text(const char *text, size_t len, struct usb_fault_spec *ret,
			 struct strbuf *err);

/* The spec as text, as it parses again ("stall --ep 0x81 --count 1"). */
void usb_fault_format(const struct usb_fault_spec *spec, struct strbuf *out);

/* "stall", "nak", ... as a spec names the kind. */
const char *usb_fault_kind_name(enum usb_fault_kind kind);

/*
 * Set a fault on `dev`: its id (1, 2, ...) in *ret_id. 0, -ENOMEM,
 * -ENOSPC when USB_FAULT_MAX are set, or -EOPNOTSUPP for a per-command
 * kind that no class of the device honours (usb_class_ops.faults).
 */
int usb_fault_add(struct usb_device *dev, const struct usb_fault_spec *spec, unsigned int *ret_id);

/*
 * Clear fault `id` (0: all). URBs it holds are served now, and a class
 * holding a command for a per-command fault is told to let it go
 * (usb_class_ops.faults_cleared). 0, or -ENOENT when there is no such
 * fault.
 */
int usb_fault_clear(struct usb_device *dev, unsigned int id);

/* One line per active fault: "ID SPEC fired N[ held N]". */
void usb_fault_list(const struct usb_device *dev, struct strbuf *out);

/*
 * The same as JSON array elements, one object a fault: {"id":N,
 * "spec":"...","fired":N,"spent":B,"holding":N}.
 */
void usb_fault_list_json(const struct usb_device *dev, struct json *j);

/* Free the engine; no URB may be held (the device is off its transport). */
void usb_faults_free(struct usb_device *dev);

/*
 * A class's command starts, carried by `urb` (mass storage: the CBW):
 * the per-command fault that fires on it (USB_FAULT_SLOW, ...), its arg
 * in *ret_arg, logged and marked on the URB like any other; 0 when none.
 * Call only when dev->faults is set.
 */
enum usb_fault_kind usb_fault_command(struct usb_device *dev, struct usb_urb *urb,
				      uint32_t *ret_arg);

/* ---- for the core (usbdev.c) only ---- */

/* Whether the engine took the URB (completed or held it). */
bool usb_fault_submit(struct usb_device *dev, struct usb_urb *urb);
/* What a fault that fired leaves for completion: short, corrupt. */
void usb_fault_complete(struct usb_urb *urb);
/* A held URB `seqnum`, removed, or NULL. */
struct usb_urb *usb_fault_unlink(struct usb_device *dev, uint32_t seqnum);
/* Hand every held URB to drop. */
void usb_fault_drop(struct usb_device *dev, void (*drop)(struct usb_urb *urb, void *data),
		    void *data);
/* The earliest nak deadline (CLOCK_MONOTONIC ms), 0 when none. */
uint64_t usb_fault_deadline(const struct usb_device *dev);
/* Serve the held URBs whose nak is over. */
void usb_fault_timer(struct usb_device *dev, uint64_t now);

#endif
