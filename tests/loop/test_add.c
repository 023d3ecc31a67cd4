// SPDX-License-Identifier: MIT
/*
 * vusbctl add and remove (src/app/add.h): the request parsed as vusbctl
 * and the instance parse it, and an instance serving --listen with its
 * control socket for real, clients in a thread sending the image's
 * descriptor with the request, in a private run directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/app/add.h"
#include "src/app/instance.h"
#include "src/app/vusb.h"
#include "src/base/loop.h"
#include "src/ctl/client.h"
#include "src/usbip/server.h"

static char rundir[64];

static int setup(void **state)
{
	snprintf(rundir, sizeof(rundir), "/tmp/vusb-add-test.XXXXXX");
	if (!mkdtemp(rundir))
		return -1;
	setenv("VUSB_RUNDIR", rundir, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", rundir);
	return system(cmd) == 0 ? 0 : -1;
}

/* add_parse over a line split at blanks; the reason in err. *c points into
 * the line's copy, kept until the next call. */
static int parse(const char *line, struct cli *c, struct strbuf *err)
{
	static char buf[512];
	char *argv[32];
	int argc = 0;
	char *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 32; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	strbuf_reset(err);
	return add_parse(argc, argv, c, err);
}

static void parse_accepts(void **state)
{
	struct strbuf err = { 0 };
	static struct cli c;
	const char *opt;

	assert_int_equal(parse("add mouse", &c, &err), 0);
	assert_int_equal(c.ndevices, 1);
	assert_string_equal(c.devices[0].model->name, "mouse");
	assert_int_equal(parse("add storage disk.img --ro --name d", &c, &err), 0);
	assert_string_equal(c.devices[0].opts.positional, "disk.img");
	assert_false(add_wants_write(&c.devices[0]));
	assert_int_equal(parse("add storage disk.img", &c, &err), 0);
	assert_true(add_wants_write(&c.devices[0]));
	assert_int_equal(parse("add keyboard --count 3", &c, &err), 0);
	assert_int_equal(c.devices[0].count, 3);
	/* --local: whether the instance listens is its own to say. */
	assert_int_equal(parse("add mouse --local", &c, &err), 0);
	assert_true(c.devices[0].local);
	/* The one file sent: the image, or a report descriptor. */
	assert_int_equal(parse("add storage disk.img --ro", &c, &err), 0);
	assert_string_equal(add_file(&c.devices[0], &opt), "disk.img");
	assert_null(opt);
	assert_int_equal(parse("add hid --report-descriptor rd.hex --interval 4", &c, &err), 0);
	assert_string_equal(add_file(&c.devices[0], &opt), "rd.hex");
	assert_string_equal(opt, "--report-descriptor");
	assert_false(add_wants_write(&c.devices[0]));
	assert_int_equal(parse("add mouse", &c, &err), 0);
	assert_null(add_file(&c.devices[0], &opt));
	/* DEVICE --help: the device's help, answered by vusbctl. */
	assert_int_equal(parse("add storage --help", &c, &err), 0);
	assert_true(c.help);
	assert_string_equal(c.help_model->name, "storage");
	strbuf_free(&err);
}

static void parse_refuses(void **state)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "add", "usage: add DEVICE" },
		{ "add --listen :0 mouse", "usage: add DEVICE" },
		{ "add mousse", "did you mean 'mouse'" },
		{ "add mouse keyboard", "run vusbctl add again" },
		{ "add mouse -v", "not vusb-attach's own" },
		{ "add mouse --speed warp", "speed" },
		{ "add mouse --pidfile x", "belongs before the devices" },
		{ "add mouse --capture x.pcapng", "capture start FILE" },
		{ "add serial --exec sh", "--exec runs a command" },
		{ "add storage x.img --create 1M", "--create is for vusb-attach" },
		{ "add fomu --flash f.bin", "--flash names a file" },
		{ "add fomu --firmware f.elf", "--firmware names a file" },
	};
	struct strbuf err = { 0 };
	static struct cli c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].line, &c, &err) != -EINVAL ||
		    !strstr(strbuf_str(&err), bad[i].why))
			fail_msg("%s: got '%s', wanted '%s'", bad[i].line, strbuf_str(&err),
				 bad[i].why);
	}
	strbuf_free(&err);
}

