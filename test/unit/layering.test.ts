// The import rules of src/, checked over every import statement (see test/support/import-rules.ts):
// `import`, `import type`, `export … from`, `import()`, import types, with vite suffixes such as
// `?modulePath` dropped. A failure names the file, the line and the rule it breaks. There is no list of
// exceptions: a broken rule is fixed in the code (move the shared piece down, or pass it in from above).
//
// 1. Layers. A file may import its own unit, any unit of a lower layer of its stack, and src/shared.
//    Units of one layer do not import each other. Main process, lowest first:
//
//    | layer | units                                          | what lives there                                    |
//    |-------|------------------------------------------------|-----------------------------------------------------|
//    | 0     | shared                                         | the contract: domain types, API schemas, errors     |
//    | 1     | util, paths.ts, security, store, imaging,      | base: seeded random, data paths, CSP, SQLite,       |
//    |       | env.d.ts, dcmjs.d.ts                           | pixels; module declarations (vite's, dcmjs's)       |
//    | 2     | jobs, export, search                           | job runner, CSV export, nearest-neighbour indexes   |
//    | 3     | ingest, demo                                   | folder imports; the synthetic fundus generator      |
//    | 4     | ml                                             | the engine, in rooms (engine, backbones, features,  |
//    |       |                                                | training, evaluate, explain, embeddings, models,    |
//    |       |                                                | triage)                                             |
//    | 5     | app (app/, workspace.ts, media.ts)             | one function per operation                          |
//    | 6     | api                                            | typed API handlers, one line per method             |
//    | 7     | bridge, desktop                                | browser bridge (HTTP/WebSocket); Electron shell     |
//    | 8     | cli                                            | command line (its `serve` starts the bridge)        |
//    | 9     | bench                                          | benchmarks (drive the CLI and the bridge)           |
//    | 10    | index.ts, cli.ts, bench.ts                     | build entries                                       |
//
//    Inside a unit (the rooms of ml, say) files import each other freely, but never in a circle.
//    Renderer: src/renderer imports itself and shared only. Preload: src/preload imports shared only.
//    Shared imports nothing outside shared. A file in no unit fails: add its folder to the table.
// 2. No import circles between files, type-only imports included.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importCircles, layerViolations, readTree, type LayerTable } from '../support/import-rules';

const LAYERS: LayerTable = {
  shared: ['shared/'],
  stacks: {
    main: [
      { util: ['main/util/'], paths: ['main/paths.ts'], security: ['main/security/'], store: ['main/store/'], imaging: ['main/imaging/'], types: ['main/env.d.ts', 'main/dcmjs.d.ts'] },
      { jobs: ['main/jobs/'], export: ['main/export/'], search: ['main/search/'] },
      { ingest: ['main/ingest/'], demo: ['main/demo/'] },
      { ml: ['main/ml/'] },
      { app: ['main/app/', 'main/workspace.ts', 'main/media.ts'] },
      { api: ['main/api/'] },
      { bridge: ['main/bridge/'], desktop: ['main/desktop/'] },
      { cli: ['main/cli/'] },
      { bench: ['main/bench/'] },
      { 'app entry': ['main/index.ts'], 'cli entry': ['main/cli.ts'], 'bench entry': ['main/bench.ts'] },
    ],
    renderer: [{ renderer: ['renderer/'] }],
    preload: [{ preload: ['preload/'] }],
  },
};

const src = path.resolve(__dirname, '../../src');
const tree = readTree(src);

describe('the import rules of src/', () => {
  it('reads the imports of every kind', () => {
    const edge = (from: string, to: string) => tree.imports.some((i) => i.from === from && i.to === to);
    expect(edge('main/ml/engine/engine-jobs.ts', 'main/ml/engine/worker.ts')).toBe(true); // `?modulePath`
    expect(tree.files).toContain('renderer/src/App.svelte');
    expect(tree.imports.filter((i) => i.from.endsWith('.svelte')).length).toBeGreaterThan(50);
    expect(tree.imports.length).toBeGreaterThan(1000);
  });

  it('keeps every import in its layer', () => {
    expect(layerViolations(tree, LAYERS)).toEqual([]);
  });

  it('has no import circles', () => {
    expect(importCircles(tree.imports)).toEqual([]);
  });
});

describe('the import rule checker', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-layering-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  const table: LayerTable = { shared: ['shared/'], stacks: { main: [{ store: ['main/store/'] }, { ml: ['main/ml/'] }], renderer: [{ renderer: ['renderer/'] }] } };
  write('shared/types.ts', "export type Id = number;\n");
  write('main/store/rows.ts', "import type { Id } from '../../shared/types';\nexport const rows: Id[] = [];\n");
  write('main/ml/a.ts', "import { rows } from '../store/rows';\nexport const a = () => import('./b');\nexport { rows };\n");
  write('main/ml/b.ts', "// a circle through a type import\nimport type { a } from './a';\nexport type B = typeof a;\n");
  write('main/ml/worker.ts', 'export {};\n');
  write('main/store/bad.ts', "\nexport { a } from '../ml/a';\nimport path from '../ml/worker?modulePath';\nexport { path };\n");
  write('renderer/View.svelte', "<script lang=\"ts\">\n  import { rows } from '../main/store/rows';\n</script>\n<p>{rows.length}</p>\n");
  write('main/stray.ts', 'export {};\n');

  const small = readTree(root);

  it('names the file, line and rule of an import against the layers', () => {
    expect(layerViolations(small, table)).toEqual([
      'main/stray.ts: in no layer of the table; add its folder to the table',
      'main/store/bad.ts:2 imports main/ml/a.ts: store (main layer 1) may import only lower layers, not ml (main layer 2)',
      'main/store/bad.ts:3 imports main/ml/worker.ts: store (main layer 1) may import only lower layers, not ml (main layer 2)',
      'renderer/View.svelte:2 imports main/store/rows.ts: renderer (renderer layer 1) may import only its own stack and shared, not store (main layer 1)',
    ]);
  });

  it('names an import circle, type-only and dynamic imports included', () => {
    expect(importCircles(small.imports)).toEqual(['import circle: main/ml/a.ts:2 → main/ml/b.ts:2 → main/ml/a.ts']);
  });
});
