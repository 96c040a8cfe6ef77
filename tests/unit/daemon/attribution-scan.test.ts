import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Attribution, type AttributionOptions } from '../../../server/daemon/attribution';
import { DaemonState } from '../../../server/daemon/state-file';
import type { UsageEvent } from '../../../shared/schemas';
import {
  claudeAgentProgress,
  claudeAssistant,
  codexSessionMeta,
  codexTokenCount,
  codexTurnContext,
  tempDir,
  writeLines,
} from '../../fixtures/daemon/builders';
import { scanOnce } from './helpers';
import { repositories } from './repos';

const FIXTURES = join(import.meta.dirname, '../../fixtures/daemon');
const at = (minute: number) => new Date(Date.UTC(2026, 10, 30, 9, minute)).toISOString();

const C1 = '11111111-1111-4111-8111-111111111111';
const C2 = '22222222-2222-4222-8222-222222222222';
const C3 = '33333333-3333-4333-8333-333333333333';
const C4 = '44444444-4444-4444-8444-444444444444';
const X1 = '0199c000-0000-7000-8000-000000000001';
const X2 = '0199c000-0000-7000-8000-000000000002';

/** Claude Code sessions in four places: a nested folder of a clone, a worktree, a plain folder, a deleted one. */
function claudeTree(repo: (...p: string[]) => string) {
  const claude = join(tempDir(), 'claude');
  const project = (name: string) => join(claude, 'projects', name);
  const line = (n: number, sessionId: string, cwd: string | null, minute = n) =>
    claudeAssistant({
      messageId: `msg_${n}`,
      requestId: `req_${n}`,
      sessionId,
      ts: at(minute),
      usage: { input: n, output: 10 * n },
      cwd,
    });
  writeLines(join(project('-repo-a-src-deep'), `${C1}.jsonl`), [
    line(1, C1, repo('repo-a', 'src', 'deep')),
    line(2, C1, repo('repo-a', 'src', 'deep', 'er')),
    // No cwd on this line: the session's latest one stands.
    line(3, C1, null),
  ]);
  // A subagent of session C1 writes its own file; its lines name the parent session and folder.
  writeLines(join(project('-repo-a-src-deep'), C1, 'subagents', 'agent-a1.jsonl'), [
    claudeAssistant({
      messageId: 'msg_sub',
      requestId: 'req_sub',
      sessionId: C1,
      ts: at(4),
      usage: { input: 4, output: 40 },
      sidechain: true,
      cwd: repo('repo-a'),
    }),
  ]);
  writeLines(join(project('-repo-a-feature'), `${C2}.jsonl`), [
    line(5, C2, repo('repo-a-feature')),
    // A subagent's response relayed in the parent's transcript (Claude Code 2.1): the parent's session and folder.
    claudeAgentProgress({
      messageId: 'msg_relayed',
      requestId: 'req_relayed',
      sessionId: C2,
      ts: at(8),
      usage: { input: 8, output: 80 },
      cwd: repo('repo-a-feature'),
    }),
  ]);
  writeLines(join(project('-scratch-notes'), `${C3}.jsonl`), [line(6, C3, repo('scratch', 'notes'))]);
  writeLines(join(project('-gone'), `${C4}.jsonl`), [line(7, C4, repo('deleted', 'old-project'))]);
  return claude;
}

/** Codex sessions: one that moves from a repository's subfolder to another repository, one in a plain folder. */
function codexTree(repo: (...p: string[]) => string) {
  const codex = join(tempDir(), 'codex');
  const day = join(codex, 'sessions/2026/11/30');
  const t = (n: number) => ({ input: 1000 * n, cached: 100 * n, output: 10 * n, reasoning: n });
  writeLines(join(day, `rollout-2026-11-30T09-00-00-${X1}.jsonl`), [
    codexSessionMeta(X1, at(0), undefined, repo('scratch', 'repo-b', 'pkg')),
    codexTurnContext(at(0), 'gpt-5-codex', repo('scratch', 'repo-b', 'pkg')),
    codexTokenCount(at(1), t(1)),
    codexTokenCount(at(2), t(2)),
    codexTurnContext(at(3), 'gpt-5-codex', repo('repo-a', 'vendor', 'lib', 'inner')),
    codexTokenCount(at(4), t(3)),
  ]);
  writeLines(join(day, `rollout-2026-11-30T09-10-00-${X2}.jsonl`), [
    codexSessionMeta(X2, at(10), undefined, repo('scratch', 'notes')),
    codexTokenCount(at(11), t(1)),
  ]);
  return codex;
}

