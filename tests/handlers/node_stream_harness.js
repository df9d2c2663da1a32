// Test fixture: runs the inline Node.js streaming handler under plain `node` with a
// stand-in for the `awslambda` globals of Lambda's Node.js runtime, and prints what the
// function streamed as one JSON line on stdout.
//
// Usage: node node_stream_harness.js <handler file> <event JSON>
// Output: {"raw": base64 of every byte written, "chunks": number of writes,
//          "times": ms since start of each write, "contentType": set on the stream,
//          "logs": the handler's console.log lines, "returned": true}
//
// Like the runtime's HttpResponseStream.from, the stand-in sets the stream's content type
// to application/vnd.awslambda.http-integration-response and writes the JSON metadata,
// then 8 null bytes, just before the handler's first write.
'use strict';
const { Writable } = require('node:stream');

const HTTP_INTEGRATION = 'application/vnd.awslambda.http-integration-response';
const [handlerFile, eventJson] = process.argv.slice(2);
const started = process.hrtime.bigint();
const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
const chunks = [];
const logs = [];
console.log = (...args) => logs.push(args.join(' '));

class ResponseStream extends Writable {
  constructor() {
    super();
    this.contentType = null;
    this.beforeFirstWrite = null;
    this.wrote = false;
  }

  setContentType(contentType) {
    this.contentType = contentType;
  }

  write(chunk, ...rest) {
    if (!this.wrote) {
      this.wrote = true;
      if (this.beforeFirstWrite) this.beforeFirstWrite((bytes) => super.write(bytes));
    }
    return super.write(chunk, ...rest);
  }

  _write(chunk, _encoding, callback) {
    chunks.push({ at: elapsedMs(), bytes: Buffer.from(chunk) });
    callback();
  }
}

globalThis.awslambda = {
  streamifyResponse: (handler) => async (event, context) => {
    const stream = new ResponseStream();
    const finished = new Promise((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    await handler(event, stream, context);
    await finished;
    return stream;
  },
  HttpResponseStream: {
    from: (stream, metadata) => {
      stream.setContentType(HTTP_INTEGRATION);
      const prelude = JSON.stringify(metadata);
      stream.beforeFirstWrite = (write) => {
        write(Buffer.from(prelude));
        write(Buffer.alloc(8));
      };
      return stream;
    },
  },
};

const { handler } = require(handlerFile);
handler(JSON.parse(eventJson), { awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef' })
  .then((stream) => {
    process.stdout.write(`${JSON.stringify({
      raw: Buffer.concat(chunks.map((c) => c.bytes)).toString('base64'),
      chunks: chunks.length,
      times: chunks.map((c) => c.at),
      contentType: stream.contentType,
      logs,
      returned: true,
    })}\n`);
  })
  .catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exitCode = 1;
  });
