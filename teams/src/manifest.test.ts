import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPackageConfig, DEV_CLIENT_ID, DEV_PUBLIC_URL } from './config.js';
import {
  additionalLanguages,
  buildLocalizationFile,
  buildManifest,
  deriveAppId,
  MANIFEST_VERSION,
  ManifestOptionsError,
  ssoResourceFor,
  validDomainsFor,
  type ManifestOptions,
  type TeamsManifest,
} from './manifest.js';
import { ACTIVITY_TEMPLATE_PARAMETERS, ACTIVITY_TYPES, LOCALIZED_KEYS, templatePlaceholders } from './strings.js';
import {
  checkLocalization,
  checkValidDomains,
  manifestStrings,
  schemaDirectory,
  validateAgainstLocalizationSchema,
  validateAgainstManifestSchema,
  validateManifest,
} from './validate.js';

const CLIENT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const PRODUCTION: ManifestOptions = { publicUrl: 'https://office.example.com', clientId: CLIENT_ID, version: '2.3.4' };

function clone(manifest: TeamsManifest): Record<string, unknown> {
  return JSON.parse(JSON.stringify(manifest)) as Record<string, unknown>;
}

function optionsError(build: () => unknown): ManifestOptionsError {
  try {
    build();
  } catch (error) {
    if (error instanceof ManifestOptionsError) return error;
    throw error;
  }
  throw new Error('expected a ManifestOptionsError');
}

describe('manifest schema version', () => {
  it('is the newest numbered Teams schema that @microsoft/app-manifest ships', () => {
    const shipped = readdirSync(dirname(schemaDirectory()))
      .map((name) => /^v1\.(\d+)$/.exec(name)?.[1])
      .filter((minor): minor is string => minor !== undefined)
      .map(Number);
    expect(shipped.length).toBeGreaterThan(10);
    expect(MANIFEST_VERSION).toBe(`1.${Math.max(...shipped)}`);
  });
});

