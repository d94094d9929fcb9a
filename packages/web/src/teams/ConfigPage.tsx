import { useEffect, useMemo, useRef, useState } from 'react';
import { Body1, Field, Input, MessageBar, MessageBarBody, MessageBarTitle, Radio, RadioGroup, Textarea, Title3 } from '@fluentui/react-components';
import type { TemplateView } from '@metaoffice/protocol';
import { api, describeError, errorCode } from '../api.js';
import { configTabKey, TeamsContextError, type TeamsPageContext } from './context.js';
import { checkOfficeForm, DESCRIPTION_MAX, NAME_MAX, type OfficeFormValues } from './officeForm.js';
import { reportFailure, tabConfig } from './teamsHost.js';
import { Centered, Problem } from './parts.js';
import { SignInGate, useTeamsSignIn } from './useTeamsSignIn.js';

/**
 * The channel tab's configuration page (Teams' frame context "settings"): names and describes the office, and on
 * first configuration picks its floor plan. Teams' own Save button runs the save; this page enables it while the
 * form is valid. Reopening Settings on a saved tab edits the same office (same entity id).
 */
export function ConfigPage({ ctx }: { ctx: TeamsPageContext }) {
  const tab = useMemo(() => {
    try {
      return configTabKey(ctx, () => crypto.randomUUID());
    } catch (err) {
      if (err instanceof TeamsContextError) return err;
      throw err;
    }
  }, [ctx]);
  const signIn = useTeamsSignIn(ctx);
  useEffect(() => {
    if (tab instanceof TeamsContextError) reportFailure(tab.message);
  }, [tab]);
  if (tab instanceof TeamsContextError) return <Problem title="An office tab belongs in a channel">{tab.message}</Problem>;
  return <SignInGate signIn={signIn}>{() => <ConfigForm tab={tab} />}</SignInGate>;
}

interface TabBeingConfigured {
  teamId: string;
  channelId: string;
  entityId: string;
  isNew: boolean;
}

type Loaded = { status: 'loading' } | { status: 'ready'; existing: boolean; templates: TemplateView[] } | { status: 'error'; message: string };

