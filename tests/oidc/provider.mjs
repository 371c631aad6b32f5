// Loopback OpenID Connect provider for the test-suite, imitating the
// Keycloak realm that production uses (issuer /realms/<realm>, Keycloak-style
// endpoint paths, group / person_id claim mappers, JWT access tokens for the
// API). Built on the OpenID Certified `oidc-provider` package.
//
//   node tests/oidc/provider.mjs CONFIG.json
//
// CONFIG.json is described in README.md beside this file. When listening it
// prints one line `READY <issuer>` to stdout. SIGTERM / SIGINT stop it.
//
// FOR TESTS ONLY: in-memory storage, ephemeral signing key, plain HTTP.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';

import Provider, { errors } from 'oidc-provider';

// ---------------------------------------------------------------- config ---

const configPath = process.argv[2];
if (!configPath) {
  process.stderr.write('usage: node provider.mjs CONFIG.json\n');
  process.exit(2);
}
const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));

const host = '127.0.0.1';
const requestedPort = Number(config.port ?? 0);
const realm = config.realm ?? 'proximeter';
const apiAudience = config.api_audience ?? 'proximeter-api';
const apiResource = config.api_resource ?? 'urn:proximeter:api';
const accessTokenTTL = Number(config.access_token_ttl ?? 300);
// Scopes the API resource server knows. A JWT access token's `scope` claim is
// the intersection of these with the requested scopes; when that is empty it
// is DEFAULT_TOKEN_SCOPE (Keycloak's default client scopes), so `scope` is
// always present.
const apiScopes = config.api_scopes ?? 'openid profile email';
const DEFAULT_TOKEN_SCOPE = config.default_token_scope ?? 'profile email';

if (!Number.isSafeInteger(accessTokenTTL) || accessTokenTTL <= 0) {
  throw new TypeError('access_token_ttl must be a positive integer (seconds)');
}

const accounts = (config.accounts ?? []).map((a) => ({ ...a }));
for (const a of accounts) {
  if (!a.sub || !a.login) throw new TypeError('every account needs "sub" and "login"');
}
const accountsBySub = new Map(accounts.map((a) => [a.sub, a]));
const accountsByLogin = new Map(accounts.map((a) => [a.login, a]));

// Claims every token / userinfo response carries for scope `openid` alone
// (imitates Keycloak's protocol mappers).
const USER_CLAIMS = [
  'sub', 'preferred_username', 'email', 'email_verified', 'name',
  'given_name', 'family_name', 'groups', 'person_id',
];

function accountClaims(a) {
  const out = {
    sub: a.sub,
    preferred_username: a.preferred_username ?? a.login,
    email: a.email,
    email_verified: a.email_verified ?? (a.email ? true : undefined),
    name: a.name ?? ([a.given_name, a.family_name].filter(Boolean).join(' ') || undefined),
    given_name: a.given_name,
    family_name: a.family_name,
    groups: [...(a.groups ?? [])],
    person_id: a.person_id,
  };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

// Clients: pass standard metadata through, keep our own `groups` aside.
const clientGroups = new Map();
const clients = (config.clients ?? []).map((c) => {
  const { groups, ...meta } = c;
  clientGroups.set(meta.client_id, [...(groups ?? [])]);
  const grantTypes = meta.grant_types ?? ['authorization_code'];
  const interactive = grantTypes.includes('authorization_code');
  return {
    token_endpoint_auth_method: 'client_secret_basic', // _post is accepted too
    ...meta,
    grant_types: grantTypes,
    response_types: meta.response_types ?? (interactive ? ['code'] : []),
    redirect_uris: meta.redirect_uris ?? [],
  };
});

// ---------------------------------------------------------- signing keys ---

function makeSigningJwk() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    ...jwk, kid: crypto.randomBytes(12).toString('base64url'), alg: 'RS256', use: 'sig',
  };
}

// ------------------------------------------------------------------ html ---

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (ch) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[ch]));

