/*
 * vhci-smoke: the smallest proof that a kernel's vhci_hcd takes a USB
 * device from a local process, which is all vusb builds on.
 *
 * It hands one end of an AF_UNIX socketpair to vhci_hcd through the attach
 * file, as "PORT FD DEVID SPEED", checks that the status file shows the
 * port in use, reads the first USB/IP CMD_SUBMIT the kernel sends (the hub
 * driver's GET_DESCRIPTOR for the device descriptor), answers it and the
 * immediate retries with a STALL, then closes the socket, detaches and
 * waits for the port to be free again. The kernel can only retry once the
 * first request has completed, and within its 5 s timeout only our reply
 * completes it: a retry shows that it read our RET_SUBMIT.
 *
 * Why answer at all: a control transfer still unanswered when the device
 * goes away during enumeration is not given back on disconnect, and the
 * hub thread waits out its 5 s timeout before it serves any other port.
 * The hub retries a failed GET_DESCRIPTOR at once, and sleeps 100 ms
 * between rounds: the socket is closed once the kernel has been quiet for
 * QUIET_MS, when nothing is in flight.
 *
 * Usage: vhci-smoke [-a ATTACH_FILE] [-p PORT] [-t SECONDS]
 * Exit status: 0 if all of that worked, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define USBIP_HDR_LEN 48
#define USBIP_CMD_SUBMIT 1
#define USBIP_RET_SUBMIT 3
#define USBIP_DIR_IN 1
#define SMOKE_DEVID 0x10002	/* busnum 1, devnum 2 */
#define SMOKE_SPEED 2		/* USB_SPEED_FULL: goes to the hs hub */
#define QUIET_MS 200
#define FIRST_RETRY_MS 5000
#define MAX_STALLS 64

/*
 * enum usbip_device_status, as the status file prints it: attach leaves a
 * port NOTASSIGNED until the hub driver's SET_ADDRESS, which vhci answers
 * itself, makes it USED.
 */
#define VDEV_ST_NULL 4
#define VDEV_ST_NOTASSIGNED 5
#define VDEV_ST_USED 6

struct cmd_submit {
	uint32_t command;
	uint32_t seqnum;
	uint32_t devid;
	uint32_t direction;
	uint32_t ep;
	uint32_t transfer_flags;
	int32_t length;
	int32_t start_frame;
	int32_t number_of_packets;
	int32_t interval;
	uint8_t setup[8];
};

static const char *prog = "vhci-smoke";

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void parse_cmd_submit(const uint8_t *buf, struct cmd_submit *ret_cmd)
{
	ret_cmd->command = get_be32(buf);
	ret_cmd->seqnum = get_be32(buf + 4);
	ret_cmd->devid = get_be32(buf + 8);
	ret_cmd->direction = get_be32(buf + 12);
	ret_cmd->ep = get_be32(buf + 16);
	ret_cmd->transfer_flags = get_be32(buf + 20);
	ret_cmd->length = (int32_t)get_be32(buf + 24);
	ret_cmd->start_frame = (int32_t)get_be32(buf + 28);
	ret_cmd->number_of_packets = (int32_t)get_be32(buf + 32);
	ret_cmd->interval = (int32_t)get_be32(buf + 36);
	/* The SETUP packet is copied raw, USB (little-endian) order. */
	memcpy(ret_cmd->setup, buf + 40, sizeof(ret_cmd->setup));
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Controller 0 carries the control files. It is a platform device today
 * and a faux device in newer kernels, so search instead of hard-coding.
 */
static int find_vhci_dir(char *buf, size_t len)
{
	static const char *const patterns[] = {
		"/sys/devices/*/vhci_hcd.0/attach",
		"/sys/devices/*/*/vhci_hcd.0/attach",
	};
	size_t i;

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		glob_t g;
		int n;

		if (glob(patterns[i], 0, NULL, &g) != 0)
			continue;
		n = snprintf(buf, len, "%s", g.gl_pathv[0]);
		globfree(&g);
		if (n < 0 || (size_t)n >= len)
			return -ENAMETOOLONG;
		*strrchr(buf, '/') = '\0';
		return 0;
	}
	return -ENOENT;
}

static int write_sysfs(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(text))
		err = -EIO;
	close(fd);
	return err;
}

