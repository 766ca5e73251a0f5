#!/usr/bin/env node
// `npm start`: prepares the built-in demo project, then opens the desktop app on it. Where Electron
// cannot start (no binary downloaded, no display), says so in one line and serves the same UI in
// browser mode on loopback instead.
import { spawnSync } from 'node:child_process';

const cli = (...args) => spawnSync(process.execPath, ['bin/gradedesk.cjs', ...args], { stdio: 'inherit' }).status ?? 1;

if (cli('demo') !== 0) process.exit(1);

/** The electron package resolves to its binary's path, downloading the binary on first use; quietly here. */
function electronBinary() {
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], { encoding: 'utf8', timeout: 300_000 });
  if (probe.status === 0 && probe.stdout) return probe.stdout.trim().split('\n').at(-1);
  return { missing: 'the Electron binary is not installed and could not be downloaded' };
}

const electron = electronBinary();
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const reason = typeof electron !== 'string' ? electron.missing : noDisplay ? 'there is no display (DISPLAY is not set)' : null;

if (reason === null) {
  process.exitCode = spawnSync(electron, ['.'], { stdio: 'inherit' }).status ?? 1;
} else {
  process.stdout.write(`Gradedesk cannot open its desktop window here: ${reason}. Serving the same UI in browser mode instead.\n`);
  process.exitCode = cli('serve');
}
