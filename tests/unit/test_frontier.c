/* frontier: dedup, revival of path-dependent skips, windows of queued URLs,
 * leases returning to the queue on reopen, redirect chains, counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "frontier.h"
#include "url.h"

static char dir[] = "/tmp/test_frontier_XXXXXX";
static char path[256];

static int64_t add(struct frontier *f, const char *url, int64_t host,
		   enum frontier_skip skip, int depth, enum frontier_found *found)
{
	struct frontier_url u = {.url = url, .len = strlen(url),
				 .hash = url_hash(url, strlen(url)), .host_id = host,
				 .skip = skip, .depth = depth, .via = "a"};
	int64_t id = -1;
	CHECK(frontier_discover(f, &u, found, &id) == 0);
	return id;
}

static void count_row(void *ctx, const struct frontier_queued_url *u)
{
	(*(int *)ctx)++;
}

static void test_dedup_and_revive(struct frontier *f, int64_t host)
{
	enum frontier_found found;
	int64_t a = add(f, "http://h/a", host, FRONTIER_QUEUE, 1, &found);
	CHECK(found == FRONTIER_NEW && a > 0);
	CHECK(add(f, "http://h/a", host, FRONTIER_QUEUE, 1, &found) == a);
	CHECK(found == FRONTIER_KNOWN);
	int64_t id = -1;
	CHECK(frontier_seen(f, url_hash("http://h/a", 10), &id) == FRONTIER_QUEUE && id == a);
	CHECK(frontier_seen(f, url_hash("http://h/zz", 11), NULL) == -1);

	/* nofollow first, then a followable link: queued */
	int64_t b = add(f, "http://h/b", host, FRONTIER_SKIP_NOFOLLOW, 1, &found);
	CHECK(found == FRONTIER_NEW);
	CHECK(add(f, "http://h/b", host, FRONTIER_SKIP_DEPTH, 5, &found) == b);
	CHECK(found == FRONTIER_KNOWN);
	CHECK(add(f, "http://h/b", host, FRONTIER_QUEUE, 2, &found) == b);
	CHECK(found == FRONTIER_REVIVED);
	CHECK(frontier_seen(f, url_hash("http://h/b", 10), &id) == FRONTIER_QUEUE && id == b);

	/* out of scope is final */
	add(f, "http://x/c", 0, FRONTIER_SKIP_SCOPE_HOST, 1, &found);
	CHECK(add(f, "http://x/c", 0, FRONTIER_QUEUE, 1, &found) > 0);
	CHECK(found == FRONTIER_KNOWN);
}

static void test_queue_and_leases(struct frontier *f, int64_t host)
{
	int n = 0;
	CHECK(frontier_queued(f, host, 1e18, 10, count_row, &n) == 2); /* a and b */
	CHECK(n == 2);
	int64_t id = -1;
	CHECK(frontier_seen(f, url_hash("http://h/a", 10), &id) == FRONTIER_QUEUE);
	CHECK(frontier_lease(f, id) == 0);
	n = 0;
	CHECK(frontier_queued(f, host, 1e18, 10, count_row, &n) == 1); /* a is leased */
}

static int has_column(const char *db_path, const char *column)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int found = 0;
	if (sqlite3_open(db_path, &db) != SQLITE_OK)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('urls')", -1, &st,
			       NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			found |= strcmp((const char *)sqlite3_column_text(st, 0), column) == 0;
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return found;
}

/* A database written by schema version 1 gains the version 2 columns and
 * keeps its rows. */
