/* scheduler: hosts, windows and the ready-time heap.  See sched.h. */
#include "scheduler.h"

#include <curl/curl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "robots.h"
#include "strmap.h"

struct sched {
	int per_host, per_ip;
	double delay;
	size_t window;
	struct strmap *hosts; /* origin -> struct host */
	struct strmap *ips;   /* address -> struct ip_slot */
	struct heap ready;    /* hosts that may start a transfer, by time */
};

/* Transfers in flight to one address, and the hosts that resolve to it. */
struct ip_slot {
	int inflight;
	struct host *hosts;   /* linked by next_on_ip */
};

struct sched *sched_new(int per_host, int per_ip, double delay, size_t window)
{
	struct sched *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	*s = (struct sched){.per_host = per_host, .per_ip = per_ip, .delay = delay,
			    .window = window};
	if (!(s->hosts = strmap_new()) || !(s->ips = strmap_new())) {
		strmap_free(&s->hosts, NULL);
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
	robots_free(&h->robots);
	free(h->robots_next);
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
	strmap_free(&s->ips, free);
	heap_free(&s->ready);
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
	if (!h || heap_reserve(&s->ready, strmap_count(s->hosts) + 1) ||
	    !(h->origin = strndup(origin, len)) || parse_origin(h) ||
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

/* ---- readiness ---- */

static struct host *host_of(struct heap_node *node)
{
	return (struct host *)((char *)node - offsetof(struct host, ready));
}

static int eligible(const struct sched *s, const struct host *h)
{
	return (h->win_len || h->db_more) && h->inflight < s->per_host &&
	       h->dns != HOST_DNS_WAIT && !h->robots_wait && !h->robots_deferred &&
	       (!s->per_ip || !h->ip_slot || h->ip_slot->inflight < s->per_ip);
}

void sched_update(struct sched *s, struct host *h)
{
	int in = heap_contains(&h->ready), want = eligible(s, h);
	if (in && !want)
		heap_remove(&s->ready, &h->ready);
	else if (!in && want)
		heap_add(&s->ready, &h->ready); /* room reserved by sched_host_add */
	else if (in)
		heap_update(&s->ready, &h->ready);
}

struct host *sched_next(struct sched *s, double now, double *wake)
{
	struct heap_node *top = heap_top(&s->ready);
	*wake = 0;
	if (!top)
		return NULL;
	if (top->key > now) {
		*wake = top->key;
		return NULL;
	}
	heap_remove(&s->ready, top);
	return host_of(top);
}

int sched_busy(const struct sched *s)
{
	return heap_top(&s->ready) != NULL;
}

/* ---- windows ---- */

int sched_push(struct sched *s, struct host *h, const struct sched_url *u)
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
	char *copy = strdup(u->url);
	if (!copy)
		return -1;
	struct sched_url *slot = &h->window[(h->win_head + h->win_len++) % h->win_cap];
	*slot = *u;
	slot->url = copy;
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

double sched_delay(const struct sched *s, const struct host *h)
{
	return h->delay > s->delay ? h->delay : s->delay;
}

void sched_set_delay(struct sched *s, struct host *h, double delay)
{
	double was = sched_delay(s, h);
	h->delay = delay;
	h->ready.key += sched_delay(s, h) - was;
	if (h->ready.key < h->paused_until)
		h->ready.key = h->paused_until;
	sched_update(s, h);
}

void sched_pause(struct sched *s, struct host *h, double until)
{
	h->paused_until = until;
	if (h->ready.key < until)
		h->ready.key = until;
	sched_update(s, h);
}

int sched_set_ip(struct sched *s, struct host *h, const char *ip)
{
	struct ip_slot *slot = strmap_get(s->ips, ip, strlen(ip));
	if (h->ip_slot)
		return 0; /* a host keeps the slot of its first address */
	if (!slot) {
		if (!(slot = calloc(1, sizeof *slot)) || strmap_put(s->ips, ip, strlen(ip), slot)) {
			free(slot);
			return -1;
		}
	}
	h->ip_slot = slot;
	h->next_on_ip = slot->hosts;
	slot->hosts = h;
	return 0;
}

/* The hosts sharing h's address may have become (in)eligible. */
static void update_ip(struct sched *s, struct host *h)
{
	if (!s->per_ip || !h->ip_slot)
		return;
	for (struct host *other = h->ip_slot->hosts; other; other = other->next_on_ip)
		if (other != h)
			sched_update(s, other);
}

void sched_started(struct sched *s, struct host *h, double now)
{
	h->inflight++;
	if (h->ip_slot)
		h->ip_slot->inflight++;
	double next = now + sched_delay(s, h);
	h->ready.key = next > h->paused_until ? next : h->paused_until;
	sched_update(s, h);
	update_ip(s, h);
}

void sched_finished(struct sched *s, struct host *h)
{
	h->inflight--;
	if (h->ip_slot)
		h->ip_slot->inflight--;
	sched_update(s, h);
	update_ip(s, h);
}
