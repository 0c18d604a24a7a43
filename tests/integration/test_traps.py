"""Crawler traps (issue 4): endless URL spaces stop at the guards.

- a calendar (/cal?m=N links to the next months, forever) stops at
  --max-pages-per-host: exactly N URLs of the host are queued over the whole
  crawl, the rest are skipped with reason host-pages;
- a path that repeats itself (/a/b/a/b/...) stops at --max-repeats;
- --max-url-length skips longer URLs (reason url-length);
- --strip-query drops matching query parameters before deduplication, so
  session-id variants are one URL.
A site served from a thread of the test answers every path with a page whose
links a function of the test computes from the path."""
import os
import urllib.parse

import pytest

import harness


class TrapSite(harness.ThreadedHTTPServer):
	"""Every GET is answered 200 with a page linking to links(path) (a list
	of hrefs).  requests: the targets, in order."""

	def __init__(self, links):
		super().__init__()
		self.links = links
		self.requests = []

	def answer(self, req):
		with self.lock:
			self.requests.append(req.path)
		if req.path == "/robots.txt":
			status, body = 404, b""
		else:
			status = 200
			body = ("<html><body>%s</body></html>" % "".join(
				'<a href="%s">x</a>' % h for h in self.links(req.path))).encode()
		try:
			req.send_response(status)
			req.send_header("Content-Type", "text/html")
			req.send_header("Content-Length", str(len(body)))
			req.end_headers()
			req.wfile.write(body)
		except OSError:
			pass

	def pages(self):
		"""Requested targets other than /robots.txt."""
		with self.lock:
			return [p for p in self.requests if p != "/robots.txt"]


def rows_by_state(crawler):
	out = {}
	for url, row in crawler.urls().items():
		out.setdefault((row["state"], row["reason"]), set()).add(url)
	return out


# ---- a calendar: endless, one page per month ----

def calendar(path):
	m = int(urllib.parse.parse_qs(urllib.parse.urlsplit(path).query).get("m", ["0"])[0])
	return ["/cal?m=%d" % (m + 1), "/cal?m=%d" % (m + 2)]


PER_HOST = 12


def test_calendar_stops_at_max_pages_per_host(crawler):
	with TrapSite(calendar) as site:
		crawler.crawl(site.origin + "/cal?m=0", "--max-pages-per-host", PER_HOST, timeout=60)
		pages = site.pages()
		crawler.crawl(site.origin + "/cal?m=-1", timeout=60)
		later = site.pages()[len(pages):]
	assert sorted(pages) == sorted("/cal?m=%d" % m for m in range(PER_HOST)), pages
	states = rows_by_state(crawler)
	admitted = [u for (state, _), urls in states.items() if state != "skipped" for u in urls]
	assert len(admitted) == PER_HOST, harness.describe(crawler.urls().values(), 40)
	skipped = states.get(("skipped", "host-pages"), set())
	assert skipped == {site.origin + "/cal?m=%d" % m for m in (PER_HOST, PER_HOST + 1)} | \
		{site.origin + "/cal?m=-1"}, sorted(skipped)
	# the cap holds over the whole crawl: a second run queues nothing more
	assert later == [], later


# ---- a path that repeats itself ----

def repeating(path):
	return ["a/b/"]  # relative: /a/b/ -> /a/b/a/b/ -> ...


@pytest.mark.parametrize("args,depth", [([], 3), (["--max-repeats", 3], 3),
					(["--max-repeats", 1], 1), (["--max-repeats", 5], 5)],
			 ids=["default", "3", "1", "5"])
def test_repeating_path_stops_at_max_repeats(crawler, args, depth):
	with TrapSite(repeating) as site:
		crawler.crawl(site.origin + "/a/b/", *args, timeout=60)
		pages = site.pages()
	assert pages == ["/" + "a/b/" * n for n in range(1, depth + 1)], pages
	rows = crawler.urls()
	trap = rows[site.origin + "/" + "a/b/" * (depth + 1)]
	assert (trap["state"], trap["reason"]) == ("skipped", "repeats"), harness.describe([trap])
	assert len(rows) == depth + 1, sorted(rows)


# ---- long URLs ----

def url_of_length(origin, n):
	"""A same-site URL exactly n bytes long."""
	prefix = origin + "/long?q="
	return prefix + "x" * (n - len(prefix))


@pytest.mark.parametrize("args,limit", [([], 2048), (["--max-url-length", 100], 100)],
			 ids=["default", "100"])
def test_max_url_length(crawler, args, limit):
	with TrapSite(lambda p: [url_of_length(site.origin, limit),
				 url_of_length(site.origin, limit + 1)] if p == "/" else []) as site:
		crawler.crawl(site.origin + "/", *args)
		pages = site.pages()
	fits, too_long = url_of_length(site.origin, limit), url_of_length(site.origin, limit + 1)
	assert sorted(pages) == sorted(["/", fits[len(site.origin):]]), pages
	rows = crawler.urls()
	assert rows[fits]["state"] == "done", harness.describe([rows[fits]])
	assert (rows[too_long]["state"], rows[too_long]["reason"]) == ("skipped", "url-length"), \
		harness.describe([rows[too_long]])


# ---- session ids in the query ----

SESSION_LINKS = ["/p?id=1&sid=X", "/p?id=1&sid=Y", "/p?sid=Z&id=1",
		 "/p?id=1&utm_source=news&utm_medium=mail&sid=W", "/p?id=1&page=2&sid=V",
		 "/q?sid=only", "/p?id=1"]


def test_strip_query_merges_session_variants(crawler):
	with TrapSite(lambda p: SESSION_LINKS if p == "/" else []) as site:
		crawler.crawl(site.origin + "/", "--strip-query", "sid|utm_.*")
		pages = site.pages()
	assert sorted(pages) == ["/", "/p?id=1", "/p?id=1&page=2", "/q"], pages
	assert sorted(crawler.urls()) == sorted(site.origin + p for p in
						["/", "/p?id=1", "/p?id=1&page=2", "/q"])


def test_without_strip_query_variants_are_distinct(crawler):
	with TrapSite(lambda p: SESSION_LINKS if p == "/" else []) as site:
		crawler.crawl(site.origin + "/")
		pages = site.pages()
	assert len(pages) == 1 + len(SESSION_LINKS), pages


# ---- bad input ----

@pytest.mark.parametrize("args,needle", [
	(["--strip-query", "("], "'('"),
	(["--strip-query", "sid", "--strip-query", "utm_[a-"], "'utm_[a-'"),
	(["--max-url-length", "0"], "--max-url-length"),
	(["--max-repeats", "x"], "--max-repeats"),
	(["--max-pages-per-host", "-1"], "--max-pages-per-host"),
])
def test_bad_trap_options(crawler, args, needle):
	res = crawler.run("crawl", "--dir", crawler.dir, *args, "http://127.0.0.1:9/")
	assert res.rc == 2, res
	first = res.stderr.splitlines()[0]
	assert first.startswith("crawler: ") and needle in first, res
	assert not os.path.exists(os.path.join(crawler.dir, "crawl.db")), \
		"a usage error created a crawl database"
