// SPDX-License-Identifier: MIT
/*
 * ctlreq: one control transfer to a USB device through usbfs, for the VM
 * tests (no libusb in the VM).
 *
 *   ctlreq VID:PID TYPE REQUEST VALUE INDEX LENGTH      IN: prints the data
 *   ctlreq VID:PID TYPE REQUEST VALUE INDEX -d HEX      OUT: sends HEX
 *
 * Numbers are hexadecimal. The device is found in /sys/bus/usb/devices
 * and opened as /dev/bus/usb/BBB/DDD. Exit 0 with the IN data as hex
 * bytes on one line; 2 when the device stalled ("stall" on stderr); 1
 * on any other error (its errno's name). Timeout 5 s, as dfu-util's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static unsigned long hex(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 16);
	if (errno || end == s || *end) {
		fprintf(stderr, "ctlreq: bad %s '%s'\n", what, s);
		exit(1);
	}
	return v;
}

/* A number from a USB device's sysfs attribute, ~0 when it has none. */
static unsigned long sysfs_num(const char *dir, const char *name, int base)
{
	char path[512], buf[32];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return ~0ul;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strtoul(buf, NULL, base);
}

/* /dev/bus/usb/BBB/DDD of the first device with vid:pid. */
static int find(unsigned long vid, unsigned long pid, char *node, size_t len)
{
	DIR *d = opendir("/sys/bus/usb/devices");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strchr(e->d_name, ':'))
			continue;
		if (sysfs_num(e->d_name, "idVendor", 16) != vid ||
		    sysfs_num(e->d_name, "idProduct", 16) != pid)
			continue;
		snprintf(node, len, "/dev/bus/usb/%03lu/%03lu", sysfs_num(e->d_name, "busnum", 10),
			 sysfs_num(e->d_name, "devnum", 10));
		found = 1;
	}
	closedir(d);
	return found;
}

int main(int argc, char **argv)
{
	struct usbdevfs_ctrltransfer c = { 0 };
	unsigned char data[4096];
	unsigned long vid, pid;
	char node[64], *colon;
	int fd, n, i;

	if (argc != 7 && !(argc == 8 && strcmp(argv[6], "-d") == 0)) {
		fprintf(stderr, "usage: ctlreq VID:PID TYPE REQUEST VALUE INDEX LENGTH|-d HEX\n");
		return 1;
	}
	colon = strchr(argv[1], ':');
	if (!colon) {
		fprintf(stderr, "ctlreq: VID:PID, not '%s'\n", argv[1]);
		return 1;
	}
	*colon = '\0';
	vid = hex(argv[1], "vendor");
	pid = hex(colon + 1, "product");
	c.bRequestType = (unsigned char)hex(argv[2], "type");
	c.bRequest = (unsigned char)hex(argv[3], "request");
	c.wValue = (unsigned short)hex(argv[4], "value");
	c.wIndex = (unsigned short)hex(argv[5], "index");
	if (argc == 8) {
		const char *h = argv[7];
		size_t l = strlen(h);

		if (l % 2 || l / 2 > sizeof(data)) {
			fprintf(stderr, "ctlreq: bad data\n");
			return 1;
		}
		for (i = 0; i < (int)(l / 2); i++) {
			char b[3] = { h[2 * i], h[2 * i + 1], 0 };

			data[i] = (unsigned char)hex(b, "data");
		}
		c.wLength = (unsigned short)(l / 2);
	} else {
		c.wLength = (unsigned short)hex(argv[6], "length");
		if (c.wLength > sizeof(data)) {
			fprintf(stderr, "ctlreq: at most %zu bytes\n", sizeof(data));
			return 1;
		}
	}
	c.timeout = 5000;
	c.data = data;
	if (!find(vid, pid, node, sizeof(node))) {
		fprintf(stderr, "ctlreq: no %04lx:%04lx in /sys/bus/usb/devices\n", vid, pid);
		return 1;
	}
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ctlreq: %s: %s\n", node, strerror(errno));
		return 1;
	}
	n = ioctl(fd, USBDEVFS_CONTROL, &c);
	if (n < 0) {
		int e = errno;

		close(fd);
		if (e == EPIPE) {
			fprintf(stderr, "stall\n");
			return 2;
		}
		fprintf(stderr, "ctlreq: %s\n", strerror(e));
		return 1;
	}
	close(fd);
	if (c.bRequestType & 0x80) {
		for (i = 0; i < n; i++)
			printf("%s%02x", i ? " " : "", data[i]);
		printf("\n");
	}
	return 0;
}
