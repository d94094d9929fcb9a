import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics; rates (messages per second) come from the counters with rate() in Prometheus. */
export class Metrics {
  readonly registry = new Registry();
  readonly connectedUsers = new Gauge({ name: 'metaoffice_connected_users', help: 'People connected to an office on this node', registers: [this.registry] });
  readonly messagesIn = new Counter({ name: 'metaoffice_ws_messages_in_total', help: 'WebSocket frames received', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly messagesOut = new Counter({ name: 'metaoffice_ws_messages_out_total', help: 'WebSocket frames sent', registers: [this.registry] });
  readonly bytesOut = new Counter({ name: 'metaoffice_ws_bytes_out_total', help: 'WebSocket payload bytes sent', registers: [this.registry] });
  readonly rejected = new Counter({ name: 'metaoffice_ws_rejected_total', help: 'Client frames refused, by error code', labelNames: ['code'] as const, registers: [this.registry] });
  readonly tickDuration = new Histogram({
    name: 'metaoffice_tick_duration_seconds',
    help: 'Time one office tick takes (movement fan-out and area of interest)',
    buckets: [0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2],
    registers: [this.registry],
  });

  constructor() {
    // Includes nodejs_eventloop_lag_seconds and process CPU/memory.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }
}
