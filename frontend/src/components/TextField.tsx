import type { InputHTMLAttributes } from 'react';

interface TextFieldProps extends InputHTMLAttributes<HTMLInputElement> {
  id: string;
  label: string;
  /** What is wrong with the value, shown under it and tied to it for screen readers. */
  problem?: string;
  /** Announce the problem as it appears (for a field checked on its own, after submit). */
  alert?: boolean;
}

/** A labelled input with its own error message. */
export function TextField({ id, label, problem, alert, 'aria-describedby': describedBy, ...input }: TextFieldProps) {
  const errorId = `${id}-error`;
  // The error first, then whatever else describes the field (a rule shown up front).
  const description = [problem ? errorId : undefined, describedBy].filter(Boolean).join(' ') || undefined;
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={problem ? true : undefined} aria-describedby={description} {...input} />
      {problem && (
        <p id={errorId} className="field-error" role={alert ? 'alert' : undefined}>
          {problem}
        </p>
      )}
    </>
  );
}
