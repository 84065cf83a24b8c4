// gatehouse Node.js bootstrap: the Lambda Runtime API loop for handlers
// written as "file.export". Uses only Node.js built-in modules.
'use strict';

const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const { pathToFileURL } = require('node:url');

const API = process.env.AWS_LAMBDA_RUNTIME_API || '';
const BASE = '/2018-06-01/runtime';
const colon = API.lastIndexOf(':');
const HOST = API.slice(0, colon);
const PORT = Number(API.slice(colon + 1));
// RuntimeClient speaks HTTP/1.1 to the Runtime API over one keep-alive
// connection. The API is a loopback server answering one request at a time,
// so this small client is enough, and it costs far less CPU per invocation
// than the general-purpose http module.
class RuntimeClient {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.sock = null;
    this.chunks = [];
    this.size = 0;
    this.queue = []; // {resolve, reject} per request sent, in order (requests may be pipelined)
    this.need = undefined; // bytes needed for the response being read
  }

  connect() {
    const sock = net.connect({ host: this.host, port: this.port });
    sock.setNoDelay(true);
    sock.on('data', (d) => {
      this.chunks.push(d);
      this.size += d.length;
      try {
        this.parse();
      } catch (e) {
        sock.destroy(e);
      }
    });
    const fail = (err) => {
      if (this.sock === sock) this.sock = null;
      this.chunks = [];
      this.size = 0;
      this.need = undefined;
      const waiting = this.queue;
      this.queue = [];
      for (const p of waiting) p.reject(err || new Error('runtime API connection closed'));
    };
    sock.on('error', fail);
    sock.on('close', () => fail());
    this.sock = sock;
  }

  // parse completes the oldest waiting request for every whole response
  // buffered.
  parse() {
    while (this.queue.length > 0 && this.size > 0) {
      if (!this.parseOne()) return;
    }
  }

  parseOne() {
    // Large bodies arrive in many chunks: join them once, when complete.
    if (this.need !== undefined && this.size < this.need) return false;
    const buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
    this.chunks = [buf];
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return false;
    const lines = buf.toString('latin1', 0, end).split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers = {};
    for (let i = 1; i < lines.length; i++) {
      const c = lines[i].indexOf(':');
      if (c > 0) headers[lines[i].slice(0, c).trim().toLowerCase()] = lines[i].slice(c + 1).trim();
    }
    let body;
    let used;
    if ((headers['transfer-encoding'] || '').toLowerCase() === 'chunked') {
      const parts = [];
      let pos = end + 4;
      for (;;) {
        const eol = buf.indexOf('\r\n', pos);
        if (eol < 0) return false;
        const n = parseInt(buf.toString('latin1', pos, eol), 16);
        if (Number.isNaN(n)) throw new Error('bad chunked response from the runtime API');
        if (n === 0) {
          const fin = buf.indexOf('\r\n', eol + 2);
          if (fin < 0) return false;
          used = fin + 2;
          break;
        }
        if (buf.length < eol + 2 + n + 2) return false;
        parts.push(buf.subarray(eol + 2, eol + 2 + n));
        pos = eol + 2 + n + 2;
      }
      body = Buffer.concat(parts);
    } else {
      const len = Number(headers['content-length'] || 0);
      if (buf.length < end + 4 + len) {
        this.need = end + 4 + len;
        return false;
      }
      body = buf.subarray(end + 4, end + 4 + len);
      used = end + 4 + len;
    }
    this.need = undefined;
    const rest = buf.subarray(used);
    this.chunks = rest.length ? [rest] : [];
    this.size = rest.length;
    const p = this.queue.shift();
    // An idle connection must not keep Node.js alive: a callback handler that
    // never calls back ends when nothing else is left to do, as in Lambda.
    if (this.queue.length === 0 && this.sock) this.sock.unref();
    p.resolve({ status, headers, body });
    if ((headers.connection || '').toLowerCase() === 'close' && this.sock) {
      this.sock.destroy();
    }
    return true;
  }

  request(method, route, body, headers) {
    return new Promise((resolve, reject) => {
      if (!this.sock) this.connect();
      this.sock.ref();
      this.queue.push({ resolve, reject });
      const payload = body === undefined ? null : Buffer.from(body);
      let head = `${method} ${BASE}${route} HTTP/1.1\r\nHost: ${API}\r\n`;
      for (const [k, v] of Object.entries(headers || {})) head += `${k}: ${String(v).replace(/[\r\n]/g, ' ')}\r\n`;
      if (payload) head += `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n`;
      head += '\r\n';
      if (payload && payload.length < 65536) {
        this.sock.write(Buffer.concat([Buffer.from(head, 'latin1'), payload]));
      } else {
        this.sock.write(head, 'latin1');
        if (payload) this.sock.write(payload);
      }
    });
  }
}

