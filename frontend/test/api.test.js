import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ApiError, fetchSummary, safeLink, summaryUrl } from '../src/api.js';
import { summary } from './fixtures.js';

describe('URLs relative to the page', () => {
  test('the summary URL follows the page prefix, including a proxy sub-path', () => {
    assert.equal(summaryUrl('http://h/status/', 90), 'http://h/status/api/summary?days=90');
    assert.equal(summaryUrl('https://h/app/ops/status/?days=30', 30), 'https://h/app/ops/status/api/summary?days=30');
  });

  test('only http(s) links are accepted', () => {
    assert.equal(safeLink('feed.atom', 'http://h/status/'), 'http://h/status/feed.atom');
    assert.equal(safeLink('javascript:alert(1)', 'http://h/status/'), null);
    assert.equal(safeLink('data:text/html,x', 'http://h/status/'), null);
    assert.equal(safeLink('', 'http://h/status/'), null);
    assert.equal(safeLink(undefined, 'http://h/status/'), null);
  });
});

describe('fetchSummary against a real HTTP server', () => {
  let server;
  let base;
  const seen = [];

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.url);
      const send = (status, body, type = 'application/json') => {
        res.writeHead(status, { 'Content-Type': type });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (req.url.startsWith('/ok/')) send(200, summary());
      else if (req.url.startsWith('/invalid/')) send(422, { error: { status: 422, reason: 'days must be an integer from 1 to 90' } });
      else if (req.url.startsWith('/proxy/')) send(502, '<html>Bad gateway</html>', 'text/html');
      else if (req.url.startsWith('/odd/')) send(200, { hello: 'world' });
      else send(404, { error: { status: 404, reason: 'not found' } });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
  });

  after(() => new Promise((resolve) => server.close(resolve)));

  test('reads the summary with the days parameter', async () => {
    const data = await fetchSummary(`${base}/ok/status/`, 30);
    assert.equal(data.page.title, 'Acme');
    assert.ok(seen.includes('/ok/status/api/summary?days=30'));
  });

  test('an API error names the status and the reason from the JSON body', async () => {
    await assert.rejects(fetchSummary(`${base}/invalid/`, 90), (error) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 422);
      assert.equal(error.message, 'The status service answered 422: days must be an integer from 1 to 90');
      return true;
    });
  });

  test('a non-JSON error page still gives the status', async () => {
    await assert.rejects(fetchSummary(`${base}/proxy/`, 90), { message: 'The status service answered 502.' });
  });

  test('an answer that is not a summary is rejected', async () => {
    await assert.rejects(fetchSummary(`${base}/odd/`, 90), { message: 'The status service sent an answer this page cannot read.' });
  });

  test('an unreachable server is reported as such', async () => {
    const closed = createServer();
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address();
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(fetchSummary(`http://127.0.0.1:${port}/`, 90), {
      name: 'ApiError',
      message: 'The status service could not be reached.',
    });
  });
});
