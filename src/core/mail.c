/* mail.c - SMTP delivery with libcurl.  Messages are plain UTF-8 text,
 * base64 bodies and RFC 2047 subjects, built here so that no header can be
 * injected: addresses and subjects with CR or LF are refused. */
#include "core/mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "core/common.h"
#include "core/jobs.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"

static const char *smtp_url;
static const char *mail_from = "kairan@localhost";
static const char *base_url = "http://127.0.0.1:8080";

void mail_configure(const char *url, const char *from, const char *base)
{
	smtp_url = url;
	if (from)
		mail_from = from;
	if (base)
		base_url = base;
}

const char *mail_base_url(void) { return base_url; }

static bool header_safe(const char *s)
{
	return s && !strpbrk(s, "\r\n") && utf8_valid(s, strlen(s));
}

int mail_queue(struct ctx *c, const char *to, const char *subject, const char *body)
{
	if (!valid_email(to) || !header_safe(subject) || !body || !utf8_valid(body, strlen(body)))
		return KR_EINVAL;
	json_t *j = json_pack("{s:s, s:s, s:s}", "to", to, "subject", subject, "body", body);
	if (!j)
		return KR_EINVAL;
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s)
		return KR_ENOMEM;
	int rc = job_enqueue(c, "mail", s, c->now);
	free(s);
	return rc;
}

static void b64_lines(struct buf *b, const char *s, size_t n)
{
	/* 57 input bytes -> one 76-character line. */
	for (size_t i = 0; i < n; i += 57) {
		size_t k = n - i < 57 ? n - i : 57;
		char line[80];
		sodium_bin2base64(line, sizeof line, (const unsigned char *)s + i, k, sodium_base64_VARIANT_ORIGINAL);
		buf_adds(b, line);
		buf_adds(b, "\r\n");
	}
}

struct upload {
	const char *p;
	size_t left;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *ud)
{
	struct upload *u = ud;
	size_t n = size * nmemb;
	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

int mail_send_job(struct ctx *c, const char *payload)
{
	json_error_t e;
	json_t *j = json_loads(payload ? payload : "", 0, &e);
	const char *to = j ? json_string_value(json_object_get(j, "to")) : NULL;
	const char *subject = j ? json_string_value(json_object_get(j, "subject")) : NULL;
	const char *body = j ? json_string_value(json_object_get(j, "body")) : NULL;
	if (!to || !subject || !body || !valid_email(to) || !header_safe(subject)) {
		json_decref(j);
		return KR_EINVAL;
	}
	if (!smtp_url) {
		json_decref(j);
		return KR_EUNAVAIL;
	}
	struct buf m = BUF_INIT;
	char date[64];
	time_t now = (time_t)(c->now / 1000);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	unsigned char rnd[12];
	rand_bytes(rnd, sizeof rnd);
	char mid[25];
	hex_encode(rnd, sizeof rnd, mid);
	const char *at = strchr(mail_from, '@');
	buf_printf(&m, "Date: %s\r\nFrom: Kairan <%s>\r\nTo: <%s>\r\nMessage-ID: <%s@%s>\r\n", date, mail_from, to,
		   mid, at ? at + 1 : "kairan");
	buf_adds(&m, "Subject: =?UTF-8?B?");
	char sb[1024];
	size_t sl = strlen(subject);
	if (sl > 700)
		sl = 700;
	sodium_bin2base64(sb, sizeof sb, (const unsigned char *)subject, sl, sodium_base64_VARIANT_ORIGINAL);
	buf_adds(&m, sb);
	buf_adds(&m, "?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		     "Content-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n\r\n");
	b64_lines(&m, body, strlen(body));

	int rc = KR_OK;
	CURL *h = curl_easy_init();
	struct curl_slist *rcpt = NULL;
	if (!h) {
		rc = KR_ENOMEM;
		goto done;
	}
	char from_addr[300], to_addr[300];
	snprintf(from_addr, sizeof from_addr, "<%s>", mail_from);
	snprintf(to_addr, sizeof to_addr, "<%s>", to);
	rcpt = curl_slist_append(NULL, to_addr);
	struct upload u = {m.p, m.len};
	curl_easy_setopt(h, CURLOPT_URL, smtp_url);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from_addr);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &u);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	CURLcode cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		log_warn("msg=\"mail not sent\" err=\"%s\"", curl_easy_strerror(cc));
		rc = KR_EUNAVAIL;
	}
done:
	curl_slist_free_all(rcpt);
	if (h)
		curl_easy_cleanup(h);
	buf_free(&m);
	json_decref(j);
	return rc;
}