/* vusb-attach --daemon or --listen alone starts empty; nothing else does. */
static void empty_start(void **state)
{
	char *daemon[] = { "vusb-attach", "--daemon" }, *listen[] = { "vusb-attach", "--listen" };
	char *verbose[] = { "vusb-attach", "-v" };
	struct strbuf err = { 0 };
	static struct cli c;

	assert_int_equal(cli_parse(2, daemon, &c, &err), 0);
	assert_int_equal(c.ndevices, 0);
	assert_true(c.daemon);
	assert_int_equal(cli_parse(2, listen, &c, &err), 0);
	assert_int_equal(c.ndevices, 0);
	assert_true(c.listen);
	assert_int_equal(cli_parse(2, verbose, &c, &err), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "no device given"));
	strbuf_free(&err);
}

/* ---- an instance for real ---- */

struct client {
	int (*fn)(const char *path, void *data);
	const char *path;
	void *data;
	int result;
	int done;
	struct loop *loop;
};

static void *client_thread(void *data)
{
	struct client *c = data;

	c->result = c->fn(c->path, c->data);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void poll_client(struct loop_timer *t, void *data)
{
	struct client *c = data;

	if (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
		loop_quit(c->loop, 0);
		return;
	}
	loop_timer_arm(t, 2);
}

static int with_client(struct loop *loop, int (*fn)(const char *path, void *data),
		       const char *path, void *data)
{
	struct client c = { .fn = fn, .path = path, .data = data, .loop = loop };
	struct loop_timer *t;
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, client_thread, &c), 0);
	assert_int_equal(loop_timer_add(loop, poll_client, &c, NULL, &t), 0);
	loop_timer_arm(t, 2);
	loop_run(loop);
	loop_timer_remove(t);
	pthread_join(th, NULL);
	return c.result;
}

/* One request: argv as a line, fd (or -1) sent along; the reply's code, body, message. */
struct call {
	const char *line;
	int fd;
	int code;
	char body[512];
	char msg[512];
};

