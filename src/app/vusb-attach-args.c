// SPDX-License-Identifier: MIT
/*
 * vusb-attach: what the command line and --config name, checked before
 * anything is made: host names resolved, --allow-user looked up, the
 * configuration file read (src/app/vusb-attach.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/app/allowuser.h"
#include "src/app/cli.h"
#include "src/app/config.h"
#include "src/app/privs.h"
#include "src/app/vusb-attach.h"
#include "src/ctl/ctl.h"
#include "src/usbip/server.h"

/* Does any device go to this machine's vhci_hcd? */
bool any_local(const struct cli *c)
{
	unsigned int i;

	/* An empty daemon waits for vusbctl add: attached here, unless --listen. */
	if (c->ndevices == 0)
		return !c->listen;
	for (i = 0; i < c->ndevices; i++)
		if (!c->listen || c->devices[i].local)
			return true;
	return false;
}

/*
 * Host names of --listen and --allow: every address of each, looked up
 * once, before anything binds; one that does not resolve is exit 2 with
 * the resolver's message. EXIT_*.
 */
int resolve_names(struct cli *c)
{
	struct server_addr a[SERVER_MAX_LISTEN];
	struct strbuf err = { 0 };
	unsigned int i, k;
	int n;

	if (c->listen && c->listen_host[0]) {
		n = server_resolve(c->listen_host, c->listen_port, a, SERVER_MAX_LISTEN, &err);
		if (n < 0) {
			fprintf(stderr, "vusb-attach: --listen %s: cannot resolve %s: %s\n",
				c->listen_host, c->listen_host, strbuf_str(&err));
			strbuf_free(&err);
			return n == -ENOMEM ? EXIT_FAILURE_ : EXIT_USAGE;
		}
		c->server.listen = a[0];
		for (k = 1; k < (unsigned int)n; k++)
			c->listen_more[k - 1] = a[k];
		c->nlisten_more = (unsigned int)n - 1;
	}
	for (i = 0; i < c->nallow_host; i++) {
		n = server_resolve(c->allow_host[i], 0, a, SERVER_MAX_LISTEN, &err);
		if (n < 0) {
			fprintf(stderr, "vusb-attach: --allow %s: cannot resolve %s: %s\n",
				c->allow_host[i], c->allow_host[i], strbuf_str(&err));
			strbuf_free(&err);
			return n == -ENOMEM ? EXIT_FAILURE_ : EXIT_USAGE;
		}
		for (k = 0; k < (unsigned int)n; k++) {
			if (c->server.nallow >= SERVER_MAX_ALLOW) {
				fprintf(stderr, "vusb-attach: --allow: more than %d addresses\n",
					SERVER_MAX_ALLOW);
				return EXIT_USAGE;
			}
			server_cidr_from_addr(&a[k], &c->server.allow[c->server.nallow++]);
		}
	}
	return EXIT_OK;
}

/* Is any address --listen binds a loopback one? */
static bool listens_on_loopback(const struct cli *c)
{
	unsigned int i;

	for (i = 0; i < c->nlisten_more; i++)
		if (server_addr_is_loopback(&c->listen_more[i]))
			return true;
	return server_addr_is_loopback(&c->server.listen);
}

/*
 * --allow-user: look the names up (a typo is exit 2, before anything is
 * created). Without it, --listen on loopback admits root, the user who
 * started us and group vusb; on another address nobody is checked (that
 * is --allow's job), and `--allow-user any` checks nobody. *ret_on says
 * whether peers are checked. EXIT_*.
 */
int allow_users(const struct cli *c, struct allowuser *a, bool *ret_on)
{
	struct strbuf err = { 0 };
	unsigned int i;
	int r;

	*ret_on = false;
	if (!c->listen || (c->nallow_user == 1 && strcmp(c->allow_user[0], "any") == 0))
		return EXIT_OK;
	for (i = 0; i < c->nallow_user; i++) {
		r = allowuser_add(a, c->allow_user[i], &err);
		if (r < 0) {
			fprintf(stderr, "vusb-attach: %s\n", strbuf_str(&err));
			strbuf_free(&err);
			return EXIT_USAGE;
		}
	}
	if (c->nallow_user == 0) {
		if (!listens_on_loopback(c))
			return EXIT_OK;
		r = allowuser_add_default(a, getuid());
		if (r < 0) {
			fprintf(stderr, "vusb-attach: cannot read group %s: %s\n", PRIVS_GROUP,
				strerror(-r));
			return EXIT_FAILURE_;
		}
	}
	*ret_on = true;
	return EXIT_OK;
}

/* --config NAME: the devices and options of a file. EXIT_* */
int load_config(int argc, char **argv, struct cli *cli, struct config **ret_cf)
{
	struct strbuf err = { 0 };
	char path[PATH_MAX], *text;
	size_t len;
	int r;

	r = config_path(cli->config, path, sizeof(path));
	if (r < 0) {
		fprintf(stderr, "vusb-attach: invalid --config '%s': a name of letters, digits and '_.-@' (for %s/NAME.conf), or a path with a '/'\n",
			cli->config, CONFIG_DIR);
		return EXIT_USAGE;
	}
	r = config_read(path, &text, &len);
	if (r < 0) {
		fprintf(stderr, "vusb-attach: %s: %s\n", path,
			r == -EFBIG ? "larger than 64 KiB: not a configuration file" : strerror(-r));
		return EXIT_USAGE;
	}
	r = config_parse(text, len, path, argc, argv, ret_cf, cli, &err);
	free(text);
	if (r < 0) {
		fprintf(stderr, "vusb-attach: %s\n", err.len ? strbuf_str(&err) : strerror(-r));
		strbuf_free(&err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
