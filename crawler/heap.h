/* heap: an intrusive binary min-heap keyed by a double (a time), used for the
 * loop's timers and the scheduler's hosts.  Elements embed a struct
 * heap_node; the heap stores pointers to those nodes and keeps each node's
 * slot up to date, so removing or re-keying any element is O(log n).
 *
 * Ownership: the heap owns only its array; nodes belong to their elements.
 */
#ifndef CRAWLER_HEAP_H
#define CRAWLER_HEAP_H

#include <stddef.h>

struct heap_node {
	double key;
	size_t slot; /* index + 1 in the heap; 0 when not in it */
};

struct heap {
	struct heap_node **nodes;
	size_t n, cap;
};

static inline int heap_contains(const struct heap_node *node)
{
	return node->slot != 0;
}

/* The node with the smallest key, or NULL. */
static inline struct heap_node *heap_top(const struct heap *h)
{
	return h->n ? h->nodes[0] : NULL;
}

/* Makes room for n nodes, so that adding up to n never fails.  0 or -1. */
int heap_reserve(struct heap *h, size_t n);
/* Adds a node that is not in the heap.  0, or -1 on out-of-memory. */
int heap_add(struct heap *h, struct heap_node *node);
/* Removes a node that is in the heap. */
void heap_remove(struct heap *h, struct heap_node *node);
/* Restores the order after node->key changed (node is in the heap). */
void heap_update(struct heap *h, struct heap_node *node);
void heap_free(struct heap *h);

#endif
