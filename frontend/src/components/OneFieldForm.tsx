import { useState, type ComponentProps, type FormEvent } from 'react';
import { copyText } from '../browser';
import { TextField } from './TextField';

interface OneFieldFormProps extends ComponentProps<typeof TextField> {
  submit: string;
  onSubmit: (event: FormEvent) => void;
}

/** A single labelled field and its button, on one line where there is room. */
export function OneFieldForm({ submit, onSubmit, ...field }: OneFieldFormProps) {
  return (
    <form className="inline-form" onSubmit={onSubmit} noValidate>
      <div className="field">
        <TextField {...field} />
      </div>
      <button type="submit" className="primary">
        {submit}
      </button>
    </form>
  );
}

interface ShownOnceProps {
  /** What it is and that it will not be shown again. */
  intro: string;
  label: string;
  value: string;
}

/** A secret the server shows only once: selectable, and copied with one click. */
export function ShownOnce({ intro, label, value }: ShownOnceProps) {
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <div className="secret" role="status">
      <p>{intro}</p>
      <input type="text" readOnly aria-label={label} value={value} onFocus={(e) => e.target.select()} />
      <button type="button" onClick={async () => setCopied((await copyText(value)) ? 'Copied.' : 'Select it and copy it.')}>
        Copy
      </button>
      {copied && <p>{copied}</p>}
    </div>
  );
}
