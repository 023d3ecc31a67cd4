// SPDX-License-Identifier: MIT
/*
 * The Fomu (dfu/fomu/fomu.c over dfu/dfu.c) through the real device core: DFU
 * class requests in any order and state (DNLOAD blocks of any size and
 * number, GETSTATUS, CLRSTATUS, ABORT, DETACH), foboot's vendor and
 * Microsoft OS descriptor requests, SET_INTERFACE, unlinks, resets, and
 * the board's timer, which runs whatever image the input flashed on the
 * RV32 core (tests/fuzz/devscript.h). The flash is a fresh temporary file
 * for every input.
 */
#include "dfu/fomu/fomu.h"
#include "tests/fuzz/devscript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct vusb_dev_opts o = { .name = "fuzz0", .vid = -1, .pid = -1 };

	ds_run(&fomu_model, &o, &in);
	return 0;
}
