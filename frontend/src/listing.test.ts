import { describe, expect, it } from 'vitest';
import type { FileRecord } from './api';
import {
  clock,
  dayLabel,
  domainOf,
  groupByDay,
  groupVersions,
  hasWords,
  highlight,
  isTag,
  placeInLine,
  visibleFiles,
} from './listing';

function file(id: string, created_at: string, overrides: Partial<FileRecord> = {}): FileRecord {
  return {
    id,
    name: `Page ${id}`,
    source_url: `https://www.example.com/${id}`,
    status: 'done',
    engine: 'chromium',
    options: {},
    version: 1,
    tags: [],
    changed: null,
    sha256: null,
    final_url: null,
    http_status: null,
    captured_at: null,
    warnings: [],
    retried: false,
    created_at,
    updated_at: created_at,
    ...overrides,
  };
}

const now = new Date('2026-11-23T15:00:00');

describe('listing', () => {
  it('labels days as people say them', () => {
    expect(dayLabel('2026-11-23T08:00:00', now)).toBe('Today');
    expect(dayLabel('2026-11-22T23:59:00', now)).toBe('Yesterday');
    expect(dayLabel('2026-11-18T10:00:00', now)).toBe('Earlier this week');
    expect(dayLabel('2026-10-02T10:00:00', now)).toMatch(/October.*2026/);
  });

  it('groups by day only when sorted by date', () => {
    const files = [file('c', '2026-11-23T09:00:00'), file('b', '2026-11-23T08:00:00'), file('a', '2026-11-22T08:00:00')];
    expect(groupByDay(files, 'newest', now).map((g) => [g.label, g.files.length])).toEqual([
      ['Today', 2],
      ['Yesterday', 1],
    ]);
    expect(groupByDay(files, 'name', now)).toHaveLength(1);
  });

  it('filters by status and words, and sorts', () => {
    const files = [
      file('a', '2026-11-20T08:00:00', { status: 'failed', name: 'Zebra' }),
      file('b', '2026-11-21T08:00:00', { status: 'queued', name: 'apple', size_bytes: null }),
      file('c', '2026-11-22T08:00:00', { name: 'Mango', size_bytes: 900 }),
    ];
    expect(visibleFiles(files, 'in-progress', '', 'newest').map((f) => f.id)).toEqual(['b']);
    expect(visibleFiles(files, 'all', 'ZEB', 'newest').map((f) => f.id)).toEqual(['a']);
    expect(visibleFiles(files, 'all', '', 'name').map((f) => f.id)).toEqual(['b', 'c', 'a']);
    expect(visibleFiles(files, 'all', '', 'oldest').map((f) => f.id)).toEqual(['a', 'b', 'c']);
    expect(visibleFiles(files, 'all', '', 'largest')[0].id).toBe('c');
  });

  it('tells a waiting file its place and a render its time', () => {
    const files = [
      file('b', '2026-11-23T08:00:01', { status: 'queued' }),
      file('a', '2026-11-23T08:00:00', { status: 'queued' }),
    ];
    expect(placeInLine(files[1], files)).toBe('waiting, next');
    expect(placeInLine(files[0], files)).toBe('waiting, 2nd in line');
    expect(clock(7)).toBe('0:07');
    expect(clock(3729)).toBe('1:02:09');
    expect(domainOf('https://www.example.com/x')).toBe('example.com');
  });

  it('puts the versions of a page behind its newest one', () => {
    const page = 'https://example.com/same';
    const files = [
      file('d', '2026-11-23T12:00:00', { source_url: page, version: 3 }),
      file('c', '2026-11-23T11:00:00'),
      file('b', '2026-11-23T10:00:00', { source_url: page, version: 2 }),
      file('a', '2026-11-22T10:00:00', { source_url: page, version: 1, tags: ['work'] }),
    ];
    const pages = groupVersions(files);
    expect(pages.map((p) => [p.latest.id, p.older.map((f) => f.id)])).toEqual([
      ['d', ['b', 'a']],
      ['c', []],
    ]);
    expect(visibleFiles(files, 'all', '', 'newest', 'work').map((f) => f.id)).toEqual(['a']);
    expect(isTag('to-read_2') && !isTag('Work') && !isTag('')).toBe(true);
  });

  it('highlights the searched words in a snippet, ignoring case and accents, the last as a prefix', () => {
    const marked = (snippet: string, words: string) =>
      highlight(snippet, words)
        .map((p) => (p.match ? `[${p.text}]` : p.text))
        .join('');
    expect(marked('… the CAFÉ opens at nine, cafés close at ten …', 'cafe ni')).toBe(
      '… the [CAFÉ] opens at [nine], cafés close at ten …',
    );
    expect(marked('<b>not markup</b> quokka', 'quok')).toBe('<b>not markup</b> [quokka]');
    expect(marked('nothing here', 'absent')).toBe('nothing here');
    expect(highlight('', 'x')).toEqual([]);
    expect(hasWords('  "*" ')).toBe(false);
    expect(hasWords('é')).toBe(true);
  });
});
