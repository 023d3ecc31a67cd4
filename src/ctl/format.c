// SPDX-License-Identifier: MIT
/* `list` as people and scripts read it (src/ctl/format.h). */
#include <stdbool.h>
#include <string.h>

#include "src/ctl/format.h"

static void format_json(const char *rows, struct strbuf *out)
{
	const char *line = rows;
	bool first = true;

	strbuf_printf(out, "{\"version\":%d,\"devices\":[", CTL_LIST_VERSION);
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);

		/* The instance wrote each object on one line (JSON escapes newlines). */
		if (n >= 2 && line[0] == '{' && line[n - 1] == '}') {
			if (!first)
				strbuf_add(out, ",", 1);
			strbuf_add(out, line, n);
			first = false;
		}
		line += n + (end != NULL);
	}
	strbuf_printf(out, "]}\n");
}

void ctl_format_list(const char *rows, bool json, struct strbuf *out)
{
	const char *line = rows;

	if (json) {
		format_json(rows, out);
		return;
	}
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
		strbuf_printf(out, "%-16s %-10s %-5s %-8s %-9s %s\n", f[0], f[1], f[2], f[3], f[4],
			      f[5]);
	}
}
