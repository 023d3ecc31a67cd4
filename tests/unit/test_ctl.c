// SPDX-License-Identifier: MIT
/* The control protocol, terminal lines, and the command line. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/app/cli.h"
#include "src/app/instance.h"
#include "src/app/models.h"
#include "src/app/vusb.h"
#include "src/base/loop.h"
#include "src/base/strbuf.h"
#include "src/ctl/ctl.h"
#include "tests/lib/cliargs.h"

static void request_round_trip(void **state)
{
	char *in[] = { "keyboard0", "type", "hello world", "" };
	struct strbuf sb = { 0 };
	char *argv[8];
	int argc;

	assert_int_equal(ctl_request_encode(4, in, &sb), 0);
	assert_int_equal(sb.len, strlen("keyboard0") + strlen("type") + strlen("hello world") + 4);
	argc = ctl_request_parse(sb.buf, sb.len, argv, 8);
	assert_int_equal(argc, 4);
	assert_string_equal(argv[0], "keyboard0");
	assert_string_equal(argv[2], "hello world");
	assert_string_equal(argv[3], "");
	strbuf_free(&sb);
}

static void request_rejects(void **state)
{
	char unterminated[] = { 'l', 'i', 's', 't' };
	char many[CTL_MAX_ARGS + 1];
	char *argv[CTL_MAX_ARGS];

	assert_int_equal(ctl_request_parse(unterminated, sizeof(unterminated), argv, 8), -EINVAL);
	assert_int_equal(ctl_request_parse(unterminated, 0, argv, 8), -EINVAL);
	memset(many, 0, sizeof(many));
	assert_int_equal(ctl_request_parse(many, sizeof(many), argv, CTL_MAX_ARGS), -EINVAL);
	assert_int_equal(ctl_request_parse(many, CTL_MAX_ARGS, argv, CTL_MAX_ARGS), CTL_MAX_ARGS);
}

static void reply_parse(void **state)
{
	char ok[] = "OK\nline one\nline two\n";
	char err[] = "ERR 4 no device named 'x'\n";
	char bad1[] = "KO\n";
	char bad2[] = "ERR x y\n";
	char bad3[] = "ERR 4";
	char bad4[] = "ERR 0 zero\n";
	const char *msg, *body;
	int code;

	assert_int_equal(ctl_reply_parse(ok, strlen(ok), &code, &msg, &body), 0);
	assert_int_equal(code, 0);
	assert_string_equal(body, "line one\nline two\n");
	assert_int_equal(ctl_reply_parse(err, strlen(err), &code, &msg, &body), 0);
	assert_int_equal(code, 4);
	assert_string_equal(msg, "no device named 'x'");
	assert_string_equal(body, "");
	assert_int_equal(ctl_reply_parse(bad1, strlen(bad1), &code, &msg, &body), -EBADMSG);
	assert_int_equal(ctl_reply_parse(bad2, strlen(bad2), &code, &msg, &body), -EBADMSG);
	assert_int_equal(ctl_reply_parse(bad3, strlen(bad3), &code, &msg, &body), -EBADMSG);
	assert_int_equal(ctl_reply_parse(bad4, strlen(bad4), &code, &msg, &body), -EBADMSG);
	assert_int_equal(ctl_reply_parse(ok, 0, &code, &msg, &body), -EBADMSG);
}

static void split_line(void **state)
{
	char line[] = "  keyboard0 type \"Hello, world\" 'it''s' a\\ b \"q\\\"x\"  \n";
	char quote[] = "type \"open";
	char blank[] = " \t \n";
	char *argv[8];

	assert_int_equal(ctl_split_line(line, argv, 8), 6);
	assert_string_equal(argv[0], "keyboard0");
	assert_string_equal(argv[1], "type");
	assert_string_equal(argv[2], "Hello, world");
	assert_string_equal(argv[3], "its");
	assert_string_equal(argv[4], "a b");
	assert_string_equal(argv[5], "q\"x");
	assert_int_equal(ctl_split_line(quote, argv, 8), -EINVAL);
	assert_int_equal(ctl_split_line(blank, argv, 8), 0);
}

static void split_line_limit(void **state)
{
	char line[] = "a b c d";
	char *argv[3];

	assert_int_equal(ctl_split_line(line, argv, 3), -EINVAL);
}

static void names(void **state)
{
	assert_true(ctl_name_valid("mouse0"));
	assert_true(ctl_name_valid("my-kbd_2.x"));
	assert_false(ctl_name_valid(""));
	assert_false(ctl_name_valid(".hidden"));
	assert_false(ctl_name_valid("-x"));
	assert_false(ctl_name_valid("a/b"));
	assert_false(ctl_name_valid("sp ace"));
	assert_false(ctl_name_valid("0123456789012345678901234567890123"));
}

static void cli_devices(void **state)
{
	static struct cli c;
	struct strbuf err = { 0 };

	assert_int_equal(cliargs_parse(&c, &err, "-v", "mouse", "--name", "m", "--vid", "0x046d",
				       "keyboard", "--pid=c31c", "--product", "K120", "--speed",
				       "high", NULL),
			 0);
	assert_int_equal(c.verbosity, 1);
	assert_int_equal(c.ndevices, 2);
	assert_string_equal(c.devices[0].model->name, "mouse");
	assert_string_equal(c.devices[0].opts.name, "m");
	assert_int_equal(c.devices[0].opts.vid, 0x046d);
	assert_int_equal(c.devices[0].opts.pid, -1);
	assert_string_equal(c.devices[1].model->name, "keyboard");
	assert_int_equal(c.devices[1].opts.pid, 0xc31c);
	assert_string_equal(c.devices[1].opts.product, "K120");
	assert_int_equal(c.devices[1].opts.speed, USB_SPEED_HIGH);
	assert_int_equal(c.total, 2);

	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--count", "3", "keyboard", NULL), 0);
	assert_int_equal(c.total, 4);
	assert_int_equal(cliargs_parse(&c, &err, "--help", NULL), 0);
	assert_true(c.help);
	strbuf_free(&err);
}

static void cli_errors(void **state)
{
	static struct cli c;
	struct strbuf err = { 0 };

	assert_int_equal(cliargs_parse(&c, &err, NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "no device"));
	assert_int_equal(cliargs_parse(&c, &err, "frob", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "unknown device 'frob'"));
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--vid", "12345", NULL), -EINVAL);
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--vid", "xyz", NULL), -EINVAL);
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--vid", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "needs a value"));
	assert_int_equal(cliargs_parse(&c, &err, "--vid", "1234", "mouse", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "after the device"));
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--speed", "warp", NULL), -EINVAL);
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--name", "a/b", NULL), -EINVAL);
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--frob", NULL), -EINVAL);
	assert_int_equal(cliargs_parse(&c, &err, "--quiet=1", "mouse", NULL), -EINVAL);
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--count", "0", NULL), -EINVAL);
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--count", "2", "--name", "x", NULL),
			 -EINVAL);
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--count", "200", "keyboard", "--count",
				       "100", NULL),
			 -EINVAL);
	strbuf_free(&err);
}

/* --capture before the devices is the program's, after one the device's. */
static void cli_capture(void **state)
{
	static struct cli c;
	struct strbuf err = { 0 };

	assert_int_equal(cliargs_parse(&c, &err, "--capture", "all.pcapng", "--capture-snaplen=64",
				       "mouse", "storage", "d.img", "--capture", "-",
				       "--capture-snaplen", "31", NULL),
			 0);
	assert_string_equal(c.capture, "all.pcapng");
	assert_int_equal(c.capture_snaplen, 64);
	assert_null(c.devices[0].capture);
	assert_string_equal(c.devices[1].capture, "-");
	assert_int_equal(c.devices[1].capture_snaplen, 31);

	assert_int_equal(cliargs_parse(&c, &err, "--capture", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "needs a value"));
	assert_int_equal(cliargs_parse(&c, &err, "--capture", "", "mouse", NULL), -EINVAL);
	assert_int_equal(
		cliargs_parse(&c, &err, "--capture-snaplen", "0", "--capture", "x", "mouse", NULL),
		-EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "invalid --capture-snaplen '0'"));
	assert_int_equal(cliargs_parse(&c, &err, "--capture-snaplen", "16777217", "--capture", "x",
				       "mouse", NULL),
			 -EINVAL);
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--capture-snaplen", "9", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "only makes sense with --capture"));
	assert_int_equal(cliargs_parse(&c, &err, "--capture", "-", "mouse", "--capture", "-", NULL),
			 -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "only one --capture can write to standard"));
	assert_int_equal(cliargs_parse(&c, &err, "-d", "mouse", "--capture", "-", NULL), -EINVAL);
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--count", "2", "--capture", "x", NULL),
			 -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "--count cannot be combined"));
	strbuf_free(&err);
}

