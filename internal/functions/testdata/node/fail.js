class ValidationError extends Error {
  constructor(msg) { super(msg); this.name = 'ValidationError'; }
}
exports.throws = async () => { throw new ValidationError('name is required'); };
exports.throwsString = async () => { throw 'plain string'; };
exports.sleeps = async () => { await new Promise((r) => setTimeout(r, 60000)); return 'late'; };
exports.crashes = async () => { console.error('about to crash'); process.exit(3); };
exports.large = async (event) => 'x'.repeat(event.size);
exports.nested = { deeper: { handler: async () => 'nested' } };
exports.length = async (event) => event.data.length;
