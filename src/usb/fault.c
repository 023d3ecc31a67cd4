// SPDX-License-Identifier: MIT
/*
 * The fault engine and its spec parser (see fault.h). The parser is pure;
 * the engine decides per URB, when it arrives, whether a fault fires, and
 * either answers the URB itself (stall, error), holds it (nak, timeout) or
 * marks it for completion (short, corrupt).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/base/list.h"
#include "src/base/num.h"
#include "src/usb/fault.h"

struct fault {
	unsigned int id; /* 0: free slot */
	struct usb_fault_spec spec;
	uint32_t seen; /* matching URBs so far */
	uint32_t fired;
	uint32_t rng; /* xorshift32 state, from spec.seed */
};

/* An URB a fault holds back (nak, timeout). */
struct held {
	struct list_head link;
	struct usb_urb *urb;
	unsigned int id; /* the fault's */
	uint64_t deadline_ms; /* 0: never (timeout) */
};

struct usb_faults {
	struct fault f[USB_FAULT_MAX];
	unsigned int next_id;
	struct list_head held;
};

/* ---- the spec ---- */

static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "EPROTO", EPROTO },	    { "EILSEQ", EILSEQ }, { "ETIME", ETIME },
	{ "EOVERFLOW", EOVERFLOW }, { "ECOMM", ECOMM },	  { "ENOSR", ENOSR },
	{ "EREMOTEIO", EREMOTEIO }, { "EPIPE", EPIPE },
};

static const struct {
	const char *name;
	uint8_t req;
} requests[] = {
	{ "get_status", USB_REQ_GET_STATUS },
	{ "clear_feature", USB_REQ_CLEAR_FEATURE },
	{ "set_feature", USB_REQ_SET_FEATURE },
	{ "set_address", USB_REQ_SET_ADDRESS },
	{ "get_descriptor", USB_REQ_GET_DESCRIPTOR },
	{ "set_descriptor", USB_REQ_SET_DESCRIPTOR },
	{ "get_configuration", USB_REQ_GET_CONFIGURATION },
	{ "set_configuration", USB_REQ_SET_CONFIGURATION },
	{ "get_interface", USB_REQ_GET_INTERFACE },
	{ "set_interface", USB_REQ_SET_INTERFACE },
	{ "synch_frame", USB_REQ_SYNCH_FRAME },
};

static const struct {
	const char *name;
	uint8_t type;
} dtypes[] = {
	{ "device", USB_DT_DEVICE },
	{ "config", USB_DT_CONFIG },
	{ "string", USB_DT_STRING },
	{ "qualifier", USB_DT_DEVICE_QUALIFIER },
	{ "other_speed", USB_DT_OTHER_SPEED_CONFIG },
	{ "bos", USB_DT_BOS },
	{ "hid", USB_DT_HID },
	{ "report", USB_DT_REPORT },
};

static const char *const kinds[] = {
	[USB_FAULT_STALL] = "stall",	       [USB_FAULT_NAK] = "nak",
	[USB_FAULT_TIMEOUT] = "timeout",       [USB_FAULT_ERROR] = "error",
	[USB_FAULT_SHORT] = "short",	       [USB_FAULT_CORRUPT] = "corrupt",
	[USB_FAULT_DESCRIPTOR] = "descriptor",
};

static const char *const desc_modes[] = {
	[USB_FAULT_DESC_CORRUPT] = "corrupt",
	[USB_FAULT_DESC_TRUNCATE] = "truncate",
	[USB_FAULT_DESC_OVERSIZE] = "oversize",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *errno_name(uint32_t e)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnos); i++)
		if ((uint32_t)errnos[i].err == e)
			return errnos[i].name;
	return "?";
}

