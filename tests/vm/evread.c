/*
 * evread: print the events of one evdev node, one line each, for the VM
 * tests to grep: "EV_REL REL_X 100", "EV_KEY BTN_LEFT 1". Codes without a
 * name here print as numbers. Left out unless asked for: SYN_REPORT (-s),
 * and EV_MSC (-m): hid-input sends MSC_SCAN with the HID usage before every
 * key change, and tests that compare key sequences would see it doubled.
 *
 * Usage: evread [-n COUNT] [-t SECONDS] [-s] [-m] [--fifo] [--ready-file FILE] DEVICE
 *        evread --set-led NAME=0|1 DEVICE
 *        evread --caps DEVICE
 *
 *   -n COUNT            exit after COUNT printed events (default: no limit)
 *   -t SECONDS          give up after SECONDS (decimals allowed)
 *   -s                  print SYN_REPORT too
 *   -m                  print EV_MSC (scan codes) too
 *   --ready-file FILE   create FILE (holding the device name) once DEVICE
 *                       is open: start evread in the background, wait for
 *                       FILE, then cause the events
 *   --fifo              run at real-time priority (SCHED_FIFO): a burst
 *                       of events must not outrun evdev's buffer for this
 *                       reader while other programs keep the CPUs busy
 *   --caps              print what DEVICE can send and exit: a line
 *                       "EV_KEY NAME" per key, "EV_ABS NAME MIN MAX" per
 *                       axis
 *   --set-led NAME=V    write an EV_LED event (CAPSL, NUML, SCROLLL,
 *                       COMPOSE, KANA, with or without LED_) and a
 *                       SYN_REPORT to DEVICE, as a desktop sets caps lock,
 *                       and exit
 *
 * Exit status: 0 COUNT events seen (or LED written), 1 timeout, 2 error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/input.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define EXIT_TIMEOUT 1
#define EXIT_ERROR 2

#define N(x) [x] = #x

static const char *const type_names[EV_CNT] = {
	N(EV_SYN), N(EV_KEY), N(EV_REL), N(EV_ABS), N(EV_MSC), N(EV_SW),
	N(EV_LED), N(EV_SND), N(EV_REP), N(EV_FF), N(EV_PWR),
	N(EV_FF_STATUS),
};

static const char *const syn_names[SYN_CNT] = {
	N(SYN_REPORT), N(SYN_CONFIG), N(SYN_MT_REPORT), N(SYN_DROPPED),
};

static const char *const rel_names[REL_CNT] = {
	N(REL_X), N(REL_Y), N(REL_Z), N(REL_RX), N(REL_RY), N(REL_RZ),
	N(REL_HWHEEL), N(REL_DIAL), N(REL_WHEEL), N(REL_MISC),
	N(REL_WHEEL_HI_RES), N(REL_HWHEEL_HI_RES),
};

static const char *const abs_names[ABS_CNT] = {
	N(ABS_X), N(ABS_Y), N(ABS_Z), N(ABS_RX), N(ABS_RY), N(ABS_RZ),
	N(ABS_THROTTLE), N(ABS_RUDDER), N(ABS_WHEEL), N(ABS_GAS),
	N(ABS_BRAKE), N(ABS_HAT0X), N(ABS_HAT0Y), N(ABS_PRESSURE),
	N(ABS_DISTANCE), N(ABS_TILT_X), N(ABS_TILT_Y), N(ABS_MISC),
	N(ABS_MT_SLOT), N(ABS_MT_POSITION_X), N(ABS_MT_POSITION_Y),
	N(ABS_MT_TRACKING_ID), N(ABS_MT_PRESSURE),
};

static const char *const msc_names[MSC_CNT] = {
	N(MSC_SERIAL), N(MSC_PULSELED), N(MSC_GESTURE), N(MSC_RAW),
	N(MSC_SCAN), N(MSC_TIMESTAMP),
};

static const char *const led_names[LED_CNT] = {
	N(LED_NUML), N(LED_CAPSL), N(LED_SCROLLL), N(LED_COMPOSE),
	N(LED_KANA), N(LED_SLEEP), N(LED_SUSPEND), N(LED_MUTE),
	N(LED_MISC), N(LED_MAIL), N(LED_CHARGING),
};

static const char *const rep_names[REP_CNT] = {
	N(REP_DELAY), N(REP_PERIOD),
};

/* What a HID keyboard, mouse or tablet can send. */
static const char *const key_names[KEY_CNT] = {
	N(KEY_ESC), N(KEY_1), N(KEY_2), N(KEY_3), N(KEY_4), N(KEY_5),
	N(KEY_6), N(KEY_7), N(KEY_8), N(KEY_9), N(KEY_0), N(KEY_MINUS),
	N(KEY_EQUAL), N(KEY_BACKSPACE), N(KEY_TAB), N(KEY_Q), N(KEY_W),
	N(KEY_E), N(KEY_R), N(KEY_T), N(KEY_Y), N(KEY_U), N(KEY_I),
	N(KEY_O), N(KEY_P), N(KEY_LEFTBRACE), N(KEY_RIGHTBRACE),
	N(KEY_ENTER), N(KEY_LEFTCTRL), N(KEY_A), N(KEY_S), N(KEY_D),
	N(KEY_F), N(KEY_G), N(KEY_H), N(KEY_J), N(KEY_K), N(KEY_L),
	N(KEY_SEMICOLON), N(KEY_APOSTROPHE), N(KEY_GRAVE),
	N(KEY_LEFTSHIFT), N(KEY_BACKSLASH), N(KEY_Z), N(KEY_X), N(KEY_C),
	N(KEY_V), N(KEY_B), N(KEY_N), N(KEY_M), N(KEY_COMMA), N(KEY_DOT),
	N(KEY_SLASH), N(KEY_RIGHTSHIFT), N(KEY_KPASTERISK), N(KEY_LEFTALT),
	N(KEY_SPACE), N(KEY_CAPSLOCK), N(KEY_F1), N(KEY_F2), N(KEY_F3),
	N(KEY_F4), N(KEY_F5), N(KEY_F6), N(KEY_F7), N(KEY_F8), N(KEY_F9),
	N(KEY_F10), N(KEY_NUMLOCK), N(KEY_SCROLLLOCK), N(KEY_KP7),
	N(KEY_KP8), N(KEY_KP9), N(KEY_KPMINUS), N(KEY_KP4), N(KEY_KP5),
	N(KEY_KP6), N(KEY_KPPLUS), N(KEY_KP1), N(KEY_KP2), N(KEY_KP3),
	N(KEY_KP0), N(KEY_KPDOT), N(KEY_102ND), N(KEY_F11), N(KEY_F12),
	N(KEY_RO), N(KEY_KPENTER), N(KEY_RIGHTCTRL), N(KEY_KPSLASH),
	N(KEY_SYSRQ), N(KEY_RIGHTALT), N(KEY_HOME), N(KEY_UP),
	N(KEY_PAGEUP), N(KEY_LEFT), N(KEY_RIGHT), N(KEY_END), N(KEY_DOWN),
	N(KEY_PAGEDOWN), N(KEY_INSERT), N(KEY_DELETE), N(KEY_MUTE),
	N(KEY_VOLUMEDOWN), N(KEY_VOLUMEUP), N(KEY_POWER), N(KEY_KPEQUAL),
	N(KEY_PAUSE), N(KEY_KPCOMMA), N(KEY_YEN), N(KEY_LEFTMETA),
	N(KEY_RIGHTMETA), N(KEY_COMPOSE), N(KEY_STOP), N(KEY_AGAIN),
	N(KEY_UNDO), N(KEY_COPY), N(KEY_PASTE), N(KEY_FIND), N(KEY_CUT),
	N(KEY_HELP), N(KEY_MENU), N(KEY_SLEEP), N(KEY_WAKEUP),
	N(KEY_F13), N(KEY_F14), N(KEY_F15), N(KEY_F16), N(KEY_F17),
	N(KEY_F18), N(KEY_F19), N(KEY_F20), N(KEY_F21), N(KEY_F22),
	N(KEY_F23), N(KEY_F24), N(KEY_PLAYPAUSE), N(KEY_NEXTSONG),
	N(KEY_PREVIOUSSONG), N(KEY_STOPCD),
	N(BTN_0), N(BTN_1), N(BTN_2), N(BTN_3), N(BTN_4),
	N(BTN_LEFT), N(BTN_RIGHT), N(BTN_MIDDLE), N(BTN_SIDE),
	N(BTN_EXTRA), N(BTN_FORWARD), N(BTN_BACK), N(BTN_TASK),
	N(BTN_TOOL_PEN), N(BTN_TOOL_RUBBER), N(BTN_TOOL_FINGER),
	N(BTN_TOUCH), N(BTN_STYLUS), N(BTN_STYLUS2),
	N(BTN_SOUTH), N(BTN_EAST), N(BTN_C), N(BTN_NORTH), N(BTN_WEST),
	N(BTN_Z), N(BTN_TL), N(BTN_TR), N(BTN_TL2), N(BTN_TR2),
	N(BTN_SELECT), N(BTN_START), N(BTN_MODE), N(BTN_THUMBL),
	N(BTN_THUMBR), N(BTN_TRIGGER_HAPPY1), N(BTN_TRIGGER_HAPPY2),
	N(BTN_TRIGGER_HAPPY3), N(BTN_TRIGGER_HAPPY4),
	N(BTN_DPAD_UP), N(BTN_DPAD_DOWN), N(BTN_DPAD_LEFT), N(BTN_DPAD_RIGHT),
};

