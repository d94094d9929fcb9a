import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { MANIFEST_VERSION, type TeamsManifest } from './manifest.js';
import { templatePlaceholders } from './strings.js';

/** Where @microsoft/app-manifest keeps the official schemas for the manifest version we write. */
export function schemaDirectory(): string {
  const packageJson = createRequire(import.meta.url).resolve('@microsoft/app-manifest/package.json');
  return join(dirname(packageJson), 'build', 'json-schemas', 'teams', `v${MANIFEST_VERSION}`);
}

function loadSchema(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(schemaDirectory(), file), 'utf8')) as Record<string, unknown>;
}

/**
 * The official schemas are draft-04. Options follow the package's own validator (all errors, no strict type checks),
 * plus `unicodeRegExp: false`: the localization schema's activity-type patterns contain an unescaped `]`, which the
 * `u` flag rejects, while browsers and .NET (where Teams validates) accept it.
 */
function compile(file: string): ValidateFunction {
  const ajv = new AjvDraft04.default({ allErrors: true, strictTypes: false, unicodeRegExp: false, logger: false });
  ajvFormats.default(ajv, ['uri', 'email', 'regex']);
  return ajv.compile(loadSchema(file));
}

let manifestValidator: ValidateFunction | undefined;
let localizationValidator: ValidateFunction | undefined;

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'} ${JSON.stringify(error.params)}`);
}

/** Problems the official manifest schema finds; empty when the manifest is valid. */
export function validateAgainstManifestSchema(manifest: unknown): string[] {
  manifestValidator ??= compile('MicrosoftTeams.schema.json');
  return manifestValidator(manifest) ? [] : describe(manifestValidator.errors);
}

/** Problems the official localization schema finds in one language file; empty when it is valid. */
export function validateAgainstLocalizationSchema(file: unknown): string[] {
  localizationValidator ??= compile('MicrosoftTeams.Localization.schema.json');
  return localizationValidator(file) ? [] : describe(localizationValidator.errors);
}

// Wildcards over these would trust every tenant of a shared host, not just this deployment.
const SHARED_HOSTING_SUFFIXES = [
  'azurewebsites.net',
  'azurestaticapps.net',
  'cloudapp.azure.com',
  'cloudapp.net',
  'devtunnels.ms',
  'github.io',
  'herokuapp.com',
  'ngrok-free.app',
  'ngrok.app',
  'ngrok.io',
  'onmicrosoft.com',
  'sharepoint.com',
];
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The schema only caps validDomains' length; Teams also wants bare host names (no scheme, path or query), and a
 * wildcard is only acceptable as the left-most label of a domain that is ours alone.
 */
export function checkValidDomains(domains: readonly string[]): string[] {
  const problems: string[] = [];
  for (const domain of domains) {
    const [host = '', port, ...extra] = domain.split(':');
    const labels = host.split('.');
    const wildcard = labels[0] === '*';
    const concrete = wildcard ? labels.slice(1) : labels;
    if (extra.length > 0 || (port !== undefined && !/^[0-9]{1,5}$/.test(port)) || domain !== domain.toLowerCase()) {
      problems.push(`validDomains: "${domain}" must be a lower-case host name, optionally with a port, and nothing else`);
    } else if (!concrete.every((label) => HOST_LABEL.test(label))) {
      problems.push(`validDomains: "${domain}" is not a host name (no scheme, path, or wildcard other than a leading "*.")`);
    } else if (wildcard && (concrete.length < 2 || SHARED_HOSTING_SUFFIXES.includes(concrete.join('.')))) {
      problems.push(`validDomains: "${domain}" is too wide a wildcard; list this deployment's host instead`);
    }
  }
  return problems;
}

function coveredBy(domains: readonly string[], url: string): boolean {
  const host = new URL(url).host;
  return domains.some((domain) => domain === host || (domain.startsWith('*.') && host.endsWith(domain.slice(1))));
}

/** Every page Teams loads must come from a valid domain, or Teams refuses to show it. */
function checkUrlsCovered(manifest: TeamsManifest): string[] {
  const domains = manifest.validDomains ?? [];
  const urls = [
    ...(manifest.configurableTabs ?? []).map((tab) => tab.configurationUrl),
    ...(manifest.staticTabs ?? []).flatMap((tab) => [tab.contentUrl, tab.websiteUrl]),
  ].filter((url): url is string => url !== undefined);
  return urls.filter((url) => !coveredBy(domains, url)).map((url) => `${url} is outside validDomains`);
}

/**
 * The strings of a manifest that the localization files translate, keyed as those files key them. Only the fields
 * this app uses are read; a manifest with other localizable fields would need them added here.
 */
export function manifestStrings(manifest: TeamsManifest): Record<string, string> {
  const strings: Record<string, string> = {
    'name.short': manifest.name.short,
    'description.short': manifest.description.short,
    'description.full': manifest.description.full,
  };
  if (manifest.name.full !== undefined) strings['name.full'] = manifest.name.full;
  (manifest.staticTabs ?? []).forEach((tab, index) => {
    if (tab.name !== undefined) strings[`staticTabs[${index}].name`] = tab.name;
  });
  (manifest.activities?.activityTypes ?? []).forEach((activity, index) => {
    strings[`activities.activityTypes[${index}].description`] = activity.description;
    strings[`activities.activityTypes[${index}].templateText`] = activity.templateText;
  });
  return strings;
}

/**
 * Each language file must translate every string of the manifest (Teams would otherwise mix languages), and keep the
 * template placeholders, which the server fills by name.
 */
export function checkLocalization(manifest: TeamsManifest, languageTag: string, file: Record<string, unknown>): string[] {
  const problems = validateAgainstLocalizationSchema(file).map((problem) => `${languageTag}: ${problem}`);
  const expected = manifestStrings(manifest);
  const translated = Object.keys(file).filter((key) => key !== '$schema');
  for (const key of Object.keys(expected)) {
    if (typeof file[key] !== 'string') problems.push(`${languageTag}: missing "${key}"`);
  }
  for (const key of translated) {
    if (!(key in expected)) problems.push(`${languageTag}: "${key}" matches no string of the manifest`);
  }
  for (const key of Object.keys(expected).filter((key) => key.endsWith('.templateText'))) {
    const want = templatePlaceholders(expected[key] as string).sort().join(',');
    const got = typeof file[key] === 'string' ? templatePlaceholders(file[key]).sort().join(',') : '';
    if (want !== got) problems.push(`${languageTag}: "${key}" has placeholders {${got}}, the manifest has {${want}}`);
  }
  const schemaUrl = file.$schema;
  if (typeof schemaUrl !== 'string' || !schemaUrl.includes(`/v${MANIFEST_VERSION}/`)) {
    problems.push(`${languageTag}: $schema must name manifest version ${MANIFEST_VERSION}, as the manifest does`);
  }
  return problems;
}

/** Everything wrong with a manifest: the official schema first, then the rules the schema cannot express. */
export function validateManifest(manifest: unknown): string[] {
  const schemaProblems = validateAgainstManifestSchema(manifest);
  if (schemaProblems.length > 0) return schemaProblems;
  const valid = manifest as TeamsManifest;
  return [...checkValidDomains(valid.validDomains ?? []), ...checkUrlsCovered(valid)];
}
