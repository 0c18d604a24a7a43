/* sched: hosts, windows and the ready-time heap.  See sched.h. */
#include "sched.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct sched {
	int per_host;
	double delay;
	size_t window;
	struct strmap *hosts; /* origin -> struct host */
	struct host **heap;
	size_t heap_n, heap_cap;
};

struct sched *sched_new(int per_host, double delay, size_t window)
{
	struct sched *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	*s = (struct sched){.per_host = per_host, .delay = delay, .window = window};
	if (!(s->hosts = strmap_new())) {
		free(s);
		return NULL;
	}
	return s;
}

static void free_host(void *value)
{
	struct host *h = value;
	for (size_t i = 0; i < h->win_len; i++)
		free(h->window[(h->win_head + i) % h->win_cap].url);
	free(h->window);
	curl_slist_free_all(h->resolve);
	free(h->origin);
	free(h->name);
	free(h);
}

void sched_free(struct sched **sp)
{
	struct sched *s = *sp;
	if (!s)
		return;
	strmap_free(&s->hosts, free_host);
	free(s->heap);
	free(s);
	*sp = NULL;
}

struct host *sched_host_find(struct sched *s, const char *origin, size_t len)
{
	return strmap_get(s->hosts, origin, len);
}

/* Splits "scheme://name[:port]" into the host's name and port. */
static int parse_origin(struct host *h)
{
	const char *p = strstr(h->origin, "://");
	if (!p)
		return -1;
	p += 3;
	int https = strncmp(h->origin, "https:", 6) == 0;
	const char *end, *port;
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end)
			return -1;
		port = end[1] == ':' ? end + 2 : NULL;
		p++;
	} else {
		end = strchr(p, ':');
		port = end ? end + 1 : NULL;
		if (!end)
			end = p + strlen(p);
	}
	h->name = strndup(p, (size_t)(end - p));
	h->port = port ? atoi(port) : https ? 443 : 80;
	return h->name ? 0 : -1;
}

struct host *sched_host_add(struct sched *s, const char *origin, size_t len)
{
	struct host *h = calloc(1, sizeof *h);
	if (!h || !(h->origin = strndup(origin, len)) || parse_origin(h) ||
	    strmap_put(s->hosts, origin, len, h)) {
		if (h) {
			free(h->origin);
			free(h->name);
		}
		free(h);
		return NULL;
	}
	return h;
}

/* ---- the heap, ordered by next_start ---- */

static void heap_set(struct sched *s, size_t i, struct host *h)
{
	s->heap[i] = h;
	h->heap_slot = i + 1;
}

static void heap_up(struct sched *s, size_t i)
{
	struct host *h = s->heap[i];
	while (i > 0 && s->heap[(i - 1) / 2]->next_start > h->next_start) {
		heap_set(s, i, s->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(s, i, h);
}

static void heap_down(struct sched *s, size_t i)
{
	struct host *h = s->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->heap_n)
			break;
		if (c + 1 < s->heap_n && s->heap[c + 1]->next_start < s->heap[c]->next_start)
			c++;
		if (h->next_start <= s->heap[c]->next_start)
			break;
		heap_set(s, i, s->heap[c]);
		i = c;
	}
	heap_set(s, i, h);
}

static void heap_remove(struct sched *s, struct host *h)
{
	size_t i = h->heap_slot - 1;
	h->heap_slot = 0;
	struct host *last = s->heap[--s->heap_n];
	if (i == s->heap_n)
		return;
	heap_set(s, i, last);
	heap_down(s, i);
	heap_up(s, last->heap_slot - 1);
}

static int heap_add(struct sched *s, struct host *h)
{
	if (s->heap_n == s->heap_cap) {
		size_t cap = s->heap_cap ? s->heap_cap * 2 : 64;
		struct host **heap = realloc(s->heap, cap * sizeof *heap);
		if (!heap)
			return -1;
		s->heap = heap;
		s->heap_cap = cap;
	}
	heap_set(s, s->heap_n++, h);
	heap_up(s, s->heap_n - 1);
	return 0;
}

static int eligible(const struct sched *s, const struct host *h)
{
	return (h->win_len || h->db_more) && h->inflight < s->per_host &&
	       h->dns != HOST_DNS_WAIT;
}

void sched_update(struct sched *s, struct host *h)
{
	int in = h->heap_slot != 0, want = eligible(s, h);
	if (in && !want)
		heap_remove(s, h);
	else if (!in && want)
		heap_add(s, h);
	else if (in) {
		heap_down(s, h->heap_slot - 1);
		heap_up(s, h->heap_slot - 1);
	}
}

struct host *sched_next(struct sched *s, double now, double *wake)
{
	*wake = 0;
	if (!s->heap_n)
		return NULL;
	struct host *h = s->heap[0];
	if (h->next_start > now) {
		*wake = h->next_start;
		return NULL;
	}
	heap_remove(s, h);
	return h;
}

int sched_busy(const struct sched *s)
{
	return s->heap_n != 0;
}

/* ---- windows ---- */

int sched_push(struct sched *s, struct host *h, int64_t id, const char *url,
	       int depth, int redirect_hops)
{
	if (h->db_more || h->win_len == s->window) {
		sched_more_in_db(s, h);
		return 0;
	}
	if (h->win_len == h->win_cap) {
		size_t cap = h->win_cap ? h->win_cap * 2 : 8;
		struct sched_url *w = malloc(cap * sizeof *w);
		if (!w)
			return -1;
		for (size_t i = 0; i < h->win_len; i++)
			w[i] = h->window[(h->win_head + i) % h->win_cap];
		free(h->window);
		h->window = w;
		h->win_cap = cap;
		h->win_head = 0;
	}
	char *copy = strdup(url);
	if (!copy)
		return -1;
	h->window[(h->win_head + h->win_len++) % h->win_cap] =
		(struct sched_url){id, copy, depth, redirect_hops};
	sched_update(s, h);
	return 0;
}

void sched_more_in_db(struct sched *s, struct host *h)
{
	h->db_more = 1;
	sched_update(s, h);
}

int sched_take(struct host *h, struct sched_url *u)
{
	if (!h->win_len)
		return -1;
	*u = h->window[h->win_head];
	h->win_head = (h->win_head + 1) % h->win_cap;
	h->win_len--;
	return 0;
}

void sched_started(struct sched *s, struct host *h, double now)
{
	h->inflight++;
	h->next_start = now + s->delay;
	sched_update(s, h);
}

void sched_finished(struct sched *s, struct host *h)
{
	h->inflight--;
	sched_update(s, h);
}

struct each_ctx {
	void (*fn)(void *ctx, struct host *h);
	void *ctx;
};

static void each_host(void *ctx, const char *key, void *value)
{
	struct each_ctx *e = ctx;
	e->fn(e->ctx, value);
}

void sched_each_host(struct sched *s, void (*fn)(void *ctx, struct host *h),
		     void *ctx)
{
	struct each_ctx e = {fn, ctx};
	strmap_each(s->hosts, each_host, &e);
}
