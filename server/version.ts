/** The hub's version, from package.json (reported in the OpenAPI document and the daemon's metadata). */
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
