"""The command line: config file and its precedence, seed files, limits,
allow/deny, `crawler status` (also during a crawl) and `crawler why`."""
import os
import re

import pytest

import harness

STAR = 20   # the index links to p1..p20
CHAIN = 10  # /c1.html -> /c2.html -> ... (linked from the index)


def page(links):
	return "<html><body>%s</body></html>\n" % "".join('<a href="%s">x</a>\n' % h for h in links)


def build_site(root):
	os.makedirs(root)
	files = {"index.html": page(["/p%d.html" % i for i in range(1, STAR + 1)] + ["/c1.html"])}
	for i in range(1, STAR + 1):
		files["p%d.html" % i] = page([])
	for i in range(1, CHAIN + 1):
		files["c%d.html" % i] = page(["/c%d.html" % (i + 1)] if i < CHAIN else [])
	for name, text in files.items():
		with open(os.path.join(root, name), "w") as f:
			f.write(text)


@pytest.fixture
def site(servers, tmp_path):
	root = str(tmp_path / "site")
	build_site(root)
	return servers.nginx([("_", root)])


def fetched(ng):
	return sorted(e["uri"] for e in ng.log() if e["uri"] != "/robots.txt")


def states(crawler):
	return {r["state"]: r["n"] for r in crawler.query(
		"SELECT state, count(*) AS n FROM urls GROUP BY state")}


def write_ini(tmp_path, text):
	path = tmp_path / "crawl.ini"
	path.write_text(text)
	return str(path)


def test_config_file_sets_options(site, crawler, tmp_path):
	ini = write_ini(tmp_path, "[crawl]\nmax-pages = 3\nuser-agent = from-config/1\n")
	crawler.crawl(site.origin() + "/", "--config", ini, "--concurrency", 1, rc=(6,))
	assert len(fetched(site)) == 3, fetched(site)
	assert {e["ua"] for e in site.log()} == {"from-config/1"}
	assert states(crawler).get("done") == 3


def test_command_line_overrides_config_file(site, crawler, tmp_path):
	ini = write_ini(tmp_path, "[crawl]\nmax-pages = 3\nuser-agent = from-config/1\n")
	crawler.crawl(site.origin() + "/", "--max-pages", 5, "--config", ini,
		      "--user-agent", "from-cli/2", "--concurrency", 1, rc=(6,))
	assert len(fetched(site)) == 5, fetched(site)
	assert {e["ua"] for e in site.log()} == {"from-cli/2"}


def test_max_depth(site, crawler):
	crawler.crawl(site.origin() + "/", "--max-depth", 3)
	expect = ["/"] + ["/p%d.html" % i for i in range(1, STAR + 1)] + \
		["/c1.html", "/c2.html", "/c3.html"]
	assert fetched(site) == sorted(expect)
	r = crawler.urls()[site.origin() + "/c4.html"]
	assert (r["state"], r["reason"], r["depth"]) == ("skipped", "depth", 4), harness.describe([r])
	assert site.origin() + "/c5.html" not in crawler.urls()


def test_max_pages_exact(site, crawler):
	crawler.crawl(site.origin() + "/", "--max-pages", 7, rc=(6,))
	assert len(fetched(site)) == 7, fetched(site)
	assert states(crawler).get("done") == 7


def test_seeds_file_with_comments(site, crawler, tmp_path):
	o = site.origin()
	seeds = tmp_path / "seeds.txt"
	seeds.write_text("# seeds for the test\n%s/p2.html\n\n# another comment\n%s/c5.html\n" % (o, o))
	crawler.crawl("--seeds", str(seeds), "--max-depth", 0)
	assert fetched(site) == ["/c5.html", "/p2.html"]
	assert crawler.urls()[o + "/c6.html"]["reason"] == "depth"


def test_seeds_from_stdin(site, crawler):
	o = site.origin()
	crawler.crawl("--seeds", "-", "--max-depth", 1, stdin="# from stdin\n%s/c8.html\n" % o)
	assert fetched(site) == ["/c8.html", "/c9.html"]
	assert {r["url"]: r["via"] for r in crawler.urls().values()}[o + "/c8.html"] == "seed"


def test_deny(site, crawler):
	crawler.crawl(site.origin() + "/", "--deny", r"/p1[0-9]\.html$", "--deny", r"/c\d+\.html$")
	expect = ["/"] + ["/p%d.html" % i for i in range(1, 10)] + ["/p20.html"]
	assert fetched(site) == sorted(expect)
	urls = crawler.urls()
	for path in ("/p10.html", "/p19.html", "/c1.html"):
		r = urls[site.origin() + path]
		assert (r["state"], r["reason"]) == ("skipped", "deny"), harness.describe([r])


