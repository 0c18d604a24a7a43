"""Adaptive politeness, observed from the servers' own request logs: the
per-IP cap, --auto-throttle, Retry-After on 429 and the circuit breaker.

- three host names on one address with --per-ip 2: never more than two
  requests in flight across them (and two are reached); without --per-ip
  more;
- --auto-throttle spaces a slow host's request starts by its latency while a
  fast host keeps its pace; 429s double the spacing, 200s bring it back down;
- Retry-After (seconds, HTTP date, capped by --max-delay) on a 429 keeps the
  host quiet that long, then the crawl goes on and the URL is retried;
- --pause-after N failures (503 or a reset connection) pause the host for
  --pause seconds with a message; its other URLs wait, queued, and are
  fetched (the failed ones retried) once it answers again; pauses in a row
  double;
- a retry's wait is capped by --max-delay, and failures of requests already
  in flight do not stack pauses;
- malformed values of the new options are usage errors (exit 2).

Timing tolerances are loose (SLACK) because other builds share the machine;
only spacing, the property under test, is ever asserted on the clock."""
import collections
import email.utils
import os
import signal
import socket
import struct
import subprocess
import time

import pytest

import harness

SLACK = 0.15        # seconds a measured gap may fall short of the one asked for
STOP_MARGIN = 10.0  # seconds a stopped crawl may take beyond --grace (ASan)


# ---- a host served from a thread of the test, answering from a script ----

class Reply:
	"""How to answer one request: status, extra headers, latency (seconds
	before the head), reset (send part of the body, then reset the
	connection)."""

	def __init__(self, status=200, headers=None, latency=0.0, reset=False):
		self.status, self.headers = status, dict(headers or {})
		self.latency, self.reset = latency, reset


def always_ok(n, path):
	return Reply()


def answer_after(latency):
	return lambda n, path: Reply(latency=latency)


class Host(harness.ThreadedHTTPServer):
	"""pages: {path: [linked paths]}; script(n, path) -> Reply decides the
	answer to the n-th request (0-based, in arrival order).  log: one entry
	per request (path, status, start when its head arrived, end just before
	its body went out)."""

	def __init__(self, pages, script=always_ok):
		super().__init__()
		self.pages, self.script = pages, script
		self.log = []

	def answer(self, req):
		entry = {"path": req.path, "start": time.time(), "end": None, "status": None}
		with self.lock:
			reply = self.script(len(self.log), req.path)
			self.log.append(entry)
		self.stopping.wait(reply.latency)
		links = self.pages.get(req.path)
		status = reply.status if links is not None else 404
		body = page_body(links or [])
		try:
			req.send_response(status)
			req.send_header("Content-Type", "text/html")
			req.send_header("Content-Length", str(len(body)))
			for name, value in reply.headers.items():
				req.send_header(name, value)
			req.end_headers()
			# before the body: once it is written the client may send its
			# next request before this thread runs again
			entry["end"] = time.time()
			if reply.reset:
				reset_midway(req, body)
			else:
				req.wfile.write(body)
		except OSError:
			req.close_connection = True
			entry["end"] = entry["end"] or time.time()
		entry["status"] = status

	def requests(self):
		"""The log so far, in arrival order."""
		with self.lock:
			return list(self.log)


def reset_midway(req, body):
	"""A few bytes of the body, then a reset: the client sees the
	connection fail (not an empty reply, which libcurl would retry)."""
	req.wfile.write(body[:8])
	req.wfile.flush()
	time.sleep(0.05)  # let the kernel deliver them: a reset drops unsent data
	req.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
	req.connection.close()
	req.close_connection = True


def page_body(links):
	anchors = "".join('<a href="%s">%s</a>\n' % (l, l) for l in links)
	return ("<html><body>\n%s</body></html>\n" % anchors).encode()


def flat_site(n):
	"""'/' linking to /p0 ... /p{n-1}, which link nowhere."""
	pages = {"/p%d" % i: [] for i in range(n)}
	pages["/"] = sorted(pages)
	return pages


