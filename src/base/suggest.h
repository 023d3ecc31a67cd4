/* SPDX-License-Identifier: MIT */
/*
 * "Did you mean": the candidate closest to a misspelt word, for the
 * messages of vusb-attach and vusbctl (devices, options, commands).
 */
#ifndef VUSB_BASE_SUGGEST_H
#define VUSB_BASE_SUGGEST_H

#include <stddef.h>

/*
 * Pure: the optimal string alignment distance between a and b (edits:
 * insert, delete, substitute, swap two neighbours), or limit + 1 when it
 * is larger than limit or a word is longer than 64 bytes.
 */
unsigned int suggest_distance(const char *a, const char *b, unsigned int limit);

/*
 * Pure: of the n candidates (NULL entries are skipped), the one closest
 * to word, if it is close enough to be a typo (one edit for words of up
 * to four characters, leading dashes not counted, two for longer ones)
 * and not word itself; the
 * first of equals. NULL when none is.
 */
const char *suggest(const char *word, const char *const *candidates, size_t n);

#endif
