/**
 * Reads new lines of the log files from their saved offsets and turns them into queued usage events and task
 * activity. A file that shrank, changed inode or was rewritten in place is read again from the start.
 * Reading pauses while the outbox is full: offline, the logs themselves are the buffer, not memory.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { type UsageEvent, UsageEvent as UsageEventSchema } from '../../shared/schemas';
import { totalOf } from '../../shared/tokens';
import type { Attribution } from './attribution';
import { parseClaudeLine } from './claude-reader';
import { ClaudeResponseKeys } from './claude-responses';
import { type CodexFileCtx, fileSessionKey, leadingTimestamp, parseCodexLine } from './codex-reader';
import { emptyCounters, isBlank, type ScanCounters } from './counts';
import type { ProviderName } from './discovery';
import { readLines } from './line-reader';
import { claudeSessionGroups, codexCreationOrder, type LogFile } from './scan-order';
import { type DaemonState, type FileEntry, SEEN_CAPACITY } from './state-file';

const HEAD_BYTES = 1024;
/** Outbox size at which reading pauses until the hub has acknowledged some. */
export const HIGH_WATER = 20_000;

const CLAUDE_LANES = 8;

export type ScanOutcome = 'read' | 'unchanged' | 'paused' | 'gone';

async function headHash(path: string, len: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(len);
    const { bytesRead } = await fh.read(buf, 0, len, 0);
    return createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex');
  } finally {
    await fh.close();
  }
}

export class Scanner {
  readonly counters = new Map<ProviderName, ScanCounters>();
  private readonly known = new Map<ProviderName, Set<string>>();
  /** path → when new lines were last read from it (the follow loop polls recently active files more often). */
  readonly lastRead = new Map<string, number>();
  private readonly claudeKeys: ClaudeResponseKeys;

  constructor(
    private readonly state: DaemonState,
    /** Adds project, session and user to each queued event (never to its id). */
    private readonly attribution: Attribution,
    private readonly highWater = HIGH_WATER,
  ) {
    const queued = state.seenFor('claude').toJSON();
    this.claudeKeys = ClaudeResponseKeys.fromSeen(
      queued.map(([id]) => id),
      SEEN_CAPACITY,
    );
  }

  countersFor(provider: ProviderName): ScanCounters {
    let c = this.counters.get(provider);
    if (!c) {
      c = emptyCounters();
      this.counters.set(provider, c);
    }
    c.files = this.known.get(provider)?.size ?? 0;
    return c;
  }

  /** True while the outbox is too full to read more. */
  paused(): boolean {
    return this.state.outbox.eventCount >= this.highWater;
  }

  /** Sets the files known per provider (the `files` scan counter). */
  setKnown(files: { provider: ProviderName; path: string }[]): void {
    this.known.clear();
    for (const f of files) {
      let known = this.known.get(f.provider);
      if (!known) {
        known = new Set();
        this.known.set(f.provider, known);
      }
      known.add(f.path);
    }
  }

  /**
   * Reads every given file; stops early (returns false) when the outbox is full. Codex files are read one after
   * another in creation order (a fork after its parent); Claude files a few sessions at a time, so file
   * open/close latency overlaps, each session's files in one lane in a fixed order (see claudeSessionGroups).
   */
  async scanFiles(files: LogFile[]): Promise<boolean> {
    const codex = codexCreationOrder(files.filter((f) => f.provider === 'codex'));
    const claude = claudeSessionGroups(files.filter((f) => f.provider !== 'codex'));
    let complete = true;
    const readAll = async (list: LogFile[]) => {
      for (const f of list) {
        if (!complete) return;
        if ((await this.scanFile(f.provider, f.path)) === 'paused') complete = false;
      }
    };
    const lane = async () => {
      while (complete) {
        const group = claude.shift();
        if (!group) return;
        await readAll(group);
      }
    };
    await Promise.all([readAll(codex), ...Array.from({ length: CLAUDE_LANES }, lane)]);
    return complete;
  }

