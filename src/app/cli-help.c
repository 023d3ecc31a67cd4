// SPDX-License-Identifier: MIT
/* vusb-attach's help texts: --help, and DEVICE --help (pure: into a strbuf). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "src/app/cli.h"
#include "src/app/models.h"
#include "src/ctl/ctl.h"

/* Append text at column `col`, wrapped before column 80, continued at `col`. */
static void put_wrapped(struct strbuf *out, size_t col, const char *text)
{
	size_t at = col, n;

	while (*text) {
		n = strcspn(text, " ");
		if (at > col && at + 1 + n > 79) {
			strbuf_printf(out, "\n%*s", (int)col, "");
			at = col;
		} else if (at > col) {
			strbuf_printf(out, " ");
			at++;
		}
		strbuf_printf(out, "%.*s", (int)n, text);
		at += n;
		text += n;
		text += strspn(text, " ");
	}
	strbuf_printf(out, "\n");
}

/* "  HEAD    TEXT": HEAD at `indent` in `width` columns, TEXT wrapped after it. */
static void put_item(struct strbuf *out, int indent, int width, const char *head, const char *text)
{
	int len = (int)strlen(head);

	strbuf_printf(out, "%*s%s", indent, "", head);
	if (len > width) {
		strbuf_printf(out, "\n%*s", indent + width + 1, "");
	} else {
		strbuf_printf(out, "%*s", width - len + 1, "");
	}
	put_wrapped(out, (size_t)(indent + width + 1), text);
}

