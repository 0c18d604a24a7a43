#!/usr/bin/python3
"""Independent checker for crawl archives (crawl-NNNNN.warc.zst).

Written against the WARC/1.1 specification and the IIPC .warc.zst proposal,
not against our C code: it only uses the Python standard library and the
`zstd` command-line tool.

Command line:
    warccheck.py SEGMENT...
Checks every segment and prints one line per problem; exits 0 when all is
well, 1 otherwise.

Module:
    check_segment(path) -> list of problem strings
    frames(path)        -> list of Frame (offset, length, content_size, checksum)
    read_record(path, offset, length)
        -> (warc_headers: dict, http_status: int or None,
            http_headers: list of (name, value), body: bytes)
    iter_records(path)  -> Record per record, streamed (bodies not kept)

What is checked per segment:
  * the file is a sequence of zstd frames (no dictionary frame), each with
    its content size in the frame header and a content checksum, and each
    frame holds exactly one WARC record;
  * `zstd -d -c` decompresses it;
  * every record starts with "WARC/1.1", has the mandatory fields
    WARC-Record-ID, Content-Length, WARC-Date, WARC-Type, a well-formed
    date and record id, a block of Content-Length bytes and then CRLFCRLF;
  * WARC-Block-Digest and WARC-Payload-Digest (sha1, base32) match, the
    payload of an application/http response being what follows the HTTP
    header block;
  * the first record is a warcinfo naming this file, other records point
    at it with WARC-Warcinfo-ID, record ids are unique, and every request has
    a response linked to it by WARC-Concurrent-To (either direction).
"""

import base64
import collections
import hashlib
import os
import re
import struct
import subprocess
import sys

ZSTD_MAGIC = 0xFD2FB528
DICT_MAGIC = 0x184D2A5D
CHUNK = 1 << 16
MAX_HEADER = 1 << 20

DATE_RE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
RECORD_ID_RE = re.compile(r"^<[^<>\s]+>$")
MANDATORY = ("WARC-Record-ID", "Content-Length", "WARC-Date", "WARC-Type")

Frame = collections.namedtuple(
    "Frame", "offset length content_size checksum skippable")


class Record:
    """One parsed record; `size` is its decompressed length."""

    def __init__(self, headers, size, block_digest, payload_digest):
        self.headers = headers
        self.size = size
        self.block_digest = block_digest      # computed "sha1:..."
        self.payload_digest = payload_digest  # computed, or None
        self.problems = []

    def get(self, name, default=None):
        return self.headers.get(name.lower(), default)


class FormatError(Exception):
    pass


def sha1_b32(h):
    return "sha1:" + base64.b32encode(h.digest()).decode("ascii")


# ---- zstd framing (RFC 8878 section 3.1) ----

def _frame_header(data, pos):
    """Returns (header_length, content_size or None, checksum_flag)."""
    fhd = data[pos + 4]
    fcs_flag, single = fhd >> 6, (fhd >> 5) & 1
    checksum, dict_flag = (fhd >> 2) & 1, fhd & 3
    n = 5 + (0 if single else 1)
    n += (0, 1, 2, 4)[dict_flag]
    fcs_len = (1 if single else 0, 2, 4, 8)[fcs_flag]
    raw = data[pos + n:pos + n + fcs_len]
    if len(raw) != fcs_len:
        raise FormatError("truncated frame header at %d" % pos)
    size = int.from_bytes(raw, "little") if fcs_len else None
    if fcs_len == 2:
        size += 256
    return n + fcs_len, size, bool(checksum)


def _frame_length(data, pos, header_len, checksum):
    p = pos + header_len
    while True:
        if p + 3 > len(data):
            raise FormatError("truncated block header in frame at %d" % pos)
        bh = int.from_bytes(data[p:p + 3], "little")
        last, btype, bsize = bh & 1, (bh >> 1) & 3, bh >> 3
        if btype == 3:
            raise FormatError("reserved block type in frame at %d" % pos)
        p += 3 + (1 if btype == 1 else bsize)
        if last:
            break
    p += 4 if checksum else 0
    if p > len(data):
        raise FormatError("truncated frame at %d" % pos)
    return p - pos