static void cli_ids(void **state)
{
	int id = -1;

	assert_int_equal(cli_parse_id("1209", &id), 0);
	assert_int_equal(id, 0x1209);
	assert_int_equal(cli_parse_id("0XFFFF", &id), 0);
	assert_int_equal(id, 0xffff);
	assert_int_equal(cli_parse_id("", &id), -EINVAL);
	assert_int_equal(cli_parse_id("0x", &id), -EINVAL);
	assert_int_equal(cli_parse_id("-1", &id), -EINVAL);
	assert_int_equal(cli_parse_id("12 ", &id), -EINVAL);
	assert_int_equal(cli_parse_id("10000", &id), -EINVAL);
}

/* Commands through an instance with no kernel: devices exist, offline. */
static int run(struct vusb *v, bool terminal, struct strbuf *out, struct strbuf *err, const char *line)
{
	char buf[256], *argv[16];
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = ctl_split_line(buf, argv, 16);
	strbuf_reset(out);
	strbuf_reset(err);
	return vusb_command(v, argc, argv, terminal, out, err);
}

static void commands(void **state)
{
	struct strbuf out = { 0 }, err = { 0 };
	struct vusb_dev_opts o = { .vid = -1, .pid = -1 };
	struct loop *loop;
	struct vusb *v;

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(vusb_new(loop, NULL, &v), 0);
	assert_int_equal(vusb_add(v, vusb_model_find("mouse"), &o, &err), 0);
	assert_int_equal(vusb_add(v, vusb_model_find("keyboard"), &o, &err), 0);
	assert_int_equal(vusb_add(v, vusb_model_find("mouse"), &o, &err), 0);
	assert_int_equal(vusb_count(v), 3);

	assert_int_equal(run(v, false, &out, &err, "list"), 0);
	assert_string_equal(strbuf_str(&out), "mouse0\tmouse\t-\t-\toffline\t\n"
					      "keyboard0\tkeyboard\t-\t-\toffline\tleds=none\n"
					      "mouse1\tmouse\t-\t-\toffline\t\n");
	assert_int_equal(run(v, true, &out, &err, "list --json"), 0);
	assert_non_null(
		strstr(strbuf_str(&out),
		       "{\"version\":1,\"devices\":[{\"name\":\"mouse0\",\"model\":\"mouse\","));
	assert_ptr_equal(strstr(strbuf_str(&out), "{\"version\""), strbuf_str(&out));
	assert_non_null(strstr(strbuf_str(&out), "\"name\":\"keyboard0\",\"model\":\"keyboard\","));
	assert_non_null(strstr(strbuf_str(&out), "\"leds\":[],\"details\":\"leds=none\"}"));
	assert_non_null(strstr(strbuf_str(&out),
			       "\"port\":null,\"busid\":null,\"vid\":\"1209\",\"pid\":\"0001\""));
	assert_int_equal(run(v, false, &out, &err, "list --json"), 0);
	/* Over the socket: an object a line, for vusbctl to gather. */
	assert_ptr_equal(strstr(strbuf_str(&out), "{\"name\":\"mouse0\","), strbuf_str(&out));
	assert_int_equal(run(v, true, &out, &err, "list"), 0);
	assert_true(strncmp(strbuf_str(&out), "NAME", 4) == 0);
	assert_int_equal(run(v, false, &out, &err, "list --frob"), EXIT_USAGE);

	assert_int_equal(run(v, false, &out, &err, "nosuch move 1 1"), EXIT_NO_DEVICE);
	assert_int_equal(run(v, false, &out, &err, "mouse0 frobnicate"), EXIT_USAGE);
	assert_non_null(strstr(strbuf_str(&err), "unknown command 'frobnicate'"));
	assert_null(strstr(strbuf_str(&err), "did you mean"));
	strbuf_reset(&err);
	assert_int_equal(run(v, false, &out, &err, "mouse0 mvoe 1 1"), EXIT_USAGE);
	assert_string_equal(strbuf_str(&err),
			    "mouse0: unknown command 'mvoe' for a mouse: did you mean 'move'?");
	assert_int_equal(run(v, false, &out, &err, "mouse0 move 1"), EXIT_USAGE);
	assert_non_null(strstr(strbuf_str(&err), "usage: mouse0 move"));
	assert_int_equal(run(v, false, &out, &err, "mouse0 move x 1"), EXIT_USAGE);
	assert_int_equal(run(v, false, &out, &err, "mouse0"), EXIT_USAGE);
	assert_int_equal(run(v, false, &out, &err, "keyboard0 leds"), 0);
	assert_string_equal(strbuf_str(&out), "none\n");
	assert_int_equal(run(v, false, &out, &err, "keyboard0 leds --json"), 0);
	assert_string_equal(strbuf_str(&out), "{\"leds\":[]}\n");
	assert_int_equal(run(v, false, &out, &err, "keyboard0 leds --jsn"), EXIT_USAGE);
	assert_string_equal(strbuf_str(&err), "keyboard0: usage: leds [--json]");
	assert_int_equal(run(v, false, &out, &err, "mouse0 faults --json"), 0);
	assert_string_equal(strbuf_str(&out), "{\"faults\":[],\"model\":[]}\n");
	assert_int_equal(run(v, false, &out, &err, "mouse0 fault stall --ep 0x81 --count 2"), 0);
	assert_int_equal(run(v, false, &out, &err, "mouse0 faults --json"), 0);
	assert_string_equal(strbuf_str(&out),
			    "{\"faults\":[{\"id\":1,\"spec\":\"stall --ep 0x81 --count 2\",\"fired\":0,"
			    "\"spent\":false,\"holding\":0}],\"model\":[]}\n");
	assert_int_equal(run(v, false, &out, &err, "mouse0 fault clear"), 0);
	assert_int_equal(run(v, false, &out, &err, "mouse0 faults --jsn"), EXIT_USAGE);
	/* The short form only on a terminal. */
	assert_int_equal(run(v, false, &out, &err, "leds"), EXIT_NO_DEVICE);
	assert_int_equal(run(v, true, &out, &err, "leds"), 0);
	assert_int_equal(run(v, true, &out, &err, "help"), 0);
	assert_non_null(strstr(strbuf_str(&out), "move"));

	assert_int_equal(run(v, false, &out, &err, "detach"), EXIT_USAGE);
	assert_int_equal(run(v, false, &out, &err, "detach nosuch"), EXIT_NO_DEVICE);
	assert_int_equal(run(v, false, &out, &err, "detach mouse1"), 0);
	assert_int_equal(run(v, false, &out, &err, "keyboard0 detach"), 0);
	assert_int_equal(vusb_count(v), 1);
	assert_int_equal(run(v, false, &out, &err, "mouse1 move 1 1"), EXIT_NO_DEVICE);

	vusb_free(v);
	loop_free(loop);
	strbuf_free(&out);
	strbuf_free(&err);
}

