// SPDX-License-Identifier: MIT
/*
 * A fault as the user writes it (vusbctl NAME fault ..., --fault SPEC),
 * parsed and formatted back: pure (src/usb/fault.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/num.h"
#include "src/usb/fault.h"


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
	[USB_FAULT_STALL] = "stall",
	[USB_FAULT_NAK] = "nak",
	[USB_FAULT_TIMEOUT] = "timeout",
	[USB_FAULT_ERROR] = "error",
	[USB_FAULT_SHORT] = "short",
	[USB_FAULT_CORRUPT] = "corrupt",
	[USB_FAULT_DESCRIPTOR] = "descriptor",
	[USB_FAULT_SLOW] = "slow",
	[USB_FAULT_RESET_STORM] = "reset-storm",
};

static const char *const desc_modes[] = {
	[USB_FAULT_DESC_CORRUPT] = "corrupt",
	[USB_FAULT_DESC_TRUNCATE] = "truncate",
	[USB_FAULT_DESC_OVERSIZE] = "oversize",
};

#define KINDS_HELP                                                                          \
	"stall, nak MS, timeout, error ERRNO, short BYTES, corrupt, descriptor MODE TYPE, " \
	"slow MS, reset-storm"

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
		strbuf_printf(err, "no fault: " KINDS_HELP);
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
		strbuf_printf(err, "unknown fault '%s': " KINDS_HELP, argv[0]);
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
		   s.kind == USB_FAULT_SHORT || s.kind == USB_FAULT_SLOW) {
		if (argc < 2 || (argv[1][0] == '-' && argv[1][1] == '-')) {
			strbuf_printf(err, "%s needs %s", argv[0],
				      s.kind == USB_FAULT_NAK || s.kind == USB_FAULT_SLOW ? "MS" :
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
			/* slow 0 would be no fault at all */
			if (number(argv[0], argv[1], s.kind == USB_FAULT_SLOW,
				   s.kind == USB_FAULT_SHORT ? INT32_MAX : USB_FAULT_MAX_MS, &v,
				   err))
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
	if (((1u << s.kind) & USB_FAULT_PER_COMMAND) &&
	    (s.ep != USB_FAULT_ANY_EP || s.request != USB_FAULT_ANY_REQ)) {
		strbuf_printf(err, "%s is per command of the device: no --ep or --at-request",
			      argv[0]);
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
	else if (s->kind == USB_FAULT_NAK || s->kind == USB_FAULT_SHORT ||
		 s->kind == USB_FAULT_SLOW)
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

const char *usb_fault_kind_name(enum usb_fault_kind kind)
{
	return (size_t)kind < ARRAY_SIZE(kinds) && kinds[kind] ? kinds[kind] : "?";
}
