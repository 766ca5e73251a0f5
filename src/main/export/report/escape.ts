// Text from users (project, file, class and reader names, notes) goes into the report only through this.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The text as HTML (or SVG) text or a quoted attribute value: it can close no tag and open none. */
export const escapeHtml = (text: string | number): string => String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
