// SPDX-License-Identifier: MIT
/*
 * inputlat: how long a vusb mouse move takes to reach evdev. For COUNT
 * rounds it sends "NAME move D 0" (D alternating 1 and -1) over the
 * control socket itself, as vusbctl would but without starting a process,
 * and reads DEVICE until the REL_X event. The latency of a round is the
 * event's timestamp (CLOCK_MONOTONIC, set with EVIOCSCLOCKID) minus the
 * time just before connect(): control socket, device model, the USB/IP
 * stream (socketpair or TCP), vhci, usbhid, evdev.
 *
 * With -s the moves go over one control session (src/ctl/ctl.h: "-session",
 * then length-framed requests and replies), as `vusbctl batch` sends
 * them, and the round is timed from just before the request's write().
 *
 * Usage: inputlat [-n COUNT] [-w WARMUP] [-g GAP_MS] [-s] [-v] NAME DEVICE
 *
 * NAME may also be the path of a configfs HID gadget's /dev/hidgN (a
 * mouse with vusb's 5-byte report, see tests/bench): the report is
 * written there instead (opened once, as a gadget's program would), and
 * the round timed from just before write(). Or the path of vusb's report
 * socket (RUNDIR/dev/NAME.hid, a mouse): the same report, one message,
 * on a connection opened once.
 *
 * Prints "inputlat: N samples, median M us, p10 A us, p90 B us, min C us,
 * max D us, p99 E us" (and each sample with -v). Exit status 0, 1 on a
 * timeout, 2 on an error. Built on its own for the VM (no libvusb): the
 * control protocol is written out here, from src/ctl/ctl.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* "NAME move D 0" to RUNDIR/dev/NAME; 0 once "OK" came back, -1 otherwise. */
