import fs from 'node:fs';
import path from 'node:path';
import { mintCommenterToken } from '../modules/auth/mint-commenter-token';

/**
 * Prints a commenter JWT for the demo site, as a host site would sign it:
 *   npm run demo:token -- [sub] [name] [role]
 * Only for the seeded demo site on a development machine.
 */
async function main(): Promise<void> {
  const [sub = 'demo-user', name = 'Demo Läsare', role] = process.argv.slice(2);
  const seed = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../config/demo-sites.json'), 'utf8'));
  const demo = seed.sites.find((s: { id: string }) => s.id === 'demo');
  const token = await mintCommenterToken({
    siteId: 'demo',
    secret: demo.config.auth.hs256Secret,
    sub,
    name,
    roles: role ? [role] : undefined,
    expiresIn: 8 * 3600,
  });
  process.stdout.write(`${token}\n`);
}

void main();
