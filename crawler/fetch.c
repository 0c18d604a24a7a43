/* fetch: libcurl multi socket interface in the event loop.  See fetch.h. */
#define _GNU_SOURCE
#include "fetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "html.h"
#include "loop.h"
#include "spool.h"

#define MAX_HEAD_BYTES (256 * 1024)    /* response header block */
#define MAX_REQUEST_BYTES (64 * 1024)  /* request header block */

struct fetcher {
	struct loop *loop;
	CURLM *multi;
	struct loop_timer timer;
	struct fetch_options opt;
	struct curl_slist *headers;
	CURLSH *share;            /* the cookie jar, when cookies are on */
	CURL *jar;                /* an easy handle on the share, to reach the jar */
	fetch_done_fn done;
	void *done_ctx;
	struct transfer *free_list;
	struct transfer **all; /* every transfer allocated, for fetcher_free */
	size_t n_all, cap_all;
	int inflight;
};

/* ---- capped buffers ---- */

static int capbuf_add(struct capbuf *b, const void *data, size_t len)
{
	if (b->len + len > b->max)
		return -1;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + len)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d)
			return -1;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

/* ---- libcurl callbacks ---- */

/* Decides, at the first body byte, whether the body is HTML to parse. */
static void on_body_start(struct transfer *t)
{
	long status = 0;
	const char *ctype = NULL;
	t->body_seen = 1;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ctype);
	t->is_html = status >= 200 && status < 300 && ctype &&
		     html_content_type_parse(ctype, t->charset, sizeof t->charset);
}

/* The body's content coding, once its first bytes arrive: a coding we
 * decode gets a decoder; one we do not know is stored as it came, and is
 * not parsed. */
