// Streaming example for API Gateway response streaming (paved-road StreamingFunction).
// Deployed inline (index.js); Lambda's Node.js runtime provides the awslambda global.
// Streams an LLM-style answer token by token as Server-Sent Events; no model is called.
'use strict';

const DELAY_MS = Math.max(0, Number.parseInt(process.env.TOKEN_DELAY_MS ?? '50', 10) || 0);
const DEFAULT_PROMPT = 'Tell me about paved roads';
const MAX_PROMPT = 2000;

function promptOf(event) {
  const query = (event && event.queryStringParameters) || {};
  if (typeof query.prompt === 'string') return query.prompt;
  if (event && event.body) {
    const text = event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body;
    const body = JSON.parse(text); // a SyntaxError becomes a 400 below
    if (body && typeof body.prompt === 'string') return body.prompt;
  }
  return DEFAULT_PROMPT;
}

function answerFor(prompt) {
  const words = prompt.split(/\s+/).filter(Boolean);
  return ['You', 'asked:', ...words, '-', 'a', 'streamed', 'answer', `of ${words.length} prompt words.`];
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  const started = Date.now();
  let prompt;
  try {
    prompt = promptOf(event);
  } catch (error) {
    prompt = null;
  }
  if (prompt === null || !prompt.trim() || prompt.length > MAX_PROMPT) {
    const stream = awslambda.HttpResponseStream.from(responseStream, {
      statusCode: 400,
      headers: { 'content-type': 'application/json' },
    });
    stream.write(JSON.stringify({ message: `prompt must be JSON text of 1-${MAX_PROMPT} characters` }));
    stream.end();
    return;
  }
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
  });
  const tokens = answerFor(prompt);
  for (let index = 0; index < tokens.length; index += 1) {
    stream.write(`data: ${JSON.stringify({ token: tokens[index], index })}\n\n`);
    if (DELAY_MS > 0) await sleep(DELAY_MS);
  }
  stream.write('data: [DONE]\n\n');
  stream.end();
  console.log(JSON.stringify({
    level: 'INFO',
    message: 'streamed answer',
    requestId: context && context.awsRequestId,
    tokens: tokens.length,
    durationMs: Date.now() - started,
  }));
});
