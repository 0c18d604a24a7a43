/* progress: see progress.h. */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct progress {
	int quiet;
	int line;          /* rewrite one status line (a terminal) */
	double interval;   /* seconds between updates */
	int64_t last_done; /* for the current rate */
	double last_elapsed;
	int64_t last_bytes;
};

struct progress *progress_new(const struct opt_config *cfg)
{
	struct progress *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->quiet = cfg->quiet;
	p->line = cfg->progress == 1 || (cfg->progress == 0 && isatty(STDERR_FILENO));
	p->interval = p->line ? 1.0 : cfg->progress_interval;
	return p;
}

void progress_free(struct progress **p)
{
	free(*p);
	*p = NULL;
}

double progress_interval(const struct progress *p)
{
	return p->interval;
}

void progress_update(struct progress *p, const struct progress_stats *s)
{
	int64_t fetched = s->done + s->failed;
	double span = s->elapsed - p->last_elapsed;
	double rate = span > 0 ? (double)(fetched - p->last_done) / span : 0;
	double mbps = span > 0 ? (double)(s->bytes - p->last_bytes) / span / 1e6 : 0;
	p->last_done = fetched;
	p->last_bytes = s->bytes;
	p->last_elapsed = s->elapsed;
	if (p->quiet)
		return;
	fprintf(stderr,
		"%s%7.0fs  done %lld  queued %lld  in flight %lld  %.0f pages/s  %.2f MB/s  errors %lld%s",
		p->line ? "\r" : "", s->elapsed, (long long)s->done, (long long)s->queued,
		(long long)s->inflight, rate, mbps, (long long)s->failed,
		p->line ? "\033[K" : "\n");
}

void progress_summary(struct progress *p, const struct progress_stats *s,
		      const char *dir, const char *ending)
{
	if (p->quiet)
		return;
	double secs = s->elapsed > 0 ? s->elapsed : 1e-9;
	fprintf(stderr,
		"%sfetched %lld pages (%lld failed) in %.1f s, %.0f pages/s, %.1f MB;"
		" %lld still queued\n"
		"crawl data: %s/crawl.db, archive: %s/warc/\n"
		"run ended: %s\n",
		p->line ? "\r\033[K" : "", (long long)(s->done + s->failed),
		(long long)s->failed, s->elapsed, (double)(s->done + s->failed) / secs,
		(double)s->bytes / 1e6, (long long)s->queued, dir, dir, ending);
}
