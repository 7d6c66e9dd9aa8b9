/* fuzz_misp_import.c - libFuzzer target for the MISP event parser
 * (core/stix_misp.h), pure: no database.
 *
 * Any input comes back as KR_OK or KR_EINVAL, never anything else; a
 * refusal names at least one problem and makes no document; an accepted
 * input makes a TAXII envelope with one origin label per object, which
 * stix_check then judges like anything posted to TAXII (KR_OK or
 * KR_EINVAL with a reason per failed object, counts adding up), and the
 * same input always makes the same text (ids and times come from it). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/stix.h"
#include "core/stix_misp.h"
#include "lib/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct stix_misp m;
	int rc = stix_misp_parse(a, (const char *)data, size, &m);
	if (rc == KR_EINVAL) {
		if (m.nproblems == 0 || !m.problems[0][0] || m.doc)
			abort();
		goto done;
	}
	if (rc != KR_OK || !m.doc || m.doc_len != strlen(m.doc))
		abort();
	for (size_t i = 0; i < m.nobjects; i++)
		if (!m.origin[i] || !m.origin[i][0])
			abort();
	struct stix_status st;
	rc = stix_check(a, m.doc, m.doc_len, STIX_DOC_ENVELOPE, &st);
	if (rc != KR_OK && rc != KR_EINVAL)
		abort();
	if (!st.error && (st.total != m.nobjects || st.success + st.failure != st.total))
		abort();
	struct stix_misp again;
	if (stix_misp_parse(a, (const char *)data, size, &again) != KR_OK || strcmp(again.doc, m.doc) != 0)
		abort();
done:
	arena_free(a);
	return 0;
}
