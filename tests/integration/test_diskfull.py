"""A full disk (issue 5): a crawl whose directory sits on a 3 MB tmpfs, on a
site that needs more, exits 4 with "disk full" on stderr; once the tmpfs is
remounted bigger, the next run completes the crawl: every page fetched and
committed exactly once, every indexed record intact, every segment a valid
WARC.  Needs root (mount); skipped otherwise."""
import os
import random
import subprocess

import pytest

import harness
from test_durability import archive_problems, integrity, twice_fetched

PAGES = 80
BIG_PAGES = 40
BIG_BYTES = 200 * 1024  # hex text: about half of it stays after zstd
SMALL = "3m"
LARGE = "64m"


def mount(*args):
	return subprocess.run(["mount"] + list(args), capture_output=True, text=True, timeout=30)


@pytest.fixture
def small_disk(tmp_path):
	"""A directory on a tmpfs of SMALL bytes, unmounted at the end."""
	if os.geteuid() != 0:
		pytest.skip("mounting a tmpfs needs root")
	where = str(tmp_path / "disk")
	os.mkdir(where)
	res = mount("-t", "tmpfs", "-o", "size=" + SMALL, "tmpfs", where)
	if res.returncode != 0:
		pytest.skip("mount -t tmpfs is not permitted here: %s" % res.stderr.strip())
	try:
		yield where
	finally:
		if subprocess.run(["umount", where], capture_output=True).returncode != 0:
			subprocess.run(["umount", "-l", where], capture_output=True)


@pytest.fixture
def heavy_site(servers, tmp_path):
	"""A generated site where half the pages carry BIG_BYTES of random text."""
	root = str(tmp_path / "site")
	ng = servers.nginx([("127.0.0.1", root)])
	manifest = harness.generate_site(root, PAGES, ng.origin(), "http://other.test:1",
					 seed=51, page_kb=4)
	rng = random.Random(51)
	tree = [p for p in manifest["pages"] if p.endswith(".html")]
	for path in rng.sample(tree, BIG_PAGES):
		with open(os.path.join(root, path.lstrip("/")), "a") as f:
			f.write("<!-- %s -->\n" % rng.randbytes(BIG_BYTES // 2).hex())
	return ng, manifest


def test_disk_full_then_resume(small_disk, heavy_site, crawler_bin):
	ng, manifest = heavy_site
	crawler = harness.Crawler(crawler_bin, os.path.join(small_disk, "crawl"))
	full = crawler.run("crawl", "--dir", crawler.dir, "--quiet", "--delay", "0.05",
			   ng.origin() + "/", timeout=60)
	assert full.rc == 4, full
	assert "disk full" in full.stderr, full
	runs = crawler.query("SELECT exit_code, end_reason FROM runs")
	assert len(runs) == 1 and runs[0]["end_reason"] in (None, "disk full"), runs
	counts = {r["state"]: r["n"] for r in crawler.query(
		"SELECT state, count(*) AS n FROM urls GROUP BY state")}
	# the delay spreads the run over several commits before the disk fills
	assert counts.get("done", 0) > 0 and counts.get("queued", 0) > 0, counts
	assert "leased" not in counts, counts

	res = mount("-o", "remount,size=" + LARGE, small_disk)
	assert res.returncode == 0, res.stderr
	crawler.crawl(timeout=120)

	assert integrity(crawler) == "ok"
	pages = {ng.origin() + p for p in manifest["pages"]}
	urls = crawler.urls()
	bad = [urls.get(u, {"url": u}) for u in pages]
	bad = [r for r in bad if (r.get("state"), r.get("status")) != ("done", 200)]
	assert not bad, harness.describe(bad)
	once = crawler.query("SELECT u.url FROM fetches f JOIN urls u ON u.id = f.url_id "
			     "WHERE f.status = 200")
	assert sorted(r["url"] for r in once) == sorted(pages)
	assert not twice_fetched(crawler)
	problems = archive_problems(crawler)
	assert not problems, "\n".join(problems[:20])
