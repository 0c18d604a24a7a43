"""HTTP session features (issue 3): custom headers, Basic auth kept to the
seeds' hosts, Referer, idle and total timeouts, decoded compression with the
WARC kept self-consistent, requests over a Unix socket, --max-redirects, and
usage errors for malformed session options.

Most cases run against a server in a thread of the test that logs every
request's headers and can stall, trickle or send encoded bodies; the Unix
socket case runs nginx listening on `unix:PATH`."""
import base64
import contextlib
import gzip
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import zlib

try:
	import brotli
except ImportError:
	brotli = None

import pytest

import harness
import warccheck

USER, PASSWORD = "alice", "s3cret-pw"
TOKEN = ("X-Test-Token", "abc123")
CODINGS = ("gzip", "deflate", "br", "zstd")
ENCODERS = [c for c in CODINGS if c != "br" or brotli is not None]
BOMB_MB = 100
STALL = 5.0  # seconds a stalling route keeps the client waiting


# ---- a server in a thread of the test ----

class Route:
	"""What the server answers for a path: body (bytes), status, headers;
	head_delay (seconds before the status line), stall (seconds between the
	head and the body), trickle (seconds between single body bytes)."""

	def __init__(self, body=b"", status=200, headers=(), head_delay=0, stall=0, trickle=0):
		self.body, self.status, self.headers = body, status, list(headers)
		self.head_delay, self.stall, self.trickle = head_delay, stall, trickle


def page(*links, text=""):
	anchors = "".join('<a href="%s">%s</a>\n' % (l, l) for l in links)
	return Route(("<html><head><title>t</title></head><body>%s\n%s</body></html>\n"
		      % (text, anchors)).encode())


def redirect(location):
	return Route(status=302, headers=[("Location", location)])


class Origin(harness.ThreadedHTTPServer):
	"""Answers routes {path: Route} whatever the Host; log holds (host, path,
	{lower-case header: value}) per request."""

	def __init__(self):
		super().__init__()
		self.routes = {}
		self.log = []

	def answer(self, req):
		host = req.headers.get("Host", "").rsplit(":", 1)[0]
		headers = {k.lower(): v for k, v in req.headers.items()}
		with self.lock:
			self.log.append((host, req.path, headers))
		route = self.routes.get(req.path, Route(b"not found\n", status=404))
		try:
			self.send(req, route)
		except OSError:
			req.close_connection = True

	def send(self, req, route):
		if self.stopping.wait(route.head_delay):
			return
		req.send_response(route.status)
		for name, value in route.headers:
			req.send_header(name, value)
		if not any(n.lower() == "content-type" for n, _ in route.headers):
			req.send_header("Content-Type", "text/html")
		req.send_header("Content-Length", str(len(route.body)))
		req.end_headers()
		req.wfile.flush()
		if self.stopping.wait(route.stall):
			return
		step = 1 if route.trickle else len(route.body) or 1
		for i in range(0, len(route.body), step):
			req.wfile.write(route.body[i:i + step])
			req.wfile.flush()
			if route.trickle and self.stopping.wait(route.trickle):
				return

	def requests(self, host=None):
		"""[(host, path, headers)] so far, optionally for one host."""
		with self.lock:
			return [e for e in self.log if host is None or e[0] == host]

	def paths(self):
		return [p for _, p, _ in self.requests()]


@pytest.fixture(scope="module")
def origin():
	with Origin() as o:
		yield o


@pytest.fixture(scope="module")
def names(module_servers):
	"""dnsmasq knowing a.test and b.test, both 127.0.0.1."""
	return module_servers.dnsmasq({"a.test": "127.0.0.1", "b.test": "127.0.0.1"})


def new_crawler(crawler_bin, tmp_path_factory, label):
	return harness.Crawler(crawler_bin, str(tmp_path_factory.mktemp(label) / "crawl"))


def row(urls, url):
	assert url in urls, "no row for %s: %s" % (url, sorted(urls))
	return urls[url]


def request_record(c, r):
	"""The raw HTTP request archived just before r's response record."""
	n = r["warc_request_length"]
	assert n, harness.describe([r])
	headers, _, _, block = warccheck.read_record(c.warc_path(r["warc_segment"]),
						     r["warc_offset"] - n, n)
	assert headers.get("WARC-Type") == "request", headers
	return block.decode("latin-1")


# ---- headers, auth, Referer ----

