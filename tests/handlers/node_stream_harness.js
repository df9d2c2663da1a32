// Test harness: runs the inline Node.js streaming handler with a stand-in for the
// Lambda runtime's awslambda globals, and prints what a client would receive.
'use strict';
const { Writable } = require('node:stream');

const [handlerFile, eventJson] = process.argv.slice(2);
const chunks = [];
const started = Date.now();

class Collector extends Writable {
  _write(chunk, _encoding, callback) {
    chunks.push({ at: Date.now() - started, bytes: Buffer.from(chunk) });
    callback();
  }
}

globalThis.awslambda = {
  streamifyResponse: (fn) => async (event, context) => {
    const sink = new Collector();
    const finished = new Promise((resolve) => sink.on('finish', resolve));
    await fn(event, sink, context);
    await finished;
  },
  HttpResponseStream: {
    // Like Lambda: the JSON metadata, then 8 null bytes, then the payload.
    from: (stream, metadata) => {
      stream.write(Buffer.from(JSON.stringify(metadata)));
      stream.write(Buffer.alloc(8));
      return stream;
    },
  },
};

const { handler } = require(handlerFile);
handler(JSON.parse(eventJson), { awsRequestId: 'req-1' }).then(() => {
  const raw = Buffer.concat(chunks.map((c) => c.bytes));
  process.stdout.write(JSON.stringify({
    raw: raw.toString('base64'),
    chunks: chunks.length,
    times: chunks.map((c) => c.at),
  }) + '\n');
});