/** id → the three attribution fields, for comparing whole runs exactly. */
const who = (events: UsageEvent[]) =>
  Object.fromEntries(
    events.map((e) => [e.id, { project: e.project, session_id: e.session_id, user: e.user }]),
  );

async function scan(dirs: { claude?: string; codex?: string }, o: AttributionOptions) {
  return scanOnce(dirs, join(tempDir(), 'state.json'), undefined, new Attribution(o));
}

describe('the daemon attributes usage to project, session and user', () => {
  const { at: repo } = repositories();

  it('names each Claude event by its line: the git top-level folder of its cwd, its session id, the user', async () => {
    const run = await scan({ claude: claudeTree(repo) }, { user: 'alice' });
    const alice = (project: string, session_id: string) => ({ project, session_id, user: 'alice' });
    expect(who(run.events('claude'))).toEqual({
      'msg_1:req_1': alice('repo-a', C1),
      'msg_2:req_2': alice('repo-a', C1),
      'msg_3:req_3': alice('repo-a', C1),
      'msg_sub:req_sub': alice('repo-a', C1),
      'msg_5:req_5': alice('repo-a-feature', C2),
      'msg_relayed:req_relayed': alice('repo-a-feature', C2),
      'msg_6:req_6': alice('notes', C3),
      'msg_7:req_7': alice('old-project', C4),
    });
  });

  it('names each Codex event by its session_meta, then by the latest turn_context cwd', async () => {
    const run = await scan({ codex: codexTree(repo) }, { user: 'bob' });
    const events = run.events('codex');
    expect(events.map((e) => [e.ts, e.project, e.session_id, e.user])).toEqual([
      [at(1), 'repo-b', X1, 'bob'],
      [at(2), 'repo-b', X1, 'bob'],
      // The session moved into a submodule of repo-a: its `.git` file makes it its own top-level folder.
      [at(4), 'lib', X1, 'bob'],
      [at(11), 'notes', X2, 'bob'],
    ]);
  });

  it('keeps a Codex session’s folder in the state file: a restart mid-session still names the project', async () => {
    const dir = tempDir();
    const codex = join(dir, 'codex');
    const file = join(codex, 'sessions/2026/11/30', `rollout-2026-11-30T09-00-00-${X1}.jsonl`);
    const t = (n: number) => ({ input: 1000 * n, cached: 0, output: 10 * n, reasoning: 0 });
    writeLines(file, [
      codexSessionMeta(X1, at(0), undefined, repo('repo-a', 'src')),
      codexTokenCount(at(1), t(1)),
    ]);
    const statePath = join(dir, 'state.json');
    const first = await scanOnce({ codex }, statePath, undefined, new Attribution({ user: 'carol' }));
    expect(first.events('codex').map((e) => e.project)).toEqual(['repo-a']);
    first.state.outbox.removeEvents('codex', first.events('codex'));
    await first.state.save();
    appendFileSync(file, `${codexTokenCount(at(2), t(2))}\n`);
    const again = await scanOnce(
      { codex },
      statePath,
      await DaemonState.load(statePath),
      new Attribution({ user: 'carol' }),
    );
    expect(again.events('codex').map((e) => [e.ts, e.project, e.session_id])).toEqual([
      [at(2), 'repo-a', X1],
    ]);
  });

  it.each([
    ['basename', 'name', { project: 'repo-a', user: 'alice' }],
    ['hash', 'name', { project: 'b41c2aeeb2f1737b', user: 'alice' }],
    ['off', 'name', { user: 'alice' }],
    ['basename', 'hash', { project: 'repo-a', user: '2bd806c97f0e00af' }],
    ['basename', 'off', { project: 'repo-a' }],
    ['off', 'off', {}],
    ['hash', 'hash', { project: 'b41c2aeeb2f1737b', user: '2bd806c97f0e00af' }],
  ] as const)(
    '--project-names %s --user-names %s sends exactly %o (and the session)',
    async (projectNames, userNames, fields) => {
      const { at: r } = repositories();
      const run = await scan(
        { claude: claudeTree(r), codex: codexTree(r) },
        { user: 'alice', projectNames, userNames },
      );
      const claude = run.events('claude').find((e) => e.id === 'msg_1:req_1');
      expect(claude).toEqual({ ...claude, ...fields, session_id: C1 });
      expect(
        Object.keys(claude ?? {})
          .filter((k) => ['project', 'user'].includes(k))
          .sort(),
      ).toEqual(Object.keys(fields).sort());
      const codex = run.events('codex').find((e) => e.ts === at(4));
      expect({ project: codex?.project, user: codex?.user, session_id: codex?.session_id }).toEqual({
        project: 'project' in fields ? (projectNames === 'hash' ? '76b5a357391276b2' : 'lib') : undefined,
        user: 'user' in fields ? fields.user : undefined,
        session_id: X1,
      });
    },
  );

  it('leaves every event id exactly as before attribution (stored events never count twice)', async () => {
    for (const [provider, tree] of [
      ['claude', 'claude'],
      ['claude', 'claude-2.1.332'],
      ['codex', 'codex'],
      ['codex', 'codex-0171'],
    ] as const) {
      const dirs = { [provider]: join(FIXTURES, tree) };
      const plain = await scanOnce(dirs, join(tempDir(), 'state.json'));
      const attributed = await scan(dirs, { user: 'alice' });
      const ids = (events: UsageEvent[]) => events.map((e) => e.id).sort();
      expect(ids(attributed.events(provider))).toEqual(ids(plain.events(provider)));
      // Nothing but the three fields differs.
      expect(
        attributed.events(provider).map(({ project: _p, session_id: _s, user: _u, ...rest }) => rest),
      ).toEqual(plain.events(provider));
    }
    // Pinned ids of the static fixtures, as every earlier version sent them.
    const codex = await scan({ codex: join(FIXTURES, 'codex') }, { user: 'alice' });
    expect(who(codex.events('codex'))).toEqual({
      '0199a213-81c0-7800-8aa1-bbab2a035a53:12000:8000:600:320:12600': {
        project: 'project',
        session_id: '0199a213-81c0-7800-8aa1-bbab2a035a53',
        user: 'alice',
      },
      '0199a213-81c0-7800-8aa1-bbab2a035a53:21000:16500:2100:1344:23100': {
        project: 'project',
        session_id: '0199a213-81c0-7800-8aa1-bbab2a035a53',
        user: 'alice',
      },
      '0199a213-81c0-7800-8aa1-bbab2a035a53:41000:35500:2350:1344:43350': {
        project: 'project',
        session_id: '0199a213-81c0-7800-8aa1-bbab2a035a53',
        user: 'alice',
      },
      // The fork's own turn: counted in its parent's lineage (same id as ever), attributed to the fork's session.
      '0199a213-81c0-7800-8aa1-bbab2a035a53:71000:63500:3050:1544:74050': {
        project: 'project',
        session_id: '0199a3f0-1111-7222-8333-444455556666',
        user: 'alice',
      },
    });
    const claude = await scan({ claude: join(FIXTURES, 'claude-2.1.332') }, { user: 'alice' });
    const s = '38c4c2c5-a361-44be-afb9-d17047d32560';
    const captured = { project: 'claude-work-WnZDuj', session_id: s, user: 'alice' };
    expect(who(claude.events('claude'))).toEqual({
      'msg_fake_01:req_fake_1': captured,
      'msg_fake_02:req_fake_2': captured,
      'msg_fake_03:req_fake_3': captured,
      'msg_fake_04:req_fake_4': captured,
    });
    const codex0171 = await scan({ codex: join(FIXTURES, 'codex-0171') }, { user: 'alice' });
    const x = {
      project: 'codex-work-uOTG0r',
      session_id: '01a22cc5-fc53-7861-8c0d-fe9812ac430f',
      user: 'alice',
    };
    expect(who(codex0171.events('codex'))).toEqual({ resp_fake_1: x, resp_fake_2: x });
  });
});
