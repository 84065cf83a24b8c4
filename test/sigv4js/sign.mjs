// Signs requests to a running gatehouse with two npm SigV4 signers (aws4 and
// @smithy/signature-v4), sends them, and prints one JSON result per request:
// [{"signer", "case", "status", "body"}].
//
// Input (JSON on stdin, so secrets stay off the command line):
//   {"gateway": "127.0.0.1:PORT", "host": "api.execute-api.localhost",
//    "stage": "dev", "region": "us-east-1", "date": "2026-03-01T10:00:00Z",
//    "accessKeyId": "...", "secretAccessKey": "...", "sessionToken": "..."}
//
// Every case is a fresh signature; "altered" cases change one signed part of
// the request after signing (or sign with the wrong scope) and must be
// refused by the gateway.
import http from 'node:http';
import aws4 from 'aws4';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';

const input = JSON.parse(await readStdin());
const [gwHost, gwPort] = input.gateway.split(':');
const creds = {
  accessKeyId: input.accessKeyId,
  secretAccessKey: input.secretAccessKey,
  ...(input.sessionToken ? { sessionToken: input.sessionToken } : {}),
};
const signingDate = new Date(input.date);
const stage = '/' + input.stage;

function readStdin() {
  return new Promise((resolve, reject) => {
    let s = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (c) => { s += c; });
    process.stdin.on('end', () => resolve(s));
    process.stdin.on('error', reject);
  });
}

// amzDate formats a Date as SigV4's basic ISO 8601 form.
function amzDate(d) {
  return d.toISOString().replace(/[:-]|\.\d{3}/g, '');
}

// send performs one request against the gateway, with the Host the API is
// routed by, and resolves to {status, body}.
function send({ method, path, headers, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: gwHost, port: Number(gwPort), method, path, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: data }));
    });
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// A request description, before signing.
//   path: the path with the stage, already percent-encoded as sent;
//   query: ordered [name, value] pairs (unencoded).
function base(overrides = {}) {
  return {
    method: 'GET', path: stage + '/pets/7', query: [['b', '2'], ['a', '1']],
    headers: { 'x-custom-id': 'c-1' }, body: undefined,
    region: input.region, service: 'execute-api', date: signingDate, presign: false,
    ...overrides,
  };
}

function queryString(pairs) {
  return pairs.map(([k, v]) => encodeRfc3986(k) + '=' + encodeRfc3986(v)).join('&');
}

function encodeRfc3986(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// signAws4 signs with aws4 and returns the wire request.
function signAws4(r) {
  const headers = { ...r.headers };
  const qs = [...r.query];
  if (r.presign) {
    qs.push(['X-Amz-Date', amzDate(r.date)], ['X-Amz-Expires', '300']);
  } else {
    headers['X-Amz-Date'] = amzDate(r.date);
  }
  const q = queryString(qs);
  const opts = {
    host: input.host, method: r.method, path: r.path + (q ? '?' + q : ''),
    headers, service: r.service, region: r.region, signQuery: r.presign,
  };
  if (r.body !== undefined) opts.body = r.body;
  aws4.sign(opts, creds);
  return { method: opts.method, path: opts.path, headers: opts.headers, body: r.body };
}

// signSmithy signs with @smithy/signature-v4 (what AWS SDK for JavaScript
// v3 uses) and returns the wire request.
async function signSmithy(r) {
  const signer = new SignatureV4({
    credentials: creds, region: r.region, service: r.service, sha256: Sha256,
    uriEscapePath: true, applyChecksum: true,
  });
  const query = {};
  for (const [k, v] of r.query) {
    if (k in query) query[k] = [].concat(query[k], v);
    else query[k] = v;
  }
  const request = {
    method: r.method, protocol: 'http:', hostname: input.host,
    // As in the AWS SDK, the path is already URI-encoded; smithy encodes
    // it once more for the canonical request (uriEscapePath).
    path: r.path, query,
    headers: { host: input.host, ...r.headers },
    body: r.body,
  };
  const signed = r.presign
    ? await signer.presign(request, { signingDate: r.date, expiresIn: 300 })
    : await signer.sign(request, { signingDate: r.date });
  const pairs = [];
  for (const [k, v] of Object.entries(signed.query || {})) {
    for (const one of [].concat(v)) pairs.push([k, one]);
  }
  const q = queryString(pairs);
  return { method: signed.method, path: r.path + (q ? '?' + q : ''), headers: signed.headers, body: r.body };
}

function setHeader(headers, name, value) {
  for (const k of Object.keys(headers)) {
    if (k.toLowerCase() === name.toLowerCase()) delete headers[k];
  }
  headers[name] = value;
}

function getHeader(headers, name) {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name.toLowerCase()) return v;
  }
  return undefined;
}

// cases: name, the request to sign, and the alteration made after signing.
const later = new Date(signingDate.getTime() + 60 * 1000);
const cases = [
  { name: 'get with query', req: base() },
  { name: 'root resource', req: base({ path: stage + '/', query: [] }) },
  { name: 'encoded path', req: base({ path: stage + '/pets/a%20b', query: [] }) },
  { name: 'post with body', req: base({ method: 'POST', path: stage + '/pets', query: [], body: '{"name":"rex"}', headers: { 'content-type': 'application/json', 'x-custom-id': 'c-1' } }) },
  { name: 'presigned', req: base({ presign: true }) },
  { name: 'unsigned header added', req: base(), alter: (w) => { w.headers['x-not-signed'] = 'fine'; } },
  { name: 'altered method', req: base(), alter: (w) => { w.method = 'DELETE'; } },
  { name: 'altered path', req: base(), alter: (w) => { w.path = w.path.replace('/pets/7', '/pets/8'); } },
  { name: 'altered query', req: base(), alter: (w) => { w.path = w.path.replace('a=1', 'a=2'); } },
  { name: 'altered signed header', req: base(), alter: (w) => { setHeader(w.headers, 'x-custom-id', 'c-2'); } },
  { name: 'altered body', req: base({ method: 'PUT', query: [], body: 'one' }), alter: (w) => { w.body = 'two'; } },
  { name: 'altered date', req: base(), alter: (w) => { setHeader(w.headers, 'X-Amz-Date', amzDate(later)); } },
  { name: 'altered presigned query', req: base({ presign: true }), alter: (w) => { w.path = w.path.replace('a=1', 'a=2'); } },
  { name: 'expired date', req: base({ date: new Date(signingDate.getTime() - 10 * 60 * 1000) }) },
  { name: 'wrong region', req: base({ region: 'us-west-2' }) },
  { name: 'wrong service', req: base({ service: 'lambda' }) },
];

const results = [];
for (const [signerName, sign] of [['aws4', signAws4], ['smithy', signSmithy]]) {
  for (const c of cases) {
    const wire = await sign(c.req);
    wire.headers = { ...wire.headers };
    if (c.alter) c.alter(wire);
    if (wire.body !== undefined) setHeader(wire.headers, 'content-length', String(Buffer.byteLength(wire.body)));
    if (getHeader(wire.headers, 'host') === undefined) wire.headers.Host = input.host;
    const res = await send(wire);
    results.push({ signer: signerName, case: c.name, status: res.status, body: res.body });
  }
}
process.stdout.write(JSON.stringify(results, null, 1) + '\n');
