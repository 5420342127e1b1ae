import type { FileRecord } from '../api';
import { formatBytes, formatDate } from '../format';

interface FileRowProps {
  file: FileRecord;
  onDownload: (file: FileRecord) => void;
  onDelete: (file: FileRecord) => void;
  onRetry: (file: FileRecord) => void;
  onCopyLink: (file: FileRecord) => void;
  onShare: (file: FileRecord) => void;
  onOpen?: (file: FileRecord) => void;
}

const STATUS_HINT: Record<FileRecord['status'], string> = {
  queued: 'Waiting for a free renderer',
  rendering: 'Rendering the page',
  done: 'Ready to download',
  failed: 'Could not be converted',
};

/** One file: what it is, where it came from, where it is in its life, and what can be done. */
export function FileRow({ file, onDownload, onDelete, onRetry, onCopyLink, onShare, onOpen }: FileRowProps) {
  const pending = file.status === 'queued' || file.status === 'rendering';
  return (
    <li className={`file file-${file.status}`} aria-label={file.name}>
      <div className="file-main">
        <p className="file-name">
          {file.status === 'done' && onOpen ? (
            <button type="button" className="link file-open" title="Open the PDF in a new tab" onClick={() => onOpen(file)}>
              {file.name}
            </button>
          ) : (
            file.name
          )}
        </p>
        <a className="file-source" href={file.source_url} target="_blank" rel="noreferrer noopener">
          {file.source_url}
        </a>
        {file.status === 'failed' && file.error && <p className="file-error">{file.error}</p>}
      </div>
      <div className="file-meta">
        <span className={`badge badge-${file.status}`} title={STATUS_HINT[file.status]}>
          {file.status}
        </span>
        {pending && <span className="progress" role="progressbar" aria-label={`${file.name}: ${STATUS_HINT[file.status]}`} />}
        <span className="file-size">{formatBytes(file.size_bytes)}</span>
        <span className="file-pages">{file.pages === null ? '—' : `${file.pages} ${file.pages === 1 ? 'page' : 'pages'}`}</span>
        <time dateTime={file.created_at}>{formatDate(file.created_at)}</time>
      </div>
      <div className="file-actions">
        {file.status === 'failed' && (
          <button type="button" onClick={() => onRetry(file)}>
            Retry
          </button>
        )}
        <button type="button" className="primary" disabled={file.status !== 'done'} onClick={() => onDownload(file)}>
          Download
        </button>
        <button type="button" disabled={file.status !== 'done'} onClick={() => onShare(file)}>
          Share
        </button>
        <button type="button" onClick={() => onCopyLink(file)}>
          Copy page URL
        </button>
        <button type="button" className="danger" onClick={() => onDelete(file)}>
          {pending ? 'Cancel' : 'Delete'}
        </button>
      </div>
    </li>
  );
}
