// SPDX-License-Identifier: MIT
/*
 * uevent text (sysfs/uevent.c): the input as one netlink message
 * (uevent_parse) and as the contents of a sysfs uevent file
 * (uevent_parse_file). Checked: a parsed event's strings are
 * NUL-terminated and lie inside the buffer, uevent_get finds every
 * variable the parser listed, and the header's fields agree with them.
 */
#include <string.h>

#include "sysfs/uevent.h"
#include "tests/fuzz/fuzz.h"

static void check_str(const char *s, const char *buf, size_t len, const char *what)
{
	if (!s)
		return;
	FUZZ_CHECK(s >= buf && s < buf + len, "%s points outside the message", what);
	FUZZ_CHECK(memchr(s, '\0', (size_t)(buf + len - s)), "%s is not terminated in the message",
		   what);
}

static void check_event(const struct uevent *ev, const char *buf, size_t len)
{
	unsigned int i;

	FUZZ_CHECK(ev->nvars <= UEVENT_MAX_VARS, "%u variables", ev->nvars);
	check_str(ev->devpath, buf, len, "devpath");
	check_str(ev->subsystem, buf, len, "subsystem");
	check_str(ev->devtype, buf, len, "devtype");
	check_str(ev->devname, buf, len, "devname");
	check_str(ev->driver, buf, len, "driver");
	check_str(ev->modalias, buf, len, "modalias");
	for (i = 0; i < ev->nvars; i++) {
		const struct uevent_var *v = &ev->vars[i];
		char key[UEVENT_KEY_MAX + 1];

		FUZZ_CHECK(v->key && v->value, "variable %u", i);
		FUZZ_CHECK(v->key >= buf && v->key_len > 0 && v->key_len <= UEVENT_KEY_MAX &&
				   v->key_len < (size_t)(buf + len - v->key) &&
				   v->key[v->key_len] == '=',
			   "key %u", i);
		check_str(v->value, buf, len, "a value");
		memcpy(key, v->key, v->key_len);
		key[v->key_len] = '\0';
		FUZZ_CHECK(uevent_get(ev, key) != NULL, "uevent_get(%s)", key);
	}
	if (ev->devpath)
		FUZZ_CHECK(uevent_devpath_under(ev->devpath, ev->devpath), "devpath under itself");
	if (ev->subsystem)
		FUZZ_CHECK(uevent_get(ev, "SUBSYSTEM") == ev->subsystem, "SUBSYSTEM");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uevent ev;
	char *buf;

	/* A copy of the exact size: the parser must not read past it. */
	buf = malloc(size ? size : 1);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	if (uevent_parse(buf, size, &ev) == 0) {
		check_event(&ev, buf, size);
		FUZZ_CHECK(ev.action_name && ev.action_name >= buf && ev.action_name < buf + size,
			   "action name");
	}
	memcpy(buf, data, size);
	if (uevent_parse_file(buf, size, &ev) == 0)
		check_event(&ev, buf, size);
	free(buf);
	return 0;
}
