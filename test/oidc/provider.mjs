// A third-party OpenID provider (the npm package oidc-provider) on loopback,
// used by gatehouse's JWT authorizer tests. It issues JWT access tokens with
// the client_credentials grant and resource indicators.
//
// Usage: node provider.mjs --keys <private JWKS file> [--port N]
// Prints one JSON line {"issuer": "...", "port": N} once it listens on
// 127.0.0.1, then serves until stdin closes or it is signalled.
import * as fs from 'node:fs';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values } = parseArgs({
  options: {
    keys: { type: 'string' },
    port: { type: 'string', default: '0' },
  },
});
if (!values.keys) {
  console.error('--keys is required');
  process.exit(2);
}

export const RESOURCE = 'https://api.gatehouse.test';

const jwks = JSON.parse(fs.readFileSync(values.keys, 'utf8'));
const server = http.createServer();
server.listen(Number(values.port), '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    jwks,
    clients: [{
      client_id: 'gatehouse-test',
      client_secret: 'gatehouse-test-secret',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: 'read write admin',
    }],
    scopes: ['read', 'write', 'admin'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== RESOURCE) {
            throw new Error(`unknown resource ${resource}`);
          }
          return {
            scope: 'read write admin',
            audience: RESOURCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