def session_site(o):
	"""a.test links to a page, to a same-host and a cross-host redirect and to
	b.test; every path is unique so the log tells who asked for what."""
	b = "http://b.test:%d" % o.port
	o.routes.update({
		"/s/": page("/s/p1.html", "/s/same", "/s/cross", b + "/s/b1.html"),
		"/s/p1.html": page("/s/p3.html"),
		"/s/same": redirect("/s/p2.html"),
		"/s/cross": redirect(b + "/s/b2.html"),
		"/s/p2.html": page(), "/s/p3.html": page(),
		"/s/b1.html": page(), "/s/b2.html": page(),
	})
	return o.url("/s/", "a.test")


@pytest.fixture(scope="module")
def session_crawl(origin, names, crawler_bin, tmp_path_factory):
	seed = session_site(origin)
	c = new_crawler(crawler_bin, tmp_path_factory, "session")
	c.crawl(seed, "--scope", "any", "--dns-servers", names.server_arg, "--no-robots",
		"--user", "%s:%s" % (USER, PASSWORD), "--header", "%s: %s" % TOKEN, timeout=60)
	return c, {p: h for _, p, h in origin.requests() if p.startswith("/s/")}


def test_session_site_fetched(session_crawl, origin):
	c, seen = session_crawl
	assert sorted(seen) == sorted(p for p in origin.routes if p.startswith("/s/")), sorted(seen)
	failed = [r for r in c.urls().values() if r["state"] != "done"]
	assert not failed, harness.describe(failed)


def test_header_sent_and_archived(session_crawl):
	c, seen = session_crawl
	missing = [p for p, h in seen.items() if h.get(TOKEN[0].lower()) != TOKEN[1]]
	assert not missing, "no %s on %s" % (TOKEN[0], missing)
	done = c.query("SELECT * FROM urls WHERE state = 'done'")
	assert done
	for r in done:
		assert "\r\n%s: %s\r\n" % TOKEN in request_record(c, r), r["url"]


def test_basic_auth_only_to_the_seed_host(session_crawl, origin):
	_, seen = session_crawl
	want = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
	a_paths = {p for h, p, _ in origin.requests("a.test") if p.startswith("/s/")}
	b_paths = {p for h, p, _ in origin.requests("b.test") if p.startswith("/s/")}
	assert a_paths == {"/s/", "/s/p1.html", "/s/same", "/s/cross", "/s/p2.html",
			   "/s/p3.html"}, a_paths
	assert b_paths == {"/s/b1.html", "/s/b2.html"}, b_paths
	assert {p: seen[p].get("authorization") for p in a_paths} == dict.fromkeys(a_paths, want)
	leaked = {p: seen[p]["authorization"] for p in b_paths if "authorization" in seen[p]}
	assert not leaked, "credentials sent to another host: %s" % leaked


def test_password_not_stored(session_crawl):
	c, _ = session_crawl
	configs = [r["config"] for r in c.query("SELECT config FROM runs")]
	assert configs and all("user = %s:***" % USER in cfg for cfg in configs), configs
	for name in os.listdir(c.dir):
		if name.startswith("crawl.db"):
			with open(os.path.join(c.dir, name), "rb") as f:
				assert PASSWORD.encode() not in f.read(), name


def test_referer_is_the_parent(session_crawl, origin):
	_, seen = session_crawl
	a = lambda p: origin.url(p, "a.test")  # noqa: E731
	want = {"/s/": None, "/s/p1.html": a("/s/"), "/s/same": a("/s/"),
		"/s/cross": a("/s/"), "/s/b1.html": a("/s/"), "/s/p3.html": a("/s/p1.html"),
		"/s/p2.html": a("/s/same"), "/s/b2.html": a("/s/cross")}
	assert {p: seen[p].get("referer") for p in want} == want


def test_no_referer(origin, names, crawler_bin, tmp_path_factory):
	seed = session_site(origin)
	before = len(origin.requests())
	c = new_crawler(crawler_bin, tmp_path_factory, "noreferer")
	c.crawl(seed, "--scope", "any", "--dns-servers", names.server_arg, "--no-robots",
		"--no-referer", timeout=60)
	seen = origin.requests()[before:]
	assert len(seen) >= 8, seen
	assert [p for _, p, h in seen if "referer" in h] == []


# ---- timeouts ----

