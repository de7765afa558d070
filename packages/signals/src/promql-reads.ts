// What an expression reads from the raw series: every vector selector, its matchers, and the labels
// of its series the result depends on. The cardinality profile (cardinality.ts) derives what is safe
// to remove from this, so it parses the generated PromQL instead of trusting a hand-kept list.
//
// A small recursive-descent parser for the PromQL the bundle writes (and Grafana's `label_values`):
// selectors, ranges, subqueries, offset/@, functions, aggregations with by/without before or after
// the arguments, binary operators with bool/on/ignoring/group_left/group_right, in the precedence of
// prometheus/prometheus promql/parser/generated_parser.y (or < and/unless < comparisons < +- < */%
// atan2 < ^). Label needs follow the engine (promql/engine.go): an aggregation `by (L)` needs only L
// from its argument; `without`, topk/bottomk/limitk, binary operators without `on` and every
// unaggregated path to the result need all labels; `on (L)` needs L plus what the result keeps.

import { AGGREGATORS } from './cluster.ts';

export type MatchOp = '=' | '!=' | '=~' | '!~';
export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

/** One raw read: a selector, and which of its labels the expression's result depends on. */
export interface SelectorRead {
  metric: string;
  matchers: LabelMatcher[];
  /** 'all' when the series reach the result (or a vector match) with their whole label set. */
  labels: Set<string> | 'all';
}

type Node =
  | { t: 'sel'; metric: string; matchers: LabelMatcher[] }
  | { t: 'num' }
  | { t: 'str'; value: string }
  | { t: 'call'; fn: string; args: Node[] }
  | { t: 'agg'; op: string; by?: string[]; without?: string[]; args: Node[] }
  | { t: 'bin'; op: string; lhs: Node; rhs: Node; on?: string[]; ignoring?: string[]; include?: string[] }
  | { t: 'wrap'; inner: Node };

/** Aggregations whose output series keep the input's whole label set. */
const KEEP_ALL = new Set(['topk', 'bottomk', 'limitk', 'limit_ratio']);
const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '<=': 3,
  '>=': 3,
  '<': 3,
  '>': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};