static void test_migration(void)
{
	char v1[300], *err = NULL;
	snprintf(v1, sizeof v1, "%s/v1.db", dir);
	sqlite3 *db;
	CHECK(sqlite3_open(v1, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db,
			   "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
			   "INSERT INTO meta VALUES('schema_version', '1');"
			   "CREATE TABLE urls(id INTEGER PRIMARY KEY, url TEXT NOT NULL,"
			   " hash INTEGER NOT NULL, host_id INTEGER, state TEXT NOT NULL,"
			   " reason TEXT, depth INTEGER NOT NULL, parent_id INTEGER,"
			   " via TEXT NOT NULL, redirect_hops INTEGER NOT NULL DEFAULT 0,"
			   " discovered_at REAL NOT NULL, fetched_at REAL, status INTEGER,"
			   " content_type TEXT, length INTEGER, title TEXT, links INTEGER,"
			   " error TEXT, error_detail TEXT, warc_segment INTEGER,"
			   " warc_offset INTEGER, warc_length INTEGER, payload_digest TEXT);"
			   "INSERT INTO urls(url, hash, state, depth, via, discovered_at)"
			   " VALUES('http://h/old', 1, 'done', 0, 'seed', 0);",
			   NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK(!has_column(v1, "extracted"));
	struct frontier *f = frontier_open(v1, FRONTIER_SYNC_NORMAL, &err);
	CHECK(f != NULL);
	struct frontier_counts c;
	CHECK(f && frontier_count(f, &c) == 0 && c.done == 1);
	frontier_close(&f);
	CHECK(has_column(v1, "extracted") && has_column(v1, "warc_request_length"));
	/* opening again does not try to add them twice */
	f = frontier_open(v1, FRONTIER_SYNC_NORMAL, &err);
	CHECK(f != NULL);
	frontier_close(&f);
	free(err);
	unlink(v1);
}

int main(void)
{
	char *err = NULL;
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/crawl.db", dir);
	struct frontier *f = frontier_open(path, FRONTIER_SYNC_NORMAL, &err);
	CHECK(f != NULL);
	if (!f)
		return check_report();
	int64_t host = frontier_host(f, "http://h", "h");
	CHECK(host > 0 && frontier_host(f, "http://h", "h") == host);
	test_dedup_and_revive(f, host);
	test_queue_and_leases(f, host);

	enum frontier_found found;
	int64_t a = add(f, "http://h/r1", host, FRONTIER_QUEUE, 0, &found);
	struct frontier_url r2 = {.url = "http://h/r2", .len = 11,
				  .hash = url_hash("http://h/r2", 11), .host_id = host,
				  .via = "redirect", .redirect_hops = 1, .parent_id = a};
	int64_t b = -1;
	CHECK(frontier_discover(f, &r2, &found, &b) == 0 && found == FRONTIER_NEW);
	CHECK(frontier_redirect(f, a, b, 301, "/r2", 1.0) == 0);
	CHECK(frontier_in_chain(f, b, a, 10) == 1);
	CHECK(frontier_in_chain(f, a, b, 10) == 0);
	/* a link to r1 from elsewhere is not a redirect: no chain through it */
	int64_t r3 = add(f, "http://h/r3", host, FRONTIER_QUEUE, 0, &found);
	CHECK(frontier_in_chain(f, r3, a, 10) == 0);
	frontier_close(&f);
	CHECK(f == NULL);

	/* reopened: the lease went back to the queue, dedup table reloaded */
	f = frontier_open(path, FRONTIER_SYNC_NORMAL, &err);
	CHECK(f != NULL);
	struct frontier_counts c;
	CHECK(frontier_count(f, &c) == 0);
	CHECK(c.queued == 5 && c.skipped == 1 && c.done == 0);
	CHECK(frontier_seen(f, url_hash("http://x/c", 10), NULL) == FRONTIER_SKIP_SCOPE_HOST);
	frontier_close(&f);

	test_migration();

	/* an unusable path is an error naming it */
	f = frontier_open("/nonexistent-dir/crawl.db", FRONTIER_SYNC_NORMAL, &err);
	CHECK(f == NULL && err && strstr(err, "/nonexistent-dir/crawl.db"));
	free(err);
	unlink(path);
	char wal[300];
	snprintf(wal, sizeof wal, "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", path);
	unlink(wal);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	return check_report();
}
