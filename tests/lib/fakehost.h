/* SPDX-License-Identifier: MIT */
/*
 * A fake host for unit tests that drive a device through the real core
 * (src/usb/usbdev.c): it stands where conn.c stands, behind struct
 * usb_host_ops, and records what the device tells it: completed URBs,
 * events, plug requests and the timer. It also sends control transfers
 * as the kernel would.
 *
 * The mass storage tests have their own bulk-only host (test_msc_host.h).
 */
#ifndef VUSB_TEST_FAKEHOST_H
#define VUSB_TEST_FAKEHOST_H

#include <stdint.h>

#include "src/usb/usbdev.h"

#define FAKEHOST_MAX_DONE 8
#define FAKEHOST_MAX_EVENTS 4096

struct fakehost {
	struct usb_device *dev;
	struct usb_urb *done[FAKEHOST_MAX_DONE]; /* completed, in order */
	unsigned int ndone;
	uint32_t seqnum; /* of the last URB sent */
	char *events[FAKEHOST_MAX_EVENTS];
	unsigned int nevents;
	int plugged; /* last plug request: -1 none, 0 out, 1 in */
	unsigned int nplugs;
	unsigned int armed_ms; /* the timer as last armed; 0: off */
};

/* Empty records: no URBs, no events, no plug request. */
void fakehost_init(struct fakehost *h);

/* Become the host of `dev` (a device created anew keeps the records). */
void fakehost_bind(struct fakehost *h, struct usb_device *dev);

/* Hand back every pending URB, freed, as a transport does when it goes. */
void fakehost_disconnect(struct fakehost *h);

/* Forget (and free) the events. */
void fakehost_clear_events(struct fakehost *h);

/* The index of the first event that contains `needle`, or -1. */
int fakehost_find_event(const struct fakehost *h, const char *needle);

/* How many events contain `needle`. */
unsigned int fakehost_count_events(const struct fakehost *h, const char *needle);

/* Fail, and print the events, when none contains `needle`. */
void fakehost_expect_event(const struct fakehost *h, const char *needle);

/*
 * A control URB for endpoint 0 with its setup packet and, for OUT, the
 * `length` bytes of `out`; the next seqnum. The caller submits it.
 */
struct usb_urb *fakehost_control_urb(struct fakehost *h, uint8_t type, uint8_t request,
				     uint16_t value, uint16_t index, uint16_t length,
				     const void *out);

/*
 * The control URB `u` is back, the first in done[]: take it and free it.
 * Returns its status; IN data lands in `in` (*ret_actual bytes).
 */
int fakehost_control_end(struct fakehost *h, struct usb_urb *u, void *in, uint32_t *ret_actual);

/*
 * One control transfer that must complete at once, as the core completes
 * standard requests. Returns its status; IN data lands in `in`
 * (*ret_actual bytes).
 */
int fakehost_control(struct fakehost *h, uint8_t type, uint8_t request, uint16_t value,
		     uint16_t index, uint16_t length, const void *out, void *in,
		     uint32_t *ret_actual);

#endif
