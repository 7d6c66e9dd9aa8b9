/* util.h - small helpers: UTF-8 validation, time, random tokens, hex,
 * constant-time compare, integer parsing.  All thread-safe. */
#ifndef KR_UTIL_H
#define KR_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "lib/kr.h"

struct arena;

/* true when s[0..n) is well-formed UTF-8 with no NUL and no C0 control
 * characters other than tab, CR and LF (what a text field may hold). */
bool utf8_valid_text(const char *s, size_t n);
/* true when s[0..n) is well-formed UTF-8 (any code point but NUL). */
bool utf8_valid(const char *s, size_t n);
/* Number of code points in a valid UTF-8 string. */
size_t utf8_len(const char *s, size_t n);

/* Current UTC time in epoch milliseconds. */
int64_t now_ms(void);
/* Format epoch ms in a fixed-offset zone (minutes east of UTC) as
 * "YYYY-MM-DD HH:MM" into out (>= 17 bytes). */
void time_format(int64_t ms, int tz_offset_min, char *out, size_t outsz);
/* RFC 3339 UTC with milliseconds: "2026-11-21T23:40:56.123Z" (>= 25 bytes). */
void time_rfc3339(int64_t ms, char *out, size_t outsz);
/* Parse "YYYY-MM-DD" (interpreted in tz_offset_min) to epoch ms. */
int time_parse_date(const char *s, int tz_offset_min, int64_t *out);

/* n random bytes from the OS CSPRNG (libsodium). */
void rand_bytes(void *p, size_t n);
/* A random URL-safe token of nbytes entropy, base64url without padding,
 * allocated in the arena. */
char *rand_token(struct arena *a, size_t nbytes);
uint32_t rand_u32(void);

void hex_encode(const void *p, size_t n, char *out); /* out: 2n+1 bytes */
/* SHA-256 of data as lowercase hex (out: 65 bytes). */
void sha256_hex(const void *data, size_t n, char *out);
/* Constant-time equality of two equal-length byte strings. */
bool ct_equal(const void *a, const void *b, size_t n);

/* Strict decimal integer parse: whole string, no sign unless allow_neg,
 * within [min,max].  KR_EINVAL otherwise. */
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* Trim ASCII whitespace in place (returns s moved past leading space). */
char *str_trim(char *s);
bool str_eq(const char *a, const char *b);     /* NULL-safe */
/* FNV-1a of n bytes / of a C string: the slot hash of the in-process
 * caches (not for anything an attacker must not collide). */
uint64_t mem_hash64(const void *p, size_t n);
uint64_t str_hash64(const char *s);
bool str_empty(const char *s);                 /* NULL or "" */

#endif
