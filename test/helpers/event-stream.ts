import type { ApiClient } from './http.ts';

/**
 * GET /api/events of one person as a raw response; `text` grows as events arrive, `close()`
 * hangs up. A refused stream (429, 401) is returned as it is, for the test to check.
 */
export async function requestEventStream(url: string, client: ApiClient) {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/events`, {
    headers: { cookie: `latchkey_session=${client.session}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const stream = { response, text: '', close: () => controller.abort() };
  if (response.status !== 200) return stream;
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of response.body!) stream.text += decoder.decode(chunk as Uint8Array);
    } catch {
      // Aborted or the server closed the stream.
    }
  })();
  return stream;
}
