"""TLS (issue 3): certificates are verified against --ca-certificate, each kind
of failure is a `tls` error whose detail starts with its reason, pins and
client certificates work, and HTTP/2 is negotiated and multiplexed.

A CA and the server certificates are made with the openssl CLI in a temporary
directory; nginx serves good.test (a good certificate), wrong.test (a
certificate for other.test), expired.test (expired in 2020) and client.test
(ssl_verify_client on) on one TLS + http2 port, the names resolving through
dnsmasq.  nginx answers a missing client certificate with an HTTP 400, so the
handshake failure is shown against a small Python TLS 1.2 server that
requires one."""
import base64
import hashlib
import os
import ssl
import subprocess

import pytest

import harness

NAMES = ("good.test", "wrong.test", "expired.test", "client.test", "strict.test")
PAGES = ["/p%d.html" % i for i in range(8)]
WRONG_PIN = "sha256//" + base64.b64encode(bytes(32)).decode()

CA_CONF = """\
[ca]
default_ca = test_ca
[test_ca]
database = %(dir)s/index.txt
new_certs_dir = %(dir)s
rand_serial = yes
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[any]
commonName = supplied
"""

TLS_NGINX_CONF = harness.NGINX_MAIN + """\
events { worker_connections 1024; }
http {
	default_type text/html;
""" + harness.NGINX_TEMP_PATHS + """\
	log_format session escape=json '{"host":"$host","uri":"$request_uri",'
		'"status":$status,"protocol":"$server_protocol","conn":$connection,'
		'"conn_requests":$connection_requests,'
		'"authorization":"$http_authorization","referer":"$http_referer",'
		'"accept_encoding":"$http_accept_encoding",'
		'"client_verify":"$ssl_client_verify"}';
	access_log %(dir)s/access.log session;
	keepalive_requests 10000;
%(servers)s}
"""

TLS_SERVER = """\
	server {
		listen 127.0.0.1:%(port)d ssl http2%(default)s;
		server_name %(name)s;
		root %(root)s;
		ssl_certificate %(cert)s;
		ssl_certificate_key %(key)s;
%(extra)s	}
"""


# ---- a CA and its certificates, made with the openssl CLI ----

def openssl(*args):
	p = subprocess.run(["openssl"] + list(args), capture_output=True, text=True,
			   env=harness.clean_env())
	if p.returncode != 0:
		raise harness.HarnessError("openssl %s: %s" % (" ".join(args), p.stderr))
	return p.stdout


class Pki:
	"""A CA in `workdir` that signs certificates with `openssl ca`, so that
	validity dates in the past are possible."""

	def __init__(self, workdir):
		self.dir = workdir
		os.makedirs(workdir, exist_ok=True)
		open(os.path.join(workdir, "index.txt"), "w").close()
		self.conf = os.path.join(workdir, "ca.cnf")
		with open(self.conf, "w") as f:
			f.write(CA_CONF % {"dir": workdir})
		self.ca_cert, self.ca_key = self.path("ca.pem"), self.path("ca.key")
		openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
			"-nodes", "-keyout", self.ca_key, "-out", self.ca_cert, "-days", "30",
			"-subj", "/CN=Crawler Test CA",
			"-addext", "basicConstraints=critical,CA:TRUE",
			"-addext", "keyUsage=critical,keyCertSign,cRLSign")

	def path(self, name):
		return os.path.join(self.dir, name)

	def issue(self, label, cn, san=None, dates=None):
		"""(cert, key) paths of a new certificate; dates: (start, end) as
		YYYYMMDDHHMMSSZ, else valid for 30 days from now."""
		cert, key, csr = (self.path(label + ext) for ext in (".pem", ".key", ".csr"))
		req = ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
		       "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + cn]
		openssl(*(req + (["-addext", "subjectAltName=DNS:" + san] if san else [])))
		when = ["-startdate", dates[0], "-enddate", dates[1]] if dates else ["-days", "30"]
		openssl("ca", "-batch", "-config", self.conf, "-cert", self.ca_cert,
			"-keyfile", self.ca_key, "-in", csr, "-out", cert, "-notext", *when)
		return cert, key


def spki_pin(cert):
	"""sha256//BASE64 of the certificate's SubjectPublicKeyInfo (DER)."""
	pem = openssl("x509", "-in", cert, "-pubkey", "-noout")
	der = base64.b64decode("".join(l for l in pem.splitlines() if not l.startswith("-----")))
	return "sha256//" + base64.b64encode(hashlib.sha256(der).digest()).decode()


# ---- servers ----

