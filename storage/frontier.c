/* frontier: crawl.db access.  See frontier.h and schema.sql. */
#define _GNU_SOURCE
#include "frontier.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schema_sql.h"

#define SCHEMA_VERSION 5

/* Dedup table entry.  Ids are stored in 32 bits: a crawl database holds
 * fewer than 4 billion URLs. */
struct seen {
	uint64_t key;  /* url hash, 0 = empty slot */
	uint32_t id;
	uint8_t skip;  /* enum frontier_skip at discovery */
};

enum stmt {
	ST_INSERT_URL,
	ST_REVIVE,
	ST_HOST_GET,
	ST_HOST_ADD,
	ST_HOST_SET,
	ST_LEASE,
	ST_FINISH,
	ST_FINISH_SAME,
	ST_RETRY,
	ST_FETCH_ADD,
	ST_SEGMENT_END,
	ST_PRIOR,
	ST_ROBOTS_GET,
	ST_PARENT,
	ST_ROBOTS_PUT,
	ST_FAIL_HOST,
	ST_EXCLUDE,
	ST_REDIRECT,
	ST_CHAIN_STEP,
	ST_QUEUED,
	ST_RUN_ADD,
	ST_RUN_UPDATE,
	ST_COUNT,
	ST__N
};

static const char *const stmt_sql[ST__N] = {
	[ST_INSERT_URL] = "INSERT INTO urls(url, hash, host_id, state, reason, depth,"
			  " parent_id, via, redirect_hops, lastmod, discovered_at)"
			  " VALUES(?,?,?,?,?,?,?,?,?,?,(julianday('now') - 2440587.5) * 86400.0)",
	[ST_REVIVE] = "UPDATE urls SET state='queued', reason=NULL, depth=?,"
		      " parent_id=?, via=?, redirect_hops=? WHERE id=? AND state='skipped'",
	[ST_HOST_GET] = "SELECT id FROM hosts WHERE origin=?",
	[ST_HOST_ADD] = "INSERT INTO hosts(origin, host) VALUES(?,?)",
	[ST_HOST_SET] = "UPDATE hosts SET ip=?, dns_error=? WHERE id=?",
	[ST_LEASE] = "UPDATE urls SET state='leased' WHERE id=?",
	[ST_FINISH] = "UPDATE urls SET state=?, fetched_at=?, status=?,"
		      " content_type=?, length=?, title=?, links=?, error=?,"
		      " error_detail=?, warc_segment=?, warc_offset=?,"
		      " warc_length=?, payload_digest=?, warc_request_length=?,"
		      " extracted=?, etag=?, last_modified=?, fetch_id=?, robots_meta=?,"
		      " retries=0, retry_at=NULL WHERE id=?",
	[ST_RETRY] = "UPDATE urls SET state='queued', retries=retries+1, retry_at=?,"
		     " fetched_at=?, status=?, error=?, error_detail=?, fetch_id=? WHERE id=?",
	[ST_FINISH_SAME] = "UPDATE urls SET state='done', fetched_at=?, error=NULL,"
			   " error_detail=?, fetch_id=?, retries=0, retry_at=NULL WHERE id=?",
	[ST_FETCH_ADD] = "INSERT INTO fetches(url_id, run_id, fetched_at, status, error,"
			 " error_detail, length, record, profile, warc_segment, warc_offset,"
			 " warc_length, warc_request_length, payload_digest, record_id,"
			 " warc_date) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[ST_SEGMENT_END] = "INSERT INTO segments(id, committed_end) VALUES(?,?)"
			   " ON CONFLICT(id) DO UPDATE SET committed_end ="
			   " max(committed_end, excluded.committed_end)",
	[ST_PRIOR] = "SELECT u.etag, u.last_modified, f.record_id, f.warc_date FROM urls u"
		     " LEFT JOIN fetches f ON f.url_id = u.id"
		     " AND f.warc_segment = u.warc_segment AND f.warc_offset = u.warc_offset"
		     " WHERE u.id=?",
	[ST_FAIL_HOST] = "UPDATE urls SET state='failed', error=?, error_detail=?,"
			 " fetched_at=? WHERE host_id=? AND state='queued'",
	[ST_EXCLUDE] = "UPDATE urls SET state='failed', error=?, error_detail=?,"
		       " fetched_at=? WHERE id=?",
	[ST_REDIRECT] = "INSERT INTO redirects(from_id, to_id, status, location, at)"
			" VALUES(?,?,?,?,?)",
	[ST_CHAIN_STEP] = "SELECT parent_id FROM urls WHERE id=? AND via='redirect'",
	[ST_QUEUED] = "SELECT id, url, depth, redirect_hops, fetched_at IS NOT NULL, via, retries"
		      " FROM urls"
		      " WHERE host_id=? AND state='queued' AND (retry_at IS NULL OR retry_at <= ?)"
		      " ORDER BY id LIMIT ?",
	[ST_PARENT] = "SELECT p.url FROM urls u JOIN urls p ON p.id = u.parent_id WHERE u.id=?",
	[ST_ROBOTS_GET] = "SELECT fetched_at, expires_at, status, body FROM robots WHERE host_id=?",
	[ST_ROBOTS_PUT] = "INSERT OR REPLACE INTO robots(host_id, fetched_at, expires_at, status,"
			  " url, body) VALUES(?,?,?,?,?,?)",
	[ST_RUN_ADD] = "INSERT INTO runs(started_at, pid, config) VALUES(?,?,?)",
	[ST_RUN_UPDATE] = "UPDATE runs SET pages=?, bytes=?, ended_at=?,"
			  " exit_code=?, end_reason=? WHERE id=?",
	[ST_COUNT] = "SELECT state, count(*) FROM urls GROUP BY state",
};

