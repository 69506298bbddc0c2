// Reference for the parse benchmark: npm HL7 v2 parsers on the same messages, one core.
// usage: node bench/peers/parse.js FILE [SECONDS=3]
'use strict';
const fs = require('fs');
const { Parser } = require('simple-hl7');
const HL7 = require('hl7-standard');

const file = process.argv[2];
const seconds = Number(process.argv[3] || 3);
const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '').replace(/\r\n|\n/g, '\r');

function measure(name, fn) {
  for (let i = 0; i < 2000; i++) fn();  // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(seconds * 1e9);
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${name} ${file.split('/').pop()} msg/s ${Math.round(n / elapsed)}`);
}

const parser = new Parser({ segmentSeperator: '\r' });
measure('simple-hl7', () => parser.parse(text).getSegment('PID'));
measure('hl7-standard', () => { const h = new HL7(text); h.transform(); return h.get('PID.3'); });
