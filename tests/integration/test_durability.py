"""Durable crawls (issue 5): a crawl survives kill -9 at any moment, stops
cleanly on signals and budgets, and keeps its configuration across runs.

- kill -9 at random moments across a 2,000-page crawl on nginx, then a run
  to completion: the same done URLs as one uninterrupted crawl, no URL with
  two committed 200 fetches, every indexed record intact, every segment a
  valid WARC; what a kill leaves (an uncommitted tail, a segment with no
  committed record) is cut back or removed on the next start;
- SIGTERM: exit 0 within --grace plus a margin, transfers still running
  after the grace go back to queued; a second signal exits 7 at once; the
  next run completes the site;
- --max-time and --max-pages: exit 5 and 6 while work remains, 0 at the end,
  and the runs together fetch every page once;
- options given to the first run are stored: a resume without options
  honours them, one given again is logged as changed;
- malformed values of the new options are usage errors (exit 2)."""
import collections
import glob
import os
import random
import re
import signal
import subprocess
import time

import pytest

import harness
import warccheck

KILL_PAGES = 2000
KILLS = 20
BIG_PAGES = 30
BIG_BYTES = 300 * 1024
KILL_DELAY = (0.05, 0.6)
KILL_SEED = 20240505
MAX_RUNS = 60
STOP_MARGIN = 4.0  # seconds beyond --grace a stop may take (ASan, loaded CI)


# ---- a site served from a thread of the test, whose latency can change ----

class Site(harness.ThreadedHTTPServer):
	"""Pages that link to each other, each answering after latency[path] (or
	the default) seconds.  The test may change the latencies (set_latency);
	log holds one entry per request (path, arrived, finished, error), written
	when it arrives."""

	def __init__(self, pages, latency=0.0):
		super().__init__()
		self.pages = pages  # {path: [linked paths]}
		self.latency = {}  # {path: seconds}
		self.default_latency = latency
		self.log = []

	def answer(self, req):
		entry = {"path": req.path, "arrived": time.time(), "finished": None, "error": None}
		with self.lock:
			self.log.append(entry)
			wait = self.latency.get(req.path, self.default_latency)
		self.stopping.wait(wait)
		links = self.pages.get(req.path)
		body = b"not found\n" if links is None else page_body(req.path, links)
		try:
			req.send_response(200 if links is not None else 404)
			req.send_header("Content-Type", "text/html")
			req.send_header("Content-Length", str(len(body)))
			req.end_headers()
			req.wfile.write(body)
			req.wfile.flush()
		except OSError as e:
			entry["error"] = type(e).__name__
		entry["finished"] = time.time()

	def set_latency(self, default, **per_path):
		"""Latencies from now on: per_path maps a path (without its leading
		slash: p0=60 for /p0) to seconds, default covers the others."""
		with self.lock:
			self.default_latency = default
			self.latency = {"/" + k: v for k, v in per_path.items()}

	def answered(self):
		"""Paths of the pages whose response was written in full."""
		with self.lock:
			return {e["path"] for e in self.log if e["finished"] and not e["error"]
				and e["path"] in self.pages}

	def requests(self):
		"""{path: GETs} of the pages requested so far (robots.txt left out)."""
		with self.lock:
			return collections.Counter(e["path"] for e in self.log if e["path"] != "/robots.txt")


def page_body(path, links):
	anchors = "".join('<a href="%s">%s</a>\n' % (l, l) for l in links)
	return ("<html><head><title>%s</title></head><body>\n%s</body></html>\n"
		% (path, anchors)).encode()


def flat_site(n):
	"""'/' linking to /p0 ... /p{n-1}, which link nowhere."""
	pages = {"/p%d" % i: [] for i in range(n)}
	pages["/"] = sorted(pages)
	return pages


# ---- reading a crawl ----

def urls_in(c, *states):
	marks = ",".join("?" * len(states))
	return {r["url"] for r in c.query("SELECT url FROM urls WHERE state IN (%s)" % marks, *states)}


def state_counts(c):
	return {r["state"]: r["n"] for r in c.query(
		"SELECT state, count(*) AS n FROM urls GROUP BY state")}


