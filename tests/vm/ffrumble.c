// SPDX-License-Identifier: MIT
/*
 * ffrumble DEVICE STRONG WEAK MS: play a rumble through an evdev node's
 * force feedback, as a game does: upload an FF_RUMBLE effect with
 * EVIOCSFF (magnitudes 0..65535), start it with an EV_FF event, keep the
 * node open MS milliseconds, then close it (which stops the effect).
 * Exit 0 when the kernel took the effect and the play event, 1 when it
 * refused (the reason on standard error), 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct ff_effect e;
	struct input_event play;
	struct timespec ts;
	long ms;
	int fd;

	if (argc != 5) {
		fprintf(stderr, "usage: ffrumble DEVICE STRONG WEAK MS\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ffrumble: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memset(&e, 0, sizeof(e));
	e.type = FF_RUMBLE;
	e.id = -1;
	e.u.rumble.strong_magnitude = (unsigned short)atoi(argv[2]);
	e.u.rumble.weak_magnitude = (unsigned short)atoi(argv[3]);
	ms = atol(argv[4]);
	e.replay.length = (unsigned short)(ms > 65535 ? 65535 : ms);
	if (ioctl(fd, EVIOCSFF, &e) < 0) {
		fprintf(stderr, "ffrumble: EVIOCSFF: %s\n", strerror(errno));
		return 1;
	}
	memset(&play, 0, sizeof(play));
	play.type = EV_FF;
	play.code = (unsigned short)e.id;
	play.value = 1;
	if (write(fd, &play, sizeof(play)) != (ssize_t)sizeof(play)) {
		fprintf(stderr, "ffrumble: play: %s\n", strerror(errno));
		return 1;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	close(fd);
	return 0;
}
