// Links people paste or drop: a list of addresses, or a browser's bookmarks export (the
// Netscape bookmarks HTML every browser writes).

const MAX_LINKS = 1000;

function isWebAddress(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function unique(links: Iterable<string>): string[] {
  return [...new Set(links)].slice(0, MAX_LINKS);
}

/** Every http(s) address in pasted text: one per line, or separated by spaces or commas. */
export function linksFromText(text: string): string[] {
  return unique(
    text
      .split(/[\s,]+/)
      .map((token) => token.trim())
      .filter(isWebAddress),
  );
}

/**
 * Every http(s) bookmark in a bookmarks export. Parsed by DOMParser into a document that is
 * never shown: nothing in the file runs or loads.
 */
export function linksFromBookmarks(html: string): string[] {
  const document = new DOMParser().parseFromString(html, 'text/html');
  return unique(
    Array.from(document.querySelectorAll('a[href]'))
      .map((a) => a.getAttribute('href') ?? '')
      .filter(isWebAddress),
  );
}

/** Either, by what the text looks like. */
export function linksFrom(text: string): string[] {
  return /<a\s/i.test(text) ? linksFromBookmarks(text) : linksFromText(text);
}

/** Splits `items` into groups of at most `size` (the batch route takes 100 at a time). */
export function chunks<T>(items: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

/**
 * An address as a browser's address bar reads it: one typed without a scheme gets `https://`,
 * except a machine on the local network or this one (`localhost`, an IP address, a name
 * without dots), which browsers reach over plain `http://`, as they do.
 */
export function withScheme(typed: string): string {
  const text = typed.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  const host = text
    .split(/[/?#]/, 1)[0]
    .replace(/:\d+$/, '')
    .replace(/^\[|\]$/g, '');
  const local = host === 'localhost' || !host.includes('.') || /^[\d.]+$/.test(host) || host.includes(':');
  return `${local ? 'http' : 'https'}://${text}`;
}
