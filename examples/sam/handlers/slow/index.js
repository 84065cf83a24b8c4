// Answers after DELAY_MS milliseconds: longer than the integration timeout
// of its route, so API Gateway answers 504 (a DEFAULT_5XX response).
exports.handler = async () => {
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.DELAY_MS || 1000)));
  return { statusCode: 200, body: 'too late' };
};
