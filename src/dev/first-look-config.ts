import path from 'node:path';
import { AppConfig, parseEnv } from '../../config/env';
import type { SiteService } from '../modules/sites/site.service';

/** The demo site's seed, shipped with the sources (not with the image: its secret is public). */
export const DEMO_SEED_FILE = path.resolve(__dirname, '../../../config/demo-sites.json');

/**
 * `npm start`'s configuration. It is the first look on one's own machine, so it asks for
 * development mode itself when NODE_ENV is unset, and only then seeds the demo site
 * unless SITES_SEED_FILE names another seed. Run with NODE_ENV=production it seeds
 * nothing it was not given.
 */
export function firstLookConfig(env: NodeJS.ProcessEnv): AppConfig {
  const config = parseEnv({ ...env, NODE_ENV: env.NODE_ENV ?? 'development' });
  const seed = config.SITES_SEED_FILE ?? (config.NODE_ENV === 'development' ? DEMO_SEED_FILE : undefined);
  return { ...config, SITES_SEED_FILE: seed };
}

/**
 * The demo page is served from PUBLIC_URL, and a thread's address is accepted only on its
 * site's origins: on another port than the seed's 8080, the demo site gets that origin too.
 */
export async function demoAcceptsPublicUrl(sites: SiteService, publicUrl: string): Promise<void> {
  const demo = await sites.find('demo');
  const origin = new URL(publicUrl).origin;
  if (!demo || demo.config.origins.includes(origin)) return;
  await sites.patch('demo', { origins: [...demo.config.origins, origin] });
}
