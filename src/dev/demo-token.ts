import fs from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';

/**
 * Prints a commenter JWT for the demo site, as a host site would sign it:
 *   npm run demo:token -- [sub] [name] [role]
 * Only for the seeded demo site on a development machine.
 */
async function main(): Promise<void> {
  const [sub = 'demo-user', name = 'Demo Läsare', role] = process.argv.slice(2);
  const seed = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../config/demo-sites.json'), 'utf8'));
  const demo = seed.sites.find((s: { id: string }) => s.id === 'demo');
  const token = await new SignJWT({ sub, name, ...(role ? { roles: [role] } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience('demo')
    .setIssuedAt()
    .setExpirationTime('8h')
    .sign(new TextEncoder().encode(demo.config.auth.hs256Secret));
  process.stdout.write(`${token}\n`);
}

void main();
