import type { SiteConfig } from './site.schemas';
import type { Site } from './site.service';

/** A site as admins read it back: its id and configuration, secrets never returned. */
export function siteAdminView(site: Site): Record<string, unknown> {
  return { id: site.id, ...redactSiteConfig(site.config) };
}

/** The configuration as admins read it back: secrets are never returned. */
function redactSiteConfig(config: SiteConfig): Record<string, unknown> {
  const auth =
    'hs256Secret' in config.auth
      ? { alg: 'HS256', hs256SecretSet: true, ...(config.auth.issuer ? { issuer: config.auth.issuer } : {}) }
      : config.auth;
  return { ...config, auth };
}

/** What the widget needs of its site to show a thread: public settings only. */
export function widgetSiteView(site: Site) {
  const { locale, loginUrl, privacyNotice, editWindowMinutes } = site.config;
  return { id: site.id, name: site.config.name, locale, loginUrl, privacyNotice, editWindowMinutes };
}
