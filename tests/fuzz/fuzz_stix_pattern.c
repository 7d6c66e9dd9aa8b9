/* fuzz_stix_pattern.c - libFuzzer target for the STIX 2.1 pattern parser.
 *
 * Any input must either be refused with an error (offset inside the input,
 * a reason, a class) or give an AST that survives the canonical printer:
 * parse(print(p)) must succeed, equal p, and print the same text again.
 * Value extraction runs over every accepted pattern. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stix_pattern.h"
#include "lib/arena.h"
#include "lib/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_value(void *ud, const char *kind, const char *value)
{
	size_t *n = ud;
	*n += strlen(kind) + strlen(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct stix_pattern *p = NULL, *q = NULL;
	struct stix_error err;
	struct buf b1 = BUF_INIT, b2 = BUF_INIT;
	int rc = stix_pattern_parse(a, (const char *)data, size, &p, &err);
	if (rc != KR_OK) {
		if (p || err.cls == STIX_ERR_NONE || !err.reason[0] ||
		    (err.offset > size && rc != KR_ETOOBIG))
			abort();
		goto done;
	}
	size_t n = 0;
	if (stix_pattern_values(p, count_value, &n) < 0)
		abort();
	stix_pattern_print(p, &b1);
	rc = stix_pattern_parse(a, b1.p, b1.len, &q, &err);
	if (rc != KR_OK) {
		fprintf(stderr, "printed pattern refused: %s\n%s\n", err.msg, b1.p);
		abort();
	}
	if (!stix_pattern_equal(p, q)) {
		fprintf(stderr, "round-trip changed the AST:\n%s\n", b1.p);
		abort();
	}
	stix_pattern_print(q, &b2);
	if (b1.len != b2.len || memcmp(b1.p, b2.p, b1.len)) {
		fprintf(stderr, "printer not stable:\n%s\n%s\n", b1.p, b2.p);
		abort();
	}
done:
	buf_free(&b1);
	buf_free(&b2);
	arena_free(a);
	return 0;
}
