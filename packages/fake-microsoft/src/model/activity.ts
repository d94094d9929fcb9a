import type { Clock } from '../clock.js';
import { GraphError } from '../errors.js';

export interface ActivityNotification {
  topic: { source: string; value: string; webUrl?: string };
  activityType: string;
  previewText: { content: string };
  templateParameters: Array<{ name: string; value: string }>;
}

export interface TenantActivityStats {
  sent: number;
  rejected: number;
  peakPerSecond: number;
}

/** Validates sendActivityNotification bodies and counts what was sent, per tenant and per clock second. */
export class ActivityFeed {
  private readonly stats = new Map<string, TenantActivityStats & { second: number; inSecond: number }>();
  readonly delivered: Array<{ tenantId: string; recipientId: string; notification: ActivityNotification }> = [];

  constructor(private readonly clock: Clock) {}

  static parse(body: unknown): ActivityNotification {
    const input = (body ?? {}) as Record<string, unknown>;
    const topic = input.topic as Record<string, unknown> | undefined;
    if (!topic || (topic.source !== 'entityUrl' && topic.source !== 'text') || typeof topic.value !== 'string' || topic.value === '') {
      throw new GraphError(400, 'BadRequest', "topic is required with source 'entityUrl' or 'text' and a value.");
    }
    if (topic.source === 'text' && (typeof topic.webUrl !== 'string' || topic.webUrl === '')) {
      throw new GraphError(400, 'BadRequest', "topic.webUrl is required when topic.source is 'text'.");
    }
    if (typeof input.activityType !== 'string' || input.activityType === '') throw new GraphError(400, 'BadRequest', 'activityType is required.');
    const previewText = input.previewText as Record<string, unknown> | undefined;
    if (!previewText || typeof previewText.content !== 'string') throw new GraphError(400, 'BadRequest', 'previewText.content is required.');
    if (previewText.content.length > 150) throw new GraphError(400, 'BadRequest', 'previewText.content must be at most 150 characters.');
    const templateParameters = input.templateParameters ?? [];
    if (!Array.isArray(templateParameters) || templateParameters.some((p) => typeof p?.name !== 'string' || typeof p?.value !== 'string')) {
      throw new GraphError(400, 'BadRequest', 'templateParameters must be an array of {name, value} strings.');
    }
    return {
      topic: { source: topic.source, value: topic.value, ...(typeof topic.webUrl === 'string' ? { webUrl: topic.webUrl } : {}) },
      activityType: input.activityType,
      previewText: { content: previewText.content },
      templateParameters: templateParameters as Array<{ name: string; value: string }>,
    };
  }

  /** The user id of an aadUserNotificationRecipient, or a 400. */
  static recipientUserId(body: unknown): string {
    const recipient = ((body ?? {}) as Record<string, unknown>).recipient as Record<string, unknown> | undefined;
    if (!recipient || recipient['@odata.type'] !== 'microsoft.graph.aadUserNotificationRecipient' || typeof recipient.userId !== 'string' || recipient.userId === '') {
      throw new GraphError(400, 'BadRequest', "recipient must be {'@odata.type': 'microsoft.graph.aadUserNotificationRecipient', userId}.");
    }
    return recipient.userId.toLowerCase();
  }

  record(tenantId: string, recipientId: string, notification: ActivityNotification): void {
    const entry = this.entry(tenantId);
    const second = Math.floor(this.clock.now() / 1000);
    if (entry.second !== second) {
      entry.second = second;
      entry.inSecond = 0;
    }
    entry.inSecond += 1;
    entry.sent += 1;
    entry.peakPerSecond = Math.max(entry.peakPerSecond, entry.inSecond);
    this.delivered.push({ tenantId, recipientId, notification });
  }

  reject(tenantId: string): void {
    this.entry(tenantId).rejected += 1;
  }

  byTenant(): Record<string, TenantActivityStats> {
    return Object.fromEntries([...this.stats].map(([tenantId, { sent, rejected, peakPerSecond }]) => [tenantId, { sent, rejected, peakPerSecond }]));
  }

  private entry(tenantId: string): TenantActivityStats & { second: number; inSecond: number } {
    let entry = this.stats.get(tenantId);
    if (!entry) {
      entry = { sent: 0, rejected: 0, peakPerSecond: 0, second: -1, inSecond: 0 };
      this.stats.set(tenantId, entry);
    }
    return entry;
  }
}
