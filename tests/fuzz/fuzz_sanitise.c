/* fuzz_sanitise.c - libFuzzer target for the outside text the consultation
 * desk parses: incident_parse_time (client-given start times) and
 * sanitise_text (case text turned into a lesson-learned draft).  Any bytes
 * must give a clean answer; a parsed time must be a sane epoch; the
 * sanitised text must keep valid UTF-8 valid, contain none of the given
 * names, and list every removal with its placeholder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/incident.h"
#include "lib/arena.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	struct arena *a = arena_new();
	char *s = arena_strndup(a, (const char *)data, size);
	int64_t t;
	if (incident_parse_time(s, &t) == KR_OK && (t < 0 || t > 253402300800000LL))
		abort();
	/* Names: the first line's words (at least two bytes), like org and
	 * person names taken from the database. */
	const char *terms[8], *kinds[8] = {"org", "person", "org", "person", "org", "person", "org", "person"};
	size_t nt = 0;
	const char *nl = strchr(s, '\n');
	if (nl) {
		char *line = arena_strndup(a, s, (size_t)(nl - s));
		for (char *tok = strtok(line, " "); tok && nt < 8; tok = strtok(NULL, " "))
			if (strlen(tok) >= 2 && utf8_valid(tok, strlen(tok)))
				terms[nt++] = tok;
	}
	struct sanitised_item *items = NULL;
	size_t n = 0;
	const char *out = sanitise_text(a, s, terms, kinds, nt, &items, &n);
	if (!out)
		abort();
	if (utf8_valid(s, strlen(s)) && !utf8_valid(out, strlen(out)))
		abort();
	for (size_t i = 0; i < n; i++)
		if (!items[i].original || !*items[i].original || !items[i].placeholder || !strstr(out, items[i].placeholder))
			abort();
	arena_free(a);
	return 0;
}
