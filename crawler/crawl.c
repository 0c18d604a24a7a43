/* crawl: the engine.  See crawl.h. */
#define _GNU_SOURCE
#include "crawl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns.h"
#include "extract.h"
#include "fetch.h"
#include "frontier.h"
#include "html.h"
#include "loop.h"
#include "payloads.h"
#include "progress.h"
#include "robots.h"
#include "scheduler.h"
#include "scope.h"
#include "sitemap.h"
#include "spool.h"
#include "strmap.h"
#include "url.h"
#include "warc.h"
#include "work.h"

#define WINDOW 256              /* queued URLs per host kept in memory */
#define COMMIT_INTERVAL 0.25    /* seconds between database commits */
#define SPOOL_MEMORY (1u << 20) /* body bytes per transfer kept in memory */
#define DEDUP_MIN 1024          /* smaller payloads are always stored in full */
#define ROBOTS_REDIRECTS 5      /* hops followed to a robots.txt (RFC 9309) */
#define ROBOTS_MIN_USE 60.0     /* seconds fetched rules serve at least */

enum stop {
	RUNNING,
	STOP_GRACEFUL, /* no new transfers; let those in flight finish */
	STOP_ABORT,    /* abandon transfers in flight */
};

struct crawl {
	const struct opt_config *cfg;
	char *warc_dir;
	int lock_fd, signal_fd;
	struct loop *loop;
	struct frontier *fr;
	struct scope *scope;
	struct extract_rules *rules; /* NULL without --extract; the parser's */
	struct sched *sched;
	struct dns *dns;
	struct fetcher *fetcher;
	struct warc_writer *warc;
	struct work *archiver;       /* thread writing the WARC records */
	struct work *parser;         /* thread parsing pages and extracting */
	struct payloads *payloads;   /* stored payloads, with --dedup */
	int64_t run_id;
	struct loop_timer wake_timer, commit_timer, progress_timer;
	struct loop_timer budget_timer, grace_timer, retry_timer;
	double retry_due;            /* wall clock of the next retry due, or 0 */
	enum stop stop;
	int exit_code;
	const char *end_reason;      /* runs.end_reason */
	char robots_product[64];     /* our product token, for robots.txt groups */
	struct strmap *seed_hosts;   /* host names of the seeds: --user goes there only */
	enum { LOGIN_NONE, LOGIN_WAIT, LOGIN_SENT, LOGIN_DONE } login;
	char **proxies;              /* --proxy, or the lines of --proxy-list */
	size_t n_proxies;
	char *login_url;             /* canonical --login-url */
	struct admitted {            /* URLs per host id at start, by host id */
		int64_t host_id, n;
	} *admitted;
	size_t n_admitted, cap_admitted;
	struct progress_stats stats;
	struct progress *progress;
};

/* Stops scheduling; transfers in flight get --grace seconds to finish
 * before they go back to the queue.  The first reason to stop is the one
 * recorded. */
static void stop_run(struct crawl *c, const char *reason, int exit_code)
{
	if (c->stop != RUNNING)
		return;
	c->stop = STOP_GRACEFUL;
	c->end_reason = reason;
	if (c->exit_code == CRAWL_EXIT_DONE)
		c->exit_code = exit_code;
	if (c->loop)
		loop_timer_at(c->loop, &c->grace_timer, loop_now(c->loop) + c->cfg->grace);
}

/* Abandons transfers in flight: their URLs go back to the queue. */
static void abort_run(struct crawl *c, const char *reason, int exit_code)
{
	if (c->exit_code != CRAWL_EXIT_FATAL && c->exit_code != CRAWL_EXIT_DISK_FULL) {
		c->end_reason = reason;
		c->exit_code = exit_code;
	}
	c->stop = STOP_ABORT;
}