def frames(path):
    """Walks the frames of a segment without decompressing it."""
    with open(path, "rb") as f:
        data = f.read()
    out, pos = [], 0
    while pos < len(data):
        if pos + 8 > len(data):
            raise FormatError("trailing garbage at %d" % pos)
        magic = struct.unpack_from("<I", data, pos)[0]
        if magic & 0xFFFFFFF0 == 0x184D2A50:
            size = struct.unpack_from("<I", data, pos + 4)[0]
            out.append(Frame(pos, 8 + size, None, False, True))
            pos += 8 + size
            continue
        if magic != ZSTD_MAGIC:
            raise FormatError("no zstd frame at %d" % pos)
        hlen, csize, checksum = _frame_header(data, pos)
        length = _frame_length(data, pos, hlen, checksum)
        out.append(Frame(pos, length, csize, checksum, False))
        pos += length
    return out


# ---- WARC parsing ----

def _read_exact(stream, n):
    buf = stream.read(n)
    if len(buf) != n:
        raise FormatError("truncated record (wanted %d bytes, got %d)"
                          % (n, len(buf)))
    return buf


def _parse_headers(stream):
    """Reads the version line and header fields; returns (dict, raw length).
    Returns (None, 0) at a clean end of input."""
    first = stream.readline(MAX_HEADER)
    if not first:
        return None, 0
    if first != b"WARC/1.1\r\n":
        raise FormatError("bad version line %r" % first[:40])
    headers, size, last = {}, len(first), None
    while True:
        line = stream.readline(MAX_HEADER)
        size += len(line)
        if not line.endswith(b"\r\n"):
            raise FormatError("header line not ending in CRLF: %r" % line[:60])
        if line == b"\r\n":
            return headers, size
        text = line[:-2].decode("utf-8")
        if text[:1] in (" ", "\t") and last:
            headers[last] += " " + text.strip()
            continue
        name, sep, value = text.partition(":")
        if not sep or not name or name != name.strip():
            raise FormatError("malformed header line %r" % text[:60])
        last = name.lower()
        if last in headers:
            raise FormatError("repeated field %s" % name)
        headers[last] = value.strip()


class _BlockHasher:
    """Hashes a block as it streams past; for HTTP responses also hashes the
    payload, which starts after the first empty line."""

    def __init__(self, http_response):
        self.block = hashlib.sha1()
        self.payload = hashlib.sha1() if http_response else None
        self.head = bytearray() if http_response else None

    def feed(self, data):
        self.block.update(data)
        if self.payload is None:
            return
        if self.head is None:
            self.payload.update(data)
            return
        self.head += data
        end = _http_head_end(self.head)
        if end >= 0:
            self.payload.update(bytes(self.head[end:]))
            self.head = None
        elif len(self.head) > MAX_HEADER:
            raise FormatError("HTTP header block too long")

    def result(self):
        if self.payload is None:
            return sha1_b32(self.block), None
        if self.head is not None:
            raise FormatError("HTTP response block without end of headers")
        return sha1_b32(self.block), sha1_b32(self.payload)


def _http_head_end(buf):
    """Offset just past the HTTP header block (the first empty line after
    the status line, CRLF or bare LF), or -1."""
    pos = buf.find(b"\n") + 1
    while pos > 0:
        nl = buf.find(b"\n", pos)
        if nl < 0:
            return -1
        if buf[pos:nl] in (b"", b"\r"):
            return nl + 1
        pos = nl + 1
    return -1


def _is_http_response(headers):
    ctype = headers.get("content-type", "").replace(" ", "").lower()
    return (headers.get("warc-type") == "response"
            and ctype.startswith("application/http")
            and "msgtype=request" not in ctype)


def _read_record(stream):
    headers, size = _parse_headers(stream)
    if headers is None:
        return None
    missing = [m for m in MANDATORY if m.lower() not in headers]
    if missing:
        raise FormatError("missing mandatory field(s) %s" % ", ".join(missing))
    cl = headers["content-length"]
    if not cl.isdigit():
        raise FormatError("bad Content-Length %r" % cl)
    left = int(cl)
    hasher = _BlockHasher(_is_http_response(headers))
    while left:
        data = _read_exact(stream, min(left, CHUNK))
        hasher.feed(data)
        left -= len(data)
    if _read_exact(stream, 4) != b"\r\n\r\n":
        raise FormatError("block not followed by CRLFCRLF "
                          "(Content-Length wrong?)")
    return Record(headers, size + int(cl) + 4, *hasher.result())


