/* jread.h - a strict RFC 8259 JSON reader into a read-only tree in an arena.
 *
 * Why not jansson on the hot paths: jansson allocates every value and a
 * hash table per object, so a 6 MB TAXII envelope costs ~250 ms to parse
 * and ~50 ms to free.  jread copies the text once into the caller's arena,
 * decodes strings in place in that copy (so an unescaped string costs no
 * copy at all) and stores every value in one 32-byte node; freeing is the
 * arena's.  Each value remembers its byte span in the source text, so a
 * caller can keep an object "as received" without serialising it again.
 *
 * Strictness (every one an error): trailing commas, leading zeros, NaN,
 * Infinity, comments, a byte < 0x20 inside a string, unknown escapes,
 * lone or mis-paired UTF-16 surrogates, invalid UTF-8 (overlong forms,
 * encoded surrogates, above U+10FFFF), a UTF-8 byte order mark, anything
 * but whitespace after the value, empty input, integers outside int64, reals
 * that overflow a double, duplicate keys in one object (compared after
 * decoding escapes), a NUL (\u0000) in a key, and a NUL in a string value
 * unless JR_ALLOW_NUL.  Any value may be the top-level one.  These agree with
 * jansson's json_loadb(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY) (plus
 * JSON_ALLOW_NUL for JR_ALLOW_NUL); tests/fuzz/fuzz_jread.c checks that.
 *
 * Thread-safety: none needed; a parse touches only its own arena. */
#ifndef KR_JREAD_H
#define KR_JREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"

enum jr_type {
	JR_NULL = 1,
	JR_BOOL,
	JR_INT,  /* a number without '.', 'e' or 'E' */
	JR_REAL, /* a number with one of them */
	JR_STRING,
	JR_ARRAY,
	JR_OBJECT,
};

/* One value.  Read the fields through the functions below; the layout is
 * public only so that they can be inline; 24 bytes, so a 6 MB document
 * of small values costs about 12 MB of arena on top of its copy. */
struct jr_value {
	uint8_t type;        /* enum jr_type */
	bool b;              /* JR_BOOL */
	uint32_t n;          /* string bytes; array elements; object members */
	uint32_t start, end; /* [start, end) of the value in the source text (documents are < 4 GiB) */
	union {
		const char *s; /* decoded, NUL-terminated */
		int64_t i;
		double d;
		const struct jr_value *kids; /* array: n values; object: 2n (key, value) */
	} u;
};

enum jr_flags {
	JR_ALLOW_NUL = 1, /* \u0000 may appear in string values (never in keys) */
};

struct jr_options {
	int max_depth;     /* arrays/objects nested deeper fail ("nested deeper than N levels");
	                      0: 2048 (jansson's limit) */
	size_t max_string; /* a string (or key) whose text between the quotes is longer fails
	                      ("a string is longer than ..."); 0: no cap */
	unsigned flags;    /* enum jr_flags */
	size_t max_values; /* more values (keys not counted) fail ("more than N values in one
	                      document"): bounds the tree of a hostile document of tiny values,
	                      32 bytes per value and key; 0: no cap */
};

struct jr_error {
	int line, column; /* 1-based; column counts characters (UTF-8 sequences), not bytes */
	size_t offset;    /* byte offset of the problem in the source text */
	char text[160];
};

/* Parse text[0..len) (need not be NUL-terminated) into a tree allocated in
 * a.  opt may be NULL (defaults above).  On success *root is the top-level
 * value and KR_OK is returned; the tree lives as long as the arena and does
 * not point into text (spans are offsets into it).  On failure *root is
 * NULL, err (if not NULL) says what and where, and the return is
 * KR_ETOOBIG for a broken depth or string cap, KR_ENOMEM when scratch memory
 * ran out, KR_EINVAL for anything else.  Scratch memory outside the arena is
 * released before returning. */
