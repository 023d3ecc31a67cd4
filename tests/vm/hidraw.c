// SPDX-License-Identifier: MIT
/*
 * hidraw: talk to a HID device through the kernel's hidraw node, as a
 * program that drives a HID device directly does (the VM tests' host
 * side of vusb's "hid" device). Reports are hex bytes, the report ID first
 * (0 for a device without IDs, as hidraw wants).
 *
 * Usage: hidraw DEVICE get-feature ID LEN   HIDIOCGFEATURE, print the report
 *        hidraw DEVICE set-feature HEX      HIDIOCSFEATURE
 *        hidraw DEVICE write HEX            write(): an output report
 *        hidraw DEVICE read [SECONDS]       read one input report, print it
 *
 * Printed reports are "01 ff 00". Exit status: 0 done, 1 the kernel
 * refused (the reason on standard error) or read timed out, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/hidraw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX 4096

static int usage(void)
{
	fprintf(stderr, "usage: hidraw DEVICE get-feature ID LEN | set-feature HEX | write HEX | "
			"read [SECONDS]\n");
	return 2;
}

static int parse_hex(const char *s, unsigned char *out)
{
	int n = 0;
	unsigned int b;

	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (n == MAX || sscanf(s, "%2x", &b) != 1 || !s[1])
			return -1;
		out[n++] = (unsigned char)b;
		s += 2;
	}
	return n;
}

static void print_hex(const unsigned char *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		printf(i ? " %02x" : "%02x", p[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	static unsigned char buf[MAX];
	int fd, n;

	if (argc < 3)
		return usage();
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "hidraw: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (!strcmp(argv[2], "get-feature") && argc == 5) {
		int len = atoi(argv[4]);

		if (len < 1 || len > MAX)
			return usage();
		buf[0] = (unsigned char)atoi(argv[3]);
		n = ioctl(fd, HIDIOCGFEATURE(len), buf);
		if (n < 0) {
			fprintf(stderr, "hidraw: HIDIOCGFEATURE: %s\n", strerror(errno));
			return 1;
		}
		print_hex(buf, n);
		return 0;
	}
	if ((!strcmp(argv[2], "set-feature") || !strcmp(argv[2], "write")) && argc == 4) {
		n = parse_hex(argv[3], buf);
		if (n < 1)
			return usage();
		if (argv[2][0] == 's')
			n = ioctl(fd, HIDIOCSFEATURE(n), buf);
		else
			n = (int)write(fd, buf, (size_t)n);
		if (n < 0) {
			fprintf(stderr, "hidraw: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		return 0;
	}
	if (!strcmp(argv[2], "read") && argc <= 4) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int ms = argc == 4 ? (int)(atof(argv[3]) * 1000) : -1;

		n = poll(&pfd, 1, ms);
		if (n <= 0) {
			fprintf(stderr, "hidraw: read: %s\n", n ? strerror(errno) : "timed out");
			return 1;
		}
		n = (int)read(fd, buf, sizeof(buf));
		if (n < 0) {
			fprintf(stderr, "hidraw: read: %s\n", strerror(errno));
			return 1;
		}
		print_hex(buf, n);
		return 0;
	}
	return usage();
}
