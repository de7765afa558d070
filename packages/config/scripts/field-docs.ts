// The documentation of every config field, read from the one place it is written: the JSDoc comment on
// the field in the zod schema (src/schema.ts, src/sections/*, src/primitives.ts). zod cannot see those
// comments, the TypeScript checker can: it is what an editor shows on hover over a field of
// `defineConfig({...})`, because z.input keeps each property's declaration. This walks the type
// MeshobsConfigInput the way the checker resolves it, so a field declared once in a helper (resources(),
// replicaRange(), ...) gets its comment at every path it appears.
//
// Paths: `cluster.name`, `services[].port` (list items), `alerts.extraLabels.*` (record values).
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..');

/** Every documented field of the config input, path -> its JSDoc text (sorted by path). */
export function fieldDocs(): Record<string, string> {
  const entry = join(ROOT, 'src', 'index.ts');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  const program = ts.createProgram([entry], { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry)!;
  const moduleSymbol = checker.getSymbolAtLocation(source)!;
  const input = checker.getExportsOfModule(moduleSymbol).find((s) => s.name === 'MeshobsConfigInput');
  if (!input) throw new Error('src/index.ts does not export MeshobsConfigInput');
  const root = checker.getDeclaredTypeOfSymbol(checker.getAliasedSymbol(input));

  const docs: Record<string, string> = {};
  const seen = new Set<string>();
  const visit = (type: ts.Type, path: string, depth: number) => {
    if (depth > 12) throw new Error(`config type nested deeper than 12 levels at ${path}`);
    const t = checker.getNonNullableType(type);
    if (t.isUnion()) {
      for (const member of t.types) visit(member, path, depth);
      return;
    }
    if (!(t.flags & ts.TypeFlags.Object)) return; // string, number, boolean, literals: a leaf
    if (checker.isArrayType(t) || checker.isTupleType(t)) {
      for (const element of checker.getTypeArguments(t as ts.TypeReference)) visit(element, `${path}[]`, depth + 1);
      return;
    }
    const key = `${path} ${checker.typeToString(t)}`;
    if (seen.has(key)) return;
    seen.add(key);
    const index = checker.getIndexInfosOfType(t);
    for (const info of index) visit(info.type, `${path}.*`, depth + 1);
    for (const prop of checker.getPropertiesOfType(t)) {
      const at = path ? `${path}.${prop.name}` : prop.name;
      const text = ts.displayPartsToString(prop.getDocumentationComment(checker)).trim();
      if (text) docs[at] = text.replace(/\s*\n\s*/g, ' ');
      visit(checker.getTypeOfSymbol(prop), at, depth + 1);
    }
  };
  visit(root, '', 0);
  return Object.fromEntries(Object.entries(docs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
