// SPDX-License-Identifier: MIT
/*
 * attachtime: how long a device takes to appear, from the action that
 * makes it (starting a program, or writing a sysfs/configfs file) to the
 * kernel announcing its device node. For make bench (tests/bench).
 *
 * Usage: attachtime [-t SECONDS] [-n PREFIX] [-o FILE] -- PROGRAM [ARGS...]
 *        attachtime [-t SECONDS] [-n PREFIX] -w FILE VALUE
 *
 * It listens to the kernel's uevents first, then takes the time
 * (CLOCK_MONOTONIC), then starts PROGRAM (left running: vusb-attach
 * serves its device until it is stopped) or writes VALUE to FILE (a
 * gadget's UDC), and waits for an "add" uevent whose DEVNAME starts with
 * PREFIX (default input/event). The kernel sends it once devtmpfs has
 * made the node, so that is when a program could open it. PROGRAM's
 * standard output and error go to FILE with -o (so that it does not hold
 * a pipe of the caller's open), else to ours.
 *
 * Prints "attachtime: US us DEVNAME pid PID" (pid 0 with -w). Exit status
 * 0, 1 on a timeout (default 30 s) or when PROGRAM ended first with a
 * failure, 2 on an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The value of KEY= in a uevent (NUL-separated KEY=VALUE), or NULL. */
static const char *uevent_get(const char *buf, size_t len, const char *key)
{
	size_t klen = strlen(key), off = 0;

	while (off < len) {
		const char *s = buf + off;
		size_t n = strnlen(s, len - off);

		if (n > klen && !memcmp(s, key, klen) && s[klen] == '=')
			return s + klen + 1;
		off += n + 1;
	}
	return NULL;
}

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: attachtime [-t SECONDS] [-n PREFIX] [-o FILE] -- PROGRAM [ARGS...]\n"
			"       attachtime [-t SECONDS] [-n PREFIX] -w FILE VALUE\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	const char *prefix = "input/event", *wfile = NULL, *ofile = NULL;
	int timeout_s = 30, opt, fd, rcvbuf = 4 << 20;
	uint64_t t0, deadline;
	pid_t child = 0;

	while ((opt = getopt(argc, argv, "+t:n:w:o:")) != -1) {
		switch (opt) {
		case 't':
			timeout_s = atoi(optarg);
			break;
		case 'n':
			prefix = optarg;
			break;
		case 'w':
			wfile = optarg;
			break;
		case 'o':
			ofile = optarg;
			break;
		default:
			return usage();
		}
	}
	if (timeout_s <= 0 || (wfile && argc - optind != 1) || (!wfile && optind >= argc))
		return usage();

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("attachtime: uevent socket");
		return 2;
	}
	/* Many devices at once (a hub's worth) must not overflow it. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));

	t0 = now_us();
	if (wfile) {
		int r = write_file(wfile, argv[optind]);

		if (r < 0) {
			fprintf(stderr, "attachtime: %s: %s\n", wfile, strerror(-r));
			return 2;
		}
	} else {
		child = fork();
		if (child < 0) {
			perror("attachtime: fork");
			return 2;
		}
		if (child == 0) {
			int out = ofile ? open(ofile, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;

			if (ofile && (out < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)) {
				fprintf(stderr, "attachtime: %s: %s\n", ofile, strerror(errno));
				_exit(127);
			}
			execvp(argv[optind], argv + optind);
			fprintf(stderr, "attachtime: %s: %s\n", argv[optind], strerror(errno));
			_exit(127);
		}
	}

	deadline = t0 + (uint64_t)timeout_s * 1000000;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[8192];
		const char *action, *devname;
		uint64_t t;
		ssize_t n;
		int st;

		t = now_us();
		if (t >= deadline)
			break;
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
		if (child > 0 && waitpid(child, &st, WNOHANG) == child) {
			child = -1;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "attachtime: %s failed (status %d)\n", argv[optind],
					WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
				return 1;
			}
		}
		if (!(p.revents & POLLIN))
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		t = now_us();
		if (n <= 0)
			continue;
		buf[n] = '\0';
		action = uevent_get(buf, (size_t)n, "ACTION");
		devname = uevent_get(buf, (size_t)n, "DEVNAME");
		if (!action || strcmp(action, "add") || !devname ||
		    strncmp(devname, prefix, strlen(prefix)))
			continue;
		printf("attachtime: %llu us %s pid %d\n", (unsigned long long)(t - t0), devname,
		       child > 0 ? (int)child : 0);
		return 0;
	}
	fprintf(stderr, "attachtime: no %s* within %d s\n", prefix, timeout_s);
	return 1;
}
