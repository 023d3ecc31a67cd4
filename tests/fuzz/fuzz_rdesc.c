// SPDX-License-Identifier: MIT
/*
 * Report descriptors (hid/rdesc.c): the input as a descriptor file
 * (hid_rdesc_load, binary or hex text), and what it holds as a report
 * descriptor (hid_rdesc_parse) under the limits of a full-speed device.
 * Checked: an error's offset lies inside the input (or at its end) with a
 * reason; a parsed descriptor's reports fit their limits, use IDs all or
 * none, and are counted right.
 */
#include <string.h>

#include "hid/rdesc.h"
#include "tests/fuzz/fuzz.h"

static void check_error(const struct hid_rdesc_error *e, size_t len)
{
	FUZZ_CHECK(e->offset <= len || e->offset == HID_RDESC_MAX, "offset %zu of %zu", e->offset,
		   len);
	FUZZ_CHECK(memchr(e->reason, '\0', sizeof(e->reason)) && e->reason[0], "no reason");
}

static void check_parse(const uint8_t *d, size_t len)
{
	static const struct hid_rdesc_limits lim = { { 64, 64, 0 } };
	struct hid_rdesc r;
	struct hid_rdesc_error e;
	unsigned int type, id, n;

	memset(&e, 0, sizeof(e));
	if (hid_rdesc_parse(d, len, &lim, &r, &e) < 0) {
		check_error(&e, len);
		return;
	}
	FUZZ_CHECK(len && len <= HID_RDESC_MAX, "parsed %zu bytes", len);
	for (type = HID_RDESC_INPUT; type <= HID_RDESC_FEATURE; type++) {
		for (id = n = 0; id < HID_RDESC_IDS; id++) {
			size_t rl = hid_rdesc_report_len(&r, type, id);

			if (!r.bits[type - 1][id])
				continue;
			n++;
			FUZZ_CHECK(r.ids == (id != 0), "report %u in a descriptor %s IDs", id,
				   r.ids ? "with" : "without");
			FUZZ_CHECK(rl > 0, "report %u/%u has no length", type, id);
			if (lim.max[type - 1])
				FUZZ_CHECK(rl <= lim.max[type - 1], "report %u/%u: %zu bytes", type,
					   id, rl);
		}
		FUZZ_CHECK(n == r.nreports[type - 1], "%u reports of type %u, counted %u", n, type,
			   r.nreports[type - 1]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy, out[HID_RDESC_MAX];
	struct hid_rdesc_error e;
	int n;

	/* A copy of the exact size: neither function may read past it. */
	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	memset(&e, 0, sizeof(e));
	n = hid_rdesc_load(copy, size, out, &e);
	if (n < 0) {
		FUZZ_CHECK(e.offset <= size || e.offset == HID_RDESC_MAX ||
				   e.offset == HID_RDESC_TEXT_MAX,
			   "load offset %zu of %zu", e.offset, size);
		FUZZ_CHECK(e.reason[0], "no reason");
	} else {
		FUZZ_CHECK(n <= HID_RDESC_MAX, "loaded %d bytes", n);
		check_parse(out, (size_t)n);
	}
	check_parse(copy, size);
	free(copy);
	return 0;
}
