// The store owns every SQL statement and the database connection: code outside src/main/store asks
// one of its objects (store.labels, store.triage, store.exports…). This reads every source file of the
// app with the TypeScript parser and names each place, by file and line, that writes SQL or touches
// the connection anywhere else. There is no list of exceptions.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const SCANNED = ['src/main', 'src/shared', 'src/renderer', 'src/preload'];
const STORE = 'src/main/store/';

/**
 * A string that starts as an SQL statement, in upper case as this code base writes it: prose in the
 * interface does not read so, nor does hostile input that carries SQL after a quote (the API fuzzer's).
 */
const SQL = /^[`'"]\s*(?:SELECT\b[\s\S]*\bFROM|INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|(?:CREATE|DROP|ALTER)\s+(?:TABLE|INDEX|TRIGGER|VIEW)|PRAGMA\s+\w+|BEGIN\b|COMMIT\b|VACUUM\b|WITH\s+\w+(?:\s*\([^)]*\))?\s+AS)\b/;
/** Methods of a better-sqlite3 connection that run SQL given as text. */
const SQL_METHODS = new Set(['prepare', 'exec', 'pragma']);

/** Each use of SQL or of the connection in one source file, as "file:line what". */
export function sqlOutsideStore(file: string, text: string): string[] {
  const found: string[] = [];
  for (const { code, firstLine } of scripts(file, text)) {
    const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const report = (node: ts.Node, what: string) => {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + firstLine;
      found.push(`${file}:${line} ${what}`);
    };
    const visit = (node: ts.Node): void => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        if (node.moduleSpecifier.text === 'better-sqlite3') report(node, 'imports better-sqlite3');
      } else if (ts.isCallExpression(node) && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0]) && node.arguments[0].text === 'better-sqlite3') {
        report(node, 'loads better-sqlite3');
      } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Database') {
        report(node, 'opens a database (new Database)');
      } else if (ts.isPropertyAccessExpression(node) && node.name.text === 'db') {
        report(node, `uses the database connection (${node.getText(source)})`);
      } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && SQL_METHODS.has(node.expression.name.text)) {
        const [first] = node.arguments;
        if (node.expression.name.text === 'pragma' || (first && (ts.isStringLiteralLike(first) || ts.isTemplateExpression(first)))) {
          report(node.expression.name, `runs SQL (.${node.expression.name.text}(…))`);
        }
      } else if ((ts.isStringLiteralLike(node) || ts.isTemplateExpression(node)) && SQL.test(node.getText(source))) {
        report(node, `holds SQL text (${node.getText(source).replace(/\s+/g, ' ').slice(0, 60)})`);
        return;
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** The TypeScript of a file: all of a .ts file, the <script> blocks of a .svelte one, with the line each starts on. */
function scripts(file: string, text: string): Array<{ code: string; firstLine: number }> {
  if (!file.endsWith('.svelte')) return [{ code: text, firstLine: 1 }];
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((match) => ({
    code: match[1]!,
    firstLine: text.slice(0, match.index! + match[0].indexOf('>') + 1).split('\n').length,
  }));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.(ts|tsx|mts|cts|js|mjs|svelte)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

describe('the store owns every SQL statement', () => {
  it('no file outside src/main/store writes SQL, opens a database or uses the connection', () => {
    const files = SCANNED.flatMap(sourceFiles).filter((file) => !file.startsWith(STORE));
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((file) => sqlOutsideStore(file, fs.readFileSync(path.join(ROOT, file), 'utf8')))).toEqual([]);
  });

  it('names the file and line of each kind of use it forbids', () => {
    const fixture = [
      "import Database from 'better-sqlite3';", // 1
      'const db = new Database(file);', // 2
      'const n = store.db', // 3
      '  .prepare(', // 4
      '    `SELECT count(*) FROM images WHERE project_id = ?`,', // 5
      '  ).get(1);', // 6
      "workspace.store.db.pragma('data_version');", // 7
      "db.exec('CREATE TABLE t (a INTEGER)');", // 8
      "const QUERY = 'DELETE FROM images WHERE id = ?';", // 9
      "const words = 'Select the images from the folder';", // 10: prose, not SQL
      "const probe = '\"; DROP TABLE images; --';", // 11: hostile input, not SQL the app runs
      'const match = /^block_(\\d+)_/.exec(name);', // 12: a regular expression
      'await ensemble.prepare(images, options);', // 13: another prepare
      'store.transaction(() => store.labels.setNote(1, null, 2));', // 14: through the store
    ].join('\n');
    expect(sqlOutsideStore('src/main/x.ts', fixture)).toEqual([
      'src/main/x.ts:1 imports better-sqlite3',
      'src/main/x.ts:2 opens a database (new Database)',
      'src/main/x.ts:4 runs SQL (.prepare(…))',
      'src/main/x.ts:3 uses the database connection (store.db)',
      'src/main/x.ts:5 holds SQL text (`SELECT count(*) FROM images WHERE project_id = ?`)',
      'src/main/x.ts:7 runs SQL (.pragma(…))',
      'src/main/x.ts:7 uses the database connection (workspace.store.db)',
      "src/main/x.ts:8 runs SQL (.exec(…))",
      "src/main/x.ts:8 holds SQL text ('CREATE TABLE t (a INTEGER)')",
      "src/main/x.ts:9 holds SQL text ('DELETE FROM images WHERE id = ?')",
    ]);
  });

  it('reads the scripts of Svelte components at their own lines', () => {
    const component = ['<p>Select a folder</p>', '<script lang="ts">', '  const total = store.db;', '</script>'].join('\n');
    expect(sqlOutsideStore('src/renderer/src/X.svelte', component)).toEqual(['src/renderer/src/X.svelte:3 uses the database connection (store.db)']);
  });
});
