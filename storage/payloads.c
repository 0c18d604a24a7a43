/* payloads: open-addressing table of payload digests.  See payloads.h. */
#include "payloads.h"

#include <stdlib.h>

struct entry {
	uint64_t key;      /* 0: empty */
	uint64_t offset;
	uint32_t segment;
	uint32_t length;   /* records over 4 GiB are not remembered */
};

struct payloads {
	struct entry *slots;
	size_t cap, n;     /* cap is a power of two */
};

/* FNV-1a then the murmur3 finalizer: the table indexes by low bits. */
static uint64_t digest_key(const char *digest)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *p = (const unsigned char *)digest; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h ? h : 1;
}

static struct entry *slot(struct entry *slots, size_t cap, uint64_t key)
{
	size_t i = (size_t)key & (cap - 1);
	while (slots[i].key && slots[i].key != key)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(struct payloads *p)
{
	size_t cap = p->cap ? p->cap * 2 : 1024;
	struct entry *slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < p->cap; i++)
		if (p->slots[i].key)
			*slot(slots, cap, p->slots[i].key) = p->slots[i];
	free(p->slots);
	p->slots = slots;
	p->cap = cap;
	return 0;
}

struct payloads *payloads_new(void)
{
	return calloc(1, sizeof(struct payloads));
}

void payloads_free(struct payloads **pp)
{
	if (!pp || !*pp)
		return;
	free((*pp)->slots);
	free(*pp);
	*pp = NULL;
}

int payloads_add(struct payloads *p, const char *digest,
		 const struct warc_location *loc)
{
	if (loc->length > UINT32_MAX)
		return 0;
	if ((p->n + 1) * 4 > p->cap * 3 && grow(p) < 0)
		return -1;
	uint64_t key = digest_key(digest);
	struct entry *e = slot(p->slots, p->cap, key);
	if (e->key)
		return 0;
	*e = (struct entry){key, loc->offset, loc->segment, (uint32_t)loc->length};
	p->n++;
	return 0;
}

int payloads_find(const struct payloads *p, const char *digest,
		  struct warc_location *loc)
{
	if (!p->cap)
		return 0;
	const struct entry *e = slot(p->slots, p->cap, digest_key(digest));
	if (!e->key)
		return 0;
	*loc = (struct warc_location){e->segment, e->offset, e->length};
	return 1;
}
