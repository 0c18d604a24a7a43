/* fetch: transfers over one libcurl multi handle driven by the event loop
 * (curl_multi_socket_action), with connection reuse, no redirect following,
 * http/https only, and the address from our DNS (CURLOPT_RESOLVE) so that
 * libcurl never resolves on its own.
 *
 * A transfer captures what the WARC needs: the request header block as sent,
 * the response header block as received, and the body streamed into a spool
 * (memory up to a bound, then a temporary file), and notes whether the body
 * is HTML to parse and in which charset.  A content-coded body (gzip,
 * deflate, br, zstd) is decoded on the way to the spool by parsers/decode,
 * which also tells a cut-short stream from a complete one.  Bodies over
 * max_size (decoded) are aborted.
 *
 * Proxy credentials never reach the archive: a Proxy-Authorization header is
 * left out of the request block kept for it.
 *
 * Ownership: the fetcher owns transfers; a finished transfer is lent to the
 * done callback, which gives it back with fetcher_release when it is done
 * with it (possibly later, after work on another thread).
 */
#ifndef CRAWLER_FETCH_H
#define CRAWLER_FETCH_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>

#include "scheduler.h"

struct loop;
struct spool;
struct html_parser;

/* A growable byte buffer with a cap fixed at creation. */
struct capbuf {
	char *data;
	size_t len, cap, max;
};

struct fetch_options {
	const char *user_agent;
	long timeout_ms, connect_timeout_ms;
	long read_timeout_s;      /* no byte for this long fails; 0: off */
	int64_t max_size;         /* of the decoded body */
	size_t spool_memory;      /* bytes of body kept in memory per transfer */
	const char *spool_dir;
	char *const *headers;     /* "Name: value" sent with every request */
	size_t n_headers;
	const char *user;         /* "USER:PASS" for Basic auth where asked */
	int compression;          /* accept and decode gzip, deflate, br, zstd */
	int http11;               /* no HTTP/2 */
	const char *ca_certificate, *client_cert, *client_key, *pinned_pubkey;
	int insecure;
	const char *unix_socket;
	int cookies;              /* one cookie jar shared by every transfer */
	const char *proxy_user;   /* "USER:PASS" for the proxies, or NULL */
};

/* The states a transfer goes through, for tracing and invariants. */
enum transfer_state {
	TRANSFER_IDLE,    /* in the pool */
	TRANSFER_ACTIVE,  /* in the multi handle */
	TRANSFER_DONE,    /* finished, lent to the done callback's owner */
};

struct transfer {
	enum transfer_state state;
	CURL *easy;
	const struct fetch_options *opt;
	struct host *host;
	struct sched_url url;
	struct timespec started;  /* wall clock, for WARC-Date */
	struct capbuf request;    /* request header block as sent */
	struct capbuf head;       /* response header block as received */
	struct spool *body;
	struct html_parser *html; /* for the owner's use; kept across transfers */
	int body_seen;
	int is_html;              /* a 2xx text/html or xhtml body */
	char charset[64];         /* from Content-Type, "" when none */
	int too_large;            /* body or header over its cap: aborted */
	int decoded;              /* the body arrived content-coded and was decoded */
	struct decoder *decoder;  /* decodes the body as it arrives, or NULL */
	int decode_error;         /* the coded body was corrupt or cut short */
	int via_proxy;            /* sent through a proxy */
	int spool_errno;          /* writing the spool failed */
	uint64_t received;
	struct curl_slist *extra_headers; /* the headers of a request that adds its own */
	int conditional;          /* sent with validators: a 304 means unchanged */
	char errbuf[CURL_ERROR_SIZE];
	struct transfer *next_free;
};

struct fetcher;

/* Called once per finished transfer with curl's result; the callback owns t
 * until it calls fetcher_release. */
typedef void (*fetch_done_fn)(void *ctx, struct transfer *t, CURLcode rc);

struct fetcher *fetcher_new(struct loop *loop, const struct fetch_options *o,
			    fetch_done_fn done, void *ctx, char **err);
/* NULL-safe; aborts transfers in flight without calling done. */
void fetcher_free(struct fetcher **f);

/* What one request adds to the fixed ones; every field may be NULL / 0.
 * Values containing CR or LF are not sent. */
struct fetch_request {
	const char *etag;          /* sent as If-None-Match */
	const char *last_modified; /* sent as If-Modified-Since */
	const char *referer;
	int auth;                  /* send the --user credentials */
	const char *post;          /* a POST with this body instead of a GET */
	const char *post_type;     /* its Content-Type */
};

/* Starts fetching u (ownership of u->url passes to the transfer) from host h,
 * whose address is resolved, with what r adds (r may be NULL).  Returns 0,
 * or -1 (u->url is then freed). */
int fetcher_start(struct fetcher *f, struct host *h, struct sched_url *u,
		  const struct fetch_request *r);

/* The error_detail of a failed transfer into buf: libcurl's message, for a
 * TLS failure after its reason ("expired: ", "wrong host: ",
 * "unknown issuer: ", "pin mismatch: ", "tls: "). */
const char *fetch_error_detail(const struct transfer *t, CURLcode rc, char *buf,
			       size_t size);

/* Adds one cookie to the shared jar: a Netscape cookie-file line or a
 * "Set-Cookie: ..." line (libcurl's CURLOPT_COOKIELIST rules: domain,
 * path, secure, expiry and the public suffix list apply).  0 or -1. */
int fetcher_add_cookie(struct fetcher *f, const char *line);

/* Writes the jar in the Netscape format that curl and wget read, with its
 * header line, to out.  0 or -1 (errno set). */
int fetcher_write_cookies(struct fetcher *f, FILE *out);

/* Returns a finished transfer to the pool. */
void fetcher_release(struct fetcher *f, struct transfer *t);

/* Transfers on the network. */
int fetcher_inflight(const struct fetcher *f);

/* The failure class ("connect", "timeout", "too_large", ...) of a transfer
 * that ended with rc != CURLE_OK. */
const char *fetch_error_class(const struct transfer *t, CURLcode rc);

#endif
