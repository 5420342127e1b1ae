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

export function visibleFiles(files: FileRecord[], status: StatusFilter, words: string, sort: SortOrder): FileRecord[] {
  const needle = words.trim().toLowerCase();
  const kept = files.filter(
    (f) =>
      matchesStatus(f, status) &&
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

export interface DayGroup {
  label: string;
  files: FileRecord[];
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

/** Consecutive files under their day's label; one unlabelled group when not sorted by date. */
export function groupByDay(files: FileRecord[], sort: SortOrder, now: Date = new Date()): DayGroup[] {
  if (sort !== 'newest' && sort !== 'oldest') return [{ label: '', files }];
  const groups: DayGroup[] = [];
  for (const file of files) {
    const label = dayLabel(file.created_at, now);
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
