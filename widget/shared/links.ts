/** Addresses shared by the scripts host pages load and the moderators' page. */

/** The API's base URL for a script tag: its data-api, else the origin it was loaded from. */
export function apiBase(script: HTMLScriptElement): string {
  return (script.dataset.api ?? new URL(script.src, location.href).origin).replace(/\/$/, '');
}

/** The address of one comment: its article page with #kommentar-<id>. */
export function permalink(pageUrl: string, commentId: string): string {
  return `${pageUrl.split('#')[0]}#kommentar-${commentId}`;
}

/** The comment id a page address points at (see permalink), if any. */
export function linkedCommentId(hash: string): string | undefined {
  return /^#kommentar-([a-f0-9]{24})$/.exec(hash)?.[1];
}
