import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics; rates (messages per second) come from the counters with rate() in Prometheus. */
export class Metrics {
  readonly registry = new Registry();
  readonly connectedUsers = new Gauge({ name: 'metaoffice_connected_users', help: 'People connected to an office on this node', registers: [this.registry] });
  readonly messagesIn = new Counter({ name: 'metaoffice_ws_messages_in_total', help: 'WebSocket frames received', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly messagesOut = new Counter({ name: 'metaoffice_ws_messages_out_total', help: 'WebSocket frames sent', registers: [this.registry] });
  readonly bytesOut = new Counter({ name: 'metaoffice_ws_bytes_out_total', help: 'WebSocket payload bytes sent', registers: [this.registry] });
  readonly forwardedConnections = new Gauge({ name: 'metaoffice_forwarded_connections', help: 'Connections this node passes on to the node that owns their office', registers: [this.registry] });
  readonly officesOwned = new Gauge({ name: 'metaoffice_offices_owned', help: 'Offices whose engine runs on this node', registers: [this.registry] });
  readonly officeLeasesLost = new Counter({ name: 'metaoffice_office_leases_lost_total', help: 'Offices this node had to give up because their lease could not be renewed in time', registers: [this.registry] });
  readonly rejected = new Counter({ name: 'metaoffice_ws_rejected_total', help: 'Client frames refused, by error code', labelNames: ['code'] as const, registers: [this.registry] });
  readonly tickDuration = new Histogram({
    name: 'metaoffice_tick_duration_seconds',
    help: 'Time one office tick takes (movement fan-out and area of interest)',
    buckets: [0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2],
    registers: [this.registry],
  });

  // Teams mode.
  readonly teamsRejectedTokens = new Counter({ name: 'metaoffice_teams_rejected_tokens_total', help: 'Teams SSO tokens refused, by reason', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly teamsPresence = new Counter({ name: 'metaoffice_teams_presence_events_total', help: 'Microsoft 365 presence bridge events (notifications applied or refused, subscriptions, polls)', labelNames: ['event'] as const, registers: [this.registry] });
  readonly teamsBot = new Counter({ name: 'metaoffice_teams_bot_activities_total', help: 'Bot Framework activities by outcome: welcomed, ignored, send_failed, service_url_refused, or why the Bot Connector token was refused', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly teamsActivity = new Counter({ name: 'metaoffice_teams_activity_notices_total', help: 'Activity-feed notices by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly graphRequests = new Counter({ name: 'metaoffice_graph_requests_total', help: 'Microsoft Graph requests by limit family and status', labelNames: ['family', 'status'] as const, registers: [this.registry] });
  readonly graphThrottled = new Counter({ name: 'metaoffice_graph_throttled_total', help: 'Graph 429/503/504 answers by limit family', labelNames: ['family', 'status'] as const, registers: [this.registry] });
  readonly graphShed = new Counter({ name: 'metaoffice_graph_shed_total', help: 'Graph requests the limit governor refused to send (over budget)', labelNames: ['family', 'priority'] as const, registers: [this.registry] });
  readonly graphWait = new Histogram({ name: 'metaoffice_graph_budget_wait_seconds', help: 'Time a Graph request waited for its budget', buckets: [0, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30], registers: [this.registry] });
  readonly graphBreakerOpen = new Gauge({ name: 'metaoffice_graph_breaker_open_tenants', help: 'Tenants whose Graph circuit breaker is open', registers: [this.registry] });

  constructor() {
    // Includes nodejs_eventloop_lag_seconds and process CPU/memory.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }
}
