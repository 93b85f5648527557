import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const ROOT_DIR = path.resolve(__dirname, '../..');
export const readRepoFile = (file: string) => fs.readFileSync(path.join(ROOT_DIR, file), 'utf8');

/** The variables the config module's environment class declares, read from its source so no second list drifts. */
export function configEnvironmentKeys(): string[] {
  const file = 'src/config/config.ts';
  const source = ts.createSourceFile(file, readRepoFile(file), ts.ScriptTarget.Latest);
  const environmentClass = source.statements.find(
    (statement): statement is ts.ClassDeclaration =>
      ts.isClassDeclaration(statement) && statement.name?.text === 'EnvironmentVariables',
  );
  if (!environmentClass) throw new Error(`no EnvironmentVariables class in ${file}`);
  return environmentClass.members.filter(ts.isPropertyDeclaration).map((member) => member.name.getText(source));
}
