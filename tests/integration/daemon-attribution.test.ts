/**
 * Two daemons of two people, on real repositories, against a real hub: the hub's usage grouped by project, user
 * and session equals what the logs say, exactly, with each daemon's privacy switch honoured on the wire.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameHash } from '../../server/daemon/attribution';
import { runDaemon } from '../../server/daemon/daemon';
import { silentLogger } from '../../server/daemon/log';
import { type GroupedUsageRow, TOKEN_KINDS, type TokenCounts } from '../../shared';
import {
  claudeAssistant,
  codexSessionMeta,
  codexTokenCount,
  codexTurnContext,
  tempDir,
  writeLines,
} from '../fixtures/daemon/builders';
import { fixtureJson, postExport } from '../fixtures/otlp/load';
import { startTestHub, type TestHub } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { repositories } from '../unit/daemon/repos';

const HOUR = 3_600_000;
const ago = (hours: number) => new Date(Date.now() - hours * HOUR).toISOString();

type Sums = Record<string, TokenCounts>;
const add = (sums: Sums, key: string, t: TokenCounts) => {
  const cur = sums[key] ?? { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
  for (const k of TOKEN_KINDS) cur[k] += t[k];
  sums[key] = cur;
};

/** What the logs say, per project, user and session, as the logs are written (see `daemonLogs`). */
const expected = { project: {} as Sums, user: {} as Sums, session: {} as Sums };

function record(project: string, user: string, session: string, t: TokenCounts) {
  add(expected.project, project, t);
  add(expected.user, user, t);
  add(expected.session, session, t);
}

/**
 * One person's logs: Claude sessions and a Codex session in the given folders. `shown` is the project as the
 * daemon will send it (its privacy switch).
 */
function daemonLogs(
  who: string,
  claudeSessions: { id: string; cwd: string; project: string; turns: number }[],
  codexSession: { id: string; cwd: string; project: string; turns: number },
  shown: (project: string) => string,
) {
  const root = tempDir(`rh-attr-${who}-`);
  for (const [s, session] of claudeSessions.entries()) {
    const lines: string[] = [];
    for (let n = 1; n <= session.turns; n++) {
      const t = { input: 10 * n + s, output: 100 * n, cacheRead: 1000 * n, cacheWrite: 7 * n };
      lines.push(
        claudeAssistant({
          messageId: `msg_${who}_${s}_${n}`,
          requestId: `req_${n}`,
          sessionId: session.id,
          ts: ago(50 - n),
          usage: t,
          cwd: session.cwd,
        }),
      );
      record(shown(session.project), who, session.id, {
        input_tokens: t.input,
        output_tokens: t.output,
        cache_read_tokens: t.cacheRead,
        cache_write_tokens: t.cacheWrite,
      });
    }
    writeLines(join(root, 'claude', 'projects', `p${s}`, `${session.id}.jsonl`), lines);
  }
  const lines = [
    codexSessionMeta(codexSession.id, ago(30), undefined, codexSession.cwd),
    codexTurnContext(ago(30), 'gpt-5-codex', codexSession.cwd),
  ];
  for (let n = 1; n <= codexSession.turns; n++) {
    lines.push(
      codexTokenCount(ago(30 - n), { input: 5000 * n, cached: 3000 * n, output: 70 * n, reasoning: 5 * n }),
    );
    record(shown(codexSession.project), who, codexSession.id, {
      input_tokens: 2000,
      output_tokens: 70,
      cache_read_tokens: 3000,
      cache_write_tokens: 0,
    });
  }
  writeLines(
    join(root, 'codex', 'sessions', '2026', '11', '30', `rollout-x-${codexSession.id}.jsonl`),
    lines,
  );
  return root;
}

describe('daemons attribute usage, and the hub groups it exactly', () => {
  let hub: TestHub;
  const { at } = repositories();
  const alice = daemonLogs(
    'alice',
    [
      { id: 'c-alice-1', cwd: at('repo-a', 'src', 'deep'), project: 'repo-a', turns: 3 },
      { id: 'c-alice-2', cwd: at('repo-a-feature'), project: 'repo-a-feature', turns: 2 },
    ],
    {
      id: '0199d000-0000-7000-8000-00000000000a',
      cwd: at('scratch', 'repo-b', 'pkg'),
      project: 'repo-b',
      turns: 2,
    },
    (p) => p,
  );
  // Bob hashes project names: the hub sees the same repository under its hash.
  const bob = daemonLogs(
    'bob',
    [{ id: 'c-bob-1', cwd: at('scratch', 'notes'), project: 'notes', turns: 4 }],
    { id: '0199d000-0000-7000-8000-00000000000b', cwd: at('repo-a'), project: 'repo-a', turns: 3 },
    nameHash,
  );

  beforeAll(async () => {
    hub = await startTestHub();
  }, 60_000);
  afterAll(async () => {
    await hub?.destroy();
  });

  it('sends every event with its project, session and user, and the grouped views equal the logs', async () => {
    for (const [root, user, projectNames] of [
      [alice, 'alice', 'basename'],
      [bob, 'bob', 'hash'],
    ] as const) {
      const result = await runDaemon({
        url: hub.url,
        token: hub.daemonToken,
        claudeDir: join(root, 'claude'),
        codexDir: join(root, 'codex'),
        statePath: join(root, 'state.json'),
        log: silentLogger(),
        env: {},
        once: true,
        ackWaitMs: 20_000,
        attribution: { user, projectNames },
      });
      expect(result.ok).toBe(true);
      expect(result.refused).toEqual([]);
    }
    for (const [dimension, want] of Object.entries(expected)) {
      const res = await rest(`${hub.url}/api/usage?days=7&group_by=${dimension}`, { token: hub.memberToken });
      expect(res.status).toBe(200);
      const sums: Sums = {};
      for (const row of res.body as GroupedUsageRow[]) add(sums, row.key, row);
      expect(sums, dimension).toEqual(want);
    }
    expect(Object.keys(expected.project).sort()).toEqual(
      [nameHash('notes'), nameHash('repo-a'), 'repo-a', 'repo-a-feature', 'repo-b'].sort(),
    );
  }, 90_000);

  it('groups OTLP usage by the project.name a team sets, the session.id and the user.id Claude Code sends', async () => {
    const ws = await hub.newWorkspace('otlp-attribution');
    const day = new Date(Date.now() - 24 * HOUR).toISOString().slice(0, 10);
    const logs = fixtureJson('claude-logs', day) as {
      resourceLogs: { resource: { attributes: { key: string; value: { stringValue: string } }[] } }[];
    };
    for (const rl of logs.resourceLogs)
      rl.resource.attributes.push({ key: 'project.name', value: { stringValue: 'otlp-repo' } });
    expect((await postExport(hub.url, 'logs', logs, { token: ws.daemonToken })).status).toBe(200);
    const keys = async (dimension: string) => {
      const res = await rest(`${hub.url}/api/usage?days=7&group_by=${dimension}`, { token: ws.memberToken });
      expect(res.status).toBe(200);
      return [...new Set((res.body as GroupedUsageRow[]).map((r) => r.key))];
    };
    expect(await keys('project')).toEqual(['otlp-repo']);
    expect(await keys('session')).toEqual(['8c3f6d2a-1b4e-4f7a-9c2d-5e8f1a3b6c9d']);
    expect(await keys('user')).toEqual(['5f2b1c0e9a7d4e3f8b6a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f']);
  }, 60_000);
});
