// The regional platform's front door, as tests need it: an OAuth2 token endpoint (client
// credentials, RS256 JWTs made with Node's crypto) and a reverse proxy to a medbridge in the
// platform profile, over HTTP or over TLS that may demand a client certificate.
// Usage: node platform-front.js '<JSON settings>'
//   {port, upstreamPort, tls?: {key, cert, clientCa}, token?: {key, clientId, clientSecret,
//    issuer, audience, lifetime, claimedLifetime}}
// GET /stats answers {tokens, forwarded, status401}.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const https = require('https');

const s = JSON.parse(process.argv[2]);
const stats = { tokens: 0, forwarded: 0, status401: 0 };
const b64 = (b) => Buffer.from(b).toString('base64url');

function jwt(claims) {
  const data = `${b64(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
  return `${data}.${b64(crypto.sign('sha256', Buffer.from(data), fs.readFileSync(s.token.key)))}`;
}

function token(q, r, body) {
  const [scheme, encoded] = (q.headers.authorization || '').split(' ');
  const [id, secret] = Buffer.from(encoded || '', 'base64').toString().split(':');
  const form = new URLSearchParams(body);
  if (scheme !== 'Basic' || decodeURIComponent(id) !== s.token.clientId ||
      decodeURIComponent(secret || '') !== s.token.clientSecret ||
      form.get('grant_type') !== 'client_credentials') {
    r.writeHead(401, { 'Content-Type': 'application/json' });
    return r.end('{"error":"invalid_client"}');
  }
  stats.tokens += 1;
  const now = Math.floor(Date.now() / 1000);
  r.writeHead(200, { 'Content-Type': 'application/json' });
  r.end(JSON.stringify({
    access_token: jwt({ iss: s.token.issuer, aud: s.token.audience, sub: s.token.clientId,
      scope: 'system/*.*', iat: now, exp: now + s.token.lifetime }),
    token_type: 'Bearer', expires_in: s.token.claimedLifetime,
  }));
}

function forward(q, r, body) {
  stats.forwarded += 1;
  const up = http.request({ host: '127.0.0.1', port: s.upstreamPort, method: q.method,
    path: q.url, headers: q.headers }, (a) => {
    if (a.statusCode === 401) stats.status401 += 1;
    r.writeHead(a.statusCode, a.headers);
    a.pipe(r);
  });
  up.on('error', () => { r.writeHead(502); r.end(); });
  up.end(body);
}

function handle(q, r) {
  const chunks = [];
  q.on('data', (c) => chunks.push(c));
  q.on('end', () => {
    const body = Buffer.concat(chunks);
    if (q.url === '/stats') {
      const text = JSON.stringify(stats);
      r.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': text.length });
      return r.end(text);
    }
    if (q.url === '/token' && q.method === 'POST' && s.token) return token(q, r, body.toString());
    return forward(q, r, body);
  });
}

const server = s.tls
  ? https.createServer({ key: fs.readFileSync(s.tls.key), cert: fs.readFileSync(s.tls.cert),
    ca: s.tls.clientCa ? fs.readFileSync(s.tls.clientCa) : undefined,
    requestCert: !!s.tls.clientCa, rejectUnauthorized: !!s.tls.clientCa }, handle)
  : http.createServer(handle);
server.listen(s.port, '127.0.0.1', () => console.log(`listening on ${s.port}`));