def _record_problems(rec):
    p = []
    if not DATE_RE.match(rec.get("WARC-Date")):
        p.append("bad WARC-Date %r" % rec.get("WARC-Date"))
    if not RECORD_ID_RE.match(rec.get("WARC-Record-ID")):
        p.append("bad WARC-Record-ID %r" % rec.get("WARC-Record-ID"))
    if int(rec.get("Content-Length")) > 0 and not rec.get("Content-Type"):
        p.append("no Content-Type for a non-empty block")
    want = rec.get("WARC-Block-Digest")
    if want is not None and want != rec.block_digest:
        p.append("WARC-Block-Digest %s, computed %s" % (want, rec.block_digest))
    want = rec.get("WARC-Payload-Digest")
    if rec.payload_digest is not None and want != rec.payload_digest:
        p.append("WARC-Payload-Digest %s, computed %s"
                 % (want, rec.payload_digest))
    return p


def iter_records(path):
    """Streams the records of a segment through `zstd -d -c`; raises
    FormatError on a structural error (after which nothing can be parsed)."""
    proc = subprocess.Popen(["zstd", "-q", "-d", "-c", path],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while True:
            rec = _read_record(proc.stdout)
            if rec is None:
                break
            rec.problems = _record_problems(rec)
            yield rec
    except FormatError as e:
        err = _zstd_finish(proc)
        raise FormatError("%s (zstd: %s)" % (e, err) if err else str(e))
    finally:
        err = _zstd_finish(proc)
    if proc.returncode != 0:
        raise FormatError("zstd -d failed: %s" % err)


def _zstd_finish(proc):
    """Stops reading, reaps zstd and returns what it complained about,
    leaving out the broken pipe our early stop causes."""
    if not proc.stdout.closed:
        proc.stdout.close()
    if proc.stderr.closed:
        return ""
    lines = proc.stderr.read().decode(errors="replace").splitlines()
    proc.stderr.close()
    proc.wait()
    return "; ".join(l.strip() for l in lines
                     if l.strip() and "Broken pipe" not in l)


# ---- whole-segment checks ----

def _ids(value):
    return set(re.findall(r"<[^<>\s]+>", value or ""))


def _link_problems(recs, name):
    p, seen = [], set()
    info_id = recs[0].get("WARC-Record-ID") if recs else None
    if not recs or recs[0].get("WARC-Type") != "warcinfo":
        p.append("first record is not warcinfo")
    elif recs[0].get("WARC-Filename") not in (None, name):
        p.append("warcinfo WARC-Filename %r is not %r"
                 % (recs[0].get("WARC-Filename"), name))
    responses = {r.get("WARC-Record-ID"): r for r in recs
                 if r.get("WARC-Type") == "response"}
    for i, r in enumerate(recs):
        rid = r.get("WARC-Record-ID")
        if rid in seen:
            p.append("record %d: duplicate WARC-Record-ID %s" % (i, rid))
        seen.add(rid)
        wid = r.get("WARC-Warcinfo-ID")
        if i > 0 and wid is not None and wid != info_id:
            p.append("record %d: WARC-Warcinfo-ID %s is not this segment's "
                     "warcinfo %s" % (i, wid, info_id))
        if r.get("WARC-Type") != "request":
            continue
        mine = _ids(r.get("WARC-Concurrent-To"))
        if not any(x in responses for x in mine) and not any(
                rid in _ids(s.get("WARC-Concurrent-To"))
                for s in responses.values()):
            p.append("record %d: request %s has no response linked by "
                     "WARC-Concurrent-To" % (i, rid))
    return p


def _frame_problems(path, recs):
    try:
        fr = frames(path)
    except (FormatError, OSError, IndexError) as e:
        return ["zstd framing: %s" % e]
    p = []
    if fr and fr[0].skippable and fr[0].length >= 8:
        with open(path, "rb") as f:
            if struct.unpack("<I", f.read(4))[0] == DICT_MAGIC:
                p.append("dictionary frame present: not supported here")
    fr = [f for f in fr if not f.skippable]
    if len(fr) != len(recs):
        p.append("%d zstd frames for %d records (want one frame per record)"
                 % (len(fr), len(recs)))
    for i, (f, r) in enumerate(zip(fr, recs)):
        if f.content_size is None:
            p.append("frame %d at %d: no content size in frame header"
                     % (i, f.offset))
        elif f.content_size != r.size:
            p.append("frame %d at %d: content size %d, record size %d"
                     % (i, f.offset, f.content_size, r.size))
        if not f.checksum:
            p.append("frame %d at %d: no checksum" % (i, f.offset))
    return p


def check_segment(path):
    """Returns a list of problems (empty when the segment is good)."""
    recs, problems = [], []
    try:
        for r in iter_records(path):
            problems += ["record %d (%s %s): %s"
                         % (len(recs), r.get("WARC-Type"),
                            r.get("WARC-Record-ID"), msg)
                         for msg in r.problems]
            recs.append(r)
    except (FormatError, UnicodeDecodeError, OSError) as e:
        problems.append("record %d: %s" % (len(recs), e))
        return ["%s: %s" % (path, m) for m in problems]
    problems += _link_problems(recs, os.path.basename(path))
    problems += _frame_problems(path, recs)
    return ["%s: %s" % (path, m) for m in problems]


# ---- one record by location ----

def _parse_http(block):
    end = _http_head_end(block)
    if end < 0:
        raise FormatError("HTTP block without end of headers")
    lines = [l.rstrip("\r")
             for l in block[:end].decode("iso-8859-1").split("\n")]
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") \
            or not parts[1].isdigit():
        raise FormatError("bad HTTP status line %r" % lines[0])
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise FormatError("bad HTTP header line %r" % line)
        headers.append((name, value.strip()))
    return int(parts[1]), headers, block[end:]


def read_record(path, offset, length):
    """Decompresses the single frame at (offset, length) and returns
    (warc_headers, http_status, http_headers, body).  warc_headers maps
    field names as written to values; for records that are not HTTP
    responses http_status is None, http_headers empty and body the whole
    block."""
    with open(path, "rb") as f:
        f.seek(offset)
        frame = f.read(length)
    if len(frame) != length:
        raise FormatError("segment shorter than offset + length")
    res = subprocess.run(["zstd", "-q", "-d", "-c"], input=frame,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise FormatError("zstd -d failed: %s" % res.stderr.decode().strip())
    data = res.stdout
    head_end = data.find(b"\r\n\r\n")
    if not data.startswith(b"WARC/1.1\r\n") or head_end < 0:
        raise FormatError("not a WARC/1.1 record")
    headers = {}
    for line in data[10:head_end].decode("utf-8").split("\r\n"):
        name, _, value = line.partition(":")
        headers[name] = value.strip()
    block = data[head_end + 4:]
    cl = int(headers.get("Content-Length", "-1"))
    if cl < 0 or len(block) != cl + 4 or not block.endswith(b"\r\n\r\n"):
        raise FormatError("frame does not hold exactly one record")
    block = block[:cl]
    if not _is_http_response({k.lower(): v for k, v in headers.items()}):
        return headers, None, [], block
    status, http_headers, body = _parse_http(block)
    return headers, status, http_headers, body


def main(argv):
    if len(argv) < 2:
        print("usage: warccheck.py SEGMENT...", file=sys.stderr)
        return 2
    bad = 0
    for path in argv[1:]:
        for msg in check_segment(path):
            print(msg)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))