struct frontier {
	sqlite3 *db;
	sqlite3_stmt *st[ST__N];
	struct seen *seen;
	size_t seen_cap, seen_n; /* cap is a power of two */
	int disk_full;           /* the last error was SQLITE_FULL */
	uint32_t seg;            /* a segment's committed end not yet written */
	uint64_t seg_end;
	int seg_dirty;
	char *prior[4];          /* the strings frontier_prior hands out */
	void *robots_body;       /* the body frontier_robots_get hands out */
	char *parent_url;        /* the string frontier_parent_url hands out */
	char err[512];
};

static const char *const skip_names[] = {
	[FRONTIER_QUEUE] = NULL,
	[FRONTIER_SKIP_NOFOLLOW] = "nofollow",
	[FRONTIER_SKIP_DEPTH] = "depth",
	[FRONTIER_SKIP_ASSET] = "asset",
	[FRONTIER_SKIP_SCOPE_HOST] = "scope:host",
	[FRONTIER_SKIP_SCOPE_DOMAIN] = "scope:domain",
	[FRONTIER_SKIP_ALLOW] = "allow",
	[FRONTIER_SKIP_DENY] = "deny",
	[FRONTIER_SKIP_REDIRECTS] = "redirects",
	[FRONTIER_SKIP_URL_LENGTH] = "url-length",
	[FRONTIER_SKIP_REPEATS] = "repeats",
	[FRONTIER_SKIP_HOST_PAGES] = "host-pages",
};

const char *frontier_skip_name(enum frontier_skip reason)
{
	return skip_names[reason];
}

static int skip_from_name(const char *name)
{
	if (!name)
		return FRONTIER_QUEUE;
	for (size_t i = 1; i < sizeof skip_names / sizeof *skip_names; i++)
		if (strcmp(name, skip_names[i]) == 0)
			return (int)i;
	return FRONTIER_QUEUE;
}

/* Skips that depend on the path to a URL, not on the URL. */
int frontier_skip_revivable(enum frontier_skip skip)
{
	return skip == FRONTIER_SKIP_NOFOLLOW || skip == FRONTIER_SKIP_DEPTH ||
	       skip == FRONTIER_SKIP_ASSET;
}

static int fail(struct frontier *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct frontier *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->err, sizeof f->err, fmt, ap);
	va_end(ap);
	return -1;
}

static int db_fail(struct frontier *f, const char *what)
{
	f->disk_full = sqlite3_errcode(f->db) == SQLITE_FULL;
	return fail(f, "%s: %s", what, sqlite3_errmsg(f->db));
}

const char *frontier_errmsg(const struct frontier *f)
{
	return f->err;
}

int frontier_disk_full(const struct frontier *f)
{
	return f->disk_full;
}

/* ---- the dedup table ---- */

static uint64_t seen_key(uint64_t hash)
{
	return hash ? hash : 1;
}

static struct seen *seen_slot(struct seen *table, size_t cap, uint64_t key)
{
	/* url_hash is FNV-1a, whose low bits mix poorly; the table indexes by
	 * low bits, so mix first (the murmur3 finalizer) */
	uint64_t x = key;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	size_t i = (size_t)x & (cap - 1);
	while (table[i].key && table[i].key != key)
		i = (i + 1) & (cap - 1);
	return &table[i];
}

static int seen_grow(struct frontier *f)
{
	size_t cap = f->seen_cap ? f->seen_cap * 2 : 1u << 16;
	struct seen *table = calloc(cap, sizeof *table);
	if (!table)
		return fail(f, "out of memory for the URL table");
	for (size_t i = 0; i < f->seen_cap; i++)
		if (f->seen[i].key)
			*seen_slot(table, cap, f->seen[i].key) = f->seen[i];
	free(f->seen);
	f->seen = table;
	f->seen_cap = cap;
	return 0;
}

static int seen_add(struct frontier *f, uint64_t hash, int64_t id, int skip)
{
	if ((f->seen_n + 1) * 4 > f->seen_cap * 3 && seen_grow(f))
		return -1;
	struct seen *s = seen_slot(f->seen, f->seen_cap, seen_key(hash));
	if (!s->key)
		f->seen_n++;
	*s = (struct seen){seen_key(hash), (uint32_t)id, (uint8_t)skip};
	return 0;
}

