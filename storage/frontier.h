/* frontier: the crawl database (crawl.db) — every URL ever discovered, its
 * state, its fetch result and where its record sits in the WARC archive;
 * hosts; redirects; runs.  Schema and meaning of every column: schema.sql.
 *
 * States: queued -> leased -> done | failed, or skipped at discovery; done
 * and failed go back to queued for a revisit.  On open, leases left by a
 * dead process go back to queued.  Every fetch is also a row in fetches.
 *
 * Writes are batched: they go into an open transaction that
 * frontier_commit() ends (the caller commits every few hundred ms), so a
 * reader (crawler status, the sqlite3 shell) sees a consistent state that is
 * at most one batch old.
 *
 * Deduplication is in memory: a hash table of every known URL's 64-bit hash
 * (loaded at open) answers "seen?" without touching the database.
 *
 * Ownership: strings passed in are copied by SQLite or not retained; strings
 * handed to callbacks are valid only during the call; frontier_close frees
 * everything.  Errors: functions return 0 / -1 (or an id > 0 / -1); the last
 * error message is frontier_errmsg(), owned by the frontier.
 */
#ifndef CRAWLER_FRONTIER_H
#define CRAWLER_FRONTIER_H

#include <stddef.h>
#include <stdint.h>

struct frontier;

/* Why a URL was not queued at discovery; the names are stored in urls.reason.
 * The first three depend on how the URL was reached, not on the URL itself,
 * so a later discovery through another link may still queue it. */
enum frontier_skip {
	FRONTIER_QUEUE = 0,     /* not skipped */
	FRONTIER_SKIP_NOFOLLOW, /* "nofollow" */
	FRONTIER_SKIP_DEPTH,    /* "depth": beyond --max-depth */
	FRONTIER_SKIP_ASSET,    /* "asset": a page requisite without --page-requisites */
	FRONTIER_SKIP_SCOPE_HOST,   /* "scope:host" */
	FRONTIER_SKIP_SCOPE_DOMAIN, /* "scope:domain" */
	FRONTIER_SKIP_ALLOW,    /* "allow": matched no --allow pattern */
	FRONTIER_SKIP_DENY,     /* "deny": matched a --deny pattern */
	FRONTIER_SKIP_REDIRECTS, /* "redirects": redirect chain too long */
	FRONTIER_SKIP_URL_LENGTH, /* "url-length": over --max-url-length */
	FRONTIER_SKIP_REPEATS,  /* "repeats": a path segment over --max-repeats times */
	FRONTIER_SKIP_HOST_PAGES, /* "host-pages": the host reached --max-pages-per-host */
};

const char *frontier_skip_name(enum frontier_skip reason);
/* Whether a URL skipped for this reason may be queued by a later discovery. */
int frontier_skip_revivable(enum frontier_skip reason);

/* A URL being discovered. */
struct frontier_url {
	const char *url;        /* canonical */
	size_t len;
	uint64_t hash;          /* url_hash(url) */
	int64_t host_id;        /* 0 when out of scope */
	enum frontier_skip skip;
	int depth;
	int redirect_hops;
	int64_t parent_id;      /* 0 for seeds */
	const char *via;        /* "seed", "a", "redirect", ... (static string) */
	const char *lastmod;    /* a sitemap's <lastmod> for the URL, or NULL */
};

/* Outcome of the lookup done by frontier_discover. */
enum frontier_found {
	FRONTIER_NEW,      /* inserted, with its skip reason */
	FRONTIER_REVIVED,  /* was skipped for a reason that this discovery lifts: now queued */
	FRONTIER_KNOWN,    /* already known; nothing changed */
};

/* The result of one fetch.  It becomes a row in fetches and updates the
 * URL's row in urls. */
struct frontier_fetch {
	int64_t id;
	int64_t run_id;
	const char *state;        /* "done" or "failed" */
	int not_modified;         /* 304 to a conditional request: the URL's content
				   * columns (status, record, digest...) stay */
	double fetched_at;
	long status;              /* 0 when no response */
	const char *content_type; /* or NULL */
	int64_t length;           /* body bytes received, -1 unknown */
	const char *title;        /* or NULL */
	long links;               /* -1 when not parsed */
	const char *error;        /* class, or NULL */
	const char *error_detail; /* or NULL */
	int has_record;           /* the WARC fields below are set */
	uint32_t warc_segment;
	uint64_t warc_offset, warc_length;
	uint64_t warc_request_length; /* the request record, just before */
	const char *payload_digest;
	const char *record;       /* "response" or "revisit" when has_record */
	const char *profile;      /* revisit profile name, or NULL */
	const char *record_id;    /* WARC-Record-ID and WARC-Date of the record */
	const char *warc_date;
	const char *extracted;    /* JSON object, or NULL */
	const char *etag;         /* validators of the response, or NULL */
	const char *last_modified;
	const char *robots_meta;  /* "noindex,nofollow"... from meta and X-Robots-Tag */
	double retry_at;          /* > 0: the attempt failed and the URL is queued
				   * again, not to be fetched before this time */
};

