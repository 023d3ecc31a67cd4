// SPDX-License-Identifier: MIT
/*
 * sysfs/vhci: status parsing and port picking on text in the kernel's
 * format (drivers/usb/usbip/vhci_sysfs.c: "%04u %03u " after the hub, then
 * "%03u %08x " and "%06u %s" for a used port, "000 00000000 000000 0-0"
 * otherwise), attach/detach against a fake sysfs directory of plain files,
 * the messages of vhci_explain(), and vhci_open() on whatever this machine
 * has (usually no vhci_hcd and often no modules at all).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysfs/kmod.h"
#include "sysfs/vhci.h"

#define HEADER "hub port sta spd dev      sockfd local_busid\n"
#define OLD_HEADER "port sta spd dev      socket           local_busid\n"

/* ---- vhci_status_parse_line ---- */

static void parse_ok(const char *line, struct vhci_port *p)
{
	memset(p, 0xa5, sizeof(*p));
	assert_int_equal(vhci_status_parse_line(line, p), 0);
}

static void parse_bad(const char *line)
{
	struct vhci_port p, sentinel;

	memset(&p, 0xa5, sizeof(p));
	memset(&sentinel, 0xa5, sizeof(sentinel));
	assert_int_equal(vhci_status_parse_line(line, &p), -EBADMSG);
	/* ret_* untouched on failure */
	assert_memory_equal(&p, &sentinel, sizeof(p));
}

static void test_line_free_hs(void **state)
{
	struct vhci_port p;

	parse_ok("hs  0000 004 000 00000000 000000 0-0\n", &p);
	assert_int_equal(p.hub, VHCI_HUB_HS);
	assert_int_equal(p.port, 0);
	assert_int_equal(p.state, VHCI_PORT_FREE);
	assert_int_equal(p.speed, 0);
	assert_int_equal(p.devid, 0);
	assert_int_equal(p.sockfd, 0);
	assert_string_equal(p.busid, "0-0");
}

static void test_line_used_hs(void **state)
{
	struct vhci_port p;

	parse_ok("hs  0001 006 002 00010002 000005 3-1\n", &p);
	assert_int_equal(p.hub, VHCI_HUB_HS);
	assert_int_equal(p.port, 1);
	assert_int_equal(p.state, VHCI_PORT_USED);
	assert_int_equal(p.speed, USB_SPEED_FULL);
	assert_int_equal(p.devid, 0x00010002);
	assert_int_equal(p.sockfd, 5);
	assert_string_equal(p.busid, "3-1");
}

static void test_line_ss_no_newline(void **state)
{
	struct vhci_port p;

	parse_ok("ss  0015 004 000 00000000 000000 0-0", &p);
	assert_int_equal(p.hub, VHCI_HUB_SS);
	assert_int_equal(p.port, 15);
	assert_int_equal(p.state, VHCI_PORT_FREE);

	parse_ok("ss  0239 006 005 000100ff 001023 4-15", &p);
	assert_int_equal(p.port, 239);
	assert_int_equal(p.speed, USB_SPEED_SUPER);
	assert_int_equal(p.devid, 0x100ff);
	assert_int_equal(p.sockfd, 1023);
	assert_string_equal(p.busid, "4-15");
}

/* status_show_not_ready(): state 5 and a 16-digit zero socket field. */
static void test_line_not_ready(void **state)
{
	struct vhci_port p;

	parse_ok("hs  0030 005 000 00000000 0000000000000000 0-0\n", &p);
	assert_int_equal(p.port, 30);
	assert_int_equal(p.state, VHCI_PORT_NOTASSIGNED);
	assert_int_equal(p.sockfd, 0);
}

/* Field widths are minimums in the kernel's printf: wider values parse. */
static void test_line_wide_fields(void **state)
{
	struct vhci_port p;

	parse_ok("hs  7935 006 003 ffffffff 2147483647 7-1.2.3\n", &p);
	assert_int_equal(p.port, 7935);
	assert_int_equal(p.devid, 0xffffffffu);
	assert_int_equal(p.sockfd, INT_MAX);
	assert_string_equal(p.busid, "7-1.2.3");
	/* Extra spaces between fields are tolerated. */
	parse_ok("ss     0016  004  000  00000000  000000  0-0", &p);
	assert_int_equal(p.port, 16);
}

static void test_line_header(void **state)
{
	struct vhci_port p, sentinel;

	memset(&p, 0x5a, sizeof(p));
	sentinel = p;
	assert_int_equal(vhci_status_parse_line(HEADER, &p), -ENODATA);
	assert_int_equal(vhci_status_parse_line(OLD_HEADER, &p), -ENODATA);
	assert_int_equal(
		vhci_status_parse_line("hub port sta spd dev      sockfd local_busid", &p),
		-ENODATA);
	assert_memory_equal(&p, &sentinel, sizeof(p));
}

static void test_line_truncated(void **state)
{
	parse_bad("");
	parse_bad("\n");
	parse_bad("hs");
	parse_bad("hs  ");
	parse_bad("hs  0001");
	parse_bad("hs  0001 006 002 0001");
	parse_bad("hs  0001 006 002 00010002");
	parse_bad("hs  0001 006 002 00010002 000005");
	parse_bad("hs  0001 006 002 00010002 000005 ");
	parse_bad("hs  0001 006 002 00010002 000005 \n");
}

static void test_line_garbage(void **state)
{
	parse_bad("xs  0001 006 002 00010002 000005 3-1");
	parse_bad("h   0001 006 002 00010002 000005 3-1");
	parse_bad("hss 0001 006 002 00010002 000005 3-1");
	parse_bad("HS  0001 006 002 00010002 000005 3-1");
	parse_bad("hs  00x1 006 002 00010002 000005 3-1");
	parse_bad("hs  -001 006 002 00010002 000005 3-1");
	parse_bad("hs  +001 006 002 00010002 000005 3-1");
	parse_bad("hs  0001 006 002 0x010002 000005 3-1");
	parse_bad("hs  0001 006 002 0001000g 000005 3-1");
	parse_bad("hs  0001 006 002 00010002 00000a 3-1");
	parse_bad("hs  0001 006 002 00010002 -00005 3-1");
	parse_bad("hs\t0001 006 002 00010002 000005 3-1");
	parse_bad("hs  0001 006 002 00010002 000005\t3-1");
	parse_bad(" hs  0001 006 002 00010002 000005 3-1");
	parse_bad("hs  0001 006 002 00010002 000005 3-1 ");
	parse_bad("hs  0001 006 002 00010002 000005 3-1 extra");
	parse_bad("hs  0001 006 002 00010002 000005 3-1\r\n");
	parse_bad("hs  0001 006 002 00010002 000005 3-1\n\n");
	parse_bad("hs  0001 006 002 00010002 000005 3-1\nhs  0002 004 000 00000000 000000 0-0");
	parse_bad("hs  0001 006 002 00010002 000005 3/1");
	parse_bad("hs  0001 006 002 00010002 000005 3-1\x01");
	parse_bad("hs  0001 006 002 00010002 000005 3-\xc3\xa9");
	parse_bad("\x7f\x45\x4c\x46\x02\x01\x01");
}