static int parse_errno(const char *s, uint32_t *ret)
{
	size_t i;

	if (s[0] == '-')
		s++;
	for (i = 0; i < ARRAY_SIZE(errnos); i++) {
		if (strcmp(s, errnos[i].name) == 0) {
			*ret = (uint32_t)errnos[i].err;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_request(const char *s, uint16_t *ret_req, int16_t *ret_dtype)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s), i, k;

	for (i = 0; i < ARRAY_SIZE(requests); i++) {
		if (strlen(requests[i].name) != n || strncmp(s, requests[i].name, n) != 0)
			continue;
		if (!colon) {
			*ret_req = requests[i].req;
			*ret_dtype = -1;
			return 0;
		}
		if (requests[i].req != USB_REQ_GET_DESCRIPTOR)
			return -EINVAL;
		for (k = 0; k < ARRAY_SIZE(dtypes); k++) {
			if (strcmp(colon + 1, dtypes[k].name) == 0) {
				*ret_req = requests[i].req;
				*ret_dtype = dtypes[k].type;
				return 0;
			}
		}
		return -EINVAL;
	}
	return -EINVAL;
}

static int number(const char *opt, const char *s, long long min, long long max, long long *ret,
		  struct strbuf *err)
{
	int r = num_parse(s, 10, min, max, ret);

	if (r == -ERANGE)
		strbuf_printf(err, "%s '%s': out of range (%lld to %lld)", opt, s, min, max);
	else if (r < 0)
		strbuf_printf(err, "%s '%s': not a number", opt, s);
	return r < 0 ? -EINVAL : 0;
}

int usb_fault_parse(int argc, char *const *argv, struct usb_fault_spec *ret, struct strbuf *err)
{
	struct usb_fault_spec s = {
		.ep = USB_FAULT_ANY_EP,
		.request = USB_FAULT_ANY_REQ,
		.dtype = -1,
		.count = 1,
		.every = 1,
		.seed = 1,
	};
	bool count_set = false, forever = false;
	long long v;
	int i;

	if (argc < 1) {
		strbuf_printf(err, "no fault: stall, nak MS, timeout, error ERRNO, short BYTES, "
				   "corrupt");
		return -EINVAL;
	}
	/* The reasons below quote the words: no control characters in them. */
	for (i = 0; i < argc; i++) {
		const unsigned char *p;

		for (p = (const unsigned char *)argv[i]; *p; p++) {
			if (*p < 0x20 || *p == 0x7f) {
				strbuf_printf(err, "fault spec with a control character (0x%02x)",
					      *p);
				return -EINVAL;
			}
		}
	}
	for (i = 1; i < (int)ARRAY_SIZE(kinds); i++)
		if (strcmp(argv[0], kinds[i]) == 0)
			s.kind = (enum usb_fault_kind)i;
	if (!s.kind) {
		strbuf_printf(err,
			      "unknown fault '%s': stall, nak MS, timeout, error ERRNO, "
			      "short BYTES, corrupt",
			      argv[0]);
		return -EINVAL;
	}
	i = 1;
	if (s.kind == USB_FAULT_DESCRIPTOR) {
		size_t k;

		for (k = 1; argc >= 2 && k < ARRAY_SIZE(desc_modes); k++)
			if (strcmp(argv[1], desc_modes[k]) == 0)
				s.arg = (uint32_t)k;
		for (k = 0; argc >= 3 && s.arg && k < ARRAY_SIZE(dtypes); k++)
			if (strcmp(argv[2], dtypes[k].name) == 0)
				s.dtype = dtypes[k].type;
		if (!s.arg || s.dtype < 0) {
			strbuf_printf(err,
				      "usage: descriptor corrupt|truncate|oversize TYPE (device, "
				      "config, string, qualifier, other_speed, bos, hid, report)");
			return -EINVAL;
		}
		s.request = USB_REQ_GET_DESCRIPTOR;
		s.ep = 0;
		s.count = 0;
		i = 3;
	} else if (s.kind == USB_FAULT_NAK || s.kind == USB_FAULT_ERROR ||
		   s.kind == USB_FAULT_SHORT) {
		if (argc < 2 || (argv[1][0] == '-' && argv[1][1] == '-')) {
			strbuf_printf(err, "%s needs %s", argv[0],
				      s.kind == USB_FAULT_NAK	? "MS" :
				      s.kind == USB_FAULT_ERROR ? "ERRNO" :
								  "BYTES");
			return -EINVAL;
		}
		if (s.kind == USB_FAULT_ERROR) {
			if (parse_errno(argv[1], &s.arg) < 0) {
				strbuf_printf(err,
					      "error '%s': use EPROTO, EILSEQ, ETIME, EOVERFLOW, "
					      "ECOMM, ENOSR, EREMOTEIO or EPIPE",
					      argv[1]);
				return -EINVAL;
			}
		} else {
			if (number(argv[0], argv[1], 0,
				   s.kind == USB_FAULT_NAK ? USB_FAULT_MAX_MS : INT32_MAX, &v, err))
				return -EINVAL;
			s.arg = (uint32_t)v;
		}
		i = 2;
	}
	for (; i < argc; i++) {
		const char *o = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--forever") == 0) {
			forever = true;
			continue;
		}
		if (strcmp(o, "--ep") && strcmp(o, "--count") && strcmp(o, "--every") &&
		    strcmp(o, "--after") && strcmp(o, "--at-request") && strcmp(o, "--seed")) {
			strbuf_printf(err, "unknown fault option '%s'", o);
			return -EINVAL;
		}
		if (!val) {
			strbuf_printf(err, "%s needs a value", o);
			return -EINVAL;
		}
		i++;
		if (strcmp(o, "--ep") == 0) {
			/* An endpoint address as lsusb shows it: 0x81, 81, 0 */
			if (num_parse(val, 16, 0, 0xff, &v) < 0 || (v & 0x70)) {
				strbuf_printf(err,
					      "--ep '%s': an endpoint address such as 0x81, "
					      "0x02 or 0",
					      val);
				return -EINVAL;
			}
			s.ep = (uint16_t)v;
		} else if (strcmp(o, "--count") == 0) {
			if (number(o, val, 1, INT32_MAX, &v, err))
				return -EINVAL;
			s.count = (uint32_t)v;
			count_set = true;
		} else if (strcmp(o, "--every") == 0) {
			if (number(o, val, 1, INT32_MAX, &v, err))
				return -EINVAL;
			s.every = (uint32_t)v;
		} else if (strcmp(o, "--after") == 0) {
			if (number(o, val, 0, INT32_MAX, &v, err))
				return -EINVAL;
			s.after = (uint32_t)v;
		} else if (strcmp(o, "--seed") == 0) {
			if (number(o, val, 0, UINT32_MAX, &v, err))
				return -EINVAL;
			s.seed = (uint32_t)v;
		} else if (s.kind == USB_FAULT_DESCRIPTOR) {
			strbuf_printf(err, "--at-request: a descriptor fault has its own");
			return -EINVAL;
		} else if (parse_request(val, &s.request, &s.dtype) < 0) {
			strbuf_printf(err,
				      "--at-request '%s': a standard request such as "
				      "get_descriptor:config or set_configuration",
				      val);
			return -EINVAL;
		}
	}
	if (forever && count_set) {
		strbuf_printf(err, "--forever and --count together");
		return -EINVAL;
	}
	if (forever || (s.every > 1 && !count_set))
		s.count = 0;
	if (s.kind == USB_FAULT_DESCRIPTOR && (s.ep != 0 || s.request != USB_REQ_GET_DESCRIPTOR)) {
		strbuf_printf(err, "--ep: a descriptor fault is on endpoint 0");
		return -EINVAL;
	}
	if (s.request != USB_FAULT_ANY_REQ) {
		if (s.ep != USB_FAULT_ANY_EP && EP_NUM(s.ep) != 0) {
			strbuf_printf(err, "--at-request is for endpoint 0");
			return -EINVAL;
		}
		s.ep = 0;
	}
	if (s.ep != USB_FAULT_ANY_EP && EP_NUM(s.ep) == 0)
		s.ep = 0; /* control: both directions */
	if ((s.kind == USB_FAULT_SHORT || s.kind == USB_FAULT_CORRUPT) &&
	    s.ep != USB_FAULT_ANY_EP && s.ep != 0 && !(s.ep & USB_DIR_IN)) {
		strbuf_printf(err, "%s alters IN data: --ep 0x%02x is an OUT endpoint", argv[0],
			      s.ep);
		return -EINVAL;
	}
	*ret = s;
	return 0;
}

