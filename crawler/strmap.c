/* strmap: open addressing with linear probing.  See strmap.h. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	char *key; /* NUL-terminated copy; NULL = empty */
	size_t len;
	uint64_t hash;
	void *value;
};

struct strmap {
	struct slot *slots;
	size_t cap, n; /* cap is a power of two */
};

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

struct strmap *strmap_new(void)
{
	struct strmap *m = calloc(1, sizeof *m);
	if (m && !(m->slots = calloc(m->cap = 64, sizeof *m->slots))) {
		free(m);
		return NULL;
	}
	return m;
}

void strmap_free(struct strmap **mp, void (*free_value)(void *value))
{
	struct strmap *m = *mp;
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		free(m->slots[i].key);
		if (free_value)
			free_value(m->slots[i].value);
	}
	free(m->slots);
	free(m);
	*mp = NULL;
}

static struct slot *find(const struct strmap *m, const char *key, size_t len,
			 uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);
	for (;; i = (i + 1) & (m->cap - 1)) {
		struct slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && s->len == len &&
				memcmp(s->key, key, len) == 0))
			return s;
	}
}

void *strmap_get(const struct strmap *m, const char *key, size_t len)
{
	struct slot *s = find(m, key, len, hash_bytes(key, len));
	return s->key ? s->value : NULL;
}

static int grow(struct strmap *m)
{
	struct strmap bigger = {calloc(m->cap * 2, sizeof *m->slots), m->cap * 2, m->n};
	if (!bigger.slots)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*find(&bigger, m->slots[i].key, m->slots[i].len,
			      m->slots[i].hash) = m->slots[i];
	free(m->slots);
	*m = bigger;
	return 0;
}

int strmap_put(struct strmap *m, const char *key, size_t len, void *value)
{
	if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
		return -1;
	uint64_t h = hash_bytes(key, len);
	struct slot *s = find(m, key, len, h);
	if (!s->key) {
		char *copy = malloc(len + 1);
		if (!copy)
			return -1;
		memcpy(copy, key, len);
		copy[len] = 0;
		*s = (struct slot){copy, len, h, NULL};
		m->n++;
	}
	s->value = value;
	return 0;
}

size_t strmap_count(const struct strmap *m)
{
	return m->n;
}

void strmap_each(const struct strmap *m,
		 void (*fn)(void *ctx, const char *key, void *value), void *ctx)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			fn(ctx, m->slots[i].key, m->slots[i].value);
}
