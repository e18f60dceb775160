/**
 * docs/config.md, generated from the config schema (shared/config/schema.ts): its JSON Schema
 * (`z.toJSONSchema`, the input side, so defaulted fields are optional) gives every field's type,
 * default, whether it is required and its limits; the schema's `.describe()` texts say what the
 * field does. `npm run config-docs` writes the file (infra/write-config-docs.ts) and
 * tests/unit/config-docs.test.ts fails when the committed file differs. Pure and deterministic.
 */
import * as z from 'zod';
import {
  configSchema,
  intervalSchema,
  matchSchema,
  severityMatchSchema,
  slaPolicySchema,
} from '../shared/config/schema.ts';

interface Json {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, Json>;
  required?: string[];
  items?: Json;
  propertyNames?: Json;
  additionalProperties?: Json | boolean;
  anyOf?: Json[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
}

const jsonSchemaOf = (schema: z.ZodType): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json & {
    $schema?: string;
  };
  return rest;
};

/** Shapes used in more than one place: one section each, linked from where they occur. */
const shapes: { title: string; anchor: string; schemas: z.ZodType[]; intro: string }[] = [
  {
    title: 'Match',
    anchor: 'match',
    schemas: [matchSchema, severityMatchSchema],
    intro:
      'The condition of a routing rule (`routing.rules[].match`) or a severity rule (`severity.rules[].match`). ' +
      'Every field present must hold (a list holds when any of its entries does); an empty match `{}` matches ' +
      'every feedback. `severities` is allowed in routing rules only.',
  },
  {
    title: 'SLA policy',
    anchor: 'sla-policy',
    schemas: [slaPolicySchema],
    intro:
      'The deadlines and escalations of one severity (`sla.policies.critical`, `sla.policies.routine`). ' +
      "Minutes are business minutes on the owning team's calendar.",
  },
  {
    title: 'Interval',
    anchor: 'interval',
    schemas: [intervalSchema],
    intro:
      "An opening interval of a business calendar (`calendars[].weeklyHours.<day>[]`), in the calendar's " +
      'time zone.',
  },
];

const ID_PATTERN = '^[a-z0-9]+(?:[-_][a-z0-9]+)*$';
const patternNames: Record<string, string> = {
  '^[0-9a-f]{64}$': '64 lower-case hex characters',
  '^(?:[01]\\d|2[0-3]):[0-5]\\d$': 'HH:MM, 00:00 to 23:59',
  '^(?:(?:[01]\\d|2[0-3]):[0-5]\\d|24:00)$': 'HH:MM, 00:00 to 24:00',
};

const withoutDescription = ({ description: _, ...rest }: Json): string => JSON.stringify(rest);
const shapeKeys = shapes.map((shape) => ({
  shape,
  keys: new Set(shape.schemas.map((s) => withoutDescription(jsonSchemaOf(s)))),
}));
const shapeOf = (node: Json) => shapeKeys.find(({ keys }) => keys.has(withoutDescription(node)))?.shape;

const code = (value: string) => `\`${value}\``;
/** A table cell: no line breaks, and `|` escaped (also inside code spans, as GFM tables need). */
const cell = (text: string) => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

const isId = (node: Json) => node.type === 'string' && node.pattern === ID_PATTERN && node.maxLength === 64;
const SAFE = Number.MAX_SAFE_INTEGER;

function typeOf(node: Json): string {
  const shape = shapeOf(node);
  if (shape) return `[${shape.title}](#${shape.anchor})`;
  if (node.anyOf) return node.anyOf.map(typeOf).join(' or ');
  if (isId(node)) return 'id';
  switch (node.type) {
    case 'string':
      return node.format === 'email' ? 'email' : node.format === 'uri' ? 'URL' : 'string';
    case 'array':
      return `list of ${plural(node.items ? typeOf(node.items) : 'any')}`;
    case 'object':
      if (node.properties) return 'object';
      return `map: ${node.propertyNames ? typeOf(node.propertyNames) : 'string'} → ${
        typeof node.additionalProperties === 'object' ? typeOf(node.additionalProperties) : 'any'
      }`;
    default:
      return node.type ?? 'any';
  }
}

const plural = (type: string) =>
  type.startsWith('[') || type.startsWith('list') || type.startsWith('map') ? type : `${type}s`;

