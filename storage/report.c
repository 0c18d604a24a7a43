/* report: `crawler status` and `crawler why`.  See report.h. */
#define _GNU_SOURCE
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static sqlite3 *open_db(const char *dir, FILE *err)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof path, "%s/crawl.db", dir);
	if (stat(path, &st)) {
		fprintf(err, "crawler: no crawl in %s (%s: %s)\n", dir, path, strerror(errno));
		return NULL;
	}
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(err, "crawler: %s: %s\n", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* Prints "label: key n  key n ..." for a two-column query. */
static int print_pairs(sqlite3 *db, FILE *out, const char *label, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	fprintf(out, "%-13s", label);
	int rc, any = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		fprintf(out, " %s %lld ", key ? key : "-", (long long)sqlite3_column_int64(st, 1));
		any = 1;
	}
	fprintf(out, "%s\n", any ? "" : " none");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static long long query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Whether a crawl process holds the directory's lock. */
static int is_running(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/lock", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int busy = flock(fd, LOCK_SH | LOCK_NB) != 0;
	close(fd);
	return busy;
}

static void archive_size(const char *dir, long long *bytes, int *segments)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/warc", dir);
	*bytes = 0;
	*segments = 0;
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat st;
		if (!strstr(e->d_name, ".warc.zst") || fstatat(dirfd(d), e->d_name, &st, 0))
			continue;
		*bytes += st.st_size;
		(*segments)++;
	}
	closedir(d);
}

static void print_rate(sqlite3 *db, FILE *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT id, started_at, ended_at, pages FROM runs"
				   " ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		double start = sqlite3_column_double(st, 1);
		double end = sqlite3_column_type(st, 2) == SQLITE_NULL
				     ? (double)now.tv_sec + (double)now.tv_nsec / 1e9
				     : sqlite3_column_double(st, 2);
		long long pages = sqlite3_column_int64(st, 3);
		double secs = end - start > 0 ? end - start : 1e-9;
		fprintf(out, "%-13s run %lld: %lld pages in %.1f s, %.0f pages/s\n", "latest run",
			(long long)sqlite3_column_int64(st, 0), pages, end - start,
			(double)pages / secs);
	}
	sqlite3_finalize(st);
}

int report_status(const char *dir, FILE *out, FILE *err)
{
	sqlite3 *db = open_db(dir, err);
	if (!db)
		return 1;
	long long arch;
	int segments;
	archive_size(dir, &arch, &segments);
	fprintf(out, "%-13s %s (%s)\n", "crawl", dir,
		is_running(dir) ? "running" : "not running");
	int rc = print_pairs(db, out, "urls",
			     "SELECT state, count(*) FROM urls GROUP BY state ORDER BY state");
	rc |= print_pairs(db, out, "status codes",
			  "SELECT status, count(*) FROM urls WHERE status IS NOT NULL"
			  " GROUP BY status ORDER BY status");
	rc |= print_pairs(db, out, "errors",
			  "SELECT error, count(*) FROM urls WHERE error IS NOT NULL"
			  " GROUP BY error ORDER BY 2 DESC");
	rc |= print_pairs(db, out, "skipped",
			  "SELECT reason, count(*) FROM urls WHERE state='skipped'"
			  " GROUP BY reason ORDER BY 2 DESC");
	fprintf(out, "%-13s %lld\n", "hosts", query_int(db, "SELECT count(*) FROM hosts"));
	fprintf(out, "%-13s received %.1f MB, archived %.1f MB in %d segment%s\n", "bytes",
		(double)query_int(db, "SELECT total(length) FROM urls") / 1e6, (double)arch / 1e6,
		segments, segments == 1 ? "" : "s");
	print_rate(db, out);
	if (rc)
		fprintf(err, "crawler: %s/crawl.db: %s\n", dir, sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc ? -1 : 0;
}

/* ---- why ---- */

static const char *explain_skip(const char *reason)
{
	static const struct {
		const char *reason, *text;
	} texts[] = {
		{"scope:host", "out of scope: its host is not one of the seeds' hosts"},
		{"scope:domain", "out of scope: not in the seeds' domains"},
		{"allow", "matched none of the --allow patterns"},
		{"deny", "matched a --deny pattern"},
		{"depth", "beyond --max-depth"},
		{"nofollow", "found only through nofollow links"},
		{"asset", "a page requisite (fetched only with --page-requisites)"},
		{"redirects", "too many redirects in its chain"},
	};
	for (size_t i = 0; reason && i < sizeof texts / sizeof *texts; i++)
		if (!strcmp(reason, texts[i].reason))
			return texts[i].text;
	return reason ? reason : "";
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

static void print_time(FILE *out, const char *label, double t)
{
	char buf[64];
	time_t secs = (time_t)t;
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(out, "%-13s %s\n", label, buf);
}

static void print_fetch(sqlite3_stmt *st, FILE *out)
{
	/* columns: 0 id 1 url 2 state 3 reason 4 depth 5 via 6 discovered_at
	 * 7 parent url 8 fetched_at 9 status 10 content_type 11 length 12 title
	 * 13 error 14 error_detail 15 segment 16 offset 17 length 18 links */
	if (sqlite3_column_type(st, 8) != SQLITE_NULL)
		print_time(out, "fetched", sqlite3_column_double(st, 8));
	if (sqlite3_column_type(st, 9) != SQLITE_NULL)
		fprintf(out, "%-13s %lld %s, %lld bytes%s%s%s\n", "response",
			(long long)sqlite3_column_int64(st, 9), col(st, 10),
			(long long)sqlite3_column_int64(st, 11),
			*col(st, 12) ? ", title \"" : "", col(st, 12), *col(st, 12) ? "\"" : "");
	if (sqlite3_column_type(st, 18) != SQLITE_NULL)
		fprintf(out, "%-13s %lld\n", "links", (long long)sqlite3_column_int64(st, 18));
	if (*col(st, 13))
		fprintf(out, "%-13s %s: %s\n", "error", col(st, 13), col(st, 14));
	if (sqlite3_column_type(st, 15) != SQLITE_NULL)
		fprintf(out, "%-13s warc/crawl-%05lld.warc.zst offset %lld length %lld\n", "archive",
			(long long)sqlite3_column_int64(st, 15), (long long)sqlite3_column_int64(st, 16),
			(long long)sqlite3_column_int64(st, 17));
}

static void print_redirects(sqlite3 *db, long long id, FILE *out)
{
	static const char *const sql[2] = {
		"SELECT r.status, u.url FROM redirects r JOIN urls u ON u.id = r.from_id"
		" WHERE r.to_id = ?",
		"SELECT r.status, coalesce(u.url, r.location) FROM redirects r"
		" LEFT JOIN urls u ON u.id = r.to_id WHERE r.from_id = ?",
	};
	static const char *const label[2] = {"redirected from", "redirects to"};
	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, sql[i], -1, &st, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW)
			fprintf(out, "%-13s %s (%lld)\n", label[i], col(st, 1),
				(long long)sqlite3_column_int64(st, 0));
		sqlite3_finalize(st);
	}
}

