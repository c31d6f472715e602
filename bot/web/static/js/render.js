// Turn message text into DOM nodes without ever parsing it as HTML.
// Bot and visitor text only ever reaches the page through text nodes, so a message
// like "<img src=x onerror=alert(1)>" is shown as those characters, never run.
// Links are made for http(s) URLs, e-mail addresses and the clinic's phone numbers.

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const EMAIL_RE = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g;
const TRAILING_PUNCTUATION = /[.,;:!?'"\]]+$/;

/** Strip punctuation that ends a sentence rather than the URL (and an unmatched ")"). */
function trimUrl(url) {
  let trimmed = url.replace(TRAILING_PUNCTUATION, "");
  while (trimmed.endsWith(")") && (trimmed.match(/\(/g) || []).length < (trimmed.match(/\)/g) || []).length) {
    trimmed = trimmed.slice(0, -1).replace(TRAILING_PUNCTUATION, "");
  }
  return trimmed;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** "tel:+15550100199" for a phone number as people write it. */
export function telHref(phone) {
  const digits = String(phone || "").replace(/[^\d+]/g, "");
  return "tel:" + (digits ? digits[0] + digits.slice(1).replace(/\+/g, "") : "");
}

/**
 * Every link-worthy span in a line: [{start, end, text, href, external}], in order.
 * phones: the clinic's numbers (as written in clinic.yml) to turn into tel: links.
 */
export function findLinks(line, phones) {
  const found = [];
  for (const match of line.matchAll(URL_RE)) {
    const text = trimUrl(match[0]);
    found.push({ start: match.index, end: match.index + text.length, text, href: text, external: true });
  }
  for (const match of line.matchAll(EMAIL_RE)) {
    found.push({ start: match.index, end: match.index + match[0].length, text: match[0], href: "mailto:" + match[0] });
  }
  for (const phone of [].concat(phones || []).filter(Boolean)) {
    // Whole numbers only: "911" must not match inside "19112".
    const re = new RegExp(`(?<![\\d+])${escapeRegExp(phone)}(?!\\d)`, "g");
    for (const match of line.matchAll(re)) {
      found.push({ start: match.index, end: match.index + phone.length, text: phone, href: telHref(phone) });
    }
  }
  found.sort((a, b) => a.start - b.start);
  const kept = [];
  let lastEnd = -1;
  for (const link of found) {
    if (link.start >= lastEnd) {
      kept.push(link);
      lastEnd = link.end;
    }
  }
  return kept;
}

/** A safe <a>: only http(s), mailto and tel targets; external ones open in a new tab. */
export function makeLink(text, href, external) {
  const a = document.createElement("a");
  a.textContent = text;
  if (!/^(https?:|mailto:|tel:)/i.test(href)) return document.createTextNode(text);
  a.href = href;
  if (external) {
    a.target = "_blank";
    a.rel = "noopener noreferrer";
  }
  return a;
}

function appendLine(parent, line, options) {
  let position = 0;
  for (const link of options.linkify ? findLinks(line, options.phones) : []) {
    if (link.start > position) parent.append(document.createTextNode(line.slice(position, link.start)));
    parent.append(makeLink(link.text, link.href, link.external));
    position = link.end;
  }
  if (position < line.length) parent.append(document.createTextNode(line.slice(position)));
}

/**
 * A fragment of <p> paragraphs (split on blank lines) with <br> for single line breaks.
 * options.linkify: make links; options.phones: the clinic numbers to turn into tel: links.
 */
export function renderText(text, options = {}) {
  const fragment = document.createDocumentFragment();
  const paragraphs = String(text ?? "").replace(/\r\n?/g, "\n").split(/\n\s*\n/);
  for (const paragraph of paragraphs) {
    if (!paragraph.trim()) continue;
    const p = document.createElement("p");
    paragraph.split("\n").forEach((line, index) => {
      if (index > 0) p.append(document.createElement("br"));
      appendLine(p, line, options);
    });
    fragment.append(p);
  }
  return fragment;
}