static int fatal(struct crawl *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reports an error that ends the crawl: no new transfers, exit non-zero. */
static int fatal(struct crawl *c, const char *fmt, ...)
{
	va_list ap;
	fputs("crawler: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c->exit_code == CRAWL_EXIT_DONE || c->exit_code >= CRAWL_EXIT_TIME)
		c->exit_code = CRAWL_EXIT_FATAL;
	c->end_reason = "fatal";
	if (c->stop == RUNNING)
		c->stop = STOP_GRACEFUL;
	return -1;
}

/* An error stopped the run; a budget or a signal leaves the work in flight
 * to finish normally, links and all. */
static int failing(const struct crawl *c)
{
	return c->exit_code == CRAWL_EXIT_FATAL || c->exit_code == CRAWL_EXIT_DISK_FULL;
}

static int is_disk_full(int err)
{
	return err == ENOSPC || err == EDQUOT;
}

/* The disk is full: nothing more can be stored, so transfers in flight are
 * abandoned (back to the queue) and the run ends consistent. */
static int disk_full(struct crawl *c, const char *what)
{
	if (c->exit_code != CRAWL_EXIT_DISK_FULL)
		fprintf(stderr, "crawler: disk full: cannot write %s: %s; free some space"
			" and run the crawl again to resume\n", what, strerror(ENOSPC));
	c->exit_code = CRAWL_EXIT_DONE;
	abort_run(c, "disk full", CRAWL_EXIT_DISK_FULL);
	return -1;
}

/* A frontier call failed. */
static int db_error(struct crawl *c)
{
	if (frontier_disk_full(c->fr))
		return disk_full(c, "the crawl database");
	return fatal(c, "%s", frontier_errmsg(c->fr));
}

/* ---- hosts ---- */

static int is_ip_literal(const char *name)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

/* For --max-pages-per-host: how many URLs each host had when the run
 * started (a resumed crawl keeps counting). */
static void add_admitted(void *ctx, int64_t host_id, int64_t n)
{
	struct crawl *c = ctx;
	if (c->n_admitted == c->cap_admitted) {
		size_t cap = c->cap_admitted ? c->cap_admitted * 2 : 64;
		struct admitted *a = realloc(c->admitted, cap * sizeof *a);
		if (!a) {
			fatal(c, "out of memory");
			return;
		}
		c->admitted = a;
		c->cap_admitted = cap;
	}
	c->admitted[c->n_admitted++] = (struct admitted){host_id, n};
}

static int cmp_admitted(const void *a, const void *b)
{
	int64_t x = ((const struct admitted *)a)->host_id, y = ((const struct admitted *)b)->host_id;
	return (x > y) - (x < y);
}

static int64_t admitted_at_start(const struct crawl *c, int64_t host_id)
{
	struct admitted key = {host_id, 0};
	const struct admitted *found = c->n_admitted ?
		bsearch(&key, c->admitted, c->n_admitted, sizeof key, cmp_admitted) : NULL;
	return found ? found->n : 0;
}

static int load_admitted(struct crawl *c)
{
	if (!c->cfg->max_pages_per_host)
		return 0;
	if (frontier_host_admitted(c->fr, add_admitted, c))
		return db_error(c);
	if (c->n_admitted)
		qsort(c->admitted, c->n_admitted, sizeof *c->admitted, cmp_admitted);
	return c->exit_code == CRAWL_EXIT_DONE ? 0 : -1;
}

/* ---- files of lines: seeds, proxies, cookies ---- */

/* Calls fn(ctx, line, n) for each line of in, its end of line removed,
 * until fn returns non-zero (a positive value, returned).  -1 with errno
 * on a read error. */
static int each_line(FILE *in, int (*fn)(void *ctx, char *line, long n), void *ctx)
{
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	for (long n = 1; rc == 0 && getline(&line, &cap, in) >= 0; n++) {
		line[strcspn(line, "\r\n")] = 0;
		rc = fn(ctx, line, n);
	}
	if (rc == 0 && ferror(in))
		rc = -1;
	free(line);
	return rc;
}

/* A line of a list file (seeds, proxies): what is between the blanks, or
 * NULL for an empty line or a # comment. */
static char *list_entry(char *line)
{
	char *p = line + strspn(line, " \t");
	for (size_t end = strlen(p); end && (p[end - 1] == ' ' || p[end - 1] == '\t');)
		p[--end] = 0;
	return *p && *p != '#' ? p : NULL;
}

/* ---- proxies ---- */

static int add_proxy(struct crawl *c, const char *url)
{
	char **more = realloc(c->proxies, (c->n_proxies + 1) * sizeof *more);
	if (!more)
		return -1;
	c->proxies = more;
	if (!(c->proxies[c->n_proxies] = strdup(url)))
		return -1;
	c->n_proxies++;
	return 0;
}

/* What check_options keeps: the login URL and the proxies. */
static void free_checked(struct crawl *c)
{
	free(c->login_url);
	c->login_url = NULL;
	for (size_t i = 0; i < c->n_proxies; i++)
		free(c->proxies[i]);
	free(c->proxies);
	c->proxies = NULL;
	c->n_proxies = 0;
}

static int proxy_line(void *ctx, char *line, long n)
{
	struct crawl *c = ctx;
	char *proxy = list_entry(line);
	if (!proxy)
		return 0;
	if (!opt_proxy_valid(proxy)) {
		fprintf(stderr, "crawler: --proxy-list %s:%ld: not a proxy URL\n",
			c->cfg->proxy_list, n);
		return 1;
	}
	if (add_proxy(c, proxy)) {
		fprintf(stderr, "crawler: out of memory\n");
		return 1;
	}
	return 0;
}

/* --proxy, or every line of --proxy-list, checked before anything runs. */
static int load_proxies(struct crawl *c)
{
	const char *path = c->cfg->proxy_list;
	if (!path)
		return c->cfg->proxy && add_proxy(c, c->cfg->proxy) ? -1 : 0;
	FILE *in = fopen(path, "r");
	int rc = in ? each_line(in, proxy_line, c) : -1;
	if (rc < 0)
		fprintf(stderr, "crawler: --proxy-list: %s: %s\n", path, strerror(errno));
	else if (rc == 0 && !c->n_proxies)
		fprintf(stderr, "crawler: --proxy-list %s: no proxy in it\n", path);
	if (in)
		fclose(in);
	return rc || !c->n_proxies ? -1 : 0;
}

static const char *env_var(const char *lower, const char *upper)
{
	const char *v = getenv(lower);
	return v && *v ? v : (v = getenv(upper)) && *v ? v : NULL;
}

/* NO_PROXY: comma-separated names (a leading dot allowed) that match the
 * host itself or a parent domain of it; "*" matches every host. */
static int no_proxy_for(const char *list, const char *host)
{
	size_t host_len = strlen(host);
	for (const char *p = list; *p;) {
		p += strspn(p, " ,");
		size_t n = strcspn(p, " ,");
		const char *name = p + (*p == '.');
		size_t len = n - (size_t)(name - p);
		if ((n == 1 && *p == '*') ||
		    (len && len <= host_len && strncasecmp(host + host_len - len, name, len) == 0 &&
		     (len == host_len || host[host_len - len - 1] == '.')))
			return 1;
		p += n;
	}
	return 0;
}

/* The proxy a host's requests go through: --proxy or one of --proxy-list
 * (the same one for a host every time), else with --trust-env the
 * environment's; NULL for direct. */
static const char *proxy_for(const struct crawl *c, const struct host *h)
{
	if (c->n_proxies)
		return c->proxies[url_hash(h->origin, strlen(h->origin)) % c->n_proxies];
	if (!c->cfg->trust_env)
		return NULL;
	const char *no_proxy = env_var("no_proxy", "NO_PROXY");
	if (no_proxy && no_proxy_for(no_proxy, h->name))
		return NULL;
	const char *proxy = strncmp(h->origin, "https:", 6) == 0
				    ? env_var("https_proxy", "HTTPS_PROXY")
				    : env_var("http_proxy", "HTTP_PROXY");
	return proxy ? proxy : env_var("all_proxy", "ALL_PROXY");
}

/* Through an HTTP or socks5h proxy the proxy resolves names; socks5://
 * resolves on our side, with our DNS. */
static int proxy_resolves(const char *proxy)
{
	return proxy && strncasecmp(proxy, "socks5://", 9) != 0;
}

/* The scheduler's host for a canonical origin ("scheme://host[:port]"),
 * created (with its database row) on first sight; NULL on error. */
static struct host *host_for_origin(struct crawl *c, const char *origin, size_t len)
{
	struct host *h = sched_host_find(c->sched, origin, len);
	if (h)
		return h;
	if (!(h = sched_host_add(c->sched, origin, len))) {
		fatal(c, "out of memory");
		return NULL;
	}
	h->id = frontier_host(c->fr, h->origin, h->name);
	if (h->id < 0) {
		db_error(c);
		return NULL;
	}
	h->proxy = proxy_for(c, h);
	/* through a Unix socket or a proxy that resolves, names are never
	 * looked up */
	if (is_ip_literal(h->name) || c->cfg->unix_socket || proxy_resolves(h->proxy)) {
		h->dns = HOST_DNS_LITERAL;
		if (sched_set_ip(c->sched, h, h->name)) {
			fatal(c, "out of memory");
			return NULL;
		}
	}
	h->admitted = admitted_at_start(c, h->id);
	return h;
}

/* The host of canonical URL canon.  Hosts are keyed by origin without
 * userinfo: credentials in a URL do not make another server. */
static struct host *host_for(struct crawl *c, const char *canon, size_t len)
{
	const char *name;
	size_t name_len, origin_len = url_origin(canon, len, &name, &name_len);
	if (!origin_len)
		return NULL;
	const char *after_scheme = strstr(canon, "://") + 3;
	if (name == after_scheme)
		return host_for_origin(c, canon, origin_len);
	char key[URL_MAX];
	size_t scheme_len = (size_t)(after_scheme - canon);
	size_t rest = origin_len - (size_t)(name - canon);
	memcpy(key, canon, scheme_len);
	memcpy(key + scheme_len, name, rest);
	return host_for_origin(c, key, scheme_len + rest);
}

static void start_dns(struct crawl *c, struct host *h)
{
	h->dns = HOST_DNS_WAIT;
	sched_update(c->sched, h);
	if (dns_resolve(c->dns, h->name, h))
		fatal(c, "out of memory");
}

static int set_resolve(struct host *h, const char *ip)
{
	char entry[512];
	int v6 = strchr(ip, ':') != NULL;
	snprintf(entry, sizeof entry, "%s:%d:%s%s%s", h->name, h->port,
		 v6 ? "[" : "", ip, v6 ? "]" : "");
	struct curl_slist *list = curl_slist_append(NULL, entry);
	if (!list)
		return -1;
	curl_slist_free_all(h->resolve);
	h->resolve = list;
	return 0;
}

static void on_dns(void *ctx, void *arg, const char *ip, const char *error,
		   double ttl)
{
	struct crawl *c = ctx;
	struct host *h = arg;
	double now = loop_now(c->loop);
	if (ip && set_resolve(h, ip) == 0 && sched_set_ip(c->sched, h, ip) == 0) {
		h->dns = HOST_DNS_OK;
		snprintf(h->ip, sizeof h->ip, "%s", ip);
		h->dns_expires = now + ttl;
	} else if (h->ip[0]) {
		/* a failed refresh of a name that resolved before: keep using the
		 * address we had rather than fail a healthy host's URLs */
		h->dns = HOST_DNS_OK;
		h->dns_expires = now + DNS_MIN_TTL;
		ip = h->ip;
	} else {
		h->dns = HOST_DNS_FAILED;
		snprintf(h->dns_error, sizeof h->dns_error, "%s: %s", h->name,
			 error ? error : "out of memory");
	}
	if (frontier_host_set(c->fr, h->id, ip, ip ? NULL : h->dns_error))
		db_error(c);
	sched_update(c->sched, h);
	/* hosts whose robots.txt redirected here can go on */
	for (struct host *w = h->robots_waiters, *next; w; w = next) {
		next = w->next_waiter;
		w->next_waiter = NULL;
		w->robots_wait = 0;
		sched_update(c->sched, w);
	}
	h->robots_waiters = NULL;
}

/* ---- discovery ---- */

struct found_link {
	const char *url;
	size_t len;
	const char *via;
	const char *lastmod;        /* from a sitemap, or NULL */
	int is_asset, nofollow;
	int depth, redirect_hops;
	int64_t parent_id;
};

static enum frontier_skip skip_reason(struct crawl *c, const struct found_link *l)
{
	const struct opt_config *cfg = c->cfg;
	enum frontier_skip skip = scope_check(c->scope, l->url, l->len);
	if (skip != FRONTIER_QUEUE)
		return skip;
	if (l->redirect_hops > cfg->max_redirects)
		return FRONTIER_SKIP_REDIRECTS;
	if (l->is_asset && !cfg->page_requisites)
		return FRONTIER_SKIP_ASSET;
	if (l->nofollow)
		return FRONTIER_SKIP_NOFOLLOW;
	/* page requisites are fetched even one level past the depth limit */
	if (cfg->max_depth >= 0 && l->depth > cfg->max_depth &&
	    !(l->is_asset && l->depth == cfg->max_depth + 1))
		return FRONTIER_SKIP_DEPTH;
	return FRONTIER_QUEUE;
}

/* Records a discovered URL once, queueing it when it may be fetched.
 * Returns its id (new or known), or -1 on a fatal error.  A known URL costs
 * one in-memory lookup unless this discovery could revive it. */
static int64_t discover(struct crawl *c, const struct found_link *given)
{
	static char stripped[URL_MAX];
	struct found_link link = *given, *l = &link;
	if (c->cfg->strip_query.n) {
		l->len = scope_strip_query(c->scope, l->url, l->len, stripped);
		l->url = stripped;
	}
	uint64_t hash = url_hash(l->url, l->len);
	int64_t known;
	int seen = frontier_seen(c->fr, hash, &known);
	if (seen >= 0 && !frontier_skip_revivable(seen))
		return known;
	enum frontier_skip skip = skip_reason(c, l);
	if (seen >= 0 && skip != FRONTIER_QUEUE)
		return known;
	struct host *h = NULL;
	if (skip == FRONTIER_QUEUE || frontier_skip_revivable(skip)) {
		if (!(h = host_for(c, l->url, l->len)))
			return -1;
	}
	if (skip == FRONTIER_QUEUE && c->cfg->max_pages_per_host &&
	    h->admitted >= c->cfg->max_pages_per_host)
		skip = FRONTIER_SKIP_HOST_PAGES;
	struct frontier_url u = {
		.url = l->url, .len = l->len, .hash = hash, .host_id = h ? h->id : 0,
		.skip = skip, .depth = l->depth, .redirect_hops = l->redirect_hops,
		.parent_id = l->parent_id, .via = l->via, .lastmod = l->lastmod,
	};
	enum frontier_found found;
	int64_t id;
	if (frontier_discover(c->fr, &u, &found, &id))
		return db_error(c);
	if (found != FRONTIER_KNOWN && skip == FRONTIER_QUEUE) {
		struct sched_url su = {.id = id, .url = (char *)l->url, .depth = l->depth,
				       .redirect_hops = l->redirect_hops,
				       .sitemap = !strcmp(l->via, "sitemap")};
		if (sched_push(c->sched, h, &su))
			return fatal(c, "out of memory");
		c->stats.queued++;
		h->admitted++;
	}
	return id;
}

static const char *link_via(enum html_link_kind kind, int *is_asset)
{
	static const char *const names[] = {
		[HTML_LINK_A] = "a", [HTML_LINK_AREA] = "area",
		[HTML_LINK_LINK] = "link", [HTML_LINK_FRAME] = "frame",
		[HTML_LINK_REFRESH] = "refresh", [HTML_ASSET_IMG] = "img",
		[HTML_ASSET_SCRIPT] = "script", [HTML_ASSET_STYLE] = "style",
		[HTML_ASSET_ICON] = "icon", [HTML_ASSET_MEDIA] = "media",
	};
	*is_asset = kind >= HTML_ASSET_IMG;
	return names[kind];
}

/* Queues the links of a parsed page; returns the number of links found.
 * nofollow_page: the page's meta robots or X-Robots-Tag said nofollow. */
static long queue_links(struct crawl *c, const struct transfer *t,
			const struct html_result *res, int nofollow_page)
{
	static struct url_base base; /* large: keep it off the stack */
	static char canon[URL_MAX];
	size_t len;
	if (url_base_set(&base, t->url.url, strlen(t->url.url)) != URL_OK)
		return 0;
	if (res->base_href &&
	    url_resolve(&base, res->base_href, strlen(res->base_href), canon,
			sizeof canon, &len) == URL_OK)
		url_base_set(&base, canon, len);
	nofollow_page = nofollow_page && !c->cfg->follow_nofollow;
	for (size_t i = 0; i < res->n_links && !failing(c); i++) {
		const struct html_link *hl = &res->links[i];
		struct found_link l = {.url = canon, .depth = t->url.depth + 1,
				       .parent_id = t->url.id};
		if (url_resolve(&base, hl->href, hl->len, canon, sizeof canon, &l.len) != URL_OK)
			continue;
		l.via = link_via(hl->kind, &l.is_asset);
		l.nofollow = !c->cfg->follow_nofollow &&
			     (nofollow_page || (hl->flags & HTML_F_NOFOLLOW));
		discover(c, &l);
	}
	return (long)res->n_links;
}

/* Follows a redirect through the frontier: the target is discovered like a
 * link (scope, dedup), the hop is recorded, and a chain that comes back to
 * one of its own URLs fails the URL that closes the loop. */
static void handle_redirect(struct crawl *c, struct transfer *t, long status,
			    struct frontier_fetch *r)
{
	static struct url_base base;
	static char target[URL_MAX];
	struct curl_header *loc;
	size_t len;
	if (curl_easy_header(t->easy, "Location", 0, CURLH_HEADER, -1, &loc) != CURLHE_OK)
		return;
	int64_t to_id = 0;
	if (url_base_set(&base, t->url.url, strlen(t->url.url)) == URL_OK &&
	    url_resolve(&base, loc->value, strlen(loc->value), target, sizeof target,
			&len) == URL_OK) {
		struct found_link l = {.url = target, .len = len, .via = "redirect",
				       .depth = t->url.depth,
				       .redirect_hops = t->url.redirect_hops + 1,
				       .parent_id = t->url.id};
		to_id = discover(c, &l);
		if (to_id > 0 &&
		    frontier_in_chain(c->fr, t->url.id, to_id, (int)c->cfg->max_redirects + 1) > 0) {
			r->state = "failed";
			r->error = "redirect";
			r->error_detail = "redirect loop";
		}
	}
	if (frontier_redirect(c->fr, t->url.id, to_id > 0 ? to_id : 0, status,
			      loc->value, loop_wall()))
		db_error(c);
}

/* ---- fetch results ---- */

/* A finished transfer on its way through the archive and parse threads
 * and back to the loop. */
struct job {
	struct transfer *t;
	long status;
	char *content_type;        /* copy: the easy handle is not touched off the loop */
	char ip[46];
	int archive_errno;         /* set by the archiver when writing failed */
	char *etag, *last_modified; /* validators the response carries */
	int not_modified;          /* a 304 to our conditional request */
	struct warc_ref ref;       /* the record holding the unchanged content */
	char *ref_id, *ref_date;
	struct warc_result warc;
	int parsed;                /* html holds the page's links */
	struct html_result html;
	char *extracted;           /* JSON from the extraction rules, or NULL */
	int header_noindex, header_nofollow; /* X-Robots-Tag for us */
	double latency;            /* request sent to first response byte, seconds */
	double retry_after;        /* seconds a Retry-After asked for, or 0 */
	struct capbuf entries;     /* a sitemap's: [is_index][loc\0][lastmod\0]... */
	size_t n_entries;
};

static void job_free(struct job *j)
{
	free(j->content_type);
	free(j->extracted);
	free(j->etag);
	free(j->last_modified);
	free(j->ref_id);
	free(j->ref_date);
	free(j->entries.data);
	free(j);
}

static int append_body(void *ctx, const void *buf, size_t len)
{
	struct capbuf *b = ctx;
	if (b->len + len > b->cap)
		return -1;
	memcpy(b->data + b->len, buf, len);
	b->len += len;
	return 0;
}

/* On the parse thread: applies the extraction rules to the page.  Rules need
 * the whole document (a DOM for XPath): a body that spilled to disk is read
 * back into memory for them, up to EXTRACT_MAX_DOCUMENT; larger pages are
 * not extracted (their extracted column stays NULL). */
static void extract_page(struct crawl *c, struct job *j, const void *body, size_t len)
{
	struct transfer *t = j->t;
	struct capbuf whole = {0};
	uint64_t size = spool_size(t->body);
	if (size > EXTRACT_MAX_DOCUMENT)
		return;
	if (!body) {
		whole.cap = whole.max = (size_t)size;
		if (!(whole.data = malloc(whole.cap ? whole.cap : 1)) ||
		    spool_each(t->body, append_body, &whole))
			goto done;
		body = whole.data;
		len = whole.len;
	}
	const char *json;
	size_t json_len;
	if (extract_apply(c->rules, t->url.url, strlen(t->url.url), body, len,
			  t->charset[0] ? t->charset : NULL, &json, &json_len) == 0)
		j->extracted = strndup(json, json_len);
done:
	free(whole.data);
}

static int feed_parser(void *ctx, const void *buf, size_t len)
{
	return html_parser_feed(ctx, buf, len);
}

/* On the archive thread: the exchange's WARC records. */
static void run_archive(void *ctx, void *job)
{
	struct crawl *c = ctx;
	struct job *j = job;
	struct transfer *t = j->t;
	struct warc_exchange ex = {
		.target_uri = t->url.url, .ip = j->ip[0] ? j->ip : NULL, .date = t->started,
		.request = t->request.data, .request_len = t->request.len,
		.resp_head = t->head.data, .resp_head_len = t->head.len, .body = t->body,
		.body_decoded = t->decoded,
		.not_modified = j->not_modified ? &j->ref : NULL,
	};
	if (warc_write_exchange(c->warc, &ex, &j->warc) ||
	    (c->cfg->fsync == OPT_FSYNC_ALWAYS && warc_writer_flush(c->warc, 1)))
		j->archive_errno = errno ? errno : EIO;
}

/* On the parse thread: links and metadata, then the extraction rules. */
/* ---- retries ---- */

/* Wakes the loop when the earliest pending retry comes due. */
static void arm_retry(struct crawl *c, double due)
{
	if (c->retry_due && c->retry_due <= due)
		return;
	c->retry_due = due;
	loop_timer_at(c->loop, &c->retry_timer, loop_now(c->loop) + (due - loop_wall()));
}

/* A failed attempt that may be retried goes back to the queue with a
 * not-before time: exponential back-off with jitter (half to one and a
 * half times), at least what a Retry-After asked for.  The wait holds no
 * transfer slot, and lives in the frontier, so it survives a restart. */
static int retry_later(struct crawl *c, const struct transfer *t, double retry_after,
		       struct frontier_fetch *r)
{
	if (t->url.retries >= c->cfg->retries)
		return 0;
	int shift = t->url.retries < 20 ? t->url.retries : 20;
	double backoff = c->cfg->retry_delay * (double)(1u << shift);
	if (backoff > c->cfg->max_delay)
		backoff = c->cfg->max_delay;
	backoff *= 0.5 + (double)random() / RAND_MAX;
	if (retry_after > c->cfg->max_delay)
		retry_after = c->cfg->max_delay;
	r->retry_at = loop_wall() + (backoff > retry_after ? backoff : retry_after);
	arm_retry(c, r->retry_at);
	return 1;
}

static int retryable_status(long status)
{
	return status == 429 || status >= 500;
}

/* ---- sitemaps ---- */

struct spool_reader {
	struct spool *spool;
	uint64_t offset;
};

static long read_spool(void *ctx, char *buf, size_t len)
{
	struct spool_reader *r = ctx;
	long n = spool_read(r->spool, r->offset, buf, len);
	if (n > 0)
		r->offset += (uint64_t)n;
	return n;
}

/* Keeps an entry as [is_index][loc\0][lastmod\0] in the job. */
static int keep_entry(void *ctx, const char *loc, const char *lastmod, bool is_index)
{
	struct job *j = ctx;
	size_t loc_len = strlen(loc) + 1, mod_len = lastmod ? strlen(lastmod) + 1 : 1;
	struct capbuf *b = &j->entries;
	if (b->len + 1 + loc_len + mod_len > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + 1 + loc_len + mod_len)
			cap *= 2;
		char *data = realloc(b->data, cap);
		if (!data)
			return 1;
		b->data = data;
		b->cap = cap;
	}
	b->data[b->len++] = is_index;
	memcpy(b->data + b->len, loc, loc_len);
	b->len += loc_len;
	memcpy(b->data + b->len, lastmod ? lastmod : "", mod_len);
	b->len += mod_len;
	j->n_entries++;
	return 0;
}

/* On the parse thread: a sitemap's entries (it is never parsed as HTML). */
static void parse_sitemap(struct job *j)
{
	struct spool_reader reader = {j->t->body, 0};
	struct sitemap_result res;
	j->parsed = sitemap_parse(read_spool, &reader, keep_entry, j, &res) == 0;
}

/* On the loop: a sitemap's entries are discovered like links: child
 * sitemaps as sitemaps, pages as listed, with their lastmod. */
static long queue_entries(struct crawl *c, const struct job *j)
{
	static struct url_base base;
	static char canon[URL_MAX];
	const struct transfer *t = j->t;
	if (url_base_set(&base, t->url.url, strlen(t->url.url)) != URL_OK)
		return 0;
	for (size_t at = 0; at < j->entries.len && !failing(c);) {
		int is_index = j->entries.data[at++];
		const char *loc = j->entries.data + at;
		at += strlen(loc) + 1;
		const char *lastmod = j->entries.data + at;
		at += strlen(lastmod) + 1;
		struct found_link l = {.url = canon, .via = is_index ? "sitemap" : "listed",
				       .lastmod = *lastmod ? lastmod : NULL,
				       .depth = t->url.depth + !is_index, .parent_id = t->url.id};
		if (url_resolve(&base, loc, strlen(loc), canon, sizeof canon, &l.len) == URL_OK)
			discover(c, &l);
	}
	return (long)j->n_entries;
}

/* The sitemaps a host announces in its robots.txt, and /sitemap.xml. */
static void seed_sitemaps(struct crawl *c, struct host *h)
{
	static struct url_base base;
	static char canon[URL_MAX];
	char robots_url[URL_MAX];
	h->sitemaps_seeded = 1;
	snprintf(robots_url, sizeof robots_url, "%s/robots.txt", h->origin);
	if (url_base_set(&base, robots_url, strlen(robots_url)) != URL_OK)
		return;
	size_t n = h->robots ? robots_sitemap_count(h->robots) : 0;
	for (size_t i = 0; i <= n && !failing(c); i++) {
		const char *loc = i < n ? robots_sitemap(h->robots, i) : "/sitemap.xml";
		struct found_link l = {.url = canon, .via = "sitemap"};
		if (url_resolve(&base, loc, strlen(loc), canon, sizeof canon, &l.len) == URL_OK)
			discover(c, &l);
	}
}

/* ---- parsing ---- */

static void run_parse(void *ctx, void *job)
{
	struct crawl *c = ctx;
	struct job *j = job;
	struct transfer *t = j->t;
	if (t->url.sitemap) {
		parse_sitemap(j);
		return;
	}
	const char *charset = t->charset[0] ? t->charset : NULL;
	if (t->html ? html_parser_reset(t->html, charset) : !(t->html = html_parser_new(charset)))
		return;
	const void *body;
	size_t len;
	int in_memory = spool_memory(t->body, &body, &len);
	int fed = in_memory ? html_parser_feed_last(t->html, body, len)
			    : spool_each(t->body, feed_parser, t->html);
	j->parsed = fed == 0 && html_parser_finish(t->html, &j->html) == 0;
	if (c->rules && extract_applies(c->rules, t->url.url, strlen(t->url.url)))
		extract_page(c, j, in_memory ? body : NULL, len);
}

/* The page's robots directives for urls.robots_meta, or NULL. */
static const char *robots_meta(const struct job *j)
{
	int noindex = j->html.meta_noindex || j->header_noindex;
	int nofollow = j->html.meta_nofollow || j->header_nofollow;
	if (noindex && nofollow)
		return "noindex,nofollow";
	return noindex ? "noindex" : nofollow ? "nofollow" : NULL;
}

/* On the loop: what the threads produced goes into the frontier. */
static void record_response(struct crawl *c, struct job *j, struct frontier_fetch *r)
{
	static char detail[32];
	r->status = j->status;
	r->content_type = j->content_type;
	/* validators describe content: only a 2xx has any worth asking about */
	if (j->status >= 200 && j->status < 300) {
		r->etag = j->etag;
		r->last_modified = j->last_modified;
	}
	r->has_record = 1;
	r->warc_segment = j->warc.response.segment;
	r->warc_offset = j->warc.response.offset;
	r->warc_length = j->warc.response.length;
	r->warc_request_length = j->warc.request_length;
	r->payload_digest = j->warc.payload_digest[0] ? j->warc.payload_digest : NULL;
	r->record = j->warc.type;
	r->profile = j->warc.profile;
	r->record_id = j->warc.record_id;
	r->warc_date = j->warc.date;
	r->extracted = j->extracted;
	if (j->not_modified) {
		r->not_modified = 1;
		r->error_detail = "not modified";
	} else if (j->status >= 400) {
		snprintf(detail, sizeof detail, "HTTP %ld", j->status);
		r->state = "failed";
		/* 407 comes from the proxy, not from the site */
		r->error = j->status == 407 && j->t->via_proxy ? "proxy" : "http";
		r->error_detail = detail;
		if (retryable_status(j->status))
			retry_later(c, j->t, j->retry_after, r);
	} else if (j->status >= 300) {
		handle_redirect(c, j->t, j->status, r);
	} else if (j->parsed && j->t->url.sitemap) {
		r->links = queue_entries(c, j);
	} else if (j->parsed) {
		r->title = j->html.title;
		r->robots_meta = robots_meta(j);
		r->links = queue_links(c, j->t, &j->html,
				       j->html.meta_nofollow || j->header_nofollow);
	}
}

static void finish_fetch(struct crawl *c, struct transfer *t, struct frontier_fetch *r)
{
	if (frontier_finish(c->fr, r))
		db_error(c);
	if (r->retry_at > 0)
		c->stats.queued++;
	else if (!strcmp(r->state, "done"))
		c->stats.done++;
	else
		c->stats.failed++;
	c->stats.bytes += (int64_t)t->received;
	fetcher_release(c->fetcher, t);
}

/* A response that could not be archived is not recorded: its URL stays
 * leased and goes back to the queue when the run ends. */
static void archive_failed(struct crawl *c, struct transfer *t, int err)
{
	if (is_disk_full(err))
		disk_full(c, c->warc_dir);
	else
		fatal(c, "writing the archive in %s: %s", c->warc_dir, strerror(err));
	c->stats.bytes += (int64_t)t->received;
	fetcher_release(c->fetcher, t);
}

/* On the loop, after the parse thread (or the archive thread when there is
 * nothing to parse): the fetch goes into the frontier. */
static void on_job_done(void *ctx, void *job)
{
	struct crawl *c = ctx;
	struct job *j = job;
	struct frontier_fetch r = {.id = j->t->url.id, .run_id = c->run_id, .state = "done",
				   .fetched_at = loop_wall(),
				   .length = (int64_t)j->t->received, .links = -1};
	if (j->archive_errno) {
		archive_failed(c, j->t, j->archive_errno);
	} else {
		record_response(c, j, &r);
		finish_fetch(c, j->t, &r);
	}
	job_free(j);
}

/* On the loop, after the archive thread: a 2xx HTML page goes on to the
 * parse thread.  The two stages of consecutive pages overlap. */
static void on_archived(void *ctx, void *job)
{
	struct crawl *c = ctx;
	struct job *j = job;
	int sitemap = j->t->url.sitemap && j->status >= 200 && j->status < 300;
	if (j->archive_errno || !(j->t->is_html || sitemap) || work_submit(c->parser, j))
		on_job_done(c, j);
}

/* One X-Robots-Tag value: "noindex, nofollow", or "product: noindex" which
 * applies only to that product.  Directives that carry a colon themselves
 * (unavailable_after: DATE, max-snippet: N) are not product names. */
static void x_robots_value(struct crawl *c, struct job *j, const char *v)
{
	static const char *const colon_directives[] = {
		"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview",
	};
	size_t name = strcspn(v, ":,");
	if (v[name] == ':') {
		int directive = 0;
		for (size_t i = 0; i < sizeof colon_directives / sizeof *colon_directives; i++)
			directive |= strlen(colon_directives[i]) == name &&
				     !strncasecmp(v, colon_directives[i], name);
		if (!directive) {
			size_t lead = strspn(v, " \t");
			if (strncasecmp(v + lead, c->robots_product, name - lead) ||
			    strlen(c->robots_product) != name - lead)
				return;
			v += name + 1;
		}
	}
	for (const char *p = v; *p;) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, " \t,");
		if ((n == 7 && !strncasecmp(p, "noindex", 7)) || (n == 4 && !strncasecmp(p, "none", 4)))
			j->header_noindex = 1;
		if ((n == 8 && !strncasecmp(p, "nofollow", 8)) || (n == 4 && !strncasecmp(p, "none", 4)))
			j->header_nofollow = 1;
		p += n;
	}
}