static void test_line_busid_length(void **state)
{
	char line[128];
	struct vhci_port p;
	char id[40];

	/* 31 characters fit busid[32]; 32 do not. */
	memset(id, '1', 31);
	id[0] = '3';
	id[1] = '-';
	id[31] = '\0';
	snprintf(line, sizeof(line), "hs  0001 006 002 00010002 000005 %s\n", id);
	parse_ok(line, &p);
	assert_string_equal(p.busid, id);

	strcat(id, "1");
	snprintf(line, sizeof(line), "hs  0001 006 002 00010002 000005 %s\n", id);
	parse_bad(line);
}

static void test_line_huge_numbers(void **state)
{
	/* port beyond any possible vhci (128 x 2 x 31 ports) */
	parse_bad("hs  7936 004 000 00000000 000000 0-0");
	parse_bad("hs  99999 004 000 00000000 000000 0-0");
	parse_bad("hs  000001 004 000 00000000 000000 0-0");
	parse_bad("hs  18446744073709551617 004 000 00000000 000000 0-0");
	/* state, speed: three digits */
	parse_bad("hs  0001 0004 000 00000000 000000 0-0");
	parse_bad("hs  0001 004 1000 00000000 000000 0-0");
	/* devid: 32 bits */
	parse_bad("hs  0001 006 002 100000000 000005 3-1");
	/* sockfd: an int, at most 16 digits */
	parse_bad("hs  0001 006 002 00010002 2147483648 3-1");
	parse_bad("hs  0001 006 002 00010002 00000000000000005 3-1");
	parse_bad("hs  0001 006 002 00010002 99999999999999999999 3-1");
}

static void test_line_too_long(void **state)
{
	char line[300];

	/* A row padded to 200 characters with spaces inside is refused. */
	snprintf(line, sizeof(line), "hs  0001 006 002 00010002 %0150u 3-1", 5u);
	parse_bad(line);
}

/* Formats this parser does not accept (documented in vhci.h). */
static void test_line_old_formats(void **state)
{
	/* Before 4.13: no hub column, socket pointer. */
	parse_bad("0000 004 000 00000000         c5a7bb80 1-2.3");
	parse_bad("0000 004 000 00000000 0000000000000000 0-0");
	/* 4.13/4.14 before the sockfd change: hub column, socket pointer. */
	parse_bad("hs  0000 006 003 00010002 ffff8801c5a7bb80 1-1");
}

static void test_line_args(void **state)
{
	struct vhci_port p;

	assert_int_equal(vhci_status_parse_line(NULL, &p), -EINVAL);
	assert_int_equal(
		vhci_status_parse_line("hs  0000 004 000 00000000 000000 0-0", NULL),
		-EINVAL);
}

/* ---- vhci_status_parse ---- */

/*
 * The text of status / status.<ctrl> for P ports per hub, all free but for
 * the rows given in used (port numbers, made "006 003 <devid> <fd> <bus>").
 */
static char *status_text(unsigned int ctrl, unsigned int P,
			 const unsigned int *used, size_t nused)
{
	size_t size = sizeof(HEADER) + 2 * P * 64;
	char *s = malloc(size), *o;
	unsigned int i, j, port;

	assert_non_null(s);
	o = s + sprintf(s, "%s", HEADER);
	for (i = 0; i < 2 * P; i++) {
		const char *hub = i < P ? "hs" : "ss";
		int is_used = 0;

		port = ctrl * 2 * P + i;
		for (j = 0; j < nused; j++)
			if (used[j] == port)
				is_used = 1;
		if (is_used)
			o += sprintf(o, "%s  %04u %03u %03u %08x %06u %u-%u\n",
				     hub, port, 6u, i < P ? 3u : 5u,
				     (1u << 16) | (port + 1), port + 100,
				     ctrl * 2 + (i < P ? 1 : 2) + 2,
				     i % P + 1);
		else
			o += sprintf(o, "%s  %04u %03u 000 00000000 000000 0-0\n",
				     hub, port, 4u);
	}
	return s;
}

static void test_parse_default_controller(void **state)
{
	/* CONFIG_USBIP_VHCI_HC_PORTS=8, one controller: nports 16. */
	unsigned int used[] = { 1 };
	struct vhci_port ports[16];
	char *text = status_text(0, 8, used, 1);

	assert_int_equal(vhci_status_parse(text, ports, 16), 16);
	assert_int_equal(ports[0].hub, VHCI_HUB_HS);
	assert_int_equal(ports[0].port, 0);
	assert_int_equal(ports[1].state, VHCI_PORT_USED);
	assert_string_equal(ports[1].busid, "3-2");
	assert_int_equal(ports[7].hub, VHCI_HUB_HS);
	assert_int_equal(ports[8].hub, VHCI_HUB_SS);
	assert_int_equal(ports[8].port, 8);
	assert_int_equal(ports[15].port, 15);
	/* Counting only. */
	assert_int_equal(vhci_status_parse(text, NULL, 0), 16);
	free(text);
}

/* Debian 12 (6.1): 8 controllers x 15 ports; status.7 holds 210..239. */
static void test_parse_debian_last_controller(void **state)
{
	struct vhci_port ports[30];
	char *text = status_text(7, 15, NULL, 0);

	assert_int_equal(vhci_status_parse(text, ports, 30), 30);
	assert_int_equal(ports[0].port, 210);
	assert_int_equal(ports[14].port, 224);
	assert_int_equal(ports[14].hub, VHCI_HUB_HS);
	assert_int_equal(ports[15].port, 225);
	assert_int_equal(ports[15].hub, VHCI_HUB_SS);
	assert_int_equal(ports[29].port, 239);
	free(text);
}

static void test_parse_edges(void **state)
{
	struct vhci_port ports[4];

	/* Header only: a controller with nothing to show. */
	assert_int_equal(vhci_status_parse(HEADER, ports, 4), 0);
	/* Last row without newline. */
	assert_int_equal(vhci_status_parse(HEADER
					   "hs  0000 004 000 00000000 000000 0-0\n"
					   "ss  0001 004 000 00000000 000000 0-0",
					   ports, 4),
			 2);
	assert_int_equal(ports[1].hub, VHCI_HUB_SS);
}

static void test_parse_bad(void **state)
{
	struct vhci_port ports[4], sentinel[4];

	memset(ports, 0x77, sizeof(ports));
	memcpy(sentinel, ports, sizeof(ports));

	assert_int_equal(vhci_status_parse("", ports, 4), -EBADMSG);
	assert_int_equal(vhci_status_parse("\n", ports, 4), -EBADMSG);
	/* No header */
	assert_int_equal(vhci_status_parse("hs  0000 004 000 00000000 000000 0-0\n",
					   ports, 4),
			 -EBADMSG);
	/* Second header */
	assert_int_equal(vhci_status_parse(HEADER HEADER, ports, 4), -EBADMSG);
	/* Blank line */
	assert_int_equal(vhci_status_parse(HEADER
					   "hs  0000 004 000 00000000 000000 0-0\n"
					   "\n"
					   "ss  0001 004 000 00000000 000000 0-0\n",
					   ports, 4),
			 -EBADMSG);
	/* One bad row among good ones: nothing is written. */
	assert_int_equal(vhci_status_parse(HEADER
					   "hs  0000 004 000 00000000 000000 0-0\n"
					   "hs  0001 006 002 0001",
					   ports, 4),
			 -EBADMSG);
	/* Too many rows for the buffer */
	assert_int_equal(vhci_status_parse(HEADER
					   "hs  0000 004 000 00000000 000000 0-0\n"
					   "hs  0001 004 000 00000000 000000 0-0\n",
					   ports, 1),
			 -ENOBUFS);
	/* The pre-4.13 format is named as such. */
	assert_int_equal(vhci_status_parse(OLD_HEADER
					   "0000 004 000 00000000 0000000000000000 0-0\n",
					   ports, 4),
			 -EPROTONOSUPPORT);
	assert_memory_equal(ports, sentinel, sizeof(ports));

	assert_int_equal(vhci_status_parse(NULL, ports, 4), -EINVAL);
	assert_int_equal(vhci_status_parse(HEADER, NULL, 4), -EINVAL);
}

