"""Running `crawler crawl` again on the same directory resumes the crawl:
a run stopped by --max-pages leaves the rest queued, and the next run, given
no seeds, fetches exactly what is left — nothing twice, nothing lost."""
import collections
import os

import harness

PAGES = 300


def test_resume_continues_where_the_budget_stopped(servers, crawler, tmp_path):
	root = os.path.join(str(tmp_path), "site")
	nginx = servers.nginx([("127.0.0.1", root)])
	origin = nginx.origin()
	manifest = harness.generate_site(root, PAGES, origin, "http://other.test:1", seed=5)

	crawler.crawl(origin + "/", "--max-pages", 40, rc=(6,))
	first = crawler.query("SELECT state, count(*) AS n FROM urls GROUP BY state")
	counts = {r["state"]: r["n"] for r in first}
	assert counts.get("done", 0) + counts.get("failed", 0) == 40, first
	assert counts.get("queued", 0) > 0, first

	crawler.crawl()  # no seeds: resume from the directory
	runs = crawler.query("SELECT pages, exit_code FROM runs ORDER BY id")
	assert [r["exit_code"] for r in runs] == [6, 0]
	assert runs[0]["pages"] == 40 and runs[1]["pages"] > 0

	gets = collections.Counter(e["uri"] for e in nginx.log() if e["uri"] != "/robots.txt")
	twice = [u for u, n in gets.items() if n > 1]
	assert not twice, "fetched twice across runs: %s" % twice[:5]
	assert set(manifest["pages"]) <= set(gets), sorted(set(manifest["pages"]) - set(gets))[:5]
	left = crawler.query("SELECT url FROM urls WHERE state IN ('queued', 'leased')")
	assert not left, left[:5]
	assert len(os.listdir(os.path.join(crawler.dir, "warc"))) == 2  # one segment per run


def test_pages_in_flight_at_the_budget_keep_their_links(servers, crawler, tmp_path):
	"""A chain p0 -> p1 -> ... -> p9: each run's budget of one page stops
	scheduling while that page is in flight; its link must still be queued,
	or the next run has nothing left and the chain is lost."""
	root = tmp_path / "chain"
	root.mkdir()
	for i in range(10):
		(root / ("p%d.html" % i)).write_text(
			'<html><body><a href="p%d.html">next</a></body></html>' % (i + 1))
	nginx = servers.nginx([("127.0.0.1", str(root))])
	crawler.crawl(nginx.origin() + "/p0.html", "--max-pages", 1, rc=(6,))
	for _ in range(12):
		res = crawler.crawl("--max-pages", 1, rc=(0, 6))
		if res.rc == 0:
			break
	done = {u.rsplit("/", 1)[1] for u, r in crawler.urls().items() if r["state"] == "done"}
	assert done == {"p%d.html" % i for i in range(10)}, sorted(done)
