import { useState } from 'react';
import type { FileRecord } from '../api';
import { isPending } from '../listing';
import { Modal } from './Modal';
import { FormError } from './FormError';

interface DeleteDialogProps {
  file: FileRecord;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

/** Deleting cannot be undone, so it is asked once, plainly. */
export function DeleteDialog({ file, onConfirm, onClose }: DeleteDialogProps) {
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function confirm() {
    if (busy) return;
    setBusy(true);
    try {
      await onConfirm();
      onClose();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
      setBusy(false);
    }
  }

  // A file still in the works is cancelled, not deleted: the words say which.
  const pending = isPending(file);
  return (
    <Modal title={pending ? 'Cancel this conversion?' : 'Delete this PDF?'} onClose={onClose}>
      <p>
        {pending
          ? `“${file.name}” will not be converted, and leaves your library. You can convert the page again at any time.`
          : `“${file.name}” will be removed from your library for good; this cannot be undone. The web page itself is not affected, and you can convert it again at any time.`}
      </p>
      <FormError>{problem}</FormError>
      <div className="actions">
        <button type="button" onClick={onClose}>
          Keep it
        </button>
        <button type="button" className="danger" aria-disabled={busy} onClick={confirm}>
          {pending ? 'Cancel conversion' : 'Delete'}
        </button>
      </div>
    </Modal>
  );
}