def twice_fetched(c):
	"""URLs with more than one committed 200 fetch (in these crawls nothing
	is revisited, so the whole crawl is one pass)."""
	return c.query("SELECT u.url, count(*) AS n FROM fetches f JOIN urls u ON u.id = f.url_id "
		       "WHERE f.status = 200 GROUP BY f.url_id HAVING n > 1 LIMIT 10")


def archive_problems(c):
	"""Everything wrong with the archive of crawl c: segments that warccheck
	rejects (a torn record included), index rows (fetches and urls) that do
	not point at their record, segments shorter than their committed end.
	Segments may hold whole records no row points at: an older segment is
	never cut below its last whole record (a committed revisit may refer to
	one), only the newest goes back to its committed end."""
	warc_dir = os.path.join(c.dir, "warc")
	segs = sorted(glob.glob(os.path.join(warc_dir, "crawl-*.warc.zst")))
	problems = [] if segs else ["no segment in %s" % warc_dir]
	for seg in segs:
		problems += warccheck.check_segment_with_revisits(seg)
	rows = c.query("SELECT u.url, f.record, f.profile, f.warc_segment, f.warc_offset, "
		       "f.warc_length, f.warc_request_length, f.payload_digest, f.record_id "
		       "FROM fetches f JOIN urls u ON u.id = f.url_id WHERE f.record IS NOT NULL")
	# a page's current content: a response, or a revisit for a duplicate payload
	rows += [dict(r, record=None, profile=None, record_id=None) for r in c.query(
		"SELECT url, warc_segment, warc_offset, warc_length, warc_request_length, "
		"payload_digest FROM urls WHERE warc_segment IS NOT NULL")]
	problems += warccheck.index_problems(warc_dir, rows)
	return problems + committed_end_problems(c, segs)


def committed_end_problems(c, segs):
	ends = {r["id"]: r["committed_end"] for r in c.query("SELECT id, committed_end FROM segments")}
	problems = []
	for seg in segs:
		n = int(re.search(r"crawl-(\d+)\.warc\.zst$", seg).group(1))
		if n in ends and os.path.getsize(seg) < ends[n]:
			problems.append("%s: %d bytes, committed_end %s" % (seg, os.path.getsize(seg),
									    ends[n]))
	return problems


def integrity(c):
	return c.query("PRAGMA integrity_check")[0]["integrity_check"]


def last_run(c):
	return c.query("SELECT * FROM runs ORDER BY id DESC LIMIT 1")[0]


def stop_proc(proc):
	"""Kills a crawl a failed test left running."""
	if proc.poll() is None:
		proc.kill()
		proc.communicate()


# ---- 1. kill -9 at random moments ----

