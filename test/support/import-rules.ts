// Reads every import of a source tree with the TypeScript parser and checks it against a layer table:
// the rules behind test/unit/layering.test.ts, kept apart so that the test can also run them on a tiny tree.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface Import {
  /** Paths relative to the tree's root, with forward slashes. */
  from: string;
  to: string;
  line: number;
  specifier: string;
}

/**
 * The layer table. `shared` lies under everything. Each stack lists its layers lowest first; a layer is a
 * set of units, each unit a list of folders (ending in '/') or files, relative to the tree's root.
 * A file may import its own unit, a unit of a lower layer of its stack, and shared.
 */
export interface LayerTable {
  shared: string[];
  stacks: Record<string, Array<Record<string, string[]>>>;
}

const SOURCE = /\.(ts|mts|svelte)$/;
const RESOLVE = ['', '.ts', '.mts', '.js', '.svelte', '/index.ts'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return SOURCE.test(entry.name) ? [full] : [];
  });
}

/** The module specifiers of one TypeScript text: imports (type-only too), re-exports, import() and import types. */
function specifiersOf(fileName: string, text: string): Array<{ specifier: string; line: number }> {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Array<{ specifier: string; line: number }> = [];
  const add = (node: ts.Node | undefined) => {
    if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) {
      found.push({ specifier: node.text, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A Svelte component's imports live in its <script> blocks; line numbers count from the top of the file. */
function specifiersOfFile(file: string): Array<{ specifier: string; line: number }> {
  const text = fs.readFileSync(file, 'utf8');
  if (!file.endsWith('.svelte')) return specifiersOf(file, text);
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].flatMap((block) => {
    const offset = text.slice(0, block.index! + block[0].indexOf('>') + 1).split('\n').length - 1;
    return specifiersOf(`${file}.ts`, block[1]!).map((s) => ({ ...s, line: s.line + offset }));
  });
}

/**
 * Every import between the tree's files. A relative specifier resolves to a file as the bundler does
 * (no extension, or a folder's index.ts); a suffix such as `?modulePath` is dropped. Package imports are
 * not edges. An import that resolves to no file is returned with `to` empty.
 */
export function readTree(root: string): { files: string[]; imports: Import[] } {
  const rel = (file: string) => path.relative(root, file).split(path.sep).join('/');
  const files = sourceFiles(root);
  const imports = files.flatMap((file) =>
    specifiersOfFile(file)
      .filter(({ specifier }) => specifier.startsWith('./') || specifier.startsWith('../'))
      .map(({ specifier, line }) => {
        const base = path.resolve(path.dirname(file), specifier.replace(/\?.*$/, ''));
        const target = RESOLVE.map((ext) => base + ext).find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
        return { from: rel(file), to: target ? rel(target) : '', line, specifier };
      }),
  );
  return { files: files.map(rel).sort(), imports };
}

interface Place {
  stack: string | null; // null: shared
  layer: number;
  unit: string;
}

function placeOf(table: LayerTable, file: string): Place | null {
  const matches = (patterns: string[]) => patterns.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));
  if (matches(table.shared)) return { stack: null, layer: -1, unit: 'shared' };
  for (const [stack, layers] of Object.entries(table.stacks)) {
    for (const [layer, units] of layers.entries()) {
      for (const [unit, patterns] of Object.entries(units)) if (matches(patterns)) return { stack, layer, unit };
    }
  }
  return null;
}

const describe = (place: Place) => (place.stack === null ? 'shared' : `${place.unit} (${place.stack} layer ${place.layer + 1})`);

/** Each import that breaks the table, and each file the table places nowhere, as "file:line message". */
export function layerViolations({ files, imports }: { files: string[]; imports: Import[] }, table: LayerTable): string[] {
  const problems: string[] = [];
  for (const file of files) if (!placeOf(table, file)) problems.push(`${file}: in no layer of the table; add its folder to the table`);
  for (const { from, to, line, specifier } of imports) {
    const where = `${from}:${line}`;
    if (!to) {
      problems.push(`${where} imports '${specifier}', which is no file`);
      continue;
    }
    const a = placeOf(table, from);
    const b = placeOf(table, to);
    if (!a || !b || a.unit === b.unit || b.stack === null) continue;
    if (a.stack === null) problems.push(`${where} imports ${to}: shared imports nothing outside shared, but ${to} is in ${describe(b)}`);
    else if (a.stack !== b.stack) problems.push(`${where} imports ${to}: ${describe(a)} may import only its own stack and shared, not ${describe(b)}`);
    else if (b.layer >= a.layer) problems.push(`${where} imports ${to}: ${describe(a)} may import only lower layers, not ${describe(b)}`);
  }
  return problems;
}

/** Each import circle between files (type-only imports count), as "a.ts:3 → b.ts:7 → a.ts". */
export function importCircles(imports: Import[]): string[] {
  const edges = new Map<string, Import[]>();
  for (const edge of imports) if (edge.to) edges.set(edge.from, [...(edges.get(edge.from) ?? []), edge]);
  // Tarjan's strongly connected components; each component of two or more files (or a file importing
  // itself) holds at least one circle, and one of them is named.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const connect = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const { to } of edges.get(node) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) connect(node);

  return components.flatMap((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0]!;
    if (component.length === 1 && !(edges.get(start) ?? []).some((e) => e.to === start)) return [];
    // The shortest way from `start` back to itself inside the component.
    const cameBy = new Map<string, Import>();
    const queue = [start];
    let closing: Import | undefined;
    while (queue.length && !closing) {
      const node = queue.shift()!;
      for (const edge of edges.get(node) ?? []) {
        if (!members.has(edge.to)) continue;
        if (edge.to === start) {
          closing = edge;
          break;
        }
        if (!cameBy.has(edge.to)) {
          cameBy.set(edge.to, edge);
          queue.push(edge.to);
        }
      }
    }
    const path: Import[] = [closing!];
    while (path[0]!.from !== start) path.unshift(cameBy.get(path[0]!.from)!);
    return [`import circle: ${path.map((e) => `${e.from}:${e.line}`).join(' → ')} → ${start}`];
  });
}
