import { useState, type FormEvent } from 'react';
import { ApiError, type Api, type FileRecord } from '../api';
import { isTag } from '../listing';
import { Modal } from './Modal';
import { TextField } from './TextField';

interface TagsDialogProps {
  api: Api;
  file: FileRecord;
  /** The file as the server has it after a change. */
  onChanged: (file: FileRecord) => void;
  onClose: () => void;
}

/** A file's tags: add one, remove one; each change saved at once. */
export function TagsDialog({ api, file, onChanged, onClose }: TagsDialogProps) {
  const [tags, setTags] = useState(file.tags);
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function save(next: string[]) {
    setBusy(true);
    setProblem(undefined);
    try {
      const saved = await api.relabel(file.id, { tags: next });
      setTags(saved.tags);
      onChanged(saved);
      return true;
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function add(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const tag = typed.trim().toLowerCase().replace(/\s+/g, '-');
    if (!isTag(tag)) {
      setProblem('Use 1 to 32 lowercase letters, digits, “-” or “_”.');
      document.getElementById('new-tag')?.focus();
      return;
    }
    if (tags.includes(tag)) return setTyped('');
    if (await save([...tags, tag])) setTyped('');
  }

  return (
    <Modal title={`Tags for “${file.name}”`} onClose={onClose}>
      {tags.length === 0 ? (
        <p className="hint">No tags yet. Tags group files across pages; click one in the list to see its files.</p>
      ) : (
        <ul className="tag-list" aria-label="Tags">
          {tags.map((tag) => (
            <li key={tag}>
              <span>#{tag}</span>
              <button
                type="button"
                className="link"
                aria-label={`Remove tag ${tag}`}
                aria-disabled={busy}
                onClick={() => !busy && void save(tags.filter((t) => t !== tag))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={add} noValidate className="inline-form">
        <div className="field">
          <TextField
            id="new-tag"
            label="New tag"
            value={typed}
            placeholder="to-read"
            onChange={(e) => setTyped(e.target.value)}
            problem={problem}
            alert
          />
        </div>
        <button type="submit" aria-disabled={busy}>
          Add tag
        </button>
      </form>
      <div className="actions">
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Modal>
  );
}