static void x_robots_tag(struct crawl *c, struct job *j)
{
	struct curl_header *h;
	for (size_t i = 0; curl_easy_header(j->t->easy, "X-Robots-Tag", i, CURLH_HEADER, -1,
					    &h) == CURLHE_OK; i++) {
		x_robots_value(c, j, h->value);
		if (i + 1 >= h->amount)
			break;
	}
}

/* ---- adaptive politeness: throttle, Retry-After, circuit breaker ---- */

static double clamp_delay(const struct crawl *c, const struct host *h, double d)
{
	double floor = h->min_delay > c->cfg->delay ? h->min_delay : c->cfg->delay;
	if (d > c->cfg->max_delay)
		d = c->cfg->max_delay;
	return d < floor ? floor : d;
}

/* --auto-throttle, as Scrapy's AutoThrottle: the delay moves halfway
 * towards latency / target (never below it); 429 and 503 double it.  A
 * non-200 answer may raise the delay but not lower it: error pages are
 * small and fast, and would otherwise speed up a struggling server. */
static void throttle(struct crawl *c, struct host *h, long status, double latency)
{
	double delay = h->delay;
	if (status == 429 || status == 503) {
		delay = delay * 2 > 1 ? delay * 2 : 1;
	} else {
		double target = latency / (double)c->cfg->throttle_target;
		double next = (delay + target) / 2 > target ? (delay + target) / 2 : target;
		if (status != 200 && next <= delay)
			return;
		delay = next;
	}
	sched_set_delay(c->sched, h, clamp_delay(c, h, delay));
}

