/* SPDX-License-Identifier: MIT */
/*
 * The HID class (Device Class Definition for HID 1.11): one interface with
 * an interrupt IN endpoint, a report descriptor, input reports queued by
 * the model and output reports (keyboard LEDs) handed back to it.
 *
 * A model embeds a struct hid, describes its reports with a const struct
 * hid_params, attaches it to an interface with hid_attach() and calls
 * hid_send() for every input report. The class answers the HID requests
 * (GET/SET_REPORT, GET/SET_IDLE, GET/SET_PROTOCOL, the HID and report
 * descriptors) and feeds the interrupt endpoint from the queue. A fixed
 * model's reports carry no report ID: one input report, at most one output
 * report. A model that takes any report descriptor (hid/custom.c) sets
 * the get_report/set_report hooks instead: it then answers GET_REPORT and
 * SET_REPORT for every type and ID itself, takes what the host writes to
 * an interrupt OUT endpoint, and queues reports of any length.
 */
#ifndef VUSB_HID_H
#define VUSB_HID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/usb/usbdev.h"

/* Class requests (HID 1.11 7.2) */
#define HID_REQ_GET_REPORT 0x01
#define HID_REQ_GET_IDLE 0x02
#define HID_REQ_GET_PROTOCOL 0x03
#define HID_REQ_SET_REPORT 0x09
#define HID_REQ_SET_IDLE 0x0a
#define HID_REQ_SET_PROTOCOL 0x0b

/* Report types, high byte of wValue in GET/SET_REPORT */
#define HID_REPORT_INPUT 1
#define HID_REPORT_OUTPUT 2
#define HID_REPORT_FEATURE 3

#define HID_PROTOCOL_BOOT 0
#define HID_PROTOCOL_REPORT 1

/* Interface subclass and protocol (HID 1.11 4.2, 4.3) */
#define HID_SUBCLASS_NONE 0
#define HID_SUBCLASS_BOOT 1
#define HID_BOOT_KEYBOARD 1
#define HID_BOOT_MOUSE 2

#define HID_BCD 0x0111
#define HID_DT_HID_SIZE 9

/* Largest report: a full-speed interrupt packet. */
#define HID_REPORT_MAX 64
/* Input reports queued before hid_send() says -EAGAIN. Enough for the
 * largest single command (a 32767-count mouse move: 259 reports). */
#define HID_QUEUE_LEN 512

struct hid;

/* What a model says about its reports. Const, shared by its instances. */
struct hid_params {
	const uint8_t *report_desc;
	uint16_t report_desc_len;
	uint8_t in_len; /* input report, report protocol, bytes */
	/* Boot protocol: 0 when not boot capable, else the boot report
	 * is the first boot_len bytes of the input report (the model lays
	 * its report out so). */
	uint8_t boot_len;
	uint8_t out_len; /* output report, 0: none */
	uint8_t default_idle; /* after reset, 4 ms units (0: only on change) */
	/* The host sent an output report of exactly out_len bytes. */
	void (*output)(struct hid *h, const uint8_t *report);
	/* The host reset or reconfigured the device: forget held keys. */
	void (*reset)(struct hid *h);
	/*
	 * Optional: the host asked for an input report and none was
	 * queued. Every report queued before has been taken, and its
	 * transfer completed: the host came back for more.
	 */
	void (*drained)(struct hid *h);
	/*
	 * Optional, both or neither. GET_REPORT(type, id) into data (room
	 * for len bytes): the count, or -EPIPE (STALL) when there is no such
	 * report. SET_REPORT(type, id) of len bytes, and every interrupt OUT
	 * transfer (type HID_REPORT_OUTPUT, id the first byte when the
	 * model uses IDs, else 0): 0, or -EPIPE when the report is not one
	 * of the descriptor's. id is wValue's low byte, unchecked.
	 */
	int (*get_report)(struct hid *h, unsigned int type, unsigned int id, uint8_t *data,
			  size_t len);
	int (*set_report)(struct hid *h, unsigned int type, unsigned int id, const uint8_t *data,
			  size_t len);
	bool report_ids; /* the interrupt OUT report starts with its ID */
};

/* Per-function state; embed it in the model's device. */
struct hid {
	const struct hid_params *params;
	struct usb_function *func;
	const uint8_t *hid_desc; /* inside the configuration descriptor */
	uint8_t ep_in; /* 0x81 style */
	uint8_t ep_out; /* interrupt OUT, 0x02 style; 0: none */
	uint8_t protocol;
	uint8_t idle; /* 4 ms units */
	bool repeat_due; /* idle period over: repeat `last` */
	/*
	 * Idle rates per input report ID (HID 1.11 7.2.4), once the host set
	 * one for a nonzero ID of a model with IDs: then every ID repeats on
	 * its own, at its own rate or else at `idle`, with what GET_REPORT
	 * says it is now. SET_IDLE for ID 0 (all reports) ends it.
	 */
	bool idle_per_id;
	uint8_t idle_id[256]; /* 4 ms units, where idle_own says so */
	uint8_t idle_own[32]; /* bitmap: the host set idle_id[i] */
	uint8_t idle_due[32]; /* bitmap: repeat ID i with the next IN URB */
	uint64_t idle_next[256]; /* usb_now_ms() of ID i's repeat, 0: none */
	uint8_t last[HID_REPORT_MAX]; /* the current input state */
	uint8_t out[HID_REPORT_MAX]; /* the last output report */
	uint8_t last_len;
	unsigned int head, count;
	uint8_t qlen[HID_QUEUE_LEN];
	uint8_t queue[HID_QUEUE_LEN][HID_REPORT_MAX];
};

extern const struct usb_class_ops hid_class_ops;

/*
 * Bind `h` to interface `intf` of dev, whose configuration descriptor
 * must be in place: it is searched for the interface's HID descriptor
 * (whose report descriptor length must match params), its interrupt IN
 * endpoint and, when params has set_report, an interrupt OUT endpoint if
 * the interface has one. Call before usb_device_validate(). 0, -EINVAL when the
 * descriptors do not fit params, -ENOSPC when the device has no function
 * slot left.
 */
int hid_attach(struct hid *h, const struct hid_params *params, struct usb_device *dev,
	       unsigned int intf);

/*
 * Could `n` input reports be queued now? 0, -ENOTCONN when the host has
 * not configured the device, -EAGAIN when the queue has less room.
 * Commands that send several reports check first so that they queue all
 * or nothing.
 */
int hid_can_send(const struct hid *h, unsigned int n);

/*
 * Queue one input report of params->in_len bytes and offer it to the
 * host. It becomes the current state (GET_REPORT, idle repeats).
 * 0, -ENOTCONN, or -EAGAIN when the queue is full.
 */
int hid_send(struct hid *h, const uint8_t *report);

/* The same for a report of len bytes (1..HID_REPORT_MAX), for a model
 * with several input reports: it checks len against its descriptor. */
int hid_send_len(struct hid *h, const uint8_t *report, size_t len);

/* Reports queued and not yet taken by the host. */
unsigned int hid_queued(const struct hid *h);

#endif
