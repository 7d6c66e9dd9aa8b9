/* metrics.c - request counters for /metrics (Prometheus text format 0.0.4)
 * and the /healthz check.  Counters are lock-free atomics updated in the
 * completion callback of every request; the exposition reads them without
 * stopping anybody, so a scrape sees each counter exact but the set of
 * them only approximately simultaneous, as Prometheus expects. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"
#include "lib/util.h"
#include "store/db.h"

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "other"};
#define NMETHODS KR_ARRAY_LEN(methods)
/* Status classes 1xx..5xx, and 0 for requests that got no response. */
#define NCLASSES 6
static const char *const classes[NCLASSES] = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

/* Latency bucket upper bounds in microseconds. */
static const int64_t buckets_us[] = {1000, 5000, 10000, 25000, 50000, 100000, 250000,
				     500000, 1000000, 2500000, 5000000, 10000000};
#define NBUCKETS KR_ARRAY_LEN(buckets_us)

static atomic_uint_fast64_t by_method[NMETHODS][NCLASSES];
static atomic_uint_fast64_t latency[NBUCKETS + 1]; /* last: +Inf */
static atomic_uint_fast64_t latency_sum_us;
static atomic_uint_fast64_t bytes_sent;
static atomic_long in_flight;
/* by_route[i] for app_routes[i]; by_route[nroutes] for unmatched paths. */
static atomic_uint_fast64_t (*by_route)[NCLASSES];
static size_t nroutes_seen;
static _Atomic int64_t start_ms;

void http_metrics_init(size_t nroutes)
{
	int64_t zero = 0;
	atomic_compare_exchange_strong(&start_ms, &zero, now_ms());
	if (by_route)
		return; /* kept for the life of the process */
	by_route = calloc(nroutes + 1, sizeof(*by_route));
	if (!by_route)
		abort();
	nroutes_seen = nroutes;
}

void http_metrics_begin(void) { atomic_fetch_add(&in_flight, 1); }

static size_t method_idx(const char *m)
{
	for (size_t i = 0; m && i + 1 < NMETHODS; i++)
		if (strcmp(methods[i], m) == 0)
			return i;
	return NMETHODS - 1;
}

void http_metrics_end(const char *method, int status, long route_idx, int64_t dur_us,
		      size_t bytes)
{
	atomic_fetch_sub(&in_flight, 1);
	size_t cls = (status >= 100 && status <= 599) ? (size_t)(status / 100) : 0;
	atomic_fetch_add(&by_method[method_idx(method)][cls], 1);
	if (by_route) {
		size_t ri = (route_idx >= 0 && (size_t)route_idx < nroutes_seen) ? (size_t)route_idx
										 : nroutes_seen;
		atomic_fetch_add(&by_route[ri][cls], 1);
	}
	if (dur_us < 0)
		dur_us = 0;
	size_t b = 0;
	while (b < NBUCKETS && dur_us > buckets_us[b])
		b++;
	atomic_fetch_add(&latency[b], 1);
	atomic_fetch_add(&latency_sum_us, (uint_fast64_t)dur_us);
	atomic_fetch_add(&bytes_sent, bytes);
}

/* Label values are route patterns and fixed names: escape \ " and newline
 * anyway so a strange pattern cannot break the format. */
static void label(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_addc(b, '\\');
		if (*s == '\n') {
			buf_adds(b, "\\n");
			continue;
		}
		buf_addc(b, *s);
	}
}

int http_metrics_handler(struct request *r)
{
	struct buf *b = &r->out;
	buf_reset(b);
	buf_adds(b, "# HELP kairan_http_requests_total HTTP requests by method and status class.\n"
		    "# TYPE kairan_http_requests_total counter\n");
	for (size_t m = 0; m < NMETHODS; m++)
		for (size_t c = 0; c < NCLASSES; c++)
			buf_printf(b, "kairan_http_requests_total{method=\"%s\",status=\"%s\"} %llu\n",
				   methods[m], classes[c],
				   (unsigned long long)atomic_load(&by_method[m][c]));
	buf_adds(b, "# HELP kairan_http_route_requests_total HTTP requests by route pattern and status class.\n"
		    "# TYPE kairan_http_route_requests_total counter\n");
	for (size_t i = 0; by_route && i <= nroutes_seen; i++) {
		for (size_t c = 0; c < NCLASSES; c++) {
			uint64_t v = atomic_load(&by_route[i][c]);
			if (!v)
				continue;
			buf_adds(b, "kairan_http_route_requests_total{route=\"");
			if (i < nroutes_seen) {
				buf_adds(b, app_routes[i].method);
				buf_addc(b, ' ');
				label(b, app_routes[i].pattern);
			} else {
				buf_adds(b, "unmatched");
			}
			buf_printf(b, "\",status=\"%s\"} %llu\n", classes[c], (unsigned long long)v);
		}
	}
	buf_printf(b, "# HELP kairan_http_requests_in_flight Requests being served.\n"
		      "# TYPE kairan_http_requests_in_flight gauge\n"
		      "kairan_http_requests_in_flight %ld\n",
		   atomic_load(&in_flight));
	buf_adds(b, "# HELP kairan_http_request_duration_seconds Time from request line to response sent.\n"
		    "# TYPE kairan_http_request_duration_seconds histogram\n");
	uint64_t cum = 0;
	for (size_t i = 0; i < NBUCKETS; i++) {
		cum += atomic_load(&latency[i]);
		buf_printf(b, "kairan_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			   (double)buckets_us[i] / 1e6, (unsigned long long)cum);
	}
	cum += atomic_load(&latency[NBUCKETS]);
	buf_printf(b, "kairan_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
		      "kairan_http_request_duration_seconds_sum %.6f\n"
		      "kairan_http_request_duration_seconds_count %llu\n",
		   (unsigned long long)cum, (double)atomic_load(&latency_sum_us) / 1e6,
		   (unsigned long long)cum);
	buf_printf(b, "# HELP kairan_http_response_bytes_total Response body bytes sent.\n"
		      "# TYPE kairan_http_response_bytes_total counter\n"
		      "kairan_http_response_bytes_total %llu\n",
		   (unsigned long long)atomic_load(&bytes_sent));
	buf_printf(b, "# HELP process_start_time_seconds Start time of the process since the epoch.\n"
		      "# TYPE process_start_time_seconds gauge\n"
		      "process_start_time_seconds %.3f\n",
		   (double)atomic_load(&start_ms) / 1000.0);
	r->out_ctype = "text/plain; version=0.0.4; charset=utf-8";
	return 200;
}

int http_healthz_handler(struct request *r)
{
	struct db *db = r->ctx.db ? r->ctx.db : db_thread();
	if (!db || db_ping(db) != KR_OK)
		return resp_bytes(r, 503, "text/plain; charset=utf-8", "unavailable\n", 12);
	return resp_bytes(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}