/* How hard the database syncs its commits (--fsync). */
enum frontier_sync {
	FRONTIER_SYNC_OFF,    /* never: the OS writes back in its own time */
	FRONTIER_SYNC_NORMAL, /* WAL synced at checkpoints: a power loss may
			       * undo the last commits, never corrupt */
	FRONTIER_SYNC_FULL,   /* every commit synced */
};

/* Opens (creating when missing) the database at path, in WAL mode, and loads
 * the dedup table.  Returns NULL on error with a malloc'ed message in *err. */
struct frontier *frontier_open(const char *path, enum frontier_sync sync,
			       char **err);

/* Whether the last error was the disk (or a quota) running full. */
int frontier_disk_full(const struct frontier *f);

/* Commits, closes, frees; NULL-safe; sets *f to NULL. */
void frontier_close(struct frontier **f);

const char *frontier_errmsg(const struct frontier *f);

/* Ends the current batch (COMMIT) and starts the next.  0 or -1. */
int frontier_commit(struct frontier *f);

/* Records the start of a run; returns its id or -1. */
int64_t frontier_run_begin(struct frontier *f, double now, int pid,
			   const char *config);
/* Updates the run's counters (and end time, exit code and end reason when
 * ended_at > 0). */
int frontier_run_update(struct frontier *f, int64_t run_id, int64_t pages,
			int64_t bytes, double ended_at, int exit_code,
			const char *end_reason);

/* The effective configuration (INI) stored by the last run in the database
 * at path, read without changing anything.  0 with *config NULL when there
 * is no database or no run yet; -1 with *err set on error.  Both strings are
 * malloc'ed and owned by the caller. */
int frontier_stored_config(const char *path, char **config, char **err);

/* Returns the id of the host row for origin, creating it; -1 on error. */
int64_t frontier_host(struct frontier *f, const char *origin,
		      const char *host);
int frontier_host_set(struct frontier *f, int64_t host_id, const char *ip,
		      const char *dns_error);

/* Records a discovered URL unless already known.  *found says what happened;
 * *id receives the URL's id (new or existing).  For a known URL skipped as
 * nofollow/depth/asset, a discovery with u->skip == FRONTIER_QUEUE revives it
 * (state queued, with this discovery's depth, parent, via and redirect_hops).
 * 0 or -1. */
int frontier_discover(struct frontier *f, const struct frontier_url *u,
		      enum frontier_found *found, int64_t *id);

/* -1 when no URL with this hash is known, else the skip reason it was
 * recorded with (FRONTIER_QUEUE when it was not skipped), and its id in *id
 * (when id is not NULL).  No database access: this is the dedup filter in
 * front of the database. */
int frontier_seen(const struct frontier *f, uint64_t hash, int64_t *id);

/* A queued URL as frontier_queued delivers it (strings valid during the
 * call). */
struct frontier_queued_url {
	int64_t id;
	const char *url;
	int depth, redirect_hops;
	int fetched_before;  /* a revisit: validators may exist */
	const char *via;
	int retries;         /* attempts already retried */
};

/* Calls fn for up to `limit` queued URLs of host_id in id order, leaving
 * out retries not due by `now` (wall clock).  Returns the number delivered,
 * or -1.  A URL stays queued until frontier_lease, so the caller loads a
 * host's next window only once it has leased the last one. */
typedef void (*frontier_queued_fn)(void *ctx, const struct frontier_queued_url *u);
long frontier_queued(struct frontier *f, int64_t host_id, double now, long limit,
		     frontier_queued_fn fn, void *ctx);

/* The earliest time a queued retry comes due after `now`, or 0 when none
 * waits.  -1 on error. */
double frontier_next_retry(struct frontier *f, double now);

/* Calls fn(ctx, host_id, origin) for every host with retries due by now. */
int frontier_due_hosts(struct frontier *f, double now,
		       void (*fn)(void *ctx, int64_t host_id, const char *origin),
		       void *ctx);

