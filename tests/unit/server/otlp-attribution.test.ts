/**
 * OTLP usage says where and who like the daemon's: `session.id` (Codex: `conversation.id`) → session_id,
 * `user.email` else `user.id` → user, `project.name` (resource or record attribute) → project. What the agents
 * really send is pinned from the captured fixtures; event ids never change.
 */
import { describe, expect, it } from 'vitest';
import { mapLogs } from '../../../server/otlp/map';
import type { ExportLogsRequest } from '../../../server/otlp/schema';
import { type FixtureName, fixtureJson } from '../../fixtures/otlp/load';

type Attr = { key: string; value: { stringValue?: string; intValue?: string } };
const s = (key: string, value: string): Attr => ({ key, value: { stringValue: value } });

const mapped = (name: FixtureName) => mapLogs(fixtureJson(name) as ExportLogsRequest);
const who = (name: FixtureName) =>
  mapped(name).groups.flatMap((g) =>
    g.events.map((e) => ({ id: e.id, project: e.project, session_id: e.session_id, user: e.user })),
  );

/** One Claude Code api_request record with these extra record and resource attributes. */
function apiRequest(record: Attr[], resource: Attr[] = []): ExportLogsRequest {
  return {
    resourceLogs: [
      {
        resource: { attributes: [s('service.name', 'claude-code'), ...resource] },
        scopeLogs: [
          {
            logRecords: [
              {
                body: { stringValue: 'claude_code.api_request' },
                attributes: [
                  s('event.timestamp', '2026-11-02T10:00:00.000Z'),
                  s('session.id', 's-1'),
                  s('request_id', 'req_1'),
                  s('model', 'claude-sonnet-4-5'),
                  { key: 'input_tokens', value: { intValue: '10' } },
                  { key: 'output_tokens', value: { intValue: '20' } },
                  ...record,
                ],
              },
            ],
          },
        ],
      },
    ],
  } as unknown as ExportLogsRequest;
}

function oneEvent(request: ExportLogsRequest) {
  const result = mapLogs(request);
  expect(result.rejected).toBe(0);
  const events = result.groups.flatMap((g) => g.events);
  expect(events).toHaveLength(1);
  return events[0]!;
}

describe('OTLP attribution from what the agents send', () => {
  it('takes session.id and user.id from Claude Code records (no email, no project in the captures)', () => {
    expect(who('claude-captured-logs')).toEqual([
      {
        id: 'otlp:claude:req_fake1',
        project: undefined,
        session_id: '981c1f40-8312-4fc1-ae8a-ddfb6e0df6d5',
        user: '1fe752aff4c889a7cd7d0b7a6e81f054a3b989fa7ef46829500221d78756239d',
      },
    ]);
    const user = '5f2b1c0e9a7d4e3f8b6a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f';
    const session = '8c3f6d2a-1b4e-4f7a-9c2d-5e8f1a3b6c9d';
    expect(who('claude-logs').map(({ id: _, ...rest }) => rest)).toEqual([
      { project: undefined, session_id: session, user },
      { project: undefined, session_id: session, user },
      { project: undefined, session_id: session, user },
    ]);
    // Ids as before attribution: a re-sent export still counts once.
    expect(who('claude-logs').map((e) => e.id)).toEqual([
      'otlp:claude:req_011CUo7kLzRA8eYb1pK6sW2X',
      'otlp:claude:req_011CUo7kMz3qC1vWg2hJx8Yd',
      expect.stringMatching(/^otlp:claude:seq:/),
    ]);
  });

  it('takes the session from conversation.id for Codex, which sends no user.id or email (an empty account id)', () => {
    expect(who('codex-logs').map(({ id: _, ...rest }) => rest)).toEqual([
      { project: undefined, session_id: '0199a213-81c0-7800-8aa1-bbab2a035a53', user: undefined },
      { project: undefined, session_id: '0199a213-81c0-7800-8aa1-bbab2a035a53', user: undefined },
    ]);
    expect(who('codex-captured-logs')).toEqual([
      {
        id: expect.stringMatching(/^otlp:codex:[0-9a-f]{32}$/),
        project: undefined,
        session_id: '01a22d04-5950-72a3-997f-9ec00b3ec089',
        user: undefined,
      },
    ]);
  });

  it('takes project.name from the resource (OTEL_RESOURCE_ATTRIBUTES) or the record; the record wins', () => {
    expect(oneEvent(apiRequest([], [s('project.name', 'runtime-hub')])).project).toBe('runtime-hub');
    expect(oneEvent(apiRequest([s('project.name', 'web-app')])).project).toBe('web-app');
    expect(
      oneEvent(apiRequest([s('project.name', 'web-app')], [s('project.name', 'runtime-hub')])).project,
    ).toBe('web-app');
    // An empty record attribute says nothing: the resource's stands.
    expect(oneEvent(apiRequest([s('project.name', '')], [s('project.name', 'runtime-hub')])).project).toBe(
      'runtime-hub',
    );
  });

  it('prefers user.email over user.id, from the record or the resource', () => {
    expect(oneEvent(apiRequest([s('user.id', 'abc'), s('user.email', 'dev@example.com')])).user).toBe(
      'dev@example.com',
    );
    expect(oneEvent(apiRequest([s('user.id', 'abc')], [s('user.email', 'team@example.com')])).user).toBe(
      'team@example.com',
    );
    expect(oneEvent(apiRequest([s('user.id', 'abc')])).user).toBe('abc');
    expect(oneEvent(apiRequest([])).user).toBeUndefined();
  });

  it('fits long or malformed values to the contract instead of rejecting the record', () => {
    const event = oneEvent(
      apiRequest([s('project.name', `  ${'p'.repeat(300)}`), s('user.email', 'a\u0000b@example.com')]),
    );
    expect(event).toMatchObject({
      id: 'otlp:claude:req_1',
      project: 'p'.repeat(200),
      user: 'ab@example.com',
      session_id: 's-1',
    });
  });
});
