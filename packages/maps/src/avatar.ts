// What a person's avatar is made of: one choice per layer, each an index into the lists below. Browser-safe (no Node
// imports): the server validates and stores specs, the web app draws them (avatar-art.ts) and edits them.

/** One choice per layer. Indexes into AVATAR_PARTS[layer].options. */
export interface AvatarSpec {
  skin: number;
  hair: number;
  hairColour: number;
  outfit: number;
  outfitColour: number;
  eyes: number;
  glasses: number;
  hat: number;
}

export const AVATAR_LAYERS = ['skin', 'hair', 'hairColour', 'outfit', 'outfitColour', 'eyes', 'glasses', 'hat'] as const;
export type AvatarLayer = (typeof AVATAR_LAYERS)[number];

export interface AvatarOption {
  /** What the editor shows and a screen reader reads. */
  name: string;
  /** For colour layers: the swatch colour. */
  colour?: string;
}

/** Every layer's choices, in the order the editor offers them. Appending is safe; reordering changes saved avatars. */
export const AVATAR_PARTS: Readonly<Record<AvatarLayer, { label: string; options: readonly AvatarOption[] }>> = Object.freeze({
  skin: {
    label: 'Skin',
    options: [
      { name: 'Porcelain', colour: '#f7d8c0' },
      { name: 'Light', colour: '#f2c9a0' },
      { name: 'Warm beige', colour: '#e8bd92' },
      { name: 'Golden', colour: '#d9a274' },
      { name: 'Tan', colour: '#c68a5e' },
      { name: 'Bronze', colour: '#b27650' },
      { name: 'Brown', colour: '#8a5634' },
      { name: 'Deep brown', colour: '#5e3a24' },
    ],
  },
  hair: {
    label: 'Hair',
    options: [{ name: 'Short' }, { name: 'Long' }, { name: 'Curly' }, { name: 'Bob' }, { name: 'Bun' }, { name: 'Buzz cut' }, { name: 'Ponytail' }, { name: 'Spiky' }, { name: 'Swept' }],
  },
  hairColour: {
    label: 'Hair colour',
    options: [
      { name: 'Black', colour: '#1e1b22' },
      { name: 'Dark brown', colour: '#3a2418' },
      { name: 'Brown', colour: '#6b4226' },
      { name: 'Auburn', colour: '#c8582a' },
      { name: 'Blond', colour: '#ecc65a' },
      { name: 'Grey', colour: '#d8d8de' },
      { name: 'Violet', colour: '#b05fc4' },
      { name: 'Teal', colour: '#2f9f9a' },
    ],
  },
  outfit: {
    label: 'Outfit',
    options: [{ name: 'T-shirt' }, { name: 'Hoodie' }, { name: 'Shirt and tie' }, { name: 'Sweater' }, { name: 'Jacket' }, { name: 'Dress' }, { name: 'Overalls' }, { name: 'Polo' }],
  },
  outfitColour: {
    label: 'Outfit colour',
    options: [
      { name: 'Blue', colour: '#4a7fd0' },
      { name: 'Red', colour: '#d9534f' },
      { name: 'Yellow', colour: '#e9b23f' },
      { name: 'Green', colour: '#4fa56a' },
      { name: 'Purple', colour: '#8e5bd0' },
      { name: 'Teal', colour: '#2fa3a0' },
      { name: 'Orange', colour: '#f08a4b' },
      { name: 'Charcoal', colour: '#3b3f4a' },
    ],
  },
  eyes: {
    label: 'Eyes',
    options: [{ name: 'Round' }, { name: 'Smiling' }, { name: 'Sleepy' }, { name: 'Wide' }],
  },
  glasses: {
    label: 'Glasses',
    options: [{ name: 'None' }, { name: 'Round' }, { name: 'Square' }, { name: 'Sunglasses' }],
  },
  hat: {
    label: 'Hat',
    options: [{ name: 'None' }, { name: 'Cap' }, { name: 'Beanie' }, { name: 'Bucket hat' }, { name: 'Headphones' }],
  },
});

export const DEFAULT_AVATAR: Readonly<AvatarSpec> = Object.freeze({ skin: 1, hair: 0, hairColour: 2, outfit: 0, outfitColour: 0, eyes: 0, glasses: 0, hat: 0 });

export type AvatarSpecCheck = { ok: true; spec: AvatarSpec } | { ok: false; problems: string[] };

/** Checks an avatar from outside (an HTTP body, the database): every layer present, each a valid choice, nothing else. */
export function parseAvatarSpec(value: unknown): AvatarSpecCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problems: ['an avatar must be an object with one choice per layer'] };
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(v)) if (!(AVATAR_LAYERS as readonly string[]).includes(key)) problems.push(`"${key}" is not an avatar layer; the layers are ${AVATAR_LAYERS.join(', ')}`);
  const spec = {} as AvatarSpec;
  for (const layer of AVATAR_LAYERS) {
    const n = v[layer];
    const count = AVATAR_PARTS[layer].options.length;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= count) problems.push(`"${layer}" must be a whole number from 0 to ${count - 1}, got ${JSON.stringify(n) ?? 'nothing'}`);
    else spec[layer] = n;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, spec };
}

/** A short, stable name for a spec (texture keys, caches): the choices joined with dots. */
export function avatarKey(spec: AvatarSpec): string {
  return AVATAR_LAYERS.map((l) => spec[l]).join('.');
}

/** The avatar of someone who never chose one: picked from their user id, so people look different from the start. */
export function defaultAvatarFor(userId: string): AvatarSpec {
  let h = 2166136261;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 16777619);
  const pick = (layer: AvatarLayer, salt: number) => ((h ^ Math.imul(salt, 2654435761)) >>> 0) % AVATAR_PARTS[layer].options.length;
  return { skin: pick('skin', 1), hair: pick('hair', 2), hairColour: pick('hairColour', 3), outfit: 0, outfitColour: pick('outfitColour', 4), eyes: 0, glasses: 0, hat: 0 };
}
