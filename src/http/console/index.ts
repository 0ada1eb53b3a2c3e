export const CONSOLE_HTML = '<!doctype html><title>Strom</title><p>console</p>';
export const CONSOLE_JS = '';
export const CONSOLE_CSS = '';