  async scanFile(provider: ProviderName, path: string): Promise<ScanOutcome> {
    if (this.paused()) return 'paused';
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(path);
    } catch {
      this.state.files.delete(path);
      this.known.get(provider)?.delete(path);
      return 'gone';
    }
    let entry = this.state.files.get(path);
    const fresh = (): FileEntry => ({ provider, ino: st.ino, size: 0, offset: 0, head: '', head_len: 0 });
    if (!entry || entry.ino !== st.ino || st.size < entry.offset) entry = fresh();
    else if (st.size === entry.offset) return 'unchanged';
    else if (entry.head_len > 0 && (await headHash(path, entry.head_len)) !== entry.head) entry = fresh();

    const c = this.countersFor(provider);
    const start = entry.offset;
    // The context is copied and committed together with the offset, so a snapshot saved mid-read never pairs
    // a later context with an earlier offset.
    const codex: CodexFileCtx = entry.codex ? structuredClone(entry.codex) : { model: 'unknown' };
    let session = entry.session;
    /** Claude: the cwd of the file's latest usage line, for a line that names none. */
    let cwd: string | undefined;
    const fileKey = fileSessionKey(path);
    const sessions = this.state.codexSessions;
    const tasks = this.state.tasks;

    const onLine = (line: Buffer): boolean => {
      c.lines++;
      if (isBlank(line)) return !this.paused();
      if (provider === 'claude') {
        const r = parseClaudeLine(line);
        if (r.kind === 'usage') {
          r.event.id = this.claudeKeys.keyFor(r.messageId, r.event.id);
          session = r.sessionId ?? session;
          cwd = r.cwd ?? cwd;
          if (this.accept(provider, r.event, c, cwd, session))
            tasks.touch(provider, session ?? fileKey, r.event.ts);
        } else {
          c.skipped++;
          if (r.unparsable) c.unparsable++;
          if (r.sessionId) session = r.sessionId;
          tasks.touch(provider, session ?? fileKey, r.ts);
        }
      } else {
        const r = parseCodexLine(line, codex, sessions, fileKey);
        if (r.kind === 'usage') this.accept(provider, r.event, c, codex.cwd, codex.session);
        else if (r.kind === 'duplicate') c.duplicates++;
        else if (r.kind === 'skip') {
          c.skipped++;
          if (r.unparsable) c.unparsable++;
        }
        tasks.touch(provider, codex.session ?? fileKey, leadingTimestamp(line));
      }
      return !this.paused();
    };

    let result: Awaited<ReturnType<typeof readLines>>;
    try {
      result = await readLines(path, start, onLine, undefined, start === 0 ? HEAD_BYTES : 0);
    } catch {
      return 'gone'; // removed or unreadable between stat and open: the next poll decides
    }
    c.bytes += result.offset - start;
    c.skipped += result.oversized;
    entry.offset = result.offset;
    entry.size = st.size;
    if (provider === 'codex') entry.codex = codex;
    else if (session) entry.session = session;
    if (entry.head_len < HEAD_BYTES && entry.offset > entry.head_len) {
      entry.head_len = Math.min(entry.offset, HEAD_BYTES);
      entry.head = result.head
        ? createHash('sha256').update(result.head.subarray(0, entry.head_len)).digest('hex')
        : await headHash(path, entry.head_len);
    }
    this.state.files.set(path, entry);
    this.lastRead.set(path, Date.now());
    return result.stopped ? 'paused' : 'read';
  }

  /**
   * Queues an event unless the same id was already queued with a larger or equal total. The shared schema is
   * the last word: an event it refuses (a broken timestamp, say) is counted as unparsable and never sent.
   * Returns false for such an event. Attribution is added only to an event that is queued (not to the many
   * repeated snapshots), and always fits the schema.
   */
  private accept(
    provider: ProviderName,
    event: UsageEvent,
    c: ScanCounters,
    cwd: string | undefined,
    session: string | undefined,
  ): boolean {
    const seen = this.state.seenFor(provider);
    const total = totalOf(event);
    const prior = seen.get(event.id);
    if (prior !== undefined && total <= prior) {
      c.duplicates++;
      return true;
    }
    Object.assign(event, this.attribution.fields(cwd, session));
    if (!UsageEventSchema.safeParse(event).success) {
      c.skipped++;
      c.unparsable++;
      return false;
    }
    if (prior !== undefined) c.duplicates++;
    else c.events++;
    seen.set(event.id, total);
    this.state.outbox.putEvent(provider, event);
    return true;
  }
}
