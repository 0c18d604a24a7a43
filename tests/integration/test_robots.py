"""robots.txt end to end (RFC 9309, issue 4), observed from the server side.

- One crawl over nine sites (names from a dnsmasq of the test, one fault
  server), each with its own robots.txt, and every test URL given as a seed:
  the crawler requests exactly the URLs the rules allow, and a disallowed URL
  is failed/robots without ever being requested.  Each case cites the section
  of RFC 9309 it comes from.  The crawler runs as "TestBot/2.0 (+http://x)",
  so its product token is "TestBot".
- How a robots.txt answer is read: 404 allows everything; 500 or a timeout
  keeps every URL of the origin queued (and the next run asks again); up to
  5 redirects are followed, also to another host, and a longer chain allows
  everything; more than 500 KiB is cut (a rule past it is ignored).
- The robots table caches the rules for --robots-ttl; --no-robots ignores
  them; Crawl-delay spaces request starts, capped by --max-delay.
- Malformed values of the new options are usage errors."""
import base64
import collections
import os
import time

import pytest

import harness

UA = "TestBot/2.0 (+http://x)"
DISALLOWED = ("failed", "robots", "disallowed by robots.txt")


# ---- the robots suite: sites, their robots.txt, and the cases ----

RULES = """\
# A comment line, then groups for other crawlers (RFC 9309 2.2.4)
User-agent: otherbot
Disallow: /rules-for-otherbot

User-agent: TESTBOT
Allow: /example/page/
Disallow: /example/page/disallowed.gif
Disallow: /tie
Allow: /tie
Disallow: *.gif$
Disallow: /star/*/deep
Disallow: /dollar$
Disallow: /pre
Allow: /pre/fix
Disallow: /q?s=secret
Disallow: /%7Ejoe
Disallow: /~mary
Disallow: /enc%2Fslash
Disallow: /plain/slash
Disallow: /f\u00fc
Disallow: /caf%C3%A9
Disallow: /%e2%82%ac
Disallow: /foo/bar/%62%61%7A
Disallow: /Case
Disallow: /comment # a comment after a rule
# Disallow: /remark
Disallow: /fish*
Sitemap: http://rules.test/sitemap.xml
Disallow: /after-sitemap
"""

MERGE = """\
Disallow: /before-any-group

User-agent: *
Disallow: /star-only

User-agent: testbot
Disallow: /first-group

User-agent: otherbot
Disallow: /other-only

User-agent: TestBot
Disallow: /second-group

User-agent: somebot
user-agent: testbot
Disallow: /multi-agent-group
"""

FALLBACK = """\
User-agent: testbotextra
Disallow: /extra

User-agent: *
Disallow: /star
"""

EMPTY = "User-agent: *\nDisallow:\n"

NOGROUP = "User-agent: otherbot\nDisallow: /\n"

ALL = "User-agent: *\nDisallow: /\n"

# a UTF-8 byte order mark, CRLF line ends, keys in any case, spaces
FORMAT = (b"\xef\xbb\xbfUser-agent: *\r\nDisallow: /crlf-blocked\r\n"
	  b"Allow: /crlf-blocked/open\r\nDISALLOW : /upper-key\r\n  disallow:/no-space \r\n")

CR_ONLY = b"User-agent: *\rDisallow: /cr-blocked\rDisallow: /cr-two\r"