#undef N

static const char *prog = "evread";

/* A table entry, if the code is inside the table and has a name. */
static const char *lookup(const char *const *table, size_t n,
			  unsigned int code)
{
	return code < n ? table[code] : NULL;
}

static const char *code_name(unsigned int type, unsigned int code)
{
#define T(tab) lookup(tab, sizeof(tab) / sizeof(tab[0]), code)
	switch (type) {
	case EV_SYN:
		return T(syn_names);
	case EV_KEY:
		return T(key_names);
	case EV_REL:
		return T(rel_names);
	case EV_ABS:
		return T(abs_names);
	case EV_MSC:
		return T(msc_names);
	case EV_LED:
		return T(led_names);
	case EV_REP:
		return T(rep_names);
	default:
		return NULL;
	}
#undef T
}

static void print_event(const struct input_event *ev)
{
	const char *t = lookup(type_names, EV_CNT, ev->type);
	const char *c = code_name(ev->type, ev->code);

	if (t)
		fputs(t, stdout);
	else
		printf("%u", ev->type);
	if (c)
		printf(" %s", c);
	else
		printf(" %u", ev->code);
	printf(" %d\n", ev->value);
	/* Scripts read the file while we still run. */
	fflush(stdout);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: %s [-n COUNT] [-t SECONDS] [-s] [-m] [--fifo] [--ready-file FILE] DEVICE\n"
		"       %s --set-led NAME=0|1 DEVICE\n"
		"       %s --caps DEVICE\n",
		prog, prog, prog);
	return EXIT_ERROR;
}