int usb_fault_parse_text(const char *text, size_t len, struct usb_fault_spec *ret,
			 struct strbuf *err)
{
	char buf[USB_FAULT_SPEC_MAX + 1], *argv[USB_FAULT_MAX_WORDS];
	int argc = 0;
	size_t i;

	if (len > USB_FAULT_SPEC_MAX) {
		strbuf_printf(err, "fault spec longer than %d bytes", USB_FAULT_SPEC_MAX);
		return -EINVAL;
	}
	if (memchr(text, '\0', len)) {
		strbuf_printf(err, "fault spec with a NUL byte");
		return -EINVAL;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	for (i = 0; i < len;) {
		if (buf[i] == ' ' || buf[i] == '\t') {
			buf[i++] = '\0';
			continue;
		}
		if (argc == USB_FAULT_MAX_WORDS) {
			strbuf_printf(err, "fault spec of more than %d words", USB_FAULT_MAX_WORDS);
			return -EINVAL;
		}
		argv[argc++] = buf + i;
		while (i < len && buf[i] != ' ' && buf[i] != '\t')
			i++;
	}
	return usb_fault_parse(argc, argv, ret, err);
}

static const char *request_name(uint16_t req)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(requests); i++)
		if (requests[i].req == req)
			return requests[i].name;
	return "?";
}

