import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { logArgs } from '../observe/git-log.js';
import { type LogCommit, LogParser } from '../parse/log-parser.js';
import { TestRepo } from './git-fixture.js';

const run = promisify(execFile);

function parseInChunks(output: Buffer, size: number): LogCommit[] {
  const parser = new LogParser(['Corps']);
  const commits: LogCommit[] = [];
  for (let i = 0; i < output.length; i += size) commits.push(...parser.push(output.subarray(i, i + size)));
  parser.end();
  return commits;
}

describe('git log parser', () => {
  it('parses the real output of the format the same however the stream is cut, multi-byte text included', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const zoe = { name: 'Zoë Ångström', email: 'zoë@exämple.com' };
    const root = await repo.commit({
      message: 'Première 🚀\n\nCorps du message.\n\nCo-authored-by: Renée <renee@example.com>',
      at: '2026-02-01T10:00:00Z',
      author: zoe,
    });
    const side = await repo.commit({ message: 'side', at: '2026-02-01T10:01:00Z', parents: [root] }, 'side');
    const merge = await repo.merge(side, {
      message: 'Merge side\n\nReviewed-by: Bob\n  Reviewer <bob@example.com>\nApproved-by: Carol <carol@example.com>',
      at: '2026-02-01T10:02:00Z',
    });
    const { stdout } = await run('git', ['-C', repo.dir, ...logArgs({ to: merge, exclude: null })], { encoding: 'buffer' });

    const whole = parseInChunks(stdout, stdout.length);
    expect(whole.map((c) => c.id)).toEqual([merge, side, root]);
    expect(whole[0]).toMatchObject({
      parents: [root, side],
      time: Date.parse('2026-02-01T10:02:00Z') / 1000,
      // Folded trailers arrive unfolded.
      trailers: [
        { key: 'reviewed-by', value: 'Bob Reviewer <bob@example.com>' },
        { key: 'approved-by', value: 'Carol <carol@example.com>' },
      ],
    });
    expect(whole[2]).toMatchObject({ parents: [], author: zoe, trailers: [{ key: 'co-authored-by', value: 'Renée <renee@example.com>' }] });
    // Only bodies that mention a marker are decoded.
    expect(whole[2]!.body).toContain('Corps du message.');
    expect(whole[1]!.body).toBe('');
    for (const size of [1, 2, 3, 7, 41, 64]) expect(parseInChunks(stdout, size)).toEqual(whole);
  });

  it('refuses output that stops in the middle of a commit', () => {
    const parser = new LogParser();
    parser.push(Buffer.from(`${'a'.repeat(40)}\0\0name\0`));
    expect(() => parser.end()).toThrow(/ended in the middle of a commit/);
  });
});