interface Tok {
  k: 'id' | 'num' | 'str' | 'p' | 'range';
  v: string;
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let v = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && c !== '`') {
          v += src[j + 1];
          j += 2;
        } else v += src[j++];
      }
      if (j >= src.length) throw new Error(`unterminated string at ${i}: ${src}`);
      out.push({ k: 'str', v });
      i = j + 1;
      continue;
    }
    if (c === '[') {
      // Ranges and subqueries are read whole ([5m], [$__rate_interval], [1h:1m]): they name no label.
      const j = src.indexOf(']', i);
      if (j < 0) throw new Error(`unterminated range at ${i}: ${src}`);
      out.push({ k: 'range', v: src.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '=~', '!~'].includes(two)) {
      out.push({ k: 'p', v: two });
      i += 2;
      continue;
    }
    if ('(){},=<>+-*/%^@:'.includes(c)) {
      out.push({ k: 'p', v: c });
      i++;
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+|\d+(\.\d+)?(e[+-]?\d+)?(ms|s|m|h|d|w|y)?|\.\d+|Inf|NaN)/i.exec(src.slice(i));
    if (num && !/[A-Za-z_]/.test(c)) {
      out.push({ k: 'num', v: num[0] });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_$][A-Za-z0-9_:$.]*/.exec(src.slice(i));
    if (id) {
      out.push({ k: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    throw new Error(`unexpected "${c}" at ${i}: ${src}`);
  }
  return out;
}

class Parser {
  private i = 0;
  private readonly toks: Tok[];
  private readonly src: string;
  constructor(toks: Tok[], src: string) {
    this.toks = toks;
    this.src = src;
  }

  private peek = (o = 0) => this.toks[this.i + o];
  private isP = (v: string, o = 0) => this.peek(o)?.k === 'p' && this.peek(o)?.v === v;
  private isId = (v: string, o = 0) => this.peek(o)?.k === 'id' && this.peek(o)?.v.toLowerCase() === v;
  private fail(what: string): never {
    throw new Error(`PromQL: expected ${what} at token ${this.i} (${JSON.stringify(this.peek()?.v)}): ${this.src}`);
  }
  private expect(v: string) {
    if (!this.isP(v)) this.fail(`"${v}"`);
    this.i++;
  }

  parse(): Node {
    const n = this.expr(0);
    if (this.i < this.toks.length) this.fail('end of expression');
    return n;
  }

  private binOp(): string | undefined {
    const t = this.peek();
    if (!t) return undefined;
    const v = t.k === 'id' ? t.v.toLowerCase() : t.k === 'p' ? t.v : '';
    return v in PRECEDENCE ? v : undefined;
  }

  private expr(minPrec: number): Node {
    let lhs = this.unary();
    for (;;) {
      const op = this.binOp();
      if (!op) return lhs;
      const prec = PRECEDENCE[op]!;
      if (prec < minPrec) return lhs;
      this.i++;
      const mods: { on?: string[]; ignoring?: string[]; include?: string[] } = {};
      if (this.isId('bool')) this.i++;
      if (this.isId('on') || this.isId('ignoring')) {
        const kind = this.peek()!.v.toLowerCase() as 'on' | 'ignoring';
        this.i++;
        mods[kind] = this.labelList();
      }
      if (this.isId('group_left') || this.isId('group_right')) {
        this.i++;
        mods.include = this.isP('(') ? this.labelList() : [];
      }
      // ^ is right-associative, every other operator left-associative.
      const rhs = this.expr(op === '^' ? prec : prec + 1);
      lhs = { t: 'bin', op, lhs, rhs, ...mods };
    }
  }

  private unary(): Node {
    if (this.isP('-') || this.isP('+')) {
      this.i++;
      return { t: 'wrap', inner: this.unary() };
    }
    return this.postfix(this.primary());
  }

  private postfix(n: Node): Node {
    for (;;) {
      const t = this.peek();
      if (t?.k === 'range') this.i++;
      else if (this.isId('offset')) {
        this.i++;
        if (this.isP('-')) this.i++;
        this.i++;
      } else if (this.isP('@')) {
        this.i += 2;
        if (this.isP('(')) this.i += 2; // start() / end()
        if (this.isP(')')) this.i++;
      } else return n;
    }
  }

  private labelList(): string[] {
    this.expect('(');
    const out: string[] = [];
    while (!this.isP(')')) {
      const t = this.peek();
      if (t?.k !== 'id' && t?.k !== 'str') this.fail('a label name');
      out.push(t.v);
      this.i++;
      if (this.isP(',')) this.i++;
      else if (!this.isP(')')) this.fail('"," or ")"');
    }
    this.i++;
    return out;
  }

  private matchers(): LabelMatcher[] {
    this.expect('{');
    const out: LabelMatcher[] = [];
    while (!this.isP('}')) {
      const name = this.peek();
      if (name?.k !== 'id' && name?.k !== 'str') this.fail('a label name');
      this.i++;
      const op = this.peek();
      if (op?.k !== 'p' || !['=', '!=', '=~', '!~'].includes(op.v)) this.fail('a matcher operator');
      this.i++;
      const value = this.peek();
      if (value?.k !== 'str') this.fail('a quoted label value');
      this.i++;
      out.push({ name: name.v, op: op.v as MatchOp, value: value.v });
      if (this.isP(',')) this.i++;
      else if (!this.isP('}')) this.fail('"," or "}"');
    }
    this.i++;
    return out;
  }

  private args(): Node[] {
    this.expect('(');
    const out: Node[] = [];
    while (!this.isP(')')) {
      out.push(this.expr(0));
      if (this.isP(',')) this.i++;
      else if (!this.isP(')')) this.fail('"," or ")"');
    }
    this.i++;
    return out;
  }

  private primary(): Node {
    const t = this.peek();
    if (!t) this.fail('an expression');
    if (t.k === 'num') {
      this.i++;
      return { t: 'num' };
    }
    if (t.k === 'str') {
      this.i++;
      return { t: 'str', value: t.v };
    }
    if (this.isP('(')) {
      this.i++;
      const inner = this.expr(0);
      this.expect(')');
      return { t: 'wrap', inner };
    }
    if (this.isP('{')) return this.selector('');
    if (t.k !== 'id') this.fail('an expression');
    const name = t.v;
    if (AGGREGATORS.has(name.toLowerCase()) && (this.isP('(', 1) || this.isId('by', 1) || this.isId('without', 1))) {
      this.i++;
      const grouping = () => {
        if (!(this.isId('by') || this.isId('without'))) return {};
        const kind = this.peek()!.v.toLowerCase();
        this.i++;
        return kind === 'by' ? { by: this.labelList() } : { without: this.labelList() };
      };
      const before = grouping();
      const args = this.args();
      const after = grouping();
      return { t: 'agg', op: name.toLowerCase(), args, ...before, ...after };
    }
    if (this.isP('(', 1)) {
      this.i++;
      return { t: 'call', fn: name, args: this.args() };
    }
    this.i++;
    if (this.isP('{')) return this.selector(name);
    return { t: 'sel', metric: name, matchers: [] };
  }

  private selector(metric: string): Node {
    const ms = this.matchers();
    const named = ms.find((m) => m.name === '__name__' && m.op === '=');
    return { t: 'sel', metric: metric || named?.value || '', matchers: ms.filter((m) => m !== named) };
  }
}

type Need = Set<string> | 'all';
const union = (a: Need, b: Iterable<string>): Need => (a === 'all' ? 'all' : new Set([...a, ...b]));

function walk(n: Node, need: Need, out: SelectorRead[]): void {
  switch (n.t) {
    case 'sel':
      out.push({ metric: n.metric, matchers: n.matchers, labels: need === 'all' ? 'all' : new Set(need) });
      return;
    case 'num':
    case 'str':
      return;
    case 'wrap':
      walk(n.inner, need, out);
      return;
    case 'agg': {
      const inner: Need = KEEP_ALL.has(n.op) || n.without ? 'all' : new Set(n.by ?? []);
      for (const a of n.args) walk(a, inner, out);
      return;
    }
    case 'call': {
      const fn = n.fn.toLowerCase();
      if (fn === 'label_values') {
        // Grafana's label_values(selector, label): the values of one label of the matching series.
        const label = n.args.at(-1);
        const name = label?.t === 'sel' ? label.metric : undefined;
        if (n.args.length === 2 && name) walk(n.args[0]!, new Set([name]), out);
        return;
      }
      let argNeed = need;
      if (fn === 'histogram_quantile' || fn === 'histogram_fraction') argNeed = union(need, ['le']);
      if (fn === 'label_replace' || fn === 'label_join') {
        // label_replace(v, dst, replacement, src, regex) / label_join(v, dst, sep, src...)
        const srcs = n.args.slice(3, fn === 'label_replace' ? 4 : undefined);
        argNeed = union(
          need,
          srcs.flatMap((a) => (a.t === 'str' ? [a.value] : [])),
        );
      }
      if (fn === 'scalar' || fn === 'sort_by_label' || fn === 'sort_by_label_desc') argNeed = 'all';
      for (const a of n.args) walk(a, argNeed, out);
      return;
    }
    case 'bin': {
      // Without `on`, vector matching compares the whole label set; scalar sides just pass through.
      const side: Need = n.on ? union(union(need, n.on), n.include ?? []) : 'all';
      walk(n.lhs, side, out);
      walk(n.rhs, side, out);
      return;
    }
  }
}

/** Every raw read of one expression (recording-rule names are selectors too; filter by metric). */
export function selectorReads(expr: string): SelectorRead[] {
  const out: SelectorRead[] = [];
  walk(new Parser(tokenize(expr), expr).parse(), 'all', out);
  return out;
}

/** Whether a matcher accepts a label value (an absent label is the empty string, as in Prometheus). */
export function matcherAccepts(m: LabelMatcher, value: string | undefined): boolean {
  const v = value ?? '';
  // Prometheus anchors label-matcher regexes: ^(?:regex)$ (model/labels/regexp.go).
  const re = () => new RegExp(`^(?:${m.value})$`);
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return re().test(v);
    case '!~':
      return !re().test(v);
  }
}
