/**
 * One Claude API response is one `message.id`. Lines that replay a response under another `requestId` (the
 * `/btw` side question, sidechain replays) or relay it without one (`progress` lines) must land on the same event.
 *
 * Event ids stay `message.id:requestId`, with the request id of the first line read for that message: that is the
 * key the hub already holds for everything delivered before this rule (an ordinary response has one request id,
 * so its key does not change), and the hub keeps the largest total per key, so a changed key would count history
 * twice. Later lines of the same message reuse the first key. The map is rebuilt at start from the ids the
 * daemon has already queued (the state file's `seen` list), so the choice survives restarts without a new field.
 */

/** The message id an event id was built from (`msg:req`, or the bare message id of older transcripts). */
function messageIdOf(eventId: string): string | undefined {
  if (eventId.startsWith('line:')) return; // a line without a message id: nothing to share
  const colon = eventId.indexOf(':');
  return colon === -1 ? eventId : eventId.slice(0, colon);
}

export class ClaudeResponseKeys {
  private readonly keys = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  /** Seeds the map from already queued event ids, oldest first (the first id of a message wins). */
  static fromSeen(eventIds: Iterable<string>, capacity: number): ClaudeResponseKeys {
    const r = new ClaudeResponseKeys(capacity);
    for (const id of eventIds) {
      const messageId = messageIdOf(id);
      if (messageId && !r.keys.has(messageId)) r.remember(messageId, id);
    }
    return r;
  }

  /** The event id for a line of `messageId` whose own id would be `lineId`: the first one seen for it. */
  keyFor(messageId: string | undefined, lineId: string): string {
    if (!messageId) return lineId;
    const known = this.keys.get(messageId);
    if (known !== undefined) return known;
    this.remember(messageId, lineId);
    return lineId;
  }

  private remember(messageId: string, id: string): void {
    this.keys.set(messageId, id);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
  }
}