/* Consecutive failures (no answer, or 5xx) pause a host, each pause in a
 * row twice as long as the last; while paused its URLs wait in the queue.
 * The first request after a pause probes: one more failure pauses again.
 * Failures that arrive during a pause were sent before it and are not
 * probes. */
static void breaker(struct crawl *c, struct host *h, int failed)
{
	if (!failed) {
		h->failures = h->pauses = 0;
		return;
	}
	if (loop_now(c->loop) < h->paused_until)
		return;
	if (!c->cfg->pause_after || (!h->pauses && ++h->failures < c->cfg->pause_after))
		return;
	double pause = c->cfg->pause * (double)(1u << (h->pauses < 5 ? h->pauses : 5));
	h->pauses++;
	h->failures = 0;
	sched_pause(c->sched, h, loop_now(c->loop) + pause);
	if (!c->cfg->quiet)
		fprintf(stderr, "crawler: %s keeps failing; paused for %gs\n", h->origin, pause);
}

/* A response arrived from h. */
static void learn_response(struct crawl *c, struct host *h, const struct job *j)
{
	if (c->cfg->auto_throttle)
		throttle(c, h, j->status, j->latency);
	/* before a Retry-After pause, which the breaker would take for its own */
	breaker(c, h, j->status >= 500);
	if (j->retry_after > 0 && (j->status == 429 || j->status == 503)) {
		double wait = j->retry_after < c->cfg->max_delay ? j->retry_after : c->cfg->max_delay;
		sched_pause(c->sched, h, loop_now(c->loop) + wait);
	}
}

/* Retry-After in seconds, from either form (delta-seconds or HTTP date);
 * 0 when absent or unreadable. */
static double retry_after(CURL *easy)
{
	struct curl_header *h;
	if (curl_easy_header(easy, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return 0;
	const char *v = h->value + strspn(h->value, " \t");
	if (*v >= '0' && *v <= '9') {
		char *end;
		double secs = strtod(v, &end);
		return *end && !strchr(" \t", *end) ? 0 : secs;
	}
	time_t when = curl_getdate(v, NULL);
	double left = when > 0 ? difftime(when, time(NULL)) : 0;
	return left > 0 ? left : 0;
}

/* What --auto-throttle and the circuit breaker learn from a response. */
static void timing(struct job *j)
{
	curl_off_t pre = 0, first = 0;
	curl_easy_getinfo(j->t->easy, CURLINFO_PRETRANSFER_TIME_T, &pre);
	curl_easy_getinfo(j->t->easy, CURLINFO_STARTTRANSFER_TIME_T, &first);
	j->latency = first > pre ? (double)(first - pre) / 1e6 : 0;
	j->retry_after = retry_after(j->t->easy);
}

/* A copy of a response header's value; 0, or -1 when out of memory. */
static int copy_header(CURL *easy, const char *name, char **out)
{
	struct curl_header *h;
	if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return 0;
	return (*out = strdup(h->value)) ? 0 : -1;
}

/* A 304 to a conditional request refers to the record of the content we
 * have. */
static int refer_to_stored(struct crawl *c, struct job *j)
{
	struct frontier_prior prior;
	if (frontier_prior(c->fr, j->t->url.id, &prior))
		return db_error(c);
	if ((prior.record_id && !(j->ref_id = strdup(prior.record_id))) ||
	    (prior.warc_date && !(j->ref_date = strdup(prior.warc_date))))
		return -1;
	j->not_modified = 1;
	j->ref = (struct warc_ref){j->t->url.url, j->ref_date, j->ref_id};
	return 0;
}

/* A response arrived whole: hand it to the archive thread. */
static int submit_job(struct crawl *c, struct transfer *t)
{
	struct job *j = calloc(1, sizeof *j);
	const char *ctype = NULL, *ip = NULL;
	if (!j)
		return -1;
	j->t = t;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &j->status);
	curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ctype);
	curl_easy_getinfo(t->easy, CURLINFO_PRIMARY_IP, &ip);
	snprintf(j->ip, sizeof j->ip, "%s", ip ? ip : "");
	x_robots_tag(c, j);
	timing(j);
	learn_response(c, t->host, j);
	if ((ctype && !(j->content_type = strdup(ctype))) ||
	    copy_header(t->easy, "ETag", &j->etag) ||
	    copy_header(t->easy, "Last-Modified", &j->last_modified) ||
	    (j->status == 304 && t->conditional && refer_to_stored(c, j)) ||
	    work_submit(c->archiver, j)) {
		job_free(j);
		return -1;
	}
	return 0;
}

