// The silent-renew iframe's page: hand the provider's answer back to the app's UserManager.
import { UserManager } from 'oidc-client-ts';

const here = window.location.origin;
void new UserManager({ authority: here, client_id: 'silent-renew', redirect_uri: here }).signinSilentCallback();
