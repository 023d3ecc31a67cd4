// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dfu/rv32/elf.h"
#include "src/base/bytes.h"

#define EHDR_SIZE 52
#define PHDR_SIZE 32

#define ET_EXEC 2
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3

/* e_flags */
#define EF_RISCV_RVC 0x1u
#define EF_RISCV_FLOAT_ABI 0x6u
#define EF_RISCV_RVE 0x8u

static int bad(struct strbuf *err, int r, const char *what)
{
	strbuf_printf(err, "%s", what);
	return r;
}

static int check_header(const uint8_t *b, size_t len, struct strbuf *err)
{
	uint32_t flags;

	if (len < 4 || memcmp(b, "\x7f" "ELF", 4) != 0)
		return bad(err, -EINVAL, "not an ELF file");
	if (len < EHDR_SIZE)
		return bad(err, -EINVAL, "truncated ELF header");
	if (b[4] == 2)
		return bad(err, -EINVAL, "a 64-bit ELF: build for RV32 (-march=rv32i -mabi=ilp32)");
	if (b[4] != 1) {
		strbuf_printf(err, "unknown ELF class %u", b[4]);
		return -EINVAL;
	}
	if (b[5] != 1)
		return bad(err, -EINVAL, "a big-endian ELF: RISC-V is little-endian");
	if (b[6] != 1 || get_le32(b + 20) != 1)
		return bad(err, -EINVAL, "unknown ELF version");
	if (get_le16(b + 18) != ELF_EM_RISCV) {
		strbuf_printf(err, "an ELF for machine %u, not RISC-V (%u)", get_le16(b + 18),
			      ELF_EM_RISCV);
		return -EINVAL;
	}
	if (get_le16(b + 16) != ET_EXEC) {
		strbuf_printf(err, "ELF type %u is not an executable: link it first", get_le16(b + 16));
		return -EINVAL;
	}
	flags = get_le32(b + 36);
	if (flags & EF_RISCV_RVC)
		return bad(err, -EINVAL,
			   "built with compressed instructions (RVC), which the core does not "
			   "run: build with -march=rv32i");
	if (flags & EF_RISCV_FLOAT_ABI)
		return bad(err, -EINVAL, "built for a hard-float ABI: build with -mabi=ilp32");
	if (flags & EF_RISCV_RVE)
		return bad(err, -EINVAL, "built for RV32E: build with -march=rv32i");
	if (get_le16(b + 40) != EHDR_SIZE)
		return bad(err, -EINVAL, "bad ELF header size");
	return 0;
}

/* [a, a + alen) and [b, b + blen) share a byte. */
static bool overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return alen && blen && (uint64_t)a < (uint64_t)b + blen && (uint64_t)b < (uint64_t)a + alen;
}

static int check_overlap(const struct elf_image *img, const struct elf_segment *s,
			 struct strbuf *err)
{
	unsigned int j;

	for (j = 0; j < img->nsegs; j++) {
		const struct elf_segment *o = &img->segs[j];

		if (overlap(o->paddr, o->filesz, s->paddr, s->filesz)) {
			strbuf_printf(err,
				      "segments overlap: load images 0x%08x-0x%08x and "
				      "0x%08x-0x%08x (p_paddr, p_filesz)",
				      o->paddr, o->paddr + o->filesz - 1, s->paddr,
				      s->paddr + s->filesz - 1);
			return -EINVAL;
		}
		if (overlap(o->vaddr, o->memsz, s->vaddr, s->memsz)) {
			strbuf_printf(err,
				      "segments overlap: 0x%08x-0x%08x and 0x%08x-0x%08x "
				      "(p_vaddr, p_memsz)",
				      o->vaddr, o->vaddr + o->memsz - 1, s->vaddr,
				      s->vaddr + s->memsz - 1);
			return -EINVAL;
		}
	}
	return 0;
}

