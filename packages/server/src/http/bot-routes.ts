import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Problem } from '@metaoffice/protocol';
import type { MicrosoftConfig } from '../config.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { BotActivity, BotConnector, BotConnectorError, BotTokenError, BotTokenValidator, ServiceUrlRefused, TeamsBot, type BotCaller } from '../teams/bot.js';

export interface BotRouteDeps {
  microsoft: MicrosoftConfig;
  publicUrl: string;
  metrics: Metrics;
  /** Replaceable in tests; built from the configuration otherwise. */
  validator?: BotTokenValidator;
  bot?: TeamsBot;
}

/**
 * The bot's messaging endpoint (Teams mode only), called by the Bot Connector service, never by a browser: no session
 * cookie, the Bot Framework's JWT instead. Checked before the body is even read; the activity must then match it.
 */
export function registerBotRoutes(http: FastifyInstance, d: BotRouteDeps): void {
  const { microsoft } = d;
  const validator = d.validator ?? new BotTokenValidator({ openIdMetadataUrl: microsoft.botOpenIdMetadataUrl, botId: microsoft.botId });
  const bot = d.bot ?? new TeamsBot({
    publicUrl: d.publicUrl,
    serviceUrlHosts: microsoft.botServiceUrlHosts,
    connector: new BotConnector({ botId: microsoft.botId, botSecret: microsoft.botSecret, authorityHost: microsoft.authorityHost, tenant: microsoft.botTenant }),
  });
  const callers = new WeakMap<FastifyRequest, BotCaller>();
  const refuse = (err: BotTokenError): AppError => {
    d.metrics.teamsBot.inc({ outcome: err.reason });
    if (err.reason === 'keys_unavailable') return new AppError('MICROSOFT_UNAVAILABLE', 503, err.message);
    return new AppError('UNAUTHENTICATED', 401, err.message);
  };

  http.post('/api/teams/bot/messages', {
    onRequest: async (req) => {
      try {
        callers.set(req, await validator.validate(req.headers.authorization));
      } catch (err) {
        if (err instanceof BotTokenError) throw refuse(err);
        throw err;
      }
    },
    schema: {
      tags: ['teams'],
      description: 'The bot\'s messaging endpoint, for the Bot Connector service: a Bot Framework activity with the Bot Framework\'s token. Welcomes a team that installs the app with an adaptive card; other activities are acknowledged.',
      body: BotActivity,
      response: { 200: Type.Null(), 400: Problem, 401: Problem, 403: Problem, 413: Problem, 415: Problem, 502: Problem, 503: Problem },
    },
  }, async (req, reply) => {
    const activity = req.body as BotActivity;
    try {
      validator.checkActivity(callers.get(req)!, activity);
    } catch (err) {
      if (err instanceof BotTokenError) throw refuse(err);
      throw err;
    }
    try {
      const outcome = await bot.onActivity(activity);
      d.metrics.teamsBot.inc({ outcome });
    } catch (err) {
      if (err instanceof ServiceUrlRefused) {
        d.metrics.teamsBot.inc({ outcome: 'service_url_refused' });
        req.log.warn({ serviceHost: hostOf(activity.serviceUrl) }, 'bot activity names a serviceUrl outside the allowed hosts');
        throw new AppError('FORBIDDEN', 403, err.message);
      }
      if (err instanceof BotConnectorError) {
        d.metrics.teamsBot.inc({ outcome: 'send_failed' });
        req.log.warn({ err }, 'the bot could not send its welcome card');
        throw new AppError('MICROSOFT_UNAVAILABLE', 502, 'The welcome card could not be sent through the Bot Connector.');
      }
      throw err;
    }
    return reply.status(200).send();
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}
