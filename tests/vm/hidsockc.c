// SPDX-License-Identifier: MIT
/*
 * hidsockc: a client of vusb's report socket (RUNDIR/dev/NAME.hid), as a
 * program driving a device through it would be. Reports are hex bytes.
 *
 * Usage: hidsockc PATH send HEX...       one input report; a refusal (a
 *                                        message of type 0) is printed as
 *                                        "error: REASON", exit 1
 *        hidsockc PATH seq OFF N HEX...  N input reports: HEX with a 16-bit
 *                                        little-endian 1, 2, ... N at byte
 *                                        OFF; prints the rate of the writes.
 *                                        HIDSOCKC_PACE=COUNT:MS pauses MS
 *                                        after every COUNT reports (a reader
 *                                        of evdev's small buffer keeps up)
 *        hidsockc PATH expect SECONDS HEX...
 *                                        print each message the host sends
 *                                        ("output 02", "feature 03 01"),
 *                                        exit 0 at the one whose bytes are
 *                                        HEX (type first), 1 on timeout
 *
 * Exit status: 0 done, 1 refused or timed out, 2 usage or error.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX 4097

static int usage(void)
{
	fprintf(stderr, "usage: hidsockc PATH send HEX... | seq OFF N HEX... | "
			"expect SECONDS HEX...\n");
	return 2;
}

static int parse_hex(int argc, char **argv, unsigned char *out, size_t max)
{
	size_t n = 0;
	int i;

	for (i = 0; i < argc; i++) {
		const char *p = argv[i];

		while (*p) {
			unsigned int v;

			if (*p == ' ' || *p == ':') {
				p++;
				continue;
			}
			if (n == max || sscanf(p, "%2x", &v) != 1 || !p[1])
				return -1;
			out[n++] = (unsigned char)v;
			p += 2;
		}
	}
	return (int)n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_msg(const unsigned char *m, ssize_t n)
{
	static const char *const types[] = { "error", "?", "output", "feature" };
	ssize_t i;

	if (m[0] == 0) {
		printf("error: %.*s\n", (int)(n - 1), (const char *)m + 1);
		fflush(stdout);
		return;
	}
	printf("%s", m[0] < 4 ? types[m[0]] : "?");
	for (i = 1; i < n; i++)
		printf(" %02x", m[i]);
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned char buf[MAX], want[MAX];
	int fd, n;

	if (argc < 4 || strlen(argv[1]) >= sizeof(sa.sun_path))
		return usage();
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "hidsockc: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (!strcmp(argv[2], "send")) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		n = parse_hex(argc - 3, argv + 3, buf, sizeof(buf));
		if (n <= 0)
			return usage();
		if (send(fd, buf, (size_t)n, 0) != n) {
			fprintf(stderr, "hidsockc: send: %s\n", strerror(errno));
			return 2;
		}
		/* A refusal comes at once; a report taken gets no answer. */
		if (poll(&p, 1, 1000) == 1) {
			r = recv(fd, buf, sizeof(buf), 0);
			if (r > 0 && buf[0] == 0) {
				print_msg(buf, r);
				return 1;
			}
		}
		return 0;
	}
	if (!strcmp(argv[2], "seq") && argc >= 6) {
		long off = strtol(argv[3], NULL, 10), count = strtol(argv[4], NULL, 10), i;
		long every = 0, pause_ms = 0;
		double t0, t;

		n = parse_hex(argc - 5, argv + 5, buf, sizeof(buf));
		if (n <= 0 || off < 0 || off + 2 > n || count < 1 || count > 65535)
			return usage();
		if (getenv("HIDSOCKC_PACE") &&
		    sscanf(getenv("HIDSOCKC_PACE"), "%ld:%ld", &every, &pause_ms) != 2)
			return usage();
		t0 = now_s();
		for (i = 1; i <= count; i++) {
			if (every > 0 && i > 1 && (i - 1) % every == 0) {
				struct timespec ts = { pause_ms / 1000, pause_ms % 1000 * 1000000 };

				nanosleep(&ts, NULL);
			}
			buf[off] = (unsigned char)i;
			buf[off + 1] = (unsigned char)(i >> 8);
			if (send(fd, buf, (size_t)n, 0) != n) {
				fprintf(stderr, "hidsockc: report %ld: %s\n", i, strerror(errno));
				return 2;
			}
		}
		t = now_s() - t0;
		printf("wrote %ld reports in %.0f ms: %.0f reports/s\n", count, t * 1000,
		       count / (t > 0 ? t : 1e-9));
		return 0;
	}
	if (!strcmp(argv[2], "expect") && argc >= 5) {
		double end = now_s() + strtod(argv[3], NULL);
		int wn = parse_hex(argc - 4, argv + 4, want, sizeof(want));

		if (wn <= 0)
			return usage();
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			double left = end - now_s();
			ssize_t r;

			if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
				return 1;
			r = recv(fd, buf, sizeof(buf), 0);
			if (r <= 0)
				return 2;
			print_msg(buf, r);
			if (r == wn && !memcmp(buf, want, (size_t)wn))
				return 0;
		}
	}
	return usage();
}
