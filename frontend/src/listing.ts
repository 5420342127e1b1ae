// What the list shows: the loaded files filtered by status and words, sorted, and grouped by
// the day they were added. Pure, so the rules are tested without a browser.
import type { FileRecord } from './api';

export type StatusFilter = 'all' | 'ready' | 'in-progress' | 'failed';
export type SortOrder = 'newest' | 'oldest' | 'name' | 'largest';

export const STATUS_FILTERS: { value: StatusFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'ready', label: 'Ready' },
  { value: 'in-progress', label: 'In progress' },
  { value: 'failed', label: 'Failed' },
];

export const SORT_ORDERS: { value: SortOrder; label: string }[] = [
  { value: 'newest', label: 'Newest first' },
  { value: 'oldest', label: 'Oldest first' },
  { value: 'name', label: 'Name' },
  { value: 'largest', label: 'Largest first' },
];

export function isPending(file: FileRecord): boolean {
  return file.status === 'queued' || file.status === 'rendering';
}

function matchesStatus(file: FileRecord, filter: StatusFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'ready':
      return file.status === 'done';
    case 'in-progress':
      return isPending(file);
    case 'failed':
      return file.status === 'failed';
  }
}

const byName = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

export function visibleFiles(
  files: FileRecord[],
  status: StatusFilter,
  words: string,
  sort: SortOrder,
  tag: string | null = null,
): FileRecord[] {
  const needle = words.trim().toLowerCase();
  const kept = files.filter(
    (f) =>
      matchesStatus(f, status) &&
      (tag === null || f.tags.includes(tag)) &&
      (!needle || f.name.toLowerCase().includes(needle) || f.source_url.toLowerCase().includes(needle)),
  );
  const newest = (a: FileRecord, b: FileRecord) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id);
  switch (sort) {
    case 'newest':
      return kept.sort(newest);
    case 'oldest':
      return kept.sort((a, b) => newest(b, a));
    case 'name':
      return kept.sort((a, b) => byName.compare(a.name, b.name) || newest(a, b));
    case 'largest':
      return kept.sort((a, b) => (b.size_bytes ?? -1) - (a.size_bytes ?? -1) || newest(a, b));
  }
}

/** The newest version of a page, with the older ones behind it (newest first). */
export interface Versions {
  latest: FileRecord;
  older: FileRecord[];
}

/** Files of the same page as one entry, at the place of its newest version. */
export function groupVersions(files: FileRecord[]): Versions[] {
  const byPage = new Map<string, Versions>();
  const entries: Versions[] = [];
  for (const file of files) {
    const seen = byPage.get(file.source_url);
    if (!seen) {
      const entry = { latest: file, older: [] };
      byPage.set(file.source_url, entry);
      entries.push(entry);
    } else if (file.version > seen.latest.version) {
      seen.older.unshift(seen.latest);
      seen.latest = file;
    } else {
      seen.older.push(file);
    }
  }
  for (const entry of entries) entry.older.sort((a, b) => b.version - a.version);
  return entries;
}

export interface DayGroup {
  label: string;
  files: Versions[];
}

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** "Today", "Yesterday", "Earlier this week", then the month ("October 2026"). */
export function dayLabel(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  const days = Math.round((startOfDay(now) - startOfDay(date)) / 86_400_000);
  if (days <= 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days < 7) return 'Earlier this week';
  return date.toLocaleDateString(undefined, { month: 'long', year: 'numeric' });
}

/** Consecutive pages under their newest version's day; one unlabelled group when not sorted
 *  by date. */
export function groupByDay(files: FileRecord[], sort: SortOrder, now: Date = new Date()): DayGroup[] {
  const pages = groupVersions(files);
  if (sort !== 'newest' && sort !== 'oldest') return [{ label: '', files: pages }];
  const groups: DayGroup[] = [];
  for (const file of pages) {
    const label = dayLabel(file.latest.created_at, now);
    const last = groups.at(-1);
    if (last?.label === label) last.files.push(file);
    else groups.push({ label, files: [file] });
  }
  return groups;
}

/** The address's host without `www.`, for a compact row; the address itself if it has none. */
export function domainOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}

/** "0:07", "2:31", "1:02:09": how long a render has been running. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const [h, m, rest] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(rest)}` : `${m}:${two(rest)}`;
}

/** "next", "2nd in line", …: a waiting file's place among the user's own waiting files. */
export function placeInLine(file: FileRecord, files: FileRecord[]): string {
  const waiting = files
    .filter((f) => f.status === 'queued')
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  const place = waiting.findIndex((f) => f.id === file.id) + 1;
  if (place <= 1) return 'waiting, next';
  const suffix =
    place % 10 === 1 && place % 100 !== 11
      ? 'st'
      : place % 10 === 2 && place % 100 !== 12
        ? 'nd'
        : place % 10 === 3 && place % 100 !== 13
          ? 'rd'
          : 'th';
  return `waiting, ${place}${suffix} in line`;
}

/** What a tag must be (as the API checks it): 1 to 32 of a-z, 0-9, - and _. */
export function isTag(text: string): boolean {
  return /^[a-z0-9_-]{1,32}$/.test(text);
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Lowercase, without accents: how search compares words (as the server does). */
function fold(word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Whether a search box's text holds a word to search for (letters or digits). */
export function hasWords(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

/** A snippet cut into plain parts and matched words, for `<mark>` without markup from the
 *  server: each word that equals a searched word, or starts with the last one, is a match. */
export function highlight(snippet: string, searched: string): { text: string; match: boolean }[] {
  const wanted = (searched.match(WORD) ?? []).map(fold);
  const last = wanted.at(-1);
  const parts: { text: string; match: boolean }[] = [];
  let at = 0;
  for (const found of snippet.matchAll(WORD)) {
    const word = fold(found[0]);
    if (!wanted.includes(word) && !(last !== undefined && word.startsWith(last))) continue;
    if (found.index > at) parts.push({ text: snippet.slice(at, found.index), match: false });
    parts.push({ text: found[0], match: true });
    at = found.index + found[0].length;
  }
  if (at < snippet.length) parts.push({ text: snippet.slice(at), match: false });
  return parts;
}