def test_allow(site, crawler):
	o = site.origin()
	crawler.crawl(o + "/", "--allow", r"^http://127\.0\.0\.1:\d+/(p[1-3]\.html)?$")
	assert fetched(site) == ["/", "/p1.html", "/p2.html", "/p3.html"]
	r = crawler.urls()[o + "/p4.html"]
	assert (r["state"], r["reason"]) == ("skipped", "allow"), harness.describe([r])


def status_counts(text):
	"""{state: number} for every 'state ... N' or 'N ... state' pair in the output."""
	found = {}
	for state in ("queued", "leased", "done", "failed", "skipped"):
		m = re.search(r"\b%s\b\D{0,20}?(\d+)" % state, text) or \
			re.search(r"(\d+)\D{0,20}?\b%s\b" % state, text)
		if m:
			found[state] = int(m.group(1))
	return found


SLOW = {"latency": 0.4, "hosts": {"*": dict(
	[("/", {"body": page(["/s%d.html" % i for i in range(12)])})] +
	[("/s%d.html" % i, {"body": page([])}) for i in range(12)])}}


def test_status_during_and_after_a_crawl(servers, crawler):
	fs = servers.faultserver(SLOW)
	proc = crawler.start("crawl", "--dir", crawler.dir, "--quiet", "--per-host", 1,
			     fs.origin() + "/")
	try:
		harness.wait_until(lambda: len(fs.log()) >= 3, 30, "the crawl to make progress")
		during = crawler.run("status", "--dir", crawler.dir, timeout=30)
		assert proc.poll() is None, "crawl ended before status ran; test too fast"
		assert during.rc == 0, during
		counts = status_counts(during.stdout)
		assert counts.get("queued", 0) > 0 and counts.get("done", 0) > 0, during
		assert proc.wait(60) == 0, proc.stderr.read()
	finally:
		harness.stop_process(proc)
		proc.stdout.close()
		proc.stderr.close()
	after = crawler.run("status", "--dir", crawler.dir)
	assert after.rc == 0, after
	assert status_counts(after.stdout).get("done") == states(crawler)["done"] == 13, after


def test_status_without_crawl_dir(crawler):
	res = crawler.run("status", "--dir", crawler.dir)
	assert res.rc != 0 and crawler.dir in res.stderr, res


@pytest.fixture
def why_crawl(site, crawler):
	crawler.crawl(site.origin() + "/", "--deny", r"/p20\.html$")
	return site.origin(), crawler


def test_why_fetched_url(why_crawl):
	o, crawler = why_crawl
	res = crawler.run("why", "--dir", crawler.dir, o + "/p3.html")
	assert res.rc == 0, res
	assert o + "/p3.html" in res.stdout and "done" in res.stdout, res
	assert "200" in res.stdout, res


def test_why_skipped_url_shows_reason(why_crawl):
	o, crawler = why_crawl
	res = crawler.run("why", "--dir", crawler.dir, o + "/p20.html")
	assert res.rc == 0, res
	assert "skipped" in res.stdout and "deny" in res.stdout, res


def test_why_non_canonical_spelling(why_crawl):
	o, crawler = why_crawl
	spelled = o.replace("http://", "HTTP://") + "/x/.././p3.html#frag"
	res = crawler.run("why", "--dir", crawler.dir, spelled)
	assert res.rc == 0, res
	assert o + "/p3.html" in res.stdout, res


def test_why_unknown_url(why_crawl):
	o, crawler = why_crawl
	res = crawler.run("why", "--dir", crawler.dir, o + "/never-seen.html")
	assert res.rc != 0, res
	assert res.stderr.startswith("crawler: ") and "never-seen.html" in res.stderr, res


def test_help_and_version(crawler_bin):
	c = harness.Crawler(crawler_bin, "/nonexistent")
	res = c.run("--help")
	assert res.rc == 0 and "crawl" in res.stdout and "status" in res.stdout, res
	res = c.run("crawl", "--help")
	assert res.rc == 0 and "--max-depth" in res.stdout and "--dns-servers" in res.stdout, res
	res = c.run("--version")
	assert res.rc == 0 and re.search(r"\d+\.\d+", res.stdout), res
