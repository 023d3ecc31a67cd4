// SPDX-License-Identifier: MIT
/*
 * ctlraw: a control-socket client that does what vusbctl never does, for
 * the security tests (tests/host/security.sh): a request with no
 * descriptor for a command that takes a file, or bytes that are no
 * request at all.
 *
 *   ctlraw SOCKET ARG...        one request, ARGs NUL-separated, no fd
 *   ctlraw SOCKET --hex HEX     these bytes as they are
 *
 * Prints the server's reply and exits 0 once the server closed the
 * connection; 1 when it could not connect or send (errno's text on
 * stderr, "connect: Permission denied").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static size_t unhex(const char *s, char *out, size_t max)
{
	size_t n = 0;
	unsigned int b;

	while (s[0] && s[1] && n < max && sscanf(s, "%2x", &b) == 1) {
		out[n++] = (char)b;
		s += 2;
	}
	return n;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char req[16384], buf[4096];
	size_t len = 0;
	ssize_t n;
	int fd, i;

	if (argc < 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: ctlraw SOCKET ARG... | ctlraw SOCKET --hex HEX\n");
		return 2;
	}
	if (strcmp(argv[2], "--hex") == 0 && argc == 4) {
		len = unhex(argv[3], req, sizeof(req));
	} else {
		for (i = 2; i < argc; i++) {
			size_t k = strlen(argv[i]) + 1;

			if (len + k > sizeof(req))
				return 2;
			memcpy(req + len, argv[i], k);
			len += k;
		}
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "connect: %s\n", strerror(errno));
		return 1;
	}
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "send: %s\n", strerror(errno));
		return 1;
	}
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return 0;
}