# ---- every record of a segment by location (added for the durability tests) ----

import io  # noqa: E402  (only segment_records needs it)


def segment_records(path):
    """{frame offset: (frame length, Record)} for every record of a segment,
    decompressing the whole segment with one `zstd -d` run (cheaper than
    read_record once per record).  Each Record carries its computed digests
    and its problems; raises FormatError when a frame has no content size
    or does not hold exactly one record."""
    fr = [f for f in frames(path) if not f.skippable]
    res = subprocess.run(["zstd", "-q", "-d", "-c", path],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise FormatError("zstd -d failed: %s" % res.stderr.decode().strip())
    out, pos = {}, 0
    for f in fr:
        if f.content_size is None:
            raise FormatError("frame at %d: no content size" % f.offset)
        stream = io.BytesIO(res.stdout[pos:pos + f.content_size])
        rec = _read_record(stream)
        if rec is None or stream.read(1):
            raise FormatError("frame at %d does not hold exactly one record"
                              % f.offset)
        rec.problems = _record_problems(rec)
        out[f.offset] = (f.length, rec)
        pos += f.content_size
    if pos != len(res.stdout):
        raise FormatError("decompressed size %d, frames announce %d"
                          % (len(res.stdout), pos))
    return out


def index_problems(warc_dir, rows):
    """Checks index rows against the segments in warc_dir: each row
    (a dict with url, record, profile, warc_segment, warc_offset,
    warc_length, warc_request_length, payload_digest, record_id; record,
    profile and record_id may be None: not checked) must point at exactly
    one frame holding a good record of type `record` for `url` with that
    record id and payload digest (computed for responses, declared for
    revisits), and its request record, when it has one, must be the frame
    just before.  Returns a list of problem strings."""
    segments, problems = {}, []
    for row in rows:
        seg = row["warc_segment"]
        if seg not in segments:
            path = os.path.join(warc_dir, "crawl-%05d.warc.zst" % seg)
            try:
                segments[seg] = segment_records(path)
            except (FormatError, OSError) as e:
                segments[seg] = {}
                problems.append("%s: %s" % (path, e))
        problems += ["%s (%s at %s:%s): %s" % (row["url"], row["record"], seg,
                                               row["warc_offset"], m)
                     for m in _row_problems(segments[seg], row)]
    return problems


def _row_problems(records, row):
    length, rec = records.get(row["warc_offset"], (None, None))
    if rec is None:
        return ["no record starts there"]
    p = ["frame length %d, index says %d" % (length, row["warc_length"])] \
        if length != row["warc_length"] else []
    p += rec.problems
    kind = rec.get("WARC-Type")
    want = {"WARC-Type": row["record"], "WARC-Target-URI": row["url"],
            "WARC-Record-ID": row.get("record_id")}
    if kind == "revisit" and row.get("profile"):
        want["WARC-Profile"] = ("http://netpreserve.org/warc/1.1/revisit/"
                                + row["profile"])
    p += ["%s %r, index says %r" % (k, rec.get(k), v)
          for k, v in want.items() if v is not None and rec.get(k) != v]
    if kind == "response":
        digest = rec.payload_digest  # computed
    else:
        digest = rec.get("WARC-Payload-Digest", row.get("payload_digest"))
    if digest != row.get("payload_digest"):
        p.append("payload digest %s, index says %s"
                 % (digest, row.get("payload_digest")))
    return p + _request_problems(records, row)


def _request_problems(records, row):
    n = row.get("warc_request_length")
    if not n:
        return []
    length, rec = records.get(row["warc_offset"] - n, (None, None))
    if rec is None or length != n:
        return ["no request frame of %d bytes just before" % n]
    if rec.get("WARC-Type") != "request" \
            or rec.get("WARC-Target-URI") != row["url"]:
        return ["the frame before is a %s for %s, not its request"
                % (rec.get("WARC-Type"), rec.get("WARC-Target-URI"))]
    return []


def check_segment_with_revisits(path):
    """check_segment, except that a request linked by WARC-Concurrent-To
    (either direction) to a revisit record rather than to a response is
    fine: the archived answer to a conditional request, or a duplicate
    payload, is a revisit record."""
    problems = check_segment(path)
    if not problems:
        return problems
    try:
        recs = [rec for _, rec in segment_records(path).values()]
    except (FormatError, OSError, UnicodeDecodeError):
        return problems
    revisits = [r for r in recs if r.get("WARC-Type") == "revisit"]
    revisit_ids = {r.get("WARC-Record-ID") for r in revisits}
    linked = set().union(*(_ids(r.get("WARC-Concurrent-To")) for r in revisits))
    linked |= {r.get("WARC-Record-ID") for r in recs
               if r.get("WARC-Type") == "request"
               and _ids(r.get("WARC-Concurrent-To")) & revisit_ids}
    return [p for p in problems if not any(
        "request %s has no response linked" % rid in p for rid in linked)]
