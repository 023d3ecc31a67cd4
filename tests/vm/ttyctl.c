// SPDX-License-Identifier: MIT
/*
 * ttyctl DEV STEP...: what a terminal program does to a serial port's
 * modem lines, one step after another on one open descriptor (opened
 * with O_NONBLOCK, so that no carrier is waited for):
 *
 *	dtr on|off, rts on|off   TIOCMBIS / TIOCMBIC
 *	break                    tcsendbreak(fd, 0)
 *	lines                    TIOCMGET: "dtr 1 rts 1 dcd 0 dsr 0 ri 0"
 *	wait dcd|dsr|ri 0|1 S    until that input line is so (TIOCMGET,
 *	                         every 10 ms), at most S seconds
 *
 * Exit 0 when every step worked, 1 when one failed (the reason on
 * standard error), 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int line_bit(const char *name)
{
	if (!strcmp(name, "dtr"))
		return TIOCM_DTR;
	if (!strcmp(name, "rts"))
		return TIOCM_RTS;
	if (!strcmp(name, "dcd"))
		return TIOCM_CAR;
	if (!strcmp(name, "dsr"))
		return TIOCM_DSR;
	if (!strcmp(name, "ri"))
		return TIOCM_RNG;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: ttyctl DEV [dtr|rts on|off] [break] [lines] "
			"[wait dcd|dsr|ri 0|1 SECONDS]...\n");
	return 2;
}

int main(int argc, char **argv)
{
	int fd, i, bits;

	if (argc < 3)
		return usage();
	fd = open(argv[1], O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, "ttyctl: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 2; i < argc; i++) {
		const char *step = argv[i];

		if ((!strcmp(step, "dtr") || !strcmp(step, "rts")) && i + 1 < argc) {
			bits = line_bit(step);
			if (ioctl(fd, strcmp(argv[++i], "on") ? TIOCMBIC : TIOCMBIS, &bits) < 0) {
				fprintf(stderr, "ttyctl: %s %s: %s\n", step, argv[i],
					strerror(errno));
				return 1;
			}
		} else if (!strcmp(step, "break")) {
			if (tcsendbreak(fd, 0) < 0) {
				fprintf(stderr, "ttyctl: break: %s\n", strerror(errno));
				return 1;
			}
		} else if (!strcmp(step, "lines")) {
			if (ioctl(fd, TIOCMGET, &bits) < 0) {
				fprintf(stderr, "ttyctl: TIOCMGET: %s\n", strerror(errno));
				return 1;
			}
			printf("dtr %d rts %d dcd %d dsr %d ri %d\n", !!(bits & TIOCM_DTR),
			       !!(bits & TIOCM_RTS), !!(bits & TIOCM_CAR), !!(bits & TIOCM_DSR),
			       !!(bits & TIOCM_RNG));
		} else if (!strcmp(step, "wait") && i + 3 < argc && line_bit(argv[i + 1])) {
			int bit = line_bit(argv[i + 1]), want = atoi(argv[i + 2]);
			long ticks = atol(argv[i + 3]) * 100;

			for (;;) {
				if (ioctl(fd, TIOCMGET, &bits) < 0) {
					fprintf(stderr, "ttyctl: TIOCMGET: %s\n", strerror(errno));
					return 1;
				}
				if (!!(bits & bit) == !!want)
					break;
				if (ticks-- <= 0) {
					fprintf(stderr, "ttyctl: %s is not %d\n", argv[i + 1],
						want);
					return 1;
				}
				nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
			}
			i += 3;
		} else {
			return usage();
		}
	}
	close(fd);
	return 0;
}