static const char *dtype_name(int16_t t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dtypes); i++)
		if (dtypes[i].type == t)
			return dtypes[i].name;
	return "?";
}

void usb_fault_format(const struct usb_fault_spec *s, struct strbuf *out)
{
	strbuf_printf(out, "%s", kinds[s->kind]);
	if (s->kind == USB_FAULT_ERROR)
		strbuf_printf(out, " %s", errno_name(s->arg));
	else if (s->kind == USB_FAULT_NAK || s->kind == USB_FAULT_SHORT)
		strbuf_printf(out, " %u", s->arg);
	else if (s->kind == USB_FAULT_DESCRIPTOR)
		strbuf_printf(out, " %s %s", desc_modes[s->arg], dtype_name(s->dtype));
	if (s->kind == USB_FAULT_DESCRIPTOR) {
		/* endpoint 0, GET_DESCRIPTOR: implied */
	} else if (s->request != USB_FAULT_ANY_REQ) {
		strbuf_printf(out, " --at-request %s", request_name(s->request));
		if (s->dtype >= 0)
			strbuf_printf(out, ":%s", dtype_name(s->dtype));
	} else if (s->ep != USB_FAULT_ANY_EP) {
		strbuf_printf(out, " --ep 0x%02x", s->ep);
	}
	if (s->after)
		strbuf_printf(out, " --after %u", s->after);
	if (s->every > 1)
		strbuf_printf(out, " --every %u", s->every);
	if (s->count)
		strbuf_printf(out, " --count %u", s->count);
	else if (s->every <= 1)
		strbuf_printf(out, " --forever");
	if (s->kind == USB_FAULT_CORRUPT)
		strbuf_printf(out, " --seed %u", s->seed);
}

/* ---- the engine ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t xorshift32(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

int usb_fault_add(struct usb_device *dev, const struct usb_fault_spec *spec, unsigned int *ret_id)
{
	struct usb_faults *fs = dev->faults;
	unsigned int i;

	if (!fs) {
		fs = calloc(1, sizeof(*fs));
		if (!fs)
			return -ENOMEM;
		list_init(&fs->held);
		dev->faults = fs;
	}
	for (i = 0; i < USB_FAULT_MAX && fs->f[i].id; i++)
		;
	if (i == USB_FAULT_MAX)
		return -ENOSPC;
	fs->f[i] = (struct fault){ .id = ++fs->next_id, .spec = *spec, .rng = spec->seed };
	*ret_id = fs->f[i].id;
	return 0;
}

static unsigned int held_by(const struct usb_faults *fs, unsigned int id)
{
	const struct list_head *pos;
	unsigned int n = 0;

	list_for_each(pos, &fs->held)
		if (list_entry(pos, struct held, link)->id == id)
			n++;
	return n;
}

/* Serve the held URBs of fault `id` (0: all) now, or those due by `now`. */
static void release(struct usb_device *dev, unsigned int id, uint64_t now)
{
	struct usb_faults *fs = dev->faults;
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &fs->held) {
		struct held *h = list_entry(pos, struct held, link);
		struct usb_urb *urb = h->urb;

		if (now ? !h->deadline_ms || h->deadline_ms > now : id && h->id != id)
			continue;
		list_del(&h->link);
		free(h);
		usb_device_serve(dev, urb);
		/* Serving may have changed the list (a completion that
		 * cleared faults): start over. */
		if (!dev->faults)
			return;
		tmp = fs->held.next;
	}
}

static bool engine_idle(const struct usb_faults *fs)
{
	unsigned int i;

	for (i = 0; i < USB_FAULT_MAX; i++)
		if (fs->f[i].id)
			return false;
	return list_empty(&fs->held);
}

