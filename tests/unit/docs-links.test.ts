import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The docs hold together: links between them resolve, code comments point at docs that exist, and
 * every invariant the code cites by number is one docs/design.md defines.
 */
const root = process.cwd();
const read = (path: string) => readFileSync(join(root, path), 'utf8');

const markdownFiles = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(root, path)).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}
const codeFiles = ['core', 'shared', 'functions', 'infra', 'web'].flatMap(sources);

/** Markdown without its fenced code blocks (their `#` lines are not headings, their links not links). */
const prose = (markdown: string) => markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');

/** GitHub's heading anchor: lower-case, punctuation dropped except `-` and `_`, spaces to `-`. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a markdown file's headings define, repeats numbered as GitHub does (`-1`, `-2`). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, text] of prose(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = slug(text as string);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The targets of a markdown file's inline links and images (`[text](target)`), outside code. */
function linksOf(markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string);
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** Why a relative link from `file` does not resolve, or undefined when it does. */
function brokenLink(file: string, target: string): string | undefined {
  const [pathPart = '', anchor] = target.split('#', 2);
  const path = pathPart === '' ? file : normalize(join(dirname(file), decodeURI(pathPart)));
  if (!existsSync(join(root, path))) return `${file}: ${target} (no file ${path})`;
  if (anchor === undefined || !path.endsWith('.md')) return undefined;
  if (!anchorsOf(read(path)).has(anchor)) return `${file}: ${target} (no heading #${anchor} in ${path})`;
  return undefined;
}

const keywordsBeforeRegex = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'instanceof',
  'yield',
  'await',
]);

/**
 * The comments of a TypeScript source, line and block, and nothing from its strings, template
 * literals (with their `${}` parts) or regular expression literals.
 */
function commentsOf(source: string): string[] {
  const comments: string[] = [];
  const n = source.length;
  const templates: number[] = []; // the brace depth at which each open `${` began
  let depth = 0;
  let i = 0;
  let prev = ''; // the last significant character of code
  let word = ''; // the last identifier or keyword, if it was the last token
  const skipQuoted = (quote: string) => {
    i++;
    while (i < n && source[i] !== quote && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
    i++;
  };
  const scanTemplate = () => {
    while (i < n) {
      if (source[i] === '\\') i += 2;
      else if (source[i] === '`') {
        i++;
        return;
      } else if (source[i] === '$' && source[i + 1] === '{') {
        i += 2;
        templates.push(depth);
        depth++;
        return;
      } else i++;
    }
  };
  const skipRegex = () => {
    let inClass = false;
    i++;
    while (i < n && source[i] !== '\n') {
      const c = source[i];
      if (c === '\\') i++;
      else if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) break;
      i++;
    }
    i++;
    while (i < n && /[a-z]/i.test(source[i] as string)) i++;
  };
  while (i < n) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      comments.push(source.slice(i + 2, stop));
      i = stop;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end;
      comments.push(source.slice(i + 2, stop));
      i = stop + 2;
      continue;
    }
    let token = c;
    if (c === '"' || c === "'") skipQuoted(c);
    else if (c === '`') {
      i++;
      scanTemplate();
    } else if (
      c === '/' &&
      (prev === '' || /[(,=:[!&|?{};+\-*%<>~^]/.test(prev) || keywordsBeforeRegex.has(word))
    ) {
      skipRegex();
      token = 'x';
    } else if (/[\w$]/.test(c)) {
      const start = i;
      while (i < n && /[\w$]/.test(source[i] as string)) i++;
      word = source.slice(start, i);
      prev = 'x';
      continue;
    } else if (c === '}' && templates.length > 0 && templates[templates.length - 1] === depth - 1) {
      depth--;
      templates.pop();
      i++;
      scanTemplate();
    } else {
      if (c === '{') depth++;
      if (c === '}') depth--;
      i++;
    }
    prev = token;
    word = '';
  }
  return comments;
}

/** `invariant 4`, `invariants 5 and 8`, `Invariants 1, 5 and 6`: every number cited, across comment lines. */
function invariantsCited(source: string): number[] {
  const text = source.replace(/\n\s*(?:\*(?!\/)|\/\/)?\s*/g, ' ');
  return [...text.matchAll(/\binvariants?\s+(\d+(?:\s*(?:,|and|&)\s*\d+)*)/gi)].flatMap((m) =>
    [...(m[1] as string).matchAll(/\d+/g)].map((d) => Number(d[0])),
  );
}