static void model_usage(struct strbuf *out, const struct vusb_model *m)
{
	const struct vusb_model_option *o;
	char head[64];

	snprintf(head, sizeof(head), "%s%s%s%s", m->name,
		 m->positional ? (m->positional_optional ? " [" : " ") : "",
		 m->positional ? m->positional : "",
		 m->positional && m->positional_optional ? "]" : "");
	put_item(out, 2, 20, head, m->summary);
	for (o = m->options; o && o->name; o++) {
		snprintf(head, sizeof(head), "%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		put_item(out, 6, 18, head, o->help);
	}
}

void cli_model_usage(const struct vusb_model *m, struct strbuf *out)
{
	const struct vusb_command *c;
	char head[96];

	strbuf_printf(out, "Usage: vusb-attach [OPTIONS] %s%s%s%s [DEVICE-OPTIONS]\n\n", m->name,
		      m->positional ? (m->positional_optional ? " [" : " ") : "",
		      m->positional ? m->positional : "",
		      m->positional && m->positional_optional ? "]" : "");
	model_usage(out, m);
	strbuf_printf(out, "\nDevice options of every kind: --name NAME, --vid ID, --pid ID,\n"
			   "--serial TEXT, --product TEXT, --manufacturer TEXT, --speed SPEED,\n"
			   "--count N, --local (see vusb-attach --help).\n");
	if (!m->commands || !m->commands->name)
		return;
	strbuf_printf(out, "\nCommands (vusbctl NAME COMMAND, or typed on the terminal):\n");
	for (c = m->commands; c->name; c++) {
		snprintf(head, sizeof(head), "%s%s%s", c->name, c->args && *c->args ? " " : "",
			 c->args ? c->args : "");
		put_item(out, 2, 20, head, c->help);
	}
}

void cli_usage(struct strbuf *out)
{
	const struct vusb_model *const *m;

	strbuf_printf(out,
		      "Usage: vusb-attach [OPTIONS] DEVICE [DEVICE-OPTIONS]\n"
		      "                   [DEVICE [DEVICE-OPTIONS]]...\n"
		      "\n"
		      "Make virtual USB devices appear on this machine through the kernel's\n"
		      "vhci_hcd (loaded when needed), serve them until interrupted, then detach.\n"
		      "'vusb-attach DEVICE --help' shows one device's options and commands.\n"
		      "With --daemon or --listen it may start with no DEVICE and wait for\n"
		      "'vusbctl add DEVICE'.\n"
		      "\n"
		      "Devices:\n");
	for (m = vusb_models; *m; m++)
		model_usage(out, *m);
	strbuf_printf(out,
		      "\n"
		      "Options:\n"
		      "  -h, --help           show this help and exit\n"
		      "  -V, --version        show the version and exit\n"
		      "  -v, --verbose        log more (twice, -vv: every request)\n"
		      "  -q, --quiet          log errors only\n"
		      "      --no-stdin       do not read commands from the terminal\n"
		      "      --no-load        do not load vhci-hcd; fail if it is absent\n"
		      "  -d, --daemon         go to the background once every device is ready\n"
		      "                       (exit 0), or fail with the reason; log to syslog\n"
		      "      --pidfile FILE   write the process id to FILE (and lock it)\n"
		      "      --user NAME      once attached, run as NAME, without capabilities\n"
		      "                       (default: vusb, else nobody; root: stay root)\n"
		      "      --wait-ready [SECONDS]\n"
		      "                       fail when the kernel has not bound a device's\n"
		      "                       drivers within SECONDS (default 30; 0: no limit)\n"
		      "      --cpu N|auto|off\n"
		      "                       keep the process and its devices' kernel threads\n"
		      "                       (vhci's, usb-storage's) on CPU N, on the one it\n"
		      "                       runs on (auto, the default; nothing with one CPU),\n"
		      "                       or leave them to the scheduler (off)\n"
		      "      --config NAME    the devices and options of /etc/vusb/NAME.conf\n"
		      "                       ($VUSB_CONFDIR), or of the file NAME if it has a /\n"
		      "      --listen [HOST][:PORT]\n"
		      "                       export the devices to USB/IP clients instead of\n"
		      "                       attaching them here (default 127.0.0.1:3240; IPv6\n"
		      "                       in brackets, [::]:3240; port 0 picks a free one;\n"
		      "                       a host name: every address it has)\n"
		      "      --allow CIDR|HOST\n"
		      "                       with --listen: accept only these peers, e.g.\n"
		      "                       192.168.1.0/24, fd00::/8 or a host name, every\n"
		      "                       address it has (repeatable)\n"
		      "      --allow-user NAME\n"
		      "                       with --listen: admit a peer on this host only if\n"
		      "                       its user is root, NAME or in group NAME\n"
		      "                       (repeatable; any: every user; default on loopback:\n"
		      "                       root, who started vusb-attach, group vusb)\n"
		      "      --capture FILE   write every transfer of every device to FILE as\n"
		      "                       pcapng (usbmon, for Wireshark or tshark); - for\n"
		      "                       standard output (messages go to standard error)\n"
		      "      --capture-snaplen N\n"
		      "                       keep at most N bytes of each transfer's data\n"
		      "\n"
		      "Device options (after the DEVICE they apply to):\n"
		      "      --name NAME      name for vusbctl (default: KIND0, KIND1, ...)\n"
		      "      --vid ID         USB vendor ID, hexadecimal (default 1209, pid.codes)\n"
		      "      --pid ID         USB product ID, hexadecimal\n"
		      "      --serial TEXT    serial number string (default: vusb-NAME)\n"
		      "      --product TEXT   product string\n"
		      "      --manufacturer TEXT  manufacturer string\n"
		      "      --speed SPEED    low, full, high, super or super-plus\n"
		      "      --count N        attach N devices like this one\n"
		      "      --capture FILE   write this device's transfers to FILE as pcapng\n"
		      "                       (- for standard output); --capture-snaplen N too\n"
		      "      --local          with --listen: attach this one here, not exported\n"
		      "      --fault SPEC     misbehave from the first request (vusbctl(1), FAULTS),\n"
		      "                       e.g. --fault 'stall --at-request get_descriptor:config'\n"
		      "\n"
		      "Once the kernel has configured a device, vusb-attach prints\n"
		      "  NAME: ready, port PORT, busid BUSID\n"
		      "on standard output, and once it has bound the drivers and made the\n"
		      "device nodes (and udevd, where it runs, has handled them)\n"
		      "  NAME: nodes /dev/hidraw0 /dev/input/event3\n"
		      "(the list may be empty). Control running devices with vusbctl(1), or type\n"
		      "the same commands here when standard input is a terminal, e.g.\n"
		      "'move 100 100' or 'keyboard0 type Hello'. 'help' lists them.\n"
		      "\n"
		      "With --listen, every device not marked --local is exported over USB/IP\n"
		      "as bus id 1-1, 1-2, ... in command-line order, and vusb-attach prints\n"
		      "  listening on ADDR:PORT\n"
		      "  NAME: exported, busid BUSID\n"
		      "Another machine imports one with 'usbip attach -r HOST -b BUSID'\n"
		      "(usbip --tcp-port PORT ... for another port); it is offered again when\n"
		      "that client detaches. For example\n"
		      "  vusb-attach --listen mouse keyboard --local\n"
		      "exports the mouse on 127.0.0.1:3240 and attaches the keyboard here.\n"
		      "USB/IP has no authentication and no encryption: keep to loopback (the\n"
		      "default), or use --allow on a network you trust. Loopback is not\n"
		      "private: every local user can connect, so vusb-attach asks the kernel\n"
		      "whose socket each local peer is, and admits only --allow-user's.\n"
		      "\n"
		      "Exit status: 0 stopped cleanly (signal, detach), 1 a failure at run time,\n"
		      "2 anything wrong with what was typed or named (an option, a device, an\n"
		      "image, firmware), checked before anything is attached or exported,\n"
		      "3 vhci_hcd unavailable, 5 permission denied.\n");
}