static struct seen *seen_find(const struct frontier *f, uint64_t hash)
{
	if (!f->seen_cap)
		return NULL;
	struct seen *s = seen_slot(f->seen, f->seen_cap, seen_key(hash));
	return s->key ? s : NULL;
}

int frontier_seen(const struct frontier *f, uint64_t hash, int64_t *id)
{
	const struct seen *s = seen_find(f, hash);
	if (s && id)
		*id = s->id;
	return s ? s->skip : -1;
}

/* ---- open / close ---- */

static int load_seen(struct frontier *f)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(f->db, "SELECT hash, id, reason FROM urls", -1,
			       &st, NULL) != SQLITE_OK)
		return db_fail(f, "loading URLs");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *reason = (const char *)sqlite3_column_text(st, 2);
		if (seen_add(f, (uint64_t)sqlite3_column_int64(st, 0),
			     sqlite3_column_int64(st, 1), skip_from_name(reason))) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(f, "loading URLs");
}

/* Columns added after version 1, by the version that added them. */
static const struct column {
	int version;
	const char *table, *name, *type;
} added_columns[] = {
	{2, "urls", "warc_request_length", "INTEGER"},
	{2, "urls", "extracted", "TEXT"},
	{3, "urls", "etag", "TEXT"},
	{3, "urls", "last_modified", "TEXT"},
	{3, "urls", "fetch_id", "INTEGER"},
	{3, "runs", "end_reason", "TEXT"},
	{4, "urls", "robots_meta", "TEXT"},
	{4, "urls", "lastmod", "TEXT"},
	{5, "urls", "retries", "INTEGER NOT NULL DEFAULT 0"},
	{5, "urls", "retry_at", "REAL"},
};

/* What an upgrade to a version fills in, after its columns exist. */
static const char *const backfill[SCHEMA_VERSION + 1] = {
	/* each earlier fetch becomes its first history row */
	[3] = "INSERT INTO fetches(url_id, fetched_at, status, error, error_detail, length,"
	      " record, warc_segment, warc_offset, warc_length, warc_request_length,"
	      " payload_digest) SELECT id, fetched_at, status, error, error_detail, length,"
	      " CASE WHEN warc_segment IS NULL THEN NULL ELSE 'response' END, warc_segment,"
	      " warc_offset, warc_length, warc_request_length, payload_digest FROM urls"
	      " WHERE fetched_at IS NOT NULL AND state IN ('done', 'failed');"
	      "UPDATE urls SET fetch_id = (SELECT max(id) FROM fetches WHERE url_id = urls.id);"
	      "INSERT INTO segments SELECT warc_segment, max(warc_offset + warc_length)"
	      " FROM urls WHERE warc_segment IS NOT NULL GROUP BY warc_segment;",
};