/* ---- vhci_pick_port ---- */

static void fill(struct vhci_port *ports, unsigned int P)
{
	unsigned int i;

	memset(ports, 0, 2 * P * sizeof(*ports));
	for (i = 0; i < 2 * P; i++) {
		ports[i].hub = i < P ? VHCI_HUB_HS : VHCI_HUB_SS;
		ports[i].port = i;
		ports[i].state = VHCI_PORT_FREE;
		strcpy(ports[i].busid, "0-0");
	}
}

static void test_pick_by_speed(void **state)
{
	struct vhci_port ports[8];

	fill(ports, 4);
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_LOW, NULL, 0), 0);
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_FULL, NULL, 0), 0);
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_HIGH, NULL, 0), 0);
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_SUPER, NULL, 0), 4);
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_SUPER_PLUS, NULL, 0), 4);

	assert_int_equal(vhci_hub_for_speed(USB_SPEED_HIGH), VHCI_HUB_HS);
	assert_int_equal(vhci_hub_for_speed(USB_SPEED_SUPER_PLUS), VHCI_HUB_SS);
	assert_int_equal(vhci_hub_for_speed(USB_SPEED_UNKNOWN), -EINVAL);
	assert_int_equal(vhci_hub_for_speed((enum usb_speed)4), -EINVAL);
	assert_int_equal(vhci_hub_for_speed((enum usb_speed)7), -EINVAL);
}

static void test_pick_skips_busy(void **state)
{
	struct vhci_port ports[8];

	fill(ports, 4);
	ports[0].state = VHCI_PORT_USED;
	ports[1].state = VHCI_PORT_NOTASSIGNED;
	ports[2].state = VHCI_PORT_ERROR;
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_HIGH, NULL, 0), 3);
	ports[3].state = 42; /* unknown states are not free either */
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_HIGH, NULL, 0), -EBUSY);
	/* The ss hub is still free: hs devices never go there. */
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_SUPER, NULL, 0), 4);
}

static void test_pick_all_used(void **state)
{
	struct vhci_port ports[8];
	unsigned int i;

	fill(ports, 4);
	for (i = 4; i < 8; i++)
		ports[i].state = VHCI_PORT_USED;
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_SUPER, NULL, 0), -EBUSY);
	assert_int_equal(vhci_pick_port(ports, 0, USB_SPEED_HIGH, NULL, 0), -EBUSY);
}

static void test_pick_avoid(void **state)
{
	struct vhci_port ports[8];
	unsigned int avoid[] = { 0, 2, 4 };

	fill(ports, 4);
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_HIGH, avoid, 1), 1);
	ports[1].state = VHCI_PORT_USED;
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_HIGH, avoid, 2), 3);
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_SUPER, avoid, 3), 5);
	ports[3].state = VHCI_PORT_USED;
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_HIGH, avoid, 2), -EBUSY);
}

static void test_pick_lowest_number(void **state)
{
	struct vhci_port ports[8];
	struct vhci_port tmp;

	fill(ports, 4);
	/* Order of the array does not matter: the lowest port wins. */
	tmp = ports[0];
	ports[0] = ports[3];
	ports[3] = tmp;
	ports[3].state = VHCI_PORT_USED; /* port 0 */
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_HIGH, NULL, 0), 1);
}

static void test_pick_args(void **state)
{
	struct vhci_port ports[8];

	fill(ports, 4);
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_UNKNOWN, NULL, 0), -EINVAL);
	assert_int_equal(vhci_pick_port(ports, 8, (enum usb_speed)4, NULL, 0), -EINVAL);
	assert_int_equal(vhci_pick_port(NULL, 8, USB_SPEED_HIGH, NULL, 0), -EINVAL);
	assert_int_equal(vhci_pick_port(ports, 8, USB_SPEED_HIGH, NULL, 3), -EINVAL);
}

/* ---- a fake controller directory ---- */

struct fake {
	char dir[64];
	unsigned int P;
	unsigned int nctrl;
};

static void path_of(const struct fake *f, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", f->dir, name);
}