int elf_parse_rv32(const uint8_t *buf, size_t len, struct elf_image *ret, struct strbuf *err)
{
	struct elf_image img = { 0 };
	uint32_t phoff;
	unsigned int phnum, i;
	int r;

	r = check_header(buf, len, err);
	if (r < 0)
		return r;
	img.entry = get_le32(buf + 24);
	phoff = get_le32(buf + 28);
	phnum = get_le16(buf + 44);
	if (phnum == 0)
		return bad(err, -EINVAL, "no program headers: nothing to load");
	if (get_le16(buf + 42) != PHDR_SIZE)
		return bad(err, -EINVAL, "bad program header size");
	if (phoff > len || (size_t)phnum * PHDR_SIZE > len - phoff)
		return bad(err, -EINVAL, "program headers beyond the end of the file");
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = buf + phoff + (size_t)i * PHDR_SIZE;
		uint32_t type = get_le32(ph);
		struct elf_segment s = {
			.offset = get_le32(ph + 4),
			.vaddr = get_le32(ph + 8),
			.paddr = get_le32(ph + 12),
			.filesz = get_le32(ph + 16),
			.memsz = get_le32(ph + 20),
			.flags = get_le32(ph + 24),
		};

		if (type == PT_INTERP || type == PT_DYNAMIC)
			return bad(err, -EINVAL, "dynamically linked: link it static");
		if (type != PT_LOAD || s.memsz == 0)
			continue;
		if (s.filesz > s.memsz) {
			strbuf_printf(err, "segment %u: file size 0x%x larger than its memory size 0x%x",
				      i, s.filesz, s.memsz);
			return -EINVAL;
		}
		if (s.offset > len || s.filesz > len - s.offset) {
			strbuf_printf(err, "segment %u: its bytes are beyond the end of the file", i);
			return -EINVAL;
		}
		if ((uint64_t)s.paddr + s.filesz > 0x100000000ull) {
			strbuf_printf(err,
				      "segment %u: 0x%08x + 0x%x (p_paddr + p_filesz) wraps "
				      "around 4 GiB",
				      i, s.paddr, s.filesz);
			return -EINVAL;
		}
		if ((uint64_t)s.vaddr + s.memsz > 0x100000000ull) {
			strbuf_printf(err,
				      "segment %u: 0x%08x + 0x%x (p_vaddr + p_memsz) wraps "
				      "around 4 GiB",
				      i, s.vaddr, s.memsz);
			return -EINVAL;
		}
		if (img.nsegs == ELF_MAX_SEGMENTS) {
			strbuf_printf(err, "more than %u loadable segments", ELF_MAX_SEGMENTS);
			return -E2BIG;
		}
		r = check_overlap(&img, &s, err);
		if (r < 0)
			return r;
		img.segs[img.nsegs++] = s;
	}
	if (img.nsegs == 0)
		return bad(err, -EINVAL, "no loadable segment");
	if (img.entry & 3) {
		strbuf_printf(err, "entry point 0x%08x is not 4-byte aligned", img.entry);
		return -EINVAL;
	}
	*ret = img;
	return 0;
}

int elf_read_file(const char *path, uint8_t **ret_buf, size_t *ret_len, struct strbuf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0) {
		r = -errno;
		strbuf_printf(err, "%s: %s", path, strerror(-r));
		return r;
	}
	r = elf_read_fd(fd, path, ret_buf, ret_len, err);
	close(fd);
	return r;
}

int elf_read_fd(int fd, const char *path, uint8_t **ret_buf, size_t *ret_len, struct strbuf *err)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int e;

	if (fstat(fd, &st) < 0) {
		e = errno;
		strbuf_printf(err, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		strbuf_printf(err, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (st.st_size > (off_t)ELF_MAX_FILE_SIZE) {
		strbuf_printf(err, "%s: larger than %u MiB: not a Fomu firmware", path,
			      ELF_MAX_FILE_SIZE >> 20);
		return -EFBIG;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf)
		return -ENOMEM;
	/* From the start, whatever the sender's offset: pread. */
	while (done < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + done, (size_t)st.st_size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			free(buf);
			strbuf_printf(err, "%s: %s", path, n < 0 ? strerror(e) : "shorter than it was");
			return -e;
		}
		done += (size_t)n;
	}
	*ret_buf = buf;
	*ret_len = done;
	return 0;
}
