/**
 * Runtime configuration: `GET /api/config` is fetched once at boot, before anything auth-related
 * exists, so one build serves every environment (nothing OIDC is baked in at build time).
 */
import { apiUrl } from '../env';
import type { components } from './schema';

export type AppConfig = components['schemas']['FrontendConfig'];

let loaded: AppConfig | null = null;

/** Fetch and validate the runtime config; throws with a readable message when unusable. */
export async function fetchAppConfig(fetchImpl: typeof fetch = fetch): Promise<AppConfig> {
  const response = await fetchImpl(apiUrl('/api/config'), { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET /api/config answered HTTP ${response.status}`);
  const body = (await response.json()) as Partial<AppConfig>;
  if (typeof body.oidc_enabled !== 'boolean') throw new Error('GET /api/config: oidc_enabled missing');
  const config: AppConfig = {
    oidc_enabled: body.oidc_enabled,
    oidc_authority: body.oidc_authority ?? '',
    frontend_oidc_client_id: body.frontend_oidc_client_id ?? '',
    frontend_oidc_scope: body.frontend_oidc_scope ?? 'openid profile email',
    tempo_url: body.tempo_url ?? null,
  };
  if (config.oidc_enabled && (!config.oidc_authority || !config.frontend_oidc_client_id)) {
    throw new Error('OIDC is enabled but OIDC_AUTHORITY or FRONTEND_OIDC_CLIENT_ID is empty');
  }
  loaded = config;
  return config;
}

/** The config fetched at boot; calling it before `fetchAppConfig` resolved is a bug. */
export function getAppConfig(): AppConfig {
  if (loaded === null) throw new Error('getAppConfig() called before fetchAppConfig()');
  return loaded;
}
