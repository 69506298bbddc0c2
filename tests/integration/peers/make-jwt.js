// Signs a JWT with Node's own crypto (an implementation independent of medbridge's).
// Usage: node make-jwt.js <private-key.pem|-> <RS256|ES256|HS256|none> '<claims JSON>' [hmac-secret-file]
'use strict';
const crypto = require('crypto');
const fs = require('fs');

const [keyFile, alg, claims, secretFile] = process.argv.slice(2);
const b64 = (b) => Buffer.from(b).toString('base64url');
const data = `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${b64(claims)}`;
let signature = '';
if (alg === 'RS256') {
  signature = b64(crypto.sign('sha256', Buffer.from(data), fs.readFileSync(keyFile)));
} else if (alg === 'ES256') {
  signature = b64(crypto.sign('sha256', Buffer.from(data),
    { key: fs.readFileSync(keyFile), dsaEncoding: 'ieee-p1363' }));
} else if (alg === 'HS256') {
  signature = b64(crypto.createHmac('sha256', fs.readFileSync(secretFile)).update(data).digest());
}
process.stdout.write(`${data}.${signature}`);
