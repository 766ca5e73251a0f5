/**
 * The Content-Security-Policy of the renderer, in the desktop app (set on every response of the
 * window's session) and in browser mode (sent by the bridge). Only the app's own scripts and styles run;
 * images come from the app itself (the `gradedesk:` protocol or the bridge's /media route); nothing
 * remote is ever loaded.
 */
export function contentSecurityPolicy(mode: 'desktop' | 'browser'): string {
  const images = mode === 'desktop' ? "'self' gradedesk: data: blob:" : "'self' data: blob:";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${images}`,
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