/** The invariants docs/design.md defines: its headings `Invariant N`. */
const definedInvariants = () =>
  [...prose(read('docs/design.md')).matchAll(/^#{2,6}[ \t]+Invariant[ \t]+(\d+)\b/gm)].map((m) =>
    Number(m[1]),
  );

const commentsByFile = codeFiles.map((file) => ({ file, comments: commentsOf(read(file)) }));

describe('the helpers of this test', () => {
  it('slug headings the way GitHub does', () => {
    expect(slug('Invariant 4')).toBe('invariant-4');
    expect(slug('Delivery: no dual write')).toBe('delivery-no-dual-write');
    expect(slug('The public intake: `POST /v1/feedback` and the widget')).toBe(
      'the-public-intake-post-v1feedback-and-the-widget',
    );
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n')]).toEqual(['a', 'a-1']);
  });

  it('find comments and nothing inside strings, templates or regular expressions', () => {
    const source = [
      "const a = 'design.md // not a comment'; // one",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal, as input
      'const b = `x ${a /* two */} // not ${`${a}`} either`;',
      'const c = /\\/\\/[/*]/g.test(a) ? 1 / 2 : 3; /* three */',
    ].join('\n');
    expect(commentsOf(source).map((c) => c.trim())).toEqual(['one', 'two', 'three']);
  });

  it('read every way the code cites invariants', () => {
    expect(invariantsCited('(invariant 4) and Invariants 5 and 8; invariants 1, 5 and 6')).toEqual([
      4, 5, 8, 1, 5, 6,
    ]);
    expect(invariantsCited(' * at most once (invariants 5\n * and 8). // invariant 9\n')).toEqual([5, 8, 9]);
  });
});

describe('the documentation', () => {
  it('has a short README that links to every doc in docs/', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    const linked = new Set(linksOf(readme).map((target) => target.split('#')[0]));
    const docs = readdirSync(join(root, 'docs')).filter((name) => /\.(md|json)$/.test(name));
    expect(docs.filter((name) => !linked.has(`docs/${name}`))).toEqual([]);
  });

  it('resolves every relative link in README and docs/, anchors included', () => {
    const links = markdownFiles.flatMap((file) =>
      linksOf(read(file))
        .filter((target) => !isExternal(target))
        .map((target) => ({ file, target })),
    );
    expect(links.length).toBeGreaterThan(40); // the check reads real links, not none
    expect(links.map(({ file, target }) => brokenLink(file, target)).filter(Boolean)).toEqual([]);
  });

  it('numbers the invariants of docs/design.md 1, 2, 3… without gaps or repeats', () => {
    const numbers = definedInvariants();
    expect(numbers.length).toBeGreaterThanOrEqual(11);
    expect(numbers).toEqual(numbers.map((_, index) => index + 1));
  });
});

describe('the code comments of core/, shared/, functions/, infra/ and web/', () => {
  it('are read at all (the checks below would pass on no comments)', () => {
    const mentions = commentsByFile.flatMap(({ comments }) => comments.join('\n').match(/docs\//g) ?? []);
    expect(mentions.length).toBeGreaterThan(20);
  });

  it('name only docs that exist, and only headings those docs have', () => {
    const broken = commentsByFile.flatMap(({ file, comments }) =>
      [...comments.join('\n').matchAll(/\bdocs\/[\w./-]*[\w/](?:#[\w-]+)?/g)]
        .map((m) => m[0].replace(/\.$/, ''))
        .map((target) => brokenLink('README.md', target)?.replace('README.md', file))
        .filter((problem): problem is string => problem !== undefined),
    );
    expect(broken).toEqual([]);
  });

  it('name a doc by its path from the repository root (docs/design.md, never a bare design.md)', () => {
    const bare = commentsByFile.flatMap(({ file, comments }) =>
      [...comments.join('\n').matchAll(/(?<![\w/.-])[\w-]+\.md\b/g)]
        .map((m) => m[0])
        .filter((name) => name !== 'README.md')
        .map((name) => `${file}: ${name}`),
    );
    expect(bare).toEqual([]);
  });

  it('cite only invariants that docs/design.md defines', () => {
    const defined = new Set(definedInvariants());
    const cited = codeFiles.flatMap((file) =>
      invariantsCited(read(file)).map((number) => ({ file, number })),
    );
    expect(cited.length).toBeGreaterThan(10);
    expect(
      cited.filter(({ number }) => !defined.has(number)).map((c) => `${c.file}: invariant ${c.number}`),
    ).toEqual([]);
  });
});