# RFC 9309 2.5: a parser may stop at 500 KiB; what follows is ignored
BIG_PAD = 510 * 1024
BIG = ("User-agent: *\nDisallow: /early\n" +
       "# padding padding padding padding padding padding padding padding\n" *
       (BIG_PAD // 66) + "Disallow: /late\n")

ROBOTS = {
	"rules.test": RULES, "merge.test": MERGE, "fallback.test": FALLBACK,
	"empty.test": EMPTY, "nogroup.test": NOGROUP, "all.test": ALL,
	"format.test": FORMAT, "cr.test": CR_ONLY, "big.test": BIG,
}

# (host, URL path as seeded, its canonical path or None when the same,
#  allowed, where the RFC says so)
C = collections.namedtuple("C", "host path canon allowed why")
CASES = [
	C("rules.test", "/example/page/", None, True, "5.2 longest match: the Allow"),
	C("rules.test", "/example/page/other.html", None, True, "5.2 longest match"),
	C("rules.test", "/example/page/disallowed.gif", None, False,
	  "5.2 the longer Disallow wins"),
	C("rules.test", "/tie", None, True, "2.2.2 equivalent Allow and Disallow: Allow"),
	C("rules.test", "/tiered", None, True, "2.2.2 tie on the same prefix: Allow"),
	C("rules.test", "/img/a.gif", None, False, "2.2.3 '*' and '$' (5.1 *.gif$)"),
	C("rules.test", "/img/a.gif?x=1", None, True, "2.2.3 '$' anchors the end"),
	C("rules.test", "/img/a.gifs", None, True, "2.2.3 '$' anchors the end"),
	C("rules.test", "/star/a/b/deep", None, False, "2.2.3 '*' matches any run"),
	C("rules.test", "/star/deep", None, True, "2.2.3 '*' needs its separators"),
	C("rules.test", "/dollar", None, False, "2.2.3 '$' end of pattern"),
	C("rules.test", "/dollar/more", None, True, "2.2.3 '$' end of pattern"),
	C("rules.test", "/pre/x", None, False, "2.2.2 most octets wins"),
	C("rules.test", "/pre/fix/y", None, True, "2.2.2 most octets wins"),
	C("rules.test", "/q?s=secret", None, False, "2.2.2 the query is part of the path"),
	C("rules.test", "/q?s=public", None, True, "2.2.2 the query is part of the path"),
	C("rules.test", "/~joe/", None, False, "2.2.2 %7E in the rule is '~'"),
	C("rules.test", "/%7Emary/", "/~mary/", False, "2.2.2 %7E in the URI is '~'"),
	C("rules.test", "/enc%2fslash", "/enc%2Fslash", False,
	  "2.2.2 %2F matches %2F, any hex case"),
	C("rules.test", "/enc/slash", None, True, "2.2.2 %2F is reserved: not '/'"),
	C("rules.test", "/plain%2Fslash", None, True, "2.2.2 '/' is not %2F"),
	C("rules.test", "/f\u00fc", "/f%C3%BC", False, "2.2.2 UTF-8 rule, percent-encoded"),
	C("rules.test", "/caf\u00e9", "/caf%C3%A9", False, "2.2.2 UTF-8 URI, percent-encoded"),
	C("rules.test", "/%E2%82%AC", None, False, "2.2.2 percent-encoding, hex case"),
	C("rules.test", "/foo/bar/baz", None, False, "2.2.2 table: %62%61%7A is baz"),
	C("rules.test", "/case", None, True, "2.2.2 paths match case-sensitively"),
	C("rules.test", "/Case", None, False, "2.2.2 paths match case-sensitively"),
	C("rules.test", "/comment", None, False, "2.2.4 a comment after a rule"),
	C("rules.test", "/remark", None, True, "2.2.4 a commented-out rule"),
	C("rules.test", "/fish.html", None, False, "2.2.3 a trailing '*'"),
	C("rules.test", "/after-sitemap", None, False,
	  "2.2.4 a Sitemap line does not end the group"),
	C("rules.test", "/rules-for-otherbot", None, True, "2.2.1 another crawler's group"),
	C("merge.test", "/before-any-group", None, True, "2.1 a rule outside any group"),
	C("merge.test", "/star-only", None, True, "2.2.1 our group, so not '*'"),
	C("merge.test", "/first-group", None, False, "2.2.1 our group"),
	C("merge.test", "/second-group", None, False, "2.2.1 repeated groups combined"),
	C("merge.test", "/multi-agent-group", None, False, "2.1 several user-agent lines"),
	C("merge.test", "/other-only", None, True, "2.2.1 another crawler's group"),
	C("fallback.test", "/star", None, False, "2.2.1 no group of ours: '*'"),
	C("fallback.test", "/extra", None, True, "2.2.1 testbotextra is not TestBot"),
	C("fallback.test", "/open", None, True, "2.2.2 no rule matches"),
	C("empty.test", "/anything", None, True, "2.2.2 an empty Disallow"),
	C("empty.test", "/a/b?c", None, True, "2.2.2 an empty Disallow"),
	C("nogroup.test", "/x", None, True, "2.2.1 no group of ours and no '*'"),
	C("all.test", "/x", None, False, "2.2.2 Disallow: /"),
	C("all.test", "/robots.txt", None, True, "2.2.2 /robots.txt is implicitly allowed"),
	C("format.test", "/crlf-blocked", None, False, "2.2 CRLF ends a line; BOM skipped"),
	C("format.test", "/crlf-blocked/open", None, True, "2.2 CRLF; longest match"),
	C("format.test", "/upper-key", None, False, "2.2 keys are case-insensitive"),
	C("format.test", "/no-space", None, False, "2.2 optional whitespace"),
	C("format.test", "/free", None, True, "2.2.2 no rule matches"),
	C("cr.test", "/cr-blocked", None, False, "2.2 CR alone ends a line"),
	C("cr.test", "/cr-two", None, False, "2.2 CR alone ends a line"),
	C("cr.test", "/cr", None, True, "2.2 CR alone ends a line"),
	C("big.test", "/early", None, False, "2.5 a rule within 500 KiB"),
	C("big.test", "/late", None, True, "2.5 a rule after 500 KiB is ignored"),
]


def canon(case):
	return case.canon or case.path


def robots_route(body):
	if isinstance(body, bytes):
		return {"body_b64": base64.b64encode(body).decode(), "content_type": "text/plain"}
	return {"body": body, "content_type": "text/plain"}


def suite_config():
	hosts = {h: {"/robots.txt": robots_route(body)} for h, body in ROBOTS.items()}
	for case in CASES:
		if canon(case) != "/robots.txt":
			hosts[case.host][canon(case)] = {"body": "<html><body>%s</body></html>" % case.path}
	return {"hosts": hosts}


class SuiteRun:
	"""The one crawl of every case, and what the server saw."""

	def __init__(self, fs, crawler):
		self.fs, self.crawler = fs, crawler
		self.rows = crawler.urls()
		self.requests = collections.defaultdict(collections.Counter)
		self.first = {}
		for e in sorted(fs.log(), key=lambda e: e["start"]):
			self.requests[e["host"]][e["path"]] += 1
			self.first.setdefault(e["host"], e["path"])

	def url(self, case):
		return "http://%s:%d%s" % (case.host, self.fs.port, canon(case))


@pytest.fixture(scope="module")
def suite(module_servers, crawler_bin, tmp_path_factory):
	dns = module_servers.dnsmasq({h: "127.0.0.1" for h in ROBOTS})
	fs = module_servers.faultserver(suite_config())
	crawler = harness.Crawler(crawler_bin, str(tmp_path_factory.mktemp("suite") / "crawl"))
	seeds = str(tmp_path_factory.mktemp("seeds") / "seeds.txt")
	with open(seeds, "w", encoding="utf-8") as f:
		f.writelines("http://%s:%d%s\n" % (c.host, fs.port, c.path) for c in CASES)
	crawler.crawl("--seeds", seeds, "--dns-servers", dns.server_arg, "--user-agent", UA)
	return SuiteRun(fs, crawler)


@pytest.mark.parametrize("case", CASES, ids=["%s%s" % (c.host, c.path) for c in CASES])
def test_robots_case(suite, case):
	"""One RFC 9309 case: case.why names the section."""
	url = suite.url(case)
	row = suite.rows.get(url)
	assert row is not None, "no row for %s; rows: %s" % (url, sorted(suite.rows))
	asked = suite.requests[case.host][canon(case)]
	if canon(case) == "/robots.txt":
		asked -= 1  # the crawler's own fetch of the rules
	if case.allowed:
		assert asked == 1, "%s (%s) allowed: requested %d times, not once" % (
			url, case.why, asked)
		assert row["state"] == "done" and row["error"] is None, harness.describe([row])
	else:
		assert asked == 0, "%s (%s) disallowed but requested" % (url, case.why)
		assert (row["state"], row["error"], row["error_detail"]) == DISALLOWED, \
			harness.describe([row])


def test_suite_requests_exactly_the_allowed_urls(suite):
	"""2.3: robots.txt first, then the allowed URLs, each once."""
	assert suite.first == {h: "/robots.txt" for h in ROBOTS}, suite.first
	for host in ROBOTS:
		expected = collections.Counter(canon(c) for c in CASES if c.host == host and c.allowed)
		expected["/robots.txt"] += 1
		assert suite.requests[host] == expected, host
	assert set(suite.requests) == set(ROBOTS), sorted(suite.requests)
	stored = suite.crawler.query("SELECT h.host, r.status FROM robots r "
				     "JOIN hosts h ON h.id = r.host_id")
	assert sorted((r["host"], r["status"]) for r in stored) == \
		sorted((h, 200) for h in ROBOTS), stored


def test_suite_robots_txt_is_not_a_url_row(suite):
	"""robots.txt fetches are not rows of urls (only the seeded one is)."""
	rows = [u for u in suite.rows if u.endswith("/robots.txt")]
	assert rows == ["http://all.test:%d/robots.txt" % suite.fs.port], rows


def test_oversized_robots_txt_is_cut_at_500_kib(suite):
	assert len(BIG.encode()) > 500 * 1024 + 100
	stored = suite.crawler.query("SELECT length(r.body) AS n FROM robots r "
				     "JOIN hosts h ON h.id = r.host_id WHERE h.host = 'big.test'")
	assert stored == [{"n": 500 * 1024}], stored


# ---- a site of the test whose answers can change between runs ----

class Site(harness.ThreadedHTTPServer):
	"""routes maps a path (with its query) to {status, body (bytes or str),
	headers, latency}; a path without a route is a small page.  log: (path,
	arrival time)."""

	def __init__(self, routes):
		super().__init__()
		self.routes = dict(routes)
		self.log = []

	def answer(self, req):
		with self.lock:
			self.log.append((req.path, time.time()))
			route = self.routes.get(req.path, {"body": "<html><body>page</body></html>"})
		self.stopping.wait(route.get("latency", 0))
		body = route.get("body", b"")
		body = body.encode() if isinstance(body, str) else body
		try:
			req.send_response(route.get("status", 200))
			for name, value in route.get("headers", {}).items():
				req.send_header(name, value)
			req.send_header("Content-Length", str(len(body)))
			req.end_headers()
			req.wfile.write(body)
		except OSError:
			pass

	def set_route(self, path, route):
		with self.lock:
			self.routes[path] = route

	def paths(self):
		with self.lock:
			return [p for p, _ in self.log]


def rules(text):
	return {"body": text, "headers": {"Content-Type": "text/plain"}}


def states(crawler):
	return {u: (r["state"], r["error"]) for u, r in crawler.urls().items()}


def crawl_loud(crawler, *args):
	"""A crawl without --quiet, so robots.txt messages reach stderr."""
	return crawler.run("crawl", "--dir", crawler.dir, "--progress", "log", *args)


# ---- how a robots.txt answer is read (RFC 9309 2.3.1) ----

def test_robots_404_allows_everything(crawler):
	"""2.3.1.3: an unavailable robots.txt (4xx) allows everything."""
	with Site({"/robots.txt": {"status": 404, "body": "no"}}) as site:
		crawler.crawl(site.url("/a"), site.url("/b"))
		assert sorted(site.paths()) == ["/a", "/b", "/robots.txt"]
	assert set(states(crawler).values()) == {("done", None)}


@pytest.mark.parametrize("failure,args,message", [
	({"status": 500, "body": "oops"}, [], "server error"),
	({"latency": 5, "body": "User-agent: *\nDisallow: /\n"}, ["--timeout", 1], "unreachable"),
], ids=["500", "timeout"])
def test_robots_failure_keeps_urls_queued(crawler, failure, args, message):
	"""2.3.1.4: a server error or no answer is a complete disallow for this
	run; the URLs are not failed, and the next run asks again."""
	with Site({"/robots.txt": failure}) as site:
		seeds = [site.url("/a"), site.url("/b"), site.url("/c")]
		res = crawl_loud(crawler, *args, *seeds)
		assert res.rc == 0, res
		assert site.paths() == ["/robots.txt"], site.paths()
		assert set(states(crawler).values()) == {("queued", None)}, states(crawler)
		expected = "crawler: %s/robots.txt: %s; its URLs wait for the next run" % (
			site.origin, message)
		assert expected in res.stderr, res
		site.set_route("/robots.txt", rules("User-agent: *\nDisallow: /c\n"))
		crawler.crawl(*args)
		second = site.paths()[1:]
		assert second[:1] == ["/robots.txt"] and sorted(second[1:]) == ["/a", "/b"], second
	got = states(crawler)
	assert got[site.url("/a")] == got[site.url("/b")] == ("done", None), got
	assert got[site.url("/c")] == ("failed", "robots"), got


def redirect_config(hops, final_host=None):
	"""robots.txt redirecting `hops` times, the last hop to the rules."""
	final = "/final-robots.txt"
	if final_host:
		final = "http://%s:{{port}}%s" % (final_host, final)
	chain = ["/robots.txt"] + ["/hop%d" % i for i in range(1, hops)]
	routes = {p: {"kind": "redirect", "location": n, "status": 301}
		  for p, n in zip(chain, chain[1:] + [final])}
	rules_route = {"body": "User-agent: *\nDisallow: /blocked\n",
		       "content_type": "text/plain"}
	for page in ("/open", "/blocked"):
		routes[page] = {"body": "<html><body>%s</body></html>" % page}
	if final_host:
		return {"hosts": {"a.test": routes, final_host: {"/final-robots.txt": rules_route}}}
	routes["/final-robots.txt"] = rules_route
	return {"hosts": {"*": routes}}


@pytest.mark.parametrize("hops,obeyed", [(1, True), (5, True), (6, False)])
def test_robots_redirects(servers, crawler, hops, obeyed):
	"""2.3.1.2: at least five redirects are followed; beyond them the
	robots.txt is unavailable (allow everything)."""
	fs = servers.faultserver(redirect_config(hops))
	crawler.crawl(fs.origin() + "/open", fs.origin() + "/blocked")
	paths = [e["path"] for e in fs.log()]
	chain = ["/robots.txt"] + ["/hop%d" % i for i in range(1, hops)]
	if obeyed:
		assert paths == chain + ["/final-robots.txt", "/open"], paths
		assert states(crawler)[fs.origin() + "/blocked"] == ("failed", "robots")
	else:
		assert paths[:6] == chain[:6], paths
		assert sorted(paths[6:]) == ["/blocked", "/open"], paths
		assert set(states(crawler).values()) == {("done", None)}


def test_robots_redirect_to_another_host(servers, crawler):
	"""2.3.1.2: the redirect may lead to another host, resolved through our
	DNS; its file gives a.test's rules."""
	dns = servers.dnsmasq({"a.test": "127.0.0.1", "b.test": "127.0.0.1"})
	fs = servers.faultserver(redirect_config(1, "b.test"))
	origin = fs.origin("a.test")
	crawler.crawl(origin + "/open", origin + "/blocked", "--dns-servers", dns.server_arg)
	seen = [(e["host"], e["path"]) for e in fs.log()]
	assert seen == [("a.test", "/robots.txt"), ("b.test", "/final-robots.txt"),
			("a.test", "/open")], seen
	got = states(crawler)
	assert got[origin + "/blocked"] == ("failed", "robots"), got
	assert got[origin + "/open"] == ("done", None), got
	stored = crawler.query("SELECT url, status FROM robots")
	assert stored == [{"url": "http://b.test:%d/final-robots.txt" % fs.port,
			   "status": 200}], stored


# ---- caching (RFC 9309 2.4), --no-robots ----

ROBOTS_BLOCKED = "User-agent: *\nDisallow: /blocked\n"


def test_robots_cached_within_ttl(crawler):
	"""2.4: a robots.txt is reused while fresh, from the robots table."""
	with Site({"/robots.txt": rules(ROBOTS_BLOCKED)}) as site:
		crawler.crawl(site.url("/a"))
		assert site.paths() == ["/robots.txt", "/a"]
		crawler.crawl(site.url("/b"), site.url("/blocked"))
		assert site.paths()[2:] == ["/b"], "a fresh robots.txt was fetched again"
	assert states(crawler)[site.url("/blocked")] == ("failed", "robots")
	cached = crawler.query("SELECT status, body FROM robots")
	assert cached == [{"status": 200, "body": ROBOTS_BLOCKED.encode()}], cached


@pytest.mark.parametrize("first_args", [[], ["--robots-ttl", 0]], ids=["later", "first"])
def test_robots_ttl_zero_fetches_again(crawler, first_args):
	"""--robots-ttl 0 (given to this run or stored from the first): each run
	asks again, and still uses what it got for the URLs of the run."""
	with Site({"/robots.txt": rules(ROBOTS_BLOCKED)}) as site:
		crawler.crawl(site.url("/a"), *first_args, timeout=15)
		assert site.paths() == ["/robots.txt", "/a"]
		pages = ["/b", "/c", "/d", "/blocked"]
		crawler.crawl(*[site.url(p) for p in pages], "--robots-ttl", 0, timeout=15)
		second = site.paths()[2:]
	assert second[:1] == ["/robots.txt"], second[:10]
	assert sorted(p for p in second if p != "/robots.txt") == ["/b", "/c", "/d"], second[:10]
	assert second.count("/robots.txt") <= len(pages), "robots.txt asked %d times for %d URLs" % (
		second.count("/robots.txt"), len(pages))
	assert states(crawler)[site.url("/blocked")] == ("failed", "robots")


def test_robots_ttl_default_is_a_day(crawler):
	with Site({"/robots.txt": rules(ROBOTS_BLOCKED)}) as site:
		crawler.crawl(site.url("/a"))
	cached = crawler.query("SELECT expires_at - fetched_at AS ttl FROM robots")
	assert [round(r["ttl"]) for r in cached] == [86400], cached


def test_no_robots_fetches_disallowed_urls(crawler):
	with Site({"/robots.txt": rules("User-agent: *\nDisallow: /\n")}) as site:
		crawler.crawl(site.url("/a"), site.url("/b"), "--no-robots")
		assert sorted(site.paths()) == ["/a", "/b"]
	assert set(states(crawler).values()) == {("done", None)}


# ---- Crawl-delay ----

DELAY_PAGES = ["/p%d" % i for i in range(4)]
# The server logs a request when its head arrives: for a request on a new
# connection that is after the connect, later than the crawler's start, so a
# gap from it can look shorter than the delay the crawler kept.
TOLERANCE = 0.05


@pytest.fixture
def delay_site(servers):
	routes = {p: {"body": "<html><body>%s</body></html>" % p} for p in DELAY_PAGES}
	routes["/robots.txt"] = {"body": "User-agent: *\nCrawl-delay: 1\n",
				 "content_type": "text/plain"}
	return servers.faultserver({"hosts": {"*": routes}})


def request_gaps(fs):
	starts = sorted(e["start"] for e in fs.log())
	assert len(starts) == len(DELAY_PAGES) + 1, fs.log()
	return [b - a for a, b in zip(starts, starts[1:])]


def test_crawl_delay_spaces_requests(delay_site, crawler):
	crawler.crawl(*[delay_site.origin() + p for p in DELAY_PAGES], "--per-host", 4)
	gaps = request_gaps(delay_site)
	assert min(gaps) >= 1 - TOLERANCE, "request starts %s s apart" % gaps


def test_crawl_delay_capped_by_max_delay(delay_site, crawler):
	crawler.crawl(*[delay_site.origin() + p for p in DELAY_PAGES], "--per-host", 4,
		      "--max-delay", 0.2)
	gaps = request_gaps(delay_site)
	assert min(gaps) >= 0.2 - TOLERANCE, "request starts %s s apart" % gaps
	assert max(gaps) < 1, "--max-delay 0.2 did not cap Crawl-delay 1: %s" % gaps


# ---- meta robots and X-Robots-Tag ----

def linking(target, head="", headers=None):
	route = {"body": "<html><head>%s</head><body><a href=\"%s\">x</a></body></html>" % (
		head, target)}
	if headers:
		route["headers"] = headers
	return route


META_ROUTES = {
	"/xrt": linking("/xrt-link", headers={"X-Robots-Tag": "nofollow"}),
	"/meta": linking("/meta-link", head='<meta name="robots" content="noindex, nofollow">'),
	"/noindex": linking("/noindex-link", head='<meta name="ROBOTS" content="noindex">'),
	"/otherbot": linking("/otherbot-link", headers={"X-Robots-Tag": "otherbot: nofollow"}),
	"/ours": linking("/ours-link", headers={"X-Robots-Tag": "crawler: nofollow"}),
	"/both": linking("/both-link", head='<meta name="robots" content="noindex">',
			 headers={"X-Robots-Tag": "nofollow"}),
	"/plain": linking("/plain-link"),
}
# {page: (its directives, whether its link is followed)}
META_EXPECTED = {
	"/xrt": ({"nofollow"}, False),
	"/meta": ({"noindex", "nofollow"}, False),
	"/noindex": ({"noindex"}, True),
	"/otherbot": (None, True),
	"/ours": ({"nofollow"}, False),
	"/both": ({"noindex", "nofollow"}, False),
	"/plain": (None, True),
}


@pytest.fixture
def meta_site(servers):
	routes = dict(META_ROUTES)
	routes["/"] = {"body": "<html><body>%s</body></html>" % "".join(
		'<a href="%s">x</a>' % p for p in META_ROUTES)}
	return servers.faultserver({"hosts": {"*": routes}})


def directives(value):
	return None if value is None else {d.strip() for d in value.split(",")}


@pytest.mark.parametrize("follow", [False, True], ids=["obey", "follow-nofollow"])
def test_meta_robots_and_x_robots_tag(meta_site, crawler, follow):
	crawler.crawl(meta_site.origin() + "/", *(["--follow-nofollow"] if follow else []))
	asked = {e["path"] for e in meta_site.log()}
	rows = crawler.urls()
	for page, (meta, followed) in META_EXPECTED.items():
		row = rows[meta_site.origin() + page]
		assert directives(row["robots_meta"]) == meta, harness.describe([row]) + \
			" robots_meta %r" % row["robots_meta"]
		link = rows.get(meta_site.origin() + page + "-link")
		assert link is not None, "%s's link was not recorded" % page
		if followed or follow:
			assert page + "-link" in asked and link["state"] != "skipped", \
				harness.describe([link])
		else:
			assert page + "-link" not in asked, "%s's nofollow link was fetched" % page
			assert (link["state"], link["reason"]) == ("skipped", "nofollow"), \
				harness.describe([link])


# ---- bad input ----

@pytest.mark.parametrize("args,needle", [
	(["--robots-ttl", "x"], "--robots-ttl"),
	(["--max-delay", "-1"], "--max-delay"),
])
def test_bad_robots_options(crawler, args, needle):
	res = crawler.run("crawl", "--dir", crawler.dir, *args, "http://127.0.0.1:9/")
	assert res.rc == 2, res
	first = res.stderr.splitlines()[0]
	assert first.startswith("crawler: ") and needle in first, res
	assert not os.path.exists(crawler.dir), "a usage error created the crawl directory"
