import { request } from 'undici';
import type { CheckedAddress } from './webhook-destination';
import { pinnedAgent } from './webhook-destination';
import type { AttemptStatus } from './webhook-delivery.model';

/** What a receiver's answer may be read up to: only its status matters, the rest is drained. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs one delivery to `url`, connecting to `checked` (the address its check allowed),
 * within `timeoutMs` for the whole exchange. Answers the HTTP status, `timeout`, or
 * `error` when no answer came (refused, reset, TLS); never throws. The answer's body is
 * not kept.
 */
export async function sendDelivery(
  url: URL,
  checked: CheckedAddress,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<AttemptStatus> {
  const agent = pinnedAgent(checked, timeoutMs);
  try {
    const res = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', 'user-agent': 'Kommentarer-Webhooks/1.1', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      maxRedirections: 0,
    });
    await res.body.dump({ limit: MAX_ANSWER_BYTES }).catch(() => undefined);
    return res.statusCode;
  } catch (err) {
    const e = err as { name?: string; code?: string };
    const timedOut =
      e.name === 'TimeoutError' ||
      e.name === 'AbortError' ||
      e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
      e.code === 'UND_ERR_BODY_TIMEOUT' ||
      e.code === 'UND_ERR_CONNECT_TIMEOUT';
    return timedOut ? 'timeout' : 'error';
  } finally {
    agent.destroy().catch(() => undefined);
  }
}
