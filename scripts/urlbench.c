/* urlbench: ns per link to resolve and canonicalize the links of a page with
 * our url_resolve and with libcurl's URL API (curl_url set + get).
 *
 * Build and run from the repository root:
 *   cc -O2 -std=gnu11 -Iparsers scripts/urlbench.c parsers/url.c \
 *      -lidn2 -lcurl -o /tmp/urlbench && /tmp/urlbench
 *
 * 2000 page URLs over 50 hosts, 40 links a page drawn from the shapes seen
 * in real pages (relative, root-relative, "../", query-only, fragment-only,
 * absolute on the same or another host, protocol-relative, a few mailto:
 * and javascript:).  Each side parses the page URL once per page and then
 * resolves its links; the best of several rounds is printed.
 */
#define _GNU_SOURCE
#include "url.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGES 2000
#define LINKS 40
#define ROUNDS 5

static char pages[PAGES][128];
static char links[PAGES][LINKS][128];

/* Writes `shape` with its "{}" replaced by n. */
static void fill(char *dst, size_t cap, const char *shape, int n)
{
	const char *hole = strstr(shape, "{}");
	snprintf(dst, cap, "%.*s%d%s", (int)(hole - shape), shape, n, hole + 2);
}

static void make_input(void)
{
	static const char *const shape[] = {
		"page{}.html", "../section{}/index.html", "/static/css/site{}.css",
		"/articles/{}/comments?sort=new&page=2", "?page={}", "#section-{}",
		"https://cdn.example.net/img/{}.png", "//fonts.example.org/css?family=A{}",
		"./item-{}/", "/tag/caf%C3%A9-{}", "http://site{}.example.com/",
		"mailto:user{}@example.com", "javascript:void({})", "images/photo {}.jpg",
		"/search?q=a+b&x={}#r", "../../up/{}/./x/../y",
	};
	size_t nshape = sizeof shape / sizeof shape[0];
	for (int p = 0; p < PAGES; p++) {
		snprintf(pages[p], sizeof pages[p],
			 "https://site%d.example.com/section%d/page%d.html?ref=%d", p % 50,
			 p % 7, p, p % 3);
		for (int l = 0; l < LINKS; l++)
			fill(links[p][l], sizeof links[p][l], shape[(size_t)(p + l) % nshape],
			     (p * 31 + l) % 997);
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double run_ours(size_t *ok)
{
	static struct url_base base;
	static char out[URL_MAX];
	size_t len;
	double t0 = now();
	*ok = 0;
	for (int p = 0; p < PAGES; p++) {
		if (url_base_set(&base, pages[p], strlen(pages[p])) != URL_OK)
			abort();
		for (int l = 0; l < LINKS; l++)
			*ok += url_resolve(&base, links[p][l], strlen(links[p][l]), out,
					   sizeof out, &len) == URL_OK;
	}
	return now() - t0;
}

static double run_curl(size_t *ok)
{
	double t0 = now();
	*ok = 0;
	for (int p = 0; p < PAGES; p++) {
		CURLU *base = curl_url();
		if (!base || curl_url_set(base, CURLUPART_URL, pages[p], 0) != CURLUE_OK)
			abort();
		for (int l = 0; l < LINKS; l++) {
			CURLU *h = curl_url_dup(base);
			char *s = NULL;
			if (!h)
				abort();
			if (curl_url_set(h, CURLUPART_URL, links[p][l], CURLU_URLENCODE) == CURLUE_OK &&
			    curl_url_get(h, CURLUPART_URL, &s, 0) == CURLUE_OK)
				(*ok)++;
			curl_free(s);
			curl_url_cleanup(h);
		}
		curl_url_cleanup(base);
	}
	return now() - t0;
}

int main(void)
{
	double best_ours = 1e30, best_curl = 1e30;
	size_t ok_ours = 0, ok_curl = 0;
	make_input();
	for (int r = 0; r < ROUNDS; r++) {
		double t = run_ours(&ok_ours);
		best_ours = t < best_ours ? t : best_ours;
		t = run_curl(&ok_curl);
		best_curl = t < best_curl ? t : best_curl;
	}
	double n = (double)PAGES * LINKS;
	printf("links: %d pages x %d links, best of %d rounds\n", PAGES, LINKS, ROUNDS);
	printf("url_resolve: %7.1f ns/link (%zu resolved to http(s))\n", best_ours / n, ok_ours);
	printf("curl_url:    %7.1f ns/link (%zu accepted)\n", best_curl / n, ok_curl);
	return 0;
}
