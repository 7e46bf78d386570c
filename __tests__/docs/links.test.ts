/**
 * Every relative link of README.md and docs/ leads somewhere: the file exists and, for `#anchor`,
 * the file has a heading GitHub gives that anchor. The README points into docs/ for everything, so a
 * moved or renamed section must not leave a link to nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");
const documents = [
  "README.md",
  ...fs
    .readdirSync(path.join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/**
 * The anchor GitHub gives a heading: lower case, punctuation but `-` and `_` dropped, each space a
 * hyphen (https://github.com/gjtorikian/html-pipeline, TableOfContentsFilter).
 */
export function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/ /g, "-");
}

function anchorsIn(text: string): Set<string> {
  const outsideCode = text.replace(/```[^]*?```/g, "");
  return new Set([...outsideCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1].trim())));
}

/** `[text](target)` links outside code blocks and code spans, with where they point. */
function linksIn(text: string): string[] {
  const prose = text.replace(/```[^]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t));
}

describe("links of README.md and docs/", () => {
  it.each(documents)("%s: every relative link leads to a file and heading that exist", (document) => {
    const text = fs.readFileSync(path.join(root, document), "utf8");
    const broken = linksIn(text).filter((target) => {
      const [file, anchor] = target.split("#");
      const resolved = file ? path.resolve(path.dirname(path.join(root, document)), file) : path.join(root, document);
      if (!fs.existsSync(resolved)) return true;
      if (!anchor || !resolved.endsWith(".md")) return false;
      return !anchorsIn(fs.readFileSync(resolved, "utf8")).has(anchor);
    });
    expect(broken).toEqual([]);
  });

  it("reads GitHub's anchors as GitHub makes them", () => {
    expect(anchorOf("Platform (`<env>-platform`) and what runs on it")).toBe(
      "platform-env-platform-and-what-runs-on-it",
    );
    expect(anchorOf("The pipeline after a merge, and rollouts beside it")).toBe(
      "the-pipeline-after-a-merge-and-rollouts-beside-it",
    );
  });
});
