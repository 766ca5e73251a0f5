import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { entryUrl, isAppResource, isAppUrl, type AppLocation } from '../../src/main/desktop/app-location';
import { hardenContents, hardenSession, type GuardedContents, type GuardedSession } from '../../src/main/desktop/hardening';
import { contentSecurityPolicy } from '../../src/main/security/csp';

const rendererDir = path.resolve('/opt/gradedesk/out/renderer');
const built: AppLocation = { rendererDir, devServerUrl: null };
const dev: AppLocation = { rendererDir, devServerUrl: 'http://localhost:5173' };
const indexUrl = pathToFileURL(path.join(rendererDir, 'index.html')).href;

/** A navigation-like event that records whether it was cancelled. */
const navigation = () => ({
  prevented: false,
  preventDefault() {
    this.prevented = true;
  },
});

class FakeContents implements GuardedContents {
  readonly listeners = new Map<string, (...args: any[]) => void>();
  windowOpenHandler: ((details: { url: string }) => { action: 'deny' }) | null = null;
  on(event: string, listener: (...args: any[]) => void) {
    this.listeners.set(event, listener);
    return this;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }) {
    this.windowOpenHandler = handler;
  }
  /** Fires `name` as Electron would and tells whether the handler cancelled it. */
  fire(name: string, url?: string): boolean {
    const event = navigation();
    this.listeners.get(name)!(event, url);
    return event.prevented;
  }
}

type PermissionHandler = Parameters<GuardedSession['setPermissionRequestHandler']>[0];
type BeforeRequest = Parameters<GuardedSession['webRequest']['onBeforeRequest']>[0];
type HeadersReceived = Parameters<GuardedSession['webRequest']['onHeadersReceived']>[0];

function fakeSession() {
  const handlers: { permission?: PermissionHandler; check?: () => boolean; beforeRequest?: BeforeRequest; headers?: HeadersReceived } = {};
  const session: GuardedSession = {
    setPermissionRequestHandler: (handler) => (handlers.permission = handler),
    setPermissionCheckHandler: (handler) => (handlers.check = handler),
    webRequest: {
      onBeforeRequest: (listener) => (handlers.beforeRequest = listener),
      onHeadersReceived: (listener) => (handlers.headers = listener),
    },
  };
  const cancelled = (url: string) => {
    let answer: boolean | undefined;
    handlers.beforeRequest!({ url }, ({ cancel }) => (answer = cancel));
    return answer;
  };
  const headersFor = (responseHeaders?: Record<string, string[]>) => {
    let answer: Record<string, string | string[]> | undefined;
    handlers.headers!({ url: indexUrl, responseHeaders }, (response) => (answer = response.responseHeaders));
    return answer!;
  };
  return { session, handlers, cancelled, headersFor };
}

