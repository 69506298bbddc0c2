// A HIS receiving HL7 v2 over MLLP with simple-hl7's TCP server, on 127.0.0.1: appends each
// message (framing removed) as a JSON line {message} to OUTFILE and answers an ACK with MSA-1
// ACKCODE (default AA).
// usage: node his-listener.js PORT OUTFILE [ACKCODE]
'use strict';
const fs = require('fs');
const net = require('net');
const hl7 = require('simple-hl7');

const [port, outFile, ackCode = 'AA'] = process.argv.slice(2);

// simple-hl7 listens on every interface; tests bind to loopback only.
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (p) { return listen.call(this, p, '127.0.0.1'); };

const server = hl7.Server.createTcpServer((err, req, res) => {
  if (err) { console.error(String(err)); return; }
  const message = req.raw.replace(/^\x0b/, '').replace(/\x1c\r$/, '');
  fs.appendFileSync(outFile, JSON.stringify({ message }) + '\n');
  if (ackCode !== 'AA') {
    const msa = res.ack.getSegment('MSA');
    msa.setField(1, ackCode);
    msa.addField('refused by the test HIS', 3);
  }
  res.end();
});
server.start(Number(port));
console.log('listening on 127.0.0.1:' + port);