static int send_move(const char *name, int d)
{
	const char *rundir = getenv("VUSB_RUNDIR");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[128], rep[256];
	int fd, len, n, got = 0;

	if (!rundir || !*rundir)
		rundir = "/run/vusb";
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dev/%s", rundir, name);
	/* Arguments, each ended by a NUL, then end of the writing side. */
	len = snprintf(req, sizeof(req), "%s%cmove%c%d%c0%c", name, 0, 0, d, 0, 0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || write(fd, req, (size_t)len) != len ||
	    shutdown(fd, SHUT_WR) < 0) {
		fprintf(stderr, "inputlat: %s: %s\n", sa.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	while ((n = (int)read(fd, rep + got, sizeof(rep) - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	rep[got] = '\0';
	if (strncmp(rep, "OK\n", 3) != 0) {
		fprintf(stderr, "inputlat: %s move: %s\n", name, rep);
		return -1;
	}
	return 0;
}

/* Connect to NAME's instance and open a session: the socket, or -1. */
static int session_open(const char *name)
{
	const char *rundir = getenv("VUSB_RUNDIR");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char magic[] = "-session";
	int fd;

	if (!rundir || !*rundir)
		rundir = "/run/vusb";
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dev/%s", rundir, name);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, magic, sizeof(magic)) != (ssize_t)sizeof(magic)) {
		fprintf(stderr, "inputlat: %s: %s\n", sa.sun_path, strerror(errno));
		return -1;
	}
	return fd;
}

static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* "NAME move D 0" as one frame of the session; 0 once "OK" came back. */
static int session_move(int fd, const char *name, int d)
{
	char req[132], rep[256];
	uint32_t n;
	int len;

	len = snprintf(req + 4, sizeof(req) - 4, "%s%cmove%c%d%c0%c", name, 0, 0, d, 0, 0);
	req[0] = (char)len;
	req[1] = req[2] = req[3] = 0;
	if (write(fd, req, (size_t)len + 4) != len + 4)
		return -1;
	if (read_all(fd, rep, 4) < 0)
		return -1;
	n = (uint32_t)(uint8_t)rep[0] | (uint32_t)(uint8_t)rep[1] << 8;
	if (n >= sizeof(rep) || read_all(fd, rep, n) < 0)
		return -1;
	rep[n] = '\0';
	if (strncmp(rep, "OK\n", 3) != 0) {
		fprintf(stderr, "inputlat: %s move: %s\n", name, rep);
		return -1;
	}
	return 0;
}

/*
 * A mouse report (buttons, X, Y, wheel, pan) to a gadget's /dev/hidgN,
 * open already (`fd`) as a gadget's program keeps it.
 */
static int send_report(int fd, const char *path, int d)
{
	uint8_t r[5] = { 0, (uint8_t)(int8_t)d, 0, 0, 0 };
	ssize_t n = write(fd, r, sizeof(r));

	if (n != (ssize_t)sizeof(r)) {
		fprintf(stderr, "inputlat: %s: %s\n", path, n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

/* Does the path name vusb's report socket (RUNDIR/dev/NAME.hid)? */
static int is_report_socket(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && !strcmp(path + n - 4, ".hid");
}

/* Connect to a report socket: write() then sends one report per message. */
static int report_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read until REL_X; its timestamp in us, 0 on timeout, -1 on error. */
static long long wait_rel_x(int fd, int timeout_ms)
{
	struct input_event ev[16];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		ssize_t n;
		int i;

		if (poll(&p, 1, timeout_ms) <= 0)
			return 0;
		n = read(fd, ev, sizeof(ev));
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < (ssize_t)sizeof(ev[0]))
			return -1;
		for (i = 0; i < n / (ssize_t)sizeof(ev[0]); i++)
			if (ev[i].type == EV_REL && ev[i].code == REL_X)
				return (long long)ev[i].input_event_sec * 1000000 +
				       ev[i].input_event_usec;
	}
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int count = 300, warmup = 20, gap_ms = 10, verbose = 0, clk = CLOCK_MONOTONIC, opt, fd, i, r;
	int gadget = -1, session = -1, use_session = 0;
	long long *lat;
	struct input_event drain[64];

	while ((opt = getopt(argc, argv, "n:w:g:sv")) != -1) {
		switch (opt) {
		case 'n':
			count = atoi(optarg);
			break;
		case 'w':
			warmup = atoi(optarg);
			break;
		case 'g':
			gap_ms = atoi(optarg);
			break;
		case 's':
			use_session = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2 || count < 1 || warmup < 0 || gap_ms < 0)
		goto usage;
	if (argv[optind][0] == '/' && is_report_socket(argv[optind])) {
		gadget = report_socket(argv[optind]);
		if (gadget < 0) {
			fprintf(stderr, "inputlat: %s: %s\n", argv[optind], strerror(errno));
			return 2;
		}
	} else if (argv[optind][0] == '/') {
		gadget = open(argv[optind], O_WRONLY | O_CLOEXEC);
		if (gadget < 0) {
			fprintf(stderr, "inputlat: %s: %s\n", argv[optind], strerror(errno));
			return 2;
		}
	}
	if (gadget < 0 && use_session) {
		session = session_open(argv[optind]);
		if (session < 0)
			return 2;
	}
	fd = open(argv[optind + 1], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, EVIOCSCLOCKID, &clk) < 0) {
		fprintf(stderr, "inputlat: %s: %s\n", argv[optind + 1], strerror(errno));
		return 2;
	}
	lat = calloc((size_t)count, sizeof(*lat));
	if (!lat)
		return 2;
	for (i = -warmup; i < count; i++) {
		uint64_t t0;
		long long t;

		while (read(fd, drain, sizeof(drain)) > 0)
			;
		t0 = now_us();
		r = gadget >= 0  ? send_report(gadget, argv[optind], i & 1 ? -1 : 1) :
		    session >= 0 ? session_move(session, argv[optind], i & 1 ? -1 : 1) :
				   send_move(argv[optind], i & 1 ? -1 : 1);
		if (r < 0)
			return 2;
		t = wait_rel_x(fd, 2000);
		if (t <= 0) {
			fprintf(stderr, "inputlat: no REL_X event in round %d\n", i);
			return t == 0 ? 1 : 2;
		}
		if (i >= 0) {
			lat[i] = t - (long long)t0;
			if (verbose)
				printf("%lld\n", lat[i]);
		}
		/* Let usbhid resubmit its URB: each round starts idle. */
		usleep((useconds_t)gap_ms * 1000);
	}
	qsort(lat, (size_t)count, sizeof(*lat), cmp);
	printf("inputlat: %d samples, median %lld us, p10 %lld us, p90 %lld us, min %lld us, max %lld us, p99 %lld us\n",
	       count, lat[count / 2], lat[count / 10], lat[count * 9 / 10], lat[0], lat[count - 1],
	       lat[count * 99 / 100]);
	free(lat);
	return 0;
usage:
	fprintf(stderr, "usage: inputlat [-n COUNT] [-w WARMUP] [-g GAP_MS] [-s] [-v] NAME DEVICE\n");
	return 2;
}
