/* common.h - validation and paging helpers shared by the core use cases. */
#ifndef KR_COMMON_H
#define KR_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/ctx.h"

/* A single-line text field: valid UTF-8, no control characters, trimmed
 * length between min and max code points.  NULL counts as "". */
bool valid_line(const char *s, size_t min, size_t max);
/* Multi-line text (newlines and tabs allowed), at most max code points. */
bool valid_text(const char *s, size_t max);
/* A plausible e-mail address: local@domain.tld, ASCII, <= 254 bytes. */
bool valid_email(const char *s);
/* Lower-case identifiers: [a-z0-9] first, then [a-z0-9._-], min..max. */
bool valid_ident(const char *s, size_t min, size_t max);

/* Keyset cursors: an opaque token carrying (text key, id).  cursor_make
 * allocates in the arena; cursor_parse returns KR_EINVAL for junk. */
const char *cursor_make(struct arena *a, const char *key, int64_t id);
int cursor_parse(struct arena *a, const char *cur, const char **key, int64_t *id);
/* Clamp a page size: 0 -> def, otherwise 1..max (KR_EINVAL outside). */
int page_limit(int limit, int def, int max, int *out);

/* A LIKE pattern matching q anywhere, wildcards escaped (ESCAPE '\\'),
 * ASCII lower-cased: compare against lower(column). */
const char *like_pattern(struct arena *a, const char *q);

/* Open a write transaction for a use case, or report KR_EBUSY/KR_EUNAVAIL.
 * Nested calls (a use case calling another, or a batch such as the demo
 * loader wrapping many) join the outermost transaction: only the outermost
 * tx_end commits, and an inner failure must make the outer one fail too. */
int tx_begin(struct ctx *c);
/* Commit when rc == KR_OK, else roll back; returns the final status. */
int tx_end(struct ctx *c, int rc);
/* For a use case that writes a lot in one transaction (a STIX ingest):
 * move c onto the process's shared writer connection (db_writer_lock;
 * its page cache stays warm between such writes) until
 * tx_writer_release.  Outside any transaction of c only; when there is
 * no shared writer (PostgreSQL) c keeps its own connection.  Returns what
 * tx_writer_release needs. */
struct db *tx_writer_take(struct ctx *c);
void tx_writer_release(struct ctx *c, struct db *own);

#endif
