// SPDX-License-Identifier: MIT
#include <string.h>

#include "src/base/bytes.h"
#include "src/capture/pcapng.h"

#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define ISB_IFRECV 4
#define ISB_IFDROP 5

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static size_t str_len(const char *s)
{
	size_t n = s ? strnlen(s, PCAPNG_MAX_STRING + 1) : 0;

	return n > PCAPNG_MAX_STRING ? PCAPNG_MAX_STRING : n;
}

/* One option's size: code, length, value padded to 4. */
static size_t opt_size(size_t len)
{
	return 4 + pad4(len);
}

static size_t put_opt(uint8_t *p, uint16_t code, const void *val, size_t len)
{
	put_le16(p, code);
	put_le16(p + 2, (uint16_t)len);
	if (len)
		memcpy(p + 4, val, len);
	memset(p + 4 + len, 0, pad4(len) - len);
	return opt_size(len);
}

/* A string option, when there is a string. */
static size_t put_str_opt(uint8_t *p, uint16_t code, const char *s)
{
	size_t n = str_len(s);

	return n ? put_opt(p, code, s, n) : 0;
}

static size_t str_opt_size(const char *s)
{
	size_t n = str_len(s);

	return n ? opt_size(n) : 0;
}

/* Block type, total length at both ends. */
static void frame(uint8_t *buf, uint32_t type, size_t total)
{
	put_le32(buf, type);
	put_le32(buf + 4, (uint32_t)total);
	put_le32(buf + total - 4, (uint32_t)total);
}

size_t pcapng_shb(uint8_t *buf, size_t cap, const char *comment, const char *appl)
{
	size_t opts = str_opt_size(comment) + str_opt_size(appl);
	size_t total = 8 + 16 + (opts ? opts + 4 : 0) + 4;
	uint8_t *p;

	if (total > cap)
		return total;
	put_le32(buf + 8, PCAPNG_BYTE_ORDER_MAGIC);
	put_le16(buf + 12, 1);
	put_le16(buf + 14, 0);
	put_le64(buf + 16, UINT64_MAX); /* section length: not known */
	p = buf + 24;
	if (opts) {
		p += put_str_opt(p, OPT_COMMENT, comment);
		p += put_str_opt(p, SHB_USERAPPL, appl);
		p += put_opt(p, OPT_ENDOFOPT, NULL, 0);
	}
	frame(buf, PCAPNG_BT_SHB, total);
	return total;
}

size_t pcapng_idb(uint8_t *buf, size_t cap, uint16_t linktype, uint32_t snaplen, const char *name,
		  const char *desc)
{
	size_t opts = str_opt_size(name) + str_opt_size(desc);
	size_t total = 8 + 8 + (opts ? opts + 4 : 0) + 4;
	uint8_t *p;

	if (total > cap)
		return total;
	put_le16(buf + 8, linktype);
	put_le16(buf + 10, 0);
	put_le32(buf + 12, snaplen);
	p = buf + 16;
	if (opts) {
		p += put_str_opt(p, IF_NAME, name);
		p += put_str_opt(p, IF_DESCRIPTION, desc);
		p += put_opt(p, OPT_ENDOFOPT, NULL, 0);
	}
	frame(buf, PCAPNG_BT_IDB, total);
	return total;
}

size_t pcapng_epb(uint8_t *buf, size_t cap, uint32_t ifid, uint64_t ts_us, const void *hdr,
		  size_t hlen, const void *data, size_t dlen, uint32_t orig_len,
		  const char *comment)
{
	size_t plen = hlen + dlen;
	size_t opts = str_opt_size(comment);
	size_t total = 8 + 20 + pad4(plen) + (opts ? opts + 4 : 0) + 4;
	uint8_t *p;

	if (plen > UINT32_MAX - 64 || total > cap)
		return total;
	put_le32(buf + 8, ifid);
	put_le32(buf + 12, (uint32_t)(ts_us >> 32));
	put_le32(buf + 16, (uint32_t)ts_us);
	put_le32(buf + 20, (uint32_t)plen);
	put_le32(buf + 24, orig_len < plen ? (uint32_t)plen : orig_len);
	if (hlen)
		memcpy(buf + 28, hdr, hlen);
	if (dlen)
		memcpy(buf + 28 + hlen, data, dlen);
	memset(buf + 28 + plen, 0, pad4(plen) - plen);
	p = buf + 28 + pad4(plen);
	if (opts) {
		p += put_str_opt(p, OPT_COMMENT, comment);
		put_opt(p, OPT_ENDOFOPT, NULL, 0);
	}
	frame(buf, PCAPNG_BT_EPB, total);
	return total;
}

size_t pcapng_isb(uint8_t *buf, size_t cap, uint32_t ifid, uint64_t ts_us, uint64_t recv,
		  uint64_t drop)
{
	size_t total = 8 + 12 + 2 * opt_size(8) + 4 + 4;
	uint8_t v[8], *p;

	if (total > cap)
		return total;
	put_le32(buf + 8, ifid);
	put_le32(buf + 12, (uint32_t)(ts_us >> 32));
	put_le32(buf + 16, (uint32_t)ts_us);
	p = buf + 20;
	put_le64(v, recv);
	p += put_opt(p, ISB_IFRECV, v, 8);
	put_le64(v, drop);
	p += put_opt(p, ISB_IFDROP, v, 8);
	put_opt(p, OPT_ENDOFOPT, NULL, 0);
	frame(buf, PCAPNG_BT_ISB, total);
	return total;
}

void usbmon_hdr_encode(uint8_t out[USBMON_HDR_SIZE], const struct usbmon_rec *r)
{
	put_le64(out, r->id);
	out[8] = (uint8_t)r->type;
	out[9] = r->xfer;
	out[10] = r->epnum;
	out[11] = r->devnum;
	put_le16(out + 12, r->busnum);
	out[14] = r->has_setup ? 0 : '-';
	out[15] = (uint8_t)r->data_flag;
	put_le64(out + 16, (uint64_t)r->ts_sec);
	put_le32(out + 24, (uint32_t)r->ts_usec);
	put_le32(out + 28, (uint32_t)r->status);
	put_le32(out + 32, r->length);
	put_le32(out + 36, r->len_cap);
	if (r->xfer == USBMON_XFER_ISO) {
		put_le32(out + 40, (uint32_t)r->iso_error_count);
		put_le32(out + 44, (uint32_t)r->iso_numdesc);
	} else if (r->has_setup) {
		memcpy(out + 40, r->setup, 8);
	} else {
		memset(out + 40, 0, 8);
	}
	put_le32(out + 48, (uint32_t)r->interval);
	put_le32(out + 52, (uint32_t)r->start_frame);
	put_le32(out + 56, r->xfer_flags);
	put_le32(out + 60, r->ndesc);
}
