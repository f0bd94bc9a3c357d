/**
 * A tiny icon so browsers find one: without it each view logs a 404 for the icon in the console,
 * noise that would hide real problems. Served from this origin (the CSP allows `img-src 'self'`).
 */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M1 8h3l2-5 3 10 2-5h4" fill="none" stroke="#1e7b34" stroke-width="2" stroke-linejoin="round"/></svg>`;
