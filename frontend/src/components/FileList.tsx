import { useRef, useState, type FocusEvent, type KeyboardEvent } from 'react';
import type { FileRecord } from '../api';
import { placeInLine, type DayGroup } from '../listing';
import { FileRow } from './FileRow';

interface FileListProps {
  groups: DayGroup[];
  /** Every loaded file, for a waiting file's place in line. */
  files: FileRecord[];
  now: number;
  onDownload: (file: FileRecord) => void;
  onDelete: (file: FileRecord) => void;
  onRetry: (file: FileRecord) => void;
  onCopyLink: (file: FileRecord) => void;
  onShare: (file: FileRecord) => void;
  onOpen: (file: FileRecord) => void;
  onRecapture: (file: FileRecord) => void;
  onEditTags: (file: FileRecord) => void;
  onPickTag: (tag: string) => void;
  /** The words searched for, when the list shows search results (their snippets mark them). */
  searched?: string;
  loadThumbnail?: (id: string) => Promise<Blob | null>;
}

/** Focuses a row's main control: the title of a done file, else its first action. */
export function focusRow(row: Element | undefined) {
  const target = row?.querySelector<HTMLElement>('[data-primary]') ?? row?.querySelector<HTMLElement>('button, a');
  target?.focus();
}

const MOVES = ['ArrowDown', 'ArrowUp', 'Home', 'End'];

/**
 * The files, under their day, each page's older versions folded behind its newest. One Tab
 * stop for the whole list (the active row's controls), arrow keys and Home/End to move between
 * rows, Enter on a title to open it: a long library costs a keyboard user a few keystrokes
 * rather than several Tab stops a file.
 */
export function FileList({ groups, files, now, ...actions }: FileListProps) {
  const list = useRef<HTMLDivElement>(null);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set());
  const ids = groups.flatMap((g) =>
    g.files.flatMap((page) => [page.latest.id, ...(expanded.has(page.latest.source_url) ? page.older.map((f) => f.id) : [])]),
  );
  const active = activeId !== null && ids.includes(activeId) ? activeId : ids[0];

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (!MOVES.includes(event.key) || event.altKey || event.ctrlKey || event.metaKey) return;
    const rows = Array.from(list.current?.querySelectorAll('li.file') ?? []);
    const current = rows.findIndex((row) => row.contains(event.target as Node));
    if (current < 0) return;
    const next =
      event.key === 'Home'
        ? 0
        : event.key === 'End'
          ? rows.length - 1
          : Math.min(rows.length - 1, Math.max(0, current + (event.key === 'ArrowDown' ? 1 : -1)));
    event.preventDefault();
    focusRow(rows[next]);
  }

  function onFocus(event: FocusEvent<HTMLDivElement>) {
    const row = (event.target as HTMLElement).closest<HTMLElement>('li.file');
    if (row?.dataset.id) setActiveId(row.dataset.id);
  }

  function toggle(page: string) {
    setExpanded((open) => {
      const next = new Set(open);
      if (!next.delete(page)) next.add(page);
      return next;
    });
  }

  const row = (file: FileRecord, versions?: { count: number; expanded: boolean; onToggle: () => void }, older = false) => (
    <FileRow
      key={file.id}
      file={file}
      older={older}
      now={now}
      active={file.id === active}
      waiting={file.status === 'queued' ? placeInLine(file, files) : undefined}
      versions={versions}
      {...actions}
    />
  );

  return (
    <div ref={list} className="file-list" onKeyDown={onKeyDown} onFocus={onFocus}>
      {groups.map((group) => (
        <section key={group.label || 'all'} className="day">
          {group.label && <h3 className="day-label">{group.label}</h3>}
          <ul className="files" aria-label={group.label ? `Your files: ${group.label}` : 'Your files'}>
            {group.files.map(({ latest, older }) => {
              if (older.length === 0) return row(latest);
              const open = expanded.has(latest.source_url);
              return [
                row(latest, { count: older.length + 1, expanded: open, onToggle: () => toggle(latest.source_url) }),
                ...(open ? older.map((file) => row(file, undefined, true)) : []),
              ];
            })}
          </ul>
        </section>
      ))}
    </div>
  );
}
