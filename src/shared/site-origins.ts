/**
 * Whether an address lies on one of a site's origins: same scheme, host and port
 * (a default port written out counts as the default). Shared by the API, which accepts a
 * thread's address only on its site's origins, and the moderators' page, which links only
 * to such addresses. Browser-safe: no imports.
 */
export function isOnOrigins(url: string, origins: readonly string[]): boolean {
  const origin = originOf(url);
  return origin !== null && origins.some((o) => originOf(o) === origin);
}

function originOf(url: string): string | null {
  try {
    const { protocol, origin } = new URL(url);
    return protocol === 'http:' || protocol === 'https:' ? origin : null;
  } catch {
    return null;
  }
}