def seeds_site(n):
	"""/p0 ... /p{n-1}, given as seeds, linking nowhere."""
	return {"/p%d" % i: [] for i in range(n)}


def starts(log):
	return sorted(e["start"] for e in log)


def gaps(times):
	return [b - a for a, b in zip(times, times[1:])]


def fmt(xs):
	return "[" + ", ".join("%.3f" % x for x in xs) + "]"


def state_of(crawler, host):
	"""{path: (state, status, error)} of every URL of host."""
	prefix = host.origin
	return {r["url"][len(prefix):]: (r["state"], r["status"], r["error"])
		for r in crawler.query("SELECT url, state, status, error FROM urls")
		if r["url"].startswith(prefix)}


def stop_proc(proc):
	"""Kills a crawl a failed test left running."""
	if proc.poll() is None:
		proc.kill()
		proc.communicate()


# ---- 1. per-IP cap ----

NAMES = ["a.test", "b.test", "c.test"]
IP_PAGES = 8
IP_LATENCY = 0.2


def cross_linked(names, pages):
	"""Every page links to every page of its own host and to the others'
	indexes; every answer takes IP_LATENCY."""
	config = {"latency": IP_LATENCY, "hosts": {}}
	for name in names:
		own = ["/p%d.html" % i for i in range(pages)]
		others = ["http://%s:{{port}}/" % n for n in names if n != name]
		links = "".join('<a href="%s">x</a>\n' % u for u in own + others)
		config["hosts"][name] = {p: {"body": "<html><body>%s</body></html>" % links}
					 for p in ["/"] + own}
	return config


@pytest.fixture
def shared_ip(servers):
	dns = servers.dnsmasq({n: "127.0.0.1" for n in NAMES})
	return dns, servers.faultserver(cross_linked(NAMES, IP_PAGES))


def overlap_of_run(crawler, dns, fs, *args):
	"""Crawls the three names; the most requests in flight at once across
	them, from the server's log of this run."""
	t0 = time.time()
	seeds = ["http://%s:%d/" % (n, fs.port) for n in NAMES]
	crawler.crawl(*seeds, "--dns-servers", dns.server_arg, "--no-robots", "--per-host", 4,
		      "--concurrency", 12, *args, timeout=60)
	log = [e for e in fs.log() if e["start"] >= t0]
	assert {(e["host"], e["path"]) for e in log} == \
		{(n, p) for n in NAMES for p in ["/"] + ["/p%d.html" % i for i in range(IP_PAGES)]}
	return harness.max_overlap([(e["start"], e["end"]) for e in log])


def test_per_ip_caps_requests_across_host_names(shared_ip, crawler, crawler_bin, tmp_path):
	dns, fs = shared_ip
	capped = overlap_of_run(crawler, dns, fs, "--per-ip", 2)
	assert capped == 2, "requests in flight to 127.0.0.1 with --per-ip 2: %d" % capped
	free = overlap_of_run(harness.Crawler(crawler_bin, str(tmp_path / "free")), dns, fs)
	assert free > 2, "without --per-ip the three names never had more than %d in flight" % free


def test_ports_of_one_ip_literal_share_its_cap(crawler):
	"""Two origins on 127.0.0.1 (an IP-literal host is its own address)."""
	with Host(flat_site(5), answer_after(0.1)) as one, \
			Host(flat_site(5), answer_after(0.1)) as two:
		crawler.crawl(one.url("/"), two.url("/"), "--no-robots", "--per-host", 4,
			      "--per-ip", 1, timeout=60)
		log = one.requests() + two.requests()
	assert len(log) == 12, log
	overlap = harness.max_overlap([(e["start"], e["end"]) for e in log])
	assert overlap == 1, "%d requests in flight to 127.0.0.1 with --per-ip 1" % overlap


# ---- 2. auto-throttle ----

SLOW_LATENCY = 0.3


