/* SPDX-License-Identifier: MIT */
/*
 * An offline vusb instance for the command fuzzers: the models, created
 * as vusb-attach would (src/app/vusb.c) but attached nowhere (no vhci) and
 * with no control socket, so that vusb_command() runs the real dispatch
 * and the models' real commands with no kernel and no files but a memfd
 * image. Made afresh for each input; the loop lives across inputs and is
 * never run (the devices only arm timers on it). Header-only: each target
 * is one .c file.
 */
#ifndef VUSB_TESTS_FUZZ_OFFLINE_H
#define VUSB_TESTS_FUZZ_OFFLINE_H

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "src/app/models.h"
#include "src/ctl/server.h"
#include "src/base/log.h"
#include "src/app/vusb.h"
#include "tests/fuzz/fuzz.h"

static struct loop *off_loop;
static char off_image[64];

static void off_init(void)
{
	static uint8_t block[4096];
	int fd;

	if (off_loop)
		return;
	vusb_log_level = -1;
	if (loop_new(&off_loop) < 0)
		abort();
	fd = memfd_create("fuzz-image", MFD_CLOEXEC);
	if (fd < 0 || write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
		abort();
	snprintf(off_image, sizeof(off_image), "/proc/self/fd/%d", fd);
}

static void off_add(struct vusb *v, const char *model, const char *positional,
		    const char *opt)
{
	struct vusb_dev_opts o = { .vid = -1, .pid = -1 };
	struct strbuf err = { 0 };

	o.positional = positional;
	if (opt) {
		o.extra[0].name = opt;
		o.extra[0].value = "";
		o.nextra = 1;
	}
	FUZZ_CHECK(vusb_add(v, vusb_model_find(model), &o, &err) == 0, "add %s: %s", model,
		   strbuf_str(&err));
	strbuf_free(&err);
}

/*
 * mouse0, keyboard0, tablet0, storage0 (empty), storage1 (an image). No
 * fomu: its 2 MiB flash file per input would make these targets ten
 * times slower, and fuzz_fomu runs its commands.
 */
static struct vusb *off_new(void)
{
	struct vusb *v;

	off_init();
	if (vusb_new(off_loop, NULL, &v) < 0)
		abort();
	off_add(v, "mouse", NULL, NULL);
	off_add(v, "keyboard", NULL, NULL);
	off_add(v, "tablet", NULL, NULL);
	off_add(v, "storage", NULL, NULL);
	off_add(v, "storage", off_image, "--snapshot");
	return v;
}

/*
 * One command, as the control socket or the terminal hands it over:
 * arguments that name files are replaced by the image (storage's insert
 * opens what it is given). Checked: an exit code vusbctl knows, a reason
 * for every failure, a reply that fits the control protocol.
 */
static void off_command(struct vusb *v, int argc, char **argv, bool terminal)
{
	struct strbuf out = { 0 }, err = { 0 };
	int i, code;

	for (i = 0; i < argc; i++)
		if (strchr(argv[i], '/'))
			argv[i] = off_image;
	code = vusb_command(v, argc, argv, terminal, &out, &err);
	FUZZ_CHECK(code >= EXIT_OK && code <= EXIT_PERMISSION, "exit code %d", code);
	FUZZ_CHECK(code == 0 || err.len > 0, "exit code %d without a reason", code);
	FUZZ_CHECK(out.len < CTL_MAX_REPLY, "a reply of %zu bytes", out.len);
	FUZZ_CHECK(!out.err && !err.err, "strbuf error");
	strbuf_free(&out);
	strbuf_free(&err);
}

#endif
