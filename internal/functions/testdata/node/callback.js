// A callback-style handler.
exports.handler = function (event, context, callback) {
  console.log('callback handler got', event.name);
  setTimeout(() => {
    if (event.fail) callback(new TypeError('bad ' + event.name));
    else callback(null, { hello: event.name });
  }, 5);
};
exports.viaDone = function (event, context) {
  context.succeed({ via: 'succeed' });
};
exports.neverCallsBack = function (event, context, callback) {
  setTimeout(() => console.log('timer done, still no callback'), 5);
};
