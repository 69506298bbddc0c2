// Sends HL7 v2 files to an MLLP listener with simple-hl7's TCP client, one connection per
// worker, and prints one JSON line per file: {file, controlId, msa1, msa2, err}.
// usage: node send-mllp.js PORT CONNECTIONS FILE...
'use strict';
const fs = require('fs');
const hl7 = require('simple-hl7');

const [port, connections, ...files] = process.argv.slice(2);

function controlIdOf(text) {
  const msh = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)[0];
  return msh.split(msh[3])[9] || '';
}

function sendAll(queue) {
  return new Promise((resolve) => {
    const client = hl7.Server.createTcpClient({ host: '127.0.0.1', port: Number(port), keepalive: true });
    const next = () => {
      const file = queue.shift();
      if (!file) { client.close(); return resolve(); }
      const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '').replace(/\r\n|\n/g, '\r').replace(/\r+$/, '');
      const timer = setTimeout(() => {
        console.log(JSON.stringify({ file, controlId: controlIdOf(text), error: 'timeout' }));
        process.exit(3);
      }, 15000);
      client.send(text, (err, ack) => {
        clearTimeout(timer);
        if (err) {
          console.log(JSON.stringify({ file, controlId: controlIdOf(text), error: String(err) }));
        } else {
          const msa = ack.getSegment('MSA');
          const errSeg = ack.getSegment('ERR');
          console.log(JSON.stringify({
            file, controlId: controlIdOf(text),
            msa1: msa ? msa.getField(1) : '', msa2: msa ? msa.getField(2) : '',
            err: errSeg ? errSeg.toString(ack.header.delimiters) : ''
          }));
        }
        setImmediate(next);  // simple-hl7 clears its busy flag only after this callback
      });
    };
    next();
  });
}

(async () => {
  const queue = files.slice();
  const workers = [];
  for (let i = 0; i < Number(connections); i++) workers.push(sendAll(queue));
  await Promise.all(workers);
})();
