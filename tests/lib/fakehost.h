/* SPDX-License-Identifier: MIT */
/*
 * The fake host of the unit tests that drive a device through the real
 * core (src/usb/usbdev.c): it stands where conn.c stands, as the device's
 * transport (struct usb_transport_ops) and its application (struct
 * usb_host_ops), and records what the device tells it: completed URBs,
 * events, plug requests and the timer. It makes URBs, submits them and
 * sends control transfers as the kernel would.
 *
 * It checks what a transport relies on, and fails the test otherwise:
 * every URB submitted comes back exactly once (completed, dropped by a
 * disconnect, or unlinked), off every queue, with no more IN data than
 * asked for and its buffer not overrun (a canary after `cap` bytes).
 *
 * A completed URB stays in done[] until the test takes it
 * (fakehost_take(), fakehost_control_end()) or fakehost_free_done()
 * frees it: tests look at its status, actual and buf afterwards.
 */
#ifndef VUSB_TEST_FAKEHOST_H
#define VUSB_TEST_FAKEHOST_H

#include <stdbool.h>
#include <stdint.h>

#include "src/base/strbuf.h"
#include "src/usb/model.h"
#include "src/usb/usbdev.h"

#define FAKEHOST_MAX_DONE 64
#define FAKEHOST_MAX_EVENTS 4096

struct fakehost {
	struct usb_device *dev;
	struct usb_urb *done[FAKEHOST_MAX_DONE]; /* completed, oldest first, until taken */
	unsigned int ndone;
	uint32_t seqnum; /* of the last URB made */
	unsigned int pending; /* submitted, not given back yet */
	unsigned int drops; /* given back by a disconnect */
	char *events[FAKEHOST_MAX_EVENTS];
	unsigned int nevents;
	int plugged; /* last plug request: -1 none, 0 out, 1 in */
	unsigned int nplugs;
	unsigned int armed_ms; /* the timer as last armed; 0: off */
	unsigned int arm_calls; /* how often the device armed (or cancelled) it */
};

/* Empty records: no URBs, no events, no plug request. */
void fakehost_init(struct fakehost *h);

/* Become the host of `dev` (a device created anew keeps the records). */
void fakehost_bind(struct fakehost *h, struct usb_device *dev);

/*
 * Create a device of `model` with `opts` and become its host, keeping the
 * records: 0, or the model's -errno (the reason in err).
 */
int fakehost_create(struct fakehost *h, const struct vusb_model *model,
		    const struct vusb_dev_opts *opts, struct usb_device **ret_dev,
		    struct strbuf *err);

/*
 * The options of a device named `name` with the model's own defaults
 * and, as its model options, the (name, value) pairs in `pairs` up to a
 * NULL name (pairs may be NULL).
 */
void fakehost_opts(struct vusb_dev_opts *o, const char *name, const char *const *pairs);

/*
 * Hand back every pending URB, freed, as a transport does when it goes;
 * none may be left pending afterwards.
 */
void fakehost_disconnect(struct fakehost *h);

/* Free the completed URBs not taken yet. */
void fakehost_free_done(struct fakehost *h);

/* Free all the host still holds (completed URBs, events), at the end of a test. */
void fakehost_release(struct fakehost *h);

/* Forget (and free) the events. */
void fakehost_clear_events(struct fakehost *h);

/* The last event, or "" when there was none. */
const char *fakehost_last_event(const struct fakehost *h);

/* The index of the first event that contains `needle`, or -1. */
int fakehost_find_event(const struct fakehost *h, const char *needle);

/* How many events contain `needle`. */
unsigned int fakehost_count_events(const struct fakehost *h, const char *needle);

/* Fail, and print the events, when none contains `needle`. */
void fakehost_expect_event(const struct fakehost *h, const char *needle);

/*
 * A new URB for endpoint `ep` (0..15) with room for `length` bytes and
 * the next seqnum. OUT: `length` bytes of payload (0x5a), actual = length,
 * as a transport hands it over; the caller may write its own.
 */
struct usb_urb *fakehost_urb(struct fakehost *h, uint8_t ep, bool in, uint32_t length);

/* Free an URB the test holds (taken, or unlinked); checks its canary. */
void fakehost_urb_free(struct fakehost *h, struct usb_urb *u);

/* Submit `u` to the device; returns its seqnum (`u` may be gone afterwards). */
uint32_t fakehost_submit(struct fakehost *h, struct usb_urb *u);

/* Cancel the pending URB `seqnum`: usb_device_unlink(), the URB or NULL. */
struct usb_urb *fakehost_unlink(struct fakehost *h, uint32_t seqnum);

/* Whether `u` was completed; then it is the caller's (not freed). */
bool fakehost_take(struct fakehost *h, struct usb_urb *u);

/* The completed URB `seqnum` still in done[], or NULL. */
struct usb_urb *fakehost_done(const struct fakehost *h, uint32_t seqnum);

/* Its index in done[], or -1. */
int fakehost_done_index(const struct fakehost *h, uint32_t seqnum);

/*
 * A control URB for endpoint 0 with the setup packet `s` and room for
 * `length` bytes (normally s->wLength); OUT: its payload is the `length`
 * bytes of `out`. The caller submits it.
 */
struct usb_urb *fakehost_setup_urb(struct fakehost *h, const struct usb_setup *s,
				   uint32_t length, const void *out);

/* The same from the setup fields, with room for wLength (`length`) bytes. */
struct usb_urb *fakehost_control_urb(struct fakehost *h, uint8_t type, uint8_t request,
				     uint16_t value, uint16_t index, uint16_t length,
				     const void *out);

/*
 * The control URB `u` is back, the last one given back: take it and free
 * it. Returns its status; IN data lands in `in` (*ret_actual bytes); an
 * OUT transfer took all its data or none.
 */
int fakehost_control_end(struct fakehost *h, struct usb_urb *u, void *in, uint32_t *ret_actual);

/*
 * One control transfer that must complete at once, and alone, as the
 * core completes standard requests. Returns its status; IN data lands in
 * `in` (*ret_actual bytes).
 */
int fakehost_control(struct fakehost *h, uint8_t type, uint8_t request, uint16_t value,
		     uint16_t index, uint16_t length, const void *out, void *in,
		     uint32_t *ret_actual);

#endif
