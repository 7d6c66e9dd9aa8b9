/* fuzz_jread.c - libFuzzer target for lib/jread, differential against
 * jansson (tests/unit/jread_diff.h): for any bytes both readers must agree
 * on accepting or rejecting, and on every decoded value of an accepted
 * text, with and without NUL in strings.  The intentional differences
 * (jansson's fixed depth cap, its acceptance of "1\0") are listed and
 * excluded in jread_diff.h.  A refusal must come with a message and a
 * position; jr_parse with the STIX caps must never return anything but
 * KR_OK, KR_EINVAL or KR_ETOOBIG. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../unit/jread_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char why[300];
	for (int nul = 0; nul < 2; nul++)
		if (jrd_compare(text, size, nul, why, sizeof why)) {
			fprintf(stderr, "jread and jansson differ (allow_nul %d): %s\n", nul, why);
			abort();
		}
	struct arena *a = arena_new();
	const struct jr_value *r;
	struct jr_error e;
	struct jr_options stix = {.max_depth = 32, .max_string = 1024 * 1024, .max_values = 4000000};
	int rc = jr_parse(a, text, size, &stix, &r, &e);
	if (rc != KR_OK && rc != KR_EINVAL && rc != KR_ETOOBIG)
		abort();
	if (rc == KR_OK && (!r || r->end > size))
		abort();
	arena_free(a);
	return 0;
}