/*
 * State of a port from the status file of controller 0, whose rows read
 * "hs  0000 006 002 00010002 000003 1-1": hub, port, state, speed, devid.
 * Ports not in USED state show zeros for speed and devid.
 */
static int port_state(const char *dir, unsigned int port,
		      unsigned int *ret_devid)
{
	char path[PATH_MAX], line[256];
	int state = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/status", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned int p, st, speed, devid;
		char hub[4];

		if (sscanf(line, "%3s %u %u %u %x", hub, &p, &st, &speed,
			   &devid) != 5)
			continue;
		if (p != port)
			continue;
		state = (int)st;
		if (ret_devid)
			*ret_devid = devid;
		break;
	}
	fclose(f);
	return state;
}

static int write_full(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * RET_SUBMIT with status -EPIPE, the USB/IP form of a STALL. The kernel
 * reads only command and seqnum of the basic header; no payload.
 */
static int send_stall(int fd, uint32_t seqnum)
{
	uint8_t ret[USBIP_HDR_LEN] = { 0 };

	put_be32(ret, USBIP_RET_SUBMIT);
	put_be32(ret + 4, seqnum);
	put_be32(ret + 20, (uint32_t)-EPIPE);
	return write_full(fd, ret, sizeof(ret));
}

/* 0 once LEN bytes are in, -ETIMEDOUT, -EPIPE on EOF, or -errno. */
static int read_full(int fd, uint8_t *buf, size_t len, long deadline)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ETIMEDOUT;
		n = read(fd, buf + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

static int fail(const char *what, int err)
{
	if (err)
		fprintf(stderr, "%s: FAIL: %s: %s\n", prog, what, strerror(-err));
	else
		fprintf(stderr, "%s: FAIL: %s\n", prog, what);
	return 1;
}

static int parse_uint(const char *s, unsigned int max, unsigned int *ret)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max)
		return -EINVAL;
	*ret = (unsigned int)v;
	return 0;
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX], text[64];
	unsigned int port = 0, timeout = 20, devid = 0;
	uint8_t hdr[USBIP_HDR_LEN];
	struct cmd_submit cmd;
	const char *attach = NULL;
	long t0, deadline;
	int sv[2], opt, err, state, stalls;

	while ((opt = getopt(argc, argv, "a:p:t:")) != -1) {
		switch (opt) {
		case 'a':
			attach = optarg;
			break;
		case 'p':
			if (parse_uint(optarg, 65535, &port) < 0)
				return fail("bad -p PORT", 0);
			break;
		case 't':
			if (parse_uint(optarg, 3600, &timeout) < 0 || !timeout)
				return fail("bad -t SECONDS", 0);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-a ATTACH_FILE] [-p PORT] [-t SECONDS]\n",
				prog);
			return 1;
		}
	}
	if (optind != argc)
		return fail("unexpected arguments", 0);

	if (attach) {
		char *slash;

		if (snprintf(dir, sizeof(dir), "%s", attach) >= (int)sizeof(dir))
			return fail("attach path too long", 0);
		slash = strrchr(dir, '/');
		if (!slash || strcmp(slash, "/attach"))
			return fail("-a wants a path ending in /attach", 0);
		*slash = '\0';
	} else {
		err = find_vhci_dir(dir, sizeof(dir));
		if (err < 0)
			return fail("no /sys/devices/.../vhci_hcd.0/attach (modprobe vhci-hcd?)",
				    err);
	}
	printf("%s: controller %s\n", prog, dir);

	state = port_state(dir, port, NULL);
	if (state < 0)
		return fail("port not in the status file", state);
	if (state != VDEV_ST_NULL) {
		fprintf(stderr, "%s: FAIL: port %u is not free (state %d)\n",
			prog, port, state);
		return 1;
	}

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return fail("socketpair", -errno);

	snprintf(text, sizeof(text), "%u %d %u %u", port, sv[1], SMOKE_DEVID,
		 SMOKE_SPEED);
	t0 = now_ms();
	err = write_sysfs(dir, "attach", text);
	if (err < 0)
		return fail("write attach", err);
	printf("%s: attach \"%s\" accepted\n", prog, text);
	/* The kernel holds its own reference to the socket. */
	close(sv[1]);

	state = port_state(dir, port, &devid);
	if (state != VDEV_ST_NOTASSIGNED &&
	    (state != VDEV_ST_USED || devid != SMOKE_DEVID)) {
		fprintf(stderr,
			"%s: FAIL: status shows port %u state %d devid %08x after attach\n",
			prog, port, state, devid);
		return 1;
	}
	printf("%s: status: port %u state %d (%s)\n", prog, port, state,
	       state == VDEV_ST_USED ? "used" : "not assigned yet");

	deadline = t0 + timeout * 1000L;
	err = read_full(sv[0], hdr, sizeof(hdr), deadline);
	if (err < 0)
		return fail("read the first USB/IP header", err);
	parse_cmd_submit(hdr, &cmd);
	printf("%s: after %ld ms: command %u seqnum %u devid 0x%08x dir %s ep %u length %d setup %02x %02x %02x %02x %02x %02x %02x %02x\n",
	       prog, now_ms() - t0, cmd.command, cmd.seqnum, cmd.devid,
	       cmd.direction == USBIP_DIR_IN ? "in" : "out", cmd.ep, cmd.length,
	       cmd.setup[0], cmd.setup[1], cmd.setup[2], cmd.setup[3],
	       cmd.setup[4], cmd.setup[5], cmd.setup[6], cmd.setup[7]);

	if (cmd.command != USBIP_CMD_SUBMIT)
		return fail("first header is not CMD_SUBMIT", 0);
	if (cmd.devid != SMOKE_DEVID)
		return fail("CMD_SUBMIT does not carry our devid", 0);
	if (cmd.direction != USBIP_DIR_IN || cmd.ep != 0)
		return fail("CMD_SUBMIT is not a control IN on endpoint 0", 0);
	/* bmRequestType 0x80 (IN, standard, device), bRequest 6 */
	if (cmd.setup[0] != 0x80 || cmd.setup[1] != 0x06)
		return fail("setup packet is not GET_DESCRIPTOR", 0);
	printf("%s: GET_DESCRIPTOR type %u index %u wLength %u: the kernel is enumerating our socket\n",
	       prog, cmd.setup[3], cmd.setup[2],
	       cmd.setup[6] | cmd.setup[7] << 8);

	for (stalls = 0; stalls < MAX_STALLS; stalls++) {
		err = send_stall(sv[0], cmd.seqnum);
		if (err < 0)
			return fail("send a STALL reply", err);
		/* The kernel always retries a stalled first request; on a
		 * loaded emulated machine that may take a while. */
		err = read_full(sv[0], hdr, sizeof(hdr),
				now_ms() + (stalls ? QUIET_MS : FIRST_RETRY_MS));
		if (err == -ETIMEDOUT)
			break;
		if (err < 0)
			return fail("read the next USB/IP header", err);
		parse_cmd_submit(hdr, &cmd);
		if (cmd.command != USBIP_CMD_SUBMIT)
			return fail("the kernel sent something else than CMD_SUBMIT",
				    0);
	}
	if (stalls == MAX_STALLS)
		return fail("the kernel never stopped retrying", 0);
	printf("%s: answered %d requests with a STALL (last seqnum %u), then %d ms of quiet\n",
	       prog, stalls + 1, cmd.seqnum, QUIET_MS);
	if (stalls == 0)
		return fail("no retry after the STALL: did the kernel read our RET_SUBMIT?",
			    0);

	close(sv[0]);
	/*
	 * EOF alone makes vhci tear the connection down; the detach may find
	 * the port already released (EINVAL). Either way the port must end
	 * up free.
	 */
	snprintf(text, sizeof(text), "%u", port);
	err = write_sysfs(dir, "detach", text);
	if (err < 0 && err != -EINVAL)
		return fail("write detach", err);
	printf("%s: detach %s\n", prog,
	       err ? "found the port already released after EOF" : "accepted");

	deadline = now_ms() + timeout * 1000L;
	while ((state = port_state(dir, port, NULL)) != VDEV_ST_NULL) {
		if (now_ms() > deadline) {
			fprintf(stderr, "%s: FAIL: port %u still in state %d after detach\n",
				prog, port, state);
			return 1;
		}
		usleep(50 * 1000);
	}
	printf("%s: port %u free again after %ld ms: OK\n", prog, port,
	       now_ms() - t0);
	return 0;
}
