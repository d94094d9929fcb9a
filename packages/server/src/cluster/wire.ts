/**
 * Messages between nodes arrive as text on Redis channels; they are input like any other. The first step of reading
 * one: JSON that is an object, or nothing.
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
