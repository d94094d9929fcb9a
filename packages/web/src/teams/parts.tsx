import type { ReactNode } from 'react';
import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle, Spinner } from '@fluentui/react-components';

/** Small Fluent building blocks the Teams pages share. */

export function Centered({ label }: { label: string }) {
  return (
    <div className="teams-centered">
      <Spinner label={label} labelPosition="below" />
    </div>
  );
}

/** A message in place of the page, with an optional action (Try again, Grant access). */
export function Problem({
  title,
  children,
  intent = 'error',
  action,
  testId,
}: {
  title: string;
  children?: ReactNode;
  intent?: 'error' | 'warning' | 'info';
  action?: { label: string; onClick(): void; busy?: boolean };
  testId?: string;
}) {
  return (
    <main className="teams-page">
      <MessageBar intent={intent} layout="multiline" data-testid={testId}>
        <MessageBarBody>
          <MessageBarTitle>{title}</MessageBarTitle>
          {children}
        </MessageBarBody>
        {action && (
          <MessageBarActions>
            <Button appearance="primary" onClick={action.onClick} disabled={action.busy}>
              {action.busy ? <Spinner size="tiny" /> : action.label}
            </Button>
          </MessageBarActions>
        )}
      </MessageBar>
    </main>
  );
}
