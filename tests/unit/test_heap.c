/* heap: random adds, removes and re-keys, checked against a brute-force
 * minimum after every operation. */
#include <stdlib.h>

#include "check.h"
#include "heap.h"

#define N 500

static struct heap_node nodes[N];

/* The smallest key among nodes in the heap, by scanning them all. */
static struct heap_node *brute_min(void)
{
	struct heap_node *min = NULL;
	for (int i = 0; i < N; i++)
		if (heap_contains(&nodes[i]) && (!min || nodes[i].key < min->key))
			min = &nodes[i];
	return min;
}

static void check_slots(const struct heap *h)
{
	int ok = 1;
	for (size_t i = 0; i < h->n; i++)
		ok &= h->nodes[i]->slot == i + 1;
	CHECK(ok);
}

int main(void)
{
	struct heap h = {0};
	unsigned seed = 12345;
	int mismatches = 0;
	for (int step = 0; step < 20000; step++) {
		struct heap_node *n = &nodes[rand_r(&seed) % N];
		double key = (double)(rand_r(&seed) % 1000);
		if (!heap_contains(n)) {
			n->key = key;
			CHECK(heap_add(&h, n) == 0);
		} else if (rand_r(&seed) % 2) {
			heap_remove(&h, n);
			CHECK(!heap_contains(n));
		} else {
			n->key = key;
			heap_update(&h, n);
		}
		struct heap_node *want = brute_min(), *got = heap_top(&h);
		mismatches += !(want == got || (want && got && want->key == got->key));
	}
	CHECK(mismatches == 0);
	check_slots(&h);
	/* draining yields keys in order */
	double last = -1;
	int ordered = 1;
	struct heap_node *top;
	while ((top = heap_top(&h))) {
		ordered &= top->key >= last;
		last = top->key;
		heap_remove(&h, top);
	}
	CHECK(ordered);
	CHECK(h.n == 0);
	CHECK(heap_reserve(&h, 1000) == 0 && h.cap >= 1000);
	heap_free(&h);
	return check_report();
}