describe('buildManifest', () => {
  const manifest = buildManifest(PRODUCTION);

  it('validates against the official JSON schema, for production and for a local dev URL', () => {
    expect(validateAgainstManifestSchema(manifest)).toEqual([]);
    expect(validateManifest(manifest)).toEqual([]);
    const dev = buildManifest({ publicUrl: 'http://localhost:8080', clientId: CLIENT_ID, nameSuffix: 'dev' });
    expect(validateManifest(dev)).toEqual([]);
  });

  it('declares the channel tab, the personal tab and the bot on PUBLIC_URL', () => {
    expect(manifest.manifestVersion).toBe(MANIFEST_VERSION);
    expect(manifest.version).toBe('2.3.4');
    expect(manifest.configurableTabs).toEqual([
      {
        configurationUrl: 'https://office.example.com/teams/config',
        canUpdateConfiguration: true,
        scopes: ['team'],
        context: ['channelTab'],
      },
    ]);
    expect(manifest.staticTabs).toEqual([
      expect.objectContaining({
        contentUrl: 'https://office.example.com/teams/personal',
        websiteUrl: 'https://office.example.com/',
        scopes: ['personal'],
      }),
    ]);
    expect(manifest.bots).toEqual([{ botId: CLIENT_ID, scopes: ['team', 'personal'], supportsFiles: false, isNotificationOnly: false }]);
    expect(manifest.developer).toEqual({
      name: 'MetaOffice',
      websiteUrl: 'https://office.example.com/',
      privacyUrl: 'https://office.example.com/privacy',
      termsOfUseUrl: 'https://office.example.com/terms',
    });
  });

  it('declares SSO, media, the permissions and the localization', () => {
    expect(manifest.webApplicationInfo).toEqual({ id: CLIENT_ID, resource: `api://office.example.com/${CLIENT_ID}` });
    expect(manifest.devicePermissions).toEqual(['media']);
    expect(manifest.permissions).toEqual(['identity', 'messageTeamMembers']);
    expect(manifest.validDomains).toEqual(['office.example.com']);
    expect(manifest.localizationInfo).toEqual({
      defaultLanguageTag: 'en-us',
      additionalLanguages: [{ languageTag: 'fr-fr', file: 'fr-fr.json' }],
    });
  });

  it('declares the activity types with the template parameters the server sends', () => {
    const activityTypes = manifest.activities?.activityTypes ?? [];
    expect(activityTypes.map((activity) => activity.type)).toEqual([...ACTIVITY_TYPES]);
    expect(activityTypes.map((activity) => activity.templateText)).toEqual([
      '{actor} invited you to the office {officeName}',
      '{actor} wants to talk in {officeName}',
    ]);
    for (const activity of activityTypes) {
      const parameters = ACTIVITY_TEMPLATE_PARAMETERS[activity.type as (typeof ACTIVITY_TYPES)[number]];
      expect(templatePlaceholders(activity.templateText)).toEqual(['actor', ...parameters]);
    }
  });

  it('keeps a path prefix of PUBLIC_URL in every page URL but not in the domain', () => {
    const prefixed = buildManifest({ ...PRODUCTION, publicUrl: 'https://apps.example.org/metaoffice/' });
    expect(prefixed.configurableTabs?.[0]?.configurationUrl).toBe('https://apps.example.org/metaoffice/teams/config');
    expect(prefixed.staticTabs?.[0]?.contentUrl).toBe('https://apps.example.org/metaoffice/teams/personal');
    expect(prefixed.developer.privacyUrl).toBe('https://apps.example.org/metaoffice/privacy');
    expect(prefixed.validDomains).toEqual(['apps.example.org']);
    expect(validateManifest(prefixed)).toEqual([]);
  });

  it('uses MICROSOFT_BOT_ID and TEAMS_APP_ID when given, and a stable derived app id otherwise', () => {
    const botId = '9a0b7c3e-1d2f-4e5a-8b6c-7d8e9f0a1b2c';
    const appId = '11111111-2222-4333-8444-555555555555';
    const custom = buildManifest({ ...PRODUCTION, botId, appId });
    expect(custom.bots?.[0]?.botId).toBe(botId);
    expect(custom.webApplicationInfo?.id).toBe(CLIENT_ID);
    expect(custom.id).toBe(appId);

    expect(manifest.id).toBe(deriveAppId(CLIENT_ID, undefined));
    expect(buildManifest(PRODUCTION).id).toBe(manifest.id);
    const dev = buildManifest({ ...PRODUCTION, nameSuffix: 'dev' });
    expect(dev.id).not.toBe(manifest.id);
    expect(dev.name.short).toBe('MetaOffice (dev)');
    expect(dev.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('rejects bad options with an error naming the setting', () => {
    expect(optionsError(() => buildManifest({ ...PRODUCTION, clientId: 'app' })).variable).toBe('MICROSOFT_CLIENT_ID');
    expect(optionsError(() => buildManifest({ ...PRODUCTION, botId: 'bot' })).variable).toBe('MICROSOFT_BOT_ID');
    expect(optionsError(() => buildManifest({ ...PRODUCTION, appId: '1234' })).variable).toBe('TEAMS_APP_ID');
    expect(optionsError(() => buildManifest({ ...PRODUCTION, version: '1.0.0-beta.1' })).variable).toBe('version');
    expect(optionsError(() => buildManifest({ ...PRODUCTION, publicUrl: 'office.example.com' })).variable).toBe('PUBLIC_URL');
    const longSuffix = optionsError(() => buildManifest({ ...PRODUCTION, nameSuffix: 'integration testing' }));
    expect(longSuffix.variable).toBe('TEAMS_APP_NAME_SUFFIX');
  });
});

describe('schema validation can fail', () => {
  const manifest = buildManifest(PRODUCTION);

  it('rejects a manifest without an id', () => {
    const broken = clone(manifest);
    delete broken.id;
    const problems = validateAgainstManifestSchema(broken);
    expect(problems.some((problem) => problem.includes('id'))).toBe(true);
    expect(validateManifest(broken)).not.toEqual([]);
  });

  it('rejects a non-GUID id, an unknown property and a bad accent colour', () => {
    expect(validateAgainstManifestSchema({ ...clone(manifest), id: 'metaoffice' })).not.toEqual([]);
    expect(validateAgainstManifestSchema({ ...clone(manifest), tabs: [] })).not.toEqual([]);
    expect(validateAgainstManifestSchema({ ...clone(manifest), accentColor: 'purple' })).not.toEqual([]);
  });

  it('rejects invalid validDomains entries and pages outside them', () => {
    const withDomains = (validDomains: string[]): string[] => validateManifest({ ...clone(manifest), validDomains });
    expect(withDomains(['https://office.example.com'])).not.toEqual([]);
    expect(withDomains(['office.example.com/teams'])).not.toEqual([]);
    expect(withDomains(['*'])).not.toEqual([]);
    expect(withDomains(['*.com'])).not.toEqual([]);
    expect(withDomains(['other.example.com'])).toEqual([
      'https://office.example.com/teams/config is outside validDomains',
      'https://office.example.com/teams/personal is outside validDomains',
      'https://office.example.com/ is outside validDomains',
    ]);
    expect(withDomains(['*.example.com'])).toEqual([]);
  });
});

describe('validDomains', () => {
  it('is the PUBLIC_URL host: no scheme, no path, the port kept, lower-cased', () => {
    expect(validDomainsFor('https://office.example.com')).toEqual(['office.example.com']);
    expect(validDomainsFor('https://office.example.com/')).toEqual(['office.example.com']);
    expect(validDomainsFor('https://Office.Example.COM/metaoffice/app')).toEqual(['office.example.com']);
    expect(validDomainsFor('https://office.example.com:8443/x')).toEqual(['office.example.com:8443']);
    expect(validDomainsFor('https://office.example.com:443')).toEqual(['office.example.com']);
    expect(validDomainsFor('http://localhost:8080')).toEqual(['localhost:8080']);
    expect(validDomainsFor('https://xn--bro-hoa.example')).toEqual(['xn--bro-hoa.example']);
    expect(validDomainsFor('https://büro.example')).toEqual(['xn--bro-hoa.example']);
  });

  it('gives hosts that pass the domain rules', () => {
    for (const url of ['https://office.example.com', 'https://a.b.example.co.uk:9443/p', 'http://127.0.0.1:3000']) {
      expect(checkValidDomains(validDomainsFor(url))).toEqual([]);
    }
  });

  it('refuses PUBLIC_URLs Teams cannot load', () => {
    for (const url of ['http://office.example.com', 'ftp://office.example.com', 'office.example.com', 'https://office.example.com/?a=1', 'https://user:pw@office.example.com']) {
      expect(optionsError(() => validDomainsFor(url)).variable).toBe('PUBLIC_URL');
    }
  });

  it('rejects wildcards over shared hosting and anything that is not a host', () => {
    expect(checkValidDomains(['*.azurewebsites.net', '*.ngrok-free.app', 'office.example.com:https', 'Office.example.com', '*.*.example.com', 'a b.example.com'])).toHaveLength(6);
    expect(checkValidDomains(['metaoffice.azurewebsites.net', '*.metaoffice.example.com', 'localhost:8080'])).toEqual([]);
  });

  it('puts the host in the SSO resource', () => {
    expect(ssoResourceFor('https://office.example.com/app', CLIENT_ID)).toBe(`api://office.example.com/${CLIENT_ID}`);
  });
});

describe('localization files', () => {
  const manifest = buildManifest(PRODUCTION);

  it('ship at least one additional language', () => {
    expect(additionalLanguages().map((language) => language.languageTag)).toContain('fr-fr');
  });

  it('validate against the localization schema and translate exactly the strings of the manifest', () => {
    const expectedKeys = Object.keys(manifestStrings(manifest)).sort();
    expect(expectedKeys).toEqual([...LOCALIZED_KEYS].sort());
    for (const { languageTag } of additionalLanguages()) {
      const file = buildLocalizationFile(languageTag);
      expect(validateAgainstLocalizationSchema(file)).toEqual([]);
      expect(checkLocalization(manifest, languageTag, file)).toEqual([]);
      expect(Object.keys(file).filter((key) => key !== '$schema').sort()).toEqual(expectedKeys);
      for (const key of expectedKeys) {
        expect(file[key]?.trim(), `${languageTag} ${key}`).toBeTruthy();
        if (!key.startsWith('name.')) expect(file[key], `${languageTag} ${key} is translated`).not.toBe(manifestStrings(manifest)[key]);
      }
    }
  });

  it('carry the name suffix of a dev package', () => {
    const dev = buildManifest({ ...PRODUCTION, nameSuffix: 'dev' });
    const file = buildLocalizationFile('fr-fr', 'dev');
    expect(file['name.short']).toBe('MetaOffice (dev)');
    expect(checkLocalization(dev, 'fr-fr', file)).toEqual([]);
  });

  it('fail the checks when a string is missing, extra, too long or loses a placeholder', () => {
    const file = buildLocalizationFile('fr-fr');
    const { ['staticTabs[0].name']: _dropped, ...missing } = file;
    expect(checkLocalization(manifest, 'fr-fr', missing)).toEqual(['fr-fr: missing "staticTabs[0].name"']);
    expect(checkLocalization(manifest, 'fr-fr', { ...file, 'staticTabs[1].name': 'Autre' })).toEqual([
      'fr-fr: "staticTabs[1].name" matches no string of the manifest',
    ]);
    expect(validateAgainstLocalizationSchema({ ...file, 'name.short': 'x'.repeat(31) })).not.toEqual([]);
    expect(validateAgainstLocalizationSchema({ ...file, 'description.full': undefined })).not.toEqual([]);
    expect(validateAgainstLocalizationSchema({ ...file, 'bots[0].unknown': 'x' })).not.toEqual([]);
    const lostPlaceholder = { ...file, 'activities.activityTypes[1].templateText': '{actor} veut vous parler dans {bureau}' };
    expect(checkLocalization(manifest, 'fr-fr', lostPlaceholder)).toEqual([
      'fr-fr: "activities.activityTypes[1].templateText" has placeholders {actor,bureau}, the manifest has {actor,officeName}',
    ]);
  });
});

describe('readPackageConfig', () => {
  const PROD_ENV = { PUBLIC_URL: 'https://office.example.com', MICROSOFT_CLIENT_ID: CLIENT_ID };

  it('reads the variables into manifest options', () => {
    const config = readPackageConfig({ ...PROD_ENV, MICROSOFT_BOT_ID: ' ', TEAMS_APP_NAME_SUFFIX: 'test' }, ['--out', 'x.zip'], '1.2.3');
    expect(config.options).toEqual({
      publicUrl: 'https://office.example.com',
      clientId: CLIENT_ID,
      botId: undefined,
      appId: undefined,
      version: '1.2.3',
      nameSuffix: 'test',
    });
    expect(config.out).toBe('x.zip');
    expect(config.notices).toEqual([]);
  });

  it('names the missing variable unless --dev is given', () => {
    expect(optionsError(() => readPackageConfig({ MICROSOFT_CLIENT_ID: CLIENT_ID }, [], '1.0.0')).variable).toBe('PUBLIC_URL');
    expect(optionsError(() => readPackageConfig({ PUBLIC_URL: 'https://office.example.com' }, [], '1.0.0')).variable).toBe(
      'MICROSOFT_CLIENT_ID',
    );
    const dev = readPackageConfig({}, ['--dev'], '1.0.0');
    expect(dev.options).toMatchObject({ publicUrl: DEV_PUBLIC_URL, clientId: DEV_CLIENT_ID, nameSuffix: 'dev' });
    expect(dev.notices.join('\n')).toMatch(/PUBLIC_URL is not set[\s\S]*https[\s\S]*MICROSOFT_CLIENT_ID is not set/);
  });

  it('still rejects a value that is set but invalid under --dev, and unknown options', () => {
    expect(optionsError(() => readPackageConfig({ PUBLIC_URL: 'http://office.example.com' }, ['--dev'], '1.0.0')).variable).toBe(
      'PUBLIC_URL',
    );
    expect(optionsError(() => readPackageConfig(PROD_ENV, ['--prod'], '1.0.0')).variable).toBe('--prod');
    expect(optionsError(() => readPackageConfig(PROD_ENV, ['--out'], '1.0.0')).variable).toBe('--out');
  });
});
