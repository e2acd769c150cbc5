import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { PublicPageCache } from '../infra/page-cache';

/** The public reads that may be answered from a stored response: GETs about one site. */
const PUBLIC_READ =
  /^\/api\/v1\/sites\/([a-z0-9-]{1,64})\/(?:thread|counts|comments(?:\/[a-f0-9]{24}\/replies)?)(?:\?|$)/;

/** Headers made afresh for every answer, or by Node itself: never stored. */
const NOT_STORED = new Set(['x-request-id', 'date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
/** What a 304 leaves out (RFC 9110 15.4.5: it describes the stored representation, it carries none). */
const NOT_IN_304 = new Set(['content-type', 'content-length']);

/** Where a route says its answer changes by the clock alone, in ms since the epoch (see replayUntil). */
const REPLAY_UNTIL = 'replayUntil';
/** Where a route leaves its check of whether a reader with a token gets the same answer (see replayForViewers). */
const FOR_VIEWERS = 'replayForViewers';

/** Says whether the reader with this Authorization header gets the stored anonymous answer as theirs. */
export type ViewerCheck = (authorization: string) => Promise<boolean>;

interface StoredResponse {
  generation: string;
  /** After this (ms since the epoch) the answer may differ even with no write. */
  until: number;
  body: Buffer;
  etag: string | undefined;
  headers: HeaderList;
  notModifiedHeaders: HeaderList;
  /** For readers with a token: the check, and the same headers made private. */
  forViewers: ViewerCheck | undefined;
  privateHeaders: HeaderList;
  privateNotModifiedHeaders: HeaderList;
}

/**
 * Headers as writeHead takes them flat: name, value, name, value. Handed to writeHead
 * with nothing set before, Node writes them in one pass; a header set first (the request
 * id) would send every stored one through setHeader again, which doubled a replay's cost.
 */
type HeaderList = OutgoingHttpHeader[];

export interface PublicReplayOptions {
  /** Longest a stored answer is used; 0 turns replay off. */
  ttlMs: number;
  maxBytes: number;
}

/**
 * Answers repeated anonymous public reads with the bytes and headers the app produced the
 * first time, without running the app: no routing, no middleware, no serializing, no
 * hashing for the ETag. An answer is stored under the site's page-cache generation read
 * before the app loaded anything, and served only while that generation is current, so
 * it keeps the page cache's guarantee: once a write has answered, no process serves what
 * was read before it. Only what the app itself marked public (a `publicRead` route
 * answering 200 without a token) is stored, keyed by the URL and the Origin (the CORS
 * headers differ by Origin; nothing else of the request reaches such an answer).
 */
export class PublicReplay {
  private readonly stored: LRUCache<string, StoredResponse>;

  constructor(
    private readonly pages: PublicPageCache,
    private readonly options: PublicReplayOptions,
    private readonly onReplay: () => void,
  ) {
    this.stored = new LRUCache({
      maxSize: Math.max(options.maxBytes, 1),
      sizeCalculation: (entry, key) => entry.body.length + 2 * key.length + 500,
    });
    pages.onForgetAll(() => this.stored.clear());
  }

  /**
   * Answers the request from a stored response, or hands it to `app`, storing what it
   * answers to readers without a token. A reader with a token gets the stored answer
   * (made private) only when the route's check says it is theirs too.
   */
  handle(req: IncomingMessage, res: ServerResponse, app: () => void): void {
    const siteId =
      this.options.ttlMs > 0 && req.method === 'GET' ? PUBLIC_READ.exec(req.url as string)?.[1] : undefined;
    if (!siteId) return app();
    const authorization = req.headers.authorization;
    this.pages
      .generation(siteId)
      .then(async (generation) => {
        if (generation === null) return app();
        const key = `${req.url as string}\n${req.headers.origin ?? ''}`;
        const hit = this.stored.get(key);
        const current = hit && hit.generation === generation && Date.now() < hit.until ? hit : undefined;
        if (authorization === undefined) {
          if (current) {
            this.onReplay();
            return answer(req, res, current, false);
          }
          this.capture(res, key, generation, this.pages.epoch);
          return app();
        }
        if (current?.forViewers && (await current.forViewers(authorization))) {
          this.onReplay();
          return answer(req, res, current, true);
        }
        app();
      })
      .catch(() => {
        if (!res.headersSent) app();
      });
  }

  /** Responses stored now. */
  get size(): number {
    return this.stored.size;
  }

  /** Stores the app's answer when it turns out public (see the class comment). */
  private capture(res: ServerResponse, key: string, generation: string, epoch: number): void {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    const started = Date.now();
    res.end = ((...args: unknown[]) => {
      const [chunk] = args;
      if (
        res.statusCode === 200 &&
        this.pages.epoch === epoch &&
        (Buffer.isBuffer(chunk) || typeof chunk === 'string') &&
        String(res.getHeader('cache-control') ?? '').startsWith('public')
      ) {
        const until = Math.min(started + this.options.ttlMs, Number(localsOf(res)?.[REPLAY_UNTIL] ?? Infinity));
        this.stored.set(key, storedResponse(res, generation, until, Buffer.from(chunk)));
      }
      return end(...args);
    }) as ServerResponse['end'];
  }
}

/**
 * Tells replay how to know that a reader with a token gets this same answer (a reader
 * with nothing of their own on the page does): then such readers get it from memory too,
 * with private caching headers. Without it, only readers without a token do.
 */
export function replayForViewers(locals: Record<string, unknown>, check: ViewerCheck): void {
  locals[FOR_VIEWERS] = check;
}

/**
 * Tells replay that this answer changes by the clock alone at `at` (a thread closing
 * automatically): it is not replayed from then on.
 */
export function replayUntil(locals: Record<string, unknown>, at: number): void {
  const current = Number(locals[REPLAY_UNTIL] ?? Infinity);
  locals[REPLAY_UNTIL] = Math.min(current, at);
}

/** express's res.locals, on the response it was given. */
function localsOf(res: ServerResponse): Record<string, unknown> | undefined {
  return (res as ServerResponse & { locals?: Record<string, unknown> }).locals;
}

function storedResponse(res: ServerResponse, generation: string, until: number, body: Buffer): StoredResponse {
  const headers: HeaderList = [];
  const notModifiedHeaders: HeaderList = [];
  const privateHeaders: HeaderList = [];
  const privateNotModifiedHeaders: HeaderList = [];
  const add = (name: string, value: OutgoingHttpHeader, personal: OutgoingHttpHeader = value): void => {
    headers.push(name, value);
    privateHeaders.push(name, personal);
    if (NOT_IN_304.has(name)) return;
    notModifiedHeaders.push(name, value);
    privateNotModifiedHeaders.push(name, personal);
  };
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value === undefined || NOT_STORED.has(name)) continue;
    add(name, value, name === 'cache-control' ? PRIVATE : value);
  }
  add('content-length', body.length);
  const etag = res.getHeader('etag');
  return {
    generation,
    until,
    body,
    etag: typeof etag === 'string' ? etag : undefined,
    headers,
    notModifiedHeaders,
    forViewers: localsOf(res)?.[FOR_VIEWERS] as ViewerCheck | undefined,
    privateHeaders,
    privateNotModifiedHeaders,
  };
}

/** What the app sends for answers to readers with a token (http/cache-control). */
const PRIVATE = 'private, no-store';

function answer(req: IncomingMessage, res: ServerResponse, stored: StoredResponse, personal: boolean): void {
  // Anything set on res before (the listener's Connection: close while draining) is kept:
  // writeHead then merges the list into it.
  const requestId = ['x-request-id', randomUUID()];
  if (stored.etag && matchesEtag(req.headers['if-none-match'], stored.etag)) {
    res.writeHead(304, (personal ? stored.privateNotModifiedHeaders : stored.notModifiedHeaders).concat(requestId));
    res.end();
    return;
  }
  res.writeHead(200, (personal ? stored.privateHeaders : stored.headers).concat(requestId));
  res.end(stored.body);
}

/** If-None-Match compared weakly, as express does: any listed tag with the same opaque value, or `*`. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque);
}
