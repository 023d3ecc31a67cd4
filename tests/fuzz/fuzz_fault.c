// SPDX-License-Identifier: MIT
/*
 * Fault specs (src/usb/fault.c), as `--fault SPEC` hands them over: the
 * input is the spec's text. Checked: a spec that parses is within its
 * limits, a refused one says why, and one that parses prints as text that
 * parses back to the same spec.
 */
#include <errno.h>
#include <string.h>

#include "src/usb/fault.h"
#include "tests/fuzz/fuzz.h"

static void check_spec(const struct usb_fault_spec *s)
{
	FUZZ_CHECK(s->kind >= USB_FAULT_STALL && s->kind <= USB_FAULT_RESET_STORM, "kind %d",
		   s->kind);
	FUZZ_CHECK(s->every >= 1, "every %u", s->every);
	FUZZ_CHECK(s->ep == USB_FAULT_ANY_EP || (s->ep <= 0xff && !(s->ep & 0x70)), "ep %#x",
		   s->ep);
	FUZZ_CHECK(s->request == USB_FAULT_ANY_REQ || s->ep == 0, "request on ep %#x", s->ep);
	FUZZ_CHECK(s->kind != USB_FAULT_NAK || s->arg <= USB_FAULT_MAX_MS, "nak %u", s->arg);
	FUZZ_CHECK(s->kind != USB_FAULT_ERROR || s->arg > 0, "errno %u", s->arg);
	FUZZ_CHECK(s->kind != USB_FAULT_SLOW || (s->arg >= 1 && s->arg <= USB_FAULT_MAX_MS),
		   "slow %u", s->arg);
	/* per command: no endpoint, no request */
	FUZZ_CHECK(!((1u << s->kind) & USB_FAULT_PER_COMMAND) ||
			   (s->ep == USB_FAULT_ANY_EP && s->request == USB_FAULT_ANY_REQ),
		   "%d on ep %#x request %#x", s->kind, s->ep, s->request);
	FUZZ_CHECK(s->kind != USB_FAULT_DESCRIPTOR ||
			   (s->arg >= USB_FAULT_DESC_CORRUPT && s->arg <= USB_FAULT_DESC_OVERSIZE &&
			    s->dtype >= 0 && s->ep == 0),
		   "descriptor %u %d", s->arg, s->dtype);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usb_fault_spec a, b;
	struct strbuf err = { 0 }, text = { 0 };
	int r;

	r = usb_fault_parse_text((const char *)data, size, &a, &err);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "parse %d", r);
	if (r < 0) {
		FUZZ_CHECK(err.len > 0 && !strchr(strbuf_str(&err), '\n'), "no reason given");
		strbuf_free(&err);
		return 0;
	}
	check_spec(&a);
	usb_fault_format(&a, &text);
	r = usb_fault_parse_text(strbuf_str(&text), text.len, &b, &err);
	FUZZ_CHECK(r == 0, "'%s' does not parse again: %s", strbuf_str(&text), strbuf_str(&err));
	if (a.kind != USB_FAULT_CORRUPT)
		a.seed = b.seed;
	FUZZ_CHECK(a.kind == b.kind && a.arg == b.arg && a.ep == b.ep && a.request == b.request &&
			   a.dtype == b.dtype && a.count == b.count && a.every == b.every &&
			   a.after == b.after && a.seed == b.seed,
		   "'%s' parses to another spec", strbuf_str(&text));
	strbuf_free(&text);
	strbuf_free(&err);
	return 0;
}
