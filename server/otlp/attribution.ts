/**
 * Project, session and user of an OTLP usage record, read from its attributes, else its resource's:
 * - `session_id`: `session.id` (Claude Code), else `conversation.id` (Codex names its session so);
 * - `user`: `user.email`, else `user.id` (Claude Code's anonymous per-install id);
 * - `project`: `project.name`, which agents do not send themselves: a team sets it per repository, e.g.
 *   `OTEL_RESOURCE_ATTRIBUTES=project.name=my-repo` (a resource attribute; a record attribute is taken too).
 * A record's own attribute wins over its resource's (it is the more specific). Values are fitted to the wire
 * contract (200 characters, well-formed text), never a reason to refuse the record.
 */
import { fitLabel } from '../../shared/label';
import type { UsageEvent } from '../../shared/schemas';

/** The resource attribute (or record attribute) naming the project. */
export const PROJECT_KEY = 'project.name';

export type OtlpAttribution = Pick<UsageEvent, 'project' | 'session_id' | 'user'>;

/** `read(key)` gives an attribute's text: the record's, else the resource's (see map.ts). */
export function attributionOf(read: (key: string) => string | undefined): OtlpAttribution {
  const first = (...keys: string[]) => {
    for (const key of keys) {
      const value = fitLabel(read(key));
      if (value !== undefined) return value;
    }
    return undefined;
  };
  const project = first(PROJECT_KEY);
  const session = first('session.id', 'conversation.id');
  const user = first('user.email', 'user.id');
  return {
    ...(project !== undefined ? { project } : {}),
    ...(session !== undefined ? { session_id: session } : {}),
    ...(user !== undefined ? { user } : {}),
  };
}
