// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/app/models.h"
#include "src/app/cli.h"
#include "src/base/num.h"
#include "src/base/suggest.h"
#include "src/ctl/ctl.h"
#include "src/usb/fault.h"

int cli_parse_id(const char *s, int *ret)
{
	long long v;

	/* Four hex digits at most, as IDs are written (an optional 0x). */
	if (strlen(s) > (strncasecmp(s, "0x", 2) ? 4u : 6u))
		return -EINVAL;
	if (num_parse(s, 16, 0, 0xffff, &v) < 0)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

static int parse_speed(const char *s, enum usb_speed *ret)
{
	static const struct {
		const char *name;
		enum usb_speed speed;
	} speeds[] = {
		{ "low", USB_SPEED_LOW },     { "full", USB_SPEED_FULL },
		{ "high", USB_SPEED_HIGH },   { "super", USB_SPEED_SUPER },
		{ "super-plus", USB_SPEED_SUPER_PLUS },
	};
	size_t i;

	for (i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++) {
		if (strcmp(s, speeds[i].name) == 0) {
			*ret = speeds[i].speed;
			return 0;
		}
	}
	return -EINVAL;
}

/* Does this option take a value? */
static bool needs_value(const char *opt)
{
	static const char *const with_value[] = {
		"--name", "--vid", "--pid", "--serial", "--product", "--manufacturer",
		"--speed", "--count", "--fault",
	};
	size_t i;

	for (i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++)
		if (strcmp(opt, with_value[i]) == 0)
			return true;
	return false;
}

static int device_option(struct cli_device *d, const char *opt, const char *val,
			 struct strbuf *err)
{
	if (strcmp(opt, "--name") == 0) {
		if (!ctl_name_valid(val)) {
			strbuf_printf(err, "invalid --name '%s': use up to %d letters, digits, '_', '.' or '-'",
				      val, CTL_NAME_MAX - 1);
			return -EINVAL;
		}
		d->opts.name = val;
	} else if (strcmp(opt, "--vid") == 0 || strcmp(opt, "--pid") == 0) {
		int *dst = opt[2] == 'v' ? &d->opts.vid : &d->opts.pid;

		if (cli_parse_id(val, dst) < 0) {
			strbuf_printf(err, "invalid %s '%s': expected a hexadecimal ID such as 1209", opt, val);
			return -EINVAL;
		}
	} else if (strcmp(opt, "--serial") == 0) {
		d->opts.serial = val;
	} else if (strcmp(opt, "--product") == 0) {
		d->opts.product = val;
	} else if (strcmp(opt, "--manufacturer") == 0) {
		d->opts.manufacturer = val;
	} else if (strcmp(opt, "--speed") == 0) {
		if (parse_speed(val, &d->opts.speed) < 0) {
			strbuf_printf(err, "invalid --speed '%s': use low, full, high, super or super-plus", val);
			return -EINVAL;
		}
	} else if (strcmp(opt, "--capture") == 0) {
		if (!*val) {
			strbuf_printf(err, "--capture needs a file name (or - for standard output)");
			return -EINVAL;
		}
		d->capture = val;
	} else if (strcmp(opt, "--capture-snaplen") == 0) {
		long long n;

		if (num_parse(val, 10, 1, CAPTURE_MAX_SNAPLEN, &n) < 0) {
			strbuf_printf(err, "invalid --capture-snaplen '%s': bytes of data kept per transfer, 1 to %u",
				      val, CAPTURE_MAX_SNAPLEN);
			return -EINVAL;
		}
		d->capture_snaplen = (uint32_t)n;
	} else if (strcmp(opt, "--count") == 0) {
		long long n;

		if (num_parse(val, 10, 1, CLI_MAX_DEVICES, &n) < 0) {
			strbuf_printf(err, "invalid --count '%s': 1 to %d", val, CLI_MAX_DEVICES);
			return -EINVAL;
		}
		d->count = (unsigned int)n;
	} else if (strcmp(opt, "--fault") == 0) {
		struct usb_fault_spec spec;
		struct strbuf why = { 0 };

		if (d->opts.nfaults == VUSB_MAX_FAULT_OPTS) {
			strbuf_printf(err, "more than %d --fault for one device", VUSB_MAX_FAULT_OPTS);
			return -EINVAL;
		}
		if (usb_fault_parse_text(val, strlen(val), &spec, &why) < 0) {
			strbuf_printf(err, "invalid --fault '%s': %s", val, strbuf_str(&why));
			strbuf_free(&why);
			return -EINVAL;
		}
		d->opts.faults[d->opts.nfaults++] = val;
	} else {
		strbuf_printf(err, "unknown option '%s' for %s", opt, d->model->name);
		return -EINVAL;
	}
	return 0;
}

/*
 * Does this word look like --listen's optional value rather than a DEVICE?
 * A host name does when it has a dot or a port, or is localhost; another
 * one-word name could be a misspelt device: that takes --listen=NAME.
 */
static bool listen_value(const char *arg)
{
	return (arg[0] >= '0' && arg[0] <= '9') || arg[0] == ':' || arg[0] == '[' ||
	       (server_is_hostname(arg) && (strchr(arg, '.') || strcmp(arg, "localhost") == 0)) ||
	       (strchr(arg, ':') && arg[0] != '-');
}

static int listen_option(struct cli *c, const char *opt, const char *val, struct strbuf *err)
{
	if (strcmp(opt, "--listen") == 0) {
		c->listen_host[0] = '\0';
		if (server_parse_listen(val, &c->server.listen) < 0 &&
		    server_split_host(val, c->listen_host, &c->listen_port) < 0) {
			strbuf_printf(err, "invalid --listen '%s': use [HOST][:PORT] or PORT, e.g. 3240, 0.0.0.0:3240, [::]:3240 or localhost:3240",
				      val);
			return -EINVAL;
		}
		c->listen = true;
		return 0;
	}
	if (strcmp(opt, "--allow-user") == 0) {
		if (c->nallow_user >= CLI_MAX_ALLOW_USER) {
			strbuf_printf(err, "too many --allow-user (at most %d)",
				      CLI_MAX_ALLOW_USER);
			return -EINVAL;
		}
		if (!val[0]) {
			strbuf_printf(err,
				      "option '--allow-user' needs a user or group name, or any");
			return -EINVAL;
		}
		c->allow_user[c->nallow_user++] = val;
		return 0;
	}
	if (c->server.nallow + c->nallow_host >= SERVER_MAX_ALLOW) {
		strbuf_printf(err, "too many --allow (at most %d)", SERVER_MAX_ALLOW);
		return -EINVAL;
	}
	if (server_parse_cidr(val, &c->server.allow[c->server.nallow]) == 0) {
		c->server.nallow++;
		return 0;
	}
	if (server_is_hostname(val)) {
		c->allow_host[c->nallow_host++] = val;
		return 0;
	}
	strbuf_printf(err, "invalid --allow '%s': use a host name, an address or ADDR/PREFIX, such as 192.168.1.0/24 or fd00::/8",
		      val);
	return -EINVAL;
}

/* Every option vusb-attach knows, for "did you mean". */
static const char *const all_options[] = {
	"--help", "--version", "--verbose", "--quiet", "--no-stdin", "--no-load", "--daemon",
	"--pidfile", "--user", "--wait-ready", "--config", "--cpu", "--listen", "--allow",
	"--allow-user", "--name", "--vid", "--pid", "--serial", "--product", "--manufacturer",
	"--speed", "--count", "--local", "--capture", "--capture-snaplen", "--fault",
};

static void unknown_device(const char *arg, struct strbuf *err)
{
	const char *names[64] = { 0 };
	const struct vusb_model *const *m;
	const char *near;
	size_t n = 0;

	for (m = vusb_models; *m && n < sizeof(names) / sizeof(names[0]); m++)
		names[n++] = (*m)->name;
	near = suggest(arg, names, n);
	if (near)
		strbuf_printf(err, "unknown device '%s': did you mean '%s'? (see --help)", arg, near);
	else
		strbuf_printf(err, "unknown device '%s' (see --help)", arg);
}

/* An unknown option: the nearest of the program's, or of any model's. */
static void unknown_option(const struct cli *c, const char *opt, struct strbuf *err)
{
	const char *names[128] = { 0 };
	const struct vusb_model *const *m;
	const struct vusb_model_option *o;
	const char *near;
	size_t n = 0, i;

	for (i = 0; i < sizeof(all_options) / sizeof(all_options[0]); i++)
		names[n++] = all_options[i];
	for (m = vusb_models; *m; m++)
		for (o = (*m)->options; o && o->name && n < sizeof(names) / sizeof(names[0]); o++)
			names[n++] = o->name;
	near = suggest(opt, names, n);
	if (near)
		strbuf_printf(err, "unknown option '%s': did you mean '%s'?", opt, near);
	else
		strbuf_printf(err, "unknown option '%s'", opt);
}

/* Is s a number of seconds (a separate --wait-ready value)? */
static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

static int global_option(struct cli *c, const char *opt, struct strbuf *err)
{
	if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0)
		c->help = true;
	else if (strcmp(opt, "-V") == 0 || strcmp(opt, "--version") == 0)
		c->version = true;
	else if (strcmp(opt, "-v") == 0 || strcmp(opt, "--verbose") == 0)
		c->verbosity++;
	else if (strcmp(opt, "-q") == 0 || strcmp(opt, "--quiet") == 0)
		c->verbosity--;
	else if (strcmp(opt, "--no-stdin") == 0)
		c->no_stdin = true;
	else if (strcmp(opt, "--no-load") == 0)
		c->no_load = true;
	else if (strcmp(opt, "-d") == 0 || strcmp(opt, "--daemon") == 0)
		c->daemon = true;
	else if (opt[0] == '-' && (opt[1] == 'v' || opt[1] == 'q') &&
		 strspn(opt + 1, opt[1] == 'v' ? "v" : "q") == strlen(opt + 1))
		/* -vv, -qq: as often as the letter is there. */
		c->verbosity += (opt[1] == 'v' ? 1 : -1) * (int)strlen(opt + 1);
	else {
		unknown_option(c, opt, err);
		return -EINVAL;
	}
	return 0;
}