def enlarge_pages(root, paths, seed):
	"""Appends BIG_BYTES of poorly compressible text to some pages, so that
	kills land while a large record is being compressed and written."""
	rng = random.Random(seed)
	for path in paths:
		with open(os.path.join(root, path.lstrip("/")), "a") as f:
			f.write("<!-- %s -->\n" % rng.randbytes(BIG_BYTES // 2).hex())


@pytest.fixture
def big_site(servers, tmp_path):
	root = str(tmp_path / "site")
	ng = servers.nginx([("127.0.0.1", root)])
	manifest = harness.generate_site(root, KILL_PAGES, ng.origin(), "http://other.test:1",
					 seed=31, page_kb=6)
	tree = [p for p in manifest["pages"] if p.endswith(".html")]
	enlarge_pages(root, random.Random(KILL_SEED).sample(tree, BIG_PAGES), KILL_SEED)
	return ng, manifest


def kill_repeatedly(crawler, argv):
	"""Starts the crawl again and again, killing each run with SIGKILL after a
	random delay, until KILLS runs were killed.  Returns the delays and the
	runs' stderr."""
	rng = random.Random(KILL_SEED)
	kills, errs = [], []
	for _ in range(MAX_RUNS):
		delay = rng.uniform(*KILL_DELAY)
		proc = crawler.start("crawl", "--dir", crawler.dir, "--quiet", *argv)
		try:
			proc.wait(delay)
		except subprocess.TimeoutExpired:
			proc.kill()
			kills.append(round(delay, 3))
		_, err = proc.communicate()
		errs.append(err)
		if proc.returncode not in (0, -signal.SIGKILL):
			raise AssertionError("run %d exited %s: %s" % (len(kills), proc.returncode, err))
		if proc.returncode == 0 or len(kills) >= KILLS:
			break
	print("kill -9 after (s):", kills)
	return kills, "".join(errs)


def test_kill_9_at_random_moments(big_site, crawler, crawler_bin, tmp_path):
	ng, manifest = big_site
	seed = ng.origin() + "/"
	reference = harness.Crawler(crawler_bin, str(tmp_path / "reference"))
	reference.crawl(seed)

	# a per-host delay keeps the crawl long enough for every kill
	argv = ["--delay", "0.005", seed]
	kills, errs = kill_repeatedly(crawler, argv)
	assert len(kills) >= KILLS, "the crawl finished after only %d kills: %s" % (len(kills), kills)
	done_before = len(urls_in(crawler, "done"))
	print("done after the kills: %d; segments cut back: %d" % (
		done_before, errs.count("cut back from")))
	assert 0 < done_before < KILL_PAGES, "the kills did not interrupt a crawl in progress"
	final = crawler.crawl(*argv, timeout=120)

	assert integrity(crawler) == "ok"
	assert last_run(crawler)["end_reason"] == "finished", final
	assert urls_in(crawler, "done") == urls_in(reference, "done"), "kills at %s" % kills
	assert urls_in(crawler, "failed") == urls_in(reference, "failed"), "kills at %s" % kills
	assert len(urls_in(crawler, "done")) >= KILL_PAGES
	assert not urls_in(crawler, "queued", "leased")
	dup = twice_fetched(crawler)
	assert not dup, "committed twice (kills at %s): %s" % (kills, dup)
	problems = archive_problems(crawler)
	assert not problems, "kills at %s:\n%s" % (kills, "\n".join(problems[:20]))


def test_uncommitted_tails_are_cut_and_orphans_removed(crawler):
	"""What a kill leaves, made by hand: bytes after the committed end of a
	segment, and a segment no committed row knows."""
	with Site(flat_site(20)) as site:
		first = crawler.run("crawl", "--dir", crawler.dir, "--quiet", "--max-pages", 5,
				    site.url("/"), timeout=60)
		assert first.rc == 6, first
		seg = crawler.warc_path(0)
		size = os.path.getsize(seg)
		with open(seg, "ab") as f:
			f.write(random.Random(1).randbytes(999))
		orphan = crawler.warc_path(7)
		with open(orphan, "wb") as f:
			f.write(b"\x28\xb5\x2f\xfd torn frame")
		res = crawler.run("crawl", "--dir", crawler.dir, "--quiet", timeout=60)
		assert res.rc == 0, res
		assert "warc/crawl-00000.warc.zst: cut back from %d to %d bytes" % (
			size + 999, size) in res.stderr, res
		assert not os.path.exists(orphan), res
		assert urls_in(crawler, "done") == {site.url(p) for p in site.pages}
		assert max(site.requests().values()) == 1
		problems = archive_problems(crawler)
		assert not problems, "\n".join(problems)


# ---- 2. signals ----

def start_crawl(crawler, site, *args):
	return crawler.start("crawl", "--dir", crawler.dir, "--quiet", *args, site.url("/"))


def wait_for_arrival(site, path, timeout=30):
	harness.wait_until(lambda: site.requests()[path] > 0, timeout, "a request for " + path)


def finish_site(crawler, site):
	"""A run with no options completes the crawl; every page is done, none was
	committed twice."""
	site.set_latency(0.0)
	crawler.crawl(timeout=60)
	assert urls_in(crawler, "done") == {site.url(p) for p in site.pages}
	assert not urls_in(crawler, "queued", "leased")
	assert not twice_fetched(crawler)


def test_sigterm_lets_transfers_finish_within_the_grace(crawler):
	with Site(flat_site(40)) as site:
		site.set_latency(0.3, p0=60)  # /p0 is still running when the grace ends
		proc = start_crawl(crawler, site, "--grace", 3, "--per-host", 4, site.url("/p0"))
		try:
			wait_for_arrival(site, "/p0")
			harness.wait_until(lambda: sum(site.requests().values()) >= 6, 30, "requests")
			proc.send_signal(signal.SIGTERM)
			sent = time.monotonic()
			_, err = proc.communicate(timeout=3 + STOP_MARGIN + 10)
			took = time.monotonic() - sent
		finally:
			stop_proc(proc)
		assert proc.returncode == 0, err
		assert took < 3 + STOP_MARGIN, "stopped %.1fs after SIGTERM with --grace 3" % took
		run = last_run(crawler)
		assert (run["exit_code"], run["end_reason"]) == (0, "signal"), run
		counts = state_counts(crawler)
		assert "leased" not in counts and counts.get("queued", 0) > 0, counts
		assert crawler.urls()[site.url("/p0")]["state"] == "queued"
		# the transfers in flight at the signal finished and were recorded
		done = {u.split(str(site.port), 1)[1] for u in urls_in(crawler, "done")}
		assert site.answered() <= done, sorted(site.answered() - done)
		finish_site(crawler, site)


def test_second_signal_aborts_at_once(crawler):
	with Site(flat_site(40)) as site:
		site.set_latency(0.3, p0=60)
		proc = start_crawl(crawler, site, "--grace", 60, site.url("/p0"))
		try:
			wait_for_arrival(site, "/p0")
			proc.send_signal(signal.SIGTERM)
			time.sleep(0.5)
			assert proc.poll() is None, "exited on the first signal with a transfer in flight"
			proc.send_signal(signal.SIGTERM)
			sent = time.monotonic()
			_, err = proc.communicate(timeout=STOP_MARGIN + 10)
			took = time.monotonic() - sent
		finally:
			stop_proc(proc)
		assert proc.returncode == 7, err
		assert took < STOP_MARGIN, "took %.1fs after the second signal" % took
		run = last_run(crawler)
		assert (run["exit_code"], run["end_reason"]) == (7, "aborted"), run
		assert "leased" not in state_counts(crawler)
		assert crawler.urls()[site.url("/p0")]["state"] == "queued"
		assert integrity(crawler) == "ok"
		finish_site(crawler, site)


# ---- 6. budgets ----

def test_max_time_runs_add_up_to_one_crawl(crawler):
	with Site(flat_site(40), latency=0.15) as site:
		codes = []
		for _ in range(15):
			res = crawler.run("crawl", "--dir", crawler.dir, "--quiet", "--per-host", 2,
					  "--max-time", "2s", site.url("/"), timeout=60)
			codes.append(res.rc)
			if res.rc != 5:
				break
			assert last_run(crawler)["end_reason"] == "time budget"
			assert urls_in(crawler, "queued"), "exit 5 with nothing left queued"
		assert codes[-1] == 0 and len(codes) >= 2, codes
		assert set(codes[:-1]) == {5}, codes
		assert last_run(crawler)["end_reason"] == "finished"
		assert urls_in(crawler, "done") == {site.url(p) for p in site.pages}
		fetched = site.requests()
		assert set(fetched) == set(site.pages)
		twice = {p: n for p, n in fetched.items() if n > 1}
		assert not twice, "fetched more than once: %s" % twice
		assert not twice_fetched(crawler)


def test_max_pages_stops_with_work_left(crawler):
	with Site(flat_site(40)) as site:
		res = crawler.run("crawl", "--dir", crawler.dir, "--quiet", "--max-pages", 10,
				  site.url("/"), timeout=60)
		assert res.rc == 6, res
		assert last_run(crawler)["end_reason"] == "page budget"
		counts = state_counts(crawler)
		assert counts.get("done", 0) == 10 and counts.get("queued", 0) > 0, counts
		res = crawler.run("crawl", "--dir", crawler.dir, "--quiet", "--max-pages", 1000,
				  timeout=60)
		assert res.rc == 0, res  # a budget not reached: finished
		assert urls_in(crawler, "done") == {site.url(p) for p in site.pages}
		assert max(site.requests().values()) == 1


# ---- 7. stored configuration ----

def layered_site():
	"""'/' -> /aI (depth 1) -> /aI/bJ (2) -> /aI/bJ/c (3), and /skipI at depth 1;
	every page has one parent, so a deeper limit only shows below pages that
	were not fetched yet."""
	pages = {"/": ["/a%d" % i for i in range(12)] + ["/skip%d" % i for i in range(3)]}
	for i in range(12):
		pages["/a%d" % i] = ["/a%d/b%d" % (i, j) for j in range(3)] + ["/a%d/skipme" % i]
		for j in range(3):
			pages["/a%d/b%d" % (i, j)] = ["/a%d/b%d/c" % (i, j)]
			pages["/a%d/b%d/c" % (i, j)] = []
	for i in range(3):
		pages["/skip%d" % i] = []
	return pages


def depth_of(path):
	return 0 if path == "/" else path.count("/")


def test_stored_configuration_holds_on_resume(crawler):
	with Site(layered_site()) as site:
		first = crawler.run("crawl", "--dir", crawler.dir, "--quiet", "--max-depth", 1,
				    "--deny", "skip", "--max-pages", 4, site.url("/"), timeout=60)
		assert first.rc == 6, first
		# --max-pages is a per-run option: what is stored is unchanged
		second = crawler.run("crawl", "--dir", crawler.dir, "--quiet", "--max-pages", 4,
				     timeout=60)
		assert second.rc == 6, second
		assert "changed from" not in second.stderr, second
		assert re.search(r"(?m)^max-depth\s*=\s*1\s*$", last_run(crawler)["config"])
		fetched = site.requests()
		assert fetched and max(depth_of(p) for p in fetched) <= 1, sorted(fetched)
		assert not [p for p in fetched if "skip" in p], sorted(fetched)

		# without --quiet: the change is a notice, not an error
		third = crawler.run("crawl", "--dir", crawler.dir, "--max-depth", 2, timeout=60)
		assert third.rc == 0, third
		assert "crawler: --max-depth changed from '1' to '2' (stored crawl configuration)" \
			in third.stderr, third
		fetched = site.requests()
		assert max(depth_of(p) for p in fetched) == 2, sorted(fetched)
		assert not [p for p in fetched if "skip" in p], sorted(fetched)
		assert max(fetched.values()) == 1
		denied = [r for u, r in crawler.urls().items() if "skip" in u]
		assert denied and all((r["state"], r["reason"]) == ("skipped", "deny")
				      for r in denied), harness.describe(denied)


# ---- 8. malformed values of the new options ----

@pytest.mark.parametrize("option,value", [
	("--fsync", "sometimes"), ("--max-time", "-1"), ("--grace", "x"),
	("--revisit-after", "abc"), ("--max-time", "2 parsecs")])
def test_bad_option_values_are_usage_errors(crawler, option, value):
	res = crawler.run("crawl", "--dir", crawler.dir, option, value, "http://127.0.0.1:9/",
			  timeout=30)
	assert res.rc == 2, res
	assert option in res.stderr, res
	assert not os.path.exists(os.path.join(crawler.dir, "crawl.db")), res


@pytest.mark.parametrize("args", [
	("--fsync", "always"), ("--fsync", "never"), ("--fsync", "batch", "--max-time", "500ms"),
	("--grace", "0", "--revisit-after", "1d")])
def test_good_option_values_crawl(crawler, args):
	with Site(flat_site(5)) as site:
		crawler.crawl(*args, site.url("/"), timeout=60)
		assert urls_in(crawler, "done") == {site.url(p) for p in site.pages}
		assert not archive_problems(crawler)


def test_a_lost_database_never_costs_the_archive(crawler):
	"""Segments the database does not know (it was deleted, or replaced)
	are whole records: a new crawl in the directory keeps them and writes
	after them."""
	with Site(flat_site(10)) as site:
		crawler.crawl(site.url("/"), timeout=60)
		before = {p: open(p, "rb").read() for p in
			  (os.path.join(crawler.dir, "warc", n)
			   for n in os.listdir(os.path.join(crawler.dir, "warc")))}
		for name in os.listdir(crawler.dir):
			if name.startswith("crawl.db"):
				os.unlink(os.path.join(crawler.dir, name))
		res = crawler.run("crawl", "--dir", crawler.dir, site.url("/"), timeout=60)
		assert res.rc == 0 and "removed" not in res.stderr and "cut back" not in res.stderr, res
		for path, data in before.items():
			assert open(path, "rb").read() == data, path
		assert len(os.listdir(os.path.join(crawler.dir, "warc"))) == len(before) + 1