function numberLimits(node: Json): string[] {
  const low =
    node.exclusiveMinimum !== undefined
      ? node.type === 'integer'
        ? `≥ ${node.exclusiveMinimum + 1}`
        : `> ${node.exclusiveMinimum}`
      : node.minimum !== undefined && node.minimum !== -SAFE
        ? `≥ ${node.minimum}`
        : undefined;
  const high =
    node.exclusiveMaximum !== undefined
      ? `< ${node.exclusiveMaximum}`
      : node.maximum !== undefined && node.maximum !== SAFE
        ? `≤ ${node.maximum}`
        : undefined;
  if (node.minimum !== undefined && node.maximum !== undefined && low && high) {
    return [`${node.minimum} to ${node.maximum}`];
  }
  const both = [low, high].filter((x): x is string => x !== undefined);
  return both.length ? [both.join(' and ')] : [];
}

const items = (n: number) => `${n} item${n === 1 ? '' : 's'}`;

function limitsOf(node: Json): string[] {
  if (shapeOf(node) || isId(node)) return [];
  if (node.anyOf) {
    const parts = node.anyOf.map((branch) => limitsOf(branch).join(', ')).filter(Boolean);
    return parts.length ? [parts.join('; or ')] : [];
  }
  const out: string[] = [];
  if (node.const !== undefined) out.push(code(JSON.stringify(node.const)));
  if (node.enum) out.push(`one of ${node.enum.map((v) => code(String(v))).join(', ')}`);
  if (node.minLength !== undefined && node.maxLength !== undefined) {
    out.push(`${node.minLength} to ${node.maxLength} characters`);
  } else if (node.maxLength !== undefined) {
    out.push(`at most ${node.maxLength} characters`);
  } else if (node.minLength === 1) {
    out.push('not empty');
  } else if (node.minLength !== undefined) {
    out.push(`at least ${node.minLength} characters`);
  }
  if (node.pattern && node.format !== 'email') out.push(patternNames[node.pattern] ?? code(node.pattern));
  if (node.type === 'integer' || node.type === 'number') out.push(...numberLimits(node));
  if (node.type === 'array') {
    if (node.minItems !== undefined && node.maxItems !== undefined) {
      out.push(`${node.minItems} to ${items(node.maxItems)}`);
    } else if (node.minItems !== undefined) {
      out.push(`at least ${items(node.minItems)}`);
    } else if (node.maxItems !== undefined) {
      out.push(`at most ${items(node.maxItems)}`);
    }
    const each = node.items && node.items.type !== 'object' ? limitsOf(node.items) : [];
    if (each.length) out.push(`each: ${each.join(', ')}`);
  }
  if (node.type === 'object' && !node.properties) {
    const keys = node.propertyNames ? limitsOf(node.propertyNames) : [];
    const values = typeof node.additionalProperties === 'object' ? limitsOf(node.additionalProperties) : [];
    if (keys.length) out.push(`keys: ${keys.join(', ')}`);
    if (values.length) out.push(`values: ${values.join(', ')}`);
  }
  return out;
}

/** Defaults longer than this are shown below their table instead of in it. */
const INLINE_DEFAULT = 60;

interface Row {
  path: string;
  node: Json;
  required: boolean;
}

/** The rows of every field under `node` (not `node` itself), depth first in schema order. */
function rowsUnder(node: Json, path: string): Row[] {
  const rows: Row[] = [];
  const object = node.type === 'array' && node.items ? node.items : node;
  const prefix = node.type === 'array' ? `${path}[]` : path;
  if (shapeOf(object) && object !== node) return rows;
  for (const [key, child] of Object.entries(object.properties ?? {})) {
    const childPath = prefix ? `${prefix}.${key}` : key;
    rows.push({ path: childPath, node: child, required: object.required?.includes(key) ?? false });
    if (shapeOf(child)) continue;
    rows.push(...rowsUnder(child, childPath));
  }
  return rows;
}

function descriptionOf(node: Json): string {
  const own = node.description ?? '';
  const item = node.type === 'array' && node.items?.type !== 'object' ? node.items?.description : undefined;
  const each = item ? `Each: ${item.charAt(0).toLowerCase()}${item.slice(1)}` : '';
  return [own, each].filter(Boolean).join(' ');
}

function defaultOf(row: Row, long: Row[]): string {
  if (row.node.default === undefined) return '—';
  const value = row.node.default;
  if (row.node.properties && JSON.stringify(value) === '{}') return "its fields' defaults";
  const text = JSON.stringify(value);
  if (text.length > INLINE_DEFAULT) {
    long.push(row);
    return 'built-in, below';
  }
  return code(text);
}

function table(rows: Row[]): { lines: string[]; long: Row[] } {
  const long: Row[] = [];
  const lines = [
    '| field | type | default | required | description | allowed values, limits |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) =>
      [
        '',
        code(row.path),
        typeOf(row.node),
        defaultOf(row, long),
        row.required ? 'yes' : 'no',
        descriptionOf(row.node),
        limitsOf(row.node).join('; ') || '—',
        '',
      ]
        .map((text) => (text === '' ? '' : ` ${cell(text)} `))
        .join('|')
        .trim(),
    ),
  ];
  return { lines, long };
}

