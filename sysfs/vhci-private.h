/* SPDX-License-Identifier: MIT */
/*
 * Shared by the two halves of the vhci handle: opening the controller and
 * learning its layout (vhci-open.c), and its ports read, attached and
 * detached (vhci.c).
 */
#ifndef VUSB_SYSFS_VHCI_PRIVATE_H
#define VUSB_SYSFS_VHCI_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "sysfs/vhci.h"

struct udev;
struct udev_device;
struct kmod_ctx;

/* One status file: 2 x 31 rows and a header fit with room to spare. */
#define STATUS_FILE_MAX 16384

struct vhci {
	struct udev *udev;
	struct udev_device *dev;
	struct kmod_ctx *kmod;
	char *syspath;
	int dirfd;
	/* Opened at vhci_open() time so that root may be dropped after. */
	int attach_fd; /* or -errno from opening it */
	int detach_fd; /* or -errno from opening it */
	unsigned int nports;
	unsigned int hub_ports;	   /* ports per hub (P) */
	unsigned int ncontrollers; /* nports / 2P */
	struct vhci_port *ports;   /* nports rows: the last status read */
	char *buf;		   /* STATUS_FILE_MAX bytes */
	/* The bus numbers of each controller's root hubs, hs then ss, as
	 * found at open time; 0 where unknown. */
	unsigned int *bus;
};

/*
 * Read a whole attribute into buf (NUL-terminated). Returns its length,
 * -EFBIG if it does not fit, -EBADMSG if it holds a NUL byte, -errno.
 */
int vhci_read_attr(int dirfd, const char *name, char *buf, size_t size);

/*
 * Read status files into v->ports and check each row against the layout:
 * controller c lists ports c*2P .. c*2P+P-1 on hs, then the next P on ss.
 * Returns the number of ports, -EBADMSG, -errno.
 */
int vhci_refresh(struct vhci *v);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t vhci_now_ms(void);
/* Sleep about ms milliseconds; an early wake-up is harmless. */
void vhci_sleep_ms(unsigned int ms);

#endif
