import type { KeyObject } from 'node:crypto';
import { importSPKI } from 'jose';
import { AppError, notFound } from '../../shared/errors';
import { parseOrThrow } from '../../shared/validate';
import { SiteDoc, SiteModel } from './site.model';
import { siteIdSchema } from '../../shared/safe-text';
import { SiteConfig, siteConfigSchema } from './site.schemas';
import { isPlainObject, mergePatch } from './site-config-patch';
import { DEFAULT_REASONS } from '../reasons/default-reasons';
import { catalogueSchema, ReasonCatalogue } from '../reasons/reason.schemas';

/** A site as the rest of the code sees it. */
export interface Site {
  id: string;
  config: SiteConfig;
  /** The site's reason catalogue, or the default one. */
  reasons: ReasonCatalogue;
  updatedAt: Date;
}

// Sites are read on every request; a short in-process cache keeps that off MongoDB.
// Other processes see a change within CACHE_MS. Only existing sites are cached, and the
// cache is bounded, so requests for made-up site ids cannot grow it.
const CACHE_MS = 5000;
const CACHE_MAX = 1000;

/** Creates, reads and changes site configurations. */
export class SiteService {
  private readonly cache = new Map<string, { site: Site; at: number }>();

  /** The site, or null when unknown. */
  async find(siteId: string): Promise<Site | null> {
    if (!siteIdSchema.safeParse(siteId).success) return null;
    const hit = this.cache.get(siteId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.site;
    const doc = await SiteModel.findById(siteId).lean();
    if (!doc) return null;
    const site = toSite(doc);
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(siteId, { site, at: Date.now() });
    return site;
  }

  /** Every site, by id (a deployment serves a handful to a few hundred). */
  async list(): Promise<Site[]> {
    const docs = await SiteModel.find({}).sort({ _id: 1 }).lean();
    return docs.map(toSite);
  }

  /** The site, or 404 NOT_FOUND. */
  async get(siteId: string): Promise<Site> {
    const site = await this.find(siteId);
    if (!site) throw notFound('site');
    return site;
  }

  /** Creates or replaces a site's configuration; returns it and whether it was new. */
  async put(siteId: string, input: unknown): Promise<{ site: Site; created: boolean }> {
    const config = parseOrThrow(siteConfigSchema, input);
    await assertUsableKey(config);
    const existed = await SiteModel.exists({ _id: siteId });
    const doc = await SiteModel.findOneAndUpdate(
      { _id: siteId },
      { $set: { config } },
      { upsert: true, new: true, lean: true },
    ).orFail();
    this.cache.delete(siteId);
    return { site: toSite(doc), created: !existed };
  }

  /** Replaces the site's reason catalogue; decisions made keep the ids they named. */
  async putReasons(siteId: string, input: unknown): Promise<ReasonCatalogue> {
    const reasons = parseOrThrow(catalogueSchema, input);
    await SiteModel.findOneAndUpdate({ _id: siteId }, { $set: { reasons } }, { lean: true }).orFail(notFound('site'));
    this.cache.delete(siteId);
    return reasons;
  }

  /** Merges a partial configuration into the stored one (objects merge, everything else replaces). */
  async patch(siteId: string, patch: unknown): Promise<Site> {
    const current = await SiteModel.findById(siteId).lean();
    if (!current) throw notFound('site');
    if (!isPlainObject(patch))
      throw new AppError('VALIDATION_FAILED', { issues: [{ path: '', problem: 'must be an object' }] });
    const merged = mergePatch(current.config as unknown as Record<string, unknown>, patch);
    return (await this.put(siteId, merged)).site;
  }

  /** Creates the sites in a seed list that do not exist yet. */
  async seed(sites: Array<{ id: string; config: unknown }>): Promise<string[]> {
    const created: string[] = [];
    for (const { id, config } of sites) {
      if (await SiteModel.exists({ _id: id })) continue;
      await this.put(id, config);
      created.push(id);
    }
    return created;
  }
}

/** Refuses a public key that jose cannot import for the configured algorithm. */
async function assertUsableKey(config: SiteConfig): Promise<void> {
  if (!('publicKeyPem' in config.auth)) return;
  const { publicKeyPem, alg } = config.auth;
  let usable = false;
  try {
    // jose imports any SPKI key whatever alg says; the key type must fit the algorithm,
    // or every login on the site would fail later.
    const key = (await importSPKI(publicKeyPem, alg)) as KeyObject;
    usable = KEY_FITS[alg](key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve);
  } catch {
    usable = false;
  }
  if (!usable)
    throw new AppError('VALIDATION_FAILED', {
      issues: [{ path: 'auth.publicKeyPem', problem: `not a usable ${alg} public key` }],
    });
}

const KEY_FITS: Record<'RS256' | 'ES256' | 'EdDSA', (type?: string, curve?: string) => boolean> = {
  RS256: (type) => type === 'rsa',
  ES256: (type, curve) => type === 'ec' && curve === 'prime256v1',
  EdDSA: (type) => type === 'ed25519' || type === 'ed448',
};

function toSite(doc: SiteDoc): Site {
  return { id: doc._id, config: doc.config, reasons: doc.reasons ?? DEFAULT_REASONS, updatedAt: doc.updatedAt };
}