/* ---- robots.txt ---- */

/* The product token robots.txt groups name: the User-Agent up to its first
 * character that cannot be part of one ("crawler/0.1" -> "crawler"). */
static void set_robots_product(struct crawl *c)
{
	const char *ua = c->cfg->user_agent;
	size_t n = strspn(ua, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
	if (n >= sizeof c->robots_product)
		n = sizeof c->robots_product - 1;
	memcpy(c->robots_product, ua, n);
	c->robots_product[n] = 0;
}

/* Rules for a robots.txt answer: a 2xx is parsed, a 4xx (or a redirect
 * chain too long) allows everything; 5xx and no answer leave NULL. */
static struct robots *robots_for_answer(struct crawl *c, long status, const void *body,
					size_t len)
{
	if (status >= 200 && status < 300)
		return robots_parse(body, len, c->robots_product);
	if (status >= 300 && status < 500)
		return robots_allow_all();
	return NULL;
}

/* Puts rules in force for h; NULL rules (5xx, unreachable) keep every
 * request to it for the next run, as RFC 9309 asks ("complete disallow"),
 * without failing its URLs. */
static void robots_apply(struct crawl *c, struct host *h, struct robots *rules,
			 double expires, long status)
{
	robots_free(&h->robots);
	h->robots = rules;
	h->robots_expires = expires;
	h->robots_wait = 0;
	h->robots_hops = 0;
	free(h->robots_next);
	h->robots_next = NULL;
	if (!rules) {
		h->robots_deferred = 1;
		if (!c->cfg->quiet)
			fprintf(stderr, "crawler: %s/robots.txt: %s; its URLs wait for the next run\n",
				h->origin, status ? "server error" : "unreachable");
		sched_update(c->sched, h);
		return;
	}
	double delay = robots_crawl_delay(rules);
	h->min_delay = delay > c->cfg->max_delay ? c->cfg->max_delay : delay;
	sched_set_delay(c->sched, h, h->min_delay > h->delay ? h->min_delay : h->delay);
}

/* The copy in the database, if it has not expired. */
static int robots_from_cache(struct crawl *c, struct host *h)
{
	struct frontier_robots r;
	h->robots_checked = 1;
	int found = frontier_robots_get(c->fr, h->id, &r);
	if (found < 0) {
		db_error(c);
		return 0;
	}
	double expires = r.fetched_at + c->cfg->robots_ttl;
	if (!found || expires <= loop_wall() || !r.status || r.status >= 500)
		return 0;
	struct robots *rules = robots_for_answer(c, r.status, r.body, r.len);
	if (!rules) {
		fatal(c, "out of memory");
		return 0;
	}
	robots_apply(c, h, rules, expires, r.status);
	return 1;
}

/* Starts fetching h's robots.txt (or the next hop of its redirects) from
 * the host that serves it, once that host's address is known. */
static void robots_fetch(struct crawl *c, struct host *h)
{
	char first[URL_MAX];
	const char *url = h->robots_next;
	if (!url) {
		snprintf(first, sizeof first, "%s/robots.txt", h->origin);
		url = first;
	}
	struct host *server = host_for(c, url, strlen(url));
	if (!server)
		return;
	h->robots_wait = 1;
	if (server->dns == HOST_DNS_FAILED) {
		robots_apply(c, h, NULL, 0, 0);
		return;
	}
	if (server->dns != HOST_DNS_OK && server->dns != HOST_DNS_LITERAL) {
		if (server->dns == HOST_DNS_NONE)
			start_dns(c, server);
		h->next_waiter = server->robots_waiters;
		server->robots_waiters = h;
		return;
	}
	struct sched_url u = {.url = strdup(url), .robots_for = h};
	if (!u.url || fetcher_start(c->fetcher, server, &u, NULL)) {
		fatal(c, "out of memory starting a transfer");
		return;
	}
	c->stats.inflight++;
	sched_started(c->sched, server, loop_now(c->loop));
}

/* Whether h's rules are known and fresh; if not, gets them going. */
static int robots_ready(struct crawl *c, struct host *h)
{
	if (c->cfg->robots && !(h->robots && h->robots_expires > loop_wall()) &&
	    !(!h->robots_checked && robots_from_cache(c, h))) {
		robots_fetch(c, h);
		return 0;
	}
	if (c->cfg->sitemaps && !h->sitemaps_seeded)
		seed_sitemaps(c, h);
	return 1;
}

/* Takes what fits of each chunk, then stops the replay. */
static int take_prefix(void *ctx, const void *buf, size_t len)
{
	struct capbuf *b = ctx;
	size_t n = b->cap - b->len < len ? b->cap - b->len : len;
	memcpy(b->data + b->len, buf, n);
	b->len += n;
	return b->len == b->cap;
}

/* Up to ROBOTS_MAX_BYTES of a body, in memory: the spool's own bytes, or
 * a copy in *copy (the caller frees it) when the body went to disk. */
static int robots_body(struct transfer *t, const void **body, size_t *len, char **copy)
{
	*copy = NULL;
	if (spool_memory(t->body, body, len)) {
		if (*len > ROBOTS_MAX_BYTES)
			*len = ROBOTS_MAX_BYTES;
		return 0;
	}
	struct capbuf b = {.cap = ROBOTS_MAX_BYTES, .max = ROBOTS_MAX_BYTES};
	if (!(b.data = malloc(b.cap)))
		return -1;
	spool_each(t->body, take_prefix, &b); /* what follows the limit is ignored */
	*body = *copy = b.data;
	*len = b.len;
	return 0;
}

/* Follows a redirect of a robots.txt fetch: 1 when there is a next hop. */
static int robots_redirect(struct host *h, struct transfer *t)
{
	static struct url_base base;
	char target[URL_MAX];
	struct curl_header *loc;
	size_t len;
	if (h->robots_hops >= ROBOTS_REDIRECTS ||
	    curl_easy_header(t->easy, "Location", 0, CURLH_HEADER, -1, &loc) != CURLHE_OK ||
	    url_base_set(&base, t->url.url, strlen(t->url.url)) != URL_OK ||
	    url_resolve(&base, loc->value, strlen(loc->value), target, sizeof target,
			&len) != URL_OK)
		return 0;
	free(h->robots_next);
	if (!(h->robots_next = strdup(target)))
		return 0;
	h->robots_hops++;
	return 1;
}

/* A robots.txt answer (or its absence): the host's rules, cached. */
static void robots_fetched(struct crawl *c, struct transfer *t, CURLcode rc)
{
	struct host *h = t->url.robots_for;
	const void *body = NULL;
	size_t len = 0;
	char *copy = NULL;
	long status = 0;
	if (rc == CURLE_OK || t->too_large)
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 300 && status < 400 && robots_redirect(h, t)) {
		h->robots_wait = 0;
		sched_update(c->sched, h);
		fetcher_release(c->fetcher, t);
		return;
	}
	if (status >= 200 && status < 300 && robots_body(t, &body, &len, &copy)) {
		fatal(c, "out of memory");
		goto done;
	}
	double now = loop_wall();
	struct robots *rules = robots_for_answer(c, status, body, len);
	if (!rules && status >= 200 && status < 500) {
		fatal(c, "out of memory");
		goto done;
	}
	/* a failure is not cached: the next run asks again */
	struct frontier_robots cached = {now, rules ? now + c->cfg->robots_ttl : now,
					 status, body, len};
	if (frontier_robots_put(c->fr, h->id, &cached, t->url.url))
		db_error(c);
	/* rules just fetched serve this run for at least a minute, so a short
	 * --robots-ttl cannot make them expire before they are used */
	robots_apply(c, h, rules, now + (c->cfg->robots_ttl > ROBOTS_MIN_USE ?
					 c->cfg->robots_ttl : ROBOTS_MIN_USE), status);
done:
	free(copy);
	fetcher_release(c->fetcher, t);
}

/* The path and query of a canonical URL, as robots.txt rules see them. */
static const char *url_path(const char *url, size_t *len)
{
	const char *p = strchr(strstr(url, "://") + 3, '/');
	if (!p) {
		*len = 1;
		return "/";
	}
	*len = strlen(p);
	return p;
}

/* A URL robots.txt disallows is never fetched; it fails with class robots. */
static int robots_excluded(struct crawl *c, struct host *h, const struct sched_url *u)
{
	size_t len;
	const char *path;
	if (!c->cfg->robots || !h->robots)
		return 0;
	path = url_path(u->url, &len);
	if (robots_allowed(h->robots, path, len))
		return 0;
	if (frontier_exclude(c->fr, u->id, "robots", "disallowed by robots.txt", loop_wall()))
		db_error(c);
	c->stats.queued--;
	c->stats.failed++;
	return 1;
}

/* ---- cookies and the login step ---- */

/* A Netscape cookie-file line; # starts a comment, except the #HttpOnly_
 * prefix curl and wget write. */
static int cookie_line(void *ctx, char *line, long n)
{
	struct crawl *c = ctx;
	(void)n;
	if (!*line || (*line == '#' && strncmp(line, "#HttpOnly_", 10) != 0))
		return 0;
	return fetcher_add_cookie(c->fetcher, line) ? 1 : 0;
}

/* Feeds a Netscape cookie file to the jar; a missing file is an empty jar. */
static int load_cookie_file(struct crawl *c, const char *path, int must_exist)
{
	FILE *in = fopen(path, "r");
	if (!in) {
		if (!must_exist && errno == ENOENT)
			return 0;
		return fatal(c, "cookies: %s: %s", path, strerror(errno));
	}
	int rc = each_line(in, cookie_line, c);
	fclose(in);
	if (rc < 0)
		return fatal(c, "cookies: %s: %s", path, strerror(errno));
	return rc ? fatal(c, "cookies: %s: out of memory", path) : 0;
}

struct seed_cookie {
	struct crawl *c;
	const char *cookie; /* NAME=VALUE */
};

/* --cookie NAME=VALUE: a host-only cookie for one seed host. */
static void cookie_for_seed(void *ctx, const char *host, void *value)
{
	struct seed_cookie *sc = ctx;
	char line[8192];
	size_t name = strcspn(sc->cookie, "=");
	(void)value;
	snprintf(line, sizeof line, "%s\tFALSE\t/\tFALSE\t0\t%.*s\t%s", host, (int)name,
		 sc->cookie, sc->cookie + name + 1);
	if (fetcher_add_cookie(sc->c->fetcher, line))
		fatal(sc->c, "out of memory");
}

