/**
 * What the daemon says about who spent the tokens and where: `project` (the git top-level folder name of the
 * session's working directory), `session_id` (the agent's own session id) and `user`, each fitted to the wire
 * contract's 200 characters. The privacy switches decide what leaves the machine: a name as is, its hash, or
 * nothing. The hash is the first 16 hex characters of SHA-256 of the name (UTF-8), so the same repository or
 * person gets the same key on every machine and in every version, and a team can compute it to look one up.
 *
 * Attribution never changes an event's id: events stored before it existed keep their key and never count twice.
 */
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { fitLabel } from '../../shared/label';
import type { UsageEvent } from '../../shared/schemas';
import { ProjectNames } from './project-name';

export const PROJECT_NAME_MODES = ['basename', 'hash', 'off'] as const;
export const USER_NAME_MODES = ['name', 'hash', 'off'] as const;
export type ProjectNameMode = (typeof PROJECT_NAME_MODES)[number];
export type UserNameMode = (typeof USER_NAME_MODES)[number];

export interface AttributionOptions {
  /** `--user`; else the OS user name. */
  user?: string | undefined;
  projectNames?: ProjectNameMode;
  userNames?: UserNameMode;
  /** Where the OS user name comes from (tests pin it). */
  env?: NodeJS.ProcessEnv;
}

export type AttributionFields = Pick<UsageEvent, 'project' | 'session_id' | 'user'>;

/**
 * The stable short hash the privacy modes send instead of a name.
 * @example nameHash('runtime-hub'); // 16 hex characters, the same everywhere
 */
export function nameHash(name: string): string {
  return createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 16);
}

/** The OS user name: the account's (os.userInfo), else USER / USERNAME (a container without a passwd entry). */
export function osUserName(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // No passwd entry for this uid: fall back to the environment.
  }
  return env.USER || env.USERNAME || undefined;
}

/** A name as the mode wants it on the wire, or undefined when it stays home. */
function shown(name: string | undefined, mode: 'plain' | 'hash' | 'off'): string | undefined {
  const fitted = fitLabel(name);
  if (fitted === undefined || mode === 'off') return undefined;
  // The hash is of the name as it is shown in plain mode, so both modes name the same thing.
  return mode === 'hash' ? nameHash(fitted) : fitted;
}

export class Attribution {
  private readonly user: string | undefined;
  private readonly projectMode: 'plain' | 'hash' | 'off';
  /** cwd → its project folder name, cached (the disk is read once per distinct cwd). */
  private readonly projects: ProjectNames;

  constructor(o: AttributionOptions = {}, projects = new ProjectNames()) {
    const userMode = o.userNames ?? 'name';
    this.user = shown(o.user ?? osUserName(o.env), userMode === 'name' ? 'plain' : userMode);
    const projectMode = o.projectNames ?? 'basename';
    this.projectMode = projectMode === 'basename' ? 'plain' : projectMode;
    this.projects = projects;
  }

  /** Whether session ids are sent (always, but for `none`). */
  private sessions = true;

  /** Attribution that adds nothing (the scanner's tests of counting alone). */
  static none(): Attribution {
    const a = new Attribution({ projectNames: 'off', userNames: 'off' });
    a.sessions = false;
    return a;
  }

  /** The project label of a working directory as sent, or undefined. */
  project(cwd: string | undefined): string | undefined {
    if (!cwd || this.projectMode === 'off') return undefined;
    return shown(this.projects.of(cwd), this.projectMode);
  }

  /** The fields to add to an event of the session `sessionId` working in `cwd` (absent ones left off). */
  fields(cwd: string | undefined, sessionId: string | undefined): AttributionFields {
    const project = this.project(cwd);
    const session = this.sessions ? fitLabel(sessionId) : undefined;
    return {
      ...(project !== undefined ? { project } : {}),
      ...(session !== undefined ? { session_id: session } : {}),
      ...(this.user !== undefined ? { user: this.user } : {}),
    };
  }
}
