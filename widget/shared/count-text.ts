/** "3 kommentarer" / "3 comments": shared by the widget's heading and count.js. */
export function countText(lang: 'sv' | 'en', n: number): string {
  if (lang === 'en') return n === 1 ? '1 comment' : `${n} comments`;
  return n === 1 ? '1 kommentar' : `${n} kommentarer`;
}
