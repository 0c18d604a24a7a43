"""Helpers for the integration tests: real servers on loopback and the crawler.

Every server binds 127.0.0.1 on an OS-assigned port and is stopped by the PID
of the process the helper started.  Nothing here ever uses the machine's DNS
resolver: names resolve through the Dnsmasq helper only.
"""
import contextlib
import http.server
import json
import os
import random
import signal
import socket
import sqlite3
import struct
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("CRAWLER_SRC") or os.path.dirname(os.path.dirname(HERE))
PYTHON = "/usr/bin/python3"
NGINX = "/usr/sbin/nginx"
DNSMASQ = "/usr/sbin/dnsmasq"
START_TRIES = 5
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy")


class HarnessError(RuntimeError):
	pass


def clean_env():
	"""The environment for child processes: no proxies, so loopback stays direct."""
	return {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARS}


def free_port(kind=socket.SOCK_STREAM):
	"""A port the OS just handed out on 127.0.0.1 (the caller retries on races)."""
	with socket.socket(socket.AF_INET, kind) as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def wait_until(predicate, timeout, what):
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		if predicate():
			return
		time.sleep(0.02)
	raise HarnessError("timed out after %.1fs waiting for %s" % (timeout, what))


def stop_process(proc, grace=5.0):
	"""Stops one child we started, by its PID: SIGTERM, then SIGKILL."""
	if proc is None or proc.poll() is not None:
		return
	proc.send_signal(signal.SIGTERM)
	try:
		proc.wait(grace)
	except subprocess.TimeoutExpired:
		proc.kill()
		proc.wait()


def read_jsonl(path):
	if not os.path.exists(path):
		return []
	with open(path, encoding="utf-8") as f:
		return [json.loads(line) for line in f if line.strip()]


def max_overlap(intervals):
	"""Largest number of [start, end] intervals open at one instant."""
	events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals],
			key=lambda ev: (ev[0], ev[1]))
	cur = best = 0
	for _, delta in events:
		cur += delta
		best = max(best, cur)
	return best


def http_get(port, path="/", host="127.0.0.1", timeout=5.0):
	"""(status, body) of a plain HTTP/1.0 GET to 127.0.0.1:port with Host `host`."""
	with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
		s.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)).encode())
		data = b""
		while True:
			chunk = s.recv(65536)
			if not chunk:
				break
			data += chunk
	head, _, body = data.partition(b"\r\n\r\n")
	return int(head.split(b" ", 2)[1]), body


def port_answers(port):
	try:
		with socket.create_connection(("127.0.0.1", port), timeout=0.5):
			return True
	except OSError:
		return False


class Server:
	"""A child process serving on a port; subclasses write config and argv."""
	name = "server"

	def __init__(self, workdir):
		self.workdir = workdir
		os.makedirs(workdir, exist_ok=True)
		self.proc = None
		self.port = None

	def start(self):
		"""Starts on a fresh free port, retrying when another process won the race."""
		for _ in range(START_TRIES):
			self.port = self.pick_port()
			self.proc = self.spawn()
			try:
				wait_until(lambda: self.proc.poll() is not None or self.ready(), 10,
					   "%s to answer" % self.name)
			except HarnessError:
				self.stop()
				raise
			if self.proc.poll() is None:
				return self
			self.proc.wait()
			if not self.lost_port_race():
				raise HarnessError("%s exited with %s: %s" % (
					self.name, self.proc.returncode, self.failure_text()))
		raise HarnessError("%s: no free port after %d tries" % (self.name, START_TRIES))

	def stop(self):
		stop_process(self.proc)

	def pick_port(self):
		return free_port()

	def ready(self):
		return port_answers(self.port)

	def lost_port_race(self):
		return "in use" in self.failure_text()

	def failure_text(self):
		return ""

	def __enter__(self):
		return self.start()

	def __exit__(self, *exc):
		self.stop()


# How every nginx of the tests starts: one process in the foreground, as
# root only when the tests run as root, its files in the work directory.
# Fields: user, pid, dir (see Nginx.conf_fields).
NGINX_MAIN = """\
%(user)s
daemon off;
master_process off;
worker_processes 1;
pid %(pid)s;
error_log %(dir)s/error.log info;
"""

# Inside http {}: the default temp paths are under /var, which needs root.
NGINX_TEMP_PATHS = """\
	client_body_temp_path %(dir)s/tmp/body;
	proxy_temp_path %(dir)s/tmp/proxy;
	fastcgi_temp_path %(dir)s/tmp/fastcgi;
	uwsgi_temp_path %(dir)s/tmp/uwsgi;
	scgi_temp_path %(dir)s/tmp/scgi;
"""

