import { useEffect, useRef } from 'react';
import { Api } from '../api';
import { AccountPanel } from './AccountPanel';
import { KeysPanel } from './KeysPanel';
import { SchedulesPanel } from './SchedulesPanel';
import { WebhooksPanel } from './WebhooksPanel';

/**
 * The bookmarklet's code: it opens this Folio's convert dialog with the current page's
 * address. React refuses `javascript:` in `href`, so it is set on the element directly.
 */
export function bookmarklet(origin: string): string {
  return `javascript:(()=>{window.open(${JSON.stringify(`${origin}/?convert=`)}+encodeURIComponent(location.href),'_blank','noopener')})()`;
}

function Bookmarklet() {
  const link = useRef<HTMLAnchorElement>(null);
  useEffect(() => {
    link.current?.setAttribute('href', bookmarklet(window.location.origin));
  }, []);
  return (
    <section className="panel" aria-labelledby="bookmarklet-title">
      <h2 id="bookmarklet-title">Save to Folio from any page</h2>
      <p>Drag this button to your bookmarks bar. On any page, click it: Folio opens with that page ready to convert.</p>
      <a ref={link} className="bookmarklet" onClick={(e) => e.preventDefault()} draggable>
        Save to Folio
      </a>
    </section>
  );
}

/** Credentials for scripts, notifications for other systems, the bookmarklet, the account. */
interface SettingsProps {
  api: Api;
  email: string;
  onAccountDeleted: () => void;
}

export function Settings({ api, email, onAccountDeleted }: SettingsProps) {
  return (
    <main className="settings">
      <h1 className="visually-hidden">Settings</h1>
      <SchedulesPanel api={api} />
      <KeysPanel api={api} />
      <WebhooksPanel api={api} />
      <Bookmarklet />
      <AccountPanel api={api} email={email} onDeleted={onAccountDeleted} />
    </main>
  );
}
