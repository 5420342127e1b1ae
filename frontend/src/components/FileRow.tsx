import type { FileRecord } from '../api';
import { formatBytes, formatDate } from '../format';
import { clock, domainOf, highlight, isPending } from '../listing';
import { Icon } from './Icon';
import { Thumbnail, type ThumbnailLoader } from './Thumbnail';

interface FileRowProps {
  file: FileRecord;
  /** "waiting, 2nd in line" for a queued file; the list knows the line. */
  waiting?: string;
  /** The time now, in ms, ticking while a render runs, for its elapsed time. */
  now: number;
  /** The row holding the list's one Tab stop (arrow keys move it). */
  active: boolean;
  onDownload: (file: FileRecord) => void;
  onDelete: (file: FileRecord) => void;
  onRetry: (file: FileRecord) => void;
  onCopyLink: (file: FileRecord) => void;
  onShare: (file: FileRecord) => void;
  onOpen?: (file: FileRecord) => void;
  onRecapture?: (file: FileRecord) => void;
  onEditTags?: (file: FileRecord) => void;
  /** Shows only the files with this tag. */
  onPickTag?: (tag: string) => void;
  /** For the newest version of a page with older ones: how many, and whether they show. */
  versions?: { count: number; expanded: boolean; onToggle: () => void };
  /** An older version shown under its page's newest. */
  older?: boolean;
  /** The words searched for, marked in the file's snippet. */
  searched?: string;
  /** Fetches a done file's thumbnail, shown in place of its site's initial. */
  loadThumbnail?: ThumbnailLoader;
}

/** Each warning in a few words, and what it means. */
const WARNINGS: Record<FileRecord['warnings'][number], [string, string]> = {
  blank: ['looks blank', 'No visible text, and the first screen is nearly one colour'],
  images_missing: ['images missing', 'Some images had not loaded, or failed to load, when it was printed'],
  consent_wall: ['consent banner', 'A consent dialog still covered the page when it was printed'],
  login_wall: ['sign-in page', 'The page is a sign-in form, not the content behind it'],
  http_error: ['error page', 'The site answered with an error status'],
  blocked: ['parts blocked', 'Some of what the page loads was refused: it may only reach public addresses'],
};

const STATUS_HINT: Record<FileRecord['status'], string> = {
  queued: 'Waiting for a free renderer',
  rendering: 'Rendering the page',
  done: 'Ready to open',
  failed: 'Could not be converted',
};

const CHANGED_HINT: Record<string, string | undefined> = {
  true: 'Its text differs from the previous version’s',
  false: 'Its text is the same as the previous version’s',
};

/** One line per file: what it is, where it came from, where it is in its life, what can be
 *  done (each action named with the file, for people who hear the list). */
