// SPDX-License-Identifier: MIT
/*
 * The files of an add request as vusbctl opens them (src/app/add-files.c),
 * where the caller may be root (sudo) and the path's directories someone
 * else's: what it made for a refused request goes again, from the
 * directory it made it in, and nothing a swapped directory leads to is
 * removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/app/add.h"

static char top[64];

static int setup(void **state)
{
	snprintf(top, sizeof(top), "/tmp/vusb-add-files.XXXXXX");
	return mkdtemp(top) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd) == 0 ? 0 : -1;
}

static bool exists(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

static void make_dir(const char *name, char *ret, size_t size)
{
	snprintf(ret, size, "%s/%s", top, name);
	assert_int_equal(mkdir(ret, 0755), 0);
}

/* add DEVICE ... parsed, its files opened as vusbctl opens them. */
static unsigned int open_files(const char *line, struct cli *c, struct add_file *files,
			       struct add_opened *o)
{
	static char buf[512];
	struct strbuf err = { 0 };
	char *argv[32], *tok, *save = NULL;
	unsigned int n;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 32; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	assert_int_equal(add_parse(argc, argv, c, &err), 0);
	n = add_files(&c->devices[0], files);
	assert_int_equal(add_files_open(&c->devices[0], files, n, false, o, &err), 0);
	strbuf_free(&err);
	return n;
}

/* Refused: what was made goes; what was there already stays. */
static void undo_removes_what_it_made(void **state)
{
	struct add_file files[ADD_MAX_FILES];
	struct add_opened o;
	struct cli c;
	char dir[128], line[512], old[160];
	unsigned int n;

	make_dir("a", dir, sizeof(dir));
	snprintf(old, sizeof(old), "%s/old.pcapng", dir);
	close(open(old, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	snprintf(line, sizeof(line), "add storage --create 1M %s/new.img --capture %s", dir, old);
	n = open_files(line, &c, files, &o);
	assert_int_equal(n, 2);
	assert_true(o.created[0]);
	assert_false(o.created[1]);
	add_files_close(files, n, &o, true);
	assert_false(exists(dir, "new.img"));
	assert_true(exists(dir, "old.pcapng"));
}

/*
 * The directory of the path renamed and a symlink put in its place,
 * leading to a file of the same name: that file is not ours and stays;
 * ours, where it was made, goes.
 */
static void undo_follows_no_swapped_directory(void **state)
{
	struct add_file files[ADD_MAX_FILES];
	struct add_opened o;
	struct cli c;
	char dir[128], moved[128], victim[128], line[400], path[256];
	unsigned int n;

	make_dir("b", dir, sizeof(dir));
	make_dir("victim", victim, sizeof(victim));
	snprintf(path, sizeof(path), "%s/new.img", victim);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	snprintf(line, sizeof(line), "add storage --create 1M %s/new.img", dir);
	n = open_files(line, &c, files, &o);
	assert_true(o.created[0]);
	snprintf(moved, sizeof(moved), "%s/b-moved", top);
	assert_int_equal(rename(dir, moved), 0);
	assert_int_equal(symlink(victim, dir), 0);
	add_files_close(files, n, &o, true);
	assert_true(exists(victim, "new.img"));
	assert_false(exists(moved, "new.img"));
}

/* Accepted: what was made stays. */
static void no_undo_keeps_it(void **state)
{
	struct add_file files[ADD_MAX_FILES];
	struct add_opened o;
	struct cli c;
	char dir[128], line[400];
	unsigned int n;

	make_dir("c", dir, sizeof(dir));
	snprintf(line, sizeof(line), "add fomu --flash %s/f.flash", dir);
	n = open_files(line, &c, files, &o);
	assert_true(o.created[0]);
	add_files_close(files, n, &o, false);
	assert_true(exists(dir, "f.flash"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(undo_removes_what_it_made),
		cmocka_unit_test(undo_follows_no_swapped_directory),
		cmocka_unit_test(no_undo_keeps_it),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
