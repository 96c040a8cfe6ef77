/** Where the dashboard keeps the viewer's token and zone in localStorage (read by the boot module too). */
export const TOKEN_KEY = 'runtime-hub.token';
export const TZ_KEY = 'runtime-hub.tz';
/**
 * The browser's own zone as last seen, so boot.ts can start its fetches before asking Intl (whose first use
 * on a page costs tens of milliseconds); never used for anything but a guess it checks right after.
 */
export const BROWSER_ZONE_KEY = 'runtime-hub.browser-zone';
