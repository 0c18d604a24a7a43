/* check: the smallest test harness that reports like a real one.
 * CHECK(cond) records a failure with file:line and goes on; each test binary
 * ends with check_report(), which prints "N passed, N failed" and returns the
 * exit status. */
#ifndef CRAWLER_CHECK_H
#define CRAWLER_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                         \
	do {                                                                \
		if (cond) {                                                 \
			check_passed++;                                     \
		} else {                                                    \
			check_failed++;                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",        \
				__FILE__, __LINE__, #cond);                 \
		}                                                           \
	} while (0)

#define CHECK_STR(got, want)                                                \
	do {                                                                \
		const char *g_ = (got), *w_ = (want);                       \
		if (g_ && w_ && strcmp(g_, w_) == 0) {                      \
			check_passed++;                                     \
		} else {                                                    \
			check_failed++;                                     \
			fprintf(stderr, "%s:%d: got '%s', want '%s'\n",     \
				__FILE__, __LINE__, g_ ? g_ : "(null)",     \
				w_ ? w_ : "(null)");                        \
		}                                                           \
	} while (0)

static inline int check_report(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
