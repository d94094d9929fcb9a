import { useEffect, useState, type ReactNode } from 'react';
import { FluentProvider, teamsDarkTheme, teamsHighContrastTheme, teamsLightTheme, type Theme } from '@fluentui/react-components';
import type { TeamsPage } from '../router.js';
import { TeamsContextError, type TeamsPageContext, type TeamsTheme } from './context.js';
import { NotInTeamsError, onThemeChange, pageContext, reportFailure } from './teamsHost.js';
import { Centered, Problem } from './parts.js';
import { ConfigPage } from './ConfigPage.js';
import { TabPage } from './TabPage.js';
import { PersonalPage } from './PersonalPage.js';
import { AuthEndPage, AuthStartPage } from './AuthPopupPages.js';
import './teams.css';

/**
 * The pages Microsoft Teams shows: the channel tab's configuration and content, the personal tab, and the consent
 * pop-up. A lazy chunk of its own, so TeamsJS and Fluent UI never weigh on the standalone app.
 */

const fluentThemes: Record<TeamsTheme, Theme> = {
  default: teamsLightTheme,
  dark: teamsDarkTheme,
  contrast: teamsHighContrastTheme,
};

export default function TeamsApp({ page, officeId }: { page: TeamsPage; officeId: string | null }) {
  if (page === 'authStart' || page === 'authEnd') {
    // The pop-up opens in a window of its own, without the tab's context; the light theme fits Microsoft's sign-in.
    return <ThemedRoot theme="default">{page === 'authStart' ? <AuthStartPage /> : <AuthEndPage />}</ThemedRoot>;
  }
  return (
    <InTeams>
      {(ctx) => (
        <>
          {page === 'config' && <ConfigPage ctx={ctx} />}
          {page === 'tab' && <TabPage ctx={ctx} />}
          {page === 'personal' && <PersonalPage ctx={ctx} officeId={officeId} />}
        </>
      )}
    </InTeams>
  );
}

export function ThemedRoot({ theme, children }: { theme: TeamsTheme; children: ReactNode }) {
  useEffect(() => {
    document.documentElement.style.colorScheme = theme === 'default' ? 'light' : 'dark';
  }, [theme]);
  return (
    <FluentProvider theme={fluentThemes[theme]} className="teams-root" data-teams-theme={theme}>
      {children}
    </FluentProvider>
  );
}

type FrameState = { status: 'starting' } | { status: 'ready'; ctx: TeamsPageContext } | { status: 'failed'; notInTeams: boolean; message: string };

/** Starts TeamsJS, reads the context, and follows the Teams theme live for everything inside. */
function InTeams({ children }: { children: (ctx: TeamsPageContext) => ReactNode }) {
  const [state, setState] = useState<FrameState>({ status: 'starting' });
  const [theme, setTheme] = useState<TeamsTheme>(() => themeFromQuery());
  useEffect(() => {
    let live = true;
    pageContext().then(
      (ctx) => {
        if (!live) return;
        setTheme(ctx.theme);
        onThemeChange((t) => live && setTheme(t));
        setState({ status: 'ready', ctx });
      },
      (err: unknown) => {
        if (!live) return;
        const notInTeams = err instanceof NotInTeamsError;
        const message = err instanceof TeamsContextError || notInTeams ? err.message : 'Microsoft Teams did not start this page.';
        if (!notInTeams) reportFailure(message);
        setState({ status: 'failed', notInTeams, message });
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return (
    <ThemedRoot theme={theme}>
      {state.status === 'starting' && <Centered label="Connecting to Teams…" />}
      {state.status === 'failed' && (
        <Problem title={state.notInTeams ? 'Open MetaOffice from Microsoft Teams' : 'This tab could not start'}>
          {state.notInTeams ? 'This page is part of the MetaOffice app for Teams. To use MetaOffice on its own, open the start page instead.' : state.message}
        </Problem>
      )}
      {state.status === 'ready' && children(state.ctx)}
    </ThemedRoot>
  );
}

/** Teams can fill `{theme}` into the tab URL, which saves a flash of the wrong theme before the context arrives. */
function themeFromQuery(): TeamsTheme {
  const theme = new URLSearchParams(location.search).get('theme');
  return theme === 'dark' || theme === 'contrast' ? theme : 'default';
}