def test_read_timeout(origin, crawler_bin, tmp_path_factory):
	body = page(text="slow").body
	origin.routes.update({
		"/t/": page("/t/stall.html", "/t/trickle.html", "/t/ok.html"),
		"/t/stall.html": Route(body, stall=STALL),
		"/t/trickle.html": Route(body[:12], trickle=0.25),
		"/t/ok.html": page(),
	})
	c = new_crawler(crawler_bin, tmp_path_factory, "readtimeout")
	c.crawl(origin.url("/t/"), "--no-robots", "--read-timeout", "1", timeout=60)
	urls = c.urls()
	stall = row(urls, origin.url("/t/stall.html"))
	assert (stall["state"], stall["error"]) == ("failed", "timeout"), harness.describe([stall])
	# a body that keeps coming, byte by byte for 3 s, is not idle
	for path in ("/t/", "/t/trickle.html", "/t/ok.html"):
		r = row(urls, origin.url(path))
		assert (r["state"], r["status"]) == ("done", 200), harness.describe([r])


def test_total_timeout_on_slow_headers(origin, crawler_bin, tmp_path_factory):
	origin.routes.update({"/t/slowhead.html": Route(page().body, head_delay=STALL),
			      "/t/fast.html": page()})
	c = new_crawler(crawler_bin, tmp_path_factory, "timeout")
	c.crawl(origin.url("/t/slowhead.html"), origin.url("/t/fast.html"), "--no-robots",
		"--timeout", "1", timeout=60)
	urls = c.urls()
	slow = row(urls, origin.url("/t/slowhead.html"))
	assert (slow["state"], slow["error"]) == ("failed", "timeout"), harness.describe([slow])
	assert row(urls, origin.url("/t/fast.html"))["state"] == "done"


# ---- compression ----

def encode(coding, data):
	if coding == "gzip":
		return gzip.compress(data)
	if coding == "deflate":
		return zlib.compress(data)  # HTTP deflate is the zlib format
	if coding == "br":
		return brotli.compress(data)
	return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE,
			      check=True).stdout


def gzip_bomb(link):
	"""A link, then BOMB_MB MB of spaces, gzipped (about 100 KB)."""
	z = zlib.compressobj(9, zlib.DEFLATED, 31)
	out = [z.compress(('<html><body><a href="%s">x</a>' % link).encode())]
	chunk = b" " * (1 << 20)
	out += [z.compress(chunk) for _ in range(BOMB_MB)]
	return b"".join(out) + z.flush()


