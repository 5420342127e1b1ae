import { useCallback, useMemo, useState } from 'react';
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

  const api = useMemo(() => new Api(session?.token ?? null, forget), [session, forget]);

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

  return session ? (
    <Library key={session.token} api={api} session={session} onSignOut={signOut} onAccountDeleted={forget} />
  ) : (
    <AuthScreen api={api} onSignedIn={signedIn} />
  );
}