static int do_call(const char *path, void *data)
{
	struct call *c = data;
	struct strbuf reply = { 0 };
	char buf[512], *argv[32], *tok, *save = NULL;
	const char *msg, *body;
	int argc = 0, r;

	snprintf(buf, sizeof(buf), "%s", c->line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 32; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	r = ctl_call_fd(path, argc, argv, c->fd, 5000, &reply);
	if (r < 0)
		return r;
	if (ctl_reply_parse(reply.buf, reply.len, &c->code, &msg, &body) < 0)
		return -EBADMSG;
	snprintf(c->body, sizeof(c->body), "%s", body);
	snprintf(c->msg, sizeof(c->msg), "%s", msg ? msg : "");
	strbuf_free(&reply);
	return 0;
}

static struct call *call(struct loop *loop, const char *path, const char *line, int fd)
{
	static struct call c;

	memset(&c, 0, sizeof(c));
	c.line = line;
	c.fd = fd;
	assert_int_equal(with_client(loop, do_call, path, &c), 0);
	return &c;
}

static int image(const char *text)
{
	char file[] = "/tmp/vusb-add-img-XXXXXX";
	int fd = mkstemp(file);

	assert_true(fd >= 0);
	unlink(file);
	assert_int_equal(ftruncate(fd, 64 * 1024), 0);
	assert_int_equal(pwrite(fd, text, strlen(text), 0), (ssize_t)strlen(text));
	return fd;
}

static const char boot_mouse_rd[] =
	"05 01 09 02 a1 01 09 01 a1 00 05 09 19 01 29 03 15 00 25 01 95 03 75 01 "
	"81 02 95 01 75 05 81 01 05 01 09 30 09 31 15 81 25 7f 75 08 95 02 81 06 "
	"c0 c0\n";

static void add_remove(void **state)
{
	struct server_config cfg = { 0 };
	struct strbuf err = { 0 };
	struct loop *loop;
	struct vusb *v;
	struct call *c;
	const char *sock;
	int fd;

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(vusb_new(loop, NULL, &v), 0);
	vusb_set_stay(v);
	assert_int_equal(vusb_listen(v, &err), 0);
	assert_int_equal(server_parse_listen("127.0.0.1:0", &cfg.listen), 0);
	assert_int_equal(vusb_serve(v, &cfg), 0);
	sock = vusb_ctl_path(v);

	c = call(loop, sock, "add mouse", -1);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "mouse0: exported, busid 1-1\n");
	assert_int_equal(vusb_count(v), 1);

	/* A path alone: refused, whoever sends it; nothing is made. */
	c = call(loop, sock, "add storage /etc/shadow --ro", -1);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "/etc/shadow needs the file sent with the request"));
	assert_int_equal(vusb_count(v), 1);

	/* The descriptor is the image; the path is only a name to show,
	 * never opened (there is nothing there). */
	fd = image("FROM THE DESCRIPTOR");
	c = call(loop, sock, "add storage /nonexistent/disk.img", fd);
	close(fd);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "storage0: exported, busid 1-2\n");
	c = call(loop, sock, "list", -1);
	assert_non_null(strstr(c->body, "/nonexistent/disk.img 64 KiB rw"));

	/* The same file again: ours already; no name or bus id taken. */
	c = call(loop, sock, "add storage /nonexistent/disk.img", -1);
	assert_int_equal(c->code, EXIT_USAGE);
	c = call(loop, sock, "list", -1);
	assert_null(strstr(c->body, "storage1"));

	/* A report descriptor by descriptor too (a boot mouse's, in hex). */
	fd = image(boot_mouse_rd);
	assert_int_equal(ftruncate(fd, (off_t)strlen(boot_mouse_rd)), 0);
	c = call(loop, sock, "add hid --report-descriptor /nonexistent/rd.hex", fd);
	close(fd);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "hid0: exported, busid 1-3\n");
	c = call(loop, sock, "add hid --report-descriptor /nonexistent/rd.hex", -1);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "needs the file sent with the request"));
	assert_int_equal(call(loop, sock, "remove hid0", -1)->code, 0);

	/* A spec the instance itself refuses, sent raw. */
	c = call(loop, sock, "add serial --exec /bin/sh", -1);
	assert_int_equal(c->code, EXIT_USAGE);
	assert_non_null(strstr(c->msg, "--exec runs a command"));
	c = call(loop, sock, "add mouse --count 2", -1);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "mouse1: exported, busid 1-4\nmouse2: exported, busid 1-5\n");

	c = call(loop, sock, "remove storage0", -1);
	assert_int_equal(c->code, 0);
	assert_string_equal(c->body, "storage0: removed\n");
	c = call(loop, sock, "remove storage0", -1);
	assert_int_equal(c->code, EXIT_NO_DEVICE);
	c = call(loop, sock, "remove", -1);
	assert_int_equal(c->code, EXIT_USAGE);
	/* The last one goes; the instance started empty stays. */
	assert_int_equal(call(loop, sock, "remove mouse0", -1)->code, 0);
	assert_int_equal(call(loop, sock, "remove mouse1", -1)->code, 0);
	assert_int_equal(call(loop, sock, "remove mouse2", -1)->code, 0);
	assert_int_equal(vusb_count(v), 0);
	assert_int_equal(call(loop, sock, "list", -1)->code, 0);

	vusb_free(v);
	loop_free(loop);
	strbuf_free(&err);
}

/* Without --listen or vhci_hcd there is nowhere to put a device. */
static void nowhere(void **state)
{
	struct strbuf out = { 0 }, err = { 0 };
	char *argv[] = { "add", "mouse" };
	struct loop *loop;
	struct vusb *v;

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(vusb_new(loop, NULL, &v), 0);
	assert_int_equal(vusb_ctl_handle(2, argv, -1, &out, &err, v), EXIT_USAGE);
	assert_non_null(strstr(strbuf_str(&err), "no vhci_hcd"));
	assert_int_equal(vusb_count(v), 0);
	vusb_free(v);
	loop_free(loop);
	strbuf_free(&out);
	strbuf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_accepts),
		cmocka_unit_test(parse_refuses),
		cmocka_unit_test(empty_start),
		cmocka_unit_test(add_remove),
		cmocka_unit_test(nowhere),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
