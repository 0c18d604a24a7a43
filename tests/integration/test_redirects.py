"""Redirect history and hostile answers.  Every hop is stored (redirects
table) and `crawler status --url URL` prints a chain hop by hop, as
aiohttp's `history`; a redirect to a non-http scheme or out of scope is
recorded and not followed.  A 1 MB header block and a body cut short are
classified and the crawl goes on."""
import harness

SITE = {"latency": 0.0, "hosts": {"*": {
	"/": {"body": "".join('<a href="%s">x</a>\n' % p for p in (
		"/r1", "/tofile", "/offsite", "/bighead", "/short", "/ok"))},
	"/r1": {"kind": "redirect", "location": "/r2", "status": 301},
	"/r2": {"kind": "redirect", "location": "/r3", "status": 302},
	"/r3": {"kind": "redirect", "location": "/final", "status": 307},
	"/final": {"body": "<p>the end of the chain</p>"},
	"/tofile": {"kind": "redirect", "location": "file:///etc/passwd"},
	"/offsite": {"kind": "redirect", "location": "http://elsewhere.test:1/x"},
	"/bighead": {"body": "<p>x</p>", "headers": {"X-Big": "a" * (1 << 20)}},
	"/short": {"kind": "reset", "size": 50000, "sent": 1000},
	"/ok": {"body": "<p>fine</p>"},
}}}


def crawl(servers, crawler):
	fs = servers.faultserver(SITE)
	crawler.crawl(fs.origin() + "/", "--retries", 0)
	return fs


def history(crawler, url):
	res = crawler.run("status", "--dir", crawler.dir, "--url", url)
	assert res.rc == 0, res
	return [line.split() for line in res.stdout.splitlines()]


def test_a_three_hop_chain_is_stored_hop_by_hop(servers, crawler):
	fs = crawl(servers, crawler)
	o = fs.origin()
	hops = crawler.query("SELECT f.url AS src, r.status, t.url AS dst FROM redirects r"
			     " JOIN urls f ON f.id = r.from_id JOIN urls t ON t.id = r.to_id"
			     " ORDER BY r.rowid")
	chain = [(h["src"], h["status"], h["dst"]) for h in hops if "/r" in h["src"]]
	assert chain == [(o + "/r1", 301, o + "/r2"), (o + "/r2", 302, o + "/r3"),
			 (o + "/r3", 307, o + "/final")], chain
	assert history(crawler, o + "/r1") == [
		["301", o + "/r1", "->", "/r2"], ["302", o + "/r2", "->", "/r3"],
		["307", o + "/r3", "->", "/final"], ["200", o + "/final", "(done)"]]
	final = crawler.urls()[o + "/final"]
	assert (final["state"], final["redirect_hops"], final["via"]) == ("done", 3, "redirect")


def test_redirects_out_of_bounds_are_recorded_not_followed(servers, crawler):
	fs = crawl(servers, crawler)
	o = fs.origin()
	lines = history(crawler, o + "/tofile")
	assert lines[0] == ["302", o + "/tofile", "->", "file:///etc/passwd"], lines
	assert "not an http(s) URL" in " ".join(lines[1]), lines
	lines = history(crawler, o + "/offsite")
	assert lines[0][3] == "http://elsewhere.test:1/x" and "scope:host" in " ".join(lines[1]), lines
	off = crawler.urls()["http://elsewhere.test:1/x"]
	assert (off["state"], off["reason"]) == ("skipped", "scope:host")
	assert not [e for e in fs.log() if e["host"] == "elsewhere.test"]


def test_hostile_answers_are_classified_and_the_crawl_goes_on(servers, crawler):
	fs = crawl(servers, crawler)
	urls = crawler.urls()
	big = urls[fs.origin() + "/bighead"]
	assert (big["state"], big["error"]) == ("failed", "too_large"), harness.describe([big])
	short = urls[fs.origin() + "/short"]
	assert (short["state"], short["error"]) == ("failed", "connect"), harness.describe([short])
	assert urls[fs.origin() + "/ok"]["state"] == "done"


def test_status_url_for_an_unknown_url(servers, crawler):
	crawl(servers, crawler)
	res = crawler.run("status", "--dir", crawler.dir, "--url", "http://nowhere.test/")
	assert res.rc == 1 and "not known" in res.stderr, res
	res = crawler.run("status", "--dir", crawler.dir, "--url", "ftp://nowhere.test/")
	assert res.rc == 2 and "ftp://nowhere.test/" in res.stderr, res


def test_each_run_and_revisit_gets_its_retries_afresh(servers, crawler):
	fs = servers.faultserver({"latency": 0.0, "hosts": {"*": {
		"/": {"body": '<a href="/bad">bad</a>'},
		"/bad": {"body": "down", "status": 503}}}})
	args = ("--retries", 1, "--retry-delay", "0.05", "--pause-after", 0)
	crawler.crawl(fs.origin() + "/", *args)
	first = sum(1 for e in fs.log() if e["path"] == "/bad")
	crawler.crawl("--revisit-after", 0, *args)
	second = sum(1 for e in fs.log() if e["path"] == "/bad") - first
	assert (first, second) == (2, 2), (first, second)
	row = crawler.urls()[fs.origin() + "/bad"]
	assert (row["state"], row["status"], row["error"]) == ("failed", 503, "http")
