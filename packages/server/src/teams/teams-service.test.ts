import { GraphConsentError, GraphNotFoundError, GraphUnavailableError } from '@metaoffice/graph';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { GraphTokenError } from './graph-tokens.js';
import { graphProblem, tokenProblem } from './teams-service.js';

describe('Microsoft failures as problems the tab can explain', () => {
  it('maps Graph and token failures to typed codes, never to a 500', () => {
    const cases: [unknown, string, number][] = [
      [new GraphConsentError('TeamMember.Read.All', true, { status: 403 }), 'MICROSOFT_REFUSED', 403],
      [new GraphNotFoundError('Not found', { status: 404 }), 'MICROSOFT_REFUSED', 404],
      [new GraphUnavailableError('server-error', { status: 503 }), 'MICROSOFT_UNAVAILABLE', 503],
      [new Error('socket hang up'), 'MICROSOFT_UNAVAILABLE', 503],
      [new GraphTokenError('consent_required', 'Consent needed'), 'CONSENT_REQUIRED', 403],
      [new GraphTokenError('interaction_required', 'Sign in again'), 'CONSENT_REQUIRED', 403],
      [new GraphTokenError('no_cached_token', 'Open the tab'), 'CONSENT_REQUIRED', 403],
      [new GraphTokenError('refused', 'invalid_client'), 'MICROSOFT_REFUSED', 502],
      [new GraphTokenError('unavailable', 'down'), 'MICROSOFT_UNAVAILABLE', 503],
    ];
    for (const [err, code, status] of cases) {
      const p = err instanceof GraphTokenError ? tokenProblem(err) : graphProblem(err);
      expect(p).toBeInstanceOf(AppError);
      expect([p.code, p.status], String(err)).toEqual([code, status]);
    }
    expect(graphProblem(new AppError('NOT_FOUND', 404, 'x')).code).toBe('NOT_FOUND');
  });
});
