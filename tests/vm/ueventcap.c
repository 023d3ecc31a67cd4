/*
 * ueventcap: print the kernel's uevents (NETLINK_KOBJECT_UEVENT, group 1)
 * exactly as they arrive, one message per line, as a C string literal
 * with its length: the raw material of tests/unit/test_uevent.c, and a
 * way to see what the kernel says while a VM test runs. Needs no udevd.
 *
 * Usage: ueventcap [-n COUNT] [-t SECONDS] [-m SUBSTRING] [--ready-file FILE]
 *
 *   -n COUNT            exit after COUNT printed messages
 *   -t SECONDS          give up after SECONDS (exit 1)
 *   -m SUBSTRING        print only messages whose header (ACTION@DEVPATH)
 *                       contains SUBSTRING
 *   --ready-file FILE   create FILE once the socket listens
 *
 * Output: 'LEN "add@/devices/...\0ACTION=add\0..."' (NUL as \0, other
 * bytes outside printable ASCII as \xHH, split so that no hex escape runs
 * into a following hex digit).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_msg(const unsigned char *buf, size_t len)
{
	size_t i;
	int hex = 0;

	printf("%zu \"", len);
	for (i = 0; i < len; i++) {
		unsigned char c = buf[i];

		if (hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			    (c >= 'A' && c <= 'F')))
			printf("\" \"");
		hex = 0;
		if (c == 0) {
			printf("\\0");
			/* "\0" followed by a digit would be an octal escape. */
			if (i + 1 < len && buf[i + 1] >= '0' && buf[i + 1] <= '7')
				printf("\" \"");
		} else if (c == '"' || c == '\\') {
			printf("\\%c", c);
		} else if (c >= 0x20 && c < 0x7f) {
			putchar(c);
		} else {
			printf("\\x%02x", c);
			hex = 1;
		}
	}
	printf("\"\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	const char *match = NULL, *ready = NULL;
	static unsigned char buf[65536];
	double deadline = 0;
	long count = -1;
	int fd, i, rcvbuf = 4 << 20;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			count = atol(argv[++i]);
		else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			deadline = now() + atof(argv[++i]);
		else if (strcmp(argv[i], "-m") == 0 && i + 1 < argc)
			match = argv[++i];
		else if (strcmp(argv[i], "--ready-file") == 0 && i + 1 < argc)
			ready = argv[++i];
		else {
			fprintf(stderr, "usage: ueventcap [-n COUNT] [-t SECONDS] [-m SUBSTRING] [--ready-file FILE]\n");
			return 2;
		}
	}
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("ueventcap: netlink");
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (ready) {
		int rf = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (rf < 0) {
			perror(ready);
			return 2;
		}
		close(rf);
	}
	while (count != 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ms = -1;
		ssize_t n;

		if (deadline > 0) {
			double left = deadline - now();

			if (left <= 0)
				return 1;
			ms = (int)(left * 1000) + 1;
		}
		if (poll(&p, 1, ms) == 0)
			return 1;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				fprintf(stderr, "ueventcap: messages lost (ENOBUFS)\n");
				continue;
			}
			perror("ueventcap: recv");
			return 2;
		}
		buf[n] = '\0';
		if (match && !strstr((const char *)buf, match))
			continue;
		print_msg(buf, (size_t)n);
		if (count > 0)
			count--;
	}
	return 0;
}
