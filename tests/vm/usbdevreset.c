// SPDX-License-Identifier: MIT
/*
 * usbdevreset BUSID: reset a USB device the way a host driver or a user's
 * `usbreset` does, with the USBDEVFS_RESET ioctl on its usbfs node
 * (/dev/bus/usb/BBB/DDD, found from /sys/bus/usb/devices/BUSID). The
 * kernel resets the port and enumerates the device again; drivers that
 * can (usbhid, usb-storage) stay bound. Exit 0 when the ioctl succeeded,
 * 1 when it failed (the reason on standard error), 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int read_number(const char *busid, const char *attr, unsigned int *ret)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/%s", busid, attr);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "usbdevreset: %s: %s\n", path, strerror(errno));
		return -1;
	}
	ok = fscanf(f, "%u", ret) == 1;
	fclose(f);
	if (!ok)
		fprintf(stderr, "usbdevreset: %s: not a number\n", path);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned int bus, dev;
	char node[64];
	int fd;

	if (argc != 2 || strchr(argv[1], '/')) {
		fprintf(stderr, "usage: usbdevreset BUSID (e.g. 1-1)\n");
		return 2;
	}
	if (read_number(argv[1], "busnum", &bus) < 0 || read_number(argv[1], "devnum", &dev) < 0)
		return 1;
	snprintf(node, sizeof(node), "/dev/bus/usb/%03u/%03u", bus, dev);
	fd = open(node, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "usbdevreset: %s: %s\n", node, strerror(errno));
		return 1;
	}
	if (ioctl(fd, USBDEVFS_RESET, 0) < 0) {
		fprintf(stderr, "usbdevreset: USBDEVFS_RESET on %s: %s\n", node, strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}
