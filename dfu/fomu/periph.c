// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "dfu/fomu/periph.h"

/*
 * A CSR bus of 8-bit registers in 32-bit words: register n is the low
 * byte of word n. Returns n, or -1 for the other three bytes (read 0,
 * writes ignored, as the LiteX bus gives them).
 */
static int reg_index(uint32_t off)
{
	return off % 4 ? -1 : (int)(off / 4);
}

/* Byte i (0: most significant) of a 32-bit register spread on 4 words. */
static uint8_t byte_of(uint32_t v, unsigned int i)
{
	return (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t with_byte(uint32_t v, unsigned int i, uint8_t b)
{
	unsigned int shift = 24 - 8 * i;

	return (v & ~(0xffu << shift)) | (uint32_t)b << shift;
}

static int attach(struct fomu_soc *soc, uint32_t base, uint32_t size,
		  uint32_t (*rd)(void *, uint32_t, unsigned int),
		  void (*wr)(void *, uint32_t, unsigned int, uint32_t), void *ctx)
{
	struct fomu_periph p = { base, size, rd, wr, ctx };

	return fomu_soc_add_periph(soc, &p);
}

/* --- ctrl ---------------------------------------------------------------- */

static uint32_t ctrl_read(void *ctx, uint32_t off, unsigned int size)
{
	struct fomu_ctrl *c = ctx;
	int r = reg_index(off);

	if (r >= 1 && r <= 4)
		return byte_of(c->scratch, (unsigned int)r - 1);
	return 0; /* reset reads 0; bus_errors (5..8): none */
}

static void ctrl_write(void *ctx, uint32_t off, unsigned int size, uint32_t val)
{
	struct fomu_ctrl *c = ctx;
	int r = reg_index(off);

	if (r == 0 && (val & 1)) {
		c->reset_request = true;
		rv32_yield(&c->soc->cpu);
	} else if (r >= 1 && r <= 4) {
		c->scratch = with_byte(c->scratch, (unsigned int)r - 1, (uint8_t)val);
	}
}

int fomu_ctrl_attach(struct fomu_ctrl *c, struct fomu_soc *soc)
{
	memset(c, 0, sizeof(*c));
	c->soc = soc;
	c->scratch = FOMU_CTRL_SCRATCH_RESET;
	return attach(soc, FOMU_CTRL_BASE, 0x800, ctrl_read, ctrl_write, c);
}

/* --- timer0 -------------------------------------------------------------- */

enum {
	T_LOAD = 0, /* 4 bytes */
	T_RELOAD = 4, /* 4 bytes */
	T_EN = 8,
	T_UPDATE = 9,
	T_VALUE = 10, /* 4 bytes */
	T_EV_STATUS = 14,
	T_EV_PENDING = 15,
	T_EV_ENABLE = 16,
};

static uint64_t now_cycle(const struct fomu_timer *t)
{
	return t->soc->cpu.cycle;
}

static uint32_t value_at(const struct fomu_timer *t, uint64_t c)
{
	uint64_t d, d2;

	if (!t->en)
		return t->load;
	d = c - t->base_cycle;
	if (d <= t->base_value)
		return (uint32_t)(t->base_value - d);
	d2 = d - t->base_value;
	if (t->reload == 0)
		return 0;
	return (uint32_t)(t->reload - (d2 - 1) % ((uint64_t)t->reload + 1));
}

uint32_t fomu_timer_value(const struct fomu_timer *t)
{
	return value_at(t, now_cycle(t));
}

/* The first cycle > after at which the count becomes 0; UINT64_MAX: never. */
static uint64_t next_zero(const struct fomu_timer *t, uint64_t after)
{
	uint64_t first, period, k;

	if (!t->en)
		return UINT64_MAX;
	if (t->base_value)
		first = t->base_cycle + t->base_value;
	else if (t->reload)
		first = t->base_cycle + 1 + t->reload;
	else
		return UINT64_MAX;
	if (first > after)
		return first;
	if (t->reload == 0)
		return UINT64_MAX;
	period = (uint64_t)t->reload + 1;
	k = (after - first) / period + 1;
	return first + k * period;
}

static void timer_irq(struct fomu_timer *t)
{
	rv32_set_irq(&t->soc->cpu, t->irq, (t->pending & t->enable & 1) != 0);
}

void fomu_timer_sync(struct fomu_timer *t)
{
	uint64_t now = now_cycle(t);

	if (now > t->synced && next_zero(t, t->synced) <= now)
		t->pending |= 1;
	t->synced = now;
	timer_irq(t);
}

uint64_t fomu_timer_next_irq(const struct fomu_timer *t)
{
	uint64_t now = now_cycle(t), z;

	if (!(t->enable & 1) || (t->pending & 1))
		return UINT64_MAX;
	z = next_zero(t, now);
	return z == UINT64_MAX ? z : z - now;
}

/* Start counting again from the value it has now: reload changed. */
static void rebase(struct fomu_timer *t)
{
	uint64_t now = now_cycle(t);

	t->base_value = value_at(t, now);
	t->base_cycle = now;
}

static uint32_t timer_read(void *ctx, uint32_t off, unsigned int size)
{
	struct fomu_timer *t = ctx;
	int r = reg_index(off);

	/* What an enabled timer says changes with time alone. */
	if (t->en)
		t->soc->cpu.effects++;
	fomu_timer_sync(t);
	if (r >= T_LOAD && r < T_LOAD + 4)
		return byte_of(t->load, (unsigned int)(r - T_LOAD));
	if (r >= T_RELOAD && r < T_RELOAD + 4)
		return byte_of(t->reload, (unsigned int)(r - T_RELOAD));
	if (r >= T_VALUE && r < T_VALUE + 4)
		return byte_of(t->latched, (unsigned int)(r - T_VALUE));
	switch (r) {
	case T_EN:
		return t->en;
	case T_EV_STATUS:
		return fomu_timer_value(t) != 0;
	case T_EV_PENDING:
		return t->pending;
	case T_EV_ENABLE:
		return t->enable;
	default:
		return 0;
	}
}

static void timer_write(void *ctx, uint32_t off, unsigned int size, uint32_t val)
{
	struct fomu_timer *t = ctx;
	int r = reg_index(off);
	uint8_t b = (uint8_t)val;

	fomu_timer_sync(t);
	if (r >= T_LOAD && r < T_LOAD + 4) {
		t->load = with_byte(t->load, (unsigned int)(r - T_LOAD), b);
	} else if (r >= T_RELOAD && r < T_RELOAD + 4) {
		rebase(t);
		t->reload = with_byte(t->reload, (unsigned int)(r - T_RELOAD), b);
	} else if (r == T_EN) {
		bool en = b & 1;

		if (en && !t->en) {
			/* disabled, it held `load`: it counts from there */
			t->base_cycle = now_cycle(t);
			t->base_value = t->load;
		}
		t->en = en;
	} else if (r == T_UPDATE) {
		t->latched = fomu_timer_value(t);
	} else if (r == T_EV_PENDING) {
		t->pending &= (uint8_t)~b;
	} else if (r == T_EV_ENABLE) {
		t->enable = b & 1;
	}
	timer_irq(t);
}

int fomu_timer_attach(struct fomu_timer *t, struct fomu_soc *soc)
{
	memset(t, 0, sizeof(*t));
	t->soc = soc;
	t->synced = soc->cpu.cycle;
	t->irq = FOMU_IRQ_TIMER0;
	return attach(soc, FOMU_TIMER0_BASE, 0x800, timer_read, timer_write, t);
}

/* --- picorvspi ----------------------------------------------------------- */

/* Bit-bang mode drives the flash's wires from cfg1; memory-mapped mode
 * leaves CS# high between its own reads. The output enables (cfg2) are
 * kept, not modelled: io0 drives MOSI whatever they say. */
static void spi_drive(struct fomu_spi *s)
{
	uint8_t c1 = s->cfg[0];

	if (s->cfg[3] & FOMU_SPI_CFG4_MEMIO)
		spi_nor_pins(s->nor, true, false, false);
	else
		spi_nor_pins(s->nor, c1 & FOMU_SPI_CFG1_CS_N, c1 & FOMU_SPI_CFG1_CLK,
			     c1 & FOMU_SPI_CFG1_MOSI);
}

static uint32_t spi_read(void *ctx, uint32_t off, unsigned int size)
{
	struct fomu_spi *s = ctx;
	int r = reg_index(off);

	if (r >= 0 && r < 4)
		return s->cfg[r];
	if (r == 4) {
		/* stat1: the four io pads as read back; io1 is the flash's MISO */
		uint8_t io = s->cfg[0] & 0x0d;

		return io | (spi_nor_miso(s->nor) ? FOMU_SPI_CFG1_MISO : 0);
	}
	return 0;
}

static void spi_write(void *ctx, uint32_t off, unsigned int size, uint32_t val)
{
	struct fomu_spi *s = ctx;
	int r = reg_index(off);

	if (r < 0 || r >= 4)
		return;
	s->cfg[r] = (uint8_t)val;
	if (r == 0 || r == 3)
		spi_drive(s);
}

int fomu_spi_attach(struct fomu_spi *s, struct fomu_soc *soc, struct spi_nor *nor)
{
	memset(s, 0, sizeof(*s));
	s->soc = soc;
	s->nor = nor;
	s->cfg[3] = FOMU_SPI_CFG4_MEMIO; /* the reset value: memory-mapped */
	spi_drive(s);
	return attach(soc, FOMU_SPI_BASE, 0x800, spi_read, spi_write, s);
}

/* --- lxspi -------------------------------------------------------------- */

static void lxspi_drive(struct fomu_lxspi *s)
{
	uint8_t b = s->bitbang;

	if (!(s->en & 1))
		spi_nor_pins(s->nor, true, false, false);
	else
		spi_nor_pins(s->nor, b & FOMU_LXSPI_CS_N, b & FOMU_LXSPI_CLK, b & FOMU_LXSPI_MOSI);
}

static uint32_t lxspi_read(void *ctx, uint32_t off, unsigned int size)
{
	struct fomu_lxspi *s = ctx;

	switch (reg_index(off)) {
	case 0:
		return s->bitbang;
	case 1:
		return spi_nor_miso(s->nor);
	case 2:
		return s->en;
	default:
		return 0;
	}
}

static void lxspi_write(void *ctx, uint32_t off, unsigned int size, uint32_t val)
{
	struct fomu_lxspi *s = ctx;

	switch (reg_index(off)) {
	case 0:
		s->bitbang = (uint8_t)val & 0x0f;
		break;
	case 2:
		s->en = (uint8_t)val & 1;
		break;
	default:
		return;
	}
	lxspi_drive(s);
}

int fomu_lxspi_attach(struct fomu_lxspi *s, struct fomu_soc *soc, struct spi_nor *nor)
{
	memset(s, 0, sizeof(*s));
	s->nor = nor;
	lxspi_drive(s);
	return attach(soc, FOMU_LXSPI_BASE, 0x800, lxspi_read, lxspi_write, s);
}

/* --- touch --------------------------------------------------------------- */

static uint32_t touch_read(void *ctx, uint32_t off, unsigned int size)
{
	struct fomu_touch *t = ctx;

	switch (reg_index(off)) {
	case 0:
		return t->o;
	case 1:
		return t->oe;
	case 2:
		/* A driven pad reads its own level; nothing connects the pads
		 * (no finger): an undriven one reads 0, so foboot's "nerve
		 * pinch" (out on pad 2, in on pad 0) never matches. */
		return t->o & t->oe & 0x0f;
	default:
		return 0;
	}
}

static void touch_write(void *ctx, uint32_t off, unsigned int size, uint32_t val)
{
	struct fomu_touch *t = ctx;

	switch (reg_index(off)) {
	case 0:
		t->o = (uint8_t)val & 0x0f;
		break;
	case 1:
		t->oe = (uint8_t)val & 0x0f;
		break;
	default:
		break;
	}
}

int fomu_touch_attach(struct fomu_touch *t, struct fomu_soc *soc)
{
	memset(t, 0, sizeof(*t));
	return attach(soc, FOMU_TOUCH_BASE, 0x800, touch_read, touch_write, t);
}

/* --- reboot -------------------------------------------------------------- */

static uint32_t reboot_read(void *ctx, uint32_t off, unsigned int size)
{
	struct fomu_reboot *rb = ctx;
	int r = reg_index(off);

	if (r == 0)
		return rb->ctrl;
	if (r >= 1 && r <= 4)
		return byte_of(rb->addr, (unsigned int)r - 1);
	return 0;
}

static void reboot_write(void *ctx, uint32_t off, unsigned int size, uint32_t val)
{
	struct fomu_reboot *rb = ctx;
	int r = reg_index(off);

	if (r == 0) {
		rb->ctrl = (uint8_t)val;
		/* SB_WARMBOOT's BOOT input: key 0b101011 in bits 7..2 */
		if ((rb->ctrl & 0xfc) == FOMU_REBOOT_KEY) {
			rb->request = rb->ctrl & 3;
			rv32_yield(&rb->soc->cpu);
		}
	} else if (r >= 1 && r <= 4) {
		rb->addr = with_byte(rb->addr, (unsigned int)r - 1, (uint8_t)val);
	}
}

int fomu_reboot_attach(struct fomu_reboot *r, struct fomu_soc *soc)
{
	memset(r, 0, sizeof(*r));
	r->soc = soc;
	r->request = -1;
	return attach(soc, FOMU_REBOOT_BASE, 0x800, reboot_read, reboot_write, r);
}

/* --- rgb ----------------------------------------------------------------- */

static uint32_t rgb_read(void *ctx, uint32_t off, unsigned int size)
{
	struct fomu_rgb *g = ctx;

	switch (reg_index(off)) {
	case 0:
		return g->dat;
	case 1:
		return g->addr;
	case 2:
		return g->ctrl;
	default:
		return 0;
	}
}

static void rgb_write(void *ctx, uint32_t off, unsigned int size, uint32_t val)
{
	struct fomu_rgb *g = ctx;

	switch (reg_index(off)) {
	case 0:
		/* a write to dat is a bus cycle to the LED IP at addr */
		g->dat = (uint8_t)val;
		g->regs[g->addr & 0x0f] = g->dat;
		g->writes++;
		break;
	case 1:
		g->addr = (uint8_t)val & 0x0f;
		break;
	case 2:
		g->ctrl = (uint8_t)val;
		break;
	default:
		break;
	}
}

int fomu_rgb_attach(struct fomu_rgb *r, struct fomu_soc *soc)
{
	memset(r, 0, sizeof(*r));
	return attach(soc, FOMU_RGB_BASE, 0x800, rgb_read, rgb_write, r);
}

/* --- version ------------------------------------------------------------- */

static uint32_t version_read(void *ctx, uint32_t off, unsigned int size)
{
	const struct fomu_version *v = ctx;
	int r = reg_index(off);

	switch (r) {
	case 0:
		return v->major;
	case 1:
		return v->minor;
	case 2:
		return v->revision;
	case 3:
	case 4:
	case 5:
	case 6:
		return byte_of(v->gitrev, (unsigned int)r - 3);
	case 7: /* gitextra, 10 bits in two registers */
		return (v->gitextra >> 8) & 3;
	case 8:
		return v->gitextra & 0xff;
	case 9: /* dirty */
		return 0;
	case 10:
		return v->model;
	default: /* seed (11..14): 0 */
		return 0;
	}
}

/* Whether the UTF-16LE text at p (n bytes left) starts with ASCII s. */
static bool utf16_is(const uint8_t *p, size_t n, const char *s)
{
	size_t i, len = strlen(s);

	if (n / 2 < len)
		return false;
	for (i = 0; i < len; i++)
		if (p[2 * i] != (uint8_t)s[i] || p[2 * i + 1])
			return false;
	return true;
}

/* The UTF-16LE character at p (n bytes left), 0 past the end or beyond ASCII. */
static char utf16_at(const uint8_t *p, size_t n, size_t i)
{
	if (n / 2 <= i || p[2 * i + 1] || p[2 * i] >= 0x80)
		return 0;
	return (char)p[2 * i];
}

/* A decimal number of at most `max` at character *i, which moves past it. */
static bool utf16_num(const uint8_t *p, size_t n, size_t *i, uint32_t max, int base, uint32_t *ret)
{
	uint32_t v = 0;
	size_t start = *i;
	char c;

	for (;;) {
		unsigned int d;

		c = utf16_at(p, n, *i);
		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else
			break;
		if (v > (max - d) / (uint32_t)base)
			return false;
		v = v * (uint32_t)base + d;
		(*i)++;
	}
	if (*i == start)
		return false;
	*ret = v;
	return true;
}

/* "vMAJOR.MINOR[.REVISION][-EXTRA-gHASH]" at character 0 of p. */
static bool parse_describe(const uint8_t *p, size_t n, struct fomu_version *v)
{
	uint32_t major, minor, rev = 0, extra = 0, hash = 0;
	size_t i = 1;

	if (utf16_at(p, n, 0) != 'v' || !utf16_num(p, n, &i, 255, 10, &major) ||
	    utf16_at(p, n, i++) != '.' || !utf16_num(p, n, &i, 255, 10, &minor))
		return false;
	if (utf16_at(p, n, i) == '.') {
		i++;
		if (!utf16_num(p, n, &i, 255, 10, &rev))
			return false;
	}
	if (utf16_at(p, n, i) == '-') {
		i++;
		if (!utf16_num(p, n, &i, 1023, 10, &extra) || utf16_at(p, n, i) != '-' ||
		    utf16_at(p, n, i + 1) != 'g')
			return false;
		i += 2;
		if (!utf16_num(p, n, &i, 0xffffffffu, 16, &hash))
			return false;
	}
	v->major = (uint8_t)major;
	v->minor = (uint8_t)minor;
	v->revision = (uint8_t)rev;
	v->gitextra = (uint16_t)extra;
	v->gitrev = hash;
	return true;
}

bool fomu_version_from_elf(const struct elf_image *img, const uint8_t *buf,
			   struct fomu_version *ret)
{
	static const char *const models[] = { "Fomu PVT ", "Fomu EVT ", "Fomu Hacker " };
	static const char marker[] = "running DFU Bootloader ";
	unsigned int i, m;

	for (i = 0; i < img->nsegs; i++) {
		const uint8_t *p = buf + img->segs[i].offset;
		size_t n = img->segs[i].filesz, k;

		for (k = 0; k + 2 * (sizeof(marker) - 1) <= n; k++) {
			struct fomu_version v = FOMU_VERSION_DEFAULT;
			size_t at = k + 2 * (sizeof(marker) - 1);

			if (!utf16_is(p + k, n - k, marker) || !parse_describe(p + at, n - at, &v))
				continue;
			for (m = 0; m < sizeof(models) / sizeof(models[0]); m++) {
				size_t len = 2 * strlen(models[m]);

				if (k >= len && utf16_is(p + k - len, len, models[m]))
					v.model = (uint8_t)models[m][5];
			}
			*ret = v;
			return true;
		}
	}
	return false;
}

int fomu_version_attach(struct fomu_soc *soc, const struct fomu_version *v)
{
	return attach(soc, FOMU_VERSION_BASE, 0x800, version_read, NULL, (void *)v);
}
