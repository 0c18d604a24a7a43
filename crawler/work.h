/* work: a worker thread for the CPU-heavy part of handling a finished
 * transfer, so the event loop never stalls on it.  The crawl runs two, as a
 * pipeline: one archives (digests, zstd), the other parses HTML and applies
 * the extraction rules, so the two stages of consecutive pages overlap.
 *
 * Jobs run one at a time in submission order (the archive has one writer, and
 * records land in the order the loop saw the transfers finish).  A finished
 * job comes back to the loop thread: an eventfd in the loop's epoll set wakes
 * it and `done` is called there, in the same order.
 *
 * Ownership: jobs are the caller's; work only queues pointers to them.
 */
#ifndef CRAWLER_WORK_H
#define CRAWLER_WORK_H

struct loop;
struct work;

typedef void (*work_run_fn)(void *ctx, void *job);  /* on the worker */
typedef void (*work_done_fn)(void *ctx, void *job); /* on the loop */

/* Starts the worker thread.  NULL on error (errno set). */
struct work *work_new(struct loop *loop, work_run_fn run, work_done_fn done,
		      void *ctx);

/* Queues a job; 0, or -1 on out-of-memory (the job is not queued). */
int work_submit(struct work *w, void *job);

/* Jobs submitted and not yet handed back through done. */
int work_pending(const struct work *w);

/* Runs the remaining jobs, hands them back through done, stops the thread
 * and frees; NULL-safe; sets *w to NULL. */
void work_free(struct work **w);

#endif
