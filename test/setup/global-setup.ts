import { EmbeddedMailpit } from '../../src/dev/embedded-mailpit';
import { startEmbeddedMongo } from '../../src/dev/embedded-mongo';
import { EmbeddedRedis } from '../../src/dev/embedded-redis';

/**
 * Starts the real servers the suite talks to, once per run: MONGODB_URI / REDIS_URL when
 * set, otherwise an embedded MongoDB (mongodb-memory-server, or FerretDB where mongod
 * cannot be downloaded) and a redis-server child process. Mail goes to SMTP_TEST_URL and is
 * read back from MAILPIT_API_URL when both are set, otherwise to a Mailpit child process.
 */
export default async function globalSetup(): Promise<void> {
  const started: Array<() => Promise<void>> = [];
  if (!process.env.MONGODB_URI) {
    const mongo = await startEmbeddedMongo();
    process.env.MONGODB_URI = mongo.uri;
    process.env.TEST_MONGO_KIND = mongo.kind;
    started.push(() => mongo.stop());
  }
  if (!process.env.REDIS_URL) {
    const redis = await EmbeddedRedis.start();
    process.env.REDIS_URL = redis.url;
    started.push(() => redis.stop());
  }
  // Both or neither: the tests read back over Mailpit's API what they sent over SMTP.
  if (!process.env.SMTP_TEST_URL || !process.env.MAILPIT_API_URL) {
    const mailpit = await EmbeddedMailpit.start();
    process.env.SMTP_TEST_URL = mailpit.smtpUrl;
    process.env.MAILPIT_API_URL = mailpit.apiUrl;
    started.push(() => mailpit.stop());
  }
  console.log(
    `\ntests use MongoDB-compatible ${process.env.TEST_MONGO_KIND ?? 'server'} at ${process.env.MONGODB_URI}, Redis at ${process.env.REDIS_URL}, SMTP at ${process.env.SMTP_TEST_URL} (Mailpit API ${process.env.MAILPIT_API_URL})`,
  );
  (globalThis as { __stopTestServers?: () => Promise<void> }).__stopTestServers = async () => {
    for (const stop of started.reverse()) await stop();
  };
}
