import { describe, expect, it } from 'vitest';
import { chunks, linksFrom, linksFromBookmarks, linksFromText, withScheme } from './links';

describe('links people paste or drop', () => {
  it('takes the web addresses out of pasted text, once each, in order', () => {
    const text =
      'https://a.example/1\n  http://b.example/2, not-a-link ftp://c.example/x\nhttps://a.example/1 javascript:alert(1)';
    expect(linksFromText(text)).toEqual(['https://a.example/1', 'http://b.example/2']);
  });

  it('reads a Netscape bookmarks export without running or loading anything in it', () => {
    const html = `<!DOCTYPE NETSCAPE-Bookmark-file-1>
      <DL><p><DT><H3>Reading</H3>
        <DL><p><DT><A HREF="https://news.example/story" ADD_DATE="1">Story</A>
        <DT><A HREF="place:sort=8">Recent</A>
        <DT><A HREF="https://blog.example/post">Post</A></DL>
      <script>window.ran = true</script><img src="https://tracker.example/x.gif"></DL>`;
    expect(linksFromBookmarks(html)).toEqual(['https://news.example/story', 'https://blog.example/post']);
    expect((window as unknown as { ran?: boolean }).ran).toBeUndefined();
    expect(linksFrom(html)).toHaveLength(2);
  });

  it('splits into batches the server takes', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([], 100)).toEqual([]);
  });

  it('adds the scheme a browser would use to an address typed without one', () => {
    expect(withScheme('example.com/a')).toBe('https://example.com/a');
    expect(withScheme(' https://example.com ')).toBe('https://example.com');
    expect(withScheme('127.0.0.1:8080/page')).toBe('http://127.0.0.1:8080/page');
    expect(withScheme('localhost:3000')).toBe('http://localhost:3000');
    expect(withScheme('intranet/wiki')).toBe('http://intranet/wiki');
  });
});
