// SPDX-License-Identifier: MIT
/*
 * sgio: send one SCSI command through SG_IO, for the storage VM tests.
 *
 *   sgio DEVICE [-i LEN | -o LEN] [-t SECONDS] CDB-BYTE...
 *
 * CDB bytes in hex ("12 00 00 00 24 00"). -i LEN reads up to LEN bytes
 * (the host's transfer length, which usb-storage puts in the CBW), -o LEN
 * writes LEN bytes of 0x5a. Prints one line:
 *
 *   status=0x02 host=0x00 driver=0x08 resid=0 sense=70:00:05:...:24:00 data=...
 *
 * and exits 0 when the ioctl itself worked, whatever the command's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <scsi/sg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: sgio DEVICE [-i LEN | -o LEN] [-t SECONDS] CDB-BYTE...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned char cdb[16], sense[32], *buf = NULL;
	struct sg_io_hdr io;
	unsigned long len = 0;
	int dir = SG_DXFER_NONE, timeout = 20, fd, i, n = 0;

	if (argc < 3)
		usage();
	for (i = 2; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "-i") || !strcmp(argv[i], "-o")) {
			len = strtoul(argv[i + 1], NULL, 0);
			dir = argv[i][1] == 'i' ? SG_DXFER_FROM_DEV : SG_DXFER_TO_DEV;
		} else if (!strcmp(argv[i], "-t")) {
			timeout = atoi(argv[i + 1]);
		} else {
			usage();
		}
	}
	for (; i < argc && n < 16; i++)
		cdb[n++] = (unsigned char)strtoul(argv[i], NULL, 16);
	if (!n || len > (1 << 24))
		usage();
	if (len) {
		buf = malloc(len);
		if (!buf)
			return 1;
		memset(buf, dir == SG_DXFER_TO_DEV ? 0x5a : 0, len);
	}
	fd = open(argv[1], O_RDWR | O_NONBLOCK);
	if (fd < 0)
		fd = open(argv[1], O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, "sgio: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memset(&io, 0, sizeof(io));
	memset(sense, 0, sizeof(sense));
	io.interface_id = 'S';
	io.dxfer_direction = dir;
	io.cmd_len = (unsigned char)n;
	io.cmdp = cdb;
	io.dxfer_len = (unsigned int)len;
	io.dxferp = buf;
	io.mx_sb_len = sizeof(sense);
	io.sbp = sense;
	io.timeout = (unsigned int)timeout * 1000;
	if (ioctl(fd, SG_IO, &io) < 0) {
		fprintf(stderr, "sgio: SG_IO: %s\n", strerror(errno));
		return 1;
	}
	printf("status=0x%02x host=0x%02x driver=0x%02x resid=%d sense=", io.status,
	       io.host_status, io.driver_status, io.resid);
	for (i = 0; i < io.sb_len_wr; i++)
		printf("%s%02x", i ? ":" : "", sense[i]);
	printf(" data=");
	for (i = 0; dir == SG_DXFER_FROM_DEV && i < (int)len - io.resid && i < 64; i++)
		printf("%02x", buf[i]);
	printf("\n");
	free(buf);
	close(fd);
	return 0;
}
