import { useCallback, useEffect, useMemo, useState } from 'react';
import { Api, type Session } from './api';
import { AuthScreen } from './components/AuthScreen';
import { Library } from './components/Library';
import { clearSession, loadSession, saveSession } from './session';

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());

  const forget = useCallback(() => {
    clearSession();
    setSession(null);
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
  const reachable = useCallback((answered: boolean) => setUnreachable(!answered), []);

  const api = useMemo(() => new Api(session?.token ?? null, forget, reachable), [session, forget, reachable]);

  function signedIn(next: Session) {
    saveSession(next);
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
        <Library key={session.token} api={api} session={session} onSignOut={signOut} onAccountDeleted={forget} />
      ) : (
        <AuthScreen api={api} onSignedIn={signedIn} />
      )}
    </>
  );
}