/* "CAPSL=1", "led_capsl=0", "1=1": the LED code and value. */
static int parse_led(const char *arg, unsigned int *ret_code, int *ret_value)
{
	const char *eq = strchr(arg, '=');
	size_t len;
	unsigned int i;

	if (!eq || (strcmp(eq + 1, "0") && strcmp(eq + 1, "1")))
		return -EINVAL;
	len = (size_t)(eq - arg);
	if (len > 4 && !strncasecmp(arg, "LED_", 4)) {
		arg += 4;
		len -= 4;
	}
	for (i = 0; i < LED_CNT; i++) {
		const char *name = led_names[i];

		if (!name)
			continue;
		name += 4; /* "LED_" */
		if (strlen(name) == len && !strncasecmp(arg, name, len)) {
			*ret_code = i;
			*ret_value = eq[1] - '0';
			return 0;
		}
	}
	if (len > 0 && len < 3 && strspn(arg, "0123456789") == len) {
		i = (unsigned int)strtoul(arg, NULL, 10);
		if (i < LED_CNT) {
			*ret_code = i;
			*ret_value = eq[1] - '0';
			return 0;
		}
	}
	return -EINVAL;
}

static int set_led(const char *dev, const char *arg)
{
	struct input_event ev[2];
	unsigned int code;
	int fd, value;
	ssize_t n;

	if (parse_led(arg, &code, &value) < 0) {
		fprintf(stderr, "%s: bad --set-led '%s' (want e.g. CAPSL=1)\n",
			prog, arg);
		return EXIT_ERROR;
	}
	memset(ev, 0, sizeof(ev));
	ev[0].type = EV_LED;
	ev[0].code = (unsigned short)code;
	ev[0].value = value;
	ev[1].type = EV_SYN;
	ev[1].code = SYN_REPORT;

	fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, dev, strerror(errno));
		return EXIT_ERROR;
	}
	n = write(fd, ev, sizeof(ev));
	if (n != (ssize_t)sizeof(ev)) {
		fprintf(stderr, "%s: write %s: %s\n", prog, dev,
			n < 0 ? strerror(errno) : "short write");
		close(fd);
		return EXIT_ERROR;
	}
	close(fd);
	return 0;
}

static int write_ready_file(const char *path, int devfd)
{
	char name[256] = "";
	int fd, err = 0;
	size_t len;

	if (ioctl(devfd, EVIOCGNAME(sizeof(name) - 1), name) < 0)
		name[0] = '\0';
	len = strlen(name);
	name[len++] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, name, len) != (ssize_t)len)
		err = -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