/* The jar the crawl directory keeps, then --load-cookies, then --cookie. */
static int load_cookies(struct crawl *c)
{
	char path[4096];
	if (!c->cfg->cookies)
		return 0;
	snprintf(path, sizeof path, "%s/cookies.txt", c->cfg->dir);
	if (load_cookie_file(c, path, 0) ||
	    (c->cfg->load_cookies && load_cookie_file(c, c->cfg->load_cookies, 1)))
		return -1;
	for (size_t i = 0; i < c->cfg->cookie.n; i++) {
		struct seed_cookie sc = {c, c->cfg->cookie.items[i]};
		strmap_each(c->seed_hosts, cookie_for_seed, &sc);
	}
	return c->exit_code == CRAWL_EXIT_DONE ? 0 : -1;
}

/* Writes the jar whole to a temporary file renamed over path, so a crash
 * never leaves half a jar. */
static void write_jar(struct crawl *c, const char *path)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *out = fopen(tmp, "w");
	int failed = !out || fetcher_write_cookies(c->fetcher, out);
	if (out && fclose(out))
		failed = 1;
	if (failed || rename(tmp, path)) {
		fprintf(stderr, "crawler: saving cookies to %s: %s\n", path, strerror(errno));
		unlink(tmp);
	}
}

static void save_cookies(struct crawl *c)
{
	char path[4096];
	if (!c->cfg->cookies)
		return;
	snprintf(path, sizeof path, "%s/cookies.txt", c->cfg->dir);
	write_jar(c, path);
	if (c->cfg->save_cookies)
		write_jar(c, c->cfg->save_cookies);
}

/* --login-url: one POST before anything else, once its host resolves.
 * Returns 1 while the crawl must wait for it. */
static int login_step(struct crawl *c)
{
	if (c->login == LOGIN_SENT)
		return 1;
	struct host *h = host_for(c, c->login_url, strlen(c->login_url));
	if (!h)
		return 1;
	if (h->dns == HOST_DNS_NONE)
		start_dns(c, h);
	if (h->dns == HOST_DNS_WAIT || h->dns == HOST_DNS_NONE)
		return 1;
	if (h->dns == HOST_DNS_FAILED) {
		fatal(c, "--login-url %s: %s", c->login_url, h->dns_error);
		return 1;
	}
	struct sched_url u = {.url = strdup(c->login_url), .login = 1};
	struct fetch_request req = {
		.post = c->cfg->login_data ? c->cfg->login_data : c->cfg->login_json,
		.post_type = c->cfg->login_data ? "application/x-www-form-urlencoded"
						: "application/json",
	};
	if (!u.url || fetcher_start(c->fetcher, h, &u, &req)) {
		fatal(c, "out of memory starting a transfer");
		return 1;
	}
	c->login = LOGIN_SENT;
	c->stats.inflight++;
	sched_started(c->sched, h, loop_now(c->loop));
	return 1;
}

/* The login answer: 2xx or 3xx goes on (its cookies are in the jar). */
static void login_done(struct crawl *c, struct transfer *t, CURLcode rc)
{
	char detail[CURL_ERROR_SIZE + 32];
	long status = 0;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		fatal(c, "--login-url %s: %s", c->login_url,
		      fetch_error_detail(t, rc, detail, sizeof detail));
	else if (status < 200 || status >= 400)
		fatal(c, "--login-url %s: the server answered HTTP %ld", c->login_url, status);
	else {
		c->login = LOGIN_DONE;
		if (!c->cfg->quiet)
			fprintf(stderr, "crawler: logged in at %s (HTTP %ld)\n", c->login_url, status);
	}
	fetcher_release(c->fetcher, t);
}

static void on_fetched(void *ctx, struct transfer *t, CURLcode rc)
{
	struct crawl *c = ctx;
	c->stats.inflight--;
	sched_finished(c->sched, t->host);
	if (t->url.robots_for) {
		robots_fetched(c, t, rc);
		return;
	}
	if (t->url.login) {
		login_done(c, t, rc);
		return;
	}
	if (rc == CURLE_OK && submit_job(c, t) == 0)
		return;
	if (t->spool_errno) {
		archive_failed(c, t, t->spool_errno);
		return;
	}
	struct frontier_fetch r = {.id = t->url.id, .run_id = c->run_id, .state = "failed",
				   .fetched_at = loop_wall(), .length = (int64_t)t->received,
				   .links = -1};
	r.error = rc == CURLE_OK ? "aborted" : fetch_error_class(t, rc);
	breaker(c, t->host, !strcmp(r.error, "connect") || !strcmp(r.error, "timeout"));
	char detail[CURL_ERROR_SIZE + 32];
	r.error_detail = rc == CURLE_OK ? "out of memory"
			 : fetch_error_detail(t, rc, detail, sizeof detail);
	if (!strcmp(r.error, "connect") || !strcmp(r.error, "timeout"))
		retry_later(c, t, 0, &r);
	finish_fetch(c, t, &r);
}

/* ---- scheduling ---- */

static void load_window_row(void *ctx, const struct frontier_queued_url *q)
{
	struct crawl *c = ((void **)ctx)[0];
	struct host *h = ((void **)ctx)[1];
	struct sched_url u = {.id = q->id, .url = (char *)q->url, .depth = q->depth,
			      .redirect_hops = q->redirect_hops, .revisit = q->fetched_before,
			      .sitemap = q->via && !strcmp(q->via, "sitemap"),
			      .retries = q->retries};
	if (sched_push(c->sched, h, &u))
		fatal(c, "out of memory");
}

static void load_window(struct crawl *c, struct host *h)
{
	void *ctx[2] = {c, h};
	h->db_more = 0;
	long n = frontier_queued(c->fr, h->id, loop_wall(), WINDOW, load_window_row, ctx);
	if (n < 0)
		db_error(c);
	else if (n == WINDOW)
		h->db_more = 1;
}

/* Fails every queued URL of a host whose name does not resolve: those in
 * its window and those still only in the frontier, in one statement. */
static void fail_host(struct crawl *c, struct host *h)
{
	struct sched_url u;
	while (sched_take(h, &u) == 0)
		free(u.url);
	h->db_more = 0;
	int64_t n = frontier_fail_host(c->fr, h->id, "dns", h->dns_error, loop_wall());
	if (n < 0) {
		db_error(c);
		return;
	}
	c->stats.failed += n;
	c->stats.queued -= n;
}

static void start_transfer(struct crawl *c, struct host *h)
{
	struct sched_url u;
	if (sched_take(h, &u))
		return;
	if (robots_excluded(c, h, &u)) {
		free(u.url);
		sched_update(c->sched, h); /* popped to start a transfer that never began */
		return;
	}
	if (frontier_lease(c->fr, u.id)) {
		free(u.url);
		db_error(c);
		return;
	}
	c->stats.queued--;
	struct frontier_prior prior;
	if (u.revisit && frontier_prior(c->fr, u.id, &prior)) {
		free(u.url);
		db_error(c);
		return;
	}
	struct fetch_request req = {
		.etag = u.revisit ? prior.etag : NULL,
		.last_modified = u.revisit ? prior.last_modified : NULL,
		.referer = c->cfg->referer ? frontier_parent_url(c->fr, u.id) : NULL,
		.auth = c->cfg->user && strmap_get(c->seed_hosts, h->name, strlen(h->name)),
	};
	if (fetcher_start(c->fetcher, h, &u, &req)) {
		fatal(c, "out of memory starting a transfer");
		return;
	}
	c->stats.started++;
	c->stats.inflight++;
	sched_started(c->sched, h, loop_now(c->loop));
}

/* Starts transfers while the global cap and the hosts allow. */
static void fill(struct crawl *c)
{
	const struct opt_config *cfg = c->cfg;
	double now = loop_now(c->loop), wake;
	if (c->login != LOGIN_NONE && c->login != LOGIN_DONE && c->stop == RUNNING &&
	    login_step(c))
		return;
	/* transfers waiting for the worker threads count too: they hold memory */
	while (c->stop == RUNNING && fetcher_inflight(c->fetcher) < cfg->concurrency &&
	       work_pending(c->archiver) + work_pending(c->parser) < cfg->concurrency) {
		if (cfg->max_pages > 0 && c->stats.started >= cfg->max_pages) {
			stop_run(c, "page budget", CRAWL_EXIT_PAGES);
			break;
		}
		struct host *h = sched_next(c->sched, now, &wake);
		if (!h) {
			if (wake > 0)
				loop_timer_at(c->loop, &c->wake_timer, wake);
			break;
		}
		if (!h->win_len && h->db_more)
			load_window(c, h);
		if (!h->win_len)
			; /* nothing left for this host */
		else if (h->dns == HOST_DNS_NONE ||
			 (h->dns == HOST_DNS_OK && h->dns_expires <= now && !h->inflight))
			start_dns(c, h);
		else if (h->dns == HOST_DNS_FAILED)
			fail_host(c, h);
		else if (robots_ready(c, h)) {
			start_transfer(c, h);
			continue;
		}
		sched_update(c->sched, h);
	}
}

/* ---- timers and signals ---- */

static void on_wake(void *ctx)
{
	(void)ctx; /* only ends the wait; the loop then calls fill() */
}

/* Retries come due: their hosts reload their windows from the frontier. */
static void due_host(void *ctx, int64_t host_id, const char *origin)
{
	struct crawl *c = ctx;
	struct host *h = host_for_origin(c, origin, strlen(origin));
	if (h)
		sched_more_in_db(c->sched, h);
}

static void on_retry_timer(void *ctx)
{
	struct crawl *c = ctx;
	double now = loop_wall();
	c->retry_due = 0;
	if (frontier_due_hosts(c->fr, now, due_host, c))
		db_error(c);
	double next = frontier_next_retry(c->fr, now);
	if (next < 0)
		db_error(c);
	else if (next > 0)
		arm_retry(c, next);
}

static void on_budget_timer(void *ctx)
{
	stop_run(ctx, "time budget", CRAWL_EXIT_TIME);
}

/* The grace period after a stop is over: what is still in flight goes back
 * to the queue, and the run ends as the stop said. */
static void on_grace_timer(void *ctx)
{
	struct crawl *c = ctx;
	c->stop = STOP_ABORT;
}

/* With --fsync batch the records go to disk before the index that points
 * at them. */
static int commit(struct crawl *c, double ended_at)
{
	if (c->cfg->fsync == OPT_FSYNC_BATCH && c->warc && warc_writer_flush(c->warc, 1)) {
		if (is_disk_full(errno))
			return disk_full(c, c->warc_dir);
		return fatal(c, "syncing the archive in %s: %s", c->warc_dir, strerror(errno));
	}
	if (frontier_run_update(c->fr, c->run_id, c->stats.done + c->stats.failed,
				c->stats.bytes, ended_at, c->exit_code, c->end_reason) ||
	    frontier_commit(c->fr))
		return db_error(c);
	return 0;
}

static void on_commit_timer(void *ctx)
{
	struct crawl *c = ctx;
	commit(c, 0);
	loop_timer_at(c->loop, &c->commit_timer, loop_now(c->loop) + COMMIT_INTERVAL);
}

