/* fuzz_csv_import.c - libFuzzer target for the CSV indicator list parser
 * (stix_csv_parse in core/stix.h), pure: no database.
 *
 * Any input comes back as KR_OK or KR_EINVAL; a refusal says why; an
 * accepted file makes a TAXII envelope with one labelled row per object
 * ("line N" or "line N: problem"), and stix_check then judges it (KR_OK
 * or KR_EINVAL, counts adding up, never a crash): a row's value can never
 * break out of its pattern's string literal. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/stix.h"
#include "lib/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct stix_csv cv;
	int rc = stix_csv_parse(a, (const char *)data, size, 1700000000000LL, &cv);
	if (rc == KR_EINVAL) {
		if (!cv.error || !cv.error[0])
			abort();
		goto done;
	}
	if (rc != KR_OK || !cv.doc)
		abort();
	for (size_t i = 0; i < cv.nrows; i++)
		if (strncmp(cv.rows[i], "line ", 5) != 0)
			abort();
	struct stix_status st;
	rc = stix_check(a, cv.doc, cv.doc_len, STIX_DOC_ENVELOPE, &st);
	if (rc != KR_OK && rc != KR_EINVAL)
		abort();
	if (!st.error && (st.total != cv.nrows || st.success + st.failure != st.total))
		abort();
	/* rows without a problem of their own that the checker accepts made
	 * an indicator whose pattern is [path = 'value']: one comparison */
	for (size_t i = 0; !st.error && !cv.any_problem && i < st.total; i++)
		if (!st.items[i].reason && !st.items[i].pattern)
			abort();
done:
	arena_free(a);
	return 0;
}
