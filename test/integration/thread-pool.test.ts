import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { imageThreadsLine } from '../../src/main/ml/engine/doctor';

// libuv's thread pool bounds how many images sharp decodes at once; the CommonJS launcher sizes it before first use.
const { threadPoolSize } = createRequire(import.meta.url)('../../bin/thread-pool.cjs') as { threadPoolSize: (cores: number) => number };
const bin = fileURLToPath(new URL('../../bin/gradedesk.cjs', import.meta.url));
const builtCli = fileURLToPath(new URL('../../out/main/cli.js', import.meta.url));

describe("libuv's thread pool", () => {
  it('gets one thread per core, never fewer than Node’s 4 nor more than 64', () => {
    expect([1, 2, 4, 6, 16, 128].map(threadPoolSize)).toEqual([4, 4, 4, 6, 16, 64]);
  });

  it('is named by doctor, with where its size came from', () => {
    expect(imageThreadsLine({ UV_THREADPOOL_SIZE: '16' })).toBe("Image decoding: 16 threads (libuv's pool, UV_THREADPOOL_SIZE)");
    expect(imageThreadsLine({})).toMatch(/^Image decoding: 4 threads \(libuv's default: Gradedesk was started without bin\/gradedesk\.cjs/);
  });

  it.skipIf(!existsSync(builtCli))('is sized by the gradedesk command unless the user sized it', () => {
    const doctor = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [bin, 'doctor'], { encoding: 'utf8', env, timeout: 120_000 });
    const { UV_THREADPOOL_SIZE: _unset, ...environment } = process.env;
    const sized = doctor(environment);
    expect(sized.status, sized.stderr).toBe(0);
    expect(sized.stdout).toContain(`Image decoding: ${threadPoolSize(os.availableParallelism())} threads (libuv's pool, UV_THREADPOOL_SIZE)`);
    expect(doctor({ ...environment, UV_THREADPOOL_SIZE: '7' }).stdout).toContain('Image decoding: 7 threads');
  }, 120_000);
});