static int start_decoding(struct transfer *t)
{
	struct curl_header *h;
	if (!t->opt->compression ||
	    curl_easy_header(t->easy, "Content-Encoding", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return 0;
	enum decode_coding coding = decode_coding_parse(h->value);
	if (coding == DECODE_IDENTITY)
		return 0;
	if (coding == DECODE_UNKNOWN) {
		t->is_html = 0;
		return 0;
	}
	if (!(t->decoder = decoder_new(coding))) {
		t->spool_errno = ENOMEM;
		return -1;
	}
	t->decoded = 1;
	return 0;
}

/* Decoded bytes go to the spool, counted against max_size. */
static int keep_body(void *ud, const void *data, size_t len)
{
	struct transfer *t = ud;
	if (t->opt->max_size > 0 && t->received + len > (uint64_t)t->opt->max_size) {
		t->too_large = 1;
		return 1;
	}
	if (spool_write(t->body, data, len)) {
		t->spool_errno = errno;
		return 1;
	}
	t->received += len;
	return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	size_t len = size * n;
	if (!t->body_seen) {
		on_body_start(t);
		if (start_decoding(t))
			return 0;
	}
	if (!t->decoder)
		return keep_body(t, data, len) ? 0 : len;
	int rc = decoder_feed(t->decoder, data, len, keep_body, t);
	if (rc < 0)
		t->decode_error = 1;
	return rc ? 0 : len;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	size_t len = size * n;
	/* a new status line starts a new response (after 1xx ones) */
	if (len > 5 && memcmp(data, "HTTP/", 5) == 0)
		t->head.len = 0;
	if (capbuf_add(&t->head, data, len)) {
		t->too_large = 1;
		return 0;
	}
	return len;
}

static int on_debug(CURL *easy, curl_infotype type, char *data, size_t len,
		    void *ud)
{
	struct transfer *t = ud;
	if (type != CURLINFO_HEADER_OUT)
		return 0;
	/* line by line, leaving out the proxy's credentials */
	t->request.len = 0;
	for (const char *line = data, *end = data + len; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *next = nl ? nl + 1 : end;
		if ((size_t)(end - line) < 20 || strncasecmp(line, "Proxy-Authorization:", 20) != 0)
			capbuf_add(&t->request, line, (size_t)(next - line));
		line = next;
	}
	return 0;
}

/* ---- the multi handle in the loop ---- */

static void check_done(struct fetcher *f);

static void on_socket_io(void *ctx, int fd, unsigned events)
{
	struct fetcher *f = ctx;
	int running, flags = 0;
	if (events & LOOP_READ)
		flags |= CURL_CSELECT_IN;
	if (events & LOOP_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(f->multi, fd, flags, &running);
	check_done(f);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *ud, void *sockp)
{
	struct fetcher *f = ud;
	unsigned events = 0;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= LOOP_READ;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= LOOP_WRITE;
	return loop_watch(f->loop, fd, what == CURL_POLL_REMOVE ? 0 : events,
			  on_socket_io, f) ? -1 : 0;
}

static void on_timer(void *ctx)
{
	struct fetcher *f = ctx;
	int running;
	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(f);
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *ud)
{
	struct fetcher *f = ud;
	if (timeout_ms < 0) {
		loop_timer_cancel(f->loop, &f->timer);
		return 0;
	}
	return loop_timer_at(f->loop, &f->timer,
			     loop_now(f->loop) + (double)timeout_ms / 1000.0);
}

void fetcher_release(struct fetcher *f, struct transfer *t)
{
	free(t->url.url);
	t->url.url = NULL;
	curl_slist_free_all(t->extra_headers);
	t->extra_headers = NULL;
	decoder_free(&t->decoder);
	t->state = TRANSFER_IDLE;
	t->next_free = f->free_list;
	f->free_list = t;
}

static void check_done(struct fetcher *f)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(f->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct transfer *t;
		CURLcode rc = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		curl_multi_remove_handle(f->multi, msg->easy_handle);
		if (!t->body_seen) /* an empty body is still a page */
			on_body_start(t);
		if (rc == CURLE_OK && t->decoder && decoder_finish(t->decoder)) {
			t->decode_error = 1; /* the coded stream was cut short */
			rc = CURLE_BAD_CONTENT_ENCODING;
		}
		f->inflight--;
		t->state = TRANSFER_DONE;
		f->done(f->done_ctx, t, rc);
	}
}

/* ---- setup ---- */

/* Transfers run on the loop thread only, so the share needs no locks. */
static int share_cookies(struct fetcher *f)
{
	if (!(f->share = curl_share_init()) || !(f->jar = curl_easy_init()) ||
	    curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE) != CURLSHE_OK)
		return -1;
	curl_easy_setopt(f->jar, CURLOPT_SHARE, f->share);
	curl_easy_setopt(f->jar, CURLOPT_COOKIEFILE, "");
	return 0;
}

int fetcher_add_cookie(struct fetcher *f, const char *line)
{
	if (!f->jar)
		return 0;
	return curl_easy_setopt(f->jar, CURLOPT_COOKIELIST, line) == CURLE_OK ? 0 : -1;
}

int fetcher_write_cookies(struct fetcher *f, FILE *out)
{
	struct curl_slist *list = NULL;
	if (f->jar && curl_easy_getinfo(f->jar, CURLINFO_COOKIELIST, &list) != CURLE_OK)
		return -1;
	fputs("# Netscape HTTP Cookie File\n", out);
	for (struct curl_slist *c = list; c; c = c->next)
		fprintf(out, "%s\n", c->data);
	curl_slist_free_all(list);
	return ferror(out) ? -1 : 0;
}

struct fetcher *fetcher_new(struct loop *loop, const struct fetch_options *o,
			    fetch_done_fn done, void *ctx, char **err)
{
	struct fetcher *f = calloc(1, sizeof *f);
	if (!f)
		goto oom;
	*f = (struct fetcher){.loop = loop, .opt = *o, .done = done, .done_ctx = ctx};
	f->timer = (struct loop_timer){.fn = on_timer, .ctx = f};
	f->headers = curl_slist_append(NULL, "Accept: text/html,application/xhtml+xml,"
					     "application/xml;q=0.9,*/*;q=0.8");
	for (size_t i = 0; f->headers && i < o->n_headers; i++) {
		struct curl_slist *more = curl_slist_append(f->headers, o->headers[i]);
		if (!more)
			goto oom;
		f->headers = more;
	}
	f->multi = curl_multi_init();
	if (!f->headers || !f->multi || (o->cookies && share_cookies(f)))
		goto oom;
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	return f;
oom:
	*err = strdup("out of memory");
	fetcher_free(&f);
	return NULL;
}

static void free_transfer(struct transfer *t)
{
	curl_easy_cleanup(t->easy);
	spool_free(&t->body);
	html_parser_free(&t->html);
	free(t->request.data);
	free(t->head.data);
	free(t->url.url);
	curl_slist_free_all(t->extra_headers);
	decoder_free(&t->decoder);
	free(t);
}

void fetcher_free(struct fetcher **fp)
{
	struct fetcher *f = *fp;
	if (!f)
		return;
	for (size_t i = 0; i < f->n_all; i++) {
		if (f->all[i]->state == TRANSFER_ACTIVE)
			curl_multi_remove_handle(f->multi, f->all[i]->easy);
		free_transfer(f->all[i]);
	}
	free(f->all);
	loop_timer_cancel(f->loop, &f->timer);
	curl_multi_cleanup(f->multi);
	curl_easy_cleanup(f->jar);
	curl_share_cleanup(f->share);
	curl_slist_free_all(f->headers);
	free(f);
	*fp = NULL;
}

/* Options that stay the same for every transfer of an easy handle. */
static void set_tls_options(struct fetcher *f, CURL *e)
{
	if (f->opt.ca_certificate)
		curl_easy_setopt(e, CURLOPT_CAINFO, f->opt.ca_certificate);
	if (f->opt.client_cert)
		curl_easy_setopt(e, CURLOPT_SSLCERT, f->opt.client_cert);
	if (f->opt.client_key)
		curl_easy_setopt(e, CURLOPT_SSLKEY, f->opt.client_key);
	if (f->opt.pinned_pubkey)
		curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, f->opt.pinned_pubkey);
	if (f->opt.insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

static void set_fixed_options(struct fetcher *f, struct transfer *t)
{
	CURL *e = t->easy;
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* we decode (and check) bodies ourselves: libcurl only asks */
	curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING,
			 f->opt.compression ? "gzip, deflate, br, zstd" : NULL);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, f->opt.http11 ? (long)CURL_HTTP_VERSION_1_1
								 : (long)CURL_HTTP_VERSION_2TLS);
	if (f->opt.read_timeout_s > 0) {
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, f->opt.read_timeout_s);
	}
	set_tls_options(f, e);
	if (f->opt.proxy_user)
		curl_easy_setopt(e, CURLOPT_PROXYUSERPWD, f->opt.proxy_user);
	if (f->opt.unix_socket)
		curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, f->opt.unix_socket);
	if (f->share) {
		curl_easy_setopt(e, CURLOPT_SHARE, f->share);
		curl_easy_setopt(e, CURLOPT_COOKIEFILE, ""); /* the cookie engine, no file */
	}
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, f->opt.user_agent);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->headers);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, f->opt.timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, f->opt.connect_timeout_ms);
	if (f->opt.max_size > 0)
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->opt.max_size);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	/* the debug callback is the only way to see the request as sent */
	curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(e, CURLOPT_DEBUGDATA, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
}

