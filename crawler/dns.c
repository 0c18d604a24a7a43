/* dns: c-ares in the event loop.  See dns.h. */
#define _GNU_SOURCE
#include "dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "strmap.h"

struct waiter {
	void *arg;
	struct waiter *next;
};

struct entry {
	char ip[INET6_ADDRSTRLEN];
	char error[64];
	double expires;    /* monotonic; 0 while the lookup runs */
	struct waiter *waiters;
	struct dns *dns;
};

struct dns {
	struct loop *loop;
	ares_channel channel;
	struct loop_timer timer;
	struct strmap *entries; /* name -> struct entry */
	dns_fn fn;
	void *ctx;
	int pending;
};

static void rearm_timer(struct dns *d)
{
	struct timeval tv;
	if (!ares_timeout(d->channel, NULL, &tv)) {
		loop_timer_cancel(d->loop, &d->timer);
		return;
	}
	loop_timer_at(d->loop, &d->timer,
		      loop_now(d->loop) + (double)tv.tv_sec + (double)tv.tv_usec / 1e6);
}

static void on_timer(void *ctx)
{
	struct dns *d = ctx;
	ares_process_fd(d->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm_timer(d);
}

static void on_io(void *ctx, int fd, unsigned events)
{
	struct dns *d = ctx;
	ares_process_fd(d->channel, events & LOOP_READ ? fd : ARES_SOCKET_BAD,
			events & LOOP_WRITE ? fd : ARES_SOCKET_BAD);
	rearm_timer(d);
}

static void on_sock_state(void *ctx, ares_socket_t fd, int readable, int writable)
{
	struct dns *d = ctx;
	loop_watch(d->loop, fd, (readable ? LOOP_READ : 0u) | (writable ? LOOP_WRITE : 0u),
		   on_io, d);
}

struct dns *dns_new(struct loop *loop, const char *servers, dns_fn fn,
		    void *ctx, char **err)
{
	struct dns *d = calloc(1, sizeof *d);
	struct ares_options opts = {
		.sock_state_cb = on_sock_state,
		.timeout = 2000,
		.tries = 2,
	};
	int rc;
	if (!d)
		goto oom;
	opts.sock_state_cb_data = d;
	d->loop = loop;
	d->fn = fn;
	d->ctx = ctx;
	d->timer = (struct loop_timer){.fn = on_timer, .ctx = d};
	d->entries = strmap_new();
	if (!d->entries)
		goto oom;
	rc = ares_init_options(&d->channel, &opts,
			       ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (rc != ARES_SUCCESS) {
		if (asprintf(err, "DNS: %s", ares_strerror(rc)) < 0)
			*err = NULL;
		goto failed;
	}
	if (servers && (rc = ares_set_servers_ports_csv(d->channel, servers)) != ARES_SUCCESS) {
		if (asprintf(err, "--dns-servers: '%s': %s", servers, ares_strerror(rc)) < 0)
			*err = NULL;
		goto failed;
	}
	return d;
oom:
	*err = strdup("out of memory");
failed:
	dns_free(&d);
	return NULL;
}

static void drop_waiters(void *ctx, const char *name, void *value)
{
	struct entry *e = value;
	while (e->waiters) {
		struct waiter *next = e->waiters->next;
		free(e->waiters);
		e->waiters = next;
	}
}

static void free_entry(void *value)
{
	drop_waiters(NULL, NULL, value);
	free(value);
}

void dns_free(struct dns **dp)
{
	struct dns *d = *dp;
	if (!d)
		return;
	if (d->channel) {
		/* c-ares calls the callbacks with ARES_EDESTRUCTION: they must not
		 * reach the callers any more */
		if (d->entries)
			strmap_each(d->entries, drop_waiters, NULL);
		ares_destroy(d->channel);
	}
	loop_timer_cancel(d->loop, &d->timer);
	strmap_free(&d->entries, free_entry);
	free(d);
	*dp = NULL;
}

int dns_pending(const struct dns *d)
{
	return d->pending;
}

static void notify(struct entry *e, double ttl)
{
	struct waiter *w = e->waiters;
	e->waiters = NULL;
	while (w) {
		struct waiter *next = w->next;
		e->dns->fn(e->dns->ctx, w->arg, e->ip[0] ? e->ip : NULL,
			   e->ip[0] ? NULL : e->error, ttl);
		free(w);
		w = next;
	}
}

/* Picks the first IPv4 address, else the first IPv6 one; returns the TTL. */
static int pick_address(const struct ares_addrinfo *ai, char *ip, size_t cap)
{
	const struct ares_addrinfo_node *chosen = NULL;
	for (const struct ares_addrinfo_node *n = ai->nodes; n; n = n->ai_next) {
		if (n->ai_family == AF_INET) {
			chosen = n;
			break;
		}
		if (!chosen && n->ai_family == AF_INET6)
			chosen = n;
	}
	if (!chosen)
		return -1;
	const void *addr = chosen->ai_family == AF_INET
				   ? (const void *)&((const struct sockaddr_in *)chosen->ai_addr)->sin_addr
				   : (const void *)&((const struct sockaddr_in6 *)chosen->ai_addr)->sin6_addr;
	if (!inet_ntop(chosen->ai_family, addr, ip, (socklen_t)cap))
		return -1;
	return chosen->ai_ttl;
}

static void on_answer(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct entry *e = arg;
	if (status == ARES_EDESTRUCTION)
		return;
	double ttl = DNS_NEGATIVE_TTL;
	e->dns->pending--;
	e->ip[0] = 0;
	if (status == ARES_SUCCESS && ai) {
		int t = pick_address(ai, e->ip, sizeof e->ip);
		if (t < 0)
			snprintf(e->error, sizeof e->error, "no address");
		else
			ttl = t < DNS_MIN_TTL ? DNS_MIN_TTL : (double)t;
	} else {
		snprintf(e->error, sizeof e->error, "%s",
			 status == ARES_ENOTFOUND ? "NXDOMAIN" : ares_strerror(status));
	}
	ares_freeaddrinfo(ai);
	e->expires = loop_now(e->dns->loop) + ttl;
	notify(e, ttl);
}

static struct entry *find_or_add(struct dns *d, const char *name)
{
	size_t len = strlen(name);
	struct entry *e = strmap_get(d->entries, name, len);
	if (e)
		return e;
	e = calloc(1, sizeof *e);
	if (!e || strmap_put(d->entries, name, len, e)) {
		free(e);
		return NULL;
	}
	e->dns = d;
	return e;
}

int dns_resolve(struct dns *d, const char *name, void *arg)
{
	struct entry *e = find_or_add(d, name);
	struct waiter *w = malloc(sizeof *w);
	if (!e || !w) {
		free(w);
		return -1;
	}
	*w = (struct waiter){arg, e->waiters};
	e->waiters = w;
	double now = loop_now(d->loop);
	if (e->expires > now) {
		notify(e, e->expires - now);
		return 0;
	}
	if (w->next) /* a lookup is already under way */
		return 0;
	e->expires = 0;
	struct ares_addrinfo_hints hints = {.ai_family = AF_UNSPEC,
					    .ai_flags = ARES_AI_NOSORT};
	d->pending++;
	ares_getaddrinfo(d->channel, name, NULL, &hints, on_answer, e);
	rearm_timer(d);
	return 0;
}