class TlsNginx(harness.Nginx):
	"""nginx with TLS + http2 virtual hosts on one port (SNI picks the
	certificate); its access log records protocol, connection and headers.
	vhosts: [(name, root, cert, key, extra directives)]."""

	def conf_text(self):
		servers = "".join(TLS_SERVER % {
			"port": self.port, "name": name, "root": os.path.abspath(root),
			"cert": cert, "key": key, "extra": extra,
			"default": " default_server" if i == 0 else ""}
			for i, (name, root, cert, key, extra) in enumerate(self.vhosts))
		return TLS_NGINX_CONF % dict(self.conf_fields(), servers=servers)

	def origin(self, host="good.test"):
		return "https://%s:%d" % (host, self.port)


class StrictTlsServer(harness.ThreadedHTTPServer):
	"""HTTPS that refuses, during the TLS 1.2 handshake, any client without a
	certificate signed by the CA."""
	scheme = "https"

	def __init__(self, pki, cert, key):
		super().__init__()
		ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
		ctx.maximum_version = ssl.TLSVersion.TLSv1_2
		ctx.load_cert_chain(cert, key)
		ctx.load_verify_locations(pki.ca_cert)
		ctx.verify_mode = ssl.CERT_REQUIRED
		self.requests = []
		# before the thread starts: every connection is accepted through TLS
		self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)

	def answer(self, req):
		self.requests.append(req.path)
		body = b"<html><body>client certificate accepted</body></html>\n"
		req.send_response(200)
		req.send_header("Content-Type", "text/html")
		req.send_header("Content-Length", str(len(body)))
		req.end_headers()
		req.wfile.write(body)


def write_site(root):
	"""index.html linking to PAGES, which link nowhere."""
	os.makedirs(root, exist_ok=True)
	with open(os.path.join(root, "index.html"), "w") as f:
		f.write("<html><body>%s</body></html>\n" % "".join(
			'<a href="%s">%s</a>\n' % (p, p) for p in PAGES))
	for p in PAGES:
		with open(os.path.join(root, p.lstrip("/")), "w") as f:
			f.write("<html><body><p>page %s</p></body></html>\n" % p)


@pytest.fixture(scope="module")
def tls(module_servers, tmp_path_factory):
	base = tmp_path_factory.mktemp("tls")
	pki = Pki(str(base / "pki"))
	root = str(base / "site")
	write_site(root)
	good = pki.issue("good", "good.test", "good.test")
	other = pki.issue("other", "other.test", "other.test")
	expired = pki.issue("expired", "expired.test", "expired.test",
			    ("20200101000000Z", "20200201000000Z"))
	client_host = pki.issue("client", "client.test", "client.test")
	strict_host = pki.issue("strict", "strict.test", "strict.test")
	user = pki.issue("user", "crawler client")
	verify = "\t\tssl_verify_client on;\n\t\tssl_client_certificate %s;\n" % pki.ca_cert
	vhosts = [("good.test", root) + good + ("",), ("wrong.test", root) + other + ("",),
		  ("expired.test", root) + expired + ("",),
		  ("client.test", root) + client_host + (verify,)]
	dns = module_servers.dnsmasq({n: "127.0.0.1" for n in NAMES})
	ng = TlsNginx(str(base / "nginx"), vhosts).start()
	try:
		yield {"pki": pki, "nginx": ng, "dns": dns, "good": good, "user": user,
		       "strict": strict_host}
	finally:
		ng.stop()


def crawl(crawler, tls, host, *args, path="/"):
	"""Crawls https://HOST:PORT/PATH through the test's dnsmasq; returns the
	URL rows and nginx's log lines for that host."""
	ng = tls["nginx"]
	ng.reset_log()
	seed = ng.origin(host) + path
	crawler.crawl(seed, "--dns-servers", tls["dns"].server_arg, "--no-robots", *args,
		      timeout=60)
	return crawler.urls(), [e for e in ng.log() if e["host"] == host]


def seed_row(urls, seed):
	assert seed in urls, "no row for %s: %s" % (seed, sorted(urls))
	return urls[seed]


def assert_site_done(urls, origin):
	want = [origin + "/"] + [origin + p for p in PAGES]
	bad = [urls.get(u, {"url": u, "state": "absent"}) for u in want]
	bad = [r for r in bad if (r["state"], r.get("status")) != ("done", 200)]
	assert not bad, "not fetched:\n" + harness.describe(bad)


def assert_tls_failure(urls, seed, reason):
	r = seed_row(urls, seed)
	assert (r["state"], r["error"]) == ("failed", "tls"), harness.describe([r])
	assert (r["error_detail"] or "").startswith(reason + ": "), harness.describe([r])
	assert r["status"] is None, harness.describe([r])


# ---- verification ----

