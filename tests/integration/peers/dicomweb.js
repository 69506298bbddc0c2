// A DICOMweb client for the integration tests: npm's dicomweb-client (dcmjs-org) on Node, with
// xhr2 as its XMLHttpRequest. One command per run, results as JSON on stdout:
//   dicomweb.js URL store FILE...                 -> the STOW-RS response
//   dicomweb.js URL studies|series|instances [STUDY [SERIES]] [key=value...]  -> QIDO-RS matches
//   dicomweb.js URL metadata STUDY                -> WADO-RS study metadata
//   dicomweb.js URL instance STUDY SERIES SOP OUT -> writes the instance (WADO-RS) to OUT
'use strict';
global.XMLHttpRequest = require('xhr2');
const fs = require('fs');
const { api } = require('dicomweb-client');

const [url, command, ...args] = process.argv.slice(2);
const client = new api.DICOMwebClient({ url });

function queryParams(list) {
  const params = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    params[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return params;
}

async function main() {
  switch (command) {
    case 'store': {
      const datasets = args.map((f) => {
        const b = fs.readFileSync(f);
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
      });
      const answer = await client.storeInstances({ datasets });
      return typeof answer === 'string' ? answer : JSON.stringify(answer);
    }
    case 'studies':
      return JSON.stringify(await client.searchForStudies({ queryParams: queryParams(args) }));
    case 'series': {
      const [study, ...rest] = args;
      return JSON.stringify(
          await client.searchForSeries({ studyInstanceUID: study, queryParams: queryParams(rest) }));
    }
    case 'instances': {
      const [study, series, ...rest] = args;
      return JSON.stringify(await client.searchForInstances(
          { studyInstanceUID: study, seriesInstanceUID: series, queryParams: queryParams(rest) }));
    }
    case 'metadata':
      return JSON.stringify(await client.retrieveStudyMetadata({ studyInstanceUID: args[0] }));
    case 'instance': {
      const [study, series, sop, out] = args;
      const part = await client.retrieveInstance(
          { studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: sop });
      fs.writeFileSync(out, Buffer.from(part));
      return JSON.stringify({ bytes: part.byteLength });
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}

main().then((out) => console.log(out)).catch((e) => {
  console.log(`ERROR ${e && e.message ? e.message : JSON.stringify(e)}`);
  process.exit(1);
});
