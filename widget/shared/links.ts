/** Comment addresses shared by the widget and the moderators' page. */

/** The address of one comment: its article page with #kommentar-<id>. */
export function permalink(pageUrl: string, commentId: string): string {
  return `${pageUrl.split('#')[0]}#kommentar-${commentId}`;
}

/** The comment id a page address points at (see permalink), if any. */
export function linkedCommentId(hash: string): string | undefined {
  return /^#kommentar-([a-f0-9]{24})$/.exec(hash)?.[1];
}