static void on_progress_timer(void *ctx)
{
	struct crawl *c = ctx;
	c->stats.elapsed = loop_now(c->loop) - c->stats.t0;
	progress_update(c->progress, &c->stats);
	loop_timer_at(c->loop, &c->progress_timer,
		      loop_now(c->loop) + progress_interval(c->progress));
}

static void on_signal(void *ctx, int fd, unsigned events)
{
	struct crawl *c = ctx;
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof si) != sizeof si)
		return;
	if (c->stop == RUNNING)
		stop_run(c, "signal", CRAWL_EXIT_DONE);
	else
		abort_run(c, "aborted", CRAWL_EXIT_ABORTED);
	if (!c->cfg->quiet)
		fprintf(stderr, "\ncrawler: %s, %s\n", strsignal((int)si.ssi_signo),
			c->stop == STOP_ABORT ? "aborting transfers in flight"
					      : "finishing transfers in flight (again to abort)");
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

/* Signals that stop a crawl arrive through a signalfd in the loop; they are
 * blocked in every thread (threads inherit the mask: do this before the
 * workers start), or the kernel could deliver one to a worker and kill
 * the process. */
static int block_signals(void)
{
	sigset_t set;
	stop_signals(&set);
	return pthread_sigmask(SIG_BLOCK, &set, NULL) ? -1 : 0;
}

static int watch_signals(struct crawl *c)
{
	sigset_t set;
	stop_signals(&set);
	c->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (c->signal_fd < 0)
		return -1;
	return loop_watch(c->loop, c->signal_fd, LOOP_READ, on_signal, c);
}

/* ---- the run ---- */

static int finished(struct crawl *c)
{
	if (c->stop == STOP_ABORT)
		return 1;
	if (fetcher_inflight(c->fetcher) || dns_pending(c->dns) ||
	    work_pending(c->archiver) || work_pending(c->parser) ||
	    (c->retry_due && c->stop == RUNNING))
		return 0;
	return c->stop != RUNNING || !sched_busy(c->sched);
}

static void run_loop(struct crawl *c)
{
	loop_timer_at(c->loop, &c->commit_timer, loop_now(c->loop) + COMMIT_INTERVAL);
	loop_timer_at(c->loop, &c->progress_timer, loop_now(c->loop) + 1.0);
	for (;;) {
		fill(c);
		if (finished(c))
			break;
		if (loop_run_once(c->loop, 1.0)) {
			fatal(c, "event loop: %s", strerror(errno));
			break;
		}
	}
}

/* ---- seeds ---- */

struct seeds {
	char **urls; /* canonical */
	size_t n, cap;
};

static void seeds_free(struct seeds *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->urls[i]);
	free(s->urls);
}

/* Canonicalizes one seed into the list; a bad seed is a usage error. */
static int collect_seed(struct seeds *s, const char *text, const char *where)
{
	static char canon[URL_MAX];
	size_t len;
	enum url_status st = url_canonicalize(text, strlen(text), canon, sizeof canon, &len);
	if (st != URL_OK) {
		fprintf(stderr, "crawler: %sseed '%s': %s\n", where, text, url_status_str(st));
		return -1;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **urls = realloc(s->urls, cap * sizeof *urls);
		if (!urls)
			goto oom;
		s->urls = urls;
		s->cap = cap;
	}
	if (!(s->urls[s->n] = strdup(canon)))
		goto oom;
	s->n++;
	return 0;
oom:
	fprintf(stderr, "crawler: out of memory\n");
	return -1;
}

struct seed_lines {
	struct seeds *seeds;
	const char *path;
};

static int seed_line(void *ctx, char *line, long n)
{
	struct seed_lines *sl = ctx;
	char where[512];
	char *seed = list_entry(line);
	if (!seed)
		return 0;
	snprintf(where, sizeof where, "%s:%ld: ", sl->path, n);
	return collect_seed(sl->seeds, seed, where) ? 1 : 0; /* reported */
}

static int collect_seed_file(struct seeds *s, const char *path)
{
	FILE *in = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct seed_lines sl = {s, path};
	int rc = in ? each_line(in, seed_line, &sl) : -1;
	if (rc < 0)
		fprintf(stderr, "crawler: --seeds: %s: %s\n", path, strerror(errno));
	if (in && in != stdin)
		fclose(in);
	return rc ? -1 : 0;
}

/* Options that only make sense together, and the login URL. */
static int check_options(const struct opt_config *cfg, struct crawl *c)
{
	static char canon[URL_MAX];
	size_t len;
	const char *problem = NULL;
	if (cfg->client_key && !cfg->client_cert)
		problem = "--client-key needs --client-cert";
	else if (cfg->login_data && cfg->login_json)
		problem = "give --login-data or --login-json, not both";
	else if (!cfg->login_url && (cfg->login_data || cfg->login_json))
		problem = "--login-data and --login-json need --login-url";
	else if (cfg->login_url && !cfg->login_data && !cfg->login_json)
		problem = "--login-url needs --login-data or --login-json";
	if (problem) {
		fprintf(stderr, "crawler: %s\n", problem);
		return -1;
	}
	if (load_proxies(c))
		return -1;
	if (!cfg->login_url)
		return 0;
	enum url_status st = url_canonicalize(cfg->login_url, strlen(cfg->login_url), canon,
					      sizeof canon, &len);
	if (st != URL_OK) {
		fprintf(stderr, "crawler: --login-url '%s': %s\n", cfg->login_url, url_status_str(st));
		return -1;
	}
	c->login = LOGIN_WAIT;
	return (c->login_url = strdup(canon)) ? 0 : -1;
}

/* Reads and checks every seed before anything is written; a new crawl
 * needs at least one, a crawl to resume none. */
static int collect_seeds(const struct opt_config *cfg, struct seeds *s)
{
	for (size_t i = 0; i < cfg->urls.n; i++)
		if (collect_seed(s, cfg->urls.items[i], ""))
			return -1;
	for (size_t i = 0; i < cfg->seeds_files.n; i++)
		if (collect_seed_file(s, cfg->seeds_files.items[i]))
			return -1;
	char db[4096];
	snprintf(db, sizeof db, "%s/crawl.db", cfg->dir);
	if (!s->n && access(db, F_OK) != 0) {
		fprintf(stderr, "crawler: no seed URLs and no crawl to resume in %s:"
			" give URLs or --seeds FILE\n", cfg->dir);
		return -1;
	}
	return 0;
}

/* A seed's host is in scope, and gets the --user credentials. */
static int add_seed_host(struct crawl *c, const char *url, size_t len)
{
	const char *name;
	size_t name_len;
	if (scope_add_seed(c->scope, url, len) ||
	    (url_origin(url, len, &name, &name_len) &&
	     strmap_put(c->seed_hosts, name, name_len, c)))
		return fatal(c, "out of memory");
	return 0;
}

static void add_known_seed(void *ctx, const char *url)
{
	add_seed_host(ctx, url, strlen(url));
}

static int add_seeds(struct crawl *c, const struct seeds *seeds)
{
	if (frontier_seeds(c->fr, add_known_seed, c))
		return db_error(c);
	for (size_t i = 0; i < seeds->n; i++) {
		const char *url = seeds->urls[i];
		struct found_link l = {.url = url, .len = strlen(url), .via = "seed"};
		if (add_seed_host(c, l.url, l.len))
			return -1;
		if (discover(c, &l) < 0)
			return -1;
	}
	return 0;
}

static void add_queued_host(void *ctx, int64_t host_id, const char *origin)
{
	struct crawl *c = ctx;
	struct host *h = host_for_origin(c, origin, strlen(origin));
	if (h)
		sched_more_in_db(c->sched, h);
}

/* ---- setup and teardown ---- */

/* The extraction rules and the scope's patterns: a bad one is a usage
 * error before anything is written. */
static int compile_patterns(struct crawl *c)
{
	const struct opt_strlist *rules = &c->cfg->extract, *limits = &c->cfg->extract_url;
	char *err = NULL;
	if (!(c->scope = scope_new(c->cfg, &err))) {
		fprintf(stderr, "crawler: %s\n", err ? err : "out of memory");
		free(err);
		return -1;
	}
	if (!rules->n && !limits->n)
		return 0;
	c->rules = extract_rules_new((const char *const *)rules->items, rules->n,
				     (const char *const *)limits->items, limits->n, &err);
	if (c->rules)
		return 0;
	fprintf(stderr, "crawler: %s\n", err ? err : "out of memory");
	free(err);
	return -1;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0777) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "crawler: --dir: cannot create %s: %s\n", path, strerror(errno));
	return -1;
}

static int lock_dir(struct crawl *c)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/lock", c->cfg->dir);
	c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (c->lock_fd < 0) {
		fprintf(stderr, "crawler: --dir: cannot write in %s: %s\n", c->cfg->dir,
			strerror(errno));
		c->exit_code = CRAWL_EXIT_USAGE;
		return -1;
	}
	if (flock(c->lock_fd, LOCK_EX | LOCK_NB)) {
		fprintf(stderr, "crawler: %s is in use by another crawl\n", c->cfg->dir);
		c->exit_code = CRAWL_EXIT_LOCKED;
		return -1;
	}
	return 0;
}

/* The committed ends of the archive's segments, from the frontier. */
struct segment_ends {
	struct segment_end {
		uint32_t segment;
		uint64_t end;
	} *v;
	size_t n, cap;
	int oom;
};

static void add_segment_end(void *ctx, uint32_t segment, uint64_t end)
{
	struct segment_ends *e = ctx;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		struct segment_end *v = realloc(e->v, cap * sizeof *v);
		if (!v) {
			e->oom = 1;
			return;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = (struct segment_end){segment, end};
}

static int64_t segment_end_of(void *ctx, uint32_t segment)
{
	const struct segment_ends *e = ctx;
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].segment == segment)
			return (int64_t)e->v[i].end;
	return -1;
}

static void report_cut(void *ctx, const char *path, uint64_t size, uint64_t end,
		       int committed)
{
	(void)ctx;
	if (!end)
		fprintf(stderr, "crawler: %s: removed: it held no whole record\n", path);
	else if (size > end)
		fprintf(stderr, "crawler: %s: cut back from %llu to %llu bytes (%s)\n", path,
			(unsigned long long)size, (unsigned long long)end,
			committed ? "records after the last commit" : "a torn last record");
	else
		fprintf(stderr, "crawler: %s: only %llu of its %llu committed bytes are on"
			" disk; the records past the end are lost\n", path,
			(unsigned long long)size, (unsigned long long)end);
}

/* A crash may leave records the index never committed at the end of the
 * newest segment, the last one torn: cut back before anything is appended
 * (warc_recover says which segments go back how far). */
