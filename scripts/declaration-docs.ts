// The field comments of the config in the packed type declarations. tsc prints the inferred type of the
// zod schema into schema.d.ts without the JSDoc of its fields, so an installed `defineConfig({...})` would
// show no documentation on hover. This puts each field's comment (FIELD_DOCS, the same text the JSON
// Schema carries) back on its property in the printed `sections` type.
import { readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';

/**
 * Walks the printed zod type: an object's shape (a type literal) adds `.name`, ZodArray's element `[]`,
 * ZodRecord's value `.*`; every other wrapper (ZodDefault, ZodPrefault, ZodOptional, ZodPipe, unions)
 * keeps the path.
 */
function annotate(node: ts.TypeNode, path: string, docs: Record<string, string>, at: { pos: number; text: string }[], file: ts.SourceFile) {
  if (ts.isTypeLiteralNode(node)) {
    for (const m of node.members) {
      if (!ts.isPropertySignature(m) || !m.type) continue;
      const name = m.name.getText(file).replace(/^['"]|['"]$/g, '');
      const p = path ? `${path}.${name}` : name;
      const doc = docs[p];
      if (doc) {
        const indent = ' '.repeat(file.getLineAndCharacterOfPosition(m.getStart(file)).character);
        at.push({ pos: m.getStart(file), text: `/** ${doc.replaceAll('*/', '*\\/')} */\n${indent}` });
      }
      annotate(m.type, p, docs, at, file);
    }
    return;
  }
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText(file);
    const args = node.typeArguments ?? [];
    args.forEach((arg, i) => {
      if (/ZodArray$/.test(name)) annotate(arg, `${path}[]`, docs, at, file);
      else if (/ZodRecord$/.test(name)) annotate(arg, i === 1 ? `${path}.*` : path, docs, at, file);
      else annotate(arg, path, docs, at, file);
    });
    return;
  }
  ts.forEachChild(node, (child) => {
    if (ts.isTypeNode(child)) annotate(child, path, docs, at, file);
  });
}

/** Adds the field comments to the `declare const sections` type of a compiled schema.d.ts; returns how many. */
export function addFieldDocs(dtsPath: string, docs: Record<string, string>): number {
  const text = readFileSync(dtsPath, 'utf8');
  const file = ts.createSourceFile(dtsPath, text, ts.ScriptTarget.Latest, true);
  const at: { pos: number; text: string }[] = [];
  for (const s of file.statements) {
    if (!ts.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations) if (d.name.getText(file) === 'sections' && d.type) annotate(d.type, '', docs, at, file);
  }
  if (!at.length) throw new Error(`${dtsPath}: no documented field found in the declaration of sections`);
  let out = text;
  for (const { pos, text: doc } of at.sort((a, b) => b.pos - a.pos)) out = out.slice(0, pos) + doc + out.slice(pos);
  writeFileSync(dtsPath, out);
  return at.length;
}
