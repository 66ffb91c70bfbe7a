// The provider's end-user pages: a minimal login form that checks the configured users'
// passwords, and a consent page. Plain HTML forms so a script (devtools/idp.py) can drive them.
import { createHash, timingSafeEqual } from 'node:crypto';

import { errors } from 'oidc-provider';

const MAX_FORM_BYTES = 16 * 1024;

export function escapeHtml(value) {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)} - otel-bi local sign-in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:22rem;margin:3rem auto}input,button{display:block;width:100%;margin:.5rem 0;padding:.5rem}.error{color:#b00}</style>
</head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

function sameSecret(given, expected) {
  // Compare digests so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(String(given)).digest();
  const b = createHash('sha256').update(String(expected)).digest();
  return timingSafeEqual(a, b);
}

/** The configured user with this username and password, or undefined. */
export function authenticate(users, username, password) {
  let found;
  for (const user of users) {
    const nameOk = sameSecret(username, user.username);
    const passwordOk = sameSecret(password, user.password);
    if (nameOk && passwordOk) found = user;
  }
  return found;
}

async function readForm(req) {
  const type = req.headers['content-type'] || '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new errors.InvalidRequest('form must be application/x-www-form-urlencoded');
  }
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new errors.InvalidRequest('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginPage(uid, params, message) {
  const hint = params.login_hint ? ` value="${escapeHtml(params.login_hint)}"` : '';
  const error = message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '';
  return page('Sign in', `${error}
<form id="login" method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
  <label>Username <input required name="username" autofocus${hint}></label>
  <label>Password <input required type="password" name="password"></label>
  <button type="submit">Sign in</button>
</form>
<p><a href="/interaction/${escapeHtml(uid)}/abort">Cancel</a></p>`);
}

function consentPage(uid, client, details) {
  const items = [];
  for (const scope of details.missingOIDCScope || []) items.push(scope);
  for (const [resource, scopes] of Object.entries(details.missingResourceScopes || {})) {
    for (const scope of scopes) items.push(`${scope} (${resource})`);
  }
  const list = items.map((item) => `<li>${escapeHtml(item)}</li>`).join('');
  const name = client?.clientName || client?.clientId || 'the application';
  return page('Authorize', `<p>${escapeHtml(name)} asks for:</p><ul>${list}</ul>
<form id="consent" method="post" action="/interaction/${escapeHtml(uid)}/confirm">
  <input type="hidden" name="decision" value="allow">
  <button type="submit">Allow</button>
</form>
<p><a href="/interaction/${escapeHtml(uid)}/abort">Deny</a></p>`);
}

async function grantConsent(provider, details) {
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const savedId = await grant.save();
  return grantId ? {} : { grantId: savedId };
}

/** Koa middleware serving /interaction/:uid[/login|/confirm|/abort] for `provider`. */
export function interactionRoutes(provider, users) {
  const pattern = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/;
  return async function interactions(ctx, next) {
    const match = pattern.exec(ctx.path);
    if (!match) return next();
    const [, uid, action] = match;
    ctx.set('cache-control', 'no-store');
    try {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
      const promptName = details.prompt.name;
      if (!action && ctx.method === 'GET') {
        ctx.type = 'html';
        if (promptName === 'login') {
          ctx.body = loginPage(uid, details.params);
        } else {
          const client = await provider.Client.find(details.params.client_id);
          ctx.body = consentPage(uid, client, details.prompt.details);
        }
        return undefined;
      }
      if (action === 'abort' && ctx.method === 'GET') {
        const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
        return provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
      }
      if (action === 'login' && ctx.method === 'POST' && promptName === 'login') {
        const form = await readForm(ctx.req);
        const user = authenticate(users, form.get('username') ?? '', form.get('password') ?? '');
        if (!user) {
          ctx.status = 401;
          ctx.type = 'html';
          ctx.body = loginPage(uid, details.params, 'Unknown username or wrong password.');
          return undefined;
        }
        const result = { login: { accountId: user.sub } };
        return provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
      }
      if (action === 'confirm' && ctx.method === 'POST' && promptName === 'consent') {
        await readForm(ctx.req);
        const consent = await grantConsent(provider, details);
        return provider.interactionFinished(ctx.req, ctx.res, { consent }, { mergeWithLastSubmission: true });
      }
      ctx.status = 405;
      ctx.type = 'html';
      ctx.body = page('Not allowed', `<p>${escapeHtml(ctx.method)} is not allowed here.</p>`);
      return undefined;
    } catch (error) {
      if (!(error instanceof errors.OIDCProviderError)) throw error;
      ctx.status = error.status;
      ctx.type = 'html';
      ctx.body = page('Sign-in failed', `<p>${escapeHtml(error.error_description || error.message)}</p>`);
      return undefined;
    }
  };
}
