#!/usr/bin/env node
// `npm test`: typecheck, build, then every test (unit and integration with vitest; end-to-end with
// Playwright when there are browser tests), ending with one line `N passed, N failed` over all of them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const run = (command, args) => spawnSync(command, args, { stdio: 'inherit', shell: false }).status ?? 1;
const npx = (args) => run('npx', args);
const results = mkdtempSync(path.join(tmpdir(), 'gradedesk-tests-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = false;

function step(name, status) {
  if (status !== 0) {
    process.stderr.write(`\n${name} failed (exit ${status}).\n`);
    broken = true;
  }
  return status === 0;
}

if (step('Typecheck', run('npm', ['run', '--silent', 'typecheck'])) && step('Build', run('npm', ['run', '--silent', 'build']))) {
  const vitestJson = path.join(results, 'vitest.json');
  step('Vitest', npx(['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]));
  if (existsSync(vitestJson)) {
    const report = JSON.parse(readFileSync(vitestJson, 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + report.numTodoTests;
  }

  const e2eDir = 'test/e2e';
  if (existsSync(e2eDir) && readdirSync(e2eDir).some((f) => f.endsWith('.spec.ts'))) {
    const playwrightJson = path.join(results, 'playwright.json');
    const status = spawnSync('npx', ['playwright', 'test', '--reporter=list,json'], {
      stdio: 'inherit',
      env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson },
    }).status;
    step('Playwright', status ?? 1);
    if (existsSync(playwrightJson)) {
      const { stats } = JSON.parse(readFileSync(playwrightJson, 'utf8'));
      totals.passed += stats.expected + stats.flaky;
      totals.failed += stats.unexpected;
      totals.skipped += stats.skipped;
    }
  }
}
rmSync(results, { recursive: true, force: true });

process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exitCode = broken || totals.failed > 0 ? 1 : 0;
