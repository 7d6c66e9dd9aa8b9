/* server.c - the libmicrohttpd daemon and the life of one request in it.
 *
 * The daemon runs an internal epoll thread pool.  A request's state (struct
 * http_req, with its arena) is created in the URI callback - the first thing
 * libmicrohttpd tells us about a request, and the only place the raw target
 * with its undecoded path and query is visible - and destroyed in the
 * completion callback.  The access handler then: parses the target, headers
 * and cookies, finds the route and refuses an oversized body before reading
 * it; accumulates the body under the route's cap; parses forms; hands the
 * request to the router; and queues the response with the standard
 * headers.  This is the only file that includes microhttpd.h. */
#include <microhttpd.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/internal.h"
#include "http/parse.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "lib/util.h"

enum {
	HTTP_STAGE_NEW,      /* headers received, nothing looked at yet */
	HTTP_STAGE_BODY,     /* route found, reading the body */
	HTTP_STAGE_REFUSED,  /* refused, answer once the (empty) body is in */
	HTTP_STAGE_DONE,     /* response queued */
};

/* Per-connection memory: request line, headers and the read buffer must fit
 * (larger headers get libmicrohttpd's own 431/413).  libmicrohttpd zeroes
 * the whole pool between requests on a kept-alive connection, so its size
 * is paid on every request (8.7% of a cached list page's CPU at 64 KiB);
 * 32 KiB, the library's default, holds any header set a browser sends and
 * bodies stream through it in chunks. */
#define HTTP_CONN_MEMORY (32 * 1024)
/* How long http_stop waits for in-flight requests before closing anyway. */
#define HTTP_STOP_WAIT_MS 10000
/* Bytes past a body cap read and thrown away before answering 413; beyond
 * this the connection is closed without an answer. */
#define HTTP_DRAIN_MAX (1024 * 1024)

static struct MHD_Daemon *g_daemon;
static bool g_trust_proxy;
static atomic_long g_active; /* requests between URI callback and completion */

static void mhd_log(void *cls, const char *fmt, va_list ap) KR_PRINTF(2, 0);
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	KR_UNUSED(cls);
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_warn("http: mhd: %s", msg);
}

int64_t http_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *mc)
{
	KR_UNUSED(cls);
	KR_UNUSED(mc);
	struct http_req *h = calloc(1, sizeof(*h));
	if (!h) {
		fputs("kairan: out of memory\n", stderr);
		abort();
	}
	h->r.a = arena_new();
	h->r.priv = h;
	h->target = arena_strdup(h->r.a, uri ? uri : "");
	h->start_us = http_mono_us();
	h->stage = HTTP_STAGE_NEW;
	atomic_fetch_add(&g_active, 1);
	http_metrics_begin();
	return h;
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	KR_UNUSED(cls);
	KR_UNUSED(mc);
	KR_UNUSED(toe);
	struct http_req *h = *req_cls;
	if (!h)
		return;
	*req_cls = NULL;
	long idx = -1;
	if (h->routed)
		idx = (long)(h->r.route - app_routes);
	http_metrics_end(h->r.method, h->answered ? h->r.status : 0, idx,
			 http_mono_us() - h->start_us, h->bytes_out);
	buf_free(&h->body);
	buf_free(&h->r.out);
	arena_free(h->r.a);
	free(h);
	atomic_fetch_sub(&g_active, 1);
}

struct hdr_collect {
	struct arena *a;
	struct kv *v;
	size_t n, cap;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      size_t key_size, const char *value, size_t value_size)
{
	KR_UNUSED(kind);
	struct hdr_collect *c = cls;
	if (!key || !value)
		return MHD_YES;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct kv *v = arena_alloc(c->a, cap * sizeof(*v));
		if (c->n)
			memcpy(v, c->v, c->n * sizeof(*v));
		c->v = v;
		c->cap = cap;
	}
	struct kv *kv = &c->v[c->n++];
	kv->key = arena_strndup(c->a, key, key_size);
	kv->val = arena_strndup(c->a, value, value_size);
	kv->len = value_size;
	return MHD_YES;
}