describe("the app's own URLs", () => {
  it('loads the built index.html, or the dev server in development', () => {
    expect(entryUrl(built)).toBe(indexUrl);
    expect(entryUrl(dev)).toBe('http://localhost:5173');
  });

  it("recognises the app's page, with any hash or query, and nothing else", () => {
    expect(isAppUrl(built, indexUrl)).toBe(true);
    expect(isAppUrl(built, `${indexUrl}#/review`)).toBe(true);
    expect(isAppUrl(built, pathToFileURL(path.join(rendererDir, 'other.html')).href)).toBe(false);
    expect(isAppUrl(built, 'file:///etc/passwd')).toBe(false);
    expect(isAppUrl(built, 'https://example.org/')).toBe(false);
    expect(isAppUrl(built, 'http://localhost:5173/')).toBe(false);
    expect(isAppUrl(built, 'not a url')).toBe(false);
    expect(isAppUrl(dev, 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl(dev, 'http://localhost:5174/')).toBe(false);
  });
});

describe('hardening the web contents', () => {
  const contents = new FakeContents();
  hardenContents(contents, built);

  it('prevents navigation away from the app', () => {
    expect(contents.fire('will-navigate', 'https://example.org')).toBe(true);
    expect(contents.fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(contents.fire('will-redirect', 'https://example.org/phish')).toBe(true);
  });

  it("lets the app's own page reload", () => {
    expect(contents.fire('will-navigate', indexUrl)).toBe(false);
  });

  it('denies window.open and <webview>', () => {
    expect(contents.windowOpenHandler!({ url: 'https://example.org' })).toEqual({ action: 'deny' });
    expect(contents.fire('will-attach-webview')).toBe(true);
  });
});

describe('hardening the session', () => {
  it('denies every permission request and check', () => {
    const { session, handlers } = fakeSession();
    hardenSession(session, built);
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal']) {
      let granted: boolean | undefined;
      handlers.permission!({}, permission, (answer) => (granted = answer));
      expect(granted, permission).toBe(false);
    }
    expect(handlers.check!()).toBe(false);
  });

  it('sets the desktop Content-Security-Policy on every response, replacing any other', () => {
    const { session, headersFor } = fakeSession();
    hardenSession(session, built);
    expect(headersFor()).toEqual({ 'Content-Security-Policy': [contentSecurityPolicy('desktop')] });
    const headers = headersFor({ 'content-type': ['text/html'], 'content-security-policy': ["default-src *"] });
    expect(headers).toEqual({ 'content-type': ['text/html'], 'Content-Security-Policy': [contentSecurityPolicy('desktop')] });
  });

  it("allows inline styles only with the dev server (Vite injects <style> elements)", () => {
    const { session, headersFor } = fakeSession();
    hardenSession(session, dev);
    const [policy] = headersFor()['Content-Security-Policy'] as string[];
    expect(policy).toContain("style-src 'self' 'unsafe-inline'");
    expect(policy).toContain("script-src 'self';");
  });

  it('cancels remote requests and files outside the renderer', () => {
    const { session, cancelled } = fakeSession();
    hardenSession(session, built);
    expect(cancelled('https://example.org/tracker.js')).toBe(true);
    expect(cancelled('http://127.0.0.1:8080/')).toBe(true);
    expect(cancelled('wss://example.org/socket')).toBe(true);
    expect(cancelled('http://localhost:5173/src/main.ts')).toBe(true);
    expect(cancelled('file:///etc/passwd')).toBe(true);
    expect(cancelled(pathToFileURL(path.join(rendererDir, '..', 'main', 'index.js')).href)).toBe(true);
  });

  it("lets the app's own files, the media protocol and the developer tools through", () => {
    const { session, cancelled } = fakeSession();
    hardenSession(session, built);
    expect(cancelled(indexUrl)).toBe(false);
    expect(cancelled(pathToFileURL(path.join(rendererDir, 'assets', 'index-abc.js')).href)).toBe(false);
    expect(cancelled('gradedesk://media/thumbnail/12')).toBe(false);
    expect(cancelled('devtools://devtools/bundled/devtools_app.html')).toBe(false);
    expect(cancelled('data:image/png;base64,iVBORw0KGgo=')).toBe(false);
  });

  it('lets the dev server and its hot-reload socket through in development', () => {
    const { session, cancelled } = fakeSession();
    hardenSession(session, dev);
    expect(cancelled('http://localhost:5173/src/main.ts')).toBe(false);
    expect(cancelled('ws://localhost:5173/')).toBe(false);
    expect(cancelled('http://localhost:8080/')).toBe(true);
    expect(isAppResource(dev, 'https://example.org/')).toBe(false);
  });
});

describe('the renderer page itself', () => {
  it('carries the desktop CSP as a meta tag too (frame-ancestors only works as a header)', () => {
    const html = readFileSync('src/renderer/index.html', 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    const header = contentSecurityPolicy('desktop').split('; ').filter((d) => !d.startsWith('frame-ancestors'));
    expect(meta?.split('; ')).toEqual(header);
  });
});