static int recover_archive(struct crawl *c)
{
	struct segment_ends ends = {0};
	int rc = frontier_segments(c->fr, add_segment_end, &ends);
	if (rc == 0 && ends.oom)
		rc = fatal(c, "out of memory");
	if (rc == 0 && warc_recover(c->warc_dir, segment_end_of, report_cut, &ends)) {
		if (is_disk_full(errno))
			disk_full(c, c->warc_dir);
		rc = fatal(c, "repairing the archive in %s: %s", c->warc_dir, strerror(errno));
	}
	free(ends.v);
	return rc;
}

static void add_payload(void *ctx, const char *digest, uint32_t segment,
			uint64_t offset, uint64_t length)
{
	struct crawl *c = ctx;
	struct warc_location loc = {segment, offset, length};
	if (payloads_add(c->payloads, digest, &loc))
		fatal(c, "out of memory");
}

static int load_payloads(struct crawl *c)
{
	if (!c->cfg->dedup)
		return 0;
	if (!(c->payloads = payloads_new()))
		return fatal(c, "out of memory");
	if (frontier_payloads(c->fr, DEDUP_MIN, add_payload, c))
		return db_error(c);
	return c->exit_code == CRAWL_EXIT_DONE ? 0 : -1;
}

static int open_parts(struct crawl *c)
{
	const struct opt_config *cfg = c->cfg;
	char *err = NULL, db_path[4096];
	snprintf(db_path, sizeof db_path, "%s/crawl.db", cfg->dir);
	if (!(c->seed_hosts = strmap_new()) || !(c->loop = loop_new()) ||
	    !(c->sched = sched_new((int)cfg->per_host, (int)cfg->per_ip, cfg->delay, WINDOW)) ||
	    !(c->progress = progress_new(cfg))) {
		err = strdup("out of memory");
		goto failed;
	}
	if (!(c->dns = dns_new(c->loop, cfg->dns_servers, on_dns, c, &err))) {
		c->exit_code = CRAWL_EXIT_USAGE;
		goto failed;
	}
	static const enum frontier_sync sync[] = {
		[OPT_FSYNC_NEVER] = FRONTIER_SYNC_OFF, [OPT_FSYNC_BATCH] = FRONTIER_SYNC_NORMAL,
		[OPT_FSYNC_ALWAYS] = FRONTIER_SYNC_FULL,
	};
	if (!(c->fr = frontier_open(db_path, sync[cfg->fsync], &err)))
		goto failed;
	if (recover_archive(c) || load_payloads(c)) {
		err = strdup(frontier_errmsg(c->fr));
		goto failed;
	}
	struct warc_writer_options wo = {
		.dir = c->warc_dir, .max_segment_size = (uint64_t)cfg->warc_max_size,
		.zstd_level = cfg->zstd_level, .software = "crawler/" CRAWLER_VERSION,
		.payloads = c->payloads, .dedup_min = DEDUP_MIN,
	};
	if (!(c->warc = warc_writer_open(&wo, &err)))
		goto failed;
	struct fetch_options fo = {
		.user_agent = cfg->user_agent, .timeout_ms = (long)(cfg->timeout * 1000),
		.connect_timeout_ms = (long)(cfg->connect_timeout * 1000),
		.read_timeout_s = (long)cfg->read_timeout,
		.max_size = cfg->max_size, .spool_memory = SPOOL_MEMORY, .spool_dir = cfg->dir,
		.headers = cfg->headers.items, .n_headers = cfg->headers.n, .user = cfg->user,
		.compression = cfg->compression, .http11 = cfg->http11,
		.ca_certificate = cfg->ca_certificate, .client_cert = cfg->client_cert,
		.client_key = cfg->client_key, .pinned_pubkey = cfg->pinned_pubkey,
		.insecure = cfg->insecure, .unix_socket = cfg->unix_socket,
		.cookies = cfg->cookies, .proxy_user = cfg->proxy_user,
	};
	if (!(c->fetcher = fetcher_new(c->loop, &fo, on_fetched, c, &err)))
		goto failed;
	if (!(c->archiver = work_new(c->loop, run_archive, on_archived, c)) ||
	    !(c->parser = work_new(c->loop, run_parse, on_job_done, c))) {
		err = strdup("cannot start the worker threads");
		goto failed;
	}
	return 0;
failed:
	fprintf(stderr, "crawler: %s\n", err ? err : "out of memory");
	free(err);
	if (c->exit_code == CRAWL_EXIT_DONE)
		c->exit_code = CRAWL_EXIT_FATAL;
	return -1;
}

/* --revisit-after: what was fetched long enough ago is queued again. */
static int queue_revisits(struct crawl *c)
{
	if (c->cfg->revisit_after < 0)
		return 0;
	int64_t n = frontier_requeue_fetched(c->fr, loop_wall() - c->cfg->revisit_after);
	if (n < 0)
		return db_error(c);
	if (!c->cfg->quiet)
		fprintf(stderr, "crawler: revisiting %lld URLs fetched more than %gs ago\n",
			(long long)n, c->cfg->revisit_after);
	return 0;
}

static int start_run(struct crawl *c, const struct seeds *seeds)
{
	struct frontier_counts counts;
	char *config = opt_dump(c->cfg);
	c->run_id = frontier_run_begin(c->fr, loop_wall(), (int)getpid(), config ? config : "");
	free(config);
	struct warc_location warcinfo_end;
	warc_writer_end(c->warc, &warcinfo_end);
	if (c->run_id < 0 ||
	    frontier_segment_end(c->fr, warcinfo_end.segment, warcinfo_end.offset))
		return db_error(c);
	if (queue_revisits(c) || load_admitted(c))
		return -1;
	if (frontier_count(c->fr, &counts) ||
	    frontier_queued_hosts(c->fr, add_queued_host, c))
		return db_error(c);
	c->stats.queued = counts.queued;
	if (add_seeds(c, seeds) || load_cookies(c))
		return -1;
	c->wake_timer = (struct loop_timer){.fn = on_wake, .ctx = c};
	c->budget_timer = (struct loop_timer){.fn = on_budget_timer, .ctx = c};
	c->retry_timer = (struct loop_timer){.fn = on_retry_timer, .ctx = c};
	c->grace_timer = (struct loop_timer){.fn = on_grace_timer, .ctx = c};
	c->commit_timer = (struct loop_timer){.fn = on_commit_timer, .ctx = c};
	c->progress_timer = (struct loop_timer){.fn = on_progress_timer, .ctx = c};
	c->stats.t0 = loop_now(c->loop);
	if (c->cfg->max_time > 0)
		loop_timer_at(c->loop, &c->budget_timer, c->stats.t0 + c->cfg->max_time);
	double retry = frontier_next_retry(c->fr, loop_wall());
	if (retry < 0)
		return db_error(c);
	if (retry > 0)
		arm_retry(c, retry);
	if (watch_signals(c))
		return fatal(c, "signals: %s", strerror(errno));
	return 0;
}

static void summarize(struct crawl *c)
{
	static const char *const endings[] = {
		[CRAWL_EXIT_DONE] = "", [CRAWL_EXIT_FATAL] = ", needs attention",
		[CRAWL_EXIT_DISK_FULL] = ", free some space and run again",
		[CRAWL_EXIT_TIME] = ", run again to continue",
		[CRAWL_EXIT_PAGES] = ", run again to continue",
		[CRAWL_EXIT_ABORTED] = ", run again to continue",
	};
	char ending[128];
	const char *advice = c->exit_code < (int)(sizeof endings / sizeof *endings) &&
			     endings[c->exit_code] ? endings[c->exit_code] : "";
	snprintf(ending, sizeof ending, "%s (exit %d)%s", c->end_reason, c->exit_code, advice);
	progress_summary(c->progress, &c->stats, c->cfg->dir, ending);
}

/* A budget that ran out exactly when the work did ends a finished crawl. */
static void settle_end(struct crawl *c)
{
	struct frontier_counts counts;
	if (!c->end_reason)
		c->end_reason = "finished";
	if ((c->exit_code != CRAWL_EXIT_TIME && c->exit_code != CRAWL_EXIT_PAGES) ||
	    frontier_count(c->fr, &counts))
		return;
	if (counts.queued == 0) {
		c->exit_code = CRAWL_EXIT_DONE;
		c->end_reason = "finished";
	}
}

static void close_parts(struct crawl *c)
{
	if (c->loop) {
		loop_timer_cancel(c->loop, &c->wake_timer);
		loop_timer_cancel(c->loop, &c->commit_timer);
		loop_timer_cancel(c->loop, &c->progress_timer);
		loop_timer_cancel(c->loop, &c->budget_timer);
		loop_timer_cancel(c->loop, &c->grace_timer);
		loop_timer_cancel(c->loop, &c->retry_timer);
	}
	/* the workers finish first: the archiver writes the archive, and what
	 * it finishes may go on to the parser */
	work_free(&c->archiver);
	work_free(&c->parser);
	if (c->warc && warc_writer_flush(c->warc, c->cfg->fsync != OPT_FSYNC_NEVER))
		fatal(c, "flushing the archive: %s", strerror(errno));
	if (c->fetcher && c->run_id > 0)
		save_cookies(c);
	fetcher_free(&c->fetcher);
	if (c->fr && c->run_id > 0) {
		if (frontier_requeue_leased(c->fr))
			db_error(c);
		settle_end(c);
		commit(c, loop_wall());
		summarize(c);
	}
	warc_writer_close(&c->warc);
	frontier_close(&c->fr);
	dns_free(&c->dns);
	sched_free(&c->sched);
	scope_free(&c->scope);
	strmap_free(&c->seed_hosts, NULL);
	progress_free(&c->progress);
	extract_rules_free(&c->rules);
	payloads_free(&c->payloads);
	free(c->admitted);
	loop_free(&c->loop);
	if (c->signal_fd >= 0)
		close(c->signal_fd);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c->warc_dir);
	free_checked(c);
}

int crawl_run(const struct opt_config *cfg)
{
	struct crawl c = {.cfg = cfg, .lock_fd = -1, .signal_fd = -1};
	struct seeds seeds = {0};
	if (check_options(cfg, &c) || collect_seeds(cfg, &seeds) || compile_patterns(&c) ||
	    make_dir(cfg->dir)) {
		free_checked(&c);
		seeds_free(&seeds);
		extract_rules_free(&c.rules);
		scope_free(&c.scope);
		return CRAWL_EXIT_USAGE;
	}
	set_robots_product(&c);
	if (asprintf(&c.warc_dir, "%s/warc", cfg->dir) < 0) {
		seeds_free(&seeds);
		return CRAWL_EXIT_FATAL;
	}
	if (block_signals()) {
		fprintf(stderr, "crawler: blocking signals: %s\n", strerror(errno));
		c.exit_code = CRAWL_EXIT_FATAL;
	} else if (lock_dir(&c) == 0 && open_parts(&c) == 0 && start_run(&c, &seeds) == 0) {
		run_loop(&c);
		c.stats.elapsed = loop_now(c.loop) - c.stats.t0;
	}
	close_parts(&c);
	seeds_free(&seeds);
	return c.exit_code;
}
