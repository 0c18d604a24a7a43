#!/usr/bin/python3
"""A small programmable HTTP/1.1 server that can misbehave on purpose.

    faultserver.py (--config FILE | --config-json JSON) [--log FILE]

Listens on 127.0.0.1, port 0, and prints "PORT <n>" on stdout once ready.
Raw asyncio streams, so responses can break the protocol (resets, lies in
Content-Length).  Configuration:

    {"latency": 0.0,                  # default delay before each response
     "hosts": {"a.test": {ROUTES}, "*": {ROUTES}}}   # "*" = any other Host

"{{port}}" in a body or a location is replaced by the server's port.
ROUTES maps a request target to a route; the full target (with query) is
tried first, then the path alone; nothing matching answers 404.  A route is
{"kind": KIND, ...} with these common keys: status, content_type, headers
({name: value}), latency (seconds before the response head).  Kinds:

    page            body (text) | body_b64 (bytes)      the default kind
    malformed       broken HTML around `links` (list of hrefs)
    redirect        location; status defaults to 302
    redirect_chain  endless: each answer redirects to PATH?n=<n+1>
    big             size bytes of HTML filler with a correct Content-Length
    reset           announces size bytes, sends `sent` of them, then resets
                    the connection (SO_LINGER 0)

Every request is logged as one JSON line: host, path, method, kind, status,
conn (connection number), start (head received), end (response written or
connection dropped), error (when the write failed), all times time.time().
"""
import argparse
import asyncio
import base64
import json
import socket
import struct
import sys
import time

MAX_HEAD = 65536
FILLER = b"<p>" + b"filler text for a large body " * 32 + b"</p>\n"
REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 303: "See Other",
	   307: "Temporary Redirect", 308: "Permanent Redirect", 404: "Not Found",
	   429: "Too Many Requests", 500: "Internal Server Error",
	   503: "Service Unavailable"}


class Request:
	def __init__(self, method, target, version, headers, port):
		self.method, self.target, self.version = method, target, version
		self.headers = headers
		self.port = port  # the server's own

	@property
	def host(self):
		host = self.headers.get("host", "")
		if host.startswith("["):
			return host.split("]")[0] + "]"
		return host.rsplit(":", 1)[0].lower() if ":" in host else host.lower()

	@property
	def path(self):
		return self.target.split("?", 1)[0]

	@property
	def keep_alive(self):
		conn = self.headers.get("connection", "").lower()
		if self.version == "HTTP/1.0":
			return conn == "keep-alive"
		return conn != "close"


async def read_request(reader, port):
	"""The next request head on the connection, or None at EOF."""
	try:
		head = await reader.readuntil(b"\r\n\r\n")
	except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
		return None
	lines = head.decode("latin-1").split("\r\n")
	parts = lines[0].split(" ")
	if len(parts) != 3:
		return None
	headers = {}
	for line in lines[1:]:
		name, sep, value = line.partition(":")
		if sep:
			headers[name.strip().lower()] = value.strip()
	length = int(headers.get("content-length", "0") or 0)
	if length:
		await reader.readexactly(length)
	return Request(parts[0], parts[1], parts[2], headers, port)


def response_head(status, headers):
	lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status"))]
	lines += ["%s: %s" % kv for kv in headers]
	return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def base_headers(route, content_type, length, keep_alive):
	headers = [("Content-Type", route.get("content_type", content_type)),
		   ("Content-Length", str(length)),
		   ("Connection", "keep-alive" if keep_alive else "close")]
	return headers + list(route.get("headers", {}).items())


def malformed_body(route):
	links = "".join('<a href="%s">x<b>y</a></b>\n<p><div>' % h for h in route.get("links", []))
	return ("<html><head><title>broken</title><body><table><tr><td>\n%s"
		"<a href=\"unterminated.html\n<p>\x00</i></body></htm" % links).encode("latin-1")


async def send_body(writer, route, req, status, content_type, body):
	headers = base_headers(route, content_type, len(body), req.keep_alive)
	writer.write(response_head(status, headers))
	if req.method != "HEAD":
		writer.write(body)
	await writer.drain()
	return status


async def kind_page(writer, route, req):
	if "body_b64" in route:
		body = base64.b64decode(route["body_b64"])
	else:
		body = route.get("body", "").replace("{{port}}", str(req.port)).encode("utf-8")
	return await send_body(writer, route, req, route.get("status", 200), "text/html", body)