def compressed_site(o):
	"""{coding: decoded body} of the encoded pages; routes under /z/."""
	decoded, links = {}, ["/z/plain.html", "/z/bomb.html", "/z/truncated.html",
			      "/z/corrupt.html", "/z/after.html"]
	for coding in ENCODERS:
		path = "/z/%s.html" % coding
		decoded[coding] = page("/z/from-%s.html" % coding, text="x" * 3000).body
		o.routes[path] = Route(encode(coding, decoded[coding]),
				       headers=[("Content-Encoding", coding)])
		o.routes["/z/from-%s.html" % coding] = page()
		links.append(path)
	broken = gzip.compress(page(text="y" * 4000).body)
	o.routes.update({
		"/z/": page(*links),
		"/z/plain.html": page(),
		"/z/after.html": page(),
		"/z/bomb.html": Route(gzip_bomb("/z/from-bomb.html"),
				      headers=[("Content-Encoding", "gzip")]),
		"/z/truncated.html": Route(broken[:len(broken) // 2],
					   headers=[("Content-Encoding", "gzip")]),
		"/z/corrupt.html": Route(broken[:10] + b"\xff" * 40,
					 headers=[("Content-Encoding", "gzip")]),
	})
	return decoded


@pytest.fixture(scope="module")
def compressed(origin, crawler_bin, tmp_path_factory):
	decoded = compressed_site(origin)
	c = new_crawler(crawler_bin, tmp_path_factory, "compressed")
	c.crawl(origin.url("/z/"), "--no-robots", "--max-size", "1M", timeout=60)
	return c, c.urls(), decoded


@pytest.mark.parametrize("coding", CODINGS)
def test_encoded_page_decoded_and_followed(compressed, origin, coding):
	c, urls, decoded = compressed
	if coding not in ENCODERS:
		pytest.skip("no brotli encoder: the python3 brotli module is missing")
	r = row(urls, origin.url("/z/%s.html" % coding))
	assert (r["state"], r["status"]) == ("done", 200), harness.describe([r])
	assert row(urls, origin.url("/z/from-%s.html" % coding))["state"] == "done"
	body = decoded[coding]
	assert r["length"] == len(body), harness.describe([r])
	assert r["payload_digest"] == "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()
	warc_headers, status, http_headers, payload = warccheck.read_record(
		c.warc_path(r["warc_segment"]), r["warc_offset"], r["warc_length"])
	assert payload == body
	assert warc_headers.get("WARC-Payload-Digest") == r["payload_digest"], warc_headers
	names = {n.lower(): v for n, v in http_headers}
	assert names.get("x-crawler-content-encoding") == coding, http_headers
	assert "content-encoding" not in names, http_headers
	assert "content-length" not in names, http_headers
	assert names.get("x-crawler-content-length") == str(len(origin.routes[
		"/z/%s.html" % coding].body)), http_headers


def test_compressed_archive_is_valid(compressed):
	c, _, _ = compressed
	segments = sorted(os.listdir(os.path.join(c.dir, "warc")))
	assert segments
	for seg in segments:
		problems = warccheck.check_segment(os.path.join(c.dir, "warc", seg))
		assert not problems, problems


def test_accept_encoding_sent(compressed, origin):
	seen = [h.get("accept-encoding") for _, p, h in origin.requests() if p.startswith("/z/")]
	assert seen
	for value in seen:
		assert value and {v.strip() for v in value.split(",")} == set(CODINGS), seen


def test_decompression_bomb_too_large(compressed, origin):
	_, urls, _ = compressed
	r = row(urls, origin.url("/z/bomb.html"))
	assert (r["state"], r["error"]) == ("failed", "too_large"), harness.describe([r])
	assert origin.url("/z/from-bomb.html") not in urls, "the bomb was parsed"


@pytest.mark.parametrize("path", ["/z/truncated.html", "/z/corrupt.html"])
def test_broken_gzip_fails_decode(compressed, origin, path):
	_, urls, _ = compressed
	r = row(urls, origin.url(path))
	assert (r["state"], r["error"]) == ("failed", "decode"), harness.describe([r])
	for path in ("/z/plain.html", "/z/after.html"):
		assert row(urls, origin.url(path))["state"] == "done"


def test_no_compression(origin, crawler_bin, tmp_path_factory):
	origin.routes["/z/identity.html"] = page()
	before = len(origin.requests())
	c = new_crawler(crawler_bin, tmp_path_factory, "nocompression")
	c.crawl(origin.url("/z/identity.html"), "--no-robots", "--no-compression", timeout=60)
	seen = origin.requests()[before:]
	assert seen and all("accept-encoding" not in h for _, _, h in seen), seen
	assert row(c.urls(), origin.url("/z/identity.html"))["state"] == "done"


# ---- redirects ----

def chain(o, name, hops):
	"""/NAME -> /NAME-1 -> ... -> /NAME-HOPS (a page)."""
	paths = ["/" + name] + ["/%s-%d" % (name, i) for i in range(1, hops + 1)]
	for src, dst in zip(paths, paths[1:]):
		o.routes[src] = redirect(dst)
	o.routes[paths[-1]] = page()
	return paths


def test_max_redirects(origin, crawler_bin, tmp_path_factory):
	long_chain, short_chain = chain(origin, "r4", 4), chain(origin, "r2", 2)
	c = new_crawler(crawler_bin, tmp_path_factory, "redirects")
	c.crawl(origin.url(long_chain[0]), origin.url(short_chain[0]), "--no-robots",
		"--max-redirects", "2", timeout=60)
	urls = c.urls()
	end = row(urls, origin.url(short_chain[-1]))
	assert (end["state"], end["status"], end["redirect_hops"]) == ("done", 200, 2), \
		harness.describe([end])
	past = row(urls, origin.url(long_chain[3]))
	assert (past["state"], past["reason"]) == ("skipped", "redirects"), harness.describe([past])
	asked = origin.paths()
	assert long_chain[2] in asked and long_chain[3] not in asked and long_chain[4] not in asked


# ---- a Unix socket ----

UNIX_NGINX_CONF = harness.NGINX_MAIN + """\
events { worker_connections 64; }
http {
	default_type text/html;
""" + harness.NGINX_TEMP_PATHS + """\
	log_format session escape=json '{"host":"$host","uri":"$request_uri",'
		'"status":$status,"protocol":"$server_protocol","conn":$connection,'
		'"conn_requests":$connection_requests,'
		'"authorization":"$http_authorization","referer":"$http_referer",'
		'"accept_encoding":"$http_accept_encoding"}';
	access_log %(dir)s/access.log session;
	server {
		listen unix:%(socket)s;
		server_name site.test;
		root %(root)s;
	}
}
"""


class UnixNginx(harness.Nginx):
	"""nginx serving one root on a Unix domain socket only."""

	def __init__(self, workdir, root, socket_path):
		super().__init__(workdir, [("site.test", root)])
		self.socket_path = socket_path

	def pick_port(self):
		return None

	def conf_text(self):
		return UNIX_NGINX_CONF % dict(self.conf_fields(), socket=self.socket_path,
					      root=os.path.abspath(self.vhosts[0][1]))

	def ready(self):
		with contextlib.suppress(OSError, ValueError), open(self.pid_file) as f:
			if int(f.read()) == self.proc.pid:
				with socket.socket(socket.AF_UNIX) as s:
					s.connect(self.socket_path)
					return True
		return False

	def lost_port_race(self):
		return False


def write_page(root, path, links):
	with open(os.path.join(root, path), "w") as f:
		f.write("<html><body>%s</body></html>\n" % "".join(
			'<a href="%s">%s</a>\n' % (l, l) for l in links))


def test_unix_socket(crawler, tmp_path):
	root = str(tmp_path / "site")
	os.makedirs(root)
	pages = ["index.html", "a.html", "b.html", "c.html"]
	write_page(root, "index.html", ["/a.html", "/b.html"])
	write_page(root, "a.html", ["/c.html", "http://site.test/"])
	write_page(root, "b.html", ["c.html"])
	write_page(root, "c.html", [])
	sockdir = tempfile.mkdtemp(prefix="crawler-sock-")  # sun_path is short
	ng = UnixNginx(str(tmp_path / "nginx"), root, os.path.join(sockdir, "ng.sock"))
	try:
		ng.start()
		crawler.crawl("http://site.test/", "--unix-socket", ng.socket_path, timeout=60)
		log = ng.log()
	finally:
		ng.stop()
		shutil.rmtree(sockdir, ignore_errors=True)
	urls = crawler.urls()
	for p in pages:
		url = "http://site.test/" + ("" if p == "index.html" else p)
		r = row(urls, url)
		assert (r["state"], r["status"]) == ("done", 200), harness.describe([r])
	fetched = sorted(e["uri"] for e in log if e["uri"] != "/robots.txt")
	assert fetched == ["/", "/a.html", "/b.html", "/c.html"], log
	assert {e["host"] for e in log} == {"site.test"}, log


# ---- malformed options ----

@pytest.fixture(scope="module")
def key_file(tmp_path_factory):
	path = str(tmp_path_factory.mktemp("key") / "client.key")
	subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
			"ec_paramgen_curve:prime256v1", "-out", path], check=True,
		       capture_output=True)
	return path