/* Replace a file atomically, as a reader in another process sees it. */
static void fake_put(const struct fake *f, const char *name, const char *text,
		     size_t len)
{
	char path[128], tmp[160];
	int fd;

	path_of(f, name, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	assert_int_equal(rename(tmp, path), 0);
}

static void fake_puts(const struct fake *f, const char *name, const char *text)
{
	fake_put(f, name, text, strlen(text));
}

static void fake_status(const struct fake *f, unsigned int ctrl,
			const unsigned int *used, size_t nused)
{
	char name[32];
	char *text = status_text(ctrl, f->P, used, nused);

	if (ctrl)
		snprintf(name, sizeof(name), "status.%u", ctrl);
	else
		snprintf(name, sizeof(name), "status");
	fake_puts(f, name, text);
	free(text);
}

static char *fake_get(const struct fake *f, const char *name)
{
	static char buf[4096];
	char path[128];
	ssize_t n;
	int fd;

	path_of(f, name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	assert_true(n >= 0 && (size_t)n < sizeof(buf));
	buf[n] = '\0';
	close(fd);
	return buf;
}

static void rm_rf(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* 2 controllers x 3 ports per hub: nports 12; hs 0-2, ss 3-5, hs 6-8, ss 9-11. */
static int fake_setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	char buf[16];
	unsigned int c;

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/test_vhci.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->P = 3;
	f->nctrl = 2;
	snprintf(buf, sizeof(buf), "%u\n", 2 * f->P * f->nctrl);
	fake_puts(f, "nports", buf);
	for (c = 0; c < f->nctrl; c++)
		fake_status(f, c, NULL, 0);
	fake_puts(f, "attach", "");
	fake_puts(f, "detach", "");
	*state = f;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake *f = *state;

	rm_rf(f->dir);
	free(f);
	return 0;
}

static struct vhci *fake_open(const struct fake *f)
{
	struct vhci *v = NULL;

	assert_int_equal(vhci_open_at(&v, f->dir), 0);
	assert_non_null(v);
	return v;
}

static void test_fake_open(void **state)
{
	struct fake *f = *state;
	struct vhci_port ports[12], sentinel[12];
	struct vhci *v = fake_open(f);
	unsigned int i;

	assert_string_equal(vhci_syspath(v), f->dir);
	assert_int_equal(vhci_nports(v), 12);
	assert_int_equal(vhci_read_status(v, ports, 12), 12);
	for (i = 0; i < 12; i++) {
		assert_int_equal(ports[i].port, i);
		assert_int_equal(ports[i].hub, (i / 3) % 2 ? VHCI_HUB_SS : VHCI_HUB_HS);
	}
	memset(ports, 0x33, sizeof(ports));
	memcpy(sentinel, ports, sizeof(ports));
	assert_int_equal(vhci_read_status(v, ports, 11), -ENOBUFS);
	assert_memory_equal(ports, sentinel, sizeof(ports));
	vhci_close(v);
	vhci_close(NULL);
}

static void test_fake_attach(void **state)
{
	struct fake *f = *state;
	unsigned int used[] = { 0, 3, 4, 5 };
	struct vhci *v = fake_open(f);
	unsigned int port = 999;
	char expect[64];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);

	assert_int_equal(vhci_attach(v, sv[0], vhci_devid(1, 2), USB_SPEED_HIGH, &port), 0);
	assert_int_equal(port, 0);
	snprintf(expect, sizeof(expect), "0 %d %u 3", sv[0], (1u << 16) | 2);
	assert_string_equal(fake_get(f, "attach"), expect);

	/* Port 0 used, and the whole ss hub of controller 0. */
	fake_status(f, 0, used, 4);
	assert_int_equal(vhci_attach(v, sv[0], vhci_devid(1, 3), USB_SPEED_FULL, &port), 0);
	assert_int_equal(port, 1);
	assert_int_equal(vhci_attach(v, sv[0], vhci_devid(1, 4), USB_SPEED_SUPER, &port), 0);
	assert_int_equal(port, 9);
	snprintf(expect, sizeof(expect), "9 %d %u 5", sv[0], (1u << 16) | 4);
	assert_string_equal(fake_get(f, "attach"), expect);

	close(sv[0]);
	close(sv[1]);
	vhci_close(v);
}

static void test_fake_attach_full(void **state)
{
	struct fake *f = *state;
	unsigned int used0[] = { 0, 1, 2 }, used1[] = { 6, 7, 8 };
	struct vhci *v = fake_open(f);
	unsigned int port = 999;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fake_status(f, 0, used0, 3);
	fake_status(f, 1, used1, 3);
	assert_int_equal(vhci_attach(v, sv[0], vhci_devid(1, 2), USB_SPEED_HIGH, &port), -EBUSY);
	assert_int_equal(port, 999);
	assert_string_equal(fake_get(f, "attach"), "");
	/* SuperSpeed still has room. */
	assert_int_equal(vhci_attach(v, sv[0], vhci_devid(1, 2), USB_SPEED_SUPER, &port), 0);
	assert_int_equal(port, 3);
	close(sv[0]);
	close(sv[1]);
	vhci_close(v);
}

static void test_fake_attach_args(void **state)
{
	struct fake *f = *state;
	struct vhci *v = fake_open(f);
	unsigned int port = 999;
	int sv[2], dg[2], pfd[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dg), 0);
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);

	assert_int_equal(vhci_attach(v, dg[0], vhci_devid(1, 2), USB_SPEED_HIGH, &port), -EPROTOTYPE);
	assert_int_equal(vhci_attach(v, pfd[0], vhci_devid(1, 2), USB_SPEED_HIGH, &port), -ENOTSOCK);
	assert_int_equal(vhci_attach(v, 1000, vhci_devid(1, 2), USB_SPEED_HIGH, &port), -EBADF);
	assert_int_equal(vhci_attach(v, -1, vhci_devid(1, 2), USB_SPEED_HIGH, &port), -EINVAL);
	assert_int_equal(vhci_attach(v, sv[0], vhci_devid(256, 2), USB_SPEED_HIGH, &port), -ERANGE);
	assert_int_equal(vhci_attach(v, sv[0], vhci_devid(1, 256), USB_SPEED_HIGH, &port), -ERANGE);
	assert_int_equal(vhci_attach(v, sv[0], vhci_devid(1, 2), USB_SPEED_UNKNOWN, &port), -EINVAL);
	assert_int_equal(vhci_attach(v, sv[0], vhci_devid(1, 2), USB_SPEED_HIGH, NULL), -EINVAL);
	assert_int_equal(port, 999);
	assert_string_equal(fake_get(f, "attach"), "");
	assert_int_equal(vhci_devid(255, 255), 0x00ff00ff);

	close(sv[0]);
	close(sv[1]);
	close(dg[0]);
	close(dg[1]);
	close(pfd[0]);
	close(pfd[1]);
	vhci_close(v);
}