static void print_story(sqlite3 *db, sqlite3_stmt *st, const char *given, FILE *out)
{
	fprintf(out, "%-13s %s\n", "url", col(st, 1));
	if (given && strcmp(given, col(st, 1)))
		fprintf(out, "%-13s %s (its canonical form is the URL above)\n", "you gave", given);
	const char *state = col(st, 2);
	if (!strcmp(state, "skipped"))
		fprintf(out, "%-13s skipped, not fetched: %s (%s)\n", "state",
			explain_skip(col(st, 3)), col(st, 3));
	else if (!strcmp(state, "queued") || !strcmp(state, "leased"))
		fprintf(out, "%-13s %s: waiting to be fetched\n", "state", state);
	else
		fprintf(out, "%-13s %s\n", "state", state);
	if (*col(st, 7))
		fprintf(out, "%-13s %s (via %s, depth %lld)\n", "found on", col(st, 7),
			col(st, 5), (long long)sqlite3_column_int64(st, 4));
	else
		fprintf(out, "%-13s %s (depth %lld)\n", "found as", col(st, 5),
			(long long)sqlite3_column_int64(st, 4));
	print_time(out, "discovered", sqlite3_column_double(st, 6));
	print_fetch(st, out);
	print_redirects(db, sqlite3_column_int64(st, 0), out);
}

#define HISTORY_MAX 64 /* hops shown; chains are cut well before */

struct hop_url {
	long long id;
	char url[8192];
	char state[16], reason[32], error[32];
	long long status;
};

static int load_hop(sqlite3_stmt *st, struct hop_url *h)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		h->id = sqlite3_column_int64(st, 0);
		snprintf(h->url, sizeof h->url, "%s", col(st, 1));
		snprintf(h->state, sizeof h->state, "%s", col(st, 2));
		snprintf(h->reason, sizeof h->reason, "%s", col(st, 3));
		snprintf(h->error, sizeof h->error, "%s", col(st, 4));
		h->status = sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* The end of the chain at h: a final answer, or why it goes no further. */
static void print_end(const struct hop_url *h, FILE *out)
{
	if (!strcmp(h->state, "skipped"))
		fprintf(out, "     %s  not followed: %s (%s)\n", h->url, explain_skip(h->reason),
			h->reason);
	else if (!strcmp(h->state, "done") || h->status)
		fprintf(out, "%3lld  %s  (%s%s%s)\n", h->status, h->url, h->state,
			*h->error ? ": " : "", h->error);
	else
		fprintf(out, "     %s  (%s%s%s)\n", h->url, h->state, *h->error ? ": " : "",
			h->error);
}

