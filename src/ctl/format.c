// SPDX-License-Identifier: MIT
/* `list` as people and scripts read it (src/ctl/format.h). */
#include <stdbool.h>
#include <string.h>

#include "src/ctl/format.h"

void ctl_format_list(const char *rows, bool json, struct strbuf *out)
{
	const char *line = rows;
	bool first = true;

	if (json)
		strbuf_printf(out, "[");
	else
		strbuf_printf(out, "%-16s %-10s %-5s %-8s %-9s %s\n", "NAME", "KIND", "PORT", "BUSID",
			      "STATE", "DETAILS");
	while (*line) {
		const char *end = strchr(line, '\n');
		char buf[512], *f[6], *save = NULL, *tok;
		size_t n = end ? (size_t)(end - line) : strlen(line);
		int nf = 0;

		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, line, n);
		buf[n] = '\0';
		line = end ? end + 1 : line + strlen(line);
		/* strtok would merge the empty details field; split by hand. */
		for (tok = buf; nf < 6; nf++) {
			f[nf] = tok;
			save = strchr(tok, '\t');
			if (!save) {
				nf++;
				break;
			}
			*save = '\0';
			tok = save + 1;
		}
		if (nf < 5)
			continue;
		if (nf == 5)
			f[5] = "";
		if (!json) {
			strbuf_printf(out, "%-16s %-10s %-5s %-8s %-9s %s\n", f[0], f[1], f[2], f[3], f[4],
				      f[5]);
			continue;
		}
		strbuf_printf(out, "%s{\"name\":", first ? "" : ",");
		strbuf_json_str(out, f[0]);
		strbuf_printf(out, ",\"kind\":");
		strbuf_json_str(out, f[1]);
		if (strcmp(f[2], "-") == 0)
			strbuf_printf(out, ",\"port\":null");
		else
			strbuf_printf(out, ",\"port\":%s", f[2]);
		/* An exported device has a busid but no port. */
		if (strcmp(f[3], "-") == 0) {
			strbuf_printf(out, ",\"busid\":null");
		} else {
			strbuf_printf(out, ",\"busid\":");
			strbuf_json_str(out, f[3]);
		}
		strbuf_printf(out, ",\"state\":");
		strbuf_json_str(out, f[4]);
		strbuf_printf(out, ",\"details\":");
		strbuf_json_str(out, f[5]);
		strbuf_printf(out, "}");
		first = false;
	}
	if (json)
		strbuf_printf(out, "]\n");
}