async def kind_malformed(writer, route, req):
	return await send_body(writer, route, req, route.get("status", 200),
			       "text/html", malformed_body(route))


async def kind_redirect(writer, route, req):
	location = route["location"].replace("{{port}}", str(req.port))
	route = dict(route, headers=dict(route.get("headers", {}), Location=location))
	return await send_body(writer, route, req, route.get("status", 302), "text/html", b"")


async def kind_redirect_chain(writer, route, req):
	_, _, query = req.target.partition("?n=")
	n = int(query) + 1 if query.isdigit() else 1
	return await kind_redirect(writer, dict(route, location="%s?n=%d" % (req.path, n)), req)


async def kind_big(writer, route, req):
	size = int(route["size"])
	headers = base_headers(route, "text/html", size, req.keep_alive)
	writer.write(response_head(route.get("status", 200), headers))
	while size > 0 and req.method != "HEAD":
		chunk = FILLER[:size]
		writer.write(chunk)
		size -= len(chunk)
		await writer.drain()
	return route.get("status", 200)


async def kind_reset(writer, route, req):
	size = int(route.get("size", 100000))
	sent = int(route.get("sent", 1000))
	writer.write(response_head(200, base_headers(route, "text/html", size, True)))
	writer.write((FILLER * (sent // len(FILLER) + 1))[:sent])
	await writer.drain()
	# give the kernel time to deliver the partial body: a reset discards
	# whatever is still in the send buffer
	await asyncio.sleep(route.get("reset_after", 0.2))
	sock = writer.get_extra_info("socket")
	sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
	writer.transport.abort()
	raise ConnectionAbortedError("reset on purpose")


async def kind_not_found(writer, route, req):
	return await send_body(writer, route, req, 404, "text/html", b"<h1>not found</h1>\n")


KINDS = {
	"page": kind_page,
	"malformed": kind_malformed,
	"redirect": kind_redirect,
	"redirect_chain": kind_redirect_chain,
	"big": kind_big,
	"reset": kind_reset,
	"not_found": kind_not_found,
}


class FaultServer:
	def __init__(self, config, log):
		self.config = config
		self.log = log
		self.conns = 0

	def route_for(self, req):
		hosts = self.config.get("hosts", {})
		routes = hosts.get(req.host, hosts.get("*", {}))
		return routes.get(req.target) or routes.get(req.path) or {"kind": "not_found"}

	def record(self, req, route, conn, start, status, error=None):
		entry = {"host": req.host, "path": req.target, "method": req.method,
			 "kind": route.get("kind", "page"), "status": status, "conn": conn,
			 "start": start, "end": time.time()}
		if error:
			entry["error"] = error
		self.log.write(json.dumps(entry) + "\n")
		self.log.flush()

	async def respond(self, writer, req, conn):
		route = self.route_for(req)
		start = time.time()
		await asyncio.sleep(route.get("latency", self.config.get("latency", 0.0)))
		try:
			status = await KINDS[route.get("kind", "page")](writer, route, req)
		except (ConnectionError, OSError) as e:
			self.record(req, route, conn, start, None, type(e).__name__)
			return False
		self.record(req, route, conn, start, status)
		return req.keep_alive

	async def handle(self, reader, writer):
		self.conns += 1
		conn = self.conns
		try:
			while True:
				req = await read_request(reader, writer.get_extra_info("sockname")[1])
				if req is None or not await self.respond(writer, req, conn):
					break
		finally:
			writer.close()


async def serve(config, log):
	server = FaultServer(config, log)
	srv = await asyncio.start_server(server.handle, "127.0.0.1", 0, limit=MAX_HEAD)
	print("PORT %d" % srv.sockets[0].getsockname()[1], flush=True)
	async with srv:
		await srv.serve_forever()


def main(argv):
	p = argparse.ArgumentParser(description="Programmable misbehaving HTTP server.")
	src = p.add_mutually_exclusive_group(required=True)
	src.add_argument("--config", help="JSON configuration file")
	src.add_argument("--config-json", help="JSON configuration text")
	p.add_argument("--log", default="/dev/null", help="request log (JSON lines)")
	args = p.parse_args(argv)
	if args.config:
		with open(args.config) as f:
			config = json.load(f)
	else:
		config = json.loads(args.config_json)
	with open(args.log, "a") as log:
		try:
			asyncio.run(serve(config, log))
		except KeyboardInterrupt:
			pass
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