/** JSON on one line, with a space after each comma of a list. */
const inline = (value: unknown): string =>
  Array.isArray(value) ? `[${value.map(inline).join(', ')}]` : JSON.stringify(value);

/** A long default as a JSON block: one line per key of an object, else one line per entry. */
function defaultBlock(row: Row): string[] {
  const value = row.node.default;
  const body =
    value && typeof value === 'object' && !Array.isArray(value)
      ? [
          '{',
          ...Object.entries(value).map(
            ([k, v], i, all) => `  ${JSON.stringify(k)}: ${inline(v)}${i < all.length - 1 ? ',' : ''}`,
          ),
          '}',
        ]
      : [inline(value)];
  return [`Built-in ${code(row.path)}:`, '', '```json', ...body, '```', ''];
}

function summaryOf(node: Json, required: boolean): string {
  const what = typeOf(node);
  const parts = [`${what.charAt(0).toUpperCase()}${what.slice(1)}`, required ? 'required' : 'optional'];
  parts.push(...limitsOf(node));
  const defaulted =
    node.default === undefined
      ? ''
      : node.properties && JSON.stringify(node.default) === '{}'
        ? ': left out, every field takes its default'
        : `, default ${code(JSON.stringify(node.default))}`;
  return `${parts.join(', ')}${defaulted}.`;
}

function section(title: string, anchorNote: string | undefined, rows: Row[], summary?: string) {
  const { lines, long } = table(rows);
  return [
    `## ${title}`,
    '',
    ...(anchorNote ? [anchorNote, ''] : []),
    ...(summary ? [summary, ''] : []),
    ...(rows.length ? [...lines, ''] : []),
    ...long.flatMap(defaultBlock),
  ];
}

const intro = [
  '# Config reference',
  '',
  '<!-- Generated by `npm run config-docs` from shared/config/schema.ts. Do not edit by hand:',
  '     tests/unit/config-docs.test.ts fails when this file differs from what the schema generates. -->',
  '',
  'Closeloop reads its whole configuration from one JSON file: the service, the client sites and',
  'their keys, the business calendars, the teams, how feedback is categorised, routed and judged',
  'critical, which feedback opens a case, and the SLA policies.',
  '',
  '- **Which file.** `cdk synth` and `cdk deploy` take `-c config=PATH`; without it (and for `npm start`)',
  '  the `CLOSELOOP_CONFIG` environment variable names the file, else `closeloop.config.json` in the',
  '  working directory is used if it exists, else `closeloop.config.example.json` (a Japanese online',
  '  shop). Start from the example: copy it to `closeloop.config.json` and edit it.',
  '- **Validated at synth.** `cdk synth` (and `npm start`) validate the file against the schema before',
  '  anything is built; an invalid file stops them with one line per problem, naming the field, e.g.',
  '  `routing.rules[0].teamId: unknown team "nope"`.',
  '- **Baked into the functions.** The validated document, defaults applied, is built into every',
  "  function's code: the functions never read the file at run time, so a change takes a deploy.",
  '',
  'Conventions:',
  '',
  '- Every object is strict: an unknown key is an error naming its path, so a typo never silently',
  '  disables a setting.',
  '- A field path like `sites[].id` is the `id` of every entry of `sites`. *Required* means required',
  '  whenever the object holding the field is present.',
  '- A field with a default may be left out. A value that is present replaces the default as a whole:',
  '  lists and maps are not merged with the built-in ones.',
  '- *id*: lower-case letters and digits, with single `-` or `_` between them, at most 64 characters',
  '  (`shop-jp`, `price_too_high`). Ids are unique within their list. *email*: an email address. *URL*:',
  '  an http or https URL.',
  "- SLA minutes are business minutes: they count only while the owning team's calendar is open.",
  '',
];

/** docs/config.md as the schema generates it. */
export function renderConfigDocs(): string {
  const root = jsonSchemaOf(configSchema);
  const out = [...intro];
  for (const [key, node] of Object.entries(root.properties ?? {})) {
    const required = root.required?.includes(key) ?? false;
    out.push(...section(code(key), node.description, rowsUnder(node, key), summaryOf(node, required)));
  }
  for (const shape of shapes) {
    const [first] = shape.schemas;
    const node = jsonSchemaOf(first as z.ZodType);
    out.push(...section(shape.title, shape.intro, rowsUnder(node, '')));
  }
  return `${out.join('\n').trimEnd()}\n`;
}
