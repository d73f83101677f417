/**
 * Model output as sanitised markdown: markdown-it with raw HTML disabled (so `<script>` or
 * `<img onerror>` in a response is shown as text), then DOMPurify over the result as a second
 * guard, with links forced to open safely in a new tab.
 */
import MarkdownIt from "markdown-it";
import DOMPurify from "dompurify";

const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: true });

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

export function renderMarkdown(text: string): string {
  return DOMPurify.sanitize(md.render(text), { FORBID_TAGS: ["img", "style", "iframe", "form", "input"], FORBID_ATTR: ["style"] });
}
