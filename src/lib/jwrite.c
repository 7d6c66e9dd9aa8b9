/* jwrite.c - the direct JSON writer (jwrite.h).
 *
 * Written for the answers read most (the JSON API's topic list, TAXII
 * status resources), which spent most of their time building jansson
 * trees only to serialise them. */
#include "lib/jwrite.h"

#include <string.h>

#include "lib/util.h"

/* The escaping is jansson's (dump.c, without JSON_ENSURE_ASCII or
 * JSON_ESCAPE_SLASH): '"' and '\\' and the five short control escapes,
 * other controls as \u00XX in upper-case hex, everything else - '/', DEL,
 * UTF-8 - as it is.  tests/unit/test_api_json.c holds the two equal on
 * random strings. */

void jw_init(struct jw *w, struct buf *b)
{
	*w = (struct jw){.b = b};
}

/* Before a value or a key: a comma unless it is the first in its
 * container or the value of the key just written. */
static void jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	uint64_t bit = 1ULL << (w->depth & 63);
	if (w->used & bit)
		buf_addc(w->b, ',');
	w->used |= bit;
}

static void jw_open(struct jw *w, char c)
{
	jw_sep(w);
	buf_addc(w->b, c);
	w->depth++;
	w->used &= ~(1ULL << (w->depth & 63));
}

static void jw_close(struct jw *w, char c)
{
	w->depth--;
	buf_addc(w->b, c);
}

void jw_obj(struct jw *w) { jw_open(w, '{'); }
void jw_obj_end(struct jw *w) { jw_close(w, '}'); }
void jw_arr(struct jw *w) { jw_open(w, '['); }
void jw_arr_end(struct jw *w) { jw_close(w, ']'); }

/* s as a JSON string's contents.  Runs of bytes that need no escape are
 * copied at once; invalid UTF-8 marks the writer bad (json_string refuses
 * it too, and the answer becomes a 500 as it did through jansson). */
static void jw_escaped(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s;
	bool high = false;
	const char *p = s;
	for (; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch >= 0x80) {
			high = true;
			continue;
		}
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		buf_add(w->b, run, (size_t)(p - run));
		run = p + 1;
		char e[6] = {'\\', 0};
		size_t n = 2;
		switch (ch) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			memcpy(e + 1, "u00", 3);
			e[4] = hex[ch >> 4];
			e[5] = hex[ch & 15];
			n = 6;
		}
		buf_add(w->b, e, n);
	}
	buf_add(w->b, run, (size_t)(p - run));
	if (high && !utf8_valid(s, (size_t)(p - s)))
		w->bad = true;
}

void jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	buf_addc(w->b, '"');
	jw_escaped(w, key);
	buf_add(w->b, "\":", 2);
	w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_sep(w);
	buf_addc(w->b, '"');
	jw_escaped(w, s);
	buf_addc(w->b, '"');
}

void jw_int(struct jw *w, int64_t v)
{
	jw_sep(w);
	char t[24], *e = t + sizeof t, *q = e;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--q = '-';
	buf_add(w->b, q, (size_t)(e - q));
}

void jw_bool(struct jw *w, bool v)
{
	jw_sep(w);
	if (v)
		buf_add(w->b, "true", 4);
	else
		buf_add(w->b, "false", 5);
}

void jw_null(struct jw *w)
{
	jw_sep(w);
	buf_add(w->b, "null", 4);
}

void jw_time(struct jw *w, int64_t ms)
{
	if (ms <= 0) {
		jw_null(w);
		return;
	}
	char t[40];
	if (ms >= 253402300800000LL) { /* past 9999: the general path */
		time_rfc3339(ms, t, sizeof t);
		jw_str(w, t);
		return;
	}
	/* time_rfc3339's format without gmtime_r and snprintf, which were a
	 * tenth of a list answer: the civil date of a day number (Howard
	 * Hinnant's algorithm), then fixed-width digits. */
	int64_t days = ms / 86400000, rem = ms % 86400000;
	int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
	int y = (int)(yoe + era * 400 + (m <= 2));
	int v[] = {y, m, d, (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60), (int)(rem % 1000)};
	static const char shape[] = "\"yyyy-mm-ddThh:mm:ss.fffZ\"";
	memcpy(t, shape, sizeof shape);
	static const int at[] = {1, 6, 9, 12, 15, 18, 21}, width[] = {4, 2, 2, 2, 2, 2, 3};
	for (int k = 0; k < 7; k++)
		for (int i = width[k] - 1, x = v[k]; i >= 0; i--, x /= 10)
			t[at[k] + i] = (char)('0' + x % 10);
	jw_sep(w);
	buf_add(w->b, t, sizeof shape - 1);
}