/* Calls fn(ctx, host_id, n) with the number of URLs of each host that were
 * not skipped (for --max-pages-per-host). */
int frontier_host_admitted(struct frontier *f,
			   void (*fn)(void *ctx, int64_t host_id, int64_t n), void *ctx);

/* Calls fn(ctx, host_id, origin) for every host that has queued URLs. */
int frontier_queued_hosts(struct frontier *f,
			  void (*fn)(void *ctx, int64_t host_id,
				     const char *origin),
			  void *ctx);

/* Calls fn for every seed URL recorded by earlier runs (for the scope). */
int frontier_seeds(struct frontier *f,
		   void (*fn)(void *ctx, const char *url), void *ctx);

/* State transitions. */
int frontier_lease(struct frontier *f, int64_t id);
int frontier_finish(struct frontier *f, const struct frontier_fetch *r);
/* Marks every queued URL of a host failed without a fetch (its name did
 * not resolve).  Returns how many, or -1. */
int64_t frontier_fail_host(struct frontier *f, int64_t host_id, const char *error,
			   const char *detail, double now);

/* Fails one queued URL without fetching it (robots.txt disallows it).
 * 0 or -1. */
int frontier_exclude(struct frontier *f, int64_t id, const char *error,
		     const char *detail, double now);

/* Returns leased URLs to the queue (after aborted transfers).  0 or -1. */
int frontier_requeue_leased(struct frontier *f);

/* Queues again every URL done or failed before `before` (a revisit).
 * Returns how many, or -1. */
int64_t frontier_requeue_fetched(struct frontier *f, double before);

/* What a revisit of URL id needs from its last fetch: validators for a
 * conditional request and the record that holds its content.  Strings are
 * NULL when unknown and valid until the next call into the frontier.
 * 0 or -1. */
struct frontier_prior {
	const char *etag, *last_modified;
	const char *record_id, *warc_date;
};
int frontier_prior(struct frontier *f, int64_t id, struct frontier_prior *p);

/* Notes that segment n is committed up to `end` (a new segment's warcinfo);
 * frontier_finish notes each record's end itself.  Written with the batch's
 * commit.  0 or -1. */
int frontier_segment_end(struct frontier *f, uint32_t segment, uint64_t end);

/* A host's robots.txt as cached in the database. */
struct frontier_robots {
	double fetched_at, expires_at;
	long status;          /* 0 when unreachable */
	const void *body;     /* NULL unless 2xx */
	size_t len;
};

/* The cached robots.txt of host_id: 1 with *r filled (body owned by the
 * frontier, valid until the next frontier_robots_get), 0 when none is
 * cached, -1 on error. */
int frontier_robots_get(struct frontier *f, int64_t host_id, struct frontier_robots *r);
/* Caches a host's robots.txt (replacing the last); url may be NULL. */
int frontier_robots_put(struct frontier *f, int64_t host_id, const struct frontier_robots *r,
			const char *url);

/* The URL of the page where URL id was first found (its parent), or NULL
 * for a seed; the string is the frontier's, valid until the next call. */
const char *frontier_parent_url(struct frontier *f, int64_t id);

/* Calls fn for every WARC segment with committed records: its number and
 * the end of the last committed record. */
int frontier_segments(struct frontier *f,
		      void (*fn)(void *ctx, uint32_t segment, uint64_t committed_end),
		      void *ctx);

/* Calls fn for every stored response record whose payload is at least
 * min_length bytes (for payload deduplication). */
int frontier_payloads(struct frontier *f, int64_t min_length,
		      void (*fn)(void *ctx, const char *digest, uint32_t segment,
				 uint64_t offset, uint64_t length),
		      void *ctx);

/* Records a redirect hop; to_id 0 when the target is not an http(s) URL. */
int frontier_redirect(struct frontier *f, int64_t from_id, int64_t to_id,
		      long status, const char *location, double now);

/* Whether `target_id` appears in the redirect chain that led to `id`
 * (following each redirect target back to the URL that redirected to it
 * first, at most max_hops). */
int frontier_in_chain(struct frontier *f, int64_t id, int64_t target_id,
		      int max_hops);

/* Counts of URLs by state (queued includes leased). */
struct frontier_counts {
	int64_t queued, done, failed, skipped;
};
int frontier_count(struct frontier *f, struct frontier_counts *c);

#endif
