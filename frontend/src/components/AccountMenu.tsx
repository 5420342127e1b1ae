import { useEffect, useId, useRef, useState } from 'react';
import type { Me } from '../api';
import { formatBytes } from '../format';

interface AccountMenuProps {
  email: string;
  me: Me | null;
}

/** Who is signed in and how much of the allowance is used, one click away rather than a
 *  toolbar row of its own (the row a phone cannot spare). */
export function AccountMenu({ email, me }: AccountMenuProps) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    function onPointer(event: PointerEvent) {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    }
    function onKey(event: KeyboardEvent) {
      if (event.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    }
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div ref={root} className="account-menu">
      <button
        ref={button}
        type="button"
        className="account-button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((was) => !was)}
      >
        <span className="avatar" aria-hidden="true">
          {email.charAt(0).toUpperCase()}
        </span>
        <span className="account-label">Account</span>
      </button>
      <div id={panelId} className="account-panel" hidden={!open}>
        <p className="email">{email}</p>
        {me ? (
          <div className="usage" role="group" aria-label="Usage">
            <p>
              {formatBytes(me.usage.stored_bytes)} of {formatBytes(me.usage.max_stored_bytes)} used
            </p>
            <meter min={0} max={me.usage.max_stored_bytes} value={me.usage.stored_bytes} aria-label="Storage used" />
            <p>
              {me.usage.queued_jobs} of {me.usage.max_queued_jobs} conversions in progress
            </p>
          </div>
        ) : (
          <p>Loading your usage…</p>
        )}
      </div>
    </div>
  );
}
