// Returns the JSON document in the request body as the function's result, so
// tests can drive any result shape through a real Node.js process; without a
// body it returns the event it received.
exports.handler = async (event) => {
  if (!event.body) return event;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return JSON.parse(text);
};
exports.throws = async () => { throw new Error('mirror failed'); };
exports.sleeps = () => new Promise(() => { setInterval(() => {}, 1000); });