static int test_bit(const unsigned long *bits, unsigned int n)
{
	return (bits[n / (8 * sizeof(long))] >> (n % (8 * sizeof(long)))) & 1;
}

static int print_caps(const char *dev)
{
	unsigned long keys[KEY_CNT / (8 * sizeof(long)) + 1] = { 0 };
	unsigned long abs[ABS_CNT / (8 * sizeof(long)) + 1] = { 0 };
	struct input_absinfo ai;
	unsigned int c;
	int fd = open(dev, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(keys)), keys) < 0 ||
	    ioctl(fd, EVIOCGBIT(EV_ABS, sizeof(abs)), abs) < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, dev, strerror(errno));
		return EXIT_ERROR;
	}
	for (c = 0; c < KEY_CNT; c++) {
		const char *name = code_name(EV_KEY, c);

		if (!test_bit(keys, c))
			continue;
		if (name)
			printf("EV_KEY %s\n", name);
		else
			printf("EV_KEY %u\n", c);
	}
	for (c = 0; c < ABS_CNT; c++) {
		const char *name = code_name(EV_ABS, c);

		if (!test_bit(abs, c) || ioctl(fd, EVIOCGABS(c), &ai) < 0)
			continue;
		if (name)
			printf("EV_ABS %s %d %d\n", name, ai.minimum,
			       ai.maximum);
		else
			printf("EV_ABS %u %d %d\n", c, ai.minimum, ai.maximum);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "caps", no_argument, NULL, 'c' },
		{ "fifo", no_argument, NULL, 'F' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "set-led", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *ready = NULL, *led = NULL, *dev;
	long long deadline = -1;
	long count = -1, seen = 0;
	int show_syn = 0, show_msc = 0, caps = 0, fd, opt, err;
	char *end;

	while ((opt = getopt_long(argc, argv, "n:t:smh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || count < 1)
				return usage();
			break;
		case 't': {
			double s;

			errno = 0;
			s = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(s > 0) ||
			    s > 86400)
				return usage();
			deadline = now_ms() + (long long)(s * 1000);
			break;
		}
		case 's':
			show_syn = 1;
			break;
		case 'm':
			show_msc = 1;
			break;
		case 'r':
			ready = optarg;
			break;
		case 'L':
			led = optarg;
			break;
		case 'c':
			caps = 1;
			break;
		case 'F': {
			struct sched_param sp = { .sched_priority = 50 };

			if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0) {
				fprintf(stderr, "%s: SCHED_FIFO: %s\n", prog,
					strerror(errno));
				return EXIT_ERROR;
			}
			break;
		}
		default:
			return usage();
		}
	}
	if (optind != argc - 1)
		return usage();
	dev = argv[optind];
	if (led)
		return set_led(dev, led);
	if (caps)
		return print_caps(dev);

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, dev, strerror(errno));
		return EXIT_ERROR;
	}
	if (ready) {
		err = write_ready_file(ready, fd);
		if (err < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, ready,
				strerror(-err));
			return EXIT_ERROR;
		}
	}

	while (count < 0 || seen < count) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct input_event ev[64];
		int timeout = -1, r;
		ssize_t n;
		size_t i;

		if (deadline >= 0) {
			long long left = deadline - now_ms();

			if (left <= 0)
				return EXIT_TIMEOUT;
			timeout = left > INT_MAX ? INT_MAX : (int)left;
		}
		r = poll(&pfd, 1, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", prog, strerror(errno));
			return EXIT_ERROR;
		}
		if (r == 0)
			return EXIT_TIMEOUT;
		n = read(fd, ev, sizeof(ev));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			/* ENODEV: the device went away under us. */
			fprintf(stderr, "%s: read %s: %s\n", prog, dev,
				strerror(errno));
			return EXIT_ERROR;
		}
		if (n == 0 || n % (ssize_t)sizeof(ev[0])) {
			fprintf(stderr, "%s: read %s: odd size %zd\n", prog,
				dev, n);
			return EXIT_ERROR;
		}
		for (i = 0; i < (size_t)n / sizeof(ev[0]); i++) {
			if (ev[i].type == EV_SYN && ev[i].code == SYN_REPORT &&
			    !show_syn)
				continue;
			/* hid-input precedes each key with its scan code:
			 * noise for tests that count key events. */
			if (ev[i].type == EV_MSC && !show_msc)
				continue;
			print_event(&ev[i]);
			if (++seen == count)
				break;
		}
	}
	return 0;
}
