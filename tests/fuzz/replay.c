// SPDX-License-Identifier: MIT
/*
 * A main() for fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput
 * once per file named on the command line, or per file in a directory
 * named there. With the sanitizers (make check-asan) this replays the seed
 * corpora and every crash reproducer ever committed, so that a fixed crash
 * stays fixed on machines without clang.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

/* Targets that need no set-up do not define it. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static unsigned long replayed;

static int replay_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t off = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* One more byte, so that an empty file is a valid pointer too. */
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -1;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)st.st_size - off);

		if (n <= 0) {
			fprintf(stderr, "replay: %s: short read\n", path);
			free(buf);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	close(fd);
	/* Copied to a buffer of its exact size, as libFuzzer does, so that
	 * ASan sees a read one past the end. */
	{
		uint8_t *exact = malloc(off ? off : 1);

		if (!exact) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, off);
		free(buf);
		fprintf(stderr, "replay: %s (%zu bytes)\n", path, off);
		LLVMFuzzerTestOneInput(exact, off);
		free(exact);
	}
	replayed++;
	return 0;
}

static int compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	int r = 0;
	DIR *d;

	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **p = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!p) {
				r = -1;
				break;
			}
			names = p;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -1;
			break;
		}
		n++;
	}
	closedir(d);
	/* In a stable order, so that a failure is reproducible by name. */
	qsort(names, n, sizeof(*names), compare);
	for (i = 0; i < n; i++) {
		if (r == 0 && (size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) <
				      sizeof(path))
			r = replay_file(path);
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	int i;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		struct stat st;
		int r;

		if (stat(argv[i], &st) < 0) {
			/* A target may have no reproducers yet. */
			if (errno == ENOENT)
				continue;
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		r = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i]);
		if (r < 0)
			return 1;
	}
	printf("replay: %s: %lu inputs, no crash\n", argv[0], replayed);
	return 0;
}