/* Tables that CREATE IF NOT EXISTS just made already have the column. */
static int add_column(struct frontier *f, const struct column *col)
{
	char sql[256];
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(f->db, "SELECT 1 FROM pragma_table_info(?) WHERE name=?",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, col->table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, col->name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_ROW ? 0 : -1;
	snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", col->table,
		 col->name, col->type);
	return sqlite3_exec(f->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int upgrade_to(struct frontier *f, int version)
{
	for (size_t i = 0; i < sizeof added_columns / sizeof *added_columns; i++)
		if (added_columns[i].version == version && add_column(f, &added_columns[i]))
			return -1;
	if (backfill[version] &&
	    sqlite3_exec(f->db, backfill[version], NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/* Brings a database written by an older version to the current schema. */
static int migrate(struct frontier *f)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(f->db, "SELECT value FROM meta WHERE key='schema_version'",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(f, "reading the schema version");
	/* no version yet: the tables were just created as they are now */
	int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : SCHEMA_VERSION;
	sqlite3_finalize(st);
	if (version > SCHEMA_VERSION)
		return fail(f, "written by a newer crawler (schema %d, this one knows %d)",
			    version, SCHEMA_VERSION);
	/* one transaction: a failed step leaves the database as it was */
	char sql[128];
	snprintf(sql, sizeof sql,
		 "INSERT OR REPLACE INTO meta VALUES('schema_version', '%d'); COMMIT;",
		 SCHEMA_VERSION);
	if (sqlite3_exec(f->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(f, "upgrading the schema");
	while (version < SCHEMA_VERSION)
		if (upgrade_to(f, ++version))
			goto rollback;
	if (sqlite3_exec(f->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
rollback:
	db_fail(f, "upgrading the schema");
	sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int setup_db(struct frontier *f, enum frontier_sync sync)
{
	static const char *const sync_names[] = {
		[FRONTIER_SYNC_OFF] = "OFF", [FRONTIER_SYNC_NORMAL] = "NORMAL",
		[FRONTIER_SYNC_FULL] = "FULL",
	};
	char pragmas[256];
	snprintf(pragmas, sizeof pragmas,
		 "PRAGMA journal_mode=WAL;"
		 "PRAGMA synchronous=%s;"
		 "PRAGMA cache_size=-65536;"
		 "PRAGMA temp_store=MEMORY;", sync_names[sync]);
	char *msg = NULL;
	/* CREATE IF NOT EXISTS leaves an older database's tables as they
	 * were; migrate() adds what they lack */
	if (sqlite3_exec(f->db, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(f->db, frontier_schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
		fail(f, "%s", msg ? msg : sqlite3_errmsg(f->db));
		sqlite3_free(msg);
		return -1;
	}
	if (migrate(f))
		return -1;
	/* leases of a process that died go back to the queue */
	if (sqlite3_exec(f->db, "UPDATE urls SET state='queued' WHERE state='leased'",
			 NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(f, "requeueing leases");
	for (int i = 0; i < ST__N; i++)
		if (sqlite3_prepare_v3(f->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &f->st[i], NULL) != SQLITE_OK)
			return db_fail(f, "preparing statements");
	if (load_seen(f))
		return -1;
	if (sqlite3_exec(f->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(f, "BEGIN");
	return 0;
}

struct frontier *frontier_open(const char *path, enum frontier_sync sync,
			       char **err)
{
	struct frontier *f = calloc(1, sizeof *f);
	if (!f) {
		*err = strdup("out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &f->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					       SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		db_fail(f, "cannot open");
		goto failed;
	}
	sqlite3_busy_timeout(f->db, 10000);
	if (setup_db(f, sync))
		goto failed;
	return f;
failed:
	if (asprintf(err, "%s: %s", path, f->err) < 0)
		*err = NULL;
	frontier_close(&f);
	return NULL;
}

static int write_segment_end(struct frontier *f);

void frontier_close(struct frontier **fp)
{
	struct frontier *f = *fp;
	if (!f)
		return;
	if (f->db && !sqlite3_get_autocommit(f->db) && write_segment_end(f) == 0)
		sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL);
	for (int i = 0; i < ST__N; i++)
		sqlite3_finalize(f->st[i]);
	sqlite3_close(f->db);
	for (int i = 0; i < 4; i++)
		free(f->prior[i]);
	free(f->robots_body);
	free(f->parent_url);
	free(f->seen);
	free(f);
	*fp = NULL;
}

int frontier_commit(struct frontier *f)
{
	if (write_segment_end(f))
		return -1;
	if (sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(f, "COMMIT");
	if (sqlite3_exec(f->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(f, "BEGIN");
	return 0;
}

/* ---- statement helpers ---- */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(st, i, id);
	else
		sqlite3_bind_null(st, i);
}

/* Runs a statement that returns no rows, then resets it. */
static int run(struct frontier *f, enum stmt which, const char *what)
{
	sqlite3_stmt *st = f->st[which];
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : db_fail(f, what);
}

/* ---- runs and hosts ---- */

int64_t frontier_run_begin(struct frontier *f, double now, int pid,
			   const char *config)
{
	sqlite3_stmt *st = f->st[ST_RUN_ADD];
	sqlite3_bind_double(st, 1, now);
	sqlite3_bind_int(st, 2, pid);
	bind_text(st, 3, config);
	if (run(f, ST_RUN_ADD, "recording the run"))
		return -1;
	return sqlite3_last_insert_rowid(f->db);
}

int frontier_run_update(struct frontier *f, int64_t run_id, int64_t pages,
			int64_t bytes, double ended_at, int exit_code,
			const char *end_reason)
{
	sqlite3_stmt *st = f->st[ST_RUN_UPDATE];
	sqlite3_bind_int64(st, 1, pages);
	sqlite3_bind_int64(st, 2, bytes);
	if (ended_at > 0) {
		sqlite3_bind_double(st, 3, ended_at);
		sqlite3_bind_int(st, 4, exit_code);
		bind_text(st, 5, end_reason);
	}
	sqlite3_bind_int64(st, 6, run_id);
	return run(f, ST_RUN_UPDATE, "updating the run");
}

int64_t frontier_host(struct frontier *f, const char *origin, const char *host)
{
	sqlite3_stmt *st = f->st[ST_HOST_GET];
	bind_text(st, 1, origin);
	int rc = sqlite3_step(st);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(f, "looking up a host");
	if (id)
		return id;
	st = f->st[ST_HOST_ADD];
	bind_text(st, 1, origin);
	bind_text(st, 2, host);
	if (run(f, ST_HOST_ADD, "adding a host"))
		return -1;
	return sqlite3_last_insert_rowid(f->db);
}

int frontier_host_set(struct frontier *f, int64_t host_id, const char *ip,
		      const char *dns_error)
{
	sqlite3_stmt *st = f->st[ST_HOST_SET];
	bind_text(st, 1, ip);
	bind_text(st, 2, dns_error);
	sqlite3_bind_int64(st, 3, host_id);
	return run(f, ST_HOST_SET, "updating a host");
}

/* ---- URLs ---- */

static int insert_url(struct frontier *f, const struct frontier_url *u,
		      int64_t *id)
{
	sqlite3_stmt *st = f->st[ST_INSERT_URL];
	sqlite3_bind_text(st, 1, u->url, (int)u->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)u->hash);
	bind_id(st, 3, u->host_id);
	bind_text(st, 4, u->skip == FRONTIER_QUEUE ? "queued" : "skipped");
	bind_text(st, 5, frontier_skip_name(u->skip));
	sqlite3_bind_int(st, 6, u->depth);
	bind_id(st, 7, u->parent_id);
	bind_text(st, 8, u->via);
	sqlite3_bind_int(st, 9, u->redirect_hops);
	bind_text(st, 10, u->lastmod);
	if (run(f, ST_INSERT_URL, "adding a URL"))
		return -1;
	*id = sqlite3_last_insert_rowid(f->db);
	return seen_add(f, u->hash, *id, u->skip);
}

static int revive_url(struct frontier *f, const struct frontier_url *u,
		      struct seen *s)
{
	sqlite3_stmt *st = f->st[ST_REVIVE];
	sqlite3_bind_int(st, 1, u->depth);
	bind_id(st, 2, u->parent_id);
	bind_text(st, 3, u->via);
	sqlite3_bind_int(st, 4, u->redirect_hops);
	sqlite3_bind_int64(st, 5, s->id);
	if (run(f, ST_REVIVE, "queueing a URL"))
		return -1;
	s->skip = FRONTIER_QUEUE;
	return 0;
}

int frontier_discover(struct frontier *f, const struct frontier_url *u,
		      enum frontier_found *found, int64_t *id)
{
	struct seen *s = seen_find(f, u->hash);
	if (!s) {
		*found = FRONTIER_NEW;
		return insert_url(f, u, id);
	}
	*id = s->id;
	*found = FRONTIER_KNOWN;
	if (u->skip != FRONTIER_QUEUE || !frontier_skip_revivable(s->skip))
		return 0;
	*found = FRONTIER_REVIVED;
	return revive_url(f, u, s);
}

long frontier_queued(struct frontier *f, int64_t host_id, double now, long limit,
		     frontier_queued_fn fn, void *ctx)
{
	sqlite3_stmt *st = f->st[ST_QUEUED];
	sqlite3_bind_int64(st, 1, host_id);
	sqlite3_bind_double(st, 2, now);
	sqlite3_bind_int64(st, 3, limit);
	long n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct frontier_queued_url u = {
			.id = sqlite3_column_int64(st, 0),
			.url = (const char *)sqlite3_column_text(st, 1),
			.depth = sqlite3_column_int(st, 2),
			.redirect_hops = sqlite3_column_int(st, 3),
			.fetched_before = sqlite3_column_int(st, 4),
			.via = (const char *)sqlite3_column_text(st, 5),
			.retries = sqlite3_column_int(st, 6),
		};
		fn(ctx, &u);
		n++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : db_fail(f, "loading queued URLs");
}

/* Runs a one-off query and calls row(st, ctx) per row. */
static int each_row(struct frontier *f, const char *sql,
		    void (*row)(sqlite3_stmt *st, void *ctx), void *ctx)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(f->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(f, "query");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		row(st, ctx);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(f, "query");
}

struct host_rows {
	void (*fn)(void *ctx, int64_t host_id, const char *origin);
	void *ctx;
};

static void host_row(sqlite3_stmt *st, void *ctx)
{
	struct host_rows *h = ctx;
	h->fn(h->ctx, sqlite3_column_int64(st, 0),
	      (const char *)sqlite3_column_text(st, 1));
}

double frontier_next_retry(struct frontier *f, double now)
{
	sqlite3_stmt *st;
	double when = 0;
	if (sqlite3_prepare_v2(f->db, "SELECT min(retry_at) FROM urls WHERE state='queued'"
			       " AND retry_at > ?", -1, &st, NULL) != SQLITE_OK)
		return db_fail(f, "looking for retries");
	sqlite3_bind_double(st, 1, now);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		when = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? when : db_fail(f, "looking for retries");
}

int frontier_due_hosts(struct frontier *f, double now,
		       void (*fn)(void *ctx, int64_t host_id, const char *origin),
		       void *ctx)
{
	struct host_rows h = {fn, ctx};
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT id, origin FROM hosts WHERE id IN (SELECT DISTINCT host_id FROM urls"
		 " WHERE state='queued' AND retry_at IS NOT NULL AND retry_at <= %.6f)", now);
	return each_row(f, sql, host_row, &h);
}

int frontier_queued_hosts(struct frontier *f,
			  void (*fn)(void *ctx, int64_t host_id,
				     const char *origin),
			  void *ctx)
{
	struct host_rows h = {fn, ctx};
	return each_row(f,
			"SELECT id, origin FROM hosts WHERE id IN"
			" (SELECT DISTINCT host_id FROM urls WHERE state='queued')",
			host_row, &h);
}

struct admitted_rows {
	void (*fn)(void *ctx, int64_t host_id, int64_t n);
	void *ctx;
};

static void admitted_row(sqlite3_stmt *st, void *ctx)
{
	struct admitted_rows *a = ctx;
	a->fn(a->ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
}

int frontier_host_admitted(struct frontier *f,
			   void (*fn)(void *ctx, int64_t host_id, int64_t n), void *ctx)
{
	struct admitted_rows a = {fn, ctx};
	return each_row(f, "SELECT host_id, count(*) FROM urls WHERE host_id IS NOT NULL"
			" AND state != 'skipped' GROUP BY host_id", admitted_row, &a);
}

struct seed_rows {
	void (*fn)(void *ctx, const char *url);
	void *ctx;
};

static void seed_row(sqlite3_stmt *st, void *ctx)
{
	struct seed_rows *r = ctx;
	r->fn(r->ctx, (const char *)sqlite3_column_text(st, 0));
}

int frontier_seeds(struct frontier *f, void (*fn)(void *ctx, const char *url),
		   void *ctx)
{
	struct seed_rows r = {fn, ctx};
	return each_row(f, "SELECT url FROM urls WHERE via='seed'", seed_row, &r);
}

int frontier_lease(struct frontier *f, int64_t id)
{
	sqlite3_bind_int64(f->st[ST_LEASE], 1, id);
	return run(f, ST_LEASE, "leasing a URL");
}

static void bind_length(sqlite3_stmt *st, int i, int64_t n)
{
	if (n >= 0)
		sqlite3_bind_int64(st, i, n);
	else
		sqlite3_bind_null(st, i);
}

static void bind_record(sqlite3_stmt *st, int i, const struct frontier_fetch *r)
{
	if (!r->has_record)
		return;
	sqlite3_bind_int64(st, i, r->warc_segment);
	sqlite3_bind_int64(st, i + 1, (int64_t)r->warc_offset);
	sqlite3_bind_int64(st, i + 2, (int64_t)r->warc_length);
	sqlite3_bind_int64(st, i + 3, (int64_t)r->warc_request_length);
}

/* The history row; returns its id or -1. */
static int64_t add_fetch(struct frontier *f, const struct frontier_fetch *r)
{
	sqlite3_stmt *st = f->st[ST_FETCH_ADD];
	sqlite3_bind_int64(st, 1, r->id);
	bind_id(st, 2, r->run_id);
	sqlite3_bind_double(st, 3, r->fetched_at);
	bind_length(st, 4, r->status ? r->status : -1);
	bind_text(st, 5, r->error);
	bind_text(st, 6, r->error_detail);
	bind_length(st, 7, r->length);
	if (r->has_record) {
		bind_text(st, 8, r->record);
		bind_text(st, 9, r->profile);
		bind_record(st, 10, r);
		bind_text(st, 14, r->payload_digest);
		bind_text(st, 15, r->record_id);
		bind_text(st, 16, r->warc_date);
	}
	if (run(f, ST_FETCH_ADD, "recording a fetch"))
		return -1;
	return sqlite3_last_insert_rowid(f->db);
}

static int write_segment_end(struct frontier *f)
{
	sqlite3_stmt *st = f->st[ST_SEGMENT_END];
	if (!f->seg_dirty)
		return 0;
	f->seg_dirty = 0;
	sqlite3_bind_int64(st, 1, f->seg);
	sqlite3_bind_int64(st, 2, (int64_t)f->seg_end);
	return run(f, ST_SEGMENT_END, "recording a segment's end");
}

/* The segment's committed end grows with each record whose row commits; it
 * is written once per batch (or when the records move to the next segment)
 * rather than once per fetch. */
int frontier_segment_end(struct frontier *f, uint32_t segment, uint64_t end)
{
	if (f->seg_dirty && f->seg != segment && write_segment_end(f))
		return -1;
	if (!f->seg_dirty || f->seg != segment || end > f->seg_end)
		f->seg_end = end;
	f->seg = segment;
	f->seg_dirty = 1;
	return 0;
}

static int finish_same(struct frontier *f, const struct frontier_fetch *r,
		       int64_t fetch_id)
{
	sqlite3_stmt *st = f->st[ST_FINISH_SAME];
	sqlite3_bind_double(st, 1, r->fetched_at);
	bind_text(st, 2, r->error_detail);
	sqlite3_bind_int64(st, 3, fetch_id);
	sqlite3_bind_int64(st, 4, r->id);
	return run(f, ST_FINISH_SAME, "recording a fetch");
}

static int retry_url(struct frontier *f, const struct frontier_fetch *r, int64_t fetch_id)
{
	sqlite3_stmt *st = f->st[ST_RETRY];
	sqlite3_bind_double(st, 1, r->retry_at);
	sqlite3_bind_double(st, 2, r->fetched_at);
	bind_length(st, 3, r->status ? r->status : -1);
	bind_text(st, 4, r->error);
	bind_text(st, 5, r->error_detail);
	sqlite3_bind_int64(st, 6, fetch_id);
	sqlite3_bind_int64(st, 7, r->id);
	return run(f, ST_RETRY, "queueing a retry");
}

static int finish_url(struct frontier *f, const struct frontier_fetch *r,
		      int64_t fetch_id)
{
	sqlite3_stmt *st = f->st[ST_FINISH];
	bind_text(st, 1, r->state);
	sqlite3_bind_double(st, 2, r->fetched_at);
	bind_length(st, 3, r->status ? r->status : -1);
	bind_text(st, 4, r->content_type);
	bind_length(st, 5, r->length);
	bind_text(st, 6, r->title);
	bind_length(st, 7, r->links);
	bind_text(st, 8, r->error);
	bind_text(st, 9, r->error_detail);
	if (r->has_record) {
		sqlite3_bind_int64(st, 10, r->warc_segment);
		sqlite3_bind_int64(st, 11, (int64_t)r->warc_offset);
		sqlite3_bind_int64(st, 12, (int64_t)r->warc_length);
		bind_text(st, 13, r->payload_digest);
		sqlite3_bind_int64(st, 14, (int64_t)r->warc_request_length);
	}
	bind_text(st, 15, r->extracted);
	bind_text(st, 16, r->etag);
	bind_text(st, 17, r->last_modified);
	sqlite3_bind_int64(st, 18, fetch_id);
	bind_text(st, 19, r->robots_meta);
	sqlite3_bind_int64(st, 20, r->id);
	return run(f, ST_FINISH, "recording a fetch");
}

int frontier_finish(struct frontier *f, const struct frontier_fetch *r)
{
	int64_t fetch_id = add_fetch(f, r);
	if (fetch_id < 0 || (r->has_record &&
			     frontier_segment_end(f, r->warc_segment, r->warc_offset + r->warc_length)))
		return -1;
	if (r->retry_at > 0)
		return retry_url(f, r, fetch_id);
	return r->not_modified ? finish_same(f, r, fetch_id) : finish_url(f, r, fetch_id);
}

int64_t frontier_fail_host(struct frontier *f, int64_t host_id, const char *error,
			   const char *detail, double now)
{
	sqlite3_stmt *st = f->st[ST_FAIL_HOST];
	bind_text(st, 1, error);
	bind_text(st, 2, detail);
	sqlite3_bind_double(st, 3, now);
	sqlite3_bind_int64(st, 4, host_id);
	if (run(f, ST_FAIL_HOST, "failing a host's URLs"))
		return -1;
	return sqlite3_changes(f->db);
}

int frontier_exclude(struct frontier *f, int64_t id, const char *error,
		     const char *detail, double now)
{
	sqlite3_stmt *st = f->st[ST_EXCLUDE];
	bind_text(st, 1, error);
	bind_text(st, 2, detail);
	sqlite3_bind_double(st, 3, now);
	sqlite3_bind_int64(st, 4, id);
	return run(f, ST_EXCLUDE, "excluding a URL");
}

int frontier_requeue_leased(struct frontier *f)
{
	if (sqlite3_exec(f->db, "UPDATE urls SET state='queued' WHERE state='leased'",
			 NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(f, "requeueing leased URLs");
	return 0;
}

int64_t frontier_requeue_fetched(struct frontier *f, double before)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(f->db, "UPDATE urls SET state='queued' WHERE"
			       " state IN ('done', 'failed') AND fetched_at < ?",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(f, "queueing revisits");
	sqlite3_bind_double(st, 1, before);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(f, "queueing revisits");
	return sqlite3_changes(f->db);
}

int frontier_prior(struct frontier *f, int64_t id, struct frontier_prior *p)
{
	sqlite3_stmt *st = f->st[ST_PRIOR];
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	for (int i = 0; i < 4; i++) {
		free(f->prior[i]);
		const char *v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, i) : NULL;
		f->prior[i] = v ? strdup(v) : NULL;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(f, "reading a URL's last fetch");
	*p = (struct frontier_prior){f->prior[0], f->prior[1], f->prior[2], f->prior[3]};
	return 0;
}

int frontier_robots_get(struct frontier *f, int64_t host_id, struct frontier_robots *r)
{
	sqlite3_stmt *st = f->st[ST_ROBOTS_GET];
	sqlite3_bind_int64(st, 1, host_id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : db_fail(f, "reading a robots.txt");
	}
	r->fetched_at = sqlite3_column_double(st, 0);
	r->expires_at = sqlite3_column_double(st, 1);
	r->status = sqlite3_column_int(st, 2);
	r->len = (size_t)sqlite3_column_bytes(st, 3);
	r->body = NULL;
	if (sqlite3_column_type(st, 3) == SQLITE_BLOB) {
		void *copy = realloc(f->robots_body, r->len ? r->len : 1);
		if (!copy) {
			sqlite3_reset(st);
			return fail(f, "out of memory reading a robots.txt");
		}
		memcpy(copy, sqlite3_column_blob(st, 3), r->len);
		r->body = f->robots_body = copy;
	}
	sqlite3_reset(st);
	return 1;
}

int frontier_robots_put(struct frontier *f, int64_t host_id, const struct frontier_robots *r,
			const char *url)
{
	sqlite3_stmt *st = f->st[ST_ROBOTS_PUT];
	sqlite3_bind_int64(st, 1, host_id);
	sqlite3_bind_double(st, 2, r->fetched_at);
	sqlite3_bind_double(st, 3, r->expires_at);
	if (r->status)
		sqlite3_bind_int64(st, 4, r->status);
	bind_text(st, 5, url);
	if (r->body)
		sqlite3_bind_blob(st, 6, r->body, (int)r->len, SQLITE_STATIC);
	return run(f, ST_ROBOTS_PUT, "caching a robots.txt");
}

const char *frontier_parent_url(struct frontier *f, int64_t id)
{
	sqlite3_stmt *st = f->st[ST_PARENT];
	sqlite3_bind_int64(st, 1, id);
	free(f->parent_url);
	f->parent_url = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		f->parent_url = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return f->parent_url;
}

struct segment_rows {
	void (*fn)(void *ctx, uint32_t segment, uint64_t committed_end);
	void *ctx;
};

static void segment_row(sqlite3_stmt *st, void *ctx)
{
	struct segment_rows *r = ctx;
	r->fn(r->ctx, (uint32_t)sqlite3_column_int64(st, 0),
	      (uint64_t)sqlite3_column_int64(st, 1));
}

int frontier_segments(struct frontier *f,
		      void (*fn)(void *ctx, uint32_t segment, uint64_t committed_end),
		      void *ctx)
{
	struct segment_rows r = {fn, ctx};
	return each_row(f, "SELECT id, committed_end FROM segments", segment_row, &r);
}

struct payload_rows {
	void (*fn)(void *ctx, const char *digest, uint32_t segment,
		   uint64_t offset, uint64_t length);
	void *ctx;
};

static void payload_row(sqlite3_stmt *st, void *ctx)
{
	struct payload_rows *r = ctx;
	r->fn(r->ctx, (const char *)sqlite3_column_text(st, 0),
	      (uint32_t)sqlite3_column_int64(st, 1), (uint64_t)sqlite3_column_int64(st, 2),
	      (uint64_t)sqlite3_column_int64(st, 3));
}

int frontier_payloads(struct frontier *f, int64_t min_length,
		      void (*fn)(void *ctx, const char *digest, uint32_t segment,
				 uint64_t offset, uint64_t length),
		      void *ctx)
{
	struct payload_rows r = {fn, ctx};
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT payload_digest, warc_segment, warc_offset, warc_length FROM fetches"
		 " WHERE record = 'response' AND payload_digest IS NOT NULL AND length >= %lld",
		 (long long)min_length);
	return each_row(f, sql, payload_row, &r);
}

int frontier_stored_config(const char *path, char **config, char **err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;
	*config = NULL;
	if (access(path, F_OK) != 0)
		return 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto done;
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_prepare_v2(db, "SELECT config FROM runs ORDER BY id DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		goto done;
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW && sqlite3_column_text(st, 0) &&
	    !(*config = strdup((const char *)sqlite3_column_text(st, 0))))
		goto done;
	rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
done:
	if (rc && asprintf(err, "%s: reading the stored configuration: %s", path,
			   db ? sqlite3_errmsg(db) : "out of memory") < 0)
		*err = NULL;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

int frontier_redirect(struct frontier *f, int64_t from_id, int64_t to_id,
		      long status, const char *location, double now)
{
	sqlite3_stmt *st = f->st[ST_REDIRECT];
	sqlite3_bind_int64(st, 1, from_id);
	bind_id(st, 2, to_id);
	sqlite3_bind_int64(st, 3, status);
	bind_text(st, 4, location);
	sqlite3_bind_double(st, 5, now);
	return run(f, ST_REDIRECT, "recording a redirect");
}

int frontier_in_chain(struct frontier *f, int64_t id, int64_t target_id,
		      int max_hops)
{
	sqlite3_stmt *st = f->st[ST_CHAIN_STEP];
	for (int hop = 0; hop <= max_hops && id > 0; hop++) {
		if (id == target_id)
			return 1;
		sqlite3_bind_int64(st, 1, id);
		int rc = sqlite3_step(st);
		id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return db_fail(f, "following a redirect chain");
	}
	return 0;
}

int frontier_count(struct frontier *f, struct frontier_counts *c)
{
	sqlite3_stmt *st = f->st[ST_COUNT];
	memset(c, 0, sizeof *c);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);
		int64_t n = sqlite3_column_int64(st, 1);
		if (!s)
			continue;
		if (!strcmp(s, "queued") || !strcmp(s, "leased"))
			c->queued += n;
		else if (!strcmp(s, "done"))
			c->done += n;
		else if (!strcmp(s, "failed"))
			c->failed += n;
		else if (!strcmp(s, "skipped"))
			c->skipped += n;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(f, "counting URLs");
}
