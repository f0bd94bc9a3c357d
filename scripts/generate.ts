/** `npm run generate`: renders mixin/ into the committed rules and dashboards. */
import { generate } from './mixin.js';

for (const path of await generate()) console.log(`wrote ${path}`);
