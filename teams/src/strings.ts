/**
 * Every user-facing string of the manifest, keyed the way the Teams localization files key them. The manifest is
 * written from the default language; each additional language becomes a localization file at the package root.
 */

/** The activity-feed notifications the server sends with `sendActivityNotification`, in manifest order. */
export const ACTIVITY_TYPES = ['officeInvite', 'wantsToTalk'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/**
 * The template parameters the server must send as `templateParameters` for each activity type. `{actor}` is not among
 * them: Teams fills it with the caller's name (the user's in delegated calls, the app's in application calls).
 */
export const ACTIVITY_TEMPLATE_PARAMETERS: Readonly<Record<ActivityType, readonly string[]>> = {
  officeInvite: ['officeName'],
  wantsToTalk: ['officeName'],
};

export const LOCALIZED_KEYS = [
  'name.short',
  'name.full',
  'description.short',
  'description.full',
  'staticTabs[0].name',
  'activities.activityTypes[0].description',
  'activities.activityTypes[0].templateText',
  'activities.activityTypes[1].description',
  'activities.activityTypes[1].templateText',
] as const;
export type LocalizedKey = (typeof LOCALIZED_KEYS)[number];
export type AppStrings = Readonly<Record<LocalizedKey, string>>;

export const DEFAULT_LANGUAGE = 'en-us';

const EN_US: AppStrings = {
  'name.short': 'MetaOffice',
  'name.full': 'MetaOffice virtual office',
  'description.short': 'A virtual office for your team: walk up to colleagues and talk.',
  'description.full':
    'MetaOffice turns a Teams channel into a 2D virtual office. Each team member has an avatar; walk up to ' +
    'colleagues to start a conversation, which becomes a Teams meeting. Names follow Microsoft 365 presence, ' +
    'invitations and "wants to talk" nudges arrive in the Teams activity feed. MetaOffice never reads your Teams ' +
    'conversations or files, and never records audio or video.',
  'staticTabs[0].name': 'My offices',
  'activities.activityTypes[0].description': 'Invitation to an office',
  'activities.activityTypes[0].templateText': '{actor} invited you to the office {officeName}',
  'activities.activityTypes[1].description': 'A colleague wants to talk',
  'activities.activityTypes[1].templateText': '{actor} wants to talk in {officeName}',
};

const FR_FR: AppStrings = {
  'name.short': 'MetaOffice',
  'name.full': 'MetaOffice, le bureau virtuel',
  'description.short': 'Un bureau virtuel pour votre équipe : rejoignez vos collègues et discutez.',
  'description.full':
    "MetaOffice transforme un canal Teams en bureau virtuel en 2D. Chaque membre de l'équipe a un avatar ; " +
    "approchez-vous d'un collègue pour lancer une conversation, qui devient une réunion Teams. Les noms suivent la " +
    "présence Microsoft 365, et les invitations et demandes de discussion arrivent dans le flux d'activité Teams. " +
    "MetaOffice ne lit jamais vos conversations ni vos fichiers Teams et n'enregistre jamais l'audio ni la vidéo.",
  'staticTabs[0].name': 'Mes bureaux',
  'activities.activityTypes[0].description': 'Invitation dans un bureau',
  'activities.activityTypes[0].templateText': '{actor} vous a invité dans le bureau {officeName}',
  'activities.activityTypes[1].description': 'Un collègue veut vous parler',
  'activities.activityTypes[1].templateText': '{actor} veut vous parler dans {officeName}',
};

/** Strings per language tag; the first is the default language, written into the manifest itself. */
export const APP_STRINGS: Readonly<Record<string, AppStrings>> = {
  [DEFAULT_LANGUAGE]: EN_US,
  'fr-fr': FR_FR,
};

/** The app's names carry the suffix in every language, so a dev package is never mistaken for production. */
export function withNameSuffix(strings: AppStrings, nameSuffix: string | undefined): AppStrings {
  if (!nameSuffix) return strings;
  return {
    ...strings,
    'name.short': `${strings['name.short']} (${nameSuffix})`,
    'name.full': `${strings['name.full']} (${nameSuffix})`,
  };
}

/** The `{name}` placeholders of a template text, in order of appearance. */
export function templatePlaceholders(templateText: string): string[] {
  return [...templateText.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((match) => match[1] as string);
}
