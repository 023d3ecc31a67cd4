// SPDX-License-Identifier: MIT
/*
 * The settle table and judge (sysfs/settle.c): the input is a stream of
 * uevent messages, each preceded by its length (two bytes, little-endian),
 * about devices below vhci's 1-1 (others are skipped, as a watch skips
 * them). Checked:
 * the table stays within its bounds and holds no entry twice; the state
 * built from it has its interfaces and nodes within bounds, nodes sorted
 * and named like the kernel's DEVNAMEs; the judge answers 0 or 1 with a
 * reason when 0; the nodes line is one "/dev/..." word per node.
 */
#include <errno.h>
#include <string.h>

#include "sysfs/settle.h"
#include "tests/fuzz/fuzz.h"

#define DEV "/devices/platform/vhci_hcd.0/usb1/1-1"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct settle_table t;
	static struct settle_state st;
	size_t off = 0, n = strlen(DEV);
	struct strbuf why = { 0 }, nodes = { 0 };
	unsigned int i, k;
	int r;

	memset(&t, 0, sizeof(t));
	while (off < size) {
		size_t len = data[off++];
		char buf[UEVENT_MSG_MAX];
		struct uevent ev;

		if (off < size)
			len |= (size_t)data[off++] << 8;
		if (len > sizeof(buf))
			len = sizeof(buf);
		if (len > size - off)
			len = size - off;
		memcpy(buf, data + off, len);
		off += len;
		if (uevent_parse(buf, len, &ev) < 0 || !uevent_devpath_under(ev.devpath, DEV))
			continue;
		r = settle_table_update(&t, ev.devpath[n] ? ev.devpath + n + 1 : "", &ev);
		FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOSPC, "update %d", r);
		FUZZ_CHECK(t.n <= SETTLE_MAX_ENTRIES, "%u entries", t.n);
	}
	for (i = 0; i < t.n; i++)
		for (k = i + 1; k < t.n; k++)
			FUZZ_CHECK(strcmp(t.e[i].rel, t.e[k].rel) != 0, "%s twice", t.e[i].rel);
	settle_build(&t, &st);
	FUZZ_CHECK(st.niface <= SETTLE_MAX_IFACES && st.nnodes <= SETTLE_MAX_NODES, "bounds");
	for (i = 0; i < st.nnodes; i++) {
		FUZZ_CHECK(st.node[i].devname[0] && st.node[i].devname[0] != '/' &&
				   !strstr(st.node[i].devname, ".."),
			   "node name %s", st.node[i].devname);
		if (i)
			FUZZ_CHECK(strverscmp(st.node[i - 1].devname, st.node[i].devname) <= 0,
				   "nodes unsorted");
	}
	for (i = 0; i < st.niface; i++)
		FUZZ_CHECK(st.iface[i].hid_bound <= st.iface[i].hid &&
				   st.iface[i].scsi_bound <= st.iface[i].scsi &&
				   st.iface[i].inputs_evdev <= st.iface[i].inputs,
			   "counts");
	settle_expect(&st, NULL);
	r = settle_judge(&st, &why);
	FUZZ_CHECK(r == 0 || r == 1, "judge %d", r);
	FUZZ_CHECK(r == 1 || why.len > 0, "not ready without a reason");
	settle_format_nodes(&st, &nodes);
	for (i = 0, k = 0; i < nodes.len; i++)
		k += nodes.buf[i] == ' ';
	FUZZ_CHECK(st.nnodes == 0 ? nodes.len == 0 : k + 1 == st.nnodes, "nodes line");
	strbuf_free(&why);
	strbuf_free(&nodes);
	return 0;
}
