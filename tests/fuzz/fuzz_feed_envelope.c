/* fuzz_feed_envelope.c - libFuzzer target for what federation reads from
 * another TAXII server: the envelope check of a pulled page
 * (feed_envelope_check in core/federation.h) and the next page's URL
 * built from the remote's opaque `next` token (feed_page_url).  Pure: no
 * database, no network.
 *
 * Any body is KR_OK or KR_EINVAL; a refusal says why; an accepted page
 * with more=true has a non-empty next of at most FEED_NEXT_MAX bytes, and
 * the URL built from it stays one URL: no byte of the token reaches it
 * unencoded except the unreserved ones. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/federation.h"
#include "lib/arena.h"
#include "lib/kr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	bool more = true;
	const char *next = "x", *err = NULL;
	size_t nobjs = 7;
	int rc = feed_envelope_check(a, (const char *)data, size, &more, &next, &nobjs, &err);
	if (rc == KR_EINVAL) {
		if (!err || !err[0] || more || next || nobjs)
			abort();
		goto done;
	}
	if (rc != KR_OK)
		abort();
	if (more != (next != NULL))
		abort();
	if (more) {
		size_t n = strlen(next);
		if (n == 0 || n > FEED_NEXT_MAX)
			abort();
		const char *url = feed_page_url(a, "https://taxii.example/api/collections/c1/", 100, NULL, next);
		if (!url)
			abort();
		for (const char *p = url; *p; p++)
			if ((unsigned char)*p <= ' ' || *p == '#' || (unsigned char)*p >= 0x7f)
				abort();
	}
done:
	arena_free(a);
	return 0;
}
