// The web console's static assets, served by the gateway (no CDN: nothing outside the
// machine may be needed). Kept as strings so the bundled broker carries them.
import { CONSOLE_HTML, CONSOLE_JS, CONSOLE_CSS } from './console/index.js';

export const CONSOLE_ASSETS: Record<string, { body: string; type: string }> = {
  '/': { body: CONSOLE_HTML, type: 'text/html; charset=utf-8' },
  '/console/app.js': { body: CONSOLE_JS, type: 'text/javascript; charset=utf-8' },
  '/console/app.css': { body: CONSOLE_CSS, type: 'text/css; charset=utf-8' },
};
