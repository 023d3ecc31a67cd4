// SPDX-License-Identifier: MIT
/*
 * The ELF loader (dfu/rv32/elf.c) and the Fomu's placement of what it
 * parses (fomu_soc_load) and the gateware it guesses from its code
 * (fomu_soc_wants_v2) and the version its product string names
 * (fomu_version_from_elf): the input is the file given to --firmware.
 * Checked: a file accepted has at most ELF_MAX_SEGMENTS segments, each
 * with its bytes inside the file and no more of them than its size where
 * it runs; no two load images and no two run ranges overlap; a refusal
 * always says why; a placement refused writes nothing, one accepted puts
 * each segment's file bytes at its load address.
 */
#include <errno.h>
#include <string.h>

#include "dfu/fomu/periph.h"
#include "dfu/fomu/soc.h"
#include "dfu/rv32/elf.h"
#include "tests/fuzz/fuzz.h"

static struct fomu_soc soc;
static uint8_t flash[FOMU_FLASH_SIZE];

static bool overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return alen && blen && (uint64_t)a < (uint64_t)b + blen && (uint64_t)b < (uint64_t)a + alen;
}

static const uint8_t *at(const struct fomu_soc *s, uint32_t addr)
{
	if (addr < FOMU_ROM_SIZE)
		return s->rom + addr;
	return s->sram + (addr - FOMU_SRAM_BASE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = { 0 };
	struct elf_image img;
	unsigned int i, j;
	int r;

	if (size > 1u << 20)
		return 0;
	r = elf_parse_rv32(data, size, &img, &err);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL || r == -E2BIG, "parse returned %d", r);
		FUZZ_CHECK(strbuf_str(&err)[0], "refused without a reason");
		strbuf_free(&err);
		return 0;
	}
	FUZZ_CHECK(img.nsegs >= 1 && img.nsegs <= ELF_MAX_SEGMENTS, "%u segments", img.nsegs);
	FUZZ_CHECK(img.entry % 4 == 0, "entry %#x", img.entry);
	for (i = 0; i < img.nsegs; i++) {
		const struct elf_segment *s = &img.segs[i];

		FUZZ_CHECK(s->memsz && s->filesz <= s->memsz, "segment %u: %#x of %#x", i,
			   s->filesz, s->memsz);
		FUZZ_CHECK(s->offset <= size && s->filesz <= size - s->offset,
			   "segment %u past the file", i);
		for (j = 0; j < i; j++) {
			const struct elf_segment *o = &img.segs[j];

			FUZZ_CHECK(!overlap(o->paddr, o->filesz, s->paddr, s->filesz),
				   "load images %u and %u overlap", j, i);
			FUZZ_CHECK(!overlap(o->vaddr, o->memsz, s->vaddr, s->memsz),
				   "run ranges %u and %u overlap", j, i);
		}
	}
	/* the gateware guess reads every executable segment's words; ASan
	 * catches a read past the file */
	(void)fomu_soc_wants_v2(&img, data);
	{
		struct fomu_version v = { 0 };

		if (fomu_version_from_elf(&img, data, &v))
			FUZZ_CHECK(v.gitextra <= 1023 && v.model, "version %u.%u.%u-%u, model %u",
				   v.major, v.minor, v.revision, v.gitextra, v.model);
		else
			FUZZ_CHECK(!v.major && !v.model, "a version not found was written");
	}
	FUZZ_CHECK(fomu_soc_init(&soc, flash, NULL, NULL) == 0, "soc init");
	memset(soc.rom, 0xa5, sizeof(soc.rom));
	memset(soc.sram, 0xa5, sizeof(soc.sram));
	r = fomu_soc_load(&soc, &img, data, &err);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL, "load returned %d", r);
		FUZZ_CHECK(strbuf_str(&err)[0], "placement refused without a reason");
		for (i = 0; i < sizeof(soc.rom); i++)
			FUZZ_CHECK(soc.rom[i] == 0xa5, "refused, but ROM written at %#x", i);
	} else {
		for (i = 0; i < img.nsegs; i++) {
			const struct elf_segment *s = &img.segs[i];

			if (s->filesz)
				FUZZ_CHECK(!memcmp(at(&soc, s->paddr), data + s->offset, s->filesz),
					   "segment %u's bytes are not at %#x", i, s->paddr);
		}
	}
	strbuf_free(&err);
	return 0;
}
