/**
 * One `initdb` per chaos run: every scenario starts this private cluster on its own port with a fresh database.
 * Removed at the end, with a server still running on it stopped first.
 */
import type { TestProject } from 'vitest/node';
import { destroyCluster, initCluster } from '../helpers/chaos-postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    chaosPgBase: string;
  }
}

export default async function setup(project: TestProject) {
  const base = await initCluster();
  project.provide('chaosPgBase', base);
  return async () => {
    await destroyCluster(base);
  };
}
