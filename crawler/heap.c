/* heap: see heap.h. */
#include "heap.h"

#include <stdlib.h>

static void place(struct heap *h, size_t i, struct heap_node *node)
{
	h->nodes[i] = node;
	node->slot = i + 1;
}

static void sift_up(struct heap *h, size_t i)
{
	struct heap_node *node = h->nodes[i];
	while (i > 0 && h->nodes[(i - 1) / 2]->key > node->key) {
		place(h, i, h->nodes[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	place(h, i, node);
}

static void sift_down(struct heap *h, size_t i)
{
	struct heap_node *node = h->nodes[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->nodes[c + 1]->key < h->nodes[c]->key)
			c++;
		if (node->key <= h->nodes[c]->key)
			break;
		place(h, i, h->nodes[c]);
		i = c;
	}
	place(h, i, node);
}

int heap_reserve(struct heap *h, size_t n)
{
	if (n <= h->cap)
		return 0;
	size_t cap = h->cap ? h->cap : 64;
	while (cap < n)
		cap *= 2;
	struct heap_node **nodes = realloc(h->nodes, cap * sizeof *nodes);
	if (!nodes)
		return -1;
	h->nodes = nodes;
	h->cap = cap;
	return 0;
}

int heap_add(struct heap *h, struct heap_node *node)
{
	if (heap_reserve(h, h->n + 1))
		return -1;
	place(h, h->n++, node);
	sift_up(h, h->n - 1);
	return 0;
}

void heap_remove(struct heap *h, struct heap_node *node)
{
	size_t i = node->slot - 1;
	node->slot = 0;
	struct heap_node *last = h->nodes[--h->n];
	if (i == h->n)
		return;
	place(h, i, last);
	heap_update(h, last);
}

void heap_update(struct heap *h, struct heap_node *node)
{
	sift_down(h, node->slot - 1);
	sift_up(h, node->slot - 1);
}

void heap_free(struct heap *h)
{
	free(h->nodes);
	*h = (struct heap){0};
}