// No external resources (fonts, CSS, scripts): the sandbox has no network
// and a browser test must not wait for them.
function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:sans-serif;background:#f0f0f0;margin:40px}
.container{max-width:360px;margin:0 auto;background:#fff;padding:24px 32px;box-shadow:0 2px 4px rgba(0,0,0,.2)}
h1{font-size:1.4em;font-weight:normal}
label{display:block;margin-top:12px}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:6px;margin-top:4px}
button{margin-top:16px;padding:8px 16px;font-size:1em}
.alert-error{color:#a00;border:1px solid #a00;padding:8px;margin:12px 0}
.realm{color:#666;font-size:.9em}
</style>
</head>
<body>
<div class="container">
<div class="realm" id="kc-header">${esc(realm)}</div>
${body}
</div>
</body>
</html>`;
}

function loginPage({ action, abortUrl, clientId, username, error }) {
  return page(`Sign in to ${realm}`, `<h1 id="kc-page-title">Sign in to your account</h1>
<p class="client">Application: <span id="client-id">${esc(clientId)}</span></p>
${error ? `<div class="alert-error" id="input-error" role="alert">${esc(error)}</div>` : ''}
<form id="kc-form-login" action="${esc(action)}" method="post" autocomplete="off">
  <label for="username">Username</label>
  <input type="text" id="username" name="username" value="${esc(username)}" autofocus required>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" required>
  <button type="submit" id="kc-login" name="login" value="Sign In">Sign In</button>
</form>
<p><a id="kc-cancel" href="${esc(abortUrl)}">Cancel</a></p>`);
}

// ---------------------------------------------------------------- server ---

const server = http.createServer();
server.listen(requestedPort, host, async () => {
  const { port } = server.address();
  const prefix = `/realms/${realm}`;
  const issuer = `http://${host}:${port}${prefix}`;
  const provider = buildProvider(issuer, prefix);
  const callback = provider.callback();

  // oidc-provider validates static client metadata lazily (on first use):
  // load every client now so a bad configuration fails at startup.
  try {
    for (const { client_id: clientId } of clients) {
      if (!await provider.Client.find(clientId)) throw new Error(`client ${clientId} not loadable`);
    }
  } catch (err) {
    process.stderr.write(`invalid client configuration: ${err?.error_description ?? ''} ${err?.stack ?? err}\n`);
    process.exit(1);
  }

  server.on('request', (req, res) => {
    handle(provider, callback, prefix, req, res).catch((err) => {
      process.stderr.write(`request error: ${err?.stack ?? err}\n`);
      if (!res.headersSent) {
        res.statusCode = err instanceof errors.SessionNotFound ? 400 : 500;
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(page('Error', `<h1>Error</h1><p id="error">${esc(err?.error_description ?? err?.message ?? err)}</p>`));
      } else {
        res.end();
      }
    });
  });

  process.stdout.write(`READY ${issuer}\n`);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// With "exit_on_stdin_close": true the parent keeps a pipe on our stdin; when
// the parent dies (even by SIGKILL) the pipe closes and we stop too.
if (config.exit_on_stdin_close) {
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 64 * 1024) {
        reject(new Error('request body too large'));
        req.destroy();
      } else {
        chunks.push(c);
      }
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function sendHtml(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}

async function grantEverything(provider, ctxLike) {
  // ctxLike: { accountId, clientId, grant?, oidcScopes, claims, resourceScopes: Map }
  const grant = ctxLike.grant ?? new provider.Grant({
    accountId: ctxLike.accountId, clientId: ctxLike.clientId,
  });
  grant.addOIDCScope(['openid', ...ctxLike.oidcScopes].join(' '));
  grant.addOIDCClaims([...USER_CLAIMS, ...ctxLike.claims]);
  for (const [indicator, scope] of ctxLike.resourceScopes) {
    if (scope) grant.addResourceScope(indicator, scope);
  }
  await grant.save();
  return grant;
}

async function handle(provider, callback, prefix, req, res) {
  const url = new URL(req.url, 'http://localhost');
  const { pathname } = url;

  if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) {
    sendHtml(res, 404, page('Not found', '<h1>Not found</h1>'));
    return;
  }

  // ---- our own interactions (login form with password check, auto-consent)
  const m = pathname.slice(prefix.length).match(/^\/interaction\/([^/]+)(\/login|\/abort)?$/);
  if (m) {
    const [, uid, action] = m;
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
    const base = `${prefix}/interaction/${encodeURIComponent(uid)}`;

    if (action === '/abort') {
      await provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: 'End-User aborted interaction',
      }, { mergeWithLastSubmission: false });
      return;
    }

    if (details.prompt.name === 'consent') {
      // Auto-consent: grant everything asked for and go straight back.
      const { params, session, grantId } = details;
      const grant = await grantEverything(provider, {
        grant: grantId ? await provider.Grant.find(grantId) : undefined,
        accountId: session.accountId,
        clientId: params.client_id,
        oidcScopes: details.prompt.details.missingOIDCScope ?? [],
        claims: details.prompt.details.missingOIDCClaims ?? [],
        resourceScopes: new Map(Object.entries(details.prompt.details.missingResourceScopes ?? {})
          .map(([k, v]) => [k, v.join(' ')])),
      });
      await provider.interactionFinished(req, res, { consent: { grantId: grant.jti } }, {
        mergeWithLastSubmission: true,
      });
      return;
    }

    if (details.prompt.name !== 'login') {
      sendHtml(res, 501, page('Not implemented', `<h1>Prompt ${esc(details.prompt.name)} not implemented</h1>`));
      return;
    }

    const view = {
      action: `${base}/login`,
      abortUrl: `${base}/abort`,
      clientId: details.params.client_id,
      username: details.params.login_hint ?? '',
    };

    if (req.method === 'GET' && !action) {
      sendHtml(res, 200, loginPage(view));
      return;
    }
    if (req.method === 'POST' && action === '/login') {
      const form = await readForm(req);
      const username = form.get('username') ?? form.get('login') ?? '';
      const password = form.get('password') ?? '';
      const account = accountsByLogin.get(username);
      if (!account || account.password === undefined || account.password !== password) {
        sendHtml(res, 200, loginPage({ ...view, username, error: 'Invalid username or password.' }));
        return;
      }
      await provider.interactionFinished(req, res, {
        login: { accountId: account.sub, amr: ['pwd'] },
      }, { mergeWithLastSubmission: false });
      return;
    }
    sendHtml(res, 405, page('Method not allowed', '<h1>Method not allowed</h1>'));
    return;
  }

  // ---- everything else: oidc-provider, mounted under the realm prefix the
  // way express/connect mounting does it (strip the prefix from req.url,
  // keep the full one in req.originalUrl; oidc-provider derives its mount
  // path from the difference).
  req.originalUrl = req.url;
  req.url = req.url.slice(prefix.length) || '/';
  if (!req.url.startsWith('/')) req.url = `/${req.url}`;
  callback(req, res);
}

