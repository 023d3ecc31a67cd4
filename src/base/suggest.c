// SPDX-License-Identifier: MIT
#include <string.h>

#include "src/base/suggest.h"

#define SUGGEST_MAX_LEN 64

unsigned int suggest_distance(const char *a, const char *b, unsigned int limit)
{
	unsigned int d[3][SUGGEST_MAX_LEN + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned int *prev2 = d[0], *prev = d[1], *cur = d[2], *t;

	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
		return limit + 1;
	if ((la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	for (j = 0; j <= lb; j++)
		prev[j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		cur[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			unsigned int cost = a[i - 1] != b[j - 1], v;

			v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb] > limit ? limit + 1 : prev[lb];
}

const char *suggest(const char *word, const char *const *candidates, size_t n)
{
	/* An option's dashes are not part of what was misspelt. */
	unsigned int limit = strlen(word + strspn(word, "-")) <= 4 ? 1 : 2, best = limit + 1, dist;
	const char *found = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!candidates[i] || !strcmp(candidates[i], word))
			continue;
		dist = suggest_distance(word, candidates[i], limit);
		if (dist < best) {
			best = dist;
			found = candidates[i];
		}
	}
	return found;
}
