// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs/mounts.h"

/* Is `src` /dev/BLOCK, /dev/BLOCKN or /dev/BLOCKpN? */
static bool on_block(const char *src, size_t len, const char *block)
{
	size_t n = strlen(block), i;

	if (len < 5 + n || strncmp(src, "/dev/", 5) != 0 || strncmp(src + 5, block, n) != 0)
		return false;
	i = 5 + n;
	if (i < len && src[i] == 'p')
		i++;
	if (i == len)
		return i == 5 + n;
	for (; i < len; i++)
		if (src[i] < '0' || src[i] > '9')
			return false;
	return true;
}

int mounts_of_block(const char *mounts, const char *block, struct strbuf *out)
{
	const char *line = mounts;
	int count = 0;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		const char *sp = memchr(line, ' ', end ? (size_t)(end - line) : strlen(line));

		if (sp && on_block(line, (size_t)(sp - line), block)) {
			const char *target = sp + 1;
			size_t tlen = strcspn(target, " \n");

			strbuf_printf(out, "%s%.*s on %.*s", out->len ? ", " : "", (int)(sp - line),
				      line, (int)tlen, target);
			count++;
		}
		line = end ? end + 1 : NULL;
	}
	return count;
}

/* The whole of a small text file (/proc/self/mounts), NUL-terminated. */
static int read_text(const char *path, struct strbuf *out)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && out->len < (1u << 20))
		strbuf_add(out, buf, n);
	fclose(f);
	return 0;
}

int usb_busid_mounts(const char *busid, struct strbuf *out)
{
	char path[PATH_MAX], real[PATH_MAX], needle[64];
	struct strbuf mounts = { 0 };
	struct dirent *de;
	int count = 0, r;
	DIR *d;

	if (strchr(busid, '/') || (size_t)snprintf(needle, sizeof(needle), "/%s/", busid) >=
					  sizeof(needle))
		return -EINVAL;
	r = read_text("/proc/self/mounts", &mounts);
	if (r < 0)
		return r;
	d = opendir("/sys/block");
	if (!d) {
		r = -errno;
		strbuf_free(&mounts);
		return r;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s", de->d_name);
		if (!realpath(path, real) || !strstr(real, needle))
			continue;
		count += mounts_of_block(strbuf_str(&mounts), de->d_name, out);
	}
	closedir(d);
	strbuf_free(&mounts);
	return count;
}
