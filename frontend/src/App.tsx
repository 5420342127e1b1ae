import { useCallback, useEffect, useMemo, useState } from 'react';
import { Api, type Session } from './api';
import { AuthScreen } from './components/AuthScreen';
import { Library } from './components/Library';
import { clearSession, isSessionKey, loadSession, saveSession } from './session';

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  /** Why the user is on the sign-in screen without having asked to be. */
  const [reason, setReason] = useState<string | null>(null);

  const forget = useCallback(() => {
    clearSession();
    setSession(null);
  }, []);

  const expired = useCallback(() => {
    setReason('Your session has ended. Sign in again to carry on where you left off.');
    forget();
  }, [forget]);

  // One session for every tab: signing out (or in) in one is signing out (or in) in all.
  useEffect(() => {
    function onStorage(event: StorageEvent) {
      if (!isSessionKey(event.key)) return;
      const next = loadSession();
      setSession((current) => {
        if (current && !next) setReason('You signed out in another tab.');
        return next?.token === current?.token ? current : next;
      });
    }
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  // Unreachable: the browser is offline, or the last request got no answer at all.
  const [unreachable, setUnreachable] = useState(() => !navigator.onLine);
  useEffect(() => {
    const offline = () => setUnreachable(true);
    const online = () => setUnreachable(false);
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
    };
  }, []);
  // An answer to a request sent before the browser went offline does not end the offline state.
  const reachable = useCallback((answered: boolean) => setUnreachable(!answered || !navigator.onLine), []);

  const api = useMemo(() => new Api(session?.token ?? null, expired, reachable), [session, expired, reachable]);

  function signedIn(next: Session) {
    saveSession(next);
    setReason(null);
    setSession(next);
  }

  async function signOut() {
    try {
      await api.signOut();
    } catch {
      // The token is forgotten here whatever the server says.
    }
    forget();
  }

  return (
    <>
      {unreachable && (
        <p className="offline" role="status">
          Folio cannot be reached right now. Check your connection; your library updates again as soon as it is back.
        </p>
      )}
      {session ? (
        <Library
          key={session.token}
          api={api}
          session={session}
          onSignOut={signOut}
          reachable={!unreachable}
          onAccountDeleted={forget}
        />
      ) : (
        <AuthScreen key={reason ?? ''} api={api} onSignedIn={signedIn} reason={reason} />
      )}
    </>
  );
}