/* The attach file could not be opened at vhci_open time: that errno. */
static void test_fake_attach_not_writable(void **state)
{
	struct fake *f = *state;
	unsigned int used[] = { 1 };
	struct vhci *v;
	unsigned int port = 999;
	char path[128];
	int sv[2];

	path_of(f, "attach", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	path_of(f, "detach", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	v = fake_open(f); /* reading status needs no write access */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(vhci_attach(v, sv[0], vhci_devid(1, 2), USB_SPEED_HIGH, &port), -ENOENT);
	fake_status(f, 0, used, 1);
	assert_int_equal(vhci_detach(v, 1, 0), -ENOENT);
	close(sv[0]);
	close(sv[1]);
	vhci_close(v);
}

static void test_fake_detach_free(void **state)
{
	struct fake *f = *state;
	struct vhci *v = fake_open(f);

	assert_int_equal(vhci_detach(v, 1, 100), -ENODEV);
	assert_string_equal(fake_get(f, "detach"), "");
	assert_int_equal(vhci_detach(v, 12, 100), -EINVAL);
	assert_int_equal(vhci_detach(NULL, 1, 100), -EINVAL);
	vhci_close(v);
}

static void test_fake_detach_nowait(void **state)
{
	struct fake *f = *state;
	unsigned int used[] = { 7 };
	struct vhci *v = fake_open(f);

	fake_status(f, 1, used, 1);
	assert_int_equal(vhci_detach(v, 7, 0), 0);
	assert_string_equal(fake_get(f, "detach"), "7");
	vhci_close(v);
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_fake_detach_timeout(void **state)
{
	struct fake *f = *state;
	unsigned int used[] = { 2 };
	struct vhci *v = fake_open(f);
	uint64_t t0;

	fake_status(f, 0, used, 1);
	t0 = ms_now();
	assert_int_equal(vhci_detach(v, 2, 80), -ETIMEDOUT);
	assert_true(ms_now() - t0 >= 80);
	assert_true(ms_now() - t0 < 1000);
	assert_string_equal(fake_get(f, "detach"), "2");
	vhci_close(v);
}

/*
 * The "kernel" (a child process) frees the port 50 ms after the write. The
 * child execs a shell so that it runs outside valgrind when the test does.
 */
static void test_fake_detach_waits(void **state)
{
	struct fake *f = *state;
	unsigned int used[] = { 4 };
	struct vhci *v = fake_open(f);
	char path[128], tmp[160];
	char *text;
	int status;
	pid_t pid;

	fake_status(f, 0, used, 1);
	text = status_text(0, f->P, NULL, 0);
	fake_puts(f, "status.next", text);
	free(text);
	path_of(f, "status", path, sizeof(path));
	path_of(f, "status.next", tmp, sizeof(tmp));

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "sleep 0.05 && exec mv -f \"$0\" \"$1\"",
		      tmp, path, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(vhci_detach(v, 4, VHCI_DETACH_TIMEOUT_MS), 0);
	vhci_close(v);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_fake_busid(void **state)
{
	struct fake *f = *state;
	unsigned int used[] = { 1, 9 };
	struct vhci *v = fake_open(f);
	char buf[32] = "untouched", small[3] = "xy";

	assert_int_equal(vhci_port_busid(v, 1, buf, sizeof(buf)), -ENODEV);
	assert_string_equal(buf, "untouched");
	fake_status(f, 0, used, 1);
	fake_status(f, 1, used + 1, 1);
	assert_int_equal(vhci_port_busid(v, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "3-2");
	assert_int_equal(vhci_port_busid(v, 9, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "6-1");
	assert_int_equal(vhci_port_busid(v, 1, small, sizeof(small)), -ENOBUFS);
	assert_string_equal(small, "xy");
	assert_int_equal(vhci_port_busid(v, 12, buf, sizeof(buf)), -EINVAL);
	vhci_close(v);
}

/*
 * The bus ids of devices to come, from the root hubs' bus numbers: the
 * fake controller moves into DIR/vhci_hcd.0, with vhci_hcd.1 beside it,
 * and each gets a high-speed and a SuperSpeed root hub.
 */
static void test_fake_busid_predict(void **state)
{
	struct fake *f = *state;
	static const struct {
		const char *dir;
		const char *speed;
	} hubs[] = {
		{ "vhci_hcd.0/usb3", "480\n" },
		{ "vhci_hcd.0/usb4", "5000\n" },
		{ "vhci_hcd.1/usb5", "480\n" },
		{ "vhci_hcd.1/usb16", "10000\n" },
	};
	struct fake f0 = *f, fb = *f;
	char base[64], path[160], buf[32] = "untouched", small[3] = "xy";
	struct vhci *v;
	unsigned int i;

	/* No vhci_hcd.0 name: the bus numbers are unknown. */
	v = fake_open(f);
	assert_int_equal(vhci_port_busid_predict(v, 0, buf, sizeof(buf)), -ENODEV);
	assert_string_equal(buf, "untouched");
	vhci_close(v);

	snprintf(base, sizeof(base), "%s", f->dir);
	snprintf(f0.dir, sizeof(f0.dir), "%.40s/vhci_hcd.0", base);
	assert_int_equal(mkdir(f0.dir, 0755), 0);
	snprintf(path, sizeof(path), "%u\n", 2 * f->P * f->nctrl);
	fake_puts(&f0, "nports", path);
	fake_status(&f0, 0, NULL, 0);
	fake_status(&f0, 1, NULL, 0);
	fake_puts(&f0, "attach", "");
	fake_puts(&f0, "detach", "");
	v = fake_open(&f0);
	/* vhci_hcd.1 is not there yet: its ports are unknown. */
	assert_int_equal(vhci_port_busid_predict(v, 6, buf, sizeof(buf)), -ENODEV);
	vhci_close(v);

	snprintf(path, sizeof(path), "%s/vhci_hcd.1", base);
	assert_int_equal(mkdir(path, 0755), 0);
	for (i = 0; i < sizeof(hubs) / sizeof(hubs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", base, hubs[i].dir);
		assert_int_equal(mkdir(path, 0755), 0);
		snprintf(path, sizeof(path), "%s/speed", hubs[i].dir);
		fake_puts(&fb, path, hubs[i].speed);
	}
	v = fake_open(&f0);
	assert_int_equal(vhci_port_busid_predict(v, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "3-1");
	assert_int_equal(vhci_port_busid_predict(v, 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "3-3");
	assert_int_equal(vhci_port_busid_predict(v, 3, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "4-1");
	assert_int_equal(vhci_port_busid_predict(v, 7, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "5-2");
	assert_int_equal(vhci_port_busid_predict(v, 11, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "16-3");
	assert_int_equal(vhci_port_busid_predict(v, 1, small, sizeof(small)), -ENOBUFS);
	assert_string_equal(small, "xy");
	assert_int_equal(vhci_port_busid_predict(v, 12, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vhci_port_busid_predict(NULL, 0, buf, sizeof(buf)), -EINVAL);
	vhci_close(v);
}

static void open_fails(const struct fake *f, int err)
{
	struct vhci *v = (struct vhci *)0x1;

	assert_int_equal(vhci_open_at(&v, f->dir), err);
	assert_ptr_equal(v, (struct vhci *)0x1);
}

static void test_fake_bad_layout(void **state)
{
	struct fake *f = *state;
	char big[20000];

	fake_puts(f, "nports", "13\n");
	open_fails(f, -EBADMSG);
	fake_puts(f, "nports", "0\n");
	open_fails(f, -EBADMSG);
	fake_puts(f, "nports", "twelve\n");
	open_fails(f, -EBADMSG);
	fake_puts(f, "nports", "12\n12\n");
	open_fails(f, -EBADMSG);
	fake_puts(f, "nports", "7938\n"); /* more than any vhci */
	open_fails(f, -EBADMSG);
	fake_puts(f, "nports", "10\n"); /* not a multiple of 2 x 3 */
	open_fails(f, -EBADMSG);
	fake_puts(f, "nports", "18\n"); /* 3 controllers: status.2 missing */
	open_fails(f, -ENOENT);
	fake_puts(f, "nports", "12\n");

	/* Rows out of place: controller 1's file in controller 0's place. */
	fake_puts(f, "status", fake_get(f, "status.1"));
	open_fails(f, -EBADMSG);
	fake_status(f, 0, NULL, 0);
	fake_puts(f, "status.1", fake_get(f, "status"));
	open_fails(f, -EBADMSG);
	fake_status(f, 1, NULL, 0);
	{
		struct vhci *v = fake_open(f); /* and back to good */

		vhci_close(v);
	}

	/* Uneven hubs */
	fake_puts(f, "status", HEADER
		  "hs  0000 004 000 00000000 000000 0-0\n"
		  "hs  0001 004 000 00000000 000000 0-0\n"
		  "ss  0002 004 000 00000000 000000 0-0\n");
	open_fails(f, -EBADMSG);

	/* A NUL byte inside */
	fake_put(f, "status", HEADER "hs\0", sizeof(HEADER) + 2);
	open_fails(f, -EBADMSG);

	/* Larger than any status file can be */
	memset(big, 'a', sizeof(big));
	fake_put(f, "status", big, sizeof(big));
	open_fails(f, -EFBIG);

	/* The pre-4.13 format */
	fake_puts(f, "status", OLD_HEADER
		  "0000 004 000 00000000 0000000000000000 0-0\n");
	open_fails(f, -EPROTONOSUPPORT);

	/* Not a directory at all */
	{
		struct vhci *v = NULL;

		assert_int_equal(vhci_open_at(&v, "/nonexistent/vhci_hcd.0"), -ENOENT);
		assert_int_equal(vhci_open_at(&v, "/dev/null"), -ENOTDIR);
		assert_int_equal(vhci_open_at(NULL, f->dir), -EINVAL);
		assert_null(v);
	}
}

/* A row turning bad after open is caught by every later read. */
static void test_fake_status_turns_bad(void **state)
{
	struct fake *f = *state;
	struct vhci *v = fake_open(f);
	struct vhci_port ports[12];
	unsigned int port = 999;
	char buf[32];
	int sv[2];

	fake_puts(f, "status.1", HEADER "hs  0006 006 002 0001");
	assert_int_equal(vhci_read_status(v, ports, 12), -EBADMSG);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(vhci_attach(v, sv[0], vhci_devid(1, 2), USB_SPEED_HIGH, &port), -EBADMSG);
	assert_int_equal(vhci_detach(v, 1, 0), -EBADMSG);
	assert_int_equal(vhci_port_busid(v, 1, buf, sizeof(buf)), -EBADMSG);
	close(sv[0]);
	close(sv[1]);
	vhci_close(v);
}

/* ---- os-release and vhci_explain ---- */

static void test_os_release(void **state)
{
	struct vhci_host h = { 0 };

	assert_int_equal(vhci_os_release_parse("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
					       "VERSION_ID=\"12\"\n"
					       "ID=debian\n",
					       &h),
			 0);
	assert_string_equal(h.os_id, "debian");
	assert_string_equal(h.os_id_like, "");

	memset(&h, 0, sizeof(h));
	vhci_os_release_parse("NAME=\"Linux Mint\"\nID=linuxmint\nID_LIKE=\"ubuntu debian\"", &h);
	assert_string_equal(h.os_id, "linuxmint");
	assert_string_equal(h.os_id_like, "ubuntu debian");

	memset(&h, 0, sizeof(h));
	vhci_os_release_parse("ID='ubuntu'\nID_LIKE=debian\n", &h);
	assert_string_equal(h.os_id, "ubuntu");
	assert_string_equal(h.os_id_like, "debian");

	/* Not ID, malformed or hostile: left alone. */
	memset(&h, 0, sizeof(h));
	vhci_os_release_parse("# ID=commented\n VERSION_ID=12\nID =x\nID=\nID=\"a;rm\"\n"
			      "ID=debian\r\nID_LIKE=\"ubuntu  debian\"\nID_LIKE=\"x\n",
			      &h);
	assert_string_equal(h.os_id, "");
	assert_string_equal(h.os_id_like, "");
	vhci_os_release_parse("ID=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", &h);
	assert_string_equal(h.os_id, "");

	assert_int_equal(vhci_os_release_parse(NULL, &h), -EINVAL);
	assert_int_equal(vhci_os_release_parse("", NULL), -EINVAL);
}

static struct vhci_host host(const char *id, const char *like, const char *rel)
{
	struct vhci_host h = { .modules_disabled = 0,
			       .has_modules_dir = 1,
			       .modules_owned = -1,
			       .package_known = -1 };

	snprintf(h.os_id, sizeof(h.os_id), "%s", id);
	snprintf(h.os_id_like, sizeof(h.os_id_like), "%s", like);
	snprintf(h.release, sizeof(h.release), "%s", rel);
	return h;
}

static const char *explain(int err, enum vhci_step step, const struct vhci_host *h)
{
	static char buf[VHCI_EXPLAIN_MAX];

	assert_int_equal(vhci_explain(err, step, h, buf, sizeof(buf)), 0);
	assert_true(strlen(buf) > 0);
	return buf;
}

#define assert_contains(hay, needle)                                        \
	do {                                                                \
		if (!strstr((hay), (needle)))                               \
			fail_msg("\"%s\" does not contain \"%s\"", (hay), \
				 (needle));                                 \
	} while (0)

static void test_explain_missing_module(void **state)
{
	struct vhci_host h;
	const char *m;

	/* Debian: the kernel's own package, known to apt. */
	h = host("debian", "", "6.1.0-18-amd64");
	h.modules_owned = 1;
	h.package_known = 1;
	snprintf(h.package, sizeof(h.package), "linux-image-6.1.0-18-amd64");
	m = explain(-ENOENT, VHCI_STEP_MODULE, &h);
	assert_contains(m, "vhci-hcd");
	assert_contains(m, "6.1.0-18-amd64");
	assert_contains(m, "sudo apt install linux-image-6.1.0-18-amd64");
	assert_null(strstr(m, "/lib/modules"));

	/* Ubuntu: what dpkg says owns the modules decides, not os-release. */
	h = host("fedora", "", "6.5.0-14-generic");
	h.modules_owned = 1;
	h.package_known = 1;
	snprintf(h.package, sizeof(h.package), "linux-modules-extra-6.5.0-14-generic");
	m = explain(-ENOENT, VHCI_STEP_MODULE, &h);
	assert_contains(m, "apt install linux-modules-extra-6.5.0-14-generic");
	assert_null(strstr(m, "linux-image"));

	/* apt does not know the package: never told to install it. */
	h.package_known = 0;
	m = explain(-ENOENT, VHCI_STEP_MODULE, &h);
	assert_null(strstr(m, "apt install"));
	assert_contains(m, "apt knows no package linux-modules-extra-6.5.0-14-generic");
	assert_contains(m, "--listen");

	/* A kernel that no package installed. */
	h.modules_owned = 0;
	h.package[0] = '\0';
	m = explain(-ENOENT, VHCI_STEP_MODULE, &h);
	assert_contains(m, "no package installed (a custom kernel?)");
	assert_contains(m, "CONFIG_USBIP_VHCI_HCD=m");
	assert_null(strstr(m, "apt install"));

	/* No dpkg at all. */
	h = host("debian", "", "6.6.9-200.fc39.x86_64");
	m = explain(-ENOENT, VHCI_STEP_MODULE, &h);
	assert_contains(m, "6.6.9-200.fc39.x86_64");
	assert_contains(m, "CONFIG_USBIP_VHCI_HCD");
	assert_null(strstr(m, "apt"));

	/* No release known: say how to get it. */
	h = host("debian", "", "");
	assert_contains(explain(-ENOENT, VHCI_STEP_MODULE, &h), "running kernel $(uname -r)");

	/* A container or sandbox without any modules: the cause leads, no
	 * package is named (apt would not know linux-image-6.18.44-fc-v769),
	 * and what works there is offered. */
	h = host("debian", "", "6.18.44-fc-v769");
	h.has_modules_dir = 0;
	m = explain(-ENOENT, VHCI_STEP_MODULE, &h);
	assert_true(strncmp(m,
			    "vhci-hcd cannot be loaded: there is no /lib/modules/6.18.44-fc-v769",
			    strlen("vhci-hcd cannot be loaded: there is no /lib/modules/")) == 0);
	assert_contains(m, "/lib/modules/6.18.44-fc-v769");
	assert_contains(m, "a container, or a custom kernel");
	assert_null(strstr(m, "apt"));
	assert_null(strstr(m, "linux-image"));
	assert_contains(m, "vusb-attach --listen :3240 DEVICE");
	assert_contains(m, "make demo");
	assert_contains(m, "scripts/install-deps --test");
}

static void test_dpkg_owner(void **state)
{
	char pkg[96];

	assert_int_equal(
		vhci_dpkg_owner_parse("linux-image-6.1.0-18-amd64: /lib/modules/6.1.0-18-amd64\n",
				      pkg, sizeof(pkg)),
		0);
	assert_string_equal(pkg, "linux-image-6.1.0-18-amd64");
	/* Ubuntu: vhci-hcd is in the extra half of the modules. */
	assert_int_equal(
		vhci_dpkg_owner_parse(
			"linux-headers-6.5.0-14-generic, linux-modules-6.5.0-14-generic: /lib/modules/6.5.0-14-generic\n",
			pkg, sizeof(pkg)),
		0);
	assert_string_equal(pkg, "linux-modules-extra-6.5.0-14-generic");
	assert_int_equal(
		vhci_dpkg_owner_parse(
			"linux-modules-extra-6.5.0-14-generic, linux-modules-6.5.0-14-generic: /usr/lib/modules/6.5.0-14-generic",
			pkg, sizeof(pkg)),
		0);
	assert_string_equal(pkg, "linux-modules-extra-6.5.0-14-generic");
	/* The unsigned twin, a local build packaged with make bindeb-pkg. */
	assert_int_equal(
		vhci_dpkg_owner_parse("linux-image-6.1.0-18-amd64-unsigned: /lib/modules/x\n", pkg,
				      sizeof(pkg)),
		0);
	assert_string_equal(pkg, "linux-image-6.1.0-18-amd64-unsigned");

	/* Nobody's, noise, hostile names: no package. */
	strcpy(pkg, "kept");
	assert_int_equal(vhci_dpkg_owner_parse("", pkg, sizeof(pkg)), -ENOENT);
	assert_int_equal(
		vhci_dpkg_owner_parse("dpkg-query: no path found matching pattern /lib/modules/x\n",
				      pkg, sizeof(pkg)),
		-ENOENT);
	assert_int_equal(
		vhci_dpkg_owner_parse("diversion by x from: /lib/modules/y\n", pkg, sizeof(pkg)),
		-ENOENT);
	assert_int_equal(
		vhci_dpkg_owner_parse("Linux;rm -rf: /lib/modules/x\n:\n: /\n", pkg, sizeof(pkg)),
		-ENOENT);
	assert_string_equal(pkg, "kept");
	assert_int_equal(vhci_dpkg_owner_parse("linux-modules-6.5.0-14-generic: /x", pkg, 20),
			 -ENOBUFS);
	assert_int_equal(vhci_dpkg_owner_parse("linux-image-6.1.0-18-amd64: /x", pkg, 10),
			 -ENOBUFS);
	assert_int_equal(vhci_dpkg_owner_parse(NULL, pkg, sizeof(pkg)), -EINVAL);
	assert_int_equal(vhci_dpkg_owner_parse("a: /b", NULL, 1), -EINVAL);
}

/* libkmod is mapped while a context lives, and only then. */
static void test_kmod_opened_when_needed(void **state)
{
	struct vhci_host h = host("debian", "", "6.1.0-18-amd64");
	struct kmod_ctx *a = NULL, *b = NULL;

	assert_false(vhci_kmod_loaded());
	assert_int_equal(vhci_kmod_new(&a), 0);
	assert_true(vhci_kmod_loaded());
	assert_int_equal(vhci_kmod_new(&b), 0);
	assert_false(vhci_kmod_have_module(a, "vusb-no-such-module"));
	assert_false(vhci_kmod_have_driver(b, "usb:v1209p0000d0000dc00dsc00dp00ic00isc00ip00in00"));
	vhci_kmod_unref(a);
	assert_true(vhci_kmod_loaded());
	vhci_kmod_unref(b);
	assert_false(vhci_kmod_loaded());
	vhci_kmod_unref(NULL);

	/* Where it cannot be opened, the message says what to install. */
	assert_contains(explain(-ELIBACC, VHCI_STEP_MODULE, &h), "install the libkmod2 package");
	assert_contains(explain(-ELIBBAD, VHCI_STEP_MODULE, &h), "too old");
}

static void test_explain_permission(void **state)
{
	struct vhci_host h = host("debian", "", "6.1.0-18-amd64");

	h.is_root = 0;
	assert_string_equal(explain(-EPERM, VHCI_STEP_MODULE, &h),
			    "loading vhci-hcd needs root (try sudo)");
	assert_string_equal(explain(-EACCES, VHCI_STEP_MODULE, &h),
			    "loading vhci-hcd needs root (try sudo)");

	h.modules_disabled = 1;
	assert_contains(explain(-EPERM, VHCI_STEP_MODULE, &h),
			"module loading is disabled (kernel.modules_disabled=1)");
	h.is_root = 1;
	assert_contains(explain(-EPERM, VHCI_STEP_MODULE, &h),
			"module loading is disabled (kernel.modules_disabled=1)");

	h.modules_disabled = 0;
	assert_contains(explain(-EPERM, VHCI_STEP_MODULE, &h), "CAP_SYS_MODULE");

	assert_contains(explain(-ENOEXEC, VHCI_STEP_MODULE, &h), strerror(ENOEXEC));
}

static void test_explain_other_steps(void **state)
{
	struct vhci_host h = host("debian", "", "6.1.0-18-amd64");

	assert_contains(explain(-ENODEV, VHCI_STEP_CONTROLLER, &h),
			"no vhci_hcd.0 controller");
	assert_contains(explain(-ENODEV, VHCI_STEP_FIND, &h), "modprobe vhci-hcd");
	assert_contains(explain(-EPROTONOSUPPORT, VHCI_STEP_SYSFS, &h), "too old");
	assert_contains(explain(-EBADMSG, VHCI_STEP_SYSFS, &h), strerror(EBADMSG));
	assert_contains(explain(-ENOMEM, VHCI_STEP_SETUP, &h), strerror(ENOMEM));
	assert_contains(explain(-EBUSY, VHCI_STEP_ATTACH, &h), "in use");
	assert_contains(explain(-EACCES, VHCI_STEP_ATTACH, &h), "needs root");
	assert_contains(explain(-ERANGE, VHCI_STEP_ATTACH, &h), "below 256");
	assert_contains(explain(-ETIMEDOUT, VHCI_STEP_DETACH, &h), "did not become free");
	assert_contains(explain(-EIO, VHCI_STEP_NONE, &h), strerror(EIO));
	/* Positive errno values are taken as they come. */
	assert_string_equal(explain(EPERM, VHCI_STEP_MODULE, &h),
			    "loading vhci-hcd needs root (try sudo)");
}

/* Every message fits VHCI_EXPLAIN_MAX, even with the longest release. */
static void test_explain_fits(void **state)
{
	static const int errs[] = { 0, EPERM, EACCES, ENOENT, ENODEV, EBUSY,
				    ETIMEDOUT, EPROTONOSUPPORT, EBADMSG, EIO,
				    ENOEXEC, ERANGE, 12345 };
	char buf[VHCI_EXPLAIN_MAX], rel[65];
	struct vhci_host h;
	size_t i;
	int s;

	memset(rel, '9', 64);
	rel[64] = '\0';
	int k;

	for (k = 0; k < 2; k++) {
		h = host("ubuntu", "debian", rel);
		/* No modules at all; or a package apt does not know, named in full. */
		h.has_modules_dir = k;
		h.modules_owned = k;
		h.package_known = 0;
		memset(h.package, 'p', sizeof(h.package) - 1);
		h.package[sizeof(h.package) - 1] = '\0';
		for (s = VHCI_STEP_NONE; s <= VHCI_STEP_DETACH + 1; s++) {
			for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
				assert_int_equal(vhci_explain(-errs[i], (enum vhci_step)s, &h, buf,
							      sizeof(buf)),
						 0);
				assert_true(strlen(buf) > 0);
			}
		}
	}
}

static void test_explain_truncation(void **state)
{
	struct vhci_host h = host("debian", "", "6.1.0-18-amd64");
	char buf[10];

	h.is_root = 0;
	assert_int_equal(vhci_explain(-EPERM, VHCI_STEP_MODULE, &h, buf, sizeof(buf)),
			 -ENOBUFS);
	assert_string_equal(buf, "loading v");
	assert_int_equal(vhci_explain(-EPERM, VHCI_STEP_MODULE, &h, buf, 0), -EINVAL);
	assert_int_equal(vhci_explain(-EPERM, VHCI_STEP_MODULE, &h, NULL, 10), -EINVAL);
}

static void test_host_read(void **state)
{
	struct vhci_host h;
	struct utsname u;

	assert_int_equal(vhci_host_read(&h, 0), 0);
	assert_int_equal(uname(&u), 0);
	assert_string_equal(h.release, u.release);
	assert_int_equal(h.is_root, geteuid() == 0);
	assert_true(h.modules_disabled >= -1 && h.modules_disabled <= 1);
	assert_true(h.has_modules_dir >= -1 && h.has_modules_dir <= 1);
	/* dpkg and apt are asked only when told to. */
	assert_int_equal(h.modules_owned, -1);
	assert_int_equal(h.package_known, -1);
	assert_int_equal(vhci_host_read(&h, VHCI_HOST_PACKAGE), 0);
	assert_true(h.modules_owned >= -1 && h.modules_owned <= 1);
	if (h.modules_owned == 1)
		assert_true(strlen(h.package) > 0);
	assert_int_equal(vhci_host_read(NULL, 0), -EINVAL);
}

/* ---- vhci_open on this machine ---- */

static void check_open_result(int r, enum vhci_step step, struct vhci *v)
{
	char msg[VHCI_EXPLAIN_MAX];
	struct vhci_host h;

	if (r == 0) {
		/* A real vhci_hcd is there (a VM, a developer's machine). */
		assert_int_equal(step, VHCI_STEP_NONE);
		assert_true(vhci_nports(v) > 0);
		assert_non_null(vhci_syspath(v));
		vhci_close(v);
		return;
	}

	assert_int_equal(vhci_explain(r, step, NULL, msg, sizeof(msg)), 0);
	print_message("vhci_open: %d, step %d: %s\n", r, step, msg);

	switch (step) {
	case VHCI_STEP_FIND:
	case VHCI_STEP_CONTROLLER:
		assert_int_equal(r, -ENODEV);
		break;
	case VHCI_STEP_MODULE:
		assert_true(r == -ENOENT || r == -EPERM || r == -EACCES ||
			    r == -ENOEXEC || r == -ENOSYS);
		break;
	case VHCI_STEP_SYSFS:
		assert_true(r == -EBADMSG || r == -ENOENT || r == -EFBIG ||
			    r == -EPROTONOSUPPORT || r == -EACCES);
		break;
	default:
		fail_msg("vhci_open: unexpected step %d (%d)", step, r);
	}

	assert_int_equal(vhci_host_read(&h, VHCI_HOST_PACKAGE), 0);
	if (r == -ENOENT && step == VHCI_STEP_MODULE && h.release[0]) {
		char what[256];

		/* A package is named only when apt knows it. */
		if (h.package_known == 1) {
			snprintf(what, sizeof(what), "sudo apt install %s", h.package);
			assert_contains(msg, what);
		} else {
			assert_null(strstr(msg, "apt install"));
		}
		if (h.has_modules_dir == 0) {
			snprintf(what, sizeof(what), "there is no /lib/modules/%s", h.release);
			assert_contains(msg, what);
		}
	}
}

static void test_open_no_load(void **state)
{
	enum vhci_step step = (enum vhci_step)-1;
	struct vhci *v = NULL;
	int r;

	r = vhci_open(&v, VHCI_NO_LOAD, &step);
	if (r < 0) {
		assert_null(v);
		assert_int_equal(step, VHCI_STEP_FIND);
	}
	check_open_result(r, step, v);

	assert_int_equal(vhci_open(NULL, 0, &step), -EINVAL);
	assert_int_equal(vhci_open(&v, 0x100, NULL), -EINVAL);
}

/*
 * Loading is only tried where it cannot change the machine: without root
 * the kernel refuses, and without /lib/modules there is nothing to load.
 */
static void test_open_load(void **state)
{
	enum vhci_step step = (enum vhci_step)-1;
	struct vhci_host h;
	struct vhci *v = NULL;
	int r;

	assert_int_equal(vhci_host_read(&h, 0), 0);
	if (h.is_root && h.has_modules_dir != 0)
		skip();

	r = vhci_open(&v, 0, &step);
	if (r < 0)
		assert_null(v);
	check_open_result(r, step, v);
}

#define FAKE_TEST(t) cmocka_unit_test_setup_teardown(t, fake_setup, fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_free_hs),
		cmocka_unit_test(test_line_used_hs),
		cmocka_unit_test(test_line_ss_no_newline),
		cmocka_unit_test(test_line_not_ready),
		cmocka_unit_test(test_line_wide_fields),
		cmocka_unit_test(test_line_header),
		cmocka_unit_test(test_line_truncated),
		cmocka_unit_test(test_line_garbage),
		cmocka_unit_test(test_line_busid_length),
		cmocka_unit_test(test_line_huge_numbers),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_line_old_formats),
		cmocka_unit_test(test_line_args),
		cmocka_unit_test(test_parse_default_controller),
		cmocka_unit_test(test_parse_debian_last_controller),
		cmocka_unit_test(test_parse_edges),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_pick_by_speed),
		cmocka_unit_test(test_pick_skips_busy),
		cmocka_unit_test(test_pick_all_used),
		cmocka_unit_test(test_pick_avoid),
		cmocka_unit_test(test_pick_lowest_number),
		cmocka_unit_test(test_pick_args),
		FAKE_TEST(test_fake_open),
		FAKE_TEST(test_fake_attach),
		FAKE_TEST(test_fake_attach_full),
		FAKE_TEST(test_fake_attach_args),
		FAKE_TEST(test_fake_attach_not_writable),
		FAKE_TEST(test_fake_detach_free),
		FAKE_TEST(test_fake_detach_nowait),
		FAKE_TEST(test_fake_detach_timeout),
		FAKE_TEST(test_fake_detach_waits),
		FAKE_TEST(test_fake_busid),
		FAKE_TEST(test_fake_busid_predict),
		FAKE_TEST(test_fake_bad_layout),
		FAKE_TEST(test_fake_status_turns_bad),
		cmocka_unit_test(test_os_release),
		cmocka_unit_test(test_explain_missing_module),
		cmocka_unit_test(test_dpkg_owner),
		cmocka_unit_test(test_explain_permission),
		cmocka_unit_test(test_kmod_opened_when_needed),
		cmocka_unit_test(test_explain_other_steps),
		cmocka_unit_test(test_explain_fits),
		cmocka_unit_test(test_explain_truncation),
		cmocka_unit_test(test_host_read),
		cmocka_unit_test(test_open_no_load),
		cmocka_unit_test(test_open_load),
	};

	return cmocka_run_group_tests_name("vhci", tests, NULL, NULL);
}
