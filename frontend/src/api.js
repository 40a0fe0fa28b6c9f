// Client of the public JSON API. URLs are relative to the page, so the page works under any
// prefix and behind a proxy sub-path.

export class ApiError extends Error {
  constructor(message, status = 0) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** The summary URL for `days`, resolved against the page's base URL. */
export function summaryUrl(baseUrl, days) {
  const url = new URL('api/summary', baseUrl);
  url.searchParams.set('days', String(days));
  return url.href;
}

/** Read `api/summary?days=N`. Rejects with an ApiError whose message can be shown to readers. */
export async function fetchSummary(baseUrl, days, { fetchImpl = fetch, timeoutMs = 15000 } = {}) {
  let response;
  try {
    response = await fetchImpl(summaryUrl(baseUrl, days), {
      headers: { Accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    throw new ApiError('The status service could not be reached.');
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // A proxy error page or a truncated body: reported below by status.
  }
  if (!response.ok) {
    const reason = body && body.error && typeof body.error.reason === 'string' ? body.error.reason : '';
    throw new ApiError(
      `The status service answered ${response.status}${reason ? `: ${reason}` : '.'}`,
      response.status,
    );
  }
  if (!body || !Array.isArray(body.components) || !body.status) {
    throw new ApiError('The status service sent an answer this page cannot read.', response.status);
  }
  return body;
}

/** An http(s) URL resolved against the page, or null for anything else (e.g. javascript:). */
export function safeLink(href, baseUrl) {
  if (typeof href !== 'string' || href === '') return null;
  try {
    const url = new URL(href, baseUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