NGINX_CONF = NGINX_MAIN + """\
events { worker_connections 1024; }
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
""" + NGINX_TEMP_PATHS + """\
	log_format crawl escape=json '{"host":"$host","uri":"$request_uri",'
		'"method":"$request_method","status":$status,"msec":$msec,'
		'"request_time":$request_time,"bytes":$body_bytes_sent,'
		'"ua":"$http_user_agent","conn":$connection,'
		'"conn_requests":$connection_requests}';
	access_log %(dir)s/access.log crawl;
	sendfile on;
	keepalive_requests 10000;
%(servers)s}
"""

NGINX_SERVER = """\
	server {
		listen 127.0.0.1:%(port)d%(default)s;
		server_name %(name)s;
		root %(root)s;
		index index.html;
	}
"""


class Nginx(Server):
	"""nginx serving one document root per virtual host.

	vhosts: [(server_name, root), ...]; the first one is the default server,
	so requests with Host 127.0.0.1:PORT land there."""
	name = "nginx"

	def __init__(self, workdir, vhosts):
		super().__init__(workdir)
		self.vhosts = list(vhosts)
		self.access_log = os.path.join(workdir, "access.log")
		self.error_log = os.path.join(workdir, "error.log")
		self.pid_file = os.path.join(workdir, "nginx.pid")
		os.makedirs(os.path.join(workdir, "tmp"), exist_ok=True)

	def conf_text(self):
		servers = "".join(NGINX_SERVER % {
			"port": self.port, "name": name, "root": os.path.abspath(root),
			"default": " default_server" if i == 0 else ""}
			for i, (name, root) in enumerate(self.vhosts))
		return NGINX_CONF % dict(self.conf_fields(), servers=servers)

	def conf_fields(self):
		"""The fields of NGINX_MAIN and NGINX_TEMP_PATHS."""
		user = "user root;" if os.geteuid() == 0 else ""
		return {"user": user, "dir": self.workdir, "pid": self.pid_file}

	def ready(self):
		# nginx writes its pid file after binding: until then a port that
		# answers may belong to someone else
		with contextlib.suppress(OSError, ValueError), open(self.pid_file) as f:
			if int(f.read()) == self.proc.pid:
				return port_answers(self.port)
		return False

	def spawn(self):
		for stale in (self.pid_file, self.error_log):
			with contextlib.suppress(FileNotFoundError):
				os.unlink(stale)
		conf = os.path.join(self.workdir, "nginx.conf")
		with open(conf, "w") as f:
			f.write(self.conf_text())
		return subprocess.Popen([NGINX, "-p", self.workdir, "-c", conf, "-e", self.error_log],
					stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
					stderr=subprocess.DEVNULL, env=clean_env())

	def failure_text(self):
		with contextlib.suppress(OSError), open(self.error_log) as f:
			return f.read()[-2000:]
		return ""

	def origin(self, host="127.0.0.1"):
		return "http://%s:%d" % (host, self.port)

	def log(self):
		"""The access log so far, one dict per request (see log_format)."""
		return read_jsonl(self.access_log)

	def reset_log(self):
		"""Truncates the access log (nginx keeps appending to the same file)."""
		open(self.access_log, "w").close()


def dns_query_packet(name, qtype, qid):
	labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".") if p)
	return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + b"\0" + \
		struct.pack(">HH", qtype, 1)


def dns_skip_name(msg, pos):
	while True:
		n = msg[pos]
		if n == 0:
			return pos + 1
		if n & 0xC0 == 0xC0:
			return pos + 2
		pos += 1 + n


def dns_parse_answer(msg):
	"""(rcode, [IPv4 address strings]) from a DNS response."""
	_, flags, qd, an, _, _ = struct.unpack(">HHHHHH", msg[:12])
	pos = 12
	for _ in range(qd):
		pos = dns_skip_name(msg, pos) + 4
	addrs = []
	for _ in range(an):
		pos = dns_skip_name(msg, pos)
		rtype, _, _, rdlen = struct.unpack(">HHIH", msg[pos:pos + 10])
		pos += 10
		if rtype == 1 and rdlen == 4:
			addrs.append(socket.inet_ntoa(msg[pos:pos + 4]))
		pos += rdlen
	return flags & 0xF, addrs


RCODE_NXDOMAIN = 3


