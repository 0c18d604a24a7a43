/* strmap: a string-keyed hash map (open addressing) for the crawler's
 * in-memory indexes: hosts by origin, DNS entries by name, scope hosts.
 *
 * Ownership: the map copies keys; values are the caller's pointers, never
 * freed by the map (strmap_free takes an optional destructor for them).
 */
#ifndef CRAWLER_STRMAP_H
#define CRAWLER_STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap *strmap_new(void);
/* NULL-safe; calls free_value(value) on each value when given. */
void strmap_free(struct strmap **m, void (*free_value)(void *value));

/* The value stored under key[0..len), or NULL. */
void *strmap_get(const struct strmap *m, const char *key, size_t len);
/* Stores value under key (replacing).  0, or -1 on out-of-memory. */
int strmap_put(struct strmap *m, const char *key, size_t len, void *value);
size_t strmap_count(const struct strmap *m);
/* Calls fn(ctx, key, value) for every entry, in no particular order. */
void strmap_each(const struct strmap *m,
		 void (*fn)(void *ctx, const char *key, void *value), void *ctx);

#endif