static struct transfer *get_transfer(struct fetcher *f)
{
	struct transfer *t = f->free_list;
	if (t) {
		f->free_list = t->next_free;
		return t;
	}
	if (f->n_all == f->cap_all) {
		size_t cap = f->cap_all ? f->cap_all * 2 : 16;
		struct transfer **all = realloc(f->all, cap * sizeof *all);
		if (!all)
			return NULL;
		f->all = all;
		f->cap_all = cap;
	}
	t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->opt = &f->opt;
	t->request.max = MAX_REQUEST_BYTES;
	t->head.max = MAX_HEAD_BYTES;
	t->easy = curl_easy_init();
	t->body = spool_new(f->opt.spool_memory, f->opt.spool_dir);
	if (!t->easy || !t->body) {
		free_transfer(t);
		return NULL;
	}
	set_fixed_options(f, t);
	f->all[f->n_all++] = t;
	return t;
}

static int add_header(struct curl_slist **list, const char *name, const char *value)
{
	char line[1024];
	if (!value || strpbrk(value, "\r\n") ||
	    (size_t)snprintf(line, sizeof line, "%s: %s", name, value) >= sizeof line)
		return 0;
	struct curl_slist *more = curl_slist_append(*list, line);
	if (!more)
		return -1;
	*list = more;
	return 1;
}

/* The fixed headers plus this request's own (validators, a POST's type);
 * 0, or -1 when out of memory. */
static int set_extra_headers(struct fetcher *f, struct transfer *t,
			     const struct fetch_request *r)
{
	const char *names[] = {"If-None-Match", "If-Modified-Since", "Content-Type"};
	const char *values[] = {r->etag, r->last_modified, r->post ? r->post_type : NULL};
	if (!values[0] && !values[1] && !values[2])
		return 0;
	for (struct curl_slist *h = f->headers; h; h = h->next) {
		struct curl_slist *more = curl_slist_append(t->extra_headers, h->data);
		if (!more)
			goto oom;
		t->extra_headers = more;
	}
	for (int i = 0; i < 3; i++) {
		int rc = add_header(&t->extra_headers, names[i], values[i]);
		if (rc < 0)
			goto oom;
		if (i < 2 && rc)
			t->conditional = 1;
	}
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->extra_headers);
	return 0;