class Dnsmasq(Server):
	"""dnsmasq answering only for declared names; logs every query to a file.

	addresses: {name: ip} (subdomains match too); nxdomain: names answered
	NXDOMAIN.  Other names get no useful answer (no upstream servers)."""
	name = "dnsmasq"

	def __init__(self, workdir, addresses, nxdomain=()):
		super().__init__(workdir)
		self.addresses = dict(addresses)
		self.nxdomain = list(nxdomain)
		self.query_log = os.path.join(workdir, "dnsmasq.log")
		self.stderr_path = os.path.join(workdir, "dnsmasq.stderr")

	def pick_port(self):
		return free_port(socket.SOCK_DGRAM)

	def spawn(self):
		argv = [DNSMASQ, "--keep-in-foreground", "--no-resolv", "--no-hosts",
			"--conf-file=/dev/null", "--port=%d" % self.port,
			"--listen-address=127.0.0.1", "--bind-interfaces", "--log-queries",
			"--log-facility=" + self.query_log,
			"--pid-file=" + os.path.join(self.workdir, "dnsmasq.pid")]
		if os.geteuid() == 0:
			argv.append("--user=root")
		argv += ["--address=/%s/%s" % (n, ip) for n, ip in self.addresses.items()]
		# answer other record types (AAAA) with NODATA instead of REFUSED,
		# which resolvers retry
		argv += ["--local=/%s/" % n for n in self.addresses]
		argv += ["--address=/%s/" % n for n in self.nxdomain]
		with open(self.stderr_path, "w") as err:
			return subprocess.Popen(argv, stdin=subprocess.DEVNULL,
						stdout=subprocess.DEVNULL, stderr=err, env=clean_env())

	def failure_text(self):
		with open(self.stderr_path) as f:
			return f.read()

	def ready(self):
		with contextlib.suppress(OSError, HarnessError):
			self.resolve("ready.probe.invalid", timeout=0.2)
			return True
		return False

	@property
	def server_arg(self):
		"""The value for --dns-servers."""
		return "127.0.0.1:%d" % self.port

	def resolve(self, name, qtype=1, timeout=2.0):
		"""(rcode, [addresses]) straight from this dnsmasq, for self-tests."""
		qid = random.randrange(65536)
		with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
			s.settimeout(timeout)
			s.sendto(dns_query_packet(name, qtype, qid), ("127.0.0.1", self.port))
			try:
				msg = s.recv(4096)
			except socket.timeout:
				raise HarnessError("no DNS answer for %s" % name) from None
		return dns_parse_answer(msg)

	def queries(self, name=None):
		"""[(qtype, name)] of the queries logged so far, optionally for one name."""
		found = []
		with contextlib.suppress(FileNotFoundError), open(self.query_log) as f:
			for line in f:
				_, sep, rest = line.partition(": query[")
				if not sep:
					continue
				qtype, _, tail = rest.partition("] ")
				qname = tail.split(" ", 1)[0].rstrip(".").lower()
				if name is None or qname == name.lower():
					found.append((qtype, qname))
		return found


class FaultServer(Server):
	"""tests/integration/faultserver.py in a subprocess, configured by a dict."""
	name = "faultserver"

	def __init__(self, workdir, config):
		super().__init__(workdir)
		self.config_path = os.path.join(workdir, "faultserver.json")
		self.request_log = os.path.join(workdir, "requests.jsonl")
		self.stderr_path = os.path.join(workdir, "faultserver.stderr")
		with open(self.config_path, "w") as f:
			json.dump(config, f)

	def pick_port(self):
		return 0

	def spawn(self):
		argv = [PYTHON, os.path.join(HERE, "faultserver.py"), "--config", self.config_path,
			"--log", self.request_log]
		with open(self.stderr_path, "w") as err:
			proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
						stderr=err, env=clean_env(), text=True)
		line = proc.stdout.readline()
		if line.startswith("PORT "):
			self.port = int(line.split()[1])
		return proc

	def ready(self):
		return self.port is not None and port_answers(self.port)

	def failure_text(self):
		with open(self.stderr_path) as f:
			return f.read()

	def stop(self):
		super().stop()
		if self.proc is not None and self.proc.stdout:
			self.proc.stdout.close()

	def origin(self, host="127.0.0.1"):
		return "http://%s:%d" % (host, self.port)

	def log(self):
		"""One dict per request: host, path, method, status, conn, start, end."""
		return read_jsonl(self.request_log)