static const char *peer_ip(struct arena *a, struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return "";
	char host[INET6_ADDRSTRLEN + 1];
	const struct sockaddr *sa = ci->client_addr;
	socklen_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						   : sizeof(struct sockaddr_in);
	if (getnameinfo(sa, len, host, sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
		return "";
	return arena_strdup(a, host);
}

/* The client address a trusted proxy appended: the last X-Forwarded-For
 * entry (earlier ones come from the client and prove nothing). */
static const char *forwarded_ip(struct arena *a, const char *xff)
{
	const char *last = strrchr(xff, ',');
	const char *s = last ? last + 1 : xff;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n > INET6_ADDRSTRLEN)
		return NULL;
	char *ip = arena_strndup(a, s, n);
	unsigned char tmp[sizeof(struct in6_addr)];
	if (inet_pton(AF_INET, ip, tmp) != 1 && inet_pton(AF_INET6, ip, tmp) != 1)
		return NULL;
	return ip;
}

/* "ja" when the caller's first language choice is Japanese, else "en";
 * app_authenticate replaces it with the person's own choice. */
static const char *accept_lang(const char *al)
{
	if (!al)
		return "en";
	while (*al == ' ')
		al++;
	return strncasecmp(al, "ja", 2) == 0 ? "ja" : "en";
}

struct resp_build {
	struct MHD_Response *resp;
};

static void add_std(void *cls, const char *name, const char *value)
{
	struct resp_build *b = cls;
	MHD_add_response_header(b->resp, name, value);
}

static const char *default_ctype(const struct request *r)
{
	if (!r->route)
		return "text/plain; charset=utf-8";
	switch (r->route->out) {
	case OUT_HTML: return "text/html; charset=utf-8";
	case OUT_JSON: return "application/json";
	case OUT_TAXII: return "application/taxii+json;version=2.1";
	case OUT_RAW: break;
	}
	return "text/plain; charset=utf-8";
}

/* libmicrohttpd pulls a streamed body through here: hand out what is
 * left of the current chunk, asking the handler's function for the next
 * one when it is used up. */
static ssize_t stream_read(void *cls, uint64_t pos, char *dst, size_t max)
{
	KR_UNUSED(pos);
	struct http_req *h = cls;
	struct request *r = &h->r;
	while (h->stream_off >= r->out.len) {
		if (h->stream_done)
			return MHD_CONTENT_READER_END_OF_STREAM;
		buf_reset(&r->out);
		h->stream_off = 0;
		int rc = r->stream(r, r->stream_ud, &r->out);
		if (rc < 0) {
			log_warn("http: stream ended by an error: %s", kr_strerror(rc));
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (rc == 0)
			h->stream_done = true;
	}
	size_t n = r->out.len - h->stream_off;
	if (n > max)
		n = max;
	memcpy(dst, r->out.p + h->stream_off, n);
	h->stream_off += n;
	h->bytes_out += n;
	return (ssize_t)n;
}

static enum MHD_Result queue(struct http_req *h, struct MHD_Connection *mc)
{
	struct request *r = &h->r;
	if (r->status < 100 || r->status > 599)
		r->status = 500;
	size_t len = r->out.len;
	char *body = NULL;
	struct MHD_Response *resp;
	if (r->stream && r->status < 400) {
		h->stream_off = 0; /* what the handler left in r->out goes first */
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, h, NULL);
		len = 0;
	} else if (r->out_skip && r->status < 400) {
		/* resp_skip: send from inside the buffer; MHD frees the whole
		 * buffer (free(body)) when it is done with the response. */
		size_t skip = r->out_skip < len ? r->out_skip : len;
		body = buf_steal(&r->out, &len);
		len -= skip;
		resp = MHD_create_response_from_buffer_with_free_callback_cls(len, body + skip, free, body);
	} else if (len) {
		body = buf_steal(&r->out, &len);
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	} else {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	struct resp_build b = {resp};
	http_std_headers(r, add_std, &b);
	bool own_ctype = false;
	for (size_t i = 0; i < r->nresp_headers; i++) {
		MHD_add_response_header(resp, r->resp_headers[i].key, r->resp_headers[i].val);
		if (strcasecmp(r->resp_headers[i].key, "Content-Type") == 0)
			own_ctype = true;
	}
	if (!own_ctype && (len || r->out_ctype || r->stream))
		MHD_add_response_header(resp, "Content-Type",
					r->out_ctype ? r->out_ctype : default_ctype(r));
	enum MHD_Result ok = MHD_queue_response(mc, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	h->stage = HTTP_STAGE_DONE;
	if (ok == MHD_YES) {
		h->answered = true;
		h->bytes_out = len;
	}
	return ok;
}

static enum MHD_Result fail_now(struct http_req *h, struct MHD_Connection *mc, int status,
				const char *key, const char *detail)
{
	if (detail)
		log_info("http: refused status=%d reason=\"%s\" ip=%s", status, detail,
			 h->r.ip ? h->r.ip : "");
	http_fail_early(&h->r, status, key);
	return queue(h, mc);
}

/* Refuse a request.  Without a body the answer waits for libmicrohttpd's
 * next call, when the request is complete, so the connection stays open
 * (0.9.75 closes it when answered while a body may still come); with one,
 * answer at once and never read it. */
static enum MHD_Result refuse(struct http_req *h, struct MHD_Connection *mc, bool has_body,
			      int status, const char *key, const char *detail)
{
	if (has_body)
		return fail_now(h, mc, status, key, detail);
	h->refuse_status = status;
	h->refuse_key = key;
	h->refuse_detail = detail;
	h->stage = HTTP_STAGE_REFUSED;
	return MHD_YES;
}

/* First call: everything known from the request line and headers. */
static enum MHD_Result begin(struct http_req *h, struct MHD_Connection *mc, const char *method)
{
	struct request *r = &h->r;
	struct arena *a = r->a;
	r->method = arena_strdup(a, method);
	r->ctx.a = a;
	r->ctx.now = now_ms();
	r->status = 200;

	struct hdr_collect hc = {.a = a};
	MHD_get_connection_values_n(mc, MHD_HEADER_KIND, collect_header, &hc);
	h->headers = hc.v;
	h->nheaders = hc.n;
	http_parse_cookies(a, req_header(r, "Cookie"), &h->cookies, &h->ncookies);

	r->ip = peer_ip(a, mc);
	if (g_trust_proxy) {
		const char *xff = req_header(r, "X-Forwarded-For");
		const char *fip = xff ? forwarded_ip(a, xff) : NULL;
		if (fip)
			r->ip = fip;
		const char *proto = req_header(r, "X-Forwarded-Proto");
		r->https = proto && strcasecmp(proto, "https") == 0;
	}
	r->ctx.ip = r->ip;
	r->lang = accept_lang(req_header(r, "Accept-Language"));
	r->content_type = req_header(r, "Content-Type");

	/* Is a body coming?  Needed first: it decides how to refuse. */
	const char *cl = req_header(r, "Content-Length");
	const char *te = req_header(r, "Transfer-Encoding");
	int64_t clen = 0;
	if (cl && parse_i64(cl, 0, INT64_MAX, &clen) != KR_OK)
		return fail_now(h, mc, 400, "err.bad_request", "bad Content-Length");
	bool has_body = clen > 0 || (te && strcasecmp(te, "identity") != 0);

	const char *path, *query;
	size_t plen, qlen;
	struct http_perr e = {0};
	http_split_target(h->target, strlen(h->target), &path, &plen, &query, &qlen);
	r->path = "/";
	char *dpath;
	if (http_parse_path(a, path, plen, &dpath, &e) != KR_OK)
		return refuse(h, mc, has_body, 400, e.key, e.detail);
	r->path = dpath;
	if (query) {
		h->raw_query = arena_strndup(a, query, qlen);
		int rc = http_parse_urlencoded(a, query, qlen, &r->query, &r->nquery, &e);
		if (rc != KR_OK)
			return refuse(h, mc, has_body, rc == KR_ETOOBIG ? 413 : 400, e.key, e.detail);
	}

	const char *allow = NULL;
	int rc = http_route_match(app_routes, app_nroutes, a, r->method, r->path, &r->route,
				  r->params, &r->nparams, &allow);
	if (rc == KR_ENOTFOUND)
		return refuse(h, mc, has_body, 404, "err.not_found", NULL);
	if (rc != KR_OK) {
		/* r->route is a route of this path with another method: it
		 * decides how the error is rendered, nothing else. */
		resp_header(r, "Allow", allow);
		return refuse(h, mc, has_body, 405, "err.method", NULL);
	}
	h->routed = true;

	/* Refuse an oversized body before reading any of it. */
	h->body_limit = r->route->body_limit;
	if (has_body && h->body_limit == 0)
		return fail_now(h, mc, 413, "err.too_big", "body on a route without one");
	if ((uint64_t)clen > h->body_limit)
		return fail_now(h, mc, 413, "err.too_big", "Content-Length over the limit");
	if (clen > 0)
		buf_grow(&h->body, (size_t)clen);
	h->stage = HTTP_STAGE_BODY;
	return MHD_YES;
}

/* The whole body is in: parse forms, run the route, queue the answer. */
static enum MHD_Result complete(struct http_req *h, struct MHD_Connection *mc)
{
	struct request *r = &h->r;
	struct http_perr e = {0};
	if (h->body.len) {
		r->body = h->body.p;
		r->body_len = h->body.len;
	}
	const char *ct = r->content_type;
	int rc = KR_OK;
	if (h->body.len && http_ctype_is(ct, "application/x-www-form-urlencoded"))
		rc = http_parse_urlencoded(r->a, h->body.p, h->body.len, &r->form, &r->nform, &e);
	else if (h->body.len && http_ctype_is(ct, "multipart/form-data"))
		rc = http_parse_multipart(r->a, ct, h->body.p, h->body.len, h->body_limit, &r->form,
					  &r->nform, &e);
	if (rc != KR_OK)
		return fail_now(h, mc, rc == KR_ETOOBIG ? 413 : 400, e.key, e.detail);
	http_dispatch(r);
	return queue(h, mc);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	KR_UNUSED(cls);
	KR_UNUSED(url);
	KR_UNUSED(version);
	struct http_req *h = *req_cls;
	if (!h)
		return MHD_NO; /* cannot happen: on_uri runs first */
	switch (h->stage) {
	case HTTP_STAGE_NEW:
		return begin(h, mc, method);
	case HTTP_STAGE_BODY:
		if (*upload_data_size == 0) {
			if (h->over_limit)
				return fail_now(h, mc, 413, "err.too_big", "body over the limit");
			return complete(h, mc);
		}
		if (h->over_limit || *upload_data_size > h->body_limit - h->body.len) {
			/* libmicrohttpd 0.9.75 cannot queue a response in the
			 * middle of an upload: keep nothing more, drain a
			 * little so a modest overrun still hears 413, and
			 * close the connection on a large one. */
			if (!h->over_limit)
				buf_free(&h->body);
			h->over_limit = true;
			h->drained += *upload_data_size;
			*upload_data_size = 0;
			if (h->drained > HTTP_DRAIN_MAX) {
				log_info("http: closed connection: body far over the limit ip=%s",
					 h->r.ip ? h->r.ip : "");
				return MHD_NO;
			}
			return MHD_YES;
		}
		buf_add(&h->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	case HTTP_STAGE_REFUSED:
		if (*upload_data_size == 0)
			return fail_now(h, mc, h->refuse_status, h->refuse_key, h->refuse_detail);
		*upload_data_size = 0; /* said it had no body: drop it */
		return MHD_YES;
	default:
		/* Answered already; drop whatever else arrives. */
		*upload_data_size = 0;
		return MHD_YES;
	}
}

static unsigned ncores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

int http_start(const struct http_config *cfg, int *port_out)
{
	static struct sockaddr_storage addr; /* must outlive MHD_start_daemon */
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE};
	struct addrinfo *ai = NULL;
	char port[16];
	int rc = KR_OK;

	if (g_daemon)
		return KR_EINVAL;
	if (cfg->port < 0 || cfg->port > 65535)
		return KR_EINVAL;
	snprintf(port, sizeof(port), "%d", cfg->port);
	const char *host = str_empty(cfg->listen_host) ? "127.0.0.1" : cfg->listen_host;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
		log_error("http: cannot resolve listen address host=%s", host);
		rc = KR_EINVAL;
		goto done;
	}
	memset(&addr, 0, sizeof(addr));
	memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;

	http_metrics_init(app_nroutes);
	g_trust_proxy = cfg->trust_proxy;

	struct MHD_OptionItem opts[16];
	size_t n = 0;
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &addr};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed,
					    NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
					    HTTP_CONN_MEMORY, NULL};
	unsigned threads = cfg->threads > 0 ? (unsigned)cfg->threads : ncores();
	if (threads > 1)
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, threads, NULL};
	if (cfg->conn_limit > 0)
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
						    cfg->conn_limit, NULL};
	if (cfg->per_ip_limit > 0)
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
						    cfg->per_ip_limit, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
					    cfg->timeout_s > 0 ? cfg->timeout_s : 30, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

	g_daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!g_daemon) {
		log_error("http: cannot start server host=%s port=%d", host, cfg->port);
		rc = KR_EIO;
		goto done;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(g_daemon, MHD_DAEMON_INFO_BIND_PORT);
	int bound = di ? di->port : cfg->port;
	if (port_out)
		*port_out = bound;
	log_info("http: listening host=%s port=%d threads=%u", host, bound, threads);
done:
	if (ai)
		freeaddrinfo(ai);
	return rc;
}

void http_stop(void)
{
	if (!g_daemon)
		return;
	/* In-flight requests finish, then MHD_stop_daemon closes the listen
	 * socket and idle keep-alive connections.  MHD_quiesce_daemon is not
	 * used: with an epoll thread pool it races a worker that has just
	 * taken the listen socket out of its epoll set (connection limit) and
	 * libmicrohttpd 0.9.75 aborts the process ("Failed to remove listen FD
	 * from epoll set"), turning a clean SIGTERM into a crash. */
	for (int waited = 0; atomic_load(&g_active) > 0 && waited < HTTP_STOP_WAIT_MS; waited += 10) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(g_daemon);
	g_daemon = NULL;
	log_info("http: stopped");
}
