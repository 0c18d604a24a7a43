'use strict';
/* Reads a WARC file with warcio.js (webrecorder's reader from npm), an
 * implementation independent of ours, and verifies every record's digests.
 *
 *     NODE_PATH=DIR/node_modules node warcio_check.js FILE
 *
 * FILE is a plain WARC or one gzip member per record (warcio.js reads no
 * zstd: decompress a .warc.zst first).  Prints one JSON object:
 *
 *     {"counts": {TYPE: n}, "records": [RECORD...], "errors": n}
 *
 * RECORD: type, uri, id, concurrent_to, block_digest and payload_digest
 * ("ok" | "bad" | "absent"), length_ok (the block is Content-Length bytes),
 * status (responses), payload_sha1 (hex) and payload_length.  The payload of
 * a request, response or revisit is what follows its HTTP head; of other
 * records, the whole block.  errors counts bad digests and lengths.  Exits 0
 * when there are none, 1 when there are, 2 on a file warcio cannot read.
 */
const crypto = require('crypto');
const fs = require('fs');
const { WARCParser } = require('warcio');

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HTTP_TYPES = new Set(['request', 'response', 'revisit']);

/* RFC 4648 base32 with padding, as WARC digests are written. */
function base32(bytes) {
	let out = '';
	let bits = 0;
	let acc = 0;
	for (const b of bytes) {
		acc = (acc << 8) | b;
		bits += 8;
		while (bits >= 5) {
			out += BASE32[(acc >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out += BASE32[(acc << (5 - bits)) & 31];
	return out.padEnd(Math.ceil(out.length / 8) * 8, '=');
}

function sha1(bytes) {
	return crypto.createHash('sha1').update(bytes).digest();
}

/* Compares a "sha1:BASE32" header with the digest of bytes. */
function verdict(header, bytes) {
	if (!header)
		return 'absent';
	const [alg, value] = header.split(/:(.*)/s);
	if (alg.toLowerCase() !== 'sha1')
		return 'bad';
	return value.toUpperCase() === base32(sha1(bytes)) ? 'ok' : 'bad';
}

/* The HTTP message's status and payload (what follows the head). */
function splitHttp(block) {
	const end = block.indexOf('\r\n\r\n');
	if (end < 0)
		return { status: null, payload: Buffer.alloc(0) };
	const statusLine = block.subarray(0, block.indexOf('\r\n')).toString('latin1');
	const m = /^HTTP\/\S+ (\d{3})/.exec(statusLine);
	return { status: m ? Number(m[1]) : null, payload: block.subarray(end + 4) };
}

async function checkRecord(record) {
	const h = record.warcHeaders.headers;
	const block = Buffer.from(await record.readFully());
	const out = {
		type: record.warcType,
		uri: record.warcTargetURI || null,
		id: h.get('WARC-Record-ID'),
		concurrent_to: h.get('WARC-Concurrent-To'),
		block_digest: verdict(record.warcBlockDigest, block),
	};
	const payload = HTTP_TYPES.has(out.type) ? splitHttp(block) : { status: null, payload: block };
	out.payload_digest = verdict(record.warcPayloadDigest, payload.payload);
	if (out.type === 'response')
		out.status = payload.status;
	out.payload_sha1 = sha1(payload.payload).toString('hex');
	out.payload_length = payload.payload.length;
	out.length_ok = block.length === record.warcContentLength;
	return out;
}

async function main(argv) {
	if (argv.length !== 1) {
		process.stderr.write('usage: node warcio_check.js FILE\n');
		return 2;
	}
	// parseHttp false: the record's reader yields the whole block, which is
	// what WARC-Block-Digest covers
	const parser = new WARCParser(fs.createReadStream(argv[0]), { parseHttp: false });
	const result = { counts: {}, records: [], errors: 0 };
	for await (const record of parser) {
		// warcio takes bytes it cannot decompress (zstd) for plain text
		if (!record.warcType)
			throw new Error(argv[0] + ': not a WARC record at offset ' + parser.offset);
		const r = await checkRecord(record);
		result.counts[r.type] = (result.counts[r.type] || 0) + 1;
		result.errors += (r.block_digest === 'bad') + (r.payload_digest === 'bad') +
				 !r.length_ok;
		result.records.push(r);
	}
	process.stdout.write(JSON.stringify(result) + '\n');
	return result.errors ? 1 : 0;
}

main(process.argv.slice(2)).then(
	(code) => { process.exitCode = code; },
	(e) => {
		process.stderr.write('warcio_check: ' + (e && e.message ? e.message : e) + '\n');
		process.exitCode = 2;
	});
