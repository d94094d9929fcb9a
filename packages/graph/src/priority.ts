/**
 * Who is waiting for a request: `interactive` (a person is looking at a spinner), `normal` (server work with a
 * deadline), `background` (polling, prefetch: shed first when the budget runs short).
 */
export type GraphPriority = 'interactive' | 'normal' | 'background';

export const GRAPH_PRIORITIES: readonly GraphPriority[] = ['interactive', 'normal', 'background'];
