/* jread_diff.h - jread against jansson on one text, shared by test_jread.c
 * and tests/fuzz/fuzz_jread.c.
 *
 * jansson is the reference: json_loadb(JSON_REJECT_DUPLICATES |
 * JSON_DECODE_ANY [| JSON_ALLOW_NUL]).  Both must accept or both reject;
 * for an accepted text every value must be the same (types, integers,
 * reals bit for bit, strings byte for byte with their lengths, members in
 * the same number under the same keys), and each jread value's span must
 * frame it in the text (brackets, quotes, the literal itself).
 *
 * Intentional differences, excluded by name rather than papered over:
 * - jread's depth cap is a parameter; here it is 2048, jansson's fixed
 *   JSON_PARSER_MAX_DEPTH, so the two agree on nesting too.
 * - jansson 2.14 skips one NUL byte right after a number or a literal,
 *   anywhere ("1\0", "[1\0,2]", "{\"a\":true\0}"; its lexer reads the NUL
 *   as the end of the token and drops it); jread rejects that NUL like any
 *   other stray byte.  When jansson accepts and jread refuses exactly such
 *   a NUL, the comparison is redone on the text without it, so the two
 *   must still agree on everything else. */
#ifndef JREAD_DIFF_H
#define JREAD_DIFF_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/jread.h"

static bool jrd_span_ok(const struct jr_value *v, const char *text)
{
	const char *s = text + v->start;
	size_t n = v->end - v->start;
	if (v->end <= v->start)
		return false;
	switch (v->type) {
	case JR_NULL:
		return n == 4 && !memcmp(s, "null", 4);
	case JR_BOOL:
		return v->b ? n == 4 && !memcmp(s, "true", 4) : n == 5 && !memcmp(s, "false", 5);
	case JR_INT:
	case JR_REAL:
		for (size_t i = 0; i < n; i++)
			if (!strchr("-+.eE0123456789", s[i]) || !s[i])
				return false;
		return true;
	case JR_STRING:
		return n >= 2 && s[0] == '"' && s[n - 1] == '"';
	case JR_ARRAY:
		return s[0] == '[' && s[n - 1] == ']';
	case JR_OBJECT:
		return s[0] == '{' && s[n - 1] == '}';
	}
	return false;
}

/* 0 when v and j are the same value; else a description in why. */
static int jrd_same(const struct jr_value *v, json_t *j, const char *text, char *why, size_t whyn)
{
	if (!jrd_span_ok(v, text))
		return snprintf(why, whyn, "bad span [%u, %u) for type %d", v->start, v->end, v->type), -1;
	switch (v->type) {
	case JR_NULL:
		if (json_is_null(j))
			return 0;
		break;
	case JR_BOOL:
		if (json_is_boolean(j) && json_is_true(j) == v->b)
			return 0;
		break;
	case JR_INT:
		if (json_is_integer(j) && json_integer_value(j) == jr_int(v))
			return 0;
		break;
	case JR_REAL: {
		double d = jr_real(v);
		double e = json_is_real(j) ? json_real_value(j) : 0;
		if (json_is_real(j) && !memcmp(&d, &e, sizeof d))
			return 0;
		break;
	}
	case JR_STRING:
		if (json_is_string(j) && json_string_length(j) == jr_str_len(v) &&
		    !memcmp(json_string_value(j), jr_str(v), jr_str_len(v)) && jr_str(v)[jr_str_len(v)] == 0)
			return 0;
		break;
	case JR_ARRAY:
		if (!json_is_array(j) || json_array_size(j) != jr_len(v))
			break;
		for (size_t i = 0; i < jr_len(v); i++)
			if (jrd_same(jr_at(v, i), json_array_get(j, i), text, why, whyn))
				return -1;
		return 0;
	case JR_OBJECT:
		if (!json_is_object(j) || json_object_size(j) != jr_len(v))
			break;
		for (size_t i = 0; i < jr_len(v); i++) {
			const struct jr_value *k = jr_key_at(v, i);
			if (!jrd_span_ok(k, text) || strlen(jr_str(k)) != jr_str_len(k))
				return snprintf(why, whyn, "bad key %zu", i), -1;
			json_t *m = json_object_get(j, jr_str(k));
			if (!m)
				return snprintf(why, whyn, "key \"%s\" unknown to jansson", jr_str(k)), -1;
			if (jr_get(v, jr_str(k)) != jr_value_at(v, i))
				return snprintf(why, whyn, "jr_get(\"%s\") misses member %zu", jr_str(k), i),
				       -1;
			if (jrd_same(jr_value_at(v, i), m, text, why, whyn))
				return -1;
		}
		return 0;
	}
	return snprintf(why, whyn, "value at [%u, %u) differs (jread type %d, jansson type %d)", v->start,
	                v->end, v->type, (int)json_typeof(j)),
	       -1;
}

/* jansson accepted; jread refused a NUL byte that follows a number or
 * literal (jansson's quirk above). */
static bool jrd_nul_quirk(const char *text, size_t len, int rc, const struct jr_error *e, json_t *j)
{
	return j && rc == KR_EINVAL && e->offset > 0 && e->offset < len && text[e->offset] == 0 &&
	       strchr("0123456789el", text[e->offset - 1]) != NULL;
}

/* 0 when jread and jansson agree on text[0..len); else -1 and why. */
static int jrd_compare(const char *text, size_t len, bool allow_nul, char *why, size_t whyn)
{
	struct arena *a = arena_new();
	const struct jr_value *r = NULL;
	struct jr_error e;
	struct jr_options o = {.max_depth = 2048, .flags = allow_nul ? JR_ALLOW_NUL : 0};
	int rc = jr_parse(a, text, len, &o, &r, &e);
	json_error_t je;
	json_t *j = json_loadb(
	    text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | (allow_nul ? JSON_ALLOW_NUL : 0), &je);
	int out = -1;
	if (rc != KR_OK && rc != KR_EINVAL && rc != KR_ETOOBIG)
		snprintf(why, whyn, "jr_parse returned %d", rc);
	else if (jrd_nul_quirk(text, len, rc, &e, j)) {
		char *less = malloc(len);
		if (less) {
			memcpy(less, text, e.offset);
			memcpy(less + e.offset, text + e.offset + 1, len - e.offset - 1);
			out = jrd_compare(less, len - 1, allow_nul, why, whyn);
			free(less);
		}
	} else if ((rc == KR_OK) != (j != NULL))
		snprintf(why, whyn, "jread %s (%s), jansson %s (%s)", rc ? "rejects" : "accepts",
		         rc ? e.text : "-", j ? "accepts" : "rejects", j ? "-" : je.text);
	else if (rc != KR_OK && (r != NULL || !e.text[0] || e.line < 1 || e.column < 1 || e.offset > len))
		snprintf(why, whyn, "bad error report: \"%s\" %d:%d @%zu", e.text, e.line, e.column,
		         e.offset);
	else
		out = rc != KR_OK ? 0 : jrd_same(r, j, text, why, whyn);
	json_decref(j);
	arena_free(a);
	return out;
}

#endif
