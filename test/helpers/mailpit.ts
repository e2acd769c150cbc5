import { randomUUID } from 'node:crypto';

/** A message as Mailpit received it: subject and bodies decoded, headers as sent. */
export interface ReceivedMail {
  id: string;
  subject: string;
  from: string;
  to: string[];
  text: string;
  html: string;
  /** Every header as sent, by canonical name (`List-Unsubscribe-Post`), values not decoded. */
  headers: Record<string, string[]>;
}

interface Address {
  Name: string;
  Address: string;
}

interface Summary {
  ID: string;
  To: Address[] | null;
  Cc: Address[] | null;
  Bcc: Address[] | null;
}

interface Message {
  ID: string;
  Subject: string;
  From: Address | null;
  To: Address[] | null;
  Text: string;
  HTML: string;
}

const POLL_MS = 50;

/**
 * A recipient no other test uses, so tests read only their own mail from the shared
 * Mailpit without clearing it. `.test` is reserved (RFC 2606): such mail can go nowhere real.
 */
export function uniqueAddress(label = 'recipient'): string {
  return `${label}-${randomUUID()}@example.test`.toLowerCase();
}

/** Waits until a message to `address` (To, Cc or Bcc) has arrived and returns the first one. */
export async function mailTo(address: string, options: { timeoutMs?: number } = {}): Promise<ReceivedMail> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [first] = await summariesTo(address);
    if (first) return read(first.ID);
    if (Date.now() >= deadline) throw new Error(`no mail to ${address} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Every message to `address` received so far, oldest first; does not wait. */
export async function mailsTo(address: string): Promise<ReceivedMail[]> {
  const summaries = await summariesTo(address);
  return Promise.all(summaries.map((s) => read(s.ID)));
}

/**
 * Deletes every message in Mailpit, other test files' too: only for a run that owns the
 * server. Tests that use uniqueAddress() never need it.
 */
export async function clearMail(): Promise<void> {
  await api('/api/v1/messages', { method: 'DELETE' });
}

async function summariesTo(address: string): Promise<Summary[]> {
  const wanted = address.toLowerCase();
  const found: Summary[] = [];
  // Mailpit's `addressed:` matches a substring of To, Cc, Bcc, From or Reply-To; the exact
  // recipient is checked here. Its results come newest first, 50 to a page.
  for (let start = 0; ;) {
    const page = (await api(`/api/v1/search?query=${encodeURIComponent(`addressed:${address}`)}&start=${start}`)) as {
      messages: Summary[];
      messages_count: number;
    };
    for (const m of page.messages) {
      const recipients = [...(m.To ?? []), ...(m.Cc ?? []), ...(m.Bcc ?? [])];
      if (recipients.some((r) => r.Address.toLowerCase() === wanted)) found.push(m);
    }
    start += page.messages.length;
    if (page.messages.length === 0 || start >= page.messages_count) break;
  }
  return found.reverse();
}

async function read(id: string): Promise<ReceivedMail> {
  const path = `/api/v1/message/${encodeURIComponent(id)}`;
  const [message, headers] = (await Promise.all([api(path), api(`${path}/headers`)])) as [
    Message,
    Record<string, string[]>,
  ];
  return {
    id: message.ID,
    subject: message.Subject,
    from: message.From?.Address ?? '',
    to: (message.To ?? []).map((a) => a.Address),
    // Bodies travel with CRLF line ends (SMTP); tests compare with the '\n' they wrote.
    text: message.Text.replace(/\r\n/g, '\n'),
    html: message.HTML.replace(/\r\n/g, '\n'),
    headers,
  };
}

async function api(path: string, init: RequestInit = {}): Promise<unknown> {
  const base = process.env.MAILPIT_API_URL;
  if (!base) throw new Error('MAILPIT_API_URL is not set (the jest global setup sets it)');
  const res = await fetch(`${base}${path}`, init);
  if (!res.ok) throw new Error(`Mailpit ${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return res.headers.get('content-type')?.includes('json') ? res.json() : res.text();
}
