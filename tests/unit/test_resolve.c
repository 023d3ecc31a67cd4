// SPDX-License-Identifier: MIT
/*
 * Host names for --listen and --allow: what is a name (src/usbip/resolve.c,
 * pure), how the command line takes one, and the lookup through the real
 * resolver ("localhost" from /etc/hosts, a .invalid name that never
 * resolves). Several addresses for one name: tests/host/listen-names.sh.
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
#include "src/usbip/resolve.h"
#include "tests/lib/cliargs.h"

static void host_names(void **state)
{
	static const char *const yes[] = {
		"localhost", "a", "example.com", "example.com.", "a-b.c-d", "x1", "1x.example",
		"usbip-server.lan",
	};
	static const char *const no[] = {
		"", ".", "a..b", ".a", "-a", "a-", "a.-b", "a_b", "a b", "1.2.3", "300.1.1.1",
		"127.0.0.1", "::1", "a/8", "ümlaut", "a:80",
	};
	char long_label[70], long_name[300];
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!server_is_hostname(yes[i]))
			fail_msg("'%s' is a host name", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (server_is_hostname(no[i]))
			fail_msg("'%s' is no host name", no[i]);
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	assert_false(server_is_hostname(long_label));
	long_label[63] = '\0';
	assert_true(server_is_hostname(long_label));
	/* 254 characters: one past RFC 1035's 253. */
	for (i = 0; i < 254; i++)
		long_name[i] = i % 2 ? '.' : 'a';
	long_name[253] = '\0';
	assert_true(server_is_hostname(long_name));
	long_name[253] = 'a';
	long_name[254] = '\0';
	assert_false(server_is_hostname(long_name));
}

static void split_host_port(void **state)
{
	char host[SERVER_HOST_MAX];
	uint16_t port = 1;

	assert_int_equal(server_split_host("localhost", host, &port), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 3240);
	assert_int_equal(server_split_host("usbip.lan:0", host, &port), 0);
	assert_string_equal(host, "usbip.lan");
	assert_int_equal(port, 0);
	assert_int_equal(server_split_host("a:65535", host, &port), 0);
	assert_int_equal(port, 65535);
	assert_int_equal(server_split_host("a:65536", host, &port), -EINVAL);
	assert_int_equal(server_split_host("a:+1", host, &port), -EINVAL);
	assert_int_equal(server_split_host("a:", host, &port), -EINVAL);
	assert_int_equal(server_split_host("a:1:2", host, &port), -EINVAL);
	assert_int_equal(server_split_host(":1", host, &port), -EINVAL);
	assert_int_equal(server_split_host("a_b:1", host, &port), -EINVAL);
	assert_int_equal(server_split_host("1.2.3:1", host, &port), -EINVAL);
}

static void cli_takes_names(void **state)
{
	static struct cli c;
	struct strbuf err = { 0 };

	assert_int_equal(cliargs_parse(&c, &err, "--listen", "localhost", "mouse", NULL), 0);
	assert_string_equal(c.listen_host, "localhost");
	assert_int_equal(c.listen_port, 3240);
	assert_int_equal(c.ndevices, 1);
	assert_int_equal(cliargs_parse(&c, &err, "--listen", "usbip.lan:0", "mouse", NULL), 0);
	assert_string_equal(c.listen_host, "usbip.lan");
	assert_int_equal(c.listen_port, 0);
	assert_int_equal(cliargs_parse(&c, &err, "--listen=box", "mouse", NULL), 0);
	assert_string_equal(c.listen_host, "box");
	/* A one-word name could be a misspelt device: that takes --listen=NAME. */
	assert_int_equal(cliargs_parse(&c, &err, "--listen", "mouse", NULL), 0);
	assert_string_equal(c.listen_host, "");
	assert_int_equal(c.ndevices, 1);
	/* An address after a name: the address wins, the name is gone. */
	assert_int_equal(cliargs_parse(&c, &err, "--listen=box", "--listen", ":0", "mouse", NULL),
			 0);
	assert_string_equal(c.listen_host, "");
	assert_int_equal(cliargs_parse(&c, &err, "--listen", "0.0.0.0", "--allow", "10.0.0.0/8",
				       "--allow", "laptop.lan", "--allow=desk", "mouse", NULL),
			 0);
	assert_int_equal(c.server.nallow, 1);
	assert_int_equal(c.nallow_host, 2);
	assert_string_equal(c.allow_host[0], "laptop.lan");
	assert_string_equal(c.allow_host[1], "desk");
	assert_int_equal(cliargs_parse(&c, &err, "--listen", "--allow", "1.2.3", "mouse", NULL),
			 -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "invalid --allow '1.2.3'"));
	assert_int_equal(cliargs_parse(&c, &err, "--listen=a_b", "mouse", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "invalid --listen 'a_b'"));
	assert_int_equal(cliargs_parse(&c, &err, "--allow", "laptop.lan", "mouse", NULL), -EINVAL);
	assert_non_null(strstr(strbuf_str(&err), "--allow only makes sense with --listen"));
	strbuf_free(&err);
}

static void the_resolver(void **state)
{
	struct server_addr a[4];
	struct server_cidr c;
	struct strbuf err = { 0 };
	char buf[SERVER_ADDR_STRLEN];
	int n, i, found = 0;

	n = server_resolve("localhost", 3241, a, 4, &err);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		server_addr_format((struct sockaddr *)&a[i].ss, a[i].len, buf, sizeof(buf));
		found |= strcmp(buf, "127.0.0.1:3241") == 0 || strcmp(buf, "[::1]:3241") == 0;
		/* No address twice. */
		if (i > 0)
			assert_memory_not_equal(&a[i].ss, &a[0].ss, a[0].len);
	}
	assert_true(found);
	/* At most max. */
	assert_int_equal(server_resolve("localhost", 1, a, 1, &err), 1);
	/* .invalid never resolves (RFC 6761): the resolver's message. */
	assert_int_equal(server_resolve("no-such-host.invalid", 1, a, 4, &err), -EADDRNOTAVAIL);
	assert_true(strbuf_str(&err)[0] != '\0');

	server_cidr_from_addr(&a[0], &c);
	assert_true(server_cidr_match(&c, (struct sockaddr *)&a[0].ss, a[0].len));
	assert_int_equal(c.prefix, c.family == AF_INET ? 32 : 128);
	strbuf_free(&err);
}

static void cidr_from_addresses(void **state)
{
	struct server_addr a = { 0 };
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a.ss;
	struct sockaddr_in peer = { .sin_family = AF_INET };
	struct server_cidr c;

	sin6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &sin6->sin6_addr);
	a.len = sizeof(*sin6);
	server_cidr_from_addr(&a, &c);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix, 32);
	inet_pton(AF_INET, "10.1.2.3", &peer.sin_addr);
	assert_true(server_cidr_match(&c, (struct sockaddr *)&peer, sizeof(peer)));
	inet_pton(AF_INET, "10.1.2.4", &peer.sin_addr);
	assert_false(server_cidr_match(&c, (struct sockaddr *)&peer, sizeof(peer)));
	inet_pton(AF_INET6, "fd00::1", &sin6->sin6_addr);
	server_cidr_from_addr(&a, &c);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.prefix, 128);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_names),	   cmocka_unit_test(split_host_port),
		cmocka_unit_test(cli_takes_names), cmocka_unit_test(the_resolver),
		cmocka_unit_test(cidr_from_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
