/* work: one worker thread with a job queue in and a result queue out.  See
 * work.h. */
#include "work.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "loop.h"

/* A FIFO of job pointers (a growable ring). */
struct queue {
	void **items;
	size_t head, len, cap;
};

/* Makes room for n items in all. */
static int queue_reserve(struct queue *q, size_t n)
{
	if (n > q->cap) {
		size_t cap = q->cap ? q->cap : 64;
		while (cap < n)
			cap *= 2;
		void **items = malloc(cap * sizeof *items);
		if (!items)
			return -1;
		for (size_t i = 0; i < q->len; i++)
			items[i] = q->items[(q->head + i) % q->cap];
		free(q->items);
		q->items = items;
		q->cap = cap;
		q->head = 0;
	}
	return 0;
}

static int queue_push(struct queue *q, void *job)
{
	if (q->len == q->cap && queue_reserve(q, q->len + 1))
		return -1;
	q->items[(q->head + q->len++) % q->cap] = job;
	return 0;
}

static void *queue_pop(struct queue *q)
{
	if (!q->len)
		return NULL;
	void *job = q->items[q->head];
	q->head = (q->head + 1) % q->cap;
	q->len--;
	return job;
}

struct work {
	struct loop *loop;
	work_run_fn run;
	work_done_fn done;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct queue todo, finished; /* both under lock */
	int stopping;
	int event_fd;
	int pending;                 /* loop thread only */
};

static void *worker_main(void *arg)
{
	struct work *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		void *job = queue_pop(&w->todo);
		if (!job) {
			if (w->stopping)
				break;
			pthread_cond_wait(&w->wake, &w->lock);
			continue;
		}
		pthread_mutex_unlock(&w->lock);
		w->run(w->ctx, job);
		pthread_mutex_lock(&w->lock);
		/* the finished queue had room reserved at submission */
		queue_push(&w->finished, job);
		uint64_t one = 1;
		if (write(w->event_fd, &one, sizeof one) < 0 && errno != EAGAIN)
			abort();
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Hands finished jobs back on the loop thread. */
static void deliver(struct work *w)
{
	for (;;) {
		pthread_mutex_lock(&w->lock);
		void *job = queue_pop(&w->finished);
		pthread_mutex_unlock(&w->lock);
		if (!job)
			return;
		w->pending--;
		w->done(w->ctx, job);
	}
}

static void on_event(void *ctx, int fd, unsigned events)
{
	struct work *w = ctx;
	uint64_t n;
	if (read(fd, &n, sizeof n) < 0 && errno != EAGAIN)
		return;
	deliver(w);
}

struct work *work_new(struct loop *loop, work_run_fn run, work_done_fn done,
		      void *ctx)
{
	struct work *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	*w = (struct work){.loop = loop, .run = run, .done = done, .ctx = ctx};
	w->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->event_fd < 0)
		goto no_fd;
	if (loop_watch(loop, w->event_fd, LOOP_READ, on_event, w))
		goto no_thread;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	int rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc) {
		errno = rc;
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		loop_watch(loop, w->event_fd, 0, NULL, NULL);
		goto no_thread;
	}
	return w;
no_thread:
	close(w->event_fd);
no_fd:
	free(w);
	return NULL;
}

int work_submit(struct work *w, void *job)
{
	pthread_mutex_lock(&w->lock);
	/* room in the finished queue for every job under way, so the worker
	 * never has to handle an allocation failure */
	int rc = queue_reserve(&w->finished, (size_t)w->pending + 1);
	if (rc == 0)
		rc = queue_push(&w->todo, job);
	pthread_mutex_unlock(&w->lock);
	if (rc)
		return -1;
	w->pending++;
	pthread_cond_signal(&w->wake);
	return 0;
}

int work_pending(const struct work *w)
{
	return w->pending;
}

void work_free(struct work **wp)
{
	struct work *w = *wp;
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	deliver(w);
	loop_watch(w->loop, w->event_fd, 0, NULL, NULL);
	close(w->event_fd);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w->todo.items);
	free(w->finished.items);
	free(w);
	*wp = NULL;
}
