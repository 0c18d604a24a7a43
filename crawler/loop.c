/* loop: epoll and a timer heap.  See loop.h. */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct watch {
	loop_io_fn fn;
	void *ctx;
	unsigned events;
};

struct loop {
	int epfd;
	double now;
	struct watch *watches; /* indexed by fd */
	size_t n_watches;
	struct heap timers; /* of struct loop_timer */
};

static double monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double loop_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->now = monotonic();
	return l;
}

void loop_free(struct loop **lp)
{
	struct loop *l = *lp;
	if (!l)
		return;
	close(l->epfd);
	free(l->watches);
	heap_free(&l->timers);
	free(l);
	*lp = NULL;
}

double loop_now(const struct loop *l)
{
	return l->now;
}

static int watches_reserve(struct loop *l, int fd)
{
	if ((size_t)fd < l->n_watches)
		return 0;
	size_t n = l->n_watches ? l->n_watches : 64;
	while (n <= (size_t)fd)
		n *= 2;
	struct watch *w = realloc(l->watches, n * sizeof *w);
	if (!w)
		return -1;
	memset(w + l->n_watches, 0, (n - l->n_watches) * sizeof *w);
	l->watches = w;
	l->n_watches = n;
	return 0;
}

int loop_watch(struct loop *l, int fd, unsigned events, loop_io_fn fn,
	       void *ctx)
{
	if (fd < 0 || watches_reserve(l, fd))
		return -1;
	struct watch *w = &l->watches[fd];
	struct epoll_event ev = {.data.fd = fd};
	if (events & LOOP_READ)
		ev.events |= EPOLLIN;
	if (events & LOOP_WRITE)
		ev.events |= EPOLLOUT;
	int op = !events ? EPOLL_CTL_DEL : w->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	int rc = 0;
	if (events || w->events)
		rc = epoll_ctl(l->epfd, op, fd, &ev);
	/* epoll forgets a socket that was closed and a new one got its number */
	if (rc && op == EPOLL_CTL_MOD && errno == ENOENT)
		rc = epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev);
	/* a socket closed before its watch was removed is already gone */
	if (rc && op == EPOLL_CTL_DEL && (errno == EBADF || errno == ENOENT))
		rc = 0;
	*w = (struct watch){events ? fn : NULL, events ? ctx : NULL, events};
	return rc;
}

/* ---- timers ---- */

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	if (heap_contains(&t->node))
		heap_remove(&l->timers, &t->node);
}

int loop_timer_at(struct loop *l, struct loop_timer *t, double due)
{
	if (heap_contains(&t->node)) {
		t->node.key = due;
		heap_update(&l->timers, &t->node);
		return 0;
	}
	t->node.key = due;
	return heap_add(&l->timers, &t->node);
}

static void run_due_timers(struct loop *l)
{
	struct heap_node *top;
	while ((top = heap_top(&l->timers)) && top->key <= l->now) {
		/* the node is the timer's first member */
		struct loop_timer *t = (struct loop_timer *)top;
		heap_remove(&l->timers, top);
		t->fn(t->ctx);
	}
}

int loop_run_once(struct loop *l, double max_wait)
{
	struct epoll_event events[256];
	double wait = max_wait;
	struct heap_node *top = heap_top(&l->timers);
	if (top) {
		double until = top->key - monotonic();
		if (until < wait)
			wait = until > 0 ? until : 0;
	}
	/* round up so a timer is never woken for a moment too early */
	int n = epoll_wait(l->epfd, events, 256, (int)(wait * 1000.0 + 0.999));
	if (n < 0 && errno != EINTR)
		return -1;
	l->now = monotonic();
	for (int i = 0; i < n; i++) {
		int fd = events[i].data.fd;
		uint32_t e = events[i].events;
		if ((size_t)fd >= l->n_watches || !l->watches[fd].fn)
			continue;
		unsigned what = 0;
		if (e & (EPOLLIN | EPOLLERR | EPOLLHUP))
			what |= LOOP_READ;
		if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			what |= LOOP_WRITE;
		l->watches[fd].fn(l->watches[fd].ctx, fd, what);
	}
	run_due_timers(l);
	return 0;
}
