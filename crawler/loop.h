/* loop: the one event loop.  An epoll set for every socket (libcurl's and
 * c-ares') and one min-heap of timers (curl's timeout, c-ares' timeout,
 * politeness wake-ups, progress, batch commits).  Nothing here blocks except
 * loop_run_once's wait for the next event or timer.
 *
 * Ownership: timers are intrusive structs owned by the caller, who must
 * cancel a pending timer before freeing it.  loop_free frees the loop only.
 */
#ifndef CRAWLER_LOOP_H
#define CRAWLER_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

struct loop;

#define LOOP_READ 1u
#define LOOP_WRITE 2u

/* events: LOOP_READ|LOOP_WRITE that fired (an error or hang-up reports both
 * so the owner's read or write notices it). */
typedef void (*loop_io_fn)(void *ctx, int fd, unsigned events);
typedef void (*loop_timer_fn)(void *ctx);

struct loop_timer {
	struct heap_node node; /* key: when it is due, monotonic seconds */
	loop_timer_fn fn;
	void *ctx;
};

struct loop *loop_new(void);
void loop_free(struct loop **l);

/* Monotonic seconds, read once per loop iteration (cheap). */
double loop_now(const struct loop *l);
/* Wall-clock seconds since the epoch, for stored timestamps. */
double loop_wall(void);

/* Watches fd for `events` with fn(ctx), replacing any earlier watch of fd;
 * events == 0 removes the watch.  0 or -1 (errno). */
int loop_watch(struct loop *l, int fd, unsigned events, loop_io_fn fn,
	       void *ctx);

/* Arms t to fire once at monotonic time `due` (re-arms if pending). */
int loop_timer_at(struct loop *l, struct loop_timer *t, double due);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* Waits for the next events or due timer (at most max_wait seconds) and
 * dispatches them.  Returns 0, or -1 on an epoll error. */
int loop_run_once(struct loop *l, double max_wait);

#endif
