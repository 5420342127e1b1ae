const PATHS = {
  download: 'M10 3v9m0 0-4-4m4 4 4-4M4 15h12',
  share: 'M7 10.5l6-3.5M7 9.5l6 3.5M5 10a2 2 0 1 0 0 .1M15 6a2 2 0 1 0 0 .1M15 14a2 2 0 1 0 0 .1',
  copy: 'M7 7h9v9H7zM4 13V4h9',
  delete: 'M4 6h12M8 6V4h4v2M6 6l1 10h6l1-10',
  cancel: 'M5 5l10 10M15 5 5 15',
  retry: 'M15 10a5 5 0 1 1-1.5-3.5M15 4v3h-3',
  recapture: 'M4 10a6 6 0 0 1 10.5-4M16 10a6 6 0 0 1-10.5 4M14.5 3v3h-3M5.5 17v-3h3',
  tag: 'M3 3h7l7 7-7 7-7-7zM7 7h.01',
  'add-many': 'M4 5h8M4 9h8M4 13h5M15 11v6M12 14h6',
  export: 'M10 3v9m0 0-4-4m4 4 4-4M4 13v3h12v-3',
};

export type IconKind = keyof typeof PATHS;

/** The picture beside a button's words; alone on a phone, where the words stay for screen
 *  readers. */
export function Icon({ kind }: { kind: IconKind }) {
  return (
    <svg className="icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      <path d={PATHS[kind]} />
    </svg>
  );
}
