/* fuzz_markdown.c - libFuzzer target for the trusted Markdown renderer.
 *
 * Every input either is refused with KR_EINVAL/KR_ETOOBIG or renders to
 * output that passes md_check_html() (allow-listed tags and attributes,
 * allowed link targets, escaped text, balanced elements); markdown_plain()
 * must agree with markdown_render() on which inputs it refuses.  Any other
 * outcome aborts, which libFuzzer reports as a finding. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "web/markdown.h"
#include "../unit/markdown_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct trusted_html t;
	int rc = markdown_render(a, (const char *)data, size, &t);
	const char *plain = markdown_plain(a, (const char *)data, size);

	if (rc == KR_OK) {
		const char *err = md_check_html(t.html, t.len);
		if (err) {
			fprintf(stderr, "unsafe output (%s):\n%.*s\n", err, (int)t.len, t.html);
			abort();
		}
		if (!plain) {
			fprintf(stderr, "markdown_plain refused what markdown_render accepted\n");
			abort();
		}
	} else if (rc == KR_EINVAL || rc == KR_ETOOBIG) {
		if (plain || t.len != 0) {
			fprintf(stderr, "refused input produced output\n");
			abort();
		}
	} else {
		fprintf(stderr, "unexpected status %d\n", rc);
		abort();
	}
	arena_free(a);
	return 0;
}
