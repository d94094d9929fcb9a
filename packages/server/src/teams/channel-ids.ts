import { createHash } from 'node:crypto';
import type { SecretBox } from '../secrets/secret-box.js';

/**
 * DESIGN §5: a Teams channel's id and name are taken from the Teams context and never stored.
 *
 * - A channel tab is found again by a digest of (tenant, channel id), which the tab's Teams context gives on every
 *   visit. The digest is SHA-256 (channel ids carry 128 random bits, so it cannot be turned back into the id), and it
 *   can be computed without the secrets key, so the database migration that replaced stored ids could compute it too.
 * - Links into Teams (a tab's deep link, the activity feed's "open") need the id itself. It is kept only sealed with
 *   the secrets key (AES-256-GCM, bound to its digest so it cannot be moved onto another tab), never in clear.
 */
export function channelDigest(tenantId: string, channelId: string): string {
  return createHash('sha256').update(`metaoffice.teams-channel.v1\u0000${tenantId}\u0000${channelId}`).digest('base64url');
}

export class ChannelSeal {
  constructor(private readonly box: SecretBox) {}

  seal(digest: string, channelId: string): string {
    return this.box.seal(channelId, `teams-channel:${digest}`);
  }

  /** The channel id, or undefined when the tab predates sealing (or was sealed with another key). */
  open(digest: string, sealed: string | null): string | undefined {
    if (!sealed) return undefined;
    try {
      return this.box.open(sealed, `teams-channel:${digest}`);
    } catch {
      return undefined;
    }
  }
}
