/* jwrite.h - a JSON writer straight into a buffer (jw_*), shared by the
 * JSON API and the TAXII server. */
#ifndef KR_JWRITE_H
#define KR_JWRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"

/* A JSON writer straight into a buffer, for answers read often (the topic
 * list and a topic): the bytes json_dumps(v, JSON_COMPACT) gives for the
 * same members in the same order, without a tree per item.  Keys and
 * values are written in order; containers nest up to 63 deep.  A string
 * that is not valid UTF-8 marks the writer bad (jansson refuses it too).
 * jw_str(NULL) and jw_time(0 or less) write null. */
struct jw {
	struct buf *b;
	uint64_t used;   /* bit d: the container at depth d has a member */
	int depth;
	bool after_key;
	bool bad;
};
void jw_init(struct jw *w, struct buf *b);
void jw_obj(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);
void jw_int(struct jw *w, int64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_time(struct jw *w, int64_t ms);  /* epoch ms as RFC 3339 (time_rfc3339) */

#endif
