/* crawl: `crawler crawl` — the engine that ties the frontier, the scheduler,
 * DNS, the fetcher, the archive and the parsers together in one event loop:
 *
 *   seeds -> frontier -> sched (caps, delays) -> dns -> fetch -> warc
 *                ^                                         |
 *                +---- scope/dedup <- url <- html links <-+
 *
 * A crawl lives in a directory (crawl.db, warc/, lock); running it again on
 * the same directory resumes it.
 */
#ifndef CRAWLER_CRAWL_H
#define CRAWLER_CRAWL_H

#include "opt.h"

/* Exit codes of `crawler crawl` (documented in the README).  A cron wrapper
 * runs the crawl again on 5, 6 (and 0, to revisit); 1 and 4 need a human. */
enum crawl_exit {
	CRAWL_EXIT_DONE = 0,      /* finished, or stopped gracefully by a signal */
	CRAWL_EXIT_FATAL = 1,     /* an I/O or database error stopped the crawl */
	CRAWL_EXIT_USAGE = 2,     /* bad option, seed, file or pattern */
	CRAWL_EXIT_LOCKED = 3,    /* another crawl holds the directory */
	CRAWL_EXIT_DISK_FULL = 4, /* no space left for the archive or database */
	CRAWL_EXIT_TIME = 5,      /* --max-time reached; work remains */
	CRAWL_EXIT_PAGES = 6,     /* --max-pages reached; work remains */
	CRAWL_EXIT_ABORTED = 7,   /* a second signal abandoned transfers in flight */
};

/* Runs the crawl described by cfg and returns an enum crawl_exit. */
int crawl_run(const struct opt_config *cfg);

#endif
