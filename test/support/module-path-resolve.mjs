import { fileURLToPath } from 'node:url';

const SUFFIX = '?modulePath';

export async function resolve(specifier, context, next) {
  if (!specifier.endsWith(SUFFIX)) return next(specifier, context);
  const target = await next(specifier.slice(0, -SUFFIX.length), context);
  const source = `export default ${JSON.stringify(fileURLToPath(target.url))};`;
  return { url: `data:text/javascript,${encodeURIComponent(source)}`, shortCircuit: true };
}
