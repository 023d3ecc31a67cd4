// SPDX-License-Identifier: MIT
/*
 * --listen and --allow: address and CIDR parsing (src/usbip/server.c's pure
 * part), matching peers, and how vusb-attach's command line takes them
 * with --local.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "src/app/cli.h"
#include "src/usbip/server.h"
#include "tests/lib/cliargs.h"

/* The address parsed from spec, formatted back. */
static const char *listen_str(const char *spec)
{
	static char buf[SERVER_ADDR_STRLEN];
	struct server_addr a;

	if (server_parse_listen(spec, &a) < 0)
		return "EINVAL";
	server_addr_format((struct sockaddr *)&a.ss, a.len, buf, sizeof(buf));
	return buf;
}

static void listen_addresses(void **state)
{
	assert_string_equal(listen_str(NULL), "127.0.0.1:3240");
	assert_string_equal(listen_str(""), "127.0.0.1:3240");
	assert_string_equal(listen_str(":0"), "127.0.0.1:0");
	assert_string_equal(listen_str(":65535"), "127.0.0.1:65535");
	assert_string_equal(listen_str("0.0.0.0"), "0.0.0.0:3240");
	assert_string_equal(listen_str("192.168.1.2:4000"), "192.168.1.2:4000");
	assert_string_equal(listen_str("[::]:3240"), "[::]:3240");
	assert_string_equal(listen_str("[::1]"), "[::1]:3240");
	assert_string_equal(listen_str("::"), "[::]:3240");
	assert_string_equal(listen_str("fd00::1"), "[fd00::1]:3240");
	assert_string_equal(listen_str("[fd00::1]:1"), "[fd00::1]:1");

	/* A bare port is on loopback, as :3240. */
	assert_string_equal(listen_str("3240"), "127.0.0.1:3240");
	assert_string_equal(listen_str("0"), "127.0.0.1:0");
	assert_string_equal(listen_str("65536"), "EINVAL");
	assert_string_equal(listen_str("000003240"), "EINVAL");
	assert_string_equal(listen_str(":"), "EINVAL");
	assert_string_equal(listen_str(":65536"), "EINVAL");
	assert_string_equal(listen_str(":-1"), "EINVAL");
	assert_string_equal(listen_str(":32x"), "EINVAL");
	assert_string_equal(listen_str(":000003240"), "EINVAL");
	assert_string_equal(listen_str("localhost:3240"), "EINVAL"); /* numeric only */
	assert_string_equal(listen_str("1.2.3:4"), "EINVAL");
	assert_string_equal(listen_str("256.0.0.1"), "EINVAL");
	assert_string_equal(listen_str("::1:3240x"), "EINVAL");
	assert_string_equal(listen_str("[::1"), "EINVAL");
	assert_string_equal(listen_str("[::1]3240"), "EINVAL");
	assert_string_equal(listen_str("[]:3240"), "EINVAL");
	assert_string_equal(listen_str("[1.2.3.4]:3240"), "EINVAL");
	assert_string_equal(listen_str("1.2.3.4:"), "EINVAL");
}

static void sa4(struct sockaddr_storage *ss, socklen_t *len, const char *ip)
{
	struct sockaddr_in *s = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	s->sin_family = AF_INET;
	s->sin_port = htons(1234);
	assert_int_equal(inet_pton(AF_INET, ip, &s->sin_addr), 1);
	*len = sizeof(*s);
}

static void sa6(struct sockaddr_storage *ss, socklen_t *len, const char *ip)
{
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(1234);
	assert_int_equal(inet_pton(AF_INET6, ip, &s->sin6_addr), 1);
	*len = sizeof(*s);
}

static bool match(const char *cidr, const char *ip)
{
	struct server_cidr c;
	struct sockaddr_storage ss;
	socklen_t len;

	assert_int_equal(server_parse_cidr(cidr, &c), 0);
	if (strchr(ip, ':'))
		sa6(&ss, &len, ip);
	else
		sa4(&ss, &len, ip);
	return server_cidr_match(&c, (struct sockaddr *)&ss, len);
}

static void cidrs(void **state)
{
	struct server_cidr c;

	assert_true(match("10.0.0.0/8", "10.200.3.4"));
	assert_false(match("10.0.0.0/8", "11.0.0.1"));
	assert_true(match("192.168.1.0/25", "192.168.1.127"));
	assert_false(match("192.168.1.0/25", "192.168.1.128"));
	assert_true(match("192.168.1.7", "192.168.1.7"));
	assert_false(match("192.168.1.7", "192.168.1.8"));
	assert_true(match("0.0.0.0/0", "8.8.8.8"));
	/* host bits past the prefix do not matter */
	assert_true(match("10.1.2.3/8", "10.9.9.9"));
	/* IPv4 peers on a dual-stack socket arrive as ::ffff:a.b.c.d */
	assert_true(match("127.0.0.0/8", "::ffff:127.0.0.1"));
	assert_false(match("127.0.0.0/8", "::1"));
	assert_true(match("::ffff:10.0.0.0/104", "10.1.1.1"));
	assert_true(match("fd00::/8", "fd12:3456::1"));
	assert_false(match("fd00::/8", "fe80::1"));
	assert_true(match("::1", "::1"));
	assert_false(match("::1", "127.0.0.1"));
	assert_true(match("2001:db8::/33", "2001:db8:7fff::1"));
	assert_false(match("2001:db8::/33", "2001:db8:8000::1"));
	assert_true(match("::/0", "2001:db8::1"));
	assert_false(match("::/0", "1.2.3.4"));

	assert_int_equal(server_parse_cidr("10.0.0.0/33", &c), -EINVAL);
	assert_int_equal(server_parse_cidr("fd00::/129", &c), -EINVAL);
	assert_int_equal(server_parse_cidr("10.0.0.0/", &c), -EINVAL);
	assert_int_equal(server_parse_cidr("10.0.0.0/-1", &c), -EINVAL);
	assert_int_equal(server_parse_cidr("/8", &c), -EINVAL);
	assert_int_equal(server_parse_cidr("", &c), -EINVAL);
	assert_int_equal(server_parse_cidr("example.org/8", &c), -EINVAL);
	assert_int_equal(server_parse_cidr("[::1]/128", &c), -EINVAL);
}