BAD_OPTIONS = [
	(["--header", "nocolon"], "--header"),
	(["--header", "Bad Name: x"], "--header"),
	(["--header", ": empty name"], "--header"),
	(["--header", "X-A: b\r\nX-B: c"], "--header"),
	(["--user", "nocolon"], "--user"),
	(["--ca-certificate", "/nonexistent/ca.pem"], "--ca-certificate"),
	(["--client-cert", "/nonexistent/cert.pem"], "--client-cert"),
	(["--pinned-pubkey", "md5//x"], "--pinned-pubkey"),
	(["--pinned-pubkey", "sha256//"], "--pinned-pubkey"),
	(["--client-key", "KEY"], "--client-cert"),
	(["--max-redirects", "-1"], "--max-redirects"),
	(["--read-timeout", "soon"], "--read-timeout"),
	(["--unix-socket", "/nonexistent/http.sock"], "--unix-socket"),
	(["--unix-socket", "/etc/hostname"], "not a socket"),
]


@pytest.mark.parametrize("args,named", BAD_OPTIONS, ids=[repr(" ".join(a)) for a, _ in BAD_OPTIONS])
def test_bad_session_option(crawler, key_file, args, named):
	args = [key_file if a == "KEY" else a for a in args]
	res = crawler.run("crawl", "--dir", crawler.dir, "--quiet", *args, "http://127.0.0.1:9/")
	assert res.rc == 2, res
	assert named in res.stderr and "unknown option" not in res.stderr, res
	assert not os.path.exists(os.path.join(crawler.dir, "crawl.db")), res
