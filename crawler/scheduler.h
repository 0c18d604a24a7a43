/* scheduler: the politeness scheduler.  Each host (origin) has a window of queued
 * URLs loaded from the frontier on demand, a count of transfers in flight,
 * the earliest time it may be contacted again, and its DNS state.  Hosts that
 * have work and room are kept in a heap ordered by that time, so picking the
 * next transfer never scans idle hosts and nothing ever sleeps.
 *
 * The scheduler enforces the per-host cap, the per-IP cap (hosts whose
 * names resolve to one address share it), the per-host delay between
 * request starts, and pauses; the caller enforces the global cap by how
 * often it asks.
 *
 * Ownership: the scheduler owns its hosts and the URL strings in windows;
 * sched_take hands a URL string to the caller, who frees it.
 */
#ifndef CRAWLER_SCHED_H
#define CRAWLER_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

struct curl_slist;
struct robots;
struct host;
struct ip_slot;

enum host_dns {
	HOST_DNS_NONE,    /* not resolved yet, or the answer expired */
	HOST_DNS_WAIT,    /* lookup under way: not schedulable */
	HOST_DNS_OK,      /* ip valid until dns_expires */
	HOST_DNS_FAILED,  /* the name did not resolve: its URLs fail */
	HOST_DNS_LITERAL, /* the host is an IP address: no lookup needed */
};

struct sched_url {
	int64_t id;
	char *url;
	int depth;
	int redirect_hops;
	int revisit;          /* fetched before: ask the frontier for validators */
	int sitemap;          /* a sitemap: parse it as one, not as HTML */
	int retries;          /* attempts already retried */
	int login;            /* the --login-url POST */
	struct host *robots_for; /* a robots.txt fetch for this host, or NULL */
};

struct host {
	char *origin;         /* "http://name:port" (canonical) */
	char *name;           /* host name, IPv6 without brackets */
	int port;
	int64_t id;           /* hosts.id */
	enum host_dns dns;
	char ip[46];
	char dns_error[64];
	double dns_expires;   /* monotonic */
	struct curl_slist *resolve; /* "name:port:ip" for CURLOPT_RESOLVE */
	const char *proxy;    /* the proxy its requests go through, or NULL
			       * (the string belongs to the caller) */
	int inflight;
	struct heap_node ready; /* key: earliest next request start (monotonic);
				 * in the heap while the host has work and room */
	struct sched_url *window;
	size_t win_head, win_len, win_cap;
	int db_more;          /* the frontier holds queued URLs not in the window */
	int64_t admitted;     /* URLs queued over the crawl (--max-pages-per-host) */
	struct ip_slot *ip_slot; /* the address it shares with other hosts */
	struct host *next_on_ip;
	double min_delay;     /* floor of delay: robots.txt Crawl-delay */
	double paused_until;  /* circuit breaker: no request before (monotonic) */
	int failures;         /* consecutive failed requests */
	int pauses;           /* pauses in a row (the next one is longer) */
	int sitemaps_seeded;  /* its robots.txt sitemaps and /sitemap.xml are known */
	double delay;         /* seconds between request starts, when more than
			       * the scheduler's (robots.txt Crawl-delay) */
	/* robots.txt */
	struct robots *robots;   /* the rules in force, NULL until known */
	double robots_expires;   /* wall clock */
	int robots_checked;      /* the database's cached copy was looked at */
	int robots_wait;         /* being fetched: not schedulable */
	int robots_deferred;     /* 5xx or unreachable: no request this run */
	int robots_hops;         /* redirects followed so far */
	char *robots_next;       /* where a redirect sent the fetch, or NULL */
	struct host *robots_waiters; /* hosts whose robots.txt fetch waits for
				      * this host's address */
	struct host *next_waiter;
};

struct sched;

/* per_host: cap on transfers in flight per host; per_ip: per address (0: no
 * cap); delay: seconds between request starts to one host; window: URLs
 * kept in memory per host. */
struct sched *sched_new(int per_host, int per_ip, double delay, size_t window);
/* NULL-safe; frees every host. */
void sched_free(struct sched **s);

/* The host for a canonical origin, or NULL. */
struct host *sched_host_find(struct sched *s, const char *origin, size_t len);
/* Creates the host for a canonical origin ("scheme://host[:port]"); the
 * caller sets ->id.  NULL on out-of-memory. */
struct host *sched_host_add(struct sched *s, const char *origin, size_t len);

/* Appends a queued URL to h's window (copying u, and u->url), or notes
 * that the frontier holds more when the window is full.  0 or -1 (OOM). */
int sched_push(struct sched *s, struct host *h, const struct sched_url *u);
/* Notes that the frontier has queued URLs for h beyond its window. */
void sched_more_in_db(struct sched *s, struct host *h);

/* Re-evaluates whether h belongs in the heap (call after changing its DNS
 * state, its window or its in-flight count). */
void sched_update(struct sched *s, struct host *h);

/* Pops the host that may start a transfer soonest if that is no later than
 * now; else returns NULL and sets *wake to when one will be (0: none). */
struct host *sched_next(struct sched *s, double now, double *wake);

/* Takes the next URL of h's window into *u; 0, or -1 when the window is
 * empty (then reload it if h->db_more). */
int sched_take(struct host *h, struct sched_url *u);

/* Sets h's own delay between request starts (a robots.txt Crawl-delay, or
 * adaptive), counting from its last start. */
void sched_set_delay(struct sched *s, struct host *h, double delay);

/* h's delay in force: its own or the scheduler's, whichever is longer. */
double sched_delay(const struct sched *s, const struct host *h);

/* Keeps every request from h until `until` (monotonic). */
void sched_pause(struct sched *s, struct host *h, double until);

/* Puts h under the per-IP cap of address ip (after DNS).  0 or -1 (OOM). */
int sched_set_ip(struct sched *s, struct host *h, const char *ip);

/* A transfer to h starts at `now` / finished. */
void sched_started(struct sched *s, struct host *h, double now);
void sched_finished(struct sched *s, struct host *h);

/* Hosts with queued work in memory or in the frontier, or in flight. */
int sched_busy(const struct sched *s);


#endif