function ConfigForm({ tab }: { tab: TabBeingConfigured }) {
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const [values, setValues] = useState<OfficeFormValues>({ name: '', description: '', template: undefined });
  const [touched, setTouched] = useState({ name: false, description: false });
  const [saveError, setSaveError] = useState<string | undefined>();
  const [attempt, setAttempt] = useState(0);

  // Reopened Settings: the tab's office, so the form edits it. A saved tab whose office is gone starts afresh.
  useEffect(() => {
    let live = true;
    setLoaded({ status: 'loading' });
    (async () => {
      const existing = tab.isNew ? null : (await api.teamsTab(tab)).office;
      const templates = existing ? [] : await api.listTemplates();
      if (!live) return;
      if (existing) setValues({ name: existing.name, description: existing.description, template: undefined });
      else setValues((v) => ({ ...v, template: v.template ?? templates[0]?.id }));
      setLoaded({ status: 'ready', existing: !!existing, templates });
    })().catch((err: unknown) => {
      if (live) setLoaded({ status: 'error', message: errorCode(err) === 'MICROSOFT_UNAVAILABLE' ? 'Microsoft 365 is not answering. Try again in a moment.' : describeError(err) });
    });
    return () => {
      live = false;
    };
  }, [tab, attempt]);

  const needsTemplate = loaded.status === 'ready' && !loaded.existing;
  const check = checkOfficeForm(values, { needsTemplate });
  const ready = loaded.status === 'ready';

  // Teams enables its Save button only while the page says the configuration is valid.
  useEffect(() => {
    tabConfig.setValid(ready && check.valid);
  }, [ready, check.valid]);

  // One save handler for the page's life; it reads the form as it is when Save is pressed.
  const latest = useRef({ values, needsTemplate, valid: check.valid });
  useEffect(() => {
    latest.current = { values, needsTemplate, valid: check.valid };
  });
  useEffect(() => {
    if (!ready) return;
    tabConfig.onSave((save) => {
      const { values: v, needsTemplate: withTemplate, valid } = latest.current;
      if (!valid) {
        save.fail('The form is not complete.');
        return;
      }
      setSaveError(undefined);
      api
        .saveTeamsTab({
          teamId: tab.teamId,
          channelId: tab.channelId,
          entityId: tab.entityId,
          name: v.name.trim(),
          description: v.description.trim(),
          ...(withTemplate && v.template ? { template: v.template } : {}),
        })
        .then((saved) =>
          tabConfig.save({
            entityId: tab.entityId,
            contentUrl: saved.contentUrl,
            websiteUrl: saved.websiteUrl,
            suggestedDisplayName: saved.suggestedDisplayName,
          }),
        )
        .then(
          () => save.succeed(),
          (err: unknown) => {
            const reason = saveFailureText(err);
            setSaveError(reason);
            save.fail(reason);
          },
        );
    });
  }, [ready, tab]);

  if (loaded.status === 'loading') return <Centered label="Loading the office…" />;
  if (loaded.status === 'error') {
    return (
      <Problem title="The office settings could not be loaded" action={{ label: 'Try again', onClick: () => setAttempt((n) => n + 1) }}>
        <p className="teams-text">{loaded.message}</p>
      </Problem>
    );
  }

  const nameError = touched.name || values.name ? check.errors.name : undefined;
  const descriptionError = check.errors.description;
  return (
    <main className="teams-page" data-testid="teams-config">
      <Title3 as="h1">{loaded.existing ? 'Office settings' : 'Set up an office for this channel'}</Title3>
      <Body1 as="p" className="teams-text">
        {loaded.existing
          ? 'Change the name and description people see. Everyone in this channel shares the office.'
          : 'Everyone in this team can walk in, see who is around and start a conversation. Select Save when you are done.'}
      </Body1>
      <form className="teams-form" onSubmit={(e) => e.preventDefault()} noValidate>
        <Field
          label="Office name"
          required
          validationState={nameError ? 'error' : 'none'}
          validationMessage={nameError}
          hint={`${[...values.name.trim()].length} of ${NAME_MAX} characters`}
        >
          <Input
            value={values.name}
            onChange={(_, d) => setValues((v) => ({ ...v, name: d.value }))}
            onBlur={() => setTouched((t) => ({ ...t, name: true }))}
            placeholder="For example: Design studio"
            data-testid="office-name"
          />
        </Field>
        <Field
          label="Description"
          validationState={descriptionError ? 'error' : 'none'}
          validationMessage={descriptionError}
          hint={`Optional. ${[...values.description.trim()].length} of ${DESCRIPTION_MAX} characters`}
        >
          <Textarea
            value={values.description}
            onChange={(_, d) => setValues((v) => ({ ...v, description: d.value }))}
            onBlur={() => setTouched((t) => ({ ...t, description: true }))}
            resize="vertical"
            rows={3}
            data-testid="office-description"
          />
        </Field>
        {needsTemplate && (
          <Field label="Floor plan" required validationState={check.errors.template ? 'error' : 'none'} validationMessage={check.errors.template}>
            <RadioGroup
              value={values.template ?? ''}
              onChange={(_, d) => setValues((v) => ({ ...v, template: d.value }))}
              className="teams-templates"
              layout="horizontal"
            >
              {loaded.templates.map((t) => (
                <Radio
                  key={t.id}
                  value={t.id}
                  className="teams-template"
                  label={
                    <span className="teams-template-label">
                      <img src={t.thumbnailUrl} alt="" width={160} height={100} loading="lazy" />
                      <span className="teams-template-name">{t.name}</span>
                      <span className="teams-template-description">{t.description}</span>
                    </span>
                  }
                />
              ))}
            </RadioGroup>
          </Field>
        )}
      </form>
      {saveError && (
        <MessageBar intent="error" layout="multiline" role="alert" data-testid="save-error">
          <MessageBarBody>
            <MessageBarTitle>The office was not saved</MessageBarTitle>
            {saveError}
          </MessageBarBody>
        </MessageBar>
      )}
    </main>
  );
}

function saveFailureText(err: unknown): string {
  switch (errorCode(err)) {
    case 'FORBIDDEN':
    case 'MICROSOFT_REFUSED':
      return 'Only members of this team can set up its office.';
    case 'MICROSOFT_UNAVAILABLE':
      return 'Microsoft 365 is not answering. Try again in a moment.';
    default:
      return err instanceof Error && !('code' in err) ? `Teams did not accept the tab: ${err.message}` : describeError(err);
  }
}
