/* dns: asynchronous name resolution with c-ares inside the event loop, with a
 * positive cache (the answer's TTL) and a negative cache, so each host name
 * is asked once per TTL however many URLs it has.  The addresses found are
 * handed to libcurl by the caller (CURLOPT_RESOLVE): libcurl never resolves.
 *
 * Ownership: names and results passed to callbacks are owned by dns and
 * valid only during the call.
 */
#ifndef CRAWLER_DNS_H
#define CRAWLER_DNS_H

struct dns;
struct loop;

#define DNS_NEGATIVE_TTL 300.0 /* seconds a failed name is not asked again */
#define DNS_MIN_TTL 60.0       /* answers are kept at least this long */

/* Called with the arg of the dns_resolve call: ip is the chosen address
 * (IPv4 preferred) or NULL when the name did not resolve, with error a short
 * reason ("NXDOMAIN", "timeout", ...); ttl is how long the answer may be
 * used, in seconds. */
typedef void (*dns_fn)(void *ctx, void *arg, const char *ip, const char *error,
		       double ttl);

/* servers: "IP[:PORT],..." (IPv6 in brackets) or NULL for the system's;
 * fn(ctx, ...) receives every answer.  Returns NULL with a malloc'ed *err
 * on failure. */
struct dns *dns_new(struct loop *loop, const char *servers, dns_fn fn,
		    void *ctx, char **err);

/* NULL-safe; cancels pending lookups without calling their callbacks. */
void dns_free(struct dns **d);

/* Resolves name; the answer goes to the callback with arg.  When the cache
 * answers, the callback runs before this returns.  Returns 0, or -1 on
 * out-of-memory (the callback is then not called). */
int dns_resolve(struct dns *d, const char *name, void *arg);

/* Lookups under way. */
int dns_pending(const struct dns *d);

#endif