const client = new RuntimeClient(HOST, PORT);

let requestId; // id of the invocation in progress, for log lines

// call performs one Runtime API request and resolves with {status, headers, body}.
function call(method, route, body, headers) {
  return client.request(method, route, body, headers);
}

// Console output in Lambda's text format: time, request id, level, message.
function installConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [name, level] of Object.entries(levels)) {
    const stream = level === 'ERROR' || level === 'WARN' ? process.stderr : process.stdout;
    console[name] = (...args) => {
      let text = util.format(...args);
      if (name === 'trace') {
        text += '\n' + new Error().stack.split('\n').slice(2).join('\n');
      }
      stream.write(`${new Date().toISOString()}\t${requestId === undefined ? 'undefined' : requestId}\t${level}\t${text}\n`);
    };
  }
}

// describe turns anything thrown or passed to a callback into Lambda's
// error document. Node.js runtimes name the stack "trace".
function describe(err) {
  try {
    if (err instanceof Error || (err && typeof err === 'object' && typeof err.message === 'string' && typeof err.stack === 'string')) {
      return {
        errorType: err.name || 'Error',
        errorMessage: String(err.message),
        trace: String(err.stack || '').split('\n'),
      };
    }
    if (typeof err === 'object' && err !== null) {
      return { errorType: 'object', errorMessage: JSON.stringify(err), trace: [] };
    }
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  } catch (_) {
    return { errorType: 'handled', errorMessage: 'the error could not be described' };
  }
}

class RuntimeError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

// isModule reports whether file is loaded as an ES module: .mjs, or .js under
// the nearest package.json with "type": "module".
function isModule(file) {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  let dir = path.dirname(file);
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module';
      } catch (_) {
        return false;
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return false;
    dir = up;
  }
}

