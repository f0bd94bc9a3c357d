/**
 * Escapes text for HTML element content and double- or single-quoted attribute values. Every
 * value on the status page goes through here: SIDs, phone numbers and account names come from
 * the network.
 */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
