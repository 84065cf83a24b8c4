// Echoes the proxy event it receives, so tests can see what the gateway sent.
exports.handler = async (event) => {
  if (event.rawPath === '/throw' || event.path === '/throw') {
    throw new Error('boom');
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) };
};
