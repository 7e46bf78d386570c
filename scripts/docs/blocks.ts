/**
 * Generated blocks inside hand-written Markdown: everything between
 * `<!-- BEGIN GENERATED <name> ... -->` and `<!-- END GENERATED <name> -->` is written by
 * `npm run docs` and compared by a test, so a figure that comes from code is never typed by hand.
 */

/** The opening marker of a block, which says where its content comes from. */
export function beginMarker(name: string): string {
  return `<!-- BEGIN GENERATED ${name}: npm run docs writes this block; edit its source, not the block -->`;
}

export function endMarker(name: string): string {
  return `<!-- END GENERATED ${name} -->`;
}

/** Names of the generated blocks a document holds, in order. */
export function blockNames(text: string): string[] {
  return [...text.matchAll(/<!-- BEGIN GENERATED ([a-z0-9-]+):/g)].map((m) => m[1]);
}

function bounds(text: string, name: string, file: string): { start: number; end: number } {
  const begin = beginMarker(name);
  const start = text.indexOf(begin);
  const end = text.indexOf(endMarker(name));
  if (start < 0 || end < start)
    throw new Error(`${file} has no generated block ${name} (${begin} ... ${endMarker(name)})`);
  return { start: start + begin.length, end };
}

/** The block's content as the file holds it, without the blank lines around it. */
export function blockOf(text: string, name: string, file: string): string {
  const { start, end } = bounds(text, name, file);
  return text.slice(start, end).trim();
}

/** The document with the block's content replaced. */
export function withBlock(text: string, name: string, content: string, file: string): string {
  const { start, end } = bounds(text, name, file);
  return `${text.slice(0, start)}\n\n${content.trim()}\n\n${text.slice(end)}`;
}