class ThreadedHTTPServer:
	"""HTTP/1.1 on 127.0.0.1 (a port the OS picks) from a thread of the test,
	for answers nginx and the fault server cannot give: stalls, scripted
	statuses, logs the test reads while the crawl runs.

	A subclass implements answer(req) for a BaseHTTPRequestHandler req; it
	runs on a thread per connection for each request whose method is in
	`methods` (others get the standard 501), with the request body read into
	req.body so a keep-alive connection stays in step.  lock is for the
	subclass's request log; stopping is set by stop(), so a reply that waits
	with stopping.wait(seconds) ends at once instead of holding up the
	shutdown."""
	methods = ("GET",)
	scheme = "http"

	def __init__(self):
		self.lock = threading.Lock()
		self.stopping = threading.Event()
		self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
		# a client that keeps its connection open must not hold up stop()
		self.httpd.daemon_threads = True
		self.port = self.httpd.server_address[1]
		self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

	def handler(self):
		server = self

		def dispatch(req):
			n = int(req.headers.get("Content-Length", "0"))
			req.body = req.rfile.read(n) if n else b""
			server.answer(req)

		class Handler(http.server.BaseHTTPRequestHandler):
			protocol_version = "HTTP/1.1"

			def log_message(self, *args):
				pass  # the subclass keeps its own log; stderr would bury pytest's
		# only the listed methods: the rest keep the handler's 501
		for method in self.methods:
			setattr(Handler, "do_" + method, dispatch)
		return Handler

	def answer(self, req):
		raise NotImplementedError

	def url(self, path, host="127.0.0.1"):
		return "%s://%s:%d%s" % (self.scheme, host, self.port, path)

	@property
	def origin(self):
		return self.url("")

	def start(self):
		self.thread.start()
		return self

	def stop(self):
		self.stopping.set()
		self.httpd.shutdown()
		self.httpd.server_close()
		self.thread.join(10)

	def __enter__(self):
		return self.start()

	def __exit__(self, *exc):
		self.stop()


def generate_site(outdir, pages, origin, offsite_origin, seed=1, page_kb=12):
	"""Runs scripts/gensite.py and returns its manifest."""
	subprocess.run([PYTHON, os.path.join(SRC, "scripts", "gensite.py"), outdir,
			"--pages", str(pages), "--origin", origin, "--seed", str(seed),
			"--page-kb", str(page_kb), "--offsite-origin", offsite_origin],
		       check=True)
	with open(os.path.join(outdir, "manifest.json")) as f:
		return json.load(f)


def crawler_binary():
	"""Path of the crawler under test, or None when it is not built."""
	env = os.environ.get("CRAWLER_BIN")
	candidates = [env] if env else [os.path.join(SRC, "build", "crawler"),
					os.path.join(SRC, "build", "crawler", "crawler")]
	for path in candidates:
		if os.path.isfile(path) and os.access(path, os.X_OK):
			return path
	return None


class Result:
	def __init__(self, argv, rc, stdout, stderr):
		self.argv, self.rc, self.stdout, self.stderr = argv, rc, stdout, stderr

	def __repr__(self):
		return "<crawler %s: rc=%s\nstdout: %s\nstderr: %s>" % (
			" ".join(self.argv[1:]), self.rc, self.stdout[-3000:], self.stderr[-3000:])


class Crawler:
	"""Runs the crawler binary against one crawl directory and reads its DB."""

	def __init__(self, binary, crawl_dir):
		self.binary = binary
		self.dir = crawl_dir

	def run(self, *args, timeout=180, stdin=None):
		argv = [self.binary] + [str(a) for a in args]
		try:
			p = subprocess.run(argv, input=stdin, capture_output=True, text=True,
					   timeout=timeout, env=clean_env())
		except subprocess.TimeoutExpired as e:
			raise HarnessError("crawler did not finish in %ds: %s\n%s" % (
				timeout, " ".join(argv), e.stderr)) from None
		return Result(argv, p.returncode, p.stdout, p.stderr)

	def crawl(self, *args, rc=(0,), **kw):
		"""`crawler crawl --dir DIR --quiet ARGS`; asserts the exit code is in
		rc (0: finished; 6: --max-pages stopped it with work left)."""
		res = self.run("crawl", "--dir", self.dir, "--quiet", *args, **kw)
		if res.rc not in rc:
			raise AssertionError("crawl exited %d, expected %s: %r" % (res.rc, rc, res))
		return res

	def start(self, *args):
		"""Starts `crawler ARGS` in the background; the caller stops it."""
		argv = [self.binary] + [str(a) for a in args]
		return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
					stderr=subprocess.PIPE, text=True, env=clean_env())

	def db(self):
		path = os.path.join(self.dir, "crawl.db")
		if not os.path.exists(path):
			raise AssertionError("no crawl database at %s" % path)
		conn = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
		conn.row_factory = sqlite3.Row
		return conn

	def query(self, sql, *params):
		with contextlib.closing(self.db()) as conn:
			return [dict(r) for r in conn.execute(sql, params)]

	def urls(self):
		"""{canonical url: row dict} of every URL row."""
		return {r["url"]: r for r in self.query("SELECT * FROM urls")}

	def warc_path(self, segment):
		return os.path.join(self.dir, "warc", "crawl-%05d.warc.zst" % segment)


def describe(rows, limit=10):
	"""A short printable view of some URL rows, for assertion messages."""
	keys = ("url", "state", "reason", "status", "error", "error_detail", "via", "depth")
	out = [{k: r.get(k) for k in keys} for r in list(rows)[:limit]]
	return json.dumps(out, indent=1)