/*
 * A command that names a file takes it as a descriptor from the control
 * socket: a bare path there would be opened with vusb-attach's rights
 * (root before the drop), for any member of the socket's group.
 */
static void insert_needs_descriptor(void **state)
{
	struct strbuf out = { 0 }, err = { 0 };
	struct vusb_dev_opts o = { .vid = -1, .pid = -1 };
	char path[] = "/tmp/vusb-test-insert-XXXXXX", line[64];
	char *argv[3] = { "storage0", "insert", path };
	struct loop *loop;
	struct vusb *v;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 64 * 1024), 0);
	close(fd);
	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(vusb_new(loop, NULL, &v), 0);
	assert_int_equal(vusb_add(v, vusb_model_find("storage"), &o, &err), 0);

	/* The raw request a custom client can send: no descriptor. */
	assert_int_equal(vusb_ctl_handle(3, argv, NULL, 0, &out, &err, v), EXIT_USAGE);
	assert_non_null(strstr(strbuf_str(&err), "storage0: insert needs the file sent"));
	assert_int_equal(run(v, false, &out, &err, "list"), 0);
	assert_non_null(strstr(strbuf_str(&out), "no medium"));
	/* The same through vusb_command() from the socket side. */
	snprintf(line, sizeof(line), "storage0 insert %s", path);
	assert_int_equal(run(v, false, &out, &err, line), EXIT_USAGE);
	/* With a descriptor, or typed on vusb-attach's terminal, it works. */
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	strbuf_reset(&err);
	assert_int_equal(vusb_ctl_handle(3, argv, &fd, 1, &out, &err, v), 0);
	assert_int_equal(run(v, false, &out, &err, "storage0 eject"), 0);
	assert_int_equal(run(v, true, &out, &err, line), 0);
	assert_int_equal(run(v, false, &out, &err, "list"), 0);
	assert_non_null(strstr(strbuf_str(&out), path));

	vusb_free(v);
	loop_free(loop);
	unlink(path);
	strbuf_free(&out);
	strbuf_free(&err);
}

