"""Sitemaps (issue 4): with --sitemaps, the Sitemap: lines of a host's
robots.txt and its /sitemap.xml are crawled as sitemaps, and what they list
is crawled even when no page links to it.

nginx serves the files, written after it started so they can name its port:
robots.txt names a sitemap index, which lists two gzipped sitemaps (served as
application/octet-stream: the crawler sniffs gzip), which list pages linked
from nowhere.  urls.via is 'sitemap' for sitemaps (depth 0) and 'listed' for
their pages (depth 1); urls.lastmod keeps <lastmod> as written; urls.links of
a sitemap is its number of entries.

A 50,000-URL sitemap (the protocol's maximum) puts every URL in the frontier
while the crawler's peak RSS stays bounded (measured with /usr/bin/time)."""
import gzip
import os
import subprocess

import pytest

import harness

TIME = "/usr/bin/time"

# {sitemap file: [(page path, lastmod or None)]}
SITEMAPS = {
	"sm1.xml.gz": [("/listed/a1.html", "2024-01-02"),
		       ("/listed/a2.html", "2024-03-04T05:06:07+00:00"),
		       ("/listed/a3.html", None)],
	"sm2.xml.gz": [("/listed/b1.html", "2023-12-31"),
		       ("/private/b2.html", None),
		       ("/listed/b3.html", "2022-06")],
}
DEFAULT_SITEMAP = [("/listed/default.html", "2021-01-01")]
INDEX_LASTMOD = "2024-05-05"
DISALLOWED = {"/private/b2.html"}


def urlset(origin, entries):
	body = "".join("<url><loc>%s%s</loc>%s</url>\n" % (
		origin, path, "<lastmod>%s</lastmod>" % lastmod if lastmod else "")
		for path, lastmod in entries)
	return ('<?xml version="1.0" encoding="UTF-8"?>\n'
		'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n%s</urlset>\n' % body)


def sitemap_index(origin, names):
	body = "".join("<sitemap><loc>%s/%s</loc><lastmod>%s</lastmod></sitemap>\n" % (
		origin, name, INDEX_LASTMOD) for name in names)
	return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex '
		'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n%s</sitemapindex>\n' % body)


def write(root, name, data):
	path = os.path.join(root, name.lstrip("/"))
	os.makedirs(os.path.dirname(path), exist_ok=True)
	with open(path, "wb") as f:
		f.write(data.encode() if isinstance(data, str) else data)


def all_pages():
	return [p for entries in list(SITEMAPS.values()) + [DEFAULT_SITEMAP] for p, _ in entries]


@pytest.fixture
def sitemap_site(servers, tmp_path):
	root = str(tmp_path / "site")
	os.makedirs(root)
	ng = servers.nginx([("localhost", root)])
	origin = ng.origin()
	write(root, "index.html", "<html><body>no links</body></html>\n")
	write(root, "robots.txt", "User-agent: *\nDisallow: /private/\n"
	      "Sitemap: %s/sitemap_index.xml\n" % origin)
	write(root, "sitemap_index.xml", sitemap_index(origin, sorted(SITEMAPS)))
	for name, entries in SITEMAPS.items():
		write(root, name, gzip.compress(urlset(origin, entries).encode()))
	write(root, "sitemap.xml", urlset(origin, DEFAULT_SITEMAP))
	for path in all_pages():
		write(root, path, "<html><body>%s</body></html>\n" % path)
	return ng


def requested(ng):
	return sorted(e["uri"] for e in ng.log())


def test_sitemaps_discover_unlinked_pages(sitemap_site, crawler):
	ng = sitemap_site
	origin = ng.origin()
	crawler.crawl(origin + "/", "--sitemaps")
	sitemaps = ["/sitemap_index.xml", "/sitemap.xml"] + ["/" + n for n in SITEMAPS]
	expected = ["/", "/robots.txt"] + sitemaps + [p for p in all_pages() if p not in DISALLOWED]
	assert requested(ng) == sorted(expected)
	rows = crawler.urls()
	for path in sitemaps:
		row = rows[origin + path]
		assert (row["via"], row["depth"], row["state"]) == ("sitemap", 0, "done"), \
			harness.describe([row])
	for path in DISALLOWED:
		row = rows[origin + path]
		assert (row["via"], row["state"], row["error"]) == ("listed", "failed", "robots"), \
			harness.describe([row])


def test_sitemap_rows_record_entries_and_lastmod(sitemap_site, crawler):
	ng = sitemap_site
	origin = ng.origin()
	crawler.crawl(origin + "/", "--sitemaps")
	rows = crawler.urls()
	for name, entries in list(SITEMAPS.items()) + [("sitemap.xml", DEFAULT_SITEMAP)]:
		assert rows[origin + "/" + name]["links"] == len(entries), rows[origin + "/" + name]
		for path, lastmod in entries:
			row = rows[origin + path]
			assert (row["via"], row["depth"], row["lastmod"]) == ("listed", 1, lastmod), \
				harness.describe([row]) + " lastmod %r" % row["lastmod"]
			assert row["parent_id"] == rows[origin + "/" + name]["id"], row
	index = rows[origin + "/sitemap_index.xml"]
	assert index["links"] == len(SITEMAPS), index
	for name in SITEMAPS:
		assert rows[origin + "/" + name]["lastmod"] == INDEX_LASTMOD, rows[origin + "/" + name]


