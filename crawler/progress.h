/* progress: what a running crawl tells its user.  On a terminal, a status
 * line rewritten in place; otherwise (cron, logs) a line every few seconds;
 * at the end a summary.  Nothing is printed with --quiet except errors.
 *
 * Ownership: progress_new returns an object freed with progress_free.
 */
#ifndef CRAWLER_PROGRESS_H
#define CRAWLER_PROGRESS_H

#include <stdint.h>

#include "opt.h"

struct progress_stats {
	int64_t started;  /* transfers started in this run */
	int64_t done, failed; /* fetches finished in this run */
	int64_t queued;   /* URLs waiting in the frontier */
	int64_t inflight;
	int64_t bytes;    /* body bytes received in this run */
	double t0;        /* monotonic start of the run */
	double elapsed;   /* seconds since t0 */
};

struct progress;

struct progress *progress_new(const struct opt_config *cfg);
void progress_free(struct progress **p);

/* Seconds until the next progress_update is due. */
double progress_interval(const struct progress *p);
/* Called every progress_interval(): prints the line when one is due. */
void progress_update(struct progress *p, const struct progress_stats *s);
/* Prints the end-of-run summary. */
void progress_summary(struct progress *p, const struct progress_stats *s,
		      const char *dir, const char *ending);

#endif