/* The fault commands every device has, and --fault on the command line. */
static void fault_commands(void **state)
{
	struct strbuf out = { 0 }, err = { 0 };
	struct vusb_dev_opts o = { .vid = -1, .pid = -1 };
	struct loop *loop;
	struct vusb *v;
	struct cli c;

	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--fault", "stall --ep 0x81", "--fault",
				       "nak 10", NULL),
			 0);
	assert_int_equal(c.devices[0].opts.nfaults, 2);
	assert_string_equal(c.devices[0].opts.faults[1], "nak 10");
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--fault", "stall --ep 0x100", NULL),
			 -EINVAL);
	assert_string_equal(strbuf_str(&err), "invalid --fault 'stall --ep 0x100': --ep '0x100': "
					      "an endpoint address such as 0x81, 0x02 or 0");
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--fault", NULL), -EINVAL);

	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(vusb_new(loop, NULL, &v), 0);
	o.faults[0] = "error EPROTO --ep 0x81 --forever";
	o.nfaults = 1;
	assert_int_equal(vusb_add(v, vusb_model_find("mouse"), &o, &err), 0);
	o.nfaults = 0;
	assert_int_equal(vusb_add(v, vusb_model_find("keyboard"), &o, &err), 0);

	assert_int_equal(run(v, false, &out, &err, "mouse0 faults"), 0);
	assert_string_equal(strbuf_str(&out), "1\terror EPROTO --ep 0x81 --forever\tfired 0\n");
	assert_int_equal(
		run(v, false, &out, &err, "mouse0 fault stall --at-request set_configuration"), 0);
	assert_string_equal(strbuf_str(&out),
			    "fault 2: stall --at-request set_configuration --count 1\n");
	assert_int_equal(run(v, false, &out, &err, "mouse0 fault explode"), EXIT_USAGE);
	assert_string_equal(strbuf_str(&err), "mouse0: unknown fault 'explode': stall, nak MS, "
					      "timeout, error ERRNO, short BYTES, corrupt, "
					      "descriptor MODE TYPE, slow MS, reset-storm");
	/* A mouse has no commands to slow: refused, nothing set. */
	assert_int_equal(run(v, false, &out, &err, "mouse0 fault slow 100"), EXIT_FAILURE_);
	assert_string_equal(strbuf_str(&err),
			    "mouse0: slow counts commands, which this device has none of "
			    "(mass storage has)");
	assert_int_equal(run(v, false, &out, &err, "mouse0 fault"), EXIT_USAGE);
	/* per device */
	assert_int_equal(run(v, false, &out, &err, "keyboard0 faults"), 0);
	assert_string_equal(strbuf_str(&out), "");
	assert_int_equal(run(v, false, &out, &err, "mouse0 fault clear 7"), EXIT_FAILURE_);
	assert_string_equal(strbuf_str(&err), "mouse0: no fault 7 (see: vusbctl mouse0 faults)");
	assert_int_equal(run(v, false, &out, &err, "mouse0 fault clear x"), EXIT_USAGE);
	assert_int_equal(run(v, false, &out, &err, "mouse0 fault clear 1"), 0);
	assert_int_equal(run(v, false, &out, &err, "mouse0 faults"), 0);
	assert_string_equal(strbuf_str(&out),
			    "2\tstall --at-request set_configuration --count 1\tfired 0\n");
	assert_int_equal(run(v, false, &out, &err, "mouse0 fault clear"), 0);
	assert_int_equal(run(v, false, &out, &err, "mouse0 faults"), 0);
	assert_string_equal(strbuf_str(&out), "");
	assert_int_equal(run(v, false, &out, &err, "mouse0 faults now"), EXIT_USAGE);
	assert_int_equal(run(v, false, &out, &err, "mouse0 disconnect --for 0"), EXIT_USAGE);
	assert_int_equal(run(v, false, &out, &err, "mouse0 disconnect --for"), EXIT_USAGE);
	assert_int_equal(run(v, false, &out, &err, "mouse0 reconnect now"), EXIT_USAGE);
	assert_int_equal(run(v, true, &out, &err, "help"), 0);
	assert_non_null(strstr(strbuf_str(&out), "NAME fault SPEC"));

	vusb_free(v);
	loop_free(loop);
	strbuf_free(&out);
	strbuf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_round_trip), cmocka_unit_test(request_rejects),
		cmocka_unit_test(reply_parse),	      cmocka_unit_test(split_line),
		cmocka_unit_test(split_line_limit),   cmocka_unit_test(names),
		cmocka_unit_test(cli_devices),	      cmocka_unit_test(cli_errors),
		cmocka_unit_test(cli_capture),	      cmocka_unit_test(cli_ids),
		cmocka_unit_test(commands),	      cmocka_unit_test(insert_needs_descriptor),
		cmocka_unit_test(fault_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
