// paved-road StreamingFunction example: API Gateway response streaming, Node.js.
// Deployed inline as index.js: CommonJS, Node built-ins only, under 4096 bytes.
// awslambda is a global of Lambda's Node.js runtime. HttpResponseStream.from writes
// what API Gateway expects before the payload: JSON metadata, then 8 null bytes.
// Streams an LLM-style answer one word at a time as Server-Sent Events. No model.
'use strict';

const DEFAULT_PROMPT = 'Tell me about paved roads';
const MAX_PROMPT = 2000;

// TOKEN_DELAY_MS: pause after each token; default 50, 0 = none.
function tokenDelayMs() {
  const ms = Number.parseInt(process.env.TOKEN_DELAY_MS ?? '', 10);
  return Number.isNaN(ms) ? 50 : Math.max(0, ms);
}

// ?prompt=..., else a JSON body {"prompt": "..."}, else the default.
// Throws a SyntaxError for a body that is not JSON.
function promptOf(event) {
  const query = event.queryStringParameters || {};
  if (typeof query.prompt === 'string') return query.prompt;
  if (!event.body) return DEFAULT_PROMPT;
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf8')
    : event.body;
  const body = JSON.parse(text);
  return body && typeof body.prompt === 'string' ? body.prompt : DEFAULT_PROMPT;
}

// The answer's tokens: deterministic, derived from the prompt.
function answerFor(prompt) {
  const words = prompt.split(/\s+/).filter(Boolean);
  return ['You', 'asked:', ...words, '-', 'a', 'streamed', 'answer', 'of',
    String(words.length), 'prompt', 'words.'];
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  const started = Date.now();
  const log = { level: 'INFO', message: 'streamed answer', requestId: context.awsRequestId };
  let stream = null;
  try {
    let prompt = null;
    try {
      prompt = promptOf(event || {});
    } catch {
      log.error = 'body is not JSON';
    }
    if (prompt === null || !prompt.trim() || prompt.length > MAX_PROMPT) {
      log.level = 'WARN';
      log.statusCode = 400;
      stream = awslambda.HttpResponseStream.from(responseStream, {
        statusCode: 400,
        headers: { 'content-type': 'application/json' },
      });
      stream.write(JSON.stringify({
        message: `send a prompt of 1-${MAX_PROMPT} characters (?prompt= or JSON {"prompt"})`,
      }));
      return;
    }
    stream = awslambda.HttpResponseStream.from(responseStream, {
      statusCode: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
    });
    log.statusCode = 200;
    const tokens = answerFor(prompt);
    const delay = tokenDelayMs();
    log.tokens = 0;
    for (const [index, token] of tokens.entries()) {
      stream.write(`data: ${JSON.stringify({ token, index })}\n\n`);
      log.tokens += 1;
      if (delay > 0) await sleep(delay);
    }
    stream.write('data: [DONE]\n\n');
  } finally {
    (stream || responseStream).end();
    log.durationMs = Date.now() - started;
    console.log(JSON.stringify(log));
  }
});