int jr_parse(struct arena *a, const char *text, size_t len, const struct jr_options *opt,
             const struct jr_value **root, struct jr_error *err);

/* Every accessor takes NULL (and a value of the wrong type) and answers
 * false / 0 / NULL, so lookups chain: jr_str(jr_get(o, "id")). */
static inline bool jr_is_null(const struct jr_value *v)
{
	return v && v->type == JR_NULL;
}
static inline bool jr_is_bool(const struct jr_value *v)
{
	return v && v->type == JR_BOOL;
}
static inline bool jr_is_true(const struct jr_value *v)
{
	return v && v->type == JR_BOOL && v->b;
}
static inline bool jr_is_int(const struct jr_value *v)
{
	return v && v->type == JR_INT;
}
static inline bool jr_is_real(const struct jr_value *v)
{
	return v && v->type == JR_REAL;
}
static inline bool jr_is_number(const struct jr_value *v)
{
	return v && (v->type == JR_INT || v->type == JR_REAL);
}
static inline bool jr_is_string(const struct jr_value *v)
{
	return v && v->type == JR_STRING;
}
static inline bool jr_is_array(const struct jr_value *v)
{
	return v && v->type == JR_ARRAY;
}
static inline bool jr_is_object(const struct jr_value *v)
{
	return v && v->type == JR_OBJECT;
}

/* A string's decoded bytes (NUL-terminated; may hold NULs itself only with
 * JR_ALLOW_NUL, then use jr_str_len) or NULL. */
static inline const char *jr_str(const struct jr_value *v)
{
	return jr_is_string(v) ? v->u.s : NULL;
}
static inline size_t jr_str_len(const struct jr_value *v)
{
	return jr_is_string(v) ? v->n : 0;
}
/* An integer's value, else 0. */
static inline int64_t jr_int(const struct jr_value *v)
{
	return jr_is_int(v) ? v->u.i : 0;
}
/* A number's value as a double (integers converted), else 0. */
static inline double jr_real(const struct jr_value *v)
{
	return jr_is_real(v) ? v->u.d : jr_is_int(v) ? (double)v->u.i : 0;
}
/* Elements of an array, members of an object, else 0. */
static inline size_t jr_len(const struct jr_value *v)
{
	return v && (v->type == JR_ARRAY || v->type == JR_OBJECT) ? v->n : 0;
}
/* Element i of an array, or NULL (not an array, out of range). */
static inline const struct jr_value *jr_at(const struct jr_value *v, size_t i)
{
	return jr_is_array(v) && i < v->n ? &v->u.kids[i] : NULL;
}
/* Member i of an object in document order: its key (a JR_STRING value)
 * and its value; NULL when v is not an object or i out of range. */
static inline const struct jr_value *jr_key_at(const struct jr_value *v, size_t i)
{
	return jr_is_object(v) && i < v->n ? &v->u.kids[2 * i] : NULL;
}
static inline const struct jr_value *jr_value_at(const struct jr_value *v, size_t i)
{
	return jr_is_object(v) && i < v->n ? &v->u.kids[2 * i + 1] : NULL;
}

/* The member called key (klen bytes / NUL-terminated), or NULL: a linear
 * scan, meant for the small objects of real documents.  jr_get is inline
 * so that the length of a literal key costs nothing. */
const struct jr_value *jr_getn(const struct jr_value *obj, const char *key, size_t klen);
static inline const struct jr_value *jr_get(const struct jr_value *obj, const char *key)
{
	return jr_getn(obj, key, __builtin_strlen(key));
}

/* for (i, k, v) over an object's members in document order. */
#define jr_object_foreach(obj, i, k, v)                                                                      \
	for ((i) = 0; ((k) = jr_key_at((obj), (i))) && ((v) = jr_value_at((obj), (i))); (i)++)
/* for (i, e) over an array's elements. */
#define jr_array_foreach(arr, i, e) for ((i) = 0; ((e) = jr_at((arr), (i))); (i)++)

#endif
