import { ZipFile } from 'yazl';
import { renderColorIcon, renderOutlineIcon } from './icons.js';
import {
  additionalLanguages,
  buildLocalizationFile,
  buildManifest,
  COLOR_ICON_FILE,
  OUTLINE_ICON_FILE,
  type ManifestOptions,
  type TeamsManifest,
} from './manifest.js';
import { checkLocalization, validateManifest } from './validate.js';

/** One file at the root of the app package. */
export interface PackageFile {
  name: string;
  data: Buffer;
}

export interface AppPackage {
  manifest: TeamsManifest;
  files: PackageFile[];
}

/** A package Teams would reject; nothing is written. */
export class InvalidPackageError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the Teams app package is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidPackageError';
  }
}

function json(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
}

/** Builds and validates every file of the package; throws InvalidPackageError instead of returning a bad one. */
export function buildAppPackage(options: ManifestOptions): AppPackage {
  const manifest = buildManifest(options);
  const localizations = additionalLanguages().map(({ languageTag, file }) => ({
    languageTag,
    file,
    strings: buildLocalizationFile(languageTag, options.nameSuffix),
  }));
  const problems = [
    ...validateManifest(manifest),
    ...localizations.flatMap(({ languageTag, strings }) => checkLocalization(manifest, languageTag, strings)),
  ];
  if (problems.length > 0) throw new InvalidPackageError(problems);
  return {
    manifest,
    files: [
      { name: 'manifest.json', data: json(manifest) },
      { name: COLOR_ICON_FILE, data: renderColorIcon() },
      { name: OUTLINE_ICON_FILE, data: renderOutlineIcon() },
      ...localizations.map(({ file, strings }) => ({ name: file, data: json(strings) })),
    ],
  };
}

// A fixed timestamp, built from local-time fields: the DOS timestamp zip stores is local time, so this encodes the
// same bytes in every time zone. The extended (UTC) timestamp is left out for the same reason.
const FIXED_MTIME = new Date(2024, 0, 1, 0, 0, 0);

/** Zips the files at the archive root. The same files always give the same bytes. */
export function zipPackage(files: readonly PackageFile[]): Promise<Buffer> {
  const zip = new ZipFile();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
  for (const file of files) {
    zip.addBuffer(file.data, file.name, { mtime: FIXED_MTIME, mode: 0o100644, forceDosTimestamp: true });
  }
  zip.end();
  return done;
}
