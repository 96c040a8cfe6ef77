/** Where the dashboard keeps the viewer's token and zone in localStorage (read by the boot module too). */
export const TOKEN_KEY = 'runtime-hub.token';
export const TZ_KEY = 'runtime-hub.tz';
