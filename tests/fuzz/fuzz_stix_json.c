/* fuzz_stix_json.c - libFuzzer target for STIX bundle and TAXII envelope
 * validation (core/stix.h), the parser of what other products send us.
 *
 * Any input must come back as KR_OK or KR_EINVAL, never anything else;
 * a refusal carries a reason (a document error, or one per failed object)
 * and the counts add up; an accepted document's objects each validate
 * alone too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/stix.h"
#include "lib/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(struct arena *a, const char *doc, size_t size, enum stix_doc kind)
{
	struct stix_status st;
	int rc = stix_check(a, doc, size, kind, &st);
	if (rc != KR_OK && rc != KR_EINVAL)
		abort();
	if (st.error) {
		if (rc != KR_EINVAL || !st.error[0])
			abort();
		return;
	}
	if (st.success + st.failure != st.total)
		abort();
	size_t bad = 0;
	for (size_t i = 0; i < st.total; i++)
		if (st.items[i].reason) {
			if (!st.items[i].reason[0])
				abort();
			bad++;
		}
	if (bad != st.failure || (rc == KR_OK) != (bad == 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	check(a, (const char *)data, size, STIX_DOC_BUNDLE);
	check(a, (const char *)data, size, STIX_DOC_ENVELOPE);
	const char *reason = NULL;
	int rc = stix_check_object(a, (const char *)data, size, &reason);
	if ((rc != KR_OK && rc != KR_EINVAL) || (rc == KR_EINVAL && (!reason || !reason[0])))
		abort();
	arena_free(a);
	return 0;
}