def slow_and_fast_gaps(crawler, *args):
	"""Crawls a slow host (11 pages) and a fast one (31): the gaps between
	request starts on each."""
	with Host(flat_site(10), answer_after(SLOW_LATENCY)) as slow, Host(flat_site(30)) as fast:
		crawler.crawl(slow.url("/"), fast.url("/"), "--no-robots", "--per-host", 4, *args,
			      timeout=60)
		slow_gaps, fast_gaps = gaps(starts(slow.requests())), gaps(starts(fast.requests()))
	assert len(slow_gaps) == 10 and len(fast_gaps) == 30
	return slow_gaps, fast_gaps


def test_auto_throttle_slows_the_slow_host_only(crawler, crawler_bin, tmp_path):
	slow_gaps, fast_gaps = slow_and_fast_gaps(crawler, "--auto-throttle")
	# after its first answer the slow host gets one request per latency
	assert min(slow_gaps[1:]) >= SLOW_LATENCY - SLACK, \
		"slow host: starts %s apart" % fmt(slow_gaps)
	fast_median = sorted(fast_gaps)[len(fast_gaps) // 2]
	assert fast_median < SLOW_LATENCY / 3, \
		"fast host slowed down too: starts %s apart" % fmt(fast_gaps)
	free_gaps, _ = slow_and_fast_gaps(harness.Crawler(crawler_bin, str(tmp_path / "free")))
	assert min(free_gaps[1:]) < SLOW_LATENCY / 3, \
		"without --auto-throttle the slow host's starts were spaced: %s" % fmt(free_gaps)


# ---- 3. 429 and Retry-After ----

def test_429s_double_the_delay_and_200s_bring_it_back(crawler):
	"""Requests 2 and 3 get 429: the spacing goes to ~1 s, then ~2 s, then
	halves with each 200 (no retries, so the log is one request a URL)."""
	def script(n, path):
		return Reply(429 if n in (2, 3) else 200)
	with Host(seeds_site(10), script) as host:
		crawler.crawl(*[host.url("/p%d" % i) for i in range(10)], "--no-robots",
			      "--per-host", 1, "--auto-throttle", "--retries", 0, timeout=60)
		log = host.requests()
	g = gaps(starts(log))
	assert [e["status"] for e in log].count(429) == 2 and len(log) == 10
	assert g[2] >= 1 - SLACK and g[3] >= 2 - SLACK and g[3] > g[2], \
		"gaps after the 429s: %s" % fmt(g)
	assert g[3] > g[4] > g[5] > g[6], "the delay did not come down after 200s: %s" % fmt(g)
	assert max(g[7:]) < g[3] / 4, "the delay did not recover: %s" % fmt(g)
	states = state_of(crawler, host)
	assert sorted(s for s in states.values() if s[0] != "done") == \
		[("failed", 429, "http")] * 2, states


def http_date_in(seconds):
	return lambda: email.utils.formatdate(time.time() + seconds, usegmt=True)


def retry_after_once(value):
	"""The second request gets a 429 with Retry-After: value(), the rest 200."""
	def script(n, path):
		return Reply(429, {"Retry-After": value()}) if n == 1 else Reply()
	return script


def quiet_after(log, i):
	"""Seconds from the answer to request i to the next request start."""
	return min(e["start"] for e in log if e["start"] > log[i]["end"]) - log[i]["end"]


@pytest.mark.parametrize("retry_after,low,high", [
	(lambda: "2", 2, 3.5),
	(http_date_in(3), 2, 4.5),  # a date has whole seconds: 2 to 3 s from now
], ids=["seconds", "http-date"])
def test_retry_after_on_429_pauses_the_host(crawler, retry_after, low, high):
	"""The host is quiet for the Retry-After; the URL that got the 429 is
	retried (no earlier than it asked) and the crawl finishes."""
	with Host(seeds_site(6), retry_after_once(retry_after)) as host:
		crawler.crawl(*[host.url("/p%d" % i) for i in range(6)], "--no-robots",
			      "--per-host", 1, timeout=60)
		log = host.requests()
	assert len(log) == 7 and log[1]["status"] == 429, log
	quiet = quiet_after(log, 1)
	assert low - SLACK <= quiet <= high, "no request for %.3fs after the 429" % quiet
	again = [e["start"] - log[1]["end"] for e in log[2:] if e["path"] == log[1]["path"]]
	assert len(again) == 1 and again[0] >= low - SLACK, "retried after %s s" % fmt(again)
	assert all(s == ("done", 200, None) for s in state_of(crawler, host).values())


def test_retry_after_is_capped_by_max_delay(crawler):
	with Host(seeds_site(6), retry_after_once(lambda: "100")) as host:
		crawler.crawl(*[host.url("/p%d" % i) for i in range(6)], "--no-robots",
			      "--per-host", 1, "--max-delay", 1, "--retries", 0, timeout=60)
		log = host.requests()
	assert len(log) == 6 and log[1]["status"] == 429, log
	quiet = quiet_after(log, 1)
	assert 1 - SLACK <= quiet <= 2.5, "no request for %.3fs after the 429" % quiet
	states = state_of(crawler, host)
	assert sum(s[0] == "done" for s in states.values()) == 5, states


def test_retry_of_a_429_waits_at_most_max_delay(crawler):
	"""--max-delay is "the longest wait ... a Retry-After can ask for": the
	URL's retry comes after ~1 s (back-off jitter), not after 30 s."""
	with Host(seeds_site(3), retry_after_once(lambda: "30")) as host:
		crawler.crawl(*[host.url("/p%d" % i) for i in range(3)], "--no-robots",
			      "--per-host", 1, "--max-delay", 1, "--max-time", 5, rc=(0, 5),
			      timeout=60)
		log = host.requests()
	assert [e["path"] for e in log].count(log[1]["path"]) == 2, log


# ---- 4. circuit breaker ----

def failing_first(n_failures, kind):
	def script(n, path):
		if n >= n_failures:
			return Reply()
		return Reply(reset=True) if kind == "reset" else Reply(503)
	return script


def pause_messages(stderr, host):
	prefix = "crawler: %s keeps failing; paused for " % host.origin
	return [line[len(prefix):] for line in stderr.splitlines() if line.startswith(prefix)]


@pytest.mark.parametrize("kind,error", [("503", "http"), ("reset", "connect")])
def test_breaker_pauses_a_failing_host_then_resumes(crawler, kind, error):
	"""The first 3 requests fail: a 1 s pause during which the other URLs
	stay queued; then every URL is fetched, the 3 failed ones retried."""
	paths = ["/p%d" % i for i in range(12)]
	with Host(seeds_site(12), failing_first(3, kind)) as host:
		proc = crawler.start("crawl", "--dir", crawler.dir, "--no-robots", "--per-host", 1,
				     "--pause-after", 3, "--pause", 1, *[host.url(p) for p in paths])
		try:
			harness.wait_until(lambda: len(host.requests()) >= 3, 30, "three requests")
			time.sleep(0.5)  # inside the pause
			mid = state_of(crawler, host)
			_, err = proc.communicate(timeout=60)
		finally:
			stop_proc(proc)
		log = host.requests()
	assert proc.returncode == 0, err
	failed = [e["path"] for e in log[:3]]
	assert all(mid[p][0] == "queued" for p in paths if p not in failed), \
		"URLs not requested during the pause: %s" % mid
	assert sorted(e["path"] for e in log[3:]) == sorted(paths), "requests: %s" % log
	assert all(e["status"] == 200 for e in log[3:]), log
	quiet = log[3]["start"] - log[2]["end"]
	assert quiet >= 1 - SLACK, "a request %.3fs after the third failure" % quiet
	assert pause_messages(err, host) == ["1s"], err
	assert all(s == ("done", 200, None) for s in state_of(crawler, host).values())
	attempts = crawler.query("SELECT u.url, f.status, f.error FROM fetches f "
				 "JOIN urls u ON u.id = f.url_id WHERE f.error IS NOT NULL")
	assert sorted(a["url"] for a in attempts) == sorted(host.url(p) for p in failed)
	assert {a["error"] for a in attempts} == {error}, attempts


@pytest.mark.parametrize("retries", [0, 2])
def test_breaker_pauses_double_while_the_host_keeps_failing(crawler, retries):
	"""503 forever: 3 failures, a 1 s pause, a probe, 2 s, a probe, 4 s, a
	probe that starts an 8 s pause; then SIGTERM.  No URL fails before its
	retries are used up; the ones never asked for are still queued."""
	n_urls = 30
	with Host(seeds_site(n_urls), lambda n, path: Reply(503)) as host:
		proc = crawler.start("crawl", "--dir", crawler.dir, "--no-robots", "--per-host", 1,
				     "--pause-after", 3, "--pause", 1, "--grace", 1,
				     "--retries", retries, *[host.url("/p%d" % i) for i in range(n_urls)])
		try:
			harness.wait_until(lambda: len(host.requests()) >= 6, 20, "six requests")
			time.sleep(0.5)
			proc.send_signal(signal.SIGTERM)
			_, err = proc.communicate(timeout=1 + STOP_MARGIN)
		except subprocess.TimeoutExpired:
			pytest.fail("the crawl did not stop after SIGTERM")
		finally:
			stop_proc(proc)
		log = host.requests()
	assert proc.returncode == 0, err
	assert len(log) == 6, "requests after the third pause began: %s" % log
	quiet = [log[i + 1]["start"] - log[i]["end"] for i in range(2, 5)]
	for got, want in zip(quiet, (1, 2, 4)):
		assert want - SLACK <= got <= want * 1.5 + 0.5, "pauses %s, want 1, 2, 4" % fmt(quiet)
	assert pause_messages(err, host) == ["1s", "2s", "4s", "8s"], err
	asked = collections.Counter(e["path"] for e in log)
	states = state_of(crawler, host)
	for path, (state, _, _) in states.items():
		want = "failed" if asked[path] > retries else "queued"
		assert state == want, "%s asked %d times: %s" % (path, asked[path], states)


def test_breaker_burst_in_flight_pauses_once(crawler):
	"""503 forever with --per-host 4: when the third failure pauses the host,
	requests already in flight fail too; they were not sent after the pause,
	so the first quiet spell is still --pause long, not doubled."""
	with Host(seeds_site(30), lambda n, path: Reply(503)) as host:
		proc = crawler.start("crawl", "--dir", crawler.dir, "--no-robots", "--per-host", 4,
				     "--pause-after", 3, "--pause", 1, "--grace", 1, "--retries", 0,
				     *[host.url("/p%d" % i) for i in range(30)])
		try:
			harness.wait_until(lambda: host.requests(), 20, "a request")
			time.sleep(3)
			proc.send_signal(signal.SIGTERM)
			_, err = proc.communicate(timeout=1 + STOP_MARGIN)
		finally:
			stop_proc(proc)
		log = host.requests()
	assert proc.returncode == 0, err
	assert pause_messages(err, host)[:2] == ["1s", "2s"], err
	quiet = [b - a for a, b in zip(starts(log), starts(log)[1:]) if b - a >= 0.5]
	assert quiet and quiet[0] <= 1.5, "first pause %s s, --pause 1: %s" % (fmt(quiet), err)


# ---- 5. malformed values ----

@pytest.mark.parametrize("option,value", [
	("--per-ip", "-1"), ("--throttle-target", "0"), ("--pause", "0"), ("--pause-after", "x")])
def test_bad_values_are_usage_errors(crawler, option, value):
	res = crawler.run("crawl", "--dir", crawler.dir, option, value, "http://127.0.0.1:9/",
			  timeout=30)
	assert res.rc == 2, res
	assert option in res.stderr, res
	assert not os.path.exists(os.path.join(crawler.dir, "crawl.db")), res
