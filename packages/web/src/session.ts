import { createContext, useContext } from 'react';
import type { MeView } from '@metaoffice/protocol';

export interface Session {
  me: MeView;
  /** After sign-out, or when the server says the session is gone. */
  signedOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

/** The signed-in user; only rendered under the guard in main.tsx, so it is always there. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}
