/* SPDX-License-Identifier: MIT */
/*
 * Integers in byte buffers, in either byte order, at any alignment: USB
 * descriptors and setup packets are little-endian, USB/IP and SCSI are
 * big-endian. Written once here so that no parser carries its own.
 */
#ifndef VUSB_BASE_BYTES_H
#define VUSB_BASE_BYTES_H

#include <stdint.h>

static inline uint16_t get_le16(const void *buf)
{
	const uint8_t *p = buf;

	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const void *buf)
{
	const uint8_t *p = buf;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint16_t get_be16(const void *buf)
{
	const uint8_t *p = buf;

	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const void *buf)
{
	const uint8_t *p = buf;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t get_be64(const void *buf)
{
	const uint8_t *p = buf;

	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static inline void put_le16(void *buf, uint16_t v)
{
	uint8_t *p = buf;

	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(void *buf, uint32_t v)
{
	uint8_t *p = buf;

	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void put_be16(void *buf, uint16_t v)
{
	uint8_t *p = buf;

	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_be32(void *buf, uint32_t v)
{
	uint8_t *p = buf;

	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

static inline void put_be64(void *buf, uint64_t v)
{
	uint8_t *p = buf;

	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

#endif