// loadHandler resolves "dir/file.export.path" against the task root.
async function loadHandler(root, spec) {
  const slash = spec.lastIndexOf('/');
  const base = spec.slice(slash + 1);
  const dot = base.indexOf('.');
  if (dot < 1 || dot === base.length - 1) {
    throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${spec}`);
  }
  const modPath = path.resolve(root, spec.slice(0, slash + 1) + base.slice(0, dot));
  const exportPath = base.slice(dot + 1).split('.');
  const file = ['.js', '.mjs', '.cjs'].map((ext) => modPath + ext).find((f) => fs.existsSync(f));
  if (!file) {
    throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${path.relative(root, modPath)}'`);
  }
  let mod;
  try {
    mod = isModule(file) ? await import(pathToFileURL(file).href) : require(file);
  } catch (e) {
    if (e instanceof SyntaxError) {
      throw new RuntimeError('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`);
    }
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) {
      throw new RuntimeError('Runtime.ImportModuleError', `Error: ${e.message.split('\n')[0]}`);
    }
    throw e;
  }
  let fn = mod;
  for (const key of exportPath) {
    fn = fn === undefined || fn === null ? undefined : fn[key];
  }
  if (fn === undefined && mod && mod.default && typeof mod.default === 'object') {
    fn = mod.default;
    for (const key of exportPath) fn = fn === undefined || fn === null ? undefined : fn[key];
  }
  if (fn === undefined) {
    throw new RuntimeError('Runtime.HandlerNotFound', `${path.relative(root, modPath)}.${exportPath.join('.')} is undefined or not exported`);
  }
  if (typeof fn !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${path.relative(root, modPath)}.${exportPath.join('.')} is not a function`);
  }
  return fn;
}

function parseJSONHeader(v) {
  if (!v) return undefined;
  try {
    return JSON.parse(v);
  } catch (_) {
    return undefined;
  }
}

// makeContext builds the handler's context object.
function makeContext(headers, settle) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const ctx = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: parseJSONHeader(headers['lambda-runtime-cognito-identity']),
    clientContext: parseJSONHeader(headers['lambda-runtime-client-context']),
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    done: (err, value) => settle(err, value),
    succeed: (value) => settle(null, value),
    fail: (err) => settle(err === undefined || err === null ? 'handled' : err),
  };
  return ctx;
}

// run calls the handler and settles with the first outcome: the returned
// promise, or the callback / context.done / succeed / fail.
function run(handler, event, headers) {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (err, value) => {
      if (settled) return;
      settled = true;
      process.removeListener('beforeExit', onEmptyLoop);
      if (err !== undefined && err !== null) resolve({ error: err });
      else resolve({ value });
    };
    // A callback-style handler that never calls back finishes with null once
    // nothing is left to do, as in Lambda.
    const onEmptyLoop = () => settle(null, null);
    process.once('beforeExit', onEmptyLoop);
    const ctx = makeContext(headers, settle);
    let ret;
    try {
      ret = handler(event, ctx, settle);
    } catch (e) {
      settle(e);
      return;
    }
    if (ret && typeof ret.then === 'function') {
      ret.then((v) => settle(null, v), (e) => settle(e === undefined || e === null ? new Error('handler rejected') : e));
    }
  });
}

async function postError(route, err) {
  const doc = describe(err);
  await call('POST', route, JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': doc.errorType });
  return doc;
}

async function main() {
  installConsole();
  let handler;
  try {
    handler = await loadHandler(process.env.LAMBDA_TASK_ROOT || process.cwd(), process.env._HANDLER || '');
  } catch (e) {
    const doc = describe(e);
    process.stderr.write(`${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify(doc)}\n`);
    await call('POST', '/init/error', JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': doc.errorType });
    process.exit(1);
  }

  let current;
  const fatal = async (err) => {
    const doc = describe(err);
    process.stderr.write(`${new Date().toISOString()}\t${requestId}\tERROR\tUncaught Exception \t${JSON.stringify(doc)}\n`);
    if (current) {
      try {
        await postError(`/invocation/${current}/error`, err);
      } catch (_) {
        // the instance is going away anyway
      }
    }
    process.exit(129);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', (reason) => fatal(reason));

  // After posting an invocation's outcome the next request is sent at once
  // on the same connection (pipelined), saving a round trip per invocation.
  let nextP = call('GET', '/invocation/next');
  const post = async (route, body, headers) => {
    const res = call('POST', route, body, headers);
    nextP = call('GET', '/invocation/next');
    nextP.catch(() => {}); // awaited on the next turn; avoid an unhandled rejection meanwhile
    return res;
  };
  for (;;) {
    const next = await nextP;
    if (next.status !== 200) {
      throw new Error(`invocation/next answered ${next.status}`);
    }
    const id = next.headers['lambda-runtime-aws-request-id'];
    current = id;
    requestId = id;
    const trace = next.headers['lambda-runtime-trace-id'];
    if (trace) process.env._X_AMZN_TRACE_ID = trace;
    else delete process.env._X_AMZN_TRACE_ID;

    let event;
    try {
      event = JSON.parse(next.body.toString('utf8'));
    } catch (e) {
      const doc = describe(new RuntimeError('Runtime.UnmarshalError', `Unable to parse the event: ${e.message}`));
      current = undefined;
      await post(`/invocation/${id}/error`, JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': doc.errorType });
      continue;
    }
    const outcome = await run(handler, event, next.headers);
    let route = `/invocation/${id}/response`;
    let body;
    let headers;
    if (!('error' in outcome)) {
      try {
        body = JSON.stringify(outcome.value === undefined ? null : outcome.value);
        if (body === undefined) body = 'null';
      } catch (e) {
        outcome.error = new RuntimeError('Runtime.MarshalError', `Unable to stringify response body: ${e.message}`);
      }
    }
    if ('error' in outcome) {
      const doc = describe(outcome.error);
      process.stdout.write(`${new Date().toISOString()}\t${id}\tERROR\tInvoke Error \t${JSON.stringify(doc)}\n`);
      route = `/invocation/${id}/error`;
      body = JSON.stringify(doc);
      headers = { 'Lambda-Runtime-Function-Error-Type': doc.errorType };
    }
    current = undefined;
    const res = await post(route, body, headers);
    if (res.status === 413) {
      process.stdout.write(`${new Date().toISOString()}\t${id}\tERROR\t${res.body.toString('utf8')}\n`);
    }
  }
}

main().catch((e) => {
  process.stderr.write(`gatehouse bootstrap: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
