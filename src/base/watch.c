// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "src/base/watch.h"
#include "src/base/strbuf.h"

void watchers_init(struct watchers *w)
{
	unsigned int i;

	for (i = 0; i < WATCHERS_MAX; i++)
		w->fd[i] = -1;
}

int watchers_add(struct watchers *w, int fd, bool json)
{
	unsigned int i;

	if (fd < 0)
		return -EBADF;
	for (i = 0; i < WATCHERS_MAX && w->fd[i] >= 0; i++)
		;
	if (i == WATCHERS_MAX) {
		close(fd);
		return -ENOSPC;
	}
	w->fd[i] = fd;
	w->json[i] = json;
	return 0;
}

static bool send_line(int fd, const char *line)
{
	size_t len = strlen(line);
	char buf[1024];
	ssize_t n;

	if (len + 1 > sizeof(buf))
		return false;
	memcpy(buf, line, len);
	buf[len++] = '\n';
	/* Never block the loop, never die of SIGPIPE: a client that does
	 * not keep up or has gone is let go, and sees the stream end. */
	do
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len;
}

void watchers_emit(struct watchers *w, const char *text, const char *json)
{
	unsigned int i;

	for (i = 0; i < WATCHERS_MAX; i++) {
		if (w->fd[i] < 0)
			continue;
		if (!send_line(w->fd[i], w->json[i] ? json : text)) {
			close(w->fd[i]);
			w->fd[i] = -1;
		}
	}
}

void watchers_free(struct watchers *w)
{
	unsigned int i;

	for (i = 0; i < WATCHERS_MAX; i++) {
		if (w->fd[i] >= 0)
			close(w->fd[i]);
		w->fd[i] = -1;
	}
}

int watch_command(struct watchers *w, const char *model, int argc, char **argv, int fd,
		      struct strbuf *out)
{
	bool json = argc > 1;
	int r;

	if (argc > 1 && strcmp(argv[1], "--json") != 0) {
		if (fd >= 0)
			close(fd);
		strbuf_printf(out, "watch: '%s': the only option is --json", argv[1]);
		return -EINVAL;
	}
	r = watchers_add(w, fd, json);
	if (r == -EBADF) {
		strbuf_printf(out,
			      "watch: only through vusbctl (vusbctl NAME watch), which prints "
			      "what the host sends the %s",
			      model);
		return -EINVAL;
	}
	if (r == -ENOSPC) {
		strbuf_printf(out, "watch: %d clients watch this device already", WATCHERS_MAX);
		return -EINVAL;
	}
	return r;
}
