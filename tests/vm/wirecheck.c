// SPDX-License-Identifier: MIT
/*
 * wirecheck [-v] FILE|DIR...: the USB/IP protocol checker
 * (tests/lib/usbip-check.c) over the files vusb's wire tap writes when
 * VUSB_WIRE_DIR is set (src/usbip/conn.c): each holds both directions of one
 * connection, in the order vusb read and wrote them, as records of a
 * direction byte ('H' host, 'D' device, 'E' connection freed: its byte is
 * 1 when that cut a reply short), a 32-bit little-endian length and the
 * bytes. A directory stands for its *.wire files.
 *
 * A file without its 'E' record belongs to a process that was killed (or
 * is still running): its last record may be cut, and the device's stream
 * is not required to end between replies. Prints one line per file; exit
 * status 0 when no file shows a violation, 1 otherwise, 2 on bad usage or
 * unreadable files.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/lib/usbip-check.c"

static int verbose;

/* 0 clean, 1 violation, 2 unreadable. */
static int check_file(const char *path)
{
	static uint8_t buf[65536];
	struct usbip_check *chk;
	unsigned long records = 0;
	uint64_t host = 0, device = 0;
	bool ended = false, cut = false, midreply = false;
	int r = 0, ret;
	FILE *f;

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "wirecheck: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (usbip_check_new(NULL, NULL, &chk) < 0) {
		fclose(f);
		return 2;
	}
	while (r == 0 && !ended) {
		uint8_t h[5];
		size_t got = fread(h, 1, sizeof(h), f), len;

		if (got == 0)
			break;
		if (got < sizeof(h)) {
			cut = true;
			break;
		}
		len = (size_t)h[1] | (size_t)h[2] << 8 | (size_t)h[3] << 16 | (size_t)h[4] << 24;
		if (h[0] != 'H' && h[0] != 'D' && h[0] != 'E') {
			fprintf(stderr, "wirecheck: %s: record %lu: unknown direction %#x\n", path,
				records, h[0]);
			r = -EINVAL;
			break;
		}
		records++;
		if (h[0] == 'E') {
			/* Closed while writing a reply: its end on the wire is
			 * not a malformed one. */
			if (len == 1 && fread(buf, 1, 1, f) == 1 && buf[0])
				midreply = true;
			ended = true;
			break;
		}
		while (len && r == 0) {
			size_t n = len < sizeof(buf) ? len : sizeof(buf);

			got = fread(buf, 1, n, f);
			if (got == 0) {
				cut = true;
				break;
			}
			if (h[0] == 'H') {
				r = usbip_check_host(chk, buf, got);
				host += got;
			} else {
				r = usbip_check_device(chk, buf, got);
				device += got;
			}
			len -= got;
		}
		if (cut)
			break;
	}
	fclose(f);
	if (r == 0 && ended && !midreply)
		r = usbip_check_end(chk);
	if (usbip_check_error(chk)) {
		printf("wirecheck: %s: VIOLATION after %llu bytes from the host, %llu from the device: %s\n",
		       path, (unsigned long long)host, (unsigned long long)device,
		       usbip_check_error(chk));
		ret = 1;
	} else if (r < 0) {
		ret = 2;
	} else {
		if (verbose || !ended || midreply)
			printf("wirecheck: %s: %lu replies, %u URBs and %u unlinks unanswered%s: ok\n",
			       path, usbip_check_replies(chk), usbip_check_pending_urbs(chk),
			       usbip_check_pending_unlinks(chk),
			       !ended ? (cut ? ", cut short (killed?)" : ", not closed (killed?)") :
			       midreply ? ", closed in the middle of a reply" : "");
		ret = 0;
	}
	usbip_check_free(chk);
	return ret;
}

static int check_dir(const char *dir, unsigned int *nfiles)
{
	char path[4096];
	struct dirent *de;
	int worst = 0, r;
	DIR *d = opendir(dir);

	if (!d) {
		fprintf(stderr, "wirecheck: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n < 6 || strcmp(de->d_name + n - 5, ".wire") != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		r = check_file(path);
		(*nfiles)++;
		if (r > worst)
			worst = r;
	}
	closedir(d);
	return worst;
}

int main(int argc, char **argv)
{
	unsigned int nfiles = 0;
	bool violation = false;
	int i, worst = 0, r;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
		argc--;
		argv++;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: wirecheck [-v] FILE|DIR...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);

		if (d) {
			closedir(d);
			r = check_dir(argv[i], &nfiles);
		} else {
			r = check_file(argv[i]);
			nfiles++;
		}
		if (r == 1)
			violation = true;
		if (r > worst)
			worst = r;
	}
	if (verbose)
		printf("wirecheck: %u connections checked\n", nfiles);
	/* A violation matters more than an unreadable file. */
	return violation ? 1 : worst;
}
