// Checks on what the visitor typed, before anything is sent.
// Nothing here changes the text box: a message that fails a check stays where it
// is, with a note that says what to do.

/** Characters as people (and Python's len) count them: an emoji is one, not two. */
export function countChars(text) {
  return Array.from(text).length;
}

/**
 * The text to send: broken UTF-16 (lone surrogates) becomes U+FFFD, invisible
 * control characters other than line breaks and tabs are dropped, NFC form, trimmed.
 */
export function cleanMessage(text) {
  let clean = typeof text.toWellFormed === "function"
    ? text.toWellFormed()
    : text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
  clean = clean.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "");
  return clean.normalize("NFC").trim();
}

const numberFormat = new Intl.NumberFormat(undefined);

export function formatCount(n) {
  return numberFormat.format(n);
}

/**
 * {ok, text} when the message can be sent, else {ok: false, reason, note}.
 * reason is "empty" or "too_long"; note is the sentence to show the visitor.
 */
export function checkMessage(raw, maxChars) {
  const text = cleanMessage(raw);
  if (!text) {
    return { ok: false, reason: "empty", note: "Please type a question first." };
  }
  const length = countChars(text);
  if (length > maxChars) {
    const over = length - maxChars;
    return {
      ok: false,
      reason: "too_long",
      note: `Too long by ${formatCount(over)} ${over === 1 ? "character" : "characters"} ` +
        `(limit ${formatCount(maxChars)}). Please shorten it; your text is kept.`,
    };
  }
  return { ok: true, text };
}
