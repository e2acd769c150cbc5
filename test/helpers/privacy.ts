import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { CommentModel } from '../../src/modules/comments/comment.model';
import { ErasureRequestModel } from '../../src/modules/privacy/erasure-request.model';
import { eventually, Harness, TestSite } from './harness';

/** A data subject with values unique to this test, so a raw scan can look for them. */
export function subject() {
  const tag = randomUUID().slice(0, 8);
  return {
    claims: { sub: `host-user-${tag}`, name: `Greta Raderasson ${tag}`, email: `greta.${tag}@example.se` },
    ip: `2001:db8::${tag.slice(0, 4)}:${tag.slice(4)}`,
  };
}

/** Posts as `claims` from `ip` (the harness must trust one proxy hop); returns the comment id. */
export async function write(
  h: Harness,
  site: TestSite,
  claims: Record<string, unknown>,
  ip: string,
  body: string,
  extra: Record<string, unknown> = {},
) {
  const res = await h.http
    .post(`/api/v1/sites/${site.id}/comments`)
    .set(await site.bearer(claims))
    .set('X-Forwarded-For', ip)
    .send({ thread: 'a', body, ...extra });
  if (res.status !== 201) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
  return res.body.comment.id as string;
}

export const decided = (id: string) => eventually(async () => (await CommentModel.findById(id).lean())?.decidedAt);

export const completed = (id: string) =>
  eventually(async () => {
    const r = await ErasureRequestModel.findById(id).lean();
    return r?.status === 'completed' ? r : undefined;
  }, 30_000);

/** Every document of every collection and every Redis key and value, as text. */
export async function rawStorage(h: Harness): Promise<string> {
  const db = mongoose.connection.db!;
  const parts: string[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    parts.push(JSON.stringify(await db.collection(name).find({}).toArray()));
  }
  const redis = h.services.redis.client;
  for (const key of await redis.keys('*')) {
    const type = await redis.type(key);
    const value =
      type === 'string'
        ? await redis.get(key)
        : type === 'hash'
          ? JSON.stringify(await redis.hgetall(key))
          : type === 'list'
            ? JSON.stringify(await redis.lrange(key, 0, -1))
            : type === 'set'
              ? JSON.stringify(await redis.smembers(key))
              : type === 'zset'
                ? JSON.stringify(await redis.zrange(key, 0, -1))
                : '';
    parts.push(key, value ?? '');
  }
  return parts.join('\n');
}