static void loopback(void **state)
{
	struct server_addr a;
	const char *yes[] = { ":3240", "127.0.0.1", "127.1.2.3:1", "[::1]:5", "::ffff:127.0.0.1" };
	const char *no[] = { "0.0.0.0", "192.168.1.1", "[::]", "fd00::1", "::ffff:10.0.0.1" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_int_equal(server_parse_listen(yes[i], &a), 0);
		if (!server_addr_is_loopback(&a))
			fail_msg("%s is loopback", yes[i]);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		assert_int_equal(server_parse_listen(no[i], &a), 0);
		if (server_addr_is_loopback(&a))
			fail_msg("%s is not loopback", no[i]);
	}
}

static const char *cli_listen(const struct cli *c)
{
	static char buf[SERVER_ADDR_STRLEN];

	server_addr_format((struct sockaddr *)&c->server.listen.ss, c->server.listen.len, buf,
			   sizeof(buf));
	return buf;
}

static void cli_listen_options(void **state)
{
	static struct cli c;
	struct strbuf err = { 0 };

	/* Without --listen, nothing is exported. */
	assert_int_equal(cliargs_parse(&c, &err, "mouse", NULL), 0);
	assert_false(c.listen);

	/* A bare --listen before a DEVICE word takes the defaults. */
	assert_int_equal(cliargs_parse(&c, &err, "--listen", "mouse", "keyboard", "--local", NULL),
			 0);
	assert_true(c.listen);
	assert_string_equal(cli_listen(&c), "127.0.0.1:3240");
	assert_int_equal(c.ndevices, 2);
	assert_false(c.devices[0].local);
	assert_true(c.devices[1].local);
	assert_int_equal(c.server.nallow, 0);

	assert_int_equal(cliargs_parse(&c, &err, "--listen", ":0", "mouse", NULL), 0);
	assert_string_equal(cli_listen(&c), "127.0.0.1:0");
	assert_int_equal(cliargs_parse(&c, &err, "--listen", "[::]:3241", "mouse", NULL), 0);
	assert_string_equal(cli_listen(&c), "[::]:3241");
	assert_int_equal(cliargs_parse(&c, &err, "--listen=0.0.0.0", "mouse", NULL), 0);
	assert_string_equal(cli_listen(&c), "0.0.0.0:3240");
	assert_int_equal(cliargs_parse(&c, &err, "--listen", "-v", "mouse", NULL), 0);
	assert_int_equal(c.verbosity, 1);
	assert_string_equal(cli_listen(&c), "127.0.0.1:3240");

	assert_int_equal(cliargs_parse(&c, &err, "--allow", "10.0.0.0/8", "--listen", "0.0.0.0:1",
				       "--allow=fd00::/8", "mouse", NULL),
			 0);
	assert_int_equal(c.server.nallow, 2);
	assert_int_equal(c.server.allow[0].family, AF_INET);
	assert_int_equal(c.server.allow[0].prefix, 8);
	assert_int_equal(c.server.allow[1].family, AF_INET6);
	strbuf_free(&err);
}

static void cli_listen_errors(void **state)
{
	static struct cli c;
	struct strbuf err = { 0 };

	assert_int_equal(cliargs_parse(&c, &err, "--listen", "99999", "mouse", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "invalid --listen '99999'"));
	assert_int_equal(cliargs_parse(&c, &err, "--listen", "[::1]:99999", "mouse", NULL),
			 -EINVAL);
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--listen", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "before the devices"));
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--allow", "1.2.3.4", NULL), -EINVAL);
	assert_int_equal(
		cliargs_parse(&c, &err, "--listen", "--allow", "1.2.3.4/40", "mouse", NULL),
		-EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "invalid --allow '1.2.3.4/40'"));
	assert_int_equal(cliargs_parse(&c, &err, "--listen", "--allow", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "needs a value"));
	assert_int_equal(cliargs_parse(&c, &err, "--allow", "1.2.3.4", "mouse", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "only makes sense with --listen"));
	assert_int_equal(cliargs_parse(&c, &err, "mouse", "--local", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "only makes sense with --listen"));
	assert_int_equal(cliargs_parse(&c, &err, "--listen", "mouse", "--local=1", NULL), -EINVAL);
	assert_int_equal(cliargs_parse(&c, &err, "--local", "--listen", "mouse", NULL), -EINVAL);
	strbuf_free(&err);
}

static void usage_mentions_listen(void **state)
{
	struct strbuf out = { 0 };

	cli_usage(&out);
	assert_non_null(strstr(strbuf_str(&out), "--listen [HOST][:PORT]"));
	assert_non_null(strstr(strbuf_str(&out), "--allow CIDR|HOST"));
	assert_non_null(strstr(strbuf_str(&out), "--local"));
	assert_non_null(strstr(strbuf_str(&out), "no authentication"));
	strbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listen_addresses), cmocka_unit_test(cidrs),
		cmocka_unit_test(loopback),	    cmocka_unit_test(cli_listen_options),
		cmocka_unit_test(cli_listen_errors), cmocka_unit_test(usage_mentions_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