function buildProvider(issuer, prefix) {
  const configuration = {
    clients,
    jwks: { keys: [makeSigningJwk()] },
    cookies: {
      keys: [crypto.randomBytes(32).toString('base64url')],
    },
    routes: {
      authorization: '/protocol/openid-connect/auth',
      token: '/protocol/openid-connect/token',
      userinfo: '/protocol/openid-connect/userinfo',
      jwks: '/protocol/openid-connect/certs',
      end_session: '/protocol/openid-connect/logout',
      introspection: '/protocol/openid-connect/token/introspect',
      revocation: '/protocol/openid-connect/revoke',
      pushed_authorization_request: '/protocol/openid-connect/ext/par/request',
      device_authorization: '/protocol/openid-connect/auth/device',
      code_verification: '/device',
      backchannel_authentication: '/protocol/openid-connect/ext/ciba/auth',
      registration: '/clients-registrations/openid-connect',
      challenge: '/protocol/openid-connect/challenge',
      credential: '/protocol/oid4vc/credential',
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: {
      openid: USER_CLAIMS,
      profile: ['preferred_username', 'name', 'given_name', 'family_name'],
      email: ['email', 'email_verified'],
      acr: null,
      sid: null,
      auth_time: null,
      iss: null,
    },
    // Scope-derived claims go into the ID token too (Keycloak behaviour).
    conformIdTokenClaims: false,
    findAccount(ctx, sub) {
      const account = accountsBySub.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return accountClaims(account);
        },
      };
    },
    interactions: {
      url(ctx, interaction) {
        return `${prefix}/interaction/${interaction.uid}`;
      },
    },
    // Auto-consent: every client here is first-party. Grant whatever the
    // request asks for so the browser returns straight to the client after
    // the login form.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (grant && grant.accountId !== oidc.account.accountId) grant = undefined;
      const resourceScopes = new Map();
      const requested = oidc.requestParamScopes;
      for (const [indicator, rs] of Object.entries(oidc.resourceServers ?? {})) {
        resourceScopes.set(indicator, [...requested].filter((s) => rs.scopes.has(s)).join(' '));
      }
      return grantEverything(oidc.provider, {
        grant,
        accountId: oidc.account.accountId,
        clientId: oidc.client.clientId,
        oidcScopes: [...oidc.requestParamOIDCScopes],
        claims: [...oidc.requestParamClaims],
        resourceScopes,
      });
    },
    pkce: {
      // PKCE optional for confidential clients, required for public ones.
      required: (ctx, client) => client.clientAuthMethod === 'none',
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          // `form` is <form id="op.logoutForm" method="post" action=".../logout/confirm">
          // with hidden xsrf (and client_id / state) inputs and no buttons.
          ctx.type = 'html';
          ctx.body = page('Logging out', `<h1 id="kc-page-title">Logging out</h1>
<p>Do you want to log out?</p>
${form}
<button type="submit" id="kc-logout" form="op.logoutForm" name="logout" value="yes" autofocus>Logout</button>
<button type="submit" id="kc-stay" form="op.logoutForm">Stay signed in</button>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = page('Signed out', `<h1 id="kc-page-title">You are logged out</h1>
<p id="logout-success">Your sign-out was successful.</p>`);
        },
      },
      resourceIndicators: {
        enabled: true,
        // Client credentials default to the API resource (so they always get
        // a JWT); browser flows default to none, so their access token stays
        // opaque and usable at /userinfo.
        async defaultResource(ctx, client, oneOf) {
          if (oneOf) return oneOf;
          if (ctx.oidc.params.grant_type === 'client_credentials') return apiResource;
          return undefined;
        },
        async useGrantedResource() {
          return false;
        },
        async getResourceServerInfo(ctx, resourceIndicator) {
          if (resourceIndicator === apiResource) {
            return {
              scope: apiScopes,
              audience: apiAudience,
              accessTokenFormat: 'jwt',
              accessTokenTTL,
              jwt: { sign: { alg: 'RS256' } },
            };
          }
          throw new errors.InvalidTarget(`unknown resource indicator ${resourceIndicator}`);
        },
      },
    },
    async extraTokenClaims(ctx, token) {
      if (token.kind !== 'AccessToken' && token.kind !== 'ClientCredentials') return undefined;
      const extra = { azp: token.clientId };
      if (token.accountId) {
        // When the person signed in at the provider (Keycloak puts it in access tokens too).
        const grant = ctx.oidc.entities?.AuthorizationCode ?? ctx.oidc.entities?.RefreshToken;
        if (grant?.authTime) extra.auth_time = grant.authTime;
        const account = accountsBySub.get(token.accountId);
        if (account) {
          const c = accountClaims(account);
          extra.groups = c.groups;
          extra.preferred_username = c.preferred_username;
          if (c.email !== undefined) extra.email = c.email;
          if (c.name !== undefined) extra.name = c.name;
          if (c.person_id !== undefined) extra.person_id = c.person_id;
        }
      } else {
        extra.groups = clientGroups.get(token.clientId) ?? [];
        extra.preferred_username = `service-account-${token.clientId}`;
      }
      return extra;
    },
    formats: {
      customizers: {
        async jwt(ctx, token, jwt) {
          if (!jwt.payload.scope) jwt.payload.scope = DEFAULT_TOKEN_SCOPE;
        },
      },
    },
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: accessTokenTTL,
      ClientCredentials: accessTokenTTL,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Error', `<h1 id="kc-page-title">We are sorry...</h1>
${Object.entries(out).map(([k, v]) => `<p class="error-${esc(k)}"><strong>${esc(k)}</strong>: ${esc(v)}</p>`).join('\n')}`);
    },
  };

  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (ctx, err) => {
    process.stderr.write(`server_error: ${err?.stack ?? err}\n`);
  });
  return provider;
}
