// Validates sandbox's exports with independent validators, offline:
//   node validate.cjs k8s FILE.yaml...   each manifest against the official Kubernetes OpenAPI
//                                        schemas (kubernetes-models; Pod and batch/v1 Job)
//   node validate.cjs sarif FILE...      each SARIF log against the SARIF 2.1.0 schema
// Exit 1 with the validator's errors when one fails. Run with NODE_PATH=<build>/k8s/node_modules
// (the ctest fixture installs them there from package-lock.json).
"use strict";
const fs = require("fs");
const path = require("path");

function validateK8s(file) {
  const YAML = require("yaml");
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(`${file}: YAML: ${doc.errors.join("; ")}`);
    const obj = doc.toJS();
    const models = {
      "v1/Pod": () => require("kubernetes-models/v1/Pod").Pod,
      "batch/v1/Job": () => require("kubernetes-models/batch/v1/Job").Job,
    };
    const make = models[`${obj.apiVersion}/${obj.kind}`];
    if (!make) throw new Error(`${file}: unexpected ${obj.apiVersion} ${obj.kind}`);
    const Model = make();
    new Model(obj).validate(); // throws a ValidationError listing every schema violation
    console.log(`ok: ${file}: ${obj.apiVersion} ${obj.kind} ${obj.metadata.name}`);
  }
}

function validateSarif(file) {
  const Ajv = require("ajv");
  const schemaFile = path.join(
    path.dirname(require.resolve("@microsoft/jest-sarif/package.json")),
    "lib/schemas/sarif-2.1.0-rtm.5.json");
  const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
  // The SARIF 2.1.0 schema is JSON Schema draft-04, which ajv 6 knows as an extra meta-schema.
  const ajv = new Ajv({ allErrors: true, schemaId: "auto" });
  ajv.addMetaSchema(require("ajv/lib/refs/json-schema-draft-04.json"));
  const validate = ajv.compile(schema);
  if (!validate(JSON.parse(fs.readFileSync(file, "utf8")))) {
    throw new Error(`${file}: ${ajv.errorsText(validate.errors, { separator: "\n" })}`);
  }
  console.log(`ok: ${file}: SARIF 2.1.0`);
}

const [kind, ...files] = process.argv.slice(2);
if (!files.length || !["k8s", "sarif"].includes(kind)) {
  console.error("usage: validate.cjs k8s|sarif FILE...");
  process.exit(2);
}
try {
  for (const f of files) (kind === "k8s" ? validateK8s : validateSarif)(f);
} catch (e) {
  console.error(String(e && e.message ? e.message : e));
  process.exit(1);
}