def test_no_sitemaps_without_the_option(sitemap_site, crawler):
	ng = sitemap_site
	crawler.crawl(ng.origin() + "/")
	assert requested(ng) == ["/", "/robots.txt"]
	assert list(crawler.urls()) == [ng.origin() + "/"]


def test_sitemaps_stay_in_scope(servers, tmp_path, crawler):
	"""A Sitemap: line naming another host is discovered like a link: out of
	--scope host it is skipped, never requested."""
	root = str(tmp_path / "site")
	os.makedirs(root)
	ng = servers.nginx([("localhost", root)])
	offsite = "http://127.0.0.2:%d/offsite-sitemap.xml" % ng.port
	write(root, "index.html", "<html><body>no links</body></html>\n")
	write(root, "robots.txt", "Sitemap: %s\n" % offsite)
	write(root, "offsite-sitemap.xml", urlset(ng.origin(), DEFAULT_SITEMAP))
	crawler.crawl(ng.origin() + "/", "--sitemaps")
	assert "/offsite-sitemap.xml" not in requested(ng), requested(ng)
	row = crawler.urls()[offsite]
	assert (row["state"], row["reason"], row["via"]) == ("skipped", "scope:host", "sitemap"), \
		harness.describe([row])


# ---- a sitemap of 50,000 URLs ----

BIG_URLS = 50000
BIG_PAGES = 20
# The crawler streams a sitemap (SAX parser, spool with 1 MiB in memory) and
# keeps per-host windows of a few hundred URLs; the frontier lives in SQLite,
# whose page cache (up to 64 MiB) may hold the whole database of this crawl.
# So peak RSS may exceed a one-page crawl of the same binary by the size of
# crawl.db and its WAL, plus RSS_SLACK_KB for everything else: the spool,
# libxml2's push buffers, the in-memory dedup table (~24 bytes a URL, 1.2 MB),
# SQLite's per-page overhead and allocator slack (measured: ~10 MiB).  A tree
# of the 3.4 MB document (libxml2 DOM: ~10x its size) would not fit in it.
RSS_SLACK_KB = 16 * 1024


def crawl_rss(crawler, *args, rc=(0,)):
	"""(result, peak RSS in KiB) of one `crawler crawl` run under /usr/bin/time."""
	stats = os.path.join(os.path.dirname(crawler.dir), "time.txt")
	argv = [TIME, "-f", "%M", "-o", stats, crawler.binary, "crawl", "--dir", crawler.dir,
		"--quiet"] + [str(a) for a in args]
	p = subprocess.run(argv, capture_output=True, text=True, timeout=180, env=harness.clean_env())
	assert p.returncode in rc, (p.returncode, p.stderr[-2000:])
	with open(stats) as f:
		return p, int(f.read().split()[-1])


def db_kb(crawler):
	files = [os.path.join(crawler.dir, n) for n in ("crawl.db", "crawl.db-wal")]
	return sum(os.path.getsize(f) for f in files if os.path.exists(f)) // 1024


def sanitized(binary):
	"""ASan keeps freed memory in quarantine: RSS says nothing there."""
	with open(binary, "rb") as f:
		return b"__asan_init" in f.read()


@pytest.mark.skipif(not os.access(TIME, os.X_OK), reason="needs /usr/bin/time")
def test_50k_url_sitemap_in_bounded_memory(servers, tmp_path, crawler_bin):
	root = str(tmp_path / "site")
	os.makedirs(root)
	ng = servers.nginx([("localhost", root)])
	origin = ng.origin()
	write(root, "index.html", "<html><body>no links</body></html>\n")
	listed = ["%s/p/%05d.html" % (origin, i) for i in range(BIG_URLS)]
	write(root, "sitemap.xml", urlset("", [(u, "2024-01-01") for u in listed]))

	base = harness.Crawler(crawler_bin, str(tmp_path / "base" / "crawl"))
	os.makedirs(os.path.dirname(base.dir))
	_, base_kb = crawl_rss(base, origin + "/")
	big = harness.Crawler(crawler_bin, str(tmp_path / "big" / "crawl"))
	os.makedirs(os.path.dirname(big.dir))
	_, big_kb = crawl_rss(big, origin + "/", "--sitemaps", "--max-pages", BIG_PAGES, rc=(6,))
	big_db_kb = db_kb(big)
	print("\n50k-URL sitemap: peak RSS %d KiB; one-page crawl %d KiB; crawl.db+wal %d KiB"
	      % (big_kb, base_kb, big_db_kb))

	stored = {r["url"] for r in big.query("SELECT url FROM urls WHERE via = 'listed'")}
	assert len(stored) == BIG_URLS and stored == set(listed), \
		"%d of %d listed URLs stored" % (len(stored & set(listed)), BIG_URLS)
	fetched = big.query("SELECT count(*) AS n FROM urls WHERE state IN ('done', 'failed')")
	assert fetched[0]["n"] <= BIG_PAGES, fetched
	if not sanitized(crawler_bin):
		assert big_kb - base_kb < big_db_kb + RSS_SLACK_KB, \
			"peak RSS %d KiB: %d KiB above a one-page crawl, database %d KiB" % (
				big_kb, big_kb - base_kb, big_db_kb)