export function FileRow({
  file,
  waiting,
  now,
  active,
  onDownload,
  onDelete,
  onRetry,
  onCopyLink,
  onShare,
  onOpen,
  onRecapture,
  onEditTags,
  onPickTag,
  versions,
  older = false,
  searched,
  loadThumbnail,
}: FileRowProps) {
  const pending = isPending(file);
  const tab = active ? 0 : -1;
  const named = (verb: string) => `${verb} “${file.name}”`;
  // Until a page is rendered its name is its address: shown once, without the scheme, and a
  // failure's reason does not repeat it.
  const untitled = file.name === file.source_url;
  const title = untitled ? file.source_url.replace(/^https?:\/\//, '') : file.name;
  const reason = file.error?.startsWith(file.source_url) ? `The page${file.error.slice(file.source_url.length)}` : file.error;
  const detail =
    file.status === 'queued'
      ? waiting
      : file.status === 'rendering'
        ? clock((now - Date.parse(file.updated_at)) / 1000)
        : file.status === 'done'
          ? [formatBytes(file.size_bytes), file.pages === null ? null : `${file.pages} ${file.pages === 1 ? 'page' : 'pages'}`]
              .filter(Boolean)
              .join(' · ')
          : null;
  return (
    <li className={`file file-${file.status}${older ? ' file-older' : ''}`} aria-label={file.name} data-id={file.id}>
      <Thumbnail file={file} load={loadThumbnail} />
      <div className="file-main">
        <p className="file-name">
          {file.status === 'done' && onOpen ? (
            <button
              type="button"
              className="link file-open"
              data-primary
              tabIndex={tab}
              title="Open the PDF in a new tab"
              onClick={() => onOpen(file)}
            >
              {title}
            </button>
          ) : (
            title
          )}
        </p>
        <p className="file-sub">
          <span className={`badge badge-${file.status}`} title={STATUS_HINT[file.status]}>
            {file.status}
          </span>
          {detail && <span className="file-detail">{detail}</span>}
          <a
            className="file-source"
            href={file.source_url}
            target="_blank"
            rel="noreferrer noopener"
            tabIndex={tab}
            title={file.source_url}
          >
            {domainOf(file.source_url)}
          </a>
          <time dateTime={file.created_at}>{formatDate(file.created_at)}</time>
          {file.status === 'done' &&
            file.warnings.map((warning) => (
              <span key={warning} className="warning" title={WARNINGS[warning][1] + (file.retried ? ' (printed twice)' : '')}>
                {WARNINGS[warning][0]}
              </span>
            ))}
          {(file.version > 1 || older) && (
            <span className="version" title={CHANGED_HINT[String(file.changed)]}>
              version {file.version}
              {file.changed !== null && <span className="wide-only">{file.changed ? ' · changed' : ' · unchanged'}</span>}
            </span>
          )}
          {versions && (
            <button
              type="button"
              className="link versions-toggle"
              tabIndex={tab}
              aria-expanded={versions.expanded}
              onClick={versions.onToggle}
            >
              {versions.count} versions
            </button>
          )}
          {file.tags.map((tag) => (
            <button
              key={tag}
              type="button"
              className="tag"
              tabIndex={tab}
              aria-label={`Show files tagged ${tag}`}
              title={`Show files tagged ${tag}`}
              onClick={() => onPickTag?.(tag)}
            >
              #{tag}
            </button>
          ))}
        </p>
        {file.snippet && (
          <p className="file-snippet">
            {highlight(file.snippet, searched ?? '').map((part, i) =>
              part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>,
            )}
          </p>
        )}
        {pending && <span className="progress" role="progressbar" aria-label={`${file.name}: ${STATUS_HINT[file.status]}`} />}
        {file.status === 'failed' && reason && <p className="file-error">{reason}</p>}
      </div>
      <div className="file-actions">
        {file.status === 'failed' && (
          <button
            type="button"
            data-primary
            tabIndex={tab}
            aria-label={named('Retry')}
            title="Retry"
            onClick={() => onRetry(file)}
          >
            <Icon kind="retry" />
            <span className="label">Retry</span>
          </button>
        )}
        {file.status === 'done' && (
          <>
            <button type="button" tabIndex={tab} aria-label={named('Download')} title="Download" onClick={() => onDownload(file)}>
              <Icon kind="download" />
              <span className="label">Download</span>
            </button>
            <button type="button" tabIndex={tab} aria-label={named('Share')} title="Share" onClick={() => onShare(file)}>
              <Icon kind="share" />
              <span className="label">Share</span>
            </button>
          </>
        )}
        {onRecapture && file.status === 'done' && (
          <button
            type="button"
            tabIndex={tab}
            aria-label={named('Capture again')}
            title="Capture again"
            onClick={() => onRecapture(file)}
          >
            <Icon kind="recapture" />
            <span className="label">Capture again</span>
          </button>
        )}
        {onEditTags && (
          <button type="button" tabIndex={tab} aria-label={named('Tags of')} title="Tags" onClick={() => onEditTags(file)}>
            <Icon kind="tag" />
            <span className="label">Tags</span>
          </button>
        )}
        <button
          type="button"
          tabIndex={tab}
          aria-label={named('Copy page URL of')}
          title="Copy page URL"
          onClick={() => onCopyLink(file)}
        >
          <Icon kind="copy" />
          <span className="label">Copy page URL</span>
        </button>
        <button
          type="button"
          className="danger"
          data-primary={pending || undefined}
          tabIndex={tab}
          aria-label={named(pending ? 'Cancel' : 'Delete')}
          title={pending ? 'Cancel' : 'Delete'}
          onClick={() => onDelete(file)}
        >
          <Icon kind={pending ? 'cancel' : 'delete'} />
          <span className="label">{pending ? 'Cancel' : 'Delete'}</span>
        </button>
      </div>
    </li>
  );
}