int usb_fault_clear(struct usb_device *dev, unsigned int id)
{
	struct usb_faults *fs = dev->faults;
	bool found = false;
	unsigned int i;

	if (!fs)
		return id ? -ENOENT : 0;
	for (i = 0; i < USB_FAULT_MAX; i++) {
		if (fs->f[i].id && (!id || fs->f[i].id == id)) {
			fs->f[i].id = 0;
			found = true;
		}
	}
	if (id && !found)
		return -ENOENT;
	release(dev, id, 0);
	/* No fault left: the core is back to one pointer test per URB. */
	if (dev->faults && engine_idle(dev->faults)) {
		free(dev->faults);
		dev->faults = NULL;
	}
	usb_device_rearm(dev);
	return 0;
}

void usb_fault_list(const struct usb_device *dev, struct strbuf *out)
{
	const struct usb_faults *fs = dev->faults;
	unsigned int i, n;

	if (!fs)
		return;
	for (i = 0; i < USB_FAULT_MAX; i++) {
		const struct fault *f = &fs->f[i];

		if (!f->id)
			continue;
		strbuf_printf(out, "%u\t", f->id);
		usb_fault_format(&f->spec, out);
		strbuf_printf(out, "\tfired %u", f->fired);
		if (f->spec.count && f->fired >= f->spec.count)
			strbuf_printf(out, " (spent)");
		n = held_by(fs, f->id);
		if (n)
			strbuf_printf(out, ", holding %u", n);
		strbuf_printf(out, "\n");
	}
}

void usb_faults_free(struct usb_device *dev)
{
	struct usb_faults *fs = dev->faults;
	struct list_head *pos, *tmp;

	if (!fs)
		return;
	/* A device freed with URBs held: its transport went without a
	 * disconnect, which is a bug of ours; do not leak the records. */
	list_for_each_safe(pos, tmp, &fs->held)
		free(list_entry(pos, struct held, link));
	free(fs);
	dev->faults = NULL;
}

static bool matches(const struct fault *f, const struct usb_urb *urb)
{
	const struct usb_fault_spec *s = &f->spec;

	if (!f->id)
		return false;
	if ((s->kind == USB_FAULT_SHORT || s->kind == USB_FAULT_CORRUPT) && !urb->in)
		return false;
	if (s->ep != USB_FAULT_ANY_EP) {
		if (s->ep == 0 ? urb->ep != 0 :
				 EP_NUM(s->ep) != urb->ep || !!(s->ep & USB_DIR_IN) != urb->in)
			return false;
	}
	if (s->request != USB_FAULT_ANY_REQ) {
		/* a standard request: type bits 0 */
		if (urb->ep != 0 || (urb->setup_raw[0] & 0x60) || urb->setup_raw[1] != s->request)
			return false;
		if (s->dtype >= 0 && urb->setup_raw[3] != s->dtype)
			return false;
	}
	return true;
}

/* Count the URB for `f`; whether f fires on it. */
static bool due(struct fault *f)
{
	uint32_t n;

	if (f->seen < UINT32_MAX)
		f->seen++;
	if (f->seen <= f->spec.after)
		return false;
	n = f->seen - f->spec.after;
	if (f->spec.every > 1 && n % f->spec.every)
		return false;
	return !f->spec.count || f->fired < f->spec.count;
}

static void hold(struct usb_device *dev, struct fault *f, struct usb_urb *urb, uint32_t ms)
{
	struct held *h = calloc(1, sizeof(*h));

	if (!h) {
		/* No memory to hold it: serve it, unharmed, rather than lose it. */
		usb_device_serve(dev, urb);
		return;
	}
	h->urb = urb;
	h->id = f->id;
	h->deadline_ms = f->spec.kind == USB_FAULT_NAK ? now_ms() + ms : 0;
	list_init(&urb->link);
	list_add_tail(&h->link, &dev->faults->held);
	if (h->deadline_ms)
		usb_device_rearm(dev);
}

static void fail(struct usb_device *dev, struct usb_urb *urb, int status)
{
	list_init(&urb->link);
	urb->status = status;
	urb->actual = 0;
	dev->transport->complete(dev->transport_data, urb);
}

