// SPDX-License-Identifier: MIT
/*
 * `list --json`: each device as a JSON object, a line each, with the
 * fields scripts want as data rather than the free text of `details`
 * (README, "vusbctl list --json" says what each member means).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "src/app/instance.h"
#include "src/base/bytes.h"
#include "src/base/json.h"
#include "src/usb/usb.h"

/* The text of string descriptor `index`, or null. */
static void string_desc(struct json *j, const char *key, const struct usb_device *dev,
			unsigned int index)
{
	json_key(j, key);
	json_str(j, index && index < USB_MAX_STRINGS ? dev->strings[index] : NULL);
}

/* "a b c" as ["a","b","c"]. */
static void words(struct json *j, const char *text)
{
	const char *p = text, *sp;

	json_array_begin(j);
	while (*p) {
		sp = strchr(p, ' ');
		if (!sp)
			sp = p + strlen(p);
		if (sp > p)
			json_strn(j, p, (size_t)(sp - p));
		p = *sp ? sp + 1 : sp;
	}
	json_array_end(j);
}

static void device(struct vusb *v, struct vdev *vd, struct json *j)
{
	const struct usb_device *dev = vd->dev;
	bool exported = vd->export && vd->state != VDEV_OFFLINE;
	struct strbuf details = { 0 };
	char buf[64], addr[SERVER_ADDR_STRLEN];

	json_object_begin(j);
	json_kv_str(j, "name", vd->name);
	json_kv_str(j, "model", vd->model->name);
	json_kv_int(j, "instance", (long long)getpid());
	json_key(j, "listen");
	if (v->server) {
		vusb_server_addr(v, 0, addr, sizeof(addr));
		json_str(j, addr);
	} else {
		json_null(j);
	}
	json_kv_str(j, "state", vdev_state_name(vd->state));
	json_key(j, "port");
	if (vd->attached)
		json_uint(j, vd->port);
	else
		json_null(j);
	json_key(j, "busid");
	if (exported)
		json_str(j, server_export_busid(vd->export));
	else if (vd->attached)
		json_str(j, vd->busid);
	else
		json_null(j);
	snprintf(buf, sizeof(buf), "%04x", get_le16(dev->desc + 8));
	json_kv_str(j, "vid", buf);
	snprintf(buf, sizeof(buf), "%04x", get_le16(dev->desc + 10));
	json_kv_str(j, "pid", buf);
	string_desc(j, "manufacturer", dev, dev->desc[14]);
	string_desc(j, "product", dev, dev->desc[15]);
	string_desc(j, "serial", dev, dev->desc[16]);
	json_kv_str(j, "speed", usb_speed_name(dev->speed));
	json_key(j, "nodes");
	words(j, vd->attached && vd->nodes_ready ? vd->nodes : "");
	json_key(j, "importer");
	json_str(j, exported && vd->conn ? vd->peer : NULL);
	if (vd->model->describe_json)
		vd->model->describe_json(vd->dev, j);
	if (vd->model->describe)
		vd->model->describe(vd->dev, &details);
	json_kv_str(j, "details", strbuf_str(&details));
	strbuf_free(&details);
	json_object_end(j);
}

void vusb_list_json(struct vusb *v, struct strbuf *out)
{
	struct list_head *pos;

	list_for_each(pos, &v->devs) {
		struct json j;

		json_init(&j, out);
		device(v, list_entry(pos, struct vdev, link), &j);
		strbuf_add(out, "\n", 1);
	}
}
