// Local OpenID Provider (oidc-provider 9.x) for `make up` and the tests; see idp/README.md.
// Usage: node server.mjs [--port N] [--data-dir DIR] [--config FILE]
//   (or IDP_PORT / IDP_DATA_DIR / IDP_CONFIG). Port 0 picks a free port. Listens on 127.0.0.1
//   only; the issuer is http://127.0.0.1:<port>. Prints "otel-bi-idp listening on <issuer>".
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

import { escapeHtml, interactionRoutes, page } from './interactions.mjs';
import { loadOrCreateCookieKeys, loadOrCreateJwks } from './keys.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

function options() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      config: { type: 'string' },
    },
  });
  const configPath = resolve(values.config ?? process.env.IDP_CONFIG ?? join(HERE, 'config.json'));
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  const port = Number(values.port ?? process.env.IDP_PORT ?? config.port ?? 9000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`port must be an integer 0-65535, got ${values.port ?? process.env.IDP_PORT}`);
  }
  const dataDir = resolve(values['data-dir'] ?? process.env.IDP_DATA_DIR ?? join(HERE, '..', 'var', 'idp'));
  return { config, port, dataDir, host: config.host ?? '127.0.0.1' };
}

// Client redirect URIs may end in "/*": any path under that origin and prefix is allowed
// (the SPA's dev server answers on several paths). Everything else is an exact match.
function uriMatches(value, allowed) {
  if (value === allowed) return true;
  if (!allowed.endsWith('/*')) return false;
  const target = URL.parse(value);
  const base = URL.parse(allowed.slice(0, -1));
  if (!target || !base || target.hash) return false;
  return target.origin === base.origin && target.pathname.startsWith(base.pathname);
}

function allowWildcardRedirects(provider) {
  const { prototype } = provider.Client;
  prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return this.redirectUris.some((allowed) => uriMatches(value, allowed));
  };
  prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(value) {
    return (this.postLogoutRedirectUris ?? []).some((allowed) => uriMatches(value, allowed));
  };
}

function buildConfiguration(config, jwks, cookieKeys) {
  const users = new Map(config.users.map((user) => [user.sub, user]));
  const clientResources = new Map(config.clients.map((c) => [c.client_id, c.resources ?? []]));
  const clients = config.clients.map(({ resources, ...metadata }) => metadata);
  const ttl = config.accessTokenTtlSeconds ?? 3600;

  return {
    clients,
    jwks,
    cookies: { keys: cookieKeys },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    scopes: ['openid', 'offline_access'],
    pkce: { required: () => true },
    ttl: {
      AccessToken: ttl,
      AuthorizationCode: 60,
      ClientCredentials: ttl,
      IdToken: 3600,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
      RefreshToken: 24 * 3600,
    },
    async findAccount(_ctx, sub) {
      const user = users.get(sub);
      if (!user) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...user.claims }) };
    },
    clientBasedCORS(_ctx, origin, client) {
      return client.redirectUris.some((uri) => URL.parse(uri.replace(/\*$/, ''))?.origin === origin);
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      const lines = Object.entries(out).map(([k, v]) => `<p><b>${escapeHtml(k)}</b>: ${escapeHtml(v)}</p>`);
      ctx.body = page('Something went wrong', lines.join('\n'));
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // A client that names no resource gets its first registered one (the BI API), so the
        // SPA receives a JWT for the gateway without knowing about resource indicators.
        async defaultResource(ctx, client, oneOf) {
          if (oneOf) return oneOf;
          return clientResources.get(client.clientId)?.[0];
        },
        async useGrantedResource() {
          return true;
        },
        async getResourceServerInfo(_ctx, indicator, client) {
          const resource = config.resources[indicator];
          if (!resource || !clientResources.get(client.clientId)?.includes(indicator)) {
            throw new errors.InvalidTarget();
          }
          return {
            scope: resource.scope,
            audience: resource.audience ?? indicator,
            accessTokenTTL: ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  };
}

async function main() {
  const { config, port, dataDir, host } = options();
  const { jwks, created } = loadOrCreateJwks(dataDir);
  const cookieKeys = loadOrCreateCookieKeys(dataDir);
  if (created) console.log(`otel-bi-idp generated a new RSA signing key in ${dataDir}`);

  // Listen first so that port 0 can be resolved before the issuer URL is fixed.
  const server = createServer();
  await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, done);
  });
  const issuer = `http://${host}:${server.address().port}`;
  const provider = new Provider(issuer, buildConfiguration(config, jwks, cookieKeys));
  allowWildcardRedirects(provider);
  provider.use(interactionRoutes(provider, config.users));
  server.on('request', provider.callback());
  console.log(`otel-bi-idp listening on ${issuer}`);

  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  console.error(`otel-bi-idp failed to start: ${error.message}`);
  process.exit(1);
});
