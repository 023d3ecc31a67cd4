// SPDX-License-Identifier: MIT
/*
 * randread: random reads from a block device with O_DIRECT, one at a
 * time (queue depth 1), for make bench (tests/bench). Offsets are
 * aligned to the block size and drawn from a fixed seed, so every run
 * reads the same sequence.
 *
 * Usage: randread [-b BYTES] [-s SECONDS] DEVICE
 *
 * Reads BYTES (default 4096) at a time for SECONDS (default 5), then
 * prints "randread: N reads in S s, IOPS X, median M us, p99 P us".
 * Exit status 0, 2 on an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES (1u << 22)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned long bs = 4096, seconds = 5;
	uint64_t size, blocks, seed = 0x9e3779b97f4a7c15ull, t0, t, end;
	uint32_t *lat;
	size_t n = 0;
	void *buf;
	int opt, fd;

	while ((opt = getopt(argc, argv, "b:s:")) != -1) {
		switch (opt) {
		case 'b':
			bs = strtoul(optarg, NULL, 10);
			break;
		case 's':
			seconds = strtoul(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1 || bs < 512 || bs > (1u << 20) || bs % 512 || !seconds ||
	    seconds > 3600)
		goto usage;
	fd = open(argv[optind], O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) < 0) {
		fprintf(stderr, "randread: %s: %s\n", argv[optind], strerror(errno));
		return 2;
	}
	blocks = size / bs;
	lat = malloc(MAX_SAMPLES * sizeof(*lat));
	if (!blocks || !lat || posix_memalign(&buf, 4096, bs)) {
		fprintf(stderr, "randread: %s: too small, or out of memory\n", argv[optind]);
		return 2;
	}
	t0 = now_ns();
	end = t0 + seconds * 1000000000ull;
	for (t = t0; t < end && n < MAX_SAMPLES;) {
		off_t off = (off_t)(xorshift64(&seed) % blocks * bs);
		uint64_t s = t;
		ssize_t r = pread(fd, buf, bs, off);

		if (r != (ssize_t)bs) {
			fprintf(stderr, "randread: %s at %lld: %s\n", argv[optind], (long long)off,
				r < 0 ? strerror(errno) : "short read");
			return 2;
		}
		t = now_ns();
		lat[n++] = (uint32_t)((t - s) / 1000);
	}
	qsort(lat, n, sizeof(*lat), cmp_u32);
	printf("randread: %zu reads in %.2f s, IOPS %.0f, median %u us, p99 %u us\n", n,
	       (double)(t - t0) / 1e9, (double)n * 1e9 / (double)(t - t0), lat[n / 2],
	       lat[n * 99 / 100]);
	free(lat);
	free(buf);
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: randread [-b BYTES] [-s SECONDS] DEVICE\n");
	return 2;
}
