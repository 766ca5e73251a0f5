import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where the window's page comes from: the built renderer on disk, or electron-vite's dev server in development. */
export interface AppLocation {
  /** The folder of the built renderer (out/renderer), holding index.html and its assets. */
  rendererDir: string;
  /** The dev server's URL (ELECTRON_RENDERER_URL) when running `electron-vite dev`, else null. */
  devServerUrl: string | null;
}

const parse = (url: string): URL | null => {
  try {
    return new URL(url);
  } catch {
    return null;
  }
};

const filePath = (url: URL): string | null => {
  try {
    return fileURLToPath(url);
  } catch {
    return null;
  }
};

const isInside = (folder: string, file: string): boolean => {
  const relative = path.relative(folder, file);
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
};

function isDevServer(location: AppLocation, url: URL, protocols: readonly string[]): boolean {
  const devServer = location.devServerUrl ? parse(location.devServerUrl) : null;
  return devServer !== null && url.host === devServer.host && protocols.includes(url.protocol);
}

/** The URL the window loads. */
export function entryUrl(location: AppLocation): string {
  return location.devServerUrl ?? pathToFileURL(path.join(location.rendererDir, 'index.html')).href;
}

/** Whether `url` is the app's own page (its index.html or the dev server), whatever its query or hash. */
export function isAppUrl(location: AppLocation, url: string): boolean {
  const parsed = parse(url);
  if (!parsed) return false;
  if (parsed.protocol === 'file:') {
    const file = filePath(parsed);
    return file !== null && path.relative(path.join(location.rendererDir, 'index.html'), file) === '';
  }
  return isDevServer(location, parsed, ['http:', 'https:']);
}

/**
 * Whether the window's session may load `url`: the renderer's own files, the media protocol, inline
 * data, the developer tools and the dev server (with its hot-reload socket). Nothing remote, and no
 * file outside the renderer's folder.
 */
export function isAppResource(location: AppLocation, url: string): boolean {
  const parsed = parse(url);
  if (!parsed) return false;
  switch (parsed.protocol) {
    case 'file:': {
      const file = filePath(parsed);
      return file !== null && isInside(location.rendererDir, file);
    }
    case 'gradedesk:':
    case 'devtools:':
    case 'data:':
    case 'blob:':
      return true;
    default:
      return isDevServer(location, parsed, ['http:', 'https:', 'ws:', 'wss:']);
  }
}