bool usb_fault_submit(struct usb_device *dev, struct usb_urb *urb)
{
	struct usb_faults *fs = dev->faults;
	struct fault *hit = NULL;
	char what[160];
	unsigned int i;
	struct usb_ep *ep;

	for (i = 0; i < USB_FAULT_MAX; i++) {
		struct fault *f = &fs->f[i];

		if (matches(f, urb) && due(f) && !hit)
			hit = f;
	}
	if (!hit)
		return false;
	hit->fired++;
	snprintf(what, sizeof(what), "fault %u %s fired on seqnum %u ep 0x%02x (%u of %s%u)",
		 hit->id, kinds[hit->spec.kind], urb->seqnum, (urb->in ? USB_DIR_IN : 0) | urb->ep,
		 hit->fired, hit->spec.count ? "" : "every ",
		 hit->spec.count ? hit->spec.count : hit->spec.every);
	usb_device_event(dev, what);

	switch (hit->spec.kind) {
	case USB_FAULT_STALL:
		ep = &dev->ep[urb->in][urb->ep & 0x0f];
		if (urb->ep == 0 || !usb_device_configured(dev) || !ep->func) {
			fail(dev, urb, -EPIPE);
			return true;
		}
		/* Halted as on the bus: this URB and every later one fail
		 * until the host clears the halt. */
		ep->halted = true;
		usb_device_serve(dev, urb);
		return true;
	case USB_FAULT_ERROR:
		fail(dev, urb, -(int)hit->spec.arg);
		return true;
	case USB_FAULT_NAK:
	case USB_FAULT_TIMEOUT:
		hold(dev, hit, urb, hit->spec.arg);
		return true;
	case USB_FAULT_SHORT:
		urb->fault_op = USB_FAULT_SHORT;
		urb->fault_arg = hit->spec.arg;
		return false;
	case USB_FAULT_CORRUPT:
		urb->fault_op = USB_FAULT_CORRUPT;
		urb->fault_arg = xorshift32(&hit->rng);
		return false;
	case USB_FAULT_DESCRIPTOR:
		urb->fault_op = USB_FAULT_DESCRIPTOR;
		urb->fault_arg = hit->spec.arg;
		return false;
	}
	return false;
}

/* What a descriptor fault makes of a GET_DESCRIPTOR answer in urb->buf. */
static void descriptor_fault(struct usb_urb *urb)
{
	uint8_t type = urb->setup_raw[3];

	switch (urb->fault_arg) {
	case USB_FAULT_DESC_CORRUPT:
		if (urb->actual >= 2)
			urb->buf[1] ^= 0x5a; /* no descriptor type the host expects */
		break;
	case USB_FAULT_DESC_TRUNCATE:
		urb->actual /= 2;
		break;
	case USB_FAULT_DESC_OVERSIZE:
		if ((type == USB_DT_CONFIG || type == USB_DT_BOS) && urb->actual >= 4) {
			urb->buf[2] = 0xff; /* wTotalLength */
			urb->buf[3] = 0xff;
		} else if (urb->actual >= 1) {
			urb->buf[0] = 0xff; /* bLength */
		}
		break;
	}
}

void usb_fault_complete(struct usb_urb *urb)
{
	uint64_t bit;

	if (urb->status || !urb->in)
		return;
	if (urb->fault_op == USB_FAULT_SHORT && urb->actual > urb->fault_arg)
		urb->actual = urb->fault_arg;
	if (urb->fault_op == USB_FAULT_CORRUPT && urb->actual && urb->actual <= urb->cap) {
		bit = urb->fault_arg % ((uint64_t)urb->actual * 8);
		urb->buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	if (urb->fault_op == USB_FAULT_DESCRIPTOR && urb->actual <= urb->cap)
		descriptor_fault(urb);
}

struct usb_urb *usb_fault_unlink(struct usb_device *dev, uint32_t seqnum)
{
	struct list_head *pos;

	list_for_each(pos, &dev->faults->held) {
		struct held *h = list_entry(pos, struct held, link);
		struct usb_urb *urb = h->urb;

		if (urb->seqnum == seqnum) {
			list_del(&h->link);
			free(h);
			return urb;
		}
	}
	return NULL;
}

void usb_fault_drop(struct usb_device *dev, void (*drop)(struct usb_urb *urb, void *data),
		    void *data)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &dev->faults->held) {
		struct held *h = list_entry(pos, struct held, link);
		struct usb_urb *urb = h->urb;

		list_del(&h->link);
		free(h);
		drop(urb, data);
	}
}

uint64_t usb_fault_deadline(const struct usb_device *dev)
{
	const struct list_head *pos;
	uint64_t next = 0;

	list_for_each(pos, &dev->faults->held) {
		const struct held *h = list_entry(pos, struct held, link);

		if (h->deadline_ms && (!next || h->deadline_ms < next))
			next = h->deadline_ms;
	}
	return next;
}

void usb_fault_timer(struct usb_device *dev, uint64_t now)
{
	release(dev, 0, now);
}