/* Walks the chain forward: each URL's redirect, to the URL it names. */
static int print_history(sqlite3 *db, sqlite3_stmt *url_st, FILE *out)
{
	sqlite3_stmt *hop;
	struct hop_url *h = malloc(sizeof *h);
	long long seen[HISTORY_MAX];
	int n = 0, rc = -1;
	if (!h || sqlite3_prepare_v2(db, "SELECT status, to_id, location FROM redirects"
				     " WHERE from_id = ? ORDER BY at DESC, rowid DESC LIMIT 1",
				     -1, &hop, NULL) != SQLITE_OK)
		goto done;
	if (load_hop(url_st, h))
		goto finalize;
	for (;;) {
		for (int i = 0; i < n; i++)
			if (seen[i] == h->id) {
				fprintf(out, "     %s  (a loop: the chain came back here)\n", h->url);
				rc = 0;
				goto finalize;
			}
		sqlite3_bind_int64(hop, 1, h->id);
		if (n == HISTORY_MAX || sqlite3_step(hop) != SQLITE_ROW) {
			print_end(h, out);
			rc = 0;
			goto finalize;
		}
		seen[n++] = h->id;
		long long to = sqlite3_column_int64(hop, 1);
		fprintf(out, "%3lld  %s  ->  %s\n", (long long)sqlite3_column_int64(hop, 0), h->url,
			col(hop, 2));
		if (sqlite3_column_type(hop, 1) == SQLITE_NULL) {
			fprintf(out, "     %s  not followed: not an http(s) URL\n", col(hop, 2));
			rc = 0;
			goto finalize;
		}
		sqlite3_reset(hop);
		sqlite3_bind_int64(url_st, 1, to);
		if (load_hop(url_st, h))
			goto finalize;
	}
finalize:
	sqlite3_finalize(hop);
done:
	free(h);
	return rc;
}

int report_history(const char *dir, const char *canon, uint64_t hash, FILE *out,
		   FILE *err)
{
	sqlite3 *db = open_db(dir, err);
	sqlite3_stmt *first = NULL, *by_id = NULL;
	int rc = -1;
	if (!db)
		return 1;
	if (sqlite3_prepare_v2(db, "SELECT id FROM urls WHERE hash = ? AND url = ?", -1, &first,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT id, url, state, reason, error, status FROM urls"
			       " WHERE id = ?", -1, &by_id, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(first, 1, (int64_t)hash);
	sqlite3_bind_text(first, 2, canon, -1, SQLITE_STATIC);
	int step = sqlite3_step(first);
	if (step == SQLITE_DONE) {
		fprintf(err, "crawler: %s is not known to the crawl in %s\n", canon, dir);
		rc = 1;
	} else if (step == SQLITE_ROW) {
		sqlite3_bind_int64(by_id, 1, sqlite3_column_int64(first, 0));
		rc = print_history(db, by_id, out);
	}
done:
	if (rc < 0)
		fprintf(err, "crawler: %s/crawl.db: %s\n", dir, sqlite3_errmsg(db));
	sqlite3_finalize(first);
	sqlite3_finalize(by_id);
	sqlite3_close(db);
	return rc;
}

int report_why(const char *dir, const char *canon, uint64_t hash,
	       const char *given, FILE *out, FILE *err)
{
	sqlite3 *db = open_db(dir, err);
	if (!db)
		return 1;
	sqlite3_stmt *st;
	int rc = -1;
	if (sqlite3_prepare_v2(db,
			       "SELECT u.id, u.url, u.state, u.reason, u.depth, u.via,"
			       " u.discovered_at, p.url, u.fetched_at, u.status, u.content_type,"
			       " u.length, u.title, u.error, u.error_detail, u.warc_segment,"
			       " u.warc_offset, u.warc_length, u.links"
			       " FROM urls u LEFT JOIN urls p ON p.id = u.parent_id"
			       " WHERE u.hash = ? AND u.url = ?",
			       -1, &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, (int64_t)hash);
	sqlite3_bind_text(st, 2, canon, -1, SQLITE_STATIC);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		print_story(db, st, given, out);
		rc = 0;
	} else if (step == SQLITE_DONE) {
		fprintf(err, "crawler: %s is not known to the crawl in %s\n", canon, dir);
		rc = 1;
	}
	sqlite3_finalize(st);
done:
	if (rc < 0)
		fprintf(err, "crawler: %s/crawl.db: %s\n", dir, sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc;
}