/*
 * --pidfile FILE, --config NAME, --user NAME, --wait-ready[=SECONDS],
 * --cpu N|auto|off, --capture FILE, --capture-snaplen N.
 */
static int service_option(struct cli *c, const char *opt, const char *val, struct strbuf *err)
{
	long long n;

	if (strcmp(opt, "--pidfile") == 0) {
		if (!*val) {
			strbuf_printf(err, "--pidfile needs a file name");
			return -EINVAL;
		}
		c->pidfile = val;
		return 0;
	}
	if (strcmp(opt, "--user") == 0) {
		if (!*val || strlen(val) > 32 || val[0] == '-') {
			strbuf_printf(err, "invalid --user '%s': a user name", val);
			return -EINVAL;
		}
		c->user = val;
		return 0;
	}
	if (strcmp(opt, "--capture") == 0) {
		if (!*val) {
			strbuf_printf(err, "--capture needs a file name (or - for standard output)");
			return -EINVAL;
		}
		c->capture = val;
		return 0;
	}
	if (strcmp(opt, "--capture-snaplen") == 0) {
		if (num_parse(val, 10, 1, CAPTURE_MAX_SNAPLEN, &n) < 0) {
			strbuf_printf(err, "invalid --capture-snaplen '%s': bytes of data kept per transfer, 1 to %u",
				      val, CAPTURE_MAX_SNAPLEN);
			return -EINVAL;
		}
		c->capture_snaplen = (uint32_t)n;
		return 0;
	}
	if (strcmp(opt, "--cpu") == 0) {
		if (strcmp(val, "auto") == 0) {
			c->cpu = AFFINITY_AUTO;
		} else if (strcmp(val, "off") == 0) {
			c->cpu = AFFINITY_OFF;
		} else if (num_parse(val, 10, 0, CPU_SETSIZE - 1, &n) == 0) {
			c->cpu = (int)n;
		} else {
			strbuf_printf(err,
				      "invalid --cpu '%s': a CPU number (0 to %d), auto or off",
				      val, CPU_SETSIZE - 1);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(opt, "--config") == 0) {
		if (!*val) {
			strbuf_printf(err, "--config needs a name (or a path)");
			return -EINVAL;
		}
		c->config = val;
		return 0;
	}
	if (!val) {
		c->wait_ready = CLI_WAIT_READY_DEFAULT;
		return 0;
	}
	if (num_parse(val, 10, 0, 86400, &n) < 0) {
		strbuf_printf(err, "invalid --wait-ready '%s': seconds, 0 to 86400 (0: no limit)", val);
		return -EINVAL;
	}
	c->wait_ready = (int)n;
	return 0;
}

int cli_parse(int argc, char **argv, struct cli *ret, struct strbuf *err)
{
	struct cli *c = calloc(1, sizeof(*c));
	struct cli_device *cur = NULL;
	int i, r = 0, dashes;
	unsigned int k;

	if (!c)
		return -ENOMEM;
	c->wait_ready = -1;
	c->cpu = AFFINITY_AUTO;
	for (i = 1; i < argc && r == 0; i++) {
		const char *arg = argv[i];
		char opt[32];
		const char *val = NULL, *eq;

		if (cur && cur->model->positional && !cur->opts.positional &&
		    (arg[0] != '-' || arg[1] == '\0') &&
		    !(cur->model->positional_optional && vusb_model_find(arg))) {
			/* The model's argument: "storage disk.img". */
			cur->opts.positional = arg;
			continue;
		}
		if (arg[0] != '-' || arg[1] == '\0') {
			const struct vusb_model *m = vusb_model_find(arg);

			if (!m) {
				unknown_device(arg, err);
				r = -EINVAL;
				break;
			}
			if (c->ndevices >= CLI_MAX_DEVICES) {
				strbuf_printf(err, "too many devices (at most %d)", CLI_MAX_DEVICES);
				r = -EINVAL;
				break;
			}
			if (cur && cur->model->positional && !cur->opts.positional &&
			    !cur->model->positional_optional) {
				strbuf_printf(err, "%s needs %s", cur->model->name,
					      cur->model->positional);
				r = -EINVAL;
				break;
			}
			cur = &c->devices[c->ndevices++];
			cur->model = m;
			cur->opts.vid = -1;
			cur->opts.pid = -1;
			cur->count = 1;
			continue;
		}

		eq = strchr(arg, '=');
		if (strncmp(arg, "--", 2) == 0 && eq) {
			if ((size_t)(eq - arg) >= sizeof(opt)) {
				strbuf_printf(err, "unknown option '%s'", arg);
				r = -EINVAL;
				break;
			}
			memcpy(opt, arg, (size_t)(eq - arg));
			opt[eq - arg] = '\0';
			val = eq + 1;
		} else {
			snprintf(opt, sizeof(opt), "%s", arg);
		}

		if (strcmp(opt, "--capture") == 0 || strcmp(opt, "--capture-snaplen") == 0) {
			/* Before the devices: all of them; after one: that one. */
			if (!val) {
				if (i + 1 >= argc) {
					strbuf_printf(err, "option '%s' needs a value", opt);
					r = -EINVAL;
					break;
				}
				val = argv[++i];
			}
			r = cur ? device_option(cur, opt, val, err) : service_option(c, opt, val, err);
			continue;
		}
		if (strcmp(opt, "--pidfile") == 0 || strcmp(opt, "--config") == 0 ||
		    strcmp(opt, "--user") == 0 || strcmp(opt, "--wait-ready") == 0 ||
		    strcmp(opt, "--cpu") == 0) {
			if (cur) {
				strbuf_printf(err, "option '%s' belongs before the devices", opt);
				r = -EINVAL;
				break;
			}
			if (!val && opt[2] != 'w') {
				if (i + 1 >= argc) {
					strbuf_printf(err, "option '%s' needs a value", opt);
					r = -EINVAL;
					break;
				}
				val = argv[++i];
			} else if (!val && i + 1 < argc && all_digits(argv[i + 1])) {
				/* --wait-ready 5 as well as --wait-ready=5: no DEVICE is a number. */
				val = argv[++i];
			}
			r = service_option(c, opt, val, err);
			continue;
		}
		if (strcmp(opt, "--listen") == 0 || strcmp(opt, "--allow") == 0 ||
		    strcmp(opt, "--allow-user") == 0) {
			if (cur) {
				strbuf_printf(err, "option '%s' belongs before the devices", opt);
				r = -EINVAL;
				break;
			}
			if (!val && opt[2] == 'a') {
				if (i + 1 >= argc) {
					strbuf_printf(err, "option '%s' needs a value", opt);
					r = -EINVAL;
					break;
				}
				val = argv[++i];
			} else if (!val && i + 1 < argc && listen_value(argv[i + 1])) {
				val = argv[++i];
			}
			r = listen_option(c, opt, val ? val : "", err);
			continue;
		}
		if (cur && strcmp(opt, "--local") == 0) {
			if (val) {
				strbuf_printf(err, "option '%s' takes no value", opt);
				r = -EINVAL;
				break;
			}
			cur->local = true;
			continue;
		}
		if (cur && vusb_model_option(cur->model, opt)) {
			const struct vusb_model_option *mo = vusb_model_option(cur->model, opt);

			if (mo->arg && !val) {
				if (i + 1 >= argc) {
					strbuf_printf(err, "option '%s' needs %s", opt, mo->arg);
					r = -EINVAL;
					break;
				}
				val = argv[++i];
			} else if (!mo->arg && val) {
				strbuf_printf(err, "option '%s' takes no value", opt);
				r = -EINVAL;
				break;
			}
			if (cur->opts.nextra >= VUSB_MAX_MODEL_OPTS) {
				strbuf_printf(err, "too many options for %s", cur->model->name);
				r = -EINVAL;
				break;
			}
			cur->opts.extra[cur->opts.nextra].name = mo->name;
			cur->opts.extra[cur->opts.nextra++].value = val ? val : "";
			continue;
		}
		if (!cur || !needs_value(opt)) {
			if (val || needs_value(opt)) {
				strbuf_printf(err, needs_value(opt) ?
						   "option '%s' belongs after the device it applies to" :
						   "option '%s' takes no value", opt);
				r = -EINVAL;
				break;
			}
			r = global_option(c, opt, err);
			/* vusb-attach storage --help: that device's help. */
			if (r == 0 && cur && c->help && !c->help_model)
				c->help_model = cur->model;
			continue;
		}
		if (!val) {
			if (i + 1 >= argc) {
				strbuf_printf(err, "option '%s' needs a value", opt);
				r = -EINVAL;
				break;
			}
			val = argv[++i];
		}
		r = device_option(cur, opt, val, err);
	}

	if (r == 0 && c->config && c->ndevices && !c->help) {
		strbuf_printf(err, "--config takes the devices from the file: give no DEVICE here");
		r = -EINVAL;
	}
	/* A daemon or a server may start empty: vusbctl add brings devices. */
	if (r == 0 && !c->help && !c->version && !c->config && c->ndevices == 0 && !c->daemon &&
	    !c->listen) {
		strbuf_printf(err, "no device given (try: vusb-attach mouse)");
		r = -EINVAL;
	}
	dashes = c->capture && strcmp(c->capture, "-") == 0;
	for (i = 0; r == 0 && (unsigned int)i < c->ndevices; i++) {
		struct cli_device *d = &c->devices[i];

		c->total += d->count;
		/* DEVICE --help: what the device would need is not asked for yet. */
		if (c->help)
			continue;
		if (d->model->positional && !d->opts.positional && !d->model->positional_optional) {
			strbuf_printf(err, "%s needs %s", d->model->name, d->model->positional);
			r = -EINVAL;
			break;
		}

		if (d->local && !c->listen) {
			strbuf_printf(err, "--local only makes sense with --listen");
			r = -EINVAL;
			break;
		}
		if (d->capture_snaplen && !d->capture) {
			strbuf_printf(err, "--capture-snaplen only makes sense with --capture");
			r = -EINVAL;
			break;
		}
		if (d->capture && d->count > 1) {
			strbuf_printf(err, "--count cannot be combined with a device's --capture (give the program --capture instead)");
			r = -EINVAL;
			break;
		}
		if (d->capture && strcmp(d->capture, "-") == 0 && dashes++) {
			strbuf_printf(err, "only one --capture can write to standard output");
			r = -EINVAL;
			break;
		}
		if (d->capture && strcmp(d->capture, "-") == 0 && c->daemon) {
			strbuf_printf(err, "--capture - writes to standard output, which a --daemon has not: give a file");
			r = -EINVAL;
			break;
		}
		if (d->count > 1 && (d->opts.name || d->opts.serial)) {
			strbuf_printf(err, "--count cannot be combined with --name or --serial");
			r = -EINVAL;
		}
	}
	if (r == 0 && c->capture_snaplen && !c->capture) {
		strbuf_printf(err, "--capture-snaplen only makes sense with --capture");
		r = -EINVAL;
	}
	if (r == 0 && c->daemon && c->capture && strcmp(c->capture, "-") == 0) {
		strbuf_printf(err, "--capture - writes to standard output, which a --daemon has not: give a file");
		r = -EINVAL;
	}
	if (r == 0 && (c->server.nallow || c->nallow_host) && !c->listen) {
		strbuf_printf(err, "--allow only makes sense with --listen");
		r = -EINVAL;
	}
	if (r == 0 && c->nallow_user && !c->listen) {
		strbuf_printf(err, "--allow-user only makes sense with --listen");
		r = -EINVAL;
	}
	for (k = 0; r == 0 && c->nallow_user > 1 && k < c->nallow_user; k++) {
		if (strcmp(c->allow_user[k], "any") == 0) {
			strbuf_printf(err, "--allow-user any admits every user: it goes alone");
			r = -EINVAL;
		}
	}
	if (r == 0 && c->total > CLI_MAX_DEVICES) {
		strbuf_printf(err, "too many devices (at most %d)", CLI_MAX_DEVICES);
		r = -EINVAL;
	}
	if (r == 0) {
		/* What is used only: devices[] is 90 KiB and mostly empty, and
		 * pages never written cost the process no memory. */
		memcpy(ret, c, offsetof(struct cli, devices));
		memcpy(ret->devices, c->devices, c->ndevices * sizeof(c->devices[0]));
		ret->ndevices = c->ndevices;
		ret->total = c->total;
	}
	free(c);
	return r;
}