def test_ca_certificate_verifies_and_http2_multiplexes(tls, crawler):
	urls, log = crawl(crawler, tls, "good.test", "--ca-certificate", tls["pki"].ca_cert)
	assert_site_done(urls, tls["nginx"].origin())
	assert len(log) == 1 + len(PAGES), log
	assert {e["protocol"] for e in log} == {"HTTP/2.0"}, log
	assert max(e["conn_requests"] for e in log) > 1, \
		"every request opened its own connection: %s" % log


def test_http11_forced(tls, crawler):
	urls, log = crawl(crawler, tls, "good.test", "--ca-certificate", tls["pki"].ca_cert,
			  "--http1.1")
	assert_site_done(urls, tls["nginx"].origin())
	assert log and {e["protocol"] for e in log} == {"HTTP/1.1"}, log


def test_unknown_issuer_without_ca(tls, crawler):
	urls, log = crawl(crawler, tls, "good.test")
	assert_tls_failure(urls, tls["nginx"].origin() + "/", "unknown issuer")
	assert not log, "a request went through an unverified connection: %s" % log


def test_certificate_for_another_name(tls, crawler):
	urls, log = crawl(crawler, tls, "wrong.test", "--ca-certificate", tls["pki"].ca_cert)
	assert_tls_failure(urls, tls["nginx"].origin("wrong.test") + "/", "wrong host")
	assert not log, log


def test_expired_certificate(tls, crawler):
	urls, log = crawl(crawler, tls, "expired.test", "--ca-certificate", tls["pki"].ca_cert)
	assert_tls_failure(urls, tls["nginx"].origin("expired.test") + "/", "expired")
	assert not log, log


def test_insecure_accepts_unknown_issuer(tls, crawler):
	urls, _ = crawl(crawler, tls, "good.test", "--insecure")
	assert_site_done(urls, tls["nginx"].origin())


# ---- pinning ----

def test_right_pin_succeeds(tls, crawler):
	pin = spki_pin(tls["good"][0])
	urls, _ = crawl(crawler, tls, "good.test", "--ca-certificate", tls["pki"].ca_cert,
			"--pinned-pubkey", WRONG_PIN + ";" + pin)
	assert_site_done(urls, tls["nginx"].origin())


def test_wrong_pin_fails(tls, crawler):
	urls, log = crawl(crawler, tls, "good.test", "--ca-certificate", tls["pki"].ca_cert,
			  "--pinned-pubkey", WRONG_PIN)
	assert_tls_failure(urls, tls["nginx"].origin() + "/", "pin mismatch")
	assert not log, log


# ---- client certificates ----

def test_client_certificate_presented(tls, crawler):
	cert, key = tls["user"]
	urls, log = crawl(crawler, tls, "client.test", "--ca-certificate", tls["pki"].ca_cert,
			  "--client-cert", cert, "--client-key", key)
	assert_site_done(urls, tls["nginx"].origin("client.test"))
	assert log and {e["client_verify"] for e in log} == {"SUCCESS"}, log


def test_no_client_certificate_nginx_refuses(tls, crawler):
	"""nginx finishes the handshake and answers 400: the page is not done."""
	urls, log = crawl(crawler, tls, "client.test", "--ca-certificate", tls["pki"].ca_cert)
	r = seed_row(urls, tls["nginx"].origin("client.test") + "/")
	assert r["state"] == "failed", harness.describe([r])
	assert [e["client_verify"] for e in log] == ["NONE"], log
	assert not any(u.endswith(PAGES[0]) for u in urls), sorted(urls)


@pytest.mark.parametrize("with_cert", [True, False], ids=["with-cert", "without"])
def test_client_certificate_required_in_handshake(tls, crawler, with_cert):
	pki = tls["pki"]
	args = ["--client-cert", tls["user"][0], "--client-key", tls["user"][1]] if with_cert else []
	with StrictTlsServer(pki, *tls["strict"]) as srv:
		seed = "https://strict.test:%d/" % srv.port
		crawler.crawl(seed, "--dns-servers", tls["dns"].server_arg, "--no-robots",
			      "--ca-certificate", pki.ca_cert, *args, timeout=60)
		urls = crawler.urls()
	if with_cert:
		r = seed_row(urls, seed)
		assert (r["state"], r["status"]) == ("done", 200), harness.describe([r])
		assert srv.requests == ["/"]
	else:
		assert_tls_failure(urls, seed, "tls")
		assert srv.requests == []


def test_pki_self_check(tls):
	"""The fixtures are what the tests think they are (openssl's own view)."""
	pki = tls["pki"]
	with pytest.raises(harness.HarnessError, match="expired"):
		openssl("verify", "-CAfile", pki.ca_cert, pki.path("expired.pem"))
	openssl("verify", "-CAfile", pki.ca_cert, tls["good"][0], pki.path("other.pem"))
	assert "DNS:other.test" in openssl("x509", "-in", pki.path("other.pem"), "-noout",
					   "-ext", "subjectAltName")
