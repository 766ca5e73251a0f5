import { contentSecurityPolicy } from '../security/csp';
import { isAppResource, isAppUrl, type AppLocation } from './app-location';

interface Preventable {
  preventDefault(): void;
}

/** The parts of Electron's WebContents that hardening uses. */
export interface GuardedContents {
  on(event: 'will-navigate', listener: (event: Preventable, url: string) => void): unknown;
  on(event: 'will-redirect', listener: (event: Preventable, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Preventable) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

type Headers = Record<string, string | string[]>;

/** The parts of Electron's Session that hardening uses. */
export interface GuardedSession {
  setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: () => boolean): void;
  webRequest: {
    onBeforeRequest(listener: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void): void;
    onHeadersReceived(
      listener: (details: { url: string; responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders: Headers }) => void) => void,
    ): void;
  };
}

/**
 * Every web contents stays on the app's page: navigation and redirects elsewhere are cancelled, new
 * windows and <webview> tags are refused. (A link to elsewhere in a note or an error is never followed.)
 */
export function hardenContents(contents: GuardedContents, location: AppLocation): void {
  const stayOnApp = (event: Preventable, url: string) => {
    if (!isAppUrl(location, url)) event.preventDefault();
  };
  contents.on('will-navigate', stayOnApp);
  contents.on('will-redirect', stayOnApp);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/**
 * The policy sent with the app's responses. Vite's dev server injects stylesheets as <style> elements,
 * which `style-src 'self'` forbids, so only in development are inline styles allowed.
 */
export function sessionContentSecurityPolicy(location: AppLocation): string {
  const policy = contentSecurityPolicy('desktop');
  return location.devServerUrl ? policy.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") : policy;
}

/**
 * The window's session: no permission is ever granted (camera, notifications, geolocation...), every
 * response carries the app's Content-Security-Policy, and any request for something that is not the
 * app's own (see `isAppResource`) is cancelled, so no remote content is ever loaded.
 */
export function hardenSession(session: GuardedSession, location: AppLocation): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAppResource(location, details.url) }));
  const policy = sessionContentSecurityPolicy(location);
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers: Headers = {};
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
    }
    headers['Content-Security-Policy'] = [policy];
    callback({ responseHeaders: headers });
  });
}