oom:
	curl_slist_free_all(t->extra_headers);
	t->extra_headers = NULL;
	return -1;
}

/* What differs between requests on a reused easy handle. */
static int set_request(struct fetcher *f, struct transfer *t, const struct fetch_request *r)
{
	CURL *e = t->easy;
	int h2 = !f->opt.http11 && strncmp(t->url.url, "https:", 6) == 0;
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->headers);
	/* wait for a connection that may multiplex rather than open another */
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, (long)h2);
	curl_easy_setopt(e, CURLOPT_REFERER,
			 r && r->referer && !strpbrk(r->referer, "\r\n") ? r->referer : NULL);
	curl_easy_setopt(e, CURLOPT_USERPWD, r && r->auth ? f->opt.user : NULL);
	/* "" rather than NULL: libcurl would read the environment's proxies */
	t->via_proxy = t->host->proxy != NULL;
	curl_easy_setopt(e, CURLOPT_PROXY, t->via_proxy ? t->host->proxy : "");
	if (r && r->post)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->post);
	else
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	return r ? set_extra_headers(f, t, r) : 0;
}

int fetcher_start(struct fetcher *f, struct host *h, struct sched_url *u,
		  const struct fetch_request *r)
{
	struct transfer *t = get_transfer(f);
	if (!t) {
		free(u->url);
		return -1;
	}
	t->host = h;
	t->url = *u;
	t->request.len = t->head.len = 0;
	t->body_seen = t->is_html = t->too_large = t->spool_errno = t->decoded = 0;
	t->decode_error = 0;
	t->charset[0] = 0;
	t->received = 0;
	t->errbuf[0] = 0;
	spool_reset(t->body);
	t->conditional = 0;
	clock_gettime(CLOCK_REALTIME, &t->started);
	if (set_request(f, t, r)) {
		fetcher_release(f, t);
		return -1;
	}
	curl_easy_setopt(t->easy, CURLOPT_URL, u->url);
	curl_easy_setopt(t->easy, CURLOPT_RESOLVE, h->resolve);
	t->state = TRANSFER_ACTIVE;
	if (curl_multi_add_handle(f->multi, t->easy) != CURLM_OK) {
		fetcher_release(f, t);
		return -1;
	}
	f->inflight++;
	return 0;
}

int fetcher_inflight(const struct fetcher *f)
{
	return f->inflight;
}

/* Why a certificate was refused, from libcurl's code and OpenSSL's words. */
static const char *tls_reason(const struct transfer *t, CURLcode rc)
{
	static const struct {
		const char *words, *reason;
	} reasons[] = {
		{"expired", "expired"},
		{"subject name", "wrong host"},
		{"does not match target host", "wrong host"},
		{"local issuer", "unknown issuer"},
		{"self-signed", "unknown issuer"},
		{"self signed", "unknown issuer"},
	};
	if (rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
		return "pin mismatch";
	for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
		if (strcasestr(t->errbuf, reasons[i].words))
			return reasons[i].reason;
	return "tls";
}

const char *fetch_error_detail(const struct transfer *t, CURLcode rc, char *buf,
			       size_t size)
{
	const char *msg = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
	if (strcmp(fetch_error_class(t, rc), "tls") != 0)
		return msg;
	snprintf(buf, size, "%s: %s", tls_reason(t, rc), msg);
	return buf;
}

const char *fetch_error_class(const struct transfer *t, CURLcode rc)
{
	if (t->too_large)
		return "too_large";
	if (t->decode_error)
		return "decode";
	if (t->via_proxy && (rc == CURLE_COULDNT_CONNECT || rc == CURLE_PROXY ||
			     strcasestr(t->errbuf, "proxy") || strstr(t->errbuf, "CONNECT")))
		return "proxy";
	switch (rc) {
	case CURLE_FILESIZE_EXCEEDED:
	/* what libcurl 7.88 answers a header line over its 100 KiB limit */
	case CURLE_OUT_OF_MEMORY:
		return "too_large";
	case CURLE_COULDNT_RESOLVE_HOST:
		return "dns";
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "proxy";
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return "tls";
	case CURLE_BAD_CONTENT_ENCODING:
		return "decode";
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return "protocol";
	case CURLE_WRITE_ERROR:
		return t->spool_errno ? "aborted" : "protocol";
	default:
		/* refused, reset, closed early, partial body: the connection failed */
		return "connect";
	}
}
