// Signing keys and cookie secrets of the local provider, generated at first start and kept in the
// data dir so tokens and sessions survive a restart. Never the library's development keys.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function writePrivate(path, value) {
  // Write to a temp file and rename so a crash never leaves half a key file behind.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${error.message}`);
  }
}

function thumbprint(jwk) {
  // RFC 7638 JWK thumbprint of an RSA key: a stable `kid` derived from the public key.
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

function newSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: thumbprint(jwk), alg: 'RS256', use: 'sig' };
}

/** The private JWKS (`{keys: [...]}`) from `<dataDir>/jwks.json`, created on first start. */
export function loadOrCreateJwks(dataDir) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'jwks.json');
  const existing = readJson(path);
  if (existing?.keys?.length) return { jwks: existing, created: false };
  const jwks = { keys: [newSigningKey()] };
  writePrivate(path, jwks);
  return { jwks, created: true };
}

/** Keys that sign the provider's cookies, from `<dataDir>/cookie-keys.json`. */
export function loadOrCreateCookieKeys(dataDir) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'cookie-keys.json');
  const existing = readJson(path);
  if (Array.isArray(existing) && existing.length) return existing;
  const keys = [randomBytes(32).toString('base64url')];
  writePrivate(path, keys);
  return keys;
}
