// SPDX-License-Identifier: MIT
/*
 * What vusb reads from the kernel's and the system's text files
 * (sysfs/vhci.c): vhci_hcd's status files, one line and whole, then a
 * port picked from what was parsed, and /etc/os-release for the
 * explanation of a failure, and what dpkg-query says owns the modules.
 * Checked: a parsed row's bus id is terminated,
 * a count fits the room given, a picked port is one of the rows, free and
 * on the hub that serves the speed, and an explanation is one terminated
 * line whatever the host looks like.
 */
#include <errno.h>
#include <string.h>

#include "sysfs/vhci.h"
#include "tests/fuzz/fuzz.h"

#define MAX_PORTS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum usb_speed speeds[] = { USB_SPEED_LOW, USB_SPEED_FULL, USB_SPEED_HIGH,
						 USB_SPEED_SUPER, USB_SPEED_SUPER_PLUS };
	struct vhci_port ports[MAX_PORTS], one;
	struct vhci_host host = { .release = "6.1.0-56-amd64", .modules_disabled = -1,
				  .has_modules_dir = -1 };
	char *text = malloc(size + 1), msg[VHCI_EXPLAIN_MAX], pkg[96];
	unsigned int avoid[2] = { 0, 1 };
	int n, i, k, p;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	if (vhci_status_parse_line(text, &one) == 0)
		FUZZ_CHECK(memchr(one.busid, '\0', sizeof(one.busid)), "busid not terminated");
	n = vhci_status_parse(text, ports, MAX_PORTS);
	FUZZ_CHECK(n <= MAX_PORTS, "%d rows in room for %d", n, MAX_PORTS);
	FUZZ_CHECK(vhci_status_parse(text, NULL, 0) == n || n < 0 ||
			   vhci_status_parse(text, NULL, 0) == -ENOBUFS,
		   "counting disagrees");
	for (i = 0; i < n; i++)
		FUZZ_CHECK(memchr(ports[i].busid, '\0', sizeof(ports[i].busid)),
			   "row %d: busid not terminated", i);
	for (k = 0; n >= 0 && k < (int)(sizeof(speeds) / sizeof(speeds[0])); k++) {
		p = vhci_pick_port(ports, (size_t)n, speeds[k], avoid, size & 1 ? 2 : 0);
		if (p < 0) {
			FUZZ_CHECK(p == -EBUSY || p == -EINVAL, "pick: %d", p);
			continue;
		}
		/* (Rows may repeat a port number: the kernel's never do.) */
		for (i = 0; i < n; i++)
			if (ports[i].port == (unsigned int)p && ports[i].state == VHCI_PORT_FREE &&
			    (int)ports[i].hub == vhci_hub_for_speed(speeds[k]))
				break;
		FUZZ_CHECK(i < n, "picked port %d is not a free row of the right hub", p);
	}

	/* The same bytes as os-release, then every explanation. */
	memcpy(text, data, size);
	FUZZ_CHECK(vhci_os_release_parse(text, &host) == 0, "os-release");
	FUZZ_CHECK(memchr(host.os_id, '\0', sizeof(host.os_id)) &&
			   memchr(host.os_id_like, '\0', sizeof(host.os_id_like)),
		   "os-release fields not terminated");
	/* And as what dpkg-query -S says owns the kernel's modules. */
	if (vhci_dpkg_owner_parse(text, pkg, sizeof(pkg)) == 0) {
		FUZZ_CHECK(memchr(pkg, '\0', sizeof(pkg)) && strlen(pkg) >= 2 &&
				   !strpbrk(pkg, " ,:;'\"$`\n"),
			   "owner not a package name");
		host.modules_owned = 1;
		host.package_known = (int)(size % 3) - 1;
		snprintf(host.package, sizeof(host.package), "%s", pkg);
	}
	host.has_modules_dir = (int)(size % 5 % 3) - 1;
	for (k = VHCI_STEP_NONE; k <= VHCI_STEP_DETACH; k++) {
		static const int errs[] = { -ENOENT, -EPERM, -EACCES, -EBUSY, -ENODEV, -EIO };

		host.is_root = size & 2;
		host.modules_disabled = (int)(size % 3) - 1;
		vhci_explain(errs[(size + (size_t)k) % 6], (enum vhci_step)k, &host, msg,
			     sizeof(msg));
		FUZZ_CHECK(memchr(msg, '\0', sizeof(msg)) && !strchr(msg, '\n'),
			   "explanation not one terminated line");
	}
	free(text);
	return 0;
}
