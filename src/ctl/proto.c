// SPDX-License-Identifier: MIT
/* The control protocol: requests, replies, names (src/ctl/ctl.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "src/ctl/ctl.h"

const char *ctl_rundir(void)
{
	const char *d = getenv("VUSB_RUNDIR");

	return d && *d ? d : "/run/vusb";
}

int ctl_request_parse(char *buf, size_t len, char **argv, int max)
{
	size_t i, start = 0;
	int argc = 0;

	if (len == 0 || buf[len - 1] != '\0')
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (buf[i] != '\0')
			continue;
		if (argc >= max)
			return -EINVAL;
		argv[argc++] = buf + start;
		start = i + 1;
	}
	return argc;
}

int ctl_request_encode(int argc, char *const *argv, struct strbuf *out)
{
	int i;

	for (i = 0; i < argc; i++)
		strbuf_add(out, argv[i], strlen(argv[i]) + 1);
	if (out->err)
		return out->err;
	return out->len > CTL_MAX_REQUEST ? -E2BIG : 0;
}

int ctl_reply_parse(char *buf, size_t len, int *ret_code, const char **ret_msg,
		    const char **ret_body)
{
	char *nl, *end;
	long code;

	/* buf[len] is a NUL (a strbuf); a NUL inside is not text. */
	if (len == 0 || memchr(buf, '\0', len))
		return -EBADMSG;
	nl = memchr(buf, '\n', len);
	if (!nl)
		return -EBADMSG;
	*nl = '\0';
	if (strcmp(buf, "OK") == 0) {
		*ret_code = 0;
		*ret_msg = "";
		*ret_body = nl + 1;
		return 0;
	}
	if (strncmp(buf, "ERR ", 4) != 0)
		return -EBADMSG;
	errno = 0;
	code = strtol(buf + 4, &end, 10);
	if (errno || end == buf + 4 || code <= 0 || code > 125 || (*end != ' ' && *end))
		return -EBADMSG;
	*ret_code = (int)code;
	*ret_msg = *end ? end + 1 : "";
	*ret_body = nl + 1;
	return 0;
}

int ctl_split_line(char *line, char **argv, int max)
{
	char *r = line, *w = line;
	int argc = 0;

	for (;;) {
		char quote = 0;

		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
			r++;
		if (!*r)
			return argc;
		if (argc >= max)
			return -EINVAL;
		argv[argc++] = w;
		while (*r && (quote || (*r != ' ' && *r != '\t' && *r != '\n' && *r != '\r'))) {
			if (quote && *r == quote) {
				quote = 0;
				r++;
			} else if (!quote && (*r == '"' || *r == '\'')) {
				quote = *r++;
			} else if (*r == '\\' && quote != '\'' && r[1]) {
				r++;
				*w++ = *r++;
			} else {
				*w++ = *r++;
			}
		}
		if (quote)
			return -EINVAL;
		if (*r)
			r++;
		*w++ = '\0';
	}
}

bool ctl_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= CTL_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}
