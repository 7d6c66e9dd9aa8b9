/* util.c - UTF-8, time, randomness, hex and parsing helpers. */
#include "lib/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lib/arena.h"

/* Decode one UTF-8 sequence; returns its length or 0 if malformed
 * (overlong forms, surrogates and code points past U+10FFFF are malformed). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t len;
	uint32_t v, min;
	if ((c & 0xE0) == 0xC0) {
		len = 2; v = c & 0x1F; min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3; v = c & 0x0F; min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4; v = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

static bool utf8_check(const char *s, size_t n, bool text)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t l = utf8_decode(p + i, n - i, &cp);
		if (!l || cp == 0)
			return false;
		if (text && (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r'))
			return false;
		if (text && cp == 0x7F)
			return false;
		i += l;
	}
	return true;
}

bool utf8_valid(const char *s, size_t n) { return utf8_check(s, n, false); }
bool utf8_valid_text(const char *s, size_t n) { return utf8_check(s, n, true); }

size_t utf8_len(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void split_ms(int64_t ms, struct tm *tm, int *msec)
{
	int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	*msec = (int)(ms - s * 1000);
	time_t t = (time_t)s;
	gmtime_r(&t, tm);
}

void time_format(int64_t ms, int tz_offset_min, char *out, size_t outsz)
{
	struct tm tm;
	int msec;
	split_ms(ms + (int64_t)tz_offset_min * 60000, &tm, &msec);
	snprintf(out, outsz, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

void time_rfc3339(int64_t ms, char *out, size_t outsz)
{
	struct tm tm;
	int msec;
	split_ms(ms, &tm, &msec);
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, msec);
}

int time_parse_date(const char *s, int tz_offset_min, int64_t *out)
{
	int y, m, d;
	char tail;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return KR_EINVAL;
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return KR_EINVAL;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
		return KR_EINVAL;
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	time_t t = timegm(&tm);
	*out = (int64_t)t * 1000 - (int64_t)tz_offset_min * 60000;
	return KR_OK;
}

void rand_bytes(void *p, size_t n) { randombytes_buf(p, n); }

uint32_t rand_u32(void) { return randombytes_random(); }

char *rand_token(struct arena *a, size_t nbytes)
{
	unsigned char raw[64];
	if (nbytes > sizeof raw)
		nbytes = sizeof raw;
	randombytes_buf(raw, nbytes);
	size_t outlen = sodium_base64_ENCODED_LEN(nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, outlen);
	sodium_bin2base64(out, outlen, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

void hex_encode(const void *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[2 * n] = 0;
}

void sha256_hex(const void *data, size_t n, char *out)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, n);
	hex_encode(h, sizeof h, out);
}

bool ct_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!s || !*s || strlen(s) > 20)
		return KR_EINVAL;
	const char *p = s;
	if (*p == '-' ) {
		if (min >= 0)
			return KR_EINVAL;
		p++;
	}
	if (!*p)
		return KR_EINVAL;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return KR_EINVAL;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return KR_EINVAL;
	*out = v;
	return KR_OK;
}

char *str_trim(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

uint64_t mem_hash64(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	return h;
}

uint64_t str_hash64(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

bool str_empty(const char *s) { return !s || !*s; }
