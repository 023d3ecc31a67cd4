// SPDX-License-Identifier: MIT
/*
 * Lines typed on vusb-attach's terminal: ctl_split_line (quotes,
 * backslashes, blanks) and then vusb_command with the terminal's short
 * forms ("move 1 2" to the first device that knows it) against an offline
 * instance with one device of every model (tests/fuzz/offline.h). The
 * input is the terminal's text, one command per line.
 */
#include "tests/fuzz/offline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vusb *v = off_new();
	size_t start = 0, i;

	for (i = 0; i <= size; i++) {
		char *argv[CTL_MAX_ARGS], *line;
		size_t len;
		int argc, k;

		if (i < size && data[i] != '\n')
			continue;
		/* What the terminal reader hands over: a NUL-terminated line
		 * (text after a NUL byte is not seen). */
		len = i - start;
		line = malloc(len + 1);
		if (!line)
			abort();
		memcpy(line, data + start, len);
		line[len] = '\0';
		start = i + 1;
		argc = ctl_split_line(line, argv, CTL_MAX_ARGS);
		FUZZ_CHECK(argc == -EINVAL || (argc >= 0 && argc <= CTL_MAX_ARGS), "argc %d", argc);
		for (k = 0; k < argc; k++)
			FUZZ_CHECK(argv[k] >= line && argv[k] <= line + len &&
					   strlen(argv[k]) <= len,
				   "word %d outside the line", k);
		if (argc > 0 && strcmp(argv[0], "quit") && strcmp(argv[0], "exit"))
			off_command(v, argc, argv, true);
		free(line);
	}
	vusb_free(v);
	return 0;
}
