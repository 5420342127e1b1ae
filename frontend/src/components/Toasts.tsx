import { useEffect, useRef } from 'react';
import type { FileRecord } from '../api';

interface ToastsProps {
  /** Files that ended while the library was open, oldest first. */
  files: FileRecord[];
  onOpen: (file: FileRecord) => void;
  onDismiss: (id: string) => void;
}

/** How long a toast stays when nobody points at it or focuses it. */
const TOAST_MS = 8000;

/**
 * "Ready — Open" / "Failed — why", for each file that finishes while you watch. Seen, not
 * heard: the library's live region says the same to screen readers, once.
 */
export function Toasts({ files, onOpen, onDismiss }: ToastsProps) {
  if (files.length === 0) return null;
  return (
    <section className="toasts" aria-label="Finished conversions">
      {files.slice(-3).map((file) => (
        <Toast key={file.id} file={file} onOpen={onOpen} onDismiss={onDismiss} />
      ))}
    </section>
  );
}

function Toast({
  file,
  onOpen,
  onDismiss,
}: {
  file: FileRecord;
  onOpen: (file: FileRecord) => void;
  onDismiss: (id: string) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const element = box.current;
    const start = () => {
      timer = setTimeout(() => onDismiss(file.id), TOAST_MS);
    };
    // Held while pointed at or focused: nobody loses a toast they are reading or about to use.
    const hold = () => {
      if (timer) clearTimeout(timer);
      timer = null;
    };
    const release = () => {
      if (!element?.matches(':hover') && !element?.contains(document.activeElement)) start();
    };
    start();
    element?.addEventListener('pointerenter', hold);
    element?.addEventListener('focusin', hold);
    element?.addEventListener('pointerleave', release);
    element?.addEventListener('focusout', release);
    return () => {
      hold();
      element?.removeEventListener('pointerenter', hold);
      element?.removeEventListener('focusin', hold);
      element?.removeEventListener('pointerleave', release);
      element?.removeEventListener('focusout', release);
    };
  }, [file.id, onDismiss]);

  const ready = file.status === 'done';
  const textId = `toast-${file.id}`;
  return (
    <div ref={box} className={`toast toast-${ready ? 'ready' : 'failed'}`}>
      <p id={textId}>
        <strong>{ready ? 'Ready' : 'Failed'}</strong> —{' '}
        {ready ? `“${file.name}”` : (file.error ?? `“${file.name}” could not be converted`)}
      </p>
      {ready && (
        <button type="button" className="link" aria-describedby={textId} onClick={() => onOpen(file)}>
          Open
        </button>
      )}
      <button type="button" className="link" aria-describedby={textId} onClick={() => onDismiss(file.id)}>
        Dismiss
      </button>
    </div>
  );
}
